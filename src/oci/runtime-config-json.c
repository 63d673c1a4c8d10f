/* runtime-config-json: serialise a struct oci_config back to config.json
 * (the top level, process, resources and linux).
 * Invariant: parse(to_json(c)) gives back c: optional scalars are written
 * only when their has_* flag or presence says so, vectors when non-NULL,
 * and false booleans and empty arrays are left out. */
#include <stdlib.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "oci/config-internal.h"

#include "common/banned.h"

/* Serialisation cannot fail except on allocation, which aborts in jansson's
 * allocator hooks or returns -1 here; -1 would be a bug, so it is ignored. */
static void set(json_t *o, const char *key, json_t *v)
{
	json_object_set_new(o, key, v);
}

static void set_str(json_t *o, const char *key, const char *s)
{
	if (s)
		set(o, key, json_string(s));
}

static void set_true(json_t *o, const char *key, bool b)
{
	if (b)
		set(o, key, json_true());
}

static void set_int(json_t *o, const char *key, int64_t v)
{
	set(o, key, json_integer((json_int_t)v));
}

/* jansson holds int64; bjson_uint64 carries larger values to bjson_dump */
static void set_u64(json_t *o, const char *key, uint64_t v)
{
	set(o, key, bjson_uint64(v));
}

static void set_strv(json_t *o, const char *key, char *const *v, size_t n)
{
	if (v)
		set(o, key, oci_strv_to_json(v, n));
}

static void set_nonempty(json_t *o, const char *key, json_t *v)
{
	if (json_is_array(v) ? json_array_size(v) : json_object_size(v))
		set(o, key, v);
	else
		json_decref(v);
}

json_t *oci_strv_to_json(char *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

json_t *oci_kv_to_json(const struct oci_kv *kv, size_t n)
{
	json_t *o = json_object();
	for (size_t i = 0; i < n; i++)
		json_object_set_new(o, kv[i].key, json_string(kv[i].value));
	return o;
}

json_t *oci_id_mappings_to_json(const struct oci_id_mapping *m, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_object();
		set_int(e, "containerID", m[i].container_id);
		set_int(e, "hostID", m[i].host_id);
		set_int(e, "size", m[i].size);
		json_array_append_new(a, e);
	}
	return a;
}

/* ---- process ---------------------------------------------------------- */

static json_t *user_to_json(const struct oci_user *u)
{
	json_t *o = json_object();
	set_int(o, "uid", u->uid);
	set_int(o, "gid", u->gid);
	if (u->has_umask)
		set_int(o, "umask", u->umask);
	if (u->n_additional_gids) {
		json_t *a = json_array();
		for (size_t i = 0; i < u->n_additional_gids; i++)
			json_array_append_new(a, json_integer(u->additional_gids[i]));
		set(o, "additionalGids", a);
	}
	set_str(o, "username", u->username);
	return o;
}

static json_t *caps_to_json(const struct oci_capabilities *c)
{
	json_t *o = json_object();
	set_strv(o, "bounding", c->bounding.names, c->bounding.n);
	set_strv(o, "effective", c->effective.names, c->effective.n);
	set_strv(o, "inheritable", c->inheritable.names, c->inheritable.n);
	set_strv(o, "permitted", c->permitted.names, c->permitted.n);
	set_strv(o, "ambient", c->ambient.names, c->ambient.n);
	return o;
}

static json_t *rlimits_to_json(const struct oci_rlimit *r, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_object();
		set_str(e, "type", r[i].type);
		set_u64(e, "hard", r[i].hard);
		set_u64(e, "soft", r[i].soft);
		json_array_append_new(a, e);
	}
	return a;
}

static json_t *scheduler_to_json(const struct oci_scheduler *s)
{
	json_t *o = json_object();
	set_str(o, "policy", s->policy);
	if (s->nice)
		set_int(o, "nice", s->nice);
	if (s->priority)
		set_int(o, "priority", s->priority);
	set_strv(o, "flags", s->flags, s->n_flags);
	if (s->runtime)
		set_u64(o, "runtime", s->runtime);
	if (s->deadline)
		set_u64(o, "deadline", s->deadline);
	if (s->period)
		set_u64(o, "period", s->period);
	return o;
}

