/* pull: registry_pull (see pull.h).  The main thread resolves the manifest
 * and the config, then starts up to `concurrency` download threads, each
 * with its own registry_client (a client is one curl easy handle and is
 * never shared), a copy of the main one that keeps its token.  They take
 * layers in manifest order from a shared queue and stream each into a
 * content_writer: hashed as the bytes arrive (once: the client does not
 * hash them again), refused at once past the descriptor's size, verified
 * at the end.  The
 * main thread waits for layer 0, extracts it from the content store while
 * the others still download, then layer 1, and so on, so extraction
 * overlaps the downloads and only the main thread touches the layer store
 * and the metadata.  Why not one streaming pass per layer (download ->
 * gunzip -> untar): layers must be extracted in order while downloads end
 * in any order, so a pass per layer would block all but the lowest
 * download; and a kept blob lets push, save and a retried pull re-use it. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "image/content-store.h"
#include "image/reference.h"
#include "registry/client-internal.h"
#include "registry/pull.h"

#include "common/banned.h"

/* Emit a "Downloading" message at most every this many bytes (and at the
 * end): docker's pace, a few dozen lines per layer */
#define PROGRESS_STEP (512 * 1024)

enum job_state {
	JOB_EXISTS,    /* chain ID already in the layer store */
	JOB_HAVE_BLOB, /* blob already in the content store */
	JOB_QUEUED,
	JOB_RUNNING,
	JOB_DONE,
	JOB_FAILED,
};

struct layer_job {
	const struct oci_descriptor *desc; /* not owned */
	char short_id[PROGRESS_SHORT_ID_SIZE];
	enum job_state state;
	berth_error_t *err; /* when JOB_FAILED; owned */
};

struct pull_ctx {
	struct progress *progress;     /* not owned */
	struct content_store *content; /* not owned */
	pthread_mutex_t lock;          /* guards jobs[].state/err, next */
	pthread_cond_t cond;           /* a job finished */
	struct layer_job *jobs;
	size_t n_jobs;
	size_t next; /* first job a worker has not yet looked at */
	bool abort;  /* set under lock, read without it by the sinks */
};

struct worker {
	struct pull_ctx *ctx;
	struct registry_client *client; /* owned */
	pthread_t thread;
	bool started;
};

struct download_sink {
	struct pull_ctx *ctx;
	const struct oci_descriptor *desc;
	struct layer_job *job; /* NULL for the config: no progress */
	struct content_writer *w;
	int64_t done;
	int64_t last_report;
};

static int download_sink_cb(const void *data, size_t len, void *userdata, berth_error_t **err)
{
	struct download_sink *d = userdata;
	if (__atomic_load_n(&d->ctx->abort, __ATOMIC_RELAXED))
		return berth_error_fail(err, ECANCELED, "cancelled");
	if (content_writer_write(d->w, data, len, err) < 0)
		return -1;
	d->done += (int64_t)len;
	if (d->job && (d->done - d->last_report >= PROGRESS_STEP || d->done == d->desc->size)) {
		d->last_report = d->done;
		progress_bytes(d->ctx->progress, d->job->short_id, "Downloading", d->done,
			       d->desc->size);
	}
	return 0;
}

/* Fetch one blob into the content store, verified (any thread) */
static int download_blob(struct pull_ctx *ctx, struct registry_client *client,
			 const struct oci_descriptor *desc, struct layer_job *job,
			 berth_error_t **err)
{
	cleanup_content_writer struct content_writer *w = NULL;
	if (content_writer_begin(ctx->content, &desc->digest, desc->size, &w, err) < 0)
		return -1;
	struct download_sink d = { .ctx = ctx, .desc = desc, .job = job, .w = w };
	if (registry_blob_fetch(client, &desc->digest, download_sink_cb, &d, err) < 0)
		return -1;
	if (job)
		progress_status(ctx->progress, job->short_id, "Verifying Checksum");
	/* the writer was begun with the digest and size: this verifies */
	if (content_writer_commit(w, NULL, err) < 0)
		return -1;
	if (job)
		progress_status(ctx->progress, job->short_id, "Download complete");
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker *wk = arg;
	struct pull_ctx *ctx = wk->ctx;

	pthread_mutex_lock(&ctx->lock);
	for (;;) {
		while (ctx->next < ctx->n_jobs && ctx->jobs[ctx->next].state != JOB_QUEUED)
			ctx->next++;
		if (ctx->abort || ctx->next == ctx->n_jobs)
			break;
		struct layer_job *job = &ctx->jobs[ctx->next++];
		job->state = JOB_RUNNING;
		pthread_mutex_unlock(&ctx->lock);

		berth_error_t *e = NULL;
		int r = download_blob(ctx, wk->client, job->desc, job, &e);

		pthread_mutex_lock(&ctx->lock);
		if (r < 0) {
			job->state = JOB_FAILED;
			job->err = e;
			__atomic_store_n(&ctx->abort, true, __ATOMIC_RELAXED);
		} else {
			job->state = JOB_DONE;
		}
		pthread_cond_broadcast(&ctx->cond);
	}
	pthread_mutex_unlock(&ctx->lock);
	return NULL;
}

