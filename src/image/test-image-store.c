/* Unit tests for the image store: import with changes, docker's tag/untag/
 * rmi semantics and conflict messages, containers in use, list filters,
 * inspect and history shapes, ID prefixes, prune, gc, and crash safety (a
 * child importing a large tar is SIGKILLed at named points and after a
 * delay; the store must then open, hold no half image, and gc clean up). */
#include "common/unit.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "image/image-store.h"
#include "image/import.h"
#include "image/metadata.h"
#include "image/test-tar.h"

struct fixture {
	char *root;
	struct image_store *s;
};

static int setup(void **state)
{
	struct fixture *f = xzalloc(sizeof(*f));
	f->root = test_tmpdir();
	berth_error_t *err = NULL;
	if (image_store_open(f->root, IMAGE_STORE_NO_SYNC, &f->s, &err) < 0)
		return test_setup_failed("open", err);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	image_store_free(f->s);
	test_tmpdir_remove(f->root);
	free(f);
	return 0;
}

static void check_ok(int r, berth_error_t *err)
{
	if (r < 0)
		fail_msg("unexpected error: %s", err ? err->msg : "(none)");
}

/* Import a small tar whose one file holds content; returns the ID */
static struct digest import_small(struct image_store *s, const char *content, const char *tag,
				  const char *const *changes, size_t n_changes)
{
	struct tar_builder *tb = tar_builder_new(TAR_GZIP);
	tar_add_dir(tb, "etc", 0755);
	tar_add_file(tb, "etc/content", 0644, content);
	size_t len;
	cleanup_free char *tar = tar_builder_finish(tb, &len);
	cleanup_close int fd = tar_memfd(tar, len);
	struct image_import_options o = { .tag = tag, .changes = changes, .n_changes = n_changes };
	struct digest id;
	cleanup_error berth_error_t *err = NULL;
	check_ok(image_import(s, fd, &o, &id, &err), err);
	return id;
}

static const char *jstr(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_string(v))
		fail_msg("'%s' is not a string", key);
	return json_string_value(v);
}

static void short_of(const struct digest *id, char out[13])
{
	char hex[DIGEST_HEX_LEN + 1];
	digest_format_hex(id, hex);
	memcpy(out, hex, 12);
	out[12] = '\0';
}

