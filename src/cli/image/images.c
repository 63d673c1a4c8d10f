/* images: `berth images` / `berth image ls`, docker's image list.  One row
 * per repository:tag of each image (per digest too with --digests), as
 * docker's image formatter expands them; dangling images are one
 * <none> row.  Rows become JSON objects of strings for format.h. */
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

#define IMAGES_TABLE \
	"table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}"
#define IMAGES_TABLE_DIGEST \
	"table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}"

static const struct cli_flag images_flags[] = {
	{ "all", 'a', CLI_BOOL, NULL, NULL, "Show all images (default hides intermediate images)",
	  0, NULL },
	{ "digests", 0, CLI_BOOL, NULL, NULL, "Show digests", 0, NULL },
	{ "filter", 'f', CLI_LIST, "filter", NULL, "Filter output based on conditions provided", 0,
	  NULL },
	{ "format", 0, CLI_STRING, "string", NULL,
	  "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates",
	  0, NULL },
	{ "no-trunc", 0, CLI_BOOL, NULL, NULL, "Don't truncate output", 0, NULL },
	{ "quiet", 'q', CLI_BOOL, NULL, NULL, "Only show image IDs", 0, NULL },
	{ "tree", 0, CLI_BOOL, NULL, NULL, "List multi-platform images as a tree (EXPERIMENTAL)", 0,
	  NULL },
	CLI_FLAGS_END,
};

static json_t *images_headers(void)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID",
			 "IMAGE ID", "Repository", "REPOSITORY", "Tag", "TAG", "Digest", "DIGEST",
			 "CreatedSince", "CREATED", "CreatedAt", "CREATED AT", "Size", "SIZE",
			 "Containers", "CONTAINERS", "VirtualSize", "SIZE", "SharedSize",
			 "SHARED SIZE", "UniqueSize", "UNIQUE SIZE");
}

/* docker's FamiliarName: "docker.io/library/x" -> "x", "docker.io/a/b" -> "a/b" */
static const char *familiar(const char *name)
{
	if (strncmp(name, "docker.io/", 10) == 0)
		name += 10;
	if (strncmp(name, "library/", 8) == 0 && !strchr(name + 8, '/'))
		name += 8;
	return name;
}

/* Split "repo:tag" (the tag after the last ':' that follows the last '/') */
static bool split_tag(const char *ref, char **repo, const char **tag)
{
	const char *colon = strrchr(ref, ':');
	const char *slash = strrchr(ref, '/');
	if (!colon || (slash && colon < slash))
		return false;
	*repo = xstrndup(ref, (size_t)(colon - ref));
	*tag = colon + 1;
	return true;
}

static bool split_digest(const char *ref, char **repo, const char **digest)
{
	const char *at = strchr(ref, '@');
	if (!at)
		return false;
	*repo = xstrndup(ref, (size_t)(at - ref));
	*digest = at + 1;
	return true;
}

struct images_ctx {
	bool trunc, digests, need_digest;
	struct format *f;
};

