/* metadata: the image database <root>/berth.db (SQLite, WAL, foreign keys
 * on), typed rows in and out; the docker semantics live in image-store.c.
 * Invariant: every change runs inside metadata_begin()/metadata_commit()
 * (BEGIN IMMEDIATE, so that two writers never deadlock halfway), and the
 * foreign keys make a tag, a digest or an image layer row pointing at
 * nothing impossible.  Internal to src/image. */
#ifndef BERTH_IMAGE_METADATA_H
#define BERTH_IMAGE_METADATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/digest.h"
#include "common/error.h"
#include "image/image-store.h"

/* The schema version this build writes; older databases are migrated */
#define METADATA_SCHEMA_VERSION 1

enum metadata_flags {
	METADATA_NO_SYNC = 1 << 0, /* synchronous=OFF (tests) */
};

struct metadata;

/* Open (creating) the database at path and migrate it.  A database of a
 * newer schema than this build knows is refused (EPROTO). */
int metadata_open(const char *path, enum metadata_flags flags, struct metadata **ret,
		  berth_error_t **err);
void metadata_free(struct metadata *md);
int metadata_schema_version(struct metadata *md, berth_error_t **err);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK.  rollback is a no-op outside a
 * transaction, so it is safe on every error path. */
int metadata_begin(struct metadata *md, berth_error_t **err);
int metadata_commit(struct metadata *md, berth_error_t **err);
void metadata_rollback(struct metadata *md);

/* ---- images ------------------------------------------------------------- */

struct metadata_image {
	struct digest id;
	bool has_manifest;
	struct digest manifest_digest;
	const char *manifest_media_type; /* borrowed; may be NULL */
	bool has_parent;
	struct digest parent;
	int64_t created; /* unix seconds */
	int64_t size;
};

/* Insert an image and its layers (layer rows are added when missing, with
 * the parent chain of the previous layer).  EEXIST when the ID exists. */
int metadata_image_insert(struct metadata *md, const struct metadata_image *img,
			  const struct image_layer *layers, size_t n_layers, berth_error_t **err);
/* 1 when the image exists, 0 when not */
int metadata_image_exists(struct metadata *md, const struct digest *id, berth_error_t **err);
/* A new image_info with its layers, tags and digests; ENOENT when unknown */
int metadata_image_get(struct metadata *md, const struct digest *id, struct image_info **ret,
		       berth_error_t **err);
/* Delete the image row and its layer rows (tags and digests must be gone) */
int metadata_image_delete(struct metadata *md, const struct digest *id, berth_error_t **err);
/* Every image ID, newest (created) first; caller frees *ret */
int metadata_image_list(struct metadata *md, struct digest **ret, size_t *ret_n,
			berth_error_t **err);
/* The image whose ID starts with hex (1-64 lowercase hex): 1 and *ret
 * when exactly one, 0 when none, EINVAL when several */
int metadata_image_find_prefix(struct metadata *md, const char *hex, struct digest *ret,
			       berth_error_t **err);
/* Number of images whose parent is id */
int metadata_image_children(struct metadata *md, const struct digest *id, berth_error_t **err);
/* Set last_tag_time to now (ns) */
int metadata_image_touch_tag_time(struct metadata *md, const struct digest *id,
				  berth_error_t **err);

/* ---- tags and repo digests ---------------------------------------------- */

enum metadata_ref_kind {
	METADATA_REF_TAG,    /* table tags: "docker.io/library/busybox:latest" */
	METADATA_REF_DIGEST, /* table digests: "docker.io/library/busybox@sha256:…" */
};

/* Point ref (full normalised; repo its name) at id.  Returns 1 and fills
 * *ret_old (may be NULL) when ref pointed at another image, else 0. */
int metadata_ref_set(struct metadata *md, enum metadata_ref_kind kind, const char *ref,
		     const char *repo, const struct digest *id, struct digest *ret_old,
		     berth_error_t **err);
/* 1 and *ret when ref exists, 0 when not */
int metadata_ref_get(struct metadata *md, enum metadata_ref_kind kind, const char *ref,
		     struct digest *ret, berth_error_t **err);
/* 1 when deleted, 0 when it did not exist */
int metadata_ref_delete(struct metadata *md, enum metadata_ref_kind kind, const char *ref,
			berth_error_t **err);

/* ---- containers --------------------------------------------------------- */

int metadata_container_set(struct metadata *md, const char *container_id,
			   const struct digest *image_id, const struct digest *top_chain,
			   bool running, berth_error_t **err);
/* ENOENT when unknown */
int metadata_container_set_running(struct metadata *md, const char *container_id, bool running,
				   berth_error_t **err);
/* 1 when deleted, 0 when unknown */
int metadata_container_delete(struct metadata *md, const char *container_id, berth_error_t **err);
/* The first container (by ID) using image id that is running (running) or
 * not: 1 and *ret (caller frees) when there is one, else 0 */
int metadata_container_using(struct metadata *md, const struct digest *id, bool running, char **ret,
			     berth_error_t **err);
/* 1 when any container uses image id */
int metadata_image_in_use(struct metadata *md, const struct digest *id, berth_error_t **err);

/* ---- layers and gc ------------------------------------------------------ */

/* The size recorded for a layer: 1 and *ret when known, 0 when not */
int metadata_layer_size(struct metadata *md, const struct digest *chain_id, int64_t *ret,
			berth_error_t **err);

/* A chain ID list */
struct metadata_chains {
	struct digest *v;
	int64_t *sizes;
	size_t n;
	size_t alloc;
};
void metadata_chains_release(struct metadata_chains *c);
bool metadata_chains_contains(const struct metadata_chains *c, const struct digest *d);

/* Delete the layer rows that no image and no container uses; *ret gets
 * their chain IDs and sizes, to remove from disk after the commit */
int metadata_layers_delete_unused(struct metadata *md, struct metadata_chains *ret,
				  berth_error_t **err);
/* Every chain ID the database holds (all live) */
int metadata_layers_all(struct metadata *md, struct metadata_chains *ret, berth_error_t **err);
/* Every blob digest referenced: configs (image IDs), manifests, layer blobs */
int metadata_blobs_live(struct metadata *md, struct metadata_chains *ret, berth_error_t **err);

/* PRAGMA integrity_check and foreign_key_check; EIO naming the problem */
int metadata_integrity_check(struct metadata *md, berth_error_t **err);

/* ---- crash tests -------------------------------------------------------- */

/* When metadata_test_crash_at equals point, the process kills itself
 * with SIGKILL (for the crash-safety tests; points: "blob-written",
 * "layer-unpacked", "before-commit", "after-commit").  Only a test sets
 * the variable (in a forked child); NULL, the default, disables it, so no
 * environment or input can reach this in the daemon. */
extern const char *metadata_test_crash_at;
void metadata_crash_point(const char *point);

#endif
