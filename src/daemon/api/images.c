/* images: the image endpoints of the Engine API (/images/..., POST /auth).
 * Quick operations run on the daemon's store under images_lock; the long
 * ones (pull, push, load, import, save) open their own image_store on the
 * same root (SQLite in WAL mode with a busy timeout) so that they block no
 * other request.  berthd never reads or stores registry credentials: they
 * come with each request (X-Registry-Auth, the body of POST /auth). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/digest.h"
#include "common/error.h"
#include "common/fdio.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "daemon/daemon.h"
#include "daemon/events.h"
#include "daemon/http/http.h"
#include "daemon/router.h"
#include "image/archive-docker.h"
#include "image/image-store.h"
#include "image/import.h"
#include "image/reference.h"
#include "oci/image.h"
#include "registry/auth.h"
#include "registry/client.h"
#include "registry/progress.h"
#include "registry/pull.h"
#include "registry/push.h"

/* Caps on what a request brings (STYLE.md: every input has a cap) */
#define AUTH_HEADER_MAX 16384  /* X-Registry-Auth, encoded */
#define AUTH_BODY_MAX 65536    /* POST /auth */
#define IMPORT_MAX_CHANGES 256 /* changes= of one import */
#define SAVE_MAX_NAMES ARCHIVE_MAX_IMAGES
#define COPY_BUF_SIZE (64u << 10) /* body spooling, save streaming */

/* ---- small helpers --------------------------------------------------------- */

static pthread_mutex_t *store_lock(struct daemon *d)
{
	pthread_mutex_lock(&d->images_lock);
	return &d->images_lock;
}

static void store_unlockp(pthread_mutex_t **m)
{
	if (*m)
		pthread_mutex_unlock(*m);
	*m = NULL;
}
#define cleanup_unlock __attribute__((cleanup(store_unlockp)))

/* Lookups and conflicts: docker's message is the bare cause ("No such
 * image: x", "conflict: unable to delete …"), without our context frames */
static void reply_store_error(struct http_ctx *h, const berth_error_t *err)
{
	if (err->errnum == ENOENT || err->errnum == EBUSY)
		http_reply_errorf(h, http_status_for_error(err), "%s", berth_error_cause(err));
	else
		http_reply_error(h, err);
}

/* An image event in docker's shape: Actor.ID id, Attributes {"name": name} */
static void image_event(struct daemon *d, const char *action, const char *id, const char *name)
{
	if (!d->events)
		return;
	json_t *attrs = name ? json_pack("{s:s}", "name", name) : NULL;
	events_publish(d->events, "image", action, id, attrs);
}

/* Copy the request body into an unnamed temp file under dir and rewind it:
 * load and import read a file, and reading the body on the handler's own
 * thread keeps the connection single-threaded.  The file vanishes with its
 * fd, so a crash leaves nothing behind. */
static int spool_body(struct http_ctx *h, const char *dir, int *ret_fd, berth_error_t **err)
{
	cleanup_close int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR)) {
		/* no O_TMPFILE on this file system: a named file, unlinked at once */
		cleanup_free char *tmpl = xasprintf("%s/.berthd-body-XXXXXX", dir);
		fd = mkostemp(tmpl, O_CLOEXEC);
		if (fd >= 0)
			unlink(tmpl);
	}
	if (fd < 0)
		return berth_error_set(err, errno, "make a temp file in '%s'", dir);
	cleanup_free char *buf = xmalloc(COPY_BUF_SIZE);
	for (;;) {
		ssize_t n = http_body_read(h, buf, COPY_BUF_SIZE, err);
		if (n < 0)
			return berth_error_wrap(err, "read the request body");
		if (n == 0)
			break;
		if (fd_write_all(fd, buf, (size_t)n) < 0)
			return berth_error_set(err, errno, "spool the request body to '%s'", dir);
	}
	if (lseek(fd, 0, SEEK_SET) < 0)
		return berth_error_set(err, errno, "rewind the spooled body");
	*ret_fd = take_fd(&fd);
	return 0;
}

