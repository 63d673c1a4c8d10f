/* spec: write the default config.json into a bundle (runc spec), the
 * rootless variant with --rootless; an existing config.json is never
 * overwritten. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "runtime-cli/cli.h"

int cmd_spec(struct cli *cli, int argc, char **argv, berth_error_t **err)
{
	static const struct option opts[] = { { "bundle", required_argument, NULL, 'b' },
					      { "rootless", no_argument, NULL, 'r' },
					      { NULL, 0, NULL, 0 } };
	const char *bundle = ".";
	bool rootless = false;
	int c;
	while ((c = getopt_long(argc, argv, "+b:", opts, NULL)) != -1) {
		if (c == 'b')
			bundle = optarg;
		else if (c == 'r')
			rootless = true;
		else
			return cli_bad_option("spec", err);
	}
	if (argc != optind)
		return berth_error_fail(err, EINVAL, "\"spec\" requires exactly 0 arguments");
	cleanup_free char *path = xasprintf("%s/config.json", bundle);
	cleanup_json json_t *j = oci_config_default_spec(rootless);
	cleanup_free char *text = json_dumps(j, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
	/* O_EXCL: refuse an existing file, like runc ("File config.json exists") */
	cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0 && errno == EEXIST)
		return berth_error_fail(err, EEXIST, "File %s exists. Remove it first", path);
	if (fd < 0)
		return berth_error_set(err, errno, "create '%s'", path);
	size_t len = strlen(text);
	if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1)
		return berth_error_set(err, errno, "write '%s'", path);
	return 0;
}
