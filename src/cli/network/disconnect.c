/* disconnect: `berth network disconnect [-f] NETWORK CONTAINER`, POST
 * /networks/{network}/disconnect with {Container, Force}; prints nothing
 * on success, as docker's. */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "common/cleanup.h"
#include "common/xalloc.h"

static const struct cli_flag disconnect_flags[] = {
	{ "force", 'f', CLI_BOOL, NULL, NULL, "Force the container to disconnect from a network", 0,
	  NULL },
	CLI_FLAGS_END,
};

static int disconnect_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_json json_t *body = json_pack("{s:s, s:b}", "Container", cli_arg(args, 1), "Force",
					      cli_flag_bool(args, "force"));
	cleanup_free char *name = cli_escape(cli_arg(args, 0));
	cleanup_free char *path = xasprintf("/networks/%s/disconnect", name);
	if (cli_post_json(cli, path, body, NULL, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	return 0;
}

const struct cli_command cli_cmd_network_disconnect = {
	.name = "disconnect",
	.usage = "[OPTIONS] NETWORK CONTAINER",
	.summary = "Disconnect a container from a network",
	.flags = disconnect_flags,
	.min_args = 2,
	.max_args = 2,
	.complete = "networks containers",
	.run = disconnect_run,
};
