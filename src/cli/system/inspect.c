/* inspect: `berth inspect`, `berth container inspect`, `berth image
 * inspect`, as docker's cli/command/inspect does it.  Without --format the
 * daemon's raw JSON bodies are joined into one array and re-indented byte
 * for byte as Go's json.Indent does (strings are copied as received, never
 * re-escaped); with a template each object is decoded and rendered.  Every
 * reference is tried; failures are reported together at the end, exit 1. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/template.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

/* An inspected object bigger than this is not a container or image */
#define INSPECT_MAX_BODY (64 * 1024 * 1024)

#define INSPECT_FORMAT_HELP                                                     \
	"Format output using a custom template:\n"                              \
	"'json':             Print in JSON format\n"                            \
	"'TEMPLATE':         Print output using the given Go template.\n"       \
	"Refer to https://docs.docker.com/go/formatting/ for more information " \
	"about formatting output with templates"

/* The object types docker knows, in the order `docker inspect` tries them
 * when no --type is given (swarm objects only on a swarm manager, which
 * berthd never is) */
struct object_type {
	const char *name;
	const char *prefix, *suffix; /* the API path is prefix + escaped reference + suffix */
	bool size;                   /* ?size=1 supported */
	bool swarm;
};

static const struct object_type types[] = {
	{ "container", "/containers/", "/json", true, false },
	{ "image", "/images/", "/json", false, false },
	{ "network", "/networks/", "", false, false },
	{ "volume", "/volumes/", "", false, false },
	{ "service", "/services/", "?insertDefaults=true", false, true },
	{ "task", "/tasks/", "", false, true },
	{ "node", "/nodes/", "", false, true },
	{ "plugin", "/plugins/", "/json", false, false },
	{ "secret", "/secrets/", "", false, true },
	{ "config", "/configs/", "", false, true },
};
#define N_TYPES (sizeof(types) / sizeof(types[0]))

/* docker lists them sorted in its messages */
#define ALL_TYPES \
	"\"config\", \"container\", \"image\", \"network\", \"node\", \"plugin\", \"secret\", \"service\", \"task\", \"volume\""

static const struct object_type *type_find(const char *name)
{
	for (size_t i = 0; i < N_TYPES; i++)
		if (strcmp(types[i].name, name) == 0)
			return &types[i];
	return NULL;
}

/* ---- Go's json.Indent and json.Compact over raw bytes ---- */

static void newline_indent(struct strbuf *out, int depth)
{
	strbuf_addch(out, '\n');
	for (int i = 0; i < depth; i++)
		strbuf_addstr(out, "    ");
}

/* src must be valid JSON (checked by the caller); strings are copied
 * verbatim, whitespace outside them dropped, and empty objects and arrays
 * stay "{}" and "[]" */
