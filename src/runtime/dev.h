/* dev: the container's /dev: device nodes (the spec's defaults and
 * linux.devices), the /dev symlinks, /dev/ptmx and /dev/console.
 * Folder-internal; called by rootfs_prepare before pivot_root, with every
 * path resolved inside the rootfs. */
#ifndef BERTH_RUNTIME_DEV_H
#define BERTH_RUNTIME_DEV_H

#include <stdbool.h>

#include "common/error.h"
#include "oci/runtime-config.h"

/* False when a mount binds something onto /dev: then /dev is what the
 * user gave, and berth creates nothing in it (runc's needsSetupDev) */
bool dev_needs_setup(const struct oci_config *c);

/* Create /dev/null, zero, full, random, urandom, tty and every
 * linux.devices entry (a config entry replaces a default of the same path)
 * inside rootfd, with umask 0 so modes are exact.  devfd is the rootfs's
 * /dev (root_mkdir_all), borrowed: nodes directly in /dev go there.  mknod, or with
 * in_userns (or when mknod is EPERM) a bind of the host's node onto an
 * empty file. */
int dev_create_all(int rootfd, int devfd, const struct oci_config *c, bool in_userns,
		   berth_error_t **err);

/* In devfd (the rootfs's /dev, borrowed): fd, stdin, stdout, stderr ->
 * /proc/self/fd..., core -> /proc/kcore when the host has it, and ptmx ->
 * pts/ptmx */
int dev_create_symlinks(int devfd, berth_error_t **err);

/* Bind console_path (a pty slave) onto console in devfd (the rootfs's
 * /dev, borrowed); nothing when console_path is NULL */
int dev_setup_console(int devfd, const char *console_path, berth_error_t **err);

#endif
