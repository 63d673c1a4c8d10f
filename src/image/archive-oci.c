/* archive-oci: OCI image layout load and save, from a directory or a tar.
 * Blobs are read through one source abstraction (a spooled tar, or the
 * layout directory opened with RESOLVE_IN_ROOT so that a symlink in the
 * layout never leads out of it) and checked against their descriptor's
 * digest and size before their content is used. */
#include "image/archive-oci.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/atomicfile.h"
#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/rootfs-path.h"
#include "common/xalloc.h"
#include "image/archive-internal.h"
#include "image/reference.h"

#include "common/banned.h"

#define IO_BUF_SIZE (256 * 1024)
#define MAX_NESTED_INDEX 4

struct oci_src {
	struct archive_spool *sp; /* a tar, or */
	int dirfd;                /* the layout directory (not owned) */
};

static char *blob_name(const struct digest *d)
{
	char hex[DIGEST_HEX_LEN + 1];
	digest_format_hex(d, hex);
	return xasprintf("blobs/sha256/%s", hex);
}

/* Read a small file of the layout by name (not verified) */
static int src_read_file(struct oci_src *src, const char *name, size_t max, char **ret,
			 size_t *ret_len, berth_error_t **err)
{
	if (src->sp)
		return archive_spool_read_all(src->sp, name, max, ret, ret_len, err);
	cleanup_close int fd = root_open(src->dirfd, name, O_RDONLY, 0, 0, err);
	if (fd < 0)
		return berth_error_wrap(err, "layout file '%s'", name);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return berth_error_set(err, errno, "stat '%s'", name);
	if (!S_ISREG(st.st_mode))
		return berth_error_fail(err, EINVAL, "layout file '%s' is not a regular file",
					name);
	if ((uint64_t)st.st_size > max)
		return berth_error_fail(err, EFBIG, "layout file '%s' is larger than %zu bytes",
					name, max);
	char *buf = xmalloc((size_t)st.st_size + 1);
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return berth_error_set(err, errno, "read '%s'", name);
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	*ret = buf;
	*ret_len = got;
	return 0;
}

/* A document blob (index, manifest, config), checked against desc */
static int src_read_blob(struct oci_src *src, const struct oci_descriptor *desc, size_t max,
			 char **ret, size_t *ret_len, berth_error_t **err)
{
	cleanup_free char *name = blob_name(&desc->digest);
	if (desc->size < 0 || (uint64_t)desc->size > max)
		return berth_error_fail(err, EFBIG, "blob '%s': size %lld is over the %zu byte cap",
					name, (long long)desc->size, max);
	cleanup_free char *buf = NULL;
	size_t len = 0;
	if (src_read_file(src, name, max, &buf, &len, err) < 0)
		return berth_error_codep(err);
	if ((int64_t)len != desc->size)
		return berth_error_fail(err, EINVAL,
					"blob '%s': %zu bytes, the descriptor says %lld", name, len,
					(long long)desc->size);
	struct digest got;
	digest_buffer(buf, len, &got);
	if (digest_verify(&desc->digest, &got, name, err) < 0)
		return berth_error_codep(err);
	*ret = steal_pointer(&buf);
	*ret_len = len;
	return 0;
}

struct layer_ctx {
	struct oci_src *src;
	const struct oci_image_manifest *m;
};

static int open_layer(void *userdata, size_t i, struct archive_layer_in *ret, berth_error_t **err)
{
	struct layer_ctx *c = userdata;
	const struct oci_descriptor *d = &c->m->layers[i];
	ret->name = blob_name(&d->digest);
	ret->media_type = d->media_type;
	ret->has_digest = true;
	ret->blob_digest = d->digest;
	ret->blob_size = d->size;
	if (c->src->sp) {
		int64_t size;
		struct digest got;
		/* the spool checked the content against the member's name */
		if (archive_spool_store(c->src->sp, ret->name, &got, &size, err) < 0)
			return berth_error_codep(err);
		if (size != d->size)
			return berth_error_fail(err, EINVAL,
						"blob '%s': %lld bytes, the descriptor says %lld",
						ret->name, (long long)size, (long long)d->size);
		ret->fd = content_open_read(c->src->sp->cs, &got, err);
		if (ret->fd < 0)
			return ret->fd;
		ret->in_store = true;
		return 0;
	}
	/* read from the layout; the import checks digest and size */
	ret->fd = root_open(c->src->dirfd, ret->name, O_RDONLY, 0, 0, err);
	if (ret->fd < 0)
		return berth_error_wrap(err, "layout file '%s'", ret->name);
	return 0;
}

