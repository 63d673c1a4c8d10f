/* Unit tests for nft: the rendered script (pure), then real transactions in
 * a network namespace of the test's own (main() unshares one first, so the
 * host's ruleset is never touched), read back through libnftables. */
#include "common/unit.h"

#include <errno.h>
#include <linux/capability.h>
#include <nftables/libnftables.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "net/nft.h"

static bool have_netns; /* main() got a namespace of its own */

static struct in_addr ip(const char *s)
{
	struct in_addr a = { 0 };
	if (ipv4_addr_parse(s, &a, NULL) < 0)
		fail_msg("parse '%s'", s);
	return a;
}

static struct ipv4_net net(const char *s)
{
	struct ipv4_net n = { 0 };
	if (ipv4_net_parse(s, &n, NULL) < 0)
		fail_msg("parse '%s'", s);
	return n;
}

#define assert_contains(hay, needle)                                   \
	do {                                                           \
		if (strstr((hay), (needle)) == NULL)                   \
			fail_msg("'%s' not in:\n%s", (needle), (hay)); \
	} while (0)
#define assert_lacks(hay, needle)                                               \
	do {                                                                    \
		if (strstr((hay), (needle)) != NULL)                            \
			fail_msg("'%s' unexpectedly in:\n%s", (needle), (hay)); \
	} while (0)

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* berth0 (default, masquerade), br-int (internal), br-quiet (icc off) */
static struct nft_network nets[3];
static struct nft_port ports[3];

static void fixtures(void)
{
	nets[0] = (struct nft_network){
		.bridge = "berth0", .subnet = net("172.17.0.0/16"), .icc = true, .masquerade = true
	};
	nets[1] = (struct nft_network){ .bridge = "br-int",
					.subnet = net("172.18.0.0/16"),
					.icc = true,
					.internal = true,
					.masquerade = true };
	nets[2] = (struct nft_network){ .bridge = "br-quiet",
					.subnet = net("172.19.0.0/16"),
					.icc = false,
					.masquerade = true };
	ports[0] = (struct nft_port){ IPPROTO_TCP, { INADDR_ANY }, 8080, ip("172.17.0.2"), 80 };
	ports[1] = (struct nft_port){ IPPROTO_UDP, ip("127.0.0.1"), 5353, ip("172.19.0.3"), 53 };
	ports[2] = (struct nft_port){ IPPROTO_TCP, ip("10.1.2.3"), 443, ip("172.17.0.4"), 8443 };
}

static const char deletes[] = "add table ip berth\n"
			      "delete table ip berth\n"
			      "add table bridge berth\n"
			      "delete table bridge berth\n";

static void test_script_empty(void **state)
{
	struct nft_state s = { 0 };
	cleanup_free char *t = nft_script(&s);
	assert_string_equal(t, deletes);
}

static void test_script_full(void **state)
{
	fixtures();
	struct nft_state s = { nets, 3, ports, 3 };
	cleanup_free char *t = nft_script(&s);
	assert_non_null(t);
	assert_true(strncmp(t, deletes, strlen(deletes)) == 0);
	assert_contains(t, "type nat hook prerouting priority dstnat;");
	assert_contains(t, "type nat hook output priority -100;");
	assert_int_equal(count(t, "fib daddr type local jump ports\n"), 2);
	assert_contains(t, "\t\ttcp dport 8080 dnat to 172.17.0.2:80\n");
	assert_contains(t, "\t\tip daddr 127.0.0.1 udp dport 5353 dnat to 172.19.0.3:53\n");
	assert_contains(t, "\t\tip daddr 10.1.2.3 tcp dport 443 dnat to 172.17.0.4:8443\n");
	/* masquerade, but not for the internal network */
	assert_contains(t, "ip saddr 172.17.0.0/16 oifname != \"berth0\" masquerade\n");
	assert_contains(t, "ip saddr 172.19.0.0/16 oifname != \"br-quiet\" masquerade\n");
	assert_lacks(t, "172.18.0.0/16 oifname");
	assert_int_equal(count(t, "ip saddr 127.0.0.0/8 oifname"), 3);
	assert_contains(t, "ip saddr 127.0.0.0/8 oifname \"br-int\" masquerade\n");
	/* isolation between the bridges */
	assert_contains(t, "iifname \"berth0\" oifname { \"br-int\", \"br-quiet\" } drop\n");
	assert_contains(t, "iifname \"br-quiet\" oifname { \"berth0\", \"br-int\" } drop\n");
	assert_contains(t, "iifname \"br-int\" oifname != \"br-int\" drop\n");
	assert_contains(t, "oifname \"br-int\" iifname != \"br-int\" drop\n");
	/* icc off */
	assert_contains(t, "table bridge berth {\n");
	assert_contains(t, "ip saddr 172.19.0.0/16 drop\n");
	assert_contains(t, "ip daddr 172.19.0.0/16 drop\n");
	assert_lacks(t, "172.17.0.0/16 drop");
}

