/* volumes: the volume endpoints of the Engine API (/volumes...).  The
 * volume store (volumes/volumes.h) keeps the volumes; the container
 * manager says who uses one: a volume any container references, running
 * or not, cannot be removed or pruned, as in docker. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/error.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "daemon/containers/manager.h"
#include "daemon/daemon.h"
#include "daemon/events.h"
#include "daemon/filters.h"
#include "daemon/http/http.h"
#include "daemon/router.h"
#include "daemon/volumes/volumes.h"

#include "common/banned.h"

#define CREATE_BODY_MAX (256u << 10)
#define PRUNE_MIN_API 42 /* from 1.42 prune takes anonymous volumes only, unless all */

/* ---- filters ------------------------------------------------------------------ */

/* A boolean filter ("dangling", "all"): -1 absent, 0/1, EINVAL otherwise */
static int bool_filter(const json_t *filters, const char *key, int *ret, berth_error_t **err)
{
	cleanup_json json_t *vals = filters_values(filters, key);
	*ret = -1;
	size_t i;
	json_t *v;
	json_array_foreach(vals, i, v)
	{
		const char *s = json_string_value(v);
		if (!s)
			return berth_error_fail(err, EINVAL, "invalid filter '%s'", key);
		if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
			*ret = 1;
		else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
			*ret = 0;
		else
			return berth_error_fail(err, EINVAL, "invalid filter '%s=%s'", key, s);
	}
	return 0;
}

/* Any of the values matches (name: substring; driver: exact) */
static bool any_match(const json_t *filters, const char *key, const char *have, bool substring)
{
	cleanup_json json_t *vals = filters_values(filters, key);
	if (json_array_size(vals) == 0)
		return true;
	size_t i;
	json_t *v;
	json_array_foreach(vals, i, v)
	{
		const char *s = json_string_value(v);
		if (s && (substring ? strstr(have, s) != NULL : strcmp(have, s) == 0))
			return true;
	}
	return false;
}

static bool in_use(struct daemon *d, const char *name)
{
	if (!d->containers)
		return false;
	cleanup_json json_t *users = container_manager_volume_users(d->containers, name);
	return json_array_size(users) > 0;
}

static void volume_event(struct daemon *d, const char *action, const char *name)
{
	if (d->events)
		events_publish(d->events, "volume", action, name,
			       json_pack("{s:s}", "driver", VOLUME_DRIVER_LOCAL));
}

/* ---- handlers ----------------------------------------------------------------- */

static void list(struct daemon *d, struct http_ctx *h)
{
	static const char *const known[] = { "dangling", "name", "label", "label!", "driver", NULL };
	cleanup_error berth_error_t *err = NULL;
	cleanup_json json_t *filters = NULL;
	cleanup_json json_t *all = NULL;
	int dangling = -1;
	if (http_query_filters(h, &filters, &err) < 0 ||
	    (filters && filters_check_keys(filters, known, &err) < 0) ||
	    (filters && bool_filter(filters, "dangling", &dangling, &err) < 0) ||
	    volume_list(d->volumes, &all, &err) < 0)
		return (void)http_reply_error(h, err);
	json_t *out = json_array();
	size_t i;
	json_t *v;
	json_array_foreach(all, i, v)
	{
		const char *name = json_string_value(json_object_get(v, "Name"));
		if (filters && (!filters_labels_ok(filters, json_object_get(v, "Labels")) ||
				!any_match(filters, "name", name, true) ||
				!any_match(filters, "driver", VOLUME_DRIVER_LOCAL, false)))
			continue;
		if (dangling >= 0 && in_use(d, name) == (dangling == 1))
			continue;
		json_array_append(out, v);
	}
	http_reply_json(h, 200, json_pack("{s:o, s:n}", "Volumes", out, "Warnings"));
}

static int get_string(const json_t *body, const char *key, const char **ret, berth_error_t **err)
{
	return bjson_get_string(body, "", key, BJSON_ALLOW_NULL, ret, err);
}

static void create(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_json json_t *body = NULL;
	if (http_body_json(h, CREATE_BODY_MAX, &body, &err) < 0)
		return (void)http_reply_error(h, err);
	if (json_is_null(body)) {
		json_decref(body);
		body = json_object();
	}
	if (!json_is_object(body))
		return (void)http_reply_errorf(h, 400, "volume create: want a JSON object, got %s",
					       bjson_type_name(body));
	const char *name = NULL, *driver = NULL;
	if (get_string(body, "Name", &name, &err) < 0 ||
	    get_string(body, "Driver", &driver, &err) < 0)
		return (void)http_reply_error(h, err);
	cleanup_json json_t *v = NULL;
	int r = volume_create(d->volumes, name, driver, json_object_get(body, "DriverOpts"),
			      json_object_get(body, "Labels"), 0, &v, &err);
	if (r < 0)
		return (void)http_reply_error(h, err);
	if (r == 0)
		volume_event(d, "create", json_string_value(json_object_get(v, "Name")));
	http_reply_json(h, 201, steal_pointer(&v));
}

