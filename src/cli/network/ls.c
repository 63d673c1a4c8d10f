/* ls: `berth network ls`, GET /networks with --filter, as docker's network
 * list: sorted by name in natural order, the table NETWORK ID / NAME /
 * DRIVER / SCOPE, ids cut to 12 characters unless --no-trunc, -q for ids,
 * --format with docker's network fields (ID, Name, Driver, Scope, IPv4,
 * IPv6, Internal, Labels, CreatedAt, {{.Label "k"}}) and config.json's
 * networksFormat when no format is given. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/format.h"
#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

#define LS_TABLE "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}"
#define LS_RAW "network_id: {{.ID}}\nname: {{.Name}}\ndriver: {{.Driver}}\nscope: {{.Scope}}\n"
/* The largest config.json read for networksFormat */
#define LS_CONFIG_MAX (1024 * 1024)

static const struct cli_flag ls_flags[] = {
	{ "filter", 'f', CLI_LIST, "filter", NULL, "Provide filter values (e.g. \"driver=bridge\")",
	  0, NULL },
	{ "format", 0, CLI_STRING, "string", NULL,
	  "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates",
	  0, NULL },
	{ "no-trunc", 0, CLI_BOOL, NULL, NULL, "Do not truncate the output", 0, NULL },
	{ "quiet", 'q', CLI_BOOL, NULL, NULL, "Only display network IDs", 0, NULL },
	CLI_FLAGS_END,
};

static json_t *ls_headers(void)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{}}", "ID", "NETWORK ID",
			 "Name", "NAME", "Driver", "DRIVER", "Scope", "SCOPE", "IPv4", "IPV4",
			 "IPv6", "IPV6", "Internal", "INTERNAL", "Labels", "LABELS", "CreatedAt",
			 "CREATED AT", "Label");
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
			a = ea;
			b = eb;
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

/* networkContext.Labels: "k=v" joined with ",", in map order (Go's is
 * random; sorted here) */
static char *labels_text(const json_t *labels)
{
	struct strbuf sb;
	strbuf_init(&sb, 64);
	size_t n = json_object_size(labels);
	const char **keys = xcalloc(n + 1, sizeof(char *));
	size_t k = 0;
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)labels, key, v) keys[k++] = key;
	for (size_t i = 1; i < k; i++)
		for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
			const char *t = keys[j];
			keys[j] = keys[j - 1];
			keys[j - 1] = t;
		}
	for (size_t i = 0; i < k; i++)
		strbuf_addf(&sb, "%s%s=%s", i ? "," : "", keys[i],
			    json_string_value(json_object_get(labels, keys[i])) ?: "");
	free(keys);
	return strbuf_detach(&sb, NULL);
}

/* Go's time.Time.String() of an RFC 3339 time as the API gives it:
 * "2026-11-30T18:23:34.1234Z" -> "2026-11-30 18:23:34.1234 +0000 UTC" */
static char *created_text(const char *rfc3339)
{
	if (!rfc3339 || strlen(rfc3339) < 20 || rfc3339[10] != 'T')
		return xstrdup("0001-01-01 00:00:00 +0000 UTC");
	struct strbuf sb = STRBUF_INIT;
	strbuf_add(&sb, rfc3339, 10);
	strbuf_addch(&sb, ' ');
	strbuf_add(&sb, rfc3339 + 11, 8);
	const char *p = rfc3339 + 19;
	if (*p == '.') {
		const char *e = p + 1;
		while (isdigit((unsigned char)*e))
			e++;
		const char *last = e;
		while (last > p + 1 && last[-1] == '0')
			last--; /* Go trims trailing zeros of the fraction */
		if (last > p + 1)
			strbuf_add(&sb, p, (size_t)(last - p));
		p = e;
	}
	if (*p == 'Z' || *p == '\0') {
		strbuf_addstr(&sb, " +0000 UTC");
	} else if (strlen(p) >= 6) {
		/* a fixed offset: Go names the zone by the offset itself */
		char off[6] = { p[0], p[1], p[2], p[4], p[5], '\0' };
		strbuf_addf(&sb, " %s %s", off, off);
	}
	return strbuf_detach(&sb, NULL);
}

