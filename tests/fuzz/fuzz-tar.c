/* fuzz-tar: libFuzzer target for common/tar-read.c, the reader of the
 * archives `berth cp` gets from a container.  Input: the archive bytes;
 * a hash of them picks the chunk sizes.  Invariants: no crash, callbacks
 * come in order (entry, data up to its size, end), every failure carries a
 * message and sticks, the result does not depend on the chunking, and each
 * entry the reader reports comes back the same through the writer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/strbuf.h"
#include "common/tar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct run {
	uint64_t hash; /* of every event, FNV-1a */
	bool in_entry;
	uint64_t size, seen;
	size_t entries;
};

static void mix(struct run *r, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		r->hash = (r->hash ^ b[i]) * 1099511628211ULL;
}

static bool same_entry(const struct tar_entry *a, const struct tar_entry *b)
{
	return a->type == b->type && strcmp(a->name, b->name) == 0 &&
	       strcmp(a->link, b->link) == 0 && a->mode == b->mode && a->uid == b->uid &&
	       a->gid == b->gid && a->mtime == b->mtime && a->size == b->size;
}

/* The writer's header for e, read back */
static int reread_entry(const struct tar_entry *e, void *ud, berth_error_t **err)
{
	const struct tar_entry *want = ud;
	if (!same_entry(e, want))
		abort();
	return berth_error_fail(err, 0, "stop"); /* only the first entry */
}

static void roundtrip(const struct tar_entry *e)
{
	struct strbuf sb = STRBUF_INIT;
	tar_header_format(&sb, e);
	if (sb.len % TAR_BLOCK_SIZE)
		abort();
	static const struct tar_reader_ops ops = { .entry = reread_entry };
	struct tar_reader *r = tar_reader_new(&ops, (void *)e);
	berth_error_t *err = NULL;
	/* it must stop in reread_entry */
	if (tar_reader_feed(r, sb.buf, sb.len, &err) == 0 || strcmp(err->msg, "stop") != 0)
		abort();
	berth_error_free(err);
	tar_reader_free(r);
	strbuf_release(&sb);
}

static int on_entry(const struct tar_entry *e, void *ud, berth_error_t **err)
{
	struct run *r = ud;
	if (r->in_entry || !e->name || !e->link || e->mode > 07777)
		abort();
	r->in_entry = true;
	r->size = e->size;
	r->seen = 0;
	r->entries++;
	mix(r, &e->type, 1);
	mix(r, e->name, strlen(e->name) + 1);
	mix(r, e->link, strlen(e->link) + 1);
	mix(r, &e->mode, sizeof(e->mode));
	mix(r, &e->uid, sizeof(e->uid));
	mix(r, &e->gid, sizeof(e->gid));
	mix(r, &e->mtime, sizeof(e->mtime));
	mix(r, &e->size, sizeof(e->size));
	roundtrip(e);
	/* an extraction policy's helper on every name */
	free(tar_name_clean(e->name, 4096));
	return 0;
}

static int on_data(const void *buf, size_t len, void *ud, berth_error_t **err)
{
	struct run *r = ud;
	if (!r->in_entry || len == 0 || r->seen + len > r->size)
		abort();
	r->seen += len;
	mix(r, buf, len);
	return 0;
}

static int on_end(void *ud, berth_error_t **err)
{
	struct run *r = ud;
	if (!r->in_entry || r->seen != r->size)
		abort();
	r->in_entry = false;
	mix(r, "E", 1);
	return 0;
}

static const struct tar_reader_ops run_ops = { on_entry, on_data, on_end };

/* Read data in chunks chosen by seed (0: all at once); returns the result
 * of feed + finish, and r->hash */
static int read_all(const uint8_t *data, size_t size, uint64_t seed, struct run *r)
{
	memset(r, 0, sizeof(*r));
	r->hash = 14695981039346656037ULL;
	struct tar_reader *t = tar_reader_new(&run_ops, r);
	berth_error_t *err = NULL;
	int ret = 0;
	size_t off = 0;
	while (off < size) {
		size_t n = size - off;
		if (seed) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			/* mostly small chunks, around block boundaries, some big */
			size_t pick = (size_t)(seed >> 33);
			n = pick % 4 == 0 ? pick % 1500 : pick % 4 == 1 ? 512 : pick % 17;
			if (n == 0 || n > size - off)
				n = size - off;
		}
		ret = tar_reader_feed(t, data + off, n, &err);
		if (ret < 0)
			break;
		off += n;
	}
	if (ret == 0)
		ret = tar_reader_finish(t, &err);
	if ((ret < 0) != (err != NULL) || (err && (!err->msg || !*err->msg)))
		abort();
	if (ret < 0) {
		/* failed for good */
		berth_error_t *err2 = NULL;
		if (tar_reader_feed(t, "x", 1, &err2) == 0 || !err2)
			abort();
		berth_error_free(err2);
		mix(r, err->msg, strlen(err->msg));
	} else if (r->in_entry) {
		abort(); /* finish accepted an entry cut short */
	}
	berth_error_free(err);
	tar_reader_free(t);
	return ret;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t seed = 1469598103934665603ULL;
	for (size_t i = 0; i < size && i < 64; i++)
		seed = (seed ^ data[i]) * 1099511628211ULL;
	seed |= 1;
	struct run whole, chunked;
	int a = read_all(data, size, 0, &whole);
	int b = read_all(data, size, seed, &chunked);
	/* a callback failing stops both runs at the same event */
	if ((a < 0) != (b < 0) || whole.hash != chunked.hash || whole.entries != chunked.entries)
		abort();
	return 0;
}
