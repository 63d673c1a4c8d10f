/* port: `berth port CONTAINER [PRIVATE_PORT[/PROTO]]`, docker's
 * container/port.go: the published ports from inspect's
 * NetworkSettings.Ports, "80/tcp -> 0.0.0.0:8080" lines in natural order,
 * or the host addresses of one private port. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "common/cleanup.h"
#include "common/parse.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

/* sortorder.NaturalLess: runs of digits compare as numbers */
static int port_natural_cmp(const void *pa, const void *pb)
{
	const char *a = *(char *const *)pa, *b = *(char *const *)pb;
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			const char *ea, *eb;
			while (*a == '0')
				a++;
			while (*b == '0')
				b++;
			for (ea = a; isdigit((unsigned char)*ea); ea++)
				;
			for (eb = b; isdigit((unsigned char)*eb); eb++)
				;
			if (ea - a != eb - b)
				return ea - a < eb - b ? -1 : 1;
			int c = strncmp(a, b, (size_t)(ea - a));
			if (c)
				return c;
			a = ea, b = eb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++, b++;
	}
	return *a ? 1 : *b ? -1 : 0;
}

/* net.JoinHostPort */
static char *port_join(const json_t *frontend)
{
	const char *ip = json_string_value(json_object_get(frontend, "HostIp"));
	const char *port = json_string_value(json_object_get(frontend, "HostPort"));
	ip = ip ? ip : "";
	port = port ? port : "";
	return strchr(ip, ':') ? xasprintf("[%s]:%s", ip, port) : xasprintf("%s:%s", ip, port);
}

static void port_add(char ***lines, size_t *n, size_t *alloc, char *line)
{
	*lines = xgrow(*lines, alloc, *n + 1, sizeof(**lines));
	(*lines)[(*n)++] = line;
}

static int port_collect(const json_t *ports, const char *want, const char *name, char ***lines,
			size_t *n, size_t *alloc, berth_error_t **err)
{
	if (!want) {
		const char *from;
		json_t *frontends;
		json_object_foreach((json_t *)ports, from, frontends)
		{
			size_t i;
			json_t *f;
			json_array_foreach(frontends, i, f)
			{
				cleanup_free char *hp = port_join(f);
				port_add(lines, n, alloc, xasprintf("%s -> %s", from, hp));
			}
		}
		return 0;
	}
	const char *slash = strchr(want, '/');
	cleanup_free char *num = slash ? xstrndup(want, (size_t)(slash - want)) : xstrdup(want);
	const char *proto = slash && slash[1] ? slash + 1 : "tcp";
	uint64_t v = 0;
	cleanup_error berth_error_t *perr = NULL;
	if (parse_uint64(num, 10, &v, &perr) < 0 || v > 65535) {
		const char *why = v > 65535 && !perr ? "value out of range" : "invalid syntax";
		return berth_error_fail(
			err, EINVAL,
			"Error: invalid port (%s): strconv.ParseUint: parsing \"%s\": %s", num, num,
			why);
	}
	cleanup_free char *key = xasprintf("%s/%s", num, proto);
	json_t *frontends = json_object_get(ports, key);
	if (json_array_size(frontends) == 0)
		return berth_error_fail(err, ENOENT, "Error: No public port '%s' published for %s",
					want, name);
	size_t i;
	json_t *f;
	json_array_foreach(frontends, i, f) port_add(lines, n, alloc, port_join(f));
	return 0;
}

static int port_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL;
	const char *name = cli_arg(args, 0);
	cleanup_free char *id = cli_escape(name);
	cleanup_free char *path = xasprintf("/containers/%s/json", id);
	cleanup_json json_t *c = NULL;
	if (cli_get_json(cli, path, &c, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	const json_t *ports = json_object_get(json_object_get(c, "NetworkSettings"), "Ports");
	cleanup_strv char **lines = NULL;
	size_t n = 0, alloc = 0;
	int r = port_collect(ports, cli_nargs(args) > 1 ? cli_arg(args, 1) : NULL, name, &lines, &n,
			     &alloc, &err);
	if (lines)
		port_add(&lines, &n, &alloc, NULL), n--;
	if (r < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	if (!lines) /* port_add allocates on the first line: nothing is published */
		return 0;
	if (n > 1) /* qsort's nonnull would let the compiler drop cleanup's NULL check */
		qsort(lines, n, sizeof(*lines), port_natural_cmp);
	for (size_t i = 0; i < n; i++)
		printf("%s\n", lines[i]);
	return 0;
}

const struct cli_command cli_cmd_port = {
	.name = "port",
	.usage = "CONTAINER [PRIVATE_PORT[/PROTO]]",
	.summary = "List port mappings or a specific mapping for the container",
	.min_args = 1,
	.max_args = 2,
	.complete = "containers",
	.run = port_run,
};
