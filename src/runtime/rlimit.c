/* rlimit: setting process.rlimits.  Raising a hard limit needs
 * CAP_SYS_RESOURCE (and RLIMIT_NOFILE may never exceed fs.nr_open); hosts
 * such as this one run the runtime without it, so an EPERM on a raise is
 * answered by clamping hard (and soft) to the current hard limit, which is
 * always allowed, and recording a warning. */
#include "runtime/rlimit.h"

#include <errno.h>
#include <inttypes.h>
#include <sys/resource.h>

#include "common/banned.h"
#include "runtime/security.h"

static int rlimit_set_one(const struct oci_rlimit *r, char ***warnings, berth_error_t **err)
{
	const char *name = r->type ? r->type : "(unnamed)";
	struct rlimit new_limit = { .rlim_cur = r->soft, .rlim_max = r->hard };
	struct rlimit cur;

	if (r->soft > r->hard)
		return berth_error_fail(err, EINVAL,
					"rlimit %s: soft limit %" PRIu64
					" above hard limit %" PRIu64,
					name, r->soft, r->hard);
	if (prlimit(0, (__rlimit_resource_t)r->resource, &new_limit, NULL) == 0)
		return 0;
	if (errno != EPERM)
		return berth_error_set(err, errno, "rlimit %s: prlimit", name);
	if (prlimit(0, (__rlimit_resource_t)r->resource, NULL, &cur) < 0)
		return berth_error_set(err, errno, "rlimit %s: prlimit", name);
	/* Only a raise of the hard limit is clamped: EPERM for anything else
	 * would be an LSM or seccomp refusal that must not be hidden. */
	if (new_limit.rlim_max <= cur.rlim_max)
		return berth_error_set(err, EPERM, "rlimit %s: prlimit", name);
	new_limit.rlim_max = cur.rlim_max;
	if (new_limit.rlim_cur > cur.rlim_max)
		new_limit.rlim_cur = cur.rlim_max;
	if (prlimit(0, (__rlimit_resource_t)r->resource, &new_limit, NULL) < 0)
		return berth_error_set(err, errno, "rlimit %s: prlimit (clamped to %" PRIu64 ")",
				       name, (uint64_t)cur.rlim_max);
	security_warnf(warnings,
		       "rlimit %s: hard limit %" PRIu64 " above the allowed %" PRIu64 ", clamped",
		       name, r->hard, (uint64_t)cur.rlim_max);
	return 0;
}

int rlimit_apply(const struct oci_rlimit *rl, size_t n, char ***warnings, berth_error_t **err)
{
	for (size_t i = 0; i < n; i++) {
		int r = rlimit_set_one(&rl[i], warnings, err);
		if (r < 0)
			return r;
	}
	return 0;
}
