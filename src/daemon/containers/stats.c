/* stats: docker's stats JSON (v1.47 ContainerStatsResponse, less the name,
 * id, preread and precpu_stats the caller adds) from runc-style cgroup
 * stats (runtime/cgroup.h, v1 and v2 back-ends) plus the host's
 * /proc/stat, /proc/meminfo and the container's /proc/<pid>/net/dev.
 * Every file read here is capped; a missing controller gives zeros, as
 * docker shows them, but a missing cgroup is an error. */
#include "daemon/containers/stats.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/parse.h"
#include "common/xalloc.h"
#include "runtime/cgroup.h"

#include "common/banned.h"

#define STATS_FILE_MAX (1u << 20)
#define STATS_MAX_IFACES 4096

/* Read a small /proc file whole into *ret (NUL-terminated), at most the cap */
static int read_small(const char *path, char **ret, berth_error_t **err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return berth_error_set(err, errno, "open '%s'", path);
	cleanup_free char *buf = xmalloc(STATS_FILE_MAX + 1);
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fd, buf + len, STATS_FILE_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berth_error_set(err, errno, "read '%s'", path);
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == STATS_FILE_MAX)
			return berth_error_fail(err, EFBIG, "'%s' is over %u bytes", path,
						STATS_FILE_MAX);
	}
	buf[len] = '\0';
	*ret = steal_pointer(&buf);
	return 0;
}

static json_t *u64(uint64_t v)
{
	return json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v);
}

static uint64_t get_u64(const json_t *obj, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(obj, key));
	return v > 0 ? (uint64_t)v : 0;
}

/* ---- host values --------------------------------------------------------- */

/* moby getSystemCPUUsage: the first seven fields of /proc/stat's "cpu"
 * line (user nice system idle iowait irq softirq) in ns */
static uint64_t system_cpu_usage(void)
{
	cleanup_free char *s = NULL;
	if (read_small("/proc/stat", &s, NULL) < 0 || strncmp(s, "cpu ", 4) != 0)
		return 0;
	uint64_t ticks = 0;
	char *p = s + 4;
	for (int i = 0; i < 7; i++) {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(p, &end, 10);
		if (end == p || errno)
			break;
		ticks += v;
		p = end;
	}
	long hz = sysconf(_SC_CLK_TCK);
	return ticks * (1000000000ull / (uint64_t)(hz > 0 ? hz : 100));
}

static uint64_t machine_memory(void)
{
	struct sysinfo si;
	if (sysinfo(&si) < 0)
		return 0;
	return (uint64_t)si.totalram * si.mem_unit;
}

static void now_rfc3339nano(char *buf, size_t len)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char base[32];
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%09ldZ", base, (long)ts.tv_nsec);
}

/* ---- the parts of the response ------------------------------------------- */

static json_t *cpu_stats(const json_t *cpu, int online)
{
	const json_t *usage = json_object_get(cpu, "usage");
	const json_t *thr = json_object_get(cpu, "throttling");
	json_t *cu = json_pack("{s:o,s:o,s:o}", "total_usage", u64(get_u64(usage, "total")),
			       "usage_in_kernelmode", u64(get_u64(usage, "kernel")),
			       "usage_in_usermode", u64(get_u64(usage, "user")));
	/* v1 only, as docker: cpuacct.usage_percpu */
	const json_t *percpu = json_object_get(usage, "percpu");
	if (json_array_size(percpu) > 0)
		json_object_set_new(cu, "percpu_usage", json_deep_copy(percpu));
	return json_pack("{s:o,s:o,s:i,s:{s:o,s:o,s:o}}", "cpu_usage", cu, "system_cpu_usage",
			 u64(system_cpu_usage()), "online_cpus", online, "throttling_data",
			 "periods", u64(get_u64(thr, "periods")), "throttled_periods",
			 u64(get_u64(thr, "throttledPeriods")), "throttled_time",
			 u64(get_u64(thr, "throttledTime")));
}

/* v1: usage, max_usage, failcnt, limit, stats = memory.stat (with
 * total_inactive_file); v2: usage, limit, stats = memory.stat (with
 * inactive_file).  An unlimited cgroup reports the host's memory, as
 * moby does, so that docker stats shows "x / <host RAM>" */
static json_t *memory_stats(const json_t *mem, bool v1)
{
	json_t *out = json_object();
	if (mem == NULL)
		return out;
	const json_t *usage = json_object_get(mem, "usage");
	uint64_t limit = get_u64(usage, "limit"), host = machine_memory();
	if (limit == 0 || (host > 0 && limit > host))
		limit = host;
	json_object_set_new(out, "usage", u64(get_u64(usage, "usage")));
	if (v1) {
		json_object_set_new(out, "max_usage", u64(get_u64(usage, "max")));
		json_object_set_new(out, "failcnt", u64(get_u64(usage, "failcnt")));
	}
	const json_t *raw = json_object_get(mem, "raw");
	json_object_set_new(out, "stats", raw ? json_deep_copy(raw) : json_object());
	json_object_set_new(out, "limit", u64(limit));
	return out;
}

