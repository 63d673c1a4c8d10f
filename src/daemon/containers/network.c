/* network: the container manager's side of networking.  At create the
 * NetworkMode and EndpointsConfig are checked and normalised (keyed by
 * network name, NetworkMode's first); at start a bridge/macvlan container
 * gets a network namespace of berth's own (<exec_root>/netns/<id>), one
 * endpoint per network, its published ports and the embedded DNS; at stop
 * all of it goes again.  Invariant: <dir>/network.json exists exactly
 * while the endpoints exist, so a restarted berthd can adopt or undo them. */
#include <errno.h>
#include <fcntl.h>
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
#include "common/xalloc.h"
#include "daemon/containers/container-internal.h"
#include "daemon/daemon.h"
#include "daemon/events.h"
#include "daemon/networks/networks.h"
#include "net/netns.h"

#define NETWORK_FILE "network.json"
#define NETWORK_FILE_MAX (1u << 20)
#define MAX_IFACES 64

/* ---- small helpers ---------------------------------------------------------- */

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static const char *net_mode(const struct container *c)
{
	const char *m = json_string_value(json_object_get(c->host_config, "NetworkMode"));
	return (!m || !*m || strcmp(m, "default") == 0) ? "bridge" : m;
}

static bool mode_is(const char *mode, const char *what)
{
	return strcmp(mode, what) == 0;
}

static bool mode_is_container(const char *mode)
{
	return strncmp(mode, "container:", 10) == 0;
}

static char *netns_dir(struct container_manager *m)
{
	return xasprintf("%s/netns", m->d->cfg.exec_root);
}

static char *netns_file(struct container_manager *m, const struct container *c)
{
	return xasprintf("%s/netns/%s", m->d->cfg.exec_root, c->id);
}

/* docker's EndpointSettings with nothing filled in */
static json_t *endpoint_blank(void)
{
	return json_pack("{s:n, s:n, s:n, s:s, s:n, s:i, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:i,"
			 " s:n}",
			 "IPAMConfig", "Links", "Aliases", "MacAddress", "", "DriverOpts",
			 "GwPriority", 0, "NetworkID", "", "EndpointID", "", "Gateway", "",
			 "IPAddress", "", "IPPrefixLen", 0, "IPv6Gateway", "", "GlobalIPv6Address",
			 "", "GlobalIPv6PrefixLen", 0, "DNSNames");
}

/* NetworkSettings in docker 28's shape, top-level fields empty */
static json_t *settings_blank(const char *sandbox_id, const char *sandbox_key, json_t *ports,
			      json_t *networks)
{
	return json_pack("{s:s, s:s, s:s, s:o, s:b, s:s, s:i, s:n, s:n, s:s, s:s, s:s, s:i, s:s,"
			 " s:i, s:s, s:s, s:o}",
			 "Bridge", "", "SandboxID", sandbox_id, "SandboxKey", sandbox_key, "Ports",
			 ports, "HairpinMode", false, "LinkLocalIPv6Address", "",
			 "LinkLocalIPv6PrefixLen", 0, "SecondaryIPAddresses",
			 "SecondaryIPv6Addresses", "EndpointID", "", "Gateway", "",
			 "GlobalIPv6Address", "", "GlobalIPv6PrefixLen", 0, "IPAddress", "",
			 "IPPrefixLen", 0, "IPv6Gateway", "", "MacAddress", "", "Networks",
			 networks);
}

/* docker 28 still mirrors the default bridge's endpoint at the top level */
static void settings_mirror_bridge(json_t *s)
{
	json_t *b = json_object_get(json_object_get(s, "Networks"), "bridge");
	if (!b)
		return;
	const char *keys[] = { "EndpointID",          "Gateway",   "GlobalIPv6Address",
			       "GlobalIPv6PrefixLen", "IPAddress", "IPPrefixLen",
			       "IPv6Gateway",         "MacAddress" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get(b, keys[i]);
		if (v)
			json_object_set(s, keys[i], v);
	}
}

static void publish_event(struct container_manager *m, const char *action, const char *net_id,
			  const char *net_name, const char *driver, const char *container_id)
{
	events_publish(m->d->events, "network", action, net_id,
		       json_pack("{s:s, s:s, s:s}", "container", container_id, "name", net_name,
				 "type", driver));
}

static int save_state(struct container *c, const json_t *settings, const json_t *extra,
		      berth_error_t **err)
{
	cleanup_json json_t *j = json_pack("{s:O, s:O}", "Settings", settings, "Extra", extra);
	cleanup_free char *text = bjson_dump(j);
	cleanup_free char *path = xasprintf("%s/" NETWORK_FILE, c->dir);
	return atomic_write_file(path, text, strlen(text), 0600, err);
}

