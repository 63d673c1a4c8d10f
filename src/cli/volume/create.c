/* create: `berth volume create [OPTIONS] [VOLUME]`, POST /volumes/create
 * with Name, Driver, DriverOpts (-o k=v) and Labels (--label k[=v]);
 * prints the volume's name as docker does.  The cluster-volume flags are
 * accepted and hidden, as docker hides them when the daemon is no swarm
 * manager (berthd never is). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "common/cleanup.h"
#include "common/xalloc.h"

static const struct cli_flag create_flags[] = {
	{ "availability", 0, CLI_STRING, "string", "active",
	  "Cluster Volume availability (\"active\", \"pause\", \"drain\")", CLI_FLAG_HIDDEN, NULL },
	{ "driver", 'd', CLI_STRING, "string", "local", "Specify volume driver name", 0, NULL },
	{ "group", 0, CLI_STRING, "string", NULL, "Cluster Volume group (cluster volumes)",
	  CLI_FLAG_HIDDEN, NULL },
	{ "label", 0, CLI_LIST, "list", NULL, "Set metadata for a volume", 0, NULL },
	{ "limit-bytes", 0, CLI_STRING, "bytes", NULL,
	  "Minimum size of the Cluster Volume in bytes", CLI_FLAG_HIDDEN, NULL },
	{ "name", 0, CLI_STRING, "string", NULL, "Specify volume name", CLI_FLAG_HIDDEN, NULL },
	{ "opt", 'o', CLI_LIST, "map", "map[]", "Set driver specific options", 0, NULL },
	{ "required-bytes", 0, CLI_STRING, "bytes", NULL,
	  "Maximum size of the Cluster Volume in bytes", CLI_FLAG_HIDDEN, NULL },
	{ "scope", 0, CLI_STRING, "string", "single",
	  "Cluster Volume access scope (\"single\", \"multi\")", CLI_FLAG_HIDDEN, NULL },
	{ "secret", 0, CLI_LIST, "map", "map[]", "Cluster Volume secrets", CLI_FLAG_HIDDEN, NULL },
	{ "sharing", 0, CLI_STRING, "string", "none",
	  "Cluster Volume access sharing (\"none\", \"readonly\", \"onewriter\", \"all\")",
	  CLI_FLAG_HIDDEN, NULL },
	{ "topology-preferred", 0, CLI_LIST, "list", NULL,
	  "A topology that the Cluster Volume would be preferred in", CLI_FLAG_HIDDEN, NULL },
	{ "topology-required", 0, CLI_LIST, "list", NULL,
	  "A topology that the Cluster Volume must be accessible from", CLI_FLAG_HIDDEN, NULL },
	{ "type", 0, CLI_STRING, "string", "block",
	  "Cluster Volume access type (\"mount\", \"block\")", CLI_FLAG_HIDDEN, NULL },
	CLI_FLAGS_END,
};

/* docker's MapOpts for -o: "k=v" (a value may hold '='); "k" alone is
 * k="" as docker's parsing gives */
static json_t *opts_map(const struct cli_args *args)
{
	const char *const *v;
	size_t n = cli_flag_list(args, "opt", &v);
	json_t *m = json_object();
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(v[i], '=');
		cleanup_free char *k = eq ? xstrndup(v[i], (size_t)(eq - v[i])) : xstrdup(v[i]);
		json_object_set_new(m, k, json_string(eq ? eq + 1 : ""));
	}
	return m;
}

/* docker's ListOpts of labels: "k=v", or "k" for k="" */
static json_t *labels_map(const struct cli_args *args)
{
	const char *const *v;
	size_t n = cli_flag_list(args, "label", &v);
	json_t *m = json_object();
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(v[i], '=');
		cleanup_free char *k = eq ? xstrndup(v[i], (size_t)(eq - v[i])) : xstrdup(v[i]);
		json_object_set_new(m, k, json_string(eq ? eq + 1 : ""));
	}
	return m;
}

static int create_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL;
	const char *name = cli_nargs(args) > 0 ? cli_arg(args, 0) : "";
	const char *flag_name = cli_flag_string(args, "name");
	if (flag_name && *flag_name) {
		/* docker's deprecated --name */
		if (*name && strcmp(name, flag_name) != 0) {
			fprintf(stderr, "conflicting options: either specify --name or provide "
					"positional arg, not both\n");
			return CLI_EXIT_FAILURE;
		}
		name = flag_name;
	}
	const char *driver = cli_flag_string(args, "driver");
	cleanup_json json_t *body = json_pack("{s:s, s:s, s:o, s:o}", "Name", name, "Driver",
					      driver ? driver : "local", "DriverOpts",
					      opts_map(args), "Labels", labels_map(args));
	cleanup_json json_t *vol = NULL;
	if (cli_post_json(cli, "/volumes/create", body, &vol, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	const char *got = json_string_value(json_object_get(vol, "Name"));
	printf("%s\n", got ? got : name);
	return 0;
}

const struct cli_command cli_cmd_volume_create = {
	.name = "create",
	.usage = "[OPTIONS] [VOLUME]",
	.summary = "Create a volume",
	.flags = create_flags,
	.min_args = 0,
	.max_args = 1,
	.run = create_run,
};
