/* archive-common: what docker-archive and OCI layout loading and saving
 * share.  Loading reads the tar stream exactly once: member names are
 * cleaned and never used as host paths (a member is only ever looked up in
 * the in-memory table), so "../evil" or an absolute name cannot make us
 * touch anything; it is refused outright all the same, as docker does.
 * Every layer is checked against the config's diff_ids before an image
 * referencing it is added. */
#include "image/archive-internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "image/reference.h"

#include "common/banned.h"

#define SPOOL_SMALL_MAX (1u << 20)   /* members kept in memory */
#define SPOOL_MEMORY_MAX (64u << 20) /* all members kept in memory */
#define IO_BUF_SIZE (256 * 1024)
#define MAX_LINK_HOPS 40
#define QUOTE_MAX 200

void archive_loaded_release(struct archive_loaded *l)
{
	for (size_t i = 0; i < l->n; i++) {
		for (size_t j = 0; j < l->v[i].n_refs; j++)
			free(l->v[i].refs[j]);
		free(l->v[i].refs);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* ---- names ------------------------------------------------------------- */

int archive_clean_name(const char *name, bool allow_empty, char **ret, berth_error_t **err)
{
	size_t len = strlen(name);
	if (len > ARCHIVE_MAX_NAME_LEN)
		return berth_error_fail(err, EINVAL, "archive member name too long (%zu bytes)",
					len);
	if (name[0] == '/')
		return berth_error_fail(err, EINVAL, "archive member '%.*s': absolute name refused",
					QUOTE_MAX, name);
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	const char *p = name;
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return berth_error_fail(
				err, EINVAL,
				"archive member '%.*s': '..' in a name refused (path traversal)",
				QUOTE_MAX, name);
		if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (sb.len)
				strbuf_addch(&sb, '/');
			strbuf_add(&sb, p, n);
		}
		p += n;
		if (*p == '/')
			p++;
	}
	if (sb.len == 0 && !allow_empty)
		return berth_error_fail(err, EINVAL, "archive member '%.*s': empty name", QUOTE_MAX,
					name);
	*ret = strbuf_detach(&sb, NULL);
	return 0;
}

/* Join a link's directory and a relative target and clean it; refuses a
 * target that climbs out of the archive */
static int resolve_link_target(const char *link, const char *target, char **ret,
			       berth_error_t **err)
{
	if (target[0] == '/')
		return berth_error_fail(
			err, EINVAL, "archive member '%.*s': link to absolute path '%.*s' refused",
			QUOTE_MAX, link, QUOTE_MAX, target);
	cleanup_free char *joined = NULL;
	const char *slash = strrchr(link, '/');
	if (slash)
		joined = xasprintf("%.*s/%s", (int)(slash - link), link, target);
	else
		joined = xstrdup(target);
	/* resolve ".." lexically, refusing to go above the top */
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	const char *p = joined;
	while (*p) {
		const char *s = strchr(p, '/');
		size_t n = s ? (size_t)(s - p) : strlen(p);
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (sb.len == 0)
				return berth_error_fail(
					err, EINVAL,
					"archive member '%.*s': link target '%.*s' leaves the archive",
					QUOTE_MAX, link, QUOTE_MAX, target);
			char *last = strrchr(sb.buf, '/');
			strbuf_setlen(&sb, last ? (size_t)(last - sb.buf) : 0);
		} else if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (sb.len)
				strbuf_addch(&sb, '/');
			strbuf_add(&sb, p, n);
		}
		p += n;
		if (*p == '/')
			p++;
	}
	if (sb.len == 0)
		return berth_error_fail(err, EINVAL, "archive member '%.*s': link to nothing",
					QUOTE_MAX, link);
	*ret = strbuf_detach(&sb, NULL);
	return 0;
}

/* ---- the spool ---------------------------------------------------------- */

void archive_spool_init(struct archive_spool *sp, struct content_store *cs)
{
	memset(sp, 0, sizeof(*sp));
	sp->cs = cs;
}

void archive_spool_release(struct archive_spool *sp)
{
	for (size_t i = 0; i < sp->n; i++) {
		free(sp->v[i].name);
		free(sp->v[i].data);
		free(sp->v[i].target);
	}
	free(sp->v);
	memset(sp, 0, sizeof(*sp));
}

