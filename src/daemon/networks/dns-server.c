/* dns-server: berthd's embedded DNS, one thread and one epoll set for every
 * container.  Key invariants: the thread never blocks (every socket is
 * non-blocking, every wait has a deadline); only the thread closes a
 * container's sockets and frees its entry, after dns_server_remove() has
 * taken it out of the table and the epoll set (so an event already fetched
 * still points at live memory); the resolve callback runs without our lock.
 * Unknown names are forwarded over UDP only: a TCP query for one is
 * answered SERVFAIL. */
#include "daemon/networks/dns-server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "net/dns.h"
#include "net/netns.h"

#define DNS_SERVER_ADDR "127.0.0.11"
#define DNS_SERVER_PORT 53
#define DNS_TTL 600
#define DNS_UDP_CLIENT_MAX 512 /* what a client without EDNS accepts */
#define DNS_ADDRS_MAX 64
#define FORWARD_TIMEOUT_MS 5000
#define PENDING_MAX 1024
#define TCP_CONN_MAX 64
#define UDP_BATCH 64 /* datagrams read per event, for fairness */
#define RESOLV_CONF "/etc/resolv.conf"
#define RESOLVED_CONF "/run/systemd/resolve/resolv.conf"
#define RESOLVED_STUB "127.0.0.53"
#define RESOLV_REREAD_MS 5000

enum watch_kind {
	WATCH_WAKE,
	WATCH_UPSTREAM,
	WATCH_UDP,
	WATCH_TCP_LISTEN,
	WATCH_TCP_CONN
};

/* What an epoll event points at */
struct watch {
	enum watch_kind kind;
	void *owner;
};

/* One served container */
struct served {
	char *id;
	int udp_fd, tcp_fd;
	struct watch udp_w, tcp_w;
	bool removed; /* under the server's lock: read nothing more */
	struct served *next_dead;
};

/* One TCP client: reads one length-prefixed query, writes one answer */
struct tcp_conn {
	struct watch w;
	struct served *owner; /* not owned */
	int fd;
	uint64_t deadline;
	uint8_t in[2 + DNS_UDP_MAX];
	size_t in_len;
	uint8_t out[2 + DNS_UDP_MAX];
	size_t out_len, out_off;
	struct tcp_conn *next;
};

/* A query forwarded upstream, by the id we gave it */
struct pending {
	bool used;
	uint16_t new_id;
	struct served *owner; /* not owned */
	struct sockaddr_in client, upstream;
	uint64_t deadline;
	uint8_t *query; /* owned: the query up to q.end, for the SERVFAIL */
	struct dns_question q;
};

struct dns_server {
	dns_resolve_fn resolve;
	void *ctx;
	int epfd, wakefd, upfd;
	struct watch wake_w, up_w;
	pthread_t thread;

	pthread_mutex_t lock; /* guards the fields below */
	bool stopping;
	struct served **served;
	size_t n_served, alloc_served;
	struct served *dead;
	bool upstream_set;
	struct sockaddr_in upstream; /* AF_UNSPEC: none */
	unsigned timeout_ms;

