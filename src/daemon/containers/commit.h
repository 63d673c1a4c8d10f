/* commit: POST /commit (a new image from a container's changes) */
#ifndef BERTH_DAEMON_CONTAINERS_COMMIT_H
#define BERTH_DAEMON_CONTAINERS_COMMIT_H

#include <jansson.h>
#include <stddef.h>

#include "common/error.h"

struct container_manager;
struct container;

struct commit_opts {
	const char *repo, *tag; /* may be NULL: an untagged image */
	const char *comment, *author;
	const char *const *changes; /* Dockerfile-like lines (CMD, ENV, ...) */
	size_t n_changes;
	const json_t *config; /* the request body's Config fields; may be NULL */
};

/* *ret_id: "sha256:..." (caller frees) */
int container_commit(struct container_manager *m, struct container *c, const struct commit_opts *o,
		     char **ret_id, berth_error_t **err);

#endif
