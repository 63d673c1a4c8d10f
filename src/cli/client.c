/* client: berth's Engine API client, one libcurl easy handle on berthd's
 * unix socket, reused for every request so that keep-alive holds.  The API
 * version is negotiated once (GET /_ping) before the first versioned
 * request.  Streamed bodies go to the caller's callback as libcurl delivers
 * them (no buffering), except error bodies, which are always collected so
 * that their "message" becomes the error.  Also here: the hijacked
 * connection of attach/exec (a plain socket, not libcurl) and the
 * JSON-lines decoder for progress and event streams. */
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "common/cleanup.h"
#include "common/fdio.h"
#include "common/version.h"
#include "common/xalloc.h"

/* What a collected (non-streamed) body may grow to: inspect and list
 * answers are far smaller; an export or save is streamed with on_body */
#define BODY_CAP (256u << 20)
/* Error bodies are a JSON message */
#define ERROR_BODY_CAP (1u << 20)
/* Drop the first n bytes of sb */
static void consume(struct strbuf *sb, size_t n)
{
	memmove(sb->buf, sb->buf + n, sb->len - n);
	strbuf_setlen(sb, sb->len - n);
}

/* The newest API version berth speaks */
#define CLI_API_MAX_MINOR 47
#define CLI_DEFAULT_HOST "unix:///run/berth/berth.sock"

struct raw_response;
struct cli_deferred {
	struct raw_response *r; /* owned */
};

struct cli_client {
	CURL *curl; /* one handle for every request: its connection cache keeps the socket */
	char *host; /* "unix:///run/berth/berth.sock", for messages */
	char *socket_path;
	char *version; /* negotiated "1.47"; NULL until the first versioned request */
	char *user_agent;
	bool debug;
};

static int client_init_curl(void)
{
	static int done;
	if (!done) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
			return -1;
		done = 1;
	}
	return 0;
}

