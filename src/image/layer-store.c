/* layer-store: one extracted directory per layer chain ID under
 * <root>/overlay, created atomically: extract into tmp-<random> (flock()ed
 * while in use, so that open() can tell a crashed extraction from a live
 * one), syncfs, rename to <chainid-hex>, then create the short link.
 * A chain dir without its link is repaired by ensure(); a link is only ever
 * created pointing at a complete dir. */
#include "image/layer-store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "image/layer-unpack.h"

#include "common/banned.h"

#define LINK_DIR "l"
#define TMP_PREFIX "tmp-"

struct layer_store {
	char *root;
	char *overlay_dir;
	int dirfd; /* <root>/overlay, O_RDONLY|O_DIRECTORY */
	int link_fd;
	enum layer_store_flags flags;
};

static int mkdir_open(int dirfd, const char *name, mode_t mode, berth_error_t **err)
{
	if (mkdirat(dirfd, name, mode) < 0 && errno != EEXIST)
		return berth_error_set(err, errno, "mkdir '%s'", name);
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return berth_error_set(err, errno, "open '%s'", name);
	return fd;
}

static void clean_tmp(struct layer_store *s)
{
	cleanup_dir DIR *d = layer_opendir_at(s->dirfd, ".", 0);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) != 0)
			continue;
		cleanup_close int tfd = openat(s->dirfd, de->d_name,
					       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (tfd < 0 || flock(tfd, LOCK_EX | LOCK_NB) < 0)
			continue; /* gone, or a live extraction */
		cleanup_error berth_error_t *err = NULL;
		if (layer_remove_tree_at(s->dirfd, de->d_name, &err) < 0)
			log_debug("remove stale '%s': %s, ignoring", de->d_name, err->msg);
	}
}

int layer_store_open(const char *root_dir, enum layer_store_flags flags, struct layer_store **ret,
		     berth_error_t **err)
{
	cleanup_close int rootfd = mkdir_open(AT_FDCWD, root_dir, 0711, err);
	if (rootfd < 0)
		return berth_error_wrap(err, "open layer store");
	cleanup_close int ofd = mkdir_open(rootfd, "overlay", 0700, err);
	if (ofd < 0)
		return berth_error_wrap(err, "open layer store in '%s'", root_dir);
	cleanup_close int lfd = mkdir_open(ofd, LINK_DIR, 0700, err);
	if (lfd < 0)
		return berth_error_wrap(err, "open layer store in '%s'", root_dir);
	struct layer_store *s = xzalloc(sizeof(*s));
	s->root = xstrdup(root_dir);
	s->overlay_dir = xasprintf("%s/overlay", root_dir);
	s->dirfd = take_fd(&ofd);
	s->link_fd = take_fd(&lfd);
	s->flags = flags;
	clean_tmp(s);
	*ret = s;
	return 0;
}

void layer_store_free(struct layer_store *store)
{
	if (!store)
		return;
	close(store->dirfd);
	close(store->link_fd);
	free(store->root);
	free(store->overlay_dir);
	free(store);
}

const char *layer_store_root(const struct layer_store *store)
{
	return store->root;
}

const char *layer_store_overlay_dir(const struct layer_store *store)
{
	return store->overlay_dir;
}

int layer_store_dirfd(const struct layer_store *store)
{
	return store->dirfd;
}

void layer_store_short_id(const struct digest *chain_id, char out[LAYER_SHORT_ID_SIZE])
{
	/* RFC 4648 base32, upper case like docker's link ids: 16 characters
	 * carry the first 80 bits of the chain ID.  Chain IDs are sha256 of
	 * attacker-chosen content, so a collision with a given layer costs a
	 * 2^80 search; ensure() refuses a link that points elsewhere anyway. */
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	for (int i = 0; i < LAYER_SHORT_ID_LEN; i++) {
		int bit = i * 5;
		unsigned v =
			((unsigned)chain_id->bytes[bit / 8] << 8 | chain_id->bytes[bit / 8 + 1]) >>
			(11 - bit % 8);
		out[i] = alphabet[v & 31];
	}
	out[LAYER_SHORT_ID_LEN] = '\0';
}

static void chain_hex(const struct digest *chain_id, char hex[DIGEST_HEX_LEN + 1])
{
	digest_format_hex(chain_id, hex);
}

char *layer_store_diff_path(const struct layer_store *store, const struct digest *chain_id)
{
	char hex[DIGEST_HEX_LEN + 1];
	chain_hex(chain_id, hex);
	return xasprintf("%s/%s/diff", store->overlay_dir, hex);
}

char *layer_store_link_path(const struct layer_store *store, const struct digest *chain_id)
{
	char id[LAYER_SHORT_ID_SIZE];
	layer_store_short_id(chain_id, id);
	return xasprintf("%s/" LINK_DIR "/%s", store->overlay_dir, id);
}

