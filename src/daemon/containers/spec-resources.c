/* spec-resources: HostConfig's resource fields to linux.resources (memory,
 * cpu, pids, blkio), Ulimits to process.rlimits, Sysctls to linux.sysctl,
 * and docker's validation of them with docker's messages (the docker CLI
 * and scripts match on those).  Values are docker's: bytes, CFS
 * microseconds, NanoCpus in 1e-9 CPUs. */
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "daemon/containers/spec-internal.h"
#include "oci/runtime-config.h"

#include "common/banned.h"

static int get(const json_t *hc, const char *key, int64_t *ret, berth_error_t **err)
{
	*ret = 0;
	return spec_hc_int64(hc, key, ret, err);
}

/* "0-3,5" with every cpu below limit; false on bad syntax; *max gets the
 * highest number */
static bool cpuset_parse(const char *s, long *max)
{
	*max = -1;
	if (!*s)
		return true;
	for (;;) {
		char *end;
		if (*s < '0' || *s > '9')
			return false;
		long a = strtol(s, &end, 10), b = a;
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9')
				return false;
			b = strtol(end + 1, &end, 10);
			if (b < a)
				return false;
		}
		if (a > 65535 || b > 65535)
			return false;
		if (b > *max)
			*max = b;
		if (*end == '\0')
			return true;
		if (*end != ',')
			return false;
		s = end + 1;
	}
}

static int check_cpuset(const json_t *hc, const char *key, const char *what, long avail,
			berth_error_t **err)
{
	const char *v = NULL;
	long max;
	if (spec_hc_string(hc, key, &v, err) < 0)
		return -EINVAL;
	if (!v)
		return 0;
	if (!cpuset_parse(v, &max))
		return berth_error_fail(err, EINVAL, "Invalid value %s for cpuset %s", v, what);
	if (avail > 0 && max >= avail)
		return berth_error_fail(err, EINVAL,
					"Requested %s are not available - requested %s, available: "
					"0-%ld",
					strcmp(what, "cpus") == 0 ? "CPUs" : "memory nodes", v,
					avail - 1);
	return 0;
}

static int check_memory(const json_t *hc, berth_error_t **err)
{
	int64_t mem, swap, resv, swappiness = -1;
	if (get(hc, "Memory", &mem, err) < 0 || get(hc, "MemorySwap", &swap, err) < 0 ||
	    get(hc, "MemoryReservation", &resv, err) < 0)
		return -EINVAL;
	json_t *sw = json_object_get(hc, "MemorySwappiness");
	if (sw && !json_is_null(sw) && spec_hc_int64(hc, "MemorySwappiness", &swappiness, err) < 0)
		return -EINVAL;
	if (mem != 0 && mem < SPEC_MIN_MEMORY)
		return berth_error_fail(err, EINVAL, "Minimum memory limit allowed is 6MB");
	if (mem > 0 && swap > 0 && swap < mem)
		return berth_error_fail(err, EINVAL,
					"Minimum memoryswap limit should be larger than memory "
					"limit, see usage");
	if (mem == 0 && swap > 0)
		return berth_error_fail(err, EINVAL,
					"You should always set the Memory limit when using "
					"Memoryswap limit, see usage");
	if (swappiness != -1 && (swappiness < 0 || swappiness > 100))
		return berth_error_fail(
			err, EINVAL, "Invalid value: %lld, valid memory swappiness range is 0-100",
			(long long)swappiness);
	if (resv != 0 && resv < SPEC_MIN_MEMORY)
		return berth_error_fail(err, EINVAL, "Minimum memory reservation allowed is 6MB");
	if (mem > 0 && resv > 0 && mem < resv)
		return berth_error_fail(err, EINVAL,
					"Minimum memory limit can not be less than memory "
					"reservation limit, see usage");
	return 0;
}

