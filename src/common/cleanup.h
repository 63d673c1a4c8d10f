/* cleanup: __attribute__((cleanup)) helpers for the things a local owns.
 * A local that owns memory, an fd, a FILE*, a DIR*, a json_t or an error
 * carries one of these; ownership leaves it with steal_pointer()/take_fd(). */
#ifndef BERTH_COMMON_CLEANUP_H
#define BERTH_COMMON_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/error.h"

static inline void cleanup_freep(void *p)
{
	void **pp = (void **)p;
	free(*pp);
	*pp = NULL;
}

/* Close without disturbing errno: cleanup runs on error paths whose errno
 * the caller may still read. */
static inline void cleanup_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
	*fd = -1;
}

static inline void cleanup_fclosep(FILE **f)
{
	if (*f) {
		int saved = errno;
		fclose(*f);
		errno = saved;
	}
	*f = NULL;
}

static inline void cleanup_closedirp(DIR **d)
{
	if (*d) {
		int saved = errno;
		closedir(*d);
		errno = saved;
	}
	*d = NULL;
}

static inline void cleanup_jsonp(json_t **j)
{
	json_decref(*j);
	*j = NULL;
}

/* Frees a NULL-terminated array of strings and the array */
static inline void cleanup_strvp(char ***v)
{
	if (*v) {
		for (char **p = *v; *p; p++)
			free(*p);
		free(*v);
	}
	*v = NULL;
}

#define cleanup_free __attribute__((cleanup(cleanup_freep)))
#define cleanup_close __attribute__((cleanup(cleanup_closep)))
#define cleanup_fclose __attribute__((cleanup(cleanup_fclosep)))
#define cleanup_dir __attribute__((cleanup(cleanup_closedirp)))
#define cleanup_json __attribute__((cleanup(cleanup_jsonp)))
#define cleanup_strv __attribute__((cleanup(cleanup_strvp)))
#define cleanup_error __attribute__((cleanup(berth_error_release)))

/* Take the pointer out of an owning local, leaving NULL behind */
static inline void *steal_pointer_impl(void *pp)
{
	void **p = (void **)pp;
	void *ret = *p;
	*p = NULL;
	return ret;
}
#define steal_pointer(pp) ((__typeof__(*(pp)))steal_pointer_impl(pp))

/* Take the fd out of an owning local, leaving -1 behind */
static inline int take_fd(int *fd)
{
	int ret = *fd;
	*fd = -1;
	return ret;
}

#endif
