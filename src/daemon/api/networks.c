/* networks: the network endpoints of the Engine API (/networks...).  The
 * network store (networks/networks.h) keeps the networks; connect and
 * disconnect go through the container manager, which owns a container's
 * endpoints.  Events (create, destroy, prune) are published here, as
 * api/volumes.c does for volumes. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/error.h"
#include "common/xalloc.h"
#include "daemon/containers/manager.h"
#include "daemon/daemon.h"
#include "daemon/events.h"
#include "daemon/http/http.h"
#include "daemon/networks/networks.h"
#include "daemon/router.h"

#include "common/banned.h"

#define BODY_MAX (256u << 10)

static void network_event(struct daemon *d, const char *action, const char *id, const char *name,
			  const char *driver)
{
	if (d->events)
		events_publish(d->events, "network", action, id,
			       json_pack("{s:s, s:s}", "name", name, "type", driver));
}

/* The request's JSON object; an empty body reads as {} */
static int body_object(struct http_ctx *h, const char *what, json_t **ret, berth_error_t **err)
{
	json_t *body = NULL;
	if (http_body_json(h, BODY_MAX, &body, err) < 0)
		return -1;
	if (!body || json_is_null(body)) {
		json_decref(body);
		body = json_object();
	}
	if (!json_is_object(body)) {
		berth_error_fail(err, EINVAL, "%s: want a JSON object, got %s", what,
				 bjson_type_name(body));
		json_decref(body);
		return -1;
	}
	*ret = body;
	return 0;
}

/* docker answers 403 Forbidden where berth's errno would say 409 */
static void reply_forbidden_busy(struct http_ctx *h, const berth_error_t *err, int errnum)
{
	if (err && err->errnum == errnum)
		return (void)http_reply_errorf(h, 403, "%s", err->msg);
	http_reply_error(h, err);
}

static void list(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_json json_t *filters = NULL;
	json_t *out = NULL;
	if (http_query_filters(h, &filters, &err) < 0 ||
	    network_list(d->networks, filters, &out, &err) < 0)
		return (void)http_reply_error(h, err);
	http_reply_json(h, 200, out);
}

static void inspect(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	json_t *out = NULL;
	if (network_inspect(d->networks, http_param(h, 0), &out, &err) < 0)
		return (void)http_reply_error(h, err);
	http_reply_json(h, 200, out);
}

static void create(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_json json_t *body = NULL;
	cleanup_json json_t *out = NULL;
	if (body_object(h, "network create", &body, &err) < 0 ||
	    network_create(d->networks, body, &out, &err) < 0)
		return (void)http_reply_error(h, err);
	const char *id = json_string_value(json_object_get(out, "Id"));
	cleanup_free char *name = NULL, *driver = NULL;
	if (network_lookup(d->networks, id, NULL, &name, &driver, NULL) == 0)
		network_event(d, "create", id, name, driver);
	http_reply_json(h, 201, steal_pointer(&out));
}

static void remove_(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_free char *id = NULL, *name = NULL, *driver = NULL;
	if (network_lookup(d->networks, http_param(h, 0), &id, &name, &driver, &err) < 0)
		return (void)http_reply_error(h, err);
	if (network_remove(d->networks, id, &err) < 0)
		return reply_forbidden_busy(h, err, EBUSY);
	network_event(d, "destroy", id, name, driver);
	http_reply_empty(h, 204);
}

static void prune(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_json json_t *filters = NULL;
	cleanup_json json_t *before = NULL;
	cleanup_json json_t *out = NULL;
	/* the IDs and drivers of what goes, for the events */
	if (http_query_filters(h, &filters, &err) < 0 ||
	    network_list(d->networks, NULL, &before, &err) < 0 ||
	    network_prune(d->networks, filters, &out, &err) < 0)
		return (void)http_reply_error(h, err);
	size_t i, j;
	json_t *name, *n;
	json_array_foreach(json_object_get(out, "NetworksDeleted"), i, name)
	{
		json_array_foreach(before, j, n)
		{
			if (!json_equal(json_object_get(n, "Name"), name))
				continue;
			network_event(d, "destroy", json_string_value(json_object_get(n, "Id")),
				      json_string_value(name),
				      json_string_value(json_object_get(n, "Driver")));
		}
	}
	if (d->events)
		events_publish(d->events, "network", "prune", "", json_object());
	http_reply_json(h, 200, steal_pointer(&out));
}

/* The container of a connect/disconnect body (Container) */
static int body_container(struct daemon *d, const json_t *body, struct container **ret,
			  berth_error_t **err)
{
	const char *ref = NULL;
	if (bjson_get_string(body, "", "Container", BJSON_REQUIRED, &ref, err) < 0)
		return -1;
	if (!d->containers)
		return berth_error_fail(err, ENOENT, "No such container: %s", ref);
	return container_get(d->containers, ref, ret, err);
}

static void connect_(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_json json_t *body = NULL;
	cleanup_container struct container *c = NULL;
	json_t *cfg = NULL;
	/* docker looks the container up first, then the network */
	if (body_object(h, "network connect", &body, &err) < 0 ||
	    body_container(d, body, &c, &err) < 0 ||
	    network_lookup(d->networks, http_param(h, 0), NULL, NULL, NULL, &err) < 0 ||
	    bjson_get_object(body, "", "EndpointConfig", BJSON_ALLOW_NULL, &cfg, &err) < 0)
		return (void)http_reply_error(h, err);
	if (container_network_connect(d->containers, c, http_param(h, 0), cfg, &err) < 0)
		return reply_forbidden_busy(h, err, EEXIST);
	http_reply_empty(h, 200);
}

static void disconnect(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_json json_t *body = NULL;
	cleanup_container struct container *c = NULL;
	bool force = false;
	if (body_object(h, "network disconnect", &body, &err) < 0 ||
	    bjson_get_bool(body, "", "Force", BJSON_ALLOW_NULL, &force, &err) < 0 ||
	    body_container(d, body, &c, &err) < 0 ||
	    network_lookup(d->networks, http_param(h, 0), NULL, NULL, NULL, &err) < 0)
		return (void)http_reply_error(h, err);
	if (container_network_disconnect(d->containers, c, http_param(h, 0), force, &err) < 0)
		return (void)http_reply_error(h, err);
	http_reply_empty(h, 200);
}

static const struct route routes[] = {
	{ "GET", "/networks", list },
	{ "POST", "/networks/create", create },
	{ "POST", "/networks/prune", prune },
	{ "GET", "/networks/{id}", inspect },
	{ "DELETE", "/networks/{id}", remove_ },
	{ "POST", "/networks/{id}/connect", connect_ },
	{ "POST", "/networks/{id}/disconnect", disconnect },
};
ROUTE_TABLE(api_networks_routes, routes);
