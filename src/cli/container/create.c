/* create: `berth create`, and the create step that run shares (docker's
 * createContainer): POST /containers/create with the body opts.c built,
 * pulling the image first when --pull says so or when the daemon does not
 * have it.  The ID file of --cidfile exists only once a container does. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/container/opts.h"
#include "cli/progress.h"
#include "cli/tty.h"
#include "common/cleanup.h"
#include "common/fdio.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

/* An image reference as docker's client normalises it for a pull */
struct image_ref {
	char *name;     /* "docker.io/library/busybox" */
	char *tag;      /* "latest" unless a digest is given; may be NULL */
	char *digest;   /* may be NULL */
	char *familiar; /* "busybox:latest", for "Unable to find image" */
};

static void image_ref_release(struct image_ref *r)
{
	free(r->name);
	free(r->tag);
	free(r->digest);
	free(r->familiar);
}

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdef", s[i]) || s[i] == '\0')
			return false;
	return true;
}

/* ParseNormalizedNamed + TagNameOnly; false for what docker cannot pull
 * by name (an image ID) */
static bool image_ref_parse(const char *ref, struct image_ref *ret)
{
	if (strncmp(ref, "sha256:", 7) == 0 || (strlen(ref) == 64 && all_hex(ref, 64)))
		return false;
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
	if (!ret->tag && !ret->digest)
		ret->tag = xstrdup("latest");
	cleanup_free char *domain = cli_reference_domain(s);
	bool explicit = strncmp(s, domain, strlen(domain)) == 0 && s[strlen(domain)] == '/';
	const char *path = explicit ? s + strlen(domain) + 1 : s;
	bool hub = strcmp(domain, "docker.io") == 0;
	if (hub && !strchr(path, '/'))
		ret->name = xasprintf("docker.io/library/%s", path);
	else
		ret->name = xasprintf("%s/%s", domain, path);
	/* FamiliarString: docker.io/library/ and docker.io/ go away */
	const char *fam = ret->name;
	if (strncmp(fam, "docker.io/library/", 18) == 0)
		fam += 18;
	else if (strncmp(fam, "docker.io/", 10) == 0)
		fam += 10;
	struct strbuf f = STRBUF_INIT;
	strbuf_addstr(&f, fam);
	if (ret->tag)
		strbuf_addf(&f, ":%s", ret->tag);
	if (ret->digest)
		strbuf_addf(&f, "@%s", ret->digest);
	ret->familiar = strbuf_detach(&f, NULL);
	return true;
}

/* docker's pullImage: the stream is shown on stderr, stdout is kept for
 * the container ID */
static int pull_image(struct cli *cli, const struct container_opts *o, const struct image_ref *ref,
		      bool quiet, berth_error_t **err)
{
	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	strbuf_addstr(&url, "/images/create");
	cli_query_add(&url, "fromImage", ref->name);
	cli_query_add(&url, "tag", ref->digest ? ref->digest : ref->tag);
	if (o->platform && *o->platform)
		cli_query_add(&url, "platform", o->platform);
	cleanup_free char *auth = NULL;
	if (cli_registry_auth_header(cli, ref->name, &auth, err) < 0)
		return -1;
	const char *headers[] = { auth, NULL };
	cleanup_fclose FILE *devnull = quiet ? fopen("/dev/null", "we") : NULL;
	return progress_request(cli, "POST", url.buf, auth ? headers : NULL, -1, NULL,
				devnull ? devnull : stderr, !quiet && cli->stderr_tty, NULL, err);
}

static int post_create(struct cli *cli, const struct container_opts *o, json_t **ret,
		       berth_error_t **err)
{
	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	strbuf_addstr(&url, "/containers/create");
	if (o->name && *o->name)
		cli_query_add(&url, "name", o->name);
	if (o->platform && *o->platform)
		cli_query_add(&url, "platform", o->platform);
	return cli_post_json(cli, url.buf, o->body, ret, err);
}

/* newCIDFile: refuse an existing file, create it empty now */
static int cidfile_open(const char *path, berth_error_t **err)
{
	struct stat st;
	if (stat(path, &st) == 0)
		return berth_error_fail(
			err, EEXIST,
			"container ID file found, make sure the other container isn't running or delete %s",
			path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return berth_error_fail(err, errno,
					"failed to create the container ID file: open %s: %s", path,
					strerror(errno));
	return fd;
}

int container_create(struct cli *cli, struct container_opts *o, bool quiet, char **ret_id,
		     berth_error_t **err)
{
	struct image_ref ref = { 0 };
	bool named = image_ref_parse(o->image, &ref);
	cleanup_close int cid_fd = -1;
	/* declared before the first goto: a jump must not skip a cleanup variable */
	cleanup_json json_t *resp = NULL;
	int r = -1;
	if (o->cidfile && *o->cidfile && (cid_fd = cidfile_open(o->cidfile, err)) < 0)
		goto out;
	if (strcmp(o->pull, "always") == 0 && named && pull_image(cli, o, &ref, quiet, err) < 0)
		goto out;
	/* docker sends the size of the terminal the container will draw on */
	unsigned rows, cols;
	if (cli->stdout_tty && tty_size(1, &rows, &cols) == 0)
		json_object_set_new(json_object_get(o->body, "HostConfig"), "ConsoleSize",
				    json_pack("[i,i]", (int)rows, (int)cols));
	if (post_create(cli, o, &resp, err) < 0) {
		if (!(err && *err && (*err)->errnum == ENOENT && named &&
		      strcmp(o->pull, "missing") == 0))
			goto out;
		if (!quiet)
			fprintf(stderr, "Unable to find image '%s' locally\n", ref.familiar);
		berth_error_release(err);
		if (pull_image(cli, o, &ref, quiet, err) < 0 || post_create(cli, o, &resp, err) < 0)
			goto out;
	}
	const char *id = json_string_value(json_object_get(resp, "Id"));
	if (id == NULL) {
		r = berth_error_fail(err, EPROTO, "the daemon's create response has no Id");
		goto out;
	}
	json_t *warnings = json_object_get(resp, "Warnings"), *w;
	size_t i;
	json_array_foreach(warnings, i, w) if (json_is_string(w))
		fprintf(stderr, "WARNING: %s\n", json_string_value(w));
	if (cid_fd >= 0 && fd_write_all(cid_fd, id, strlen(id)) < 0) {
		r = berth_error_fail(err, errno, "failed to write the container ID to the file: %s",
				     strerror(errno));
		goto out;
	}
	*ret_id = xstrdup(id);
	r = 0;
out:
	/* an ID file without a container would block the next run */
	if (r < 0 && cid_fd >= 0)
		unlink(o->cidfile);
	image_ref_release(&ref);
	return r;
}

static int create_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL;
	struct container_opts o = { 0 };
	cleanup_free char *id = NULL;
	int rc = 0;
	if (container_opts_parse(args, &o, &err) < 0) {
		rc = opts_report(cli, err, o.err_kind, CLI_EXIT_FAILURE);
		goto out;
	}
	if (container_create(cli, &o, cli_flag_bool(args, "quiet"), &id, &err) < 0) {
		rc = cli_error(cli, err, CLI_EXIT_ERROR);
		goto out;
	}
	printf("%s\n", id);
out:
	container_opts_release(&o);
	return rc;
}

const struct cli_command cli_cmd_create = {
	.name = "create",
	.usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]",
	.summary = "Create a new container",
	.flags = opts_create_flags,
	.min_args = 1,
	.max_args = -1,
	.cmd_flags = CLI_CMD_STOP_AT_ARG,
	.complete = "images",
	.run = create_run,
};
