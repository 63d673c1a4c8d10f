/* networks-internal: what the files of the network store share
 * (networks.c: the store, persistence, devices of a network, rules;
 * endpoints.c: attach/detach/adopt and DNS lookups; ports.c: published
 * ports).  Every function here is called with ns->lock held. */
#ifndef BERTH_DAEMON_NETWORKS_INTERNAL_H
#define BERTH_DAEMON_NETWORKS_INTERNAL_H

#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "daemon/networks/networks.h"
#include "net/ipam.h"
#include "net/nft.h"

struct dns_server;

struct endpoint {
	char container_id[65];
	char *container_name;
	char endpoint_id[65]; /* random 64 hex */
	struct in_addr ip;
	unsigned char mac[6];
	char *host_ifname; /* the veth on the host; NULL for macvlan */
	json_t *aliases;   /* array of strings (the request's Aliases) */
	json_t *dns_names; /* name, aliases, short id: what DNS answers for */
	bool static_ip;    /* IPAMConfig.IPv4Address */
	/* macvlan (endpoints.c): the device inside and a dup of the container's
	 * netns (owned when ifname is set), to delete the device at detach:
	 * it has no host side that would take it along */
	char *ifname;
	int netns_fd;
	struct endpoint *next;
};

struct network {
	char id[65];
	char *name;
	char *driver;       /* "bridge", "host", "null", "macvlan" */
	char *bridge;       /* device: berth0 or br-<id12>; NULL for other drivers */
	char *parent;       /* macvlan: the parent link */
	char *macvlan_mode; /* macvlan: "bridge" */
	bool has_subnet;    /* host/null have none */
	bool user_subnet;   /* the IPAM config gave the subnet (--ip allowed) */
	struct ipv4_net subnet;
	bool has_range;
	struct ipv4_net range;
	struct in_addr gateway;
	struct ipam_pool *pool; /* NULL without a subnet */
	bool internal, attachable, icc, masquerade, predefined;
	unsigned mtu;
	json_t *options; /* Options as given (object) */
	json_t *labels;  /* object */
	int64_t created_ns;
	struct endpoint *endpoints;
};

struct published {
	char container_id[65];
	struct nft_port rule;
	int reserve_fd; /* the bound socket holding the host port */
	struct published *next;
};

struct network_store {
	pthread_mutex_t lock;
	char *dir; /* <data_root>/networks */
	struct network_config cfg;
	char *bip; /* owned copy of cfg.bip */
	struct network **v;
	size_t n, alloc;
	struct published *ports;
	struct dns_server *dns;
};

/* ---- networks.c ---- */
/* By full id, name, or unique id prefix; NULL when none (or ambiguous) */
struct network *network_find(struct network_store *ns, const char *ref);
struct network *network_find_id(struct network_store *ns, const char *id);
/* Write <dir>/<id>.json atomically */
int network_save(struct network_store *ns, const struct network *n, berth_error_t **err);
/* Apply berth's nftables tables from every bridge network and published port */
int network_rules_sync(struct network_store *ns, berth_error_t **err);
/* Count of endpoints over every network */
size_t network_endpoint_count(const struct network_store *ns);

/* ---- endpoints.c ---- */
struct endpoint *endpoint_find(struct network *n, const char *container_id);
void endpoint_free(struct endpoint *e);
/* EndpointSettings of e on n as inspect shows them (caller owns) */
json_t *endpoint_settings(const struct network *n, const struct endpoint *e);
/* The resolve callback of the DNS server (ctx: the store; takes the lock) */
size_t endpoint_dns_resolve(void *ctx, const char *container_id, const char *name,
			    struct in_addr *ret, size_t max);

/* ---- ports.c ---- */
/* The nft_port rules of every published port (caller frees the array) */
struct nft_port *ports_rules(const struct network_store *ns, size_t *ret_n);
void ports_free_all(struct network_store *ns);

#endif
