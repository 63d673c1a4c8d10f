/* logs: GET /containers/{id}/logs from a container's json-file log (docker's
 * format, one JSON object per line, written by berth-shim) and its rotated
 * files path.1 (older), path.2 ...  Knows only host paths, never the
 * container manager.  Corrupt lines are skipped, never fatal. */
#ifndef BERTH_DAEMON_CONTAINERS_LOGS_H
#define BERTH_DAEMON_CONTAINERS_LOGS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "daemon/http/http.h"

struct logs_opts {
	bool stdout_, stderr_; /* which streams (?stdout=1&stderr=1) */
	bool follow, timestamps, details;
	int64_t since_ns, until_ns; /* 0: no bound */
	int64_t tail;               /* -1: all */
	bool tty;                   /* raw output; else stdcopy frames */
};

/* Answer GET /containers/{id}/logs from the json-file log at log_path
 * (and its rotated files path.1 ...): starts the 200 stream itself (content
 * type application/vnd.docker.raw-stream with tty, else
 * application/vnd.docker.multiplexed-stream), writes the entries, and with
 * follow keeps streaming new ones (inotify, rotation-aware) until until_ns,
 * the client leaves, or done_fd becomes readable (the container stopped;
 * -1: never), then ends the stream.
 * Returns < 0 with err set only when it failed before the stream began
 * (the log could not be opened or watched): the caller then replies the
 * error.  Once the stream has begun it returns 0 and has answered. */
int logs_write(struct http_ctx *h, const char *log_path, const struct logs_opts *o, int done_fd,
	       berth_error_t **err);

/* Parse docker's since/until values ("1700000000", "1700000000.123",
 * RFC3339, durations like "10m" relative to now) into ns */
int logs_parse_time(const char *s, int64_t now_ns, int64_t *ret_ns, berth_error_t **err);

#endif
