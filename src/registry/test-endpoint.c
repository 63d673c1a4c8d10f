/* test-endpoint: which registries are insecure (names, CIDRs, the
 * 127.0.0.0/8 default, docker.io never), the endpoints a pull tries
 * (mirrors first, docker.io last, plain-HTTP fallback only for insecure
 * ones) and the validation of the daemon.json settings. */
#include "common/unit.h"

#include <errno.h>

#include "common/cleanup.h"
#include "registry/endpoint.h"

static int insecure(const char *domain, const char *const *list)
{
	struct registry_options o = { .insecure_registries = list };
	berth_error_t *err = NULL;
	int r = registry_domain_insecure(domain, &o, &err);
	if (r < 0)
		fail_msg("'%s': %s", domain, err->msg);
	return r;
}

static void test_defaults(void **state)
{
	assert_int_equal(insecure("127.0.0.1:5000", NULL), 1);
	assert_int_equal(insecure("127.3.4.5", NULL), 1);
	assert_int_equal(insecure("localhost:5000", NULL), 1); /* resolves to 127.0.0.1 */
	/* ::1 is not in docker's default 127.0.0.0/8 */
	assert_int_equal(insecure("[::1]:5000", NULL), 0);
	assert_int_equal(insecure("192.0.2.7:5000", NULL), 0);
	assert_int_equal(insecure("docker.io", NULL), 0);
}

static void test_names_and_cidrs(void **state)
{
	static const char *const list[] = { "reg.example:5000", "10.0.0.0/8", "fd00::/8",
					    "192.0.2.128/25", NULL };
	assert_int_equal(insecure("reg.example:5000", list), 1);
	assert_int_equal(insecure("REG.example:5000", list), 1);
	/* a name entry is matched exactly: another port is another registry */
	assert_int_equal(insecure("reg.example:5001", list), 0);
	assert_int_equal(insecure("10.1.2.3:443", list), 1);
	assert_int_equal(insecure("11.1.2.3", list), 0);
	assert_int_equal(insecure("[fd12::1]:5000", list), 1);
	assert_int_equal(insecure("[fe80::1]:5000", list), 0);
	assert_int_equal(insecure("192.0.2.200", list), 1);
	assert_int_equal(insecure("192.0.2.100", list), 0);
	/* the official index stays verified whatever the list says */
	static const char *const all[] = { "0.0.0.0/0", "docker.io", NULL };
	assert_int_equal(insecure("docker.io", all), 0);
	/* the flag makes any registry insecure */
	struct registry_options o = { .flags = REGISTRY_INSECURE };
	berth_error_t *err = NULL;
	assert_int_equal(registry_domain_insecure("192.0.2.7:5000", &o, &err), 1);
}

static void expect_invalid(const struct registry_options *o, const char *what)
{
	cleanup_error berth_error_t *err = NULL;
	assert_true(registry_options_validate(o, &err) < 0);
	assert_non_null(err);
	if (!strstr(err->msg, what))
		fail_msg("'%s' does not say '%s'", err->msg, what);
}

static void test_validate(void **state)
{
	const char *bad1[] = { "http://reg:5000", NULL };
	const char *bad2[] = { "10.0.0.0/33", NULL };
	const char *bad3[] = { "10.0.0.x/8", NULL };
	const char *bad4[] = { "reg/path", NULL };
	struct registry_options o = { .insecure_registries = bad1 };
	expect_invalid(&o, "insecure registry 'http://reg:5000' should not contain '://'");
	o.insecure_registries = bad2;
	expect_invalid(&o, "insecure registry '10.0.0.0/33': bad prefix length");
	o.insecure_registries = bad3;
	expect_invalid(&o, "insecure registry '10.0.0.x/8': bad CIDR address");
	o.insecure_registries = bad4;
	expect_invalid(&o, "bad CIDR address");

	const char *m1[] = { "https://mirror.example/v2", NULL };
	const char *m2[] = { "mirror.example", NULL };
	const char *m3[] = { "https://u:p@mirror.example", NULL };
	struct registry_options m = { .registry_mirrors = m1 };
	expect_invalid(&m, "registry mirror 'https://mirror.example/v2': must be");
	m.registry_mirrors = m2;
	expect_invalid(&m, "must start with http:// or https://");
	m.registry_mirrors = m3;
	expect_invalid(&m, "no path, query or credentials");

	const char *many[REGISTRY_MAX_MIRRORS + 2];
	for (size_t i = 0; i <= REGISTRY_MAX_MIRRORS; i++)
		many[i] = "https://m.example";
	many[REGISTRY_MAX_MIRRORS + 1] = NULL;
	m.registry_mirrors = many;
	expect_invalid(&m, "more than 16 registry mirrors");

	const char *good[] = { "https://mirror.example/", "http://127.0.0.1:5001", NULL };
	const char *goodi[] = { "reg:5000", "10.0.0.0/8", "::1/128", NULL };
	struct registry_options g = { .registry_mirrors = good, .insecure_registries = goodi };
	berth_error_t *err = NULL;
	assert_int_equal(registry_options_validate(&g, &err), 0);
	assert_int_equal(registry_options_validate(NULL, &err), 0);
}

static void test_endpoints(void **state)
{
	const char *mirrors[] = { "https://mirror.example/", "http://127.0.0.1:5001",
				  "https://127.0.0.1:5002", NULL };
	struct registry_options o = { .registry_mirrors = mirrors };
	struct registry_endpoint *eps = NULL;
	size_t n = 0;
	berth_error_t *err = NULL;

	assert_int_equal(registry_endpoints("docker.io", &o, true, &eps, &n, &err), 0);
	assert_int_equal(n, 4);
	assert_string_equal(eps[0].url, "https://mirror.example");
	assert_null(eps[0].fallback_url);
	assert_true(eps[0].mirror);
	assert_string_equal(eps[1].url, "http://127.0.0.1:5001");
	assert_null(eps[1].fallback_url);
	/* an https mirror on an insecure address may fall back */
	assert_string_equal(eps[2].url, "https://127.0.0.1:5002");
	assert_string_equal(eps[2].fallback_url, "http://127.0.0.1:5002");
	assert_true(eps[2].insecure);
	assert_string_equal(eps[3].url, "https://registry-1.docker.io");
	assert_false(eps[3].mirror);
	assert_false(eps[3].insecure);
	registry_endpoints_free(eps, n);

	/* no mirrors for pushes, nor for other registries */
	assert_int_equal(registry_endpoints("docker.io", &o, false, &eps, &n, &err), 0);
	assert_int_equal(n, 1);
	registry_endpoints_free(eps, n);
	assert_int_equal(registry_endpoints("127.0.0.1:5000", &o, true, &eps, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(eps[0].url, "https://127.0.0.1:5000");
	assert_string_equal(eps[0].fallback_url, "http://127.0.0.1:5000");
	registry_endpoints_free(eps, n);
	assert_int_equal(registry_endpoints("192.0.2.9:5000", &o, true, &eps, &n, &err), 0);
	assert_null(eps[0].fallback_url);
	assert_false(eps[0].insecure);
	registry_endpoints_free(eps, n);

	/* docker.io's stand-in for tests */
	o.docker_io_url = "http://127.0.0.1:6000";
	o.registry_mirrors = NULL;
	assert_int_equal(registry_endpoints("index.docker.io", &o, true, &eps, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(eps[0].url, "http://127.0.0.1:6000");
	registry_endpoints_free(eps, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_names_and_cidrs),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_endpoints),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
