/* Unit tests of client.c that need no daemon: query escaping, docker's
 * filters parameter, path escaping, the JSON-lines decoder fed in every
 * possible split of its input, and cli_client's refusal of hosts that are
 * not unix sockets. */
#include "common/unit.h"

#include <errno.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "common/cleanup.h"

static void test_query_add(void **state)
{
	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	strbuf_addstr(&url, "/containers/json");
	cli_query_add(&url, "all", "1");
	cli_query_add(&url, "name", "a b&c=d/é");
	cli_query_add(&url, "empty", "");
	cli_query_add(&url, "null", NULL);
	assert_string_equal(url.buf,
			    "/containers/json?all=1&name=a%20b%26c%3Dd%2F%C3%A9&empty=&null=");
}

static void test_query_filters(void **state)
{
	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	strbuf_addstr(&url, "/containers/json?all=1");
	const char *f[] = { "status=exited", " Label = a=b ", "status=created" };
	berth_error_t *err = NULL;
	assert_int_equal(cli_query_filters(&url, f, 3, &err), 0);
	/* {"label":{"a=b":true},"status":{"created":true,"exited":true}} */
	assert_string_equal(url.buf,
			    "/containers/json?all=1&filters="
			    "%7B%22label%22%3A%7B%22a%3Db%22%3Atrue%7D%2C%22status%22%3A%7B"
			    "%22created%22%3Atrue%2C%22exited%22%3Atrue%7D%7D");
}

static void test_query_filters_none(void **state)
{
	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	strbuf_addstr(&url, "/images/json");
	const char *f[] = { "" };
	assert_int_equal(cli_query_filters(&url, NULL, 0, NULL), 0);
	assert_int_equal(cli_query_filters(&url, f, 1, NULL), 0);
	assert_string_equal(url.buf, "/images/json");
}

static void test_query_filters_bad(void **state)
{
	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	const char *f[] = { "status=up", "dangling" };
	cleanup_error berth_error_t *err = NULL;
	assert_true(cli_query_filters(&url, f, 2, &err) < 0);
	assert_int_equal(err->errnum, EINVAL);
	assert_string_equal(err->msg, "bad format of filter (expected name=value)");
	assert_int_equal(url.len, 0);
}

static void test_escape(void **state)
{
	cleanup_free char *a = cli_escape("registry:5000/lib/busybox@sha256:ab");
	assert_string_equal(a, "registry:5000/lib/busybox@sha256:ab");
	cleanup_free char *b = cli_escape("my box?#%");
	assert_string_equal(b, "my%20box%3F%23%25");
}

/* Collect each value of a stream as compact text, one a line */
static int collect(const json_t *v, void *ud)
{
	struct strbuf *out = ud;
	cleanup_free char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
	strbuf_addstr(out, s);
	strbuf_addch(out, '\n');
	return 0;
}

static const char stream_text[] = "{\"status\":\"Pulling\",\"id\":\"a\"}\n"
				  "{\"progressDetail\":{\"current\":1,\"total\":2}}\r\n"
				  "  [1,2]{\"x\":\"caf\xc3\xa9 }\"}\n"
				  "\"str\"\n"
				  "12\n";
static const char stream_values[] = "{\"id\":\"a\",\"status\":\"Pulling\"}\n"
				    "{\"progressDetail\":{\"current\":1,\"total\":2}}\n"
				    "[1,2]\n"
				    "{\"x\":\"caf\xc3\xa9 }\"}\n"
				    "\"str\"\n"
				    "12\n";

/* Every split of the input into two chunks, then one byte at a time: the
 * same values come out in order */
static void test_json_stream_splits(void **state)
{
	size_t n = sizeof(stream_text) - 1;
	for (size_t cut = 0; cut <= n; cut++) {
		cleanup_strbuf struct strbuf out = STRBUF_INIT;
		struct cli_json_stream s;
		cli_json_stream_init(&s, collect, &out);
		berth_error_t *err = NULL;
		assert_int_equal(cli_json_stream_feed(&s, stream_text, cut, &err), 0);
		assert_int_equal(cli_json_stream_feed(&s, stream_text + cut, n - cut, &err), 0);
		assert_int_equal(cli_json_stream_finish(&s, &err), 0);
		assert_string_equal(out.buf, stream_values);
		cli_json_stream_release(&s);
	}
	cleanup_strbuf struct strbuf out = STRBUF_INIT;
	struct cli_json_stream s;
	cli_json_stream_init(&s, collect, &out);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(cli_json_stream_feed(&s, stream_text + i, 1, NULL), 0);
	assert_int_equal(cli_json_stream_finish(&s, NULL), 0);
	assert_string_equal(out.buf, stream_values);
	cli_json_stream_release(&s);
}

/* A number split at the end of a chunk is not handed out early */
static void test_json_stream_number_split(void **state)
{
	cleanup_strbuf struct strbuf out = STRBUF_INIT;
	struct cli_json_stream s;
	cli_json_stream_init(&s, collect, &out);
	assert_int_equal(cli_json_stream_feed(&s, "12", 2, NULL), 0);
	assert_int_equal(out.len, 0);
	assert_int_equal(cli_json_stream_feed(&s, "34 5", 4, NULL), 0);
	assert_string_equal(out.buf, "1234\n");
	assert_int_equal(cli_json_stream_finish(&s, NULL), 0);
	assert_string_equal(out.buf, "1234\n5\n");
	cli_json_stream_release(&s);
}

