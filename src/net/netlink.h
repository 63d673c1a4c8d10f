/* netlink: the rtnetlink requests berthd's networking needs (links,
 * addresses, routes), over libmnl.  A socket belongs to the network
 * namespace it was opened in (nl_open_in), so one socket serves one
 * namespace and no thread has to stay inside a container's namespace.
 * Every request waits for the kernel's ACK and turns a NLMSGERR into an
 * error naming the request and the device. */
#ifndef BERTH_NET_NETLINK_H
#define BERTH_NET_NETLINK_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

struct nl_sock;

/* A NETLINK_ROUTE socket in the calling thread's network namespace */
int nl_open(struct nl_sock **ret, berth_error_t **err);
/* A NETLINK_ROUTE socket inside the namespace netns_fd (the thread enters
 * it for the socket() call only and comes back) */
int nl_open_in(int netns_fd, struct nl_sock **ret, berth_error_t **err);
void nl_close(struct nl_sock *s); /* NULL is fine */
static inline void nl_closep(struct nl_sock **s)
{
	nl_close(*s);
}
#define cleanup_nl __attribute__((cleanup(nl_closep)))

/* ifindex of name; ENOENT "link 'x' not found" */
int nl_link_index(struct nl_sock *s, const char *name, unsigned *ret, berth_error_t **err);
bool nl_link_exists(struct nl_sock *s, const char *name);

/* A bridge named name (EEXIST when a link of that name exists), down;
 * mtu 0: the kernel's default */
int nl_bridge_add(struct nl_sock *s, const char *name, unsigned mtu, berth_error_t **err);
/* A veth pair: host_name here, peer_name created directly inside the
 * namespace peer_netns_fd (-1: here too), both down; mtu 0: default.
 * mac (6 bytes, may be NULL) is the peer's address. */
int nl_veth_add(struct nl_sock *s, const char *host_name, const char *peer_name, int peer_netns_fd,
		unsigned mtu, const unsigned char *mac, berth_error_t **err);
/* A macvlan device (mode "bridge", "private", "vepa" or "passthru") on
 * parent (a link here), created directly inside netns_fd as name */
int nl_macvlan_add(struct nl_sock *s, const char *name, const char *parent, const char *mode,
		   int netns_fd, unsigned mtu, const unsigned char *mac, berth_error_t **err);
/* A dummy link (tests: a macvlan parent) */
int nl_dummy_add(struct nl_sock *s, const char *name, berth_error_t **err);
/* Delete a link; ENOENT when it is not there */
int nl_link_del(struct nl_sock *s, const char *name, berth_error_t **err);
int nl_link_set_up(struct nl_sock *s, const char *name, bool up, berth_error_t **err);
/* Enslave name to the bridge master (NULL: release it) */
int nl_link_set_master(struct nl_sock *s, const char *name, const char *master,
		       berth_error_t **err);
int nl_link_set_mtu(struct nl_sock *s, const char *name, unsigned mtu, berth_error_t **err);
int nl_link_rename(struct nl_sock *s, const char *name, const char *new_name, berth_error_t **err);
/* MTU of a link (for the bridge's MTU default: the parent's or 1500) */
int nl_link_mtu(struct nl_sock *s, const char *name, unsigned *ret, berth_error_t **err);
/* Names of the links whose name starts with prefix (caller frees each and
 * the array); for removing leftovers after a crash */
int nl_link_names(struct nl_sock *s, const char *prefix, char ***ret, size_t *ret_n,
		  berth_error_t **err);

/* Add addr/prefix to name (EEXIST when it is there already) */
int nl_addr_add(struct nl_sock *s, const char *name, struct in_addr addr, unsigned prefix,
		berth_error_t **err);
/* The default route via gw on dev (dev may be NULL) */
int nl_route_add_default(struct nl_sock *s, struct in_addr gw, const char *dev,
			 berth_error_t **err);

/* An IPv4 prefix of the main routing table (and of the addresses on the
 * host's links): what a new network's subnet must not overlap */
struct nl_prefix {
	struct in_addr addr;
	unsigned prefix;
};
/* Every IPv4 route of the main table except the default route, plus
 * every IPv4 address's subnet; caller frees *ret */
int nl_ipv4_prefixes(struct nl_sock *s, struct nl_prefix **ret, size_t *ret_n, berth_error_t **err);

#endif
