/* runtime-config-process: the "process" object of config.json (and the
 * process.json of `exec --process`): parse, validate, release.  Derived
 * numbers (rlimit resource, capability masks, scheduler policy and flags,
 * I/O priority class) are filled at parse time; names that do not resolve
 * are left at -1 / out of the mask and validation reports them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "oci/config-internal.h"

#include "common/banned.h"

static int parse_user(struct oci_pctx *ctx, const json_t *obj, const char *where,
		      struct oci_user *u, berth_error_t **err)
{
	static const char *const known[] = { "uid",      "gid", "umask", "additionalGids",
					     "username", NULL };
	json_t *o = NULL;
	if (bjson_get_object(obj, where, "user", OCI_OPT, &o, err) < 0)
		return -1;
	if (o == NULL)
		return 0;
	cleanup_free char *path = bjson_path_key(where, "user");
	oci_pctx_check_keys(ctx, o, path, known);
	if (bjson_get_uint32(o, path, "uid", OCI_REQ, &u->uid, err) < 0 ||
	    bjson_get_uint32(o, path, "gid", OCI_REQ, &u->gid, err) < 0)
		return -1;
	u->has_umask = oci_has(o, "umask");
	if (bjson_get_uint32(o, path, "umask", OCI_OPT, &u->umask, err) < 0 ||
	    oci_get_str(o, path, "username", OCI_OPT, &u->username, err) < 0)
		return -1;
	json_t *a = NULL;
	if (bjson_get_array(o, path, "additionalGids", OCI_OPT, &a, err) < 0)
		return -1;
	size_t n = a ? json_array_size(a) : 0;
	if (n > OCI_CONFIG_MAX_ITEMS)
		return berth_error_fail(err, E2BIG,
					"%s.additionalGids: %zu entries, more than the "
					"limit of %u",
					path, n, OCI_CONFIG_MAX_ITEMS);
	if (n)
		u->additional_gids = xcalloc(n, sizeof(uint32_t));
	u->n_additional_gids = n;
	cleanup_free char *gpath = bjson_path_key(path, "additionalGids");
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *epath = bjson_path_index(gpath, i);
		uint64_t gid = 0;
		if (bjson_value_uint64(json_array_get(a, i), epath, UINT32_MAX, &gid, err) < 0)
			return -1;
		u->additional_gids[i] = (uint32_t)gid;
	}
	return 0;
}

static int parse_console(struct oci_pctx *ctx, const json_t *obj, const char *where,
			 struct oci_process *p, berth_error_t **err)
{
	static const char *const known[] = { "height", "width", NULL };
	json_t *o = NULL;
	if (bjson_get_object(obj, where, "consoleSize", OCI_OPT, &o, err) < 0)
		return -1;
	if (o == NULL)
		return 0;
	cleanup_free char *path = bjson_path_key(where, "consoleSize");
	oci_pctx_check_keys(ctx, o, path, known);
	p->has_console_size = true;
	if (bjson_get_uint32(o, path, "height", OCI_REQ, &p->console_height, err) < 0 ||
	    bjson_get_uint32(o, path, "width", OCI_REQ, &p->console_width, err) < 0)
		return -1;
	return 0;
}

static int parse_caps(struct oci_pctx *ctx, const json_t *obj, const char *where,
		      struct oci_capabilities *caps, berth_error_t **err)
{
	static const char *const known[] = { "effective", "bounding", "inheritable",
					     "permitted", "ambient",  NULL };
	struct oci_capset *sets[] = { &caps->effective, &caps->bounding, &caps->inheritable,
				      &caps->permitted, &caps->ambient };
	json_t *o = NULL;
	if (bjson_get_object(obj, where, "capabilities", OCI_OPT, &o, err) < 0)
		return -1;
	if (o == NULL)
		return 0;
	cleanup_free char *path = bjson_path_key(where, "capabilities");
	oci_pctx_check_keys(ctx, o, path, known);
	caps->present = true;
	for (size_t i = 0; i < 5; i++) {
		if (oci_get_strv(o, path, known[i], OCI_OPT, &sets[i]->names, &sets[i]->n, err) < 0)
			return -1;
		sets[i]->mask = oci_cap_mask(sets[i]->names, sets[i]->n);
	}
	return 0;
}

static int parse_rlimit(struct oci_pctx *ctx, const json_t *v, const char *path, const char *key,
			void *out, berth_error_t **err)
{
	static const char *const known[] = { "type", "soft", "hard", NULL };
	struct oci_rlimit *r = out;
	oci_pctx_check_keys(ctx, v, path, known);
	if (oci_get_str(v, path, "type", OCI_REQ, &r->type, err) < 0 ||
	    oci_get_u64(v, path, "soft", OCI_REQ, &r->soft, err) < 0 ||
	    oci_get_u64(v, path, "hard", OCI_REQ, &r->hard, err) < 0)
		return -1;
	r->resource = oci_rlimit_from_name(r->type);
	return 0;
}

static void rlimit_release(void *elem)
{
	struct oci_rlimit *r = elem;
	free(r->type);
}

static int parse_scheduler(struct oci_pctx *ctx, const json_t *obj, const char *where,
			   struct oci_scheduler *s, berth_error_t **err)
{
	static const char *const known[] = { "policy",  "nice",     "priority", "flags",
					     "runtime", "deadline", "period",   NULL };
	json_t *o = NULL;
	if (bjson_get_object(obj, where, "scheduler", OCI_OPT, &o, err) < 0)
		return -1;
	if (o == NULL)
		return 0;
	cleanup_free char *path = bjson_path_key(where, "scheduler");
	oci_pctx_check_keys(ctx, o, path, known);
	s->present = true;
	if (oci_get_str(o, path, "policy", OCI_REQ, &s->policy, err) < 0 ||
	    oci_get_int32(o, path, "nice", OCI_OPT, &s->nice, err) < 0 ||
	    oci_get_int32(o, path, "priority", OCI_OPT, &s->priority, err) < 0 ||
	    oci_get_strv(o, path, "flags", OCI_OPT, &s->flags, &s->n_flags, err) < 0 ||
	    oci_get_u64(o, path, "runtime", OCI_OPT, &s->runtime, err) < 0 ||
	    oci_get_u64(o, path, "deadline", OCI_OPT, &s->deadline, err) < 0 ||
	    oci_get_u64(o, path, "period", OCI_OPT, &s->period, err) < 0)
		return -1;
	s->policy_num = oci_sched_policy_from_name(s->policy);
	for (size_t i = 0; i < s->n_flags; i++) {
		int bit = oci_sched_flag_from_name(s->flags[i]);
		if (bit > 0)
			s->flags_mask |= (uint64_t)bit;
	}
	return 0;
}

static int parse_io_priority(struct oci_pctx *ctx, const json_t *obj, const char *where,
			     struct oci_io_priority *io, berth_error_t **err)
{
	static const char *const known[] = { "class", "priority", NULL };
	json_t *o = NULL;
	if (bjson_get_object(obj, where, "ioPriority", OCI_OPT, &o, err) < 0)
		return -1;
	if (o == NULL)
		return 0;
	cleanup_free char *path = bjson_path_key(where, "ioPriority");
	oci_pctx_check_keys(ctx, o, path, known);
	io->present = true;
	if (oci_get_str(o, path, "class", OCI_REQ, &io->class_name, err) < 0 ||
	    oci_get_int32(o, path, "priority", OCI_OPT, &io->priority, err) < 0)
		return -1;
	io->class_num = oci_ioprio_class_from_name(io->class_name);
	return 0;
}

static int parse_affinity(struct oci_pctx *ctx, const json_t *obj, const char *where,
			  struct oci_cpu_affinity *a, berth_error_t **err)
{
	static const char *const known[] = { "initial", "final", NULL };
	json_t *o = NULL;
	if (bjson_get_object(obj, where, "execCPUAffinity", OCI_OPT, &o, err) < 0)
		return -1;
	if (o == NULL)
		return 0;
	cleanup_free char *path = bjson_path_key(where, "execCPUAffinity");
	oci_pctx_check_keys(ctx, o, path, known);
	if (oci_get_str(o, path, "initial", OCI_OPT, &a->initial, err) < 0 ||
	    oci_get_str(o, path, "final", OCI_OPT, &a->final, err) < 0)
		return -1;
	return 0;
}

static int parse_scalars(const json_t *obj, const char *where, struct oci_process *p,
			 berth_error_t **err)
{
	int64_t oom = 0;
	p->has_oom_score_adj = oci_has(obj, "oomScoreAdj");
	if (bjson_get_bool(obj, where, "terminal", OCI_OPT, &p->terminal, err) < 0 ||
	    oci_get_strv(obj, where, "args", OCI_OPT, &p->args, &p->n_args, err) < 0 ||
	    oci_get_str(obj, where, "commandLine", OCI_OPT, &p->command_line, err) < 0 ||
	    oci_get_strv(obj, where, "env", OCI_OPT, &p->env, &p->n_env, err) < 0 ||
	    oci_get_str(obj, where, "cwd", OCI_REQ, &p->cwd, err) < 0 ||
	    bjson_get_bool(obj, where, "noNewPrivileges", OCI_OPT, &p->no_new_privileges, err) <
		    0 ||
	    oci_get_str(obj, where, "apparmorProfile", OCI_OPT, &p->apparmor_profile, err) < 0 ||
	    bjson_get_int_range(obj, where, "oomScoreAdj", OCI_OPT, -1000, 1000, &oom, err) < 0 ||
	    oci_get_str(obj, where, "selinuxLabel", OCI_OPT, &p->selinux_label, err) < 0)
		return -1;
	p->oom_score_adj = (int32_t)oom;
	return 0;
}

int oci_process_parse(struct oci_pctx *ctx, const json_t *obj, const char *where,
		      struct oci_process *p, berth_error_t **err)
{
	static const char *const known[] = {
		"terminal",
		"consoleSize",
		"user",
		"args",
		"commandLine",
		"env",
		"cwd",
		"capabilities",
		"rlimits",
		"noNewPrivileges",
		"apparmorProfile",
		"oomScoreAdj",
		"scheduler",
		"selinuxLabel",
		"ioPriority",
		"execCPUAffinity",
		NULL,
	};
	memset(p, 0, sizeof(*p));
	if (!json_is_object(obj))
		return berth_error_fail(err, EINVAL, "%s: expected an object, got %s", where,
					bjson_type_name(obj));
	oci_pctx_check_keys(ctx, obj, where, known);
	void *rl = NULL;
	if (parse_scalars(obj, where, p, err) < 0 || parse_console(ctx, obj, where, p, err) < 0 ||
	    parse_user(ctx, obj, where, &p->user, err) < 0 ||
	    parse_caps(ctx, obj, where, &p->capabilities, err) < 0 ||
	    oci_get_objarray(ctx, obj, where, "rlimits", sizeof(struct oci_rlimit), parse_rlimit,
			     rlimit_release, &rl, &p->n_rlimits, err) < 0)
		return -1;
	p->rlimits = rl;
	if (parse_scheduler(ctx, obj, where, &p->scheduler, err) < 0 ||
	    parse_io_priority(ctx, obj, where, &p->io_priority, err) < 0 ||
	    parse_affinity(ctx, obj, where, &p->exec_cpu_affinity, err) < 0)
		return -1;
	return 0;
}

void oci_process_release(struct oci_process *p)
{
	if (p == NULL)
		return;
	free(p->user.additional_gids);
	free(p->user.username);
	oci_strv_free(p->args);
	free(p->command_line);
	oci_strv_free(p->env);
	free(p->cwd);
	struct oci_capset *sets[] = { &p->capabilities.effective, &p->capabilities.bounding,
				      &p->capabilities.inheritable, &p->capabilities.permitted,
				      &p->capabilities.ambient };
	for (size_t i = 0; i < 5; i++)
		oci_strv_free(sets[i]->names);
	oci_array_free(p->rlimits, p->n_rlimits, sizeof(struct oci_rlimit), rlimit_release);
	free(p->apparmor_profile);
	free(p->scheduler.policy);
	oci_strv_free(p->scheduler.flags);
	free(p->selinux_label);
	free(p->io_priority.class_name);
	free(p->exec_cpu_affinity.initial);
	free(p->exec_cpu_affinity.final);
	memset(p, 0, sizeof(*p));
}

int oci_process_from_json(const json_t *obj, const char *where, struct oci_process *ret,
			  berth_error_t **err)
{
	struct oci_process p;
	if (where == NULL || *where == '\0')
		where = "process";
	/* exec --process has nowhere to put warnings: unknown fields are ignored */
	if (oci_process_parse(NULL, obj, where, &p, err) < 0 ||
	    oci_process_validate(&p, where, err) < 0) {
		oci_process_release(&p);
		return -1;
	}
	*ret = p;
	return 0;
}