/* Stop the workers (abort: let them fail fast) and free them */
static void workers_finish(struct pull_ctx *ctx, struct worker *wk, size_t n, bool abort)
{
	if (abort) {
		pthread_mutex_lock(&ctx->lock);
		__atomic_store_n(&ctx->abort, true, __ATOMIC_RELAXED);
		pthread_mutex_unlock(&ctx->lock);
	}
	for (size_t i = 0; i < n; i++) {
		if (wk[i].started)
			pthread_join(wk[i].thread, NULL);
		registry_client_free(wk[i].client);
	}
	free(wk);
}

/* Wait until job is downloaded: 0, or -1 when it (or another) failed */
static int wait_job(struct pull_ctx *ctx, struct layer_job *job)
{
	pthread_mutex_lock(&ctx->lock);
	while (job->state == JOB_QUEUED || job->state == JOB_RUNNING) {
		if (ctx->abort && job->state == JOB_QUEUED)
			break; /* another layer failed; nobody will take this one */
		pthread_cond_wait(&ctx->cond, &ctx->lock);
	}
	int r = job->state == JOB_DONE || job->state == JOB_EXISTS || job->state == JOB_HAVE_BLOB ?
			0 :
			-1;
	pthread_mutex_unlock(&ctx->lock);
	return r;
}

/* After the workers are gone: the error of the first layer that failed
 * for a reason of its own (the others were only cancelled) */
static int download_error(struct layer_job *jobs, size_t n, berth_error_t **err)
{
	struct layer_job *pick = NULL;
	for (size_t i = 0; i < n; i++) {
		if (jobs[i].state != JOB_FAILED)
			continue;
		if (!pick)
			pick = &jobs[i];
		if (jobs[i].err && jobs[i].err->errnum != ECANCELED) {
			pick = &jobs[i];
			break;
		}
	}
	if (!pick)
		return berth_error_fail(err, ECANCELED, "download cancelled");
	char d[DIGEST_STR_SIZE];
	digest_format(&pick->desc->digest, d);
	berth_error_release(err);
	if (err)
		*err = steal_pointer(&pick->err);
	return berth_error_wrap(err, "layer %s", d);
}

/* What pull_ref owns, freed in one place */
struct pull_state {
	struct image_ref *ref;
	struct registry_client *client;
	struct registry_manifest top;      /* what the reference names */
	struct registry_manifest platform; /* the platform's manifest, when top is an index */
	struct oci_image_index *index;
	struct oci_image_manifest *manifest;
	struct oci_image_config *config;
	struct digest *chains;
	struct image_layer *layers;
	size_t n_layers_done;
	struct layer_job *jobs;
	size_t n_jobs;
};

static void pull_state_release(struct pull_state *st)
{
	image_ref_free(st->ref);
	registry_client_free(st->client);
	registry_manifest_release(&st->top);
	registry_manifest_release(&st->platform);
	oci_image_index_free(st->index);
	oci_image_manifest_free(st->manifest);
	oci_image_config_free(st->config);
	free(st->chains);
	for (size_t i = 0; i < st->n_layers_done; i++)
		image_layer_release(&st->layers[i]);
	free(st->layers);
	for (size_t i = 0; i < st->n_jobs; i++)
		berth_error_free(st->jobs[i].err);
	free(st->jobs);
}

/* The manifest for this platform: top itself, or the chosen entry of the
 * index top is; NULL on error */