static struct spool_member *spool_lookup(struct archive_spool *sp, const char *clean)
{
	for (size_t i = 0; i < sp->n; i++)
		if (strcmp(sp->v[i].name, clean) == 0)
			return &sp->v[i];
	return NULL;
}

/* "blobs/sha256/<hex>": the digest the member must have */
static bool blob_name_digest(const char *name, struct digest *ret)
{
	static const char prefix[] = "blobs/sha256/";
	if (strncmp(name, prefix, strlen(prefix)) != 0)
		return false;
	return digest_parse_hex(name + strlen(prefix), ret, NULL) == 0;
}

static void archive_freep(struct archive **a)
{
	if (*a)
		archive_read_free(*a);
	*a = NULL;
}

static int tar_fail(struct archive *a, const char *what, berth_error_t **err)
{
	int e = archive_errno(a);
	const char *msg = archive_error_string(a);
	return berth_error_fail(err, e > 0 ? e : EIO, "%s: %s", what,
				msg ? msg : "damaged or truncated archive");
}

static int spool_regular(struct archive_spool *sp, struct archive *a, struct spool_member *m,
			 int64_t size, berth_error_t **err)
{
	struct digest want;
	bool named = blob_name_digest(m->name, &want);
	if (size >= 0 && (uint64_t)size <= SPOOL_SMALL_MAX &&
	    sp->mem_total + (size_t)size <= SPOOL_MEMORY_MAX) {
		m->kind = SPOOL_MEMORY;
		m->data = xmalloc((size_t)size + 1);
		size_t got = 0;
		while (got < (size_t)size) {
			la_ssize_t n = archive_read_data(a, m->data + got, (size_t)size - got);
			if (n < 0)
				return tar_fail(a, "read archive", err);
			if (n == 0)
				break;
			got += (size_t)n;
		}
		if (got != (size_t)size)
			return berth_error_fail(err, EIO, "archive member '%.*s': truncated",
						QUOTE_MAX, m->name);
		m->data[got] = '\0';
		m->len = got;
		m->size = (int64_t)got;
		sp->mem_total += got;
		digest_buffer(m->data, m->len, &m->digest);
		m->has_digest = true;
		if (named) {
			char what[QUOTE_MAX + 32];
			snprintf(what, sizeof(what), "archive member '%.*s'", QUOTE_MAX, m->name);
			return digest_verify(&want, &m->digest, what, err);
		}
		return 0;
	}

	cleanup_content_writer struct content_writer *w = NULL;
	if (content_writer_begin(sp->cs, named ? &want : NULL, size, &w, err) < 0)
		return berth_error_wrap(err, "archive member '%.*s'", QUOTE_MAX, m->name);
	cleanup_free char *buf = xmalloc(IO_BUF_SIZE);
	for (;;) {
		la_ssize_t n = archive_read_data(a, buf, IO_BUF_SIZE);
		if (n < 0)
			return tar_fail(a, "read archive", err);
		if (n == 0)
			break;
		if (content_writer_write(w, buf, (size_t)n, err) < 0)
			return berth_error_wrap(err, "archive member '%.*s'", QUOTE_MAX, m->name);
	}
	if (content_writer_size(w) != size)
		return berth_error_fail(err, EIO, "archive member '%.*s': truncated", QUOTE_MAX,
					m->name);
	if (content_writer_commit(w, &m->digest, err) < 0)
		return berth_error_wrap(err, "archive member '%.*s'", QUOTE_MAX, m->name);
	m->kind = SPOOL_BLOB;
	m->has_digest = true;
	m->size = size;
	return 0;
}