static void test_import_inspect_history(void **state)
{
	struct fixture *f = *state;
	const char *changes[] = { "CMD [\"/bin/sh\", \"-c\", \"echo hi\"]", "ENV A=b C=d",
				  "WORKDIR /work", "EXPOSE 80 53/udp", "LABEL org.x=y" };
	struct digest id = import_small(f->s, "hello", "busybox:imp", changes, 5);
	cleanup_error berth_error_t *err = NULL;

	cleanup_json json_t *j = NULL;
	check_ok(image_store_inspect(f->s, "busybox:imp", &j, &err), err);
	char sid[DIGEST_STR_SIZE];
	digest_format(&id, sid);
	assert_string_equal(jstr(j, "Id"), sid);
	json_t *tags = json_object_get(j, "RepoTags");
	assert_int_equal(json_array_size(tags), 1);
	assert_string_equal(json_string_value(json_array_get(tags, 0)), "busybox:imp");
	assert_string_equal(jstr(j, "Os"), "linux");
	assert_non_null(json_string_value(json_object_get(j, "Architecture")));
	assert_string_equal(jstr(j, "Comment"), "Imported from -");
	assert_string_equal(jstr(j, "Parent"), "");
	assert_true(strlen(jstr(j, "Created")) > 10);
	json_t *cfg = json_object_get(j, "Config");
	json_t *cmd = json_object_get(cfg, "Cmd");
	assert_int_equal(json_array_size(cmd), 3);
	assert_string_equal(json_string_value(json_array_get(cmd, 2)), "echo hi");
	json_t *env = json_object_get(cfg, "Env");
	assert_int_equal(json_array_size(env), 2);
	assert_string_equal(json_string_value(json_array_get(env, 0)), "A=b");
	assert_string_equal(jstr(cfg, "WorkingDir"), "/work");
	assert_non_null(json_object_get(json_object_get(cfg, "ExposedPorts"), "80/tcp"));
	assert_non_null(json_object_get(json_object_get(cfg, "ExposedPorts"), "53/udp"));
	assert_string_equal(jstr(json_object_get(cfg, "Labels"), "org.x"), "y");
	assert_true(json_is_boolean(json_object_get(cfg, "Tty")));
	json_t *gd = json_object_get(j, "GraphDriver");
	assert_string_equal(jstr(gd, "Name"), "overlay2");
	assert_non_null(strstr(jstr(json_object_get(gd, "Data"), "UpperDir"), "/diff"));
	json_t *rootfs = json_object_get(j, "RootFS");
	assert_string_equal(jstr(rootfs, "Type"), "layers");
	assert_int_equal(json_array_size(json_object_get(rootfs, "Layers")), 1);
	assert_true(json_integer_value(json_object_get(j, "Size")) == 5);
	assert_non_null(jstr(json_object_get(j, "Metadata"), "LastTagTime"));
	assert_string_not_equal(jstr(json_object_get(j, "Metadata"), "LastTagTime"),
				"0001-01-01T00:00:00Z");

	cleanup_json json_t *h = NULL;
	check_ok(image_store_history(f->s, "busybox:imp", &h, &err), err);
	assert_int_equal(json_array_size(h), 1);
	json_t *e = json_array_get(h, 0);
	assert_string_equal(jstr(e, "Id"), sid);
	assert_string_equal(jstr(e, "Comment"), "Imported from -");
	assert_int_equal(json_integer_value(json_object_get(e, "Size")), 5);
	assert_string_equal(json_string_value(json_array_get(json_object_get(e, "Tags"), 0)),
			    "busybox:imp");
	assert_true(json_integer_value(json_object_get(e, "Created")) > 1600000000);

	/* the layer exists as the config says */
	check_ok(image_store_check(f->s, &err), err);

	/* a bad change line stores nothing */
	const char *bad[] = { "FROBNICATE x" };
	struct tar_builder *tb = tar_builder_new(TAR_PLAIN);
	tar_add_file(tb, "x", 0644, "x");
	size_t len;
	cleanup_free char *tar = tar_builder_finish(tb, &len);
	cleanup_close int fd = tar_memfd(tar, len);
	struct image_import_options o = { .changes = bad, .n_changes = 1 };
	assert_true(image_import(f->s, fd, &o, NULL, &err) < 0);
	assert_int_equal(err->errnum, EINVAL);
}

static void test_tag_untag_remove(void **state)
{
	struct fixture *f = *state;
	struct digest id = import_small(f->s, "a", "a:1", NULL, 0);
	cleanup_error berth_error_t *err = NULL;
	struct digest moved;
	assert_int_equal(image_store_tag(f->s, "a:1", "b", &moved, &err), 0);
	struct digest got;
	check_ok(image_store_resolve(f->s, "b:latest", &got, &err), err);
	assert_true(digest_equal(&got, &id));
	assert_true(image_store_tag(f->s, "a:1",
				    "c@sha256:"
				    "0000000000000000000000000000000000000000000000000"
				    "000000000000000",
				    NULL, &err) < 0);

	/* by reference: only the tag goes while another remains */
	cleanup_json json_t *r = NULL;
	check_ok(image_store_remove(f->s, "a:1", 0, &r, &err), err);
	assert_int_equal(json_array_size(r), 1);
	assert_string_equal(jstr(json_array_get(r, 0), "Untagged"), "a:1");
	check_ok(image_store_resolve(f->s, "b", &got, &err), err);

	/* untag leaves a dangling image */
	check_ok(image_store_untag(f->s, "b", &err), err);
	assert_true(image_store_untag(f->s, "b", &err) < 0);
	assert_int_equal(err->errnum, ENOENT);

	/* the last tag by reference takes the image along */
	char sid[13];
	short_of(&id, sid);
	check_ok(image_store_tag(f->s, sid, "d:2", NULL, &err), err);
	json_decref(r);
	r = NULL;
	check_ok(image_store_remove(f->s, "d:2", 0, &r, &err), err);
	assert_string_equal(jstr(json_array_get(r, 0), "Untagged"), "d:2");
	char full[DIGEST_STR_SIZE];
	digest_format(&id, full);
	assert_string_equal(jstr(json_array_get(r, 1), "Deleted"), full);
	assert_true(json_array_size(r) >= 3); /* and its layer */
	assert_true(image_store_resolve(f->s, sid, &got, &err) < 0);
	assert_int_equal(err->errnum, ENOENT);
	assert_non_null(strstr(err->msg, "No such image"));
	check_ok(image_store_check(f->s, &err), err);
}

