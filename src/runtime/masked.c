/* masked: hide and freeze parts of the container's view of the kernel
 * (/proc/kcore, /proc/sys ...).  Runs after pivot_root, before any
 * container process exists.  Each path is opened in the container's root
 * and mounted on through its fd with the new mount API (open_tree,
 * fsmount, move_mount), which also works when the config mounts no /proc. */
#include "runtime/masked.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/rootfs-path.h"
#include "runtime/mount.h"

#include "common/banned.h"

#define MASK_ATTRS (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)

/* Open path in the container root; 0 with *ret = -1 when it is missing */
static int open_existing(int rootfd, const char *path, int *ret, berth_error_t **err)
{
	cleanup_error berth_error_t *e = NULL;
	int fd = root_open(rootfd, path, O_PATH, 0, 0, &e);
	if (fd < 0 && (e->errnum == ENOENT || e->errnum == ENOTDIR)) {
		*ret = -1;
		return 0;
	}
	if (fd < 0) {
		int r = berth_error_code(e);
		if (err) {
			berth_error_release(err);
			*err = steal_pointer(&e);
		}
		return r;
	}
	*ret = fd;
	return 0;
}

static int move_onto(int tree, int target, const char *path, berth_error_t **err)
{
	if (move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return berth_error_set(err, errno, "mask '%s'", path);
	return 0;
}

/* An empty, read-only tmpfs: nothing to read, nothing to create */
static int mask_dir(int target, const char *path, berth_error_t **err)
{
	cleanup_close int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return berth_error_set(err, errno, "mask '%s': fsopen tmpfs", path);
	if (fsconfig(fs, FSCONFIG_SET_STRING, "size", "0", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return berth_error_set(err, errno, "mask '%s': create tmpfs", path);
	cleanup_close int mnt = fsmount(fs, FSMOUNT_CLOEXEC, MASK_ATTRS);
	if (mnt < 0)
		return berth_error_set(err, errno, "mask '%s': fsmount", path);
	return move_onto(mnt, target, path, err);
}

int masked_paths_apply(int rootfd, char *const *paths, size_t n, berth_error_t **err)
{
	if (n == 0)
		return 0;
	/* The container's /dev/null is what files are masked with; make sure
	 * it is the real null device and not an image's file full of data. */
	cleanup_close int null =
		root_open(rootfd, "/dev/null", O_PATH, 0, ROOT_NO_FOLLOW_LAST, err);
	if (null < 0)
		return berth_error_wrap(err, "masked paths");
	struct stat st;
	if (fstat(null, &st) < 0)
		return berth_error_set(err, errno, "stat '/dev/null'");
	if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 1 || minor(st.st_rdev) != 3)
		return berth_error_set(err, EPERM,
				       "masked paths: '/dev/null' is not the null device");

	for (size_t i = 0; i < n; i++) {
		int target;
		int r = open_existing(rootfd, paths[i], &target, err);
		if (r < 0)
			return berth_error_wrap(err, "mask '%s'", paths[i]);
		if (target < 0)
			continue;
		cleanup_close int t = target;
		if (fstat(t, &st) < 0)
			return berth_error_set(err, errno, "stat '%s'", paths[i]);
		if (S_ISDIR(st.st_mode)) {
			r = mask_dir(t, paths[i], err);
		} else {
			cleanup_close int tree =
				open_tree(null, "",
					  OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
			if (tree < 0)
				return berth_error_set(err, errno, "mask '%s': clone /dev/null",
						       paths[i]);
			r = move_onto(tree, t, paths[i], err);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

int readonly_paths_apply(int rootfd, char *const *paths, size_t n, berth_error_t **err)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		int target;
		int r = open_existing(rootfd, paths[i], &target, err);
		if (r < 0)
			return berth_error_wrap(err, "make '%s' read-only", paths[i]);
		if (target < 0)
			continue;
		cleanup_close int t = target;
		/* Bind the path onto itself so that it is a mount of its own
		 * whose flags can change without touching its parent. */
		cleanup_close int tree = open_tree(t, "",
						   OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
							   AT_EMPTY_PATH | AT_RECURSIVE);
		if (tree < 0)
			return berth_error_set(err, errno, "bind '%s'", paths[i]);
		/* Set the flags on the detached tree before it is visible: the
		 * attributes are only added (attr_clr = 0), so the flags a more
		 * privileged namespace locked stay as they are and the kernel
		 * has nothing to refuse (the legacy remount needs statvfs for
		 * that, see mount_remount_bind). */
		struct mount_attr a = { .attr_set = MASK_ATTRS };
		if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)) < 0)
			return berth_error_set(err, errno, "make '%s' read-only", paths[i]);
		if (move_mount(tree, "", t, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
		    0)
			return berth_error_set(err, errno, "bind '%s'", paths[i]);
	}
	return 0;
}
