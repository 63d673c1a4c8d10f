/* list: the containers under --root (runc list): a table, their ids
 * only (-q), or the JSON array of their states (--format json). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "runtime-cli/cli.h"

static const char *str_field(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static void print_table(const json_t *arr)
{
	size_t i;
	const json_t *c;
	printf("%-20s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED",
	       "OWNER");
	json_array_foreach(arr, i, c)
	{
		printf("%-20s %-8lld %-10s %-40s %-30s %s\n", str_field(c, "id"),
		       (long long)json_integer_value(json_object_get(c, "pid")),
		       str_field(c, "status"), str_field(c, "bundle"), str_field(c, "created"),
		       *str_field(c, "owner") ? str_field(c, "owner") : "root");
	}
}

int cmd_list(struct cli *cli, int argc, char **argv, berth_error_t **err)
{
	static const struct option opts[] = { { "format", required_argument, NULL, 'f' },
					      { "quiet", no_argument, NULL, 'q' },
					      { NULL, 0, NULL, 0 } };
	const char *format = "table";
	bool quiet = false;
	int c;
	while ((c = getopt_long(argc, argv, "+f:q", opts, NULL)) != -1) {
		if (c == 'f')
			format = optarg;
		else if (c == 'q')
			quiet = true;
		else
			return cli_bad_option("list", err);
	}
	if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
		return berth_error_fail(err, EINVAL, "invalid format option '%s'", format);
	cleanup_json json_t *arr = NULL;
	if (container_list(&cli->rt, &arr, err) < 0)
		return -1;
	size_t i;
	const json_t *ct;
	if (quiet) {
		json_array_foreach(arr, i, ct) printf("%s\n", str_field(ct, "id"));
	} else if (strcmp(format, "json") == 0) {
		cli_print_json(arr, JSON_COMPACT | JSON_PRESERVE_ORDER);
	} else {
		print_table(arr);
	}
	return 0;
}