static void test_remove_conflicts(void **state)
{
	struct fixture *f = *state;
	struct digest id = import_small(f->s, "m", "one:1", NULL, 0);
	cleanup_error berth_error_t *err = NULL;
	check_ok(image_store_tag(f->s, "one:1", "two:1", NULL, &err), err);
	char sid[13];
	short_of(&id, sid);
	cleanup_json json_t *r = NULL;

	/* an ID with several repositories */
	assert_true(image_store_remove(f->s, sid, 0, &r, &err) < 0);
	assert_int_equal(err->errnum, EBUSY);
	cleanup_free char *want = xasprintf("conflict: unable to delete %s (must be forced) - "
					    "image is referenced in multiple repositories",
					    sid);
	assert_string_equal(err->msg, want);

	/* a reference whose image a container uses */
	check_ok(image_store_untag(f->s, "two:1", &err), err);
	cleanup_image_info struct image_info *info = NULL;
	check_ok(image_store_get(f->s, &id, &info, &err), err);
	check_ok(image_store_container_add(f->s, "c0ffee0000000000aaaa", &id,
					   &info->layers[0].chain_id, false, &err),
		 err);
	assert_true(image_store_remove(f->s, "one:1", 0, &r, &err) < 0);
	cleanup_free char *want2 = xasprintf("conflict: unable to remove repository reference "
					     "\"one:1\" (must force) - container c0ffee000000 is "
					     "using its referenced image %s",
					     sid);
	assert_string_equal(err->msg, want2);
	/* by ID, a stopped container */
	assert_true(image_store_remove(f->s, sid, 0, &r, &err) < 0);
	assert_non_null(strstr(err->msg, "(must be forced) - image is being used by stopped "
					 "container c0ffee000000"));
	/* running: cannot be forced */
	check_ok(image_store_container_set_running(f->s, "c0ffee0000000000aaaa", true, &err), err);
	assert_true(image_store_remove(f->s, sid, IMAGE_REMOVE_FORCE, &r, &err) < 0);
	assert_non_null(strstr(err->msg, "(cannot be forced) - image is being used by running "
					 "container c0ffee000000"));
	/* forced with a stopped container: untagged and deleted; the
	 * container's layers stay */
	check_ok(image_store_container_set_running(f->s, "c0ffee0000000000aaaa", false, &err), err);
	check_ok(image_store_remove(f->s, sid, IMAGE_REMOVE_FORCE, &r, &err), err);
	assert_string_equal(jstr(json_array_get(r, 0), "Untagged"), "one:1");
	assert_non_null(json_object_get(json_array_get(r, 1), "Deleted"));
	assert_int_equal(json_array_size(r), 2); /* the layer is still used */
	check_ok(image_store_check(f->s, &err), err);
	check_ok(image_store_container_remove(f->s, "c0ffee0000000000aaaa", &err), err);

	/* forced by ID with several repositories */
	struct digest id2 = import_small(f->s, "n", "x:1", NULL, 0);
	check_ok(image_store_tag(f->s, "x:1", "y:1", NULL, &err), err);
	short_of(&id2, sid);
	json_decref(r);
	r = NULL;
	check_ok(image_store_remove(f->s, sid, IMAGE_REMOVE_FORCE, &r, &err), err);
	assert_int_equal(json_array_size(r), 4); /* 2 Untagged, image, layer */
}

