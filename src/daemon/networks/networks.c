/* networks: berthd's network store (see networks.h): the networks in
 * memory and in <data_root>/networks/<id>.json, the predefined bridge,
 * host and none, the bridge devices and berth's nftables tables, and the
 * create/inspect/list/remove/prune API.  Invariant: the files are the
 * truth; a network is in memory only once its file is written, and a
 * bridge device exists for every bridge network while the store is open. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/atomicfile.h"
#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/digest.h"
#include "common/log.h"
#include "common/parse.h"
#include "common/xalloc.h"
#include "daemon/containers/logs.h"
#include "daemon/filters.h"
#include "daemon/networks/dns-server.h"
#include "daemon/networks/networks-internal.h"
#include "net/netlink.h"
#include "net/netns.h"

#include "common/banned.h"

#define NET_FILE_MAX (256u << 10)
#define NET_FILE_DEPTH 8
#define NET_NAME_MAX 128
#define MTU_DEFAULT 1500u
#define OPT_BRIDGE_NAME "com.docker.network.bridge.name"
#define OPT_ICC "com.docker.network.bridge.enable_icc"
#define OPT_MASQ "com.docker.network.bridge.enable_ip_masquerade"
#define OPT_MTU "com.docker.network.driver.mtu"
#define OPT_DEFAULT_BRIDGE "com.docker.network.bridge.default_bridge"
#define OPT_HOST_BINDING "com.docker.network.bridge.host_binding_ipv4"

/* ---- small helpers ------------------------------------------------------------ */

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Go's time.RFC3339Nano in UTC: the fraction's trailing zeros cut */
static char *go_time(int64_t ns)
{
	time_t sec = (time_t)(ns / 1000000000);
	long frac = (long)(ns % 1000000000);
	struct tm tm;
	char base[32];
	if (gmtime_r(&sec, &tm) == NULL ||
	    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		return xstrdup("0001-01-01T00:00:00Z");
	if (frac == 0)
		return xasprintf("%sZ", base);
	char f[16];
	snprintf(f, sizeof(f), "%09ld", frac);
	for (size_t i = strlen(f); i > 0 && f[i - 1] == '0'; i--)
		f[i - 1] = '\0';
	return xasprintf("%s.%sZ", base, f);
}

static char *addr_str(struct in_addr a)
{
	char buf[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &a, buf, sizeof(buf));
	return xstrdup(buf);
}

/* A JSON string from an allocated C string, which it frees */
static json_t *str_take(char *s)
{
	json_t *j = json_string(s);
	free(s);
	return j;
}

/* Go's strconv.ParseBool, for docker's option values */
static int bool_parse(const char *s, bool *ret)
{
	static const char *const yes[] = { "1", "t", "T", "TRUE", "true", "True", NULL };
	static const char *const no[] = { "0", "f", "F", "FALSE", "false", "False", NULL };
	for (size_t i = 0; yes[i]; i++)
		if (strcmp(s, yes[i]) == 0)
			return *ret = true, 0;
	for (size_t i = 0; no[i]; i++)
		if (strcmp(s, no[i]) == 0)
			return *ret = false, 0;
	return -1;
}

static bool name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > NET_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || !strchr("_.-", c)))
			return false;
	}
	return true;
}

static bool is_predefined_name(const char *name)
{
	return strcmp(name, "bridge") == 0 || strcmp(name, "host") == 0 ||
	       strcmp(name, "none") == 0 || strcmp(name, "default") == 0 ||
	       strcmp(name, "ingress") == 0;
}

static bool is_bridge(const struct network *n)
{
	return strcmp(n->driver, "bridge") == 0 && n->bridge;
}

/* "172.17.0.1/16" (bip): the gateway and the subnet around it */
static int bip_parse(const char *bip, struct ipv4_net *ret_subnet, struct in_addr *ret_gw,
		     berth_error_t **err)
{
	const char *slash = strchr(bip, '/');
	if (!slash)
		return berth_error_fail(err, EINVAL, "bip: '%s' is not an address/prefix", bip);
	cleanup_free char *a = xstrndup(bip, (size_t)(slash - bip));
	struct in_addr gw;
	int64_t prefix;
	if (ipv4_addr_parse(a, &gw, err) < 0)
		return berth_error_wrap(err, "bip");
	if (parse_int_range(slash + 1, 8, 30, &prefix, NULL) < 0)
		return berth_error_fail(err, EINVAL, "bip: invalid prefix in '%s' (8..30)", bip);
	uint32_t mask = htonl(~0u << (32 - prefix));
	ret_subnet->addr.s_addr = gw.s_addr & mask;
	ret_subnet->prefix = (unsigned)prefix;
	if (gw.s_addr == ret_subnet->addr.s_addr || (gw.s_addr | ~mask) == gw.s_addr)
		return berth_error_fail(err, EINVAL,
					"bip: '%s' is the network or broadcast address", bip);
	*ret_gw = gw;
	return 0;
}

/* ---- the store's list --------------------------------------------------------- */

static void network_free(struct network *n)
{
	if (!n)
		return;
	while (n->endpoints) {
		struct endpoint *e = n->endpoints;
		n->endpoints = e->next;
		endpoint_free(e);
	}
	free(n->name);
	free(n->driver);
	free(n->bridge);
	free(n->parent);
	free(n->macvlan_mode);
	ipam_pool_free(n->pool);
	json_decref(n->options);
	json_decref(n->labels);
	free(n);
}

static void store_add(struct network_store *ns, struct network *n)
{
	if (ns->n == ns->alloc) {
		ns->alloc = ns->alloc ? 2 * ns->alloc : 8;
		ns->v = xreallocarray(ns->v, ns->alloc, sizeof(struct network *));
	}
	ns->v[ns->n++] = n;
}

