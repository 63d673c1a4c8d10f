/* berthd: the daemon.  main() reads the options and daemon.json, takes the
 * pid file, brings the daemon up, listens, and then only waits: on the
 * listeners (each connection gets its own thread) and on a signalfd.
 * SIGTERM/SIGINT stop serving and leave the containers (their shims)
 * running; SIGHUP reloads daemon.json.  Signals are blocked in every
 * thread and read from the signalfd, never handled asynchronously. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "daemon/config.h"
#include "daemon/daemon-internal.h"
#include "daemon/http/server.h"

#define MAX_LISTENERS 16

struct listener {
	int fd;
	char *path;
};

/* The pid file is locked for as long as berthd runs: a second berthd on
 * the same exec root fails here instead of fighting over sockets */
static int pidfile_take(const char *path, int *ret_fd, berth_error_t **err)
{
	cleanup_close int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return berth_error_set(err, errno, "open pid file '%s'", path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		char buf[32] = "";
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		return berth_error_fail(err, EBUSY,
					"pid file found, ensure berthd is not running or delete "
					"%s (held by pid %s)",
					path, *buf ? buf : "?");
	}
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n)
		return berth_error_set(err, errno, "write pid file '%s'", path);
	*ret_fd = take_fd(&fd);
	return 0;
}

/* systemd's readiness protocol, as dockerd does (Type=notify units) */
static void notify_systemd(const char *msg)
{
	const char *sock = getenv("NOTIFY_SOCKET");
	if (!sock || !*sock)
		return;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = strlen(sock);
	if (len >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, sock, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract namespace */
	cleanup_close int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) < 0)
		log_warn("notify systemd: %s, ignoring", strerror(errno));
}

static void ready(int ready_fd)
{
	notify_systemd("READY=1");
	if (ready_fd < 0)
		return;
	if (write(ready_fd, "READY\n", 6) != 6)
		log_warn("write to --ready-fd %d: %s, ignoring", ready_fd, strerror(errno));
	close(ready_fd);
}

static void reload(struct daemon *d, const struct daemon_options *o)
{
	cleanup_error berth_error_t *err = NULL;
	struct daemon_config fresh;
	bool debug = false;
	if (config_reload(o, &fresh, &debug, &err) < 0) {
		log_error("reload: %s; keeping the current configuration", err->msg);
		return;
	}
	daemon_reload(d, &fresh);
}

/* Serve until SIGTERM/SIGINT */
static void serve(struct daemon *d, const struct daemon_options *o, struct listener *ls, size_t n,
		  int sfd)
{
	struct pollfd p[MAX_LISTENERS + 1];
	for (size_t i = 0; i < n; i++)
		p[i] = (struct pollfd){ .fd = ls[i].fd, .events = POLLIN };
	p[n] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	for (;;) {
		if (poll(p, n + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_error("poll: %s", strerror(errno));
			return;
		}
		for (size_t i = 0; i < n; i++)
			if (p[i].revents & POLLIN)
				http_server_accept(d, p[i].fd);
		if (!(p[n].revents & POLLIN))
			continue;
		struct signalfd_siginfo si;
		if (read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGHUP) {
			reload(d, o);
			continue;
		}
		log_info("%s received, shutting down (containers keep running)",
			 strsignal((int)si.ssi_signo));
		return;
	}
}

static int run(struct daemon_options *o, berth_error_t **err)
{
	/* Blocked here, before any thread exists, so every thread inherits
	 * the mask and only the signalfd sees these signals.  SIGPIPE: a
	 * client that leaves must make writes fail, not kill berthd. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return berth_error_set(err, errno, "block signals");
	signal(SIGPIPE, SIG_IGN);
	cleanup_close int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		return berth_error_set(err, errno, "signalfd");

	cleanup_close int pidfd = -1;
	if (o->pidfile && *o->pidfile) {
		cleanup_free char *dir = xstrdup(o->pidfile);
		char *slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = '\0';
			if (mkdir(dir, 0711) < 0 && errno != EEXIST)
				return berth_error_set(err, errno, "create '%s'", dir);
		}
		if (pidfile_take(o->pidfile, &pidfd, err) < 0)
			return -1;
	}

	/* Listen before opening the stores: a second berthd on the same
	 * sockets stops here ("another daemon is listening"), before it could
	 * touch what the first one owns (bridges, nftables tables, mounts).
	 * Clients that connect meanwhile wait in the backlog. */
	static struct daemon d;
	struct listener ls[MAX_LISTENERS];
	size_t n = 0;
	int r = 0;
	for (char **h = o->cfg.hosts; *h; h++) {
		if (n == MAX_LISTENERS) {
			r = berth_error_fail(err, EINVAL, "too many hosts (at most %d)",
					     MAX_LISTENERS);
			break;
		}
		if (http_server_listen(*h, &ls[n].fd, &ls[n].path, err) < 0) {
			r = -1;
			break;
		}
		log_info("API listen on %s", ls[n].path);
		n++;
	}
	bool opened = false;
	if (r == 0) {
		r = daemon_open(&d, &o->cfg, err);
		opened = r == 0;
	}
	if (r == 0) {
		log_info("berthd is up: data root '%s', exec root '%s', runtime '%s'",
			 d.cfg.data_root, d.cfg.exec_root, d.cfg.runtime);
		ready(o->ready_fd);
		o->ready_fd = -1;
		serve(&d, o, ls, n, sfd);
		notify_systemd("STOPPING=1");
	}
	for (size_t i = 0; i < n; i++) {
		close(ls[i].fd);
		unlink(ls[i].path);
		free(ls[i].path);
	}
	if (opened)
		daemon_shutdown(&d);
	if (pidfd >= 0)
		unlink(o->pidfile);
	/* connection threads may still run: the rest of d is left to exit */
	return r;
}

int main(int argc, char **argv)
{
	log_set_prog("berthd");
	struct daemon_options o = { 0 };
	cleanup_error berth_error_t *err = NULL;
	enum config_args_result what = CONFIG_ARGS_RUN;
	int status = 1;
	if (config_parse_args(argc, argv, &o, &what, &err) < 0)
		goto fail;
	if (what == CONFIG_ARGS_EXIT) {
		status = 0;
		goto out;
	}
	if (config_load(&o, &err) < 0)
		goto fail;
	log_set_level((enum log_level)o.cfg.log_level);
	if (o.validate) {
		printf("configuration OK\n");
		status = 0;
		goto out;
	}
	if (run(&o, &err) < 0)
		goto fail;
	status = 0;
	goto out;
fail:
	berth_error_print(err, "berthd");
out:
	if (o.ready_fd >= 0)
		close(o.ready_fd);
	daemon_options_release(&o);
	return status;
}
