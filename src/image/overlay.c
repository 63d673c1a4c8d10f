/* overlay: mount and unmount container root filesystems.  The new mount
 * API is tried first: one fsconfig("lowerdir+") per layer (an fd where the
 * kernel takes one, else the path) has no option-page limit; where it is
 * missing, mount(2) gets a lowerdir= of short link names, resolved from
 * <root>/overlay/l in a forked child (the only way to make the kernel read
 * relative paths without changing the caller's cwd).  Invariant: the
 * mount never uses a path a container can change: lowers are our own
 * layer dirs, upper/work are created here and opened O_NOFOLLOW. */
#include "image/overlay.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

#include "common/banned.h"

#define CONTAINER_ID_MAX 128
/* fsconfig copies at most 256 bytes of a string value */
#define FSCONFIG_STRING_MAX 256

static int check_id(const char *id, berth_error_t **err)
{
	size_t len = strnlen(id, CONTAINER_ID_MAX + 1);
	bool ok = len > 0 && len <= CONTAINER_ID_MAX && id[0] != '.';
	for (size_t i = 0; ok && i < len; i++) {
		char c = id[i];
		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		     c == '_' || c == '-' || c == '.';
	}
	if (!ok)
		return berth_error_fail(err, EINVAL, "invalid container id '%.*s'",
					CONTAINER_ID_MAX, id);
	return 0;
}

static char *container_path(const struct layer_store *store, const char *id, const char *sub)
{
	return xasprintf("%s/containers/%s/%s", layer_store_root(store), id, sub);
}

char *overlay_merged_path(const struct layer_store *store, const char *container_id)
{
	return container_path(store, container_id, "merged");
}

char *overlay_upper_path(const struct layer_store *store, const char *container_id)
{
	return container_path(store, container_id, "upper");
}