static int check_cpu(const json_t *hc, berth_error_t **err)
{
	int64_t nano, quota, period, shares;
	if (get(hc, "NanoCpus", &nano, err) < 0 || get(hc, "CpuQuota", &quota, err) < 0 ||
	    get(hc, "CpuPeriod", &period, err) < 0 || get(hc, "CpuShares", &shares, err) < 0)
		return -EINVAL;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (nano > 0 && period > 0)
		return berth_error_fail(err, EINVAL,
					"Conflicting options: Nano CPUs and CPU Period cannot both "
					"be set");
	if (nano > 0 && quota > 0)
		return berth_error_fail(err, EINVAL,
					"Conflicting options: Nano CPUs and CPU Quota cannot both "
					"be set");
	if (nano < 0 || (nano > 0 && (nano < 10000000 || nano > (int64_t)ncpu * 1000000000)))
		return berth_error_fail(err, EINVAL,
					"Range of CPUs is from 0.01 to %ld.00, as there are only %ld "
					"CPUs available",
					ncpu, ncpu);
	if (period != 0 && (period < 1000 || period > 1000000))
		return berth_error_fail(err, EINVAL,
					"CPU cfs period can not be less than 1ms (i.e. 1000) or "
					"larger than 1s (i.e. 1000000)");
	if (quota > 0 && quota < 1000)
		return berth_error_fail(err, EINVAL,
					"CPU cfs quota can not be less than 1ms (i.e. 1000)");
	if (shares < 0)
		return berth_error_fail(err, EINVAL, "invalid CPU shares: %lld", (long long)shares);
	if (check_cpuset(hc, "CpusetCpus", "cpus", sysconf(_SC_NPROCESSORS_CONF), err) < 0 ||
	    check_cpuset(hc, "CpusetMems", "mems", 0, err) < 0)
		return -EINVAL;
	return 0;
}

