/* Unit tests for digest: known SHA-256 vectors, streaming, strict parsing. */
#include "common/unit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/digest.h"

#define EMPTY_SHA "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define ABC_SHA "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static void test_known_vectors(void **state)
{
	struct digest d;
	char s[DIGEST_STR_SIZE];
	digest_buffer("", 0, &d);
	digest_format(&d, s);
	assert_string_equal(s, EMPTY_SHA);
	digest_buffer("abc", 3, &d);
	digest_format(&d, s);
	assert_string_equal(s, ABC_SHA);
}

static void test_streaming_equals_oneshot(void **state)
{
	char buf[10000];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 7);
	struct digest a, b;
	digest_buffer(buf, sizeof(buf), &a);
	cleanup_hasher struct digest_hasher *h = digest_hasher_new();
	for (size_t off = 0; off < sizeof(buf); off += 333)
		digest_hasher_update(h, buf + off,
				     off + 333 > sizeof(buf) ? sizeof(buf) - off : 333);
	digest_hasher_final(h, &b);
	assert_true(digest_equal(&a, &b));
	digest_hasher_reset(h);
	digest_hasher_update(h, "abc", 3);
	digest_hasher_final(h, &b);
	cleanup_free char *s = digest_to_string(&b);
	assert_string_equal(s, ABC_SHA);
}

static void test_parse_roundtrip(void **state)
{
	struct digest d;
	char s[DIGEST_STR_SIZE];
	assert_int_equal(digest_parse(ABC_SHA, &d, NULL), 0);
	digest_format(&d, s);
	assert_string_equal(s, ABC_SHA);
	assert_true(digest_valid(EMPTY_SHA));
	assert_int_equal(digest_parse_hex(&ABC_SHA[7], &d, NULL), 0);
}

static void test_parse_refuses(void **state)
{
	static const struct {
		const char *in;
		const char *why;
	} bad[] = {
		{ "", "empty" },
		{ "abc", "want 'sha256:'" },
		{ "sha512:"
		  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		  "only sha256" },
		{ "SHA256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		  "only sha256" },
		{ "sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
		  "not lowercase hex" },
		{ "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a",
		  "got 63" },
		{ "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad0",
		  "or more" },
		{ "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015zz",
		  "character 63" },
		{ "sha256:", "got 0" },
		{ " sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		  "algorithm" },
		{ "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a\n",
		  "character 64" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cleanup_error berth_error_t *err = NULL;
		struct digest d;
		if (digest_parse(bad[i].in, &d, &err) == 0)
			fail_msg("digest '%s' accepted", bad[i].in);
		assert_error_contains(err, bad[i].why);
		assert_false(digest_valid(bad[i].in));
	}
	assert_true(digest_parse(NULL, &(struct digest){ 0 }, NULL) < 0);
}

static void test_verify(void **state)
{
	struct digest a, b;
	digest_buffer("abc", 3, &a);
	digest_buffer("abd", 3, &b);
	assert_int_equal(digest_verify(&a, &a, "layer", NULL), 0);
	cleanup_error berth_error_t *err = NULL;
	assert_true(digest_verify(&a, &b, "layer", &err) < 0);
	assert_error_contains(err, "layer: digest mismatch: expected " ABC_SHA);
}

static void test_fd(void **state)
{
	char path[] = "/tmp/berth-test-digest-XXXXXX";
	cleanup_close int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, "abc", 3), 3);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	struct digest d;
	size_t n = 0;
	assert_int_equal(digest_fd(fd, &d, &n, NULL), 0);
	assert_int_equal(n, 3);
	cleanup_free char *s = digest_to_string(&d);
	assert_string_equal(s, ABC_SHA);
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(digest_fd(-1, &d, &n, &err), -EBADF);
	assert_non_null(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_vectors),
		cmocka_unit_test(test_streaming_equals_oneshot),
		cmocka_unit_test(test_parse_roundtrip),
		cmocka_unit_test(test_parse_refuses),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_fd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
