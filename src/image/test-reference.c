/* Unit tests for reference: tables ported from docker's distribution/reference
 * (reference_test.go, normalize_test.go), read through ParseNormalizedNamed
 * since that is what berth offers; plus berth's own sha256-only rule. */
#include "common/unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "image/reference.h"

#define FF64 "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define SHA_FF "sha256:" FF64
#define SHA_REDIS "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c"
#define SHA_BB "sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa"
#define HEX64 "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a"
#define R4(s) s s s s
#define R16(s) R4(R4(s))
#define R32(s) R16(s) R16(s)
#define R64(s) R32(s) R32(s)
#define R125(s) R64(s) R32(s) R16(s) R4(s) R4(s) R4(s) s
#define R127(s) R125(s) s s

struct good {
	const char *in;
	const char *domain;
	const char *path;
	const char *tag;      /* NULL: none */
	const char *digest;   /* NULL: none */
	const char *full;     /* NULL: don't check */
	const char *familiar; /* NULL: don't check */
};

/* Valid references: reference_test.go's TestReferenceParse (whose domains
 * differ here where docker's Parse does not normalise), normalize_test.go's
 * valid names, TestNormalizedSplitHostname, TestParseAnyReference and a few
 * of berth's own */
static const struct good goods[] = {
	{ "test_com", "docker.io", "library/test_com", NULL, NULL, "docker.io/library/test_com",
	  "test_com" },
	{ "test.com:tag", "docker.io", "library/test.com", "tag", NULL, NULL, "test.com:tag" },
	{ "test.com:5000", "docker.io", "library/test.com", "5000", NULL, NULL, "test.com:5000" },
	{ "test.com/repo:tag", "test.com", "repo", "tag", NULL, "test.com/repo:tag",
	  "test.com/repo:tag" },
	{ "test:5000/repo", "test:5000", "repo", NULL, NULL, "test:5000/repo", "test:5000/repo" },
	{ "test:5000/repo:tag", "test:5000", "repo", "tag", NULL, NULL, NULL },
	{ "test:5000/repo@" SHA_FF, "test:5000", "repo", NULL, SHA_FF, "test:5000/repo@" SHA_FF,
	  NULL },
	{ "test:5000/repo:tag@" SHA_FF, "test:5000", "repo", "tag", SHA_FF,
	  "test:5000/repo:tag@" SHA_FF, "test:5000/repo:tag@" SHA_FF },
	{ "lowercase:Uppercase", "docker.io", "library/lowercase", "Uppercase", NULL, NULL,
	  "lowercase:Uppercase" },
	{ "sub-dom1.foo.com/bar/baz/quux", "sub-dom1.foo.com", "bar/baz/quux", NULL, NULL, NULL,
	  NULL },
	{ "sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com", "bar/baz/quux",
	  "some-long-tag", NULL, NULL, NULL },
	{ "b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io",
	  "test.example.com/my-app", "test.example.com", NULL, NULL, NULL },
	{ "xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com", "myimage", "xn--n3h.com", NULL, NULL,
	  NULL },
	{ "foo_bar.com:8080", "docker.io", "library/foo_bar.com", "8080", NULL, NULL, NULL },
	{ "foo/foo_bar.com:8080", "docker.io", "foo/foo_bar.com", "8080", NULL,
	  "docker.io/foo/foo_bar.com:8080", "foo/foo_bar.com:8080" },
	{ "192.168.1.1", "docker.io", "library/192.168.1.1", NULL, NULL, NULL, "192.168.1.1" },
	{ "192.168.1.1:tag", "docker.io", "library/192.168.1.1", "tag", NULL, NULL, NULL },
	{ "192.168.1.1:5000", "docker.io", "library/192.168.1.1", "5000", NULL, NULL, NULL },
	{ "192.168.1.1/repo", "192.168.1.1", "repo", NULL, NULL, NULL, "192.168.1.1/repo" },
	{ "192.168.1.1:5000/repo", "192.168.1.1:5000", "repo", NULL, NULL, NULL, NULL },
	{ "192.168.1.1:5000/repo:5050", "192.168.1.1:5000", "repo", "5050", NULL, NULL, NULL },
	{ "[2001:db8::1]/repo", "[2001:db8::1]", "repo", NULL, NULL, NULL, "[2001:db8::1]/repo" },
	{ "[2001:db8:1:2:3:4:5:6]/repo:tag", "[2001:db8:1:2:3:4:5:6]", "repo", "tag", NULL, NULL,
	  NULL },
	{ "[2001:db8::1]:5000/repo", "[2001:db8::1]:5000", "repo", NULL, NULL, NULL, NULL },
	{ "[2001:db8::1]:5000/repo:tag", "[2001:db8::1]:5000", "repo", "tag", NULL, NULL, NULL },
	{ "[2001:db8::1]:5000/repo@" SHA_FF, "[2001:db8::1]:5000", "repo", NULL, SHA_FF, NULL,
	  NULL },
	{ "[2001:db8::1]:5000/repo:tag@" SHA_FF, "[2001:db8::1]:5000", "repo", "tag", SHA_FF, NULL,
	  NULL },
	{ "[2001:db8::]:5000/repo", "[2001:db8::]:5000", "repo", NULL, NULL, NULL, NULL },
	{ "[::1]:5000/repo", "[::1]:5000", "repo", NULL, NULL, NULL, "[::1]:5000/repo" },
	/* the reference_test.go name of exactly 255 characters, given a domain
	 * so that normalising does not push it over (see the error table) */
	{ "a.b/" R125("a/") "a:tag-puts-this-over-max", "a.b", R125("a/") "a",
	  "tag-puts-this-over-max", NULL, NULL, NULL },

	/* normalize_test.go: TestValidateReferenceName, TestValidateRemoteName */
	{ "docker/docker", "docker.io", "docker/docker", NULL, NULL, NULL, "docker/docker" },
	{ "library/debian", "docker.io", "library/debian", NULL, NULL, NULL, "debian" },
	{ "debian", "docker.io", "library/debian", NULL, NULL, "docker.io/library/debian",
	  "debian" },
	{ "docker.io/docker/docker", "docker.io", "docker/docker", NULL, NULL, NULL, NULL },
	{ "docker.io/library/debian", "docker.io", "library/debian", NULL, NULL, NULL, "debian" },
	{ "docker.io/debian", "docker.io", "library/debian", NULL, NULL, NULL, "debian" },
	{ "index.docker.io/docker/docker", "docker.io", "docker/docker", NULL, NULL,
	  "docker.io/docker/docker", "docker/docker" },
	{ "index.docker.io/library/debian", "docker.io", "library/debian", NULL, NULL, NULL,
	  "debian" },
	{ "index.docker.io/debian", "docker.io", "library/debian", NULL, NULL, NULL, "debian" },
	{ "127.0.0.1:5000/docker/docker", "127.0.0.1:5000", "docker/docker", NULL, NULL, NULL,
	  NULL },
	{ "127.0.0.1:5000/library/debian", "127.0.0.1:5000", "library/debian", NULL, NULL,
	  "127.0.0.1:5000/library/debian", "127.0.0.1:5000/library/debian" },
	{ "127.0.0.1:5000/debian", "127.0.0.1:5000", "debian", NULL, NULL, NULL, NULL },
	{ "192.168.0.1", "docker.io", "library/192.168.0.1", NULL, NULL, NULL, NULL },
	{ "192.168.0.1:80", "docker.io", "library/192.168.0.1", "80", NULL, NULL, NULL },
	{ "192.168.0.1:8/debian", "192.168.0.1:8", "debian", NULL, NULL, NULL, NULL },
	{ "192.168.0.2:25000/debian", "192.168.0.2:25000", "debian", NULL, NULL, NULL, NULL },
	{ "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", "docker.io",
	  "library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", NULL, NULL,
	  NULL, NULL },
	{ "[fc00::1]:5000/docker", "[fc00::1]:5000", "docker", NULL, NULL, NULL, NULL },
	{ "[fc00::1]:5000/docker/docker", "[fc00::1]:5000", "docker/docker", NULL, NULL, NULL,
	  NULL },
	{ "[fc00:1:2:3:4:5:6:7]:5000/library/debian", "[fc00:1:2:3:4:5:6:7]:5000", "library/debian",
	  NULL, NULL, NULL, NULL },
	/* with a domain, 64 hex is a name, not an ID; docker's familiar form
	 * would be the bare hex, which reads back as an ID, so berth keeps
	 * "library/" */
	{ "docker.io/" HEX64, "docker.io", "library/" HEX64, NULL, NULL, NULL, "library/" HEX64 },
	{ "Docker/docker", "Docker", "docker", NULL, NULL, "Docker/docker", "Docker/docker" },
	{ "DOCKER/docker", "DOCKER", "docker", NULL, NULL, NULL, NULL },
	{ "docker-rules/docker", "docker.io", "docker-rules/docker", NULL, NULL, NULL, NULL },
	{ "docker---rules/docker", "docker.io", "docker---rules/docker", NULL, NULL, NULL, NULL },
	{ "doc/docker", "docker.io", "doc/docker", NULL, NULL, NULL, NULL },
	{ "d/docker", "docker.io", "d/docker", NULL, NULL, NULL, NULL },
	{ "jess/t", "docker.io", "jess/t", NULL, NULL, NULL, NULL },
	{ "dock__er/docker", "docker.io", "dock__er/docker", NULL, NULL, NULL, NULL },

	/* TestNormalizedSplitHostname */
	{ "test.com/foo", "test.com", "foo", NULL, NULL, NULL, NULL },
	{ "test_com/foo", "docker.io", "test_com/foo", NULL, NULL, NULL, "test_com/foo" },
	{ "docker/migrator", "docker.io", "docker/migrator", NULL, NULL, NULL, NULL },
	{ "test.com:8080/foo", "test.com:8080", "foo", NULL, NULL, NULL, NULL },
	{ "test-com:8080/foo", "test-com:8080", "foo", NULL, NULL, NULL, NULL },
	{ "foo", "docker.io", "library/foo", NULL, NULL, NULL, "foo" },
	{ "xn--n3h.com/foo", "xn--n3h.com", "foo", NULL, NULL, NULL, NULL },
	{ "xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo", NULL, NULL, NULL, NULL },
	{ "docker.io/foo", "docker.io", "library/foo", NULL, NULL, NULL, "foo" },
	{ "docker.io/library/foo", "docker.io", "library/foo", NULL, NULL, NULL, NULL },
	{ "docker.io/library/foo/bar", "docker.io", "library/foo/bar", NULL, NULL, NULL,
	  "library/foo/bar" },

	/* TestParseAnyReference (the names) and TestParseReferenceWithTagAndDigest */
	{ "redis", "docker.io", "library/redis", NULL, NULL, "docker.io/library/redis", "redis" },
	{ "redis:latest", "docker.io", "library/redis", "latest", NULL,
	  "docker.io/library/redis:latest", "redis:latest" },
	{ "redis@" SHA_REDIS, "docker.io", "library/redis", NULL, SHA_REDIS,
	  "docker.io/library/redis@" SHA_REDIS, "redis@" SHA_REDIS },
	{ "dmcgowan/myapp@" SHA_REDIS, "docker.io", "dmcgowan/myapp", NULL, SHA_REDIS,
	  "docker.io/dmcgowan/myapp@" SHA_REDIS, "dmcgowan/myapp@" SHA_REDIS },
	{ "dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9", "docker.io",
	  "library/dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9", NULL, NULL,
	  NULL, NULL },
	{ "dbcc1", "docker.io", "library/dbcc1", NULL, NULL, "docker.io/library/dbcc1", "dbcc1" },
	{ "busybox:latest@" SHA_BB, "docker.io", "library/busybox", "latest", SHA_BB,
	  "docker.io/library/busybox:latest@" SHA_BB, "busybox:latest@" SHA_BB },

	/* berth's own */
	{ "busybox", "docker.io", "library/busybox", NULL, NULL, "docker.io/library/busybox",
	  "busybox" },
	{ "myuser/app:v1", "docker.io", "myuser/app", "v1", NULL, "docker.io/myuser/app:v1",
	  "myuser/app:v1" },
	{ "localhost/app", "localhost", "app", NULL, NULL, "localhost/app", "localhost/app" },
	{ "localhost:5000/app:v1", "localhost:5000", "app", "v1", NULL, NULL,
	  "localhost:5000/app:v1" },
	{ "localhost:5000/a/b:tag@" SHA_FF, "localhost:5000", "a/b", "tag", SHA_FF,
	  "localhost:5000/a/b:tag@" SHA_FF, "localhost:5000/a/b:tag@" SHA_FF },
	{ "Registry.Example.COM:443/ns/app", "Registry.Example.COM:443", "ns/app", NULL, NULL, NULL,
	  NULL },
	{ "docker.io:443/foo", "docker.io:443", "foo", NULL, NULL, NULL, "docker.io:443/foo" },
	{ "other/library", "docker.io", "other/library", NULL, NULL, NULL, "other/library" },
	{ HEX64 ":v1", "docker.io", "library/" HEX64, "v1", NULL, NULL, "library/" HEX64 ":v1" },
	/* docker prints "foo.bar/baz" and "localhost/x", names on other registries */
	{ "docker.io/foo.bar/baz", "docker.io", "foo.bar/baz", NULL, NULL, NULL,
	  "docker.io/foo.bar/baz" },
	{ "docker.io/localhost/x:1", "docker.io", "localhost/x", "1", NULL, NULL,
	  "docker.io/localhost/x:1" },
	{ "docker.io/library/foo.bar", "docker.io", "library/foo.bar", NULL, NULL, NULL,
	  "foo.bar" },
	{ "docker.io/library/foo.bar/x", "docker.io", "library/foo.bar/x", NULL, NULL, NULL,
	  "library/foo.bar/x" },
	{ "a:_", "docker.io", "library/a", "_", NULL, NULL, NULL },
	{ "a:" R127("x") "y", "docker.io", "library/a", R127("x") "y", NULL, NULL, NULL },
	{ "x/a.b-c__d---e_f", "docker.io", "x/a.b-c__d---e_f", NULL, NULL, NULL, NULL },
};

