/* spec-tool: drives the daemon's spec code (src/daemon/containers/spec.h)
 * for tests/runtime/docker-spec.bats: a create request as the docker CLI
 * sends it plus an image config in, a runnable OCI bundle out, so that the
 * bats test can run it with berth-runtime or runc and look from inside.
 *
 *   spec-tool create --request F [--image F] --rootfs D --dir D --bundle D --id HEX
 *                    [--init PATH] [--cgroup-parent P] [--default-ulimits F]
 *   spec-tool check --request F        HostConfig validation only
 *   spec-tool exec --spec F --exec F   the exec process, printed */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common/atomicfile.h"
#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "daemon/containers/spec.h"

#include "common/banned.h"

#define PROG "spec-tool"

struct opts {
	const char *request, *image, *rootfs, *dir, *bundle, *id, *init, *cgroup_parent, *ulimits,
		*spec, *exec;
};

static int load(const char *path, json_t **ret, berth_error_t **err)
{
	return bjson_load_file(path, 0, 0, ret, err);
}

/* The create body: Config's fields at the top with HostConfig beside them
 * (what the docker CLI posts), or {"Config": ..., "HostConfig": ...} */
static void split_request(json_t *req, json_t **config, json_t **hc)
{
	*hc = json_incref(json_object_get(req, "HostConfig"));
	json_t *c = json_object_get(req, "Config");
	if (json_is_object(c)) {
		*config = json_incref(c);
		return;
	}
	*config = json_deep_copy(req);
	json_object_del(*config, "HostConfig");
	json_object_del(*config, "NetworkingConfig");
}

static int cmd_check(const struct opts *o, berth_error_t **err)
{
	cleanup_json json_t *req = NULL, *cfg = NULL, *hc = NULL;
	if (load(o->request, &req, err) < 0)
		return -1;
	split_request(req, &cfg, &hc);
	return spec_check_host_config(hc, err);
}

static int write_json(const char *path, const json_t *j, berth_error_t **err)
{
	cleanup_free char *text = bjson_dump(j);
	return atomic_write_file(path, text, strlen(text), 0644, err);
}

static int cmd_create(const struct opts *o, berth_error_t **err)
{
	if (!o->request || !o->rootfs || !o->dir || !o->bundle || !o->id)
		return berth_error_fail(err, EINVAL,
					"create needs --request, --rootfs, --dir, --bundle, --id");
	cleanup_json json_t *req = NULL, *cfg = NULL, *hc = NULL, *image = NULL, *merged = NULL;
	cleanup_json json_t *ulimits = NULL, *spec = NULL;
	if (load(o->request, &req, err) < 0 || (o->image && load(o->image, &image, err) < 0) ||
	    (o->ulimits && load(o->ulimits, &ulimits, err) < 0))
		return -1;
	split_request(req, &cfg, &hc);
	/* an image's whole config file or just its "config" object */
	json_t *icfg = json_object_get(image, "config");
	if (!icfg)
		icfg = image;
	if (spec_check_host_config(hc, err) < 0 || spec_merge_config(cfg, icfg, &merged, err) < 0)
		return -1;
	struct spec_input in = { .id = o->id,
				 .name = "spec-tool",
				 .config = merged,
				 .host_config = hc,
				 .rootfs = o->rootfs,
				 .container_dir = o->dir,
				 .cgroup_parent = o->cgroup_parent ? o->cgroup_parent : "berth",
				 .init_path = o->init,
				 .default_ulimits = ulimits };
	if (spec_build(&in, &spec, err) < 0 || spec_write_etc_files(&in, err) < 0)
		return -1;
	cleanup_free char *path = xasprintf("%s/config.json", o->bundle);
	return write_json(path, spec, err);
}

static int cmd_exec(const struct opts *o, berth_error_t **err)
{
	cleanup_json json_t *spec = NULL, *ec = NULL, *p = NULL;
	if (!o->spec || !o->exec)
		return berth_error_fail(err, EINVAL, "exec needs --spec and --exec");
	if (load(o->spec, &spec, err) < 0 || load(o->exec, &ec, err) < 0 ||
	    spec_exec_process(spec, ec, &p, err) < 0)
		return -1;
	cleanup_free char *text = bjson_dump(p);
	puts(text);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "request", required_argument, NULL, 'r' },
		{ "image", required_argument, NULL, 'i' },
		{ "rootfs", required_argument, NULL, 'R' },
		{ "dir", required_argument, NULL, 'd' },
		{ "bundle", required_argument, NULL, 'b' },
		{ "id", required_argument, NULL, 'I' },
		{ "init", required_argument, NULL, 'n' },
		{ "cgroup-parent", required_argument, NULL, 'c' },
		{ "default-ulimits", required_argument, NULL, 'u' },
		{ "spec", required_argument, NULL, 's' },
		{ "exec", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { 0 };
	if (argc < 2) {
		fprintf(stderr, "usage: " PROG " create|check|exec [options]\n");
		return 2;
	}
	const char *cmd = argv[1];
	int c;
	optind = 2;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o.request = optarg;
			break;
		case 'i':
			o.image = optarg;
			break;
		case 'R':
			o.rootfs = optarg;
			break;
		case 'd':
			o.dir = optarg;
			break;
		case 'b':
			o.bundle = optarg;
			break;
		case 'I':
			o.id = optarg;
			break;
		case 'n':
			o.init = optarg;
			break;
		case 'c':
			o.cgroup_parent = optarg;
			break;
		case 'u':
			o.ulimits = optarg;
			break;
		case 's':
			o.spec = optarg;
			break;
		case 'e':
			o.exec = optarg;
			break;
		default:
			return 2;
		}
	}
	cleanup_error berth_error_t *err = NULL;
	int r;
	if (strcmp(cmd, "create") == 0)
		r = cmd_create(&o, &err);
	else if (strcmp(cmd, "check") == 0)
		r = o.request ? cmd_check(&o, &err) :
				berth_error_fail(&err, EINVAL, "check needs --request");
	else if (strcmp(cmd, "exec") == 0)
		r = cmd_exec(&o, &err);
	else
		r = berth_error_fail(&err, EINVAL, "unknown command '%s'", cmd);
	if (r < 0) {
		berth_error_print(err, PROG);
		return 1;
	}
	return 0;
}
