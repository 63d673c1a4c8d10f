/* daemon-internal: how main.c brings a struct daemon up and down, and the
 * few things the API files share beyond daemon.h. */
#ifndef BERTH_DAEMON_DAEMON_INTERNAL_H
#define BERTH_DAEMON_DAEMON_INTERNAL_H

#include "common/error.h"
#include "daemon/daemon.h"

/* Bring d up on cfg (moved into d->cfg): the data root (0700) and exec
 * root (0711), the image store, the events bus, the daemon ID, and the
 * container manager (which re-adopts running containers) */
int daemon_open(struct daemon *d, struct daemon_config *cfg, berth_error_t **err);
/* Stop the container manager's monitors (containers keep running) */
void daemon_shutdown(struct daemon *d);

/* Take the reloadable fields of fresh (log level, registry mirrors,
 * insecure registries, default ulimits), publish the "daemon reload"
 * event.  fresh is released. */
void daemon_reload(struct daemon *d, struct daemon_config *fresh);

/* The host name (info.Name, events), caller frees */
char *daemon_hostname(void);

#endif
