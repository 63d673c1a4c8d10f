/* server: berth-shim's loop.  shim.sock takes one request per connection
 * (protocol.h); SIGCHLD comes through a signalfd and reaps every child (the
 * shim is a subreaper).  When the init exits: exit.json at once, then the
 * output drains (bounded by a timer), `runtime delete`, waiters get the
 * status, clients are flushed and closed, the socket goes, the shim exits. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "common/atomicfile.h"
#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "shim/protocol.h"
#include "shim/shim.h"

/* how long output may still flow after the init exited: processes outside
 * the container's pid namespace can hold its pipes forever */
#define DRAIN_TIMEOUT_SEC 5
/* finished execs remembered for exec_status */
#define MAX_EXEC_RECORDS 256

/* ---- answers ---- */

/* send an answer line; the client may be gone afterwards only when it failed */
static void answer_line(struct shim *s, struct client *c, json_t *ans)
{
	cleanup_free char *line = bjson_dump(ans);
	json_decref(ans);
	strbuf_addstr(&c->out.buf, line);
	strbuf_addch(&c->out.buf, '\n');
}

static void answer_error(struct shim *s, struct client *c, const berth_error_t *e)
{
	answer_line(s, c,
		    json_pack("{s:s,s:i}", "error", e->msg, "errno", e->errnum ? e->errnum : EIO));
	c->state = CLIENT_CLOSING;
	client_update(s, c);
}

static void answer_ok(struct shim *s, struct client *c, json_t *ans)
{
	if (!ans)
		ans = json_object();
	json_object_set_new(ans, "ok", json_true());
	answer_line(s, c, ans);
}

static const char *state_name(enum shim_state st)
{
	static const char *const names[] = { "created", "running", "paused", "stopped" };
	return names[st];
}

/* The freezer says whether a running container is paused */
static enum shim_state current_state(struct shim *s)
{
	if (s->state != SHIM_RUNNING || s->freezer_fd < 0)
		return s->state;
	char buf[32] = { 0 };
	ssize_t n = pread(s->freezer_fd, buf, sizeof(buf) - 1, 0);
	if (n > 0 && (strncmp(buf, "FROZEN", 6) == 0 || strncmp(buf, "FREEZING", 8) == 0 ||
		      strncmp(buf, "1", 1) == 0))
		return SHIM_PAUSED;
	return SHIM_RUNNING;
}

static json_t *status_json(struct shim *s)
{
	bool stopped = s->state == SHIM_STOPPED;
	return json_pack("{s:s,s:i,s:i,s:b,s:I,s:I}", "state", state_name(current_state(s)), "pid",
			 stopped ? 0 : (int)s->init->pid, "exit_code",
			 stopped ? s->init->exit_code : 0, "oom_killed", s->oom_killed,
			 "started_at", (json_int_t)s->started_at, "finished_at",
			 (json_int_t)s->finished_at);
}

/* ---- requests ---- */

static int req_start(struct shim *s, struct client *c, json_t *req, berth_error_t **err)
{
	if (s->state != SHIM_CREATED)
		return berth_error_fail(err, EBUSY, "container %s is %s, not created", s->o->id,
					state_name(s->state));
	const char *args[] = { "start", s->o->id, NULL };
	if (runtime_run(s->o, args, -1, -1, -1, err) < 0)
		return berth_error_codep(err);
	if (s->state == SHIM_CREATED) {
		s->state = SHIM_RUNNING;
		s->started_at = time_now_ns();
	}
	answer_ok(s, c, NULL);
	return 0;
}

static int req_kill(struct shim *s, struct client *c, json_t *req, berth_error_t **err)
{
	int64_t sig = 0;
	bool all = false;
	if (bjson_get_int_range(req, NULL, "signal", BJSON_REQUIRED, 1, 64, &sig, err) < 0 ||
	    bjson_get_bool(req, NULL, "all", 0, &all, err) < 0)
		return berth_error_codep(err);
	if (s->state == SHIM_STOPPED)
		return berth_error_fail(err, ESRCH, "container %s is not running", s->o->id);
	char num[16];
	snprintf(num, sizeof(num), "%d", (int)sig);
	const char *args[] = { "kill", all ? "--all" : s->o->id, all ? s->o->id : num,
			       all ? num : NULL, NULL };
	if (runtime_run(s->o, args, -1, -1, -1, err) < 0)
		return berth_error_codep(err);
	answer_ok(s, c, NULL);
	return 0;
}

