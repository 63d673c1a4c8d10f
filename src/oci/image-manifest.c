/* image-manifest: media types, descriptors, the image index (and Docker
 * manifest list) and the image manifest (OCI and Docker schema2): parse
 * with field-path errors, validate, serialise.  Invariant: a parsed
 * document keeps its exact bytes and their digest in `raw`; nothing here
 * re-serialises a parsed document to name it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "oci/config-internal.h"
#include "oci/image.h"

#include "common/banned.h"

/* ---- media types -------------------------------------------------------- */

/* Length of mt without parameters (";charset=...") and trailing blanks */
static size_t mt_base_len(const char *mt)
{
	size_t n = strcspn(mt, ";");
	while (n > 0 && (mt[n - 1] == ' ' || mt[n - 1] == '\t'))
		n--;
	return n;
}

static bool mt_is(const char *mt, const char *known)
{
	size_t n = mt_base_len(mt);
	return n == strlen(known) && strncasecmp(mt, known, n) == 0;
}

struct layer_type {
	const char *mt;
	enum oci_compression compression;
	bool nondistributable;
	bool docker;
};

static const struct layer_type layer_types[] = {
	{ OCI_MT_LAYER, OCI_COMPRESSION_NONE, false, false },
	{ OCI_MT_LAYER_GZIP, OCI_COMPRESSION_GZIP, false, false },
	{ OCI_MT_LAYER_ZSTD, OCI_COMPRESSION_ZSTD, false, false },
	{ OCI_MT_LAYER_ND, OCI_COMPRESSION_NONE, true, false },
	{ OCI_MT_LAYER_ND_GZIP, OCI_COMPRESSION_GZIP, true, false },
	{ OCI_MT_LAYER_ND_ZSTD, OCI_COMPRESSION_ZSTD, true, false },
	{ DOCKER_MT_LAYER, OCI_COMPRESSION_GZIP, false, true },
	{ DOCKER_MT_LAYER_FOREIGN, OCI_COMPRESSION_GZIP, true, true },
	{ DOCKER_MT_LAYER_TAR, OCI_COMPRESSION_NONE, false, true },
};

static const struct layer_type *layer_type_find(const char *mt)
{
	for (size_t i = 0; mt && i < sizeof(layer_types) / sizeof(layer_types[0]); i++)
		if (mt_is(mt, layer_types[i].mt))
			return &layer_types[i];
	return NULL;
}

enum oci_media_kind oci_media_type_kind(const char *mt)
{
	if (mt == NULL)
		return OCI_MEDIA_UNKNOWN;
	if (mt_is(mt, OCI_MT_INDEX) || mt_is(mt, DOCKER_MT_MANIFEST_LIST))
		return OCI_MEDIA_INDEX;
	if (mt_is(mt, OCI_MT_MANIFEST) || mt_is(mt, DOCKER_MT_MANIFEST))
		return OCI_MEDIA_MANIFEST;
	if (mt_is(mt, OCI_MT_CONFIG) || mt_is(mt, DOCKER_MT_CONFIG))
		return OCI_MEDIA_CONFIG;
	if (layer_type_find(mt))
		return OCI_MEDIA_LAYER;
	return OCI_MEDIA_UNKNOWN;
}

bool oci_media_type_layer_info(const char *mt, enum oci_compression *ret_compression,
			       bool *ret_nondistributable)
{
	const struct layer_type *t = layer_type_find(mt);
	if (t == NULL)
		return false;
	if (ret_compression)
		*ret_compression = t->compression;
	if (ret_nondistributable)
		*ret_nondistributable = t->nondistributable;
	return true;
}

bool oci_media_type_is_docker(const char *mt)
{
	if (mt == NULL)
		return false;
	const struct layer_type *t = layer_type_find(mt);
	if (t)
		return t->docker;
	return mt_is(mt, DOCKER_MT_MANIFEST_LIST) || mt_is(mt, DOCKER_MT_MANIFEST) ||
	       mt_is(mt, DOCKER_MT_CONFIG);
}

