/* layer-unpack: one pass from a (compressed) layer to an overlay lower dir.
 * Two libarchive readers are chained without threads or pipes: the outer
 * one ("raw" format, gzip/zstd/none filters bid by magic) reads the fd
 * (and hashes the blob bytes when LAYER_UNPACK_BLOB_DIGEST asks); the
 * inner one (tar only, no filters) pulls the decompressed bytes from the
 * outer via its read callback, which hashes them for the diffID.  After
 * the tar's end marker the rest of the stream is drained into the hash,
 * so the diffID covers every byte.
 * Invariant: every name is created with an *at() call on a directory fd
 * that was reached from the layer dir by O_NOFOLLOW opens of real
 * directories, one cleaned component at a time; nothing in the layer is
 * ever followed, so nothing outside the layer dir can be touched. */
#include "image/layer-unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "oci/image.h"

#include "common/banned.h"

#define WH_PREFIX ".wh."
#define WH_PREFIX_LEN 4
#define WH_META_PREFIX ".wh..wh."
#define WH_OPAQUE ".wh..wh..opq"
#define OPAQUE_XATTR "trusted.overlay.opaque"
/* How much of a hostile name goes into an error */
#define QUOTE_MAX 256
#define READ_BUF_SIZE (128 * 1024)

struct deferred_time {
	char *path; /* cleaned, relative to the layer dir; "" is the root */
	struct timespec ts[2];
};

struct unpack {
	/* input */
	int in_fd;
	struct archive *outer;
	struct digest_hasher *blob_hasher;
	struct digest_hasher *tar_hasher;
	uint64_t blob_size;
	uint64_t tar_size;
	int io_errno;
	const char *io_what; /* static text of an input failure */
	char *buf;

	/* output */
	int dirfd; /* not owned */
	struct layer_unpack_limits lim;
	enum layer_unpack_flags flags;
	bool chown;
	struct strbuf parent_path; /* the cached parent dir */
	int parent_fd;             /* O_PATH, -1 when none */
	struct deferred_time *times;
	size_t n_times, alloc_times;
	uint64_t content_size;
	uint64_t n_entries;
	uint64_t n_skipped;
	const char *entry; /* the current entry's name, for errors */
};

/* ---- input ------------------------------------------------------------- */

static la_ssize_t outer_read(struct archive *a, void *ud, const void **ret)
{
	struct unpack *u = ud;
	for (;;) {
		ssize_t n = read(u->in_fd, u->buf, READ_BUF_SIZE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			u->io_errno = errno;
			u->io_what = "read layer";
			archive_set_error(a, errno, "read layer");
			return -1;
		}
		if (u->blob_hasher)
			digest_hasher_update(u->blob_hasher, u->buf, (size_t)n);
		u->blob_size += (uint64_t)n;
		*ret = u->buf;
		return n;
	}
}

/* The inner (tar) reader's input: the outer reader's decompressed data.
 * libarchive keeps a block valid until the next call, which is exactly the
 * read-callback contract, so blocks are handed on without a copy. */
static la_ssize_t inner_read(struct archive *a, void *ud, const void **ret)
{
	struct unpack *u = ud;
	const void *blk;
	size_t size;
	la_int64_t off;
	int r = archive_read_data_block(u->outer, &blk, &size, &off);
	if (r == ARCHIVE_EOF)
		return 0;
	if (r < ARCHIVE_WARN) {
		archive_set_error(a, archive_errno(u->outer) ? archive_errno(u->outer) : EIO, "%s",
				  archive_error_string(u->outer) ? archive_error_string(u->outer) :
								   "decompress layer");
		return -1;
	}
	if (u->tar_size + size > u->lim.max_total_size) {
		u->io_errno = EFBIG;
		u->io_what = "layer exceeds the size limit";
		archive_set_error(a, EFBIG, "layer exceeds the size limit");
		return -1;
	}
	digest_hasher_update(u->tar_hasher, blk, size);
	u->tar_size += size;
	*ret = blk;
	return (la_ssize_t)size;
}

/* ---- paths ------------------------------------------------------------- */

