/* runtime-config-util: the parsing helpers every section of config.json
 * uses: warnings for unknown fields, typed getters that copy, and arrays
 * and maps of objects with a length cap.  Invariant: on error nothing is
 * handed out and everything half-built is freed here. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "oci/config-internal.h"

#include "common/banned.h"

void oci_pctx_warn(struct oci_pctx *ctx, const char *fmt, ...)
{
	if (ctx == NULL || ctx->warnings == NULL)
		return;
	/* A config with thousands of unknown keys gets a bounded warning list */
	if (*ctx->n_warnings >= OCI_CONFIG_MAX_ITEMS)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	*ctx->warnings = xreallocarray(*ctx->warnings, *ctx->n_warnings + 2, sizeof(char *));
	(*ctx->warnings)[(*ctx->n_warnings)++] = msg;
	(*ctx->warnings)[*ctx->n_warnings] = NULL;
}

bool oci_strv_has(const char *const *list, const char *s)
{
	for (const char *const *p = list; *p; p++)
		if (strcmp(*p, s) == 0)
			return true;
	return false;
}

void oci_pctx_check_keys(struct oci_pctx *ctx, const json_t *obj, const char *where,
			 const char *const *known)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)obj, k, v)
	{
		if (oci_strv_has(known, k))
			continue;
		cleanup_free char *path = bjson_path_key(where, k);
		oci_pctx_warn(ctx, "unknown field '%.*s', ignoring", OCI_QUOTE_MAX, path);
	}
}

int oci_get_str(const json_t *obj, const char *where, const char *key, enum bjson_flags flags,
		char **ret, berth_error_t **err)
{
	const char *s = NULL;
	if (bjson_get_string(obj, where, key, flags, &s, err) < 0)
		return -1;
	if (s)
		*ret = xstrdup(s);
	return 0;
}

static int check_len(const json_t *obj, const char *where, const char *key, size_t n,
		     berth_error_t **err)
{
	if (n <= OCI_CONFIG_MAX_ITEMS)
		return 0;
	cleanup_free char *path = bjson_path_key(where, key);
	return berth_error_fail(err, E2BIG, "%s: %zu entries, more than the limit of %u", path, n,
				OCI_CONFIG_MAX_ITEMS);
}

/* Optional obj[key], an object (want_object) or an array, in *ret with its
 * size in *ret_n, at most OCI_CONFIG_MAX_ITEMS; *ret NULL when absent */
static int get_sized(const json_t *obj, const char *where, const char *key, bool want_object,
		     json_t **ret, size_t *ret_n, berth_error_t **err)
{
	json_t *c = NULL;
	int r = want_object ? bjson_get_object(obj, where, key, OCI_OPT, &c, err) :
			      bjson_get_array(obj, where, key, OCI_OPT, &c, err);
	if (r < 0)
		return -1;
	size_t n = c == NULL ? 0 : want_object ? json_object_size(c) : json_array_size(c);
	if (check_len(obj, where, key, n, err) < 0)
		return -1;
	*ret = c;
	*ret_n = n;
	return 0;
}

int oci_get_strv(const json_t *obj, const char *where, const char *key, enum bjson_flags flags,
		 char ***ret, size_t *ret_len, berth_error_t **err)
{
	json_t *arr = NULL;
	if (bjson_get_array(obj, where, key, flags, &arr, err) < 0)
		return -1;
	if (arr && check_len(obj, where, key, json_array_size(arr), err) < 0)
		return -1;
	return bjson_get_strv(obj, where, key, flags, ret, ret_len, err);
}

/* The narrow getters start from *ret: an absent field leaves it as it was */
int oci_get_int32(const json_t *obj, const char *where, const char *key, enum bjson_flags flags,
		  int32_t *ret, berth_error_t **err)
{
	int64_t v = *ret;
	if (bjson_get_int_range(obj, where, key, flags, INT32_MIN, INT32_MAX, &v, err) < 0)
		return -1;
	*ret = (int32_t)v;
	return 0;
}

int oci_get_u64(const json_t *obj, const char *where, const char *key, enum bjson_flags flags,
		uint64_t *ret, berth_error_t **err)
{
	return bjson_get_uint64(obj, where, key, flags, UINT64_MAX, ret, err);
}

int oci_get_u16(const json_t *obj, const char *where, const char *key, enum bjson_flags flags,
		uint16_t *ret, berth_error_t **err)
{
	uint64_t v = *ret;
	if (bjson_get_uint64(obj, where, key, flags, UINT16_MAX, &v, err) < 0)
		return -1;
	*ret = (uint16_t)v;
	return 0;
}

void oci_strv_free(char **v)
{
	cleanup_strvp(&v);
}

