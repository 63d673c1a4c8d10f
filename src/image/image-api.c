/* image-api: the read-mostly views of the image store in the Engine API's
 * JSON shapes (moby api/types/image): list with filters, inspect, history,
 * and prune.  Invariant: these never write the database except through
 * image_store_remove (prune), so a view can never leave a half change. */
#include "image/image-store-internal.h"

#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/parse.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

#include "common/banned.h"

/* ---- filters --------------------------------------------------------------- */

/* The values of filters[key] in either wire form: {"key": ["a", "b"]} or
 * the old {"key": {"a": true}}; borrowed strings in a new vector */
static int filter_values(const json_t *filters, const char *key, const char ***ret, size_t *ret_n,
			 berth_error_t **err)
{
	*ret = NULL;
	*ret_n = 0;
	json_t *v = filters ? json_object_get(filters, key) : NULL;
	if (!v)
		return 0;
	const char **out = NULL;
	size_t n = 0;
	if (json_is_array(v)) {
		out = xcalloc(json_array_size(v) + 1, sizeof(*out));
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e)
		{
			if (!json_is_string(e)) {
				free(out);
				return berth_error_fail(err, EINVAL, "invalid filter '%s'", key);
			}
			out[n++] = json_string_value(e);
		}
	} else if (json_is_object(v)) {
		out = xcalloc(json_object_size(v) + 1, sizeof(*out));
		const char *k;
		json_t *e;
		json_object_foreach(v, k, e)
		{
			if (json_is_true(e))
				out[n++] = k;
		}
	} else {
		return berth_error_fail(err, EINVAL, "invalid filter '%s'", key);
	}
	*ret = out;
	*ret_n = n;
	return 0;
}

static int check_filter_keys(const json_t *filters, const char *const *known, berth_error_t **err)
{
	if (!filters)
		return 0;
	if (!json_is_object(filters))
		return berth_error_fail(err, EINVAL, "invalid filters: expected an object");
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)filters, k, v)
	{
		bool ok = false;
		for (size_t i = 0; known[i]; i++)
			if (strcmp(known[i], k) == 0)
				ok = true;
		if (!ok)
			return berth_error_fail(err, EINVAL, "invalid filter '%s'", k);
	}
	return 0;
}

/* dangling filter: -1 absent, 0 false, 1 true */
static int dangling_filter(const json_t *filters, int *ret, berth_error_t **err)
{
	cleanup_free const char **v = NULL;
	size_t n;
	if (filter_values(filters, "dangling", &v, &n, err) < 0)
		return -1;
	*ret = -1;
	for (size_t i = 0; i < n; i++) {
		int b;
		if (strcmp(v[i], "true") == 0 || strcmp(v[i], "1") == 0)
			b = 1;
		else if (strcmp(v[i], "false") == 0 || strcmp(v[i], "0") == 0)
			b = 0;
		else
			return berth_error_fail(
				err, EINVAL, "invalid filter 'dangling=%s': must be true or false",
				v[i]);
		if (*ret >= 0 && *ret != b)
			return berth_error_fail(err, EINVAL, "conflicting dangling filters");
		*ret = b;
	}
	return 0;
}

/* "until": unix seconds ("1700000000", "1700000000.5"), an RFC 3339 time,
 * or a duration before now ("10m", "2h", "30s") -> unix seconds */
static int parse_until(const char *s, int64_t *ret, berth_error_t **err)
{
	int64_t ns = image_parse_time_ns(s);
	if (ns >= 0) {
		*ret = ns / 1000000000;
		return 0;
	}
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno == 0 && end != s && v >= 0) {
		if (*end == '\0' || *end == '.') {
			*ret = v;
			return 0;
		}
		int64_t mult = 0;
		if (strcmp(end, "s") == 0)
			mult = 1;
		else if (strcmp(end, "m") == 0)
			mult = 60;
		else if (strcmp(end, "h") == 0)
			mult = 3600;
		/* a hostile duration must not overflow the product */
		if (mult && v <= INT64_MAX / mult) {
			*ret = (int64_t)time(NULL) - v * mult;
			return 0;
		}
	}
	return berth_error_fail(err, EINVAL, "invalid filter 'until=%s'", s);
}

