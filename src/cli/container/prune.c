/* container prune: `berth container prune [-f] [--filter F]`, docker's
 * container/prune.go: asks "[y/N]" unless --force, removes the stopped
 * containers with POST /containers/prune, prints what went and the space
 * reclaimed (go-units HumanSize, four significant digits). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/human.h"
#include "common/cleanup.h"
#include "common/strbuf.h"

#define PRUNE_WARNING \
	"WARNING! This will remove all stopped containers.\nAre you sure you want to continue?"

static const struct cli_flag prune_flags[] = {
	{ .name = "filter",
	  .type = CLI_LIST,
	  .value_name = "filter",
	  .usage = "Provide filter values (e.g. \"until=<timestamp>\")" },
	{ .name = "force",
	  .shorthand = 'f',
	  .type = CLI_BOOL,
	  .usage = "Do not prompt for confirmation" },
	CLI_FLAGS_END
};

static int prune_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	strbuf_addstr(&url, "/containers/prune");
	const char *const *filters;
	size_t nf = cli_flag_list(args, "filter", &filters);
	for (size_t i = 0; i < nf; i++)
		if (!strchr(filters[i], '='))
			return cli_flag_error(
				cli,
				"invalid argument \"%s\" for \"--filter\" flag: bad format of filter "
				"(expected name=value)",
				filters[i]);
	if (cli_query_filters(&url, filters, nf, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	/* docker ends a refusal quietly, with status 0 (errdefs.Cancelled) */
	if (!cli_flag_bool(args, "force") && !cli_confirm(cli, PRUNE_WARNING))
		return 0;
	cleanup_json json_t *report = NULL;
	if (cli_post_json(cli, url.buf, NULL, &report, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	const json_t *deleted = json_object_get(report, "ContainersDeleted");
	double reclaimed = 0;
	if (json_array_size(deleted) > 0) {
		printf("Deleted Containers:\n");
		size_t i;
		json_t *id;
		json_array_foreach(deleted, i, id)
			printf("%s\n", json_string_value(id) ? json_string_value(id) : "");
		printf("\n");
		reclaimed = (double)json_integer_value(json_object_get(report, "SpaceReclaimed"));
	}
	char size[HUMAN_BUF];
	human_size4(reclaimed, size);
	printf("Total reclaimed space: %s\n", size);
	return 0;
}

const struct cli_command cli_cmd_container_prune = {
	.name = "prune",
	.usage = "[OPTIONS]",
	.summary = "Remove all stopped containers",
	.flags = prune_flags,
	.min_args = 0,
	.max_args = 0,
	.run = prune_run,
};
