/* diff: `berth diff CONTAINER`, docker's container/diff.go: the changes
 * of GET /containers/ID/changes as "C /path", "A /path", "D /path". */
#include <errno.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "common/cleanup.h"
#include "common/xalloc.h"

static int diff_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL;
	if (!*cli_arg(args, 0)) {
		berth_error_fail(&err, EINVAL, "Container name cannot be empty");
		return cli_error(cli, err, CLI_EXIT_ERROR);
	}
	cleanup_free char *id = cli_escape(cli_arg(args, 0));
	cleanup_free char *path = xasprintf("/containers/%s/changes", id);
	cleanup_json json_t *changes = NULL;
	if (cli_get_json(cli, path, &changes, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	size_t i;
	json_t *ch;
	json_array_foreach(changes, i, ch)
	{
		static const char kinds[] = "CAD";
		json_int_t kind = json_integer_value(json_object_get(ch, "Kind"));
		const char *p = json_string_value(json_object_get(ch, "Path"));
		/* docker prints an unknown kind as an empty type */
		const char *type = kind >= 0 && kind < 3 ? (const char[]){ kinds[kind], 0 } : "";
		printf("%s %s\n", type, p ? p : "");
	}
	return 0;
}

const struct cli_command cli_cmd_diff = {
	.name = "diff",
	.usage = "CONTAINER",
	.summary = "Inspect changes to files or directories on a container's filesystem",
	.min_args = 1,
	.max_args = 1,
	.complete = "containers",
	.run = diff_run,
};
