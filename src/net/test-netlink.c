/* Unit tests for netlink and netns: bridges, veth pairs and macvlans made
 * directly inside namespaces, addresses, routes, the prefix and name dumps,
 * sysctls and the errors.  main() first moves the whole test into a fresh
 * network namespace and a private mount namespace, so nothing it creates
 * ever touches the host and every namespace mount vanishes with it. */
#include "common/unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "net/netlink.h"
#include "net/netns.h"

static char tmpdir[64];

static struct in_addr ip(const char *s)
{
	struct in_addr a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

/* ioctl(req) on name inside netns_fd (-1: here) */
static void link_ioctl(int netns_fd, const char *name, unsigned long req, struct ifreq *ifr)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_close int fd = -1;
	assert_int_equal(netns_socket(netns_fd, AF_INET, SOCK_DGRAM, 0, &fd, &err), 0);
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
	assert_int_equal(ioctl(fd, req, ifr), 0);
}

static bool link_is_up(int netns_fd, const char *name)
{
	struct ifreq ifr;
	link_ioctl(netns_fd, name, SIOCGIFFLAGS, &ifr);
	return ifr.ifr_flags & IFF_UP;
}

static int master_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a;
	mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg))
	{
		if (mnl_attr_get_type(a) == IFLA_MASTER)
			*(unsigned *)data = mnl_attr_get_u32(a);
	}
	return MNL_CB_OK;
}

/* ifindex of name's master in the test's namespace, 0 when none; asked
 * over a netlink socket of the test's own, not netlink.c's */
static unsigned link_master(const char *name)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	assert_non_null(nl);
	assert_int_equal(mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID), 0);
	char buf[8192];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = 1;
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	assert_true(mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) > 0);
	ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	assert_true(n > 0);
	unsigned master = 0;
	assert_true(mnl_cb_run(buf, (size_t)n, 1, mnl_socket_get_portid(nl), master_cb, &master) >=
		    0);
	mnl_socket_close(nl);
	return master;
}

static ino_t self_netns_ino(void)
{
	struct stat st;
	assert_int_equal(stat("/proc/thread-self/ns/net", &st), 0);
	return st.st_ino;
}

static bool has_prefix(const struct nl_prefix *v, size_t n, const char *addr, unsigned prefix)
{
	struct in_addr a = ip(addr);
	for (size_t i = 0; i < n; i++)
		if (v[i].addr.s_addr == a.s_addr && v[i].prefix == prefix)
			return true;
	return false;
}

/* A link for tests that need any: a dummy, or a bridge where the kernel
 * has no dummy driver (CONFIG_DUMMY=n) */
static void any_link_add(struct nl_sock *s, const char *name)
{
	cleanup_error berth_error_t *err = NULL;
	int r = nl_dummy_add(s, name, &err);
	if (r == -EOPNOTSUPP) {
		/* the kernel's extended ack text comes along */
		assert_error_contains(err, "Operation not supported (Unknown device type)");
		r = nl_bridge_add(s, name, 0, &err);
	}
	if (r < 0)
		fail_msg("%s", err->msg);
}

static char *ns_path(const char *name)
{
	return xasprintf("%s/netns/%s", tmpdir, name);
}

