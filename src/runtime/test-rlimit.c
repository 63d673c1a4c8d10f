/* Unit tests for rlimit: setting limits, clamping a hard limit above what
 * the process may set (with the exact warning), refusing soft > hard.
 * Each case runs in a forked child so the test runner keeps its limits. */
#include "common/unit.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "runtime/rlimit.h"

/* Run fn in a child; it writes a report to the pipe fd; returns the text */
static char *in_child(void (*fn)(int fd))
{
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		fn(p[1]);
		_exit(0);
	}
	close(p[1]);
	char buf[8192];
	size_t len = 0;
	ssize_t n;
	while ((n = read(p[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	close(p[0]);
	buf[len] = '\0';
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	return xstrdup(buf);
}

static void report(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(int fd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdprintf(fd, fmt, ap);
	va_end(ap);
}

static void child_set_lower(int fd)
{
	struct oci_rlimit rl[] = {
		{ .type = "RLIMIT_NOFILE", .resource = RLIMIT_NOFILE, .soft = 100, .hard = 200 },
		{ .type = "RLIMIT_CORE", .resource = RLIMIT_CORE, .soft = 0, .hard = 0 },
	};
	cleanup_strv char **warnings = NULL;
	cleanup_error berth_error_t *err = NULL;
	int r = rlimit_apply(rl, 2, &warnings, &err);
	struct rlimit nofile, core;
	getrlimit(RLIMIT_NOFILE, &nofile);
	getrlimit(RLIMIT_CORE, &core);
	report(fd, "r=%d warnings=%s nofile=%ju/%ju core=%ju/%ju", r, warnings ? "yes" : "no",
	       (uintmax_t)nofile.rlim_cur, (uintmax_t)nofile.rlim_max, (uintmax_t)core.rlim_cur,
	       (uintmax_t)core.rlim_max);
}

static void test_set_lower(void **state)
{
	cleanup_free char *out = in_child(child_set_lower);
	assert_string_equal(out, "r=0 warnings=no nofile=100/200 core=0/0");
}

static void child_clamp(int fd)
{
	struct rlimit cur;
	getrlimit(RLIMIT_NOFILE, &cur);
	/* The test is about a raise: aim above the current hard limit */
	uint64_t want = cur.rlim_max == RLIM_INFINITY ? 0 : 1048576;
	if (cur.rlim_max >= 1048576)
		want = (uint64_t)cur.rlim_max + 1;
	struct oci_rlimit rl = {
		.type = "RLIMIT_NOFILE", .resource = RLIMIT_NOFILE, .soft = want, .hard = want
	};
	cleanup_strv char **warnings = NULL;
	cleanup_error berth_error_t *err = NULL;
	/* Without CAP_SYS_RESOURCE the raise must be refused and clamped;
	 * drop it here so the test means the same as root with it */
	prctl(PR_CAPBSET_DROP, CAP_SYS_RESOURCE, 0, 0, 0);
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	capget(&hdr, data);
	data[0].effective &= ~(1u << CAP_SYS_RESOURCE);
	data[0].permitted &= ~(1u << CAP_SYS_RESOURCE);
	capset(&hdr, data);
	int r = rlimit_apply(&rl, 1, &warnings, &err);
	struct rlimit after;
	getrlimit(RLIMIT_NOFILE, &after);
	char expect[256];
	snprintf(expect, sizeof(expect),
		 "rlimit RLIMIT_NOFILE: hard limit %ju above the allowed %ju, clamped",
		 (uintmax_t)want, (uintmax_t)cur.rlim_max);
	if (r < 0)
		report(fd, "error: %s", err->msg);
	else if (after.rlim_cur != cur.rlim_max || after.rlim_max != cur.rlim_max)
		report(fd, "limits %ju/%ju, want %ju", (uintmax_t)after.rlim_cur,
		       (uintmax_t)after.rlim_max, (uintmax_t)cur.rlim_max);
	else if (warnings == NULL || warnings[0] == NULL || warnings[1] != NULL ||
		 strcmp(warnings[0], expect) != 0)
		report(fd, "warning '%s', want '%s'", warnings && warnings[0] ? warnings[0] : "",
		       expect);
	else
		report(fd, "ok");
}

static void test_clamp_nofile(void **state)
{
	struct rlimit cur;
	getrlimit(RLIMIT_NOFILE, &cur);
	if (cur.rlim_max == RLIM_INFINITY)
		skip();
	cleanup_free char *out = in_child(child_clamp);
	assert_string_equal(out, "ok");
}

/* The host this was written for: hard nofile 20000, no CAP_SYS_RESOURCE */
static void child_clamp_20000(int fd)
{
	struct oci_rlimit rl = {
		.type = "RLIMIT_NOFILE", .resource = RLIMIT_NOFILE, .soft = 1048576, .hard = 1048576
	};
	cleanup_strv char **warnings = NULL;
	cleanup_error berth_error_t *err = NULL;
	int r = rlimit_apply(&rl, 1, &warnings, &err);
	report(fd, "%d %s", r, warnings && warnings[0] ? warnings[0] : (err ? err->msg : "-"));
}

static void test_clamp_host(void **state)
{
	struct rlimit cur;
	getrlimit(RLIMIT_NOFILE, &cur);
	if (cur.rlim_max != 20000)
		skip(); /* only meaningful with the hard limit of 20000 */
	cleanup_free char *out = in_child(child_clamp_20000);
	assert_string_equal(
		out, "0 rlimit RLIMIT_NOFILE: hard limit 1048576 above the allowed 20000, clamped");
}

static void test_soft_above_hard(void **state)
{
	struct oci_rlimit rl = {
		.type = "RLIMIT_NOFILE", .resource = RLIMIT_NOFILE, .soft = 300, .hard = 200
	};
	cleanup_error berth_error_t *err = NULL;
	assert_true(rlimit_apply(&rl, 1, NULL, &err) < 0);
	assert_error_contains(err, "rlimit RLIMIT_NOFILE: soft limit 300 above hard limit 200");
}

static void test_bad_resource(void **state)
{
	struct oci_rlimit rl = { .type = "RLIMIT_BOGUS", .resource = 9999, .soft = 1, .hard = 1 };
	cleanup_error berth_error_t *err = NULL;
	assert_true(rlimit_apply(&rl, 1, NULL, &err) < 0);
	assert_error_contains(err, "rlimit RLIMIT_BOGUS: prlimit: Invalid argument");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_lower),    cmocka_unit_test(test_clamp_nofile),
		cmocka_unit_test(test_clamp_host),   cmocka_unit_test(test_soft_above_hard),
		cmocka_unit_test(test_bad_resource),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