/* The name an index entry gives its image (a full reference, new), or
 * NULL when it has none we can use */
static char *entry_name(const struct oci_descriptor *d, const struct archive_load_options *opts)
{
	const char *full = oci_descriptor_annotation(d, ARCHIVE_ANNOTATION_CONTAINERD_NAME);
	const char *refname = oci_descriptor_annotation(d, ARCHIVE_ANNOTATION_REF_NAME);
	cleanup_image_ref struct image_ref *ref = NULL;
	if (full && image_ref_parse(full, &ref, NULL) == 0) {
		image_ref_with_default_tag(ref);
		return image_ref_string(ref);
	}
	if (!refname)
		return NULL;
	/* a whole reference ("docker.io/library/busybox:latest", "x/y:1") */
	if ((strchr(refname, '/') || strchr(refname, ':')) &&
	    image_ref_parse(refname, &ref, NULL) == 0) {
		image_ref_with_default_tag(ref);
		return image_ref_string(ref);
	}
	/* a bare tag, as skopeo's oci:DIR:tag and umoci write */
	if (opts && opts->repository && image_ref_tag_valid(refname) &&
	    image_ref_parse(opts->repository, &ref, NULL) == 0 &&
	    image_ref_set_tag(ref, refname, NULL) == 0)
		return image_ref_string(ref);
	return NULL;
}

/* One image to load: a manifest descriptor and its names */
struct oci_pick {
	struct oci_descriptor desc; /* copy */
	char **tags;
	size_t n_tags;
	/* read and checked before any layer is imported */
	char *manifest_raw;
	size_t manifest_len;
	struct oci_image_manifest *manifest;
	char *config_raw;
	size_t config_len;
};

static void picks_free(struct oci_pick *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		oci_descriptor_release(&v[i].desc);
		for (size_t j = 0; j < v[i].n_tags; j++)
			free(v[i].tags[j]);
		free(v[i].tags);
		free(v[i].manifest_raw);
		oci_image_manifest_free(v[i].manifest);
		free(v[i].config_raw);
	}
	free(v);
}

/* Follow an index descriptor down to a manifest for the platform */
static int resolve_manifest(struct oci_src *src, const struct oci_descriptor *d,
			    const struct oci_platform *want, int depth, struct oci_descriptor *ret,
			    berth_error_t **err)
{
	if (oci_media_type_kind(d->media_type) != OCI_MEDIA_INDEX) {
		oci_descriptor_copy(ret, d);
		return 0;
	}
	if (depth >= MAX_NESTED_INDEX)
		return berth_error_fail(err, ELOOP, "indexes nested more than %d deep",
					MAX_NESTED_INDEX);
	cleanup_free char *buf = NULL;
	size_t len = 0;
	if (src_read_blob(src, d, OCI_IMAGE_MANIFEST_MAX_SIZE, &buf, &len, err) < 0)
		return berth_error_codep(err);
	cleanup_oci_index struct oci_image_index *idx = NULL;
	if (oci_image_index_parse(buf, len, d->media_type, OCI_IMAGE_ALLOW_UNKNOWN_TYPES, &idx,
				  err) < 0)
		return berth_error_codep(err);
	size_t sel;
	if (oci_image_index_select(idx, want, &sel, err) < 0)
		return berth_error_codep(err);
	return resolve_manifest(src, &idx->manifests[sel], want, depth + 1, ret, err);
}

