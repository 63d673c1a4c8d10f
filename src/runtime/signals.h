/* signals: the foreground wait of `run` and `exec`: signals sent to the
 * runtime are forwarded to the container process, SIGWINCH resizes its pty,
 * the pty is copied to and from our stdio, and the exit status is returned.
 * One poll loop over a signalfd, the pty and stdin; no threads, no sleeps. */
#ifndef BERTH_RUNTIME_SIGNALS_H
#define BERTH_RUNTIME_SIGNALS_H

#include <signal.h>
#include <sys/types.h>

#include "common/error.h"

/* Block the signals we forward (and SIGCHLD) and open a signalfd for them.
 * Returns the signalfd (O_CLOEXEC).  Children forked after this must call
 * signals_reset_child before execve. */
int signals_block(berth_error_t **err);

/* In a child, before execve: default dispositions and an empty mask */
void signals_reset_child(void);

/* Wait for our child pid, forwarding signals read from sfd to it and, when
 * pty_master >= 0, proxying the pty to stdin/stdout (a tty stdin is in raw
 * mode meanwhile).  *ret_code is the exit
 * code, or 128 + the signal number when the process was killed. */
int signals_wait_forward(int sfd, pid_t pid, int pty_master, int *ret_code, berth_error_t **err);

#endif
