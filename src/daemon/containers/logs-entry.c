/* logs-entry: json-file log lines in, logs response bytes out (see
 * logs-entry.h).  Every input here comes from a file a container filled or
 * from a query string: parsing never trusts a length, a digit count or a
 * field type. */
#include "daemon/containers/logs-entry.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/xalloc.h"

#include "common/banned.h"

/* ---- entries ------------------------------------------------------------- */

int log_entry_parse(const char *line, size_t len, struct log_entry *ret, berth_error_t **err)
{
	if (len > LOG_LINE_MAX)
		return berth_error_fail(err, EINVAL,
					"log line of %zu bytes is over the %u byte cap", len,
					LOG_LINE_MAX);
	json_error_t jerr;
	/* depth: a log line is one flat object; jansson caps nesting itself */
	cleanup_json json_t *doc =
		json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (doc == NULL)
		return berth_error_fail(err, EINVAL, "log line is not JSON: %s", jerr.text);
	if (!json_is_object(doc))
		return berth_error_fail(err, EINVAL, "log line is not a JSON object");
	json_t *log = json_object_get(doc, "log"), *stream = json_object_get(doc, "stream");
	json_t *time = json_object_get(doc, "time");
	if (!json_is_string(log))
		return berth_error_fail(err, EINVAL, "log line has no string 'log'");
	if (!json_is_string(stream))
		return berth_error_fail(err, EINVAL, "log line has no string 'stream'");
	if (!json_is_string(time))
		return berth_error_fail(err, EINVAL, "log line has no string 'time'");
	enum stdcopy_stream s;
	if (strcmp(json_string_value(stream), "stdout") == 0)
		s = STDCOPY_STDOUT;
	else if (strcmp(json_string_value(stream), "stderr") == 0)
		s = STDCOPY_STDERR;
	else
		return berth_error_fail(err, EINVAL, "log line has unknown stream '%.32s'",
					json_string_value(stream));
	int64_t ns;
	if (log_time_parse_rfc3339(json_string_value(time), json_string_length(time), &ns) < 0)
		return berth_error_fail(err, EINVAL, "log line has a bad time '%.64s'",
					json_string_value(time));
	*ret = (struct log_entry){
		.log = json_string_value(log),
		.log_len = json_string_length(log),
		.stream = s,
		.time_ns = ns,
		.doc = steal_pointer(&doc),
	};
	return 0;
}

void log_entry_release(struct log_entry *e)
{
	json_decref(e->doc);
	e->doc = NULL;
	e->log = NULL;
}

/* ---- times --------------------------------------------------------------- */

/* secs and a fraction as ns; -1 outside what int64 ns hold (1677..2262) */
static int secs_to_ns(int64_t secs, int64_t frac, int64_t *ret_ns)
{
	int64_t ns;
	if (__builtin_mul_overflow(secs, (int64_t)1000000000, &ns) ||
	    __builtin_add_overflow(ns, frac, &ns))
		return -1;
	*ret_ns = ns;
	return 0;
}

/* n decimal digits at *p, advancing it; -1 when they are not all digits */
static int digits(const char **p, const char *end, int n, int *ret)
{
	if (end - *p < n)
		return -1;
	int v = 0;
	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*ret = v;
	return 0;
}

static int expect(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return -1;
	(*p)++;
	return 0;
}

/* Seconds since the epoch of a UTC civil time (days from civil: Howard
 * Hinnant's algorithm; no timegm, no locale, no overflow for 4-digit years) */
