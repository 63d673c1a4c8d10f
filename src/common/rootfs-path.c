/* rootfs-path: open and resolve paths inside a root directory as if it were
 * "/".  Invariant: every fd opened here is reached from rootfd by walking
 * down real directory entries one name at a time (or by the kernel doing
 * exactly that under RESOLVE_IN_ROOT); no path is ever handed whole to the
 * host's resolver, so neither symlinks nor ".." in a hostile image can
 * lead outside the root.  The userspace walk must behave like openat2(). */
#include "common/rootfs-path.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

#include "common/banned.h"

/* How a hostile path is quoted in an error: paths are capped at PATH_MAX
 * except the one refused for being longer. */
#define QUOTE_MAX 256

/* A rename or mount racing with ".." makes openat2(RESOLVE_IN_ROOT) fail
 * with EAGAIN rather than risk an escape; retry a bounded number of times. */
#define OPENAT2_RETRIES 32

/* mkdirat() EEXIST followed by ENOENT again means someone removes what we
 * create; give up instead of looping forever on a container's whim. */
#define MKDIR_RETRIES 8

/* The flags openat2() accepts together with O_PATH; anything else is EINVAL */
#define PATH_FLAGS (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

#define RESOLVE_FLAGS (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)

/* -1 not probed yet, 0 missing (or filtered by seccomp), 1 present */
static int openat2_state = -1;

static int sys_openat2(int dirfd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (__u64)(unsigned)flags,
		.mode = mode,
		.resolve = RESOLVE_FLAGS,
	};
	for (int i = 0; i < OPENAT2_RETRIES; i++) {
		long r = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		if (r >= 0)
			return (int)r;
		if (errno != EAGAIN && errno != EINTR)
			break;
	}
	return -1;
}

/* ENOSYS: kernel before 5.6 (or a seccomp profile that says so); E2BIG: a
 * kernel that knows a smaller struct open_how.  Not EPERM: a real open can
 * fail with it (O_NOATIME, immutable files) and must not disable openat2. */
static bool openat2_missing_errno(int e)
{
	return e == ENOSYS || e == E2BIG;
}

bool root_have_openat2(void)
{
	int state = __atomic_load_n(&openat2_state, __ATOMIC_RELAXED);
	if (state >= 0)
		return state;
	int fd = sys_openat2(AT_FDCWD, "/", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd >= 0) {
		close(fd);
		state = 1;
	} else if (errno == EMFILE || errno == ENFILE || errno == ENOMEM) {
		return false; /* transient: ask again next time */
	} else {
		/* The probe opens "/" O_PATH, which cannot fail for a real
		 * reason: any error, EPERM from an old seccomp profile
		 * included, means we cannot use openat2. */
		state = 0;
	}
	__atomic_store_n(&openat2_state, state, __ATOMIC_RELAXED);
	return state;
}

static void openat2_mark_missing(void)
{
	__atomic_store_n(&openat2_state, 0, __ATOMIC_RELAXED);
}

