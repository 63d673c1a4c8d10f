/* version: `berth version`, docker's Client:/Server: report.  The default
 * layout is docker's version template written out in C and aligned the way
 * docker's tabwriter (minwidth 20, padding 1) aligns it; --format renders a
 * template over {Client, Server} with docker's Go field names.  The client
 * section is always printed, even when the daemon cannot be reached. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/template.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/version.h"
#include "common/xalloc.h"

#define DEFAULT_API_VERSION "1.47"
#define NOT_GO "n/a (berth is written in C)"

/* docker exits 64 (EX_USAGE) on a template that does not parse */
#define EXIT_BAD_TEMPLATE 64

static const struct cli_flag version_flags[] = {
	{ .name = "format",
	  .shorthand = 'f',
	  .type = CLI_STRING,
	  .usage =
		  "Format output using a custom template:\n'json':             Print in JSON format\n"
		  "'TEMPLATE':         Print output using the given Go template.\nRefer to "
		  "https://docs.docker.com/go/formatting/ for more information about formatting "
		  "output with templates" },
	CLI_FLAGS_END,
};

static const char *go_arch(const char *machine)
{
	if (strcmp(machine, "x86_64") == 0)
		return "amd64";
	if (strcmp(machine, "aarch64") == 0)
		return "arm64";
	if (strncmp(machine, "armv", 4) == 0)
		return "arm";
	if (strcmp(machine, "i686") == 0 || strcmp(machine, "i386") == 0)
		return "386";
	return machine;
}

/* Go's time.ANSIC ("Mon Jan _2 15:04:05 2006") of an RFC 3339 time, in the
 * time's own offset as Go prints it; the text unchanged when it is not one */
/* n decimal digits at p; -1 when they are not all digits */
static int digits(const char *p, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

static char *ansic(const char *rfc3339)
{
	struct tm tm = { 0 };
	if (!rfc3339)
		return xstrdup("");
	/* "2006-01-02T15:04:05...": the separators, then each field */
	if (strlen(rfc3339) < 19 || rfc3339[4] != '-' || rfc3339[7] != '-' || rfc3339[10] != 'T' ||
	    rfc3339[13] != ':' || rfc3339[16] != ':')
		return xstrdup(rfc3339);
	int y = digits(rfc3339, 4), mo = digits(rfc3339 + 5, 2), d = digits(rfc3339 + 8, 2);
	int h = digits(rfc3339 + 11, 2), mi = digits(rfc3339 + 14, 2), s = digits(rfc3339 + 17, 2);
	if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0)
		return xstrdup(rfc3339);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	time_t t = timegm(&tm); /* only to learn the weekday */
	struct tm norm;
	char buf[64];
	if (t == (time_t)-1 || !gmtime_r(&t, &norm) ||
	    strftime(buf, sizeof(buf), "%a %b %e %H:%M:%S %Y", &norm) == 0)
		return xstrdup(rfc3339);
	return xstrdup(buf);
}

/* When this binary was built: its mtime, which is what the daemon reports */
static char *client_build_time(void)
{
	struct stat st;
	struct tm tm;
	char buf[64];
	if (stat("/proc/self/exe", &st) < 0 || !gmtime_r(&st.st_mtime, &tm) ||
	    strftime(buf, sizeof(buf), "%a %b %e %H:%M:%S %Y", &tm) == 0)
		return xstrdup("unknown");
	return xstrdup(buf);
}

/* The Client object with docker's Go field names (the template's view) */
static json_t *client_object(const char *api, bool go_names)
{
	struct utsname u;
	if (uname(&u) < 0)
		snprintf(u.machine, sizeof(u.machine), "unknown");
	cleanup_free char *built = client_build_time();
	return json_pack("{s:{s:s}, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Platform",
			 "Name", "berth", "Version", berth_version(),
			 go_names ? "APIVersion" : "ApiVersion", api, "DefaultAPIVersion",
			 DEFAULT_API_VERSION, "GitCommit", berth_commit(), "GoVersion", NOT_GO,
			 "Os", "linux", "Arch", go_arch(u.machine), "BuildTime", built, "Context",
			 "default");
}

