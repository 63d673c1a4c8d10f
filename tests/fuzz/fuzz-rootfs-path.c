/* fuzz-rootfs-path: libFuzzer target that checks the userspace walk of
 * rootfs-path against the kernel's openat2(RESOLVE_IN_ROOT).  The input is
 * a path resolved and opened in a small hostile tree (links out of the
 * root, loops, chains, files used as directories); both modes must agree,
 * and every resolved path must be canonical and absolute.  Single-letter
 * names keep the interesting paths within the fuzzer's reach. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/rootfs-path.h"
#include "common/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root_dir[] = "/tmp/berth-fuzz-root-XXXXXX";
static int rootfd = -1;

static void must(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz setup: %s: %s\n", what, strerror(errno));
		abort();
	}
}

static void mkfile(const char *path)
{
	int fd = openat(rootfd, path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
	must(fd >= 0, path);
	close(fd);
}

static void mklink(const char *target, const char *path)
{
	must(symlinkat(target, rootfd, path) == 0, path);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path) < 0 ? -1 : 0;
}

static void tree_remove(void)
{
	/* FTW_PHYS: never follow "e -> /" while deleting */
	nftw(root_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void tree_build(void)
{
	must(mkdtemp(root_dir) != NULL, "mkdtemp");
	rootfd = open(root_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	must(rootfd >= 0, root_dir);
	atexit(tree_remove);
	must(mkdirat(rootfd, "d", 0755) == 0, "d");
	must(mkdirat(rootfd, "d/e", 0755) == 0, "d/e");
	mkfile("f");
	mkfile("d/f");
	mklink("/", "e");        /* evil: absolute to the host root */
	mklink("../../..", "u"); /* up and out */
	mklink("/d", "a");       /* absolute, inside */
	mklink("d/e/../f", "b"); /* ".." through a real dir */
	mklink("m", "l");        /* loop */
	mklink("l", "m");
	mklink("s", "s");              /* self loop */
	mklink("/nonexistent/x", "g"); /* dangling, absolute */
	mklink("../../d/e", "h");      /* relative escape back in */
	mklink("k", "c");              /* chain */
	mklink("/f", "k");
	mklink("d/f/", "t"); /* a file with a trailing slash */
	mklink(".", "p");
	mklink("..", "q");
	mklink("../..", "d/r");
	mklink("/d", "d/y");
	mklink(root_dir, "z"); /* the root's own host path */
	/* n -> n1 -> ... -> n39 -> f is ROOT_MAX_SYMLINKS links; o one more */
	for (int i = 0; i < ROOT_MAX_SYMLINKS; i++) {
		char name[16], target[16];
		snprintf(name, sizeof(name), i ? "n%d" : "n", i);
		snprintf(target, sizeof(target), "n%d", i + 1);
		mklink(i + 1 < ROOT_MAX_SYMLINKS ? target : "f", name);
	}
	mklink("n", "o");
}

/* Canonical: absolute, no empty, "." or ".." component, no trailing '/' */
static void check_canonical(const char *p, const char *input)
{
	size_t n = strlen(p);
	if (p[0] != '/' || strstr(p, "/../") || strstr(p, "/./") || strstr(p, "//") ||
	    (n > 1 && p[n - 1] == '/') || (n >= 2 && strcmp(p + n - 2, "/.") == 0) ||
	    (n >= 3 && strcmp(p + n - 3, "/..") == 0)) {
		fprintf(stderr, "resolve '%s': not canonical: '%s'\n", input, p);
		abort();
	}
}

static void disagree(const char *what, const char *input, const berth_error_t *e0,
		     const berth_error_t *e1)
{
	fprintf(stderr, "%s '%s': openat2: %s; fallback: %s\n", what, input,
		e0 ? e0->msg : "success", e1 ? e1->msg : "success");
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (rootfd < 0)
		tree_build();
	cleanup_free char *path = xmalloc(size + 1);
	memcpy(path, data, size);
	path[size] = '\0';

	static const enum root_open_flags variants[] = { 0, ROOT_NO_FOLLOW_LAST };
	for (size_t v = 0; v < sizeof(variants) / sizeof(variants[0]); v++) {
		cleanup_error berth_error_t *e0 = NULL, *e1 = NULL;
		cleanup_free char *p0 = NULL, *p1 = NULL;
		int r0 = root_resolve(rootfd, path, variants[v], &p0, &e0);
		int r1 = root_resolve(rootfd, path, variants[v] | ROOT_FORCE_FALLBACK, &p1, &e1);
		if (r0 != r1 || (r0 == 0 && strcmp(p0, p1) != 0))
			disagree("resolve", path, e0, e1);
		if (r0 == 0)
			check_canonical(p0, path);
	}

	cleanup_error berth_error_t *e0 = NULL, *e1 = NULL;
	cleanup_close int fd0 = root_open(rootfd, path, O_RDONLY, 0, 0, &e0);
	cleanup_close int fd1 = root_open(rootfd, path, O_RDONLY, 0, ROOT_FORCE_FALLBACK, &e1);
	if ((fd0 < 0) != (fd1 < 0) || (fd0 < 0 && fd0 != fd1))
		disagree("open", path, e0, e1);
	if (fd0 >= 0) {
		struct stat s0, s1, s2;
		if (fstat(fd0, &s0) < 0 || fstat(fd1, &s1) < 0 || s0.st_ino != s1.st_ino ||
		    s0.st_dev != s1.st_dev) {
			fprintf(stderr, "open '%s': the modes opened different files\n", path);
			abort();
		}
		/* What was opened is what root_resolve names */
		cleanup_free char *p = NULL;
		if (root_resolve(rootfd, path, ROOT_FORCE_FALLBACK, &p, NULL) < 0 ||
		    fstatat(rootfd, p + 1, &s2, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) < 0 ||
		    s2.st_ino != s0.st_ino || s2.st_dev != s0.st_dev) {
			fprintf(stderr, "open '%s': opened something other than '%s'\n", path,
				p ? p : "(unresolved)");
			abort();
		}
	}
	return 0;
}
