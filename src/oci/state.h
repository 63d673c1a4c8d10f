/* state: the runtime-spec state of a container (runtime.md "State"), as
 * `state` prints it and hooks read it on stdin, with runc's additions
 * ("rootfs", "created", "owner") so that tools which parse runc's output
 * work unchanged.  Data only: who stores it and where is src/runtime's job. */
#ifndef BERTH_OCI_STATE_H
#define BERTH_OCI_STATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/error.h"
#include "oci/runtime-config.h"

enum oci_status {
	OCI_STATUS_CREATING = 0,
	OCI_STATUS_CREATED,
	OCI_STATUS_RUNNING,
	OCI_STATUS_PAUSED, /* runc's; not in the spec's list */
	OCI_STATUS_STOPPED,
};

struct oci_state {
	char *oci_version; /* required */
	char *id;          /* required */
	enum oci_status status;
	int pid;      /* required (> 0) when created, running or paused; 0 when none */
	char *bundle; /* required, absolute */
	struct oci_kv *annotations;
	size_t n_annotations;
	char *rootfs;  /* runc: absolute rootfs path; NULL: not written */
	char *created; /* runc: RFC 3339 time; NULL: not written */
	char *owner;   /* runc: always written, "" when NULL */
};

/* "creating", "created", "running", "paused", "stopped" */
const char *oci_status_name(enum oci_status s);
int oci_status_parse(const char *s, enum oci_status *ret);

/* Serialise (new reference) */
json_t *oci_state_to_json(const struct oci_state *s);
/* Parse a state object; where names it in errors ("state.json").  Unknown
 * fields are ignored as the spec asks.  *ret is written only on success;
 * release it with oci_state_release. */
int oci_state_from_json(const json_t *obj, const char *where, struct oci_state *ret,
			berth_error_t **err);
/* Parse state JSON text (capped at OCI_CONFIG_MAX_SIZE) */
int oci_state_parse(const char *buf, size_t len, struct oci_state *ret, berth_error_t **err);
void oci_state_release(struct oci_state *s);

/* RFC 3339 with nanoseconds in UTC as Go's time.RFC3339Nano writes it
 * ("2024-05-01T10:00:00.123456789Z", trailing zeros of the fraction
 * dropped); caller frees */
char *oci_state_format_time(const struct timespec *ts);
/* Whether s is an RFC 3339 date-time ("2024-05-01T10:00:00Z",
 * "...T10:00:00.5+02:00") */
bool oci_state_time_valid(const char *s);

#endif
