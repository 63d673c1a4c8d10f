/* Unit tests for log: levels, text and JSON lines, file sinks, bad input. */
#include "common/unit.h"

#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"

static char *read_all(int fd)
{
	char *buf = calloc(1, 65536);
	lseek(fd, 0, SEEK_SET);
	ssize_t n = read(fd, buf, 65535);
	assert_true(n >= 0);
	return buf;
}

static int tmpfd(void)
{
	char path[] = "/tmp/berth-test-log-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	return fd;
}

static void test_parse_names(void **state)
{
	enum log_level l;
	enum log_format f;
	assert_int_equal(log_level_parse("DEBUG", &l, NULL), 0);
	assert_int_equal(l, LOG_LEVEL_DEBUG);
	assert_int_equal(log_level_parse("warning", &l, NULL), 0);
	assert_int_equal(l, LOG_LEVEL_WARN);
	cleanup_error berth_error_t *err = NULL;
	assert_true(log_level_parse("loud", &l, &err) < 0);
	assert_error_contains(err, "unknown log level 'loud'");
	assert_true(log_level_parse(NULL, &l, NULL) < 0);
	assert_int_equal(log_format_parse("json", &f, NULL), 0);
	assert_int_equal(f, LOG_FORMAT_JSON);
	assert_true(log_format_parse("xml", &f, NULL) < 0);
}

static void test_levels_filter(void **state)
{
	cleanup_close int fd = tmpfd();
	log_set_fd(fd);
	log_set_format(LOG_FORMAT_TEXT);
	log_set_level(LOG_LEVEL_WARN);
	log_set_prog("t");
	log_debug("hidden %d", 1);
	log_info("hidden too");
	log_warn("shown %s", "w");
	log_error("shown e");
	cleanup_free char *out = read_all(fd);
	assert_null(strstr(out, "hidden"));
	assert_non_null(strstr(out, "t: warning: shown w\n"));
	assert_non_null(strstr(out, "t: shown e\n"));
	log_set_fd(-1);
}

static void test_json_lines(void **state)
{
	cleanup_close int fd = tmpfd();
	log_set_fd(fd);
	log_set_format(LOG_FORMAT_JSON);
	log_set_level(LOG_LEVEL_DEBUG);
	log_error("container \"%s\" not running\n", "x");
	log_debug("tab\there");
	cleanup_free char *out = read_all(fd);
	char *nl = strchr(out, '\n');
	assert_non_null(nl);
	*nl = '\0';
	json_error_t jerr;
	cleanup_json json_t *line = json_loads(out, 0, &jerr);
	assert_non_null(line);
	assert_string_equal(json_string_value(json_object_get(line, "level")), "error");
	assert_string_equal(json_string_value(json_object_get(line, "msg")),
			    "container \"x\" not running\n");
	const char *t = json_string_value(json_object_get(line, "time"));
	assert_non_null(t);
	assert_int_equal(t[strlen(t) - 1], 'Z');
	cleanup_json json_t *second = json_loads(nl + 1, JSON_DISABLE_EOF_CHECK, &jerr);
	assert_non_null(second);
	assert_string_equal(json_string_value(json_object_get(second, "level")), "debug");
	log_set_fd(-1);
	log_set_format(LOG_FORMAT_TEXT);
}

static void test_json_invalid_utf8_stays_valid(void **state)
{
	cleanup_close int fd = tmpfd();
	log_set_fd(fd);
	log_set_format(LOG_FORMAT_JSON);
	log_error("bad \xff\xfe bytes");
	cleanup_free char *out = read_all(fd);
	json_error_t jerr;
	cleanup_json json_t *line = json_loads(out, JSON_DISABLE_EOF_CHECK, &jerr);
	assert_non_null(line);
	log_set_fd(-1);
	log_set_format(LOG_FORMAT_TEXT);
}

static void test_log_file(void **state)
{
	char path[] = "/tmp/berth-test-logfile-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(log_set_file(path, NULL), 0);
	log_error("to the file");
	assert_int_equal(log_set_file(NULL, NULL), 0);
	cleanup_close int rfd = open(path, O_RDONLY | O_CLOEXEC);
	cleanup_free char *out = read_all(rfd);
	assert_non_null(strstr(out, "to the file"));
	unlink(path);
	cleanup_error berth_error_t *err = NULL;
	assert_true(log_set_file("/nonexistent-dir/x.log", &err) < 0);
	assert_error_contains(err, "open log file '/nonexistent-dir/x.log'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_names),
		cmocka_unit_test(test_levels_filter),
		cmocka_unit_test(test_json_lines),
		cmocka_unit_test(test_json_invalid_utf8_stays_valid),
		cmocka_unit_test(test_log_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
