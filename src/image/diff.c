/* diff: what a container changed, read from its overlay upper dir: the
 * A/C/D list of `docker diff`, and the upper as a layer tar for commit
 * (whiteout devices and opaque xattrs turned back into `.wh.` entries).
 * Invariant: the upper is walked by fds from its root with O_NOFOLLOW, in
 * sorted order, so a symlink a container left there is never followed and
 * the same upper always gives the same tar bytes (the same diffID). */
#include "image/overlay.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#include "image/layer-unpack.h"

#include "common/banned.h"

#define OPAQUE_XATTR "trusted.overlay.opaque"
#define MAX_DEPTH 2048
#define XATTR_LIST_MAX_SIZE 65536

static bool is_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static bool dir_opaque(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return false;
	char v[2];
	ssize_t n = fgetxattr(fd, OPAQUE_XATTR, v, sizeof(v));
	close(fd);
	return n == 1 && v[0] == 'y';
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of a directory, without . and .. */
static int read_names(int dfd, char ***ret, size_t *ret_n, berth_error_t **err)
{
	cleanup_dir DIR *d = layer_opendir_at(dfd, ".", 0);
	if (!d)
		return berth_error_set(err, errno, "open directory");
	char **v = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *de;
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de)
			break;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		v = xgrow(v, &alloc, n + 2, sizeof(*v));
		v[n++] = xstrdup(de->d_name);
		v[n] = NULL;
	}
	int e = errno;
	if (!v)
		v = xcalloc(1, sizeof(*v));
	if (e) {
		cleanup_strvp(&v);
		return berth_error_set(err, e, "read directory");
	}
	qsort(v, n, sizeof(*v), cmp_names);
	*ret = v;
	*ret_n = n;
	return 0;
}

/* Open the directory rel below dirfd, one component at a time, following
 * no symlink: a layer's symlinks point into the container, not here.
 * -1 when any component is missing or not a directory. */
static int open_dir_nofollow(int dirfd, const char *rel)
{
	int cur = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	const char *p = rel;
	while (cur >= 0 && *p) {
		const char *end = strchrnul(p, '/');
		char comp[NAME_MAX + 1];
		size_t len = (size_t)(end - p);
		if (len == 0 || len > NAME_MAX) {
			close(cur);
			return -1;
		}
		memcpy(comp, p, len);
		comp[len] = '\0';
		int nfd = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(cur);
		cur = nfd;
		p = *end ? end + 1 : end;
	}
	return cur;
}

/* ---- the lowers' merged view ------------------------------------------- */

struct lower_set {
	int *fds; /* topmost first, O_PATH dirs */
	size_t n;
};

/* Look rel ("etc/passwd") up as overlayfs would in the lowers alone: the
 * topmost layer that has it wins; a whiteout, or a non-directory or an
 * opaque directory on the way, hides the layers below.  1 found (*ret
 * filled), 0 absent. */
static int lower_lookup(const struct lower_set *ls, const char *rel, struct stat *ret)
{
	for (size_t i = 0; i < ls->n; i++) {
		bool stop = false;
		cleanup_close int owned = -1;
		int cur = ls->fds[i];
		const char *p = rel;
		for (;;) {
			const char *end = strchrnul(p, '/');
			char comp[NAME_MAX + 1];
			size_t len = (size_t)(end - p);
			if (len == 0 || len > NAME_MAX)
				return 0;
			memcpy(comp, p, len);
			comp[len] = '\0';
			struct stat st;
			if (fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) < 0)
				break; /* not in this layer */
			if (is_whiteout(&st))
				return 0;
			if (!*end) {
				*ret = st;
				return 1;
			}
			if (!S_ISDIR(st.st_mode))
				return 0;
			if (dir_opaque(cur, comp))
				stop = true;
			int nfd = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (nfd < 0)
				break;
			if (owned >= 0)
				close(owned);
			owned = nfd;
			cur = nfd;
			p = end + 1;
		}
		if (stop)
			return 0;
	}
	return 0;
}

/* ---- diff ---------------------------------------------------------------- */

struct diff_ctx {
	struct lower_set ls;
	struct overlay_changes *out;
	struct strbuf path; /* "/a/b" of the entry being looked at */
};

