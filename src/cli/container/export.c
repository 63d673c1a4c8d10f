/* export: `berth export [-o FILE] CONTAINER`, docker's container/export.go:
 * the container's filesystem as a tar stream, to stdout (never to a
 * terminal) or to a file written beside its final name and renamed into
 * place, so a failed export leaves no truncated file behind. */
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
#include "common/xalloc.h"

static const struct cli_flag export_flags[] = { { .name = "output",
						  .shorthand = 'o',
						  .type = CLI_STRING,
						  .value_name = "string",
						  .usage = "Write to a file, instead of STDOUT",
						  .complete = "files" },
						CLI_FLAGS_END };

struct export_sink {
	int fd;
	berth_error_t *err;
};

static int export_on_body(const char *data, size_t len, void *ud)
{
	struct export_sink *s = ud;
	if (fd_write_all(s->fd, data, len) < 0)
		return berth_error_set(&s->err, errno, "write");
	return 0;
}

/* command.ValidateOutputPath, with the messages docker 28 prints */
static int export_check_path(const char *path, berth_error_t **err)
{
	cleanup_free char *copy = xstrdup(path);
	const char *dir = dirname(copy);
	struct stat st;
	if (strcmp(dir, ".") != 0 && stat(dir, &st) < 0) {
		/* Go's error text: strerror starting in lower case */
		char why[128];
		snprintf(why, sizeof(why), "%s", strerror(errno));
		why[0] = (char)tolower((unsigned char)why[0]);
		return berth_error_fail(
			err, ENOENT, "failed to export container: invalid output path: stat %s: %s",
			dir, why);
	}
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return berth_error_fail(err, EISDIR,
					"failed to export container: cannot write to a directory");
	return 0;
}

static int export_fetch(struct cli *cli, const char *name, int fd, berth_error_t **err)
{
	struct cli_client *client;
	if (cli_client(cli, &client, err) < 0)
		return -1;
	cleanup_free char *id = cli_escape(name);
	cleanup_free char *path = xasprintf("/containers/%s/export", id);
	struct export_sink sink = { .fd = fd };
	struct cli_request req = {
		.method = "GET",
		.path = path,
		.body_fd = -1,
		.on_body = export_on_body,
		.ud = &sink,
	};
	int r = cli_client_do(client, &req, NULL, err);
	if (sink.err) {
		berth_error_release(err);
		*err = steal_pointer(&sink.err);
		return -1;
	}
	return r;
}

/* A temporary name in out's directory, like docker's ".docker_temp_*";
 * mkostemp makes it 0600, which the export keeps, as docker's does */
static char *export_temp_name(const char *out)
{
	cleanup_free char *copy = xstrdup(out);
	return xasprintf("%s/.berth_temp_XXXXXX", dirname(copy));
}

static int export_to_file(struct cli *cli, const char *name, const char *out, berth_error_t **err)
{
	cleanup_free char *tmp = export_temp_name(out);
	cleanup_close int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return berth_error_set(err, errno, "create '%s'", tmp);
	if (export_fetch(cli, name, fd, err) < 0 || fsync(fd) < 0 || rename(tmp, out) < 0) {
		if (!*err)
			berth_error_set(err, errno, "write '%s'", out);
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int export_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL;
	const char *out = cli_flag_string(args, "output");
	if (!out || !*out) {
		if (cli->stdout_tty) {
			berth_error_fail(
				&err, EINVAL,
				"cowardly refusing to save to a terminal. Use the -o flag or redirect");
			return cli_error(cli, err, CLI_EXIT_ERROR);
		}
		if (export_fetch(cli, cli_arg(args, 0), STDOUT_FILENO, &err) < 0)
			return cli_error(cli, err, CLI_EXIT_ERROR);
		return 0;
	}
	if (export_check_path(out, &err) < 0 ||
	    export_to_file(cli, cli_arg(args, 0), out, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	return 0;
}

const struct cli_command cli_cmd_export = {
	.name = "export",
	.usage = "[OPTIONS] CONTAINER",
	.summary = "Export a container's filesystem as a tar archive",
	.flags = export_flags,
	.min_args = 1,
	.max_args = 1,
	.complete = "containers",
	.run = export_run,
};