/* Clean a tar path into out: leading "/" and "./" dropped (an absolute
 * name is relative to the layer root, as tar and docker treat it), "."
 * and empty components skipped, ".." applied lexically and refused when
 * it would climb above the root.  "" means the root itself. */
static int clean_path(struct unpack *u, const char *in, struct strbuf *out, berth_error_t **err)
{
	strbuf_reset(out);
	if (strnlen(in, u->lim.max_path_len + 1) > u->lim.max_path_len)
		return berth_error_fail(err, ENAMETOOLONG, "path longer than %zu bytes",
					u->lim.max_path_len);
	const char *p = in;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *end = strchrnul(p, '/');
		size_t len = (size_t)(end - p);
		if (len == 1 && p[0] == '.') {
			/* skip */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (out->len == 0)
				return berth_error_fail(err, EINVAL, "path escapes the layer");
			char *slash = strrchr(out->buf, '/');
			strbuf_setlen(out, slash ? (size_t)(slash - out->buf) : 0);
		} else {
			if (len > u->lim.max_name_len)
				return berth_error_fail(err, ENAMETOOLONG,
							"name longer than %zu bytes",
							u->lim.max_name_len);
			if (out->len)
				strbuf_addch(out, '/');
			strbuf_add(out, p, len);
		}
		p = end;
	}
	return 0;
}

static void invalidate_parent(struct unpack *u)
{
	if (u->parent_fd >= 0)
		close(u->parent_fd);
	u->parent_fd = -1;
	strbuf_reset(&u->parent_path);
}

/* Open the directory dir (cleaned, relative to the layer dir) as O_PATH,
 * creating missing components (mode 0755) when create is set.  A component
 * that is a symlink or not a directory is refused: a layer may not write
 * through its own symlinks. */
static int walk_dir(int rootfd, const char *dir, bool create, berth_error_t **err)
{
	cleanup_close int fd = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_set(err, errno, "open layer directory");
	const char *p = dir;
	cleanup_free char *comp = NULL;
	while (*p) {
		const char *end = strchrnul(p, '/');
		free(comp);
		comp = xstrndup(p, (size_t)(end - p));
		int nfd = -1;
		for (int tries = 0; tries < 2; tries++) {
			nfd = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (nfd >= 0 || errno != ENOENT || !create)
				break;
			if (mkdirat(fd, comp, 0755) == 0) {
				/* 0755 whatever the daemon's umask: a
				 * directory the tar only implies must be
				 * traversable in the container */
				fchmodat(fd, comp, 0755, 0);
			} else if (errno != EEXIST) {
				return berth_error_set(err, errno, "mkdir '%.*s'", QUOTE_MAX, dir);
			}
		}
		if (nfd < 0) {
			if (errno == ENOTDIR || errno == ELOOP)
				return berth_error_fail(
					err, ENOTDIR,
					"parent '%.*s' is not a directory (a symlink or a file)",
					(int)(end - dir), dir);
			return berth_error_set(err, errno, "open '%.*s'", (int)(end - dir), dir);
		}
		close(fd);
		fd = nfd;
		p = *end ? end + 1 : end;
	}
	return take_fd(&fd);
}

/* Split path into its parent (opened, created as needed, cached) and last
 * name; path is not "" */
static int open_parent(struct unpack *u, const char *path, const char **ret_name,
		       berth_error_t **err)
{
	const char *slash = strrchr(path, '/');
	size_t dlen = slash ? (size_t)(slash - path) : 0;
	*ret_name = slash ? slash + 1 : path;
	if (u->parent_fd >= 0 && u->parent_path.len == dlen &&
	    memcmp(u->parent_path.buf, path, dlen) == 0)
		return u->parent_fd;
	invalidate_parent(u);
	cleanup_free char *dir = xstrndup(path, dlen);
	int fd = walk_dir(u->dirfd, dir, true, err);
	if (fd < 0)
		return fd;
	u->parent_fd = fd;
	strbuf_add(&u->parent_path, dir, dlen);
	return fd;
}

/* ---- removal ----------------------------------------------------------- */

static int remove_tree_depth(int dirfd, const char *name, int depth, berth_error_t **err);

DIR *layer_opendir_at(int dirfd, const char *name, int extra_flags)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | extra_flags);
	if (fd < 0)
		return NULL;
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = errno;
		close(fd);
		errno = e;
	}
	return d;
}

