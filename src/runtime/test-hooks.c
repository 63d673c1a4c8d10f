/* Unit tests for hooks: state on stdin, exact env and argv (args[0] is
 * argv[0]), a failing hook stopping the list with its stderr in the error,
 * a timeout killing the hook in time, and no fd of ours leaking into it.
 * Hooks are /bin/sh one-liners writing into a temporary directory. */
#include "common/unit.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "runtime/hooks.h"

static char tmpdir[64];

static int setup_dir(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/berth-test-hooks.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int teardown_dir(void **state)
{
	return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static char *slurp(const char *path)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char buf[8192];
	size_t len = 0;
	ssize_t n;
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	return xmemdup(buf, len + 1);
}

/* A hook running `sh -c script out` (so $0 in script is the output path) */
static struct oci_hook sh_hook(const char *script, const char *out, char **argv_buf)
{
	argv_buf[0] = "sh";
	argv_buf[1] = "-c";
	argv_buf[2] = (char *)script;
	argv_buf[3] = (char *)out;
	argv_buf[4] = NULL;
	return (struct oci_hook){ .path = "/bin/sh", .args = argv_buf, .n_args = 4 };
}

static void test_state_on_stdin(void **state)
{
	cleanup_free char *out = xasprintf("%s/state", tmpdir);
	char *argv[5];
	struct oci_hook h = sh_hook("cat > \"$0\"", out, argv);
	struct oci_hook_list list = { &h, 1 };
	const char *st = "{\"ociVersion\":\"1.1.0\",\"id\":\"c1\",\"status\":\"creating\"}";
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(hooks_run(&list, "createRuntime", st, &err), 0);
	cleanup_free char *got = slurp(out);
	assert_non_null(got);
	assert_string_equal(got, st);
}

static void test_big_state_unread(void **state)
{
	/* A hook that never reads stdin: no SIGPIPE, no hang */
	char *big = xmalloc(1 << 20);
	memset(big, 'x', (1 << 20) - 1);
	big[(1 << 20) - 1] = '\0';
	char *argv[] = { "true", NULL };
	struct oci_hook h = { .path = "/bin/true", .args = argv, .n_args = 1 };
	struct oci_hook_list list = { &h, 1 };
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(hooks_run(&list, "prestart", big, &err), 0);
	free(big);
}

static void test_env_exact(void **state)
{
	cleanup_free char *out = xasprintf("%s/env", tmpdir);
	char *argv[5];
	struct oci_hook h = sh_hook("cat /proc/$$/environ > \"$0\"", out, argv);
	char *env[] = { "A=1", "B=two words", NULL };
	h.env = env;
	h.n_env = 2;
	struct oci_hook_list list = { &h, 1 };
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(hooks_run(&list, "poststart", "{}", &err), 0);
	cleanup_free char *got = slurp(out);
	assert_non_null(got);
	assert_memory_equal(got, "A=1\0B=two words\0", 16);

	/* No env in the config: an empty environment, not the runtime's */
	h.env = NULL;
	h.n_env = 0;
	assert_int_equal(hooks_run(&list, "poststart", "{}", &err), 0);
	cleanup_free char *none = slurp(out);
	assert_non_null(none);
	assert_string_equal(none, "");
}

static void test_argv0(void **state)
{
	cleanup_free char *out = xasprintf("%s/argv", tmpdir);
	/* args[0] is argv[0], not an argument */
	char *argv[] = { "custom-name", "-c", "tr '\\0' ' ' < /proc/$$/cmdline > \"$0\"", out,
			 NULL };
	struct oci_hook h = { .path = "/bin/sh", .args = argv, .n_args = 4 };
	struct oci_hook_list list = { &h, 1 };
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(hooks_run(&list, "createContainer", "{}", &err), 0);
	cleanup_free char *got = slurp(out);
	assert_non_null(got);
	assert_true(strncmp(got, "custom-name -c ", 15) == 0);

	/* No args: argv is just the path */
	cleanup_free char *script = xasprintf("%s/argv0.sh", tmpdir);
	cleanup_free char *body = xasprintf("#!/bin/sh\necho \"$0 $#\" > %s/argv0\n", tmpdir);
	FILE *f = fopen(script, "we");
	assert_non_null(f);
	fputs(body, f);
	fclose(f);
	chmod(script, 0755);
	struct oci_hook h2 = { .path = script };
	struct oci_hook_list list2 = { &h2, 1 };
	assert_int_equal(hooks_run(&list2, "createContainer", "{}", &err), 0);
	cleanup_free char *got2_path = xasprintf("%s/argv0", tmpdir);
	cleanup_free char *got2 = slurp(got2_path);
	cleanup_free char *want2 = xasprintf("%s 0\n", script);
	assert_string_equal(got2, want2);
}

static void test_failure_stops_list(void **state)
{
	cleanup_free char *marker = xasprintf("%s/second-ran", tmpdir);
	char *argv1[] = { "sh", "-c", "echo 'bad things' >&2; echo noise; exit 3", NULL };
	char *argv2[5];
	struct oci_hook hooks[2] = {
		{ .path = "/bin/sh", .args = argv1, .n_args = 3 },
		sh_hook("touch \"$0\"", marker, argv2),
	};
	struct oci_hook_list list = { hooks, 2 };
	cleanup_error berth_error_t *err = NULL;
	assert_true(hooks_run(&list, "createRuntime", "{}", &err) < 0);
	assert_string_equal(err->msg, "createRuntime hook '/bin/sh': exit status 3: bad things");
	assert_int_equal(access(marker, F_OK), -1);
}

static void test_stderr_capped(void **state)
{
	char *argv[] = { "sh", "-c",
			 "i=0; while [ $i -lt 2000 ]; do echo 0123456789 >&2; "
			 "i=$((i+1)); done; exit 1",
			 NULL };
	struct oci_hook h = { .path = "/bin/sh", .args = argv, .n_args = 3 };
	struct oci_hook_list list = { &h, 1 };
	cleanup_error berth_error_t *err = NULL;
	assert_true(hooks_run(&list, "poststop", "{}", &err) < 0);
	assert_true(strlen(err->msg) < 4096 + 100);
	assert_error_contains(err, "poststop hook '/bin/sh': exit status 1: 0123456789\n");
	assert_error_contains(err, "...");
}

static void test_exec_failure(void **state)
{
	struct oci_hook h = { .path = "/nonexistent/hook" };
	struct oci_hook_list list = { &h, 1 };
	cleanup_error berth_error_t *err = NULL;
	assert_true(hooks_run(&list, "prestart", "{}", &err) < 0);
	assert_string_equal(err->msg,
			    "prestart hook '/nonexistent/hook': exec: No such file or directory");
}

static void test_signal(void **state)
{
	char *argv[] = { "sh", "-c", "kill -TERM $$", NULL };
	struct oci_hook h = { .path = "/bin/sh", .args = argv, .n_args = 3 };
	struct oci_hook_list list = { &h, 1 };
	cleanup_error berth_error_t *err = NULL;
	assert_true(hooks_run(&list, "poststart", "{}", &err) < 0);
	assert_error_contains(err, "poststart hook '/bin/sh': killed by signal 15");
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_timeout(void **state)
{
	char *argv[] = { "sleep", "100", NULL };
	struct oci_hook h = {
		.path = "/bin/sleep", .args = argv, .n_args = 2, .has_timeout = true, .timeout = 1
	};
	struct oci_hook_list list = { &h, 1 };
	cleanup_error berth_error_t *err = NULL;
	double t0 = now();
	assert_true(hooks_run(&list, "createRuntime", "{}", &err) < 0);
	double took = now() - t0;
	assert_string_equal(err->msg, "createRuntime hook '/bin/sleep': timed out after 1s");
	assert_true(took >= 0.9 && took < 3.0);
}

static void test_no_fd_leak(void **state)
{
	/* An fd of ours without O_CLOEXEC must not reach the hook either */
	int leak = open("/dev/null", O_RDONLY);
	assert_true(leak > 2);
	cleanup_free char *out = xasprintf("%s/fds", tmpdir);
	char *argv[5];
	struct oci_hook h = sh_hook("ls /proc/$$/fd > \"$0\"", out, argv);
	struct oci_hook_list list = { &h, 1 };
	cleanup_error berth_error_t *err = NULL;
	int r = hooks_run(&list, "prestart", "{}", &err);
	close(leak);
	assert_int_equal(r, 0);
	cleanup_free char *got = slurp(out);
	assert_non_null(got);
	/* 0, 1 and 2, and whatever the shell itself keeps at 10 and above
	 * (dash saves fds there); nothing of the runtime's, which would be
	 * the lowest free numbers */
	char *save = NULL;
	for (char *line = strtok_r(got, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int fd = (int)strtol(line, NULL, 10);
		if (fd > 2 && fd < 10)
			fail_msg("fd %d leaked into the hook", fd);
	}
}

static void test_empty_list(void **state)
{
	struct oci_hook_list list = { NULL, 0 };
	assert_int_equal(hooks_run(&list, "prestart", "{}", NULL), 0);
	assert_int_equal(hooks_run(NULL, "prestart", "{}", NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_on_stdin),
		cmocka_unit_test(test_big_state_unread),
		cmocka_unit_test(test_env_exact),
		cmocka_unit_test(test_argv0),
		cmocka_unit_test(test_failure_stops_list),
		cmocka_unit_test(test_stderr_capped),
		cmocka_unit_test(test_exec_failure),
		cmocka_unit_test(test_signal),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_no_fd_leak),
		cmocka_unit_test(test_empty_list),
	};
	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
