/* registry-tool: drives the registry client library for tests/registry/client.bats
 * until the daemon pulls and pushes.  One subcommand per client call; errors
 * print as "registry-tool: <message>" and exit 1.
 *   registry-tool [--insecure] [--anonymous] [--certs-dir D] [--config D]
 *                 [--user U --password P] ping HOST | manifest REF [OUT] |
 *                 blob REF DIGEST OUT | exists REF DIGEST | login HOST USER PASS | logout HOST */
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
#include "image/reference.h"
#include "registry/client.h"

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

static void usage(void)
{
	fprintf(stderr,
		"usage: registry-tool [--insecure] [--anonymous] [--certs-dir D] "
		"[--config D] [--user U --password P] "
		"ping HOST | manifest REF [OUT] | blob REF DIGEST OUT | exists REF DIGEST | "
		"login HOST USER PASS | logout HOST\n");
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
		{ NULL, 0, NULL, 0 },
	};
	struct registry_options o = { 0 };
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
	int r;
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
