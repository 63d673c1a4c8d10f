/* test-tar: crafted layer tarballs for the image tests, built in memory
 * with libarchive's writer (plain, gzip or zstd), plus the small file
 * helpers those tests share (memfd input, sentinel dirs, tree removal). */
#ifndef BERTH_IMAGE_TEST_TAR_H
#define BERTH_IMAGE_TEST_TAR_H

#include <archive.h>
#include <archive_entry.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/digest.h"
#include "common/error.h"

enum tar_compression {
	TAR_PLAIN = 0,
	TAR_GZIP,
	TAR_ZSTD,
};

struct tar_builder;

struct tar_builder *tar_builder_new(enum tar_compression c);
/* A new entry with pathname, type and mode set, uid/gid 0, mtime 1000000000;
 * add it with tar_add_entry (which frees it) */
struct archive_entry *tar_entry(const char *path, mode_t type, mode_t perm);
/* Add e (freed) with len bytes of data */
void tar_add_entry(struct tar_builder *tb, struct archive_entry *e, const void *data, size_t len);
void tar_add_dir(struct tar_builder *tb, const char *path, mode_t perm);
void tar_add_file(struct tar_builder *tb, const char *path, mode_t perm, const char *content);
void tar_add_symlink(struct tar_builder *tb, const char *path, const char *target);
void tar_add_hardlink(struct tar_builder *tb, const char *path, const char *target);
void tar_add_dev(struct tar_builder *tb, const char *path, mode_t type, unsigned major,
		 unsigned minor);
/* Finish and return the tar bytes (caller frees); frees tb */
char *tar_builder_finish(struct tar_builder *tb, size_t *ret_len);

/* A memfd holding data at offset 0 */
int tar_memfd(const void *data, size_t len);
/* The sha256 of data as a digest */
struct digest tar_digest(const void *data, size_t len);

/* A temp dir /tmp/berth-test-XXXXXX; caller frees */
char *test_tmpdir(void);
/* rm -rf path (never following symlinks) */
void test_rm_rf(const char *path);
/* rm -rf a test_tmpdir() and free its name; NULL is fine */
void test_tmpdir_remove(char *path);
/* Report a failed fixture setup ("what: msg" on stderr), free err and
 * return -1 for a cmocka setup function to return */
int test_setup_failed(const char *what, berth_error_t *err);
/* Create <dir>/sentinel/file with known content */
void test_sentinel_make(const char *dir);
/* True when <dir>/sentinel holds exactly that file, unchanged, and dir holds
 * nothing but allowed (NULL-terminated list of names, plus "sentinel") */
bool test_sentinel_intact(const char *dir, const char *const *allowed);
/* Write a whole file */
void test_write_file(const char *path, const char *content);
/* Read a whole (small) file; caller frees; NULL when missing */
char *test_read_file(const char *path);

#endif
