/* config-internal: what the files of src/oci share and nobody else sees:
 * the parse context that collects warnings, helpers that parse arrays and
 * maps of objects with a cap on their length, the name tables validation
 * checks against, and the JSON writers and raw-bytes helpers the runtime
 * and image documents both use.  Every helper names the JSON path of the
 * value in its errors. */
#ifndef BERTH_OCI_CONFIG_INTERNAL_H
#define BERTH_OCI_CONFIG_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/bjson.h"
#include "common/error.h"
#include "oci/runtime-config.h"

/* Longest user value quoted in a message */
#define OCI_QUOTE_MAX 80

/* Optional fields read an explicit null as absent, as Go's encoding/json
 * (which writes most configs) does; required fields refuse it. */
#define OCI_OPT BJSON_ALLOW_NULL
#define OCI_REQ BJSON_REQUIRED

/* obj[key] is there and not null */
static inline bool oci_has(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	return v != NULL && !json_is_null(v);
}

/* Where parse warnings go; a NULL warnings pointer discards them */
struct oci_pctx {
	char ***warnings;
	size_t *n_warnings;
};

void oci_pctx_warn(struct oci_pctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Whether the NULL-terminated list holds s */
bool oci_strv_has(const char *const *list, const char *s);
/* Warn "unknown field 'where.key', ignoring" for each key of obj not in
 * known (NULL-terminated).  obj must be an object. */
void oci_pctx_check_keys(struct oci_pctx *ctx, const json_t *obj, const char *where,
			 const char *const *known);

/* obj[key] as a new string in *ret (untouched when absent) */
int oci_get_str(const json_t *obj, const char *where, const char *key, enum bjson_flags flags,
		char **ret, berth_error_t **err);
/* obj[key] as a new NULL-terminated string vector, at most OCI_CONFIG_MAX_ITEMS */
int oci_get_strv(const json_t *obj, const char *where, const char *key, enum bjson_flags flags,
		 char ***ret, size_t *ret_len, berth_error_t **err);
int oci_get_int32(const json_t *obj, const char *where, const char *key, enum bjson_flags flags,
		  int32_t *ret, berth_error_t **err);
/* uint64 fields up to UINT64_MAX (bjson carries values above INT64_MAX) */
int oci_get_u64(const json_t *obj, const char *where, const char *key, enum bjson_flags flags,
		uint64_t *ret, berth_error_t **err);
int oci_get_u16(const json_t *obj, const char *where, const char *key, enum bjson_flags flags,
		uint16_t *ret, berth_error_t **err);

/* Parse one element of an array or one value of a map into out (zeroed) */
typedef int (*oci_elem_fn)(struct oci_pctx *ctx, const json_t *v, const char *path, const char *key,
			   void *out, berth_error_t **err);
typedef void (*oci_release_fn)(void *elem);

/* obj[key] as an array of objects: each parsed by fn into an element of
 * elsize bytes; *ret and *ret_n set on success only */
int oci_get_objarray(struct oci_pctx *ctx, const json_t *obj, const char *where, const char *key,
		     size_t elsize, oci_elem_fn fn, oci_release_fn release, void **ret,
		     size_t *ret_n, berth_error_t **err);
/* obj[key] as an object whose values are each parsed by fn (key passed) */
int oci_get_map(struct oci_pctx *ctx, const json_t *obj, const char *where, const char *key,
		size_t elsize, oci_elem_fn fn, oci_release_fn release, void **ret, size_t *ret_n,
		berth_error_t **err);
/* obj[key] as a string -> string map */
int oci_get_kv(struct oci_pctx *ctx, const json_t *obj, const char *where, const char *key,
	       struct oci_kv **ret, size_t *ret_n, berth_error_t **err);

void oci_strv_free(char **v);
void oci_kv_free(struct oci_kv *kv, size_t n);
void oci_array_free(void *arr, size_t n, size_t elsize, oci_release_fn release);

/* ID mappings, shared by linux.*Mappings and mounts[].*Mappings */
int oci_id_mapping_parse(struct oci_pctx *ctx, const json_t *v, const char *path, const char *key,
			 void *out, berth_error_t **err);

/* Sections of the config, each in its own file */
int oci_process_parse(struct oci_pctx *ctx, const json_t *obj, const char *where,
		      struct oci_process *p, berth_error_t **err);
int oci_linux_parse(struct oci_pctx *ctx, const json_t *obj, const char *where, struct oci_linux *l,
		    berth_error_t **err);
void oci_linux_release(struct oci_linux *l);
int oci_resources_parse(struct oci_pctx *ctx, const json_t *obj, const char *where,
			struct oci_resources *ret, berth_error_t **err);

/* Validation by section; where is the section's path ("process") */
int oci_process_validate(const struct oci_process *p, const char *where, berth_error_t **err);
int oci_linux_validate(const struct oci_config *c, berth_error_t **err);
int oci_resources_validate(const struct oci_resources *r, const char *where, berth_error_t **err);

/* Name tables (names.c).  Each returns -1 for an unknown name. */
int oci_sched_policy_from_name(const char *name);
int oci_sched_flag_from_name(const char *name); /* the flag's bit */
int oci_ioprio_class_from_name(const char *name);
bool oci_seccomp_action_known(const char *name);
bool oci_seccomp_op_known(const char *name);
bool oci_seccomp_arch_known(const char *name);
bool oci_seccomp_flag_known(const char *name);
bool oci_propagation_known(const char *name);
bool oci_mempolicy_mode_known(const char *name);
bool oci_mempolicy_flag_known(const char *name);
bool oci_time_clock_known(const char *name);
bool oci_personality_domain_known(const char *name);
/* Capability names to a mask; unknown names are left out of it */
uint64_t oci_cap_mask(char *const *names, size_t n);

/* Serialisation helpers (runtime-config-json.c) */
json_t *oci_strv_to_json(char *const *v, size_t n);
json_t *oci_kv_to_json(const struct oci_kv *kv, size_t n);
json_t *oci_id_mappings_to_json(const struct oci_id_mapping *m, size_t n);
json_t *oci_linux_to_json(const struct oci_linux *l);

/* A document's exact bytes (image-manifest.c): set copies buf and digests
 * it; seal serialises j (taking ownership) and sets that; release frees */
struct oci_raw;
void oci_raw_set(struct oci_raw *r, const char *buf, size_t len);
void oci_raw_seal(struct oci_raw *r, json_t *j);
void oci_raw_release(struct oci_raw *r);

#endif
