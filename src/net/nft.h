/* nft: berth's packet filtering and NAT, as tables of berth's own
 * ("table ip berth" and "table bridge berth") that nothing else touches.
 * The whole state is rendered to nft text and applied in one libnftables
 * transaction (delete + add), so the kernel never holds half a ruleset and
 * removing berth's rules is deleting its tables.
 *
 * ip berth: nat prerouting/output jump to "ports" for local destinations
 * (the output hook too, so that 127.0.0.1:<port> on the host works),
 * "ports" holds one DNAT per published port; postrouting masquerades a
 * network's subnet leaving by another interface (not for internal
 * networks) and traffic from 127.0.0.0/8 into a bridge (the 127.0.0.1
 * path; the bridge also needs route_localnet=1, the caller's sysctl);
 * filter forward drops traffic between two different berth bridges
 * (isolation) and out of an internal network.
 * bridge berth: forward drops IPv4 between two ports of a bridge whose
 * network has icc off. */
#ifndef BERTH_NET_NFT_H
#define BERTH_NET_NFT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "net/ipam.h"

#define NFT_TABLE "berth"

struct nft_network {
	const char *bridge; /* not owned; the bridge device */
	struct ipv4_net subnet;
	bool icc;      /* containers of this network may talk to each other */
	bool internal; /* no traffic in or out of the network but between its containers */
	bool masquerade;
};

struct nft_port {
	int proto;              /* IPPROTO_TCP or IPPROTO_UDP */
	struct in_addr host_ip; /* INADDR_ANY: every local address */
	uint16_t host_port;
	struct in_addr ctr_ip;
	uint16_t ctr_port;
};

struct nft_state {
	const struct nft_network *networks;
	size_t n_networks;
	const struct nft_port *ports;
	size_t n_ports;
};

/* The nft script that replaces berth's tables with s (pure; caller frees).
 * With no networks and no ports it only deletes the tables.  NULL when a
 * bridge is not a valid interface name ([A-Za-z0-9_.-], < IFNAMSIZ) or a
 * proto is neither TCP nor UDP (nft_apply says which: EINVAL). */
char *nft_script(const struct nft_state *s);
/* Run nft_script(s) through libnftables; EIO with nft's own message */
int nft_apply(const struct nft_state *s, berth_error_t **err);
/* Delete berth's tables if present */
int nft_remove(berth_error_t **err);

#endif