/* Take n out of the list (not freed) */
static void store_unlink(struct network_store *ns, const struct network *n)
{
	for (size_t i = 0; i < ns->n; i++)
		if (ns->v[i] == n) {
			memmove(&ns->v[i], &ns->v[i + 1],
				(ns->n - i - 1) * sizeof(struct network *));
			ns->n--;
			return;
		}
}

struct network *network_find_id(struct network_store *ns, const char *id)
{
	for (size_t i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i]->id, id) == 0)
			return ns->v[i];
	return NULL;
}

static struct network *find_name(struct network_store *ns, const char *name)
{
	for (size_t i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i]->name, name) == 0)
			return ns->v[i];
	return NULL;
}

struct network *network_find(struct network_store *ns, const char *ref)
{
	if (!ref || !*ref)
		return NULL;
	struct network *n = find_name(ns, ref);
	if (n)
		return n;
	if ((n = network_find_id(ns, ref)))
		return n;
	struct network *found = NULL;
	size_t len = strlen(ref);
	for (size_t i = 0; i < ns->n; i++)
		if (strncmp(ns->v[i]->id, ref, len) == 0) {
			if (found)
				return NULL; /* ambiguous */
			found = ns->v[i];
		}
	return found;
}

size_t network_endpoint_count(const struct network_store *ns)
{
	size_t c = 0;
	for (size_t i = 0; i < ns->n; i++)
		for (const struct endpoint *e = ns->v[i]->endpoints; e; e = e->next)
			c++;
	return c;
}

static size_t endpoints_of(const struct network *n)
{
	size_t c = 0;
	for (const struct endpoint *e = n->endpoints; e; e = e->next)
		c++;
	return c;
}

/* ---- persistence -------------------------------------------------------------- */

static json_t *network_to_json(const struct network *n)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:I}", "Id",
			      n->id, "Name", n->name, "Driver", n->driver, "Created",
			      (json_int_t)n->created_ns, "Internal", n->internal, "Attachable",
			      n->attachable, "ICC", n->icc, "Masquerade", n->masquerade,
			      "Predefined", n->predefined, "HasSubnet", n->has_subnet, "UserSubnet",
			      n->user_subnet, "MTU", (json_int_t)n->mtu);
	if (n->bridge)
		json_object_set_new(j, "Bridge", json_string(n->bridge));
	if (n->parent)
		json_object_set_new(j, "Parent", json_string(n->parent));
	if (n->macvlan_mode)
		json_object_set_new(j, "MacvlanMode", json_string(n->macvlan_mode));
	if (n->has_subnet) {
		json_object_set_new(j, "Subnet", str_take(ipv4_net_format(&n->subnet)));
		json_object_set_new(j, "Gateway", str_take(addr_str(n->gateway)));
	}
	if (n->has_range)
		json_object_set_new(j, "IPRange", str_take(ipv4_net_format(&n->range)));
	json_object_set(j, "Options", n->options);
	json_object_set(j, "Labels", n->labels);
	return j;
}

static char *opt_strdup(const json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));
	return s ? xstrdup(s) : NULL;
}

/* The address pool of a network with a subnet (after a load or a create) */
static int pool_init(struct network *n, berth_error_t **err)
{
	if (!n->has_subnet)
		return 0;
	return ipam_pool_new(&n->subnet, n->has_range ? &n->range : NULL, n->gateway, &n->pool,
			     err);
}

static int network_from_json(const json_t *j, struct network **ret, berth_error_t **err)
{
	const char *id = NULL, *name = NULL, *driver = NULL, *subnet = NULL, *gw = NULL,
		   *range = NULL;
	int64_t created = 0, mtu = 0;
	cleanup_free struct network *n = xcalloc(1, sizeof(*n));
	if (bjson_get_string(j, "", "Id", BJSON_REQUIRED, &id, err) < 0 ||
	    bjson_get_string(j, "", "Name", BJSON_REQUIRED, &name, err) < 0 ||
	    bjson_get_string(j, "", "Driver", BJSON_REQUIRED, &driver, err) < 0 ||
	    bjson_get_int64(j, "", "Created", 0, &created, err) < 0 ||
	    bjson_get_int_range(j, "", "MTU", 0, 0, 65535, &mtu, err) < 0 ||
	    bjson_get_bool(j, "", "Internal", 0, &n->internal, err) < 0 ||
	    bjson_get_bool(j, "", "Attachable", 0, &n->attachable, err) < 0 ||
	    bjson_get_bool(j, "", "ICC", 0, &n->icc, err) < 0 ||
	    bjson_get_bool(j, "", "Masquerade", 0, &n->masquerade, err) < 0 ||
	    bjson_get_bool(j, "", "Predefined", 0, &n->predefined, err) < 0 ||
	    bjson_get_bool(j, "", "HasSubnet", 0, &n->has_subnet, err) < 0 ||
	    bjson_get_bool(j, "", "UserSubnet", 0, &n->user_subnet, err) < 0 ||
	    bjson_get_string(j, "", "Subnet", 0, &subnet, err) < 0 ||
	    bjson_get_string(j, "", "Gateway", 0, &gw, err) < 0 ||
	    bjson_get_string(j, "", "IPRange", 0, &range, err) < 0)
		return -1;
	if (strlen(id) != 64 || strspn(id, "0123456789abcdef") != 64)
		return berth_error_fail(err, EINVAL, "invalid network ID '%s'", id);
	if (n->has_subnet && (!subnet || !gw))
		return berth_error_fail(err, EINVAL, "network '%s': no subnet or gateway", name);
	if (n->has_subnet && (ipv4_net_parse(subnet, &n->subnet, err) < 0 ||
			      ipv4_addr_parse(gw, &n->gateway, err) < 0))
		return -1;
	if (range) {
		if (ipv4_net_parse(range, &n->range, err) < 0)
			return -1;
		n->has_range = true;
	}
	snprintf(n->id, sizeof(n->id), "%s", id);
	n->name = xstrdup(name);
	n->driver = xstrdup(driver);
	n->bridge = opt_strdup(j, "Bridge");
	n->parent = opt_strdup(j, "Parent");
	n->macvlan_mode = opt_strdup(j, "MacvlanMode");
	n->created_ns = created;
	n->mtu = (unsigned)mtu;
	json_t *o = json_object_get(j, "Options"), *l = json_object_get(j, "Labels");
	n->options = json_is_object(o) ? json_deep_copy(o) : json_object();
	n->labels = json_is_object(l) ? json_deep_copy(l) : json_object();
	if (strcmp(n->driver, "bridge") == 0 && !n->bridge) {
		berth_error_fail(err, EINVAL, "network '%s': bridge without a device", name);
		network_free(steal_pointer(&n));
		return -1;
	}
	if (pool_init(n, err) < 0) {
		network_free(steal_pointer(&n));
		return -1;
	}
	*ret = steal_pointer(&n);
	return 0;
}