static void pick_add(struct oci_pick **v, size_t *n, const struct oci_descriptor *desc, char *tag)
{
	struct oci_pick *p = NULL;
	for (size_t i = 0; i < *n; i++)
		if (digest_equal(&(*v)[i].desc.digest, &desc->digest))
			p = &(*v)[i];
	if (!p) {
		*v = xreallocarray(*v, *n + 1, sizeof(**v));
		p = &(*v)[(*n)++];
		memset(p, 0, sizeof(*p));
		oci_descriptor_copy(&p->desc, desc);
		p->tags = xcalloc(1, sizeof(char *));
	}
	if (!tag)
		return;
	for (size_t i = 0; i < p->n_tags; i++) {
		if (strcmp(p->tags[i], tag) == 0) {
			free(tag);
			return;
		}
	}
	p->tags = xreallocarray(p->tags, p->n_tags + 2, sizeof(char *));
	p->tags[p->n_tags++] = tag;
	p->tags[p->n_tags] = NULL;
}

static int load_layout(struct image_store *s, struct oci_src *src,
		       const struct archive_load_options *opts, struct archive_loaded *ret,
		       berth_error_t **err)
{
	cleanup_free char *layout = NULL, *ibuf = NULL;
	size_t len = 0;
	if (src_read_file(src, "oci-layout", 4096, &layout, &len, err) < 0)
		return berth_error_wrap(err, "not an OCI image layout");
	cleanup_json json_t *lj = NULL;
	const char *version = NULL;
	if (bjson_load(layout, len, "oci-layout", 4096, 0, &lj, err) < 0 ||
	    bjson_get_string(lj, "oci-layout", "imageLayoutVersion", BJSON_REQUIRED, &version,
			     err) < 0)
		return berth_error_codep(err);
	if (strncmp(version, "1.", 2) != 0)
		return berth_error_fail(err, ENOTSUP, "oci-layout: unsupported version '%s'",
					version);
	if (src_read_file(src, "index.json", ARCHIVE_INDEX_MAX_SIZE, &ibuf, &len, err) < 0)
		return berth_error_codep(err);
	cleanup_oci_index struct oci_image_index *idx = NULL;
	if (oci_image_index_parse(ibuf, len, NULL, OCI_IMAGE_ALLOW_UNKNOWN_TYPES, &idx, err) < 0)
		return berth_error_wrap(err, "index.json");

	struct oci_platform host = { 0 };
	const struct oci_platform *want = opts && opts->platform ? opts->platform : NULL;
	if (!want) {
		oci_platform_host(&host);
		want = &host;
	}
	struct oci_pick *picks = NULL;
	size_t n_picks = 0;
	int r = 0;
	bool any_platform_skipped = false;
	for (size_t i = 0; i < idx->n_manifests && r == 0; i++) {
		const struct oci_descriptor *d = &idx->manifests[i];
		enum oci_media_kind k = oci_media_type_kind(d->media_type);
		if (k != OCI_MEDIA_INDEX && k != OCI_MEDIA_MANIFEST)
			continue; /* artifacts, attestations */
		/* a top-level index listing one image per platform */
		if (d->has_platform && !oci_platform_match(want, &d->platform)) {
			any_platform_skipped = true;
			continue;
		}
		struct oci_descriptor md = { 0 };
		r = resolve_manifest(src, d, want, 0, &md, err);
		if (r < 0)
			break;
		pick_add(&picks, &n_picks, &md, entry_name(d, opts));
		oci_descriptor_release(&md);
	}
	if (r == 0 && n_picks == 0) {
		size_t sel;
		if (any_platform_skipped)
			r = oci_image_index_select(idx, want, &sel, err);
		if (r == 0)
			r = berth_error_fail(err, ENOENT, "index.json lists no image manifest");
	}

	/* read and check every manifest and config before any layer */
	for (size_t i = 0; i < n_picks && r == 0; i++) {
		struct oci_pick *pk = &picks[i];
		const struct oci_descriptor *d = &pk->desc;
		r = src_read_blob(src, d, OCI_IMAGE_MANIFEST_MAX_SIZE, &pk->manifest_raw,
				  &pk->manifest_len, err);
		if (r == 0)
			r = oci_image_manifest_parse(pk->manifest_raw, pk->manifest_len,
						     d->media_type, 0, &pk->manifest, err);
		if (r == 0)
			r = src_read_blob(src, &pk->manifest->config, OCI_IMAGE_CONFIG_MAX_SIZE,
					  &pk->config_raw, &pk->config_len, err);
		if (r < 0) {
			char dg[DIGEST_STR_SIZE];
			digest_format(&d->digest, dg);
			berth_error_wrap(err, "manifest %s", dg);
		}
	}
	for (size_t i = 0; i < n_picks && r == 0; i++) {
		const struct oci_pick *pk = &picks[i];
		const struct oci_image_manifest *m = pk->manifest;
		struct layer_ctx c = { .src = src, .m = m };
		cleanup_free char *cname = blob_name(&m->config.digest);
		struct archive_image_in in = {
			.config = pk->config_raw,
			.config_len = pk->config_len,
			.config_name = cname,
			.config_digest = &m->config.digest,
			.n_layers = m->n_layers,
			.open_layer = open_layer,
			.userdata = &c,
			.manifest = pk->manifest_raw,
			.manifest_len = pk->manifest_len,
			.manifest_media_type = m->media_type ? m->media_type : pk->desc.media_type,
			.tags = (const char *const *)pk->tags,
			.n_tags = pk->n_tags,
		};
		r = archive_import_image(s, opts, &in, ret, err);
	}
	picks_free(picks, n_picks);
	oci_platform_release(&host);
	return r;
}

