/* image-store: the images of a data root: the content store (blobs), the
 * layer store (extracted layers by chain ID) and the metadata database
 * (<root>/berth.db: images, tags, repo digests, layers, containers using
 * images), behind the operations the daemon exposes (add, tag, untag, rmi,
 * list, inspect, history, prune, gc).
 * Invariant: blobs and layer dirs are written BEFORE the metadata
 * transaction that references them commits, so a crash leaves at most
 * unreferenced blobs and layers (which gc removes), never a reference to
 * something missing, and never half an image. */
#ifndef BERTH_IMAGE_IMAGE_STORE_H
#define BERTH_IMAGE_IMAGE_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/digest.h"
#include "common/error.h"
#include "image/content-store.h"
#include "image/layer-store.h"
#include "oci/image.h"

enum image_store_flags {
	/* Skip syncfs/fsync of layers and use synchronous=OFF in SQLite
	 * (tests, benchmarks): a machine crash (not a process crash) may
	 * then lose recent images */
	IMAGE_STORE_NO_SYNC = 1 << 0,
};

struct image_store;

/* Open (creating when missing) the store under root (the data root):
 * <root>/berth.db, <root>/content, <root>/overlay.  Migrates the database
 * schema to the current version.  Caller frees with image_store_free. */
int image_store_open(const char *root, enum image_store_flags flags, struct image_store **ret,
		     berth_error_t **err);
void image_store_free(struct image_store *s);
static inline void image_store_freep(struct image_store **s)
{
	image_store_free(*s);
}
#define cleanup_image_store __attribute__((cleanup(image_store_freep)))

/* Borrowed, valid while s is */
const char *image_store_root(const struct image_store *s);
struct content_store *image_store_content(struct image_store *s);
struct layer_store *image_store_layers(struct image_store *s);

/* ---- layers ------------------------------------------------------------ */

/* One layer of an image, base layer first in every list */
struct image_layer {
	struct digest diff_id;  /* sha256 of the uncompressed tar */
	struct digest chain_id; /* its dir in the layer store */
	int64_t size;           /* bytes of regular files in the layer; -1: unknown */
	/* The layer as a blob in the content store (compressed as pulled or
	 * loaded), for save and push without re-exporting; optional */
	bool has_blob;
	struct digest blob_digest;
	int64_t blob_size;
	char *blob_media_type; /* owned; NULL when !has_blob or unknown */
};

void image_layer_release(struct image_layer *l);

enum image_layer_flags {
	/* Keep the bytes read from fd as a blob in the content store
	 * (ret->has_blob etc. set): import and load do, so that save can
	 * write the layer back as it came */
	IMAGE_LAYER_KEEP_BLOB = 1 << 0,
};

/* Put one layer into the layer store: read a tar (plain, gzip or zstd)
 * from fd (not owned, read to EOF), on top of parent (a chain ID present
 * in the layer store; NULL for a base layer).  expected_diff_id (may be
 * NULL: computed) is checked.  The layer is NOT yet referenced by any
 * image: pass *ret to image_store_add, else gc removes it.  media_type
 * (may be NULL) is recorded for the kept blob.  Fills *ret (release with
 * image_layer_release).  media_type NULL: the OCI layer type of the
 * compression found (tar, tar+gzip, tar+zstd). */
int image_store_put_layer(struct image_store *s, const struct digest *parent, int fd,
			  const struct digest *expected_diff_id, const char *media_type,
			  enum image_layer_flags flags, struct image_layer *ret,
			  berth_error_t **err);

/* ---- adding images ------------------------------------------------------ */

struct image_add {
	/* The image config, already stored as a blob in the content store;
	 * its digest is the image ID.  Its rootfs.diff_ids must equal the
	 * layers' diff IDs, in order. */
	struct digest config_digest;
	const struct image_layer *layers; /* base first; each present in the layer store */
	size_t n_layers;
	/* The manifest as pulled or loaded, already a blob in the content
	 * store; optional */
	bool has_manifest;
	struct digest manifest_digest;
	const char *manifest_media_type; /* may be NULL */
	/* References to point at the image ("busybox", "docker.io/x/y:1",
	 * any form image_ref_parse takes; "latest" is added when there is no
	 * tag).  A name with a digest ("x@sha256:…") is a repo digest.  A
	 * tag that names another image moves (that image may become
	 * dangling, as in docker).  May be NULL/0. */
	const char *const *tags;
	size_t n_tags;
	/* Repositories ("docker.io/library/busybox") whose repo digest is
	 * name@manifest_digest (pull); may be NULL/0 */
	const char *const *digest_repos;
	size_t n_digest_repos;
	/* Parent image (commit, build); NULL when none */
	const struct digest *parent;
};

