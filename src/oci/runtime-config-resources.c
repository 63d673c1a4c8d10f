/* runtime-config-resources: linux.resources of config.json, which is also
 * the whole input of `update --resources`: device rules, memory, cpu, pids,
 * block I/O, hugepages, network, rdma, unified.  Parse, validate, release.
 * Every number keeps the spec's type (cpu.quota int64, swappiness uint64,
 * device numbers int64) with a has_* flag so "absent" never reads as 0. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "oci/config-internal.h"

#include "common/banned.h"

static int parse_device_rule(struct oci_pctx *ctx, const json_t *v, const char *path,
			     const char *key, void *out, berth_error_t **err)
{
	static const char *const known[] = { "allow", "type", "major", "minor", "access", NULL };
	struct oci_device_rule *d = out;
	const char *type = NULL;
	oci_pctx_check_keys(ctx, v, path, known);
	d->has_major = oci_has(v, "major");
	d->has_minor = oci_has(v, "minor");
	if (bjson_get_bool(v, path, "allow", OCI_REQ, &d->allow, err) < 0 ||
	    bjson_get_string(v, path, "type", OCI_OPT, &type, err) < 0 ||
	    bjson_get_int64(v, path, "major", OCI_OPT, &d->major, err) < 0 ||
	    bjson_get_int64(v, path, "minor", OCI_OPT, &d->minor, err) < 0 ||
	    oci_get_str(v, path, "access", OCI_OPT, &d->access, err) < 0)
		return -1;
	d->type = 'a';
	if (type && (strlen(type) != 1 || strchr("acb", type[0]) == NULL))
		return berth_error_fail(err, EINVAL, "%s.type: unknown device type '%.*s'", path,
					OCI_QUOTE_MAX, type);
	if (type)
		d->type = type[0];
	return 0;
}

static void device_rule_release(void *elem)
{
	free(((struct oci_device_rule *)elem)->access);
}

static int parse_memory(struct oci_pctx *ctx, const json_t *o, const char *path, void *out,
			berth_error_t **err)
{
	struct oci_memory *m = out;
	static const char *const known[] = { "limit",
					     "reservation",
					     "swap",
					     "kernel",
					     "kernelTCP",
					     "swappiness",
					     "disableOOMKiller",
					     "useHierarchy",
					     "checkBeforeUpdate",
					     NULL };
	oci_pctx_check_keys(ctx, o, path, known);
	m->present = true;
	m->has_limit = oci_has(o, "limit");
	m->has_reservation = oci_has(o, "reservation");
	m->has_swap = oci_has(o, "swap");
	m->has_kernel = oci_has(o, "kernel");
	m->has_kernel_tcp = oci_has(o, "kernelTCP");
	m->has_swappiness = oci_has(o, "swappiness");
	m->has_disable_oom_killer = oci_has(o, "disableOOMKiller");
	m->has_use_hierarchy = oci_has(o, "useHierarchy");
	m->has_check_before_update = oci_has(o, "checkBeforeUpdate");
	if (bjson_get_int64(o, path, "limit", OCI_OPT, &m->limit, err) < 0 ||
	    bjson_get_int64(o, path, "reservation", OCI_OPT, &m->reservation, err) < 0 ||
	    bjson_get_int64(o, path, "swap", OCI_OPT, &m->swap, err) < 0 ||
	    bjson_get_int64(o, path, "kernel", OCI_OPT, &m->kernel, err) < 0 ||
	    bjson_get_int64(o, path, "kernelTCP", OCI_OPT, &m->kernel_tcp, err) < 0 ||
	    oci_get_u64(o, path, "swappiness", OCI_OPT, &m->swappiness, err) < 0 ||
	    bjson_get_bool(o, path, "disableOOMKiller", OCI_OPT, &m->disable_oom_killer, err) < 0 ||
	    bjson_get_bool(o, path, "useHierarchy", OCI_OPT, &m->use_hierarchy, err) < 0 ||
	    bjson_get_bool(o, path, "checkBeforeUpdate", OCI_OPT, &m->check_before_update, err) < 0)
		return -1;
	return 0;
}

static int parse_cpu(struct oci_pctx *ctx, const json_t *o, const char *path, void *out,
		     berth_error_t **err)
{
	struct oci_cpu *c = out;
	static const char *const known[] = {
		"shares",         "quota", "burst", "period", "realtimeRuntime",
		"realtimePeriod", "cpus",  "mems",  "idle",   NULL
	};
	oci_pctx_check_keys(ctx, o, path, known);
	c->present = true;
	c->has_shares = oci_has(o, "shares");
	c->has_quota = oci_has(o, "quota");
	c->has_burst = oci_has(o, "burst");
	c->has_period = oci_has(o, "period");
	c->has_realtime_runtime = oci_has(o, "realtimeRuntime");
	c->has_realtime_period = oci_has(o, "realtimePeriod");
	c->has_idle = oci_has(o, "idle");
	if (oci_get_u64(o, path, "shares", OCI_OPT, &c->shares, err) < 0 ||
	    bjson_get_int64(o, path, "quota", OCI_OPT, &c->quota, err) < 0 ||
	    oci_get_u64(o, path, "burst", OCI_OPT, &c->burst, err) < 0 ||
	    oci_get_u64(o, path, "period", OCI_OPT, &c->period, err) < 0 ||
	    bjson_get_int64(o, path, "realtimeRuntime", OCI_OPT, &c->realtime_runtime, err) < 0 ||
	    oci_get_u64(o, path, "realtimePeriod", OCI_OPT, &c->realtime_period, err) < 0 ||
	    oci_get_str(o, path, "cpus", OCI_OPT, &c->cpus, err) < 0 ||
	    oci_get_str(o, path, "mems", OCI_OPT, &c->mems, err) < 0 ||
	    bjson_get_int64(o, path, "idle", OCI_OPT, &c->idle, err) < 0)
		return -1;
	return 0;
}

static int parse_weight_device(struct oci_pctx *ctx, const json_t *v, const char *path,
			       const char *key, void *out, berth_error_t **err)
{
	static const char *const known[] = { "major", "minor", "weight", "leafWeight", NULL };
	struct oci_weight_device *w = out;
	oci_pctx_check_keys(ctx, v, path, known);
	w->has_weight = oci_has(v, "weight");
	w->has_leaf_weight = oci_has(v, "leafWeight");
	if (bjson_get_int64(v, path, "major", OCI_REQ, &w->major, err) < 0 ||
	    bjson_get_int64(v, path, "minor", OCI_REQ, &w->minor, err) < 0 ||
	    oci_get_u16(v, path, "weight", OCI_OPT, &w->weight, err) < 0 ||
	    oci_get_u16(v, path, "leafWeight", OCI_OPT, &w->leaf_weight, err) < 0)
		return -1;
	return 0;
}

static int parse_throttle(struct oci_pctx *ctx, const json_t *v, const char *path, const char *key,
			  void *out, berth_error_t **err)
{
	static const char *const known[] = { "major", "minor", "rate", NULL };
	struct oci_throttle_device *t = out;
	oci_pctx_check_keys(ctx, v, path, known);
	if (bjson_get_int64(v, path, "major", OCI_REQ, &t->major, err) < 0 ||
	    bjson_get_int64(v, path, "minor", OCI_REQ, &t->minor, err) < 0 ||
	    oci_get_u64(v, path, "rate", OCI_REQ, &t->rate, err) < 0)
		return -1;
	return 0;
}

static int get_throttle(struct oci_pctx *ctx, const json_t *o, const char *path, const char *key,
			struct oci_throttle_device **ret, size_t *ret_n, berth_error_t **err)
{
	void *arr = NULL;
	if (oci_get_objarray(ctx, o, path, key, sizeof(struct oci_throttle_device), parse_throttle,
			     NULL, &arr, ret_n, err) < 0)
		return -1;
	*ret = arr;
	return 0;
}

static int parse_blockio(struct oci_pctx *ctx, const json_t *o, const char *path, void *out,
			 berth_error_t **err)
{
	struct oci_blockio *b = out;
	static const char *const known[] = { "weight",
					     "leafWeight",
					     "weightDevice",
					     "throttleReadBpsDevice",
					     "throttleWriteBpsDevice",
					     "throttleReadIOPSDevice",
					     "throttleWriteIOPSDevice",
					     NULL };
	oci_pctx_check_keys(ctx, o, path, known);
	b->present = true;
	b->has_weight = oci_has(o, "weight");
	b->has_leaf_weight = oci_has(o, "leafWeight");
	void *wd = NULL;
	if (oci_get_u16(o, path, "weight", OCI_OPT, &b->weight, err) < 0 ||
	    oci_get_u16(o, path, "leafWeight", OCI_OPT, &b->leaf_weight, err) < 0 ||
	    oci_get_objarray(ctx, o, path, "weightDevice", sizeof(struct oci_weight_device),
			     parse_weight_device, NULL, &wd, &b->n_weight_devices, err) < 0)
		return -1;
	b->weight_devices = wd;
	if (get_throttle(ctx, o, path, "throttleReadBpsDevice", &b->throttle_read_bps,
			 &b->n_throttle_read_bps, err) < 0 ||
	    get_throttle(ctx, o, path, "throttleWriteBpsDevice", &b->throttle_write_bps,
			 &b->n_throttle_write_bps, err) < 0 ||
	    get_throttle(ctx, o, path, "throttleReadIOPSDevice", &b->throttle_read_iops,
			 &b->n_throttle_read_iops, err) < 0 ||
	    get_throttle(ctx, o, path, "throttleWriteIOPSDevice", &b->throttle_write_iops,
			 &b->n_throttle_write_iops, err) < 0)
		return -1;
	return 0;
}

static int parse_hugepage(struct oci_pctx *ctx, const json_t *v, const char *path, const char *key,
			  void *out, berth_error_t **err)
{
	static const char *const known[] = { "pageSize", "limit", NULL };
	struct oci_hugepage_limit *h = out;
	oci_pctx_check_keys(ctx, v, path, known);
	if (oci_get_str(v, path, "pageSize", OCI_REQ, &h->page_size, err) < 0 ||
	    oci_get_u64(v, path, "limit", OCI_REQ, &h->limit, err) < 0)
		return -1;
	return 0;
}

static void hugepage_release(void *elem)
{
	free(((struct oci_hugepage_limit *)elem)->page_size);
}

static int parse_net_priority(struct oci_pctx *ctx, const json_t *v, const char *path,
			      const char *key, void *out, berth_error_t **err)
{
	static const char *const known[] = { "name", "priority", NULL };
	struct oci_net_priority *p = out;
	oci_pctx_check_keys(ctx, v, path, known);
	if (oci_get_str(v, path, "name", OCI_REQ, &p->name, err) < 0 ||
	    bjson_get_uint32(v, path, "priority", OCI_REQ, &p->priority, err) < 0)
		return -1;
	return 0;
}

static void net_priority_release(void *elem)
{
	free(((struct oci_net_priority *)elem)->name);
}

static int parse_rdma(struct oci_pctx *ctx, const json_t *v, const char *path, const char *key,
		      void *out, berth_error_t **err)
{
	static const char *const known[] = { "hcaHandles", "hcaObjects", NULL };
	struct oci_rdma_limit *r = out;
	oci_pctx_check_keys(ctx, v, path, known);
	r->device = xstrdup(key);
	r->has_hca_handles = oci_has(v, "hcaHandles");
	r->has_hca_objects = oci_has(v, "hcaObjects");
	if (bjson_get_uint32(v, path, "hcaHandles", OCI_OPT, &r->hca_handles, err) < 0 ||
	    bjson_get_uint32(v, path, "hcaObjects", OCI_OPT, &r->hca_objects, err) < 0)
		return -1;
	return 0;
}

static void rdma_release(void *elem)
{
	free(((struct oci_rdma_limit *)elem)->device);
}

static int parse_network(struct oci_pctx *ctx, const json_t *o, const char *path, void *out,
			 berth_error_t **err)
{
	struct oci_resources *r = out;
	static const char *const known[] = { "classID", "priorities", NULL };
	oci_pctx_check_keys(ctx, o, path, known);
	r->has_net_class_id = oci_has(o, "classID");
	void *prio = NULL;
	if (bjson_get_uint32(o, path, "classID", OCI_OPT, &r->net_class_id, err) < 0 ||
	    oci_get_objarray(ctx, o, path, "priorities", sizeof(struct oci_net_priority),
			     parse_net_priority, net_priority_release, &prio, &r->n_net_priorities,
			     err) < 0)
		return -1;
	r->net_priorities = prio;
	return 0;
}

static int parse_pids(struct oci_pctx *ctx, const json_t *o, const char *path, void *out,
		      berth_error_t **err)
{
	struct oci_resources *r = out;
	static const char *const known[] = { "limit", NULL };
	oci_pctx_check_keys(ctx, o, path, known);
	r->has_pids_limit = true;
	return bjson_get_int64(o, path, "limit", OCI_REQ, &r->pids_limit, err);
}

/* Parse obj[key] with fn when it is an object */
typedef int (*section_fn)(struct oci_pctx *ctx, const json_t *o, const char *path, void *out,
			  berth_error_t **err);