static int check_ulimit(const json_t *u, const char *path, berth_error_t **err)
{
	const char *name = NULL;
	int64_t soft = 0, hard = 0;
	if (bjson_get_string(u, path, "Name", BJSON_REQUIRED, &name, err) < 0 ||
	    bjson_get_int64(u, path, "Soft", BJSON_ALLOW_NULL, &soft, err) < 0 ||
	    bjson_get_int64(u, path, "Hard", BJSON_ALLOW_NULL, &hard, err) < 0)
		return -EINVAL;
	cleanup_free char *rname = xasprintf("RLIMIT_%s", name);
	for (char *p = rname; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
	if (oci_rlimit_from_name(rname) < 0)
		return berth_error_fail(err, EINVAL, "invalid ulimit type: %s", name);
	/* -1 is unlimited; compare as the kernel does, unsigned */
	if ((uint64_t)soft > (uint64_t)hard)
		return berth_error_fail(err, EINVAL,
					"ulimit soft limit must be less than or equal to hard limit: "
					"%lld > %lld",
					(long long)soft, (long long)hard);
	return 0;
}

static int for_each_ulimit(const json_t *list, const char *where,
			   int (*fn)(const json_t *u, const char *path, void *ctx,
				     berth_error_t **err),
			   void *ctx, berth_error_t **err)
{
	if (!list || json_is_null(list))
		return 0;
	size_t i;
	json_t *u;
	const char *k;
	if (json_is_array(list)) {
		json_array_foreach(list, i, u)
		{
			cleanup_free char *p = bjson_path_index(where, i);
			if (fn(u, p, ctx, err) < 0)
				return -EINVAL;
		}
		return 0;
	}
	if (json_is_object(list)) { /* daemon.json's default-ulimits: name -> ulimit */
		json_object_foreach((json_t *)list, k, u)
		{
			cleanup_free char *p = bjson_path_key(where, k);
			if (fn(u, p, ctx, err) < 0)
				return -EINVAL;
		}
		return 0;
	}
	return berth_error_fail(err, EINVAL, "%s: want an array, got %s", where,
				bjson_type_name(list));
}

static int check_one(const json_t *u, const char *path, void *ctx, berth_error_t **err)
{
	return check_ulimit(u, path, err);
}

int spec_check_resources(const json_t *hc, berth_error_t **err)
{
	int64_t v;
	if (check_memory(hc, err) < 0 || check_cpu(hc, err) < 0)
		return -EINVAL;
	if (get(hc, "BlkioWeight", &v, err) < 0)
		return -EINVAL;
	if (v != 0 && (v < 10 || v > 1000))
		return berth_error_fail(err, EINVAL, "Range of blkio weight is from 10 to 1000");
	if (get(hc, "OomScoreAdj", &v, err) < 0)
		return -EINVAL;
	if (v < -1000 || v > 1000)
		return berth_error_fail(
			err, EINVAL, "Invalid value %lld, range for oom score adj is [-1000, 1000]",
			(long long)v);
	if (get(hc, "ShmSize", &v, err) < 0)
		return -EINVAL;
	if (v < 0)
		return berth_error_fail(err, EINVAL, "SHM size can not be less than 0");
	if (get(hc, "PidsLimit", &v, err) < 0)
		return -EINVAL;
	return for_each_ulimit(json_object_get(hc, "Ulimits"), "HostConfig.Ulimits", check_one,
			       NULL, err);
}

/* ---- building ---------------------------------------------------------- */

/* Swap limits need swap accounting: absent on many v1 hosts (docker then
 * warns and leaves swap alone) */
static bool have_swap_limit(void)
{
	struct stat st;
	if (stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0)
		return true; /* unified: memory.swap.max */
	return stat("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", &st) == 0;
}

static int add_memory(json_t *res, const json_t *hc, berth_error_t **err)
{
	int64_t mem, swap, resv, swappiness = -1;
	if (get(hc, "Memory", &mem, err) < 0 || get(hc, "MemorySwap", &swap, err) < 0 ||
	    get(hc, "MemoryReservation", &resv, err) < 0)
		return -EINVAL;
	json_t *sw = json_object_get(hc, "MemorySwappiness");
	if (sw && !json_is_null(sw) && spec_hc_int64(hc, "MemorySwappiness", &swappiness, err) < 0)
		return -EINVAL;
	json_t *m = json_object();
	if (mem > 0)
		json_object_set_new(m, "limit", json_integer(mem));
	if (resv > 0)
		json_object_set_new(m, "reservation", json_integer(resv));
	/* docker's default: swap as large as memory again (2x in total) */
	if (mem > 0 && swap == 0)
		swap = mem * 2;
	if (swap != 0 && have_swap_limit())
		json_object_set_new(m, "swap", json_integer(swap));
	if (swappiness >= 0)
		json_object_set_new(m, "swappiness", json_integer(swappiness));
	json_t *ook = json_object_get(hc, "OomKillDisable");
	if (json_is_true(ook))
		json_object_set_new(m, "disableOOMKiller", json_true());
	/* KernelMemory: gone from the kernel (5.16+) and from docker; ignored */
	if (json_object_size(m))
		json_object_set_new(res, "memory", m);
	else
		json_decref(m);
	return 0;
}

static int add_cpu(json_t *res, const json_t *hc, berth_error_t **err)
{
	int64_t nano, quota, period, shares, rt_runtime, rt_period;
	const char *cpus = NULL, *mems = NULL;
	if (get(hc, "NanoCpus", &nano, err) < 0 || get(hc, "CpuQuota", &quota, err) < 0 ||
	    get(hc, "CpuPeriod", &period, err) < 0 || get(hc, "CpuShares", &shares, err) < 0 ||
	    get(hc, "CpuRealtimeRuntime", &rt_runtime, err) < 0 ||
	    get(hc, "CpuRealtimePeriod", &rt_period, err) < 0 ||
	    spec_hc_string(hc, "CpusetCpus", &cpus, err) < 0 ||
	    spec_hc_string(hc, "CpusetMems", &mems, err) < 0)
		return -EINVAL;
	json_t *c = json_object();
	if (shares > 0)
		json_object_set_new(c, "shares", json_integer(shares));
	if (nano > 0) {
		/* docker: a 100ms period and the quota for that many CPUs */
		const int64_t p = 100000;
		json_object_set_new(c, "period", json_integer(p));
		json_object_set_new(c, "quota", json_integer(nano * p / 1000000000));
	} else {
		if (period > 0)
			json_object_set_new(c, "period", json_integer(period));
		if (quota != 0)
			json_object_set_new(c, "quota", json_integer(quota));
	}
	if (rt_runtime != 0)
		json_object_set_new(c, "realtimeRuntime", json_integer(rt_runtime));
	if (rt_period != 0)
		json_object_set_new(c, "realtimePeriod", json_integer(rt_period));
	if (cpus && *cpus)
		json_object_set_new(c, "cpus", json_string(cpus));
	if (mems && *mems)
		json_object_set_new(c, "mems", json_string(mems));
	if (json_object_size(c))
		json_object_set_new(res, "cpu", c);
	else
		json_decref(c);
	return 0;
}

/* BlkioWeightDevice / BlkioDevice*: [{Path, Weight|Rate}] -> major:minor */
static int blkio_devices(const json_t *hc, const char *key, const char *field,
			 const char *oci_field, json_t *out, berth_error_t **err)
{
	json_t *list = json_object_get(hc, key);
	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list))
		return berth_error_fail(err, EINVAL, "HostConfig.%s: want an array", key);
	json_t *arr = json_array();
	json_object_set_new(out, oci_field, arr);
	size_t i;
	json_t *d;
	json_array_foreach(list, i, d)
	{
		cleanup_free char *where = xasprintf("HostConfig.%s[%zu]", key, i);
		const char *path = NULL;
		int64_t v = 0;
		if (bjson_get_string(d, where, "Path", BJSON_REQUIRED, &path, err) < 0 ||
		    bjson_get_int64(d, where, field, BJSON_REQUIRED, &v, err) < 0)
			return -EINVAL;
		struct stat st;
		if (stat(path, &st) < 0)
			return berth_error_set(err, errno, "%s: stat '%s'", where, path);
		if (!S_ISBLK(st.st_mode))
			return berth_error_fail(err, EINVAL, "%s: '%s' is not a block device",
						where, path);
		json_array_append_new(arr,
				      json_pack("{s:I, s:I, s:I}", "major",
						(json_int_t)major(st.st_rdev), "minor",
						(json_int_t)minor(st.st_rdev),
						strcmp(field, "Weight") == 0 ? "weight" : "rate",
						(json_int_t)v));
	}
	return 0;
}

