/* server: the listening side of berthd's HTTP server.  daemon.c opens the
 * listeners and polls them; each accepted connection gets a detached thread
 * that parses requests and hands them to the router. */
#ifndef BERTH_DAEMON_HTTP_SERVER_H
#define BERTH_DAEMON_HTTP_SERVER_H

#include "common/error.h"

struct daemon;

/* Listen on host ("unix:///path"; tcp:// is refused: TLS is not built).
 * A stale socket file is replaced; a socket another process answers on
 * is EADDRINUSE.  The socket gets mode 0660 and group "berth" when that
 * group exists.  *ret_path: the socket file (caller frees, unlinks at exit). */
int http_server_listen(const char *host, int *ret_fd, char **ret_path, berth_error_t **err);

/* Accept one connection on listener lfd and serve it on a new detached
 * thread; errors are logged (a failed accept never stops the daemon) */
void http_server_accept(struct daemon *d, int lfd);

/* Serve requests on fd until the client leaves (the connection thread's
 * body; takes ownership of fd).  Tests call it on a socketpair. */
void http_server_serve(struct daemon *d, int fd);

#endif
