/* exec: POST /containers/{id}/exec, POST /exec/{id}/start|resize and GET
 * /exec/{id}/json.  Start hijacks the connection like attach (unless
 * Detach) and proxies the shim's stdio for the process until it ends. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/stdcopy.h"
#include "common/xalloc.h"
#include "daemon/containers/exec.h"
#include "daemon/containers/manager.h"
#include "daemon/containers/stdio-proxy.h"
#include "daemon/daemon.h"
#include "daemon/http/http.h"
#include "daemon/router.h"

#define EXEC_BODY_MAX (1u << 20)

static void create(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_container struct container *c = NULL;
	cleanup_json json_t *body = NULL;
	cleanup_free char *id = NULL;
	if (container_get(d->containers, http_param(h, 0), &c, &err) < 0 ||
	    http_body_json(h, EXEC_BODY_MAX, &body, &err) < 0 ||
	    exec_create(d->containers, c, body, &id, &err) < 0)
		return (void)http_reply_error(h, err);
	http_reply_json(h, 201, json_pack("{s:s}", "Id", id));
}

static void start(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_json json_t *body = NULL;
	const char *id = http_param(h, 0);
	if (http_body_json(h, EXEC_BODY_MAX, &body, &err) < 0)
		return (void)http_reply_error(h, err);
	bool detach = json_is_true(json_object_get(body, "Detach"));
	int fd = -1;
	struct exec_start_info info = { 0 };
	if (detach) {
		if (exec_start(d->containers, id, true, &fd, &info, &err) < 0)
			return (void)http_reply_error(h, err);
		http_reply_empty(h, 200);
		return;
	}
	/* Hijack before the process starts, as docker does: a client that
	 * reads the 101 with a buffered reader (docker-py) would otherwise
	 * swallow the first output with the headers */
	bool tty = false;
	if (exec_peek_tty(d->containers, id, &tty, &err) < 0)
		return (void)http_reply_error(h, err);
	const char *ct = (tty || http_api_minor(h) < 42) ?
				 "application/vnd.docker.raw-stream" :
				 "application/vnd.docker.multiplexed-stream";
	int cfd;
	const void *pending;
	size_t pending_len;
	if (http_hijack(h, ct, &cfd, &pending, &pending_len) < 0)
		return;
	if (exec_start(d->containers, id, false, &fd, &info, &err) < 0) {
		/* the status line is gone: the error goes into the stream, as
		 * docker's (on stdout, framed when the stream is multiplexed) */
		cleanup_free char *msg = xasprintf("%s\r\n", err->msg);
		bool framed = strcmp(ct, "application/vnd.docker.multiplexed-stream") == 0;
		int r = framed ? stdcopy_write(cfd, STDCOPY_STDOUT, msg, strlen(msg)) :
				 (write(cfd, msg, strlen(msg)) < 0 ? -1 : 0);
		if (r < 0)
			log_debug("exec start %s: %s", id, strerror(errno));
		shutdown(cfd, SHUT_RDWR);
		return;
	}
	/* docker watches for the detach keys only with a terminal: a plain
	 * stream may carry any bytes */
	stdio_proxy(cfd, pending, pending_len, fd, info.attach_stdin, info.tty ? &info.keys : NULL);
	close(fd);
	/* the exit is known before the client asks GET /exec/{id}/json */
	exec_finished(d->containers, id);
	shutdown(cfd, SHUT_RDWR);
}

static void resize(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	long long hh = 0, ww = 0;
	if (http_query_int(h, "h", 0, &hh, &err) < 0 || http_query_int(h, "w", 0, &ww, &err) < 0)
		return (void)http_reply_error(h, err);
	if (hh < 0 || ww < 0 || hh > 65535 || ww > 65535)
		return (void)http_reply_errorf(h, 400, "invalid terminal size %lldx%lld", hh, ww);
	if (exec_resize(d->containers, http_param(h, 0), (unsigned)hh, (unsigned)ww, &err) < 0)
		return (void)http_reply_error(h, err);
	http_reply_empty(h, 200);
}

static void inspect(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	json_t *j = NULL;
	if (exec_inspect(d->containers, http_param(h, 0), &j, &err) < 0)
		return (void)http_reply_error(h, err);
	http_reply_json(h, 200, j);
}

static const struct route routes[] = {
	{ "POST", "/containers/{id}/exec", create },
	{ "POST", "/exec/{id}/start", start },
	{ "POST", "/exec/{id}/resize", resize },
	{ "GET", "/exec/{id}/json", inspect },
};

ROUTE_TABLE(api_exec_routes, routes);
