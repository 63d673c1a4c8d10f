/* berth-shim: one per container; holds its stdio, log and exit status and
 * outlives berthd.  main() parses the options shim_spawn passes, detaches
 * (double fork, setsid, subreaper), runs `runtime create`, reports on the
 * ready pipe (protocol.h) and runs the loop (server.c).  A failed create
 * leaves no process and no state behind but the report. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/atomicfile.h"
#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/parse.h"
#include "common/version.h"
#include "common/xalloc.h"
#include "shim/protocol.h"
#include "shim/shim.h"

#define INIT_PID_FILE "init.pid"

static void usage(FILE *out)
{
	fprintf(out, "Usage:  berth-shim [OPTIONS]\n\n"
		     "The per-container shim of berth, started by berthd (shim_spawn).\n\n"
		     "Options:\n"
		     "  --id ID                container id\n"
		     "  --bundle DIR           OCI bundle\n"
		     "  --state-dir DIR        shim.sock, shim.pid and exit.json go here\n"
		     "  --runtime PATH         OCI runtime\n"
		     "  --runtime-root DIR     the runtime's --root\n"
		     "  --log-path FILE        json-file log of the output\n"
		     "  --log-max-size BYTES   rotate the log past this size (0: never)\n"
		     "  --log-max-file N       log files kept\n"
		     "  --terminal             give the process a pty\n"
		     "  --open-stdin           keep the process's stdin open\n"
		     "  --stdin-once           close it when the first attached client's ends\n"
		     "  -h, --help             Print usage\n"
		     "  -v, --version          Print version information and quit\n");
}

enum {
	OPT_ID = 256,
	OPT_BUNDLE,
	OPT_STATE_DIR,
	OPT_RUNTIME,
	OPT_RUNTIME_ROOT,
	OPT_LOG_PATH,
	OPT_LOG_MAX_SIZE,
	OPT_LOG_MAX_FILE,
	OPT_TERMINAL,
	OPT_OPEN_STDIN,
	OPT_STDIN_ONCE,
};

/* 0: run; 1: exit 0 (help, version); < 0: bad usage */
static int parse_opts(int argc, char **argv, struct shim_opts *o, berth_error_t **err)
{
	static const struct option longopts[] = {
		{ "id", required_argument, NULL, OPT_ID },
		{ "bundle", required_argument, NULL, OPT_BUNDLE },
		{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
		{ "runtime", required_argument, NULL, OPT_RUNTIME },
		{ "runtime-root", required_argument, NULL, OPT_RUNTIME_ROOT },
		{ "log-path", required_argument, NULL, OPT_LOG_PATH },
		{ "log-max-size", required_argument, NULL, OPT_LOG_MAX_SIZE },
		{ "log-max-file", required_argument, NULL, OPT_LOG_MAX_FILE },
		{ "terminal", no_argument, NULL, OPT_TERMINAL },
		{ "open-stdin", no_argument, NULL, OPT_OPEN_STDIN },
		{ "stdin-once", no_argument, NULL, OPT_STDIN_ONCE },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	*o = (struct shim_opts){ .log_max_file = 1 };
	int c;
	uint32_t n;
	while ((c = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_ID:
			o->id = optarg;
			break;
		case OPT_BUNDLE:
			o->bundle = optarg;
			break;
		case OPT_STATE_DIR:
			o->state_dir = optarg;
			break;
		case OPT_RUNTIME:
			o->runtime = optarg;
			break;
		case OPT_RUNTIME_ROOT:
			o->runtime_root = optarg;
			break;
		case OPT_LOG_PATH:
			o->log_path = optarg;
			break;
		case OPT_LOG_MAX_SIZE:
			if (parse_uint64(optarg, 10, &o->log_max_size, err) < 0)
				return berth_error_wrap(err, "--log-max-size");
			break;
		case OPT_LOG_MAX_FILE:
			if (parse_uint32(optarg, &n, err) < 0)
				return berth_error_wrap(err, "--log-max-file");
			if (n < 1 || n > 1000)
				return berth_error_fail(err, EINVAL, "--log-max-file: 1 to 1000");
			o->log_max_file = n;
			break;
		case OPT_TERMINAL:
			o->terminal = true;
			break;
		case OPT_OPEN_STDIN:
			o->open_stdin = true;
			break;
		case OPT_STDIN_ONCE:
			o->stdin_once = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case 'v':
			berth_print_version("berth-shim");
			return 1;
		default:
			return berth_error_fail(err, EINVAL, "bad option (see --help)");
		}
	}
	if (optind != argc)
		return berth_error_fail(err, EINVAL, "unexpected argument '%s'", argv[optind]);
	if (!o->id || !o->bundle || !o->state_dir || !o->runtime || !o->runtime_root)
		return berth_error_fail(err, EINVAL,
					"--id, --bundle, --state-dir, --runtime and "
					"--runtime-root are required");
	return 0;
}

/* ---- the ready pipe ---- */

static int ready_fd = -1;

/* On success the pipe closes here; after a failure it stays open until the
 * process exits, so that shim_spawn returns only when no shim is left */
static void report(json_t *msg_stolen, bool close_it)
{
	cleanup_json json_t *msg = msg_stolen;
	if (ready_fd < 0)
		return;
	cleanup_free char *text = bjson_dump(msg);
	size_t len = strlen(text);
	text[len] = '\n'; /* bjson_dump's NUL is ours to replace */
	ssize_t n;
	do
		n = write(ready_fd, text, len + 1);
	while (n < 0 && errno == EINTR);
	text[len] = '\0';
	if (close_it) {
		close(ready_fd);
		ready_fd = -1;
	}
}

static void report_error(const berth_error_t *e)
{
	report(json_pack("{s:s,s:i}", "error", e->msg, "errno", e->errnum ? e->errnum : EIO),
	       false);
}

/* ---- detaching ---- */

/* Return in the grandchild: not a session leader of a new session, so it
 * can never gain a controlling terminal, and reparented away from berthd.
 * The first process waits for the middle one, so berthd reaps only it. */
static int detach(berth_error_t **err)
{
	pid_t mid = fork();
	if (mid < 0)
		return berth_error_set(err, errno, "fork");
	if (mid > 0) {
		int st;
		while (waitpid(mid, &st, 0) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	if (setsid() < 0)
		_exit(1);
	pid_t d = fork();
	if (d < 0)
		_exit(1);
	if (d > 0)
		_exit(0);
	return 0;
}

/* ---- cgroups: where the OOM counter and the freezer state are ---- */

static int open_cgroup_file(pid_t pid, const char *controller, const char *file)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	cleanup_fclose FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	char line[4096];
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		char *ctrls = c1 + 1, *cg = c2 + 1;
		cleanup_free char *p = NULL;
		if (controller) {
			char *save = NULL;
			for (char *t = strtok_r(ctrls, ",", &save); t;
			     t = strtok_r(NULL, ",", &save))
				if (strcmp(t, controller) == 0)
					p = xasprintf("/sys/fs/cgroup/%s%s/%s", controller, cg,
						      file);
		} else if (*ctrls == '\0') {
			/* v2: the unified hierarchy, alone or beside v1 */
			bool pure = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
			p = xasprintf("/sys/fs/cgroup%s%s/%s", pure ? "" : "/unified", cg, file);
		}
		if (p)
			return open(p, O_RDONLY | O_CLOEXEC);
	}
	return -1;
}

static void find_cgroups(struct shim *s, pid_t pid)
{
	s->oom_fd = open_cgroup_file(pid, "memory", "memory.oom_control");
	if (s->oom_fd < 0)
		s->oom_fd = open_cgroup_file(pid, NULL, "memory.events");
	s->freezer_fd = open_cgroup_file(pid, "freezer", "freezer.state");
	if (s->freezer_fd < 0)
		s->freezer_fd = open_cgroup_file(pid, NULL, "cgroup.freeze");
}

/* ---- setup ---- */

static int setup_loop(struct shim *s, berth_error_t **err)
{
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return berth_error_set(err, errno, "block SIGCHLD");
	s->sigfd.fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (s->sigfd.fd < 0)
		return berth_error_set(err, errno, "signalfd");
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0)
		return berth_error_set(err, errno, "epoll_create1");
	/* orphans of the container (the init itself after `runtime create`,
	 * execs after `runtime exec -d`) become our children */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return berth_error_set(err, errno, "PR_SET_CHILD_SUBREAPER");
	return 0;
}

static int create_container(struct shim *s, struct stdio_fds *f, pid_t *ret_pid,
			    berth_error_t **err)
{
	const struct shim_opts *o = s->o;
	if (stdio_setup(o, o->terminal, o->open_stdin, true, true, f, err) < 0)
		return berth_error_codep(err);
	const char *args[] = { "create",
			       "--bundle",
			       o->bundle,
			       "--pid-file",
			       INIT_PID_FILE,
			       o->terminal ? "--console-socket" : o->id,
			       o->terminal ? f->console_path : NULL,
			       o->terminal ? o->id : NULL,
			       NULL };
	int r = runtime_run(o, args, f->in, f->out, f->err, err);
	cleanup_closep(&f->in);
	cleanup_closep(&f->out);
	cleanup_closep(&f->err);
	if (r < 0)
		return r;
	if (o->terminal) {
		if (console_receive(f->console, &f->my_out, err) < 0)
			return berth_error_codep(err);
		if (o->open_stdin) {
			f->my_in = fcntl(f->my_out, F_DUPFD_CLOEXEC, 3);
			if (f->my_in < 0)
				return berth_error_set(err, errno, "dup the pty master");
		}
	}
	return pidfile_read(INIT_PID_FILE, ret_pid, err);
}

/* A failed create: nothing of it may stay */
static void create_cleanup(struct shim *s)
{
	const char *args[] = { "delete", "--force", s->o->id, NULL };
	berth_error_t *e = NULL;
	runtime_run(s->o, args, -1, -1, -1, &e);
	berth_error_free(e);
	unlink(INIT_PID_FILE);
	unlink("runtime.log");
	unlink("console.sock");
}

static int serve_socket(struct shim *s, berth_error_t **err)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return berth_error_set(err, errno, "socket");
	s->listen.fd = fd;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	memcpy(addr.sun_path, SHIM_SOCK_NAME, sizeof(SHIM_SOCK_NAME));
	unlink(SHIM_SOCK_NAME);
	/* relative: we run in the state dir (a full path may not fit sun_path);
	 * root only, and not executable: 0600 */
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    chmod(SHIM_SOCK_NAME, 0600) < 0 || listen(fd, 64) < 0)
		return berth_error_set(err, errno, "listen on '%s/" SHIM_SOCK_NAME "'",
				       s->o->state_dir);
	char pid[32];
	int len = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (atomic_write_at(AT_FDCWD, SHIM_PID_NAME, pid, (size_t)len, 0600, err) < 0) {
		unlink(SHIM_SOCK_NAME);
		return berth_error_codep(err);
	}
	return 0;
}

