/* inspect: helpers shared by inspect.c and list.c (folder-internal) */
#ifndef BERTH_DAEMON_CONTAINERS_INSPECT_H
#define BERTH_DAEMON_CONTAINERS_INSPECT_H

#include <jansson.h>
#include <stdint.h>

struct container_manager;

/* Path and Args (new references) */
void container_path_args(const json_t *config, json_t **ret_path, json_t **ret_args);

/* Bytes below path as docker's directory.Size counts them (non-directories
 * by lstat size, each inode once, symlinks not followed); 0 when path
 * cannot be opened */
int64_t container_dir_size(const char *path);
/* ?size=1: SizeRw (the container's overlay upper dir) and SizeRootFs
 * (SizeRw + the image's size).  Takes images_lock; hold no container lock:
 * it walks the disk.  Never fails: what cannot be read counts 0. */
void container_sizes(struct container_manager *m, const char *id, const char *image_id,
		     int64_t *ret_rw, int64_t *ret_rootfs);

#endif
