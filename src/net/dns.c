/* dns: the DNS wire format of berthd's embedded resolver.  Every byte of a
 * query comes from a container, so each read is checked against len before
 * it happens; a name is built only from plain labels (no compression, no
 * extended label types, no NUL or '.' inside a label, which would make the
 * text form ambiguous) and never exceeds DNS_NAME_MAX. */
#include "net/dns.h"

#include <errno.h>
#include <string.h>

#define DNS_HEADER_LEN 12
#define DNS_FLAG_QR 0x8000
#define DNS_FLAG_RD 0x0100
#define DNS_FLAG_RA 0x0080
#define DNS_LABEL_MAX 63
/* 0xc000 | 12: the question's name, right after the header */
#define DNS_PTR_QNAME 0xc00c

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

static char ascii_lower(uint8_t c)
{
	return (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

/* Read the name at *off into name (DNS_NAME_MAX + 1 bytes), moving *off
 * past it */
static int parse_name(const uint8_t *pkt, size_t len, size_t *off, char *name, berth_error_t **err)
{
	size_t pos = *off, n = 0;
	for (;;) {
		if (pos >= len)
			return berth_error_fail(err, EINVAL,
						"dns query: name runs past the packet");
		uint8_t l = pkt[pos++];
		if (l == 0)
			break;
		if ((l & 0xc0) == 0xc0)
			return berth_error_fail(err, EINVAL,
						"dns query: compression pointer in the question");
		if (l & 0xc0)
			return berth_error_fail(err, EINVAL, "dns query: unknown label type 0x%02x",
						l & 0xc0);
		/* l <= 63 here: both top bits are clear */
		if (len - pos < l)
			return berth_error_fail(err, EINVAL,
						"dns query: label runs past the packet");
		/* a dot before every label but the first */
		size_t need = n + (n > 0) + l;
		if (need > DNS_NAME_MAX)
			return berth_error_fail(err, EINVAL, "dns query: name longer than %d bytes",
						DNS_NAME_MAX);
		if (n > 0)
			name[n++] = '.';
		for (size_t i = 0; i < l; i++) {
			uint8_t c = pkt[pos + i];
			if (c == 0 || c == '.')
				return berth_error_fail(err, EINVAL,
							"dns query: NUL or '.' inside a label");
			name[n++] = ascii_lower(c);
		}
		pos += l;
	}
	name[n] = '\0';
	*off = pos;
	return 0;
}

int dns_parse_query(const uint8_t *pkt, size_t len, struct dns_question *ret, berth_error_t **err)
{
	struct dns_question q = { 0 };
	if (!pkt || len < DNS_HEADER_LEN)
		return berth_error_fail(err, EINVAL, "dns query: %zu bytes, shorter than a header",
					pkt ? len : 0);
	uint16_t flags = get16(pkt + 2);
	if (flags & DNS_FLAG_QR)
		return berth_error_fail(err, EINVAL, "dns query: QR set, not a query");
	if ((flags >> 11) & 0xf)
		return berth_error_fail(err, EINVAL, "dns query: opcode %u, only QUERY is served",
					(flags >> 11) & 0xf);
	uint16_t qdcount = get16(pkt + 4);
	if (qdcount != 1)
		return berth_error_fail(err, EINVAL, "dns query: %u questions, want 1", qdcount);

	size_t off = DNS_HEADER_LEN;
	int r = parse_name(pkt, len, &off, q.name, err);
	if (r < 0)
		return r;
	if (len - off < 4)
		return berth_error_fail(err, EINVAL, "dns query: question runs past the packet");
	q.id = get16(pkt);
	q.rd = (flags & DNS_FLAG_RD) != 0;
	q.qtype = get16(pkt + off);
	q.qclass = get16(pkt + off + 2);
	q.end = off + 4;
	*ret = q;
	return 0;
}

ssize_t dns_build_answer(const uint8_t *pkt, const struct dns_question *q,
			 const struct in_addr *addrs, size_t n, uint32_t ttl, int rcode,
			 uint8_t *buf, size_t cap)
{
	/* q came from dns_parse_query(pkt), so pkt holds q->end bytes */
	if (q->end < DNS_HEADER_LEN || n > UINT16_MAX)
		return -1;
	size_t qlen = q->end - DNS_HEADER_LEN;
	if (n > (SIZE_MAX - q->end) / 16)
		return -1;
	size_t total = q->end + n * 16;
	if (total > cap)
		return -1;

	uint16_t flags = DNS_FLAG_QR | DNS_FLAG_RA | (rcode & 0xf);
	if (q->rd)
		flags |= DNS_FLAG_RD;
	put16(buf, q->id);
	put16(buf + 2, flags);
	put16(buf + 4, 1);
	put16(buf + 6, (uint16_t)n);
	put16(buf + 8, 0);
	put16(buf + 10, 0);
	/* the question as the client wrote it: the case of its name is kept,
	 * for clients that randomise it (0x20 encoding) */
	memcpy(buf + DNS_HEADER_LEN, pkt + DNS_HEADER_LEN, qlen);

	uint8_t *p = buf + q->end;
	for (size_t i = 0; i < n; i++, p += 16) {
		put16(p, DNS_PTR_QNAME);
		put16(p + 2, DNS_TYPE_A);
		put16(p + 4, DNS_CLASS_IN);
		put32(p + 6, ttl);
		put16(p + 10, 4);
		memcpy(p + 12, &addrs[i].s_addr, 4); /* already network order */
	}
	return (ssize_t)total;
}

uint16_t dns_packet_id(const uint8_t *pkt, size_t len)
{
	return len < 2 ? 0 : get16(pkt);
}

void dns_packet_set_id(uint8_t *pkt, size_t len, uint16_t id)
{
	if (len >= 2)
		put16(pkt, id);
}