int network_save(struct network_store *ns, const struct network *n, berth_error_t **err)
{
	cleanup_json json_t *j = network_to_json(n);
	cleanup_free char *text = json_dumps(j, JSON_INDENT(1));
	cleanup_free char *path = xasprintf("%s/%s.json", ns->dir, n->id);
	if (atomic_write_file(path, text, strlen(text), 0600, err) < 0)
		return berth_error_wrap(err, "save network '%s'", n->name);
	return 0;
}

static void file_remove(struct network_store *ns, const struct network *n)
{
	cleanup_free char *path = xasprintf("%s/%s.json", ns->dir, n->id);
	if (unlink(path) < 0 && errno != ENOENT)
		log_warn("remove '%s': %s, ignoring", path, strerror(errno));
}

static void load_all(struct network_store *ns)
{
	cleanup_dir DIR *dir = opendir(ns->dir);
	if (!dir)
		return;
	struct dirent *de;
	while ((de = readdir(dir))) {
		size_t len = strlen(de->d_name);
		if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		cleanup_free char *path = xasprintf("%s/%s", ns->dir, de->d_name);
		cleanup_error berth_error_t *e = NULL;
		cleanup_json json_t *j = NULL;
		struct network *n = NULL;
		if (bjson_load_file(path, NET_FILE_MAX, NET_FILE_DEPTH, &j, &e) < 0 ||
		    network_from_json(j, &n, &e) < 0) {
			log_warn("network file '%s': %s, ignoring", path, e->msg);
			continue;
		}
		if (network_find_id(ns, n->id) || find_name(ns, n->name)) {
			log_warn("network file '%s': network '%s' is there twice, ignoring", path,
				 n->name);
			network_free(n);
			continue;
		}
		store_add(ns, n);
	}
}

/* ---- devices and rules -------------------------------------------------------- */

static int bridge_ensure(const struct network *n, berth_error_t **err)
{
	cleanup_nl struct nl_sock *s = NULL;
	cleanup_error berth_error_t *e = NULL;
	if (nl_open(&s, err) < 0)
		return -1;
	if (nl_bridge_add(s, n->bridge, n->mtu, &e) < 0) {
		if (e->errnum != EEXIST) {
			*err = steal_pointer(&e);
			return -1;
		}
		berth_error_release(&e); /* a bridge of ours from before: adopt it */
	}
	if (nl_addr_add(s, n->bridge, n->gateway, n->subnet.prefix, &e) < 0) {
		if (e->errnum != EEXIST) {
			*err = steal_pointer(&e);
			return -1;
		}
		berth_error_release(&e);
	}
	if ((n->mtu && nl_link_set_mtu(s, n->bridge, n->mtu, err) < 0) ||
	    nl_link_set_up(s, n->bridge, true, err) < 0)
		return -1;
	/* the 127.0.0.1 path of published ports: DNAT'd loopback traffic may
	 * be routed out of this bridge */
	cleanup_free char *key = xasprintf("net.ipv4.conf.%s.route_localnet", n->bridge);
	if (netns_sysctl(-1, key, "1", err) < 0)
		return -1;
	return 0;
}

static void bridge_delete(const struct network *n)
{
	if (!is_bridge(n))
		return;
	cleanup_nl struct nl_sock *s = NULL;
	cleanup_error berth_error_t *e = NULL;
	if (nl_open(&s, &e) < 0 || (nl_link_del(s, n->bridge, &e) < 0 && e->errnum != ENOENT))
		log_warn("delete bridge '%s': %s, ignoring", n->bridge, e->msg);
}

int network_rules_sync(struct network_store *ns, berth_error_t **err)
{
	cleanup_free struct nft_network *nets = xcalloc(ns->n + 1, sizeof(*nets));
	size_t nn = 0, np = 0;
	for (size_t i = 0; i < ns->n; i++) {
		const struct network *n = ns->v[i];
		if (!is_bridge(n) || !n->has_subnet)
			continue;
		nets[nn++] = (struct nft_network){ .bridge = n->bridge,
						   .subnet = n->subnet,
						   .icc = n->icc,
						   .internal = n->internal,
						   .masquerade = n->masquerade };
	}
	cleanup_free struct nft_port *ports = ports_rules(ns, &np);
	struct nft_state st = { .networks = nets, .n_networks = nn, .ports = ports, .n_ports = np };
	if (nft_apply(&st, err) < 0)
		return berth_error_wrap(err, "apply berth's nftables rules");
	return 0;
}

/* ---- subnets ------------------------------------------------------------------ */

/* The subnets a new pool must avoid: the host's routes and addresses
 * (when with_host) and every network's subnet (except skip) */
