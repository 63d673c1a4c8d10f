/* archive-docker: docker-archive load and save over archive-common's spool
 * and import.  Load checks the whole manifest.json (every config and
 * layer present, every tag valid, configs parse) before it unpacks any
 * layer, so that a hostile or broken archive adds nothing.  Save writes
 * docker 25+'s layout: blobs/sha256/… with manifest.json pointing into it,
 * plus index.json and oci-layout, plus the legacy `repositories`. */
#include "image/archive-docker.h"

#include <errno.h>
#include <string.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "image/archive-internal.h"
#include "image/reference.h"

#include "common/banned.h"

struct docker_entry {
	const char *config;  /* borrowed from the manifest.json DOM */
	const char **layers; /* borrowed strings */
	size_t n_layers;
	char **tags; /* owned, full refs */
	size_t n_tags;
};

static void entries_free(struct docker_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].layers);
		for (size_t j = 0; j < v[i].n_tags; j++)
			free(v[i].tags[j]);
		free(v[i].tags);
	}
	free(v);
}

/* One manifest.json entry: shape, members present, tags valid */
static int parse_entry(struct archive_spool *sp, const json_t *obj, size_t idx,
		       struct docker_entry *ret, berth_error_t **err)
{
	char where[32];
	snprintf(where, sizeof(where), "manifest.json[%zu]", idx);
	const char *config = NULL;
	json_t *layers = NULL, *tags = NULL;
	if (bjson_get_string(obj, where, "Config", BJSON_REQUIRED, &config, err) < 0 ||
	    bjson_get_array(obj, where, "Layers", BJSON_REQUIRED, &layers, err) < 0 ||
	    bjson_get_array(obj, where, "RepoTags", BJSON_ALLOW_NULL, &tags, err) < 0)
		return berth_error_codep(err);
	const struct spool_member *m;
	if (archive_spool_find(sp, config, &m, err) < 0)
		return berth_error_wrap(err, "%s.Config", where);
	ret->config = config;
	size_t nl = json_array_size(layers);
	if (nl > OCI_IMAGE_MAX_LAYERS)
		return berth_error_fail(err, E2BIG, "%s.Layers: more than %d layers", where,
					OCI_IMAGE_MAX_LAYERS);
	ret->layers = xcalloc(nl ? nl : 1, sizeof(char *));
	for (size_t i = 0; i < nl; i++) {
		const json_t *l = json_array_get(layers, i);
		if (!json_is_string(l))
			return berth_error_fail(err, EINVAL, "%s.Layers[%zu]: expected a string",
						where, i);
		ret->layers[i] = json_string_value(l);
		ret->n_layers++;
		if (archive_spool_find(sp, ret->layers[i], &m, err) < 0)
			return berth_error_wrap(err, "%s.Layers[%zu]", where, i);
	}
	size_t nt = tags ? json_array_size(tags) : 0;
	if (nt > ARCHIVE_MAX_TAGS)
		return berth_error_fail(err, E2BIG, "%s.RepoTags: more than %d tags", where,
					ARCHIVE_MAX_TAGS);
	ret->tags = xcalloc(nt + 1, sizeof(char *));
	for (size_t i = 0; i < nt; i++) {
		const json_t *t = json_array_get(tags, i);
		if (!json_is_string(t))
			return berth_error_fail(err, EINVAL, "%s.RepoTags[%zu]: expected a string",
						where, i);
		cleanup_image_ref struct image_ref *ref = NULL;
		if (image_ref_parse(json_string_value(t), &ref, err) < 0)
			return berth_error_wrap(err, "%s.RepoTags[%zu]", where, i);
		/* docker load: every RepoTag must be name:tag */
		if (!ref->tag || ref->has_digest)
			return berth_error_fail(err, EINVAL, "%s.RepoTags[%zu]: invalid tag '%s'",
						where, i, json_string_value(t));
		ret->tags[ret->n_tags++] = image_ref_string(ref);
	}
	return 0;
}

struct layer_ctx {
	struct archive_spool *sp;
	const struct docker_entry *entry;
};

