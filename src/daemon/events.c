/* events: the daemon's event bus.  A ring of the last EVENTS_RING events
 * (for ?since= replays) and a list of subscribers, each with an eventfd
 * that publish bumps.  Invariant: ring slot seq % EVENTS_RING holds event
 * seq for every seq in [next - min(next, EVENTS_RING), next); publishing
 * never waits for a subscriber, a slow one loses the oldest events. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "daemon/events.h"

#define EVENTS_RING 1024

struct events_sub {
	struct events *ev;
	uint64_t cursor;
	int efd;
	struct events_sub *next;
};

struct events {
	pthread_mutex_t lock;
	json_t *ring[EVENTS_RING];
	uint64_t next; /* seq of the next event */
	struct events_sub *subs;
};

struct events *events_new(void)
{
	struct events *ev = xzalloc(sizeof(*ev));
	pthread_mutex_init(&ev->lock, NULL);
	return ev;
}

void events_free(struct events *ev)
{
	if (!ev)
		return;
	for (size_t i = 0; i < EVENTS_RING; i++)
		json_decref(ev->ring[i]);
	pthread_mutex_destroy(&ev->lock);
	free(ev);
}

void events_publish(struct events *ev, const char *type, const char *action, const char *id,
		    json_t *attributes)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	json_t *attrs = attributes ? attributes : json_object();
	json_t *e = json_object();
	/* the pre-1.22 fields docker still sends, for containers and images */
	if (strcmp(type, "container") == 0 || strcmp(type, "image") == 0) {
		json_object_set_new(e, "status", json_string(action));
		json_object_set_new(e, "id", json_string(id ? id : ""));
		json_t *image = json_object_get(attrs, "image");
		if (strcmp(type, "container") == 0 && json_is_string(image))
			json_object_set(e, "from", image);
	}
	json_object_set_new(e, "Type", json_string(type));
	json_object_set_new(e, "Action", json_string(action));
	json_object_set_new(e, "Actor",
			    json_pack("{s:s, s:o}", "ID", id ? id : "", "Attributes", attrs));
	json_object_set_new(e, "scope", json_string("local"));
	json_object_set_new(e, "time", json_integer((json_int_t)ts.tv_sec));
	json_object_set_new(e, "timeNano",
			    json_integer((json_int_t)ts.tv_sec * 1000000000 + ts.tv_nsec));

	pthread_mutex_lock(&ev->lock);
	size_t slot = ev->next % EVENTS_RING;
	json_decref(ev->ring[slot]);
	ev->ring[slot] = e;
	ev->next++;
	for (struct events_sub *s = ev->subs; s; s = s->next) {
		uint64_t one = 1;
		/* an eventfd counter only overflows after 2^64-2 unread bumps */
		if (write(s->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
			log_debug("events: wake a subscriber: %s", strerror(errno));
	}
	pthread_mutex_unlock(&ev->lock);
}

static uint64_t oldest(const struct events *ev)
{
	return ev->next > EVENTS_RING ? ev->next - EVENTS_RING : 0;
}

struct events_sub *events_subscribe(struct events *ev, bool replay)
{
	struct events_sub *s = xzalloc(sizeof(*s));
	s->ev = ev;
	s->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->efd < 0)
		abort(); /* only ENOMEM/EMFILE: treat like an allocation failure */
	pthread_mutex_lock(&ev->lock);
	s->cursor = replay ? oldest(ev) : ev->next;
	s->next = ev->subs;
	ev->subs = s;
	pthread_mutex_unlock(&ev->lock);
	return s;
}

void events_unsubscribe(struct events_sub *sub)
{
	if (!sub)
		return;
	struct events *ev = sub->ev;
	pthread_mutex_lock(&ev->lock);
	for (struct events_sub **p = &ev->subs; *p; p = &(*p)->next)
		if (*p == sub) {
			*p = sub->next;
			break;
		}
	pthread_mutex_unlock(&ev->lock);
	close(sub->efd);
	free(sub);
}

int events_sub_fd(const struct events_sub *sub)
{
	return sub->efd;
}

int events_sub_next(struct events_sub *sub, json_t **ret, uint64_t *ret_lost)
{
	struct events *ev = sub->ev;
	uint64_t lost = 0;
	int r = 0;
	pthread_mutex_lock(&ev->lock);
	if (sub->cursor < oldest(ev)) {
		lost = oldest(ev) - sub->cursor;
		sub->cursor = oldest(ev);
	}
	if (sub->cursor < ev->next) {
		*ret = json_incref(ev->ring[sub->cursor % EVENTS_RING]);
		sub->cursor++;
		r = 1;
	} else {
		/* caught up: reset the counter under the lock, so that a
		 * publish after this point makes the fd readable again */
		uint64_t v;
		if (read(sub->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			log_debug("events: drain the eventfd: %s", strerror(errno));
	}
	pthread_mutex_unlock(&ev->lock);
	if (ret_lost)
		*ret_lost = lost;
	return r;
}
