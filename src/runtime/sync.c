/* sync: datagrams between the runtime and the container's first processes.
 * A datagram is a struct sync_wire header followed by the payload bytes;
 * SOCK_SEQPACKET keeps message boundaries, so no framing is needed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/xalloc.h"
#include "runtime/sync.h"

struct sync_wire {
	uint32_t type;
	int32_t value;
};

/* berth-dmz writes this datagram by hand (dmz/berth-dmz.c) */
_Static_assert(SYNC_EXEC_FAILED == 11 && sizeof(struct sync_wire) == 8,
	       "berth-dmz's SYNC_EXEC_FAILED datagram changed");

int sync_pair(int fds[2], berth_error_t **err)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
		return berth_error_set(err, errno, "socketpair");
	return 0;
}

int sync_send(int sock, enum sync_type type, int32_t value, const char *payload, int fd,
	      berth_error_t **err)
{
	struct sync_wire w = { .type = type, .value = value };
	size_t plen = payload ? strlen(payload) : 0;
	struct iovec iov[2] = { { &w, sizeof(w) }, { (void *)payload, plen } };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = plen ? 2 : 1 };

	if (plen > SYNC_MAX_PAYLOAD)
		return berth_error_set(err, EMSGSIZE, "sync message of %zu bytes", plen);
	if (fd >= 0) {
		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof(control.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	ssize_t n;
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return berth_error_set(err, errno, "send sync message %d", (int)type);
	return 0;
}

void sync_send_error(int sock, const berth_error_t *e)
{
	sync_send(sock, SYNC_ERROR, e ? e->errnum : 0, e ? e->msg : "unknown error", -1, NULL);
}

static int take_passed_fd(struct msghdr *msg)
{
	int fd = -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int got;
			memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (fd < 0)
				fd = got;
			else
				close(got);
		}
	}
	return fd;
}

int sync_recv(int sock, struct sync_msg *ret, berth_error_t **err)
{
	/* One buffer for the process: the runtime has no threads, and a
	 * malloc of this size is an mmap and munmap per message (the pages
	 * of a static one are faulted in only as far as a message reaches) */
	static char buf[sizeof(struct sync_wire) + SYNC_MAX_PAYLOAD];
	struct iovec iov = { buf, sizeof(buf) };
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} control;
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	struct sync_wire w;
	ssize_t n;
	int resets = 0;

	/* ECONNRESET: the peer exited with a message of ours unread (a child
	 * that failed before reading GO).  The kernel says so once; what the
	 * peer sent before it exited, its SYNC_ERROR say, is still queued
	 * behind it, and after that comes EOF. */
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && (errno == EINTR || (errno == ECONNRESET && resets++ == 0)));
	if (n < 0)
		return berth_error_set(err, errno, "receive sync message");
	int fd = take_passed_fd(&msg);
	if (n == 0) {
		if (fd >= 0)
			close(fd);
		*ret = (struct sync_msg){ .type = SYNC_EOF, .fd = -1 };
		return 0;
	}
	if ((size_t)n < sizeof(w)) {
		if (fd >= 0)
			close(fd);
		return berth_error_set(err, EPROTO, "short sync message of %zd bytes", n);
	}
	memcpy(&w, buf, sizeof(w));
	size_t plen = (size_t)n - sizeof(w);
	*ret = (struct sync_msg){ .type = w.type, .value = w.value, .fd = fd };
	if (plen > 0)
		ret->payload = xstrndup(buf + sizeof(w), plen);
	return 0;
}

void sync_msg_release(struct sync_msg *m)
{
	free(m->payload);
	m->payload = NULL;
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}

int sync_expect(int sock, enum sync_type type, const char *what, struct sync_msg *ret,
		berth_error_t **err)
{
	struct sync_msg m;
	int r = sync_recv(sock, &m, err);
	if (r < 0)
		return berth_error_wrap(err, "%s", what);
	if (m.type == type) {
		if (ret)
			*ret = m;
		else
			sync_msg_release(&m);
		return 0;
	}
	if (m.type == SYNC_ERROR)
		/* the peer's message already ends in its strerror */
		r = berth_error_fail(err, m.value, "%s", m.payload ? m.payload : "unknown error");
	else if (m.type == SYNC_EOF)
		r = berth_error_set(err, EPIPE, "%s: the peer process exited", what);
	else
		r = berth_error_set(err, EPROTO, "%s: unexpected sync message %d", what,
				    (int)m.type);
	sync_msg_release(&m);
	return r;
}
