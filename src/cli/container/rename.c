/* rename: `berth rename CONTAINER NEW_NAME`, docker's container/rename.go:
 * prints nothing on success; an empty name is refused before asking the
 * daemon, with docker's message. */
#include <errno.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

/* strings.TrimSpace, which docker applies to both names */
static char *rename_trim(const char *s)
{
	static const char space[] = " \t\n\r\v\f";
	s += strspn(s, space);
	size_t len = strlen(s);
	while (len && strchr(space, s[len - 1]))
		len--;
	return xstrndup(s, len);
}

static int rename_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_free char *old = rename_trim(cli_arg(args, 0));
	cleanup_free char *new = rename_trim(cli_arg(args, 1));
	cleanup_error berth_error_t *err = NULL;
	if (!*old || !*new) {
		berth_error_fail(&err, EINVAL, "Error: Neither old nor new names may be empty");
		return cli_error(cli, err, CLI_EXIT_ERROR);
	}
	cleanup_free char *id = cli_escape(old);
	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	strbuf_addf(&url, "/containers/%s/rename", id);
	cli_query_add(&url, "name", new);
	if (cli_post_json(cli, url.buf, NULL, NULL, &err) < 0) {
		/* docker prints the daemon's reason, then its own line */
		cli_error(cli, err, CLI_EXIT_ERROR);
		berth_error_fail(&err, EIO, "Error: failed to rename container named %s", old);
		return cli_error(cli, err, CLI_EXIT_ERROR);
	}
	return 0;
}

const struct cli_command cli_cmd_rename = {
	.name = "rename",
	.usage = "CONTAINER NEW_NAME",
	.summary = "Rename a container",
	.min_args = 2,
	.max_args = 2,
	.complete = "containers",
	.run = rename_run,
};
