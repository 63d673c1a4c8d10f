/* df: `berth system df`, disk usage from GET /system/df in docker's words.
 * The summary has one row per kind (images, containers, local volumes,
 * build cache) computed the way docker 28's formatter computes it from the
 * item lists; -v lists the items in four tables.  Tables and --format go
 * through format.h, so the alignment is docker's tabwriter's. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/format.h"
#include "cli/human.h"
#include "cli/template.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

static const struct cli_flag df_flags[] = {
	{ .name = "format",
	  .type = CLI_STRING,
	  .usage =
		  "Format output using a custom template:\n'table':            Print output in table "
		  "format with column headers (default)\n'table TEMPLATE':   Print output in table "
		  "format using the given Go template\n'json':             Print in JSON format\n"
		  "'TEMPLATE':         Print output using the given Go template.\nRefer to "
		  "https://docs.docker.com/go/formatting/ for more information about formatting "
		  "output with templates" },
	{ .name = "verbose",
	  .shorthand = 'v',
	  .type = CLI_BOOL,
	  .usage = "Show detailed information on space usage" },
	CLI_FLAGS_END,
};

#define SUMMARY_TABLE "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}"
#define IMAGE_TABLE                                                                                 \
	"table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t" \
	"{{.UniqueSize}}\t{{.Containers}}"
#define CONTAINER_TABLE                                                                            \
	"table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t" \
	"{{.Status}}\t{{.Names}}"
#define VOLUME_TABLE "table {{.Name}}\t{{.Links}}\t{{.Size}}"
#define CACHE_TABLE                                                                                        \
	"table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t{{.UsageCount}}" \
	"\t{{.Shared}}"

static int64_t num(const json_t *obj, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(obj, key));
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

/* "1.982MB (100%)": the percent only when there is a total */
static void reclaimable(char *out, size_t cap, int64_t rec, int64_t total, bool percent)
{
	char buf[HUMAN_BUF];
	human_size4((double)rec, buf);
	if (percent && total > 0)
		snprintf(out, cap, "%s (%lld%%)", buf, (long long)(rec * 100 / total));
	else
		snprintf(out, cap, "%s", buf);
}

static bool container_active(const json_t *c)
{
	const char *state = str(c, "State");
	return strstr(state, "running") || strstr(state, "paused") || strstr(state, "restarting");
}

/* A summary row; the keys sorted as Go marshals docker's map */
static json_t *summary_row(const char *type, size_t total, size_t active, int64_t size, int64_t rec,
			   bool percent)
{
	char sz[HUMAN_BUF], rc[2 * HUMAN_BUF], t[32], a[32];
	reclaimable(rc, sizeof(rc), rec, size, percent);
	snprintf(t, sizeof(t), "%zu", total);
	snprintf(a, sizeof(a), "%zu", active);
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "Active", a, "Reclaimable", rc, "Size",
			 human_size4((double)size, sz), "TotalCount", t, "Type", type);
}

static json_t *images_row(const json_t *du)
{
	const json_t *images = json_object_get(du, "Images");
	int64_t total = num(du, "LayersSize"), used = 0;
	size_t active = 0, i;
	const json_t *img;
	json_array_foreach(images, i, img)
	{
		if (num(img, "Containers") > 0)
			active++;
		if (num(img, "Containers") != 0 && num(img, "Size") != -1 &&
		    num(img, "SharedSize") != -1)
			used += num(img, "Size") - num(img, "SharedSize");
	}
	return summary_row("Images", json_array_size(images), active, total, total - used, true);
}

static json_t *containers_row(const json_t *du)
{
	const json_t *list = json_object_get(du, "Containers");
	int64_t size = 0, rec = 0;
	size_t active = 0, i;
	const json_t *c;
	json_array_foreach(list, i, c)
	{
		size += num(c, "SizeRw");
		if (container_active(c))
			active++;
		else
			rec += num(c, "SizeRw");
	}
	return summary_row("Containers", json_array_size(list), active, size, rec, true);
}

