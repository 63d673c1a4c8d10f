/* seccomp: compile an OCI seccomp profile with libseccomp, load it, and
 * hand the SCMP_ACT_NOTIFY listener fd to a listener.  Semantics follow
 * runc (libcontainer/seccomp) so that Docker's and Kubernetes' profiles
 * behave the same: a profile is a whitelist over the runtime's own final
 * syscalls too; one that denies execve makes the container's execve fail,
 * which is what such a profile asks for. */
#include "runtime/seccomp.h"

#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/banned.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"

#define SECCOMP_MAX_ARGS 6

struct action_name {
	const char *name;
	uint32_t action; /* ERRNO and TRACE: without the return code */
};

static const struct action_name actions[] = {
	{ "SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD },
	{ "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD },
	{ "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS },
	{ "SCMP_ACT_TRAP", SCMP_ACT_TRAP },
	{ "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0) },
	{ "SCMP_ACT_TRACE", SCMP_ACT_TRACE(0) },
	{ "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW },
	{ "SCMP_ACT_LOG", SCMP_ACT_LOG },
	{ "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY },
};

static int seccomp_action(const char *name, bool has_ret, uint32_t ret_code, uint32_t *ret,
			  berth_error_t **err)
{
	for (size_t i = 0; name && i < sizeof(actions) / sizeof(actions[0]); i++) {
		if (strcmp(name, actions[i].name) != 0)
			continue;
		uint32_t a = actions[i].action;
		if (a == SCMP_ACT_ERRNO(0) || a == SCMP_ACT_TRACE(0)) {
			uint32_t code = has_ret ? ret_code : EPERM;
			if (code > 0xffff)
				return berth_error_fail(err, EINVAL, "%s: errnoRet %u out of range",
							name, code);
			a = a == SCMP_ACT_ERRNO(0) ? SCMP_ACT_ERRNO(code) : SCMP_ACT_TRACE(code);
		}
		*ret = a;
		return 0;
	}
	return berth_error_fail(err, EINVAL, "unknown action '%s'", name ? name : "");
}

static const struct {
	const char *name;
	enum scmp_compare op;
} ops[] = {
	{ "SCMP_CMP_NE", SCMP_CMP_NE },
	{ "SCMP_CMP_LT", SCMP_CMP_LT },
	{ "SCMP_CMP_LE", SCMP_CMP_LE },
	{ "SCMP_CMP_EQ", SCMP_CMP_EQ },
	{ "SCMP_CMP_GE", SCMP_CMP_GE },
	{ "SCMP_CMP_GT", SCMP_CMP_GT },
	{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

/* The architectures the runtime-spec names.  One libseccomp does not know
 * (loongarch64 before 2.5.5) is skipped rather than refused, as the filter
 * for the native architecture does not need it. */
static const char *const spec_arches[] = {
	"SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
	"SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
	"SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
	"SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
	"SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",     "SCMP_ARCH_LOONGARCH64",
};

static int seccomp_add_arch(scmp_filter_ctx ctx, const char *name, berth_error_t **err)
{
	bool known = false;
	for (size_t i = 0; i < sizeof(spec_arches) / sizeof(spec_arches[0]); i++)
		known = known || strcmp(name, spec_arches[i]) == 0;
	if (!known)
		return berth_error_fail(err, EINVAL, "unknown architecture '%s'", name);
	/* libseccomp's names are the spec's without the prefix, in lower case */
	cleanup_free char *lower = xstrdup(name + strlen("SCMP_ARCH_"));
	for (char *p = lower; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	uint32_t arch = seccomp_arch_resolve_name(lower);
	if (arch == 0) {
		log_debug("seccomp: architecture '%s' unknown to libseccomp, ignoring", name);
		return 0;
	}
	int r = seccomp_arch_add(ctx, arch);
	if (r < 0 && r != -EEXIST)
		return berth_error_set(err, -r, "add architecture '%s'", name);
	return 0;
}

static int seccomp_set_flag(scmp_filter_ctx ctx, const char *flag, berth_error_t **err)
{
	static const struct {
		const char *name;
		int attr; /* enum scmp_filter_attr, or -1 when this libseccomp lacks it */
		unsigned api;
	} flags[] = {
		{ "SECCOMP_FILTER_FLAG_TSYNC", SCMP_FLTATR_CTL_TSYNC, 2 },
		{ "SECCOMP_FILTER_FLAG_LOG", SCMP_FLTATR_CTL_LOG, 3 },
		{ "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SCMP_FLTATR_CTL_SSB, 4 },
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6)
		{ "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SCMP_FLTATR_CTL_WAITKILL, 7 },
#else
		{ "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", -1, 7 },
#endif
	};
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (strcmp(flag, flags[i].name) != 0)
			continue;
		if (flags[i].attr < 0)
			return berth_error_fail(err, EOPNOTSUPP,
						"flag '%s': not supported by libseccomp %d.%d.%d",
						flag, SCMP_VER_MAJOR, SCMP_VER_MINOR,
						SCMP_VER_MICRO);
		if (seccomp_api_get() < flags[i].api)
			return berth_error_fail(err, EOPNOTSUPP,
						"flag '%s': not supported by the running kernel",
						flag);
		int r = seccomp_attr_set(ctx, (enum scmp_filter_attr)flags[i].attr, 1);
		if (r < 0)
			return berth_error_set(err, -r, "flag '%s'", flag);
		return 0;
	}
	return berth_error_fail(err, EINVAL, "unknown flag '%s'", flag);
}

static int seccomp_conditions(const struct oci_seccomp_syscall *s, struct scmp_arg_cmp *conds,
			      bool *ret_separate, berth_error_t **err)
{
	unsigned per_index[SECCOMP_MAX_ARGS] = { 0 };
	bool separate = false;
	if (s->n_args > SECCOMP_MAX_ARGS * 8)
		return berth_error_fail(err, EINVAL, "too many args (%zu)", s->n_args);
	for (size_t i = 0; i < s->n_args; i++) {
		const struct oci_seccomp_arg *a = &s->args[i];
		if (a->index >= SECCOMP_MAX_ARGS)
			return berth_error_fail(err, EINVAL, "arg index %u above %d", a->index,
						SECCOMP_MAX_ARGS - 1);
		size_t k = 0;
		while (k < sizeof(ops) / sizeof(ops[0]) &&
		       !(a->op && strcmp(a->op, ops[k].name) == 0))
			k++;
		if (k == sizeof(ops) / sizeof(ops[0]))
			return berth_error_fail(err, EINVAL, "unknown op '%s'", a->op ? a->op : "");
		/* MASKED_EQ: (arg & value) == valueTwo, libseccomp's datum_a/b */
		conds[i] = (struct scmp_arg_cmp){ .arg = a->index,
						  .op = ops[k].op,
						  .datum_a = a->value,
						  .datum_b = a->value_two };
		if (++per_index[a->index] > 1)
			separate = true;
	}
	*ret_separate = separate;
	return 0;
}

static int seccomp_add_syscall(scmp_filter_ctx ctx, const struct oci_seccomp_syscall *s,
			       uint32_t action, const char *name, berth_error_t **err)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR) {
		/* runc skips names this libseccomp or architecture lacks: one
		 * profile serves several kernels and architectures */
		log_debug("seccomp: syscall '%s' unknown on this architecture, ignoring", name);
		return 0;
	}
	cleanup_free struct scmp_arg_cmp *conds =
		xcalloc(s->n_args ? s->n_args : 1, sizeof(*conds));
	bool separate = false;
	if (seccomp_conditions(s, conds, &separate, err) < 0)
		return berth_error_wrap(err, "syscall '%s'", name);
	int r;
	if (!separate) {
		r = seccomp_rule_add_array(ctx, action, nr, (unsigned)s->n_args, conds);
		if (r < 0)
			return berth_error_set(err, -r, "syscall '%s': add rule", name);
		return 0;
	}
	/* Two conditions on one index can never both hold as an AND; runc
	 * reads them as alternatives, one rule each */
	for (size_t i = 0; i < s->n_args; i++) {
		r = seccomp_rule_add_array(ctx, action, nr, 1, &conds[i]);
		if (r < 0)
			return berth_error_set(err, -r, "syscall '%s': add rule", name);
	}
	return 0;
}

bool seccomp_uses_notify(const struct oci_seccomp *sc)
{
	if (sc == NULL || !sc->present)
		return false;
	for (size_t i = 0; i < sc->n_syscalls; i++)
		if (sc->syscalls[i].action &&
		    strcmp(sc->syscalls[i].action, "SCMP_ACT_NOTIFY") == 0)
			return true;
	return false;
}

static int seccomp_fill(scmp_filter_ctx ctx, const struct oci_seccomp *sc, uint32_t def_action,
			berth_error_t **err)
{
	int r;
	/* no_new_privs is process.noNewPrivileges' business alone */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (r < 0)
		return berth_error_set(err, -r, "clear the no_new_privs attribute");
	/* Report the kernel's errno from seccomp_load, not -ECANCELED */
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);

	for (size_t i = 0; i < sc->n_architectures; i++)
		if (seccomp_add_arch(ctx, sc->architectures[i], err) < 0)
			return -1;
	for (size_t i = 0; i < sc->n_flags; i++)
		if (seccomp_set_flag(ctx, sc->flags[i], err) < 0)
			return -1;
	if (seccomp_uses_notify(sc)) {
		if (sc->listener_path == NULL || *sc->listener_path == '\0')
			return berth_error_fail(err, EINVAL,
						"SCMP_ACT_NOTIFY needs a listenerPath");
		if (seccomp_api_get() < 5)
			return berth_error_fail(err, EOPNOTSUPP,
						"SCMP_ACT_NOTIFY: not supported by the running "
						"kernel or libseccomp");
	}
	for (size_t i = 0; i < sc->n_syscalls; i++) {
		const struct oci_seccomp_syscall *s = &sc->syscalls[i];
		uint32_t action = SCMP_ACT_KILL_PROCESS;
		if (seccomp_action(s->action, s->has_errno_ret, s->errno_ret, &action, err) < 0)
			return berth_error_wrap(err, "syscalls[%zu]", i);
		/* libseccomp refuses a rule that repeats the default action */
		if (action == def_action) {
			log_debug("seccomp: syscalls[%zu] has the default action, ignoring", i);
			continue;
		}
		for (size_t j = 0; j < s->n_names; j++)
			if (seccomp_add_syscall(ctx, s, action, s->names[j], err) < 0)
				return berth_error_wrap(err, "syscalls[%zu]", i);
	}
	return 0;
}

int seccomp_compile(const struct oci_seccomp *sc, scmp_filter_ctx *ret, berth_error_t **err)
{
	uint32_t def_action = SCMP_ACT_KILL_PROCESS;
	if (sc == NULL || !sc->present)
		return berth_error_fail(err, EINVAL, "seccomp: no profile");
	if (seccomp_action(sc->default_action, sc->has_default_errno_ret, sc->default_errno_ret,
			   &def_action, err) < 0)
		return berth_error_wrap(err, "seccomp: defaultAction");
	if (def_action == SCMP_ACT_NOTIFY)
		return berth_error_fail(err, EINVAL,
					"seccomp: SCMP_ACT_NOTIFY cannot be the default action");
	cleanup_seccomp scmp_filter_ctx ctx = seccomp_init(def_action);
	if (ctx == NULL)
		return berth_error_fail(err, EINVAL, "seccomp: seccomp_init failed");
	if (seccomp_fill(ctx, sc, def_action, err) < 0)
		return berth_error_wrap(err, "seccomp");
	*ret = steal_pointer(&ctx);
	return 0;
}

int seccomp_install(scmp_filter_ctx ctx, berth_error_t **err)
{
	int r = seccomp_load(ctx);
	if (r < 0)
		return berth_error_set(err, -r, "load seccomp filter");
	return 0;
}

int seccomp_apply(const struct oci_seccomp *sc, int *ret_notify_fd, berth_error_t **err)
{
	cleanup_seccomp scmp_filter_ctx ctx = NULL;
	bool notify = seccomp_uses_notify(sc);
	if (notify && ret_notify_fd == NULL)
		return berth_error_fail(err, EINVAL,
					"seccomp: SCMP_ACT_NOTIFY used, but the caller takes no "
					"listener fd");
	int r = seccomp_compile(sc, &ctx, err);
	if (r < 0)
		return r;
	r = seccomp_install(ctx, err);
	if (r < 0)
		return r;
	if (ret_notify_fd)
		*ret_notify_fd = -1;
	if (notify) {
		/* The kernel creates the listener O_CLOEXEC; libseccomp only
		 * remembers its number, so the caller owns it from here */
		int fd = seccomp_notify_fd(ctx);
		if (fd < 0)
			return berth_error_set(err, -fd, "seccomp: get the notify fd");
		*ret_notify_fd = fd;
	}
	return 0;
}

int seccomp_process_state(const char *state_json, pid_t pid, const char *metadata, char **ret,
			  berth_error_t **err)
{
	json_error_t jerr;
	cleanup_json json_t *state = json_loads(state_json ? state_json : "", 0, &jerr);
	if (state == NULL)
		return berth_error_fail(err, EINVAL, "seccomp process state: bad state JSON: %s",
					jerr.text);
	cleanup_json json_t *o = json_object();
	json_object_set_new(o, "ociVersion", json_string(OCI_SPEC_VERSION));
	json_t *fds = json_array();
	json_array_append_new(fds, json_string("seccompFd"));
	json_object_set_new(o, "fds", fds);
	json_object_set_new(o, "pid", json_integer(pid));
	if (metadata)
		json_object_set_new(o, "metadata", json_string(metadata));
	json_object_set(o, "state", state);
	char *s = json_dumps(o, JSON_COMPACT);
	if (s == NULL)
		abort(); /* only on allocation failure */
	*ret = s;
	return 0;
}

int seccomp_listener_send(const char *listener_path, int notify_fd, const char *process_state,
			  berth_error_t **err)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(listener_path) >= sizeof(addr.sun_path))
		return berth_error_fail(err, ENAMETOOLONG, "seccomp listener '%s': path too long",
					listener_path);
	memcpy(addr.sun_path, listener_path, strlen(listener_path) + 1);
	cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return berth_error_set(err, errno, "seccomp listener '%s': socket", listener_path);
	int r;
	do
		r = connect(fd, (struct sockaddr *)&addr, sizeof(addr));
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return berth_error_set(err, errno, "seccomp listener '%s': connect", listener_path);

	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	memset(&ctl, 0, sizeof(ctl));
	size_t len = strlen(process_state), off = 0;
	bool fd_sent = false;
	while (off < len || !fd_sent) {
		struct iovec iov = { .iov_base = (char *)process_state + off,
				     .iov_len = len - off };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
		if (!fd_sent) {
			msg.msg_control = ctl.buf;
			msg.msg_controllen = sizeof(ctl.buf);
			struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(c), &notify_fd, sizeof(int));
		}
		ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berth_error_set(err, errno, "seccomp listener '%s': send",
					       listener_path);
		fd_sent = true;
		off += (size_t)n;
	}
	return 0;
}
