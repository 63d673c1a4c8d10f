/* strbuf: growable strings.  All growth goes through strbuf_grow, which
 * keeps room for the terminating NUL and checks for size_t overflow. */
#include "common/strbuf.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

char strbuf_empty[1];

void strbuf_init(struct strbuf *sb, size_t hint)
{
	sb->alloc = 0;
	sb->len = 0;
	sb->buf = strbuf_empty;
	if (hint)
		strbuf_grow(sb, hint);
}

void strbuf_release(struct strbuf *sb)
{
	if (sb->alloc)
		free(sb->buf);
	strbuf_init(sb, 0);
}

void strbuf_cleanup(struct strbuf *sb)
{
	strbuf_release(sb);
}

char *strbuf_detach(struct strbuf *sb, size_t *ret_len)
{
	if (sb->alloc == 0)
		strbuf_grow(sb, 0);
	char *res = sb->buf;
	if (ret_len)
		*ret_len = sb->len;
	strbuf_init(sb, 0);
	return res;
}

void strbuf_grow(struct strbuf *sb, size_t extra)
{
	if (extra > SIZE_MAX - sb->len - 1) {
		fprintf(stderr, "berth: strbuf size overflow\n");
		abort();
	}
	size_t need = sb->len + extra + 1;
	if (need <= sb->alloc)
		return;
	int was_empty = sb->alloc == 0;
	if (was_empty)
		sb->buf = NULL;
	sb->buf = xgrow(sb->buf, &sb->alloc, need, 1);
	if (was_empty)
		sb->buf[0] = '\0';
}

void strbuf_setlen(struct strbuf *sb, size_t len)
{
	if (sb->alloc == 0) {
		if (len)
			abort();
		return;
	}
	if (len >= sb->alloc)
		abort();
	sb->len = len;
	sb->buf[len] = '\0';
}

void strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	if (len == 0)
		return;
	strbuf_grow(sb, len);
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void strbuf_addstr(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void strbuf_addch(struct strbuf *sb, int c)
{
	char ch = (char)c;
	strbuf_add(sb, &ch, 1);
}

void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	/* format into the free space first, and again after growing when it
	 * did not fit (git's approach; avoids a NULL destination) */
	strbuf_grow(sb, 64);
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		abort();
	if ((size_t)n >= sb->alloc - sb->len) {
		strbuf_grow(sb, (size_t)n);
		n = vsnprintf(sb->buf + sb->len, sb->alloc - sb->len, fmt, ap);
		if (n < 0)
			abort();
	}
	sb->len += (size_t)n;
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

void strbuf_rtrim(struct strbuf *sb)
{
	size_t len = sb->len;
	while (len && isspace((unsigned char)sb->buf[len - 1]))
		len--;
	if (sb->alloc)
		strbuf_setlen(sb, len);
}
