/* commit: `berth commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]`, docker's
 * container/commit.go: POST /commit with the container, the reference
 * split into repo and tag, and the changes; prints the new image's ID. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

static const struct cli_flag commit_flags[] = {
	{ .name = "author",
	  .shorthand = 'a',
	  .type = CLI_STRING,
	  .usage = "Author (e.g., \"John Hannibal Smith <hannibal@a-team.com>\")" },
	{ .name = "change",
	  .shorthand = 'c',
	  .type = CLI_LIST,
	  .usage = "Apply Dockerfile instruction to the created image" },
	{ .name = "message", .shorthand = 'm', .type = CLI_STRING, .usage = "Commit message" },
	{ .name = "pause",
	  .shorthand = 'p',
	  .type = CLI_BOOL,
	  .def = "true",
	  .usage = "Pause container during commit" },
	CLI_FLAGS_END
};

/* Split REPOSITORY[:TAG]: the tag follows the last ':' after the last '/'
 * (a registry port is not a tag); a digest cannot be committed to */
static int commit_ref(const char *ref, char **ret_repo, char **ret_tag, berth_error_t **err)
{
	if (strchr(ref, '@'))
		return berth_error_fail(err, EINVAL,
					"refusing to create a tag with a digest reference");
	const char *slash = strrchr(ref, '/');
	const char *colon = strrchr(slash ? slash : ref, ':');
	*ret_repo = colon ? xstrndup(ref, (size_t)(colon - ref)) : xstrdup(ref);
	*ret_tag = xstrdup(colon ? colon + 1 : "latest");
	return 0;
}

static int commit_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	strbuf_addstr(&url, "/commit");
	cli_query_add(&url, "container", cli_arg(args, 0));
	if (cli_nargs(args) > 1 && *cli_arg(args, 1)) {
		cleanup_free char *repo = NULL, *tag = NULL;
		if (commit_ref(cli_arg(args, 1), &repo, &tag, &err) < 0)
			return cli_error(cli, err, CLI_EXIT_ERROR);
		cli_query_add(&url, "repo", repo);
		cli_query_add(&url, "tag", tag);
	}
	const char *msg = cli_flag_string(args, "message"),
		   *author = cli_flag_string(args, "author");
	if (msg && *msg)
		cli_query_add(&url, "comment", msg);
	if (author && *author)
		cli_query_add(&url, "author", author);
	const char *const *changes;
	size_t n = cli_flag_list(args, "change", &changes);
	for (size_t i = 0; i < n; i++)
		cli_query_add(&url, "changes", changes[i]);
	if (!cli_flag_bool(args, "pause"))
		cli_query_add(&url, "pause", "0");
	cleanup_json json_t *resp = NULL;
	if (cli_post_json(cli, url.buf, NULL, &resp, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	const char *id = json_string_value(json_object_get(resp, "Id"));
	printf("%s\n", id ? id : "");
	return 0;
}

const struct cli_command cli_cmd_commit = {
	.name = "commit",
	.usage = "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
	.summary = "Create a new image from a container's changes",
	.flags = commit_flags,
	.min_args = 1,
	.max_args = 2,
	.complete = "containers",
	.run = commit_run,
};
