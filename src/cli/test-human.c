/* Unit tests of human.c: go-units' sizes and durations at their
 * boundaries, RFC 3339 parsing, and docker's timestamp arguments
 * (api/types/time GetTimestamp). */
#include "common/unit.h"

#include <stdlib.h>
#include <time.h>

#include "cli/human.h"
#include "common/cleanup.h"

static void test_size(void **state)
{
	(void)state;
	static const struct {
		double in;
		const char *want;
	} cases[] = {
		{ 0, "0B" },          { 1, "1B" },
		{ 999, "999B" },      { 1000, "1kB" },
		{ 1234, "1.23kB" },   { 100000, "100kB" },
		{ 999999, "1000kB" }, { 2938880, "2.94MB" },
		{ 4300000, "4.3MB" }, { 12345678, "12.3MB" },
		{ 1.05e9, "1.05GB" }, { 1e12, "1TB" },
		{ 1e15, "1PB" },      { 1e24, "1YB" },
		{ 1e27, "1000YB" },   { 5.5e9, "5.5GB" },
	};
	char buf[HUMAN_BUF];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(human_size(cases[i].in, buf), cases[i].want);
}

/* units.HumanSize, what prune, system df and progress print */
static void test_size4(void **state)
{
	(void)state;
	char buf[HUMAN_BUF];
	assert_string_equal(human_size4(0, buf), "0B");
	assert_string_equal(human_size4(1234, buf), "1.234kB");
	assert_string_equal(human_size4(1982464, buf), "1.982MB");
	assert_string_equal(human_size4(2938880, buf), "2.939MB");
	assert_string_equal(human_size4(1e9, buf), "1GB");
}

static void test_bytes(void **state)
{
	(void)state;
	static const struct {
		double in;
		const char *want;
	} cases[] = {
		{ 0, "0B" },
		{ 1023, "1023B" },
		{ 1024, "1KiB" },
		{ 1536 * 1024, "1.5MiB" },
		{ 1048575, "1024KiB" },
		{ 5.0 * 1024 * 1024 * 1024, "5GiB" },
		{ 123456789, "117.7MiB" },
	};
	char buf[HUMAN_BUF];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(human_bytes(cases[i].in, buf), cases[i].want);
}

static void test_duration(void **state)
{
	(void)state;
	const int64_t m = 60, h = 3600, d = 86400;
	const struct {
		int64_t in;
		const char *want;
	} cases[] = {
		{ -5, "Less than a second" },
		{ 0, "Less than a second" },
		{ 1, "1 second" },
		{ 2, "2 seconds" },
		{ 59, "59 seconds" },
		{ 60, "About a minute" },
		{ 119, "About a minute" },
		{ 120, "2 minutes" },
		{ 59 * m + 59, "59 minutes" },
		{ h, "About an hour" },
		{ h + 29 * m + 59, "About an hour" },
		{ h + 30 * m, "2 hours" },
		{ 47 * h, "47 hours" },
		{ 47 * h + 30 * m, "2 days" },
		{ 13 * d, "13 days" },
		{ 13 * d + 14 * h, "13 days" },
		{ 3650 * d + 364 * d, "10 years" },
		{ 14 * d, "2 weeks" },
		{ 59 * d, "8 weeks" },
		{ 60 * d, "2 months" },
		{ 729 * d, "24 months" },
		{ 730 * d, "2 years" },
		{ 3650 * d, "10 years" },
	};
	char buf[HUMAN_BUF];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(human_duration(cases[i].in, buf), cases[i].want);
	assert_string_equal(human_ago((int64_t)time(NULL) - 3 * h, buf), "3 hours ago");
}

