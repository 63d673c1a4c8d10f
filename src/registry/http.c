/* http: libcurl under the registry client (see http.h).  Invariant: curl
 * never follows a redirect itself (CURLOPT_FOLLOWLOCATION stays off), so
 * the decision to keep or drop the Authorization header is made here, on
 * every hop, by comparing scheme, host and port. */
#include <curl/curl.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "registry/http.h"

struct http_client {
	CURL *easy;
	char *certs_dir;
	char *user_agent;
	long connect_timeout;
	long low_speed_time;
	int retries;
};

/* ------------------------------------------------------------------ */
/* Headers */

const char *http_headers_get(const struct http_headers *h, const char *name)
{
	for (size_t i = 0; i < h->n; i++)
		if (strcasecmp(h->names[i], name) == 0)
			return h->values[i];
	return NULL;
}

size_t http_headers_get_all(const struct http_headers *h, const char *name, const char **ret,
			    size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < h->n; i++) {
		if (strcasecmp(h->names[i], name) != 0)
			continue;
		if (n < max)
			ret[n] = h->values[i];
		n++;
	}
	return n;
}

void http_headers_release(struct http_headers *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->names[i]);
		free(h->values[i]);
	}
	free(h->names);
	free(h->values);
	memset(h, 0, sizeof(*h));
}

void http_response_release(struct http_response *r)
{
	http_headers_release(&r->headers);
	strbuf_release(&r->body);
	free(r->url);
	r->url = NULL;
	r->status = 0;
}

/* ------------------------------------------------------------------ */
/* One transfer */

struct transfer {
	struct http_headers headers;
	struct strbuf body;
	size_t max_body;
	long status_seen; /* a status line has been seen (for interim 1xx) */
	bool header_overflow;
	bool body_overflow;
	bool streaming; /* 2xx and a sink: body goes to the sink */
	bool streamed;  /* the sink got bytes: no retry is possible any more */
	http_sink_fn sink;
	void *sink_data;
	berth_error_t *sink_err;
	CURL *easy;
};

static void transfer_release(struct transfer *t)
{
	http_headers_release(&t->headers);
	strbuf_release(&t->body);
	berth_error_release(&t->sink_err);
}

static size_t header_cb(char *data, size_t size, size_t nitems, void *userdata)
{
	struct transfer *t = userdata;
	size_t len = size * nitems;

	t->headers.bytes += len;
	if (t->headers.bytes > HTTP_MAX_HEADER_BYTES) {
		t->header_overflow = true;
		return 0;
	}
	/* A new status line (after a 1xx or a redirect): start over */
	if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		size_t bytes = t->headers.bytes;
		http_headers_release(&t->headers);
		t->headers.bytes = bytes;
		t->status_seen = 1;
		return len;
	}
	const char *colon = memchr(data, ':', len);
	if (!colon)
		return len; /* the blank line ending the block, or junk */
	size_t nlen = (size_t)(colon - data);
	const char *v = colon + 1;
	const char *end = data + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	struct http_headers *h = &t->headers;
	if (h->n + 1 > h->alloc) {
		size_t alloc = h->alloc;
		h->names = xgrow(h->names, &alloc, h->n + 1, sizeof(char *));
		h->values = xreallocarray(h->values, alloc, sizeof(char *));
		h->alloc = alloc;
	}
	h->names[h->n] = xstrndup(data, nlen);
	h->values[h->n] = xstrndup(v, (size_t)(end - v));
	h->n++;
	return len;
}

static size_t write_cb(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct transfer *t = userdata;
	size_t len = size * nmemb;

	if (t->body.len == 0 && !t->streamed) {
		long status = 0;
		curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
		t->streaming = t->sink && status >= 200 && status < 300;
	}
	if (t->streaming) {
		t->streamed = true;
		if (t->sink(data, len, t->sink_data, &t->sink_err) < 0)
			return 0;
		return len;
	}
	if (len > t->max_body - t->body.len) {
		t->body_overflow = true;
		return 0;
	}
	strbuf_add(&t->body, data, len);
	return len;
}

/* The error for a failed transfer: "GET url: connection refused" */
static int transfer_error(CURL *easy, CURLcode rc, const char *method, const char *url,
			  const char *errbuf, berth_error_t **err)
{
	long os_errno = 0;
	curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &os_errno);
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		if (os_errno == ECONNREFUSED)
			return berth_error_fail(err, ECONNREFUSED, "%s %s: connection refused",
						method, url);
		break;
	case CURLE_OPERATION_TIMEDOUT:
		return berth_error_fail(err, ETIMEDOUT, "%s %s: timed out: %s", method, url,
					errbuf[0] ? errbuf : curl_easy_strerror(rc));
	case CURLE_COULDNT_RESOLVE_HOST:
		return berth_error_fail(err, EHOSTUNREACH, "%s %s: could not resolve host", method,
					url);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
		return berth_error_fail(err, EPROTO, "%s %s: TLS: %s", method, url,
					errbuf[0] ? errbuf : curl_easy_strerror(rc));
	default:
		break;
	}
	if (os_errno != 0)
		return berth_error_set(err, (int)os_errno, "%s %s", method, url);
	return berth_error_fail(err, EIO, "%s %s: %s", method, url,
				errbuf[0] ? errbuf : curl_easy_strerror(rc));
}