static int req_status(struct shim *s, struct client *c, json_t *req, berth_error_t **err)
{
	answer_ok(s, c, status_json(s));
	return 0;
}

static int req_wait(struct shim *s, struct client *c, json_t *req, berth_error_t **err)
{
	/* answered in finish(); until then only a hangup is of interest */
	c->state = CLIENT_WAIT;
	return 0;
}

static int stream_flags(json_t *req, struct client *c, berth_error_t **err)
{
	if (bjson_get_bool(req, NULL, "stdin", 0, &c->want_stdin, err) < 0 ||
	    bjson_get_bool(req, NULL, "stdout", 0, &c->want_stdout, err) < 0 ||
	    bjson_get_bool(req, NULL, "stderr", 0, &c->want_stderr, err) < 0)
		return berth_error_codep(err);
	return 0;
}

static int req_attach(struct shim *s, struct client *c, json_t *req, berth_error_t **err)
{
	if (stream_flags(req, c, err) < 0)
		return berth_error_codep(err);
	answer_ok(s, c, NULL);
	io_attach(s, s->init, c);
	return 0;
}

static struct proc_io *exec_find(struct shim *s, const char *id)
{
	for (struct proc_io *io = s->execs; io; io = io->next)
		if (strcmp(io->exec_id, id) == 0)
			return io;
	return NULL;
}

/* Drop a finished exec's record (its fds are all closed); the memory goes
 * after the epoll batch, like a client's */
static void exec_forget(struct shim *s, struct proc_io *io)
{
	for (struct proc_io **p = &s->execs; *p; p = &(*p)->next)
		if (*p == io) {
			*p = io->next;
			io->next = s->dead_execs;
			s->dead_execs = io;
			s->n_execs--;
			return;
		}
}

static int exec_id_check(const char *id, berth_error_t **err)
{
	size_t len = strlen(id);
	if (len == 0 || len > SHIM_MAX_EXEC_ID)
		return berth_error_fail(err, EINVAL, "exec id: 1 to %d characters",
					SHIM_MAX_EXEC_ID);
	if (strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
		    len ||
	    id[0] == '.')
		return berth_error_fail(err, EINVAL, "exec id '%s': only [A-Za-z0-9_.-]", id);
	return 0;
}

static int req_resize(struct shim *s, struct client *c, json_t *req, berth_error_t **err)
{
	const char *exec_id = NULL;
	int64_t h = 0, w = 0;
	if (bjson_get_string(req, NULL, "exec_id", BJSON_ALLOW_NULL, &exec_id, err) < 0 ||
	    bjson_get_int_range(req, NULL, "height", BJSON_REQUIRED, 0, UINT16_MAX, &h, err) < 0 ||
	    bjson_get_int_range(req, NULL, "width", BJSON_REQUIRED, 0, UINT16_MAX, &w, err) < 0)
		return berth_error_codep(err);
	struct proc_io *io = s->init;
	if (exec_id && !(io = exec_find(s, exec_id)))
		return berth_error_fail(err, ENOENT, "no such exec: %s", exec_id);
	if (io->terminal && io->out.fd >= 0) {
		struct winsize ws = { .ws_row = (unsigned short)h, .ws_col = (unsigned short)w };
		if (ioctl(io->out.fd, TIOCSWINSZ, &ws) < 0)
			return berth_error_set(err, errno, "resize the terminal");
	}
	answer_ok(s, c, NULL);
	return 0;
}

static int exec_write_process(const char *name, json_t *process, berth_error_t **err)
{
	cleanup_free char *text = bjson_dump(process);
	return atomic_write_at(AT_FDCWD, name, text, strlen(text), 0600, err);
}