int archive_spool_read(struct archive_spool *sp, int fd, berth_error_t **err)
{
	__attribute__((cleanup(archive_freep))) struct archive *a = archive_read_new();
	archive_read_support_format_tar(a);
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_zstd(a);
	if (archive_read_open_fd(a, fd, IO_BUF_SIZE) != ARCHIVE_OK)
		return tar_fail(a, "open archive", err);

	for (;;) {
		struct archive_entry *e;
		int r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r == ARCHIVE_RETRY)
			continue;
		if (r < ARCHIVE_WARN)
			return tar_fail(a, "read archive", err);
		const char *raw = archive_entry_pathname(e);
		if (!raw)
			return berth_error_fail(err, EINVAL,
						"archive member without a usable name");
		cleanup_free char *name = NULL;
		mode_t type = archive_entry_filetype(e);
		const char *hardlink = archive_entry_hardlink(e);
		if (archive_clean_name(raw, type == AE_IFDIR && !hardlink, &name, err) < 0)
			return -EINVAL;
		if (type == AE_IFDIR && !hardlink)
			continue;
		if (sp->n >= ARCHIVE_MAX_MEMBERS)
			return berth_error_fail(err, E2BIG, "archive has more than %d members",
						ARCHIVE_MAX_MEMBERS);
		if (spool_lookup(sp, name))
			return berth_error_fail(err, EINVAL, "archive member '%.*s' appears twice",
						QUOTE_MAX, name);
		sp->v = xgrow(sp->v, &sp->alloc, sp->n + 1, sizeof(*sp->v));
		struct spool_member *m = &sp->v[sp->n];
		memset(m, 0, sizeof(*m));
		m->name = steal_pointer(&name);
		sp->n++;

		if (hardlink) {
			/* hard link targets are archive-relative names */
			m->kind = SPOOL_LINK;
			if (archive_clean_name(hardlink, false, &m->target, err) < 0)
				return berth_error_wrap(err, "hard link '%.*s'", QUOTE_MAX,
							m->name);
		} else if (type == AE_IFLNK) {
			const char *t = archive_entry_symlink(e);
			m->kind = SPOOL_LINK;
			if (resolve_link_target(m->name, t ? t : "", &m->target, err) < 0)
				return -EINVAL;
		} else if (type == AE_IFREG) {
			if (spool_regular(sp, a, m, archive_entry_size(e), err) < 0)
				return berth_error_codep(err);
		} else {
			return berth_error_fail(err, EINVAL,
						"archive member '%.*s': unexpected file type 0%o",
						QUOTE_MAX, m->name, (unsigned)type);
		}
	}
	return 0;
}

int archive_spool_find(struct archive_spool *sp, const char *name, const struct spool_member **ret,
		       berth_error_t **err)
{
	cleanup_free char *clean = NULL;
	if (archive_clean_name(name, false, &clean, err) < 0)
		return -EINVAL;
	struct spool_member *m = spool_lookup(sp, clean);
	for (int hops = 0; m && m->kind == SPOOL_LINK; hops++) {
		if (hops >= MAX_LINK_HOPS)
			return berth_error_fail(err, ELOOP, "archive member '%.*s': too many links",
						QUOTE_MAX, name);
		m = spool_lookup(sp, m->target);
	}
	if (!m)
		return berth_error_fail(err, ENOENT, "archive has no file '%.*s'", QUOTE_MAX, name);
	*ret = m;
	return 0;
}

int archive_spool_read_all(struct archive_spool *sp, const char *name, size_t max, char **ret,
			   size_t *ret_len, berth_error_t **err)
{
	const struct spool_member *m;
	if (archive_spool_find(sp, name, &m, err) < 0)
		return berth_error_codep(err);
	if (m->size < 0 || (uint64_t)m->size > max)
		return berth_error_fail(err, EFBIG, "archive file '%.*s' is larger than %zu bytes",
					QUOTE_MAX, name, max);
	if (m->kind == SPOOL_MEMORY) {
		*ret = xmemdup(m->data, m->len + 1);
		if (ret_len)
			*ret_len = m->len;
		return 0;
	}
	if (content_read_all(sp->cs, &m->digest, max, ret, ret_len, err) < 0)
		return berth_error_wrap(err, "archive file '%.*s'", QUOTE_MAX, name);
	return 0;
}

int archive_spool_store(struct archive_spool *sp, const char *name, struct digest *ret_digest,
			int64_t *ret_size, berth_error_t **err)
{
	const struct spool_member *m;
	if (archive_spool_find(sp, name, &m, err) < 0)
		return berth_error_codep(err);
	if (m->kind == SPOOL_MEMORY &&
	    content_put_buffer(sp->cs, m->data, m->len, &m->digest, NULL, err) < 0)
		return berth_error_wrap(err, "archive file '%.*s'", QUOTE_MAX, name);
	if (ret_digest)
		*ret_digest = m->digest;
	if (ret_size)
		*ret_size = m->size;
	return 0;
}

