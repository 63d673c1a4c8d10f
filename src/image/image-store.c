/* image-store: opening the store, putting layers, adding images, name
 * resolution, tags, container records and `rmi` with docker's rules (moby
 * daemon/images/image_delete.go).  Invariant: blobs and layer dirs are
 * complete on disk before the transaction that references them commits;
 * layer dirs and blobs are removed only after the transaction that
 * dropped their last reference committed. */
#include "image/image-store-internal.h"

#include <archive.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"

#include "common/banned.h"

#define COPY_BUF_SIZE (256u << 10)
/* Deepest directory tree walked when sizing a layer found without a row */
#define SIZE_WALK_MAX_DEPTH 512

/* ---- small helpers ------------------------------------------------------- */

void image_short_id(const struct digest *id, char out[13])
{
	char hex[DIGEST_HEX_LEN + 1];
	digest_format_hex(id, hex);
	memcpy(out, hex, 12);
	out[12] = '\0';
}

char *image_familiar(const char *full)
{
	cleanup_image_ref struct image_ref *ref = NULL;
	if (image_ref_parse_strict(full, &ref, NULL) < 0)
		return xstrdup(full);
	return image_ref_familiar(ref);
}

static int parse_digits(const char **p, int n, int *ret)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*ret = v;
	return 0;
}

int64_t image_parse_time_ns(const char *s)
{
	if (!s)
		return -1;
	const char *p = s;
	int y, mo, d, h, mi, sec;
	if (parse_digits(&p, 4, &y) < 0 || *p++ != '-' || parse_digits(&p, 2, &mo) < 0 ||
	    *p++ != '-' || parse_digits(&p, 2, &d) < 0 || (*p != 'T' && *p != 't' && *p != ' '))
		return -1;
	p++;
	if (parse_digits(&p, 2, &h) < 0 || *p++ != ':' || parse_digits(&p, 2, &mi) < 0 ||
	    *p++ != ':' || parse_digits(&p, 2, &sec) < 0)
		return -1;
	int64_t frac = 0;
	if (*p == '.') {
		p++;
		int digits = 0;
		while (*p >= '0' && *p <= '9') {
			if (digits < 9) {
				frac = frac * 10 + (*p - '0');
				digits++;
			}
			p++;
		}
		if (digits == 0)
			return -1;
		while (digits++ < 9)
			frac *= 10;
	}
	int64_t offset = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1, oh, om;
		if (parse_digits(&p, 2, &oh) < 0 || *p++ != ':' || parse_digits(&p, 2, &om) < 0)
			return -1;
		offset = sign * (oh * 3600 + om * 60);
	} else {
		return -1;
	}
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	struct tm tm = { .tm_year = y - 1900,
			 .tm_mon = mo - 1,
			 .tm_mday = d,
			 .tm_hour = h,
			 .tm_min = mi,
			 .tm_sec = sec };
	time_t t = timegm(&tm);
	return ((int64_t)t - offset) * 1000000000 + frac;
}

char *image_format_time_ns(int64_t ns)
{
	if (ns <= 0)
		return xstrdup("0001-01-01T00:00:00Z");
	time_t t = (time_t)(ns / 1000000000);
	long frac = (long)(ns % 1000000000);
	struct tm tm;
	gmtime_r(&t, &tm);
	char base[64];
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	if (frac == 0)
		return xasprintf("%sZ", base);
	char f[16];
	snprintf(f, sizeof(f), "%09ld", frac);
	size_t n = strlen(f);
	while (n > 0 && f[n - 1] == '0')
		f[--n] = '\0';
	return xasprintf("%s.%sZ", base, f);
}

void image_layer_release(struct image_layer *l)
{
	if (!l)
		return;
	free(l->blob_media_type);
	memset(l, 0, sizeof(*l));
}

void image_tag_moves_release(struct image_tag_moves *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].ref);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

void image_info_free(struct image_info *info)
{
	if (!info)
		return;
	free(info->manifest_media_type);
	for (size_t i = 0; i < info->n_layers; i++)
		image_layer_release(&info->layers[i]);
	free(info->layers);
	cleanup_strvp(&info->repo_tags);
	cleanup_strvp(&info->repo_digests);
	free(info);
}

/* ---- open ---------------------------------------------------------------- */

int image_store_open(const char *root, enum image_store_flags flags, struct image_store **ret,
		     berth_error_t **err)
{
	if (mkdir(root, 0711) < 0 && errno != EEXIST)
		return berth_error_set(err, errno, "open image store: mkdir '%s'", root);
	struct image_store *s = xzalloc(sizeof(*s));
	s->root = xstrdup(root);
	s->flags = flags;
	cleanup_free char *db = xasprintf("%s/berth.db", root);
	if (content_store_open(root, NULL, &s->content, err) < 0 ||
	    layer_store_open(root, (flags & IMAGE_STORE_NO_SYNC) ? LAYER_STORE_NO_SYNC : 0,
			     &s->layers, err) < 0 ||
	    metadata_open(db, (flags & IMAGE_STORE_NO_SYNC) ? METADATA_NO_SYNC : 0, &s->md, err) <
		    0) {
		image_store_free(s);
		return berth_error_wrap(err, "open image store '%s'", root);
	}
	*ret = s;
	return 0;
}