static int images_row(struct images_ctx *c, const json_t *img, const char *repo, const char *tag,
		      const char *digest, berth_error_t **err)
{
	char buf[HUMAN_BUF];
	const char *id = json_string_value(json_object_get(img, "Id"));
	if (!id)
		id = "";
	cleanup_free char *short_id = NULL;
	if (c->trunc) {
		const char *hex = strncmp(id, "sha256:", 7) == 0 ? id + 7 : id;
		short_id = xstrndup(hex, 12);
	}
	json_int_t created = json_integer_value(json_object_get(img, "Created"));
	json_int_t size = json_integer_value(json_object_get(img, "Size"));
	json_t *shared_j = json_object_get(img, "SharedSize");
	json_int_t shared = json_is_integer(shared_j) ? json_integer_value(shared_j) : -1;
	json_t *cont_j = json_object_get(img, "Containers");
	json_int_t containers = json_is_integer(cont_j) ? json_integer_value(cont_j) : -1;

	cleanup_json json_t *row = json_object();
	json_object_set_new(row, "Containers",
			    containers == -1 ? json_string("N/A") :
					       json_sprintf("%lld", (long long)containers));
	char at[64];
	time_t t = (time_t)created;
	struct tm tm;
	strftime(at, sizeof(at), "%Y-%m-%d %H:%M:%S %z %Z", localtime_r(&t, &tm));
	json_object_set_new(row, "CreatedAt", json_string(at));
	/* Go's time.Unix(c, 0).IsZero() is never true for a unix time, so docker always shows "ago"
	 */
	json_object_set_new(row, "CreatedSince", json_string(human_ago(created, buf)));
	json_object_set_new(row, "Digest", json_string(digest));
	json_object_set_new(row, "ID", json_string(short_id ? short_id : id));
	json_object_set_new(row, "Repository", json_string(repo));
	/* keys in sorted order: {{json .}} prints them as Go's encoder does */
	json_object_set_new(row, "SharedSize",
			    json_string(shared == -1 ? "N/A" : human_size4((double)shared, buf)));
	json_object_set_new(row, "Size", json_string(human_size((double)size, buf)));
	json_object_set_new(row, "Tag", json_string(tag));
	json_object_set_new(row, "UniqueSize",
			    json_string(shared == -1 ? "N/A" :
						       human_size4((double)(size - shared), buf)));
	json_object_set_new(row, "VirtualSize", json_string(human_size4((double)size, buf)));
	return format_row(c->f, row, err);
}

/* One image: docker's imageFormatTaggedAndDigest, with repositories in the
 * order the daemon lists their tags (docker walks a Go map, so its order
 * between repositories of one image varies from run to run) */
static int images_one(struct images_ctx *c, const json_t *img, berth_error_t **err)
{
	const json_t *tags = json_object_get(img, "RepoTags"),
		     *digests = json_object_get(img, "RepoDigests");
	size_t nt = json_array_size(tags), nd = json_array_size(digests);
	if ((nt == 0 && nd == 0) ||
	    (nt == 1 && nd == 1 &&
	     strcmp(json_string_value(json_array_get(tags, 0)) ?: "", "<none>:<none>") == 0 &&
	     strcmp(json_string_value(json_array_get(digests, 0)) ?: "", "<none>@<none>") == 0))
		return images_row(c, img, "<none>", "<none>", "<none>", err);

	/* repos: familiar name -> {"tags": [...], "digests": [...]}, ordered */
	cleanup_json json_t *repos = json_object();
	cleanup_json json_t *order = json_array();
	for (int pass = 0; pass < 2; pass++) {
		const json_t *list = pass == 0 ? tags : digests;
		size_t i;
		const json_t *v;
		json_array_foreach(list, i, v)
		{
			const char *ref = json_string_value(v);
			cleanup_free char *repo = NULL;
			const char *rest;
			if (!ref || !(pass == 0 ? split_tag(ref, &repo, &rest) :
						  split_digest(ref, &repo, &rest)))
				continue;
			if (strcmp(repo, "<none>") == 0)
				continue;
			const char *name = familiar(repo);
			json_t *e = json_object_get(repos, name);
			if (!e) {
				e = json_pack("{s:[], s:[]}", "tags", "digests");
				json_object_set_new(repos, name, e);
				json_array_append_new(order, json_string(name));
			}
			json_array_append_new(json_object_get(e, pass == 0 ? "tags" : "digests"),
					      json_string(rest));
		}
	}
	size_t i;
	const json_t *n;
	json_array_foreach(order, i, n)
	{
		const char *repo = json_string_value(n);
		const json_t *e = json_object_get(repos, repo);
		const json_t *rt = json_object_get(e, "tags"), *rd = json_object_get(e, "digests");
		size_t j, k;
		const json_t *t, *d;
		if (json_array_size(rt) == 0) {
			/* digest-only references */
			if (!c->digests) {
				if (images_row(c, img, repo, "<none>", "", err) < 0)
					return -1;
				continue;
			}
			json_array_foreach(rd, k, d) if (images_row(c, img, repo, "<none>",
								    json_string_value(d),
								    err) < 0) return -1;
			continue;
		}
		json_array_foreach(rt, j, t)
		{
			if (!c->need_digest || json_array_size(rd) == 0) {
				if (images_row(c, img, repo, json_string_value(t), "<none>", err) <
				    0)
					return -1;
				continue;
			}
			json_array_foreach(rd, k,
					   d) if (images_row(c, img, repo, json_string_value(t),
							     json_string_value(d),
							     err) < 0) return -1;
		}
	}
	return 0;
}