/* ---- importing ---------------------------------------------------------- */

static void progress(const struct archive_load_options *opts, enum archive_progress_kind kind,
		     const struct digest *id, int64_t current, int64_t total)
{
	if (!opts || !opts->progress)
		return;
	char hex[DIGEST_HEX_LEN + 1];
	digest_format_hex(id, hex);
	hex[12] = '\0';
	struct archive_progress p = {
		.kind = kind,
		.id = hex,
		.current = current,
		.total = total,
	};
	opts->progress(&p, opts->userdata);
}

/* A layer whose chain directory already exists is not unpacked again; its
 * blob is still checked against the diffID, so that the blob kept for save
 * is what the config says.  in->fd stays the caller's. */
static int existing_layer(struct image_store *s, struct archive_layer_in *in,
			  const struct digest *diff_id, struct image_layer *l, berth_error_t **err)
{
	struct content_store *cs = image_store_content(s);
	cleanup_close int store_fd = -1;
	int fd = in->fd; /* not owned: in->fd, or store_fd once copied */
	if (!in->in_store) {
		/* copy into the content store first */
		cleanup_content_writer struct content_writer *w = NULL;
		if (content_writer_begin(cs, in->has_digest ? &in->blob_digest : NULL,
					 in->blob_size, &w, err) < 0 ||
		    content_writer_write_fd(w, in->fd, err) < 0)
			return berth_error_codep(err);
		if (content_writer_commit(w, &in->blob_digest, err) < 0)
			return berth_error_codep(err);
		in->blob_size = content_writer_size(w);
		in->has_digest = true;
		in->in_store = true;
		store_fd = content_open_read(cs, &in->blob_digest, err);
		if (store_fd < 0)
			return berth_error_codep(err);
		fd = store_fd;
	}
	struct digest got;
	if (digest_equal(&in->blob_digest, diff_id)) {
		got = in->blob_digest;
	} else {
		if (lseek(fd, 0, SEEK_SET) < 0)
			return berth_error_set(err, errno, "seek '%s'", in->name);
		if (layer_blob_diff_id(fd, &got, err) < 0)
			return berth_error_codep(err);
	}
	if (digest_verify(diff_id, &got, "diffID", err) < 0)
		return berth_error_codep(err);
	l->diff_id = *diff_id;
	l->size = -1;
	return 0;
}

static int import_layer(struct image_store *s, const struct archive_load_options *opts,
			const struct archive_image_in *in, size_t i, const struct digest *diff_id,
			const struct digest *chain, const struct digest *parent,
			struct image_layer *ret, berth_error_t **err)
{
	struct archive_layer_in li = { .fd = -1, .blob_size = -1 };
	int r = in->open_layer(in->userdata, i, &li, err);
	cleanup_close int fd = li.fd;
	cleanup_free char *name = li.name;
	if (r < 0)
		return r;
	const char *mt = li.media_type ? li.media_type : layer_blob_media_type(fd);
	struct image_layer l = { 0 };

	if (layer_store_exists(image_store_layers(s), chain)) {
		progress(opts, ARCHIVE_PROGRESS_LAYER_EXISTS, chain, li.blob_size, li.blob_size);
		r = existing_layer(s, &li, diff_id, &l, err);
		if (r < 0)
			return berth_error_wrap(err, "layer '%s'", name);
		l.chain_id = *chain;
	} else {
		progress(opts, ARCHIVE_PROGRESS_LAYER, chain, 0, li.blob_size);
		enum image_layer_flags f = li.in_store ? 0 : IMAGE_LAYER_KEEP_BLOB;
		if (image_store_put_layer(s, parent, fd, diff_id, mt, f, &l, err) < 0)
			return berth_error_wrap(err, "layer '%s'", name);
		if (!li.in_store && li.has_digest &&
		    !digest_equal(&l.blob_digest, &li.blob_digest)) {
			image_layer_release(&l);
			char what[QUOTE_MAX + 16];
			snprintf(what, sizeof(what), "layer '%.*s'", QUOTE_MAX, name);
			return digest_verify(&li.blob_digest, &l.blob_digest, what, err);
		}
		if (!li.in_store && li.blob_size >= 0 && l.blob_size != li.blob_size) {
			image_layer_release(&l);
			return berth_error_fail(err, EINVAL,
						"layer '%s': size %" PRId64 " is not the %" PRId64
						" bytes the manifest says",
						name, l.blob_size, li.blob_size);
		}
		progress(opts, ARCHIVE_PROGRESS_LAYER, chain, li.blob_size, li.blob_size);
	}
	if (li.in_store) {
		l.has_blob = true;
		l.blob_digest = li.blob_digest;
		l.blob_size = li.blob_size;
		free(l.blob_media_type);
		l.blob_media_type = xstrdup(mt);
	}
	*ret = l;
	return 0;
}

