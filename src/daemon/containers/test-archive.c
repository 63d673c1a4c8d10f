/* Unit tests of archive.c on a temp rootfs beside a "host" directory that
 * must never be read or written through the container: stat (Go file
 * modes, symlinks), HEAD's header, GET's tar names, export, and PUT with
 * docker's rules and hostile tars ("..", absolute names, symlinked
 * parents, symlinks pointing at the host, whiteout names). */
#include "common/unit.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <ftw.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "daemon/containers/archive.h"
#include "daemon/containers/test-http-fake.h"

struct fixture {
	char *top;    /* the temp dir */
	char *rootfs; /* top/rootfs */
	char *host;   /* top/host: plays the host, holds "secret" */
};

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	chmod(path, mode);
}

static char *p_(const struct fixture *f, const char *rel)
{
	return xasprintf("%s/%s", f->rootfs, rel);
}

static void mk(const struct fixture *f, const char *rel)
{
	cleanup_free char *p = p_(f, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void file(const struct fixture *f, const char *rel, const char *text)
{
	cleanup_free char *p = p_(f, rel);
	write_file(p, text, 0644);
}

static void lnk(const struct fixture *f, const char *target, const char *rel)
{
	cleanup_free char *p = p_(f, rel);
	assert_int_equal(symlink(target, p), 0);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path) < 0 ? -1 : 0;
}

static int setup(void **state)
{
	struct fixture *f = xzalloc(sizeof(*f));
	f->top = xstrdup("/tmp/berth-test-archive-XXXXXX");
	assert_non_null(mkdtemp(f->top));
	f->rootfs = xasprintf("%s/rootfs", f->top);
	f->host = xasprintf("%s/host", f->top);
	assert_int_equal(mkdir(f->rootfs, 0755), 0);
	assert_int_equal(mkdir(f->host, 0755), 0);
	cleanup_free char *secret = xasprintf("%s/secret", f->host);
	write_file(secret, "host secret", 0600);

	mk(f, "etc");
	file(f, "etc/hosts", "hello");
	mk(f, "dir");
	mk(f, "dir/sub");
	file(f, "dir/sub/file", "data");
	cleanup_free char *a = p_(f, "dir/sub/file"), *b = p_(f, "dir/hard");
	assert_int_equal(link(a, b), 0);
	lnk(f, "/dir", "link");
	lnk(f, "../../../../../..", "up");
	/* the host's real path, absolute: inside the container it names
	 * something else (nothing) */
	lnk(f, f->host, "hostdir");
	cleanup_free char *hs = xasprintf("%s/secret", f->host);
	lnk(f, hs, "hostsecret");
	mk(f, "tmp");
	cleanup_free char *tmp = p_(f, "tmp");
	chmod(tmp, 01777);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(nftw(f->top, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
	free(f->top);
	free(f->rootfs);
	free(f->host);
	free(f);
	return 0;
}

/* ---- stat and HEAD --------------------------------------------------------- */

static json_t *stat_ok(const struct fixture *f, const char *path)
{
	json_t *j = NULL;
	berth_error_t *err = NULL;
	if (archive_stat(f->rootfs, path, &j, &err) < 0)
		fail_msg("stat '%s': %s", path, err->msg);
	return j;
}

static void test_stat(void **state)
{
	struct fixture *f = *state;
	cleanup_json json_t *h = stat_ok(f, "/etc/hosts");
	assert_string_equal(json_string_value(json_object_get(h, "name")), "hosts");
	assert_int_equal(json_integer_value(json_object_get(h, "size")), 5);
	assert_int_equal(json_integer_value(json_object_get(h, "mode")), 0644);
	assert_string_equal(json_string_value(json_object_get(h, "linkTarget")), "");
	const char *mt = json_string_value(json_object_get(h, "mtime"));
	assert_true(strlen(mt) >= 20 && mt[4] == '-' && mt[10] == 'T' && mt[strlen(mt) - 1] == 'Z');

	cleanup_json json_t *rel = stat_ok(f, "etc/hosts");
	assert_string_equal(json_string_value(json_object_get(rel, "name")), "hosts");

	cleanup_json json_t *d = stat_ok(f, "/dir");
	assert_int_equal(json_integer_value(json_object_get(d, "mode")), (1LL << 31) | 0755);

	/* a symlink: the link itself, its target resolved in the container */
	cleanup_json json_t *l = stat_ok(f, "/link");
	assert_int_equal(json_integer_value(json_object_get(l, "mode")), (1LL << 27) | 0777);
	assert_string_equal(json_string_value(json_object_get(l, "linkTarget")), "/dir");
	cleanup_json json_t *up = stat_ok(f, "/up");
	assert_string_equal(json_string_value(json_object_get(up, "linkTarget")), "/");
	/* a trailing "/" follows it */
	cleanup_json json_t *lf = stat_ok(f, "/link/");
	assert_int_equal(json_integer_value(json_object_get(lf, "mode")), (1LL << 31) | 0755);
	assert_string_equal(json_string_value(json_object_get(lf, "name")), "link");
	cleanup_json json_t *dot = stat_ok(f, "/dir/.");
	assert_string_equal(json_string_value(json_object_get(dot, "name")), ".");
	cleanup_json json_t *t = stat_ok(f, "/tmp");
	assert_int_equal(json_integer_value(json_object_get(t, "mode")),
			 (1LL << 31) | (1LL << 20) | 0777);

	json_t *j = NULL;
	berth_error_t *err = NULL;
	assert_int_equal(archive_stat(f->rootfs, "/nope/x", &j, &err), -ENOENT);
	assert_string_equal(err->msg, "Could not find the file /nope/x in container");
	berth_error_release(&err);
	/* the host's path means nothing inside the container */
	cleanup_free char *hs = xasprintf("%s/secret", f->host);
	assert_int_equal(archive_stat(f->rootfs, hs, &j, &err), -ENOENT);
	berth_error_release(&err);
	assert_int_equal(archive_stat(f->rootfs, "/hostdir/secret", &j, &err), -ENOENT);
	berth_error_release(&err);
	assert_int_equal(archive_stat(f->rootfs, "/etc/hosts/", &j, &err), -ENOTDIR);
	berth_error_release(&err);
	assert_null(j);
}

static void test_head(void **state)
{
	struct fixture *f = *state;
	struct http_ctx h;
	fake_http_init(&h, NULL, 0);
	berth_error_t *err = NULL;
	assert_int_equal(archive_head(&h, f->rootfs, "/etc/hosts", &err), 0);
	assert_int_equal(h.status, 200);
	const char *prefix = "X-Docker-Container-Path-Stat: ";
	assert_true(strncmp(h.headers.buf, prefix, strlen(prefix)) == 0);
	const char *b64 = h.headers.buf + strlen(prefix);
	size_t len = strcspn(b64, "\n");
	unsigned char dec[1024];
	int n = EVP_DecodeBlock(dec, (const unsigned char *)b64, (int)len);
	assert_true(n > 0);
	json_error_t jerr;
	/* EVP_DecodeBlock leaves the padding as NULs at the end */
	cleanup_json json_t *j =
		json_loadb((const char *)dec, strnlen((char *)dec, (size_t)n), 0, &jerr);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "name")), "hosts");
	fake_http_release(&h);

	fake_http_init(&h, NULL, 0);
	assert_int_equal(archive_head(&h, f->rootfs, "/missing", &err), -ENOENT);
	assert_int_equal(h.status, 0); /* the caller replies the error */
	berth_error_release(&err);
	fake_http_release(&h);
}

