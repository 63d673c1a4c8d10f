/* test-auth: the WWW-Authenticate parser, token responses and Basic
 * encoding, on the shapes distribution, Docker Hub and RFC 7235 use. */
#include "common/unit.h"

#include <time.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "registry/auth.h"

struct parsed {
	struct auth_challenge *chs;
	size_t n;
};

static void parse_ok(const char *v, struct parsed *p)
{
	berth_error_t *err = NULL;
	p->chs = NULL;
	p->n = 0;
	int r = auth_challenges_parse(v, &p->chs, &p->n, &err);
	if (r < 0)
		fail_msg("parse '%s': %s", v, err->msg);
}

static void test_bearer(void **state)
{
	struct parsed p;
	parse_ok("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
		 "scope=\"repository:library/busybox:pull\"",
		 &p);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.chs[0].scheme, "bearer");
	assert_int_equal(p.chs[0].n_params, 3);
	assert_string_equal(auth_challenge_param(&p.chs[0], "realm"),
			    "https://auth.docker.io/token");
	assert_string_equal(auth_challenge_param(&p.chs[0], "SERVICE"), "registry.docker.io");
	assert_string_equal(auth_challenge_param(&p.chs[0], "scope"),
			    "repository:library/busybox:pull");
	assert_null(auth_challenge_param(&p.chs[0], "error"));
	auth_challenges_free(p.chs, p.n);
}

static void test_basic(void **state)
{
	struct parsed p;
	parse_ok("Basic realm=\"Registry Realm\"", &p);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.chs[0].scheme, "basic");
	assert_string_equal(auth_challenge_param(&p.chs[0], "realm"), "Registry Realm");
	auth_challenges_free(p.chs, p.n);
}

static void test_multiple(void **state)
{
	struct parsed p;
	/* RFC 7235's own example, and a bare scheme between two */
	parse_ok("Newauth realm=\"apps\", type=1, title=\"Login to \\\"apps\\\"\", "
		 "Basic realm=\"simple\", Negotiate, Bearer realm=\"https://a/t\"",
		 &p);
	assert_int_equal(p.n, 4);
	assert_string_equal(p.chs[0].scheme, "newauth");
	assert_int_equal(p.chs[0].n_params, 3);
	assert_string_equal(auth_challenge_param(&p.chs[0], "type"), "1");
	assert_string_equal(auth_challenge_param(&p.chs[0], "title"), "Login to \"apps\"");
	assert_string_equal(p.chs[1].scheme, "basic");
	assert_string_equal(auth_challenge_param(&p.chs[1], "realm"), "simple");
	assert_string_equal(p.chs[2].scheme, "negotiate");
	assert_int_equal(p.chs[2].n_params, 0);
	assert_string_equal(p.chs[3].scheme, "bearer");
	assert_string_equal(auth_challenge_param(&p.chs[3], "realm"), "https://a/t");
	auth_challenges_free(p.chs, p.n);
}

static void test_spacing_and_token68(void **state)
{
	struct parsed p;
	parse_ok("  bearer   realm = \"x\" ,  error=insufficient_scope  ,, ", &p);
	assert_int_equal(p.n, 1);
	assert_string_equal(auth_challenge_param(&p.chs[0], "realm"), "x");
	assert_string_equal(auth_challenge_param(&p.chs[0], "error"), "insufficient_scope");
	auth_challenges_free(p.chs, p.n);

	parse_ok("Negotiate YIIB0gYGKwYBBQUCoII=, Basic realm=\"r\"", &p);
	assert_int_equal(p.n, 2);
	assert_string_equal(p.chs[0].token68, "YIIB0gYGKwYBBQUCoII=");
	assert_string_equal(p.chs[1].scheme, "basic");
	auth_challenges_free(p.chs, p.n);

	/* two headers append to one list */
	parse_ok("Basic realm=\"a\"", &p);
	berth_error_t *err = NULL;
	assert_int_equal(auth_challenges_parse("Bearer realm=\"b\"", &p.chs, &p.n, &err), 0);
	assert_int_equal(p.n, 2);
	assert_string_equal(p.chs[1].scheme, "bearer");
	auth_challenges_free(p.chs, p.n);
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"Bearer realm=\"unterminated",
		"Bearer realm=\"x\" junk\"",
		"=realm",
		"Bearer realm=\"x\"; service=y",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct auth_challenge *chs = NULL;
		size_t n = 0;
		berth_error_t *err = NULL;
		if (auth_challenges_parse(bad[i], &chs, &n, &err) >= 0)
			fail_msg("'%s' parsed", bad[i]);
		assert_error_contains(err, "WWW-Authenticate");
		berth_error_free(err);
		auth_challenges_free(chs, n);
	}
	/* caps: too long, too many */
	cleanup_free char *longv = xcalloc(1, AUTH_MAX_CHALLENGE_LEN + 2);
	memset(longv, 'a', AUTH_MAX_CHALLENGE_LEN + 1);
	struct auth_challenge *chs = NULL;
	size_t n = 0;
	berth_error_t *err = NULL;
	assert_true(auth_challenges_parse(longv, &chs, &n, &err) < 0);
	assert_error_contains(err, "longer than");
	berth_error_release(&err);
	assert_true(auth_challenges_parse("A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P, Q", &chs,
					  &n, &err) < 0);
	assert_error_contains(err, "more than");
	berth_error_release(&err);
	auth_challenges_free(chs, n);
}