static const struct registry_manifest *
resolve_manifest(struct pull_state *st, const struct pull_options *opts, berth_error_t **err)
{
	enum oci_media_kind kind;
	if (oci_image_detect(st->top.data, st->top.len, st->top.media_type, &kind, err) < 0)
		return berth_error_wrap(err, "manifest"), NULL;
	if (kind != OCI_MEDIA_INDEX) {
		return &st->top;
	}
	if (oci_image_index_parse(st->top.data, st->top.len, st->top.media_type, 0, &st->index,
				  err) < 0)
		return berth_error_wrap(err, "index"), NULL;
	struct oci_platform host = { 0 };
	const struct oci_platform *want = opts->platform;
	if (!want) {
		oci_platform_host(&host);
		want = &host;
	}
	size_t i;
	int r = oci_image_index_select(st->index, want, &i, err);
	oci_platform_release(&host);
	if (r < 0)
		return NULL;
	char d[DIGEST_STR_SIZE];
	digest_format(&st->index->manifests[i].digest, d);
	if (registry_get_manifest(st->client, d, &st->platform, err) < 0)
		return NULL;
	if (oci_image_detect(st->platform.data, st->platform.len, st->platform.media_type, &kind,
			     err) < 0)
		return berth_error_wrap(err, "manifest %s", d), NULL;
	if (kind != OCI_MEDIA_MANIFEST)
		return berth_error_fail(err, ENOTSUP,
					"manifest %s: a nested index is not supported", d),
		       NULL;
	return &st->platform;
}

/* Forget what one endpoint gave, before trying the next */
static void pull_state_reset_source(struct pull_state *st)
{
	registry_client_free(st->client);
	st->client = NULL;
	registry_manifest_release(&st->top);
	registry_manifest_release(&st->platform);
	oci_image_index_free(st->index);
	st->index = NULL;
}

/* Open the session and resolve want (tag or digest) to this platform's
 * manifest at the first endpoint that serves it: for docker.io, each
 * registry mirror in order, then docker.io itself.  As docker does, any
 * failure at a mirror (down, no such image, refused) moves on to the
 * next; the blobs then come from the endpoint that gave the manifest.
 * The last endpoint's error is the one reported. */
static const struct registry_manifest *pull_resolve(struct pull_state *st,
						    const struct pull_options *opts,
						    const char *want, berth_error_t **err)
{
	struct registry_endpoint *eps = NULL;
	size_t n = 0;
	const struct registry_manifest *m = NULL;

	if (registry_endpoints(st->ref->domain, opts->registry, true, &eps, &n, err) < 0)
		return NULL;
	for (size_t i = 0; i < n && !m; i++) {
		cleanup_error berth_error_t *mirror_err = NULL;
		berth_error_t **e = eps[i].mirror ? &mirror_err : err;
		st->client = registry_client_new_at(st->ref->domain, &eps[i], st->ref->path,
						    opts->registry, e);
		if (st->client && registry_get_manifest(st->client, want, &st->top, e) == 0)
			m = resolve_manifest(st, opts, e);
		if (m)
			break;
		if (eps[i].mirror)
			log_debug("registry: mirror '%s': %s; trying the next endpoint", eps[i].url,
				  mirror_err ? mirror_err->msg : "failed");
		pull_state_reset_source(st);
	}
	registry_endpoints_free(eps, n);
	return m;
}

/* Fetch (unless present), read and parse the image config */
static int fetch_config(struct pull_state *st, struct pull_ctx *ctx, berth_error_t **err)
{
	const struct oci_descriptor *cd = &st->manifest->config;
	char d[DIGEST_STR_SIZE];
	digest_format(&cd->digest, d);
	if (cd->size > (int64_t)OCI_IMAGE_CONFIG_MAX_SIZE)
		return berth_error_fail(err, EFBIG,
					"config %s: %" PRId64 " bytes exceeds the limit of %u", d,
					cd->size, OCI_IMAGE_CONFIG_MAX_SIZE);
	if (!content_has(ctx->content, &cd->digest, NULL) &&
	    download_blob(ctx, st->client, cd, NULL, err) < 0)
		return berth_error_wrap(err, "config %s", d);
	cleanup_free char *buf = NULL;
	size_t len;
	if (content_read_all(ctx->content, &cd->digest, OCI_IMAGE_CONFIG_MAX_SIZE, &buf, &len,
			     err) < 0 ||
	    oci_image_config_parse(buf, len, &st->config, err) < 0)
		return berth_error_wrap(err, "config %s", d);
	if (st->config->n_diff_ids != st->manifest->n_layers)
		return berth_error_fail(err, EINVAL,
					"config %s lists %zu layers, but the manifest has %zu", d,
					st->config->n_diff_ids, st->manifest->n_layers);
	return 0;
}

/* Put layer i into the layer store (from the content store unless its
 * chain already exists) */
