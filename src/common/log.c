/* log: one line per message, written with a single write(2) so that lines
 * from several processes sharing a log file never interleave. */
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "common/strbuf.h"
#include "common/xalloc.h"

static struct {
	enum log_level level;
	enum log_format format;
	int fd;      /* -1: stderr */
	bool own_fd; /* fd was opened by log_set_file */
	const char *prog;
} log_state = { LOG_LEVEL_WARN, LOG_FORMAT_TEXT, -1, false, NULL };

static const char *const level_names[] = {
	[LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_WARN] = "warning",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

const char *log_level_name(enum log_level level)
{
	if ((unsigned)level > LOG_LEVEL_DEBUG)
		return "unknown";
	return level_names[level];
}

int log_level_parse(const char *s, enum log_level *ret, berth_error_t **err)
{
	static const struct {
		const char *name;
		enum log_level level;
	} names[] = {
		{ "error", LOG_LEVEL_ERROR },  { "fatal", LOG_LEVEL_ERROR },
		{ "panic", LOG_LEVEL_ERROR },  { "warn", LOG_LEVEL_WARN },
		{ "warning", LOG_LEVEL_WARN }, { "info", LOG_LEVEL_INFO },
		{ "debug", LOG_LEVEL_DEBUG },  { "trace", LOG_LEVEL_DEBUG },
	};
	for (size_t i = 0; s && i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(s, names[i].name) == 0) {
			*ret = names[i].level;
			return 0;
		}
	}
	return berth_error_fail(err, EINVAL,
				"unknown log level '%s' (use error, warn, info or debug)",
				s ? s : "");
}

int log_format_parse(const char *s, enum log_format *ret, berth_error_t **err)
{
	if (s && strcmp(s, "text") == 0) {
		*ret = LOG_FORMAT_TEXT;
		return 0;
	}
	if (s && strcmp(s, "json") == 0) {
		*ret = LOG_FORMAT_JSON;
		return 0;
	}
	return berth_error_fail(err, EINVAL, "unknown log format '%s' (use text or json)",
				s ? s : "");
}

void log_set_prog(const char *prog)
{
	log_state.prog = prog;
}

void log_set_level(enum log_level level)
{
	log_state.level = level;
}

enum log_level log_get_level(void)
{
	return log_state.level;
}

void log_set_format(enum log_format format)
{
	log_state.format = format;
}

static void log_close_own(void)
{
	if (log_state.own_fd && log_state.fd >= 0)
		close(log_state.fd);
	log_state.fd = -1;
	log_state.own_fd = false;
}

void log_set_fd(int fd)
{
	log_close_own();
	log_state.fd = fd;
}

int log_set_file(const char *path, berth_error_t **err)
{
	if (path == NULL || *path == '\0') {
		log_close_own();
		return 0;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0640);
	if (fd < 0)
		return berth_error_set(err, errno, "open log file '%s'", path);
	log_close_own();
	log_state.fd = fd;
	log_state.own_fd = true;
	return 0;
}

/* RFC 3339 with nanoseconds in UTC, as logrus and docker write times */
static void log_timestamp(struct strbuf *sb)
{
	struct timespec ts;
	struct tm tm;
	char buf[32];
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	strbuf_addf(sb, "%s.%09ldZ", buf, ts.tv_nsec);
}

static void log_write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	if (level > log_state.level)
		return;
	int saved = errno;
	struct strbuf msg = STRBUF_INIT, line = STRBUF_INIT;
	strbuf_vaddf(&msg, fmt, ap);
	if (log_state.format == LOG_FORMAT_JSON) {
		strbuf_addf(&line, "{\"level\":\"%s\",\"msg\":", log_level_name(level));
		json_t *s = json_stringn(msg.buf, msg.len);
		if (s == NULL) /* not UTF-8: keep the line valid JSON anyway */
			s = json_string("(message is not valid UTF-8)");
		char *enc = json_dumps(s, JSON_ENCODE_ANY);
		strbuf_addstr(&line, enc ? enc : "\"\"");
		free(enc);
		json_decref(s);
		strbuf_addstr(&line, ",\"time\":\"");
		log_timestamp(&line);
		strbuf_addstr(&line, "\"}\n");
	} else {
		if (log_state.fd >= 0) {
			log_timestamp(&line);
			strbuf_addch(&line, ' ');
		}
		if (log_state.prog)
			strbuf_addf(&line, "%s: ", log_state.prog);
		if (level != LOG_LEVEL_ERROR)
			strbuf_addf(&line, "%s: ", log_level_name(level));
		strbuf_add(&line, msg.buf, msg.len);
		strbuf_addch(&line, '\n');
	}
	log_write_all(log_state.fd >= 0 ? log_state.fd : STDERR_FILENO, line.buf, line.len);
	strbuf_release(&msg);
	strbuf_release(&line);
	errno = saved;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
