/* create-opts: the flags create and run share (runc's createFlags), parsed
 * into struct container_create_opts. */
#ifndef BERTH_RUNTIME_CLI_CREATE_OPTS_H
#define BERTH_RUNTIME_CLI_CREATE_OPTS_H

#include "runtime-cli/cli.h"

/* Parse create's flags, and with run non-NULL also run's -d/--detach and
 * --keep.  Leaves optind at the container id. */
int create_opts_parse(int argc, char **argv, struct container_create_opts *o,
		      struct container_run_opts *run, berth_error_t **err);

#endif
