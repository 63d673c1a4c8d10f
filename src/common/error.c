/* error: construction, wrapping and rendering of berth_error_t.  Invariant:
 * after any call, err->msg equals the frames joined by ": ", followed by
 * strerror(errnum) when errnum is set and the error came from
 * berth_error_set (berth_error_fail only classifies with errnum). */
#define BERTH_ERROR_IMPL 1 /* the definitions below must not meet the analyzer macros */
#include "common/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/xalloc.h"

static void error_render(berth_error_t *e)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < e->n_frames; i++) {
		if (i)
			strbuf_addstr(&sb, ": ");
		strbuf_addstr(&sb, e->frames[i]);
	}
	if (e->errnum && e->show_errno) {
		if (sb.len)
			strbuf_addstr(&sb, ": ");
		strbuf_addstr(&sb, strerror(e->errnum));
	}
	free(e->msg);
	e->msg = strbuf_detach(&sb, NULL);
}

int berth_error_code(const berth_error_t *err)
{
	if (err == NULL || err->errnum <= 0)
		return -1;
	return -err->errnum;
}

__attribute__((format(printf, 4, 0))) static int
error_vset(berth_error_t **err, int errnum, int show_errno, const char *fmt, va_list ap)
{
	int code = errnum > 0 ? -errnum : -1;
	if (err == NULL)
		return code;
	berth_error_free(*err);
	berth_error_t *e = xzalloc(sizeof(*e));
	e->frames = xmalloc(sizeof(char *));
	e->frames[0] = xvasprintf(fmt, ap);
	e->n_frames = 1;
	e->errnum = errnum > 0 ? errnum : 0;
	e->show_errno = show_errno;
	error_render(e);
	*err = e;
	return code;
}

int berth_error_set(berth_error_t **err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = error_vset(err, errnum, 1, fmt, ap);
	va_end(ap);
	return r;
}

int berth_error_fail(berth_error_t **err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = error_vset(err, errnum, 0, fmt, ap);
	va_end(ap);
	return r;
}

int berth_error_wrap(berth_error_t **err, const char *fmt, ...)
{
	if (err == NULL || *err == NULL)
		return -1;
	berth_error_t *e = *err;
	va_list ap;
	va_start(ap, fmt);
	char *frame = xvasprintf(fmt, ap);
	va_end(ap);
	e->frames = xreallocarray(e->frames, e->n_frames + 1, sizeof(char *));
	memmove(e->frames + 1, e->frames, e->n_frames * sizeof(char *));
	e->frames[0] = frame;
	e->n_frames++;
	error_render(e);
	return berth_error_code(e);
}

const char *berth_error_cause(const berth_error_t *err)
{
	if (err == NULL || err->n_frames == 0)
		return "";
	return err->frames[err->n_frames - 1];
}

void berth_error_free(berth_error_t *err)
{
	if (err == NULL)
		return;
	for (size_t i = 0; i < err->n_frames; i++)
		free(err->frames[i]);
	free(err->frames);
	free(err->msg);
	free(err);
}

void berth_error_release(berth_error_t **err)
{
	if (err == NULL)
		return;
	berth_error_free(*err);
	*err = NULL;
}

void berth_error_print(const berth_error_t *err, const char *prog)
{
	if (err == NULL)
		return;
	fprintf(stderr, "%s: %s\n", prog, err->msg);
}
