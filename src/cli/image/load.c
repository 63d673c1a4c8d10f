/* load: `berth load`, POST /images/load with a tar archive from -i FILE or
 * stdin; the daemon's JSON stream ("Loaded image: x") is shown with the
 * progress display.  Like docker, quiet when stdout is not a terminal. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "common/cleanup.h"
#include "common/strbuf.h"

static const struct cli_flag load_flags[] = {
	{ "input", 'i', CLI_STRING, "string", NULL, "Read from tar archive file, instead of STDIN",
	  0, "files" },
	{ "platform", 0, CLI_LIST, "stringSlice", NULL,
	  "Load only the given platform(s). Formatted as a comma-separated list of \"os[/arch[/variant]]\" (e.g., \"linux/amd64,linux/arm64/v8\")",
	  CLI_FLAG_HIDDEN, NULL },
	{ "quiet", 'q', CLI_BOOL, NULL, NULL, "Suppress the load output", 0, NULL },
	CLI_FLAGS_END,
};

static int load_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL;
	const char *input = cli_flag_string(args, "input");
	cleanup_close int fd = -1;
	int body = STDIN_FILENO;
	if (input && *input) {
		fd = open(input, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			/* Go's wording: "open x: no such file or directory" */
			char msg[128];
			snprintf(msg, sizeof(msg), "%s", strerror(errno));
			msg[0] = (char)tolower((unsigned char)msg[0]);
			fprintf(stderr, "open %s: %s\n", input, msg);
			return CLI_EXIT_ERROR;
		}
		body = fd;
	} else if (cli->stdin_tty) {
		fprintf(stderr, "requested load from stdin, but stdin is empty\n");
		return CLI_EXIT_ERROR;
	}
	bool quiet = cli_flag_bool(args, "quiet") || !cli->stdout_tty;
	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	strbuf_addf(&url, "/images/load?quiet=%d", quiet ? 1 : 0);
	if (progress_request(cli, "POST", url.buf, NULL, body, "application/x-tar", stdout,
			     cli->stdout_tty, NULL, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	return 0;
}

const struct cli_command cli_cmd_load = {
	.name = "load",
	.usage = "[OPTIONS]",
	.summary = "Load an image from a tar archive or STDIN",
	.flags = load_flags,
	.min_args = 0,
	.max_args = 0,
	.run = load_run,
};
