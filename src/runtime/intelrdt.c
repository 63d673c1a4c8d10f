/* intelrdt: a resctrl group per container, as runc does: the group is
 * closID when given (shared between containers, so never removed by us)
 * or the container id (ours, removed at delete).  The schemata lines go to
 * <group>/schemata one write each, the init's pid to <group>/tasks.
 * Untested by the bats suite: the test host has no resctrl filesystem;
 * only the refusal (intelrdt_check) is covered there. */
#include "runtime/intelrdt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"

#define RESCTRL "/sys/fs/resctrl"
#define RDTGROUP_SUPER_MAGIC 0x7655821

static bool resctrl_mounted(void)
{
	struct statfs sfs;
	return statfs(RESCTRL, &sfs) == 0 && (uint32_t)sfs.f_type == RDTGROUP_SUPER_MAGIC;
}

/* Does info/L3_MON/mon_features list feature? */
static bool mon_feature(const char *feature)
{
	cleanup_fclose FILE *f = fopen(RESCTRL "/info/L3_MON/mon_features", "re");
	char line[128];
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line, feature) == 0)
			return true;
	}
	return false;
}

int intelrdt_check(const struct oci_intel_rdt *r, berth_error_t **err)
{
	if (!r->present)
		return 0;
	if (!resctrl_mounted())
		return berth_error_fail(err, EOPNOTSUPP,
					"linux.intelRdt: Intel RDT is not supported on this host "
					"(no resctrl filesystem)");
	const char *c = r->clos_id;
	if (c && (!*c || strchr(c, '/') || strcmp(c, ".") == 0 || strcmp(c, "..") == 0))
		return berth_error_fail(err, EINVAL, "linux.intelRdt.closID: invalid name '%s'", c);
	if (r->enable_cmt && !mon_feature("llc_occupancy"))
		return berth_error_fail(err, EOPNOTSUPP,
					"linux.intelRdt.enableCMT: cache monitoring is not "
					"supported on this host");
	if (r->enable_mbm && !mon_feature("mbm_total_bytes"))
		return berth_error_fail(err, EOPNOTSUPP,
					"linux.intelRdt.enableMBM: memory bandwidth monitoring is "
					"not supported on this host");
	return 0;
}

static int write_at(int dirfd, const char *file, const char *text, berth_error_t **err)
{
	cleanup_close int fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_set(err, errno, "open resctrl '%s'", file);
	size_t len = strlen(text);
	ssize_t n;
	do
		n = write(fd, text, len);
	while (n < 0 && errno == EINTR);
	if (n < 0 || (size_t)n != len)
		return berth_error_set(err, n < 0 ? errno : EIO, "write '%s' to resctrl '%s'", text,
				       file);
	return 0;
}

int intelrdt_apply(const struct oci_intel_rdt *r, const char *id, pid_t pid, bool *ret_made,
		   berth_error_t **err)
{
	*ret_made = false;
	if (!r->present)
		return 0;
	const char *group = r->clos_id ? r->clos_id : id;
	cleanup_close int root = open(RESCTRL, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return berth_error_set(err, errno, "open '%s'", RESCTRL);
	if (mkdirat(root, group, 0755) == 0)
		*ret_made = !r->clos_id;
	else if (errno != EEXIST || !r->clos_id)
		return berth_error_set(err, errno, "linux.intelRdt: create resctrl group '%s'",
				       group);
	cleanup_close int dir = openat(root, group, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dir < 0)
		return berth_error_set(err, errno, "open resctrl group '%s'", group);
	char buf[32];
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	if ((r->l3_cache_schema && write_at(dir, "schemata", r->l3_cache_schema, err) < 0) ||
	    (r->mem_bw_schema && write_at(dir, "schemata", r->mem_bw_schema, err) < 0) ||
	    write_at(dir, "tasks", buf, err) < 0)
		return berth_error_wrap(err, "linux.intelRdt");
	return 0;
}

void intelrdt_remove(const struct oci_intel_rdt *r, const char *id)
{
	if (!r->present || r->clos_id)
		return;
	cleanup_free char *path = xasprintf(RESCTRL "/%s", id);
	rmdir(path);
}
