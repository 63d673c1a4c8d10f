/* manager: the containers of one berthd.  It owns the store (SQLite), the
 * in-memory table of containers (by ID and by name), their lifecycle
 * (create, start, stop, kill, remove, ...), one monitor thread per running
 * container, restart policies and re-adoption after a berthd restart.  The
 * API handlers (api/containers.c, api/exec.c) call only this header and
 * exec.h; they never touch a shim or the store directly.
 * Invariant: a container's state changes under its own lock and is written
 * to the store in the same critical section (one transaction each). */
#ifndef BERTH_DAEMON_CONTAINERS_MANAGER_H
#define BERTH_DAEMON_CONTAINERS_MANAGER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

struct daemon;
struct container_manager;
struct container;

/* ---- what daemon.c calls --------------------------------------------------- */

int container_manager_open(struct daemon *d, struct container_manager **ret, berth_error_t **err);
void container_manager_close(struct container_manager *m);
int container_manager_counts(struct container_manager *m, unsigned *ret_running,
			     unsigned *ret_paused, unsigned *ret_stopped);
int container_manager_list(struct container_manager *m, bool all, bool size, const json_t *filters,
			   json_t **ret, berth_error_t **err);

/* ---- lookup ------------------------------------------------------------------ */

/* Find a container by full ID, name ("x" or "/x") or unique ID prefix, as
 * docker does.  ENOENT "No such container: ref"; EINVAL when a prefix is
 * ambiguous.  *ret is a new reference: drop it with container_put. */
int container_get(struct container_manager *m, const char *ref, struct container **ret,
		  berth_error_t **err);
void container_put(struct container *c);
static inline void container_putp(struct container **c)
{
	if (*c)
		container_put(*c);
}
#define cleanup_container __attribute__((cleanup(container_putp)))

/* Borrowed, valid while the reference is held */
const char *container_id(const struct container *c);
/* Publish a container event (attach, ...) with its name and image */
void container_publish(struct container *c, const char *action);

/* ---- lifecycle ----------------------------------------------------------- */

/* POST /containers/create: body is the request (Config fields at the top
 * level, HostConfig, NetworkingConfig); name may be NULL (a random one).
 * ENOENT "No such image: x", EEXIST on a name in use, EINVAL on bad input.
 * *ret_id: the new ID (caller frees); *ret_warnings: an array (caller owns). */
int container_create(struct container_manager *m, const char *name, const json_t *body,
		     char **ret_id, json_t **ret_warnings, berth_error_t **err);

/* 0 started, 1 already running (304) */
int container_start(struct container_manager *m, struct container *c, berth_error_t **err);

/* Stop: signal (NULL: Config.StopSignal or SIGTERM), then SIGKILL after
 * timeout seconds (< 0: Config.StopTimeout or 10).  0 stopped, 1 not running (304).
 * No restart policy applies afterwards. */
int container_stop(struct container_manager *m, struct container *c, const char *signal,
		   int timeout, berth_error_t **err);
int container_restart(struct container_manager *m, struct container *c, const char *signal,
		      int timeout, berth_error_t **err);
/* signal: a name ("HUP", "SIGHUP") or number; NULL: SIGKILL.  EBUSY
 * "Container x is not running" (409) */
int container_kill(struct container_manager *m, struct container *c, const char *signal,
		   berth_error_t **err);
/* EBUSY for a running container without force; volumes: also remove its
 * anonymous volumes (rm -v) */
int container_remove(struct container_manager *m, struct container *c, bool force, bool volumes,
		     berth_error_t **err);
/* The IDs of the containers (running or not) whose mounts use volume
 * name: a volume they use cannot be removed.  Caller owns the array. */
json_t *container_manager_volume_users(struct container_manager *m, const char *name);
int container_rename(struct container_manager *m, struct container *c, const char *new_name,
		     berth_error_t **err);
/* 0 done; pause of a non-running or paused container is EBUSY (409) */
int container_pause(struct container_manager *m, struct container *c, bool pause,
		    berth_error_t **err);
/* POST /containers/{id}/update: Resources into `runtime update`, RestartPolicy
 * stored; *ret_warnings (caller owns) */
