/* ps: `berth ps`, docker's container/ps.go and formatter/container.go.
 * Each container of GET /containers/json becomes an object of the string
 * fields docker's templates see (ID, Image, Command, RunningFor, Status,
 * Ports, Names, ...), computed exactly as docker's ContainerContext does,
 * and the shared format code prints the table or the template. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/format.h"
#include "cli/human.h"
#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

#define PS_DEFAULT_TABLE \
	"table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
#define PS_RAW_FORMAT                                                                                   \
	"container_id: {{.ID}}\nimage: {{.Image}}\ncommand: {{.Command}}\ncreated_at: {{.CreatedAt}}\n" \
	"state: {{- pad .State 1 0}}\nstatus: {{- pad .Status 1 0}}\nnames: {{.Names}}\n"               \
	"labels: {{- pad .Labels 1 0}}\nports: {{- pad .Ports 1 0}}\n"
/* config.json is small; a bigger one is not the user's docker config */
#define PS_CONFIG_MAX (1 << 20)

static const struct cli_flag ps_flags[] = {
	{ .name = "all",
	  .shorthand = 'a',
	  .type = CLI_BOOL,
	  .usage = "Show all containers (default shows just running)" },
	{ .name = "filter",
	  .shorthand = 'f',
	  .type = CLI_LIST,
	  .value_name = "filter",
	  .usage = "Filter output based on conditions provided" },
	{ .name = "format",
	  .type = CLI_STRING,
	  .value_name = "string",
	  .usage =
		  "Format output using a custom template:\n"
		  "'table':            Print output in table format with column headers (default)\n"
		  "'table TEMPLATE':   Print output in table format using the given Go template\n"
		  "'json':             Print in JSON format\n"
		  "'TEMPLATE':         Print output using the given Go template.\n"
		  "Refer to https://docs.docker.com/go/formatting/ for more information about formatting "
		  "output with templates" },
	{ .name = "last",
	  .shorthand = 'n',
	  .type = CLI_INT,
	  .def = "-1",
	  .usage = "Show n last created containers (includes all states)" },
	{ .name = "latest",
	  .shorthand = 'l',
	  .type = CLI_BOOL,
	  .usage = "Show the latest created container (includes all states)" },
	{ .name = "no-trunc", .type = CLI_BOOL, .usage = "Don't truncate output" },
	{ .name = "quiet",
	  .shorthand = 'q',
	  .type = CLI_BOOL,
	  .usage = "Only display container IDs" },
	{ .name = "size", .shorthand = 's', .type = CLI_BOOL, .usage = "Display total file sizes" },
	CLI_FLAGS_END
};

/* docker's stringid.TruncateID: drop "sha256:", keep 12 characters */
static char *ps_truncate_id(const char *id)
{
	const char *colon = strchr(id, ':');
	if (colon)
		id = colon + 1;
	return xstrndup(id, 12);
}

static size_t ps_utf8_len(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* formatter.Ellipsis for text of one-column characters: at most width
 * runes, the last replaced by "…" when cut */
static void ps_ellipsis(struct strbuf *out, const char *s, size_t width)
{
	if (ps_utf8_len(s) <= width) {
		strbuf_addstr(out, s);
		return;
	}
	size_t runes = 0;
	const char *p = s;
	for (; *p; p++) {
		if (((unsigned char)*p & 0xc0) != 0x80 && runes++ == width - 1)
			break;
	}
	strbuf_add(out, s, (size_t)(p - s));
	strbuf_addstr(out, "…");
}

/* Go's strconv.Quote for the text docker's commands are made of: escapes
 * for quotes, backslashes and control bytes, UTF-8 kept as it is */
static void ps_quote(struct strbuf *out, const char *s)
{
	strbuf_addch(out, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			strbuf_addstr(out, "\\\"");
			break;
		case '\\':
			strbuf_addstr(out, "\\\\");
			break;
		case '\a':
			strbuf_addstr(out, "\\a");
			break;
		case '\b':
			strbuf_addstr(out, "\\b");
			break;
		case '\f':
			strbuf_addstr(out, "\\f");
			break;
		case '\n':
			strbuf_addstr(out, "\\n");
			break;
		case '\r':
			strbuf_addstr(out, "\\r");
			break;
		case '\t':
			strbuf_addstr(out, "\\t");
			break;
		case '\v':
			strbuf_addstr(out, "\\v");
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				strbuf_addf(out, "\\x%02x", *p);
			else
				strbuf_addch(out, (char)*p);
		}
	}
	strbuf_addch(out, '"');
}

