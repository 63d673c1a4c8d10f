/* io: a process's stdio in the loop.  Output goes to the json-file log (the
 * init's) and to every attached client: raw with a terminal, stdcopy frames
 * without.  A client whose queue passes SHIM_CLIENT_QUEUE_MAX is dropped, so
 * that a slow reader never holds the container or the log back.  Clients'
 * input is queued for the process's stdin (bounded: past
 * SHIM_STDIN_QUEUE_MAX the shim stops reading the clients). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "common/stdcopy.h"
#include "common/xalloc.h"
#include "shim/shim.h"

static char iobuf[32 << 10];

void watch_set(struct shim *s, struct watch *w, uint32_t events)
{
	if (w->fd < 0 || w->events == events)
		return;
	struct epoll_event ev = { .events = events, .data.ptr = w };
	if (epoll_ctl(s->epfd, EPOLL_CTL_MOD, w->fd, &ev) < 0)
		log_warn("epoll_ctl fd %d: %s, ignoring", w->fd, strerror(errno));
	w->events = events;
}

static void watch_add(struct shim *s, struct watch *w, int fd, uint32_t events, watch_fn fn)
{
	w->fd = fd;
	w->fn = fn;
	w->events = events;
	if (fd < 0)
		return;
	struct epoll_event ev = { .events = events, .data.ptr = w };
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		log_warn("epoll_ctl add fd %d: %s, ignoring", fd, strerror(errno));
}

void watch_close(struct shim *s, struct watch *w)
{
	if (w->fd < 0)
		return;
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	close(w->fd);
	w->fd = -1;
	w->events = 0;
}

static void outq_consume(struct outq *q, size_t n)
{
	q->off += n;
	if (q->off == q->buf.len) {
		strbuf_reset(&q->buf);
		q->off = 0;
	}
}

/* Write what is queued; -errno on a write error */
static int outq_flush(struct outq *q, int fd)
{
	while (outq_len(q) > 0) {
		ssize_t n = send(fd, q->buf.buf + q->off, outq_len(q), MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == ENOTSOCK)
			n = write(fd, q->buf.buf + q->off, outq_len(q));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			return -errno;
		}
		outq_consume(q, (size_t)n);
	}
	/* give a big burst's memory back: the shim stays small */
	if (q->buf.alloc > (64u << 10))
		strbuf_release(&q->buf);
	return 0;
}

/* ---- clients ---- */