static struct ipv4_net *avoid_list(struct network_store *ns, const struct network *skip,
				   bool with_host, size_t *ret_n, berth_error_t **err)
{
	struct nl_prefix *pre = NULL;
	size_t npre = 0;
	if (with_host) {
		cleanup_nl struct nl_sock *s = NULL;
		if (nl_open(&s, err) < 0 || nl_ipv4_prefixes(s, &pre, &npre, err) < 0)
			return NULL;
	}
	struct ipv4_net *v = xcalloc(npre + ns->n + 1, sizeof(*v));
	size_t k = 0;
	for (size_t i = 0; i < npre; i++)
		v[k++] = (struct ipv4_net){ .addr = pre[i].addr, .prefix = pre[i].prefix };
	free(pre);
	for (size_t i = 0; i < ns->n; i++)
		if (ns->v[i] != skip && ns->v[i]->has_subnet)
			v[k++] = ns->v[i]->subnet;
	*ret_n = k;
	return v;
}

static const struct network *overlapping(struct network_store *ns, const struct network *skip,
					 const struct ipv4_net *subnet)
{
	for (size_t i = 0; i < ns->n; i++)
		if (ns->v[i] != skip && ns->v[i]->has_subnet &&
		    ipv4_net_overlaps(&ns->v[i]->subnet, subnet))
			return ns->v[i];
	return NULL;
}

static int default_subnet(struct network_store *ns, const struct network *skip,
			  struct ipv4_net *ret, berth_error_t **err)
{
	size_t n = 0;
	cleanup_free struct ipv4_net *avoid = avoid_list(ns, skip, true, &n, err);
	if (!avoid)
		return -1;
	return ipam_default_subnet(avoid, n, ret, err);
}

/* ---- the predefined networks -------------------------------------------------- */

static json_t *default_bridge_options(const struct network *n)
{
	char mtu[16];
	snprintf(mtu, sizeof(mtu), "%u", n->mtu ? n->mtu : MTU_DEFAULT);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", OPT_DEFAULT_BRIDGE, "true", OPT_ICC,
			 n->icc ? "true" : "false", OPT_MASQ, "true", OPT_HOST_BINDING, "0.0.0.0",
			 OPT_BRIDGE_NAME, NETWORK_DEFAULT_BRIDGE, OPT_MTU, mtu);
}

static struct network *predefined_new(const char *name, const char *driver)
{
	struct network *n = xcalloc(1, sizeof(*n));
	digest_random_hex(n->id);
	n->name = xstrdup(name);
	n->driver = xstrdup(driver);
	n->predefined = true;
	n->created_ns = now_ns();
	n->options = json_object();
	n->labels = json_object();
	return n;
}

/* The default bridge: made when missing, brought in line with the
 * daemon's bip, icc and mtu otherwise */
static int default_bridge(struct network_store *ns, berth_error_t **err)
{
	struct network *n = find_name(ns, "bridge");
	bool fresh = !n;
	if (fresh)
		n = predefined_new("bridge", "bridge");
	struct ipv4_net subnet = n->subnet;
	struct in_addr gw = n->gateway;
	if (ns->bip) {
		if (bip_parse(ns->bip, &subnet, &gw, err) < 0)
			goto fail;
	} else if (!n->has_subnet) {
		if (default_subnet(ns, n, &subnet, err) < 0)
			goto fail;
		gw.s_addr = htonl(ntohl(subnet.addr.s_addr) + 1);
	}
	const struct network *o = overlapping(ns, n, &subnet);
	if (o) {
		berth_error_fail(err, EINVAL, "the default bridge's subnet overlaps network '%s'",
				 o->name);
		goto fail;
	}
	bool changed = fresh || !n->has_subnet || subnet.addr.s_addr != n->subnet.addr.s_addr ||
		       subnet.prefix != n->subnet.prefix || gw.s_addr != n->gateway.s_addr;
	n->has_subnet = true;
	n->user_subnet = false;
	n->has_range = false;
	n->subnet = subnet;
	n->gateway = gw;
	n->icc = ns->cfg.icc;
	n->masquerade = true;
	n->mtu = ns->cfg.mtu ? ns->cfg.mtu : MTU_DEFAULT;
	free(n->bridge);
	n->bridge = xstrdup(NETWORK_DEFAULT_BRIDGE);
	json_decref(n->options);
	n->options = default_bridge_options(n);
	if (changed) {
		ipam_pool_free(n->pool);
		n->pool = NULL;
		if (pool_init(n, err) < 0)
			goto fail;
		if (!fresh) {
			/* the old address of the device goes with the device */
			bridge_delete(n);
		}
	}
	if (network_save(ns, n, err) < 0)
		goto fail;
	if (fresh)
		store_add(ns, n);
	return 0;
fail:
	if (fresh)
		network_free(n);
	return berth_error_wrap(err, "the default bridge network");
}

static int predefined_ensure(struct network_store *ns, const char *name, const char *driver,
			     berth_error_t **err)
{
	if (find_name(ns, name))
		return 0;
	struct network *n = predefined_new(name, driver);
	if (network_save(ns, n, err) < 0) {
		network_free(n);
		return -1;
	}
	store_add(ns, n);
	return 0;
}

/* ---- open and close ----------------------------------------------------------- */

static void store_free(struct network_store *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		network_free(ns->v[i]);
	free(ns->v);
	free(ns->dir);
	free(ns->bip);
	pthread_mutex_destroy(&ns->lock);
	free(ns);
}