static void json_indent(struct strbuf *out, const char *src, size_t len, bool indent)
{
	bool in_str = false, esc = false, need_indent = false;
	int depth = 0;
	for (size_t i = 0; i < len; i++) {
		char c = src[i];
		if (in_str) {
			strbuf_addch(out, c);
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			continue;
		if (!indent) {
			strbuf_addch(out, c);
			in_str = c == '"';
			continue;
		}
		if (need_indent && c != '}' && c != ']') {
			need_indent = false;
			newline_indent(out, ++depth);
		}
		switch (c) {
		case '{':
		case '[':
			need_indent = true;
			strbuf_addch(out, c);
			break;
		case ',':
			strbuf_addch(out, c);
			newline_indent(out, depth);
			break;
		case ':':
			strbuf_addstr(out, ": ");
			break;
		case '}':
		case ']':
			if (need_indent)
				need_indent = false;
			else
				newline_indent(out, --depth);
			strbuf_addch(out, c);
			break;
		case '"':
			in_str = true;
			strbuf_addch(out, c);
			break;
		default:
			strbuf_addch(out, c);
		}
	}
}

/* ---- the inspector ---- */

enum inspect_mode {
	MODE_INDENT,
	MODE_JSON,
	MODE_TEMPLATE
};

struct inspector {
	enum inspect_mode mode;
	struct template *tmpl;
	struct strbuf raw; /* MODE_INDENT/JSON: "raw1,raw2" */
	size_t nraw;
	struct strbuf out;  /* MODE_TEMPLATE: rendered objects */
	struct strbuf errs; /* every failure, one a line */
};

static void inspector_release(struct inspector *in)
{
	template_free(in->tmpl);
	strbuf_release(&in->raw);
	strbuf_release(&in->out);
	strbuf_release(&in->errs);
}

static void add_error(struct inspector *in, const char *msg)
{
	if (in->errs.len)
		strbuf_addch(&in->errs, '\n');
	strbuf_addstr(&in->errs, msg);
}

/* One object's raw JSON body */
static void inspector_add(struct inspector *in, const char *body, size_t len)
{
	json_error_t jerr;
	cleanup_json json_t *v = json_loadb(body, len, JSON_DECODE_ANY, &jerr);
	if (!v) {
		cleanup_free char *msg = xasprintf("unable to read inspect data: %s", jerr.text);
		add_error(in, msg);
		return;
	}
	if (in->mode != MODE_TEMPLATE) {
		if (in->nraw++)
			strbuf_addch(&in->raw, ',');
		strbuf_add(&in->raw, body, len);
		return;
	}
	cleanup_error berth_error_t *err = NULL;
	if (template_render(in->tmpl, v, &in->out, &err) < 0) {
		cleanup_free char *msg = xasprintf("template parsing error: %s", err->msg);
		add_error(in, msg);
		return;
	}
	strbuf_addch(&in->out, '\n');
}

static void inspector_flush(struct inspector *in, FILE *out)
{
	if (in->mode == MODE_TEMPLATE) {
		if (in->out.len == 0)
			fputc('\n', out);
		else
			fwrite(in->out.buf, 1, in->out.len, out);
		return;
	}
	if (in->nraw == 0) {
		fputs("[]\n", out);
		return;
	}
	cleanup_strbuf struct strbuf all = STRBUF_INIT, res = STRBUF_INIT;
	strbuf_addch(&all, '[');
	strbuf_add(&all, in->raw.buf, in->raw.len);
	strbuf_addch(&all, ']');
	json_indent(&res, all.buf, all.len, in->mode == MODE_INDENT);
	fwrite(res.buf, 1, res.len, out);
	fputc('\n', out);
}

/* GET the object; *ret_body gets the raw body */
static int fetch(struct cli *cli, const struct object_type *t, const char *ref, bool size,
		 struct strbuf *ret_body, berth_error_t **err)
{
	struct cli_client *c;
	int r = cli_client(cli, &c, err);
	if (r < 0)
		return r;
	cleanup_free char *esc = cli_escape(ref);
	cleanup_strbuf struct strbuf path = STRBUF_INIT;
	strbuf_addstr(&path, t->prefix);
	strbuf_addstr(&path, esc);
	strbuf_addstr(&path, t->suffix);
	if (size && t->size)
		cli_query_add(&path, "size", "1");
	struct cli_request req = { .method = "GET", .path = path.buf, .body_fd = -1 };
	struct cli_response resp;
	cli_response_init(&resp);
	r = cli_client_do(c, &req, &resp, err);
	if (r >= 0 && resp.body.len > INSPECT_MAX_BODY)
		r = berth_error_fail(err, EFBIG, "%s '%s': response larger than %d bytes", t->name,
				     ref, INSPECT_MAX_BODY);
	if (r >= 0) {
		strbuf_reset(ret_body);
		strbuf_add(ret_body, resp.body.buf, resp.body.len);
	}
	cli_response_release(&resp);
	return r;
}

/* docker's isErrSkippable: try the next type */
static bool skippable(const berth_error_t *err)
{
	return err->errnum == ENOENT || strstr(err->msg, "not supported") ||
	       strstr(err->msg, "invalid reference format");
}

/* One reference: of type only (NULL: every type in turn, as docker does) */
static void inspect_ref(struct cli *cli, struct inspector *in, const char *ref,
			const struct object_type *only, bool size)
{
	cleanup_strbuf struct strbuf body = STRBUF_INIT;
	for (size_t i = 0; i < N_TYPES; i++) {
		const struct object_type *t = &types[i];
		if (only ? t != only : t->swarm)
			continue;
		cleanup_error berth_error_t *err = NULL;
		if (fetch(cli, t, ref, size, &body, &err) < 0) {
			if (!only && skippable(err))
				continue;
			add_error(in, err->msg);
			return;
		}
		if (size && !t->size && !only)
			fprintf(stderr, "WARNING: --size ignored for %s\n", t->name);
		inspector_add(in, body.buf, body.len);
		return;
	}
	cleanup_free char *msg = xasprintf("Error: No such object: %s", ref);
	add_error(in, msg);
}

static int inspect_run(struct cli *cli, const struct cli_args *args, const struct object_type *only,
		       bool size)
{
	const char *format = cli_flag_string(args, "format");
	struct inspector in = {
		.mode = MODE_INDENT, .raw = STRBUF_INIT, .out = STRBUF_INIT, .errs = STRBUF_INIT
	};
	if (format && strcmp(format, "json") == 0) {
		in.mode = MODE_JSON;
	} else if (format && *format) {
		cleanup_error berth_error_t *err = NULL;
		if (template_parse(format, &in.tmpl, &err) < 0) {
			berth_error_wrap(&err, "template parsing error");
			return cli_error(cli, err, 64);
		}
		in.mode = MODE_TEMPLATE;
	}
	for (size_t i = 0; i < cli_nargs(args); i++)
		inspect_ref(cli, &in, cli_arg(args, i), only, size);
	inspector_flush(&in, stdout);
	fflush(stdout);
	int code = 0;
	if (in.errs.len) {
		cleanup_error berth_error_t *err = NULL;
		berth_error_fail(&err, EINVAL, "%s", in.errs.buf);
		code = cli_error(cli, err, CLI_EXIT_ERROR);
	}
	inspector_release(&in);
	return code;
}

static int run_inspect(struct cli *cli, const struct cli_args *args)
{
	const char *type = cli_flag_string(args, "type");
	const struct object_type *only = NULL;
	cleanup_error berth_error_t *err = NULL;
	if (cli_flag_changed(args, "type") && (!type || !*type)) {
		berth_error_fail(&err, EINVAL, "type is empty: must be one of " ALL_TYPES);
		return cli_error(cli, err, CLI_EXIT_ERROR);
	}
	if (type && *type && !(only = type_find(type))) {
		berth_error_fail(&err, EINVAL, "unknown type: \"%s\": must be one of " ALL_TYPES,
				 type);
		return cli_error(cli, err, CLI_EXIT_ERROR);
	}
	return inspect_run(cli, args, only, cli_flag_bool(args, "size"));
}

static int run_container_inspect(struct cli *cli, const struct cli_args *args)
{
	return inspect_run(cli, args, type_find("container"), cli_flag_bool(args, "size"));
}

static int run_image_inspect(struct cli *cli, const struct cli_args *args)
{
	if (cli_flag_changed(args, "platform")) {
		/* the daemon's API (1.47 at most) cannot select a platform */
		cleanup_error berth_error_t *err = NULL;
		berth_error_fail(
			&err, EINVAL,
			"\"--platform\" requires API version 1.49, but the Docker daemon API version is 1.47");
		return cli_error(cli, err, CLI_EXIT_ERROR);
	}
	return inspect_run(cli, args, type_find("image"), false);
}

static const struct cli_flag inspect_flags[] = {
	{ .name = "format", .shorthand = 'f', .type = CLI_STRING, .usage = INSPECT_FORMAT_HELP },
	{ .name = "size",
	  .shorthand = 's',
	  .type = CLI_BOOL,
	  .usage = "Display total file sizes if the type is container" },
	{ .name = "type",
	  .type = CLI_STRING,
	  .usage = "Only inspect objects of the given type",
	  .complete = "config|container|image|network|node|plugin|secret|service|task|volume" },
	CLI_FLAGS_END,
};

static const struct cli_flag container_inspect_flags[] = {
	{ .name = "format", .shorthand = 'f', .type = CLI_STRING, .usage = INSPECT_FORMAT_HELP },
	{ .name = "size", .shorthand = 's', .type = CLI_BOOL, .usage = "Display total file sizes" },
	CLI_FLAGS_END,
};

static const struct cli_flag image_inspect_flags[] = {
	{ .name = "format", .shorthand = 'f', .type = CLI_STRING, .usage = INSPECT_FORMAT_HELP },
	/* hidden as docker hides it from daemons older than API 1.49 */
	{ .name = "platform",
	  .type = CLI_STRING,
	  .flags = CLI_FLAG_HIDDEN,
	  .usage =
		  "Inspect a specific platform of the multi-platform image.\n"
		  "If the image or the server is not multi-platform capable, the command will error out if the "
		  "platform does not match.\n"
		  "'os[/arch[/variant]]': Explicit platform (eg. linux/amd64)" },
	CLI_FLAGS_END,
};

const struct cli_command cli_cmd_inspect = {
	.name = "inspect",
	.usage = "[OPTIONS] NAME|ID [NAME|ID...]",
	.summary = "Return low-level information on Docker objects",
	.description =
		"Return low-level information on berth objects (containers, images, networks, volumes) "
		"as JSON, or formatted with a Go template.",
	.flags = inspect_flags,
	.min_args = 1,
	.max_args = -1,
	.complete = "containers",
	.run = run_inspect,
};

const struct cli_command cli_cmd_container_inspect = {
	.name = "inspect",
	.usage = "[OPTIONS] CONTAINER [CONTAINER...]",
	.summary = "Display detailed information on one or more containers",
	.flags = container_inspect_flags,
	.min_args = 1,
	.max_args = -1,
	.complete = "containers",
	.run = run_container_inspect,
};

const struct cli_command cli_cmd_image_inspect = {
	.name = "inspect",
	.usage = "[OPTIONS] IMAGE [IMAGE...]",
	.summary = "Display detailed information on one or more images",
	.flags = image_inspect_flags,
	.min_args = 1,
	.max_args = -1,
	.complete = "images",
	.run = run_image_inspect,
};
