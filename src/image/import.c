/* import: a rootfs tar to a one-layer image, as moby's
 * daemon/images/image_import.go: the layer as it came (its diffID the
 * sha256 of the uncompressed tar), a config with the host platform, the
 * creation time now, one history entry commented "Imported from <src>",
 * and the --change lines applied.  Invariant: changes are checked before
 * any byte is stored, so a bad change line leaves nothing behind. */
#include "image/import.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "image/image-store-internal.h"

#include "common/banned.h"

static char *now_rfc3339(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return image_format_time_ns((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
}

int image_import(struct image_store *s, int fd, const struct image_import_options *opts,
		 struct digest *ret_id, berth_error_t **err)
{
	static const struct image_import_options none = { 0 };
	if (!opts)
		opts = &none;
	cleanup_free char *comment =
		opts->message ? xstrdup(opts->message) :
				xasprintf("Imported from %s", opts->source ? opts->source : "-");

	/* The config first, without its layer: a bad change fails here */
	cleanup_oci_image_config struct oci_image_config *c = oci_image_config_new(opts->platform);
	for (size_t i = 0; i < opts->n_changes; i++)
		if (oci_image_config_apply_change(c, opts->changes[i], err) < 0)
			return berth_error_wrap(err, "import");
	if (opts->tag) {
		cleanup_image_ref struct image_ref *ref = NULL;
		if (image_ref_parse(opts->tag, &ref, err) < 0)
			return berth_error_wrap(err, "import");
	}

	struct image_layer layer;
	if (image_store_put_layer(s, NULL, fd, NULL, NULL, IMAGE_LAYER_KEEP_BLOB, &layer, err) < 0)
		return berth_error_wrap(err, "import");

	cleanup_free char *created = now_rfc3339();
	free(c->created);
	c->created = xstrdup(created);
	oci_image_config_add_layer(c, &layer.diff_id, created, NULL, comment);
	if (!c->extra)
		c->extra = json_object();
	json_object_set_new(c->extra, "comment", json_string(comment));
	oci_image_config_seal(c);

	struct image_add add = {
		.layers = &layer,
		.n_layers = 1,
		.tags = opts->tag ? &opts->tag : NULL,
		.n_tags = opts->tag ? 1 : 0,
	};
	int r = content_put_buffer(image_store_content(s), c->raw.raw, c->raw.raw_len, NULL,
				   &add.config_digest, err);
	if (r >= 0)
		r = image_store_add(s, &add, ret_id, NULL, err);
	image_layer_release(&layer);
	return r < 0 ? berth_error_wrap(err, "import") : 0;
}