int archive_oci_load_spool(struct image_store *s, struct archive_spool *sp,
			   const struct archive_load_options *opts, struct archive_loaded *ret,
			   berth_error_t **err)
{
	struct oci_src src = { .sp = sp, .dirfd = -1 };
	return load_layout(s, &src, opts, ret, err);
}

int archive_oci_load_dir(struct image_store *s, const char *dir,
			 const struct archive_load_options *opts, struct archive_loaded *ret,
			 berth_error_t **err)
{
	cleanup_close int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return berth_error_set(err, errno, "load OCI layout '%s'", dir);
	struct oci_src src = { .dirfd = dirfd };
	if (load_layout(s, &src, opts, ret, err) < 0)
		return berth_error_wrap(err, "load OCI layout '%s'", dir);
	return 0;
}

int archive_oci_load_tar(struct image_store *s, int fd, const struct archive_load_options *opts,
			 struct archive_loaded *ret, berth_error_t **err)
{
	struct archive_spool sp;
	archive_spool_init(&sp, image_store_content(s));
	int r = archive_spool_read(&sp, fd, err);
	if (r == 0)
		r = archive_oci_load_spool(s, &sp, opts, ret, err);
	archive_spool_release(&sp);
	if (r < 0)
		return berth_error_wrap(err, "load OCI archive");
	return 0;
}

/* ---- save --------------------------------------------------------------- */

int archive_oci_save_tar(struct image_store *s, const char *const *names, size_t n_names, int fd,
			 archive_progress_fn progress, void *userdata, berth_error_t **err)
{
	struct archive_save_set set = { 0 };
	struct archive *a = NULL;
	int r = archive_save_set_resolve(s, names, n_names, &set, err);
	if (r == 0)
		r = archive_tar_open(fd, &a, err);
	if (r == 0)
		r = archive_tar_add_buffer(a, "oci-layout", ARCHIVE_OCI_LAYOUT,
					   strlen(ARCHIVE_OCI_LAYOUT), err);
	if (r == 0)
		r = archive_tar_add_set_blobs(a, s, &set, progress, userdata, err);
	if (r == 0) {
		cleanup_json json_t *index = archive_save_index_json(&set);
		cleanup_free char *ix = bjson_dump(index);
		r = archive_tar_add_buffer(a, "index.json", ix, strlen(ix), err);
	}
	if (r == 0)
		r = archive_tar_close(a, err);
	archive_tar_free(a);
	archive_save_set_release(&set);
	return r;
}

static int mkdir_at(int dirfd, const char *name, berth_error_t **err)
{
	if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
		return berth_error_set(err, errno, "mkdir '%s'", name);
	return 0;
}

/* Copy a blob of the content store into the layout (skipped when a file
 * of that name is there: it was verified when written, or is another
 * tool's; loading verifies it anyway) */
