/* pull: `docker pull` over the registry client into the image store: tag
 * or digest -> manifest (an index or manifest list picks this host's
 * platform) -> config -> layers, then one image_store_add.  Invariant: an
 * image exists only once everything it needs is verified and on disk;
 * an interrupted or failed pull leaves at most verified blobs and complete
 * layer dirs, which the next pull re-uses (and gc may remove). */
#ifndef BERTH_REGISTRY_PULL_H
#define BERTH_REGISTRY_PULL_H

#include <stdbool.h>

#include "common/digest.h"
#include "common/error.h"
#include "image/image-store.h"
#include "oci/image.h"
#include "registry/client.h"
#include "registry/progress.h"

/* Layers downloaded at once unless told otherwise (docker's default) */
#define PULL_DEFAULT_CONCURRENCY 3
#define PULL_MAX_CONCURRENCY 16

struct pull_options {
	const struct registry_options *registry; /* may be NULL */
	const struct oci_platform *platform;     /* NULL: this host's */
	unsigned concurrency;                    /* 0: PULL_DEFAULT_CONCURRENCY */
	/* Progress messages (progress.h); called from the download threads
	 * too, never two at once; may be NULL */
	progress_fn progress;
	void *progress_data;
};

struct pull_result {
	struct digest image_id;        /* = the config digest */
	struct digest digest;          /* what the reference resolved to (index or manifest) */
	struct digest manifest_digest; /* the platform's manifest */
	bool up_to_date;               /* the reference already named this image */
};

/* Pull name ("busybox", "127.0.0.1:5000/x/y:1", "x@sha256:…"; "latest"
 * when there is neither tag nor digest) into s.  Layers are downloaded
 * opts->concurrency at a time into the content store, each verified
 * against its digest as it arrives, and extracted in order as soon as
 * each is complete, while later ones are still downloading; layers whose
 * chain ID is already in the layer store are not fetched ("Already
 * exists"), blobs already in the content store are not fetched again.
 * The image gets the tag (when name has one) and the repo digest
 * name@digest.  A docker.io image is looked for at each of
 * opts->registry->registry_mirrors first (any failure there moves on),
 * then at docker.io; the image is named as asked, never after a mirror.
 * Errors name the reference and what failed ("pull 'busybox': layer
 * sha256:…: blob: digest mismatch: …"); no image is added then.  opts
 * may be NULL; *ret (may be NULL) is filled on success. */
int registry_pull(struct image_store *s, const char *name, const struct pull_options *opts,
		  struct pull_result *ret, berth_error_t **err);

#endif
