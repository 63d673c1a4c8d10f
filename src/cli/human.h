/* human: the numbers and times people read, exactly as docker's go-units
 * prints them: sizes in decimal units with 3 significant digits ("12.3MB",
 * "1.05GB", "0B"), binary sizes for stats ("1.5MiB"), durations ("Less
 * than a second", "About a minute", "2 minutes", "3 hours", "2 days"), and
 * "... ago" times. */
#ifndef BERTH_CLI_HUMAN_H
#define BERTH_CLI_HUMAN_H

#include <stdint.h>

#include "common/error.h"

#define HUMAN_BUF 48

/* units.HumanSizeWithPrecision(size, 3): "12.3MB"; returns buf */
const char *human_size(double bytes, char buf[static HUMAN_BUF]);
/* units.HumanSize (4 significant digits, prune's "Total reclaimed
 * space"): "1.235kB"; returns buf */
const char *human_size4(double bytes, char buf[static HUMAN_BUF]);
/* units.BytesSize: "1.5MiB"; returns buf */
const char *human_bytes(double bytes, char buf[static HUMAN_BUF]);
/* units.HumanDuration of seconds: "About a minute"; returns buf */
const char *human_duration(int64_t seconds, char buf[static HUMAN_BUF]);
/* human_duration(now - unix_seconds) + " ago"; returns buf */
const char *human_ago(int64_t unix_seconds, char buf[static HUMAN_BUF]);
/* Parse RFC 3339 ("2026-11-30T15:01:52.123456789Z", offsets too) to unix
 * seconds and nanoseconds; < 0 on a malformed time */
int human_parse_time(const char *rfc3339, int64_t *ret_sec, int32_t *ret_nsec);
/* docker's timestamp arguments (--since/--until of logs, events): RFC 3339,
 * a unix time "1700000000[.nnn]", or a duration relative to now ("10m",
 * "1h30m"); writes the API form "seconds.nanoseconds" into buf */
int human_time_arg(const char *arg, char buf[static HUMAN_BUF], berth_error_t **err);

#endif
