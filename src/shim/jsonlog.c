/* jsonlog: the container's output as docker's json-file log: one object a
 * line, {"log":"text\n","stream":"stdout","time":"...Z"}.  Lines longer than
 * 16 KiB become partial entries without "\n" (as docker splits them); the
 * file rotates past max_size keeping max_file files (log, log.1, ...).  A
 * write failure is reported once and the output is still fanned out. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "shim/shim.h"

#define LINE_MAX_BYTES (16u << 10)

struct jsonlog {
	char *path;
	int fd;
	uint64_t size, max_size;
	unsigned max_file;
	struct strbuf pending[3]; /* by stream: 1 stdout, 2 stderr */
	bool warned;
};

int64_t time_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void time_format(int64_t ns, char *buf, size_t size)
{
	time_t sec = (time_t)(ns / 1000000000);
	struct tm tm;
	gmtime_r(&sec, &tm);
	char date[32];
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%09lldZ", date, (long long)(ns % 1000000000));
}

static int log_open_fd(struct jsonlog *l, berth_error_t **err)
{
	l->fd = open(l->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (l->fd < 0)
		return berth_error_set(err, errno, "open log '%s'", l->path);
	struct stat st;
	l->size = fstat(l->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	return 0;
}

int jsonlog_open(const char *path, uint64_t max_size, unsigned max_file, struct jsonlog **ret,
		 berth_error_t **err)
{
	struct jsonlog *l = xzalloc(sizeof(*l));
	l->path = xstrdup(path);
	l->max_size = max_size;
	l->max_file = max_file ? max_file : 1;
	for (int i = 0; i < 3; i++)
		strbuf_init(&l->pending[i], 0);
	if (log_open_fd(l, err) < 0) {
		jsonlog_free(l);
		return berth_error_codep(err);
	}
	*ret = l;
	return 0;
}

void jsonlog_free(struct jsonlog *l)
{
	if (!l)
		return;
	if (l->fd >= 0)
		close(l->fd);
	for (int i = 0; i < 3; i++)
		strbuf_release(&l->pending[i]);
	free(l->path);
	free(l);
}

/* Length of the valid UTF-8 sequence at p (1..4), 0 when invalid */
static size_t utf8_len(const unsigned char *p, size_t left)
{
	unsigned char c = p[0];
	size_t n;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (left < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/* JSON string content as Go's encoding/json writes it: invalid UTF-8
 * becomes U+FFFD, control characters are escaped */
static void json_escape(struct strbuf *sb, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		if (c >= 0x80) {
			size_t n = utf8_len(p + i, len - i);
			if (n == 0) {
				strbuf_addstr(sb, "\\ufffd");
				i++;
			} else {
				strbuf_add(sb, p + i, n);
				i += n;
			}
			continue;
		}
		switch (c) {
		case '"':
			strbuf_addstr(sb, "\\\"");
			break;
		case '\\':
			strbuf_addstr(sb, "\\\\");
			break;
		case '\n':
			strbuf_addstr(sb, "\\n");
			break;
		case '\r':
			strbuf_addstr(sb, "\\r");
			break;
		case '\t':
			strbuf_addstr(sb, "\\t");
			break;
		case '<':
		case '>':
		case '&':
			strbuf_addf(sb, "\\u%04x", c);
			break;
		default:
			if (c < 0x20)
				strbuf_addf(sb, "\\u%04x", c);
			else
				strbuf_addch(sb, (char)c);
		}
		i++;
	}
}

static void log_warn_once(struct jsonlog *l, const char *what, int e)
{
	if (l->warned)
		return;
	l->warned = true;
	log_warn("%s log '%s': %s, ignoring", what, l->path, strerror(e));
}

/* path -> path.1 -> ... -> path.(max_file-1), the oldest dropped */
static void log_rotate(struct jsonlog *l)
{
	close(l->fd);
	l->fd = -1;
	if (l->max_file > 1) {
		for (unsigned i = l->max_file - 1; i >= 1; i--) {
			char *from = i == 1 ? xstrdup(l->path) : xasprintf("%s.%u", l->path, i - 1);
			char *to = xasprintf("%s.%u", l->path, i);
			if (rename(from, to) < 0 && errno != ENOENT)
				log_warn_once(l, "rotate", errno);
			free(from);
			free(to);
		}
	} else if (truncate(l->path, 0) < 0) {
		log_warn_once(l, "truncate", errno);
	}
	berth_error_t *e = NULL;
	if (log_open_fd(l, &e) < 0) {
		log_warn_once(l, "reopen", e->errnum);
		berth_error_free(e);
	}
}

static void log_entry(struct jsonlog *l, int stream, const char *data, size_t len)
{
	char now[48];
	time_format(time_now_ns(), now, sizeof(now));
	struct strbuf sb = STRBUF_INIT;
	strbuf_grow(&sb, len + 80);
	strbuf_addstr(&sb, "{\"log\":\"");
	json_escape(&sb, data, len);
	strbuf_addf(&sb, "\",\"stream\":\"%s\",\"time\":\"%s\"}\n",
		    stream == 2 ? "stderr" : "stdout", now);
	if (l->max_size && l->size > 0 && l->size + sb.len > l->max_size)
		log_rotate(l);
	if (l->fd >= 0) {
		/* O_APPEND on a regular file: one write, whole or failed */
		ssize_t n = write(l->fd, sb.buf, sb.len);
		if (n < 0)
			log_warn_once(l, "write", errno);
		else
			l->size += (uint64_t)n;
	}
	strbuf_release(&sb);
}

void jsonlog_feed(struct jsonlog *l, int stream, const char *data, size_t len)
{
	struct strbuf *p = &l->pending[stream == 2 ? 2 : 1];
	while (len > 0) {
		const char *nl = memchr(data, '\n', len);
		size_t take = nl ? (size_t)(nl - data) + 1 : len;
		if (p->len + take > LINE_MAX_BYTES)
			take = LINE_MAX_BYTES - p->len;
		strbuf_add(p, data, take);
		data += take;
		len -= take;
		if (p->buf[p->len - 1] == '\n' || p->len >= LINE_MAX_BYTES) {
			log_entry(l, stream, p->buf, p->len);
			strbuf_reset(p);
		}
	}
}

void jsonlog_flush(struct jsonlog *l, int stream)
{
	struct strbuf *p = &l->pending[stream == 2 ? 2 : 1];
	if (p->len > 0)
		log_entry(l, stream, p->buf, p->len);
	strbuf_reset(p);
}