/* ---- validation ------------------------------------------------------- */

static int validate_capset(const struct oci_capset *s, const char *where, const char *name,
			   berth_error_t **err)
{
	for (size_t i = 0; i < s->n; i++)
		if (oci_cap_from_name(s->names[i]) < 0)
			return berth_error_fail(err, EINVAL,
						"%s.capabilities.%s[%zu]: unknown capability '%.*s'",
						where, name, i, OCI_QUOTE_MAX, s->names[i]);
	return 0;
}

static int validate_caps(const struct oci_capabilities *c, const char *where, berth_error_t **err)
{
	if (validate_capset(&c->effective, where, "effective", err) < 0 ||
	    validate_capset(&c->bounding, where, "bounding", err) < 0 ||
	    validate_capset(&c->inheritable, where, "inheritable", err) < 0 ||
	    validate_capset(&c->permitted, where, "permitted", err) < 0 ||
	    validate_capset(&c->ambient, where, "ambient", err) < 0)
		return -1;
	return 0;
}

static int validate_rlimits(const struct oci_process *p, const char *where, berth_error_t **err)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct oci_rlimit *r = &p->rlimits[i];
		int res = r->type ? oci_rlimit_from_name(r->type) : -1;
		if (res < 0)
			return berth_error_fail(err, EINVAL,
						"%s.rlimits[%zu].type: unknown rlimit '%.*s'",
						where, i, OCI_QUOTE_MAX, r->type ? r->type : "");
		if (r->soft > r->hard)
			return berth_error_fail(err, EINVAL,
						"%s.rlimits[%zu]: soft limit %llu is above the hard "
						"limit %llu",
						where, i, (unsigned long long)r->soft,
						(unsigned long long)r->hard);
		/* the spec: duplicated types MUST be an error */
		for (size_t j = 0; j < i; j++)
			if (strcmp(p->rlimits[j].type, r->type) == 0)
				return berth_error_fail(err, EINVAL,
							"%s.rlimits[%zu]: duplicate rlimit '%s'",
							where, i, r->type);
	}
	return 0;
}

