/* client: one registry session (see client.h).  Every request goes through
 * client_request, which owns the authentication loop: at most one retry
 * after a 401, with a freshly fetched token, so that a registry that keeps
 * refusing ends in a clear error instead of a loop; and client_http below
 * it, which settles an insecure registry's scheme on the first request. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <strings.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/parse.h"
#include "common/xalloc.h"
#include "image/reference.h"
#include "oci/image.h"
#include "registry/auth.h"
#include "registry/client-internal.h"
#include "registry/client.h"
#include "registry/credentials.h"

struct registry_client {
	char *domain; /* as the user named it: "docker.io", "127.0.0.1:5000" */
	char *base;   /* "https://registry-1.docker.io" */
	/* "http://…" while an insecure registry's HTTPS is unproven: the
	 * first request that fails to connect or handshake over base moves
	 * the session here; NULL once settled (or for a secure one) */
	char *fallback_base;
	bool insecure;    /* HTTPS unverified (insecure-registries) */
	char *repository; /* NULL for a registry-wide session (login) */
	char *pull_scope; /* "repository:<repository>:pull" */
	char *certs_dir;  /* NULL: HTTP_DEFAULT_CERTS_DIR */
	struct http_client *http;
	struct auth_state auth;
};

void registry_manifest_release(struct registry_manifest *m)
{
	free(m->media_type);
	free(m->data);
	memset(m, 0, sizeof(*m));
}

/* A session around http (takes ownership) with everything but the
 * authentication state */
static struct registry_client *client_make(const char *domain, const char *base,
					   const char *fallback_base, bool insecure,
					   const char *repository, const char *certs_dir,
					   struct http_client *http)
{
	struct registry_client *c = xzalloc(sizeof(*c));
	c->domain = xstrdup(domain);
	c->base = xstrdup(base);
	c->fallback_base = xstrdup(fallback_base);
	c->insecure = insecure;
	c->repository = xstrdup(repository);
	c->pull_scope = repository ? xasprintf("repository:%s:pull", repository) : NULL;
	c->certs_dir = xstrdup(certs_dir);
	c->http = http;
	return c;
}

static bool domain_valid(const char *domain)
{
	return domain && *domain && !strpbrk(domain, "/ \t\r\n?#@");
}

struct registry_client *registry_client_new(const char *domain, const char *repository,
					    const struct registry_options *opts,
					    berth_error_t **err)
{
	struct registry_endpoint *eps = NULL;
	size_t n = 0;

	if (!domain_valid(domain))
		return berth_error_fail(err, EINVAL, "invalid registry host '%s'",
					domain ? domain : ""),
		       NULL;
	if (registry_endpoints(domain, opts, false, &eps, &n, err) < 0)
		return NULL;
	struct registry_client *c =
		registry_client_new_at(domain, &eps[n - 1], repository, opts, err);
	registry_endpoints_free(eps, n);
	return c;
}

struct registry_client *registry_client_new_at(const char *domain,
					       const struct registry_endpoint *ep,
					       const char *repository,
					       const struct registry_options *opts,
					       berth_error_t **err)
{
	static const struct registry_options defaults = { 0 };
	struct auth_creds creds = { 0 };

	if (!opts)
		opts = &defaults;
	if (!domain_valid(domain))
		return berth_error_fail(err, EINVAL, "invalid registry host '%s'",
					domain ? domain : ""),
		       NULL;
	struct http_options hopts = { .certs_dir = opts->certs_dir };
	struct http_client *http = http_client_new(&hopts, err);
	if (!http)
		return NULL;
	if (opts->username) {
		creds.username = xstrdup(opts->username);
		creds.password = xstrdup(opts->password ? opts->password : "");
	} else if (!(opts->flags & REGISTRY_ANONYMOUS)) {
		cleanup_error berth_error_t *e = NULL;
		cleanup_free char *dir = opts->config_dir ? xstrdup(opts->config_dir) :
							    credentials_config_dir(&e);
		int r = dir ? credentials_get(dir, domain, &creds, err) : 0;
		if (r < 0) {
			http_client_free(http);
			return NULL;
		}
	}
	struct registry_client *c = client_make(domain, ep->url, ep->fallback_url, ep->insecure,
						repository, opts->certs_dir, http);
	auth_state_init(&c->auth, &creds);
	/* the token server of an insecure registry is not verified either,
	 * as docker's shared transport does */
	if (ep->insecure)
		c->auth.http_flags |= HTTP_INSECURE_TLS;
	return c;
}