int archive_import_image(struct image_store *s, const struct archive_load_options *opts,
			 const struct archive_image_in *in, struct archive_loaded *loaded,
			 berth_error_t **err)
{
	cleanup_oci_image_config struct oci_image_config *config = NULL;
	if (oci_image_config_parse(in->config, in->config_len, &config, err) < 0)
		return berth_error_wrap(err, "config '%s'", in->config_name);
	if (in->config_digest &&
	    digest_verify(in->config_digest, &config->raw.digest, "config", err) < 0)
		return berth_error_wrap(err, "config '%s'", in->config_name);
	if (config->n_diff_ids != in->n_layers)
		return berth_error_fail(err, EINVAL,
					"config '%s' lists %zu layers (rootfs.diff_ids) but the "
					"manifest has %zu",
					in->config_name, config->n_diff_ids, in->n_layers);

	size_t n = in->n_layers;
	cleanup_free struct digest *chains = xcalloc(n ? n : 1, sizeof(*chains));
	oci_image_chain_ids(config->diff_ids, n, chains);
	struct image_layer *layers = xcalloc(n ? n : 1, sizeof(*layers));
	size_t done = 0;
	int r = 0;
	for (; done < n; done++) {
		r = import_layer(s, opts, in, done, &config->diff_ids[done], &chains[done],
				 done ? &chains[done - 1] : NULL, &layers[done], err);
		if (r < 0)
			goto out;
	}

	struct content_store *cs = image_store_content(s);
	struct digest config_digest;
	r = content_put_buffer(cs, in->config, in->config_len, NULL, &config_digest, err);
	if (r < 0)
		goto out;
	struct image_add add = {
		.config_digest = config_digest,
		.layers = layers,
		.n_layers = n,
		.tags = in->tags,
		.n_tags = in->n_tags,
	};
	if (in->manifest) {
		r = content_put_buffer(cs, in->manifest, in->manifest_len, NULL,
				       &add.manifest_digest, err);
		if (r < 0)
			goto out;
		add.has_manifest = true;
		add.manifest_media_type = in->manifest_media_type;
	}
	struct digest id;
	r = image_store_add(s, &add, &id, NULL, err);
	if (r < 0)
		goto out;

	if (loaded) {
		loaded->v = xgrow(loaded->v, &loaded->alloc, loaded->n + 1, sizeof(*loaded->v));
		struct archive_loaded_image *li = &loaded->v[loaded->n++];
		memset(li, 0, sizeof(*li));
		li->image_id = id;
		li->manifest_digest = add.manifest_digest;
		li->refs = xcalloc(in->n_tags + 1, sizeof(char *));
	}
	for (size_t i = 0; i < in->n_tags; i++) {
		cleanup_image_ref struct image_ref *ref = NULL;
		cleanup_free char *full = NULL, *familiar = NULL;
		if (image_ref_parse(in->tags[i], &ref, NULL) == 0) {
			image_ref_with_default_tag(ref);
			full = image_ref_string(ref);
			familiar = image_ref_familiar(ref);
		} else {
			full = xstrdup(in->tags[i]);
		}
		if (opts && opts->progress) {
			struct archive_progress p = { .kind = ARCHIVE_PROGRESS_LOADED,
						      .ref = familiar ? familiar : full,
						      .image_id = &id };
			opts->progress(&p, opts->userdata);
		}
		if (loaded) {
			struct archive_loaded_image *li = &loaded->v[loaded->n - 1];
			li->refs[li->n_refs++] = steal_pointer(&full);
		}
	}
	if (in->n_tags == 0 && opts && opts->progress) {
		struct archive_progress p = { .kind = ARCHIVE_PROGRESS_LOADED, .image_id = &id };
		opts->progress(&p, opts->userdata);
	}
out:
	for (size_t i = 0; i < done && i < n; i++)
		image_layer_release(&layers[i]);
	free(layers);
	return r;
}

