/* wait: `berth wait CONTAINER...`, docker's container/wait.go.  Waits for
 * each container in turn to stop and prints its exit code; the errors
 * (a missing container...) come after, on stderr, and make the exit code 1. */
#include <errno.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "common/cleanup.h"
#include "common/strbuf.h"

static int wait_one(struct cli *cli, const char *name, json_int_t *ret, berth_error_t **err)
{
	cleanup_free char *id = cli_escape(name);
	cleanup_json json_t *res = NULL;
	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	strbuf_addf(&url, "/containers/%s/wait", id);
	if (cli_post_json(cli, url.buf, NULL, &res, err) < 0)
		return -1;
	json_t *code = json_object_get(res, "StatusCode");
	if (!json_is_integer(code))
		return berth_error_fail(err, EPROTO, "wait '%s': no StatusCode in the response",
					name);
	*ret = json_integer_value(code);
	return 0;
}

static int wait_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_strbuf struct strbuf errors = STRBUF_INIT;
	for (size_t i = 0; i < cli_nargs(args); i++) {
		cleanup_error berth_error_t *err = NULL;
		json_int_t code = 0;
		if (wait_one(cli, cli_arg(args, i), &code, &err) < 0) {
			strbuf_addf(&errors, "%s%s", errors.len ? "\n" : "", err->msg);
			continue;
		}
		/* each code as it comes: a script reads them while others still run */
		printf("%" JSON_INTEGER_FORMAT "\n", code);
		fflush(stdout);
	}
	if (!errors.len)
		return 0;
	cleanup_error berth_error_t *all = NULL;
	berth_error_fail(&all, EIO, "%s", errors.buf);
	return cli_error(cli, all, CLI_EXIT_ERROR);
}

const struct cli_command cli_cmd_wait = {
	.name = "wait",
	.usage = "CONTAINER [CONTAINER...]",
	.summary = "Block until one or more containers stop, then print their exit codes",
	.min_args = 1,
	.max_args = -1,
	.complete = "containers",
	.run = wait_run,
};
