/* Unit tests for runtime-config errors and warnings: one bad input per
 * error class, each asserting the exact field path in the message; unknown
 * fields as warnings; the caps on size, depth and array lengths; the
 * process and resources entry points. */
#include "common/unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "oci/runtime-config.h"

/* A valid config every case starts from */
static const char base_json[] =
	"{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"rootfs\"},"
	" \"process\": {\"cwd\": \"/\", \"args\": [\"sh\"], \"user\": {\"uid\": 0, \"gid\": 0}},"
	" \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"mount\"},"
	" {\"type\": \"uts\"}]}}";

/* Merge overlay into base: objects recurse, the string "<del>" deletes */
static void merge(json_t *base, json_t *overlay)
{
	const char *k;
	json_t *v;
	json_object_foreach(overlay, k, v)
	{
		json_t *b = json_object_get(base, k);
		if (json_is_string(v) && strcmp(json_string_value(v), "<del>") == 0)
			json_object_del(base, k);
		else if (json_is_object(v) && json_is_object(b))
			merge(b, v);
		else
			json_object_set(base, k, v);
	}
}

/* Parse base + overlay as text through oci_config_parse */
static int parse_overlay(const char *overlay, struct oci_config **ret, berth_error_t **err)
{
	cleanup_json json_t *base = json_loads(base_json, 0, NULL);
	/* bjson_load: overlays may hold integers above INT64_MAX */
	cleanup_json json_t *over = NULL;
	if (base == NULL || bjson_load(overlay, strlen(overlay), "overlay", 0, 0, &over, NULL) < 0)
		fail_msg("bad test JSON: %s", overlay);
	merge(base, over);
	cleanup_free char *text = bjson_dump(base);
	return oci_config_parse(text, strlen(text), ret, err);
}

static void test_base_is_valid(void **state)
{
	cleanup_oci_config struct oci_config *c = NULL;
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(parse_overlay("{}", &c, &err), 0);
	assert_null(err);
}

