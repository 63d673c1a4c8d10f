/* parse: safe number parsing.  The whole string must be a number in range;
 * no leading space, no trailing garbage, no silent wrap (atoi and strtol
 * without checks are banned, see banned.h). */
#ifndef BERTH_COMMON_PARSE_H
#define BERTH_COMMON_PARSE_H

#include <stdint.h>

#include "common/error.h"

/* base 0 accepts 0x and 0 prefixes like strtol; 10 is the usual choice */
int parse_int64(const char *s, int base, int64_t *ret, berth_error_t **err);
int parse_uint64(const char *s, int base, uint64_t *ret, berth_error_t **err);
int parse_int(const char *s, int *ret, berth_error_t **err);
int parse_uint32(const char *s, uint32_t *ret, berth_error_t **err);
/* Parse an integer in [min, max] */
int parse_int_range(const char *s, int64_t min, int64_t max, int64_t *ret, berth_error_t **err);
/* Parse a size with an optional unit as docker does: "64m", "1.5g", "512k",
 * "100" (bytes), "10b"; units b, k, m, g, t, p (1024-based, case-insensitive,
 * an optional trailing "b"/"ib" as in "64MB", "64MiB") */
int parse_size(const char *s, int64_t *ret, berth_error_t **err);

#endif
