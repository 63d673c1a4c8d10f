/* mount: one OCI mount, performed inside the rootfs.  Each destination is
 * resolved in the rootfs at the moment it is mounted (an earlier mount may
 * have changed what the path means), held as an fd, and the kernel is given
 * "/proc/self/fd/N" of that fd, so that no symlink in the image can point a
 * mount at the host.  Follows runc's libcontainer/rootfs_linux.go. */
#include "runtime/mount.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/rootfs-path.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

#include "common/banned.h"

/* tmpcopyup recursion and cgroup tables have caps like every input */
#define COPY_MAX_DEPTH 128
#define CGROUP_MAX_HIERARCHIES 64
#define MOUNTINFO_MAX_LINES 100000

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const char *mount_fdpath(int fd, struct mount_fdpath *p)
{
	snprintf(p->buf, sizeof(p->buf), "/proc/self/fd/%d", fd);
	return p->buf;
}

bool mount_path_equal(const char *a, const char *b)
{
	/* component by component: runs of '/' only separate */
	for (;;) {
		a += strspn(a, "/");
		b += strspn(b, "/");
		size_t la = strcspn(a, "/"), lb = strcspn(b, "/");
		if (la != lb || strncmp(a, b, la) != 0)
			return false;
		if (la == 0)
			return true;
		a += la;
		b += lb;
	}
}

/* Move an error from *from to *to (either may be NULL); returns its code */
static int error_move(berth_error_t **to, berth_error_t **from)
{
	int r = berth_error_code(*from);
	if (to) {
		berth_error_release(to);
		*to = *from;
		*from = NULL;
	}
	return r;
}

static int errnum_of(const berth_error_t *e)
{
	return e ? e->errnum : 0;
}

/* Split an absolute path into a new parent and a borrowed last name;
 * trailing slashes are ignored.  Fails for "/" and for names "." / "..". */
static int path_split(const char *path, char **ret_parent, const char **ret_base, char **ret_copy)
{
	char *copy = xstrdup(path);
	size_t len = strlen(copy);
	while (len > 1 && copy[len - 1] == '/')
		copy[--len] = '\0';
	char *slash = strrchr(copy, '/');
	if (slash == NULL || slash[1] == '\0' || strcmp(slash + 1, ".") == 0 ||
	    strcmp(slash + 1, "..") == 0) {
		free(copy);
		return -1;
	}
	*ret_parent = slash == copy ? xstrdup("/") : xstrndup(copy, (size_t)(slash - copy));
	*ret_base = slash + 1;
	*ret_copy = copy;
	return 0;
}

