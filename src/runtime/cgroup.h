/* cgroup: the container's control group behind one ops struct, with
 * back-ends for cgroup v1 (including hybrid hosts: v1 controllers plus a
 * cgroup2 mount at /sys/fs/cgroup/unified), v2, and none.  Callers never
 * test the cgroup version themselves. */
#ifndef BERTH_RUNTIME_CGROUP_H
#define BERTH_RUNTIME_CGROUP_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"
#include "oci/runtime-config.h"

enum cgroup_mode {
	CGROUP_MODE_NONE = 0, /* no usable cgroup fs: limits are refused */
	CGROUP_MODE_V1,       /* legacy or hybrid */
	CGROUP_MODE_V2,       /* unified */
};

struct cgroup;

struct cgroup_ops {
	const char *name; /* "v1", "v2", "none" */
	int (*create)(struct cgroup *cg, berth_error_t **err);
	int (*enter)(struct cgroup *cg, pid_t pid, berth_error_t **err);
	int (*apply)(struct cgroup *cg, const struct oci_resources *r, berth_error_t **err);
	int (*freeze)(struct cgroup *cg, bool frozen, berth_error_t **err);
	int (*is_frozen)(struct cgroup *cg, bool *ret, berth_error_t **err);
	int (*pids)(struct cgroup *cg, pid_t **ret, size_t *ret_n, berth_error_t **err);
	int (*kill_all)(struct cgroup *cg, int sig, berth_error_t **err);
	int (*stats)(struct cgroup *cg, json_t **ret, berth_error_t **err);
	int (*oom_count)(struct cgroup *cg, uint64_t *ret, berth_error_t **err);
	int (*destroy)(struct cgroup *cg, berth_error_t **err);
	/* join the calling process (see cgroup_enter_self); NULL: cannot */
	int (*enter_self)(struct cgroup *cg, berth_error_t **err);
};

struct cgroup {
	const struct cgroup_ops *ops; /* not owned */
	enum cgroup_mode mode;
	char *path;      /* the cgroup path relative to each hierarchy root, "/berth/<id>" */
	char **warnings; /* settings that could not be applied here, NULL-terminated */
	size_t n_warnings;
	void *priv; /* back-end data */
};

/* The mode of this host, detected once from /sys/fs/cgroup */
enum cgroup_mode cgroup_detect(void);

/* A cgroup handle for cgroups_path (linux.cgroupsPath; NULL or "" gives
 * "/berth/<id>"; a relative path is taken under "/berth"; an absolute one
 * is used as is, relative to each hierarchy root).  Nothing is created yet.
 * systemd-style "slice:prefix:name" paths are mapped to the cgroupfs path
 * "/<slice>/<prefix>-<name>.scope" (slice "" is "system.slice"; nested
 * slices are not expanded).  ".." components are refused. */
int cgroup_new(const char *cgroups_path, const char *id, struct cgroup **ret, berth_error_t **err);
/* A handle for a cgroup path stored in a container's state */
int cgroup_open(enum cgroup_mode mode, const char *path, struct cgroup **ret, berth_error_t **err);
void cgroup_free(struct cgroup *cg);
static inline void cgroup_freep(struct cgroup **cg)
{
	cgroup_free(*cg);
}
#define cleanup_cgroup __attribute__((cleanup(cgroup_freep)))

/* Convenience wrappers over cg->ops.
 * cgroup_apply writes device rules only when r->n_devices > 0 (v1: deny
 * "a", then each rule in order); the caller adds runc's default allowed
 * devices to the rules.  Settings this host cannot do become
 * cg->warnings; on v2 device rules are an eBPF filter (cgroup-bpf-dev.c),
 * only a warning where bpf(2) is not permitted in a user namespace.
 * cgroup_kill_all leaves a paused cgroup paused, except for SIGKILL. */
int cgroup_create(struct cgroup *cg, berth_error_t **err);
int cgroup_enter(struct cgroup *cg, pid_t pid, berth_error_t **err);
/* Join the calling process, which must be single-threaded (a fresh clone),
 * instead of cgroup_enter(pid) from outside, where cgroup_can_enter_self
 * says so.  Why: on cgroup v1, writing a pid to cgroup.procs takes the
 * global threadgroup rwsem for writing, which waits for an RCU grace period
 * (2-20 ms asleep on an otherwise idle host); a process moving its only
 * thread with "0" in each hierarchy's "tasks" file does not take it. */
bool cgroup_can_enter_self(const struct cgroup *cg);
int cgroup_enter_self(struct cgroup *cg, berth_error_t **err);
int cgroup_apply(struct cgroup *cg, const struct oci_resources *r, berth_error_t **err);
int cgroup_freeze(struct cgroup *cg, bool frozen, berth_error_t **err);
int cgroup_is_frozen(struct cgroup *cg, bool *ret, berth_error_t **err);
int cgroup_pids(struct cgroup *cg, pid_t **ret, size_t *ret_n, berth_error_t **err);
int cgroup_kill_all(struct cgroup *cg, int sig, berth_error_t **err);
/* runc's "events --stats" data object: cpu, memory, pids, blkio, hugetlb */
int cgroup_stats(struct cgroup *cg, json_t **ret, berth_error_t **err);
int cgroup_oom_count(struct cgroup *cg, uint64_t *ret, berth_error_t **err);
/* Remove the cgroup directories (the cgroup must be empty; waits briefly
 * for the kernel to release exited tasks using an event, not sleeps) */
int cgroup_destroy(struct cgroup *cg, berth_error_t **err);

#endif
