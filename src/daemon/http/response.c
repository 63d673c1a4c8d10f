/* response: the answer half of http.h: replies with a length, chunked
 * streams, hijack, and the one mapping from errors to HTTP statuses.
 * Every response carries the headers the docker CLI reads to negotiate
 * (Api-Version, Server "Docker/x (linux)", Ostype).  A write that fails
 * marks the connection broken: the handler sees < 0 and stops. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "daemon/http/http-internal.h"

#define SERVER_HEADER "Docker/" BERTH_VERSION "-berth (linux)"

static const char *reason(int status)
{
	switch (status) {
	case 100:
		return "Continue";
	case 101:
		return "Switching Protocols";
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 204:
		return "No Content";
	case 206:
		return "Partial Content";
	case 301:
		return "Moved Permanently";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 406:
		return "Not Acceptable";
	case 409:
		return "Conflict";
	case 411:
		return "Length Required";
	case 413:
		return "Request Entity Too Large";
	case 414:
		return "Request URI Too Long";
	case 415:
		return "Unsupported Media Type";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	default:
		return "Unknown";
	}
}

int http_conn_write(struct http_conn *c, const void *data, size_t len)
{
	const char *p = data;
	if (c->broken)
		return -1;
	while (len > 0) {
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			c->broken = true;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void add_date(struct strbuf *sb)
{
	char buf[64];
	struct tm tm;
	time_t now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	strbuf_addf(sb, "Date: %s\r\n", buf);
}

void http_format_head(struct http_ctx *h, struct strbuf *sb, int status, const char *content_type)
{
	strbuf_addf(sb, "HTTP/1.1 %d %s\r\n", status, reason(status));
	strbuf_addf(sb, "Api-Version: 1.%d\r\n", HTTP_API_MINOR);
	strbuf_addstr(sb, "Docker-Experimental: false\r\n");
	strbuf_addstr(sb, "Ostype: linux\r\n");
	strbuf_addstr(sb, "Server: " SERVER_HEADER "\r\n");
	add_date(sb);
	if (content_type)
		strbuf_addf(sb, "Content-Type: %s\r\n", content_type);
	if (h) {
		for (size_t i = 0; i < h->n_extra; i++)
			strbuf_addf(sb, "%s: %s\r\n", h->extra[i].name, h->extra[i].value);
		if (!h->req.keep_alive)
			strbuf_addstr(sb, "Connection: close\r\n");
	}
}

static bool claim(struct http_ctx *h, enum http_state next)
{
	if (h->state != HTTP_STATE_NEW) {
		log_error("%s %s: the handler answered twice", h->req.method, h->req.path);
		return false;
	}
	h->state = next;
	return true;
}

int http_reply_data(struct http_ctx *h, int status, const char *content_type, const void *data,
		    size_t len)
{
	if (!claim(h, HTTP_STATE_REPLIED))
		return -1;
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	http_format_head(h, &sb, status, content_type);
	bool no_body = status == 204 || status == 304 || (status >= 100 && status < 200);
	if (!no_body)
		strbuf_addf(&sb, "Content-Length: %zu\r\n", len);
	strbuf_addstr(&sb, "\r\n");
	if (!no_body && !h->head)
		strbuf_add(&sb, data, len);
	return http_conn_write(h->conn, sb.buf, sb.len);
}

int http_reply_json(struct http_ctx *h, int status, json_t *body)
{
	cleanup_json json_t *owned = body;
	if (!body)
		return http_reply_data(h, status, "application/json", "", 0);
	cleanup_free char *s = bjson_dump(body);
	size_t n = strlen(s);
	s = xrealloc(s, n + 2);
	s[n++] = '\n';
	s[n] = '\0';
	return http_reply_data(h, status, "application/json", s, n);
}

int http_reply_empty(struct http_ctx *h, int status)
{
	return http_reply_data(h, status, NULL, "", 0);
}

void http_add_header(struct http_ctx *h, const char *name, const char *value)
{
	h->extra = xgrow(h->extra, &h->alloc_extra, h->n_extra + 1, sizeof(*h->extra));
	h->extra[h->n_extra].name = xstrdup(name);
	h->extra[h->n_extra].value = xstrdup(value);
	h->n_extra++;
}

int http_status_for_error(const berth_error_t *err)
{
	switch (err ? err->errnum : 0) {
	case ENOENT:
		return 404;
	case EINVAL:
	case ERANGE:
	case EDOM:
		return 400;
	case EEXIST:
	case EBUSY:
	case ENOTEMPTY:
		return 409;
	case EPERM:
	case EACCES:
		return 403;
	case ENOTSUP:
	case ENOSYS:
		return 501;
	case EAGAIN:
	case ECONNREFUSED:
		return 503;
	default:
		return 500;
	}
}

static int reply_message(struct http_ctx *h, int status, const char *msg)
{
	log_debug("%s %s: %d %s", h->req.method, h->req.path, status, msg);
	return http_reply_json(h, status, json_pack("{s:s}", "message", msg));
}

int http_reply_error(struct http_ctx *h, const berth_error_t *err)
{
	return reply_message(h, http_status_for_error(err),
			     err && err->msg ? err->msg : "unknown error");
}

int http_reply_errorf(struct http_ctx *h, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cleanup_free char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	return reply_message(h, status, msg);
}

void http_reply_early(struct http_conn *c, int status, const char *msg)
{
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	cleanup_json json_t *body = json_pack("{s:s}", "message", msg);
	cleanup_free char *s = bjson_dump(body);
	http_format_head(NULL, &sb, status, "application/json");
	strbuf_addf(&sb, "Connection: close\r\nContent-Length: %zu\r\n\r\n%s\n", strlen(s) + 1, s);
	http_conn_write(c, sb.buf, sb.len);
	c->broken = true;
}

/* ---- streams ------------------------------------------------------------- */

