/* Unit tests for content-store: write, verify, refuse mismatches leaving
 * nothing behind, concurrent writers of one blob, and a writer killed
 * mid-write leaving nothing partial. */
#include "common/unit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "image/content-store.h"
#include "image/test-tar.h"

struct fixture {
	char *root;
	struct content_store *store;
};

static int setup(void **state)
{
	struct fixture *f = xzalloc(sizeof(*f));
	f->root = test_tmpdir();
	berth_error_t *err = NULL;
	if (content_store_open(f->root, NULL, &f->store, &err) < 0)
		return test_setup_failed("open", err);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	content_store_free(f->store);
	test_tmpdir_remove(f->root);
	free(f);
	return 0;
}

/* Number of entries in <root>/content/<sub> */
static int count_dir(struct fixture *f, const char *sub)
{
	cleanup_free char *p = xasprintf("%s/content/%s", f->root, sub);
	cleanup_dir DIR *d = opendir(p);
	assert_non_null(d);
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	return n;
}

static void test_write_commit_read(void **state)
{
	struct fixture *f = *state;
	const char *data = "hello, blob";
	struct digest want = tar_digest(data, strlen(data));
	cleanup_error berth_error_t *err = NULL;
	assert_false(content_has(f->store, &want, NULL));

	cleanup_content_writer struct content_writer *w = NULL;
	assert_int_equal(content_writer_begin(f->store, &want, (int64_t)strlen(data), &w, &err), 0);
	assert_int_equal(content_writer_write(w, data, 5, &err), 0);
	assert_int_equal(content_writer_write(w, data + 5, strlen(data) - 5, &err), 0);
	assert_int_equal(content_writer_size(w), strlen(data));
	struct digest got;
	if (content_writer_commit(w, &got, &err) < 0)
		fail_msg("%s", err->msg);
	assert_true(digest_equal(&got, &want));

	int64_t size;
	assert_true(content_has(f->store, &want, &size));
	assert_int_equal(size, strlen(data));
	cleanup_free char *buf = NULL;
	size_t len;
	assert_int_equal(content_read_all(f->store, &want, 1024, &buf, &len, &err), 0);
	assert_int_equal(len, strlen(data));
	assert_memory_equal(buf, data, len);
	cleanup_close int fd = content_open_read(f->store, &want, &err);
	assert_true(fd >= 0);
	assert_int_equal(count_dir(f, "ingest"), 0);

	/* the same blob again: discarded, no error */
	assert_int_equal(content_put_buffer(f->store, data, strlen(data), NULL, &got, &err), 0);
	assert_int_equal(count_dir(f, "blobs/sha256"), 1);

	/* unknown digest up front */
	struct digest other;
	assert_int_equal(content_put_buffer(f->store, "x", 1, NULL, &other, &err), 0);
	assert_int_equal(count_dir(f, "blobs/sha256"), 2);
	cleanup_free char *path = content_blob_path(f->store, &other);
	assert_int_equal(access(path, F_OK), 0);

	assert_int_equal(content_delete(f->store, &other, &err), 0);
	assert_int_equal(content_delete(f->store, &other, &err), 0);
	assert_false(content_has(f->store, &other, NULL));
	assert_true(content_open_read(f->store, &other, &err) < 0);
	assert_int_equal(err->errnum, ENOENT);
}

static void test_mismatch_refused(void **state)
{
	struct fixture *f = *state;
	cleanup_error berth_error_t *err = NULL;
	struct digest want = tar_digest("expected", 8);
	/* wrong content */
	assert_true(content_put_buffer(f->store, "actually", 8, &want, NULL, &err) < 0);
	assert_error_contains(err, "digest mismatch");
	/* wrong size: short */
	cleanup_content_writer struct content_writer *w = NULL;
	assert_int_equal(content_writer_begin(f->store, NULL, 10, &w, &err), 0);
	assert_int_equal(content_writer_write(w, "abc", 3, &err), 0);
	assert_true(content_writer_commit(w, NULL, &err) < 0);
	assert_error_contains(err, "size mismatch");
	content_writer_free(w);
	w = NULL;
	/* wrong size: long, refused at the write */
	assert_int_equal(content_writer_begin(f->store, NULL, 2, &w, &err), 0);
	assert_true(content_writer_write(w, "abc", 3, &err) < 0);
	content_writer_abort(w);
	w = NULL;
	assert_int_equal(count_dir(f, "blobs/sha256"), 0);
	assert_int_equal(count_dir(f, "ingest"), 0);
}

static void test_max_size(void **state)
{
	struct fixture *f = *state;
	struct content_store_options o = { .max_blob_size = 16 };
	struct content_store *s = NULL;
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(content_store_open(f->root, &o, &s, &err), 0);
	assert_true(content_put_buffer(s, "0123456789abcdefX", 17, NULL, NULL, &err) < 0);
	assert_int_equal(err->errnum, EFBIG);
	cleanup_content_writer struct content_writer *w = NULL;
	assert_true(content_writer_begin(s, NULL, 100, &w, &err) < 0);
	content_store_free(s);
	assert_int_equal(count_dir(f, "blobs/sha256"), 0);
}

