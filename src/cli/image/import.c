/* import: `berth import file|URL|- [REPOSITORY[:TAG]]`, POST
 * /images/create?fromSrc=... with the tarball as the body (or the URL for
 * the daemon to fetch); -c adds Dockerfile instructions, -m a commit
 * message.  Prints the new image ID from the daemon's stream. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/progress.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

static const struct cli_flag import_flags[] = {
	{ "change", 'c', CLI_LIST, "list", NULL,
	  "Apply Dockerfile instruction to the created image", 0, NULL },
	{ "message", 'm', CLI_STRING, "string", NULL, "Set commit message for imported image", 0,
	  NULL },
	{ "platform", 0, CLI_STRING, "string", NULL,
	  "Set platform if server is multi-platform capable", 0, NULL },
	CLI_FLAGS_END,
};

static int import_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL;
	const char *source = cli_arg(args, 0);
	const char *ref = cli_nargs(args) > 1 ? cli_arg(args, 1) : NULL;
	cleanup_close int fd = -1;
	int body = -1;
	bool url_source = strncmp(source, "http://", 7) == 0 || strncmp(source, "https://", 8) == 0;

	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	strbuf_addstr(&url, "/images/create");
	if (strcmp(source, "-") == 0) {
		body = STDIN_FILENO;
		cli_query_add(&url, "fromSrc", "-");
	} else if (url_source) {
		cli_query_add(&url, "fromSrc", source);
	} else {
		fd = open(source, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			char msg[128];
			snprintf(msg, sizeof(msg), "%s", strerror(errno));
			msg[0] = (char)tolower((unsigned char)msg[0]);
			fprintf(stderr, "open %s: %s\n", source, msg);
			return CLI_EXIT_ERROR;
		}
		body = fd;
		cli_query_add(&url, "fromSrc", "-");
	}
	if (ref) {
		const char *colon = strrchr(ref, ':'), *slash = strrchr(ref, '/');
		if (colon && (!slash || colon > slash)) {
			cleanup_free char *repo = xstrndup(ref, (size_t)(colon - ref));
			cli_query_add(&url, "repo", repo);
			cli_query_add(&url, "tag", colon + 1);
		} else {
			cli_query_add(&url, "repo", ref);
		}
	}
	const char *message = cli_flag_string(args, "message");
	if (message && *message)
		cli_query_add(&url, "message", message);
	const char *platform = cli_flag_string(args, "platform");
	if (platform && *platform)
		cli_query_add(&url, "platform", platform);
	const char *const *changes;
	size_t nc = cli_flag_list(args, "change", &changes);
	for (size_t i = 0; i < nc; i++)
		cli_query_add(&url, "changes", changes[i]);

	if (progress_request(cli, "POST", url.buf, NULL, body,
			     body >= 0 ? "application/x-tar" : NULL, stdout, cli->stdout_tty, NULL,
			     &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	return 0;
}

const struct cli_command cli_cmd_import = {
	.name = "import",
	.usage = "[OPTIONS] file|URL|- [REPOSITORY[:TAG]]",
	.summary = "Import the contents from a tarball to create a filesystem image",
	.flags = import_flags,
	.min_args = 1,
	.max_args = -1, /* docker: RequiresMinArgs(1); a third argument is ignored */
	.complete = "files",
	.run = import_run,
};