/* docker's FilterOpt refuses a value without '=' when the flags are
 * parsed: cobra's flag error, exit 125 */
static int images_check_filters(struct cli *cli, const char *const *filters, size_t n,
				const char *flag)
{
	for (size_t i = 0; i < n; i++) {
		if (strchr(filters[i], '='))
			continue;
		const char *path = cli->invoked_as ? cli->invoked_as : "berth images";
		fprintf(stderr,
			"invalid argument \"%s\" for \"%s\" flag: bad format of filter (expected name=value)\n\n"
			"Usage:  %s %s\n\nRun '%s --help' for more information\n",
			filters[i], flag, path, cli->cmd ? cli->cmd->usage : "", path);
		return CLI_EXIT_FAILURE;
	}
	return 0;
}

static int images_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL;
	if (cli_flag_bool(args, "tree")) {
		/* docker's experimental multi-platform tree is not drawn yet:
		 * say so rather than print the table in its place */
		fprintf(stderr, "berth images: --tree is not supported yet\n");
		return CLI_EXIT_ERROR;
	}
	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	const char *const *filters;
	size_t nf = cli_flag_list(args, "filter", &filters);
	if (images_check_filters(cli, filters, nf, "-f, --filter"))
		return CLI_EXIT_FAILURE;
	cleanup_free const char **all_filters = xcalloc(nf + 2, sizeof(char *));
	for (size_t i = 0; i < nf; i++)
		all_filters[i] = filters[i];
	cleanup_free char *ref_filter = NULL;
	if (cli_nargs(args) > 0) {
		ref_filter = xasprintf("reference=%s", cli_arg(args, 0));
		all_filters[nf++] = ref_filter;
	}
	strbuf_addstr(&url, "/images/json");
	if (cli_flag_bool(args, "all"))
		cli_query_add(&url, "all", "1");
	if (cli_query_filters(&url, all_filters, nf, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);

	cleanup_json json_t *list = NULL;
	if (cli_get_json(cli, url.buf, &list, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);

	bool quiet = cli_flag_bool(args, "quiet");
	bool digests = cli_flag_bool(args, "digests");
	const char *fmt = cli_flag_string(args, "format");
	const char *table = quiet ? "{{.ID}}" : digests ? IMAGES_TABLE_DIGEST : IMAGES_TABLE;
	cleanup_free char *custom = NULL;
	if (fmt && *fmt && strcmp(fmt, "table") != 0) {
		/* docker: a custom table with --digests gets a DIGEST column */
		if (strncmp(fmt, "table", 5) == 0 && digests && !strstr(fmt, "{{.Digest}}"))
			custom = xasprintf("%s\t{{.Digest}}", fmt);
		else
			custom = xstrdup(fmt);
	}
	struct images_ctx c = {
		.trunc = !cli_flag_bool(args, "no-trunc"),
		.digests = digests,
		.need_digest = digests || (custom && strstr(custom, "{{.Digest}}")),
	};
	cleanup_json json_t *headers = images_headers();
	if (format_new(custom ? custom : table, table, headers, &c.f, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	size_t i;
	const json_t *img;
	int r = 0;
	json_array_foreach(list, i, img) if ((r = images_one(&c, img, &err)) < 0) break;
	if (r >= 0)
		r = format_flush(c.f, stdout, &err);
	format_free(c.f);
	return r < 0 ? cli_error(cli, err, CLI_EXIT_ERROR) : 0;
}

const struct cli_command cli_cmd_images = {
	.name = "images",
	.usage = "[OPTIONS] [REPOSITORY[:TAG]]",
	.summary = "List images",
	.flags = images_flags,
	.min_args = 0,
	.max_args = 1,
	.complete = "images",
	.run = images_run,
};
