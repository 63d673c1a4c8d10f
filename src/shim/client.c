/* client: the only code that speaks to berth-shim (protocol.h).  Every call
 * but shim_spawn opens its own connection to <state_dir>/shim.sock, so calls
 * are safe from any thread.  The socket is reached through /proc/self/fd of
 * an O_PATH handle on the state dir: state dir paths can exceed sun_path. */
#include "shim/client.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/fdio.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "shim/protocol.h"

static int connect_shim(const char *state_dir, int *ret_fd, berth_error_t **err)
{
	cleanup_close int dfd = open(state_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return berth_error_set(err, errno, "open shim state dir '%s'", state_dir);
	cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return berth_error_set(err, errno, "socket");
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/" SHIM_SOCK_NAME, dfd);
	int r;
	do
		r = connect(fd, (struct sockaddr *)&addr, sizeof(addr));
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return berth_error_set(err, errno, "connect to shim '%s/" SHIM_SOCK_NAME "'",
				       state_dir);
	*ret_fd = take_fd(&fd);
	return 0;
}

/* Read one line a byte at a time: the stream of an attach follows it on the
 * same connection and must stay unread.  EOF before "\n": -EPIPE. */
static int read_line(int fd, struct strbuf *sb, berth_error_t **err)
{
	for (;;) {
		char c;
		ssize_t n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berth_error_set(err, errno, "read the shim's answer");
		if (n == 0)
			return berth_error_fail(err, EPIPE,
						"the shim closed the connection "
						"without answering");
		if (c == '\n')
			return 0;
		if (sb->len >= SHIM_MAX_ANSWER)
			return berth_error_fail(err, EPROTO, "the shim's answer exceeds %u bytes",
						SHIM_MAX_ANSWER);
		strbuf_addch(sb, c);
	}
}

/* An {"error", "errno"} answer as a berth error */
static int answer_error(json_t *ans, berth_error_t **err)
{
	json_t *e = json_object_get(ans, "error");
	if (!e)
		return 0;
	json_int_t num = json_integer_value(json_object_get(ans, "errno"));
	if (num <= 0 || num > 4095)
		num = EIO;
	return berth_error_fail(err, (int)num, "%s",
				json_is_string(e) ? json_string_value(e) : "unknown shim error");
}

/* Send req (stolen) and read the answer; *ret_fd gets the connection when
 * asked for (attach, exec), else it is closed */
static int request(const char *state_dir, json_t *req_stolen, json_t **ret, int *ret_fd,
		   berth_error_t **err)
{
	cleanup_json json_t *req = req_stolen;
	cleanup_close int fd = -1;
	if (connect_shim(state_dir, &fd, err) < 0)
		return berth_error_codep(err);
	cleanup_free char *line = bjson_dump(req);
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, line);
	strbuf_addch(&sb, '\n');
	int r = fd_write_all(fd, sb.buf, sb.len);
	if (r < 0)
		return berth_error_set(err, -r, "send a request to the shim in '%s'", state_dir);
	strbuf_reset(&sb);
	if (read_line(fd, &sb, err) < 0)
		return berth_error_codep(err);
	cleanup_json json_t *ans = NULL;
	if (bjson_load(sb.buf, sb.len, "shim answer", SHIM_MAX_ANSWER, 0, &ans, err) < 0)
		return berth_error_codep(err);
	if (!json_is_object(ans))
		return berth_error_fail(err, EPROTO, "shim answer: expected an object");
	if (answer_error(ans, err) < 0)
		return berth_error_codep(err);
	if (ret_fd)
		*ret_fd = take_fd(&fd);
	if (ret)
		*ret = steal_pointer(&ans);
	return 0;
}

static json_t *op(const char *name)
{
	return json_pack("{s:s}", "op", name);
}

/* ---- spawn ---- */

static void argv_add(char ***argv, size_t *n, size_t *alloc, const char *s)
{
	*argv = xgrow(*argv, alloc, *n + 2, sizeof(char *));
	(*argv)[(*n)++] = xstrdup(s);
	(*argv)[*n] = NULL;
}

