/* prune: `berth network prune`, POST /networks/prune after docker's
 * confirmation prompt unless -f.  As docker's: the names of the removed
 * networks under "Deleted Networks:" and a blank line, nothing at all when
 * none was removed, and a "no" answer ends quietly with exit 0. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "common/cleanup.h"
#include "common/strbuf.h"

static const struct cli_flag prune_flags[] = {
	{ "filter", 0, CLI_LIST, "filter", NULL,
	  "Provide filter values (e.g. \"until=<timestamp>\")", 0, NULL },
	{ "force", 'f', CLI_BOOL, NULL, NULL, "Do not prompt for confirmation", 0, NULL },
	CLI_FLAGS_END,
};

static int prune_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL;
	const char *const *filters;
	size_t nf = cli_flag_list(args, "filter", &filters);
	for (size_t i = 0; i < nf; i++) {
		if (strchr(filters[i], '='))
			continue;
		/* docker's FilterOpt: a flag error when the flags are parsed, exit 125 */
		return cli_flag_error(cli,
				      "invalid argument \"%s\" for \"--filter\" flag: bad format of "
				      "filter (expected name=value)",
				      filters[i]);
	}
	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	strbuf_addstr(&url, "/networks/prune");
	if (cli_query_filters(&url, filters, nf, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);

	if (!cli_flag_bool(args, "force") &&
	    !cli_confirm(
		    cli,
		    "WARNING! This will remove all custom networks not used by at least one container.\n"
		    "Are you sure you want to continue?"))
		return 0; /* docker: cancelled is not a failure */

	cleanup_json json_t *report = NULL;
	if (cli_post_json(cli, url.buf, NULL, &report, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	const json_t *deleted = json_object_get(report, "NetworksDeleted");
	if (json_array_size(deleted) > 0) {
		printf("Deleted Networks:\n");
		size_t i;
		const json_t *it;
		json_array_foreach(deleted, i, it) printf("%s\n", json_string_value(it) ?: "");
		printf("\n");
	}
	return 0;
}

const struct cli_command cli_cmd_network_prune = {
	.name = "prune",
	.usage = "[OPTIONS]",
	.summary = "Remove all unused networks",
	.flags = prune_flags,
	.min_args = 0,
	.max_args = 0,
	.run = prune_run,
};