static void unlink_state(struct container *c)
{
	cleanup_free char *path = xasprintf("%s/" NETWORK_FILE, c->dir);
	if (unlink(path) < 0 && errno != ENOENT)
		log_warn("container %.12s: remove '%s': %s, ignoring", c->id, path,
			 strerror(errno));
}

/* The default bridge's gateway address (for host-gateway); NULL when unknown */
static char *default_gateway(struct network_store *ns)
{
	cleanup_json json_t *j = NULL;
	cleanup_error berth_error_t *e = NULL;
	if (!ns || network_inspect(ns, "bridge", &j, &e) < 0)
		return NULL;
	json_t *cfg = json_array_get(json_object_get(json_object_get(j, "IPAM"), "Config"), 0);
	const char *gw = json_string_value(json_object_get(cfg, "Gateway"));
	return gw && *gw ? xstrdup(gw) : NULL;
}

static bool wants_host_gateway(const json_t *hc)
{
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(hc, "ExtraHosts"), i, e)
	{
		const char *s = json_string_value(e);
		if (s && strstr(s, "host-gateway"))
			return true;
	}
	return false;
}

/* ---- create ------------------------------------------------------------------- */

static int conflicting_modes(berth_error_t **err)
{
	return berth_error_fail(err, EINVAL,
				"conflicting options: cannot attach both user-defined and "
				"non-user-defined network-modes");
}

/* name and driver of ref; a network that does not exist (yet) keeps the
 * name given and an empty driver: as docker 28, start reports it */
static int lookup_or_keep(struct network_store *ns, const char *ref, char **ret_name,
			  char **ret_driver, berth_error_t **err)
{
	cleanup_error berth_error_t *e = NULL;
	if (network_lookup(ns, ref, NULL, ret_name, ret_driver, &e) == 0)
		return 0;
	if (e->errnum != ENOENT) {
		int r = berth_error_code(e);
		*err = steal_pointer(&e);
		return r;
	}
	*ret_name = xstrdup(ref);
	*ret_driver = xstrdup("");
	return 0;
}

static bool driver_special(const char *drv)
{
	return strcmp(drv, "host") == 0 || strcmp(drv, "null") == 0;
}

int network_check_create(struct container_manager *m, struct container *c, berth_error_t **err)
{
	struct network_store *ns = m->d->networks;
	const char *g = json_string_value(json_object_get(c->host_config, "NetworkMode"));
	bool dflt = !g || !*g || strcmp(g, "default") == 0;
	json_t *eps_in = json_object_get(c->net_config, "EndpointsConfig");
	if (eps_in && !json_is_object(eps_in) && !json_is_null(eps_in))
		return berth_error_fail(err, EINVAL,
					"NetworkingConfig.EndpointsConfig: want an object, got %s",
					bjson_type_name(eps_in));
	/* a copy: setting NetworkMode below frees the string g points to */
	cleanup_free char *mode = xstrdup(dflt ? "bridge" : g);
	json_object_set_new(c->host_config, "NetworkMode", json_string(mode));
	if (mode_is_container(mode)) {
		/* the container is looked up at each start, as docker does */
		if (!mode[10])
			return berth_error_fail(err, EINVAL, "invalid network mode: %s", mode);
		json_object_set_new(c->net_config, "EndpointsConfig", json_object());
		return 0;
	}
	if (!ns)
		return 0;

	cleanup_free char *pname = NULL, *pdrv = NULL;
	if (lookup_or_keep(ns, mode, &pname, &pdrv, err) < 0)
		return -1;
	bool special = driver_special(pdrv) || mode_is(mode, "host") || mode_is(mode, "none");
	cleanup_json json_t *eps = json_object();
	json_t *pe = json_object_get(eps_in, mode);
	if (!pe)
		pe = json_object_get(eps_in, pname);
	if (!pe && dflt)
		pe = json_object_get(eps_in, "default");
	json_object_set_new(eps, pname, json_is_object(pe) ? json_deep_copy(pe) : json_object());

	const char *key;
	json_t *v;
	json_object_foreach(eps_in, key, v)
	{
		if (strcmp(key, mode) == 0 || strcmp(key, pname) == 0 ||
		    (dflt && strcmp(key, "default") == 0))
			continue;
		cleanup_free char *name = NULL, *drv = NULL;
		if (lookup_or_keep(ns, key, &name, &drv, err) < 0)
			return -1;
		if (json_object_get(eps, name))
			continue;
		if (special || driver_special(drv))
			return conflicting_modes(err);
		json_object_set_new(eps, name,
				    json_is_object(v) ? json_deep_copy(v) : json_object());
	}
	/* the default bridge has no service discovery and no user addresses
	 * (moby's validateEndpointSettings) */
	json_t *be = json_object_get(eps, "bridge");
	if (json_array_size(json_object_get(be, "Aliases")) > 0)
		return berth_error_fail(
			err, EINVAL,
			"network-scoped alias is supported only for containers in user "
			"defined networks");
	const char *ip = json_string_value(
		json_object_get(json_object_get(be, "IPAMConfig"), "IPv4Address"));
	if (ip && *ip)
		return berth_error_fail(err, EINVAL,
					"user specified IP address is supported on user defined "
					"networks only");
	json_object_set(c->net_config, "EndpointsConfig", eps);
	return 0;
}

