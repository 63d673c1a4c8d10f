/* registry-tool: drives the registry client library for the tests under tests/registry
 * until the daemon pulls and pushes.  One subcommand per client call; errors
 * print as "registry-tool: <message>" and exit 1.
 *   registry-tool [--insecure] [--anonymous] [--certs-dir D] [--config D]
 *                 [--user U --password P] [--insecure-registry H]...
 *                 [--mirror URL]... [--docker-io-url URL]
 *                 ping HOST | manifest REF [OUT] | blob REF DIGEST OUT |
 *                 exists REF DIGEST | login HOST USER PASS | logout HOST |
 *                 pull ROOT REF [PLATFORM]
 * --docker-io-url stands in for docker.io, so that no test reaches the
 * internet (a mirror test's fallback goes to a second local registry). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "image/image-store.h"
#include "image/reference.h"
#include "oci/image.h"
#include "registry/client.h"
#include "registry/pull.h"

#define MAX_LIST 32

static int write_all(int fd, const void *data, size_t len, berth_error_t **err)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berth_error_set(err, errno, "write");
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int sink_fd(const void *data, size_t len, void *userdata, berth_error_t **err)
{
	return write_all(*(int *)userdata, data, len, err);
}

static struct registry_client *open_ref(const char *s, const struct registry_options *o,
					struct image_ref **ret_ref, berth_error_t **err)
{
	struct image_ref *ref = NULL;
	if (image_ref_parse(s, &ref, err) < 0)
		return NULL;
	image_ref_with_default_tag(ref);
	struct registry_client *c = registry_client_new(ref->domain, ref->path, o, err);
	if (!c) {
		image_ref_free(ref);
		return NULL;
	}
	*ret_ref = ref;
	return c;
}

static int cmd_manifest(const struct registry_options *o, int argc, char **argv,
			berth_error_t **err)
{
	if (argc < 2 || argc > 3)
		return berth_error_fail(err, EINVAL, "usage: manifest REF [OUT]");
	cleanup_image_ref struct image_ref *ref = NULL;
	cleanup_registry_client struct registry_client *c = open_ref(argv[1], o, &ref, err);
	if (!c)
		return -1;
	char ds[DIGEST_STR_SIZE];
	const char *what = ref->tag;
	if (ref->has_digest) {
		digest_format(&ref->digest, ds);
		what = ds;
	}
	struct registry_manifest m = { 0 };
	if (registry_get_manifest(c, what, &m, err) < 0)
		return -1;
	char got[DIGEST_STR_SIZE];
	digest_format(&m.digest, got);
	printf("{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu}\n", m.media_type, got, m.len);
	int r = 0;
	if (argc == 3) {
		cleanup_close int fd =
			open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		r = fd < 0 ? berth_error_set(err, errno, "open '%s'", argv[2]) :
			     write_all(fd, m.data, m.len, err);
	}
	registry_manifest_release(&m);
	return r;
}

static int cmd_blob(const struct registry_options *o, int argc, char **argv, bool head,
		    berth_error_t **err)
{
	if (argc != (head ? 3 : 4))
		return berth_error_fail(err, EINVAL,
					head ? "usage: exists REF DIGEST" :
					       "usage: blob REF DIGEST OUT");
	struct digest d;
	if (digest_parse(argv[2], &d, err) < 0)
		return -1;
	cleanup_image_ref struct image_ref *ref = NULL;
	cleanup_registry_client struct registry_client *c = open_ref(argv[1], o, &ref, err);
	if (!c)
		return -1;
	uint64_t size = 0;
	if (head) {
		int r = registry_blob_exists(c, &d, &size, err);
		if (r < 0)
			return r;
		printf(r ? "present %" PRIu64 "\n" : "absent\n", size);
		return 0;
	}
	cleanup_close int fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return berth_error_set(err, errno, "open '%s'", argv[3]);
	if (registry_blob_get(c, &d, sink_fd, &fd, &size, err) < 0)
		return -1;
	printf("%s %" PRIu64 "\n", argv[2], size);
	return 0;
}

static void print_progress(const json_t *msg, void *userdata)
{
	(void)userdata;
	cleanup_free char *line = json_dumps(msg, JSON_COMPACT);
	printf("%s\n", line);
	fflush(stdout);
}

/* pull ROOT REF [PLATFORM]: progress lines, then {"Id","Digest","Manifest"} */
static int cmd_pull(const struct registry_options *o, int argc, char **argv, berth_error_t **err)
{
	if (argc < 3 || argc > 4)
		return berth_error_fail(err, EINVAL, "usage: pull ROOT REF [PLATFORM]");
	struct oci_platform platform = { 0 };
	struct pull_options opts = { .registry = o, .progress = print_progress };
	if (argc == 4) {
		if (oci_platform_parse(argv[3], &platform, err) < 0)
			return -1;
		opts.platform = &platform;
	}
	cleanup_image_store struct image_store *s = NULL;
	struct pull_result res;
	int r = image_store_open(argv[1], IMAGE_STORE_NO_SYNC, &s, err);
	if (r == 0)
		r = registry_pull(s, argv[2], &opts, &res, err);
	oci_platform_release(&platform);
	if (r < 0)
		return r;
	char id[DIGEST_STR_SIZE], d[DIGEST_STR_SIZE], m[DIGEST_STR_SIZE];
	digest_format(&res.image_id, id);
	digest_format(&res.digest, d);
	digest_format(&res.manifest_digest, m);
	printf("{\"Id\":\"%s\",\"Digest\":\"%s\",\"Manifest\":\"%s\"}\n", id, d, m);
	return 0;
}

