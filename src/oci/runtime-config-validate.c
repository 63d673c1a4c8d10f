/* runtime-config-validate: semantic checks of the "linux" section beyond
 * JSON types: namespace types and duplicates, ID mappings only with a user
 * namespace, device types and numbers, seccomp names, propagation, time
 * offsets, personality and memory policy.  Every error names the field
 * path, so a config written by hand can be fixed from the message alone. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "oci/config-internal.h"

#include "common/banned.h"

static bool has_ns(const struct oci_linux *l, enum oci_ns_type t)
{
	for (size_t i = 0; i < l->n_namespaces; i++)
		if (l->namespaces[i].type == t)
			return true;
	return false;
}

static int validate_namespaces(const struct oci_linux *l, berth_error_t **err)
{
	bool seen[OCI_NS_COUNT] = { false };
	for (size_t i = 0; i < l->n_namespaces; i++) {
		const struct oci_namespace *ns = &l->namespaces[i];
		if ((unsigned)ns->type >= OCI_NS_COUNT)
			return berth_error_fail(err, EINVAL,
						"linux.namespaces[%zu].type: unknown "
						"namespace type %d",
						i, (int)ns->type);
		if (seen[ns->type])
			return berth_error_fail(
				err, EINVAL, "linux.namespaces[%zu]: duplicate namespace type '%s'",
				i, oci_ns_type_name(ns->type));
		seen[ns->type] = true;
		if (ns->path && ns->path[0] != '/')
			return berth_error_fail(err, EINVAL,
						"linux.namespaces[%zu].path: '%.*s' is "
						"not an absolute path",
						i, OCI_QUOTE_MAX, ns->path);
	}
	return 0;
}

static int validate_mappings(const struct oci_linux *l, berth_error_t **err)
{
	if (has_ns(l, OCI_NS_USER))
		return 0;
	if (l->n_uid_mappings)
		return berth_error_fail(err, EINVAL,
					"linux.uidMappings: given without a user namespace");
	if (l->n_gid_mappings)
		return berth_error_fail(err, EINVAL,
					"linux.gidMappings: given without a user namespace");
	return 0;
}

static int validate_devices(const struct oci_linux *l, berth_error_t **err)
{
	for (size_t i = 0; i < l->n_devices; i++) {
		const struct oci_device *d = &l->devices[i];
		if (d->type == '\0' || strchr("cbup", d->type) == NULL)
			return berth_error_fail(err, EINVAL,
						"linux.devices[%zu].type: unknown device type '%c'",
						i, d->type ? d->type : '?');
		if (d->path == NULL || d->path[0] != '/')
			return berth_error_fail(err, EINVAL,
						"linux.devices[%zu].path: '%.*s' is not "
						"an absolute path",
						i, OCI_QUOTE_MAX, d->path ? d->path : "");
		if (d->major < 0 || d->minor < 0)
			return berth_error_fail(err, EINVAL,
						"linux.devices[%zu]: negative device number", i);
	}
	return 0;
}

static int validate_syscall(const struct oci_seccomp *s, size_t i, berth_error_t **err)
{
	const struct oci_seccomp_syscall *sc = &s->syscalls[i];
	if (sc->n_names == 0)
		return berth_error_fail(err, EINVAL,
					"linux.seccomp.syscalls[%zu].names: must "
					"contain at least one entry",
					i);
	if (sc->action == NULL || !oci_seccomp_action_known(sc->action))
		return berth_error_fail(err, EINVAL,
					"linux.seccomp.syscalls[%zu].action: unknown "
					"action '%.*s'",
					i, OCI_QUOTE_MAX, sc->action ? sc->action : "");
	if (sc->has_errno_ret && strcmp(sc->action, "SCMP_ACT_ERRNO") != 0 &&
	    strcmp(sc->action, "SCMP_ACT_TRACE") != 0)
		return berth_error_fail(err, EINVAL,
					"linux.seccomp.syscalls[%zu].errnoRet: action "
					"'%s' takes no errno",
					i, sc->action);
	for (size_t j = 0; j < sc->n_args; j++) {
		const struct oci_seccomp_arg *a = &sc->args[j];
		if (a->op == NULL || !oci_seccomp_op_known(a->op))
			return berth_error_fail(err, EINVAL,
						"linux.seccomp.syscalls[%zu].args[%zu]."
						"op: unknown operator '%.*s'",
						i, j, OCI_QUOTE_MAX, a->op ? a->op : "");
		/* a syscall has six argument registers */
		if (a->index > 5)
			return berth_error_fail(err, EINVAL,
						"linux.seccomp.syscalls[%zu].args[%zu]."
						"index: %u is out of range [0, 5]",
						i, j, a->index);
	}
	return 0;
}

