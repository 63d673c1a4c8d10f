/* ps: the processes of a container's cgroup (runc ps).  --format json
 * prints a JSON array of host pids (what containerd reads); table prints
 * PID and command line. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "runtime-cli/cli.h"

static void print_cmdline(pid_t pid)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (n <= 0) {
		putchar('\n');
		return;
	}
	for (ssize_t i = 0; i < n - 1; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[n] = '\0';
	printf("%s\n", buf);
}

int cmd_ps(struct cli *cli, int argc, char **argv, berth_error_t **err)
{
	static const struct option opts[] = { { "format", required_argument, NULL, 'f' },
					      { NULL, 0, NULL, 0 } };
	const char *format = "table";
	int c;
	while ((c = getopt_long(argc, argv, "+f:", opts, NULL)) != -1) {
		if (c != 'f')
			return cli_bad_option("ps", err);
		format = optarg;
	}
	if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
		return berth_error_fail(err, EINVAL, "invalid format option '%s'", format);
	if (cli_args("ps", argc, argv, 0, err) < 0)
		return -1;
	cleanup_free pid_t *pids = NULL;
	size_t n = 0;
	if (container_ps(&cli->rt, argv[optind], &pids, &n, err) < 0)
		return -1;
	if (strcmp(format, "json") == 0) {
		cleanup_json json_t *arr = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, json_integer(pids[i]));
		cli_print_json(arr, JSON_COMPACT);
		return 0;
	}
	printf("PID       CMD\n");
	for (size_t i = 0; i < n; i++) {
		printf("%-9d ", (int)pids[i]);
		print_cmdline(pids[i]);
	}
	return 0;
}