/* label=k or label=k=v against a config's labels */
static bool labels_match(const struct oci_image_config *c, const char *f)
{
	const char *eq = strchr(f, '=');
	size_t klen = eq ? (size_t)(eq - f) : strlen(f);
	if (!c || !c->has_config)
		return false;
	for (size_t i = 0; i < c->config.n_labels; i++) {
		const struct oci_kv *kv = &c->config.labels[i];
		if (strlen(kv->key) != klen || strncmp(kv->key, f, klen) != 0)
			continue;
		if (!eq || strcmp(kv->value ? kv->value : "", eq + 1) == 0)
			return true;
	}
	return false;
}

/* Every label= filter matches and no label!= filter does */
static bool labels_all_match(const struct oci_image_config *c, const char *const *want,
			     size_t n_want, const char *const *refuse, size_t n_refuse)
{
	for (size_t i = 0; i < n_want; i++)
		if (!labels_match(c, want[i]))
			return false;
	for (size_t i = 0; i < n_refuse; i++)
		if (labels_match(c, refuse[i]))
			return false;
	return true;
}

/* docker's reference.FamiliarMatch: the pattern against the familiar
 * string, then against the familiar name */
static bool ref_matches(const char *full, const char *pattern)
{
	cleanup_image_ref struct image_ref *ref = NULL;
	if (image_ref_parse_strict(full, &ref, NULL) < 0)
		return false;
	cleanup_free char *fs = image_ref_familiar(ref);
	if (fnmatch(pattern, fs, FNM_PATHNAME) == 0)
		return true;
	cleanup_free char *fn = image_ref_familiar_name(ref);
	return fnmatch(pattern, fn, FNM_PATHNAME) == 0;
}

static json_t *labels_json(const struct oci_image_config *c)
{
	if (!c || !c->has_config || !c->config.labels)
		return json_null();
	json_t *o = json_object();
	for (size_t i = 0; i < c->config.n_labels; i++)
		json_object_set_new(o, c->config.labels[i].key,
				    json_string(c->config.labels[i].value ?
							c->config.labels[i].value :
							""));
	return o;
}

static json_t *digest_json(const struct digest *d)
{
	char s[DIGEST_STR_SIZE];
	digest_format(d, s);
	return json_string(s);
}

static json_t *familiar_json(const char *full)
{
	cleanup_free char *f = image_familiar(full);
	return json_string(f);
}

/* ---- list ------------------------------------------------------------------ */

/* The familiar forms of the names that match one of the reference=
 * patterns (all names when there are none) */
static json_t *matching_refs_json(char *const *names, size_t n, const char *const *patterns,
				  size_t n_patterns)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		bool m = n_patterns == 0;
		for (size_t k = 0; !m && k < n_patterns; k++)
			m = ref_matches(names[i], patterns[k]);
		if (m)
			json_array_append_new(a, familiar_json(names[i]));
	}
	return a;
}

static const char *const list_filters[] = { "dangling", "reference", "label", "before",
					    "since",    "until",     NULL };

/* created time of the image that before=/since= names */
static int filter_image_time(struct image_store *s, const json_t *filters, const char *key,
			     int64_t *ret, berth_error_t **err)
{
	cleanup_free const char **v = NULL;
	size_t n;
	if (filter_values(filters, key, &v, &n, err) < 0)
		return -1;
	if (n == 0)
		return 0;
	struct digest id;
	if (image_store_resolve(s, v[0], &id, err) < 0)
		return -1;
	cleanup_image_info struct image_info *info = NULL;
	if (image_store_get(s, &id, &info, err) < 0)
		return -1;
	*ret = info->created;
	return 1;
}

