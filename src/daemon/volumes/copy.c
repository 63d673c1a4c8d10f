/* copy: the copy-up of an image directory into a new volume, as
 * continuity's fs.CopyDir that dockerd uses: every entry keeps its owner,
 * mode, times and xattrs.  All access is relative to directory fds opened
 * with O_NOFOLLOW, so a symlink in the image is copied as a symlink and
 * never followed out of the rootfs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fdio.h"
#include "common/xalloc.h"
#include "daemon/volumes/volumes.h"

#include "common/banned.h"

#define XATTR_LIST_MAX_BYTES 65536
#define XATTR_VALUE_MAX_BYTES 65536
#define COPY_BUF (128u << 10)

/* xattrs of one open file; failures to set (e.g. no user xattrs on the
 * target fs) are not fatal, as continuity ignores ENOTSUP */
static void copy_xattrs(int src, int dst)
{
	cleanup_free char *list = xmalloc(XATTR_LIST_MAX_BYTES);
	ssize_t n = flistxattr(src, list, XATTR_LIST_MAX_BYTES);
	if (n <= 0)
		return;
	cleanup_free char *val = xmalloc(XATTR_VALUE_MAX_BYTES);
	for (char *k = list; k < list + n; k += strlen(k) + 1) {
		ssize_t vn = fgetxattr(src, k, val, XATTR_VALUE_MAX_BYTES);
		if (vn >= 0)
			(void)fsetxattr(dst, k, val, (size_t)vn, 0);
	}
}

static int copy_meta(int fd, const struct stat *st, const char *name, berth_error_t **err)
{
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	if (fchown(fd, st->st_uid, st->st_gid) < 0 || fchmod(fd, st->st_mode & 07777) < 0 ||
	    futimens(fd, ts) < 0)
		return berth_error_set(err, errno, "set owner and mode of '%s'", name);
	return 0;
}

static int copy_file(int sdir, int ddir, const char *name, const struct stat *st,
		     berth_error_t **err)
{
	cleanup_close int in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return berth_error_set(err, errno, "open '%s'", name);
	cleanup_close int out =
		openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return berth_error_set(err, errno, "create '%s'", name);
	cleanup_free char *buf = xmalloc(COPY_BUF);
	for (;;) {
		ssize_t n = read(in, buf, COPY_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berth_error_set(err, errno, "read '%s'", name);
		if (n == 0)
			break;
		if (fd_write_all(out, buf, (size_t)n) < 0)
			return berth_error_set(err, errno, "write '%s'", name);
	}
	copy_xattrs(in, out);
	return copy_meta(out, st, name, err);
}

static int copy_special(int sdir, int ddir, const char *name, const struct stat *st,
			berth_error_t **err)
{
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	if (S_ISLNK(st->st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(sdir, name, target, sizeof(target) - 1);
		if (n < 0)
			return berth_error_set(err, errno, "readlink '%s'", name);
		target[n] = '\0';
		if (symlinkat(target, ddir, name) < 0)
			return berth_error_set(err, errno, "symlink '%s'", name);
	} else if (mknodat(ddir, name, st->st_mode, st->st_rdev) < 0) {
		return berth_error_set(err, errno, "mknod '%s'", name);
	}
	if (fchownat(ddir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
	    (!S_ISLNK(st->st_mode) && fchmodat(ddir, name, st->st_mode & 07777, 0) < 0) ||
	    utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return berth_error_set(err, errno, "set owner and mode of '%s'", name);
	return 0;
}

static int copy_dir(int src, int dst, unsigned depth, berth_error_t **err);

static int copy_entry(int src, int dst, const char *name, unsigned depth, berth_error_t **err)
{
	struct stat st;
	if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return berth_error_set(err, errno, "stat '%s'", name);
	if (S_ISREG(st.st_mode))
		return copy_file(src, dst, name, &st, err);
	if (!S_ISDIR(st.st_mode))
		return copy_special(src, dst, name, &st, err);
	if (mkdirat(dst, name, 0700) < 0)
		return berth_error_set(err, errno, "mkdir '%s'", name);
	cleanup_close int s = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	cleanup_close int d = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s < 0 || d < 0)
		return berth_error_set(err, errno, "open directory '%s'", name);
	if (copy_dir(s, d, depth + 1, err) < 0)
		return berth_error_wrap(err, "%s", name);
	copy_xattrs(s, d);
	return copy_meta(d, &st, name, err);
}

static int copy_dir(int src, int dst, unsigned depth, berth_error_t **err)
{
	if (depth > VOLUME_COPY_MAX_DEPTH)
		return berth_error_fail(err, ELOOP, "directories nested deeper than %d",
					VOLUME_COPY_MAX_DEPTH);
	int fd = dup(src);
	if (fd < 0)
		return berth_error_set(err, errno, "dup");
	cleanup_dir DIR *dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return berth_error_set(err, errno, "read directory");
	}
	rewinddir(dir);
	struct dirent *de;
	while ((de = readdir(dir))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (copy_entry(src, dst, de->d_name, depth, err) < 0)
			return -1;
	}
	return 0;
}

int volume_copy_tree(int src, int dst, berth_error_t **err)
{
	return copy_dir(src, dst, 0, err);
}
