/* hooks: run one phase's OCI hooks, in order, each to completion.  A hook
 * runs with only its own env, the state JSON on stdin, stdout on /dev/null
 * and stderr captured (capped) for the error message; no fd of the runtime
 * reaches it.  The runtime waits on a pidfd with poll, so a timeout needs
 * no sleep loop and no SIGCHLD handler. */
#include "runtime/hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/banned.h"
#include "common/cleanup.h"
#include "common/strbuf.h"

/* Bytes of a hook's stderr kept for the error message; the rest is read
 * and dropped so the hook never blocks on a full pipe */
#define HOOK_STDERR_MAX 4096

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

struct hook_run {
	const struct oci_hook *hook; /* not owned */
	const char *phase;           /* not owned */
	pid_t pid;
	int pidfd;
	int in_fd;  /* our end of the stdin socketpair, -1 once done */
	int err_fd; /* read end of the stderr pipe, -1 at EOF */
	const char *state;
	size_t state_len, state_off;
	struct strbuf stderr_buf;
	bool stderr_truncated;
};

/* In the child, between fork and execve: only async-signal-safe calls.
 * Moves fds above 2 first, so that none of them is clobbered by dup2 when
 * the runtime itself runs with 0..2 closed. */
__attribute__((noreturn)) static void hook_child(int in_fd, int null_fd, int err_fd,
						 int exec_err_fd, const char *path,
						 char *const argv[], char *const envp[])
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);

	int in = fcntl(in_fd, F_DUPFD_CLOEXEC, 3);
	int out = fcntl(null_fd, F_DUPFD_CLOEXEC, 3);
	int errw = fcntl(err_fd, F_DUPFD_CLOEXEC, 3);
	int e = errno;
	if (in < 0 || out < 0 || errw < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
	    dup2(errw, 2) < 0) {
		e = errno;
		(void)!write(exec_err_fd, &e, sizeof(e));
		_exit(127);
	}
	/* Everything else is O_CLOEXEC already; this also covers fds a
	 * library opened without it.  The exec error pipe must stay open
	 * until execve, so mark rather than close. */
	(void)syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
	execve(path, argv, envp);
	e = errno;
	(void)!write(exec_err_fd, &e, sizeof(e));
	_exit(127);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void hook_read_stderr(struct hook_run *r)
{
	char buf[4096];
	ssize_t n = read(r->err_fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close(r->err_fd);
		r->err_fd = -1;
		return;
	}
	size_t room = HOOK_STDERR_MAX - r->stderr_buf.len;
	if ((size_t)n > room)
		r->stderr_truncated = true;
	strbuf_add(&r->stderr_buf, buf, (size_t)n > room ? room : (size_t)n);
}