	/* the thread's own */
	struct pending pending[PENDING_MAX];
	size_t n_pending;
	struct tcp_conn *conns;
	size_t n_conns;
	bool host_known;
	struct sockaddr_in host_upstream; /* AF_UNSPEC: none */
	uint64_t host_read_at;
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void wake(struct dns_server *s)
{
	uint64_t one = 1;
	while (write(s->wakefd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
}

static void served_free(struct served *e)
{
	if (!e)
		return;
	if (e->udp_fd >= 0)
		close(e->udp_fd);
	if (e->tcp_fd >= 0)
		close(e->tcp_fd);
	free(e->id);
	free(e);
}

/* ---- upstream ---------------------------------------------------------- */

/* The first IPv4 nameserver of path other than systemd-resolved's stub;
 * *saw_stub when the stub was listed.  false when there is none. */
static bool resolv_conf_read(const char *path, struct sockaddr_in *ret, bool *saw_stub)
{
	cleanup_fclose FILE *f = fopen(path, "re");
	if (!f)
		return false;
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		char *save = NULL;
		char *key = strtok_r(line, " \t\r\n", &save);
		if (!key || strcmp(key, "nameserver") != 0)
			continue;
		char *val = strtok_r(NULL, " \t\r\n", &save);
		struct in_addr a;
		if (!val || inet_pton(AF_INET, val, &a) != 1)
			continue; /* IPv6 resolvers: our forwarding socket is IPv4 */
		if (strcmp(val, RESOLVED_STUB) == 0) {
			*saw_stub = true;
			continue;
		}
		*ret = (struct sockaddr_in){ .sin_family = AF_INET,
					     .sin_port = htons(53),
					     .sin_addr = a };
		return true;
	}
	return false;
}

/* The host's first resolver: resolv.conf, or resolved's upstream file when
 * resolv.conf lists only the stub (the stub itself as a last resort: we
 * forward from the host's namespace, where it answers). */
static void host_upstream_read(struct sockaddr_in *ret)
{
	bool stub = false;
	if (resolv_conf_read(RESOLV_CONF, ret, &stub))
		return;
	if (stub) {
		bool ignored = false;
		if (resolv_conf_read(RESOLVED_CONF, ret, &ignored))
			return;
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(53) };
		inet_pton(AF_INET, RESOLVED_STUB, &a.sin_addr);
		*ret = a;
		return;
	}
	*ret = (struct sockaddr_in){ .sin_family = AF_UNSPEC };
}

/* Where to forward now; false when there is nowhere */
static bool upstream_get(struct dns_server *s, struct sockaddr_in *ret)
{
	pthread_mutex_lock(&s->lock);
	bool set = s->upstream_set;
	struct sockaddr_in a = s->upstream;
	pthread_mutex_unlock(&s->lock);
	if (!set) {
		uint64_t now = now_ms();
		if (!s->host_known || now - s->host_read_at >= RESOLV_REREAD_MS) {
			host_upstream_read(&s->host_upstream);
			s->host_known = true;
			s->host_read_at = now;
		}
		a = s->host_upstream;
	}
	if (a.sin_family != AF_INET)
		return false;
	*ret = a;
	return true;
}

/* ---- answering --------------------------------------------------------- */

enum verdict {
	VERDICT_DROP,
	VERDICT_ANSWER,
	VERDICT_FORWARD
};

/* FORMERR for a query whose header is readable: the id, opcode and RD
 * echoed, no sections */
static size_t build_formerr(const uint8_t *pkt, uint8_t *out)
{
	memset(out, 0, 12);
	out[0] = pkt[0], out[1] = pkt[1];
	out[2] = 0x80 | (pkt[2] & 0x79);   /* QR, opcode, RD */
	out[3] = 0x80 | DNS_RCODE_FORMERR; /* RA */
	return 12;
}

/* Decide on the query pkt from container e: an answer in out (cap bytes at
 * most, *out_len), a drop, or a forward (q filled). */
static enum verdict query_decide(struct dns_server *s, struct served *e, const uint8_t *pkt,
				 size_t len, uint8_t *out, size_t cap, size_t *out_len,
				 struct dns_question *q)
{
	cleanup_error berth_error_t *err = NULL;
	if (dns_parse_query(pkt, len, q, &err) < 0) {
		log_debug("dns: container %s: %s", e->id, err->msg);
		/* never answer an answer: two servers would ping-pong */
		if (len < 12 || (pkt[2] & 0x80))
			return VERDICT_DROP;
		*out_len = build_formerr(pkt, out);
		return VERDICT_ANSWER;
	}
	struct in_addr addrs[DNS_ADDRS_MAX];
	size_t n = s->resolve(s->ctx, e->id, q->name, addrs, DNS_ADDRS_MAX);
	if (n == 0)
		return VERDICT_FORWARD;
	if (n > DNS_ADDRS_MAX)
		n = DNS_ADDRS_MAX;
	/* a name of ours: A gets the addresses, AAAA and the rest an empty
	 * NOERROR (as docker's resolver does) */
	if (q->qtype != DNS_TYPE_A || q->qclass != DNS_CLASS_IN)
		n = 0;
	/* as many as fit */
	if (q->end > cap)
		return VERDICT_DROP;
	if (n > (cap - q->end) / 16)
		n = (cap - q->end) / 16;
	ssize_t r = dns_build_answer(pkt, q, addrs, n, DNS_TTL, DNS_RCODE_NOERROR, out, cap);
	if (r < 0)
		return VERDICT_DROP;
	*out_len = (size_t)r;
	return VERDICT_ANSWER;
}

static size_t build_rcode(const uint8_t *pkt, const struct dns_question *q, int rcode, uint8_t *out,
			  size_t cap)
{
	ssize_t r = dns_build_answer(pkt, q, NULL, 0, 0, rcode, out, cap);
	return r < 0 ? 0 : (size_t)r;
}

static void udp_reply(int fd, const uint8_t *buf, size_t len, const struct sockaddr_in *to)
{
	if (len == 0)
		return;
	ssize_t r;
	do
		r = sendto(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL, (const struct sockaddr *)to,
			   sizeof(*to));
	while (r < 0 && errno == EINTR);
	if (r < 0)
		log_debug("dns: send answer: %s, ignoring", strerror(errno));
}

static struct pending *pending_find(struct dns_server *s, uint16_t id)
{
	for (size_t i = 0; i < PENDING_MAX; i++)
		if (s->pending[i].used && s->pending[i].new_id == id)
			return &s->pending[i];
	return NULL;
}

static void pending_drop(struct dns_server *s, struct pending *p)
{
	free(p->query);
	*p = (struct pending){ 0 };
	s->n_pending--;
}

/* Forward pkt (from client of e) upstream; false when it could not be,
 * and the caller answers SERVFAIL */
static bool forward(struct dns_server *s, struct served *e, const uint8_t *pkt, size_t len,
		    const struct dns_question *q, const struct sockaddr_in *client)
{
	struct sockaddr_in up;
	if (!upstream_get(s, &up))
		return false;
	struct pending *p = NULL;
	for (size_t i = 0; i < PENDING_MAX && !p; i++)
		if (!s->pending[i].used)
			p = &s->pending[i];
	if (!p) {
		log_debug("dns: %d forwarded queries pending, refusing more", PENDING_MAX);
		return false;
	}
	if (len > DNS_UDP_MAX)
		return false;
	/* a fresh random id, so that an answer cannot be guessed and two
	 * containers' ids never clash */
	uint16_t id;
	do
		id = (uint16_t)arc4random();
	while (pending_find(s, id));

	uint8_t buf[DNS_UDP_MAX];
	memcpy(buf, pkt, len);
	dns_packet_set_id(buf, len, id);
	ssize_t r;
	do
		r = sendto(s->upfd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&up,
			   sizeof(up));
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		log_debug("dns: forward to upstream: %s", strerror(errno));
		return false;
	}
	pthread_mutex_lock(&s->lock);
	unsigned timeout = s->timeout_ms;
	pthread_mutex_unlock(&s->lock);
	*p = (struct pending){ .used = true,
			       .new_id = id,
			       .owner = e,
			       .client = *client,
			       .upstream = up,
			       .deadline = now_ms() + timeout,
			       .query = xmemdup(pkt, q->end),
			       .q = *q };
	s->n_pending++;
	return true;
}

