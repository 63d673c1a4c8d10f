/* push: one image from the store to a registry (see push.h).  Blobs are
 * read through a read-only mmap of the content store's file, so that a
 * monolithic PUT or a PATCH chunk is handed to curl without a copy.  Every
 * upload is retried from a state the registry confirms (the upload's Range,
 * or a fresh upload session), never by guessing what arrived. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/parse.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "image/layer-store.h"
#include "image/overlay.h"
#include "image/reference.h"
#include "oci/image.h"
#include "registry/client-internal.h"
#include "registry/push.h"

#include "common/banned.h"

struct push_ctx {
	struct registry_client *client; /* not owned */
	const char *repository;         /* not owned */
	char *scope;                    /* "repository:<repo>:pull,push" */
	char **mount_from;              /* other repositories of the registry, NULL-terminated */
	size_t n_mount_from;
	uint64_t chunk_size;
	struct progress progress;
};

/* One blob to push: its bytes are fd (owned) of size bytes */
struct push_blob {
	struct digest digest;
	int64_t size;
	int fd;
	bool is_layer; /* progress messages are for layers only */
	char id[PROGRESS_SHORT_ID_SIZE];
};

static void push_blob_release(struct push_blob *b)
{
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
}

/* ---- progress messages -------------------------------------------------- */

static void emit_status(struct push_ctx *x, const char *status, const char *id)
{
	progress_status(&x->progress, id, status);
}

static void emit_pushing(struct push_ctx *x, const struct push_blob *b, int64_t current)
{
	if (b->is_layer)
		progress_bytes(&x->progress, b->id, "Pushing", current, b->size);
}

/* ---- HTTP helpers ------------------------------------------------------- */

/* A Location header made absolute: registries may answer "/v2/…" */
static char *location_of(const struct push_ctx *x, const struct http_response *resp,
			 const char *what, berth_error_t **err)
{
	const char *loc = http_headers_get(&resp->headers, "Location");
	if (!loc || !*loc)
		return berth_error_fail(err, EPROTO, "%s: the registry gave no upload location",
					what),
		       NULL;
	if (loc[0] == '/')
		return xasprintf("%s%s", registry_client_base(x->client), loc);
	if (strncmp(loc, "http://", 7) != 0 && strncmp(loc, "https://", 8) != 0)
		return berth_error_fail(err, EPROTO, "%s: bad upload location '%.200s'", what, loc),
		       NULL;
	return xstrdup(loc);
}

static char *url_with_digest(const char *url, const struct digest *d)
{
	char ds[DIGEST_STR_SIZE];
	digest_format(d, ds);
	/* ':' needs no escaping in a query */
	return xasprintf("%s%cdigest=%s", url, strchr(url, '?') ? '&' : '?', ds);
}

/* Worth another attempt: 5xx, 429, a broken connection */
static bool retriable_status(long status)
{
	return status >= 500 || status == 429 || status == 408;
}

/* Worth another attempt: what upload_attempt marked EAGAIN (a retriable
 * status), or a broken connection; not a refusal or a malformed answer */
static bool retriable_error(const berth_error_t *e)
{
	int n = -berth_error_code(e);
	return n == EAGAIN || http_error_transient(n);
}

/* ---- blobs -------------------------------------------------------------- */

/* POST …/blobs/uploads/[?mount=&from=]: 1 when mounted (201), 0 with
 * *ret_location when an upload session started (202) */
static int upload_start(struct push_ctx *x, const struct push_blob *b, const char *from,
			char **ret_location, berth_error_t **err)
{
	char ds[DIGEST_STR_SIZE];
	digest_format(&b->digest, ds);
	cleanup_free char *url = NULL;
	cleanup_free char *scope = NULL;
	if (from) {
		url = xasprintf("%s/v2/%s/blobs/uploads/?mount=%s&from=%s",
				registry_client_base(x->client), x->repository, ds, from);
		/* a token must allow pulling from the source as well */
		scope = xasprintf("%s repository:%s:pull", x->scope, from);
	} else {
		url = xasprintf("%s/v2/%s/blobs/uploads/", registry_client_base(x->client),
				x->repository);
	}
	cleanup_http_response struct http_response resp = { 0 };
	struct http_request req = { .method = "POST", .url = url };
	if (registry_client_do(x->client, &req, scope ? scope : x->scope, &resp, err) < 0)
		return -1;
	if (from && resp.status == 201)
		return 1;
	if (resp.status != 202) {
		cleanup_free char *why = registry_response_reason(&resp);
		return berth_error_fail(err, retriable_status(resp.status) ? EAGAIN : EPROTO,
					"POST %s: %s", url, why);
	}
	char *loc = location_of(x, &resp, "start upload", err);
	if (!loc)
		return -1;
	*ret_location = loc;
	return 0;
}

