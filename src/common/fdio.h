/* fdio: whole writes to a file descriptor of any kind (file, pipe, socket,
 * blocking or not), the one loop every program of berth uses. */
#ifndef BERTH_COMMON_FDIO_H
#define BERTH_COMMON_FDIO_H

#include <stddef.h>

/* Write all len bytes: EINTR retried, short writes continued, a
 * non-blocking fd waited for with poll(), sockets written with
 * MSG_NOSIGNAL (a peer that left is EPIPE, never SIGPIPE).  0, or -errno
 * (errno set too); -EIO when write returns 0. */
int fd_write_all(int fd, const void *buf, size_t len);

#endif
