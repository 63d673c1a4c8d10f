/* content-store: blobs by digest.  A writer streams into an unnamed
 * O_TMPFILE in content/ingest (same filesystem as the blobs), hashing as it
 * goes; commit fsyncs, verifies, and linkat()s the finished inode to its
 * final name, which is atomic and fails with EEXIST when another writer was
 * first (we then drop ours).  Without O_TMPFILE the temp file is named
 * "tmp-<random>" and flock()ed for its lifetime, so the cleanup at open can
 * tell a crashed writer's leftovers from a live writer's file. */
#include "image/content-store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "image/layer-unpack.h"

#include "common/banned.h"

#define BLOB_MODE 0444
#define COPY_BUF_SIZE (256u << 10)

struct content_store {
	char *root;    /* <root>/content */
	int blobs_fd;  /* <root>/content/blobs/sha256 */
	int ingest_fd; /* <root>/content/ingest */
	int64_t max_blob_size;
};

struct content_writer {
	struct content_store *store; /* not owned */
	int fd;
	char *tmp_name; /* NULL for an O_TMPFILE */
	struct digest_hasher *hasher;
	struct digest expected;
	bool have_expected;
	int64_t expected_size;
	int64_t size;
	bool done;
};

static int mkdir_open(int dirfd, const char *name, berth_error_t **err)
{
	if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
		return berth_error_set(err, errno, "mkdir '%s'", name);
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berth_error_set(err, errno, "open '%s'", name);
	return fd;
}

/* Remove temp files of writers that are gone: a live writer holds an
 * flock on its file, a crashed one's lock died with it. */
static void clean_ingest(int ingest_fd)
{
	cleanup_dir DIR *d = layer_opendir_at(ingest_fd, ".", 0);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "tmp-", 4) != 0)
			continue;
		cleanup_close int tfd =
			openat(ingest_fd, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (tfd < 0)
			continue;
		if (flock(tfd, LOCK_EX | LOCK_NB) < 0)
			continue; /* a live writer */
		if (unlinkat(ingest_fd, de->d_name, 0) < 0)
			log_debug("remove stale temp blob '%s': %s, ignoring", de->d_name,
				  strerror(errno));
	}
}

int content_store_open(const char *root_dir, const struct content_store_options *opts,
		       struct content_store **ret, berth_error_t **err)
{
	cleanup_close int rootfd = mkdir_open(AT_FDCWD, root_dir, err);
	if (rootfd < 0)
		return berth_error_wrap(err, "open content store");
	cleanup_close int cfd = mkdir_open(rootfd, "content", err);
	if (cfd < 0)
		return berth_error_wrap(err, "open content store in '%s'", root_dir);
	cleanup_close int bfd = mkdir_open(cfd, "blobs", err);
	if (bfd < 0)
		return berth_error_wrap(err, "open content store in '%s'", root_dir);
	cleanup_close int sfd = mkdir_open(bfd, "sha256", err);
	if (sfd < 0)
		return berth_error_wrap(err, "open content store in '%s'", root_dir);
	cleanup_close int ifd = mkdir_open(cfd, "ingest", err);
	if (ifd < 0)
		return berth_error_wrap(err, "open content store in '%s'", root_dir);
	clean_ingest(ifd);

	struct content_store *s = xzalloc(sizeof(*s));
	s->root = xasprintf("%s/content", root_dir);
	s->blobs_fd = take_fd(&sfd);
	s->ingest_fd = take_fd(&ifd);
	s->max_blob_size = opts && opts->max_blob_size > 0 ? opts->max_blob_size :
							     CONTENT_DEFAULT_MAX_BLOB_SIZE;
	*ret = s;
	return 0;
}

void content_store_free(struct content_store *store)
{
	if (!store)
		return;
	close(store->blobs_fd);
	close(store->ingest_fd);
	free(store->root);
	free(store);
}