/* Where an interrupted chunked upload stands: the bytes the registry has
 * (GET <location> → 204, Range: 0-<last>), with the location to go on at */
static int upload_status(struct push_ctx *x, char **location, int64_t *ret_offset,
			 berth_error_t **err)
{
	cleanup_http_response struct http_response resp = { 0 };
	struct http_request req = { .url = *location, .flags = HTTP_IDEMPOTENT };
	if (registry_client_do(x->client, &req, x->scope, &resp, err) < 0)
		return -1;
	if (resp.status != 204 && resp.status != 200)
		return berth_error_fail(err, EPROTO, "GET %s: HTTP %ld", *location, resp.status);
	const char *range = http_headers_get(&resp.headers, "Range");
	int64_t last = -1;
	if (range) {
		const char *dash = strchr(range, '-');
		uint64_t v = 0;
		cleanup_error berth_error_t *e = NULL;
		if (!dash || parse_uint64(dash + 1, 10, &v, &e) < 0 || v > INT64_MAX)
			return berth_error_fail(err, EPROTO, "GET %s: bad Range '%.100s'",
						*location, range);
		last = (int64_t)v;
	}
	if (http_headers_get(&resp.headers, "Location")) {
		char *loc = location_of(x, &resp, "upload status", err);
		if (!loc)
			return -1;
		free(*location);
		*location = loc;
	}
	*ret_offset = last + 1;
	return 0;
}

/* One request of an upload with a body: PATCH a chunk, or the final PUT */
static int upload_send(struct push_ctx *x, const char *method, const char *url, const void *data,
		       size_t len, const char *content_range, struct http_response *ret,
		       berth_error_t **err)
{
	cleanup_free char *cr = content_range ? xasprintf("Content-Range: %s", content_range) :
						NULL;
	const char *hdrs[] = { "Content-Type: application/octet-stream", cr, NULL };
	struct http_request req = {
		.method = method, .url = url, .headers = hdrs, .body = data, .body_len = len
	};
	return registry_client_do(x->client, &req, x->scope, ret, err);
}

/* One attempt at uploading b.  EAGAIN-worthy failures come back as
 * retriable; *location keeps the session so that the next attempt may
 * resume it. */
static int upload_attempt(struct push_ctx *x, const struct push_blob *b, const unsigned char *data,
			  char **location, berth_error_t **err)
{
	int64_t offset = 0;
	if (*location) {
		/* a chunked session broke: ask where it stands */
		cleanup_error berth_error_t *e = NULL;
		if (upload_status(x, location, &offset, &e) < 0 || offset > b->size) {
			log_debug("registry: restarting the upload of %s: %s", b->id,
				  e ? e->msg : "bad offset");
			free(steal_pointer(location));
			offset = 0;
		}
	}
	if (!*location && upload_start(x, b, NULL, location, err) < 0)
		return -1;

	if ((uint64_t)b->size > x->chunk_size) {
		while (offset < b->size) {
			int64_t n = b->size - offset;
			if ((uint64_t)n > x->chunk_size)
				n = (int64_t)x->chunk_size;
			char range[64];
			snprintf(range, sizeof(range), "%" PRId64 "-%" PRId64, offset,
				 offset + n - 1);
			cleanup_http_response struct http_response resp = { 0 };
			if (upload_send(x, "PATCH", *location, data + offset, (size_t)n, range,
					&resp, err) < 0)
				return -1;
			if (resp.status != 202) {
				cleanup_free char *why = registry_response_reason(&resp);
				return berth_error_fail(err,
							retriable_status(resp.status) ? EAGAIN :
											EPROTO,
							"PATCH %s: %s", *location, why);
			}
			char *loc = location_of(x, &resp, "upload chunk", err);
			if (!loc)
				return -1;
			free(*location);
			*location = loc;
			offset += n;
			emit_pushing(x, b, offset);
		}
	}
	cleanup_free char *url = url_with_digest(*location, &b->digest);
	cleanup_http_response struct http_response resp = { 0 };
	bool mono = offset == 0;
	if (upload_send(x, "PUT", url, mono ? data : NULL, mono ? (size_t)b->size : 0, NULL, &resp,
			err) < 0)
		return -1;
	if (resp.status != 201 && resp.status != 204) {
		cleanup_free char *why = registry_response_reason(&resp);
		if (mono)
			free(steal_pointer(location)); /* a failed monolithic PUT ends the session
							*/
		return berth_error_fail(err, retriable_status(resp.status) ? EAGAIN : EPROTO,
					"PUT %s: %s", *location ? *location : url, why);
	}
	if (mono)
		emit_pushing(x, b, b->size);
	return 0;
}

