/* netlink: rtnetlink requests over libmnl.  One request is in flight per
 * socket at a time: nl_talk() sends it with a fresh sequence number and
 * reads until its ACK (or NLMSG_DONE for a dump), so a socket never holds
 * answers to an older request; stray messages of another sequence are
 * dropped.  Links are addressed by name where the kernel allows it (one
 * round trip instead of a lookup first). */
#include "net/netlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"

#ifndef MNL_SOCKET_DUMP_SIZE
#define MNL_SOCKET_DUMP_SIZE 32768
#endif

/* A dump that the kernel marks inconsistent (NLM_F_DUMP_INTR: the table
 * changed under it) is started again this many times */
#define NL_DUMP_RETRIES 5
/* The most prefixes or link names one dump returns */
#define NL_DUMP_MAX 65536

struct nl_sock {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	char *sbuf; /* the request being built, MNL_SOCKET_BUFFER_SIZE */
	size_t sbuf_size;
	char *rbuf; /* answers; a dump part fits whole */
	size_t rbuf_size;
	char extack[256]; /* the kernel's message for the last error, or "" */
};

/* A message callback: < 0 (-errno) stops using the answers; the rest of
 * them is still read so that the socket stays in step */
typedef int (*nl_msg_fn)(const struct nlmsghdr *nlh, void *data);

static int nl_socket_new(struct nl_sock **ret, berth_error_t **err)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (nl == NULL)
		return berth_error_set(err, errno, "open netlink socket");
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		mnl_socket_close(nl);
		return berth_error_set(err, e, "bind netlink socket");
	}
	/* The kernel's reason in errors; no copy of our request in them */
	int one = 1;
	(void)mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));

	struct nl_sock *s = xzalloc(sizeof(*s));
	s->nl = nl;
	s->portid = mnl_socket_get_portid(nl);
	s->seq = (uint32_t)time(NULL);
	s->sbuf_size = MNL_SOCKET_BUFFER_SIZE;
	s->sbuf = xmalloc(s->sbuf_size);
	s->rbuf_size = MNL_SOCKET_DUMP_SIZE > MNL_SOCKET_BUFFER_SIZE ? MNL_SOCKET_DUMP_SIZE :
								       MNL_SOCKET_BUFFER_SIZE;
	s->rbuf = xmalloc(s->rbuf_size);
	*ret = s;
	return 0;
}

int nl_open(struct nl_sock **ret, berth_error_t **err)
{
	return nl_socket_new(ret, err);
}

int nl_open_in(int netns_fd, struct nl_sock **ret, berth_error_t **err)
{
	if (netns_fd < 0)
		return nl_socket_new(ret, err);
	/* A socket stays in the namespace it was created in, so the thread
	 * only visits netns_fd for the socket() call */
	cleanup_close int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return berth_error_set(err, errno, "open '/proc/thread-self/ns/net'");
	if (setns(netns_fd, CLONE_NEWNET) < 0)
		return berth_error_set(err, errno, "enter network namespace");
	struct nl_sock *s = NULL;
	int r = nl_socket_new(&s, err);
	if (setns(self, CLONE_NEWNET) < 0)
		abort(); /* this thread would serve everything from inside */
	if (r < 0)
		return r;
	*ret = s;
	return 0;
}

void nl_close(struct nl_sock *s)
{
	if (s == NULL)
		return;
	mnl_socket_close(s->nl);
	free(s->sbuf);
	free(s->rbuf);
	free(s);
}

/* A new request of type with flags (NLM_F_REQUEST added) and a zeroed
 * family header of hdr_len bytes */
static struct nlmsghdr *nl_msg(struct nl_sock *s, uint16_t type, uint16_t flags, void **hdr,
			       size_t hdr_len)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(s->sbuf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	*hdr = mnl_nlmsg_put_extra_header(nlh, hdr_len);
	return nlh;
}

/* The kernel's message in the TLVs of an NLMSG_ERROR (after the error and
 * the request, or its header only under NETLINK_CAP_ACK) or of an
 * NLMSG_DONE (after the error) */