static void process_extras(json_t *o, const struct oci_process *p)
{
	set_str(o, "apparmorProfile", p->apparmor_profile);
	if (p->has_oom_score_adj)
		set_int(o, "oomScoreAdj", p->oom_score_adj);
	if (p->scheduler.present)
		set(o, "scheduler", scheduler_to_json(&p->scheduler));
	set_str(o, "selinuxLabel", p->selinux_label);
	if (p->io_priority.present) {
		json_t *io = json_object();
		set_str(io, "class", p->io_priority.class_name);
		set_int(io, "priority", p->io_priority.priority);
		set(o, "ioPriority", io);
	}
	const struct oci_cpu_affinity *a = &p->exec_cpu_affinity;
	if (a->initial || a->final) {
		json_t *aff = json_object();
		set_str(aff, "initial", a->initial);
		set_str(aff, "final", a->final);
		set(o, "execCPUAffinity", aff);
	}
}

json_t *oci_process_to_json(const struct oci_process *p)
{
	json_t *o = json_object();
	set_true(o, "terminal", p->terminal);
	if (p->has_console_size) {
		json_t *cs = json_object();
		set_int(cs, "height", p->console_height);
		set_int(cs, "width", p->console_width);
		set(o, "consoleSize", cs);
	}
	set(o, "user", user_to_json(&p->user));
	set_strv(o, "args", p->args, p->n_args);
	set_str(o, "commandLine", p->command_line);
	set_strv(o, "env", p->env, p->n_env);
	set_str(o, "cwd", p->cwd);
	if (p->capabilities.present)
		set(o, "capabilities", caps_to_json(&p->capabilities));
	set_nonempty(o, "rlimits", rlimits_to_json(p->rlimits, p->n_rlimits));
	set_true(o, "noNewPrivileges", p->no_new_privileges);
	process_extras(o, p);
	return o;
}

/* ---- resources -------------------------------------------------------- */

static json_t *device_rules_to_json(const struct oci_device_rule *d, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_object();
		set(e, "allow", json_boolean(d[i].allow));
		if (d[i].type && d[i].type != 'a')
			set(e, "type", json_stringn(&d[i].type, 1));
		if (d[i].has_major)
			set_int(e, "major", d[i].major);
		if (d[i].has_minor)
			set_int(e, "minor", d[i].minor);
		set_str(e, "access", d[i].access);
		json_array_append_new(a, e);
	}
	return a;
}

static json_t *memory_to_json(const struct oci_memory *m)
{
	json_t *o = json_object();
	if (m->has_limit)
		set_int(o, "limit", m->limit);
	if (m->has_reservation)
		set_int(o, "reservation", m->reservation);
	if (m->has_swap)
		set_int(o, "swap", m->swap);
	if (m->has_kernel)
		set_int(o, "kernel", m->kernel);
	if (m->has_kernel_tcp)
		set_int(o, "kernelTCP", m->kernel_tcp);
	if (m->has_swappiness)
		set_u64(o, "swappiness", m->swappiness);
	if (m->has_disable_oom_killer)
		set(o, "disableOOMKiller", json_boolean(m->disable_oom_killer));
	if (m->has_use_hierarchy)
		set(o, "useHierarchy", json_boolean(m->use_hierarchy));
	if (m->has_check_before_update)
		set(o, "checkBeforeUpdate", json_boolean(m->check_before_update));
	return o;
}

static json_t *cpu_to_json(const struct oci_cpu *c)
{
	json_t *o = json_object();
	if (c->has_shares)
		set_u64(o, "shares", c->shares);
	if (c->has_quota)
		set_int(o, "quota", c->quota);
	if (c->has_burst)
		set_u64(o, "burst", c->burst);
	if (c->has_period)
		set_u64(o, "period", c->period);
	if (c->has_realtime_runtime)
		set_int(o, "realtimeRuntime", c->realtime_runtime);
	if (c->has_realtime_period)
		set_u64(o, "realtimePeriod", c->realtime_period);
	set_str(o, "cpus", c->cpus);
	set_str(o, "mems", c->mems);
	if (c->has_idle)
		set_int(o, "idle", c->idle);
	return o;
}