static void test_script_variants(void **state)
{
	fixtures();
	/* every network with icc: no bridge table; one bridge: no isolation set */
	struct nft_state s = { nets, 1, NULL, 0 };
	cleanup_free char *t = nft_script(&s);
	assert_lacks(t, "table bridge berth {");
	assert_lacks(t, "oifname {");
	assert_contains(t, "chain ports {\n\t}\n"); /* empty, still defined for the jumps */

	/* ports without networks still get the nat table */
	struct nft_state p = { NULL, 0, ports, 1 };
	cleanup_free char *u = nft_script(&p);
	assert_contains(u, "table ip berth {");
	assert_contains(u, "tcp dport 8080 dnat to 172.17.0.2:80");

	/* masquerade off */
	nets[0].masquerade = false;
	cleanup_free char *v = nft_script(&s);
	assert_lacks(v, "oifname != \"berth0\" masquerade");

	/* two networks on one bridge are not isolated from themselves */
	struct nft_network twice[3] = { nets[0], nets[0], nets[1] };
	struct nft_state w = { twice, 3, NULL, 0 };
	cleanup_free char *x = nft_script(&w);
	assert_contains(x, "iifname \"berth0\" oifname { \"br-int\" } drop\n");
	assert_int_equal(count(x, "iifname \"berth0\" oifname {"), 1);
	assert_int_equal(count(x, "oifname \"berth0\" masquerade"), 1);
}

static void test_script_bad_names(void **state)
{
	fixtures();
	const char *bad[] = { "",        "br\"x",
			      "br x",    "br-}",
			      "br;drop", "0123456789abcdef", /* IFNAMSIZ is 16 with the NUL */
			      "br\n",    NULL };
	for (const char **b = bad; *b; b++) {
		struct nft_network n = nets[0];
		n.bridge = *b;
		struct nft_state s = { &n, 1, NULL, 0 };
		assert_null(nft_script(&s));
		cleanup_error berth_error_t *err = NULL;
		assert_int_equal(nft_apply(&s, &err), -EINVAL);
		assert_error_contains(err, "invalid bridge name");
	}
	struct nft_network n = nets[0];
	n.bridge = NULL;
	struct nft_state s = { &n, 1, NULL, 0 };
	assert_null(nft_script(&s));
	/* the longest name that fits */
	n.bridge = "0123456789abcde";
	cleanup_free char *t = nft_script(&s);
	assert_non_null(t);

	struct nft_port p = ports[0];
	p.proto = IPPROTO_SCTP;
	struct nft_state q = { NULL, 0, &p, 1 };
	assert_null(nft_script(&q));
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(nft_apply(&q, &err), -EINVAL);
	assert_error_contains(err, "invalid protocol");
}

/* ---- real transactions in the test's namespace ---- */

/* `nft list <what>` through a context of the test's own */
static char *nft_list(const char *what)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	assert_non_null(ctx);
	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	cleanup_free char *cmd = xasprintf("list %s", what);
	int r = nft_run_cmd_from_buffer(ctx, cmd);
	char *out = xstrdup(r == 0 ? nft_ctx_get_output_buffer(ctx) : "");
	nft_ctx_free(ctx);
	return out;
}

static void skip_without_netns(void)
{
	if (!have_netns) {
		print_message("no network namespace of our own (unshare: not root?)\n");
		skip();
	}
}

static void test_apply(void **state)
{
	skip_without_netns();
	fixtures();
	cleanup_error berth_error_t *err = NULL;
	struct nft_state s = { nets, 3, ports, 3 };
	if (nft_apply(&s, &err) < 0)
		fail_msg("apply: %s", err->msg);
	cleanup_free char *ip_table = nft_list("table ip berth");
	assert_contains(ip_table, "tcp dport 8080 dnat to 172.17.0.2:80");
	assert_contains(ip_table, "ip daddr 127.0.0.1 udp dport 5353 dnat to 172.19.0.3:53");
	assert_contains(ip_table, "ip daddr 10.1.2.3 tcp dport 443 dnat to 172.17.0.4:8443");
	assert_contains(ip_table, "ip saddr 172.17.0.0/16 oifname != \"berth0\" masquerade");
	assert_contains(ip_table, "ip saddr 127.0.0.0/8 oifname \"br-quiet\" masquerade");
	assert_contains(ip_table, "iifname \"br-int\" oifname != \"br-int\" drop");
	assert_contains(ip_table, "fib daddr type local jump ports");
	cleanup_free char *br_table = nft_list("table bridge berth");
	assert_contains(br_table, "ip saddr 172.19.0.0/16 drop");

	/* again with one port less and icc on everywhere: replaced, not added */
	nets[2].icc = true;
	struct nft_state fewer = { nets, 3, ports, 2 };
	if (nft_apply(&fewer, &err) < 0)
		fail_msg("apply: %s", err->msg);
	cleanup_free char *again = nft_list("table ip berth");
	assert_int_equal(count(again, "dnat to"), 2);
	assert_int_equal(count(again, "tcp dport 8080 dnat"), 1);
	assert_lacks(again, "dport 443");
	assert_int_equal(count(again, "chain ports {"), 1);
	assert_int_equal(count(again, "ip saddr 127.0.0.0/8 oifname \"berth0\""), 1);
	cleanup_free char *tables = nft_list("tables");
	assert_contains(tables, "table ip berth");
	assert_lacks(tables, "table bridge berth");

	/* nothing left but the deletes: both tables gone, twice */
	assert_int_equal(nft_remove(&err), 0);
	assert_int_equal(nft_remove(&err), 0);
	cleanup_free char *none = nft_list("tables");
	assert_lacks(none, "berth");

	/* the empty state removes as well */
	assert_int_equal(nft_apply(&s, &err), 0);
	assert_int_equal(nft_apply(&(struct nft_state){ 0 }, &err), 0);
	cleanup_free char *none2 = nft_list("tables");
	assert_lacks(none2, "berth");
}

