/* runtime-config-linux: the "linux" object of config.json (config-linux.md)
 * except linux.resources, which has its own file: namespaces, ID mappings,
 * time offsets, devices, seccomp, sysctl, masked and read-only paths, RDT,
 * personality, memory policy.  Parse, release and validate; namespace
 * types resolve at parse time because the struct holds them as an enum. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "oci/config-internal.h"

#include "common/banned.h"

static int parse_namespace(struct oci_pctx *ctx, const json_t *v, const char *path, const char *key,
			   void *out, berth_error_t **err)
{
	static const char *const known[] = { "type", "path", NULL };
	struct oci_namespace *ns = out;
	const char *type = NULL;
	oci_pctx_check_keys(ctx, v, path, known);
	if (bjson_get_string(v, path, "type", OCI_REQ, &type, err) < 0)
		return -1;
	if (oci_ns_type_parse(type, &ns->type) < 0)
		return berth_error_fail(err, EINVAL, "%s.type: unknown namespace type '%.*s'", path,
					OCI_QUOTE_MAX, type);
	return oci_get_str(v, path, "path", OCI_OPT, &ns->path, err);
}

static void namespace_release(void *elem)
{
	free(((struct oci_namespace *)elem)->path);
}

static int parse_time_offset(struct oci_pctx *ctx, const json_t *v, const char *path,
			     const char *key, void *out, berth_error_t **err)
{
	static const char *const known[] = { "secs", "nanosecs", NULL };
	struct oci_time_offset *t = out;
	oci_pctx_check_keys(ctx, v, path, known);
	t->clock = xstrdup(key);
	if (bjson_get_int64(v, path, "secs", OCI_OPT, &t->secs, err) < 0 ||
	    bjson_get_uint32(v, path, "nanosecs", OCI_OPT, &t->nanosecs, err) < 0)
		return -1;
	return 0;
}

static void time_offset_release(void *elem)
{
	free(((struct oci_time_offset *)elem)->clock);
}

/* Reads a one-letter type ("c") into *ret */
static int get_type_char(const json_t *v, const char *path, enum bjson_flags flags, char *ret,
			 berth_error_t **err)
{
	const char *t = NULL;
	if (bjson_get_string(v, path, "type", flags, &t, err) < 0)
		return -1;
	if (t == NULL)
		return 0;
	if (strlen(t) != 1)
		return berth_error_fail(err, EINVAL, "%s.type: unknown device type '%.*s'", path,
					OCI_QUOTE_MAX, t);
	*ret = t[0];
	return 0;
}

static int parse_device(struct oci_pctx *ctx, const json_t *v, const char *path, const char *key,
			void *out, berth_error_t **err)
{
	static const char *const known[] = { "type",     "path", "major", "minor",
					     "fileMode", "uid",  "gid",   NULL };
	struct oci_device *d = out;
	oci_pctx_check_keys(ctx, v, path, known);
	if (get_type_char(v, path, OCI_REQ, &d->type, err) < 0 ||
	    oci_get_str(v, path, "path", OCI_REQ, &d->path, err) < 0)
		return -1;
	if (strchr("cbup", d->type) == NULL)
		return berth_error_fail(err, EINVAL, "%s.type: unknown device type '%c'", path,
					d->type);
	/* major and minor are required except for FIFOs */
	enum bjson_flags num = d->type == 'p' ? OCI_OPT : OCI_REQ;
	d->has_file_mode = oci_has(v, "fileMode");
	d->has_uid = oci_has(v, "uid");
	d->has_gid = oci_has(v, "gid");
	if (bjson_get_int64(v, path, "major", num, &d->major, err) < 0 ||
	    bjson_get_int64(v, path, "minor", num, &d->minor, err) < 0 ||
	    bjson_get_uint32(v, path, "fileMode", OCI_OPT, &d->file_mode, err) < 0 ||
	    bjson_get_uint32(v, path, "uid", OCI_OPT, &d->uid, err) < 0 ||
	    bjson_get_uint32(v, path, "gid", OCI_OPT, &d->gid, err) < 0)
		return -1;
	return 0;
}

static void device_release(void *elem)
{
	free(((struct oci_device *)elem)->path);
}

static int parse_net_device(struct oci_pctx *ctx, const json_t *v, const char *path,
			    const char *key, void *out, berth_error_t **err)
{
	static const char *const known[] = { "name", NULL };
	struct oci_net_device *d = out;
	oci_pctx_check_keys(ctx, v, path, known);
	d->host_name = xstrdup(key);
	return oci_get_str(v, path, "name", OCI_OPT, &d->name, err);
}

