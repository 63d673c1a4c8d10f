/* atomicfile: replace a file all at once.  The new content goes to a temp
 * file ".<name>.tmp-<random>" in the target's own directory (rename(2) is
 * atomic only within one filesystem), is fsynced and chmodded, then renamed
 * over the target and the directory fsynced.  Invariant: on every failure
 * the temp file is unlinked, so nothing partial is ever left behind. */
#include "common/atomicfile.h"
#include "common/fdio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"

#include "common/banned.h"

/* EEXIST on a 64-bit random name means a stale temp file or a hostile
 * directory; a few retries distinguish bad luck from the latter. */
#define TMP_RETRIES 8

/* Keep ".<name>.tmp-<16 hex>" within NAME_MAX by shortening a long name */
#define TMP_BASE_MAX 200

static uint64_t random_u64(void)
{
	uint64_t v;
	ssize_t n;
	do
		n = getrandom(&v, sizeof(v), GRND_NONBLOCK);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(v))
		return v;
	/* No entropy yet (early boot): uniqueness, not secrecy, is what the
	 * name needs, and O_EXCL catches a collision anyway. */
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ ((uint64_t)getpid() << 16);
}

/* Split name into its directory part ("" for none, with the final slash)
 * and its last component; refuse names without a file name. */
static int split_name(const char *name, size_t *ret_dirlen, const char **ret_base)
{
	if (name == NULL || *name == '\0')
		return -EINVAL;
	const char *slash = strrchr(name, '/');
	const char *base = slash ? slash + 1 : name;
	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return -EINVAL;
	*ret_dirlen = (size_t)(base - name);
	*ret_base = base;
	return 0;
}

static int fsync_eintr(int fd)
{
	int r;
	do
		r = fsync(fd);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : 0;
}

int fsync_parent_at(int dirfd, const char *path, berth_error_t **err)
{
	size_t dirlen;
	const char *base;
	if (split_name(path, &dirlen, &base) < 0)
		return berth_error_set(err, EINVAL, "fsync directory of '%s': not a file name",
				       path ? path : "");
	cleanup_free char *dir = dirlen == 0 ? xstrdup(".") : xstrndup(path, dirlen);
	cleanup_close int fd = openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_set(err, errno, "fsync directory of '%s': open '%s'", path, dir);
	int r = fsync_eintr(fd);
	/* Some filesystems cannot fsync a directory and say EINVAL; the
	 * rename is then as durable as that filesystem makes it. */
	if (r < 0 && r != -EINVAL)
		return berth_error_set(err, -r, "fsync directory of '%s'", path);
	return 0;
}

int atomic_tmp_open(int dirfd, const char *name, mode_t mode, struct atomic_tmp *ret,
		    berth_error_t **err)
{
	/* Initialise first: ret is safe to release whatever happens below */
	*ret = (struct atomic_tmp){ .dirfd = dirfd, .fd = -1 };
	size_t dirlen;
	const char *base;
	if (split_name(name, &dirlen, &base) < 0)
		return berth_error_set(err, EINVAL, "write '%s': not a file name",
				       name ? name : "");

	for (int i = 0;; i++) {
		cleanup_free char *tmp = xasprintf("%.*s.%.*s.tmp-%016llx", (int)dirlen, name,
						   TMP_BASE_MAX, base,
						   (unsigned long long)random_u64());
		/* O_EXCL: never write through a file (or a symlink) that
		 * someone else put at this name. */
		int fd = openat(dirfd, tmp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode & 07777);
		if (fd < 0 && errno == EEXIST && i + 1 < TMP_RETRIES)
			continue;
		if (fd < 0)
			return berth_error_set(err, errno, "write '%s': create temp file '%s'",
					       name, tmp);
		ret->fd = fd;
		ret->tmp_name = steal_pointer(&tmp);
		ret->name = xstrdup(name);
		break;
	}
	/* open(2) applied the umask; the caller's mode is the final mode */
	if (fchmod(ret->fd, mode & 07777) < 0) {
		int r = berth_error_set(err, errno, "write '%s': chmod temp file", name);
		atomic_tmp_release(ret);
		return r;
	}
	return 0;
}

int atomic_tmp_commit(struct atomic_tmp *tmp, berth_error_t **err)
{
	/* Whatever happens, tmp is released on return: on failure the temp
	 * file is unlinked, on success it no longer exists by that name. */
	cleanup_atomic_tmp struct atomic_tmp t = *tmp;
	*tmp = (struct atomic_tmp){ .dirfd = t.dirfd, .fd = -1 };
	if (t.tmp_name == NULL)
		return berth_error_set(err, EINVAL, "commit '%s': no temp file open",
				       t.name ? t.name : "");

	int r = fsync_eintr(t.fd);
	if (r < 0)
		return berth_error_set(err, -r, "write '%s': fsync", t.name);
	/* close() reports delayed write errors on some filesystems (NFS) */
	r = close(take_fd(&t.fd));
	if (r < 0 && errno != EINTR)
		return berth_error_set(err, errno, "write '%s': close", t.name);
	if (renameat(t.dirfd, t.tmp_name, t.dirfd, t.name) < 0)
		return berth_error_set(err, errno, "write '%s': rename from '%s'", t.name,
				       t.tmp_name);
	/* Renamed: the temp name is gone and must not be unlinked (another
	 * writer may already have taken it). */
	free(steal_pointer(&t.tmp_name));
	r = fsync_parent_at(t.dirfd, t.name, err);
	if (r < 0)
		return berth_error_wrap(err, "write '%s'", t.name);
	return 0;
}

void atomic_tmp_release(struct atomic_tmp *tmp)
{
	if (tmp == NULL)
		return;
	/* tmp_name set means an uncommitted temp file whose fd we own; a
	 * zeroed struct (fd 0!) or {.fd = -1} owns nothing. */
	if (tmp->tmp_name) {
		cleanup_closep(&tmp->fd);
		int saved = errno;
		unlinkat(tmp->dirfd, tmp->tmp_name, 0);
		errno = saved;
	}
	free(tmp->tmp_name);
	free(tmp->name);
	*tmp = (struct atomic_tmp){ .dirfd = tmp->dirfd, .fd = -1 };
}

int atomic_write_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
		    berth_error_t **err)
{
	cleanup_atomic_tmp struct atomic_tmp tmp = { .fd = -1 };
	int r = atomic_tmp_open(dirfd, name, mode, &tmp, err);
	if (r < 0)
		return r;
	r = fd_write_all(tmp.fd, data, len);
	if (r < 0)
		return berth_error_set(err, -r, "write '%s': write temp file", name);
	return atomic_tmp_commit(&tmp, err);
}

int atomic_write_file(const char *path, const void *data, size_t len, mode_t mode,
		      berth_error_t **err)
{
	return atomic_write_at(AT_FDCWD, path, data, len, mode, err);
}