static const struct {
	const char *overlay;
	const char *msg;
} bad[] = {
	/* types, with the JSON path */
	{ "{\"process\": {\"user\": {\"uid\": \"0\"}}}",
	  "process.user.uid: expected an integer, got a string" },
	{ "{\"process\": {\"user\": {\"uid\": -1}}}", "process.user.uid: -1 is out of range" },
	{ "{\"process\": {\"user\": {\"additionalGids\": [1, \"2\"]}}}",
	  "process.user.additionalGids[1]: expected an integer, got a string" },
	{ "{\"process\": {\"user\": {\"additionalGids\": [1, 4294967296]}}}",
	  "process.user.additionalGids[1]: 4294967296 is out of range [0, 4294967295]" },
	{ "{\"process\": {\"user\": {\"additionalGids\": [18446744073709551615]}}}",
	  "process.user.additionalGids[0]: 18446744073709551615 is out of range [0, 4294967295]" },
	{ "{\"process\": {\"terminal\": 1}}",
	  "process.terminal: expected a boolean, got an integer" },
	{ "{\"process\": {\"env\": [\"A=1\", 2]}}",
	  "process.env[1]: expected a string, got an integer" },
	{ "{\"process\": []}", "process: expected an object, got an array" },
	{ "{\"root\": \"rootfs\"}", "root: expected an object, got a string" },
	{ "{\"annotations\": {\"a\": 1}}", "annotations.a: expected a string, got an integer" },
	{ "{\"mounts\": [\"/proc\"]}", "mounts[0]: expected an object, got a string" },
	{ "{\"linux\": {\"resources\": {\"memory\": {\"swappiness\": \"60\"}}}}",
	  "linux.resources.memory.swappiness: expected an integer, got a string" },
	{ "{\"linux\": {\"resources\": {\"memory\": {\"swappiness\": -1}}}}",
	  "linux.resources.memory.swappiness: -1 is out of range" },
	{ "{\"linux\": {\"resources\": {\"cpu\": {\"quota\": 1.5}}}}",
	  "linux.resources.cpu.quota: expected an integer, got a real number" },
	{ "{\"linux\": {\"resources\": {\"blockIO\": {\"weight\": 70000}}}}",
	  "linux.resources.blockIO.weight: 70000 is out of range [0, 65535]" },
	{ "{\"linux\": {\"sysctl\": {\"net.ipv4.ip_forward\": 1}}}",
	  "linux.sysctl.net.ipv4.ip_forward: expected a string, got an integer" },
	{ "{\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
	  "[{\"names\": [\"a\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, "
	  "\"value\": \"1\", \"op\": \"SCMP_CMP_EQ\"}]}]}}}",
	  "linux.seccomp.syscalls[0].args[0].value: expected an integer, got a string" },
	{ "{\"linux\": {\"resources\": {\"rdma\": {\"mlx\": {\"hcaHandles\": \"x\"}}}}}",
	  "linux.resources.rdma.mlx.hcaHandles: expected an integer, got a string" },
	/* required fields */
	{ "{\"ociVersion\": \"<del>\"}", "missing required field 'ociVersion'" },
	{ "{\"root\": \"<del>\"}", "missing required field 'root'" },
	{ "{\"root\": {\"path\": \"<del>\"}}", "root: missing required field 'path'" },
	{ "{\"root\": {\"path\": \"\"}}", "root.path: must not be empty" },
	{ "{\"process\": {\"cwd\": \"<del>\"}}", "process: missing required field 'cwd'" },
	{ "{\"mounts\": [{\"source\": \"proc\"}]}",
	  "mounts[0]: missing required field 'destination'" },
	{ "{\"hooks\": {\"poststop\": [{\"args\": []}]}}",
	  "hooks.poststop[0]: missing required field 'path'" },
	{ "{\"linux\": {\"devices\": [{\"type\": \"c\", \"path\": \"/dev/x\", \"minor\": 1}]}}",
	  "linux.devices[0]: missing required field 'major'" },
	{ "{\"linux\": {\"resources\": {\"pids\": {}}}}",
	  "linux.resources.pids: missing required field 'limit'" },
	{ "{\"linux\": {\"seccomp\": {\"syscalls\": []}}}",
	  "linux.seccomp: missing required field 'defaultAction'" },
	{ "{\"linux\": {\"resources\": {\"devices\": [{\"access\": \"rwm\"}]}}}",
	  "linux.resources.devices[0]: missing required field 'allow'" },
	{ "{\"process\": {\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1}]}}",
	  "process.rlimits[0]: missing required field 'hard'" },
	{ "{\"linux\": {\"uidMappings\": [{\"containerID\": 0, \"hostID\": 0}]}}",
	  "linux.uidMappings[0]: missing required field 'size'" },
	{ "{\"linux\": {\"resources\": {\"hugepageLimits\": [{\"limit\": 1}]}}}",
	  "linux.resources.hugepageLimits[0]: missing required field 'pageSize'" },
	{ "{\"process\": {\"scheduler\": {\"nice\": 1}}}",
	  "process.scheduler: missing required field 'policy'" },
	{ "{\"linux\": {\"personality\": {}}}",
	  "linux.personality: missing required field 'domain'" },
	/* semantic checks */
	{ "{\"ociVersion\": \"2.0.0\"}", "ociVersion: unsupported version '2.0.0', want 1.x" },
	{ "{\"ociVersion\": \"1.x\"}", "ociVersion: unsupported version '1.x'" },
	{ "{\"process\": {\"cwd\": \"home\"}}", "process.cwd: 'home' is not an absolute path" },
	{ "{\"process\": {\"args\": []}}", "process.args: must contain at least one entry" },
	{ "{\"process\": {\"args\": \"<del>\"}}", "process.args: must contain at least one entry" },
	{ "{\"mounts\": [{\"destination\": \"/proc\"}, {\"destination\": \"sys\"}]}",
	  "mounts[1].destination: 'sys' is not an absolute path" },
	{ "{\"hooks\": {\"createRuntime\": [{\"path\": \"/a\"}, {\"path\": \"hook\"}]}}",
	  "hooks.createRuntime[1].path: 'hook' is not an absolute path" },
	{ "{\"hooks\": {\"prestart\": [{\"path\": \"/a\", \"timeout\": 0}]}}",
	  "hooks.prestart[0].timeout: must be greater than zero" },
	{ "{\"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"uts\"}, {\"type\": \"foo\"}]}}",
	  "linux.namespaces[2].type: unknown namespace type 'foo'" },
	{ "{\"linux\": {\"namespaces\": [{\"type\": \"uts\"}, {\"type\": \"uts\"}]}}",
	  "linux.namespaces[1]: duplicate namespace type 'uts'" },
	{ "{\"linux\": {\"namespaces\": [{\"type\": \"uts\"}, {\"type\": \"net\", \"path\": \"x\"}]}}",
	  "linux.namespaces[1].type: unknown namespace type 'net'" },
	{ "{\"linux\": {\"namespaces\": [{\"type\": \"uts\"}, {\"type\": \"network\", \"path\": \"x\"}]}}",
	  "linux.namespaces[1].path: 'x' is not an absolute path" },
	{ "{\"linux\": {\"uidMappings\": [{\"containerID\": 0, \"hostID\": 0, \"size\": 1}]}}",
	  "linux.uidMappings: given without a user namespace" },
	{ "{\"linux\": {\"gidMappings\": [{\"containerID\": 0, \"hostID\": 0, \"size\": 1}]}}",
	  "linux.gidMappings: given without a user namespace" },
	{ "{\"hostname\": \"h\", \"linux\": {\"namespaces\": [{\"type\": \"pid\"}]}}",
	  "hostname: set without a UTS namespace" },
	{ "{\"linux\": {\"devices\": [{\"type\": \"x\", \"path\": \"/dev/x\"}]}}",
	  "linux.devices[0].type: unknown device type 'x'" },
	{ "{\"linux\": {\"devices\": [{\"type\": \"cc\", \"path\": \"/dev/x\"}]}}",
	  "linux.devices[0].type: unknown device type 'cc'" },
	{ "{\"linux\": {\"devices\": [{\"type\": \"p\", \"path\": \"dev/x\"}]}}",
	  "linux.devices[0].path: 'dev/x' is not an absolute path" },
	{ "{\"linux\": {\"resources\": {\"devices\": [{\"allow\": true, \"access\": \"rwx\"}]}}}",
	  "linux.resources.devices[0].access: 'rwx' is not a subset of 'rwm'" },
	{ "{\"linux\": {\"resources\": {\"devices\": [{\"allow\": true, \"type\": \"u\"}]}}}",
	  "linux.resources.devices[0].type: unknown device type 'u'" },
	{ "{\"linux\": {\"resources\": {\"blockIO\": {\"weightDevice\": [{\"major\": 8, \"minor\": 0}]}}}}",
	  "linux.resources.blockIO.weightDevice[0]: needs 'weight' or 'leafWeight'" },
	{ "{\"linux\": {\"resources\": {\"rdma\": {\"mlx\": {}}}}}",
	  "linux.resources.rdma.mlx: needs 'hcaHandles' or 'hcaObjects'" },
	{ "{\"linux\": {\"resources\": {\"memory\": {\"swappiness\": 101}}}}",
	  "linux.resources.memory.swappiness: 101 is out of range [0, 100]" },
	{ "{\"linux\": {\"resources\": {\"cpu\": {\"quota\": 100, \"burst\": 200}}}}",
	  "linux.resources.cpu.burst: 200 is larger than quota 100" },
	{ "{\"process\": {\"capabilities\": {\"bounding\": [\"CAP_KILL\", \"CAP_CHOWN\", "
	  "\"CAP_SETUID\", \"CAP_FOO\"]}}}",
	  "process.capabilities.bounding[3]: unknown capability 'CAP_FOO'" },
	{ "{\"process\": {\"capabilities\": {\"ambient\": [\"kill\"]}}}",
	  "process.capabilities.ambient[0]: unknown capability 'kill'" },
	{ "{\"process\": {\"rlimits\": [{\"type\": \"RLIMIT_FOO\", \"soft\": 1, \"hard\": 1}]}}",
	  "process.rlimits[0].type: unknown rlimit 'RLIMIT_FOO'" },
	{ "{\"process\": {\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 10, \"hard\": 5}]}}",
	  "process.rlimits[0]: soft limit 10 is above the hard limit 5" },
	{ "{\"process\": {\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1, \"hard\": 1}, "
	  "{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1, \"hard\": 1}]}}",
	  "process.rlimits[1]: duplicate rlimit 'RLIMIT_NOFILE'" },
	{ "{\"process\": {\"oomScoreAdj\": 2000}}",
	  "process.oomScoreAdj: 2000 is out of range [-1000, 1000]" },
	{ "{\"process\": {\"scheduler\": {\"policy\": \"SCHED_FOO\"}}}",
	  "process.scheduler.policy: unknown policy 'SCHED_FOO'" },
	{ "{\"process\": {\"scheduler\": {\"policy\": \"SCHED_OTHER\", \"flags\": [\"X\"]}}}",
	  "process.scheduler.flags[0]: unknown flag 'X'" },
	{ "{\"process\": {\"scheduler\": {\"policy\": \"SCHED_OTHER\", \"priority\": 5}}}",
	  "process.scheduler.priority: only SCHED_FIFO and SCHED_RR take a priority" },
	{ "{\"process\": {\"scheduler\": {\"policy\": \"SCHED_OTHER\", \"nice\": 20}}}",
	  "process.scheduler.nice: 20 is out of range [-20, 19]" },
	{ "{\"process\": {\"ioPriority\": {\"class\": \"IOPRIO_CLASS_FOO\"}}}",
	  "process.ioPriority.class: unknown class 'IOPRIO_CLASS_FOO'" },
	{ "{\"process\": {\"ioPriority\": {\"class\": \"IOPRIO_CLASS_BE\", \"priority\": 8}}}",
	  "process.ioPriority.priority: 8 is out of range [0, 7]" },
	{ "{\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_FOO\"}}}",
	  "linux.seccomp.defaultAction: unknown action 'SCMP_ACT_FOO'" },
	{ "{\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_NOTIFY\"}}}",
	  "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action" },
	{ "{\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"defaultErrnoRet\": 1}}}",
	  "linux.seccomp.defaultErrnoRet: action 'SCMP_ACT_ALLOW' takes no errno" },
	{ "{\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": "
	  "[\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_Z80\"]}}}",
	  "linux.seccomp.architectures[1]: unknown architecture 'SCMP_ARCH_Z80'" },
	{ "{\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"X\"]}}}",
	  "linux.seccomp.flags[0]: unknown flag 'X'" },
	{ "{\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
	  "[{\"names\": [\"a\"], \"action\": \"SCMP_ACT_FOO\"}]}}}",
	  "linux.seccomp.syscalls[0].action: unknown action 'SCMP_ACT_FOO'" },
	{ "{\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
	  "[{\"names\": [], \"action\": \"SCMP_ACT_ERRNO\"}]}}}",
	  "linux.seccomp.syscalls[0].names: must contain at least one entry" },
	{ "{\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
	  "[{\"names\": [\"a\"], \"action\": \"SCMP_ACT_LOG\", \"errnoRet\": 1}]}}}",
	  "linux.seccomp.syscalls[0].errnoRet: action 'SCMP_ACT_LOG' takes no errno" },
	{ "{\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
	  "[{\"names\": [\"a\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, "
	  "\"value\": 1, \"op\": \"SCMP_CMP_FOO\"}]}]}}}",
	  "linux.seccomp.syscalls[0].args[0].op: unknown operator 'SCMP_CMP_FOO'" },
	{ "{\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
	  "[{\"names\": [\"a\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 6, "
	  "\"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}}}",
	  "linux.seccomp.syscalls[0].args[0].index: 6 is out of range [0, 5]" },
	{ "{\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
	  "[{\"names\": [\"a\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}}}",
	  "linux.seccomp.listenerPath: required by SCMP_ACT_NOTIFY" },
	{ "{\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", "
	  "\"listenerMetadata\": \"m\"}}}",
	  "linux.seccomp.listenerMetadata: given without listenerPath" },
	{ "{\"linux\": {\"rootfsPropagation\": \"rshared2\"}}",
	  "linux.rootfsPropagation: unknown propagation 'rshared2'" },
	{ "{\"linux\": {\"namespaces\": [{\"type\": \"uts\"}, {\"type\": \"time\"}], "
	  "\"timeOffsets\": {\"realtime\": {\"secs\": 1}}}}",
	  "linux.timeOffsets: unknown clock 'realtime'" },
	{ "{\"linux\": {\"timeOffsets\": {\"monotonic\": {\"secs\": 1}}}}",
	  "linux.timeOffsets: given without a time namespace" },
	{ "{\"linux\": {\"personality\": {\"domain\": \"LINUX64\"}}}",
	  "linux.personality.domain: unknown domain 'LINUX64'" },
	{ "{\"linux\": {\"memoryPolicy\": {\"mode\": \"MPOL_FOO\"}}}",
	  "linux.memoryPolicy.mode: unknown mode 'MPOL_FOO'" },
	{ "{\"linux\": {\"memoryPolicy\": {\"mode\": \"MPOL_BIND\", \"flags\": [\"F\"]}}}",
	  "linux.memoryPolicy.flags[0]: unknown flag 'F'" },
	{ "{\"linux\": {\"maskedPaths\": [\"/proc/kcore\", \"proc\"]}}",
	  "linux.maskedPaths[1]: 'proc' is not an absolute path" },
};