/* HTTP servers that know nothing better say these; they declare nothing */
static bool mt_is_generic(const char *mt)
{
	return mt_is(mt, "application/json") || mt_is(mt, "application/octet-stream") ||
	       mt_is(mt, "text/plain") || mt_base_len(mt) == 0;
}

static bool mt_is_schema1(const char *mt)
{
	return mt_is(mt, DOCKER_MT_MANIFEST_V1) || mt_is(mt, DOCKER_MT_MANIFEST_V1_SIGNED);
}

/* ---- small helpers ------------------------------------------------------- */

static struct oci_kv *kv_copy(const struct oci_kv *kv, size_t n)
{
	if (kv == NULL || n == 0)
		return NULL;
	struct oci_kv *c = xcalloc(n, sizeof(*c));
	for (size_t i = 0; i < n; i++) {
		c[i].key = xstrdup(kv[i].key);
		c[i].value = xstrdup(kv[i].value);
	}
	return c;
}

static char **strv_copy(char *const *v, size_t n)
{
	if (v == NULL)
		return NULL;
	char **c = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		c[i] = xstrdup(v[i]);
	return c;
}

void oci_raw_release(struct oci_raw *r)
{
	free(r->raw);
	*r = (struct oci_raw){ 0 };
}

void oci_raw_set(struct oci_raw *r, const char *buf, size_t len)
{
	oci_raw_release(r);
	r->raw = xmalloc(len + 1);
	memcpy(r->raw, buf, len);
	r->raw[len] = '\0';
	r->raw_len = len;
	digest_buffer(buf, len, &r->digest);
}

void oci_raw_seal(struct oci_raw *r, json_t *j)
{
	cleanup_free char *text = bjson_dump(j);
	json_decref(j);
	oci_raw_set(r, text, strlen(text));
}

/* Load a manifest-sized document whose root must be an object */
static int load_object(const char *buf, size_t len, const char *what, json_t **ret,
		       berth_error_t **err)
{
	if (len > OCI_IMAGE_MANIFEST_MAX_SIZE)
		return berth_error_fail(err, E2BIG, "%s: %zu bytes, more than the limit of %u",
					what, len, OCI_IMAGE_MANIFEST_MAX_SIZE);
	cleanup_json json_t *root = NULL;
	if (bjson_load(buf, len, what, OCI_IMAGE_MANIFEST_MAX_SIZE, OCI_IMAGE_MAX_DEPTH, &root,
		       err) < 0)
		return -1;
	if (!json_is_object(root))
		return berth_error_fail(err, EINVAL, "%s: expected an object, got %s", what,
					bjson_type_name(root));
	*ret = steal_pointer(&root);
	return 0;
}

/* ---- descriptors --------------------------------------------------------- */

void oci_descriptor_release(struct oci_descriptor *d)
{
	if (d == NULL)
		return;
	free(d->media_type);
	oci_strv_free(d->urls);
	oci_kv_free(d->annotations, d->n_annotations);
	oci_platform_release(&d->platform);
	free(d->artifact_type);
	free(d->data);
	*d = (struct oci_descriptor){ 0 };
}

static void descriptor_release_void(void *d)
{
	oci_descriptor_release(d);
}

