/* archive: docker cp (HEAD/GET/PUT /containers/{id}/archive) and docker
 * export over a container's mounted rootfs, with moby's path rules
 * (daemon/archive.go, pkg/archive/copy.go).
 * Invariant: every name in the rootfs is reached either through
 * common/rootfs-path.h (symlinks resolved as if rootfs were "/") or by
 * O_NOFOLLOW *at() calls from such a directory fd; reading never follows a
 * symlink inside the tree, and writing goes through image/layer-unpack.h,
 * which never follows anything.  A PUT body is first checked and rewritten
 * entry by entry into an unnamed temp file, then unpacked from there. */
#include "daemon/containers/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/rootfs-path.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "image/layer-unpack.h"

#include "common/banned.h"

/* Caps: a tree deeper than this is refused (each level holds a directory
 * fd), and so are more entries or longer names than a layer may hold */
#define CP_MAX_DEPTH 256
#define CP_MAX_ENTRIES 1000000
#define CP_MAX_PATH 4096
#define CP_MAX_BODY (64ull << 30)
#define CP_BUF_SIZE (128u << 10)

static void archive_freep(struct archive **a)
{
	if (*a)
		archive_free(*a);
	*a = NULL;
}
#define cleanup_archive __attribute__((cleanup(archive_freep)))

static void entry_freep(struct archive_entry **e)
{
	if (*e)
		archive_entry_free(*e);
	*e = NULL;
}
#define cleanup_entry __attribute__((cleanup(entry_freep)))

/* ---- paths ------------------------------------------------------------- */

/* A requested path as moby reads it: relative paths are under "/"; a
 * trailing "/" or "/." asserts a directory and follows a final symlink;
 * name is what the tar's entries and the stat are named by
 * (filepath.Base of the path with a trailing "/." kept: ".") */
struct cp_path {
	char *abs;  /* "/" + path, as given */
	char *name; /* owned */
	bool follow_last;
};

static void cp_path_release(struct cp_path *p)
{
	free(p->abs);
	free(p->name);
}

static int cp_path_parse(const char *path, struct cp_path *ret, berth_error_t **err)
{
	if (path == NULL || *path == '\0')
		return berth_error_fail(err, EINVAL, "path must not be empty");
	size_t len = strlen(path);
	if (len > CP_MAX_PATH)
		return berth_error_fail(err, ENAMETOOLONG, "path is longer than %d bytes",
					CP_MAX_PATH);
	bool dot = strcmp(path, ".") == 0 || (len >= 2 && strcmp(path + len - 2, "/.") == 0);
	bool slash = path[len - 1] == '/';
	/* the base: the last non-empty component that is not the final "." */
	const char *end = path + len;
	if (dot)
		end -= 1;
	while (end > path && end[-1] == '/')
		end--;
	const char *start = end;
	while (start > path && start[-1] != '/')
		start--;
	*ret = (struct cp_path){
		.abs = path[0] == '/' ? xstrdup(path) : xasprintf("/%s", path),
		.name = dot          ? xstrdup(".") :
			start == end ? xstrdup(".") :
				       xstrndup(start, (size_t)(end - start)),
		.follow_last = dot || slash,
	};
	return 0;
}

static int open_root(const char *rootfs, berth_error_t **err)
{
	int fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_set(err, errno, "open container rootfs '%s'", rootfs);
	return fd;
}

static int not_found(berth_error_t **err, const char *path)
{
	return berth_error_fail(err, ENOENT, "Could not find the file %s in container", path);
}

/* The requested node: its parent directory opened for reading, its name
 * in that directory ("." for the root), and its lstat */
struct cp_node {
	int parentfd;
	char *base;
	struct stat st;
	char *resolved; /* canonical in the container, "/a/b" */
};

static void cp_node_release(struct cp_node *n)
{
	if (n->parentfd >= 0)
		close(n->parentfd);
	n->parentfd = -1;
	free(n->base);
	free(n->resolved);
}

