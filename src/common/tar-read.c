/* tar-read: the streaming ustar + pax reader of tar.h.  A state machine
 * fed with chunks of any size: a header is gathered into one block, pax and
 * GNU long-name data into a buffer capped at TAR_META_MAX, entry data is
 * passed through without copying.  Every number and record is checked
 * before use: the input is untrusted (a container's files). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "common/tar.h"
#include "common/xalloc.h"

enum tar_state {
	TAR_ST_HEADER, /* gathering a header block */
	TAR_ST_DATA,   /* an entry's data, passed to ops->data */
	TAR_ST_META,   /* a pax or long-name header's data, into meta */
	TAR_ST_PAD,    /* zeros up to the next block */
	TAR_ST_END,    /* the end-of-archive block has been read */
	TAR_ST_FAILED,
};

struct tar_reader {
	const struct tar_reader_ops *ops; /* not owned */
	void *ud;
	enum tar_state state;
	uint8_t hdr[TAR_BLOCK_SIZE];
	size_t hlen;
	uint64_t left; /* data bytes of the current entry or meta header */
	size_t pad;
	char meta_type; /* 'x', 'g', 'L', 'K' while gathering their data */
	struct strbuf meta;
	/* what pax and GNU headers say about the next entry */
	char *pax_path, *pax_link, *long_path, *long_link;
	bool has_size, has_uid, has_gid, has_mtime;
	uint64_t pax_size, pax_uid, pax_gid;
	int64_t pax_mtime;
};

struct tar_reader *tar_reader_new(const struct tar_reader_ops *ops, void *ud)
{
	struct tar_reader *r = xzalloc(sizeof(*r));
	r->ops = ops;
	r->ud = ud;
	r->state = TAR_ST_HEADER;
	strbuf_init(&r->meta, 0);
	return r;
}

static void tar_reader_reset_next(struct tar_reader *r)
{
	free(r->pax_path);
	free(r->pax_link);
	free(r->long_path);
	free(r->long_link);
	r->pax_path = r->pax_link = r->long_path = r->long_link = NULL;
	r->has_size = r->has_uid = r->has_gid = r->has_mtime = false;
}

void tar_reader_free(struct tar_reader *r)
{
	if (!r)
		return;
	tar_reader_reset_next(r);
	strbuf_release(&r->meta);
	free(r);
}

bool tar_reader_done(const struct tar_reader *r)
{
	return r->state == TAR_ST_END;
}

/* A numeric header field: octal digits between optional spaces or NULs,
 * or GNU base-256 (high bit set) for values that do not fit.  Negative
 * base-256 values and anything over 64 bits are refused. */
static int tar_number(const uint8_t *p, size_t n, uint64_t *ret)
{
	uint64_t v = 0;
	if (p[0] & 0x80) {
		if (p[0] & 0x40)
			return -1;
		v = p[0] & 0x3f;
		for (size_t i = 1; i < n; i++) {
			if (v >> 56)
				return -1;
			v = v << 8 | p[i];
		}
		*ret = v;
		return 0;
	}
	size_t i = 0;
	while (i < n && (p[i] == ' ' || p[i] == 0))
		i++;
	for (; i < n && p[i] >= '0' && p[i] <= '7'; i++) {
		if (v >> 61)
			return -1;
		v = v * 8 + (uint64_t)(p[i] - '0');
	}
	for (; i < n; i++)
		if (p[i] != ' ' && p[i] != 0)
			return -1;
	*ret = v;
	return 0;
}

/* The mtime field: a number, or a negative one in base-256 (two's
 * complement, as GNU tar and Go write times before 1970) */
static int tar_time(const uint8_t *p, size_t n, int64_t *ret)
{
	uint64_t v = 0;
	if ((p[0] & 0xc0) == 0xc0) {
		v = (uint8_t)~p[0] & 0x3f;
		for (size_t i = 1; i < n; i++) {
			if (v >> 55)
				return -1;
			v = v << 8 | (uint8_t)~p[i];
		}
		*ret = -(int64_t)v - 1; /* ~x == -x - 1 */
		return 0;
	}
	if (tar_number(p, n, &v) < 0 || v > INT64_MAX)
		return -1;
	*ret = (int64_t)v;
	return 0;
}

