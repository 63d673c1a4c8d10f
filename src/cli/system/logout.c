/* logout: `berth logout [SERVER]` removes the stored credentials of a
 * registry from config_dir/config.json (or its credential helper), as
 * docker does; it never talks to the daemon. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "registry/credentials.h"

static int logout_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL;
	const char *arg = cli_nargs(args) > 0 ? cli_arg(args, 0) : NULL;
	cleanup_free char *host = NULL;
	if (arg && *arg) {
		const char *h = arg;
		if (strncmp(h, "http://", 7) == 0)
			h += 7;
		else if (strncmp(h, "https://", 8) == 0)
			h += 8;
		host = xstrndup(h, strcspn(h, "/"));
	} else {
		host = xstrdup("docker.io");
	}
	/* docker prints the index URL for the default registry, else the host */
	cleanup_free char *shown = arg && *arg ? xstrdup(host) : credentials_server_key(host);
	printf("Removing login credentials for %s\n", shown);
	if (credentials_erase(cli->config_dir, host, &err) < 0) {
		fprintf(stderr, "WARNING: could not erase credentials:\n%s: %s\n", shown, err->msg);
	}
	return 0;
}

const struct cli_command cli_cmd_logout = {
	.name = "logout",
	.usage = "[SERVER]",
	.summary = "Log out from a registry",
	.description =
		"Log out from a registry.\nIf no server is specified, the default is defined by the daemon.",
	.min_args = 0,
	.max_args = 1,
	.cmd_flags = CLI_CMD_NO_DAEMON,
	.run = logout_run,
};