int cli_client(struct cli *cli, struct cli_client **ret, berth_error_t **err)
{
	if (cli->client) {
		*ret = cli->client;
		return 0;
	}
	const char *host = cli->host && *cli->host ? cli->host : CLI_DEFAULT_HOST;
	if (strncmp(host, "unix://", 7) != 0)
		return berth_error_fail(
			err, EINVAL,
			"unsupported host '%s': berth talks to berthd on a unix socket "
			"(-H unix:///path/to/berth.sock)",
			host);
	const char *path = host + 7;
	if (!*path || strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return berth_error_fail(err, EINVAL,
					"bad host '%s': the socket path is empty or too long",
					host);
	if (client_init_curl() < 0)
		return berth_error_fail(err, EIO, "cannot initialise libcurl");
	CURL *curl = curl_easy_init();
	if (!curl)
		return berth_error_fail(err, EIO, "cannot initialise libcurl");
	struct cli_client *c = xzalloc(sizeof(*c));
	c->curl = curl;
	c->host = xstrdup(host);
	c->socket_path = xstrdup(path);
	c->debug = cli->debug;
	c->user_agent = xasprintf("berth/%s", berth_version());
	cli->client = c;
	*ret = c;
	return 0;
}

void cli_client_free(struct cli_client *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	free(c->host);
	free(c->socket_path);
	free(c->version);
	free(c->user_agent);
	free(c);
}

/* "1.47" -> 47 for the minor; -1 when it is not "1.N" */
static int api_minor(const char *v)
{
	if (!v || strncmp(v, "1.", 2) != 0 || v[2] < '0' || v[2] > '9')
		return -1;
	char *end;
	long m = strtol(v + 2, &end, 10);
	if (*end || m < 0 || m > 1000)
		return -1;
	return (int)m;
}

int cli_client_api_version(struct cli_client *c, const char **ret, berth_error_t **err)
{
	if (c->version) {
		*ret = c->version;
		return 0;
	}
	const char *env = getenv("DOCKER_API_VERSION");
	if (env && *env) {
		/* docker accepts "1.45" and "v1.45" */
		const char *v = env[0] == 'v' ? env + 1 : env;
		if (api_minor(v) < 0)
			return berth_error_fail(err, EINVAL,
						"invalid API version '%s' in DOCKER_API_VERSION",
						env);
		c->version = xstrdup(v);
		*ret = c->version;
		return 0;
	}
	struct cli_request req = {
		.method = "GET", .path = "/_ping", .body_fd = -1, .no_version = true
	};
	struct cli_response resp;
	cli_response_init(&resp);
	int r = cli_client_do(c, &req, &resp, err);
	int server = api_minor(resp.api_version);
	cli_response_release(&resp);
	if (r < 0)
		return r;
	/* docker: no header means an old daemon, speak 1.24 */
	if (server < 0)
		server = 24;
	c->version = xasprintf("1.%d", server < CLI_API_MAX_MINOR ? server : CLI_API_MAX_MINOR);
	*ret = c->version;
	return 0;
}

void cli_response_init(struct cli_response *resp)
{
	memset(resp, 0, sizeof(*resp));
	strbuf_init(&resp->body, 0);
}

void cli_response_release(struct cli_response *resp)
{
	strbuf_release(&resp->body);
	free(resp->content_type);
	free(resp->api_version);
	resp->content_type = NULL;
	resp->api_version = NULL;
}

/* State of one transfer, shared by the libcurl callbacks */
struct transfer {
	struct cli_client *c;
	const struct cli_request *req;
	struct cli_response *resp;
	long status;  /* of the final response (a 100 Continue is skipped) */
	bool stopped; /* on_body asked to stop */
	bool too_big; /* a collected body passed its cap */
};

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
	struct transfer *t = ud;
	size_t len = size * n;
	if (len > 5 && strncmp(data, "HTTP/", 5) == 0) {
		const char *sp = memchr(data, ' ', len);
		if (sp && (size_t)(sp - data) + 4 <= len)
			t->status = strtol(sp + 1, NULL, 10);
		return len;
	}
	const char *colon = memchr(data, ':', len);
	if (!colon)
		return len;
	size_t nlen = (size_t)(colon - data);
	const char *v = colon + 1;
	size_t vlen = len - nlen - 1;
	while (vlen && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
		vlen--;
	char **slot = NULL;
	if (nlen == 11 && strncasecmp(data, "Api-Version", nlen) == 0)
		slot = &t->resp->api_version;
	else if (nlen == 12 && strncasecmp(data, "Content-Type", nlen) == 0)
		slot = &t->resp->content_type;
	if (slot) {
		free(*slot);
		*slot = xstrndup(v, vlen);
	}
	return len;
}

static size_t on_write(char *data, size_t size, size_t n, void *ud)
{
	struct transfer *t = ud;
	size_t len = size * n;
	bool failed = t->status >= 400;
	if (t->req->on_body && !failed) {
		if (t->req->on_body(data, len, t->req->ud) < 0) {
			t->stopped = true;
			return 0; /* CURLE_WRITE_ERROR ends the transfer */
		}
		return len;
	}
	size_t cap = failed ? ERROR_BODY_CAP : BODY_CAP;
	if (t->resp->body.len + len > cap) {
		t->too_big = true;
		return 0;
	}
	strbuf_add(&t->resp->body, data, len);
	return len;
}

static size_t on_read(char *buf, size_t size, size_t n, void *ud)
{
	int fd = *(const int *)ud;
	for (;;) {
		ssize_t r = read(fd, buf, size * n);
		if (r >= 0)
			return (size_t)r;
		if (errno != EINTR)
			return CURL_READFUNC_ABORT;
	}
}

/* The message of an error body: {"message": "..."}, else the text itself,
 * else the status */
static char *error_message(long status, const struct strbuf *body)
{
	json_error_t jerr;
	cleanup_json json_t *j = json_loadb(body->buf, body->len, 0, &jerr);
	const char *m = j ? json_string_value(json_object_get(j, "message")) : NULL;
	/* docker's client trims the message (strings.TrimSpace) */
	struct strbuf sb = STRBUF_INIT;
	if (m)
		strbuf_addstr(&sb, m);
	else
		strbuf_add(&sb, body->buf, body->len);
	strbuf_rtrim(&sb);
	if (sb.len == 0 && !m)
		strbuf_addf(&sb, "request failed with status %ld", status);
	size_t lead = strspn(sb.buf, " \t\r\n");
	char *r = xstrdup(sb.buf + lead);
	strbuf_release(&sb);
	return r;
}

static int http_error(long status, const struct strbuf *body, berth_error_t **err)
{
	cleanup_free char *m = error_message(status, body);
	int errnum = status == 404 ? ENOENT : status == 409 ? EEXIST : status == 400 ? EINVAL : EIO;
	return berth_error_fail(err, errnum, "Error response from daemon: %s", m);
}

static int connect_error(struct cli_client *c, int errnum, berth_error_t **err)
{
	if (errnum == EACCES || errnum == EPERM)
		return berth_error_fail(err, EACCES,
					"permission denied while trying to connect to berthd at %s: "
					"run berth as root or as a member of the socket's group",
					c->host);
	return berth_error_fail(err, ECONNREFUSED,
				"cannot connect to berthd at %s: is it running? start it with "
				"'sudo berthd' (or 'systemctl start berth')",
				c->host);
}

/* The address of the daemon's socket path.  cli_client refused a path that
 * does not fit sun_path with its NUL, so the clamp never cuts anything; it
 * only keeps the copy inside the buffer whatever the caller passes. */
static void socket_addr(struct sockaddr_un *sa, const char *path)
{
	size_t len = strlen(path);
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (len >= sizeof(sa->sun_path))
		len = sizeof(sa->sun_path) - 1;
	memcpy(sa->sun_path, path, len);
}

/* Why libcurl could not connect: try it ourselves for the errno */
static int connect_errno(const char *path)
{
	cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	struct sockaddr_un sa;
	socket_addr(&sa, path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return errno;
	return ECONNREFUSED;
}

static struct curl_slist *request_headers(const struct cli_request *req)
{
	struct curl_slist *h = NULL;
	/* no "Expect: 100-continue" round trip before a body */
	h = curl_slist_append(h, "Expect:");
	if (req->json)
		h = curl_slist_append(h, "Content-Type: application/json");
	if (req->body_fd >= 0) {
		h = curl_slist_append(h, "Transfer-Encoding: chunked");
		if (req->content_type) {
			cleanup_free char *ct = xasprintf("Content-Type: %s", req->content_type);
			h = curl_slist_append(h, ct);
		}
	}
	for (const char *const *p = req->headers; p && *p; p++)
		h = curl_slist_append(h, *p);
	return h;
}

static int build_url(struct cli_client *c, const struct cli_request *req, struct strbuf *url,
		     berth_error_t **err)
{
	strbuf_addstr(url, "http://localhost");
	if (!req->no_version) {
		/* NULL: past its inlining depth the analyzer cannot see that
		 * cli_client_api_version sets v whenever it returns 0 */
		const char *v = NULL;
		if (cli_client_api_version(c, &v, err) < 0)
			return -1;
		strbuf_addf(url, "/v%s", v);
	}
	if (req->path[0] != '/')
		strbuf_addch(url, '/');
	strbuf_addstr(url, req->path);
	return 0;
}

static void set_method(CURL *curl, const struct cli_request *req, const char *body)
{
	const char *m = req->method ? req->method : "GET";
	bool has_body = body || req->body_fd >= 0;
	if (strcmp(m, "HEAD") == 0) {
		curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
		return;
	}
	if (strcmp(m, "GET") == 0 && !has_body) {
		curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
		return;
	}
	/* POST machinery sends the body; the custom verb renames it */
	curl_easy_setopt(curl, CURLOPT_POST, 1L);
	if (body) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	} else if (req->body_fd >= 0) {
		curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(curl, CURLOPT_READDATA, &req->body_fd);
	} else {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
	}
	if (strcmp(m, "POST") != 0)
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, m);
}

