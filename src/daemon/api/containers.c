/* containers: the /containers endpoints of the Engine API.  Each handler
 * parses the request, calls the container manager (or the path-level io
 * helpers: logs, archive, stats, top) and answers; the lifecycle logic
 * lives in src/daemon/containers/. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "daemon/containers/archive.h"
#include "daemon/containers/commit.h"
#include "daemon/containers/logs.h"
#include "daemon/containers/manager.h"
#include "daemon/containers/stats.h"
#include "daemon/containers/stdio-proxy.h"
#include "daemon/containers/top.h"
#include "daemon/daemon.h"
#include "daemon/http/http.h"
#include "daemon/router.h"

#define CREATE_BODY_MAX (4u << 20)
#define UPDATE_BODY_MAX (1u << 20)
#define STATS_INTERVAL_MS 1000

/* Look the {id} parameter up; on failure the 404 is already sent */
static struct container *lookup(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	struct container *c = NULL;
	if (container_get(d->containers, http_param(h, 0), &c, &err) < 0) {
		http_reply_error(h, err);
		return NULL;
	}
	return c;
}

static void reply_err(struct http_ctx *h, berth_error_t *err)
{
	http_reply_error(h, err);
}

static void create(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_json json_t *body = NULL;
	if (http_body_json(h, CREATE_BODY_MAX, &body, &err) < 0)
		return reply_err(h, err);
	cleanup_free char *id = NULL;
	json_t *warnings = NULL;
	if (container_create(d->containers, http_query(h, "name"), body, &id, &warnings, &err) < 0)
		return reply_err(h, err);
	http_reply_json(h, 201, json_pack("{s:s, s:o}", "Id", id, "Warnings", warnings));
}

static void list(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_json json_t *filters = NULL;
	long long limit = -1;
	if (http_query_filters(h, &filters, &err) < 0 ||
	    http_query_int(h, "limit", -1, &limit, &err) < 0)
		return reply_err(h, err);
	bool all = http_query_bool(h, "all") || limit > 0;
	json_t *arr = NULL;
	if (container_manager_list(d->containers, all, http_query_bool(h, "size"), filters, &arr,
				   &err) < 0)
		return reply_err(h, err);
	while (limit > 0 && json_array_size(arr) > (size_t)limit)
		json_array_remove(arr, json_array_size(arr) - 1);
	http_reply_json(h, 200, arr);
}

static void inspect(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_container struct container *c = lookup(d, h);
	if (!c)
		return;
	json_t *j = NULL;
	if (container_inspect(d->containers, c, http_query_bool(h, "size"), &j, &err) < 0)
		return reply_err(h, err);
	http_reply_json(h, 200, j);
}

static void start(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_container struct container *c = lookup(d, h);
	if (!c)
		return;
	int r = container_start(d->containers, c, &err);
	if (r < 0)
		return reply_err(h, err);
	http_reply_empty(h, r == 1 ? 304 : 204);
}

static int query_timeout(struct http_ctx *h, long long *ret, berth_error_t **err)
{
	return http_query_int(h, "t", -1, ret, err);
}

static void stop(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_container struct container *c = lookup(d, h);
	if (!c)
		return;
	long long t = -1;
	if (query_timeout(h, &t, &err) < 0)
		return reply_err(h, err);
	int r = container_stop(d->containers, c, http_query(h, "signal"), (int)t, &err);
	if (r < 0)
		return reply_err(h, err);
	http_reply_empty(h, r == 1 ? 304 : 204);
}

static void restart(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_container struct container *c = lookup(d, h);
	if (!c)
		return;
	long long t = -1;
	if (query_timeout(h, &t, &err) < 0 ||
	    container_restart(d->containers, c, http_query(h, "signal"), (int)t, &err) < 0)
		return reply_err(h, err);
	http_reply_empty(h, 204);
}

static void kill_(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_container struct container *c = lookup(d, h);
	if (!c)
		return;
	if (container_kill(d->containers, c, http_query(h, "signal"), &err) < 0)
		return reply_err(h, err);
	http_reply_empty(h, 204);
}