static void test_token_response(void **state)
{
	berth_error_t *err = NULL;
	char *tok = NULL;
	time_t exp = 0, now = 1700000000;

	const char *hub = "{\"token\":\"abc\",\"access_token\":\"abc\",\"expires_in\":300,"
			  "\"issued_at\":\"2023-11-14T22:10:00.123Z\"}";
	assert_int_equal(auth_token_response_parse(hub, strlen(hub), now, &tok, &exp, &err), 0);
	assert_string_equal(tok, "abc");
	/* 2023-11-14T22:10:00Z is 1700000000 - 3 * 60 - 20 = 1699999800 */
	assert_int_equal((long)exp, 1700000000L - 200 + 300);
	free(tok);

	const char *oauth = "{\"access_token\":\"xyz\"}";
	assert_int_equal(auth_token_response_parse(oauth, strlen(oauth), now, &tok, &exp, &err), 0);
	assert_string_equal(tok, "xyz");
	assert_int_equal((long)exp, (long)now + 60); /* docker's minimum */
	free(tok);

	const char *none = "{\"expires_in\":10}";
	assert_true(auth_token_response_parse(none, strlen(none), now, &tok, &exp, &err) < 0);
	assert_error_contains(err, "no token");
	berth_error_release(&err);
	assert_true(auth_token_response_parse("nope", 4, now, &tok, &exp, &err) < 0);
	berth_error_release(&err);
}

static void test_basic_encoding(void **state)
{
	cleanup_free char *b = auth_basic_encode("user", "p:ss");
	assert_string_equal(b, "dXNlcjpwOnNz");
	berth_error_t *err = NULL;
	cleanup_free char *u = NULL, *p = NULL;
	assert_int_equal(auth_basic_decode(b, &u, &p, &err), 0);
	assert_string_equal(u, "user");
	assert_string_equal(p, "p:ss");
	cleanup_free char *u2 = NULL, *p2 = NULL;
	assert_int_equal(auth_basic_decode("YTpi", &u2, &p2, &err), 0); /* a:b */
	assert_string_equal(u2, "a");
	assert_string_equal(p2, "b");
	cleanup_free char *u3 = NULL, *p3 = NULL;
	assert_int_equal(auth_basic_decode("YTo=", &u3, &p3, &err), 0); /* a: */
	assert_string_equal(p3, "");
	assert_true(auth_basic_decode("bm9jb2xvbg==", &u3, &p3, &err) < 0); /* nocolon */
	assert_error_contains(err, "no ':'");
	berth_error_release(&err);
	assert_true(auth_basic_decode("!!!", &u3, &p3, &err) < 0);
	berth_error_release(&err);
}

static void test_state_challenge(void **state)
{
	struct http_headers h = { 0 };
	char *names[] = { "Content-Type", "www-authenticate", "WWW-Authenticate" };
	char *values[] = { "application/json", "Basic realm=\"r\"",
			   "Bearer realm=\"http://127.0.0.1:1/token\",service=\"s\"" };
	h.names = names;
	h.values = values;
	h.n = 3;
	struct auth_state a;
	auth_state_init(&a, NULL);
	berth_error_t *err = NULL;
	char *scope = NULL;
	assert_int_equal(auth_state_challenge(&a, &h, &scope, &err), 0);
	assert_int_equal(a.scheme, AUTH_BEARER); /* preferred over Basic */
	assert_string_equal(a.realm, "http://127.0.0.1:1/token");
	assert_string_equal(a.service, "s");
	assert_null(scope);
	auth_state_release(&a);

	values[2] = "Digest realm=\"x\"";
	h.n = 3;
	auth_state_init(&a, NULL);
	assert_int_equal(auth_state_challenge(&a, &h, NULL, &err), 0);
	assert_int_equal(a.scheme, AUTH_BASIC);
	auth_state_release(&a);

	h.n = 1;
	auth_state_init(&a, NULL);
	assert_true(auth_state_challenge(&a, &h, NULL, &err) < 0);
	assert_error_contains(err, "no supported authentication challenge");
	berth_error_release(&err);
	auth_state_release(&a);
}

/* A copy holds its own strings and answers from the cached token without
 * a request (the http client is never touched: NULL) */
static void test_state_copy(void **state)
{
	struct auth_creds creds = { .username = xstrdup("u"), .password = xstrdup("p") };
	struct auth_state a, b;
	auth_state_init(&a, &creds);
	a.scheme = AUTH_BEARER;
	a.realm = xstrdup("http://127.0.0.1:1/token");
	a.service = xstrdup("s");
	a.tokens = xcalloc(1, sizeof(*a.tokens));
	a.tokens[0] = (struct auth_token){ xstrdup("repository:x:pull"), xstrdup("t0k"),
					   time(NULL) + 300 };
	a.n_tokens = 1;
	auth_state_copy(&b, &a);
	auth_state_release(&a);

	assert_int_equal(b.scheme, AUTH_BEARER);
	assert_string_equal(b.realm, "http://127.0.0.1:1/token");
	assert_string_equal(b.service, "s");
	assert_string_equal(b.creds.username, "u");
	assert_string_equal(b.creds.password, "p");
	assert_null(b.creds.identity_token);
	berth_error_t *err = NULL;
	cleanup_free char *authz = NULL;
	assert_int_equal(auth_state_authorize(&b, NULL, "repository:x:pull", false, &authz, &err),
			 0);
	assert_string_equal(authz, "Bearer t0k");
	auth_state_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bearer),         cmocka_unit_test(test_basic),
		cmocka_unit_test(test_multiple),       cmocka_unit_test(test_spacing_and_token68),
		cmocka_unit_test(test_malformed),      cmocka_unit_test(test_token_response),
		cmocka_unit_test(test_basic_encoding), cmocka_unit_test(test_state_challenge),
		cmocka_unit_test(test_state_copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