/* ---- start ---------------------------------------------------------------------- */

struct attached {
	char *id, *name, *driver;
};

/* What activate reads from the container under its lock */
struct activate_input {
	char *mode;
	json_t *eps;
	json_t *bindings, *exposed;
	bool publish_all;
	bool host_gateway;
	char *name, *hostname, *domainname;
};

static void activate_input_release(struct activate_input *ai)
{
	free(ai->mode);
	json_decref(ai->eps);
	json_decref(ai->bindings);
	json_decref(ai->exposed);
	free(ai->name);
	free(ai->hostname);
	free(ai->domainname);
}

static void activate_input_read(struct container *c, struct activate_input *ai)
{
	pthread_mutex_lock(&c->lock);
	ai->mode = xstrdup(net_mode(c));
	json_t *eps = json_object_get(c->net_config, "EndpointsConfig");
	ai->eps = json_is_object(eps) ? json_deep_copy(eps) : json_object();
	json_t *legacy = json_object_get(ai->eps, "default"); /* created before networks */
	if (legacy) {
		if (!json_object_get(ai->eps, "bridge"))
			json_object_set(ai->eps, "bridge", legacy);
		json_object_del(ai->eps, "default");
	}
	ai->bindings = json_deep_copy(json_object_get(c->host_config, "PortBindings"));
	ai->exposed = json_deep_copy(json_object_get(c->config, "ExposedPorts"));
	ai->publish_all = json_is_true(json_object_get(c->host_config, "PublishAllPorts"));
	ai->host_gateway = wants_host_gateway(c->host_config);
	ai->name = xstrdup(c->name);
	const char *h = json_string_value(json_object_get(c->config, "Hostname"));
	ai->hostname = h && *h ? xstrdup(h) : xstrndup(c->id, 12);
	const char *dn = json_string_value(json_object_get(c->config, "Domainname"));
	ai->domainname = dn && *dn ? xstrdup(dn) : NULL;
	json_decref(c->net_settings);
	c->net_settings = NULL;
	json_decref(c->net_extra);
	c->net_extra = NULL;
	pthread_mutex_unlock(&c->lock);
}

/* Install extra (and settings, may be NULL) as the run's state and point
 * the spec input into it */
static void activate_commit(struct container *c, json_t *settings, json_t *extra, bool active,
			    struct spec_input *in)
{
	pthread_mutex_lock(&c->lock);
	json_decref(c->net_settings);
	c->net_settings = settings;
	json_decref(c->net_extra);
	c->net_extra = extra;
	c->net_active = active;
	in->netns_path = json_string_value(json_object_get(extra, "NetnsPath"));
	in->hosts_extra = json_string_value(json_object_get(extra, "Hosts"));
	in->embedded_dns = json_is_true(json_object_get(extra, "DNS"));
	in->host_gateway = json_string_value(json_object_get(extra, "Gateway"));
	pthread_mutex_unlock(&c->lock);
}

/* container:<x>: x's namespace, x's address line for /etc/hosts */
static int activate_join(struct container_manager *m, struct container *c, const char *mode,
			 json_t *extra, berth_error_t **err)
{
	struct container *x = NULL;
	if (container_get(m, mode + 10, &x, err) < 0)
		return -1;
	pthread_mutex_lock(&x->lock);
	bool running = x->state == CONTAINER_RUNNING || x->state == CONTAINER_PAUSED;
	char *path = NULL;
	if (running) {
		const char *p = json_string_value(json_object_get(x->net_extra, "NetnsPath"));
		path = p ? xstrdup(p) : xasprintf("/proc/%d/ns/net", (int)x->pid);
		json_t *hosts = json_object_get(x->net_extra, "Hosts");
		if (hosts)
			json_object_set(extra, "Hosts", hosts);
		json_object_set(extra, "DNS", json_object_get(x->net_extra, "DNS"));
	}
	pthread_mutex_unlock(&x->lock);
	int r = 0;
	if (!running)
		r = berth_error_fail(err, EBUSY,
				     "cannot join network of a non running container: %s",
				     mode + 10);
	else
		json_object_set_new(extra, "NetnsPath", json_string(path));
	free(path);
	container_put(x);
	(void)c;
	return r;
}

