/* rm: `berth rm [-f] [-v] [-l] CONTAINER...`, docker's container/rm.go.
 * Every container is tried; removed names are printed as given.  With
 * --force a container that does not exist is only reported (stderr, exit
 * 0), as docker does; other errors follow at the end and exit 1. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/container/each.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

static const struct cli_flag rm_flags[] = {
	{ .name = "force",
	  .shorthand = 'f',
	  .type = CLI_BOOL,
	  .usage = "Force the removal of a running container (uses SIGKILL)" },
	{ .name = "link", .shorthand = 'l', .type = CLI_BOOL, .usage = "Remove the specified link" },
	{ .name = "volumes",
	  .shorthand = 'v',
	  .type = CLI_BOOL,
	  .usage = "Remove anonymous volumes associated with the container" },
	CLI_FLAGS_END
};

static int rm_one(struct cli *cli, const struct cli_args *args, const char *name,
		  berth_error_t **err)
{
	/* docker trims the slashes of "/name" (what inspect shows as Name) */
	size_t len = strlen(name);
	while (*name == '/')
		name++, len--;
	while (len && name[len - 1] == '/')
		len--;
	if (len == 0)
		return berth_error_fail(err, EINVAL, "container name cannot be empty");
	cleanup_free char *trimmed = xstrndup(name, len);
	cleanup_free char *id = cli_escape(trimmed);
	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	strbuf_addf(&url, "/containers/%s", id);
	if (cli_flag_bool(args, "volumes"))
		cli_query_add(&url, "v", "1");
	if (cli_flag_bool(args, "link"))
		cli_query_add(&url, "link", "1");
	if (cli_flag_bool(args, "force"))
		cli_query_add(&url, "force", "1");
	return cli_delete(cli, url.buf, err);
}

static int rm_run(struct cli *cli, const struct cli_args *args)
{
	return container_each(cli, args, rm_one,
			      cli_flag_bool(args, "force") ? CONTAINER_EACH_MISSING_OK : 0);
}

const struct cli_command cli_cmd_rm = {
	.name = "rm",
	.usage = "[OPTIONS] CONTAINER [CONTAINER...]",
	.summary = "Remove one or more containers",
	.flags = rm_flags,
	.min_args = 1,
	.max_args = -1,
	.complete = "containers",
	.run = rm_run,
};
