/* caps: the capability sets of the calling process (bounding, effective,
 * permitted, inheritable, ambient) as 64-bit masks, bit n for capability n.
 * Raw capget/capset and prctl, no libcap state; libcap only names caps.
 * Requested caps the kernel or the runtime itself lacks are skipped with a
 * warning: dropping more than asked is safe, failing the start is not. */
#ifndef BERTH_RUNTIME_CAPS_H
#define BERTH_RUNTIME_CAPS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "oci/runtime-config.h"

struct caps_sets {
	uint64_t effective, permitted, inheritable, bounding, ambient;
	/* held in the bounding set now and not in bounding: what
	 * caps_drop_bounding() is given, read once by caps_from_config() */
	uint64_t bounding_drop;
};

/* Highest capability number of the running kernel
 * (/proc/sys/kernel/cap_last_cap, read once; CAP_LAST_CAP of the headers
 * when it cannot be read) */
int caps_last_cap(void);

/* "CAP_CHOWN" for 0, "40" for a cap libcap has no name for; caller frees */
char *caps_name(int cap);

/* The masks to apply for c (borrowed).  An absent process.capabilities
 * means no capabilities at all, as runc does.  Caps above caps_last_cap()
 * and caps the runtime does not hold (its permitted and bounding sets) are
 * removed, with one warning per cap ("capability CAP_SYS_RESOURCE: not
 * held by the runtime, skipped"). */
int caps_from_config(const struct oci_capabilities *c, struct caps_sets *ret, char ***warnings,
		     berth_error_t **err);

/* Drop every capability in drop (caps_sets.bounding_drop) from the
 * bounding set.  Needs CAP_SETPCAP in the effective set, so it comes
 * before the uid change. */
int caps_drop_bounding(uint64_t drop, berth_error_t **err);

/* PR_SET_KEEPCAPS: keep the permitted set across setresuid away from 0 */
int caps_set_keep(bool keep, berth_error_t **err);

/* capset(2) effective, permitted and inheritable of s; "capset: ..." */
int caps_set(const struct caps_sets *s, berth_error_t **err);

/* Clear the ambient set, then raise each cap of ambient.  A cap the kernel
 * refuses (not in both permitted and inheritable) is skipped with a
 * warning, as runc does. */
int caps_set_ambient(uint64_t ambient, char ***warnings, berth_error_t **err);

/* caps_from_config, caps_drop_bounding, caps_set and caps_set_ambient in
 * that order, without a uid change; errors are "apply capabilities: ..." */
int caps_apply(const struct oci_capabilities *c, char ***warnings, berth_error_t **err);

#endif