static int open_layer(void *userdata, size_t i, struct archive_layer_in *ret, berth_error_t **err)
{
	struct layer_ctx *c = userdata;
	const char *name = c->entry->layers[i];
	ret->name = xstrdup(name);
	if (archive_spool_store(c->sp, name, &ret->blob_digest, &ret->blob_size, err) < 0)
		return berth_error_codep(err);
	ret->fd = content_open_read(c->sp->cs, &ret->blob_digest, err);
	if (ret->fd < 0)
		return ret->fd;
	ret->in_store = true;
	ret->has_digest = true;
	return 0;
}

static int load_manifest_json(struct image_store *s, struct archive_spool *sp,
			      const struct archive_load_options *opts, struct archive_loaded *ret,
			      berth_error_t **err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;
	if (archive_spool_read_all(sp, "manifest.json", ARCHIVE_INDEX_MAX_SIZE, &buf, &len, err) <
	    0)
		return berth_error_codep(err);
	cleanup_json json_t *doc = NULL;
	if (bjson_load(buf, len, "manifest.json", ARCHIVE_INDEX_MAX_SIZE, 0, &doc, err) < 0)
		return berth_error_codep(err);
	if (!json_is_array(doc))
		return berth_error_fail(err, EINVAL, "manifest.json: expected an array, got %s",
					bjson_type_name(doc));
	size_t n = json_array_size(doc);
	if (n == 0)
		return berth_error_fail(err, EINVAL, "manifest.json lists no image");
	if (n > ARCHIVE_MAX_IMAGES)
		return berth_error_fail(err, E2BIG, "manifest.json lists more than %d images",
					ARCHIVE_MAX_IMAGES);

	struct docker_entry *entries = xcalloc(n, sizeof(*entries));
	cleanup_free char **configs = xcalloc(n, sizeof(char *));
	size_t *config_lens = xcalloc(n, sizeof(size_t));
	int r = 0;
	/* check everything before unpacking anything */
	for (size_t i = 0; i < n && r == 0; i++) {
		r = parse_entry(sp, json_array_get(doc, i), i, &entries[i], err);
		if (r == 0)
			r = archive_spool_read_all(sp, entries[i].config, OCI_IMAGE_CONFIG_MAX_SIZE,
						   &configs[i], &config_lens[i], err);
		if (r == 0) {
			cleanup_oci_image_config struct oci_image_config *c = NULL;
			r = oci_image_config_parse(configs[i], config_lens[i], &c, err);
			if (r < 0)
				berth_error_wrap(err, "config '%s'", entries[i].config);
			else if (c->n_diff_ids != entries[i].n_layers)
				r = berth_error_fail(err, EINVAL,
						     "config '%s' lists %zu layers (rootfs.diff_ids) "
						     "but manifest.json has %zu",
						     entries[i].config, c->n_diff_ids,
						     entries[i].n_layers);
		}
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		struct layer_ctx c = { .sp = sp, .entry = &entries[i] };
		struct archive_image_in in = {
			.config = configs[i],
			.config_len = config_lens[i],
			.config_name = entries[i].config,
			.n_layers = entries[i].n_layers,
			.open_layer = open_layer,
			.userdata = &c,
			.tags = (const char *const *)entries[i].tags,
			.n_tags = entries[i].n_tags,
		};
		r = archive_import_image(s, opts, &in, ret, err);
	}
	for (size_t i = 0; i < n; i++)
		free(configs[i]);
	free(config_lens);
	entries_free(entries, n);
	return r;
}

int archive_docker_load(struct image_store *s, int fd, const struct archive_load_options *opts,
			struct archive_loaded *ret, berth_error_t **err)
{
	struct archive_spool sp;
	archive_spool_init(&sp, image_store_content(s));
	int r = archive_spool_read(&sp, fd, err);
	if (r == 0) {
		const struct spool_member *m;
		if (archive_spool_find(&sp, "manifest.json", &m, NULL) == 0)
			r = load_manifest_json(s, &sp, opts, ret, err);
		else if (archive_spool_find(&sp, "index.json", &m, NULL) == 0)
			r = archive_oci_load_spool(s, &sp, opts, ret, err);
		else
			r = berth_error_fail(err, EINVAL,
					     "not an image archive: no manifest.json or index.json");
	}
	archive_spool_release(&sp);
	if (r < 0)
		return berth_error_wrap(err, "load");
	return 0;
}