static void list_add(const char **list, size_t *n, const char *s)
{
	if (*n + 1 >= MAX_LIST) {
		fprintf(stderr, "registry-tool: at most %d entries per list\n", MAX_LIST - 1);
		exit(2);
	}
	list[(*n)++] = s;
	list[*n] = NULL;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: registry-tool [--insecure] [--anonymous] [--certs-dir D] "
		"[--config D] [--user U --password P] "
		"ping HOST | manifest REF [OUT] | blob REF DIGEST OUT | exists REF DIGEST | "
		"login HOST USER PASS | logout HOST | pull ROOT REF [PLATFORM]\n"
		"  settings: [--insecure-registry H|CIDR]... [--mirror URL]... "
		"[--docker-io-url URL]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "insecure", no_argument, NULL, 'i' },
		{ "anonymous", no_argument, NULL, 'a' },
		{ "certs-dir", required_argument, NULL, 'C' },
		{ "config", required_argument, NULL, 'c' },
		{ "user", required_argument, NULL, 'u' },
		{ "password", required_argument, NULL, 'p' },
		{ "debug", no_argument, NULL, 'd' },
		{ "insecure-registry", required_argument, NULL, 'I' },
		{ "mirror", required_argument, NULL, 'm' },
		{ "docker-io-url", required_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	struct registry_options o = { 0 };
	const char *insecure[MAX_LIST] = { NULL }, *mirrors[MAX_LIST] = { NULL };
	size_t n_insecure = 0, n_mirrors = 0;
	int opt;
	while ((opt = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			o.flags |= REGISTRY_INSECURE;
			break;
		case 'a':
			o.flags |= REGISTRY_ANONYMOUS;
			break;
		case 'C':
			o.certs_dir = optarg;
			break;
		case 'c':
			o.config_dir = optarg;
			break;
		case 'u':
			o.username = optarg;
			break;
		case 'p':
			o.password = optarg;
			break;
		case 'd':
			log_set_level(LOG_LEVEL_DEBUG);
			break;
		case 'I':
			list_add(insecure, &n_insecure, optarg);
			o.insecure_registries = insecure;
			break;
		case 'm':
			list_add(mirrors, &n_mirrors, optarg);
			o.registry_mirrors = mirrors;
			break;
		case 'D':
			o.docker_io_url = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	cleanup_error berth_error_t *err = NULL;
	const char *cmd = argv[0];
	int r = registry_options_validate(&o, &err);
	if (r < 0) {
		berth_error_print(err, "registry-tool");
		return 1;
	}
	if (strcmp(cmd, "ping") == 0 && argc == 2) {
		cleanup_registry_client struct registry_client *c =
			registry_client_new(argv[1], NULL, &o, &err);
		r = c ? registry_ping(c, &err) : -1;
		if (r == 0)
			printf("ok\n");
	} else if (strcmp(cmd, "manifest") == 0) {
		r = cmd_manifest(&o, argc, argv, &err);
	} else if (strcmp(cmd, "blob") == 0) {
		r = cmd_blob(&o, argc, argv, false, &err);
	} else if (strcmp(cmd, "exists") == 0) {
		r = cmd_blob(&o, argc, argv, true, &err);
	} else if (strcmp(cmd, "pull") == 0) {
		r = cmd_pull(&o, argc, argv, &err);
	} else if (strcmp(cmd, "login") == 0 && argc == 4) {
		r = registry_login(argv[1], argv[2], argv[3], &o, &err);
		if (r == 0)
			printf("Login Succeeded\n");
	} else if (strcmp(cmd, "logout") == 0 && argc == 2) {
		r = registry_logout(argv[1], &o, &err);
		if (r == 1)
			printf("Removing login credentials for %s\n", argv[1]);
		else if (r == 0)
			printf("Not logged in to %s\n", argv[1]);
	} else {
		usage();
	}
	if (r < 0) {
		berth_error_print(err, "registry-tool");
		return 1;
	}
	return 0;
}
