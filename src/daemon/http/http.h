/* http: berthd's HTTP/1.1 server, as the API handlers see it.  One thread per
 * connection, blocking I/O, requests parsed with libhttp-parser under hard
 * caps (headers, URL, body).  A handler gets one struct http_ctx: the parsed
 * request, and the functions that answer it.  A handler answers exactly once
 * (reply, stream, or hijack); if it returns without answering, the server
 * sends 500.  Every function here is safe to call from any connection thread. */
#ifndef BERTH_DAEMON_HTTP_H
#define BERTH_DAEMON_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

struct http_ctx;

/* ---- the request --------------------------------------------------------- */

/* "GET", "HEAD", "POST", "PUT", "DELETE" */
const char *http_method(const struct http_ctx *h);
/* The percent-decoded path with any /v1.NN prefix removed: "/containers/x/json" */
const char *http_path(const struct http_ctx *h);
/* The API version the client asked for in its /v1.NN/ prefix, as the minor
 * number NN: 47 for /v1.47/; the daemon's own (47) for unversioned paths */
unsigned http_api_minor(const struct http_ctx *h);
/* The route's {name} parameters in pattern order, percent-decoded; NULL past the end */
const char *http_param(const struct http_ctx *h, size_t i);

/* Query parameters, percent-decoded.  http_query: the last value of key,
 * NULL when absent.  http_query_all: every value in order (for names=a&names=b),
 * borrowed array of *ret_n borrowed strings. */
const char *http_query(const struct http_ctx *h, const char *key);
const char *const *http_query_all(const struct http_ctx *h, const char *key, size_t *ret_n);
/* docker's boolean query values: absent, "", "0", "false", "False" → false;
 * anything else → true (moby httputils.BoolValue) */
bool http_query_bool(const struct http_ctx *h, const char *key);
/* An integer query value; absent → def; not a number → -1 with err set (EINVAL,
 * "invalid value for 'key': 'x'") */
int http_query_int(const struct http_ctx *h, const char *key, long long def, long long *ret,
		   berth_error_t **err);
/* The filters query value decoded as a JSON object (NULL when absent); EINVAL
 * naming the parameter when it is not a JSON object. Caller owns *ret. */
int http_query_filters(const struct http_ctx *h, json_t **ret, berth_error_t **err);

/* A request header, case-insensitive name; NULL when absent */
const char *http_header(const struct http_ctx *h, const char *name);

/* The whole body as JSON (an empty body gives JSON null).  EINVAL with
 * docker's wording for malformed JSON, EFBIG past cap bytes.  Caller owns *ret. */
int http_body_json(struct http_ctx *h, size_t cap, json_t **ret, berth_error_t **err);
/* Stream the body (Content-Length or chunked): bytes read, 0 at its end,
 * < 0 with err set on a broken connection or a body past the server's cap. */
ssize_t http_body_read(struct http_ctx *h, void *buf, size_t len, berth_error_t **err);

/* ---- the response ---------------------------------------------------------- */

/* Status line and headers go with every response: Api-Version, Server
 * (Docker/<version> (linux) form), Ostype, Docker-Experimental, Date. */

/* A JSON body; takes ownership of body (NULL gives no body) */
int http_reply_json(struct http_ctx *h, int status, json_t *body);
/* A body of given content type (e.g. "text/plain; charset=utf-8") */
int http_reply_data(struct http_ctx *h, int status, const char *content_type, const void *data,
		    size_t len);
/* No body: 204, 304, or 201/200 without content */
int http_reply_empty(struct http_ctx *h, int status);
/* Add a response header before replying or streaming (e.g.
 * X-Docker-Container-Path-Stat); name and value are copied */
void http_add_header(struct http_ctx *h, const char *name, const char *value);

/* The one place errors become HTTP: status from err->errnum (ENOENT 404,
 * EINVAL/ERANGE/EDOM 400, EEXIST/EBUSY/ENOTEMPTY 409, EPERM/EACCES 403,
 * ENOTSUP/ENOSYS 501, EAGAIN/ECONNREFUSED 503, else 500), body
 * {"message": err->msg}; also logged at debug level */
int http_reply_error(struct http_ctx *h, const berth_error_t *err);
int http_status_for_error(const berth_error_t *err);
/* An error built in place: status and docker's message */
int http_reply_errorf(struct http_ctx *h, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A streamed body (chunked): status and headers are written and flushed
 * at once (POST /containers/{id}/wait depends on this).  Each write is
 * one chunk, flushed.  Returns < 0 when the client went away: stop then. */
int http_stream_begin(struct http_ctx *h, int status, const char *content_type);
int http_stream_write(struct http_ctx *h, const void *data, size_t len);
/* One JSON value and "\n" (events, progress) */
int http_stream_json(struct http_ctx *h, const json_t *msg);
/* The last chunk; the connection may carry the next request */
int http_stream_end(struct http_ctx *h);

/* Hijack the connection (attach, exec start).  With an "Upgrade" request
 * header the server writes exactly
 *   HTTP/1.1 101 UPGRADED\r\nContent-Type: <ct>\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n
 * else "HTTP/1.1 200 OK\r\nContent-Type: <ct>\r\n\r\n", then hands over the
 * socket: *ret_fd is the raw connection with any request bytes already read
 * past the headers pushed back first (they are in *ret_pending/ret_pending_len,
 * borrowed until the handler returns).  The server closes the fd after the
 * handler returns; the handler may shutdown(SHUT_WR) it. */
int http_hijack(struct http_ctx *h, const char *content_type, int *ret_fd, const void **ret_pending,
		size_t *ret_pending_len);

/* True once the client has closed its end (poll for POLLRDHUP/POLLHUP,
 * non-blocking): streaming handlers check it between waits */
bool http_client_gone(const struct http_ctx *h);
/* The connection fd, for poll() beside other fds in a streaming handler
 * (POLLRDHUP on it means the client went away); not for reading */
int http_conn_fd(const struct http_ctx *h);

#endif
