/* xalloc: allocation that cannot fail.  Running out of memory aborts the
 * process (STYLE.md: allocation failure is never an error path), so callers
 * never check these for NULL. */
#ifndef BERTH_COMMON_XALLOC_H
#define BERTH_COMMON_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t size);
void *xzalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
/* realloc with an overflow-checked nmemb * size, like reallocarray(3) */
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
/* xstrdup(NULL) returns NULL, so optional strings copy without a check */
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
void *xmemdup(const void *p, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Grow *arr (of *alloc elements of elsize) so that it holds at least n. */
void *xgrow(void *arr, size_t *alloc, size_t n, size_t elsize);

#endif
