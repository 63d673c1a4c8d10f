/* delete: remove a container and its resources (runc delete); --force
 * kills a running one first.  Runs poststop hooks. */
#include <getopt.h>

#include "runtime-cli/cli.h"

int cmd_delete(struct cli *cli, int argc, char **argv, berth_error_t **err)
{
	static const struct option opts[] = { { "force", no_argument, NULL, 'f' },
					      { NULL, 0, NULL, 0 } };
	bool force = false;
	int c;
	while ((c = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
		if (c != 'f')
			return cli_bad_option("delete", err);
		force = true;
	}
	if (cli_args("delete", argc, argv, 1, err) < 0)
		return -1;
	return container_delete(&cli->rt, argv[optind], force, err) < 0 ? -1 : 0;
}