static void nl_extack(struct nl_sock *s, const struct nlmsghdr *nlh)
{
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	size_t off = sizeof(int);
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
		off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	}
	if (mnl_nlmsg_get_payload_len(nlh) < off)
		return;
	const struct nlattr *a;
	mnl_attr_for_each(a, nlh, off)
	{
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0) {
			snprintf(s->extack, sizeof(s->extack), "%s", mnl_attr_get_str(a));
			/* The kernel's messages may end in a newline */
			size_t n = strlen(s->extack);
			while (n && (s->extack[n - 1] == '\n' || s->extack[n - 1] == ' '))
				s->extack[--n] = '\0';
		}
	}
}

/* Send the request in s->sbuf and read its answers up to the ACK or
 * NLMSG_DONE, each other answer to fn.  0, or -errno (the kernel's error,
 * a socket error, fn's error; -EAGAIN when a dump was interrupted). */
static int nl_talk(struct nl_sock *s, nl_msg_fn fn, void *data)
{
	struct nlmsghdr *req = (struct nlmsghdr *)s->sbuf;
	uint32_t seq = ++s->seq;
	req->nlmsg_seq = seq;
	req->nlmsg_pid = 0;
	s->extack[0] = '\0';
	if (mnl_socket_sendto(s->nl, req, req->nlmsg_len) < 0)
		return -errno;

	int fn_err = 0, intr = 0;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(s->nl, s->rbuf, s->rbuf_size);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		int len = (int)n;
		for (const struct nlmsghdr *nlh = (const struct nlmsghdr *)s->rbuf;
		     mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != seq ||
			    (nlh->nlmsg_pid && nlh->nlmsg_pid != s->portid))
				continue; /* not ours: a stray answer */
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = 1;
			switch (nlh->nlmsg_type) {
			case NLMSG_NOOP:
			case NLMSG_OVERRUN:
				continue;
			case NLMSG_ERROR: {
				if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct nlmsgerr))
					return -EBADMSG;
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
				if (e->error) {
					nl_extack(s, nlh);
					return e->error < 0 ? e->error : -e->error;
				}
				return fn_err;
			}
			case NLMSG_DONE: {
				int derr = 0;
				if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int))
					memcpy(&derr, mnl_nlmsg_get_payload(nlh), sizeof(int));
				if (derr) {
					nl_extack(s, nlh);
					return derr < 0 ? derr : -derr;
				}
				if (fn_err)
					return fn_err;
				return intr ? -EAGAIN : 0;
			}
			default:
				if (fn && !fn_err) {
					int r = fn(nlh, data);
					if (r < 0)
						fn_err = r;
				}
			}
		}
	}
}

/* Fill err for the failed request what (r = -errno from nl_talk) */
__attribute__((format(printf, 4, 5))) static int nl_fail(struct nl_sock *s, int r,
							 berth_error_t **err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cleanup_free char *what = xvasprintf(fmt, ap);
	va_end(ap);
	int e = r < 0 ? -r : EIO;
	if (s->extack[0])
		return berth_error_fail(err, e, "%s: %s (%s)", what, strerror(e), s->extack);
	return berth_error_set(err, e, "%s", what);
}

static int nl_check_name(const char *name, berth_error_t **err)
{
	if (name == NULL || name[0] == '\0')
		return berth_error_fail(err, EINVAL, "empty link name");
	if (strlen(name) >= IFNAMSIZ)
		return berth_error_fail(err, EINVAL, "link name '%s' longer than %d characters",
					name, IFNAMSIZ - 1);
	return 0;
}

struct link_info {
	unsigned index;
	unsigned mtu;
};

static int link_info_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_info *li = data;
	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(struct ifinfomsg))
		return 0;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	li->index = (unsigned)ifi->ifi_index;
	const struct nlattr *a;
	mnl_attr_for_each(a, nlh, sizeof(*ifi))
	{
		if (mnl_attr_get_type(a) == IFLA_MTU && mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			li->mtu = mnl_attr_get_u32(a);
	}
	return 0;
}

