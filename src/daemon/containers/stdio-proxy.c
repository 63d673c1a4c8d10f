/* stdio-proxy: a poll loop that copies both ways between the hijacked
 * client connection and the shim's stdio connection.  Output goes to the
 * client as the shim framed it (raw with a TTY, stdcopy frames without);
 * the client's input is never framed.  The detach sequence is matched
 * across reads: bytes that may start it are held back until it is clear.
 * Before the live stream, attach?logs=1 replays the json-file log here. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fdio.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "daemon/containers/logs-entry.h"
#include "daemon/containers/stdio-proxy.h"

#define PROXY_BUF 32768

int detach_keys_parse(const char *s, struct detach_keys *ret, berth_error_t **err)
{
	struct detach_keys k = { .v = { 0x10, 0x11 }, .n = 2 };
	if (!s || !*s) {
		*ret = k;
		return 0;
	}
	k.n = 0;
	const char *p = s;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (k.n >= DETACH_KEYS_MAX)
			return berth_error_fail(err, EINVAL, "Invalid detach keys (%s): too long",
						s);
		if (len == 1) {
			k.v[k.n++] = (unsigned char)p[0];
		} else if (len == 6 && strncmp(p, "ctrl-", 5) == 0) {
			char c = p[5];
			if (c >= 'a' && c <= 'z')
				k.v[k.n++] = (unsigned char)(c - 'a' + 1);
			else if (c == '@' || c == '[' || c == '\\' || c == ']' || c == '^' ||
				 c == '_')
				k.v[k.n++] = (unsigned char)(c - '@');
			else
				return berth_error_fail(
					err, EINVAL,
					"Invalid detach keys (%s): unknown character: '%.*s'", s,
					(int)len, p);
		} else {
			return berth_error_fail(
				err, EINVAL, "Invalid detach keys (%s): unknown character: '%.*s'",
				s, (int)len, p);
		}
		p += len;
		if (*p == ',')
			p++;
	}
	*ret = k;
	return 0;
}

/* Forward input bytes, watching for the detach sequence; 1 on detach */
static int forward_input(int shim_fd, const unsigned char *buf, size_t len,
			 const struct detach_keys *keys, size_t *matched)
{
	if (!keys || keys->n == 0)
		return fd_write_all(shim_fd, buf, len) < 0 ? -1 : 0;
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == keys->v[*matched]) {
			if (i > start && fd_write_all(shim_fd, buf + start, i - start) < 0)
				return -1;
			start = i + 1;
			if (++*matched == keys->n)
				return 1;
			continue;
		}
		if (*matched > 0) {
			/* not the sequence after all: the held-back bytes go through */
			if (fd_write_all(shim_fd, keys->v, *matched) < 0)
				return -1;
			*matched = 0;
			if (buf[i] == keys->v[0]) {
				if (i > start && fd_write_all(shim_fd, buf + start, i - start) < 0)
					return -1;
				start = i + 1;
				*matched = 1;
				continue;
			}
		}
	}
	if (len > start && fd_write_all(shim_fd, buf + start, len - start) < 0)
		return -1;
	return 0;
}

int stdio_proxy(int client_fd, const void *pending, size_t pending_len, int shim_fd,
		bool forward_stdin, const struct detach_keys *keys)
{
	static __thread unsigned char buf[PROXY_BUF];
	size_t matched = 0;
	bool client_in = true; /* still reading the client */
	if (forward_stdin && pending_len > 0) {
		int r = forward_input(shim_fd, pending, pending_len, keys, &matched);
		if (r != 0)
			return r > 0 ? 1 : 0;
	}
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = shim_fd, .events = POLLIN },
			{ .fd = client_fd, .events = client_in ? (POLLIN | POLLRDHUP) : 0 },
		};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(shim_fd, buf, sizeof(buf));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0)
				return 0; /* the process is gone and its output drained */
			if (fd_write_all(client_fd, buf, (size_t)n) < 0)
				return 0; /* the client went away */
		}
		if (client_in && (p[1].revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR))) {
			ssize_t n = read(client_fd, buf, sizeof(buf));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0) {
				/* the client closed its input: the process's stdin ends */
				client_in = false;
				if (forward_stdin)
					shutdown(shim_fd, SHUT_WR);
				if (n < 0)
					return 0;
				continue;
			}
			if (forward_stdin) {
				int r = forward_input(shim_fd, buf, (size_t)n, keys, &matched);
				if (r != 0)
					return r > 0 ? 1 : 0;
			}
		} else if (!client_in && (p[1].revents & (POLLHUP | POLLERR))) {
			return 0;
		}
	}
}

