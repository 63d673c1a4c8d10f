/* Unit tests for error: set, wrap chains, codes, and NULL handling. */
#include "common/unit.h"

#include <errno.h>
#include <stdlib.h>

#include "common/cleanup.h"
#include "common/error.h"

static int fails_open(berth_error_t **err)
{
	return berth_error_set(err, ENOENT, "open '%s'", "/nope");
}

static int fails_layered(berth_error_t **err)
{
	int r = fails_open(err);
	if (r < 0)
		return berth_error_wrap(err, "load config");
	return 0;
}

static void test_set_with_errno(void **state)
{
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(fails_open(&err), -ENOENT);
	assert_int_equal(err->errnum, ENOENT);
	assert_string_equal(err->msg, "open '/nope': No such file or directory");
	assert_string_equal(berth_error_cause(err), "open '/nope'");
}

static void test_set_without_errno(void **state)
{
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(berth_error_set(&err, 0, "bad %s", "thing"), -1);
	assert_int_equal(err->errnum, 0);
	assert_string_equal(err->msg, "bad thing");
	assert_int_equal(berth_error_code(err), -1);
}

static void test_wrap_chain(void **state)
{
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(fails_layered(&err), -ENOENT);
	assert_int_equal(berth_error_wrap(&err, "pull '%s'", "busybox"), -ENOENT);
	assert_int_equal(err->n_frames, 3);
	assert_string_equal(err->frames[0], "pull 'busybox'");
	assert_string_equal(err->frames[2], "open '/nope'");
	assert_string_equal(err->msg,
			    "pull 'busybox': load config: open '/nope': No such file or directory");
}

static void test_null_err_is_allowed(void **state)
{
	assert_int_equal(berth_error_set(NULL, EPERM, "x"), -EPERM);
	assert_int_equal(berth_error_wrap(NULL, "y"), -1);
	berth_error_t *none = NULL;
	assert_int_equal(berth_error_wrap(&none, "nothing to wrap"), -1);
	assert_null(none);
	berth_error_free(NULL);
	berth_error_release(NULL);
	berth_error_release(&none);
}

static void test_set_replaces_previous(void **state)
{
	cleanup_error berth_error_t *err = NULL;
	berth_error_set(&err, EIO, "first");
	berth_error_set(&err, EPERM, "second");
	assert_string_equal(err->msg, "second: Operation not permitted");
	assert_int_equal(err->n_frames, 1);
}

static void test_fail_hides_strerror(void **state)
{
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(berth_error_fail(&err, EINVAL, "process.cwd: must be absolute"), -EINVAL);
	assert_int_equal(err->errnum, EINVAL);
	assert_string_equal(err->msg, "process.cwd: must be absolute");
	berth_error_wrap(&err, "load '%s'", "config.json");
	assert_string_equal(err->msg, "load 'config.json': process.cwd: must be absolute");
	assert_int_equal(berth_error_code(err), -EINVAL);
}

static void test_hostile_format_arguments(void **state)
{
	cleanup_error berth_error_t *err = NULL;
	/* user data goes through %s, never as the format */
	berth_error_set(&err, 0, "bad name '%s'", "%s%n%x");
	assert_string_equal(err->msg, "bad name '%s%n%x'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_with_errno),
		cmocka_unit_test(test_set_without_errno),
		cmocka_unit_test(test_wrap_chain),
		cmocka_unit_test(test_null_err_is_allowed),
		cmocka_unit_test(test_set_replaces_previous),
		cmocka_unit_test(test_fail_hides_strerror),
		cmocka_unit_test(test_hostile_format_arguments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
