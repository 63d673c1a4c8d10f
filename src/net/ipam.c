/* ipam: IPv4 address pools.  A pool is a bitmap over its subnet's host
 * offsets (allocated on first use: a /8 costs 2 MiB, a /16 8 KiB) with the
 * network, broadcast and gateway bits set from the start, so they are never
 * handed out.  Invariant: every offset of the range below `hint` is in use,
 * so the lowest free address is found by scanning from hint. */
#include "net/ipam.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/xalloc.h"

#include "common/banned.h"

#define IPAM_MIN_PREFIX 8
#define IPAM_MAX_PREFIX 30

struct ipam_pool {
	struct ipv4_net subnet;
	struct in_addr gateway;
	uint32_t size;   /* addresses in the subnet */
	uint32_t lo, hi; /* dynamic range as offsets, inclusive; lo > hi: empty */
	uint32_t gw_off; /* the gateway's offset */
	uint32_t hint;   /* every range offset below hint is in use */
	uint64_t *bits;  /* size bits; NULL until the first reserve/allocate */
};

static uint32_t mask_of(unsigned prefix)
{
	return prefix == 0 ? 0 : UINT32_MAX << (32 - prefix);
}

static uint32_t host_u32(struct in_addr a)
{
	return ntohl(a.s_addr);
}

static struct in_addr addr_of(uint32_t h)
{
	return (struct in_addr){ .s_addr = htonl(h) };
}

static void addr_str(struct in_addr a, char buf[INET_ADDRSTRLEN])
{
	if (!inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN))
		buf[0] = '\0';
}

int ipv4_addr_parse(const char *s, struct in_addr *ret, berth_error_t **err)
{
	struct in_addr a;
	/* glibc's inet_pton takes exactly four decimal parts, no leading
	 * zeros or trailing bytes, unlike inet_aton */
	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return berth_error_fail(err, EINVAL, "invalid IPv4 address '%s'", s ? s : "");
	*ret = a;
	return 0;
}

int ipv4_net_parse(const char *s, struct ipv4_net *ret, berth_error_t **err)
{
	if (!s)
		return berth_error_fail(err, EINVAL, "invalid subnet ''");
	const char *slash = strchr(s, '/');
	/* "255.255.255.255" is 15 bytes, the prefix 1-2 digits */
	if (!slash || slash - s >= INET_ADDRSTRLEN || !slash[1] || strlen(slash + 1) > 2)
		return berth_error_fail(err, EINVAL, "invalid subnet '%s'", s);
	unsigned prefix = 0;
	for (const char *p = slash + 1; *p; p++) {
		if (*p < '0' || *p > '9')
			return berth_error_fail(err, EINVAL, "invalid subnet '%s'", s);
		prefix = prefix * 10 + (unsigned)(*p - '0');
	}
	if (prefix > 32 || (slash[1] == '0' && slash[2]))
		return berth_error_fail(err, EINVAL, "invalid subnet '%s'", s);
	char addr[INET_ADDRSTRLEN];
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	struct in_addr a;
	if (inet_pton(AF_INET, addr, &a) != 1)
		return berth_error_fail(err, EINVAL, "invalid subnet '%s'", s);
	uint32_t h = host_u32(a);
	if (h & ~mask_of(prefix)) {
		char want[INET_ADDRSTRLEN];
		addr_str(addr_of(h & mask_of(prefix)), want);
		return berth_error_fail(err, EINVAL, "invalid subnet %s: it should be %s/%u", s,
					want, prefix);
	}
	ret->addr = a;
	ret->prefix = prefix;
	return 0;
}

char *ipv4_net_format(const struct ipv4_net *n)
{
	char a[INET_ADDRSTRLEN];
	addr_str(n->addr, a);
	return xasprintf("%s/%u", a, n->prefix);
}

bool ipv4_net_contains(const struct ipv4_net *n, struct in_addr a)
{
	uint32_t m = mask_of(n->prefix);
	return (host_u32(a) & m) == (host_u32(n->addr) & m);
}

bool ipv4_net_overlaps(const struct ipv4_net *a, const struct ipv4_net *b)
{
	/* two prefixes overlap exactly when one contains the other */
	return ipv4_net_contains(a, b->addr) || ipv4_net_contains(b, a->addr);
}

