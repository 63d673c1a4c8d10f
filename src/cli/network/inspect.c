/* inspect: `berth network inspect NETWORK...`, GET /networks/{name} for
 * each (?verbose=true with -v).
 * Without --format the objects print as one JSON array indented by four
 * spaces, as docker's json.Indent; with a template each object renders
 * through it ("json" is {{json .}}).  Every name is tried and the errors
 * are reported together at the end (exit 1), as docker does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/template.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

static const struct cli_flag inspect_flags[] = {
	{ "format", 'f', CLI_STRING, "string", NULL,
	  "Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates",
	  0, NULL },
	{ "verbose", 'v', CLI_BOOL, NULL, NULL, "Verbose output for diagnostics", 0, NULL },
	CLI_FLAGS_END,
};

/* The objects as docker prints them without a format: "[...]" with each
 * object indented, or "[]" when none was found */
static void print_indented(const json_t *objs)
{
	if (json_array_size(objs) == 0) {
		printf("[]\n");
		return;
	}
	cleanup_free char *s = json_dumps(objs, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
	printf("%s\n", s);
}

static int inspect_run(struct cli *cli, const struct cli_args *args)
{
	const char *fmt = cli_flag_string(args, "format");
	struct template *t = NULL;
	cleanup_error berth_error_t *err = NULL;
	if (fmt && *fmt && strcmp(fmt, "json") != 0 && template_parse(fmt, &t, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	cleanup_json json_t *objs = json_array();
	cleanup_strbuf struct strbuf errors = STRBUF_INIT;
	cleanup_strbuf struct strbuf out = STRBUF_INIT;
	int r = 0;
	for (size_t i = 0; i < cli_nargs(args) && r >= 0; i++) {
		cleanup_error berth_error_t *e = NULL;
		cleanup_free char *name = cli_escape(cli_arg(args, i));
		cleanup_free char *path =
			xasprintf("/networks/%s%s", name,
				  cli_flag_bool(args, "verbose") ? "?verbose=true" : "");
		json_t *v = NULL;
		if (cli_get_json(cli, path, &v, &e) < 0) {
			strbuf_addf(&errors, "%s%s", errors.len ? "\n" : "", e->msg);
			continue;
		}
		if (t) {
			r = template_render(t, v, &out, &err);
			strbuf_addch(&out, '\n');
		}
		json_array_append_new(objs, v);
	}
	template_free(t);
	if (r < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	if (fmt && strcmp(fmt, "json") == 0) {
		/* docker's jsonInspector: one compact array */
		cleanup_free char *s = json_dumps(objs, JSON_COMPACT | JSON_PRESERVE_ORDER);
		printf("%s\n", s);
	} else if (fmt && *fmt) {
		fputs(out.buf ? out.buf : "", stdout);
	} else {
		print_indented(objs);
	}
	fflush(stdout); /* the objects come before the errors, as docker's */
	if (errors.len) {
		fprintf(stderr, "%s\n", errors.buf);
		return CLI_EXIT_ERROR;
	}
	return 0;
}

const struct cli_command cli_cmd_network_inspect = {
	.name = "inspect",
	.usage = "[OPTIONS] NETWORK [NETWORK...]",
	.summary = "Display detailed information on one or more networks",
	.flags = inspect_flags,
	.min_args = 1,
	.max_args = -1,
	.complete = "networks",
	.run = inspect_run,
};