static int shim_main(struct shim *s, berth_error_t **err)
{
	const struct shim_opts *o = s->o;
	struct jsonlog *log = NULL;
	if (setup_loop(s, err) < 0)
		return berth_error_codep(err);
	if (o->log_path &&
	    jsonlog_open(o->log_path, o->log_max_size, o->log_max_file, &log, err) < 0)
		return berth_error_codep(err);
	struct stdio_fds f;
	pid_t pid = 0;
	if (create_container(s, &f, &pid, err) < 0) {
		stdio_fds_release(&f);
		jsonlog_free(log);
		create_cleanup(s);
		return berth_error_wrap(err, "create container %s", o->id);
	}
	unlink(INIT_PID_FILE);
	find_cgroups(s, pid);
	if (serve_socket(s, err) < 0) {
		stdio_fds_release(&f);
		jsonlog_free(log);
		create_cleanup(s);
		return berth_error_codep(err);
	}
	s->init = io_new(s, NULL, o->terminal, take_fd(&f.my_out), take_fd(&f.my_err),
			 take_fd(&f.my_in));
	stdio_fds_release(&f);
	s->init->pid = pid;
	s->init->log = log;
	s->init->stdin_once = o->stdin_once;
	s->state = SHIM_CREATED;
	report(json_pack("{s:i}", "pid", (int)pid), true);
	return server_run(s, err);
}

