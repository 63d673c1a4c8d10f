/* image-tool: a test-only driver of the image library, so that bats tests
 * can prove load, save, overlay rootfs and bundles end to end before the
 * daemon exists.  It parses arguments and calls the library, nothing more:
 *
 *   image-tool --root DIR load FILE|-            docker-archive or oci-archive
 *   image-tool --root DIR load-oci-dir DIR [--name REPO] [--platform P]
 *   image-tool --root DIR save [--format docker|oci|oci-dir] OUT|- REF...
 *   image-tool --root DIR list | inspect REF
 *   image-tool --root DIR rootfs REF CONTAINER_ID   (prints the merged path)
 *   image-tool --root DIR umount CONTAINER_ID
 *   image-tool --root DIR bundle REF DIR            (container ID = basename DIR)
 *   image-tool --root DIR tag SOURCE TARGET
 *   image-tool --root DIR push [--insecure] REF     (progress as JSON lines;
 *              BERTH_PUSH_CHUNK_SIZE sets the chunk size in bytes)
 *   image-tool --root DIR pull [--insecure] REF     (progress as JSON lines;
 *              BERTH_PULL_CONCURRENCY sets the parallel downloads)
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/parse.h"
#include "common/xalloc.h"
#include "image/archive-docker.h"
#include "image/archive-oci.h"
#include "image/image-store.h"
#include "image/overlay.h"
#include "oci/image.h"
#include "oci/runtime-config.h"
#include "registry/pull.h"
#include "registry/push.h"

#include "common/banned.h"

static void on_progress(const struct archive_progress *p, void *userdata)
{
	(void)userdata;
	switch (p->kind) {
	case ARCHIVE_PROGRESS_LOADED:
		if (p->ref) {
			printf("Loaded image: %s\n", p->ref);
		} else {
			char d[DIGEST_STR_SIZE];
			digest_format(p->image_id, d);
			printf("Loaded image ID: %s\n", d);
		}
		break;
	case ARCHIVE_PROGRESS_LAYER:
		if (p->current == 0)
			fprintf(stderr, "Loading layer %s (%lld bytes)\n", p->id,
				(long long)p->total);
		break;
	case ARCHIVE_PROGRESS_LAYER_EXISTS:
		fprintf(stderr, "Layer %s already exists\n", p->id);
		break;
	case ARCHIVE_PROGRESS_SAVED_LAYER:
		fprintf(stderr, "Saved layer %s\n", p->id);
		break;
	}
}

static int print_json(json_t *j)
{
	cleanup_free char *s = json_dumps(j, JSON_INDENT(2));
	printf("%s\n", s);
	return 0;
}

static int cmd_load(struct image_store *s, int argc, char **argv, berth_error_t **err)
{
	if (argc != 2)
		return berth_error_fail(err, EINVAL, "usage: load FILE|-");
	cleanup_close int fd = -1;
	if (strcmp(argv[1], "-") != 0) {
		fd = open(argv[1], O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return berth_error_set(err, errno, "open '%s'", argv[1]);
	}
	struct archive_load_options opts = { .progress = on_progress };
	return archive_docker_load(s, fd >= 0 ? fd : 0, &opts, NULL, err);
}

static int cmd_load_oci_dir(struct image_store *s, int argc, char **argv, berth_error_t **err)
{
	const char *dir = NULL;
	struct archive_load_options opts = { .progress = on_progress };
	struct oci_platform plat = { 0 };
	bool has_plat = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--name") == 0 && i + 1 < argc) {
			opts.repository = argv[++i];
		} else if (strcmp(argv[i], "--platform") == 0 && i + 1 < argc) {
			if (oci_platform_parse(argv[++i], &plat, err) < 0)
				return -1;
			has_plat = true;
		} else if (!dir) {
			dir = argv[i];
		} else {
			return berth_error_fail(err, EINVAL,
						"usage: load-oci-dir DIR [--name REPO]");
		}
	}
	if (!dir)
		return berth_error_fail(err, EINVAL, "usage: load-oci-dir DIR [--name REPO]");
	if (has_plat)
		opts.platform = &plat;
	int r = archive_oci_load_dir(s, dir, &opts, NULL, err);
	oci_platform_release(&plat);
	return r;
}

static int cmd_save(struct image_store *s, int argc, char **argv, berth_error_t **err)
{
	const char *format = "docker";
	int i = 1;
	if (i + 1 < argc && strcmp(argv[i], "--format") == 0) {
		format = argv[i + 1];
		i += 2;
	}
	if (argc - i < 2)
		return berth_error_fail(err, EINVAL,
					"usage: save [--format docker|oci|oci-dir] OUT REF...");
	const char *out = argv[i++];
	const char *const *refs = (const char *const *)&argv[i];
	size_t n = (size_t)(argc - i);
	if (strcmp(format, "oci-dir") == 0)
		return archive_oci_save_dir(s, refs, n, out, on_progress, NULL, err);
	cleanup_close int fd = 1;
	bool own = strcmp(out, "-") != 0;
	if (own) {
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			return berth_error_set(err, errno, "create '%s'", out);
	}
	int r;
	if (strcmp(format, "docker") == 0)
		r = archive_docker_save(s, refs, n, fd, on_progress, NULL, err);
	else if (strcmp(format, "oci") == 0)
		r = archive_oci_save_tar(s, refs, n, fd, on_progress, NULL, err);
	else
		r = berth_error_fail(err, EINVAL, "unknown format '%s'", format);
	if (r < 0 && own)
		unlink(out);
	if (!own)
		take_fd(&fd);
	return r;
}

/* The chain IDs of the image's layers, base first */
static int image_chains(struct image_store *s, const char *ref, struct digest *ret_id,
			struct digest **ret, size_t *ret_n, berth_error_t **err)
{
	struct digest id;
	if (image_store_resolve(s, ref, &id, err) < 0)
		return -1;
	cleanup_image_info struct image_info *info = NULL;
	if (image_store_get(s, &id, &info, err) < 0)
		return -1;
	struct digest *v = xcalloc(info->n_layers ? info->n_layers : 1, sizeof(*v));
	for (size_t i = 0; i < info->n_layers; i++)
		v[i] = info->layers[i].chain_id;
	*ret_id = id;
	*ret = v;
	*ret_n = info->n_layers;
	return 0;
}

