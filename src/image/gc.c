/* gc: remove what no image references: blobs in the content store, layer
 * rows and layer dirs, dangling short links; and the integrity check the
 * crash tests run.  Invariant: the set of live things is read from the
 * database after the transaction that drops unused layer rows committed,
 * so gc never removes anything a committed image references (a writer
 * between its blob write and its commit is not protected: see
 * image-store.h). */
#include "image/image-store-internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "image/layer-unpack.h"

#include "common/banned.h"

struct blob_walk {
	struct image_store *s;
	const struct metadata_chains *live;
	struct image_gc_result *res;
};

static int gc_blob(const struct digest *d, int64_t size, void *userdata, berth_error_t **err)
{
	struct blob_walk *w = userdata;
	(void)err;
	if (metadata_chains_contains(w->live, d))
		return 0;
	cleanup_error berth_error_t *e = NULL;
	if (content_delete(w->s->content, d, &e) < 0) {
		log_debug("gc: %s, ignoring", e->msg);
		return 0;
	}
	w->res->blobs_removed++;
	w->res->bytes_reclaimed += (uint64_t)(size > 0 ? size : 0);
	return 0;
}

/* Layer dirs on disk that the database does not know */
static int gc_layer_dirs(struct image_store *s, const struct metadata_chains *live,
			 struct image_gc_result *res, berth_error_t **err)
{
	int fd = openat(layer_store_dirfd(s->layers), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_set(err, errno, "gc: open '%s'",
				       layer_store_overlay_dir(s->layers));
	cleanup_dir DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return berth_error_set(err, errno, "gc: read '%s'",
				       layer_store_overlay_dir(s->layers));
	}
	struct digest *orphans = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		struct digest chain;
		if (strlen(de->d_name) != DIGEST_HEX_LEN ||
		    digest_parse_hex(de->d_name, &chain, NULL) < 0)
			continue;
		if (metadata_chains_contains(live, &chain))
			continue;
		orphans = xgrow(orphans, &alloc, n + 1, sizeof(*orphans));
		orphans[n++] = chain;
	}
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *path = layer_store_diff_path(s->layers, &orphans[i]);
		int dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int64_t size = dfd >= 0 ? image_dir_size(dfd) : 0;
		cleanup_error berth_error_t *e = NULL;
		if (layer_store_remove(s->layers, &orphans[i], &e) < 0) {
			log_debug("gc: %s, ignoring", e->msg);
			continue;
		}
		res->layers_removed++;
		res->bytes_reclaimed += (uint64_t)size;
	}
	free(orphans);
	return 0;
}

/* Short links whose target is gone (a crash between a layer's removal and
 * its link's) */
static void gc_links(struct image_store *s)
{
	cleanup_dir DIR *d = layer_opendir_at(layer_store_dirfd(s->layers), "l", O_NOFOLLOW);
	if (!d)
		return;
	int fd = dirfd(d);
	struct dirent *de;
	while ((de = readdir(d))) {
		struct stat st;
		if (de->d_name[0] == '.')
			continue;
		/* stat follows the link: ENOENT means it dangles */
		if (fstatat(fd, de->d_name, &st, 0) < 0 && errno == ENOENT &&
		    unlinkat(fd, de->d_name, 0) < 0)
			log_debug("gc: remove link '%s': %s, ignoring", de->d_name,
				  strerror(errno));
	}
}

int image_store_gc(struct image_store *s, struct image_gc_result *ret, berth_error_t **err)
{
	struct image_gc_result res = { 0 };
	struct metadata_chains dropped = { 0 }, live_layers = { 0 }, live_blobs = { 0 };
	int r = -1;

	if (metadata_begin(s->md, err) < 0)
		goto out;
	if (metadata_layers_delete_unused(s->md, &dropped, err) < 0 ||
	    metadata_commit(s->md, err) < 0) {
		metadata_rollback(s->md);
		goto out;
	}
	for (size_t i = 0; i < dropped.n; i++)
		res.bytes_reclaimed += (uint64_t)dropped.sizes[i];
	/* the dirs of dropped rows go in the walk below, with the orphans */
	if (metadata_layers_all(s->md, &live_layers, err) < 0 ||
	    metadata_blobs_live(s->md, &live_blobs, err) < 0)
		goto out;
	struct blob_walk w = { .s = s, .live = &live_blobs, .res = &res };
	if (content_list(s->content, gc_blob, &w, err) < 0 ||
	    gc_layer_dirs(s, &live_layers, &res, err) < 0)
		goto out;
	gc_links(s);
	log_debug("gc: removed %llu blobs and %llu layers, %llu bytes",
		  (unsigned long long)res.blobs_removed, (unsigned long long)res.layers_removed,
		  (unsigned long long)res.bytes_reclaimed);
	if (ret)
		*ret = res;
	r = 0;
out:
	metadata_chains_release(&dropped);
	metadata_chains_release(&live_layers);
	metadata_chains_release(&live_blobs);
	return r < 0 ? berth_error_wrap(err, "gc") : 0;
}

static int check_image(struct image_store *s, const struct digest *id, berth_error_t **err)
{
	char sid[DIGEST_STR_SIZE];
	digest_format(id, sid);
	cleanup_image_info struct image_info *info = NULL;
	if (metadata_image_get(s->md, id, &info, err) < 0)
		return -1;
	cleanup_oci_image_config struct oci_image_config *c = NULL;
	cleanup_error berth_error_t *cerr = NULL;
	if (image_store_read_config(s, id, &c, &cerr) < 0)
		return berth_error_fail(err, EIO, "image %s: %s", sid, cerr->msg);
	if (info->has_manifest && !content_has(s->content, &info->manifest_digest, NULL))
		return berth_error_fail(err, EIO, "image %s: manifest blob is missing", sid);
	if (c->n_diff_ids != info->n_layers)
		return berth_error_fail(err, EIO, "image %s: %zu layers recorded, config has %zu",
					sid, info->n_layers, c->n_diff_ids);
	for (size_t i = 0; i < info->n_layers; i++) {
		const struct image_layer *l = &info->layers[i];
		if (!digest_equal(&l->diff_id, &c->diff_ids[i]))
			return berth_error_fail(err, EIO,
						"image %s: layer %zu: diff ID differs "
						"from the config",
						sid, i);
		if (!layer_store_exists(s->layers, &l->chain_id)) {
			char ch[DIGEST_STR_SIZE];
			digest_format(&l->chain_id, ch);
			return berth_error_fail(err, EIO, "image %s: layer %s is missing", sid, ch);
		}
		if (l->has_blob && !content_has(s->content, &l->blob_digest, NULL))
			return berth_error_fail(err, EIO, "image %s: layer %zu: blob is missing",
						sid, i);
	}
	return 0;
}

int image_store_check(struct image_store *s, berth_error_t **err)
{
	if (metadata_integrity_check(s->md, err) < 0)
		return berth_error_wrap(err, "check");
	cleanup_free struct digest *ids = NULL;
	size_t n;
	if (metadata_image_list(s->md, &ids, &n, err) < 0)
		return berth_error_wrap(err, "check");
	for (size_t i = 0; i < n; i++)
		if (check_image(s, &ids[i], err) < 0)
			return berth_error_wrap(err, "check");
	return 0;
}
