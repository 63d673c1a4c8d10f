/* endpoints: a container's place on a network (docker's endpoint): the
 * address from the network's pool, the veth pair on the bridge or the
 * macvlan device, the address and default route inside the container, and
 * the names the embedded DNS answers for.  Invariant: an endpoint in
 * n->endpoints holds its address in n->pool; an attach that fails leaves
 * neither a device nor an address behind. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/digest.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "daemon/networks/dns-server.h"
#include "daemon/networks/networks-internal.h"
#include "net/netlink.h"

/* The host side of the veth pair is "veth" and the first 7 hex digits of
 * the endpoint id (docker's veth<7 hex> shape): random, and derived, so
 * that network_adopt finds it from docker's EndpointSettings alone. */
#define VETH_ID_LEN 7

static char *veth_name(const char *endpoint_id)
{
	return xasprintf("veth%.*s", VETH_ID_LEN, endpoint_id);
}

static bool driver_is(const struct network *n, const char *driver)
{
	return n->driver && strcmp(n->driver, driver) == 0;
}

static void addr_format(struct in_addr a, char buf[INET_ADDRSTRLEN])
{
	if (!inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN))
		buf[0] = '\0';
}

/* "02:42:ac:11:00:02" (case-insensitive, ':' or '-') */
static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int mac_parse(const char *s, unsigned char mac[6], berth_error_t **err)
{
	if (strlen(s) != 17)
		return berth_error_fail(err, EINVAL, "invalid MAC address '%s'", s);
	unsigned char v[6];
	for (int i = 0; i < 6; i++) {
		const char *p = s + 3 * i;
		int hi = hex_digit(p[0]), lo = hex_digit(p[1]);
		if (hi < 0 || lo < 0 || (i < 5 && p[2] != ':' && p[2] != '-'))
			return berth_error_fail(err, EINVAL, "invalid MAC address '%s'", s);
		v[i] = (unsigned char)(hi << 4 | lo);
	}
	memcpy(mac, v, sizeof(v));
	return 0;
}

struct endpoint *endpoint_find(struct network *n, const char *container_id)
{
	for (struct endpoint *e = n->endpoints; e; e = e->next)
		if (strcmp(e->container_id, container_id) == 0)
			return e;
	return NULL;
}

void endpoint_free(struct endpoint *e)
{
	if (!e)
		return;
	free(e->container_name);
	free(e->host_ifname);
	if (e->ifname && e->netns_fd >= 0)
		close(e->netns_fd);
	free(e->ifname);
	json_decref(e->aliases);
	json_decref(e->dns_names);
	free(e);
}

static void endpoint_unlink(struct network *n, struct endpoint *e)
{
	for (struct endpoint **p = &n->endpoints; *p; p = &(*p)->next)
		if (*p == e) {
			*p = e->next;
			e->next = NULL;
			return;
		}
}

static void endpoint_append(struct network *n, struct endpoint *e)
{
	struct endpoint **p = &n->endpoints;
	while (*p)
		p = &(*p)->next;
	e->next = NULL;
	*p = e;
}

static void strings_add_unique(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	if (!s || !*s)
		return;
	json_array_foreach(arr, i, v)
	{
		if (strcasecmp(json_string_value(v), s) == 0)
			return;
	}
	json_array_append_new(arr, json_string(s));
}

/* docker 25+'s DNSNames: the container's name, its aliases, its short id;
 * NULL on the predefined networks (no embedded DNS, docker shows null) */
static json_t *dns_names_new(const struct network *n, const char *container_id,
			     const char *container_name, const json_t *aliases)
{
	if (n->predefined)
		return NULL;
	json_t *names = json_array();
	char short_id[13];
	size_t i;
	json_t *v;
	strings_add_unique(names, container_name);
	json_array_foreach(aliases, i, v)
	{
		strings_add_unique(names, json_string_value(v));
	}
	snprintf(short_id, sizeof(short_id), "%.12s", container_id);
	strings_add_unique(names, short_id);
	return names;
}

/* Aliases of a request or saved settings: an array of non-empty strings
 * (a copy), NULL when absent or empty */
