/* save: `berth save IMAGE...`, GET /images/get?names=... streamed to -o
 * FILE (written to a temporary file beside it, renamed when complete, as
 * docker does) or to stdout, which must not be a terminal. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "common/cleanup.h"
#include "common/fdio.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

static const struct cli_flag save_flags[] = {
	{ "output", 'o', CLI_STRING, "string", NULL, "Write to a file, instead of STDOUT", 0,
	  "files" },
	{ "platform", 0, CLI_LIST, "stringSlice", NULL,
	  "Save only the given platform(s). Formatted as a comma-separated list of \"os[/arch[/variant]]\" (e.g., \"linux/amd64,linux/arm64/v8\")",
	  CLI_FLAG_HIDDEN, NULL },
	CLI_FLAGS_END,
};

struct save_sink {
	int fd;
	berth_error_t *err;
};

static int save_body(const char *data, size_t len, void *ud)
{
	struct save_sink *s = ud;
	if (fd_write_all(s->fd, data, len) < 0)
		return berth_error_set(&s->err, errno, "write");
	return 0;
}

static int save_to(struct cli *cli, const char *url, int fd, berth_error_t **err)
{
	struct cli_client *c;
	if (cli_client(cli, &c, err) < 0)
		return -1;
	struct save_sink sink = { .fd = fd };
	struct cli_request req = {
		.method = "GET", .path = url, .body_fd = -1, .on_body = save_body, .ud = &sink
	};
	int r = cli_client_do(c, &req, NULL, err);
	if (sink.err) {
		berth_error_release(err);
		*err = sink.err;
		return -1;
	}
	return r;
}

static int save_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL;
	const char *output = cli_flag_string(args, "output");
	if (output && !*output)
		output = NULL;
	if (!output && cli->stdout_tty) {
		fprintf(stderr,
			"cowardly refusing to save to a terminal. Use the -o flag or redirect\n");
		return CLI_EXIT_ERROR;
	}
	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	strbuf_addstr(&url, "/images/get");
	for (size_t i = 0; i < cli_nargs(args); i++)
		cli_query_add(&url, "names", cli_arg(args, i));
	if (!output) {
		if (save_to(cli, url.buf, STDOUT_FILENO, &err) < 0)
			return cli_error(cli, err, CLI_EXIT_ERROR);
		return 0;
	}

	cleanup_free char *copy = xstrdup(output);
	const char *dir = dirname(copy);
	struct stat st;
	if (stat(dir, &st) < 0) {
		/* Go's wording of the errno: lower case */
		char msg[128];
		snprintf(msg, sizeof(msg), "%s", strerror(errno));
		msg[0] = (char)tolower((unsigned char)msg[0]);
		fprintf(stderr, "failed to save image: invalid output path: stat %s: %s\n", dir,
			msg);
		return CLI_EXIT_ERROR;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr,
			"failed to save image: invalid output path: %s is not a directory\n", dir);
		return CLI_EXIT_ERROR;
	}
	cleanup_free char *tmp = xasprintf("%s/.berth-save-XXXXXX", dir);
	cleanup_close int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		berth_error_set(&err, errno,
				"failed to save image: create a temporary file in '%s'", dir);
		return cli_error(cli, err, CLI_EXIT_ERROR);
	}
	int r = save_to(cli, url.buf, fd, &err);
	if (r >= 0 && (fchmod(fd, 0644) < 0 || fsync(fd) < 0))
		r = berth_error_set(&err, errno, "failed to save image: write '%s'", output);
	if (r >= 0 && rename(tmp, output) < 0)
		r = berth_error_set(&err, errno, "failed to save image: rename to '%s'", output);
	if (r < 0) {
		unlink(tmp);
		return cli_error(cli, err, CLI_EXIT_ERROR);
	}
	return 0;
}

const struct cli_command cli_cmd_save = {
	.name = "save",
	.usage = "[OPTIONS] IMAGE [IMAGE...]",
	.summary = "Save one or more images to a tar archive (streamed to STDOUT by default)",
	.flags = save_flags,
	.min_args = 1,
	.max_args = -1,
	.complete = "images",
	.run = save_run,
};
