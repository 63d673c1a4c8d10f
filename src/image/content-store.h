/* content-store: blobs by digest under the data root, at
 * <root>/content/blobs/sha256/<hex>.  Invariant: a blob file exists only
 * once its full content has been written, fsynced and verified against its
 * digest; writers stream into an unnamed O_TMPFILE in <root>/content/ingest
 * (or a locked, randomly named temp file there when the filesystem lacks
 * O_TMPFILE) and link it into place, so a crash never leaves a partial blob
 * and two writers of the same blob at once are safe. */
#ifndef BERTH_IMAGE_CONTENT_STORE_H
#define BERTH_IMAGE_CONTENT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/digest.h"
#include "common/error.h"

/* Default cap on one blob: larger than any real layer, small enough that a
 * hostile registry cannot fill the disk through one endless response. */
#define CONTENT_DEFAULT_MAX_BLOB_SIZE (INT64_C(64) << 30)

struct content_store_options {
	int64_t max_blob_size; /* 0: CONTENT_DEFAULT_MAX_BLOB_SIZE */
};

struct content_store;
struct content_writer;

/* Open (creating when missing) the store under root_dir (the data root:
 * blobs live in root_dir/content).  Stale temp files in ingest/ that no
 * live writer holds are removed.  opts may be NULL.  Caller frees *ret with
 * content_store_free. */
int content_store_open(const char *root_dir, const struct content_store_options *opts,
		       struct content_store **ret, berth_error_t **err);
void content_store_free(struct content_store *store);

/* True when the blob is present; *ret_size (may be NULL) gets its size.
 * Never fails: an unreadable blob counts as absent. */
bool content_has(struct content_store *store, const struct digest *d, int64_t *ret_size);

/* Open the blob read-only (O_CLOEXEC); returns the fd, caller closes.
 * ENOENT (berth_error_fail) when the blob is absent. */
int content_open_read(struct content_store *store, const struct digest *d, berth_error_t **err);

/* Path of the blob file (whether or not it exists); caller frees */
char *content_blob_path(struct content_store *store, const struct digest *d);

/* Start writing a blob.  expected may be NULL (digest unknown until the
 * end); expected_size is -1 when unknown.  Writes beyond expected_size or
 * the store's max blob size fail at once.  Caller owns *ret and must end it
 * with content_writer_free (which discards an uncommitted blob). */
int content_writer_begin(struct content_store *store, const struct digest *expected,
			 int64_t expected_size, struct content_writer **ret, berth_error_t **err);

/* Append len bytes, hashing them */
int content_writer_write(struct content_writer *w, const void *buf, size_t len,
			 berth_error_t **err);

/* Append everything read from fd (not owned) up to its EOF */
int content_writer_write_fd(struct content_writer *w, int fd, berth_error_t **err);

/* Bytes written so far */
int64_t content_writer_size(const struct content_writer *w);

/* fsync, verify the digest and size against what begin was told, and link
 * the blob into place.  If the blob already exists (another writer was
 * first) ours is discarded and that is success.  On a mismatch nothing is
 * stored (EINVAL, the message names both digests).  *ret_digest (may be
 * NULL) gets the digest of what was written.  The writer is finished either
 * way; free it with content_writer_free. */
int content_writer_commit(struct content_writer *w, struct digest *ret_digest, berth_error_t **err);

/* Discard what was written and free w; accepts NULL.  content_writer_free
 * is the same: both leave nothing behind unless commit succeeded. */
void content_writer_abort(struct content_writer *w);
void content_writer_free(struct content_writer *w);
static inline void content_writer_freep(struct content_writer **w)
{
	content_writer_free(*w);
}
#define cleanup_content_writer __attribute__((cleanup(content_writer_freep)))

/* Store a whole buffer; expected may be NULL.  *ret_digest may be NULL. */
int content_put_buffer(struct content_store *store, const void *buf, size_t len,
		       const struct digest *expected, struct digest *ret_digest,
		       berth_error_t **err);

/* Read a whole blob of at most max_size bytes into *ret (NUL-terminated,
 * caller frees) and verify it against its digest; for manifests and
 * configs.  EFBIG when larger than max_size. */
int content_read_all(struct content_store *store, const struct digest *d, size_t max_size,
		     char **ret, size_t *ret_len, berth_error_t **err);

/* Remove a blob; a missing blob is not an error */
int content_delete(struct content_store *store, const struct digest *d, berth_error_t **err);

/* Call fn for every blob (in no particular order) with its digest and
 * size; for garbage collection.  Files whose names are not digests are
 * skipped.  fn returning < 0 stops the walk and that value is returned (fn
 * fills err itself). */
typedef int (*content_list_fn)(const struct digest *d, int64_t size, void *userdata,
			       berth_error_t **err);
int content_list(struct content_store *store, content_list_fn fn, void *userdata,
		 berth_error_t **err);

#endif