/* Undo a partial bridge activation */
static void activate_undo(struct network_store *ns, const char *cid, struct attached *att,
			  size_t n_att, bool published, bool dns, const char *path)
{
	if (dns)
		network_dns_detach(ns, cid);
	if (published)
		network_unpublish(ns, cid);
	for (size_t i = n_att; i-- > 0;) {
		cleanup_error berth_error_t *e = NULL;
		if (network_detach(ns, att[i].id, cid, &e) < 0)
			log_warn("container %.12s: detach from %s: %s, ignoring", cid, att[i].name,
				 e->msg);
	}
	cleanup_error berth_error_t *e = NULL;
	if (netns_remove(path, &e) < 0)
		log_warn("container %.12s: %s, ignoring", cid, e->msg);
}

/* The networks of eps in attach order: NetworkMode's first */
static json_t *attach_order(const char *mode, const json_t *eps, const char *primary_name)
{
	json_t *order = json_array();
	(void)mode;
	if (json_object_get(eps, primary_name))
		json_array_append_new(order, json_string(primary_name));
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)eps, k, v) if (strcmp(k, primary_name) != 0)
		json_array_append_new(order, json_string(k));
	return order;
}

static int activate_bridge(struct container_manager *m, struct container *c,
			   const struct activate_input *ai, json_t *extra, json_t **ret_settings,
			   berth_error_t **err)
{
	struct network_store *ns = m->d->networks;
	cleanup_free char *dir = netns_dir(m);
	cleanup_free char *path = netns_file(m, c);
	cleanup_free char *pid = NULL, *pname = NULL;
	if (network_lookup(ns, ai->mode, &pid, &pname, NULL, err) < 0)
		return -1;
	if (!json_object_get(ai->eps, pname))
		json_object_set_new(ai->eps, pname, json_object());
	if (netns_dir_prepare(dir, err) < 0)
		return -1;
	netns_remove(path, NULL); /* a run that berthd did not see end */
	if (netns_create(path, err) < 0)
		return -1;
	cleanup_close int fd = -1;
	if (netns_open(path, &fd, err) < 0) {
		netns_remove(path, NULL);
		return -1;
	}

	cleanup_json json_t *order = attach_order(ai->mode, ai->eps, pname);
	size_t n = json_array_size(order);
	struct attached *att = xcalloc(n + 1, sizeof(*att));
	size_t n_att = 0;
	bool published = false, dns = false;
	cleanup_json json_t *networks = json_object();
	cleanup_json json_t *ifaces = json_object();
	json_t *ports = NULL;
	const char *ports_net = NULL;
	int r = 0;
	for (size_t i = 0; i < n && r >= 0; i++) {
		const char *ref = json_string_value(json_array_get(order, i));
		struct attached *a = &att[n_att];
		if (network_lookup(ns, ref, &a->id, &a->name, &a->driver, err) < 0) {
			r = -1;
			break;
		}
		char ifname[24];
		snprintf(ifname, sizeof(ifname), "eth%zu", n_att);
		/* docker gives the default bridge no aliases */
		cleanup_json json_t *epc = json_deep_copy(json_object_get(ai->eps, ref));
		if (strcmp(a->name, "bridge") == 0 && json_is_object(epc))
			json_object_del(epc, "Aliases");
		struct network_attach na = {
			.container_id = c->id,
			.container_name = ai->name,
			.netns_fd = fd,
			.ifname = ifname,
			.default_route = n_att == 0,
			.endpoint_config = epc,
		};
		json_t *eps = NULL;
		if (network_attach(ns, a->id, &na, &eps, err) < 0) {
			free(a->id);
			free(a->name);
			free(a->driver);
			*a = (struct attached){ 0 };
			r = -1;
			break;
		}
		n_att++;
		json_object_set_new(networks, a->name, eps);
		json_object_set_new(ifaces, a->id, json_string(ifname));
		if (!ports_net && strcmp(a->driver, "bridge") == 0)
			ports_net = a->id;
		if (network_has_dns(ns, a->id))
			dns = true;
	}
	if (r >= 0 && ports_net) {
		r = network_publish(ns, c->id, ports_net, ai->bindings, ai->exposed,
				    ai->publish_all, &ports, err);
		published = r >= 0;
	}
	if (r >= 0 && dns) {
		r = network_dns_attach(ns, c->id, fd, err);
		if (r < 0)
			dns = false;
	}
	if (r < 0) {
		activate_undo(ns, c->id, att, n_att, published, dns, path);
		for (size_t i = 0; i < n_att; i++) {
			free(att[i].id);
			free(att[i].name);
			free(att[i].driver);
		}
		free(att);
		json_decref(ports);
		return -1;
	}

	char sandbox[65];
	digest_random_hex(sandbox);
	json_t *s =
		settings_blank(sandbox, path, ports ? ports : json_object(), json_incref(networks));
	settings_mirror_bridge(s);
	/* /etc/hosts: the container's address with its hostname, as docker */
	json_t *first = json_object_get(networks, att[0].name);
	const char *ip = json_string_value(json_object_get(first, "IPAddress"));
	if (ip && *ip) {
		char *line = ai->domainname ? xasprintf("%s\t%s.%s %s\n", ip, ai->hostname,
							ai->domainname, ai->hostname) :
					      xasprintf("%s\t%s\n", ip, ai->hostname);
		json_object_set_new(extra, "Hosts", json_string(line));
		free(line);
	}
	json_object_set_new(extra, "NetnsPath", json_string(path));
	json_object_set_new(extra, "DNS", json_boolean(dns));
	json_object_set(extra, "Ifaces", ifaces);
	json_object_set_new(extra, "PortsNetwork",
			    ports_net ? json_string(ports_net) : json_null());
	r = save_state(c, s, extra, err);
	if (r < 0) {
		activate_undo(ns, c->id, att, n_att, published, dns, path);
		json_decref(s);
	} else {
		for (size_t i = 0; i < n_att; i++)
			publish_event(m, "connect", att[i].id, att[i].name, att[i].driver, c->id);
		*ret_settings = s;
	}
	for (size_t i = 0; i < n_att; i++) {
		free(att[i].id);
		free(att[i].name);
		free(att[i].driver);
	}
	free(att);
	return r;
}