static int cp_node_open(int rootfd, const struct cp_path *p, struct cp_node *ret,
			berth_error_t **err)
{
	cleanup_free char *resolved = NULL;
	int r = root_resolve(rootfd, p->abs, p->follow_last ? 0 : ROOT_NO_FOLLOW_LAST, &resolved,
			     err);
	if (r < 0)
		return r == -ENOENT ? not_found(err, p->abs) : r;
	const char *slash = strrchr(resolved, '/');
	cleanup_free char *dir = slash && slash != resolved ?
					 xstrndup(resolved, (size_t)(slash - resolved)) :
					 xstrdup("/");
	cleanup_free char *base = slash && slash[1] ? xstrdup(slash + 1) : xstrdup(".");
	berth_error_t *e2 = NULL;
	cleanup_close int pfd = root_open(rootfd, dir, O_RDONLY | O_DIRECTORY, 0, 0, &e2);
	if (pfd < 0) {
		int code = e2->errnum;
		berth_error_free(e2);
		if (code == ENOENT || code == ENOTDIR)
			return not_found(err, p->abs);
		return berth_error_set(err, code, "open '%s' in the container", dir);
	}
	struct stat st;
	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return not_found(err, p->abs);
		return berth_error_set(err, errno, "stat '%s' in the container", resolved);
	}
	/* a trailing "/" or "/." asserts a directory, as in moby */
	if (p->follow_last && !S_ISDIR(st.st_mode))
		return berth_error_fail(err, ENOTDIR, "%s: not a directory", p->abs);
	*ret = (struct cp_node){ .parentfd = take_fd(&pfd),
				 .base = steal_pointer(&base),
				 .st = st,
				 .resolved = steal_pointer(&resolved) };
	return 0;
}

/* ---- stat ---------------------------------------------------------------- */

/* Go's os.FileMode: permission bits plus type and special bits high up */
static uint32_t go_file_mode(mode_t m)
{
	uint32_t v = m & 0777;
	switch (m & S_IFMT) {
	case S_IFDIR:
		v |= 1u << 31;
		break;
	case S_IFLNK:
		v |= 1u << 27;
		break;
	case S_IFBLK:
		v |= 1u << 26;
		break;
	case S_IFCHR:
		v |= 1u << 26 | 1u << 21;
		break;
	case S_IFIFO:
		v |= 1u << 25;
		break;
	case S_IFSOCK:
		v |= 1u << 24;
		break;
	default:
		break;
	}
	if (m & S_ISUID)
		v |= 1u << 23;
	if (m & S_ISGID)
		v |= 1u << 22;
	if (m & S_ISVTX)
		v |= 1u << 20;
	return v;
}