static int aliases_parse(const json_t *cfg, json_t **ret, berth_error_t **err)
{
	json_t *a = json_is_object(cfg) ? json_object_get(cfg, "Aliases") : NULL;
	size_t i;
	json_t *v;
	*ret = NULL;
	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return berth_error_fail(err, EINVAL, "EndpointSettings.Aliases: expected an array");
	cleanup_json json_t *out = json_array();
	json_array_foreach(a, i, v)
	{
		if (!json_is_string(v))
			return berth_error_fail(err, EINVAL,
						"EndpointSettings.Aliases[%zu]: expected a string",
						i);
		if (json_string_length(v) > 0)
			json_array_append(out, v);
	}
	if (json_array_size(out) > 0)
		*ret = steal_pointer(&out);
	return 0;
}

/* A string field of obj, NULL when absent, null or "" */
static const char *string_field(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s && *s ? s : NULL;
}

json_t *endpoint_settings(const struct network *n, const struct endpoint *e)
{
	char ip[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN], mac[18];
	addr_format(e->ip, ip);
	addr_format(n->gateway, gw);
	ipam_mac_format(e->mac, mac);
	json_t *ipam = json_null();
	if (e->static_ip)
		ipam = json_pack("{s:s}", "IPv4Address", ip);
	return json_pack("{s:o, s:n, s:O?, s:s, s:n, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:i, s:O?}",
			 "IPAMConfig", ipam, "Links", "Aliases", e->aliases, "MacAddress", mac,
			 "DriverOpts", "NetworkID", n->id, "EndpointID", e->endpoint_id, "Gateway",
			 gw, "IPAddress", ip, "IPPrefixLen", (int)n->subnet.prefix, "IPv6Gateway",
			 "", "GlobalIPv6Address", "", "GlobalIPv6PrefixLen", 0, "DNSNames",
			 e->dns_names);
}

/* ---- devices ------------------------------------------------------------------ */

/* The address, the link up and the default route inside the container */
static int setup_inside(const struct network *n, const struct network_attach *a, struct in_addr ip,
			berth_error_t **err)
{
	cleanup_nl struct nl_sock *in = NULL;
	if (nl_open_in(a->netns_fd, &in, err) < 0)
		return -1;
	if (nl_addr_add(in, a->ifname, ip, n->subnet.prefix, err) < 0 ||
	    nl_link_set_up(in, a->ifname, true, err) < 0)
		return -1;
	if (a->default_route && nl_route_add_default(in, n->gateway, a->ifname, err) < 0)
		return -1;
	return 0;
}

/* Create e's devices: on failure nothing is left (the host veth takes its
 * peer with it; a macvlan device lives only in the container's netns,
 * which the caller removes, but we delete it too so that a retry works) */