static int upload_blob(struct push_ctx *x, const struct push_blob *b, berth_error_t **err)
{
	const unsigned char *data = NULL;
	void *map = MAP_FAILED;
	if (b->size > 0) {
		map = mmap(NULL, (size_t)b->size, PROT_READ, MAP_SHARED, b->fd, 0);
		if (map == MAP_FAILED)
			return berth_error_set(err, errno, "mmap blob %s", b->id);
		data = map;
	}
	cleanup_free char *location = NULL;
	int r = -1;
	for (int attempt = 1;; attempt++) {
		cleanup_error berth_error_t *e = NULL;
		r = upload_attempt(x, b, data, &location, &e);
		if (r == 0)
			break;
		bool again = retriable_error(e);
		if (!again || attempt >= PUSH_MAX_ATTEMPTS) {
			*err = steal_pointer(&e);
			if (again)
				berth_error_wrap(err, "after %d attempts", attempt);
			break;
		}
		log_debug("registry: upload of %s failed (%s), attempt %d of %d", b->id, e->msg,
			  attempt + 1, PUSH_MAX_ATTEMPTS);
		/* a monolithic upload starts over; a chunked one resumes */
		if ((uint64_t)b->size <= x->chunk_size)
			free(steal_pointer(&location));
		http_backoff(attempt);
	}
	if (map != MAP_FAILED)
		munmap(map, (size_t)b->size);
	return r;
}

static int push_blob(struct push_ctx *x, const struct push_blob *b, berth_error_t **err)
{
	char ds[DIGEST_STR_SIZE];
	digest_format(&b->digest, ds);
	int r = registry_blob_head(x->client, &b->digest, x->scope, NULL, err);
	if (r < 0)
		return berth_error_wrap(err, "push blob %s", ds);
	if (r > 0) {
		if (b->is_layer)
			emit_status(x, "Layer already exists", b->id);
		return 0;
	}
	for (size_t i = 0; i < x->n_mount_from; i++) {
		cleanup_free char *loc = NULL;
		cleanup_error berth_error_t *e = NULL;
		r = upload_start(x, b, x->mount_from[i], &loc, &e);
		if (r > 0) {
			if (b->is_layer) {
				cleanup_free char *s =
					xasprintf("Mounted from %s", x->mount_from[i]);
				emit_status(x, s, b->id);
			}
			return 0;
		}
		/* 202 (the source lacks it) or refused: upload instead; the
		 * session a 202 opened is abandoned, the registry expires it */
		if (r < 0)
			log_debug("registry: mount of %s from '%s' failed: %s, ignoring", ds,
				  x->mount_from[i], e->msg);
	}
	if (b->is_layer)
		emit_pushing(x, b, 0);
	if (upload_blob(x, b, err) < 0)
		return berth_error_wrap(err, "push blob %s", ds);
	if (b->is_layer)
		emit_status(x, "Pushed", b->id);
	return 0;
}

/* ---- what to push ------------------------------------------------------- */

/* Fill ret with the blob d whose bytes are fd (takes ownership of fd,
 * closed on error too) */
static int push_blob_set(struct push_blob *ret, const struct digest *d, int fd, bool is_layer,
			 berth_error_t **err)
{
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int r = berth_error_set(err, errno, "stat blob");
		close(fd);
		return r;
	}
	ret->digest = *d;
	ret->size = st.st_size;
	ret->fd = fd;
	ret->is_layer = is_layer;
	progress_short_id(d, ret->id);
	return 0;
}