int container_update(struct container_manager *m, struct container *c, const json_t *body,
		     json_t **ret_warnings, berth_error_t **err);
int container_resize(struct container_manager *m, struct container *c, unsigned h, unsigned w,
		     berth_error_t **err);

enum container_wait_condition {
	CONTAINER_WAIT_NOT_RUNNING,
	CONTAINER_WAIT_NEXT_EXIT,
	CONTAINER_WAIT_REMOVED,
};
/* Block until the condition holds; *ret_status: the exit code.  cancel_fd
 * (the client connection, -1: none): returns -ECONNRESET when it hangs up. */
int container_wait(struct container_manager *m, struct container *c,
		   enum container_wait_condition cond, int cancel_fd, int *ret_status,
		   berth_error_t **err);

/* POST /networks/{id}/connect: a running container gets the network at
 * once (a new ethN); a created or stopped one keeps it in its
 * NetworkingConfig for its next start.  EEXIST (403 in docker) "endpoint
 * with name x already exists in network y"; ENOENT for either ref;
 * EINVAL for host/none/container: mode containers ("container cannot be
 * disconnected from host network or connected to host network") */
int container_network_connect(struct container_manager *m, struct container *c,
			      const char *network_ref, const json_t *endpoint_config,
			      berth_error_t **err);
/* POST /networks/{id}/disconnect; ENOENT "container x is not connected
 * to network y" (force: no error) */
int container_network_disconnect(struct container_manager *m, struct container *c,
				 const char *network_ref, bool force, berth_error_t **err);

/* ---- reading --------------------------------------------------------------- */

/* GET /containers/{id}/json in docker's shape (inspect.c); caller owns *ret */
int container_inspect(struct container_manager *m, struct container *c, bool size, json_t **ret,
		      berth_error_t **err);

/* What the logs endpoint needs.  *ret_log_path: caller frees.  *ret_done_fd:
 * an eventfd that becomes readable when the container is not running
 * (already readable when it is not running now); release with
 * container_unwatch. */
int container_logs_begin(struct container_manager *m, struct container *c, char **ret_log_path,
			 bool *ret_tty, int *ret_done_fd, berth_error_t **err);
void container_unwatch(struct container *c, int fd);

/* Container facts for the io endpoints (borrowed copies are returned
 * owned): the cgroups path from the spec and the init's pid (0 when not
 * running) for stats/top; the rootfs (mounted for the duration between
 * container_rootfs_get and container_rootfs_put, also for a stopped
 * container) for archive/export; the upper dir and lower dirs for diff. */
int container_runtime_info(struct container *c, char **ret_cgroups_path, pid_t *ret_pid,
			   char **ret_name, berth_error_t **err);
int container_pids(struct container_manager *m, struct container *c, pid_t **ret, size_t *ret_n,
		   berth_error_t **err);
int container_rootfs_get(struct container_manager *m, struct container *c, char **ret_rootfs,
			 berth_error_t **err);
void container_rootfs_put(struct container_manager *m, struct container *c);
int container_changes(struct container_manager *m, struct container *c, json_t **ret,
		      berth_error_t **err);

/* POST /containers/prune: removes stopped containers matching filters
 * (until, label); *ret {ContainersDeleted, SpaceReclaimed} */
int container_prune(struct container_manager *m, const json_t *filters, json_t **ret,
		    berth_error_t **err);

/* ---- attach ----------------------------------------------------------------- */

enum container_attach_flags {
	CONTAINER_ATTACH_STDIN = 1 << 0,
	CONTAINER_ATTACH_STDOUT = 1 << 1,
	CONTAINER_ATTACH_STDERR = 1 << 2,
};
bool container_tty(const struct container *c);
/* A connection to the container's stdio (see shim_attach).  For a
 * container that has not started yet this blocks until its start has
 * created the process (so that no output is lost) or cancel_fd hangs up. */
int container_attach(struct container_manager *m, struct container *c,
		     enum container_attach_flags flags, int cancel_fd, int *ret_fd,
		     berth_error_t **err);

#endif
