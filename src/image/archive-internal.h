/* archive-internal: the pieces archive-docker.c and archive-oci.c share
 * (archive-common.c): a tar stream read once into a member table (small
 * members in memory, large ones straight into the content store), member
 * names cleaned and refused when they would leave the archive, and the
 * import of one image (config, layers, tags) into the image store.
 * Internal to src/image. */
#ifndef BERTH_IMAGE_ARCHIVE_INTERNAL_H
#define BERTH_IMAGE_ARCHIVE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/digest.h"
#include "common/error.h"
#include "image/archive-common.h"
#include "image/image-store.h"

/* ---- member names ------------------------------------------------------- */

/* Clean a tar member name: drop leading "./" and "/"-runs, "." components
 * and a trailing "/".  Refused (EINVAL, naming the member): an absolute
 * name, any ".." component, an empty name (returned as "" only when
 * allow_empty: the archive's root directory entry), names longer than
 * ARCHIVE_MAX_NAME_LEN.  *ret is new (caller frees). */
int archive_clean_name(const char *name, bool allow_empty, char **ret, berth_error_t **err);

/* ---- the spool: a tar stream read into a member table ------------------- */

enum spool_kind {
	SPOOL_MEMORY, /* data in memory */
	SPOOL_BLOB,   /* data in the content store as digest */
	SPOOL_LINK,   /* a symlink or hard link to target */
};

struct spool_member {
	char *name; /* cleaned */
	enum spool_kind kind;
	char *data; /* SPOOL_MEMORY */
	size_t len;
	struct digest digest; /* SPOOL_BLOB; SPOOL_MEMORY once computed */
	bool has_digest;
	int64_t size;
	char *target; /* SPOOL_LINK: cleaned member name */
};

struct archive_spool {
	struct content_store *cs; /* not owned */
	struct spool_member *v;
	size_t n, alloc;
	size_t mem_total;
};

/* Read the tar stream on fd (plain, gzip, xz or zstd) to its end into sp.
 * Directories are skipped; regular files of at most 1 MiB are kept in
 * memory (up to 64 MiB in all), larger ones are written to the content
 * store (a member named blobs/sha256/<hex> is verified against that
 * digest on the way).  Symlinks and hard links become links to other
 * members, refused when they point outside the archive.  Refused: unsafe
 * names, duplicate names, other member types, more than
 * ARCHIVE_MAX_MEMBERS members, a truncated or damaged stream. */
void archive_spool_init(struct archive_spool *sp, struct content_store *cs);
int archive_spool_read(struct archive_spool *sp, int fd, berth_error_t **err);
void archive_spool_release(struct archive_spool *sp);

/* The member name (already cleaned or not: it is cleaned here) refers to,
 * links followed; ENOENT "archive has no file 'name'" */
int archive_spool_find(struct archive_spool *sp, const char *name, const struct spool_member **ret,
		       berth_error_t **err);
/* Whole content of a member of at most max bytes; caller frees *ret
 * (NUL-terminated) */
int archive_spool_read_all(struct archive_spool *sp, const char *name, size_t max, char **ret,
			   size_t *ret_len, berth_error_t **err);
/* Make sure the member is a blob in the content store; *ret_digest and
 * *ret_size (may be NULL) get its digest and size */
int archive_spool_store(struct archive_spool *sp, const char *name, struct digest *ret_digest,
			int64_t *ret_size, berth_error_t **err);

/* ---- importing one image ------------------------------------------------ */

/* One layer as the format found it */
struct archive_layer_in {
	int fd;          /* to read the blob from (owned by the import, closed) */
	bool in_store;   /* blob_digest is in the content store (fd reads it, unless the
			  * import copied it there after opening) */
	bool has_digest; /* blob_digest is known (and, unless in_store, expected) */
	struct digest blob_digest;
	int64_t blob_size;      /* -1 when unknown */
	const char *media_type; /* may be NULL: told by magic */
	char *name;             /* for errors ("blobs/sha256/…", "<id>/layer.tar"); owned */
};

typedef int (*archive_open_layer_fn)(void *userdata, size_t i, struct archive_layer_in *ret,
				     berth_error_t **err);

