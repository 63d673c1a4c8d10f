/* signals: forward what the runtime receives to the container's process
 * while waiting for it, as runc's foreground mode does.  The mask is set
 * with sigprocmask and read from a signalfd, so no handler ever runs and
 * no signal is lost between the wait and the next poll. */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "runtime/signals.h"
#include "runtime/terminal.h"

/* Synchronous signals stay deliverable: blocking them would hide crashes */
static void forwarded_set(sigset_t *set)
{
	sigfillset(set);
	sigdelset(set, SIGKILL);
	sigdelset(set, SIGSTOP);
	sigdelset(set, SIGSEGV);
	sigdelset(set, SIGBUS);
	sigdelset(set, SIGILL);
	sigdelset(set, SIGFPE);
	sigdelset(set, SIGTRAP);
	sigdelset(set, SIGABRT);
	sigdelset(set, SIGSYS);
}

int signals_block(berth_error_t **err)
{
	sigset_t set;
	forwarded_set(&set);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return berth_error_set(err, errno, "sigprocmask");
	int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return berth_error_set(err, errno, "signalfd");
	return fd;
}

void signals_reset_child(void)
{
	sigset_t set;
	sigemptyset(&set);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL); /* fails harmlessly for KILL, STOP, RT internals */
	sigprocmask(SIG_SETMASK, &set, NULL);
}

static int copy_once(int from, int to)
{
	char buf[8192];
	ssize_t n = read(from, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (n <= 0)
		return 0; /* EOF or EIO: the other side hung up */
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return 0;
		off += w;
	}
	return 1;
}

/* After the process exited: copy what is still buffered in the pty */
static void drain_pty(int master)
{
	struct pollfd p = { .fd = master, .events = POLLIN };
	while (poll(&p, 1, 0) > 0 && (p.revents & POLLIN) && copy_once(master, STDOUT_FILENO))
		;
}

static void handle_signal(int sfd, pid_t pid, int pty_master, int *status, bool *done)
{
	struct signalfd_siginfo si;
	while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		int sig = (int)si.ssi_signo;
		if (sig == SIGCHLD) {
			int st;
			pid_t w;
			while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
				if (w == pid) {
					*status = st;
					*done = true;
				}
			}
		} else if (sig == SIGWINCH) {
			if (pty_master >= 0)
				terminal_copy_winsize(STDIN_FILENO, pty_master);
		} else if (sig != SIGPIPE && sig != SIGURG) {
			kill(pid, sig);
		}
	}
}

static int wait_loop(int sfd, pid_t pid, int pty_master, int *ret_code, berth_error_t **err)
{
	int status = 0, st;
	bool done = false, master_open = pty_master >= 0, stdin_open = pty_master >= 0;
	/* the child may have exited before the signalfd existed */
	if (waitpid(pid, &st, WNOHANG) == pid) {
		status = st;
		done = true;
	}
	if (master_open)
		terminal_copy_winsize(STDIN_FILENO, pty_master);
	while (!done) {
		struct pollfd p[3] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = master_open ? pty_master : -1, .events = POLLIN },
			{ .fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN },
		};
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return berth_error_set(err, errno, "poll");
		}
		if (p[0].revents & POLLIN)
			handle_signal(sfd, pid, pty_master, &status, &done);
		/* a hung-up pty or stdin is dropped from the poll set, not closed:
		 * the caller owns pty_master */
		if ((p[1].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    !copy_once(pty_master, STDOUT_FILENO))
			master_open = false;
		if ((p[2].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    (!master_open || !copy_once(STDIN_FILENO, pty_master)))
			stdin_open = false;
	}
	if (master_open)
		drain_pty(pty_master);
	if (WIFSIGNALED(status))
		*ret_code = 128 + WTERMSIG(status);
	else
		*ret_code = WEXITSTATUS(status);
	return 0;
}

int signals_wait_forward(int sfd, pid_t pid, int pty_master, int *ret_code, berth_error_t **err)
{
	/* a proxied pty wants our tty raw: the container's side does the
	 * line discipline, as with runc */
	struct terminal_raw raw = { 0 };
	if (pty_master >= 0 && terminal_set_raw(STDIN_FILENO, &raw, err) < 0)
		return -1;
	int r = wait_loop(sfd, pid, pty_master, ret_code, err);
	terminal_restore(STDIN_FILENO, &raw);
	return r;
}