static void test_bad_inputs(void **state)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cleanup_oci_config struct oci_config *c = NULL;
		cleanup_error berth_error_t *err = NULL;
		if (parse_overlay(bad[i].overlay, &c, &err) == 0)
			fail_msg("accepted: %s", bad[i].overlay);
		assert_null(c);
		if (strstr(err->msg, bad[i].msg) == NULL)
			fail_msg("case %zu: error '%s' lacks '%s'", i, err->msg, bad[i].msg);
	}
}

static void test_not_json(void **state)
{
	static const char *const texts[] = { "", "[]", "{\"ociVersion\": \"1.0.0\"", "null",
					     "{} x" };
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct oci_config *c = NULL;
		cleanup_error berth_error_t *err = NULL;
		assert_int_not_equal(oci_config_parse(texts[i], strlen(texts[i]), &c, &err), 0);
		assert_non_null(err);
		assert_null(c);
	}
	cleanup_error berth_error_t *err = NULL;
	struct oci_config *c = NULL;
	assert_int_not_equal(oci_config_parse("[]", 2, &c, &err), 0);
	assert_error_contains(err, "expected an object, got an array");
}

static void test_warnings(void **state)
{
	cleanup_oci_config struct oci_config *c = NULL;
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(parse_overlay("{\"foo\": 1, \"linux\": {\"foo\": {}, \"resources\": "
				       "{\"memory\": {\"limitx\": 1}}}, \"process\": {\"user\": "
				       "{\"bar\": true}}, \"mounts\": [{\"destination\": \"/x\", "
				       "\"qux\": 1}], \"windows\": {}}",
				       &c, &err),
			 0);
	static const char *const want[] = {
		"unknown field 'foo', ignoring",
		"field 'windows' is for another platform, ignoring",
		"unknown field 'process.user.bar', ignoring",
		"unknown field 'mounts[0].qux', ignoring",
		"unknown field 'linux.foo', ignoring",
		"unknown field 'linux.resources.memory.limitx', ignoring",
	};
	assert_int_equal(c->n_warnings, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < c->n_warnings; i++) {
		bool found = false;
		for (size_t j = 0; j < c->n_warnings && !found; j++)
			found = strcmp(c->warnings[j], want[i]) == 0;
		if (!found)
			fail_msg("no warning '%s'", want[i]);
	}
	assert_null(c->warnings[c->n_warnings]);
}