/* none: a namespace of berth's own too, only for its lo being up (as
 * docker's); no endpoint */
static int activate_none(struct container_manager *m, struct container *c, json_t *extra,
			 json_t **ret_settings, berth_error_t **err)
{
	cleanup_free char *dir = netns_dir(m);
	cleanup_free char *path = netns_file(m, c);
	cleanup_free char *id = NULL;
	if (network_lookup(m->d->networks, "none", &id, NULL, NULL, err) < 0 ||
	    netns_dir_prepare(dir, err) < 0)
		return -1;
	netns_remove(path, NULL);
	if (netns_create(path, err) < 0)
		return -1;
	char sandbox[65];
	digest_random_hex(sandbox);
	json_t *ep = endpoint_blank();
	json_object_set_new(ep, "NetworkID", json_string(id));
	json_t *s = settings_blank(sandbox, path, json_object(), json_pack("{s:o}", "none", ep));
	json_object_set_new(extra, "NetnsPath", json_string(path));
	if (save_state(c, s, extra, err) < 0) {
		netns_remove(path, NULL);
		json_decref(s);
		return -1;
	}
	*ret_settings = s;
	return 0;
}

int network_activate(struct container_manager *m, struct container *c, struct spec_input *in,
		     berth_error_t **err)
{
	struct network_store *ns = m->d->networks;
	int64_t t0 = mono_us();
	struct activate_input ai = { 0 };
	activate_input_read(c, &ai);
	in->netns_path = NULL;
	in->hosts_extra = NULL;
	in->embedded_dns = false;
	in->host_gateway = NULL;

	json_t *extra = json_object();
	if (ai.host_gateway) {
		char *gw = default_gateway(ns);
		if (gw)
			json_object_set_new(extra, "Gateway", json_string(gw));
		free(gw);
	}
	json_t *settings = NULL;
	bool active = false;
	int r = 0;
	if (mode_is_container(ai.mode)) {
		r = activate_join(m, c, ai.mode, extra, err);
	} else if (ns && mode_is(ai.mode, "none")) {
		r = activate_none(m, c, extra, &settings, err);
		active = r >= 0;
	} else if (ns && !mode_is(ai.mode, "host")) {
		r = activate_bridge(m, c, &ai, extra, &settings, err);
		active = r >= 0;
		if (r < 0) /* docker 28's words */
			berth_error_wrap(err, "failed to set up container networking");
	}
	log_debug("container %.12s: network %s set up in %lld us", c->id, ai.mode,
		  (long long)(mono_us() - t0));
	activate_input_release(&ai);
	if (r < 0) {
		json_decref(extra);
		return -1;
	}
	activate_commit(c, settings, extra, active, in);
	return 0;
}

/* ---- stop ------------------------------------------------------------------------ */