static void add_change(struct overlay_changes *c, enum overlay_change_kind kind, const char *path)
{
	c->v = xgrow(c->v, &c->alloc, c->n + 1, sizeof(*c->v));
	c->v[c->n].kind = kind;
	c->v[c->n].path = xstrdup(path);
	c->n++;
}

static bool meta_differs(const struct stat *a, const struct stat *b)
{
	return a->st_mode != b->st_mode || a->st_uid != b->st_uid || a->st_gid != b->st_gid ||
	       a->st_mtim.tv_sec != b->st_mtim.tv_sec || a->st_mtim.tv_nsec != b->st_mtim.tv_nsec;
}

/* An opaque upper dir at rel hides every lower entry below it: each name
 * the lowers show there and the upper lacks is deleted */
static int add_hidden(struct diff_ctx *c, int upper_dfd, const char *rel, berth_error_t **err)
{
	for (size_t i = 0; i < c->ls.n; i++) {
		cleanup_close int fd = open_dir_nofollow(c->ls.fds[i], rel);
		if (fd < 0)
			continue; /* absent here, or reached through a symlink */
		cleanup_strv char **names = NULL;
		size_t n = 0;
		int r = read_names(fd, &names, &n, err);
		if (r < 0)
			return r;
		for (size_t j = 0; j < n; j++) {
			struct stat st;
			if (fstatat(upper_dfd, names[j], &st, AT_SYMLINK_NOFOLLOW) == 0)
				continue;
			cleanup_free char *child = xasprintf("%s/%s", rel, names[j]);
			if (lower_lookup(&c->ls, child, &st)) {
				cleanup_free char *abs = xasprintf("/%s", child);
				add_change(c->out, OVERLAY_CHANGE_DELETE, abs);
			}
		}
	}
	return 0;
}

static int diff_walk(struct diff_ctx *c, int dfd, bool hidden_below, int depth, berth_error_t **err)
{
	if (depth > MAX_DEPTH)
		return berth_error_fail(err, ELOOP, "'%s': tree too deep", c->path.buf);
	cleanup_strv char **names = NULL;
	size_t n = 0;
	int r = read_names(dfd, &names, &n, err);
	if (r < 0)
		return berth_error_wrap(err, "'%s'", c->path.len ? c->path.buf : "/");
	size_t save = c->path.len;
	for (size_t i = 0; i < n; i++) {
		strbuf_setlen(&c->path, save);
		strbuf_addch(&c->path, '/');
		strbuf_addstr(&c->path, names[i]);
		const char *rel = c->path.buf + 1;
		struct stat st, lst;
		if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue; /* gone while we looked */
			return berth_error_set(err, errno, "stat '%s'", c->path.buf);
		}
		if (is_whiteout(&st)) {
			add_change(c->out, OVERLAY_CHANGE_DELETE, c->path.buf);
			continue;
		}
		bool found = !hidden_below && lower_lookup(&c->ls, rel, &lst);
		bool opaque = false;
		if (!found) {
			add_change(c->out, OVERLAY_CHANGE_ADD, c->path.buf);
		} else if (S_ISDIR(st.st_mode) && S_ISDIR(lst.st_mode)) {
			opaque = dir_opaque(dfd, names[i]);
			if (opaque || meta_differs(&st, &lst))
				add_change(c->out, OVERLAY_CHANGE_MODIFY, c->path.buf);
		} else {
			add_change(c->out, OVERLAY_CHANGE_MODIFY, c->path.buf);
		}
		if (!S_ISDIR(st.st_mode))
			continue;
		cleanup_close int child =
			openat(dfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (child < 0)
			return berth_error_set(err, errno, "open '%s'", c->path.buf);
		if (opaque) {
			cleanup_free char *rel_copy = xstrdup(rel);
			r = add_hidden(c, child, rel_copy, err);
			if (r < 0)
				return r;
		}
		r = diff_walk(c, child, hidden_below || opaque || (found && !S_ISDIR(lst.st_mode)),
			      depth + 1, err);
		if (r < 0)
			return r;
	}
	strbuf_setlen(&c->path, save);
	return 0;
}

