/* top: `berth top CONTAINER [ps OPTIONS]`, docker's container/top.go: the
 * arguments after the container go to ps in the container (ps_args), and
 * the answer is printed through a Go tabwriter with top's own settings
 * (minwidth 20, padding 3), which format.h's table does not use. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

#define TOP_MINWIDTH 20
#define TOP_PADDING 3

static size_t top_width(const char *s)
{
	size_t n = 0;
	for (; s && *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Rows of cells (the titles first); every cell but a row's last is
 * padded to its column's width, as tabwriter pads tab-terminated cells */
static void top_print(const json_t *titles, const json_t *procs)
{
	size_t ncols = json_array_size(titles);
	cleanup_free size_t *w = xcalloc(ncols ? ncols : 1, sizeof(*w));
	size_t i;
	json_t *row;
	for (size_t c = 0; c < ncols; c++)
		w[c] = top_width(json_string_value(json_array_get(titles, c)));
	json_array_foreach(procs, i, row)
	{
		for (size_t c = 0; c < ncols && c < json_array_size(row); c++) {
			size_t cw = top_width(json_string_value(json_array_get(row, c)));
			if (cw > w[c])
				w[c] = cw;
		}
	}
	for (size_t c = 0; c < ncols; c++) {
		w[c] += TOP_PADDING;
		if (w[c] < TOP_MINWIDTH)
			w[c] = TOP_MINWIDTH;
	}
	cleanup_strbuf struct strbuf line = STRBUF_INIT;
	for (ssize_t r = -1; r < (ssize_t)json_array_size(procs); r++) {
		const json_t *cells = r < 0 ? titles : json_array_get(procs, (size_t)r);
		size_t n = json_array_size(cells);
		strbuf_reset(&line);
		for (size_t c = 0; c < n; c++) {
			const char *s = json_string_value(json_array_get(cells, c));
			strbuf_addstr(&line, s ? s : "");
			if (c + 1 < n && c < ncols)
				for (size_t k = top_width(s); k < w[c]; k++)
					strbuf_addch(&line, ' ');
		}
		printf("%s\n", line.buf);
	}
}

static int top_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_free char *id = cli_escape(cli_arg(args, 0));
	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	strbuf_addf(&url, "/containers/%s/top", id);
	if (cli_nargs(args) > 1) {
		cleanup_strbuf struct strbuf ps_args = STRBUF_INIT;
		for (size_t i = 1; i < cli_nargs(args); i++)
			strbuf_addf(&ps_args, "%s%s", i > 1 ? " " : "", cli_arg(args, i));
		cli_query_add(&url, "ps_args", ps_args.buf);
	}
	cleanup_json json_t *top = NULL;
	if (cli_get_json(cli, url.buf, &top, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	top_print(json_object_get(top, "Titles"), json_object_get(top, "Processes"));
	return 0;
}

const struct cli_command cli_cmd_top = {
	.name = "top",
	.usage = "CONTAINER [ps OPTIONS]",
	.summary = "Display the running processes of a container",
	.min_args = 1,
	.max_args = -1,
	.cmd_flags = CLI_CMD_STOP_AT_ARG,
	.complete = "running",
	.run = top_run,
};