static int mount_rootfs(struct image_store *s, const char *ref, const char *cid, char **ret,
			struct digest *ret_id, berth_error_t **err)
{
	cleanup_free struct digest *chains = NULL;
	size_t n = 0;
	if (image_chains(s, ref, ret_id, &chains, &n, err) < 0)
		return -1;
	if (image_store_container_add(s, cid, ret_id, n ? &chains[n - 1] : NULL, false, err) < 0)
		return -1;
	if (overlay_create(image_store_layers(s), cid, chains, n, 0, ret, err) < 0) {
		image_store_container_remove(s, cid, NULL);
		return -1;
	}
	return 0;
}

static int cmd_rootfs(struct image_store *s, int argc, char **argv, berth_error_t **err)
{
	if (argc != 3)
		return berth_error_fail(err, EINVAL, "usage: rootfs REF CONTAINER_ID");
	cleanup_free char *path = NULL;
	struct digest id;
	if (mount_rootfs(s, argv[1], argv[2], &path, &id, err) < 0)
		return -1;
	printf("%s\n", path);
	return 0;
}

static int cmd_umount(struct image_store *s, int argc, char **argv, berth_error_t **err)
{
	if (argc != 2)
		return berth_error_fail(err, EINVAL, "usage: umount CONTAINER_ID");
	if (overlay_remove(image_store_layers(s), argv[1], err) < 0)
		return -1;
	return image_store_container_remove(s, argv[1], err);
}

static json_t *strv_json(char **v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* process.user from the image's User: numeric "uid[:gid]" only (names
 * would need the rootfs' /etc/passwd: the daemon's job) */
static int set_user(json_t *process, const char *user, berth_error_t **err)
{
	if (!user || !*user || strcmp(user, "root") == 0)
		return 0;
	cleanup_free char *uid_str = xstrdup(user);
	char *colon = strchr(uid_str, ':');
	if (colon)
		*colon = '\0';
	uint32_t uid = 0, gid = 0;
	if (parse_uint32(uid_str, &uid, NULL) < 0 ||
	    (colon && parse_uint32(colon + 1, &gid, NULL) < 0))
		return berth_error_fail(err, ENOTSUP, "image user '%s': only numeric uid[:gid]",
					user);
	json_object_set_new(process, "user",
			    json_pack("{s:I, s:I}", "uid", (json_int_t)uid, "gid",
				      (json_int_t)gid));
	return 0;
}

