/* run: create and start in one go (runc run).  In the foreground it waits
 * for the container, forwards signals, proxies a pty that has no console
 * socket, exits with the container's code and deletes it unless --keep. */
#include <getopt.h>

#include "runtime-cli/cli.h"
#include "runtime-cli/create-opts.h"

int cmd_run(struct cli *cli, int argc, char **argv, berth_error_t **err)
{
	struct container_run_opts o = { 0 };
	int code = 0;
	if (create_opts_parse(argc, argv, &o.create, &o, err) < 0 ||
	    cli_args("run", argc, argv, 1, err) < 0)
		return -1;
	o.create.id = argv[optind];
	if (container_run(&cli->rt, &o, &code, err) < 0)
		return -1;
	return code;
}
