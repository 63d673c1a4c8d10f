/* stdio-proxy: a poll loop that copies both ways between the hijacked
 * client connection and the shim's stdio connection.  Output goes to the
 * client as the shim framed it (raw with a TTY, stdcopy frames without);
 * the client's input is never framed.  The detach sequence is matched
 * across reads: bytes that may start it are held back until it is clear. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/containers/stdio-proxy.h"

#define PROXY_BUF 32768

int detach_keys_parse(const char *s, struct detach_keys *ret, berth_error_t **err)
{
	struct detach_keys k = { .v = { 0x10, 0x11 }, .n = 2 };
	if (!s || !*s) {
		*ret = k;
		return 0;
	}
	k.n = 0;
	const char *p = s;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (k.n >= DETACH_KEYS_MAX)
			return berth_error_fail(err, EINVAL, "Invalid detach keys (%s): too long",
						s);
		if (len == 1) {
			k.v[k.n++] = (unsigned char)p[0];
		} else if (len == 6 && strncmp(p, "ctrl-", 5) == 0) {
			char c = p[5];
			if (c >= 'a' && c <= 'z')
				k.v[k.n++] = (unsigned char)(c - 'a' + 1);
			else if (c == '@' || c == '[' || c == '\\' || c == ']' || c == '^' ||
				 c == '_')
				k.v[k.n++] = (unsigned char)(c - '@');
			else
				return berth_error_fail(
					err, EINVAL,
					"Invalid detach keys (%s): unknown character: '%.*s'", s,
					(int)len, p);
		} else {
			return berth_error_fail(
				err, EINVAL, "Invalid detach keys (%s): unknown character: '%.*s'",
				s, (int)len, p);
		}
		p += len;
		if (*p == ',')
			p++;
	}
	*ret = k;
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == ENOTSOCK)
			n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd pf = { .fd = fd, .events = POLLOUT };
				poll(&pf, 1, -1);
				continue;
			}
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Forward input bytes, watching for the detach sequence; 1 on detach */
static int forward_input(int shim_fd, const unsigned char *buf, size_t len,
			 const struct detach_keys *keys, size_t *matched)
{
	if (!keys || keys->n == 0)
		return write_all(shim_fd, buf, len) < 0 ? -1 : 0;
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == keys->v[*matched]) {
			if (i > start && write_all(shim_fd, buf + start, i - start) < 0)
				return -1;
			start = i + 1;
			if (++*matched == keys->n)
				return 1;
			continue;
		}
		if (*matched > 0) {
			/* not the sequence after all: the held-back bytes go through */
			if (write_all(shim_fd, keys->v, *matched) < 0)
				return -1;
			*matched = 0;
			if (buf[i] == keys->v[0]) {
				if (i > start && write_all(shim_fd, buf + start, i - start) < 0)
					return -1;
				start = i + 1;
				*matched = 1;
				continue;
			}
		}
	}
	if (len > start && write_all(shim_fd, buf + start, len - start) < 0)
		return -1;
	return 0;
}

int stdio_proxy(int client_fd, const void *pending, size_t pending_len, int shim_fd,
		bool forward_stdin, const struct detach_keys *keys)
{
	static __thread unsigned char buf[PROXY_BUF];
	size_t matched = 0;
	bool client_in = true; /* still reading the client */
	if (forward_stdin && pending_len > 0) {
		int r = forward_input(shim_fd, pending, pending_len, keys, &matched);
		if (r != 0)
			return r > 0 ? 1 : 0;
	}
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = shim_fd, .events = POLLIN },
			{ .fd = client_fd, .events = client_in ? (POLLIN | POLLRDHUP) : 0 },
		};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(shim_fd, buf, sizeof(buf));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0)
				return 0; /* the process is gone and its output drained */
			if (write_all(client_fd, buf, (size_t)n) < 0)
				return 0; /* the client went away */
		}
		if (client_in && (p[1].revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR))) {
			ssize_t n = read(client_fd, buf, sizeof(buf));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0) {
				/* the client closed its input: the process's stdin ends */
				client_in = false;
				if (forward_stdin)
					shutdown(shim_fd, SHUT_WR);
				if (n < 0)
					return 0;
				continue;
			}
			if (forward_stdin) {
				int r = forward_input(shim_fd, buf, (size_t)n, keys, &matched);
				if (r != 0)
					return r > 0 ? 1 : 0;
			}
		} else if (!client_in && (p[1].revents & (POLLHUP | POLLERR))) {
			return 0;
		}
	}
}
