/* Unit tests for mount-options: every entry of the config.md options table,
 * override order, propagation lists, recursive attributes, data joining,
 * and odd input (empty, NULL, x-*, duplicates, over-long). */
#include "common/unit.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mount.h>

#include "common/cleanup.h"
#include "common/strbuf.h"
#include "runtime/mount-options.h"
#include "runtime/mount.h"

/* Parse a NULL-terminated list */
static int parse(const char *type, struct mount_opts *o, berth_error_t **err, ...)
{
	const char *opts[64];
	size_t n = 0;
	va_list ap;
	va_start(ap, err);
	for (const char *s; (s = va_arg(ap, const char *)) != NULL;)
		opts[n++] = s;
	va_end(ap);
	opts[n] = NULL;
	return mount_opts_parse_list(opts, n, type, o, err);
}

static void test_empty(void **state)
{
	cleanup_mount_opts struct mount_opts o;
	assert_int_equal(mount_opts_parse_list(NULL, 0, NULL, &o, NULL), 0);
	assert_int_equal(o.flags, 0);
	assert_int_equal(o.clear, 0);
	assert_int_equal(o.n_propagation, 0);
	assert_null(o.data);
	assert_int_equal(o.extra, 0);
	assert_int_equal(o.attr_set, 0);
	assert_int_equal(o.attr_clr, 0);
}

