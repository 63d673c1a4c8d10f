/* events: container statistics and OOM notices as JSON lines (runc
 * events): --stats prints one stats event; otherwise a stats event every
 * --interval (default 5s) until the container stops. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/parse.h"
#include "runtime-cli/cli.h"

#define EVENTS_MAX_INTERVAL_MS 86400000

/* "5s", "250ms", "1m", or plain seconds; 1 ms to a day */
static int parse_interval(const char *s, unsigned *ret_ms, berth_error_t **err)
{
	static const struct {
		const char *suffix;
		unsigned ms;
	} units[] = { { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "", 1000 } };
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t ls = strlen(s), lu = strlen(units[i].suffix);
		if (ls <= lu || strcmp(s + ls - lu, units[i].suffix) != 0)
			continue;
		char num[32];
		if (ls - lu >= sizeof(num))
			break;
		memcpy(num, s, ls - lu);
		num[ls - lu] = '\0';
		int64_t v;
		/* at most a day in any unit: "100000m" must not wrap around */
		if (parse_int_range(num, 1, EVENTS_MAX_INTERVAL_MS / units[i].ms, &v, NULL) < 0)
			continue;
		*ret_ms = (unsigned)v * units[i].ms;
		return 0;
	}
	return berth_error_fail(err, EINVAL, "--interval: invalid duration '%s'", s);
}

static void print_event(const json_t *ev, void *opaque)
{
	cli_print_json(ev, JSON_COMPACT);
}

int cmd_events(struct cli *cli, int argc, char **argv, berth_error_t **err)
{
	static const struct option opts[] = { { "stats", no_argument, NULL, 's' },
					      { "interval", required_argument, NULL, 'i' },
					      { NULL, 0, NULL, 0 } };
	bool stats = false;
	unsigned interval = 5000;
	int c;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 's')
			stats = true;
		else if (c == 'i') {
			if (parse_interval(optarg, &interval, err) < 0)
				return -1;
		} else
			return cli_bad_option("events", err);
	}
	if (cli_args("events", argc, argv, 1, err) < 0)
		return -1;
	if (!stats)
		return container_events(&cli->rt, argv[optind], interval, print_event, NULL, err) <
				       0 ?
			       -1 :
			       0;
	cleanup_json json_t *ev = NULL;
	if (container_stats_event(&cli->rt, argv[optind], &ev, err) < 0)
		return -1;
	cli_print_json(ev, JSON_COMPACT);
	return 0;
}
