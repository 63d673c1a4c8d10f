/* atomicfile: replace a file so that a crash at any point leaves either the
 * old content or the new, never a mix: write a temp file in the same
 * directory, fsync it, rename it over the target, fsync the directory. */
#ifndef BERTH_COMMON_ATOMICFILE_H
#define BERTH_COMMON_ATOMICFILE_H

#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

/* Write data to name relative to dirfd (AT_FDCWD for the cwd), with mode.
 * name must be a plain file name or a path whose directory exists. */
int atomic_write_at(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
		    berth_error_t **err);
int atomic_write_file(const char *path, const void *data, size_t len, mode_t mode,
		      berth_error_t **err);

/* For writers that stream: open a temp file beside name, write to
 * tmp->fd, then commit (fsync, rename, fsync dir) or abort (unlink).
 * atomic_tmp_release aborts an uncommitted temp file, so it is safe as a
 * cleanup on every path. */
struct atomic_tmp {
	int dirfd; /* not owned */
	int fd;
	char *tmp_name; /* relative to dirfd */
	char *name;     /* target, relative to dirfd */
};
int atomic_tmp_open(int dirfd, const char *name, mode_t mode, struct atomic_tmp *ret,
		    berth_error_t **err);
int atomic_tmp_commit(struct atomic_tmp *tmp, berth_error_t **err);
void atomic_tmp_release(struct atomic_tmp *tmp);
#define cleanup_atomic_tmp __attribute__((cleanup(atomic_tmp_release)))

/* fsync the directory holding path (relative to dirfd) */
int fsync_parent_at(int dirfd, const char *path, berth_error_t **err);

#endif
