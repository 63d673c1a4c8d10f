/* human: sizes, durations and times as docker's go-units and
 * api/types/time print and parse them.  Every function is pure except the
 * ones that read the clock (human_ago, human_time_arg for durations); the
 * text must match docker byte for byte, since the tests compare the two. */
#include "cli/human.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const decimal_units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB" };
static const char *const binary_units[] = { "B",   "KiB", "MiB", "GiB", "TiB",
					    "PiB", "EiB", "ZiB", "YiB" };

/* go-units getSizeAndUnit: divide until below base or out of units */
static double size_and_unit(double size, double base, const char *const *units, size_t n,
			    const char **unit)
{
	size_t i = 0;
	while (size >= base && i < n - 1) {
		size /= base;
		i++;
	}
	*unit = units[i];
	return size;
}

/* Go's %.3g and C's agree for these magnitudes.  Like current go-units,
 * 999.5 of a unit prints "1000MB" rather than "1e+03MB". */
const char *human_size(double bytes, char buf[static HUMAN_BUF])
{
	const char *unit;
	double v = size_and_unit(bytes, 1000.0, decimal_units, 9, &unit);
	snprintf(buf, HUMAN_BUF, "%.3g%s", v, unit);
	if (strpbrk(buf, "eE"))
		snprintf(buf, HUMAN_BUF, "%.0f%s", v, unit);
	return buf;
}

const char *human_size4(double bytes, char buf[static HUMAN_BUF])
{
	const char *unit;
	double v = size_and_unit(bytes, 1000.0, decimal_units, 9, &unit);
	snprintf(buf, HUMAN_BUF, "%.4g%s", v, unit);
	return buf;
}

const char *human_bytes(double bytes, char buf[static HUMAN_BUF])
{
	const char *unit;
	double v = size_and_unit(bytes, 1024.0, binary_units, 9, &unit);
	snprintf(buf, HUMAN_BUF, "%.4g%s", v, unit);
	return buf;
}

/* units.HumanDuration (go-units 0.5, which docker 28 vendors): seconds and
 * minutes truncated, hours rounded, then whole days, weeks and months of
 * those hours, and years of the truncated hours */
const char *human_duration(int64_t seconds, char buf[static HUMAN_BUF])
{
	int64_t minutes = seconds / 60;
	int64_t hours = (int64_t)((double)seconds / 3600.0 + 0.5);
	if (seconds < 1)
		snprintf(buf, HUMAN_BUF, "Less than a second");
	else if (seconds == 1)
		snprintf(buf, HUMAN_BUF, "1 second");
	else if (seconds < 60)
		snprintf(buf, HUMAN_BUF, "%" PRId64 " seconds", seconds);
	else if (minutes == 1)
		snprintf(buf, HUMAN_BUF, "About a minute");
	else if (minutes < 60)
		snprintf(buf, HUMAN_BUF, "%" PRId64 " minutes", minutes);
	else if (hours == 1)
		snprintf(buf, HUMAN_BUF, "About an hour");
	else if (hours < 48)
		snprintf(buf, HUMAN_BUF, "%" PRId64 " hours", hours);
	else if (hours < 24 * 7 * 2)
		snprintf(buf, HUMAN_BUF, "%" PRId64 " days", hours / 24);
	else if (hours < 24 * 30 * 2)
		snprintf(buf, HUMAN_BUF, "%" PRId64 " weeks", hours / 24 / 7);
	else if (hours < 24 * 365 * 2)
		snprintf(buf, HUMAN_BUF, "%" PRId64 " months", hours / 24 / 30);
	else
		snprintf(buf, HUMAN_BUF, "%" PRId64 " years", seconds / 3600 / 24 / 365);
	return buf;
}

const char *human_ago(int64_t unix_seconds, char buf[static HUMAN_BUF])
{
	/* the longest duration ("Less than a second", "N years") leaves room */
	human_duration((int64_t)time(NULL) - unix_seconds, buf);
	size_t n = strlen(buf);
	if (n + sizeof(" ago") <= HUMAN_BUF)
		memcpy(buf + n, " ago", sizeof(" ago"));
	return buf;
}