static void udp_query(struct dns_server *s, struct served *e, const uint8_t *pkt, size_t len,
		      const struct sockaddr_in *client)
{
	uint8_t out[DNS_UDP_CLIENT_MAX];
	size_t out_len = 0;
	struct dns_question q;
	switch (query_decide(s, e, pkt, len, out, sizeof(out), &out_len, &q)) {
	case VERDICT_DROP:
		return;
	case VERDICT_ANSWER:
		udp_reply(e->udp_fd, out, out_len, client);
		return;
	case VERDICT_FORWARD:
		if (forward(s, e, pkt, len, &q, client))
			return;
		udp_reply(e->udp_fd, out,
			  build_rcode(pkt, &q, DNS_RCODE_SERVFAIL, out, sizeof(out)), client);
		return;
	}
}

/* Read from (or accept on) a container's socket under the lock, so that
 * nothing is read once dns_server_remove() has returned, even by an event
 * fetched before it; both calls are non-blocking */
static ssize_t served_recv(struct dns_server *s, struct served *e, void *buf, size_t cap,
			   struct sockaddr_in *from, socklen_t *flen)
{
	pthread_mutex_lock(&s->lock);
	ssize_t n = -1;
	int saved = EAGAIN;
	if (!e->removed) {
		struct sockaddr_in peer;
		socklen_t plen = sizeof(peer);
		n = buf ? recvfrom(e->udp_fd, buf, cap, MSG_DONTWAIT | MSG_TRUNC,
				   (struct sockaddr *)from, flen) :
			  accept4(e->tcp_fd, (struct sockaddr *)&peer, &plen,
				  SOCK_NONBLOCK | SOCK_CLOEXEC);
		saved = errno;
	}
	pthread_mutex_unlock(&s->lock);
	errno = saved;
	return n;
}