static char **spawn_argv(const struct shim_spawn_opts *o)
{
	char **argv = NULL;
	size_t n = 0, alloc = 0;
	argv_add(&argv, &n, &alloc, o->shim);
	const char *pairs[][2] = {
		{ "--id", o->id },
		{ "--bundle", o->bundle },
		{ "--state-dir", o->state_dir },
		{ "--runtime", o->runtime },
		{ "--runtime-root", o->runtime_root },
	};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		argv_add(&argv, &n, &alloc, pairs[i][0]);
		argv_add(&argv, &n, &alloc, pairs[i][1]);
	}
	if (o->log_path) {
		char num[32];
		argv_add(&argv, &n, &alloc, "--log-path");
		argv_add(&argv, &n, &alloc, o->log_path);
		snprintf(num, sizeof(num), "%llu", (unsigned long long)o->log_max_size);
		argv_add(&argv, &n, &alloc, "--log-max-size");
		argv_add(&argv, &n, &alloc, num);
		snprintf(num, sizeof(num), "%u", o->log_max_file ? o->log_max_file : 1);
		argv_add(&argv, &n, &alloc, "--log-max-file");
		argv_add(&argv, &n, &alloc, num);
	}
	if (o->terminal)
		argv_add(&argv, &n, &alloc, "--terminal");
	if (o->open_stdin)
		argv_add(&argv, &n, &alloc, "--open-stdin");
	if (o->stdin_once)
		argv_add(&argv, &n, &alloc, "--stdin-once");
	return argv;
}

/* Between fork and exec in a threaded caller: async-signal-safe calls only */
static void __attribute__((noreturn)) spawn_child(int ready_w, int devnull, char **argv)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigaction(SIGPIPE, &dfl, NULL);
	sigaction(SIGCHLD, &dfl, NULL);
	if (ready_w == SHIM_READY_FD) {
		/* already in place: only drop its O_CLOEXEC */
		if (fcntl(ready_w, F_SETFD, 0) < 0)
			_exit(127);
	} else if (dup2(ready_w, SHIM_READY_FD) < 0) {
		_exit(127);
	}
	if (dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 || dup2(devnull, 2) < 0)
		_exit(127);
	execv(argv[0], argv);
	_exit(127);
}

static int spawn_answer(const char *buf, size_t len, const struct shim_spawn_opts *o,
			pid_t *ret_pid, berth_error_t **err)
{
	if (len == 0)
		return berth_error_fail(err, EIO, "shim '%s' for '%s' exited without reporting",
					o->shim, o->id);
	cleanup_json json_t *ans = NULL;
	if (bjson_load(buf, len, "shim report", SHIM_MAX_ANSWER, 0, &ans, err) < 0)
		return berth_error_codep(err);
	if (!json_is_object(ans))
		return berth_error_fail(err, EPROTO, "shim report: expected an object");
	if (answer_error(ans, err) < 0)
		return berth_error_codep(err);
	int64_t pid = 0;
	if (bjson_get_int_range(ans, "shim report", "pid", BJSON_REQUIRED, 1, INT32_MAX, &pid,
				err) < 0)
		return berth_error_codep(err);
	*ret_pid = (pid_t)pid;
	return 0;
}

int shim_spawn(const struct shim_spawn_opts *o, pid_t *ret_pid, berth_error_t **err)
{
	if (!o->shim || !o->id || !o->bundle || !o->state_dir || !o->runtime || !o->runtime_root)
		return berth_error_fail(err, EINVAL,
					"shim_spawn: shim, id, bundle, state_dir, "
					"runtime and runtime_root are required");
	cleanup_strv char **argv = spawn_argv(o);
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return berth_error_set(err, errno, "pipe");
	cleanup_close int ready_r = p[0];
	cleanup_close int ready_w = p[1];
	cleanup_close int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0)
		return berth_error_set(err, errno, "open /dev/null");
	pid_t child = fork();
	if (child < 0)
		return berth_error_set(err, errno, "fork the shim");
	if (child == 0)
		spawn_child(ready_w, devnull, argv);
	cleanup_closep(&ready_w);
	/* the shim's first process exits as soon as its daemon forked off;
	 * the report comes from the daemon, EOF when it is done or died */
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	int rerr = 0;
	for (;;) {
		ssize_t n = read(ready_r, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rerr = errno;
			break;
		}
		if (n == 0)
			break;
		if (sb.len + (size_t)n > SHIM_MAX_ANSWER) {
			rerr = E2BIG;
			break;
		}
		strbuf_add(&sb, buf, (size_t)n);
	}
	int status;
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (rerr)
		return berth_error_set(err, rerr, "read the report of shim '%s'", o->shim);
	if (sb.len == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return berth_error_fail(err, ENOENT, "cannot execute shim '%s'", o->shim);
	strbuf_rtrim(&sb);
	if (spawn_answer(sb.buf, sb.len, o, ret_pid, err) < 0)
		return berth_error_codep(err);
	return 0;
}

/* ---- simple requests ---- */

int shim_start(const char *state_dir, berth_error_t **err)
{
	return request(state_dir, op("start"), NULL, NULL, err);
}

