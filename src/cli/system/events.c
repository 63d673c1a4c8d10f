/* events: `berth events`, the daemon's event stream (GET /events) printed
 * as it arrives, one line per event and flushed at once, in docker's line
 * format ("<time> container start <id> (image=busybox, name=web)") or
 * through --format.  It ends when the daemon ends the stream (--until) or
 * the user interrupts it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/human.h"
#include "cli/template.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

/* docker exits 64 (EX_USAGE) on a template that does not parse */
#define EXIT_BAD_TEMPLATE 64

static const struct cli_flag events_flags[] = {
	{ .name = "filter",
	  .shorthand = 'f',
	  .type = CLI_LIST,
	  .value_name = "filter",
	  .usage = "Filter output based on conditions provided" },
	{ .name = "format",
	  .type = CLI_STRING,
	  .usage =
		  "Format output using a custom template:\n'json':             Print in JSON format\n"
		  "'TEMPLATE':         Print output using the given Go template.\nRefer to "
		  "https://docs.docker.com/go/formatting/ for more information about formatting "
		  "output with templates" },
	{ .name = "since", .type = CLI_STRING, .usage = "Show all events created since timestamp" },
	{ .name = "until", .type = CLI_STRING, .usage = "Stream events until this timestamp" },
	CLI_FLAGS_END,
};

struct events_out {
	const struct template *tmpl; /* NULL: docker's line format */
	bool go_names;               /* rename the JSON fields for the template */
	berth_error_t *err;          /* what stopped the stream */
};

/* Go's "2006-01-02T15:04:05.000000000Z07:00" in the local time zone, as
 * docker's time.Unix(0, TimeNano).Format prints it */
static void print_time(FILE *out, int64_t ns)
{
	time_t sec = (time_t)(ns / 1000000000);
	long nsec = (long)(ns % 1000000000);
	if (nsec < 0) {
		nsec += 1000000000;
		sec--;
	}
	struct tm tm;
	char buf[32];
	if (!localtime_r(&sec, &tm) || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		return;
	fprintf(out, "%s.%09ld", buf, nsec);
	long off = tm.tm_gmtoff;
	if (off == 0) {
		fputs("Z ", out);
		return;
	}
	char sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	fprintf(out, "%c%02ld:%02ld ", sign, off / 3600, (off % 3600) / 60);
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

/* prettyPrintEvent: time, type, action, actor id, sorted attributes */
static void print_event(FILE *out, const json_t *ev)
{
	int64_t ns = json_integer_value(json_object_get(ev, "timeNano"));
	int64_t s = json_integer_value(json_object_get(ev, "time"));
	if (ns != 0)
		print_time(out, ns);
	else if (s != 0)
		print_time(out, s * 1000000000);
	const json_t *actor = json_object_get(ev, "Actor");
	fprintf(out, "%s %s %s", str(ev, "Type"), str(ev, "Action"), str(actor, "ID"));
	const json_t *attrs = json_object_get(actor, "Attributes");
	size_t n = json_object_size(attrs);
	if (n > 0) {
		cleanup_free const char **keys = xcalloc(n, sizeof(*keys));
		size_t k = 0;
		const char *key;
		json_t *v;
		json_object_foreach((json_t *)attrs, key, v) keys[k++] = key;
		qsort(keys, k, sizeof(*keys), cmp_str);
		fputs(" (", out);
		for (size_t i = 0; i < k; i++)
			fprintf(out, "%s%s=%s", i ? ", " : "", keys[i], str(attrs, keys[i]));
		fputc(')', out);
	}
	fputc('\n', out);
}

/* The event with docker's Go field names (events.Message), for templates */
static json_t *go_event(const json_t *ev)
{
	static const char *const names[][2] = {
		{ "status", "Status" }, { "id", "ID" },     { "from", "From" },
		{ "scope", "Scope" },   { "time", "Time" }, { "timeNano", "TimeNano" },
	};
	json_t *g = json_deep_copy(ev);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		json_t *v = json_object_get(g, names[i][0]);
		json_object_set_new(g, names[i][1],
				    v ? json_incref(v) :
					(i >= 4 ? json_integer(0) : json_string("")));
		if (v)
			json_object_del(g, names[i][0]);
	}
	if (!json_object_get(g, "Actor"))
		json_object_set_new(g, "Actor", json_pack("{s:s, s:{}}", "ID", "", "Attributes"));
	return g;
}

static int render(const struct template *t, const json_t *ev, bool go_names, FILE *out,
		  berth_error_t **err)
{
	cleanup_json json_t *dot = go_names ? go_event(ev) : json_incref((json_t *)ev);
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	int r = template_render(t, dot, &sb, err);
	fputs(sb.buf, out);
	fputc('\n', out);
	return r;
}

static int on_event(const json_t *ev, void *ud)
{
	struct events_out *o = ud;
	int r = 0;
	if (o->tmpl)
		r = render(o->tmpl, ev, o->go_names, stdout, &o->err);
	else
		print_event(stdout, ev);
	/* a reader (a script, `grep -m1`) must see each event as it happens */
	if (fflush(stdout) == EOF && r == 0)
		r = berth_error_set(&o->err, errno, "write events");
	return r;
}

struct stream_ctx {
	struct cli_json_stream js;
	struct events_out *o;
};

static int on_body(const char *data, size_t len, void *ud)
{
	struct stream_ctx *s = ud;
	if (s->o->err)
		return -1;
	berth_error_t *err = NULL;
	if (cli_json_stream_feed(&s->js, data, len, &err) < 0) {
		if (!s->o->err)
			s->o->err = err;
		else
			berth_error_free(err);
		return -1;
	}
	return 0;
}

static int build_path(const struct cli_args *args, struct strbuf *path, berth_error_t **err)
{
	char buf[HUMAN_BUF];
	strbuf_addstr(path, "/events");
	const char *since = cli_flag_string(args, "since");
	const char *until = cli_flag_string(args, "until");
	if (since && *since) {
		if (human_time_arg(since, buf, err) < 0)
			return -1;
		cli_query_add(path, "since", buf);
	}
	if (until && *until) {
		if (human_time_arg(until, buf, err) < 0)
			return -1;
		cli_query_add(path, "until", buf);
	}
	const char *const *filters;
	size_t n = cli_flag_list(args, "filter", &filters);
	return cli_query_filters(path, filters, n, err);
}

/* docker executes a template once over an empty message so that a bad
 * one fails before any event arrives */
static int check_template(const struct template *t, bool go_names, berth_error_t **err)
{
	cleanup_json json_t *empty = json_pack("{s:s, s:s, s:{s:s, s:{}}, s:s, s:i, s:i}", "Type",
					       "", "Action", "", "Actor", "ID", "", "Attributes",
					       "scope", "", "time", 0, "timeNano", 0);
	cleanup_json json_t *dot = go_names ? go_event(empty) : json_incref(empty);
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	return template_render(t, dot, &sb, err);
}

/* docker checks --filter values while it parses flags: a value without
 * '=' is a flag error (exit 125, with the usage line), not a failure */
static int check_filters(const struct cli *cli, const char *const *filters, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strchr(filters[i], '='))
			continue;
		const char *as = cli->invoked_as ? cli->invoked_as : "berth";
		fprintf(stderr,
			"invalid argument \"%s\" for \"-f, --filter\" flag: bad format of filter (expected "
			"name=value)\n\nUsage:  %s %s\n\nRun '%s --help' for more information\n",
			filters[i], as, cli->cmd && cli->cmd->usage ? cli->cmd->usage : "[OPTIONS]",
			as);
		return CLI_EXIT_FAILURE;
	}
	return 0;
}