static void test_tag_move_list_prune(void **state)
{
	struct fixture *f = *state;
	const char *lab[] = { "LABEL team=red" };
	struct digest a = import_small(f->s, "first", "app:v1", lab, 1);
	struct digest b = import_small(f->s, "second", NULL, NULL, 0);
	cleanup_error berth_error_t *err = NULL;
	struct digest moved;
	char sb[13];
	short_of(&b, sb);
	assert_int_equal(image_store_tag(f->s, sb, "app:v1", &moved, &err), 1);
	assert_true(digest_equal(&moved, &a));
	check_ok(image_store_tag(f->s, sb, "other/app:v2", NULL, &err), err);

	cleanup_json json_t *l = NULL;
	check_ok(image_store_list(f->s, NULL, &l, &err), err);
	assert_int_equal(json_array_size(l), 2);
	json_t *e = json_array_get(l, 0);
	assert_int_equal(json_integer_value(json_object_get(e, "Containers")), -1);
	assert_int_equal(json_integer_value(json_object_get(e, "SharedSize")), -1);
	assert_true(json_is_integer(json_object_get(e, "Created")));
	assert_string_equal(jstr(e, "ParentId"), "");

	cleanup_json json_t *flt = json_pack("{s:[s]}", "dangling", "true");
	json_decref(l);
	check_ok(image_store_list(f->s, flt, &l, &err), err);
	assert_int_equal(json_array_size(l), 1);
	char sa[DIGEST_STR_SIZE];
	digest_format(&a, sa);
	assert_string_equal(jstr(json_array_get(l, 0), "Id"), sa);
	assert_int_equal(json_array_size(json_object_get(json_array_get(l, 0), "RepoTags")), 0);
	assert_string_equal(jstr(json_object_get(json_array_get(l, 0), "Labels"), "team"), "red");

	json_decref(flt);
	flt = json_pack("{s:{s:b}}", "reference", "other/*", 1);
	json_decref(l);
	check_ok(image_store_list(f->s, flt, &l, &err), err);
	assert_int_equal(json_array_size(l), 1);
	json_t *tags = json_object_get(json_array_get(l, 0), "RepoTags");
	assert_int_equal(json_array_size(tags), 1);
	assert_string_equal(json_string_value(json_array_get(tags, 0)), "other/app:v2");

	json_decref(flt);
	flt = json_pack("{s:[s]}", "label", "team=red");
	json_decref(l);
	check_ok(image_store_list(f->s, flt, &l, &err), err);
	assert_int_equal(json_array_size(l), 1);

	json_decref(flt);
	flt = json_pack("{s:[s]}", "bogus", "x");
	assert_true(image_store_list(f->s, flt, &l, &err) < 0);
	assert_int_equal(err->errnum, EINVAL);

	/* a duration whose seconds overflow is refused, not wrapped */
	json_decref(flt);
	berth_error_release(&err);
	flt = json_pack("{s:[s]}", "until", "9000000000000000h");
	assert_true(image_store_list(f->s, flt, &l, &err) < 0);
	assert_int_equal(err->errnum, EINVAL);

	cleanup_json json_t *p = NULL;
	check_ok(image_store_prune(f->s, NULL, &p, &err), err);
	json_t *del = json_object_get(p, "ImagesDeleted");
	assert_true(json_array_size(del) >= 2);
	assert_string_equal(jstr(json_array_get(del, 0), "Deleted"), sa);
	assert_int_equal(json_integer_value(json_object_get(p, "SpaceReclaimed")), 5);
	json_decref(l);
	check_ok(image_store_list(f->s, NULL, &l, &err), err);
	assert_int_equal(json_array_size(l), 1);
	json_decref(p);
	check_ok(image_store_prune(f->s, NULL, &p, &err), err);
	assert_true(json_is_null(json_object_get(p, "ImagesDeleted")));
	check_ok(image_store_check(f->s, &err), err);
}