int main(int argc, char **argv)
{
	log_set_prog("berth-shim");
	cleanup_error berth_error_t *err = NULL;
	struct shim_opts o;
	int r = parse_opts(argc, argv, &o, &err);
	if (r == 1)
		return 0;
	if (r < 0) {
		berth_error_print(err, "berth-shim");
		return 2;
	}
	/* the ready pipe, when shim_spawn started us; every other inherited fd
	 * goes: berthd's sockets and files are none of the container's business */
	if (fcntl(SHIM_READY_FD, F_SETFD, FD_CLOEXEC) == 0)
		ready_fd = SHIM_READY_FD;
	close_range(SHIM_READY_FD + 1, ~0u, 0);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	umask(077);
	if (chdir(o.state_dir) < 0) {
		berth_error_set(&err, errno, "chdir to the state dir '%s'", o.state_dir);
		report_error(err);
		berth_error_print(err, "berth-shim");
		return 1;
	}
	if (detach(&err) < 0) {
		report_error(err);
		return 1;
	}
	/* from here stderr is berthd's /dev/null: keep a log beside the state */
	berth_error_t *le = NULL;
	if (log_set_file("shim.log", &le) < 0)
		berth_error_free(le);
	struct shim s = { .o = &o, .epfd = -1, .oom_fd = -1, .freezer_fd = -1 };
	s.sigfd.fd = s.listen.fd = s.drain_timer.fd = -1;
	if (shim_main(&s, &err) < 0) {
		report_error(err);
		if (s.init)
			log_error("%s", err->msg);
		else
			unlink("shim.log");
		return 1;
	}
	return 0;
}