int image_store_list(struct image_store *s, const json_t *filters, json_t **ret,
		     berth_error_t **err)
{
	int dangling;
	cleanup_free const char **refs = NULL, **labels = NULL, **until = NULL;
	size_t n_refs, n_labels, n_until;
	int64_t before = 0, since = 0, until_t = 0;
	int has_before, has_since;
	if (check_filter_keys(filters, list_filters, err) < 0 ||
	    dangling_filter(filters, &dangling, err) < 0 ||
	    filter_values(filters, "reference", &refs, &n_refs, err) < 0 ||
	    filter_values(filters, "label", &labels, &n_labels, err) < 0 ||
	    filter_values(filters, "until", &until, &n_until, err) < 0 ||
	    (has_before = filter_image_time(s, filters, "before", &before, err)) < 0 ||
	    (has_since = filter_image_time(s, filters, "since", &since, err)) < 0 ||
	    (n_until > 0 && parse_until(until[0], &until_t, err) < 0))
		return berth_error_wrap(err, "list images");

	cleanup_free struct digest *ids = NULL;
	size_t n;
	if (metadata_image_list(s->md, &ids, &n, err) < 0)
		return berth_error_wrap(err, "list images");
	cleanup_json json_t *out = json_array();
	for (size_t i = 0; i < n; i++) {
		cleanup_image_info struct image_info *info = NULL;
		if (image_store_get(s, &ids[i], &info, err) < 0)
			return berth_error_wrap(err, "list images");
		if (has_before && info->created >= before)
			continue;
		if (has_since && info->created <= since)
			continue;
		if (n_until && info->created >= until_t)
			continue;
		bool is_dangling = info->n_repo_tags == 0;
		if (dangling == 1 && !is_dangling)
			continue;
		if (dangling == 0 && info->n_repo_tags + info->n_repo_digests == 0)
			continue;
		cleanup_oci_image_config struct oci_image_config *c = NULL;
		cleanup_error berth_error_t *cerr = NULL;
		if (image_store_read_config(s, &ids[i], &c, &cerr) < 0)
			log_debug("list images: %s, ignoring", cerr->msg);
		if (!labels_all_match(c, labels, n_labels, NULL, 0))
			continue;

		json_t *tags = matching_refs_json(info->repo_tags, info->n_repo_tags, refs, n_refs);
		json_t *digests =
			matching_refs_json(info->repo_digests, info->n_repo_digests, refs, n_refs);
		if (n_refs && json_array_size(tags) + json_array_size(digests) == 0) {
			json_decref(tags);
			json_decref(digests);
			continue;
		}
		json_t *e = json_object();
		json_object_set_new(e, "Containers", json_integer(-1));
		json_object_set_new(e, "Created", json_integer(info->created));
		json_object_set_new(e, "Id", digest_json(&info->id));
		json_object_set_new(e, "Labels", labels_json(c));
		json_object_set_new(e, "ParentId",
				    info->has_parent ? digest_json(&info->parent) :
						       json_string(""));
		json_object_set_new(e, "RepoDigests", digests);
		json_object_set_new(e, "RepoTags", tags);
		json_object_set_new(e, "SharedSize", json_integer(-1));
		json_object_set_new(e, "Size", json_integer(info->size));
		json_object_set_new(e, "VirtualSize", json_integer(info->size));
		json_array_append_new(out, e);
	}
	*ret = steal_pointer(&out);
	return 0;
}

/* ---- inspect --------------------------------------------------------------- */

/* The keys docker's container.Config always has, in its order; the
 * image's own "config" object is laid over them */
static json_t *config_json(const json_t *cfg)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:b, s:b, s:b, s:n, s:n, s:s, "
			      "s:n, s:s, s:n, s:n, s:n}",
			      "Hostname", "", "Domainname", "", "User", "", "AttachStdin", 0,
			      "AttachStdout", 0, "AttachStderr", 0, "Tty", 0, "OpenStdin", 0,
			      "StdinOnce", 0, "Env", "Cmd", "Image", "", "Volumes", "WorkingDir",
			      "", "Entrypoint", "OnBuild", "Labels");
	if (json_is_object(cfg)) /* NULL is not an object */
		json_object_update(o, (json_t *)cfg);
	return o;
}

