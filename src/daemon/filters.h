/* filters: the pieces of docker's `filters` query argument that several
 * list endpoints share (containers, volumes, networks): the values of one
 * key in either JSON shape, and label matching. */
#ifndef BERTH_DAEMON_FILTERS_H
#define BERTH_DAEMON_FILTERS_H

#include <jansson.h>
#include <stdbool.h>

#include "common/error.h"

/* The values of key: {"k": ["v"]} or the old {"k": {"v": true}}; a new
 * array (empty when the key is absent) */
json_t *filters_values(const json_t *filters, const char *key);
/* want "k" (the label is set) or "k=v" (set to v) against a labels object */
bool filters_label_match(const json_t *labels, const char *want);
/* Every key of filters is one of known (NULL-terminated); EINVAL
 * "invalid filter 'k'" as docker says it */
int filters_check_keys(const json_t *filters, const char *const *known, berth_error_t **err);
/* Every "label" value matches and no "label!" value does */
bool filters_labels_ok(const json_t *filters, const json_t *labels);

#endif