/* Go's time.Time JSON form: RFC3339 with the fraction's trailing zeros cut */
static char *go_time(const struct timespec *ts)
{
	struct tm tm;
	char base[32];
	if (gmtime_r(&ts->tv_sec, &tm) == NULL ||
	    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		return xstrdup("0001-01-01T00:00:00Z");
	if (ts->tv_nsec == 0)
		return xasprintf("%sZ", base);
	char frac[16];
	snprintf(frac, sizeof(frac), "%09ld", (long)ts->tv_nsec);
	for (size_t i = strlen(frac); i > 0 && frac[i - 1] == '0'; i--)
		frac[i - 1] = '\0';
	return xasprintf("%s.%sZ", base, frac);
}

static json_t *stat_json(int rootfd, const struct cp_path *p, const struct cp_node *n)
{
	cleanup_free char *mtime = go_time(&n->st.st_mtim);
	cleanup_free char *target = NULL;
	if (S_ISLNK(n->st.st_mode)) {
		/* moby: the link fully resolved inside the container */
		if (root_resolve(rootfd, n->resolved, 0, &target, NULL) < 0)
			target = xstrdup("");
	}
	return json_pack("{s:s,s:I,s:I,s:s,s:s}", "name", p->name, "size",
			 (json_int_t)n->st.st_size, "mode", (json_int_t)go_file_mode(n->st.st_mode),
			 "mtime", mtime, "linkTarget", target ? target : "");
}

int archive_stat(const char *rootfs, const char *path, json_t **ret, berth_error_t **err)
{
	cleanup_close int rootfd = open_root(rootfs, err);
	if (rootfd < 0)
		return rootfd;
	struct cp_path p;
	int r = cp_path_parse(path, &p, err);
	if (r < 0)
		return r;
	struct cp_node n = { .parentfd = -1 };
	r = cp_node_open(rootfd, &p, &n, err);
	if (r == 0) {
		*ret = stat_json(rootfd, &p, &n);
		cp_node_release(&n);
	}
	cp_path_release(&p);
	return r;
}

static void add_stat_header(struct http_ctx *h, const json_t *stat)
{
	cleanup_free char *s = json_dumps(stat, JSON_COMPACT);
	size_t len = strlen(s);
	cleanup_free unsigned char *b64 = xmalloc(4 * ((len + 2) / 3) + 1);
	EVP_EncodeBlock(b64, (const unsigned char *)s, (int)len);
	http_add_header(h, "X-Docker-Container-Path-Stat", (const char *)b64);
}

int archive_head(struct http_ctx *h, const char *rootfs, const char *path, berth_error_t **err)
{
	cleanup_json json_t *stat = NULL;
	int r = archive_stat(rootfs, path, &stat, err);
	if (r < 0)
		return r;
	add_stat_header(h, stat);
	http_reply_empty(h, 200);
	return 0;
}

/* ---- writing a tar ------------------------------------------------------- */

struct tar_writer {
	struct http_ctx *h; /* not owned */
	struct archive *a;
	struct archive_entry_linkresolver *links;
	dev_t root_dev;
	uint64_t n_entries;
	char *buf;
};

static la_ssize_t tar_out(struct archive *a, void *ud, const void *buf, size_t len)
{
	struct tar_writer *w = ud;
	if (http_stream_write(w->h, buf, len) < 0) {
		archive_set_error(a, EPIPE, "the client went away");
		return -1;
	}
	return (la_ssize_t)len;
}

static int tar_fail(struct tar_writer *w, const char *what, berth_error_t **err)
{
	int e = archive_errno(w->a);
	return berth_error_fail(err, e > 0 ? e : EIO, "%s: %s", what,
				archive_error_string(w->a) ? archive_error_string(w->a) :
							     "tar error");
}

static int tar_data(struct tar_writer *w, int fd, off_t size, const char *name, berth_error_t **err)
{
	/* at most the size in the header: a file growing meanwhile is cut,
	 * one shrinking is padded by libarchive */
	while (size > 0) {
		size_t want = size > (off_t)CP_BUF_SIZE ? CP_BUF_SIZE : (size_t)size;
		ssize_t n = read(fd, w->buf, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berth_error_set(err, errno, "read '%s'", name);
		if (n == 0)
			break;
		if (archive_write_data(w->a, w->buf, (size_t)n) < 0)
			return tar_fail(w, "write tar", err);
		size -= n;
	}
	return 0;
}

static int tar_node(struct tar_writer *w, int dirfd, const char *name, const char *tarname,
		    int depth, berth_error_t **err);

static int tar_dir_children(struct tar_writer *w, int dirfd, const char *name, const char *tarname,
			    int depth, berth_error_t **err)
{
	if (depth >= CP_MAX_DEPTH)
		return berth_error_fail(err, ELOOP, "'%s' is nested more than %d levels deep",
					tarname, CP_MAX_DEPTH);
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berth_error_set(err, errno, "open directory '%s'", tarname);
	cleanup_dir DIR *d = fdopendir(fd);
	if (d == NULL) {
		int e = errno;
		close(fd);
		return berth_error_set(err, e, "open directory '%s'", tarname);
	}
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(d);
		if (de == NULL) {
			if (errno)
				return berth_error_set(err, errno, "read directory '%s'", tarname);
			return 0;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		cleanup_free char *child = *tarname ? xasprintf("%s/%s", tarname, de->d_name) :
						      xstrdup(de->d_name);
		int r = tar_node(w, fd, de->d_name, child, depth + 1, err);
		if (r < 0)
			return r;
	}
}

static int tar_node(struct tar_writer *w, int dirfd, const char *name, const char *tarname,
		    int depth, berth_error_t **err)
{
	if (++w->n_entries > CP_MAX_ENTRIES)
		return berth_error_fail(err, EFBIG, "more than %d entries", CP_MAX_ENTRIES);
	if (strlen(tarname) > CP_MAX_PATH)
		return berth_error_fail(err, ENAMETOOLONG, "'%.256s...' is too long", tarname);
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0; /* removed while we walk: as tar does */
		return berth_error_set(err, errno, "stat '%s'", tarname);
	}
	if (S_ISSOCK(st.st_mode))
		return 0; /* a tar cannot hold a socket */
	cleanup_entry struct archive_entry *e = archive_entry_new();
	archive_entry_copy_stat(e, &st);
	archive_entry_set_pathname(e, tarname);
	cleanup_close int fd = -1;
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX + 1];
		ssize_t n = readlinkat(dirfd, name, target, PATH_MAX);
		if (n < 0)
			return berth_error_set(err, errno, "read link '%s'", tarname);
		target[n] = '\0';
		archive_entry_set_symlink(e, target);
	} else if (S_ISREG(st.st_mode)) {
		/* O_NOFOLLOW: the name was a file at fstatat; if it is a
		 * symlink now, refuse rather than read what it points to */
		fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			return berth_error_set(err, errno, "open '%s'", tarname);
	}
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
		struct archive_entry *spare = NULL;
		archive_entry_linkify(w->links, &e, &spare);
		if (spare)
			archive_entry_free(spare);
		if (e == NULL)
			return 0;
	}
	if (archive_write_header(w->a, e) < ARCHIVE_WARN)
		return tar_fail(w, "write tar", err);
	if (fd >= 0 && archive_entry_hardlink(e) == NULL) {
		int r = tar_data(w, fd, st.st_size, tarname, err);
		if (r < 0)
			return r;
	}
	if (archive_write_finish_entry(w->a) < ARCHIVE_WARN)
		return tar_fail(w, "write tar", err);
	/* another file system (a mount point) is kept as an empty directory */
	if (S_ISDIR(st.st_mode) && st.st_dev == w->root_dev)
		return tar_dir_children(w, dirfd, name, tarname, depth, err);
	return 0;
}