void network_deactivate(struct container_manager *m, struct container *c)
{
	struct network_store *ns = m->d->networks;
	cleanup_free char *path = netns_file(m, c);
	cleanup_error berth_error_t *e = NULL;
	if (!c->net_active) {
		json_decref(c->net_extra);
		c->net_extra = NULL;
		/* a run that ended while no berthd watched: its namespace (and
		 * the veths in it) go; the store forgot its endpoints already */
		cleanup_free char *state = xasprintf("%s/" NETWORK_FILE, c->dir);
		struct stat st;
		if (stat(state, &st) == 0) {
			if (netns_remove(path, &e) < 0)
				log_warn("container %.12s: %s, ignoring", c->id, e->msg);
			unlink_state(c);
		}
		return;
	}
	int64_t t0 = mono_us();
	network_unpublish(ns, c->id);
	network_dns_detach(ns, c->id);
	/* the namespace first: the kernel then takes the veth pairs down with it
	 * in its own worker, and the detaches below find them gone (a veth
	 * deleted here instead costs an RCU grace period, ~17 ms, on the exit
	 * path of every `run --rm`) */
	if (netns_remove(path, &e) < 0)
		log_warn("container %.12s: %s, ignoring", c->id, e->msg);
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(c->net_settings, "Networks"), k, v)
	{
		const char *id = json_string_value(json_object_get(v, "NetworkID"));
		const char *ep = json_string_value(json_object_get(v, "EndpointID"));
		cleanup_error berth_error_t *de = NULL;
		/* a stopped container shows the network's id, as docker */
		json_t *cfg = json_object_get(json_object_get(c->net_config, "EndpointsConfig"), k);
		if (json_is_object(cfg) && id)
			json_object_set_new(cfg, "NetworkID", json_string(id));
		if (!ep || !*ep)
			continue; /* none: no endpoint */
		if (!id || network_detach(ns, id, c->id, &de) < 0) {
			log_warn("container %.12s: detach from %s: %s, ignoring", c->id, k,
				 de ? de->msg : "no NetworkID");
			continue;
		}
		cleanup_free char *drv = NULL;
		if (network_lookup(ns, id, NULL, NULL, &drv, NULL) == 0)
			publish_event(m, "disconnect", id, k, drv, c->id);
	}
	unlink_state(c);
	json_decref(c->net_settings);
	c->net_settings = NULL;
	json_decref(c->net_extra);
	c->net_extra = NULL;
	c->net_active = false;
	log_debug("container %.12s: network %s taken down in %lld us", c->id, net_mode(c),
		  (long long)(mono_us() - t0));
}

/* ---- adoption after a berthd restart ---------------------------------------------- */

void network_readopt(struct container_manager *m, struct container *c)
{
	struct network_store *ns = m->d->networks;
	if (c->net_active || !ns)
		return;
	cleanup_free char *path = xasprintf("%s/" NETWORK_FILE, c->dir);
	cleanup_json json_t *j = NULL;
	cleanup_error berth_error_t *e = NULL;
	if (bjson_load_file(path, NETWORK_FILE_MAX, 32, &j, &e) < 0) {
		if (e->errnum != ENOENT)
			log_warn("container %.12s: %s, ignoring", c->id, e->msg);
		return;
	}
	json_t *s = json_object_get(j, "Settings");
	json_t *extra = json_object_get(j, "Extra");
	if (!json_is_object(s) || !json_is_object(extra)) {
		log_warn("container %.12s: '%s' is not berth's network state, ignoring", c->id,
			 path);
		return;
	}
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(s, "Networks"), k, v)
	{
		const char *id = json_string_value(json_object_get(v, "NetworkID"));
		const char *ep = json_string_value(json_object_get(v, "EndpointID"));
		cleanup_error berth_error_t *ae = NULL;
		if (!ep || !*ep)
			continue;
		if (!id || network_adopt(ns, id, c->id, c->name, v, &ae) < 0)
			log_warn("container %.12s: adopt its endpoint on %s: %s, ignoring", c->id,
				 k, ae ? ae->msg : "no NetworkID");
	}
	const char *pn = json_string_value(json_object_get(extra, "PortsNetwork"));
	json_t *ports = json_object_get(s, "Ports");
	if (pn && json_object_size(ports) > 0) {
		cleanup_error berth_error_t *pe = NULL;
		if (network_republish(ns, c->id, pn, ports, &pe) < 0)
			log_warn("container %.12s: publish its ports again: %s, ignoring", c->id,
				 pe->msg);
	}
	const char *nsp = json_string_value(json_object_get(extra, "NetnsPath"));
	if (json_is_true(json_object_get(extra, "DNS")) && nsp) {
		cleanup_close int fd = -1;
		cleanup_error berth_error_t *de = NULL;
		if (netns_open(nsp, &fd, &de) < 0 || network_dns_attach(ns, c->id, fd, &de) < 0)
			log_warn("container %.12s: serve its DNS again: %s, ignoring", c->id,
				 de->msg);
	}
	json_decref(c->net_settings);
	c->net_settings = json_incref(s);
	json_decref(c->net_extra);
	c->net_extra = json_incref(extra);
	c->net_active = true;
}

/* ---- reading ------------------------------------------------------------------------ */