bool content_has(struct content_store *store, const struct digest *d, int64_t *ret_size)
{
	char hex[DIGEST_HEX_LEN + 1];
	digest_format_hex(d, hex);
	struct stat st;
	if (fstatat(store->blobs_fd, hex, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
		return false;
	if (ret_size)
		*ret_size = st.st_size;
	return true;
}

int content_open_read(struct content_store *store, const struct digest *d, berth_error_t **err)
{
	char hex[DIGEST_HEX_LEN + 1];
	digest_format_hex(d, hex);
	int fd = openat(store->blobs_fd, hex, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return berth_error_fail(err, ENOENT, "blob sha256:%s not found", hex);
		return berth_error_set(err, errno, "open blob sha256:%s", hex);
	}
	return fd;
}

char *content_blob_path(struct content_store *store, const struct digest *d)
{
	char hex[DIGEST_HEX_LEN + 1];
	digest_format_hex(d, hex);
	return xasprintf("%s/blobs/sha256/%s", store->root, hex);
}

static int open_named_tmp(struct content_store *store, char **ret_name, berth_error_t **err)
{
	for (int i = 0; i < 16; i++) {
		uint64_t r = 0;
		if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
			r ^= (uint64_t)getpid() << 32 ^ (uint64_t)i;
		cleanup_free char *name = xasprintf("tmp-%016" PRIx64, r);
		int fd = openat(store->ingest_fd, name,
				O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, BLOB_MODE);
		if (fd < 0) {
			if (errno == EEXIST)
				continue;
			return berth_error_set(err, errno, "create temp blob");
		}
		/* Taken before anyone can see the file matters little: the
		 * cleaner at open only runs before this store writes. */
		if (flock(fd, LOCK_EX) < 0) {
			int e = errno;
			unlinkat(store->ingest_fd, name, 0);
			close(fd);
			return berth_error_set(err, e, "lock temp blob");
		}
		*ret_name = steal_pointer(&name);
		return fd;
	}
	return berth_error_fail(err, EEXIST, "create temp blob: no free name");
}

int content_writer_begin(struct content_store *store, const struct digest *expected,
			 int64_t expected_size, struct content_writer **ret, berth_error_t **err)
{
	if (expected_size > store->max_blob_size)
		return berth_error_fail(err, EFBIG,
					"blob of %" PRId64 " bytes exceeds the limit of %" PRId64,
					expected_size, store->max_blob_size);
	char *tmp_name = NULL;
	int fd = openat(store->ingest_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, BLOB_MODE);
	if (fd < 0) {
		/* EOPNOTSUPP/EISDIR/EINVAL: no O_TMPFILE on this filesystem
		 * or kernel; anything else is a real error */
		if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
			return berth_error_set(err, errno, "create temp blob");
		fd = open_named_tmp(store, &tmp_name, err);
		if (fd < 0)
			return fd;
	}
	struct content_writer *w = xzalloc(sizeof(*w));
	w->store = store;
	w->fd = fd;
	w->tmp_name = tmp_name;
	w->hasher = digest_hasher_new();
	if (expected) {
		w->expected = *expected;
		w->have_expected = true;
	}
	w->expected_size = expected_size;
	*ret = w;
	return 0;
}

int content_writer_write(struct content_writer *w, const void *buf, size_t len, berth_error_t **err)
{
	if (w->done)
		return berth_error_fail(err, EINVAL, "write to a finished blob writer");
	int64_t limit = w->expected_size >= 0 ? w->expected_size : w->store->max_blob_size;
	if ((uint64_t)w->size + len > (uint64_t)limit)
		return berth_error_fail(err, w->expected_size >= 0 ? EINVAL : EFBIG,
					"blob larger than %s%" PRId64 " bytes",
					w->expected_size >= 0 ? "its expected size of " :
								"the limit of ",
					limit);
	digest_hasher_update(w->hasher, buf, len);
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(w->fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return berth_error_set(err, errno, "write blob");
		}
		p += n;
		len -= (size_t)n;
		w->size += n;
	}
	return 0;
}

int content_writer_write_fd(struct content_writer *w, int fd, berth_error_t **err)
{
	cleanup_free char *buf = xmalloc(COPY_BUF_SIZE);
	for (;;) {
		ssize_t n = read(fd, buf, COPY_BUF_SIZE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berth_error_set(err, errno, "read blob");
		if (n == 0)
			return 0;
		int r = content_writer_write(w, buf, (size_t)n, err);
		if (r < 0)
			return r;
	}
}

int64_t content_writer_size(const struct content_writer *w)
{
	return w->size;
}

static void writer_discard(struct content_writer *w)
{
	if (w->fd >= 0) {
		if (w->tmp_name)
			unlinkat(w->store->ingest_fd, w->tmp_name, 0);
		close(w->fd);
		w->fd = -1;
	}
	w->done = true;
}

int content_writer_commit(struct content_writer *w, struct digest *ret_digest, berth_error_t **err)
{
	if (w->done)
		return berth_error_fail(err, EINVAL, "commit of a finished blob writer");
	struct digest got;
	digest_hasher_final(w->hasher, &got);
	if (w->expected_size >= 0 && w->size != w->expected_size) {
		writer_discard(w);
		return berth_error_fail(err, EINVAL,
					"blob size mismatch: expected %" PRId64
					" bytes, got %" PRId64,
					w->expected_size, w->size);
	}
	if (w->have_expected && digest_verify(&w->expected, &got, "blob", err) < 0) {
		writer_discard(w);
		return berth_error_codep(err);
	}
	if (fsync(w->fd) < 0) {
		int e = errno;
		writer_discard(w);
		return berth_error_set(err, e, "fsync blob");
	}
	char hex[DIGEST_HEX_LEN + 1];
	digest_format_hex(&got, hex);
	int r;
	if (w->tmp_name) {
		r = linkat(w->store->ingest_fd, w->tmp_name, w->store->blobs_fd, hex, 0);
	} else {
		/* AT_EMPTY_PATH would need CAP_DAC_READ_SEARCH; the /proc
		 * magic link works for anyone who owns the fd */
		char proc[64];
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", w->fd);
		r = linkat(AT_FDCWD, proc, w->store->blobs_fd, hex, AT_SYMLINK_FOLLOW);
		if (r < 0 && errno == ENOENT) /* no /proc: needs the capability */
			r = linkat(w->fd, "", w->store->blobs_fd, hex, AT_EMPTY_PATH);
	}
	int e = errno;
	writer_discard(w);
	if (r < 0 && e != EEXIST)
		return berth_error_set(err, e, "store blob sha256:%s", hex);
	if (r == 0 && fsync(w->store->blobs_fd) < 0)
		return berth_error_set(err, errno, "fsync blob directory");
	if (ret_digest)
		*ret_digest = got;
	return 0;
}

void content_writer_free(struct content_writer *w)
{
	if (!w)
		return;
	writer_discard(w);
	digest_hasher_free(w->hasher);
	free(w->tmp_name);
	free(w);
}

void content_writer_abort(struct content_writer *w)
{
	content_writer_free(w);
}

int content_put_buffer(struct content_store *store, const void *buf, size_t len,
		       const struct digest *expected, struct digest *ret_digest,
		       berth_error_t **err)
{
	if (expected && content_has(store, expected, NULL)) {
		struct digest got;
		digest_buffer(buf, len, &got);
		if (digest_verify(expected, &got, "blob", err) < 0)
			return berth_error_codep(err);
		if (ret_digest)
			*ret_digest = got;
		return 0;
	}
	cleanup_content_writer struct content_writer *w = NULL;
	int r = content_writer_begin(store, expected, (int64_t)len, &w, err);
	if (r < 0)
		return r;
	r = content_writer_write(w, buf, len, err);
	if (r < 0)
		return r;
	return content_writer_commit(w, ret_digest, err);
}

int content_read_all(struct content_store *store, const struct digest *d, size_t max_size,
		     char **ret, size_t *ret_len, berth_error_t **err)
{
	cleanup_close int fd = content_open_read(store, d, err);
	if (fd < 0)
		return fd;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return berth_error_set(err, errno, "stat blob");
	if ((uint64_t)st.st_size > max_size)
		return berth_error_fail(err, EFBIG, "blob of %jd bytes exceeds the limit of %zu",
					(intmax_t)st.st_size, max_size);
	size_t len = (size_t)st.st_size;
	cleanup_free char *buf = xmalloc(len + 1);
	size_t off = 0;
	while (off < len) {
		ssize_t n = read(fd, buf + off, len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return berth_error_set(err, errno, "read blob");
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	buf[off] = '\0';
	struct digest got;
	digest_buffer(buf, off, &got);
	if (digest_verify(d, &got, "blob", err) < 0)
		return berth_error_codep(err);
	*ret = steal_pointer(&buf);
	if (ret_len)
		*ret_len = off;
	return 0;
}

int content_delete(struct content_store *store, const struct digest *d, berth_error_t **err)
{
	char hex[DIGEST_HEX_LEN + 1];
	digest_format_hex(d, hex);
	if (unlinkat(store->blobs_fd, hex, 0) < 0 && errno != ENOENT)
		return berth_error_set(err, errno, "remove blob sha256:%s", hex);
	return 0;
}

int content_list(struct content_store *store, content_list_fn fn, void *userdata,
		 berth_error_t **err)
{
	int fd = openat(store->blobs_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_set(err, errno, "open blob directory");
	cleanup_dir DIR *dir = fdopendir(fd);
	if (!dir) {
		int e = errno;
		close(fd);
		return berth_error_set(err, e, "open blob directory");
	}
	struct dirent *de;
	errno = 0;
	while ((de = readdir(dir))) {
		struct digest d;
		if (strlen(de->d_name) != DIGEST_HEX_LEN ||
		    digest_parse_hex(de->d_name, &d, NULL) < 0)
			continue;
		struct stat st;
		if (fstatat(store->blobs_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		int r = fn(&d, st.st_size, userdata, err);
		if (r < 0)
			return r;
		errno = 0;
	}
	if (errno != 0)
		return berth_error_set(err, errno, "read blob directory");
	return 0;
}