/* ---- saving ------------------------------------------------------------- */

static void save_image_release(struct archive_save_image *im)
{
	image_info_free(im->info);
	free(im->config);
	free(im->manifest);
	for (size_t i = 0; i < im->n_tags; i++)
		free(im->tags[i]);
	free(im->tags);
}

void archive_save_set_release(struct archive_save_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		save_image_release(&set->v[i]);
	free(set->v);
	memset(set, 0, sizeof(*set));
}

static const char *oci_layer_type(const char *mt)
{
	enum oci_compression c = OCI_COMPRESSION_NONE;
	if (!mt || !oci_media_type_layer_info(mt, &c, NULL))
		return OCI_MT_LAYER;
	switch (c) {
	case OCI_COMPRESSION_GZIP:
		return OCI_MT_LAYER_GZIP;
	case OCI_COMPRESSION_ZSTD:
		return OCI_MT_LAYER_ZSTD;
	case OCI_COMPRESSION_NONE:
		break;
	}
	return OCI_MT_LAYER;
}

/* An OCI manifest for the image: the stored one when it is OCI, else one
 * made from the config and the layer blobs */
static int save_manifest(struct image_store *s, struct archive_save_image *im, berth_error_t **err)
{
	struct content_store *cs = image_store_content(s);
	struct image_info *info = im->info;
	if (info->has_manifest && info->manifest_media_type &&
	    strcmp(info->manifest_media_type, OCI_MT_MANIFEST) == 0 &&
	    content_read_all(cs, &info->manifest_digest, OCI_IMAGE_MANIFEST_MAX_SIZE, &im->manifest,
			     &im->manifest_len, NULL) == 0) {
		im->manifest_digest = info->manifest_digest;
		return 0;
	}
	struct oci_image_manifest m = { 0 };
	m.schema_version = 2;
	m.media_type = xstrdup(OCI_MT_MANIFEST);
	m.config.media_type = xstrdup(OCI_MT_CONFIG);
	m.config.digest = im->id;
	m.config.size = (int64_t)im->config_len;
	m.layers = xcalloc(info->n_layers ? info->n_layers : 1, sizeof(*m.layers));
	m.n_layers = info->n_layers;
	int r = 0;
	for (size_t i = 0; i < info->n_layers; i++) {
		const struct image_layer *l = &info->layers[i];
		if (!l->has_blob) {
			char d[DIGEST_STR_SIZE];
			digest_format(&l->diff_id, d);
			r = berth_error_fail(err, ENOTSUP, "layer %s has no blob to save", d);
			break;
		}
		m.layers[i].media_type = xstrdup(oci_layer_type(l->blob_media_type));
		m.layers[i].digest = l->blob_digest;
		m.layers[i].size = l->blob_size;
	}
	if (r == 0) {
		oci_image_manifest_seal(&m);
		im->manifest = steal_pointer(&m.raw.raw);
		im->manifest_len = m.raw.raw_len;
		im->manifest_digest = m.raw.digest;
	}
	/* release the members of the stack-allocated manifest */
	struct oci_image_manifest *heap = xmemdup(&m, sizeof(m));
	oci_image_manifest_free(heap);
	return r;
}

static void add_tag(struct archive_save_image *im, const char *full)
{
	for (size_t i = 0; i < im->n_tags; i++)
		if (strcmp(im->tags[i], full) == 0)
			return;
	im->tags = xreallocarray(im->tags, im->n_tags + 2, sizeof(char *));
	im->tags[im->n_tags++] = xstrdup(full);
	im->tags[im->n_tags] = NULL;
}

