/* tar: a small streaming ustar + pax reader and writer (what `berth cp`
 * needs, without libarchive).  The reader is a push parser for untrusted
 * input: it is fed chunks of any size and calls back once per entry and per
 * data chunk; it never touches the filesystem, and reports names as they
 * are in the archive ("../x" included): what to do with them is the
 * caller's policy.  The writer emits ustar headers, preceded by a pax 'x'
 * header for what does not fit (long names and link targets, big sizes). */
#ifndef BERTH_COMMON_TAR_H
#define BERTH_COMMON_TAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/strbuf.h"

#define TAR_BLOCK_SIZE 512
/* Cap on the data of one pax ('x', 'g') or GNU long name ('L', 'K') header:
 * they carry a few paths, more is not an archive anyone meant */
#define TAR_META_MAX (1 << 20)

/* Entry types (the header's typeflag).  The reader reports the old
 * regular-file flags '\0' and '7' (contiguous) as TAR_REG, and consumes
 * pax and GNU long name headers itself; other flags pass through as is. */
enum tar_type {
	TAR_REG = '0',
	TAR_LINK = '1', /* hard link to `link`, an earlier entry's name */
	TAR_SYMLINK = '2',
	TAR_CHR = '3',
	TAR_BLK = '4',
	TAR_DIR = '5',
	TAR_FIFO = '6',
};

/* One entry.  The strings are borrowed: valid during the callback (reader)
 * or the call (writer).  link is "" when the entry has none. */
struct tar_entry {
	char type;        /* enum tar_type, or another typeflag byte */
	const char *name; /* pax path > GNU long name > ustar prefix/name */
	const char *link; /* pax linkpath > GNU long link > ustar linkname */
	uint32_t mode;    /* permission bits only (07777) */
	uint64_t uid, gid;
	int64_t mtime; /* seconds; a pax fraction is dropped */
	uint64_t size; /* bytes of data that follow (pax size wins) */
};

/* Reader callbacks; each returns < 0 with *err set to stop the reader.
 * entry: a new entry, before its data.  data: the next chunk of its data
 * (any entry type with a size; never for a size of 0), may be NULL.  end:
 * all of its data has been passed (right after entry when size is 0), may
 * be NULL. */
struct tar_reader_ops {
	int (*entry)(const struct tar_entry *e, void *ud, berth_error_t **err);
	int (*data)(const void *buf, size_t len, void *ud, berth_error_t **err);
	int (*end)(void *ud, berth_error_t **err);
};

struct tar_reader;

/* A new reader calling ops with ud; ops is borrowed and must outlive it */
struct tar_reader *tar_reader_new(const struct tar_reader_ops *ops, void *ud);
/* Frees r; accepts NULL */
void tar_reader_free(struct tar_reader *r);

/* Feed the next len bytes of the archive.  Fails with EINVAL on a bad
 * header (checksum, numbers, pax records), EFBIG on a pax or long-name
 * header over TAR_META_MAX, or with what a callback failed with.  After a
 * failure the reader stays failed.  Bytes after the end-of-archive block
 * are ignored. */
int tar_reader_feed(struct tar_reader *r, const void *buf, size_t len, berth_error_t **err);

/* Whether the end-of-archive (a zero block) has been read */
bool tar_reader_done(const struct tar_reader *r);

/* Call when the input has ended: fails (EINVAL, "unexpected end") when it
 * stopped inside a header or an entry's data.  An archive that ends on a
 * block boundary without its zero blocks is accepted, as GNU tar does.
 * A failure leaves the reader failed, as tar_reader_feed's do. */
int tar_reader_finish(struct tar_reader *r, berth_error_t **err);

/* A helper for extraction policies: name made relative and clean
 * (leading '/', empty and "." components dropped), or NULL when it has a
 * ".." component, is empty once cleaned, or is longer than max.  The
 * caller owns the result. */
char *tar_name_clean(const char *name, size_t max);

/* ---- writing ---- */

/* Append the header block(s) of e to out: a pax 'x' header with its data
 * first when the name or link is over 99 bytes, or the size, uid, gid or
 * mtime does not fit its octal field.  e->size is what the entry's data
 * will be; the caller writes it and then tar_pad_size(e->size) zeros. */
void tar_header_format(struct strbuf *out, const struct tar_entry *e);

/* tar_header_format into fd */
int tar_write_header(int fd, const struct tar_entry *e, berth_error_t **err);

/* The zeros that follow size bytes of data, up to the next block */
static inline size_t tar_pad_size(uint64_t size)
{
	return (size_t)((TAR_BLOCK_SIZE - size % TAR_BLOCK_SIZE) % TAR_BLOCK_SIZE);
}

/* Write n zero bytes (n <= 2 * TAR_BLOCK_SIZE) into fd */
int tar_write_zeros(int fd, size_t n, berth_error_t **err);

/* Write the end of the archive: two zero blocks */
int tar_write_end(int fd, berth_error_t **err);

#endif