json_t *network_inspect_settings(struct container *c)
{
	if (c->net_settings)
		return json_deep_copy(c->net_settings);
	json_t *nets = json_object();
	const char *mode = net_mode(c);
	if (!mode_is_container(mode)) {
		const char *k;
		json_t *v;
		json_object_foreach(json_object_get(c->net_config, "EndpointsConfig"), k, v)
		{
			json_t *ep = endpoint_blank();
			const char *keep[] = { "IPAMConfig", "Links",     "Aliases",
					       "DriverOpts", "NetworkID", "MacAddress" };
			for (size_t i = 0; json_is_object(v) && i < sizeof(keep) / sizeof(keep[0]);
			     i++) {
				json_t *x = json_object_get(v, keep[i]);
				if (x)
					json_object_set(ep, keep[i], x);
			}
			json_object_set_new(nets, strcmp(k, "default") == 0 ? "bridge" : k, ep);
		}
		if (json_object_size(nets) == 0 && (mode_is(mode, "host") || mode_is(mode, "none")))
			json_object_set_new(nets, mode, endpoint_blank());
	}
	return settings_blank("", "", json_object(), nets);
}

json_t *network_list_ports(struct container *c)
{
	json_t *out = json_array();
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(c->net_settings, "Ports"), k, v)
	{
		char proto[8] = "tcp";
		unsigned long port = strtoul(k, NULL, 10);
		const char *slash = strchr(k, '/');
		if (slash)
			snprintf(proto, sizeof(proto), "%s", slash + 1);
		if (!json_is_array(v) || json_array_size(v) == 0) {
			json_array_append_new(out, json_pack("{s:i, s:s}", "PrivatePort", (int)port,
							     "Type", proto));
			continue;
		}
		size_t i;
		json_t *b;
		json_array_foreach(v, i, b)
		{
			const char *ip = json_string_value(json_object_get(b, "HostIp"));
			const char *hp = json_string_value(json_object_get(b, "HostPort"));
			json_array_append_new(out, json_pack("{s:s, s:i, s:i, s:s}", "IP",
							     ip && *ip ? ip : "0.0.0.0",
							     "PrivatePort", (int)port, "PublicPort",
							     hp ? (int)strtoul(hp, NULL, 10) : 0,
							     "Type", proto));
		}
	}
	return out;
}

/* ---- connect / disconnect ------------------------------------------------------------- */

/* The first ethN that no endpoint of the run uses */
static char *free_ifname(const json_t *ifaces)
{
	for (unsigned i = 0; i < MAX_IFACES; i++) {
		char name[16];
		snprintf(name, sizeof(name), "eth%u", i);
		bool used = false;
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)ifaces, k,
				    v) if (json_string_value(v) &&
					   strcmp(json_string_value(v), name) == 0) used = true;
		if (!used)
			return xstrdup(name);
	}
	return NULL;
}

static int connect_running(struct container_manager *m, struct container *c, const char *id,
			   const char *name, const json_t *epc, berth_error_t **err)
{
	struct network_store *ns = m->d->networks;
	json_t *ifaces = json_object_get(c->net_extra, "Ifaces");
	if (!json_is_object(ifaces)) {
		ifaces = json_object();
		json_object_set_new(c->net_extra, "Ifaces", ifaces);
	}
	cleanup_free char *ifname = free_ifname(ifaces);
	if (!ifname)
		return berth_error_fail(err, ENOSPC, "container %s has too many networks", c->name);
	const char *nsp = json_string_value(json_object_get(c->net_extra, "NetnsPath"));
	cleanup_close int fd = -1;
	if (!nsp || netns_open(nsp, &fd, err) < 0)
		return nsp ? -1 :
			     berth_error_fail(err, EINVAL, "container %s has no network namespace",
					      c->name);
	struct network_attach na = {
		.container_id = c->id,
		.container_name = c->name,
		.netns_fd = fd,
		.ifname = ifname,
		.default_route = false,
		.endpoint_config = epc,
	};
	json_t *eps = NULL;
	if (network_attach(ns, id, &na, &eps, err) < 0)
		return -1;
	bool had_dns = json_is_true(json_object_get(c->net_extra, "DNS"));
	if (!had_dns && network_has_dns(ns, id)) {
		cleanup_error berth_error_t *de = NULL;
		struct spec_input in = { .id = c->id,
					 .config = c->config,
					 .host_config = c->host_config,
					 .container_dir = c->dir,
					 .embedded_dns = true };
		if (network_dns_attach(ns, c->id, fd, &de) < 0 ||
		    spec_rewrite_resolv_conf(&in, &de) < 0)
			log_warn("container %.12s: serve DNS: %s, ignoring", c->id, de->msg);
		else
			json_object_set_new(c->net_extra, "DNS", json_true());
	}
	json_object_set_new(json_object_get(c->net_settings, "Networks"), name, eps);
	json_object_set_new(ifaces, id, json_string(ifname));
	settings_mirror_bridge(c->net_settings);
	cleanup_error berth_error_t *se = NULL;
	if (save_state(c, c->net_settings, c->net_extra, &se) < 0)
		log_warn("container %.12s: %s, ignoring", c->id, se->msg);
	return 0;
}