static void test_bridge(void **state)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_nl struct nl_sock *s = NULL;
	assert_int_equal(nl_open(&s, &err), 0);

	assert_int_equal(nl_bridge_add(s, "br-t0", 1400, &err), 0);
	assert_true(nl_link_exists(s, "br-t0"));
	unsigned mtu = 0, idx = 0;
	assert_int_equal(nl_link_mtu(s, "br-t0", &mtu, &err), 0);
	assert_int_equal(mtu, 1400);
	assert_int_equal(nl_link_index(s, "br-t0", &idx, &err), 0);
	assert_int_equal(idx, if_nametoindex("br-t0"));
	assert_false(link_is_up(-1, "br-t0"));

	assert_int_equal(nl_bridge_add(s, "br-t0", 0, &err), -EEXIST);
	assert_string_equal(err->msg, "create bridge 'br-t0': File exists");

	assert_int_equal(nl_link_set_up(s, "br-t0", true, &err), 0);
	assert_true(link_is_up(-1, "br-t0"));
	assert_int_equal(nl_link_set_mtu(s, "br-t0", 1300, &err), 0);
	assert_int_equal(nl_link_mtu(s, "br-t0", &mtu, &err), 0);
	assert_int_equal(mtu, 1300);
	assert_int_equal(nl_link_set_up(s, "br-t0", false, &err), 0);
	assert_false(link_is_up(-1, "br-t0"));

	assert_int_equal(nl_link_rename(s, "br-t0", "br-t1", &err), 0);
	assert_false(nl_link_exists(s, "br-t0"));
	assert_true(nl_link_exists(s, "br-t1"));

	assert_int_equal(nl_link_del(s, "br-t1", &err), 0);
	assert_false(nl_link_exists(s, "br-t1"));
	assert_int_equal(nl_link_del(s, "br-t1", &err), -ENOENT);
	assert_error_contains(err, "delete link 'br-t1'");
	assert_int_equal(nl_link_index(s, "br-t1", &idx, &err), -ENOENT);
	assert_string_equal(err->msg, "link 'br-t1' not found");
	assert_int_equal(nl_link_set_up(s, "br-t1", true, &err), -ENOENT);
	assert_error_contains(err, "link 'br-t1' not found");
	assert_int_equal(nl_link_mtu(s, "br-t1", &mtu, &err), -ENOENT);
}

static void test_bad_names(void **state)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_nl struct nl_sock *s = NULL;
	assert_int_equal(nl_open(&s, &err), 0);
	assert_int_equal(nl_bridge_add(s, "a-name-much-too-long", 0, &err), -EINVAL);
	assert_error_contains(err, "longer than 15");
	assert_int_equal(nl_dummy_add(s, "", &err), -EINVAL);
	assert_int_equal(nl_bridge_add(s, NULL, 0, &err), -EINVAL);
	assert_false(nl_link_exists(s, "a-name-much-too-long"));
	/* The socket is still in step after errors */
	any_link_add(s, "dm-ok");
	assert_int_equal(nl_link_del(s, "dm-ok", &err), 0);
}

