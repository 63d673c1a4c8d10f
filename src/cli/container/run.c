/* run: `berth run`, docker's runContainer: create (pulling when needed),
 * then attach-wait.c's sequence (attach and wait registered BEFORE start,
 * start, pump the streams), then exit with the container's code.  Failures of berth or the daemon
 * exit 125; a command that cannot be invoked 126, one that is not found 127 (toStatusError). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/container/attach-wait.h"
#include "cli/container/opts.h"
#include "common/cleanup.h"

/* docker's toStatusError: the daemon's start error decides the code */
static int run_status_error(const struct cli *cli, const berth_error_t *err)
{
	const char *m = err && err->msg ? err->msg : "";
	int code = CLI_EXIT_FAILURE;
	if (strstr(m, "executable file not found") || strstr(m, "no such file or directory") ||
	    strstr(m, "system cannot find the file specified"))
		code = CLI_EXIT_NOT_FOUND;
	else if (strstr(m, "permission denied") || strstr(m, "is a directory"))
		code = CLI_EXIT_CANNOT_INVOKE;
	return opts_report(cli, err, OPTS_ERR_PARSE, code);
}

static int run_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL;
	struct container_opts o = { 0 };
	cleanup_free char *id = NULL;
	int rc;
	if (container_opts_parse(args, &o, &err) < 0) {
		rc = opts_report(cli, err, o.err_kind, CLI_EXIT_FAILURE);
		goto out;
	}
	if (!cli_flag_bool(args, "detach")) {
		if (o.tty && o.attach_stdin && !cli->stdin_tty) {
			fprintf(stderr, "the input device is not a TTY\n");
			rc = CLI_EXIT_ERROR;
			goto out;
		}
	} else {
		const char *const *v;
		if (cli_flag_list(args, "attach", &v)) {
			fprintf(stderr,
				"conflicting options: cannot specify both --attach and --detach\n");
			rc = CLI_EXIT_ERROR;
			goto out;
		}
		o.attach_stdin = o.attach_stdout = o.attach_stderr = false;
		json_object_set_new(o.body, "AttachStdin", json_false());
		json_object_set_new(o.body, "AttachStdout", json_false());
		json_object_set_new(o.body, "AttachStderr", json_false());
		json_object_set_new(o.body, "StdinOnce", json_false());
	}
	if (container_create(cli, &o, cli_flag_bool(args, "quiet"), &id, &err) < 0) {
		rc = run_status_error(cli, err);
		goto out;
	}
	struct attach_wait aw = {
		.id = id,
		.attach_stdin = o.attach_stdin,
		.attach_stdout = o.attach_stdout,
		.attach_stderr = o.attach_stderr,
		.tty = o.tty,
		.auto_remove = o.auto_remove,
		.sig_proxy = cli_flag_bool(args, "sig-proxy"),
		.detach_keys = cli_flag_string(args, "detach-keys"),
		.start_error = run_status_error,
	};
	rc = container_attach_and_wait(cli, &aw);
out:
	container_opts_release(&o);
	return rc;
}

const struct cli_command cli_cmd_run = {
	.name = "run",
	.usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]",
	.summary = "Create and run a new container from an image",
	.flags = opts_run_flags,
	.min_args = 1,
	.max_args = -1,
	.cmd_flags = CLI_CMD_STOP_AT_ARG,
	.complete = "images",
	.run = run_run,
};