static int remove_children(int dfd, int depth, berth_error_t **err)
{
	cleanup_dir DIR *d = layer_opendir_at(dfd, ".", 0);
	if (!d)
		return berth_error_set(err, errno, "open directory");
	struct dirent *de;
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de)
			break;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		int r = remove_tree_depth(dfd, de->d_name, depth + 1, err);
		if (r < 0)
			return r;
	}
	if (errno)
		return berth_error_set(err, errno, "read directory");
	return 0;
}

static int remove_tree_depth(int dirfd, const char *name, int depth, berth_error_t **err)
{
	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return berth_error_set(err, errno, "remove '%.*s'", QUOTE_MAX, name);
	/* EISDIR (EPERM on some filesystems): a directory.  Depth costs an
	 * fd per level; a tree deeper than this came from somewhere hostile */
	if (depth > 4096)
		return berth_error_fail(err, ELOOP, "remove '%.*s': tree too deep", QUOTE_MAX,
					name);
	if (geteuid() != 0)
		fchmodat(dirfd, name, 0700, 0); /* a 0555 dir from a layer */
	cleanup_close int dfd =
		openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		if (errno == ENOENT)
			return 0;
		return berth_error_set(err, errno, "open '%.*s'", QUOTE_MAX, name);
	}
	int r = remove_children(dfd, depth, err);
	if (r < 0)
		return r;
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return berth_error_set(err, errno, "remove '%.*s'", QUOTE_MAX, name);
	return 0;
}

int layer_remove_tree_at(int dirfd, const char *name, berth_error_t **err)
{
	return remove_tree_depth(dirfd, name, 0, err);
}

/* Make room for a new entry at name: a directory stays when the new entry
 * is a directory too (tar semantics: metadata is updated), anything else
 * goes. */
static int make_room(int pfd, const char *name, bool new_is_dir, bool *ret_exists_dir,
		     berth_error_t **err)
{
	struct stat st;
	*ret_exists_dir = false;
	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return berth_error_set(err, errno, "stat");
	}
	if (S_ISDIR(st.st_mode)) {
		if (new_is_dir) {
			*ret_exists_dir = true;
			return 0;
		}
		/* the cached parent is pfd itself, never inside this tree */
		return layer_remove_tree_at(pfd, name, err);
	}
	if (unlinkat(pfd, name, 0) < 0 && errno != ENOENT)
		return berth_error_set(err, errno, "remove the existing entry");
	return 0;
}

/* ---- metadata ---------------------------------------------------------- */

static bool xattr_skipped(const char *name)
{
	/* overlayfs reads its own trusted.overlay.* xattrs (redirect,
	 * metacopy, origin, opaque) from lower dirs; a layer that carried
	 * them could steer lookups, so only this code sets them */
	return strncmp(name, "trusted.overlay.", 16) == 0;
}

/* Set the entry's xattrs on fd (a regular file or a directory opened for
 * reading), or on the inode behind an O_PATH fd through /proc */
static int set_xattrs(struct unpack *u, struct archive_entry *e, int fd, bool via_proc,
		      berth_error_t **err)
{
	if (archive_entry_xattr_reset(e) == 0)
		return 0;
	const char *name;
	const void *value;
	size_t size;
	size_t total = 0;
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		if (size > u->lim.max_xattr_size)
			return berth_error_fail(err, E2BIG, "xattr '%.*s' larger than %zu bytes",
						QUOTE_MAX, name, u->lim.max_xattr_size);
		total += strlen(name) + size;
		if (total > u->lim.max_xattrs_total)
			return berth_error_fail(err, E2BIG, "xattrs larger than %zu bytes in all",
						u->lim.max_xattrs_total);
		if (xattr_skipped(name)) {
			log_debug("entry '%.*s': xattr '%s' left out, ignoring", QUOTE_MAX,
				  u->entry, name);
			continue;
		}
		int r = via_proc ? setxattr(proc, name, value, size, 0) :
				   fsetxattr(fd, name, value, size, 0);
		if (r < 0) {
			/* a filesystem without xattrs, or trusted.* as a user:
			 * the file is still right, lose the attribute */
			if (errno == EOPNOTSUPP || (errno == EPERM && geteuid() != 0)) {
				log_debug("entry '%.*s': set xattr '%s': %s, ignoring", QUOTE_MAX,
					  u->entry, name, strerror(errno));
				continue;
			}
			return berth_error_set(err, errno, "set xattr '%.*s'", QUOTE_MAX, name);
		}
	}
	return 0;
}

