/* terminal: process.terminal.  The container's pty is made by its init
 * (or exec) process; the master goes to the caller over --console-socket
 * exactly as runc sends it (one sendmsg, SCM_RIGHTS, the name as data),
 * which containerd, podman and conmon expect; or, for a foreground run
 * without a socket, to the runtime that proxies it to its own stdio. */
#ifndef BERTH_RUNTIME_TERMINAL_H
#define BERTH_RUNTIME_TERMINAL_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"

struct terminal_pty {
	int master;       /* owned */
	int slave;        /* owned */
	char *slave_path; /* owned */
};

/* Open a new pty from ptmx_path ("/dev/ptmx" of the host or the
 * container's /dev/pts/ptmx) and set its size when width and height are
 * not 0. */
int terminal_open(const char *ptmx_path, uint32_t height, uint32_t width, struct terminal_pty *ret,
		  berth_error_t **err);
void terminal_release(struct terminal_pty *t);

/* Connect to the console socket (a unix stream socket path); returns fd */
int terminal_connect_socket(const char *path, berth_error_t **err);

/* Send fd over the connected unix socket sock, with name as the data,
 * as runc's utils.SendFd does */
int terminal_send_fd(int sock, const char *name, int fd, berth_error_t **err);

/* Make slave the controlling terminal of this (session leader) process and
 * its stdin, stdout and stderr */
int terminal_make_controlling(int slave, berth_error_t **err);

/* Raw mode of the local tty while a foreground run or exec proxies a pty
 * (the copy loop itself is in signals.c, which owns the wait) */
struct terminal_raw {
	bool active;
	char saved[64]; /* struct termios, opaque here */
};
int terminal_set_raw(int fd, struct terminal_raw *ret, berth_error_t **err);
void terminal_restore(int fd, struct terminal_raw *raw);

/* Copy the window size of from_fd to the pty master to_fd */
void terminal_copy_winsize(int from_fd, int to_fd);

#endif
