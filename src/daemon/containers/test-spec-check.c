/* Unit tests for spec_check_host_config: each bad HostConfig gets docker's
 * message (the docker CLI prints it after "Error response from daemon:")
 * and the errno that the API maps to 400 (EINVAL) or 501-ish (ENOTSUP). */
#include "common/unit.h"

#include <errno.h>

#include "common/cleanup.h"
#include "daemon/containers/spec.h"

static const struct {
	const char *hc;
	int errnum;
	const char *needle;
} bad[] = {
	{ "{\"RestartPolicy\":{\"Name\":\"sometimes\"}}", EINVAL,
	  "invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', "
	  "'on-failure', or 'unless-stopped'" },
	{ "{\"RestartPolicy\":{\"Name\":\"always\",\"MaximumRetryCount\":3}}", EINVAL,
	  "invalid restart policy: maximum retry count can only be used with 'on-failure'" },
	{ "{\"RestartPolicy\":{\"Name\":\"on-failure\",\"MaximumRetryCount\":-1}}", EINVAL,
	  "invalid restart policy: maximum retry count cannot be negative" },
	{ "{\"AutoRemove\":true,\"RestartPolicy\":{\"Name\":\"always\"}}", EINVAL,
	  "can't create 'AutoRemove' container with restart policy" },
	{ "{\"Memory\":1048576}", EINVAL, "Minimum memory limit allowed is 6MB" },
	{ "{\"Memory\":67108864,\"MemorySwap\":33554432}", EINVAL,
	  "Minimum memoryswap limit should be larger than memory limit, see usage" },
	{ "{\"MemorySwap\":33554432}", EINVAL,
	  "You should always set the Memory limit when using Memoryswap limit" },
	{ "{\"MemorySwappiness\":101}", EINVAL,
	  "Invalid value: 101, valid memory swappiness range is 0-100" },
	{ "{\"MemoryReservation\":1024}", EINVAL, "Minimum memory reservation allowed is 6MB" },
	{ "{\"Memory\":8388608,\"MemoryReservation\":16777216}", EINVAL,
	  "Minimum memory limit can not be less than memory reservation limit" },
	{ "{\"NanoCpus\":1000000000,\"CpuQuota\":50000}", EINVAL,
	  "Conflicting options: Nano CPUs and CPU Quota cannot both be set" },
	{ "{\"NanoCpus\":1000000000,\"CpuPeriod\":50000}", EINVAL,
	  "Conflicting options: Nano CPUs and CPU Period cannot both be set" },
	{ "{\"NanoCpus\":1000}", EINVAL, "Range of CPUs is from 0.01 to" },
	{ "{\"CpuPeriod\":10}", EINVAL, "CPU cfs period can not be less than 1ms" },
	{ "{\"CpuQuota\":10}", EINVAL, "CPU cfs quota can not be less than 1ms (i.e. 1000)" },
	{ "{\"CpusetCpus\":\"0-\"}", EINVAL, "Invalid value 0- for cpuset cpus" },
	{ "{\"CpusetCpus\":\"a\"}", EINVAL, "Invalid value a for cpuset cpus" },
	{ "{\"CpusetCpus\":\"9999\"}", EINVAL,
	  "Requested CPUs are not available - requested 9999" },
	{ "{\"CpusetMems\":\"1,,2\"}", EINVAL, "Invalid value 1,,2 for cpuset mems" },
	{ "{\"PidsLimit\":\"x\"}", EINVAL, "HostConfig.PidsLimit" },
	{ "{\"BlkioWeight\":5}", EINVAL, "Range of blkio weight is from 10 to 1000" },
	{ "{\"CapAdd\":[\"CAP_FOO\"]}", EINVAL, "invalid CapAdd: unknown capability: \"CAP_FOO\"" },
	{ "{\"CapAdd\":\"CAP_KILL\"}", EINVAL, "HostConfig.CapAdd: want an array of strings" },
	/* a volume takes a mode only with a source, as dockerd's ParseMountRaw */
	{ "{\"Binds\":[\"/a:ro\"]}", EINVAL, "invalid volume specification: '/a:ro'" },
	{ "{\"Binds\":[\"data:rel\"]}", EINVAL,
	  "invalid volume specification: 'data:rel': invalid mount config for type \"volume\": "
	  "invalid mount path: 'rel' mount path must be absolute" },
	{ "{\"Binds\":[\"data:/x:bogus\"]}", EINVAL, "invalid mode: bogus" },
	{ "{\"Binds\":[\"v1:/x\",\"v2:/x\"]}", EINVAL, "Duplicate mount point: /x" },
	{ "{\"Binds\":[\"/a::/b\"]}", EINVAL, "invalid volume specification: '/a::/b'" },
	{ "{\"Binds\":[\"/a:/\"]}", EINVAL, "destination can't be '/'" },
	{ "{\"Binds\":[\"/a:/b:shared,slave\"]}", EINVAL, "invalid mode: shared,slave" },
	{ "{\"Tmpfs\":{\"tmp\":\"\"}}", EINVAL,
	  "invalid mount config for type \"tmpfs\": invalid mount path: 'tmp' mount path must be "
	  "absolute" },
	{ "{\"Binds\":[\"/a:/x\"],\"Tmpfs\":{\"/x\":\"\"}}", EINVAL, "Duplicate mount point: /x" },
	{ "{\"Binds\":[\"/a:/x\"],\"Mounts\":[{\"Type\":\"tmpfs\",\"Target\":\"/x\"}]}", EINVAL,
	  "Duplicate mount point: /x" },
	{ "{\"Mounts\":[{\"Type\":\"volume\",\"Target\":\"/x\",\"ReadOnly\":true}]}", EINVAL,
	  "must not set ReadOnly mode when using anonymous volumes" },
	{ "{\"Mounts\":[{\"Type\":\"volume\",\"Source\":\"v\",\"Target\":\"/x\","
	  "\"BindOptions\":{}}]}",
	  EINVAL, "field BindOptions must not be specified" },
	{ "{\"Mounts\":[{\"Type\":\"tmpfs\",\"Source\":\"/a\",\"Target\":\"/x\"}]}", EINVAL,
	  "field Source must not be specified" },
	{ "{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/a\",\"Target\":\"/x\","
	  "\"BindOptions\":{\"Propagation\":\"sideways\"}}]}",
	  EINVAL, "invalid propagation mode: sideways" },
	{ "{\"OomScoreAdj\":1001}", EINVAL,
	  "Invalid value 1001, range for oom score adj is [-1000, 1000]" },
	{ "{\"ShmSize\":-1}", EINVAL, "SHM size can not be less than 0" },
	{ "{\"SecurityOpt\":[\"apparmor\"]}", EINVAL, "invalid --security-opt 1: \"apparmor\"" },
	{ "{\"SecurityOpt\":[\"no-new-privileges=maybe\"]}", EINVAL,
	  "invalid --security-opt 2: \"no-new-privileges=maybe\"" },
	{ "{\"SecurityOpt\":[\"label=level:s0\"]}", ENOTSUP, "SELinux labels are not supported" },
	{ "{\"UTSMode\":\"container:x\"}", EINVAL, "invalid UTS mode: container:x" },
	{ "{\"CgroupnsMode\":\"shared\"}", EINVAL, "invalid cgroup namespace mode: shared" },
	{ "{\"IpcMode\":\"container:abc\"}", ENOTSUP,
	  "IpcMode 'container:abc': joining another container's namespace is not supported yet" },
	{ "{\"NetworkMode\":\"container:\"}", EINVAL, "invalid network mode: container:" },
	{ "{\"Ulimits\":[{\"Name\":\"nofile\",\"Soft\":10,\"Hard\":5}]}", EINVAL,
	  "ulimit soft limit must be less than or equal to hard limit: 10 > 5" },
	{ "{\"Sysctls\":{\"vm.swappiness\":\"1\"}}", EINVAL,
	  "sysctl 'vm.swappiness' is not in a separate kernel namespace" },
	{ "{\"Devices\":[{\"PathOnHost\":\"/nonexistent\"}]}", ENOENT,
	  "error gathering device information while adding custom device \"/nonexistent\"" },
	{ "{\"DeviceCgroupRules\":[\"c 1:2\"]}", EINVAL, "invalid device cgroup rule format" },
	{ "[]", EINVAL, "HostConfig: want an object" },
};

