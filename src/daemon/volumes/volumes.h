/* volumes: berthd's volumes, docker's "local" driver.  A volume is the
 * directory <data_root>/volumes/<name>/ holding _data (what containers
 * mount) and volume.json (driver, labels, options, creation time); the
 * directories on disk are the truth, so a volume survives a berthd restart
 * and a crash (creation renames a complete temp directory into place).
 * Options type/device/o make _data a mount(2) of their own, mounted when
 * the first container starts with it and unmounted when the last stops.
 * Thread-safe: one mutex guards creation, removal and the mount counts.
 * Who uses a volume is the container manager's knowledge, not ours. */
#ifndef BERTH_DAEMON_VOLUMES_VOLUMES_H
#define BERTH_DAEMON_VOLUMES_VOLUMES_H

#include <jansson.h>
#include <stdbool.h>

#include "common/error.h"

struct volume_store;

#define VOLUME_DRIVER_LOCAL "local"
#define VOLUME_LABEL_ANONYMOUS "com.docker.volume.anonymous"
#define VOLUME_NAME_MAX 255

/* Docker's RestrictedNamePattern: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
bool volume_name_valid(const char *name);
/* The local driver's DriverOpts check: keys type, device, o (size is
 * refused: no quota support); type and device need each other, o needs
 * both.  EINVAL with docker's message ("invalid option: \"x\"",
 * "missing required option: \"type\""); opts may be NULL */
int volume_opts_check(const json_t *opts, berth_error_t **err);

struct volume_mount_opts {
	unsigned long flags; /* MS_* from the words of o= mount(8) knows */
	char *data;          /* the rest of o=, comma-joined; "" when none */
};
/* Split o= as moby/sys/mount does: ro, nosuid, bind, ... become flags
 * (the runtime's option table); EINVAL past MOUNT_OPTIONS_MAX words or a
 * data string over a page */
int volume_mount_opts_parse(const char *o, struct volume_mount_opts *ret, berth_error_t **err);
void volume_mount_opts_release(struct volume_mount_opts *o);

/* Open (creating) <data_root>/volumes; leftovers of a creation cut short
 * are removed */
int volume_store_open(const char *data_root, struct volume_store **ret, berth_error_t **err);
void volume_store_close(struct volume_store *vs);

enum volume_create_flags {
	VOLUME_ANONYMOUS = 1 << 0, /* name NULL/"": a random 64-hex name and the anonymous label */
};
/* POST /volumes/create: name NULL or "" makes a 64-hex name.  An existing
 * name returns that volume unchanged (docker's idempotent create); a
 * driver other than "local" is ENOENT as docker's plugin lookup.  *ret:
 * the volume in the API's shape (caller owns); ret may be NULL. */
int volume_create(struct volume_store *vs, const char *name, const char *driver, const json_t *opts,
		  const json_t *labels, enum volume_create_flags flags, json_t **ret,
		  berth_error_t **err);
/* {CreatedAt, Driver, Labels, Mountpoint, Name, Options, Scope}; ENOENT
 * "get x: no such volume" */
int volume_get(struct volume_store *vs, const char *name, json_t **ret, berth_error_t **err);
/* Every volume, by name; *ret an array (caller owns) */
int volume_list(struct volume_store *vs, json_t **ret, berth_error_t **err);
/* Remove the volume and its data (the caller checked nobody uses it);
 * ENOENT when absent; EBUSY while mounted for a container */
int volume_remove(struct volume_store *vs, const char *name, berth_error_t **err);
/* The host path a container mounts: <root>/volumes/<name>/_data (caller frees) */
char *volume_data_path(struct volume_store *vs, const char *name);
/* The bytes a volume's data takes (du), for prune and system df */
int64_t volume_size(struct volume_store *vs, const char *name);

/* A container starts with the volume: the first user mounts type/device/o
 * (a mount left by an earlier berthd is adopted, not doubled).  Each
 * successful acquire needs one release. */
int volume_acquire(struct volume_store *vs, const char *name, berth_error_t **err);
void volume_release(struct volume_store *vs, const char *name);

/* copy.c: copy the tree under the directory fd src into the directory fd
 * dst (copy-up): regular files, directories, symlinks, fifos and device
 * nodes with owner, mode, times and xattrs; never follows a symlink;
 * hard links become copies.  At most VOLUME_COPY_MAX_DEPTH levels. */
#define VOLUME_COPY_MAX_DEPTH 128
int volume_copy_tree(int src, int dst, berth_error_t **err);

#endif
