/* error: the one error type of berth.  An error carries the errno that
 * caused it (0 when none) and a chain of context messages, innermost last;
 * `msg` is always the rendered chain "outer: inner: cause: strerror".
 * Library code fills errors and returns them; only the edges print them. */
#ifndef BERTH_COMMON_ERROR_H
#define BERTH_COMMON_ERROR_H

#include <stddef.h>

typedef struct berth_error {
	int errnum;     /* errno of the root cause, 0 when there is none */
	int show_errno; /* append strerror(errnum) to msg */
	char *msg;      /* rendered chain; owned */
	char **frames;  /* frames[0] is the outermost context; owned */
	size_t n_frames;
} berth_error_t;

/* Set *err (when err is not NULL) to a new error; a previous error in *err
 * is freed.  Returns a negative value: -errnum, or -1 when errnum is 0, so
 * that `return berth_error_set(err, errno, "open '%s'", p);` reads well. */
int berth_error_set(berth_error_t **err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like berth_error_set, but errnum only classifies the error (EINVAL for
 * bad input, ENOENT for a missing object, ...) and its strerror text is not
 * appended: for errors whose message already says everything. */
int berth_error_fail(berth_error_t **err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Add an outer context frame to *err.  Returns the same negative value as
 * the error it wraps (or -1 when *err is unset), for `return wrap(...)`. */
int berth_error_wrap(berth_error_t **err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The negative return value that corresponds to err */
int berth_error_code(const berth_error_t *err);

/* berth_error_codep(err) for an err that may be NULL (callers may pass
 * NULL when they do not want the error): `return berth_error_codep(err);` */
static inline int berth_error_codep(berth_error_t **err)
{
	return berth_error_code(err ? *err : NULL);
}

#if defined(__clang_analyzer__) && !defined(BERTH_ERROR_IMPL)
/* Tell the static analyzer what the contract says: these never succeed (and
 * berth_error_code is negative), so paths where a failing callee "returned
 * >= 0" are not explored. */
static inline int berth_error_negative(int r)
{
	if (r >= 0)
		__builtin_unreachable();
	return r;
}
#define berth_error_set(...) berth_error_negative(berth_error_set(__VA_ARGS__))
#define berth_error_fail(...) berth_error_negative(berth_error_fail(__VA_ARGS__))
#define berth_error_wrap(...) berth_error_negative(berth_error_wrap(__VA_ARGS__))
#define berth_error_code(...) berth_error_negative(berth_error_code(__VA_ARGS__))
#endif

/* The innermost message (the cause without context), borrowed */
const char *berth_error_cause(const berth_error_t *err);

/* Frees err; accepts NULL */
void berth_error_free(berth_error_t *err);
/* Frees *err and sets it to NULL; the cleanup_error helper */
void berth_error_release(berth_error_t **err);

/* Print "prog: msg" on stderr; the program-edge helper */
void berth_error_print(const berth_error_t *err, const char *prog);

#endif