/* RTM_GETLINK name: -ENODEV when it is not there */
static int link_get(struct nl_sock *s, const char *name, struct link_info *li)
{
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh = nl_msg(s, RTM_GETLINK, NLM_F_ACK, (void **)&ifi, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	*li = (struct link_info){ 0 };
	int r = nl_talk(s, link_info_cb, li);
	if (r == 0 && li->index == 0)
		r = -ENODEV;
	return r;
}

/* Errors naming a link: a missing link is ENOENT "...: link 'x' not found" */
static int nl_link_fail(struct nl_sock *s, int r, const char *name, berth_error_t **err,
			const char *what)
{
	if (r == -ENODEV || r == -ENOENT)
		return berth_error_fail(err, ENOENT, "%s: link '%s' not found", what, name);
	return nl_fail(s, r, err, "%s", what);
}

int nl_link_index(struct nl_sock *s, const char *name, unsigned *ret, berth_error_t **err)
{
	int r = nl_check_name(name, err);
	if (r < 0)
		return r;
	struct link_info li;
	r = link_get(s, name, &li);
	if (r == -ENODEV || r == -ENOENT)
		return berth_error_fail(err, ENOENT, "link '%s' not found", name);
	if (r < 0)
		return nl_fail(s, r, err, "get link '%s'", name);
	*ret = li.index;
	return 0;
}

bool nl_link_exists(struct nl_sock *s, const char *name)
{
	unsigned idx;
	return nl_link_index(s, name, &idx, NULL) == 0;
}

int nl_link_mtu(struct nl_sock *s, const char *name, unsigned *ret, berth_error_t **err)
{
	int r = nl_check_name(name, err);
	if (r < 0)
		return r;
	struct link_info li;
	r = link_get(s, name, &li);
	if (r == -ENODEV || r == -ENOENT)
		return berth_error_fail(err, ENOENT, "link '%s' not found", name);
	if (r < 0)
		return nl_fail(s, r, err, "get link '%s'", name);
	*ret = li.mtu;
	return 0;
}

/* RTM_NEWLINK creating name of kind; the caller adds attributes between
 * link_new_begin and link_new_end (the nest IFLA_INFO_DATA is open when
 * data is set) */
struct link_new {
	struct nlmsghdr *nlh;
	struct nlattr *linkinfo;
	struct nlattr *data;
};

static void link_new_begin(struct nl_sock *s, struct link_new *ln, const char *name, unsigned mtu,
			   const unsigned char *mac, int netns_fd)
{
	struct ifinfomsg *ifi;
	ln->nlh = nl_msg(s, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, (void **)&ifi,
			 sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(ln->nlh, IFLA_IFNAME, name);
	if (mtu)
		mnl_attr_put_u32(ln->nlh, IFLA_MTU, mtu);
	if (mac)
		mnl_attr_put(ln->nlh, IFLA_ADDRESS, 6, mac);
	if (netns_fd >= 0)
		mnl_attr_put_u32(ln->nlh, IFLA_NET_NS_FD, (uint32_t)netns_fd);
}

static void link_new_kind(struct link_new *ln, const char *kind, bool data)
{
	ln->linkinfo = mnl_attr_nest_start(ln->nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(ln->nlh, IFLA_INFO_KIND, kind);
	ln->data = data ? mnl_attr_nest_start(ln->nlh, IFLA_INFO_DATA) : NULL;
}

static void link_new_end(struct link_new *ln)
{
	if (ln->data)
		mnl_attr_nest_end(ln->nlh, ln->data);
	mnl_attr_nest_end(ln->nlh, ln->linkinfo);
}

int nl_bridge_add(struct nl_sock *s, const char *name, unsigned mtu, berth_error_t **err)
{
	int r = nl_check_name(name, err);
	if (r < 0)
		return r;
	struct link_new ln;
	link_new_begin(s, &ln, name, mtu, NULL, -1);
	link_new_kind(&ln, "bridge", false);
	link_new_end(&ln);
	r = nl_talk(s, NULL, NULL);
	if (r < 0)
		return nl_fail(s, r, err, "create bridge '%s'", name);
	return 0;
}

int nl_veth_add(struct nl_sock *s, const char *host_name, const char *peer_name, int peer_netns_fd,
		unsigned mtu, const unsigned char *mac, berth_error_t **err)
{
	int r = nl_check_name(host_name, err);
	if (r < 0 || (r = nl_check_name(peer_name, err)) < 0)
		return r;
	struct link_new ln;
	link_new_begin(s, &ln, host_name, mtu, NULL, -1);
	link_new_kind(&ln, "veth", true);
	/* The peer: its own ifinfomsg, then its attributes */
	struct nlattr *peer = mnl_attr_nest_start(ln.nlh, VETH_INFO_PEER);
	struct ifinfomsg *pifi = mnl_nlmsg_put_extra_header(ln.nlh, sizeof(*pifi));
	pifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(ln.nlh, IFLA_IFNAME, peer_name);
	if (peer_netns_fd >= 0)
		mnl_attr_put_u32(ln.nlh, IFLA_NET_NS_FD, (uint32_t)peer_netns_fd);
	if (mac)
		mnl_attr_put(ln.nlh, IFLA_ADDRESS, 6, mac);
	if (mtu)
		mnl_attr_put_u32(ln.nlh, IFLA_MTU, mtu);
	mnl_attr_nest_end(ln.nlh, peer);
	link_new_end(&ln);
	r = nl_talk(s, NULL, NULL);
	if (r < 0)
		return nl_fail(s, r, err, "create veth '%s'", host_name);
	return 0;
}

static int macvlan_mode(const char *mode, uint32_t *ret)
{
	static const struct {
		const char *name;
		uint32_t mode;
	} modes[] = {
		{ "bridge", MACVLAN_MODE_BRIDGE },
		{ "private", MACVLAN_MODE_PRIVATE },
		{ "vepa", MACVLAN_MODE_VEPA },
		{ "passthru", MACVLAN_MODE_PASSTHRU },
	};
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(mode, modes[i].name) == 0) {
			*ret = modes[i].mode;
			return 0;
		}
	return -EINVAL;
}

int nl_macvlan_add(struct nl_sock *s, const char *name, const char *parent, const char *mode,
		   int netns_fd, unsigned mtu, const unsigned char *mac, berth_error_t **err)
{
	int r = nl_check_name(name, err);
	if (r < 0)
		return r;
	uint32_t m;
	if (macvlan_mode(mode ? mode : "bridge", &m) < 0)
		return berth_error_fail(err, EINVAL, "create macvlan '%s': unknown mode '%s'", name,
					mode);
	unsigned parent_index = 0;
	r = nl_link_index(s, parent, &parent_index, err);
	if (r < 0)
		return berth_error_wrap(err, "create macvlan '%s'", name);
	struct link_new ln;
	link_new_begin(s, &ln, name, mtu, mac, netns_fd);
	mnl_attr_put_u32(ln.nlh, IFLA_LINK, parent_index);
	link_new_kind(&ln, "macvlan", true);
	mnl_attr_put_u32(ln.nlh, IFLA_MACVLAN_MODE, m);
	link_new_end(&ln);
	r = nl_talk(s, NULL, NULL);
	if (r < 0)
		return nl_fail(s, r, err, "create macvlan '%s' on '%s'", name, parent);
	return 0;
}

int nl_dummy_add(struct nl_sock *s, const char *name, berth_error_t **err)
{
	int r = nl_check_name(name, err);
	if (r < 0)
		return r;
	struct link_new ln;
	link_new_begin(s, &ln, name, 0, NULL, -1);
	link_new_kind(&ln, "dummy", false);
	link_new_end(&ln);
	r = nl_talk(s, NULL, NULL);
	if (r < 0)
		return nl_fail(s, r, err, "create dummy '%s'", name);
	return 0;
}

/* RTM_NEWLINK changing the existing link name (addressed by name) */
static struct nlmsghdr *link_change(struct nl_sock *s, const char *name, struct ifinfomsg **ret)
{
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh = nl_msg(s, RTM_NEWLINK, NLM_F_ACK, (void **)&ifi, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (ret)
		*ret = ifi;
	return nlh;
}

int nl_link_del(struct nl_sock *s, const char *name, berth_error_t **err)
{
	int r = nl_check_name(name, err);
	if (r < 0)
		return r;
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh = nl_msg(s, RTM_DELLINK, NLM_F_ACK, (void **)&ifi, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	r = nl_talk(s, NULL, NULL);
	if (r < 0) {
		cleanup_free char *what = xasprintf("delete link '%s'", name);
		if (r == -ENODEV || r == -ENOENT)
			return berth_error_fail(err, ENOENT, "%s: no such link", what);
		return nl_fail(s, r, err, "%s", what);
	}
	return 0;
}

int nl_link_set_up(struct nl_sock *s, const char *name, bool up, berth_error_t **err)
{
	int r = nl_check_name(name, err);
	if (r < 0)
		return r;
	struct ifinfomsg *ifi;
	link_change(s, name, &ifi);
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = up ? IFF_UP : 0;
	r = nl_talk(s, NULL, NULL);
	if (r < 0) {
		cleanup_free char *what = xasprintf("set link '%s' %s", name, up ? "up" : "down");
		return nl_link_fail(s, r, name, err, what);
	}
	return 0;
}

int nl_link_set_master(struct nl_sock *s, const char *name, const char *master, berth_error_t **err)
{
	int r = nl_check_name(name, err);
	if (r < 0)
		return r;
	unsigned master_index = 0;
	if (master) {
		r = nl_link_index(s, master, &master_index, err);
		if (r < 0)
			return berth_error_wrap(err, "set master of '%s'", name);
	}
	struct nlmsghdr *nlh = link_change(s, name, NULL);
	mnl_attr_put_u32(nlh, IFLA_MASTER, master_index);
	r = nl_talk(s, NULL, NULL);
	if (r < 0) {
		cleanup_free char *what =
			master ? xasprintf("set master of '%s' to '%s'", name, master) :
				 xasprintf("release '%s' from its master", name);
		return nl_link_fail(s, r, name, err, what);
	}
	return 0;
}

int nl_link_set_mtu(struct nl_sock *s, const char *name, unsigned mtu, berth_error_t **err)
{
	int r = nl_check_name(name, err);
	if (r < 0)
		return r;
	struct nlmsghdr *nlh = link_change(s, name, NULL);
	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	r = nl_talk(s, NULL, NULL);
	if (r < 0) {
		cleanup_free char *what = xasprintf("set mtu %u on '%s'", mtu, name);
		return nl_link_fail(s, r, name, err, what);
	}
	return 0;
}

int nl_link_rename(struct nl_sock *s, const char *name, const char *new_name, berth_error_t **err)
{
	int r = nl_check_name(name, err);
	if (r < 0 || (r = nl_check_name(new_name, err)) < 0)
		return r;
	unsigned index = 0;
	r = nl_link_index(s, name, &index, err);
	if (r < 0)
		return berth_error_wrap(err, "rename link '%s'", name);
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh = nl_msg(s, RTM_NEWLINK, NLM_F_ACK, (void **)&ifi, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)index;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, new_name);
	r = nl_talk(s, NULL, NULL);
	if (r < 0) {
		cleanup_free char *what = xasprintf("rename link '%s' to '%s'", name, new_name);
		return nl_link_fail(s, r, name, err, what);
	}
	return 0;
}

struct names {
	const char *prefix;
	size_t prefix_len;
	char **v; /* NULL-terminated */
	size_t n, alloc;
};

static void names_reset(struct names *nm)
{
	for (size_t i = 0; i < nm->n; i++)
		free(nm->v[i]);
	nm->n = 0;
	if (nm->v)
		nm->v[0] = NULL;
}

static int names_cb(const struct nlmsghdr *nlh, void *data)
{
	struct names *nm = data;
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return 0;
	const struct nlattr *a;
	mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg))
	{
		if (mnl_attr_get_type(a) != IFLA_IFNAME ||
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			continue;
		const char *name = mnl_attr_get_str(a);
		if (strncmp(name, nm->prefix, nm->prefix_len) != 0)
			return 0;
		if (nm->n >= NL_DUMP_MAX)
			return -E2BIG;
		nm->v = xgrow(nm->v, &nm->alloc, nm->n + 2, sizeof(*nm->v));
		nm->v[nm->n++] = xstrdup(name);
		nm->v[nm->n] = NULL;
		return 0;
	}
	return 0;
}

int nl_link_names(struct nl_sock *s, const char *prefix, char ***ret, size_t *ret_n,
		  berth_error_t **err)
{
	struct names nm = { .prefix = prefix ? prefix : "",
			    .prefix_len = prefix ? strlen(prefix) : 0 };
	int r = -EAGAIN;
	for (int i = 0; i < NL_DUMP_RETRIES && r == -EAGAIN; i++) {
		names_reset(&nm);
		struct ifinfomsg *ifi;
		struct nlmsghdr *nlh =
			nl_msg(s, RTM_GETLINK, NLM_F_DUMP, (void **)&ifi, sizeof(*ifi));
		ifi->ifi_family = AF_UNSPEC;
		mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
		r = nl_talk(s, names_cb, &nm);
	}
	if (r < 0) {
		names_reset(&nm);
		free(nm.v);
		return nl_fail(s, r, err, "list links");
	}
	if (nm.v == NULL)
		nm.v = xzalloc(sizeof(*nm.v));
	*ret = nm.v;
	*ret_n = nm.n;
	return 0;
}

int nl_addr_add(struct nl_sock *s, const char *name, struct in_addr addr, unsigned prefix,
		berth_error_t **err)
{
	char buf[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &addr, buf, sizeof(buf));
	if (prefix > 32)
		return berth_error_fail(err, EINVAL, "add address %s/%u to '%s': bad prefix", buf,
					prefix, name);
	unsigned index = 0;
	int r = nl_link_index(s, name, &index, err);
	if (r < 0)
		return berth_error_wrap(err, "add address %s/%u", buf, prefix);
	struct ifaddrmsg *ifa;
	struct nlmsghdr *nlh = nl_msg(s, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK,
				      (void **)&ifa, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = index;
	mnl_attr_put(nlh, IFA_LOCAL, sizeof(addr), &addr);
	mnl_attr_put(nlh, IFA_ADDRESS, sizeof(addr), &addr);
	if (prefix < 31) { /* the broadcast address, as ip's "brd +" and docker set it */
		uint32_t mask = prefix ? htonl(~0u << (32 - prefix)) : 0;
		struct in_addr brd = { .s_addr = addr.s_addr | ~mask };
		mnl_attr_put(nlh, IFA_BROADCAST, sizeof(brd), &brd);
	}
	r = nl_talk(s, NULL, NULL);
	if (r < 0)
		return nl_fail(s, r, err, "add address %s/%u to '%s'", buf, prefix, name);
	return 0;
}

int nl_route_add_default(struct nl_sock *s, struct in_addr gw, const char *dev, berth_error_t **err)
{
	char buf[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &gw, buf, sizeof(buf));
	unsigned index = 0;
	if (dev) {
		int r = nl_link_index(s, dev, &index, err);
		if (r < 0)
			return berth_error_wrap(err, "add default route via %s", buf);
	}
	struct rtmsg *rtm;
	struct nlmsghdr *nlh = nl_msg(s, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK,
				      (void **)&rtm, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_GATEWAY, sizeof(gw), &gw);
	if (index)
		mnl_attr_put_u32(nlh, RTA_OIF, index);
	int r = nl_talk(s, NULL, NULL);
	if (r < 0) {
		if (dev)
			return nl_fail(s, r, err, "add default route via %s dev '%s'", buf, dev);
		return nl_fail(s, r, err, "add default route via %s", buf);
	}
	return 0;
}

struct prefixes {
	struct nl_prefix *v;
	size_t n, alloc;
};

static int prefixes_add(struct prefixes *p, const void *addr, unsigned prefix)
{
	struct in_addr a;
	memcpy(&a, addr, sizeof(a));
	uint32_t mask = prefix ? htonl(~0u << (32 - prefix)) : 0;
	a.s_addr &= mask;
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].addr.s_addr == a.s_addr && p->v[i].prefix == prefix)
			return 0;
	if (p->n >= NL_DUMP_MAX)
		return -E2BIG;
	p->v = xgrow(p->v, &p->alloc, p->n + 1, sizeof(*p->v));
	p->v[p->n++] = (struct nl_prefix){ .addr = a, .prefix = prefix };
	return 0;
}

static int routes_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(struct rtmsg))
		return 0;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	if (rtm->rtm_family != AF_INET || rtm->rtm_dst_len == 0 || rtm->rtm_dst_len > 32)
		return 0;
	uint32_t table = rtm->rtm_table;
	const void *dst = NULL;
	const struct nlattr *a;
	mnl_attr_for_each(a, nlh, sizeof(*rtm))
	{
		if (mnl_attr_get_type(a) == RTA_TABLE && mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			table = mnl_attr_get_u32(a);
		else if (mnl_attr_get_type(a) == RTA_DST && mnl_attr_get_payload_len(a) == 4)
			dst = mnl_attr_get_payload(a);
	}
	if (table != RT_TABLE_MAIN || dst == NULL)
		return 0;
	return prefixes_add(data, dst, rtm->rtm_dst_len);
}