/* Stream the tar of name in dirfd (with children_only, of what it holds,
 * without the directory itself), entries named from tarname ("" for no
 * prefix), as the body of a 200 that the caller's headers go with */
static void tar_stream(struct http_ctx *h, int dirfd, const char *name, const char *tarname,
		       dev_t root_dev, bool children_only)
{
	struct tar_writer w = { .h = h, .root_dev = root_dev };
	cleanup_archive struct archive *a = archive_write_new();
	w.a = a;
	w.buf = xmalloc(CP_BUF_SIZE);
	w.links = archive_entry_linkresolver_new();
	archive_write_set_format_pax_restricted(a);
	archive_entry_linkresolver_set_strategy(w.links, archive_format(a));
	cleanup_error berth_error_t *err = NULL;
	http_stream_begin(h, 200, "application/x-tar");
	int r = -1;
	if (archive_write_open2(a, &w, NULL, tar_out, NULL, NULL) != ARCHIVE_OK)
		tar_fail(&w, "start tar", &err);
	else if (children_only)
		r = tar_dir_children(&w, dirfd, name, tarname, 0, &err);
	else
		r = tar_node(&w, dirfd, name, tarname, 0, &err);
	if (r == 0 && archive_write_close(a) != ARCHIVE_OK)
		r = tar_fail(&w, "finish tar", &err);
	if (r < 0)
		/* the status is sent: a short tar is all the client can see */
		log_debug("archive: tar of '%s' cut short: %s", tarname, err->msg);
	else
		http_stream_end(h);
	archive_entry_linkresolver_free(w.links);
	free(w.buf);
}

