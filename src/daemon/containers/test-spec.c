/* Unit tests for spec: the Config merge, and spec_build's translation of
 * each HostConfig field into OCI JSON that berth's own OCI parser accepts
 * without a warning.  The rootfs is a temporary directory with an
 * /etc/passwd, so that user resolution runs for real. */
#include "common/unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "daemon/containers/spec.h"
#include "oci/runtime-config.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static char rootfs[64];

static json_t *J(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	if (!j)
		fail_msg("bad test JSON '%s': %s", text, e.text);
	return j;
}

static void write_file(const char *dir, const char *name, const char *content)
{
	cleanup_free char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static int setup_rootfs(void **state)
{
	snprintf(rootfs, sizeof(rootfs), "/tmp/test-spec.XXXXXX");
	assert_non_null(mkdtemp(rootfs));
	cleanup_free char *etc = xasprintf("%s/etc", rootfs);
	assert_int_equal(mkdir(etc, 0755), 0);
	write_file(etc, "passwd",
		   "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n");
	write_file(etc, "group", "root:x:0:\napp:x:1000:\nwheel:x:10:app\n");
	return 0;
}

static int teardown_rootfs(void **state)
{
	return unit_rm_rf(rootfs);
}

/* Build a spec for Config/HostConfig texts; fails the test on error */
static json_t *build(const char *config, const char *host_config)
{
	cleanup_json json_t *cfg = J(config);
	cleanup_json json_t *hc = host_config ? J(host_config) : NULL;
	struct spec_input in = { .id = ID,
				 .name = "c1",
				 .config = cfg,
				 .host_config = hc,
				 .rootfs = rootfs,
				 .container_dir = "/run/c1",
				 .cgroup_parent = "berth",
				 .init_path = "/usr/bin/tini-static" };
	cleanup_error berth_error_t *err = NULL;
	json_t *spec = NULL;
	if (spec_build(&in, &spec, &err) < 0)
		fail_msg("spec_build: %s", err->msg);
	/* berth's own OCI parser takes it whole, without unknown fields */
	struct oci_config *c = NULL;
	if (oci_config_from_json(spec, &c, &err) < 0)
		fail_msg("oci_config_from_json: %s", err->msg);
	if (c->n_warnings)
		fail_msg("OCI warning: %s", c->warnings[0]);
	if (oci_config_validate(c, &err) < 0)
		fail_msg("oci_config_validate: %s", err->msg);
	oci_config_free(c);
	return spec;
}

static void build_fails(const char *config, const char *host_config, const char *needle)
{
	cleanup_json json_t *cfg = J(config);
	cleanup_json json_t *hc = host_config ? J(host_config) : NULL;
	struct spec_input in = { .id = ID,
				 .config = cfg,
				 .host_config = hc,
				 .rootfs = rootfs,
				 .container_dir = "/run/c1",
				 .cgroup_parent = "berth" };
	cleanup_error berth_error_t *err = NULL;
	json_t *spec = NULL;
	assert_true(spec_build(&in, &spec, &err) < 0);
	assert_null(spec);
	assert_error_contains(err, needle);
}

/* Volumes come as mount points resolved by the manager: each becomes a
 * bind of its host path; a volume Binds entry adds nothing of its own */
static void test_volume_mounts(void **state)
{
	(void)state;
	cleanup_json json_t *cfg = J("{\"Cmd\":[\"x\"]}");
	cleanup_json json_t *hc = J("{\"Binds\":[\"myvol:/data:ro\",\"/h:/h\"]}");
	cleanup_json json_t *mps = J(
		"[{\"Type\":\"volume\",\"Name\":\"myvol\",\"Source\":\"/v/myvol/_data\","
		"\"Destination\":\"/data\",\"RW\":false,\"Propagation\":\"\",\"Origin\":\"binds\"},"
		"{\"Type\":\"bind\",\"Source\":\"/h\",\"Destination\":\"/h\",\"RW\":true,"
		"\"Propagation\":\"rprivate\",\"Origin\":\"binds\"},"
		"{\"Type\":\"volume\",\"Name\":\"anon\",\"Source\":\"/v/anon/_data\","
		"\"Destination\":\"/img\",\"RW\":true,\"Origin\":\"image\"},"
		"{\"Type\":\"bind\",\"Source\":\"/other\",\"Destination\":\"/from\",\"RW\":false,"
		"\"Propagation\":\"rslave\",\"Origin\":\"volumes-from\"}]");
	struct spec_input in = { .id = ID,
				 .name = "c1",
				 .config = cfg,
				 .host_config = hc,
				 .rootfs = rootfs,
				 .container_dir = "/run/c1",
				 .cgroup_parent = "berth",
				 .mount_points = mps };
	cleanup_error berth_error_t *err = NULL;
	cleanup_json json_t *spec = NULL;
	if (spec_build(&in, &spec, &err) < 0)
		fail_msg("spec_build: %s", err->msg);
	size_t i, seen = 0;
	json_t *m;
	json_array_foreach(json_object_get(spec, "mounts"), i, m)
	{
		const char *d = json_string_value(json_object_get(m, "destination"));
		const char *s = json_string_value(json_object_get(m, "source"));
		cleanup_free char *o = bjson_dump(json_object_get(m, "options"));
		if (strcmp(d, "/data") == 0) {
			assert_string_equal(s, "/v/myvol/_data");
			assert_string_equal(o, "[\"rbind\",\"rprivate\",\"ro\"]");
			seen |= 1;
		} else if (strcmp(d, "/img") == 0) {
			assert_string_equal(s, "/v/anon/_data");
			assert_string_equal(o, "[\"rbind\",\"rprivate\"]");
			seen |= 2;
		} else if (strcmp(d, "/from") == 0) {
			assert_string_equal(s, "/other");
			assert_string_equal(o, "[\"rbind\",\"rslave\",\"ro\"]");
			seen |= 4;
		} else if (strcmp(d, "/h") == 0) {
			assert_string_equal(s, "/h"); /* the bind itself, once */
			assert_int_equal(seen & 8, 0);
			seen |= 8;
		}
	}
	assert_int_equal(seen, 15);
}

static const char *str_at(const json_t *j, const char *path)
{
	/* "a.b.c" object path */
	cleanup_free char *p = xstrdup(path);
	const json_t *cur = j;
	for (char *s = p, *next; s && cur; s = next) {
		next = strchr(s, '.');
		if (next)
			*next++ = '\0';
		cur = json_object_get(cur, s);
	}
	return json_string_value(cur);
}

static const json_t *at(const json_t *j, const char *path)
{
	cleanup_free char *p = xstrdup(path);
	const json_t *cur = j;
	for (char *s = p, *next; s && cur; s = next) {
		next = strchr(s, '.');
		if (next)
			*next++ = '\0';
		cur = json_object_get(cur, s);
	}
	return cur;
}

static bool has_string(const json_t *arr, const char *s)
{
	size_t i;
	json_t *e;
	json_array_foreach(arr, i, e) if (json_is_string(e) &&
					  strcmp(json_string_value(e), s) == 0) return true;
	return false;
}

static const json_t *mount_at(const json_t *spec, const char *dest)
{
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(spec, "mounts"), i,
			   m) if (strcmp(json_string_value(json_object_get(m, "destination")),
					 dest) == 0) return m;
	return NULL;
}