int mount_target_open(int rootfd, const char *dest, bool is_dir, berth_error_t **err)
{
	cleanup_error berth_error_t *e = NULL;
	int fd = root_open(rootfd, dest, O_PATH | (is_dir ? O_DIRECTORY : 0), 0, 0, &e);
	if (fd >= 0)
		return fd;
	if (errnum_of(e) != ENOENT)
		return error_move(err, &e);

	/* Missing: create the last name in its parent's fd, rather than
	 * walking the whole path from the root again (root_mkdir_all's
	 * fallback costs a dozen syscalls per target). */
	cleanup_free char *parent = NULL, *copy = NULL;
	const char *base = NULL;
	if (path_split(dest, &parent, &base, &copy) < 0)
		return is_dir ? root_mkdir_all(rootfd, dest, 0755, 0, err) :
				berth_error_set(err, EINVAL, "mount target '%s' is not a file name",
						dest);
	cleanup_close int pfd = root_mkdir_all(rootfd, parent, 0755, 0, err);
	if (pfd < 0)
		return pfd;
	if (is_dir) {
		int r = mkdirat(pfd, base, 0755);
		/* EEXIST: something appeared there or a dangling symlink is in
		 * the way; the walk deals with either inside the root */
		if (r < 0 && errno == EEXIST)
			return root_mkdir_all(rootfd, dest, 0755, 0, err);
		fd = r < 0 ? -1 : openat(pfd, base, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	} else {
		/* O_EXCL|O_NOFOLLOW: create exactly a new file here; a dangling
		 * symlink in its place is refused rather than followed. */
		fd = openat(pfd, base, O_CREAT | O_EXCL | O_NOFOLLOW | O_RDONLY | O_CLOEXEC, 0644);
	}
	if (fd < 0)
		return berth_error_set(err, errno, "create mount target '%s'", dest);
	return fd;
}

/* A fresh O_PATH fd on dest, taken after a mount so that it refers to the
 * root of the new mount rather than to the covered directory */
static int reopen_target(int rootfd, const char *dest, berth_error_t **err)
{
	return root_open(rootfd, dest, O_PATH, 0, 0, err);
}

int mount_bind_fd(const char *source, int fd, const char *what, bool rec, berth_error_t **err)
{
	struct mount_fdpath p;
	if (mount(source, mount_fdpath(fd, &p), NULL, MS_BIND | (rec ? MS_REC : 0), NULL) < 0)
		return berth_error_set(err, errno, "mount '%s' on '%s'", source, what);
	return 0;
}

#define ATIME_FLAGS (MS_NOATIME | MS_RELATIME | MS_STRICTATIME | MS_NODIRATIME)

/* One line of /proc/self/mountinfo; strings point into the line buffer */
struct mountinfo {
	char *root;
	char *mountpoint;
	char *fstype;
	char *source;
	char *superopts;
};

/* mountinfo escapes space, tab, newline and backslash as \ooo */
static void unescape_octal(char *s)
{
	char *w = s;
	for (char *r = s; *r;) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

/* Parse one mountinfo line in place; -1 when malformed */
static int mountinfo_parse(char *line, struct mountinfo *mi)
{
	char *save = NULL;
	char *f[6];
	for (int i = 0; i < 6; i++) {
		f[i] = strtok_r(i == 0 ? line : NULL, " \n", &save);
		if (f[i] == NULL)
			return -1;
	}
	char *t;
	while ((t = strtok_r(NULL, " \n", &save)) != NULL && strcmp(t, "-") != 0)
		; /* optional fields */
	if (t == NULL)
		return -1;
	mi->fstype = strtok_r(NULL, " \n", &save);
	mi->source = strtok_r(NULL, " \n", &save);
	mi->superopts = strtok_r(NULL, " \n", &save);
	if (mi->fstype == NULL || mi->source == NULL || mi->superopts == NULL)
		return -1;
	mi->root = f[3];
	mi->mountpoint = f[4];
	unescape_octal(mi->root);
	unescape_octal(mi->mountpoint);
	return 0;
}

/* Remount path (statvfs on fd, or on path when fd < 0) */
static int remount_bind_at(const char *path, int fd, const char *what, unsigned long flags,
			   berth_error_t **err)
{
	unsigned long f = MS_REMOUNT | MS_BIND | (flags & ~(MS_REC | MS_REMOUNT | MS_BIND));
	if (mount(NULL, path, NULL, f, NULL) == 0)
		return 0;
	if (errno != EPERM)
		return berth_error_set(err, errno, "remount '%s'", what);

	/* Locked flags (mount_namespaces(7)): a mount that came from a more
	 * privileged namespace keeps nosuid/nodev/noexec/ro/atime; a remount
	 * that omits them is EPERM.  Keep what is in effect, add ours. */
	struct statvfs sv;
	if ((fd >= 0 ? fstatvfs(fd, &sv) : statvfs(path, &sv)) < 0)
		return berth_error_set(err, errno, "statvfs '%s'", what);
	static const struct {
		unsigned long st, ms;
	} map[] = {
		{ ST_NOSUID, MS_NOSUID },     { ST_NODEV, MS_NODEV },
		{ ST_NOEXEC, MS_NOEXEC },     { ST_RDONLY, MS_RDONLY },
		{ ST_NOATIME, MS_NOATIME },   { ST_NODIRATIME, MS_NODIRATIME },
		{ ST_RELATIME, MS_RELATIME },
	};
	unsigned long locked = 0;
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (sv.f_flag & map[i].st)
			locked |= map[i].ms;
	/* the caller's atime choice wins over the one in effect */
	if (f & ATIME_FLAGS)
		locked &= ~ATIME_FLAGS;
	if (mount(NULL, path, NULL, f | locked, NULL) < 0)
		return berth_error_set(err, errno, "remount '%s'", what);
	return 0;
}

int mount_remount_bind(int fd, const char *what, unsigned long flags, berth_error_t **err)
{
	struct mount_fdpath p;
	return remount_bind_at(mount_fdpath(fd, &p), fd, what, flags, err);
}

int mount_remount_bind_path(const char *path, unsigned long flags, berth_error_t **err)
{
	return remount_bind_at(path, -1, path, flags, err);
}

int mount_find_mountpoint(const char *path, char **ret, berth_error_t **err)
{
	cleanup_fclose FILE *f = fopen("/proc/self/mountinfo", "re");
	if (f == NULL)
		return berth_error_set(err, errno, "open '/proc/self/mountinfo'");
	cleanup_free char *line = NULL, *best = NULL;
	size_t cap = 0, best_len = 0;
	for (size_t nline = 0; getline(&line, &cap, f) > 0; nline++) {
		struct mountinfo mi;
		if (nline > MOUNTINFO_MAX_LINES)
			return berth_error_set(err, E2BIG, "more than %d mounts",
					       MOUNTINFO_MAX_LINES);
		if (mountinfo_parse(line, &mi) < 0)
			continue;
		size_t l = strlen(mi.mountpoint);
		bool under = strcmp(mi.mountpoint, "/") == 0 ||
			     (strncmp(path, mi.mountpoint, l) == 0 &&
			      (path[l] == '/' || path[l] == '\0'));
		/* ">=": a later line for the same point is mounted on top */
		if (under && (best == NULL || l >= best_len)) {
			free(best);
			best = xstrdup(mi.mountpoint);
			best_len = l;
		}
	}
	if (best == NULL)
		return berth_error_set(err, ENOENT, "no mount holds '%s'", path);
	*ret = steal_pointer(&best);
	return 0;
}

int mount_apply_propagation_attrs(int fd, const char *what, const struct mount_opts *o,
				  berth_error_t **err)
{
	struct mount_fdpath p;
	mount_fdpath(fd, &p);
	for (size_t i = 0; i < o->n_propagation; i++)
		if (mount(NULL, p.buf, NULL, o->propagation[i], NULL) < 0)
			return berth_error_set(err, errno, "set propagation of '%s'", what);
	if (o->attr_set || o->attr_clr) {
		struct mount_attr a = { .attr_set = o->attr_set, .attr_clr = o->attr_clr };
		if (mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)) < 0)
			return berth_error_set(err, errno, "set recursive attributes of '%s'",
					       what);
	}
	return 0;
}