int archive_get(struct http_ctx *h, const char *rootfs, const char *path, berth_error_t **err)
{
	cleanup_close int rootfd = open_root(rootfs, err);
	if (rootfd < 0)
		return rootfd;
	struct cp_path p;
	int r = cp_path_parse(path, &p, err);
	if (r < 0)
		return r;
	struct cp_node n = { .parentfd = -1 };
	r = cp_node_open(rootfd, &p, &n, err);
	if (r == 0) {
		cleanup_json json_t *stat = stat_json(rootfd, &p, &n);
		add_stat_header(h, stat);
		/* the walk stays on the node's own file system: a volume
		 * copied by name is walked, mounts below it are not */
		tar_stream(h, n.parentfd, n.base, p.name, n.st.st_dev, false);
		cp_node_release(&n);
	}
	cp_path_release(&p);
	return r;
}

int archive_export(struct http_ctx *h, const char *rootfs, berth_error_t **err)
{
	cleanup_close int rootfd = open_root(rootfs, err);
	if (rootfd < 0)
		return rootfd;
	cleanup_close int dirfd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	if (dirfd < 0 || fstat(dirfd, &st) < 0)
		return berth_error_set(err, errno, "open container rootfs '%s'", rootfs);
	/* docker export names entries without a "./" prefix: the children of
	 * the root, not the root itself */
	tar_stream(h, dirfd, ".", "", st.st_dev, true);
	return 0;
}

/* ---- extracting ---------------------------------------------------------- */

/* The unnamed temp file a PUT body is checked into: beside the rootfs (the
 * data root's file system, which has room for what the container writes),
 * else /var/tmp */
static int spool_open(const char *rootfs, berth_error_t **err)
{
	cleanup_free char *dir = xstrdup(rootfs);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir)
		*slash = '\0';
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		fd = open("/var/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return berth_error_set(err, errno, "create a temp file for the archive");
	return fd;
}

struct put_reader {
	struct http_ctx *h; /* not owned */
	char *buf;
	uint64_t total;
	berth_error_t *err; /* a body read failure, for the message */
};

static la_ssize_t body_in(struct archive *a, void *ud, const void **ret)
{
	struct put_reader *r = ud;
	ssize_t n = http_body_read(r->h, r->buf, CP_BUF_SIZE, &r->err);
	if (n < 0) {
		archive_set_error(a, EIO, "read request body");
		return -1;
	}
	r->total += (uint64_t)n;
	if (r->total > CP_MAX_BODY) {
		archive_set_error(a, EFBIG, "archive is over %llu bytes",
				  (unsigned long long)CP_MAX_BODY);
		return -1;
	}
	*ret = r->buf;
	return n;
}

/* One clean relative name ("a/b") of an entry, or an error for names that
 * leave the destination ("..") */
static int clean_name(const char *raw, struct strbuf *out, berth_error_t **err)
{
	strbuf_reset(out);
	if (strnlen(raw, CP_MAX_PATH + 1) > CP_MAX_PATH)
		return berth_error_fail(err, ENAMETOOLONG, "entry name is longer than %d bytes",
					CP_MAX_PATH);
	const char *p = raw;
	while (*p) {
		while (*p == '/')
			p++;
		const char *end = strchrnul(p, '/');
		size_t len = (size_t)(end - p);
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return berth_error_fail(err, EINVAL,
						"entry '%.256s' points outside the destination",
						raw);
		if (len > 0 && !(len == 1 && p[0] == '.')) {
			if (out->len)
				strbuf_addch(out, '/');
			strbuf_add(out, p, len);
		}
		p = end;
	}
	return 0;
}

/* moby's NoOverwriteDirNonDir, checked against what is there now: the
 * parents are walked without following anything (the unpack refuses
 * symlinked parents anyway) */