static void assert_json_eq(const json_t *got, const char *want)
{
	cleanup_json json_t *w = J(want);
	if (!json_equal((json_t *)got, w)) {
		cleanup_free char *g = got ? json_dumps(got, JSON_COMPACT) : xstrdup("(null)");
		fail_msg("got %s, want %s", g, want);
	}
}

/* ---- merge ---------------------------------------------------------------- */

static json_t *merge(const char *user, const char *image)
{
	cleanup_json json_t *u = J(user);
	cleanup_json json_t *i = J(image);
	cleanup_error berth_error_t *err = NULL;
	json_t *out = NULL;
	if (spec_merge_config(u, i, &out, &err) < 0)
		fail_msg("merge: %s", err->msg);
	return out;
}

static void test_merge_env(void **state)
{
	cleanup_json json_t *m = merge("{\"Env\":[\"B=user\",\"C=c\"]}",
				       "{\"Env\":[\"A=a\",\"B=image\",\"PATH=/x\"]}");
	assert_json_eq(json_object_get(m, "Env"), "[\"B=user\",\"C=c\",\"A=a\",\"PATH=/x\"]");
	cleanup_json json_t *m2 = merge("{}", "{\"Env\":[\"A=a\"]}");
	assert_json_eq(json_object_get(m2, "Env"), "[\"A=a\"]");
}

static void test_merge_cmd_entrypoint(void **state)
{
	const char *image = "{\"Entrypoint\":[\"/ep\"],\"Cmd\":[\"img\"]}";
	cleanup_json json_t *a = merge("{}", image);
	assert_json_eq(json_object_get(a, "Entrypoint"), "[\"/ep\"]");
	assert_json_eq(json_object_get(a, "Cmd"), "[\"img\"]");
	/* the user's Cmd replaces the image's, the entrypoint stays */
	cleanup_json json_t *b = merge("{\"Cmd\":[\"u\"]}", image);
	assert_json_eq(json_object_get(b, "Entrypoint"), "[\"/ep\"]");
	assert_json_eq(json_object_get(b, "Cmd"), "[\"u\"]");
	/* a user Entrypoint without Cmd resets the image's Cmd */
	cleanup_json json_t *c = merge("{\"Entrypoint\":[\"/mine\"]}", image);
	assert_json_eq(json_object_get(c, "Entrypoint"), "[\"/mine\"]");
	assert_null(json_object_get(c, "Cmd"));
	/* an old client's string form */
	cleanup_json json_t *d = merge("{\"Cmd\":\"echo hi\"}", "{}");
	assert_json_eq(json_object_get(d, "Cmd"), "[\"echo hi\"]");
}