static bool seccomp_uses_notify(const struct oci_seccomp *s)
{
	for (size_t i = 0; i < s->n_syscalls; i++)
		if (s->syscalls[i].action && strcmp(s->syscalls[i].action, "SCMP_ACT_NOTIFY") == 0)
			return true;
	return false;
}

static int validate_seccomp_lists(const struct oci_seccomp *s, berth_error_t **err)
{
	for (size_t i = 0; i < s->n_architectures; i++)
		if (!oci_seccomp_arch_known(s->architectures[i]))
			return berth_error_fail(err, EINVAL,
						"linux.seccomp.architectures[%zu]: "
						"unknown architecture '%.*s'",
						i, OCI_QUOTE_MAX, s->architectures[i]);
	for (size_t i = 0; i < s->n_flags; i++)
		if (!oci_seccomp_flag_known(s->flags[i]))
			return berth_error_fail(err, EINVAL,
						"linux.seccomp.flags[%zu]: unknown flag "
						"'%.*s'",
						i, OCI_QUOTE_MAX, s->flags[i]);
	for (size_t i = 0; i < s->n_syscalls; i++)
		if (validate_syscall(s, i, err) < 0)
			return -1;
	return 0;
}

static int validate_seccomp(const struct oci_seccomp *s, berth_error_t **err)
{
	if (!s->present)
		return 0;
	const char *def = s->default_action;
	if (def == NULL || !oci_seccomp_action_known(def))
		return berth_error_fail(err, EINVAL,
					"linux.seccomp.defaultAction: unknown action "
					"'%.*s'",
					OCI_QUOTE_MAX, def ? def : "");
	/* the kernel cannot notify for every syscall: the agent's own would block */
	if (strcmp(def, "SCMP_ACT_NOTIFY") == 0)
		return berth_error_fail(err, EINVAL,
					"linux.seccomp.defaultAction: "
					"SCMP_ACT_NOTIFY cannot be the default action");
	if (s->has_default_errno_ret && strcmp(def, "SCMP_ACT_ERRNO") != 0 &&
	    strcmp(def, "SCMP_ACT_TRACE") != 0)
		return berth_error_fail(err, EINVAL,
					"linux.seccomp.defaultErrnoRet: action '%s' "
					"takes no errno",
					def);
	if (s->listener_metadata && s->listener_path == NULL)
		return berth_error_fail(err, EINVAL,
					"linux.seccomp.listenerMetadata: given "
					"without listenerPath");
	if (s->listener_path && s->listener_path[0] != '/')
		return berth_error_fail(err, EINVAL,
					"linux.seccomp.listenerPath: '%.*s' is not an "
					"absolute path",
					OCI_QUOTE_MAX, s->listener_path);
	if (validate_seccomp_lists(s, err) < 0)
		return -1;
	if (seccomp_uses_notify(s) && s->listener_path == NULL)
		return berth_error_fail(err, EINVAL,
					"linux.seccomp.listenerPath: required by "
					"SCMP_ACT_NOTIFY");
	return 0;
}

