/* auth: registry authentication as docker does it.  WWW-Authenticate
 * challenges are parsed (RFC 7235: several challenges per header, quoted
 * strings with escapes), Basic answers with the stored credentials, Bearer
 * fetches a token from the realm (distribution's token protocol) and caches
 * it per scope until it expires.  Invariant: a token is fetched at most once
 * per request attempt; the caller's retry after a 401 is bounded. */
#ifndef BERTH_REGISTRY_AUTH_H
#define BERTH_REGISTRY_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/error.h"
#include "registry/http.h"

/* Longest WWW-Authenticate value parsed, most challenges per response */
#define AUTH_MAX_CHALLENGE_LEN 8192
#define AUTH_MAX_CHALLENGES 16
#define AUTH_MAX_PARAMS 32
/* Token responses are small JSON documents */
#define AUTH_MAX_TOKEN_RESPONSE (1u << 20)

struct auth_param {
	char *key;   /* lowercased; owned */
	char *value; /* unquoted, escapes removed; owned */
};

struct auth_challenge {
	char *scheme;  /* lowercased: "basic", "bearer"; owned */
	char *token68; /* a bare token68 instead of params, or NULL; owned */
	struct auth_param *params;
	size_t n_params;
};

/* Parse one WWW-Authenticate value into challenges appended to *chs (of
 * *n; start with NULL, 0).  EINVAL with the position on malformed input;
 * *chs keeps what was appended before the error. */
int auth_challenges_parse(const char *value, struct auth_challenge **chs, size_t *n,
			  berth_error_t **err);
/* The value of param key (case-insensitive), borrowed; NULL when absent */
const char *auth_challenge_param(const struct auth_challenge *ch, const char *key);
void auth_challenges_free(struct auth_challenge *chs, size_t n);

/* Credentials for one registry (see credentials.h) */
struct auth_creds {
	char *username;       /* owned; NULL for anonymous */
	char *password;       /* owned */
	char *identity_token; /* an OAuth refresh token from `docker login`; owned */
};
void auth_creds_release(struct auth_creds *c);

enum auth_scheme {
	AUTH_NONE = 0,
	AUTH_BASIC,
	AUTH_BEARER
};

struct auth_token {
	char *scope; /* owned */
	char *token; /* owned */
	time_t expires;
};

/* The authentication state of one registry session */
struct auth_state {
	enum auth_scheme scheme;
	char *realm;   /* bearer realm URL; owned */
	char *service; /* owned */
	struct auth_creds creds;
	struct auth_token *tokens;
	size_t n_tokens;
	enum http_flags http_flags; /* for token requests (HTTP_INSECURE_TLS) */
};

/* Takes ownership of *creds' strings (creds is zeroed); creds may be NULL */
void auth_state_init(struct auth_state *a, struct auth_creds *creds);
void auth_state_release(struct auth_state *a);
/* A deep copy of src into dst (uninitialised): scheme, credentials and
 * cached tokens, so that another session skips the 401 and token round
 * trips src already made */
void auth_state_copy(struct auth_state *dst, const struct auth_state *src);

/* Learn the scheme from a 401 response's WWW-Authenticate headers:
 * Bearer is preferred over Basic, as docker does.  EACCES when there is no
 * usable challenge.  A Bearer challenge's own scope, if any, is returned in
 * *ret_scope (caller frees; NULL when none). */
int auth_state_challenge(struct auth_state *a, const struct http_headers *h, char **ret_scope,
			 berth_error_t **err);

/* The Authorization value for a request needing scope ("repository:a/b:pull";
 * NULL for none): NULL in *ret for anonymous access.  For Bearer, a cached
 * token is reused unless fresh is true, else one is fetched with c. */
int auth_state_authorize(struct auth_state *a, struct http_client *c, const char *scope, bool fresh,
			 char **ret, berth_error_t **err);

/* Parse a token server's response ({"token"} or {"access_token"},
 * "expires_in", "issued_at"): for the unit tests and auth.c */
int auth_token_response_parse(const char *buf, size_t len, time_t now, char **ret_token,
			      time_t *ret_expires, berth_error_t **err);

/* base64 of "user:pass"; caller frees */
char *auth_basic_encode(const char *user, const char *pass);
/* Split base64(user:pass); EINVAL on bad input */
int auth_basic_decode(const char *b64, char **ret_user, char **ret_pass, berth_error_t **err);

#endif