static int cmp_changes(const void *a, const void *b)
{
	const struct overlay_change *x = a, *y = b;
	int r = strcmp(x->path, y->path);
	return r ? r : (int)x->kind - (int)y->kind;
}

void overlay_changes_release(struct overlay_changes *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].path);
	free(c->v);
	c->v = NULL;
	c->n = c->alloc = 0;
}

int overlay_diff(const char *upper, const char *const *lowers, size_t n_lowers,
		 struct overlay_changes *ret, berth_error_t **err)
{
	struct overlay_changes out = { 0 };
	struct diff_ctx c = { .out = &out, .path = STRBUF_INIT };
	c.ls.fds = xcalloc(n_lowers ? n_lowers : 1, sizeof(int));
	cleanup_close int ufd = -1;
	int r = 0;
	for (size_t i = 0; i < n_lowers; i++)
		c.ls.fds[i] = -1;
	for (size_t i = 0; i < n_lowers; i++) {
		c.ls.fds[i] = open(lowers[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (c.ls.fds[i] < 0) {
			r = berth_error_set(err, errno, "open lower '%s'", lowers[i]);
			goto out;
		}
		c.ls.n++;
	}
	ufd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ufd < 0) {
		r = berth_error_set(err, errno, "open upper '%s'", upper);
		goto out;
	}
	r = diff_walk(&c, ufd, false, 0, err);
	if (r < 0)
		goto out;
	qsort(out.v, out.n, sizeof(*out.v), cmp_changes);
	/* an opaque dir's hidden names may come from several layers */
	size_t k = 0;
	for (size_t i = 0; i < out.n; i++) {
		if (k > 0 && strcmp(out.v[k - 1].path, out.v[i].path) == 0) {
			free(out.v[i].path);
			continue;
		}
		out.v[k++] = out.v[i];
	}
	out.n = k;
	*ret = out;
	out = (struct overlay_changes){ 0 };
out:
	for (size_t i = 0; i < c.ls.n; i++)
		close(c.ls.fds[i]);
	free(c.ls.fds);
	strbuf_release(&c.path);
	overlay_changes_release(&out);
	return r;
}

/* ---- export -------------------------------------------------------------- */

struct hardlink_seen {
	dev_t dev;
	ino_t ino;
	char *path;
};

struct export_ctx {
	struct archive *a;
	int out_fd;
	int io_errno;
	struct digest_hasher *h;
	struct strbuf path; /* "a/b" of the entry, no leading slash */
	struct hardlink_seen *links;
	size_t n_links, alloc_links;
};

static la_ssize_t export_write(struct archive *a, void *ud, const void *buf, size_t len)
{
	struct export_ctx *x = ud;
	const char *p = buf;
	size_t left = len;
	while (left > 0) {
		ssize_t n = write(x->out_fd, p, left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			x->io_errno = errno;
			archive_set_error(a, errno, "write layer");
			return -1;
		}
		p += n;
		left -= (size_t)n;
	}
	digest_hasher_update(x->h, buf, len);
	return (la_ssize_t)len;
}

static int archive_err(struct export_ctx *x, const char *what, berth_error_t **err)
{
	if (x->io_errno)
		return berth_error_set(err, x->io_errno, "%s", what);
	const char *s = archive_error_string(x->a);
	return berth_error_fail(err, EIO, "%s: %s", what, s ? s : "unknown error");
}

/* Copy xattrs (but overlay's own) from fd into e */
static int add_xattrs(struct archive_entry *e, int fd, bool *ret_opaque, berth_error_t **err)
{
	*ret_opaque = false;
	char list[XATTR_LIST_MAX_SIZE];
	ssize_t n = flistxattr(fd, list, sizeof(list));
	if (n < 0) {
		if (errno == EOPNOTSUPP)
			return 0;
		return berth_error_set(err, errno, "list xattrs");
	}
	cleanup_free char *value = xmalloc(XATTR_LIST_MAX_SIZE);
	for (char *name = list; name < list + n; name += strlen(name) + 1) {
		if (strncmp(name, "trusted.overlay.", 16) == 0) {
			if (strcmp(name, OPAQUE_XATTR) == 0) {
				char v[2];
				*ret_opaque = fgetxattr(fd, name, v, sizeof(v)) == 1 && v[0] == 'y';
			}
			continue;
		}
		ssize_t len = fgetxattr(fd, name, value, XATTR_LIST_MAX_SIZE);
		if (len < 0) {
			if (errno == ENODATA)
				continue;
			return berth_error_set(err, errno, "get xattr '%s'", name);
		}
		archive_entry_xattr_add_entry(e, name, value, (size_t)len);
	}
	return 0;
}

static void entry_common(struct archive_entry *e, const char *path, const struct stat *st)
{
	archive_entry_set_pathname(e, path);
	archive_entry_set_uid(e, st->st_uid);
	archive_entry_set_gid(e, st->st_gid);
	archive_entry_set_perm(e, st->st_mode & 07777);
	archive_entry_set_mtime(e, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
}

static void entry_freep(struct archive_entry **e)
{
	if (*e)
		archive_entry_free(*e);
}
#define cleanup_entry __attribute__((cleanup(entry_freep)))

static int write_header(struct export_ctx *x, struct archive_entry *e, berth_error_t **err)
{
	if (archive_write_header(x->a, e) < ARCHIVE_WARN)
		return archive_err(x, "write tar header", err);
	return 0;
}

static int export_empty_file(struct export_ctx *x, const char *path, const struct stat *st,
			     berth_error_t **err)
{
	cleanup_entry struct archive_entry *e = archive_entry_new();
	entry_common(e, path, st);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0);
	archive_entry_set_size(e, 0);
	return write_header(x, e, err);
}

static int export_file(struct export_ctx *x, int dfd, const char *name, const struct stat *st,
		       berth_error_t **err)
{
	cleanup_entry struct archive_entry *e = archive_entry_new();
	entry_common(e, x->path.buf, st);
	archive_entry_set_filetype(e, AE_IFREG);
	if (st->st_nlink > 1) {
		for (size_t i = 0; i < x->n_links; i++) {
			if (x->links[i].dev == st->st_dev && x->links[i].ino == st->st_ino) {
				archive_entry_set_hardlink(e, x->links[i].path);
				archive_entry_set_size(e, 0);
				return write_header(x, e, err);
			}
		}
		x->links = xgrow(x->links, &x->alloc_links, x->n_links + 1, sizeof(*x->links));
		x->links[x->n_links++] =
			(struct hardlink_seen){ st->st_dev, st->st_ino, xstrdup(x->path.buf) };
	}
	cleanup_close int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return berth_error_set(err, errno, "open '%s'", x->path.buf);
	struct stat fst;
	if (fstat(fd, &fst) < 0 || !S_ISREG(fst.st_mode))
		return berth_error_fail(err, EAGAIN, "'%s' changed while exported", x->path.buf);
	bool opaque;
	int r = add_xattrs(e, fd, &opaque, err);
	if (r < 0)
		return berth_error_wrap(err, "'%s'", x->path.buf);
	archive_entry_set_size(e, fst.st_size);
	r = write_header(x, e, err);
	if (r < 0)
		return r;
	char buf[65536];
	int64_t left = fst.st_size;
	while (left > 0) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return berth_error_set(err, errno, "read '%s'", x->path.buf);
		}
		if (n == 0)
			break; /* shrank: libarchive pads the entry */
		if (n > left)
			n = (ssize_t)left;
		if (archive_write_data(x->a, buf, (size_t)n) < 0)
			return archive_err(x, "write tar data", err);
		left -= n;
	}
	return 0;
}

