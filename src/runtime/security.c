/* security: the ordered last steps before execve.  Everything that can
 * fail on bad input (capability masks, the seccomp profile) is worked out
 * first, before the process changes at all; then the steps run in the one
 * order the kernel allows (see security_apply_notify), each error saying
 * which step failed. */
#include "runtime/security.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/prctl.h>

#include "common/banned.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "runtime/caps.h"
#include "runtime/process-attr.h"
#include "runtime/rlimit.h"
#include "runtime/seccomp.h"
#include "runtime/user.h"

void security_warnf(char ***warnings, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (warnings == NULL) {
		log_debug("%s", msg);
		free(msg);
		return;
	}
	size_t n = 0;
	while (*warnings && (*warnings)[n])
		n++;
	*warnings = xreallocarray(*warnings, n + 2, sizeof(char *));
	(*warnings)[n] = msg;
	(*warnings)[n + 1] = NULL;
}

static int security_load_seccomp(scmp_filter_ctx ctx, const struct oci_seccomp *sc,
				 security_notify_fn notify, void *data, berth_error_t **err)
{
	if (seccomp_install(ctx, err) < 0)
		return -1;
	if (!seccomp_uses_notify(sc))
		return 0;
	if (notify == NULL) /* refused up front; never reached */
		return berth_error_fail(err, EINVAL, "SCMP_ACT_NOTIFY without a notify callback");
	/* The kernel made the listener O_CLOEXEC: it never reaches the
	 * container even if the callback keeps it */
	int fd = seccomp_notify_fd(ctx);
	if (fd < 0)
		return berth_error_set(err, -fd, "get the seccomp notify fd");
	if (notify(fd, data, err) < 0)
		return berth_error_wrap(err, "hand over the seccomp notify fd");
	return 0;
}

int security_apply_notify(const struct oci_process *p, const struct oci_seccomp *sc,
			  security_notify_fn notify, void *data, char ***warnings,
			  berth_error_t **err)
{
	bool use_seccomp = sc && sc->present;
	bool nnp = p->no_new_privileges;

	if (use_seccomp && seccomp_uses_notify(sc) && notify == NULL)
		return berth_error_fail(err, EINVAL,
					"seccomp: SCMP_ACT_NOTIFY needs a notify callback "
					"(security_apply_notify)");

	/* Describe: nothing has changed yet if these fail */
	struct caps_sets caps = { 0 };
	if (caps_from_config(&p->capabilities, &caps, warnings, err) < 0)
		return berth_error_wrap(err, "apply capabilities");
	cleanup_seccomp scmp_filter_ctx filter = NULL;
	if (use_seccomp && seccomp_compile(sc, &filter, err) < 0)
		return -1;

	/* Execute.  Resource limits and priorities first: they may need
	 * CAP_SYS_RESOURCE / CAP_SYS_NICE, which the container may not keep. */
	if (rlimit_apply(p->rlimits, p->n_rlimits, warnings, err) < 0)
		return berth_error_wrap(err, "apply rlimits");
	if (p->has_oom_score_adj &&
	    process_attr_set_oom_score_adj(p->oom_score_adj, warnings, err) < 0)
		return -1;
	if (process_attr_set_scheduler(&p->scheduler, err) < 0 ||
	    process_attr_set_io_priority(&p->io_priority, err) < 0 ||
	    process_attr_set_cpu_affinity(p->exec_cpu_affinity.final, err) < 0)
		return -1;
	/* LSM labels go to attr/exec: they confine the container from its
	 * execve on, not the runtime's remaining steps */
	if (process_attr_set_apparmor(p->apparmor_profile, err) < 0 ||
	    process_attr_set_selinux(p->selinux_label, err) < 0)
		return -1;

	/* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN in the
	 * effective set, which setresuid away from 0 clears: load it now, as
	 * runc and crun do.  The steps below then run under the filter; the
	 * profile must allow them (Docker's default does). */
	if (use_seccomp && !nnp && security_load_seccomp(filter, sc, notify, data, err) < 0)
		return berth_error_wrap(err, "apply seccomp");

	/* PR_CAPBSET_DROP needs CAP_SETPCAP, gone after the uid change */
	if (caps_drop_bounding(caps.bounding_drop, err) < 0)
		return berth_error_wrap(err, "apply capabilities");
	/* Keep the permitted set across the uid change; capset below trims
	 * it to what the config asks, and the kernel clears the flag again
	 * at execve anyway */
	if (caps_set_keep(true, err) < 0)
		return berth_error_wrap(err, "apply capabilities");
	if (user_apply(&p->user, err) < 0)
		return berth_error_wrap(err, "set user %u:%u", p->user.uid, p->user.gid);
	if (caps_set_keep(false, err) < 0 || caps_set(&caps, err) < 0 ||
	    caps_set_ambient(caps.ambient, warnings, err) < 0)
		return berth_error_wrap(err, "apply capabilities");
	user_set_umask(&p->user);

	if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return berth_error_set(err, errno, "set no_new_privs");
	/* With no_new_privs the filter needs no privilege: load it last, so
	 * that as few of the runtime's own syscalls as possible run under it.
	 * The caller's execve is the one that must remain; a profile that
	 * denies execve makes the start fail, as it asks. */
	if (use_seccomp && nnp && security_load_seccomp(filter, sc, notify, data, err) < 0)
		return berth_error_wrap(err, "apply seccomp");
	return 0;
}

int security_apply(const struct oci_process *p, const struct oci_seccomp *sc, char ***warnings,
		   berth_error_t **err)
{
	return security_apply_notify(p, sc, NULL, NULL, warnings, err);
}