static int blob_from_store(struct image_store *s, const struct digest *d, bool is_layer,
			   struct push_blob *ret, berth_error_t **err)
{
	int fd = content_open_read(image_store_content(s), d, err);
	if (fd < 0)
		return -1;
	return push_blob_set(ret, d, fd, is_layer, err);
}

/* A layer without a kept blob: its dir exported again as an uncompressed
 * tar into an unnamed temp file.  The tar must hash to the diffID the
 * config names, else the pushed image would not verify. */
static int blob_from_layer_dir(struct image_store *s, const struct image_layer *l,
			       struct push_blob *ret, berth_error_t **err)
{
	char ds[DIGEST_STR_SIZE];
	digest_format(&l->diff_id, ds);
	cleanup_free char *dir = layer_store_diff_path(image_store_layers(s), &l->chain_id);
	cleanup_close int fd = open(image_store_root(s), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return berth_error_set(err, errno, "export layer %s: temp file in '%s'", ds,
				       image_store_root(s));
	struct digest got;
	if (overlay_export_upper(dir, fd, &got, err) < 0)
		return berth_error_wrap(err, "export layer %s", ds);
	if (!digest_equal(&got, &l->diff_id))
		return berth_error_fail(err, ENOTSUP,
					"layer %s has no blob and does not export to the same "
					"bytes",
					ds);
	if (push_blob_set(ret, &got, take_fd(&fd), true, err) < 0)
		return berth_error_wrap(err, "export layer %s", ds);
	return 0;
}

/* The Docker schema2 type of a stored layer blob (OCI types when the
 * compression has no Docker name: zstd) */
static const char *docker_layer_type(const char *mt, bool *ret_needs_oci)
{
	enum oci_compression c = OCI_COMPRESSION_NONE;
	if (mt && oci_media_type_layer_info(mt, &c, NULL) && c == OCI_COMPRESSION_ZSTD) {
		*ret_needs_oci = true;
		return OCI_MT_LAYER_ZSTD;
	}
	return c == OCI_COMPRESSION_GZIP ? DOCKER_MT_LAYER : DOCKER_MT_LAYER_TAR;
}

struct push_plan {
	struct push_blob config;
	struct push_blob *layers;
	size_t n_layers;
	char *manifest; /* the bytes to PUT */
	size_t manifest_len;
	struct digest manifest_digest;
	char *manifest_type; /* owned */
};

static void push_plan_release(struct push_plan *p)
{
	push_blob_release(&p->config);
	for (size_t i = 0; i < p->n_layers; i++)
		push_blob_release(&p->layers[i]);
	free(p->layers);
	free(p->manifest);
	free(p->manifest_type);
	memset(p, 0, sizeof(*p));
	p->config.fd = -1;
}

/* The stored manifest, when the image has one whose blobs are all here;
 * p is left as it was when not */
static bool plan_from_stored(struct image_store *s, const struct image_info *info,
			     struct push_plan *p)
{
	struct content_store *cs = image_store_content(s);
	cleanup_free char *raw = NULL;
	size_t len = 0;
	cleanup_oci_manifest struct oci_image_manifest *m = NULL;
	cleanup_error berth_error_t *e = NULL;
	if (!info->has_manifest ||
	    content_read_all(cs, &info->manifest_digest, OCI_IMAGE_MANIFEST_MAX_SIZE, &raw, &len,
			     &e) < 0 ||
	    oci_image_manifest_parse(raw, len, info->manifest_media_type, 0, &m, &e) < 0 ||
	    !digest_equal(&m->config.digest, &info->id))
		return false;
	for (size_t i = 0; i < m->n_layers; i++)
		if (!content_has(cs, &m->layers[i].digest, NULL))
			return false;
	struct push_blob *layers = xcalloc(m->n_layers ? m->n_layers : 1, sizeof(*layers));
	for (size_t i = 0; i < m->n_layers; i++) {
		if (blob_from_store(s, &m->layers[i].digest, true, &layers[i], &e) < 0) {
			while (i-- > 0)
				push_blob_release(&layers[i]);
			free(layers);
			return false;
		}
	}
	p->layers = layers;
	p->n_layers = m->n_layers;
	p->manifest = steal_pointer(&raw);
	p->manifest_len = len;
	p->manifest_digest = info->manifest_digest;
	p->manifest_type = xstrdup(m->media_type             ? m->media_type :
				   info->manifest_media_type ? info->manifest_media_type :
							       OCI_MT_MANIFEST);
	return true;
}

/* A new manifest from the config and the layers' blobs */
static int plan_build(struct image_store *s, const struct image_info *info, struct push_plan *p,
		      berth_error_t **err)
{
	bool oci = false;
	p->layers = xcalloc(info->n_layers ? info->n_layers : 1, sizeof(*p->layers));
	const char **types = xcalloc(info->n_layers ? info->n_layers : 1, sizeof(*types));
	int r = 0;
	for (size_t i = 0; i < info->n_layers && r == 0; i++) {
		const struct image_layer *l = &info->layers[i];
		p->layers[i].fd = -1;
		p->n_layers++;
		if (l->has_blob && content_has(image_store_content(s), &l->blob_digest, NULL)) {
			r = blob_from_store(s, &l->blob_digest, true, &p->layers[i], err);
			types[i] = docker_layer_type(l->blob_media_type, &oci);
		} else {
			r = blob_from_layer_dir(s, l, &p->layers[i], err);
			types[i] = DOCKER_MT_LAYER_TAR;
		}
	}
	if (r < 0) {
		free(types);
		return r;
	}
	cleanup_oci_manifest struct oci_image_manifest *m = xzalloc(sizeof(*m));
	m->schema_version = 2;
	m->docker = !oci;
	m->media_type = xstrdup(oci ? OCI_MT_MANIFEST : DOCKER_MT_MANIFEST);
	m->config.media_type = xstrdup(oci ? OCI_MT_CONFIG : DOCKER_MT_CONFIG);
	m->config.digest = p->config.digest;
	m->config.size = p->config.size;
	m->layers = xcalloc(info->n_layers ? info->n_layers : 1, sizeof(*m->layers));
	m->n_layers = info->n_layers;
	for (size_t i = 0; i < info->n_layers; i++) {
		const char *t = types[i];
		if (oci && strcmp(t, DOCKER_MT_LAYER) == 0)
			t = OCI_MT_LAYER_GZIP;
		else if (oci && strcmp(t, DOCKER_MT_LAYER_TAR) == 0)
			t = OCI_MT_LAYER;
		m->layers[i].media_type = xstrdup(t);
		m->layers[i].digest = p->layers[i].digest;
		m->layers[i].size = p->layers[i].size;
	}
	free(types);
	oci_image_manifest_seal(m);
	p->manifest = steal_pointer(&m->raw.raw);
	p->manifest_len = m->raw.raw_len;
	p->manifest_digest = m->raw.digest;
	p->manifest_type = xstrdup(m->media_type);
	return 0;
}

/* Other repositories of the same registry that hold the image (its tags
 * and repo digests there): candidates for a cross-repository mount */
static void find_mount_sources(const struct image_info *info, const struct image_ref *target,
			       struct push_ctx *x)
{
	x->mount_from = xcalloc(PUSH_MAX_MOUNT_SOURCES + 1, sizeof(char *));
	char *const *lists[] = { info->repo_tags, info->repo_digests };
	for (size_t l = 0; l < 2; l++) {
		for (char *const *n = lists[l]; n && *n; n++) {
			cleanup_image_ref struct image_ref *ref = NULL;
			cleanup_error berth_error_t *e = NULL;
			if (x->n_mount_from == PUSH_MAX_MOUNT_SOURCES)
				return;
			if (image_ref_parse(*n, &ref, &e) < 0 ||
			    strcmp(ref->domain, target->domain) != 0 ||
			    strcmp(ref->path, target->path) == 0)
				continue;
			bool dup = false;
			for (size_t i = 0; i < x->n_mount_from; i++)
				dup = dup || strcmp(x->mount_from[i], ref->path) == 0;
			if (!dup)
				x->mount_from[x->n_mount_from++] = xstrdup(ref->path);
		}
	}
}

/* One PUT: it is idempotent (the same bytes to the same tag), so http_do
 * retries 5xx and broken connections itself */
static int put_manifest(struct push_ctx *x, const struct push_plan *p, const char *tag,
			berth_error_t **err)
{
	cleanup_free char *url = xasprintf("%s/v2/%s/manifests/%s", registry_client_base(x->client),
					   x->repository, tag);
	cleanup_free char *ct = xasprintf("Content-Type: %s", p->manifest_type);
	const char *hdrs[] = { ct, NULL };
	cleanup_http_response struct http_response resp = { 0 };
	struct http_request req = { .method = "PUT",
				    .url = url,
				    .headers = hdrs,
				    .body = p->manifest,
				    .body_len = p->manifest_len,
				    .flags = HTTP_IDEMPOTENT };
	if (registry_client_do(x->client, &req, x->scope, &resp, err) < 0)
		return berth_error_wrap(err, "put manifest");
	if (resp.status != 201 && resp.status != 200) {
		cleanup_free char *why = registry_response_reason(&resp);
		return berth_error_fail(err, EPROTO, "put manifest: PUT %s: %s", url, why);
	}
	return 0;
}

/* Blobs, then the manifest, with docker's messages */
static int push_run(struct push_ctx *x, const struct push_plan *p, const char *tag,
		    struct digest *ret_digest, berth_error_t **err)
{
	/* docker lists the layers top first */
	for (size_t i = p->n_layers; i-- > 0;)
		emit_status(x, "Preparing", p->layers[i].id);
	for (size_t i = p->n_layers; i-- > 0;)
		emit_status(x, "Waiting", p->layers[i].id);
	for (size_t i = 0; i < p->n_layers; i++)
		if (push_blob(x, &p->layers[i], err) < 0)
			return -1;
	if (push_blob(x, &p->config, err) < 0 || put_manifest(x, p, tag, err) < 0)
		return -1;
	char ds[DIGEST_STR_SIZE];
	digest_format(&p->manifest_digest, ds);
	cleanup_free char *done = xasprintf("%s: digest: %s size: %zu", tag, ds, p->manifest_len);
	emit_status(x, done, NULL);
	/* docker's machine-readable summary, a message of its own */
	progress_aux(&x->progress, json_pack("{s:s, s:s, s:I}", "Tag", tag, "Digest", ds, "Size",
					     (json_int_t)p->manifest_len));
	if (ret_digest)
		*ret_digest = p->manifest_digest;
	return 0;
}

int push_image(struct image_store *s, const char *name, const struct push_options *opts,
	       struct digest *ret_digest, berth_error_t **err)
{
	static const struct push_options defaults = { 0 };
	if (!opts)
		opts = &defaults;
	cleanup_image_ref struct image_ref *ref = NULL;
	if (image_ref_parse(name, &ref, err) < 0)
		return berth_error_wrap(err, "push");
	if (ref->has_digest)
		return berth_error_fail(err, EINVAL, "push '%s': cannot push a digest reference",
					name);
	image_ref_with_default_tag(ref);

