/* request: parsing one HTTP/1.1 request with libhttp-parser under hard
 * caps, and the request half of http.h (path, query, headers, body).
 * The parser is paused at the end of the headers (the handler runs before
 * any body byte is read) and at the end of the message (bytes after it
 * belong to the next request, or to a hijacked stream). */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "daemon/http/http-internal.h"

static void request_fail(struct http_request *r, int status, const char *msg)
{
	if (r->error_status)
		return;
	r->error_status = status;
	free(r->error_msg);
	r->error_msg = xstrdup(msg);
}

static int on_url(http_parser *p, const char *at, size_t len)
{
	struct http_request *r = p->data;
	if (r->url.len + len > HTTP_MAX_URL) {
		request_fail(r, 414, "request URI too long");
		return -1;
	}
	strbuf_add(&r->url, at, len);
	return 0;
}

/* A header is complete when its value ends: the next field starts, or the
 * headers end */
static int header_flush(struct http_request *r)
{
	if (!r->in_value)
		return 0;
	if (r->n_headers >= HTTP_MAX_HEADERS) {
		request_fail(r, 431, "request header fields too large: too many headers");
		return -1;
	}
	r->headers = xgrow(r->headers, &r->alloc_headers, r->n_headers + 1, sizeof(*r->headers));
	r->headers[r->n_headers].name = strbuf_detach(&r->field, NULL);
	r->headers[r->n_headers].value = strbuf_detach(&r->value, NULL);
	r->n_headers++;
	r->in_value = false;
	return 0;
}

static int head_add(struct http_request *r, struct strbuf *sb, const char *at, size_t len)
{
	if (r->field.len + r->value.len + len > HTTP_MAX_HEAD) {
		request_fail(r, 431, "request header fields too large");
		return -1;
	}
	strbuf_add(sb, at, len);
	return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
	struct http_request *r = p->data;
	if (header_flush(r) < 0)
		return -1;
	return head_add(r, &r->field, at, len);
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
	struct http_request *r = p->data;
	r->in_value = true;
	return head_add(r, &r->value, at, len);
}

static int on_headers_complete(http_parser *p)
{
	struct http_request *r = p->data;
	if (header_flush(r) < 0)
		return -1;
	r->headers_done = true;
	r->keep_alive = http_should_keep_alive(p);
	/* Stop here: the handler decides whether and how to read the body */
	http_parser_pause(p, 1);
	return 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
	struct http_request *r = p->data;
	strbuf_add(&r->body, at, len);
	return 0;
}

