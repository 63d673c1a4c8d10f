/* tty: raw mode for attach, run -it and exec -it, and the stream pump
 * between our stdio and a hijacked connection.  Invariant: once tty_raw
 * has changed a terminal, every way out of the process (return, exit(),
 * SIGTERM/SIGHUP/SIGQUIT/SIGSEGV/SIGABRT) puts the saved mode back.  The
 * pump waits in one poll() on stdin, the connection and a signalfd, so
 * resizes and proxied signals are handled in order with the data. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "cli/tty.h"
#include "common/cleanup.h"
#include "common/fdio.h"
#include "common/stdcopy.h"

static struct termios saved_mode;
static int saved_fd = -1;
static volatile sig_atomic_t raw_active;

static const int fatal_signals[] = { SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGABRT, SIGINT, 0 };

void tty_restore(void)
{
	if (!raw_active)
		return;
	raw_active = 0;
	/* tcsetattr is async-signal-safe: this runs in signal handlers too */
	tcsetattr(saved_fd, TCSANOW, &saved_mode);
}

/* Restore the terminal, then die of the signal as if nothing caught it */
static void on_fatal(int sig)
{
	int saved = errno;
	tty_restore();
	signal(sig, SIG_DFL);
	raise(sig);
	errno = saved;
}

static void install_restore(void)
{
	static bool done;
	if (done)
		return;
	done = true;
	atexit(tty_restore);
	for (const int *s = fatal_signals; *s; s++) {
		struct sigaction old;
		/* a signal someone chose to ignore stays ignored */
		if (sigaction(*s, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		struct sigaction sa = { .sa_handler = on_fatal, .sa_flags = SA_RESETHAND };
		sigemptyset(&sa.sa_mask);
		sigaction(*s, &sa, NULL);
	}
}

int tty_raw(int fd, berth_error_t **err)
{
	struct termios t;
	if (tcgetattr(fd, &t) < 0)
		return berth_error_set(err, errno, "get the terminal mode");
	if (saved_fd < 0) {
		saved_mode = t;
		saved_fd = fd;
		install_restore();
	}
	/* docker's MakeRaw (moby/term): cfmakeraw, byte at a time */
	cfmakeraw(&t);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	raw_active = 1;
	if (tcsetattr(fd, TCSANOW, &t) < 0) {
		raw_active = 0;
		return berth_error_set(err, errno, "set the terminal to raw mode");
	}
	return 0;
}

int tty_size(int fd, unsigned *rows, unsigned *cols)
{
	struct winsize ws;
	if (ioctl(fd, TIOCGWINSZ, &ws) < 0)
		return -1;
	*rows = ws.ws_row;
	*cols = ws.ws_col;
	return 0;
}

/* ------------------------------------------------------------------------
 * Detach keys */

#define DETACH_KEYS_MAX 16

int tty_detach_keys(const char *s, char *ret, size_t max, berth_error_t **err)
{
	/* moby/term's ToBytes: "ctrl-@" is 0, "ctrl-a".."ctrl-z" 1..26, then
	 * "ctrl-[" "ctrl-\" "ctrl-]" "ctrl-^" "ctrl-_"; one character is itself */
	static const char ctrl_tail[] = "[\\]^_";
	size_t n = 0;
	const char *p = s;
	for (;;) {
		const char *end = strchrnul(p, ',');
		size_t len = (size_t)(end - p);
		int code = -1;
		if (len == 1) {
			code = (unsigned char)*p;
		} else if (len == 6 && strncmp(p, "ctrl-", 5) == 0) {
			char k = p[5];
			if (k == '@')
				code = 0;
			else if (k >= 'a' && k <= 'z')
				code = k - 'a' + 1;
			else if (strchr("[\\]^_", k))
				code = 27 + (int)(strchr(ctrl_tail, k) - ctrl_tail);
		}
		if (code < 0)
			return berth_error_fail(err, EINVAL, "Unknown character: '%.*s'", (int)len,
						p);
		if (n == max)
			return berth_error_fail(err, EINVAL, "too many detach keys in '%s'", s);
		ret[n++] = (char)code;
		if (!*end)
			return (int)n;
		p = end + 1;
	}
}

/* ------------------------------------------------------------------------
 * The pump */

/* Demultiplexes docker's stdcopy frames read from the connection */
struct demux {
	uint8_t hdr[STDCOPY_HEADER_SIZE];
	size_t hdr_len;             /* header bytes collected so far */
	enum stdcopy_stream stream; /* of the frame being copied */
	uint32_t left;              /* payload bytes of that frame still to come */
	bool framed;                /* a valid header came */
	bool raw_text;              /* the stream began with no frame: a bare error message */
	struct strbuf syserr;       /* stream 3, or the bare message: an error of the daemon */
};

#define SYSERR_CAP 4096

static int out_write(int fd, const char *data, size_t len, berth_error_t **err)
{
	if (fd_write_all(fd, data, len) < 0)
		return berth_error_set(err, errno, "write to %s", fd == 1 ? "stdout" : "stderr");
	return 0;
}

static void syserr_add(struct demux *d, const char *data, size_t n)
{
	if (d->syserr.len + n > SYSERR_CAP)
		n = SYSERR_CAP - d->syserr.len;
	strbuf_add(&d->syserr, data, n);
}

static int demux_feed(struct demux *d, const char *data, size_t len, berth_error_t **err)
{
	if (d->raw_text) {
		syserr_add(d, data, len);
		return 0;
	}
	while (len > 0) {
		if (d->left == 0) {
			size_t n = STDCOPY_HEADER_SIZE - d->hdr_len;
			if (n > len)
				n = len;
			memcpy(d->hdr + d->hdr_len, data, n);
			d->hdr_len += n;
			data += n;
			len -= n;
			if (d->hdr_len < STDCOPY_HEADER_SIZE)
				return 0;
			d->hdr_len = 0;
			if (stdcopy_parse(d->hdr, &d->stream, &d->left) < 0) {
				/* a daemon that failed after the hijack may write its
				 * error bare (docker would print "Unrecognized input
				 * header"): show the message instead */
				if (d->framed)
					return berth_error_fail(err, EPROTO,
								"Unrecognized input header: %d",
								d->hdr[0]);
				d->raw_text = true;
				syserr_add(d, (const char *)d->hdr, STDCOPY_HEADER_SIZE);
				syserr_add(d, data, len);
				return 0;
			}
			d->framed = true;
			continue;
		}
		size_t n = len < d->left ? len : d->left;
		int r = 0;
		if (d->stream == STDCOPY_SYSERR) {
			syserr_add(d, data, n);
		} else {
			r = out_write(d->stream == STDCOPY_STDERR ? 2 : 1, data, n, err);
		}
		if (r < 0)
			return r;
		d->left -= (uint32_t)n;
		data += n;
		len -= n;
	}
	return 0;
}

static int output(struct demux *d, bool tty, const char *data, size_t len, berth_error_t **err)
{
	return tty ? out_write(1, data, len, err) : demux_feed(d, data, len, err);
}

/* A signalfd for SIGWINCH (when wanted) and the proxied signals; those
 * signals are blocked while it is open, old gets the previous mask */
static int signals_open(const struct stream_opts *o, sigset_t *old, berth_error_t **err)
{
	sigset_t set;
	sigemptyset(&set);
	if (o->on_resize)
		sigaddset(&set, SIGWINCH);
	for (const int *s = o->proxy_signals; s && *s; s++)
		if (*s != SIGKILL && *s != SIGSTOP)
			sigaddset(&set, *s);
	if (sigprocmask(SIG_BLOCK, &set, old) < 0)
		return berth_error_set(err, errno, "block signals");
	int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		sigprocmask(SIG_SETMASK, old, NULL);
		return berth_error_set(err, e, "signalfd");
	}
	return fd;
}

static void report_size(const struct stream_opts *o)
{
	unsigned rows, cols;
	if (o->on_resize && (tty_size(1, &rows, &cols) == 0 || tty_size(0, &rows, &cols) == 0))
		o->on_resize(rows, cols, o->ud);
}

static void signals_read(int sfd, const struct stream_opts *o)
{
	struct signalfd_siginfo si;
	while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if ((int)si.ssi_signo == SIGWINCH)
			report_size(o);
		else if (o->on_signal)
			o->on_signal((int)si.ssi_signo, o->ud);
	}
}

