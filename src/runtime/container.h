/* container: the OCI lifecycle (runtime.md) behind berth-runtime's verbs:
 * create, start, run, state, kill, delete, exec, pause, resume, ps,
 * update, events, list.  Each call takes the global options and returns an
 * error; nothing here prints (warnings go to rt->warn).  A container's
 * record lives in <rt->root>/<id>/ (state.h). */
#ifndef BERTH_RUNTIME_CONTAINER_H
#define BERTH_RUNTIME_CONTAINER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"
#include "oci/runtime-config.h"

#define RUNTIME_DEFAULT_ROOT "/run/berth-runtime"

struct runtime_opts {
	const char *root;    /* state root; not owned */
	bool systemd_cgroup; /* accepted; cgroupsPath "slice:prefix:name" is mapped */
	/* receives each warning (config fields ignored, clamped rlimits, ...);
	 * NULL drops them */
	void (*warn)(const char *msg);
	/* the program's argv, for the re-exec from a sealed copy of itself
	 * that some containers need (cloned-binary.h); NULL: never re-exec */
	char **argv;
};

struct container_create_opts {
	const char *id;
	const char *bundle;         /* NULL: the current directory */
	const char *pid_file;       /* NULL: none */
	const char *console_socket; /* NULL: none */
	bool no_pivot;
	bool no_new_keyring;
	unsigned int preserve_fds; /* fds 3 .. 3+n-1 go to the container */
};

/* Everything but the user process: state dir, cgroup, namespaces, rootfs,
 * createRuntime and createContainer hooks; the init then waits on the exec
 * fifo.  Writes the pid file last.  On failure nothing is left behind. */
int container_create(const struct runtime_opts *rt, const struct container_create_opts *o,
		     berth_error_t **err);

/* Release a created container's init to exec process.args; fails with the
 * init's own message when that exec fails.  Runs poststart hooks. */
int container_start(const struct runtime_opts *rt, const char *id, berth_error_t **err);

struct container_run_opts {
	struct container_create_opts create;
	bool detach; /* leave it running and return at once */
	bool keep;   /* foreground: do not delete after it exits */
};

/* create + start; in the foreground waits for the init, forwarding
 * signals (and the pty when terminal is set and there is no console
 * socket), then deletes the container unless keep.  *ret_code is the
 * init's exit code (128 + signal when killed), 0 when detached. */
int container_run(const struct runtime_opts *rt, const struct container_run_opts *o, int *ret_code,
		  berth_error_t **err);

/* The state JSON of `state` (new reference) */
int container_state_json(const struct runtime_opts *rt, const char *id, json_t **ret,
			 berth_error_t **err);

/* Signal the init (or every process of the cgroup with all) */
int container_kill(const struct runtime_opts *rt, const char *id, int sig, bool all,
		   berth_error_t **err);

/* Undo create: poststop hooks, cgroup, state dir.  A running or paused
 * container needs force (SIGKILL to all its processes first). */
int container_delete(const struct runtime_opts *rt, const char *id, bool force,
		     berth_error_t **err);

int container_pause(const struct runtime_opts *rt, const char *id, berth_error_t **err);
int container_resume(const struct runtime_opts *rt, const char *id, berth_error_t **err);

/* Host pids of the container's cgroup; caller frees *ret */
int container_ps(const struct runtime_opts *rt, const char *id, pid_t **ret, size_t *ret_n,
		 berth_error_t **err);

/* Apply new limits to the running container's cgroup */
int container_update(const struct runtime_opts *rt, const char *id, const struct oci_resources *r,
		     berth_error_t **err);

/* One runc "stats" event: {"type":"stats","id":..,"data":{...}} */
int container_stats_event(const struct runtime_opts *rt, const char *id, json_t **ret,
			  berth_error_t **err);

/* Stream events every interval_ms until the container stops: a stats
 * event each interval and an "oom" event whenever the OOM count grows.
 * emit receives each event (borrowed). */
int container_events(const struct runtime_opts *rt, const char *id, unsigned interval_ms,
		     void (*emit)(const json_t *ev, void *opaque), void *opaque,
		     berth_error_t **err);

/* The state of every container under rt->root, as `list` shows them:
 * a JSON array (new reference) */
int container_list(const struct runtime_opts *rt, json_t **ret, berth_error_t **err);

struct container_exec_opts {
	const char *id;
	const char *process_file; /* --process: a process.json; overrides the rest */
	char **args;              /* NULL-terminated, when no process_file */
	bool tty, detach, no_new_privs;
	const char *pid_file, *console_socket, *cwd, *user; /* user: "uid[:gid]" */
	char **env;                                         /* extra "K=V", NULL-terminated */
	char **caps; /* extra capabilities, NULL-terminated */
	unsigned int preserve_fds;
};

/* Run a new process in the running container's namespaces and cgroup.
 * In the foreground waits for it (*ret_code as run); detached returns
 * once it has exec'd. */
int container_exec(const struct runtime_opts *rt, const struct container_exec_opts *o,
		   int *ret_code, berth_error_t **err);

#endif