void client_free(struct shim *s, struct client *c)
{
	for (struct client **p = &s->clients; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	watch_close(s, &c->w);
	strbuf_release(&c->req);
	strbuf_release(&c->out.buf);
	c->next = s->dead;
	s->dead = c;
}

void clients_reap(struct shim *s)
{
	while (s->dead) {
		struct client *c = s->dead;
		s->dead = c->next;
		free(c);
	}
}

static bool stdin_full(const struct proc_io *io)
{
	return io && outq_len(&io->inq) >= SHIM_STDIN_QUEUE_MAX;
}

void client_update(struct shim *s, struct client *c)
{
	uint32_t ev = 0;
	if (c->state == CLIENT_REQUEST)
		ev |= EPOLLIN;
	if (c->state == CLIENT_STREAM && !c->stdin_done && !stdin_full(c->io))
		ev |= EPOLLIN | EPOLLRDHUP;
	if (outq_len(&c->out) > 0)
		ev |= EPOLLOUT;
	watch_set(s, &c->w, ev);
	if (c->state == CLIENT_CLOSING && outq_len(&c->out) == 0)
		client_free(s, c);
}

/* Whether c can take len more bytes; drops it when not */
static bool client_room(struct shim *s, struct client *c, size_t len)
{
	if (outq_len(&c->out) + len <= SHIM_CLIENT_QUEUE_MAX)
		return true;
	log_warn("attached client is %zu bytes behind, dropping it", outq_len(&c->out));
	client_free(s, c);
	return false;
}

void client_send(struct shim *s, struct client *c, const void *data, size_t len)
{
	if (!client_room(s, c, len))
		return;
	strbuf_add(&c->out.buf, data, len);
	if (outq_flush(&c->out, c->w.fd) < 0) {
		client_free(s, c);
		return;
	}
	client_update(s, c);
}

static void client_send_frame(struct shim *s, struct client *c, int stream, const char *data,
			      size_t len)
{
	uint8_t hdr[STDCOPY_HEADER_SIZE];
	stdcopy_header(hdr, (enum stdcopy_stream)stream, (uint32_t)len);
	if (!client_room(s, c, len + sizeof(hdr)))
		return;
	strbuf_add(&c->out.buf, hdr, sizeof(hdr));
	client_send(s, c, data, len);
}

/* ---- process stdio ---- */

static void io_check_done(struct shim *s, struct proc_io *io)
{
	if (io->done || !io->exited || io->out.fd >= 0 || io->err.fd >= 0)
		return;
	io->done = true;
	/* the input side is pointless now */
	watch_close(s, &io->in);
	strbuf_release(&io->inq.buf);
	io->inq.off = 0;
	server_io_done(s, io);
}

static void io_output(struct shim *s, struct proc_io *io, int stream, const char *data, size_t len)
{
	if (io->log)
		jsonlog_feed(io->log, stream, data, len);
	struct client *next;
	for (struct client *c = s->clients; c; c = next) {
		next = c->next;
		if (c->io != io || c->state != CLIENT_STREAM)
			continue;
		if ((stream == 1 && !c->want_stdout) || (stream == 2 && !c->want_stderr))
			continue;
		if (io->terminal)
			client_send(s, c, data, len);
		else
			client_send_frame(s, c, stream, data, len);
	}
}

static void io_eof(struct shim *s, struct proc_io *io, struct watch *w)
{
	int stream = w == &io->err ? 2 : 1;
	watch_close(s, w);
	if (io->log)
		jsonlog_flush(io->log, stream);
	io_check_done(s, io);
}

static void io_readable(struct shim *s, struct proc_io *io, struct watch *w)
{
	int stream = w == &io->err ? 2 : 1;
	ssize_t n = read(w->fd, iobuf, sizeof(iobuf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	/* EIO: a pty master whose every slave is closed */
	if (n <= 0) {
		io_eof(s, io, w);
		return;
	}
	io_output(s, io, stream, iobuf, (size_t)n);
}

static void on_out(struct shim *s, struct watch *w, uint32_t events)
{
	struct proc_io *io = (struct proc_io *)((char *)w - offsetof(struct proc_io, out));
	io_readable(s, io, w);
}

static void on_err(struct shim *s, struct watch *w, uint32_t events)
{
	struct proc_io *io = (struct proc_io *)((char *)w - offsetof(struct proc_io, err));
	io_readable(s, io, w);
}

static void io_update_clients(struct shim *s, struct proc_io *io)
{
	struct client *next;
	for (struct client *c = s->clients; c; c = next) {
		next = c->next;
		if (c->io == io)
			client_update(s, c);
	}
}

static void io_stdin_flush(struct shim *s, struct proc_io *io)
{
	if (io->in.fd < 0) {
		strbuf_reset(&io->inq.buf);
		io->inq.off = 0;
		return;
	}
	bool was_full = stdin_full(io);
	if (outq_flush(&io->inq, io->in.fd) < 0) {
		/* the process closed its stdin: input has nowhere to go */
		watch_close(s, &io->in);
		strbuf_reset(&io->inq.buf);
		io->inq.off = 0;
	} else if (outq_len(&io->inq) == 0 && io->close_stdin) {
		watch_close(s, &io->in);
	}
	if (io->in.fd >= 0)
		watch_set(s, &io->in, outq_len(&io->inq) > 0 ? EPOLLOUT : 0);
	if (was_full && !stdin_full(io))
		io_update_clients(s, io);
}

static void on_in(struct shim *s, struct watch *w, uint32_t events)
{
	struct proc_io *io = (struct proc_io *)((char *)w - offsetof(struct proc_io, in));
	io_stdin_flush(s, io);
}

struct proc_io *io_new(struct shim *s, const char *exec_id, bool terminal, int out, int errfd,
		       int in)
{
	struct proc_io *io = xzalloc(sizeof(*io));
	// cppcheck-suppress ctunullpointer ; xstrdup(NULL) is NULL (the init)
	io->exec_id = xstrdup(exec_id);
	io->terminal = terminal;
	strbuf_init(&io->inq.buf, 0);
	watch_add(s, &io->out, out, EPOLLIN, on_out);
	watch_add(s, &io->err, errfd, EPOLLIN, on_err);
	watch_add(s, &io->in, in, 0, on_in);
	return io;
}

void io_free(struct proc_io *io)
{
	if (!io)
		return;
	/* the loop is gone by now: plain closes */
	if (io->out.fd >= 0)
		close(io->out.fd);
	if (io->err.fd >= 0)
		close(io->err.fd);
	if (io->in.fd >= 0)
		close(io->in.fd);
	jsonlog_free(io->log);
	strbuf_release(&io->inq.buf);
	free(io->exec_id);
	free(io);
}

void io_attach(struct shim *s, struct proc_io *io, struct client *c)
{
	c->state = CLIENT_STREAM;
	c->io = io;
	if (io->done) {
		c->state = CLIENT_CLOSING;
		c->stdin_done = true;
	}
	client_update(s, c);
}

void io_exited(struct shim *s, struct proc_io *io, int code)
{
	io->exited = true;
	io->exit_code = code;
	io_check_done(s, io);
}

void io_force_eof(struct shim *s, struct proc_io *io)
{
	if (io->out.fd >= 0)
		io_eof(s, io, &io->out);
	if (io->err.fd >= 0)
		io_eof(s, io, &io->err);
}

static void client_stdin_end(struct shim *s, struct client *c)
{
	c->stdin_done = true;
	struct proc_io *io = c->io;
	if (c->want_stdin && io->stdin_once && !io->terminal) {
		io->close_stdin = true;
		io_stdin_flush(s, io);
	}
	/* a client of stdin alone has nothing more to get */
	if (!c->want_stdout && !c->want_stderr)
		c->state = CLIENT_CLOSING;
}

void io_client_readable(struct shim *s, struct client *c)
{
	ssize_t n = read(c->w.fd, iobuf, sizeof(iobuf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n < 0) {
		client_free(s, c);
		return;
	}
	struct proc_io *io = c->io;
	if (n == 0) {
		client_stdin_end(s, c);
	} else if (c->want_stdin && io->in.fd >= 0 && !io->close_stdin) {
		strbuf_add(&io->inq.buf, iobuf, (size_t)n);
		io_stdin_flush(s, io);
		if (stdin_full(io))
			io_update_clients(s, io);
	}
	/* input from a client without stdin is dropped */
	client_update(s, c);
}
