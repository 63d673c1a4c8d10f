/* pause: `berth pause CONTAINER...`, docker's container/pause.go.
 * Every container is tried; the names paused are printed as given, the
 * errors follow on stderr and make the exit code 1. */
#include <errno.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/container/each.h"
#include "common/cleanup.h"
#include "common/strbuf.h"

static int pause_one(struct cli *cli, const struct cli_args *args, const char *name,
		     berth_error_t **err)
{
	cleanup_free char *id = cli_escape(name);
	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	strbuf_addf(&url, "/containers/%s/pause", id);
	return cli_post_json(cli, url.buf, NULL, NULL, err);
}

static int pause_run(struct cli *cli, const struct cli_args *args)
{
	return container_each(cli, args, pause_one, 0);
}

const struct cli_command cli_cmd_pause = {
	.name = "pause",
	.usage = "CONTAINER [CONTAINER...]",
	.summary = "Pause all processes within one or more containers",
	.min_args = 1,
	.max_args = -1,
	.complete = "running",
	.run = pause_run,
};