static int count_cb(const struct digest *d, int64_t size, void *ud, berth_error_t **err)
{
	(*(int *)ud)++;
	return 0;
}

static void test_list(void **state)
{
	struct fixture *f = *state;
	cleanup_error berth_error_t *err = NULL;
	for (int i = 0; i < 5; i++) {
		char b[8];
		snprintf(b, sizeof(b), "b%d", i);
		assert_int_equal(content_put_buffer(f->store, b, strlen(b), NULL, NULL, &err), 0);
	}
	/* junk in the blob dir is not listed */
	cleanup_free char *junk = xasprintf("%s/content/blobs/sha256/junk", f->root);
	test_write_file(junk, "x");
	int n = 0;
	assert_int_equal(content_list(f->store, count_cb, &n, &err), 0);
	assert_int_equal(n, 5);
}

/* Two processes write the same large blob at once, meeting in the middle
 * (a pipe releases both), and both commit: both succeed, one blob stays */
static void test_concurrent_writers(void **state)
{
	struct fixture *f = *state;
	size_t size = 1 << 20;
	char *data = xmalloc(size);
	for (size_t i = 0; i < size; i++)
		data[i] = (char)(i * 131 + 7);
	struct digest want = tar_digest(data, size);
	int ready[2], go[2];
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	pid_t pids[2];
	for (int c = 0; c < 2; c++) {
		pids[c] = fork();
		assert_true(pids[c] >= 0);
		if (pids[c] == 0) {
			close(ready[0]);
			close(go[1]);
			berth_error_t *err = NULL;
			struct content_writer *w = NULL;
			if (content_writer_begin(f->store, &want, (int64_t)size, &w, &err) < 0)
				_exit(1);
			if (content_writer_write(w, data, size / 2, &err) < 0)
				_exit(2);
			if (write(ready[1], "r", 1) != 1)
				_exit(3);
			char ch;
			if (read(go[0], &ch, 1) != 1)
				_exit(4);
			if (content_writer_write(w, data + size / 2, size - size / 2, &err) < 0)
				_exit(5);
			if (content_writer_commit(w, NULL, &err) < 0)
				_exit(6);
			content_writer_free(w);
			_exit(0);
		}
	}
	close(ready[1]);
	close(go[0]);
	char ch;
	assert_int_equal(read(ready[0], &ch, 1), 1);
	assert_int_equal(read(ready[0], &ch, 1), 1);
	assert_int_equal(write(go[1], "gg", 2), 2);
	for (int c = 0; c < 2; c++) {
		int status;
		assert_int_equal(waitpid(pids[c], &status, 0), pids[c]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	close(ready[0]);
	close(go[1]);
	cleanup_error berth_error_t *err = NULL;
	cleanup_free char *buf = NULL;
	size_t len;
	assert_int_equal(content_read_all(f->store, &want, size, &buf, &len, &err), 0);
	assert_int_equal(len, size);
	assert_int_equal(count_dir(f, "blobs/sha256"), 1);
	assert_int_equal(count_dir(f, "ingest"), 0);
	free(data);
}

/* A writer killed mid-write leaves nothing: no blob, no temp file */
static void test_crash_mid_write(void **state)
{
	struct fixture *f = *state;
	int ready[2];
	assert_int_equal(pipe(ready), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(ready[0]);
		berth_error_t *err = NULL;
		struct content_writer *w = NULL;
		if (content_writer_begin(f->store, NULL, -1, &w, &err) < 0)
			_exit(1);
		char buf[65536] = { 1 };
		for (int i = 0; i < 16; i++)
			if (content_writer_write(w, buf, sizeof(buf), &err) < 0)
				_exit(2);
		if (write(ready[1], "r", 1) != 1)
			_exit(3);
		for (;;)
			pause();
	}
	close(ready[1]);
	char ch;
	assert_int_equal(read(ready[0], &ch, 1), 1);
	close(ready[0]);
	kill(pid, SIGKILL);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(count_dir(f, "blobs/sha256"), 0);
	assert_int_equal(count_dir(f, "ingest"), 0);
}

/* Where O_TMPFILE is missing, temp files have names: a crashed writer's
 * (unlocked) is removed at open, a live writer's (locked) is kept */
static void test_stale_named_temp(void **state)
{
	struct fixture *f = *state;
	cleanup_free char *stale = xasprintf("%s/content/ingest/tmp-0000000000000001", f->root);
	cleanup_free char *live = xasprintf("%s/content/ingest/tmp-0000000000000002", f->root);
	test_write_file(stale, "partial");
	test_write_file(live, "in progress");
	cleanup_close int lfd = open(live, O_RDONLY | O_CLOEXEC);
	assert_true(lfd >= 0);
	assert_int_equal(flock(lfd, LOCK_EX), 0);
	struct content_store *s = NULL;
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(content_store_open(f->root, NULL, &s, &err), 0);
	assert_int_equal(access(stale, F_OK), -1);
	assert_int_equal(access(live, F_OK), 0);
	content_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_commit_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mismatch_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_mid_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_named_temp, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