static int exec_run(struct shim *s, const char *exec_id, json_t *process, bool terminal,
		    struct client *c, pid_t *ret_pid, struct stdio_fds *f, berth_error_t **err)
{
	cleanup_free char *pjson = xasprintf("exec-%s.json", exec_id);
	cleanup_free char *pidf = xasprintf("exec-%s.pid", exec_id);
	if (exec_write_process(pjson, process, err) < 0)
		return berth_error_codep(err);
	if (stdio_setup(s->o, terminal, c->want_stdin, c->want_stdout, c->want_stderr, f, err) <
	    0) {
		unlink(pjson);
		return berth_error_codep(err);
	}
	const char *args[] = { "exec",
			       "-d",
			       "--pid-file",
			       pidf,
			       "--process",
			       pjson,
			       terminal ? "--console-socket" : s->o->id,
			       terminal ? f->console_path : NULL,
			       terminal ? s->o->id : NULL,
			       NULL };
	int r = runtime_run(s->o, args, f->in, f->out, f->err, err);
	unlink(pjson);
	cleanup_closep(&f->in);
	cleanup_closep(&f->out);
	cleanup_closep(&f->err);
	if (r >= 0 && terminal) {
		r = console_receive(f->console, &f->my_out, err);
		if (r >= 0 && c->want_stdin) {
			f->my_in = fcntl(f->my_out, F_DUPFD_CLOEXEC, 3);
			if (f->my_in < 0)
				r = berth_error_set(err, errno, "dup the pty master");
		}
	}
	if (r >= 0)
		r = pidfile_read(pidf, ret_pid, err);
	unlink(pidf);
	if (r < 0)
		return berth_error_wrap(err, "exec in container %s", s->o->id);
	return 0;
}

static int req_exec(struct shim *s, struct client *c, json_t *req, berth_error_t **err)
{
	static const char *const known[] = { "op",     "exec_id", "process", "terminal", "stdin",
					     "stdout", "stderr",  "detach",  NULL };
	const char *exec_id = NULL;
	json_t *process = NULL;
	bool terminal = false, detach = false;
	if (bjson_check_known_keys(req, NULL, known, err) < 0 ||
	    bjson_get_string(req, NULL, "exec_id", BJSON_REQUIRED, &exec_id, err) < 0 ||
	    bjson_get_object(req, NULL, "process", BJSON_REQUIRED, &process, err) < 0 ||
	    bjson_get_bool(req, NULL, "terminal", 0, &terminal, err) < 0 ||
	    bjson_get_bool(req, NULL, "detach", 0, &detach, err) < 0 ||
	    stream_flags(req, c, err) < 0 || exec_id_check(exec_id, err) < 0)
		return berth_error_codep(err);
	/* a finished exec's id may be used again (a restarted berthd counts
	 * its ids from the start); a running one's not */
	struct proc_io *old = exec_find(s, exec_id);
	if (old && !old->done)
		return berth_error_fail(err, EEXIST, "exec %s exists already", exec_id);
	if (old)
		exec_forget(s, old);
	if (s->state != SHIM_RUNNING)
		return berth_error_fail(err, EBUSY, "container %s is not running", s->o->id);
	if (detach)
		c->want_stdin = c->want_stdout = c->want_stderr = false;
	pid_t pid = -1;
	struct stdio_fds f = { .in = -1,
			       .out = -1,
			       .err = -1,
			       .my_in = -1,
			       .my_out = -1,
			       .my_err = -1,
			       .console = -1 };
	if (exec_run(s, exec_id, process, terminal, c, &pid, &f, err) < 0)
		return berth_error_codep(err);
	struct proc_io *io = io_new(s, exec_id, terminal, take_fd(&f.my_out), take_fd(&f.my_err),
				    take_fd(&f.my_in));
	stdio_fds_release(&f);
	io->pid = pid;
	io->stdin_once = true; /* an exec's stdin ends with its client's */
	io->next = s->execs;
	s->execs = io;
	s->n_execs++;
	answer_ok(s, c, json_pack("{s:i}", "pid", (int)pid));
	if (detach) {
		c->state = CLIENT_CLOSING;
		client_update(s, c);
	} else {
		io_attach(s, io, c);
	}
	return 0;
}

static int req_exec_status(struct shim *s, struct client *c, json_t *req, berth_error_t **err)
{
	const char *exec_id = NULL;
	if (bjson_get_string(req, NULL, "exec_id", BJSON_REQUIRED, &exec_id, err) < 0)
		return berth_error_codep(err);
	struct proc_io *io = exec_find(s, exec_id);
	if (!io)
		return berth_error_fail(err, ENOENT, "no such exec: %s", exec_id);
	answer_ok(s, c,
		  json_pack("{s:b,s:i,s:i}", "running", !io->exited, "pid", (int)io->pid,
			    "exit_code", io->exit_code));
	return 0;
}

