/* process-attr: per-process attributes set just before exec: oom_score_adj,
 * the scheduler (sched_setattr), the I/O priority (ioprio_set), CPU
 * affinity, and the AppArmor profile and SELinux label the kernel applies
 * at the next execve.  Each is a no-op when the config does not ask. */
#ifndef BERTH_RUNTIME_PROCESS_ATTR_H
#define BERTH_RUNTIME_PROCESS_ATTR_H

#include <stdbool.h>

#include "common/error.h"
#include "oci/runtime-config.h"

/* Write value to /proc/self/oom_score_adj.  Lowering it below what the
 * process may (no CAP_SYS_RESOURCE) keeps the current value and appends a
 * warning (security_warnf) instead of failing. */
int process_attr_set_oom_score_adj(int value, char ***warnings, berth_error_t **err);

/* sched_setattr(2) of s (policy_num, nice, priority, flags_mask, runtime,
 * deadline, period); nothing when !s->present */
int process_attr_set_scheduler(const struct oci_scheduler *s, berth_error_t **err);

/* ioprio_set(2) for this process; nothing when !p->present */
int process_attr_set_io_priority(const struct oci_io_priority *p, berth_error_t **err);

/* sched_setaffinity of a cpu list "0-3,7"; nothing when cpus is NULL or
 * empty.  The lifecycle applies execCPUAffinity.initial with it before
 * joining the cgroup; security_apply applies .final. */
int process_attr_set_cpu_affinity(const char *cpus, berth_error_t **err);

bool process_attr_apparmor_enabled(void);
bool process_attr_selinux_enabled(void);

/* The AppArmor profile the next execve switches to.  A profile on a host
 * without AppArmor is an error ("apparmor is not enabled on this host"):
 * silently running unconfined would be worse.  NULL or "": nothing. */
int process_attr_set_apparmor(const char *profile, berth_error_t **err);

/* The SELinux label of the next execve; an error when SELinux is not
 * enabled.  NULL or "": nothing. */
int process_attr_set_selinux(const char *label, berth_error_t **err);

#endif
