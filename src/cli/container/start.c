/* start: `berth start`, docker's RunStart.  Without -a/-i every container
 * is started and its name printed, failures reported one by one; with
 * -a/-i one container is attached BEFORE it starts (and its wait is in
 * place), like run (attach-wait.c), and berth exits with the container's
 * code. */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/container/attach-wait.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

static const struct cli_flag start_flags[] = {
	{ "attach", 'a', CLI_BOOL, NULL, NULL, "Attach STDOUT/STDERR and forward signals", 0,
	  NULL },
	{ "checkpoint", 0, CLI_STRING, NULL, NULL, "Restore from this checkpoint", CLI_FLAG_HIDDEN,
	  NULL },
	{ "checkpoint-dir", 0, CLI_STRING, NULL, NULL, "Use a custom checkpoint storage directory",
	  CLI_FLAG_HIDDEN, "dirs" },
	{ "detach-keys", 0, CLI_STRING, NULL, NULL,
	  "Override the key sequence for detaching a container", 0, NULL },
	{ "interactive", 'i', CLI_BOOL, NULL, NULL, "Attach container's STDIN", 0, NULL },
	CLI_FLAGS_END,
};

/* startContainersWithoutAttachments */
static int start_all(struct cli *cli, const struct cli_args *args)
{
	cleanup_strbuf struct strbuf failed = STRBUF_INIT;
	for (size_t i = 0; i < cli_nargs(args); i++) {
		const char *name = cli_arg(args, i);
		cleanup_error berth_error_t *err = NULL;
		cleanup_free char *esc = cli_escape(name);
		cleanup_free char *path = xasprintf("/containers/%s/start", esc);
		if (cli_post_json(cli, path, NULL, NULL, &err) < 0) {
			fprintf(stderr, "%s\n", err->msg);
			strbuf_addf(&failed, "%s%s", failed.len ? ", " : "", name);
			continue;
		}
		printf("%s\n", name);
		/* docker writes each name as it goes, between the errors */
		fflush(stdout);
	}
	if (failed.len) {
		fflush(stdout);
		fprintf(stderr, "Error: failed to start containers: %s\n", failed.buf);
		return CLI_EXIT_ERROR;
	}
	return 0;
}

/* One container, attached before it starts: docker's RunStart with -a/-i */
static int start_attached(struct cli *cli, const struct cli_args *args)
{
	if (cli_nargs(args) > 1) {
		fprintf(stderr, "you cannot start and attach multiple containers at once\n");
		return CLI_EXIT_ERROR;
	}
	cleanup_error berth_error_t *err = NULL;
	cleanup_json json_t *info = NULL;
	cleanup_free char *esc = cli_escape(cli_arg(args, 0));
	cleanup_free char *inspect = xasprintf("/containers/%s/json", esc);
	if (cli_get_json(cli, inspect, &info, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	const char *id = json_string_value(json_object_get(info, "Id"));
	if (id == NULL)
		return cli_error(cli, NULL, CLI_EXIT_ERROR);
	json_t *config = json_object_get(info, "Config");
	json_t *host_config = json_object_get(info, "HostConfig");
	struct attach_wait aw = {
		.id = id,
		.attach_stdin = cli_flag_bool(args, "interactive") &&
				json_is_true(json_object_get(config, "OpenStdin")),
		.attach_stdout = true,
		.attach_stderr = true,
		.tty = json_is_true(json_object_get(config, "Tty")),
		.auto_remove = json_is_true(json_object_get(host_config, "AutoRemove")),
		/* docker start has no --sig-proxy: it always proxies */
		.sig_proxy = true,
		.detach_keys = cli_flag_string(args, "detach-keys"),
	};
	return container_attach_and_wait(cli, &aw);
}

static int start_run(struct cli *cli, const struct cli_args *args)
{
	const char *cp = cli_flag_string(args, "checkpoint");
	if (cp && *cp) {
		fprintf(stderr, "Error response from daemon: checkpoints are not supported\n");
		return CLI_EXIT_ERROR;
	}
	if (cli_flag_bool(args, "attach") || cli_flag_bool(args, "interactive"))
		return start_attached(cli, args);
	return start_all(cli, args);
}

const struct cli_command cli_cmd_start = {
	.name = "start",
	.usage = "[OPTIONS] CONTAINER [CONTAINER...]",
	.summary = "Start one or more stopped containers",
	.flags = start_flags,
	.min_args = 1,
	.max_args = -1,
	.complete = "containers",
	.run = start_run,
};