/* Refuse what no resolution can accept; 0 or a negative errno */
static int path_check(const char *path)
{
	if (path == NULL)
		return -EINVAL;
	if (*path == '\0')
		return -ENOENT; /* as open(2): there is no AT_EMPTY_PATH here */
	if (strnlen(path, PATH_MAX) >= PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

static int path_error(berth_error_t **err, int r, const char *verb, const char *path)
{
	return berth_error_set(err, -r, "%s '%.*s%s' in root", verb, QUOTE_MAX, path ? path : "",
			       path && strlen(path) > QUOTE_MAX ? "..." : "");
}

/* ---- the userspace walk ------------------------------------------------ */

enum walk_mode {
	WALK_OPEN,    /* open the last component with the caller's flags */
	WALK_RESOLVE, /* compute the canonical path; a missing tail is lexical */
	WALK_MKDIR,   /* every component is a directory; create missing ones */
};

struct walk {
	int rootfd; /* not owned */
	enum walk_mode mode;
	int flags;        /* WALK_OPEN: open(2) flags, O_CLOEXEC included */
	mode_t perm;      /* WALK_OPEN with O_CREAT, WALK_MKDIR */
	bool follow_last; /* follow a symlink in the last component */
	int cur;          /* O_PATH fd of the deepest existing directory */
	/* Path of cur below the root ("" is the root itself), then in
	 * WALK_RESOLVE the `missing` components that do not exist. */
	struct strbuf canon;
	size_t missing;
	struct strbuf rest; /* what is left to walk, from rest.buf + pos */
	size_t pos;
	int links; /* symlinks followed so far */
};

static void walk_release(struct walk *w)
{
	cleanup_closep(&w->cur);
	strbuf_release(&w->canon);
	strbuf_release(&w->rest);
}
#define cleanup_walk __attribute__((cleanup(walk_release)))

static void walk_set_cur(struct walk *w, int fd)
{
	cleanup_closep(&w->cur);
	w->cur = fd;
}

static int walk_init(struct walk *w, int rootfd, const char *path, enum walk_mode mode)
{
	*w = (struct walk){ .rootfd = rootfd, .mode = mode, .cur = -1 };
	strbuf_init(&w->canon, 0);
	strbuf_init(&w->rest, 0);
	strbuf_addstr(&w->rest, path);
	/* Reopen the root as our own O_PATH fd: it checks that rootfd is a
	 * directory, and cur is then always owned. */
	int fd = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	w->cur = fd;
	return 0;
}

static void canon_push(struct walk *w, const char *name)
{
	strbuf_addch(&w->canon, '/');
	strbuf_addstr(&w->canon, name);
}

static void canon_pop(struct walk *w)
{
	char *slash = strrchr(w->canon.buf, '/');
	strbuf_setlen(&w->canon, slash ? (size_t)(slash - w->canon.buf) : 0);
}

/* Reopen cur from the root along canon.  Used for "..": instead of trusting
 * openat(cur, "..") -- which a directory moved out of the root by a racing
 * rename would turn into an escape -- go down again from rootfd.  Every
 * step is O_NOFOLLOW|O_DIRECTORY, so a component swapped for a symlink in
 * the meantime fails instead of being followed. */
static int walk_reopen(struct walk *w)
{
	cleanup_close int fd = openat(w->rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	const char *p = w->canon.buf;
	while (*p == '/') {
		p++;
		size_t len = strcspn(p, "/");
		cleanup_free char *name = xstrndup(p, len);
		int next = openat(fd, name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
		if (next < 0)
			return -errno;
		cleanup_closep(&fd);
		fd = next;
		p += len;
	}
	walk_set_cur(w, take_fd(&fd));
	return 0;
}

static int walk_dotdot(struct walk *w)
{
	if (w->missing > 0) {
		/* Nothing below exists: ".." is lexical, and cur is already
		 * the directory the remaining canon names. */
		canon_pop(w);
		w->missing--;
		return 0;
	}
	/* ".." at the root is the root: this is the chroot clamp */
	if (w->canon.len == 0)
		return 0;
	canon_pop(w);
	return walk_reopen(w);
}

/* A magic link (/proc/<pid>/fd/N, exe, cwd, root, ns/...) does not point at
 * its text; the kernel refuses them under RESOLVE_NO_MAGICLINKS and so do
 * we.  Userspace cannot see the difference directly; but every magic link
 * lives on procfs and reads as an absolute path, "type:[inode]" or
 * "(unreachable)...", while procfs's ordinary links ("self" -> "1234",
 * "mounts" -> "self/mounts") are relative and plain. */
static bool is_magic_link(int linkfd, const char *target)
{
	struct statfs sfs;
	if (fstatfs(linkfd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
		return false;
	return target[0] == '/' || target[0] == '(' || strchr(target, ':') != NULL;
}

/* Follow the symlink linkfd (an O_PATH|O_NOFOLLOW fd of the component that
 * ends at rest.buf + after): splice its target in front of the rest of the
 * path.  An absolute target restarts at the root -- the root, not "/". */
static int walk_follow(struct walk *w, int linkfd, size_t after)
{
	if (++w->links > ROOT_MAX_SYMLINKS)
		return -ELOOP;
	char target[PATH_MAX];
	ssize_t n = readlinkat(linkfd, "", target, sizeof(target));
	if (n < 0)
		return -errno;
	if ((size_t)n >= sizeof(target))
		return -ENAMETOOLONG;
	target[n] = '\0';
	if (n == 0)
		return -ENOENT; /* as the kernel does for an empty link */
	if (is_magic_link(linkfd, target))
		return -ELOOP;

	struct strbuf rest = STRBUF_INIT;
	strbuf_add(&rest, target, (size_t)n);
	strbuf_addstr(&rest, w->rest.buf + after);
	strbuf_release(&w->rest);
	w->rest = rest;
	w->pos = 0;

	if (target[0] == '/') {
		int fd = openat(w->rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		walk_set_cur(w, fd);
		strbuf_reset(&w->canon);
	}
	return 0;
}

static bool open_creates(int flags)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

/* WALK_OPEN, last component `name` (not "." or ".."), a directory entry of
 * cur.  Returns 0 with the fd in *ret_fd, 1 when a symlink was spliced in
 * and the walk goes on, or a negative errno. */
static int walk_open_last(struct walk *w, const char *name, bool trailing, size_t after,
			  int *ret_fd)
{
	int flags = w->flags;
	/* The kernel refuses to create "name/" before looking at name */
	if (trailing && (flags & O_CREAT))
		return -EISDIR;
	/* A trailing slash follows a symlink even under O_NOFOLLOW and makes
	 * the target a directory, as in the kernel's open_last_lookups(). */
	if (trailing)
		flags |= O_DIRECTORY;
	cleanup_close int fd = openat(w->cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && !(errno == ENOENT && (flags & O_CREAT)))
		return -errno;
	if (fd >= 0) {
		struct stat st;
		if (fstat(fd, &st) < 0)
			return -errno;
		if (S_ISLNK(st.st_mode) && (trailing || w->follow_last)) {
			/* A dangling link with O_CREAT lands here too: its
			 * target is then created inside the root, never on
			 * the host. */
			int r = walk_follow(w, fd, after);
			return r < 0 ? r : 1;
		}
	}
	/* Open by name relative to cur.  O_NOFOLLOW: if a symlink replaced
	 * the entry since we looked, this fails (or, for O_PATH, returns the
	 * link itself) instead of following it through the host.  Without
	 * follow_last it also gives the kernel's answer for a final link:
	 * ELOOP, EEXIST under O_CREAT|O_EXCL, the link for O_PATH. */
	int r = openat(w->cur, name, flags | O_NOFOLLOW, w->perm);
	if (r < 0)
		return -errno;
	*ret_fd = r;
	return 0;
}

/* Walk the rest.  WALK_OPEN returns the opened fd; the others return 0 and
 * leave the result in cur / canon. */
static int walk_run(struct walk *w)
{
	int mkdir_tries = 0;
	for (;;) {
		const char *start = w->rest.buf + w->pos;
		const char *p = start + strspn(start, "/");
		if (*p == '\0')
			break;
		size_t len = strcspn(p, "/");
		const char *after_p = p + len; /* "" or the slashes that follow */
		const char *q = after_p + strspn(after_p, "/");
		bool last = *q == '\0';
		bool trailing = *after_p == '/';
		size_t after = (size_t)(after_p - w->rest.buf);
		size_t next = (size_t)(q - w->rest.buf);

		if (len > NAME_MAX)
			return -ENAMETOOLONG;
		cleanup_free char *name = xstrndup(p, len);

		if (strcmp(name, ".") == 0) {
			w->pos = next;
			continue;
		}
		if (strcmp(name, "..") == 0) {
			int r = walk_dotdot(w);
			if (r < 0)
				return r;
			w->pos = next;
			continue;
		}
		if (w->missing > 0) {
			canon_push(w, name);
			w->missing++;
			w->pos = next;
			continue;
		}
		if (last && w->mode == WALK_OPEN) {
			int fd = -1;
			int r = walk_open_last(w, name, trailing, after, &fd);
			if (r < 0)
				return r;
			if (r == 0)
				return fd;
			continue;
		}

		cleanup_close int fd = openat(w->cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			if (errno != ENOENT)
				return -errno;
			if (w->mode == WALK_RESOLVE) {
				canon_push(w, name);
				w->missing = 1;
				w->pos = next;
				continue;
			}
			if (w->mode == WALK_MKDIR) {
				/* Relative to cur, so it is created inside the
				 * root; EEXIST is a racing creator, and the
				 * loop looks the name up again either way (it
				 * may now be a symlink: followed in the root). */
				if (mkdirat(w->cur, name, w->perm) < 0 && errno != EEXIST)
					return -errno;
				if (++mkdir_tries > MKDIR_RETRIES)
					return -EAGAIN;
				continue;
			}
			return -ENOENT;
		}
		struct stat st;
		if (fstat(fd, &st) < 0)
			return -errno;
		if (S_ISLNK(st.st_mode)) {
			bool follow = !last || trailing || w->follow_last;
			if (!follow && w->mode == WALK_RESOLVE) {
				canon_push(w, name);
				w->pos = next;
				continue;
			}
			if (!follow)
				return -ENOTDIR; /* WALK_MKDIR under ROOT_NO_FOLLOW_LAST */
			int r = walk_follow(w, fd, after);
			if (r < 0)
				return r;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			walk_set_cur(w, take_fd(&fd));
			canon_push(w, name);
			w->pos = next;
			mkdir_tries = 0;
			continue;
		}
		/* Not a directory: it may only end a path being resolved */
		if (!last || trailing || w->mode != WALK_RESOLVE)
			return -ENOTDIR;
		canon_push(w, name);
		w->pos = next;
	}
	if (w->mode == WALK_OPEN) {
		/* The path ended on the root, "." or "..": open cur itself,
		 * which yields EISDIR / EEXIST for O_CREAT as the kernel does. */
		int r = openat(w->cur, ".", w->flags, w->perm);
		return r >= 0 ? r : -errno;
	}
	return 0;
}

/* ---- openat2 helpers --------------------------------------------------- */

/* readlink /proc/self/fd/<fd> into a new string; NULL with errno set on
 * failure */
static char *fd_proc_path(int fd)
{
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	char buf[PATH_MAX];
	ssize_t n = readlink(link, buf, sizeof(buf));
	if (n < 0)
		return NULL;
	if ((size_t)n >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	return xstrndup(buf, (size_t)n);
}

/* The path of fd relative to the root: strip the root's own path from the
 * fd's.  The kernel put fd inside the root, so a mismatch means an escape
 * and is EXDEV.  Returns 1 when /proc cannot tell (not mounted). */
static int fd_path_in_root(int rootfd, int fd, char **ret)
{
	cleanup_free char *root = fd_proc_path(rootfd);
	if (!root || root[0] != '/')
		return 1;
	cleanup_free char *path = fd_proc_path(fd);
	if (!path)
		return errno == ENAMETOOLONG ? -ENAMETOOLONG : 1;
	size_t rlen = strcmp(root, "/") == 0 ? 0 : strlen(root);
	if (path[0] != '/' || strncmp(path, root, rlen) != 0 ||
	    (path[rlen] != '/' && path[rlen] != '\0'))
		return -EXDEV;
	*ret = xstrdup(path[rlen] ? path + rlen : "/");
	return 0;
}

/* ---- public entry points ----------------------------------------------- */

int root_open(int rootfd, const char *path, int flags, mode_t mode, enum root_open_flags rflags,
	      berth_error_t **err)
{
	int r = path_check(path);
	if (r < 0)
		return path_error(err, r, "open", path);
	flags |= O_CLOEXEC;
	if (rflags & ROOT_NO_FOLLOW_LAST)
		flags |= O_NOFOLLOW;
	/* openat2 refuses what open(2) silently ignores; refuse it in both
	 * modes so they behave alike. */
	if ((flags & O_PATH) && (flags & ~PATH_FLAGS))
		return path_error(err, -EINVAL, "open", path);
	mode_t perm = open_creates(flags) ? mode & 07777 : 0;

	if (!(rflags & ROOT_FORCE_FALLBACK) && root_have_openat2()) {
		int fd = sys_openat2(rootfd, path, flags, perm);
		if (fd >= 0)
			return fd;
		if (!openat2_missing_errno(errno))
			return path_error(err, -errno, "open", path);
		openat2_mark_missing();
	}

	cleanup_walk struct walk w;
	r = walk_init(&w, rootfd, path, WALK_OPEN);
	if (r < 0)
		return path_error(err, r, "open", path);
	w.flags = flags;
	w.perm = perm;
	/* O_EXCL implies O_NOFOLLOW in the kernel's build_open_flags() */
	w.follow_last = !(flags & O_NOFOLLOW) && !((flags & O_CREAT) && (flags & O_EXCL));
	r = walk_run(&w);
	if (r < 0)
		return path_error(err, r, "open", path);
	return r;
}

int root_resolve(int rootfd, const char *path, enum root_open_flags rflags, char **ret,
		 berth_error_t **err)
{
	int r = path_check(path);
	if (r < 0)
		return path_error(err, r, "resolve", path);
	bool follow_last = !(rflags & ROOT_NO_FOLLOW_LAST);

	if (!(rflags & ROOT_FORCE_FALLBACK) && root_have_openat2()) {
		/* Let the kernel resolve the whole path and read back where it
		 * landed.  Only ENOENT goes on to the walk below: a missing
		 * component (or a dangling link) must still resolve, lexically,
		 * and only the walk knows how far the existing prefix reaches. */
		int flags = O_PATH | O_CLOEXEC | (follow_last ? 0 : O_NOFOLLOW);
		cleanup_close int fd = sys_openat2(rootfd, path, flags, 0);
		if (fd < 0 && openat2_missing_errno(errno))
			openat2_mark_missing();
		else if (fd < 0 && errno != ENOENT)
			return path_error(err, -errno, "resolve", path);
		if (fd >= 0) {
			char *canon = NULL;
			r = fd_path_in_root(rootfd, fd, &canon);
			if (r == -EXDEV)
				return berth_error_set(err, EXDEV,
						       "resolve '%.*s' in root: escaped the root",
						       QUOTE_MAX, path);
			if (r < 0)
				return path_error(err, r, "resolve", path);
			if (r == 0) {
				*ret = canon;
				return 0;
			}
		}
	}

	cleanup_walk struct walk w;
	r = walk_init(&w, rootfd, path, WALK_RESOLVE);
	if (r < 0)
		return path_error(err, r, "resolve", path);
	w.follow_last = follow_last;
	r = walk_run(&w);
	if (r < 0)
		return path_error(err, r, "resolve", path);
	if (w.canon.len >= PATH_MAX)
		return path_error(err, -ENAMETOOLONG, "resolve", path);
	*ret = w.canon.len ? strbuf_detach(&w.canon, NULL) : xstrdup("/");
	return 0;
}

int root_mkdir_all(int rootfd, const char *path, mode_t mode, enum root_open_flags rflags,
		   berth_error_t **err)
{
	int r = path_check(path);
	if (r < 0)
		return path_error(err, r, "create directory", path);
	bool follow_last = !(rflags & ROOT_NO_FOLLOW_LAST);

	if (!(rflags & ROOT_FORCE_FALLBACK) && root_have_openat2()) {
		/* Usually it exists already; if not, the walk creates it */
		int flags = O_PATH | O_DIRECTORY | O_CLOEXEC | (follow_last ? 0 : O_NOFOLLOW);
		int fd = sys_openat2(rootfd, path, flags, 0);
		if (fd >= 0)
			return fd;
		if (openat2_missing_errno(errno))
			openat2_mark_missing();
		else if (errno != ENOENT)
			return path_error(err, -errno, "create directory", path);
	}

	cleanup_walk struct walk w;
	r = walk_init(&w, rootfd, path, WALK_MKDIR);
	if (r < 0)
		return path_error(err, r, "create directory", path);
	w.perm = mode & 07777;
	w.follow_last = follow_last;
	r = walk_run(&w);
	if (r < 0)
		return path_error(err, r, "create directory", path);
	return take_fd(&w.cur);
}