/* The store a long operation uses: its own handle on the daemon's root */
static int open_own_store(struct daemon *d, struct image_store **ret, berth_error_t **err)
{
	/* the same flags as daemon.c's store (tests run without syncs); the
	 * root is set at open and never changes: no lock needed */
	enum image_store_flags flags = getenv("BERTHD_NO_SYNC") ? IMAGE_STORE_NO_SYNC : 0;
	return image_store_open(image_store_root(d->images), flags, ret, err);
}

/* ---- progress streams -------------------------------------------------------- */

/* A JSON-lines response that starts lazily, as moby's: while nothing has
 * been written, a failure is still a plain HTTP error (404 for a missing
 * tag) that the CLI shows as "Error response from daemon: …".  With
 * hold_first, the first message is held back until a second one shows the
 * operation got going (pull and push announce themselves before they
 * contact the registry). */
struct jstream {
	struct http_ctx *h;
	bool hold_first;
	bool started;
	bool gone; /* the client went away: further messages are dropped */
	json_t *held;
};

static void jstream_start(struct jstream *js)
{
	if (js->started)
		return;
	js->started = true;
	if (http_stream_begin(js->h, 200, "application/json") < 0)
		js->gone = true;
	if (js->held) {
		if (!js->gone && http_stream_json(js->h, js->held) < 0)
			js->gone = true;
		json_decref(js->held);
		js->held = NULL;
	}
}

static void jstream_send(struct jstream *js, const json_t *msg)
{
	if (js->hold_first && !js->started && !js->held) {
		js->held = json_deep_copy(msg);
		return;
	}
	jstream_start(js);
	if (!js->gone && http_stream_json(js->h, msg) < 0)
		js->gone = true;
}

/* progress_fn for pull and push */
static void jstream_progress(const json_t *msg, void *userdata)
{
	jstream_send(userdata, msg);
}

/* End the response: e == NULL for success.  An error after the stream
 * started goes as docker's {"errorDetail": {"message"}, "error"}, which
 * makes the CLI fail. */
static void jstream_finish(struct jstream *js, const berth_error_t *e)
{
	if (e && !js->started) {
		json_decref(js->held);
		js->held = NULL;
		http_reply_error(js->h, e);
		return;
	}
	jstream_start(js);
	if (e) {
		cleanup_json json_t *msg = json_pack("{s:{s:s}, s:s}", "errorDetail", "message",
						     e->msg, "error", e->msg);
		if (!js->gone && http_stream_json(js->h, msg) < 0)
			js->gone = true;
	}
	http_stream_end(js->h);
}

/* ---- registry credentials and options ------------------------------------- */

/* What X-Registry-Auth or POST /auth carries */
struct reg_auth {
	char *username;
	char *password;
	char *server; /* serveraddress; NULL when absent */
};

static void reg_auth_release(struct reg_auth *a)
{
	free(a->username);
	free(a->password);
	free(a->server);
	*a = (struct reg_auth){ 0 };
}
#define cleanup_reg_auth __attribute__((cleanup(reg_auth_release)))

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* base64 in either alphabet (moby encodes URL-safe, older clients and
 * docker-py standard), padding optional */
