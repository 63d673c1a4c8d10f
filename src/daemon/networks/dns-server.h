/* dns-server: berthd's embedded DNS server.  One thread serves every
 * container's 127.0.0.11:53 (UDP and TCP sockets created inside the
 * container's network namespace, so the address needs no rule): a query
 * for a name the resolve callback knows is answered at once; any other
 * query is forwarded to the host's resolvers (from /etc/resolv.conf, or
 * systemd-resolved's upstream file when the host uses its stub) from the
 * host's namespace, and the answer relayed; no answer within 5 s is
 * SERVFAIL.  Malformed queries are answered FORMERR or dropped, never
 * crash the thread. */
#ifndef BERTH_DAEMON_NETWORKS_DNS_SERVER_H
#define BERTH_DAEMON_NETWORKS_DNS_SERVER_H

#include <netinet/in.h>
#include <stddef.h>

#include "common/error.h"

struct dns_server;

/* Called on the server's thread: the addresses of name (lower case, no
 * final dot) as container_id sees them; at most max; 0: not a name of
 * ours (forward it) */
typedef size_t (*dns_resolve_fn)(void *ctx, const char *container_id, const char *name,
				 struct in_addr *ret, size_t max);

int dns_server_start(dns_resolve_fn resolve, void *ctx, struct dns_server **ret,
		     berth_error_t **err);
/* Stop the thread and close every socket; NULL is fine */
void dns_server_stop(struct dns_server *s);
/* Serve container_id: bind 127.0.0.11:53 (udp, tcp) inside netns_fd.
 * EEXIST when it is served already. */
int dns_server_add(struct dns_server *s, const char *container_id, int netns_fd,
		   berth_error_t **err);
/* Stop serving container_id (no-op when not served) */
void dns_server_remove(struct dns_server *s, const char *container_id);

/* Forward to addr instead of the host's resolvers: for tests (a fake
 * upstream on 127.0.0.1:<port>).  addr NULL: back to the host's resolv.conf;
 * sin_family AF_UNSPEC: no resolver at all (every forward is SERVFAIL at
 * once).  EINVAL for any other family. */
int dns_server_set_upstream(struct dns_server *s, const struct sockaddr_in *addr);
/* How long a forwarded query (and a TCP client) may take, in ms (default
 * 5000): for tests */
void dns_server_set_timeout(struct dns_server *s, unsigned timeout_ms);

#endif