static void on_udp(struct dns_server *s, struct served *e)
{
	uint8_t pkt[DNS_UDP_MAX];
	for (int i = 0; i < UDP_BATCH; i++) {
		struct sockaddr_in client = { 0 };
		socklen_t clen = sizeof(client);
		ssize_t n = served_recv(s, e, pkt, sizeof(pkt), &client, &clen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return; /* EAGAIN, or an error we cannot act on */
		}
		if (clen != sizeof(client) || client.sin_family != AF_INET)
			continue;
		if ((size_t)n > sizeof(pkt))
			continue; /* over DNS_UDP_MAX: no query is that big */
		udp_query(s, e, pkt, (size_t)n, &client);
	}
}

static void on_upstream(struct dns_server *s)
{
	uint8_t pkt[DNS_UDP_MAX];
	for (int i = 0; i < UDP_BATCH; i++) {
		struct sockaddr_in from = { 0 };
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(s->upfd, pkt, sizeof(pkt), MSG_DONTWAIT | MSG_TRUNC,
				     (struct sockaddr *)&from, &flen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (n < 12 || flen != sizeof(from) || !(pkt[2] & 0x80))
			continue;
		struct pending *p = pending_find(s, dns_packet_id(pkt, (size_t)n));
		/* only from where we sent it */
		if (!p || from.sin_addr.s_addr != p->upstream.sin_addr.s_addr ||
		    from.sin_port != p->upstream.sin_port)
			continue;
		uint8_t out[DNS_UDP_CLIENT_MAX];
		if ((size_t)n > sizeof(pkt)) {
			/* bigger than we relay: the client retries or gives up */
			udp_reply(p->owner->udp_fd, out,
				  build_rcode(p->query, &p->q, DNS_RCODE_SERVFAIL, out,
					      sizeof(out)),
				  &p->client);
		} else {
			dns_packet_set_id(pkt, (size_t)n, p->q.id);
			udp_reply(p->owner->udp_fd, pkt, (size_t)n, &p->client);
		}
		pending_drop(s, p);
	}
}

/* ---- TCP --------------------------------------------------------------- */

static void conn_close(struct dns_server *s, struct tcp_conn *c)
{
	for (struct tcp_conn **pp = &s->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	close(c->fd); /* also takes it out of the epoll set */
	free(c);
	s->n_conns--;
}

static void on_tcp_listen(struct dns_server *s, struct served *e)
{
	for (int i = 0; i < UDP_BATCH; i++) {
		int fd = (int)served_recv(s, e, NULL, 0, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return;
		}
		if (s->n_conns >= TCP_CONN_MAX) {
			log_debug("dns: %d TCP clients already, closing a new one", TCP_CONN_MAX);
			close(fd);
			continue;
		}
		pthread_mutex_lock(&s->lock);
		unsigned timeout = s->timeout_ms;
		pthread_mutex_unlock(&s->lock);
		struct tcp_conn *c = xzalloc(sizeof(*c));
		c->w = (struct watch){ WATCH_TCP_CONN, c };
		c->owner = e;
		c->fd = fd;
		c->deadline = now_ms() + timeout;
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = &c->w };
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			free(c);
			continue;
		}
		c->next = s->conns;
		s->conns = c;
		s->n_conns++;
	}
}