static int addrs_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(struct ifaddrmsg))
		return 0;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family != AF_INET || ifa->ifa_prefixlen > 32)
		return 0;
	/* IFA_LOCAL is the address on the link; IFA_ADDRESS the peer's on
	 * point-to-point links (and the same otherwise) */
	const void *local = NULL, *address = NULL;
	const struct nlattr *a;
	mnl_attr_for_each(a, nlh, sizeof(*ifa))
	{
		if (mnl_attr_get_payload_len(a) != 4)
			continue;
		if (mnl_attr_get_type(a) == IFA_LOCAL)
			local = mnl_attr_get_payload(a);
		else if (mnl_attr_get_type(a) == IFA_ADDRESS)
			address = mnl_attr_get_payload(a);
	}
	const void *addr = local ? local : address;
	if (addr == NULL)
		return 0;
	int r = prefixes_add(data, addr, ifa->ifa_prefixlen);
	if (r == 0 && local && address && memcmp(local, address, 4) != 0)
		r = prefixes_add(data, address, ifa->ifa_prefixlen);
	return r;
}

static int prefixes_dump(struct nl_sock *s, struct prefixes *p, uint16_t type)
{
	int r = -EAGAIN;
	size_t keep = p->n;
	for (int i = 0; i < NL_DUMP_RETRIES && r == -EAGAIN; i++) {
		p->n = keep;
		void *hdr;
		if (type == RTM_GETROUTE) {
			nl_msg(s, type, NLM_F_DUMP, &hdr, sizeof(struct rtmsg));
			((struct rtmsg *)hdr)->rtm_family = AF_INET;
			r = nl_talk(s, routes_cb, p);
		} else {
			nl_msg(s, type, NLM_F_DUMP, &hdr, sizeof(struct ifaddrmsg));
			((struct ifaddrmsg *)hdr)->ifa_family = AF_INET;
			r = nl_talk(s, addrs_cb, p);
		}
	}
	return r;
}

int nl_ipv4_prefixes(struct nl_sock *s, struct nl_prefix **ret, size_t *ret_n, berth_error_t **err)
{
	struct prefixes p = { 0 };
	int r = prefixes_dump(s, &p, RTM_GETROUTE);
	if (r < 0) {
		free(p.v);
		return nl_fail(s, r, err, "list ipv4 routes");
	}
	r = prefixes_dump(s, &p, RTM_GETADDR);
	if (r < 0) {
		free(p.v);
		return nl_fail(s, r, err, "list ipv4 addresses");
	}
	*ret = p.v;
	*ret_n = p.n;
	return 0;
}
