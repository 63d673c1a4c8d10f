/* test-archive: docker-archive and OCI layout load and save: round trips
 * through both formats, several images in one archive, and hostile
 * archives (path traversal, wrong diffID, truncation, missing members,
 * wrong blob digests), each refused with a clear error and no image added. */
#include "common/unit.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "image/archive-docker.h"
#include "image/archive-internal.h"
#include "image/archive-oci.h"
#include "image/image-store.h"
#include "image/test-tar.h"

struct fixture {
	char *tmp;
	char *root;
	char *root2;
	struct image_store *s;
	struct image_store *s2;
};

static int setup(void **state)
{
	struct fixture *f = xzalloc(sizeof(*f));
	f->tmp = test_tmpdir();
	f->root = xasprintf("%s/root", f->tmp);
	f->root2 = xasprintf("%s/root2", f->tmp);
	berth_error_t *err = NULL;
	if (image_store_open(f->root, IMAGE_STORE_NO_SYNC, &f->s, &err) < 0 ||
	    image_store_open(f->root2, IMAGE_STORE_NO_SYNC, &f->s2, &err) < 0)
		fail_msg("open: %s", err->msg);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	image_store_free(f->s);
	image_store_free(f->s2);
	test_tmpdir_remove(f->tmp);
	free(f->root);
	free(f->root2);
	free(f);
	return 0;
}

/* ---- building archives -------------------------------------------------- */

static char *make_layer(const char *file, const char *content, size_t *len)
{
	struct tar_builder *tb = tar_builder_new(TAR_PLAIN);
	tar_add_dir(tb, "etc", 0755);
	tar_add_file(tb, file, 0644, content);
	return tar_builder_finish(tb, len);
}

static char *make_config(const struct digest *diffs, size_t n, const char *cmd)
{
	cleanup_json json_t *ids = json_array();
	for (size_t i = 0; i < n; i++) {
		char d[DIGEST_STR_SIZE];
		digest_format(&diffs[i], d);
		json_array_append_new(ids, json_string(d));
	}
	cleanup_json json_t *c = json_pack("{s:s, s:s, s:s, s:{s:[s]}, s:{s:s, s:O}}",
					   "architecture", "amd64", "os", "linux", "created",
					   "2020-01-01T00:00:00Z", "config", "Cmd", cmd, "rootfs",
					   "type", "layers", "diff_ids", ids);
	return json_dumps(c, JSON_COMPACT);
}

enum hostile {
	H_NONE = 0,
	H_TRAVERSAL,   /* a member named ../evil */
	H_ABSOLUTE,    /* a member named /evil */
	H_BAD_DIFFID,  /* the config names another diffID */
	H_MISSING,     /* manifest.json names a missing layer */
	H_SYMLINK_OUT, /* a layer.tar symlink leaving the archive */
	H_NO_MANIFEST, /* neither manifest.json nor index.json */
};

/* A classic docker-archive: <hex>/layer.tar, <hex>.json, manifest.json */
static char *make_docker_archive(enum hostile h, enum tar_compression comp, size_t *len)
{
	size_t l1len, l2len;
	cleanup_free char *l1 = make_layer("etc/base", "base layer\n", &l1len);
	cleanup_free char *l2 = make_layer("etc/top", "top layer\n", &l2len);
	struct digest diffs[2] = { tar_digest(l1, l1len), tar_digest(l2, l2len) };
	if (h == H_BAD_DIFFID)
		diffs[1] = tar_digest("other", 5);
	cleanup_free char *config = make_config(diffs, 2, "true");
	struct digest cd = tar_digest(config, strlen(config));
	char ch[DIGEST_HEX_LEN + 1], h1[DIGEST_HEX_LEN + 1], h2[DIGEST_HEX_LEN + 1];
	digest_format_hex(&cd, ch);
	struct digest d1 = tar_digest(l1, l1len), d2 = tar_digest(l2, l2len);
	digest_format_hex(&d1, h1);
	digest_format_hex(&d2, h2);

	struct tar_builder *tb = tar_builder_new(comp);
	cleanup_free char *p1 = xasprintf("%s/layer.tar", h1);
	cleanup_free char *p2 = xasprintf("%s/layer.tar", h2);
	cleanup_free char *pc = xasprintf("%s.json", ch);
	tar_add_dir(tb, h1, 0755);
	tar_add_entry(tb, tar_entry(p1, AE_IFREG, 0644), l1, l1len);
	tar_add_dir(tb, h2, 0755);
	if (h == H_SYMLINK_OUT)
		tar_add_symlink(tb, p2, "../../../etc/passwd");
	else if (h != H_MISSING)
		tar_add_entry(tb, tar_entry(p2, AE_IFREG, 0644), l2, l2len);
	tar_add_file(tb, pc, 0644, config);
	if (h == H_TRAVERSAL)
		tar_add_file(tb, "../evil", 0644, "evil\n");
	if (h == H_ABSOLUTE)
		tar_add_file(tb, "/evil", 0644, "evil\n");
	cleanup_free char *manifest = xasprintf(
		"[{\"Config\":\"%s\",\"RepoTags\":[\"test/app:1\"],\"Layers\":[\"%s\",\"%s\"]}]",
		pc, p1, p2);
	if (h != H_NO_MANIFEST)
		tar_add_file(tb, "manifest.json", 0644, manifest);
	return tar_builder_finish(tb, len);
}

