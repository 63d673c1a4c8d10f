/* rmi: `berth rmi IMAGE...`, DELETE /images/{name} for each; prints the
 * daemon's "Untagged:" and "Deleted:" lines and, like docker, carries on
 * past a failing image and reports every error at the end (exit 1). */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "common/cleanup.h"
#include "common/strbuf.h"

static const struct cli_flag rmi_flags[] = {
	{ "force", 'f', CLI_BOOL, NULL, NULL, "Force removal of the image", 0, NULL },
	{ "no-prune", 0, CLI_BOOL, NULL, NULL, "Do not delete untagged parents", 0, NULL },
	{ "platform", 0, CLI_LIST, "strings", NULL,
	  "Remove only the given platform variant. Formatted as \"os[/arch[/variant]]\" (e.g., \"linux/amd64\")",
	  CLI_FLAG_HIDDEN, NULL },
	CLI_FLAGS_END,
};

/* The daemon's answer: [{"Untagged": ref} | {"Deleted": id}, ...] */
static void rmi_print(const json_t *items)
{
	size_t i;
	const json_t *it;
	json_array_foreach(items, i, it)
	{
		const char *u = json_string_value(json_object_get(it, "Untagged"));
		const char *d = json_string_value(json_object_get(it, "Deleted"));
		if (u && *u)
			printf("Untagged: %s\n", u);
		else if (d && *d)
			printf("Deleted: %s\n", d);
	}
}

static int rmi_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_strbuf struct strbuf errors = STRBUF_INIT;
	for (size_t i = 0; i < cli_nargs(args); i++) {
		cleanup_error berth_error_t *err = NULL;
		cleanup_free char *name = cli_escape(cli_arg(args, i));
		cleanup_strbuf struct strbuf url = STRBUF_INIT;
		strbuf_addf(&url, "/images/%s", name);
		if (cli_flag_bool(args, "force"))
			cli_query_add(&url, "force", "1");
		if (cli_flag_bool(args, "no-prune"))
			cli_query_add(&url, "noprune", "1");
		struct cli_client *c;
		struct cli_response resp;
		cli_response_init(&resp);
		struct cli_request req = { .method = "DELETE", .path = url.buf, .body_fd = -1 };
		if (cli_client(cli, &c, &err) < 0 || cli_client_do(c, &req, &resp, &err) < 0) {
			cli_response_release(&resp);
			if (errors.len)
				strbuf_addch(&errors, '\n');
			strbuf_addstr(&errors, err->msg);
			continue;
		}
		json_error_t jerr;
		cleanup_json json_t *items = json_loadb(resp.body.buf, resp.body.len, 0, &jerr);
		cli_response_release(&resp);
		rmi_print(items);
	}
	if (errors.len) {
		fprintf(stderr, "%s\n", errors.buf);
		return CLI_EXIT_ERROR;
	}
	return 0;
}

const struct cli_command cli_cmd_rmi = {
	.name = "rmi",
	.usage = "[OPTIONS] IMAGE [IMAGE...]",
	.summary = "Remove one or more images",
	.flags = rmi_flags,
	.min_args = 1,
	.max_args = -1,
	.complete = "images",
	.run = rmi_run,
};