static int add_blkio(json_t *res, const json_t *hc, berth_error_t **err)
{
	int64_t w;
	if (get(hc, "BlkioWeight", &w, err) < 0)
		return -EINVAL;
	cleanup_json json_t *b = json_object();
	if (w > 0)
		json_object_set_new(b, "weight", json_integer(w));
	if (blkio_devices(hc, "BlkioWeightDevice", "Weight", "weightDevice", b, err) < 0 ||
	    blkio_devices(hc, "BlkioDeviceReadBps", "Rate", "throttleReadBpsDevice", b, err) < 0 ||
	    blkio_devices(hc, "BlkioDeviceWriteBps", "Rate", "throttleWriteBpsDevice", b, err) <
		    0 ||
	    blkio_devices(hc, "BlkioDeviceReadIOps", "Rate", "throttleReadIOPSDevice", b, err) <
		    0 ||
	    blkio_devices(hc, "BlkioDeviceWriteIOps", "Rate", "throttleWriteIOPSDevice", b, err) <
		    0)
		return -EINVAL;
	if (json_object_size(b))
		json_object_set(res, "blockIO", b);
	return 0;
}

int spec_add_resources(json_t *spec, const json_t *hc, bool privileged, berth_error_t **err)
{
	json_t *linux_ = json_object_get(spec, "linux");
	json_t *res = json_object_get(linux_, "resources");
	if (!res) {
		res = json_object();
		json_object_set_new(linux_, "resources", res);
	}
	if (add_memory(res, hc, err) < 0 || add_cpu(res, hc, err) < 0 ||
	    add_blkio(res, hc, err) < 0)
		return -EINVAL;
	int64_t pids = 0;
	if (get(hc, "PidsLimit", &pids, err) < 0)
		return -EINVAL;
	/* 0 and negative mean unlimited in docker's API */
	if (pids > 0)
		json_object_set_new(res, "pids", json_pack("{s:I}", "limit", (json_int_t)pids));
	return spec_add_devices(spec, hc, privileged, err);
}

