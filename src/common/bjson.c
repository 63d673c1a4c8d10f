/* bjson: capped JSON loading and path-naming typed getters over jansson.
 * Invariant: nothing reaches jansson's parser before its size and nesting
 * depth have been checked here, because jansson has neither a runtime size
 * cap nor a runtime depth option; every getter error starts with the path
 * of the field ("process.user.uid: ..."). */
#include "common/bjson.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/banned.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

/* Quote at most this many bytes of a hostile key in an error */
#define QUOTE_MAX 80

/* Find the first bracket that opens level max_depth + 1, outside strings.
 * Returns its 1-based line, or 0 when the input stays within max_depth.
 * The input may be invalid JSON: this only has to be right for inputs that
 * jansson would otherwise accept, and never read past len. */
static size_t depth_exceeded_line(const char *buf, size_t len, size_t max_depth)
{
	size_t depth = 0, line = 1;
	bool in_string = false;
	for (size_t i = 0; i < len; i++) {
		char c = buf[i];
		if (c == '\n')
			line++;
		if (in_string) {
			if (c == '\\' && ++i < len && buf[i] == '\n')
				line++; /* skip the escaped byte, still counting lines */
			else if (c == '"')
				in_string = false;
			continue;
		}
		switch (c) {
		case '"':
			in_string = true;
			break;
		case '[':
		case '{':
			if (++depth > max_depth)
				return line;
			break;
		case ']':
		case '}':
			if (depth > 0)
				depth--;
			break;
		default:
			break;
		}
	}
	return 0;
}

/* jansson keeps integers as signed 64-bit and refuses larger literals, but
 * OCI configs carry uint64 values up to UINT64_MAX (dockerd writes
 * RLIM_INFINITY, 18446744073709551615, for an unlimited ulimit).  Such
 * literals are rewritten, before jansson sees them, into a string holding
 * BJSON_U64_MARKER and the digits; bjson_get_uint64 reads it back and
 * bjson_dump turns it into the bare number again. */
static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Does the integer literal buf[0..n) exceed INT64_MAX but fit in uint64? */
static bool literal_is_big_u64(const char *buf, size_t n)
{
	if (n < 19 || n > 20 || buf[0] == '0')
		return false;
	char digits[21];
	memcpy(digits, buf, n);
	digits[n] = '\0';
	errno = 0;
	char *end = NULL;
	unsigned long long v = strtoull(digits, &end, 10);
	return errno == 0 && *end == '\0' && v > (unsigned long long)INT64_MAX;
}

/* Returns a rewritten copy of buf when it holds big literals, else NULL */
static char *rewrite_big_u64(const char *buf, size_t len, size_t *ret_len, size_t *ret_count)
{
	size_t count = 0;
	struct strbuf out = STRBUF_INIT;
	size_t copied = 0;
	bool in_string = false;
	for (size_t i = 0; i < len; i++) {
		char c = buf[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
			continue;
		}
		if (c == '"') {
			in_string = true;
			continue;
		}
		if (!is_digit(c) ||
		    (i > 0 && (is_digit(buf[i - 1]) || buf[i - 1] == '-' || buf[i - 1] == '.' ||
			       buf[i - 1] == 'e' || buf[i - 1] == 'E' || buf[i - 1] == '+')))
			continue;
		size_t j = i;
		while (j < len && is_digit(buf[j]))
			j++;
		bool integral = j == len || (buf[j] != '.' && buf[j] != 'e' && buf[j] != 'E');
		if (integral && literal_is_big_u64(buf + i, j - i)) {
			strbuf_add(&out, buf + copied, i - copied);
			strbuf_addstr(&out, "\"" BJSON_U64_MARKER);
			strbuf_add(&out, buf + i, j - i);
			strbuf_addch(&out, '"');
			copied = j;
			count++;
		}
		i = j - 1;
	}
	*ret_count = count;
	if (copied == 0) {
		strbuf_release(&out);
		return NULL;
	}
	strbuf_add(&out, buf + copied, len - copied);
	return strbuf_detach(&out, ret_len);
}

