/* Unit tests for spec-user: Config.User and GroupAdd resolved in a
 * temporary rootfs's /etc/passwd and /etc/group, like runc's GetExecUser;
 * and an /etc/passwd symlink that points at the host's stays inside. */
#include "common/unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "daemon/containers/spec-internal.h"

static char rootfs[64];

static void write_file(const char *path, const char *content)
{
	cleanup_free char *p = xasprintf("%s%s", rootfs, path);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static int setup(void **state)
{
	snprintf(rootfs, sizeof(rootfs), "/tmp/test-spec-user.XXXXXX");
	assert_non_null(mkdtemp(rootfs));
	cleanup_free char *etc = xasprintf("%s/etc", rootfs);
	assert_int_equal(mkdir(etc, 0755), 0);
	write_file("/etc/passwd", "# comment\n"
				  "root:x:0:0:root:/root:/bin/sh\n"
				  "broken line\n"
				  "app:x:1000:1000:App:/home/app:/bin/sh\n"
				  "svc:x:2000:2000::/srv:/bin/false\n");
	write_file("/etc/group", "root:x:0:\n"
				 "app:x:1000:\n"
				 "wheel:x:10:app,svc\n"
				 "audio:x:29:svc\n"
				 "video:x:44:\n");
	return 0;
}

static int teardown(void **state)
{
	return unit_rm_rf(rootfs);
}

static json_t *J(const char *t)
{
	return json_loads(t, 0, NULL);
}

static void check(const char *user, const char *group_add, uint32_t uid, uint32_t gid,
		  const char *gids, const char *home)
{
	cleanup_json json_t *ga = group_add ? J(group_add) : NULL;
	struct spec_user u;
	cleanup_error berth_error_t *err = NULL;
	if (spec_user_resolve(rootfs, user, ga, &u, &err) < 0)
		fail_msg("'%s': %s", user, err->msg);
	assert_int_equal(u.uid, uid);
	assert_int_equal(u.gid, gid);
	struct strbuf sb;
	strbuf_init(&sb, 32);
	for (size_t i = 0; i < u.n_gids; i++)
		strbuf_addf(&sb, "%s%u", i ? "," : "", u.gids[i]);
	if (strcmp(sb.buf ? sb.buf : "", gids) != 0)
		fail_msg("'%s': gids %s, want %s", user, sb.buf, gids);
	assert_string_equal(u.home, home);
	strbuf_release(&sb);
	spec_user_release(&u);
}

static void fails(const char *user, const char *group_add, const char *needle)
{
	cleanup_json json_t *ga = group_add ? J(group_add) : NULL;
	struct spec_user u = { 0 };
	cleanup_error berth_error_t *err = NULL;
	assert_true(spec_user_resolve(rootfs, user, ga, &u, &err) < 0);
	assert_error_contains(err, needle);
}

static void test_forms(void **state)
{
	check("", NULL, 0, 0, "0", "/root");
	check(NULL, NULL, 0, 0, "0", "/root");
	check("app", NULL, 1000, 1000, "1000,10", "/home/app");
	check("svc", NULL, 2000, 2000, "2000,10,29", "/srv");
	check("1000", NULL, 1000, 1000, "1000,10", "/home/app");
	/* a uid without an entry: gid 0, HOME / */
	check("4242", NULL, 4242, 0, "0", "/");
	check("4242:4343", NULL, 4242, 4343, "4343", "/");
	/* an explicit group drops the supplementary ones */
	check("app:video", NULL, 1000, 44, "44", "/home/app");
	check("app:29", NULL, 1000, 29, "29", "/home/app");
	check("app", "[\"video\",\"4000\",\"10\"]", 1000, 1000, "1000,10,44,4000", "/home/app");
}

static void test_errors(void **state)
{
	fails("nosuch", NULL, "unable to find user nosuch: no matching entries in passwd file");
	fails("app:nosuch", NULL, "unable to find group nosuch: no matching entries in group file");
	fails("app", "[\"nosuch\"]", "Unable to find group nosuch");
}

/* An image whose /etc/passwd is a symlink to the host's: the link is
 * resolved inside the rootfs (to <rootfs>/etc/host-passwd) */
static void test_symlink_stays_inside(void **state)
{
	cleanup_free char *pw = xasprintf("%s/etc/passwd", rootfs);
	cleanup_free char *saved = xasprintf("%s/etc/passwd.saved", rootfs);
	assert_int_equal(rename(pw, saved), 0);
	assert_int_equal(symlink("/etc/../../../../etc/host-passwd", pw), 0);
	write_file("/etc/host-passwd", "root:x:0:0:root:/inside:/bin/sh\n");
	check("root", NULL, 0, 0, "0", "/inside");
	/* the host's own root entry (HOME /root) was not read */
	assert_int_equal(unlink(pw), 0);
	assert_int_equal(rename(saved, pw), 0);
}

static void test_missing_files(void **state)
{
	char empty[] = "/tmp/test-spec-user-empty.XXXXXX";
	assert_non_null(mkdtemp(empty));
	struct spec_user u;
	assert_int_equal(spec_user_resolve(empty, "123:456", NULL, &u, NULL), 0);
	assert_int_equal(u.uid, 123);
	assert_int_equal(u.gid, 456);
	spec_user_release(&u);
	cleanup_error berth_error_t *err = NULL;
	assert_true(spec_user_resolve(empty, "app", NULL, &u, &err) < 0);
	assert_error_contains(err, "unable to find user app");
	rmdir(empty);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_symlink_stays_inside),
		cmocka_unit_test(test_missing_files),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