/* A tag that moved away from an image while tagging (load reports these:
 * "The image X already exists, renaming the old one with ID … to empty
 * string") */
struct image_tag_move {
	char *ref; /* familiar form "busybox:latest"; owned */
	struct digest old_id;
};

struct image_tag_moves {
	struct image_tag_move *v;
	size_t n;
	size_t alloc;
};
void image_tag_moves_release(struct image_tag_moves *m);

/* Add (or, when the ID is known, re-tag) an image, in one transaction.
 * Checks before committing that the config blob, the manifest blob and
 * every layer exist, and that the config's diff_ids match the layers
 * (EINVAL otherwise).  *ret_id (may be NULL) gets the image ID; moves (may
 * be NULL) gets tags that moved away from other images (caller releases). */
int image_store_add(struct image_store *s, const struct image_add *add, struct digest *ret_id,
		    struct image_tag_moves *moves, berth_error_t **err);

/* ---- looking images up -------------------------------------------------- */

/* Resolve name as docker does: a reference ("busybox", "busybox:1",
 * "x@sha256:…"), else a full ID ("sha256:<64 hex>" or "<64 hex>"), else
 * a unique ID prefix ("3f57", "sha256:3f57").  ENOENT "No such image:
 * <name>" when nothing matches; EINVAL when a prefix is ambiguous. */
int image_store_resolve(struct image_store *s, const char *name, struct digest *ret_id,
			berth_error_t **err);

/* What the database knows of an image */
struct image_info {
	struct digest id; /* = the config digest */
	bool has_manifest;
	struct digest manifest_digest;
	char *manifest_media_type; /* NULL when unknown */
	bool has_parent;
	struct digest parent;
	int64_t created;            /* unix seconds (from the config) */
	int64_t size;               /* sum of the layers' sizes */
	struct image_layer *layers; /* base first */
	size_t n_layers;
	char **repo_tags; /* full normalised refs ("docker.io/library/busybox:latest"),
			     NULL-terminated, sorted */
	size_t n_repo_tags;
	char **repo_digests; /* full "docker.io/library/busybox@sha256:…", NULL-terminated */
	size_t n_repo_digests;
	int64_t last_tag_time_ns; /* 0 when never tagged */
};

/* Fill a new *ret for the image with this ID (ENOENT when unknown);
 * caller frees with image_info_free */
int image_store_get(struct image_store *s, const struct digest *id, struct image_info **ret,
		    berth_error_t **err);
void image_info_free(struct image_info *info);
static inline void image_info_freep(struct image_info **p)
{
	image_info_free(*p);
}
#define cleanup_image_info __attribute__((cleanup(image_info_freep)))

/* The image's config, read from the content store and parsed; caller frees */
int image_store_read_config(struct image_store *s, const struct digest *id,
			    struct oci_image_config **ret, berth_error_t **err);

/* ---- tags --------------------------------------------------------------- */

/* `docker tag SOURCE TARGET`: source is any name image_store_resolve
 * takes; target a reference (default tag "latest"; a digest is refused,
 * EINVAL "refusing to create a tag with a digest reference").  A target
 * naming another image moves; *ret_moved_from (may be NULL) gets that
 * image's ID and the return value is 1 then, else 0. */
int image_store_tag(struct image_store *s, const char *source, const char *target,
		    struct digest *ret_moved_from, berth_error_t **err);

/* Remove the reference name (tag or repo digest); the image stays even when
 * it becomes dangling.  ENOENT when the reference does not exist. */
int image_store_untag(struct image_store *s, const char *name, berth_error_t **err);

/* Go's RFC3339Nano rendering of a time (UTC, trailing zeros of the
 * fraction dropped; "0001-01-01T00:00:00Z" for ns <= 0, Go's zero time), as
 * the Engine API shows every time; caller frees */
char *image_format_time_ns(int64_t ns);

/* ---- containers using images -------------------------------------------- */

/* Record that container_id (any string, the daemon's ID) uses image_id
 * with its rootfs on top of top_chain (NULL for an image with no layers):
 * such images are not removed unless forced, and the layers under
 * top_chain are never collected while the record exists.  running tells
 * docker's hard conflict (running container: cannot be forced) from the
 * soft one; update it with image_store_container_set_running. */