int http_stream_begin(struct http_ctx *h, int status, const char *content_type)
{
	if (!claim(h, HTTP_STATE_STREAMING))
		return -1;
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	http_format_head(h, &sb, status, content_type);
	if (h->head)
		strbuf_addstr(&sb, "Content-Length: 0\r\n\r\n");
	else
		strbuf_addstr(&sb, "Transfer-Encoding: chunked\r\n\r\n");
	return http_conn_write(h->conn, sb.buf, sb.len);
}

int http_stream_write(struct http_ctx *h, const void *data, size_t len)
{
	if (h->state != HTTP_STATE_STREAMING || h->conn->broken)
		return -1;
	if (len == 0 || h->head)
		return 0; /* an empty chunk would end the stream */
	char size[32];
	int n = snprintf(size, sizeof(size), "%zx\r\n", len);
	struct iovec iov[3] = {
		{ size, (size_t)n },
		{ (void *)data, len },
		{ (void *)"\r\n", 2 },
	};
	/* one sendmsg for the usual case, write-all for what a short write left */
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 3 };
	ssize_t w;
	do
		w = sendmsg(h->conn->fd, &msg, MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	if (w < 0) {
		h->conn->broken = true;
		return -1;
	}
	size_t done = (size_t)w;
	for (int i = 0; i < 3; i++) {
		if (done >= iov[i].iov_len) {
			done -= iov[i].iov_len;
			continue;
		}
		if (http_conn_write(h->conn, (char *)iov[i].iov_base + done,
				    iov[i].iov_len - done) < 0)
			return -1;
		done = 0;
	}
	return 0;
}

int http_stream_json(struct http_ctx *h, const json_t *msg)
{
	cleanup_free char *s = bjson_dump(msg);
	size_t n = strlen(s);
	s = xrealloc(s, n + 2);
	s[n++] = '\n';
	s[n] = '\0';
	return http_stream_write(h, s, n);
}

int http_stream_end(struct http_ctx *h)
{
	if (h->state != HTTP_STATE_STREAMING)
		return -1;
	h->state = HTTP_STATE_STREAM_ENDED;
	if (h->head)
		return 0;
	return http_conn_write(h->conn, "0\r\n\r\n", 5);
}

/* ---- hijack ---------------------------------------------------------------- */

int http_hijack(struct http_ctx *h, const char *content_type, int *ret_fd, const void **ret_pending,
		size_t *ret_pending_len)
{
	/* The request must be over before the stream starts: whatever
	 * follows it in the buffer is the client's first stream bytes */
	if (h->state != HTTP_STATE_NEW || !http_request_drain(h)) {
		h->conn->broken = true;
		return -1;
	}
	h->state = HTTP_STATE_HIJACKED;
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	if (h->req.upgrade)
		strbuf_addf(&sb,
			    "HTTP/1.1 101 UPGRADED\r\nContent-Type: %s\r\nConnection: Upgrade\r\n"
			    "Upgrade: tcp\r\n\r\n",
			    content_type);
	else
		strbuf_addf(&sb, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\n\r\n", content_type);
	if (http_conn_write(h->conn, sb.buf, sb.len) < 0)
		return -1;
	h->conn->broken = true; /* never parse HTTP on it again */
	*ret_fd = h->conn->fd;
	*ret_pending = h->conn->buf + h->conn->start;
	*ret_pending_len = h->conn->end - h->conn->start;
	return 0;
}

bool http_client_gone(const struct http_ctx *h)
{
	if (h->conn->broken && h->state != HTTP_STATE_HIJACKED)
		return true;
	struct pollfd p = { .fd = h->conn->fd, .events = POLLRDHUP };
	if (poll(&p, 1, 0) <= 0)
		return false;
	return (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

int http_conn_fd(const struct http_ctx *h)
{
	return h->conn->fd;
}