/* The server's /version with Go field names (APIVersion, not ApiVersion)
 * and the Engine component's BuildTime in ANSIC, as docker shows it; an
 * Engine component is made from the top-level fields when there is none */
static json_t *server_object(const json_t *v, bool go_names)
{
	json_t *s = json_deep_copy(v);
	json_t *api = json_object_get(s, "ApiVersion");
	if (api && go_names) {
		json_object_set(s, "APIVersion", api);
		json_object_del(s, "ApiVersion");
	}
	json_t *comps = json_object_get(s, "Components");
	size_t i;
	json_t *c;
	bool engine = false;
	json_array_foreach(comps, i, c)
	{
		if (!json_is_string(json_object_get(c, "Name")) ||
		    strcmp(json_string_value(json_object_get(c, "Name")), "Engine") != 0)
			continue;
		engine = true;
		json_t *details = json_object_get(c, "Details");
		const char *bt = json_string_value(json_object_get(details, "BuildTime"));
		if (bt) {
			cleanup_free char *a = ansic(bt);
			json_object_set_new(details, "BuildTime", json_string(a));
		}
	}
	if (!engine) {
		if (!json_is_array(comps)) {
			comps = json_array();
			json_object_set_new(s, "Components", comps);
		}
		cleanup_free char *bt = ansic(json_string_value(json_object_get(s, "BuildTime")));
		json_t *details = json_object();
		const char *keys[][2] = { { "ApiVersion", go_names ? "APIVersion" : "ApiVersion" },
					  { "MinAPIVersion", "MinAPIVersion" },
					  { "GitCommit", "GitCommit" },
					  { "GoVersion", "GoVersion" },
					  { "Os", "Os" },
					  { "Arch", "Arch" } };
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			const char *val = json_string_value(json_object_get(s, keys[k][1]));
			json_object_set_new(details, keys[k][0], json_string(val ? val : ""));
		}
		json_object_set_new(details, "BuildTime", json_string(bt));
		json_object_set_new(details, "Experimental",
				    json_string(json_is_true(json_object_get(s, "Experimental")) ?
							"true" :
							"false"));
		json_array_append_new(comps,
				      json_pack("{s:s, s:O?, s:o}", "Name", "Engine", "Version",
						json_object_get(s, "Version"), "Details", details));
	}
	if (!json_object_get(s, "Platform"))
		json_object_set_new(s, "Platform", json_pack("{s:s}", "Name", ""));
	return s;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const char *str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