static void entry_times(struct archive_entry *e, struct timespec ts[2])
{
	ts[1].tv_sec = archive_entry_mtime(e);
	ts[1].tv_nsec = archive_entry_mtime_nsec(e);
	if (archive_entry_atime_is_set(e)) {
		ts[0].tv_sec = archive_entry_atime(e);
		ts[0].tv_nsec = archive_entry_atime_nsec(e);
	} else {
		ts[0] = ts[1];
	}
	if (ts[0].tv_nsec < 0 || ts[0].tv_nsec >= 1000000000)
		ts[0].tv_nsec = 0;
	if (ts[1].tv_nsec < 0 || ts[1].tv_nsec >= 1000000000)
		ts[1].tv_nsec = 0;
}

/* Owner, then mode (chown clears setuid bits, so chmod comes after), then
 * xattrs, on an fd of a regular file or a directory */
static int set_meta_fd(struct unpack *u, struct archive_entry *e, int fd, berth_error_t **err)
{
	if (u->chown && fchown(fd, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e)) < 0)
		return berth_error_set(err, errno, "chown");
	if (fchmod(fd, archive_entry_perm(e) & 07777) < 0)
		return berth_error_set(err, errno, "chmod");
	return set_xattrs(u, e, fd, false, err);
}

/* The same for a node that cannot be opened for I/O (symlink, fifo,
 * device): through an O_PATH fd and /proc, never following the name */
