/* http-internal: what the three parts of the HTTP server share (server.c:
 * sockets and threads, request.c: parsing, response.c: replies).  One
 * struct http_conn per connection; one struct http_ctx per request on it.
 * Invariant: conn->buf[conn->start..conn->end) holds bytes read from the
 * socket that the parser has not consumed yet, in order. */
#ifndef BERTH_DAEMON_HTTP_INTERNAL_H
#define BERTH_DAEMON_HTTP_INTERNAL_H

#include <http_parser.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/strbuf.h"
#include "daemon/http/http.h"

#define HTTP_MAX_HEAD (64u << 10) /* request line + headers: 431 beyond */
#define HTTP_MAX_URL (8u << 10)   /* 414 beyond */
#define HTTP_MAX_HEADERS 256      /* 431 beyond */
#define HTTP_CONN_BUF (64u << 10) /* read buffer per connection */
#define HTTP_DRAIN_MAX (1u << 20) /* unread body bytes drained for keep-alive */
#define HTTP_MAX_PARAMS 8

#define HTTP_API_MINOR 47
#define HTTP_API_MIN_MINOR 24

struct http_header {
	char *name;
	char *value;
};

/* One request being parsed.  http_request_feed drives libhttp-parser and
 * pauses it twice: when the headers are complete (the handler runs) and
 * when the message is complete (the next request may follow). */
struct http_request {
	http_parser parser;
	struct strbuf url;
	struct strbuf field, value; /* the header being read */
	bool in_value;
	struct http_header *headers;
	size_t n_headers, alloc_headers;
	size_t head_bytes; /* bytes consumed before the headers completed */
	bool headers_done;
	bool message_done;
	struct strbuf body; /* body bytes decoded and not yet handed out */
	int error_status;   /* 400/414/431 when parsing failed */
	char *error_msg;    /* owned */
	/* decoded by http_request_finish_head */
	char method[16];
	char *raw_path; /* percent-decoded, /v1.NN kept */
	char *path;     /* percent-decoded, without /v1.NN */
	char *version;  /* "1.47" as the client wrote it, NULL unversioned */
	unsigned api_minor;
	struct http_header *query;
	size_t n_query, alloc_query;
	bool keep_alive;
	bool upgrade; /* the client sent an Upgrade header */
};

void http_request_init(struct http_request *r);
void http_request_release(struct http_request *r);
/* Feed len bytes to the parser.  Returns the bytes consumed (the parser
 * stops at the end of the headers and at the end of the message; the rest
 * belongs to what comes after), or -1 when the request is malformed or
 * over a cap: r->error_status and r->error_msg say what to answer.
 * len 0 tells the parser the connection ended. */
ssize_t http_request_feed(struct http_request *r, const char *data, size_t len);
/* Resume a parser paused at the end of the headers, to read the body */
void http_request_resume(struct http_request *r);
/* Once headers_done: method, path, version, query.  -1 with
 * error_status/error_msg for a bad URL or API version. */
int http_request_finish_head(struct http_request *r);
/* Percent-decode (and "+" as space when plus); NULL for a bad escape or %00 */
char *http_unescape(const char *s, size_t len, bool plus);

struct http_conn {
	int fd;
	struct daemon *daemon; /* not owned */
	char buf[HTTP_CONN_BUF];
	size_t start, end;
	bool broken; /* a write failed, or the client went away: close after this request */
};

enum http_state {
	HTTP_STATE_NEW = 0,
	HTTP_STATE_REPLIED,
	HTTP_STATE_STREAMING,
	HTTP_STATE_STREAM_ENDED,
	HTTP_STATE_HIJACKED,
};

struct http_ctx {
	struct http_conn *conn;
	struct http_request req;
	enum http_state state;
	const char *params[HTTP_MAX_PARAMS];
	size_t n_params;
	char *param_store[HTTP_MAX_PARAMS]; /* owned copies behind params */
	struct http_header *extra;          /* http_add_header */
	size_t n_extra, alloc_extra;
	bool head;      /* a HEAD request: no body goes out */
	void **scratch; /* http_query_all's arrays, freed with the request */
	size_t n_scratch, alloc_scratch;
};

/* Read more from the socket into conn->buf: > 0 bytes read, 0 at EOF, < 0
 * on error (errno) */
ssize_t http_conn_fill(struct http_conn *c);
/* Write everything (MSG_NOSIGNAL); -1 when the client went away */
int http_conn_write(struct http_conn *c, const void *data, size_t len);

/* The common response headers (status line through the last header's CRLF,
 * without the blank line) */
void http_format_head(struct http_ctx *h, struct strbuf *sb, int status, const char *content_type);
/* Answer a request that never reached a handler (parse errors) and mark
 * the connection for closing */
void http_reply_early(struct http_conn *c, int status, const char *msg);
/* Read and discard what is left of the body; false when the connection
 * cannot carry another request */
bool http_request_drain(struct http_ctx *h);

#endif