static int section(struct oci_pctx *ctx, const json_t *obj, const char *where, const char *key,
		   section_fn fn, void *out, berth_error_t **err)
{
	json_t *o = NULL;
	if (bjson_get_object(obj, where, key, OCI_OPT, &o, err) < 0)
		return -1;
	if (o == NULL)
		return 0;
	cleanup_free char *path = bjson_path_key(where, key);
	return fn(ctx, o, path, out, err);
}

static int parse_sections(struct oci_pctx *ctx, const json_t *obj, const char *where,
			  struct oci_resources *r, berth_error_t **err)
{
	if (section(ctx, obj, where, "memory", parse_memory, &r->memory, err) < 0 ||
	    section(ctx, obj, where, "cpu", parse_cpu, &r->cpu, err) < 0 ||
	    section(ctx, obj, where, "pids", parse_pids, r, err) < 0 ||
	    section(ctx, obj, where, "blockIO", parse_blockio, &r->blockio, err) < 0 ||
	    section(ctx, obj, where, "network", parse_network, r, err) < 0)
		return -1;
	return 0;
}

int oci_resources_parse(struct oci_pctx *ctx, const json_t *obj, const char *where,
			struct oci_resources *r, berth_error_t **err)
{
	static const char *const known[] = { "devices", "memory",  "cpu",
					     "pids",    "blockIO", "hugepageLimits",
					     "network", "rdma",    "unified",
					     NULL };
	memset(r, 0, sizeof(*r));
	if (!json_is_object(obj))
		return berth_error_fail(err, EINVAL, "%s: expected an object, got %s", where,
					bjson_type_name(obj));
	oci_pctx_check_keys(ctx, obj, where, known);
	r->present = true;
	void *dev = NULL, *huge = NULL, *rdma = NULL;
	int rc = oci_get_objarray(ctx, obj, where, "devices", sizeof(struct oci_device_rule),
				  parse_device_rule, device_rule_release, &dev, &r->n_devices, err);
	r->devices = dev;
	if (rc < 0 || parse_sections(ctx, obj, where, r, err) < 0 ||
	    oci_get_objarray(ctx, obj, where, "hugepageLimits", sizeof(struct oci_hugepage_limit),
			     parse_hugepage, hugepage_release, &huge, &r->n_hugepage_limits,
			     err) < 0)
		return -1;
	r->hugepage_limits = huge;
	if (oci_get_map(ctx, obj, where, "rdma", sizeof(struct oci_rdma_limit), parse_rdma,
			rdma_release, &rdma, &r->n_rdma, err) < 0)
		return -1;
	r->rdma = rdma;
	return oci_get_kv(ctx, obj, where, "unified", &r->unified, &r->n_unified, err);
}