int oci_descriptor_from_json(const json_t *obj, const char *where, struct oci_descriptor *ret,
			     berth_error_t **err)
{
	struct oci_descriptor d = { 0 };
	const char *digest = NULL;
	json_t *platform = NULL;
	if (!json_is_object(obj))
		return berth_error_fail(err, EINVAL, "%s: expected an object, got %s",
					where && *where ? where : "descriptor",
					bjson_type_name(obj));
	if (oci_get_str(obj, where, "mediaType", OCI_REQ, &d.media_type, err) < 0 ||
	    bjson_get_string(obj, where, "digest", OCI_REQ, &digest, err) < 0)
		goto fail;
	if (digest_parse(digest, &d.digest, err) < 0) {
		cleanup_free char *path = bjson_path_key(where, "digest");
		berth_error_wrap(err, "%s", path);
		goto fail;
	}
	if (bjson_get_int_range(obj, where, "size", OCI_REQ, 0, INT64_MAX, &d.size, err) < 0 ||
	    oci_get_strv(obj, where, "urls", OCI_OPT, &d.urls, &d.n_urls, err) < 0 ||
	    oci_get_kv(NULL, obj, where, "annotations", &d.annotations, &d.n_annotations, err) <
		    0 ||
	    oci_get_str(obj, where, "artifactType", OCI_OPT, &d.artifact_type, err) < 0 ||
	    oci_get_str(obj, where, "data", OCI_OPT, &d.data, err) < 0 ||
	    bjson_get_object(obj, where, "platform", OCI_OPT, &platform, err) < 0)
		goto fail;
	if (platform) {
		cleanup_free char *path = bjson_path_key(where, "platform");
		if (oci_platform_from_json(platform, path, &d.platform, err) < 0)
			goto fail;
		d.has_platform = true;
	}
	*ret = d;
	return 0;
fail:
	oci_descriptor_release(&d);
	return -1;
}

json_t *oci_descriptor_to_json(const struct oci_descriptor *d)
{
	char dg[DIGEST_STR_SIZE];
	digest_format(&d->digest, dg);
	json_t *o = json_object();
	json_object_set_new(o, "mediaType", json_string(d->media_type ? d->media_type : ""));
	json_object_set_new(o, "digest", json_string(dg));
	json_object_set_new(o, "size", json_integer(d->size));
	if (d->urls)
		json_object_set_new(o, "urls", oci_strv_to_json(d->urls, d->n_urls));
	if (d->n_annotations)
		json_object_set_new(o, "annotations",
				    oci_kv_to_json(d->annotations, d->n_annotations));
	if (d->data)
		json_object_set_new(o, "data", json_string(d->data));
	if (d->has_platform)
		json_object_set_new(o, "platform", oci_platform_to_json(&d->platform));
	if (d->artifact_type)
		json_object_set_new(o, "artifactType", json_string(d->artifact_type));
	return o;
}

void oci_descriptor_copy(struct oci_descriptor *dst, const struct oci_descriptor *src)
{
	*dst = (struct oci_descriptor){
		.media_type = xstrdup(src->media_type),
		.digest = src->digest,
		.size = src->size,
		.urls = strv_copy(src->urls, src->n_urls),
		.n_urls = src->n_urls,
		.annotations = kv_copy(src->annotations, src->n_annotations),
		.n_annotations = src->annotations ? src->n_annotations : 0,
		.has_platform = src->has_platform,
		.artifact_type = xstrdup(src->artifact_type),
		.data = xstrdup(src->data),
	};
	if (src->has_platform)
		oci_platform_copy(&dst->platform, &src->platform);
}

const char *oci_descriptor_annotation(const struct oci_descriptor *d, const char *key)
{
	for (size_t i = 0; i < d->n_annotations; i++)
		if (strcmp(d->annotations[i].key, key) == 0)
			return d->annotations[i].value;
	return NULL;
}

static int descriptor_elem(struct oci_pctx *ctx, const json_t *v, const char *path, const char *key,
			   void *out, berth_error_t **err)
{
	(void)ctx;
	(void)key;
	return oci_descriptor_from_json(v, path, out, err);
}

