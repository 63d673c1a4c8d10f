/* stop: `berth stop` and `berth restart [-s SIGNAL] [-t SECONDS]
 * CONTAINER...`, docker's container/stop.go and restart.go, which differ
 * only in the verb of POST /containers/{id}/<verb>.  Every container is
 * tried; the names that were stopped (restarted) are printed as given, the
 * errors follow on stderr and make the exit code 1, in that order, as
 * docker prints them. */
#include <errno.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/container/each.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

static const struct cli_flag stop_flags[] = {
	{ .name = "signal",
	  .shorthand = 's',
	  .type = CLI_STRING,
	  .usage = "Signal to send to the container",
	  .complete = "signals" },
	{ .name = "timeout",
	  .shorthand = 't',
	  .type = CLI_INT,
	  .usage = "Seconds to wait before killing the container" },
	{ .name = "time",
	  .type = CLI_INT,
	  .flags = CLI_FLAG_HIDDEN,
	  .usage = "Seconds to wait before killing the container (deprecated: use --timeout)" },
	CLI_FLAGS_END
};

/* POST /containers/{name}/<verb>?signal=..&t=.. for one container */
static int stop_verb(struct cli *cli, const struct cli_args *args, const char *name,
		     const char *verb, berth_error_t **err)
{
	cleanup_free char *id = cli_escape(name);
	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	strbuf_addf(&url, "/containers/%s/%s", id, verb);
	const char *sig = cli_flag_string(args, "signal");
	if (sig && *sig)
		cli_query_add(&url, "signal", sig);
	const char *tflag = cli_flag_changed(args, "timeout") ? "timeout" :
			    cli_flag_changed(args, "time")    ? "time" :
								NULL;
	if (tflag) {
		cleanup_free char *t = xasprintf("%lld", (long long)cli_flag_int(args, tflag));
		cli_query_add(&url, "t", t);
	}
	return cli_post_json(cli, url.buf, NULL, NULL, err);
}

static int stop_one(struct cli *cli, const struct cli_args *args, const char *name,
		    berth_error_t **err)
{
	return stop_verb(cli, args, name, "stop", err);
}

static int restart_one(struct cli *cli, const struct cli_args *args, const char *name,
		       berth_error_t **err)
{
	return stop_verb(cli, args, name, "restart", err);
}

static int stop_run(struct cli *cli, const struct cli_args *args)
{
	return container_each(cli, args, stop_one, 0);
}

static int restart_run(struct cli *cli, const struct cli_args *args)
{
	return container_each(cli, args, restart_one, 0);
}

const struct cli_command cli_cmd_stop = {
	.name = "stop",
	.usage = "[OPTIONS] CONTAINER [CONTAINER...]",
	.summary = "Stop one or more running containers",
	.flags = stop_flags,
	.min_args = 1,
	.max_args = -1,
	.complete = "running",
	.run = stop_run,
};

const struct cli_command cli_cmd_restart = {
	.name = "restart",
	.usage = "[OPTIONS] CONTAINER [CONTAINER...]",
	.summary = "Restart one or more containers",
	.flags = stop_flags,
	.min_args = 1,
	.max_args = -1,
	.complete = "containers",
	.run = restart_run,
};
