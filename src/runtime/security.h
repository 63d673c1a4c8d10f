/* security: the last steps before execve in the container's init or exec
 * process, in the order the kernel requires: rlimits, oom_score_adj,
 * scheduler and I/O priority, LSM labels, supplementary groups, gid, uid
 * (keeping capabilities), capability sets, no_new_privs, seccomp.  Each
 * step also has its own function (caps.c, rlimit.c, seccomp.c, ...). */
#ifndef BERTH_RUNTIME_SECURITY_H
#define BERTH_RUNTIME_SECURITY_H

#include "common/error.h"
#include "oci/runtime-config.h"

/* Apply everything of p (and the seccomp filter sc, may be NULL or not
 * present) to the calling process.  Rlimits above what the caller may set
 * are clamped; one message per clamp is appended to *warnings (a
 * NULL-terminated vector the caller frees) instead of failing.  warnings
 * may be NULL: the messages are then only logged at debug level.
 *
 * The seccomp filter is the last thing loaded when no_new_privileges is
 * set; without it the kernel wants CAP_SYS_ADMIN, so the filter is loaded
 * before the uid change and the capability sets (as runc and crun do), and
 * the remaining steps' syscalls (setgroups, setresuid, capset, prctl,
 * umask) and the caller's execve then run under it.
 *
 * A profile with SCMP_ACT_NOTIFY rules is refused here: use
 * security_apply_notify. */
int security_apply(const struct oci_process *p, const struct oci_seccomp *sc, char ***warnings,
		   berth_error_t **err);

/* Called once the seccomp filter is loaded, with its notification fd
 * (takes ownership).  Typically it passes the fd over the sync socket to
 * the runtime's parent process, which calls seccomp_listener_send() (it
 * knows the pid and the state, and sees the host's listenerPath).  A
 * negative return stops security_apply_notify with that error. */
typedef int (*security_notify_fn)(int notify_fd, void *data, berth_error_t **err);

/* security_apply for profiles that may use SCMP_ACT_NOTIFY: notify is
 * called (with data) when the loaded filter has a listener.  notify may be
 * NULL only when the profile has no SCMP_ACT_NOTIFY rule. */
int security_apply_notify(const struct oci_process *p, const struct oci_seccomp *sc,
			  security_notify_fn notify, void *data, char ***warnings,
			  berth_error_t **err);

/* Append one printf-formatted message to *warnings (a NULL-terminated
 * vector, grown here; the caller frees it).  With warnings NULL the message
 * is logged at debug level and dropped.  Used by every step above. */
void security_warnf(char ***warnings, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
