/* Unit tests for overlay and diff (root only, in a private mount
 * namespace so that nothing stays mounted if a test fails): whiteouts
 * and opaque dirs taking effect, a 200-layer chain (new mount API and
 * the short-link mount(2) path), A/C/D diff, export of the upper
 * round-tripping through layer-unpack. */
#include "common/unit.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "image/overlay.h"
#include "image/test-tar.h"

static const char *skip_reason;

struct fixture {
	char *root;
	struct layer_store *store;
};

static int setup(void **state)
{
	if (skip_reason) {
		*state = NULL;
		return 0;
	}
	struct fixture *f = xzalloc(sizeof(*f));
	f->root = test_tmpdir();
	berth_error_t *err = NULL;
	if (layer_store_open(f->root, LAYER_STORE_NO_SYNC, &f->store, &err) < 0)
		return test_setup_failed("open", err);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	if (!f)
		return 0;
	layer_store_free(f->store);
	test_tmpdir_remove(f->root);
	free(f);
	return 0;
}

static struct fixture *fixture_or_skip(void **state)
{
	if (skip_reason) {
		fprintf(stderr, "# skip: %s\n", skip_reason);
		skip();
	}
	return *state;
}

static void add_layer(struct fixture *f, struct digest *chain, const char *chain_name, char *tar,
		      size_t len)
{
	*chain = tar_digest(chain_name, strlen(chain_name));
	cleanup_close int fd = tar_memfd(tar, len);
	free(tar);
	cleanup_error berth_error_t *err = NULL;
	if (layer_store_ensure(f->store, chain, NULL, fd, NULL, NULL, &err) < 0)
		fail_msg("layer %s: %s", chain_name, err->msg);
}

static char *mpath(const char *merged, const char *rel)
{
	return xasprintf("%s/%s", merged, rel);
}

static bool exists(const char *merged, const char *rel)
{
	cleanup_free char *p = mpath(merged, rel);
	struct stat st;
	return lstat(p, &st) == 0;
}

/* L1: a b c dir/x dir/z; L2: -a, dir opaque with dir/y; L3: top */
static void three_layers(struct fixture *f, struct digest lowers[3])
{
	struct tar_builder *tb = tar_builder_new(TAR_GZIP);
	tar_add_dir(tb, "./", 0755);
	tar_add_file(tb, "a", 0644, "a1");
	tar_add_file(tb, "b", 0644, "b1");
	tar_add_file(tb, "c", 0644, "c1");
	tar_add_file(tb, "dir/x", 0644, "x1");
	tar_add_file(tb, "dir/z", 0644, "z1");
	size_t len;
	char *tar = tar_builder_finish(tb, &len);
	add_layer(f, &lowers[0], "L1", tar, len);

	tb = tar_builder_new(TAR_ZSTD);
	tar_add_file(tb, ".wh.a", 0, "");
	tar_add_dir(tb, "dir", 0755);
	tar_add_file(tb, "dir/.wh..wh..opq", 0, "");
	tar_add_file(tb, "dir/y", 0644, "y2");
	tar = tar_builder_finish(tb, &len);
	add_layer(f, &lowers[1], "L2", tar, len);

	tb = tar_builder_new(TAR_PLAIN);
	tar_add_file(tb, "top", 0644, "t3");
	tar = tar_builder_finish(tb, &len);
	add_layer(f, &lowers[2], "L3", tar, len);
}

static void test_whiteouts_take_effect(void **state)
{
	struct fixture *f = fixture_or_skip(state);
	struct digest lowers[3];
	three_layers(f, lowers);
	cleanup_error berth_error_t *err = NULL;
	cleanup_free char *merged = NULL;
	if (overlay_create(f->store, "c1", lowers, 3, 0, &merged, &err) < 0)
		fail_msg("%s", err->msg);
	assert_false(exists(merged, "a"));
	assert_true(exists(merged, "b"));
	assert_true(exists(merged, "c"));
	assert_false(exists(merged, "dir/x"));
	assert_true(exists(merged, "dir/y"));
	assert_true(exists(merged, "top"));
	/* idempotent on a mounted rootfs */
	assert_int_equal(overlay_create(f->store, "c1", lowers, 3, 0, NULL, &err), 0);
	assert_int_equal(overlay_remove(f->store, "c1", &err), 0);
	cleanup_free char *cdir = xasprintf("%s/containers/c1", f->root);
	assert_int_equal(access(cdir, F_OK), -1);
	/* removing again is fine */
	assert_int_equal(overlay_remove(f->store, "c1", &err), 0);
}

