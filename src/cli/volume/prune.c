/* prune: `berth volume prune`, POST /volumes/prune after docker's
 * confirmation prompt unless -f; --all adds the all=true filter (without
 * it the daemon prunes anonymous volumes only).  Output and the
 * reclaimed-space line are docker's. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/human.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

static const struct cli_flag prune_flags[] = {
	{ "all", 'a', CLI_BOOL, NULL, NULL, "Remove all unused volumes, not just anonymous ones", 0,
	  NULL },
	{ "filter", 0, CLI_LIST, "filter", NULL, "Provide filter values (e.g. \"label=<label>\")",
	  0, NULL },
	{ "force", 'f', CLI_BOOL, NULL, NULL, "Do not prompt for confirmation", 0, NULL },
	CLI_FLAGS_END,
};

static int prune_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL;
	bool all = cli_flag_bool(args, "all");
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
	cleanup_free const char **f = xcalloc(nf + 2, sizeof(char *));
	for (size_t i = 0; i < nf; i++)
		f[i] = filters[i];
	if (all)
		f[nf++] = "all=true";
	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	strbuf_addstr(&url, "/volumes/prune");
	if (cli_query_filters(&url, f, nf, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);

	if (!cli_flag_bool(args, "force") &&
	    !cli_confirm(
		    cli,
		    all ? "WARNING! This will remove all local volumes not used by at least one container.\n"
			  "Are you sure you want to continue?" :
			  "WARNING! This will remove anonymous local volumes not used by at least one container.\n"
			  "Are you sure you want to continue?"))
		return 0; /* docker: cancelled is not a failure */

	cleanup_json json_t *report = NULL;
	if (cli_post_json(cli, url.buf, NULL, &report, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	const json_t *deleted = json_object_get(report, "VolumesDeleted");
	if (json_array_size(deleted) > 0) {
		printf("Deleted Volumes:\n");
		size_t i;
		const json_t *it;
		json_array_foreach(deleted, i, it) printf("%s\n", json_string_value(it) ?: "");
		printf("\n");
	}
	char buf[HUMAN_BUF];
	human_size4((double)json_integer_value(json_object_get(report, "SpaceReclaimed")), buf);
	printf("Total reclaimed space: %s\n", buf);
	return 0;
}

const struct cli_command cli_cmd_volume_prune = {
	.name = "prune",
	.usage = "[OPTIONS]",
	.summary = "Remove unused local volumes",
	.flags = prune_flags,
	.min_args = 0,
	.max_args = 0,
	.run = prune_run,
};