/* The checksum counts the checksum field as spaces; old tars summed signed
 * chars, which GNU and Go accept too */
static bool tar_checksum_ok(const uint8_t *h)
{
	uint64_t want;
	if (tar_number(h + 148, 8, &want) < 0)
		return false;
	uint64_t sum = 0;
	int64_t ssum = 0;
	for (size_t i = 0; i < TAR_BLOCK_SIZE; i++) {
		uint8_t c = (i >= 148 && i < 156) ? ' ' : h[i];
		sum += c;
		ssum += (int8_t)c;
	}
	return sum == want || (uint64_t)ssum == want;
}

/* A decimal pax value: digits only, no overflow */
static int pax_uint(const char *p, const char *end, uint64_t *ret)
{
	if (p == end)
		return -1;
	uint64_t v = 0;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9' || v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*ret = v;
	return 0;
}

/* A pax time: [-]seconds[.fraction]; the fraction is checked and dropped */
static int pax_time(const char *p, const char *end, int64_t *ret)
{
	bool neg = p < end && *p == '-';
	if (neg)
		p++;
	const char *dot = memchr(p, '.', (size_t)(end - p));
	if (dot) {
		for (const char *q = dot + 1; q < end; q++)
			if (*q < '0' || *q > '9')
				return -1;
	}
	uint64_t v;
	if (pax_uint(p, dot ? dot : end, &v) < 0 || v > (uint64_t)INT64_MAX + neg)
		return -1;
	/* -2^63 has no positive counterpart: negate in unsigned */
	*ret = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

static void pax_set_string(char **slot, const char *v, size_t n)
{
	free(*slot);
	/* an empty value removes the keyword (POSIX pax); a NUL ends a name */
	*slot = n ? xstrndup(v, n) : NULL;
}

static int pax_bad(berth_error_t **err)
{
	return berth_error_fail(err, EINVAL, "archive/tar: invalid pax header");
}

/* The records "LEN KEY=VALUE\n" of a pax header, LEN counting the whole
 * record.  Those of an 'x' header apply to the next entry; a 'g' (global)
 * header is checked but not applied, as docker does. */
static int tar_reader_pax(struct tar_reader *r, berth_error_t **err)
{
	const char *p = r->meta.buf, *end = p + r->meta.len;
	bool apply = r->meta_type == 'x';
	while (p < end) {
		const char *q = p;
		uint64_t len = 0;
		for (; q < end && *q >= '0' && *q <= '9'; q++) {
			len = len * 10 + (uint64_t)(*q - '0');
			if (len > (uint64_t)(end - p))
				return pax_bad(err);
		}
		if (q == p || q == end || *q != ' ' || len > (uint64_t)(end - p))
			return pax_bad(err);
		const char *kv = q + 1, *rec_end = p + len - 1; /* at the '\n' */
		if (kv >= rec_end || *rec_end != '\n')
			return pax_bad(err);
		const char *eq = memchr(kv, '=', (size_t)(rec_end - kv));
		if (!eq || eq == kv)
			return pax_bad(err);
		size_t klen = (size_t)(eq - kv);
		const char *v = eq + 1;
		size_t vlen = (size_t)(rec_end - v);
#define KEY_IS(k) (klen == sizeof(k) - 1 && memcmp(kv, k, klen) == 0)
		if (KEY_IS("path")) {
			if (apply)
				pax_set_string(&r->pax_path, v, vlen);
		} else if (KEY_IS("linkpath")) {
			if (apply)
				pax_set_string(&r->pax_link, v, vlen);
		} else if (KEY_IS("size") || KEY_IS("uid") || KEY_IS("gid")) {
			uint64_t n = 0;
			if (vlen && pax_uint(v, rec_end, &n) < 0)
				return pax_bad(err);
			if (apply && KEY_IS("size"))
				r->pax_size = n, r->has_size = vlen != 0;
			else if (apply && KEY_IS("uid"))
				r->pax_uid = n, r->has_uid = vlen != 0;
			else if (apply)
				r->pax_gid = n, r->has_gid = vlen != 0;
		} else if (KEY_IS("mtime")) {
			int64_t t = 0;
			if (vlen && pax_time(v, rec_end, &t) < 0)
				return pax_bad(err);
			if (apply)
				r->pax_mtime = t, r->has_mtime = vlen != 0;
		}
#undef KEY_IS
		p += len;
	}
	return 0;
}

/* The data of a pax or GNU long-name header is complete */
static int tar_reader_meta_done(struct tar_reader *r, berth_error_t **err)
{
	if (r->meta_type == 'x' || r->meta_type == 'g')
		return tar_reader_pax(r, err);
	char **slot = r->meta_type == 'L' ? &r->long_path : &r->long_link;
	free(*slot);
	*slot = xstrndup(r->meta.buf, r->meta.len); /* stops at the NUL */
	return 0;
}

/* An entry's data (or none) has been passed */
static int tar_reader_entry_done(struct tar_reader *r, berth_error_t **err)
{
	r->state = r->pad ? TAR_ST_PAD : TAR_ST_HEADER;
	if (r->ops->end)
		return r->ops->end(r->ud, err);
	return 0;
}

static int tar_reader_header(struct tar_reader *r, berth_error_t **err)
{
	const uint8_t *h = r->hdr;
	bool zero = true;
	for (size_t i = 0; i < TAR_BLOCK_SIZE && zero; i++)
		zero = h[i] == 0;
	if (zero) {
		r->state = TAR_ST_END;
		return 0;
	}
	if (!tar_checksum_ok(h))
		return berth_error_fail(err, EINVAL, "archive/tar: invalid tar header");
	char type = (char)h[156];
	uint64_t size, mode, uid, gid;
	int64_t mtime;
	if (tar_number(h + 124, 12, &size) < 0 || tar_number(h + 100, 8, &mode) < 0 ||
	    tar_number(h + 108, 8, &uid) < 0 || tar_number(h + 116, 8, &gid) < 0 ||
	    tar_time(h + 136, 12, &mtime) < 0)
		return berth_error_fail(err, EINVAL, "archive/tar: invalid tar header");

	if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
		if (size > TAR_META_MAX)
			return berth_error_fail(err, EFBIG,
						"archive/tar: header of %llu bytes is too big",
						(unsigned long long)size);
		r->meta_type = type;
		strbuf_reset(&r->meta);
		r->left = size;
		r->pad = tar_pad_size(size);
		if (size) {
			r->state = TAR_ST_META;
			return 0;
		}
		r->state = r->pad ? TAR_ST_PAD : TAR_ST_HEADER;
		return tar_reader_meta_done(r, err);
	}

	/* ustar and pax put a prefix at 345; GNU's "ustar  " magic keeps
	 * other fields there */
	char name[TAR_BLOCK_SIZE], link[101];
	if (memcmp(h + 257, "ustar\0", 6) == 0 && h[345])
		snprintf(name, sizeof(name), "%.155s/%.100s", (const char *)h + 345,
			 (const char *)h);
	else
		snprintf(name, sizeof(name), "%.100s", (const char *)h);
	snprintf(link, sizeof(link), "%.100s", (const char *)h + 157);
	struct tar_entry e = {
		.type = (type == '\0' || type == '7') ? TAR_REG : type,
		.name = r->pax_path  ? r->pax_path :
			r->long_path ? r->long_path :
				       name,
		.link = r->pax_link  ? r->pax_link :
			r->long_link ? r->long_link :
				       link,
		.mode = (uint32_t)(mode & 07777),
		.uid = r->has_uid ? r->pax_uid : uid,
		.gid = r->has_gid ? r->pax_gid : gid,
		.mtime = r->has_mtime ? r->pax_mtime : mtime,
		.size = r->has_size ? r->pax_size : size,
	};
	r->left = e.size;
	r->pad = tar_pad_size(e.size);
	int ret = r->ops->entry ? r->ops->entry(&e, r->ud, err) : 0;
	tar_reader_reset_next(r);
	if (ret < 0)
		return ret;
	if (r->left) {
		r->state = TAR_ST_DATA;
		return 0;
	}
	return tar_reader_entry_done(r, err);
}

