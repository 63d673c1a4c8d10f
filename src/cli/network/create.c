/* create: `berth network create [OPTIONS] NETWORK`, POST /networks/create
 * with docker 28's body (Driver, Scope, EnableIPv4/6 only when given, IPAM
 * {Driver, Options, Config}, Internal, Attachable, Ingress, Options,
 * Labels) and prints the new network's id.  --subnet/--ip-range/--gateway
 * are checked and grouped per subnet as docker's createIPAMConfig does, with
 * its messages; --aux-address and --config-from/--config-only are refused
 * (berthd has no auxiliary addresses or configuration-only networks). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

static const struct cli_flag create_flags[] = {
	{ "attachable", 0, CLI_BOOL, NULL, NULL, "Enable manual container attachment", 0, NULL },
	{ "aux-address", 0, CLI_LIST, "map", "map[]",
	  "Auxiliary IPv4 or IPv6 addresses used by Network driver", 0, NULL },
	{ "config-from", 0, CLI_STRING, "string", NULL,
	  "The network from which to copy the configuration", 0, "networks" },
	{ "config-only", 0, CLI_BOOL, NULL, NULL, "Create a configuration only network", 0, NULL },
	{ "driver", 'd', CLI_STRING, "string", "bridge", "Driver to manage the Network", 0,
	  "bridge|macvlan" },
	{ "gateway", 0, CLI_LIST, "strings", NULL, "IPv4 or IPv6 Gateway for the master subnet", 0,
	  NULL },
	{ "ingress", 0, CLI_BOOL, NULL, NULL, "Create swarm routing-mesh network", 0, NULL },
	{ "internal", 0, CLI_BOOL, NULL, NULL, "Restrict external access to the network", 0, NULL },
	{ "ip-range", 0, CLI_LIST, "strings", NULL, "Allocate container ip from a sub-range", 0,
	  NULL },
	{ "ipam-driver", 0, CLI_STRING, "string", "default", "IP Address Management Driver", 0,
	  NULL },
	{ "ipam-opt", 0, CLI_LIST, "map", "map[]", "Set IPAM driver specific options", 0, NULL },
	{ "ipv4", 0, CLI_BOOL, NULL, "true", "Enable or disable IPv4 address assignment", 0, NULL },
	{ "ipv6", 0, CLI_BOOL, NULL, NULL, "Enable or disable IPv6 address assignment", 0, NULL },
	{ "label", 0, CLI_LIST, "list", NULL, "Set metadata on a network", 0, NULL },
	{ "opt", 'o', CLI_LIST, "map", "map[]", "Set driver specific options", 0, NULL },
	{ "scope", 0, CLI_STRING, "string", NULL, "Control the network's scope", 0, NULL },
	{ "subnet", 0, CLI_LIST, "strings", NULL,
	  "Subnet in CIDR format that represents a network segment", 0, NULL },
	CLI_FLAGS_END,
};

/* An address as Go's net.ParseIP / net.ParseCIDR read it: family and the
 * 16 bytes (IPv4 in the last 4, as Go's To16 form, so that an IPv4 subnet
 * matches only IPv4 addresses); bits is the prefix length or -1 */
struct addr {
	int family;
	unsigned char b[16];
	int bits;
};

static bool addr_parse_ip(const char *s, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	a->bits = -1;
	if (inet_pton(AF_INET, s, a->b + 12) == 1) {
		a->family = AF_INET;
		return true;
	}
	if (strchr(s, ':') && inet_pton(AF_INET6, s, a->b) == 1) {
		a->family = AF_INET6;
		return true;
	}
	return false;
}

/* net.ParseCIDR: "ip/bits", bits decimal and within the family's width */
static bool addr_parse_cidr(const char *s, struct addr *a)
{
	const char *slash = strchr(s, '/');
	if (!slash || slash[1] == '\0' || strlen(slash + 1) > 3)
		return false;
	cleanup_free char *ip = xstrndup(s, (size_t)(slash - s));
	if (!addr_parse_ip(ip, a))
		return false;
	int bits = 0;
	for (const char *p = slash + 1; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return false;
		bits = bits * 10 + (*p - '0');
	}
	if (bits > (a->family == AF_INET ? 32 : 128))
		return false;
	a->bits = bits;
	return true;
}

/* Whether subnet (a CIDR) contains the address of data (a CIDR or a bare
 * address; an unparsable bare address is contained nowhere, as Go's nil IP) */