static void net_device_release(void *elem)
{
	struct oci_net_device *d = elem;
	free(d->host_name);
	free(d->name);
}

static int parse_seccomp_arg(struct oci_pctx *ctx, const json_t *v, const char *path,
			     const char *key, void *out, berth_error_t **err)
{
	static const char *const known[] = { "index", "value", "valueTwo", "op", NULL };
	struct oci_seccomp_arg *a = out;
	oci_pctx_check_keys(ctx, v, path, known);
	if (bjson_get_uint32(v, path, "index", OCI_REQ, &a->index, err) < 0 ||
	    oci_get_u64(v, path, "value", OCI_REQ, &a->value, err) < 0 ||
	    oci_get_u64(v, path, "valueTwo", OCI_OPT, &a->value_two, err) < 0 ||
	    oci_get_str(v, path, "op", OCI_REQ, &a->op, err) < 0)
		return -1;
	return 0;
}

static void seccomp_arg_release(void *elem)
{
	free(((struct oci_seccomp_arg *)elem)->op);
}

static int parse_syscall(struct oci_pctx *ctx, const json_t *v, const char *path, const char *key,
			 void *out, berth_error_t **err)
{
	static const char *const known[] = { "names", "action", "errnoRet", "args", NULL };
	struct oci_seccomp_syscall *s = out;
	oci_pctx_check_keys(ctx, v, path, known);
	s->has_errno_ret = oci_has(v, "errnoRet");
	void *args = NULL;
	if (oci_get_strv(v, path, "names", OCI_REQ, &s->names, &s->n_names, err) < 0 ||
	    oci_get_str(v, path, "action", OCI_REQ, &s->action, err) < 0 ||
	    bjson_get_uint32(v, path, "errnoRet", OCI_OPT, &s->errno_ret, err) < 0 ||
	    oci_get_objarray(ctx, v, path, "args", sizeof(struct oci_seccomp_arg),
			     parse_seccomp_arg, seccomp_arg_release, &args, &s->n_args, err) < 0)
		return -1;
	s->args = args;
	return 0;
}

static void syscall_release(void *elem)
{
	struct oci_seccomp_syscall *s = elem;
	oci_strv_free(s->names);
	free(s->action);
	oci_array_free(s->args, s->n_args, sizeof(struct oci_seccomp_arg), seccomp_arg_release);
}

static int parse_seccomp(struct oci_pctx *ctx, const json_t *obj, const char *where,
			 struct oci_seccomp *s, berth_error_t **err)
{
	static const char *const known[] = { "defaultAction", "defaultErrnoRet",
					     "architectures", "flags",
					     "listenerPath",  "listenerMetadata",
					     "syscalls",      NULL };
	json_t *o = NULL;
	if (bjson_get_object(obj, where, "seccomp", OCI_OPT, &o, err) < 0)
		return -1;
	if (o == NULL)
		return 0;
	cleanup_free char *path = bjson_path_key(where, "seccomp");
	oci_pctx_check_keys(ctx, o, path, known);
	s->present = true;
	s->has_default_errno_ret = oci_has(o, "defaultErrnoRet");
	void *sys = NULL;
	if (oci_get_str(o, path, "defaultAction", OCI_REQ, &s->default_action, err) < 0 ||
	    bjson_get_uint32(o, path, "defaultErrnoRet", OCI_OPT, &s->default_errno_ret, err) < 0 ||
	    oci_get_strv(o, path, "architectures", OCI_OPT, &s->architectures, &s->n_architectures,
			 err) < 0 ||
	    oci_get_strv(o, path, "flags", OCI_OPT, &s->flags, &s->n_flags, err) < 0 ||
	    oci_get_str(o, path, "listenerPath", OCI_OPT, &s->listener_path, err) < 0 ||
	    oci_get_str(o, path, "listenerMetadata", OCI_OPT, &s->listener_metadata, err) < 0 ||
	    oci_get_objarray(ctx, o, path, "syscalls", sizeof(struct oci_seccomp_syscall),
			     parse_syscall, syscall_release, &sys, &s->n_syscalls, err) < 0)
		return -1;
	s->syscalls = sys;
	return 0;
}

/* Fetch obj[key] as an object and its path; 0 with *ret NULL when absent */
static int sub_object(struct oci_pctx *ctx, const json_t *obj, const char *where, const char *key,
		      const char *const *known, json_t **ret, char **ret_path, berth_error_t **err)
{
	json_t *o = NULL;
	if (bjson_get_object(obj, where, key, OCI_OPT, &o, err) < 0)
		return -1;
	*ret = o;
	if (o == NULL)
		return 0;
	*ret_path = bjson_path_key(where, key);
	oci_pctx_check_keys(ctx, o, *ret_path, known);
	return 0;
}