static void wait_(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_container struct container *c = lookup(d, h);
	if (!c)
		return;
	const char *cond = http_query(h, "condition");
	enum container_wait_condition wc = CONTAINER_WAIT_NOT_RUNNING;
	if (cond && strcmp(cond, "next-exit") == 0)
		wc = CONTAINER_WAIT_NEXT_EXIT;
	else if (cond && strcmp(cond, "removed") == 0)
		wc = CONTAINER_WAIT_REMOVED;
	else if (cond && *cond && strcmp(cond, "not-running") != 0)
		return (void)http_reply_errorf(h, 400, "invalid condition: \"%s\"", cond);
	/* the CLI blocks until the headers come: send them now */
	if (http_stream_begin(h, 200, "application/json") < 0)
		return;
	int status = 0;
	json_t *msg;
	if (container_wait(d->containers, c, wc, http_conn_fd(h), &status, &err) < 0) {
		if (err->errnum == ECONNRESET)
			return;
		msg = json_pack("{s:i, s:{s:s}}", "StatusCode", -1, "Error", "Message", err->msg);
	} else {
		msg = json_pack("{s:i, s:n}", "StatusCode", status, "Error");
	}
	http_stream_json(h, msg);
	json_decref(msg);
	http_stream_end(h);
}

static void remove_(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_container struct container *c = lookup(d, h);
	if (!c)
		return;
	if (http_query_bool(h, "link"))
		return (void)http_reply_errorf(
			h, 400, "Conflict, cannot remove the default link name of the container");
	if (container_remove(d->containers, c, http_query_bool(h, "force"), http_query_bool(h, "v"),
			     &err) < 0)
		return reply_err(h, err);
	http_reply_empty(h, 204);
}

static void pause_(struct daemon *d, struct http_ctx *h, bool pause)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_container struct container *c = lookup(d, h);
	if (!c)
		return;
	if (container_pause(d->containers, c, pause, &err) < 0)
		return reply_err(h, err);
	http_reply_empty(h, 204);
}

static void pause_on(struct daemon *d, struct http_ctx *h)
{
	pause_(d, h, true);
}

static void pause_off(struct daemon *d, struct http_ctx *h)
{
	pause_(d, h, false);
}

static void rename_(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_container struct container *c = lookup(d, h);
	if (!c)
		return;
	if (container_rename(d->containers, c, http_query(h, "name"), &err) < 0)
		return reply_err(h, err);
	http_reply_empty(h, 204);
}

static void update(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_container struct container *c = lookup(d, h);
	if (!c)
		return;
	cleanup_json json_t *body = NULL;
	json_t *warnings = NULL;
	if (http_body_json(h, UPDATE_BODY_MAX, &body, &err) < 0 ||
	    container_update(d->containers, c, body, &warnings, &err) < 0)
		return reply_err(h, err);
	http_reply_json(h, 200, json_pack("{s:o}", "Warnings", warnings));
}

static int query_size(struct http_ctx *h, unsigned *ret_h, unsigned *ret_w, berth_error_t **err)
{
	long long hh = 0, ww = 0;
	if (http_query_int(h, "h", 0, &hh, err) < 0 || http_query_int(h, "w", 0, &ww, err) < 0)
		return -1;
	if (hh < 0 || ww < 0 || hh > 65535 || ww > 65535)
		return berth_error_fail(err, EINVAL, "invalid terminal size %lldx%lld", hh, ww);
	*ret_h = (unsigned)hh;
	*ret_w = (unsigned)ww;
	return 0;
}

static void resize(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_container struct container *c = lookup(d, h);
	if (!c)
		return;
	unsigned hh = 0, ww = 0;
	if (query_size(h, &hh, &ww, &err) < 0 ||
	    container_resize(d->containers, c, hh, ww, &err) < 0)
		return reply_err(h, err);
	http_reply_empty(h, 200);
}

/* attach?logs=1 on the hijacked fd: the container's log so far, on the
 * streams asked for; -1 when the client left */
