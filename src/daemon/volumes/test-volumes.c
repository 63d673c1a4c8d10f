/* Unit tests for the local volume driver: docker's name rule, the option
 * checks with docker's messages, the o= flag split, and the store's
 * create (idempotent, anonymous label), get, list and remove in a
 * temporary data root. */
#include "common/unit.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "daemon/volumes/volumes.h"

static void test_names(void **state)
{
	(void)state;
	static const char *const good[] = { "ab", "my-vol", "a.b_c-d", "0x", "A1" };
	static const char *const bad[] = { "",    "a",   "-ab",  ".ab", "_ab",
					   "a b", "a/b", "../x", "a:b", "é1" };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!volume_name_valid(good[i]))
			fail_msg("'%s' should be a valid name", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (volume_name_valid(bad[i]))
			fail_msg("'%s' should be refused", bad[i]);
	char long_name[VOLUME_NAME_MAX + 2];
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_false(volume_name_valid(long_name));
	assert_false(volume_name_valid(NULL));
}

static void check_opts(const char *json, const char *needle)
{
	json_error_t je;
	cleanup_json json_t *o = json_loads(json, 0, &je);
	assert_non_null(o);
	cleanup_error berth_error_t *err = NULL;
	if (!needle) {
		if (volume_opts_check(o, &err) < 0)
			fail_msg("%s: %s", json, err->msg);
		return;
	}
	assert_true(volume_opts_check(o, &err) < 0);
	assert_int_equal(err->errnum, EINVAL);
	assert_error_contains(err, needle);
}

static void test_opts(void **state)
{
	(void)state;
	check_opts("{}", NULL);
	check_opts("{\"type\":\"tmpfs\",\"device\":\"tmpfs\",\"o\":\"size=10m\"}", NULL);
	check_opts("{\"type\":\"none\",\"device\":\"/srv\",\"o\":\"bind\"}", NULL);
	check_opts("{\"foo\":\"bar\"}", "invalid option: \"foo\"");
	check_opts("{\"type\":\"tmpfs\"}", "missing required option: \"device\"");
	check_opts("{\"device\":\"tmpfs\"}", "missing required option: \"type\"");
	check_opts("{\"o\":\"size=1m\"}", "missing required option: \"device\"");
	check_opts("{\"type\":1}", "DriverOpts.type: want a string");
	check_opts("{\"size\":\"1g\"}", "quota size requested but no quota support");
	check_opts("[]", "DriverOpts: want an object");
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(volume_opts_check(NULL, &err), 0);
}

static void test_mount_opts(void **state)
{
	(void)state;
	struct volume_mount_opts o;
	assert_int_equal(volume_mount_opts_parse("size=10m,ro,uid=1000,nosuid", &o, NULL), 0);
	assert_int_equal(o.flags, MS_RDONLY | MS_NOSUID);
	assert_string_equal(o.data, "size=10m,uid=1000");
	volume_mount_opts_release(&o);
	assert_int_equal(volume_mount_opts_parse("bind,ro,rw", &o, NULL), 0);
	assert_int_equal(o.flags, MS_BIND);
	assert_string_equal(o.data, "");
	volume_mount_opts_release(&o);
	assert_int_equal(volume_mount_opts_parse(NULL, &o, NULL), 0);
	assert_int_equal(o.flags, 0);
	assert_string_equal(o.data, "");
	volume_mount_opts_release(&o);
}

struct fixture {
	char dir[64];
	struct volume_store *vs;
};

