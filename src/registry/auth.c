/* auth: WWW-Authenticate parsing and the Basic/Bearer flows (see auth.h).
 * Everything parsed here comes from the network, so it is capped in length
 * and count, and a parse failure is an error, never a guess. */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <openssl/evp.h>
#include <string.h>
#include <strings.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "registry/auth.h"

/* ------------------------------------------------------------------ */
/* Challenge parsing (RFC 7235 section 2.1) */

static bool is_tchar(int ch)
{
	return isalnum(ch) || (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static bool is_token68_char(int ch)
{
	return isalnum(ch) || (ch && strchr("-._~+/", ch));
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static char *lower_dup(const char *s, size_t n)
{
	char *r = xstrndup(s, n);
	for (char *p = r; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return r;
}

/* A quoted-string at *pp (which points at the opening quote) */
static int parse_quoted(const char **pp, const char *start, char **ret, berth_error_t **err)
{
	const char *p = *pp + 1;
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	for (;;) {
		if (*p == '\0')
			return berth_error_fail(err, EINVAL,
						"unterminated quoted string at offset %zu",
						(size_t)(*pp - start));
		if (*p == '"')
			break;
		if (*p == '\\') {
			p++;
			if (*p == '\0')
				continue; /* reported as unterminated above */
		}
		strbuf_addch(&sb, *p);
		p++;
	}
	*pp = p + 1;
	*ret = strbuf_detach(&sb, NULL);
	return 0;
}

static void challenge_add_param(struct auth_challenge *ch, char *key, char *value)
{
	ch->params = xreallocarray(ch->params, ch->n_params + 1, sizeof(*ch->params));
	ch->params[ch->n_params].key = key;
	ch->params[ch->n_params].value = value;
	ch->n_params++;
}

int auth_challenges_parse(const char *value, struct auth_challenge **chs, size_t *n,
			  berth_error_t **err)
{
	const char *p = value;

	if (strlen(value) > AUTH_MAX_CHALLENGE_LEN)
		return berth_error_fail(err, EINVAL, "WWW-Authenticate: longer than %d bytes",
					AUTH_MAX_CHALLENGE_LEN);
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			return 0;
		const char *s = p;
		while (is_tchar((unsigned char)*p))
			p++;
		if (p == s)
			return berth_error_fail(
				err, EINVAL,
				"WWW-Authenticate: expected an auth scheme at offset %zu",
				(size_t)(s - value));
		if (*n >= AUTH_MAX_CHALLENGES)
			return berth_error_fail(err, EINVAL,
						"WWW-Authenticate: more than %d challenges",
						AUTH_MAX_CHALLENGES);
		*chs = xreallocarray(*chs, *n + 1, sizeof(**chs));
		struct auth_challenge *ch = &(*chs)[*n];
		memset(ch, 0, sizeof(*ch));
		ch->scheme = lower_dup(s, (size_t)(p - s));
		(*n)++;
		if (*p != ' ' && *p != '\t')
			continue; /* "Basic" alone, or "Basic, Bearer ..." */
		p = skip_ws(p);

		/* token68 ("Negotiate abc123=="): a word and its '=' padding
		 * followed by a comma or the end; "key=value" has a value */
		const char *t = p;
		while (is_token68_char((unsigned char)*t))
			t++;
		if (t > p) {
			const char *q = t;
			while (*q == '=')
				q++;
			const char *after = skip_ws(q);
			if (*after == '\0' || *after == ',') {
				ch->token68 = xstrndup(p, (size_t)(q - p));
				p = after;
				continue;
			}
		}

		/* #auth-param */
		for (;;) {
			p = skip_ws(p);
			while (*p == ',' || *p == ' ' || *p == '\t')
				p++;
			if (*p == '\0')
				return 0;
			const char *ks = p;
			while (is_tchar((unsigned char)*p))
				p++;
			if (p == ks)
				return berth_error_fail(
					err, EINVAL,
					"WWW-Authenticate: unexpected '%c' at offset %zu", *p,
					(size_t)(p - value));
			const char *ke = p;
			p = skip_ws(p);
			if (*p != '=') {
				/* a token not followed by '=': the next challenge */
				p = ks;
				break;
			}
			p = skip_ws(p + 1);
			char *v = NULL;
			if (*p == '"') {
				int r = parse_quoted(&p, value, &v, err);
				if (r < 0)
					return berth_error_wrap(err, "WWW-Authenticate");
			} else {
				const char *vs = p;
				while (is_tchar((unsigned char)*p) || *p == '/' || *p == ':')
					p++;
				v = xstrndup(vs, (size_t)(p - vs));
			}
			if (ch->n_params >= AUTH_MAX_PARAMS) {
				free(v);
				return berth_error_fail(err, EINVAL,
							"WWW-Authenticate: more than %d parameters",
							AUTH_MAX_PARAMS);
			}
			challenge_add_param(ch, lower_dup(ks, (size_t)(ke - ks)), v);
			p = skip_ws(p);
			if (*p != ',' && *p != '\0')
				return berth_error_fail(
					err, EINVAL, "WWW-Authenticate: expected ',' at offset %zu",
					(size_t)(p - value));
		}
	}
}

const char *auth_challenge_param(const struct auth_challenge *ch, const char *key)
{
	for (size_t i = 0; i < ch->n_params; i++)
		if (strcasecmp(ch->params[i].key, key) == 0)
			return ch->params[i].value;
	return NULL;
}

void auth_challenges_free(struct auth_challenge *chs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(chs[i].scheme);
		free(chs[i].token68);
		for (size_t j = 0; j < chs[i].n_params; j++) {
			free(chs[i].params[j].key);
			free(chs[i].params[j].value);
		}
		free(chs[i].params);
	}
	free(chs);
}

/* ------------------------------------------------------------------ */
/* Basic */

char *auth_basic_encode(const char *user, const char *pass)
{
	cleanup_free char *plain = xasprintf("%s:%s", user, pass ? pass : "");
	size_t len = strlen(plain);
	char *out = xmalloc(4 * ((len + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)plain, (int)len);
	return out;
}

int auth_basic_decode(const char *b64, char **ret_user, char **ret_pass, berth_error_t **err)
{
	size_t len = strlen(b64);
	if (len == 0 || len % 4 != 0 || len > 64 * 1024)
		return berth_error_fail(err, EINVAL, "invalid base64 credentials");
	cleanup_free unsigned char *out = xmalloc(len / 4 * 3 + 1);
	int n = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)len);
	if (n < 0)
		return berth_error_fail(err, EINVAL, "invalid base64 credentials");
	/* EVP_DecodeBlock counts the padding as zero bytes */
	if (len >= 1 && b64[len - 1] == '=')
		n--;
	if (len >= 2 && b64[len - 2] == '=')
		n--;
	out[n] = '\0';
	if (memchr(out, '\0', (size_t)n))
		return berth_error_fail(err, EINVAL, "invalid credentials: NUL byte");
	char *colon = strchr((char *)out, ':');
	if (!colon)
		return berth_error_fail(err, EINVAL,
					"invalid credentials: no ':' in user:password");
	*ret_user = xstrndup((char *)out, (size_t)(colon - (char *)out));
	*ret_pass = xstrdup(colon + 1);
	return 0;
}

/* ------------------------------------------------------------------ */
/* State */

void auth_creds_release(struct auth_creds *c)
{
	free(c->username);
	free(c->password);
	free(c->identity_token);
	memset(c, 0, sizeof(*c));
}

void auth_state_init(struct auth_state *a, struct auth_creds *creds)
{
	memset(a, 0, sizeof(*a));
	if (creds) {
		a->creds = *creds;
		memset(creds, 0, sizeof(*creds));
	}
}

static void tokens_clear(struct auth_state *a)
{
	for (size_t i = 0; i < a->n_tokens; i++) {
		free(a->tokens[i].scope);
		free(a->tokens[i].token);
	}
	free(a->tokens);
	a->tokens = NULL;
	a->n_tokens = 0;
}

void auth_state_release(struct auth_state *a)
{
	free(a->realm);
	free(a->service);
	auth_creds_release(&a->creds);
	tokens_clear(a);
	memset(a, 0, sizeof(*a));
}

void auth_state_copy(struct auth_state *dst, const struct auth_state *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->scheme = src->scheme;
	dst->realm = xstrdup(src->realm);
	dst->service = xstrdup(src->service);
	dst->creds.username = xstrdup(src->creds.username);
	dst->creds.password = xstrdup(src->creds.password);
	dst->creds.identity_token = xstrdup(src->creds.identity_token);
	dst->http_flags = src->http_flags;
	if (src->n_tokens) {
		dst->tokens = xcalloc(src->n_tokens, sizeof(*dst->tokens));
		for (size_t i = 0; i < src->n_tokens; i++)
			dst->tokens[i] = (struct auth_token){ xstrdup(src->tokens[i].scope),
							      xstrdup(src->tokens[i].token),
							      src->tokens[i].expires };
		dst->n_tokens = src->n_tokens;
	}
}

int auth_state_challenge(struct auth_state *a, const struct http_headers *h, char **ret_scope,
			 berth_error_t **err)
{
	const char *vals[AUTH_MAX_CHALLENGES];
	size_t nv = http_headers_get_all(h, "WWW-Authenticate", vals, AUTH_MAX_CHALLENGES);
	struct auth_challenge *chs = NULL;
	size_t n = 0;
	int r = 0;

	if (nv > AUTH_MAX_CHALLENGES)
		nv = AUTH_MAX_CHALLENGES;
	for (size_t i = 0; i < nv; i++) {
		r = auth_challenges_parse(vals[i], &chs, &n, err);
		if (r < 0)
			goto out;
	}
	const struct auth_challenge *bearer = NULL, *basic = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!bearer && strcmp(chs[i].scheme, "bearer") == 0)
			bearer = &chs[i];
		if (!basic && strcmp(chs[i].scheme, "basic") == 0)
			basic = &chs[i];
	}
	if (bearer) {
		const char *realm = auth_challenge_param(bearer, "realm");
		if (!realm ||
		    (strncmp(realm, "https://", 8) != 0 && strncmp(realm, "http://", 7) != 0)) {
			r = berth_error_fail(err, EPROTO,
					     "bearer challenge without an http(s) realm");
			goto out;
		}
		/* a new realm or service invalidates the tokens from the old one */
		const char *service = auth_challenge_param(bearer, "service");
		if (!a->realm || strcmp(a->realm, realm) != 0 ||
		    strcmp(a->service ? a->service : "", service ? service : "") != 0)
			tokens_clear(a);
		free(a->realm);
		free(a->service);
		a->realm = xstrdup(realm);
		a->service = xstrdup(service);
		a->scheme = AUTH_BEARER;
		if (ret_scope)
			*ret_scope = xstrdup(auth_challenge_param(bearer, "scope"));
	} else if (basic) {
		a->scheme = AUTH_BASIC;
		if (ret_scope)
			*ret_scope = NULL;
	} else {
		r = berth_error_fail(err, EACCES, "no supported authentication challenge (%s)",
				     n ? chs[0].scheme : "none given");
	}