static void test_bad(void **state)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cleanup_json json_t *hc = json_loads(bad[i].hc, 0, NULL);
		cleanup_error berth_error_t *err = NULL;
		if (!hc)
			fail_msg("bad test JSON %s", bad[i].hc);
		int r = spec_check_host_config(hc, &err);
		if (r >= 0)
			fail_msg("%s: accepted", bad[i].hc);
		assert_error_contains(err, bad[i].needle);
		if (err->errnum != bad[i].errnum)
			fail_msg("%s: errno %d, want %d", bad[i].hc, err->errnum, bad[i].errnum);
	}
}

static void test_good(void **state)
{
	static const char *const good[] = {
		"{}",
		"null",
		"{\"RestartPolicy\":{\"Name\":\"\",\"MaximumRetryCount\":0}}",
		"{\"RestartPolicy\":{\"Name\":\"on-failure\",\"MaximumRetryCount\":5}}",
		"{\"RestartPolicy\":{\"Name\":\"unless-stopped\"}}",
		"{\"Memory\":6291456,\"MemorySwap\":-1,\"MemorySwappiness\":-1}",
		"{\"NanoCpus\":500000000,\"CpusetCpus\":\"0\",\"PidsLimit\":-1}",
		"{\"CapAdd\":[\"ALL\"],\"CapDrop\":[\"cap_mknod\",\"net_raw\"]}",
		"{\"Binds\":[\"/a:/b:ro,z,rshared,nocopy\",\"/c:/d:rw\"],\"Tmpfs\":{\"/run\":\"\"}}",
		"{\"SecurityOpt\":[\"no-new-privileges:true\",\"seccomp=unconfined\",\"label:disable\"]}",
		"{\"Sysctls\":{\"net.core.somaxconn\":\"1024\",\"fs.mqueue.msg_max\":\"20\"}}",
		("{\"DeviceCgroupRules\":[\"a *:* rwm\",\"b 8:0 r\"],\"Devices\":[{\"PathOnHost\":"
		 "\"/dev/null\",\"PathInContainer\":\"/dev/mynull\",\"CgroupPermissions\":\"rw\"}]}"),
		("{\"NetworkMode\":\"bridge\",\"IpcMode\":\"shareable\",\"PidMode\":\"\","
		 "\"CgroupnsMode\":\"host\"}"),
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		cleanup_json json_t *hc = json_loads(good[i], JSON_DECODE_ANY, NULL);
		cleanup_error berth_error_t *err = NULL;
		if (spec_check_host_config(hc, &err) < 0)
			fail_msg("%s: %s", good[i], err->msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_good),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