static int load_buffer(struct image_store *s, const char *buf, size_t len, berth_error_t **err)
{
	int fd = tar_memfd(buf, len);
	int r = archive_docker_load(s, fd, NULL, NULL, err);
	close(fd);
	return r;
}

static size_t image_count(struct image_store *s)
{
	cleanup_json json_t *j = NULL;
	berth_error_t *err = NULL;
	if (image_store_list(s, NULL, &j, &err) < 0)
		fail_msg("list: %s", err->msg);
	return json_array_size(j);
}

/* Read back everything written to a memfd */
static char *memfd_read(int fd, size_t *len)
{
	off_t end = lseek(fd, 0, SEEK_END);
	assert_true(end >= 0);
	char *buf = xmalloc((size_t)end + 1);
	assert_int_equal(pread(fd, buf, (size_t)end, 0), end);
	*len = (size_t)end;
	return buf;
}

static int new_memfd(void)
{
	int fd = memfd_create("archive", MFD_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

/* ---- tests -------------------------------------------------------------- */

static void test_load_classic(void **state)
{
	struct fixture *f = *state;
	size_t len;
	cleanup_free char *a = make_docker_archive(H_NONE, TAR_PLAIN, &len);
	berth_error_t *err = NULL;
	struct archive_loaded loaded = { 0 };
	int fd = tar_memfd(a, len);
	int r = archive_docker_load(f->s, fd, NULL, &loaded, &err);
	close(fd);
	if (r < 0)
		fail_msg("load: %s", err->msg);
	assert_int_equal(loaded.n, 1);
	assert_int_equal(loaded.v[0].n_refs, 1);
	assert_string_equal(loaded.v[0].refs[0], "docker.io/test/app:1");
	archive_loaded_release(&loaded);
	struct digest id;
	assert_int_equal(image_store_resolve(f->s, "test/app:1", &id, &err), 0);
	cleanup_image_info struct image_info *info = NULL;
	assert_int_equal(image_store_get(f->s, &id, &info, &err), 0);
	assert_int_equal(info->n_layers, 2);
	assert_true(info->layers[1].has_blob);
	assert_true(layer_store_exists(image_store_layers(f->s), &info->layers[1].chain_id));
	/* loading again is fine (layers exist) */
	assert_int_equal(load_buffer(f->s, a, len, &err), 0);
	assert_int_equal(image_count(f->s), 1);
}

static void test_load_gzip(void **state)
{
	struct fixture *f = *state;
	size_t len;
	cleanup_free char *a = make_docker_archive(H_NONE, TAR_GZIP, &len);
	berth_error_t *err = NULL;
	if (load_buffer(f->s, a, len, &err) < 0)
		fail_msg("load: %s", err->msg);
	assert_int_equal(image_count(f->s), 1);
}

static void roundtrip(struct fixture *f, bool oci)
{
	size_t len;
	cleanup_free char *a = make_docker_archive(H_NONE, TAR_PLAIN, &len);
	berth_error_t *err = NULL;
	assert_int_equal(load_buffer(f->s, a, len, &err), 0);
	struct digest id1, id2;
	assert_int_equal(image_store_resolve(f->s, "test/app:1", &id1, &err), 0);

	int out = new_memfd();
	const char *names[] = { "test/app:1" };
	int r = oci ? archive_oci_save_tar(f->s, names, 1, out, NULL, NULL, &err) :
		      archive_docker_save(f->s, names, 1, out, NULL, NULL, &err);
	if (r < 0)
		fail_msg("save: %s", err->msg);
	size_t slen;
	cleanup_free char *saved = memfd_read(out, &slen);
	close(out);
	int in = tar_memfd(saved, slen);
	r = oci ? archive_oci_load_tar(f->s2, in, NULL, NULL, &err) :
		  archive_docker_load(f->s2, in, NULL, NULL, &err);
	close(in);
	if (r < 0)
		fail_msg("load saved: %s", err->msg);
	assert_int_equal(image_store_resolve(f->s2, "test/app:1", &id2, &err), 0);
	assert_true(digest_equal(&id1, &id2));
	/* a docker-archive as berth writes it is an OCI layout too */
	if (!oci) {
		in = tar_memfd(saved, slen);
		berth_error_release(&err);
		r = archive_oci_load_tar(f->s2, in, NULL, NULL, &err);
		close(in);
		if (r < 0)
			fail_msg("load as OCI: %s", err->msg);
	}
	berth_error_release(&err);
}

static void test_roundtrip_docker(void **state)
{
	roundtrip(*state, false);
}

static void test_roundtrip_oci(void **state)
{
	roundtrip(*state, true);
}

static void test_roundtrip_oci_dir(void **state)
{
	struct fixture *f = *state;
	size_t len;
	cleanup_free char *a = make_docker_archive(H_NONE, TAR_PLAIN, &len);
	berth_error_t *err = NULL;
	assert_int_equal(load_buffer(f->s, a, len, &err), 0);
	cleanup_free char *dir = xasprintf("%s/layout", f->tmp);
	const char *names[] = { "test/app:1" };
	if (archive_oci_save_dir(f->s, names, 1, dir, NULL, NULL, &err) < 0)
		fail_msg("save: %s", err->msg);
	if (archive_oci_load_dir(f->s2, dir, NULL, NULL, &err) < 0)
		fail_msg("load: %s", err->msg);
	struct digest id;
	assert_int_equal(image_store_resolve(f->s2, "test/app:1", &id, &err), 0);

	/* a corrupted blob is refused */
	cleanup_image_info struct image_info *info = NULL;
	assert_int_equal(image_store_get(f->s2, &id, &info, &err), 0);
	char hex[DIGEST_HEX_LEN + 1];
	digest_format_hex(&info->layers[0].blob_digest, hex);
	cleanup_free char *blob = xasprintf("%s/blobs/sha256/%s", dir, hex);
	cleanup_free char *orig = test_read_file(blob);
	assert_non_null(orig);
	unlink(blob);
	orig[1024] ^= 1; /* the first byte of etc/base */
	int fd = open(blob, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	size_t blen = (size_t)info->layers[0].blob_size;
	assert_int_equal(write(fd, orig, blen), (ssize_t)blen);
	close(fd);
	cleanup_free char *root3 = xasprintf("%s/root3", f->tmp);
	struct image_store *s3 = NULL;
	assert_int_equal(image_store_open(root3, IMAGE_STORE_NO_SYNC, &s3, &err), 0);
	assert_true(archive_oci_load_dir(s3, dir, NULL, NULL, &err) < 0);
	assert_error_contains(err, "mismatch");
	assert_int_equal(image_count(s3), 0);
	image_store_free(s3);
	berth_error_release(&err);
}

static void test_multi_image(void **state)
{
	struct fixture *f = *state;
	size_t len;
	cleanup_free char *a = make_docker_archive(H_NONE, TAR_PLAIN, &len);
	berth_error_t *err = NULL;
	assert_int_equal(load_buffer(f->s, a, len, &err), 0);
	/* a second image: the base layer alone, another config */
	size_t l1len;
	cleanup_free char *l1 = make_layer("etc/base", "base layer\n", &l1len);
	struct digest d1 = tar_digest(l1, l1len);
	cleanup_free char *config = make_config(&d1, 1, "echo");
	struct tar_builder *tb = tar_builder_new(TAR_PLAIN);
	tar_add_entry(tb, tar_entry("l.tar", AE_IFREG, 0644), l1, l1len);
	tar_add_file(tb, "c.json", 0644, config);
	tar_add_file(tb, "manifest.json", 0644,
		     "[{\"Config\":\"c.json\",\"RepoTags\":[\"base:2\"],\"Layers\":[\"l.tar\"]}]");
	size_t blen;
	cleanup_free char *b = tar_builder_finish(tb, &blen);
	assert_int_equal(load_buffer(f->s, b, blen, &err), 0);
	assert_int_equal(image_count(f->s), 2);
	assert_int_equal(image_store_tag(f->s, "base:2", "base:extra", NULL, &err), 0);

	int out = new_memfd();
	const char *names[] = { "test/app:1", "base:2", "base:extra" };
	if (archive_docker_save(f->s, names, 3, out, NULL, NULL, &err) < 0)
		fail_msg("save: %s", err->msg);
	size_t slen;
	cleanup_free char *saved = memfd_read(out, &slen);
	close(out);
	struct archive_loaded loaded = { 0 };
	int in = tar_memfd(saved, slen);
	assert_int_equal(archive_docker_load(f->s2, in, NULL, &loaded, &err), 0);
	close(in);
	assert_int_equal(loaded.n, 2);
	assert_int_equal(loaded.v[0].n_refs + loaded.v[1].n_refs, 3);
	archive_loaded_release(&loaded);
	assert_int_equal(image_count(f->s2), 2);
	struct digest id;
	assert_int_equal(image_store_resolve(f->s2, "base:extra", &id, &err), 0);
	assert_int_equal(image_store_check(f->s2, &err), 0);
}

static void hostile(void **state, enum hostile h, const char *needle)
{
	struct fixture *f = *state;
	size_t len;
	cleanup_free char *a = make_docker_archive(h, TAR_PLAIN, &len);
	berth_error_t *err = NULL;
	assert_true(load_buffer(f->s, a, len, &err) < 0);
	assert_error_contains(err, needle);
	berth_error_release(&err);
	assert_int_equal(image_count(f->s), 0);
	/* nothing named evil anywhere near */
	cleanup_free char *evil = xasprintf("%s/evil", f->tmp);
	struct stat st;
	assert_true(lstat(evil, &st) < 0);
	assert_true(lstat("/evil", &st) < 0);
}

static void test_hostile_traversal(void **state)
{
	hostile(state, H_TRAVERSAL, "path traversal");
}

static void test_hostile_absolute(void **state)
{
	hostile(state, H_ABSOLUTE, "absolute name refused");
}

static void test_hostile_diffid(void **state)
{
	hostile(state, H_BAD_DIFFID, "mismatch");
}

static void test_hostile_missing(void **state)
{
	hostile(state, H_MISSING, "archive has no file");
}

static void test_hostile_symlink(void **state)
{
	hostile(state, H_SYMLINK_OUT, "leaves the archive");
}

static void test_hostile_no_manifest(void **state)
{
	hostile(state, H_NO_MANIFEST, "not an image archive");
}

static void test_hostile_truncated(void **state)
{
	struct fixture *f = *state;
	size_t len;
	cleanup_free char *a = make_docker_archive(H_NONE, TAR_PLAIN, &len);
	berth_error_t *err = NULL;
	/* cut inside the second layer's data */
	assert_true(load_buffer(f->s, a, 3000, &err) < 0);
	assert_non_null(err);
	berth_error_release(&err);
	assert_int_equal(image_count(f->s), 0);
	/* and a gzip stream cut short */
	cleanup_free char *g = make_docker_archive(H_NONE, TAR_GZIP, &len);
	assert_true(load_buffer(f->s, g, len / 2, &err) < 0);
	berth_error_release(&err);
	assert_int_equal(image_count(f->s), 0);
}

static void test_save_unknown(void **state)
{
	struct fixture *f = *state;
	berth_error_t *err = NULL;
	int out = new_memfd();
	const char *names[] = { "nope:1" };
	assert_true(archive_docker_save(f->s, names, 1, out, NULL, NULL, &err) < 0);
	assert_error_contains(err, "nope");
	berth_error_release(&err);
	close(out);
}

static void test_clean_name(void **state)
{
	(void)state;
	char *out = NULL;
	berth_error_t *err = NULL;
	assert_int_equal(archive_clean_name("./a//b/./c/", false, &out, &err), 0);
	assert_string_equal(out, "a/b/c");
	free(out);
	assert_true(archive_clean_name("a/../../b", false, &out, &err) < 0);
	berth_error_release(&err);
	assert_true(archive_clean_name("./", false, &out, &err) < 0);
	berth_error_release(&err);
	assert_int_equal(archive_clean_name("./", true, &out, &err), 0);
	assert_string_equal(out, "");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_name),
		cmocka_unit_test_setup_teardown(test_load_classic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_gzip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roundtrip_docker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roundtrip_oci, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roundtrip_oci_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multi_image, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_traversal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_absolute, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_diffid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_no_manifest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_unknown, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