static int cmd_bundle(struct image_store *s, int argc, char **argv, berth_error_t **err)
{
	if (argc != 3)
		return berth_error_fail(err, EINVAL, "usage: bundle REF DIR");
	const char *dir = argv[2];
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return berth_error_set(err, errno, "mkdir '%s'", dir);
	cleanup_free char *dircopy = xstrdup(dir);
	const char *cid = basename(dircopy);
	struct digest id;
	cleanup_free char *rootfs = NULL;
	if (mount_rootfs(s, argv[1], cid, &rootfs, &id, err) < 0)
		return -1;
	cleanup_oci_image_config struct oci_image_config *c = NULL;
	if (image_store_read_config(s, &id, &c, err) < 0)
		return -1;
	cleanup_json json_t *spec = oci_config_default_spec(false);
	json_t *process = json_object_get(spec, "process");
	json_object_set_new(process, "terminal", json_false());
	const struct oci_image_exec_config *ec = &c->config;
	json_t *args = json_array();
	for (size_t i = 0; ec->entrypoint && i < ec->n_entrypoint; i++)
		json_array_append_new(args, json_string(ec->entrypoint[i]));
	for (size_t i = 0; ec->cmd && i < ec->n_cmd; i++)
		json_array_append_new(args, json_string(ec->cmd[i]));
	if (json_array_size(args) == 0)
		json_array_append_new(args, json_string("sh"));
	json_object_set_new(process, "args", args);
	if (ec->env)
		json_object_set_new(process, "env", strv_json(ec->env, ec->n_env));
	if (ec->working_dir && *ec->working_dir)
		json_object_set_new(process, "cwd", json_string(ec->working_dir));
	if (set_user(process, ec->user, err) < 0)
		return -1;
	json_object_set_new(spec, "root", json_pack("{s:s, s:b}", "path", rootfs, "readonly", 0));
	cleanup_free char *text = json_dumps(spec, JSON_INDENT(2));
	cleanup_free char *path = xasprintf("%s/config.json", dir);
	FILE *f = fopen(path, "we");
	if (!f)
		return berth_error_set(err, errno, "create '%s'", path);
	fputs(text, f);
	if (fclose(f) != 0)
		return berth_error_set(err, errno, "write '%s'", path);
	printf("%s\n", rootfs);
	return 0;
}

/* What the tests look at: Id, RepoTags, the layers and the config */
static int cmd_inspect(struct image_store *s, const char *name, berth_error_t **err)
{
	struct digest id;
	if (image_store_resolve(s, name, &id, err) < 0)
		return -1;
	cleanup_image_info struct image_info *info = NULL;
	cleanup_oci_image_config struct oci_image_config *c = NULL;
	if (image_store_get(s, &id, &info, err) < 0 || image_store_read_config(s, &id, &c, err) < 0)
		return -1;
	char d[DIGEST_STR_SIZE];
	digest_format(&id, d);
	json_t *layers = json_array();
	for (size_t i = 0; i < info->n_layers; i++) {
		char diff[DIGEST_STR_SIZE], blob[DIGEST_STR_SIZE] = "";
		digest_format(&info->layers[i].diff_id, diff);
		if (info->layers[i].has_blob)
			digest_format(&info->layers[i].blob_digest, blob);
		json_array_append_new(layers,
				      json_pack("{s:s, s:s, s:s?}", "DiffID", diff, "Blob", blob,
						"MediaType", info->layers[i].blob_media_type));
	}
	cleanup_json json_t *j = json_pack("{s:s, s:o, s:o, s:o}", "Id", d, "RepoTags",
					   strv_json(info->repo_tags, info->n_repo_tags), "Layers",
					   layers, "Config", oci_image_config_to_json(c));
	return print_json(j);
}

static void on_push_progress(const json_t *msg, void *userdata)
{
	(void)userdata;
	cleanup_free char *line = json_dumps(msg, JSON_COMPACT);
	printf("%s\n", line);
	fflush(stdout);
}