static int validate_time_offsets(const struct oci_linux *l, berth_error_t **err)
{
	for (size_t i = 0; i < l->n_time_offsets; i++) {
		const struct oci_time_offset *t = &l->time_offsets[i];
		if (t->clock == NULL || !oci_time_clock_known(t->clock))
			return berth_error_fail(err, EINVAL,
						"linux.timeOffsets: unknown clock '%.*s'",
						OCI_QUOTE_MAX, t->clock ? t->clock : "");
		if (t->nanosecs >= 1000000000u)
			return berth_error_fail(err, EINVAL,
						"linux.timeOffsets.%s.nanosecs: %u is out "
						"of range [0, 999999999]",
						t->clock, t->nanosecs);
	}
	if (l->n_time_offsets && !has_ns(l, OCI_NS_TIME))
		return berth_error_fail(err, EINVAL,
					"linux.timeOffsets: given without a time "
					"namespace");
	return 0;
}

static int validate_paths(char *const *v, size_t n, const char *where, berth_error_t **err)
{
	for (size_t i = 0; i < n; i++)
		if (v[i][0] != '/')
			return berth_error_fail(err, EINVAL,
						"linux.%s[%zu]: '%.*s' is not an absolute "
						"path",
						where, i, OCI_QUOTE_MAX, v[i]);
	return 0;
}

static int validate_misc(const struct oci_linux *l, berth_error_t **err)
{
	if (l->rootfs_propagation && !oci_propagation_known(l->rootfs_propagation))
		return berth_error_fail(err, EINVAL,
					"linux.rootfsPropagation: unknown propagation "
					"'%.*s'",
					OCI_QUOTE_MAX, l->rootfs_propagation);
	if (l->personality.present &&
	    (l->personality.domain == NULL || !oci_personality_domain_known(l->personality.domain)))
		return berth_error_fail(err, EINVAL,
					"linux.personality.domain: unknown domain '%.*s'",
					OCI_QUOTE_MAX,
					l->personality.domain ? l->personality.domain : "");
	const struct oci_memory_policy *mp = &l->memory_policy;
	if (mp->present && (mp->mode == NULL || !oci_mempolicy_mode_known(mp->mode)))
		return berth_error_fail(err, EINVAL, "linux.memoryPolicy.mode: unknown mode '%.*s'",
					OCI_QUOTE_MAX, mp->mode ? mp->mode : "");
	for (size_t i = 0; i < mp->n_flags; i++)
		if (!oci_mempolicy_flag_known(mp->flags[i]))
			return berth_error_fail(err, EINVAL,
						"linux.memoryPolicy.flags[%zu]: unknown "
						"flag '%.*s'",
						i, OCI_QUOTE_MAX, mp->flags[i]);
	if (validate_paths(l->masked_paths, l->n_masked_paths, "maskedPaths", err) < 0 ||
	    validate_paths(l->readonly_paths, l->n_readonly_paths, "readonlyPaths", err) < 0)
		return -1;
	return 0;
}

/* runc: a hostname needs a UTS namespace of the container's own */
static int validate_uts(const struct oci_config *c, berth_error_t **err)
{
	if (c->hostname && c->hostname[0] && !has_ns(&c->linux_, OCI_NS_UTS))
		return berth_error_fail(err, EINVAL, "hostname: set without a UTS namespace");
	if (c->domainname && c->domainname[0] && !has_ns(&c->linux_, OCI_NS_UTS))
		return berth_error_fail(err, EINVAL, "domainname: set without a UTS namespace");
	return 0;
}

int oci_linux_validate(const struct oci_config *c, berth_error_t **err)
{
	const struct oci_linux *l = &c->linux_;
	if (validate_uts(c, err) < 0 || validate_namespaces(l, err) < 0 ||
	    validate_mappings(l, err) < 0 || validate_devices(l, err) < 0 ||
	    validate_seccomp(&l->seccomp, err) < 0 || validate_time_offsets(l, err) < 0 ||
	    validate_misc(l, err) < 0 ||
	    oci_resources_validate(&l->resources, "linux.resources", err) < 0)
		return -1;
	return 0;
}