/* Signal an exec's process.  Its pid cannot have been reused: the shim is
 * the subreaper that reaps it, and a reaped exec is marked exited. */
static int req_exec_kill(struct shim *s, struct client *c, json_t *req, berth_error_t **err)
{
	const char *exec_id = NULL;
	int64_t sig = 0;
	if (bjson_get_string(req, NULL, "exec_id", BJSON_REQUIRED, &exec_id, err) < 0 ||
	    bjson_get_int_range(req, NULL, "signal", BJSON_REQUIRED, 1, 64, &sig, err) < 0)
		return berth_error_codep(err);
	struct proc_io *io = exec_find(s, exec_id);
	if (!io)
		return berth_error_fail(err, ENOENT, "no such exec: %s", exec_id);
	if (io->exited || io->pid <= 0)
		return berth_error_fail(err, ESRCH, "exec %s is not running", exec_id);
	if (kill(io->pid, (int)sig) < 0)
		return berth_error_set(err, errno, "signal exec %s (pid %d)", exec_id,
				       (int)io->pid);
	answer_ok(s, c, NULL);
	return 0;
}

typedef int (*req_fn)(struct shim *s, struct client *c, json_t *req, berth_error_t **err);

static const struct {
	const char *op;
	req_fn fn;
	const char *const known[6];
} requests[] = {
	{ "start", req_start, { "op", NULL } },
	{ "kill", req_kill, { "op", "signal", "all", NULL } },
	{ "status", req_status, { "op", NULL } },
	{ "wait", req_wait, { "op", NULL } },
	{ "attach", req_attach, { "op", "stdin", "stdout", "stderr", NULL } },
	{ "resize", req_resize, { "op", "exec_id", "height", "width", NULL } },
	{ "exec", req_exec, { NULL } },
	{ "exec_status", req_exec_status, { "op", "exec_id", NULL } },
	{ "exec_kill", req_exec_kill, { "op", "exec_id", "signal", NULL } },
};

static int dispatch(struct shim *s, struct client *c, berth_error_t **err)
{
	cleanup_json json_t *req = NULL;
	if (bjson_load(c->req.buf, c->req.len, "shim request", SHIM_MAX_REQUEST, 0, &req, err) < 0)
		return berth_error_codep(err);
	const char *opname = NULL;
	if (bjson_get_string(req, NULL, "op", BJSON_REQUIRED, &opname, err) < 0)
		return berth_error_codep(err);
	for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
		if (strcmp(requests[i].op, opname) != 0)
			continue;
		if (requests[i].known[0] &&
		    bjson_check_known_keys(req, NULL, requests[i].known, err) < 0)
			return berth_error_codep(err);
		return requests[i].fn(s, c, req, err);
	}
	return berth_error_fail(err, EINVAL, "unknown shim request '%s'", opname);
}

static void client_request_readable(struct shim *s, struct client *c)
{
	char buf[4096];
	ssize_t n = read(c->w.fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		client_free(s, c);
		return;
	}
	/* one request per connection: whatever follows the line is stream input,
	 * which a client sends only after the answer */
	char *nl = memchr(buf, '\n', (size_t)n);
	size_t take = nl ? (size_t)(nl - buf) : (size_t)n;
	if (c->req.len + take > SHIM_MAX_REQUEST) {
		berth_error_t *e = NULL;
		berth_error_fail(&e, E2BIG, "shim request exceeds %u bytes", SHIM_MAX_REQUEST);
		answer_error(s, c, e);
		berth_error_free(e);
		return;
	}
	strbuf_add(&c->req, buf, take);
	if (!nl)
		return;
	cleanup_error berth_error_t *e = NULL;
	c->state = CLIENT_CLOSING; /* unless the request makes it something else */
	if (dispatch(s, c, &e) < 0) {
		answer_error(s, c, e);
		return;
	}
	strbuf_release(&c->req);
	client_update(s, c);
}