static int base64_decode_any(const char *s, char **ret, size_t *ret_len, berth_error_t **err)
{
	size_t len = strlen(s);
	while (len > 0 && s[len - 1] == '=')
		len--;
	if (len % 4 == 1)
		return berth_error_fail(err, EINVAL, "bad base64 length");
	cleanup_free char *out = xmalloc(len * 3 / 4 + 1);
	size_t n = 0;
	uint32_t acc = 0;
	unsigned bits = 0;
	for (size_t i = 0; i < len; i++) {
		int v = b64_value((unsigned char)s[i]);
		if (v < 0)
			return berth_error_fail(err, EINVAL, "bad base64 character at %zu", i);
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[n] = '\0';
	*ret_len = n;
	*ret = steal_pointer(&out);
	return 0;
}

/* Fill a from a decoded AuthConfig object ({username, password, auth,
 * serveraddress, identitytoken, ...}); where names it in errors */
static int reg_auth_from_json(const json_t *obj, const char *where, struct reg_auth *ret,
			      berth_error_t **err)
{
	const char *user = NULL, *pass = NULL, *auth = NULL, *server = NULL, *token = NULL;
	if (!json_is_object(obj))
		return berth_error_fail(err, EINVAL, "%s: expected a JSON object", where);
	if (bjson_get_string(obj, where, "username", BJSON_ALLOW_NULL, &user, err) < 0 ||
	    bjson_get_string(obj, where, "password", BJSON_ALLOW_NULL, &pass, err) < 0 ||
	    bjson_get_string(obj, where, "auth", BJSON_ALLOW_NULL, &auth, err) < 0 ||
	    bjson_get_string(obj, where, "serveraddress", BJSON_ALLOW_NULL, &server, err) < 0 ||
	    bjson_get_string(obj, where, "identitytoken", BJSON_ALLOW_NULL, &token, err) < 0)
		return -1;
	struct reg_auth a = { 0 };
	if (user && *user) {
		a.username = xstrdup(user);
		a.password = xstrdup(pass ? pass : "");
	} else if (auth && *auth) {
		/* the "auth" field of config.json: base64("user:pass") */
		if (auth_basic_decode(auth, &a.username, &a.password, err) < 0)
			return berth_error_wrap(err, "%s.auth", where);
	} else if (token && *token) {
		/* an OAuth refresh token from a docker.io login: the registry
		 * client has no use for one yet, so the request goes anonymous */
		log_debug("%s: identitytoken is not supported, ignoring", where);
	}
	if (server && *server)
		a.server = xstrdup(server);
	*ret = a;
	return 0;
}

/* X-Registry-Auth: base64 of an AuthConfig; absent, empty or "{}" (e30=)
 * means anonymous */
static int reg_auth_from_header(struct http_ctx *h, struct reg_auth *ret, berth_error_t **err)
{
	const char *v = http_header(h, "X-Registry-Auth");
	*ret = (struct reg_auth){ 0 };
	if (!v || !*v)
		return 0;
	if (strlen(v) > AUTH_HEADER_MAX)
		return berth_error_fail(err, EINVAL, "X-Registry-Auth: longer than %d bytes",
					AUTH_HEADER_MAX);
	cleanup_free char *raw = NULL;
	size_t len = 0;
	if (base64_decode_any(v, &raw, &len, err) < 0)
		return berth_error_wrap(err, "X-Registry-Auth");
	cleanup_json json_t *obj = NULL;
	if (bjson_load(raw, len, "X-Registry-Auth", AUTH_HEADER_MAX, 8, &obj, err) < 0)
		return -1;
	if (json_is_null(obj))
		return 0;
	return reg_auth_from_json(obj, "X-Registry-Auth", ret, err);
}

/* Registry options for a request: never credentials stored on this host,
 * only those of the request; daemon.json's insecure registries and
 * mirrors (the client tries an insecure one over HTTPS first, then HTTP,
 * and 127.0.0.0/8 always is one) */
static void registry_options_for(const struct daemon *d, const struct reg_auth *auth,
				 struct registry_options *ret)
{
	*ret = (struct registry_options){
		.flags = REGISTRY_ANONYMOUS,
		.insecure_registries = (const char *const *)d->cfg.insecure_registries,
		.registry_mirrors = (const char *const *)d->cfg.registry_mirrors,
	};
	if (auth && auth->username) {
		ret->username = auth->username;
		ret->password = auth->password;
	}
}

/* ---- GET /images/json, /images/{name}/json, /images/{name}/history ---------- */

static void images_list(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_json json_t *filters = NULL;
	if (http_query_filters(h, &filters, &err) < 0) {
		http_reply_error(h, err);
		return;
	}
	json_t *list = NULL;
	int r;
	{
		cleanup_unlock pthread_mutex_t *m = store_lock(d);
		r = image_store_list(d->images, filters, &list, &err);
	}
	if (r < 0)
		http_reply_error(h, err);
	else
		http_reply_json(h, 200, list);
}

static void images_inspect(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	json_t *out = NULL;
	int r;
	{
		cleanup_unlock pthread_mutex_t *m = store_lock(d);
		r = image_store_inspect(d->images, http_param(h, 0), &out, &err);
	}
	if (r < 0)
		reply_store_error(h, err);
	else
		http_reply_json(h, 200, out);
}

static void images_history(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	json_t *out = NULL;
	int r;
	{
		cleanup_unlock pthread_mutex_t *m = store_lock(d);
		r = image_store_history(d->images, http_param(h, 0), &out, &err);
	}
	if (r < 0)
		reply_store_error(h, err);
	else
		http_reply_json(h, 200, out);
}

/* ---- POST /images/{name}/tag, DELETE /images/{name}, POST /images/prune ----- */

/* moby's RepoTagReference: repo parsed, tag (when given) replacing its
 * tag; the full reference string, caller frees */
static char *repo_tag_reference(const char *repo, const char *tag, berth_error_t **err)
{
	cleanup_image_ref struct image_ref *ref = NULL;
	if (image_ref_parse(repo ? repo : "", &ref, err) < 0)
		return NULL;
	if (tag && *tag && image_ref_set_tag(ref, tag, err) < 0)
		return NULL;
	return image_ref_string(ref);
}

static char *familiar_of(const char *full)
{
	cleanup_image_ref struct image_ref *ref = NULL;
	cleanup_error berth_error_t *e = NULL;
	if (image_ref_parse(full, &ref, &e) < 0)
		return xstrdup(full);
	return image_ref_familiar(ref);
}

static void images_tag(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_free char *target =
		repo_tag_reference(http_query(h, "repo"), http_query(h, "tag"), &err);
	if (!target) {
		http_reply_error(h, err);
		return;
	}
	struct digest id;
	int r;
	{
		cleanup_unlock pthread_mutex_t *m = store_lock(d);
		r = image_store_tag(d->images, http_param(h, 0), target, NULL, &err);
		if (r >= 0)
			r = image_store_resolve(d->images, target, &id, &err);
	}
	if (r < 0) {
		reply_store_error(h, err);
		return;
	}
	char ids[DIGEST_STR_SIZE];
	digest_format(&id, ids);
	cleanup_free char *familiar = familiar_of(target);
	image_event(d, "tag", ids, familiar);
	http_reply_empty(h, 201);
}

/* Events for the entries of an rmi or prune answer: [{"Untagged": ref},
 * {"Deleted": id}]; untag events name the image (id, when known), as
 * moby's do */
static void removal_events(struct daemon *d, const json_t *arr, const char *id)
{
	size_t i;
	const json_t *e;
	json_array_foreach(arr, i, e)
	{
		const char *untagged = json_string_value(json_object_get(e, "Untagged"));
		const char *deleted = json_string_value(json_object_get(e, "Deleted"));
		if (untagged && id)
			image_event(d, "untag", id, id);
		if (deleted)
			image_event(d, "delete", deleted, deleted);
	}
}

static void images_remove(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	const char *name = http_param(h, 0);
	enum image_remove_flags flags = 0;
	if (http_query_bool(h, "force"))
		flags |= IMAGE_REMOVE_FORCE;
	if (http_query_bool(h, "noprune"))
		flags |= IMAGE_REMOVE_NO_PRUNE;
	json_t *out = NULL;
	struct digest id;
	bool have_id;
	int r;
	{
		cleanup_unlock pthread_mutex_t *m = store_lock(d);
		cleanup_error berth_error_t *e = NULL;
		have_id = image_store_resolve(d->images, name, &id, &e) == 0;
		r = image_store_remove(d->images, name, flags, &out, &err);
	}
	if (r < 0) {
		reply_store_error(h, err);
		return;
	}
	char ids[DIGEST_STR_SIZE];
	if (have_id)
		digest_format(&id, ids);
	removal_events(d, out, have_id ? ids : NULL);
	http_reply_json(h, 200, out);
}

static void images_prune(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_json json_t *filters = NULL;
	if (http_query_filters(h, &filters, &err) < 0) {
		http_reply_error(h, err);
		return;
	}
	json_t *out = NULL;
	int r;
	{
		cleanup_unlock pthread_mutex_t *m = store_lock(d);
		r = image_store_prune(d->images, filters, &out, &err);
	}
	if (r < 0) {
		http_reply_error(h, err);
		return;
	}
	removal_events(d, json_object_get(out, "ImagesDeleted"), NULL);
	if (d->events) {
		cleanup_free char *reclaimed =
			xasprintf("%lld", (long long)json_integer_value(
						  json_object_get(out, "SpaceReclaimed")));
		events_publish(d->events, "image", "prune", "",
			       json_pack("{s:s}", "reclaimed", reclaimed));
	}
	http_reply_json(h, 200, out);
}

/* ---- POST /images/create?fromImage: pull ---------------------------------- */

/* fromImage with tag (a tag or a digest) as moby combines them; "latest"
 * when there is neither.  Caller frees *ret. */
static int pull_reference(const char *from_image, const char *tag, struct image_ref **ret,
			  berth_error_t **err)
{
	cleanup_image_ref struct image_ref *ref = NULL;
	if (image_ref_parse(from_image, &ref, err) < 0)
		return -1;
	if (tag && *tag) {
		if (strchr(tag, ':')) {
			struct digest dg;
			if (digest_parse(tag, &dg, err) < 0)
				return berth_error_wrap(err, "tag '%s'", tag);
			image_ref_set_digest(ref, &dg);
		} else if (image_ref_set_tag(ref, tag, err) < 0) {
			return -1;
		}
	}
	image_ref_with_default_tag(ref);
	*ret = steal_pointer(&ref);
	return 0;
}

static void images_pull(struct daemon *d, struct http_ctx *h, const char *from_image)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_image_ref struct image_ref *ref = NULL;
	cleanup_reg_auth struct reg_auth auth = { 0 };
	struct oci_platform platform = { 0 };
	bool has_platform = false;
	const char *pf = http_query(h, "platform");

	if (pull_reference(from_image, http_query(h, "tag"), &ref, &err) < 0 ||
	    reg_auth_from_header(h, &auth, &err) < 0) {
		http_reply_error(h, err);
		return;
	}
	if (pf && *pf) {
		if (oci_platform_parse(pf, &platform, &err) < 0) {
			http_reply_error(h, err);
			return;
		}
		has_platform = true;
	}
	cleanup_free char *name = image_ref_string(ref);
	cleanup_free char *familiar = image_ref_familiar(ref);
	struct registry_options ro;
	registry_options_for(d, &auth, &ro);

	struct jstream js = { .h = h, .hold_first = true };
	struct pull_options po = {
		.registry = &ro,
		.platform = has_platform ? &platform : NULL,
		.progress = jstream_progress,
		.progress_data = &js,
	};
	cleanup_image_store struct image_store *s = NULL;
	int r = open_own_store(d, &s, &err);
	if (r >= 0)
		r = registry_pull(s, name, &po, NULL, &err);
	if (has_platform)
		oci_platform_release(&platform);
	if (r >= 0)
		image_event(d, "pull", familiar, familiar);
	jstream_finish(&js, r < 0 ? err : NULL);
}