/* Run the transfer of req into resp (a non-NULL one) */
static int perform(struct cli_client *c, const struct cli_request *req, struct cli_response *resp,
		   berth_error_t **err)
{
	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	if (build_url(c, req, &url, err) < 0)
		return -1;
	cleanup_free char *body =
		req->json ? json_dumps(req->json, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	if (req->json && !body)
		return berth_error_fail(err, EINVAL, "cannot encode the request body");
	const char *method = req->method ? req->method : "GET";
	CURL *curl = c->curl;
	/* reset keeps the connection cache: the next request reuses the socket */
	curl_easy_reset(curl);
	struct curl_slist *headers = request_headers(req);
	struct transfer t = { .c = c, .req = req, .resp = resp };
	curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, c->socket_path);
	curl_easy_setopt(curl, CURLOPT_URL, url.buf);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &t);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
	curl_easy_setopt(curl, CURLOPT_VERBOSE, c->debug ? 1L : 0L);
	set_method(curl, req, body);
	CURLcode cr = curl_easy_perform(curl);
	curl_slist_free_all(headers);
	resp->status = t.status;
	if (cr == CURLE_COULDNT_CONNECT)
		return connect_error(c, connect_errno(c->socket_path), err);
	if (t.status >= 400)
		return http_error(t.status, &resp->body, err);
	if (t.stopped)
		return berth_error_fail(err, ECANCELED, "%s %s: the response was stopped", method,
					req->path);
	if (t.too_big)
		return berth_error_fail(err, EFBIG, "%s %s: the response is over %u MiB", method,
					req->path, BODY_CAP >> 20);
	if (cr == CURLE_ABORTED_BY_CALLBACK || cr == CURLE_READ_ERROR)
		return berth_error_fail(err, EIO, "%s %s: reading the request body failed", method,
					req->path);
	if (cr != CURLE_OK)
		return berth_error_fail(err, EIO, "%s %s: %s", method, req->path,
					curl_easy_strerror(cr));
	return 0;
}