static json_t *volumes_row(const json_t *du)
{
	const json_t *list = json_object_get(du, "Volumes");
	int64_t size = 0, rec = 0;
	size_t active = 0, i;
	const json_t *v;
	json_array_foreach(list, i, v)
	{
		const json_t *u = json_object_get(v, "UsageData");
		if (num(u, "RefCount") > 0)
			active++;
		if (num(u, "Size") == -1)
			continue;
		size += num(u, "Size");
		if (num(u, "RefCount") == 0)
			rec += num(u, "Size");
	}
	return summary_row("Local Volumes", json_array_size(list), active, size, rec, true);
}

static json_t *cache_row(const json_t *du)
{
	const json_t *list = json_object_get(du, "BuildCache");
	int64_t size = 0, in_use = 0;
	size_t active = 0, i;
	const json_t *b;
	json_array_foreach(list, i, b)
	{
		bool shared = json_is_true(json_object_get(b, "Shared"));
		bool used = json_is_true(json_object_get(b, "InUse"));
		if (!shared)
			size += num(b, "Size");
		if (used)
			active++;
		if (used && !shared)
			in_use += num(b, "Size");
	}
	return summary_row("Build Cache", json_array_size(list), active, size, size - in_use,
			   false);
}

/* ---- -v: the items ------------------------------------------------------- */

static const char *short_id(const char *id, bool trunc, char buf[static 16])
{
	if (!trunc)
		return id;
	if (strncmp(id, "sha256:", 7) == 0)
		id += 7;
	snprintf(buf, 16, "%.12s", id);
	return buf;
}

/* Go's time.Time.String() in the local zone: "2026-11-30 15:07:27 +0000 UTC" */
static void go_time(int64_t when, char *out, size_t cap)
{
	time_t t = (time_t)when;
	struct tm tm;
	if (!localtime_r(&t, &tm) || strftime(out, cap, "%Y-%m-%d %H:%M:%S %z %Z", &tm) == 0)
		snprintf(out, cap, "%lld", (long long)when);
}

static json_t *image_item(const json_t *img, bool trunc)
{
	char idb[16], created[64], ago[HUMAN_BUF], size[HUMAN_BUF], vsize[HUMAN_BUF];
	char shared[HUMAN_BUF] = "N/A", unique[HUMAN_BUF] = "N/A", containers[32] = "N/A";
	cleanup_free char *repo = xstrdup("<none>"), *tag = xstrdup("<none>");
	const char *first = json_string_value(json_array_get(json_object_get(img, "RepoTags"), 0));
	if (first && strcmp(first, "<none>:<none>") != 0) {
		const char *colon = strrchr(first, ':');
		if (colon && !strchr(colon, '/')) {
			free(repo);
			free(tag);
			repo = xstrndup(first, (size_t)(colon - first));
			tag = xstrdup(colon + 1);
		}
	}
	int64_t sz = num(img, "Size"), sh = num(img, "SharedSize"), n = num(img, "Containers");
	if (sh != -1) {
		human_size((double)sh, shared);
		human_size((double)(sz - sh), unique);
	}
	if (n != -1)
		snprintf(containers, sizeof(containers), "%lld", (long long)n);
	go_time(num(img, "Created"), created, sizeof(created));
	const json_t *digests = json_object_get(img, "RepoDigests");
	const char *digest = json_string_value(json_array_get(digests, 0));
	const char *at = digest ? strchr(digest, '@') : NULL;
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Containers",
			 containers, "CreatedAt", created, "CreatedSince",
			 human_ago(num(img, "Created"), ago), "Digest", at ? at + 1 : "", "ID",
			 short_id(str(img, "Id"), trunc, idb), "Repository", repo, "SharedSize",
			 shared, "Size", human_size((double)sz, size), "Tag", tag, "UniqueSize",
			 unique, "VirtualSize", human_size4((double)sz, vsize));
}