static int setup(void **state)
{
	struct fixture *f = xzalloc(sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/test-volumes-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	cleanup_error berth_error_t *err = NULL;
	if (volume_store_open(f->dir, &f->vs, &err) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	volume_store_close(f->vs);
	nftw(f->dir, unit_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static void test_create_get_remove(void **state)
{
	struct fixture *f = *state;
	cleanup_error berth_error_t *err = NULL;
	json_error_t je;
	cleanup_json json_t *labels = json_loads("{\"a\":\"1\"}", 0, &je);
	cleanup_json json_t *v = NULL;
	assert_int_equal(volume_create(f->vs, "data", NULL, NULL, labels, 0, &v, &err), 0);
	assert_string_equal(json_string_value(json_object_get(v, "Name")), "data");
	assert_string_equal(json_string_value(json_object_get(v, "Driver")), "local");
	assert_string_equal(json_string_value(json_object_get(v, "Scope")), "local");
	assert_true(json_is_null(json_object_get(v, "Options")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(v, "Labels"), "a")),
			    "1");
	cleanup_free char *data = xasprintf("%s/volumes/data/_data", f->dir);
	assert_string_equal(json_string_value(json_object_get(v, "Mountpoint")), data);
	struct stat st;
	assert_int_equal(stat(data, &st), 0);
	assert_true(S_ISDIR(st.st_mode));

	/* the same name again: the existing volume, labels unchanged */
	cleanup_json json_t *again = NULL;
	assert_int_equal(volume_create(f->vs, "data", "local", NULL, NULL, 0, &again, &err), 1);
	assert_string_equal(json_string_value(
				    json_object_get(json_object_get(again, "Labels"), "a")),
			    "1");

	/* a store opened anew sees it (what survives a restart is on disk) */
	struct volume_store *vs2 = NULL;
	assert_int_equal(volume_store_open(f->dir, &vs2, &err), 0);
	cleanup_json json_t *got = NULL;
	assert_int_equal(volume_get(vs2, "data", &got, &err), 0);
	assert_true(json_equal(got, v));
	volume_store_close(vs2);

	assert_int_equal(volume_remove(f->vs, "data", &err), 0);
	assert_int_not_equal(stat(data, &st), 0);
	cleanup_json json_t *none = NULL;
	assert_true(volume_get(f->vs, "data", &none, &err) < 0);
	assert_int_equal(err->errnum, ENOENT);
	assert_string_equal(err->msg, "get data: no such volume");
	berth_error_release(&err);
	assert_true(volume_remove(f->vs, "data", &err) < 0);
	assert_int_equal(err->errnum, ENOENT);
}

static void test_create_errors(void **state)
{
	struct fixture *f = *state;
	cleanup_error berth_error_t *err = NULL;
	assert_true(volume_create(f->vs, "a b", NULL, NULL, NULL, 0, NULL, &err) < 0);
	assert_int_equal(err->errnum, EINVAL);
	assert_error_contains(err, "create a b: \"a b\" includes invalid characters for a local "
				   "volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed");
	berth_error_release(&err);
	json_error_t je;
	cleanup_json json_t *opts = json_loads("{\"bogus\":\"x\"}", 0, &je);
	assert_true(volume_create(f->vs, "vv", NULL, opts, NULL, 0, NULL, &err) < 0);
	assert_string_equal(err->msg, "create vv: invalid option: \"bogus\"");
	berth_error_release(&err);
	assert_true(volume_create(f->vs, "vv", "nfsplugin", NULL, NULL, 0, NULL, &err) < 0);
	assert_int_equal(err->errnum, ENOENT);
	cleanup_json json_t *list = NULL;
	assert_int_equal(volume_list(f->vs, &list, &err), 0);
	assert_int_equal(json_array_size(list), 0);
}

static void test_anonymous_and_list(void **state)
{
	struct fixture *f = *state;
	cleanup_error berth_error_t *err = NULL;
	cleanup_json json_t *a = NULL;
	cleanup_json json_t *b = NULL;
	assert_int_equal(volume_create(f->vs, NULL, NULL, NULL, NULL, VOLUME_ANONYMOUS, &a, &err),
			 0);
	const char *name = json_string_value(json_object_get(a, "Name"));
	assert_int_equal(strlen(name), 64);
	json_t *l = json_object_get(json_object_get(a, "Labels"), VOLUME_LABEL_ANONYMOUS);
	assert_non_null(l);
	assert_string_equal(json_string_value(l), "");
	/* "" without the flag: a random name, no label */
	assert_int_equal(volume_create(f->vs, "", NULL, NULL, NULL, 0, &b, &err), 0);
	assert_true(json_is_null(json_object_get(b, "Labels")));
	cleanup_json json_t *list = NULL;
	assert_int_equal(volume_list(f->vs, &list, &err), 0);
	assert_int_equal(json_array_size(list), 2);
	/* a creation cut short leaves a .new- dir that open sweeps and list ignores */
	cleanup_free char *half = xasprintf("%s/volumes/.new-half", f->dir);
	assert_int_equal(mkdir(half, 0700), 0);
	json_decref(list);
	list = NULL;
	assert_int_equal(volume_list(f->vs, &list, &err), 0);
	assert_int_equal(json_array_size(list), 2);
	struct volume_store *vs2 = NULL;
	assert_int_equal(volume_store_open(f->dir, &vs2, &err), 0);
	volume_store_close(vs2);
	assert_int_not_equal(access(half, F_OK), 0);
}

static void test_acquire_plain(void **state)
{
	struct fixture *f = *state;
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(volume_create(f->vs, "plain", NULL, NULL, NULL, 0, NULL, &err), 0);
	assert_int_equal(volume_acquire(f->vs, "plain", &err), 0);
	/* in use by a running container: removal refused */
	assert_true(volume_remove(f->vs, "plain", &err) < 0);
	assert_int_equal(err->errnum, EBUSY);
	berth_error_release(&err);
	volume_release(f->vs, "plain");
	assert_int_equal(volume_remove(f->vs, "plain", &err), 0);
	assert_true(volume_acquire(f->vs, "plain", &err) < 0);
	assert_int_equal(err->errnum, ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_opts),
		cmocka_unit_test(test_mount_opts),
		cmocka_unit_test_setup_teardown(test_create_get_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_anonymous_and_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_acquire_plain, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