/* ---- GET and export ---------------------------------------------------- */

/* The tar as lines "name type size [content|->target|=>hardlink]" */
static char *list_tar(const struct strbuf *body)
{
	struct archive *a = archive_read_new();
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_memory(a, body->buf, body->len), ARCHIVE_OK);
	struct strbuf sb;
	strbuf_init(&sb, 0);
	struct archive_entry *e;
	int r;
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		char type = archive_entry_filetype(e) == AE_IFDIR ? 'd' :
			    archive_entry_filetype(e) == AE_IFLNK ? 'l' :
								    'f';
		strbuf_addf(&sb, "%s %c", archive_entry_pathname(e), type);
		if (archive_entry_hardlink(e))
			strbuf_addf(&sb, " =>%s", archive_entry_hardlink(e));
		else if (type == 'l')
			strbuf_addf(&sb, " ->%s", archive_entry_symlink(e));
		else if (type == 'f') {
			char buf[256];
			la_ssize_t n = archive_read_data(a, buf, sizeof(buf));
			strbuf_addf(&sb, " %.*s", (int)n, buf);
		}
		strbuf_addch(&sb, '\n');
	}
	assert_int_equal(r, ARCHIVE_EOF);
	archive_read_free(a);
	return strbuf_detach(&sb, NULL);
}

