/* Unit tests for ipam: subnet parsing and arithmetic, the allocation order
 * (lowest free first), the addresses never handed out, reservations, and
 * docker's default pools.  Pure: no I/O. */
#include "common/unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>

#include "common/cleanup.h"
#include "net/ipam.h"

static struct ipv4_net net(const char *s)
{
	struct ipv4_net n = { 0 };
	cleanup_error berth_error_t *err = NULL;
	if (ipv4_net_parse(s, &n, &err) < 0)
		fail_msg("parse '%s': %s", s, err->msg);
	return n;
}

static struct in_addr ip(const char *s)
{
	struct in_addr a = { 0 };
	if (ipv4_addr_parse(s, &a, NULL) < 0)
		fail_msg("parse '%s'", s);
	return a;
}

#define assert_ip(a, want)                                   \
	do {                                                 \
		char buf_[INET_ADDRSTRLEN];                  \
		struct in_addr a_ = (a);                     \
		inet_ntop(AF_INET, &a_, buf_, sizeof(buf_)); \
		assert_string_equal(buf_, (want));           \
	} while (0)

static struct ipam_pool *pool(const char *subnet, const char *range, const char *gw)
{
	struct ipv4_net s = net(subnet), r = { 0 };
	if (range)
		r = net(range);
	struct ipam_pool *p = NULL;
	cleanup_error berth_error_t *err = NULL;
	if (ipam_pool_new(&s, range ? &r : NULL, gw ? ip(gw) : (struct in_addr){ 0 }, &p, &err) < 0)
		fail_msg("pool '%s': %s", subnet, err->msg);
	return p;
}

static void test_parse_format(void **state)
{
	struct ipv4_net n;
	assert_int_equal(ipv4_net_parse("172.18.0.0/16", &n, NULL), 0);
	assert_int_equal(n.prefix, 16);
	assert_ip(n.addr, "172.18.0.0");
	cleanup_free char *s = ipv4_net_format(&n);
	assert_string_equal(s, "172.18.0.0/16");
	assert_int_equal(ipv4_net_parse("0.0.0.0/0", &n, NULL), 0);
	assert_int_equal(ipv4_net_parse("10.1.2.3/32", &n, NULL), 0);

	const char *bad[] = { "",
			      "172.18.0.0",
			      "172.18.0.0/",
			      "172.18.0.0/33",
			      "172.18.0/16",
			      "172.18.0.0/-1",
			      "172.18.0.0/1x",
			      "172.18.0.0/016",
			      "x/16",
			      "172.18.0.256/24",
			      "/16",
			      " 172.18.0.0/16",
			      "172.18.0.0/16 ",
			      "1.2.3.4.5/8",
			      NULL };
	for (const char **p = bad; *p; p++) {
		cleanup_error berth_error_t *err = NULL;
		struct ipv4_net keep = { .prefix = 7 };
		if (ipv4_net_parse(*p, &keep, &err) != -EINVAL)
			fail_msg("'%s' parsed", *p);
		assert_int_equal(keep.prefix, 7);
		assert_error_contains(err, "invalid subnet");
	}
	assert_true(ipv4_net_parse(NULL, &n, NULL) < 0);

	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(ipv4_net_parse("172.18.0.1/16", &n, &err), -EINVAL);
	assert_string_equal(err->msg, "invalid subnet 172.18.0.1/16: it should be 172.18.0.0/16");
}

static void test_addr_parse(void **state)
{
	struct in_addr a;
	assert_int_equal(ipv4_addr_parse("10.0.0.255", &a, NULL), 0);
	assert_ip(a, "10.0.0.255");
	const char *bad[] = { "",          "10.0.0",  "10.0.0.256", "010.0.0.1",
			      "10.0.0.1 ", "a.b.c.d", "::1",        NULL };
	for (const char **p = bad; *p; p++) {
		cleanup_error berth_error_t *err = NULL;
		if (ipv4_addr_parse(*p, &a, &err) != -EINVAL)
			fail_msg("'%s' parsed", *p);
		assert_error_contains(err, "invalid IPv4 address");
	}
}