static int copy_blob(struct content_store *cs, int dirfd, const struct digest *d,
		     berth_error_t **err)
{
	cleanup_free char *name = blob_name(d);
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
		return 0;
	cleanup_close int in = content_open_read(cs, d, err);
	if (in < 0)
		return in;
	struct atomic_tmp tmp cleanup_atomic_tmp = { .fd = -1 };
	if (atomic_tmp_open(dirfd, name, 0644, &tmp, err) < 0)
		return berth_error_codep(err);
	for (;;) {
		ssize_t n = copy_file_range(in, NULL, tmp.fd, NULL, 1 << 30, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 &&
		    (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP)) {
			/* plain copy */
			cleanup_free char *buf = xmalloc(IO_BUF_SIZE);
			for (;;) {
				ssize_t k = read(in, buf, IO_BUF_SIZE);
				if (k < 0 && errno == EINTR)
					continue;
				if (k < 0)
					return berth_error_set(err, errno, "read blob '%s'", name);
				if (k == 0)
					break;
				for (ssize_t off = 0; off < k;) {
					ssize_t w = write(tmp.fd, buf + off, (size_t)(k - off));
					if (w < 0 && errno == EINTR)
						continue;
					if (w < 0)
						return berth_error_set(err, errno, "write '%s'",
								       name);
					off += w;
				}
			}
			break;
		}
		if (n < 0)
			return berth_error_set(err, errno, "copy blob '%s'", name);
		if (n == 0)
			break;
	}
	return atomic_tmp_commit(&tmp, err);
}

static int save_dir(struct image_store *s, const struct archive_save_set *set, const char *dir,
		    archive_progress_fn progress, void *userdata, berth_error_t **err)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return berth_error_set(err, errno, "mkdir '%s'", dir);
	cleanup_close int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0)
		return berth_error_set(err, errno, "open '%s'", dir);
	int r = mkdir_at(dirfd, "blobs", err);
	if (r == 0)
		r = mkdir_at(dirfd, "blobs/sha256", err);
	if (r == 0)
		r = atomic_write_at(dirfd, "oci-layout", ARCHIVE_OCI_LAYOUT,
				    strlen(ARCHIVE_OCI_LAYOUT), 0644, err);
	cleanup_free struct archive_blob_ref *blobs = NULL;
	size_t nb = 0;
	archive_save_set_blobs(set, &blobs, &nb);
	for (size_t i = 0; i < nb && r == 0; i++) {
		const struct archive_save_image *own = NULL;
		for (size_t j = 0; j < set->n && !own; j++)
			if (digest_equal(&set->v[j].manifest_digest, &blobs[i].digest))
				own = &set->v[j];
		if (own) {
			cleanup_free char *name = blob_name(&blobs[i].digest);
			r = atomic_write_at(dirfd, name, own->manifest, own->manifest_len, 0644,
					    err);
		} else {
			r = copy_blob(image_store_content(s), dirfd, &blobs[i].digest, err);
		}
		if (r == 0 && blobs[i].is_layer && progress) {
			char hex[DIGEST_HEX_LEN + 1];
			digest_format_hex(&blobs[i].digest, hex);
			hex[12] = '\0';
			struct archive_progress p = { .kind = ARCHIVE_PROGRESS_SAVED_LAYER,
						      .id = hex,
						      .current = blobs[i].size,
						      .total = blobs[i].size };
			progress(&p, userdata);
		}
	}
	if (r == 0) {
		cleanup_json json_t *index = archive_save_index_json(set);
		cleanup_free char *ix = bjson_dump(index);
		r = atomic_write_at(dirfd, "index.json", ix, strlen(ix), 0644, err);
	}
	return r;
}

int archive_oci_save_dir(struct image_store *s, const char *const *names, size_t n_names,
			 const char *dir, archive_progress_fn progress, void *userdata,
			 berth_error_t **err)
{
	struct archive_save_set set = { 0 };
	int r = archive_save_set_resolve(s, names, n_names, &set, err);
	if (r == 0)
		r = save_dir(s, &set, dir, progress, userdata, err);
	archive_save_set_release(&set);
	if (r < 0)
		return berth_error_wrap(err, "save OCI layout '%s'", dir);
	return 0;
}