static void test_veth_into_netns(void **state)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_free char *dir = xasprintf("%s/netns", tmpdir);
	cleanup_free char *path = ns_path("c1");
	assert_int_equal(netns_dir_prepare(dir, &err), 0);
	assert_int_equal(netns_dir_prepare(dir, &err), 0); /* idempotent */

	ino_t home = self_netns_ino();
	assert_int_equal(netns_create(path, &err), 0);
	assert_int_equal(self_netns_ino(), home);
	assert_int_equal(netns_create(path, &err), -EEXIST);
	assert_error_contains(err, "File exists");
	cleanup_close int nsfd = -1;
	assert_int_equal(netns_open(path, &nsfd, &err), 0);
	assert_true(link_is_up(nsfd, "lo"));

	cleanup_nl struct nl_sock *s = NULL;
	assert_int_equal(nl_open(&s, &err), 0);
	assert_int_equal(nl_bridge_add(s, "br-v0", 0, &err), 0);
	const unsigned char mac[6] = { 0x02, 0x42, 0xac, 0x11, 0x00, 0x02 };
	assert_int_equal(nl_veth_add(s, "veth1a2b3c4", "eth0", nsfd, 1450, mac, &err), 0);
	assert_int_equal(nl_veth_add(s, "veth1a2b3c4", "eth1", nsfd, 0, NULL, &err), -EEXIST);
	assert_string_equal(err->msg, "create veth 'veth1a2b3c4': File exists");
	assert_false(nl_link_exists(s, "eth0")); /* the peer is not here */
	unsigned mtu = 0;
	assert_int_equal(nl_link_mtu(s, "veth1a2b3c4", &mtu, &err), 0);
	assert_int_equal(mtu, 1450);

	assert_int_equal(nl_link_set_master(s, "veth1a2b3c4", "br-missing", &err), -ENOENT);
	assert_error_contains(err, "link 'br-missing' not found");
	assert_int_equal(nl_link_set_master(s, "veth1a2b3c4", "br-v0", &err), 0);
	assert_int_equal(link_master("veth1a2b3c4"), if_nametoindex("br-v0"));
	assert_int_equal(nl_link_set_master(s, "veth1a2b3c4", NULL, &err), 0);
	assert_int_equal(link_master("veth1a2b3c4"), 0);
	assert_int_equal(nl_link_set_master(s, "veth1a2b3c4", "br-v0", &err), 0);
	assert_int_equal(nl_link_set_up(s, "veth1a2b3c4", true, &err), 0);

	/* Inside: the peer with its MAC and MTU, then address and route */
	cleanup_nl struct nl_sock *in = NULL;
	assert_int_equal(nl_open_in(nsfd, &in, &err), 0);
	assert_int_equal(self_netns_ino(), home);
	assert_true(nl_link_exists(in, "eth0"));
	assert_false(nl_link_exists(in, "veth1a2b3c4"));
	assert_int_equal(nl_link_mtu(in, "eth0", &mtu, &err), 0);
	assert_int_equal(mtu, 1450);
	struct ifreq ifr;
	link_ioctl(nsfd, "eth0", SIOCGIFHWADDR, &ifr);
	assert_memory_equal(ifr.ifr_hwaddr.sa_data, mac, 6);

	assert_int_equal(nl_addr_add(in, "eth0", ip("172.30.99.2"), 24, &err), 0);
	assert_int_equal(nl_addr_add(in, "eth0", ip("172.30.99.2"), 24, &err), -EEXIST);
	assert_error_contains(err, "add address 172.30.99.2/24 to 'eth0'");
	assert_int_equal(nl_link_set_up(in, "eth0", true, &err), 0);
	assert_true(link_is_up(nsfd, "eth0"));
	assert_int_equal(nl_route_add_default(in, ip("172.30.99.1"), "eth0", &err), 0);
	assert_int_equal(nl_route_add_default(in, ip("172.30.99.1"), "eth0", &err), -EEXIST);

	cleanup_free struct nl_prefix *p = NULL;
	size_t n = 0;
	assert_int_equal(nl_ipv4_prefixes(in, &p, &n, &err), 0);
	assert_true(has_prefix(p, n, "172.30.99.0", 24));
	assert_true(has_prefix(p, n, "127.0.0.0", 8));
	assert_false(has_prefix(p, n, "0.0.0.0", 0));
	/* The host side sees none of it */
	cleanup_free struct nl_prefix *hp = NULL;
	size_t hn = 0;
	assert_int_equal(nl_ipv4_prefixes(s, &hp, &hn, &err), 0);
	assert_false(has_prefix(hp, hn, "172.30.99.0", 24));

	/* The directory cannot be released while it holds a namespace */
	assert_int_equal(netns_dir_release(dir, &err), -EBUSY);
	assert_int_equal(netns_remove(path, &err), 0);
	assert_int_equal(netns_remove(path, &err), 0);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(netns_open(path, &nsfd, &err) < 0, 1);
	assert_int_equal(netns_dir_release(dir, &err), 0);
	assert_int_equal(netns_dir_release(dir, &err), 0);

	/* The namespace lives while in/nsfd pin it; the host end goes with it */
	nl_close(steal_pointer(&in));
	assert_int_equal(nl_link_del(s, "veth1a2b3c4", &err), 0);
	assert_int_equal(nl_link_del(s, "br-v0", &err), 0);
}