static int set_meta_node(struct unpack *u, struct archive_entry *e, int pfd, const char *name,
			 bool is_link, berth_error_t **err)
{
	if (u->chown && fchownat(pfd, name, (uid_t)archive_entry_uid(e),
				 (gid_t)archive_entry_gid(e), AT_SYMLINK_NOFOLLOW) < 0)
		return berth_error_set(err, errno, "chown");
	struct timespec ts[2];
	entry_times(e, ts);
	if (is_link) {
		if (archive_entry_xattr_count(e) > 0)
			log_debug("entry '%.*s': xattrs on a symlink left out, ignoring", QUOTE_MAX,
				  u->entry);
		if (utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
			return berth_error_set(err, errno, "set times");
		return 0;
	}
	cleanup_close int fd = openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berth_error_set(err, errno, "open");
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (chmod(proc, archive_entry_perm(e) & 07777) < 0)
		return berth_error_set(err, errno, "chmod");
	int r = set_xattrs(u, e, fd, true, err);
	if (r < 0)
		return r;
	if (utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return berth_error_set(err, errno, "set times");
	return 0;
}

/* ---- entries ----------------------------------------------------------- */

static int write_data(struct unpack *u, struct archive *a, int fd, int64_t size,
		      berth_error_t **err)
{
	const void *blk;
	size_t len;
	la_int64_t off;
	for (;;) {
		int r = archive_read_data_block(a, &blk, &len, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return berth_error_fail(err, EINVAL, "read data: %s",
						archive_error_string(a) ? archive_error_string(a) :
									  "unknown error");
		if (off < 0 || (uint64_t)off + len > (uint64_t)size)
			return berth_error_fail(err, EINVAL, "data beyond the entry's size");
		/* pwrite at the block's offset: the holes of a sparse entry
		 * stay holes */
		const char *p = blk;
		while (len > 0) {
			ssize_t n = pwrite(fd, p, len, off);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				return berth_error_set(err, errno, "write");
			}
			p += n;
			off += n;
			len -= (size_t)n;
		}
	}
	if (ftruncate(fd, size) < 0)
		return berth_error_set(err, errno, "set size");
	return 0;
}

static int add_deferred_time(struct unpack *u, const char *path, struct archive_entry *e)
{
	u->times = xgrow(u->times, &u->alloc_times, u->n_times + 1, sizeof(*u->times));
	struct deferred_time *t = &u->times[u->n_times++];
	t->path = xstrdup(path);
	entry_times(e, t->ts);
	return 0;
}

static int do_dir(struct unpack *u, struct archive_entry *e, const char *path, int pfd,
		  const char *name, berth_error_t **err)
{
	cleanup_close int dfd = -1;
	if (pfd < 0) {
		dfd = openat(u->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	} else {
		bool exists;
		int r = make_room(pfd, name, true, &exists, err);
		if (r < 0)
			return r;
		if (!exists && mkdirat(pfd, name, 0700) < 0)
			return berth_error_set(err, errno, "mkdir");
		dfd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (dfd < 0)
		return berth_error_set(err, errno, "open directory");
	int r = set_meta_fd(u, e, dfd, err);
	if (r < 0)
		return r;
	/* children change a directory's mtime: set times at the end */
	return add_deferred_time(u, path, e);
}

static int do_file(struct unpack *u, struct archive *a, struct archive_entry *e, int pfd,
		   const char *name, berth_error_t **err)
{
	int64_t size = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
	if (size < 0 || (uint64_t)size > u->lim.max_total_size - u->content_size)
		return berth_error_fail(err, EFBIG,
					"file of %" PRId64 " bytes exceeds the layer size limit",
					size);
	u->content_size += (uint64_t)size;
	bool exists;
	int r = make_room(pfd, name, false, &exists, err);
	if (r < 0)
		return r;
	cleanup_close int fd =
		openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return berth_error_set(err, errno, "create");
	r = write_data(u, a, fd, size, err);
	if (r < 0)
		return r;
	r = set_meta_fd(u, e, fd, err);
	if (r < 0)
		return r;
	struct timespec ts[2];
	entry_times(e, ts);
	if (futimens(fd, ts) < 0)
		return berth_error_set(err, errno, "set times");
	return 0;
}

static int do_hardlink(struct unpack *u, const char *target, int pfd, const char *name,
		       berth_error_t **err)
{
	cleanup_strbuf struct strbuf t = STRBUF_INIT;
	int r = clean_path(u, target, &t, err);
	if (r < 0)
		return berth_error_wrap(err, "hard link target '%.*s'", QUOTE_MAX, target);
	if (t.len == 0)
		return berth_error_fail(err, EINVAL, "hard link to the layer root");
	const char *slash = strrchr(t.buf, '/');
	cleanup_free char *tdir = xstrndup(t.buf, slash ? (size_t)(slash - t.buf) : 0);
	const char *tname = slash ? slash + 1 : t.buf;
	/* the target must already be in this layer: never create for it */
	cleanup_close int tfd = walk_dir(u->dirfd, tdir, false, err);
	if (tfd < 0) {
		if (tfd == -ENOENT)
			return berth_error_fail(err, ENOENT,
						"hard link target '%.*s' is not in the layer",
						QUOTE_MAX, target);
		return berth_error_wrap(err, "hard link target '%.*s'", QUOTE_MAX, target);
	}
	struct stat st;
	if (fstatat(tfd, tname, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return berth_error_fail(err, ENOENT,
						"hard link target '%.*s' is not in the layer",
						QUOTE_MAX, target);
		return berth_error_set(err, errno, "hard link target '%.*s'", QUOTE_MAX, target);
	}
	if (S_ISDIR(st.st_mode))
		return berth_error_fail(err, EPERM, "hard link to directory '%.*s'", QUOTE_MAX,
					target);
	bool exists;
	struct stat cur;
	if (fstatat(pfd, name, &cur, AT_SYMLINK_NOFOLLOW) == 0 && cur.st_dev == st.st_dev &&
	    cur.st_ino == st.st_ino)
		return 0; /* a link to itself */
	r = make_room(pfd, name, false, &exists, err);
	if (r < 0)
		return r;
	/* flags 0: a symlink target is linked itself, never followed */
	if (linkat(tfd, tname, pfd, name, 0) < 0)
		return berth_error_set(err, errno, "hard link");
	return 0;
}

static int do_whiteout(struct unpack *u, int pfd, const char *name, berth_error_t **err)
{
	if (strcmp(name, WH_OPAQUE) == 0) {
		cleanup_close int dfd = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return berth_error_set(err, errno, "open directory");
		if (fsetxattr(dfd, OPAQUE_XATTR, "y", 1, 0) < 0)
			return berth_error_set(err, errno, "mark directory opaque");
		return 0;
	}
	if (strncmp(name, WH_META_PREFIX, strlen(WH_META_PREFIX)) == 0) {
		/* aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs): not content */
		u->n_skipped++;
		return 0;
	}
	const char *victim = name + WH_PREFIX_LEN;
	if (!*victim || strcmp(victim, ".") == 0 || strcmp(victim, "..") == 0)
		return berth_error_fail(err, EINVAL, "whiteout of an invalid name");
	bool exists;
	int r = make_room(pfd, victim, false, &exists, err);
	if (r < 0)
		return r;
	if (mknodat(pfd, victim, S_IFCHR | 0000, makedev(0, 0)) < 0)
		return berth_error_set(err, errno, "create whiteout");
	return 0;
}

static int do_entry(struct unpack *u, struct archive *a, struct archive_entry *e,
		    struct strbuf *path, berth_error_t **err)
{
	const char *raw = archive_entry_pathname(e);
	if (!raw)
		raw = archive_entry_pathname_utf8(e);
	if (!raw)
		return berth_error_fail(err, EINVAL, "entry without a name");
	u->entry = raw;
	int r = clean_path(u, raw, path, err);
	if (r < 0)
		return r;
	mode_t type = archive_entry_filetype(e);
	const char *hardlink = archive_entry_hardlink(e);
	if (archive_entry_uid(e) < 0 || archive_entry_uid(e) >= UINT32_MAX ||
	    archive_entry_gid(e) < 0 || archive_entry_gid(e) >= UINT32_MAX)
		return berth_error_fail(err, EINVAL, "owner out of range");

	if (path->len == 0) {
		if (type != AE_IFDIR || hardlink)
			return berth_error_fail(err, EINVAL, "the layer root must be a directory");
		return do_dir(u, e, "", -1, NULL, err);
	}
	const char *name;
	int pfd = open_parent(u, path->buf, &name, err);
	if (pfd < 0)
		return pfd;
	if (strncmp(name, WH_PREFIX, WH_PREFIX_LEN) == 0)
		return do_whiteout(u, pfd, name, err);
	if (hardlink)
		return do_hardlink(u, hardlink, pfd, name, err);

	bool exists;
	switch (type) {
	case AE_IFREG:
		return do_file(u, a, e, pfd, name, err);
	case AE_IFDIR:
		return do_dir(u, e, path->buf, pfd, name, err);
	case AE_IFLNK: {
		const char *target = archive_entry_symlink(e);
		if (!target || !*target)
			return berth_error_fail(err, EINVAL, "symlink without a target");
		if (strnlen(target, u->lim.max_path_len + 1) > u->lim.max_path_len)
			return berth_error_fail(err, ENAMETOOLONG, "symlink target too long");
		r = make_room(pfd, name, false, &exists, err);
		if (r < 0)
			return r;
		/* the target is stored as it is: absolute or not, it
		 * resolves inside the container's root at run time, and
		 * this code never follows it */
		if (symlinkat(target, pfd, name) < 0)
			return berth_error_set(err, errno, "create symlink");
		return set_meta_node(u, e, pfd, name, true, err);
	}
	case AE_IFCHR:
	case AE_IFBLK:
	case AE_IFIFO: {
		if (type != AE_IFIFO && (!(u->flags & LAYER_UNPACK_DEVICES) || geteuid() != 0)) {
			log_debug("entry '%.*s': device node skipped, ignoring", QUOTE_MAX, raw);
			u->n_skipped++;
			return 0;
		}
		r = make_room(pfd, name, false, &exists, err);
		if (r < 0)
			return r;
		dev_t dev = makedev((unsigned)archive_entry_rdevmajor(e),
				    (unsigned)archive_entry_rdevminor(e));
		if (mknodat(pfd, name, type | 0600, type == AE_IFIFO ? 0 : dev) < 0)
			return berth_error_set(err, errno, "create node");
		return set_meta_node(u, e, pfd, name, false, err);
	}
	case AE_IFSOCK:
		u->n_skipped++;
		return 0;
	default:
		return berth_error_fail(err, EINVAL, "unknown entry type 0%o", (unsigned)type);
	}
}

static int apply_deferred_times(struct unpack *u, berth_error_t **err)
{
	for (size_t i = u->n_times; i-- > 0;) {
		struct deferred_time *t = &u->times[i];
		berth_error_t *ignored = NULL;
		int fd = walk_dir(u->dirfd, t->path, false, &ignored);
		berth_error_free(ignored);
		if (fd < 0)
			continue; /* replaced by a later entry */
		char proc[64];
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		int r = utimensat(AT_FDCWD, proc, t->ts, 0);
		int e = errno;
		close(fd);
		if (r < 0)
			return berth_error_set(err, e, "set times of '%.*s'", QUOTE_MAX, t->path);
	}
	return 0;
}

static void limits_default(struct layer_unpack_limits *l)
{
	if (!l->max_entries)
		l->max_entries = 1000000;
	if (!l->max_total_size)
		l->max_total_size = UINT64_C(64) << 30;
	if (!l->max_path_len)
		l->max_path_len = PATH_MAX;
	if (!l->max_name_len)
		l->max_name_len = NAME_MAX;
	if (!l->max_xattr_size)
		l->max_xattr_size = 65536;
	if (!l->max_xattrs_total)
		l->max_xattrs_total = 1 << 20;
}

static void unpack_release(struct unpack *u)
{
	if (u->outer)
		archive_read_free(u->outer);
	digest_hasher_free(u->blob_hasher);
	digest_hasher_free(u->tar_hasher);
	free(u->buf);
	invalidate_parent(u);
	strbuf_release(&u->parent_path);
	for (size_t i = 0; i < u->n_times; i++)
		free(u->times[i].path);
	free(u->times);
}

static void archive_freep(struct archive **a)
{
	if (*a)
		archive_read_free(*a);
}

/* ---- blobs without unpacking ------------------------------------------- */

const char *layer_blob_media_type(int fd)
{
	unsigned char magic[4] = { 0 };
	ssize_t n = pread(fd, magic, sizeof(magic), 0);
	if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b)
		return OCI_MT_LAYER_GZIP;
	if (n >= 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
		return OCI_MT_LAYER_ZSTD;
	return OCI_MT_LAYER;
}

int layer_blob_diff_id(int fd, struct digest *ret, berth_error_t **err)
{
	/* the same filters as unpack_run: a diffID computed here must be the
	 * one an unpack of the same blob computes */
	__attribute__((cleanup(archive_freep))) struct archive *a = archive_read_new();
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_format_raw(a);
	struct archive_entry *e;
	if (archive_read_open_fd(a, fd, READ_BUF_SIZE) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK)
		return berth_error_fail(err, EINVAL, "decompress layer: %s",
					archive_error_string(a) ? archive_error_string(a) :
								  "empty layer");
	cleanup_hasher struct digest_hasher *h = digest_hasher_new();
	const void *blk;
	size_t len;
	la_int64_t off;
	for (;;) {
		int r = archive_read_data_block(a, &blk, &len, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return berth_error_fail(err, EINVAL, "decompress layer: %s",
						archive_error_string(a) ? archive_error_string(a) :
									  "unknown error");
		digest_hasher_update(h, blk, len);
	}
	digest_hasher_final(h, ret);
	return 0;
}

static int archive_fail(struct unpack *u, struct archive *a, const char *what, berth_error_t **err)
{
	if (u->io_what)
		return berth_error_set(err, u->io_errno, "%s", u->io_what);
	if (u->blob_size == 0)
		return berth_error_fail(err, EINVAL, "empty layer");
	const char *s = archive_error_string(a);
	return berth_error_fail(err, EINVAL, "%s: %s", what, s ? s : "unknown error");
}

static int unpack_run(struct unpack *u, const struct layer_unpack_options *opts,
		      struct layer_unpack_result *ret, berth_error_t **err)
{
	u->outer = archive_read_new();
	/* The filters bid on the stream's magic bytes; what is neither gzip
	 * nor zstd is read as it is and must then be a tar */
	archive_read_support_filter_gzip(u->outer);
	archive_read_support_filter_zstd(u->outer);
	archive_read_support_format_raw(u->outer);
	if (archive_read_open(u->outer, u, NULL, outer_read, NULL) != ARCHIVE_OK)
		return archive_fail(u, u->outer, "open layer", err);
	struct archive_entry *raw_entry;
	int r = archive_read_next_header(u->outer, &raw_entry);
	if (r == ARCHIVE_EOF)
		return berth_error_fail(err, EINVAL, "empty layer");
	if (r < ARCHIVE_WARN)
		return archive_fail(u, u->outer, "open layer", err);

	__attribute__((cleanup(archive_freep))) struct archive *tar = archive_read_new();
	archive_read_support_format_tar(tar);
	if (archive_read_open(tar, u, NULL, inner_read, NULL) != ARCHIVE_OK)
		return archive_fail(u, tar, "read tar", err);

	cleanup_strbuf struct strbuf path = STRBUF_INIT;
	for (;;) {
		struct archive_entry *e;
		u->entry = NULL;
		r = archive_read_next_header(tar, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return archive_fail(u, tar, u->n_entries ? "read tar header" : "read tar",
					    err);
		if (r == ARCHIVE_WARN)
			log_debug("tar header: %s, ignoring", archive_error_string(tar));
		if (++u->n_entries > u->lim.max_entries)
			return berth_error_fail(err, E2BIG, "more than %" PRIu64 " entries",
						u->lim.max_entries);
		r = do_entry(u, tar, e, &path, err);
		if (r < 0) {
			if (u->entry)
				return berth_error_wrap(err, "entry '%.*s%s'", QUOTE_MAX, u->entry,
							strlen(u->entry) > QUOTE_MAX ? "..." : "");
			return r;
		}
	}
	/* Bytes after the end-of-archive blocks (padding to a record, junk)
	 * are part of the uncompressed stream the diffID covers */
	const void *dummy;
	while ((r = (int)inner_read(tar, u, &dummy)) > 0)
		;
	if (r < 0)
		return archive_fail(u, tar, "read layer", err);
	if (archive_read_close(u->outer) < ARCHIVE_WARN)
		return archive_fail(u, u->outer, "read layer", err);
	/* The outer reader may stop at the end of the compressed stream;
	 * the blob digest covers what is left in fd too */
	while ((r = (int)outer_read(u->outer, u, &dummy)) > 0)
		;
	if (r < 0)
		return archive_fail(u, u->outer, "read layer", err);

	r = apply_deferred_times(u, err);
	if (r < 0)
		return r;

	struct layer_unpack_result res = { 0 };
	digest_hasher_final(u->tar_hasher, &res.diff_id);
	if (u->blob_hasher)
		digest_hasher_final(u->blob_hasher, &res.blob_digest);
	if (opts && opts->diff_id && digest_verify(opts->diff_id, &res.diff_id, "diffID", err) < 0)
		return berth_error_codep(err);
	res.tar_size = u->tar_size;
	res.blob_size = u->blob_size;
	res.content_size = u->content_size;
	res.n_entries = u->n_entries;
	res.n_skipped = u->n_skipped;
	if (ret)
		*ret = res;
	return 0;
}

int layer_unpack(int fd, int dirfd, const struct layer_unpack_options *opts,
		 struct layer_unpack_result *ret, berth_error_t **err)
{
	struct unpack u = {
		.in_fd = fd,
		.dirfd = dirfd,
		.parent_fd = -1,
		.parent_path = STRBUF_INIT,
		.tar_hasher = digest_hasher_new(),
		.buf = xmalloc(READ_BUF_SIZE),
	};
	if (opts) {
		u.lim = opts->limits;
		u.flags = opts->flags;
	}
	limits_default(&u.lim);
	if (u.flags & LAYER_UNPACK_BLOB_DIGEST)
		u.blob_hasher = digest_hasher_new();
	u.chown = !(u.flags & LAYER_UNPACK_NO_CHOWN) && geteuid() == 0;
	int r = unpack_run(&u, opts, ret, err);
	unpack_release(&u);
	if (r < 0 && opts && opts->name)
		return berth_error_wrap(err, "layer %s", opts->name);
	return r;
}