static void test_merge_fields(void **state)
{
	cleanup_json json_t *m =
		merge("{\"Labels\":{\"a\":\"user\"},\"ExposedPorts\":{\"80/tcp\":{}},\"User\":\"\"}",
		      "{\"Labels\":{\"a\":\"img\",\"b\":\"img\"},\"ExposedPorts\":{\"443/tcp\":{}},"
		      "\"User\":\"app\",\"WorkingDir\":\"/srv\",\"StopSignal\":\"SIGQUIT\","
		      "\"Volumes\":{\"/data\":{}},\"OnBuild\":[\"RUN x\"],"
		      "\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"],\"Interval\":5}}");
	assert_json_eq(json_object_get(m, "Labels"), "{\"a\":\"user\",\"b\":\"img\"}");
	assert_json_eq(json_object_get(m, "ExposedPorts"), "{\"80/tcp\":{},\"443/tcp\":{}}");
	assert_string_equal(str_at(m, "User"), "app");
	assert_string_equal(str_at(m, "WorkingDir"), "/srv");
	assert_string_equal(str_at(m, "StopSignal"), "SIGQUIT");
	assert_json_eq(json_object_get(m, "Volumes"), "{\"/data\":{}}");
	assert_null(json_object_get(m, "OnBuild"));
	assert_json_eq(json_object_get(m, "Healthcheck"),
		       "{\"Test\":[\"CMD\",\"true\"],\"Interval\":5}");
}