/* docker's default version template, as text with tabs for the tabwriter */
static void render_default(const json_t *client, const json_t *server, struct strbuf *out)
{
	const char *plat = str(json_object_get(client, "Platform"), "Name");
	strbuf_addf(out, "Client:%s%s\n", *plat ? " " : "", plat);
	strbuf_addf(out, " Version:\t%s\n", str(client, "Version"));
	strbuf_addf(out, " API version:\t%s", str(client, "APIVersion"));
	if (strcmp(str(client, "APIVersion"), str(client, "DefaultAPIVersion")) != 0)
		strbuf_addf(out, " (downgraded from %s)", str(client, "DefaultAPIVersion"));
	strbuf_addf(
		out,
		"\n Go version:\t%s\n Git commit:\t%s\n Built:\t%s\n OS/Arch:\t%s/%s\n Context:\t%s",
		str(client, "GoVersion"), str(client, "GitCommit"), str(client, "BuildTime"),
		str(client, "Os"), str(client, "Arch"), str(client, "Context"));
	if (!server)
		return;
	plat = str(json_object_get(server, "Platform"), "Name");
	strbuf_addf(out, "\n\nServer:%s%s", *plat ? " " : "", plat);
	size_t i;
	const json_t *c;
	json_array_foreach(json_object_get(server, "Components"), i, c)
	{
		const json_t *d = json_object_get(c, "Details");
		strbuf_addf(out, "\n %s:", str(c, "Name"));
		if (strcmp(str(c, "Name"), "Engine") == 0) {
			strbuf_addf(
				out,
				"\n  Version:\t%s\n  API version:\t%s (minimum version %s)\n  Go version:\t%s"
				"\n  Git commit:\t%s\n  Built:\t%s\n  OS/Arch:\t%s/%s\n  Experimental:\t%s",
				str(c, "Version"), str(d, "ApiVersion"), str(d, "MinAPIVersion"),
				str(d, "GoVersion"), str(d, "GitCommit"), str(d, "BuildTime"),
				str(d, "Os"), str(d, "Arch"), str(d, "Experimental"));
			continue;
		}
		strbuf_addf(out, "\n  Version:\t%s", str(c, "Version"));
		/* getDetailsOrder: the detail keys sorted */
		size_t n = json_object_size(d), k = 0;
		cleanup_free const char **keys = xcalloc(n + 1, sizeof(*keys));
		const char *key;
		json_t *val;
		json_object_foreach((json_t *)d, key, val) keys[k++] = key;
		qsort(keys, k, sizeof(*keys), cmp_str);
		for (size_t j = 0; j < k; j++)
			strbuf_addf(out, "\n  %s:\t%s", keys[j], str(d, keys[j]));
	}
}

/* Go's text/tabwriter with docker's version settings (minwidth 20,
 * tabwidth 1, padding 1, padchar ' '): a column block is a run of lines
 * that all have a tab-terminated cell in that column; the last cell of a
 * line is never padded.  Widths count UTF-8 characters. */
#define TW_MINWIDTH 20
#define TW_PADDING 1

struct tw_line {
	char **cells; /* tab-terminated cells, then the last cell */
	size_t n;     /* cells, >= 1 */
};

struct tw {
	struct tw_line *lines;
	size_t n;       /* lines; the last one is what followed the final '\n' */
	size_t *widths; /* one per column of the block being written */
	FILE *out;
};

static size_t utf8_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

static void tw_write_lines(const struct tw *t, size_t from, size_t to, size_t depth)
{
	for (size_t i = from; i < to; i++) {
		const struct tw_line *l = &t->lines[i];
		for (size_t j = 0; j < l->n; j++) {
			fputs(l->cells[j], t->out);
			if (j < depth && j + 1 < l->n)
				for (size_t w = utf8_width(l->cells[j]); w < t->widths[j]; w++)
					fputc(' ', t->out);
		}
		if (i + 1 < t->n)
			fputc('\n', t->out);
	}
}

/* Go's Writer.format: lines [line0, line1) with depth columns decided */
static void tw_format(struct tw *t, size_t line0, size_t line1, size_t depth)
{
	size_t this = line0;
	while (this < line1) {
		if (depth + 1 >= t->lines[this].n) {
			this ++;
			continue;
		}
		tw_write_lines(t, line0, this, depth);
		line0 = this;
		size_t width = TW_MINWIDTH;
		for (; this < line1 && depth + 1 < t->lines[this].n; this ++) {
			size_t w = utf8_width(t->lines[this].cells[depth]) + TW_PADDING;
			if (w > width)
				width = w;
		}
		t->widths[depth] = width;
		tw_format(t, line0, this, depth + 1);
		line0 = this;
	}
	tw_write_lines(t, line0, line1, depth);
}