static bool file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* TLS material for url's host from <certs_dir>/<host[:port]>/ (docker's
 * certs.d): ca.crt is trusted in addition to the system CAs (curl's
 * CAPATH, the hashed system directory, stays in force beside CAINFO);
 * client.cert and client.key authenticate us. */
static void setup_tls(struct http_client *c, const char *url)
{
	cleanup_error berth_error_t *e = NULL;
	cleanup_free char *hp = http_url_hostport(url, &e);
	if (!hp)
		return;
	cleanup_free char *dir = xasprintf("%s/%s", c->certs_dir, hp);
	cleanup_free char *ca = xasprintf("%s/ca.crt", dir);
	cleanup_free char *cert = xasprintf("%s/client.cert", dir);
	cleanup_free char *key = xasprintf("%s/client.key", dir);
	if (file_exists(ca)) {
		log_debug("registry: trusting '%s' for '%s'", ca, hp);
		curl_easy_setopt(c->easy, CURLOPT_CAINFO, ca);
	}
	if (file_exists(cert) && file_exists(key)) {
		log_debug("registry: client certificate '%s' for '%s'", cert, hp);
		curl_easy_setopt(c->easy, CURLOPT_SSLCERT, cert);
		curl_easy_setopt(c->easy, CURLOPT_SSLKEY, key);
	}
}

/* One request to one URL, no redirects, no retries */
static int attempt(struct http_client *c, const struct http_request *req, const char *method,
		   const char *url, const char *authorization, struct transfer *t,
		   berth_error_t **err)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs = NULL;
	CURL *e = c->easy;

	curl_easy_reset(e);
	t->easy = e;
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, c->connect_timeout);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, c->low_speed_time);
	curl_easy_setopt(e, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, (req->flags & HTTP_INSECURE_TLS) ? 0L : 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, (req->flags & HTTP_INSECURE_TLS) ? 0L : 2L);
	setup_tls(c, url);

	if (strcmp(method, "HEAD") == 0) {
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	} else if (strcmp(method, "GET") != 0) {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
		if (req->body || strcmp(method, "PUT") == 0 || strcmp(method, "POST") == 0) {
			curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
					 (curl_off_t)(req->body ? req->body_len : 0));
			curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body ? req->body : "");
		}
	}
	/* no "Expect: 100-continue" round trip */
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (authorization) {
		cleanup_free char *a = xasprintf("Authorization: %s", authorization);
		hdrs = curl_slist_append(hdrs, a);
	}
	for (const char *const *h = req->headers; h && *h; h++)
		hdrs = curl_slist_append(hdrs, *h);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);

	CURLcode rc = curl_easy_perform(e);
	curl_slist_free_all(hdrs);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, NULL);

	if (t->sink_err) {
		berth_error_release(err);
		*err = steal_pointer(&t->sink_err);
		return berth_error_wrap(err, "%s %s", method, url);
	}
	if (t->header_overflow)
		return berth_error_fail(err, EMSGSIZE, "%s %s: response headers exceed %u bytes",
					method, url, HTTP_MAX_HEADER_BYTES);
	if (t->body_overflow)
		return berth_error_fail(err, EMSGSIZE, "%s %s: response body exceeds %zu bytes",
					method, url, t->max_body);
	if (rc != CURLE_OK)
		return transfer_error(e, rc, method, url, errbuf, err);
	return 0;
}

bool http_error_transient(int errnum)
{
	switch (errnum) {
	case ECONNRESET:
	case ECONNREFUSED:
	case ECONNABORTED:
	case EPIPE:
	case ETIMEDOUT:
	case EIO:
		return true;
	default:
		return false;
	}
}

