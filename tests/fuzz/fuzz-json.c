/* fuzz-json: libFuzzer target for bjson.  Feeds arbitrary bytes to
 * bjson_load (small caps so that the size and depth checks are hit), then
 * runs every getter over the result and round-trips it through bjson_dump.
 * Invariant: no input may crash, leak or trip a sanitizer; errors are fine. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/bjson.h"
#include "common/cleanup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every getter on obj[key]; errors are expected and only freed */
static void exercise_key(const json_t *obj, const char *where, const char *key)
{
	static const enum bjson_flags flags[] = { 0, BJSON_REQUIRED, BJSON_ALLOW_NULL,
						  BJSON_REQUIRED | BJSON_ALLOW_NULL };
	for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
		cleanup_error berth_error_t *err = NULL;
		const char *s = NULL;
		bool b = false;
		int64_t i64 = 0;
		uint64_t u64 = 0;
		uint32_t u32 = 0;
		json_t *o = NULL;
		bjson_get_string(obj, where, key, flags[f], &s, &err);
		if (s && strlen(s) > (1u << 20))
			abort(); /* cannot happen under the size cap */
		bjson_get_bool(obj, where, key, flags[f], &b, &err);
		bjson_get_int64(obj, where, key, flags[f], &i64, &err);
		bjson_get_uint64(obj, where, key, flags[f], 1000, &u64, &err);
		bjson_get_uint32(obj, where, key, flags[f], &u32, &err);
		bjson_get_int_range(obj, where, key, flags[f], -5, 5, &i64, &err);
		bjson_get_object(obj, where, key, flags[f], &o, &err);
		bjson_get_array(obj, where, key, flags[f], &o, &err);
		cleanup_strv char **v = NULL;
		size_t n = 0;
		if (bjson_get_strv(obj, where, key, flags[f], &v, &n, &err) == 0 && v &&
		    v[n] != NULL)
			abort(); /* the vector must be NULL-terminated at n */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cleanup_json json_t *j = NULL;
	cleanup_error berth_error_t *err = NULL;
	if (bjson_load((const char *)data, size, "fuzz", 1u << 16, 16, &j, &err) < 0)
		return 0;

	static const char *const keys[] = { "a", "b", "process", "args", "" };
	static const char *const known[] = { "a", "b", NULL };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		exercise_key(j, NULL, keys[i]);
		json_t *child = json_is_object(j) ? json_object_get(j, keys[i]) : NULL;
		cleanup_free char *path = bjson_path_key(NULL, keys[i]);
		if (child)
			exercise_key(child, path, "a");
	}
	bjson_check_known_keys(j, NULL, known, &err);
	(void)bjson_type_name(j);

	/* What we dump must load again to an equal value */
	cleanup_free char *s = bjson_dump(j);
	cleanup_json json_t *again = NULL;
	if (bjson_load(s, strlen(s), "fuzz dump", 0, 64, &again, &err) < 0 || !json_equal(j, again))
		abort();
	return 0;
}