struct pump {
	int fd;
	const struct stream_opts *o;
	struct demux d;
	bool stdin_open;
	bool out_open;
	bool detached;
	char keys[DETACH_KEYS_MAX]; /* detach keys; nkeys 0 when not watched */
	size_t nkeys, matched;      /* matched: how many of keys were typed so far (held back) */
};

/* Docker's escape proxy, on every byte: keystrokes that continue the
 * detach sequence are held back (they may be the start of it), and sent
 * when a later byte breaks the sequence.  Docker matches only reads of one
 * byte, but a terminal may hand us both keys in one read, and then the
 * daemon would detach behind our back while we wait for the exit code.
 * Sends what is not part of the sequence; true when the sequence is
 * complete (the bytes after it are dropped: we are leaving). */
static int detach_filter(struct pump *p, const char *buf, size_t n, bool *detached)
{
	size_t start = 0; /* buf[start..i) is to be sent */
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == p->keys[p->matched]) {
			if (i > start && fd_write_all(p->fd, buf + start, i - start) < 0)
				return -1;
			start = i + 1;
			if (++p->matched == p->nkeys) {
				*detached = true;
				return 0;
			}
			continue;
		}
		if (p->matched) {
			/* the held keys were plain input after all */
			if (i > start && fd_write_all(p->fd, buf + start, i - start) < 0)
				return -1;
			if (fd_write_all(p->fd, p->keys, p->matched) < 0)
				return -1;
			start = i;
			p->matched = 0;
			i--; /* this byte may begin the sequence again */
		}
	}
	if (n > start && fd_write_all(p->fd, buf + start, n - start) < 0)
		return -1;
	return 0;
}