static void test_short_ids(void **state)
{
	struct fixture *f = *state;
	/* 17 images: two share a first hex digit (pigeonhole) */
	struct digest ids[17];
	int first = -1, second = -1;
	for (int i = 0; i < 17 && second < 0; i++) {
		cleanup_free char *c = xasprintf("content %d", i);
		ids[i] = import_small(f->s, c, NULL, NULL, 0);
		for (int j = 0; j < i; j++)
			if (ids[j].bytes[0] >> 4 == ids[i].bytes[0] >> 4) {
				first = j;
				second = i;
				break;
			}
	}
	assert_true(second >= 0);
	char hex[DIGEST_HEX_LEN + 1];
	digest_format_hex(&ids[first], hex);
	cleanup_error berth_error_t *err = NULL;
	struct digest got;
	char one[2] = { hex[0], '\0' };
	assert_true(image_store_resolve(f->s, one, &got, &err) < 0);
	assert_int_equal(err->errnum, EINVAL);
	assert_non_null(strstr(err->msg, "ambiguous"));
	check_ok(image_store_resolve(f->s, hex, &got, &err), err);
	assert_true(digest_equal(&got, &ids[first]));
	cleanup_free char *pref = xasprintf("sha256:%.12s", hex);
	check_ok(image_store_resolve(f->s, pref, &got, &err), err);
	assert_true(digest_equal(&got, &ids[first]));
	assert_true(image_store_resolve(f->s, "nosuchimage", &got, &err) < 0);
	assert_int_equal(err->errnum, ENOENT);
	assert_string_equal(err->msg, "No such image: nosuchimage:latest");
	assert_true(image_store_resolve(f->s, "Bad_Name", &got, &err) < 0);
	assert_int_equal(err->errnum, EINVAL);
}

static void test_gc(void **state)
{
	struct fixture *f = *state;
	import_small(f->s, "kept", "kept:1", NULL, 0);
	/* a layer and blob no image references, as a crash leaves them */
	struct tar_builder *tb = tar_builder_new(TAR_GZIP);
	tar_add_file(tb, "orphan", 0644, "orphan data");
	size_t len;
	cleanup_free char *tar = tar_builder_finish(tb, &len);
	cleanup_close int fd = tar_memfd(tar, len);
	struct image_layer l;
	cleanup_error berth_error_t *err = NULL;
	check_ok(image_store_put_layer(f->s, NULL, fd, NULL, NULL, IMAGE_LAYER_KEEP_BLOB, &l, &err),
		 err);
	assert_true(layer_store_exists(image_store_layers(f->s), &l.chain_id));
	assert_string_equal(l.blob_media_type, OCI_MT_LAYER_GZIP);
	struct image_gc_result res;
	check_ok(image_store_gc(f->s, &res, &err), err);
	assert_int_equal(res.blobs_removed, 1);
	assert_int_equal(res.layers_removed, 1);
	assert_false(layer_store_exists(image_store_layers(f->s), &l.chain_id));
	assert_false(content_has(image_store_content(f->s), &l.blob_digest, NULL));
	image_layer_release(&l);
	check_ok(image_store_check(f->s, &err), err);
	/* nothing more to do */
	check_ok(image_store_gc(f->s, &res, &err), err);
	assert_int_equal(res.blobs_removed + res.layers_removed, 0);
}

/* ---- crash safety --------------------------------------------------------- */

#define BIG_SIZE (24u << 20)

static char *big_tar(size_t *ret_len)
{
	char *data = xmalloc(BIG_SIZE);
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < BIG_SIZE; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(data + i, &x, 8);
	}
	struct tar_builder *tb = tar_builder_new(TAR_PLAIN);
	tar_add_dir(tb, "data", 0755);
	struct archive_entry *e = tar_entry("data/random", AE_IFREG, 0644);
	archive_entry_set_size(e, BIG_SIZE);
	tar_add_entry(tb, e, data, BIG_SIZE);
	free(data);
	return tar_builder_finish(tb, ret_len);
}

/* Fork a child that imports tar as "big:1"; crash_at: the named point or
 * NULL; delay_ms >= 0: the parent kills it then.  Returns how it ended:
 * 1 killed, 0 finished. */