/* ---- save --------------------------------------------------------------- */

static char *blob_path(const struct digest *d)
{
	char hex[DIGEST_HEX_LEN + 1];
	digest_format_hex(d, hex);
	return xasprintf("blobs/sha256/%s", hex);
}

static json_t *jstr_take(char *str)
{
	json_t *j = json_string(str);
	free(str);
	return j;
}

/* manifest.json and the legacy `repositories` for the set */
static void docker_index(const struct archive_save_set *set, json_t **ret_manifest,
			 json_t **ret_repos)
{
	json_t *manifest = json_array();
	json_t *repos = json_object();
	for (size_t i = 0; i < set->n; i++) {
		const struct archive_save_image *im = &set->v[i];
		json_t *layers = json_array();
		for (size_t k = 0; k < im->info->n_layers; k++)
			json_array_append_new(layers, jstr_take(blob_path(
							      &im->info->layers[k].blob_digest)));
		json_t *tags = json_null();
		if (im->n_tags)
			tags = json_array();
		for (size_t k = 0; k < im->n_tags; k++) {
			cleanup_image_ref struct image_ref *ref = NULL;
			if (image_ref_parse(im->tags[k], &ref, NULL) < 0)
				continue;
			json_array_append_new(tags, jstr_take(image_ref_familiar(ref)));
			if (im->info->n_layers) {
				char hex[DIGEST_HEX_LEN + 1];
				digest_format_hex(
					&im->info->layers[im->info->n_layers - 1].blob_digest, hex);
				cleanup_free char *name = image_ref_familiar_name(ref);
				json_t *repo = json_object_get(repos, name);
				if (!repo) {
					repo = json_object();
					json_object_set_new(repos, name, repo);
				}
				json_object_set_new(repo, ref->tag ? ref->tag : "latest",
						    json_string(hex));
			}
		}
		json_array_append_new(manifest, json_pack("{s:o, s:o, s:o}", "Config",
							  jstr_take(blob_path(&im->id)), "RepoTags",
							  tags, "Layers", layers));
	}
	*ret_manifest = manifest;
	*ret_repos = repos;
}

int archive_docker_save(struct image_store *s, const char *const *names, size_t n_names, int fd,
			archive_progress_fn progress, void *userdata, berth_error_t **err)
{
	struct archive_save_set set = { 0 };
	struct archive *a = NULL;
	int r = archive_save_set_resolve(s, names, n_names, &set, err);
	if (r == 0)
		r = archive_tar_open(fd, &a, err);
	if (r == 0)
		r = archive_tar_add_set_blobs(a, s, &set, progress, userdata, err);
	if (r == 0) {
		json_t *manifest, *repos;
		docker_index(&set, &manifest, &repos);
		cleanup_json json_t *index = archive_save_index_json(&set);
		cleanup_free char *m = bjson_dump(manifest);
		cleanup_free char *rp = bjson_dump(repos);
		cleanup_free char *ix = bjson_dump(index);
		json_decref(manifest);
		json_decref(repos);
		r = archive_tar_add_buffer(a, "index.json", ix, strlen(ix), err);
		if (r == 0)
			r = archive_tar_add_buffer(a, "manifest.json", m, strlen(m), err);
		if (r == 0)
			r = archive_tar_add_buffer(a, "oci-layout", ARCHIVE_OCI_LAYOUT,
						   strlen(ARCHIVE_OCI_LAYOUT), err);
		if (r == 0)
			r = archive_tar_add_buffer(a, "repositories", rp, strlen(rp), err);
	}
	if (r == 0)
		r = archive_tar_close(a, err);
	archive_tar_free(a);
	archive_save_set_release(&set);
	return r;
}