/* Read exactly n digits at *p */
static bool digits(const char **p, int n, int *ret)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*ret = v;
	return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil), so no timegm/TZ games are needed */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool valid_date(int y, int m, int d)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m < 1 || m > 12 || d < 1)
		return false;
	return d <= mdays[m - 1] + (m == 2 && leap(y));
}

/* The pieces of docker's timestamp layouts: a date, an optional "T" with
 * hours and optionally minutes, seconds and a fraction, an optional zone.
 * need_* say which pieces the layout asks for. */
struct time_parts {
	int y, mo, d, h, mi, s;
	int32_t nsec;
	bool has_zone;
	int zone_sec; /* east of UTC */
};

static bool parse_zone(const char **p, struct time_parts *t)
{
	const char *s = *p;
	if (*s == 'Z' || *s == 'z') {
		t->has_zone = true;
		t->zone_sec = 0;
		*p = s + 1;
		return true;
	}
	if (*s != '+' && *s != '-')
		return false;
	int sign = *s == '-' ? -1 : 1, zh, zm;
	s++;
	if (!digits(&s, 2, &zh) || *s++ != ':' || !digits(&s, 2, &zm) || zh > 23 || zm > 59)
		return false;
	t->has_zone = true;
	t->zone_sec = sign * (zh * 3600 + zm * 60);
	*p = s;
	return true;
}

/* colons: how many of hh:mm:ss the layout has after 'T' (0 = hh only);
 * -1 = no T part at all.  A fraction is only accepted after seconds. */
static bool parse_parts(const char *s, int colons, bool zone, struct time_parts *t)
{
	memset(t, 0, sizeof(*t));
	if (!digits(&s, 4, &t->y) || *s++ != '-' || !digits(&s, 2, &t->mo) || *s++ != '-' ||
	    !digits(&s, 2, &t->d) || !valid_date(t->y, t->mo, t->d))
		return false;
	if (colons >= 0) {
		if (*s != 'T' && *s != 't')
			return false;
		s++;
		if (!digits(&s, 2, &t->h) || t->h > 23)
			return false;
		if (colons >= 1 && (*s++ != ':' || !digits(&s, 2, &t->mi) || t->mi > 59))
			return false;
		if (colons >= 2 && (*s++ != ':' || !digits(&s, 2, &t->s) || t->s > 59))
			return false;
		if (colons >= 2 && *s == '.') {
			s++;
			int n = 0;
			int64_t frac = 0;
			while (isdigit((unsigned char)*s)) {
				if (n < 9)
					frac = frac * 10 + (*s - '0');
				n++;
				s++;
			}
			if (n == 0)
				return false;
			for (int i = n; i < 9; i++)
				frac *= 10;
			t->nsec = (int32_t)frac;
		}
	}
	if (zone && !parse_zone(&s, t))
		return false;
	return *s == '\0';
}

static int64_t parts_to_unix(const struct time_parts *t, int local_offset)
{
	int64_t days = days_from_civil(t->y, t->mo, t->d);
	int64_t secs = days * 86400 + t->h * 3600 + t->mi * 60 + t->s;
	return secs - (t->has_zone ? t->zone_sec : local_offset);
}

int human_parse_time(const char *rfc3339, int64_t *ret_sec, int32_t *ret_nsec)
{
	struct time_parts t;
	if (!rfc3339 || !parse_parts(rfc3339, 2, true, &t))
		return -1;
	*ret_sec = parts_to_unix(&t, 0);
	*ret_nsec = t.nsec;
	return 0;
}

