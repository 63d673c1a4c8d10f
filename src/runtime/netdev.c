/* netdev: move linux.netDevices into the container's network namespace
 * with raw rtnetlink (no library: four request types).  Invariant: the
 * runtime stays in the host's network namespace; it only enters the
 * container's for the instant of creating a socket there (a netlink
 * socket keeps the namespace it was made in), which is safe because the
 * runtime has no threads.  After the move the device is the container's:
 * config-linux.md says the runtime does not manage it any further, so on
 * delete nothing is moved back.  The kernel decides, as for any network
 * namespace that goes away: physical devices return to the initial
 * namespace, virtual ones (veth, dummy) are destroyed. */
#include "runtime/netdev.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"

/* Most addresses carried over per device (STYLE.md: every input has a cap) */
#define NETDEV_MAX_ADDRS 256
#define NL_REQ_SIZE 512

struct nl_req {
	struct nlmsghdr nh;
	char buf[NL_REQ_SIZE];
};

struct saved_addr {
	struct ifaddrmsg ifa;
	unsigned char local[16], address[16], broadcast[16];
	size_t local_len, address_len, broadcast_len;
};

struct addr_list {
	int ifindex;
	struct saved_addr *v;
	size_t n;
};

/* Append payload to the request; every caller's data is bounded (a
 * header, an interface name, an address), so NL_REQ_SIZE always fits */
static void *nl_put(struct nl_req *r, const void *data, size_t len)
{
	char *p = (char *)&r->nh + NLMSG_ALIGN(r->nh.nlmsg_len);
	memcpy(p, data, len);
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + (uint32_t)len;
	return p;
}

static void nl_attr(struct nl_req *r, unsigned short type, const void *data, size_t len)
{
	struct rtattr rta = { .rta_len = (unsigned short)RTA_LENGTH(len), .rta_type = type };
	nl_put(r, &rta, sizeof(rta));
	char *p = (char *)&r->nh + r->nh.nlmsg_len;
	memcpy(p, data, len);
	r->nh.nlmsg_len += (uint32_t)RTA_ALIGN(len);
}

static void nl_init(struct nl_req *r, unsigned short type, unsigned short flags)
{
	memset(r, 0, sizeof(*r));
	r->nh.nlmsg_len = NLMSG_HDRLEN;
	r->nh.nlmsg_type = type;
	r->nh.nlmsg_flags = (unsigned short)(NLM_F_REQUEST | NLM_F_ACK | flags);
}

typedef void (*nl_cb)(const struct nlmsghdr *m, void *data);

/* Send r and read replies until its ack, error or (for a dump) DONE.
 * Data messages go to cb.  Returns 0 or a negative errno. */
