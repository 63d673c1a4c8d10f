/* exec: the exec instances of POST /containers/{id}/exec (in memory only,
 * as docker keeps them): created with the container's spec process as the
 * base, started through the shim, their exit read back from the shim. */
#ifndef BERTH_DAEMON_CONTAINERS_EXEC_H
#define BERTH_DAEMON_CONTAINERS_EXEC_H

#include <jansson.h>
#include <stdbool.h>

#include "common/error.h"
#include "daemon/containers/stdio-proxy.h"

struct container_manager;
struct container;

/* EBUSY "Container x is not running"; EINVAL for bad DetachKeys (docker's
 * syntax, "" or absent: the default ctrl-p,ctrl-q); *ret_id (caller frees) */
int exec_create(struct container_manager *m, struct container *c, const json_t *body, char **ret_id,
		berth_error_t **err);

struct exec_start_info {
	bool tty;
	bool attach_stdin;
	struct detach_keys keys; /* the exec's DetachKeys (they act only with a tty) */
};

/* Start it: ENOENT "No such exec instance: id", EBUSY when already started.
 * detach: *ret_fd is -1; else the stdio connection (caller closes) */
int exec_start(struct container_manager *m, const char *exec_id, bool detach, int *ret_fd,
	       struct exec_start_info *ret_info, berth_error_t **err);
/* The stdio connection ended: record the exit and publish exec_die */
void exec_finished(struct container_manager *m, const char *exec_id);
int exec_inspect(struct container_manager *m, const char *exec_id, json_t **ret,
		 berth_error_t **err);
int exec_resize(struct container_manager *m, const char *exec_id, unsigned h, unsigned w,
		berth_error_t **err);
/* Whether the exec runs with a terminal; ENOENT when unknown */
int exec_peek_tty(struct container_manager *m, const char *exec_id, bool *ret, berth_error_t **err);
/* The container of an exec (a new reference) */
int exec_container(struct container_manager *m, const char *exec_id, struct container **ret,
		   berth_error_t **err);

#endif
