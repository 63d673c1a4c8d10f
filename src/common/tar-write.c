/* tar-write: the header writer of tar.h.  Every entry gets a ustar header;
 * what does not fit its fields (names and link targets over 99 bytes,
 * sizes from 8 GiB, big ids and times) goes first into a pax 'x' header,
 * which readers since POSIX.1-2001 (and docker's archive/tar) apply to the
 * entry that follows. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/fdio.h"
#include "common/tar.h"

#define TAR_NAME_FIELD 100
#define TAR_OCTAL7_MAX 07777777ULL      /* 8-byte fields: mode, uid, gid */
#define TAR_OCTAL11_MAX 077777777777ULL /* 12-byte fields: size, mtime */

/* "LEN KEY=VALUE\n", where LEN counts itself */
static void pax_record(struct strbuf *out, const char *key, const char *value)
{
	size_t body = strlen(key) + strlen(value) + 3; /* ' ', '=', '\n' */
	size_t len = body + 1;
	while ((size_t)snprintf(NULL, 0, "%zu", len) + body != len)
		len++;
	strbuf_addf(out, "%zu %s=%s\n", len, key, value);
}

/* One ustar block for e, with size as its size field */
static void tar_block(struct strbuf *out, const struct tar_entry *e, uint64_t size)
{
	char h[TAR_BLOCK_SIZE];
	memset(h, 0, sizeof(h));
	/* a long name is cut here: the pax record before carries it whole */
	snprintf(h, TAR_NAME_FIELD, "%s", e->name);
	snprintf(h + 100, 8, "%07o", (unsigned)(e->mode & 07777));
	snprintf(h + 108, 8, "%07llo", (unsigned long long)(e->uid > TAR_OCTAL7_MAX ? 0 : e->uid));
	snprintf(h + 116, 8, "%07llo", (unsigned long long)(e->gid > TAR_OCTAL7_MAX ? 0 : e->gid));
	snprintf(h + 124, 12, "%011llo", (unsigned long long)(size > TAR_OCTAL11_MAX ? 0 : size));
	/* 11 octal digits hold times until the year 4147; before 1970 is 0 */
	unsigned long long mtime = e->mtime > 0 && (uint64_t)e->mtime <= TAR_OCTAL11_MAX ?
					   (unsigned long long)e->mtime :
					   0;
	snprintf(h + 136, 12, "%011llo", mtime);
	h[156] = e->type;
	if (e->link)
		snprintf(h + 157, TAR_NAME_FIELD, "%s", e->link);
	memcpy(h + 257,
	       "ustar\0"
	       "00",
	       8);
	memset(h + 148, ' ', 8);
	unsigned sum = 0;
	for (size_t i = 0; i < TAR_BLOCK_SIZE; i++)
		sum += (uint8_t)h[i];
	snprintf(h + 148, 8, "%06o", sum);
	strbuf_add(out, h, sizeof(h));
}

void tar_header_format(struct strbuf *out, const struct tar_entry *e)
{
	const char *link = e->link ? e->link : "";
	char num[32];
	struct strbuf rec = STRBUF_INIT;
	if (strlen(e->name) >= TAR_NAME_FIELD)
		pax_record(&rec, "path", e->name);
	if (strlen(link) >= TAR_NAME_FIELD)
		pax_record(&rec, "linkpath", link);
	if (e->size > TAR_OCTAL11_MAX) {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)e->size);
		pax_record(&rec, "size", num);
	}
	if (e->uid > TAR_OCTAL7_MAX) {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)e->uid);
		pax_record(&rec, "uid", num);
	}
	if (e->gid > TAR_OCTAL7_MAX) {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)e->gid);
		pax_record(&rec, "gid", num);
	}
	if (e->mtime < 0 || (uint64_t)e->mtime > TAR_OCTAL11_MAX) {
		snprintf(num, sizeof(num), "%lld", (long long)e->mtime);
		pax_record(&rec, "mtime", num);
	}
	if (rec.len) {
		struct tar_entry pax = *e;
		pax.type = 'x';
		pax.name = "PaxHeaders/entry";
		pax.link = NULL;
		pax.mode = 0644;
		tar_block(out, &pax, rec.len);
		strbuf_add(out, rec.buf, rec.len);
		static const char zeros[TAR_BLOCK_SIZE];
		strbuf_add(out, zeros, tar_pad_size(rec.len));
	}
	strbuf_release(&rec);
	tar_block(out, e, e->size);
}

int tar_write_header(int fd, const struct tar_entry *e, berth_error_t **err)
{
	struct strbuf sb = STRBUF_INIT;
	tar_header_format(&sb, e);
	int r = fd_write_all(fd, sb.buf, sb.len);
	strbuf_release(&sb);
	if (r < 0)
		return berth_error_set(err, errno, "write tar header");
	return 0;
}

int tar_write_zeros(int fd, size_t n, berth_error_t **err)
{
	static const uint8_t zeros[2 * TAR_BLOCK_SIZE];
	if (n > sizeof(zeros))
		return berth_error_fail(err, EINVAL, "tar padding of %zu bytes", n);
	if (n && fd_write_all(fd, zeros, n) < 0)
		return berth_error_set(err, errno, "write tar padding");
	return 0;
}

int tar_write_end(int fd, berth_error_t **err)
{
	return tar_write_zeros(fd, 2 * TAR_BLOCK_SIZE, err);
}