int cli_client_do(struct cli_client *c, const struct cli_request *req, struct cli_response *resp,
		  berth_error_t **err)
{
	if (resp)
		return perform(c, req, resp, err);
	struct cli_response local;
	cli_response_init(&local);
	int r = perform(c, req, &local, err);
	cli_response_release(&local);
	return r;
}

/* Parse a collected body; an empty one is json null */
static int parse_body(const char *what, const struct strbuf *body, json_t **ret,
		      berth_error_t **err)
{
	if (!ret)
		return 0;
	size_t i = 0;
	while (i < body->len && strchr(" \t\r\n", body->buf[i]))
		i++;
	if (i == body->len) {
		*ret = json_null();
		return 0;
	}
	json_error_t jerr;
	json_t *j = json_loadb(body->buf, body->len, JSON_DECODE_ANY, &jerr);
	if (!j)
		return berth_error_fail(err, EIO, "%s: bad JSON in the response: %s", what,
					jerr.text);
	*ret = j;
	return 0;
}

static int do_json(struct cli *cli, const char *method, const char *path, const json_t *body,
		   json_t **ret, berth_error_t **err)
{
	struct cli_client *c;
	if (cli_client(cli, &c, err) < 0)
		return -1;
	struct cli_request req = { .method = method, .path = path, .json = body, .body_fd = -1 };
	struct cli_response resp;
	cli_response_init(&resp);
	int r = cli_client_do(c, &req, &resp, err);
	if (r >= 0)
		r = parse_body(path, &resp.body, ret, err);
	cli_response_release(&resp);
	return r;
}

int cli_get_json(struct cli *cli, const char *path, json_t **ret, berth_error_t **err)
{
	return do_json(cli, "GET", path, NULL, ret, err);
}

int cli_post_json(struct cli *cli, const char *path, const json_t *body, json_t **ret,
		  berth_error_t **err)
{
	return do_json(cli, "POST", path, body, ret, err);
}

int cli_delete(struct cli *cli, const char *path, berth_error_t **err)
{
	return do_json(cli, "DELETE", path, NULL, NULL, err);
}

/* Percent-encode s; keep: unreserved characters plus extra */
static void add_escaped(struct strbuf *sb, const char *s, const char *keep)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p) || (keep && strchr(keep, *p))) {
			strbuf_addch(sb, (char)*p);
		} else {
			strbuf_addch(sb, '%');
			strbuf_addch(sb, hex[*p >> 4]);
			strbuf_addch(sb, hex[*p & 15]);
		}
	}
}

void cli_query_add(struct strbuf *url, const char *key, const char *value)
{
	strbuf_addch(url, memchr(url->buf, '?', url->len) ? '&' : '?');
	add_escaped(url, key, NULL);
	strbuf_addch(url, '=');
	add_escaped(url, value ? value : "", NULL);
}

static char *trimmed(const char *s, size_t len)
{
	while (len && strchr(" \t\r\n", *s)) {
		s++;
		len--;
	}
	while (len && strchr(" \t\r\n", s[len - 1]))
		len--;
	return xstrndup(s, len);
}

