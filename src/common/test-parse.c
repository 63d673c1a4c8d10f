/* Unit tests for parse: whole-string numbers, ranges and docker sizes. */
#include "common/unit.h"

#include <errno.h>
#include <limits.h>

#include "common/cleanup.h"
#include "common/parse.h"

static void test_int64(void **state)
{
	int64_t v = 0;
	assert_int_equal(parse_int64("-42", 10, &v, NULL), 0);
	assert_int_equal(v, -42);
	assert_int_equal(parse_int64("0x10", 0, &v, NULL), 0);
	assert_int_equal(v, 16);
	assert_int_equal(parse_int64("9223372036854775807", 10, &v, NULL), 0);
	assert_int_equal(v, INT64_MAX);
}

static void test_int64_bad(void **state)
{
	const char *bad[] = { "", " 1", "1 ", "1x", "x", "9223372036854775808", "--1", "0x", NULL };
	for (const char **p = bad; *p; p++) {
		cleanup_error berth_error_t *err = NULL;
		int64_t v = 7;
		assert_true(parse_int64(*p, 10, &v, &err) < 0);
		assert_non_null(err);
		assert_int_equal(v, 7);
	}
	assert_true(parse_int64(NULL, 10, &(int64_t){ 0 }, NULL) < 0);
}

static void test_uint_refuses_sign(void **state)
{
	uint64_t v = 0;
	cleanup_error berth_error_t *err = NULL;
	assert_true(parse_uint64("-1", 10, &v, &err) < 0);
	assert_error_contains(err, "'-1'");
	assert_true(parse_uint64("+1", 10, &v, NULL) < 0);
	assert_int_equal(parse_uint64("18446744073709551615", 10, &v, NULL), 0);
	assert_true(v == UINT64_MAX);
	assert_true(parse_uint64("18446744073709551616", 10, &v, NULL) < 0);
}

static void test_ranges(void **state)
{
	int i = 0;
	uint32_t u = 0;
	int64_t r = 0;
	assert_int_equal(parse_int("2147483647", &i, NULL), 0);
	assert_int_equal(i, INT_MAX);
	assert_true(parse_int("2147483648", &i, NULL) < 0);
	assert_int_equal(parse_uint32("4294967295", &u, NULL), 0);
	assert_true(parse_uint32("4294967296", &u, NULL) < 0);
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(parse_int_range("5", 1, 4, &r, &err), -ERANGE);
	assert_error_contains(err, "[1, 4]");
}

static void test_sizes(void **state)
{
	static const struct {
		const char *in;
		int64_t want;
	} ok[] = {
		{ "100", 100 },        { "10b", 10 },        { "512k", 512 << 10 },
		{ "64m", 64 << 20 },   { "64MB", 64 << 20 }, { "64MiB", 64 << 20 },
		{ "1.5g", 3LL << 29 }, { "2T", 2LL << 40 },  { "0", 0 },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int64_t v = -1;
		assert_int_equal(parse_size(ok[i].in, &v, NULL), 0);
		assert_int_equal(v, ok[i].want);
	}
	const char *bad[] = { "", "m", "-1m", "12q", "12mm", "1e999", "nan", "99999999p", NULL };
	for (const char **p = bad; *p; p++) {
		int64_t v = 0;
		cleanup_error berth_error_t *err = NULL;
		if (parse_size(*p, &v, &err) == 0)
			fail_msg("size '%s' accepted as %lld", *p, (long long)v);
		assert_non_null(err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_int64),
		cmocka_unit_test(test_int64_bad),
		cmocka_unit_test(test_uint_refuses_sign),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