static void test_null_is_absent(void **state)
{
	cleanup_oci_config struct oci_config *c = NULL;
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(parse_overlay("{\"hostname\": null, \"mounts\": null, \"process\": "
				       "{\"env\": null, \"capabilities\": null}}",
				       &c, &err),
			 0);
	assert_null(c->hostname);
	assert_null(c->process.env);
	assert_false(c->process.capabilities.present);
}

static void test_limits(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb,
		      "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\"}, \"mounts\": [");
	for (int i = 0; i < OCI_CONFIG_MAX_ITEMS + 1; i++)
		strbuf_addf(&sb, "%s{\"destination\": \"/m\"}", i ? "," : "");
	strbuf_addstr(&sb, "]}");
	struct oci_config *c = NULL;
	cleanup_error berth_error_t *err = NULL;
	assert_int_not_equal(oci_config_parse(sb.buf, sb.len, &c, &err), 0);
	assert_error_contains(err, "mounts: 10001 entries, more than the limit of 10000");
	strbuf_release(&sb);

	/* nesting deeper than OCI_CONFIG_MAX_DEPTH */
	for (int i = 0; i < OCI_CONFIG_MAX_DEPTH + 2; i++)
		strbuf_addstr(&sb, "[");
	for (int i = 0; i < OCI_CONFIG_MAX_DEPTH + 2; i++)
		strbuf_addstr(&sb, "]");
	berth_error_release(&err);
	assert_int_not_equal(oci_config_parse(sb.buf, sb.len, &c, &err), 0);
	assert_non_null(err);
	strbuf_release(&sb);

	/* larger than OCI_CONFIG_MAX_SIZE */
	size_t big = OCI_CONFIG_MAX_SIZE + 16;
	cleanup_free char *buf = xmalloc(big);
	memset(buf, ' ', big);
	buf[0] = '{';
	buf[big - 1] = '}';
	berth_error_release(&err);
	assert_int_not_equal(oci_config_parse(buf, big, &c, &err), 0);
	assert_non_null(err);
}

