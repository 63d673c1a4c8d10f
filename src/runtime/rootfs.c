/* rootfs: the order of operations that builds the container's filesystem
 * in its new mount namespace: propagation, the rootfs bind, the config's
 * mounts, /dev, pivot_root, then masked/read-only paths.  Invariant: from
 * the first step on, nothing done here propagates to the host's mount
 * namespace, and nothing is mounted outside the rootfs. */
#include "runtime/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/rootfs-path.h"
#include "common/xalloc.h"
#include "runtime/dev.h"
#include "runtime/masked.h"
#include "runtime/mount-options.h"
#include "runtime/mount.h"

#include "common/banned.h"

static bool has_ns(const struct oci_config *c, enum oci_ns_type t)
{
	for (size_t i = 0; i < c->linux_.n_namespaces; i++)
		if (c->linux_.namespaces[i].type == t)
			return true;
	return false;
}

static int root_propagation(const struct oci_config *c, unsigned long *ret, berth_error_t **err)
{
	const char *p = c->linux_.rootfs_propagation;
	if (p == NULL || *p == '\0') {
		*ret = 0;
		return 0;
	}
	if (mount_propagation_parse(p, ret) < 0)
		return berth_error_set(err, EINVAL, "linux.rootfsPropagation '%s' is unknown", p);
	return 0;
}