static json_t *throttle_to_json(const struct oci_throttle_device *t, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_object();
		set_int(e, "major", t[i].major);
		set_int(e, "minor", t[i].minor);
		set_u64(e, "rate", t[i].rate);
		json_array_append_new(a, e);
	}
	return a;
}

static json_t *blockio_to_json(const struct oci_blockio *b)
{
	json_t *o = json_object();
	if (b->has_weight)
		set_int(o, "weight", b->weight);
	if (b->has_leaf_weight)
		set_int(o, "leafWeight", b->leaf_weight);
	json_t *wd = json_array();
	for (size_t i = 0; i < b->n_weight_devices; i++) {
		const struct oci_weight_device *w = &b->weight_devices[i];
		json_t *e = json_object();
		set_int(e, "major", w->major);
		set_int(e, "minor", w->minor);
		if (w->has_weight)
			set_int(e, "weight", w->weight);
		if (w->has_leaf_weight)
			set_int(e, "leafWeight", w->leaf_weight);
		json_array_append_new(wd, e);
	}
	set_nonempty(o, "weightDevice", wd);
	set_nonempty(o, "throttleReadBpsDevice",
		     throttle_to_json(b->throttle_read_bps, b->n_throttle_read_bps));
	set_nonempty(o, "throttleWriteBpsDevice",
		     throttle_to_json(b->throttle_write_bps, b->n_throttle_write_bps));
	set_nonempty(o, "throttleReadIOPSDevice",
		     throttle_to_json(b->throttle_read_iops, b->n_throttle_read_iops));
	set_nonempty(o, "throttleWriteIOPSDevice",
		     throttle_to_json(b->throttle_write_iops, b->n_throttle_write_iops));
	return o;
}

static void resources_lists(json_t *o, const struct oci_resources *r)
{
	json_t *huge = json_array();
	for (size_t i = 0; i < r->n_hugepage_limits; i++) {
		json_t *e = json_object();
		set_str(e, "pageSize", r->hugepage_limits[i].page_size);
		set_u64(e, "limit", r->hugepage_limits[i].limit);
		json_array_append_new(huge, e);
	}
	set_nonempty(o, "hugepageLimits", huge);
	json_t *net = json_object();
	if (r->has_net_class_id)
		set_int(net, "classID", r->net_class_id);
	json_t *prio = json_array();
	for (size_t i = 0; i < r->n_net_priorities; i++) {
		json_t *e = json_object();
		set_str(e, "name", r->net_priorities[i].name);
		set_int(e, "priority", r->net_priorities[i].priority);
		json_array_append_new(prio, e);
	}
	set_nonempty(net, "priorities", prio);
	set_nonempty(o, "network", net);
	json_t *rdma = json_object();
	for (size_t i = 0; i < r->n_rdma; i++) {
		json_t *e = json_object();
		if (r->rdma[i].has_hca_handles)
			set_int(e, "hcaHandles", r->rdma[i].hca_handles);
		if (r->rdma[i].has_hca_objects)
			set_int(e, "hcaObjects", r->rdma[i].hca_objects);
		json_object_set_new(rdma, r->rdma[i].device, e);
	}
	set_nonempty(o, "rdma", rdma);
	set_nonempty(o, "unified", oci_kv_to_json(r->unified, r->n_unified));
}

json_t *oci_resources_to_json(const struct oci_resources *r)
{
	json_t *o = json_object();
	set_nonempty(o, "devices", device_rules_to_json(r->devices, r->n_devices));
	if (r->memory.present)
		set(o, "memory", memory_to_json(&r->memory));
	if (r->cpu.present)
		set(o, "cpu", cpu_to_json(&r->cpu));
	if (r->has_pids_limit) {
		json_t *pids = json_object();
		set_int(pids, "limit", r->pids_limit);
		set(o, "pids", pids);
	}
	if (r->blockio.present)
		set(o, "blockIO", blockio_to_json(&r->blockio));
	resources_lists(o, r);
	return o;
}

/* ---- linux ------------------------------------------------------------ */

static json_t *namespaces_to_json(const struct oci_namespace *ns, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_object();
		set_str(e, "type", oci_ns_type_name(ns[i].type));
		set_str(e, "path", ns[i].path);
		json_array_append_new(a, e);
	}
	return a;
}