struct registry_client *registry_client_dup(const struct registry_client *c, berth_error_t **err)
{
	struct http_options hopts = { .certs_dir = c->certs_dir };
	struct http_client *http = http_client_new(&hopts, err);
	if (!http)
		return NULL;
	struct registry_client *d = client_make(c->domain, c->base, c->fallback_base, c->insecure,
						c->repository, c->certs_dir, http);
	auth_state_copy(&d->auth, &c->auth);
	return d;
}

void registry_client_free(struct registry_client *c)
{
	if (!c)
		return;
	free(c->domain);
	free(c->base);
	free(c->fallback_base);
	free(c->repository);
	free(c->pull_scope);
	free(c->certs_dir);
	http_client_free(c->http);
	auth_state_release(&c->auth);
	free(c);
}

/* The registry's own words from an error body ({"errors":[{"message"}]}),
 * else a short excerpt */
static char *response_reason(const struct http_response *resp)
{
	cleanup_json json_t *j = NULL;
	cleanup_error berth_error_t *e = NULL;
	if (resp->body.len &&
	    bjson_load(resp->body.buf, resp->body.len, "error", 0, 0, &j, &e) == 0) {
		json_t *first = json_array_get(json_object_get(j, "errors"), 0);
		const char *msg = json_string_value(json_object_get(first, "message"));
		if (msg)
			return xstrndup(msg, 200);
	}
	if (resp->body.len == 0 || resp->body.len > 200 ||
	    memchr(resp->body.buf, '<', resp->body.len))
		return xasprintf("HTTP %ld", resp->status);
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	strbuf_add(&sb, resp->body.buf, resp->body.len);
	strbuf_rtrim(&sb);
	return strbuf_detach(&sb, NULL);
}

/* A transport failure after which docker tries an insecure registry over
 * plain HTTP: no TLS (a plain-HTTP server answers the handshake with
 * garbage), nothing listening, a dropped or stalled connection */
static bool fallback_worthy(int errnum)
{
	return errnum == EPROTO || http_error_transient(errnum);
}

/* Replace *err with its message plus the setting that would help */
static void hint_insecure(const struct registry_client *c, berth_error_t **err)
{
	if (!err || !*err || (*err)->errnum != EPROTO || strncmp(c->base, "https://", 8) != 0)
		return;
	berth_error_t *old = steal_pointer(err);
	berth_error_fail(err, old->errnum,
			 "%s (if '%s' serves plain HTTP, add it to the daemon's "
			 "\"insecure-registries\")",
			 old->msg, c->domain);
	berth_error_free(old);
}

/* http_do for a URL of the session's own origin.  The first request to an
 * insecure registry is one HTTPS attempt (no retries: refused or not TLS
 * is an answer, not a hiccup); when it fails to connect or handshake, the
 * session moves to plain HTTP for good and req->url is rewritten (into
 * *url_owner, which the caller frees). */
static int client_http(struct registry_client *c, struct http_request *req, char **url_owner,
		       struct http_response *ret, berth_error_t **err)
{
	enum http_flags flags = req->flags;
	if (c->insecure && strncmp(c->base, "https://", 8) == 0)
		req->flags |= HTTP_INSECURE_TLS;
	if (!c->fallback_base) {
		int r = http_do(c->http, req, ret, err);
		req->flags = flags;
		if (r < 0 && !c->insecure)
			hint_insecure(c, err);
		return r;
	}
	size_t blen = strlen(c->base);
	req->flags &= ~HTTP_IDEMPOTENT;
	int r = http_do(c->http, req, ret, err);
	req->flags = flags;
	if (r == 0) {
		/* HTTPS works: settled */
		free(c->fallback_base);
		c->fallback_base = NULL;
		return 0;
	}
	if (!err || !*err || !fallback_worthy((*err)->errnum) ||
	    strncmp(req->url, c->base, blen) != 0)
		return r;
	cleanup_error berth_error_t *tls_err = steal_pointer(err);
	log_debug("registry: %s; trying plain HTTP (insecure registry '%s')", tls_err->msg,
		  c->domain);
	char *url = xasprintf("%s%s", c->fallback_base, req->url + blen);
	free(*url_owner);
	*url_owner = url;
	req->url = url;
	free(c->base);
	c->base = steal_pointer(&c->fallback_base);
	r = http_do(c->http, req, ret, err);
	if (r < 0)
		berth_error_wrap(err, "over HTTPS: %s; over plain HTTP", tls_err->msg);
	return r;
}

