/* image-store: opening the store, putting layers, adding images, name
 * resolution, tags and container records (`rmi` is image-remove.c).
 * Invariant: blobs and layer dirs are complete on disk before the
 * transaction that references them commits. */
#include "image/image-store-internal.h"

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

/* Copy fd to a new content blob */
static int keep_blob(struct image_store *s, int fd, struct digest *ret_digest, int64_t *ret_size,
		     berth_error_t **err)
{
	cleanup_content_writer struct content_writer *w = NULL;
	if (content_writer_begin(s->content, NULL, -1, &w, err) < 0 ||
	    content_writer_write_fd(w, fd, err) < 0)
		return -1;
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

	const char *blob_type = NULL;
	if (l.has_blob || !expected_diff_id)
		blob_type = layer_blob_media_type(src);
	if (l.has_blob && !media_type)
		media_type = blob_type;
	if (expected_diff_id) {
		l.diff_id = *expected_diff_id;
	} else if (l.has_blob && strcmp(blob_type, OCI_MT_LAYER) == 0) {
		l.diff_id = l.blob_digest; /* an uncompressed tar is its own diff */
	} else {
		/* a pass of its own: the layer dir is named by the chain ID,
		 * which the diffID decides */
		if (layer_blob_diff_id(src, &l.diff_id, err) < 0)
			return -1;
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

int image_normalise_ref(const char *name, char **ret_full, char **ret_repo,
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
	if (image_normalise_ref(name, &full, &repo, &kind, err) < 0)
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
	if (image_normalise_ref(name, &full, &repo, &kind, &perr) == 0) {
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
	if (image_normalise_ref(name, &full, &repo, &kind, err) < 0)
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