struct bad {
	const char *in;
	const char *msg; /* a part of the error's message */
};

/* Invalid references and what the error says.  "invalid reference format"
 * is docker's; the text after it is berth's detail. */
static const struct bad bads[] = {
	/* reference_test.go */
	{ "", "invalid reference format: empty reference" },
	{ ":justtag", "invalid reference format: empty repository name component" },
	{ "@" SHA_FF, "invalid reference format: empty repository name component" },
	{ "repo@sha256:ffffffffffffffffffffffffffffffffff", "invalid checksum digest length" },
	{ "validname@invaliddigest:" FF64, "unsupported digest algorithm (invaliddigest)" },
	{ "Uppercase:tag",
	  "invalid reference format: repository name (library/Uppercase) must be lowercase" },
	{ "test:5000/Uppercase/lowercase:tag",
	  "invalid reference format: repository name (Uppercase/lowercase) must be lowercase" },
	{ R127("a/") "a/a:tag", "repository name must not be more than 255 characters" },
	/* 255 characters as docker's Parse sees it, 265 once normalised */
	{ R127("a/") "a:tag-puts-this-over-max",
	  "repository name must not be more than 255 characters (got 265)" },
	{ "aa/asdf$$^/aa", "invalid repository name component (asdf$$^)" },
	{ "[2001:db8::1]", "invalid repository name component ([2001)" },
	{ "[2001:db8::1]:5000", "invalid repository name component ([2001)" },
	{ "[2001:db8::1]:tag", "invalid repository name component ([2001)" },
	{ "[fe80::1%eth0]:5000/repo", "invalid registry domain ([fe80::1%eth0]:5000)" },
	{ "[fe80::1%@invalidzone]:5000/repo", "invalid registry domain" },
	/* sha512 is valid to docker; berth stores sha256 only */
	{ "xn--7o8h.com/myimage:xn--7o8h.com@sha512:" FF64 FF64,
	  "unsupported digest algorithm (sha512): only sha256 is supported" },

	/* normalize_test.go: invalid names */
	{ "https://github.com/docker/docker", "invalid registry domain (https:)" },
	{ "docker/Docker", "repository name (docker/Docker) must be lowercase" },
	{ "-docker", "invalid repository name component (-docker)" },
	{ "-docker/docker", "invalid repository name component (-docker)" },
	{ "-docker.io/docker/docker", "invalid registry domain (-docker.io)" },
	{ "docker///docker", "empty repository name component" },
	{ "docker.io/docker/Docker", "repository name (docker/Docker) must be lowercase" },
	{ "docker.io/docker///docker", "empty repository name component" },
	{ "[fc00::1]", "invalid reference format" },
	{ "[fc00::1]:5000", "invalid reference format" },
	{ "fc00::1:5000/debian", "invalid registry domain (fc00::1:5000)" },
	{ "[fe80::1%eth0]:5000/debian", "invalid registry domain" },
	{ "[2001:db8:3:4::192.0.2.33]:5000/debian", "invalid registry domain" },
	{ HEX64, "invalid repository name (" HEX64 "), cannot specify 64-byte hexadecimal "
		 "strings" },
	{ "docker-/docker", "invalid repository name component (docker-)" },
	{ "-docker-/docker", "invalid repository name component (-docker-)" },
	{ "____/____", "invalid repository name component (____)" },
	{ "_docker/_docker", "invalid repository name component (_docker)" },
	{ "dock..er/docker", "invalid registry domain (dock..er)" },
	{ "dock_.er/docker", "invalid registry domain (dock_.er)" },
	{ "dock-.er/docker", "invalid registry domain (dock-.er)" },
	{ "docker/", "empty repository name component" },
	{ "this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_"
	  "valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_"
	  "because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_"
	  "is_greater_than_255/docker",
	  "repository name must not be more than 255 characters" },
	/* TestInvalidReferenceComponents */
	{ "-foo", "invalid repository name component (-foo)" },

	/* berth's own */
	{ "Busybox",
	  "invalid reference format: repository name (library/Busybox) must be lowercase" },
	{ "busybox:", "invalid tag format ()" },
	{ "busybox:-foo", "invalid tag format (-foo)" },
	{ "busybox:a:b", "invalid tag format (a:b)" },
	{ "busybox:" R127("x") "yz", "longer than 128 characters" },
	{ "busybox@", "invalid reference format: invalid digest ()" },
	{ "busybox@sha256", "invalid reference format: invalid digest (sha256)" },
	{ "busybox@sha256:abc", "invalid reference format: invalid digest (sha256:abc)" },
	{ "busybox@sha256:" FF64 "0", "invalid checksum digest length" },
	{ "busybox@sha256:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
	  "invalid checksum digest format" },
	{ "busybox@SHA256:" FF64, "unsupported digest algorithm (SHA256)" },
	{ "busybox:latest@sha256:" FF64 "@x", "invalid digest" },
	{ "busybox latest", "invalid repository name component (busybox latest)" },
	{ "x/dock..er", "invalid repository name component (dock..er)" },
	{ "x/a__.b", "invalid repository name component (a__.b)" },
	{ "x/a___b", "invalid repository name component (a___b)" },
	{ "x/a-", "invalid repository name component (a-)" },
	{ "a.b_c/d", "invalid registry domain (a.b_c)" },
	{ "Foo_x/bar", "invalid registry domain (Foo_x)" },
	{ "/busybox", "empty repository name component" },
	{ "localhost:/x", "invalid registry domain (localhost:)" },
	{ "[]:5000/x", "invalid registry domain" },
	{ "example.com./x", "invalid registry domain" },
	{ "bus\nybox", "invalid repository name component (bus?ybox)" },
	{ "caf\xc3\xa9", "invalid repository name component" },
};