static int attach_replay_log(struct daemon *d, struct container *c,
			     enum container_attach_flags flags, bool tty, int fd)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_free char *path = NULL;
	bool unused_tty;
	int done_fd = -1;
	if (container_logs_begin(d->containers, c, &path, &unused_tty, &done_fd, &err) < 0) {
		log_debug("attach %.12s: logs: %s, ignoring", container_id(c), err->msg);
		return 0;
	}
	close(done_fd); /* no following here: the live part is the attach itself */
	return stdio_replay_log(fd, path, flags & CONTAINER_ATTACH_STDOUT,
				flags & CONTAINER_ATTACH_STDERR, tty);
}

static void attach(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_container struct container *c = lookup(d, h);
	if (!c)
		return;
	struct detach_keys keys;
	if (detach_keys_parse(http_query(h, "detachKeys"), &keys, &err) < 0)
		return reply_err(h, err);
	enum container_attach_flags flags = 0;
	bool in = http_query_bool(h, "stdin");
	if (in)
		flags |= CONTAINER_ATTACH_STDIN;
	if (http_query_bool(h, "stdout"))
		flags |= CONTAINER_ATTACH_STDOUT;
	if (http_query_bool(h, "stderr"))
		flags |= CONTAINER_ATTACH_STDERR;
	bool tty = container_tty(c);
	const char *ct = (tty || http_api_minor(h) < 42) ?
				 "application/vnd.docker.raw-stream" :
				 "application/vnd.docker.multiplexed-stream";
	int fd;
	const void *pending;
	size_t pending_len;
	if (http_hijack(h, ct, &fd, &pending, &pending_len) < 0)
		return;
	/* as docker: the log first, then (stream=1) the live output; what the
	 * container writes between the two is in neither */
	if (http_query_bool(h, "logs") && attach_replay_log(d, c, flags, tty, fd) < 0) {
		shutdown(fd, SHUT_RDWR);
		return;
	}
	if (!http_query_bool(h, "stream")) {
		container_publish(c, "attach");
		shutdown(fd, SHUT_RDWR);
		return;
	}
	int shim_fd = -1;
	if (container_attach(d->containers, c, flags, fd, &shim_fd, &err) < 0) {
		log_debug("attach %.12s: %s", container_id(c), err->msg);
		return;
	}
	container_publish(c, "attach");
	/* docker watches for the detach keys only with a terminal: a plain
	 * stream may carry any bytes */
	stdio_proxy(fd, pending, pending_len, shim_fd, in, tty ? &keys : NULL);
	close(shim_fd);
	shutdown(fd, SHUT_RDWR);
}

static void logs(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_container struct container *c = lookup(d, h);
	if (!c)
		return;
	struct logs_opts o = {
		.stdout_ = http_query_bool(h, "stdout"),
		.stderr_ = http_query_bool(h, "stderr"),
		.follow = http_query_bool(h, "follow"),
		.timestamps = http_query_bool(h, "timestamps"),
		.details = http_query_bool(h, "details"),
		.tail = -1,
	};
	if (!o.stdout_ && !o.stderr_)
		return (void)
			http_reply_errorf(h, 400,
					  "Bad parameters: you must choose at least one stream");
	const char *tail = http_query(h, "tail");
	if (tail && *tail && strcmp(tail, "all") != 0) {
		long long t = -1;
		if (http_query_int(h, "tail", -1, &t, &err) < 0)
			return reply_err(h, err);
		o.tail = t < 0 ? -1 : t;
	}
	int64_t now = 0;
	{
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	}
	const char *since = http_query(h, "since"), *until = http_query(h, "until");
	if ((since && *since && strcmp(since, "0") != 0 &&
	     logs_parse_time(since, now, &o.since_ns, &err) < 0) ||
	    (until && *until && strcmp(until, "0") != 0 &&
	     logs_parse_time(until, now, &o.until_ns, &err) < 0))
		return reply_err(h, err);
	cleanup_free char *path = NULL;
	int done_fd = -1;
	if (container_logs_begin(d->containers, c, &path, &o.tty, &done_fd, &err) < 0)
		return reply_err(h, err);
	if (logs_write(h, path, &o, o.follow ? done_fd : -1, &err) < 0)
		log_debug("logs %.12s: %s", container_id(c), err->msg);
	container_unwatch(c, done_fd);
}