static bool chain_dir_exists(struct layer_store *store, const char *hex)
{
	struct stat st;
	return fstatat(store->dirfd, hex, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

/* Create (or check) l/<short> -> ../<hex>/diff */
static int ensure_link(struct layer_store *store, const struct digest *chain_id,
		       berth_error_t **err)
{
	char hex[DIGEST_HEX_LEN + 1];
	char id[LAYER_SHORT_ID_SIZE];
	chain_hex(chain_id, hex);
	layer_store_short_id(chain_id, id);
	cleanup_free char *target = xasprintf("../%s/diff", hex);
	for (int tries = 0; tries < 2; tries++) {
		if (symlinkat(target, store->link_fd, id) == 0)
			return 0;
		if (errno != EEXIST)
			return berth_error_set(err, errno, "create layer link '%s'", id);
		char buf[DIGEST_HEX_LEN + 16];
		ssize_t n = readlinkat(store->link_fd, id, buf, sizeof(buf) - 1);
		if (n >= 0) {
			buf[n] = '\0';
			if (strcmp(buf, target) == 0)
				return 0;
			/* another chain ID with the same 80-bit prefix: only
			 * a crafted collision gets here; keep the first */
			return berth_error_fail(err, EEXIST,
						"layer link '%s' already names another layer ('%s')",
						id, buf);
		}
		/* not a symlink: junk; replace it once */
		if (unlinkat(store->link_fd, id, 0) < 0 && errno != ENOENT)
			return berth_error_set(err, errno, "remove junk layer link '%s'", id);
	}
	return berth_error_fail(err, EEXIST, "create layer link '%s': keeps reappearing", id);
}

bool layer_store_exists(struct layer_store *store, const struct digest *chain_id)
{
	char hex[DIGEST_HEX_LEN + 1];
	chain_hex(chain_id, hex);
	return chain_dir_exists(store, hex);
}

static int make_tmp_dir(struct layer_store *store, char **ret_name, berth_error_t **err)
{
	for (int i = 0; i < 16; i++) {
		uint64_t r = 0;
		if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
			r ^= (uint64_t)getpid() << 20 ^ (uint64_t)i;
		cleanup_free char *name = xasprintf(TMP_PREFIX "%016" PRIx64, r);
		if (mkdirat(store->dirfd, name, 0700) < 0) {
			if (errno == EEXIST)
				continue;
			return berth_error_set(err, errno, "create temp layer dir");
		}
		int fd =
			openat(store->dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || flock(fd, LOCK_EX) < 0) {
			int e = errno;
			if (fd >= 0)
				close(fd);
			unlinkat(store->dirfd, name, AT_REMOVEDIR);
			return berth_error_set(err, e, "open temp layer dir");
		}
		*ret_name = steal_pointer(&name);
		return fd;
	}
	return berth_error_fail(err, EEXIST, "create temp layer dir: no free name");
}

static int write_parent(int tfd, const struct digest *parent, berth_error_t **err)
{
	char s[DIGEST_STR_SIZE] = "";
	if (parent)
		digest_format(parent, s);
	cleanup_close int fd =
		openat(tfd, "parent", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return berth_error_set(err, errno, "create parent file");
	size_t len = strlen(s);
	if (write(fd, s, len) != (ssize_t)len)
		return berth_error_set(err, errno ? errno : EIO, "write parent file");
	return 0;
}

int layer_store_ensure(struct layer_store *store, const struct digest *chain_id,
		       const struct digest *parent, int fd, const struct layer_unpack_options *opts,
		       struct layer_unpack_result *ret, berth_error_t **err)
{
	char hex[DIGEST_HEX_LEN + 1];
	chain_hex(chain_id, hex);
	if (chain_dir_exists(store, hex)) {
		int r = ensure_link(store, chain_id, err);
		return r < 0 ? berth_error_wrap(err, "layer sha256:%s", hex) : 0;
	}

	cleanup_free char *tmp = NULL;
	cleanup_close int tfd = make_tmp_dir(store, &tmp, err);
	if (tfd < 0)
		return berth_error_wrap(err, "layer sha256:%s", hex);
	cleanup_error berth_error_t *cleanup_err = NULL;
	int r;
	cleanup_close int dfd = -1;
	if (mkdirat(tfd, "diff", 0755) < 0) {
		r = berth_error_set(err, errno, "create layer dir");
		goto fail;
	}
	dfd = openat(tfd, "diff", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0) {
		r = berth_error_set(err, errno, "open layer dir");
		goto fail;
	}
	/* the container's "/" unless the tar has a "./" entry: not subject
	 * to the daemon's umask */
	if (fchmod(dfd, 0755) < 0) {
		r = berth_error_set(err, errno, "chmod layer dir");
		goto fail;
	}
	struct layer_unpack_result res;
	r = layer_unpack(fd, dfd, opts, &res, err);
	if (r < 0)
		goto fail;
	r = write_parent(tfd, parent, err);
	if (r < 0)
		goto fail;
	/* The rename is what makes the layer exist; its data must be on
	 * disk before it, or a crash leaves a complete-looking layer whose
	 * files are empty */
	if (!(store->flags & LAYER_STORE_NO_SYNC) && syncfs(dfd) < 0) {
		r = berth_error_set(err, errno, "sync layer");
		goto fail;
	}
	if (renameat(store->dirfd, tmp, store->dirfd, hex) < 0) {
		if (errno != EEXIST && errno != ENOTEMPTY) {
			r = berth_error_set(err, errno, "rename layer into place");
			goto fail;
		}
		/* another process extracted it first: use theirs */
		if (layer_remove_tree_at(store->dirfd, tmp, &cleanup_err) < 0)
			log_debug("remove '%s': %s, ignoring", tmp, cleanup_err->msg);
		r = ensure_link(store, chain_id, err);
		return r < 0 ? berth_error_wrap(err, "layer sha256:%s", hex) : 0;
	}
	if (fsync(store->dirfd) < 0)
		return berth_error_set(err, errno, "layer sha256:%s: sync layer directory", hex);
	r = ensure_link(store, chain_id, err);
	if (r < 0)
		return berth_error_wrap(err, "layer sha256:%s", hex);
	if (ret)
		*ret = res;
	return 1;

fail:
	if (layer_remove_tree_at(store->dirfd, tmp, &cleanup_err) < 0)
		log_debug("remove '%s': %s, ignoring", tmp, cleanup_err->msg);
	if (opts && opts->name)
		return r; /* layer_unpack named the layer already */
	return berth_error_wrap(err, "layer sha256:%s", hex);
}

int layer_store_parent(struct layer_store *store, const struct digest *chain_id, struct digest *ret,
		       berth_error_t **err)
{
	char hex[DIGEST_HEX_LEN + 1];
	chain_hex(chain_id, hex);
	cleanup_free char *name = xasprintf("%s/parent", hex);
	cleanup_close int fd = openat(store->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return berth_error_fail(err, ENOENT, "layer sha256:%s not found", hex);
		return berth_error_set(err, errno, "open '%s'", name);
	}
	char buf[DIGEST_STR_SIZE + 1];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return berth_error_set(err, errno, "read '%s'", name);
	buf[n] = '\0';
	if (n == 0)
		return 0;
	struct digest d;
	if (digest_parse(buf, &d, err) < 0)
		return berth_error_wrap(err, "layer sha256:%s: parent", hex);
	*ret = d;
	return 1;
}

int layer_store_remove(struct layer_store *store, const struct digest *chain_id,
		       berth_error_t **err)
{
	char hex[DIGEST_HEX_LEN + 1];
	char id[LAYER_SHORT_ID_SIZE];
	chain_hex(chain_id, hex);
	layer_store_short_id(chain_id, id);
	/* The link first: a link never points at a missing or partial dir
	 * that a mount could use */
	char buf[DIGEST_HEX_LEN + 16];
	ssize_t n = readlinkat(store->link_fd, id, buf, sizeof(buf) - 1);
	if (n >= 0) {
		buf[n] = '\0';
		cleanup_free char *target = xasprintf("../%s/diff", hex);
		if (strcmp(buf, target) == 0 && unlinkat(store->link_fd, id, 0) < 0 &&
		    errno != ENOENT)
			return berth_error_set(err, errno, "remove layer link '%s'", id);
	}
	if (!chain_dir_exists(store, hex))
		return 0;
	/* Rename away first so that a crash mid-removal leaves a tmp- dir
	 * (cleaned at open), never a half-deleted layer under its name */
	cleanup_free char *tmp = NULL;
	cleanup_close int tfd = make_tmp_dir(store, &tmp, err);
	if (tfd < 0)
		return berth_error_wrap(err, "remove layer sha256:%s", hex);
	close(take_fd(&tfd));
	/* make_tmp_dir created an empty dir: rename over it */
	if (renameat(store->dirfd, hex, store->dirfd, tmp) < 0) {
		int e = errno;
		unlinkat(store->dirfd, tmp, AT_REMOVEDIR);
		if (e == ENOENT)
			return 0;
		return berth_error_set(err, e, "remove layer sha256:%s", hex);
	}
	int r = layer_remove_tree_at(store->dirfd, tmp, err);
	if (r < 0)
		return berth_error_wrap(err, "remove layer sha256:%s", hex);
	return 0;
}
