/* ports: a container's published ports (docker's -p/-P).  Each host port
 * is held by a socket bound in the host's namespace (never listening), so
 * that nothing else takes it and two publications of one port collide at
 * bind() as docker's "port is already allocated"; the traffic itself goes
 * through the DNAT rules network_rules_sync renders from ns->ports.
 * IPv4 only: an IPv6 HostIp ("::") is skipped. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/parse.h"
#include "common/xalloc.h"
#include "daemon/networks/networks-internal.h"

/* One host port to publish: host_lo..host_hi is where it may go (0..0:
 * anywhere in the ephemeral range) */
struct port_req {
	char key[16]; /* "80/tcp": the NetworkSettings.Ports key */
	int proto;
	uint16_t ctr_port;
	struct in_addr host_ip;
	uint16_t host_lo, host_hi;
};

#define PORT_EPHEMERAL_LO 32768
#define PORT_EPHEMERAL_HI 60999
#define PORT_MAX_REQUESTS 65536 /* a cap on what one request may publish */

/* "80/tcp", "53/udp", "80" (tcp) → proto, port and the canonical key */
static int port_key_parse(const char *s, int *ret_proto, uint16_t *ret_port, char key[16],
			  berth_error_t **err)
{
	const char *slash = strchr(s, '/');
	cleanup_free char *num = slash ? xstrndup(s, (size_t)(slash - s)) : xstrdup(s);
	const char *proto = slash ? slash + 1 : "tcp";
	int64_t port;
	if (parse_int_range(num, 1, 65535, &port, NULL) < 0)
		return berth_error_fail(err, EINVAL, "invalid port '%s'", s);
	if (strcasecmp(proto, "tcp") == 0)
		*ret_proto = IPPROTO_TCP;
	else if (strcasecmp(proto, "udp") == 0)
		*ret_proto = IPPROTO_UDP;
	else
		return berth_error_fail(err, EINVAL,
					"invalid port '%s': protocol '%s' is not supported", s,
					proto);
	*ret_port = (uint16_t)port;
	snprintf(key, 16, "%u/%s", (unsigned)port, *ret_proto == IPPROTO_TCP ? "tcp" : "udp");
	return 0;
}