/* ---- pools ---- */

static bool bit_get(const struct ipam_pool *p, uint32_t off)
{
	return p->bits && (p->bits[off / 64] >> (off % 64)) & 1;
}

static void bit_set(struct ipam_pool *p, uint32_t off)
{
	p->bits[off / 64] |= UINT64_C(1) << (off % 64);
}

static void bit_clear(struct ipam_pool *p, uint32_t off)
{
	if (p->bits)
		p->bits[off / 64] &= ~(UINT64_C(1) << (off % 64));
}

/* The bitmap, made on first need with the never-handed-out bits set */
static void pool_bits(struct ipam_pool *p)
{
	if (p->bits)
		return;
	p->bits = xcalloc((p->size + 63) / 64, sizeof(uint64_t));
	bit_set(p, 0);
	bit_set(p, p->size - 1);
	bit_set(p, p->gw_off);
}

static bool pool_special(const struct ipam_pool *p, uint32_t off)
{
	return off == 0 || off == p->size - 1 || off == p->gw_off;
}

int ipam_pool_new(const struct ipv4_net *subnet, const struct ipv4_net *range,
		  struct in_addr gateway, struct ipam_pool **ret, berth_error_t **err)
{
	cleanup_free char *sub = ipv4_net_format(subnet);
	if (subnet->prefix > 32 || (host_u32(subnet->addr) & ~mask_of(subnet->prefix)))
		return berth_error_fail(err, EINVAL, "invalid subnet '%s'", sub);
	if (subnet->prefix < IPAM_MIN_PREFIX)
		return berth_error_fail(err, EINVAL,
					"subnet '%s' is too large: the prefix must be at least /%d",
					sub, IPAM_MIN_PREFIX);
	if (subnet->prefix > IPAM_MAX_PREFIX)
		return berth_error_fail(err, EINVAL,
					"subnet '%s' is too small: the prefix must be at most /%d",
					sub, IPAM_MAX_PREFIX);
	uint32_t base = host_u32(subnet->addr);
	uint32_t size = UINT32_C(1) << (32 - subnet->prefix);
	uint32_t lo = 1, hi = size - 2;
	if (range) {
		cleanup_free char *r = ipv4_net_format(range);
		if (range->prefix > 32 || (host_u32(range->addr) & ~mask_of(range->prefix)))
			return berth_error_fail(err, EINVAL, "invalid ip-range '%s'", r);
		if (range->prefix < subnet->prefix || !ipv4_net_contains(subnet, range->addr))
			return berth_error_fail(err, EINVAL,
						"ip-range '%s' is not within subnet '%s'", r, sub);
		uint32_t rlo = host_u32(range->addr) - base;
		uint32_t rhi = rlo + ((UINT32_C(1) << (32 - range->prefix)) - 1);
		if (rlo > lo)
			lo = rlo;
		if (rhi < hi)
			hi = rhi;
	}
	uint32_t gw_off = 1;
	if (gateway.s_addr != INADDR_ANY) {
		char g[INET_ADDRSTRLEN];
		addr_str(gateway, g);
		if (!ipv4_net_contains(subnet, gateway))
			return berth_error_fail(err, EINVAL,
						"gateway '%s' is not within subnet '%s'", g, sub);
		gw_off = host_u32(gateway) - base;
		if (gw_off == 0 || gw_off == size - 1)
			return berth_error_fail(err, EINVAL,
						"gateway '%s' is the %s address of subnet '%s'", g,
						gw_off == 0 ? "network" : "broadcast", sub);
	}
	struct ipam_pool *p = xzalloc(sizeof(*p));
	p->subnet = *subnet;
	p->size = size;
	p->lo = lo;
	p->hi = hi;
	p->gw_off = gw_off;
	p->gateway = addr_of(base + gw_off);
	p->hint = lo;
	*ret = p;
	return 0;
}

void ipam_pool_free(struct ipam_pool *p)
{
	if (!p)
		return;
	free(p->bits);
	free(p);
}

struct in_addr ipam_pool_gateway(const struct ipam_pool *p)
{
	return p->gateway;
}

const struct ipv4_net *ipam_pool_subnet(const struct ipam_pool *p)
{
	return &p->subnet;
}