static int run_events(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL;
	const char *format = cli_flag_string(args, "format");
	struct events_out o = { 0 };
	struct template *tmpl = NULL;
	const char *const *filters;
	size_t n = cli_flag_list(args, "filter", &filters);
	int bad = check_filters(cli, filters, n);
	if (bad)
		return bad;
	if (format && *format) {
		o.go_names = strcmp(format, "json") != 0;
		if (template_parse(o.go_names ? format : "{{json .}}", &tmpl, &err) < 0 ||
		    check_template(tmpl, o.go_names, &err) < 0) {
			template_free(tmpl);
			berth_error_wrap(&err, "Error parsing format");
			return cli_error(cli, err, EXIT_BAD_TEMPLATE);
		}
		o.tmpl = tmpl;
	}
	cleanup_strbuf struct strbuf path = STRBUF_INIT;
	struct cli_client *c;
	int r = build_path(args, &path, &err);
	if (r == 0)
		r = cli_client(cli, &c, &err);
	if (r == 0) {
		struct stream_ctx s = { .o = &o };
		cli_json_stream_init(&s.js, on_event, &o);
		struct cli_request req = { .method = "GET",
					   .path = path.buf,
					   .body_fd = -1,
					   .on_body = on_body,
					   .ud = &s };
		r = cli_client_do(c, &req, NULL, &err);
		if (r == 0)
			r = cli_json_stream_finish(&s.js, &err);
		cli_json_stream_release(&s.js);
		if (o.err) { /* the callback's own error says more than "stopped" */
			berth_error_free(err);
			err = o.err;
			o.err = NULL;
			r = -1;
		}
	}
	template_free(tmpl);
	if (r < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	return 0;
}

const struct cli_command cli_cmd_events = {
	.name = "events",
	.usage = "[OPTIONS]",
	.summary = "Get real time events from the server",
	.description = "Stream berthd's events (containers, images, ...) as they happen; --since "
		       "replays past ones, --until ends the stream.",
	.flags = events_flags,
	.min_args = 0,
	.max_args = 0,
	.run = run_events,
};