/* Write what is left of c's answer; true when c is done (closed) */
static bool conn_flush(struct dns_server *s, struct tcp_conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = &c->w };
			if (epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
				return false;
		}
		if (n <= 0)
			break;
		c->out_off += (size_t)n;
	}
	conn_close(s, c);
	return true;
}

static void on_tcp_conn(struct dns_server *s, struct tcp_conn *c)
{
	if (c->out_len > 0) {
		conn_flush(s, c);
		return;
	}
	for (;;) {
		size_t want = c->in_len < 2 ? 2 : 2 + ((size_t)c->in[0] << 8 | c->in[1]);
		if (c->in_len >= 2 && (want == 2 || want > sizeof(c->in))) {
			conn_close(s, c); /* empty, or over our cap */
			return;
		}
		if (c->in_len == want && want > 2)
			break;
		ssize_t n = recv(c->fd, c->in + c->in_len, want - c->in_len, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return; /* more later, or the deadline */
		if (n <= 0) {
			conn_close(s, c);
			return;
		}
		c->in_len += (size_t)n;
	}

	const uint8_t *pkt = c->in + 2;
	size_t len = c->in_len - 2, out_len = 0;
	struct dns_question q;
	switch (query_decide(s, c->owner, pkt, len, c->out + 2, sizeof(c->out) - 2, &out_len, &q)) {
	case VERDICT_DROP:
		conn_close(s, c);
		return;
	case VERDICT_ANSWER:
		break;
	case VERDICT_FORWARD:
		/* no forwarding over TCP: a client that needs it uses UDP */
		out_len = build_rcode(pkt, &q, DNS_RCODE_SERVFAIL, c->out + 2, sizeof(c->out) - 2);
		break;
	}
	if (out_len == 0) {
		conn_close(s, c);
		return;
	}
	c->out[0] = (uint8_t)(out_len >> 8);
	c->out[1] = (uint8_t)(out_len & 0xff);
	c->out_len = out_len + 2;
	conn_flush(s, c);
}

/* ---- the thread -------------------------------------------------------- */

/* Free the entries dns_server_remove() retired, with what refers to them */
static void reap_dead(struct dns_server *s, bool *stopping)
{
	pthread_mutex_lock(&s->lock);
	struct served *dead = s->dead;
	s->dead = NULL;
	*stopping = s->stopping;
	pthread_mutex_unlock(&s->lock);
	while (dead) {
		struct served *e = dead;
		dead = e->next_dead;
		for (size_t i = 0; i < PENDING_MAX; i++)
			if (s->pending[i].used && s->pending[i].owner == e)
				pending_drop(s, &s->pending[i]);
		for (struct tcp_conn *c = s->conns, *next; c; c = next) {
			next = c->next;
			if (c->owner == e)
				conn_close(s, c);
		}
		served_free(e);
	}
}

/* SERVFAIL the forwards past their deadline and close slow TCP clients;
 * returns the ms until the next deadline (-1: none) */
static int expire(struct dns_server *s)
{
	uint64_t now = now_ms(), next = UINT64_MAX;
	for (size_t i = 0; i < PENDING_MAX && s->n_pending > 0; i++) {
		struct pending *p = &s->pending[i];
		if (!p->used)
			continue;
		if (p->deadline <= now) {
			uint8_t out[DNS_UDP_CLIENT_MAX];
			udp_reply(p->owner->udp_fd, out,
				  build_rcode(p->query, &p->q, DNS_RCODE_SERVFAIL, out,
					      sizeof(out)),
				  &p->client);
			pending_drop(s, p);
		} else if (p->deadline < next) {
			next = p->deadline;
		}
	}
	for (struct tcp_conn *c = s->conns, *n; c; c = n) {
		n = c->next;
		if (c->deadline <= now)
			conn_close(s, c);
		else if (c->deadline < next)
			next = c->deadline;
	}
	if (next == UINT64_MAX)
		return -1;
	return next - now > 60000 ? 60000 : (int)(next - now);
}

static void *server_thread(void *arg)
{
	struct dns_server *s = arg;
	struct epoll_event events[64];
	for (;;) {
		bool stopping;
		reap_dead(s, &stopping);
		if (stopping)
			break;
		int timeout = expire(s);
		int n = epoll_wait(s->epfd, events, 64, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_debug("dns: epoll_wait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			struct watch *w = events[i].data.ptr;
			switch (w->kind) {
			case WATCH_WAKE: {
				uint64_t v;
				while (read(s->wakefd, &v, sizeof(v)) < 0 && errno == EINTR)
					;
				break;
			}
			case WATCH_UPSTREAM:
				on_upstream(s);
				break;
			case WATCH_UDP:
				on_udp(s, w->owner);
				break;
			case WATCH_TCP_LISTEN:
				on_tcp_listen(s, w->owner);
				break;
			case WATCH_TCP_CONN:
				/* a connection closed earlier in this batch is not
				 * looked at: it was the only one watching its fd */
				on_tcp_conn(s, w->owner);
				break;
			}
		}
	}
	return NULL;
}

/* ---- the API ----------------------------------------------------------- */

int dns_server_start(dns_resolve_fn resolve, void *ctx, struct dns_server **ret,
		     berth_error_t **err)
{
	struct dns_server *s = xzalloc(sizeof(*s));
	s->resolve = resolve;
	s->ctx = ctx;
	s->timeout_ms = FORWARD_TIMEOUT_MS;
	s->epfd = s->wakefd = s->upfd = -1;
	pthread_mutex_init(&s->lock, NULL);
	int r;

	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0) {
		r = berth_error_set(err, errno, "dns server: epoll_create1");
		goto fail;
	}
	s->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->wakefd < 0) {
		r = berth_error_set(err, errno, "dns server: eventfd");
		goto fail;
	}
	/* in the host's namespace: the caller's */
	s->upfd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->upfd < 0) {
		r = berth_error_set(err, errno, "dns server: upstream socket");
		goto fail;
	}
	s->wake_w = (struct watch){ WATCH_WAKE, s };
	s->up_w = (struct watch){ WATCH_UPSTREAM, s };
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &s->wake_w };
	struct epoll_event ev2 = { .events = EPOLLIN, .data.ptr = &s->up_w };
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->wakefd, &ev) < 0 ||
	    epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->upfd, &ev2) < 0) {
		r = berth_error_set(err, errno, "dns server: epoll_ctl");
		goto fail;
	}

	/* signals stay with the daemon's other threads */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&s->thread, NULL, server_thread, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		r = berth_error_set(err, r, "dns server: start thread");
		goto fail;
	}
	*ret = s;
	return 0;
