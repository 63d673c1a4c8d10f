/* Unit tests for the seccomp profile: the default profile's rules follow
 * the container's capabilities, arch and kernel as docker resolves them,
 * and a user's profile in docker's format is checked and translated. */
#include "common/unit.h"

#include <errno.h>

#include "common/cleanup.h"
#include "daemon/containers/seccomp-default.h"
#include "daemon/containers/spec-internal.h"
#include "oci/runtime-config.h"

static uint64_t cap(const char *name)
{
	return 1ULL << oci_cap_from_name(name);
}

static uint64_t default_caps(void)
{
	static const char *const n[] = { "CAP_CHOWN",
					 "CAP_DAC_OVERRIDE",
					 "CAP_FSETID",
					 "CAP_FOWNER",
					 "CAP_MKNOD",
					 "CAP_NET_RAW",
					 "CAP_SETGID",
					 "CAP_SETUID",
					 "CAP_SETFCAP",
					 "CAP_SETPCAP",
					 "CAP_NET_BIND_SERVICE",
					 "CAP_SYS_CHROOT",
					 "CAP_KILL",
					 "CAP_AUDIT_WRITE",
					 NULL };
	uint64_t m = 0;
	for (const char *const *p = n; *p; p++)
		m |= cap(*p);
	return m;
}

static json_t *resolve(uint64_t caps, const char *arch, const char *kernel)
{
	cleanup_json json_t *p = seccomp_default_profile();
	json_t *out = NULL;
	cleanup_error berth_error_t *err = NULL;
	if (spec_seccomp_resolve_for(p, caps, arch, kernel, &out, &err) < 0)
		fail_msg("%s", err->msg);
	return out;
}

/* The action of the first rule naming sys (NULL: none, the default) */
static const json_t *rule_for(const json_t *s, const char *sys)
{
	size_t i, j;
	json_t *r, *n;
	json_array_foreach(json_object_get(s, "syscalls"), i, r)
		json_array_foreach(json_object_get(r, "names"), j,
				   n) if (strcmp(json_string_value(n), sys) == 0) return r;
	return NULL;
}

static bool allowed(const json_t *s, const char *sys)
{
	const json_t *r = rule_for(s, sys);
	return r && strcmp(json_string_value(json_object_get(r, "action")), "SCMP_ACT_ALLOW") == 0;
}

static void test_default_caps(void **state)
{
	cleanup_json json_t *s = resolve(default_caps(), "amd64", "5.10.0");
	assert_string_equal(json_string_value(json_object_get(s, "defaultAction")),
			    "SCMP_ACT_ERRNO");
	assert_int_equal(json_integer_value(json_object_get(s, "defaultErrnoRet")), 1);
	cleanup_free char *a = json_dumps(json_object_get(s, "architectures"), JSON_COMPACT);
	assert_string_equal(a, "[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"]");
	assert_true(allowed(s, "read"));
	assert_true(allowed(s, "arch_prctl"));
	assert_true(allowed(s, "chroot")); /* CAP_SYS_CHROOT is a default */
	assert_true(allowed(s, "ptrace")); /* kernel >= 4.8 */
	assert_false(allowed(s, "mount")); /* needs CAP_SYS_ADMIN */
	assert_false(allowed(s, "unshare"));
	assert_false(allowed(s, "keyctl")); /* never listed */
	assert_false(allowed(s, "reboot"));
	assert_false(allowed(s, "s390_runtime_instr")); /* other arch */
	/* clone only without namespace flags, clone3 ENOSYS */
	const json_t *clone = rule_for(s, "clone");
	assert_non_null(json_object_get(clone, "args"));
	const json_t *c3 = rule_for(s, "clone3");
	assert_string_equal(json_string_value(json_object_get(c3, "action")), "SCMP_ACT_ERRNO");
	assert_int_equal(json_integer_value(json_object_get(c3, "errnoRet")), 38);
	/* no docker-only keys leak into the OCI object */
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(s, "syscalls"), i, r)
	{
		assert_null(json_object_get(r, "includes"));
		assert_null(json_object_get(r, "excludes"));
	}
}

static void test_sys_admin(void **state)
{
	cleanup_json json_t *s = resolve(default_caps() | cap("CAP_SYS_ADMIN"), "amd64", "5.10.0");
	assert_true(allowed(s, "mount"));
	assert_true(allowed(s, "unshare"));
	/* the flag-filtered clone and the clone3 ENOSYS rule are gone */
	const json_t *clone = rule_for(s, "clone");
	assert_null(json_object_get(clone, "args"));
	assert_true(allowed(s, "clone3"));
	cleanup_json json_t *t = resolve(default_caps() & ~cap("CAP_SYS_CHROOT"), "amd64", "5.10");
	assert_false(allowed(t, "chroot"));
	cleanup_json json_t *u = resolve(default_caps() | cap("CAP_SYS_PTRACE"), "amd64", "4.4");
	assert_true(allowed(u, "kcmp"));
}

static void test_arch_and_kernel(void **state)
{
	cleanup_json json_t *s = resolve(default_caps(), "arm64", "4.4.0");
	cleanup_free char *a = json_dumps(json_object_get(s, "architectures"), JSON_COMPACT);
	assert_string_equal(a, "[\"SCMP_ARCH_AARCH64\",\"SCMP_ARCH_ARM\"]");
	assert_false(allowed(s, "arch_prctl"));
	assert_true(allowed(s, "set_tls"));
	assert_false(allowed(s, "ptrace")); /* 4.4 < 4.8 */
}

static void test_user_profile(void **state)
{
	cleanup_json json_t *p = json_loads(
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\"],"
		"\"syscalls\":[{\"name\":\"keyctl\",\"action\":\"SCMP_ACT_ERRNO\",\"comment\":\"x\"},"
		"{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1,"
		"\"args\":[{\"index\":0,\"value\":1,\"valueTwo\":0,\"op\":\"SCMP_CMP_EQ\"}],"
		"\"excludes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}}]}",
		0, NULL);
	json_t *out = NULL;
	assert_int_equal(spec_seccomp_resolve_for(p, 0, "amd64", "5.10", &out, NULL), 0);
	cleanup_free char *d = json_dumps(out, JSON_COMPACT);
	assert_string_equal(
		d, "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\"],"
		   "\"syscalls\":[{\"names\":[\"keyctl\"],\"action\":\"SCMP_ACT_ERRNO\"},"
		   "{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1,"
		   "\"args\":[{\"index\":0,\"value\":1,\"valueTwo\":0,\"op\":\"SCMP_CMP_EQ\"}]}]}");
	json_decref(out);
	static const struct {
		const char *profile, *needle;
	} bad[] = {
		{ "[]", "seccomp profile: want an object" },
		{ "{\"syscalls\":[]}", "defaultAction" },
		{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"name\":\"a\",\"names\":[\"b\"],"
		  "\"action\":\"SCMP_ACT_ALLOW\"}]}",
		  "use either 'name' or 'names'" },
		{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86\"],"
		  "\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86\"}]}",
		  "both 'architectures' and 'archMap'" },
		{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"]}]}",
		  "seccomp profile.syscalls[0]: missing" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cleanup_json json_t *b = json_loads(bad[i].profile, 0, NULL);
		cleanup_error berth_error_t *err = NULL;
		assert_non_null(b);
		assert_true(spec_seccomp_resolve_for(b, 0, "amd64", "5.10", &out, &err) < 0);
		assert_error_contains(err, bad[i].needle);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_caps),
		cmocka_unit_test(test_sys_admin),
		cmocka_unit_test(test_arch_and_kernel),
		cmocka_unit_test(test_user_profile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
