/* progress: the Engine API's JSON-lines progress messages (moby's
 * jsonmessage.JSONMessage) for pull, and later push, load and build:
 * {"status","id","progressDetail","progress"} objects handed to a callback
 * one at a time.  Invariant: calls of the callback never overlap, even when
 * the messages come from several download threads (a mutex serialises
 * them), so a daemon can write each one to its response as it comes. */
#ifndef BERTH_REGISTRY_PROGRESS_H
#define BERTH_REGISTRY_PROGRESS_H

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>

#include "common/digest.h"
#include "common/error.h"

/* Receives one message (borrowed: valid during the call only).  May be
 * called from any thread of the operation, never two at once. */
typedef void (*progress_fn)(const json_t *msg, void *userdata);

struct progress {
	progress_fn fn; /* NULL: messages are dropped */
	void *userdata; /* not owned */
	pthread_mutex_t lock;
};

void progress_init(struct progress *p, progress_fn fn, void *userdata);
void progress_release(struct progress *p);

/* {"status": status} with "id" and an empty "progressDetail" when id is
 * not NULL: "Pulling fs layer", "Waiting", "Verifying Checksum",
 * "Download complete", "Pull complete", "Already exists" */
void progress_status(struct progress *p, const char *id, const char *status);
/* Like progress_status with a printf-style status */
void progress_statusf(struct progress *p, const char *id, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* {"status", "progressDetail": {"current","total"}, "progress": bar, "id"}
 * ("Downloading", "Extracting"); total <= 0 when unknown */
void progress_bytes(struct progress *p, const char *id, const char *status, int64_t current,
		    int64_t total);
/* {"progressDetail": {}, "aux": aux}: docker's machine-readable result
 * (push: {"Tag","Digest","Size"}).  Takes ownership of aux. */
void progress_aux(struct progress *p, json_t *aux);
/* {"errorDetail": {"message": …}, "error": …}: how a stream that already
 * answered 200 reports a failure (the docker CLI then exits 1) */
void progress_error(struct progress *p, const berth_error_t *e);

/* The short id docker shows for a layer: the first 12 hex characters of
 * its digest */
#define PROGRESS_SHORT_ID_SIZE 13
void progress_short_id(const struct digest *d, char out[PROGRESS_SHORT_ID_SIZE]);

/* docker's pre-rendered bar "[=====>      ]  1.2MB/3.4MB" (the deprecated
 * "progress" field); caller frees */
char *progress_bar(int64_t current, int64_t total);
/* docker's HumanSize: 4 significant digits, decimal units ("32.77kB",
 * "3.624MB", "512B"); caller frees */
char *progress_human_size(int64_t n);

#endif