void image_store_free(struct image_store *s)
{
	if (!s)
		return;
	metadata_free(s->md);
	layer_store_free(s->layers);
	content_store_free(s->content);
	free(s->root);
	free(s);
}

const char *image_store_root(const struct image_store *s)
{
	return s->root;
}

struct content_store *image_store_content(struct image_store *s)
{
	return s->content;
}

struct layer_store *image_store_layers(struct image_store *s)
{
	return s->layers;
}

/* ---- layers -------------------------------------------------------------- */

static int64_t dir_size(int dirfd, int depth)
{
	cleanup_dir DIR *d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return 0;
	}
	int64_t total = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		struct stat st;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISREG(st.st_mode)) {
			total += st.st_size;
		} else if (S_ISDIR(st.st_mode) && depth < SIZE_WALK_MAX_DEPTH) {
			int fd = openat(dirfd, de->d_name,
					O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0)
				total += dir_size(fd, depth + 1);
		}
	}
	return total;
}

int64_t image_dir_size(int dirfd)
{
	return dir_size(dirfd, 0);
}

static int64_t layer_size(struct image_store *s, const struct digest *chain, berth_error_t **err)
{
	int64_t size;
	int r = metadata_layer_size(s->md, chain, &size, err);
	if (r < 0)
		return -1;
	if (r > 0)
		return size;
	cleanup_free char *path = layer_store_diff_path(s->layers, chain);
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berth_error_set(err, errno, "open layer '%s'", path);
	return dir_size(fd, 0);
}

static bool is_compressed(const unsigned char *b, size_t n)
{
	static const unsigned char gz[] = { 0x1f, 0x8b }, zst[] = { 0x28, 0xb5, 0x2f, 0xfd },
				   xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 },
				   bz[] = { 'B', 'Z', 'h' };
	return (n >= sizeof(gz) && memcmp(b, gz, sizeof(gz)) == 0) ||
	       (n >= sizeof(zst) && memcmp(b, zst, sizeof(zst)) == 0) ||
	       (n >= sizeof(xz) && memcmp(b, xz, sizeof(xz)) == 0) ||
	       (n >= sizeof(bz) && memcmp(b, bz, sizeof(bz)) == 0);
}

/* The OCI layer type for a blob's first bytes */
static const char *guess_media_type(const unsigned char *b, size_t n)
{
	if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b)
		return OCI_MT_LAYER_GZIP;
	if (n >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd)
		return OCI_MT_LAYER_ZSTD;
	return OCI_MT_LAYER;
}

/* sha256 of the decompressed stream read from fd (libarchive's raw format
 * runs only the decompression filters) */
static int decompressed_digest(int fd, struct digest *ret, berth_error_t **err)
{
	struct archive *a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	int r = -1;
	struct archive_entry *e;
	cleanup_hasher struct digest_hasher *h = digest_hasher_new();
	cleanup_free char *buf = xmalloc(COPY_BUF_SIZE);
	if (archive_read_open_fd(a, fd, COPY_BUF_SIZE) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK) {
		r = berth_error_fail(err, EINVAL, "decompress layer: %s", archive_error_string(a));
		goto out;
	}
	for (;;) {
		la_ssize_t n = archive_read_data(a, buf, COPY_BUF_SIZE);
		if (n < 0) {
			r = berth_error_fail(err, EINVAL, "decompress layer: %s",
					     archive_error_string(a));
			goto out;
		}
		if (n == 0)
			break;
		digest_hasher_update(h, buf, (size_t)n);
	}
	digest_hasher_final(h, ret);
	r = 0;
out:
	archive_read_free(a);
	return r;
}