static json_t *string_or_empty(const char *s)
{
	return json_string(s ? s : "");
}

static json_t *graph_driver_json(struct image_store *s, const struct image_info *info)
{
	json_t *data = json_null();
	if (info->n_layers > 0) {
		const struct digest *top = &info->layers[info->n_layers - 1].chain_id;
		char hex[DIGEST_HEX_LEN + 1];
		digest_format_hex(top, hex);
		const char *ov = layer_store_overlay_dir(s->layers);
		cleanup_free char *upper = layer_store_diff_path(s->layers, top);
		cleanup_free char *merged = xasprintf("%s/%s/merged", ov, hex);
		cleanup_free char *work = xasprintf("%s/%s/work", ov, hex);
		data = json_object();
		if (info->n_layers > 1) {
			struct strbuf lower = STRBUF_INIT;
			for (size_t i = info->n_layers - 1; i-- > 0;) {
				cleanup_free char *p =
					layer_store_diff_path(s->layers, &info->layers[i].chain_id);
				if (lower.len)
					strbuf_addch(&lower, ':');
				strbuf_addstr(&lower, p);
			}
			json_object_set_new(data, "LowerDir", json_string(lower.buf));
			strbuf_release(&lower);
		}
		json_object_set_new(data, "MergedDir", json_string(merged));
		json_object_set_new(data, "UpperDir", json_string(upper));
		json_object_set_new(data, "WorkDir", json_string(work));
	}
	return json_pack("{s:o, s:s}", "Data", data, "Name", "overlay2");
}

int image_store_inspect(struct image_store *s, const char *name, json_t **ret, berth_error_t **err)
{
	struct digest id;
	if (image_store_resolve(s, name, &id, err) < 0)
		return -1;
	cleanup_image_info struct image_info *info = NULL;
	cleanup_oci_image_config struct oci_image_config *c = NULL;
	if (image_store_get(s, &id, &info, err) < 0 || image_store_read_config(s, &id, &c, err) < 0)
		return berth_error_wrap(err, "inspect '%s'", name);
	/* the config as written, for the keys our model does not keep */
	cleanup_json json_t *raw = json_loadb(c->raw.raw, c->raw.raw_len, 0, NULL);
	const json_t *raw_cfg = raw ? json_object_get(raw, "config") : NULL;
	const json_t *raw_ccfg = raw ? json_object_get(raw, "container_config") : NULL;
	const char *comment = raw ? json_string_value(json_object_get(raw, "comment")) : NULL;
	const char *dv = raw ? json_string_value(json_object_get(raw, "docker_version")) : NULL;
	const char *container = raw ? json_string_value(json_object_get(raw, "container")) : NULL;

	json_t *tags = json_array(), *digests = json_array(), *layers = json_array();
	for (size_t i = 0; i < info->n_repo_tags; i++)
		json_array_append_new(tags, familiar_json(info->repo_tags[i]));
	for (size_t i = 0; i < info->n_repo_digests; i++)
		json_array_append_new(digests, familiar_json(info->repo_digests[i]));
	for (size_t i = 0; i < c->n_diff_ids; i++)
		json_array_append_new(layers, digest_json(&c->diff_ids[i]));
	cleanup_free char *last_tag = image_format_time_ns(info->last_tag_time_ns);

	json_t *o = json_object();
	json_object_set_new(o, "Id", digest_json(&id));
	json_object_set_new(o, "RepoTags", tags);
	json_object_set_new(o, "RepoDigests", digests);
	json_object_set_new(o, "Parent",
			    info->has_parent ? digest_json(&info->parent) : json_string(""));
	json_object_set_new(o, "Comment", string_or_empty(comment));
	json_object_set_new(o, "Created", string_or_empty(c->created));
	json_object_set_new(o, "Container", string_or_empty(container));
	json_object_set_new(o, "ContainerConfig", config_json(raw_ccfg));
	json_object_set_new(o, "DockerVersion", string_or_empty(dv));
	json_object_set_new(o, "Author", string_or_empty(c->author));
	json_object_set_new(o, "Config", config_json(raw_cfg));
	json_object_set_new(o, "Architecture", string_or_empty(c->architecture));
	if (c->variant)
		json_object_set_new(o, "Variant", json_string(c->variant));
	json_object_set_new(o, "Os", string_or_empty(c->os));
	if (c->os_version)
		json_object_set_new(o, "OsVersion", json_string(c->os_version));
	json_object_set_new(o, "Size", json_integer(info->size));
	json_object_set_new(o, "VirtualSize", json_integer(info->size));
	json_object_set_new(o, "GraphDriver", graph_driver_json(s, info));
	json_object_set_new(o, "RootFS",
			    json_pack("{s:s, s:o}", "Type", "layers", "Layers", layers));
	json_object_set_new(o, "Metadata", json_pack("{s:s}", "LastTagTime", last_tag));
	*ret = o;
	return 0;
}