static void test_parse_time(void **state)
{
	(void)state;
	int64_t s;
	int32_t ns;
	assert_int_equal(human_parse_time("2026-11-30T15:01:52.123456789Z", &s, &ns), 0);
	assert_int_equal(s, 1796050912);
	assert_int_equal(ns, 123456789);
	assert_int_equal(human_parse_time("2026-11-30T16:31:52.5+01:30", &s, &ns), 0);
	assert_int_equal(s, 1796050912);
	assert_int_equal(ns, 500000000);
	assert_int_equal(human_parse_time("1970-01-01T00:00:00Z", &s, &ns), 0);
	assert_int_equal(s, 0);
	assert_int_equal(human_parse_time("0001-01-01T00:00:00Z", &s, &ns), 0);
	assert_int_equal(s, -62135596800LL);
	assert_int_equal(human_parse_time("2024-02-29T00:00:00Z", &s, &ns), 0);
	const char *bad[] = { "",
			      "x",
			      "2026-11-30",
			      "2026-11-30T15:01:52",
			      "2026-13-01T00:00:00Z",
			      "2023-02-29T00:00:00Z",
			      "2026-11-30T24:00:00Z",
			      "2026-11-30T15:01:52.Z",
			      "2026-11-30T15:01:52Zjunk",
			      "2026-11-30T15:01:52+0100",
			      NULL };
	for (size_t i = 0; bad[i]; i++)
		if (human_parse_time(bad[i], &s, &ns) >= 0)
			fail_msg("'%s' parsed", bad[i]);
	assert_true(human_parse_time(NULL, &s, &ns) < 0);
}

static void expect_arg(const char *arg, const char *want)
{
	char buf[HUMAN_BUF];
	cleanup_error berth_error_t *err = NULL;
	if (human_time_arg(arg, buf, &err) < 0)
		fail_msg("'%s': %s", arg, err->msg);
	assert_string_equal(buf, want);
}

static void expect_arg_error(const char *arg, const char *needle)
{
	char buf[HUMAN_BUF];
	cleanup_error berth_error_t *err = NULL;
	assert_true(human_time_arg(arg, buf, &err) < 0);
	assert_error_contains(err, needle);
}

static void expect_relative(const char *arg, int64_t ago)
{
	char buf[HUMAN_BUF];
	cleanup_error berth_error_t *err = NULL;
	int64_t before = (int64_t)time(NULL);
	assert_int_equal(human_time_arg(arg, buf, &err), 0);
	int64_t after = (int64_t)time(NULL);
	char *end;
	long long v = strtoll(buf, &end, 10);
	assert_int_equal(*end, '\0');
	assert_in_range(v, before - ago - 1, after - ago);
}

static void test_time_arg(void **state)
{
	(void)state;
	/* zone-less times are read in the local zone: make it UTC */
	setenv("TZ", "UTC", 1);
	tzset();
	expect_arg("1700000000", "1700000000");
	expect_arg("1700000000.123", "1700000000.123");
	expect_arg("0", "0");
	expect_arg("2026-11-30T15:01:52Z", "1796050912.000000000");
	expect_arg("2026-11-30T15:01:52.25Z", "1796050912.250000000");
	expect_arg("2026-11-30T16:01:52+01:00", "1796050912.000000000");
	expect_arg("2026-11-30T15:01:52", "1796050912.000000000");
	expect_arg("2026-11-30T15:01", "1796050860.000000000");
	expect_arg("2026-11-30T15", "1796050800.000000000");
	expect_arg("2026-11-30", "1795996800.000000000");
	expect_arg("2026-11-30Z", "1795996800.000000000");
	expect_relative("10m", 600);
	expect_relative("1h30m", 5400);
	expect_relative("1.5h", 5400);
	expect_relative("90s", 90);
	expect_arg_error("abc", "failed to parse value as time or duration: \"abc\"");
	expect_arg_error("10x", "failed to parse value as time or duration");
	expect_arg_error("2026-13-01", "parsing time \"2026-13-01\"");
	expect_arg_error("-1", "parsing time");
	expect_arg_error("1700000000.", "failed to parse");
	expect_arg_error("123456789012345678901234567890123456789012345678901234567890",
			 "failed to parse");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size),       cmocka_unit_test(test_size4),
		cmocka_unit_test(test_bytes),      cmocka_unit_test(test_duration),
		cmocka_unit_test(test_parse_time), cmocka_unit_test(test_time_arg),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
