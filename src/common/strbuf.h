/* strbuf: a growable, always NUL-terminated byte buffer, after git's.
 * Invariant: buf[len] == '\0' and buf is never NULL after STRBUF_INIT
 * (it points at a shared empty string until the first write). */
#ifndef BERTH_COMMON_STRBUF_H
#define BERTH_COMMON_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	size_t alloc;
	size_t len;
	char *buf;
};

extern char strbuf_empty[];
/* clang-format off */
#define STRBUF_INIT { 0, 0, strbuf_empty }
/* clang-format on */

void strbuf_init(struct strbuf *sb, size_t hint);
/* Frees the buffer and re-initialises sb */
void strbuf_release(struct strbuf *sb);
/* Hands out the buffer (caller frees) and re-initialises sb */
char *strbuf_detach(struct strbuf *sb, size_t *ret_len);
/* Room for at least extra more bytes plus the NUL */
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_setlen(struct strbuf *sb, size_t len);
static inline void strbuf_reset(struct strbuf *sb)
{
	strbuf_setlen(sb, 0);
}

void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Strip trailing whitespace */
void strbuf_rtrim(struct strbuf *sb);

void strbuf_cleanup(struct strbuf *sb);
#define cleanup_strbuf __attribute__((cleanup(strbuf_cleanup)))

#endif
