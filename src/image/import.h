/* import: `docker import` / POST /images/create?fromSrc: a root filesystem
 * tar (plain, gzip or zstd) becomes a one-layer image whose config is the
 * host platform, created now, with Dockerfile-like changes applied.
 * Invariant: the layer blob, the layer dir and the config blob are all on
 * disk before the one transaction that adds the image (and its tag). */
#ifndef BERTH_IMAGE_IMPORT_H
#define BERTH_IMAGE_IMPORT_H

#include <stddef.h>

#include "common/digest.h"
#include "common/error.h"
#include "image/image-store.h"
#include "oci/image.h"

struct image_import_options {
	/* Reference to tag the image with ("busybox:imported"); NULL: none */
	const char *tag;
	/* Change lines ("CMD [\"sh\"]", "ENV A=b", "WORKDIR /w", "EXPOSE 80",
	 * "LABEL k=v"), as oci_image_config_apply_change takes them */
	const char *const *changes;
	size_t n_changes;
	/* Where the tar came from, for the history comment "Imported from
	 * <source>" ("-" for a request body, else the URL); NULL means "-" */
	const char *source;
	/* `docker import -m`: replaces the comment; NULL: none */
	const char *message;
	/* Platform of the image; NULL: the host's */
	const struct oci_platform *platform;
};

/* Read the tar from fd (not owned, read to EOF), store it (as a blob, kept
 * for save and push, and unpacked into the layer store), build and store
 * the config, and add the image with opts->tag.  opts may be NULL.
 * *ret_id (may be NULL) gets the new image ID.  Errors: EINVAL for a bad
 * change line or a tar that does not unpack. */
int image_import(struct image_store *s, int fd, const struct image_import_options *opts,
		 struct digest *ret_id, berth_error_t **err);

#endif
