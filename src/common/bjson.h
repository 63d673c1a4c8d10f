/* bjson: berth's JSON helpers over jansson.  Every getter names the field
 * path in its error ("process.user.uid: expected an integer, got a string")
 * so that a user can find the mistake in a config.json or request body.
 * Loading is capped in size and nesting depth (STYLE.md: every buffer fed
 * from outside has a cap). */
#ifndef BERTH_COMMON_BJSON_H
#define BERTH_COMMON_BJSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define BJSON_DEFAULT_MAX_SIZE (16u << 20) /* 16 MiB */
#define BJSON_DEFAULT_MAX_DEPTH 64

enum bjson_flags {
	BJSON_REQUIRED = 1 << 0,   /* a missing (or null) field is an error */
	BJSON_ALLOW_NULL = 1 << 1, /* an explicit null reads as absent even when required */
};

/* Parse len bytes of buf as one JSON value.  Refuses more than max_size
 * bytes (0: BJSON_DEFAULT_MAX_SIZE), nesting deeper than max_depth
 * (0: BJSON_DEFAULT_MAX_DEPTH), duplicate object keys, and trailing
 * garbage.  `what` names the document in errors ("config.json").
 * Errors say line and column.  *ret is a new reference. */
int bjson_load(const char *buf, size_t len, const char *what, size_t max_size, size_t max_depth,
	       json_t **ret, berth_error_t **err);
/* Same, reading a file (at most max_size bytes) */
int bjson_load_file(const char *path, size_t max_size, size_t max_depth, json_t **ret,
		    berth_error_t **err);

/* Child path: "where.key" (or "key" when where is NULL or ""); caller frees */
char *bjson_path_key(const char *where, const char *key);
/* Child path: "where[i]"; caller frees */
char *bjson_path_index(const char *where, size_t i);

/* Name of a JSON type for messages: "an object", "a string", ... */
const char *bjson_type_name(const json_t *v);

/* Typed getters on obj[key].  `where` is obj's own path (NULL or "" for
 * the root).  When the field is absent and not required they return 0 and
 * leave *ret untouched, so callers set defaults first.  Returned pointers
 * are borrowed from obj.  A non-object obj is an error naming `where`. */
int bjson_get_string(const json_t *obj, const char *where, const char *key, enum bjson_flags flags,
		     const char **ret, berth_error_t **err);
int bjson_get_bool(const json_t *obj, const char *where, const char *key, enum bjson_flags flags,
		   bool *ret, berth_error_t **err);
int bjson_get_int64(const json_t *obj, const char *where, const char *key, enum bjson_flags flags,
		    int64_t *ret, berth_error_t **err);
/* Refuses negative values and values above max */
int bjson_get_uint64(const json_t *obj, const char *where, const char *key, enum bjson_flags flags,
		     uint64_t max, uint64_t *ret, berth_error_t **err);
int bjson_get_uint32(const json_t *obj, const char *where, const char *key, enum bjson_flags flags,
		     uint32_t *ret, berth_error_t **err);
/* Refuses values outside [min, max] */
int bjson_get_int_range(const json_t *obj, const char *where, const char *key,
			enum bjson_flags flags, int64_t min, int64_t max, int64_t *ret,
			berth_error_t **err);
int bjson_get_object(const json_t *obj, const char *where, const char *key, enum bjson_flags flags,
		     json_t **ret, berth_error_t **err);
int bjson_get_array(const json_t *obj, const char *where, const char *key, enum bjson_flags flags,
		    json_t **ret, berth_error_t **err);
/* An array of strings as a new NULL-terminated vector (caller frees each
 * and the vector; free with cleanup_strv).  Non-strings are errors naming
 * "where.key[i]". */
int bjson_get_strv(const json_t *obj, const char *where, const char *key, enum bjson_flags flags,
		   char ***ret, size_t *ret_len, berth_error_t **err);

/* A value already in hand (an array element) as an unsigned integer in
 * [0, max], big integers included; errors name path ("a.gids[2]: ...") */
int bjson_value_uint64(const json_t *v, const char *path, uint64_t max, uint64_t *ret,
		       berth_error_t **err);

/* Refuse keys of obj that are not in known (NULL-terminated), naming the
 * first one found: "where: unknown field 'foo'" */
int bjson_check_known_keys(const json_t *obj, const char *where, const char *const *known,
			   berth_error_t **err);

/* Integers above INT64_MAX (up to UINT64_MAX) do not fit jansson; bjson_load
 * turns them into strings starting with this marker (U+FDD0, a Unicode
 * noncharacter), bjson_get_uint64 reads them, bjson_uint64 makes them and
 * bjson_dump prints them as bare numbers again. */
#define BJSON_U64_MARKER "\xef\xb7\x90u64:"
/* True for a JSON string that is not a marked big integer: use it instead
 * of json_is_string on anything bjson_load produced */
bool bjson_is_string(const json_t *v);
/* A JSON value for v: an integer, or a marked string above INT64_MAX */
json_t *bjson_uint64(uint64_t v);

/* Serialise compactly (JSON_COMPACT, keys in insertion order); caller frees */
char *bjson_dump(const json_t *v);

#endif