/* Open <root>/containers/<id> (creating it and containers/ when create) */
static int open_container_dir(const struct layer_store *store, const char *id, bool create,
			      berth_error_t **err)
{
	cleanup_close int rootfd =
		open(layer_store_root(store), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return berth_error_set(err, errno, "open '%s'", layer_store_root(store));
	if (create && mkdirat(rootfd, "containers", 0710) < 0 && errno != EEXIST)
		return berth_error_set(err, errno, "mkdir containers");
	cleanup_close int cfd =
		openat(rootfd, "containers", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cfd < 0)
		return berth_error_set(err, errno, "open containers");
	if (create && mkdirat(cfd, id, 0710) < 0 && errno != EEXIST)
		return berth_error_set(err, errno, "mkdir container '%s'", id);
	int fd = openat(cfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berth_error_set(err, errno, "open container '%s'", id);
	return fd;
}

static int mkdir_open_at(int dirfd, const char *name, mode_t mode, bool *ret_created,
			 berth_error_t **err)
{
	*ret_created = false;
	if (mkdirat(dirfd, name, mode) == 0)
		*ret_created = true;
	else if (errno != EEXIST)
		return berth_error_set(err, errno, "mkdir '%s'", name);
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berth_error_set(err, errno, "open '%s'", name);
	return fd;
}

/* The kernel explains a failed fsconfig in the fs context's log */
static void fs_log(int fsfd, struct strbuf *sb)
{
	char buf[512];
	for (;;) {
		ssize_t n = read(fsfd, buf, sizeof(buf) - 1);
		if (n <= 0)
			break;
		buf[n] = '\0';
		if (sb->len)
			strbuf_addstr(sb, "; ");
		strbuf_addstr(sb, buf);
	}
}

struct mount_args {
	int *lower_fds;     /* top first */
	char **lower_paths; /* top first, full paths to diff dirs */
	char **short_ids;   /* top first */
	size_t n;
	int upper_fd, work_fd, merged_fd;
	const char *upper, *work; /* paths */
	int link_dirfd;
};

static void set_optional(int fsfd, const char *key, const char *value)
{
	/* Off on purpose: redirect_dir and metacopy make an upper that only
	 * this kernel can read and that diff/export cannot turn into a tar;
	 * index ties the upper to one set of lowers */
	if (fsconfig(fsfd, FSCONFIG_SET_STRING, key, value, 0) < 0)
		log_debug("overlay option %s=%s: %s, ignoring", key, value, strerror(errno));
}

static int set_dir(int fsfd, const char *key, int fd, const char *path)
{
	if (fsconfig(fsfd, FSCONFIG_SET_FD, key, NULL, fd) == 0)
		return 0;
	if (strlen(path) >= FSCONFIG_STRING_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return fsconfig(fsfd, FSCONFIG_SET_STRING, key, path, 0);
}

/* 1 mounted, 0 the new API cannot do it (use mount(2)), < 0 error */
static int mount_new_api(struct mount_args *m, berth_error_t **err)
{
	cleanup_close int fsfd = fsopen("overlay", FSOPEN_CLOEXEC);
	if (fsfd < 0) {
		if (errno == ENOSYS || errno == EPERM || errno == ENODEV)
			return 0;
		return berth_error_set(err, errno, "fsopen overlay");
	}
	fsconfig(fsfd, FSCONFIG_SET_STRING, "source", "berth", 0);
	for (size_t i = 0; i < m->n; i++) {
		if (set_dir(fsfd, "lowerdir+", m->lower_fds[i], m->lower_paths[i]) == 0)
			continue;
		/* lowerdir+ came in 6.8: EINVAL on the first layer means an
		 * older kernel */
		if (i == 0 && errno == EINVAL)
			return 0;
		cleanup_strbuf struct strbuf sb = STRBUF_INIT;
		int e = errno;
		fs_log(fsfd, &sb);
		return berth_error_set(err, e, "overlay lower layer %zu '%s'%s%s", i,
				       m->lower_paths[i], sb.len ? ": " : "", sb.buf);
	}
	if (set_dir(fsfd, "upperdir", m->upper_fd, m->upper) < 0 ||
	    set_dir(fsfd, "workdir", m->work_fd, m->work) < 0) {
		cleanup_strbuf struct strbuf sb = STRBUF_INIT;
		int e = errno;
		fs_log(fsfd, &sb);
		return berth_error_set(err, e, "overlay upper dir%s%s", sb.len ? ": " : "", sb.buf);
	}
	set_optional(fsfd, "redirect_dir", "off");
	set_optional(fsfd, "metacopy", "off");
	set_optional(fsfd, "index", "off");
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
		cleanup_strbuf struct strbuf sb = STRBUF_INIT;
		int e = errno;
		fs_log(fsfd, &sb);
		return berth_error_set(err, e, "create overlay%s%s", sb.len ? ": " : "", sb.buf);
	}
	cleanup_close int mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, 0);
	if (mfd < 0)
		return berth_error_set(err, errno, "fsmount overlay");
	if (move_mount(mfd, "", m->merged_fd, "",
		       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return berth_error_set(err, errno, "move overlay mount into place");
	return 1;
}

static bool option_safe(const char *s)
{
	return strpbrk(s, ",:\\") == NULL;
}

static int mount_legacy(struct mount_args *m, const char *merged, berth_error_t **err)
{
	if (!option_safe(m->upper) || !option_safe(m->work))
		return berth_error_fail(
			err, EINVAL,
			"data root path has ',', ':' or '\\': overlay options cannot name it");
	cleanup_strbuf struct strbuf data = STRBUF_INIT;
	strbuf_addstr(&data, "lowerdir=");
	for (size_t i = 0; i < m->n; i++) {
		if (i)
			strbuf_addch(&data, ':');
		strbuf_addstr(&data, m->short_ids[i]);
	}
	strbuf_addf(&data, ",upperdir=%s,workdir=%s,index=off,redirect_dir=off", m->upper, m->work);
	long page = sysconf(_SC_PAGESIZE);
	if (data.len >= (size_t)page)
		return berth_error_fail(
			err, E2BIG,
			"overlay options of %zu bytes exceed the page of %ld bytes (%zu layers)",
			data.len, page, m->n);
	/* Relative lowerdirs resolve against the cwd: change it in a child
	 * so the caller's (a threaded daemon's) stays put.  After fork only
	 * async-signal-safe calls. */
	pid_t pid = fork();
	if (pid < 0)
		return berth_error_set(err, errno, "fork");
	if (pid == 0) {
		if (fchdir(m->link_dirfd) < 0)
			_exit(120);
		if (mount("overlay", merged, "overlay", 0, data.buf) < 0)
			_exit(errno & 0x7f);
		_exit(0);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return berth_error_set(err, errno, "wait for mount helper");
	}
	if (!WIFEXITED(status))
		return berth_error_fail(err, EIO, "mount helper died");
	int code = WEXITSTATUS(status);
	if (code == 120)
		return berth_error_fail(err, EIO, "mount helper: cannot enter the layer link dir");
	if (code != 0)
		return berth_error_set(err, code, "mount overlay on '%s'", merged);
	return 0;
}

static bool is_mounted(int parentfd, int fd)
{
	struct stat a, b;
	if (fstat(parentfd, &a) < 0 || fstat(fd, &b) < 0)
		return false;
	return a.st_dev != b.st_dev;
}

int overlay_create(struct layer_store *store, const char *container_id, const struct digest *lowers,
		   size_t n_lowers, enum overlay_flags flags, char **ret_rootfs,
		   berth_error_t **err)
{
	int r = check_id(container_id, err);
	if (r < 0)
		return r;
	if (n_lowers > OVERLAY_MAX_LAYERS)
		return berth_error_fail(err, E2BIG, "%zu layers exceed the overlay limit of %d",
					n_lowers, OVERLAY_MAX_LAYERS);
	cleanup_close int cdir = open_container_dir(store, container_id, true, err);
	if (cdir < 0)
		return berth_error_wrap(err, "create rootfs of '%s'", container_id);

	bool made_upper = false, made_work = false, made_merged = false, made_empty = false;
	cleanup_close int upper_fd = -1, work_fd = -1, merged_fd = -1;
	size_t n = n_lowers ? n_lowers : 1;
	struct mount_args m = {
		.lower_fds = xcalloc(n, sizeof(int)),
		.lower_paths = xcalloc(n, sizeof(char *)),
		.short_ids = xcalloc(n, sizeof(char *)),
		.n = n,
		.link_dirfd = -1,
	};
	for (size_t i = 0; i < n; i++)
		m.lower_fds[i] = -1;
	cleanup_free char *upper = container_path(store, container_id, "upper");
	cleanup_free char *work = container_path(store, container_id, "work");
	cleanup_free char *merged = container_path(store, container_id, "merged");
	m.upper = upper;
	m.work = work;

	upper_fd = mkdir_open_at(cdir, "upper", 0755, &made_upper, err);
	if (upper_fd < 0) {
		r = upper_fd;
		goto fail;
	}
	work_fd = mkdir_open_at(cdir, "work", 0700, &made_work, err);
	if (work_fd < 0) {
		r = work_fd;
		goto fail;
	}
	merged_fd = mkdir_open_at(cdir, "merged", 0755, &made_merged, err);
	if (merged_fd < 0) {
		r = merged_fd;
		goto fail;
	}
	if (is_mounted(cdir, merged_fd)) {
		/* already mounted (a restart): nothing to do */
		r = 0;
		goto done;
	}

	/* The image's base layer is lowers[0]; overlay wants the top first */
	for (size_t i = 0; i < n_lowers; i++) {
		const struct digest *d = &lowers[n_lowers - 1 - i];
		if (!layer_store_exists(store, d)) {
			char s[DIGEST_STR_SIZE];
			digest_format(d, s);
			r = berth_error_fail(err, ENOENT, "layer %s not found", s);
			goto fail;
		}
		m.lower_paths[i] = layer_store_diff_path(store, d);
		char id[LAYER_SHORT_ID_SIZE];
		layer_store_short_id(d, id);
		m.short_ids[i] = xstrdup(id);
		m.lower_fds[i] = open(m.lower_paths[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (m.lower_fds[i] < 0) {
			r = berth_error_set(err, errno, "open layer '%s'", m.lower_paths[i]);
			goto fail;
		}
	}
	if (n_lowers == 0) {
		bool made;
		int fd = mkdir_open_at(cdir, "empty", 0755, &made, err);
		if (fd < 0) {
			r = fd;
			goto fail;
		}
		made_empty = made;
		m.lower_fds[0] = fd;
		m.lower_paths[0] = container_path(store, container_id, "empty");
		m.short_ids[0] = xasprintf("../../containers/%s/empty", container_id);
	}
	/* The merged root shows the upper root's owner and mode: give it
	 * the top layer's */
	if (made_upper) {
		struct stat st;
		if (fstat(m.lower_fds[0], &st) == 0) {
			if (fchown(upper_fd, st.st_uid, st.st_gid) < 0 && geteuid() == 0)
				log_debug("chown upper: %s, ignoring", strerror(errno));
			if (fchmod(upper_fd, st.st_mode & 07777) < 0)
				log_debug("chmod upper: %s, ignoring", strerror(errno));
		}
	}
	m.upper_fd = upper_fd;
	m.work_fd = work_fd;
	m.merged_fd = merged_fd;

	r = 0;
	if (!(flags & OVERLAY_FORCE_LEGACY))
		r = mount_new_api(&m, err);
	if (r == 0) {
		cleanup_close int lfd = openat(layer_store_dirfd(store), "l",
					       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (lfd < 0) {
			r = berth_error_set(err, errno, "open layer link dir");
			goto fail;
		}
		m.link_dirfd = lfd;
		r = mount_legacy(&m, merged, err);
		m.link_dirfd = -1;
	}
	if (r < 0)
		goto fail;
	r = 0;

done:
	for (size_t i = 0; i < n; i++) {
		if (m.lower_fds[i] >= 0)
			close(m.lower_fds[i]);
		free(m.lower_paths[i]);
		free(m.short_ids[i]);
	}
	free(m.lower_fds);
	free(m.lower_paths);
	free(m.short_ids);
	if (r == 0 && ret_rootfs)
		*ret_rootfs = steal_pointer(&merged);
	return r;

fail:
	berth_error_wrap(err, "create rootfs of '%s'", container_id);
	if (made_merged)
		unlinkat(cdir, "merged", AT_REMOVEDIR);
	if (made_work) {
		berth_error_t *ignored = NULL;
		layer_remove_tree_at(cdir, "work", &ignored);
		berth_error_free(ignored);
	}
	if (made_upper)
		unlinkat(cdir, "upper", AT_REMOVEDIR);
	if (made_empty)
		unlinkat(cdir, "empty", AT_REMOVEDIR);
	goto done;
}

int overlay_unmount(struct layer_store *store, const char *container_id, berth_error_t **err)
{
	int r = check_id(container_id, err);
	if (r < 0)
		return r;
	cleanup_free char *merged = overlay_merged_path(store, container_id);
	if (umount2(merged, UMOUNT_NOFOLLOW) == 0)
		return 0;
	if (errno == EINVAL || errno == ENOENT)
		return 0; /* not a mount point, or gone */
	if (errno == EBUSY) {
		/* a process still has it open: detach, the kernel frees it
		 * when the last user goes */
		log_debug("unmount '%s': busy, detaching", merged);
		if (umount2(merged, UMOUNT_NOFOLLOW | MNT_DETACH) == 0)
			return 0;
	}
	return berth_error_set(err, errno, "unmount '%s'", merged);
}

int overlay_remove(struct layer_store *store, const char *container_id, berth_error_t **err)
{
	int r = overlay_unmount(store, container_id, err);
	if (r < 0)
		return r;
	cleanup_close int cdir = open_container_dir(store, container_id, false, err);
	if (cdir < 0) {
		if ((*err)->errnum == ENOENT) {
			berth_error_release(err);
			return 0;
		}
		return cdir;
	}
	cleanup_close int mfd =
		openat(cdir, "merged", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (mfd >= 0 && is_mounted(cdir, mfd))
		return berth_error_fail(err, EBUSY, "remove rootfs of '%s': still mounted",
					container_id);
	static const char *const parts[] = { "merged", "upper", "work", "empty" };
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		r = layer_remove_tree_at(cdir, parts[i], err);
		if (r < 0)
			return berth_error_wrap(err, "remove rootfs of '%s'", container_id);
	}
	cleanup_close int rootfd =
		open(layer_store_root(store), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_free char *rel = xasprintf("containers/%s", container_id);
	if (rootfd >= 0 && unlinkat(rootfd, rel, AT_REMOVEDIR) < 0 && errno != ENOTEMPTY &&
	    errno != EEXIST && errno != ENOENT)
		log_debug("remove '%s': %s, ignoring", rel, strerror(errno));
	return 0;
}
