/* state: print a container's state JSON (runtime.md, plus runc's rootfs,
 * created and owner), indented as runc prints it. */
#include <getopt.h>

#include "common/cleanup.h"
#include "runtime-cli/cli.h"

int cmd_state(struct cli *cli, int argc, char **argv, berth_error_t **err)
{
	static const struct option opts[] = { { NULL, 0, NULL, 0 } };
	if (getopt_long(argc, argv, "+", opts, NULL) != -1)
		return cli_bad_option("state", err);
	if (cli_args("state", argc, argv, 1, err) < 0)
		return -1;
	cleanup_json json_t *j = NULL;
	if (container_state_json(&cli->rt, argv[optind], &j, err) < 0)
		return -1;
	cli_print_json(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	return 0;
}
