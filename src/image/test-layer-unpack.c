/* Unit tests for layer-unpack: crafted tarballs (made here with
 * libarchive's writer) in every compression, overlay whiteouts, metadata,
 * and hostile layers that must never write outside the layer dir (a
 * sentinel dir beside it must stay untouched). */
#include "common/unit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "image/layer-unpack.h"
#include "image/test-tar.h"
#include "oci/image.h"

struct fixture {
	char *base;  /* tmpdir: layer/ and sentinel/ */
	char *layer; /* base/layer */
	int layer_fd;
};

static const char *const allowed[] = { "layer", NULL };

static int setup(void **state)
{
	struct fixture *f = xzalloc(sizeof(*f));
	f->base = test_tmpdir();
	f->layer = xasprintf("%s/layer", f->base);
	if (mkdir(f->layer, 0755) < 0)
		return -1;
	test_sentinel_make(f->base);
	f->layer_fd = open(f->layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	*state = f;
	return f->layer_fd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	close(f->layer_fd);
	test_tmpdir_remove(f->base);
	free(f->layer);
	free(f);
	return 0;
}

static int unpack_opts(struct fixture *f, const char *buf, size_t len,
		       const struct layer_unpack_options *opts, struct layer_unpack_result *res,
		       berth_error_t **err)
{
	cleanup_close int fd = tar_memfd(buf, len);
	return layer_unpack(fd, f->layer_fd, opts, res, err);
}

static char *lpath(struct fixture *f, const char *rel)
{
	return xasprintf("%s/%s", f->layer, rel);
}

static void assert_intact(struct fixture *f)
{
	assert_true(test_sentinel_intact(f->base, allowed));
}

/* A hostile tar must fail with needle and leave the sentinel alone */
static void expect_refused(struct fixture *f, char *tar, size_t len, const char *needle)
{
	cleanup_error berth_error_t *err = NULL;
	struct layer_unpack_options o = { .name = "sha256:test" };
	int r = unpack_opts(f, tar, len, &o, NULL, &err);
	free(tar);
	if (r >= 0)
		fail_msg("hostile layer accepted (expected '%s')", needle);
	assert_error_contains(err, needle);
	assert_error_contains(err, "layer sha256:test");
	assert_intact(f);
}

static void skip_unless_root(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "# skip: needs root (mknod, chown, trusted.* xattrs)\n");
		skip();
	}
}

static char *basic_tar(enum tar_compression c, size_t *len)
{
	struct tar_builder *tb = tar_builder_new(c);
	tar_add_dir(tb, "./", 0755);
	tar_add_dir(tb, "etc", 0755);
	tar_add_file(tb, "etc/hostname", 0644, "berth\n");
	tar_add_symlink(tb, "etc/link", "/etc/hostname");
	struct archive_entry *e = tar_entry("usr/bin/tool", AE_IFREG, 04755);
	archive_entry_set_uid(e, 1234);
	archive_entry_set_gid(e, 5678);
	archive_entry_set_mtime(e, 1500000000, 123456789);
	tar_add_entry(tb, e, "#!/bin/sh\n", 10);
	e = tar_entry("var", AE_IFDIR, 0700);
	archive_entry_set_mtime(e, 1400000000, 0);
	tar_add_entry(tb, e, NULL, 0);
	tar_add_file(tb, "var/data", 0600, "x");
	return tar_builder_finish(tb, len);
}

