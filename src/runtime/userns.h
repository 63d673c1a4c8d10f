/* userns: the uid and gid maps of a new user namespace, written by the
 * runtime (in the parent user namespace) for the child that created it. */
#ifndef BERTH_RUNTIME_USERNS_H
#define BERTH_RUNTIME_USERNS_H

#include <sys/types.h>

#include "common/error.h"
#include "oci/runtime-config.h"

/* Write /proc/<pid>/{setgroups,uid_map,gid_map} from linux.uidMappings and
 * gidMappings.  setgroups is set to "deny" only when we lack CAP_SETGID in
 * the parent namespace, since the kernel then refuses the gid map otherwise
 * (and denying it would break setgroups inside rootful containers). */
int userns_write_maps(pid_t pid, const struct oci_config *c, berth_error_t **err);

/* The same with explicit maps (an idmapped mount's); an empty map is not
 * written.  Errors read "user namespace maps: write '/proc/N/uid_map': ..." */
int userns_write_id_maps(pid_t pid, const struct oci_id_mapping *uid, size_t n_uid,
			 const struct oci_id_mapping *gid, size_t n_gid, berth_error_t **err);

/* In the child, after the maps are written: become root of the namespace */
int userns_become_root(berth_error_t **err);

#endif
