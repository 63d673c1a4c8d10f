/* ipam: IPv4 address management for berth's networks (pure: no I/O).
 * A pool is one network's subnet, an optional ip-range inside it where
 * dynamic addresses come from, and the gateway; the network and broadcast
 * addresses and the gateway are never handed out.  Allocation takes the
 * lowest free address of the range, so a container's address is
 * predictable (172.18.0.2 first) as with docker. */
#ifndef BERTH_NET_IPAM_H
#define BERTH_NET_IPAM_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

struct ipv4_net {
	struct in_addr addr; /* network byte order, host bits zero */
	unsigned prefix;     /* 0..32 */
};

/* "172.18.0.0/16"; EINVAL "invalid subnet 'x'" ; host bits set are an
 * error as docker's: "invalid subnet 172.18.0.1/16: it should be 172.18.0.0/16" */
int ipv4_net_parse(const char *s, struct ipv4_net *ret, berth_error_t **err);
/* "172.18.0.0/16" (caller frees) */
char *ipv4_net_format(const struct ipv4_net *n);
/* Parse a dotted address; EINVAL "invalid IPv4 address 'x'" */
int ipv4_addr_parse(const char *s, struct in_addr *ret, berth_error_t **err);
bool ipv4_net_contains(const struct ipv4_net *n, struct in_addr a);
bool ipv4_net_overlaps(const struct ipv4_net *a, const struct ipv4_net *b);

struct ipam_pool;

/* subnet /8../30; range (NULL: the whole subnet) must lie in subnet;
 * gateway 0 (INADDR_ANY): the first host address of the subnet.  EINVAL
 * with the reason ("ip-range 'x' is not within subnet 'y'", "gateway ...
 * is not within subnet ...") */
int ipam_pool_new(const struct ipv4_net *subnet, const struct ipv4_net *range,
		  struct in_addr gateway, struct ipam_pool **ret, berth_error_t **err);
void ipam_pool_free(struct ipam_pool *p);
struct in_addr ipam_pool_gateway(const struct ipam_pool *p);
const struct ipv4_net *ipam_pool_subnet(const struct ipam_pool *p);
/* A static address (--ip): EINVAL when outside the subnet or the
 * network/broadcast/gateway address, EEXIST "Address already in use" */
int ipam_pool_reserve(struct ipam_pool *p, struct in_addr a, berth_error_t **err);
/* The lowest free address of the range; ENOSPC "no available IPv4
 * addresses on this network's address pools: name (id)" is the caller's
 * to word: the error here is ENOSPC "no free address in 'subnet'" */
int ipam_pool_allocate(struct ipam_pool *p, struct in_addr *ret, berth_error_t **err);
/* Free an address (no-op when not in use) */
void ipam_pool_release(struct ipam_pool *p, struct in_addr a);
bool ipam_pool_in_use(const struct ipam_pool *p, struct in_addr a);

/* docker's default address pools: 172.17.0.0/16 .. 172.31.0.0/16, then
 * 192.168.0.0/20 .. 192.168.240.0/20.  The first that overlaps none of
 * avoid[]; ENOSPC "could not find an available, non-overlapping IPv4
 * address pool among the defaults to assign to the network" */
int ipam_default_subnet(const struct ipv4_net *avoid, size_t n_avoid, struct ipv4_net *ret,
			berth_error_t **err);

/* docker's MAC for an address: 02:42 then the four address bytes */
void ipam_mac_from_ip(struct in_addr a, unsigned char mac[6]);
/* "02:42:ac:11:00:02" into buf (18 bytes) */
void ipam_mac_format(const unsigned char mac[6], char buf[18]);

#endif
