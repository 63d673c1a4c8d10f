/* parse: whole-string number parsing with range checks and clear errors.
 * Invariant: on error *ret is untouched. */
#include "common/parse.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int parse_int64(const char *s, int base, int64_t *ret, berth_error_t **err)
{
	if (s == NULL || *s == '\0')
		return berth_error_fail(err, EINVAL, "invalid number: empty");
	if (isspace((unsigned char)*s))
		return berth_error_fail(err, EINVAL, "invalid number '%s': leading space", s);
	char *end = NULL;
	errno = 0;
	long long v = strtoll(s, &end, base);
	if (errno == ERANGE)
		return berth_error_fail(err, ERANGE, "number '%s' is out of range", s);
	if (end == s || *end != '\0')
		return berth_error_fail(err, EINVAL, "invalid number '%s'", s);
	*ret = v;
	return 0;
}

int parse_uint64(const char *s, int base, uint64_t *ret, berth_error_t **err)
{
	if (s == NULL || *s == '\0')
		return berth_error_fail(err, EINVAL, "invalid number: empty");
	/* strtoull accepts "-1" and wraps it; refuse any sign */
	if (!isdigit((unsigned char)*s))
		return berth_error_fail(err, EINVAL, "invalid unsigned number '%s'", s);
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (errno == ERANGE)
		return berth_error_fail(err, ERANGE, "number '%s' is out of range", s);
	if (end == s || *end != '\0')
		return berth_error_fail(err, EINVAL, "invalid unsigned number '%s'", s);
	*ret = v;
	return 0;
}

int parse_int_range(const char *s, int64_t min, int64_t max, int64_t *ret, berth_error_t **err)
{
	int64_t v = 0;
	int r = parse_int64(s, 10, &v, err);
	if (r < 0)
		return r;
	if (v < min || v > max)
		return berth_error_fail(err, ERANGE, "number '%s' is out of range [%lld, %lld]", s,
					(long long)min, (long long)max);
	*ret = v;
	return 0;
}

int parse_int(const char *s, int *ret, berth_error_t **err)
{
	int64_t v = 0;
	int r = parse_int_range(s, INT_MIN, INT_MAX, &v, err);
	if (r < 0)
		return r;
	*ret = (int)v;
	return 0;
}

int parse_uint32(const char *s, uint32_t *ret, berth_error_t **err)
{
	uint64_t v = 0;
	int r = parse_uint64(s, 10, &v, err);
	if (r < 0)
		return r;
	if (v > UINT32_MAX)
		return berth_error_fail(err, ERANGE, "number '%s' is out of range [0, %u]", s,
					UINT32_MAX);
	*ret = (uint32_t)v;
	return 0;
}

int parse_size(const char *s, int64_t *ret, berth_error_t **err)
{
	static const char units[] = "bkmgtp";
	if (s == NULL || *s == '\0')
		return berth_error_fail(err, EINVAL, "invalid size: empty");
	if (!isdigit((unsigned char)*s) && *s != '.')
		return berth_error_fail(err, EINVAL, "invalid size '%s'", s);
	char *end = NULL;
	errno = 0;
	double v = strtod(s, &end);
	if (errno == ERANGE || end == s || !isfinite(v) || v < 0)
		return berth_error_fail(err, EINVAL, "invalid size '%s'", s);
	double mult = 1;
	if (*end) {
		const char *u = strchr(units, tolower((unsigned char)*end));
		if (u == NULL || *u == '\0')
			return berth_error_fail(err, EINVAL, "invalid size '%s': unknown unit '%s'",
						s, end);
		for (long i = 0; i < u - units; i++)
			mult *= 1024;
		end++;
		/* "64MB", "64MiB", "64mb" */
		if (u != units && (strcasecmp(end, "b") == 0 || strcasecmp(end, "ib") == 0))
			end += strlen(end);
		if (*end)
			return berth_error_fail(err, EINVAL, "invalid size '%s': trailing '%s'", s,
						end);
	}
	double bytes = v * mult;
	if (bytes >= 9.2e18)
		return berth_error_fail(err, ERANGE, "size '%s' is too large", s);
	*ret = (int64_t)bytes;
	return 0;
}
