/* create: set up a container from a bundle and leave its init waiting on
 * the exec fifo (runc create).  Flags are runc's, as containerd passes
 * them: --bundle, --pid-file, --console-socket, --no-pivot,
 * --no-new-keyring, --preserve-fds (and --pidfd-socket, not supported). */
#include <getopt.h>

#include "runtime-cli/cli.h"
#include "runtime-cli/create-opts.h"

int cmd_create(struct cli *cli, int argc, char **argv, berth_error_t **err)
{
	struct container_create_opts o = { 0 };
	if (create_opts_parse(argc, argv, &o, NULL, err) < 0 ||
	    cli_args("create", argc, argv, 1, err) < 0)
		return -1;
	o.id = argv[optind];
	if (container_create(&cli->rt, &o, err) < 0)
		return -1;
	return 0;
}