static void tabwrite(const char *text, FILE *out)
{
	struct tw t = { .out = out };
	size_t alloc = 0, max_cells = 1;
	const char *p = text;
	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		t.lines = xgrow(t.lines, &alloc, t.n + 1, sizeof(*t.lines));
		struct tw_line *l = &t.lines[t.n++];
		l->n = 1;
		for (size_t i = 0; i < len; i++)
			l->n += p[i] == '\t';
		if (l->n > max_cells)
			max_cells = l->n;
		l->cells = xcalloc(l->n, sizeof(*l->cells));
		const char *c = p;
		for (size_t k = 0; k < l->n; k++) {
			const char *end = memchr(c, '\t', (size_t)(p + len - c));
			if (!end)
				end = p + len;
			l->cells[k] = xstrndup(c, (size_t)(end - c));
			c = end + 1;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	t.widths = xcalloc(max_cells, sizeof(*t.widths));
	tw_format(&t, 0, t.n, 0);
	for (size_t i = 0; i < t.n; i++) {
		for (size_t k = 0; k < t.lines[i].n; k++)
			free(t.lines[i].cells[k]);
		free(t.lines[i].cells);
	}
	free(t.lines);
	free(t.widths);
}

/* The template's error text names the template "version", as docker's
 * does; prefix ("template parsing error: " or "") goes in front */
static void name_template(berth_error_t **err, const char *prefix)
{
	if (!*err)
		return;
	const char *m = (*err)->msg;
	cleanup_free char *rest = xstrdup(strncmp(m, "template: :", 11) == 0 ? m + 11 : m);
	bool named = strncmp(m, "template: :", 11) == 0;
	int errnum = (*err)->errnum;
	char *exec = strstr(rest, "executing \"\"");
	if (named && exec) {
		*exec = '\0';
		berth_error_fail(err, errnum, "%stemplate: version:%sexecuting \"version\"%s",
				 prefix, rest, exec + 12);
		return;
	}
	berth_error_fail(err, errnum, "%s%s%s", prefix, named ? "template: version:" : "", rest);
}

static int run_version(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL, *server_err = NULL;
	const char *format = cli_flag_string(args, "format");
	struct template *tmpl = NULL;
	bool is_json = format && strcmp(format, "json") == 0;
	if (format && *format && template_parse(is_json ? "{{json .}}" : format, &tmpl, &err) < 0) {
		name_template(&err, "template parsing error: ");
		return cli_error(cli, err, EXIT_BAD_TEMPLATE);
	}

	cleanup_json json_t *raw = NULL;
	const char *api = DEFAULT_API_VERSION;
	struct cli_client *c = NULL;
	if (cli_client(cli, &c, &server_err) == 0 &&
	    cli_client_api_version(c, &api, &server_err) == 0)
		cli_get_json(cli, "/version", &raw, &server_err);
	if (server_err)
		api = DEFAULT_API_VERSION;

	cleanup_json json_t *dot = json_object();
	/* templates see docker's Go field names (.Client.APIVersion); --format
	 * json prints the API's names (ApiVersion), as Go marshals them */
	json_object_set_new(dot, "Client", client_object(api, !is_json));
	json_object_set_new(dot, "Server", raw ? server_object(raw, !is_json) : json_null());

	cleanup_strbuf struct strbuf out = STRBUF_INIT;
	int r = 0;
	if (tmpl) {
		r = template_render(tmpl, dot, &out, &err);
		template_free(tmpl);
		name_template(&err, "");
	} else {
		render_default(json_object_get(dot, "Client"),
			       raw ? json_object_get(dot, "Server") : NULL, &out);
	}
	strbuf_addch(&out, '\n');
	tabwrite(out.buf, stdout);
	fflush(stdout);
	if (server_err)
		return cli_error(cli, server_err, CLI_EXIT_ERROR);
	if (r < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	return 0;
}

const struct cli_command cli_cmd_version = {
	.name = "version",
	.usage = "[OPTIONS]",
	.summary = "Show the berth version information",
	.description =
		"Show the version of the berth client and of the berthd it talks to, in docker's "
		"layout.",
	.flags = version_flags,
	.min_args = 0,
	.max_args = 0,
	.cmd_flags = 0,
	.run = run_version,
};
