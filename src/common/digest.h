/* digest: SHA-256 content digests in the OCI form "sha256:<64 lowercase
 * hex>".  Parsing is strict: any other algorithm, case, length or
 * character is refused, because digests name content on disk and in
 * registries and must have exactly one spelling. */
#ifndef BERTH_COMMON_DIGEST_H
#define BERTH_COMMON_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

#define DIGEST_SHA256_LEN 32
#define DIGEST_HEX_LEN 64
/* "sha256:" + 64 hex + NUL */
#define DIGEST_STR_SIZE (7 + DIGEST_HEX_LEN + 1)

struct digest {
	unsigned char bytes[DIGEST_SHA256_LEN];
};

/* Parse s (NUL-terminated) into *ret; errors quote the input (truncated) */
int digest_parse(const char *s, struct digest *ret, berth_error_t **err);
/* Parse exactly 64 lowercase hex characters (no "sha256:" prefix) */
int digest_parse_hex(const char *hex, struct digest *ret, berth_error_t **err);
/* True when s is a valid digest string */
bool digest_valid(const char *s);
/* Write "sha256:<hex>" into out */
void digest_format(const struct digest *d, char out[DIGEST_STR_SIZE]);
/* Write the 64 hex characters and a NUL into out */
void digest_format_hex(const struct digest *d, char out[DIGEST_HEX_LEN + 1]);
/* 64 random hex digits from getrandom: docker's id shape (containers,
 * networks, endpoints, anonymous volumes) */
void digest_random_hex(char out[DIGEST_HEX_LEN + 1]);
/* "sha256:<hex>" as a new string; caller frees */
char *digest_to_string(const struct digest *d);
bool digest_equal(const struct digest *a, const struct digest *b);
/* An error "<what>: digest mismatch: expected sha256:…, got sha256:…"
 * when they differ */
int digest_verify(const struct digest *expected, const struct digest *actual, const char *what,
		  berth_error_t **err);

/* Streaming hasher */
struct digest_hasher;
struct digest_hasher *digest_hasher_new(void);
void digest_hasher_update(struct digest_hasher *h, const void *data, size_t len);
/* Finish into *ret; the hasher may be reset with digest_hasher_reset */
void digest_hasher_final(struct digest_hasher *h, struct digest *ret);
void digest_hasher_reset(struct digest_hasher *h);
void digest_hasher_free(struct digest_hasher *h);
static inline void digest_hasher_freep(struct digest_hasher **h)
{
	digest_hasher_free(*h);
}
#define cleanup_hasher __attribute__((cleanup(digest_hasher_freep)))

void digest_buffer(const void *data, size_t len, struct digest *ret);
/* Hash an fd from its current offset to EOF; *ret_size gets the byte count */
int digest_fd(int fd, struct digest *ret, size_t *ret_size, berth_error_t **err);

#endif
