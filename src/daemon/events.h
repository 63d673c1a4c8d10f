/* events: the daemon's event bus behind GET /events.  Publishers (container
 * lifecycle, images, volumes, networks) call events_publish from any
 * thread; it never blocks on a slow subscriber.  A bounded ring of recent
 * events answers ?since=; subscribers get new events as they happen. */
#ifndef BERTH_DAEMON_EVENTS_H
#define BERTH_DAEMON_EVENTS_H

#include <jansson.h>
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

#endif
