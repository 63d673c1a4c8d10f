/* cgroup-none: the back-end for hosts without a usable cgroup fs.
 * Invariant: nothing is silently dropped: creating, entering and destroying
 * succeed as no-ops, but any requested limit is an error, and device rules
 * (which the runtime always sends) become a warning. */
#include <errno.h>
#include <stdlib.h>

#include "common/banned.h"
#include "common/xalloc.h"
#include "runtime/cgroup-internal.h"

static int none_create(struct cgroup *cg, berth_error_t **err)
{
	return 0;
}

static int none_enter(struct cgroup *cg, pid_t pid, berth_error_t **err)
{
	return 0;
}

static int none_apply(struct cgroup *cg, const struct oci_resources *r, berth_error_t **err)
{
	if (cg_resources_any(r))
		return berth_error_set(err, ENOTSUP,
				       "cgroups are not available on this host: cannot apply "
				       "linux.resources");
	if (r->n_devices)
		cg_warn(cg, "cgroups are not available on this host: device rules are not "
			    "enforced");
	return 0;
}

static int none_freeze(struct cgroup *cg, bool frozen, berth_error_t **err)
{
	return berth_error_set(err, ENOTSUP,
			       "cgroups are not available on this host: cannot %s the container",
			       frozen ? "pause" : "resume");
}

static int none_is_frozen(struct cgroup *cg, bool *ret, berth_error_t **err)
{
	*ret = false;
	return 0;
}

static int none_pids(struct cgroup *cg, pid_t **ret, size_t *ret_n, berth_error_t **err)
{
	return berth_error_set(err, ENOTSUP,
			       "cgroups are not available on this host: cannot list the "
			       "container's processes");
}

static int none_kill_all(struct cgroup *cg, int sig, berth_error_t **err)
{
	return berth_error_set(err, ENOTSUP,
			       "cgroups are not available on this host: cannot signal every "
			       "process of the container");
}

static int none_stats(struct cgroup *cg, json_t **ret, berth_error_t **err)
{
	*ret = json_object();
	return 0;
}

static int none_oom_count(struct cgroup *cg, uint64_t *ret, berth_error_t **err)
{
	*ret = 0;
	return 0;
}

static int none_destroy(struct cgroup *cg, berth_error_t **err)
{
	return 0;
}

const struct cgroup_ops cgroup_none_ops = {
	.name = "none",
	.create = none_create,
	.enter = none_enter,
	.apply = none_apply,
	.freeze = none_freeze,
	.is_frozen = none_is_frozen,
	.pids = none_pids,
	.kill_all = none_kill_all,
	.stats = none_stats,
	.oom_count = none_oom_count,
	.destroy = none_destroy,
};
