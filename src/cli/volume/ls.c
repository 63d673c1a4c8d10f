/* ls: `berth volume ls`, GET /volumes with --filter, as docker's volume
 * list: sorted by name in natural order, the table DRIVER / VOLUME NAME,
 * -q for names, --format with docker's volume fields (Name, Driver,
 * Scope, Mountpoint, Labels as "k=v,...", Links/Size "N/A"). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/format.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

#define LS_TABLE "table {{.Driver}}\t{{.Name}}"

static const struct cli_flag ls_flags[] = {
	{ "cluster", 0, CLI_BOOL, NULL, NULL,
	  "Display only cluster volumes, and use cluster volume list formatting", CLI_FLAG_HIDDEN,
	  NULL },
	{ "filter", 'f', CLI_LIST, "filter", NULL, "Provide filter values (e.g. \"dangling=true\")",
	  0, NULL },
	{ "format", 0, CLI_STRING, "string", NULL,
	  "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates",
	  0, NULL },
	{ "quiet", 'q', CLI_BOOL, NULL, NULL, "Only display volume names", 0, NULL },
	CLI_FLAGS_END,
};

static json_t *ls_headers(void)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Name",
			 "VOLUME NAME", "Driver", "DRIVER", "Scope", "SCOPE", "Mountpoint",
			 "MOUNTPOINT", "Labels", "LABELS", "Links", "LINKS", "Size", "SIZE",
			 "Group", "GROUP", "Availability", "AVAILABILITY", "Status", "STATUS");
}

/* docker's sortorder.NaturalLess: digit runs compare as numbers */
static int natural_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			const char *sa = a, *sb = b;
			while (*sa == '0')
				sa++;
			while (*sb == '0')
				sb++;
			const char *ea = sa, *eb = sb;
			while (isdigit((unsigned char)*ea))
				ea++;
			while (isdigit((unsigned char)*eb))
				eb++;
			if (ea - sa != eb - sb)
				return (ea - sa) < (eb - sb) ? -1 : 1;
			int c = strncmp(sa, sb, (size_t)(ea - sa));
			if (c)
				return c;
			while (isdigit((unsigned char)*a))
				a++;
			while (isdigit((unsigned char)*b))
				b++;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return *a ? 1 : *b ? -1 : 0;
}

static int by_name(const void *x, const void *y)
{
	const json_t *a = *(json_t *const *)x, *b = *(json_t *const *)y;
	const char *na = json_string_value(json_object_get(a, "Name"));
	const char *nb = json_string_value(json_object_get(b, "Name"));
	return natural_cmp(na ? na : "", nb ? nb : "");
}

/* docker's volumeContext.Labels: "k=v" joined with ",", in map order
 * (Go's is random; sorted here) */
static char *labels_text(const json_t *labels)
{
	struct strbuf sb;
	strbuf_init(&sb, 64);
	const char **keys = xcalloc(json_object_size(labels) + 1, sizeof(char *));
	size_t n = 0;
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)labels, k, v) keys[n++] = k;
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
			const char *t = keys[j];
			keys[j] = keys[j - 1];
			keys[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&sb, "%s%s=%s", i ? "," : "", keys[i],
			    json_string_value(json_object_get(labels, keys[i])) ?: "");
	free(keys);
	return strbuf_detach(&sb, NULL);
}

static json_t *ls_row(const json_t *v)
{
	cleanup_free char *labels = labels_text(json_object_get(v, "Labels"));
	const char *name = json_string_value(json_object_get(v, "Name"));
	const char *driver = json_string_value(json_object_get(v, "Driver"));
	const char *scope = json_string_value(json_object_get(v, "Scope"));
	const char *mp = json_string_value(json_object_get(v, "Mountpoint"));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Availability",
			 "N/A", "Driver", driver ? driver : "", "Group", "N/A", "Labels", labels,
			 "Links", "N/A", "Mountpoint", mp ? mp : "", "Name", name ? name : "",
			 "Scope", scope ? scope : "", "Size", "N/A", "Status", "N/A");
}

static int ls_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL;
	const char *const *filters;
	size_t nf = cli_flag_list(args, "filter", &filters);
	for (size_t i = 0; i < nf; i++) {
		if (strchr(filters[i], '='))
			continue;
		/* docker's FilterOpt: a flag error when the flags are parsed, exit 125 */
		const char *path = cli->invoked_as ? cli->invoked_as : "berth volume ls";
		fprintf(stderr,
			"invalid argument \"%s\" for \"-f, --filter\" flag: bad format of filter (expected name=value)\n\n"
			"Usage:  %s [OPTIONS]\n\nRun '%s --help' for more information\n",
			filters[i], path, path);
		return CLI_EXIT_FAILURE;
	}
	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	strbuf_addstr(&url, "/volumes");
	if (cli_query_filters(&url, filters, nf, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	cleanup_json json_t *resp = NULL;
	if (cli_get_json(cli, url.buf, &resp, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	json_t *vols = json_object_get(resp, "Volumes");
	size_t n = json_array_size(vols);
	json_t **v = xcalloc(n + 1, sizeof(json_t *));
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(vols, i);
	qsort(v, n, sizeof(json_t *), by_name);

	const char *fmt = cli_flag_string(args, "format");
	bool quiet = cli_flag_bool(args, "quiet");
	const char *table = LS_TABLE;
	if (quiet && (!fmt || !*fmt || strcmp(fmt, "table") == 0))
		fmt = "{{.Name}}"; /* docker: -q only replaces the default table */
	cleanup_json json_t *headers = ls_headers();
	struct format *f = NULL;
	if (format_new(fmt && *fmt ? fmt : table, table, headers, &f, &err) < 0) {
		free(v);
		return cli_error(cli, err, CLI_EXIT_ERROR);
	}
	int r = 0;
	for (size_t i = 0; i < n && r >= 0; i++) {
		cleanup_json json_t *row = ls_row(v[i]);
		r = format_row(f, row, &err);
	}
	free(v);
	if (r >= 0)
		r = format_flush(f, stdout, &err);
	format_free(f);
	/* docker prints the daemon's warnings after the list */
	fflush(stdout);
	size_t i;
	json_t *w;
	json_array_foreach(json_object_get(resp, "Warnings"), i, w)
		fprintf(stderr, "%s\n", json_string_value(w) ?: "");
	return r < 0 ? cli_error(cli, err, CLI_EXIT_ERROR) : 0;
}

const struct cli_command cli_cmd_volume_ls = {
	.name = "ls",
	.usage = "[OPTIONS]",
	.summary = "List volumes",
	.flags = ls_flags,
	.min_args = 0,
	.max_args = 0,
	.run = ls_run,
};
