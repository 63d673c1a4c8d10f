/* rootfs: the container's filesystem view, built inside its new mount
 * namespace: the rootfs bind, every config mount in order, /dev, then
 * pivot_root, then masked and read-only paths.  Every mount target is
 * resolved inside the rootfs (common/rootfs-path.h), never by string, so a
 * symlink in an image cannot redirect a mount onto the host. */
#ifndef BERTH_RUNTIME_ROOTFS_H
#define BERTH_RUNTIME_ROOTFS_H

#include <stdbool.h>

#include "common/error.h"
#include "oci/runtime-config.h"

struct rootfs_ctx {
	const struct oci_config *config; /* not owned */
	const char *bundle;              /* absolute bundle dir; not owned */
	const char *rootfs;              /* absolute, symlink-free rootfs path; not owned */
	bool no_pivot;                   /* --no-pivot: MS_MOVE + chroot instead of pivot_root */
	bool in_userns;                  /* a new user namespace: bind devices instead of mknod */
	const int *mount_fds;            /* per config mount, its prepared idmapped mount or -1
					    (runtime/idmap.h); NULL when none; not owned */
};

/* Before pivot_root, in the new mount namespace (running as the
 * container's root): make "/" private or rootfsPropagation, bind the rootfs
 * on itself, perform linux mounts in config order (bind/rbind with every
 * option, ro via remount, propagation flags, tmpfs, proc, sysfs, devpts,
 * mqueue, cgroup), create the default and configured devices, the /dev
 * symlinks (fd, stdin, stdout, stderr, ptmx, core). */
int rootfs_prepare(const struct rootfs_ctx *ctx, berth_error_t **err);

/* pivot_root into the rootfs and detach the old root (or MS_MOVE and
 * chroot with no_pivot); cwd is "/" afterwards. */
int rootfs_pivot(const struct rootfs_ctx *ctx, berth_error_t **err);

/* After pivot, before rootfs_finalize: bind the pty slave slave_path (as
 * the container names it, "/dev/pts/N") onto /dev/console, as runc does */
int rootfs_setup_console(const char *slave_path, berth_error_t **err);

/* After pivot: maskedPaths, readonlyPaths, root.readonly, and the final
 * rootfsPropagation. */
int rootfs_finalize(const struct rootfs_ctx *ctx, berth_error_t **err);

#endif
