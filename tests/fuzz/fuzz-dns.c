/* fuzz-dns: libFuzzer target for the DNS wire format of berthd's embedded
 * resolver (every query comes from a container).  Input: one packet.
 * Invariants: parsing never crashes and fails with a message; whatever
 * parses gives a name of at most 253 lower-case bytes and an end inside the
 * packet, and answers to it (0, 1, 3 addresses, every cap) are exact in
 * size, never overrun, and keep the id and the question. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "net/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_question q;
	berth_error_t *err = NULL;
	/* a copy of exactly size bytes, so ASan sees any read past the end */
	uint8_t *pkt = malloc(size ? size : 1);
	if (!pkt)
		return 0;
	memcpy(pkt, data, size);
	if (dns_parse_query(pkt, size, &q, &err) < 0) {
		if (!err || !err->msg || !*err->msg)
			abort();
		berth_error_free(err);
		free(pkt);
		return 0;
	}
	size_t nlen = strlen(q.name);
	if (nlen > DNS_NAME_MAX || q.end < 17 || q.end > size)
		abort();
	for (size_t i = 0; i < nlen; i++)
		if (q.name[i] >= 'A' && q.name[i] <= 'Z')
			abort();
	if (dns_packet_id(pkt, size) != q.id)
		abort();

	static const struct in_addr addrs[3] = { { 0x0100000a }, { 0x0200000a }, { 0x0300000a } };
	static const size_t counts[] = { 0, 1, 3 };
	for (size_t c = 0; c < 3; c++) {
		size_t want = q.end + 16 * counts[c];
		/* too small by one, then exactly, each its own allocation */
		for (size_t cap = want - 1; cap <= want; cap++) {
			uint8_t *buf = malloc(cap ? cap : 1);
			if (!buf)
				abort();
			ssize_t n = dns_build_answer(pkt, &q, addrs, counts[c], 60,
						     DNS_RCODE_NOERROR, buf, cap);
			if (cap < want && n != -1)
				abort();
			if (cap == want) {
				if (n != (ssize_t)want || dns_packet_id(buf, cap) != q.id ||
				    !(buf[2] & 0x80) || memcmp(buf + 12, pkt + 12, q.end - 12) != 0)
					abort();
				/* the answer parses back as a response, not a query */
				if (dns_parse_query(buf, (size_t)n, &(struct dns_question){ 0 },
						    NULL) == 0)
					abort();
			}
			free(buf);
		}
	}
	dns_packet_set_id(pkt, size, (uint16_t)(q.id + 1));
	if (dns_packet_id(pkt, size) != (uint16_t)(q.id + 1))
		abort();
	free(pkt);
	return 0;
}