static void test_contains_overlaps(void **state)
{
	struct ipv4_net a = net("172.18.0.0/16"), b = net("172.18.5.0/24"),
			c = net("172.19.0.0/16"), all = net("0.0.0.0/0"),
			one = net("172.18.255.255/32");
	assert_true(ipv4_net_contains(&a, ip("172.18.0.0")));
	assert_true(ipv4_net_contains(&a, ip("172.18.255.255")));
	assert_false(ipv4_net_contains(&a, ip("172.19.0.0")));
	assert_false(ipv4_net_contains(&a, ip("172.17.255.255")));
	assert_true(ipv4_net_contains(&all, ip("1.2.3.4")));
	assert_true(ipv4_net_overlaps(&a, &b));
	assert_true(ipv4_net_overlaps(&b, &a));
	assert_false(ipv4_net_overlaps(&a, &c));
	assert_false(ipv4_net_overlaps(&b, &c));
	assert_true(ipv4_net_overlaps(&all, &c));
	assert_true(ipv4_net_overlaps(&one, &a));
	assert_false(ipv4_net_overlaps(&one, &b));
}

static void test_allocation_order(void **state)
{
	struct ipam_pool *p = pool("172.18.0.0/16", NULL, NULL);
	assert_ip(ipam_pool_gateway(p), "172.18.0.1");
	cleanup_free char *s = ipv4_net_format(ipam_pool_subnet(p));
	assert_string_equal(s, "172.18.0.0/16");
	struct in_addr a;
	assert_int_equal(ipam_pool_allocate(p, &a, NULL), 0);
	assert_ip(a, "172.18.0.2");
	assert_int_equal(ipam_pool_allocate(p, &a, NULL), 0);
	assert_ip(a, "172.18.0.3");
	assert_true(ipam_pool_in_use(p, ip("172.18.0.3")));
	assert_false(ipam_pool_in_use(p, ip("172.18.0.4")));
	assert_true(ipam_pool_in_use(p, ip("172.18.0.1"))); /* the gateway */
	assert_false(ipam_pool_in_use(p, ip("10.0.0.1")));
	/* crossing a 64-bit word of the bitmap */
	for (int i = 4; i < 300; i++)
		assert_int_equal(ipam_pool_allocate(p, &a, NULL), 0);
	assert_ip(a, "172.18.1.43");
	ipam_pool_free(p);
	ipam_pool_free(NULL);
}

static void test_gateway_elsewhere(void **state)
{
	/* the gateway in the middle is skipped; network and broadcast never
	 * come out even when the whole /29 is used up */
	struct ipam_pool *p = pool("10.9.0.0/29", NULL, "10.9.0.3");
	assert_ip(ipam_pool_gateway(p), "10.9.0.3");
	const char *want[] = { "10.9.0.1", "10.9.0.2", "10.9.0.4", "10.9.0.5", "10.9.0.6" };
	struct in_addr a;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_int_equal(ipam_pool_allocate(p, &a, NULL), 0);
		assert_ip(a, want[i]);
	}
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(ipam_pool_allocate(p, &a, &err), -ENOSPC);
	assert_string_equal(err->msg, "no free address in '10.9.0.0/29'");
	/* releasing the gateway or the network address changes nothing */
	ipam_pool_release(p, ip("10.9.0.3"));
	ipam_pool_release(p, ip("10.9.0.0"));
	ipam_pool_release(p, ip("10.9.0.7"));
	assert_true(ipam_pool_allocate(p, &a, NULL) < 0);
	ipam_pool_free(p);
}

static void test_exhaust_30(void **state)
{
	struct ipam_pool *p = pool("192.168.7.4/30", NULL, NULL);
	struct in_addr a;
	assert_int_equal(ipam_pool_allocate(p, &a, NULL), 0);
	assert_ip(a, "192.168.7.6");
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(ipam_pool_allocate(p, &a, &err), -ENOSPC);
	assert_error_contains(err, "no free address in '192.168.7.4/30'");
	ipam_pool_release(p, ip("192.168.7.6"));
	assert_int_equal(ipam_pool_allocate(p, &a, NULL), 0);
	assert_ip(a, "192.168.7.6");
	ipam_pool_free(p);
}

