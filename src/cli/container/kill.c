/* kill: `berth kill [-s SIGNAL] CONTAINER...`, docker's container/kill.go.
 * Every container is tried; the names killed are printed as given, the
 * errors follow on stderr and make the exit code 1. */
#include <errno.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/container/each.h"
#include "common/cleanup.h"
#include "common/strbuf.h"

static const struct cli_flag kill_flags[] = { { .name = "signal",
						.shorthand = 's',
						.type = CLI_STRING,
						.usage = "Signal to send to the container",
						.complete = "signals" },
					      CLI_FLAGS_END };

static int kill_one(struct cli *cli, const struct cli_args *args, const char *name,
		    berth_error_t **err)
{
	cleanup_free char *id = cli_escape(name);
	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	strbuf_addf(&url, "/containers/%s/kill", id);
	const char *sig = cli_flag_string(args, "signal");
	if (sig && *sig)
		cli_query_add(&url, "signal", sig);
	return cli_post_json(cli, url.buf, NULL, NULL, err);
}

static int kill_run(struct cli *cli, const struct cli_args *args)
{
	return container_each(cli, args, kill_one, 0);
}

const struct cli_command cli_cmd_kill = {
	.name = "kill",
	.usage = "[OPTIONS] CONTAINER [CONTAINER...]",
	.summary = "Kill one or more running containers",
	.flags = kill_flags,
	.min_args = 1,
	.max_args = -1,
	.complete = "running",
	.run = kill_run,
};