/* Copy fd to a new content blob; *ret_fd is the blob opened for reading */
static int keep_blob(struct image_store *s, int fd, struct digest *ret_digest, int64_t *ret_size,
		     berth_error_t **err)
{
	cleanup_content_writer struct content_writer *w = NULL;
	if (content_writer_begin(s->content, NULL, -1, &w, err) < 0)
		return -1;
	cleanup_free char *buf = xmalloc(COPY_BUF_SIZE);
	for (;;) {
		ssize_t n = read(fd, buf, COPY_BUF_SIZE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berth_error_set(err, errno, "read layer");
		if (n == 0)
			break;
		if (content_writer_write(w, buf, (size_t)n, err) < 0)
			return -1;
	}
	*ret_size = content_writer_size(w);
	if (content_writer_commit(w, ret_digest, err) < 0)
		return -1;
	return 0;
}

/* Copy fd into an unnamed temp file under the data root, for a second pass */
static int spool(struct image_store *s, int fd, berth_error_t **err)
{
	cleanup_close int tfd = open(s->root, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (tfd < 0)
		return berth_error_set(err, errno, "create temp file in '%s'", s->root);
	cleanup_free char *buf = xmalloc(COPY_BUF_SIZE);
	for (;;) {
		ssize_t n = read(fd, buf, COPY_BUF_SIZE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berth_error_set(err, errno, "read layer");
		if (n == 0)
			break;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(tfd, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return berth_error_set(err, errno, "write temp file");
			off += w;
		}
	}
	if (lseek(tfd, 0, SEEK_SET) < 0)
		return berth_error_set(err, errno, "rewind temp file");
	return take_fd(&tfd);
}

static void chain_of(const struct digest *parent, const struct digest *diff_id, struct digest *ret)
{
	if (!parent) {
		*ret = *diff_id;
		return;
	}
	char p[DIGEST_STR_SIZE], d[DIGEST_STR_SIZE];
	digest_format(parent, p);
	digest_format(diff_id, d);
	cleanup_free char *s = xasprintf("%s %s", p, d);
	digest_buffer(s, strlen(s), ret);
}

int image_store_put_layer(struct image_store *s, const struct digest *parent, int fd,
			  const struct digest *expected_diff_id, const char *media_type,
			  enum image_layer_flags flags, struct image_layer *ret,
			  berth_error_t **err)
{
	struct image_layer l = { .size = -1 };
	cleanup_close int data_fd = -1;
	int src = fd;

	if (flags & IMAGE_LAYER_KEEP_BLOB) {
		if (keep_blob(s, fd, &l.blob_digest, &l.blob_size, err) < 0)
			return berth_error_wrap(err, "store layer blob");
		l.has_blob = true;
		metadata_crash_point("blob-written");
		data_fd = content_open_read(s->content, &l.blob_digest, err);
		if (data_fd < 0)
			return -1;
		src = data_fd;
	} else if (!expected_diff_id) {
		data_fd = spool(s, fd, err);
		if (data_fd < 0)
			return -1;
		src = data_fd;
	}

	unsigned char magic[8];
	ssize_t n_magic = 0;
	if (!expected_diff_id || (l.has_blob && !media_type)) {
		n_magic = pread(src, magic, sizeof(magic), 0);
		if (n_magic < 0)
			return berth_error_set(err, errno, "read layer");
	}
	if (l.has_blob && !media_type)
		media_type = guess_media_type(magic, (size_t)n_magic);
	if (expected_diff_id) {
		l.diff_id = *expected_diff_id;
	} else {
		if (is_compressed(magic, (size_t)n_magic)) {
			if (decompressed_digest(src, &l.diff_id, err) < 0)
				return -1;
		} else if (l.has_blob) {
			l.diff_id = l.blob_digest; /* an uncompressed tar is its own diff */
		} else {
			size_t sz;
			if (digest_fd(src, &l.diff_id, &sz, err) < 0)
				return -1;
		}
		if (lseek(src, 0, SEEK_SET) < 0)
			return berth_error_set(err, errno, "rewind layer");
	}
	chain_of(parent, &l.diff_id, &l.chain_id);

	char name[DIGEST_STR_SIZE];
	digest_format(l.has_blob ? &l.blob_digest : &l.diff_id, name);
	struct layer_unpack_options opts = { .diff_id = &l.diff_id, .name = name };
	struct layer_unpack_result res;
	int created = layer_store_ensure(s->layers, &l.chain_id, parent, src, &opts, &res, err);
	if (created < 0)
		return -1;
	metadata_crash_point("layer-unpacked");
	if (created) {
		l.size = (int64_t)res.content_size;
	} else {
		l.size = layer_size(s, &l.chain_id, err);
		if (l.size < 0)
			return -1;
	}
	if (l.has_blob)
		l.blob_media_type = xstrdup(media_type);
	*ret = l;
	return 0;
}

/* ---- adding images -------------------------------------------------------- */

/* A user's reference in stored form: *ret_full "docker.io/library/x:tag"
 * (or "…@sha256:…" with *ret_kind METADATA_REF_DIGEST), *ret_repo its name */
static int normalise_ref(const char *name, char **ret_full, char **ret_repo,
			 enum metadata_ref_kind *ret_kind, berth_error_t **err)
{
	cleanup_image_ref struct image_ref *ref = NULL;
	if (image_ref_parse(name, &ref, err) < 0)
		return -1;
	enum metadata_ref_kind kind = METADATA_REF_TAG;
	if (ref->has_digest) {
		/* docker keys a digest reference by name@digest alone */
		image_ref_set_tag(ref, NULL, NULL);
		kind = METADATA_REF_DIGEST;
	} else {
		image_ref_with_default_tag(ref);
	}
	*ret_full = image_ref_string(ref);
	*ret_repo = image_ref_name(ref);
	*ret_kind = kind;
	return 0;
}

static int check_add(struct image_store *s, const struct image_add *add,
		     struct oci_image_config **ret_config, berth_error_t **err)
{
	char id[DIGEST_STR_SIZE];
	digest_format(&add->config_digest, id);
	cleanup_free char *buf = NULL;
	size_t len;
	if (content_read_all(s->content, &add->config_digest, OCI_IMAGE_CONFIG_MAX_SIZE, &buf, &len,
			     err) < 0)
		return berth_error_wrap(err, "image config %s", id);
	cleanup_oci_image_config struct oci_image_config *c = NULL;
	if (oci_image_config_parse(buf, len, &c, err) < 0)
		return berth_error_wrap(err, "image config %s", id);
	if (c->n_diff_ids != add->n_layers)
		return berth_error_fail(err, EINVAL,
					"image config %s lists %zu layers, but %zu were given", id,
					c->n_diff_ids, add->n_layers);
	if (add->n_layers > 0) {
		cleanup_free struct digest *chains = xcalloc(add->n_layers, sizeof(struct digest));
		oci_image_chain_ids(c->diff_ids, c->n_diff_ids, chains);
		for (size_t i = 0; i < add->n_layers; i++) {
			char want[DIGEST_STR_SIZE];
			digest_format(&c->diff_ids[i], want);
			if (!digest_equal(&c->diff_ids[i], &add->layers[i].diff_id) ||
			    !digest_equal(&chains[i], &add->layers[i].chain_id))
				return berth_error_fail(err, EINVAL,
							"image config %s: layer %zu is not %s", id,
							i, want);
			if (!layer_store_exists(s->layers, &chains[i]))
				return berth_error_fail(err, ENOENT,
							"image config %s: layer %s is missing", id,
							want);
			if (add->layers[i].has_blob &&
			    !content_has(s->content, &add->layers[i].blob_digest, NULL))
				return berth_error_fail(err, ENOENT,
							"image config %s: layer blob %zu is missing",
							id, i);
		}
	}
	if (add->has_manifest && !content_has(s->content, &add->manifest_digest, NULL)) {
		char m[DIGEST_STR_SIZE];
		digest_format(&add->manifest_digest, m);
		return berth_error_fail(err, ENOENT, "manifest %s is missing", m);
	}
	*ret_config = steal_pointer(&c);
	return 0;
}

/* Point a normalised ref at id inside the caller's transaction; records
 * a move in moves (may be NULL) */
static int set_ref(struct image_store *s, const char *name, const struct digest *id,
		   struct image_tag_moves *moves, struct digest *ret_old, berth_error_t **err)
{
	cleanup_free char *full = NULL, *repo = NULL;
	enum metadata_ref_kind kind;
	if (normalise_ref(name, &full, &repo, &kind, err) < 0)
		return -1;
	struct digest old;
	int moved = metadata_ref_set(s->md, kind, full, repo, id, &old, err);
	if (moved < 0)
		return -1;
	if (kind == METADATA_REF_TAG && metadata_image_touch_tag_time(s->md, id, err) < 0)
		return -1;
	if (moved) {
		if (moves) {
			moves->v = xgrow(moves->v, &moves->alloc, moves->n + 1, sizeof(*moves->v));
			moves->v[moves->n].ref = image_familiar(full);
			moves->v[moves->n].old_id = old;
			moves->n++;
		}
		if (ret_old)
			*ret_old = old;
	}
	return moved;
}

int image_store_add(struct image_store *s, const struct image_add *add, struct digest *ret_id,
		    struct image_tag_moves *moves, berth_error_t **err)
{
	cleanup_oci_image_config struct oci_image_config *c = NULL;
	if (check_add(s, add, &c, err) < 0)
		return berth_error_wrap(err, "add image");

	cleanup_free struct image_layer *layers = NULL;
	int64_t total = 0;
	if (add->n_layers > 0) {
		layers = xmemdup(add->layers, add->n_layers * sizeof(*layers));
		for (size_t i = 0; i < add->n_layers; i++) {
			if (layers[i].size < 0)
				layers[i].size = layer_size(s, &layers[i].chain_id, err);
			if (layers[i].size < 0)
				return berth_error_wrap(err, "add image");
			total += layers[i].size;
		}
	}
	int64_t created_ns = image_parse_time_ns(c->created);
	struct metadata_image img = {
		.id = add->config_digest,
		.has_manifest = add->has_manifest,
		.manifest_digest = add->manifest_digest,
		.manifest_media_type = add->manifest_media_type,
		.has_parent = add->parent != NULL,
		.created = created_ns > 0 ? created_ns / 1000000000 : 0,
		.size = total,
	};
	if (add->parent)
		img.parent = *add->parent;

	struct image_tag_moves mv = { 0 };
	if (metadata_begin(s->md, err) < 0)
		return berth_error_wrap(err, "add image");
	int exists = metadata_image_exists(s->md, &add->config_digest, err);
	if (exists < 0)
		goto fail;
	if (!exists && metadata_image_insert(s->md, &img, layers, add->n_layers, err) < 0)
		goto fail;
	for (size_t i = 0; i < add->n_tags; i++)
		if (set_ref(s, add->tags[i], &add->config_digest, &mv, NULL, err) < 0)
			goto fail;
	if (add->has_manifest) {
		char md[DIGEST_STR_SIZE];
		digest_format(&add->manifest_digest, md);
		for (size_t i = 0; i < add->n_digest_repos; i++) {
			cleanup_free char *name = xasprintf("%s@%s", add->digest_repos[i], md);
			if (set_ref(s, name, &add->config_digest, NULL, NULL, err) < 0)
				goto fail;
		}
	}
	if (metadata_commit(s->md, err) < 0)
		goto fail;
	if (ret_id)
		*ret_id = add->config_digest;
	if (moves)
		*moves = mv;
	else
		image_tag_moves_release(&mv);
	return 0;
fail:
	metadata_rollback(s->md);
	image_tag_moves_release(&mv);
	return berth_error_wrap(err, "add image");
}

/* ---- lookup ---------------------------------------------------------------- */

int image_store_resolve(struct image_store *s, const char *name, struct digest *ret_id,
			berth_error_t **err)
{
	struct digest id;
	if (image_id_is_full(name)) {
		const char *hex = strncmp(name, "sha256:", 7) == 0 ? name + 7 : name;
		if (digest_parse_hex(hex, &id, err) < 0)
			return -1;
		int r = metadata_image_exists(s->md, &id, err);
		if (r < 0)
			return -1;
		if (r == 0)
			return berth_error_fail(err, ENOENT, "No such image: %s", name);
		*ret_id = id;
		return 0;
	}

	cleanup_free char *shown = NULL;
	cleanup_free char *full = NULL, *repo = NULL;
	enum metadata_ref_kind kind;
	cleanup_error berth_error_t *perr = NULL;
	if (normalise_ref(name, &full, &repo, &kind, &perr) == 0) {
		shown = image_familiar(full);
		int r = metadata_ref_get(s->md, kind, full, &id, err);
		if (r < 0)
			return -1;
		if (r > 0) {
			*ret_id = id;
			return 0;
		}
	}
	if (image_id_is_prefix(name)) {
		const char *hex = strncmp(name, "sha256:", 7) == 0 ? name + 7 : name;
		int r = metadata_image_find_prefix(s->md, hex, &id, err);
		if (r < 0)
			return -1;
		if (r > 0) {
			*ret_id = id;
			return 0;
		}
	}
	if (!shown && perr && !image_id_is_prefix(name))
		return berth_error_fail(err, EINVAL, "%s", perr->msg);
	return berth_error_fail(err, ENOENT, "No such image: %s", shown ? shown : name);
}

int image_store_get(struct image_store *s, const struct digest *id, struct image_info **ret,
		    berth_error_t **err)
{
	return metadata_image_get(s->md, id, ret, err);
}

int image_store_read_config(struct image_store *s, const struct digest *id,
			    struct oci_image_config **ret, berth_error_t **err)
{
	char sid[DIGEST_STR_SIZE];
	digest_format(id, sid);
	cleanup_free char *buf = NULL;
	size_t len;
	if (content_read_all(s->content, id, OCI_IMAGE_CONFIG_MAX_SIZE, &buf, &len, err) < 0 ||
	    oci_image_config_parse(buf, len, ret, err) < 0)
		return berth_error_wrap(err, "image config %s", sid);
	return 0;
}

/* ---- tags ------------------------------------------------------------------ */

int image_store_tag(struct image_store *s, const char *source, const char *target,
		    struct digest *ret_moved_from, berth_error_t **err)
{
	struct digest id;
	if (image_store_resolve(s, source, &id, err) < 0)
		return -1;
	cleanup_image_ref struct image_ref *ref = NULL;
	if (image_ref_parse(target, &ref, err) < 0)
		return -1;
	if (ref->has_digest)
		return berth_error_fail(err, EINVAL,
					"refusing to create a tag with a digest reference");
	if (metadata_begin(s->md, err) < 0)
		return berth_error_wrap(err, "tag '%s'", target);
	struct digest old;
	int moved = set_ref(s, target, &id, NULL, &old, err);
	if (moved < 0 || metadata_commit(s->md, err) < 0) {
		metadata_rollback(s->md);
		return berth_error_wrap(err, "tag '%s'", target);
	}
	if (moved && ret_moved_from)
		*ret_moved_from = old;
	return moved;
}

int image_store_untag(struct image_store *s, const char *name, berth_error_t **err)
{
	cleanup_free char *full = NULL, *repo = NULL;
	enum metadata_ref_kind kind;
	if (normalise_ref(name, &full, &repo, &kind, err) < 0)
		return -1;
	if (metadata_begin(s->md, err) < 0)
		return berth_error_wrap(err, "untag '%s'", name);
	int r = metadata_ref_delete(s->md, kind, full, err);
	if (r < 0 || metadata_commit(s->md, err) < 0) {
		metadata_rollback(s->md);
		return berth_error_wrap(err, "untag '%s'", name);
	}
	if (r == 0) {
		cleanup_free char *shown = image_familiar(full);
		return berth_error_fail(err, ENOENT, "No such image: %s", shown);
	}
	return 0;
}

/* ---- containers ------------------------------------------------------------ */

/* Run one change in its own transaction */
#define IN_TRANSACTION(s, err, what, expr)                               \
	do {                                                             \
		if (metadata_begin((s)->md, (err)) < 0)                  \
			return berth_error_wrap((err), "%s", (what));    \
		if ((expr) < 0 || metadata_commit((s)->md, (err)) < 0) { \
			metadata_rollback((s)->md);                      \
			return berth_error_wrap((err), "%s", (what));    \
		}                                                        \
	} while (0)

int image_store_container_add(struct image_store *s, const char *container_id,
			      const struct digest *image_id, const struct digest *top_chain,
			      bool running, berth_error_t **err)
{
	IN_TRANSACTION(s, err, "record container",
		       metadata_container_set(s->md, container_id, image_id, top_chain, running,
					      err));
	return 0;
}

int image_store_container_set_running(struct image_store *s, const char *container_id, bool running,
				      berth_error_t **err)
{
	IN_TRANSACTION(s, err, "update container",
		       metadata_container_set_running(s->md, container_id, running, err));
	return 0;
}

int image_store_container_remove(struct image_store *s, const char *container_id,
				 berth_error_t **err)
{
	struct metadata_chains dropped = { 0 };
	if (metadata_begin(s->md, err) < 0)
		return berth_error_wrap(err, "forget container");
	/* A container may have outlived its image (rmi --force): its layers
	 * go with the record then */
	if (metadata_container_delete(s->md, container_id, err) < 0 ||
	    metadata_layers_delete_unused(s->md, &dropped, err) < 0 ||
	    metadata_commit(s->md, err) < 0) {
		metadata_rollback(s->md);
		metadata_chains_release(&dropped);
		return berth_error_wrap(err, "forget container");
	}
	image_store_drop_layers(s, &dropped);
	metadata_chains_release(&dropped);
	return 0;
}

/* ---- removal --------------------------------------------------------------- */

void image_store_drop_layers(struct image_store *s, const struct metadata_chains *chains)
{
	for (size_t i = 0; i < chains->n; i++) {
		cleanup_error berth_error_t *e = NULL;
		if (layer_store_remove(s->layers, &chains->v[i], &e) < 0)
			log_debug("remove layer: %s, ignoring", e->msg);
	}
}

void image_store_drop_blobs(struct image_store *s, const struct metadata_chains *blobs)
{
	if (blobs->n == 0)
		return;
	struct metadata_chains live = { 0 };
	cleanup_error berth_error_t *e = NULL;
	if (metadata_blobs_live(s->md, &live, &e) < 0) {
		log_debug("list live blobs: %s, ignoring", e->msg);
		return;
	}
	for (size_t i = 0; i < blobs->n; i++) {
		if (metadata_chains_contains(&live, &blobs->v[i]))
			continue;
		if (content_delete(s->content, &blobs->v[i], &e) < 0) {
			log_debug("remove blob: %s, ignoring", e->msg);
			berth_error_release(&e);
		}
	}
	metadata_chains_release(&live);
}

static void add_record(json_t *records, const char *key, const char *value)
{
	json_array_append_new(records, json_pack("{s:s}", key, value));
}

static void add_chain(struct metadata_chains *c, const struct digest *d)
{
	size_t alloc = c->alloc;
	c->v = xgrow(c->v, &c->alloc, c->n + 1, sizeof(*c->v));
	c->sizes = xgrow(c->sizes, &alloc, c->n + 1, sizeof(*c->sizes));
	c->v[c->n] = *d;
	c->sizes[c->n] = 0;
	c->n++;
}

static void append_chains(struct metadata_chains *dst, const struct metadata_chains *src)
{
	for (size_t i = 0; i < src->n; i++) {
		add_chain(dst, &src->v[i]);
		dst->sizes[dst->n - 1] = src->sizes[i];
	}
}

/* Drop every tag and digest of the image, recording Untagged items */
static int remove_all_refs(struct image_store *s, const struct image_info *info, json_t *records,
			   berth_error_t **err)
{
	for (size_t i = 0; i < info->n_repo_tags; i++) {
		if (metadata_ref_delete(s->md, METADATA_REF_TAG, info->repo_tags[i], err) < 0)
			return -1;
		cleanup_free char *f = image_familiar(info->repo_tags[i]);
		add_record(records, "Untagged", f);
	}
	for (size_t i = 0; i < info->n_repo_digests; i++) {
		if (metadata_ref_delete(s->md, METADATA_REF_DIGEST, info->repo_digests[i], err) < 0)
			return -1;
		cleanup_free char *f = image_familiar(info->repo_digests[i]);
		add_record(records, "Untagged", f);
	}
	return 0;
}

enum conflict {
	CONFLICT_CHILD = 1 << 0,
	CONFLICT_RUNNING = 1 << 1,
	CONFLICT_REFERENCE = 1 << 2,
	CONFLICT_STOPPED = 1 << 3,
	CONFLICT_HARD = CONFLICT_CHILD | CONFLICT_RUNNING,
	CONFLICT_SOFT = CONFLICT_REFERENCE | CONFLICT_STOPPED,
};

/* docker's checkImageDeleteConflict, in its order: child images, a running
 * container, references, a stopped container.  1 and *ret_err filled when
 * there is a conflict in mask; *ret_used tells a container conflict. */
static int check_conflict(struct image_store *s, const struct image_info *info, unsigned mask,
			  bool *ret_used, berth_error_t **ret_err, berth_error_t **err)
{
	char sid[13];
	image_short_id(&info->id, sid);
	*ret_used = false;
	if (mask & CONFLICT_CHILD) {
		int n = metadata_image_children(s->md, &info->id, err);
		if (n < 0)
			return -1;
		if (n > 0) {
			berth_error_fail(ret_err, EBUSY,
					 "conflict: unable to delete %s (cannot be forced) - image "
					 "has dependent child images",
					 sid);
			return 1;
		}
	}
	cleanup_free char *cid = NULL;
	if (mask & CONFLICT_RUNNING) {
		int r = metadata_container_using(s->md, &info->id, true, &cid, err);
		if (r < 0)
			return -1;
		if (r > 0) {
			*ret_used = true;
			berth_error_fail(
				ret_err, EBUSY,
				"conflict: unable to delete %s (cannot be forced) - image is "
				"being used by running container %.12s",
				sid, cid);
			return 1;
		}
	}
	if ((mask & CONFLICT_REFERENCE) && info->n_repo_tags + info->n_repo_digests > 0) {
		berth_error_fail(ret_err, EBUSY,
				 "conflict: unable to delete %s (must be forced) - image is "
				 "referenced in multiple repositories",
				 sid);
		return 1;
	}
	if (mask & CONFLICT_STOPPED) {
		int r = metadata_container_using(s->md, &info->id, false, &cid, err);
		if (r < 0)
			return -1;
		if (r > 0) {
			*ret_used = true;
			berth_error_fail(ret_err, EBUSY,
					 "conflict: unable to delete %s (must be forced) - image is "
					 "being used by stopped container %.12s",
					 sid, cid);
			return 1;
		}
	}
	return 0;
}

/* Hand a conflict error to the caller's err */
static int pass_error(berth_error_t **cerr, berth_error_t **err)
{
	int code = berth_error_code(*cerr);
	if (err) {
		berth_error_release(err);
		*err = steal_pointer(cerr);
	}
	return code;
}

int image_store_delete_helper(struct image_store *s, const struct digest *id, bool force,
			      bool prune, bool quiet, json_t *records,
			      struct metadata_chains *dropped_layers, struct metadata_chains *blobs,
			      berth_error_t **err)
{
	struct digest cur = *id;
	bool first = true;
	for (;;) {
		cleanup_image_info struct image_info *info = NULL;
		if (metadata_image_get(s->md, &cur, &info, err) < 0)
			return -1;
		unsigned mask = CONFLICT_HARD | (force ? 0 : CONFLICT_SOFT);
		bool used;
		cleanup_error berth_error_t *cerr = NULL;
		int c = check_conflict(s, info, mask, &used, &cerr, err);
		if (c < 0)
			return -1;
		if (c > 0) {
			int children = metadata_image_children(s->md, &info->id, err);
			if (children < 0)
				return -1;
			bool dangling = info->n_repo_tags + info->n_repo_digests == 0 &&
					children == 0;
			if (quiet && (!dangling || used))
				return first ? 0 : 1;
			return pass_error(&cerr, err);
		}
		if (remove_all_refs(s, info, records, err) < 0)
			return -1;
		add_chain(blobs, &info->id);
		if (info->has_manifest)
			add_chain(blobs, &info->manifest_digest);
		for (size_t i = 0; i < info->n_layers; i++)
			if (info->layers[i].has_blob)
				add_chain(blobs, &info->layers[i].blob_digest);
		if (metadata_image_delete(s->md, &info->id, err) < 0)
			return -1;
		char sid[DIGEST_STR_SIZE];
		digest_format(&info->id, sid);
		add_record(records, "Deleted", sid);
		struct metadata_chains dropped = { 0 };
		if (metadata_layers_delete_unused(s->md, &dropped, err) < 0)
			return -1;
		for (size_t i = 0; i < dropped.n; i++) {
			char ch[DIGEST_STR_SIZE];
			digest_format(&dropped.v[i], ch);
			add_record(records, "Deleted", ch);
		}
		append_chains(dropped_layers, &dropped);
		metadata_chains_release(&dropped);

		/* docker removes untagged parents too, quietly, unless noprune */
		if (!prune || !info->has_parent)
			return 1;
		int exists = metadata_image_exists(s->md, &info->parent, err);
		if (exists <= 0)
			return exists < 0 ? -1 : 1;
		cur = info->parent;
		force = false;
		quiet = true;
		first = false;
	}
}

/* docker's isSingleReference: at most one tag, and every digest reference
 * in that tag's repository (or all references in one repository) */
static bool is_single_reference(const struct image_info *info)
{
	size_t n = info->n_repo_tags + info->n_repo_digests;
	if (n <= 1)
		return n == 1;
	if (info->n_repo_tags > 1)
		return false;
	cleanup_image_ref struct image_ref *single = NULL;
	const char *first = info->n_repo_tags ? info->repo_tags[0] : info->repo_digests[0];
	if (image_ref_parse_strict(first, &single, NULL) < 0)
		return false;
	for (size_t i = 0; i < info->n_repo_digests; i++) {
		cleanup_image_ref struct image_ref *r = NULL;
		if (image_ref_parse_strict(info->repo_digests[i], &r, NULL) < 0 ||
		    !image_ref_same_name(r, single))
			return false;
	}
	return true;
}

static bool is_id_prefix(const struct digest *id, const char *name)
{
	char s[DIGEST_STR_SIZE];
	digest_format(id, s);
	size_t n = strlen(name);
	return (n <= strlen(s) && strncmp(s, name, n) == 0) ||
	       (n <= DIGEST_HEX_LEN && strncmp(s + 7, name, n) == 0);
}

/* The by-reference branch of docker's ImageDelete; 1 when the untag
 * finished the job (other references remain) */
static int remove_by_ref(struct image_store *s, const char *name, struct image_info *info,
			 bool force, json_t *records, berth_error_t **err)
{
	if (!force && is_single_reference(info)) {
		cleanup_free char *cid = NULL;
		int r = metadata_container_using(s->md, &info->id, true, &cid, err);
		if (r == 0)
			r = metadata_container_using(s->md, &info->id, false, &cid, err);
		if (r < 0)
			return -1;
		if (r > 0) {
			char sid[13];
			image_short_id(&info->id, sid);
			return berth_error_fail(err, EBUSY,
						"conflict: unable to remove repository reference "
						"\"%s\" (must force) - container %.12s is using its "
						"referenced image %s",
						name, cid, sid);
		}
	}
	cleanup_free char *full = NULL, *repo = NULL;
	enum metadata_ref_kind kind;
	if (normalise_ref(name, &full, &repo, &kind, err) < 0)
		return -1;
	int r = metadata_ref_delete(s->md, kind, full, err);
	if (r < 0)
		return -1;
	cleanup_free char *f = image_familiar(full);
	add_record(records, "Untagged", f);

	/* A removed tag takes the digest references of its repository along
	 * when no other tag of that repository is left */
	if (kind == METADATA_REF_TAG) {
		bool other_tag = false;
		for (size_t i = 0; i < info->n_repo_tags; i++) {
			cleanup_image_ref struct image_ref *t = NULL;
			if (strcmp(info->repo_tags[i], full) == 0 ||
			    image_ref_parse_strict(info->repo_tags[i], &t, NULL) < 0)
				continue;
			cleanup_free char *tn = image_ref_name(t);
			if (strcmp(tn, repo) == 0)
				other_tag = true;
		}
		for (size_t i = 0; !other_tag && i < info->n_repo_digests; i++) {
			cleanup_image_ref struct image_ref *d = NULL;
			if (image_ref_parse_strict(info->repo_digests[i], &d, NULL) < 0)
				continue;
			cleanup_free char *dn = image_ref_name(d);
			if (strcmp(dn, repo) != 0)
				continue;
			if (metadata_ref_delete(s->md, METADATA_REF_DIGEST, info->repo_digests[i],
						err) < 0)
				return -1;
			cleanup_free char *df = image_familiar(info->repo_digests[i]);
			add_record(records, "Untagged", df);
		}
	}
	/* re-read: the references left decide */
	struct digest id = info->id;
	cleanup_image_info struct image_info *now = NULL;
	if (metadata_image_get(s->md, &id, &now, err) < 0)
		return -1;
	return now->n_repo_tags + now->n_repo_digests > 0 ? 1 : 0;
}

int image_store_remove(struct image_store *s, const char *name, enum image_remove_flags flags,
		       json_t **ret, berth_error_t **err)
{
	bool force = flags & IMAGE_REMOVE_FORCE, prune = !(flags & IMAGE_REMOVE_NO_PRUNE);
	struct digest id;
	if (image_store_resolve(s, name, &id, err) < 0)
		return -1;
	cleanup_json json_t *records = json_array();
	struct metadata_chains dropped = { 0 }, blobs = { 0 };
	if (metadata_begin(s->md, err) < 0)
		return berth_error_wrap(err, "remove image '%s'", name);
	cleanup_image_info struct image_info *info = NULL;
	if (metadata_image_get(s->md, &id, &info, err) < 0)
		goto fail;
	bool quiet = false;
	if (!is_id_prefix(&id, name)) {
		int r = remove_by_ref(s, name, info, force, records, err);
		if (r < 0)
			goto fail;
		if (r > 0)
			goto commit;
		quiet = true;
	} else if (is_single_reference(info)) {
		unsigned mask = CONFLICT_HARD | (force ? 0 : CONFLICT_STOPPED);
		bool used;
		cleanup_error berth_error_t *cerr = NULL;
		int c = check_conflict(s, info, mask, &used, &cerr, err);
		if (c > 0)
			pass_error(&cerr, err);
		if (c != 0)
			goto fail;
		if (remove_all_refs(s, info, records, err) < 0)
			goto fail;
	}
	/* by ID: the helper sees the remaining references */
	if (image_store_delete_helper(s, &id, force, prune, quiet, records, &dropped, &blobs, err) <
	    0)
		goto fail;
commit:
	if (metadata_commit(s->md, err) < 0)
		goto fail;
	image_store_drop_layers(s, &dropped);
	image_store_drop_blobs(s, &blobs);
	metadata_chains_release(&dropped);
	metadata_chains_release(&blobs);
	*ret = steal_pointer(&records);
	return 0;
fail:
	metadata_rollback(s->md);
	metadata_chains_release(&dropped);
	metadata_chains_release(&blobs);
	return -1;
}