static int parse_intel_rdt(struct oci_pctx *ctx, const json_t *obj, const char *where,
			   struct oci_intel_rdt *r, berth_error_t **err)
{
	static const char *const known[] = { "closID",    "l3CacheSchema", "memBwSchema",
					     "enableCMT", "enableMBM",     NULL };
	json_t *o = NULL;
	cleanup_free char *path = NULL;
	if (sub_object(ctx, obj, where, "intelRdt", known, &o, &path, err) < 0)
		return -1;
	if (o == NULL)
		return 0;
	r->present = true;
	if (oci_get_str(o, path, "closID", OCI_OPT, &r->clos_id, err) < 0 ||
	    oci_get_str(o, path, "l3CacheSchema", OCI_OPT, &r->l3_cache_schema, err) < 0 ||
	    oci_get_str(o, path, "memBwSchema", OCI_OPT, &r->mem_bw_schema, err) < 0 ||
	    bjson_get_bool(o, path, "enableCMT", OCI_OPT, &r->enable_cmt, err) < 0 ||
	    bjson_get_bool(o, path, "enableMBM", OCI_OPT, &r->enable_mbm, err) < 0)
		return -1;
	return 0;
}

static int parse_personality(struct oci_pctx *ctx, const json_t *obj, const char *where,
			     struct oci_personality *p, berth_error_t **err)
{
	static const char *const known[] = { "domain", "flags", NULL };
	json_t *o = NULL;
	cleanup_free char *path = NULL;
	if (sub_object(ctx, obj, where, "personality", known, &o, &path, err) < 0)
		return -1;
	if (o == NULL)
		return 0;
	p->present = true;
	if (oci_get_str(o, path, "domain", OCI_REQ, &p->domain, err) < 0 ||
	    oci_get_strv(o, path, "flags", OCI_OPT, &p->flags, &p->n_flags, err) < 0)
		return -1;
	return 0;
}

static int parse_memory_policy(struct oci_pctx *ctx, const json_t *obj, const char *where,
			       struct oci_memory_policy *m, berth_error_t **err)
{
	static const char *const known[] = { "mode", "nodes", "flags", NULL };
	json_t *o = NULL;
	cleanup_free char *path = NULL;
	if (sub_object(ctx, obj, where, "memoryPolicy", known, &o, &path, err) < 0)
		return -1;
	if (o == NULL)
		return 0;
	m->present = true;
	if (oci_get_str(o, path, "mode", OCI_REQ, &m->mode, err) < 0 ||
	    oci_get_str(o, path, "nodes", OCI_OPT, &m->nodes, err) < 0 ||
	    oci_get_strv(o, path, "flags", OCI_OPT, &m->flags, &m->n_flags, err) < 0)
		return -1;
	return 0;
}

static int parse_small_objects(struct oci_pctx *ctx, const json_t *obj, const char *where,
			       struct oci_linux *l, berth_error_t **err)
{
	if (parse_intel_rdt(ctx, obj, where, &l->intel_rdt, err) < 0 ||
	    parse_personality(ctx, obj, where, &l->personality, err) < 0 ||
	    parse_memory_policy(ctx, obj, where, &l->memory_policy, err) < 0)
		return -1;
	return 0;
}

static int parse_arrays(struct oci_pctx *ctx, const json_t *obj, const char *where,
			struct oci_linux *l, berth_error_t **err)
{
	void *ns = NULL, *uid = NULL, *gid = NULL, *tofs = NULL, *dev = NULL, *net = NULL;
	int r = oci_get_objarray(ctx, obj, where, "namespaces", sizeof(struct oci_namespace),
				 parse_namespace, namespace_release, &ns, &l->n_namespaces, err);
	l->namespaces = ns;
	if (r < 0 ||
	    oci_get_objarray(ctx, obj, where, "uidMappings", sizeof(struct oci_id_mapping),
			     oci_id_mapping_parse, NULL, &uid, &l->n_uid_mappings, err) < 0)
		return -1;
	l->uid_mappings = uid;
	if (oci_get_objarray(ctx, obj, where, "gidMappings", sizeof(struct oci_id_mapping),
			     oci_id_mapping_parse, NULL, &gid, &l->n_gid_mappings, err) < 0)
		return -1;
	l->gid_mappings = gid;
	if (oci_get_map(ctx, obj, where, "timeOffsets", sizeof(struct oci_time_offset),
			parse_time_offset, time_offset_release, &tofs, &l->n_time_offsets, err) < 0)
		return -1;
	l->time_offsets = tofs;
	if (oci_get_objarray(ctx, obj, where, "devices", sizeof(struct oci_device), parse_device,
			     device_release, &dev, &l->n_devices, err) < 0)
		return -1;
	l->devices = dev;
	if (oci_get_map(ctx, obj, where, "netDevices", sizeof(struct oci_net_device),
			parse_net_device, net_device_release, &net, &l->n_net_devices, err) < 0)
		return -1;
	l->net_devices = net;
	return 0;
}