static int cmd_push(struct image_store *s, int argc, char **argv, berth_error_t **err)
{
	struct push_options opts = { .progress = on_push_progress };
	const char *ref = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--insecure") == 0)
			opts.registry.flags |= REGISTRY_INSECURE;
		else if (!ref)
			ref = argv[i];
		else
			return berth_error_fail(err, EINVAL, "usage: push [--insecure] REF");
	}
	if (!ref)
		return berth_error_fail(err, EINVAL, "usage: push [--insecure] REF");
	const char *chunk = getenv("BERTH_PUSH_CHUNK_SIZE");
	if (chunk && parse_uint64(chunk, 10, &opts.chunk_size, err) < 0)
		return berth_error_wrap(err, "BERTH_PUSH_CHUNK_SIZE");
	return push_image(s, ref, &opts, NULL, err);
}

static int cmd_pull(struct image_store *s, int argc, char **argv, berth_error_t **err)
{
	struct registry_options ropts = { 0 };
	struct pull_options opts = { .registry = &ropts, .progress = on_push_progress };
	const char *ref = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--insecure") == 0)
			ropts.flags |= REGISTRY_INSECURE;
		else if (!ref)
			ref = argv[i];
		else
			return berth_error_fail(err, EINVAL, "usage: pull [--insecure] REF");
	}
	if (!ref)
		return berth_error_fail(err, EINVAL, "usage: pull [--insecure] REF");
	const char *conc = getenv("BERTH_PULL_CONCURRENCY");
	uint64_t n;
	if (conc) {
		if (parse_uint64(conc, 10, &n, err) < 0)
			return berth_error_wrap(err, "BERTH_PULL_CONCURRENCY");
		opts.concurrency = n > PULL_MAX_CONCURRENCY ? PULL_MAX_CONCURRENCY : (unsigned)n;
	}
	return registry_pull(s, ref, &opts, NULL, err);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: image-tool --root DIR "
		"load|load-oci-dir|save|list|inspect|rootfs|umount|bundle|tag|push|pull ...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *root = NULL;
	if (argc >= 3 && strcmp(argv[1], "--root") == 0) {
		root = argv[2];
		argc -= 3;
		argv += 3;
	}
	if (!root || argc < 1)
		usage();
	cleanup_error berth_error_t *err = NULL;
	cleanup_image_store struct image_store *s = NULL;
	int r = image_store_open(root, getenv("IMAGE_TOOL_SYNC") ? 0 : IMAGE_STORE_NO_SYNC, &s,
				 &err);
	const char *cmd = argv[0];
	if (r == 0) {
		if (strcmp(cmd, "load") == 0) {
			r = cmd_load(s, argc, argv, &err);
		} else if (strcmp(cmd, "load-oci-dir") == 0) {
			r = cmd_load_oci_dir(s, argc, argv, &err);
		} else if (strcmp(cmd, "save") == 0) {
			r = cmd_save(s, argc, argv, &err);
		} else if (strcmp(cmd, "list") == 0) {
			cleanup_json json_t *j = NULL;
			r = image_store_list(s, NULL, &j, &err);
			if (r == 0)
				print_json(j);
		} else if (strcmp(cmd, "inspect") == 0 && argc == 2) {
			r = cmd_inspect(s, argv[1], &err);
		} else if (strcmp(cmd, "rootfs") == 0) {
			r = cmd_rootfs(s, argc, argv, &err);
		} else if (strcmp(cmd, "umount") == 0) {
			r = cmd_umount(s, argc, argv, &err);
		} else if (strcmp(cmd, "bundle") == 0) {
			r = cmd_bundle(s, argc, argv, &err);
		} else if (strcmp(cmd, "tag") == 0 && argc == 3) {
			r = image_store_tag(s, argv[1], argv[2], NULL, &err);
		} else if (strcmp(cmd, "push") == 0) {
			r = cmd_push(s, argc, argv, &err);
		} else if (strcmp(cmd, "pull") == 0) {
			r = cmd_pull(s, argc, argv, &err);
		} else {
			usage();
		}
	}
	if (r < 0) {
		berth_error_print(err, "image-tool");
		return 1;
	}
	return 0;
}