void http_backoff(int n)
{
	long ms = 100L << (n < 5 ? n : 5);
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

bool http_same_origin(const char *a, const char *b)
{
	bool same = false;
	CURLU *ua = curl_url(), *ub = curl_url();
	char *sa = NULL, *sb = NULL, *ha = NULL, *hb = NULL, *pa = NULL, *pb = NULL;
	if (curl_url_set(ua, CURLUPART_URL, a, 0) != CURLUE_OK ||
	    curl_url_set(ub, CURLUPART_URL, b, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(ua, CURLUPART_SCHEME, &sa, 0) ||
	    curl_url_get(ub, CURLUPART_SCHEME, &sb, 0) ||
	    curl_url_get(ua, CURLUPART_HOST, &ha, 0) || curl_url_get(ub, CURLUPART_HOST, &hb, 0) ||
	    curl_url_get(ua, CURLUPART_PORT, &pa, CURLU_DEFAULT_PORT) ||
	    curl_url_get(ub, CURLUPART_PORT, &pb, CURLU_DEFAULT_PORT))
		goto out;
	same = strcasecmp(sa, sb) == 0 && strcasecmp(ha, hb) == 0 && strcmp(pa, pb) == 0;
out:
	curl_free(sa);
	curl_free(sb);
	curl_free(ha);
	curl_free(hb);
	curl_free(pa);
	curl_free(pb);
	curl_url_cleanup(ua);
	curl_url_cleanup(ub);
	return same;
}

/* Resolve a Location header against the URL that sent it */
static char *resolve_location(const char *base, const char *location, berth_error_t **err)
{
	CURLU *u = curl_url();
	char *out = NULL, *ret = NULL;
	if (curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_URL, location, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &out, 0) != CURLUE_OK) {
		berth_error_fail(err, EPROTO, "bad redirect location '%.200s'", location);
		goto out;
	}
	ret = xstrdup(out);
out:
	curl_free(out);
	curl_url_cleanup(u);
	return ret;
}

int http_do(struct http_client *c, const struct http_request *req, struct http_response *ret,
	    berth_error_t **err)
{
	const char *method = req->method ? req->method : "GET";
	cleanup_free char *url = xstrdup(req->url);
	const char *authorization = req->authorization;
	int max_retries = (req->flags & HTTP_IDEMPOTENT) ? c->retries : 0;
	int tries = 0;

	for (int hops = 0;; hops++) {
		struct transfer t = { .max_body = req->max_body ? req->max_body :
								  HTTP_DEFAULT_MAX_BODY,
				      .sink = req->sink,
				      .sink_data = req->sink_data };
		int r = attempt(c, req, method, url, authorization, &t, err);
		long status = 0;
		if (r >= 0)
			curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
		bool retry = tries < max_retries && !t.streamed &&
			     (r < 0 ? http_error_transient(-r) : status >= 500 && status != 501);
		if (retry) {
			tries++;
			log_debug("registry: %s %s: %s, retry %d of %d", method, url,
				  r < 0 ? (*err)->msg : "server error", tries, max_retries);
			if (r < 0)
				berth_error_release(err);
			transfer_release(&t);
			http_backoff(tries);
			hops--;
			continue;
		}
		if (r < 0) {
			transfer_release(&t);
			return r;
		}
		const char *location = http_headers_get(&t.headers, "Location");
		bool redirect = status == 301 || status == 302 || status == 303 || status == 307 ||
				status == 308;
		if (redirect && location && !(req->flags & HTTP_NO_REDIRECT)) {
			if (hops + 1 > HTTP_MAX_REDIRECTS) {
				transfer_release(&t);
				return berth_error_fail(err, ELOOP, "%s %s: more than %d redirects",
							method, req->url, HTTP_MAX_REDIRECTS);
			}
			char *next = resolve_location(url, location, err);
			transfer_release(&t);
			if (!next)
				return berth_error_wrap(err, "%s %s", method, url);
			/* Credentials stay with their origin: blob redirects go to
			 * storage that must never see the registry's token */
			if (authorization && !http_same_origin(url, next)) {
				log_debug(
					"registry: redirect to another origin, dropping credentials");
				authorization = NULL;
			}
			if (status == 303 && strcmp(method, "HEAD") != 0)
				method = "GET";
			free(url);
			url = next;
			continue;
		}
		ret->status = status;
		ret->headers = t.headers;
		ret->body = t.body;
		ret->url = steal_pointer(&url);
		memset(&t.headers, 0, sizeof(t.headers));
		strbuf_init(&t.body, 0);
		transfer_release(&t);
		return 0;
	}
}

char *http_url_hostport(const char *url, berth_error_t **err)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, *ret = NULL;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		berth_error_fail(err, EINVAL, "bad URL '%.200s'", url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK && port)
		ret = xasprintf("%s:%s", host, port);
	else
		ret = xstrdup(host);
out:
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return ret;
}

/* ------------------------------------------------------------------ */

static bool curl_ready;

struct http_client *http_client_new(const struct http_options *opts, berth_error_t **err)
{
	static const struct http_options defaults = { 0 };
	if (!opts)
		opts = &defaults;
	/* curl_global_init is not thread-safe in older libcurl; berth calls it
	 * from one thread, the first time a client is made */
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return berth_error_fail(err, EIO, "libcurl initialisation failed"), NULL;
		curl_ready = true;
	}
	CURL *easy = curl_easy_init();
	if (!easy)
		return berth_error_fail(err, ENOMEM, "libcurl: cannot make a handle"), NULL;
	struct http_client *c = xzalloc(sizeof(*c));
	c->easy = easy;
	c->certs_dir = xstrdup(opts->certs_dir ? opts->certs_dir : HTTP_DEFAULT_CERTS_DIR);
	c->user_agent = opts->user_agent ? xstrdup(opts->user_agent) :
					   xasprintf("berth/%s", BERTH_VERSION);
	c->connect_timeout = opts->connect_timeout > 0 ? opts->connect_timeout : 30;
	c->low_speed_time = opts->low_speed_time > 0 ? opts->low_speed_time : 60;
	c->retries = opts->retries < 0  ? 0 :
		     opts->retries == 0 ? HTTP_DEFAULT_RETRIES :
					  opts->retries;
	return c;
}

void http_client_free(struct http_client *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->easy);
	free(c->certs_dir);
	free(c->user_agent);
	free(c);
}