/* Perform req (its authorization is set here) with the authentication
 * loop: a 401 is answered once, with the challenge it carries and fresh
 * credentials; a second 401 is EACCES. */
static int auth_loop(struct registry_client *c, struct http_request *req, const char *scope,
		     char **moved_url, struct http_response *ret, berth_error_t **err)
{
	const char *method = req->method ? req->method : "GET";

	for (int round = 0; round < 2; round++) {
		cleanup_free char *authz = NULL;
		struct http_response resp = { 0 };
		if (auth_state_authorize(&c->auth, c->http, scope, round > 0, &authz, err) < 0)
			return berth_error_wrap(err, "%s %s", method, req->url);
		req->authorization = authz;
		int r = client_http(c, req, moved_url, &resp, err);
		req->authorization = NULL;
		if (r < 0)
			return r;
		if (resp.status != 401) {
			*ret = resp;
			return 0;
		}
		cleanup_free char *why = response_reason(&resp);
		if (round > 0 || c->auth.scheme == AUTH_BASIC) {
			/* already answered a challenge (or sent Basic
			 * credentials unasked): the registry refuses them */
			bool had_creds = c->auth.creds.username || c->auth.creds.identity_token;
			r = berth_error_fail(err, EACCES, "%s %s: unauthorized: %s%s", method,
					     req->url, why,
					     had_creds ? " (credentials refused)" :
							 " (no credentials)");
			http_response_release(&resp);
			return r;
		}
		r = auth_state_challenge(&c->auth, &resp.headers, NULL, err);
		http_response_release(&resp);
		if (r < 0)
			return berth_error_wrap(err, "%s %s: unauthorized: %s", method, req->url,
						why);
		if (c->auth.scheme == AUTH_BASIC && !c->auth.creds.username)
			return berth_error_fail(
				err, EACCES,
				"%s %s: unauthorized: %s (no credentials; log in first)", method,
				req->url, why);
	}
	return berth_error_fail(err, EACCES, "%s %s: unauthorized", method, req->url);
}

static int client_request(struct registry_client *c, struct http_request *req, const char *scope,
			  struct http_response *ret, berth_error_t **err)
{
	/* Credentials go only to the registry's own origin, as docker's
	 * per-host challenge manager decides: an upload Location may point at
	 * object storage on another host, which must never see the token */
	if (!http_same_origin(req->url, c->base)) {
		req->authorization = NULL;
		return http_do(c->http, req, ret, err);
	}
	const char *caller_url = req->url;
	char *moved_url = NULL; /* req->url after a move to plain HTTP */
	int r = auth_loop(c, req, scope, &moved_url, ret, err);
	req->url = caller_url;
	free(moved_url);
	return r;
}

int registry_ping(struct registry_client *c, berth_error_t **err)
{
	cleanup_free char *url = xasprintf("%s/v2/", c->base);
	cleanup_http_response struct http_response resp = { 0 };
	struct http_request req = { .url = url, .flags = HTTP_IDEMPOTENT };

	if (client_request(c, &req, NULL, &resp, err) < 0)
		return berth_error_wrap(err, "ping '%s'", c->domain);
	if (resp.status != 200) {
		cleanup_free char *why = response_reason(&resp);
		return berth_error_fail(err, EPROTO, "ping '%s': GET %s: %s", c->domain, url, why);
	}
	return 0;
}

/* "application/vnd.oci.image.manifest.v1+json; charset=utf-8" -> the type */
static char *media_type_of(const char *content_type)
{
	if (!content_type)
		return NULL;
	size_t n = strcspn(content_type, "; \t");
	return n ? xstrndup(content_type, n) : NULL;
}

int registry_get_manifest(struct registry_client *c, const char *tag_or_digest,
			  struct registry_manifest *ret, berth_error_t **err)
{
	struct digest want;
	bool by_digest = strchr(tag_or_digest, ':') != NULL;

