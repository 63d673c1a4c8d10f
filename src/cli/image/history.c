/* history: `berth history IMAGE`, GET /images/{name}/history rendered as
 * docker's history formatter does (created-by cut to 45 columns with an
 * ellipsis, "N/A" for layers from before 2000, -H=false for raw values). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/format.h"
#include "cli/human.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

#define HISTORY_TABLE "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
#define HISTORY_TABLE_RAW "table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
/* 2000-01-01T00:00:00Z: older creation times are shown as N/A */
#define HISTORY_EPOCH 946684800

static const struct cli_flag history_flags[] = {
	{ "format", 0, CLI_STRING, "string", NULL,
	  "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates",
	  0, NULL },
	{ "human", 'H', CLI_BOOL, NULL, "true", "Print sizes and dates in human readable format", 0,
	  NULL },
	{ "no-trunc", 0, CLI_BOOL, NULL, NULL, "Don't truncate output", 0, NULL },
	{ "platform", 0, CLI_STRING, "string", NULL,
	  "Show history for the given platform. Formatted as \"os[/arch[/variant]]\" (e.g., \"linux/amd64\")",
	  CLI_FLAG_HIDDEN /* docker 28.2 shows it only for API >= 1.48 */, NULL },
	{ "quiet", 'q', CLI_BOOL, NULL, NULL, "Only show image IDs", 0, NULL },
	CLI_FLAGS_END,
};

/* Go's time.Format(time.RFC3339) in local time */
static void history_rfc3339(time_t t, char *buf, size_t n)
{
	struct tm tm;
	localtime_r(&t, &tm);
	size_t len = strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm);
	long off = tm.tm_gmtoff;
	if (off == 0)
		snprintf(buf + len, n - len, "Z");
	else
		snprintf(buf + len, n - len, "%c%02ld:%02ld", off < 0 ? '-' : '+', labs(off) / 3600,
			 labs(off) % 3600 / 60);
}

/* docker's formatter.Ellipsis for ASCII and UTF-8 text: width counted in code points */
static char *history_ellipsis(const char *s, size_t max)
{
	size_t runes = 0, cut = 0;
	for (const char *p = s; *p; p++)
		if (((unsigned char)*p & 0xc0) != 0x80) {
			if (runes == max - 1)
				cut = (size_t)(p - s);
			runes++;
		}
	if (runes <= max)
		return xstrdup(s);
	return xasprintf("%.*s…", (int)cut, s);
}

static json_t *history_row(const json_t *h, bool trunc, bool human)
{
	char buf[HUMAN_BUF], at[64];
	const char *id = json_string_value(json_object_get(h, "Id"));
	if (!id)
		id = "";
	cleanup_free char *short_id = NULL;
	if (trunc) {
		const char *hex = strncmp(id, "sha256:", 7) == 0 ? id + 7 : id;
		short_id = xstrndup(hex, 12);
	}
	json_int_t created = json_integer_value(json_object_get(h, "Created"));
	json_int_t size = json_integer_value(json_object_get(h, "Size"));
	cleanup_free char *by = xstrdup(json_string_value(json_object_get(h, "CreatedBy")) ?: "");
	for (char *p = by; *p; p++)
		if (*p == '\t')
			*p = ' ';
	if (trunc) {
		char *cut = history_ellipsis(by, 45);
		free(by);
		by = cut;
	}
	history_rfc3339((time_t)created, at, sizeof(at));
	json_t *row = json_object();
	json_object_set_new(row, "Comment",
			    json_string(json_string_value(json_object_get(h, "Comment")) ?: ""));
	json_object_set_new(row, "CreatedAt", json_string(at));
	json_object_set_new(row, "CreatedBy", json_string(by));
	if (!human)
		json_object_set_new(row, "CreatedSince", json_string(at));
	else if (created <= HISTORY_EPOCH)
		json_object_set_new(row, "CreatedSince", json_string("N/A"));
	else
		json_object_set_new(row, "CreatedSince", json_string(human_ago(created, buf)));
	json_object_set_new(row, "ID", json_string(short_id ? short_id : id));
	if (human)
		json_object_set_new(row, "Size", json_string(human_size((double)size, buf)));
	else
		json_object_set_new(row, "Size", json_sprintf("%lld", (long long)size));
	return row;
}

static int history_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_free char *name = cli_escape(cli_arg(args, 0));
	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	strbuf_addf(&url, "/images/%s/history", name);
	const char *platform = cli_flag_string(args, "platform");
	if (platform && *platform) {
		/* the API takes the platform as OCI JSON */
		cleanup_free char *os = xstrndup(platform, strcspn(platform, "/"));
		const char *rest = platform[strlen(os)] ? platform + strlen(os) + 1 : "";
		cleanup_free char *arch = xstrndup(rest, strcspn(rest, "/"));
		cleanup_json json_t *p = json_pack("{s:s}", "os", os);
		if (*arch)
			json_object_set_new(p, "architecture", json_string(arch));
		cleanup_free char *text = json_dumps(p, JSON_COMPACT);
		cli_query_add(&url, "platform", text);
	}
	cleanup_json json_t *list = NULL;
	if (cli_get_json(cli, url.buf, &list, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);

	bool human = cli_flag_bool(args, "human");
	bool trunc = !cli_flag_bool(args, "no-trunc");
	const char *fmt = cli_flag_string(args, "format");
	const char *table = cli_flag_bool(args, "quiet") ? "{{.ID}}" :
			    human                        ? HISTORY_TABLE :
							   HISTORY_TABLE_RAW;
	bool custom = fmt && *fmt && strcmp(fmt, "table") != 0;
	cleanup_json json_t *headers = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "ID", "IMAGE",
						 "CreatedSince", "CREATED", "CreatedAt",
						 "CREATED AT", "CreatedBy", "CREATED BY", "Size",
						 "SIZE", "Comment", "COMMENT");
	struct format *f;
	if (format_new(custom ? fmt : table, table, headers, &f, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	size_t i;
	const json_t *h;
	int r = 0;
	json_array_foreach(list, i, h)
	{
		cleanup_json json_t *row = history_row(h, trunc, human);
		if ((r = format_row(f, row, &err)) < 0)
			break;
	}
	if (r >= 0)
		r = format_flush(f, stdout, &err);
	format_free(f);
	return r < 0 ? cli_error(cli, err, CLI_EXIT_ERROR) : 0;
}

const struct cli_command cli_cmd_history = {
	.name = "history",
	.usage = "[OPTIONS] IMAGE",
	.summary = "Show the history of an image",
	.flags = history_flags,
	.min_args = 1,
	.max_args = 1,
	.complete = "images",
	.run = history_run,
};
