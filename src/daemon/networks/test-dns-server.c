/* Unit tests for dns-server: the test moves into network and mount
 * namespaces of its own (root), makes two "containers" with netns.c and queries
 * 127.0.0.11:53 from inside them over UDP and TCP, with a fake upstream
 * resolver on the test's 127.0.0.1 that the test itself answers (or not). */
#include "common/unit.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <resolv.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "daemon/networks/dns-server.h"
#include "net/dns.h"
#include "net/netns.h"

static int lo_up(void)
{
	cleanup_close int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = { 0 };
	memcpy(ifr.ifr_name, "lo", 3);
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return -1;
	ifr.ifr_flags |= IFF_UP;
	return ioctl(fd, SIOCSIFFLAGS, &ifr);
}

/* The containers' namespaces, made by netns.c under a directory of a
 * mount namespace of the test's own: nothing outlives the test */
static char nsdir[] = "/tmp/test-dns-server.XXXXXX";

static int container_netns(const char *name)
{
	cleanup_free char *path = xasprintf("%s/%s", nsdir, name);
	cleanup_error berth_error_t *err = NULL;
	int fd = -1;
	if (netns_create(path, &err) < 0 || netns_open(path, &fd, &err) < 0) {
		fprintf(stderr, "# %s\n", err->msg);
		return -1;
	}
	return fd;
}

/* ---- the resolve callback ---------------------------------------------- */

static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;
static char seen_id[64], seen_name[DNS_NAME_MAX + 1];

static size_t resolve(void *ctx, const char *container_id, const char *name, struct in_addr *ret,
		      size_t max)
{
	assert_ptr_equal(ctx, &seen_lock);
	pthread_mutex_lock(&seen_lock);
	snprintf(seen_id, sizeof(seen_id), "%s", container_id);
	snprintf(seen_name, sizeof(seen_name), "%s", name);
	pthread_mutex_unlock(&seen_lock);
	const char *v[3] = { 0 };
	size_t n = 0;
	if (strcmp(name, "web") == 0)
		v[0] = "172.18.0.2", n = 1;
	else if (strcmp(name, "multi.net1") == 0)
		v[0] = "172.18.0.3", v[1] = "172.18.0.4", v[2] = "10.0.0.9", n = 3;
	else if (strcmp(name, "only-c2") == 0 && strcmp(container_id, "c2") == 0)
		v[0] = "172.19.0.7", n = 1;
	if (n > max)
		n = max;
	for (size_t i = 0; i < n; i++)
		inet_pton(AF_INET, v[i], &ret[i]);
	return n;
}

/* ---- fixtures ---------------------------------------------------------- */

struct fixture {
	struct dns_server *s;
	int c1, c2;   /* container netns fds */
	int upstream; /* the fake upstream's socket */
	struct sockaddr_in upstream_addr;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->c1 = container_netns("c1");
	f->c2 = container_netns("c2");
	if (f->c1 < 0 || f->c2 < 0)
		return free(f), -1;
	f->upstream = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET };
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	socklen_t alen = sizeof(a);
	if (bind(f->upstream, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(f->upstream, (struct sockaddr *)&a, &alen) < 0)
		return free(f), -1;
	f->upstream_addr = a;
	cleanup_error berth_error_t *err = NULL;
	if (dns_server_start(resolve, &seen_lock, &f->s, &err) < 0)
		return free(f), -1;
	dns_server_set_upstream(f->s, &f->upstream_addr);
	if (dns_server_add(f->s, "c1", f->c1, &err) < 0 ||
	    dns_server_add(f->s, "c2", f->c2, &err) < 0) {
		fprintf(stderr, "# %s\n", err->msg);
		return free(f), -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	dns_server_stop(f->s);
	close(f->upstream);
	close(f->c1);
	close(f->c2);
	free(f);
	const char *names[] = { "c1", "c2" };
	for (size_t i = 0; i < 2; i++) {
		cleanup_free char *path = xasprintf("%s/%s", nsdir, names[i]);
		assert_int_equal(netns_remove(path, NULL), 0);
	}
	assert_int_equal(netns_dir_release(nsdir, NULL), 0);
	assert_int_equal(rmdir(nsdir), 0);
	return 0;
}

/* ---- clients ----------------------------------------------------------- */

static struct sockaddr_in server_addr(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(53) };
	inet_pton(AF_INET, "127.0.0.11", &a.sin_addr);
	return a;
}

