/* Unit tests for dns: queries built by glibc's res_mkquery and by hand
 * (good ones, and every kind of malformed one the parser must refuse), and
 * answers read back field by field. */
#include "common/unit.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <resolv.h>

#include "common/cleanup.h"
#include "net/dns.h"

/* A query for name/type from glibc's own query builder */
static size_t mkquery(const char *name, int type, uint8_t *buf, size_t cap)
{
	int n = res_mkquery(QUERY, name, C_IN, type, NULL, 0, NULL, buf, (int)cap);
	assert_true(n > 12);
	return (size_t)n;
}

/* Append one wire-format name of labels (a NULL-terminated list) */
static size_t put_name(uint8_t *p, const char *const *labels)
{
	size_t off = 0;
	for (; *labels; labels++) {
		size_t l = strlen(*labels);
		p[off++] = (uint8_t)l;
		memcpy(p + off, *labels, l);
		off += l;
	}
	p[off++] = 0;
	return off;
}

/* A hand-made query: header with flags and qdcount, then raw name bytes
 * and type A class IN */
static size_t raw_query(uint8_t *buf, uint16_t flags, uint16_t qdcount, const uint8_t *name,
			size_t namelen)
{
	memset(buf, 0, 12);
	buf[0] = 0x12, buf[1] = 0x34;
	buf[2] = flags >> 8, buf[3] = flags & 0xff;
	buf[4] = qdcount >> 8, buf[5] = qdcount & 0xff;
	memcpy(buf + 12, name, namelen);
	uint8_t tail[] = { 0, 1, 0, 1 };
	memcpy(buf + 12 + namelen, tail, 4);
	return 12 + namelen + 4;
}

static void test_parse_a(void **state)
{
	uint8_t buf[512];
	size_t n = mkquery("web.example", T_A, buf, sizeof(buf));
	struct dns_question q;
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(dns_parse_query(buf, n, &q, &err), 0);
	assert_string_equal(q.name, "web.example");
	assert_int_equal(q.qtype, DNS_TYPE_A);
	assert_int_equal(q.qclass, DNS_CLASS_IN);
	assert_int_equal(q.end, n);
	assert_int_equal(q.id, dns_packet_id(buf, n));
	assert_true(q.rd); /* res_mkquery sets RD */
}

static void test_parse_aaaa_mixed_case(void **state)
{
	uint8_t buf[512];
	size_t n = mkquery("My-Web.Example.COM.", T_AAAA, buf, sizeof(buf));
	struct dns_question q;
	assert_int_equal(dns_parse_query(buf, n, &q, NULL), 0);
	assert_string_equal(q.name, "my-web.example.com");
	assert_int_equal(q.qtype, DNS_TYPE_AAAA);
	assert_int_equal(q.end, n);
}

static void test_parse_root_and_trailing(void **state)
{
	uint8_t buf[512];
	uint8_t root[] = { 0 };
	size_t n = raw_query(buf, 0, 1, root, 1);
	struct dns_question q;
	assert_int_equal(dns_parse_query(buf, n, &q, NULL), 0);
	assert_string_equal(q.name, "");
	assert_int_equal(q.end, 17);
	assert_false(q.rd);
	assert_int_equal(q.id, 0x1234);

	/* an EDNS OPT record after the question is fine: end stays at the question */
	uint8_t opt[] = { 0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0 };
	memcpy(buf + n, opt, sizeof(opt));
	buf[11] = 1; /* arcount */
	assert_int_equal(dns_parse_query(buf, n + sizeof(opt), &q, NULL), 0);
	assert_int_equal(q.end, 17);
}

static void test_parse_longest_name(void **state)
{
	/* 3 labels of 63 and one of 61: 63*3 + 61 + 3 dots = 253 */
	char l63[64], l61[62];
	memset(l63, 'a', 63), l63[63] = '\0';
	memset(l61, 'B', 61), l61[61] = '\0';
	const char *labels[] = { l63, l63, l63, l61, NULL };
	uint8_t name[300], buf[512];
	size_t nl = put_name(name, labels);
	size_t n = raw_query(buf, 0x0100, 1, name, nl);
	struct dns_question q;
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(dns_parse_query(buf, n, &q, &err), 0);
	assert_int_equal(strlen(q.name), 253);
	assert_int_equal(q.name[252], 'b');

	/* one more byte is too long */
	char l62[63];
	memset(l62, 'c', 62), l62[62] = '\0';
	const char *labels2[] = { l63, l63, l63, l62, NULL };
	nl = put_name(name, labels2);
	n = raw_query(buf, 0, 1, name, nl);
	assert_true(dns_parse_query(buf, n, &q, &err) < 0);
	assert_error_contains(err, "longer than 253");
}