	if (!c->repository)
		return berth_error_fail(err, EINVAL, "a manifest needs a repository");
	if (by_digest) {
		if (digest_parse(tag_or_digest, &want, err) < 0)
			return berth_error_wrap(err, "get manifest");
	} else if (!image_ref_tag_valid(tag_or_digest)) {
		return berth_error_fail(err, EINVAL, "get manifest: invalid tag '%.200s'",
					tag_or_digest);
	}
	cleanup_free char *url =
		xasprintf("%s/v2/%s/manifests/%s", c->base, c->repository, tag_or_digest);
	static const char *const hdrs[] = { "Accept: " OCI_IMAGE_ACCEPT, NULL };
	struct http_request req = { .url = url,
				    .headers = hdrs,
				    .max_body = REGISTRY_MAX_MANIFEST,
				    .flags = HTTP_IDEMPOTENT };
	cleanup_http_response struct http_response resp = { 0 };
	const char *what = tag_or_digest;

	if (client_request(c, &req, c->pull_scope, &resp, err) < 0)
		return berth_error_wrap(err, "get manifest '%s:%s'", c->repository, what);
	if (resp.status == 404) {
		cleanup_free char *why = response_reason(&resp);
		return berth_error_fail(err, ENOENT, "get manifest '%s:%s': %s", c->repository,
					what, why);
	}
	if (resp.status != 200) {
		cleanup_free char *why = response_reason(&resp);
		return berth_error_fail(err, EPROTO, "get manifest '%s:%s': GET %s: %s",
					c->repository, what, url, why);
	}

	struct digest got;
	digest_buffer(resp.body.buf, resp.body.len, &got);
	if (by_digest && digest_verify(&want, &got, "manifest", err) < 0)
		return berth_error_wrap(err, "get manifest '%s@%s'", c->repository, what);
	const char *hdr = http_headers_get(&resp.headers, "Docker-Content-Digest");
	if (hdr) {
		struct digest claimed;
		cleanup_error berth_error_t *e = NULL;
		/* only sha256 is comparable; another algorithm is not a lie */
		if (strncmp(hdr, "sha256:", 7) == 0) {
			if (digest_parse(hdr, &claimed, &e) < 0)
				return berth_error_fail(
					err, EBADMSG,
					"get manifest '%s:%s': bad Docker-Content-Digest '%.100s'",
					c->repository, what, hdr);
			if (digest_verify(&claimed, &got, "manifest", err) < 0)
				return berth_error_wrap(
					err, "get manifest '%s:%s' (Docker-Content-Digest)",
					c->repository, what);
		}
	}

	char *mt = media_type_of(http_headers_get(&resp.headers, "Content-Type"));
	if (!mt || strcmp(mt, "application/json") == 0 || strcmp(mt, "text/plain") == 0) {
		cleanup_json json_t *j = NULL;
		cleanup_error berth_error_t *e = NULL;
		const char *doc_mt = NULL;
		if (bjson_load(resp.body.buf, resp.body.len, "manifest", REGISTRY_MAX_MANIFEST, 0,
			       &j, &e) == 0 &&
		    bjson_get_string(j, NULL, "mediaType", 0, &doc_mt, &e) == 0 && doc_mt) {
			free(mt);
			mt = xstrdup(doc_mt);
		}
	}
	ret->media_type = mt ? mt : xstrdup("");
	ret->len = resp.body.len;
	ret->data = strbuf_detach(&resp.body, NULL);
	ret->digest = got;
	return 0;
}

static char *blob_url(const struct registry_client *c, const struct digest *d)
{
	char ds[DIGEST_STR_SIZE];
	digest_format(d, ds);
	return xasprintf("%s/v2/%s/blobs/%s", c->base, c->repository, ds);
}

int registry_blob_head(struct registry_client *c, const struct digest *d, const char *scope,
		       uint64_t *ret_size, berth_error_t **err)
{
	if (!c->repository)
		return berth_error_fail(err, EINVAL, "a blob needs a repository");
	cleanup_free char *url = blob_url(c, d);
	cleanup_http_response struct http_response resp = { 0 };
	struct http_request req = { .method = "HEAD", .url = url, .flags = HTTP_IDEMPOTENT };

	if (client_request(c, &req, scope, &resp, err) < 0)
		return berth_error_wrap(err, "check blob");
	if (resp.status == 404)
		return 0;
	if (resp.status != 200)
		return berth_error_fail(err, EPROTO, "check blob: HEAD %s: HTTP %ld", url,
					resp.status);
	if (ret_size) {
		const char *cl = http_headers_get(&resp.headers, "Content-Length");
		uint64_t size = 0;
		cleanup_error berth_error_t *e = NULL;
		if (!cl || parse_uint64(cl, 10, &size, &e) < 0)
			return berth_error_fail(err, EPROTO,
						"check blob: HEAD %s: no valid Content-Length",
						url);
		*ret_size = size;
	}
	return 1;
}