int rootfs_prepare(const struct rootfs_ctx *ctx, berth_error_t **err)
{
	const struct oci_config *c = ctx->config;
	unsigned long prop;
	int r = root_propagation(c, &prop, err);
	if (r < 0)
		return r;

	/* Our mount namespace starts as a copy of the host's, with shared
	 * mounts still peers of the host's: rslave first, so that every mount
	 * below stays in here while host mounts still reach us (or what
	 * rootfsPropagation says, which runc applies here too). */
	if (mount(NULL, "/", NULL, prop ? prop : MS_SLAVE | MS_REC, NULL) < 0)
		return berth_error_set(err, errno, "make '/' %s",
				       prop ? c->linux_.rootfs_propagation : "rslave");

	/* The mount holding the rootfs must not be shared: the bind below
	 * must not propagate anywhere, and pivot_root refuses a shared
	 * parent.  A recursive slave or private "/" already says so for every
	 * mount (a slave only receives); anything else (rootfsPropagation
	 * "shared", or a non-recursive one that left the host's shared mounts
	 * as they were) makes it private by name, as runc does. */
	if (prop != 0 && prop != (MS_SLAVE | MS_REC) && prop != (MS_PRIVATE | MS_REC)) {
		cleanup_free char *parent = NULL;
		if ((r = mount_find_mountpoint(ctx->rootfs, &parent, err)) < 0)
			return r;
		if (mount(NULL, parent, NULL, MS_PRIVATE, NULL) < 0)
			return berth_error_set(err, errno, "make '%s' private", parent);
	}

	/* pivot_root needs the new root to be a mount point; binding the
	 * rootfs on itself makes it one (recursively: an image may have
	 * mounts under it already). */
	if (mount(ctx->rootfs, ctx->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return berth_error_set(err, errno, "bind rootfs '%s'", ctx->rootfs);
	cleanup_close int rootfd = open(ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return berth_error_set(err, errno, "open rootfs '%s'", ctx->rootfs);

	struct mount_env env = {
		.rootfd = rootfd,
		.bundle = ctx->bundle,
		.in_userns = ctx->in_userns || has_ns(c, OCI_NS_USER),
		.new_netns = has_ns(c, OCI_NS_NETWORK),
		.new_cgroupns = has_ns(c, OCI_NS_CGROUP),
	};
	for (size_t i = 0; i < c->n_mounts; i++)
		if ((r = mount_oci(&env, &c->mounts[i], ctx->mount_fds ? ctx->mount_fds[i] : -1,
				   err)) < 0)
			return r;

	if (!dev_needs_setup(c))
		return 0;
	/* resolved once, after every mount: a mount on /dev changed what it is */
	cleanup_close int devfd = root_mkdir_all(rootfd, "/dev", 0755, 0, err);
	if (devfd < 0)
		return devfd;
	if ((r = dev_create_all(rootfd, devfd, c, env.in_userns, err)) < 0)
		return r;
	return dev_create_symlinks(devfd, err);
}

int rootfs_setup_console(const char *slave_path, berth_error_t **err)
{
	cleanup_close int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return berth_error_set(err, errno, "open '/'");
	cleanup_close int devfd = root_mkdir_all(rootfd, "/dev", 0755, 0, err);
	if (devfd < 0)
		return devfd;
	return dev_setup_console(devfd, slave_path, err);
}

/* --no-pivot (runc's msMoveRoot): for a rootfs on ramfs/initramfs, where
 * pivot_root is impossible.  chroot alone can be escaped by a process
 * that keeps CAP_SYS_CHROOT; that is the user's choice here. */
static int move_root(const struct rootfs_ctx *ctx, berth_error_t **err)
{
	if (chdir(ctx->rootfs) < 0)
		return berth_error_set(err, errno, "chdir '%s'", ctx->rootfs);
	if (mount(ctx->rootfs, "/", NULL, MS_MOVE, NULL) < 0)
		return berth_error_set(err, errno, "move rootfs '%s' to '/'", ctx->rootfs);
	if (chroot(".") < 0)
		return berth_error_set(err, errno, "chroot '%s'", ctx->rootfs);
	if (chdir("/") < 0)
		return berth_error_set(err, errno, "chdir '/'");
	return 0;
}

int rootfs_pivot(const struct rootfs_ctx *ctx, berth_error_t **err)
{
	if (ctx->no_pivot)
		return move_root(ctx, err);

	cleanup_close int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (oldroot < 0)
		return berth_error_set(err, errno, "open '/'");
	cleanup_close int newroot = open(ctx->rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (newroot < 0)
		return berth_error_set(err, errno, "open rootfs '%s'", ctx->rootfs);
	if (fchdir(newroot) < 0)
		return berth_error_set(err, errno, "chdir '%s'", ctx->rootfs);
	/* pivot_root(".", "."): the old root is stacked on top of the new one
	 * at the same place, so no put_old directory is needed in the image
	 * (which may be read-only, or hostile), and it is unmounted below. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return berth_error_set(err, errno, "pivot_root '%s'", ctx->rootfs);
	if (fchdir(oldroot) < 0)
		return berth_error_set(err, errno, "chdir to the old root");
	/* rslave before the unmount so that the detach cannot propagate to
	 * the host (rootfsPropagation may have left it shared) */
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return berth_error_set(err, errno, "make the old root rslave");
	if (umount2(".", MNT_DETACH) < 0)
		return berth_error_set(err, errno, "unmount the old root");
	if (chdir("/") < 0)
		return berth_error_set(err, errno, "chdir '/'");
	return 0;
}

/* runc remounts /dev read-only here when its mount said "ro": the device
 * nodes had to be created first */
static int dev_readonly(const struct oci_config *c, berth_error_t **err)
{
	for (size_t i = 0; i < c->n_mounts; i++) {
		const struct oci_mount *m = &c->mounts[i];
		if (m->destination == NULL || !mount_path_equal(m->destination, "/dev"))
			continue;
		cleanup_mount_opts struct mount_opts o = { 0 };
		int r = mount_opts_parse(m, &o, err);
		if (r < 0)
			return r;
		if ((o.flags & MS_RDONLY) && !(o.extra & MOUNT_OPT_BIND))
			return mount_remount_bind_path("/dev", o.flags, err);
	}
	return 0;
}

int rootfs_finalize(const struct rootfs_ctx *ctx, berth_error_t **err)
{
	const struct oci_config *c = ctx->config;
	int r;
	if (c->linux_.n_masked_paths || c->linux_.n_readonly_paths) {
		cleanup_close int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0)
			return berth_error_set(err, errno, "open '/'");
		r = masked_paths_apply(rootfd, c->linux_.masked_paths, c->linux_.n_masked_paths,
				       err);
		if (r < 0)
			return r;
		r = readonly_paths_apply(rootfd, c->linux_.readonly_paths,
					 c->linux_.n_readonly_paths, err);
		if (r < 0)
			return r;
	}
	if ((r = dev_readonly(c, err)) < 0)
		return r;
	if (c->root_readonly && mount_remount_bind_path("/", MS_RDONLY, err) < 0)
		return berth_error_wrap(err, "make the rootfs read-only");

	/* Shared propagation goes on the container's "/" only now: applied
	 * before pivot_root it would have been the host's "/" (runc does the
	 * same; private was already applied in rootfs_prepare). */
	unsigned long prop;
	if ((r = root_propagation(c, &prop, err)) < 0)
		return r;
	if (prop && !(prop & MS_PRIVATE) && mount(NULL, "/", NULL, prop, NULL) < 0)
		return berth_error_set(err, errno, "make '/' %s", c->linux_.rootfs_propagation);
	return 0;
}