out:
	auth_challenges_free(chs, n);
	return r;
}

/* issued_at is RFC 3339; fractions and the zone are ignored (always Z in
 * practice).  0 when it does not parse. */
static time_t parse_issued_at(const char *s)
{
	struct tm tm = { 0 };
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end)
		return 0;
	return timegm(&tm);
}

int auth_token_response_parse(const char *buf, size_t len, time_t now, char **ret_token,
			      time_t *ret_expires, berth_error_t **err)
{
	cleanup_json json_t *j = NULL;
	const char *token = NULL, *access = NULL, *issued = NULL;
	int64_t expires_in = 0;

	if (bjson_load(buf, len, "token response", AUTH_MAX_TOKEN_RESPONSE, 16, &j, err) < 0 ||
	    bjson_get_string(j, NULL, "token", 0, &token, err) < 0 ||
	    bjson_get_string(j, NULL, "access_token", 0, &access, err) < 0 ||
	    bjson_get_string(j, NULL, "issued_at", 0, &issued, err) < 0 ||
	    bjson_get_int_range(j, NULL, "expires_in", 0, 0, INT32_MAX, &expires_in, err) < 0)
		return berth_error_codep(err);
	if (!token || !*token)
		token = access;
	if (!token || !*token)
		return berth_error_fail(err, EPROTO, "token response has no token");
	/* docker's minimum lifetime: a token is good for at least 60 s */
	if (expires_in < 60)
		expires_in = 60;
	time_t start = issued ? parse_issued_at(issued) : 0;
	if (start == 0 || start > now)
		start = now;
	*ret_token = xstrdup(token);
	*ret_expires = start + (time_t)expires_in;
	return 0;
}