static bool has_marker(const char *str)
{
	return strncmp(str, BJSON_U64_MARKER, strlen(BJSON_U64_MARKER)) == 0;
}

/* A string that bjson_load made from an integer above INT64_MAX */
static bool is_big_u64(const json_t *v)
{
	return json_is_string(v) && has_marker(json_string_value(v));
}

/* Strings (keys included) that start with the marker; the depth was
 * checked before parsing, so the recursion is bounded */
static size_t count_markers(const json_t *v)
{
	size_t n = 0;
	const char *key;
	json_t *child;
	size_t i;
	switch (json_typeof(v)) {
	case JSON_STRING:
		return has_marker(json_string_value(v)) ? 1 : 0;
	case JSON_OBJECT:
		json_object_foreach((json_t *)v, key, child)
			n += (has_marker(key) ? 1 : 0) + count_markers(child);
		return n;
	case JSON_ARRAY:
		json_array_foreach(v, i, child) n += count_markers(child);
		return n;
	default:
		return 0;
	}
}

int bjson_load(const char *buf, size_t len, const char *what, size_t max_size, size_t max_depth,
	       json_t **ret, berth_error_t **err)
{
	if (what == NULL)
		what = "JSON";
	if (max_size == 0)
		max_size = BJSON_DEFAULT_MAX_SIZE;
	if (max_depth == 0)
		max_depth = BJSON_DEFAULT_MAX_DEPTH;
	if (buf == NULL && len > 0)
		return berth_error_fail(err, EINVAL, "%s: no buffer", what);
	if (len > max_size)
		return berth_error_fail(err, EFBIG,
					"%s: JSON is %zu bytes, more than the limit of %zu", what,
					len, max_size);
	size_t line = depth_exceeded_line(buf, len, max_depth);
	if (line)
		return berth_error_fail(err, EINVAL,
					"%s: JSON nested deeper than %zu levels at line %zu", what,
					max_depth, line);

	/* No JSON_ALLOW_NUL: a "\u0000" escape and a raw NUL byte are both
	 * refused, so every string we hand out is a C string.  Trailing
	 * garbage is refused because JSON_DISABLE_EOF_CHECK is not set. */
	size_t big_len = 0;
	size_t n_big = 0;
	cleanup_free char *big = buf ? rewrite_big_u64(buf, len, &big_len, &n_big) : NULL;
	if (big) {
		buf = big;
		len = big_len;
	}
	json_error_t jerr;
	size_t jflags = JSON_REJECT_DUPLICATES | JSON_DECODE_ANY;
	json_t *j = json_loadb(buf ? buf : "", len, jflags, &jerr);
	if (j == NULL)
		return berth_error_fail(err, EINVAL, "%s: invalid JSON at line %d, column %d: %s",
					what, jerr.line, jerr.column, jerr.text);
	/* Every marked string must be one we made: a document that spells the
	 * marker itself (raw or as a \ufdd0 escape) would otherwise turn a
	 * string into a number.  U+FDD0 is a noncharacter; refusing it at the
	 * start of a string costs no real document anything. */
	if (count_markers(j) != n_big) {
		json_decref(j);
		return berth_error_fail(err, EINVAL,
					"%s: a string starts with the reserved noncharacter U+FDD0",
					what);
	}
	*ret = j;
	return 0;
}