/* runc's checkProcMount: a mount over /proc or inside it could hide the
 * masked paths or fake kernel interfaces; only proc itself on /proc, and
 * the files that lxcfs-style tools emulate, are allowed. */
static int check_proc_dest(const char *dest, const char *type, berth_error_t **err)
{
	static const char *const allowed[] = {
		"/proc/cpuinfo", "/proc/diskstats",
		"/proc/meminfo", "/proc/stat",
		"/proc/swaps",   "/proc/uptime",
		"/proc/loadavg", "/proc/slabinfo",
		"/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
	};
	if (strcmp(dest, "/proc") == 0) {
		if (type && strcmp(type, "proc") == 0)
			return 0;
		return berth_error_set(err, EPERM, "mount on '%s': only proc may be mounted there",
				       dest);
	}
	if (strncmp(dest, "/proc/", 6) != 0)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(allowed); i++)
		if (strcmp(dest, allowed[i]) == 0)
			return 0;
	return berth_error_set(err, EPERM, "mount on '%s': mounts inside /proc are not allowed",
			       dest);
}

/* ---- bind --------------------------------------------------------------- */

/* Attach the prepared detached mount tree_fd (idmap.h) on target */
static int move_tree(int tree_fd, int target, const char *src, const char *dest,
		     berth_error_t **err)
{
	if (move_mount(tree_fd, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
	    0)
		return berth_error_set(err, errno, "mount '%s' on '%s'", src, dest);
	return 0;
}

static int do_bind(const struct mount_env *env, const struct oci_mount *m, const char *dest,
		   const struct mount_opts *o, int tree_fd, berth_error_t **err)
{
	if (m->source == NULL || m->source[0] == '\0')
		return berth_error_set(err, EINVAL, "bind mount on '%s' has no source", dest);
	/* The source is the host's (the config is trusted); a relative one is
	 * relative to the bundle, as config.md says. */
	cleanup_free char *src = m->source[0] == '/' || env->bundle == NULL ?
					 xstrdup(m->source) :
					 xasprintf("%s/%s", env->bundle, m->source);
	/* a prepared tree is what will be mounted: its type decides the
	 * target's, whatever the source path holds by now */
	struct stat st;
	if ((tree_fd >= 0 ? fstat(tree_fd, &st) : stat(src, &st)) < 0)
		return berth_error_set(err, errno, "bind source '%s'", src);

	cleanup_close int target = mount_target_open(env->rootfd, dest, S_ISDIR(st.st_mode), err);
	if (target < 0)
		return berth_error_wrap(err, "mount '%s' on '%s'", src, dest);
	int r = tree_fd >= 0 ? move_tree(tree_fd, target, src, dest, err) :
			       mount_bind_fd(src, target, dest, (o->flags & MS_REC) != 0, err);
	if (r < 0)
		return r;
	cleanup_close int fd = reopen_target(env->rootfd, dest, err);
	if (fd < 0)
		return fd;
	/* A bind ignores every flag but MS_REC; ro, nosuid ... need a second,
	 * remount step (only the top mount: recursive needs rro & co). */
	if (o->flags & ~(MS_BIND | MS_REC | MS_REMOUNT)) {
		r = mount_remount_bind(fd, dest, o->flags, err);
		if (r < 0)
			return r;
	}
	return mount_apply_propagation_attrs(fd, dest, o, err);
}

/* ---- tmpfs and tmpcopyup -------------------------------------------------- */

static bool data_has_key(const char *data, const char *key)
{
	size_t kl = strlen(key);
	for (const char *p = data; p && *p;) {
		if (strncmp(p, key, kl) == 0 && p[kl] == '=')
			return true;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

static int copy_file_data(int in, int out, const char *what, berth_error_t **err)
{
	cleanup_free char *buf = xmalloc(65536);
	for (;;) {
		ssize_t n = read(in, buf, 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berth_error_set(err, errno, "read '%s'", what);
		if (n == 0)
			return 0;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return berth_error_set(err, errno, "write '%s'", what);
			off += w;
		}
	}
}

/* Copy the directory src into dst (both O_RDONLY directory fds), keeping
 * modes and owners.  Every step is *at() with O_NOFOLLOW on names read
 * from src, so the image's symlinks are copied, never followed. */
static int copy_tree(int src, int dst, const char *what, int depth, berth_error_t **err)
{
	if (depth > COPY_MAX_DEPTH)
		return berth_error_set(err, ELOOP, "tmpcopyup '%s': deeper than %d levels", what,
				       COPY_MAX_DEPTH);
	int dfd = fcntl(src, F_DUPFD_CLOEXEC, 3);
	if (dfd < 0)
		return berth_error_set(err, errno, "tmpcopyup '%s'", what);
	cleanup_dir DIR *dir = fdopendir(dfd);
	if (dir == NULL) {
		close(dfd);
		return berth_error_set(err, errno, "tmpcopyup '%s'", what);
	}
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(dir);
		if (de == NULL) {
			if (errno)
				return berth_error_set(err, errno, "read directory '%s'", what);
			return 0;
		}
		const char *name = de->d_name;
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		struct stat st;
		if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return berth_error_set(err, errno, "stat '%s/%s'", what, name);
		mode_t perm = st.st_mode & 07777;
		cleanup_free char *sub = xasprintf("%s/%s", what, name);
		int r = 0;
		if (S_ISDIR(st.st_mode)) {
			if (mkdirat(dst, name, 0700) < 0)
				return berth_error_set(err, errno, "mkdir '%s'", sub);
			cleanup_close int s2 =
				openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			cleanup_close int d2 =
				openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (s2 < 0 || d2 < 0)
				return berth_error_set(err, errno, "open '%s'", sub);
			r = copy_tree(s2, d2, sub, depth + 1, err);
		} else if (S_ISREG(st.st_mode)) {
			cleanup_close int in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (in < 0)
				return berth_error_set(err, errno, "open '%s'", sub);
			cleanup_close int out =
				openat(dst, name,
				       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
			if (out < 0)
				return berth_error_set(err, errno, "create '%s'", sub);
			r = copy_file_data(in, out, sub, err);
		} else if (S_ISLNK(st.st_mode)) {
			cleanup_free char *target = xmalloc((size_t)PATH_MAX);
			ssize_t n = readlinkat(src, name, target, PATH_MAX - 1);
			if (n < 0)
				return berth_error_set(err, errno, "readlink '%s'", sub);
			target[n] = '\0';
			if (symlinkat(target, dst, name) < 0)
				return berth_error_set(err, errno, "symlink '%s'", sub);
		} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)) {
			if (mknodat(dst, name, (st.st_mode & S_IFMT) | 0600, st.st_rdev) < 0)
				return berth_error_set(err, errno, "mknod '%s'", sub);
		} else {
			continue; /* sockets do not survive a copy */
		}
		if (r < 0)
			return r;
		if (fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
			return berth_error_set(err, errno, "chown '%s'", sub);
		/* chmod after chown: chown clears set-id bits */
		if (!S_ISLNK(st.st_mode) && fchmodat(dst, name, perm, 0) < 0)
			return berth_error_set(err, errno, "chmod '%s'", sub);
	}
}

static int do_tmpfs(const struct mount_env *env, const struct oci_mount *m, const char *dest,
		    const struct mount_opts *o, berth_error_t **err)
{
	const char *source = m->source && *m->source ? m->source : "tmpfs";
	/* Opened before the mount, this fd keeps seeing the directory that the
	 * tmpfs will cover: that is where tmpcopyup copies from. */
	cleanup_error berth_error_t *e = NULL;
	cleanup_close int lower = root_open(env->rootfd, dest, O_RDONLY | O_DIRECTORY, 0, 0, &e);
	if (lower < 0 && errnum_of(e) != ENOENT)
		return error_move(err, &e);
	struct stat st;
	if (lower >= 0 && fstat(lower, &st) < 0)
		return berth_error_set(err, errno, "stat '%s'", dest);

	/* lower is the mount target too; only a missing one is created */
	cleanup_close int created = -1;
	int target = lower;
	if (target < 0) {
		created = mount_target_open(env->rootfd, dest, true, err);
		if (created < 0)
			return berth_error_wrap(err, "mount '%s' on '%s'", source, dest);
		target = created;
	}
	bool copyup = (o->extra & MOUNT_OPT_TMPCOPYUP) && lower >= 0;
	/* copy into a writable tmpfs first; ro comes with a remount after */
	unsigned long flags = o->flags & ~(copyup ? MS_RDONLY : 0UL);
	struct mount_fdpath p;
	if (mount(source, mount_fdpath(target, &p), "tmpfs", flags, o->data) < 0)
		return berth_error_set(err, errno, "mount '%s' on '%s'", source, dest);

	cleanup_close int upper = root_open(env->rootfd, dest, O_RDONLY | O_DIRECTORY, 0, 0, err);
	if (upper < 0)
		return upper;
	/* Like runc: the tmpfs root keeps the covered directory's mode (a
	 * /tmp stays 1777) unless the options chose one. */
	if (lower >= 0 && !data_has_key(o->data, "mode") && fchmod(upper, st.st_mode & 07777) < 0)
		return berth_error_set(err, errno, "chmod '%s'", dest);
	if (copyup) {
		int r = copy_tree(lower, upper, dest, 0, err);
		if (r < 0)
			return berth_error_wrap(err, "tmpcopyup '%s'", dest);
		if ((o->flags & MS_RDONLY) &&
		    (r = mount_remount_bind(upper, dest, o->flags, err)) < 0)
			return r;
	}
	return mount_apply_propagation_attrs(upper, dest, o, err);
}

/* ---- generic, proc, sysfs ------------------------------------------------ */

static int do_generic(const struct mount_env *env, const struct oci_mount *m, const char *dest,
		      const struct mount_opts *o, berth_error_t **err)
{
	const char *type = m->type;
	const char *source = m->source && *m->source ? m->source : type;
	cleanup_close int target = mount_target_open(env->rootfd, dest, true, err);
	if (target < 0)
		return berth_error_wrap(err, "mount '%s' on '%s'", source, dest);
	struct mount_fdpath p;
	if (mount(source, mount_fdpath(target, &p), type, o->flags, o->data) < 0) {
		int e = errno;
		/* Without its own network namespace (owned by its user
		 * namespace) a container may not mount sysfs: bind the host's
		 * instead, read-only recursively when ro was asked, like runc. */
		if (e == EPERM && strcmp(type, "sysfs") == 0) {
			int r = mount_bind_fd("/sys", target, dest, true, err);
			if (r < 0)
				return r;
			cleanup_close int fd = reopen_target(env->rootfd, dest, err);
			if (fd < 0)
				return fd;
			if ((r = mount_remount_bind(fd, dest, o->flags, err)) < 0)
				return r;
			if (o->flags & MS_RDONLY) {
				struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
				if (mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a,
						  sizeof(a)) < 0)
					return berth_error_set(err, errno, "make '%s' read-only",
							       dest);
			}
			return mount_apply_propagation_attrs(fd, dest, o, err);
		}
		return berth_error_set(err, e, "mount '%s' on '%s'", source, dest);
	}
	cleanup_close int fd = reopen_target(env->rootfd, dest, err);
	if (fd < 0)
		return fd;
	return mount_apply_propagation_attrs(fd, dest, o, err);
}

/* ---- cgroup -------------------------------------------------------------- */

struct cgroup_line {
	char *controllers; /* "cpu,cpuacct", "name=systemd" */
	char *path;
};

struct cgroup_hier {
	char *name;   /* basename of the host mount point: the directory name */
	char *source; /* host directory of our own cgroup in it */
	char *subsys; /* the subsystems, comma-separated (cgroupns data) */
};

struct cgroup_set {
	struct cgroup_line lines[CGROUP_MAX_HIERARCHIES];
	size_t n_lines;
	struct cgroup_hier hiers[CGROUP_MAX_HIERARCHIES];
	size_t n_hiers;
};

static void cgroup_set_release(struct cgroup_set *s)
{
	for (size_t i = 0; i < s->n_lines; i++) {
		free(s->lines[i].controllers);
		free(s->lines[i].path);
	}
	for (size_t i = 0; i < s->n_hiers; i++) {
		free(s->hiers[i].name);
		free(s->hiers[i].source);
		free(s->hiers[i].subsys);
	}
	s->n_lines = s->n_hiers = 0;
}

static bool list_has(const char *list, const char *item, size_t len)
{
	for (const char *p = list; p && *p;) {
		const char *end = strchrnul(p, ',');
		if ((size_t)(end - p) == len && strncmp(p, item, len) == 0)
			return true;
		p = *end ? end + 1 : end;
	}
	return false;
}

static int read_proc_cgroup(struct cgroup_set *s, berth_error_t **err)
{
	cleanup_fclose FILE *f = fopen("/proc/self/cgroup", "re");
	if (f == NULL)
		return berth_error_set(err, errno, "open '/proc/self/cgroup'");
	cleanup_free char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (c2 == NULL || c2 == c1 + 1)
			continue; /* malformed, or the v2 line "0::/" */
		if (s->n_lines == CGROUP_MAX_HIERARCHIES)
			return berth_error_set(err, E2BIG, "more than %d cgroup hierarchies",
					       CGROUP_MAX_HIERARCHIES);
		line[strcspn(line, "\n")] = '\0';
		s->lines[s->n_lines].controllers = xstrndup(c1 + 1, (size_t)(c2 - c1 - 1));
		s->lines[s->n_lines].path = xstrdup(c2 + 1);
		s->n_lines++;
	}
	return 0;
}

