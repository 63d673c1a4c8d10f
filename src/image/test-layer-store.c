/* Unit tests for layer-store: extraction into chain-ID dirs with short
 * links, idempotent ensure, atomic creation (a failed unpack or a crash
 * leaves nothing under the final name), removal. */
#include "common/unit.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "image/layer-store.h"
#include "image/test-tar.h"

struct fixture {
	char *root;
	struct layer_store *store;
};

static int setup(void **state)
{
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
	layer_store_free(f->store);
	test_tmpdir_remove(f->root);
	free(f);
	return 0;
}

static char *one_file_tar(const char *name, const char *content, size_t *len)
{
	struct tar_builder *tb = tar_builder_new(TAR_GZIP);
	tar_add_file(tb, name, 0644, content);
	return tar_builder_finish(tb, len);
}

static int count_overlay(struct fixture *f)
{
	cleanup_free char *p = xasprintf("%s/overlay", f->root);
	cleanup_dir DIR *d = opendir(p);
	assert_non_null(d);
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	return n;
}

static void test_ensure(void **state)
{
	struct fixture *f = *state;
	size_t len;
	cleanup_free char *tar = one_file_tar("hello", "world", &len);
	struct digest chain = tar_digest("chain-1", 7);
	struct digest parent = tar_digest("chain-0", 7);
	cleanup_error berth_error_t *err = NULL;
	assert_false(layer_store_exists(f->store, &chain));

	cleanup_close int fd = tar_memfd(tar, len);
	struct layer_unpack_result res;
	int r = layer_store_ensure(f->store, &chain, &parent, fd, NULL, &res, &err);
	if (r < 0)
		fail_msg("%s", err->msg);
	assert_int_equal(r, 1);
	assert_true(layer_store_exists(f->store, &chain));
	assert_int_equal(res.n_entries, 1);

	cleanup_free char *diff = layer_store_diff_path(f->store, &chain);
	cleanup_free char *file = xasprintf("%s/hello", diff);
	cleanup_free char *c = test_read_file(file);
	assert_string_equal(c, "world");
	/* the short link reaches the same dir */
	cleanup_free char *link = layer_store_link_path(f->store, &chain);
	cleanup_free char *via = xasprintf("%s/hello", link);
	cleanup_free char *c2 = test_read_file(via);
	assert_string_equal(c2, "world");
	char id[LAYER_SHORT_ID_SIZE];
	layer_store_short_id(&chain, id);
	assert_int_equal(strlen(id), LAYER_SHORT_ID_LEN);

	struct digest got;
	assert_int_equal(layer_store_parent(f->store, &chain, &got, &err), 1);
	assert_true(digest_equal(&got, &parent));

	/* again: present, fd not read */
	cleanup_close int fd2 = tar_memfd("junk", 4);
	assert_int_equal(layer_store_ensure(f->store, &chain, &parent, fd2, NULL, NULL, &err), 0);

	/* base layer: no parent */
	struct digest base = tar_digest("base", 4);
	cleanup_close int fd3 = tar_memfd(tar, len);
	assert_int_equal(layer_store_ensure(f->store, &base, NULL, fd3, NULL, NULL, &err), 1);
	assert_int_equal(layer_store_parent(f->store, &base, &got, &err), 0);

	assert_int_equal(layer_store_remove(f->store, &chain, &err), 0);
	assert_false(layer_store_exists(f->store, &chain));
	struct stat st;
	assert_int_equal(lstat(link, &st), -1);
	assert_int_equal(layer_store_remove(f->store, &chain, &err), 0);
	/* l/ and the base layer */
	assert_int_equal(count_overlay(f), 2);
}

static void test_failed_unpack_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	size_t len;
	cleanup_free char *tar = one_file_tar("hello", "world", &len);
	struct digest chain = tar_digest("chain-x", 7);
	struct digest wrong = tar_digest("wrong", 5);
	struct layer_unpack_options o = { .diff_id = &wrong };
	cleanup_close int fd = tar_memfd(tar, len);
	cleanup_error berth_error_t *err = NULL;
	assert_true(layer_store_ensure(f->store, &chain, NULL, fd, &o, NULL, &err) < 0);
	assert_error_contains(err, "diffID");
	char hex[DIGEST_HEX_LEN + 1];
	digest_format_hex(&chain, hex);
	assert_error_contains(err, hex);
	assert_false(layer_store_exists(f->store, &chain));
	assert_int_equal(count_overlay(f), 1); /* only l/ */
}

static void test_crash_leftovers_cleaned(void **state)
{
	struct fixture *f = *state;
	cleanup_free char *tmp = xasprintf("%s/overlay/tmp-00000000deadbeef", f->root);
	cleanup_free char *sub = xasprintf("%s/diff", tmp);
	assert_int_equal(mkdir(tmp, 0700), 0);
	assert_int_equal(mkdir(sub, 0700), 0);
	cleanup_free char *file = xasprintf("%s/partial", sub);
	test_write_file(file, "half");
	struct layer_store *s = NULL;
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(layer_store_open(f->root, 0, &s, &err), 0);
	assert_int_equal(access(tmp, F_OK), -1);
	layer_store_free(s);
}

static void test_short_ids_differ(void **state)
{
	char a[LAYER_SHORT_ID_SIZE], b[LAYER_SHORT_ID_SIZE];
	struct digest da = tar_digest("a", 1), db = tar_digest("b", 1);
	layer_store_short_id(&da, a);
	layer_store_short_id(&db, b);
	assert_string_not_equal(a, b);
	for (int i = 0; i < LAYER_SHORT_ID_LEN; i++)
		assert_true((a[i] >= 'A' && a[i] <= 'Z') || (a[i] >= '2' && a[i] <= '7'));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ensure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_unpack_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_leftovers_cleaned, setup, teardown),
		cmocka_unit_test(test_short_ids_differ),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
