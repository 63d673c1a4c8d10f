/* test-tar: crafted tarballs for the image tests, made in memory with
 * libarchive's writer, and shared file helpers.  Test code: allocation
 * or libarchive failures abort. */
#include "image/test-tar.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "image/layer-unpack.h"

#define SENTINEL_CONTENT "sentinel: must never change\n"

struct tar_builder {
	struct archive *a;
	struct strbuf out;
};

static la_ssize_t mem_write(struct archive *a, void *ud, const void *buf, size_t len)
{
	struct tar_builder *tb = ud;
	strbuf_add(&tb->out, buf, len);
	return (la_ssize_t)len;
}

static void check(int r, struct archive *a, const char *what)
{
	if (r < ARCHIVE_WARN) {
		fprintf(stderr, "test-tar: %s: %s\n", what, archive_error_string(a));
		abort();
	}
}

struct tar_builder *tar_builder_new(enum tar_compression c)
{
	struct tar_builder *tb = xzalloc(sizeof(*tb));
	strbuf_init(&tb->out, 4096);
	tb->a = archive_write_new();
	check(archive_write_set_format_pax(tb->a), tb->a, "format");
	/* no zero padding after the end: the uncompressed tar is the same
	 * bytes whatever the compression, and zstd readers refuse padding */
	check(archive_write_set_bytes_in_last_block(tb->a, 1), tb->a, "block");
	switch (c) {
	case TAR_PLAIN:
		check(archive_write_add_filter_none(tb->a), tb->a, "filter");
		break;
	case TAR_GZIP:
		check(archive_write_add_filter_gzip(tb->a), tb->a, "gzip");
		break;
	case TAR_ZSTD:
		check(archive_write_add_filter_zstd(tb->a), tb->a, "zstd");
		break;
	}
	check(archive_write_open(tb->a, tb, NULL, mem_write, NULL), tb->a, "open");
	return tb;
}

struct archive_entry *tar_entry(const char *path, mode_t type, mode_t perm)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	archive_entry_set_mtime(e, 1000000000, 0);
	return e;
}

void tar_add_entry(struct tar_builder *tb, struct archive_entry *e, const void *data, size_t len)
{
	if (archive_entry_filetype(e) == AE_IFREG && !archive_entry_hardlink(e))
		archive_entry_set_size(e, (la_int64_t)len);
	check(archive_write_header(tb->a, e), tb->a, "header");
	if (len)
		check((int)archive_write_data(tb->a, data, len) < 0 ? ARCHIVE_FATAL : ARCHIVE_OK,
		      tb->a, "data");
	archive_entry_free(e);
}

void tar_add_dir(struct tar_builder *tb, const char *path, mode_t perm)
{
	tar_add_entry(tb, tar_entry(path, AE_IFDIR, perm), NULL, 0);
}

void tar_add_file(struct tar_builder *tb, const char *path, mode_t perm, const char *content)
{
	tar_add_entry(tb, tar_entry(path, AE_IFREG, perm), content, strlen(content));
}

void tar_add_symlink(struct tar_builder *tb, const char *path, const char *target)
{
	struct archive_entry *e = tar_entry(path, AE_IFLNK, 0777);
	archive_entry_set_symlink(e, target);
	tar_add_entry(tb, e, NULL, 0);
}

void tar_add_hardlink(struct tar_builder *tb, const char *path, const char *target)
{
	struct archive_entry *e = tar_entry(path, AE_IFREG, 0644);
	archive_entry_set_hardlink(e, target);
	archive_entry_set_size(e, 0);
	tar_add_entry(tb, e, NULL, 0);
}

void tar_add_dev(struct tar_builder *tb, const char *path, mode_t type, unsigned major,
		 unsigned minor)
{
	struct archive_entry *e = tar_entry(path, type, 0600);
	archive_entry_set_rdevmajor(e, major);
	archive_entry_set_rdevminor(e, minor);
	tar_add_entry(tb, e, NULL, 0);
}

char *tar_builder_finish(struct tar_builder *tb, size_t *ret_len)
{
	check(archive_write_close(tb->a), tb->a, "close");
	archive_write_free(tb->a);
	char *buf = strbuf_detach(&tb->out, ret_len);
	free(tb);
	return buf;
}

int tar_memfd(const void *data, size_t len)
{
	int fd = memfd_create("layer", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	const char *p = data;
	size_t left = len;
	while (left > 0) {
		ssize_t n = write(fd, p, left);
		if (n <= 0)
			abort();
		p += n;
		left -= (size_t)n;
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}

struct digest tar_digest(const void *data, size_t len)
{
	struct digest d;
	digest_buffer(data, len, &d);
	return d;
}

char *test_tmpdir(void)
{
	char *p = xstrdup("/tmp/berth-test-XXXXXX");
	if (!mkdtemp(p))
		abort();
	return p;
}

void test_rm_rf(const char *path)
{
	berth_error_t *err = NULL;
	if (layer_remove_tree_at(AT_FDCWD, path, &err) < 0) {
		fprintf(stderr, "test: rm -rf '%s': %s\n", path, err->msg);
		berth_error_free(err);
	}
}

void test_tmpdir_remove(char *path)
{
	if (path == NULL)
		return;
	test_rm_rf(path);
	free(path);
}

int test_setup_failed(const char *what, berth_error_t *err)
{
	fprintf(stderr, "%s: %s\n", what, err ? err->msg : "(no error)");
	berth_error_free(err);
	return -1;
}

void test_write_file(const char *path, const char *content)
{
	FILE *f = fopen(path, "we");
	if (!f)
		abort();
	fputs(content, f);
	fclose(f);
}

char *test_read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(f);
	return strbuf_detach(&sb, NULL);
}

void test_sentinel_make(const char *dir)
{
	cleanup_free char *s = xasprintf("%s/sentinel", dir);
	if (mkdir(s, 0755) < 0 && errno != EEXIST)
		abort();
	cleanup_free char *f = xasprintf("%s/sentinel/file", dir);
	test_write_file(f, SENTINEL_CONTENT);
}

bool test_sentinel_intact(const char *dir, const char *const *allowed)
{
	cleanup_free char *s = xasprintf("%s/sentinel", dir);
	cleanup_dir DIR *d = opendir(s);
	if (!d)
		return false;
	struct dirent *de;
	int n = 0;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (strcmp(de->d_name, "file") != 0) {
			fprintf(stderr, "sentinel: unexpected '%s'\n", de->d_name);
			return false;
		}
		n++;
	}
	if (n != 1)
		return false;
	cleanup_free char *f = xasprintf("%s/sentinel/file", dir);
	cleanup_free char *c = test_read_file(f);
	if (!c || strcmp(c, SENTINEL_CONTENT) != 0)
		return false;
	cleanup_dir DIR *top = opendir(dir);
	if (!top)
		return false;
	while ((de = readdir(top))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, "sentinel") == 0)
			continue;
		bool ok = false;
		for (const char *const *a = allowed; a && *a; a++)
			ok = ok || strcmp(*a, de->d_name) == 0;
		if (!ok) {
			fprintf(stderr, "sentinel dir: unexpected '%s'\n", de->d_name);
			return false;
		}
	}
	return true;
}