static void mode_conflict_check(const struct container *c, const char *driver, bool *bad)
{
	const char *mode = net_mode(c);
	*bad = mode_is(mode, "host") || mode_is(mode, "none") || mode_is_container(mode) ||
	       strcmp(driver, "host") == 0 || strcmp(driver, "null") == 0;
}

int container_network_connect(struct container_manager *m, struct container *c,
			      const char *network_ref, const json_t *endpoint_config,
			      berth_error_t **err)
{
	struct network_store *ns = m->d->networks;
	if (!ns)
		return berth_error_fail(err, ENOTSUP, "networks are not available");
	cleanup_free char *id = NULL, *name = NULL, *drv = NULL;
	if (network_lookup(ns, network_ref, &id, &name, &drv, err) < 0)
		return -1;
	pthread_mutex_lock(&c->lock);
	bool bad;
	mode_conflict_check(c, drv, &bad);
	int r = 0;
	json_t *eps = json_object_get(c->net_config, "EndpointsConfig");
	if (bad) {
		r = berth_error_fail(err, EINVAL,
				     "container cannot be disconnected from host network or "
				     "connected to host network");
	} else if (json_object_get(eps, name) ||
		   json_object_get(json_object_get(c->net_settings, "Networks"), name)) {
		r = berth_error_fail(err, EEXIST,
				     "endpoint with name %s already exists in network %s", c->name,
				     name);
	} else if (c->net_active) {
		r = connect_running(m, c, id, name, endpoint_config, err);
	}
	if (r >= 0) {
		if (!json_is_object(eps)) {
			eps = json_object();
			json_object_set_new(c->net_config, "EndpointsConfig", eps);
		}
		json_object_set_new(eps, name,
				    json_is_object(endpoint_config) ?
					    json_deep_copy(endpoint_config) :
					    json_object());
		container_save_or_log(c);
	}
	bool running = c->net_active;
	pthread_mutex_unlock(&c->lock);
	if (r < 0)
		return -1;
	if (running)
		publish_event(m, "connect", id, name, drv, c->id);
	return 0;
}

int container_network_disconnect(struct container_manager *m, struct container *c,
				 const char *network_ref, bool force, berth_error_t **err)
{
	struct network_store *ns = m->d->networks;
	if (!ns)
		return berth_error_fail(err, ENOTSUP, "networks are not available");
	cleanup_free char *id = NULL, *name = NULL, *drv = NULL;
	if (network_lookup(ns, network_ref, &id, &name, &drv, err) < 0)
		return -1;
	pthread_mutex_lock(&c->lock);
	bool bad;
	mode_conflict_check(c, drv, &bad);
	json_t *eps = json_object_get(c->net_config, "EndpointsConfig");
	json_t *nets = json_object_get(c->net_settings, "Networks");
	bool in_config = json_object_get(eps, name) != NULL;
	bool attached = c->net_active && json_object_get(nets, name) != NULL;
	int r = 0;
	if (bad && (in_config || attached)) {
		r = berth_error_fail(err, EINVAL,
				     "container cannot be disconnected from host network or "
				     "connected to host network");
	} else if (!in_config && !attached) {
		if (!force)
			r = berth_error_fail(err, ENOENT,
					     "container %s is not connected to network %s", c->id,
					     name);
		pthread_mutex_unlock(&c->lock);
		return r;
	}
	if (r >= 0 && attached) {
		const char *pn = json_string_value(json_object_get(c->net_extra, "PortsNetwork"));
		if (pn && strcmp(pn, id) == 0)
			network_unpublish(ns, c->id);
		cleanup_error berth_error_t *de = NULL;
		if (network_detach(ns, id, c->id, &de) < 0 && !force) {
			r = berth_error_fail(err, de->errnum, "%s", de->msg);
		} else {
			json_object_del(nets, name);
			json_object_del(json_object_get(c->net_extra, "Ifaces"), id);
			settings_mirror_bridge(c->net_settings);
			if (strcmp(name, "bridge") == 0) {
				cleanup_json json_t *blank =
					settings_blank("", "", json_object(), json_object());
				const char *keys[] = { "EndpointID", "Gateway", "IPAddress",
						       "IPPrefixLen", "MacAddress" };
				for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
					json_object_set(c->net_settings, keys[i],
							json_object_get(blank, keys[i]));
			}
			cleanup_error berth_error_t *se = NULL;
			if (save_state(c, c->net_settings, c->net_extra, &se) < 0)
				log_warn("container %.12s: %s, ignoring", c->id, se->msg);
		}
	}
	if (r >= 0) {
		json_object_del(eps, name);
		container_save_or_log(c);
	}
	pthread_mutex_unlock(&c->lock);
	if (r < 0)
		return -1;
	if (attached)
		publish_event(m, "disconnect", id, name, drv, c->id);
	return 0;
}
