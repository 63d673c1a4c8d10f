/* test-state: container ids, /proc/<pid>/stat parsing, state.json round
 * trips and the status derivation (stopped, created, running) without
 * starting any container. */
#include "common/unit.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "runtime/state.h"

static void test_check_id(void **unused)
{
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(state_check_id("abc-1_2+3.x", NULL), 0);
	assert_true(state_check_id("", &err) < 0);
	assert_true(state_check_id("..", NULL) < 0);
	assert_true(state_check_id("a/b", &err) < 0);
	assert_error_contains(err, "invalid container id 'a/b'");
	assert_true(state_check_id("a b", NULL) < 0);
}

static void test_proc_stat(void **unused)
{
	uint64_t start = 0;
	char st = 0;
	assert_int_equal(proc_stat_start(getpid(), &start, &st, NULL), 0);
	assert_true(start > 0);
	assert_true(st == 'R' || st == 'S');
	assert_true(state_pid_alive(getpid(), start));
	assert_false(state_pid_alive(getpid(), start + 1)); /* a reused pid */
	assert_false(state_pid_alive(0, 0));
}

static void test_zombie_is_dead(void **unused)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	uint64_t start = 0;
	siginfo_t si;
	/* wait for the exit without reaping: the child stays a zombie */
	assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
	assert_int_equal(proc_stat_start(pid, &start, NULL, NULL), 0);
	assert_false(state_pid_alive(pid, start));
	waitpid(pid, NULL, 0);
}

static char *make_root(void)
{
	char *root = xstrdup("/tmp/berth-test-state.XXXXXX");
	assert_non_null(mkdtemp(root));
	return root;
}

static void test_roundtrip_and_status(void **unused)
{
	cleanup_free char *root = make_root();
	cleanup_error berth_error_t *err = NULL;
	cleanup_free char *dir = state_dir_path(root, "c1");
	assert_int_equal(mkdir(dir, 0711), 0);
	cleanup_close int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	uint64_t start;
	assert_int_equal(proc_stat_start(getpid(), &start, NULL, NULL), 0);
	struct container_state st = {
		.id = "c1",
		.bundle = "/b",
		.rootfs = "/b/rootfs",
		.created = "2024-01-01T00:00:00Z",
		.owner = "",
		.pid = getpid(),
		.start_time = start,
		.annotations = json_pack("{s:s}", "k", "v"),
	};
	assert_int_equal(state_write(dfd, &st, &err), 0);
	json_decref(st.annotations);

	cleanup_state struct container_state *got = NULL;
	int gfd = -1;
	assert_int_equal(state_load(root, "c1", &gfd, &got, &err), 0);
	assert_string_equal(got->bundle, "/b");
	assert_int_equal(got->pid, getpid());
	assert_int_equal(got->start_time, start);
	assert_string_equal(json_string_value(json_object_get(got->annotations, "k")), "v");

	/* our own pid is alive: running, created while the fifo exists */
	assert_int_equal(state_status(gfd, got), CONTAINER_RUNNING);
	assert_int_equal(mkfifoat(gfd, STATE_FIFO, 0622), 0);
	assert_int_equal(state_status(gfd, got), CONTAINER_CREATED);
	got->start_time++;
	assert_int_equal(state_status(gfd, got), CONTAINER_STOPPED);

	cleanup_json json_t *j = state_to_json(got, CONTAINER_STOPPED);
	assert_int_equal(json_integer_value(json_object_get(j, "pid")), 0);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "stopped");
	assert_string_equal(json_string_value(json_object_get(j, "id")), "c1");
	close(gfd);

	assert_int_equal(state_remove_dir(root, "c1", &err), 0);
	assert_int_equal(access(dir, F_OK), -1);
	assert_int_equal(rmdir(root), 0);
}

static void test_load_missing(void **unused)
{
	cleanup_free char *root = make_root();
	cleanup_error berth_error_t *err = NULL;
	struct container_state *st = NULL;
	assert_true(state_load(root, "nosuch", NULL, &st, &err) < 0);
	assert_error_contains(err, "container \"nosuch\" does not exist");
	assert_int_equal(err->errnum, ENOENT);
	rmdir(root);
}

/* A state.json written by hand or half-corrupted: a pid that would be
 * truncated to someone else's, or an unknown cgroup mode, is refused */
static void test_load_out_of_range(void **unused)
{
	static const char *const bad[] = {
		"{\"id\":\"c1\",\"pid\":4294967297}",
		"{\"id\":\"c1\",\"pid\":-2}",
		"{\"id\":\"c1\",\"pid\":1,\"start_time\":-1}",
		"{\"id\":\"c1\",\"pid\":1,\"cgroup_mode\":7}",
	};
	cleanup_free char *root = make_root();
	cleanup_free char *dir = state_dir_path(root, "c1");
	assert_int_equal(mkdir(dir, 0711), 0);
	cleanup_free char *path = xasprintf("%s/" STATE_FILE, dir);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		FILE *f = fopen(path, "we");
		assert_non_null(f);
		fputs(bad[i], f);
		fclose(f);
		cleanup_error berth_error_t *err = NULL;
		struct container_state *st = NULL;
		assert_true(state_load(root, "c1", NULL, &st, &err) < 0);
		assert_null(st);
		assert_error_contains(err, "out of range");
		assert_error_contains(err, "load state of container 'c1'");
	}
	assert_int_equal(state_remove_dir(root, "c1", NULL), 0);
	assert_int_equal(rmdir(root), 0);
}

/* A directory without state.json (a create still running or one that
 * died) reads as a missing container, in runc's words */
static void test_load_no_state_file(void **unused)
{
	cleanup_free char *root = make_root();
	cleanup_free char *dir = state_dir_path(root, "c1");
	assert_int_equal(mkdir(dir, 0711), 0);
	cleanup_error berth_error_t *err = NULL;
	struct container_state *st = NULL;
	assert_true(state_load(root, "c1", NULL, &st, &err) < 0);
	assert_int_equal(err->errnum, ENOENT);
	assert_string_equal(err->msg, "container \"c1\" does not exist");
	assert_int_equal(state_remove_dir(root, "c1", NULL), 0);
	assert_int_equal(rmdir(root), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_id),
		cmocka_unit_test(test_proc_stat),
		cmocka_unit_test(test_zombie_is_dead),
		cmocka_unit_test(test_roundtrip_and_status),
		cmocka_unit_test(test_load_missing),
		cmocka_unit_test(test_load_out_of_range),
		cmocka_unit_test(test_load_no_state_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
