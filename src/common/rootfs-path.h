/* rootfs-path: resolve and open paths inside a root directory as if that
 * directory were "/": absolute symlinks and ".." stop at the root, so a
 * hostile image can never make berth touch a host file.  Uses openat2()
 * with RESOLVE_IN_ROOT where the kernel has it, and an equivalent
 * component-by-component walk (O_PATH|O_NOFOLLOW, readlinkat) where not. */
#ifndef BERTH_COMMON_ROOTFS_PATH_H
#define BERTH_COMMON_ROOTFS_PATH_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"

/* Maximum symlinks followed in one resolution, as the kernel's */
#define ROOT_MAX_SYMLINKS 40

enum root_open_flags {
	ROOT_FORCE_FALLBACK = 1 << 0, /* tests: skip openat2 and use the walk */
	ROOT_NO_FOLLOW_LAST = 1 << 1, /* do not follow a symlink in the last component */
};

/* Open path inside the root rootfd (an O_PATH or O_DIRECTORY fd).  flags
 * are open(2) flags (O_CLOEXEC is always added); O_CREAT creates the last
 * component only, never through a symlink that points outside.  Returns the
 * new fd. */
int root_open(int rootfd, const char *path, int flags, mode_t mode, enum root_open_flags rflags,
	      berth_error_t **err);

/* Resolve path inside rootfd to a canonical absolute path relative to the
 * root ("/etc/passwd"), following symlinks within the root.  Components
 * that do not exist yet are appended lexically (for mount targets that
 * will be created).  Caller frees *ret. */
int root_resolve(int rootfd, const char *path, enum root_open_flags rflags, char **ret,
		 berth_error_t **err);

/* Create path and its missing parents inside rootfd as directories with
 * mode, like mkdir -p, never leaving the root; returns an O_PATH|O_DIRECTORY
 * fd of the final directory. */
int root_mkdir_all(int rootfd, const char *path, mode_t mode, enum root_open_flags rflags,
		   berth_error_t **err);

/* True when this kernel has openat2 with RESOLVE_IN_ROOT */
bool root_have_openat2(void);

#endif