/* strconv.Quote of a command line (the common escapes) */
static void go_quote(struct strbuf *sb, const char *s)
{
	strbuf_addch(sb, '"');
	for (; *s; s++) {
		switch (*s) {
		case '"':
			strbuf_addstr(sb, "\\\"");
			break;
		case '\\':
			strbuf_addstr(sb, "\\\\");
			break;
		case '\n':
			strbuf_addstr(sb, "\\n");
			break;
		case '\t':
			strbuf_addstr(sb, "\\t");
			break;
		case '\r':
			strbuf_addstr(sb, "\\r");
			break;
		default:
			if ((unsigned char)*s < 0x20)
				strbuf_addf(sb, "\\x%02x", (unsigned char)*s);
			else
				strbuf_addch(sb, *s);
		}
	}
	strbuf_addch(sb, '"');
}

/* docker's Ellipsis: at most max characters, the last one "…" */
static char *ellipsis(const char *s, size_t max)
{
	size_t chars = 0, cut = 0;
	for (const char *p = s; *p; p++) {
		if (((unsigned char)*p & 0xC0) == 0x80)
			continue;
		if (chars == max - 1)
			cut = (size_t)(p - s);
		chars++;
	}
	if (chars <= max)
		return xstrdup(s);
	return xasprintf("%.*s…", (int)cut, s);
}

/* The list fields of docker's ContainerContext: labels "k=v,...", mount
 * names (cut to 15 characters in tables), network names sorted, ports */
static void container_lists(const json_t *c, bool trunc, struct strbuf *labels,
			    struct strbuf *mounts, struct strbuf *nets, struct strbuf *ports)
{
	const char *key;
	json_t *v;
	json_object_foreach(json_object_get(c, "Labels"), key, v)
		strbuf_addf(labels, "%s%s=%s", labels->len ? "," : "", key,
			    json_string_value(v) ?: "");
	size_t i;
	json_array_foreach(json_object_get(c, "Mounts"), i, v)
	{
		const char *name = str(v, "Name");
		if (!*name)
			name = str(v, "Source");
		cleanup_free char *cut = trunc ? ellipsis(name, 15) : xstrdup(name);
		strbuf_addf(mounts, "%s%s", mounts->len ? "," : "", cut);
	}
	const json_t *networks = json_object_get(json_object_get(c, "NetworkSettings"), "Networks");
	size_t n = json_object_size(networks), k = 0;
	cleanup_free const char **names = xcalloc(n + 1, sizeof(*names));
	json_object_foreach((json_t *)networks, key, v) names[k++] = key;
	qsort(names, k, sizeof(*names), cmp_str);
	for (i = 0; i < k; i++)
		strbuf_addf(nets, "%s%s", i ? "," : "", names[i]);
	json_array_foreach(json_object_get(c, "Ports"), i, v)
	{
		strbuf_addstr(ports, ports->len ? ", " : "");
		if (json_object_get(v, "PublicPort"))
			strbuf_addf(ports, "%s:%lld->", *str(v, "IP") ? str(v, "IP") : "0.0.0.0",
				    (long long)num(v, "PublicPort"));
		strbuf_addf(ports, "%lld/%s", (long long)num(v, "PrivatePort"), str(v, "Type"));
	}
}

static json_t *container_item(const json_t *c, bool trunc)
{
	char idb[16], ago[HUMAN_BUF], size[HUMAN_BUF], created[64], vols[32];
	cleanup_strbuf struct strbuf cmd = STRBUF_INIT, names = STRBUF_INIT;
	cleanup_free char *short_cmd = trunc ? ellipsis(str(c, "Command"), 20) :
					       xstrdup(str(c, "Command"));
	go_quote(&cmd, short_cmd);
	size_t i, n = 0;
	const json_t *v;
	json_array_foreach(json_object_get(c, "Names"), i, v)
	{
		const char *name = json_string_value(v);
		if (!name)
			continue;
		if (*name == '/')
			name++;
		if (trunc && strchr(name, '/')) /* a link's name, not the container's */
			continue;
		strbuf_addf(&names, "%s%s", names.len ? "," : "", name);
	}
	json_array_foreach(json_object_get(c, "Mounts"), i, v)
		n += strcmp(str(v, "Type"), "volume") == 0;
	snprintf(vols, sizeof(vols), "%zu", n);
	const char *image = str(c, "Image");
	if (!*image)
		image = "<no image>";
	else if (trunc && strncmp(image, "sha256:", 7) == 0)
		image = short_id(image, true, idb);
	cleanup_free char *img = xstrdup(image);
	go_time(num(c, "Created"), created, sizeof(created));
	cleanup_strbuf struct strbuf labels = STRBUF_INIT, mounts = STRBUF_INIT, nets = STRBUF_INIT,
				     ports = STRBUF_INIT;
	container_lists(c, trunc, &labels, &mounts, &nets, &ports);
	return json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:n, s:s, s:s, s:s, s:s, s:s}",
		"Command", cmd.buf, "CreatedAt", created, "ID", short_id(str(c, "Id"), trunc, idb),
		"Image", img, "Labels", labels.buf, "LocalVolumes", vols, "Mounts", mounts.buf,
		"Names", names.buf, "Networks", nets.buf, "Platform", "Ports", ports.buf,
		"RunningFor", human_ago(num(c, "Created"), ago), "Size",
		human_size((double)num(c, "SizeRw"), size), "State", str(c, "State"), "Status",
		str(c, "Status"));
}

