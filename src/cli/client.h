/* client: the Engine API client of berth, libcurl on berthd's unix socket.
 * It negotiates the API version once (GET /_ping, API-Version header, at
 * most 1.47; DOCKER_API_VERSION overrides), prefixes every path with
 * /v1.NN, and turns failures into errors a user can act on:
 *   - no daemon: "cannot connect to berthd at unix:///run/berth/berth.sock:
 *     is it running? start it with 'sudo berthd' (or 'systemctl start berth')"
 *   - an HTTP status >= 400: "Error response from daemon: <message>", with
 *     errnum ENOENT for 404, EEXIST for 409, EINVAL for 400, EIO otherwise. */
#ifndef BERTH_CLI_CLIENT_H
#define BERTH_CLI_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "common/strbuf.h"

struct cli;
struct cli_client;

/* The client of cli (made on first call from cli->host; owned by cli and
 * freed by main).  host is "unix:///path"; tcp:// and others are refused
 * with a clear error. */
int cli_client(struct cli *cli, struct cli_client **ret, berth_error_t **err);
void cli_client_free(struct cli_client *c);

/* The negotiated API version, "1.47" (negotiates on first call) */
int cli_client_api_version(struct cli_client *c, const char **ret, berth_error_t **err);

/* Called with each piece of a streamed response body as it arrives; returns
 * < 0 to stop the transfer (cli_client_do then fails with the error the
 * callback left in *ud, see struct cli_request) */
typedef int (*cli_body_fn)(const char *data, size_t len, void *ud);

struct cli_request {
	const char *method;         /* "GET", "POST", "DELETE", "HEAD", "PUT" */
	const char *path;           /* "/containers/json?all=1" without the version */
	const json_t *json;         /* request body as JSON, or NULL */
	int body_fd;                /* or a body read from this fd (chunked); -1 for none */
	const char *content_type;   /* for body_fd, e.g. "application/x-tar" */
	const char *const *headers; /* extra "Name: value" lines, NULL-terminated; may be NULL */
	cli_body_fn on_body;        /* NULL: the body is collected in resp->body */
	void *ud;
	bool no_version; /* do not prefix /v1.NN (for /_ping) */
};

struct cli_response {
	long status;
	struct strbuf body; /* the body when on_body is NULL, or an error body */
	char *content_type; /* owned, may be NULL */
	char *api_version;  /* the API-Version header, owned, may be NULL */
};
void cli_response_init(struct cli_response *resp);
void cli_response_release(struct cli_response *resp);

/* Perform req.  Fails (< 0) on a transport error or an HTTP status >= 400
 * (the error body is then collected into resp->body, never passed to
 * on_body, and its "message" becomes the error).  resp may be NULL. */
int cli_client_do(struct cli_client *c, const struct cli_request *req, struct cli_response *resp,
		  berth_error_t **err);

/* Shorthands: a JSON response is parsed into *ret (NULL allowed when the
 * caller does not want it; an empty body gives json null) */
int cli_get_json(struct cli *cli, const char *path, json_t **ret, berth_error_t **err);
int cli_post_json(struct cli *cli, const char *path, const json_t *body, json_t **ret,
		  berth_error_t **err);
int cli_delete(struct cli *cli, const char *path, berth_error_t **err);

/* Append "?key=value" or "&key=value" to url, URL-escaping the value */
void cli_query_add(struct strbuf *url, const char *key, const char *value);
/* Append docker's filters parameter: values "key=value" from --filter,
 * encoded as {"key":{"value":true}}; nothing when n is 0.  Fails on a
 * value without '=' ("bad format of filter (expected name=value)") */
int cli_query_filters(struct strbuf *url, const char *const *filters, size_t n,
		      berth_error_t **err);
/* A path segment (container name, image reference) escaped for a URL */
char *cli_escape(const char *segment);

/* POST path with "Connection: Upgrade, Upgrade: tcp" and body (may be
 * NULL) and return the raw connection for attach / exec start: *ret_fd is
 * the socket, pending gets the bytes read past the response headers (they
 * belong to the stream).  Accepts 101 and 200 (old daemons). */
int cli_client_hijack(struct cli_client *c, const char *path, const json_t *body, int *ret_fd,
		      struct strbuf *pending, berth_error_t **err);

/* A request answered later, on a connection of its own (added by the
 * client helper): docker's attach and run ask for the container's wait
 * before they attach or start, so that the exit code of a container that
 * ends at once (and with --rm is removed) is not lost.  cli_client_send
 * returns once the response headers came (berthd sends a wait's headers
 * when the wait is in place); an HTTP error (404...) fails here, as
 * cli_client_do's do.  cli_deferred_finish blocks for the body (at most
 * 1 MiB) and parses it as JSON into *ret (may be NULL). */
struct cli_deferred;
int cli_client_send(struct cli_client *c, const char *method, const char *path, const json_t *body,
		    struct cli_deferred **ret, berth_error_t **err);
int cli_deferred_finish(struct cli_deferred *d, json_t **ret, berth_error_t **err);
void cli_deferred_free(struct cli_deferred *d);

/* A JSON-lines decoder for streamed bodies (pull/push/load progress,
 * events, stats): feed it chunks; on_value is called with each complete
 * value (borrowed) and returns < 0 to stop.  Values over 1 MiB fail. */
struct cli_json_stream {
	struct strbuf buf;
	int (*on_value)(const json_t *v, void *ud);
	void *ud;
};
void cli_json_stream_init(struct cli_json_stream *s, int (*on_value)(const json_t *v, void *ud),
			  void *ud);
int cli_json_stream_feed(struct cli_json_stream *s, const char *data, size_t len,
			 berth_error_t **err);
/* Whatever is left must be whitespace; a partial value is an error */
int cli_json_stream_finish(struct cli_json_stream *s, berth_error_t **err);
void cli_json_stream_release(struct cli_json_stream *s);

#endif