static void test_reserve(void **state)
{
	struct ipam_pool *p = pool("172.20.0.0/16", NULL, NULL);
	assert_int_equal(ipam_pool_reserve(p, ip("172.20.0.2"), NULL), 0);
	assert_int_equal(ipam_pool_reserve(p, ip("172.20.0.4"), NULL), 0);
	{
		cleanup_error berth_error_t *err = NULL;
		assert_int_equal(ipam_pool_reserve(p, ip("172.20.0.2"), &err), -EEXIST);
		assert_string_equal(err->msg, "Address already in use");
	}
	const char *bad[][2] = { { "172.21.0.2", "not within subnet '172.20.0.0/16'" },
				 { "172.20.0.0", "network address" },
				 { "172.20.255.255", "broadcast address" },
				 { "172.20.0.1", "gateway address" } };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cleanup_error berth_error_t *err = NULL;
		assert_int_equal(ipam_pool_reserve(p, ip(bad[i][0]), &err), -EINVAL);
		assert_error_contains(err, bad[i][1]);
	}
	/* allocation goes around the reserved addresses */
	struct in_addr a;
	assert_int_equal(ipam_pool_allocate(p, &a, NULL), 0);
	assert_ip(a, "172.20.0.3");
	assert_int_equal(ipam_pool_allocate(p, &a, NULL), 0);
	assert_ip(a, "172.20.0.5");
	/* and a reservation cannot take an allocated one */
	assert_int_equal(ipam_pool_reserve(p, ip("172.20.0.5"), NULL), -EEXIST);
	ipam_pool_free(p);
}

static void test_release_reuse(void **state)
{
	struct ipam_pool *p = pool("172.18.0.0/16", NULL, NULL);
	struct in_addr a;
	for (int i = 0; i < 10; i++)
		assert_int_equal(ipam_pool_allocate(p, &a, NULL), 0);
	assert_ip(a, "172.18.0.11");
	ipam_pool_release(p, ip("172.18.0.7"));
	ipam_pool_release(p, ip("172.18.0.4"));
	ipam_pool_release(p, ip("172.18.0.99")); /* never used: no-op */
	ipam_pool_release(p, ip("10.0.0.4"));    /* outside: no-op */
	assert_false(ipam_pool_in_use(p, ip("172.18.0.4")));
	assert_int_equal(ipam_pool_allocate(p, &a, NULL), 0);
	assert_ip(a, "172.18.0.4");
	assert_int_equal(ipam_pool_allocate(p, &a, NULL), 0);
	assert_ip(a, "172.18.0.7");
	assert_int_equal(ipam_pool_allocate(p, &a, NULL), 0);
	assert_ip(a, "172.18.0.12");
	/* a release before any allocation (no bitmap yet) */
	struct ipam_pool *q = pool("10.0.0.0/8", NULL, NULL);
	ipam_pool_release(q, ip("10.0.0.2"));
	assert_false(ipam_pool_in_use(q, ip("10.0.0.2")));
	assert_int_equal(ipam_pool_allocate(q, &a, NULL), 0);
	assert_ip(a, "10.0.0.2");
	ipam_pool_free(q);
	ipam_pool_free(p);
}

static void test_range(void **state)
{
	struct ipam_pool *p = pool("172.28.0.0/16", "172.28.5.0/24", "172.28.5.254");
	struct in_addr a;
	assert_int_equal(ipam_pool_allocate(p, &a, NULL), 0);
	assert_ip(a, "172.28.5.0"); /* not the subnet's network address */
	/* --ip may lie outside the range, within the subnet */
	assert_int_equal(ipam_pool_reserve(p, ip("172.28.9.9"), NULL), 0);
	for (int i = 1; i < 254; i++) {
		assert_int_equal(ipam_pool_allocate(p, &a, NULL), 0);
		assert_true(ipv4_net_contains(&(struct ipv4_net){ ip("172.28.5.0"), 24 }, a));
	}
	assert_ip(a, "172.28.5.253");
	assert_int_equal(ipam_pool_allocate(p, &a, NULL), 0);
	assert_ip(a, "172.28.5.255");
	assert_int_equal(ipam_pool_allocate(p, &a, NULL), -ENOSPC);
	ipam_pool_free(p);

	/* a range at the end of the subnet stops before the broadcast */
	p = pool("10.1.0.0/24", "10.1.0.252/30", NULL);
	assert_int_equal(ipam_pool_allocate(p, &a, NULL), 0);
	assert_ip(a, "10.1.0.252");
	assert_int_equal(ipam_pool_allocate(p, &a, NULL), 0);
	assert_int_equal(ipam_pool_allocate(p, &a, NULL), 0);
	assert_ip(a, "10.1.0.254");
	assert_int_equal(ipam_pool_allocate(p, &a, NULL), -ENOSPC);
	ipam_pool_free(p);
}

