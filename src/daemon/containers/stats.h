/* stats: one sample of docker's container stats JSON, read from the
 * container's cgroup (v1 or v2) and its init's /proc/<pid>/net/dev. */
#ifndef BERTH_DAEMON_CONTAINERS_STATS_H
#define BERTH_DAEMON_CONTAINERS_STATS_H

#include <jansson.h>
#include <sys/types.h>

#include "common/error.h"

/* One sample of docker's stats JSON for a container whose spec has
 * linux.cgroupsPath cgroups_path and whose init is pid: read (RFC3339Nano now),
 * pids_stats, cpu_stats{cpu_usage{total_usage, percpu_usage, usage_in_kernelmode,
 * usage_in_usermode}, system_cpu_usage, online_cpus, throttling_data}, memory_stats{usage,
 * max_usage, stats{...}, limit}, blkio_stats, networks (from /proc/<pid>/net/dev). cgroup v1
 * and v2. The caller adds name, id, preread, precpu_stats (the previous sample).
 * Caller owns *ret. */
int stats_sample(const char *cgroups_path, pid_t pid, json_t **ret, berth_error_t **err);

#endif