int bjson_load_file(const char *path, size_t max_size, size_t max_depth, json_t **ret,
		    berth_error_t **err)
{
	if (max_size == 0)
		max_size = BJSON_DEFAULT_MAX_SIZE;
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return berth_error_set(err, errno, "open '%s'", path);

	/* Read at most max_size + 1 bytes: one more than allowed is enough to
	 * know the file is too large, without reading all of it. */
	size_t cap = max_size < SIZE_MAX ? max_size + 1 : SIZE_MAX;
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	while (sb.len < cap) {
		size_t want = cap - sb.len < (1 << 16) ? cap - sb.len : (1 << 16);
		strbuf_grow(&sb, want);
		ssize_t n = read(fd, sb.buf + sb.len, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berth_error_set(err, errno, "read '%s'", path);
		if (n == 0)
			break;
		strbuf_setlen(&sb, sb.len + (size_t)n);
	}
	if (sb.len > max_size)
		return berth_error_fail(err, EFBIG,
					"%s: file is larger than the limit of %zu bytes", path,
					max_size);
	return bjson_load(sb.buf, sb.len, path, max_size, max_depth, ret, err);
}

char *bjson_path_key(const char *where, const char *key)
{
	if (where == NULL || *where == '\0')
		return xstrdup(key);
	return xasprintf("%s.%s", where, key);
}

char *bjson_path_index(const char *where, size_t i)
{
	return xasprintf("%s[%zu]", where ? where : "", i);
}

bool bjson_is_string(const json_t *v)
{
	return json_is_string(v) && !is_big_u64(v);
}

const char *bjson_type_name(const json_t *v)
{
	if (v == NULL)
		return "nothing";
	if (is_big_u64(v))
		return "an integer";
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a real number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "nothing";
}

/* Set an error "path: message", or just "message" at the root, where path
 * is where.key (or where alone when key is NULL). */
static int field_error(berth_error_t **err, int errnum, const char *where, const char *key,
		       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int field_error(berth_error_t **err, int errnum, const char *where, const char *key,
		       const char *fmt, ...)
{
	cleanup_free char *path = key ? bjson_path_key(where, key) : xstrdup(where ? where : "");
	va_list ap;
	va_start(ap, fmt);
	cleanup_free char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (*path == '\0')
		return berth_error_fail(err, errnum, "%s", msg);
	return berth_error_fail(err, errnum, "%s: %s", path, msg);
}

static int type_error(berth_error_t **err, const char *where, const char *key, const char *expected,
		      const json_t *v)
{
	return field_error(err, EINVAL, where, key, "expected %s, got %s", expected,
			   bjson_type_name(v));
}

/* Look up obj[key].  Returns 1 with *ret set when there is a value to
 * type-check (an explicit null included, unless BJSON_ALLOW_NULL), 0 when
 * the field counts as absent and that is allowed, < 0 on error. */
static int field_get(const json_t *obj, const char *where, const char *key, enum bjson_flags flags,
		     json_t **ret, berth_error_t **err)
{
	if (!json_is_object(obj))
		return type_error(err, where, NULL, "an object", obj);
	json_t *v = json_object_get(obj, key);
	if (v != NULL && !(json_is_null(v) && (flags & BJSON_ALLOW_NULL))) {
		*ret = v;
		return 1;
	}
	if (v == NULL && (flags & BJSON_REQUIRED))
		return field_error(err, EINVAL, where, NULL, "missing required field '%s'", key);
	return 0;
}

int bjson_get_string(const json_t *obj, const char *where, const char *key, enum bjson_flags flags,
		     const char **ret, berth_error_t **err)
{
	json_t *v = NULL;
	int r = field_get(obj, where, key, flags, &v, err);
	if (r <= 0)
		return r;
	if (!bjson_is_string(v))
		return type_error(err, where, key, "a string", v);
	*ret = json_string_value(v);
	return 0;
}

int bjson_get_bool(const json_t *obj, const char *where, const char *key, enum bjson_flags flags,
		   bool *ret, berth_error_t **err)
{
	json_t *v = NULL;
	int r = field_get(obj, where, key, flags, &v, err);
	if (r <= 0)
		return r;
	if (!json_is_boolean(v))
		return type_error(err, where, key, "a boolean", v);
	*ret = json_is_true(v);
	return 0;
}

/* Returns 1 with *ret set, 0 when absent, < 0 on error.  Reals are refused
 * even when integral ("1.0"): a config that says 1.5 CPUs where an integer
 * is wanted should not be silently truncated. */
static int get_integer(const json_t *obj, const char *where, const char *key,
		       enum bjson_flags flags, json_int_t *ret, berth_error_t **err)
{
	json_t *v = NULL;
	int r = field_get(obj, where, key, flags, &v, err);
	if (r <= 0)
		return r;
	if (!json_is_integer(v))
		return type_error(err, where, key, "an integer", v);
	*ret = json_integer_value(v);
	return 1;
}

int bjson_get_int64(const json_t *obj, const char *where, const char *key, enum bjson_flags flags,
		    int64_t *ret, berth_error_t **err)
{
	json_int_t n = 0;
	int r = get_integer(obj, where, key, flags, &n, err);
	if (r <= 0)
		return r;
	*ret = (int64_t)n;
	return 0;
}

/* v (a value at where.key, or at where when key is NULL) as an unsigned
 * integer in [0, max], the marked big integers included */
static int value_unsigned(const json_t *v, const char *where, const char *key, uint64_t max,
			  uint64_t *ret, berth_error_t **err)
{
	if (is_big_u64(v)) {
		unsigned long long big =
			strtoull(json_string_value(v) + strlen(BJSON_U64_MARKER), NULL, 10);
		if (big > max)
			return field_error(err, ERANGE, where, key,
					   "%llu is out of range [0, %llu]", big,
					   (unsigned long long)max);
		*ret = big;
		return 0;
	}
	if (!json_is_integer(v))
		return type_error(err, where, key, "an integer", v);
	json_int_t n = json_integer_value(v);
	if (n < 0 || (unsigned long long)n > max)
		return field_error(err, ERANGE, where, key, "%lld is out of range [0, %llu]",
				   (long long)n, (unsigned long long)max);
	*ret = (uint64_t)n;
	return 0;
}

int bjson_value_uint64(const json_t *v, const char *path, uint64_t max, uint64_t *ret,
		       berth_error_t **err)
{
	return value_unsigned(v, path, NULL, max, ret, err);
}

/* Returns 1 with *ret set, 0 when absent, < 0 on error */
static int get_unsigned(const json_t *obj, const char *where, const char *key,
			enum bjson_flags flags, uint64_t max, uint64_t *ret, berth_error_t **err)
{
	json_t *v = NULL;
	int r = field_get(obj, where, key, flags, &v, err);
	if (r <= 0)
		return r;
	r = value_unsigned(v, where, key, max, ret, err);
	return r < 0 ? r : 1;
}

int bjson_get_uint64(const json_t *obj, const char *where, const char *key, enum bjson_flags flags,
		     uint64_t max, uint64_t *ret, berth_error_t **err)
{
	int r = get_unsigned(obj, where, key, flags, max, ret, err);
	return r < 0 ? r : 0;
}

int bjson_get_uint32(const json_t *obj, const char *where, const char *key, enum bjson_flags flags,
		     uint32_t *ret, berth_error_t **err)
{
	uint64_t n = 0;
	int r = get_unsigned(obj, where, key, flags, UINT32_MAX, &n, err);
	if (r <= 0)
		return r;
	*ret = (uint32_t)n;
	return 0;
}

int bjson_get_int_range(const json_t *obj, const char *where, const char *key,
			enum bjson_flags flags, int64_t min, int64_t max, int64_t *ret,
			berth_error_t **err)
{
	json_int_t n = 0;
	int r = get_integer(obj, where, key, flags, &n, err);
	if (r <= 0)
		return r;
	if ((int64_t)n < min || (int64_t)n > max)
		return field_error(err, ERANGE, where, key, "%lld is out of range [%lld, %lld]",
				   (long long)n, (long long)min, (long long)max);
	*ret = (int64_t)n;
	return 0;
}

int bjson_get_object(const json_t *obj, const char *where, const char *key, enum bjson_flags flags,
		     json_t **ret, berth_error_t **err)
{
	json_t *v = NULL;
	int r = field_get(obj, where, key, flags, &v, err);
	if (r <= 0)
		return r;
	if (!json_is_object(v))
		return type_error(err, where, key, "an object", v);
	*ret = v;
	return 0;
}

int bjson_get_array(const json_t *obj, const char *where, const char *key, enum bjson_flags flags,
		    json_t **ret, berth_error_t **err)
{
	json_t *v = NULL;
	int r = field_get(obj, where, key, flags, &v, err);
	if (r <= 0)
		return r;
	if (!json_is_array(v))
		return type_error(err, where, key, "an array", v);
	*ret = v;
	return 0;
}

int bjson_get_strv(const json_t *obj, const char *where, const char *key, enum bjson_flags flags,
		   char ***ret, size_t *ret_len, berth_error_t **err)
{
	json_t *arr = NULL;
	int r = bjson_get_array(obj, where, key, flags, &arr, err);
	if (r < 0 || arr == NULL)
		return r;
	size_t n = json_array_size(arr);
	cleanup_strv char **v = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		json_t *s = json_array_get(arr, i);
		if (!bjson_is_string(s)) {
			cleanup_free char *path = bjson_path_key(where, key);
			cleanup_free char *elem = bjson_path_index(path, i);
			return type_error(err, elem, NULL, "a string", s);
		}
		v[i] = xstrdup(json_string_value(s));
	}
	*ret = steal_pointer(&v);
	if (ret_len)
		*ret_len = n;
	return 0;
}

int bjson_check_known_keys(const json_t *obj, const char *where, const char *const *known,
			   berth_error_t **err)
{
	if (!json_is_object(obj))
		return type_error(err, where, NULL, "an object", obj);
	const char *k;
	json_t *v;
	/* jansson's iteration API wants a mutable object; we only read it */
	json_object_foreach((json_t *)obj, k, v)
	{
		bool found = false;
		for (const char *const *p = known; p && *p && !found; p++)
			found = strcmp(*p, k) == 0;
		if (!found)
			return field_error(err, EINVAL, where, NULL, "unknown field '%.*s'",
					   QUOTE_MAX, k);
	}
	return 0;
}

json_t *bjson_uint64(uint64_t v)
{
	if (v <= (uint64_t)INT64_MAX)
		return json_integer((json_int_t)v);
	char buf[64];
	snprintf(buf, sizeof(buf), BJSON_U64_MARKER "%llu", (unsigned long long)v);
	return json_string(buf);
}

/* Turn every "<marker><digits>" string of the dump back into a number */
static char *unmark_big_u64(char *s)
{
	static const char pat[] = "\"" BJSON_U64_MARKER;
	if (strstr(s, pat) == NULL)
		return s;
	struct strbuf out = STRBUF_INIT;
	const char *p = s, *hit;
	while ((hit = strstr(p, pat)) != NULL) {
		const char *d = hit + strlen(pat), *e = d;
		while (is_digit(*e))
			e++;
		if (*e != '"' || e == d) { /* not ours after all: copy it as is */
			strbuf_add(&out, p, (size_t)(d - p));
			p = d;
			continue;
		}
		strbuf_add(&out, p, (size_t)(hit - p));
		strbuf_add(&out, d, (size_t)(e - d));
		p = e + 1;
	}
	strbuf_addstr(&out, p);
	free(s);
	return strbuf_detach(&out, NULL);
}

char *bjson_dump(const json_t *v)
{
	if (v == NULL)
		return NULL;
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (s == NULL) {
		/* jansson fails only on allocation failure or on a value built
		 * with unchecked strings: both are bugs, not input errors */
		fprintf(stderr, "berth: cannot serialise JSON\n");
		abort();
	}
	return unmark_big_u64(s);
}