static int extract_layer(struct pull_state *st, struct pull_ctx *ctx, struct image_store *s,
			 size_t i, berth_error_t **err)
{
	struct layer_job *job = &st->jobs[i];
	const struct oci_descriptor *desc = job->desc;
	const struct digest *parent = i ? &st->chains[i - 1] : NULL;
	struct image_layer *l = &st->layers[i];
	cleanup_close int fd = -1;

	if (job->state != JOB_EXISTS) {
		fd = content_open_read(ctx->content, &desc->digest, err);
		if (fd < 0)
			return -1;
		progress_bytes(ctx->progress, job->short_id, "Extracting", 0, desc->size);
	}
	/* an existing chain is not read: layer_store_ensure checks first */
	if (image_store_put_layer(s, parent, fd, &st->config->diff_ids[i], NULL, 0, l, err) < 0)
		return -1;
	st->n_layers_done = i + 1;
	if (content_has(ctx->content, &desc->digest, NULL)) {
		l->has_blob = true;
		l->blob_digest = desc->digest;
		l->blob_size = desc->size;
		l->blob_media_type = xstrdup(desc->media_type);
	}
	if (job->state != JOB_EXISTS) {
		progress_bytes(ctx->progress, job->short_id, "Extracting", desc->size, desc->size);
		progress_status(ctx->progress, job->short_id, "Pull complete");
	}
	return 0;
}

static int pull_layers(struct pull_state *st, struct pull_ctx *ctx, struct image_store *s,
		       unsigned concurrency, berth_error_t **err)
{
	size_t n = st->manifest->n_layers;
	struct layer_store *ls = image_store_layers(s);
	size_t queued = 0;

	st->chains = xcalloc(n ? n : 1, sizeof(*st->chains));
	oci_image_chain_ids(st->config->diff_ids, n, st->chains);
	st->layers = xcalloc(n ? n : 1, sizeof(*st->layers));
	st->jobs = xcalloc(n ? n : 1, sizeof(*st->jobs));
	st->n_jobs = n;
	for (size_t i = 0; i < n; i++) {
		struct layer_job *job = &st->jobs[i];
		job->desc = &st->manifest->layers[i];
		progress_short_id(&job->desc->digest, job->short_id);
		int64_t have;
		if (layer_store_exists(ls, &st->chains[i])) {
			job->state = JOB_EXISTS;
			progress_status(ctx->progress, job->short_id, "Already exists");
		} else if (content_has(ctx->content, &job->desc->digest, &have) &&
			   have == job->desc->size) {
			job->state = JOB_HAVE_BLOB;
			progress_status(ctx->progress, job->short_id, "Pulling fs layer");
		} else {
			job->state = JOB_QUEUED;
			queued++;
			progress_status(ctx->progress, job->short_id, "Pulling fs layer");
		}
	}
	for (size_t i = 0, q = 0; i < n; i++) {
		if (st->jobs[i].state == JOB_QUEUED && q++ >= concurrency)
			progress_status(ctx->progress, st->jobs[i].short_id, "Waiting");
		else if (st->jobs[i].state == JOB_HAVE_BLOB)
			progress_status(ctx->progress, st->jobs[i].short_id, "Download complete");
	}

	ctx->jobs = st->jobs;
	ctx->n_jobs = n;
	size_t n_workers = queued < concurrency ? queued : concurrency;
	struct worker *wk = xcalloc(n_workers ? n_workers : 1, sizeof(*wk));
	for (size_t i = 0; i < n_workers; i++) {
		wk[i].ctx = ctx;
		/* made here, on one thread (curl's global init is not
		 * thread-safe), from the main session: its credentials and
		 * token come along, so no worker repeats the 401 and token
		 * round trips or runs a credential helper again */
		wk[i].client = registry_client_dup(st->client, err);
		if (!wk[i].client) {
			workers_finish(ctx, wk, i, true);
			return -1;
		}
	}
	for (size_t i = 0; i < n_workers; i++) {
		int r = pthread_create(&wk[i].thread, NULL, worker_main, &wk[i]);
		if (r != 0) {
			workers_finish(ctx, wk, n_workers, true);
			return berth_error_set(err, r, "start a download thread");
		}
		wk[i].started = true;
	}

	for (size_t i = 0; i < n; i++) {
		if (wait_job(ctx, &st->jobs[i]) < 0) {
			workers_finish(ctx, wk, n_workers, true);
			return download_error(st->jobs, n, err);
		}
		if (extract_layer(st, ctx, s, i, err) < 0) {
			char d[DIGEST_STR_SIZE];
			digest_format(&st->jobs[i].desc->digest, d);
			workers_finish(ctx, wk, n_workers, true);
			return berth_error_wrap(err, "layer %s", d);
		}
	}
	workers_finish(ctx, wk, n_workers, false);
	return 0;
}

