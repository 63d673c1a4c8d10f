/* ns: the namespace plan of a container, made from linux.namespaces
 * before any process is cloned: which namespaces to create (clone flags)
 * and which to join (fds opened up front, joined in runc's order: user
 * first, then ipc, uts, net, pid, mnt, cgroup, time). */
#ifndef BERTH_RUNTIME_NS_H
#define BERTH_RUNTIME_NS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"
#include "oci/runtime-config.h"

struct ns_join {
	enum oci_ns_type type;
	int fd; /* owned, O_CLOEXEC */
};

struct ns_plan {
	int clone_flags; /* CLONE_NEW* to create, except CLONE_NEWCGROUP */
	bool new_user, new_pid, new_uts, new_mount, new_cgroup, new_time;
	bool has_uts;                       /* created or joined: hostname may be set */
	struct ns_join joins[OCI_NS_COUNT]; /* in join order */
	size_t n_joins;
	const struct oci_time_offset *offsets; /* not owned */
	size_t n_offsets;
};

/* The CLONE_NEW* flag of a namespace type */
int ns_flag(enum oci_ns_type t);

/* Build the plan of config c, opening every namespace path it joins.
 * Release with ns_plan_release. */
int ns_plan_build(const struct oci_config *c, struct ns_plan *ret, berth_error_t **err);

/* The plan to join every namespace of a running process that differs from
 * ours (for exec); nothing is created. */
int ns_plan_for_pid(pid_t pid, struct ns_plan *ret, berth_error_t **err);

void ns_plan_release(struct ns_plan *p);

/* True when the container's init cannot be cloned directly: namespaces
 * must be joined first (so that new ones are owned by the right user ns)
 * or a time namespace needs its offsets before its first process. */
bool ns_plan_needs_intermediate(const struct ns_plan *p);

/* setns into every joined namespace, in order */
int ns_join_all(const struct ns_plan *p, berth_error_t **err);

/* After unshare(CLONE_NEWTIME), before the first child: write the offsets
 * to /proc/self/timens_offsets */
int ns_write_time_offsets(const struct ns_plan *p, berth_error_t **err);

#endif