static void add_query(struct strbuf *sb, bool *first, const char *key, const char *value)
{
	char *esc = curl_easy_escape(NULL, value, 0);
	strbuf_addf(sb, "%c%s=%s", *first ? (strchr(sb->buf, '?') ? '&' : '?') : '&', key, esc);
	curl_free(esc);
	*first = false;
}

/* The error body of a failed request: the registry's JSON error message
 * if there is one, else a short excerpt */
static char *error_excerpt(const struct http_response *resp)
{
	cleanup_json json_t *j = NULL;
	cleanup_error berth_error_t *e = NULL;
	if (bjson_load(resp->body.buf, resp->body.len, "error", 0, 0, &j, &e) == 0) {
		json_t *errs = json_object_get(j, "errors");
		json_t *first = json_array_get(errs, 0);
		const char *msg = json_string_value(json_object_get(first, "message"));
		if (!msg)
			msg = json_string_value(json_object_get(j, "details"));
		if (!msg)
			msg = json_string_value(json_object_get(j, "error"));
		if (msg)
			return xstrndup(msg, 200);
	}
	if (resp->body.len == 0)
		return xstrdup("no details");
	cleanup_free char *s = xstrndup(resp->body.buf, 200);
	for (char *p = s; *p; p++)
		if (!isprint((unsigned char)*p))
			*p = ' ';
	return steal_pointer(&s);
}

