/* commit: POST /commit, a new image from a container: its upper dir as one
 * more layer on the image's, and an image config whose "config" is the
 * container's (with the request's Config fields and `changes` lines over
 * it).  The layer is written to the layer store before the image row that
 * references it (image-store's invariant), so a crash leaves at most an
 * unreferenced layer for gc. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "daemon/containers/commit.h"
#include "daemon/containers/container-internal.h"
#include "daemon/containers/inspect.h"
#include "daemon/daemon.h"
#include "image/image-store.h"
#include "image/overlay.h"
#include "oci/image.h"

#define COMMIT_CONFIG_MAX (4u << 20)

/* The container's Config with the request's non-null fields over it */
static json_t *commit_config(struct container *c, const json_t *over)
{
	pthread_mutex_lock(&c->lock);
	json_t *cfg = json_deep_copy(c->config);
	pthread_mutex_unlock(&c->lock);
	const char *k;
	json_t *v;
	if (json_is_object(over))
		json_object_foreach((json_t *)over, k, v) if (!json_is_null(v))
			json_object_set(cfg, k, v);
	return cfg;
}

/* The new image config as JSON: the base's with our layer, history and config */
static int commit_image_json(struct image_store *s, struct container *c,
			     const struct commit_opts *o, const struct digest *diff_id,
			     json_t **ret, berth_error_t **err)
{
	struct digest base;
	cleanup_oci_image_config struct oci_image_config *bc = NULL;
	if (digest_parse(c->image_id, &base, err) < 0 ||
	    image_store_read_config(s, &base, &bc, err) < 0)
		return -1;
	json_t *j = oci_image_config_to_json(bc);
	cleanup_free char *now = image_format_time_ns(now_ns());
	char diff[DIGEST_STR_SIZE];
	digest_format(diff_id, diff);
	json_object_set_new(j, "config", commit_config(c, o->config));
	json_object_set_new(j, "created", json_string(now));
	json_object_set_new(j, "container", json_string(c->id));
	if (o->author && *o->author)
		json_object_set_new(j, "author", json_string(o->author));
	json_t *rootfs = json_object_get(j, "rootfs");
	if (!json_is_object(rootfs)) {
		rootfs = json_pack("{s:s, s:[]}", "type", "layers", "diff_ids");
		json_object_set_new(j, "rootfs", rootfs);
	}
	json_array_append_new(json_object_get(rootfs, "diff_ids"), json_string(diff));
	json_t *hist = json_object_get(j, "history");
	if (!json_is_array(hist)) {
		hist = json_array();
		json_object_set_new(j, "history", hist);
	}
	json_t *path, *args;
	container_path_args(c->config, &path, &args);
	cleanup_free char *argv0 = xstrdup(json_string_value(path));
	json_decref(path);
	json_decref(args);
	json_t *h = json_pack("{s:s, s:s}", "created", now, "created_by", argv0);
	if (o->comment && *o->comment)
		json_object_set_new(h, "comment", json_string(o->comment));
	if (o->author && *o->author)
		json_object_set_new(h, "author", json_string(o->author));
	json_array_append_new(hist, h);
	*ret = j;
	return 0;
}

int container_commit(struct container_manager *m, struct container *c, const struct commit_opts *o,
		     char **ret_id, berth_error_t **err)
{
	struct daemon *d = m->d;
	cleanup_close int fd = open(d->cfg.data_root, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return berth_error_set(err, errno, "commit: temp file in '%s'", d->cfg.data_root);
	pthread_mutex_lock(&d->images_lock);
	cleanup_free char *upper = overlay_upper_path(image_store_layers(d->images), c->id);
	pthread_mutex_unlock(&d->images_lock);
	struct digest diff_id;
	if (overlay_export_upper(upper, fd, &diff_id, err) < 0)
		return berth_error_wrap(err, "commit %.12s", c->id);
	if (lseek(fd, 0, SEEK_SET) < 0)
		return berth_error_set(err, errno, "commit: rewind");

	pthread_mutex_lock(&d->images_lock);
	struct image_store *s = d->images;
	struct image_layer layer = { 0 };
	bool have_layer = false;
	cleanup_image_info struct image_info *info = NULL;
	cleanup_json json_t *j = NULL;
	cleanup_oci_image_config struct oci_image_config *nc = NULL;
	cleanup_free char *text = NULL;
	cleanup_free struct image_layer *layers = NULL;
	cleanup_free char *ref = NULL;
	struct digest base, id;
	int r = digest_parse(c->image_id, &base, err);
	if (r >= 0)
		r = image_store_get(s, &base, &info, err);
	if (r >= 0) {
		r = image_store_put_layer(s,
					  c->n_chain_ids ? &c->chain_ids[c->n_chain_ids - 1] : NULL,
					  fd, &diff_id, NULL, 0, &layer, err);
		have_layer = r >= 0;
	}
	if (r >= 0)
		r = commit_image_json(s, c, o, &diff_id, &j, err);
	if (r >= 0) {
		text = bjson_dump(j);
		r = oci_image_config_parse(text, strlen(text), &nc, err);
	}
	for (size_t i = 0; r >= 0 && i < o->n_changes; i++)
		r = oci_image_config_apply_change(nc, o->changes[i], err);
	if (r >= 0) {
		oci_image_config_seal(nc);
		layers = xcalloc(info->n_layers + 1, sizeof(*layers));
		for (size_t i = 0; i < info->n_layers; i++)
			layers[i] = info->layers[i]; /* shallow: info owns the strings */
		layers[info->n_layers] = layer;
		if (o->repo && *o->repo)
			ref = xasprintf("%s:%s", o->repo, o->tag && *o->tag ? o->tag : "latest");
		const char *tags[1] = { ref };
		struct image_add add = {
			.layers = layers,
			.n_layers = info->n_layers + 1,
			.tags = ref ? tags : NULL,
			.n_tags = ref ? 1 : 0,
			.parent = &base,
		};
		r = content_put_buffer(image_store_content(s), nc->raw.raw, nc->raw.raw_len, NULL,
				       &add.config_digest, err);
		if (r >= 0)
			r = image_store_add(s, &add, &id, NULL, err);
	}
	pthread_mutex_unlock(&d->images_lock);
	if (have_layer)
		image_layer_release(&layer);
	if (r < 0)
		return berth_error_wrap(err, "commit %.12s", c->id);
	*ret_id = digest_to_string(&id);
	container_event(c, "commit", NULL);
	return 0;
}