int network_store_open(const char *data_root, const struct network_config *cfg,
		       struct network_store **ret, berth_error_t **err)
{
	struct network_store *ns = xcalloc(1, sizeof(*ns));
	pthread_mutex_init(&ns->lock, NULL);
	ns->dir = xasprintf("%s/networks", data_root);
	ns->cfg = *cfg;
	ns->bip = cfg->bip ? xstrdup(cfg->bip) : NULL;
	ns->cfg.bip = ns->bip;
	if (mkdir(ns->dir, 0700) < 0 && errno != EEXIST) {
		berth_error_set(err, errno, "create '%s'", ns->dir);
		goto fail;
	}
	load_all(ns);
	if (default_bridge(ns, err) < 0 || predefined_ensure(ns, "host", "host", err) < 0 ||
	    predefined_ensure(ns, "none", "null", err) < 0)
		goto fail;
	for (size_t i = 0; i < ns->n; i++)
		if (is_bridge(ns->v[i]) && bridge_ensure(ns->v[i], err) < 0) {
			berth_error_wrap(err, "network '%s': bridge '%s'", ns->v[i]->name,
					 ns->v[i]->bridge);
			goto fail_devices;
		}
	if (network_rules_sync(ns, err) < 0)
		goto fail_devices;
	if (dns_server_start(endpoint_dns_resolve, ns, &ns->dns, err) < 0) {
		berth_error_wrap(err, "start the embedded DNS server");
		goto fail_devices;
	}
	*ret = ns;
	return 0;
fail_devices:
	for (size_t i = 0; i < ns->n; i++)
		bridge_delete(ns->v[i]);
	{
		cleanup_error berth_error_t *e = NULL;
		if (nft_remove(&e) < 0)
			log_warn("%s, ignoring", e->msg);
	}
fail:
	store_free(ns);
	return -1;
}

void network_store_close(struct network_store *ns)
{
	if (!ns)
		return;
	/* first: the DNS thread takes the lock for each lookup */
	dns_server_stop(ns->dns);
	ns->dns = NULL;
	pthread_mutex_lock(&ns->lock);
	if (network_endpoint_count(ns) == 0) {
		for (size_t i = 0; i < ns->n; i++)
			bridge_delete(ns->v[i]);
		cleanup_error berth_error_t *e = NULL;
		if (nft_remove(&e) < 0)
			log_warn("remove berth's nftables tables: %s, ignoring", e->msg);
	}
	ports_free_all(ns);
	pthread_mutex_unlock(&ns->lock);
	store_free(ns);
}

/* ---- create ------------------------------------------------------------------- */

static int strings_object(const json_t *body, const char *key, json_t **ret, berth_error_t **err)
{
	json_t *o = json_object_get(body, key);
	if (!o || json_is_null(o)) {
		*ret = json_object();
		return 0;
	}
	if (!json_is_object(o))
		return berth_error_fail(err, EINVAL, "%s: want an object, got %s", key,
					bjson_type_name(o));
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)o, k, v) if (!json_is_string(v)) return berth_error_fail(
		err, EINVAL, "%s.%s: want a string, got %s", key, k, bjson_type_name(v));
	*ret = json_deep_copy(o);
	return 0;
}

/* A boolean option of Options ("true"/"false"), def when absent */
static int opt_bool(const json_t *opts, const char *key, bool def, bool *ret, berth_error_t **err)
{
	const char *s = json_string_value(json_object_get(opts, key));
	*ret = def;
	if (s && bool_parse(s, ret) < 0)
		return berth_error_fail(err, EINVAL, "invalid value for %s: '%s'", key, s);
	return 0;
}

/* IPAM.Config[0] into n: subnet, ip-range, gateway */
static int ipam_parse(struct network_store *ns, const json_t *body, struct network *n,
		      berth_error_t **err)
{
	json_t *ipam = json_object_get(body, "IPAM");
	json_t *config = NULL;
	const char *driver = NULL;
	if (ipam && !json_is_null(ipam)) {
		if (bjson_get_string(ipam, "IPAM", "Driver", BJSON_ALLOW_NULL, &driver, err) < 0 ||
		    bjson_get_array(ipam, "IPAM", "Config", BJSON_ALLOW_NULL, &config, err) < 0)
			return -1;
	}
	if (driver && *driver && strcmp(driver, "default") != 0)
		return berth_error_fail(err, ENOENT, "plugin \"%s\" not found", driver);
	const char *subnet = NULL, *range = NULL, *gw = NULL;
	size_t i;
	json_t *c;
	json_array_foreach(config, i, c)
	{
		const char *s = NULL, *r = NULL, *g = NULL;
		cleanup_free char *where = bjson_path_index("IPAM.Config", i);
		if (bjson_get_string(c, where, "Subnet", BJSON_ALLOW_NULL, &s, err) < 0 ||
		    bjson_get_string(c, where, "IPRange", BJSON_ALLOW_NULL, &r, err) < 0 ||
		    bjson_get_string(c, where, "Gateway", BJSON_ALLOW_NULL, &g, err) < 0)
			return -1;
		if ((s && strchr(s, ':')) || (r && strchr(r, ':')) || (g && strchr(g, ':')))
			return berth_error_fail(err, EINVAL, "IPv6 is not supported by berth yet");
		if (subnet)
			return berth_error_fail(err, EINVAL,
						"berth supports one IPv4 subnet per network");
		subnet = s && *s ? s : NULL;
		range = r && *r ? r : NULL;
		gw = g && *g ? g : NULL;
		if (!subnet && (range || gw))
			return berth_error_fail(err, EINVAL,
						"every ip-range or gateway must have a "
						"corresponding subnet");
	}
	if (subnet) {
		if (ipv4_net_parse(subnet, &n->subnet, err) < 0)
			return -1;
		const struct network *o = overlapping(ns, n, &n->subnet);
		if (o)
			return berth_error_fail(err, EPERM,
						"invalid pool request: Pool overlaps with other one "
						"on this address space");
		n->user_subnet = true;
	} else if (default_subnet(ns, n, &n->subnet, err) < 0) {
		return -1;
	}
	n->has_subnet = true;
	if (range) {
		if (ipv4_net_parse(range, &n->range, err) < 0)
			return -1;
		n->has_range = true;
	}
	if (gw && ipv4_addr_parse(gw, &n->gateway, err) < 0)
		return -1;
	if (pool_init(n, err) < 0)
		return -1;
	n->gateway = ipam_pool_gateway(n->pool);
	return 0;
}