int registry_blob_exists(struct registry_client *c, const struct digest *d, uint64_t *ret_size,
			 berth_error_t **err)
{
	return registry_blob_head(c, d, c->pull_scope, ret_size, err);
}

int registry_blob_fetch(struct registry_client *c, const struct digest *d, http_sink_fn sink,
			void *sink_data, berth_error_t **err)
{
	if (!c->repository)
		return berth_error_fail(err, EINVAL, "a blob needs a repository");
	cleanup_free char *url = blob_url(c, d);
	cleanup_http_response struct http_response resp = { 0 };
	struct http_request req = {
		.url = url, .sink = sink, .sink_data = sink_data, .flags = HTTP_IDEMPOTENT
	};
	char ds[DIGEST_STR_SIZE];
	digest_format(d, ds);

	if (client_request(c, &req, c->pull_scope, &resp, err) < 0)
		return berth_error_wrap(err, "get blob %s", ds);
	if (resp.status == 404)
		return berth_error_fail(err, ENOENT, "get blob %s: not found in '%s'", ds,
					c->repository);
	if (resp.status != 200) {
		cleanup_free char *why = response_reason(&resp);
		return berth_error_fail(err, EPROTO, "get blob %s: GET %s: %s", ds, url, why);
	}
	return 0;
}

/* registry_blob_get's sink: hash and count, then hand on */
struct blob_sink {
	struct digest_hasher *h;
	uint64_t size;
	http_sink_fn sink;
	void *data;
};

static int blob_sink_cb(const void *data, size_t len, void *userdata, berth_error_t **err)
{
	struct blob_sink *b = userdata;
	digest_hasher_update(b->h, data, len);
	b->size += len;
	return b->sink(data, len, b->data, err);
}

int registry_blob_get(struct registry_client *c, const struct digest *d, http_sink_fn sink,
		      void *sink_data, uint64_t *ret_size, berth_error_t **err)
{
	cleanup_hasher struct digest_hasher *h = digest_hasher_new();
	struct blob_sink b = { .h = h, .sink = sink, .data = sink_data };
	if (registry_blob_fetch(c, d, blob_sink_cb, &b, err) < 0)
		return -1;
	struct digest got;
	digest_hasher_final(h, &got);
	if (digest_verify(d, &got, "blob", err) < 0) {
		char ds[DIGEST_STR_SIZE];
		digest_format(d, ds);
		return berth_error_wrap(err, "get blob %s", ds);
	}
	if (ret_size)
		*ret_size = b.size;
	return 0;
}

int registry_login(const char *host, const char *username, const char *password,
		   const struct registry_options *opts, berth_error_t **err)
{
	struct registry_options o = opts ? *opts : (struct registry_options){ 0 };
	o.username = username;
	o.password = password;
	cleanup_registry_client struct registry_client *c =
		registry_client_new(host, NULL, &o, err);
	if (!c)
		return berth_error_wrap(err, "login to '%s'", host);
	if (registry_ping(c, err) < 0) {
		/* "ping 'h': GET …: unauthorized: …" reads better as a login failure */
		return berth_error_wrap(err, "login to '%s'", host);
	}
	struct auth_creds creds = { .username = (char *)username, .password = (char *)password };
	if (credentials_store(o.config_dir, host, &creds, err) < 0)
		return berth_error_wrap(err, "login to '%s'", host);
	return 0;
}

int registry_logout(const char *host, const struct registry_options *opts, berth_error_t **err)
{
	int r = credentials_erase(opts ? opts->config_dir : NULL, host, err);
	if (r < 0)
		return berth_error_wrap(err, "logout from '%s'", host);
	return r;
}

/* ---- for the other files of src/registry (client-internal.h) ----------- */

int registry_client_do(struct registry_client *c, struct http_request *req, const char *scope,
		       struct http_response *ret, berth_error_t **err)
{
	return client_request(c, req, scope, ret, err);
}

const char *registry_client_base(const struct registry_client *c)
{
	return c->base;
}

const char *registry_client_repository(const struct registry_client *c)
{
	return c->repository;
}

char *registry_response_reason(const struct http_response *resp)
{
	return response_reason(resp);
}