static int devices_create(const struct network *n, const struct network_attach *a,
			  struct endpoint *e, berth_error_t **err)
{
	cleanup_nl struct nl_sock *host = NULL;
	if (nl_open(&host, err) < 0)
		return -1;
	if (driver_is(n, "macvlan")) {
		if (nl_macvlan_add(host, a->ifname, n->parent,
				   n->macvlan_mode ? n->macvlan_mode : "bridge", a->netns_fd,
				   n->mtu, e->mac, err) < 0)
			return -1;
		if (setup_inside(n, a, e->ip, err) < 0) {
			cleanup_nl struct nl_sock *in = NULL;
			if (nl_open_in(a->netns_fd, &in, NULL) == 0)
				nl_link_del(in, a->ifname, NULL);
			return -1;
		}
		int fd = fcntl(a->netns_fd, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			log_warn("keep the netns of '%s': %s, ignoring (disconnect leaves the device)",
				 a->ifname, strerror(errno));
		e->netns_fd = fd;
		e->ifname = xstrdup(a->ifname);
		return 0;
	}
	/* a random name may collide with someone else's link: a new id */
	for (int tries = 0; !e->host_ifname; tries++) {
		cleanup_free char *name = veth_name(e->endpoint_id);
		cleanup_error berth_error_t *lerr = NULL;
		if (nl_veth_add(host, name, a->ifname, a->netns_fd, n->mtu, e->mac, &lerr) >= 0) {
			e->host_ifname = steal_pointer(&name);
			break;
		}
		if (lerr->errnum != EEXIST || tries == 3 || !nl_link_exists(host, name))
			return berth_error_fail(err, lerr->errnum, "%s", lerr->msg);
		digest_random_hex(e->endpoint_id);
	}
	if (nl_link_set_master(host, e->host_ifname, n->bridge, err) < 0 ||
	    nl_link_set_up(host, e->host_ifname, true, err) < 0 ||
	    setup_inside(n, a, e->ip, err) < 0) {
		nl_link_del(host, e->host_ifname, NULL);
		free(e->host_ifname);
		e->host_ifname = NULL;
		return -1;
	}
	return 0;
}

/* ---- attach, detach, adopt ------------------------------------------------------ */

static int attach_locked(struct network_store *ns, const char *ref, const struct network_attach *a,
			 json_t **ret, berth_error_t **err)
{
	struct network *n = network_find(ns, ref);
	if (!n)
		return berth_error_fail(err, ENOENT, "network %s not found", ref);
	if (driver_is(n, "host") || driver_is(n, "null") || !n->pool)
		return berth_error_fail(err, EINVAL, "network %s: the %s driver has no endpoints",
					n->name, n->driver);
	if (endpoint_find(n, a->container_id))
		return berth_error_fail(err, EEXIST,
					"endpoint with name %s already exists in network %s",
					a->container_name, n->name);

	const json_t *cfg = json_is_object(a->endpoint_config) ? a->endpoint_config : NULL;
	const char *want_ip =
		cfg ? string_field(json_object_get(cfg, "IPAMConfig"), "IPv4Address") : NULL;
	const char *want_mac = cfg ? string_field(cfg, "MacAddress") : NULL;
	cleanup_json json_t *aliases = NULL;
	if (aliases_parse(cfg, &aliases, err) < 0)
		return -1;

	struct endpoint *e = xzalloc(sizeof(*e));
	e->netns_fd = -1;
	snprintf(e->container_id, sizeof(e->container_id), "%s", a->container_id);
	e->container_name = xstrdup(a->container_name);
	digest_random_hex(e->endpoint_id);

	if (want_ip) {
		if (!n->user_subnet) {
			endpoint_free(e);
			return berth_error_fail(
				err, EINVAL,
				"user specified IP address is supported only when "
				"connecting to networks with user configured subnets");
		}
		if (ipv4_addr_parse(want_ip, &e->ip, err) < 0 ||
		    ipam_pool_reserve(n->pool, e->ip, err) < 0) {
			endpoint_free(e);
			return -1;
		}
		e->static_ip = true;
	} else if (ipam_pool_allocate(n->pool, &e->ip, err) < 0) {
		endpoint_free(e);
		if (err && *err && (*err)->errnum == ENOSPC) {
			berth_error_release(err);
			return berth_error_fail(err, ENOSPC,
						"no available IPv4 addresses on this network's "
						"address pools: %s (%s)",
						n->name, n->id);
		}
		return -1;
	}
	if (want_mac) {
		if (mac_parse(want_mac, e->mac, err) < 0) {
			ipam_pool_release(n->pool, e->ip);
			endpoint_free(e);
			return -1;
		}
	} else {
		ipam_mac_from_ip(e->ip, e->mac);
	}

	if (devices_create(n, a, e, err) < 0) {
		ipam_pool_release(n->pool, e->ip);
		endpoint_free(e);
		return berth_error_wrap(err, "attach '%s' to network %s", a->container_name,
					n->name);
	}
	e->aliases = steal_pointer(&aliases);
	e->dns_names = dns_names_new(n, a->container_id, a->container_name, e->aliases);
	endpoint_append(n, e);
	*ret = endpoint_settings(n, e);
	return 0;
}

int network_attach(struct network_store *ns, const char *ref, const struct network_attach *a,
		   json_t **ret, berth_error_t **err)
{
	pthread_mutex_lock(&ns->lock);
	int r = attach_locked(ns, ref, a, ret, err);
	pthread_mutex_unlock(&ns->lock);
	return r;
}

/* Drop the published ports that lead to e: they would DNAT to an address
 * that is free again (the container side unpublishes too; this keeps the
 * rules right when it disconnects the network the ports were on) */
static void ports_drop_endpoint(struct network_store *ns, const struct endpoint *e)
{
	bool dropped = false;
	struct published **p = &ns->ports;
	while (*p) {
		struct published *q = *p;
		if (strcmp(q->container_id, e->container_id) == 0 &&
		    q->rule.ctr_ip.s_addr == e->ip.s_addr) {
			*p = q->next;
			if (q->reserve_fd >= 0)
				close(q->reserve_fd);
			free(q);
			dropped = true;
			continue;
		}
		p = &q->next;
	}
	cleanup_error berth_error_t *err = NULL;
	if (dropped && network_rules_sync(ns, &err) < 0)
		log_warn("update the port rules after detaching %.12s: %s, ignoring",
			 e->container_id, err->msg);
}

static struct network *network_by_id_or_ref(struct network_store *ns, const char *ref)
{
	struct network *n = network_find_id(ns, ref);
	return n ? n : network_find(ns, ref);
}

int network_detach(struct network_store *ns, const char *network_id, const char *container_id,
		   berth_error_t **err)
{
	int r = 0;
	pthread_mutex_lock(&ns->lock);
	struct network *n = network_by_id_or_ref(ns, network_id);
	struct endpoint *e = n ? endpoint_find(n, container_id) : NULL;
	if (!n) {
		r = berth_error_fail(err, ENOENT, "network %s not found", network_id);
		goto out;
	}
	if (!e) {
		r = berth_error_fail(err, ENOENT, "container %.12s is not connected to network %s",
				     container_id, n->name);
		goto out;
	}
	if (e->host_ifname) {
		cleanup_nl struct nl_sock *host = NULL;
		cleanup_error berth_error_t *lerr = NULL;
		/* ENOENT: the container's netns went first and took the pair */
		if ((nl_open(&host, &lerr) < 0 || nl_link_del(host, e->host_ifname, &lerr) < 0) &&
		    lerr->errnum != ENOENT)
			log_warn("delete '%s' of container %.12s: %s, ignoring", e->host_ifname,
				 container_id, lerr->msg);
	}
	if (e->ifname && e->netns_fd >= 0) {
		/* macvlan: the device is only inside (gone already when the
		 * container's netns is) */
		cleanup_nl struct nl_sock *in = NULL;
		cleanup_error berth_error_t *lerr = NULL;
		if ((nl_open_in(e->netns_fd, &in, &lerr) < 0 ||
		     nl_link_del(in, e->ifname, &lerr) < 0) &&
		    lerr->errnum != ENOENT)
			log_warn("delete '%s' of container %.12s: %s, ignoring", e->ifname,
				 container_id, lerr->msg);
	}
	ports_drop_endpoint(ns, e);
	if (n->pool)
		ipam_pool_release(n->pool, e->ip);
	endpoint_unlink(n, e);
	endpoint_free(e);
out:
	pthread_mutex_unlock(&ns->lock);
	return r;
}

static int adopt_locked(struct network_store *ns, const char *network_id, const char *container_id,
			const char *container_name, const json_t *settings, berth_error_t **err)
{
	struct network *n = network_by_id_or_ref(ns, network_id);
	if (!n)
		return berth_error_fail(err, ENOENT, "network %s not found", network_id);
	if (!n->pool)
		return berth_error_fail(err, EINVAL, "network %s: the %s driver has no endpoints",
					n->name, n->driver);
	if (endpoint_find(n, container_id))
		return berth_error_fail(err, EEXIST,
					"endpoint with name %s already exists in network %s",
					container_name, n->name);
	if (!json_is_object(settings))
		return berth_error_fail(err, EINVAL, "saved endpoint settings: expected an object");
	const char *ip = string_field(settings, "IPAddress");
	const char *mac = string_field(settings, "MacAddress");
	const char *eid = string_field(settings, "EndpointID");
	if (!ip)
		return berth_error_fail(err, EINVAL, "saved endpoint settings: no IPAddress");
	cleanup_json json_t *aliases = NULL;
	if (aliases_parse(settings, &aliases, err) < 0)
		return -1;

	struct endpoint *e = xzalloc(sizeof(*e));
	e->netns_fd = -1;
	snprintf(e->container_id, sizeof(e->container_id), "%s", container_id);
	e->container_name = xstrdup(container_name);
	if (eid && strlen(eid) == 64)
		memcpy(e->endpoint_id, eid, 65);
	else
		digest_random_hex(e->endpoint_id);
	if (ipv4_addr_parse(ip, &e->ip, err) < 0) {
		endpoint_free(e);
		return -1;
	}
	if (!mac || mac_parse(mac, e->mac, NULL) < 0)
		ipam_mac_from_ip(e->ip, e->mac);
	e->static_ip = string_field(json_object_get(settings, "IPAMConfig"), "IPv4Address") != NULL;
	cleanup_error berth_error_t *lerr = NULL;
	if (ipam_pool_reserve(n->pool, e->ip, &lerr) < 0) {
		if (lerr->errnum != EEXIST) {
			endpoint_free(e);
			return berth_error_fail(err, lerr->errnum, "adopt '%s' on network %s: %s",
						container_name, n->name, lerr->msg);
		}
		log_warn("container %s on network %s: address %s is claimed twice, ignoring",
			 container_name, n->name, ip);
	}
	if (driver_is(n, "bridge"))
		e->host_ifname = veth_name(e->endpoint_id);
	e->aliases = steal_pointer(&aliases);
	e->dns_names = dns_names_new(n, container_id, container_name, e->aliases);
	endpoint_append(n, e);
	return 0;
}

int network_adopt(struct network_store *ns, const char *network_id, const char *container_id,
		  const char *container_name, const json_t *settings, berth_error_t **err)
{
	pthread_mutex_lock(&ns->lock);
	int r = adopt_locked(ns, network_id, container_id, container_name, settings, err);
	pthread_mutex_unlock(&ns->lock);
	return r;
}

/* ---- embedded DNS ------------------------------------------------------------ */

static bool dns_name_matches(const struct network *n, const struct endpoint *e, const char *name)
{
	size_t i, nl = strlen(n->name);
	json_t *v;
	json_array_foreach(e->dns_names, i, v)
	{
		const char *s = json_string_value(v);
		size_t sl = strlen(s);
		if (strcasecmp(s, name) == 0)
			return true;
		/* "name.network": docker answers for it too */
		if (strncasecmp(name, s, sl) == 0 && name[sl] == '.' &&
		    strcasecmp(name + sl + 1, n->name) == 0 && strlen(name) == sl + 1 + nl)
			return true;
	}
	return false;
}

size_t endpoint_dns_resolve(void *ctx, const char *container_id, const char *name,
			    struct in_addr *ret, size_t max)
{
	struct network_store *ns = ctx;
	size_t count = 0;
	pthread_mutex_lock(&ns->lock);
	/* names are per network: only the networks the asker is on count */
	for (size_t i = 0; i < ns->n && count < max; i++) {
		struct network *n = ns->v[i];
		if (n->predefined || !endpoint_find(n, container_id))
			continue;
		for (struct endpoint *e = n->endpoints; e && count < max; e = e->next) {
			if (!dns_name_matches(n, e, name))
				continue;
			bool dup = false;
			for (size_t k = 0; k < count; k++)
				dup = dup || ret[k].s_addr == e->ip.s_addr;
			if (!dup)
				ret[count++] = e->ip;
		}
	}
	pthread_mutex_unlock(&ns->lock);
	return count;
}

/* ns->lock is held only to read ns->dns: the DNS thread takes ns->lock for
 * each lookup, so calling into the server with it held could deadlock */
int network_dns_attach(struct network_store *ns, const char *container_id, int netns_fd,
		       berth_error_t **err)
{
	pthread_mutex_lock(&ns->lock);
	struct dns_server *dns = ns->dns;
	pthread_mutex_unlock(&ns->lock);
	if (!dns)
		return berth_error_fail(err, ENOTCONN, "the embedded DNS server is not running");
	return dns_server_add(dns, container_id, netns_fd, err);
}

void network_dns_detach(struct network_store *ns, const char *container_id)
{
	pthread_mutex_lock(&ns->lock);
	struct dns_server *dns = ns->dns;
	pthread_mutex_unlock(&ns->lock);
	if (dns)
		dns_server_remove(dns, container_id);
}