static int bridge_opts(struct network_store *ns, struct network *n, berth_error_t **err)
{
	const char *dev = json_string_value(json_object_get(n->options, OPT_BRIDGE_NAME));
	const char *mtu = json_string_value(json_object_get(n->options, OPT_MTU));
	if (opt_bool(n->options, OPT_ICC, true, &n->icc, err) < 0 ||
	    opt_bool(n->options, OPT_MASQ, true, &n->masquerade, err) < 0)
		return -1;
	if (mtu) {
		int64_t v;
		if (parse_int_range(mtu, 68, 65535, &v, NULL) < 0)
			return berth_error_fail(err, EINVAL, "invalid MTU number: %s", mtu);
		n->mtu = (unsigned)v;
	} else {
		n->mtu = ns->cfg.mtu ? ns->cfg.mtu : MTU_DEFAULT;
	}
	if (dev && *dev) {
		/* what the kernel and berth's nft rules accept as a device name */
		if (strlen(dev) > 15 ||
		    strspn(dev,
			   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
			    strlen(dev) ||
		    strcmp(dev, ".") == 0 || strcmp(dev, "..") == 0)
			return berth_error_fail(err, EINVAL, "invalid bridge name '%s'", dev);
		n->bridge = xstrdup(dev);
	} else {
		n->bridge = xasprintf("br-%.12s", n->id);
	}
	for (size_t i = 0; i < ns->n; i++)
		if (ns->v[i]->bridge && strcmp(ns->v[i]->bridge, n->bridge) == 0)
			return berth_error_fail(err, EEXIST,
						"bridge device '%s' is in use by network '%s'",
						n->bridge, ns->v[i]->name);
	return 0;
}

static int macvlan_opts(struct network *n, berth_error_t **err)
{
	static const char *const modes[] = { "bridge", "private", "vepa", "passthru", NULL };
	const char *parent = json_string_value(json_object_get(n->options, "parent"));
	const char *mode = json_string_value(json_object_get(n->options, "macvlan_mode"));
	if (!parent || !*parent)
		return berth_error_fail(err, EINVAL,
					"the macvlan driver needs a parent interface: -o "
					"parent=<if>");
	cleanup_nl struct nl_sock *s = NULL;
	if (nl_open(&s, err) < 0)
		return -1;
	if (!nl_link_exists(s, parent))
		return berth_error_fail(err, ENOENT,
					"-o parent interface was not found on the host: %s",
					parent);
	if (!mode || !*mode)
		mode = "bridge";
	bool ok = false;
	for (size_t i = 0; modes[i]; i++)
		ok |= strcmp(modes[i], mode) == 0;
	if (!ok)
		return berth_error_fail(err, EINVAL,
					"requested macvlan mode '%s' is not valid, 'bridge' mode "
					"is the macvlan driver default",
					mode);
	n->parent = xstrdup(parent);
	n->macvlan_mode = xstrdup(mode);
	const char *mtu = json_string_value(json_object_get(n->options, OPT_MTU));
	if (mtu) {
		int64_t v;
		if (parse_int_range(mtu, 68, 65535, &v, NULL) < 0)
			return berth_error_fail(err, EINVAL, "invalid MTU number: %s", mtu);
		n->mtu = (unsigned)v;
	}
	return 0;
}

static int create_locked(struct network_store *ns, const json_t *body, json_t **ret,
			 berth_error_t **err)
{
	const char *name = NULL, *driver = NULL;
	bool ipv6 = false;
	if (!json_is_object(body))
		return berth_error_fail(err, EINVAL, "network create: want a JSON object, got %s",
					bjson_type_name(body));
	if (bjson_get_string(body, "", "Name", BJSON_ALLOW_NULL, &name, err) < 0 ||
	    bjson_get_string(body, "", "Driver", BJSON_ALLOW_NULL, &driver, err) < 0 ||
	    bjson_get_bool(body, "", "EnableIPv6", BJSON_ALLOW_NULL, &ipv6, err) < 0)
		return -1;
	if (!name || !*name)
		return berth_error_fail(err, EINVAL, "network name must not be empty");
	if (is_predefined_name(name))
		return berth_error_fail(err, EPERM,
					"operation is not permitted on predefined %s network ",
					name);
	if (!name_valid(name))
		return berth_error_fail(err, EINVAL,
					"invalid network name \"%s\", only [a-zA-Z0-9][a-zA-Z0-9_.-] "
					"are allowed",
					name);
	if (find_name(ns, name))
		return berth_error_fail(err, EEXIST, "network with name %s already exists", name);
	if (!driver || !*driver)
		driver = "bridge";
	if (strcmp(driver, "host") == 0 || strcmp(driver, "null") == 0)
		return berth_error_fail(err, EPERM,
					"only one instance of \"%s\" network is allowed", driver);
	if (strcmp(driver, "bridge") != 0 && strcmp(driver, "macvlan") != 0)
		return berth_error_fail(err, ENOENT, "plugin \"%s\" not found", driver);
	if (ipv6)
		return berth_error_fail(err, EINVAL, "IPv6 is not supported by berth yet");

	struct network *n = xcalloc(1, sizeof(*n));
	do
		digest_random_hex(n->id);
	while (network_find_id(ns, n->id));
	n->name = xstrdup(name);
	n->driver = xstrdup(driver);
	n->created_ns = now_ns();
	if (bjson_get_bool(body, "", "Internal", BJSON_ALLOW_NULL, &n->internal, err) < 0 ||
	    bjson_get_bool(body, "", "Attachable", BJSON_ALLOW_NULL, &n->attachable, err) < 0 ||
	    strings_object(body, "Options", &n->options, err) < 0 ||
	    strings_object(body, "Labels", &n->labels, err) < 0)
		goto fail;
	if (strcmp(driver, "bridge") == 0 ? bridge_opts(ns, n, err) < 0 : macvlan_opts(n, err) < 0)
		goto fail;
	if (ipam_parse(ns, body, n, err) < 0)
		goto fail;
	if (network_save(ns, n, err) < 0)
		goto fail;
	store_add(ns, n);
	if ((is_bridge(n) && bridge_ensure(n, err) < 0) || network_rules_sync(ns, err) < 0) {
		store_unlink(ns, n);
		bridge_delete(n);
		file_remove(ns, n);
		cleanup_error berth_error_t *e = NULL;
		if (network_rules_sync(ns, &e) < 0)
			log_warn("%s, ignoring", e->msg);
		goto fail;
	}
	log_debug("network '%s' (%s) created", n->name, n->id);
	*ret = json_pack("{s:s, s:s}", "Id", n->id, "Warning", "");
	return 0;
fail:
	network_free(n);
	return -1;
}

int network_create(struct network_store *ns, const json_t *body, json_t **ret, berth_error_t **err)
{
	pthread_mutex_lock(&ns->lock);
	int r = create_locked(ns, body, ret, err);
	pthread_mutex_unlock(&ns->lock);
	return r;
}

/* ---- inspect and list --------------------------------------------------------- */

static json_t *containers_json(const struct network *n)
{
	json_t *o = json_object();
	for (const struct endpoint *e = n->endpoints; e; e = e->next) {
		char mac[18];
		ipam_mac_format(e->mac, mac);
		cleanup_free char *ip = addr_str(e->ip);
		json_object_set_new(o, e->container_id,
				    json_pack("{s:s, s:s, s:s, s:o, s:s}", "Name",
					      e->container_name ? e->container_name : "",
					      "EndpointID", e->endpoint_id, "MacAddress", mac,
					      "IPv4Address",
					      json_sprintf("%s/%u", ip, n->subnet.prefix),
					      "IPv6Address", ""));
	}
	return o;
}

/* docker's NetworkResource; containers: fill Containers (inspect) */
static json_t *network_json(const struct network *n, bool containers)
{
	cleanup_free char *created = go_time(n->created_ns);
	json_t *config = json_array();
	if (n->has_subnet) {
		json_t *c = json_object();
		json_object_set_new(c, "Subnet", str_take(ipv4_net_format(&n->subnet)));
		if (n->has_range)
			json_object_set_new(c, "IPRange", str_take(ipv4_net_format(&n->range)));
		json_object_set_new(c, "Gateway", str_take(addr_str(n->gateway)));
		json_array_append_new(config, c);
	}
	json_t *ipam = json_pack("{s:s, s:o, s:o}", "Driver", "default", "Options",
				 n->predefined ? json_null() : json_object(), "Config", config);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:o, s:b, s:b, s:b, s:{s:s}, s:b, s:o, "
			 "s:O, s:O}",
			 "Name", n->name, "Id", n->id, "Created", created, "Scope", "local",
			 "Driver", n->driver, "EnableIPv6", false, "IPAM", ipam, "Internal",
			 n->internal, "Attachable", n->attachable, "Ingress", false, "ConfigFrom",
			 "Network", "", "ConfigOnly", false, "Containers",
			 containers ? containers_json(n) : json_object(), "Options", n->options,
			 "Labels", n->labels);
}

