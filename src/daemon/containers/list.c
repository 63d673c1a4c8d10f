/* list: GET /containers/json (docker's summary shape, its Status strings
 * and filters), the counts /info shows, and POST /containers/prune.
 * Newest first, as docker lists. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/parse.h"
#include "common/xalloc.h"
#include "daemon/containers/container-internal.h"
#include "daemon/containers/inspect.h"
#include "daemon/filters.h"

/* go-units HumanDuration */
static char *human_duration(int64_t ns)
{
	int64_t s = ns / 1000000000;
	if (s < 1)
		return xstrdup("Less than a second");
	if (s == 1)
		return xstrdup("1 second");
	if (s < 60)
		return xasprintf("%lld seconds", (long long)s);
	int64_t min = s / 60;
	if (min == 1)
		return xstrdup("About a minute");
	if (min < 60)
		return xasprintf("%lld minutes", (long long)min);
	int64_t h = (s + 1800) / 3600;
	if (h == 1)
		return xstrdup("About an hour");
	if (h < 48)
		return xasprintf("%lld hours", (long long)h);
	if (h < 24 * 7 * 2)
		return xasprintf("%lld days", (long long)(h / 24));
	if (h < 24 * 30 * 2)
		return xasprintf("%lld weeks", (long long)(h / 24 / 7));
	if (h < 24 * 365 * 2)
		return xasprintf("%lld months", (long long)(h / 24 / 30));
	return xasprintf("%lld years", (long long)(h / 24 / 365));
}

static const char *health_status(const struct container *c)
{
	return c->health ? json_string_value(json_object_get(c->health, "Status")) : NULL;
}

/* c->lock held */
static char *status_string(const struct container *c, int64_t now)
{
	cleanup_free char *d = NULL;
	switch (c->state) {
	case CONTAINER_RUNNING:
	case CONTAINER_PAUSED: {
		d = human_duration(now - c->started_ns);
		const char *h = health_status(c);
		if (c->state == CONTAINER_PAUSED)
			return xasprintf("Up %s (Paused)", d);
		if (h && strcmp(h, "none") != 0)
			return xasprintf("Up %s (%s)", d,
					 strcmp(h, "starting") == 0 ? "health: starting" : h);
		return xasprintf("Up %s", d);
	}
	case CONTAINER_RESTARTING:
		d = human_duration(now - c->finished_ns);
		return xasprintf("Restarting (%d) %s ago", c->exit_code, d);
	case CONTAINER_REMOVING:
		return xstrdup("Removal In Progress");
	case CONTAINER_DEAD:
		return xstrdup("Dead");
	case CONTAINER_EXITED:
		if (c->has_been_started) {
			d = human_duration(now - c->finished_ns);
			return xasprintf("Exited (%d) %s ago", c->exit_code, d);
		}
		return xstrdup("Created");
	default:
		return xstrdup("Created");
	}
}

static int check_filters(const json_t *filters, berth_error_t **err)
{
	static const char *const known[] = { "id",       "name",   "label",   "status", "exited",
					     "ancestor", "before", "since",   "health", "until",
					     "network",  "volume", "publish", "expose", "isolation",
					     "is-task",  NULL };
	return filters_check_keys(filters, known, err);
}

/* Each filter key must match one of its values (c->lock held) */
static bool labels_all(const json_t *labels, const json_t *vals)
{
	size_t i;
	json_t *jv;
	json_array_foreach(vals, i, jv)
	{
		const char *v = json_string_value(jv);
		if (v && !filters_label_match(labels, v))
			return false;
	}
	return true;
}

/* network=<name or id prefix>: the networks of its config, and the ids
 * of those it is attached to while running */
static bool on_network(const struct container *c, const char *v)
{
	const char *mode = json_string_value(json_object_get(c->host_config, "NetworkMode"));
	if (mode && strcmp(mode, v) == 0)
		return true;
	if (json_object_get(json_object_get(c->net_config, "EndpointsConfig"), v))
		return true;
	const char *name;
	json_t *ep;
	json_object_foreach(json_object_get(c->net_settings, "Networks"), name, ep)
	{
		const char *id = json_string_value(json_object_get(ep, "NetworkID"));
		if (strcmp(name, v) == 0 || (id && *v && strncmp(id, v, strlen(v)) == 0))
			return true;
	}
	return false;
}

