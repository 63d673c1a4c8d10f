/* reference: parse, normalise and format image references the way docker's
 * distribution/reference does (ParseNormalizedNamed, FamiliarString).  The
 * grammar is docker's regular expressions, checked by hand:
 *   reference := name [ ":" tag ] [ "@" digest ]
 *   name      := [ domain "/" ] component ( "/" component )*
 * Invariant: only a fully valid reference leaves image_ref_parse, so the
 * formatters never meet a value they cannot print back losslessly. */
#include "image/reference.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/xalloc.h"

/* How much of the input an error message quotes */
#define QUOTE_MAX 96

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool is_word(char c)
{
	return is_alnum(c) || c == '_';
}

static bool is_xdigit_any(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_hex_lower(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static bool has_upper(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			return true;
	return false;
}

/* A printable, bounded copy of user input for messages: control bytes
 * become '?', and long input is cut with "..." */
static char *quote(const char *s, size_t n)
{
	size_t len = n > QUOTE_MAX ? QUOTE_MAX : n;
	char *q = xmalloc(len + 4);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		q[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (len < n) {
		memcpy(q + len, "...", 4);
	} else {
		q[len] = '\0';
	}
	return q;
}

/* EINVAL with the docker-style cause, under the context "parse reference
 * '<input>'" so that the cause alone (berth_error_cause) is docker's text */
__attribute__((format(printf, 3, 4))) static int ref_fail(berth_error_t **err, const char *input,
							  const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cleanup_free char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	cleanup_free char *q = quote(input, strlen(input));
	int r = berth_error_fail(err, EINVAL, "%s", msg);
	berth_error_wrap(err, "parse reference '%s'", q);
	return r;
}
#ifdef __clang_analyzer__
/* The analyzer does not follow variadic calls: tell it, as common/error.h
 * does for berth_error_fail, that ref_fail never returns >= 0 */
#define ref_fail(...) berth_error_negative(ref_fail(__VA_ARGS__))
#endif

/* [a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)* over s[0..n) */
static bool path_component_valid(const char *s, size_t n)
{
	size_t i = 0;
	if (n == 0 || !is_lower_alnum(s[0]))
		return false;
	while (i < n) {
		while (i < n && is_lower_alnum(s[i]))
			i++;
		if (i == n)
			return true;
		/* a separator, then at least one alphanumeric */
		if (s[i] == '.') {
			i++;
		} else if (s[i] == '_') {
			i++;
			if (i < n && s[i] == '_')
				i++;
		} else if (s[i] == '-') {
			while (i < n && s[i] == '-')
				i++;
		} else {
			return false;
		}
		if (i == n || !is_lower_alnum(s[i]))
			return false;
	}
	return true;
}

/* (?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]) */
static bool domain_label_valid(const char *s, size_t n)
{
	if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
		return false;
	for (size_t i = 1; i + 1 < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

/* host [":" port] where host is a DNS name, an IPv4 address (a DNS name to
 * the grammar) or a bracketed IPv6 address, as docker's domainAndPort */
static bool domain_valid(const char *s, size_t n)
{
	size_t host_end;
	if (n == 0)
		return false;
	if (s[0] == '[') {
		size_t i = 1;
		while (i < n && (is_xdigit_any(s[i]) || s[i] == ':'))
			i++;
		if (i == 1 || i == n || s[i] != ']')
			return false;
		host_end = i + 1;
	} else {
		size_t start = 0, i = 0;
		for (;;) {
			while (i < n && (is_alnum(s[i]) || s[i] == '-'))
				i++;
			if (!domain_label_valid(s + start, i - start))
				return false;
			if (i < n && s[i] == '.') {
				start = ++i;
				continue;
			}
			break;
		}
		host_end = i;
	}
	if (host_end == n)
		return true;
	if (s[host_end] != ':' || host_end + 1 == n)
		return false;
	for (size_t i = host_end + 1; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool tag_valid(const char *s, size_t n)
{
	if (n == 0 || n > IMAGE_REF_TAG_MAX || !is_word(s[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!is_word(s[i]) && s[i] != '.' && s[i] != '-')
			return false;
	return true;
}

bool image_ref_tag_valid(const char *tag)
{
	return tag != NULL && tag_valid(tag, strlen(tag));
}

/* docker's digest grammar:
 * [A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[[:xdigit:]]{32,}
 * Sets *alg_len to the length of the algorithm part. */
static bool digest_syntax_valid(const char *s, size_t *alg_len)
{
	size_t i = 0;
	for (;;) {
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
			return false;
		i++;
		while (is_alnum(s[i]))
			i++;
		if (s[i] == '-' || s[i] == '_' || s[i] == '+' || s[i] == '.') {
			i++;
			continue;
		}
		break;
	}
	if (s[i] != ':')
		return false;
	*alg_len = i;
	size_t hex = 0;
	for (i++; s[i]; i++, hex++)
		if (!is_xdigit_any(s[i]))
			return false;
	return hex >= 32;
}

static bool is_hex64(const char *s)
{
	size_t i;
	for (i = 0; s[i]; i++)
		if (!is_hex_lower(s[i]))
			return false;
	return i == DIGEST_HEX_LEN;
}

/* The digest after '@': docker's grammar first, then go-digest's checks,
 * in its order and with its messages, and finally berth's sha256 limit */
static int parse_digest(const char *input, const char *s, struct digest *ret, berth_error_t **err)
{
	size_t alg_len;
	if (!digest_syntax_valid(s, &alg_len)) {
		cleanup_free char *q = quote(s, strlen(s));
		return ref_fail(err, input, "invalid reference format: invalid digest (%s)", q);
	}
	if (alg_len != 6 || strncmp(s, "sha256", 6) != 0) {
		cleanup_free char *q = quote(s, alg_len);
		return ref_fail(err, input,
				"unsupported digest algorithm (%s): only sha256 is supported", q);
	}
	const char *hex = s + alg_len + 1;
	if (strlen(hex) != DIGEST_HEX_LEN)
		return ref_fail(
			err, input,
			"invalid checksum digest length: sha256 wants %d hex characters, got %zu",
			DIGEST_HEX_LEN, strlen(hex));
	if (!is_hex64(hex))
		return ref_fail(
			err, input,
			"invalid checksum digest format: want lowercase hex after 'sha256:'");
	cleanup_error berth_error_t *derr = NULL;
	if (digest_parse(s, ret, &derr) < 0)
		return ref_fail(err, input, "%s", derr->msg);
	return 0;
}

/* Where the name's first component is a registry domain, per docker's
 * splitDockerDomain: it contains '.' or ':', is "localhost", or has an
 * uppercase letter (namespaces never do). */
static bool first_component_is_domain(const char *s, size_t n)
{
	if (n == 9 && memcmp(s, "localhost", 9) == 0)
		return true;
	if (memchr(s, '.', n) || memchr(s, ':', n))
		return true;
	return has_upper(s, n);
}

static int ref_parse(const char *s, struct image_ref **ret, berth_error_t **err)
{
	size_t len = strlen(s);
	if (len == 0)
		return ref_fail(err, s, "invalid reference format: empty reference");
	if (len > IMAGE_REF_INPUT_MAX)
		return ref_fail(err, s, "invalid reference format: longer than %d characters",
				IMAGE_REF_INPUT_MAX);
	/* A bare 64-hex string is an image ID, never a name (docker) */
	if (is_hex64(s))
		return ref_fail(
			err, s,
			"invalid repository name (%s), cannot specify 64-byte hexadecimal strings",
			s);

	/* Domain: only when there is a '/' and the first component looks
	 * like one; otherwise docker.io.  The '/' is searched in the whole
	 * input, as docker does. */
	const char *domain = IMAGE_REF_DEFAULT_DOMAIN; /* points into s or a literal */
	size_t domain_len = strlen(IMAGE_REF_DEFAULT_DOMAIN);
	const char *rest = s; /* the path, tag and digest */
	size_t slash = strcspn(s, "/");
	if (s[slash] == '/' && first_component_is_domain(s, slash)) {
		if (slash != strlen(IMAGE_REF_LEGACY_DOMAIN) ||
		    memcmp(s, IMAGE_REF_LEGACY_DOMAIN, slash) != 0) {
			domain = s;
			domain_len = slash;
		}
		rest = s + slash + 1;
	}

	/* The path runs to the first ':' (tag) or '@' (digest): neither may
	 * appear in a path, so the split is unambiguous.  (A loop, not
	 * strcspn: gcc 12 -O2 with ASan reports a false -Wstringop-overread
	 * on strcspn(rest) here.) */
	size_t path_len = 0;
	while (rest[path_len] != '\0' && rest[path_len] != ':' && rest[path_len] != '@')
		path_len++;
	bool official = domain_len == strlen(IMAGE_REF_DEFAULT_DOMAIN) &&
			memcmp(domain, IMAGE_REF_DEFAULT_DOMAIN, domain_len) == 0 &&
			memchr(rest, '/', path_len) == NULL;
	if (has_upper(rest, path_len)) {
		cleanup_free char *q = quote(rest, path_len);
		return ref_fail(err, s,
				"invalid reference format: repository name (%s%s) must be lowercase",
				official ? IMAGE_REF_OFFICIAL_PREFIX : "", q);
	}
	if (!domain_valid(domain, domain_len)) {
		cleanup_free char *q = quote(domain, domain_len);
		return ref_fail(err, s, "invalid reference format: invalid registry domain (%s)",
				q);
	}
	for (size_t i = 0; i <= path_len;) {
		size_t n = strcspn(rest + i, "/:@");
		if (i + n > path_len)
			n = path_len - i;
		if (n == 0)
			return ref_fail(err, s,
					"invalid reference format: empty repository name component");
		if (!path_component_valid(rest + i, n)) {
			cleanup_free char *q = quote(rest + i, n);
			return ref_fail(
				err, s,
				"invalid reference format: invalid repository name component (%s): "
				"want lowercase letters and digits separated by '.', '_', '__' or '-'",
				q);
		}
		i += n + 1;
	}

	const char *p = rest + path_len;
	cleanup_free char *tag = NULL;
	if (*p == ':') {
		size_t n = strcspn(p + 1, "@");
		if (!tag_valid(p + 1, n)) {
			cleanup_free char *q = quote(p + 1, n);
			if (n > IMAGE_REF_TAG_MAX)
				return ref_fail(err, s,
						"invalid tag format (%s): longer than %d characters",
						q, IMAGE_REF_TAG_MAX);
			return ref_fail(
				err, s,
				"invalid tag format (%s): want a letter, digit or '_', then up "
				"to %d more of those or '.' or '-'",
				q, IMAGE_REF_TAG_MAX - 1);
		}
		tag = xstrndup(p + 1, n);
		p += 1 + n;
	}
	const char *digest_str = NULL;
	if (*p == '@') {
		digest_str = p + 1;
		size_t alg_len;
		/* format errors come before the length check, as in docker */
		if (!digest_syntax_valid(digest_str, &alg_len)) {
			cleanup_free char *q = quote(digest_str, strlen(digest_str));
			return ref_fail(err, s, "invalid reference format: invalid digest (%s)", q);
		}
	}

	cleanup_free char *path =
		official ? xasprintf("%s%.*s", IMAGE_REF_OFFICIAL_PREFIX, (int)path_len, rest) :
			   xstrndup(rest, path_len);
	size_t name_len = domain_len + 1 + strlen(path);
	if (name_len > IMAGE_REF_NAME_MAX)
		return ref_fail(err, s,
				"repository name must not be more than %d characters (got %zu)",
				IMAGE_REF_NAME_MAX, name_len);

	struct digest d;
	if (digest_str) {
		int r = parse_digest(s, digest_str, &d, err);
		if (r < 0)
			return r;
	}

	struct image_ref *ref = xzalloc(sizeof(*ref));
	ref->domain = xstrndup(domain, domain_len);
	ref->path = steal_pointer(&path);
	ref->tag = steal_pointer(&tag);
	if (digest_str) {
		ref->has_digest = true;
		ref->digest = d;
	}
	*ret = ref;
	return 0;
}

int image_ref_parse(const char *s, struct image_ref **ret, berth_error_t **err)
{
	return ref_parse(s, ret, err);
}

int image_ref_parse_strict(const char *s, struct image_ref **ret, berth_error_t **err)
{
	cleanup_image_ref struct image_ref *ref = NULL;
	int r = ref_parse(s, &ref, err);
	if (r < 0)
		return r;
	cleanup_free char *full = image_ref_string(ref);
	if (strcmp(full, s) != 0)
		return ref_fail(err, s, "repository name must be canonical (want '%s')", full);
	*ret = steal_pointer(&ref);
	return 0;
}

void image_ref_with_default_tag(struct image_ref *ref)
{
	if (ref->tag == NULL && !ref->has_digest)
		ref->tag = xstrdup(IMAGE_REF_DEFAULT_TAG);
}

int image_ref_set_tag(struct image_ref *ref, const char *tag, berth_error_t **err)
{
	if (tag == NULL) {
		free(steal_pointer(&ref->tag));
		return 0;
	}
	if (!image_ref_tag_valid(tag)) {
		cleanup_free char *q = quote(tag, strlen(tag));
		return berth_error_fail(err, EINVAL, "invalid tag format (%s)", q);
	}
	free(ref->tag);
	ref->tag = xstrdup(tag);
	return 0;
}

void image_ref_set_digest(struct image_ref *ref, const struct digest *d)
{
	ref->has_digest = d != NULL;
	if (d)
		ref->digest = *d;
	else
		memset(&ref->digest, 0, sizeof(ref->digest));
}

/* True when a name "path" (no domain) would read back as something else:
 * a first component that looks like a domain, or a bare 64-hex string,
 * which reads as an image ID */
static bool familiar_ambiguous(const char *path)
{
	const char *slash = strchr(path, '/');
	if (slash == NULL)
		return is_hex64(path);
	size_t n = (size_t)(slash - path);
	return memchr(path, '.', n) != NULL || (n == 9 && memcmp(path, "localhost", 9) == 0);
}

/* docker's familiarizeName: no domain for docker.io, and no "library/"
 * for a one-level official image; but, unlike docker, only as far as the
 * result reads back as the same name ("docker.io/foo.bar/baz" stays whole,
 * where docker prints "foo.bar/baz", a name on the registry foo.bar).
 * Returns pointers into ref. */
static void familiar_parts(const struct image_ref *ref, const char **domain, const char **path)
{
	*domain = ref->domain;
	*path = ref->path;
	if (strcmp(ref->domain, IMAGE_REF_DEFAULT_DOMAIN) != 0)
		return;
	size_t plen = strlen(IMAGE_REF_OFFICIAL_PREFIX);
	if (strncmp(ref->path, IMAGE_REF_OFFICIAL_PREFIX, plen) == 0 &&
	    strchr(ref->path + plen, '/') == NULL && !familiar_ambiguous(ref->path + plen)) {
		*domain = NULL;
		*path = ref->path + plen;
	} else if (!familiar_ambiguous(ref->path)) {
		*domain = NULL;
	}
}

static char *format(const char *domain, const char *path, const char *tag, const struct digest *d)
{
	char dstr[DIGEST_STR_SIZE] = "";
	if (d)
		digest_format(d, dstr);
	return xasprintf("%s%s%s%s%s%s%s", domain ? domain : "", domain ? "/" : "", path,
			 tag ? ":" : "", tag ? tag : "", d ? "@" : "", dstr);
}

char *image_ref_string(const struct image_ref *ref)
{
	return format(ref->domain, ref->path, ref->tag, ref->has_digest ? &ref->digest : NULL);
}

char *image_ref_familiar(const struct image_ref *ref)
{
	const char *domain, *path;
	familiar_parts(ref, &domain, &path);
	return format(domain, path, ref->tag, ref->has_digest ? &ref->digest : NULL);
}

char *image_ref_name(const struct image_ref *ref)
{
	return format(ref->domain, ref->path, NULL, NULL);
}

char *image_ref_familiar_name(const struct image_ref *ref)
{
	const char *domain, *path;
	familiar_parts(ref, &domain, &path);
	return format(domain, path, NULL, NULL);
}

struct image_ref *image_ref_dup(const struct image_ref *ref)
{
	struct image_ref *c = xzalloc(sizeof(*c));
	c->domain = xstrdup(ref->domain);
	c->path = xstrdup(ref->path);
	c->tag = xstrdup(ref->tag);
	c->has_digest = ref->has_digest;
	c->digest = ref->digest;
	return c;
}

bool image_ref_same_name(const struct image_ref *a, const struct image_ref *b)
{
	return strcmp(a->domain, b->domain) == 0 && strcmp(a->path, b->path) == 0;
}

bool image_ref_equal(const struct image_ref *a, const struct image_ref *b)
{
	if (!image_ref_same_name(a, b))
		return false;
	if ((a->tag == NULL) != (b->tag == NULL) || (a->tag && strcmp(a->tag, b->tag) != 0))
		return false;
	if (a->has_digest != b->has_digest)
		return false;
	return !a->has_digest || digest_equal(&a->digest, &b->digest);
}

void image_ref_free(struct image_ref *ref)
{
	if (ref == NULL)
		return;
	free(ref->domain);
	free(ref->path);
	free(ref->tag);
	free(ref);
}

/* "sha256:" is optional; the rest is 1 to 64 of [a-f0-9].  Returns the
 * hex part's length, or 0 when s is not an ID prefix. */
static size_t id_hex_len(const char *s, const char **hex)
{
	if (strncmp(s, "sha256:", 7) == 0)
		s += 7;
	size_t n = 0;
	while (n <= DIGEST_HEX_LEN && is_hex_lower(s[n]))
		n++;
	if (n == 0 || n > DIGEST_HEX_LEN || s[n] != '\0')
		return 0;
	*hex = s;
	return n;
}

int image_id_parse_prefix(const char *s, char **ret_hex, berth_error_t **err)
{
	const char *hex = NULL;
	size_t n = id_hex_len(s, &hex);
	if (n == 0) {
		cleanup_free char *q = quote(s, strlen(s));
		return berth_error_fail(
			err, EINVAL,
			"invalid image ID '%s': want 1 to 64 lowercase hex characters, optionally after 'sha256:'",
			q);
	}
	if (ret_hex)
		*ret_hex = xstrndup(hex, n);
	return (int)n;
}

bool image_id_is_prefix(const char *s)
{
	const char *hex;
	return id_hex_len(s, &hex) > 0;
}

bool image_id_is_full(const char *s)
{
	const char *hex;
	return id_hex_len(s, &hex) == DIGEST_HEX_LEN;
}
