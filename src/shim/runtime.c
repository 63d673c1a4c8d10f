/* runtime: how the shim runs the OCI runtime (create, start, kill, exec,
 * delete) and receives pty masters from it.  Each run is synchronous; its
 * log goes to runtime.log in the state dir (truncated per run, JSON lines)
 * so that a failure carries the runtime's own message and never mixes with
 * the container's stderr.  The shim is single-threaded, so fork is plain. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/parse.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "shim/shim.h"

#define RUNTIME_LOG "runtime.log"
#define CONSOLE_SOCK "console.sock"
#define RUNTIME_LOG_MAX (64u << 10)

static void __attribute__((noreturn)) run_child(char **argv, int in, int out, int errfd)
{
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	int fds[3] = { in, out, errfd };
	/* move the sources above 2 first so that dup2 never clobbers one */
	for (int i = 0; i < 3; i++) {
		if (fds[i] < 0)
			fds[i] = devnull;
		fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
		if (fds[i] < 0)
			_exit(127);
	}
	for (int i = 0; i < 3; i++)
		if (dup2(fds[i], i) < 0)
			_exit(127);
	execvp(argv[0], argv);
	_exit(127);
}

/* The last "error" message of a JSON log (or its last line when not JSON) */
static char *runtime_log_message(void)
{
	cleanup_close int fd = open(RUNTIME_LOG, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char *buf = xmalloc(RUNTIME_LOG_MAX + 1);
	ssize_t n = read(fd, buf, RUNTIME_LOG_MAX);
	if (n <= 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	char *msg = NULL, *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cleanup_json json_t *j = json_loads(line, 0, NULL);
		const char *m = json_string_value(json_object_get(j, "msg"));
		const char *lvl = json_string_value(json_object_get(j, "level"));
		if (!j) {
			free(msg);
			msg = xstrdup(line);
		} else if (m && lvl && (strcmp(lvl, "error") == 0 || strcmp(lvl, "fatal") == 0)) {
			free(msg);
			msg = xstrdup(m);
		}
	}
	free(buf);
	return msg;
}

int runtime_run(const struct shim_opts *o, const char *const *args, int in, int out, int errfd,
		berth_error_t **err)
{
	cleanup_close int lfd = open(RUNTIME_LOG, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (lfd < 0)
		return berth_error_set(err, errno, "create '%s/" RUNTIME_LOG "'", o->state_dir);
	size_t n = 0;
	while (args[n])
		n++;
	char **argv = xcalloc(n + 8, sizeof(char *));
	size_t k = 0;
	argv[k++] = (char *)o->runtime;
	argv[k++] = (char *)"--root";
	argv[k++] = (char *)o->runtime_root;
	argv[k++] = (char *)"--log";
	argv[k++] = (char *)RUNTIME_LOG; /* the runtime starts in our cwd: the state dir */
	argv[k++] = (char *)"--log-format";
	argv[k++] = (char *)"json";
	for (size_t i = 0; i < n; i++)
		argv[k++] = (char *)args[i];
	pid_t pid = fork();
	if (pid < 0) {
		free(argv);
		return berth_error_set(err, errno, "fork '%s'", o->runtime);
	}
	if (pid == 0)
		run_child(argv, in, out, errfd);
	free(argv);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return berth_error_set(err, errno, "wait for '%s'", o->runtime);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	cleanup_free char *msg = runtime_log_message();
	if (msg)
		return berth_error_fail(err, EIO, "%s", msg);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return berth_error_fail(err, ENOENT, "cannot execute runtime '%s'", o->runtime);
	if (WIFSIGNALED(status))
		return berth_error_fail(err, EIO, "runtime '%s %s' killed by signal %d", o->runtime,
					args[0], WTERMSIG(status));
	return berth_error_fail(err, EIO, "runtime '%s %s' failed with status %d", o->runtime,
				args[0], WEXITSTATUS(status));
}

int console_listen(const struct shim_opts *o, int *ret_fd, char **ret_path, berth_error_t **err)
{
	cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return berth_error_set(err, errno, "socket");
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	memcpy(addr.sun_path, CONSOLE_SOCK, sizeof(CONSOLE_SOCK));
	unlink(CONSOLE_SOCK);
	/* relative to our cwd (the state dir): a full path may not fit sun_path */
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 1) < 0)
		return berth_error_set(err, errno, "listen on '%s/" CONSOLE_SOCK "'", o->state_dir);
	/* the runtime gets a path it can reach from anywhere and that fits */
	char *path = xasprintf("%s/" CONSOLE_SOCK, o->state_dir);
	if (strlen(path) >= sizeof(addr.sun_path)) {
		free(path);
		path = xasprintf("/proc/%d/cwd/" CONSOLE_SOCK, (int)getpid());
	}
	*ret_fd = take_fd(&fd);
	*ret_path = path;
	return 0;
}

