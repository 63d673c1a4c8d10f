/* Unit tests of top.c: the real /bin/ps on this test's own process and a
 * child, docker's argument rules and messages. */
#include "common/unit.h"

#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "daemon/containers/top.h"

static int pid_col(const json_t *t)
{
	const json_t *titles = json_object_get(t, "Titles");
	for (size_t i = 0; i < json_array_size(titles); i++)
		if (strcmp(json_string_value(json_array_get(titles, i)), "PID") == 0)
			return (int)i;
	return -1;
}

/* The PID column of every row, as "a,b," */
static char *row_pids(const json_t *t)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);
	int c = pid_col(t);
	assert_true(c >= 0);
	const json_t *procs = json_object_get(t, "Processes");
	for (size_t i = 0; i < json_array_size(procs); i++) {
		const json_t *row = json_array_get(procs, i);
		assert_int_equal(json_array_size(row),
				 json_array_size(json_object_get(t, "Titles")));
		fprintf(f, "%s,", json_string_value(json_array_get(row, (size_t)c)));
	}
	fclose(f);
	return s;
}

static void test_own_pid_default(void **state)
{
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	pid_t pids[] = { getpid(), child };
	cleanup_json json_t *t = NULL;
	berth_error_t *err = NULL;
	assert_int_equal(top_table(pids, 2, NULL, &t, &err), 0);
	assert_null(err);
	/* -ef: UID PID PPID C STIME TTY TIME CMD */
	const json_t *titles = json_object_get(t, "Titles");
	assert_int_equal(json_array_size(titles), 8);
	assert_string_equal(json_string_value(json_array_get(titles, 7)), "CMD");
	cleanup_free char *got = row_pids(t);
	char want[64];
	snprintf(want, sizeof(want), "%d,%d,", (int)getpid(), (int)child);
	assert_string_equal(got, want);
	/* CMD is the whole command line (the overhanging fields joined) */
	const json_t *row = json_array_get(json_object_get(t, "Processes"), 0);
	assert_non_null(strstr(json_string_value(json_array_get(row, 7)), "test-top"));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
}

static void test_other_args(void **state)
{
	pid_t pids[] = { getpid() };
	berth_error_t *err = NULL;
	/* BSD style, no dash; extra whitespace is not an empty argument */
	cleanup_json json_t *a = NULL;
	assert_int_equal(top_table(pids, 1, "  aux ", &a, &err), 0);
	assert_string_equal(json_string_value(json_array_get(json_object_get(a, "Titles"), 0)),
			    "USER");
	cleanup_free char *ga = row_pids(a);
	char want[32];
	snprintf(want, sizeof(want), "%d,", (int)getpid());
	assert_string_equal(ga, want);
	/* f does not go with -q: the retry without it still filters */
	cleanup_json json_t *b = NULL;
	assert_int_equal(top_table(pids, 1, "-o pid,comm", &b, &err), 0);
	cleanup_free char *gb = row_pids(b);
	assert_string_equal(gb, want);
	/* a pid that is not running: no rows */
	pid_t none[] = { 0x3fffffff };
	cleanup_json json_t *c = NULL;
	assert_int_equal(top_table(none, 1, "-ef", &c, &err), 0);
	assert_int_equal(json_array_size(json_object_get(c, "Processes")), 0);
}

static void test_errors(void **state)
{
	pid_t pids[] = { getpid() };
	json_t *t = NULL;
	berth_error_t *err = NULL;
	assert_int_equal(top_table(pids, 1, "-o comm", &t, &err), -EINVAL);
	assert_error_contains(err, "Couldn't find PID field in ps output");
	berth_error_release(&err);
	assert_int_equal(top_table(pids, 1, "--bogus-option", &t, &err), -EINVAL);
	assert_error_contains(err, "ps: ");
	berth_error_release(&err);
	assert_int_equal(top_table(pids, 1, "-o user=PID", &t, &err), -EINVAL);
	assert_error_contains(err, "specifying \"user=PID\" is not allowed");
	berth_error_release(&err);
	assert_int_equal(top_table(pids, 1, "-o pid=PID,comm", &t, &err), 0);
	json_decref(t);
	t = NULL;
	char many[400];
	for (int i = 0; i < 70; i++)
		memcpy(many + 3 * i, "-f ", 4);
	assert_int_equal(top_table(pids, 1, many, &t, &err), -EINVAL);
	assert_error_contains(err, "too many ps arguments");
	berth_error_release(&err);
	assert_null(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_pid_default),
		cmocka_unit_test(test_other_args),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