int oci_linux_parse(struct oci_pctx *ctx, const json_t *obj, const char *where, struct oci_linux *l,
		    berth_error_t **err)
{
	static const char *const known[] = {
		"namespaces",        "uidMappings", "gidMappings", "timeOffsets",
		"devices",           "netDevices",  "cgroupsPath", "resources",
		"rootfsPropagation", "seccomp",     "sysctl",      "maskedPaths",
		"readonlyPaths",     "mountLabel",  "intelRdt",    "personality",
		"memoryPolicy",      NULL,
	};
	if (!json_is_object(obj))
		return berth_error_fail(err, EINVAL, "%s: expected an object, got %s", where,
					bjson_type_name(obj));
	oci_pctx_check_keys(ctx, obj, where, known);
	l->present = true;
	json_t *res = NULL;
	cleanup_free char *res_path = bjson_path_key(where, "resources");
	if (parse_arrays(ctx, obj, where, l, err) < 0 ||
	    oci_get_str(obj, where, "cgroupsPath", OCI_OPT, &l->cgroups_path, err) < 0 ||
	    bjson_get_object(obj, where, "resources", OCI_OPT, &res, err) < 0 ||
	    (res && oci_resources_parse(ctx, res, res_path, &l->resources, err) < 0) ||
	    oci_get_str(obj, where, "rootfsPropagation", OCI_OPT, &l->rootfs_propagation, err) <
		    0 ||
	    parse_seccomp(ctx, obj, where, &l->seccomp, err) < 0 ||
	    oci_get_kv(ctx, obj, where, "sysctl", &l->sysctl, &l->n_sysctl, err) < 0 ||
	    oci_get_strv(obj, where, "maskedPaths", OCI_OPT, &l->masked_paths, &l->n_masked_paths,
			 err) < 0 ||
	    oci_get_strv(obj, where, "readonlyPaths", OCI_OPT, &l->readonly_paths,
			 &l->n_readonly_paths, err) < 0 ||
	    oci_get_str(obj, where, "mountLabel", OCI_OPT, &l->mount_label, err) < 0 ||
	    parse_small_objects(ctx, obj, where, l, err) < 0)
		return -1;
	return 0;
}

void oci_linux_release(struct oci_linux *l)
{
	oci_array_free(l->namespaces, l->n_namespaces, sizeof(struct oci_namespace),
		       namespace_release);
	free(l->uid_mappings);
	free(l->gid_mappings);
	oci_array_free(l->time_offsets, l->n_time_offsets, sizeof(struct oci_time_offset),
		       time_offset_release);
	oci_array_free(l->devices, l->n_devices, sizeof(struct oci_device), device_release);
	oci_array_free(l->net_devices, l->n_net_devices, sizeof(struct oci_net_device),
		       net_device_release);
	free(l->cgroups_path);
	oci_resources_release(&l->resources);
	free(l->rootfs_propagation);
	struct oci_seccomp *s = &l->seccomp;
	free(s->default_action);
	oci_strv_free(s->architectures);
	oci_strv_free(s->flags);
	free(s->listener_path);
	free(s->listener_metadata);
	oci_array_free(s->syscalls, s->n_syscalls, sizeof(struct oci_seccomp_syscall),
		       syscall_release);
	oci_kv_free(l->sysctl, l->n_sysctl);
	oci_strv_free(l->masked_paths);
	oci_strv_free(l->readonly_paths);
	free(l->mount_label);
	free(l->intel_rdt.clos_id);
	free(l->intel_rdt.l3_cache_schema);
	free(l->intel_rdt.mem_bw_schema);
	free(l->personality.domain);
	oci_strv_free(l->personality.flags);
	free(l->memory_policy.mode);
	free(l->memory_policy.nodes);
	oci_strv_free(l->memory_policy.flags);
	memset(l, 0, sizeof(*l));
}