/* obj[key] as an array of at most max descriptors */
static int get_descriptors(const json_t *obj, const char *key, enum bjson_flags flags, size_t max,
			   struct oci_descriptor **ret, size_t *ret_n, berth_error_t **err)
{
	json_t *a = NULL;
	if (bjson_get_array(obj, NULL, key, flags, &a, err) < 0)
		return -1;
	if (a == NULL)
		return 0;
	if (json_array_size(a) > max)
		return berth_error_fail(err, E2BIG, "%s: %zu entries, more than the limit of %zu",
					key, json_array_size(a), max);
	void *arr = NULL;
	size_t n = 0;
	if (oci_get_objarray(NULL, obj, NULL, key, sizeof(struct oci_descriptor), descriptor_elem,
			     descriptor_release_void, &arr, &n, err) < 0)
		return -1;
	*ret = arr;
	*ret_n = n;
	return 0;
}

static int get_subject(const json_t *obj, bool *has, struct oci_descriptor *ret,
		       berth_error_t **err)
{
	json_t *s = NULL;
	if (bjson_get_object(obj, NULL, "subject", OCI_OPT, &s, err) < 0)
		return -1;
	if (s == NULL)
		return 0;
	if (oci_descriptor_from_json(s, "subject", ret, err) < 0)
		return -1;
	*has = true;
	return 0;
}

static int check_schema_version(const json_t *root, int *ret, berth_error_t **err)
{
	int64_t v = 0;
	if (bjson_get_int64(root, NULL, "schemaVersion", OCI_REQ, &v, err) < 0)
		return -1;
	if (v != 2)
		return berth_error_fail(err, EINVAL,
					"schemaVersion: unsupported schema version %lld (want 2)",
					(long long)v);
	*ret = 2;
	return 0;
}

/* The document's mediaType against the declared one.  want is the kind the
 * parser reads; declared may be NULL or generic. */
static int check_media_type(const char *written, const char *declared, enum oci_media_kind want,
			    const char *what, berth_error_t **err)
{
	if (declared && mt_is_generic(declared))
		declared = NULL;
	if (declared) {
		if (mt_is_schema1(declared))
			return berth_error_fail(
				err, ENOTSUP,
				"Docker schema1 manifests ('%.*s') are not supported; push the image again with a current client",
				OCI_QUOTE_MAX, declared);
		if (oci_media_type_kind(declared) != want)
			return berth_error_fail(err, EINVAL,
						"declared media type '%.*s' is not an %s type",
						OCI_QUOTE_MAX, declared, what);
	}
	if (written) {
		if (oci_media_type_kind(written) != want)
			return berth_error_fail(err, EINVAL,
						"mediaType: '%.*s' is not an %s media type",
						OCI_QUOTE_MAX, written, what);
		if (declared && !mt_is(written, declared))
			return berth_error_fail(
				err, EINVAL,
				"mediaType: '%.*s' disagrees with the declared media type '%.*s'",
				OCI_QUOTE_MAX, written, OCI_QUOTE_MAX, declared);
	}
	return 0;
}

/* ---- detection ----------------------------------------------------------- */

int oci_image_detect(const char *buf, size_t len, const char *declared_mt, enum oci_media_kind *ret,
		     berth_error_t **err)
{
	if (declared_mt && mt_is_schema1(declared_mt))
		return check_media_type(NULL, declared_mt, OCI_MEDIA_MANIFEST, "manifest", err);
	enum oci_media_kind k = oci_media_type_kind(declared_mt);
	if (k == OCI_MEDIA_INDEX || k == OCI_MEDIA_MANIFEST) {
		*ret = k;
		return 0;
	}
	cleanup_json json_t *root = NULL;
	if (load_object(buf, len, "manifest", &root, err) < 0)
		return -1;
	const char *mt = NULL;
	if (bjson_get_string(root, NULL, "mediaType", OCI_OPT, &mt, err) < 0)
		return -1;
	if (mt) {
		k = oci_media_type_kind(mt);
		if (k == OCI_MEDIA_INDEX || k == OCI_MEDIA_MANIFEST) {
			*ret = k;
			return 0;
		}
		if (mt_is_schema1(mt))
			return check_media_type(NULL, mt, OCI_MEDIA_MANIFEST, "manifest", err);
		return berth_error_fail(err, EINVAL,
					"mediaType: '%.*s' is neither an index nor a manifest",
					OCI_QUOTE_MAX, mt);
	}
	int64_t v = 0;
	if (bjson_get_int64(root, NULL, "schemaVersion", OCI_OPT, &v, err) < 0)
		return -1;
	if (v == 1)
		return berth_error_fail(err, ENOTSUP, "Docker schema1 manifests are not supported");
	bool has_manifests = json_object_get(root, "manifests") != NULL;
	bool has_image = json_object_get(root, "config") != NULL ||
			 json_object_get(root, "layers") != NULL;
	if (has_manifests && !has_image) {
		*ret = OCI_MEDIA_INDEX;
		return 0;
	}
	if (has_image && !has_manifests) {
		*ret = OCI_MEDIA_MANIFEST;
		return 0;
	}
	return berth_error_fail(err, EINVAL,
				"cannot tell an index from a manifest: no mediaType and %s",
				has_image ? "both 'manifests' and 'config'" :
					    "neither 'manifests' nor 'config'");
}

