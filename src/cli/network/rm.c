/* rm: `berth network rm [-f] NETWORK...`, DELETE /networks/{name} for
 * each.  As docker's: each removed name is printed and each error told at
 * once, the rest are still tried, and a failure ends with "exit status 1"
 * (exit 1); -f only silences networks that do not exist. */
#include <errno.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "common/cleanup.h"
#include "common/xalloc.h"

static const struct cli_flag rm_flags[] = {
	{ "force", 'f', CLI_BOOL, NULL, NULL, "Do not error if the network does not exist", 0,
	  NULL },
	CLI_FLAGS_END,
};

static int rm_run(struct cli *cli, const struct cli_args *args)
{
	bool force = cli_flag_bool(args, "force");
	bool failed = false;
	for (size_t i = 0; i < cli_nargs(args); i++) {
		cleanup_error berth_error_t *err = NULL;
		cleanup_free char *name = cli_escape(cli_arg(args, i));
		cleanup_free char *path = xasprintf("/networks/%s", name);
		if (cli_delete(cli, path, &err) < 0) {
			if (force && err->errnum == ENOENT)
				continue;
			fflush(stdout);
			fprintf(stderr, "%s\n", err->msg);
			failed = true;
			continue;
		}
		printf("%s\n", cli_arg(args, i));
	}
	fflush(stdout);
	if (failed) {
		/* docker's cli.StatusError prints its Status */
		fprintf(stderr, "exit status 1\n");
		return CLI_EXIT_ERROR;
	}
	return 0;
}

const struct cli_command cli_cmd_network_rm = {
	.name = "rm",
	.usage = "NETWORK [NETWORK...]",
	.summary = "Remove one or more networks",
	.flags = rm_flags,
	.min_args = 1,
	.max_args = -1,
	.complete = "networks",
	.run = rm_run,
};