/* ---- POST /images/create?fromSrc=-: import -------------------------------- */

static void images_import(struct daemon *d, struct http_ctx *h, const char *from_src)
{
	cleanup_error berth_error_t *err = NULL;
	if (strcmp(from_src, "-") != 0) {
		/* a URL: berthd fetches nothing the client could send itself */
		http_reply_errorf(h, 501, "importing from a URL is not supported: '%s'", from_src);
		return;
	}
	const char *repo = http_query(h, "repo");
	cleanup_free char *tag = NULL;
	if (repo && *repo) {
		tag = repo_tag_reference(repo, http_query(h, "tag"), &err);
		if (!tag) {
			http_reply_error(h, err);
			return;
		}
	}
	size_t n_changes = 0;
	const char *const *changes = http_query_all(h, "changes", &n_changes);
	if (n_changes > IMPORT_MAX_CHANGES) {
		http_reply_errorf(h, 400, "too many changes: %zu (at most %d)", n_changes,
				  IMPORT_MAX_CHANGES);
		return;
	}
	const char *message = http_query(h, "message");
	const char *pf = http_query(h, "platform");
	struct oci_platform platform = { 0 };
	bool has_platform = false;
	if (pf && *pf) {
		if (oci_platform_parse(pf, &platform, &err) < 0) {
			http_reply_error(h, err);
			return;
		}
		has_platform = true;
	}
	struct image_import_options opts = {
		.tag = tag,
		.changes = changes,
		.n_changes = n_changes,
		.source = "-",
		.message = message && *message ? message : NULL,
		.platform = has_platform ? &platform : NULL,
	};

	cleanup_close int fd = -1;
	cleanup_image_store struct image_store *s = NULL;
	struct digest id;
	int r = spool_body(h, image_store_root(d->images), &fd, &err);
	if (r >= 0)
		r = open_own_store(d, &s, &err);
	if (r >= 0)
		r = image_import(s, fd, &opts, &id, &err);
	if (has_platform)
		oci_platform_release(&platform);
	if (r < 0) {
		http_reply_error(h, err);
		return;
	}
	char ids[DIGEST_STR_SIZE];
	digest_format(&id, ids);
	image_event(d, "import", ids, ids);
	struct jstream js = { .h = h };
	cleanup_json json_t *msg = json_pack("{s:s}", "status", ids);
	jstream_send(&js, msg);
	jstream_finish(&js, NULL);
}

