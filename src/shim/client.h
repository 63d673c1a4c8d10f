/* shim client: how berthd (and tests/helpers/shim-tool) drive berth-shim.
 * Every call but shim_spawn connects to <state_dir>/shim.sock, so it works
 * from any thread and from a berthd that restarted since the spawn.  ENOENT
 * / ECONNREFUSED from a call mean the shim is gone: read exit.json
 * (shim_read_exit). */
#ifndef BERTH_SHIM_CLIENT_H
#define BERTH_SHIM_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

struct shim_spawn_opts {
	const char *shim;         /* path of the berth-shim binary */
	const char *id;           /* container ID (the runtime's container id too) */
	const char *bundle;       /* OCI bundle dir: config.json (+ rootfs) */
	const char *state_dir;    /* exists, mode 0700: shim.sock, shim.pid, exit.json go here */
	const char *runtime;      /* OCI runtime binary (berth-runtime, runc, crun) */
	const char *runtime_root; /* the runtime's --root */
	const char *log_path;     /* docker json-file log; NULL: output is not logged */
	uint64_t log_max_size;    /* rotate past this many bytes; 0: never */
	unsigned log_max_file;    /* files kept, >= 1 (log, log.1, ... log.N-1) */
	bool terminal;            /* Config.Tty: a pty through the runtime's --console-socket */
	bool open_stdin;          /* Config.OpenStdin: the process keeps a stdin */
	bool stdin_once;          /* Config.StdinOnce: close its stdin when the first attached
				     client's stdin ends */
};

/* Start a detached shim that runs `runtime create` and return once the
 * container is created (*ret_pid: its init's pid in our pid namespace) or
 * failed (the runtime's own error message in err). */
int shim_spawn(const struct shim_spawn_opts *o, pid_t *ret_pid, berth_error_t **err);

/* `runtime start`: the created container runs */
int shim_start(const char *state_dir, berth_error_t **err);

/* Signal the container's init (all: every process, runtime kill --all) */
int shim_kill(const char *state_dir, int sig, bool all, berth_error_t **err);

enum shim_state {
	SHIM_CREATED,
	SHIM_RUNNING,
	SHIM_PAUSED,
	SHIM_STOPPED
};

struct shim_status {
	enum shim_state state;
	pid_t pid;     /* init's pid, 0 once stopped */
	int exit_code; /* valid when SHIM_STOPPED: 0..255, 128+signal when killed */
	bool oom_killed;
	int64_t started_at;  /* ns since the epoch, 0 when not started */
	int64_t finished_at; /* ns since the epoch, 0 when not stopped */
};

int shim_get_status(const char *state_dir, struct shim_status *ret, berth_error_t **err);

/* Block until the container's init exits (or return at once when it has)
 * and fill *ret with the final status.  When the shim is gone, the answer
 * comes from exit.json.  Safe to call from several threads at once. */
int shim_wait(const char *state_dir, struct shim_status *ret, berth_error_t **err);

/* Read <state_dir>/exit.json; ENOENT when the container has not exited */
int shim_read_exit(const char *state_dir, struct shim_status *ret, berth_error_t **err);

enum shim_attach_flags {
	SHIM_ATTACH_STDIN = 1 << 0,
	SHIM_ATTACH_STDOUT = 1 << 1,
	SHIM_ATTACH_STDERR = 1 << 2,
};

/* A connection attached to the container's stdio: what the caller writes
 * goes to the process's stdin (when SHIM_ATTACH_STDIN and the container has
 * one); shutdown(fd, SHUT_WR) ends that input (and closes the process's
 * stdin when stdin_once).  What the caller reads is the output from now on:
 * raw bytes with a terminal, docker multiplexed frames (common/stdcopy.h)
 * without.  The shim closes the connection after the process exits and its
 * output is drained.  *ret_fd is CLOEXEC, owned by the caller. */
int shim_attach(const char *state_dir, enum shim_attach_flags flags, int *ret_fd,
		berth_error_t **err);

/* Set the terminal's size (the container's, or an exec's when exec_id is
 * not NULL); a no-op without a terminal */
int shim_resize(const char *state_dir, const char *exec_id, unsigned height, unsigned width,
		berth_error_t **err);

struct shim_exec_opts {
	const char *exec_id;      /* unique per container */
	const char *process_json; /* an OCI process object (runtime exec --process) */
	bool terminal;            /* must match process.terminal */
	bool attach_stdin, attach_stdout, attach_stderr;
	bool detach; /* nothing attached: *ret_fd is -1 */
};

/* Run a process in the container (`runtime exec -d`, reaped by the shim) and
 * return a connection like shim_attach's for its stdio; the shim closes it
 * when the process has exited and its output is drained.  *ret_pid: its pid. */
int shim_exec(const char *state_dir, const struct shim_exec_opts *o, int *ret_fd, pid_t *ret_pid,
	      berth_error_t **err);

/* An exec's state: running, pid, exit code once it ended */
int shim_exec_status(const char *state_dir, const char *exec_id, bool *ret_running, pid_t *ret_pid,
		     int *ret_exit_code, berth_error_t **err);

/* Signal a running exec's process (a healthcheck probe past its timeout);
 * ESRCH when it has exited already, ENOENT when there is no such exec */
int shim_exec_kill(const char *state_dir, const char *exec_id, int sig, berth_error_t **err);

#endif
