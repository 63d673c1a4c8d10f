/* credentials: docker's client configuration (~/.docker/config.json) for
 * registry logins, read and written compatibly: "auths" entries with
 * base64 "auth" (and "identitytoken"), "credsStore" / "credHelpers" run
 * docker-credential-<helper> exactly as docker does (get/store/erase, the
 * server URL or a JSON document on stdin, JSON on stdout).  Invariant:
 * writes are atomic, mode 0600, and keep every key berth does not know. */
#ifndef BERTH_REGISTRY_CREDENTIALS_H
#define BERTH_REGISTRY_CREDENTIALS_H

#include <stdbool.h>

#include "common/error.h"
#include "registry/auth.h"

/* docker.io's key in config.json and for credential helpers */
#define CREDENTIALS_DOCKER_IO_KEY "https://index.docker.io/v1/"
/* Caps on config.json and on a helper's output */
#define CREDENTIALS_MAX_CONFIG (4u << 20)
#define CREDENTIALS_MAX_HELPER_OUTPUT (1u << 20)

/* The config directory: $DOCKER_CONFIG, else $HOME/.docker; caller frees.
 * ENOENT when neither is set. */
char *credentials_config_dir(berth_error_t **err);

/* The key docker uses for registry host (a reference's domain):
 * "docker.io" (and its aliases) -> CREDENTIALS_DOCKER_IO_KEY, else host
 * itself.  Caller frees. */
char *credentials_server_key(const char *host);

/* Look up the credentials of host in config_dir/config.json (NULL:
 * credentials_config_dir).  Returns 1 and fills *ret when found, 0 when
 * there are none (no file, no entry, helper says not found); < 0 on
 * errors (malformed file, failing helper). */
int credentials_get(const char *config_dir, const char *host, struct auth_creds *ret,
		    berth_error_t **err);

/* Store creds for host: through the helper when credsStore/credHelpers
 * names one (config.json then gets an empty "auths" entry, as docker
 * writes), else as base64 "auth" in config.json. */
int credentials_store(const char *config_dir, const char *host, const struct auth_creds *creds,
		      berth_error_t **err);

/* Remove host's credentials (helper and config.json).  Returns 1 when
 * something was removed, 0 when there was nothing. */
int credentials_erase(const char *config_dir, const char *host, berth_error_t **err);

#endif
