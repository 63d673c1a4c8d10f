/* digest: SHA-256 over OpenSSL's EVP interface, and the strict
 * "sha256:<hex>" spelling.  Invariant: digest_parse accepts exactly the
 * strings digest_format produces. */
#include "common/digest.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "common/xalloc.h"

struct digest_hasher {
	EVP_MD_CTX *ctx;
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Quote at most 80 characters of hostile input in an error */
#define QUOTE_MAX 80

/* Decode 64 lowercase hex characters.  Returns 0, or the 1-based position
 * of the first bad character, or -1 when the length is wrong. */
static int hex_decode(const char *hex, struct digest *ret)
{
	if (strnlen(hex, DIGEST_HEX_LEN + 1) != DIGEST_HEX_LEN)
		return -1;
	struct digest d;
	for (int i = 0; i < DIGEST_SHA256_LEN; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0)
			return 2 * i + 1;
		if (lo < 0)
			return 2 * i + 2;
		d.bytes[i] = (unsigned char)(hi << 4 | lo);
	}
	*ret = d;
	return 0;
}

static int hex_error(const char *whole, const char *hex, int r, berth_error_t **err)
{
	if (r < 0)
		return berth_error_fail(
			err, EINVAL,
			"invalid digest '%.*s': want 64 hex characters after 'sha256:', got %zu%s",
			QUOTE_MAX, whole, strnlen(hex, DIGEST_HEX_LEN + 1),
			strnlen(hex, DIGEST_HEX_LEN + 1) > DIGEST_HEX_LEN ? " or more" : "");
	return berth_error_fail(
		err, EINVAL,
		"invalid digest '%.*s': character %d of the hex part is not lowercase hex",
		QUOTE_MAX, whole, r);
}

int digest_parse_hex(const char *hex, struct digest *ret, berth_error_t **err)
{
	int r = hex_decode(hex, ret);
	return r == 0 ? 0 : hex_error(hex, hex, r, err);
}

int digest_parse(const char *s, struct digest *ret, berth_error_t **err)
{
	if (s == NULL || *s == '\0')
		return berth_error_fail(err, EINVAL, "invalid digest: empty");
	const char *colon = strchr(s, ':');
	if (colon == NULL)
		return berth_error_fail(
			err, EINVAL,
			"invalid digest '%.*s': want 'sha256:' followed by 64 hex characters",
			QUOTE_MAX, s);
	if ((size_t)(colon - s) != 6 || strncmp(s, "sha256", 6) != 0)
		return berth_error_fail(
			err, EINVAL,
			"invalid digest '%.*s': unsupported algorithm '%.*s' (only sha256)",
			QUOTE_MAX, s, (int)((colon - s) > 32 ? 32 : colon - s), s);
	int r = hex_decode(colon + 1, ret);
	return r == 0 ? 0 : hex_error(s, colon + 1, r, err);
}

bool digest_valid(const char *s)
{
	struct digest d;
	return digest_parse(s, &d, NULL) == 0;
}

void digest_format_hex(const struct digest *d, char out[DIGEST_HEX_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < DIGEST_SHA256_LEN; i++) {
		out[2 * i] = hex[d->bytes[i] >> 4];
		out[2 * i + 1] = hex[d->bytes[i] & 0xf];
	}
	out[DIGEST_HEX_LEN] = '\0';
}

void digest_format(const struct digest *d, char out[DIGEST_STR_SIZE])
{
	memcpy(out, "sha256:", 7);
	digest_format_hex(d, out + 7);
}

char *digest_to_string(const struct digest *d)
{
	char *s = xmalloc(DIGEST_STR_SIZE);
	digest_format(d, s);
	return s;
}

bool digest_equal(const struct digest *a, const struct digest *b)
{
	return memcmp(a->bytes, b->bytes, DIGEST_SHA256_LEN) == 0;
}

int digest_verify(const struct digest *expected, const struct digest *actual, const char *what,
		  berth_error_t **err)
{
	if (digest_equal(expected, actual))
		return 0;
	char e[DIGEST_STR_SIZE], a[DIGEST_STR_SIZE];
	digest_format(expected, e);
	digest_format(actual, a);
	return berth_error_fail(err, EILSEQ, "%s: digest mismatch: expected %s, got %s",
				what ? what : "content", e, a);
}

struct digest_hasher *digest_hasher_new(void)
{
	struct digest_hasher *h = xzalloc(sizeof(*h));
	h->ctx = EVP_MD_CTX_new();
	if (h->ctx == NULL || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		fprintf(stderr, "berth: cannot initialise SHA-256\n");
		abort();
	}
	return h;
}

void digest_hasher_update(struct digest_hasher *h, const void *data, size_t len)
{
	if (len && EVP_DigestUpdate(h->ctx, data, len) != 1)
		abort();
}

void digest_hasher_final(struct digest_hasher *h, struct digest *ret)
{
	unsigned int n = 0;
	if (EVP_DigestFinal_ex(h->ctx, ret->bytes, &n) != 1 || n != DIGEST_SHA256_LEN)
		abort();
}

void digest_hasher_reset(struct digest_hasher *h)
{
	if (EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1)
		abort();
}

void digest_hasher_free(struct digest_hasher *h)
{
	if (h == NULL)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

void digest_buffer(const void *data, size_t len, struct digest *ret)
{
	struct digest_hasher *h = digest_hasher_new();
	digest_hasher_update(h, data, len);
	digest_hasher_final(h, ret);
	digest_hasher_free(h);
}

int digest_fd(int fd, struct digest *ret, size_t *ret_size, berth_error_t **err)
{
	cleanup_hasher struct digest_hasher *h = digest_hasher_new();
	size_t total = 0;
	char *buf = xmalloc(1 << 16);
	for (;;) {
		ssize_t n = read(fd, buf, 1 << 16);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			free(buf);
			return berth_error_set(err, e, "read for digest");
		}
		if (n == 0)
			break;
		digest_hasher_update(h, buf, (size_t)n);
		total += (size_t)n;
	}
	free(buf);
	digest_hasher_final(h, ret);
	if (ret_size)
		*ret_size = total;
	return 0;
}

void digest_random_hex(char out[DIGEST_HEX_LEN + 1])
{
	unsigned char b[DIGEST_HEX_LEN / 2];
	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		abort(); /* getrandom on a running system does not fail for 32 bytes */
	for (size_t i = 0; i < sizeof(b); i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}