static void test_link_names(void **state)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_nl struct nl_sock *s = NULL;
	assert_int_equal(nl_open(&s, &err), 0);
	any_link_add(s, "bxt-a");
	any_link_add(s, "bxt-b");
	any_link_add(s, "bx-other");

	cleanup_strv char **names = NULL;
	size_t n = 0;
	assert_int_equal(nl_link_names(s, "bxt-", &names, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_non_null(names);
	assert_null(names[2]);
	bool a = false, b = false;
	for (char **p = names; *p; p++) {
		a |= strcmp(*p, "bxt-a") == 0;
		b |= strcmp(*p, "bxt-b") == 0;
	}
	assert_true(a && b);

	cleanup_strv char **none = NULL;
	assert_int_equal(nl_link_names(s, "zzz", &none, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_non_null(none);

	cleanup_strv char **all = NULL;
	assert_int_equal(nl_link_names(s, "", &all, &n, &err), 0);
	assert_true(n >= 4); /* lo and the three */

	assert_int_equal(nl_link_del(s, "bxt-a", &err), 0);
	assert_int_equal(nl_link_del(s, "bxt-b", &err), 0);
	assert_int_equal(nl_link_del(s, "bx-other", &err), 0);
}

static void test_prefixes(void **state)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_nl struct nl_sock *s = NULL;
	assert_int_equal(nl_open(&s, &err), 0);
	any_link_add(s, "pfx0");
	assert_int_equal(nl_addr_add(s, "pfx0", ip("10.213.7.9"), 20, &err), 0);

	cleanup_free struct nl_prefix *p = NULL;
	size_t n = 0;
	/* Down: the address's subnet, no route yet */
	assert_int_equal(nl_ipv4_prefixes(s, &p, &n, &err), 0);
	assert_true(has_prefix(p, n, "10.213.0.0", 20));
	free(steal_pointer(&p));

	assert_int_equal(nl_link_set_up(s, "pfx0", true, &err), 0);
	assert_int_equal(nl_route_add_default(s, ip("10.213.0.1"), NULL, &err), 0);
	assert_int_equal(nl_ipv4_prefixes(s, &p, &n, &err), 0);
	assert_true(has_prefix(p, n, "10.213.0.0", 20));
	assert_false(has_prefix(p, n, "0.0.0.0", 0));
	for (size_t i = 0; i < n; i++) /* no duplicates of the route and address */
		for (size_t j = i + 1; j < n; j++)
			assert_false(p[i].addr.s_addr == p[j].addr.s_addr &&
				     p[i].prefix == p[j].prefix);
	assert_int_equal(nl_link_del(s, "pfx0", &err), 0);
}

static void test_macvlan(void **state)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_free char *dir = xasprintf("%s/netns", tmpdir);
	cleanup_free char *path = ns_path("mv");
	assert_int_equal(netns_dir_prepare(dir, &err), 0);
	assert_int_equal(netns_create(path, &err), 0);
	cleanup_close int nsfd = -1;
	assert_int_equal(netns_open(path, &nsfd, &err), 0);

	cleanup_nl struct nl_sock *s = NULL;
	assert_int_equal(nl_open(&s, &err), 0);
	any_link_add(s, "mvparent0");
	assert_int_equal(nl_link_set_up(s, "mvparent0", true, &err), 0);
	const unsigned char mac[6] = { 0x02, 0x42, 0x0a, 0x00, 0x00, 0x05 };
	assert_int_equal(nl_macvlan_add(s, "mv0", "mvparent0", "bridge", nsfd, 1400, mac, &err), 0);
	assert_false(nl_link_exists(s, "mv0"));
	assert_int_equal(nl_macvlan_add(s, "mv1", "mvparent0", "sideways", nsfd, 0, NULL, &err),
			 -EINVAL);
	assert_error_contains(err, "unknown mode 'sideways'");
	assert_int_equal(nl_macvlan_add(s, "mv1", "nope0", "bridge", nsfd, 0, NULL, &err), -ENOENT);
	assert_error_contains(err, "link 'nope0' not found");

	cleanup_nl struct nl_sock *in = NULL;
	assert_int_equal(nl_open_in(nsfd, &in, &err), 0);
	unsigned mtu = 0;
	assert_int_equal(nl_link_mtu(in, "mv0", &mtu, &err), 0);
	assert_int_equal(mtu, 1400);
	struct ifreq ifr;
	link_ioctl(nsfd, "mv0", SIOCGIFHWADDR, &ifr);
	assert_memory_equal(ifr.ifr_hwaddr.sa_data, mac, 6);
	/* A second one of the same name in that namespace */
	assert_int_equal(nl_macvlan_add(s, "mv0", "mvparent0", "private", nsfd, 0, NULL, &err),
			 -EEXIST);
	assert_error_contains(err, "create macvlan 'mv0' on 'mvparent0'");
	assert_int_equal(nl_link_del(in, "mv0", &err), 0);

	assert_int_equal(netns_remove(path, &err), 0);
	assert_int_equal(nl_link_del(s, "mvparent0", &err), 0);
	assert_int_equal(netns_dir_release(dir, &err), 0);
}

static int read_file_in(void *arg, berth_error_t **err)
{
	char **io = arg; /* io[0]: path in, io[1]: content out */
	cleanup_close int fd = open(io[0], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_set(err, errno, "open '%s'", io[0]);
	char buf[64] = { 0 };
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return berth_error_set(err, errno, "read '%s'", io[0]);
	buf[strcspn(buf, "\n")] = '\0';
	io[1] = xstrdup(buf);
	return 0;
}

static char *sysctl_read(int netns_fd, const char *path)
{
	cleanup_error berth_error_t *err = NULL;
	char *io[2] = { (char *)path, NULL };
	assert_int_equal(netns_run(netns_fd, read_file_in, io, &err), 0);
	return io[1];
}

static void test_sysctl(void **state)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_free char *dir = xasprintf("%s/netns", tmpdir);
	cleanup_free char *path = ns_path("sys");
	assert_int_equal(netns_dir_prepare(dir, &err), 0);
	assert_int_equal(netns_create(path, &err), 0);
	cleanup_close int nsfd = -1;
	assert_int_equal(netns_open(path, &nsfd, &err), 0);

	assert_int_equal(netns_sysctl(-1, "net.ipv4.ip_forward", "0", &err), 0);
	assert_int_equal(netns_sysctl(nsfd, "net.ipv4.ip_forward", "1", &err), 0);
	cleanup_free char *in = sysctl_read(nsfd, "/proc/sys/net/ipv4/ip_forward");
	cleanup_free char *here = sysctl_read(-1, "/proc/sys/net/ipv4/ip_forward");
	assert_string_equal(in, "1");
	assert_string_equal(here, "0");

	/* A per-device key, and a device with a dot in its name */
	cleanup_nl struct nl_sock *s = NULL;
	assert_int_equal(nl_open(&s, &err), 0);
	assert_int_equal(nl_bridge_add(s, "br-s.1", 0, &err), 0);
	assert_int_equal(netns_sysctl(-1, "net.ipv4.conf.br-s/1.route_localnet", "1", &err), 0);
	cleanup_free char *rl = sysctl_read(-1, "/proc/sys/net/ipv4/conf/br-s.1/route_localnet");
	assert_string_equal(rl, "1");
	assert_int_equal(nl_link_del(s, "br-s.1", &err), 0);

	assert_int_equal(netns_sysctl(-1, "net..ipv4", "1", &err), -EINVAL);
	assert_int_equal(netns_sysctl(-1, "net./../x", "1", &err), -EINVAL);
	assert_int_equal(netns_sysctl(-1, ".net", "1", &err), -EINVAL);
	assert_int_equal(netns_sysctl(-1, "net.ipv4.no_such_key", "1", &err), -ENOENT);
	assert_error_contains(err, "set sysctl 'net.ipv4.no_such_key'");

	assert_int_equal(netns_remove(path, &err), 0);
	assert_int_equal(netns_dir_release(dir, &err), 0);
}

static void test_netns_misc(void **state)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_free char *dir = xasprintf("%s/netns", tmpdir);
	cleanup_free char *path = ns_path("misc");
	cleanup_free char *plain = xasprintf("%s/plain", tmpdir);
	assert_int_equal(netns_remove(path, &err), 0);     /* never existed */
	assert_int_equal(netns_dir_release(dir, &err), 0); /* not prepared */

	/* A plain file is no namespace */
	cleanup_close int fd = open(plain, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	cleanup_close int nsfd = -1;
	assert_int_equal(netns_open(plain, &nsfd, &err), -EINVAL);

	/* /proc/<pid>/ns/net works too; a socket made inside */
	assert_int_equal(netns_open("/proc/self/ns/net", &nsfd, &err), 0);
	cleanup_close int sfd = -1;
	assert_int_equal(netns_socket(nsfd, AF_INET, SOCK_DGRAM, 0, &sfd, &err), 0);
	assert_true(fcntl(sfd, F_GETFD) & FD_CLOEXEC);

	/* mkdir -p, a mount point of its own, once */
	cleanup_free char *deep = xasprintf("%s/a/b/c", tmpdir);
	assert_int_equal(netns_dir_prepare(deep, &err), 0);
	struct statx stx;
	assert_int_equal(statx(AT_FDCWD, deep, 0, STATX_BASIC_STATS, &stx), 0);
	assert_true(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
	assert_int_equal(netns_dir_prepare(deep, &err), 0);
	assert_int_equal(netns_dir_release(deep, &err), 0);
	assert_int_equal(statx(AT_FDCWD, deep, 0, STATX_BASIC_STATS, &stx), 0);
	assert_false(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
	assert_int_equal(netns_dir_prepare(plain, &err), -ENOTDIR);

	/* A namespace in a directory that does not exist: create fails and
	 * leaves nothing */
	cleanup_free char *bad = xasprintf("%s/nodir/x", tmpdir);
	ino_t home = self_netns_ino();
	assert_true(netns_create(bad, &err) < 0);
	assert_int_equal(self_netns_ino(), home);

	assert_int_equal(netns_remove(plain, &err), 0);
	assert_int_equal(access(plain, F_OK), -1);
}

/* How long the netlink part of one container's bridge networking takes
 * (printed, not asserted: the budget is for the whole run --rm) */
static void test_timing(void **state)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_free char *dir = xasprintf("%s/netns", tmpdir);
	cleanup_free char *path = ns_path("t");
	assert_int_equal(netns_dir_prepare(dir, &err), 0);
	cleanup_nl struct nl_sock *s = NULL;
	assert_int_equal(nl_open(&s, &err), 0);
	assert_int_equal(nl_bridge_add(s, "br-time", 0, &err), 0);
	assert_int_equal(nl_link_set_up(s, "br-time", true, &err), 0);

	struct timespec t0, t1, t2;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(netns_create(path, &err), 0);
	cleanup_close int nsfd = -1;
	assert_int_equal(netns_open(path, &nsfd, &err), 0);
	assert_int_equal(nl_veth_add(s, "veth-time", "eth0", nsfd, 0, NULL, &err), 0);
	assert_int_equal(nl_link_set_master(s, "veth-time", "br-time", &err), 0);
	assert_int_equal(nl_link_set_up(s, "veth-time", true, &err), 0);
	cleanup_nl struct nl_sock *in = NULL;
	assert_int_equal(nl_open_in(nsfd, &in, &err), 0);
	assert_int_equal(nl_addr_add(in, "eth0", ip("10.77.0.2"), 16, &err), 0);
	assert_int_equal(nl_link_set_up(in, "eth0", true, &err), 0);
	assert_int_equal(nl_route_add_default(in, ip("10.77.0.1"), "eth0", &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	nl_close(steal_pointer(&in));
	cleanup_closep(&nsfd);
	struct timespec td;
	assert_int_equal(nl_link_del(s, "veth-time", &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &td);
	assert_int_equal(netns_remove(path, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	printf("# veth delete %.2f ms\n",
	       (double)(td.tv_sec - t1.tv_sec) * 1e3 + (double)(td.tv_nsec - t1.tv_nsec) / 1e6);
	double up = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	double down =
		(double)(t2.tv_sec - t1.tv_sec) * 1e3 + (double)(t2.tv_nsec - t1.tv_nsec) / 1e6;
	printf("# setup %.2f ms, teardown %.2f ms\n", up, down);
	assert_int_equal(nl_link_del(s, "br-time", &err), 0);
	assert_int_equal(netns_dir_release(dir, &err), 0);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root (network and mount namespaces)\n");
		return 0;
	}
	/* Everything below happens in namespaces of the test's own: links
	 * never reach the host, and the namespace bind mounts vanish with
	 * the private mount namespace when the test exits */
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0 ||
	    mount("", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		printf("1..0 # SKIP cannot make namespaces: %s\n", strerror(errno));
		return 0;
	}
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/berth-test-netlink-XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bridge),          cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_veth_into_netns), cmocka_unit_test(test_link_names),
		cmocka_unit_test(test_prefixes),        cmocka_unit_test(test_macvlan),
		cmocka_unit_test(test_sysctl),          cmocka_unit_test(test_netns_misc),
		cmocka_unit_test(test_timing),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	/* The mounts would go with this mount namespace, the files not:
	 * unmount what a failed test left so that they can be removed */
	cleanup_free char *nsdir = xasprintf("%s/netns", tmpdir);
	cleanup_dir DIR *d = opendir(nsdir);
	for (struct dirent *de; d && (de = readdir(d));) {
		cleanup_free char *p = xasprintf("%s/%s", nsdir, de->d_name);
		if (de->d_name[0] != '.')
			umount2(p, MNT_DETACH);
	}
	umount2(nsdir, MNT_DETACH);
	unit_rm_rf(tmpdir);
	return r;
}