static json_t *volume_item(const json_t *v)
{
	const json_t *u = json_object_get(v, "UsageData");
	char size[HUMAN_BUF] = "N/A", links[32] = "N/A";
	if (num(u, "Size") != -1)
		human_size((double)num(u, "Size"), size);
	if (num(u, "RefCount") != -1)
		snprintf(links, sizeof(links), "%lld", (long long)num(u, "RefCount"));
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "Driver", str(v, "Driver"), "Links", links,
			 "Mountpoint", str(v, "Mountpoint"), "Name", str(v, "Name"), "Size", size);
}

static json_t *cache_item(const json_t *b, bool trunc)
{
	char size[HUMAN_BUF], created[HUMAN_BUF], used[HUMAN_BUF] = "", count[32], idb[16];
	int64_t c = 0, u = 0;
	int32_t ns;
	human_parse_time(str(b, "CreatedAt"), &c, &ns);
	if (*str(b, "LastUsedAt") && human_parse_time(str(b, "LastUsedAt"), &u, &ns) == 0)
		human_ago(u, used);
	snprintf(count, sizeof(count), "%lld", (long long)num(b, "UsageCount"));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "CacheType", str(b, "Type"),
			 "CreatedSince", human_ago(c, created), "ID",
			 short_id(str(b, "ID"), trunc, idb), "LastUsedSince", used, "Shared",
			 json_is_true(json_object_get(b, "Shared")) ? "true" : "false", "Size",
			 human_size((double)num(b, "Size"), size), "UsageCount", count);
}

/* The column headers, field -> header text; the -v tables name their ID
 * column each its own way */
static json_t *headers(const char *id_header)
{
	return json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
		"s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
		"Type", "TYPE", "TotalCount", "TOTAL", "Active", "ACTIVE", "Size", "SIZE",
		"Reclaimable", "RECLAIMABLE", "Repository", "REPOSITORY", "Tag", "TAG", "ID",
		id_header, "CreatedSince", "CREATED", "SharedSize", "SHARED SIZE", "UniqueSize",
		"UNIQUE SIZE", "Containers", "CONTAINERS", "Image", "IMAGE", "Command", "COMMAND",
		"LocalVolumes", "LOCAL VOLUMES", "RunningFor", "CREATED", "Status", "STATUS",
		"Names", "NAMES", "Name", "VOLUME NAME", "Links", "LINKS", "CacheType",
		"CACHE TYPE", "LastUsedSince", "LAST USED", "UsageCount", "USAGE", "Shared",
		"SHARED");
}

/* One -v table: a title, then the rows of items through table_fmt */
static int write_section(const char *title, const char *table_fmt, const char *id_header,
			 const json_t *items, berth_error_t **err)
{
	cleanup_json json_t *head = headers(id_header);
	struct format *f = NULL;
	if (format_new(table_fmt, NULL, head, &f, err) < 0)
		return -1;
	int r = 0;
	size_t i;
	const json_t *it;
	json_array_foreach(items, i, it) if ((r = format_row(f, it, err)) < 0) break;
	fputs(title, stdout);
	if (r == 0)
		r = format_flush(f, stdout, err);
	format_free(f);
	return r;
}