fail:
	if (s->upfd >= 0)
		close(s->upfd);
	if (s->wakefd >= 0)
		close(s->wakefd);
	if (s->epfd >= 0)
		close(s->epfd);
	pthread_mutex_destroy(&s->lock);
	free(s);
	return r;
}

void dns_server_stop(struct dns_server *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_mutex_unlock(&s->lock);
	wake(s);
	pthread_join(s->thread, NULL);

	/* the thread is gone: everything is ours */
	while (s->conns)
		conn_close(s, s->conns);
	for (size_t i = 0; i < PENDING_MAX; i++)
		if (s->pending[i].used)
			pending_drop(s, &s->pending[i]);
	for (size_t i = 0; i < s->n_served; i++)
		served_free(s->served[i]);
	free(s->served);
	while (s->dead) {
		struct served *e = s->dead;
		s->dead = e->next_dead;
		served_free(e);
	}
	close(s->upfd);
	close(s->wakefd);
	close(s->epfd);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static ssize_t served_index(struct dns_server *s, const char *id)
{
	for (size_t i = 0; i < s->n_served; i++)
		if (strcmp(s->served[i]->id, id) == 0)
			return (ssize_t)i;
	return -1;
}

/* A socket of type bound to 127.0.0.11:53 inside netns_fd */
static int bind_in_netns(int netns_fd, int type, int *ret_fd, berth_error_t **err)
{
	cleanup_close int fd = -1;
	int r = netns_socket(netns_fd, AF_INET, type | SOCK_NONBLOCK, 0, &fd, err);
	if (r < 0)
		return r;
	int one = 1;
	/* the address may not be up yet on the container's lo */
	setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(DNS_SERVER_PORT) };
	inet_pton(AF_INET, DNS_SERVER_ADDR, &a.sin_addr);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return berth_error_set(err, errno, "bind %s %s:%d",
				       type == SOCK_STREAM ? "tcp" : "udp", DNS_SERVER_ADDR,
				       DNS_SERVER_PORT);
	if (type == SOCK_STREAM && listen(fd, 64) < 0)
		return berth_error_set(err, errno, "listen tcp %s:%d", DNS_SERVER_ADDR,
				       DNS_SERVER_PORT);
	*ret_fd = take_fd(&fd);
	return 0;
}

