/* push: `docker push` of one image from the image store to a registry.
 * Blobs first (config and layers: HEAD to skip what is there, a
 * cross-repository mount when another repository of the same registry is
 * known to hold the image, else an upload: monolithic up to the chunk size,
 * PATCH chunks above it), the manifest last, so that the registry never
 * holds a manifest naming a missing blob.  Invariant: an image that came
 * with a manifest whose blobs are all present is pushed with that
 * manifest's exact bytes, so its digest stays what it was. */
#ifndef BERTH_REGISTRY_PUSH_H
#define BERTH_REGISTRY_PUSH_H

#include <stdint.h>

#include "common/digest.h"
#include "common/error.h"
#include "image/image-store.h"
#include "registry/client.h"
#include "registry/progress.h"

/* Blobs up to this size go in one PUT; bigger ones in PATCH chunks of it */
#define PUSH_DEFAULT_CHUNK_SIZE (UINT64_C(64) << 20)
/* Attempts of one blob upload (5xx, broken connections) */
#define PUSH_MAX_ATTEMPTS 5
/* Other repositories tried as mount sources per blob */
#define PUSH_MAX_MOUNT_SOURCES 3

/* Progress messages (progress.h) in docker's shapes:
 * {"status":"Preparing","id":"3f57d9401f8d"}, "Pushing" with
 * progressDetail {current,total}, "Pushed", "Layer already exists",
 * "Mounted from test/busybox", at the end {"status":"latest: digest:
 * sha256:… size: 527"} and an "aux" message {"Tag","Digest","Size"} */
struct push_options {
	struct registry_options registry; /* flags, credentials, certs */
	uint64_t chunk_size;              /* 0: PUSH_DEFAULT_CHUNK_SIZE */
	progress_fn progress;             /* may be NULL */
	void *progress_data;
};

/* Push the local image named name ("127.0.0.1:5000/test/busybox[:tag]",
 * any form image_ref_parse takes; tag "latest" by default; a digest is
 * refused) to the repository and tag name names.  opts may be NULL.
 * *ret_digest (may be NULL) gets the manifest digest.  Errors: ENOENT (no
 * such image), EACCES (refused credentials), EPROTO (the registry's
 * answers), ENOTSUP (a layer with no blob that cannot be re-exported). */
int push_image(struct image_store *s, const char *name, const struct push_options *opts,
	       struct digest *ret_digest, berth_error_t **err);

#endif
