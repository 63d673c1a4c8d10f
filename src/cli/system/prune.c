/* prune: `berth system prune`, docker 28's order of prunes: stopped
 * containers, unused networks, (with --volumes) anonymous volumes,
 * dangling (with -a: unused) images, build cache, each through its own
 * POST /<kind>/prune, after docker's confirmation prompt unless -f.  The
 * first prune that fails ends the command, as docker's does. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/human.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

static const struct cli_flag prune_flags[] = {
	{ .name = "all",
	  .shorthand = 'a',
	  .type = CLI_BOOL,
	  .usage = "Remove all unused images not just dangling ones" },
	{ .name = "filter",
	  .type = CLI_LIST,
	  .value_name = "filter",
	  .usage = "Provide filter values (e.g. \"label=<key>=<value>\")" },
	{ .name = "force",
	  .shorthand = 'f',
	  .type = CLI_BOOL,
	  .usage = "Do not prompt for confirmation" },
	{ .name = "volumes", .type = CLI_BOOL, .usage = "Prune anonymous volumes" },
	CLI_FLAGS_END,
};

/* sortorder.NaturalLess: digit runs compare as numbers */
static int natural_cmp(const void *pa, const void *pb)
{
	const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;
	while (*a && *b) {
		if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
			const char *ea, *eb;
			while (*a == '0')
				a++;
			while (*b == '0')
				b++;
			for (ea = a; *ea >= '0' && *ea <= '9'; ea++)
				;
			for (eb = b; *eb >= '0' && *eb <= '9'; eb++)
				;
			if (ea - a != eb - b)
				return (ea - a) < (eb - b) ? -1 : 1;
			int c = strncmp(a, b, (size_t)(ea - a));
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

/* docker's confirmationTemplate, rendered */
static void confirmation(struct strbuf *sb, bool all, bool volumes, const char *const *filters,
			 size_t n)
{
	strbuf_addstr(sb, "WARNING! This will remove:\n  - all stopped containers\n"
			  "  - all networks not used by at least one container\n");
	if (volumes)
		strbuf_addstr(sb, "  - all anonymous volumes not used by at least one container\n");
	strbuf_addstr(sb,
		      all ? "  - all images without at least one container associated to them\n" :
			    "  - all dangling images\n");
	strbuf_addstr(sb, all ? "  - all build cache\n" : "  - unused build cache\n");
	/* only the label, label! and until filters are listed, sorted naturally */
	cleanup_free const char **shown = xcalloc(n + 1, sizeof(*shown));
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(filters[i], "label=", 6) == 0 ||
		    strncmp(filters[i], "label!=", 7) == 0 || strncmp(filters[i], "until=", 6) == 0)
			shown[k++] = filters[i];
	if (k > 0) {
		qsort(shown, k, sizeof(*shown), natural_cmp);
		strbuf_addstr(sb, "\n  Items to be pruned will be filtered with:\n");
		for (size_t i = 0; i < k; i++)
			strbuf_addf(sb, "  - %s\n", shown[i]);
	}
	strbuf_addstr(sb, "\nAre you sure you want to continue?");
}

struct pruner {
	const char *path;  /* "/containers/prune" */
	const char *list;  /* the report's list of deleted things */
	const char *title; /* "Deleted Containers:" */
};

static const struct pruner containers_pruner = { "/containers/prune", "ContainersDeleted",
						 "Deleted Containers:" };
static const struct pruner networks_pruner = { "/networks/prune", "NetworksDeleted",
					       "Deleted Networks:" };
static const struct pruner volumes_pruner = { "/volumes/prune", "VolumesDeleted",
					      "Deleted Volumes:" };
static const struct pruner cache_pruner = { "/build/prune", "CachesDeleted",
					    "Deleted build cache objects:" };

/* One prune: its report printed as docker prints it, space added up */
static int prune_one(struct cli *cli, const struct pruner *p, const char *const *filters, size_t n,
		     const char *extra, uint64_t *space, berth_error_t **err)
{
	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	strbuf_addstr(&url, p->path);
	if (cli_query_filters(&url, filters, n, err) < 0)
		return -1;
	if (extra)
		strbuf_addf(&url, "%s%s", strchr(url.buf, '?') ? "&" : "?", extra);
	cleanup_json json_t *report = NULL;
	if (cli_post_json(cli, url.buf, NULL, &report, err) < 0)
		return -1;
	const json_t *list = json_object_get(report, p->list);
	if (json_array_size(list) > 0) {
		printf("%s\n", p->title);
		size_t i;
		const json_t *v;
		json_array_foreach(list, i, v)
			printf("%s\n", json_string_value(v) ? json_string_value(v) : "");
		printf("\n");
	}
	json_int_t s = json_integer_value(json_object_get(report, "SpaceReclaimed"));
	if (s > 0)
		*space += (uint64_t)s;
	return 0;
}

/* Images: "untagged: ..." or "deleted: ..." per entry */
static int prune_images(struct cli *cli, bool all, const char *const *filters, size_t n,
			uint64_t *space, berth_error_t **err)
{
	cleanup_free const char **f = xcalloc(n + 2, sizeof(*f));
	memcpy(f, filters, n * sizeof(*f));
	f[n] = all ? "dangling=false" : "dangling=true";
	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	strbuf_addstr(&url, "/images/prune");
	if (cli_query_filters(&url, f, n + 1, err) < 0)
		return -1;
	cleanup_json json_t *report = NULL;
	if (cli_post_json(cli, url.buf, NULL, &report, err) < 0)
		return -1;
	const json_t *list = json_object_get(report, "ImagesDeleted");
	if (json_array_size(list) > 0) {
		printf("Deleted Images:\n");
		size_t i;
		const json_t *v;
		json_array_foreach(list, i, v)
		{
			const char *u = json_string_value(json_object_get(v, "Untagged"));
			const char *d = json_string_value(json_object_get(v, "Deleted"));
			if (u && *u)
				printf("untagged: %s\n", u);
			else
				printf("deleted: %s\n", d ? d : "");
		}
		printf("\n");
	}
	json_int_t s = json_integer_value(json_object_get(report, "SpaceReclaimed"));
	if (s > 0)
		*space += (uint64_t)s;
	return 0;
}

/* docker checks --filter values while it parses flags: a value without
 * '=' is a flag error (exit 125, with the usage line), not a failure */
static int check_filters(const struct cli *cli, const char *const *filters, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strchr(filters[i], '='))
			continue;
		return cli_flag_error(cli,
				      "invalid argument \"%s\" for \"--filter\" flag: bad format of "
				      "filter (expected name=value)",
				      filters[i]);
	}
	return 0;
}

