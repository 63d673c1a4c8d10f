/* task-attr: linux.personality and linux.memoryPolicy, set by the init on
 * itself before the exec.  Both survive execve, so the container's
 * process starts with them; neither changes anything the runtime does. */
#ifndef BERTH_RUNTIME_TASK_ATTR_H
#define BERTH_RUNTIME_TASK_ATTR_H

#include "common/error.h"
#include "oci/runtime-config.h"

/* Refuse, before anything is created, what the kernel would refuse later
 * or what we cannot honour: personality flags (runtime-spec 1.1 defines
 * none), unknown memory policy modes and flags, a bad node list */
int task_attr_check(const struct oci_linux *l, berth_error_t **err);

/* personality(2) with the domain of linux.personality; nothing when absent */
int task_attr_set_personality(const struct oci_personality *p, berth_error_t **err);

/* set_mempolicy(2) with mode | flags and the node mask of the node list;
 * nothing when absent */
int task_attr_set_mempolicy(const struct oci_memory_policy *m, berth_error_t **err);

#endif