static void test_each_flag(void **state)
{
	static const struct {
		const char *opt;
		unsigned long set, clear;
	} cases[] = {
		{ "defaults", 0, 0 },
		{ "ro", MS_RDONLY, 0 },
		{ "rw", 0, MS_RDONLY },
		{ "suid", 0, MS_NOSUID },
		{ "nosuid", MS_NOSUID, 0 },
		{ "dev", 0, MS_NODEV },
		{ "nodev", MS_NODEV, 0 },
		{ "exec", 0, MS_NOEXEC },
		{ "noexec", MS_NOEXEC, 0 },
		{ "sync", MS_SYNCHRONOUS, 0 },
		{ "async", 0, MS_SYNCHRONOUS },
		{ "dirsync", MS_DIRSYNC, 0 },
		{ "remount", MS_REMOUNT, 0 },
		{ "mand", MS_MANDLOCK, 0 },
		{ "nomand", 0, MS_MANDLOCK },
		{ "atime", 0, MS_NOATIME },
		{ "noatime", MS_NOATIME, 0 },
		{ "diratime", 0, MS_NODIRATIME },
		{ "nodiratime", MS_NODIRATIME, 0 },
		{ "relatime", MS_RELATIME, 0 },
		{ "norelatime", 0, MS_RELATIME },
		{ "strictatime", MS_STRICTATIME, 0 },
		{ "nostrictatime", 0, MS_STRICTATIME },
		{ "lazytime", MS_LAZYTIME, 0 },
		{ "nolazytime", 0, MS_LAZYTIME },
		{ "iversion", MS_I_VERSION, 0 },
		{ "noiversion", 0, MS_I_VERSION },
		{ "silent", MS_SILENT, 0 },
		{ "loud", 0, MS_SILENT },
		{ "nosymfollow", MS_NOSYMFOLLOW, 0 },
		{ "symfollow", 0, MS_NOSYMFOLLOW },
		{ "bind", MS_BIND, 0 },
		{ "rbind", MS_BIND | MS_REC, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_mount_opts struct mount_opts o;
		assert_int_equal(parse(NULL, &o, NULL, cases[i].opt, NULL), 0);
		if (o.flags != cases[i].set || o.clear != cases[i].clear)
			fail_msg("'%s': flags %#lx clear %#lx", cases[i].opt, o.flags, o.clear);
		assert_null(o.data);
		assert_int_equal(o.n_propagation, 0);
	}
}

static void test_override_order(void **state)
{
	cleanup_mount_opts struct mount_opts a;
	assert_int_equal(parse(NULL, &a, NULL, "ro", "rw", NULL), 0);
	assert_int_equal(a.flags, 0);
	assert_int_equal(a.clear, MS_RDONLY);

	cleanup_mount_opts struct mount_opts b;
	assert_int_equal(parse(NULL, &b, NULL, "rw", "ro", "nosuid", "suid", "nosuid", NULL), 0);
	assert_int_equal(b.flags, MS_RDONLY | MS_NOSUID);
	assert_int_equal(b.clear, 0);

	cleanup_mount_opts struct mount_opts c;
	assert_int_equal(parse(NULL, &c, NULL, "ro", "ro", "ro", NULL), 0);
	assert_int_equal(c.flags, MS_RDONLY);
}

static void test_typical_mounts(void **state)
{
	cleanup_mount_opts struct mount_opts proc;
	assert_int_equal(parse("proc", &proc, NULL, "nosuid", "noexec", "nodev", NULL), 0);
	assert_int_equal(proc.flags, MS_NOSUID | MS_NOEXEC | MS_NODEV);
	assert_null(proc.data);
	assert_false(proc.extra & MOUNT_OPT_BIND);

	cleanup_mount_opts struct mount_opts dev;
	assert_int_equal(parse("tmpfs", &dev, NULL, "nosuid", "strictatime", "mode=755",
			       "size=65536k", NULL),
			 0);
	assert_int_equal(dev.flags, MS_NOSUID | MS_STRICTATIME);
	assert_string_equal(dev.data, "mode=755,size=65536k");

	cleanup_mount_opts struct mount_opts pts;
	assert_int_equal(parse("devpts", &pts, NULL, "nosuid", "noexec", "newinstance",
			       "ptmxmode=0666", "mode=0620", "gid=5", NULL),
			 0);
	assert_int_equal(pts.flags, MS_NOSUID | MS_NOEXEC);
	assert_string_equal(pts.data, "newinstance,ptmxmode=0666,mode=0620,gid=5");

	cleanup_mount_opts struct mount_opts bind;
	assert_int_equal(parse("bind", &bind, NULL, "rbind", "ro", "rprivate", NULL), 0);
	assert_int_equal(bind.flags, MS_BIND | MS_REC | MS_RDONLY);
	assert_true(bind.extra & MOUNT_OPT_BIND);
	assert_int_equal(bind.n_propagation, 1);
	assert_int_equal(bind.propagation[0], MS_PRIVATE | MS_REC);
}

static void test_bind_type(void **state)
{
	/* type "bind" alone implies a non-recursive bind */
	cleanup_mount_opts struct mount_opts a;
	assert_int_equal(parse("bind", &a, NULL, "ro", NULL), 0);
	assert_int_equal(a.flags, MS_BIND | MS_RDONLY);
	assert_true(a.extra & MOUNT_OPT_BIND);

	/* type "none" with rbind is a recursive bind */
	cleanup_mount_opts struct mount_opts b;
	assert_int_equal(parse("none", &b, NULL, "rbind", NULL), 0);
	assert_int_equal(b.flags, MS_BIND | MS_REC);
	assert_true(b.extra & MOUNT_OPT_BIND);

	/* bind then rbind: recursive wins, never downgraded */
	cleanup_mount_opts struct mount_opts c;
	assert_int_equal(parse(NULL, &c, NULL, "bind", "rbind", NULL), 0);
	assert_int_equal(c.flags, MS_BIND | MS_REC);

	/* tmpfs is not a bind */
	cleanup_mount_opts struct mount_opts d;
	assert_int_equal(parse("tmpfs", &d, NULL, "size=1m", NULL), 0);
	assert_false(d.extra & MOUNT_OPT_BIND);
}

static void test_propagation_list(void **state)
{
	cleanup_mount_opts struct mount_opts o;
	assert_int_equal(parse("bind", &o, NULL, "rbind", "shared", "rshared", "slave", "rslave",
			       "private", "rprivate", "unbindable", "runbindable", NULL),
			 0);
	static const unsigned long want[] = {
		MS_SHARED,  MS_SHARED | MS_REC,  MS_SLAVE,      MS_SLAVE | MS_REC,
		MS_PRIVATE, MS_PRIVATE | MS_REC, MS_UNBINDABLE, MS_UNBINDABLE | MS_REC,
	};
	assert_int_equal(o.n_propagation, 8);
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(o.propagation[i], want[i]);
	/* propagation never leaks into the mount flags */
	assert_int_equal(o.flags, MS_BIND | MS_REC);
	assert_null(o.data);
}

static void test_propagation_parse(void **state)
{
	unsigned long f = 0;
	assert_int_equal(mount_propagation_parse("rslave", &f), 0);
	assert_int_equal(f, MS_SLAVE | MS_REC);
	assert_int_equal(mount_propagation_parse("private", &f), 0);
	assert_int_equal(f, MS_PRIVATE);
	assert_int_equal(mount_propagation_parse("", &f), -1);
	assert_int_equal(mount_propagation_parse("Shared", &f), -1);
	assert_int_equal(mount_propagation_parse("rbind", &f), -1);
	assert_int_equal(mount_propagation_parse(NULL, &f), -1);
}

static void test_recursive_attrs(void **state)
{
	cleanup_mount_opts struct mount_opts o;
	assert_int_equal(parse("bind", &o, NULL, "rbind", "rro", "rnosuid", "rnodev", "rnoexec",
			       "rnodiratime", "rnosymfollow", NULL),
			 0);
	assert_int_equal(o.attr_set, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
					     MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODIRATIME |
					     MOUNT_ATTR_NOSYMFOLLOW);
	assert_int_equal(o.attr_clr, 0);
	/* r* options are not MS_* flags */
	assert_int_equal(o.flags, MS_BIND | MS_REC);

	cleanup_mount_opts struct mount_opts c;
	assert_int_equal(parse("bind", &c, NULL, "rro", "rrw", "rsuid", "rdev", "rexec",
			       "rdiratime", "rsymfollow", NULL),
			 0);
	assert_int_equal(c.attr_set, 0);
	assert_int_equal(c.attr_clr, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
					     MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODIRATIME |
					     MOUNT_ATTR_NOSYMFOLLOW);
}

static void test_recursive_atime(void **state)
{
	/* setting an atime value must clear the whole atime field */
	cleanup_mount_opts struct mount_opts a;
	assert_int_equal(parse(NULL, &a, NULL, "rnoatime", NULL), 0);
	assert_int_equal(a.attr_set, MOUNT_ATTR_NOATIME);
	assert_int_equal(a.attr_clr, MOUNT_ATTR__ATIME);

	cleanup_mount_opts struct mount_opts b;
	assert_int_equal(parse(NULL, &b, NULL, "rnoatime", "rstrictatime", NULL), 0);
	assert_int_equal(b.attr_set, MOUNT_ATTR_STRICTATIME);
	assert_int_equal(b.attr_clr, MOUNT_ATTR__ATIME);

	cleanup_mount_opts struct mount_opts c;
	assert_int_equal(parse(NULL, &c, NULL, "rstrictatime", "rrelatime", NULL), 0);
	assert_int_equal(c.attr_set, MOUNT_ATTR_RELATIME);
	assert_int_equal(c.attr_clr, MOUNT_ATTR__ATIME);

	cleanup_mount_opts struct mount_opts d;
	assert_int_equal(parse(NULL, &d, NULL, "rnoatime", "ratime", NULL), 0);
	assert_int_equal(d.attr_set & MOUNT_ATTR__ATIME, MOUNT_ATTR_RELATIME);
	assert_int_equal(d.attr_clr, MOUNT_ATTR__ATIME);

	/* the atime field does not disturb other attributes */
	cleanup_mount_opts struct mount_opts e;
	assert_int_equal(parse(NULL, &e, NULL, "rro", "rnoatime", "rnostrictatime", NULL), 0);
	assert_int_equal(e.attr_set, MOUNT_ATTR_RDONLY | MOUNT_ATTR_RELATIME);
	assert_int_equal(e.attr_clr, MOUNT_ATTR__ATIME);

	cleanup_mount_opts struct mount_opts f;
	assert_int_equal(parse(NULL, &f, NULL, "rnorelatime", NULL), 0);
	assert_int_equal(f.attr_set, 0);
	assert_int_equal(f.attr_clr, 0);
	assert_null(f.data);
}

static void test_extras(void **state)
{
	cleanup_mount_opts struct mount_opts a;
	assert_int_equal(parse("tmpfs", &a, NULL, "tmpcopyup", "mode=1777", NULL), 0);
	assert_int_equal(a.extra, MOUNT_OPT_TMPCOPYUP);
	assert_string_equal(a.data, "mode=1777");

	cleanup_mount_opts struct mount_opts b;
	assert_int_equal(parse("bind", &b, NULL, "rbind", "idmap", NULL), 0);
	assert_int_equal(b.extra, MOUNT_OPT_BIND | MOUNT_OPT_IDMAP);

	cleanup_mount_opts struct mount_opts c;
	assert_int_equal(parse("bind", &c, NULL, "rbind", "ridmap", NULL), 0);
	assert_int_equal(c.extra, MOUNT_OPT_BIND | MOUNT_OPT_IDMAP | MOUNT_OPT_RIDMAP);
}

static void test_data_joining(void **state)
{
	cleanup_mount_opts struct mount_opts o;
	/* known options are pulled out wherever they sit; unknown keep order */
	assert_int_equal(parse("tmpfs", &o, NULL, "size=1m", "ro", "uid=0", "nosuid", "gid=0",
			       "nr_inodes=10k", NULL),
			 0);
	assert_string_equal(o.data, "size=1m,uid=0,gid=0,nr_inodes=10k");
	assert_int_equal(o.flags, MS_RDONLY | MS_NOSUID);

	/* an option holding commas passes through whole (runc does the same) */
	cleanup_mount_opts struct mount_opts p;
	assert_int_equal(parse("tmpfs", &p, NULL, "size=1m,mode=700", NULL), 0);
	assert_string_equal(p.data, "size=1m,mode=700");
}

static void test_odd_input(void **state)
{
	/* empty strings and x-* userspace options vanish */
	cleanup_mount_opts struct mount_opts a;
	assert_int_equal(parse("tmpfs", &a, NULL, "", "x-systemd.automount", "", "mode=755", "x-",
			       NULL),
			 0);
	assert_string_equal(a.data, "mode=755");

	/* names are case-sensitive, as mount(8)'s: "RO" is fs data */
	cleanup_mount_opts struct mount_opts b;
	assert_int_equal(parse(NULL, &b, NULL, "RO", " ro", "ro ", NULL), 0);
	assert_int_equal(b.flags, 0);
	assert_string_equal(b.data, "RO, ro,ro ");

	/* NULL entries inside the array are skipped */
	const char *with_null[] = { "ro", NULL, "nodev", NULL };
	cleanup_mount_opts struct mount_opts c;
	assert_int_equal(mount_opts_parse_list(with_null, 3, NULL, &c, NULL), 0);
	assert_int_equal(c.flags, MS_RDONLY | MS_NODEV);

	/* a lone "=" or weird bytes are data, not a crash */
	cleanup_mount_opts struct mount_opts d;
	assert_int_equal(parse(NULL, &d, NULL, "=", "\xff", NULL), 0);
	assert_string_equal(d.data, "=,\xff");
}

static void test_too_long_data(void **state)
{
	cleanup_strbuf struct strbuf big = STRBUF_INIT;
	strbuf_addstr(&big, "size=");
	for (int i = 0; i < MOUNT_OPTIONS_MAX_DATA; i++)
		strbuf_addch(&big, '1');
	cleanup_error berth_error_t *err = NULL;
	struct mount_opts o = { .flags = 42 };
	assert_true(parse("tmpfs", &o, &err, big.buf, NULL) < 0);
	assert_error_contains(err, "mount data longer than");
	assert_int_equal(err->errnum, E2BIG);
	/* untouched on failure */
	assert_int_equal(o.flags, 42);

	/* many short options that together exceed the cap */
	const char *many[MOUNT_OPTIONS_MAX];
	for (size_t i = 0; i < MOUNT_OPTIONS_MAX; i++)
		many[i] = "abcdefghijklmnopqrstuvwxyz";
	berth_error_release(&err);
	assert_true(mount_opts_parse_list(many, MOUNT_OPTIONS_MAX, NULL, &o, &err) < 0);
	assert_error_contains(err, "mount data longer than");

	/* exactly at the cap is fine */
	strbuf_setlen(&big, MOUNT_OPTIONS_MAX_DATA);
	cleanup_mount_opts struct mount_opts ok;
	assert_int_equal(parse("tmpfs", &ok, NULL, big.buf, NULL), 0);
	assert_int_equal(strlen(ok.data), MOUNT_OPTIONS_MAX_DATA);
}

static void test_too_many_options(void **state)
{
	const char *many[MOUNT_OPTIONS_MAX + 1];
	for (size_t i = 0; i <= MOUNT_OPTIONS_MAX; i++)
		many[i] = "ro";
	cleanup_error berth_error_t *err = NULL;
	struct mount_opts o;
	assert_true(mount_opts_parse_list(many, MOUNT_OPTIONS_MAX + 1, NULL, &o, &err) < 0);
	assert_error_contains(err, "mount options, at most");
	cleanup_mount_opts struct mount_opts ok;
	assert_int_equal(mount_opts_parse_list(many, MOUNT_OPTIONS_MAX, NULL, &ok, NULL), 0);
	assert_int_equal(ok.flags, MS_RDONLY);
}

static void test_from_oci_mount(void **state)
{
	char *opts[] = { "rbind", "ro", "rslave", NULL };
	struct oci_mount m = {
		.destination = "/data",
		.type = "none",
		.source = "/srv",
		.options = opts,
		.n_options = 3,
	};
	cleanup_mount_opts struct mount_opts o;
	assert_int_equal(mount_opts_parse(&m, &o, NULL), 0);
	assert_int_equal(o.flags, MS_BIND | MS_REC | MS_RDONLY);
	assert_int_equal(o.n_propagation, 1);
	assert_int_equal(o.propagation[0], MS_SLAVE | MS_REC);

	/* errors name the mount */
	char *many[MOUNT_OPTIONS_MAX + 2];
	for (size_t i = 0; i <= MOUNT_OPTIONS_MAX; i++)
		many[i] = "ro";
	many[MOUNT_OPTIONS_MAX + 1] = NULL;
	m.options = many;
	m.n_options = MOUNT_OPTIONS_MAX + 1;
	cleanup_error berth_error_t *err = NULL;
	struct mount_opts bad;
	assert_true(mount_opts_parse(&m, &bad, &err) < 0);
	assert_error_contains(err, "mount options of '/data'");

	/* no options at all */
	struct oci_mount bare = { .destination = "/x", .type = "tmpfs" };
	cleanup_mount_opts struct mount_opts e;
	assert_int_equal(mount_opts_parse(&bare, &e, NULL), 0);
	assert_int_equal(e.flags, 0);
}

static void test_release_null(void **state)
{
	mount_opts_release(NULL);
	struct mount_opts o = { 0 };
	mount_opts_release(&o);
	mount_opts_release(&o);
}

/* The lexical comparison rootfs and dev use to recognise "/dev" */
static void test_path_equal(void **state)
{
	assert_true(mount_path_equal("/dev", "/dev"));
	assert_true(mount_path_equal("/dev/", "/dev"));
	assert_true(mount_path_equal("//dev//", "/dev"));
	assert_true(mount_path_equal("/dev//pts", "/dev/pts/"));
	assert_true(mount_path_equal("/", "//"));
	assert_false(mount_path_equal("/dev", "/devx"));
	assert_false(mount_path_equal("/dev/pts", "/dev"));
	assert_false(mount_path_equal("/de/v", "/dev"));
	/* no resolution: ".." is a name like any other here */
	assert_false(mount_path_equal("/x/../dev", "/dev"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_each_flag),
		cmocka_unit_test(test_override_order),
		cmocka_unit_test(test_typical_mounts),
		cmocka_unit_test(test_bind_type),
		cmocka_unit_test(test_propagation_list),
		cmocka_unit_test(test_propagation_parse),
		cmocka_unit_test(test_recursive_attrs),
		cmocka_unit_test(test_recursive_atime),
		cmocka_unit_test(test_extras),
		cmocka_unit_test(test_data_joining),
		cmocka_unit_test(test_odd_input),
		cmocka_unit_test(test_too_long_data),
		cmocka_unit_test(test_too_many_options),
		cmocka_unit_test(test_from_oci_mount),
		cmocka_unit_test(test_release_null),
		cmocka_unit_test(test_path_equal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
