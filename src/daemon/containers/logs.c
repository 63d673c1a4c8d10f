/* logs: GET /containers/{id}/logs over a json-file log and its rotated
 * files (path.N oldest ... path.1, then path).  Reading is bounded (lines
 * capped at LOG_LINE_MAX, rotated files capped in number); follow waits on
 * inotify on the log's directory, done_fd and the client connection, never
 * on a timer.  Once the 200 stream has begun, failures end the stream
 * (logged at debug level): the client has its answer already. */
#include "daemon/containers/logs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "daemon/containers/logs-entry.h"

#include "common/banned.h"

/* Rotated files looked at: docker's max-file is small; this only bounds a
 * directory somebody filled by hand */
#define LOGS_MAX_ROTATED 1000
#define LOGS_READ_CHUNK (64u << 10)
/* Output is handed to the connection in chunks of about this size */
#define LOGS_FLUSH_AT (64u << 10)

struct logs_run {
	struct http_ctx *h; /* not owned */
	const struct logs_opts *o;
	struct log_formatter fmt;
	struct strbuf out;  /* formatted, not yet written */
	struct strbuf line; /* a line read only in part so far */
	bool discarding;    /* inside a line over LOG_LINE_MAX: drop to its "\n" */
	bool stopped;       /* an entry past until was seen */
	bool gone;          /* the client went away */
};

static int run_flush(struct logs_run *r)
{
	if (r->out.len == 0 || r->gone)
		return r->gone ? -1 : 0;
	int rc = http_stream_write(r->h, r->out.buf, r->out.len);
	strbuf_reset(&r->out);
	if (rc < 0) {
		r->gone = true;
		return -1;
	}
	return 0;
}

static void run_line(struct logs_run *r, const char *line, size_t len)
{
	if (r->stopped)
		return;
	struct log_entry e;
	cleanup_error berth_error_t *err = NULL;
	if (log_entry_parse(line, len, &e, &err) < 0) {
		log_debug("logs: skipping a corrupt line: %s", err->msg);
		return;
	}
	switch (log_entry_filter(r->o, &e)) {
	case LOG_STOP:
		r->stopped = true;
		break;
	case LOG_EMIT:
		log_entry_format(&r->fmt, &e, &r->out);
		break;
	case LOG_SKIP:
		break;
	}
	log_entry_release(&e);
}

/* Split data into lines, keeping an unfinished last line for the next call */
static void run_feed(struct logs_run *r, const char *data, size_t len)
{
	while (len > 0) {
		const char *nl = memchr(data, '\n', len);
		size_t n = nl ? (size_t)(nl - data) : len;
		if (r->discarding) {
			/* the rest of an over-long line */
		} else if (r->line.len + n > LOG_LINE_MAX) {
			log_debug("logs: skipping a line over %u bytes", LOG_LINE_MAX);
			strbuf_reset(&r->line);
			r->discarding = true;
		} else if (nl && r->line.len == 0) {
			run_line(r, data, n);
		} else {
			strbuf_add(&r->line, data, n);
			if (nl)
				run_line(r, r->line.buf, r->line.len);
		}
		if (nl) {
			strbuf_reset(&r->line);
			r->discarding = false;
			n++;
		}
		data += n;
		len -= n;
	}
}

/* Read fd from its offset to EOF through the line splitter; -1 when the
 * client left or reading failed */