int shim_kill(const char *state_dir, int sig, bool all, berth_error_t **err)
{
	json_t *req = op("kill");
	json_object_set_new(req, "signal", json_integer(sig));
	json_object_set_new(req, "all", json_boolean(all));
	return request(state_dir, req, NULL, NULL, err);
}

static int parse_state(const char *s, enum shim_state *ret)
{
	static const char *const names[] = { "created", "running", "paused", "stopped" };
	for (size_t i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0) {
			*ret = (enum shim_state)i;
			return 0;
		}
	return -1;
}

static int status_from_json(json_t *j, struct shim_status *ret, berth_error_t **err)
{
	const char *state = NULL;
	int64_t pid = 0, code = 0, started = 0, finished = 0;
	bool oom = false;
	struct shim_status st = { 0 };
	if (bjson_get_string(j, "shim status", "state", BJSON_REQUIRED, &state, err) < 0 ||
	    bjson_get_int_range(j, "shim status", "pid", 0, 0, INT32_MAX, &pid, err) < 0 ||
	    bjson_get_int_range(j, "shim status", "exit_code", 0, 0, 255, &code, err) < 0 ||
	    bjson_get_bool(j, "shim status", "oom_killed", 0, &oom, err) < 0 ||
	    bjson_get_int64(j, "shim status", "started_at", 0, &started, err) < 0 ||
	    bjson_get_int64(j, "shim status", "finished_at", 0, &finished, err) < 0)
		return berth_error_codep(err);
	if (parse_state(state, &st.state) < 0)
		return berth_error_fail(err, EPROTO, "shim status: unknown state '%s'", state);
	st.pid = (pid_t)pid;
	st.exit_code = (int)code;
	st.oom_killed = oom;
	st.started_at = started;
	st.finished_at = finished;
	*ret = st;
	return 0;
}

int shim_get_status(const char *state_dir, struct shim_status *ret, berth_error_t **err)
{
	cleanup_json json_t *ans = NULL;
	if (request(state_dir, op("status"), &ans, NULL, err) < 0)
		return berth_error_codep(err);
	return status_from_json(ans, ret, err);
}

static bool shim_gone(const berth_error_t *e)
{
	return e->errnum == ENOENT || e->errnum == ECONNREFUSED;
}

int shim_wait(const char *state_dir, struct shim_status *ret, berth_error_t **err)
{
	cleanup_error berth_error_t *e = NULL;
	cleanup_json json_t *ans = NULL;
	if (request(state_dir, op("wait"), &ans, NULL, &e) == 0)
		return status_from_json(ans, ret, err);
	/* gone before we asked, or died (EPIPE) while we waited */
	if (!shim_gone(e) && e->errnum != EPIPE && e->errnum != ECONNRESET) {
		*err = steal_pointer(&e);
		return berth_error_codep(err);
	}
	if (shim_read_exit(state_dir, ret, err) < 0) {
		if ((*err)->errnum == ENOENT)
			return berth_error_fail(err, ESRCH,
						"the shim in '%s' is gone and left "
						"no exit status",
						state_dir);
		return berth_error_codep(err);
	}
	return 0;
}

/* "2026-11-30T12:00:00.123456789Z" (as the shim writes it) -> ns */
static int parse_time(const char *s, int64_t *ret)
{
	struct tm tm = { 0 };
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return -1;
	int64_t ns = 0;
	if (*p == '.') {
		int digits = 0;
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 9)
				ns = ns * 10 + (*p - '0');
		for (; digits < 9; digits++)
			ns *= 10;
	}
	if (strcmp(p, "Z") != 0)
		return -1;
	*ret = (int64_t)timegm(&tm) * 1000000000 + ns;
	return 0;
}

int shim_read_exit(const char *state_dir, struct shim_status *ret, berth_error_t **err)
{
	cleanup_free char *path = xasprintf("%s/" SHIM_EXIT_NAME, state_dir);
	cleanup_json json_t *j = NULL;
	if (bjson_load_file(path, 64 << 10, 0, &j, err) < 0)
		return berth_error_codep(err);
	int64_t code = 0;
	bool oom = false;
	const char *fin = NULL;
	if (bjson_get_int_range(j, path, "exit_code", BJSON_REQUIRED, 0, 255, &code, err) < 0 ||
	    bjson_get_bool(j, path, "oom_killed", 0, &oom, err) < 0 ||
	    bjson_get_string(j, path, "finished_at", BJSON_REQUIRED, &fin, err) < 0)
		return berth_error_codep(err);
	struct shim_status st = { .state = SHIM_STOPPED,
				  .exit_code = (int)code,
				  .oom_killed = oom };
	if (parse_time(fin, &st.finished_at) < 0)
		return berth_error_fail(err, EINVAL, "%s: finished_at: bad time '%s'", path, fin);
	int64_t started = 0;
	if (bjson_get_int64(j, path, "started_at_ns", 0, &started, err) < 0)
		return berth_error_codep(err);
	st.started_at = started;
	*ret = st;
	return 0;
}