/* One step on the input: returns the bytes consumed, or -1 */
static ssize_t tar_reader_step(struct tar_reader *r, const uint8_t *p, size_t len,
			       berth_error_t **err)
{
	size_t n = 0;
	switch (r->state) {
	case TAR_ST_HEADER:
		n = TAR_BLOCK_SIZE - r->hlen < len ? TAR_BLOCK_SIZE - r->hlen : len;
		memcpy(r->hdr + r->hlen, p, n);
		r->hlen += n;
		if (r->hlen == TAR_BLOCK_SIZE) {
			r->hlen = 0;
			if (tar_reader_header(r, err) < 0)
				return -1;
		}
		return (ssize_t)n;
	case TAR_ST_DATA:
	case TAR_ST_META:
		n = r->left < len ? (size_t)r->left : len;
		if (r->state == TAR_ST_META)
			strbuf_add(&r->meta, p, n);
		else if (r->ops->data && r->ops->data(p, n, r->ud, err) < 0)
			return -1;
		r->left -= n;
		if (r->left == 0) {
			if (r->state == TAR_ST_META) {
				r->state = r->pad ? TAR_ST_PAD : TAR_ST_HEADER;
				if (tar_reader_meta_done(r, err) < 0)
					return -1;
			} else if (tar_reader_entry_done(r, err) < 0) {
				return -1;
			}
		}
		return (ssize_t)n;
	case TAR_ST_PAD:
		n = r->pad < len ? r->pad : len;
		r->pad -= n;
		if (r->pad == 0)
			r->state = TAR_ST_HEADER;
		return (ssize_t)n;
	case TAR_ST_END:
		return (ssize_t)len; /* what follows the end is ignored */
	case TAR_ST_FAILED:
		break;
	}
	return berth_error_fail(err, EINVAL, "archive/tar: reader failed earlier");
}