static void images_create(struct daemon *d, struct http_ctx *h)
{
	const char *from_image = http_query(h, "fromImage");
	const char *from_src = http_query(h, "fromSrc");
	if (from_image && *from_image)
		images_pull(d, h, from_image);
	else if (from_src && *from_src)
		images_import(d, h, from_src);
	else
		http_reply_errorf(h, 400, "fromImage or fromSrc is required");
}

/* ---- POST /images/{name}/push ----------------------------------------------- */

static void images_push(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_image_ref struct image_ref *ref = NULL;
	cleanup_reg_auth struct reg_auth auth = { 0 };
	const char *tag = http_query(h, "tag");

	if (image_ref_parse(http_param(h, 0), &ref, &err) < 0 ||
	    (tag && *tag && image_ref_set_tag(ref, tag, &err) < 0) ||
	    reg_auth_from_header(h, &auth, &err) < 0) {
		http_reply_error(h, err);
		return;
	}
	/* no tag: docker's CLI always sends one; "latest" as it would */
	image_ref_with_default_tag(ref);
	cleanup_free char *name = image_ref_string(ref);
	cleanup_free char *familiar = image_ref_familiar(ref);

	struct jstream js = { .h = h, .hold_first = true };
	struct push_options po = { .progress = jstream_progress, .progress_data = &js };
	registry_options_for(d, &auth, &po.registry);
	cleanup_image_store struct image_store *s = NULL;
	int r = open_own_store(d, &s, &err);
	if (r >= 0)
		r = push_image(s, name, &po, NULL, &err);
	if (r >= 0)
		image_event(d, "push", familiar, familiar);
	else if (err->errnum == ENOENT && !js.started &&
		 strncmp(berth_error_cause(err), "No such image", 13) == 0)
		/* docker's words for a push of something that is not here */
		berth_error_fail(&err, ENOENT, "An image does not exist locally with the tag: %s",
				 familiar);
	jstream_finish(&js, r < 0 ? err : NULL);
}