static void test_process_from_json(void **state)
{
	cleanup_json json_t *j = json_loads("{\"cwd\": \"/\", \"args\": [\"ls\"], \"user\": "
					    "{\"uid\": 5, \"gid\": 6}, \"zzz\": 1}",
					    0, NULL);
	struct oci_process p;
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(oci_process_from_json(j, "process.json", &p, &err), 0);
	assert_int_equal(p.user.uid, 5);
	cleanup_json json_t *out = oci_process_to_json(&p);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(out, "user"), "gid")),
			 6);
	oci_process_release(&p);
	cleanup_json json_t *bad_j = json_loads("{\"cwd\": \"/\", \"args\": []}", 0, NULL);
	assert_int_not_equal(oci_process_from_json(bad_j, "process.json", &p, &err), 0);
	assert_error_contains(err, "process.json.args: must contain at least one entry");
}

static void test_resources_from_json(void **state)
{
	cleanup_json json_t *j = json_loads("{\"memory\": {\"limit\": 1048576}, \"pids\": "
					    "{\"limit\": -1}, \"cpu\": {\"quota\": -1}}",
					    0, NULL);
	struct oci_resources r;
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(oci_resources_from_json(j, "resources.json", &r, &err), 0);
	assert_int_equal(r.memory.limit, 1048576);
	assert_int_equal(r.pids_limit, -1);
	assert_int_equal(r.cpu.quota, -1);
	cleanup_json json_t *out = oci_resources_to_json(&r);
	assert_true(json_equal(out, j));
	oci_resources_release(&r);
	cleanup_json json_t *bad_j = json_loads("{\"cpu\": {\"shares\": \"x\"}}", 0, NULL);
	assert_int_not_equal(oci_resources_from_json(bad_j, "resources.json", &r, &err), 0);
	assert_error_contains(err, "resources.json.cpu.shares: expected an integer, got a string");
}

static void test_load_bundle(void **state)
{
	char dir[] = "/tmp/berth-test-bundle-XXXXXX";
	assert_non_null(mkdtemp(dir));
	cleanup_free char *path = xasprintf("%s/config.json", dir);
	FILE *f = fopen(path, "we");
	assert_non_null(f);
	fputs(base_json, f);
	fclose(f);
	cleanup_oci_config struct oci_config *c = NULL;
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(oci_config_load_bundle(dir, &c, &err), 0);
	assert_string_equal(c->process.args[0], "sh");
	f = fopen(path, "we");
	fputs("{\"ociVersion\": \"1.0.0\", \"root\": {}}", f);
	fclose(f);
	struct oci_config *c2 = NULL;
	assert_int_not_equal(oci_config_load_bundle(dir, &c2, &err), 0);
	assert_error_contains(err, "config.json: root: missing required field 'path'");
	unlink(path);
	rmdir(dir);
	berth_error_release(&err);
	assert_int_not_equal(oci_config_load_bundle(dir, &c2, &err), 0);
	assert_int_equal(err->errnum, ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base_is_valid),
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_not_json),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_null_is_absent),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_process_from_json),
		cmocka_unit_test(test_resources_from_json),
		cmocka_unit_test(test_load_bundle),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
