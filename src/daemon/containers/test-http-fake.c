/* test-http-fake: the http.h functions over struct http_ctx of
 * test-http-fake.h; only what the path-level helpers call. */
#include "daemon/containers/test-http-fake.h"

#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/xalloc.h"

void fake_http_init(struct http_ctx *h, const void *req_body, size_t req_len)
{
	memset(h, 0, sizeof(*h));
	strbuf_init(&h->headers, 0);
	strbuf_init(&h->body, 0);
	h->req_body = req_body;
	h->req_len = req_len;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, h->conn) < 0)
		h->conn[0] = h->conn[1] = -1;
}

void fake_http_release(struct http_ctx *h)
{
	free(h->content_type);
	strbuf_release(&h->headers);
	strbuf_release(&h->body);
	if (h->conn[0] >= 0)
		close(h->conn[0]);
	if (h->conn[1] >= 0)
		close(h->conn[1]);
}

void fake_http_hangup(struct http_ctx *h)
{
	close(h->conn[1]);
	h->conn[1] = -1;
}

static void answer(struct http_ctx *h, int status, const char *ct)
{
	if (h->status != 0) {
		fprintf(stderr, "fake http: answered twice\n");
		abort();
	}
	h->status = status;
	h->content_type = ct ? xstrdup(ct) : NULL;
}

int http_stream_begin(struct http_ctx *h, int status, const char *content_type)
{
	answer(h, status, content_type);
	h->streaming = true;
	return 0;
}

int http_stream_write(struct http_ctx *h, const void *data, size_t len)
{
	if (!h->streaming || h->ended)
		abort();
	if (h->conn[1] < 0)
		return -1;
	strbuf_add(&h->body, data, len);
	return 0;
}

int http_stream_end(struct http_ctx *h)
{
	if (!h->streaming || h->ended)
		abort();
	h->ended = true;
	return 0;
}

void http_add_header(struct http_ctx *h, const char *name, const char *value)
{
	strbuf_addf(&h->headers, "%s: %s\n", name, value);
}

int http_reply_data(struct http_ctx *h, int status, const char *content_type, const void *data,
		    size_t len)
{
	answer(h, status, content_type);
	strbuf_add(&h->body, data, len);
	return 0;
}

int http_reply_empty(struct http_ctx *h, int status)
{
	answer(h, status, NULL);
	return 0;
}

ssize_t http_body_read(struct http_ctx *h, void *buf, size_t len, berth_error_t **err)
{
	size_t n = h->req_len - h->req_off;
	if (n > len)
		n = len;
	memcpy(buf, h->req_body + h->req_off, n);
	h->req_off += n;
	return (ssize_t)n;
}

int http_conn_fd(const struct http_ctx *h)
{
	return h->conn[0];
}

bool http_client_gone(const struct http_ctx *h)
{
	return h->conn[1] < 0;
}