static void expect_bad(const uint8_t *buf, size_t n, const char *needle)
{
	struct dns_question q;
	memset(&q, 0x5a, sizeof(q));
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(dns_parse_query(buf, n, &q, &err), -EINVAL);
	assert_error_contains(err, needle);
	/* ret untouched on failure */
	assert_int_equal(q.id, 0x5a5a);
}

static void test_parse_malformed(void **state)
{
	uint8_t buf[512], good[512];
	size_t gn = mkquery("a.example", T_A, good, sizeof(good));

	/* short: every truncation fails */
	for (size_t i = 0; i < gn; i++)
		expect_bad(good, i, "");
	expect_bad(good, 5, "shorter than a header");
	expect_bad(good, 14, "past the packet");
	expect_bad(NULL, 0, "shorter");

	/* QR set */
	memcpy(buf, good, gn);
	buf[2] |= 0x80;
	expect_bad(buf, gn, "QR set");
	/* opcode 2 (STATUS) */
	memcpy(buf, good, gn);
	buf[2] = 2 << 3;
	expect_bad(buf, gn, "opcode 2");
	/* qdcount 2 and 0 */
	memcpy(buf, good, gn);
	buf[5] = 2;
	expect_bad(buf, gn, "2 questions");
	buf[5] = 0;
	expect_bad(buf, gn, "0 questions");

	/* a label of 64: the length byte 0x40 is an extended label type */
	uint8_t name[80] = { 64 };
	memset(name + 1, 'x', 64);
	name[65] = 0;
	size_t n = raw_query(buf, 0, 1, name, 66);
	expect_bad(buf, n, "label type");

	/* a compression pointer */
	uint8_t ptr[] = { 1, 'a', 0xc0, 12 };
	n = raw_query(buf, 0, 1, ptr, sizeof(ptr));
	expect_bad(buf, n, "compression pointer");
	/* a label running past the end */
	uint8_t past[] = { 9, 'a', 'b' };
	memset(buf, 0, 12);
	buf[5] = 1;
	memcpy(buf + 12, past, sizeof(past));
	expect_bad(buf, 15, "label runs past");

	/* NUL and '.' inside a label */
	uint8_t nul[] = { 3, 'a', 0, 'b', 0 };
	n = raw_query(buf, 0, 1, nul, sizeof(nul));
	expect_bad(buf, n, "inside a label");
	uint8_t dot[] = { 3, 'a', '.', 'b', 0 };
	n = raw_query(buf, 0, 1, dot, sizeof(dot));
	expect_bad(buf, n, "inside a label");

	/* a name of many short labels over 253 */
	uint8_t many[400];
	size_t off = 0;
	for (int i = 0; i < 130; i++)
		many[off++] = 1, many[off++] = 'z';
	many[off++] = 0;
	n = raw_query(buf, 0, 1, many, off);
	expect_bad(buf, n, "longer than 253");
}

/* A parsed-back resource record */
struct rr {
	uint16_t ptr, type, class, rdlen;
	uint32_t ttl;
	struct in_addr addr;
};

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void check_answer(const uint8_t *query, size_t qn, const uint8_t *ans, ssize_t an, int rcode,
			 const struct in_addr *addrs, size_t n, uint32_t ttl)
{
	assert_int_equal(an, (ssize_t)(qn + 16 * n));
	assert_int_equal(rd16(ans), rd16(query));         /* id */
	assert_true(ans[2] & 0x80);                       /* QR */
	assert_int_equal((ans[2] >> 3) & 0xf, 0);         /* opcode */
	assert_int_equal(ans[2] & 0x01, query[2] & 0x01); /* RD echoed */
	assert_true(ans[3] & 0x80);                       /* RA */
	assert_int_equal(ans[3] & 0xf, rcode);            /* rcode */
	assert_int_equal(rd16(ans + 4), 1);               /* qdcount */
	assert_int_equal(rd16(ans + 6), n);               /* ancount */
	assert_int_equal(rd16(ans + 8), 0);
	assert_int_equal(rd16(ans + 10), 0);
	assert_memory_equal(ans + 12, query + 12, qn - 12); /* question, case kept */
	const uint8_t *p = ans + qn;
	for (size_t i = 0; i < n; i++, p += 16) {
		struct rr rr = { rd16(p),
				 rd16(p + 2),
				 rd16(p + 4),
				 rd16(p + 10),
				 (uint32_t)p[6] << 24 | (uint32_t)p[7] << 16 | (uint32_t)p[8] << 8 |
					 p[9],
				 { 0 } };
		memcpy(&rr.addr, p + 12, 4);
		assert_int_equal(rr.ptr, 0xc00c);
		assert_int_equal(rr.type, DNS_TYPE_A);
		assert_int_equal(rr.class, DNS_CLASS_IN);
		assert_int_equal(rr.ttl, ttl);
		assert_int_equal(rr.rdlen, 4);
		assert_int_equal(rr.addr.s_addr, addrs[i].s_addr);
	}
}