static const char *ps_str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

/* ContainerContext.Names: without --no-trunc only the first name that is
 * not a legacy link ("/other/alias") */
static void ps_names(struct strbuf *out, const json_t *c, bool trunc)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(c, "Names"), i, v)
	{
		const char *n = json_string_value(v);
		if (!n)
			continue;
		if (*n == '/')
			n++;
		if (trunc) {
			if (!strchr(n, '/')) {
				strbuf_addstr(out, n);
				return;
			}
			continue;
		}
		strbuf_addf(out, "%s%s", out->len ? "," : "", n);
	}
}

/* ContainerContext.Image: the short image ID when the container was made
 * from an ID, else the familiar name without a digest */
static void ps_image(struct strbuf *out, const json_t *c, bool trunc)
{
	const char *image = ps_str(c, "Image");
	if (!*image) {
		strbuf_addstr(out, "<no image>");
		return;
	}
	if (!trunc) {
		strbuf_addstr(out, image);
		return;
	}
	cleanup_free char *tid = ps_truncate_id(ps_str(c, "ImageID"));
	cleanup_free char *timg = ps_truncate_id(image);
	if (strcmp(tid, timg) == 0) {
		strbuf_addstr(out, tid);
		return;
	}
	/* reference.FamiliarString: docker.io/library/x is x, docker.io/u/x is u/x */
	const char *name = image;
	if (strncmp(name, "docker.io/library/", 18) == 0 && !strchr(name + 18, '/'))
		name += 18;
	else if (strncmp(name, "docker.io/", 10) == 0)
		name += 10;
	const char *at = strchr(name, '@');
	strbuf_add(out, name, at ? (size_t)(at - name) : strlen(name));
}

struct ps_port {
	const char *ip, *type;
	long long priv, pub;
};

static int ps_port_cmp(const void *a, const void *b)
{
	const struct ps_port *x = a, *y = b;
	if (x->priv != y->priv)
		return x->priv < y->priv ? -1 : 1;
	int c = strcmp(x->ip, y->ip);
	if (c)
		return c;
	if (x->pub != y->pub)
		return x->pub < y->pub ? -1 : 1;
	return strcmp(x->type, y->type);
}

/* net.JoinHostPort */
static void ps_hostport(struct strbuf *out, const char *ip, const char *port)
{
	if (strchr(ip, ':'))
		strbuf_addf(out, "[%s]:%s", ip, port);
	else
		strbuf_addf(out, "%s:%s", ip, port);
}

struct ps_group {
	char *key; /* "tcp" or "0.0.0.0/tcp" */
	long long first, last;
};

/* formGroup: "80/tcp", "8000-8002/tcp", "0.0.0.0:80->80/tcp" */
static void ps_form_group(struct strbuf *out, const struct ps_group *g)
{
	const char *slash = strrchr(g->key, '/');
	cleanup_free char *ip = slash ? xstrndup(g->key, (size_t)(slash - g->key)) : NULL;
	const char *type = slash ? slash + 1 : g->key;
	cleanup_free char *range = g->first == g->last ? xasprintf("%lld", g->first) :
							 xasprintf("%lld-%lld", g->first, g->last);
	if (out->len)
		strbuf_addstr(out, ", ");
	if (ip && *ip) {
		ps_hostport(out, ip, range);
		strbuf_addf(out, "->%s", range);
	} else {
		strbuf_addstr(out, range);
	}
	strbuf_addf(out, "/%s", type);
}