int cli_query_filters(struct strbuf *url, const char *const *filters, size_t n, berth_error_t **err)
{
	if (n == 0)
		return 0;
	cleanup_json json_t *all = json_object();
	for (size_t i = 0; i < n; i++) {
		if (!*filters[i])
			continue;
		const char *eq = strchr(filters[i], '=');
		if (!eq)
			return berth_error_fail(err, EINVAL,
						"bad format of filter (expected name=value)");
		/* as docker's filters.ParseFlag: the name trimmed and lower-cased,
		 * the value trimmed */
		cleanup_free char *key = trimmed(filters[i], (size_t)(eq - filters[i]));
		for (char *p = key; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		cleanup_free char *value = trimmed(eq + 1, strlen(eq + 1));
		json_t *values = json_object_get(all, key);
		if (!values) {
			values = json_object();
			json_object_set_new(all, key, values);
		}
		json_object_set_new(values, value, json_true());
	}
	if (json_object_size(all) == 0)
		return 0;
	cleanup_free char *s = json_dumps(all, JSON_COMPACT | JSON_SORT_KEYS);
	cli_query_add(url, "filters", s);
	return 0;
}

char *cli_escape(const char *segment)
{
	struct strbuf sb = STRBUF_INIT;
	/* berthd decodes the whole path before routing, and references keep
	 * their ':' '@' '/' readable in -D output */
	add_escaped(&sb, segment, ":@/");
	return strbuf_detach(&sb, NULL);
}

/* ------------------------------------------------------------------------
 * Raw connections: attach and exec start take over the connection, and a
 * deferred request (the wait of attach and run) is answered long after it
 * was sent.  libcurl can do neither, so these speak HTTP/1.1 on a socket
 * of their own: one request per connection, the head capped. */

/* The response head may be at most this long */
#define RAW_HEAD_CAP (64u << 10)

static int raw_connect(struct cli_client *c, int *ret_fd, berth_error_t **err)
{
	cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return berth_error_set(err, errno, "socket");
	struct sockaddr_un sa;
	socket_addr(&sa, c->socket_path);
	int r;
	do
		r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return connect_error(c, errno, err);
	*ret_fd = take_fd(&fd);
	return 0;
}

static int read_some(int fd, struct strbuf *sb, size_t max, berth_error_t **err)
{
	strbuf_grow(sb, max);
	for (;;) {
		ssize_t n = read(fd, sb->buf + sb->len, max);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ECONNRESET)
			n = 0;
		if (n < 0)
			return berth_error_set(err, errno, "read from berthd");
		strbuf_setlen(sb, sb->len + (size_t)n);
		return (int)n;
	}
}

/* The value of header name in head (lines ending in CRLF), or NULL */
static char *head_value(const char *head, const char *name)
{
	size_t nlen = strlen(name);
	for (const char *line = strstr(head, "\r\n"); line && line[2];
	     line = strstr(line + 2, "\r\n")) {
		const char *l = line + 2;
		if (strncasecmp(l, name, nlen) == 0 && l[nlen] == ':') {
			const char *v = l + nlen + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			const char *e = strstr(v, "\r\n");
			return xstrndup(v, e ? (size_t)(e - v) : strlen(v));
		}
	}
	return NULL;
}

/* Decode a chunked body held whole in raw into out: 0 when complete, 1
 * when more is needed, -1 when it is malformed */
static int dechunk(const struct strbuf *raw, struct strbuf *out)
{
	const char *p = raw->buf, *end = raw->buf + raw->len;
	strbuf_reset(out);
	for (;;) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (!eol)
			return 1;
		char *x;
		unsigned long n = strtoul(p, &x, 16);
		if (x == p)
			return -1;
		if (n == 0)
			return 0;
		p = eol + 2;
		if ((size_t)(end - p) < n + 2)
			return 1;
		strbuf_add(out, p, n);
		p += n + 2;
	}
}

/* One request on a raw connection and its response head */
struct raw_response {
	int fd;
	long status;
	char *head;         /* status line and headers, owned */
	struct strbuf rest; /* bytes read past the head */
};

static void raw_response_release(struct raw_response *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	free(r->head);
	r->head = NULL;
	strbuf_release(&r->rest);
}

/* Read the body that follows the head (Content-Length, chunked, or up to
 * EOF), at most ERROR_BODY_CAP bytes */
