/* top: GET /containers/{id}/top as docker does it: run ps on the host and
 * keep the rows of the container's processes. */
#ifndef BERTH_DAEMON_CONTAINERS_TOP_H
#define BERTH_DAEMON_CONTAINERS_TOP_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

/* GET /containers/{id}/top: run ps with ps_args (default "-ef"), keep the rows whose PID
 * column is one of pids: {"Titles": [...], "Processes": [[...], ...]}; EINVAL when ps
 * fails or has no PID column ("Couldn't find PID field in ps output").  Caller owns *ret. */
int top_table(const pid_t *pids, size_t n, const char *ps_args, json_t **ret, berth_error_t **err);

#endif
