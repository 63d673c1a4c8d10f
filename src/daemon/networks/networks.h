/* networks: berthd's networks, as docker's libnetwork shows them through
 * the Engine API: the predefined "bridge" (device berth0), "host" and
 * "none", user-defined bridge networks (device br-<id12>) and macvlan
 * networks.  A network is <data_root>/networks/<id>.json (written
 * atomically); its devices and berth's nftables tables are derived state,
 * recreated at open and removed at close when no container is attached.
 * Endpoints (a container's place on a network: address, MAC, veth,
 * aliases) live in memory; the container manager saves them in the
 * container's NetworkSettings and re-adopts them after a restart.
 * Thread-safe: one mutex guards everything; the embedded DNS server's
 * thread takes it for each lookup. */
#ifndef BERTH_DAEMON_NETWORKS_NETWORKS_H
#define BERTH_DAEMON_NETWORKS_NETWORKS_H

#include <jansson.h>
#include <stdbool.h>

#include "common/error.h"

struct network_store;

#define NETWORK_DEFAULT_BRIDGE "berth0"

struct network_config {
	const char *bip; /* daemon.json "bip": the default bridge's gateway/prefix, NULL: a default
			    pool */
	bool icc;        /* daemon.json "icc" (default true) for the default bridge */
	unsigned mtu;    /* daemon.json "mtu", 0: 1500 */
};

/* Open (creating) <data_root>/networks: load the networks, add bridge,
 * host and none when missing, create the bridge devices, remove veths of
 * berth left without a container (a crash), start the DNS server and
 * apply the nftables tables */
int network_store_open(const char *data_root, const struct network_config *cfg,
		       struct network_store **ret, berth_error_t **err);
/* Stop the DNS server; when no endpoint is attached, delete the bridges
 * and berth's nftables tables (they come back at the next open) */
void network_store_close(struct network_store *ns);

/* ---- the /networks API (api/networks.c) ----------------------------------- */

/* POST /networks/create: Name, Driver ("bridge" default, "macvlan"),
 * Internal, Attachable, EnableIPv6 (refused: EINVAL), IPAM {Driver
 * "default", Config [{Subnet, IPRange, Gateway}]}, Options, Labels.
 * EEXIST (409) "network with name x already exists"; EINVAL for bad
 * input; EPERM (403) for the host/null drivers ("only one instance of
 * \"host\" network is allowed").  *ret {Id, Warning} (caller owns). */
int network_create(struct network_store *ns, const json_t *body, json_t **ret, berth_error_t **err);
/* GET /networks/{id}: by full id, name, or unique id prefix (as docker);
 * ENOENT "network x not found".  docker's shape with Containers. */
int network_inspect(struct network_store *ns, const char *ref, json_t **ret, berth_error_t **err);
/* GET /networks: filters dangling, driver, id, label, name, scope, type
 * (builtin/custom); an array in docker's shape (without Containers) */
int network_list(struct network_store *ns, const json_t *filters, json_t **ret,
		 berth_error_t **err);
/* DELETE /networks/{id}: EPERM (403) for predefined networks ("bridge is
 * a pre-defined network and cannot be removed"), EBUSY (403 in docker)
 * "error while removing network: network x id y has active endpoints" */
int network_remove(struct network_store *ns, const char *ref, berth_error_t **err);
/* POST /networks/prune: user-defined networks without endpoints matching
 * filters (until, label, label!); *ret {NetworksDeleted: [names]} */
int network_prune(struct network_store *ns, const json_t *filters, json_t **ret,
		  berth_error_t **err);

/* ---- for the container manager --------------------------------------------- */

/* The network ref names: *ret_id, *ret_name, *ret_driver ("bridge",
 * "host", "null", "macvlan"), each may be NULL (caller frees); ENOENT
 * "network x not found" */
int network_lookup(struct network_store *ns, const char *ref, char **ret_id, char **ret_name,
		   char **ret_driver, berth_error_t **err);
/* True for networks with the embedded DNS (every network but the
 * predefined ones) */
bool network_has_dns(struct network_store *ns, const char *network_id);

struct network_attach {
	const char *container_id;      /* 64 hex */
	const char *container_name;    /* without '/' */
	int netns_fd;                  /* the container's network namespace */
	const char *ifname;            /* the device inside: eth0, eth1, ... */
	bool default_route;            /* the first network: the default route via its gateway */
	const json_t *endpoint_config; /* EndpointSettings of the request (IPAMConfig.IPv4Address,
					* Aliases, MacAddress), may be NULL */
};
/* Put the container on network ref: an address (static or the lowest
 * free), a veth pair (host side veth<7 hex> on the bridge, the peer named
 * a->ifname inside with docker's MAC) or a macvlan device, the address and
 * routes inside, the endpoint recorded (for inspect, DNS, removal).
 * *ret: the EndpointSettings as inspect shows them (caller owns).
 * EEXIST "endpoint with name x already exists in network y"; EINVAL for a
 * --ip outside the subnet or on a network without a user-set subnet
 * ("user specified IP address is supported only when connecting to
 * networks with user configured subnets"); EEXIST "Address already in use" */
int network_attach(struct network_store *ns, const char *ref, const struct network_attach *a,
		   json_t **ret, berth_error_t **err);
/* Take the container off the network: delete the host side device (the
 * peer goes with it), release the address, forget the endpoint; ENOENT
 * when it has no endpoint there */
int network_detach(struct network_store *ns, const char *network_id, const char *container_id,
		   berth_error_t **err);
/* After a berthd restart, for a container still running: record the
 * endpoint from its saved EndpointSettings (the address is reserved
 * again; no device is touched) */
int network_adopt(struct network_store *ns, const char *network_id, const char *container_id,
		  const char *container_name, const json_t *settings, berth_error_t **err);

/* Publish the container's ports to its address on network_id (a bridge
 * network): HostConfig.PortBindings {"80/tcp": [{HostIp, HostPort}]}
 * (HostPort "" or "0": a free port from 32768-60999; "8000-8010": the
 * first free one), and with publish_all every ExposedPorts entry on a
 * random port.  Each host port is held by a bound socket (so that nothing
 * else takes it and a taken port is EADDRINUSE "Bind for 0.0.0.0:8080
 * failed: port is already allocated"), then the DNAT rules are applied.
 * *ret: NetworkSettings.Ports as docker shows it (caller owns). */
int network_publish(struct network_store *ns, const char *container_id, const char *network_id,
		    const json_t *port_bindings, const json_t *exposed_ports, bool publish_all,
		    json_t **ret, berth_error_t **err);
/* Publish again exactly the ports of a saved NetworkSettings.Ports (adopt) */
int network_republish(struct network_store *ns, const char *container_id, const char *network_id,
		      const json_t *ports, berth_error_t **err);
/* Drop the container's published ports (no-op when none) */
void network_unpublish(struct network_store *ns, const char *container_id);

/* Serve the embedded DNS (127.0.0.11:53) inside the container's
 * namespace: names and aliases of the containers on its user-defined
 * networks, everything else forwarded to the host's resolvers */
int network_dns_attach(struct network_store *ns, const char *container_id, int netns_fd,
		       berth_error_t **err);
void network_dns_detach(struct network_store *ns, const char *container_id);

#endif
