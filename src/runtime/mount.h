/* mount: performing one OCI mount inside a rootfs, and the small mount
 * primitives rootfs, dev and masked share.  Folder-internal.  Invariant:
 * every target is reached through an fd that root_open()/root_mkdir_all()
 * resolved inside the rootfs; the kernel is handed "/proc/self/fd/N" (or
 * the fd itself), never a path string built from the image's contents. */
#ifndef BERTH_RUNTIME_MOUNT_H
#define BERTH_RUNTIME_MOUNT_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"
#include "oci/runtime-config.h"
#include "runtime/mount-options.h"

/* What a mount needs to know about the container beyond the mount itself */
struct mount_env {
	int rootfd;         /* O_PATH|O_DIRECTORY fd of the rootfs; not owned */
	const char *bundle; /* relative bind sources are taken from here; not owned */
	bool in_userns;     /* a new user namespace */
	bool new_netns;     /* a new network namespace (sysfs can be mounted) */
	bool new_cgroupns;  /* a new cgroup namespace (cgroup fs can be mounted) */
};

/* "/proc/self/fd/N": the kernel follows this magic link to exactly the
 * object fd refers to, so a mount on it cannot be redirected by a symlink
 * swapped into the image afterwards. */
struct mount_fdpath {
	char buf[32];
};
const char *mount_fdpath(int fd, struct mount_fdpath *p);

/* Whether two absolute paths name the same components, runs of '/' and
 * a trailing '/' aside ("//dev/" is "/dev"); lexical, no resolution */
bool mount_path_equal(const char *a, const char *b);

/* Mount m inside env->rootfd: resolve and create the destination in the
 * rootfs (a directory, or an empty file when binding a non-directory),
 * then mount by type (bind/rbind, tmpfs, proc, sysfs, cgroup, anything
 * else with its data), then the bind remount, propagation and recursive
 * attributes.  tree_fd: for an idmapped mount, the detached mount that
 * idmap_trees_open() made, which is moved onto the target instead of a
 * bind (borrowed); -1 for every other mount.  Errors read "mount 'proc'
 * on '/proc': ...". */
int mount_oci(const struct mount_env *env, const struct oci_mount *m, int tree_fd,
	      berth_error_t **err);

/* Open dest inside rootfd as O_PATH, creating it first when missing: a
 * directory (and parents, 0755) when is_dir, else an empty 0644 file in a
 * created parent.  Returns the fd. */
int mount_target_open(int rootfd, const char *dest, bool is_dir, berth_error_t **err);

/* MS_REMOUNT|MS_BIND the mount whose root fd refers to, with flags.  In a
 * user namespace the kernel refuses to clear flags that the source mount
 * had locked (nosuid, nodev, noexec, ro, atime): on EPERM the flags
 * currently in effect (fstatvfs) are added and the remount retried.  what
 * names the mount in errors. */
int mount_remount_bind(int fd, const char *what, unsigned long flags, berth_error_t **err);

/* The same for a path (after pivot_root, where /proc may be missing);
 * statvfs(path) gives the flags in effect */
int mount_remount_bind_path(const char *path, unsigned long flags, berth_error_t **err);

/* The mount point (host path) of the mount that holds path, from
 * /proc/self/mountinfo; caller frees *ret */
int mount_find_mountpoint(const char *path, char **ret, berth_error_t **err);

/* Apply o's propagation list, in order, then its recursive mount_setattr
 * attributes, to the mount fd refers to */
int mount_apply_propagation_attrs(int fd, const char *what, const struct mount_opts *o,
				  berth_error_t **err);

/* Bind the host's source onto the object fd refers to; recursive when rec */
int mount_bind_fd(const char *source, int fd, const char *what, bool rec, berth_error_t **err);

#endif