/* DisplayablePorts: consecutive ports grouped into ranges per IP and
 * protocol, in the order the groups were first seen; mappings to a
 * different host port last */
static void ps_ports(struct strbuf *out, const json_t *c)
{
	const json_t *arr = json_object_get(c, "Ports");
	size_t n = json_is_array(arr) ? json_array_size(arr) : 0;
	if (n == 0)
		return;
	cleanup_free struct ps_port *ports = xcalloc(n, sizeof(*ports));
	cleanup_free struct ps_group *groups = xcalloc(n, sizeof(*groups));
	size_t ngroups = 0;
	cleanup_strbuf struct strbuf mappings = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		const json_t *p = json_array_get(arr, i);
		ports[i].ip = ps_str(p, "IP");
		ports[i].type = ps_str(p, "Type");
		ports[i].priv = json_integer_value(json_object_get(p, "PrivatePort"));
		ports[i].pub = json_integer_value(json_object_get(p, "PublicPort"));
	}
	qsort(ports, n, sizeof(*ports), ps_port_cmp);
	for (size_t i = 0; i < n; i++) {
		const struct ps_port *p = &ports[i];
		cleanup_free char *key = NULL;
		if (*p->ip) {
			if (p->pub != p->priv) {
				cleanup_free char *pub = xasprintf("%lld", p->pub);
				if (mappings.len)
					strbuf_addstr(&mappings, ", ");
				ps_hostport(&mappings, p->ip, pub);
				strbuf_addf(&mappings, "->%lld/%s", p->priv, p->type);
				continue;
			}
			key = xasprintf("%s/%s", p->ip, p->type);
		} else {
			key = xstrdup(p->type);
		}
		struct ps_group *g = NULL;
		for (size_t j = 0; j < ngroups && !g; j++)
			if (strcmp(groups[j].key, key) == 0)
				g = &groups[j];
		if (!g) {
			groups[ngroups++] =
				(struct ps_group){ steal_pointer(&key), p->priv, p->priv };
			continue;
		}
		if (p->priv == g->last + 1) {
			g->last = p->priv;
			continue;
		}
		ps_form_group(out, g);
		g->first = g->last = p->priv;
	}
	for (size_t j = 0; j < ngroups; j++) {
		ps_form_group(out, &groups[j]);
		free(groups[j].key);
	}
	if (mappings.len)
		strbuf_addf(out, "%s%s", out->len ? ", " : "", mappings.buf);
}

static int ps_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "a=1,b=2", sorted as docker sorts them */
static void ps_labels(struct strbuf *out, const json_t *labels)
{
	size_t n = json_is_object(labels) ? json_object_size(labels) : 0, i = 0;
	if (n == 0)
		return;
	cleanup_free char **kv = xcalloc(n, sizeof(*kv));
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)labels, k, v)
		kv[i++] = xasprintf("%s=%s", k, ps_str(labels, k));
	qsort(kv, n, sizeof(*kv), ps_strcmp);
	for (i = 0; i < n; i++) {
		strbuf_addf(out, "%s%s", i ? "," : "", kv[i]);
		free(kv[i]);
	}
}

static void ps_mounts(struct strbuf *out, const json_t *c, bool trunc, int *ret_local)
{
	size_t i;
	json_t *m;
	int local = 0;
	json_array_foreach(json_object_get(c, "Mounts"), i, m)
	{
		const char *name = ps_str(m, "Name");
		if (!*name)
			name = ps_str(m, "Source");
		if (i)
			strbuf_addch(out, ',');
		if (trunc)
			ps_ellipsis(out, name, 15);
		else
			strbuf_addstr(out, name);
		local += strcmp(ps_str(m, "Driver"), "local") == 0;
	}
	*ret_local = local;
}