/* ---- index ---------------------------------------------------------------- */

void oci_image_index_free(struct oci_image_index *idx)
{
	if (idx == NULL)
		return;
	free(idx->media_type);
	free(idx->artifact_type);
	oci_array_free(idx->manifests, idx->n_manifests, sizeof(struct oci_descriptor),
		       descriptor_release_void);
	oci_descriptor_release(&idx->subject);
	oci_kv_free(idx->annotations, idx->n_annotations);
	oci_raw_release(&idx->raw);
	free(idx);
}

int oci_image_index_validate(const struct oci_image_index *idx, enum oci_image_parse_flags flags,
			     berth_error_t **err)
{
	if (idx->schema_version != 2)
		return berth_error_fail(err, EINVAL,
					"schemaVersion: unsupported schema version %d (want 2)",
					idx->schema_version);
	if (idx->media_type && oci_media_type_kind(idx->media_type) != OCI_MEDIA_INDEX)
		return berth_error_fail(err, EINVAL, "mediaType: '%.*s' is not an index media type",
					OCI_QUOTE_MAX, idx->media_type);
	if (idx->n_manifests > OCI_IMAGE_MAX_ENTRIES)
		return berth_error_fail(err, E2BIG,
					"manifests: %zu entries, more than the limit of %u",
					idx->n_manifests, OCI_IMAGE_MAX_ENTRIES);
	for (size_t i = 0; i < idx->n_manifests; i++) {
		const struct oci_descriptor *d = &idx->manifests[i];
		enum oci_media_kind k = oci_media_type_kind(d->media_type);
		if (d->size < 0)
			return berth_error_fail(err, EINVAL, "manifests[%zu].size: negative", i);
		if (k != OCI_MEDIA_INDEX && k != OCI_MEDIA_MANIFEST &&
		    !(flags & OCI_IMAGE_ALLOW_UNKNOWN_TYPES))
			return berth_error_fail(
				err, EINVAL,
				"manifests[%zu].mediaType: unknown manifest media type '%.*s'", i,
				OCI_QUOTE_MAX, d->media_type ? d->media_type : "");
		if (d->has_platform && (d->platform.os == NULL || d->platform.architecture == NULL))
			return berth_error_fail(
				err, EINVAL,
				"manifests[%zu].platform: os and architecture are required", i);
	}
	return 0;
}