int console_receive(int listen_fd, int *ret_master, berth_error_t **err)
{
	// cppcheck-suppress nullPointer ; accept4 takes NULL for the peer address
	cleanup_close int conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	unlink(CONSOLE_SOCK);
	if (conn < 0)
		return berth_error_set(err, errno == EAGAIN ? EPROTO : errno,
				       "the runtime sent no pty master to the console socket");
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	char name[256];
	struct iovec iov = { name, sizeof(name) };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	ssize_t n;
	do
		n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return berth_error_set(err, errno, "receive the pty master");
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)))
		return berth_error_fail(err, EPROTO, "the console socket message carries no fd");
	int master;
	memcpy(&master, CMSG_DATA(c), sizeof(int));
	if (fcntl(master, F_SETFL, O_NONBLOCK | O_RDWR) < 0) {
		close(master);
		return berth_error_set(err, errno, "set the pty master non-blocking");
	}
	*ret_master = master;
	return 0;
}

int pidfile_read(const char *name, pid_t *ret, berth_error_t **err)
{
	cleanup_close int fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_set(err, errno, "open pid file '%s'", name);
	char buf[32];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return berth_error_set(err, errno, "read pid file '%s'", name);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	int64_t pid;
	if (parse_int_range(buf, 1, INT32_MAX, &pid, err) < 0)
		return berth_error_wrap(err, "pid file '%s'", name);
	*ret = (pid_t)pid;
	return 0;
}

void stdio_fds_release(struct stdio_fds *f)
{
	int *fds[] = { &f->in, &f->out, &f->err, &f->my_in, &f->my_out, &f->my_err, &f->console };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		cleanup_closep(fds[i]);
	free(f->console_path);
	f->console_path = NULL;
}

static int make_pipe(int *ret_theirs, int *ret_mine, bool mine_reads, berth_error_t **err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return berth_error_set(err, errno, "pipe");
	int mine = mine_reads ? p[0] : p[1];
	if (fcntl(mine, F_SETFL, O_NONBLOCK) < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return berth_error_set(err, e, "set a pipe non-blocking");
	}
	*ret_mine = mine;
	*ret_theirs = mine_reads ? p[1] : p[0];
	return 0;
}

int stdio_setup(const struct shim_opts *o, bool terminal, bool in, bool out, bool errout,
		struct stdio_fds *f, berth_error_t **err)
{
	*f = (struct stdio_fds){ -1, -1, -1, -1, -1, -1, -1, NULL };
	if (terminal)
		return console_listen(o, &f->console, &f->console_path, err);
	if ((in && make_pipe(&f->in, &f->my_in, false, err) < 0) ||
	    (out && make_pipe(&f->out, &f->my_out, true, err) < 0) ||
	    (errout && make_pipe(&f->err, &f->my_err, true, err) < 0)) {
		stdio_fds_release(f);
		return berth_error_codep(err);
	}
	return 0;
}