static void top(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_container struct container *c = lookup(d, h);
	if (!c)
		return;
	cleanup_free pid_t *pids = NULL;
	size_t n = 0;
	json_t *j = NULL;
	const char *args = http_query(h, "ps_args");
	if (container_pids(d->containers, c, &pids, &n, &err) < 0 ||
	    top_table(pids, n, args && *args ? args : "-ef", &j, &err) < 0)
		return reply_err(h, err);
	http_reply_json(h, 200, j);
}

/* One stats sample with docker's framing fields */
static json_t *stats_one(struct container *c, json_t *prev, berth_error_t **err)
{
	cleanup_free char *cg = NULL;
	cleanup_free char *name = NULL;
	pid_t pid = 0;
	if (container_runtime_info(c, &cg, &pid, &name, err) < 0)
		return NULL;
	json_t *s = NULL;
	if (pid > 0) {
		if (stats_sample(cg, pid, &s, err) < 0)
			return NULL;
	} else {
		s = json_pack("{s:s, s:{}, s:{}, s:{}, s:{}}", "read", "0001-01-01T00:00:00Z",
			      "pids_stats", "cpu_stats", "memory_stats", "blkio_stats");
	}
	json_object_set_new(s, "name", json_string(name));
	json_object_set_new(s, "id", json_string(container_id(c)));
	json_t *pre_read = json_object_get(prev, "read");
	json_object_set_new(s, "preread",
			    pre_read ? json_incref(pre_read) : json_string("0001-01-01T00:00:00Z"));
	json_t *pre_cpu = json_object_get(prev, "cpu_stats");
	json_object_set_new(s, "precpu_stats", pre_cpu ? json_deep_copy(pre_cpu) : json_object());
	return s;
}

/* A timed wait for the next sample that ends early when the client leaves */
static bool stats_pause(struct http_ctx *h)
{
	struct pollfd p = { .fd = http_conn_fd(h), .events = POLLRDHUP };
	int n = poll(&p, 1, STATS_INTERVAL_MS);
	return n == 0;
}

static void stats(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_container struct container *c = lookup(d, h);
	if (!c)
		return;
	const char *stream_q = http_query(h, "stream");
	bool stream = !stream_q || http_query_bool(h, "stream");
	bool one_shot = http_query_bool(h, "one-shot");
	cleanup_json json_t *prev = NULL;
	if (!stream) {
		if (!one_shot) {
			/* docker takes two samples so that precpu_stats is real */
			prev = stats_one(c, NULL, &err);
			if (!prev)
				return reply_err(h, err);
			if (!stats_pause(h))
				return;
		}
		json_t *s = stats_one(c, prev, &err);
		if (!s)
			return reply_err(h, err);
		http_reply_json(h, 200, s);
		return;
	}
	json_t *s = stats_one(c, NULL, &err);
	if (!s)
		return reply_err(h, err);
	if (http_stream_begin(h, 200, "application/json") < 0) {
		json_decref(s);
		return;
	}
	for (;;) {
		int r = http_stream_json(h, s);
		json_decref(prev);
		prev = s;
		if (r < 0 || !stats_pause(h))
			return;
		berth_error_release(&err);
		s = stats_one(c, prev, &err);
		if (!s)
			break;
	}
	http_stream_end(h);
}

static void changes(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_container struct container *c = lookup(d, h);
	if (!c)
		return;
	json_t *j = NULL;
	if (container_changes(d->containers, c, &j, &err) < 0)
		return reply_err(h, err);
	http_reply_json(h, 200, j);
}

enum archive_op {
	ARCHIVE_HEAD,
	ARCHIVE_GET,
	ARCHIVE_PUT,
	ARCHIVE_EXPORT
};

