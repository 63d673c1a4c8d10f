/* endpoint: where a registry is reached, as docker decides it: HTTPS,
 * verified, unless the registry is insecure (insecure-registries by name
 * or CIDR, 127.0.0.0/8 always), which is tried over HTTPS unverified, then
 * plain HTTP; pulls from docker.io try the registry-mirrors first.  Not
 * for other folders: they pass registry_options. */
#ifndef BERTH_REGISTRY_ENDPOINT_H
#define BERTH_REGISTRY_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "registry/client.h"

struct registry_endpoint {
	char *url;          /* "https://127.0.0.1:5000", no final slash; owned */
	char *fallback_url; /* "http://…" when url fails to connect or handshake
			     * (an insecure registry); NULL otherwise; owned */
	bool insecure;      /* HTTPS without certificate verification */
	bool mirror;        /* one of opts->registry_mirrors */
};

void registry_endpoints_free(struct registry_endpoint *eps, size_t n);

/* Is domain ("host", "host:port", "[v6]:port") insecure under opts?  1 or
 * 0; EINVAL for a malformed insecure-registries entry.  A name is resolved
 * to match it against CIDRs, as docker does; docker.io never is. */
int registry_domain_insecure(const char *domain, const struct registry_options *opts,
			     berth_error_t **err);

/* The endpoints to try for domain, in order: the mirrors first when
 * with_mirrors and domain is docker.io, then the registry itself (last,
 * never a mirror).  *ret (of *ret_n) is the caller's to free. */
int registry_endpoints(const char *domain, const struct registry_options *opts, bool with_mirrors,
		       struct registry_endpoint **ret, size_t *ret_n, berth_error_t **err);

#endif
