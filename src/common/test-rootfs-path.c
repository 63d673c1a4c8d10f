/* Unit tests for rootfs-path: a hostile tree (absolute and relative links
 * out of the root, chains, loops, files used as directories, dangling
 * links) resolved with openat2 and with the userspace walk.  Every case
 * runs in both modes and both must give the same answer; nothing may ever
 * appear outside the root. */
#include "common/unit.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/rootfs-path.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

static const enum root_open_flags modes[] = { 0, ROOT_FORCE_FALLBACK };
static const char *const mode_names[] = { "openat2", "fallback" };
#define N_MODES 2

struct fixture {
	char root[64];    /* the container root */
	char outside[64]; /* a host directory links point at; must stay untouched */
	int rootfd;
};

static void mkfile(int dirfd, const char *path, const char *content)
{
	cleanup_close int fd = openat(dirfd, path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
}

static void mklink(int dirfd, const char *target, const char *path)
{
	if (symlinkat(target, dirfd, path) < 0)
		fail_msg("symlink '%s' -> '%s': %s", path, target, strerror(errno));
}

static void fixture_build(struct fixture *fx)
{
	snprintf(fx->root, sizeof(fx->root), "/tmp/berth-test-root-XXXXXX");
	snprintf(fx->outside, sizeof(fx->outside), "/tmp/berth-test-outside-XXXXXX");
	assert_non_null(mkdtemp(fx->root));
	assert_non_null(mkdtemp(fx->outside));
	fx->rootfd = open(fx->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(fx->rootfd >= 0);
	int r = fx->rootfd;

	cleanup_close int outfd = open(fx->outside, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(outfd >= 0);
	mkfile(outfd, "secret", "host secret\n");

	assert_int_equal(mkdirat(r, "etc", 0755), 0);
	assert_int_equal(mkdirat(r, "etc/dir", 0755), 0);
	assert_int_equal(mkdirat(r, "a", 0755), 0);
	mkfile(r, "etc/passwd", "root-passwd\n");
	mkfile(r, "file", "file\n");
	mklink(r, "/", "evil");
	mklink(r, "/etc", "abs");
	mklink(r, "../../../../", "up");
	mklink(r, "../../../../etc/passwd", "upfile");
	mklink(r, "../../../../../etc", "etc/back");
	mklink(r, "chain2", "chain1");
	mklink(r, "./chain3", "chain2");
	mklink(r, "/etc/passwd", "chain3");
	mklink(r, "loop2", "loop1");
	mklink(r, "loop1", "loop2");
	mklink(r, "self", "self");
	mklink(r, "etc/dir", "dir_link");
	mklink(r, "file", "filelink");
	mklink(r, "newfile", "dangle_rel");
	mklink(r, fx->outside, "to_outside");
	cleanup_free char *dangle = xasprintf("%s/created", fx->outside);
	mklink(r, dangle, "dangle");

	/* n0 -> n1 -> ... -> n39 -> file: exactly ROOT_MAX_SYMLINKS hops;
	 * m0 -> n0 is one too many. */
	for (int i = 0; i < ROOT_MAX_SYMLINKS; i++) {
		char name[16], target[16];
		snprintf(name, sizeof(name), "n%d", i);
		snprintf(target, sizeof(target), "n%d", i + 1);
		mklink(r, i + 1 < ROOT_MAX_SYMLINKS ? target : "file", name);
	}
	mklink(r, "n0", "m0");
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path) < 0 ? -1 : 0;
}

static void fixture_destroy(struct fixture *fx)
{
	cleanup_closep(&fx->rootfd);
	/* FTW_PHYS: never follow "evil -> /" while deleting */
	nftw(fx->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	nftw(fx->outside, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int setup(void **state)
{
	struct fixture *fx = xzalloc(sizeof(*fx));
	fixture_build(fx);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	fixture_destroy(fx);
	free(fx);
	return 0;
}

/* The host directory the links point at holds only what we put there */
static void assert_outside_untouched(const struct fixture *fx)
{
	cleanup_dir DIR *d = opendir(fx->outside);
	assert_non_null(d);
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    strcmp(de->d_name, "secret"))
			fail_msg("'%s/%s' was created outside the root", fx->outside, de->d_name);
	}
}

/* Replace "@OUT@" in s by the outside directory's path */
static char *expand(const struct fixture *fx, const char *s)
{
	const char *at = strstr(s, "@OUT@");
	if (at == NULL)
		return xstrdup(s);
	return xasprintf("%.*s%s%s", (int)(at - s), s, fx->outside, at + 5);
}

struct result {
	int err; /* errno, 0 on success */
	dev_t dev;
	ino_t ino;
	char *path; /* root_resolve */
};

static void result_release(struct result *res)
{
	free(res->path);
	res->path = NULL;
}

static void assert_same(const struct result *a, const struct result *b, const char *what,
			const char *path)
{
	if (a->err != b->err)
		fail_msg("%s '%s': openat2 says %s, fallback says %s", what, path, strerror(a->err),
			 strerror(b->err));
	if (a->err == 0 && (a->dev != b->dev || a->ino != b->ino))
		fail_msg("%s '%s': modes opened different files", what, path);
	if (a->path && b->path && strcmp(a->path, b->path) != 0)
		fail_msg("%s '%s': openat2 says '%s', fallback says '%s'", what, path, a->path,
			 b->path);
}

/* Identity of the object at path (relative to the host view of the root) */
static void stat_in_root(const struct fixture *fx, const char *path, dev_t *dev, ino_t *ino)
{
	struct stat st;
	if (fstatat(fx->rootfd, path, &st, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) < 0)
		fail_msg("stat '%s' in fixture: %s", path, strerror(errno));
	*dev = st.st_dev;
	*ino = st.st_ino;
}

static void do_open(const struct fixture *fx, const char *path, int flags,
		    enum root_open_flags rflags, struct result *res)
{
	*res = (struct result){ 0 };
	cleanup_error berth_error_t *err = NULL;
	cleanup_close int fd = root_open(fx->rootfd, path, flags, 0600, rflags, &err);
	if (fd < 0) {
		assert_non_null(err);
		assert_int_equal(fd, -err->errnum);
		assert_error_contains(err, "in root");
		res->err = err->errnum;
		return;
	}
	assert_null(err);
	int fdflags = fcntl(fd, F_GETFD);
	assert_true(fdflags >= 0 && (fdflags & FD_CLOEXEC));
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	res->dev = st.st_dev;
	res->ino = st.st_ino;
}

static void do_resolve(const struct fixture *fx, const char *path, enum root_open_flags rflags,
		       struct result *res)
{
	*res = (struct result){ 0 };
	cleanup_error berth_error_t *err = NULL;
	char *out = NULL;
	int r = root_resolve(fx->rootfd, path, rflags, &out, &err);
	if (r < 0) {
		assert_non_null(err);
		assert_null(out);
		assert_error_contains(err, "resolve '");
		/* the cases tell failures apart by errno */
		if (err->errnum == 0)
			fail_msg("resolve '%s': error without errno: %s", path, err->msg);
		res->err = err->errnum;
		return;
	}
	assert_int_equal(r, 0);
	assert_non_null(out);
	res->path = out;
}

static const struct open_case {
	const char *path;
	int flags;
	enum root_open_flags rflags;
	int err;
	const char *expect; /* what was opened, relative to the fixture root */
} open_cases[] = {
	{ "etc/passwd", O_RDONLY, 0, 0, "etc/passwd" },
	{ "/etc/passwd", O_RDONLY, 0, 0, "etc/passwd" },
	{ "//etc//./passwd", O_RDONLY, 0, 0, "etc/passwd" },
	{ "evil/etc/passwd", O_RDONLY, 0, 0, "etc/passwd" },
	{ "evil/../../etc/passwd", O_RDONLY, 0, 0, "etc/passwd" },
	{ "abs/passwd", O_RDONLY, 0, 0, "etc/passwd" },
	{ "up/etc/passwd", O_RDONLY, 0, 0, "etc/passwd" },
	{ "upfile", O_RDONLY, 0, 0, "etc/passwd" },
	{ "chain1", O_RDONLY, 0, 0, "etc/passwd" },
	{ "../../../../etc/passwd", O_RDONLY, 0, 0, "etc/passwd" },
	{ "a/../../../../etc/passwd", O_RDONLY, 0, 0, "etc/passwd" },
	{ "etc/back/passwd", O_RDONLY, 0, 0, "etc/passwd" },
	/* ".." after a link goes to the target's parent, not the link's */
	{ "dir_link/../passwd", O_RDONLY, 0, 0, "etc/passwd" },
	{ "dir_link/", O_RDONLY, 0, 0, "etc/dir" },
	{ "dir_link/.", O_RDONLY | O_DIRECTORY, 0, 0, "etc/dir" },
	{ "/", O_RDONLY, 0, 0, "" },
	{ ".", O_RDONLY, 0, 0, "" },
	{ "..", O_RDONLY, 0, 0, "" },
	{ "evil", O_RDONLY, 0, 0, "" },
	{ "up", O_RDONLY, 0, 0, "" },
	{ "n0", O_RDONLY, 0, 0, "file" },
	{ "m0", O_RDONLY, 0, ELOOP, NULL },
	{ "loop1", O_RDONLY, 0, ELOOP, NULL },
	{ "self", O_RDONLY, 0, ELOOP, NULL },
	{ "loop1/x", O_RDONLY, 0, ELOOP, NULL },
	{ "file/x", O_RDONLY, 0, ENOTDIR, NULL },
	{ "file/", O_RDONLY, 0, ENOTDIR, NULL },
	{ "file/..", O_RDONLY, 0, ENOTDIR, NULL },
	{ "filelink/", O_RDONLY, 0, ENOTDIR, NULL },
	{ "filelink/x", O_RDONLY, 0, ENOTDIR, NULL },
	{ "missing", O_RDONLY, 0, ENOENT, NULL },
	{ "missing/x", O_RDONLY, 0, ENOENT, NULL },
	{ "dangle", O_RDONLY, 0, ENOENT, NULL },
	{ "to_outside/secret", O_RDONLY, 0, ENOENT, NULL },
	{ "", O_RDONLY, 0, ENOENT, NULL },
	{ "chain1", O_RDONLY, ROOT_NO_FOLLOW_LAST, ELOOP, NULL },
	{ "chain1", O_PATH, ROOT_NO_FOLLOW_LAST, 0, "chain1" },
	{ "chain1", O_PATH | O_NOFOLLOW, 0, 0, "chain1" },
	{ "evil", O_PATH, ROOT_NO_FOLLOW_LAST, 0, "evil" },
	/* a trailing slash follows the link even under O_NOFOLLOW */
	{ "evil/", O_PATH | O_NOFOLLOW, 0, 0, "" },
	{ "etc", O_WRONLY, 0, EISDIR, NULL },
	{ "etc/passwd", O_RDONLY | O_DIRECTORY, 0, ENOTDIR, NULL },
	{ "etc", O_PATH | O_CREAT, 0, EINVAL, NULL },
};

static void test_open(void **state)
{
	struct fixture *fx = *state;
	for (size_t i = 0; i < sizeof(open_cases) / sizeof(open_cases[0]); i++) {
		const struct open_case *c = &open_cases[i];
		struct result res[N_MODES];
		for (int m = 0; m < N_MODES; m++) {
			do_open(fx, c->path, c->flags, c->rflags | modes[m], &res[m]);
			if (res[m].err != c->err)
				fail_msg("open '%s' (%s): got %s, want %s", c->path, mode_names[m],
					 res[m].err ? strerror(res[m].err) : "success",
					 c->err ? strerror(c->err) : "success");
			if (c->err == 0) {
				dev_t dev;
				ino_t ino;
				stat_in_root(fx, c->expect, &dev, &ino);
				if (dev != res[m].dev || ino != res[m].ino)
					fail_msg("open '%s' (%s): opened the wrong file, want '%s'",
						 c->path, mode_names[m], c->expect);
			}
		}
		assert_same(&res[0], &res[1], "open", c->path);
		assert_outside_untouched(fx);
	}
}

static const struct resolve_case {
	const char *path;
	enum root_open_flags rflags;
	int err;
	const char *expect;
} resolve_cases[] = {
	{ "etc/passwd", 0, 0, "/etc/passwd" },
	{ "/etc/passwd", 0, 0, "/etc/passwd" },
	{ "evil/etc/passwd", 0, 0, "/etc/passwd" },
	{ "abs", 0, 0, "/etc" },
	{ "abs/", 0, 0, "/etc" },
	{ "up", 0, 0, "/" },
	{ "..", 0, 0, "/" },
	{ "/", 0, 0, "/" },
	{ ".", 0, 0, "/" },
	{ "//", 0, 0, "/" },
	{ "upfile", 0, 0, "/etc/passwd" },
	{ "chain1", 0, 0, "/etc/passwd" },
	{ "chain1", ROOT_NO_FOLLOW_LAST, 0, "/chain1" },
	{ "chain1/", ROOT_NO_FOLLOW_LAST, ENOTDIR, NULL },
	{ "evil", ROOT_NO_FOLLOW_LAST, 0, "/evil" },
	{ "dir_link/../passwd", 0, 0, "/etc/passwd" },
	{ "dir_link/new/deeper", 0, 0, "/etc/dir/new/deeper" },
	{ "dangle", 0, 0, "@OUT@/created" },
	{ "dangle_rel", 0, 0, "/newfile" },
	{ "to_outside/secret", 0, 0, "@OUT@/secret" },
	{ "missing/a/../b", 0, 0, "/missing/b" },
	{ "missing/../../..", 0, 0, "/" },
	{ "missing/./x/", 0, 0, "/missing/x" },
	{ "a/../../../../x", 0, 0, "/x" },
	{ "etc/back", 0, 0, "/etc" },
	{ "n0", 0, 0, "/file" },
	{ "m0", 0, ELOOP, NULL },
	{ "loop1", 0, ELOOP, NULL },
	{ "loop1", ROOT_NO_FOLLOW_LAST, 0, "/loop1" },
	{ "loop1/x", 0, ELOOP, NULL },
	{ "file/x", 0, ENOTDIR, NULL },
	{ "file/", 0, ENOTDIR, NULL },
	{ "", 0, ENOENT, NULL },
};

static void test_resolve(void **state)
{
	struct fixture *fx = *state;
	for (size_t i = 0; i < sizeof(resolve_cases) / sizeof(resolve_cases[0]); i++) {
		const struct resolve_case *c = &resolve_cases[i];
		int want_err = c->err; /* a local: the analyzer re-reads fields after calls */
		cleanup_free char *expect = c->expect ? expand(fx, c->expect) : NULL;
		if (want_err == 0 && expect == NULL)
			fail_msg("resolve '%s': a case that succeeds needs an expected path",
				 c->path);
		struct result res[N_MODES];
		for (int m = 0; m < N_MODES; m++) {
			do_resolve(fx, c->path, c->rflags | modes[m], &res[m]);
			if (res[m].err != want_err)
				fail_msg("resolve '%s' (%s): got %s, want %s", c->path,
					 mode_names[m],
					 res[m].err ? strerror(res[m].err) : res[m].path,
					 want_err ? strerror(want_err) : expect);
			if (want_err == 0 && strcmp(res[m].path, expect) != 0)
				fail_msg("resolve '%s' (%s): got '%s', want '%s'", c->path,
					 mode_names[m], res[m].path, expect);
		}
		assert_same(&res[0], &res[1], "resolve", c->path);
		for (int m = 0; m < N_MODES; m++)
			result_release(&res[m]);
	}
}

static const struct create_case {
	const char *path;
	int flags;
	enum root_open_flags rflags;
	int err;
	const char *created; /* must exist afterwards, relative to the fixture root */
} create_cases[] = {
	{ "dangle_rel", O_CREAT | O_WRONLY, 0, 0, "newfile" },
	{ "newfile2", O_CREAT | O_EXCL | O_WRONLY, 0, 0, "newfile2" },
	{ "up/created-via-up", O_CREAT | O_WRONLY, 0, 0, "created-via-up" },
	{ "evil/etc/created", O_CREAT | O_WRONLY, 0, 0, "etc/created" },
	{ "abs/created2", O_CREAT | O_RDWR | O_TRUNC, 0, 0, "etc/created2" },
	{ "dir_link/../created3", O_CREAT | O_WRONLY, 0, 0, "etc/created3" },
	/* the link points at a host path whose directory the root lacks */
	{ "dangle", O_CREAT | O_WRONLY, 0, ENOENT, NULL },
	{ "dangle", O_CREAT | O_EXCL | O_WRONLY, 0, EEXIST, NULL },
	{ "dangle", O_CREAT | O_WRONLY, ROOT_NO_FOLLOW_LAST, ELOOP, NULL },
	{ "to_outside/new", O_CREAT | O_WRONLY, 0, ENOENT, NULL },
	{ "evil", O_CREAT | O_WRONLY, 0, EISDIR, NULL },
	{ "newdir/", O_CREAT | O_WRONLY, 0, EISDIR, NULL },
	{ "chain1", O_CREAT | O_EXCL | O_WRONLY, 0, EEXIST, NULL },
	{ "etc/passwd", O_CREAT | O_EXCL | O_WRONLY, 0, EEXIST, NULL },
	{ "missing/x", O_CREAT | O_WRONLY, 0, ENOENT, NULL },
	{ "file/x", O_CREAT | O_WRONLY, 0, ENOTDIR, NULL },
	{ "loop1", O_CREAT | O_WRONLY, 0, ELOOP, NULL },
	{ ".", O_CREAT | O_WRONLY, 0, EISDIR, NULL },
	{ "/", O_CREAT | O_EXCL | O_WRONLY, 0, EEXIST, NULL },
};

static void test_create(void **state)
{
	struct fixture *fx = *state;
	for (size_t i = 0; i < sizeof(create_cases) / sizeof(create_cases[0]); i++) {
		const struct create_case *c = &create_cases[i];
		struct result res[N_MODES];
		for (int m = 0; m < N_MODES; m++) {
			do_open(fx, c->path, c->flags, c->rflags | modes[m], &res[m]);
			if (res[m].err != c->err)
				fail_msg("create '%s' (%s): got %s, want %s", c->path,
					 mode_names[m],
					 res[m].err ? strerror(res[m].err) : "success",
					 c->err ? strerror(c->err) : "success");
			assert_outside_untouched(fx);
			if (c->created) {
				struct stat st;
				if (fstatat(fx->rootfd, c->created, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
				    !S_ISREG(st.st_mode) || st.st_ino != res[m].ino)
					fail_msg("create '%s' (%s): '%s' not created", c->path,
						 mode_names[m], c->created);
				/* remove it so that the other mode creates it too */
				assert_int_equal(unlinkat(fx->rootfd, c->created, 0), 0);
				res[m].ino = 0;
			}
		}
		assert_same(&res[0], &res[1], "create", c->path);
	}
}

/* A dangling absolute link whose target directory exists inside the root:
 * the file appears there, and the host path it names stays absent. */
static void test_create_dangling_inside(void **state)
{
	struct fixture *fx = *state;
	cleanup_error berth_error_t *err = NULL;
	cleanup_close int dirfd = root_mkdir_all(fx->rootfd, fx->outside, 0755, 0, &err);
	assert_true(dirfd >= 0);
	cleanup_free char *inside = xasprintf("%s/created", fx->outside + 1);
	for (int m = 0; m < N_MODES; m++) {
		cleanup_close int fd =
			root_open(fx->rootfd, "dangle", O_CREAT | O_WRONLY, 0600, modes[m], &err);
		if (fd < 0)
			fail_msg("create through 'dangle' (%s): %s", mode_names[m], err->msg);
		assert_int_equal(write(fd, "x", 1), 1);
		struct stat st, st2;
		assert_int_equal(fstat(fd, &st), 0);
		assert_int_equal(fstatat(fx->rootfd, inside, &st2, AT_SYMLINK_NOFOLLOW), 0);
		assert_int_equal(st.st_ino, st2.st_ino);
		assert_outside_untouched(fx);
		assert_int_equal(unlinkat(fx->rootfd, inside, 0), 0);
	}
}

static const struct mkdir_case {
	const char *path;
	enum root_open_flags rflags;
	int err;
	const char *expect; /* resolved path of the directory */
} mkdir_cases[] = {
	{ "evil/@ROOTNAME@/x", 0, 0, "/@ROOTNAME@/x" },
	{ "to_outside/sub/deeper", 0, 0, "@OUT@/sub/deeper" },
	{ "dangle/sub", 0, 0, "@OUT@/created/sub" },
	{ "up/made", 0, 0, "/made" },
	{ "dir_link/../new//x/./y/..", 0, 0, "/etc/new/x" },
	{ "etc", 0, 0, "/etc" },
	{ "abs", 0, 0, "/etc" },
	{ "/", 0, 0, "/" },
	{ "abs", ROOT_NO_FOLLOW_LAST, ENOTDIR, NULL },
	{ "file", 0, ENOTDIR, NULL },
	{ "file/x", 0, ENOTDIR, NULL },
	{ "filelink", 0, ENOTDIR, NULL },
	{ "loop1/x", 0, ELOOP, NULL },
	{ "m0/x", 0, ELOOP, NULL },
	{ "", 0, ENOENT, NULL },
};

static char *expand_mkdir(const struct fixture *fx, const char *s)
{
	cleanup_free char *e = expand(fx, s);
	const char *at = strstr(e, "@ROOTNAME@");
	if (at == NULL)
		return steal_pointer(&e);
	/* A name that certainly does not exist on the host: the root's own */
	return xasprintf("%.*s%s%s", (int)(at - e), e, strrchr(fx->root, '/') + 1, at + 10);
}

static void test_mkdir_all(void **state)
{
	for (size_t i = 0; i < sizeof(mkdir_cases) / sizeof(mkdir_cases[0]); i++) {
		const struct mkdir_case *c = &mkdir_cases[i];
		int want_err = c->err; /* a local: the analyzer re-reads fields after calls */
		struct result res[N_MODES];
		for (int m = 0; m < N_MODES; m++) {
			/* a fresh tree per mode: both must create, not find */
			struct fixture fx;
			fixture_build(&fx);
			cleanup_free char *path = expand_mkdir(&fx, c->path);
			cleanup_free char *expect = c->expect ? expand_mkdir(&fx, c->expect) : NULL;
			if (want_err == 0 && expect == NULL)
				fail_msg("mkdir '%s': a case that succeeds needs an expected path",
					 c->path);
			cleanup_error berth_error_t *err = NULL;
			res[m] = (struct result){ 0 };
			cleanup_close int fd =
				root_mkdir_all(fx.rootfd, path, 0755, c->rflags | modes[m], &err);
			if (fd < 0) {
				assert_non_null(err);
				assert_error_contains(err, "create directory '");
				res[m].err = err->errnum;
			}
			if (res[m].err != want_err)
				fail_msg("mkdir '%s' (%s): got %s, want %s", path, mode_names[m],
					 res[m].err ? strerror(res[m].err) : "success",
					 want_err ? strerror(want_err) : "success");
			if (fd >= 0) {
				int fl = fcntl(fd, F_GETFL);
				assert_true(fl >= 0 && (fl & O_PATH));
				struct stat st, st2;
				assert_int_equal(fstat(fd, &st), 0);
				assert_true(S_ISDIR(st.st_mode));
				/* the fd is the directory the path resolves to */
				assert_int_equal(root_resolve(fx.rootfd, path, modes[m],
							      &res[m].path, &err),
						 0);
				assert_string_equal(res[m].path, expect);
				/* compare modes on the fixture-independent spelling */
				free(res[m].path);
				res[m].path = xstrdup(c->expect);
				assert_int_equal(fstatat(fx.rootfd, expect + 1, &st2,
							 AT_EMPTY_PATH),
						 0);
				assert_int_equal(st.st_ino, st2.st_ino);
				/* and it was not made on the host through "evil -> /"
				 * (links to the outside dir: assert_outside_untouched) */
				if (strstr(c->path, "@ROOTNAME@"))
					assert_int_equal(access(expect, F_OK), -1);
			}
			assert_outside_untouched(&fx);
			fixture_destroy(&fx);
		}
		assert_same(&res[0], &res[1], "mkdir", c->path);
		for (int m = 0; m < N_MODES; m++)
			result_release(&res[m]);
	}
}

static void test_long_paths(void **state)
{
	struct fixture *fx = *state;
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < PATH_MAX; i++)
		strbuf_addch(&sb, 'a');
	/* 2047 "./" and one "." is PATH_MAX - 1 bytes: still allowed */
	struct strbuf dots = STRBUF_INIT;
	while (dots.len < PATH_MAX - 3)
		strbuf_addstr(&dots, "./");
	strbuf_addch(&dots, '.');
	assert_int_equal(dots.len, PATH_MAX - 1);
	/* many ".." from a deep directory, each one a re-walk in the fallback */
	struct strbuf ups = STRBUF_INIT;
	strbuf_addstr(&ups, "etc/dir");
	for (int i = 0; i < 1000; i++)
		strbuf_addstr(&ups, "/..");
	strbuf_addstr(&ups, "/etc/passwd");

	for (int m = 0; m < N_MODES; m++) {
		cleanup_error berth_error_t *err = NULL;
		char *out = NULL;
		assert_int_equal(root_open(fx->rootfd, sb.buf, O_RDONLY, 0, modes[m], &err),
				 -ENAMETOOLONG);
		assert_error_contains(err, "...' in root");
		assert_int_equal(root_resolve(fx->rootfd, sb.buf, modes[m], &out, &err),
				 -ENAMETOOLONG);
		assert_int_equal(root_mkdir_all(fx->rootfd, sb.buf, 0755, modes[m], &err),
				 -ENAMETOOLONG);
		assert_int_equal(root_resolve(fx->rootfd, dots.buf, modes[m], &out, &err), 0);
		assert_string_equal(out, "/");
		free(out);
		assert_int_equal(root_resolve(fx->rootfd, ups.buf, modes[m], &out, &err), 0);
		assert_string_equal(out, "/etc/passwd");
		free(out);
		/* one component longer than NAME_MAX */
		cleanup_free char *longname = xasprintf("etc/%.*s", NAME_MAX + 1, sb.buf);
		assert_int_equal(root_open(fx->rootfd, longname, O_RDONLY, 0, modes[m], &err),
				 -ENAMETOOLONG);
	}
	strbuf_release(&sb);
	strbuf_release(&dots);
	strbuf_release(&ups);
}

static void test_errors(void **state)
{
	struct fixture *fx = *state;
	cleanup_error berth_error_t *err = NULL;
	for (int m = 0; m < N_MODES; m++) {
		assert_int_equal(root_open(fx->rootfd, "etc/missing", O_RDONLY, 0, modes[m], &err),
				 -ENOENT);
		assert_string_equal(err->msg,
				    "open 'etc/missing' in root: No such file or directory");
		char *out = NULL;
		assert_int_equal(root_resolve(fx->rootfd, "loop1", modes[m], &out, &err), -ELOOP);
		assert_error_contains(err, "resolve 'loop1' in root: ");
		assert_null(out);
		/* NULL err is allowed */
		assert_int_equal(root_open(fx->rootfd, "file/x", O_RDONLY, 0, modes[m], NULL),
				 -ENOTDIR);
		/* a root that is not a directory */
		cleanup_close int filefd = openat(fx->rootfd, "file", O_PATH | O_CLOEXEC);
		assert_true(filefd >= 0);
		assert_int_equal(root_open(filefd, "x", O_RDONLY, 0, modes[m], &err), -ENOTDIR);
		assert_int_equal(root_open(fx->rootfd, NULL, O_RDONLY, 0, modes[m], &err), -EINVAL);
	}
}

/* Magic links: with the host's "/" as the root (read-only opens only),
 * /proc/self/root and /proc/self/fd/N must be refused in both modes, while
 * the plain /proc/self link still works. */
static void test_magic_links(void **state)
{
	if (access("/proc/self/status", F_OK) < 0) {
		skip(); /* no /proc mounted */
		return;
	}
	cleanup_close int hostfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(hostfd >= 0);
	for (int m = 0; m < N_MODES; m++) {
		cleanup_error berth_error_t *err = NULL;
		assert_int_equal(root_open(hostfd, "proc/self/root/etc/hostname", O_RDONLY, 0,
					   modes[m], &err),
				 -ELOOP);
		assert_int_equal(root_open(hostfd, "proc/self/fd/0", O_RDONLY, 0, modes[m], &err),
				 -ELOOP);
		assert_int_equal(root_open(hostfd, "proc/self/exe", O_PATH, 0, modes[m], &err),
				 -ELOOP);
		cleanup_close int fd =
			root_open(hostfd, "proc/self/status", O_RDONLY, 0, modes[m], &err);
		if (fd < 0)
			fail_msg("open /proc/self/status (%s): %s", mode_names[m], err->msg);
		cleanup_close int fd2 =
			root_open(hostfd, "proc/mounts", O_RDONLY, 0, modes[m], &err);
		if (fd2 < 0)
			fail_msg("open /proc/mounts (%s): %s", mode_names[m], err->msg);
	}
}

static void test_have_openat2(void **state)
{
	/* Kernels since 5.6 have it; report rather than require it, so the
	 * suite still runs (twice through the walk) under old kernels. */
	bool have = root_have_openat2();
	assert_int_equal(have, root_have_openat2());
	if (!have)
		print_message("openat2 not available: both modes use the fallback walk\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_have_openat2),
		cmocka_unit_test_setup_teardown(test_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_dangling_inside, setup, teardown),
		cmocka_unit_test(test_mkdir_all),
		cmocka_unit_test_setup_teardown(test_long_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test(test_magic_links),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