int oci_image_index_parse(const char *buf, size_t len, const char *declared_mt,
			  enum oci_image_parse_flags flags, struct oci_image_index **ret,
			  berth_error_t **err)
{
	cleanup_json json_t *root = NULL;
	if (load_object(buf, len, "index", &root, err) < 0)
		return -1;
	cleanup_oci_index struct oci_image_index *idx = xzalloc(sizeof(*idx));
	if (check_schema_version(root, &idx->schema_version, err) < 0 ||
	    oci_get_str(root, NULL, "mediaType", OCI_OPT, &idx->media_type, err) < 0 ||
	    check_media_type(idx->media_type, declared_mt, OCI_MEDIA_INDEX, "index", err) < 0 ||
	    oci_get_str(root, NULL, "artifactType", OCI_OPT, &idx->artifact_type, err) < 0 ||
	    get_descriptors(root, "manifests", OCI_REQ, OCI_IMAGE_MAX_ENTRIES, &idx->manifests,
			    &idx->n_manifests, err) < 0 ||
	    get_subject(root, &idx->has_subject, &idx->subject, err) < 0 ||
	    oci_get_kv(NULL, root, NULL, "annotations", &idx->annotations, &idx->n_annotations,
		       err) < 0 ||
	    oci_image_index_validate(idx, flags, err) < 0)
		return -1;
	oci_raw_set(&idx->raw, buf, len);
	*ret = steal_pointer(&idx);
	return 0;
}

json_t *oci_image_index_to_json(const struct oci_image_index *idx)
{
	json_t *o = json_object();
	json_object_set_new(o, "schemaVersion", json_integer(idx->schema_version));
	if (idx->media_type)
		json_object_set_new(o, "mediaType", json_string(idx->media_type));
	if (idx->artifact_type)
		json_object_set_new(o, "artifactType", json_string(idx->artifact_type));
	json_t *a = json_array();
	for (size_t i = 0; i < idx->n_manifests; i++)
		json_array_append_new(a, oci_descriptor_to_json(&idx->manifests[i]));
	json_object_set_new(o, "manifests", a);
	if (idx->has_subject)
		json_object_set_new(o, "subject", oci_descriptor_to_json(&idx->subject));
	if (idx->n_annotations)
		json_object_set_new(o, "annotations",
				    oci_kv_to_json(idx->annotations, idx->n_annotations));
	return o;
}

void oci_image_index_seal(struct oci_image_index *idx)
{
	oci_raw_seal(&idx->raw, oci_image_index_to_json(idx));
}

/* ---- manifest ------------------------------------------------------------- */

void oci_image_manifest_free(struct oci_image_manifest *m)
{
	if (m == NULL)
		return;
	free(m->media_type);
	free(m->artifact_type);
	oci_descriptor_release(&m->config);
	oci_array_free(m->layers, m->n_layers, sizeof(struct oci_descriptor),
		       descriptor_release_void);
	oci_descriptor_release(&m->subject);
	oci_kv_free(m->annotations, m->n_annotations);
	oci_raw_release(&m->raw);
	free(m);
}

int oci_image_manifest_validate(const struct oci_image_manifest *m,
				enum oci_image_parse_flags flags, berth_error_t **err)
{
	if (m->schema_version != 2)
		return berth_error_fail(err, EINVAL,
					"schemaVersion: unsupported schema version %d (want 2)",
					m->schema_version);
	if (m->media_type && oci_media_type_kind(m->media_type) != OCI_MEDIA_MANIFEST)
		return berth_error_fail(err, EINVAL,
					"mediaType: '%.*s' is not a manifest media type",
					OCI_QUOTE_MAX, m->media_type);
	bool allow = flags & OCI_IMAGE_ALLOW_UNKNOWN_TYPES;
	const char *cmt = m->config.media_type ? m->config.media_type : "";
	/* An artifact (artifactType set) may use the empty descriptor as config */
	bool config_ok = oci_media_type_kind(cmt) == OCI_MEDIA_CONFIG ||
			 (m->artifact_type && mt_is(cmt, OCI_MT_EMPTY));
	if (!config_ok && !allow)
		return berth_error_fail(err, EINVAL,
					"config.mediaType: unknown config media type '%.*s'",
					OCI_QUOTE_MAX, cmt);
	if (m->config.size < 0)
		return berth_error_fail(err, EINVAL, "config.size: negative");
	if (m->n_layers > OCI_IMAGE_MAX_LAYERS)
		return berth_error_fail(err, E2BIG,
					"layers: %zu entries, more than the limit of %u",
					m->n_layers, OCI_IMAGE_MAX_LAYERS);
	for (size_t i = 0; i < m->n_layers; i++) {
		const struct oci_descriptor *l = &m->layers[i];
		if (l->size < 0)
			return berth_error_fail(err, EINVAL, "layers[%zu].size: negative", i);
		if (!allow && layer_type_find(l->media_type) == NULL)
			return berth_error_fail(
				err, EINVAL,
				"layers[%zu].mediaType: unknown layer media type '%.*s'", i,
				OCI_QUOTE_MAX, l->media_type ? l->media_type : "");
	}
	return 0;
}

