/* start: release a created container's init to exec process.args (runc
 * start); fails with the init's own error when that exec fails, e.g.
 * 'exec: "x": executable file not found in $PATH'. */
#include <getopt.h>

#include "runtime-cli/cli.h"

int cmd_start(struct cli *cli, int argc, char **argv, berth_error_t **err)
{
	static const struct option opts[] = { { NULL, 0, NULL, 0 } };
	if (getopt_long(argc, argv, "+", opts, NULL) != -1)
		return cli_bad_option("start", err);
	if (cli_args("start", argc, argv, 1, err) < 0)
		return -1;
	return container_start(&cli->rt, argv[optind], err) < 0 ? -1 : 0;
}