static json_t *ls_row(const json_t *n, bool trunc, bool with_label)
{
	const char *id = json_string_value(json_object_get(n, "Id")) ?: "";
	cleanup_free char *short_id = xstrndup(id, trunc ? 12 : strlen(id));
	cleanup_free char *labels = labels_text(json_object_get(n, "Labels"));
	cleanup_free char *created = created_text(json_string_value(json_object_get(n, "Created")));
	/* the keys in Go's order, for --format json */
	json_t *row = json_object();
	json_object_set_new(row, "CreatedAt", json_string(created));
	json_object_set_new(row, "Driver",
			    json_string(json_string_value(json_object_get(n, "Driver")) ?: ""));
	json_object_set_new(row, "ID", json_string(short_id));
	json_object_set_new(row, "IPv4",
			    json_string(json_is_true(json_object_get(n, "EnableIPv4")) ? "true" :
											 "false"));
	json_object_set_new(row, "IPv6",
			    json_string(json_is_true(json_object_get(n, "EnableIPv6")) ? "true" :
											 "false"));
	json_object_set_new(row, "Internal",
			    json_string(json_is_true(json_object_get(n, "Internal")) ? "true" :
										       "false"));
	json_object_set_new(row, "Labels", json_string(labels));
	json_object_set_new(row, "Name",
			    json_string(json_string_value(json_object_get(n, "Name")) ?: ""));
	json_object_set_new(row, "Scope",
			    json_string(json_string_value(json_object_get(n, "Scope")) ?: ""));
	/* {{.Label "k"}} reads the labels as an object; only made when the
	 * template asks, so that {{json .}} prints what docker prints */
	if (with_label) {
		json_t *l = json_object_get(n, "Labels");
		json_object_set_new(row, "Label",
				    json_is_object(l) ? json_deep_copy(l) : json_object());
	}
	return row;
}

/* networksFormat of config.json, NULL when there is none; a config that
 * cannot be read is docker's warning, not a failure */
static char *ls_config_format(const struct cli *cli)
{
	if (!cli->config_dir)
		return NULL;
	cleanup_free char *path = xasprintf("%s/config.json", cli->config_dir);
	if (access(path, F_OK) < 0)
		return NULL;
	cleanup_json json_t *cfg = NULL;
	cleanup_error berth_error_t *err = NULL;
	if (bjson_load_file(path, LS_CONFIG_MAX, 0, &cfg, &err) < 0) {
		fprintf(stderr, "WARNING: Error loading config file: %s\n", err->msg);
		return NULL;
	}
	const char *f = json_string_value(json_object_get(cfg, "networksFormat"));
	return f && *f ? xstrdup(f) : NULL;
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
		return cli_flag_error(cli,
				      "invalid argument \"%s\" for \"-f, --filter\" flag: bad format "
				      "of filter (expected name=value)",
				      filters[i]);
	}
	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	strbuf_addstr(&url, "/networks");
	if (cli_query_filters(&url, filters, nf, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	cleanup_json json_t *list = NULL;
	if (cli_get_json(cli, url.buf, &list, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	size_t n = json_array_size(list);
	cleanup_free json_t **v = xcalloc(n + 1, sizeof(json_t *));
	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(list, i);
	qsort(v, n, sizeof(json_t *), by_name);

	bool quiet = cli_flag_bool(args, "quiet");
	const char *given = cli_flag_string(args, "format");
	cleanup_free char *config_fmt = NULL;
	const char *fmt = given && *given ? given : NULL;
	if (!fmt && !quiet) {
		config_fmt = ls_config_format(cli);
		fmt = config_fmt;
	}
	if (!fmt || strcmp(fmt, "table") == 0)
		fmt = quiet ? "{{.ID}}" : LS_TABLE;
	else if (strcmp(fmt, "raw") == 0)
		fmt = quiet ? "network_id: {{.ID}}" : LS_RAW;
	cleanup_json json_t *headers = ls_headers();
	struct format *f = NULL;
	if (format_new(fmt, LS_TABLE, headers, &f, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	bool trunc = !cli_flag_bool(args, "no-trunc");
	bool with_label = strstr(fmt, ".Label ") != NULL;
	int r = 0;
	for (size_t i = 0; i < n && r >= 0; i++) {
		cleanup_json json_t *row = ls_row(v[i], trunc, with_label);
		r = format_row(f, row, &err);
	}
	if (r >= 0)
		r = format_flush(f, stdout, &err);
	format_free(f);
	return r < 0 ? cli_error(cli, err, CLI_EXIT_ERROR) : 0;
}

const struct cli_command cli_cmd_network_ls = {
	.name = "ls",
	.usage = "[OPTIONS]",
	.summary = "List networks",
	.flags = ls_flags,
	.min_args = 0,
	.max_args = 0,
	.run = ls_run,
};