static int run_child(const char *root, const char *tar, size_t len, const char *crash_at,
		     int delay_ms)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		metadata_test_crash_at = crash_at;
		struct image_store *s = NULL;
		berth_error_t *err = NULL;
		if (image_store_open(root, 0, &s, &err) < 0)
			_exit(2);
		int fd = tar_memfd(tar, len);
		struct image_import_options o = { .tag = "big:1" };
		_exit(image_import(s, fd, &o, NULL, &err) < 0 ? 3 : 0);
	}
	if (delay_ms >= 0) {
		/* wait for the child's exit or the delay, whichever first */
		int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
		if (pfd >= 0) {
			struct pollfd p = { .fd = pfd, .events = POLLIN };
			poll(&p, 1, delay_ms);
			close(pfd);
		}
		kill(pid, SIGKILL);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status)) {
		assert_int_equal(WTERMSIG(status), SIGKILL);
		return 1;
	}
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	return 0;
}

/* After a crash: the store opens and checks out; the image is there
 * whole (with its tag) or not at all; gc then leaves it consistent */
static void check_after_crash(const char *root, bool *ret_present, size_t *ret_n_images)
{
	struct image_store *s = NULL;
	cleanup_error berth_error_t *err = NULL;
	check_ok(image_store_open(root, 0, &s, &err), err);
	check_ok(image_store_check(s, &err), err);
	cleanup_json json_t *l = NULL;
	check_ok(image_store_list(s, NULL, &l, &err), err);
	struct digest id;
	bool tagged = image_store_resolve(s, "big:1", &id, NULL) == 0;
	*ret_n_images = json_array_size(l);
	check_ok(image_store_gc(s, NULL, &err), err);
	check_ok(image_store_check(s, &err), err);
	*ret_present = tagged;
	image_store_free(s);
}

static void test_crash_safety(void **state)
{
	struct fixture *f = *state;
	size_t len;
	cleanup_free char *tar = big_tar(&len);
	/* the fixture's handle stays open: a live reader must not matter */
	static const struct {
		const char *point;
		bool present;
	} points[] = {
		{ "blob-written", false },
		{ "layer-unpacked", false },
		{ "before-commit", false },
		{ "after-commit", true },
	};
	for (size_t i = 0; i < sizeof(points) / sizeof(points[0]); i++) {
		cleanup_free char *root = test_tmpdir();
		assert_int_equal(run_child(root, tar, len, points[i].point, -1), 1);
		bool present;
		size_t n;
		check_after_crash(root, &present, &n);
		assert_int_equal(present, points[i].present);
		assert_int_equal(n, present ? 1 : 0); /* never a half image */
		/* a second import succeeds (moving the tag, if any) */
		assert_int_equal(run_child(root, tar, len, NULL, -1), 0);
		check_after_crash(root, &present, &n);
		assert_true(present);
		test_rm_rf(root);
	}
	/* killed at arbitrary moments */
	static const int delays[] = { 1, 20, 80, 200, 500 };
	for (size_t i = 0; i < sizeof(delays) / sizeof(delays[0]); i++) {
		run_child(f->root, tar, len, NULL, delays[i]);
		bool present;
		size_t n;
		check_after_crash(f->root, &present, &n);
		assert_int_equal(n, present ? 1 : 0);
		struct image_store *s = NULL;
		cleanup_error berth_error_t *err = NULL;
		check_ok(image_store_open(f->root, 0, &s, &err), err);
		cleanup_json json_t *r = NULL;
		if (present)
			check_ok(image_store_remove(s, "big:1", 0, &r, &err), err);
		image_store_free(s);
	}
	assert_int_equal(run_child(f->root, tar, len, NULL, -1), 0);
	bool present;
	size_t n;
	check_after_crash(f->root, &present, &n);
	assert_true(present);
	assert_int_equal(n, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_import_inspect_history, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tag_untag_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_conflicts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tag_move_list_prune, setup, teardown),
		cmocka_unit_test_setup_teardown(test_short_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_safety, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