	struct digest id;
	if (image_store_resolve(s, name, &id, err) < 0)
		return berth_error_wrap(err, "push '%s'", name);
	cleanup_image_info struct image_info *info = NULL;
	if (image_store_get(s, &id, &info, err) < 0)
		return berth_error_wrap(err, "push '%s'", name);

	cleanup_registry_client struct registry_client *client =
		registry_client_new(ref->domain, ref->path, &opts->registry, err);
	if (!client)
		return berth_error_wrap(err, "push '%s'", name);
	struct push_ctx x = {
		.client = client,
		.repository = ref->path,
		.scope = xasprintf("repository:%s:pull,push", ref->path),
		.chunk_size = opts->chunk_size ? opts->chunk_size : PUSH_DEFAULT_CHUNK_SIZE,
	};
	progress_init(&x.progress, opts->progress, opts->progress_data);
	find_mount_sources(info, ref, &x);
	struct push_plan p = { .config = { .fd = -1 } };

	cleanup_free char *repo_name = image_ref_name(ref);
	progress_statusf(&x.progress, NULL, "The push refers to repository [%s]", repo_name);

	int r = blob_from_store(s, &id, false, &p.config, err);
	if (r == 0 && !plan_from_stored(s, info, &p))
		r = plan_build(s, info, &p, err);
	if (r == 0)
		r = push_run(&x, &p, ref->tag, ret_digest, err);
	if (r < 0)
		berth_error_wrap(err, "push '%s'", name);
	push_plan_release(&p);
	for (size_t i = 0; i < x.n_mount_from; i++)
		free(x.mount_from[i]);
	free(x.mount_from);
	free(x.scope);
	progress_release(&x.progress);
	return r;
}