/* Go's time.ParseDuration: [-+]?([0-9]*(\.[0-9]*)?[a-z]+)+, or "0" */
static bool parse_go_duration(const char *s, double *ret_seconds)
{
	static const struct {
		const char *unit;
		double sec;
	} units[] = { { "ns", 1e-9 }, { "us", 1e-6 }, { "\xc2\xb5s", 1e-6 }, { "\xce\xbcs", 1e-6 },
		      { "ms", 1e-3 }, { "s", 1 },     { "m", 60 },           { "h", 3600 } };
	double sign = 1, total = 0;
	if (*s == '-' || *s == '+')
		sign = *s++ == '-' ? -1 : 1;
	if (strcmp(s, "0") == 0) {
		*ret_seconds = 0;
		return true;
	}
	if (*s == '\0')
		return false;
	while (*s) {
		if (!isdigit((unsigned char)*s) && *s != '.')
			return false;
		const char *start = s;
		double v = 0, scale = 1;
		bool any = false, frac = false;
		for (; isdigit((unsigned char)*s) || (*s == '.' && !frac); s++) {
			if (*s == '.') {
				frac = true;
				continue;
			}
			any = true;
			if (frac) {
				scale /= 10;
				v += (*s - '0') * scale;
			} else {
				v = v * 10 + (*s - '0');
			}
		}
		if (!any || s == start)
			return false;
		size_t best = 0;
		double mult = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t n = strlen(units[i].unit);
			if (strncmp(s, units[i].unit, n) == 0 && n > best) {
				best = n;
				mult = units[i].sec;
			}
		}
		if (!best)
			return false;
		s += best;
		total += v * mult;
	}
	*ret_seconds = sign * total;
	return true;
}

/* The local zone's offset east of UTC at now (docker parses zone-less
 * times "in location", the reference's zone) */
static int local_offset_now(void)
{
	time_t now = time(NULL);
	struct tm tm;
	if (!localtime_r(&now, &tm))
		return 0;
	return (int)tm.tm_gmtoff;
}

static size_t count_char(const char *s, char c)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == c;
	return n;
}

/* docker's parseTimestamp check of "seconds[.nanoseconds]" */
static bool unix_timestamp(const char *s)
{
	const char *dot = strchr(s, '.');
	size_t n = dot ? (size_t)(dot - s) : strlen(s);
	if (n == 0 && !dot)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]) && !(i == 0 && s[i] == '-'))
			return false;
	if (dot) {
		if (!dot[1])
			return false;
		for (const char *p = dot + 1; *p; p++)
			if (!isdigit((unsigned char)*p))
				return false;
	}
	return true;
}

/* GetTimestamp of docker/api/types/time/timestamp.go, step by step */
int human_time_arg(const char *arg, char buf[static HUMAN_BUF], berth_error_t **err)
{
	double dsec;
	if (strlen(arg) >= HUMAN_BUF)
		return berth_error_fail(err, EINVAL,
					"failed to parse value as time or duration: \"%.40s...\"",
					arg);
	if (strcmp(arg, "0") != 0 && parse_go_duration(arg, &dsec)) {
		/* reference.Add(-d).Unix(): whole seconds, floored */
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		double t = (double)now.tv_sec + now.tv_nsec / 1e9 - dsec;
		snprintf(buf, HUMAN_BUF, "%" PRId64, (int64_t)floor(t));
		return 0;
	}
	bool in_location = !strpbrk(arg, "zZ+") && count_char(arg, '-') != 3;
	int colons = -1;
	if (strchr(arg, '.')) {
		colons = 2;
	} else if (strchr(arg, 'T')) {
		int tc = (int)count_char(arg, ':');
		if (!in_location && !strpbrk(arg, "zZ") && tc > 0)
			tc--;
		colons = tc > 2 ? 2 : tc;
	}
	struct time_parts t;
	if (parse_parts(arg, colons, !in_location, &t)) {
		snprintf(buf, HUMAN_BUF, "%" PRId64 ".%09" PRId32,
			 parts_to_unix(&t, local_offset_now()), t.nsec);
		return 0;
	}
	/* docker: with a '-' it was meant as a date, and Go's parse error is
	 * returned (its wording names Go layouts; ours names the input) */
	if (strchr(arg, '-'))
		return berth_error_fail(err, EINVAL,
					"parsing time \"%s\": not a valid RFC 3339 time", arg);
	if (!unix_timestamp(arg))
		return berth_error_fail(err, EINVAL,
					"failed to parse value as time or duration: \"%s\"", arg);
	memcpy(buf, arg, strlen(arg) + 1); /* shorter than HUMAN_BUF, checked above */
	return 0;
}