static int raw_read_body(struct raw_response *r, struct strbuf *body, berth_error_t **err)
{
	cleanup_free char *len_s = head_value(r->head, "Content-Length");
	cleanup_free char *te = head_value(r->head, "Transfer-Encoding");
	bool chunked = te && strcasecmp(te, "chunked") == 0;
	size_t want = len_s ? strtoul(len_s, NULL, 10) : ERROR_BODY_CAP;
	if (want > ERROR_BODY_CAP)
		return berth_error_fail(err, EFBIG, "the response is over %u MiB",
					ERROR_BODY_CAP >> 20);
	for (;;) {
		if (chunked) {
			int d = dechunk(&r->rest, body);
			if (d < 0)
				return berth_error_fail(err, EPROTO,
							"bad chunked response from berthd");
			if (d == 0)
				return 0;
		} else if (r->rest.len >= want) {
			break;
		}
		if (r->rest.len >= ERROR_BODY_CAP)
			return berth_error_fail(err, EFBIG, "the response is over %u MiB",
						ERROR_BODY_CAP >> 20);
		int n = read_some(r->fd, &r->rest, 16384, err);
		if (n < 0)
			return n;
		if (n == 0) {
			if (chunked || len_s)
				return berth_error_fail(err, EPROTO,
							"berthd closed the connection early");
			break;
		}
	}
	strbuf_reset(body);
	strbuf_add(body, r->rest.buf, r->rest.len < want ? r->rest.len : want);
	return 0;
}

/* Send method path (JSON body, extra header lines) on a new connection and
 * read the response head.  A status >= 400 fails with the daemon's message. */
static int raw_request(struct cli_client *c, const char *method, const char *path,
		       const json_t *body, const char *extra, struct raw_response *ret,
		       berth_error_t **err)
{
	const char *v;
	if (cli_client_api_version(c, &v, err) < 0)
		return -1;
	struct raw_response r = { .fd = -1, .rest = STRBUF_INIT };
	if (raw_connect(c, &r.fd, err) < 0)
		return -1;
	cleanup_free char *data = body ? json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	size_t dlen = data ? strlen(data) : 0;
	cleanup_strbuf struct strbuf req = STRBUF_INIT;
	strbuf_addf(&req,
		    "%s /v%s%s%s HTTP/1.1\r\nHost: localhost\r\nUser-Agent: %s\r\n%s"
		    "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
		    method, v, path[0] == '/' ? "" : "/", path, c->user_agent, extra, dlen);
	if (data)
		strbuf_add(&req, data, dlen);
	char *eoh;
	int rr = fd_write_all(r.fd, req.buf, req.len) < 0 ?
			 berth_error_set(err, errno, "send to berthd") :
			 0;
	while (rr >= 0 && !(eoh = strstr(r.rest.buf, "\r\n\r\n"))) {
		if (r.rest.len >= RAW_HEAD_CAP) {
			rr = berth_error_fail(err, EPROTO, "%s %s: response headers over %u KiB",
					      method, path, RAW_HEAD_CAP >> 10);
			break;
		}
		int n = read_some(r.fd, &r.rest, 4096, err);
		if (n == 0)
			rr = berth_error_fail(err, EPROTO, "%s %s: berthd closed the connection",
					      method, path);
		else if (n < 0)
			rr = n;
	}
	if (rr >= 0) {
		size_t head_len = (size_t)(eoh - r.rest.buf) + 4;
		r.head = xstrndup(r.rest.buf, head_len);
		consume(&r.rest, head_len);
		const char *sp = strchr(r.head, ' ');
		if (strncmp(r.head, "HTTP/1.", 7) != 0 || !sp ||
		    (r.status = strtol(sp + 1, NULL, 10)) < 100)
			rr = berth_error_fail(err, EPROTO, "%s %s: bad response from berthd",
					      method, path);
	}
	if (rr >= 0 && r.status >= 400) {
		cleanup_strbuf struct strbuf ebody = STRBUF_INIT;
		rr = raw_read_body(&r, &ebody, err);
		if (rr >= 0)
			rr = http_error(r.status, &ebody, err);
	}
	if (rr < 0) {
		raw_response_release(&r);
		return rr;
	}
	*ret = r;
	return 0;
}

int cli_client_hijack(struct cli_client *c, const char *path, const json_t *body, int *ret_fd,
		      struct strbuf *pending, berth_error_t **err)
{
	struct raw_response r;
	if (raw_request(c, "POST", path, body, "Connection: Upgrade\r\nUpgrade: tcp\r\n", &r, err) <
	    0)
		return -1;
	if (r.status != 101 && r.status != 200) {
		long status = r.status;
		raw_response_release(&r);
		return berth_error_fail(err, EPROTO, "POST %s: unexpected status %ld", path,
					status);
	}
	strbuf_add(pending, r.rest.buf, r.rest.len);
	*ret_fd = r.fd;
	r.fd = -1;
	raw_response_release(&r);
	return 0;
}