static int validate_scheduler(const struct oci_scheduler *s, const char *where, berth_error_t **err)
{
	if (!s->present)
		return 0;
	int policy = s->policy ? oci_sched_policy_from_name(s->policy) : -1;
	if (policy < 0)
		return berth_error_fail(err, EINVAL, "%s.scheduler.policy: unknown policy '%.*s'",
					where, OCI_QUOTE_MAX, s->policy ? s->policy : "");
	for (size_t i = 0; i < s->n_flags; i++)
		if (oci_sched_flag_from_name(s->flags[i]) < 0)
			return berth_error_fail(err, EINVAL,
						"%s.scheduler.flags[%zu]: unknown flag '%.*s'",
						where, i, OCI_QUOTE_MAX, s->flags[i]);
	if (s->nice < -20 || s->nice > 19)
		return berth_error_fail(err, EINVAL,
					"%s.scheduler.nice: %d is out of range [-20, 19]", where,
					s->nice);
	/* sched_setattr(2): only the real-time policies take a priority */
	if (s->priority != 0 && policy != 1 && policy != 2)
		return berth_error_fail(err, EINVAL,
					"%s.scheduler.priority: only SCHED_FIFO and SCHED_RR take "
					"a priority",
					where);
	return 0;
}

static int validate_io_priority(const struct oci_io_priority *io, const char *where,
				berth_error_t **err)
{
	if (!io->present)
		return 0;
	if (io->class_name == NULL || oci_ioprio_class_from_name(io->class_name) < 0)
		return berth_error_fail(err, EINVAL, "%s.ioPriority.class: unknown class '%.*s'",
					where, OCI_QUOTE_MAX, io->class_name ? io->class_name : "");
	if (io->priority < 0 || io->priority > 7)
		return berth_error_fail(err, EINVAL,
					"%s.ioPriority.priority: %d is out of range [0, 7]", where,
					io->priority);
	return 0;
}

int oci_process_validate(const struct oci_process *p, const char *where, berth_error_t **err)
{
	if (p->cwd == NULL || p->cwd[0] != '/')
		return berth_error_fail(err, EINVAL, "%s.cwd: '%.*s' is not an absolute path",
					where, OCI_QUOTE_MAX, p->cwd ? p->cwd : "");
	/* runc refuses a process without args; there is nothing to exec */
	if (p->n_args == 0)
		return berth_error_fail(err, EINVAL, "%s.args: must contain at least one entry",
					where);
	if (p->has_oom_score_adj && (p->oom_score_adj < -1000 || p->oom_score_adj > 1000))
		return berth_error_fail(err, EINVAL,
					"%s.oomScoreAdj: %d is out of range [-1000, 1000]", where,
					p->oom_score_adj);
	if (validate_caps(&p->capabilities, where, err) < 0 ||
	    validate_rlimits(p, where, err) < 0 ||
	    validate_scheduler(&p->scheduler, where, err) < 0 ||
	    validate_io_priority(&p->io_priority, where, err) < 0)
		return -1;
	return 0;
}