void oci_resources_release(struct oci_resources *r)
{
	if (r == NULL)
		return;
	oci_array_free(r->devices, r->n_devices, sizeof(*r->devices), device_rule_release);
	free(r->cpu.cpus);
	free(r->cpu.mems);
	free(r->blockio.weight_devices);
	free(r->blockio.throttle_read_bps);
	free(r->blockio.throttle_write_bps);
	free(r->blockio.throttle_read_iops);
	free(r->blockio.throttle_write_iops);
	oci_array_free(r->hugepage_limits, r->n_hugepage_limits, sizeof(*r->hugepage_limits),
		       hugepage_release);
	oci_array_free(r->net_priorities, r->n_net_priorities, sizeof(*r->net_priorities),
		       net_priority_release);
	oci_array_free(r->rdma, r->n_rdma, sizeof(*r->rdma), rdma_release);
	oci_kv_free(r->unified, r->n_unified);
	memset(r, 0, sizeof(*r));
}

int oci_resources_from_json(const json_t *obj, const char *where, struct oci_resources *ret,
			    berth_error_t **err)
{
	struct oci_resources r;
	if (where == NULL || *where == '\0')
		where = "resources";
	if (oci_resources_parse(NULL, obj, where, &r, err) < 0 ||
	    oci_resources_validate(&r, where, err) < 0) {
		oci_resources_release(&r);
		return -1;
	}
	*ret = r;
	return 0;
}

