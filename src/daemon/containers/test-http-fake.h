/* test-http-fake: an in-memory struct http_ctx for the unit tests of the
 * path-level helpers (logs, archive): the request body comes from a buffer,
 * the response is collected in one, and the "connection" is one end of a
 * socketpair that a test may close to play a client that went away. */
#ifndef BERTH_DAEMON_CONTAINERS_TEST_HTTP_FAKE_H
#define BERTH_DAEMON_CONTAINERS_TEST_HTTP_FAKE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/strbuf.h"
#include "daemon/http/http.h"

struct http_ctx {
	int status;            /* 0 until answered */
	char *content_type;    /* owned */
	struct strbuf headers; /* "Name: value\n" lines */
	struct strbuf body;    /* everything written */
	bool streaming, ended;
	const char *req_body; /* not owned */
	size_t req_len, req_off;
	int conn[2]; /* conn[0] is the server side */
};

void fake_http_init(struct http_ctx *h, const void *req_body, size_t req_len);
void fake_http_release(struct http_ctx *h);
/* The client closes its end */
void fake_http_hangup(struct http_ctx *h);

#endif