void oci_kv_free(struct oci_kv *kv, size_t n)
{
	for (size_t i = 0; kv && i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

void oci_array_free(void *arr, size_t n, size_t elsize, oci_release_fn release)
{
	for (size_t i = 0; arr && release && i < n; i++)
		release((char *)arr + i * elsize);
	free(arr);
}

/* Parse one value into element i of *arr; on error *arr keeps i elements */
static int parse_elem(struct oci_pctx *ctx, const json_t *v, const char *path, const char *key,
		      char *arr, size_t i, size_t elsize, oci_elem_fn fn, oci_release_fn release,
		      berth_error_t **err)
{
	void *out = arr + i * elsize;
	if (!json_is_object(v))
		return berth_error_fail(err, EINVAL, "%s: expected an object, got %s", path,
					bjson_type_name(v));
	if (fn(ctx, v, path, key, out, err) < 0) {
		if (release)
			release(out);
		return -1;
	}
	return 0;
}

int oci_get_objarray(struct oci_pctx *ctx, const json_t *obj, const char *where, const char *key,
		     size_t elsize, oci_elem_fn fn, oci_release_fn release, void **ret,
		     size_t *ret_n, berth_error_t **err)
{
	json_t *a;
	size_t n;
	if (get_sized(obj, where, key, false, &a, &n, err) < 0)
		return -1;
	if (a == NULL)
		return 0;
	cleanup_free char *apath = bjson_path_key(where, key);
	char *arr = n ? xcalloc(n, elsize) : NULL;
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *path = bjson_path_index(apath, i);
		if (parse_elem(ctx, json_array_get(a, i), path, NULL, arr, i, elsize, fn, release,
			       err) < 0) {
			oci_array_free(arr, i, elsize, release);
			return -1;
		}
	}
	*ret = arr;
	*ret_n = n;
	return 0;
}

int oci_get_map(struct oci_pctx *ctx, const json_t *obj, const char *where, const char *key,
		size_t elsize, oci_elem_fn fn, oci_release_fn release, void **ret, size_t *ret_n,
		berth_error_t **err)
{
	json_t *m;
	size_t n;
	if (get_sized(obj, where, key, true, &m, &n, err) < 0)
		return -1;
	if (m == NULL)
		return 0;
	cleanup_free char *mpath = bjson_path_key(where, key);
	char *arr = n ? xcalloc(n, elsize) : NULL;
	size_t i = 0;
	const char *k;
	json_t *v;
	json_object_foreach(m, k, v)
	{
		cleanup_free char *path = bjson_path_key(mpath, k);
		if (parse_elem(ctx, v, path, k, arr, i, elsize, fn, release, err) < 0) {
			oci_array_free(arr, i, elsize, release);
			return -1;
		}
		i++;
	}
	*ret = arr;
	*ret_n = n;
	return 0;
}

int oci_get_kv(struct oci_pctx *ctx, const json_t *obj, const char *where, const char *key,
	       struct oci_kv **ret, size_t *ret_n, berth_error_t **err)
{
	json_t *m;
	size_t n;
	if (get_sized(obj, where, key, true, &m, &n, err) < 0)
		return -1;
	if (m == NULL)
		return 0;
	if (n == 0) {
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	struct oci_kv *kv = xcalloc(n, sizeof(*kv));
	size_t i = 0;
	const char *k;
	json_t *v;
	json_object_foreach(m, k, v)
	{
		if (!bjson_is_string(v)) {
			cleanup_free char *mpath = bjson_path_key(where, key);
			cleanup_free char *path = bjson_path_key(mpath, k);
			oci_kv_free(kv, i);
			return berth_error_fail(err, EINVAL, "%s: expected a string, got %s", path,
						bjson_type_name(v));
		}
		kv[i].key = xstrdup(k);
		kv[i].value = xstrdup(json_string_value(v));
		i++;
	}
	*ret = kv;
	*ret_n = n;
	return 0;
}

int oci_id_mapping_parse(struct oci_pctx *ctx, const json_t *v, const char *path, const char *key,
			 void *out, berth_error_t **err)
{
	static const char *const known[] = { "containerID", "hostID", "size", NULL };
	struct oci_id_mapping *m = out;
	oci_pctx_check_keys(ctx, v, path, known);
	if (bjson_get_uint32(v, path, "containerID", OCI_REQ, &m->container_id, err) < 0 ||
	    bjson_get_uint32(v, path, "hostID", OCI_REQ, &m->host_id, err) < 0 ||
	    bjson_get_uint32(v, path, "size", OCI_REQ, &m->size, err) < 0)
		return -1;
	return 0;
}