static json_t *time_offsets_to_json(const struct oci_time_offset *t, size_t n)
{
	json_t *o = json_object();
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_object();
		set(e, "secs", json_integer(t[i].secs));
		set(e, "nanosecs", json_integer(t[i].nanosecs));
		json_object_set_new(o, t[i].clock, e);
	}
	return o;
}

static json_t *devices_to_json(const struct oci_device *d, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_object();
		set(e, "path", json_string(d[i].path ? d[i].path : ""));
		set(e, "type", json_stringn(&d[i].type, 1));
		/* FIFOs need no numbers; write them only when they say something */
		if (d[i].type != 'p' || d[i].major || d[i].minor) {
			set(e, "major", json_integer(d[i].major));
			set(e, "minor", json_integer(d[i].minor));
		}
		if (d[i].has_file_mode)
			set(e, "fileMode", json_integer(d[i].file_mode));
		if (d[i].has_uid)
			set(e, "uid", json_integer(d[i].uid));
		if (d[i].has_gid)
			set(e, "gid", json_integer(d[i].gid));
		json_array_append_new(a, e);
	}
	return a;
}

static json_t *net_devices_to_json(const struct oci_net_device *d, size_t n)
{
	json_t *o = json_object();
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_object();
		set_str(e, "name", d[i].name);
		json_object_set_new(o, d[i].host_name, e);
	}
	return o;
}

static json_t *syscalls_to_json(const struct oci_seccomp_syscall *s, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_object();
		set(e, "names", oci_strv_to_json(s[i].names, s[i].n_names));
		set_str(e, "action", s[i].action);
		if (s[i].has_errno_ret)
			set(e, "errnoRet", json_integer(s[i].errno_ret));
		json_t *args = json_array();
		for (size_t j = 0; j < s[i].n_args; j++) {
			const struct oci_seccomp_arg *arg = &s[i].args[j];
			json_t *ae = json_object();
			set(ae, "index", json_integer(arg->index));
			set(ae, "value", bjson_uint64(arg->value));
			if (arg->value_two)
				set(ae, "valueTwo", bjson_uint64(arg->value_two));
			set_str(ae, "op", arg->op);
			json_array_append_new(args, ae);
		}
		set_nonempty(e, "args", args);
		json_array_append_new(a, e);
	}
	return a;
}

static json_t *seccomp_to_json(const struct oci_seccomp *s)
{
	json_t *o = json_object();
	set_str(o, "defaultAction", s->default_action);
	if (s->has_default_errno_ret)
		set(o, "defaultErrnoRet", json_integer(s->default_errno_ret));
	set_strv(o, "architectures", s->architectures, s->n_architectures);
	set_strv(o, "flags", s->flags, s->n_flags);
	set_str(o, "listenerPath", s->listener_path);
	set_str(o, "listenerMetadata", s->listener_metadata);
	set_nonempty(o, "syscalls", syscalls_to_json(s->syscalls, s->n_syscalls));
	return o;
}

static void small_objects_to_json(json_t *o, const struct oci_linux *l)
{
	if (l->intel_rdt.present) {
		const struct oci_intel_rdt *r = &l->intel_rdt;
		json_t *e = json_object();
		set_str(e, "closID", r->clos_id);
		set_str(e, "l3CacheSchema", r->l3_cache_schema);
		set_str(e, "memBwSchema", r->mem_bw_schema);
		if (r->enable_cmt)
			set(e, "enableCMT", json_true());
		if (r->enable_mbm)
			set(e, "enableMBM", json_true());
		set(o, "intelRdt", e);
	}
	if (l->personality.present) {
		json_t *e = json_object();
		set_str(e, "domain", l->personality.domain);
		set_strv(e, "flags", l->personality.flags, l->personality.n_flags);
		set(o, "personality", e);
	}
	if (l->memory_policy.present) {
		json_t *e = json_object();
		set_str(e, "mode", l->memory_policy.mode);
		set_str(e, "nodes", l->memory_policy.nodes);
		set_strv(e, "flags", l->memory_policy.flags, l->memory_policy.n_flags);
		set(o, "memoryPolicy", e);
	}
}

