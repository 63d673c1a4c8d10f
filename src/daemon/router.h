/* router: the route table of berthd.  Each API file (api/<resource>.c)
 * exports one table of routes; routes.c lists the tables; the router
 * matches method and path pattern ("/containers/{id}/json": a {name}
 * segment matches one path segment, available as http_param(h, i); a
 * {name*} segment matches one or more segments, slashes included, for
 * image names: "/images/{name*}/json" matches /images/docker.io/x/y/json). */
#ifndef BERTH_DAEMON_ROUTER_H
#define BERTH_DAEMON_ROUTER_H

#include <stddef.h>

#include "daemon/http/http.h"

struct daemon;

typedef void (*route_fn)(struct daemon *d, struct http_ctx *h);

struct route {
	const char *method; /* "GET" ... ; GET routes also answer HEAD unless a HEAD route exists */
	const char *pattern; /* "/containers/{id}/json" */
	route_fn fn;
};

struct route_table {
	const struct route *routes;
	size_t n;
};

#define ROUTE_TABLE(name, arr) \
	const struct route_table name = { (arr), sizeof(arr) / sizeof((arr)[0]) }

/* One per API file; declared here, defined in api/<file>.c, listed in routes.c */
extern const struct route_table api_system_routes;     /* _ping, version, info, events, system/df */
extern const struct route_table api_images_routes;     /* images/..., auth */
extern const struct route_table api_containers_routes; /* containers/..., commit */
extern const struct route_table api_exec_routes;       /* containers/{id}/exec, exec/... */
extern const struct route_table api_volumes_routes;    /* volumes/... */
extern const struct route_table api_networks_routes;   /* networks/... */

/* The tables routes.c lists, NULL-terminated */
extern const struct route_table *const router_tables[];

/* Answer the request: the matching route's handler, else 404 "page not
 * found".  HEAD falls back to the GET route. */
void router_dispatch(struct daemon *d, struct http_ctx *h);

#endif