struct archive_image_in {
	const char *config; /* raw bytes; their digest is the image ID */
	size_t config_len;
	const char *config_name; /* for errors */
	/* When set, the config must have this digest */
	const struct digest *config_digest;
	size_t n_layers; /* must equal the config's diff_ids */
	archive_open_layer_fn open_layer;
	void *userdata;
	/* The manifest as found (OCI layouts), stored as a blob; may be NULL */
	const char *manifest;
	size_t manifest_len;
	const char *manifest_media_type;
	/* Full or short references; tagged already */
	const char *const *tags;
	size_t n_tags;
};

/* Parse and check the config, put every layer into the layer store (its
 * diffID checked against the config's rootfs.diff_ids), store the config
 * (and manifest) blobs, and add the image with its tags; report progress
 * and append to loaded (may be NULL). */
int archive_import_image(struct image_store *s, const struct archive_load_options *opts,
			 const struct archive_image_in *in, struct archive_loaded *loaded,
			 berth_error_t **err);

/* ---- saving ------------------------------------------------------------- */

/* One image to write, as resolved from a name */
struct archive_save_image {
	struct digest id;
	struct image_info *info; /* owned */
	char *config;            /* owned */
	size_t config_len;
	char *manifest; /* OCI manifest for the layout, owned */
	size_t manifest_len;
	struct digest manifest_digest;
	char **tags; /* full refs to write (RepoTags / ref.name), NULL-terminated */
	size_t n_tags;
};

struct archive_save_set {
	struct archive_save_image *v;
	size_t n, alloc;
};

/* Resolve names (references or IDs) into the set: the same image named
 * twice is one entry with both tags.  A reference with a tag saves that
 * tag; an ID saves no tag (as docker); a name without a tag saves
 * name:latest. */
int archive_save_set_resolve(struct image_store *s, const char *const *names, size_t n,
			     struct archive_save_set *ret, berth_error_t **err);
void archive_save_set_release(struct archive_save_set *set);

/* The blobs of the set without duplicates, as a list of digests in the
 * order: configs and manifests and layers (for writing blobs/sha256) */
struct archive_blob_ref {
	struct digest digest;
	int64_t size;
	bool is_layer;
};
void archive_save_set_blobs(const struct archive_save_set *set, struct archive_blob_ref **ret,
			    size_t *ret_n);

/* index.json of an OCI layout for the set (one entry per tag, each with
 * org.opencontainers.image.ref.name = the tag and io.containerd.image.name
 * = the full reference; one entry without annotations for an untagged
 * image); caller frees the json */
json_t *archive_save_index_json(const struct archive_save_set *set);

/* Load the OCI layout held in a spooled tar (archive-oci.c): for
 * oci-archive tars and for docker-archive tars without manifest.json */
int archive_oci_load_spool(struct image_store *s, struct archive_spool *sp,
			   const struct archive_load_options *opts, struct archive_loaded *ret,
			   berth_error_t **err);

#define ARCHIVE_OCI_LAYOUT "{\"imageLayoutVersion\":\"1.0.0\"}"
#define ARCHIVE_ANNOTATION_REF_NAME "org.opencontainers.image.ref.name"
#define ARCHIVE_ANNOTATION_CONTAINERD_NAME "io.containerd.image.name"

/* Tar writing shared by both formats (libarchive, pax) */
struct archive;
int archive_tar_open(int fd, struct archive **ret, berth_error_t **err);
int archive_tar_add_dir(struct archive *a, const char *name, berth_error_t **err);
int archive_tar_add_buffer(struct archive *a, const char *name, const void *data, size_t len,
			   berth_error_t **err);
/* Copy the content store's blob into the tar as name */
int archive_tar_add_blob(struct archive *a, struct content_store *cs, const char *name,
			 const struct digest *d, berth_error_t **err);
/* Write the blobs of the set as blobs/sha256/<hex> (and the directories) */
int archive_tar_add_set_blobs(struct archive *a, struct image_store *s,
			      const struct archive_save_set *set, archive_progress_fn fn,
			      void *userdata, berth_error_t **err);
int archive_tar_close(struct archive *a, berth_error_t **err);
void archive_tar_free(struct archive *a);

#endif