json_t *oci_linux_to_json(const struct oci_linux *l)
{
	json_t *o = json_object();
	set_nonempty(o, "namespaces", namespaces_to_json(l->namespaces, l->n_namespaces));
	set_nonempty(o, "uidMappings", oci_id_mappings_to_json(l->uid_mappings, l->n_uid_mappings));
	set_nonempty(o, "gidMappings", oci_id_mappings_to_json(l->gid_mappings, l->n_gid_mappings));
	set_nonempty(o, "timeOffsets", time_offsets_to_json(l->time_offsets, l->n_time_offsets));
	set_nonempty(o, "devices", devices_to_json(l->devices, l->n_devices));
	set_nonempty(o, "netDevices", net_devices_to_json(l->net_devices, l->n_net_devices));
	set_str(o, "cgroupsPath", l->cgroups_path);
	if (l->resources.present)
		set(o, "resources", oci_resources_to_json(&l->resources));
	set_str(o, "rootfsPropagation", l->rootfs_propagation);
	if (l->seccomp.present)
		set(o, "seccomp", seccomp_to_json(&l->seccomp));
	set_nonempty(o, "sysctl", oci_kv_to_json(l->sysctl, l->n_sysctl));
	set_strv(o, "maskedPaths", l->masked_paths, l->n_masked_paths);
	set_strv(o, "readonlyPaths", l->readonly_paths, l->n_readonly_paths);
	set_str(o, "mountLabel", l->mount_label);
	small_objects_to_json(o, l);
	return o;
}

/* ---- the top level ---------------------------------------------------- */

static json_t *mounts_to_json(const struct oci_mount *m, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_object();
		set_str(e, "destination", m[i].destination);
		set_str(e, "type", m[i].type);
		set_str(e, "source", m[i].source);
		set_strv(e, "options", m[i].options, m[i].n_options);
		set_nonempty(e, "uidMappings",
			     oci_id_mappings_to_json(m[i].uid_mappings, m[i].n_uid_mappings));
		set_nonempty(e, "gidMappings",
			     oci_id_mappings_to_json(m[i].gid_mappings, m[i].n_gid_mappings));
		json_array_append_new(a, e);
	}
	return a;
}

static json_t *hook_list_to_json(const struct oci_hook_list *l)
{
	json_t *a = json_array();
	for (size_t i = 0; i < l->n; i++) {
		const struct oci_hook *h = &l->hooks[i];
		json_t *e = json_object();
		set_str(e, "path", h->path);
		set_strv(e, "args", h->args, h->n_args);
		set_strv(e, "env", h->env, h->n_env);
		if (h->has_timeout)
			set_int(e, "timeout", h->timeout);
		json_array_append_new(a, e);
	}
	return a;
}

static json_t *hooks_to_json(const struct oci_hooks *h)
{
	json_t *o = json_object();
	set_nonempty(o, "prestart", hook_list_to_json(&h->prestart));
	set_nonempty(o, "createRuntime", hook_list_to_json(&h->create_runtime));
	set_nonempty(o, "createContainer", hook_list_to_json(&h->create_container));
	set_nonempty(o, "startContainer", hook_list_to_json(&h->start_container));
	set_nonempty(o, "poststart", hook_list_to_json(&h->poststart));
	set_nonempty(o, "poststop", hook_list_to_json(&h->poststop));
	return o;
}

json_t *oci_config_to_json(const struct oci_config *c)
{
	json_t *o = json_object();
	set_str(o, "ociVersion", c->oci_version);
	if (c->has_process)
		set(o, "process", oci_process_to_json(&c->process));
	json_t *root = json_object();
	set_str(root, "path", c->root_path);
	set_true(root, "readonly", c->root_readonly);
	set(o, "root", root);
	set_str(o, "hostname", c->hostname);
	set_str(o, "domainname", c->domainname);
	set_nonempty(o, "mounts", mounts_to_json(c->mounts, c->n_mounts));
	set_nonempty(o, "hooks", hooks_to_json(&c->hooks));
	set_nonempty(o, "annotations", oci_kv_to_json(c->annotations, c->n_annotations));
	if (c->linux_.present)
		set(o, "linux", oci_linux_to_json(&c->linux_));
	return o;
}
