/* client-internal: what the other files of src/registry (push) need of a
 * registry session beyond client.h: the authenticated request loop and the
 * session's names.  Not for other folders. */
#ifndef BERTH_REGISTRY_CLIENT_INTERNAL_H
#define BERTH_REGISTRY_CLIENT_INTERNAL_H

#include "registry/client.h"
#include "registry/endpoint.h"
#include "registry/http.h"

/* registry_client_new at a given endpoint (a mirror: its URL, domain's
 * credentials, as docker sends the index's credentials to its mirrors) */
struct registry_client *registry_client_new_at(const char *domain,
					       const struct registry_endpoint *ep,
					       const char *repository,
					       const struct registry_options *opts,
					       berth_error_t **err);

/* Perform req with the session's authentication loop (a 401 is answered
 * once, with fresh credentials for scope; a second one is EACCES).
 * req->authorization is set and cleared here, and only for a URL of the
 * registry's own origin: an upload Location on another host gets none.  Any other HTTP status is a
 * success; *ret is filled only then (caller releases). */
int registry_client_do(struct registry_client *c, struct http_request *req, const char *scope,
		       struct http_response *ret, berth_error_t **err);

/* registry_blob_exists with the token scope to use (push asks with its
 * "pull,push" scope, so that one token serves the whole push) */
int registry_blob_head(struct registry_client *c, const struct digest *d, const char *scope,
		       uint64_t *ret_size, berth_error_t **err);

/* Borrowed, valid while c is: "http://127.0.0.1:5000" (no final slash),
 * the repository ("test/busybox"; NULL for a registry-wide session) */
const char *registry_client_base(const struct registry_client *c);
const char *registry_client_repository(const struct registry_client *c);

/* The registry's own words for a failed response ({"errors":[{"message"}]}),
 * else a short excerpt or "HTTP <status>"; caller frees */
char *registry_response_reason(const struct http_response *resp);

#endif