int archive_save_set_resolve(struct image_store *s, const char *const *names, size_t n,
			     struct archive_save_set *ret, berth_error_t **err)
{
	for (size_t i = 0; i < n; i++) {
		struct digest id;
		if (image_store_resolve(s, names[i], &id, err) < 0)
			return berth_error_codep(err);
		/* a name (not an ID) adds its tag */
		cleanup_free char *tag = NULL;
		cleanup_image_ref struct image_ref *ref = NULL;
		if (!image_id_is_full(names[i]) && image_ref_parse(names[i], &ref, NULL) == 0 &&
		    !ref->has_digest) {
			image_ref_with_default_tag(ref);
			tag = image_ref_string(ref);
		}
		struct archive_save_image *im = NULL;
		for (size_t j = 0; j < ret->n; j++)
			if (digest_equal(&ret->v[j].id, &id))
				im = &ret->v[j];
		if (!im) {
			ret->v = xgrow(ret->v, &ret->alloc, ret->n + 1, sizeof(*ret->v));
			im = &ret->v[ret->n++];
			memset(im, 0, sizeof(*im));
			im->id = id;
			im->tags = xcalloc(1, sizeof(char *));
			if (image_store_get(s, &id, &im->info, err) < 0 ||
			    content_read_all(image_store_content(s), &id, OCI_IMAGE_CONFIG_MAX_SIZE,
					     &im->config, &im->config_len, err) < 0 ||
			    save_manifest(s, im, err) < 0)
				return berth_error_wrap(err, "save '%s'", names[i]);
		}
		/* a tag only when the store has it (an ID prefix can look like a name) */
		if (tag) {
			for (size_t k = 0; k < im->info->n_repo_tags; k++)
				if (strcmp(im->info->repo_tags[k], tag) == 0)
					add_tag(im, tag);
		}
	}
	return 0;
}

void archive_save_set_blobs(const struct archive_save_set *set, struct archive_blob_ref **ret,
			    size_t *ret_n)
{
	struct archive_blob_ref *v = NULL;
	size_t nv = 0, alloc = 0;
	for (size_t i = 0; i < set->n; i++) {
		const struct archive_save_image *im = &set->v[i];
		size_t nl = im->info->n_layers;
		for (size_t k = 0; k < nl + 2; k++) {
			struct archive_blob_ref b = { 0 };
			if (k == 0) {
				b.digest = im->id;
				b.size = (int64_t)im->config_len;
			} else if (k == 1) {
				b.digest = im->manifest_digest;
				b.size = (int64_t)im->manifest_len;
			} else {
				b.digest = im->info->layers[k - 2].blob_digest;
				b.size = im->info->layers[k - 2].blob_size;
				b.is_layer = true;
			}
			bool dup = false;
			for (size_t j = 0; j < nv && !dup; j++)
				dup = digest_equal(&v[j].digest, &b.digest);
			if (dup)
				continue;
			v = xgrow(v, &alloc, nv + 1, sizeof(*v));
			v[nv++] = b;
		}
	}
	*ret = v;
	*ret_n = nv;
}

json_t *archive_save_index_json(const struct archive_save_set *set)
{
	json_t *manifests = json_array();
	for (size_t i = 0; i < set->n; i++) {
		const struct archive_save_image *im = &set->v[i];
		char d[DIGEST_STR_SIZE];
		digest_format(&im->manifest_digest, d);
		for (size_t k = 0; k < (im->n_tags ? im->n_tags : 1); k++) {
			json_t *e = json_pack("{s:s, s:s, s:I}", "mediaType", OCI_MT_MANIFEST,
					      "digest", d, "size", (json_int_t)im->manifest_len);
			if (im->n_tags) {
				cleanup_image_ref struct image_ref *ref = NULL;
				const char *tag = "latest";
				if (image_ref_parse(im->tags[k], &ref, NULL) == 0 && ref->tag)
					tag = ref->tag;
				json_object_set_new(e, "annotations",
						    json_pack("{s:s, s:s}",
							      ARCHIVE_ANNOTATION_CONTAINERD_NAME,
							      im->tags[k],
							      ARCHIVE_ANNOTATION_REF_NAME, tag));
			}
			json_array_append_new(manifests, e);
		}
	}
	return json_pack("{s:i, s:s, s:o}", "schemaVersion", 2, "mediaType", OCI_MT_INDEX,
			 "manifests", manifests);
}

/* ---- tar writing -------------------------------------------------------- */

static int tar_wfail(struct archive *a, const char *what, berth_error_t **err)
{
	int e = archive_errno(a);
	const char *msg = archive_error_string(a);
	return berth_error_fail(err, e > 0 ? e : EIO, "%s: %s", what, msg ? msg : "write failed");
}