static int nl_talk(int fd, struct nl_req *r, nl_cb cb, void *data)
{
	static uint32_t seq;
	r->nh.nlmsg_seq = ++seq;
	ssize_t n;
	do
		n = send(fd, &r->nh, r->nh.nlmsg_len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (;;) {
		char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
		do
			n = recv(fd, buf, sizeof(buf), 0);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPROTO;
		int len = (int)n;
		for (struct nlmsghdr *m = (struct nlmsghdr *)buf; NLMSG_OK(m, len);
		     m = NLMSG_NEXT(m, len)) {
			if (m->nlmsg_seq != r->nh.nlmsg_seq)
				continue;
			if (m->nlmsg_type == NLMSG_DONE)
				return 0;
			if (m->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(m);
				return e->error; /* 0: the ack */
			}
			if (cb)
				cb(m, data);
		}
	}
}

static int nl_socket(void)
{
	return socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
}

/* A netlink socket in the network namespace of pid */
static int nl_socket_in(pid_t pid, berth_error_t **err)
{
	cleanup_free char *path = xasprintf("/proc/%d/ns/net", (int)pid);
	cleanup_close int target = open(path, O_RDONLY | O_CLOEXEC);
	if (target < 0)
		return berth_error_set(err, errno, "open '%s'", path);
	cleanup_close int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return berth_error_set(err, errno, "open '/proc/self/ns/net'");
	if (setns(target, CLONE_NEWNET) < 0)
		return berth_error_set(err, errno, "enter the container's network namespace");
	int fd = nl_socket();
	int saved = errno;
	if (setns(self, CLONE_NEWNET) < 0) {
		/* cannot happen for a namespace we were in; refuse to go on in
		 * the wrong one */
		if (fd >= 0)
			close(fd);
		return berth_error_set(err, errno, "return to the host's network namespace");
	}
	if (fd < 0)
		return berth_error_set(err, saved, "netlink socket in the container");
	return fd;
}

static void save_addr(const struct nlmsghdr *m, void *data)
{
	struct addr_list *l = data;
	if (m->nlmsg_type != RTM_NEWADDR || m->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifaddrmsg)))
		return;
	const struct ifaddrmsg *ifa = NLMSG_DATA(m);
	/* config-linux.md: permanent addresses are preserved; IPv6
	 * link-local ones come back by themselves when the link goes up */
	if ((int)ifa->ifa_index != l->ifindex || !(ifa->ifa_flags & IFA_F_PERMANENT) ||
	    (ifa->ifa_family == AF_INET6 && ifa->ifa_scope == RT_SCOPE_LINK) ||
	    l->n >= NETDEV_MAX_ADDRS)
		return;
	struct saved_addr a = { .ifa = *ifa };
	int len = (int)IFA_PAYLOAD(m);
	for (const struct rtattr *rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		size_t alen = RTA_PAYLOAD(rta);
		if (alen > 16)
			continue;
		if (rta->rta_type == IFA_LOCAL) {
			memcpy(a.local, RTA_DATA(rta), alen);
			a.local_len = alen;
		} else if (rta->rta_type == IFA_ADDRESS) {
			memcpy(a.address, RTA_DATA(rta), alen);
			a.address_len = alen;
		} else if (rta->rta_type == IFA_BROADCAST) {
			memcpy(a.broadcast, RTA_DATA(rta), alen);
			a.broadcast_len = alen;
		}
	}
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = a;
}

static int dump_addrs(int fd, struct addr_list *l)
{
	struct nl_req r;
	nl_init(&r, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg ifa = { .ifa_family = AF_UNSPEC };
	nl_put(&r, &ifa, sizeof(ifa));
	return nl_talk(fd, &r, save_addr, l);
}

static void get_index(const struct nlmsghdr *m, void *data)
{
	if (m->nlmsg_type == RTM_NEWLINK && m->nlmsg_len >= NLMSG_LENGTH(sizeof(struct ifinfomsg)))
		*(int *)data = ((const struct ifinfomsg *)NLMSG_DATA(m))->ifi_index;
}

static int link_index(int fd, const char *name, int *ret)
{
	struct nl_req r;
	nl_init(&r, RTM_GETLINK, 0);
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	nl_put(&r, &ifi, sizeof(ifi));
	nl_attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
	*ret = 0;
	int rc = nl_talk(fd, &r, get_index, ret);
	return rc < 0 ? rc : *ret > 0 ? 0 : -ENODEV;
}

/* One RTM_NEWLINK with the target namespace and the new name: the move
 * and the rename happen together or not at all */
static int link_move(int fd, int index, int ns_fd, const char *name)
{
	struct nl_req r;
	nl_init(&r, RTM_NEWLINK, 0);
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = index };
	nl_put(&r, &ifi, sizeof(ifi));
	uint32_t nsfd = (uint32_t)ns_fd;
	nl_attr(&r, IFLA_NET_NS_FD, &nsfd, sizeof(nsfd));
	nl_attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
	return nl_talk(fd, &r, NULL, NULL);
}

static int link_up(int fd, int index)
{
	struct nl_req r;
	nl_init(&r, RTM_NEWLINK, 0);
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC,
				 .ifi_index = index,
				 .ifi_flags = IFF_UP,
				 .ifi_change = IFF_UP };
	nl_put(&r, &ifi, sizeof(ifi));
	return nl_talk(fd, &r, NULL, NULL);
}

