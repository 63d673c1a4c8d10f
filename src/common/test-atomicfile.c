/* Unit tests for atomicfile: content replaced whole, the mode exact under
 * any umask, streaming commit and abort, and no temp file left behind
 * after success or failure. */
#include "common/unit.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/atomicfile.h"
#include "common/cleanup.h"
#include "common/xalloc.h"

struct fixture {
	char dir[64];
	int dirfd;
};

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path) < 0 ? -1 : 0;
}

static int setup(void **state)
{
	struct fixture *fx = xzalloc(sizeof(*fx));
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/berth-test-atomic-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	fx->dirfd = open(fx->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fx->dirfd >= 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	cleanup_closep(&fx->dirfd);
	nftw(fx->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

/* Read name (relative to dirfd) whole; NULL when it does not exist */
static char *slurp(int dirfd, const char *name)
{
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	char *buf = xmalloc((size_t)st.st_size + 1);
	assert_int_equal(read(fd, buf, (size_t)st.st_size + 1), st.st_size);
	buf[st.st_size] = '\0';
	return buf;
}

static mode_t mode_of(int dirfd, const char *name)
{
	struct stat st;
	assert_int_equal(fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISREG(st.st_mode));
	return st.st_mode & 07777;
}

/* No ".*.tmp-*" file anywhere directly in dir (or dir/sub) */
static void assert_no_temp(const char *dir)
{
	cleanup_dir DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' && strstr(de->d_name, ".tmp-"))
			fail_msg("temp file '%s/%s' left behind", dir, de->d_name);
	}
}

static size_t count_entries(const char *dir)
{
	cleanup_dir DIR *d = opendir(dir);
	assert_non_null(d);
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL)
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	return n;
}

static void test_write_and_replace(void **state)
{
	struct fixture *fx = *state;
	cleanup_error berth_error_t *err = NULL;
	cleanup_free char *path = xasprintf("%s/state.json", fx->dir);
	assert_int_equal(atomic_write_file(path, "a much longer first content\n", 28, 0644, &err),
			 0);
	assert_null(err);
	cleanup_free char *c1 = slurp(fx->dirfd, "state.json");
	assert_string_equal(c1, "a much longer first content\n");
	/* shorter content replaces, never leaves a tail of the old */
	assert_int_equal(atomic_write_at(fx->dirfd, "state.json", "new\n", 4, 0644, &err), 0);
	cleanup_free char *c2 = slurp(fx->dirfd, "state.json");
	assert_string_equal(c2, "new\n");
	/* empty content */
	assert_int_equal(atomic_write_at(fx->dirfd, "state.json", "", 0, 0644, &err), 0);
	cleanup_free char *c3 = slurp(fx->dirfd, "state.json");
	assert_string_equal(c3, "");
	assert_no_temp(fx->dir);
	assert_int_equal(count_entries(fx->dir), 1);
}

static void test_big(void **state)
{
	struct fixture *fx = *state;
	size_t len = 3 * 1024 * 1024 + 7;
	cleanup_free char *data = xmalloc(len + 1);
	for (size_t i = 0; i < len; i++)
		data[i] = (char)('a' + i % 26);
	data[len] = '\0';
	assert_int_equal(atomic_write_at(fx->dirfd, "big", data, len, 0600, NULL), 0);
	cleanup_free char *back = slurp(fx->dirfd, "big");
	assert_non_null(back);
	assert_int_equal(strlen(back), len);
	assert_memory_equal(back, data, len);
}

static void test_mode_ignores_umask(void **state)
{
	struct fixture *fx = *state;
	static const struct {
		mode_t umask;
		mode_t mode;
	} cases[] = {
		{ 0077, 0644 }, { 0022, 0666 }, { 0, 0600 },
		{ 0777, 0640 }, { 0022, 0755 }, { 0, 01750 },
	};
	mode_t old = umask(0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		umask(cases[i].umask);
		cleanup_error berth_error_t *err = NULL;
		assert_int_equal(atomic_write_at(fx->dirfd, "f", "x", 1, cases[i].mode, &err), 0);
		if (mode_of(fx->dirfd, "f") != cases[i].mode)
			fail_msg("mode %04o under umask %04o: got %04o", cases[i].mode,
				 cases[i].umask, mode_of(fx->dirfd, "f"));
		/* streaming too */
		struct atomic_tmp tmp;
		assert_int_equal(atomic_tmp_open(fx->dirfd, "g", cases[i].mode, &tmp, &err), 0);
		assert_int_equal(atomic_tmp_commit(&tmp, &err), 0);
		atomic_tmp_release(&tmp);
		assert_int_equal(mode_of(fx->dirfd, "g"), cases[i].mode);
	}
	umask(old);
}

static void test_subdir_name(void **state)
{
	struct fixture *fx = *state;
	assert_int_equal(mkdirat(fx->dirfd, "sub", 0755), 0);
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(atomic_write_at(fx->dirfd, "sub/conf", "hello", 5, 0640, &err), 0);
	cleanup_free char *c = slurp(fx->dirfd, "sub/conf");
	assert_string_equal(c, "hello");
	cleanup_free char *sub = xasprintf("%s/sub", fx->dir);
	assert_no_temp(sub);
	assert_int_equal(fsync_parent_at(fx->dirfd, "sub/conf", &err), 0);
	assert_int_equal(fsync_parent_at(fx->dirfd, "conf", &err), 0);
}

static void test_failures_leave_nothing(void **state)
{
	struct fixture *fx = *state;
	cleanup_error berth_error_t *err = NULL;
	/* the directory does not exist */
	assert_int_equal(atomic_write_at(fx->dirfd, "nodir/f", "x", 1, 0644, &err), -ENOENT);
	assert_error_contains(err, "write 'nodir/f'");
	/* the "directory" is a file */
	assert_int_equal(atomic_write_at(fx->dirfd, "plain", "x", 1, 0644, &err), 0);
	assert_int_equal(atomic_write_at(fx->dirfd, "plain/f", "x", 1, 0644, &err), -ENOTDIR);
	/* the temp file is made, then rename fails: the target is a
	 * non-empty directory.  The temp file must be gone. */
	assert_int_equal(mkdirat(fx->dirfd, "isdir", 0755), 0);
	assert_int_equal(mkdirat(fx->dirfd, "isdir/x", 0755), 0);
	int r = atomic_write_at(fx->dirfd, "isdir", "data", 4, 0644, &err);
	assert_true(r == -EISDIR || r == -ENOTEMPTY || r == -EEXIST);
	assert_error_contains(err, "rename");
	/* names that are not file names */
	assert_int_equal(atomic_write_at(fx->dirfd, "", "x", 1, 0644, &err), -EINVAL);
	assert_int_equal(atomic_write_at(fx->dirfd, "dir/", "x", 1, 0644, &err), -EINVAL);
	assert_int_equal(atomic_write_at(fx->dirfd, "..", "x", 1, 0644, &err), -EINVAL);
	assert_int_equal(atomic_write_file(NULL, "x", 1, 0644, &err), -EINVAL);
	/* a bad dirfd */
	assert_int_equal(atomic_write_at(-1, "f", "x", 1, 0644, &err), -EBADF);
	assert_no_temp(fx->dir);
	assert_int_equal(count_entries(fx->dir), 2); /* plain, isdir */
	cleanup_free char *c = slurp(fx->dirfd, "plain");
	assert_string_equal(c, "x");
}

static void test_stream_commit(void **state)
{
	struct fixture *fx = *state;
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(atomic_write_at(fx->dirfd, "s", "old", 3, 0644, &err), 0);
	struct atomic_tmp tmp;
	assert_int_equal(atomic_tmp_open(fx->dirfd, "s", 0600, &tmp, &err), 0);
	assert_true(tmp.fd >= 0);
	assert_int_equal(tmp.dirfd, fx->dirfd);
	assert_string_equal(tmp.name, "s");
	assert_non_null(strstr(tmp.tmp_name, ".s.tmp-"));
	int fl = fcntl(tmp.fd, F_GETFD);
	assert_true(fl >= 0 && (fl & FD_CLOEXEC));
	for (int i = 0; i < 100; i++)
		assert_int_equal(write(tmp.fd, "0123456789", 10), 10);
	/* until commit, readers see the old content */
	cleanup_free char *before = slurp(fx->dirfd, "s");
	assert_string_equal(before, "old");
	assert_int_equal(atomic_tmp_commit(&tmp, &err), 0);
	assert_int_equal(tmp.fd, -1);
	assert_null(tmp.tmp_name);
	/* release after commit is a no-op on the file */
	atomic_tmp_release(&tmp);
	atomic_tmp_release(&tmp);
	cleanup_free char *after = slurp(fx->dirfd, "s");
	assert_int_equal(strlen(after), 1000);
	assert_int_equal(mode_of(fx->dirfd, "s"), 0600);
	assert_no_temp(fx->dir);
	assert_int_equal(count_entries(fx->dir), 1);
	/* committing twice is an error, not a crash */
	assert_true(atomic_tmp_commit(&tmp, &err) < 0);
}

static void test_stream_abort(void **state)
{
	struct fixture *fx = *state;
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(atomic_write_at(fx->dirfd, "s", "old", 3, 0644, &err), 0);
	struct atomic_tmp tmp;
	assert_int_equal(atomic_tmp_open(fx->dirfd, "s", 0644, &tmp, &err), 0);
	assert_int_equal(write(tmp.fd, "partial", 7), 7);
	assert_int_equal(count_entries(fx->dir), 2);
	atomic_tmp_release(&tmp);
	assert_int_equal(tmp.fd, -1);
	cleanup_free char *c = slurp(fx->dirfd, "s");
	assert_string_equal(c, "old");
	assert_no_temp(fx->dir);
	assert_int_equal(count_entries(fx->dir), 1);
	/* a new file aborted leaves no target either */
	assert_int_equal(atomic_tmp_open(fx->dirfd, "fresh", 0644, &tmp, &err), 0);
	atomic_tmp_release(&tmp);
	assert_int_equal(count_entries(fx->dir), 1);
	/* a failed open leaves tmp releasable */
	assert_true(atomic_tmp_open(fx->dirfd, "nodir/x", 0644, &tmp, &err) < 0);
	assert_int_equal(tmp.fd, -1);
	atomic_tmp_release(&tmp);
}

static void test_release_empty(void **state)
{
	/* {.fd = -1} and an all-zero struct own nothing: in particular
	 * release must not close fd 0. */
	int before = fcntl(0, F_GETFD);
	struct atomic_tmp a = { .fd = -1 };
	atomic_tmp_release(&a);
	struct atomic_tmp z;
	memset(&z, 0, sizeof(z));
	atomic_tmp_release(&z);
	atomic_tmp_release(NULL);
	assert_int_equal(fcntl(0, F_GETFD), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_and_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mode_ignores_umask, setup, teardown),
		cmocka_unit_test_setup_teardown(test_subdir_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failures_leave_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_abort, setup, teardown),
		cmocka_unit_test(test_release_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