int tar_reader_feed(struct tar_reader *r, const void *buf, size_t len, berth_error_t **err)
{
	const uint8_t *p = buf;
	while (len > 0) {
		ssize_t n = tar_reader_step(r, p, len, err);
		if (n < 0) {
			r->state = TAR_ST_FAILED;
			return berth_error_codep(err);
		}
		p += n;
		len -= (size_t)n;
	}
	if (r->state == TAR_ST_FAILED)
		return berth_error_fail(err, EINVAL, "archive/tar: reader failed earlier");
	return 0;
}

int tar_reader_finish(struct tar_reader *r, berth_error_t **err)
{
	if (r->state == TAR_ST_FAILED)
		return berth_error_fail(err, EINVAL, "archive/tar: reader failed earlier");
	if (r->state == TAR_ST_END)
		return 0;
	bool pending = r->pax_path || r->pax_link || r->long_path || r->long_link || r->has_size ||
		       r->has_uid || r->has_gid || r->has_mtime;
	if (r->state != TAR_ST_HEADER || r->hlen != 0 || pending) {
		r->state = TAR_ST_FAILED;
		return berth_error_fail(err, EINVAL, "archive/tar: unexpected end of archive");
	}
	return 0;
}

char *tar_name_clean(const char *name, size_t max)
{
	while (*name == '/')
		name++;
	struct strbuf sb = STRBUF_INIT;
	const char *p = name;
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			strbuf_release(&sb);
			return NULL;
		}
		if (n && !(n == 1 && p[0] == '.')) {
			if (sb.len)
				strbuf_addch(&sb, '/');
			strbuf_add(&sb, p, n);
		}
		p += n + (slash ? 1 : 0);
	}
	if (sb.len == 0 || sb.len > max) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
}
