/* Unit tests of stats.c on a real cgroup this test creates and removes
 * (root; run under flock /tmp/berth-bats.lock like every test that makes
 * cgroups): a child that burns CPU and touches memory inside it, then the
 * fields docker stats computes its columns from. */
#include "common/unit.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "daemon/containers/stats.h"
#include "runtime/cgroup.h"

#define LIMIT (64LL << 20)
#define TOUCH (8u << 20)

static int64_t field(const json_t *s, const char *a, const char *b)
{
	const json_t *o = json_object_get(s, a);
	if (b)
		o = json_object_get(o, b);
	assert_true(json_is_integer(o));
	return json_integer_value(o);
}

/* The child: wait for "go", burn 50 ms of CPU, touch TOUCH bytes, say
 * "ready" and stay until killed */
static pid_t spawn_worker(int go_r, int ready_w)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid > 0)
		return pid;
	char c;
	if (read(go_r, &c, 1) != 1)
		_exit(1);
	struct timespec a, b;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	do
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < 50000000L);
	volatile char *m = malloc(TOUCH);
	for (size_t i = 0; m && i < TOUCH; i += 4096)
		m[i] = 1;
	if (write(ready_w, "r", 1) != 1)
		_exit(1);
	pause();
	_exit(0);
}

static void test_live(void **state)
{
	if (geteuid() != 0 || cgroup_detect() == CGROUP_MODE_NONE) {
		fprintf(stderr, "# skip: needs root and a cgroup fs\n");
		skip();
	}
	cleanup_error berth_error_t *err = NULL;
	cleanup_free char *path = xasprintf("/berth-test-stats-%d", (int)getpid());
	cleanup_cgroup struct cgroup *cg = NULL;
	if (cgroup_new(path, NULL, &cg, &err) < 0 || cgroup_create(cg, &err) < 0)
		fail_msg("%s", err->msg);
	struct oci_resources r = { 0 };
	r.memory.present = r.memory.has_limit = true;
	r.memory.limit = LIMIT;
	r.has_pids_limit = true;
	r.pids_limit = 50;
	int go[2], ready[2];
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(ready), 0);
	pid_t child = -1;
	cleanup_json json_t *s = NULL;
	if (cgroup_apply(cg, &r, &err) < 0)
		goto fail;
	child = spawn_worker(go[0], ready[1]);
	if (cgroup_enter(cg, child, &err) < 0)
		goto fail;
	char c;
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(read(ready[0], &c, 1), 1);

	if (stats_sample(path, child, &s, &err) < 0)
		goto fail;
	/* read: RFC3339Nano in UTC */
	const char *read_at = json_string_value(json_object_get(s, "read"));
	assert_non_null(read_at);
	assert_int_equal(strlen(read_at), 30);
	assert_int_equal(read_at[29], 'Z');
	assert_int_equal(field(s, "pids_stats", "current"), 1);
	assert_int_equal(field(s, "pids_stats", "limit"), 50);
	const json_t *cpu = json_object_get(s, "cpu_stats");
	assert_true(field(cpu, "cpu_usage", "total_usage") >= 40000000);
	assert_true(field(cpu, "cpu_usage", "usage_in_usermode") +
			    field(cpu, "cpu_usage", "usage_in_kernelmode") >
		    0);
	assert_true(field(s, "cpu_stats", "system_cpu_usage") > 0);
	assert_int_equal(field(s, "cpu_stats", "online_cpus"), sysconf(_SC_NPROCESSORS_ONLN));
	assert_true(json_is_integer(
		json_object_get(json_object_get(cpu, "throttling_data"), "throttled_periods")));
	const json_t *mem = json_object_get(s, "memory_stats");
	assert_true(field(s, "memory_stats", "usage") >= TOUCH);
	assert_int_equal(field(s, "memory_stats", "limit"), LIMIT);
	/* what docker stats subtracts from usage */
	const json_t *ms = json_object_get(mem, "stats");
	if (cgroup_detect() == CGROUP_MODE_V1) {
		assert_true(field(mem, "stats", "total_inactive_file") >= 0);
		assert_true(field(s, "memory_stats", "max_usage") >= TOUCH);
	} else {
		assert_true(json_is_integer(json_object_get(ms, "inactive_file")));
	}
	const json_t *blk = json_object_get(s, "blkio_stats");
	assert_true(json_is_array(json_object_get(blk, "io_service_bytes_recursive")));
	assert_true(json_is_null(json_object_get(blk, "sectors_recursive")));
	const json_t *net = json_object_get(s, "networks");
	assert_true(json_is_object(net));
	assert_null(json_object_get(net, "lo"));

	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	child = -1;
	if (cgroup_destroy(cg, &err) < 0)
		fail_msg("%s", err->msg);
	/* a cgroup that is gone is an error, not zeros */
	json_t *gone = NULL;
	assert_true(stats_sample(path, child, &gone, &err) < 0);
	assert_error_contains(err, path);
	assert_null(gone);
	return;
fail:
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	cgroup_destroy(cg, NULL);
	fail_msg("%s", err ? err->msg : "?");
}

static void test_bad_path(void **state)
{
	json_t *s = NULL;
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(stats_sample("", 1, &s, &err), -EINVAL);
	assert_error_contains(err, "no cgroup path");
	berth_error_release(&err);
	assert_true(stats_sample("/a/../b", 1, &s, &err) < 0);
	assert_non_null(err);
	assert_null(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live),
		cmocka_unit_test(test_bad_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