/* The hierarchy of a subsystem as /proc/self/cgroup lists it */
static const struct cgroup_line *cgroup_line_of(const struct cgroup_set *s, const char *ss,
						size_t len)
{
	for (size_t i = 0; i < s->n_lines; i++)
		if (list_has(s->lines[i].controllers, ss, len))
			return &s->lines[i];
	return NULL;
}

/* The v1 hierarchies mounted on the host, each with the host directory of
 * the cgroup this process is in (runc's getCgroupMounts) */
static int read_cgroup_hierarchies(struct cgroup_set *s, berth_error_t **err)
{
	int r = read_proc_cgroup(s, err);
	if (r < 0)
		return r;
	cleanup_fclose FILE *f = fopen("/proc/self/mountinfo", "re");
	if (f == NULL)
		return berth_error_set(err, errno, "open '/proc/self/mountinfo'");
	cleanup_free char *line = NULL;
	size_t cap = 0;
	for (size_t nline = 0; getline(&line, &cap, f) > 0; nline++) {
		struct mountinfo mi;
		if (nline > MOUNTINFO_MAX_LINES)
			return berth_error_set(err, E2BIG, "more than %d mounts",
					       MOUNTINFO_MAX_LINES);
		if (mountinfo_parse(line, &mi) < 0 || strcmp(mi.fstype, "cgroup") != 0)
			continue;
		/* the subsystems: super options that /proc/self/cgroup knows */
		cleanup_strbuf struct strbuf subsys = STRBUF_INIT;
		const struct cgroup_line *cl = NULL;
		for (const char *p = mi.superopts; *p;) {
			const char *end = strchrnul(p, ',');
			size_t len = (size_t)(end - p);
			const struct cgroup_line *l = cgroup_line_of(s, p, len);
			if (l) {
				cl = cl ? cl : l;
				if (subsys.len)
					strbuf_addch(&subsys, ',');
				strbuf_add(&subsys, p, len);
			}
			p = *end ? end + 1 : end;
		}
		if (cl == NULL)
			continue;
		const char *name = strrchr(mi.mountpoint, '/');
		name = name ? name + 1 : mi.mountpoint;
		if (*name == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		bool dup = false;
		for (size_t i = 0; i < s->n_hiers; i++)
			dup = dup || strcmp(s->hiers[i].name, name) == 0;
		if (dup)
			continue;
		if (s->n_hiers == CGROUP_MAX_HIERARCHIES)
			return berth_error_set(err, E2BIG, "more than %d cgroup hierarchies",
					       CGROUP_MAX_HIERARCHIES);
		/* our cgroup relative to the mount's root; when the mount does
		 * not show it, the mount's root is all we can give */
		const char *rel = "";
		size_t rl = strlen(mi.root);
		if (strcmp(mi.root, "/") == 0)
			rel = cl->path;
		else if (strncmp(cl->path, mi.root, rl) == 0 &&
			 (cl->path[rl] == '/' || cl->path[rl] == '\0'))
			rel = cl->path + rl;
		struct cgroup_hier *h = &s->hiers[s->n_hiers++];
		h->name = xstrdup(name);
		h->source = xasprintf("%s%s", mi.mountpoint, strcmp(rel, "/") == 0 ? "" : rel);
		h->subsys = strbuf_detach(&subsys, NULL);
	}
	return 0;
}

/* The directory of hierarchy `name` in the tmpfs `top` that we have just
 * mounted (mkdir first when make): nothing but us has written there, so
 * one openat from top replaces a walk from the rootfs per hierarchy; a name
 * with a '/' (none that the kernel makes) takes the walk */
static int hier_dir_open(int top, int rootfd, const char *sub, const char *name, bool make,
			 berth_error_t **err)
{
	if (strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return make ? root_mkdir_all(rootfd, sub, 0755, 0, err) :
			      reopen_target(rootfd, sub, err);
	if (make && mkdirat(top, name, 0755) < 0 && errno != EEXIST)
		return berth_error_set(err, errno, "mkdir '%s'", sub);
	int fd = openat(top, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berth_error_set(err, errno, "open '%s'", sub);
	return fd;
}

/* cgroup v1: a tmpfs at the destination holding one directory per host
 * hierarchy.  Without a cgroup namespace each is a bind of the host
 * directory of the container's own cgroup (the container sees its cgroup
 * as the root of each hierarchy and nothing above it); with one, a fresh
 * cgroup mount, which the kernel roots at the namespace's cgroup. */
static int do_cgroup_v1(const struct mount_env *env, const char *dest, const struct mount_opts *o,
			berth_error_t **err)
{
	struct cgroup_set set __attribute__((cleanup(cgroup_set_release))) = { 0 };
	int r = read_cgroup_hierarchies(&set, err);
	if (r < 0)
		return berth_error_wrap(err, "mount cgroup on '%s'", dest);

	cleanup_close int target = mount_target_open(env->rootfd, dest, true, err);
	if (target < 0)
		return berth_error_wrap(err, "mount cgroup on '%s'", dest);
	struct mount_fdpath p;
	if (mount("tmpfs", mount_fdpath(target, &p), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=755") < 0)
		return berth_error_set(err, errno, "mount 'tmpfs' on '%s'", dest);
	cleanup_close int top = reopen_target(env->rootfd, dest, err);
	if (top < 0)
		return top;
	for (size_t i = 0; i < o->n_propagation; i++)
		if (mount(NULL, mount_fdpath(top, &p), NULL, o->propagation[i], NULL) < 0)
			return berth_error_set(err, errno, "set propagation of '%s'", dest);

	unsigned long flags = o->flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
	for (size_t i = 0; i < set.n_hiers; i++) {
		const struct cgroup_hier *h = &set.hiers[i];
		cleanup_free char *sub = xasprintf("%s/%s", strcmp(dest, "/") ? dest : "", h->name);
		cleanup_close int t = hier_dir_open(top, env->rootfd, sub, h->name, true, err);
		if (t < 0)
			return t;
		if (env->new_cgroupns) {
			if (mount("cgroup", mount_fdpath(t, &p), "cgroup", flags, h->subsys) < 0)
				return berth_error_set(err, errno, "mount 'cgroup' on '%s'", sub);
		} else if ((r = mount_bind_fd(h->source, t, sub, true, err)) < 0) {
			return r;
		}
		cleanup_close int fd = hier_dir_open(top, env->rootfd, sub, h->name, false, err);
		if (fd < 0)
			return fd;
		if (!env->new_cgroupns && flags &&
		    (r = mount_remount_bind(fd, sub, flags, err)) < 0)
			return r;
		for (size_t j = 0; j < o->n_propagation; j++)
			if (mount(NULL, mount_fdpath(fd, &p), NULL, o->propagation[j], NULL) < 0)
				return berth_error_set(err, errno, "set propagation of '%s'", sub);
		/* co-mounted "cpu,cpuacct" is also reachable as cpu and cpuacct */
		if (strchr(h->name, ',')) {
			for (const char *s = h->name; *s;) {
				const char *end = strchrnul(s, ',');
				cleanup_free char *link = xstrndup(s, (size_t)(end - s));
				if (symlinkat(h->name, top, link) < 0 && errno != EEXIST)
					return berth_error_set(err, errno, "symlink '%s/%s'", dest,
							       link);
				s = *end ? end + 1 : end;
			}
		}
	}
	if (o->flags & MS_RDONLY) {
		r = mount_remount_bind(top, dest, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
				       err);
		if (r < 0)
			return r;
	}
	if (o->attr_set || o->attr_clr) {
		struct mount_attr a = { .attr_set = o->attr_set, .attr_clr = o->attr_clr };
		if (mount_setattr(top, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)) < 0)
			return berth_error_set(err, errno, "set recursive attributes of '%s'",
					       dest);
	}
	return 0;
}

static int do_cgroup(const struct mount_env *env, const struct oci_mount *m, const char *dest,
		     const struct mount_opts *o, berth_error_t **err)
{
	struct statfs sf;
	if (statfs("/sys/fs/cgroup", &sf) < 0)
		return berth_error_set(err, errno, "statfs '/sys/fs/cgroup'");
	if (sf.f_type != CGROUP2_SUPER_MAGIC)
		return do_cgroup_v1(env, dest, o, err);

	/* cgroup v2: a fresh cgroup2 mount; it shows the namespace's root
	 * cgroup.  Without a cgroup namespace (EPERM in a user namespace, or
	 * EBUSY) bind the host's tree instead, as runc does. */
	struct oci_mount v2 = *m;
	v2.type = "cgroup2";
	v2.source = "cgroup2";
	cleanup_error berth_error_t *e = NULL;
	int r = do_generic(env, &v2, dest, o, &e);
	if (r >= 0 || (errnum_of(e) != EPERM && errnum_of(e) != EBUSY))
		return r < 0 ? error_move(err, &e) : r;
	cleanup_close int target = mount_target_open(env->rootfd, dest, true, err);
	if (target < 0)
		return target;
	if ((r = mount_bind_fd("/sys/fs/cgroup", target, dest, true, err)) < 0)
		return r;
	cleanup_close int fd = reopen_target(env->rootfd, dest, err);
	if (fd < 0)
		return fd;
	if ((o->flags & ~(MS_BIND | MS_REC | MS_REMOUNT)) &&
	    (r = mount_remount_bind(fd, dest, o->flags, err)) < 0)
		return r;
	return mount_apply_propagation_attrs(fd, dest, o, err);
}

/* ---- one mount ------------------------------------------------------------ */

int mount_oci(const struct mount_env *env, const struct oci_mount *m, int tree_fd,
	      berth_error_t **err)
{
	if (m->destination == NULL || m->destination[0] != '/')
		return berth_error_set(err, EINVAL, "mount destination '%s' is not absolute",
				       m->destination ? m->destination : "");
	cleanup_mount_opts struct mount_opts o = { 0 };
	int r = mount_opts_parse(m, &o, err);
	if (r < 0)
		return r;
	/* idmap_trees_open() validated and made every idmapped mount */
	bool idmapped = (o.extra & MOUNT_OPT_IDMAP) || m->n_uid_mappings || m->n_gid_mappings;
	if (idmapped != (tree_fd >= 0))
		return berth_error_set(err, EINVAL, "mount on '%s': the idmapped mount %s",
				       m->destination,
				       idmapped ? "was not prepared" : "is not expected");
	bool bind = (o.extra & MOUNT_OPT_BIND) != 0;
	if (!bind && (m->type == NULL || *m->type == '\0'))
		return berth_error_set(err, EINVAL, "mount on '%s' has no type", m->destination);

	/* The destination as it resolves inside the rootfs right now; checks
	 * and messages use it, and every open below resolves it again in the
	 * rootfs (no container process runs yet, so nothing can race us). */
	cleanup_free char *dest = NULL;
	r = root_resolve(env->rootfd, m->destination, 0, &dest, err);
	if (r < 0)
		return berth_error_wrap(err, "mount on '%s'", m->destination);
	if (strcmp(dest, "/") == 0)
		return berth_error_set(err, EINVAL,
				       "mount on '%s': the rootfs itself is not a mount target",
				       m->destination);
	if ((r = check_proc_dest(dest, bind ? NULL : m->type, err)) < 0)
		return r;

	/* /dev is filled with device nodes after all mounts; an "ro" on it is
	 * applied by rootfs_finalize, as runc does.  Both decide by the same
	 * spelling of the destination (mount_path_equal), so the ro is never
	 * dropped on one side and not restored on the other. */
	if (!bind && mount_path_equal(m->destination, "/dev"))
		o.flags &= ~MS_RDONLY;

	if (bind)
		return do_bind(env, m, dest, &o, tree_fd, err);
	if (strcmp(m->type, "tmpfs") == 0)
		return do_tmpfs(env, m, dest, &o, err);
	if (strcmp(m->type, "cgroup") == 0)
		return do_cgroup(env, m, dest, &o, err);
	return do_generic(env, m, dest, &o, err);
}