static void check_basic(struct fixture *f)
{
	cleanup_free char *host = lpath(f, "etc/hostname");
	cleanup_free char *c = test_read_file(host);
	assert_non_null(c);
	assert_string_equal(c, "berth\n");
	char target[64];
	cleanup_free char *link = lpath(f, "etc/link");
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	assert_string_equal(target, "/etc/hostname");
	struct stat st;
	cleanup_free char *tool = lpath(f, "usr/bin/tool");
	assert_int_equal(lstat(tool, &st), 0);
	assert_int_equal(st.st_mode & 07777, 04755);
	assert_int_equal(st.st_mtim.tv_sec, 1500000000);
	assert_int_equal(st.st_mtim.tv_nsec, 123456789);
	if (geteuid() == 0) {
		assert_int_equal(st.st_uid, 1234);
		assert_int_equal(st.st_gid, 5678);
	}
	cleanup_free char *var = lpath(f, "var");
	assert_int_equal(lstat(var, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	/* set after var/data was written into it */
	assert_int_equal(st.st_mtim.tv_sec, 1400000000);
}

static void run_basic(void **state, enum tar_compression c)
{
	struct fixture *f = *state;
	size_t blen, plen;
	cleanup_free char *blob = basic_tar(c, &blen);
	cleanup_free char *plain = basic_tar(TAR_PLAIN, &plen);
	struct digest diff_id = tar_digest(plain, plen);
	struct layer_unpack_options o = { .diff_id = &diff_id, .flags = LAYER_UNPACK_BLOB_DIGEST };
	struct layer_unpack_result res;
	cleanup_error berth_error_t *err = NULL;
	int r = unpack_opts(f, blob, blen, &o, &res, &err);
	if (r < 0)
		fail_msg("unpack: %s", err->msg);
	assert_true(digest_equal(&res.diff_id, &diff_id));
	struct digest bd = tar_digest(blob, blen);
	assert_true(digest_equal(&res.blob_digest, &bd));
	assert_int_equal(res.blob_size, blen);
	assert_int_equal(res.tar_size, plen);
	check_basic(f);
	assert_intact(f);

	/* the diffID without unpacking is the one the unpack computed */
	cleanup_close int fd = tar_memfd(blob, blen);
	struct digest got;
	if (layer_blob_diff_id(fd, &got, &err) < 0)
		fail_msg("diffID: %s", err->msg);
	assert_true(digest_equal(&got, &diff_id));
	static const char *const types[] = {
		[TAR_PLAIN] = OCI_MT_LAYER, [TAR_GZIP] = OCI_MT_LAYER_GZIP, [TAR_ZSTD] = OCI_MT_LAYER_ZSTD
	};
	assert_string_equal(layer_blob_media_type(fd), types[c]);
}

static void test_plain(void **state)
{
	run_basic(state, TAR_PLAIN);
}

static void test_gzip(void **state)
{
	run_basic(state, TAR_GZIP);
}

static void test_zstd(void **state)
{
	run_basic(state, TAR_ZSTD);
}

static void test_wrong_diff_id(void **state)
{
	struct fixture *f = *state;
	size_t len;
	cleanup_free char *blob = basic_tar(TAR_GZIP, &len);
	struct digest wrong = tar_digest("nope", 4);
	struct layer_unpack_options o = { .diff_id = &wrong, .name = "sha256:x" };
	cleanup_error berth_error_t *err = NULL;
	assert_true(unpack_opts(f, blob, len, &o, NULL, &err) < 0);
	assert_error_contains(err, "diffID");
	assert_error_contains(err, "mismatch");
}

static void test_truncated(void **state)
{
	struct fixture *f = *state;
	size_t len;
	char *blob = basic_tar(TAR_PLAIN, &len);
	/* cut inside the data of the second file */
	expect_refused(f, blob, 1536 + 100, "Truncated");
	blob = basic_tar(TAR_GZIP, &len);
	expect_refused(f, blob, len / 2, "runcated");
}

static void test_garbage(void **state)
{
	struct fixture *f = *state;
	char *junk = xmalloc(4096);
	for (int i = 0; i < 4096; i++)
		junk[i] = (char)(i * 37 + 11);
	expect_refused(f, junk, 4096, "read tar");
	expect_refused(f, xstrdup(""), 0, "empty");
}

static void test_dotdot(void **state)
{
	struct fixture *f = *state;
	struct tar_builder *tb = tar_builder_new(TAR_PLAIN);
	tar_add_file(tb, "../sentinel/file", 0644, "pwned");
	size_t len;
	char *tar = tar_builder_finish(tb, &len);
	expect_refused(f, tar, len, "entry '../sentinel/file': path escapes the layer");

	tb = tar_builder_new(TAR_PLAIN);
	tar_add_file(tb, "a/../../../pwned", 0644, "pwned");
	tar = tar_builder_finish(tb, &len);
	expect_refused(f, tar, len, "path escapes the layer");

	/* ".." that stays inside is fine */
	tb = tar_builder_new(TAR_PLAIN);
	tar_add_file(tb, "a/b/../c", 0644, "ok");
	tar = tar_builder_finish(tb, &len);
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(unpack_opts(f, tar, len, NULL, NULL, &err), 0);
	free(tar);
	cleanup_free char *c = lpath(f, "a/c");
	assert_int_equal(access(c, F_OK), 0);
	assert_intact(f);
}

static void test_absolute_path_contained(void **state)
{
	struct fixture *f = *state;
	cleanup_free char *abs = xasprintf("%s/sentinel/pwned", f->base);
	struct tar_builder *tb = tar_builder_new(TAR_PLAIN);
	tar_add_file(tb, abs, 0644, "contained");
	size_t len;
	cleanup_free char *tar = tar_builder_finish(tb, &len);
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(unpack_opts(f, tar, len, NULL, NULL, &err), 0);
	/* the absolute name lands inside the layer */
	cleanup_free char *in = xasprintf("%s%s", f->layer, abs);
	assert_int_equal(access(in, F_OK), 0);
	assert_intact(f);
}

static void test_symlink_escape(void **state)
{
	struct fixture *f = *state;
	cleanup_free char *abs_sentinel = xasprintf("%s/sentinel", f->base);
	/* relative escape, then write through it */
	struct tar_builder *tb = tar_builder_new(TAR_PLAIN);
	tar_add_symlink(tb, "esc", "../sentinel");
	tar_add_file(tb, "esc/pwned", 0644, "pwned");
	size_t len;
	char *tar = tar_builder_finish(tb, &len);
	expect_refused(f, tar, len, "not a directory");

	/* absolute target, then write through it */
	tb = tar_builder_new(TAR_PLAIN);
	tar_add_symlink(tb, "abs", abs_sentinel);
	tar_add_file(tb, "abs/pwned", 0644, "pwned");
	tar = tar_builder_finish(tb, &len);
	expect_refused(f, tar, len, "not a directory");

	/* a symlink to the file itself, then overwrite the name: the link is
	 * replaced, its target untouched */
	cleanup_free char *abs_file = xasprintf("%s/sentinel/file", f->base);
	tb = tar_builder_new(TAR_PLAIN);
	tar_add_symlink(tb, "f", abs_file);
	tar_add_file(tb, "f", 0644, "replaced");
	tar = tar_builder_finish(tb, &len);
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(unpack_opts(f, tar, len, NULL, NULL, &err), 0);
	free(tar);
	cleanup_free char *fp = lpath(f, "f");
	cleanup_free char *c = test_read_file(fp);
	assert_string_equal(c, "replaced");
	assert_intact(f);

	/* symlink then hard link through it */
	tb = tar_builder_new(TAR_PLAIN);
	tar_add_symlink(tb, "s2", "../sentinel");
	tar_add_hardlink(tb, "h", "s2/file");
	tar = tar_builder_finish(tb, &len);
	expect_refused(f, tar, len, "hard link target");
}

static void test_hardlink_escape(void **state)
{
	struct fixture *f = *state;
	struct tar_builder *tb = tar_builder_new(TAR_PLAIN);
	tar_add_hardlink(tb, "passwd", "/etc/passwd");
	size_t len;
	char *tar = tar_builder_finish(tb, &len);
	/* refused the same way when the caller takes no error */
	assert_true(unpack_opts(f, tar, len, NULL, NULL, NULL) < 0);
	expect_refused(f, tar, len, "is not in the layer");

	tb = tar_builder_new(TAR_PLAIN);
	tar_add_hardlink(tb, "x", "../sentinel/file");
	tar = tar_builder_finish(tb, &len);
	expect_refused(f, tar, len, "path escapes the layer");

	tb = tar_builder_new(TAR_PLAIN);
	tar_add_dir(tb, "d", 0755);
	tar_add_hardlink(tb, "x", "d");
	tar = tar_builder_finish(tb, &len);
	expect_refused(f, tar, len, "hard link to directory");
}

static void test_hardlinks(void **state)
{
	struct fixture *f = *state;
	struct tar_builder *tb = tar_builder_new(TAR_PLAIN);
	tar_add_file(tb, "bin/busybox", 0755, "binary");
	tar_add_hardlink(tb, "bin/sh", "bin/busybox");
	tar_add_hardlink(tb, "usr/bin/ls", "/bin/busybox");
	size_t len;
	cleanup_free char *tar = tar_builder_finish(tb, &len);
	cleanup_error berth_error_t *err = NULL;
	if (unpack_opts(f, tar, len, NULL, NULL, &err) < 0)
		fail_msg("%s", err->msg);
	struct stat a, b, c;
	cleanup_free char *pa = lpath(f, "bin/busybox");
	cleanup_free char *pb = lpath(f, "bin/sh");
	cleanup_free char *pc = lpath(f, "usr/bin/ls");
	assert_int_equal(stat(pa, &a), 0);
	assert_int_equal(stat(pb, &b), 0);
	assert_int_equal(stat(pc, &c), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(a.st_ino, c.st_ino);
	assert_int_equal(a.st_nlink, 3);
}

static void test_devices(void **state)
{
	struct fixture *f = *state;
	struct tar_builder *tb = tar_builder_new(TAR_PLAIN);
	tar_add_dev(tb, "dev/null", AE_IFCHR, 1, 3);
	tar_add_dev(tb, "dev/sda", AE_IFBLK, 8, 0);
	tar_add_dev(tb, "fifo", AE_IFIFO, 0, 0);
	size_t len;
	cleanup_free char *tar = tar_builder_finish(tb, &len);
	cleanup_error berth_error_t *err = NULL;
	struct layer_unpack_result res;
	assert_int_equal(unpack_opts(f, tar, len, NULL, &res, &err), 0);
	assert_int_equal(res.n_skipped, 2);
	cleanup_free char *dn = lpath(f, "dev/null");
	cleanup_free char *fifo = lpath(f, "fifo");
	struct stat st;
	assert_int_equal(lstat(dn, &st), -1);
	assert_int_equal(lstat(fifo, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	if (geteuid() != 0)
		return;
	struct layer_unpack_options o = { .flags = LAYER_UNPACK_DEVICES };
	assert_int_equal(unpack_opts(f, tar, len, &o, &res, &err), 0);
	assert_int_equal(res.n_skipped, 0);
	assert_int_equal(lstat(dn, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(major(st.st_rdev), 1);
	assert_int_equal(minor(st.st_rdev), 3);
	assert_intact(f);
}

static void test_huge_fields(void **state)
{
	struct fixture *f = *state;
	/* a pathname beyond PATH_MAX (pax allows any length) */
	char *longp = xmalloc(10001);
	for (int i = 0; i < 10000; i++)
		longp[i] = i % 100 == 99 ? '/' : 'a';
	longp[10000] = '\0';
	struct tar_builder *tb = tar_builder_new(TAR_PLAIN);
	tar_add_file(tb, longp, 0644, "x");
	free(longp);
	size_t len;
	char *tar = tar_builder_finish(tb, &len);
	expect_refused(f, tar, len, "path longer than");

	/* one component beyond NAME_MAX */
	char name[301];
	memset(name, 'n', 300);
	name[300] = '\0';
	tb = tar_builder_new(TAR_PLAIN);
	tar_add_file(tb, name, 0644, "x");
	tar = tar_builder_finish(tb, &len);
	expect_refused(f, tar, len, "name longer than");

	/* an xattr beyond the cap */
	size_t big = 128 * 1024;
	char *val = xzalloc(big);
	struct archive_entry *e = tar_entry("x", AE_IFREG, 0644);
	archive_entry_xattr_add_entry(e, "user.big", val, big);
	free(val);
	tb = tar_builder_new(TAR_PLAIN);
	tar_add_entry(tb, e, NULL, 0);
	tar = tar_builder_finish(tb, &len);
	expect_refused(f, tar, len, "xattr 'user.big' larger than");

	/* a size field far beyond the data (and the cap) */
	tb = tar_builder_new(TAR_PLAIN);
	tar_add_file(tb, "small", 0644, "x");
	tar = tar_builder_finish(tb, &len);
	/* ustar size field at offset 124 of the first header with pax
	 * restricted and a plain name: "00000000001" -> "77777777777" */
	memcpy(tar + 124, "77777777777", 11);
	/* fix the header checksum */
	unsigned sum = 0;
	memset(tar + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += (unsigned char)tar[i];
	snprintf(tar + 148, 8, "%06o", sum);
	struct layer_unpack_options o = { .name = "sha256:test",
					  .limits = { .max_total_size = 1 << 20 } };
	cleanup_error berth_error_t *err = NULL;
	assert_true(unpack_opts(f, tar, len, &o, NULL, &err) < 0);
	free(tar);
	assert_intact(f);
}

static void test_entry_cap(void **state)
{
	struct fixture *f = *state;
	struct tar_builder *tb = tar_builder_new(TAR_PLAIN);
	for (int i = 0; i < 10; i++) {
		char n[16];
		snprintf(n, sizeof(n), "f%d", i);
		tar_add_file(tb, n, 0644, "x");
	}
	size_t len;
	cleanup_free char *tar = tar_builder_finish(tb, &len);
	struct layer_unpack_options o = { .limits = { .max_entries = 5 } };
	cleanup_error berth_error_t *err = NULL;
	assert_true(unpack_opts(f, tar, len, &o, NULL, &err) < 0);
	assert_error_contains(err, "more than 5 entries");
}

static void test_whiteouts(void **state)
{
	skip_unless_root();
	struct fixture *f = *state;
	struct tar_builder *tb = tar_builder_new(TAR_GZIP);
	tar_add_dir(tb, "etc", 0755);
	tar_add_file(tb, "etc/.wh.passwd", 0, "");
	tar_add_dir(tb, "opq", 0755);
	tar_add_file(tb, "opq/.wh..wh..opq", 0, "");
	tar_add_file(tb, "opq/kept", 0644, "k");
	tar_add_file(tb, ".wh..wh.plnk", 0, "");
	size_t len;
	cleanup_free char *tar = tar_builder_finish(tb, &len);
	cleanup_error berth_error_t *err = NULL;
	if (unpack_opts(f, tar, len, NULL, NULL, &err) < 0)
		fail_msg("%s", err->msg);
	struct stat st;
	cleanup_free char *wh = lpath(f, "etc/passwd");
	assert_int_equal(lstat(wh, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(0, 0));
	cleanup_free char *whf = lpath(f, "etc/.wh.passwd");
	assert_int_equal(lstat(whf, &st), -1);
	cleanup_free char *opq = lpath(f, "opq");
	char v[4];
	assert_int_equal(getxattr(opq, "trusted.overlay.opaque", v, sizeof(v)), 1);
	assert_int_equal(v[0], 'y');
	cleanup_free char *opqf = lpath(f, "opq/.wh..wh..opq");
	assert_int_equal(lstat(opqf, &st), -1);
	assert_intact(f);
}

static void test_xattrs(void **state)
{
	skip_unless_root();
	struct fixture *f = *state;
	struct archive_entry *e = tar_entry("file", AE_IFREG, 0644);
	archive_entry_xattr_add_entry(e, "user.color", "blue", 4);
	archive_entry_xattr_add_entry(e, "trusted.berth", "t", 1);
	archive_entry_xattr_add_entry(e, "trusted.overlay.redirect", "/etc", 4);
	struct archive_entry *d = tar_entry("dir", AE_IFDIR, 0755);
	archive_entry_xattr_add_entry(d, "user.dir", "d", 1);
	struct tar_builder *tb = tar_builder_new(TAR_ZSTD);
	tar_add_entry(tb, e, "data", 4);
	tar_add_entry(tb, d, NULL, 0);
	size_t len;
	cleanup_free char *tar = tar_builder_finish(tb, &len);
	cleanup_error berth_error_t *err = NULL;
	if (unpack_opts(f, tar, len, NULL, NULL, &err) < 0)
		fail_msg("%s", err->msg);
	cleanup_free char *p = lpath(f, "file");
	char v[16];
	ssize_t n = getxattr(p, "user.color", v, sizeof(v));
	if (n < 0 && errno == ENOTSUP)
		skip();
	assert_int_equal(n, 4);
	assert_memory_equal(v, "blue", 4);
	assert_int_equal(getxattr(p, "trusted.berth", v, sizeof(v)), 1);
	/* overlay's own xattrs never come from a layer */
	assert_int_equal(getxattr(p, "trusted.overlay.redirect", v, sizeof(v)), -1);
	cleanup_free char *dp = lpath(f, "dir");
	assert_int_equal(getxattr(dp, "user.dir", v, sizeof(v)), 1);
}

static void test_sparse(void **state)
{
	struct fixture *f = *state;
	size_t size = 16 << 20;
	char *data = xzalloc(size);
	memset(data, 'A', 4096);
	memset(data + size - 4096, 'Z', 4096);
	struct archive_entry *e = tar_entry("sparse", AE_IFREG, 0644);
	/* libarchive drops sparse entries beyond the size: set it first */
	archive_entry_set_size(e, (la_int64_t)size);
	archive_entry_sparse_add_entry(e, 0, 4096);
	archive_entry_sparse_add_entry(e, (la_int64_t)size - 4096, 4096);
	struct tar_builder *tb = tar_builder_new(TAR_PLAIN);
	tar_add_entry(tb, e, data, size);
	size_t len;
	cleanup_free char *tar = tar_builder_finish(tb, &len);
	/* the tar itself is small: the hole is not in it */
	assert_true(len < (1 << 20));
	cleanup_error berth_error_t *err = NULL;
	if (unpack_opts(f, tar, len, NULL, NULL, &err) < 0)
		fail_msg("%s", err->msg);
	cleanup_free char *p = lpath(f, "sparse");
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_size, size);
	assert_true((size_t)st.st_blocks * 512 < size / 2);
	cleanup_free char *c = test_read_file(p);
	assert_memory_equal(c, data, size);
	free(data);
}

static void test_replace_dir_with_file(void **state)
{
	struct fixture *f = *state;
	struct tar_builder *tb = tar_builder_new(TAR_PLAIN);
	tar_add_file(tb, "d/sub/x", 0644, "x");
	tar_add_file(tb, "d", 0644, "now a file");
	tar_add_file(tb, "e", 0644, "file");
	tar_add_dir(tb, "e", 0755);
	tar_add_file(tb, "e/y", 0644, "y");
	size_t len;
	cleanup_free char *tar = tar_builder_finish(tb, &len);
	cleanup_error berth_error_t *err = NULL;
	if (unpack_opts(f, tar, len, NULL, NULL, &err) < 0)
		fail_msg("%s", err->msg);
	cleanup_free char *d = lpath(f, "d");
	cleanup_free char *c = test_read_file(d);
	assert_string_equal(c, "now a file");
	cleanup_free char *y = lpath(f, "e/y");
	assert_int_equal(access(y, F_OK), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_plain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gzip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zstd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_diff_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dotdot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_absolute_path_contained, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_escape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hardlink_escape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hardlinks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_devices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_huge_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_entry_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_whiteouts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xattrs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sparse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_dir_with_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