static int export_walk(struct export_ctx *x, int dfd, int depth, berth_error_t **err);

static int export_one(struct export_ctx *x, int dfd, const char *name, int depth,
		      berth_error_t **err)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return berth_error_set(err, errno, "stat '%s'", x->path.buf);
	}
	if (is_whiteout(&st)) {
		if (strlen(name) + 4 > NAME_MAX)
			return berth_error_fail(err, ENAMETOOLONG,
						"'%s': name too long for a whiteout", x->path.buf);
		size_t slash = x->path.len - strlen(name);
		cleanup_free char *wh = xasprintf("%.*s.wh.%s", (int)slash, x->path.buf, name);
		return export_empty_file(x, wh, &st, err);
	}
	if (S_ISREG(st.st_mode))
		return export_file(x, dfd, name, &st, err);

	cleanup_entry struct archive_entry *e = archive_entry_new();
	entry_common(e, x->path.buf, &st);
	if (S_ISDIR(st.st_mode)) {
		cleanup_close int child =
			openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (child < 0)
			return berth_error_set(err, errno, "open '%s'", x->path.buf);
		archive_entry_set_filetype(e, AE_IFDIR);
		bool opaque;
		int r = add_xattrs(e, child, &opaque, err);
		if (r < 0)
			return berth_error_wrap(err, "'%s'", x->path.buf);
		r = write_header(x, e, err);
		if (r < 0)
			return r;
		if (opaque) {
			cleanup_free char *opq = xasprintf("%s/.wh..wh..opq", x->path.buf);
			r = export_empty_file(x, opq, &st, err);
			if (r < 0)
				return r;
		}
		return export_walk(x, child, depth + 1, err);
	}
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX + 1];
		ssize_t n = readlinkat(dfd, name, target, sizeof(target) - 1);
		if (n < 0)
			return berth_error_set(err, errno, "read link '%s'", x->path.buf);
		target[n] = '\0';
		archive_entry_set_filetype(e, AE_IFLNK);
		archive_entry_set_symlink(e, target);
		return write_header(x, e, err);
	}
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)) {
		archive_entry_set_filetype(e, st.st_mode & S_IFMT);
		archive_entry_set_rdevmajor(e, major(st.st_rdev));
		archive_entry_set_rdevminor(e, minor(st.st_rdev));
		return write_header(x, e, err);
	}
	log_debug("'%s': socket left out of the layer, ignoring", x->path.buf);
	return 0;
}