static int run_drain(struct logs_run *r, int fd)
{
	cleanup_free char *buf = xmalloc(LOGS_READ_CHUNK);
	while (!r->stopped) {
		ssize_t n = read(fd, buf, LOGS_READ_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_debug("logs: read: %s", strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		run_feed(r, buf, (size_t)n);
		if (r->out.len >= LOGS_FLUSH_AT && run_flush(r) < 0)
			return -1;
	}
	return run_flush(r);
}

/* A file ended: its unfinished last line is dropped (the writer ends every
 * entry with "\n"; the rest of a file being rotated never comes) */
static void run_end_file(struct logs_run *r)
{
	strbuf_reset(&r->line);
	r->discarding = false;
}

/* ---- tail ------------------------------------------------------------------ */

/* The offset in fd where its last `need` complete lines begin, and how many
 * complete lines it has up to that many (*ret_found < need: the whole file) */
static int tail_offset(int fd, int64_t need, off_t *ret_off, int64_t *ret_found,
		       berth_error_t **err)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return berth_error_set(err, errno, "stat log");
	cleanup_free char *buf = xmalloc(LOGS_READ_CHUNK);
	off_t pos = st.st_size;
	int64_t newlines = 0;
	/* the last "\n" ends the last line; the need+1-th from the end ends
	 * the line before the ones we want */
	while (pos > 0) {
		size_t n = pos > (off_t)LOGS_READ_CHUNK ? LOGS_READ_CHUNK : (size_t)pos;
		ssize_t got = pread(fd, buf, n, pos - (off_t)n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return berth_error_set(err, errno, "read log");
		if ((size_t)got != n)
			return berth_error_fail(err, EIO, "log shrank while reading it");
		for (size_t i = n; i-- > 0;) {
			if (buf[i] != '\n')
				continue;
			if (++newlines == need + 1) {
				*ret_off = pos - (off_t)n + (off_t)i + 1;
				*ret_found = need;
				return 0;
			}
		}
		pos -= (off_t)n;
	}
	*ret_off = 0;
	*ret_found = newlines;
	return 0;
}

/* ---- the files ----------------------------------------------------------- */

static int open_log(const char *path)
{
	int fd;
	do
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	while (fd < 0 && errno == EINTR);
	return fd;
}

/* fds[0] is the oldest rotated file, fds[n-1] the current log (-1 when it
 * does not exist); missing rotated files are left out */
struct log_files {
	int *fds;
	size_t n;
};

static void log_files_release(struct log_files *f)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->fds[i] >= 0)
			close(f->fds[i]);
	free(f->fds);
	f->fds = NULL;
	f->n = 0;
}

static int log_files_open(const char *path, struct log_files *ret, berth_error_t **err)
{
	size_t n_rot = 0;
	int *rot = NULL;
	for (size_t i = 1; i <= LOGS_MAX_ROTATED; i++) {
		cleanup_free char *p = xasprintf("%s.%zu", path, i);
		int fd = open_log(p);
		if (fd < 0 && errno == ENOENT)
			break;
		if (fd < 0) {
			int e = errno;
			struct log_files tmp = { rot, n_rot };
			log_files_release(&tmp);
			return berth_error_set(err, e, "open log '%s'", p);
		}
		rot = xreallocarray(rot, n_rot + 1, sizeof(*rot));
		rot[n_rot++] = fd;
	}
	int cur = open_log(path);
	if (cur < 0 && errno != ENOENT) {
		int e = errno;
		struct log_files tmp = { rot, n_rot };
		log_files_release(&tmp);
		return berth_error_set(err, e, "open log '%s'", path);
	}
	/* path.1 is the newest rotated file: oldest first is path.N ... path.1 */
	ret->fds = xreallocarray(NULL, n_rot + 1, sizeof(int));
	for (size_t i = 0; i < n_rot; i++)
		ret->fds[i] = rot[n_rot - 1 - i];
	ret->fds[n_rot] = cur;
	ret->n = n_rot + 1;
	free(rot);
	return 0;
}

/* Position the files for tail: the index of the first file to read, with
 * that file's fd at the start offset (later files read from 0) */
static int log_files_seek_tail(struct log_files *f, int64_t tail, size_t *ret_first,
			       berth_error_t **err)
{
	size_t first = 0;
	if (tail >= 0) {
		int64_t need = tail;
		first = f->n;
		while (first > 0 && need > 0) {
			int fd = f->fds[first - 1];
			off_t off = 0;
			int64_t found = 0;
			if (fd >= 0 && tail_offset(fd, need, &off, &found, err) < 0)
				return -1;
			first--;
			if (fd >= 0 && lseek(fd, off, SEEK_SET) < 0)
				return berth_error_set(err, errno, "seek log");
			need -= found;
		}
		if (first == f->n) {
			/* tail=0: nothing old; follow starts at the current end */
			first = f->n - 1;
			if (f->fds[first] >= 0 && lseek(f->fds[first], 0, SEEK_END) < 0)
				return berth_error_set(err, errno, "seek log");
		}
	}
	*ret_first = first;
	return 0;
}

/* ---- follow -------------------------------------------------------------- */

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The log at path was replaced (rotation renamed it and created a new one):
 * true when path now names a different file than fd */
static bool log_replaced(const char *path, int fd)
{
	struct stat a, b;
	if (stat(path, &a) < 0)
		return false;
	if (fd < 0)
		return true;
	if (fstat(fd, &b) < 0)
		return true;
	return a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}

enum follow_wake {
	WAKE_CHANGE,
	WAKE_DONE,
	WAKE_END
};