/* Other tables are left alone */
static void test_apply_leaves_others(void **state)
{
	skip_without_netns();
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	nft_ctx_buffer_error(ctx);
	assert_int_equal(nft_run_cmd_from_buffer(ctx, "add table ip other\n"
						      "add chain ip other c\n"),
			 0);
	nft_ctx_free(ctx);
	fixtures();
	struct nft_state s = { nets, 3, ports, 3 };
	assert_int_equal(nft_apply(&s, NULL), 0);
	assert_int_equal(nft_remove(NULL), 0);
	cleanup_free char *tables = nft_list("tables");
	assert_contains(tables, "table ip other");
	assert_lacks(tables, "berth");
	ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	assert_int_equal(nft_run_cmd_from_buffer(ctx, "delete table ip other"), 0);
	nft_ctx_free(ctx);
}

static int cap_net_admin(bool on)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) < 0)
		return -1;
	if (on)
		d[0].effective |= 1u << CAP_NET_ADMIN;
	else
		d[0].effective &= ~(1u << CAP_NET_ADMIN);
	return (int)syscall(SYS_capset, &h, d);
}

/* A kernel refusal comes back as EIO with nft's own words */
static void test_apply_error(void **state)
{
	skip_without_netns();
	fixtures();
	struct nft_state s = { nets, 1, ports, 1 };
	assert_int_equal(cap_net_admin(false), 0);
	cleanup_error berth_error_t *err = NULL;
	int r = nft_apply(&s, &err);
	assert_int_equal(cap_net_admin(true), 0);
	assert_int_equal(r, -EIO);
	assert_error_contains(err, "nft: ");
	assert_error_contains(err, "Operation not permitted");
	/* trimmed: no trailing newline */
	size_t n = strlen(err->msg);
	assert_true(n > 0 && err->msg[n - 1] != '\n' && err->msg[n - 1] != ' ');
	/* and the context still works afterwards, with a clean error buffer */
	assert_int_equal(nft_apply(&s, NULL), 0);
	assert_int_equal(nft_remove(NULL), 0);
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Not an assertion: what one apply costs, for `run -p`'s hot path */
static void test_apply_timing(void **state)
{
	skip_without_netns();
	fixtures();
	struct nft_state s = { nets, 3, ports, 3 };
	enum {
		N = 200
	};
	struct timespec t0;
	assert_int_equal(nft_apply(&s, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < N; i++)
		assert_int_equal(nft_apply(&s, NULL), 0);
	double shared = ms_since(&t0) / N;

	cleanup_free char *script = nft_script(&s);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < N; i++) {
		struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
		nft_ctx_buffer_output(ctx);
		nft_ctx_buffer_error(ctx);
		assert_int_equal(nft_run_cmd_from_buffer(ctx, script), 0);
		nft_ctx_free(ctx);
	}
	double fresh = ms_since(&t0) / N;
	print_message("nft_apply (3 networks, 3 ports): %.3f ms with the shared context, "
		      "%.3f ms with a new context each time\n",
		      shared, fresh);
	assert_int_equal(nft_remove(NULL), 0);
}

int main(void)
{
	/* nft tables belong to a network namespace: take one of our own
	 * before libnftables opens its socket, so nothing touches the host */
	have_netns = unshare(CLONE_NEWNET) == 0;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_script_empty),    cmocka_unit_test(test_script_full),
		cmocka_unit_test(test_script_variants), cmocka_unit_test(test_script_bad_names),
		cmocka_unit_test(test_apply),           cmocka_unit_test(test_apply_leaves_others),
		cmocka_unit_test(test_apply_error),     cmocka_unit_test(test_apply_timing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
