/* server: listeners, connection threads and the request loop.  One
 * detached thread per connection, blocking I/O, keep-alive: a thread reads
 * one request head, lets the router answer it, drains what the handler
 * left of the body and goes on with the next request.  A connection ends
 * on EOF, a write error, a parse error, "Connection: close" or a hijack. */
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "daemon/http/http-internal.h"
#include "daemon/http/server.h"
#include "daemon/router.h"

/* Read one request head into h->req.  1: ready for the handler; 0: the
 * connection ended (cleanly or after an error answer) */
static int read_head(struct http_ctx *h)
{
	struct http_conn *c = h->conn;
	struct http_request *r = &h->req;
	bool started = false;
	while (!r->headers_done) {
		if (c->start < c->end) {
			started = true;
			ssize_t n = http_request_feed(r, c->buf + c->start, c->end - c->start);
			if (n < 0) {
				http_reply_early(c, r->error_status, r->error_msg);
				return 0;
			}
			c->start += (size_t)n;
			continue;
		}
		ssize_t n = http_conn_fill(c);
		if (n < 0 && started && errno == ENOBUFS) {
			http_reply_early(c, 431, "request header fields too large");
			return 0;
		}
		if (n <= 0) {
			if (started && n == 0)
				log_debug("connection closed in the middle of a request head");
			return 0;
		}
	}
	if (http_request_finish_head(r) < 0) {
		http_reply_early(c, r->error_status, r->error_msg);
		return 0;
	}
	http_request_resume(r);
	return 1;
}

static void ctx_release(struct http_ctx *h)
{
	http_request_release(&h->req);
	for (size_t i = 0; i < HTTP_MAX_PARAMS; i++)
		free(h->param_store[i]);
	for (size_t i = 0; i < h->n_extra; i++) {
		free(h->extra[i].name);
		free(h->extra[i].value);
	}
	free(h->extra);
	for (size_t i = 0; i < h->n_scratch; i++)
		free(h->scratch[i]);
	free(h->scratch);
}

/* After the handler: make sure the client got a complete answer */
static void finish_answer(struct http_ctx *h)
{
	switch (h->state) {
	case HTTP_STATE_NEW:
		log_error("%s %s: the handler did not answer", h->req.method, h->req.path);
		http_reply_errorf(h, 500, "internal error: the request got no answer");
		break;
	case HTTP_STATE_STREAMING:
		http_stream_end(h);
		break;
	default:
		break;
	}
}

void http_server_serve(struct daemon *d, int fd)
{
	struct http_conn *c = xzalloc(sizeof(*c));
	c->fd = fd;
	c->daemon = d;
	for (;;) {
		struct http_ctx h = { .conn = c };
		http_request_init(&h.req);
		if (!read_head(&h)) {
			ctx_release(&h);
			break;
		}
		h.head = strcmp(h.req.method, "HEAD") == 0;
		log_debug("%s %s", h.req.method, h.req.url.buf);
		router_dispatch(d, &h);
		finish_answer(&h);
		bool again = !c->broken && h.req.keep_alive && http_request_drain(&h);
		ctx_release(&h);
		if (!again)
			break;
	}
	close(c->fd);
	free(c);
}

struct conn_start {
	struct daemon *d;
	int fd;
};

static void *conn_thread(void *arg)
{
	struct conn_start *s = arg;
	struct daemon *d = s->d;
	int fd = s->fd;
	free(s);
	http_server_serve(d, fd);
	return NULL;
}

void http_server_accept(struct daemon *d, int lfd)
{
	struct sockaddr_un peer;
	socklen_t plen = sizeof(peer);
	int fd = accept4(lfd, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED)
			log_warn("accept: %s, ignoring", strerror(errno));
		return;
	}
	struct conn_start *s = xmalloc(sizeof(*s));
	s->d = d;
	s->fd = fd;
	pthread_attr_t attr;
	pthread_t t;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int r = pthread_create(&t, &attr, conn_thread, s);
	pthread_attr_destroy(&attr);
	if (r != 0) {
		log_warn("start a connection thread: %s, dropping the connection", strerror(r));
		close(fd);
		free(s);
	}
}

/* A socket file left by a berthd that died is replaced; one that a live
 * process answers on is not ours to take */
static int clear_stale(const char *path, berth_error_t **err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : berth_error_set(err, errno, "stat '%s'", path);
	if (!S_ISSOCK(st.st_mode))
		return berth_error_fail(err, EEXIST, "'%s' exists and is not a socket", path);
	cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return berth_error_set(err, errno, "socket");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return berth_error_fail(err, EADDRINUSE,
					"another daemon is listening on '%s': is berthd running?",
					path);
	log_info("removing stale socket '%s'", path);
	if (unlink(path) < 0 && errno != ENOENT)
		return berth_error_set(err, errno, "remove stale socket '%s'", path);
	return 0;
}

static void socket_group(const char *path)
{
	struct group gr, *res = NULL;
	char buf[4096];
	if (getgrnam_r("berth", &gr, buf, sizeof(buf), &res) != 0 || !res)
		return;
	if (chown(path, 0, res->gr_gid) < 0)
		log_warn("chown '%s' to group berth: %s, ignoring", path, strerror(errno));
}

static int listen_unix(const char *path, int *ret_fd, berth_error_t **err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (path[0] != '/')
		return berth_error_fail(err, EINVAL, "unix socket path '%s' is not absolute", path);
	if (strlen(path) >= sizeof(sa.sun_path))
		return berth_error_fail(err, ENAMETOOLONG, "unix socket path '%s' is too long",
					path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (clear_stale(path, err) < 0)
		return -1;
	cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return berth_error_set(err, errno, "socket");
	/* bind creates the file with the umask; 0660 is set before listen,
	 * so no client can connect through a wider mode */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return berth_error_set(err, errno, "bind '%s'", path);
	if (chmod(path, 0660) < 0)
		return berth_error_set(err, errno, "chmod '%s'", path);
	socket_group(path);
	if (listen(fd, 512) < 0)
		return berth_error_set(err, errno, "listen on '%s'", path);
	*ret_fd = take_fd(&fd);
	return 0;
}

int http_server_listen(const char *host, int *ret_fd, char **ret_path, berth_error_t **err)
{
	if (strncmp(host, "unix://", 7) == 0) {
		const char *path = host + 7;
		if (listen_unix(path, ret_fd, err) < 0)
			return berth_error_wrap(err, "listen on '%s'", host);
		*ret_path = xstrdup(path);
		return 0;
	}
	if (strncmp(host, "tcp://", 6) == 0)
		return berth_error_fail(err, ENOTSUP,
					"host '%s': tcp:// is not supported yet (TLS client "
					"certificates are not built); use unix://",
					host);
	return berth_error_fail(err, EINVAL, "host '%s': expected unix:///path/to/socket", host);
}
