/* idmap: idmapped bind mounts (runtime-spec 1.1 mounts[].uidMappings and
 * gidMappings, options "idmap" and "ridmap").  The runtime makes each one
 * before the clone, in the host's namespaces (MOUNT_ATTR_IDMAP needs
 * privilege over the source filesystem's user namespace), as a detached
 * mount; the init only moves it onto its target inside the rootfs. */
#ifndef BERTH_RUNTIME_IDMAP_H
#define BERTH_RUNTIME_IDMAP_H

#include <stddef.h>

#include "common/error.h"
#include "oci/runtime-config.h"

/* One slot per config mount: a detached idmapped mount (O_CLOEXEC), or -1
 * for a mount without an idmapping */
struct idmap_trees {
	int *fds; /* owned, and the fds in it; NULL when no mount is idmapped */
	size_t n;
};

/* Validate every mount's idmapping and make the detached mounts, per
 * config.md: uidMappings and gidMappings go together; mappings (with or
 * without "idmap"/"ridmap", as runc) make the mount idmapped; "idmap" or
 * "ridmap" without mappings use the container's user namespace, and are an
 * error without one; only bind mounts can be idmapped.  "ridmap" maps
 * every submount of an rbind, "idmap" the top mount only.  A relative
 * source is taken from bundle.  Errors name the mount: "mounts[2] (on
 * '/data'): ...".  On success *ret is filled (release it); on failure it
 * is untouched and nothing is left open.  No helper process outlives the
 * call. */
int idmap_trees_open(const struct oci_config *c, const char *bundle, struct idmap_trees *ret,
		     berth_error_t **err);

/* Close the fds and free the array; accepts an empty (zeroed) t */
void idmap_trees_release(struct idmap_trees *t);

#endif