static int addr_add(int fd, int index, const struct saved_addr *a)
{
	struct nl_req r;
	nl_init(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
	struct ifaddrmsg ifa = a->ifa;
	ifa.ifa_index = (uint32_t)index;
	nl_put(&r, &ifa, sizeof(ifa));
	if (a->local_len)
		nl_attr(&r, IFA_LOCAL, a->local, a->local_len);
	if (a->address_len)
		nl_attr(&r, IFA_ADDRESS, a->address, a->address_len);
	if (a->broadcast_len)
		nl_attr(&r, IFA_BROADCAST, a->broadcast, a->broadcast_len);
	int rc = nl_talk(fd, &r, NULL, NULL);
	return rc == -EEXIST ? 0 : rc;
}

static bool name_ok(const char *n)
{
	/* the kernel's dev_valid_name */
	return n && *n && strlen(n) < IFNAMSIZ && strcmp(n, ".") != 0 && strcmp(n, "..") != 0 &&
	       !strpbrk(n, "/: \t\n");
}

int netdev_check(const struct oci_config *c, berth_error_t **err)
{
	const struct oci_linux *l = &c->linux_;
	if (!l->n_net_devices)
		return 0;
	const struct oci_namespace *net = NULL;
	for (size_t i = 0; i < l->n_namespaces; i++)
		if (l->namespaces[i].type == OCI_NS_NETWORK)
			net = &l->namespaces[i];
	struct stat host, want;
	if (!net ||
	    (net->path && stat(net->path, &want) == 0 && stat("/proc/self/ns/net", &host) == 0 &&
	     want.st_ino == host.st_ino && want.st_dev == host.st_dev))
		return berth_error_fail(err, EINVAL,
					"linux.netDevices: needs a network namespace of the "
					"container's own");
	for (size_t i = 0; i < l->n_net_devices; i++) {
		const struct oci_net_device *d = &l->net_devices[i];
		if (!name_ok(d->host_name))
			return berth_error_fail(
				err, EINVAL, "linux.netDevices: '%s' is not a valid interface name",
				d->host_name ? d->host_name : "");
		if (d->name && *d->name && !name_ok(d->name))
			return berth_error_fail(err, EINVAL,
						"linux.netDevices['%s'].name: '%s' is not a valid "
						"interface name",
						d->host_name, d->name);
	}
	return 0;
}

static int move_one(int host_nl, int ct_nl, int ns_fd, const struct oci_net_device *d,
		    berth_error_t **err)
{
	const char *name = d->name && *d->name ? d->name : d->host_name;
	struct addr_list addrs = { 0 };
	int rc = link_index(host_nl, d->host_name, &addrs.ifindex);
	if (rc < 0)
		return berth_error_set(err, -rc, "find host interface '%s'", d->host_name);
	rc = dump_addrs(host_nl, &addrs);
	if (rc < 0) {
		free(addrs.v);
		return berth_error_set(err, -rc, "read the addresses of '%s'", d->host_name);
	}
	int index = 0;
	if ((rc = link_move(host_nl, addrs.ifindex, ns_fd, name)) < 0)
		berth_error_set(err, -rc, "move '%s' into the container as '%s'", d->host_name,
				name);
	else if ((rc = link_index(ct_nl, name, &index)) < 0)
		berth_error_set(err, -rc, "find '%s' in the container", name);
	for (size_t i = 0; rc >= 0 && i < addrs.n; i++)
		if ((rc = addr_add(ct_nl, index, &addrs.v[i])) < 0)
			berth_error_set(err, -rc, "restore an address of '%s' in the container",
					name);
	if (rc >= 0 && (rc = link_up(ct_nl, index)) < 0)
		berth_error_set(err, -rc, "set '%s' up in the container", name);
	free(addrs.v);
	return rc < 0 ? -1 : 0;
}

int netdev_move_all(const struct oci_config *c, pid_t pid, berth_error_t **err)
{
	const struct oci_linux *l = &c->linux_;
	if (!l->n_net_devices)
		return 0;
	cleanup_free char *path = xasprintf("/proc/%d/ns/net", (int)pid);
	cleanup_close int ns_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (ns_fd < 0)
		return berth_error_set(err, errno, "open '%s'", path);
	cleanup_close int host_nl = nl_socket();
	if (host_nl < 0)
		return berth_error_set(err, errno, "netlink socket");
	cleanup_close int ct_nl = nl_socket_in(pid, err);
	if (ct_nl < 0)
		return -1;
	for (size_t i = 0; i < l->n_net_devices; i++)
		if (move_one(host_nl, ct_nl, ns_fd, &l->net_devices[i], err) < 0)
			return berth_error_wrap(err, "linux.netDevices");
	return 0;
}