static int pull_do(struct pull_state *st, struct pull_ctx *ctx, struct image_store *s,
		   const struct pull_options *opts, struct pull_result *ret, berth_error_t **err)
{
	struct progress *progress = ctx->progress;
	unsigned concurrency = opts->concurrency ? opts->concurrency : PULL_DEFAULT_CONCURRENCY;
	if (concurrency > PULL_MAX_CONCURRENCY)
		concurrency = PULL_MAX_CONCURRENCY;

	char want[DIGEST_STR_SIZE];
	if (st->ref->has_digest)
		digest_format(&st->ref->digest, want);
	else
		snprintf(want, sizeof(want), "%s", st->ref->tag);
	progress_statusf(progress, want, "Pulling from %s", st->ref->path);

	const struct registry_manifest *m = pull_resolve(st, opts, want, err);
	if (!m)
		return -1;
	char md[DIGEST_STR_SIZE];
	digest_format(&m->digest, md);
	if (oci_image_manifest_parse(m->data, m->len, m->media_type, 0, &st->manifest, err) < 0)
		return berth_error_wrap(err, "manifest %s", md);
	if (fetch_config(st, ctx, err) < 0 || pull_layers(st, ctx, s, concurrency, err) < 0)
		return -1;

	/* the documents last, so that a manifest blob means a finished pull */
	if (content_put_buffer(ctx->content, m->data, m->len, &m->digest, NULL, err) < 0)
		return -1;
	if (m != &st->top && content_put_buffer(ctx->content, st->top.data, st->top.len,
						&st->top.digest, NULL, err) < 0)
		return -1;

	cleanup_free char *name = image_ref_name(st->ref);
	char top[DIGEST_STR_SIZE];
	digest_format(&st->top.digest, top);
	cleanup_free char *tag_ref = st->ref->has_digest ? NULL : image_ref_string(st->ref);
	cleanup_free char *digest_ref = xasprintf("%s@%s", name, top);
	const char *tags[2];
	size_t n_tags = 0;
	if (tag_ref)
		tags[n_tags++] = tag_ref;
	tags[n_tags++] = digest_ref;

	/* up to date when the reference already named this image */
	struct digest old_id;
	cleanup_error berth_error_t *e = NULL;
	cleanup_free char *full = image_ref_string(st->ref);
	bool had = image_store_resolve(s, full, &old_id, &e) == 0;

	struct image_add add = {
		.config_digest = st->config->raw.digest,
		.layers = st->layers,
		.n_layers = st->n_layers_done,
		.has_manifest = true,
		.manifest_digest = m->digest,
		.manifest_media_type = m->media_type,
		.tags = tags,
		.n_tags = n_tags,
	};
	struct digest id;
	if (image_store_add(s, &add, &id, NULL, err) < 0)
		return -1;

	bool up_to_date = had && digest_equal(&old_id, &id);
	cleanup_free char *familiar = image_ref_familiar(st->ref);
	progress_statusf(progress, NULL, "Digest: %s", top);
	progress_statusf(progress, NULL, "Status: %s for %s",
			 up_to_date ? "Image is up to date" : "Downloaded newer image", familiar);
	if (ret) {
		ret->image_id = id;
		ret->digest = st->top.digest;
		ret->manifest_digest = m->digest;
		ret->up_to_date = up_to_date;
	}
	return 0;
}

int registry_pull(struct image_store *s, const char *name, const struct pull_options *opts,
		  struct pull_result *ret, berth_error_t **err)
{
	static const struct pull_options defaults = { 0 };
	struct pull_state st = { 0 };
	struct progress progress;

	if (!opts)
		opts = &defaults;
	if (image_ref_parse(name, &st.ref, err) < 0)
		return -1;
	image_ref_with_default_tag(st.ref);
	progress_init(&progress, opts->progress, opts->progress_data);
	struct pull_ctx ctx = { .progress = &progress, .content = image_store_content(s) };
	pthread_mutex_init(&ctx.lock, NULL);
	pthread_cond_init(&ctx.cond, NULL);
	int r = pull_do(&st, &ctx, s, opts, ret, err);
	pthread_cond_destroy(&ctx.cond);
	pthread_mutex_destroy(&ctx.lock);
	if (r < 0)
		berth_error_wrap(err, "pull '%s'", name);
	pull_state_release(&st);
	progress_release(&progress);
	return r;
}