static int fetch_token(struct auth_state *a, struct http_client *c, const char *scope,
		       char **ret_token, time_t *ret_expires, berth_error_t **err)
{
	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	cleanup_strbuf struct strbuf form = STRBUF_INIT;
	cleanup_free char *basic = NULL, *authz = NULL;
	cleanup_http_response struct http_response resp = { 0 };
	struct http_request req = { .flags = a->http_flags | HTTP_IDEMPOTENT,
				    .max_body = AUTH_MAX_TOKEN_RESPONSE };
	bool first = true;

	strbuf_addstr(&url, a->realm);
	if (a->creds.identity_token) {
		/* an OAuth2 refresh token: POST the form, as docker does */
		bool ff = true;
		strbuf_addstr(&form, "");
		add_query(&form, &ff, "grant_type", "refresh_token");
		add_query(&form, &ff, "refresh_token", a->creds.identity_token);
		add_query(&form, &ff, "client_id", "berth");
		if (a->service)
			add_query(&form, &ff, "service", a->service);
		if (scope)
			add_query(&form, &ff, "scope", scope);
		static const char *const hdrs[] = {
			"Content-Type: application/x-www-form-urlencoded", NULL
		};
		req.method = "POST";
		req.headers = hdrs;
		req.body = form.buf + 1; /* skip add_query's leading '?' */
		req.body_len = form.len - 1;
		req.flags &= ~HTTP_IDEMPOTENT;
	} else {
		if (a->service)
			add_query(&url, &first, "service", a->service);
		if (scope)
			add_query(&url, &first, "scope", scope);
		if (a->creds.username) {
			add_query(&url, &first, "account", a->creds.username);
			basic = auth_basic_encode(a->creds.username, a->creds.password);
			authz = xasprintf("Basic %s", basic);
			req.authorization = authz;
		}
	}
	req.url = url.buf;
	if (http_do(c, &req, &resp, err) < 0)
		return berth_error_wrap(err, "get token");
	if (resp.status == 401 || resp.status == 403) {
		cleanup_free char *why = error_excerpt(&resp);
		return berth_error_fail(err, EACCES, "get token from '%s': %s: %s", a->realm,
					a->creds.username ? "incorrect username or password" :
							    "unauthorized",
					why);
	}
	if (resp.status != 200) {
		cleanup_free char *why = error_excerpt(&resp);
		return berth_error_fail(err, EPROTO, "get token from '%s': HTTP %ld: %s", a->realm,
					resp.status, why);
	}
	if (auth_token_response_parse(resp.body.buf, resp.body.len, time(NULL), ret_token,
				      ret_expires, err) < 0)
		return berth_error_wrap(err, "get token from '%s'", a->realm);
	return 0;
}

int auth_state_authorize(struct auth_state *a, struct http_client *c, const char *scope, bool fresh,
			 char **ret, berth_error_t **err)
{
	const char *key = scope ? scope : "";

	switch (a->scheme) {
	case AUTH_NONE:
		*ret = NULL;
		return 0;
	case AUTH_BASIC:
		if (!a->creds.username) {
			*ret = NULL;
			return 0;
		}
		{
			cleanup_free char *b =
				auth_basic_encode(a->creds.username, a->creds.password);
			*ret = xasprintf("Basic %s", b);
		}
		return 0;
	case AUTH_BEARER:
		break;
	}
	time_t now = time(NULL);
	for (size_t i = 0; i < a->n_tokens; i++) {
		struct auth_token *t = &a->tokens[i];
		if (strcmp(t->scope, key) != 0)
			continue;
		/* 5 s of margin: a token must not expire on the way */
		if (!fresh && t->expires > now + 5) {
			*ret = xasprintf("Bearer %s", t->token);
			return 0;
		}
		free(t->scope);
		free(t->token);
		a->tokens[i] = a->tokens[--a->n_tokens];
		break;
	}
	char *token = NULL;
	time_t expires = 0;
	if (fetch_token(a, c, scope, &token, &expires, err) < 0)
		return berth_error_codep(err);
	a->tokens = xreallocarray(a->tokens, a->n_tokens + 1, sizeof(*a->tokens));
	a->tokens[a->n_tokens++] = (struct auth_token){ xstrdup(key), token, expires };
	log_debug("registry: new token for scope '%s'", key);
	*ret = xasprintf("Bearer %s", token);
	return 0;
}