/* ---- history --------------------------------------------------------------- */

static json_t *tags_json(const struct image_info *info)
{
	if (info->n_repo_tags == 0)
		return json_null();
	json_t *a = json_array();
	for (size_t i = 0; i < info->n_repo_tags; i++)
		json_array_append_new(a, familiar_json(info->repo_tags[i]));
	return a;
}

int image_store_history(struct image_store *s, const char *name, json_t **ret, berth_error_t **err)
{
	struct digest id;
	if (image_store_resolve(s, name, &id, err) < 0)
		return -1;
	cleanup_image_info struct image_info *info = NULL;
	cleanup_oci_image_config struct oci_image_config *c = NULL;
	if (image_store_get(s, &id, &info, err) < 0 || image_store_read_config(s, &id, &c, err) < 0)
		return berth_error_wrap(err, "history of '%s'", name);

	cleanup_json json_t *out = json_array();
	size_t layer = 0;
	for (size_t i = 0; i < c->n_history; i++) {
		const struct oci_image_history *h = &c->history[i];
		int64_t size = 0;
		if (!h->empty_layer) {
			if (layer >= info->n_layers)
				return berth_error_fail(err, EINVAL,
							"history of '%s': too many non-empty layers "
							"in History section",
							name);
			size = info->layers[layer++].size;
		}
		int64_t created = image_parse_time_ns(h->created);
		json_t *e =
			json_pack("{s:s, s:I, s:s, s:n, s:I, s:s}", "Id", "<missing>", "Created",
				  (json_int_t)(created > 0 ? created / 1000000000 : 0), "CreatedBy",
				  h->created_by ? h->created_by : "", "Tags", "Size",
				  (json_int_t)size, "Comment", h->comment ? h->comment : "");
		json_array_insert_new(out, 0, e);
	}
	/* Ids and tags down the parent chain, as docker fills them */
	struct digest cur = id;
	for (size_t i = 0; i < json_array_size(out); i++) {
		cleanup_image_info struct image_info *ci = NULL;
		if (metadata_image_get(s->md, &cur, &ci, NULL) < 0)
			break;
		json_t *e = json_array_get(out, i);
		json_object_set_new(e, "Id", digest_json(&cur));
		json_object_set_new(e, "Tags", tags_json(ci));
		if (!ci->has_parent)
			break;
		cur = ci->parent;
	}
	*ret = steal_pointer(&out);
	return 0;
}

/* ---- prune ----------------------------------------------------------------- */

static const char *const prune_filters[] = { "dangling", "label", "label!", "until", NULL };