/* ---- rlimits ----------------------------------------------------------- */

static int add_one_rlimit(const json_t *u, const char *path, void *ctx, berth_error_t **err)
{
	json_t *by_type = ctx;
	if (check_ulimit(u, path, err) < 0)
		return -EINVAL;
	const char *name = json_string_value(json_object_get(u, "Name"));
	cleanup_free char *rname = xasprintf("RLIMIT_%s", name);
	for (char *p = rname; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
	int64_t soft = json_integer_value(json_object_get(u, "Soft"));
	int64_t hard = json_integer_value(json_object_get(u, "Hard"));
	/* -1 (unlimited) is RLIM_INFINITY, the all-ones uint64 */
	json_object_set_new(by_type, rname,
			    json_pack("{s:s, s:o, s:o}", "type", rname, "hard",
				      bjson_uint64((uint64_t)hard), "soft",
				      bjson_uint64((uint64_t)soft)));
	return 0;
}

int spec_add_rlimits(json_t *process, const json_t *hc, const json_t *defaults, berth_error_t **err)
{
	/* no nofile entry unless asked: the container inherits the runtime's,
	 * which is dockerd's behaviour since it stopped setting one */
	cleanup_json json_t *by_type = json_object();
	if (for_each_ulimit(defaults, "default-ulimits", add_one_rlimit, by_type, err) < 0 ||
	    for_each_ulimit(json_object_get(hc, "Ulimits"), "HostConfig.Ulimits", add_one_rlimit,
			    by_type, err) < 0)
		return -EINVAL;
	if (!json_object_size(by_type))
		return 0;
	json_t *arr = json_array();
	const char *k;
	json_t *v;
	json_object_foreach(by_type, k, v) json_array_append(arr, v);
	json_object_set_new(process, "rlimits", arr);
	return 0;
}

/* ---- sysctls ----------------------------------------------------------- */

static bool ipc_sysctl(const char *k)
{
	static const char *const names[] = {
		"kernel.msgmax", "kernel.msgmnb",          "kernel.msgmni",
		"kernel.sem",    "kernel.shmall",          "kernel.shmmax",
		"kernel.shmmni", "kernel.shm_rmid_forced", NULL
	};
	for (const char *const *n = names; *n; n++)
		if (strcmp(*n, k) == 0)
			return true;
	return strncmp(k, "fs.mqueue.", 10) == 0;
}

int spec_add_sysctls(json_t *linux_, const json_t *hc, bool host_net, bool host_uts,
		     berth_error_t **err)
{
	json_t *s = json_object_get(hc, "Sysctls");
	if (!s || json_is_null(s))
		return 0;
	if (!json_is_object(s))
		return berth_error_fail(err, EINVAL, "HostConfig.Sysctls: want an object, got %s",
					bjson_type_name(s));
	const char *ipc = NULL;
	if (spec_hc_string(hc, "IpcMode", &ipc, err) < 0)
		return -EINVAL;
	bool host_ipc = ipc && strcmp(ipc, "host") == 0;
	json_t *out = json_object();
	const char *k;
	json_t *v;
	json_object_foreach(s, k, v)
	{
		const char *why = NULL;
		if (!json_is_string(v))
			why = "want a string value";
		else if (ipc_sysctl(k))
			why = host_ipc ? "is not allowed in the host IPC namespace" : NULL;
		else if (strncmp(k, "net.", 4) == 0)
			why = host_net ? "is not allowed in the host network namespace" : NULL;
		else if (strcmp(k, "kernel.domainname") == 0 || strcmp(k, "kernel.hostname") == 0)
			why = host_uts ? "is not allowed in the host UTS namespace" : NULL;
		else
			why = "is not in a separate kernel namespace";
		if (why) {
			json_decref(out);
			return berth_error_fail(err, EINVAL, "sysctl '%s' %s", k, why);
		}
		json_object_set(out, k, v);
	}
	json_object_set_new(linux_, "sysctl", out);
	return 0;
}
