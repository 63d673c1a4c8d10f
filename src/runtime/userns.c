/* userns: id maps for a new user namespace.  The kernel allows one write
 * per map file, with all lines at once, so each map is rendered whole
 * first and written with a single write(2). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/strbuf.h"
#include "runtime/userns.h"

static int write_proc_file(pid_t pid, const char *name, const char *data, size_t len,
			   berth_error_t **err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_set(err, errno, "open '%s'", path);
	if (write(fd, data, len) != (ssize_t)len)
		return berth_error_set(err, errno, "write '%s'", path);
	return 0;
}

static int write_map(pid_t pid, const char *name, const struct oci_id_mapping *m, size_t n,
		     berth_error_t **err)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&sb, "%u %u %u\n", m[i].container_id, m[i].host_id, m[i].size);
	int r = n ? write_proc_file(pid, name, sb.buf, sb.len, err) : 0;
	strbuf_release(&sb);
	return r;
}

int userns_write_id_maps(pid_t pid, const struct oci_id_mapping *uid, size_t n_uid,
			 const struct oci_id_mapping *gid, size_t n_gid, berth_error_t **err)
{
	if (geteuid() != 0 && write_proc_file(pid, "setgroups", "deny", 4, err) < 0)
		return -1;
	if (write_map(pid, "uid_map", uid, n_uid, err) < 0 ||
	    write_map(pid, "gid_map", gid, n_gid, err) < 0)
		return berth_error_wrap(err, "user namespace maps");
	return 0;
}

int userns_write_maps(pid_t pid, const struct oci_config *c, berth_error_t **err)
{
	return userns_write_id_maps(pid, c->linux_.uid_mappings, c->linux_.n_uid_mappings,
				    c->linux_.gid_mappings, c->linux_.n_gid_mappings, err);
}

int userns_become_root(berth_error_t **err)
{
	if (setresgid(0, 0, 0) < 0)
		return berth_error_set(err, errno, "setresgid to the user namespace root");
	if (setresuid(0, 0, 0) < 0)
		return berth_error_set(err, errno, "setresuid to the user namespace root");
	/* a uid change clears the dumpable flag; keep /proc/self usable for
	 * the rest of the setup (security_apply runs just before execve) */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	return 0;
}
