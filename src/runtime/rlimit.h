/* rlimit: process.rlimits applied to the calling process with prlimit(2).
 * A hard limit above what the caller may set (no CAP_SYS_RESOURCE, or
 * above fs.nr_open for RLIMIT_NOFILE) is clamped with a warning, never a
 * failure: the container still starts, with the most it may have. */
#ifndef BERTH_RUNTIME_RLIMIT_H
#define BERTH_RUNTIME_RLIMIT_H

#include <stddef.h>

#include "common/error.h"
#include "oci/runtime-config.h"

/* Set each of rl[0..n) in order.  A clamp appends "rlimit RLIMIT_NOFILE:
 * hard limit 1048576 above the allowed 20000, clamped" to *warnings (see
 * security_warnf; warnings may be NULL).  Errors: soft above hard (EINVAL),
 * and any other prlimit failure, as "rlimit RLIMIT_X: ...". */
int rlimit_apply(const struct oci_rlimit *rl, size_t n, char ***warnings, berth_error_t **err);

#endif