static bool has_line(const char *list, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = list; (p = strstr(p, line)) != NULL; p++)
		if ((p == list || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

static char *get_tar(const struct fixture *f, const char *path)
{
	struct http_ctx h;
	fake_http_init(&h, NULL, 0);
	berth_error_t *err = NULL;
	if (archive_get(&h, f->rootfs, path, &err) < 0)
		fail_msg("get '%s': %s", path, err->msg);
	assert_int_equal(h.status, 200);
	assert_string_equal(h.content_type, "application/x-tar");
	assert_true(h.ended);
	assert_non_null(strstr(h.headers.buf, "X-Docker-Container-Path-Stat: "));
	char *l = list_tar(&h.body);
	fake_http_release(&h);
	return l;
}

static void test_get(void **state)
{
	struct fixture *f = *state;
	cleanup_free char *d = get_tar(f, "/dir");
	assert_true(has_line(d, "dir/ d"));
	assert_true(has_line(d, "dir/sub/ d"));
	/* one of the two names carries the data, the other links to it */
	assert_true(
		(has_line(d, "dir/sub/file f data") && has_line(d, "dir/hard f =>dir/sub/file")) ||
		(has_line(d, "dir/hard f data") && has_line(d, "dir/sub/file f =>dir/hard")));

	cleanup_free char *dot = get_tar(f, "/dir/.");
	assert_true(has_line(dot, "./ d"));
	assert_true(has_line(dot, "./sub/ d"));

	cleanup_free char *one = get_tar(f, "/etc/hosts");
	assert_string_equal(one, "hosts f hello\n");

	/* the link itself, never what it points at; with "/" its directory
	 * under the name asked for */
	cleanup_free char *l = get_tar(f, "/link");
	assert_string_equal(l, "link l ->/dir\n");
	cleanup_free char *lf = get_tar(f, "/link/");
	assert_true(has_line(lf, "link/ d"));
	assert_true(has_line(lf, "link/sub/file f data") || has_line(lf, "link/hard f data"));
	cleanup_free char *hs = get_tar(f, "/hostsecret");
	assert_null(strstr(hs, "host secret"));
	/* "/up/" is the container's root, not the host's */
	cleanup_free char *up = get_tar(f, "/up/etc/hosts");
	assert_string_equal(up, "hosts f hello\n");

	struct http_ctx h;
	fake_http_init(&h, NULL, 0);
	berth_error_t *err = NULL;
	assert_int_equal(archive_get(&h, f->rootfs, "/hostdir/secret", &err), -ENOENT);
	assert_int_equal(h.status, 0);
	berth_error_release(&err);
	fake_http_release(&h);
}

static void test_export(void **state)
{
	struct fixture *f = *state;
	struct http_ctx h;
	fake_http_init(&h, NULL, 0);
	berth_error_t *err = NULL;
	assert_int_equal(archive_export(&h, f->rootfs, &err), 0);
	assert_int_equal(h.status, 200);
	assert_true(h.ended);
	cleanup_free char *l = list_tar(&h.body);
	fake_http_release(&h);
	assert_true(has_line(l, "etc/hosts f hello"));
	assert_true(has_line(l, "link l ->/dir"));
	assert_true(has_line(l, "tmp/ d"));
	assert_null(strstr(l, "host secret"));
	assert_true(strncmp(l, "./", 2) != 0);
	assert_null(strstr(l, "\n./"));
}

/* ---- PUT --------------------------------------------------------------- */

struct tar_build {
	struct archive *a;
	struct strbuf out;
};

static la_ssize_t tb_write(struct archive *a, void *ud, const void *buf, size_t len)
{
	strbuf_add(ud, buf, len);
	return (la_ssize_t)len;
}

static void tb_init(struct tar_build *t)
{
	strbuf_init(&t->out, 0);
	t->a = archive_write_new();
	archive_write_set_format_pax_restricted(t->a);
	assert_int_equal(archive_write_open2(t->a, &t->out, NULL, tb_write, NULL, NULL),
			 ARCHIVE_OK);
}

/* type: 'f' file with text, 'd' dir, 'l' symlink to text, 'h' hard link
 * to text, 'c' char device 1:3 */
static void tb_add(struct tar_build *t, char type, const char *name, const char *text, mode_t perm,
		   int uid)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	archive_entry_set_uid(e, uid);
	archive_entry_set_gid(e, uid);
	archive_entry_set_mtime(e, 1700000000, 0);
	switch (type) {
	case 'f':
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_size(e, (la_int64_t)strlen(text));
		break;
	case 'd':
		archive_entry_set_filetype(e, AE_IFDIR);
		break;
	case 'l':
		archive_entry_set_filetype(e, AE_IFLNK);
		archive_entry_set_symlink(e, text);
		break;
	case 'h':
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_hardlink(e, text);
		break;
	case 'c':
		archive_entry_set_filetype(e, AE_IFCHR);
		archive_entry_set_rdev(e, makedev(1, 3));
		break;
	}
	archive_entry_set_perm(e, perm);
	assert_int_equal(archive_write_header(t->a, e), ARCHIVE_OK);
	if (type == 'f')
		assert_int_equal(archive_write_data(t->a, text, strlen(text)),
				 (la_ssize_t)strlen(text));
	archive_entry_free(e);
}

static void tb_finish(struct tar_build *t)
{
	assert_int_equal(archive_write_close(t->a), ARCHIVE_OK);
	archive_write_free(t->a);
}

static int put(const struct fixture *f, struct tar_build *t, const char *path, bool no_overwrite,
	       bool copy_uidgid, berth_error_t **err)
{
	tb_finish(t);
	struct http_ctx h;
	fake_http_init(&h, t->out.buf, t->out.len);
	int r = archive_put(&h, f->rootfs, path, no_overwrite, copy_uidgid, err);
	assert_int_equal(h.status, r == 0 ? 200 : 0);
	fake_http_release(&h);
	strbuf_release(&t->out);
	return r;
}

static char *slurp(const char *path)
{
	char buf[256];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return NULL;
	ssize_t n = read(fd, buf, sizeof(buf));
	close(fd);
	return n < 0 ? NULL : xstrndup(buf, (size_t)n);
}

static void assert_content(const struct fixture *f, const char *rel, const char *want)
{
	cleanup_free char *p = p_(f, rel);
	cleanup_free char *got = slurp(p);
	if (got == NULL || strcmp(got, want) != 0)
		fail_msg("%s: got '%s', want '%s'", rel, got ? got : "(none)", want);
}

static void assert_missing(const char *path)
{
	struct stat st;
	if (lstat(path, &st) == 0)
		fail_msg("'%s' exists", path);
}

static void test_put(void **state)
{
	struct fixture *f = *state;
	struct tar_build t;
	berth_error_t *err = NULL;

	tb_init(&t);
	/* the destination itself: its mode must stay (1777 on /tmp) */
	tb_add(&t, 'd', "./", NULL, 0700, 0);
	tb_add(&t, 'f', "a.txt", "A", 0640, 1234);
	tb_add(&t, 'd', "d", NULL, 0750, 0);
	tb_add(&t, 'f', "d/b.txt", "B", 0644, 0);
	tb_add(&t, 'h', "d/hard", "a.txt", 0644, 0);
	tb_add(&t, 'f', "/abs.txt", "re-rooted", 0644, 0);
	tb_add(&t, 'l', "tohost", f->host, 0777, 0);
	assert_int_equal(put(f, &t, "/tmp", false, false, &err), 0);
	assert_content(f, "tmp/a.txt", "A");
	assert_content(f, "tmp/d/b.txt", "B");
	assert_content(f, "tmp/d/hard", "A");
	assert_content(f, "tmp/abs.txt", "re-rooted");
	struct stat st;
	cleanup_free char *tmp = p_(f, "tmp"), *a = p_(f, "tmp/a.txt");
	assert_int_equal(stat(tmp, &st), 0);
	assert_int_equal(st.st_mode & 07777, 01777);
	assert_int_equal(stat(a, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	/* without copyUIDGID the daemon's owner */
	assert_int_equal(st.st_uid, geteuid());
	cleanup_free char *tl = p_(f, "tmp/tohost");
	assert_int_equal(lstat(tl, &st), 0);
	assert_true(S_ISLNK(st.st_mode));

	/* copyUIDGID keeps the tar's owner (root only) */
	if (geteuid() == 0) {
		tb_init(&t);
		tb_add(&t, 'f', "owned", "o", 0600, 1234);
		tb_add(&t, 'c', "null", NULL, 0666, 0);
		assert_int_equal(put(f, &t, "/tmp", false, true, &err), 0);
		cleanup_free char *o = p_(f, "tmp/owned"), *nul = p_(f, "tmp/null");
		assert_int_equal(stat(o, &st), 0);
		assert_int_equal(st.st_uid, 1234);
		assert_int_equal(lstat(nul, &st), 0);
		assert_true(S_ISCHR(st.st_mode));
		assert_int_equal(st.st_rdev, makedev(1, 3));
	}

	/* the destination through a symlink in the container */
	tb_init(&t);
	tb_add(&t, 'f', "vialink", "V", 0644, 0);
	assert_int_equal(put(f, &t, "/link", false, false, &err), 0);
	assert_content(f, "dir/vialink", "V");
}

static void test_put_errors(void **state)
{
	struct fixture *f = *state;
	struct tar_build t;
	berth_error_t *err = NULL;
	cleanup_free char *outside = xasprintf("%s/evil", f->top);
	cleanup_free char *hostnew = xasprintf("%s/new", f->host);

	/* ".." out of the destination */
	tb_init(&t);
	tb_add(&t, 'f', "../../evil", "x", 0644, 0);
	assert_int_equal(put(f, &t, "/tmp", false, false, &err), -EINVAL);
	assert_error_contains(err, "points outside the destination");
	berth_error_release(&err);
	assert_missing(outside);

	/* writing through a symlink the tar just made (to the host's path) */
	tb_init(&t);
	tb_add(&t, 'l', "esc", f->host, 0777, 0);
	tb_add(&t, 'f', "esc/new", "x", 0644, 0);
	assert_true(put(f, &t, "/etc", false, false, &err) < 0);
	assert_error_contains(err, "not a directory");
	berth_error_release(&err);
	assert_missing(hostnew);

	/* a symlinked destination pointing at the host resolves inside */
	tb_init(&t);
	tb_add(&t, 'f', "new", "x", 0644, 0);
	assert_int_equal(put(f, &t, "/hostdir", false, false, &err), -ENOENT);
	assert_error_contains(err, "Could not find the file /hostdir in container");
	berth_error_release(&err);
	assert_missing(hostnew);

	/* an existing symlinked parent in the container is not written through */
	tb_init(&t);
	tb_add(&t, 'f', "hostdir/new", "x", 0644, 0);
	assert_true(put(f, &t, "/", false, false, &err) < 0);
	berth_error_release(&err);
	assert_missing(hostnew);

	/* a hard link to a host file */
	tb_init(&t);
	tb_add(&t, 'h', "hl", "../../host/secret", 0644, 0);
	assert_int_equal(put(f, &t, "/tmp", false, false, &err), -EINVAL);
	berth_error_release(&err);

	/* whiteout names */
	tb_init(&t);
	tb_add(&t, 'f', ".wh.hosts", "", 0644, 0);
	assert_int_equal(put(f, &t, "/etc", false, false, &err), -EINVAL);
	assert_error_contains(err, "reserved");
	berth_error_release(&err);
	assert_content(f, "etc/hosts", "hello");

	/* the destination must be an existing directory */
	tb_init(&t);
	tb_add(&t, 'f', "x", "x", 0644, 0);
	assert_int_equal(put(f, &t, "/etc/hosts", false, false, &err), -ENOTDIR);
	assert_string_equal(err->msg, "extraction point is not a directory");
	berth_error_release(&err);
	tb_init(&t);
	tb_add(&t, 'f', "x", "x", 0644, 0);
	assert_int_equal(put(f, &t, "/nope", false, false, &err), -ENOENT);
	berth_error_release(&err);

	/* noOverwriteDirNonDir both ways; nothing extracted on refusal */
	tb_init(&t);
	tb_add(&t, 'f', "first", "1", 0644, 0);
	tb_add(&t, 'f', "sub", "not a dir", 0644, 0);
	assert_int_equal(put(f, &t, "/dir", true, false, &err), -EINVAL);
	assert_error_contains(err, "cannot overwrite directory \"sub\" with non-directory");
	berth_error_release(&err);
	cleanup_free char *first = p_(f, "dir/first");
	assert_missing(first);
	tb_init(&t);
	tb_add(&t, 'd', "hosts", NULL, 0755, 0);
	assert_int_equal(put(f, &t, "/etc", true, false, &err), -EINVAL);
	assert_error_contains(err, "cannot overwrite non-directory \"hosts\" with directory");
	berth_error_release(&err);
	/* without the flag docker replaces */
	tb_init(&t);
	tb_add(&t, 'd', "hosts", NULL, 0755, 0);
	assert_int_equal(put(f, &t, "/etc", false, false, &err), 0);
	struct stat st;
	cleanup_free char *hosts = p_(f, "etc/hosts");
	assert_int_equal(lstat(hosts, &st), 0);
	assert_true(S_ISDIR(st.st_mode));

	/* not a tar */
	struct http_ctx h;
	fake_http_init(&h, "garbage", 7);
	assert_int_equal(archive_put(&h, f->rootfs, "/tmp", false, false, &err), -EINVAL);
	assert_int_equal(h.status, 0);
	berth_error_release(&err);
	fake_http_release(&h);
	cleanup_free char *secret = xasprintf("%s/secret", f->host);
	cleanup_free char *s = slurp(secret);
	assert_string_equal(s, "host secret");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
