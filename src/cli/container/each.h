/* each: docker's way with commands over several containers (stop, kill,
 * pause, rm...): every container is tried in order; the name of each that
 * worked is printed as given, then the errors follow on stderr, and any
 * error makes the exit code 1. */
#ifndef BERTH_CLI_CONTAINER_EACH_H
#define BERTH_CLI_CONTAINER_EACH_H

#include "cli/cli.h"

/* The action on one container named as the user gave it */
typedef int (*container_each_fn)(struct cli *cli, const struct cli_args *args, const char *name,
				 berth_error_t **err);

enum container_each_flags {
	/* a missing container is reported at once and is not an error (rm -f) */
	CONTAINER_EACH_MISSING_OK = 1 << 0,
};

/* Run fn on every positional argument; returns the exit code */
int container_each(struct cli *cli, const struct cli_args *args, container_each_fn fn,
		   unsigned flags);

#endif
