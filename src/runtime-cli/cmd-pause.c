/* pause and resume: freeze and thaw every process of a container with the
 * cgroup freezer (runc pause / resume); state shows "paused" meanwhile. */
#include <getopt.h>

#include "runtime-cli/cli.h"

static int freeze_verb(struct cli *cli, int argc, char **argv, bool frozen, berth_error_t **err)
{
	static const struct option opts[] = { { NULL, 0, NULL, 0 } };
	if (getopt_long(argc, argv, "+", opts, NULL) != -1)
		return cli_bad_option(argv[0], err);
	if (cli_args(argv[0], argc, argv, 1, err) < 0)
		return -1;
	int r = frozen ? container_pause(&cli->rt, argv[optind], err) :
			 container_resume(&cli->rt, argv[optind], err);
	return r < 0 ? -1 : 0;
}

int cmd_pause(struct cli *cli, int argc, char **argv, berth_error_t **err)
{
	return freeze_verb(cli, argc, argv, true, err);
}

int cmd_resume(struct cli *cli, int argc, char **argv, berth_error_t **err)
{
	return freeze_verb(cli, argc, argv, false, err);
}
