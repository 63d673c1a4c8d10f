/* inspect: helpers shared by inspect.c and list.c (folder-internal) */
#ifndef BERTH_DAEMON_CONTAINERS_INSPECT_H
#define BERTH_DAEMON_CONTAINERS_INSPECT_H

#include <jansson.h>
#include <stdint.h>

/* RFC3339Nano UTC as Go prints it; caller frees */
char *format_time_ns(int64_t ns);
/* Path and Args (new references) */
void container_path_args(const json_t *config, json_t **ret_path, json_t **ret_args);

#endif