static int check_overwrite(int destfd, const char *name, bool is_dir, berth_error_t **err)
{
	cleanup_close int fd = openat(destfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	const char *p = name;
	for (;;) {
		const char *slash = strchr(p, '/');
		if (slash == NULL)
			break;
		cleanup_free char *comp = xstrndup(p, (size_t)(slash - p));
		int nfd = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0)
			return 0; /* a parent that is not there yet: nothing to overwrite */
		close(fd);
		fd = nfd;
		p = slash + 1;
	}
	struct stat st;
	if (fd < 0 || fstatat(fd, p, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (S_ISDIR(st.st_mode) && !is_dir)
		return berth_error_fail(
			err, EINVAL, "cannot overwrite directory \"%s\" with non-directory \"%s\"",
			name, name);
	if (!S_ISDIR(st.st_mode) && is_dir)
		return berth_error_fail(
			err, EINVAL, "cannot overwrite non-directory \"%s\" with directory \"%s\"",
			name, name);
	return 0;
}

/* One entry of the body: refused, dropped, or copied to the spool tar */
static int put_entry(struct archive *in, struct archive *out, struct archive_entry *e, int destfd,
		     bool no_overwrite, struct strbuf *name, char *buf, berth_error_t **err)
{
	const char *raw = archive_entry_pathname(e);
	if (raw == NULL)
		return berth_error_fail(err, EINVAL, "an entry has no name");
	int r = clean_name(raw, name, err);
	if (r < 0)
		return r;
	/* moby skips the destination itself ("." over a directory): its
	 * mode and owner are not the tar's to change */
	if (name->len == 0)
		return 0;
	const char *base = strrchr(name->buf, '/');
	base = base ? base + 1 : name->buf;
	/* the unpacker turns .wh. names into overlay whiteouts; a copy must
	 * never hide files in the container */
	if (strncmp(base, ".wh.", 4) == 0)
		return berth_error_fail(err, EINVAL,
					"entry '%.256s': names starting with .wh. are reserved",
					raw);
	const char *link = archive_entry_hardlink(e);
	if (link) {
		struct strbuf ln;
		strbuf_init(&ln, 0);
		r = clean_name(link, &ln, err);
		if (r == 0 && ln.len == 0)
			r = berth_error_fail(err, EINVAL,
					     "entry '%.256s': hard link to the destination", raw);
		if (r == 0)
			archive_entry_copy_hardlink(e, ln.buf);
		strbuf_release(&ln);
		if (r < 0)
			return r;
	}
	bool is_dir = archive_entry_filetype(e) == AE_IFDIR && link == NULL;
	if (no_overwrite && (r = check_overwrite(destfd, name->buf, is_dir, err)) < 0)
		return r;
	archive_entry_copy_pathname(e, name->buf);
	if (archive_write_header(out, e) < ARCHIVE_WARN)
		return berth_error_fail(err, EIO, "spool archive: %s", archive_error_string(out));
	for (;;) {
		la_ssize_t n = archive_read_data(in, buf, CP_BUF_SIZE);
		if (n < 0)
			return berth_error_fail(err, EINVAL, "entry '%.256s': %s", raw,
						archive_error_string(in));
		if (n == 0)
			break;
		if (archive_write_data(out, buf, (size_t)n) < 0)
			return berth_error_fail(err, EIO, "spool archive: %s",
						archive_error_string(out));
	}
	return 0;
}

/* Read the body's tar, check every entry and write the ones to extract
 * into the spool fd as a plain tar */
static int put_spool(struct http_ctx *h, int destfd, int spoolfd, bool no_overwrite,
		     berth_error_t **err)
{
	struct put_reader rd = { .h = h, .buf = xmalloc(CP_BUF_SIZE) };
	cleanup_free char *buf = xmalloc(CP_BUF_SIZE);
	cleanup_archive struct archive *in = archive_read_new();
	cleanup_archive struct archive *out = archive_write_new();
	/* docker cp sends a plain tar; the CLI's -a and compressed bodies
	 * from other clients are read too, as moby's DecompressStream */
	archive_read_support_format_tar(in);
	archive_read_support_format_gnutar(in);
	archive_read_support_filter_gzip(in);
	archive_read_support_filter_bzip2(in);
	archive_read_support_filter_xz(in);
	archive_read_support_filter_zstd(in);
	archive_write_set_format_pax_restricted(out);
	struct strbuf name;
	strbuf_init(&name, 0);
	int r = 0;
	if (archive_read_open(in, &rd, NULL, body_in, NULL) != ARCHIVE_OK) {
		r = berth_error_fail(err, EINVAL, "read archive: %s", archive_error_string(in));
		goto out;
	}
	if (archive_write_open_fd(out, spoolfd) != ARCHIVE_OK) {
		r = berth_error_fail(err, EIO, "spool archive: %s", archive_error_string(out));
		goto out;
	}
	for (uint64_t n = 0;; n++) {
		struct archive_entry *e;
		int ar = archive_read_next_header(in, &e);
		if (ar == ARCHIVE_EOF)
			break;
		if (ar < ARCHIVE_WARN) {
			r = berth_error_fail(err, rd.err ? rd.err->errnum : EINVAL,
					     "read archive: %s%s%s", archive_error_string(in),
					     rd.err ? ": " : "", rd.err ? rd.err->msg : "");
			goto out;
		}
		if (n >= CP_MAX_ENTRIES) {
			r = berth_error_fail(err, EFBIG, "archive has more than %d entries",
					     CP_MAX_ENTRIES);
			goto out;
		}
		if ((r = put_entry(in, out, e, destfd, no_overwrite, &name, buf, err)) < 0)
			goto out;
	}
	if (archive_write_close(out) != ARCHIVE_OK)
		r = berth_error_fail(err, EIO, "spool archive: %s", archive_error_string(out));
out:
	strbuf_release(&name);
	berth_error_free(rd.err);
	free(rd.buf);
	return r;
}

/* The destination: an existing directory, symlinks followed inside rootfs */
static int put_dest(int rootfd, const char *path, berth_error_t **err)
{
	struct cp_path p;
	int r = cp_path_parse(path, &p, err);
	if (r < 0)
		return r;
	berth_error_t *e2 = NULL;
	int fd = root_open(rootfd, p.abs, O_PATH, 0, 0, &e2);
	if (fd < 0) {
		int code = e2->errnum;
		berth_error_free(e2);
		r = code == ENOENT || code == ENOTDIR ?
			    not_found(err, p.abs) :
			    berth_error_set(err, code, "open '%s' in the container", p.abs);
		cp_path_release(&p);
		return r;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)) {
		close(fd);
		cp_path_release(&p);
		return berth_error_fail(err, ENOTDIR, "extraction point is not a directory");
	}
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int e = errno;
	close(fd);
	cp_path_release(&p);
	if (dfd < 0)
		return berth_error_set(err, e, "open the destination");
	return dfd;
}

int archive_put(struct http_ctx *h, const char *rootfs, const char *path,
		bool no_overwrite_dir_non_dir, bool copy_uidgid, berth_error_t **err)
{
	cleanup_close int rootfd = open_root(rootfs, err);
	if (rootfd < 0)
		return rootfd;
	cleanup_close int destfd = put_dest(rootfd, path, err);
	if (destfd < 0)
		return destfd;
	cleanup_close int spool = spool_open(rootfs, err);
	if (spool < 0)
		return spool;
	int r = put_spool(h, destfd, spool, no_overwrite_dir_non_dir, err);
	if (r < 0)
		return r;
	if (lseek(spool, 0, SEEK_SET) < 0)
		return berth_error_set(err, errno, "rewind the spooled archive");
	/* Without copyUIDGID docker leaves the daemon's owner (root) on the
	 * files.  Device nodes are created as moby's untar does for a root
	 * daemon: the container's device cgroup decides whether they open */
	struct layer_unpack_options uo = {
		.flags = LAYER_UNPACK_DEVICES | (copy_uidgid ? 0 : LAYER_UNPACK_NO_CHOWN),
		.name = "archive",
	};
	r = layer_unpack(spool, destfd, &uo, NULL, err);
	if (r < 0)
		return berth_error_wrap(err, "extract to '%s'", path);
	http_reply_empty(h, 200);
	return 0;
}
