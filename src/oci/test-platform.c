/* Unit tests for platform: parsing of --platform strings, normalisation as
 * containerd's platforms package does it, formatting, the host platform,
 * and matching with its best-first ranking of compatible variants. */
#include "common/unit.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/utsname.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "oci/image.h"

/* parse s and check its normalised "os/arch[/variant]" */
static void parses_as(const char *s, const char *want)
{
	struct oci_platform p;
	cleanup_error berth_error_t *err = NULL;
	if (oci_platform_parse(s, &p, &err) < 0)
		fail_msg("parse '%s': %s", s, err->msg);
	cleanup_free char *f = oci_platform_format(&p);
	oci_platform_release(&p);
	if (strcmp(f, want) != 0)
		fail_msg("'%s' parsed as '%s', want '%s'", s, f, want);
}

static void test_parse(void **state)
{
	(void)state;
	parses_as("linux/amd64", "linux/amd64");
	parses_as("linux/x86_64", "linux/amd64");
	parses_as("Linux/AMD64/v1", "linux/amd64");
	parses_as("linux/amd64/v2", "linux/amd64/v2");
	parses_as("linux/aarch64", "linux/arm64/v8");
	parses_as("linux/arm64/8", "linux/arm64/v8");
	parses_as("linux/arm64/v8", "linux/arm64/v8");
	parses_as("linux/arm", "linux/arm/v7");
	parses_as("linux/arm/7", "linux/arm/v7");
	parses_as("linux/arm/6", "linux/arm/v6");
	parses_as("linux/armhf", "linux/arm/v7");
	parses_as("linux/armel", "linux/arm/v6");
	parses_as("linux/i386", "linux/386");
	parses_as("windows/amd64", "windows/amd64");
	parses_as("arm64", "linux/arm64/v8");
	parses_as("linux/ppc64le", "linux/ppc64le");

	struct oci_platform host;
	oci_platform_host(&host);
	cleanup_free char *h = oci_platform_format(&host);
	oci_platform_release(&host);
	parses_as("linux", h);

	static const char *const bad[] = {
		"", "linux/", "/amd64", "linux/amd64/v8/x", "linux amd64", "plan10", "linux//v7"
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct oci_platform p;
		cleanup_error berth_error_t *err = NULL;
		if (oci_platform_parse(bad[i], &p, &err) == 0)
			fail_msg("'%s' accepted", bad[i]);
		assert_int_equal(err->errnum, EINVAL);
		assert_error_contains(err, "invalid platform");
	}
	cleanup_error berth_error_t *err = NULL;
	struct oci_platform p;
	assert_int_equal(oci_platform_parse("plan10", &p, &err), -EINVAL);
	assert_string_equal(err->msg,
			    "invalid platform 'plan10': unknown operating system or architecture");
}

static void test_host(void **state)
{
	(void)state;
	struct utsname u;
	assert_int_equal(uname(&u), 0);
	struct oci_platform p;
	oci_platform_host(&p);
	assert_string_equal(p.os, "linux");
	if (strcmp(u.machine, "x86_64") == 0) {
		assert_string_equal(p.architecture, "amd64");
		assert_null(p.variant);
	} else if (strcmp(u.machine, "aarch64") == 0) {
		assert_string_equal(p.architecture, "arm64");
		assert_string_equal(p.variant, "v8");
	}
	oci_platform_release(&p);
}

static int rank(const char *want, const char *have)
{
	struct oci_platform w, h;
	cleanup_error berth_error_t *err = NULL;
	if (oci_platform_parse(want, &w, &err) < 0 || oci_platform_parse(have, &h, &err) < 0)
		fail_msg("parse: %s", err->msg);
	int r = oci_platform_rank(&w, &h);
	assert_int_equal(oci_platform_match(&w, &h), r >= 0);
	oci_platform_release(&w);
	oci_platform_release(&h);
	return r;
}

static void test_match(void **state)
{
	(void)state;
	assert_int_equal(rank("linux/amd64", "linux/x86_64"), 0);
	assert_int_equal(rank("linux/arm64", "linux/aarch64/v8"), 0);
	assert_int_equal(rank("linux/arm", "linux/arm/v7"), 0);
	assert_true(rank("linux/amd64", "windows/amd64") < 0);
	assert_true(rank("linux/amd64", "linux/arm64") < 0);
	assert_true(rank("linux/amd64", "linux/386") < 0);
	/* amd64 levels: v3 runs v2 and v1, not the other way round */
	assert_true(rank("linux/amd64/v3", "linux/amd64/v3") == 0);
	assert_true(rank("linux/amd64/v3", "linux/amd64/v2") > 0);
	assert_true(rank("linux/amd64/v3", "linux/amd64") >
		    rank("linux/amd64/v3", "linux/amd64/v2"));
	assert_true(rank("linux/amd64", "linux/amd64/v2") < 0);
	/* arm: v7 runs v6 and v5, newest first; not v8 */
	assert_true(rank("linux/arm/v7", "linux/arm/v6") > 0);
	assert_true(rank("linux/arm/v7", "linux/arm/v5") > rank("linux/arm/v7", "linux/arm/v6"));
	assert_true(rank("linux/arm/v7", "linux/arm/v8") < 0);
	assert_true(rank("linux/arm/v6", "linux/arm/v7") < 0);
	/* arm64 runs 32-bit arm after every arm64 choice */
	assert_true(rank("linux/arm64", "linux/arm/v7") > 0);
	assert_true(rank("linux/arm64", "linux/arm/v7") < rank("linux/arm64", "linux/arm/v6"));
	assert_true(rank("linux/arm64/v8.2", "linux/arm64") > 0);
	assert_true(rank("linux/arm64/v8.2", "linux/arm64") <
		    rank("linux/arm64/v8.2", "linux/arm/v8"));
	assert_true(rank("linux/arm64", "linux/arm64/v8.2") < 0);
	/* attestation entries */
	assert_true(rank("linux/amd64", "unknown/unknown") < 0);
	struct oci_platform w = { .os = "unknown", .architecture = "unknown" };
	assert_false(oci_platform_match(&w, &w));
}

static void test_json(void **state)
{
	(void)state;
	static const char text[] = "{\"architecture\":\"amd64\",\"os\":\"windows\","
				   "\"os.version\":\"10.0.17763.1\",\"os.features\":[\"win32k\"]}";
	json_error_t jerr;
	cleanup_json json_t *j = json_loads(text, 0, &jerr);
	assert_non_null(j);
	struct oci_platform p;
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(oci_platform_from_json(j, "platform", &p, &err), 0);
	assert_string_equal(p.os_version, "10.0.17763.1");
	assert_int_equal(p.n_os_features, 1);
	struct oci_platform c;
	oci_platform_copy(&c, &p);
	cleanup_json json_t *back = oci_platform_to_json(&c);
	assert_true(json_equal(j, back));
	oci_platform_release(&p);
	oci_platform_release(&c);
	json_object_del(j, "os");
	assert_true(oci_platform_from_json(j, "manifests[1].platform", &p, &err) < 0);
	assert_string_equal(err->msg, "manifests[1].platform: missing required field 'os'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