int network_inspect(struct network_store *ns, const char *ref, json_t **ret, berth_error_t **err)
{
	pthread_mutex_lock(&ns->lock);
	struct network *n = network_find(ns, ref);
	if (n)
		*ret = network_json(n, true);
	pthread_mutex_unlock(&ns->lock);
	if (!n)
		return berth_error_fail(err, ENOENT, "network %s not found", ref);
	return 0;
}

/* ---- filters (as api/volumes.c reads them) ------------------------------------ */

/* docker's filters.Args.Match: equal, or the value as a regular expression
 * found in have */
static bool value_match(const char *want, const char *have)
{
	if (strcmp(want, have) == 0)
		return true;
	regex_t re;
	if (regcomp(&re, want, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	bool ok = regexec(&re, have, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

enum match_mode {
	MATCH_EXACT,
	MATCH_REGEX,
	MATCH_PREFIX
};

static bool any_match(const json_t *filters, const char *key, const char *have,
		      enum match_mode mode)
{
	cleanup_json json_t *vals = filters_values(filters, key);
	if (json_array_size(vals) == 0)
		return true;
	size_t i;
	json_t *v;
	json_array_foreach(vals, i, v)
	{
		const char *s = json_string_value(v);
		if (!s)
			continue;
		if ((mode == MATCH_EXACT && strcmp(have, s) == 0) ||
		    (mode == MATCH_REGEX && value_match(s, have)) ||
		    (mode == MATCH_PREFIX && strncmp(have, s, strlen(s)) == 0))
			return true;
	}
	return false;
}

/* "type": builtin/custom; "dangling": true/false.  -1 when absent. */
static int choice_filter(const json_t *filters, const char *key, const char *yes, const char *no,
			 int *ret, berth_error_t **err)
{
	cleanup_json json_t *vals = filters_values(filters, key);
	int r = -1;
	size_t i;
	json_t *v;
	json_array_foreach(vals, i, v)
	{
		const char *s = json_string_value(v);
		int this;
		if (s && (strcmp(s, yes) == 0 || (strcmp(yes, "true") == 0 && strcmp(s, "1") == 0)))
			this = 1;
		else if (s &&
			 (strcmp(s, no) == 0 || (strcmp(no, "false") == 0 && strcmp(s, "0") == 0)))
			this = 0;
		else
			return berth_error_fail(err, EINVAL, "invalid filter: '%s'='%s'", key,
						s ? s : "");
		if (r >= 0 && r != this)
			r = 2; /* both: everything matches */
		else
			r = this;
	}
	*ret = r == 2 ? -1 : r;
	return 0;
}

int network_list(struct network_store *ns, const json_t *filters, json_t **ret, berth_error_t **err)
{
	static const char *const known[] = { "dangling", "driver", "id",   "label", "label!",
					     "name",     "scope",  "type", NULL };
	int type = -1, dangling = -1;
	if (filters && (filters_check_keys(filters, known, err) < 0 ||
			choice_filter(filters, "type", "custom", "builtin", &type, err) < 0 ||
			choice_filter(filters, "dangling", "true", "false", &dangling, err) < 0))
		return -1;
	json_t *out = json_array();
	pthread_mutex_lock(&ns->lock);
	for (size_t i = 0; i < ns->n; i++) {
		const struct network *n = ns->v[i];
		if (filters && (!filters_labels_ok(filters, n->labels) ||
				!any_match(filters, "driver", n->driver, MATCH_EXACT) ||
				!any_match(filters, "id", n->id, MATCH_REGEX) ||
				!any_match(filters, "name", n->name, MATCH_REGEX) ||
				!any_match(filters, "scope", "local", MATCH_EXACT)))
			continue;
		if (type >= 0 && n->predefined == (type == 1))
			continue;
		if (dangling >= 0) {
			bool is_dangling = !n->predefined && endpoints_of(n) == 0;
			if (is_dangling != (dangling == 1))
				continue;
		}
		json_array_append_new(out, network_json(n, false));
	}
	pthread_mutex_unlock(&ns->lock);
	*ret = out;
	return 0;
}

/* ---- remove and prune --------------------------------------------------------- */

/* n out of the store: its device, its file, the memory (the caller syncs rules) */
static void network_drop(struct network_store *ns, struct network *n)
{
	bridge_delete(n);
	file_remove(ns, n);
	store_unlink(ns, n);
	log_debug("network '%s' (%s) removed", n->name, n->id);
	network_free(n);
}

int network_remove(struct network_store *ns, const char *ref, berth_error_t **err)
{
	int r = 0;
	pthread_mutex_lock(&ns->lock);
	struct network *n = network_find(ns, ref);
	if (!n) {
		r = berth_error_fail(err, ENOENT, "network %s not found", ref);
	} else if (n->predefined) {
		r = berth_error_fail(err, EPERM,
				     "%s is a pre-defined network and cannot be removed", n->name);
	} else if (n->endpoints) {
		r = berth_error_fail(err, EBUSY,
				     "error while removing network: network %s id %s has active "
				     "endpoints",
				     n->name, n->id);
	} else {
		network_drop(ns, n);
		r = network_rules_sync(ns, err);
	}
	pthread_mutex_unlock(&ns->lock);
	return r;
}

int network_prune(struct network_store *ns, const json_t *filters, json_t **ret,
		  berth_error_t **err)
{
	static const char *const known[] = { "until", "label", "label!", NULL };
	int64_t until = 0;
	if (filters && filters_check_keys(filters, known, err) < 0)
		return -1;
	cleanup_json json_t *untils = filters ? filters_values(filters, "until") : json_array();
	if (json_array_size(untils) > 1)
		return berth_error_fail(err, EINVAL, "more than one until filter specified");
	if (json_array_size(untils) == 1 &&
	    logs_parse_time(json_string_value(json_array_get(untils, 0)), now_ns(), &until, err) <
		    0)
		return -1;
	json_t *deleted = json_array();
	pthread_mutex_lock(&ns->lock);
	for (size_t i = ns->n; i-- > 0;) {
		struct network *n = ns->v[i];
		if (n->predefined || n->endpoints || (until && n->created_ns >= until) ||
		    (filters && !filters_labels_ok(filters, n->labels)))
			continue;
		json_array_append_new(deleted, json_string(n->name));
		network_drop(ns, n);
	}
	cleanup_error berth_error_t *e = NULL;
	if (json_array_size(deleted) > 0 && network_rules_sync(ns, &e) < 0)
		log_warn("network prune: %s, ignoring", e->msg);
	pthread_mutex_unlock(&ns->lock);
	if (json_array_size(deleted) == 0) {
		json_decref(deleted);
		deleted = json_null();
	}
	*ret = json_pack("{s:o}", "NetworksDeleted", deleted);
	return 0;
}

/* ---- for the container manager ------------------------------------------------ */

int network_lookup(struct network_store *ns, const char *ref, char **ret_id, char **ret_name,
		   char **ret_driver, berth_error_t **err)
{
	pthread_mutex_lock(&ns->lock);
	struct network *n = network_find(ns, ref);
	if (n) {
		if (ret_id)
			*ret_id = xstrdup(n->id);
		if (ret_name)
			*ret_name = xstrdup(n->name);
		if (ret_driver)
			*ret_driver = xstrdup(n->driver);
	}
	pthread_mutex_unlock(&ns->lock);
	if (!n)
		return berth_error_fail(err, ENOENT, "network %s not found", ref);
	return 0;
}

bool network_has_dns(struct network_store *ns, const char *network_id)
{
	pthread_mutex_lock(&ns->lock);
	struct network *n = network_find_id(ns, network_id);
	bool r = n && !n->predefined;
	pthread_mutex_unlock(&ns->lock);
	return r;
}