int cli_client_send(struct cli_client *c, const char *method, const char *path, const json_t *body,
		    struct cli_deferred **ret, berth_error_t **err)
{
	struct raw_response r;
	if (raw_request(c, method, path, body, "Connection: close\r\n", &r, err) < 0)
		return -1;
	struct cli_deferred *d = xzalloc(sizeof(*d));
	d->r = xmemdup(&r, sizeof(r));
	*ret = d;
	return 0;
}

int cli_deferred_finish(struct cli_deferred *d, json_t **ret, berth_error_t **err)
{
	cleanup_strbuf struct strbuf body = STRBUF_INIT;
	if (raw_read_body(d->r, &body, err) < 0)
		return -1;
	return parse_body("deferred response", &body, ret, err);
}

void cli_deferred_free(struct cli_deferred *d)
{
	if (!d)
		return;
	raw_response_release(d->r);
	free(d->r);
	free(d);
}

/* ------------------------------------------------------------------------
 * JSON streams: concatenated values (usually one a line), split across
 * chunks anywhere.  jansson decodes the first value of the buffer and says
 * how far it read; "premature end of input" means wait for more. */

#define JSON_STREAM_VALUE_CAP (1u << 20)

void cli_json_stream_init(struct cli_json_stream *s, int (*on_value)(const json_t *v, void *ud),
			  void *ud)
{
	strbuf_init(&s->buf, 0);
	s->on_value = on_value;
	s->ud = ud;
}

void cli_json_stream_release(struct cli_json_stream *s)
{
	strbuf_release(&s->buf);
}

static size_t skip_space(const struct strbuf *sb, size_t i)
{
	while (i < sb->len && (sb->buf[i] == ' ' || sb->buf[i] == '\t' || sb->buf[i] == '\r' ||
			       sb->buf[i] == '\n'))
		i++;
	return i;
}

/* Whether sb ends inside a UTF-8 sequence (a chunk may split a character;
 * jansson then says "invalid UTF-8", not "premature end") */
static bool utf8_cut(const struct strbuf *sb)
{
	for (size_t k = 1; k <= 3 && k <= sb->len; k++) {
		unsigned char b = (unsigned char)sb->buf[sb->len - k];
		if ((b & 0xc0) == 0x80)
			continue; /* a continuation byte: look further back */
		size_t need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
		return k < need;
	}
	return false;
}

/* Decode and hand out every complete value in s->buf; at_end: no more
 * input will come, so a trailing scalar ("12") is complete */
static int stream_drain(struct cli_json_stream *s, bool at_end, berth_error_t **err)
{
	for (;;) {
		consume(&s->buf, skip_space(&s->buf, 0));
		if (s->buf.len == 0)
			return 0;
		json_error_t jerr;
		cleanup_json json_t *v = json_loadb(s->buf.buf, s->buf.len,
						    JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK,
						    &jerr);
		if (!v) {
			enum json_error_code code = json_error_code(&jerr);
			bool more = code == json_error_premature_end_of_input ||
				    (code == json_error_invalid_utf8 && utf8_cut(&s->buf));
			if (more && !at_end) {
				if (s->buf.len > JSON_STREAM_VALUE_CAP)
					return berth_error_fail(
						err, EFBIG,
						"a JSON value in the stream is over %u MiB",
						JSON_STREAM_VALUE_CAP >> 20);
				return 0;
			}
			if (more)
				return berth_error_fail(err, EPROTO,
							"the JSON stream ends inside a value");
			return berth_error_fail(err, EPROTO, "bad JSON in the stream: %s",
						jerr.text);
		}
		size_t used = (size_t)jerr.position;
		/* a number at the very end may continue in the next chunk */
		if (!at_end && !json_is_object(v) && !json_is_array(v) && !json_is_string(v) &&
		    used >= s->buf.len)
			return 0;
		consume(&s->buf, used);
		if (s->on_value(v, s->ud) < 0)
			return berth_error_fail(err, ECANCELED, "the JSON stream was stopped");
	}
}

int cli_json_stream_feed(struct cli_json_stream *s, const char *data, size_t len,
			 berth_error_t **err)
{
	strbuf_add(&s->buf, data, len);
	return stream_drain(s, false, err);
}

int cli_json_stream_finish(struct cli_json_stream *s, berth_error_t **err)
{
	return stream_drain(s, true, err);
}
