/* log: leveled logging to stderr or a file, as text or as JSON lines.
 * The JSON form is logrus's ({"level":..,"msg":..,"time":..}) because
 * containerd parses runc's --log-format json and berthd uses it too.
 * Library code logs only at debug level; programs choose the sink. */
#ifndef BERTH_COMMON_LOG_H
#define BERTH_COMMON_LOG_H

#include <stdarg.h>
#include <stdbool.h>

#include "common/error.h"

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

enum log_format {
	LOG_FORMAT_TEXT = 0,
	LOG_FORMAT_JSON,
};

/* Parse "error" | "warn" | "warning" | "info" | "debug" */
int log_level_parse(const char *s, enum log_level *ret, berth_error_t **err);
/* Parse "text" | "json" */
int log_format_parse(const char *s, enum log_format *ret, berth_error_t **err);
const char *log_level_name(enum log_level level);

/* Set the program name shown in text lines (borrowed; keep it alive) */
void log_set_prog(const char *prog);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
void log_set_format(enum log_format format);
/* Send log lines to path (opened O_APPEND|O_CLOEXEC) instead of stderr.
 * NULL or "" restores stderr. */
int log_set_file(const char *path, berth_error_t **err);
/* Send log lines to fd (not owned; -1 restores stderr) */
void log_set_fd(int fd);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)                                         \
	do {                                                   \
		if (log_get_level() >= LOG_LEVEL_DEBUG)        \
			log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__); \
	} while (0)

#endif
