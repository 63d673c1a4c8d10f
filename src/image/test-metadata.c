/* Unit tests for metadata: schema creation and reopening, refusal of a
 * newer schema, foreign keys (no tag without its image), ID prefixes,
 * unused layer rows and container records. */
#include "common/unit.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "image/metadata.h"
#include "image/test-tar.h"

static struct digest dg(const char *s)
{
	struct digest d;
	digest_buffer(s, strlen(s), &d);
	return d;
}

static void ok(int r, berth_error_t *err)
{
	if (r < 0)
		fail_msg("unexpected error: %s", err ? err->msg : "(none)");
}

static void test_metadata(void **state)
{
	(void)state;
	cleanup_free char *dir = test_tmpdir();
	cleanup_free char *path = xasprintf("%s/berth.db", dir);
	cleanup_error berth_error_t *err = NULL;
	struct metadata *md = NULL;
	ok(metadata_open(path, METADATA_NO_SYNC, &md, &err), err);
	assert_int_equal(metadata_schema_version(md, &err), METADATA_SCHEMA_VERSION);

	struct digest id = dg("config"), diff = dg("diff");
	struct image_layer l = { .diff_id = diff, .chain_id = diff, .size = 42 };
	struct metadata_image img = { .id = id, .created = 100, .size = 42 };
	ok(metadata_begin(md, &err), err);
	ok(metadata_image_insert(md, &img, &l, 1, &err), err);
	assert_int_equal(metadata_ref_set(md, METADATA_REF_TAG, "docker.io/library/a:1",
					  "docker.io/library/a", &id, NULL, &err),
			 0);
	ok(metadata_commit(md, &err), err);

	/* a tag to a missing image violates the foreign key */
	struct digest missing = dg("missing");
	ok(metadata_begin(md, &err), err);
	assert_true(metadata_ref_set(md, METADATA_REF_TAG, "docker.io/library/b:1",
				     "docker.io/library/b", &missing, NULL, &err) < 0);
	assert_non_null(strstr(err->msg, "metadata: set tag"));
	metadata_rollback(md);
	metadata_rollback(md); /* harmless outside a transaction */

	/* an image with tags cannot go */
	ok(metadata_begin(md, &err), err);
	assert_true(metadata_image_delete(md, &id, &err) < 0);
	metadata_rollback(md);

	char hex[DIGEST_HEX_LEN + 1];
	digest_format_hex(&id, hex);
	hex[5] = '\0';
	struct digest got;
	assert_int_equal(metadata_image_find_prefix(md, hex, &got, &err), 1);
	assert_true(digest_equal(&got, &id));
	assert_int_equal(metadata_image_find_prefix(md, "ffffffffff", &got, &err) == 1 &&
				 !digest_equal(&got, &id),
			 0);
	assert_true(metadata_image_find_prefix(md, "XYZ", &got, &err) < 0);

	/* a container keeps the layer after the image is gone */
	ok(metadata_begin(md, &err), err);
	ok(metadata_container_set(md, "ctr", &id, &diff, false, &err), err);
	assert_int_equal(metadata_ref_delete(md, METADATA_REF_TAG, "docker.io/library/a:1", &err),
			 1);
	ok(metadata_image_delete(md, &id, &err), err);
	struct metadata_chains dropped = { 0 };
	ok(metadata_layers_delete_unused(md, &dropped, &err), err);
	assert_int_equal(dropped.n, 0);
	ok(metadata_commit(md, &err), err);
	ok(metadata_begin(md, &err), err);
	assert_int_equal(metadata_container_delete(md, "ctr", &err), 1);
	ok(metadata_layers_delete_unused(md, &dropped, &err), err);
	assert_int_equal(dropped.n, 1);
	assert_int_equal(dropped.sizes[0], 42);
	metadata_chains_release(&dropped);
	ok(metadata_commit(md, &err), err);
	ok(metadata_integrity_check(md, &err), err);
	metadata_free(md);

	/* reopen: no migration; a newer schema is refused */
	ok(metadata_open(path, 0, &md, &err), err);
	metadata_free(md);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE schema_version SET version = 99", NULL, NULL,
				      NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_true(metadata_open(path, 0, &md, &err) < 0);
	assert_int_equal(err->errnum, EPROTO);
	test_rm_rf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_metadata),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
