/* tty: the terminal side of attach, run -it and exec -it.  Raw mode is
 * restored on every exit path (normal return, exit(), fatal signals); the
 * stream pump copies stdin to the container and its output back, demuxing
 * docker's stdcopy frames when there is no TTY, and reports window resizes
 * and proxied signals to its caller. */
#ifndef BERTH_CLI_TTY_H
#define BERTH_CLI_TTY_H

#include <stdbool.h>

#include "common/error.h"
#include "common/strbuf.h"

/* Put fd (a terminal) in raw mode; the first call saves the old mode and
 * registers the restore with atexit() and handlers for SIGTERM/SIGHUP/
 * SIGQUIT/SIGSEGV/SIGABRT that restore and re-raise */
int tty_raw(int fd, berth_error_t **err);
/* Restore what tty_raw saved; idempotent, async-signal-safe */
void tty_restore(void);
/* The window size of fd; < 0 when fd is not a terminal */
int tty_size(int fd, unsigned *rows, unsigned *cols);

struct stream_opts {
	bool tty;        /* the container has a TTY: its output is raw, not stdcopy frames */
	bool send_stdin; /* copy our stdin to the connection; at EOF shut the write side */
	/* Called on SIGWINCH (and once at start when stdout is a terminal);
	 * may be NULL */
	void (*on_resize)(unsigned rows, unsigned cols, void *ud);
	/* Signals to catch and hand to on_signal (docker's --sig-proxy); an
	 * empty set (NULL) leaves signals alone.  0-terminated list. */
	const int *proxy_signals;
	void (*on_signal)(int sig, void *ud);
	void *ud;
	/* (added by the client helper; zero keeps the old behaviour) Docker's
	 * detach keys, "ctrl-p,ctrl-q" form; NULL or "" means that default.
	 * Watched for, as docker does, only with tty and send_stdin; unlike
	 * docker, also when the keys come in one read with other bytes. */
	const char *detach_keys;
};

/* Parse docker's detach keys ("ctrl-p,ctrl-q", "a,ctrl-[") into at most
 * max bytes; returns the count.  Errors: "Unknown character: 'x'" */
int tty_detach_keys(const char *s, char *ret, size_t max, berth_error_t **err);

/* Pump between our stdio and the hijacked connection fd until the
 * container's output ends (EOF from fd).  pending: bytes already read from
 * fd (cli_client_hijack's).  Does not close fd.  Returns 0, or 1 when the
 * user typed the detach keys (the keys are not sent), or < 0; an error
 * of the daemon in the stream (a stdcopy stream 3 frame, or bare text where
 * frames were due) fails with its text and errnum EREMOTEIO, after all the
 * output was copied. */
int stream_pump(int fd, const struct strbuf *pending, const struct stream_opts *o,
		berth_error_t **err);

#endif