/* ---- streams ---- */

int shim_attach(const char *state_dir, enum shim_attach_flags flags, int *ret_fd,
		berth_error_t **err)
{
	json_t *req = op("attach");
	json_object_set_new(req, "stdin", json_boolean(flags & SHIM_ATTACH_STDIN));
	json_object_set_new(req, "stdout", json_boolean(flags & SHIM_ATTACH_STDOUT));
	json_object_set_new(req, "stderr", json_boolean(flags & SHIM_ATTACH_STDERR));
	return request(state_dir, req, NULL, ret_fd, err);
}

int shim_resize(const char *state_dir, const char *exec_id, unsigned height, unsigned width,
		berth_error_t **err)
{
	if (height > UINT16_MAX || width > UINT16_MAX)
		return berth_error_fail(err, EINVAL, "terminal size %ux%u: at most 65535 each",
					height, width);
	json_t *req = op("resize");
	json_object_set_new(req, "exec_id", exec_id ? json_string(exec_id) : json_null());
	json_object_set_new(req, "height", json_integer(height));
	json_object_set_new(req, "width", json_integer(width));
	return request(state_dir, req, NULL, NULL, err);
}

int shim_exec(const char *state_dir, const struct shim_exec_opts *o, int *ret_fd, pid_t *ret_pid,
	      berth_error_t **err)
{
	if (!o->exec_id || !o->process_json)
		return berth_error_fail(err, EINVAL,
					"shim_exec: exec_id and process_json are "
					"required");
	json_t *process = NULL;
	if (bjson_load(o->process_json, strlen(o->process_json), "exec process",
		       SHIM_MAX_REQUEST / 2, 0, &process, err) < 0)
		return berth_error_codep(err);
	json_t *req = op("exec");
	json_object_set_new(req, "exec_id", json_string(o->exec_id));
	json_object_set_new(req, "process", process);
	json_object_set_new(req, "terminal", json_boolean(o->terminal));
	json_object_set_new(req, "stdin", json_boolean(o->attach_stdin && !o->detach));
	json_object_set_new(req, "stdout", json_boolean(o->attach_stdout && !o->detach));
	json_object_set_new(req, "stderr", json_boolean(o->attach_stderr && !o->detach));
	json_object_set_new(req, "detach", json_boolean(o->detach));
	cleanup_json json_t *ans = NULL;
	cleanup_close int fd = -1;
	if (request(state_dir, req, &ans, &fd, err) < 0)
		return berth_error_codep(err);
	int64_t pid = 0;
	if (bjson_get_int_range(ans, "shim exec answer", "pid", BJSON_REQUIRED, 1, INT32_MAX, &pid,
				err) < 0)
		return berth_error_codep(err);
	if (o->detach)
		cleanup_closep(&fd);
	*ret_fd = take_fd(&fd);
	if (ret_pid)
		*ret_pid = (pid_t)pid;
	return 0;
}

int shim_exec_status(const char *state_dir, const char *exec_id, bool *ret_running, pid_t *ret_pid,
		     int *ret_exit_code, berth_error_t **err)
{
	json_t *req = op("exec_status");
	json_object_set_new(req, "exec_id", json_string(exec_id ? exec_id : ""));
	cleanup_json json_t *ans = NULL;
	if (request(state_dir, req, &ans, NULL, err) < 0)
		return berth_error_codep(err);
	bool running = false;
	int64_t pid = 0, code = 0;
	if (bjson_get_bool(ans, "shim exec status", "running", BJSON_REQUIRED, &running, err) < 0 ||
	    bjson_get_int_range(ans, "shim exec status", "pid", 0, 0, INT32_MAX, &pid, err) < 0 ||
	    bjson_get_int_range(ans, "shim exec status", "exit_code", 0, 0, 255, &code, err) < 0)
		return berth_error_codep(err);
	if (ret_running)
		*ret_running = running;
	if (ret_pid)
		*ret_pid = (pid_t)pid;
	if (ret_exit_code)
		*ret_exit_code = (int)code;
	return 0;
}

int shim_exec_kill(const char *state_dir, const char *exec_id, int sig, berth_error_t **err)
{
	json_t *req = op("exec_kill");
	json_object_set_new(req, "exec_id", json_string(exec_id ? exec_id : ""));
	json_object_set_new(req, "signal", json_integer(sig));
	return request(state_dir, req, NULL, NULL, err);
}