static int write_verbose(const json_t *du, const char *format, berth_error_t **err)
{
	bool table = !format || !*format || strcmp(format, "table") == 0;
	cleanup_json json_t *images = json_array(), *containers = json_array(),
			    *volumes = json_array(), *cache = json_array();
	size_t i;
	const json_t *v;
	json_array_foreach(json_object_get(du, "Images"), i, v)
		json_array_append_new(images, image_item(v, table));
	json_array_foreach(json_object_get(du, "Containers"), i, v)
		json_array_append_new(containers, container_item(v, table));
	json_array_foreach(json_object_get(du, "Volumes"), i, v)
		json_array_append_new(volumes, volume_item(v));
	json_array_foreach(json_object_get(du, "BuildCache"), i, v)
		json_array_append_new(cache, cache_item(v, table));
	if (!table) {
		/* a custom template sees the four lists at once, as docker's does */
		struct template *t = NULL;
		cleanup_json json_t *dot = json_pack("{s:O, s:O, s:O, s:O}", "Images", images,
						     "Containers", containers, "Volumes", volumes,
						     "BuildCache", cache);
		cleanup_strbuf struct strbuf out = STRBUF_INIT;
		if (template_parse(strcmp(format, "json") == 0 ? "{{json .}}" : format, &t, err) <
		    0)
			return -1;
		int r = template_render(t, dot, &out, err);
		template_free(t);
		fputs(out.buf, stdout);
		if (strcmp(format, "json") == 0)
			fputc('\n', stdout);
		return r;
	}
	char total[HUMAN_BUF], title[3 * HUMAN_BUF];
	int64_t cache_size = 0;
	json_array_foreach(json_object_get(du, "BuildCache"), i,
			   v) if (!json_is_true(json_object_get(v, "Shared")))
		cache_size += num(v, "Size");
	snprintf(title, sizeof(title), "\nBuild cache usage: %s\n\n",
		 human_size4((double)cache_size, total));
	if (write_section("Images space usage:\n\n", IMAGE_TABLE, "IMAGE ID", images, err) < 0 ||
	    write_section("\nContainers space usage:\n\n", CONTAINER_TABLE, "CONTAINER ID",
			  containers, err) < 0 ||
	    write_section("\nLocal Volumes space usage:\n\n", VOLUME_TABLE, "ID", volumes, err) <
		    0 ||
	    write_section(title, CACHE_TABLE, "CACHE ID", cache, err) < 0)
		return -1;
	return 0;
}

static int write_summary(const json_t *du, const char *format, berth_error_t **err)
{
	struct format *f = NULL;
	cleanup_json json_t *head = headers("ID");
	if (format_new(format, SUMMARY_TABLE, head, &f, err) < 0)
		return -1;
	json_t *rows[] = { images_row(du), containers_row(du), volumes_row(du), cache_row(du) };
	int r = 0;
	for (size_t i = 0; i < 4; i++) {
		if (r == 0)
			r = format_row(f, rows[i], err);
		json_decref(rows[i]);
	}
	if (r == 0)
		r = format_flush(f, stdout, err);
	format_free(f);
	return r;
}

static int run_df(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_json json_t *du = NULL;
	const char *format = cli_flag_string(args, "format");
	if (cli_get_json(cli, "/system/df", &du, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	int r = cli_flag_bool(args, "verbose") ? write_verbose(du, format, &err) :
						 write_summary(du, format, &err);
	fflush(stdout);
	if (r < 0) {
		if (strncmp(err->msg, "template parsing error", 22) != 0)
			berth_error_wrap(&err, "template parsing error");
		return cli_error(cli, err, CLI_EXIT_ERROR);
	}
	return 0;
}

const struct cli_command cli_cmd_system_df = {
	.name = "df",
	.usage = "[OPTIONS]",
	.summary = "Show berth disk usage",
	.description =
		"Show how much disk the images, containers, local volumes and build cache of "
		"berthd use, and how much of it could be reclaimed.",
	.flags = df_flags,
	.min_args = 0,
	.max_args = 0,
	.run = run_df,
};
