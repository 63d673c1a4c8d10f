/* fdio: fd_write_all (see fdio.h).  send() first so that a socket never
 * raises SIGPIPE; ENOTSOCK switches to write() for files and pipes. */
#include "common/fdio.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

int fd_write_all(int fd, const void *buf, size_t len)
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
				if (poll(&pf, 1, -1) < 0 && errno != EINTR)
					return -errno;
				continue;
			}
			return -errno;
		}
		if (n == 0) {
			errno = EIO;
			return -EIO; /* do not spin */
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