static void check_good(const struct good *g)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_image_ref struct image_ref *ref = NULL;
	if (image_ref_parse(g->in, &ref, &err) < 0)
		fail_msg("'%s': unexpected error: %s", g->in, err->msg);
	assert_non_null(ref);
	if (strcmp(ref->domain, g->domain) != 0 || strcmp(ref->path, g->path) != 0)
		fail_msg("'%s': got domain '%s' path '%s', want '%s' '%s'", g->in, ref->domain,
			 ref->path, g->domain, g->path);
	if (g->tag) {
		if (ref->tag == NULL || strcmp(ref->tag, g->tag) != 0)
			fail_msg("'%s': got tag '%s', want '%s'", g->in,
				 ref->tag ? ref->tag : "(none)", g->tag);
	} else if (ref->tag) {
		fail_msg("'%s': unexpected tag '%s'", g->in, ref->tag);
	}
	assert_int_equal(ref->has_digest, g->digest != NULL);
	if (g->digest) {
		cleanup_free char *d = digest_to_string(&ref->digest);
		assert_string_equal(d, g->digest);
	}

	cleanup_free char *full = image_ref_string(ref);
	cleanup_free char *fam = image_ref_familiar(ref);
	if (g->full && strcmp(full, g->full) != 0)
		fail_msg("'%s': full '%s', want '%s'", g->in, full, g->full);
	if (g->familiar && strcmp(fam, g->familiar) != 0)
		fail_msg("'%s': familiar '%s', want '%s'", g->in, fam, g->familiar);

	/* the full form is canonical: it parses strictly back to the same */
	cleanup_image_ref struct image_ref *again = NULL;
	if (image_ref_parse_strict(full, &again, &err) < 0)
		fail_msg("'%s': full '%s' does not parse back: %s", g->in, full, err->msg);
	assert_true(image_ref_equal(ref, again));
	/* and so does the familiar form */
	cleanup_image_ref struct image_ref *fagain = NULL;
	if (image_ref_parse(fam, &fagain, &err) < 0)
		fail_msg("'%s': familiar '%s' does not parse back: %s", g->in, fam, err->msg);
	assert_true(image_ref_equal(ref, fagain));
}