static void test_json_stream_partial(void **state)
{
	cleanup_strbuf struct strbuf out = STRBUF_INIT;
	struct cli_json_stream s;
	cli_json_stream_init(&s, collect, &out);
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(cli_json_stream_feed(&s, "{\"a\":1}\n{\"b\":", 13, &err), 0);
	assert_string_equal(out.buf, "{\"a\":1}\n");
	assert_true(cli_json_stream_finish(&s, &err) < 0);
	assert_error_contains(err, "ends inside a value");
	cli_json_stream_release(&s);
}

static void test_json_stream_bad(void **state)
{
	cleanup_strbuf struct strbuf out = STRBUF_INIT;
	struct cli_json_stream s;
	cli_json_stream_init(&s, collect, &out);
	cleanup_error berth_error_t *err = NULL;
	assert_true(cli_json_stream_feed(&s, "{\"a\":1}\n}{", 10, &err) < 0);
	assert_error_contains(err, "bad JSON in the stream");
	assert_string_equal(out.buf, "{\"a\":1}\n");
	cli_json_stream_release(&s);
}

/* An unterminated value may not grow past the cap */
static void test_json_stream_cap(void **state)
{
	struct cli_json_stream s;
	cli_json_stream_init(&s, collect, NULL);
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(cli_json_stream_feed(&s, "[\"", 2, &err), 0);
	char chunk[65536];
	memset(chunk, 'x', sizeof(chunk));
	int r = 0;
	for (int i = 0; i < 17 && r == 0; i++)
		r = cli_json_stream_feed(&s, chunk, sizeof(chunk), &err);
	assert_true(r < 0);
	assert_int_equal(err->errnum, EFBIG);
	cli_json_stream_release(&s);
}

static int stop_at_second(const json_t *v, void *ud)
{
	int *seen = ud;
	return ++*seen == 2 ? -1 : 0;
}

static void test_json_stream_stop(void **state)
{
	int seen = 0;
	struct cli_json_stream s;
	cli_json_stream_init(&s, stop_at_second, &seen);
	cleanup_error berth_error_t *err = NULL;
	assert_true(cli_json_stream_feed(&s, "{}{}{}", 6, &err) < 0);
	assert_int_equal(seen, 2);
	assert_int_equal(err->errnum, ECANCELED);
	cli_json_stream_release(&s);
}

static void test_client_hosts(void **state)
{
	const char *bad[] = { "tcp://127.0.0.1:2375", "ssh://x", "unix://", "/run/berth.sock" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cli cli = { .host = bad[i] };
		struct cli_client *c = NULL;
		cleanup_error berth_error_t *err = NULL;
		assert_true(cli_client(&cli, &c, &err) < 0);
		assert_int_equal(err->errnum, EINVAL);
		assert_null(cli.client);
	}
	struct cli cli = { .host = "unix:///nonexistent/berth-test.sock" };
	struct cli_client *c = NULL;
	assert_int_equal(cli_client(&cli, &c, NULL), 0);
	assert_ptr_equal(cli.client, c);
	struct cli_client *again = NULL;
	assert_int_equal(cli_client(&cli, &again, NULL), 0);
	assert_ptr_equal(again, c);
	/* nobody listens: the message says how to start berthd */
	cleanup_error berth_error_t *err = NULL;
	json_t *j = NULL;
	assert_true(cli_get_json(&cli, "/version", &j, &err) < 0);
	assert_null(j);
	assert_string_equal(
		err->msg,
		"cannot connect to berthd at unix:///nonexistent/berth-test.sock: "
		"is it running? start it with 'sudo berthd' (or 'systemctl start berth')");
	cli_client_free(c);
}

static void test_api_version_env(void **state)
{
	struct cli cli = { .host = "unix:///nonexistent/berth-test.sock" };
	struct cli_client *c = NULL;
	assert_int_equal(cli_client(&cli, &c, NULL), 0);
	setenv("DOCKER_API_VERSION", "v1.41", 1);
	const char *v = NULL;
	/* no daemon needed: the override is not negotiated */
	assert_int_equal(cli_client_api_version(c, &v, NULL), 0);
	assert_string_equal(v, "1.41");
	cli_client_free(c);
	c = NULL;
	cli.client = NULL;
	assert_int_equal(cli_client(&cli, &c, NULL), 0);
	setenv("DOCKER_API_VERSION", "2", 1);
	cleanup_error berth_error_t *err = NULL;
	assert_true(cli_client_api_version(c, &v, &err) < 0);
	assert_error_contains(err, "invalid API version '2'");
	unsetenv("DOCKER_API_VERSION");
	cli_client_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_add),
		cmocka_unit_test(test_query_filters),
		cmocka_unit_test(test_query_filters_none),
		cmocka_unit_test(test_query_filters_bad),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_json_stream_splits),
		cmocka_unit_test(test_json_stream_number_split),
		cmocka_unit_test(test_json_stream_partial),
		cmocka_unit_test(test_json_stream_bad),
		cmocka_unit_test(test_json_stream_cap),
		cmocka_unit_test(test_json_stream_stop),
		cmocka_unit_test(test_client_hosts),
		cmocka_unit_test(test_api_version_env),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
