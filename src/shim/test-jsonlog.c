/* Unit tests for jsonlog: docker's json-file entries (escaping, invalid
 * UTF-8, lines split at 16 KiB, a pending last line), and rotation keeping
 * max_file files no larger than max_size. */
#include "common/unit.h"

#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "shim/shim.h"

struct fixture {
	char dir[64];
	char *path;
};

static int setup(void **state)
{
	struct fixture *fx = xzalloc(sizeof(*fx));
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/berth-test-jsonlog-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	fx->path = xasprintf("%s/ctr.log", fx->dir);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	for (int i = 0; i < 8; i++) {
		cleanup_free char *p = i ? xasprintf("%s.%d", fx->path, i) : xstrdup(fx->path);
		unlink(p);
	}
	rmdir(fx->dir);
	free(fx->path);
	free(fx);
	return 0;
}

/* The entries of a log file as a JSON array */
static json_t *entries(const char *path)
{
	cleanup_fclose FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	json_t *arr = json_array();
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		json_error_t je;
		json_t *j = json_loads(line, 0, &je);
		if (!j)
			fail_msg("bad entry '%s': %s", line, je.text);
		json_array_append_new(arr, j);
	}
	free(line);
	return arr;
}

static const char *entry_log(json_t *arr, size_t i)
{
	return json_string_value(json_object_get(json_array_get(arr, i), "log"));
}

static void test_lines_and_streams(void **state)
{
	struct fixture *fx = *state;
	struct jsonlog *l = NULL;
	assert_int_equal(jsonlog_open(fx->path, 0, 1, &l, NULL), 0);
	jsonlog_feed(l, 1, "one\ntw", 6);
	jsonlog_feed(l, 2, "err\n", 4);
	static const char odd[] = "o\n\"q\" <&> \x01\xff\xc3\xa9\n";
	jsonlog_feed(l, 1, odd, sizeof(odd) - 1);
	jsonlog_feed(l, 1, "tail", 4);
	jsonlog_flush(l, 1);
	jsonlog_free(l);
	cleanup_json json_t *e = entries(fx->path);
	assert_non_null(e);
	assert_int_equal(json_array_size(e), 5);
	assert_string_equal(entry_log(e, 0), "one\n");
	assert_string_equal(entry_log(e, 1), "err\n");
	assert_string_equal(json_string_value(json_object_get(json_array_get(e, 1), "stream")),
			    "stderr");
	assert_string_equal(entry_log(e, 2), "two\n");
	/* invalid UTF-8 becomes U+FFFD, valid multi-byte stays */
	assert_string_equal(entry_log(e, 3), "\"q\" <&> \x01\xef\xbf\xbd\xc3\xa9\n");
	assert_string_equal(entry_log(e, 4), "tail");
	const char *t = json_string_value(json_object_get(json_array_get(e, 0), "time"));
	assert_non_null(t);
	assert_int_equal(strlen(t), strlen("2026-11-30T12:00:00.123456789Z"));
	assert_int_equal(t[strlen(t) - 1], 'Z');
}

static void test_long_line_is_split(void **state)
{
	struct fixture *fx = *state;
	struct jsonlog *l = NULL;
	assert_int_equal(jsonlog_open(fx->path, 0, 1, &l, NULL), 0);
	char *big = xmalloc(40000);
	memset(big, 'x', 40000);
	big[39999] = '\n';
	/* fed in uneven pieces, as reads come */
	jsonlog_feed(l, 1, big, 1000);
	jsonlog_feed(l, 1, big + 1000, 39000);
	free(big);
	jsonlog_free(l);
	cleanup_json json_t *e = entries(fx->path);
	assert_int_equal(json_array_size(e), 3);
	assert_int_equal(strlen(entry_log(e, 0)), 16384);
	assert_int_equal(strlen(entry_log(e, 1)), 16384);
	assert_int_equal(strlen(entry_log(e, 2)), 40000 - 2 * 16384);
	assert_int_equal(entry_log(e, 2)[40000 - 2 * 16384 - 1], '\n');
}

static void test_rotation(void **state)
{
	struct fixture *fx = *state;
	struct jsonlog *l = NULL;
	assert_int_equal(jsonlog_open(fx->path, 500, 3, &l, NULL), 0);
	for (int i = 0; i < 100; i++) {
		char line[32];
		int n = snprintf(line, sizeof(line), "line %d\n", i);
		jsonlog_feed(l, 1, line, (size_t)n);
	}
	jsonlog_free(l);
	cleanup_free char *p1 = xasprintf("%s.1", fx->path);
	cleanup_free char *p2 = xasprintf("%s.2", fx->path);
	cleanup_free char *p3 = xasprintf("%s.3", fx->path);
	const char *files[] = { p2, p1, fx->path };
	int expect_next = -1;
	for (int f = 0; f < 3; f++) {
		struct stat st;
		assert_int_equal(stat(files[f], &st), 0);
		assert_true(st.st_size > 0 && st.st_size <= 500);
		cleanup_json json_t *e = entries(files[f]);
		for (size_t i = 0; i < json_array_size(e); i++) {
			int n = (int)strtol(entry_log(e, i) + strlen("line "), NULL, 10);
			if (expect_next >= 0)
				assert_int_equal(n, expect_next);
			expect_next = n + 1;
		}
	}
	assert_int_equal(expect_next, 100);
	assert_int_equal(access(p3, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lines_and_streams, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_line_is_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
