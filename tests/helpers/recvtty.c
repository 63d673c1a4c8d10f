/* recvtty: the receiving end of --console-socket, like runc's recvtty: bind
 * a unix socket, accept one connection, take the pty master sent with
 * SCM_RIGHTS, print "name: <data>" on stderr, then copy everything the
 * container writes to the pty onto stdout until it hangs up. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int recv_fd(int conn, char *name, size_t name_len)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { name, name_len - 1 };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	ssize_t n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -1;
	name[n] = '\0';
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: recvtty SOCKET\n");
		return 2;
	}
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	size_t len = strlen(argv[1]);
	if (len >= sizeof(addr.sun_path)) {
		fprintf(stderr, "recvtty: socket path '%s' is too long\n", argv[1]);
		return 2;
	}
	memcpy(addr.sun_path, argv[1], len + 1);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	unlink(argv[1]);
	if (s < 0 || bind(s, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(s, 1) < 0) {
		perror("recvtty: socket");
		return 1;
	}
	// cppcheck-suppress nullPointer ; accept4 takes NULL for the peer address
	int conn = accept4(s, NULL, NULL, SOCK_CLOEXEC);
	char name[256];
	int master = conn >= 0 ? recv_fd(conn, name, sizeof(name)) : -1;
	if (master < 0) {
		perror("recvtty: receive");
		return 1;
	}
	fprintf(stderr, "name: %s\n", name);
	close(conn);
	close(s);
	unlink(argv[1]);
	char buf[4096];
	ssize_t n;
	while ((n = read(master, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0 && write(1, buf, (size_t)n) != n)
			return 1;
	return 0;
}