/* Copy what stdin has to the connection; at EOF close our write side so
 * the container sees its stdin end */
static int pump_stdin(struct pump *p, berth_error_t **err)
{
	char buf[32768];
	ssize_t n = read(0, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		p->stdin_open = false;
		shutdown(p->fd, SHUT_WR);
		return 0;
	}
	int w = p->nkeys ? detach_filter(p, buf, (size_t)n, &p->detached) :
			   fd_write_all(p->fd, buf, (size_t)n);
	if (w < 0) {
		/* the container closed its stdin: its output may still come */
		if (errno == EPIPE || errno == ECONNRESET) {
			p->stdin_open = false;
			return 0;
		}
		return berth_error_set(err, errno, "send stdin");
	}
	return 0;
}

static int pump_output(struct pump *p, berth_error_t **err)
{
	char buf[32768];
	ssize_t n = read(p->fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n < 0 && errno != ECONNRESET)
		return berth_error_set(err, errno, "read the container's output");
	if (n <= 0) {
		p->out_open = false;
		return 0;
	}
	return output(&p->d, p->o->tty, buf, (size_t)n, err);
}

static int pump_loop(struct pump *p, int sfd, berth_error_t **err)
{
	while (p->out_open && !p->detached) {
		struct pollfd fds[3] = {
			{ .fd = p->fd, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
			{ .fd = p->stdin_open ? 0 : -1, .events = POLLIN },
		};
		if (poll(fds, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return berth_error_set(err, errno, "poll");
		}
		if (fds[1].revents)
			signals_read(sfd, p->o);
		if (fds[2].revents && pump_stdin(p, err) < 0)
			return -1;
		if (fds[0].revents && pump_output(p, err) < 0)
			return -1;
	}
	return 0;
}

int stream_pump(int fd, const struct strbuf *pending, const struct stream_opts *o,
		berth_error_t **err)
{
	struct pump p = { .fd = fd, .o = o, .stdin_open = o->send_stdin, .out_open = true };
	if (o->tty && o->send_stdin) {
		int n = tty_detach_keys(o->detach_keys && *o->detach_keys ? o->detach_keys :
									    "ctrl-p,ctrl-q",
					p.keys, sizeof(p.keys), err);
		if (n < 0)
			return berth_error_wrap(err, "invalid detach keys (%s) provided",
						o->detach_keys);
		p.nkeys = (size_t)n;
	}
	strbuf_init(&p.d.syserr, 0);
	sigset_t old;
	int sfd = signals_open(o, &old, err);
	if (sfd < 0)
		return sfd;
	report_size(o);
	int r = 0;
	if (pending && pending->len)
		r = output(&p.d, o->tty, pending->buf, pending->len, err);
	if (r >= 0)
		r = pump_loop(&p, sfd, err);
	/* signals that came in the last moment go to their handlers, not lost */
	if (r >= 0)
		signals_read(sfd, o);
	close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	/* a frame cut short by the end of the stream is dropped, as docker's
	 * StdCopy does */
	if (r >= 0 && p.d.syserr.len) {
		strbuf_rtrim(&p.d.syserr);
		r = berth_error_fail(err, EREMOTEIO, "%s", p.d.syserr.buf);
	}
	strbuf_release(&p.d.syserr);
	if (r >= 0 && p.detached)
		return 1;
	return r;
}