static int on_message_complete(http_parser *p)
{
	struct http_request *r = p->data;
	r->message_done = true;
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings parser_settings = {
	.on_url = on_url,
	.on_header_field = on_header_field,
	.on_header_value = on_header_value,
	.on_headers_complete = on_headers_complete,
	.on_body = on_body,
	.on_message_complete = on_message_complete,
};

void http_request_init(struct http_request *r)
{
	memset(r, 0, sizeof(*r));
	http_parser_init(&r->parser, HTTP_REQUEST);
	r->parser.data = r;
	strbuf_init(&r->url, 0);
	strbuf_init(&r->field, 0);
	strbuf_init(&r->value, 0);
	strbuf_init(&r->body, 0);
}

static void headers_free(struct http_header *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
}

void http_request_release(struct http_request *r)
{
	strbuf_release(&r->url);
	strbuf_release(&r->field);
	strbuf_release(&r->value);
	strbuf_release(&r->body);
	headers_free(r->headers, r->n_headers);
	headers_free(r->query, r->n_query);
	free(r->error_msg);
	free(r->raw_path);
	free(r->path);
	free(r->version);
	memset(r, 0, sizeof(*r));
}

ssize_t http_request_feed(struct http_request *r, const char *data, size_t len)
{
	if (r->error_status)
		return -1;
	size_t n = http_parser_execute(&r->parser, &parser_settings, data, len);
	enum http_errno e = HTTP_PARSER_ERRNO(&r->parser);
	if (!r->headers_done) {
		r->head_bytes += n;
		if (r->head_bytes > HTTP_MAX_HEAD)
			request_fail(r, 431, "request header fields too large");
	}
	if (r->error_status)
		return -1;
	if (e != HPE_OK && e != HPE_PAUSED) {
		if (e == HPE_HEADER_OVERFLOW) {
			request_fail(r, 431, "request header fields too large");
		} else {
			cleanup_free char *msg =
				xasprintf("malformed HTTP request: %s", http_errno_description(e));
			request_fail(r, 400, msg);
		}
		return -1;
	}
	return (ssize_t)n;
}

void http_request_resume(struct http_request *r)
{
	http_parser_pause(&r->parser, 0);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

char *http_unescape(const char *s, size_t len, bool plus)
{
	cleanup_free char *out = xmalloc(len + 1);
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%') {
			if (i + 2 >= len)
				return NULL;
			int hi = hexval((unsigned char)s[i + 1]);
			int lo = hexval((unsigned char)s[i + 2]);
			/* a decoded NUL would cut the string short behind our back */
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return NULL;
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (plus && s[i] == '+') {
			out[o++] = ' ';
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return steal_pointer(&out);
}

/* "/v1.47/x" → version "1.47", rest "/x"; 0 when the path has no prefix */
static int split_version(const char *path, char **ret_version, const char **ret_rest)
{
	if (path[0] != '/' || path[1] != 'v' || !isdigit((unsigned char)path[2]))
		return 0;
	size_t n = strspn(path + 2, "0123456789.");
	if (path[2 + n] != '/' && path[2 + n] != '\0')
		return 0;
	*ret_version = xstrndup(path + 2, n);
	*ret_rest = path + 2 + n;
	return 1;
}

static int check_version(struct http_request *r)
{
	unsigned long major = 0, minor = 0;
	const char *v = r->version;
	char *end = NULL;
	errno = 0;
	major = strtoul(v, &end, 10);
	if (end != v && *end == '.' && isdigit((unsigned char)end[1])) {
		const char *m = end + 1;
		minor = strtoul(m, &end, 10);
	} else if (end == v || (*end != '\0' && *end != '.')) {
		request_fail(r, 400, "invalid API version");
		return -1;
	}
	if (errno == ERANGE)
		major = 1000;
	bool too_old = major < 1 || (major == 1 && minor < HTTP_API_MIN_MINOR);
	bool too_new = major > 1 || (major == 1 && minor > HTTP_API_MINOR);
	if (too_old) {
		cleanup_free char *msg = xasprintf(
			"client version %s is too old. Minimum supported API version is 1.%d, "
			"please upgrade your client to a newer version",
			v, HTTP_API_MIN_MINOR);
		request_fail(r, 400, msg);
		return -1;
	}
	if (too_new) {
		cleanup_free char *msg = xasprintf(
			"client version %s is too new. Maximum supported API version is 1.%d", v,
			HTTP_API_MINOR);
		request_fail(r, 400, msg);
		return -1;
	}
	r->api_minor = (unsigned)minor;
	return 0;
}

static int parse_query(struct http_request *r, const char *q, size_t len)
{
	const char *p = q, *end = q + len;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		const char *kend = eq ? eq : stop;
		if (kend > p) {
			cleanup_free char *k = http_unescape(p, (size_t)(kend - p), true);
			cleanup_free char *v =
				eq ? http_unescape(eq + 1, (size_t)(stop - eq - 1), true) :
				     xstrdup("");
			if (!k || !v) {
				request_fail(r, 400, "malformed query string: bad percent escape");
				return -1;
			}
			r->query =
				xgrow(r->query, &r->alloc_query, r->n_query + 1, sizeof(*r->query));
			r->query[r->n_query].name = steal_pointer(&k);
			r->query[r->n_query].value = steal_pointer(&v);
			r->n_query++;
		}
		p = stop + 1;
	}
	return 0;
}

int http_request_finish_head(struct http_request *r)
{
	snprintf(r->method, sizeof(r->method), "%s",
		 http_method_str((enum http_method)r->parser.method));
	const char *url = r->url.buf;
	if (url[0] != '/') {
		request_fail(r, 400, "malformed HTTP request: the URL must start with '/'");
		return -1;
	}
	size_t plen = strcspn(url, "?#");
	r->raw_path = http_unescape(url, plen, false);
	if (!r->raw_path) {
		request_fail(r, 400, "malformed HTTP request: bad percent escape in the path");
		return -1;
	}
	if (url[plen] == '?') {
		const char *q = url + plen + 1;
		if (parse_query(r, q, strcspn(q, "#")) < 0)
			return -1;
	}
	const char *rest = r->raw_path;
	r->api_minor = HTTP_API_MINOR;
	if (split_version(r->raw_path, &r->version, &rest) && check_version(r) < 0)
		return -1;
	r->path = xstrdup(rest);
	for (size_t i = 0; i < r->n_headers; i++)
		if (strcasecmp(r->headers[i].name, "Upgrade") == 0)
			r->upgrade = true;
	return 0;
}

ssize_t http_conn_fill(struct http_conn *c)
{
	if (c->start == c->end)
		c->start = c->end = 0;
	if (c->end == sizeof(c->buf) && c->start > 0) {
		memmove(c->buf, c->buf + c->start, c->end - c->start);
		c->end -= c->start;
		c->start = 0;
	}
	if (c->end == sizeof(c->buf)) {
		errno = ENOBUFS;
		return -1;
	}
	for (;;) {
		ssize_t n = recv(c->fd, c->buf + c->end, sizeof(c->buf) - c->end, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n > 0)
			c->end += (size_t)n;
		return n;
	}
}

/* ---- http.h: the request -------------------------------------------------- */

const char *http_method(const struct http_ctx *h)
{
	return h->req.method;
}

const char *http_path(const struct http_ctx *h)
{
	return h->req.path;
}

unsigned http_api_minor(const struct http_ctx *h)
{
	return h->req.api_minor;
}

const char *http_param(const struct http_ctx *h, size_t i)
{
	return i < h->n_params ? h->params[i] : NULL;
}

const char *http_query(const struct http_ctx *h, const char *key)
{
	const char *v = NULL;
	for (size_t i = 0; i < h->req.n_query; i++)
		if (strcmp(h->req.query[i].name, key) == 0)
			v = h->req.query[i].value;
	return v;
}

const char *const *http_query_all(const struct http_ctx *h, const char *key, size_t *ret_n)
{
	/* The array is kept with the request (freed after the handler) */
	struct http_ctx *mh = (struct http_ctx *)h;
	size_t n = 0;
	for (size_t i = 0; i < h->req.n_query; i++)
		if (strcmp(h->req.query[i].name, key) == 0)
			n++;
	const char **v = xcalloc(n + 1, sizeof(*v));
	size_t j = 0;
	for (size_t i = 0; i < h->req.n_query; i++)
		if (strcmp(h->req.query[i].name, key) == 0)
			v[j++] = h->req.query[i].value;
	mh->scratch = xgrow(mh->scratch, &mh->alloc_scratch, mh->n_scratch + 1, sizeof(void *));
	mh->scratch[mh->n_scratch++] = v;
	*ret_n = n;
	return v;
}

bool http_query_bool(const struct http_ctx *h, const char *key)
{
	const char *v = http_query(h, key);
	if (!v)
		return false;
	return !(strcmp(v, "") == 0 || strcmp(v, "0") == 0 || strcasecmp(v, "false") == 0);
}

int http_query_int(const struct http_ctx *h, const char *key, long long def, long long *ret,
		   berth_error_t **err)
{
	const char *v = http_query(h, key);
	if (!v || !*v) {
		*ret = def;
		return 0;
	}
	char *end = NULL;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (errno || end == v || *end)
		return berth_error_fail(err, EINVAL, "invalid value for '%s': '%s'", key, v);
	*ret = n;
	return 0;
}

int http_query_filters(const struct http_ctx *h, json_t **ret, berth_error_t **err)
{
	const char *v = http_query(h, "filters");
	if (!v || !*v) {
		*ret = NULL;
		return 0;
	}
	json_t *j = NULL;
	if (bjson_load(v, strlen(v), "filters", HTTP_MAX_URL, 8, &j, err) < 0)
		return berth_error_wrap(err, "invalid filter");
	if (!json_is_object(j)) {
		json_decref(j);
		return berth_error_fail(err, EINVAL,
					"invalid filter: 'filters' must be a JSON object");
	}
	*ret = j;
	return 0;
}

const char *http_header(const struct http_ctx *h, const char *name)
{
	for (size_t i = 0; i < h->req.n_headers; i++)
		if (strcasecmp(h->req.headers[i].name, name) == 0)
			return h->req.headers[i].value;
	return NULL;
}

ssize_t http_body_read(struct http_ctx *h, void *buf, size_t len, berth_error_t **err)
{
	struct http_request *r = &h->req;
	struct http_conn *c = h->conn;
	if (h->state == HTTP_STATE_HIJACKED)
		return berth_error_fail(err, EINVAL, "the connection was hijacked");
	for (;;) {
		if (r->body.len > 0) {
			size_t n = len < r->body.len ? len : r->body.len;
			memcpy(buf, r->body.buf, n);
			memmove(r->body.buf, r->body.buf + n, r->body.len - n);
			strbuf_setlen(&r->body, r->body.len - n);
			return (ssize_t)n;
		}
		if (r->message_done || len == 0)
			return 0;
		if (c->start < c->end) {
			ssize_t n = http_request_feed(r, c->buf + c->start, c->end - c->start);
			if (n < 0) {
				c->broken = true;
				return berth_error_fail(err, EINVAL, "%s", r->error_msg);
			}
			c->start += (size_t)n;
			continue;
		}
		ssize_t n = http_conn_fill(c);
		if (n < 0) {
			c->broken = true;
			return berth_error_set(err, errno, "read request body");
		}
		if (n == 0) {
			c->broken = true;
			return berth_error_fail(
				err, EPIPE, "read request body: the client closed the connection");
		}
	}
}

int http_body_json(struct http_ctx *h, size_t cap, json_t **ret, berth_error_t **err)
{
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	char tmp[16384];
	for (;;) {
		ssize_t n = http_body_read(h, tmp, sizeof(tmp), err);
		if (n < 0)
			return (int)n;
		if (n == 0)
			break;
		if (sb.len + (size_t)n > cap)
			return berth_error_fail(err, EFBIG,
						"request body is too large (more than %zu bytes)",
						cap);
		strbuf_add(&sb, tmp, (size_t)n);
	}
	size_t i = 0;
	while (i < sb.len && isspace((unsigned char)sb.buf[i]))
		i++;
	if (i == sb.len) {
		*ret = json_null();
		return 0;
	}
	json_t *j = NULL;
	if (bjson_load(sb.buf, sb.len, "request body", cap + 1, 0, &j, err) < 0)
		return berth_error_wrap(err, "invalid JSON");
	*ret = j;
	return 0;
}

bool http_request_drain(struct http_ctx *h)
{
	struct http_request *r = &h->req;
	size_t drained = 0;
	char tmp[16384];
	if (h->conn->broken)
		return false;
	while (!r->message_done) {
		cleanup_error berth_error_t *err = NULL;
		ssize_t n = http_body_read(h, tmp, sizeof(tmp), &err);
		if (n <= 0)
			return n == 0;
		drained += (size_t)n;
		if (drained > HTTP_DRAIN_MAX)
			return false;
	}
	return true;
}
