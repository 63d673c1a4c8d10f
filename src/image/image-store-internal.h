/* image-store-internal: what image-store.c, image-remove.c, image-api.c,
 * gc.c and import.c share: the store struct and a few helpers.  Internal to
 * src/image; other folders use image-store.h. */
#ifndef BERTH_IMAGE_IMAGE_STORE_INTERNAL_H
#define BERTH_IMAGE_IMAGE_STORE_INTERNAL_H

#include <jansson.h>
#include <stdint.h>

#include "image/image-store.h"
#include "image/metadata.h"
#include "image/reference.h"

struct image_store {
	char *root;
	enum image_store_flags flags;
	struct content_store *content;
	struct layer_store *layers;
	struct metadata *md;
};

/* "sha256:<hex>" -> the 12 hex characters docker shows (TruncateID) */
void image_short_id(const struct digest *id, char out[13]);

/* Familiar form ("busybox:latest") of a stored full reference; a string
 * that does not parse is returned as is.  Caller frees. */
char *image_familiar(const char *full);

/* A user's reference in stored form: *ret_full "docker.io/library/x:tag"
 * (or "…@sha256:…" with *ret_kind METADATA_REF_DIGEST), *ret_repo its
 * name; both new (caller frees) */
int image_normalise_ref(const char *name, char **ret_full, char **ret_repo,
			enum metadata_ref_kind *ret_kind, berth_error_t **err);

/* Parse an RFC 3339 time ("2023-05-19T20:19:31.123456789Z", offsets
 * allowed) into unix nanoseconds; -1 when s is not one */
int64_t image_parse_time_ns(const char *s);

/* Sum of the sizes of regular files under dirfd (taken and closed), as
 * docker's overlay2 DiffSize; for a layer dir found on disk without a
 * database row (left by a crash before the commit) */
int64_t image_dir_size(int dirfd);

/* Remove layer dirs (after the commit that dropped their rows) and the
 * blobs of the removed images that nothing references any more; failures
 * are logged at debug level and left to gc */
void image_store_drop_layers(struct image_store *s, const struct metadata_chains *chains);
void image_store_drop_blobs(struct image_store *s, const struct metadata_chains *blobs);

/* Delete one image by ID as docker's imageDeleteHelper does, appending
 * {"Untagged"}/{"Deleted"} items to records, in the caller's transaction.
 * quiet: a conflict makes it return 0 without deleting, unless the image
 * is dangling and unused.  Returns 1 when deleted, 0 when skipped.  The
 * layers dropped go to dropped_layers, the image's blobs to blobs. */
int image_store_delete_helper(struct image_store *s, const struct digest *id, bool force,
			      bool prune, bool quiet, json_t *records,
			      struct metadata_chains *dropped_layers, struct metadata_chains *blobs,
			      berth_error_t **err);

#endif