static int run_prune(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL;
	bool all = cli_flag_bool(args, "all"), volumes = cli_flag_bool(args, "volumes");
	const char *const *filters;
	size_t n = cli_flag_list(args, "filter", &filters);
	int bad = check_filters(cli, filters, n);
	if (bad)
		return bad;
	for (size_t i = 0; volumes && i < n; i++)
		if (strncmp(filters[i], "until=", 6) == 0 || strcmp(filters[i], "until") == 0) {
			berth_error_fail(
				&err, EINVAL,
				"ERROR: The \"until\" filter is not supported with \"--volumes\"");
			return cli_error(cli, err, CLI_EXIT_ERROR);
		}
	if (!cli_flag_bool(args, "force")) {
		cleanup_strbuf struct strbuf msg = STRBUF_INIT;
		confirmation(&msg, all, volumes, filters, n);
		if (!cli_confirm(cli, msg.buf))
			return 0; /* docker: cancelled, quietly */
	}
	uint64_t space = 0;
	int r = prune_one(cli, &containers_pruner, filters, n, NULL, &space, &err);
	if (r == 0)
		r = prune_one(cli, &networks_pruner, filters, n, NULL, &space, &err);
	if (r == 0 && volumes)
		r = prune_one(cli, &volumes_pruner, filters, n, NULL, &space, &err);
	if (r == 0)
		r = prune_images(cli, all, filters, n, &space, &err);
	if (r == 0)
		r = prune_one(cli, &cache_pruner, filters, n, all ? "all=1" : NULL, &space, &err);
	fflush(stdout);
	if (r < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	char buf[HUMAN_BUF];
	printf("Total reclaimed space: %s\n", human_size4((double)space, buf));
	return 0;
}

const struct cli_command cli_cmd_system_prune = {
	.name = "prune",
	.usage = "[OPTIONS]",
	.summary = "Remove unused data",
	.description =
		"Remove stopped containers, unused networks, dangling images and build cache "
		"(with -a every image no container uses, with --volumes anonymous volumes).",
	.flags = prune_flags,
	.min_args = 0,
	.max_args = 0,
	.run = run_prune,
};