/* Go's time.Time.String() of a unix time in the local zone */
static void ps_created_at(struct strbuf *out, long long created)
{
	time_t t = (time_t)created;
	struct tm tm;
	char buf[64];
	if (!localtime_r(&t, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S %z %Z", &tm))
		return;
	strbuf_addstr(out, buf);
}

static void ps_set(json_t *item, const char *key, struct strbuf *sb)
{
	json_object_set_new(item, key, json_string(sb->buf));
	strbuf_reset(sb);
}

/* The fields of one container as docker's templates see them */
static json_t *ps_item(const json_t *c, bool trunc, bool with_label)
{
	json_t *item = json_object();
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	char hbuf[HUMAN_BUF];

	cleanup_free char *tid = ps_truncate_id(ps_str(c, "Id"));
	cleanup_strbuf struct strbuf cmd = STRBUF_INIT;
	if (trunc)
		ps_ellipsis(&cmd, ps_str(c, "Command"), 20);
	else
		strbuf_addstr(&cmd, ps_str(c, "Command"));
	ps_quote(&sb, cmd.buf);
	ps_set(item, "Command", &sb);
	long long created = json_integer_value(json_object_get(c, "Created"));
	ps_created_at(&sb, created);
	ps_set(item, "CreatedAt", &sb);
	json_object_set_new(item, "ID", json_string(trunc ? tid : ps_str(c, "Id")));
	ps_image(&sb, c, trunc);
	ps_set(item, "Image", &sb);
	ps_labels(&sb, json_object_get(c, "Labels"));
	ps_set(item, "Labels", &sb);
	int local = 0;
	ps_mounts(&sb, c, trunc, &local);
	cleanup_free char *mounts = strbuf_detach(&sb, NULL);
	json_object_set_new(item, "LocalVolumes", json_sprintf("%d", local));
	json_object_set_new(item, "Mounts", json_string(mounts));
	ps_names(&sb, c, trunc);
	ps_set(item, "Names", &sb);
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(json_object_get(c, "NetworkSettings"), "Networks"), k,
			    v) strbuf_addf(&sb, "%s%s", sb.len ? "," : "", k);
	ps_set(item, "Networks", &sb);
	/* formatter.Platform: berthd does not report ImageManifestDescriptor */
	json_object_set_new(item, "Platform", json_null());
	ps_ports(&sb, c);
	ps_set(item, "Ports", &sb);
	json_object_set_new(item, "RunningFor", json_string(human_ago(created, hbuf)));
	double srw = (double)json_integer_value(json_object_get(c, "SizeRw"));
	double sroot = (double)json_integer_value(json_object_get(c, "SizeRootFs"));
	strbuf_addstr(&sb, human_size(srw, hbuf));
	if (sroot > 0)
		strbuf_addf(&sb, " (virtual %s)", human_size(sroot, hbuf));
	ps_set(item, "Size", &sb);
	json_object_set_new(item, "State", json_string(ps_str(c, "State")));
	json_object_set_new(item, "Status", json_string(ps_str(c, "Status")));
	/* {{.Label "k"}} reads the labels as an object; only made when the
	 * template asks, so that {{json .}} prints what docker prints */
	if (with_label) {
		json_t *labels = json_object_get(c, "Labels");
		json_object_set_new(item, "Label",
				    json_is_object(labels) ? json_deep_copy(labels) :
							     json_object());
	}
	return item;
}

static json_t *ps_headers(void)
{
	return json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{}}",
		"ID", "CONTAINER ID", "Names", "NAMES", "Image", "IMAGE", "Command", "COMMAND",
		"CreatedAt", "CREATED AT", "RunningFor", "CREATED", "Ports", "PORTS", "State",
		"STATE", "Status", "STATUS", "Size", "SIZE", "Labels", "LABELS", "Mounts", "MOUNTS",
		"LocalVolumes", "LOCAL VOLUMES", "Networks", "NETWORKS", "Label");
}

/* psFormat of config.json, NULL when there is none; a config that cannot
 * be read is docker's warning, not a failure */