static bool addr_contains(const struct addr *subnet, const struct addr *ip)
{
	if (ip->family != subnet->family)
		return false;
	int off = subnet->family == AF_INET ? 12 : 0;
	int bits = subnet->bits;
	for (int i = 0; bits > 0; i++, bits -= 8) {
		unsigned char mask = bits >= 8 ? 0xff : (unsigned char)(0xff << (8 - bits));
		if ((subnet->b[off + i] & mask) != (ip->b[off + i] & mask))
			return false;
	}
	return true;
}

/* docker's subnetMatches(subnet, data), with its errors */
static int subnet_matches(const char *subnet, const char *data, bool *ret, berth_error_t **err)
{
	struct addr s, d;
	if (!addr_parse_cidr(subnet, &s))
		return berth_error_fail(err, EINVAL, "invalid subnet: invalid CIDR address: %s",
					subnet);
	if (strchr(data, '/')) {
		if (!addr_parse_cidr(data, &d))
			return berth_error_fail(err, EINVAL, "invalid CIDR address: %s", data);
	} else if (!addr_parse_ip(data, &d)) {
		*ret = false;
		return 0;
	}
	*ret = addr_contains(&s, &d);
	return 0;
}

/* pflag's StringSlice: every value split at ',' (docker 28 reads --subnet,
 * --ip-range and --gateway as strings and checks them itself) */