static void test_parse_valid(void **state)
{
	for (size_t i = 0; i < sizeof(goods) / sizeof(goods[0]); i++)
		check_good(&goods[i]);
}

static void test_parse_invalid(void **state)
{
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		cleanup_error berth_error_t *err = NULL;
		struct image_ref *ref = NULL;
		int r = image_ref_parse(bads[i].in, &ref, &err);
		if (r >= 0)
			fail_msg("'%s': parsed, want error '%s'", bads[i].in, bads[i].msg);
		assert_int_equal(r, -EINVAL);
		assert_null(ref);
		assert_int_equal(err->errnum, EINVAL);
		assert_error_contains(err, bads[i].msg);
		/* every message names the input */
		assert_error_contains(err, "parse reference '");
	}
	/* without an error to fill */
	struct image_ref *ref = NULL;
	assert_int_equal(image_ref_parse("Busybox", &ref, NULL), -EINVAL);
	assert_null(ref);
}

static void test_error_text(void **state)
{
	cleanup_error berth_error_t *err = NULL;
	struct image_ref *ref = NULL;
	assert_true(image_ref_parse("Busybox", &ref, &err) < 0);
	assert_string_equal(err->msg, "parse reference 'Busybox': invalid reference format: "
				      "repository name (library/Busybox) must be lowercase");
	/* the cause alone is docker's message */
	assert_string_equal(berth_error_cause(err),
			    "invalid reference format: repository name (library/Busybox) must "
			    "be lowercase");

	/* long input is quoted in part */
	char big[IMAGE_REF_INPUT_MAX + 2];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_true(image_ref_parse(big, &ref, &err) < 0);
	assert_error_contains(err, "longer than 1024 characters");
	assert_error_contains(err, "aaa...'");
	assert_true(strlen(err->msg) < 300);
}