static void test_invalid_id(void **state)
{
	struct fixture *f = fixture_or_skip(state);
	cleanup_error berth_error_t *err = NULL;
	assert_true(overlay_create(f->store, "../x", NULL, 0, 0, NULL, &err) < 0);
	assert_error_contains(err, "invalid container id");
}

static void run_chain(void **state, enum overlay_flags flags, const char *id)
{
	struct fixture *f = fixture_or_skip(state);
	enum {
		N = 200
	};
	struct digest *lowers = xcalloc(N, sizeof(*lowers));
	for (int i = 0; i < N; i++) {
		struct tar_builder *tb = tar_builder_new(TAR_PLAIN);
		char name[32], chain[32];
		snprintf(name, sizeof(name), "f%03d", i);
		snprintf(chain, sizeof(chain), "chain-%d", i);
		tar_add_file(tb, name, 0644, name);
		tar_add_file(tb, "shared", 0644, name);
		size_t len;
		char *tar = tar_builder_finish(tb, &len);
		add_layer(f, &lowers[i], chain, tar, len);
	}
	/* with full paths the lowerdir= option alone would be far beyond a
	 * page: that is what this test is about */
	cleanup_free char *one = layer_store_diff_path(f->store, &lowers[0]);
	assert_true(strlen(one) * N > 4096);
	cleanup_error berth_error_t *err = NULL;
	cleanup_free char *merged = NULL;
	if (overlay_create(f->store, id, lowers, N, flags, &merged, &err) < 0)
		fail_msg("%s", err->msg);
	assert_true(exists(merged, "f000"));
	assert_true(exists(merged, "f199"));
	/* the top layer (the last one) wins */
	cleanup_free char *shared = mpath(merged, "shared");
	cleanup_free char *c = test_read_file(shared);
	assert_string_equal(c, "f199");
	assert_int_equal(overlay_remove(f->store, id, &err), 0);
	free(lowers);
}

static void test_200_layers(void **state)
{
	run_chain(state, 0, "chain-new");
}

static void test_200_layers_legacy(void **state)
{
	run_chain(state, OVERLAY_FORCE_LEGACY, "chain-legacy");
}

static void test_empty_image(void **state)
{
	struct fixture *f = fixture_or_skip(state);
	cleanup_error berth_error_t *err = NULL;
	cleanup_free char *merged = NULL;
	if (overlay_create(f->store, "empty", NULL, 0, 0, &merged, &err) < 0)
		fail_msg("%s", err->msg);
	cleanup_free char *p = mpath(merged, "new");
	test_write_file(p, "x");
	assert_int_equal(overlay_remove(f->store, "empty", &err), 0);
}

static const char *lower_dirs[3];

static void expect_change(const struct overlay_changes *c, size_t i, char kind, const char *path)
{
	if (i >= c->n)
		fail_msg("change %zu (%c %s) missing", i, kind, path);
	if ((char)c->v[i].kind != kind || strcmp(c->v[i].path, path) != 0)
		fail_msg("change %zu: got %c %s, want %c %s", i, (char)c->v[i].kind, c->v[i].path,
			 kind, path);
}