static void inspect(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	json_t *v = NULL;
	if (volume_get(d->volumes, http_param(h, 0), &v, &err) < 0)
		return (void)http_reply_error(h, err);
	http_reply_json(h, 200, v);
}

/* "remove x: volume is in use - [id1, id2]" */
static char *in_use_message(const char *name, const json_t *users)
{
	struct strbuf sb;
	strbuf_init(&sb, 128);
	strbuf_addf(&sb, "remove %s: volume is in use - [", name);
	size_t i;
	json_t *id;
	json_array_foreach(users, i, id)
		strbuf_addf(&sb, "%s%s", i ? ", " : "", json_string_value(id));
	strbuf_addstr(&sb, "]");
	return strbuf_detach(&sb, NULL);
}

static void remove_(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	const char *name = http_param(h, 0);
	bool force = http_query_bool(h, "force");
	cleanup_json json_t *v = NULL;
	if (volume_get(d->volumes, name, &v, &err) < 0) {
		if (force && err->errnum == ENOENT)
			return (void)http_reply_empty(h, 204);
		return (void)http_reply_error(h, err);
	}
	cleanup_json json_t *users =
		d->containers ? container_manager_volume_users(d->containers, name) : json_array();
	if (json_array_size(users) > 0) {
		cleanup_free char *msg = in_use_message(name, users);
		return (void)http_reply_errorf(h, 409, "%s", msg);
	}
	if (volume_remove(d->volumes, name, &err) < 0)
		return (void)http_reply_error(h, err);
	volume_event(d, "destroy", name);
	http_reply_empty(h, 204);
}

static void prune(struct daemon *d, struct http_ctx *h)
{
	static const char *const known[] = { "label", "label!", "all", NULL };
	cleanup_error berth_error_t *err = NULL;
	cleanup_json json_t *filters = NULL;
	cleanup_json json_t *all = NULL;
	int all_flag = -1;
	if (http_query_filters(h, &filters, &err) < 0 ||
	    (filters && filters_check_keys(filters, known, &err) < 0) ||
	    (filters && bool_filter(filters, "all", &all_flag, &err) < 0) ||
	    volume_list(d->volumes, &all, &err) < 0)
		return (void)http_reply_error(h, err);
	bool anonymous_only = http_api_minor(h) >= PRUNE_MIN_API && all_flag != 1;
	json_t *deleted = json_array();
	json_int_t reclaimed = 0;
	size_t i;
	json_t *v;
	json_array_foreach(all, i, v)
	{
		const char *name = json_string_value(json_object_get(v, "Name"));
		json_t *labels = json_object_get(v, "Labels");
		if (anonymous_only && !json_object_get(labels, VOLUME_LABEL_ANONYMOUS))
			continue;
		if ((filters && !filters_labels_ok(filters, labels)) || in_use(d, name))
			continue;
		int64_t size = volume_size(d->volumes, name);
		cleanup_error berth_error_t *e = NULL;
		if (volume_remove(d->volumes, name, &e) < 0)
			continue; /* in use by now: docker skips it too */
		reclaimed += size;
		json_array_append_new(deleted, json_string(name));
		volume_event(d, "destroy", name);
	}
	if (json_array_size(deleted) == 0) {
		json_decref(deleted);
		deleted = json_null();
	}
	if (d->events)
		events_publish(d->events, "volume", "prune", "",
			       json_pack("{s:o}", "reclaimed",
					 json_sprintf("%lld", (long long)reclaimed)));
	http_reply_json(h, 200,
			json_pack("{s:o, s:I}", "VolumesDeleted", deleted, "SpaceReclaimed",
				  reclaimed));
}

static const struct route routes[] = {
	{ "GET", "/volumes", list },
	{ "POST", "/volumes/create", create },
	{ "POST", "/volumes/prune", prune },
	{ "GET", "/volumes/{name}", inspect },
	{ "DELETE", "/volumes/{name}", remove_ },
};
ROUTE_TABLE(api_volumes_routes, routes);