static void on_client(struct shim *s, struct watch *w, uint32_t events)
{
	struct client *c = (struct client *)w;
	if (events & EPOLLOUT) {
		client_send(s, c, "", 0); /* flush; may close c */
		if (c->w.fd < 0)
			return;
	}
	if (events & (EPOLLIN | EPOLLRDHUP)) {
		if (c->state == CLIENT_REQUEST)
			client_request_readable(s, c);
		else if (c->state == CLIENT_STREAM)
			io_client_readable(s, c);
		return;
	}
	if (events & (EPOLLHUP | EPOLLERR))
		client_free(s, c);
}

static void on_listen(struct shim *s, struct watch *w, uint32_t events)
{
	// cppcheck-suppress nullPointer ; accept4 takes NULL for the peer address
	int fd = accept4(w->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	struct client *c = xzalloc(sizeof(*c));
	strbuf_init(&c->req, 0);
	strbuf_init(&c->out.buf, 0);
	c->state = CLIENT_REQUEST;
	c->w.fd = fd;
	c->w.fn = on_client;
	c->w.events = EPOLLIN;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &c->w };
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		close(fd);
		free(c);
		return;
	}
	c->next = s->clients;
	s->clients = c;
}

/* ---- exits ---- */

static int exit_code_of(int status)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* cgroup v1 memory.oom_control "oom_kill N", v2 memory.events "oom_kill N" */
static bool read_oom_killed(struct shim *s)
{
	if (s->oom_fd < 0)
		return false;
	char buf[512];
	ssize_t n = pread(s->oom_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	for (char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, "oom_kill ", 9) == 0)
			return strtoull(p + 9, NULL, 10) > 0;
	return false;
}

static void write_exit_json(struct shim *s)
{
	char fin[48];
	time_format(s->finished_at, fin, sizeof(fin));
	cleanup_json json_t *j = json_pack("{s:i,s:s,s:b,s:I}", "exit_code", s->init->exit_code,
					   "finished_at", fin, "oom_killed", s->oom_killed,
					   "started_at_ns", (json_int_t)s->started_at);
	cleanup_free char *text = bjson_dump(j);
	cleanup_error berth_error_t *e = NULL;
	if (atomic_write_at(AT_FDCWD, SHIM_EXIT_NAME, text, strlen(text), 0600, &e) < 0)
		log_error("write exit status: %s", e->msg);
}

static void init_exited(struct shim *s, int status)
{
	s->finished_at = time_now_ns();
	s->oom_killed = read_oom_killed(s);
	s->state = SHIM_STOPPED;
	/* exit.json must exist before anyone can learn of the exit */
	s->init->exit_code = exit_code_of(status);
	write_exit_json(s);
	int t = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (t >= 0) {
		struct itimerspec its = { .it_value = { .tv_sec = DRAIN_TIMEOUT_SEC } };
		timerfd_settime(t, 0, &its, NULL);
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &s->drain_timer };
		s->drain_timer.fd = t;
		s->drain_timer.events = EPOLLIN;
		epoll_ctl(s->epfd, EPOLL_CTL_ADD, t, &ev);
	}
	io_exited(s, s->init, s->init->exit_code);
}

static void on_drain_timer(struct shim *s, struct watch *w, uint32_t events)
{
	watch_close(s, w);
	log_warn("output still open %d s after the init exited, closing it", DRAIN_TIMEOUT_SEC);
	io_force_eof(s, s->init);
	for (struct proc_io *io = s->execs; io; io = io->next)
		if (io->exited)
			io_force_eof(s, io);
}

/* Forget the oldest finished execs past MAX_EXEC_RECORDS */
static void exec_records_trim(struct shim *s)
{
	while (s->n_execs > MAX_EXEC_RECORDS) {
		struct proc_io **oldest = NULL;
		for (struct proc_io **p = &s->execs; *p; p = &(*p)->next)
			if ((*p)->done)
				oldest = p;
		if (!oldest)
			return;
		struct proc_io *io = *oldest;
		*oldest = io->next;
		io_free(io);
		s->n_execs--;
	}
}