/* ---- validation ------------------------------------------------------- */

static int validate_device_rules(const struct oci_resources *r, const char *where,
				 berth_error_t **err)
{
	for (size_t i = 0; i < r->n_devices; i++) {
		const struct oci_device_rule *d = &r->devices[i];
		if (strchr("acb", d->type) == NULL || d->type == '\0')
			return berth_error_fail(err, EINVAL,
						"%s.devices[%zu].type: unknown device "
						"type '%c'",
						where, i, d->type);
		if (d->access && d->access[strspn(d->access, "rwm")] != '\0')
			return berth_error_fail(err, EINVAL,
						"%s.devices[%zu].access: '%.*s' is not a subset of "
						"'rwm'",
						where, i, OCI_QUOTE_MAX, d->access);
	}
	return 0;
}

static int validate_blockio(const struct oci_blockio *b, const char *where, berth_error_t **err)
{
	for (size_t i = 0; i < b->n_weight_devices; i++) {
		const struct oci_weight_device *w = &b->weight_devices[i];
		if (!w->has_weight && !w->has_leaf_weight)
			return berth_error_fail(err, EINVAL,
						"%s.blockIO.weightDevice[%zu]: needs 'weight' or "
						"'leafWeight'",
						where, i);
	}
	return 0;
}

int oci_resources_validate(const struct oci_resources *r, const char *where, berth_error_t **err)
{
	if (!r->present)
		return 0;
	if (validate_device_rules(r, where, err) < 0 ||
	    validate_blockio(&r->blockio, where, err) < 0)
		return -1;
	if (r->memory.has_swappiness && r->memory.swappiness > 100)
		return berth_error_fail(err, EINVAL,
					"%s.memory.swappiness: %llu is out of range [0, 100]",
					where, (unsigned long long)r->memory.swappiness);
	/* config-linux.md: burst MUST be no larger than a positive quota */
	if (r->cpu.has_burst && r->cpu.has_quota && r->cpu.quota > 0 &&
	    r->cpu.burst > (uint64_t)r->cpu.quota)
		return berth_error_fail(err, EINVAL, "%s.cpu.burst: %llu is larger than quota %lld",
					where, (unsigned long long)r->cpu.burst,
					(long long)r->cpu.quota);
	for (size_t i = 0; i < r->n_rdma; i++)
		if (!r->rdma[i].has_hca_handles && !r->rdma[i].has_hca_objects)
			return berth_error_fail(err, EINVAL,
						"%s.rdma.%.*s: needs 'hcaHandles' or 'hcaObjects'",
						where, OCI_QUOTE_MAX, r->rdma[i].device);
	return 0;
}