static enum follow_wake follow_wait(struct logs_run *r, int ino, int done_fd)
{
	struct pollfd p[3] = {
		{ .fd = ino, .events = POLLIN },
		{ .fd = http_conn_fd(r->h), .events = POLLRDHUP },
		{ .fd = done_fd, .events = POLLIN },
	};
	int timeout = -1;
	if (r->o->until_ns != 0) {
		int64_t left = r->o->until_ns - now_ns();
		if (left <= 0)
			return WAKE_END;
		timeout = left / 1000000 > INT_MAX ? INT_MAX : (int)(left / 1000000) + 1;
	}
	int n;
	do
		n = poll(p, done_fd >= 0 ? 3 : 2, timeout);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		log_debug("logs: poll: %s", strerror(errno));
		return WAKE_END;
	}
	if (n == 0)
		return WAKE_END; /* until reached */
	if (p[1].revents & (POLLRDHUP | POLLHUP | POLLERR)) {
		r->gone = true;
		return WAKE_END;
	}
	if (p[2].revents)
		return WAKE_DONE;
	if (p[0].revents & POLLIN) {
		/* the events only say "look again"; drain them */
		char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
		while (read(ino, buf, sizeof(buf)) > 0)
			;
	}
	return WAKE_CHANGE;
}

static int follow(struct logs_run *r, const char *path, int *cur, int ino, int done_fd)
{
	bool done = false;
	for (;;) {
		if (*cur >= 0 && run_drain(r, *cur) < 0)
			return -1;
		if (r->stopped || r->gone)
			return 0;
		if (log_replaced(path, *cur)) {
			/* what was written to the old file before the rename
			 * was just drained; the new file starts at 0 */
			run_end_file(r);
			if (*cur >= 0)
				close(*cur);
			*cur = open_log(path);
			continue;
		}
		if (done)
			return 0;
		switch (follow_wait(r, ino, done_fd)) {
		case WAKE_END:
			return 0;
		case WAKE_DONE:
			/* one more pass reads what the container wrote last */
			done = true;
			break;
		case WAKE_CHANGE:
			break;
		}
	}
}

/* inotify on the log's directory: writes to the log and to the file it
 * was just renamed to, and the creation of a new log */
static int watch_dir(const char *path, berth_error_t **err)
{
	cleanup_close int ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (ino < 0)
		return berth_error_set(err, errno, "inotify_init1");
	const char *slash = strrchr(path, '/');
	cleanup_free char *dir = slash == NULL ? xstrdup(".") :
				 slash == path ? xstrdup("/") :
						 xstrndup(path, (size_t)(slash - path));
	if (inotify_add_watch(ino, dir,
			      IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE_SELF |
				      IN_MOVE_SELF) < 0)
		return berth_error_set(err, errno, "watch log directory '%s'", dir);
	return take_fd(&ino);
}

int logs_write(struct http_ctx *h, const char *log_path, const struct logs_opts *o, int done_fd,
	       berth_error_t **err)
{
	cleanup_close int ino = -1;
	/* the watch comes before the first read, so nothing written in
	 * between goes unnoticed */
	if (o->follow && (ino = watch_dir(log_path, err)) < 0)
		return berth_error_wrap(err, "follow log");
	struct log_files files = { 0 };
	if (log_files_open(log_path, &files, err) < 0)
		return -1;
	size_t first = 0;
	if (log_files_seek_tail(&files, o->tail, &first, err) < 0) {
		log_files_release(&files);
		return -1;
	}

	struct logs_run r = { .h = h, .o = o };
	log_formatter_init(&r.fmt, o);
	strbuf_init(&r.out, 0);
	strbuf_init(&r.line, 0);
	if (http_stream_begin(h, 200,
			      o->tty ? "application/vnd.docker.raw-stream" :
				       "application/vnd.docker.multiplexed-stream") < 0)
		r.gone = true;

	for (size_t i = first; i < files.n && !r.gone && !r.stopped; i++) {
		if (files.fds[i] < 0 || run_drain(&r, files.fds[i]) < 0)
			continue;
		if (i + 1 < files.n)
			run_end_file(&r);
	}
	if (o->follow && !r.gone && !r.stopped)
		follow(&r, log_path, &files.fds[files.n - 1], ino, done_fd);
	run_flush(&r);
	if (!r.gone)
		http_stream_end(h);
	strbuf_release(&r.out);
	strbuf_release(&r.line);
	log_files_release(&files);
	return 0;
}
