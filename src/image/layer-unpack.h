/* layer-unpack: extract one image layer (a tar, plain, gzip or zstd, told
 * apart by magic) into a directory in overlayfs form: `.wh.NAME` becomes a
 * 0:0 character device and `.wh..wh..opq` the trusted.overlay.opaque=y
 * xattr.  Invariant: nothing is ever created, changed or followed outside
 * the target directory, whatever the tar holds; every path is walked from
 * the directory fd one real directory at a time (O_NOFOLLOW), and the diffID
 * (sha256 of the uncompressed tar) is computed in the same single pass. */
#ifndef BERTH_IMAGE_LAYER_UNPACK_H
#define BERTH_IMAGE_LAYER_UNPACK_H

#include <stddef.h>
#include <stdint.h>

#include <dirent.h>

#include "common/digest.h"
#include "common/error.h"

enum layer_unpack_flags {
	/* Create block and character device nodes (needs root); without it
	 * they are skipped and counted in n_skipped */
	LAYER_UNPACK_DEVICES = 1 << 0,
	/* Do not chown (unprivileged unpack); implied when not root */
	LAYER_UNPACK_NO_CHOWN = 1 << 1,
	/* Also hash the bytes read from fd into blob_digest: a second
	 * sha256 pass that callers who already know the blob's digest (every
	 * store path: the blob was verified when it was written) skip */
	LAYER_UNPACK_BLOB_DIGEST = 1 << 2,
};

/* Caps on what a layer may hold; 0 in a field means the default */
struct layer_unpack_limits {
	uint64_t max_entries;    /* default 1,000,000 */
	uint64_t max_total_size; /* uncompressed tar bytes, default 64 GiB */
	size_t max_path_len;     /* default 4096 (PATH_MAX) */
	size_t max_name_len;     /* one component, default 255 (NAME_MAX) */
	size_t max_xattr_size;   /* one value, default 64 KiB (XATTR_SIZE_MAX) */
	size_t max_xattrs_total; /* names and values of one entry, default 1 MiB */
};

struct layer_unpack_options {
	enum layer_unpack_flags flags;
	struct layer_unpack_limits limits;
	/* Expected diffID, or NULL: a mismatch fails the unpack (the caller
	 * then discards the directory) */
	const struct digest *diff_id;
	/* Names the layer in errors ("layer sha256:…: entry '…': …"), e.g.
	 * its compressed digest; may be NULL */
	const char *name;
};

struct layer_unpack_result {
	struct digest diff_id;     /* sha256 of the uncompressed tar stream */
	struct digest blob_digest; /* sha256 of the bytes read from fd, with
				    * LAYER_UNPACK_BLOB_DIGEST (else zero) */
	uint64_t tar_size;         /* uncompressed tar bytes */
	uint64_t blob_size;        /* bytes read from fd */
	uint64_t content_size;     /* sum of regular file sizes */
	uint64_t n_entries;
	uint64_t n_skipped; /* device nodes (and aufs metadata) left out */
};

/* Extract the layer read from fd (not owned; read to EOF from its current
 * offset) into the directory dirfd (not owned; normally empty).  opts may
 * be NULL.  Errors name the entry; on failure dirfd may hold a partial
 * extraction, which the caller removes (layer-store extracts into a temp
 * dir for this reason).  *ret (may be NULL) is filled on success. */
int layer_unpack(int fd, int dirfd, const struct layer_unpack_options *opts,
		 struct layer_unpack_result *ret, berth_error_t **err);

/* The OCI media type of a layer blob by its first bytes (pread at offset
 * 0, fd not owned): OCI_MT_LAYER_GZIP, OCI_MT_LAYER_ZSTD, else OCI_MT_LAYER */
const char *layer_blob_media_type(int fd);
/* The diffID of a layer blob: sha256 of what layer_unpack would read as
 * the tar (gzip and zstd undone, anything else as it is), read from fd
 * (not owned) to EOF from its current offset */
int layer_blob_diff_id(int fd, struct digest *ret, berth_error_t **err);

/* opendir(3) of name under dirfd, opened O_RDONLY | O_DIRECTORY |
 * O_CLOEXEC | extra_flags; NULL with errno set on failure.  The DIR owns
 * its fd (closedir).  Shared by the stores' scans of their directories. */
DIR *layer_opendir_at(int dirfd, const char *name, int extra_flags);
/* Remove name (a file or a whole tree) under dirfd without following any
 * symlink; a missing name is not an error.  Shared by the layer store and
 * the overlay code, which remove trees a container may have filled. */
int layer_remove_tree_at(int dirfd, const char *name, berth_error_t **err);

#endif
