/* tag: `berth tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]`, POST
 * /images/{source}/tag?repo=&tag=.  Both names are checked against
 * distribution's reference grammar first, as docker's client does, so the
 * errors read the same. */
#include <ctype.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

/* distribution/reference's grammar (regexp.go) as one POSIX ERE */
#define REF_PATH "[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*"
#define REF_DCOMP "([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
#define REF_HOST "(" REF_DCOMP "(\\." REF_DCOMP ")*|\\[[a-fA-F0-9:]+\\])"
#define REF_NAME "(" REF_HOST "(:[0-9]+)?/)?" REF_PATH "(/" REF_PATH ")*"
#define REF_TAG "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
#define REF_DIGEST "[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
#define REF_FULL "^" REF_NAME "(:" REF_TAG ")?(@" REF_DIGEST ")?$"
/* distribution's limit on a repository name */
#define REF_MAX_NAME 255

static bool ref_matches(const char *pattern, const char *s)
{
	regex_t re;
	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	bool ok = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

/* docker's reference.ParseNormalizedNamed: NULL when s is a valid name,
 * else the reason, as distribution words it (caller frees).  *ret_digest
 * says whether it names a digest. */
static char *ref_check(const char *s, bool *ret_digest)
{
	*ret_digest = false;
	if (ref_matches("^[a-f0-9]{64}$", s))
		return xasprintf(
			"invalid repository name (%s), cannot specify 64-byte hexadecimal strings",
			s);
	/* splitDockerDomain */
	const char *slash = strchr(s, '/');
	cleanup_free char *domain = NULL;
	const char *remainder = s;
	if (slash) {
		size_t n = (size_t)(slash - s);
		bool host = memchr(s, '.', n) || memchr(s, ':', n) ||
			    (n == 9 && strncmp(s, "localhost", 9) == 0);
		for (size_t i = 0; i < n && !host; i++)
			host = isupper((unsigned char)s[i]);
		if (host) {
			domain = xstrndup(s, n);
			remainder = slash + 1;
		}
	}
	cleanup_free char *full = NULL;
	if (!domain || strcmp(domain, "docker.io") == 0 || strcmp(domain, "index.docker.io") == 0)
		full = xasprintf("docker.io/%s%s", strchr(remainder, '/') ? "" : "library/",
				 remainder);
	else
		full = xasprintf("%s/%s", domain, remainder);
	const char *rem = full + strcspn(full, "/") + 1;
	cleanup_free char *remote = xstrndup(rem, strcspn(rem, ":"));
	for (const char *c = remote; *c; c++)
		if (isupper((unsigned char)*c))
			return xasprintf(
				"invalid reference format: repository name (%s) must be lowercase",
				remote);
	if (!*s)
		return xstrdup("invalid reference format");
	if (!ref_matches(REF_FULL, full))
		return xstrdup("invalid reference format");
	const char *at = strchr(full, '@');
	size_t name_len = at ? (size_t)(at - full) : strlen(full);
	const char *colon = memrchr(full, ':', name_len);
	const char *last_slash = memrchr(full, '/', name_len);
	if (colon && colon > last_slash)
		name_len = (size_t)(colon - full);
	if (name_len > REF_MAX_NAME)
		return xasprintf("repository name must not be more than %d characters",
				 REF_MAX_NAME);
	if (at && strncmp(at + 1, "sha256:", 7) == 0 && strlen(at + 8) != 64)
		return xstrdup("invalid checksum digest length");
	*ret_digest = at != NULL;
	return NULL;
}

static int tag_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL;
	const char *source = cli_arg(args, 0), *target = cli_arg(args, 1);
	bool digest;
	/* docker's client checks both names before it asks the daemon; the
	 * source may also be an image ID */
	cleanup_free char *why = ref_matches("^[a-f0-9]{64}$", source) ? NULL :
									 ref_check(source, &digest);
	const char *bad = source;
	if (!why) {
		why = ref_check(target, &digest);
		bad = target;
	}
	if (why) {
		fprintf(stderr,
			"Error parsing reference: \"%s\" is not a valid repository/tag: %s\n", bad,
			why);
		return CLI_EXIT_ERROR;
	}
	if (digest) {
		fprintf(stderr, "refusing to create a tag with a digest reference\n");
		return CLI_EXIT_ERROR;
	}
	/* the tag is after the last ':' that follows the last '/' (a port is not a tag) */
	const char *colon = strrchr(target, ':'), *slash = strrchr(target, '/');
	cleanup_free char *repo = NULL;
	const char *tag = NULL;
	if (colon && (!slash || colon > slash) && !strchr(target, '@')) {
		repo = xstrndup(target, (size_t)(colon - target));
		tag = colon + 1;
	} else {
		repo = xstrdup(target);
	}
	cleanup_free char *src = cli_escape(cli_arg(args, 0));
	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	strbuf_addf(&url, "/images/%s/tag", src);
	cli_query_add(&url, "repo", repo);
	if (tag)
		cli_query_add(&url, "tag", tag);
	if (cli_post_json(cli, url.buf, NULL, NULL, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	return 0;
}

const struct cli_command cli_cmd_tag = {
	.name = "tag",
	.usage = "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
	.summary = "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
	.min_args = 2,
	.max_args = 2,
	.cmd_flags = CLI_CMD_STOP_AT_ARG, /* docker: SetInterspersed(false) */
	.complete = "images",
	.run = tag_run,
};