static void on_sigchld(struct shim *s, struct watch *w, uint32_t events)
{
	struct signalfd_siginfo si;
	while (read(w->fd, &si, sizeof(si)) == sizeof(si))
		;
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid <= 0)
			break;
		if (s->state != SHIM_STOPPED && pid == s->init->pid) {
			init_exited(s, status);
			continue;
		}
		for (struct proc_io *io = s->execs; io; io = io->next)
			if (io->pid == pid && !io->exited) {
				io_exited(s, io, exit_code_of(status));
				break;
			}
		/* anything else: a daemonised process of the container, reaped */
	}
}

void server_io_done(struct shim *s, struct proc_io *io)
{
	/* clients of the process get what is queued, then the connection closes */
	struct client *next;
	for (struct client *c = s->clients; c; c = next) {
		next = c->next;
		if (c->io == io && c->state == CLIENT_STREAM) {
			c->state = CLIENT_CLOSING;
			c->stdin_done = true;
			client_update(s, c);
		}
	}
	if (io == s->init)
		s->quit = true;
}

/* Blocking writes with a deadline for the last words to clients */
static void client_flush_final(struct client *c)
{
	struct timeval tv = { .tv_sec = 2 };
	setsockopt(c->w.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	int fl = fcntl(c->w.fd, F_GETFL);
	fcntl(c->w.fd, F_SETFL, fl & ~O_NONBLOCK);
	while (outq_len(&c->out) > 0) {
		ssize_t n =
			send(c->w.fd, c->out.buf.buf + c->out.off, outq_len(&c->out), MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		c->out.off += (size_t)n;
	}
}

/* The init is gone and drained: delete, answer waiters, close everything */
static void finish(struct shim *s)
{
	cleanup_error berth_error_t *e = NULL;
	const char *args[] = { "delete", "--force", s->o->id, NULL };
	if (runtime_run(s->o, args, -1, -1, -1, &e) < 0)
		log_error("delete container %s: %s", s->o->id, e->msg);
	/* no new clients: the socket goes first */
	unlink(SHIM_SOCK_NAME);
	watch_close(s, &s->listen);
	for (struct client *c = s->clients; c; c = c->next) {
		if (c->state == CLIENT_WAIT)
			answer_ok(s, c, status_json(s));
		client_flush_final(c);
	}
	while (s->clients)
		client_free(s, s->clients);
	clients_reap(s);
	unlink(SHIM_PID_NAME);
	unlink("runtime.log");
	struct stat st;
	if (stat("shim.log", &st) == 0 && st.st_size == 0)
		unlink("shim.log");
	/* what is left, so that a leak checker sees only real leaks */
	io_free(s->init);
	s->init = NULL;
	while (s->execs) {
		struct proc_io *io = s->execs;
		s->execs = io->next;
		io_free(io);
	}
	int *fds[] = { &s->sigfd.fd, &s->drain_timer.fd, &s->epfd, &s->oom_fd, &s->freezer_fd };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		cleanup_closep(fds[i]);
}

int server_run(struct shim *s, berth_error_t **err)
{
	s->sigfd.fn = on_sigchld;
	s->listen.fn = on_listen;
	s->drain_timer.fn = on_drain_timer;
	s->drain_timer.fd = -1;
	struct watch *ws[] = { &s->sigfd, &s->listen };
	for (size_t i = 0; i < 2; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = ws[i] };
		ws[i]->events = EPOLLIN;
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, ws[i]->fd, &ev) < 0)
			return berth_error_set(err, errno, "epoll_ctl");
	}
	/* a SIGCHLD may have come before the signalfd was polled */
	on_sigchld(s, &s->sigfd, EPOLLIN);
	while (!s->quit) {
		struct epoll_event evs[16];
		int n = epoll_wait(s->epfd, evs, 16, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berth_error_set(err, errno, "epoll_wait");
		for (int i = 0; i < n && !s->quit; i++) {
			struct watch *w = evs[i].data.ptr;
			/* closed by an earlier handler of this batch */
			if (w->fd >= 0)
				w->fn(s, w, evs[i].events);
		}
		/* frees wait until no event of the batch can point at them */
		clients_reap(s);
		exec_records_trim(s);
		while (s->dead_execs) {
			struct proc_io *io = s->dead_execs;
			s->dead_execs = io->next;
			io_free(io);
		}
	}
	finish(s);
	return 0;
}