int ipam_pool_reserve(struct ipam_pool *p, struct in_addr a, berth_error_t **err)
{
	char s[INET_ADDRSTRLEN];
	addr_str(a, s);
	if (!ipv4_net_contains(&p->subnet, a)) {
		cleanup_free char *sub = ipv4_net_format(&p->subnet);
		return berth_error_fail(err, EINVAL, "address '%s' is not within subnet '%s'", s,
					sub);
	}
	uint32_t off = host_u32(a) - host_u32(p->subnet.addr);
	if (pool_special(p, off)) {
		cleanup_free char *sub = ipv4_net_format(&p->subnet);
		const char *what = off == p->gw_off ? "gateway" :
				   off == 0         ? "network" :
						      "broadcast";
		return berth_error_fail(err, EINVAL, "address '%s' is the %s address of '%s'", s,
					what, sub);
	}
	pool_bits(p);
	if (bit_get(p, off))
		return berth_error_fail(err, EEXIST, "Address already in use");
	bit_set(p, off);
	return 0;
}

int ipam_pool_allocate(struct ipam_pool *p, struct in_addr *ret, berth_error_t **err)
{
	pool_bits(p);
	/* scan whole words: a /16 is 1024 of them, and hint skips the used
	 * prefix, so the usual case looks at one word */
	uint64_t off = p->hint;
	while (off <= p->hi) {
		uint64_t w = p->bits[off / 64] | ((UINT64_C(1) << (off % 64)) - 1);
		if (w == UINT64_MAX) {
			off = (off / 64 + 1) * 64;
			continue;
		}
		off = (off / 64) * 64 + (uint64_t)__builtin_ctzll(~w);
		break;
	}
	if (off > p->hi) {
		p->hint = p->hi + 1;
		cleanup_free char *sub = ipv4_net_format(&p->subnet);
		return berth_error_fail(err, ENOSPC, "no free address in '%s'", sub);
	}
	bit_set(p, (uint32_t)off);
	p->hint = (uint32_t)off + 1;
	*ret = addr_of(host_u32(p->subnet.addr) + (uint32_t)off);
	return 0;
}

void ipam_pool_release(struct ipam_pool *p, struct in_addr a)
{
	if (!ipv4_net_contains(&p->subnet, a))
		return;
	uint32_t off = host_u32(a) - host_u32(p->subnet.addr);
	if (pool_special(p, off))
		return;
	bit_clear(p, off);
	if (off >= p->lo && off < p->hint)
		p->hint = off;
}

bool ipam_pool_in_use(const struct ipam_pool *p, struct in_addr a)
{
	if (!ipv4_net_contains(&p->subnet, a))
		return false;
	uint32_t off = host_u32(a) - host_u32(p->subnet.addr);
	return pool_special(p, off) || bit_get(p, off);
}

/* ---- defaults and MACs ---- */

int ipam_default_subnet(const struct ipv4_net *avoid, size_t n_avoid, struct ipv4_net *ret,
			berth_error_t **err)
{
	/* 15 /16s of 172.16.0.0/12 from 172.17, then the 16 /20s of
	 * 192.168.0.0/16 */
	for (unsigned i = 0; i < 15 + 16; i++) {
		struct ipv4_net c;
		if (i < 15) {
			c.addr = addr_of((UINT32_C(172) << 24) | ((17 + i) << 16));
			c.prefix = 16;
		} else {
			c.addr = addr_of((UINT32_C(192) << 24) | (UINT32_C(168) << 16) |
					 ((i - 15) * 16) << 8);
			c.prefix = 20;
		}
		bool free_ = true;
		for (size_t k = 0; k < n_avoid && free_; k++)
			if (ipv4_net_overlaps(&c, &avoid[k]))
				free_ = false;
		if (free_) {
			*ret = c;
			return 0;
		}
	}
	return berth_error_fail(err, ENOSPC,
				"could not find an available, non-overlapping IPv4 address pool "
				"among the defaults to assign to the network");
}

void ipam_mac_from_ip(struct in_addr a, unsigned char mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0x42;
	memcpy(mac + 2, &a.s_addr, 4); /* network order: the dotted bytes in order */
}

void ipam_mac_format(const unsigned char mac[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}