static void hook_write_stdin(struct hook_run *r)
{
	if (r->state_off < r->state_len) {
		/* MSG_NOSIGNAL: a hook that exits without reading its stdin
		 * must not kill the runtime with SIGPIPE */
		ssize_t n = send(r->in_fd, r->state + r->state_off, r->state_len - r->state_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return;
		if (n < 0) /* EPIPE, ECONNRESET: the hook does not want it */
			r->state_off = r->state_len;
		else
			r->state_off += (size_t)n;
	}
	if (r->state_off >= r->state_len) {
		close(r->in_fd);
		r->in_fd = -1;
	}
}

/* Wait for the hook to exit, feeding stdin and collecting stderr.
 * Returns 1 when it exited, 0 on timeout. */
static int hook_wait(struct hook_run *r, berth_error_t **err)
{
	const struct oci_hook *h = r->hook;
	bool timed = h->has_timeout && h->timeout > 0;
	int64_t deadline = timed ? now_ms() + (int64_t)h->timeout * 1000 : 0;
	for (;;) {
		struct pollfd p[3] = {
			{ .fd = r->pidfd, .events = POLLIN },
			{ .fd = r->err_fd, .events = POLLIN },
			{ .fd = r->in_fd, .events = POLLOUT },
		};
		int wait_ms = -1;
		if (timed) {
			int64_t left = deadline - now_ms();
			if (left <= 0)
				return 0;
			wait_ms = left > INT32_MAX ? INT32_MAX : (int)left;
		}
		int n = poll(p, 3, wait_ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berth_error_set(err, errno, "poll");
		if (p[1].revents)
			hook_read_stderr(r);
		if (p[2].revents)
			hook_write_stdin(r);
		if (p[0].revents)
			return 1;
	}
}

static void hook_describe_stderr(struct hook_run *r, struct strbuf *msg)
{
	/* Collect what is already in the pipe; a grandchild may hold the
	 * write end open, so never wait for EOF here */
	if (r->err_fd >= 0) {
		int fl = fcntl(r->err_fd, F_GETFL);
		if (fl >= 0)
			(void)fcntl(r->err_fd, F_SETFL, fl | O_NONBLOCK);
		while (r->err_fd >= 0 && r->stderr_buf.len < HOOK_STDERR_MAX) {
			size_t before = r->stderr_buf.len;
			hook_read_stderr(r);
			if (r->stderr_buf.len == before)
				break;
		}
	}
	for (size_t i = 0; i < r->stderr_buf.len; i++)
		if (r->stderr_buf.buf[i] == '\0')
			r->stderr_buf.buf[i] = '?';
	strbuf_rtrim(&r->stderr_buf);
	if (r->stderr_buf.len == 0)
		return;
	strbuf_addf(msg, ": %s%s", r->stderr_buf.buf, r->stderr_truncated ? "..." : "");
}

static void hook_run_release(struct hook_run *r)
{
	if (r->pid > 0) {
		/* Only on an error path before the hook was reaped */
		kill(r->pid, SIGKILL);
		while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (r->pidfd >= 0)
		close(r->pidfd);
	if (r->in_fd >= 0)
		close(r->in_fd);
	if (r->err_fd >= 0)
		close(r->err_fd);
	strbuf_release(&r->stderr_buf);
}

static int hook_reap(struct hook_run *r, int *ret_status)
{
	int status = 0;
	pid_t w;
	do
		w = waitpid(r->pid, &status, 0);
	while (w < 0 && errno == EINTR);
	r->pid = -1;
	if (w < 0)
		return -errno;
	*ret_status = status;
	return 0;
}

static int hook_run_one(const struct oci_hook *h, const char *phase, const char *state,
			berth_error_t **err)
{
	__attribute__((cleanup(hook_run_release))) struct hook_run r = {
		.hook = h,
		.phase = phase,
		.pid = -1,
		.pidfd = -1,
		.in_fd = -1,
		.err_fd = -1,
		.state = state ? state : "",
		.stderr_buf = STRBUF_INIT,
	};
	r.state_len = strlen(r.state);
	char *default_argv[] = { h->path, NULL };
	char *empty_env[] = { NULL };
	/* The spec's args are the whole argv, args[0] included */
	char *const *argv = h->args && h->args[0] ? h->args : default_argv;
	char *const *envp = h->env ? h->env : empty_env;

	int sv[2], errp[2], execp[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return berth_error_set(err, errno, "%s hook '%s': socketpair", phase, h->path);
	cleanup_close int child_in = sv[1];
	r.in_fd = sv[0];
	if (pipe2(errp, O_CLOEXEC) < 0)
		return berth_error_set(err, errno, "%s hook '%s': pipe", phase, h->path);
	cleanup_close int child_err = errp[1];
	r.err_fd = errp[0];
	if (pipe2(execp, O_CLOEXEC) < 0)
		return berth_error_set(err, errno, "%s hook '%s': pipe", phase, h->path);
	cleanup_close int exec_r = execp[0];
	cleanup_close int exec_w = execp[1];
	cleanup_close int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null_fd < 0)
		return berth_error_set(err, errno, "%s hook '%s': open '/dev/null'", phase,
				       h->path);

	r.pid = fork();
	if (r.pid < 0)
		return berth_error_set(err, errno, "%s hook '%s': fork", phase, h->path);
	if (r.pid == 0)
		hook_child(child_in, null_fd, child_err, exec_w, h->path, argv, envp);
	cleanup_closep(&child_in);
	cleanup_closep(&child_err);
	cleanup_closep(&exec_w);
	cleanup_closep(&null_fd);

	/* pidfd_open: the child is ours and not reaped, so the pid is stable */
	r.pidfd = (int)syscall(SYS_pidfd_open, r.pid, 0);
	if (r.pidfd < 0)
		return berth_error_set(err, errno, "%s hook '%s': pidfd_open", phase, h->path);

	/* EOF when execve succeeded (O_CLOEXEC), else the child's errno */
	int exec_errno = 0;
	ssize_t n;
	do
		n = read(exec_r, &exec_errno, sizeof(exec_errno));
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(exec_errno)) {
		int status = 0;
		(void)hook_reap(&r, &status);
		return berth_error_set(err, exec_errno, "%s hook '%s': exec", phase, h->path);
	}

	int done = hook_wait(&r, err);
	if (done < 0)
		return berth_error_wrap(err, "%s hook '%s'", phase, h->path);
	if (done == 0) {
		kill(r.pid, SIGKILL);
		int status = 0;
		(void)hook_reap(&r, &status);
		return berth_error_fail(err, ETIMEDOUT, "%s hook '%s': timed out after %ds", phase,
					h->path, h->timeout);
	}
	int status = 0;
	int rr = hook_reap(&r, &status);
	if (rr < 0)
		return berth_error_set(err, -rr, "%s hook '%s': waitpid", phase, h->path);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;

	cleanup_strbuf struct strbuf msg = STRBUF_INIT;
	if (WIFEXITED(status))
		strbuf_addf(&msg, "exit status %d", WEXITSTATUS(status));
	else
		strbuf_addf(&msg, "killed by signal %d (%s)", WTERMSIG(status),
			    strsignal(WTERMSIG(status)));
	hook_describe_stderr(&r, &msg);
	return berth_error_fail(err, 0, "%s hook '%s': %s", phase, h->path, msg.buf);
}

int hooks_run(const struct oci_hook_list *list, const char *phase, const char *state_json,
	      berth_error_t **err)
{
	for (size_t i = 0; list && i < list->n; i++) {
		int r = hook_run_one(&list->hooks[i], phase, state_json, err);
		if (r < 0)
			return r;
	}
	return 0;
}
