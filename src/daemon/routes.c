/* routes: the route tables berthd serves, one per API file.  meson defines
 * HAVE_API_<FILE> for each api/<file>.c that exists, so that the parts of
 * the API can land one at a time. */
#include <stddef.h>

#include "daemon/router.h"

const struct route_table *const router_tables[] = {
	&api_system_routes,
#ifdef HAVE_API_IMAGES
	&api_images_routes,
#endif
#ifdef HAVE_API_CONTAINERS
	&api_containers_routes,
#endif
#ifdef HAVE_API_EXEC
	&api_exec_routes,
#endif
#ifdef HAVE_API_VOLUMES
	&api_volumes_routes,
#endif
#ifdef HAVE_API_NETWORKS
	&api_networks_routes,
#endif
	NULL,
};
