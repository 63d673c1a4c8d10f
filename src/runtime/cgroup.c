/* cgroup: detection of the host's cgroup layout, the cgroup handle and the
 * wrappers over its ops.  Invariant: callers see only struct cgroup and
 * cgroup_*(); which back-end (v1/hybrid, v2, none) serves a handle is
 * decided here once, from statfs and /proc/self/mountinfo. */
#include "runtime/cgroup.h"

#include <errno.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>

#include "common/banned.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "runtime/cgroup-internal.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif

static enum cgroup_mode detect_uncached(void)
{
	struct statfs fs;
	if (statfs("/sys/fs/cgroup", &fs) < 0)
		return CGROUP_MODE_NONE;
	if ((unsigned long)fs.f_type == CGROUP2_SUPER_MAGIC)
		return CGROUP_MODE_V2;
	if ((unsigned long)fs.f_type != TMPFS_MAGIC &&
	    (unsigned long)fs.f_type != CGROUP_SUPER_MAGIC)
		return CGROUP_MODE_NONE;
	/* A tmpfs at /sys/fs/cgroup is the legacy/hybrid layout only when v1
	 * controller hierarchies are mounted (a named-only hierarchy such as
	 * name=systemd limits nothing) */
	struct cg_mount *m = NULL;
	size_t n = 0;
	if (cg_mounts_read(&m, &n, NULL) < 0)
		return CGROUP_MODE_NONE;
	enum cgroup_mode mode = CGROUP_MODE_NONE;
	for (size_t i = 0; i < n; i++) {
		if (!m[i].v2 && m[i].controllers[0] && strncmp(m[i].controllers, "name=", 5) != 0)
			mode = CGROUP_MODE_V1;
	}
	cg_mounts_free(m, n);
	return mode;
}

enum cgroup_mode cgroup_detect(void)
{
	/* The layout of a host does not change while we run */
	static int cached = -1;
	if (cached < 0)
		cached = (int)detect_uncached();
	return (enum cgroup_mode)cached;
}

static int init_backend(struct cgroup *cg, berth_error_t **err)
{
	switch (cg->mode) {
	case CGROUP_MODE_V1:
		cg->ops = &cgroup_v1_ops;
		return cg1_init(cg, err);
	case CGROUP_MODE_V2:
		cg->ops = &cgroup_v2_ops;
		return cg2_init(cg, err);
	case CGROUP_MODE_NONE:
		cg->ops = &cgroup_none_ops;
		return 0;
	}
	return berth_error_set(err, EINVAL, "unknown cgroup mode %d", (int)cg->mode);
}

static int handle_new(enum cgroup_mode mode, char *path, struct cgroup **ret, berth_error_t **err)
{
	struct cgroup *cg = xzalloc(sizeof(*cg));
	cg->mode = mode;
	cg->path = path;
	if (init_backend(cg, err) < 0) {
		int rc = berth_error_code(err ? *err : NULL);
		cgroup_free(cg);
		return rc;
	}
	*ret = cg;
	return 0;
}

int cgroup_new(const char *cgroups_path, const char *id, struct cgroup **ret, berth_error_t **err)
{
	char *path = NULL;
	int r = cg_path_build(cgroups_path, id, &path, err);
	if (r < 0)
		return r;
	return handle_new(cgroup_detect(), path, ret, err);
}

int cgroup_open(enum cgroup_mode mode, const char *path, struct cgroup **ret, berth_error_t **err)
{
	char *norm = NULL;
	if (path == NULL || path[0] != '/')
		return berth_error_set(err, EINVAL, "cgroup path '%s' is not absolute",
				       path ? path : "");
	/* A stored path goes through the same rules: no "..", no "//" */
	int r = cg_path_build(path, NULL, &norm, err);
	if (r < 0)
		return r;
	return handle_new(mode, norm, ret, err);
}

void cgroup_free(struct cgroup *cg)
{
	if (cg == NULL)
		return;
	if (cg->priv) {
		if (cg->mode == CGROUP_MODE_V1)
			cg1_release(cg);
		else if (cg->mode == CGROUP_MODE_V2)
			cg2_release(cg);
	}
	for (size_t i = 0; i < cg->n_warnings; i++)
		free(cg->warnings[i]);
	free(cg->warnings);
	free(cg->path);
	free(cg);
}

int cgroup_create(struct cgroup *cg, berth_error_t **err)
{
	return cg->ops->create(cg, err);
}

int cgroup_enter(struct cgroup *cg, pid_t pid, berth_error_t **err)
{
	return cg->ops->enter(cg, pid, err);
}

bool cgroup_can_enter_self(const struct cgroup *cg)
{
	return cg->ops->enter_self != NULL;
}

int cgroup_enter_self(struct cgroup *cg, berth_error_t **err)
{
	if (cg->ops->enter_self == NULL)
		return berth_error_set(err, ENOTSUP, "cgroup %s: cannot join it from inside",
				       cg->ops->name);
	return cg->ops->enter_self(cg, err);
}

int cgroup_apply(struct cgroup *cg, const struct oci_resources *r, berth_error_t **err)
{
	if (r == NULL)
		return 0;
	return cg->ops->apply(cg, r, err);
}

int cgroup_freeze(struct cgroup *cg, bool frozen, berth_error_t **err)
{
	return cg->ops->freeze(cg, frozen, err);
}

int cgroup_is_frozen(struct cgroup *cg, bool *ret, berth_error_t **err)
{
	return cg->ops->is_frozen(cg, ret, err);
}

int cgroup_pids(struct cgroup *cg, pid_t **ret, size_t *ret_n, berth_error_t **err)
{
	return cg->ops->pids(cg, ret, ret_n, err);
}

int cgroup_kill_all(struct cgroup *cg, int sig, berth_error_t **err)
{
	return cg->ops->kill_all(cg, sig, err);
}

int cgroup_stats(struct cgroup *cg, json_t **ret, berth_error_t **err)
{
	return cg->ops->stats(cg, ret, err);
}

int cgroup_oom_count(struct cgroup *cg, uint64_t *ret, berth_error_t **err)
{
	return cg->ops->oom_count(cg, ret, err);
}

int cgroup_destroy(struct cgroup *cg, berth_error_t **err)
{
	return cg->ops->destroy(cg, err);
}