/* ---- GET /images/get, GET /images/{name}/get: save ------------------------- */

/* The save runs on its own thread, writing the archive into a pipe whose
 * other end the handler copies to the response, so the image is streamed,
 * never held in memory or on disk */
struct save_job {
	struct image_store *s;
	const char *const *names;
	size_t n_names;
	int fd; /* the pipe's write end, owned: closed when the save ends */
	berth_error_t *err;
	int r;
};

static void *save_thread(void *arg)
{
	struct save_job *j = arg;
	sigset_t set;
	/* a client that goes away closes the read end: EPIPE, not a signal
	 * that would take berthd down */
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	j->r = archive_docker_save(j->s, j->names, j->n_names, j->fd, NULL, NULL, &j->err);
	close(j->fd);
	j->fd = -1;
	return NULL;
}

/* Copy rfd to the response; false when the client went away */
static bool copy_to_response(struct http_ctx *h, int rfd)
{
	cleanup_free char *buf = xmalloc(COPY_BUF_SIZE);
	for (;;) {
		ssize_t n = read(rfd, buf, COPY_BUF_SIZE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return true;
		if (http_stream_write(h, buf, (size_t)n) < 0)
			return false;
	}
}

static void images_save(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	size_t n = 0;
	const char *one[1];
	const char *const *names;
	if (http_param(h, 0)) {
		one[0] = http_param(h, 0);
		names = one;
		n = 1;
	} else {
		names = http_query_all(h, "names", &n);
	}
	if (n == 0) {
		http_reply_errorf(h, 400, "no image names given (names=)");
		return;
	}
	if (n > SAVE_MAX_NAMES) {
		http_reply_errorf(h, 400, "too many images: %zu (at most %d)", n, SAVE_MAX_NAMES);
		return;
	}
	/* every name resolves before the 200 goes out: a typo is a 404, not
	 * a broken tar */
	cleanup_free struct digest *ids = xcalloc(n, sizeof(*ids));
	{
		cleanup_unlock pthread_mutex_t *m = store_lock(d);
		for (size_t i = 0; i < n; i++) {
			if (image_store_resolve(d->images, names[i], &ids[i], &err) < 0) {
				reply_store_error(h, err);
				return;
			}
		}
	}
	cleanup_image_store struct image_store *s = NULL;
	int p[2];
	if (open_own_store(d, &s, &err) < 0 ||
	    (pipe2(p, O_CLOEXEC) < 0 && berth_error_set(&err, errno, "pipe") < 0)) {
		http_reply_error(h, err);
		return;
	}
	cleanup_close int rfd = p[0];
	struct save_job job = { .s = s, .names = names, .n_names = n, .fd = p[1] };
	pthread_t th;
	int e = pthread_create(&th, NULL, save_thread, &job);
	if (e != 0) {
		close(p[1]);
		berth_error_set(&err, e, "start the save thread");
		http_reply_error(h, err);
		return;
	}
	bool ok = http_stream_begin(h, 200, "application/x-tar") >= 0 && copy_to_response(h, rfd);
	/* the writer sees EPIPE and stops when the reader is gone */
	cleanup_closep(&rfd);
	pthread_join(th, NULL);
	cleanup_error berth_error_t *save_err = job.err;
	if (job.r < 0 || !ok) {
		if (save_err)
			log_debug("save: %s", save_err->msg);
		/* an error can no longer become a status: cut the connection
		 * so that the client sees a truncated chunked body, not a
		 * complete but broken tar */
		shutdown(http_conn_fd(h), SHUT_RDWR);
		return;
	}
	http_stream_end(h);
	for (size_t i = 0; i < n; i++) {
		char ids_s[DIGEST_STR_SIZE];
		digest_format(&ids[i], ids_s);
		image_event(d, "save", ids_s, ids_s);
	}
}

/* ---- POST /images/load ------------------------------------------------------ */

struct load_ctx {
	struct jstream js;
	bool quiet;
};

static void load_progress(const struct archive_progress *p, void *userdata)
{
	struct load_ctx *lc = userdata;
	cleanup_json json_t *msg = NULL;
	switch (p->kind) {
	case ARCHIVE_PROGRESS_LAYER:
		if (lc->quiet)
			return;
		{
			cleanup_free char *bar = progress_bar(p->current, p->total);
			msg = json_pack("{s:s, s:{s:I, s:I}, s:s, s:s}", "status", "Loading layer",
					"progressDetail", "current", (json_int_t)p->current,
					"total", (json_int_t)p->total, "progress", bar, "id",
					p->id);
		}
		break;
	case ARCHIVE_PROGRESS_LOADED:
		if (p->ref) {
			cleanup_free char *line = xasprintf("Loaded image: %s\n", p->ref);
			msg = json_pack("{s:s}", "stream", line);
		} else {
			char ids[DIGEST_STR_SIZE];
			digest_format(p->image_id, ids);
			cleanup_free char *line = xasprintf("Loaded image ID: %s\n", ids);
			msg = json_pack("{s:s}", "stream", line);
		}
		break;
	default:
		return;
	}
	if (msg)
		jstream_send(&lc->js, msg);
}

static void images_load(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_close int fd = -1;
	cleanup_image_store struct image_store *s = NULL;
	struct load_ctx lc = { .js = { .h = h }, .quiet = http_query_bool(h, "quiet") };
	struct archive_load_options opts = { .progress = load_progress, .userdata = &lc };
	struct archive_loaded loaded = { 0 };

	int r = spool_body(h, image_store_root(d->images), &fd, &err);
	if (r >= 0)
		r = open_own_store(d, &s, &err);
	if (r >= 0)
		r = archive_docker_load(s, fd, &opts, &loaded, &err);
	if (r >= 0) {
		for (size_t i = 0; i < loaded.n; i++) {
			char ids[DIGEST_STR_SIZE];
			digest_format(&loaded.v[i].image_id, ids);
			image_event(d, "load", ids, ids);
		}
	}
	archive_loaded_release(&loaded);
	jstream_finish(&lc.js, r < 0 ? err : NULL);
}

/* ---- POST /auth ------------------------------------------------------------- */

/* serveraddress as docker's CLI sends it ("https://index.docker.io/v1/",
 * "127.0.0.1:5000", "http://host:5000/v2/") -> the reference domain */
static char *auth_domain(const char *server)
{
	if (!server || !*server)
		return xstrdup(IMAGE_REF_DEFAULT_DOMAIN);
	const char *p = server;
	if (strncmp(p, "https://", 8) == 0)
		p += 8;
	else if (strncmp(p, "http://", 7) == 0)
		p += 7;
	size_t n = strcspn(p, "/");
	cleanup_free char *host = xstrndup(p, n);
	if (strcmp(host, IMAGE_REF_LEGACY_DOMAIN) == 0 ||
	    strcmp(host, "registry-1.docker.io") == 0 || *host == '\0')
		return xstrdup(IMAGE_REF_DEFAULT_DOMAIN);
	return steal_pointer(&host);
}

static void auth_login(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_json json_t *body = NULL;
	cleanup_reg_auth struct reg_auth auth = { 0 };
	if (http_body_json(h, AUTH_BODY_MAX, &body, &err) < 0 ||
	    reg_auth_from_json(body, "body", &auth, &err) < 0) {
		http_reply_error(h, err);
		return;
	}
	if (!auth.username) {
		http_reply_errorf(h, 400, "login: a username is required");
		return;
	}
	cleanup_free char *domain = auth_domain(auth.server);
	struct registry_options ro;
	registry_options_for(d, &auth, &ro);
	cleanup_registry_client struct registry_client *c =
		registry_client_new(domain, NULL, &ro, &err);
	if (!c || registry_ping(c, &err) < 0) {
		if (err->errnum == EACCES)
			http_reply_errorf(h, 401, "login to '%s' failed: %s", domain,
					  berth_error_cause(err));
		else
			http_reply_error(h, err);
		return;
	}
	/* berthd keeps nothing: the CLI stores the credentials itself */
	http_reply_json(h, 200,
			json_pack("{s:s, s:s}", "Status", "Login Succeeded", "IdentityToken", ""));
}

/* ---- the route table ---------------------------------------------------------- */

static const struct route images_routes[] = {
	{ "GET", "/images/json", images_list },
	{ "GET", "/images/get", images_save },
	{ "POST", "/images/create", images_create },
	{ "POST", "/images/load", images_load },
	{ "POST", "/images/prune", images_prune },
	{ "GET", "/images/{name*}/json", images_inspect },
	{ "GET", "/images/{name*}/history", images_history },
	{ "GET", "/images/{name*}/get", images_save },
	{ "POST", "/images/{name*}/tag", images_tag },
	{ "POST", "/images/{name*}/push", images_push },
	{ "DELETE", "/images/{name*}", images_remove },
	{ "POST", "/auth", auth_login },
};

ROUTE_TABLE(api_images_routes, images_routes);