static int64_t total_layer_size(struct image_store *s)
{
	struct metadata_chains all = { 0 };
	int64_t total = 0;
	if (metadata_layers_all(s->md, &all, NULL) < 0)
		return 0;
	for (size_t i = 0; i < all.n; i++)
		total += all.sizes[i];
	metadata_chains_release(&all);
	return total;
}

/* Remove one image or reference as `rmi` would, adding its records to
 * deleted; a conflict skips it (docker's prune does the same) */
static int prune_one(struct image_store *s, const char *name, json_t *deleted, berth_error_t **err)
{
	cleanup_json json_t *records = NULL;
	cleanup_error berth_error_t *e = NULL;
	if (image_store_remove(s, name, 0, &records, &e) < 0) {
		if (e->errnum == EBUSY || e->errnum == ENOENT) {
			log_debug("prune: %s, skipping", e->msg);
			return 0;
		}
		*err = steal_pointer(&e);
		return berth_error_codep(err);
	}
	json_array_extend(deleted, records);
	return 0;
}

int image_store_prune(struct image_store *s, const json_t *filters, json_t **ret,
		      berth_error_t **err)
{
	int dangling;
	cleanup_free const char **labels = NULL, **nlabels = NULL, **until = NULL;
	size_t n_labels, n_nlabels, n_until;
	int64_t until_t = 0;
	if (check_filter_keys(filters, prune_filters, err) < 0 ||
	    dangling_filter(filters, &dangling, err) < 0 ||
	    filter_values(filters, "label", &labels, &n_labels, err) < 0 ||
	    filter_values(filters, "label!", &nlabels, &n_nlabels, err) < 0 ||
	    filter_values(filters, "until", &until, &n_until, err) < 0 ||
	    (n_until > 0 && parse_until(until[0], &until_t, err) < 0))
		return berth_error_wrap(err, "prune images");
	bool dangling_only = dangling != 0;

	int64_t before = total_layer_size(s);
	cleanup_free struct digest *ids = NULL;
	size_t n;
	if (metadata_image_list(s->md, &ids, &n, err) < 0)
		return berth_error_wrap(err, "prune images");
	cleanup_json json_t *deleted = json_array();
	for (size_t i = 0; i < n; i++) {
		cleanup_image_info struct image_info *info = NULL;
		/* an earlier removal (a parent) may have taken it */
		if (metadata_image_get(s->md, &ids[i], &info, NULL) < 0)
			continue;
		int used = metadata_image_in_use(s->md, &ids[i], err);
		if (used < 0)
			return berth_error_wrap(err, "prune images");
		if (used || (dangling_only && info->n_repo_tags > 0))
			continue;
		if (n_until && info->created >= until_t)
			continue;
		if (n_labels || n_nlabels) {
			cleanup_oci_image_config struct oci_image_config *c = NULL;
			if (image_store_read_config(s, &ids[i], &c, NULL) < 0)
				continue;
			if (!labels_all_match(c, labels, n_labels, nlabels, n_nlabels))
				continue;
		}
		if (info->n_repo_tags + info->n_repo_digests == 0) {
			char hex[DIGEST_HEX_LEN + 1];
			digest_format_hex(&ids[i], hex);
			if (prune_one(s, hex, deleted, err) < 0)
				return berth_error_wrap(err, "prune images");
			continue;
		}
		for (size_t j = 0; j < info->n_repo_digests; j++)
			if (prune_one(s, info->repo_digests[j], deleted, err) < 0)
				return berth_error_wrap(err, "prune images");
		for (size_t j = 0; j < info->n_repo_tags; j++)
			if (prune_one(s, info->repo_tags[j], deleted, err) < 0)
				return berth_error_wrap(err, "prune images");
	}
	int64_t reclaimed = before - total_layer_size(s);
	json_t *o = json_object();
	json_object_set_new(o, "ImagesDeleted",
			    json_array_size(deleted) ? json_incref(deleted) : json_null());
	json_object_set_new(o, "SpaceReclaimed", json_integer(reclaimed > 0 ? reclaimed : 0));
	*ret = o;
	return 0;
}