int dns_server_add(struct dns_server *s, const char *container_id, int netns_fd,
		   berth_error_t **err)
{
	pthread_mutex_lock(&s->lock);
	bool exists = served_index(s, container_id) >= 0;
	pthread_mutex_unlock(&s->lock);
	if (exists)
		return berth_error_fail(err, EEXIST, "dns server: container %s is served already",
					container_id);

	cleanup_close int udp = -1, tcp = -1;
	int r = bind_in_netns(netns_fd, SOCK_DGRAM, &udp, err);
	if (r >= 0)
		r = bind_in_netns(netns_fd, SOCK_STREAM, &tcp, err);
	if (r < 0)
		return berth_error_wrap(err, "dns server: container %s", container_id);

	struct served *e = xzalloc(sizeof(*e));
	e->id = xstrdup(container_id);
	e->udp_fd = take_fd(&udp);
	e->tcp_fd = take_fd(&tcp);
	e->udp_w = (struct watch){ WATCH_UDP, e };
	e->tcp_w = (struct watch){ WATCH_TCP_LISTEN, e };

	/* epoll_ctl under the lock: a remove racing with us then finds the
	 * entry either absent or fully registered */
	pthread_mutex_lock(&s->lock);
	if (served_index(s, container_id) >= 0) {
		pthread_mutex_unlock(&s->lock);
		served_free(e);
		return berth_error_fail(err, EEXIST, "dns server: container %s is served already",
					container_id);
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &e->udp_w };
	struct epoll_event ev2 = { .events = EPOLLIN, .data.ptr = &e->tcp_w };
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, e->udp_fd, &ev) < 0 ||
	    epoll_ctl(s->epfd, EPOLL_CTL_ADD, e->tcp_fd, &ev2) < 0) {
		r = berth_error_set(err, errno, "dns server: container %s: epoll_ctl",
				    container_id);
		pthread_mutex_unlock(&s->lock);
		served_free(e); /* closing the fds takes them out of the set */
		return r;
	}
	s->served = xgrow(s->served, &s->alloc_served, s->n_served + 1, sizeof(struct served *));
	s->served[s->n_served++] = e;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

void dns_server_remove(struct dns_server *s, const char *container_id)
{
	pthread_mutex_lock(&s->lock);
	ssize_t i = served_index(s, container_id);
	if (i < 0) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	struct served *e = s->served[i];
	s->served[i] = s->served[--s->n_served];
	/* no event for e after this; one already fetched stays valid until
	 * the thread reaps e at the top of its next turn */
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, e->udp_fd, NULL);
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, e->tcp_fd, NULL);
	e->removed = true;
	e->next_dead = s->dead;
	s->dead = e;
	pthread_mutex_unlock(&s->lock);
	wake(s);
}

int dns_server_set_upstream(struct dns_server *s, const struct sockaddr_in *addr)
{
	if (addr && addr->sin_family != AF_INET && addr->sin_family != AF_UNSPEC)
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	s->upstream_set = addr != NULL;
	if (addr)
		s->upstream = *addr;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

void dns_server_set_timeout(struct dns_server *s, unsigned timeout_ms)
{
	pthread_mutex_lock(&s->lock);
	s->timeout_ms = timeout_ms;
	pthread_mutex_unlock(&s->lock);
	wake(s);
}