int oci_image_manifest_parse(const char *buf, size_t len, const char *declared_mt,
			     enum oci_image_parse_flags flags, struct oci_image_manifest **ret,
			     berth_error_t **err)
{
	cleanup_json json_t *root = NULL;
	if (load_object(buf, len, "manifest", &root, err) < 0)
		return -1;
	cleanup_oci_manifest struct oci_image_manifest *m = xzalloc(sizeof(*m));
	json_t *config = NULL;
	if (check_schema_version(root, &m->schema_version, err) < 0 ||
	    oci_get_str(root, NULL, "mediaType", OCI_OPT, &m->media_type, err) < 0 ||
	    check_media_type(m->media_type, declared_mt, OCI_MEDIA_MANIFEST, "manifest", err) < 0 ||
	    oci_get_str(root, NULL, "artifactType", OCI_OPT, &m->artifact_type, err) < 0 ||
	    bjson_get_object(root, NULL, "config", OCI_REQ, &config, err) < 0 ||
	    oci_descriptor_from_json(config, "config", &m->config, err) < 0 ||
	    /* Go writes an image with no layers as "layers": null at times */
	    get_descriptors(root, "layers", OCI_OPT, OCI_IMAGE_MAX_LAYERS, &m->layers, &m->n_layers,
			    err) < 0 ||
	    get_subject(root, &m->has_subject, &m->subject, err) < 0 ||
	    oci_get_kv(NULL, root, NULL, "annotations", &m->annotations, &m->n_annotations, err) <
		    0)
		return -1;
	const char *typed = m->media_type;
	if (typed == NULL && declared_mt && !mt_is_generic(declared_mt))
		typed = declared_mt;
	m->docker = typed ? oci_media_type_is_docker(typed) :
			    oci_media_type_is_docker(m->config.media_type);
	if (oci_image_manifest_validate(m, flags, err) < 0)
		return -1;
	oci_raw_set(&m->raw, buf, len);
	*ret = steal_pointer(&m);
	return 0;
}

json_t *oci_image_manifest_to_json(const struct oci_image_manifest *m)
{
	json_t *o = json_object();
	json_object_set_new(o, "schemaVersion", json_integer(m->schema_version));
	if (m->media_type)
		json_object_set_new(o, "mediaType", json_string(m->media_type));
	if (m->artifact_type)
		json_object_set_new(o, "artifactType", json_string(m->artifact_type));
	json_object_set_new(o, "config", oci_descriptor_to_json(&m->config));
	json_t *a = json_array();
	for (size_t i = 0; i < m->n_layers; i++)
		json_array_append_new(a, oci_descriptor_to_json(&m->layers[i]));
	json_object_set_new(o, "layers", a);
	if (m->has_subject)
		json_object_set_new(o, "subject", oci_descriptor_to_json(&m->subject));
	if (m->n_annotations)
		json_object_set_new(o, "annotations",
				    oci_kv_to_json(m->annotations, m->n_annotations));
	return o;
}

void oci_image_manifest_seal(struct oci_image_manifest *m)
{
	oci_raw_seal(&m->raw, oci_image_manifest_to_json(m));
}