static bool matches(const struct container *c, const json_t *filters)
{
	const char *key;
	json_t *unused;
	json_object_foreach((json_t *)filters, key, unused)
	{
		cleanup_json json_t *vals = filters_values(filters, key);
		if (json_array_size(vals) == 0)
			continue;
		/* label=a&label=b wants both, as docker (compose finds its
		 * services this way); every other key wants any of its values */
		if (strcmp(key, "label") == 0) {
			if (!labels_all(json_object_get(c->config, "Labels"), vals))
				return false;
			continue;
		}
		bool any = false;
		size_t i;
		json_t *jv;
		json_array_foreach(vals, i, jv)
		{
			const char *v = json_string_value(jv);
			if (!v)
				continue;
			if (strcmp(key, "id") == 0)
				any |= strncmp(c->id, v, strlen(v)) == 0;
			else if (strcmp(key, "name") == 0) {
				const char *n = v[0] == '/' ? v + 1 : v;
				any |= strstr(c->name, n) != NULL;
			} else if (strcmp(key, "network") == 0) {
				any |= on_network(c, v);
			} else if (strcmp(key, "status") == 0) {
				const char *st = c->state == CONTAINER_EXITED &&
								 !c->has_been_started ?
							 "created" :
							 container_state_name(c->state);
				any |= strcmp(st, v) == 0;
			} else if (strcmp(key, "exited") == 0) {
				int64_t code;
				any |= c->state == CONTAINER_EXITED && c->has_been_started &&
				       parse_int64(v, 10, &code, NULL) == 0 && code == c->exit_code;
			} else if (strcmp(key, "ancestor") == 0) {
				any |= strcmp(c->image_ref, v) == 0 ||
				       strncmp(c->image_id + 7, v, strlen(v)) == 0 ||
				       strcmp(c->image_id, v) == 0;
			} else if (strcmp(key, "health") == 0) {
				const char *h = health_status(c);
				any |= strcmp(h ? h : "none", v) == 0;
			} else {
				any = true; /* before/since are the caller's */
			}
		}
		if (!any)
			return false;
	}
	return true;
}

/* c->lock held */
static json_t *summary(const struct container *c, int64_t now)
{
	json_t *path, *args;
	container_path_args(c->config, &path, &args);
	struct strbuf_like {
		char *s;
	} cmd = { xstrdup(json_string_value(path)) };
	size_t i;
	json_t *a;
	json_array_foreach(args, i, a)
	{
		char *n = xasprintf("%s %s", cmd.s, json_string_value(a) ?: "");
		free(cmd.s);
		cmd.s = n;
	}
	json_decref(path);
	json_decref(args);
	const char *state = c->state == CONTAINER_EXITED && !c->has_been_started ?
				    "created" :
				    container_state_name(c->state);
	const char *mode = json_string_value(json_object_get(c->host_config, "NetworkMode"));
	json_t *labels = json_object_get(c->config, "Labels");
	char *status = status_string(c, now);
	json_t *j = json_pack("{s:s, s:[s+], s:s, s:s, s:s, s:I, s:[], s:O, s:s, s:s, s:{s:s},"
			      " s:{s:{}}, s:[]}",
			      "Id", c->id, "Names", "/", c->name, "Image", c->image_ref, "ImageID",
			      c->image_id, "Command", cmd.s, "Created",
			      (json_int_t)(c->created_ns / 1000000000), "Ports", "Labels",
			      json_is_object(labels) ? labels : json_object(), "State", state,
			      "Status", status, "HostConfig", "NetworkMode",
			      mode ? mode : "default", "NetworkSettings", "Networks", "Mounts");
	free(status);
	free(cmd.s);
	return j;
}

