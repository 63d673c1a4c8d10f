/* seccomp: linux.seccomp compiled with libseccomp and loaded into the
 * calling process, and the SCMP_ACT_NOTIFY listener hand-off of the
 * runtime-spec (the notify fd plus containerProcessState, sent over a unix
 * socket with SCM_RIGHTS).  Names avoid libseccomp's own seccomp_load,
 * seccomp_notify_* and friends. */
#ifndef BERTH_RUNTIME_SECCOMP_H
#define BERTH_RUNTIME_SECCOMP_H

/* This file shadows libseccomp's <seccomp.h> for anything compiled in
 * src/runtime (meson puts the source dir on the include path), so pull in
 * the real one from further down the search path. */
#include_next <seccomp.h>
#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"
#include "oci/runtime-config.h"

static inline void seccomp_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
	*ctx = NULL;
}
#define cleanup_seccomp __attribute__((cleanup(seccomp_releasep)))

/* Compile sc (borrowed, present) into a new filter context (*ret, the
 * caller releases it).  As runc does: SCMP_ACT_KILL means KILL_THREAD;
 * ERRNO and TRACE default to EPERM without errnoRet; rules whose action is
 * the default action are skipped; syscall names unknown on this
 * architecture are skipped (debug log); several args on one index become
 * one rule per arg (OR), otherwise one rule with all args (AND).  The
 * filter does not set no_new_privs itself: that follows
 * process.noNewPrivileges only.  Errors: unknown action, op, architecture
 * or flag, a flag this libseccomp or kernel lacks, SCMP_ACT_NOTIFY as the
 * default action or without listenerPath, an arg index above 5. */
int seccomp_compile(const struct oci_seccomp *sc, scmp_filter_ctx *ret, berth_error_t **err);

/* Does any rule of sc use SCMP_ACT_NOTIFY? */
bool seccomp_uses_notify(const struct oci_seccomp *sc);

/* Load ctx into the kernel for the calling process (without no_new_privs
 * this needs CAP_SYS_ADMIN).  "load seccomp filter: ..." */
int seccomp_install(scmp_filter_ctx ctx, berth_error_t **err);

/* Compile and install sc.  When sc uses SCMP_ACT_NOTIFY, *ret_notify_fd is
 * the listener fd (O_CLOEXEC, owned by the caller), else -1.
 * ret_notify_fd may be NULL only when sc does not use SCMP_ACT_NOTIFY. */
int seccomp_apply(const struct oci_seccomp *sc, int *ret_notify_fd, berth_error_t **err);

/* The runtime-spec containerProcessState for a listener: {"ociVersion",
 * "fds": ["seccompFd"], "pid", "metadata" (listenerMetadata, omitted when
 * NULL), "state": <state_json>} where state_json is the container's state
 * as `state` prints it.  Caller frees the returned string. */
int seccomp_process_state(const char *state_json, pid_t pid, const char *metadata, char **ret,
			  berth_error_t **err);

/* Connect to the unix socket listener_path and send process_state with
 * notify_fd (borrowed) attached by SCM_RIGHTS, in one message as runc
 * does.  "seccomp listener '<path>': ..." */
int seccomp_listener_send(const char *listener_path, int notify_fd, const char *process_state,
			  berth_error_t **err);

#endif
