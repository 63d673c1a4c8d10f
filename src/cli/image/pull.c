/* pull: `berth pull NAME[:TAG|@DIGEST]`, POST /images/create?fromImage=
 * with the stored credentials in X-Registry-Auth; the daemon's stream is
 * drawn by progress.c (one updating line per layer on a terminal), then
 * the full reference is printed as docker does. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/progress.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

static const struct cli_flag pull_flags[] = {
	{ "all-tags", 'a', CLI_BOOL, NULL, NULL, "Download all tagged images in the repository", 0,
	  NULL },
	{ "disable-content-trust", 0, CLI_BOOL, NULL, "true", "Skip image verification", 0, NULL },
	{ "platform", 0, CLI_STRING, "string", NULL,
	  "Set platform if server is multi-platform capable", 0, NULL },
	{ "quiet", 'q', CLI_BOOL, NULL, NULL, "Suppress verbose output", 0, NULL },
	CLI_FLAGS_END,
};

/* A reference split as docker's client does: the full name
 * ("docker.io/library/busybox"), and the tag or digest (NULL when none) */
struct pull_ref {
	char *name;
	char *tag;    /* "latest" */
	char *digest; /* "sha256:..." */
};

static void pull_ref_release(struct pull_ref *r)
{
	free(r->name);
	free(r->tag);
	free(r->digest);
}

/* docker's ParseNormalizedNamed, without validation (the daemon validates) */
static void pull_ref_parse(const char *ref, struct pull_ref *ret)
{
	cleanup_free char *s = xstrdup(ref);
	char *at = strchr(s, '@');
	if (at) {
		*at = '\0';
		ret->digest = xstrdup(at + 1);
	}
	char *colon = strrchr(s, ':'), *slash = strrchr(s, '/');
	if (colon && (!slash || colon > slash)) {
		*colon = '\0';
		ret->tag = xstrdup(colon + 1);
	}
	cleanup_free char *domain = cli_reference_domain(s);
	bool explicit = strncmp(s, domain, strlen(domain)) == 0 && s[strlen(domain)] == '/';
	const char *path = explicit ? s + strlen(domain) + 1 : s;
	if (strcmp(domain, "docker.io") == 0 && !strchr(path, '/'))
		ret->name = xasprintf("docker.io/library/%s", path);
	else
		ret->name = xasprintf("%s/%s", domain, path);
}

static void pull_ref_string(const struct pull_ref *r, struct strbuf *out)
{
	strbuf_addstr(out, r->name);
	if (r->tag)
		strbuf_addf(out, ":%s", r->tag);
	if (r->digest)
		strbuf_addf(out, "@%s", r->digest);
}

static int pull_do(struct cli *cli, const struct cli_args *args, struct pull_ref *ref)
{
	cleanup_error berth_error_t *err = NULL;
	bool all = cli_flag_bool(args, "all-tags"), quiet = cli_flag_bool(args, "quiet");

	if (all && (ref->tag || ref->digest)) {
		fprintf(stderr, "tag can't be used with --all-tags/-a\n");
		return CLI_EXIT_ERROR;
	}
	if (!all && !ref->tag && !ref->digest) {
		ref->tag = xstrdup("latest");
		if (!quiet)
			printf("Using default tag: latest\n");
		fflush(stdout); /* before a stream error on stderr, as docker writes it */
	}

	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	strbuf_addstr(&url, "/images/create");
	cli_query_add(&url, "fromImage", ref->name);
	if (ref->digest)
		cli_query_add(&url, "tag", ref->digest);
	else if (ref->tag)
		cli_query_add(&url, "tag", ref->tag);
	const char *platform = cli_flag_string(args, "platform");
	if (platform && *platform)
		cli_query_add(&url, "platform", platform);

	cleanup_free char *auth = NULL;
	if (cli_registry_auth_header(cli, ref->name, &auth, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	const char *headers[] = { auth, NULL };
	/* -q: the stream is read (it carries the errors) but not shown */
	cleanup_fclose FILE *devnull = quiet ? fopen("/dev/null", "we") : NULL;
	if (progress_request(cli, "POST", url.buf, auth ? headers : NULL, -1, NULL,
			     devnull ? devnull : stdout, !quiet && cli->stdout_tty, NULL, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	cleanup_strbuf struct strbuf full = STRBUF_INIT;
	pull_ref_string(ref, &full);
	printf("%s\n", full.buf);
	return 0;
}

static int pull_run(struct cli *cli, const struct cli_args *args)
{
	struct pull_ref ref = { 0 };
	pull_ref_parse(cli_arg(args, 0), &ref);
	int rc = pull_do(cli, args, &ref);
	pull_ref_release(&ref);
	return rc;
}

const struct cli_command cli_cmd_pull = {
	.name = "pull",
	.usage = "[OPTIONS] NAME[:TAG|@DIGEST]",
	.summary = "Download an image from a registry",
	.flags = pull_flags,
	.min_args = 1,
	.max_args = 1,
	.complete = "images",
	.run = pull_run,
};
