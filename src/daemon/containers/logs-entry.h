/* logs-entry: the pure half of logs.c: one json-file log line parsed into
 * an entry, docker's time values, and an entry turned into the bytes of a
 * logs response (raw or stdcopy frames).  No I/O here, so that unit tests
 * and the fuzzer (tests/fuzz/fuzz-json-log.c) drive it directly. */
#ifndef BERTH_DAEMON_CONTAINERS_LOGS_ENTRY_H
#define BERTH_DAEMON_CONTAINERS_LOGS_ENTRY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/stdcopy.h"
#include "common/strbuf.h"
#include "daemon/containers/logs.h"

/* One log line is at most this long: the shim splits output at 16 KiB, and
 * JSON escaping grows a byte to at most 6 ("\u0000") */
#define LOG_LINE_MAX (128u << 10)
/* "2006-01-02T15:04:05.000000000Z" and a NUL */
#define LOG_TIME_LEN 31

struct log_entry {
	const char *log; /* borrowed from doc */
	size_t log_len;
	enum stdcopy_stream stream; /* STDCOPY_STDOUT or STDCOPY_STDERR */
	int64_t time_ns;
	json_t *doc; /* owned */
};

/* Parse one line (without its "\n") of a json-file log: an object with a
 * string "log", "stream" "stdout" or "stderr" and an RFC3339 "time".
 * EINVAL naming what is wrong otherwise.  Release *ret with
 * log_entry_release. */
int log_entry_parse(const char *line, size_t len, struct log_entry *ret, berth_error_t **err);
void log_entry_release(struct log_entry *e);

/* An RFC3339 time ("2006-01-02T15:04:05[.frac](Z|+07:00)") of exactly len
 * bytes as ns since the epoch; -1 when it is not one */
int log_time_parse_rfc3339(const char *s, size_t len, int64_t *ret_ns);
/* ns as docker's RFC3339NanoFixed in UTC: "2006-01-02T15:04:05.000000000Z" */
void log_time_format(int64_t ns, char buf[LOG_TIME_LEN]);

enum log_filter {
	LOG_SKIP, /* not asked for (stream, before since) */
	LOG_EMIT,
	LOG_STOP, /* past until: this and every later entry are left out */
};
enum log_filter log_entry_filter(const struct logs_opts *o, const struct log_entry *e);

/* Turns entries into response bytes.  A line longer than 16 KiB comes as
 * several entries, all but the last without "\n"; the timestamp prefix
 * goes only before the first piece, so that a split line still reads as
 * one line. */
struct log_formatter {
	const struct logs_opts *o; /* not owned */
	bool mid_line[3];          /* per stream: the last entry did not end a line */
};
void log_formatter_init(struct log_formatter *f, const struct logs_opts *o);
/* Append e as the client sees it to out: the raw text with tty, else one
 * stdcopy frame on e's stream */
void log_entry_format(struct log_formatter *f, const struct log_entry *e, struct strbuf *out);

#endif
