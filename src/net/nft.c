/* nft: render berth's whole nftables state as one script and apply it in a
 * single libnftables transaction ("add table; delete table; table {...}"),
 * so the kernel goes from the old tables to the new ones at once.  Every
 * name that reaches the script is checked first ([A-Za-z0-9_.-], shorter
 * than IFNAMSIZ): no quote or brace from anywhere can change its meaning. */
#include "net/nft.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <nftables/libnftables.h>
#include <pthread.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

#include "common/banned.h"

static bool ifname_valid(const char *s)
{
	if (!s || !*s || strlen(s) >= IFNAMSIZ)
		return false;
	for (const char *p = s; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

/* The first thing of s that cannot be rendered, as a message; NULL if none */
static char *state_check(const struct nft_state *s)
{
	for (size_t i = 0; i < s->n_networks; i++) {
		const struct nft_network *n = &s->networks[i];
		if (!ifname_valid(n->bridge))
			return xasprintf("invalid bridge name '%s'", n->bridge ? n->bridge : "");
		if (n->subnet.prefix > 32)
			return xasprintf("invalid prefix length %u of '%s'", n->subnet.prefix,
					 n->bridge);
	}
	for (size_t i = 0; i < s->n_ports; i++) {
		const struct nft_port *p = &s->ports[i];
		if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP)
			return xasprintf("invalid protocol %d of port %u", p->proto, p->host_port);
	}
	return NULL;
}

static void add_addr(struct strbuf *sb, struct in_addr a)
{
	char buf[INET_ADDRSTRLEN];
	if (!inet_ntop(AF_INET, &a, buf, sizeof(buf)))
		buf[0] = '\0';
	strbuf_addstr(sb, buf);
}

/* "a.b.c.d/n" with the host bits cleared, whatever the caller passed */
static void add_net(struct strbuf *sb, const struct ipv4_net *n)
{
	uint32_t mask = n->prefix == 0 ? 0 : UINT32_MAX << (32 - n->prefix);
	add_addr(sb, (struct in_addr){ .s_addr = htonl(ntohl(n->addr.s_addr) & mask) });
	strbuf_addf(sb, "/%u", n->prefix);
}

static bool same_bridge_seen(const struct nft_state *s, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (strcmp(s->networks[k].bridge, s->networks[i].bridge) == 0)
			return true;
	return false;
}

/* iifname "B" oifname { every other berth bridge } drop */
static void add_isolation(struct strbuf *sb, const struct nft_state *s, size_t i)
{
	const char *b = s->networks[i].bridge;
	size_t n_other = 0;
	for (size_t k = 0; k < s->n_networks; k++)
		if (strcmp(s->networks[k].bridge, b) != 0 && !same_bridge_seen(s, k))
			n_other++;
	if (n_other == 0)
		return;
	strbuf_addf(sb, "\t\tiifname \"%s\" oifname { ", b);
	bool first = true;
	for (size_t k = 0; k < s->n_networks; k++) {
		if (strcmp(s->networks[k].bridge, b) == 0 || same_bridge_seen(s, k))
			continue;
		strbuf_addf(sb, "%s\"%s\"", first ? "" : ", ", s->networks[k].bridge);
		first = false;
	}
	strbuf_addstr(sb, " } drop\n");
}

static void add_ip_table(struct strbuf *sb, const struct nft_state *s)
{
	strbuf_addstr(sb, "table ip " NFT_TABLE " {\n"
			  "\tchain prerouting {\n"
			  "\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
			  "\t\tfib daddr type local jump ports\n"
			  "\t}\n"
			  "\tchain output {\n"
			  "\t\ttype nat hook output priority -100; policy accept;\n"
			  "\t\tfib daddr type local jump ports\n"
			  "\t}\n"
			  "\tchain ports {\n");
	for (size_t i = 0; i < s->n_ports; i++) {
		const struct nft_port *p = &s->ports[i];
		const char *proto = p->proto == IPPROTO_TCP ? "tcp" : "udp";
		strbuf_addstr(sb, "\t\t");
		if (p->host_ip.s_addr != INADDR_ANY) {
			strbuf_addstr(sb, "ip daddr ");
			add_addr(sb, p->host_ip);
			strbuf_addch(sb, ' ');
		}
		strbuf_addf(sb, "%s dport %u dnat to ", proto, p->host_port);
		add_addr(sb, p->ctr_ip);
		strbuf_addf(sb, ":%u\n", p->ctr_port);
	}
	strbuf_addstr(sb, "\t}\n"
			  "\tchain postrouting {\n"
			  "\t\ttype nat hook postrouting priority srcnat; policy accept;\n");
	for (size_t i = 0; i < s->n_networks; i++) {
		const struct nft_network *n = &s->networks[i];
		if (!n->masquerade || n->internal)
			continue;
		strbuf_addstr(sb, "\t\tip saddr ");
		add_net(sb, &n->subnet);
		strbuf_addf(sb, " oifname != \"%s\" masquerade\n", n->bridge);
	}
	/* 127.0.0.1:<port> on the host, DNATed in output, leaves with a
	 * loopback source the container cannot answer: give it the bridge's */
	for (size_t i = 0; i < s->n_networks; i++)
		if (!same_bridge_seen(s, i))
			strbuf_addf(sb, "\t\tip saddr 127.0.0.0/8 oifname \"%s\" masquerade\n",
				    s->networks[i].bridge);
	strbuf_addstr(sb, "\t}\n"
			  "\tchain forward {\n"
			  "\t\ttype filter hook forward priority filter; policy accept;\n");
	for (size_t i = 0; i < s->n_networks; i++) {
		const struct nft_network *n = &s->networks[i];
		if (same_bridge_seen(s, i))
			continue;
		add_isolation(sb, s, i);
		if (n->internal) {
			strbuf_addf(sb, "\t\tiifname \"%s\" oifname != \"%s\" drop\n", n->bridge,
				    n->bridge);
			strbuf_addf(sb, "\t\toifname \"%s\" iifname != \"%s\" drop\n", n->bridge,
				    n->bridge);
		}
	}
	strbuf_addstr(sb, "\t}\n"
			  "}\n");
}

/* icc off.  Frames forwarded by a bridge between two of its ports are the
 * traffic between two containers of its network (anything for the host or
 * another network is delivered up to the bridge device, not forwarded).
 * nft's "meta ibrname" would name the bridge, but needs nft_meta_bridge
 * (CONFIG_NFT_BRIDGE_META), which kernels may lack ("Operation not
 * supported"); the network's subnet identifies it as well, since berth's
 * subnets do not overlap. */
static void add_bridge_table(struct strbuf *sb, const struct nft_state *s)
{
	strbuf_addstr(sb, "table bridge " NFT_TABLE " {\n"
			  "\tchain forward {\n"
			  "\t\ttype filter hook forward priority filter; policy accept;\n");
	for (size_t i = 0; i < s->n_networks; i++) {
		const struct nft_network *n = &s->networks[i];
		if (n->icc)
			continue;
		strbuf_addstr(sb, "\t\tip saddr ");
		add_net(sb, &n->subnet);
		strbuf_addstr(sb, " drop\n\t\tip daddr ");
		add_net(sb, &n->subnet);
		strbuf_addstr(sb, " drop\n");
	}
	strbuf_addstr(sb, "\t}\n"
			  "}\n");
}

char *nft_script(const struct nft_state *s)
{
	cleanup_free char *bad = state_check(s);
	if (bad)
		return NULL;
	struct strbuf sb = STRBUF_INIT;
	/* "add" first makes "delete" succeed when the table is absent; the
	 * buffer is one transaction, so nothing is ever half removed */
	strbuf_addstr(&sb, "add table ip " NFT_TABLE "\n"
			   "delete table ip " NFT_TABLE "\n"
			   "add table bridge " NFT_TABLE "\n"
			   "delete table bridge " NFT_TABLE "\n");
	if (s->n_networks == 0 && s->n_ports == 0)
		return strbuf_detach(&sb, NULL);
	add_ip_table(&sb, s);
	bool icc_off = false;
	for (size_t i = 0; i < s->n_networks; i++)
		icc_off |= !s->networks[i].icc;
	if (icc_off)
		add_bridge_table(&sb, s);
	return strbuf_detach(&sb, NULL);
}

/* ---- applying ---- */

/* One libnftables context for the process: making one costs more than the
 * transaction itself (see nft_apply's timing in the tests).  Its netlink
 * socket belongs to the network namespace of the thread that first applies,
 * which is berthd's own (nothing applies from inside netns_run).  The lock
 * serialises users of the context and its buffers. */
static pthread_mutex_t nft_lock = PTHREAD_MUTEX_INITIALIZER;
static struct nft_ctx *nft_shared;

static int nft_get(struct nft_ctx **ret, berth_error_t **err)
{
	if (!nft_shared) {
		struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
		if (!ctx)
			return berth_error_set(err, errno ? errno : ENOMEM,
					       "nft: create a libnftables context");
		/* both to memory: libnftables must never write on berthd's stdio */
		if (nft_ctx_buffer_output(ctx) < 0 || nft_ctx_buffer_error(ctx) < 0) {
			nft_ctx_free(ctx);
			return berth_error_fail(err, EIO, "nft: buffer libnftables output");
		}
		nft_shared = ctx;
	}
	*ret = nft_shared;
	return 0;
}

static int nft_run(const char *script, berth_error_t **err)
{
	struct nft_ctx *ctx = NULL;
	pthread_mutex_lock(&nft_lock);
	int r = nft_get(&ctx, err);
	if (r < 0) {
		pthread_mutex_unlock(&nft_lock);
		return r;
	}
	r = nft_run_cmd_from_buffer(ctx, script);
	/* reading a buffer rewinds it for the next run */
	(void)nft_ctx_get_output_buffer(ctx);
	if (r == 0) {
		(void)nft_ctx_get_error_buffer(ctx);
		pthread_mutex_unlock(&nft_lock);
		return 0;
	}
	cleanup_free char *msg = xstrdup(nft_ctx_get_error_buffer(ctx));
	pthread_mutex_unlock(&nft_lock);
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	const char *m = msg ? msg : "";
	while (*m == ' ' || *m == '\t' || *m == '\n')
		m++;
	strbuf_addstr(&sb, m);
	strbuf_rtrim(&sb);
	return berth_error_fail(err, EIO, "nft: %s", sb.len ? sb.buf : "transaction failed");
}

int nft_apply(const struct nft_state *s, berth_error_t **err)
{
	cleanup_free char *bad = state_check(s);
	if (bad)
		return berth_error_fail(err, EINVAL, "nft: %s", bad);
	cleanup_free char *script = nft_script(s);
	return nft_run(script, err);
}

int nft_remove(berth_error_t **err)
{
	struct nft_state none = { 0 };
	cleanup_free char *script = nft_script(&none);
	return nft_run(script, err);
}
