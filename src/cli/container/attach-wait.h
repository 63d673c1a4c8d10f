/* attach-wait: what `berth run` and `berth start -a` share once the
 * container exists: attach BEFORE start so that no output is lost, register
 * the wait before start so that a container that exits at once is still
 * seen, start, pump the streams (raw terminal, resizes, proxied signals),
 * and return the container's exit code. */
#ifndef BERTH_CLI_CONTAINER_ATTACH_WAIT_H
#define BERTH_CLI_CONTAINER_ATTACH_WAIT_H

#include <stdbool.h>

#include "cli/cli.h"
#include "common/error.h"

/* Prints a failure to reach berthd or to start the container and returns
 * the exit code */
typedef int (*attach_wait_error_fn)(const struct cli *cli, const berth_error_t *err);

struct attach_wait {
	const char *id; /* the container's full ID; not owned */
	bool attach_stdin, attach_stdout, attach_stderr;
	bool tty;         /* the container has a TTY: raw terminal, resizes, no signal proxy */
	bool auto_remove; /* --rm: wait for the removal, not for the exit */
	bool sig_proxy;   /* forward the signals a user sends (only without a TTY) */
	const char *detach_keys;          /* NULL or "": the daemon's default; not owned */
	attach_wait_error_fn start_error; /* NULL: cli_error with CLI_EXIT_ERROR */
};

/* Attach to aw->id, wait, start and pump until the container exits (its
 * exit code), the detach keys are typed (0) or something fails (1, 125 or
 * what start_error returns, the message printed).  With no stream to
 * attach (run -d) the container is started and its ID printed (0). */
int container_attach_and_wait(struct cli *cli, const struct attach_wait *aw);

#endif
