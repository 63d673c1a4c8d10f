/* hooks: run OCI lifecycle hooks (prestart, createRuntime,
 * createContainer, startContainer, poststart, poststop): each hook gets the
 * container state JSON on stdin and is killed when its timeout passes
 * (waited on with a pidfd, never a sleep loop). */
#ifndef BERTH_RUNTIME_HOOKS_H
#define BERTH_RUNTIME_HOOKS_H

#include "common/error.h"
#include "oci/runtime-config.h"

/* Run the hooks of one phase in order; the first failure stops the list
 * and is returned as "<phase> hook '<path>': ..." */
int hooks_run(const struct oci_hook_list *list, const char *phase, const char *state_json,
	      berth_error_t **err);

#endif
