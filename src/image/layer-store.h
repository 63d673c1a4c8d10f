/* layer-store: extracted layers on disk, one directory per chain ID,
 * shared by every image that has the layer:
 *   <root>/overlay/<chainid-hex>/diff     the layer's files (overlay form)
 *   <root>/overlay/<chainid-hex>/parent   parent chain ID ("" for a base)
 *   <root>/overlay/l/<short> -> ../<chainid-hex>/diff
 * The short link (16 base32 characters derived from the chain ID) keeps a
 * long lowerdir= option within the mount-option page.  Invariant: a chain
 * directory exists only complete: layers are extracted into
 * <root>/overlay/tmp-<random> and renamed into place; a crash leaves only
 * tmp- dirs, which open() removes.  Reference counts live in the metadata,
 * not here. */
#ifndef BERTH_IMAGE_LAYER_STORE_H
#define BERTH_IMAGE_LAYER_STORE_H

#include <stdbool.h>

#include "common/digest.h"
#include "common/error.h"
#include "image/layer-unpack.h"

/* 16 base32 characters (80 bits of the chain ID) and a NUL */
#define LAYER_SHORT_ID_LEN 16
#define LAYER_SHORT_ID_SIZE (LAYER_SHORT_ID_LEN + 1)

enum layer_store_flags {
	/* Skip the syncfs() before a layer is renamed into place (tests,
	 * benchmarks): a crash may then leave a complete-looking layer with
	 * lost data */
	LAYER_STORE_NO_SYNC = 1 << 0,
};

struct layer_store;

/* Open (creating when missing) <root_dir>/overlay; removes tmp- dirs left
 * by a crash that no live process holds.  Caller frees with
 * layer_store_free. */
int layer_store_open(const char *root_dir, enum layer_store_flags flags, struct layer_store **ret,
		     berth_error_t **err);
void layer_store_free(struct layer_store *store);

/* The data root and the overlay dir (borrowed, valid while store is) */
const char *layer_store_root(const struct layer_store *store);
const char *layer_store_overlay_dir(const struct layer_store *store);
/* An O_PATH fd of <root>/overlay (borrowed) */
int layer_store_dirfd(const struct layer_store *store);

/* The short link name of a chain ID */
void layer_store_short_id(const struct digest *chain_id, char out[LAYER_SHORT_ID_SIZE]);

/* True when the layer is present (complete) */
bool layer_store_exists(struct layer_store *store, const struct digest *chain_id);

/* Make sure the layer is present: when it is not, extract the tar read
 * from fd (not owned) into a temp dir, verify its diffID (opts->diff_id,
 * when set), and rename it into place.  parent may be NULL (base layer).
 * Returns 1 when this call created the layer, 0 when it was already there
 * (fd is then not read; also when another process won the race).  ret (may
 * be NULL) is filled only when the layer was created. */
int layer_store_ensure(struct layer_store *store, const struct digest *chain_id,
		       const struct digest *parent, int fd, const struct layer_unpack_options *opts,
		       struct layer_unpack_result *ret, berth_error_t **err);

/* The parent chain ID of a present layer: 1 and *ret filled, 0 for a base
 * layer, < 0 on error (ENOENT when the layer is absent) */
int layer_store_parent(struct layer_store *store, const struct digest *chain_id, struct digest *ret,
		       berth_error_t **err);

/* Paths of a layer's diff dir and of its short link; caller frees */
char *layer_store_diff_path(const struct layer_store *store, const struct digest *chain_id);
char *layer_store_link_path(const struct layer_store *store, const struct digest *chain_id);

/* Remove a layer (its dir and link); a missing layer is not an error.  The
 * caller (metadata) knows that no image or container uses it. */
int layer_store_remove(struct layer_store *store, const struct digest *chain_id,
		       berth_error_t **err);

#endif
