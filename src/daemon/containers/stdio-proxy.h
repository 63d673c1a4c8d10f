/* stdio-proxy: the copy loop of attach and exec start between a hijacked
 * client connection and a shim stdio connection (folder-internal, used by
 * the API handlers through this header). */
#ifndef BERTH_DAEMON_CONTAINERS_STDIO_PROXY_H
#define BERTH_DAEMON_CONTAINERS_STDIO_PROXY_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

#define DETACH_KEYS_MAX 16

struct detach_keys {
	unsigned char v[DETACH_KEYS_MAX];
	size_t n; /* 0: no detaching */
};

/* docker's detach key syntax: "ctrl-p,ctrl-q", "a,ctrl-@"; NULL or "": the
 * default ctrl-p,ctrl-q.  EINVAL naming the bad key. */
int detach_keys_parse(const char *s, struct detach_keys *ret, berth_error_t **err);

/* Copy client → shim (when forward_stdin; pending first; EOF from the
 * client half-closes the shim side; the detach sequence ends the session)
 * and shim → client, until the shim closes (process gone, output drained)
 * or the client goes away.  Neither fd is closed here.  Returns 1 when
 * the client detached, else 0. */
int stdio_proxy(int client_fd, const void *pending, size_t pending_len, int shim_fd,
		bool forward_stdin, const struct detach_keys *keys);

/* attach?logs=1: write the container's json-file log (log_path and its
 * rotated files log_path.N ... log_path.1, oldest first) to client_fd as
 * attach would have sent it: raw with tty, else stdcopy frames; only the
 * streams asked for.  Corrupt or over-long lines are skipped.  -1 when
 * the client went away, else 0 (a missing log is an empty one). */
int stdio_replay_log(int client_fd, const char *log_path, bool want_stdout, bool want_stderr,
		     bool tty);

#endif