static void test_merge_bad_types(void **state)
{
	static const struct {
		const char *user, *needle;
	} cases[] = {
		{ "{\"Env\":\"A=b\"}", "Config.Env: want an array of strings" },
		{ "{\"Env\":[1]}", "Config.Env: want an array of strings" },
		{ "{\"Cmd\":{}}", "Config.Cmd: want an array of strings" },
		{ "{\"Labels\":{\"a\":1}}", "Config.Labels.a: want a string" },
		{ "{\"User\":0}", "Config.User: want a string" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_json json_t *u = J(cases[i].user);
		cleanup_json json_t *im = J("{}");
		cleanup_error berth_error_t *err = NULL;
		json_t *out = NULL;
		assert_int_equal(spec_merge_config(u, im, &out, &err), -EINVAL);
		assert_null(out);
		assert_error_contains(err, cases[i].needle);
	}
}

/* ---- spec_build ------------------------------------------------------------- */

static void test_defaults(void **state)
{
	cleanup_json json_t *s = build("{\"Cmd\":[\"sh\"],\"Env\":[\"FOO=1\"]}", NULL);
	assert_json_eq(at(s, "process.args"), "[\"sh\"]");
	assert_json_eq(at(s, "process.user"), "{\"uid\":0,\"gid\":0,\"additionalGids\":[0]}");
	assert_json_eq(at(s, "process.env"),
		       "[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\","
		       "\"HOSTNAME=0123456789ab\",\"FOO=1\",\"HOME=/root\"]");
	assert_string_equal(str_at(s, "hostname"), "0123456789ab");
	assert_string_equal(str_at(s, "linux.cgroupsPath"), "/berth/" ID);
	assert_false(json_is_true(at(s, "root.readonly")));
	assert_false(json_is_true(at(s, "process.terminal")));
	/* docker's 14 default capabilities */
	const json_t *eff = at(s, "process.capabilities.effective");
	assert_int_equal(json_array_size(eff), 14);
	assert_true(has_string(eff, "CAP_NET_RAW"));
	assert_false(has_string(eff, "CAP_SYS_ADMIN"));
	cleanup_free char *effs = json_dumps(eff, 0);
	assert_json_eq(at(s, "process.capabilities.bounding"), effs);
	/* namespaces */
	const json_t *ns = at(s, "linux.namespaces");
	assert_true(json_array_size(ns) >= 5);
	/* masked paths and seccomp */
	assert_true(has_string(at(s, "linux.maskedPaths"), "/proc/kcore"));
	assert_true(has_string(at(s, "linux.readonlyPaths"), "/proc/sys"));
	assert_string_equal(str_at(s, "linux.seccomp.defaultAction"), "SCMP_ACT_ERRNO");
	/* mounts: /dev/shm 64 MiB, /sys read-only, the /etc files */
	assert_true(has_string(json_object_get(mount_at(s, "/dev/shm"), "options"), "size=65536k"));
	assert_true(has_string(json_object_get(mount_at(s, "/sys"), "options"), "ro"));
	assert_string_equal(json_string_value(json_object_get(mount_at(s, "/etc/hosts"), "source")),
			    "/run/c1/hosts");
	/* no rlimits unless asked: nofile is inherited, as in docker */
	assert_null(at(s, "process.rlimits"));
	assert_false(json_is_true(at(s, "process.noNewPrivileges")));
}

static void test_entrypoint_init_tty(void **state)
{
	cleanup_json json_t *s = build("{\"Entrypoint\":[\"/ep\",\"-x\"],\"Cmd\":[\"a\"],"
				       "\"Tty\":true,\"WorkingDir\":\"/work/dir\"}",
				       "{\"Init\":true,\"ConsoleSize\":[30,100]}");
	assert_json_eq(at(s, "process.args"),
		       "[\"/sbin/docker-init\",\"--\",\"/ep\",\"-x\",\"a\"]");
	assert_true(json_is_true(at(s, "process.terminal")));
	assert_json_eq(at(s, "process.consoleSize"), "{\"height\":30,\"width\":100}");
	assert_true(has_string(at(s, "process.env"), "TERM=xterm"));
	assert_string_equal(str_at(s, "process.cwd"), "/work/dir");
	const json_t *m = mount_at(s, "/sbin/docker-init");
	assert_non_null(m);
	assert_string_equal(json_string_value(json_object_get(m, "source")),
			    "/usr/bin/tini-static");
	/* the working directory was made inside the rootfs */
	cleanup_free char *wd = xasprintf("%s/work/dir", rootfs);
	struct stat st;
	assert_int_equal(stat(wd, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	/* --entrypoint "" resets the entrypoint */
	cleanup_json json_t *s2 = build("{\"Entrypoint\":[\"\"],\"Cmd\":[\"ls\"]}", NULL);
	assert_json_eq(at(s2, "process.args"), "[\"ls\"]");
	build_fails("{}", NULL, "no command specified");
	build_fails("{\"Cmd\":[\"x\"],\"WorkingDir\":\"rel\"}", NULL,
		    "needs to be an absolute path");
}

static void test_caps(void **state)
{
	cleanup_json json_t *a = build("{\"Cmd\":[\"x\"]}",
				       "{\"CapAdd\":[\"sys_admin\",\"CAP_NET_ADMIN\"],"
				       "\"CapDrop\":[\"net_raw\",\"Chown\"]}");
	const json_t *b = at(a, "process.capabilities.bounding");
	assert_true(has_string(b, "CAP_SYS_ADMIN"));
	assert_true(has_string(b, "CAP_NET_ADMIN"));
	assert_false(has_string(b, "CAP_NET_RAW"));
	assert_false(has_string(b, "CAP_CHOWN"));
	assert_int_equal(json_array_size(b), 14);
	/* with CAP_SYS_ADMIN seccomp allows mount */
	bool mount_allowed = false;
	size_t i;
	json_t *r;
	json_array_foreach(at(a, "linux.seccomp.syscalls"), i, r)
		mount_allowed |= has_string(json_object_get(r, "names"), "mount");
	assert_true(mount_allowed);

	cleanup_json json_t *c =
		build("{\"Cmd\":[\"x\"]}", "{\"CapDrop\":[\"ALL\"],\"CapAdd\":[\"KILL\"]}");
	assert_json_eq(at(c, "process.capabilities.bounding"), "[\"CAP_KILL\"]");
	cleanup_json json_t *d =
		build("{\"Cmd\":[\"x\"]}", "{\"CapAdd\":[\"all\"],\"CapDrop\":[\"MKNOD\"]}");
	assert_false(has_string(at(d, "process.capabilities.bounding"), "CAP_MKNOD"));
	assert_true(has_string(at(d, "process.capabilities.bounding"), "CAP_SYS_MODULE"));
	/* a non-root user gets only the bounding set */
	cleanup_json json_t *e = build("{\"Cmd\":[\"x\"],\"User\":\"app\"}", NULL);
	assert_null(at(e, "process.capabilities.effective"));
	assert_int_equal(json_array_size(at(e, "process.capabilities.bounding")), 14);
	build_fails("{\"Cmd\":[\"x\"]}", "{\"CapAdd\":[\"CAP_FOO\"]}",
		    "invalid CapAdd: unknown capability: \"CAP_FOO\"");
	build_fails("{\"Cmd\":[\"x\"]}", "{\"CapDrop\":[\"bogus\"]}",
		    "invalid CapDrop: unknown capability: \"CAP_BOGUS\"");
}

static void test_privileged(void **state)
{
	cleanup_json json_t *s = build("{\"Cmd\":[\"x\"]}", "{\"Privileged\":true}");
	assert_true(has_string(at(s, "process.capabilities.effective"), "CAP_SYS_ADMIN"));
	assert_true(json_array_size(at(s, "process.capabilities.effective")) >= 38);
	assert_null(at(s, "linux.seccomp"));
	assert_null(at(s, "linux.maskedPaths"));
	assert_null(at(s, "linux.readonlyPaths"));
	assert_true(has_string(json_object_get(mount_at(s, "/sys"), "options"), "rw"));
	assert_json_eq(at(s, "linux.resources.devices"), "[{\"allow\":true,\"access\":\"rwm\"}]");
	/* the host's devices are listed (the runtime makes the defaults) */
	bool has_loop = false, has_null = false;
	size_t i;
	json_t *d;
	json_array_foreach(at(s, "linux.devices"), i, d)
	{
		const char *p = json_string_value(json_object_get(d, "path"));
		has_null |= strcmp(p, "/dev/null") == 0;
		has_loop |= strncmp(p, "/dev/", 5) == 0;
	}
	assert_false(has_null);
	(void)has_loop;
}

static void test_security_opts(void **state)
{
	cleanup_json json_t *a =
		build("{\"Cmd\":[\"x\"]}",
		      "{\"SecurityOpt\":[\"no-new-privileges\",\"seccomp=unconfined\","
		      "\"label=disable\",\"apparmor=unconfined\"]}");
	assert_true(json_is_true(at(a, "process.noNewPrivileges")));
	assert_null(at(a, "linux.seccomp"));
	assert_non_null(at(a, "linux.maskedPaths"));
	cleanup_json json_t *b = build("{\"Cmd\":[\"x\"]}",
				       "{\"SecurityOpt\":[\"no-new-privileges:false\","
				       "\"seccomp={\\\"defaultAction\\\":\\\"SCMP_ACT_ALLOW\\\","
				       "\\\"syscalls\\\":[{\\\"names\\\":[\\\"keyctl\\\"],"
				       "\\\"action\\\":\\\"SCMP_ACT_ERRNO\\\"}]}\"]}");
	assert_false(json_is_true(at(b, "process.noNewPrivileges")));
	assert_string_equal(str_at(b, "linux.seccomp.defaultAction"), "SCMP_ACT_ALLOW");
	assert_json_eq(at(b, "linux.seccomp.syscalls"),
		       "[{\"names\":[\"keyctl\"],\"action\":\"SCMP_ACT_ERRNO\"}]");
	build_fails("{\"Cmd\":[\"x\"]}", "{\"SecurityOpt\":[\"label=type:foo_t\"]}",
		    "SELinux labels are not supported");
	build_fails("{\"Cmd\":[\"x\"]}", "{\"SecurityOpt\":[\"bogus=1\"]}",
		    "invalid --security-opt 2: \"bogus=1\"");
	build_fails("{\"Cmd\":[\"x\"]}", "{\"SecurityOpt\":[\"seccomp={bad\"]}",
		    "invalid --security-opt seccomp");
	/* systempaths=unconfined: empty lists replace the defaults */
	cleanup_json json_t *c =
		build("{\"Cmd\":[\"x\"]}", "{\"MaskedPaths\":[],\"ReadonlyPaths\":[]}");
	assert_int_equal(json_array_size(at(c, "linux.maskedPaths")), 0);
	assert_int_equal(json_array_size(at(c, "linux.readonlyPaths")), 0);
}

static void test_mounts(void **state)
{
	cleanup_free char *src = xasprintf("%s/hostdir", rootfs);
	cleanup_free char *hc = xasprintf(
		"{\"Binds\":[\"%s:/data:ro,rslave\",\"%s/new/sub:/a/b\"],"
		"\"Mounts\":[{\"Type\":\"tmpfs\",\"Target\":\"/scratch\","
		"\"TmpfsOptions\":{\"SizeBytes\":1048576,\"Mode\":1023}},"
		"{\"Type\":\"bind\",\"Source\":\"/etc\",\"Target\":\"/hostetc\",\"ReadOnly\":true}],"
		"\"Tmpfs\":{\"/run\":\"size=2m,exec\"},\"ShmSize\":1048576,\"ReadonlyRootfs\":true}",
		src, rootfs);
	cleanup_json json_t *s = build("{\"Cmd\":[\"x\"]}", hc);
	assert_true(json_is_true(at(s, "root.readonly")));
	const json_t *m = mount_at(s, "/data");
	assert_non_null(m);
	assert_json_eq(json_object_get(m, "options"), "[\"rbind\",\"rslave\",\"ro\"]");
	/* a missing Binds source is created, as docker does */
	cleanup_free char *created = xasprintf("%s/new/sub", rootfs);
	struct stat st;
	assert_int_equal(stat(created, &st), 0);
	assert_json_eq(
		json_object_get(mount_at(s, "/scratch"), "options"),
		"[\"noexec\",\"nosuid\",\"nodev\",\"rprivate\",\"size=1024k\",\"mode=1777\"]");
	assert_json_eq(json_object_get(mount_at(s, "/run"), "options"),
		       "[\"exec\",\"nosuid\",\"nodev\",\"rprivate\",\"size=2m\"]");
	assert_json_eq(json_object_get(mount_at(s, "/hostetc"), "options"),
		       "[\"rbind\",\"rprivate\",\"ro\"]");
	assert_true(has_string(json_object_get(mount_at(s, "/dev/shm"), "options"), "size=1024k"));
	/* the /etc files are read-only with a read-only rootfs */
	assert_true(has_string(json_object_get(mount_at(s, "/etc/hosts"), "options"), "ro"));
	/* parents before children: /a/b after /data */
	size_t i, data_i = 0, ab_i = 0;
	json_t *e;
	json_array_foreach(json_object_get(s, "mounts"), i, e)
	{
		const char *d = json_string_value(json_object_get(e, "destination"));
		if (strcmp(d, "/data") == 0)
			data_i = i;
		if (strcmp(d, "/a/b") == 0)
			ab_i = i;
	}
	assert_true(data_i < ab_i);
	/* a user /dev/shm replaces the default */
	cleanup_json json_t *s2 = build("{\"Cmd\":[\"x\"]}", "{\"Tmpfs\":{\"/dev/shm\":\"\"}}");
	size_t n = 0;
	json_array_foreach(json_object_get(s2, "mounts"), i, e)
		n += strcmp(json_string_value(json_object_get(e, "destination")), "/dev/shm") == 0;
	assert_int_equal(n, 1);
	build_fails("{\"Cmd\":[\"x\"]}", "{\"Binds\":[\"/a:/x\",\"/b:/x/\"]}",
		    "Duplicate mount point: /x");
	build_fails("{\"Cmd\":[\"x\"]}", "{\"Binds\":[\"/a:rel\"]}", "mount path must be absolute");
	build_fails("{\"Cmd\":[\"x\"]}", "{\"Binds\":[\"/a:/b:rw,ro\"]}", "invalid mode: rw,ro");
	build_fails("{\"Cmd\":[\"x\"]}", "{\"Tmpfs\":{\"run\":\"\"}}",
		    "mount path must be absolute");
	build_fails(
		"{\"Cmd\":[\"x\"]}",
		"{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/nonexistent/x\",\"Target\":\"/x\"}]}",
		"bind source path does not exist: /nonexistent/x");
}

static void test_resources(void **state)
{
	cleanup_json json_t *s = build(
		"{\"Cmd\":[\"x\"]}",
		"{\"Memory\":67108864,\"MemoryReservation\":33554432,\"MemorySwappiness\":10,"
		"\"NanoCpus\":1500000000,\"CpuShares\":512,\"CpusetCpus\":\"0\",\"PidsLimit\":100,"
		"\"BlkioWeight\":300,\"OomKillDisable\":true,\"KernelMemory\":123,"
		"\"OomScoreAdj\":-500,\"Ulimits\":[{\"Name\":\"nofile\",\"Soft\":1024,\"Hard\":2048},"
		"{\"Name\":\"core\",\"Soft\":-1,\"Hard\":-1}],"
		"\"DeviceCgroupRules\":[\"c 42:* rmw\"],\"Sysctls\":{\"net.ipv4.ip_forward\":\"1\","
		"\"kernel.shmmax\":\"1000000\"}}");
	assert_int_equal(json_integer_value(at(s, "linux.resources.memory.limit")), 67108864);
	assert_int_equal(json_integer_value(at(s, "linux.resources.memory.reservation")), 33554432);
	assert_int_equal(json_integer_value(at(s, "linux.resources.memory.swappiness")), 10);
	assert_true(json_is_true(at(s, "linux.resources.memory.disableOOMKiller")));
	assert_null(at(s, "linux.resources.memory.kernel"));
	assert_int_equal(json_integer_value(at(s, "linux.resources.cpu.quota")), 150000);
	assert_int_equal(json_integer_value(at(s, "linux.resources.cpu.period")), 100000);
	assert_int_equal(json_integer_value(at(s, "linux.resources.cpu.shares")), 512);
	assert_string_equal(str_at(s, "linux.resources.cpu.cpus"), "0");
	assert_int_equal(json_integer_value(at(s, "linux.resources.pids.limit")), 100);
	assert_int_equal(json_integer_value(at(s, "linux.resources.blockIO.weight")), 300);
	assert_int_equal(json_integer_value(at(s, "process.oomScoreAdj")), -500);
	cleanup_free char *rl = json_dumps(at(s, "process.rlimits"), JSON_COMPACT);
	assert_non_null(strstr(rl, "{\"type\":\"RLIMIT_NOFILE\",\"hard\":2048,\"soft\":1024}"));
	assert_non_null(strstr(rl, "\"RLIMIT_CORE\""));
	/* -1 is RLIM_INFINITY, all ones, written as a bare number */
	cleanup_free char *dump = bjson_dump(at(s, "process.rlimits"));
	assert_non_null(strstr(dump, "\"hard\":18446744073709551615"));
	const json_t *rules = at(s, "linux.resources.devices");
	assert_json_eq(json_array_get(rules, 0), "{\"allow\":false,\"access\":\"rwm\"}");
	assert_json_eq(json_array_get(rules, json_array_size(rules) - 1),
		       "{\"allow\":true,\"type\":\"c\",\"major\":42,\"access\":\"rmw\"}");
	assert_json_eq(at(s, "linux.sysctl"),
		       "{\"net.ipv4.ip_forward\":\"1\",\"kernel.shmmax\":\"1000000\"}");
	build_fails("{\"Cmd\":[\"x\"]}", "{\"Sysctls\":{\"kernel.panic\":\"1\"}}",
		    "sysctl 'kernel.panic' is not in a separate kernel namespace");
	build_fails("{\"Cmd\":[\"x\"]}",
		    "{\"NetworkMode\":\"host\",\"Sysctls\":{\"net.ipv4.ip_forward\":\"1\"}}",
		    "not allowed in the host network namespace");
	build_fails("{\"Cmd\":[\"x\"]}", "{\"DeviceCgroupRules\":[\"x 1:2 r\"]}",
		    "invalid device cgroup rule format: 'x 1:2 r'");
	build_fails("{\"Cmd\":[\"x\"]}",
		    "{\"Ulimits\":[{\"Name\":\"bogus\",\"Soft\":1,\"Hard\":1}]}",
		    "invalid ulimit type: bogus");
}

static void test_default_ulimits(void **state)
{
	cleanup_json json_t *cfg = J("{\"Cmd\":[\"x\"]}");
	cleanup_json json_t *hc = J("{\"Ulimits\":[{\"Name\":\"nproc\",\"Soft\":10,\"Hard\":20}]}");
	cleanup_json json_t *defs =
		J("{\"nproc\":{\"Name\":\"nproc\",\"Soft\":1,\"Hard\":2},"
		  "\"nofile\":{\"Name\":\"nofile\",\"Soft\":100,\"Hard\":200}}");
	struct spec_input in = { .id = ID,
				 .config = cfg,
				 .host_config = hc,
				 .rootfs = rootfs,
				 .container_dir = "/run/c1",
				 .default_ulimits = defs };
	cleanup_json json_t *s = NULL;
	assert_int_equal(spec_build(&in, &s, NULL), 0);
	assert_json_eq(at(s, "process.rlimits"),
		       "[{\"type\":\"RLIMIT_NPROC\",\"hard\":20,\"soft\":10},"
		       "{\"type\":\"RLIMIT_NOFILE\",\"hard\":200,\"soft\":100}]");
}

static void test_namespaces(void **state)
{
	cleanup_json json_t *s =
		build("{\"Cmd\":[\"x\"],\"Hostname\":\"web\",\"Domainname\":\"ex.org\"}",
		      "{\"PidMode\":\"host\",\"IpcMode\":\"host\",\"UTSMode\":\"host\","
		      "\"NetworkMode\":\"host\",\"CgroupnsMode\":\"private\","
		      "\"CgroupParent\":\"/custom/\"}");
	assert_json_eq(at(s, "linux.namespaces"), "[{\"type\":\"mount\"},{\"type\":\"cgroup\"}]");
	assert_null(at(s, "hostname"));
	assert_string_equal(str_at(s, "linux.cgroupsPath"), "/custom/" ID);
	assert_string_equal(json_string_value(json_object_get(mount_at(s, "/dev/shm"), "source")),
			    "/dev/shm");
	cleanup_json json_t *s2 =
		build("{\"Cmd\":[\"x\"],\"Hostname\":\"web\",\"Domainname\":\"ex.org\"}",
		      "{\"NetworkMode\":\"none\",\"IpcMode\":\"none\",\"CgroupnsMode\":\"host\"}");
	assert_json_eq(at(s2, "linux.namespaces"),
		       "[{\"type\":\"mount\"},{\"type\":\"network\"},{\"type\":\"uts\"},"
		       "{\"type\":\"pid\"},{\"type\":\"ipc\"}]");
	assert_string_equal(str_at(s2, "hostname"), "web");
	assert_string_equal(str_at(s2, "domainname"), "ex.org");
	assert_null(mount_at(s2, "/dev/shm"));
	build_fails("{\"Cmd\":[\"x\"]}", "{\"NetworkMode\":\"container:\"}",
		    "invalid network mode: container:");
	/* a user-defined network or container:<id>: the namespace network.c names */
	cleanup_json json_t *cfg3 = J("{\"Cmd\":[\"x\"]}");
	cleanup_json json_t *hc3 = J("{\"NetworkMode\":\"mynet\"}");
	struct spec_input in3 = { .id = ID,
				  .config = cfg3,
				  .host_config = hc3,
				  .rootfs = rootfs,
				  .container_dir = "/run/c1",
				  .cgroup_parent = "berth",
				  .netns_path = "/run/berth/netns/x" };
	cleanup_error berth_error_t *err3 = NULL;
	cleanup_json json_t *s3 = NULL;
	assert_int_equal(spec_build(&in3, &s3, &err3), 0);
	assert_json_eq(json_array_get(json_object_get(json_object_get(s3, "linux"), "namespaces"),
				      1),
		       "{\"type\":\"network\",\"path\":\"/run/berth/netns/x\"}");
	build_fails("{\"Cmd\":[\"x\"]}", "{\"IpcMode\":\"bogus\"}", "invalid IPC mode: bogus");
	build_fails("{\"Cmd\":[\"x\"]}", "{\"PidMode\":\"bogus\"}", "invalid PID mode: bogus");
}

static void test_exec_process(void **state)
{
	cleanup_json json_t *s =
		build("{\"Cmd\":[\"x\"],\"Env\":[\"A=1\",\"B=2\"]}",
		      "{\"Ulimits\":[{\"Name\":\"nofile\",\"Soft\":10,\"Hard\":10}],"
		      "\"SecurityOpt\":[\"no-new-privileges\"]}");
	cleanup_json json_t *ec = J("{\"Cmd\":[\"sh\",\"-c\",\"id\"],\"Env\":[\"B=3\",\"C=4\"],"
				    "\"User\":\"app:wheel\",\"WorkingDir\":\"/tmp\",\"Tty\":true}");
	cleanup_json json_t *p = NULL;
	cleanup_error berth_error_t *err = NULL;
	if (spec_exec_process(s, ec, &p, &err) < 0)
		fail_msg("%s", err->msg);
	assert_json_eq(json_object_get(p, "args"), "[\"sh\",\"-c\",\"id\"]");
	assert_true(has_string(json_object_get(p, "env"), "A=1"));
	assert_true(has_string(json_object_get(p, "env"), "B=3"));
	assert_true(has_string(json_object_get(p, "env"), "C=4"));
	assert_false(has_string(json_object_get(p, "env"), "B=2"));
	assert_json_eq(json_object_get(p, "user"),
		       "{\"uid\":1000,\"gid\":10,\"additionalGids\":[10]}");
	assert_string_equal(json_string_value(json_object_get(p, "cwd")), "/tmp");
	assert_true(json_is_true(json_object_get(p, "terminal")));
	assert_true(json_is_true(json_object_get(p, "noNewPrivileges")));
	assert_non_null(json_object_get(p, "rlimits"));
	assert_null(at(p, "capabilities.effective"));
	cleanup_json json_t *ec2 = J("{\"Cmd\":[\"x\"],\"Privileged\":true}");
	cleanup_json json_t *p2 = NULL;
	assert_int_equal(spec_exec_process(s, ec2, &p2, NULL), 0);
	assert_true(has_string(at(p2, "capabilities.effective"), "CAP_SYS_ADMIN"));
	cleanup_json json_t *ec3 = J("{\"Cmd\":[]}");
	cleanup_json json_t *p3 = NULL;
	berth_error_release(&err);
	assert_true(spec_exec_process(s, ec3, &p3, &err) < 0);
	assert_error_contains(err, "No exec command specified");
}

/* The body `docker create busybox true` posts (docker CLI 28): every field
 * present, most zero, null or empty; it must mean "docker's defaults" */
static void test_docker_cli_body(void **state)
{
	static const char body[] =
		"{\"Hostname\":\"\",\"Domainname\":\"\",\"User\":\"\",\"AttachStdin\":false,"
		"\"AttachStdout\":true,\"AttachStderr\":true,\"Tty\":false,\"OpenStdin\":false,"
		"\"StdinOnce\":false,\"Env\":null,\"Cmd\":[\"true\"],\"Image\":\"busybox\","
		"\"Volumes\":{},\"WorkingDir\":\"\",\"Entrypoint\":null,\"OnBuild\":null,\"Labels\":{}}";
	static const char host[] =
		"{\"Binds\":null,\"ContainerIDFile\":\"\",\"LogConfig\":{\"Type\":\"\",\"Config\":{}},"
		"\"NetworkMode\":\"default\",\"PortBindings\":{},\"RestartPolicy\":{\"Name\":\"no\","
		"\"MaximumRetryCount\":0},\"AutoRemove\":false,\"VolumeDriver\":\"\",\"VolumesFrom\":null,"
		"\"ConsoleSize\":[0,0],\"CapAdd\":null,\"CapDrop\":null,\"CgroupnsMode\":\"\",\"Dns\":[],"
		"\"DnsOptions\":[],\"DnsSearch\":[],\"ExtraHosts\":null,\"GroupAdd\":null,\"IpcMode\":\"\","
		"\"Cgroup\":\"\",\"Links\":null,\"OomScoreAdj\":0,\"PidMode\":\"\",\"Privileged\":false,"
		"\"PublishAllPorts\":false,\"ReadonlyRootfs\":false,\"SecurityOpt\":null,\"UTSMode\":\"\","
		"\"UsernsMode\":\"\",\"ShmSize\":0,\"Isolation\":\"\",\"CpuShares\":0,\"Memory\":0,"
		"\"NanoCpus\":0,\"CgroupParent\":\"\",\"BlkioWeight\":0,\"BlkioWeightDevice\":[],"
		"\"BlkioDeviceReadBps\":[],\"BlkioDeviceWriteBps\":[],\"BlkioDeviceReadIOps\":[],"
		"\"BlkioDeviceWriteIOps\":[],\"CpuPeriod\":0,\"CpuQuota\":0,\"CpuRealtimePeriod\":0,"
		"\"CpuRealtimeRuntime\":0,\"CpusetCpus\":\"\",\"CpusetMems\":\"\",\"Devices\":[],"
		"\"DeviceCgroupRules\":null,\"DeviceRequests\":null,\"MemoryReservation\":0,"
		"\"MemorySwap\":0,\"MemorySwappiness\":null,\"OomKillDisable\":null,\"PidsLimit\":null,"
		"\"Ulimits\":[],\"CpuCount\":0,\"CpuPercent\":0,\"IOMaximumIOps\":0,"
		"\"IOMaximumBandwidth\":0,\"MaskedPaths\":null,\"ReadonlyPaths\":null}";
	cleanup_json json_t *req = J(body);
	cleanup_json json_t *hc = J(host);
	cleanup_json json_t *image = J("{\"Env\":[\"PATH=/bin\"],\"Cmd\":[\"sh\"]}");
	cleanup_json json_t *cfg = NULL;
	cleanup_error berth_error_t *err = NULL;
	if (spec_merge_config(req, image, &cfg, &err) < 0 || spec_check_host_config(hc, &err) < 0)
		fail_msg("%s", err->msg);
	cleanup_free char *cfg_text = json_dumps(cfg, 0);
	cleanup_json json_t *s = build(cfg_text, host);
	assert_json_eq(at(s, "process.args"), "[\"true\"]");
	assert_true(has_string(at(s, "process.env"), "PATH=/bin"));
	assert_int_equal(json_array_size(at(s, "process.capabilities.effective")), 14);
	assert_null(at(s, "linux.resources.memory"));
	assert_null(at(s, "linux.resources.cpu"));
	assert_null(at(s, "linux.resources.pids"));
	assert_null(at(s, "process.consoleSize"));
	assert_true(has_string(at(s, "linux.maskedPaths"), "/proc/keys"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_env),
		cmocka_unit_test(test_merge_cmd_entrypoint),
		cmocka_unit_test(test_merge_fields),
		cmocka_unit_test(test_merge_bad_types),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_entrypoint_init_tty),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_privileged),
		cmocka_unit_test(test_security_opts),
		cmocka_unit_test(test_mounts),
		cmocka_unit_test(test_resources),
		cmocka_unit_test(test_default_ulimits),
		cmocka_unit_test(test_namespaces),
		cmocka_unit_test(test_exec_process),
		cmocka_unit_test(test_docker_cli_body),
		cmocka_unit_test(test_volume_mounts),
	};
	return cmocka_run_group_tests(tests, setup_rootfs, teardown_rootfs);
}