static json_t *blkio_list(const json_t *blkio, const char *key)
{
	const json_t *a = json_object_get(blkio, key);
	json_t *out = json_array();
	size_t i;
	const json_t *e;
	json_array_foreach(a, i, e)
		json_array_append_new(out, json_pack("{s:o,s:o,s:O,s:o}", "major",
						     u64(get_u64(e, "major")), "minor",
						     u64(get_u64(e, "minor")), "op",
						     json_object_get(e, "op") ?
							     json_object_get(e, "op") :
							     json_string(""),
						     "value", u64(get_u64(e, "value"))));
	return out;
}

static json_t *blkio_stats(const json_t *blkio)
{
	json_t *out = json_pack("{s:o,s:o}", "io_service_bytes_recursive",
				blkio_list(blkio, "ioServiceBytesRecursive"),
				"io_serviced_recursive", blkio_list(blkio, "ioServicedRecursive"));
	/* docker sends the CFQ-only lists as null */
	static const char *const nulls[] = { "io_queue_recursive",     "io_service_time_recursive",
					     "io_wait_time_recursive", "io_merged_recursive",
					     "io_time_recursive",      "sectors_recursive" };
	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		json_object_set_new(out, nulls[i], json_null());
	return out;
}

/* n whitespace-separated decimal counters from s */
static int parse_counters(const char *s, uint64_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		while (*s == ' ' || *s == '\t')
			s++;
		char *end;
		errno = 0;
		unsigned long long x = strtoull(s, &end, 10);
		if (end == s || errno)
			return -1;
		v[i] = x;
		s = end;
	}
	return 0;
}

/* /proc/<pid>/net/dev: the interfaces of the container's network
 * namespace, lo left out as docker does */
static json_t *networks(pid_t pid)
{
	if (pid <= 0)
		return NULL;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/net/dev", (int)pid);
	cleanup_free char *s = NULL;
	if (read_small(path, &s, NULL) < 0)
		return NULL;
	json_t *out = json_object();
	char *save = NULL;
	size_t n = 0;
	for (char *l = strtok_r(s, "\n", &save); l && n < STATS_MAX_IFACES;
	     l = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(l, ':');
		if (colon == NULL)
			continue; /* the two header lines */
		*colon = '\0';
		while (*l == ' ')
			l++;
		if (*l == '\0' || strcmp(l, "lo") == 0)
			continue;
		uint64_t v[12];
		if (parse_counters(colon + 1, v, 12) < 0)
			continue;
		json_object_set_new(out, l,
				    json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "rx_bytes",
					      u64(v[0]), "rx_packets", u64(v[1]), "rx_errors",
					      u64(v[2]), "rx_dropped", u64(v[3]), "tx_bytes",
					      u64(v[8]), "tx_packets", u64(v[9]), "tx_errors",
					      u64(v[10]), "tx_dropped", u64(v[11])));
		n++;
	}
	return out;
}

int stats_sample(const char *cgroups_path, pid_t pid, json_t **ret, berth_error_t **err)
{
	if (cgroups_path == NULL || *cgroups_path == '\0')
		return berth_error_fail(err, EINVAL, "stats: no cgroup path");
	cleanup_cgroup struct cgroup *cg = NULL;
	if (cgroup_new(cgroups_path, NULL, &cg, err) < 0)
		return berth_error_wrap(err, "stats");
	/* the cgroup readers give zeros for files that are not there; a
	 * cgroup that is gone must be an error, not an idle container */
	pid_t *pids = NULL;
	size_t n_pids = 0;
	if (cgroup_pids(cg, &pids, &n_pids, err) < 0)
		return berth_error_wrap(err, "stats: cgroup '%s'", cgroups_path);
	free(pids);
	cleanup_json json_t *raw = NULL;
	if (cgroup_stats(cg, &raw, err) < 0)
		return berth_error_wrap(err, "stats: cgroup '%s'", cgroups_path);

	char now[64];
	now_rfc3339nano(now, sizeof(now));
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	const json_t *pids_raw = json_object_get(raw, "pids");
	json_t *ps = json_pack("{s:o}", "current", u64(get_u64(pids_raw, "current")));
	if (get_u64(pids_raw, "limit") > 0)
		json_object_set_new(ps, "limit", u64(get_u64(pids_raw, "limit")));
	json_t *s = json_pack("{s:s,s:o,s:o,s:i,s:{},s:o,s:o}", "read", now, "pids_stats", ps,
			      "blkio_stats", blkio_stats(json_object_get(raw, "blkio")),
			      "num_procs", 0, "storage_stats", "cpu_stats",
			      cpu_stats(json_object_get(raw, "cpu"), online > 0 ? (int)online : 1),
			      "memory_stats",
			      memory_stats(json_object_get(raw, "memory"),
					   cgroup_detect() == CGROUP_MODE_V1));
	/* no interface but lo (--network none): docker leaves networks out */
	json_t *net = networks(pid);
	if (json_object_size(net) > 0)
		json_object_set_new(s, "networks", net);
	else
		json_decref(net);
	*ret = s;
	return 0;
}
