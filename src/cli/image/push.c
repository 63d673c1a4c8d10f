/* push: `berth push NAME[:TAG]`, POST /images/{name}/push?tag= with the
 * stored credentials in X-Registry-Auth (docker always sends the header);
 * the stream is drawn by progress.c.  -q prints only the reference. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/progress.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

static const struct cli_flag push_flags[] = {
	{ "all-tags", 'a', CLI_BOOL, NULL, NULL, "Push all tags of an image to the repository", 0,
	  NULL },
	{ "disable-content-trust", 0, CLI_BOOL, NULL, "true", "Skip image signing", 0, NULL },
	{ "platform", 0, CLI_STRING, "string", NULL,
	  "Push a platform-specific manifest as a single-platform image to the registry.\nImage index won't be pushed, meaning that other manifests, including attestations won't be preserved.\n'os[/arch[/variant]]': Explicit platform (eg. linux/amd64)",
	  0, NULL },
	{ "quiet", 'q', CLI_BOOL, NULL, NULL, "Suppress verbose output", 0, NULL },
	CLI_FLAGS_END,
};

static int push_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL;
	const char *arg = cli_arg(args, 0);
	bool all = cli_flag_bool(args, "all-tags"), quiet = cli_flag_bool(args, "quiet");
	const char *colon = strrchr(arg, ':'), *slash = strrchr(arg, '/');
	bool has_tag = colon && (!slash || colon > slash) && !strchr(arg, '@');
	cleanup_free char *name = has_tag ? xstrndup(arg, (size_t)(colon - arg)) : xstrdup(arg);
	cleanup_free char *tag = has_tag ? xstrdup(colon + 1) : NULL;

	if (all && has_tag) {
		fprintf(stderr, "tag can't be used with --all-tags/-a\n");
		return CLI_EXIT_ERROR;
	}
	if (!all && !tag) {
		tag = xstrdup("latest");
		if (!quiet)
			printf("Using default tag: latest\n");
		fflush(stdout); /* before a stream error on stderr, as docker writes it */
	}
	cleanup_free char *esc = cli_escape(name);
	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	strbuf_addf(&url, "/images/%s/push", esc);
	if (tag)
		cli_query_add(&url, "tag", tag);
	const char *platform = cli_flag_string(args, "platform");
	if (platform && *platform)
		cli_query_add(&url, "platform", platform);

	cleanup_free char *auth = NULL;
	if (cli_registry_auth_header(cli, name, &auth, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	if (!auth)
		auth = xstrdup("X-Registry-Auth: e30=");
	const char *headers[] = { auth, NULL };
	cleanup_fclose FILE *devnull = quiet ? fopen("/dev/null", "we") : NULL;
	if (progress_request(cli, "POST", url.buf, headers, -1, NULL,
			     quiet && devnull ? devnull : stdout, !quiet && cli->stdout_tty, NULL,
			     &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	if (quiet)
		printf("%s%s%s\n", name, tag ? ":" : "", tag ? tag : "");
	return 0;
}

const struct cli_command cli_cmd_push = {
	.name = "push",
	.usage = "[OPTIONS] NAME[:TAG]",
	.summary = "Upload an image to a registry",
	.flags = push_flags,
	.min_args = 1,
	.max_args = 1,
	.complete = "images",
	.run = push_run,
};
