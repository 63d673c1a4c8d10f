/* events: the daemon's event bus behind GET /events.  Publishers (container
 * lifecycle, images, volumes, networks) call events_publish from any
 * thread; it never blocks on a slow subscriber.  A bounded ring of recent
 * events answers ?since=; subscribers get new events as they happen. */
#ifndef BERTH_DAEMON_EVENTS_H
#define BERTH_DAEMON_EVENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct events;

struct events *events_new(void);
void events_free(struct events *ev);

/* Publish an event in docker's shape:
 *   {"status": action, "id": id, "from": attributes.image (containers only),
 *    "Type": type, "Action": action,
 *    "Actor": {"ID": id, "Attributes": attributes}, "scope": "local",
 *    "time": s, "timeNano": ns}
 * type: "container" | "image" | "network" | "volume" | "daemon";
 * action: "create", "start", "die", "health_status: healthy", ...;
 * attributes: {"name": ..., "image": ..., "exitCode": "0", labels...}; takes
 * ownership (NULL: none). */
void events_publish(struct events *ev, const char *type, const char *action, const char *id,
		    json_t *attributes);

/* A subscription: a cursor into the ring and an fd (eventfd) that polls
 * readable when an event may be waiting, so that a handler can wait for
 * events and for its client leaving in one poll(). */
struct events_sub;

/* Subscribe.  replay: start at the oldest event still in the ring (for
 * ?since=), else only events published from now on.  Caller frees with
 * events_unsubscribe. */
struct events_sub *events_subscribe(struct events *ev, bool replay);
void events_unsubscribe(struct events_sub *sub);
/* The fd to poll for POLLIN; not owned */
int events_sub_fd(const struct events_sub *sub);
/* The next event (a new reference in *ret): 1, or 0 when there is none
 * yet (the fd is then drained: poll it again).  *ret_lost (may be NULL)
 * counts events that fell out of the ring before the subscriber read them. */
int events_sub_next(struct events_sub *sub, json_t **ret, uint64_t *ret_lost);

#endif