/* normalize_test.go: TestParseRepositoryInfo; every spelling gives the same
 * familiar name, full name, domain and path */
static void test_repository_info(void **state)
{
	static const struct {
		const char *path, *familiar, *full, *ambiguous, *domain;
	} cases[] = {
		{ "fooo/bar", "fooo/bar", "docker.io/fooo/bar", "index.docker.io/fooo/bar",
		  "docker.io" },
		{ "library/ubuntu", "ubuntu", "docker.io/library/ubuntu", "library/ubuntu",
		  "docker.io" },
		{ "nonlibrary/ubuntu", "nonlibrary/ubuntu", "docker.io/nonlibrary/ubuntu", NULL,
		  "docker.io" },
		{ "other/library", "other/library", "docker.io/other/library", NULL, "docker.io" },
		{ "private/moonbase", "127.0.0.1:8000/private/moonbase",
		  "127.0.0.1:8000/private/moonbase", NULL, "127.0.0.1:8000" },
		{ "privatebase", "127.0.0.1:8000/privatebase", "127.0.0.1:8000/privatebase", NULL,
		  "127.0.0.1:8000" },
		{ "private/moonbase", "example.com/private/moonbase",
		  "example.com/private/moonbase", NULL, "example.com" },
		{ "privatebase", "example.com/privatebase", "example.com/privatebase", NULL,
		  "example.com" },
		{ "private/moonbase", "example.com:8000/private/moonbase",
		  "example.com:8000/private/moonbase", NULL, "example.com:8000" },
		{ "privatebasee", "example.com:8000/privatebasee", "example.com:8000/privatebasee",
		  NULL, "example.com:8000" },
		{ "library/ubuntu-12.04-base", "ubuntu-12.04-base",
		  "docker.io/library/ubuntu-12.04-base",
		  "index.docker.io/library/ubuntu-12.04-base", "docker.io" },
		{ "library/foo", "foo", "docker.io/library/foo", "docker.io/foo", "docker.io" },
		{ "library/foo/bar", "library/foo/bar", "docker.io/library/foo/bar", NULL,
		  "docker.io" },
		{ "store/foo/bar", "store/foo/bar", "docker.io/store/foo/bar", NULL, "docker.io" },
		{ "bar", "Foo/bar", "Foo/bar", NULL, "Foo" },
		{ "bar", "FOO/bar", "FOO/bar", NULL, "FOO" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *spellings[] = { cases[i].familiar, cases[i].full, cases[i].ambiguous };
		for (size_t j = 0; j < 3 && spellings[j]; j++) {
			cleanup_error berth_error_t *err = NULL;
			cleanup_image_ref struct image_ref *ref = NULL;
			if (image_ref_parse(spellings[j], &ref, &err) < 0)
				fail_msg("'%s': %s", spellings[j], err->msg);
			cleanup_free char *fam = image_ref_familiar_name(ref);
			cleanup_free char *full = image_ref_name(ref);
			assert_string_equal(fam, cases[i].familiar);
			assert_string_equal(full, cases[i].full);
			assert_string_equal(ref->domain, cases[i].domain);
			assert_string_equal(ref->path, cases[i].path);
		}
	}
}

/* normalize_test.go: TestParseDockerRef, but for its last case: berth keeps
 * both tag and digest, as ParseNormalizedNamed + TagNameOnly do */
static void test_default_tag(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "busybox", "docker.io/library/busybox:latest" },
		{ "busybox:latest", "docker.io/library/busybox:latest" },
		{ "busybox@sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582",
		  "docker.io/library/"
		  "busybox@sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582" },
		{ "library/busybox", "docker.io/library/busybox:latest" },
		{ "docker.io/busybox", "docker.io/library/busybox:latest" },
		{ "docker.io/library/busybox", "docker.io/library/busybox:latest" },
		{ "docker.io/busybox:latest", "docker.io/library/busybox:latest" },
		{ "library/busybox:latest", "docker.io/library/busybox:latest" },
		{ "docker.io/library/busybox:latest", "docker.io/library/busybox:latest" },
		{ "gcr.io/library/busybox", "gcr.io/library/busybox:latest" },
		{ "gcr.io/library/busybox:v2@" SHA_FF, "gcr.io/library/busybox:v2@" SHA_FF },
		{ "busybox:1.36", "docker.io/library/busybox:1.36" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_image_ref struct image_ref *ref = NULL;
		assert_int_equal(image_ref_parse(cases[i].in, &ref, NULL), 0);
		image_ref_with_default_tag(ref);
		cleanup_free char *s = image_ref_string(ref);
		assert_string_equal(s, cases[i].want);
	}
}

