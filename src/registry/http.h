/* http: the small libcurl wrapper under the registry client.  One reusable
 * easy handle per client; every response body is capped or streamed; every
 * redirect is followed here, not by curl, so that credentials never leave
 * for another scheme, host or port (registries redirect blob downloads to
 * object storage, which must not see the registry's token). */
#ifndef BERTH_REGISTRY_HTTP_H
#define BERTH_REGISTRY_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "common/strbuf.h"

#define HTTP_DEFAULT_CERTS_DIR "/etc/berth/certs.d"
/* Response header block cap (all headers of one response together) */
#define HTTP_MAX_HEADER_BYTES (64u << 10)
/* Body cap when the request does not set one */
#define HTTP_DEFAULT_MAX_BODY (1u << 20)
#define HTTP_MAX_REDIRECTS 10
#define HTTP_DEFAULT_RETRIES 3

struct http_options {
	const char *certs_dir;  /* docker's certs.d layout; NULL: HTTP_DEFAULT_CERTS_DIR */
	long connect_timeout;   /* seconds; 0: 30 */
	long low_speed_time;    /* abort after this many seconds below 1 byte/s; 0: 60 */
	int retries;            /* extra attempts for idempotent requests; <0: none, 0: default */
	const char *user_agent; /* NULL: "berth/<version>" */
};

/* Response headers in arrival order; names keep their case, lookups ignore it */
struct http_headers {
	char **names;  /* owned */
	char **values; /* owned, surrounding whitespace trimmed */
	size_t n;
	size_t alloc;
	size_t bytes; /* for the cap */
};

/* The first value of header name (case-insensitive), borrowed; NULL if absent */
const char *http_headers_get(const struct http_headers *h, const char *name);
/* Every value of a repeated header: fills up to max borrowed pointers into
 * ret and returns how many there are in all */
size_t http_headers_get_all(const struct http_headers *h, const char *name, const char **ret,
			    size_t max);
void http_headers_release(struct http_headers *h);

/* Streamed body sink: return 0 to go on, < 0 (with *err set) to abort */
typedef int (*http_sink_fn)(const void *data, size_t len, void *userdata, berth_error_t **err);

enum http_flags {
	HTTP_IDEMPOTENT = 1 << 0,  /* may be retried on 5xx and broken connections */
	HTTP_NO_REDIRECT = 1 << 1, /* hand 3xx back to the caller */
	HTTP_INSECURE_TLS = 1 << 2 /* skip certificate verification (never the default) */
};

struct http_request {
	const char *method;         /* "GET", "HEAD", "PUT", ...; NULL: GET */
	const char *url;            /* absolute */
	const char *authorization;  /* "Bearer …" / "Basic …"; NULL for none */
	const char *const *headers; /* NULL-terminated "Name: value" lines, or NULL */
	const void *body;           /* request body for PUT/POST, or NULL */
	size_t body_len;
	size_t max_body;   /* in-memory body cap; 0: HTTP_DEFAULT_MAX_BODY */
	http_sink_fn sink; /* when set, 2xx bodies stream here, not to memory */
	void *sink_data;
	enum http_flags flags;
};

struct http_response {
	long status;
	struct http_headers headers;
	struct strbuf body; /* the body (not for 2xx when streamed), NUL-terminated */
	char *url;          /* the final URL after redirects; owned */
};

void http_response_release(struct http_response *r);
#define cleanup_http_response __attribute__((cleanup(http_response_release)))

struct http_client;

/* A client with one reusable connection cache.  opts is copied.  */
struct http_client *http_client_new(const struct http_options *opts, berth_error_t **err);
void http_client_free(struct http_client *c);
static inline void http_client_freep(struct http_client **c)
{
	http_client_free(*c);
	*c = NULL;
}
#define cleanup_http_client __attribute__((cleanup(http_client_freep)))

/* Perform req.  Any HTTP status is a success (the caller judges it); *ret
 * is filled only then.  Errors are transport failures and caps, worded
 * "GET https://127.0.0.1:5000/v2/: connection refused".  Redirects
 * (301/302/303/307/308) are followed up to HTTP_MAX_REDIRECTS unless
 * HTTP_NO_REDIRECT; the Authorization header is dropped when a redirect
 * changes scheme, host or port.  Idempotent requests are retried with
 * backoff on 5xx and on broken connections, unless a streamed body has
 * already reached the sink. */
int http_do(struct http_client *c, const struct http_request *req, struct http_response *ret,
	    berth_error_t **err);

/* A transport failure (errnum as in err->errnum: a broken, refused, reset
 * or timed-out connection) that another attempt may cure */
bool http_error_transient(int errnum);
/* Sleep before retry n (1-based): 200 ms, 400 ms, ... capped at 3.2 s */
void http_backoff(int n);
/* Same scheme, host and port (the default port when the URL has none):
 * where credentials may go */
bool http_same_origin(const char *a, const char *b);

/* "host:port" of an absolute URL as certs.d names it (the port only when
 * the URL has one); caller frees.  NULL with *err on a bad URL. */
char *http_url_hostport(const char *url, berth_error_t **err);

#endif
