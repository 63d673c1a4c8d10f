/* overlay: container root filesystems as overlay mounts of an image's
 * layers plus a writable upper, under <root>/containers/<id>/{upper,work,
 * merged}; the changes a container made (`diff`, A/C/D like docker diff);
 * and the upper exported as a layer tar for commit, whiteouts turned back
 * into `.wh.` entries.  Invariant: any lowerdir chain the kernel's overlay
 * accepts (up to 500 layers) mounts: one layer per fsconfig("lowerdir+")
 * where the new mount API has it, else a lowerdir= of short links relative
 * to <root>/overlay/l, which keeps 200+ layers within the option page. */
#ifndef BERTH_IMAGE_OVERLAY_H
#define BERTH_IMAGE_OVERLAY_H

#include <stddef.h>

#include "common/digest.h"
#include "common/error.h"
#include "image/layer-store.h"

/* The kernel's own stack limit (OVL_MAX_STACK) */
#define OVERLAY_MAX_LAYERS 500

enum overlay_flags {
	/* Mount with mount(2) and a short-link lowerdir= even where the new
	 * mount API works (tests) */
	OVERLAY_FORCE_LEGACY = 1 << 0,
};

/* Create <root>/containers/<id>/{upper,work,merged} and mount the overlay
 * of lowers (chain IDs, base layer FIRST, as in an image config's
 * rootfs.diff_ids; every one present in store) on merged.  n_lowers may be
 * 0 (an empty image: a lone empty lower is used).  *ret_rootfs (may be
 * NULL) gets the merged path, caller frees.  On failure nothing is left
 * mounted, and directories this call created are removed. */
int overlay_create(struct layer_store *store, const char *container_id, const struct digest *lowers,
		   size_t n_lowers, enum overlay_flags flags, char **ret_rootfs,
		   berth_error_t **err);

/* Paths under <root>/containers/<id>; caller frees */
char *overlay_merged_path(const struct layer_store *store, const char *container_id);
char *overlay_upper_path(const struct layer_store *store, const char *container_id);

/* Unmount merged; not mounted is not an error */
int overlay_unmount(struct layer_store *store, const char *container_id, berth_error_t **err);

/* Unmount and remove upper, work and merged (and <root>/containers/<id>
 * when that is then empty); missing pieces are not an error */
int overlay_remove(struct layer_store *store, const char *container_id, berth_error_t **err);

/* ---- diff.c ---------------------------------------------------------- */

enum overlay_change_kind {
	OVERLAY_CHANGE_ADD = 'A',
	OVERLAY_CHANGE_MODIFY = 'C',
	OVERLAY_CHANGE_DELETE = 'D',
};

struct overlay_change {
	enum overlay_change_kind kind;
	char *path; /* "/etc/passwd"; owned */
};

struct overlay_changes {
	struct overlay_change *v;
	size_t n;
	size_t alloc;
};

/* The changes an upper dir makes to its lowers (paths of directories,
 * topmost layer FIRST, i.e. mount order), sorted by path: A for a path no
 * lower has, C for a file replaced or a directory whose metadata changed,
 * D for a whiteout or a lower entry hidden by an opaque directory.  Fill
 * *ret (caller releases with overlay_changes_release). */
int overlay_diff(const char *upper, const char *const *lowers, size_t n_lowers,
		 struct overlay_changes *ret, berth_error_t **err);
void overlay_changes_release(struct overlay_changes *c);

/* Write the upper dir as a layer tar (pax) to out_fd (not owned): entries
 * sorted by name so that the same upper gives the same diffID; a 0:0
 * character device becomes `.wh.NAME`, an opaque directory gets a
 * `.wh..wh..opq` entry, trusted.overlay.* xattrs are left out, hard links
 * inside the upper stay hard links.  *ret_diff_id (may be NULL) gets the
 * sha256 of the tar written. */
int overlay_export_upper(const char *upper, int out_fd, struct digest *ret_diff_id,
			 berth_error_t **err);

#endif
