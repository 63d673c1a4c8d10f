/* terminal: pty creation, the console-socket handoff and raw mode.  The
 * master is sent with the pty's name as the message body ("/dev/ptmx"),
 * which is what runc's recvtty and containerd's console package read. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "runtime/terminal.h"

_Static_assert(sizeof(struct termios) <= sizeof(((struct terminal_raw *)0)->saved),
	       "terminal_raw too small");

int terminal_open(const char *ptmx_path, uint32_t height, uint32_t width, struct terminal_pty *ret,
		  berth_error_t **err)
{
	cleanup_close int master = open(ptmx_path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return berth_error_set(err, errno, "open '%s'", ptmx_path);
	int unlock = 0;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return berth_error_set(err, errno, "unlock pty");
	/* TIOCGPTPEER opens the slave through the master's own devpts
	 * instance, so no path lookup can be raced or redirected */
	cleanup_close int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return berth_error_set(err, errno, "open pty slave");
	char name[64];
	if (ptsname_r(master, name, sizeof(name)) != 0)
		return berth_error_set(err, errno, "ptsname");
	if (height && width) {
		struct winsize ws = { .ws_row = (unsigned short)height,
				      .ws_col = (unsigned short)width };
		if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
			return berth_error_set(err, errno, "set console size");
	}
	ret->master = take_fd(&master);
	ret->slave = take_fd(&slave);
	ret->slave_path = xstrdup(name);
	return 0;
}

void terminal_release(struct terminal_pty *t)
{
	if (t->master >= 0)
		close(t->master);
	if (t->slave >= 0)
		close(t->slave);
	free(t->slave_path);
	t->master = t->slave = -1;
	t->slave_path = NULL;
}

int terminal_connect_socket(const char *path, berth_error_t **err)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(addr.sun_path))
		return berth_error_fail(err, ENAMETOOLONG, "console socket path '%s' is too long",
					path);
	memcpy(addr.sun_path, path, strlen(path) + 1); /* length checked above */
	cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return berth_error_set(err, errno, "socket");
	int r;
	do
		r = connect(fd, (struct sockaddr *)&addr, sizeof(addr));
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return berth_error_set(err, errno, "connect to console socket '%s'", path);
	return take_fd(&fd);
}

int terminal_send_fd(int sock, const char *name, int fd, berth_error_t **err)
{
	struct iovec iov = { (void *)name, strlen(name) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	memset(&control, 0, sizeof(control));
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	ssize_t n;
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return berth_error_set(err, errno, "send the pty master over the console socket");
	return 0;
}

int terminal_make_controlling(int slave, berth_error_t **err)
{
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return berth_error_set(err, errno, "make the pty the controlling terminal");
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0)
			return berth_error_set(err, errno, "dup2 pty to fd %d", i);
	return 0;
}

int terminal_set_raw(int fd, struct terminal_raw *ret, berth_error_t **err)
{
	struct termios t;
	ret->active = false;
	if (!isatty(fd))
		return 0;
	if (tcgetattr(fd, &t) < 0)
		return berth_error_set(err, errno, "tcgetattr");
	memcpy(ret->saved, &t, sizeof(t));
	cfmakeraw(&t);
	t.c_oflag |= OPOST; /* keep "\n" -> "\r\n" on our side as runc does */
	if (tcsetattr(fd, TCSANOW, &t) < 0)
		return berth_error_set(err, errno, "tcsetattr");
	ret->active = true;
	return 0;
}

void terminal_restore(int fd, struct terminal_raw *raw)
{
	struct termios t;
	if (!raw->active)
		return;
	memcpy(&t, raw->saved, sizeof(t));
	tcsetattr(fd, TCSANOW, &t);
	raw->active = false;
}

void terminal_copy_winsize(int from_fd, int to_fd)
{
	struct winsize ws;
	if (ioctl(from_fd, TIOCGWINSZ, &ws) == 0)
		ioctl(to_fd, TIOCSWINSZ, &ws);
}
