/* masked: linux.maskedPaths and linux.readonlyPaths, applied after
 * pivot_root (so "/" is the container's root).  Folder-internal. */
#ifndef BERTH_RUNTIME_MASKED_H
#define BERTH_RUNTIME_MASKED_H

#include <stddef.h>

#include "common/error.h"

/* Hide each path inside rootfd (the container's "/", borrowed): /dev/null
 * bound over a file, an empty read-only tmpfs over a directory.  A path
 * that does not exist is skipped. */
int masked_paths_apply(int rootfd, char *const *paths, size_t n, berth_error_t **err);

/* Bind each path inside rootfd (borrowed) onto itself and make it read-only, nosuid, nodev and
 * noexec, recursively, keeping every flag already in effect.  A path that
 * does not exist is skipped. */
int readonly_paths_apply(int rootfd, char *const *paths, size_t n, berth_error_t **err);

#endif
