/* connect: `berth network connect [OPTIONS] NETWORK CONTAINER`, POST
 * /networks/{network}/connect with the EndpointConfig docker 28 sends
 * (IPAMConfig.IPv4Address/IPv6Address/LinkLocalIPs, Links, Aliases,
 * DriverOpts, GwPriority).  Addresses are checked by berthd; --link and
 * --driver-opt are checked here with docker's messages. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "common/cleanup.h"
#include "common/xalloc.h"

static const struct cli_flag connect_flags[] = {
	{ "alias", 0, CLI_LIST, "strings", NULL, "Add network-scoped alias for the container", 0,
	  NULL },
	{ "driver-opt", 0, CLI_LIST, "strings", NULL, "driver options for the network", 0, NULL },
	{ "gw-priority", 0, CLI_INT, "int", NULL,
	  "Highest gw-priority provides the default gateway. Accepts positive and negative values.",
	  0, NULL },
	{ "ip", 0, CLI_STRING, "string", NULL, "IPv4 address (e.g., \"172.30.100.104\")", 0, NULL },
	{ "ip6", 0, CLI_STRING, "string", NULL, "IPv6 address (e.g., \"2001:db8::33\")", 0, NULL },
	{ "link", 0, CLI_LIST, "list", NULL, "Add link to another container", 0, "containers" },
	{ "link-local-ip", 0, CLI_LIST, "strings", NULL,
	  "Add a link-local address for the container", 0, NULL },
	CLI_FLAGS_END,
};

/* pflag's StringSlice: every value split at ','; an empty value adds nothing */
static json_t *split_list(const struct cli_args *args, const char *name)
{
	const char *const *v;
	size_t n = cli_flag_list(args, name, &v);
	json_t *out = json_array();
	for (size_t i = 0; i < n; i++) {
		if (v[i][0] == '\0')
			continue;
		for (const char *p = v[i];;) {
			size_t len = strcspn(p, ",");
			json_array_append_new(out, json_stringn(p, len));
			if (p[len] == '\0')
				break;
			p += len + 1;
		}
	}
	return out;
}

/* strings.TrimSpace of [s, s+len) */
static json_t *trimmed(const char *s, size_t len)
{
	while (len > 0 && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
		s++, len--;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' ||
			   s[len - 1] == '\r'))
		len--;
	return json_stringn(s, len);
}

/* docker's convertDriverOpt: "k=v" with a non-blank key, both trimmed */
static int driver_opts(const struct cli_args *args, json_t **ret)
{
	cleanup_json json_t *list = split_list(args, "driver-opt");
	json_t *m = json_object();
	size_t i;
	json_t *it;
	json_array_foreach(list, i, it)
	{
		const char *s = json_string_value(it);
		const char *eq = strchr(s, '=');
		cleanup_json json_t *k = eq ? trimmed(s, (size_t)(eq - s)) : NULL;
		if (!k || json_string_length(k) == 0) {
			json_decref(m);
			return -1;
		}
		json_object_set_new(m, json_string_value(k), trimmed(eq + 1, strlen(eq + 1)));
	}
	*ret = m;
	return 0;
}

static int connect_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL;
	/* opts.ValidateLink: "name" or "name:alias" */
	const char *const *links;
	size_t nlinks = cli_flag_list(args, "link", &links);
	for (size_t i = 0; i < nlinks; i++) {
		const char *c = strchr(links[i], ':');
		if (links[i][0] == '\0')
			return cli_flag_error(
				cli, "invalid argument \"\" for \"--link\" flag: empty string "
				     "specified for links");
		if (c && strchr(c + 1, ':'))
			return cli_flag_error(
				cli,
				"invalid argument \"%s\" for \"--link\" flag: bad format "
				"for links: %s",
				links[i], links[i]);
	}
	json_t *dopts = NULL;
	if (driver_opts(args, &dopts) < 0) {
		fprintf(stderr, "invalid key/value pair format in driver options\n");
		return CLI_EXIT_ERROR;
	}

	json_t *ipam = json_object();
	const char *ip = cli_flag_string(args, "ip");
	const char *ip6 = cli_flag_string(args, "ip6");
	if (ip && *ip)
		json_object_set_new(ipam, "IPv4Address", json_string(ip));
	if (ip6 && *ip6)
		json_object_set_new(ipam, "IPv6Address", json_string(ip6));
	json_t *lla = split_list(args, "link-local-ip");
	if (json_array_size(lla))
		json_object_set_new(ipam, "LinkLocalIPs", lla);
	else
		json_decref(lla);
	json_t *jlinks = json_null();
	if (nlinks) {
		jlinks = json_array();
		for (size_t i = 0; i < nlinks; i++)
			json_array_append_new(jlinks, json_string(links[i]));
	}
	/* the endpoint's output fields too, zero, as docker's client sends them */
	json_t *ep = json_pack("{s:o, s:o, s:o, s:s, s:o, s:I, s:s, s:s, s:s, s:s, s:i, s:s, s:s, "
			       "s:i, s:n}",
			       "IPAMConfig", ipam, "Links", jlinks, "Aliases",
			       split_list(args, "alias"), "MacAddress", "", "DriverOpts", dopts,
			       "GwPriority", (json_int_t)cli_flag_int(args, "gw-priority"),
			       "NetworkID", "", "EndpointID", "", "Gateway", "", "IPAddress", "",
			       "IPPrefixLen", 0, "IPv6Gateway", "", "GlobalIPv6Address", "",
			       "GlobalIPv6PrefixLen", 0, "DNSNames");
	cleanup_json json_t *body =
		json_pack("{s:s, s:o}", "Container", cli_arg(args, 1), "EndpointConfig", ep);
	cleanup_free char *name = cli_escape(cli_arg(args, 0));
	cleanup_free char *path = xasprintf("/networks/%s/connect", name);
	if (cli_post_json(cli, path, body, NULL, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	return 0;
}

const struct cli_command cli_cmd_network_connect = {
	.name = "connect",
	.usage = "[OPTIONS] NETWORK CONTAINER",
	.summary = "Connect a container to a network",
	.description = "Put a created or running container on a network, optionally with a fixed "
		       "address (--ip, on networks with a user-set subnet) and aliases that the "
		       "network's embedded DNS answers for.",
	.flags = connect_flags,
	.min_args = 2,
	.max_args = 2,
	.complete = "networks containers",
	.run = connect_run,
};