static void test_pool_errors(void **state)
{
	struct ipv4_net s = net("172.18.0.0/16");
	struct ipam_pool *p = NULL;
	struct {
		const char *subnet, *range, *gw, *msg;
	} cases[] = {
		{ "172.18.0.0/16", "172.19.0.0/24", NULL,
		  "ip-range '172.19.0.0/24' is not within subnet '172.18.0.0/16'" },
		{ "172.18.0.0/16", "172.16.0.0/12", NULL,
		  "ip-range '172.16.0.0/12' is not within subnet '172.18.0.0/16'" },
		{ "172.18.0.0/16", NULL, "172.19.0.1",
		  "gateway '172.19.0.1' is not within subnet '172.18.0.0/16'" },
		{ "172.18.0.0/16", NULL, "172.18.255.255", "broadcast address" },
		{ "172.18.0.0/16", NULL, "172.18.0.0", "network address" },
		{ "10.0.0.0/7", NULL, NULL, "at least /8" },
		{ "10.0.0.0/31", NULL, NULL, "at most /30" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_error berth_error_t *err = NULL;
		s = net(cases[i].subnet);
		struct ipv4_net r = cases[i].range ? net(cases[i].range) : s;
		struct in_addr g = cases[i].gw ? ip(cases[i].gw) : (struct in_addr){ 0 };
		assert_int_equal(ipam_pool_new(&s, cases[i].range ? &r : NULL, g, &p, &err),
				 -EINVAL);
		assert_null(p);
		assert_error_contains(err, cases[i].msg);
	}
	/* host bits in a hand-made subnet */
	s = (struct ipv4_net){ ip("172.18.0.1"), 16 };
	assert_int_equal(ipam_pool_new(&s, NULL, (struct in_addr){ 0 }, &p, NULL), -EINVAL);
	assert_null(p);
}

static void test_default_subnet(void **state)
{
	struct ipv4_net n;
	assert_int_equal(ipam_default_subnet(NULL, 0, &n, NULL), 0);
	cleanup_free char *a = ipv4_net_format(&n);
	assert_string_equal(a, "172.17.0.0/16");

	struct ipv4_net avoid[3] = { net("172.17.0.0/16"), net("172.18.3.0/24"),
				     net("172.20.0.0/14") };
	assert_int_equal(ipam_default_subnet(avoid, 3, &n, NULL), 0);
	cleanup_free char *b = ipv4_net_format(&n);
	assert_string_equal(b, "172.19.0.0/16");

	/* all of 172.16/12 and the first two /20s of 192.168 taken */
	struct ipv4_net avoid2[2] = { net("172.16.0.0/12"), net("192.168.0.0/19") };
	assert_int_equal(ipam_default_subnet(avoid2, 2, &n, NULL), 0);
	cleanup_free char *c = ipv4_net_format(&n);
	assert_string_equal(c, "192.168.32.0/20");

	/* only the last one left */
	struct ipv4_net avoid3[5] = { net("172.16.0.0/12"), net("192.168.0.0/17"),
				      net("192.168.128.0/18"), net("192.168.192.0/19"),
				      net("192.168.224.0/20") };
	assert_int_equal(ipam_default_subnet(avoid3, 5, &n, NULL), 0);
	cleanup_free char *d = ipv4_net_format(&n);
	assert_string_equal(d, "192.168.240.0/20");

	/* a larger network over the defaults */
	struct ipv4_net avoid4[2] = { net("172.16.0.0/12"), net("192.168.0.0/16") };
	cleanup_error berth_error_t *err = NULL;
	struct ipv4_net keep = { .prefix = 3 };
	assert_int_equal(ipam_default_subnet(avoid4, 2, &keep, &err), -ENOSPC);
	assert_int_equal(keep.prefix, 3);
	assert_string_equal(err->msg, "could not find an available, non-overlapping IPv4 address "
				      "pool among the defaults to assign to the network");
}

static void test_mac(void **state)
{
	unsigned char mac[6];
	char buf[18];
	ipam_mac_from_ip(ip("172.17.0.2"), mac);
	ipam_mac_format(mac, buf);
	assert_string_equal(buf, "02:42:ac:11:00:02");
	ipam_mac_from_ip(ip("192.168.255.254"), mac);
	ipam_mac_format(mac, buf);
	assert_string_equal(buf, "02:42:c0:a8:ff:fe");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_format),
		cmocka_unit_test(test_addr_parse),
		cmocka_unit_test(test_contains_overlaps),
		cmocka_unit_test(test_allocation_order),
		cmocka_unit_test(test_gateway_elsewhere),
		cmocka_unit_test(test_exhaust_30),
		cmocka_unit_test(test_reserve),
		cmocka_unit_test(test_release_reuse),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_pool_errors),
		cmocka_unit_test(test_default_subnet),
		cmocka_unit_test(test_mac),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
