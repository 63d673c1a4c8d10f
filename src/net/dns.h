/* dns: the DNS wire format for berthd's embedded resolver (RFC 1035), the
 * parsing of untrusted packets from containers and the building of
 * answers.  Pure: no I/O.  A query has exactly one question; names are
 * compared lower-cased, without the final dot; compression pointers in a
 * query are refused (a question never needs them). */
#ifndef BERTH_NET_DNS_H
#define BERTH_NET_DNS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

#define DNS_NAME_MAX 253
#define DNS_UDP_MAX 4096 /* the largest datagram we read or write */
#define DNS_TYPE_A 1
#define DNS_TYPE_AAAA 28
#define DNS_CLASS_IN 1
#define DNS_RCODE_NOERROR 0
#define DNS_RCODE_FORMERR 1
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3

struct dns_question {
	uint16_t id;
	bool rd;                     /* recursion desired, echoed */
	char name[DNS_NAME_MAX + 1]; /* lower case, no trailing dot; "" for the root */
	uint16_t qtype, qclass;
	size_t end; /* offset just past the question section */
};

/* EINVAL with what is wrong: short packet, not a query (QR set, opcode
 * not 0), qdcount != 1, a label over 63 bytes, a name over 253, a
 * compression pointer */
int dns_parse_query(const uint8_t *pkt, size_t len, struct dns_question *ret, berth_error_t **err);
/* The answer to the query pkt (parsed into q): header with QR, RA, the
 * rcode and q's id and RD, the question copied, then n A records for
 * q->name with ttl.  Returns the length written, -1 when cap is too small. */
ssize_t dns_build_answer(const uint8_t *pkt, const struct dns_question *q,
			 const struct in_addr *addrs, size_t n, uint32_t ttl, int rcode,
			 uint8_t *buf, size_t cap);
/* For forwarding: the id of a packet (0 when len < 2) and a copy with a
 * new id written in place */
uint16_t dns_packet_id(const uint8_t *pkt, size_t len);
void dns_packet_set_id(uint8_t *pkt, size_t len, uint16_t id);

#endif