/* A UDP socket inside netns, connected to 127.0.0.11:53 */
static int udp_client(int netns)
{
	int fd = -1;
	assert_int_equal(netns_socket(netns, AF_INET, SOCK_DGRAM, 0, &fd, NULL), 0);
	struct sockaddr_in a = server_addr();
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

/* Wait up to ms for fd to be readable and read; -1 with errno ETIMEDOUT */
static ssize_t recv_within(int fd, void *buf, size_t cap, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r = poll(&p, 1, ms);
	if (r == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	assert_int_equal(r, 1);
	return recv(fd, buf, cap, 0);
}

static size_t mkquery(const char *name, int type, uint8_t *buf, size_t cap)
{
	int n = res_mkquery(QUERY, name, C_IN, type, NULL, 0, NULL, buf, (int)cap);
	assert_true(n > 12);
	return (size_t)n;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Check an answer to query (qn bytes): the id, QR, rcode and the A
 * records (a NULL-terminated list of dotted quads) */
static void check_answer(const uint8_t *query, size_t qn, const uint8_t *ans, ssize_t an, int rcode,
			 const char *const *addrs)
{
	size_t n = 0;
	while (addrs && addrs[n])
		n++;
	assert_true(an >= 12);
	assert_int_equal(rd16(ans), rd16(query));
	assert_true(ans[2] & 0x80);
	assert_int_equal(ans[3] & 0xf, rcode);
	assert_int_equal(rd16(ans + 6), n);
	assert_int_equal(an, (ssize_t)(qn + 16 * n));
	for (size_t i = 0; i < n; i++) {
		char text[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, ans + qn + 16 * i + 12, text, sizeof(text));
		assert_string_equal(text, addrs[i]);
	}
}

static void udp_ask(int fd, const char *name, int type, int rcode, const char *const *addrs)
{
	uint8_t q[512] = { 0 }, a[DNS_UDP_MAX] = { 0 };
	size_t qn = mkquery(name, type, q, sizeof(q));
	assert_int_equal(send(fd, q, qn, 0), (ssize_t)qn);
	ssize_t an = recv_within(fd, a, sizeof(a), 3000);
	check_answer(q, qn, a, an, rcode, addrs);
}

/* ---- tests ------------------------------------------------------------- */

static void test_known_names(void **state)
{
	struct fixture *f = *state;
	cleanup_close int fd = udp_client(f->c1);
	udp_ask(fd, "web", T_A, 0, (const char *[]){ "172.18.0.2", NULL });
	pthread_mutex_lock(&seen_lock);
	assert_string_equal(seen_id, "c1");
	assert_string_equal(seen_name, "web");
	pthread_mutex_unlock(&seen_lock);
	udp_ask(fd, "Multi.NET1.", T_A, 0,
		(const char *[]){ "172.18.0.3", "172.18.0.4", "10.0.0.9", NULL });
	pthread_mutex_lock(&seen_lock);
	assert_string_equal(seen_name, "multi.net1");
	pthread_mutex_unlock(&seen_lock);
	/* AAAA of a name of ours: NOERROR, nothing */
	udp_ask(fd, "web", T_AAAA, 0, NULL);
	udp_ask(fd, "web", T_MX, 0, NULL);

	/* each container gets its own view */
	cleanup_close int fd2 = udp_client(f->c2);
	udp_ask(fd2, "only-c2", T_A, 0, (const char *[]){ "172.19.0.7", NULL });
	pthread_mutex_lock(&seen_lock);
	assert_string_equal(seen_id, "c2");
	pthread_mutex_unlock(&seen_lock);
}

static void test_add_twice(void **state)
{
	struct fixture *f = *state;
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(dns_server_add(f->s, "c1", f->c1, &err), -EEXIST);
	assert_error_contains(err, "c1");
}

static void test_forward(void **state)
{
	struct fixture *f = *state;
	cleanup_close int fd = udp_client(f->c1);
	uint8_t q[512] = { 0 }, fwd[DNS_UDP_MAX] = { 0 }, a[DNS_UDP_MAX] = { 0 };
	size_t qn = mkquery("example.org", T_A, q, sizeof(q));
	assert_int_equal(send(fd, q, qn, 0), (ssize_t)qn);

	/* the upstream sees the same packet, under another id */
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	struct pollfd p = { .fd = f->upstream, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 3000), 1);
	ssize_t fn = recvfrom(f->upstream, fwd, sizeof(fwd), 0, (struct sockaddr *)&from, &flen);
	assert_int_equal(fn, (ssize_t)qn);
	assert_memory_equal(fwd + 2, q + 2, qn - 2);

	/* a reply from elsewhere is ignored */
	uint8_t reply[512] = { 0 };
	memcpy(reply, fwd, qn);
	reply[2] |= 0x80;
	reply[3] = 0x83; /* RA, NXDOMAIN */
	{
		cleanup_close int other = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		assert_int_equal(sendto(other, reply, qn, 0, (struct sockaddr *)&from, flen),
				 (ssize_t)qn);
	}
	/* the real one is relayed with the client's id */
	assert_int_equal(sendto(f->upstream, reply, qn, 0, (struct sockaddr *)&from, flen),
			 (ssize_t)qn);
	ssize_t an = recv_within(fd, a, sizeof(a), 3000);
	assert_int_equal(an, (ssize_t)qn);
	check_answer(q, qn, a, an, DNS_RCODE_NXDOMAIN, NULL);
	/* and only once */
	assert_int_equal(recv_within(fd, a, sizeof(a), 200), -1);
	assert_int_equal(errno, ETIMEDOUT);
}

static void test_forward_timeout(void **state)
{
	struct fixture *f = *state;
	dns_server_set_timeout(f->s, 300);
	cleanup_close int fd = udp_client(f->c1);
	uint8_t q[512] = { 0 }, a[DNS_UDP_MAX] = { 0 }, fwd[DNS_UDP_MAX] = { 0 };
	size_t qn = mkquery("slow.example", T_A, q, sizeof(q));
	assert_int_equal(send(fd, q, qn, 0), (ssize_t)qn);
	ssize_t an = recv_within(fd, a, sizeof(a), 3000);
	check_answer(q, qn, a, an, DNS_RCODE_SERVFAIL, NULL);
	/* the upstream got it and never answered */
	struct pollfd p = { .fd = f->upstream, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 0), 1);
	assert_true(recv(f->upstream, fwd, sizeof(fwd), 0) > 0);
	dns_server_set_timeout(f->s, 5000);
}

static void test_no_upstream(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_in none = { .sin_family = AF_UNSPEC };
	assert_int_equal(dns_server_set_upstream(f->s, &none), 0);
	cleanup_close int fd = udp_client(f->c1);
	udp_ask(fd, "anything.example", T_A, DNS_RCODE_SERVFAIL, NULL);
	/* a name of ours needs no upstream */
	udp_ask(fd, "web", T_A, 0, (const char *[]){ "172.18.0.2", NULL });
	struct sockaddr_in6 bad = { .sin6_family = AF_INET6 };
	assert_int_equal(dns_server_set_upstream(f->s, (struct sockaddr_in *)&bad), -EINVAL);
	dns_server_set_upstream(f->s, &f->upstream_addr);
}

static void test_malformed(void **state)
{
	struct fixture *f = *state;
	cleanup_close int fd = udp_client(f->c1);
	uint8_t q[512] = { 0 }, a[DNS_UDP_MAX] = { 0 };
	size_t qn = mkquery("web", T_A, q, sizeof(q));

	/* shorter than a header: dropped */
	assert_int_equal(send(fd, q, 5, 0), 5);
	assert_int_equal(recv_within(fd, a, sizeof(a), 200), -1);
	assert_int_equal(errno, ETIMEDOUT);
	/* an answer: dropped (never answer an answer) */
	q[2] |= 0x80;
	assert_int_equal(send(fd, q, qn, 0), (ssize_t)qn);
	assert_int_equal(recv_within(fd, a, sizeof(a), 200), -1);
	q[2] &= ~0x80;
	/* two questions: FORMERR, header only */
	q[5] = 2;
	assert_int_equal(send(fd, q, qn, 0), (ssize_t)qn);
	ssize_t an = recv_within(fd, a, sizeof(a), 3000);
	assert_int_equal(an, 12);
	assert_int_equal(rd16(a), rd16(q));
	assert_true(a[2] & 0x80);
	assert_int_equal(a[3] & 0xf, DNS_RCODE_FORMERR);
	q[5] = 1;
	/* an empty datagram and a truncated name */
	assert_int_equal(send(fd, q, 0, 0), 0);
	assert_int_equal(send(fd, q, 14, 0), 14);
	an = recv_within(fd, a, sizeof(a), 3000);
	assert_int_equal(an, 12);
	assert_int_equal(a[3] & 0xf, DNS_RCODE_FORMERR);
	/* still serving */
	udp_ask(fd, "web", T_A, 0, (const char *[]){ "172.18.0.2", NULL });
}

/* A TCP connection to 127.0.0.11:53 inside netns */
static int tcp_client(int netns)
{
	int fd = -1;
	assert_int_equal(netns_socket(netns, AF_INET, SOCK_STREAM, 0, &fd, NULL), 0);
	struct sockaddr_in a = server_addr();
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static ssize_t tcp_ask(int fd, const uint8_t *q, size_t qn, uint8_t *a, size_t cap)
{
	uint8_t buf[2 + 512] = { 0 };
	buf[0] = (uint8_t)(qn >> 8), buf[1] = (uint8_t)qn;
	memcpy(buf + 2, q, qn);
	assert_int_equal(send(fd, buf, qn + 2, MSG_NOSIGNAL), (ssize_t)(qn + 2));
	size_t got = 0;
	for (;;) {
		ssize_t n = recv_within(fd, a + got, cap - got, 3000);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	assert_true(got >= 2);
	assert_int_equal(rd16(a), got - 2); /* then the server closed */
	return (ssize_t)got - 2;
}

static void test_tcp(void **state)
{
	struct fixture *f = *state;
	uint8_t q[512] = { 0 }, a[DNS_UDP_MAX] = { 0 };
	/* a slow client that says nothing does not hold up anyone */
	cleanup_close int slow = tcp_client(f->c1);
	cleanup_close int half = tcp_client(f->c1);
	assert_true(slow >= 0);
	assert_int_equal(send(half, "\0\50ab", 4, MSG_NOSIGNAL), 4);

	size_t qn = mkquery("multi.net1", T_A, q, sizeof(q));
	{
		cleanup_close int fd = tcp_client(f->c1);
		ssize_t an = tcp_ask(fd, q, qn, a, sizeof(a));
		check_answer(q, qn, a + 2, an, 0,
			     (const char *[]){ "172.18.0.3", "172.18.0.4", "10.0.0.9", NULL });
	}
	/* unknown names are not forwarded over TCP */
	qn = mkquery("example.org", T_A, q, sizeof(q));
	{
		cleanup_close int fd = tcp_client(f->c1);
		ssize_t an = tcp_ask(fd, q, qn, a, sizeof(a));
		check_answer(q, qn, a + 2, an, DNS_RCODE_SERVFAIL, NULL);
	}
	/* UDP meanwhile */
	cleanup_close int u = udp_client(f->c1);
	udp_ask(u, "web", T_A, 0, (const char *[]){ "172.18.0.2", NULL });

	/* a length over the cap: closed */
	{
		cleanup_close int fd = tcp_client(f->c1);
		assert_int_equal(send(fd, "\xff\xff", 2, MSG_NOSIGNAL), 2);
		assert_true(recv_within(fd, a, sizeof(a), 3000) <= 0);
	}
	/* the slow ones are closed at the deadline */
	dns_server_set_timeout(f->s, 200);
	cleanup_close int slow2 = tcp_client(f->c1);
	assert_true(recv_within(slow2, a, sizeof(a), 3000) <= 0);
	dns_server_set_timeout(f->s, 5000);
}

/* Last: c2 goes away */
static void test_remove(void **state)
{
	struct fixture *f = *state;
	cleanup_close int fd = udp_client(f->c2);
	udp_ask(fd, "only-c2", T_A, 0, (const char *[]){ "172.19.0.7", NULL });
	dns_server_remove(f->s, "c2");
	dns_server_remove(f->s, "c2"); /* no-op */
	dns_server_remove(f->s, "nope");
	uint8_t q[512] = { 0 }, a[512] = { 0 };
	size_t qn = mkquery("only-c2", T_A, q, sizeof(q));
	assert_int_equal(send(fd, q, qn, 0), (ssize_t)qn);
	/* no answer: either the socket is closed already (refused) or
	 * nobody reads it any more */
	assert_int_equal(recv_within(fd, a, sizeof(a), 300), -1);
	assert_true(errno == ETIMEDOUT || errno == ECONNREFUSED);
	/* c1 is still served */
	cleanup_close int fd1 = udp_client(f->c1);
	udp_ask(fd1, "web", T_A, 0, (const char *[]){ "172.18.0.2", NULL });
	/* and c2 can come back: the thread closes the old sockets on the
	 * turn after remove's wakeup, before it reads c1's later query, so
	 * the address is free by now */
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(dns_server_add(f->s, "c2", f->c2, &err), 0);
	cleanup_close int fd2 = udp_client(f->c2);
	udp_ask(fd2, "only-c2", T_A, 0, (const char *[]){ "172.19.0.7", NULL });
}

int main(void)
{
	/* a network namespace of our own for the "host" side (the fake
	 * upstream), and a mount namespace for the containers' nsfs mounts */
	if (geteuid() != 0 || unshare(CLONE_NEWNET | CLONE_NEWNS) < 0 || lo_up() < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		printf("1..0 # SKIP needs root for network and mount namespaces\n");
		return 0;
	}
	if (!mkdtemp(nsdir) || netns_dir_prepare(nsdir, NULL) < 0) {
		printf("Bail out! cannot prepare '%s'\n", nsdir);
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_names), cmocka_unit_test(test_add_twice),
		cmocka_unit_test(test_forward),     cmocka_unit_test(test_forward_timeout),
		cmocka_unit_test(test_no_upstream), cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_tcp),         cmocka_unit_test(test_remove),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