/* reference_test.go: TestParseNamed */
static void test_parse_strict(void **state)
{
	static const struct {
		const char *in, *domain, *path;
	} cases[] = {
		{ "test.com/foo", "test.com", "foo" },
		{ "test:8080/foo", "test:8080", "foo" },
		{ "test_com/foo", NULL, NULL },
		{ "test.com", NULL, NULL },
		{ "foo", NULL, NULL },
		{ "library/foo", NULL, NULL },
		{ "docker.io/library/foo", "docker.io", "library/foo" },
		{ "docker.io/foo", NULL, NULL },
		{ "index.docker.io/library/foo", NULL, NULL },
		{ "docker.io/library/foo:latest@" SHA_FF, "docker.io", "library/foo" },
		{ "Busybox", NULL, NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_error berth_error_t *err = NULL;
		cleanup_image_ref struct image_ref *ref = NULL;
		int r = image_ref_parse_strict(cases[i].in, &ref, &err);
		if (cases[i].domain == NULL) {
			if (r >= 0)
				fail_msg("'%s': strict parse succeeded", cases[i].in);
			assert_null(ref);
			continue;
		}
		if (r < 0)
			fail_msg("'%s': %s", cases[i].in, err->msg);
		assert_string_equal(ref->domain, cases[i].domain);
		assert_string_equal(ref->path, cases[i].path);
	}
	cleanup_error berth_error_t *err = NULL;
	struct image_ref *ref = NULL;
	assert_true(image_ref_parse_strict("busybox", &ref, &err) < 0);
	assert_error_contains(err, "repository name must be canonical (want "
				   "'docker.io/library/busybox')");
}

/* reference_test.go TestWithTag / TestWithDigest, and tag limits */
static void test_set_tag_and_digest(void **state)
{
	cleanup_image_ref struct image_ref *ref = NULL;
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(image_ref_parse("test.com:8000/foo", &ref, NULL), 0);
	assert_int_equal(image_ref_set_tag(ref, "TAG5", &err), 0);
	cleanup_free char *a = image_ref_familiar(ref);
	assert_string_equal(a, "test.com:8000/foo:TAG5");

	struct digest d;
	assert_int_equal(digest_parse(SHA_FF, &d, NULL), 0);
	image_ref_set_digest(ref, &d);
	cleanup_free char *b = image_ref_string(ref);
	assert_string_equal(b, "test.com:8000/foo:TAG5@" SHA_FF);

	/* TestInvalidReferenceComponents */
	assert_true(image_ref_set_tag(ref, "-foo", &err) < 0);
	assert_error_contains(err, "invalid tag format (-foo)");
	assert_string_equal(ref->tag, "TAG5");

	assert_int_equal(image_ref_set_tag(ref, NULL, NULL), 0);
	image_ref_set_digest(ref, NULL);
	cleanup_free char *c = image_ref_string(ref);
	assert_string_equal(c, "test.com:8000/foo");
	image_ref_with_default_tag(ref);
	assert_string_equal(ref->tag, "latest");

	assert_true(image_ref_tag_valid(R127("x") "y"));
	assert_false(image_ref_tag_valid(R127("x") "yz"));
	assert_true(image_ref_tag_valid("_x.Y-z"));
	assert_false(image_ref_tag_valid(".x"));
	assert_false(image_ref_tag_valid(""));
	assert_false(image_ref_tag_valid(NULL));
}

static void test_dup_equal(void **state)
{
	cleanup_image_ref struct image_ref *a = NULL, *b = NULL, *c = NULL;
	assert_int_equal(image_ref_parse("busybox:1@" SHA_FF, &a, NULL), 0);
	assert_int_equal(image_ref_parse("docker.io/library/busybox:2", &c, NULL), 0);
	b = image_ref_dup(a);
	assert_true(image_ref_equal(a, b));
	assert_true(image_ref_same_name(a, c));
	assert_false(image_ref_equal(a, c));
	image_ref_set_digest(b, NULL);
	assert_false(image_ref_equal(a, b));
	image_ref_free(NULL);
}

static void test_id_prefix(void **state)
{
	static const struct {
		const char *in;
		int len; /* 0: refused */
	} cases[] = {
		{ "a", 1 },       { "dbcc1", 5 },          { "sha256:dbcc1", 5 },
		{ HEX64, 64 },    { "sha256:" HEX64, 64 }, { HEX64 "0", 0 },
		{ "", 0 },        { "sha256:", 0 },        { "DBCC1", 0 },
		{ "busybox", 0 }, { "sha512:abc", 0 },     { "sha256:sha256:abc", 0 },
		{ "abc ", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_error berth_error_t *err = NULL;
		cleanup_free char *hex = NULL;
		int r = image_id_parse_prefix(cases[i].in, &hex, &err);
		if (cases[i].len == 0) {
			if (r >= 0)
				fail_msg("'%s': accepted as an ID", cases[i].in);
			assert_error_contains(err, "invalid image ID '");
			assert_null(hex);
			assert_false(image_id_is_prefix(cases[i].in));
			continue;
		}
		assert_int_equal(r, cases[i].len);
		assert_int_equal(strlen(hex), (size_t)cases[i].len);
		assert_true(image_id_is_prefix(cases[i].in));
		assert_int_equal(image_id_is_full(cases[i].in), cases[i].len == 64);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_valid),        cmocka_unit_test(test_parse_invalid),
		cmocka_unit_test(test_error_text),         cmocka_unit_test(test_repository_info),
		cmocka_unit_test(test_default_tag),        cmocka_unit_test(test_parse_strict),
		cmocka_unit_test(test_set_tag_and_digest), cmocka_unit_test(test_dup_equal),
		cmocka_unit_test(test_id_prefix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