/* ---- attach?logs=1 ---------------------------------------------------------- */

/* Rotated files looked at; docker's max-file is small */
#define REPLAY_MAX_ROTATED 1000
#define REPLAY_CHUNK (64u << 10)

struct replay {
	int client_fd;
	struct logs_opts o;
	struct log_formatter fmt;
	struct strbuf line; /* a line read only in part so far */
	struct strbuf out;  /* formatted, not yet written */
	bool discarding;    /* inside a line over LOG_LINE_MAX: drop to its "\n" */
};

static void replay_line(struct replay *r, const char *line, size_t len)
{
	struct log_entry e;
	cleanup_error berth_error_t *err = NULL;
	if (log_entry_parse(line, len, &e, &err) < 0) {
		log_debug("attach logs: skipping a corrupt line: %s", err->msg);
		return;
	}
	if (log_entry_filter(&r->o, &e) == LOG_EMIT)
		log_entry_format(&r->fmt, &e, &r->out);
	log_entry_release(&e);
}

/* One file from its start to EOF; its unfinished last line is dropped (the
 * writer ends every entry with "\n") */
static int replay_file(struct replay *r, int fd)
{
	cleanup_free char *buf = xmalloc(REPLAY_CHUNK);
	for (;;) {
		ssize_t n = read(fd, buf, REPLAY_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		const char *p = buf;
		size_t left = (size_t)n;
		while (left > 0) {
			const char *nl = memchr(p, '\n', left);
			size_t k = nl ? (size_t)(nl - p) : left;
			if (!r->discarding && r->line.len + k > LOG_LINE_MAX) {
				log_debug("attach logs: skipping a line over %u bytes",
					  LOG_LINE_MAX);
				strbuf_reset(&r->line);
				r->discarding = true;
			} else if (!r->discarding) {
				strbuf_add(&r->line, p, k);
				if (nl)
					replay_line(r, r->line.buf, r->line.len);
			}
			if (nl) {
				strbuf_reset(&r->line);
				r->discarding = false;
				k++;
			}
			p += k;
			left -= k;
		}
		if (r->out.len > 0 && fd_write_all(r->client_fd, r->out.buf, r->out.len) < 0)
			return -1;
		strbuf_reset(&r->out);
	}
	strbuf_reset(&r->line);
	r->discarding = false;
	return 0;
}

static int replay_path(struct replay *r, const char *path)
{
	int fd;
	do
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		if (errno != ENOENT)
			log_debug("attach logs: open '%s': %s, ignoring", path, strerror(errno));
		return 0;
	}
	int rc = replay_file(r, fd);
	close(fd);
	return rc;
}

int stdio_replay_log(int client_fd, const char *log_path, bool want_stdout, bool want_stderr,
		     bool tty)
{
	struct replay r = {
		.client_fd = client_fd,
		.o = { .stdout_ = want_stdout, .stderr_ = want_stderr, .tail = -1, .tty = tty },
		.line = STRBUF_INIT,
		.out = STRBUF_INIT,
	};
	log_formatter_init(&r.fmt, &r.o);
	/* path.1 is the newest rotated file: count them, then read oldest first */
	size_t n_rot = 0;
	for (; n_rot < REPLAY_MAX_ROTATED; n_rot++) {
		cleanup_free char *p = xasprintf("%s.%zu", log_path, n_rot + 1);
		if (access(p, F_OK) < 0)
			break;
	}
	int rc = 0;
	for (size_t i = n_rot; i > 0 && rc == 0; i--) {
		cleanup_free char *p = xasprintf("%s.%zu", log_path, i);
		rc = replay_path(&r, p);
	}
	if (rc == 0)
		rc = replay_path(&r, log_path);
	strbuf_release(&r.line);
	strbuf_release(&r.out);
	return rc;
}