/* Expand the answer's first record owner name through glibc's decompressor:
 * the pointer must lead back to the question's name */
static void check_owner_name(const uint8_t *ans, size_t an, size_t qn, const char *want)
{
	char out[NS_MAXDNAME];
	assert_true(ns_name_uncompress(ans, ans + an, ans + qn, out, sizeof(out)) == 2);
	assert_string_equal(out, want);
}

static void test_answer_counts(void **state)
{
	uint8_t query[512], ans[DNS_UDP_MAX];
	size_t qn = mkquery("Db.Example", T_A, query, sizeof(query));
	struct dns_question q;
	assert_int_equal(dns_parse_query(query, qn, &q, NULL), 0);
	struct in_addr addrs[3];
	inet_pton(AF_INET, "172.18.0.2", &addrs[0]);
	inet_pton(AF_INET, "172.18.0.3", &addrs[1]);
	inet_pton(AF_INET, "10.1.2.3", &addrs[2]);
	size_t counts[] = { 0, 1, 3 };
	for (size_t i = 0; i < 3; i++) {
		memset(ans, 0xee, sizeof(ans));
		ssize_t an = dns_build_answer(query, &q, addrs, counts[i], 600, DNS_RCODE_NOERROR,
					      ans, sizeof(ans));
		check_answer(query, qn, ans, an, DNS_RCODE_NOERROR, addrs, counts[i], 600);
		if (counts[i] > 0)
			check_owner_name(ans, (size_t)an, qn, "Db.Example");
	}
}

static void test_answer_nxdomain_and_formerr(void **state)
{
	uint8_t query[512], ans[512];
	size_t qn = mkquery("nope.example", T_AAAA, query, sizeof(query));
	query[2] &= ~0x01; /* RD clear */
	struct dns_question q;
	assert_int_equal(dns_parse_query(query, qn, &q, NULL), 0);
	assert_false(q.rd);
	ssize_t an = dns_build_answer(query, &q, NULL, 0, 0, DNS_RCODE_NXDOMAIN, ans, sizeof(ans));
	check_answer(query, qn, ans, an, DNS_RCODE_NXDOMAIN, NULL, 0, 0);
	an = dns_build_answer(query, &q, NULL, 0, 0, DNS_RCODE_SERVFAIL, ans, sizeof(ans));
	check_answer(query, qn, ans, an, DNS_RCODE_SERVFAIL, NULL, 0, 0);
}

static void test_answer_cap(void **state)
{
	uint8_t query[512], ans[512];
	size_t qn = mkquery("x.example", T_A, query, sizeof(query));
	struct dns_question q;
	assert_int_equal(dns_parse_query(query, qn, &q, NULL), 0);
	struct in_addr addrs[2] = { { htonl(0x0a000001) }, { htonl(0x0a000002) } };
	size_t need = qn + 32;
	memset(ans, 0xee, sizeof(ans));
	assert_int_equal(dns_build_answer(query, &q, addrs, 2, 5, 0, ans, need - 1), -1);
	assert_int_equal(ans[0], 0xee); /* nothing written */
	assert_int_equal(dns_build_answer(query, &q, addrs, 2, 5, 0, ans, 0), -1);
	assert_int_equal(dns_build_answer(query, &q, addrs, 2, 5, 0, ans, need), (ssize_t)need);
	check_answer(query, qn, ans, (ssize_t)need, 0, addrs, 2, 5);
}

static void test_ids(void **state)
{
	uint8_t p[4] = { 0xab, 0xcd, 1, 2 };
	assert_int_equal(dns_packet_id(p, 4), 0xabcd);
	assert_int_equal(dns_packet_id(p, 1), 0);
	assert_int_equal(dns_packet_id(p, 0), 0);
	dns_packet_set_id(p, 4, 0x1234);
	assert_int_equal(p[0], 0x12);
	assert_int_equal(p[1], 0x34);
	assert_int_equal(p[2], 1);
	dns_packet_set_id(p, 1, 0xffff); /* too short: untouched */
	assert_int_equal(p[0], 0x12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_a),
		cmocka_unit_test(test_parse_aaaa_mixed_case),
		cmocka_unit_test(test_parse_root_and_trailing),
		cmocka_unit_test(test_parse_longest_name),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_answer_counts),
		cmocka_unit_test(test_answer_nxdomain_and_formerr),
		cmocka_unit_test(test_answer_cap),
		cmocka_unit_test(test_ids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