int image_store_container_add(struct image_store *s, const char *container_id,
			      const struct digest *image_id, const struct digest *top_chain,
			      bool running, berth_error_t **err);
int image_store_container_set_running(struct image_store *s, const char *container_id, bool running,
				      berth_error_t **err);
/* A missing record is not an error */
int image_store_container_remove(struct image_store *s, const char *container_id,
				 berth_error_t **err);

/* ---- the Engine API operations ------------------------------------------ */

enum image_remove_flags {
	IMAGE_REMOVE_FORCE = 1 << 0,    /* ?force=1 */
	IMAGE_REMOVE_NO_PRUNE = 1 << 1, /* ?noprune=1 (parents are kept anyway) */
};

/* DELETE /images/{name} with docker's semantics: by reference, remove the
 * tag, then the image when no tag is left; by ID, remove all its tags and
 * the image.  Conflicts (EBUSY, docker's messages): an ID with tags in
 * several repositories ("conflict: unable to delete 3f57d9401f8d (must be
 * forced) - image is referenced in multiple repositories"), an image a
 * stopped container uses ("... (must be forced) - image is being used by
 * stopped container <id>"), a reference whose image a container uses
 * ("conflict: unable to remove repository reference \"x\" (must force) -
 * container <id> is using its referenced image <id>"), a running container
 * ("... (cannot be forced) - image is being used by running container
 * <id>"), child images ("(cannot be forced) - image has dependent child
 * images").  ENOENT when nothing matches name.  *ret gets the response
 * array [{"Untagged": "busybox:latest"}, {"Deleted": "sha256:…"}, ...].
 * Layers no longer used are removed from disk after the commit. */
int image_store_remove(struct image_store *s, const char *name, enum image_remove_flags flags,
		       json_t **ret, berth_error_t **err);

/* GET /images/json.  filters is the decoded `filters` query parameter,
 * either {"key": ["v", ...]} or the old {"key": {"v": true}} (NULL: none):
 * dangling=true|false, reference=<glob on familiar name[:tag]>,
 * label=k | k=v, before=<image>, since=<image>, until=<unix or RFC3339>.
 * EINVAL "invalid filter 'x'" for others.  all (?all=1) changes nothing:
 * there are no intermediate images.  *ret: the array docker returns, newest
 * first: {Id, ParentId, RepoTags, RepoDigests, Created, Size, SharedSize
 * (-1), VirtualSize, Labels, Containers (-1)} in familiar form. */
int image_store_list(struct image_store *s, const json_t *filters, json_t **ret,
		     berth_error_t **err);

/* GET /images/{name}/json in docker's shape */
int image_store_inspect(struct image_store *s, const char *name, json_t **ret, berth_error_t **err);

/* GET /images/{name}/history: newest first, [{Id, Created, CreatedBy,
 * Tags, Size, Comment}], Id "<missing>" for all but the top entry */
int image_store_history(struct image_store *s, const char *name, json_t **ret, berth_error_t **err);

/* POST /images/prune: remove dangling images (with filters
 * {"dangling": ["false"]} all images no container uses; label, label!,
 * until as in list) as `rmi` would, skipping conflicts; their layers and
 * blobs go with them (no full gc: a pull in flight must keep its blobs).
 * *ret: {"ImagesDeleted": [...] or null, "SpaceReclaimed": layer bytes}. */
int image_store_prune(struct image_store *s, const json_t *filters, json_t **ret,
		      berth_error_t **err);

/* ---- garbage collection (gc.c) ------------------------------------------ */

struct image_gc_result {
	uint64_t blobs_removed;
	uint64_t layers_removed;
	uint64_t bytes_reclaimed; /* blob bytes and layer sizes known to the metadata */
};

/* Remove blobs no image references (configs, manifests, layer blobs), layer
 * dirs no image or container uses, layer rows without an image, and
 * leftover temp dirs.  Must not run while another writer is between
 * writing blobs/layers and image_store_add (the daemon runs it at start
 * and from prune, on its one thread).  ret may be NULL. */
int image_store_gc(struct image_store *s, struct image_gc_result *ret, berth_error_t **err);

/* Integrity check for tests and `berthd --check`: every tag and digest
 * points at an image, every image's config and manifest blobs exist,
 * every layer dir of every image exists, PRAGMA integrity_check is ok.
 * EIO naming the first problem. */
int image_store_check(struct image_store *s, berth_error_t **err);

#endif
