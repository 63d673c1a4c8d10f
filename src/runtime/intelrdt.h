/* intelrdt: linux.intelRdt through the resctrl filesystem.  Hosts without
 * resctrl (no Intel RDT / AMD QoS, or not mounted) refuse the field at
 * create with a clear error instead of ignoring it. */
#ifndef BERTH_RUNTIME_INTELRDT_H
#define BERTH_RUNTIME_INTELRDT_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"
#include "oci/runtime-config.h"

/* Is linux.intelRdt usable here?  Nothing to check when absent. */
int intelrdt_check(const struct oci_intel_rdt *r, berth_error_t **err);

/* Create (or, with closID, join) the resctrl group, write the schemata
 * and move pid into it.  *ret_made tells whether a group was created that
 * intelrdt_remove must remove again; it is written on failure too. */
int intelrdt_apply(const struct oci_intel_rdt *r, const char *id, pid_t pid, bool *ret_made,
		   berth_error_t **err);

/* Remove the group of container id if it was ours (no closID: named after
 * the container); best effort, for delete and a failed create */
void intelrdt_remove(const struct oci_intel_rdt *r, const char *id);

#endif