static char *ps_config_format(const struct cli *cli)
{
	if (!cli->config_dir)
		return NULL;
	cleanup_free char *path = xasprintf("%s/config.json", cli->config_dir);
	cleanup_json json_t *cfg = NULL;
	cleanup_error berth_error_t *err = NULL;
	if (access(path, F_OK) < 0)
		return NULL;
	if (bjson_load_file(path, PS_CONFIG_MAX, 0, &cfg, &err) < 0) {
		fprintf(stderr, "WARNING: Error loading config file: %s\n", err->msg);
		return NULL;
	}
	const char *f = json_string_value(json_object_get(cfg, "psFormat"));
	return f && *f ? xstrdup(f) : NULL;
}

static int ps_url(const struct cli_args *args, bool all, bool size, struct strbuf *url,
		  berth_error_t **err)
{
	strbuf_addstr(url, "/containers/json");
	int64_t last = cli_flag_int(args, "last");
	if (last == -1 && cli_flag_bool(args, "latest"))
		last = 1;
	/* -n and -l look at containers in every state */
	if (all || last != -1)
		cli_query_add(url, "all", "1");
	if (last > 0) {
		cleanup_free char *n = xasprintf("%lld", (long long)last);
		cli_query_add(url, "limit", n);
	}
	if (size)
		cli_query_add(url, "size", "1");
	const char *const *filters;
	size_t nf = cli_flag_list(args, "filter", &filters);
	return cli_query_filters(url, filters, nf, err);
}

static int ps_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL;
	bool quiet = cli_flag_bool(args, "quiet"), trunc = !cli_flag_bool(args, "no-trunc");
	bool size = cli_flag_bool(args, "size");
	const char *given = cli_flag_string(args, "format");
	cleanup_free char *config_format = NULL;
	const char *format = given;
	if (!format || !*format) {
		config_format = ps_config_format(cli); /* owned here, freed on return */
		format = config_format;
	} else if (quiet) {
		fprintf(stderr,
			"WARNING: Ignoring custom format, because both --format and --quiet are set.\n");
	}
	if (!format)
		format = "";
	bool raw = strcmp(format, "raw") == 0;
	/* a template that shows the size asks for it, as docker's FieldsUsed does */
	if (!size && strstr(format, ".Size"))
		size = true;

	cleanup_free char *custom = NULL;
	if (quiet) {
		format = raw ? "container_id: {{.ID}}" : "{{.ID}}";
	} else if (raw) {
		custom = xasprintf("%s%s", PS_RAW_FORMAT, size ? "size: {{.Size}}\n" : "");
		format = custom;
	}
	const char *table = size ? PS_DEFAULT_TABLE "\t{{.Size}}" : PS_DEFAULT_TABLE;

	const char *const *filters;
	size_t nf = cli_flag_list(args, "filter", &filters);
	for (size_t i = 0; i < nf; i++)
		if (!strchr(filters[i], '='))
			return cli_flag_error(
				cli,
				"invalid argument \"%s\" for \"-f, --filter\" flag: bad format of "
				"filter (expected name=value)",
				filters[i]);

	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	cleanup_json json_t *list = NULL;
	if (ps_url(args, cli_flag_bool(args, "all"), size, &url, &err) < 0 ||
	    cli_get_json(cli, url.buf, &list, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);

	cleanup_json json_t *headers = ps_headers();
	struct format *f = NULL;
	if (format_new(format, table, headers, &f, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	bool with_label = strstr(format, ".Label ") != NULL;
	size_t i;
	json_t *c;
	int r = 0;
	json_array_foreach(list, i, c)
	{
		cleanup_json json_t *item = ps_item(c, trunc, with_label);
		if ((r = format_row(f, item, &err)) < 0)
			break;
	}
	if (r >= 0)
		r = format_flush(f, stdout, &err);
	format_free(f);
	if (r < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	return 0;
}

const struct cli_command cli_cmd_ps = {
	.name = "ps",
	.usage = "[OPTIONS]",
	.summary = "List containers",
	.flags = ps_flags,
	.min_args = 0,
	.max_args = 0,
	.run = ps_run,
};