static void test_diff_and_export(void **state)
{
	struct fixture *f = fixture_or_skip(state);
	struct digest lowers[4];
	three_layers(f, lowers);
	cleanup_error berth_error_t *err = NULL;
	cleanup_free char *merged = NULL;
	if (overlay_create(f->store, "d1", lowers, 3, 0, &merged, &err) < 0)
		fail_msg("%s", err->msg);
	cleanup_free char *added = mpath(merged, "added");
	test_write_file(added, "new");
	cleanup_free char *b = mpath(merged, "b");
	test_write_file(b, "b-changed");
	cleanup_free char *c = mpath(merged, "c");
	assert_int_equal(unlink(c), 0);
	/* dir: empty it and make it again: an opaque dir in the upper */
	cleanup_free char *dy = mpath(merged, "dir/y");
	assert_int_equal(unlink(dy), 0);
	cleanup_free char *dir = mpath(merged, "dir");
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(mkdir(dir, 0755), 0);
	cleanup_free char *dn = mpath(merged, "dir/new");
	test_write_file(dn, "n");
	cleanup_free char *hl = mpath(merged, "hardlink");
	assert_int_equal(link(added, hl), 0);

	cleanup_free char *upper = overlay_upper_path(f->store, "d1");
	cleanup_free char *l0 = layer_store_diff_path(f->store, &lowers[2]);
	cleanup_free char *l1 = layer_store_diff_path(f->store, &lowers[1]);
	cleanup_free char *l2 = layer_store_diff_path(f->store, &lowers[0]);
	lower_dirs[0] = l0;
	lower_dirs[1] = l1;
	lower_dirs[2] = l2;
	struct overlay_changes ch;
	if (overlay_diff(upper, lower_dirs, 3, &ch, &err) < 0)
		fail_msg("%s", err->msg);
	for (size_t i = 0; i < ch.n; i++)
		fprintf(stderr, "# %c %s\n", (char)ch.v[i].kind, ch.v[i].path);
	size_t i = 0;
	expect_change(&ch, i++, 'A', "/added");
	expect_change(&ch, i++, 'C', "/b");
	expect_change(&ch, i++, 'D', "/c");
	expect_change(&ch, i++, 'C', "/dir");
	expect_change(&ch, i++, 'A', "/dir/new");
	/* dir/x was already hidden by L2's opaque dir; dir/y is what the
	 * lowers showed */
	expect_change(&ch, i++, 'D', "/dir/y");
	expect_change(&ch, i++, 'A', "/hardlink");
	assert_int_equal(ch.n, i);
	overlay_changes_release(&ch);

	/* export the upper and unpack it as a fourth layer */
	cleanup_close int tfd = memfd_create("export", MFD_CLOEXEC);
	struct digest exported;
	if (overlay_export_upper(upper, tfd, &exported, &err) < 0)
		fail_msg("%s", err->msg);
	/* the same upper gives the same bytes */
	cleanup_close int tfd2 = memfd_create("export2", MFD_CLOEXEC);
	struct digest again;
	assert_int_equal(overlay_export_upper(upper, tfd2, &again, &err), 0);
	assert_true(digest_equal(&exported, &again));

	lseek(tfd, 0, SEEK_SET);
	lowers[3] = tar_digest("L4", 2);
	struct layer_unpack_options o = { .diff_id = &exported };
	struct layer_unpack_result res;
	if (layer_store_ensure(f->store, &lowers[3], &lowers[2], tfd, &o, &res, &err) < 0)
		fail_msg("%s", err->msg);
	cleanup_free char *l4 = layer_store_diff_path(f->store, &lowers[3]);
	struct stat st;
	cleanup_free char *wc = xasprintf("%s/c", l4);
	assert_int_equal(lstat(wc, &st), 0);
	assert_true(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
	cleanup_free char *ld = xasprintf("%s/dir", l4);
	char v[2];
	assert_int_equal(getxattr(ld, "trusted.overlay.opaque", v, sizeof(v)), 1);
	cleanup_free char *la = xasprintf("%s/added", l4);
	cleanup_free char *lh = xasprintf("%s/hardlink", l4);
	struct stat sa, sh;
	assert_int_equal(stat(la, &sa), 0);
	assert_int_equal(stat(lh, &sh), 0);
	assert_int_equal(sa.st_ino, sh.st_ino);

	/* the image with the committed layer shows what the container saw */
	cleanup_free char *m2 = NULL;
	if (overlay_create(f->store, "d2", lowers, 4, 0, &m2, &err) < 0)
		fail_msg("%s", err->msg);
	assert_false(exists(m2, "a"));
	assert_false(exists(m2, "c"));
	assert_false(exists(m2, "dir/y"));
	assert_false(exists(m2, "dir/x"));
	assert_true(exists(m2, "dir/new"));
	assert_true(exists(m2, "top"));
	cleanup_free char *b2 = mpath(m2, "b");
	cleanup_free char *bc = test_read_file(b2);
	assert_string_equal(bc, "b-changed");
	assert_int_equal(overlay_remove(f->store, "d2", &err), 0);
	assert_int_equal(overlay_remove(f->store, "d1", &err), 0);
}

int main(void)
{
	if (geteuid() != 0)
		skip_reason = "needs root (mount, overlay, trusted.* xattrs)";
	else if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		skip_reason = "cannot make a private mount namespace";
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_whiteouts_take_effect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_200_layers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_200_layers_legacy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_image, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diff_and_export, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
