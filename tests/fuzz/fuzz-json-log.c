/* fuzz-json-log: libFuzzer target for the json-file log reader's pure half
 * (src/daemon/containers/logs-entry.c): every line of the input goes
 * through log_entry_parse, the filter and the formatter (raw and stdcopy,
 * with timestamps), and the first line through logs_parse_time.
 * Invariants: no crash, leak or sanitizer report; a parsed entry has a
 * known stream and a log inside its line's bounds; a frame's header says
 * its payload's length; a time that formats parses back to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* One translation unit: the target carries its own copy of the code under
 * test, so that it needs nothing of the daemon (the HTTP half of logs.c) */
#include "../../src/daemon/containers/logs-entry.c" /* NOLINT(bugprone-suspicious-include) */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_entry(const struct log_entry *e, size_t line_len)
{
	if (e->stream != STDCOPY_STDOUT && e->stream != STDCOPY_STDERR)
		abort();
	if (e->log_len > line_len)
		abort(); /* JSON escapes only ever shrink */
	char t[LOG_TIME_LEN];
	log_time_format(e->time_ns, t);
	int64_t back;
	if (strcmp(t, "0001-01-01T00:00:00.000000000Z") != 0 &&
	    (log_time_parse_rfc3339(t, strlen(t), &back) < 0 || back != e->time_ns))
		abort();
}

static void format_both(const struct log_entry *e)
{
	for (int tty = 0; tty < 2; tty++) {
		struct logs_opts o = {
			.stdout_ = true, .stderr_ = true, .timestamps = true, .tail = -1, .tty = tty
		};
		struct log_formatter f;
		log_formatter_init(&f, &o);
		struct strbuf out;
		strbuf_init(&out, 0);
		if (log_entry_filter(&o, e) == LOG_EMIT)
			log_entry_format(&f, e, &out);
		if (!tty) {
			enum stdcopy_stream s;
			uint32_t len;
			if (out.len < STDCOPY_HEADER_SIZE ||
			    stdcopy_parse((const uint8_t *)out.buf, &s, &len) < 0 ||
			    s != e->stream || len != out.len - STDCOPY_HEADER_SIZE)
				abort();
		}
		strbuf_release(&out);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	/* the first line also as a since/until value */
	const char *nl = memchr(p, '\n', size);
	size_t first = nl ? (size_t)(nl - p) : size;
	if (first < 128) {
		char s[128];
		memcpy(s, p, first);
		s[first] = '\0';
		int64_t ns;
		berth_error_t *err = NULL;
		if (logs_parse_time(s, 1700000000LL * 1000000000, &ns, &err) < 0 && err == NULL)
			abort(); /* a refusal carries a message */
		berth_error_free(err);
	}
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct log_entry e;
		berth_error_t *err = NULL;
		if (log_entry_parse(p, len, &e, &err) == 0) {
			check_entry(&e, len);
			format_both(&e);
			log_entry_release(&e);
		} else if (err == NULL) {
			abort();
		}
		berth_error_free(err);
		p += len + (nl ? 1 : 0);
	}
	return 0;
}
