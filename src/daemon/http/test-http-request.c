/* Unit tests for the request parser: requests arriving in pieces, the
 * /v1.NN prefix, percent-decoding, query helpers, chunked bodies, and the
 * caps (414, 431) and malformed input (400). */
#include "common/unit.h"

#include <stdlib.h>

#include "common/cleanup.h"
#include "daemon/http/http-internal.h"

/* Feed raw in steps of `step` bytes like a socket would; the head is
 * finished as the server does, the body collected into body.  Returns the
 * error status (0 when the request parsed). */
static int parse(const char *raw, size_t step, struct http_request *r, struct strbuf *body)
{
	size_t len = strlen(raw), off = 0;
	bool head = false;
	http_request_init(r);
	while (off < len && !r->message_done) {
		size_t n = len - off < step ? len - off : step;
		ssize_t used = http_request_feed(r, raw + off, n);
		if (used < 0)
			return r->error_status;
		if (r->headers_done && !head) {
			head = true;
			if (http_request_finish_head(r) < 0)
				return r->error_status;
			http_request_resume(r);
		}
		strbuf_add(body, r->body.buf, r->body.len);
		strbuf_reset(&r->body);
		off += (size_t)used;
	}
	return head ? 0 : -1;
}

static void test_get_in_pieces(void **state)
{
	const char *raw =
		"GET /v1.41/containers/my%20box/json?all=1&names=a&names=b+c&x=%2F HTTP/1.1\r\n"
		"Host: docker\r\nX-Registry-Auth: abc\r\n\r\n";
	for (size_t step = 1; step <= strlen(raw); step += 7) {
		struct http_request r;
		cleanup_strbuf struct strbuf body = STRBUF_INIT;
		assert_int_equal(parse(raw, step, &r, &body), 0);
		assert_true(r.message_done);
		assert_string_equal(r.method, "GET");
		assert_string_equal(r.path, "/containers/my box/json");
		assert_int_equal(r.api_minor, 41);
		assert_true(r.keep_alive);
		struct http_ctx h = { .req = r };
		assert_string_equal(http_query(&h, "all"), "1");
		assert_true(http_query_bool(&h, "all"));
		assert_false(http_query_bool(&h, "nope"));
		assert_string_equal(http_query(&h, "x"), "/");
		size_t n = 0;
		const char *const *v = http_query_all(&h, "names", &n);
		assert_int_equal(n, 2);
		assert_string_equal(v[0], "a");
		assert_string_equal(v[1], "b c");
		assert_string_equal(http_header(&h, "x-registry-auth"), "abc");
		assert_null(http_header(&h, "Cookie"));
		for (size_t i = 0; i < h.n_scratch; i++)
			free(h.scratch[i]);
		free(h.scratch);
		http_request_release(&h.req);
	}
}

static void test_unversioned_path(void **state)
{
	struct http_request r;
	cleanup_strbuf struct strbuf body = STRBUF_INIT;
	assert_int_equal(parse("HEAD /_ping HTTP/1.1\r\n\r\n", 1000, &r, &body), 0);
	assert_string_equal(r.path, "/_ping");
	assert_int_equal(r.api_minor, HTTP_API_MINOR);
	assert_string_equal(r.method, "HEAD");
	http_request_release(&r);
	/* "/version" starts with /v but has no version */
	assert_int_equal(parse("GET /version HTTP/1.1\r\n\r\n", 1000, &r, &body), 0);
	assert_string_equal(r.path, "/version");
	http_request_release(&r);
}

static void test_versions_out_of_range(void **state)
{
	struct http_request r;
	cleanup_strbuf struct strbuf body = STRBUF_INIT;
	assert_int_equal(parse("GET /v1.23/info HTTP/1.1\r\n\r\n", 1000, &r, &body), 400);
	assert_string_equal(r.error_msg,
			    "client version 1.23 is too old. Minimum supported API version is "
			    "1.24, please upgrade your client to a newer version");
	http_request_release(&r);
	assert_int_equal(parse("GET /v1.48/info HTTP/1.1\r\n\r\n", 1000, &r, &body), 400);
	assert_string_equal(r.error_msg,
			    "client version 1.48 is too new. Maximum supported API version is 1.47");
	http_request_release(&r);
	assert_int_equal(parse("GET /v2.0/info HTTP/1.1\r\n\r\n", 1000, &r, &body), 400);
	http_request_release(&r);
	assert_int_equal(parse("GET /v1.24/info HTTP/1.1\r\n\r\n", 1000, &r, &body), 0);
	assert_int_equal(r.api_minor, 24);
	http_request_release(&r);
}

static void test_chunked_body(void **state)
{
	const char *raw = "POST /build HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
			  "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\nGET /next HTTP/1.1\r\n\r\n";
	for (size_t step = 1; step < 20; step++) {
		struct http_request r;
		cleanup_strbuf struct strbuf body = STRBUF_INIT;
		assert_int_equal(parse(raw, step, &r, &body), 0);
		assert_true(r.message_done);
		assert_string_equal(body.buf, "hello world");
		http_request_release(&r);
	}
}

static void test_caps(void **state)
{
	struct http_request r;
	cleanup_strbuf struct strbuf body = STRBUF_INIT;
	cleanup_strbuf struct strbuf raw = STRBUF_INIT;
	strbuf_addstr(&raw, "GET /");
	for (size_t i = 0; i < HTTP_MAX_URL; i++)
		strbuf_addch(&raw, 'a');
	strbuf_addstr(&raw, " HTTP/1.1\r\n\r\n");
	assert_int_equal(parse(raw.buf, 4096, &r, &body), 414);
	http_request_release(&r);

	strbuf_reset(&raw);
	strbuf_addstr(&raw, "GET / HTTP/1.1\r\n");
	for (size_t i = 0; i < HTTP_MAX_HEAD / 16 + 1; i++)
		strbuf_addf(&raw, "X-H%07zu: v\r\n", i);
	strbuf_addstr(&raw, "\r\n");
	assert_int_equal(parse(raw.buf, 4096, &r, &body), 431);
	http_request_release(&r);
}

static void test_malformed(void **state)
{
	const char *bad[] = {
		"GARBAGE\r\n\r\n",
		"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"GET /a%zz HTTP/1.1\r\n\r\n",
		"GET /a%00b HTTP/1.1\r\n\r\n",
		"GET /?q=%0 HTTP/1.1\r\n\r\n",
		"GET * HTTP/1.1\r\n\r\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct http_request r;
		cleanup_strbuf struct strbuf body = STRBUF_INIT;
		assert_int_equal(parse(bad[i], 3, &r, &body), 400);
		assert_non_null(r.error_msg);
		http_request_release(&r);
	}
}

static void test_unescape(void **state)
{
	cleanup_free char *a = http_unescape("a%2Fb+c", 7, true);
	cleanup_free char *b = http_unescape("a%2fb+c", 7, false);
	assert_string_equal(a, "a/b c");
	assert_string_equal(b, "a/b+c");
	assert_null(http_unescape("%", 1, false));
	assert_null(http_unescape("%4", 2, false));
	assert_null(http_unescape("%00", 3, false));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_in_pieces),
		cmocka_unit_test(test_unversioned_path),
		cmocka_unit_test(test_versions_out_of_range),
		cmocka_unit_test(test_chunked_body),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_unescape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