static json_t *split_list(const struct cli_args *args, const char *name)
{
	const char *const *v;
	size_t n = cli_flag_list(args, name, &v);
	json_t *out = json_array();
	for (size_t i = 0; i < n; i++) {
		if (v[i][0] == '\0')
			continue; /* pflag: an empty value is an empty slice */
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

static const char *str_at(const json_t *a, size_t i)
{
	return json_string_value(json_array_get(a, i));
}

/* Attach each range (key "IPRange") or gateway (key "Gateway") to the one
 * subnet config that contains it, as docker does */
static int ipam_assign(json_t *configs, const json_t *subnets, const json_t *values,
		       const char *key, berth_error_t **err)
{
	bool is_range = strcmp(key, "IPRange") == 0;
	for (size_t i = 0; i < json_array_size(values); i++) {
		const char *v = str_at(values, i);
		bool match = false;
		for (size_t k = 0; k < json_array_size(subnets); k++) {
			const char *s = str_at(subnets, k);
			struct addr tmp;
			if (is_range && !addr_parse_cidr(v, &tmp))
				return berth_error_fail(err, EINVAL, "invalid CIDR address: %s", v);
			bool ok = false;
			if (subnet_matches(s, v, &ok, err) < 0)
				return -1;
			if (!ok)
				continue;
			json_t *c = json_object_get(configs, s);
			const char *prev = json_string_value(json_object_get(c, key));
			if (prev) {
				if (is_range)
					return berth_error_fail(
						err, EINVAL,
						"cannot configure multiple ranges (%s, %s) on the same subnet (%s)",
						v, prev, s);
				return berth_error_fail(
					err, EINVAL,
					"cannot configure multiple gateways (%s, %s) for the same subnet (%s)",
					v, prev, s);
			}
			json_object_set_new(c, key, json_string(v));
			match = true;
		}
		if (!match)
			return berth_error_fail(err, EINVAL, "no matching subnet for %s %s",
						is_range ? "range" : "gateway", v);
	}
	return 0;
}

/* docker's createIPAMConfig: one Config entry per subnet, with its range
 * and gateway; *ret is the IPAM.Config array */
static int ipam_config(const struct cli_args *args, json_t **ret, berth_error_t **err)
{
	cleanup_json json_t *subnets = split_list(args, "subnet");
	cleanup_json json_t *ranges = split_list(args, "ip-range");
	cleanup_json json_t *gateways = split_list(args, "gateway");
	if (json_array_size(subnets) < json_array_size(ranges) ||
	    json_array_size(subnets) < json_array_size(gateways))
		return berth_error_fail(
			err, EINVAL, "every ip-range or gateway must have a corresponding subnet");
	/* keyed by the subnet as given */
	cleanup_json json_t *configs = json_object();
	for (size_t i = 0; i < json_array_size(subnets); i++) {
		const char *s = str_at(subnets, i);
		const char *k;
		json_t *v;
		json_object_foreach(configs, k, v)
		{
			bool ok1 = false, ok2 = false;
			if (subnet_matches(s, k, &ok1, err) < 0 ||
			    subnet_matches(k, s, &ok2, err) < 0)
				return -1;
			if (ok1 || ok2)
				return berth_error_fail(
					err, EINVAL,
					"multiple overlapping subnet configuration is not supported");
		}
		json_object_set_new(configs, s, json_pack("{s:s}", "Subnet", s));
	}
	if (ipam_assign(configs, subnets, ranges, "IPRange", err) < 0 ||
	    ipam_assign(configs, subnets, gateways, "Gateway", err) < 0)
		return -1;
	/* the subnets are distinct now (a repeated one overlaps itself) */
	json_t *out = json_array();
	for (size_t i = 0; i < json_array_size(subnets); i++)
		json_array_append(out, json_object_get(configs, str_at(subnets, i)));
	*ret = out;
	return 0;
}

/* docker's MapOpts ("k=v", or "k" for k="") */
static json_t *kv_map(const struct cli_args *args, const char *name)
{
	const char *const *v;
	size_t n = cli_flag_list(args, name, &v);
	json_t *m = json_object();
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(v[i], '=');
		cleanup_free char *k = eq ? xstrndup(v[i], (size_t)(eq - v[i])) : xstrdup(v[i]);
		json_object_set_new(m, k, json_string(eq ? eq + 1 : ""));
	}
	return m;
}

static int create_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL;
	const char *const *labels;
	size_t nl = cli_flag_list(args, "label", &labels);
	for (size_t i = 0; i < nl; i++)
		if (labels[i][0] == '=' || labels[i][0] == '\0')
			return cli_flag_error(cli,
					      "invalid argument \"%s\" for \"--label\" flag: invalid "
					      "label '%s': empty name",
					      labels[i], labels[i]);
	/* berthd keeps no auxiliary addresses and no configuration-only
	 * networks; saying so beats ignoring the flag */
	if (cli_flag_changed(args, "aux-address")) {
		berth_error_fail(&err, ENOTSUP, "--aux-address is not supported by berth");
		return cli_error(cli, err, CLI_EXIT_ERROR);
	}
	if (cli_flag_bool(args, "config-only") ||
	    (cli_flag_string(args, "config-from") && *cli_flag_string(args, "config-from"))) {
		berth_error_fail(&err, ENOTSUP,
				 "--config-only and --config-from are not supported by berth");
		return cli_error(cli, err, CLI_EXIT_ERROR);
	}
	cleanup_json json_t *config = NULL;
	if (ipam_config(args, &config, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);

	const char *driver = cli_flag_string(args, "driver");
	const char *scope = cli_flag_string(args, "scope");
	const char *ipam_driver = cli_flag_string(args, "ipam-driver");
	cleanup_json json_t *body = json_object();
	json_object_set_new(body, "Name", json_string(cli_arg(args, 0)));
	json_object_set_new(body, "Driver", json_string(driver ? driver : "bridge"));
	json_object_set_new(body, "Scope", json_string(scope ? scope : ""));
	/* docker sends EnableIPv4/EnableIPv6 only when the flag was given */
	if (cli_flag_changed(args, "ipv4"))
		json_object_set_new(body, "EnableIPv4", json_boolean(cli_flag_bool(args, "ipv4")));
	if (cli_flag_changed(args, "ipv6"))
		json_object_set_new(body, "EnableIPv6", json_boolean(cli_flag_bool(args, "ipv6")));
	json_object_set_new(body, "IPAM",
			    json_pack("{s:s, s:o, s:O}", "Driver",
				      ipam_driver ? ipam_driver : "default", "Options",
				      kv_map(args, "ipam-opt"), "Config", config));
	json_object_set_new(body, "Internal", json_boolean(cli_flag_bool(args, "internal")));
	json_object_set_new(body, "Attachable", json_boolean(cli_flag_bool(args, "attachable")));
	json_object_set_new(body, "Ingress", json_boolean(cli_flag_bool(args, "ingress")));
	json_object_set_new(body, "ConfigOnly", json_false());
	json_object_set_new(body, "ConfigFrom", json_null());
	json_object_set_new(body, "Options", kv_map(args, "opt"));
	json_object_set_new(body, "Labels", kv_map(args, "label"));

	cleanup_json json_t *resp = NULL;
	if (cli_post_json(cli, "/networks/create", body, &resp, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	const char *id = json_string_value(json_object_get(resp, "Id"));
	printf("%s\n", id ? id : "");
	return 0;
}

const struct cli_command cli_cmd_network_create = {
	.name = "create",
	.usage = "[OPTIONS] NETWORK",
	.summary = "Create a network",
	.description = "Create a bridge (the default) or macvlan network (-o parent=IF) and print "
		       "its id.  berthd has no auxiliary addresses and no configuration-only "
		       "networks: --aux-address, --config-only and --config-from are refused.",
	.flags = create_flags,
	.min_args = 1,
	.max_args = 1,
	.run = create_run,
};
