/* state: a container's record under <root>/<id>/: state.json (written
 * atomically), the exec fifo while it is "created", and a copy of its
 * config.json.  The status is never stored: it is derived each time from
 * the init's pid and start time (so a reused pid reads as "stopped"), the
 * exec fifo and the cgroup freezer. */
#ifndef BERTH_RUNTIME_STATE_H
#define BERTH_RUNTIME_STATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

#define STATE_FILE "state.json"
#define STATE_FIFO "exec.fifo"
#define STATE_CONFIG "config.json"

enum container_status {
	CONTAINER_CREATING = 0,
	CONTAINER_CREATED,
	CONTAINER_RUNNING,
	CONTAINER_PAUSED,
	CONTAINER_STOPPED,
};

struct container_state {
	char *id;
	char *bundle;        /* absolute */
	char *rootfs;        /* absolute */
	char *created;       /* RFC 3339 */
	char *owner;         /* "" for root, as runc */
	pid_t pid;           /* host pid of the init; 0 when none */
	uint64_t start_time; /* /proc/<pid>/stat field 22, to detect pid reuse */
	int cgroup_mode;     /* enum cgroup_mode */
	char *cgroup_path;
	json_t *annotations; /* object; owned */
};

const char *container_status_name(enum container_status s);

/* Check a container id as runc does: [A-Za-z0-9_+.-]+, not "." or ".." */
int state_check_id(const char *id, berth_error_t **err);

/* "<root>/<id>"; caller frees */
char *state_dir_path(const char *root, const char *id);

/* Write st as <dirfd>/state.json atomically */
int state_write(int dirfd, const struct container_state *st, berth_error_t **err);

/* Open <root>/<id> (O_PATH|O_DIRECTORY) and load its state.json.  A missing
 * container is ENOENT with runc's wording: container "x" does not exist. */
int state_load(const char *root, const char *id, int *ret_dirfd, struct container_state **ret,
	       berth_error_t **err);

void container_state_free(struct container_state *st);
static inline void container_state_freep(struct container_state **st)
{
	container_state_free(*st);
}
#define cleanup_state __attribute__((cleanup(container_state_freep)))

/* Derive the status: stopped when the init is gone (or its pid reused),
 * created while the exec fifo exists, paused when the cgroup is frozen,
 * else running. */
enum container_status state_status(int dirfd, const struct container_state *st);

/* The state JSON of runtime.md plus runc's extra fields (rootfs, created,
 * owner); new reference */
json_t *state_to_json(const struct container_state *st, enum container_status status);

/* The state JSON string handed to hooks; caller frees */
char *state_hook_json(const struct container_state *st, enum container_status status);

/* Write pid as the --pid-file path (atomically: containerd reads it) */
int state_write_pid_file(const char *path, pid_t pid, berth_error_t **err);

/* Read /proc/<pid>/stat: the start time (field 22) and the state letter.
 * ESRCH when there is no such process. */
int proc_stat_start(pid_t pid, uint64_t *ret_start, char *ret_state, berth_error_t **err);

/* True when pid runs and still is the process started at start_time */
bool state_pid_alive(pid_t pid, uint64_t start_time);

/* Open a pidfd for the init, checked against the start time after opening
 * so that a reused pid can never be signalled.  ESRCH when it is gone. */
int state_open_pidfd(const struct container_state *st, berth_error_t **err);

/* Remove <root>/<id> and the files in it */
int state_remove_dir(const char *root, const char *id, berth_error_t **err);

/* Create <root> (0700) when missing */
int state_ensure_root(const char *root, berth_error_t **err);

#endif