int archive_tar_open(int fd, struct archive **ret, berth_error_t **err)
{
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	archive_write_set_bytes_in_last_block(a, 1);
	if (archive_write_open_fd(a, fd) != ARCHIVE_OK) {
		int r = tar_wfail(a, "open archive for writing", err);
		archive_write_free(a);
		return r;
	}
	*ret = a;
	return 0;
}

static struct archive_entry *new_entry(const char *name, mode_t type, mode_t perm, int64_t size)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_size(e, size);
	archive_entry_set_mtime(e, 0, 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	return e;
}

int archive_tar_add_dir(struct archive *a, const char *name, berth_error_t **err)
{
	struct archive_entry *e = new_entry(name, AE_IFDIR, 0755, 0);
	int r = archive_write_header(a, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return tar_wfail(a, name, err);
	return 0;
}

int archive_tar_add_buffer(struct archive *a, const char *name, const void *data, size_t len,
			   berth_error_t **err)
{
	struct archive_entry *e = new_entry(name, AE_IFREG, 0644, (int64_t)len);
	int r = archive_write_header(a, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return tar_wfail(a, name, err);
	if (len && archive_write_data(a, data, len) != (la_ssize_t)len)
		return tar_wfail(a, name, err);
	return 0;
}

int archive_tar_add_blob(struct archive *a, struct content_store *cs, const char *name,
			 const struct digest *d, berth_error_t **err)
{
	cleanup_close int fd = content_open_read(cs, d, err);
	if (fd < 0)
		return fd;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return berth_error_set(err, errno, "stat blob for '%s'", name);
	struct archive_entry *e = new_entry(name, AE_IFREG, 0644, st.st_size);
	int r = archive_write_header(a, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return tar_wfail(a, name, err);
	cleanup_free char *buf = xmalloc(IO_BUF_SIZE);
	int64_t left = st.st_size;
	while (left > 0) {
		ssize_t n = read(fd, buf, IO_BUF_SIZE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berth_error_set(err, errno, "read blob for '%s'", name);
		if (n == 0)
			return berth_error_fail(err, EIO, "blob for '%s' shrank while saving",
						name);
		if (archive_write_data(a, buf, (size_t)n) != n)
			return tar_wfail(a, name, err);
		left -= n;
	}
	return 0;
}

int archive_tar_add_set_blobs(struct archive *a, struct image_store *s,
			      const struct archive_save_set *set, archive_progress_fn fn,
			      void *userdata, berth_error_t **err)
{
	if (archive_tar_add_dir(a, "blobs", err) < 0 ||
	    archive_tar_add_dir(a, "blobs/sha256", err) < 0)
		return berth_error_codep(err);
	cleanup_free struct archive_blob_ref *blobs = NULL;
	size_t n = 0;
	archive_save_set_blobs(set, &blobs, &n);
	for (size_t i = 0; i < n; i++) {
		char hex[DIGEST_HEX_LEN + 1];
		digest_format_hex(&blobs[i].digest, hex);
		cleanup_free char *name = xasprintf("blobs/sha256/%s", hex);
		/* manifests we made are not in the store: write them from memory */
		const struct archive_save_image *own = NULL;
		for (size_t j = 0; j < set->n && !own; j++)
			if (digest_equal(&set->v[j].manifest_digest, &blobs[i].digest))
				own = &set->v[j];
		int r;
		if (own)
			r = archive_tar_add_buffer(a, name, own->manifest, own->manifest_len, err);
		else
			r = archive_tar_add_blob(a, image_store_content(s), name, &blobs[i].digest,
						 err);
		if (r < 0)
			return r;
		if (blobs[i].is_layer && fn) {
			hex[12] = '\0';
			struct archive_progress p = { .kind = ARCHIVE_PROGRESS_SAVED_LAYER,
						      .id = hex,
						      .current = blobs[i].size,
						      .total = blobs[i].size };
			fn(&p, userdata);
		}
	}
	return 0;
}

int archive_tar_close(struct archive *a, berth_error_t **err)
{
	if (archive_write_close(a) != ARCHIVE_OK)
		return tar_wfail(a, "finish archive", err);
	return 0;
}

void archive_tar_free(struct archive *a)
{
	if (a)
		archive_write_free(a);
}