/* HostPort: "" or "0" (random), "8080", "8000-8010" */
static int host_port_parse(const char *s, uint16_t *lo, uint16_t *hi, berth_error_t **err)
{
	int64_t a, b;
	*lo = *hi = 0;
	if (!s || !*s || strcmp(s, "0") == 0)
		return 0;
	const char *dash = strchr(s, '-');
	if (!dash) {
		if (parse_int_range(s, 1, 65535, &a, NULL) < 0)
			return berth_error_fail(err, EINVAL, "invalid host port '%s'", s);
		*lo = *hi = (uint16_t)a;
		return 0;
	}
	cleanup_free char *first = xstrndup(s, (size_t)(dash - s));
	if (parse_int_range(first, 1, 65535, &a, NULL) < 0 ||
	    parse_int_range(dash + 1, 1, 65535, &b, NULL) < 0 || b < a)
		return berth_error_fail(err, EINVAL, "invalid host port range '%s'", s);
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

static void reqs_push(struct port_req **v, size_t *n, size_t *alloc, const struct port_req *r)
{
	*v = xgrow(*v, alloc, *n + 1, sizeof(**v));
	(*v)[(*n)++] = *r;
}

/* Turn PortBindings (and with publish_all the ExposedPorts nobody bound)
 * into requests.  *ret_ports is NetworkSettings.Ports with every key
 * (exposed or bound) set to null, for the caller to fill.  Pure. */
static int ports_parse(const json_t *bindings, const json_t *exposed, bool publish_all,
		       struct port_req **ret, size_t *ret_n, json_t **ret_ports,
		       berth_error_t **err)
{
	cleanup_free struct port_req *v = NULL;
	size_t n = 0, alloc = 0;
	cleanup_json json_t *ports = json_object();
	const char *k;
	json_t *val;

	if (bindings && !json_is_null(bindings) && !json_is_object(bindings))
		return berth_error_fail(err, EINVAL, "PortBindings: expected an object");
	if (exposed && !json_is_null(exposed) && !json_is_object(exposed))
		return berth_error_fail(err, EINVAL, "ExposedPorts: expected an object");

	json_object_foreach((json_t *)exposed, k, val)
	{
		struct port_req r = { 0 };
		if (port_key_parse(k, &r.proto, &r.ctr_port, r.key, err) < 0)
			return berth_error_wrap(err, "ExposedPorts");
		json_object_set_new(ports, r.key, json_null());
	}
	json_object_foreach((json_t *)bindings, k, val)
	{
		struct port_req r = { 0 };
		size_t i;
		json_t *b;
		if (port_key_parse(k, &r.proto, &r.ctr_port, r.key, err) < 0)
			return berth_error_wrap(err, "PortBindings");
		json_object_set_new(ports, r.key, json_null());
		if (val && !json_is_null(val) && !json_is_array(val))
			return berth_error_fail(err, EINVAL, "PortBindings.%s: expected an array",
						k);
		json_array_foreach(val, i, b)
		{
			if (!json_is_object(b))
				return berth_error_fail(err, EINVAL,
							"PortBindings.%s[%zu]: expected an object",
							k, i);
			const char *ip = json_string_value(json_object_get(b, "HostIp"));
			const char *hp = json_string_value(json_object_get(b, "HostPort"));
			if (ip && strchr(ip, ':'))
				continue; /* IPv6: berth's networks are IPv4 only */
			r.host_ip.s_addr = INADDR_ANY;
			if (ip && *ip && inet_pton(AF_INET, ip, &r.host_ip) != 1)
				return berth_error_fail(err, EINVAL, "invalid host IP address '%s'",
							ip);
			if (host_port_parse(hp, &r.host_lo, &r.host_hi, err) < 0)
				return -1;
			if (n >= PORT_MAX_REQUESTS)
				return berth_error_fail(err, E2BIG, "too many published ports");
			reqs_push(&v, &n, &alloc, &r);
		}
	}
	if (publish_all) {
		json_object_foreach((json_t *)exposed, k, val)
		{
			struct port_req r = { 0 };
			port_key_parse(k, &r.proto, &r.ctr_port, r.key, NULL);
			bool bound = false;
			for (size_t i = 0; i < n && !bound; i++)
				bound = strcmp(v[i].key, r.key) == 0;
			if (bound)
				continue;
			if (n >= PORT_MAX_REQUESTS)
				return berth_error_fail(err, E2BIG, "too many published ports");
			reqs_push(&v, &n, &alloc, &r);
		}
	}
	*ret = steal_pointer(&v);
	*ret_n = n;
	*ret_ports = steal_pointer(&ports);
	return 0;
}

/* ---- holding host ports ---------------------------------------------------------- */

static void ephemeral_range(unsigned *lo, unsigned *hi)
{
	*lo = PORT_EPHEMERAL_LO;
	*hi = PORT_EPHEMERAL_HI;
	char buf[64];
	cleanup_close int fd = open("/proc/sys/net/ipv4/ip_local_port_range", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return;
	buf[n] = '\0';
	char *end;
	errno = 0;
	unsigned long a = strtoul(buf, &end, 10);
	unsigned long b = strtoul(end, &end, 10);
	if (errno == 0 && a >= 1 && a <= b && b <= 65535) {
		*lo = (unsigned)a;
		*hi = (unsigned)b;
	}
}

/* Bind proto's socket to ip:port: the fd, or -errno */
static int port_bind(int proto, struct in_addr ip, uint16_t port)
{
	int type = proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
	cleanup_close int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* no SO_REUSEADDR: two non-listening sockets with it may share a port */
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr = ip, .sin_port = htons(port) };
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return take_fd(&fd);
}

static int port_reserve(const struct port_req *r, uint16_t *ret_port, int *ret_fd,
			berth_error_t **err)
{
	char ip[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &r->host_ip, ip, sizeof(ip));
	unsigned lo = r->host_lo, hi = r->host_hi, start = lo;
	if (lo == 0) {
		uint32_t rnd = 0;
		ephemeral_range(&lo, &hi);
		if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			rnd = (uint32_t)getpid();
		start = lo + rnd % (hi - lo + 1);
	}
	unsigned span = hi - lo + 1;
	for (unsigned i = 0; i < span; i++) {
		unsigned port = lo + (start - lo + i) % span;
		int fd = port_bind(r->proto, r->host_ip, (uint16_t)port);
		if (fd >= 0) {
			*ret_port = (uint16_t)port;
			*ret_fd = fd;
			return 0;
		}
		if (fd != -EADDRINUSE)
			return berth_error_set(err, -fd, "listen %s4 %s:%u: bind",
					       r->proto == IPPROTO_UDP ? "udp" : "tcp", ip, port);
	}
	if (r->host_lo == 0)
		return berth_error_fail(err, EADDRINUSE, "all ports are allocated");
	if (r->host_lo == r->host_hi)
		return berth_error_fail(err, EADDRINUSE,
					"Bind for %s:%u failed: port is already allocated", ip,
					r->host_lo);
	return berth_error_fail(err, EADDRINUSE,
				"Bind for %s:%u-%u failed: port is already allocated", ip,
				r->host_lo, r->host_hi);
}

static void published_free_list(struct published *p)
{
	while (p) {
		struct published *next = p->next;
		if (p->reserve_fd >= 0)
			close(p->reserve_fd);
		free(p);
		p = next;
	}
}

/* Unlink the container's entries from ns->ports into a list of their own
 * (NULL: none) */
static struct published *ports_take(struct network_store *ns, const char *container_id)
{
	struct published *taken = NULL, **tail = &taken;
	struct published **p = &ns->ports;
	while (*p) {
		struct published *q = *p;
		if (strcmp(q->container_id, container_id) == 0) {
			*p = q->next;
			q->next = NULL;
			*tail = q;
			tail = &q->next;
			continue;
		}
		p = &q->next;
	}
	return taken;
}

static void rules_sync_or_log(struct network_store *ns, const char *what)
{
	cleanup_error berth_error_t *err = NULL;
	if (network_rules_sync(ns, &err) < 0)
		log_warn("update the port rules after %s: %s, ignoring", what, err->msg);
}

/* ---- publish, republish, unpublish -------------------------------------------- */

static int publish_locked(struct network_store *ns, const char *container_id,
			  const char *network_id, const struct port_req *reqs, size_t n_reqs,
			  json_t *ports, berth_error_t **err)
{
	struct network *n = network_find_id(ns, network_id);
	if (!n)
		n = network_find(ns, network_id);
	if (!n)
		return berth_error_fail(err, ENOENT, "network %s not found", network_id);
	if (!n->driver || strcmp(n->driver, "bridge") != 0)
		return 0; /* docker publishes on bridge networks only, and ignores the rest */
	struct endpoint *e = endpoint_find(n, container_id);
	if (!e)
		return berth_error_fail(err, ENOENT,
					"container %.12s is not connected to network %s",
					container_id, n->name);

	/* publishing again replaces: the old ports go first, or a fixed one
	 * would collide with itself */
	struct published *old = ports_take(ns, container_id);
	bool had_old = old != NULL;
	published_free_list(old);

	struct published *fresh = NULL, **tail = &fresh;
	for (size_t i = 0; i < n_reqs; i++) {
		struct published *p = xzalloc(sizeof(*p));
		snprintf(p->container_id, sizeof(p->container_id), "%s", container_id);
		p->rule.proto = reqs[i].proto;
		p->rule.host_ip = reqs[i].host_ip;
		p->rule.ctr_ip = e->ip;
		p->rule.ctr_port = reqs[i].ctr_port;
		p->reserve_fd = -1;
		*tail = p;
		tail = &p->next;
		if (port_reserve(&reqs[i], &p->rule.host_port, &p->reserve_fd, err) < 0) {
			published_free_list(fresh);
			if (had_old)
				rules_sync_or_log(ns, "a failed publish");
			return -1;
		}
	}
	*tail = ns->ports;
	ns->ports = fresh;
	if (fresh && network_rules_sync(ns, err) < 0) {
		published_free_list(ports_take(ns, container_id));
		rules_sync_or_log(ns, "a failed publish");
		return berth_error_wrap(err, "publish the ports of %.12s", container_id);
	}
	if (!fresh && had_old)
		rules_sync_or_log(ns, "publishing no port");

	size_t i = 0;
	/* fresh's tail now runs on into the other containers' entries */
	for (struct published *p = fresh; p && i < n_reqs; p = p->next, i++) {
		char ip[INET_ADDRSTRLEN], port[8];
		inet_ntop(AF_INET, &p->rule.host_ip, ip, sizeof(ip));
		snprintf(port, sizeof(port), "%u", p->rule.host_port);
		json_t *arr = json_object_get(ports, reqs[i].key);
		if (!json_is_array(arr)) {
			arr = json_array();
			json_object_set_new(ports, reqs[i].key, arr);
		}
		json_array_append_new(arr, json_pack("{s:s, s:s}", "HostIp", ip, "HostPort", port));
	}
	return 0;
}

int network_publish(struct network_store *ns, const char *container_id, const char *network_id,
		    const json_t *port_bindings, const json_t *exposed_ports, bool publish_all,
		    json_t **ret, berth_error_t **err)
{
	cleanup_free struct port_req *reqs = NULL;
	size_t n_reqs = 0;
	cleanup_json json_t *ports = NULL;
	if (ports_parse(port_bindings, exposed_ports, publish_all, &reqs, &n_reqs, &ports, err) < 0)
		return -1;
	pthread_mutex_lock(&ns->lock);
	int r = publish_locked(ns, container_id, network_id, reqs, n_reqs, ports, err);
	pthread_mutex_unlock(&ns->lock);
	if (r < 0)
		return r;
	*ret = steal_pointer(&ports);
	return 0;
}

int network_republish(struct network_store *ns, const char *container_id, const char *network_id,
		      const json_t *ports, berth_error_t **err)
{
	/* a saved Ports object has PortBindings' shape with every port fixed */
	cleanup_json json_t *out = NULL;
	return network_publish(ns, container_id, network_id, ports, NULL, false, &out, err);
}

void network_unpublish(struct network_store *ns, const char *container_id)
{
	pthread_mutex_lock(&ns->lock);
	struct published *taken = ports_take(ns, container_id);
	if (taken) {
		published_free_list(taken);
		rules_sync_or_log(ns, "unpublishing");
	}
	pthread_mutex_unlock(&ns->lock);
}

struct nft_port *ports_rules(const struct network_store *ns, size_t *ret_n)
{
	size_t n = 0;
	for (const struct published *p = ns->ports; p; p = p->next)
		n++;
	struct nft_port *v = xcalloc(n ? n : 1, sizeof(*v));
	size_t i = 0;
	for (const struct published *p = ns->ports; p; p = p->next)
		v[i++] = p->rule;
	*ret_n = n;
	return v;
}

void ports_free_all(struct network_store *ns)
{
	published_free_list(ns->ports);
	ns->ports = NULL;
}
