/* shim.h: the pieces of berth-shim (one process, one thread, one epoll
 * loop) and how they meet.  struct shim is the whole state; every fd in the
 * loop is a struct watch whose handler runs when epoll reports it. */
#ifndef BERTH_SHIM_SHIM_H
#define BERTH_SHIM_SHIM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"
#include "common/strbuf.h"
#include "shim/client.h"

struct shim;
struct watch;
typedef void (*watch_fn)(struct shim *s, struct watch *w, uint32_t events);

struct watch {
	int fd;          /* -1 when closed */
	uint32_t events; /* what is registered */
	watch_fn fn;
};

/* Bytes waiting for a non-blocking fd */
struct outq {
	struct strbuf buf;
	size_t off;
};

static inline size_t outq_len(const struct outq *q)
{
	return q->buf.len - q->off;
}

/* A queue towards an attached client is dropped past this (a slow client
 * must not hold the container or the log back) */
#define SHIM_CLIENT_QUEUE_MAX (1u << 20)
/* stdin bytes queued for a process; clients are not read past this */
#define SHIM_STDIN_QUEUE_MAX (64u << 10)

struct jsonlog;
struct proc_io;

enum client_state {
	CLIENT_REQUEST, /* reading the request line */
	CLIENT_WAIT,    /* answered when the init exits */
	CLIENT_STREAM,  /* attached to a process's stdio */
	CLIENT_CLOSING, /* flush the queue, then close */
};

struct client {
	struct watch w;
	struct client *next;
	enum client_state state;
	struct strbuf req;
	struct outq out;
	struct proc_io *io; /* the stdio it is attached to; not owned */
	bool want_stdin, want_stdout, want_stderr;
	bool stdin_done;
};

/* One process's stdio: the container's init or an exec */
struct proc_io {
	struct proc_io *next;
	char *exec_id; /* NULL for the init */
	pid_t pid;
	bool terminal;
	struct watch out; /* stdout pipe or pty master */
	struct watch err; /* stderr pipe; -1 with a terminal */
	struct watch in;  /* stdin pipe or a dup of the pty master; -1 without */
	struct outq inq;
	bool stdin_once;  /* close its stdin when a client's input ends */
	bool close_stdin; /* close once inq is flushed */
	bool exited;
	int exit_code;
	bool done;           /* exited and its output drained */
	struct jsonlog *log; /* the init's; NULL for execs */
};

struct shim_opts {
	const char *id, *bundle, *state_dir, *runtime, *runtime_root;
	const char *log_path;
	uint64_t log_max_size;
	unsigned log_max_file;
	bool terminal, open_stdin, stdin_once;
};

struct shim {
	const struct shim_opts *o;
	int epfd;
	struct watch sigfd;
	struct watch listen;
	struct watch drain_timer;
	struct client *clients;
	struct proc_io *init;
	struct proc_io *execs;
	size_t n_execs;
	enum shim_state state;
	bool oom_killed;
	int64_t started_at, finished_at;
	int oom_fd;                 /* memory.oom_control or memory.events of the container; -1 */
	int freezer_fd;             /* freezer.state (v1) or cgroup.freeze (v2); -1 */
	struct client *dead;        /* closed clients, freed after the epoll batch */
	struct proc_io *dead_execs; /* forgotten execs, the same */
	bool quit;
};

/* ---- runtime.c: running the OCI runtime ---- */

/* Run `runtime --root R --log L --log-format json <args...>` with the given
 * stdio (-1: /dev/null) and wait for it.  On failure err holds the
 * runtime's own message. */
int runtime_run(const struct shim_opts *o, const char *const *args, int in, int out, int errfd,
		berth_error_t **err);
/* Listen on a console socket in the state dir; *ret_path for --console-socket */
int console_listen(const struct shim_opts *o, int *ret_fd, char **ret_path, berth_error_t **err);
/* Take the pty master the runtime sent to the console socket (it has run) */
int console_receive(int listen_fd, int *ret_master, berth_error_t **err);
/* A process's stdio: a pty from the console socket, or pipes */
struct stdio_fds {
	int in, out, err;          /* the process's ends */
	int my_in, my_out, my_err; /* ours, non-blocking */
	int console;               /* the console socket listening */
	char *console_path;
};
/* Make pipes for the streams asked for (the rest stay -1: /dev/null), or
 * with terminal a console socket */
int stdio_setup(const struct shim_opts *o, bool terminal, bool in, bool out, bool errout,
		struct stdio_fds *f, berth_error_t **err);
void stdio_fds_release(struct stdio_fds *f);
/* Read a pid file the runtime wrote */
int pidfile_read(const char *name, pid_t *ret, berth_error_t **err);

/* ---- jsonlog.c: the docker json-file log ---- */

int jsonlog_open(const char *path, uint64_t max_size, unsigned max_file, struct jsonlog **ret,
		 berth_error_t **err);
/* Log output of stream 1 or 2: whole lines as entries, lines over 16 KiB as
 * partial entries; a trailing partial line waits for more */
void jsonlog_feed(struct jsonlog *l, int stream, const char *data, size_t len);
/* The stream ended: log what is pending without a newline */
void jsonlog_flush(struct jsonlog *l, int stream);
void jsonlog_free(struct jsonlog *l);
/* now in docker's RFC3339Nano with 9 digits, into buf (>= 40 bytes) */
void time_format(int64_t ns, char *buf, size_t size);
int64_t time_now_ns(void);

/* ---- io.c: process stdio and attached clients ---- */

void watch_set(struct shim *s, struct watch *w, uint32_t events);
void watch_close(struct shim *s, struct watch *w);
/* A new proc_io owning the given fds (any may be -1); registered in the loop */
struct proc_io *io_new(struct shim *s, const char *exec_id, bool terminal, int out, int errfd,
		       int in);
void io_free(struct proc_io *io);
/* Attach c (now CLIENT_STREAM) to io */
void io_attach(struct shim *s, struct proc_io *io, struct client *c);
/* The process has exited (code: 0..255 or 128+signal) */
void io_exited(struct shim *s, struct proc_io *io, int code);
/* Stop waiting for output: treat every output as ended */
void io_force_eof(struct shim *s, struct proc_io *io);
/* A client's stdin bytes / end of stdin */
void io_client_readable(struct shim *s, struct client *c);
/* Queue bytes for a client (drops it past SHIM_CLIENT_QUEUE_MAX) */
void client_send(struct shim *s, struct client *c, const void *data, size_t len);
/* Close c and unlink it; the memory goes in clients_reap (events of the
 * current epoll batch may still point at it) */
void client_free(struct shim *s, struct client *c);
void clients_reap(struct shim *s);
void client_update(struct shim *s, struct client *c);

/* ---- server.c: the socket, requests, exits ---- */

int server_run(struct shim *s, berth_error_t **err);
/* Called by io.c when a process's output is drained after its exit */
void server_io_done(struct shim *s, struct proc_io *io);

#endif
