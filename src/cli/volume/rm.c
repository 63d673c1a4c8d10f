/* rm: `berth volume rm [-f] VOLUME...`, DELETE /volumes/{name}[?force=1]
 * for each; prints each removed name and, like docker, carries on past a
 * failure and reports every error at the end (exit 1). */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "common/cleanup.h"
#include "common/strbuf.h"

static const struct cli_flag rm_flags[] = {
	{ "force", 'f', CLI_BOOL, NULL, NULL, "Force the removal of one or more volumes", 0, NULL },
	CLI_FLAGS_END,
};

static int rm_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_strbuf struct strbuf errors = STRBUF_INIT;
	for (size_t i = 0; i < cli_nargs(args); i++) {
		cleanup_error berth_error_t *err = NULL;
		cleanup_free char *name = cli_escape(cli_arg(args, i));
		cleanup_strbuf struct strbuf url = STRBUF_INIT;
		strbuf_addf(&url, "/volumes/%s", name);
		if (cli_flag_bool(args, "force"))
			cli_query_add(&url, "force", "1");
		if (cli_delete(cli, url.buf, &err) < 0) {
			strbuf_addf(&errors, "%s%s", errors.len ? "\n" : "", err->msg);
			continue;
		}
		printf("%s\n", cli_arg(args, i));
	}
	fflush(stdout); /* the names come before the errors, as docker's */
	if (errors.len) {
		fprintf(stderr, "%s\n", errors.buf);
		return CLI_EXIT_ERROR;
	}
	return 0;
}

const struct cli_command cli_cmd_volume_rm = {
	.name = "rm",
	.usage = "[OPTIONS] VOLUME [VOLUME...]",
	.summary = "Remove one or more volumes",
	.description =
		"Remove one or more volumes. You cannot remove a volume that is in use by a container.",
	.flags = rm_flags,
	.min_args = 1,
	.max_args = -1,
	.complete = "volumes",
	.run = rm_run,
};