static void archive_(struct daemon *d, struct http_ctx *h, enum archive_op op)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_container struct container *c = lookup(d, h);
	if (!c)
		return;
	const char *path = http_query(h, "path");
	if (op != ARCHIVE_EXPORT && (!path || !*path))
		return (void)http_reply_errorf(h, 400, "Bad parameter: path cannot be empty");
	cleanup_free char *rootfs = NULL;
	if (container_rootfs_get(d->containers, c, &rootfs, &err) < 0)
		return reply_err(h, err);
	int r;
	switch (op) {
	case ARCHIVE_HEAD:
		r = archive_head(h, rootfs, path, &err);
		break;
	case ARCHIVE_GET:
		r = archive_get(h, rootfs, path, &err);
		break;
	case ARCHIVE_PUT:
		r = archive_put(h, rootfs, path, http_query_bool(h, "noOverwriteDirNonDir"),
				http_query_bool(h, "copyUIDGID"), &err);
		break;
	default:
		r = archive_export(h, rootfs, &err);
		break;
	}
	container_rootfs_put(d->containers, c);
	if (r < 0)
		reply_err(h, err);
}

static void archive_head_(struct daemon *d, struct http_ctx *h)
{
	archive_(d, h, ARCHIVE_HEAD);
}

static void archive_get_(struct daemon *d, struct http_ctx *h)
{
	archive_(d, h, ARCHIVE_GET);
}

static void archive_put_(struct daemon *d, struct http_ctx *h)
{
	archive_(d, h, ARCHIVE_PUT);
}

static void export_(struct daemon *d, struct http_ctx *h)
{
	archive_(d, h, ARCHIVE_EXPORT);
}

static void prune(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_json json_t *filters = NULL;
	json_t *j = NULL;
	if (http_query_filters(h, &filters, &err) < 0 ||
	    container_prune(d->containers, filters, &j, &err) < 0)
		return reply_err(h, err);
	http_reply_json(h, 200, j);
}

static void commit(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_container struct container *c = NULL;
	cleanup_json json_t *body = NULL;
	const char *name = http_query(h, "container");
	if (container_get(d->containers, name ? name : "", &c, &err) < 0 ||
	    http_body_json(h, CREATE_BODY_MAX, &body, &err) < 0)
		return reply_err(h, err);
	size_t n = 0;
	const char *const *changes = http_query_all(h, "changes", &n);
	struct commit_opts o = {
		.repo = http_query(h, "repo"),
		.tag = http_query(h, "tag"),
		.comment = http_query(h, "comment"),
		.author = http_query(h, "author"),
		.changes = changes,
		.n_changes = n,
		.config = json_is_object(body) ? body : NULL,
	};
	cleanup_free char *id = NULL;
	if (container_commit(d->containers, c, &o, &id, &err) < 0)
		return reply_err(h, err);
	http_reply_json(h, 201, json_pack("{s:s}", "Id", id));
}

static const struct route routes[] = {
	{ "POST", "/commit", commit },
	{ "POST", "/containers/create", create },
	{ "GET", "/containers/json", list },
	{ "POST", "/containers/prune", prune },
	{ "GET", "/containers/{id}/json", inspect },
	{ "POST", "/containers/{id}/start", start },
	{ "POST", "/containers/{id}/stop", stop },
	{ "POST", "/containers/{id}/restart", restart },
	{ "POST", "/containers/{id}/kill", kill_ },
	{ "POST", "/containers/{id}/wait", wait_ },
	{ "DELETE", "/containers/{id}", remove_ },
	{ "POST", "/containers/{id}/pause", pause_on },
	{ "POST", "/containers/{id}/unpause", pause_off },
	{ "POST", "/containers/{id}/rename", rename_ },
	{ "POST", "/containers/{id}/update", update },
	{ "POST", "/containers/{id}/resize", resize },
	{ "POST", "/containers/{id}/attach", attach },
	{ "GET", "/containers/{id}/logs", logs },
	{ "GET", "/containers/{id}/top", top },
	{ "GET", "/containers/{id}/stats", stats },
	{ "GET", "/containers/{id}/changes", changes },
	{ "GET", "/containers/{id}/export", export_ },
	{ "HEAD", "/containers/{id}/archive", archive_head_ },
	{ "GET", "/containers/{id}/archive", archive_get_ },
	{ "PUT", "/containers/{id}/archive", archive_put_ },
};

ROUTE_TABLE(api_containers_routes, routes);