static int64_t civil_to_epoch(int y, int mon, int d, int h, int min, int s)
{
	y -= mon <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (mon + (mon > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = era * 146097 + doe - 719468;
	return days * 86400 + h * 3600 + min * 60 + s;
}

/* The date and time part shared by every layout; ret_secs is UTC-naive */
static int parse_civil(const char **p, const char *end, int *tm6)
{
	if (digits(p, end, 4, &tm6[0]) < 0 || expect(p, end, '-') < 0 ||
	    digits(p, end, 2, &tm6[1]) < 0 || expect(p, end, '-') < 0 ||
	    digits(p, end, 2, &tm6[2]) < 0)
		return -1;
	if (tm6[1] < 1 || tm6[1] > 12 || tm6[2] < 1 || tm6[2] > 31)
		return -1;
	return 0;
}

static int parse_clock(const char **p, const char *end, int *tm6)
{
	if (digits(p, end, 2, &tm6[3]) < 0 || expect(p, end, ':') < 0 ||
	    digits(p, end, 2, &tm6[4]) < 0 || expect(p, end, ':') < 0 ||
	    digits(p, end, 2, &tm6[5]) < 0)
		return -1;
	/* 60: a leap second, as Go accepts it */
	if (tm6[3] > 23 || tm6[4] > 59 || tm6[5] > 60)
		return -1;
	return 0;
}

/* ".123456789": up to 9 digits count; Go accepts more and truncates */
static int parse_frac(const char **p, const char *end, int64_t *ret_ns)
{
	*ret_ns = 0;
	if (*p >= end || **p != '.')
		return 0;
	(*p)++;
	int n = 0;
	int64_t scale = 100000000;
	while (*p < end && **p >= '0' && **p <= '9') {
		if (n < 9)
			*ret_ns += (**p - '0') * scale;
		scale /= 10;
		n++;
		(*p)++;
	}
	return n == 0 ? -1 : 0;
}

int log_time_parse_rfc3339(const char *s, size_t len, int64_t *ret_ns)
{
	const char *p = s, *end = s + len;
	int tm6[6];
	int64_t frac;
	if (parse_civil(&p, end, tm6) < 0 || expect(&p, end, 'T') < 0 ||
	    parse_clock(&p, end, tm6) < 0 || parse_frac(&p, end, &frac) < 0)
		return -1;
	int64_t off = 0;
	if (p < end && *p == 'Z') {
		p++;
	} else if (p < end && (*p == '+' || *p == '-')) {
		int sign = *p == '-' ? -1 : 1, oh, om;
		p++;
		if (digits(&p, end, 2, &oh) < 0 || expect(&p, end, ':') < 0 ||
		    digits(&p, end, 2, &om) < 0 || oh > 23 || om > 59)
			return -1;
		off = sign * (oh * 3600 + om * 60);
	} else {
		return -1;
	}
	if (p != end)
		return -1;
	int64_t secs = civil_to_epoch(tm6[0], tm6[1], tm6[2], tm6[3], tm6[4], tm6[5]) - off;
	return secs_to_ns(secs, frac, ret_ns);
}

void log_time_format(int64_t ns, char buf[LOG_TIME_LEN])
{
	int64_t secs = ns / 1000000000, frac = ns % 1000000000;
	if (frac < 0) {
		frac += 1000000000;
		secs--;
	}
	time_t t = (time_t)secs;
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0) {
		memcpy(buf, "0001-01-01T00:00:00.000000000Z", LOG_TIME_LEN);
		return;
	}
	/* strftime knows the field widths are bounded; the year is 0..9999 */
	size_t n = strftime(buf, LOG_TIME_LEN, "%Y-%m-%dT%H:%M:%S", &tm);
	if (n != 19) {
		memcpy(buf, "0001-01-01T00:00:00.000000000Z", LOG_TIME_LEN);
		return;
	}
	buf[19] = '.';
	for (int i = 28; i >= 20; i--) {
		buf[i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	buf[29] = 'Z';
	buf[30] = '\0';
}

/* Go's time.ParseDuration: [-+]?(number unit)+ with units ns us µs ms s m h */
static int parse_go_duration(const char *s, int64_t *ret_ns)
{
	static const struct {
		const char *name;
		int64_t ns;
	} units[] = {
		{ "ns", 1 },
		{ "us", 1000 },
		{ "\xc2\xb5s", 1000 }, /* µ, micro sign */
		{ "\xce\xbcs", 1000 }, /* μ, Greek mu */
		{ "ms", 1000000 },
		{ "s", 1000000000 },
		{ "m", 60LL * 1000000000 },
		{ "h", 3600LL * 1000000000 },
	};
	const char *p = s;
	int sign = 1;
	if (*p == '-' || *p == '+')
		sign = *p++ == '-' ? -1 : 1;
	if (*p == '\0')
		return -1;
	long double total = 0;
	while (*p) {
		long double v = 0, scale = 1;
		bool any = false;
		while (*p >= '0' && *p <= '9') {
			v = v * 10 + (*p++ - '0');
			any = true;
		}
		if (*p == '.') {
			p++;
			while (*p >= '0' && *p <= '9') {
				scale /= 10;
				v += (*p++ - '0') * scale;
				any = true;
			}
		}
		if (!any)
			return -1;
		size_t best = 0;
		int64_t mult = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t n = strlen(units[i].name);
			/* longest match: "ms" before "m" */
			if (strncmp(p, units[i].name, n) == 0 && n > best) {
				best = n;
				mult = units[i].ns;
			}
		}
		if (best == 0)
			return -1;
		p += best;
		total += v * (long double)mult;
		if (total > (long double)INT64_MAX)
			return -1;
	}
	*ret_ns = sign * (int64_t)total;
	return 0;
}

/* "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02T15", "2006-01-02":
 * local time, as docker's timetypes.GetTimestamp reads them */
static int parse_local_layout(const char *s, int64_t *ret_ns)
{
	const char *p = s, *end = s + strlen(s);
	int tm6[6] = { 0 };
	if (parse_civil(&p, end, tm6) < 0)
		return -1;
	if (p < end) {
		if (expect(&p, end, 'T') < 0 || digits(&p, end, 2, &tm6[3]) < 0)
			return -1;
		if (p < end && (expect(&p, end, ':') < 0 || digits(&p, end, 2, &tm6[4]) < 0))
			return -1;
		if (p < end && (expect(&p, end, ':') < 0 || digits(&p, end, 2, &tm6[5]) < 0))
			return -1;
		if (p != end || tm6[3] > 23 || tm6[4] > 59 || tm6[5] > 60)
			return -1;
	}
	struct tm tm = { .tm_year = tm6[0] - 1900,
			 .tm_mon = tm6[1] - 1,
			 .tm_mday = tm6[2],
			 .tm_hour = tm6[3],
			 .tm_min = tm6[4],
			 .tm_sec = tm6[5],
			 .tm_isdst = -1 };
	time_t t = mktime(&tm);
	if (t == (time_t)-1)
		return -1;
	return secs_to_ns((int64_t)t, 0, ret_ns);
}

/* "1700000000" or "1700000000.123": seconds and a fraction scaled to ns,
 * as moby's ParseTimestamps */
static int parse_unix(const char *s, int64_t *ret_ns)
{
	const char *p = s;
	bool neg = *p == '-';
	if (neg)
		p++;
	int64_t secs = 0;
	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9') {
		if (secs > (INT64_MAX / 1000000000 - 9) / 10)
			return -1;
		secs = secs * 10 + (*p++ - '0');
	}
	int64_t frac = 0;
	if (parse_frac(&p, p + strlen(p), &frac) < 0 || *p != '\0')
		return -1;
	int64_t ns = secs * 1000000000 + frac;
	*ret_ns = neg ? -ns : ns;
	return 0;
}

int logs_parse_time(const char *s, int64_t now_ns, int64_t *ret_ns, berth_error_t **err)
{
	int64_t ns;
	if (s == NULL || *s == '\0') {
		*ret_ns = 0;
		return 0;
	}
	if (strlen(s) > 64)
		return berth_error_fail(err, EINVAL, "invalid timestamp '%.64s...': too long", s);
	/* "0" is the epoch (no bound), not a zero duration */
	if (strcmp(s, "0") != 0 && parse_go_duration(s, &ns) == 0) {
		int64_t at;
		if (__builtin_sub_overflow(now_ns, ns, &at))
			return berth_error_fail(err, EINVAL, "invalid timestamp '%s': out of range",
						s);
		*ret_ns = at;
		return 0;
	}
	if (log_time_parse_rfc3339(s, strlen(s), &ns) == 0 || parse_local_layout(s, &ns) == 0 ||
	    parse_unix(s, &ns) == 0) {
		*ret_ns = ns;
		return 0;
	}
	return berth_error_fail(err, EINVAL,
				"invalid timestamp '%s': expected seconds since the epoch, "
				"RFC3339 or a duration like '10m'",
				s);
}

/* ---- output -------------------------------------------------------------- */

enum log_filter log_entry_filter(const struct logs_opts *o, const struct log_entry *e)
{
	if (o->until_ns != 0 && e->time_ns > o->until_ns)
		return LOG_STOP;
	if (e->stream == STDCOPY_STDOUT && !o->stdout_)
		return LOG_SKIP;
	if (e->stream == STDCOPY_STDERR && !o->stderr_)
		return LOG_SKIP;
	if (o->since_ns != 0 && e->time_ns < o->since_ns)
		return LOG_SKIP;
	return LOG_EMIT;
}

void log_formatter_init(struct log_formatter *f, const struct logs_opts *o)
{
	*f = (struct log_formatter){ .o = o };
}

void log_entry_format(struct log_formatter *f, const struct log_entry *e, struct strbuf *out)
{
	bool stamp = f->o->timestamps && !f->mid_line[e->stream];
	size_t payload = e->log_len + (stamp ? LOG_TIME_LEN : 0);
	if (!f->o->tty) {
		uint8_t hdr[STDCOPY_HEADER_SIZE];
		/* payload is capped by LOG_LINE_MAX through the parser */
		stdcopy_header(hdr, e->stream, (uint32_t)payload);
		strbuf_add(out, hdr, sizeof(hdr));
	}
	if (stamp) {
		char t[LOG_TIME_LEN];
		log_time_format(e->time_ns, t);
		strbuf_add(out, t, LOG_TIME_LEN - 1);
		strbuf_addch(out, ' ');
	}
	strbuf_add(out, e->log, e->log_len);
	if (e->log_len > 0)
		f->mid_line[e->stream] = e->log[e->log_len - 1] != '\n';
}