int container_manager_list(struct container_manager *m, bool all, bool size, const json_t *filters,
			   json_t **ret, berth_error_t **err)
{
	if (filters && check_filters(filters, err) < 0)
		return -1;
	int64_t now = now_ns();
	int64_t before = INT64_MAX, since = INT64_MIN;
	if (filters) {
		const char *keys[] = { "before", "since" };
		for (int k = 0; k < 2; k++) {
			cleanup_json json_t *vals = filters_values(filters, keys[k]);
			if (json_array_size(vals) == 0)
				continue;
			struct container *ref = NULL;
			if (container_get(m, json_string_value(json_array_get(vals, 0)) ?: "", &ref,
					  err) < 0)
				return -1;
			if (k == 0)
				before = ref->created_ns;
			else
				since = ref->created_ns;
			container_put(ref);
		}
	}
	json_t *arr = json_array();
	pthread_mutex_lock(&m->lock);
	for (size_t i = m->n; i-- > 0;) {
		struct container *c = m->v[i];
		pthread_mutex_lock(&c->lock);
		bool show = all || c->state == CONTAINER_RUNNING || c->state == CONTAINER_PAUSED ||
			    c->state == CONTAINER_RESTARTING;
		if (filters &&
		    (json_object_get(filters, "status") || json_object_get(filters, "exited")))
			show = true;
		show = show && c->created_ns < before && c->created_ns > since;
		if (show && (!filters || matches(c, filters))) {
			json_t *sum = summary(c, now);
			json_object_set_new(sum, "Mounts", mounts_inspect(c));
			json_object_set_new(sum, "Ports", network_list_ports(c));
			cleanup_json json_t *ns = network_inspect_settings(c);
			json_object_set_new(sum, "NetworkSettings",
					    json_pack("{s:O}", "Networks",
						      json_object_get(ns, "Networks")));
			json_array_append_new(arr, sum);
		}
		pthread_mutex_unlock(&c->lock);
	}
	pthread_mutex_unlock(&m->lock);
	/* the disk walks happen with no lock held: ps -s must not stall the daemon */
	for (size_t i = 0; size && i < json_array_size(arr); i++) {
		json_t *e = json_array_get(arr, i);
		int64_t rw = 0, rootfs = 0;
		container_sizes(m, json_string_value(json_object_get(e, "Id")),
				json_string_value(json_object_get(e, "ImageID")), &rw, &rootfs);
		json_object_set_new(e, "SizeRw", json_integer(rw));
		json_object_set_new(e, "SizeRootFs", json_integer(rootfs));
	}
	*ret = arr;
	return 0;
}

int container_manager_counts(struct container_manager *m, unsigned *ret_running,
			     unsigned *ret_paused, unsigned *ret_stopped)
{
	unsigned r = 0, p = 0, s = 0;
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->n; i++) {
		pthread_mutex_lock(&m->v[i]->lock);
		enum container_state st = m->v[i]->state;
		pthread_mutex_unlock(&m->v[i]->lock);
		if (st == CONTAINER_RUNNING || st == CONTAINER_RESTARTING)
			r++;
		else if (st == CONTAINER_PAUSED)
			p++;
		else
			s++;
	}
	pthread_mutex_unlock(&m->lock);
	*ret_running = r;
	*ret_paused = p;
	*ret_stopped = s;
	return 0;
}

int container_prune(struct container_manager *m, const json_t *filters, json_t **ret,
		    berth_error_t **err)
{
	int64_t until = INT64_MAX;
	cleanup_json json_t *labels = filters ? filters_values(filters, "label") : json_array();
	cleanup_json json_t *untils = filters ? filters_values(filters, "until") : json_array();
	if (json_array_size(untils) > 0) {
		int64_t s;
		const char *v = json_string_value(json_array_get(untils, 0));
		if (!v || parse_int64(v, 10, &s, NULL) < 0)
			return berth_error_fail(err, EINVAL, "invalid filter 'until=%s'",
						v ? v : "");
		until = s * 1000000000;
	}
	/* pick under the lock, remove without it */
	pthread_mutex_lock(&m->lock);
	struct container **pick = xcalloc(m->n + 1, sizeof(struct container *));
	size_t n = 0;
	for (size_t i = 0; i < m->n; i++) {
		struct container *c = m->v[i];
		pthread_mutex_lock(&c->lock);
		bool ok = (c->state == CONTAINER_EXITED || c->state == CONTAINER_CREATED ||
			   c->state == CONTAINER_DEAD) &&
			  !c->monitor_active && c->created_ns < until;
		size_t j;
		json_t *l;
		json_array_foreach(labels, j, l)
			ok = ok && json_is_string(l) &&
			     filters_label_match(json_object_get(c->config, "Labels"),
						 json_string_value(l));
		pthread_mutex_unlock(&c->lock);
		if (ok) {
			container_ref(c);
			pick[n++] = c;
		}
	}
	pthread_mutex_unlock(&m->lock);
	json_t *deleted = json_array();
	for (size_t i = 0; i < n; i++) {
		cleanup_error berth_error_t *e = NULL;
		if (container_remove(m, pick[i], false, false, &e) == 0)
			json_array_append_new(deleted, json_string(pick[i]->id));
		container_put(pick[i]);
	}
	free(pick);
	*ret = json_pack("{s:o, s:i}", "ContainersDeleted",
			 json_array_size(deleted) ? deleted : (json_decref(deleted), json_null()),
			 "SpaceReclaimed", 0);
	return 0;
}