static int export_walk(struct export_ctx *x, int dfd, int depth, berth_error_t **err)
{
	if (depth > MAX_DEPTH)
		return berth_error_fail(err, ELOOP, "'%s': tree too deep", x->path.buf);
	cleanup_strv char **names = NULL;
	size_t n = 0;
	int r = read_names(dfd, &names, &n, err);
	if (r < 0)
		return berth_error_wrap(err, "'%s'", x->path.len ? x->path.buf : "/");
	size_t save = x->path.len;
	for (size_t i = 0; i < n; i++) {
		strbuf_setlen(&x->path, save);
		if (save)
			strbuf_addch(&x->path, '/');
		strbuf_addstr(&x->path, names[i]);
		r = export_one(x, dfd, names[i], depth, err);
		if (r < 0)
			return r;
	}
	strbuf_setlen(&x->path, save);
	return 0;
}

int overlay_export_upper(const char *upper, int out_fd, struct digest *ret_diff_id,
			 berth_error_t **err)
{
	cleanup_close int ufd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ufd < 0)
		return berth_error_set(err, errno, "open upper '%s'", upper);
	struct export_ctx x = {
		.a = archive_write_new(),
		.out_fd = out_fd,
		.h = digest_hasher_new(),
		.path = STRBUF_INIT,
	};
	int r = 0;
	archive_write_set_format_pax_restricted(x.a);
	archive_write_add_filter_none(x.a);
	/* No blocking: the tar ends after its two zero blocks, like
	 * docker's, so the diffID does not depend on a record size */
	archive_write_set_bytes_per_block(x.a, 0);
	if (archive_write_open(x.a, &x, NULL, export_write, NULL) != ARCHIVE_OK) {
		r = archive_err(&x, "open tar writer", err);
		goto out;
	}
	r = export_walk(&x, ufd, 0, err);
	if (r < 0)
		goto out;
	if (archive_write_close(x.a) != ARCHIVE_OK) {
		r = archive_err(&x, "finish tar", err);
		goto out;
	}
	if (ret_diff_id)
		digest_hasher_final(x.h, ret_diff_id);
out:
	archive_write_free(x.a);
	digest_hasher_free(x.h);
	strbuf_release(&x.path);
	for (size_t i = 0; i < x.n_links; i++)
		free(x.links[i].path);
	free(x.links);
	if (r < 0)
		return berth_error_wrap(err, "export '%s'", upper);
	return 0;
}
