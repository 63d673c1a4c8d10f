/* cgroup-v1: the legacy back-end, hybrid hosts included.  The container's
 * directory exists in every mounted v1 hierarchy (named ones like
 * name=systemd too, as runc joins them) and, on hybrid hosts, in the cgroup2
 * mount as well, so controllers that live only there (hugetlb here) and
 * `unified` keys work.  Invariant: only the leaf directory and what is below
 * it are ours, and berth-runtime's own parent /berth, which goes with its
 * last container (cg_rmdir_owned_parents); other parents are never removed. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/banned.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/parse.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "runtime/cgroup-internal.h"

struct cg1_hier {
	struct cg_mount m;
	char *dir; /* m.mnt + cg->path */
};

struct cg1_priv {
	struct cg1_hier *h;
	size_t n;
	bool has_unified;
	struct cg_mount unified; /* the cgroup2 mount of a hybrid host */
	char *udir;              /* NULL when absent or unusable */
};

int cg1_init(struct cgroup *cg, berth_error_t **err)
{
	struct cg_mount *m = NULL;
	size_t n = 0;
	if (cg_mounts_read(&m, &n, err) < 0)
		return -1;
	struct cg1_priv *p = xzalloc(sizeof(*p));
	p->h = xcalloc(n ? n : 1, sizeof(*p->h));
	for (size_t i = 0; i < n; i++) {
		if (m[i].v2) {
			if (!p->has_unified) {
				p->has_unified = true;
				p->unified = m[i];
				p->udir = cg_mount_dir(&m[i], cg->path);
				m[i] = (struct cg_mount){ 0 };
			}
			continue;
		}
		if (m[i].controllers[0] == '\0')
			continue;
		p->h[p->n].m = m[i];
		p->h[p->n].dir = cg_mount_dir(&m[i], cg->path);
		m[i] = (struct cg_mount){ 0 };
		p->n++;
	}
	cg_mounts_free(m, n);
	cg->priv = p;
	return 0;
}

void cg1_release(struct cgroup *cg)
{
	struct cg1_priv *p = cg->priv;
	for (size_t i = 0; i < p->n; i++) {
		cg_mount_release(&p->h[i].m);
		free(p->h[i].dir);
	}
	free(p->h);
	if (p->has_unified)
		cg_mount_release(&p->unified);
	free(p->udir);
	free(p);
	cg->priv = NULL;
}

/* The directory of the container in the hierarchy of ctrl, or NULL */
static const char *dir_of(struct cgroup *cg, const char *ctrl)
{
	struct cg1_priv *p = cg->priv;
	for (size_t i = 0; i < p->n; i++)
		if (cg_list_has(p->h[i].m.controllers, ctrl))
			return p->h[i].dir;
	return NULL;
}

/* Whether the hybrid cgroup2 mount offers ctrl */
static bool unified_has(struct cgroup *cg, const char *ctrl)
{
	struct cg1_priv *p = cg->priv;
	if (p->udir == NULL)
		return false;
	cleanup_free char *root = cg_mount_dir(&p->unified, "/");
	return cg2_has_controller(root, ctrl);
}

/* ---- create / enter ------------------------------------------------------ */

/* Whether a cpuset file's content is empty (new cgroups start so) */
static bool cpuset_empty(const char *v)
{
	return v[strspn(v, " \n")] == '\0';
}

/* A new v1 cpuset starts with empty cpus and mems, and a task cannot join
 * it until both are set: copy them from the parent.  With keep_set, a
 * value dir already has stays (a level that existed may have been narrowed
 * by an administrator).  Returns 1 when dir has both now, 0 when a parent
 * value was empty too (its own parent must be copied first). */
static int cpuset_copy(const char *parent, const char *dir, bool keep_set, berth_error_t **err)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	int ret = 1;
	for (size_t i = 0; i < 2; i++) {
		cleanup_free char *cur = NULL, *up = NULL;
		if (keep_set) {
			if (cg_read(dir, files[i], &cur, err) < 0)
				return -1;
			if (!cpuset_empty(cur))
				continue;
		}
		if (cg_read(parent, files[i], &up, err) < 0)
			return -1;
		up[strcspn(up, "\n")] = '\0';
		if (cpuset_empty(up))
			ret = 0;
		else if (cg_write(dir, files[i], up, err) < 0)
			return -1;
	}
	return ret;
}

/* One level of the walk: a level made now has nothing to keep */
static int cpuset_init_level(const char *parent, const char *dir, bool created, berth_error_t **err)
{
	return cpuset_copy(parent, dir, !created, err) < 0 ? -1 : 0;
}

/* The common case first: the parents exist (every container after the
 * first one), so one mkdir of the leaf does it; its parent's cpuset must
 * be filled in, or the walk over every level runs as for a new tree */
static bool mkdir_leaf(const struct cg_mount *m, const char *path, const char *dir, bool cpuset)
{
	if (mkdir(dir, 0755) < 0)
		return false;
	if (!cpuset)
		return true;
	const char *slash = strrchr(path, '/');
	if (slash == NULL || slash == path)
		return false;
	cleanup_free char *ppath = xstrndup(path, (size_t)(slash - path));
	cleanup_free char *parent = cg_mount_dir(m, ppath);
	return cpuset_copy(parent, dir, false, NULL) == 1;
}

static int v1_create(struct cgroup *cg, berth_error_t **err)
{
	struct cg1_priv *p = cg->priv;
	for (size_t i = 0; i < p->n; i++) {
		bool cpuset = cg_list_has(p->h[i].m.controllers, "cpuset");
		if (mkdir_leaf(&p->h[i].m, cg->path, p->h[i].dir, cpuset))
			continue;
		if (cg_mkdir_levels(&p->h[i].m, cg->path, cpuset ? cpuset_init_level : NULL, err) <
		    0)
			return berth_error_wrap(err, "create cgroup %s", cg->path);
	}
	if (p->udir) {
		cleanup_error berth_error_t *e = NULL;
		if (cg_mkdir_levels(&p->unified, cg->path, NULL, &e) < 0) {
			/* e.g. a read-only cgroup2 mount: v1 still limits */
			cg_warn(cg, "create cgroup %s in the cgroup2 mount: %s, ignoring", cg->path,
				e->msg);
			free(p->udir);
			p->udir = NULL;
		}
	}
	return 0;
}

static int v1_enter(struct cgroup *cg, pid_t pid, berth_error_t **err)
{
	struct cg1_priv *p = cg->priv;
	for (size_t i = 0; i < p->n; i++)
		if (cg_writef(p->h[i].dir, "cgroup.procs", err, "%d", (int)pid) < 0)
			return -1;
	if (p->udir && cg_exists(p->udir, "cgroup.procs") &&
	    cg_writef(p->udir, "cgroup.procs", err, "%d", (int)pid) < 0)
		return -1;
	return 0;
}

/* "0" in "tasks" moves the writing thread, which is the whole process for
 * our single-threaded clone, without the global lock (see cgroup.h).  The
 * cgroup2 mount of a hybrid host has no such way in a domain cgroup: its
 * cgroup.procs costs the grace period still. */
static int v1_enter_self(struct cgroup *cg, berth_error_t **err)
{
	struct cg1_priv *p = cg->priv;
	for (size_t i = 0; i < p->n; i++)
		if (cg_write(p->h[i].dir, "tasks", "0", err) < 0)
			return -1;
	if (p->udir && cg_exists(p->udir, "cgroup.procs") &&
	    cg_write(p->udir, "cgroup.procs", "0", err) < 0)
		return -1;
	return 0;
}

/* ---- apply --------------------------------------------------------------- */

static const char *need_dir(struct cgroup *cg, const char *ctrl, const char *what)
{
	const char *d = dir_of(cg, ctrl);
	if (d == NULL)
		cg_warn(cg, "the %s controller is not mounted on this host: %s not applied", ctrl,
			what);
	return d;
}

static int write_i64(const char *dir, const char *file, int64_t v, berth_error_t **err)
{
	return cg_writef(dir, file, err, "%" PRId64, v);
}

/* memory.limit_in_bytes must stay <= memory.memsw.limit_in_bytes at every
 * moment, so the order of the two writes depends on whether the limits
 * grow or shrink (runc's setMemoryAndSwap) */
static int v1_memory_limits(struct cgroup *cg, const char *dir, const struct oci_memory *m,
			    berth_error_t **err)
{
	int64_t limit = m->has_limit ? m->limit : 0;
	int64_t swap = m->has_swap ? m->swap : 0;
	bool memsw = cg_exists(dir, "memory.memsw.limit_in_bytes");
	if (limit == -1 && swap == 0 && memsw)
		swap = -1;
	if (swap != 0 && !memsw) {
		if (swap != -1)
			cg_warn(cg,
				"swap accounting is not enabled on this host "
				"(memory.memsw.limit_in_bytes is missing): memory.swap not applied");
		swap = 0;
	}
	if (limit != 0 && swap != 0) {
		uint64_t cur;
		if (cg_read_u64(dir, "memory.limit_in_bytes", &cur, err) < 0)
			return -1;
		if (swap == -1 || cur < (uint64_t)swap) {
			if (write_i64(dir, "memory.memsw.limit_in_bytes", swap, err) < 0 ||
			    write_i64(dir, "memory.limit_in_bytes", limit, err) < 0)
				return -1;
			return 0;
		}
	}
	if (limit != 0 && write_i64(dir, "memory.limit_in_bytes", limit, err) < 0)
		return -1;
	if (swap != 0 && write_i64(dir, "memory.memsw.limit_in_bytes", swap, err) < 0)
		return -1;
	return 0;
}

static int v1_memory(struct cgroup *cg, const struct oci_memory *m, berth_error_t **err)
{
	if (!(m->has_limit || m->has_reservation || m->has_swap || m->has_kernel ||
	      m->has_kernel_tcp || m->has_swappiness || m->has_disable_oom_killer ||
	      m->has_use_hierarchy))
		return 0;
	const char *dir = need_dir(cg, "memory", "memory limits");
	if (dir == NULL)
		return 0;
	if (cg_check_memory_usage(dir, "memory.usage_in_bytes", m, err) < 0)
		return -1;
	if (v1_memory_limits(cg, dir, m, err) < 0)
		return -1;
	if (m->has_reservation && m->reservation != 0 &&
	    write_i64(dir, "memory.soft_limit_in_bytes", m->reservation, err) < 0)
		return -1;
	if (m->has_kernel)
		cg_warn(cg,
			"memory.kernel is deprecated and not supported by the kernel, ignoring");
	if (m->has_kernel_tcp && m->kernel_tcp != 0) {
		if (cg_exists(dir, "memory.kmem.tcp.limit_in_bytes")) {
			if (write_i64(dir, "memory.kmem.tcp.limit_in_bytes", m->kernel_tcp, err) <
			    0)
				return -1;
		} else {
			cg_warn(cg, "memory.kernelTCP is not supported on this host, ignoring");
		}
	}
	if (m->has_swappiness) {
		if (m->swappiness > 100)
			return berth_error_set(err, EINVAL,
					       "memory.swappiness %" PRIu64 " is above 100",
					       m->swappiness);
		if (cg_writef(dir, "memory.swappiness", err, "%" PRIu64, m->swappiness) < 0)
			return -1;
	}
	if (m->has_disable_oom_killer && m->disable_oom_killer &&
	    cg_write(dir, "memory.oom_control", "1", err) < 0)
		return -1;
	if (m->has_use_hierarchy) {
		cleanup_error berth_error_t *e = NULL;
		/* Linux 5.10+ refuses 0: hierarchy is always on */
		if (cg_write(dir, "memory.use_hierarchy", m->use_hierarchy ? "1" : "0", &e) < 0) {
			if (m->use_hierarchy || e->errnum != EINVAL)
				return cg_error_move(err, &e);
			cg_warn(cg, "memory.useHierarchy false is not supported by this kernel, "
				    "ignoring");
		}
	}
	return 0;
}

static int v1_cpu(struct cgroup *cg, const struct oci_cpu *c, berth_error_t **err)
{
	bool any = c->has_shares || c->has_quota || c->has_period || c->has_burst ||
		   c->has_realtime_runtime || c->has_realtime_period || c->has_idle;
	const char *dir = any ? need_dir(cg, "cpu", "cpu limits") : NULL;
	if (dir && c->has_shares && c->shares) {
		uint64_t got;
		if (cg_writef(dir, "cpu.shares", err, "%" PRIu64, c->shares) < 0 ||
		    cg_read_u64(dir, "cpu.shares", &got, err) < 0)
			return -1;
		if (got != c->shares)
			cg_warn(cg,
				"cpu.shares %" PRIu64 " was clamped to %" PRIu64 " by the kernel",
				c->shares, got);
	}
	if (dir) {
		/* A period below the current one can be refused (EINVAL) while
		 * the old quota/new period exceeds the parent's; then the
		 * quota goes first and the period is retried (runc) */
		bool period_pending = false;
		if (c->has_period && c->period) {
			cleanup_error berth_error_t *e = NULL;
			if (cg_writef(dir, "cpu.cfs_period_us", &e, "%" PRIu64, c->period) < 0) {
				if (e->errnum != EINVAL || !c->has_quota || c->quota == 0)
					return cg_error_move(err, &e);
				period_pending = true;
			}
		}
		if (c->has_quota && c->quota != 0 &&
		    write_i64(dir, "cpu.cfs_quota_us", c->quota < 0 ? -1 : c->quota, err) < 0)
			return -1;
		if (period_pending &&
		    cg_writef(dir, "cpu.cfs_period_us", err, "%" PRIu64, c->period) < 0)
			return -1;
		if (c->has_burst) {
			if (!cg_exists(dir, "cpu.cfs_burst_us"))
				cg_warn(cg, "cpu.burst is not supported by this kernel, ignoring");
			else if (cg_writef(dir, "cpu.cfs_burst_us", err, "%" PRIu64, c->burst) < 0)
				return -1;
		}
		if (c->has_realtime_period || c->has_realtime_runtime) {
			if (!cg_exists(dir, "cpu.rt_runtime_us")) {
				cg_warn(cg,
					"realtime scheduling limits are not supported by this kernel "
					"(no CONFIG_RT_GROUP_SCHED), ignoring");
			} else {
				/* the period first: the runtime is checked against it */
				if (c->has_realtime_period && c->realtime_period &&
				    cg_writef(dir, "cpu.rt_period_us", err, "%" PRIu64,
					      c->realtime_period) < 0)
					return -1;
				if (c->has_realtime_runtime &&
				    write_i64(dir, "cpu.rt_runtime_us", c->realtime_runtime, err) <
					    0)
					return -1;
			}
		}
		if (c->has_idle) {
			if (!cg_exists(dir, "cpu.idle"))
				cg_warn(cg, "cpu.idle is not supported by this kernel, ignoring");
			else if (write_i64(dir, "cpu.idle", c->idle, err) < 0)
				return -1;
		}
	}
	if (c->cpus || c->mems) {
		const char *cs = need_dir(cg, "cpuset", "cpu.cpus/mems");
		if (cs && c->cpus && cg_write(cs, "cpuset.cpus", c->cpus, err) < 0)
			return -1;
		if (cs && c->mems && cg_write(cs, "cpuset.mems", c->mems, err) < 0)
			return -1;
	}
	return 0;
}

/* The first of two files that exists (blkio.weight was CFQ's; BFQ names
 * the same knob blkio.bfq.weight) */
static const char *pick(const char *dir, const char *a, const char *b)
{
	if (cg_exists(dir, a))
		return a;
	if (b && cg_exists(dir, b))
		return b;
	return NULL;
}

static int v1_blkio(struct cgroup *cg, const struct oci_blockio *b, berth_error_t **err)
{
	bool any = cg_blockio_any(b);
	const char *dir = any ? need_dir(cg, "blkio", "blockIO limits") : NULL;
	if (dir == NULL)
		return 0;
	const char *wfile = pick(dir, "blkio.weight", "blkio.bfq.weight");
	const char *wdfile = pick(dir, "blkio.weight_device", "blkio.bfq.weight_device");
	const char *lfile = pick(dir, "blkio.leaf_weight", NULL);
	const char *ldfile = pick(dir, "blkio.leaf_weight_device", NULL);
	if (b->has_weight && b->weight) {
		if (wfile == NULL)
			cg_warn(cg, "blockIO.weight needs the CFQ or BFQ I/O scheduler, ignoring");
		else if (cg_writef(dir, wfile, err, "%u", b->weight) < 0)
			return -1;
	}
	if (b->has_leaf_weight && b->leaf_weight) {
		if (lfile == NULL)
			cg_warn(cg, "blockIO.leafWeight is not supported by this kernel, ignoring");
		else if (cg_writef(dir, lfile, err, "%u", b->leaf_weight) < 0)
			return -1;
	}
	for (size_t i = 0; i < b->n_weight_devices; i++) {
		const struct oci_weight_device *d = &b->weight_devices[i];
		if (d->has_weight) {
			if (wdfile == NULL)
				cg_warn(cg, "blockIO.weightDevice is not supported here, ignoring");
			else if (cg_writef(dir, wdfile, err, "%" PRId64 ":%" PRId64 " %u", d->major,
					   d->minor, d->weight) < 0)
				return -1;
		}
		if (d->has_leaf_weight) {
			if (ldfile == NULL)
				cg_warn(cg,
					"blockIO.weightDevice leafWeight is not supported by this "
					"kernel, ignoring");
			else if (cg_writef(dir, ldfile, err, "%" PRId64 ":%" PRId64 " %u", d->major,
					   d->minor, d->leaf_weight) < 0)
				return -1;
		}
	}
	static const char *const files[] = { "blkio.throttle.read_bps_device",
					     "blkio.throttle.write_bps_device",
					     "blkio.throttle.read_iops_device",
					     "blkio.throttle.write_iops_device" };
	const struct oci_throttle_device *lists[CG_THROTTLE_KINDS];
	size_t counts[CG_THROTTLE_KINDS];
	cg_blockio_throttles(b, lists, counts);
	for (size_t k = 0; k < CG_THROTTLE_KINDS; k++)
		for (size_t i = 0; i < counts[k]; i++)
			if (cg_writef(dir, files[k], err, "%" PRId64 ":%" PRId64 " %" PRIu64,
				      lists[k][i].major, lists[k][i].minor, lists[k][i].rate) < 0)
				return -1;
	return 0;
}

static int v1_hugetlb(struct cgroup *cg, const struct oci_resources *r, berth_error_t **err)
{
	struct cg1_priv *p = cg->priv;
	if (r->n_hugepage_limits == 0)
		return 0;
	const char *dir = dir_of(cg, "hugetlb");
	bool v2 = false;
	if (dir == NULL && unified_has(cg, "hugetlb")) {
		if (cg2_enable_controller(&p->unified, cg->path, "hugetlb", err) < 0)
			return -1;
		dir = p->udir;
		v2 = true;
	}
	if (dir == NULL) {
		cg_warn(cg, "the hugetlb controller is not available on this host: hugepageLimits "
			    "not applied");
		return 0;
	}
	return cg_write_hugetlb(cg, dir, v2 ? "max" : "limit_in_bytes", r, err);
}

static int v1_net(struct cgroup *cg, const struct oci_resources *r, berth_error_t **err)
{
	const char *dir;
	if (r->has_net_class_id && (dir = need_dir(cg, "net_cls", "network.classID")) &&
	    cg_writef(dir, "net_cls.classid", err, "%u", r->net_class_id) < 0)
		return -1;
	if (r->n_net_priorities && (dir = need_dir(cg, "net_prio", "network.priorities"))) {
		for (size_t i = 0; i < r->n_net_priorities; i++)
			if (cg_writef(dir, "net_prio.ifpriomap", err, "%s %u",
				      r->net_priorities[i].name, r->net_priorities[i].priority) < 0)
				return -1;
	}
	return 0;
}

static int v1_rdma(struct cgroup *cg, const struct oci_resources *r, berth_error_t **err)
{
	struct cg1_priv *p = cg->priv;
	if (r->n_rdma == 0)
		return 0;
	const char *dir = dir_of(cg, "rdma");
	if (dir == NULL && unified_has(cg, "rdma")) {
		if (cg2_enable_controller(&p->unified, cg->path, "rdma", err) < 0)
			return -1;
		dir = p->udir;
	}
	if (dir == NULL) {
		cg_warn(cg, "the rdma controller is not available on this host: rdma not applied");
		return 0;
	}
	return cg_write_rdma(dir, r, err);
}

static int write_rule(int fd, const char *path, const char *rule, berth_error_t **err)
{
	size_t len = strlen(rule);
	ssize_t n;
	do
		n = write(fd, rule, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return berth_error_set(err, errno, "write '%s' to %s", rule, path);
	if ((size_t)n != len)
		return berth_error_set(err, EIO, "write '%s' to %s: short write", rule, path);
	log_debug("cgroup: wrote '%s' to %s", rule, path);
	return 0;
}

/* Deny everything, then replay the rules in order, as runc does: the
 * kernel's devices.allow/devices.deny take "type major:minor access" with
 * '*' for a wildcard.  A host without the devices controller cannot confine
 * device access at all, which is an error, not a warning (runc agrees). */
static int v1_devices(struct cgroup *cg, const struct oci_resources *r, berth_error_t **err)
{
	if (r->n_devices == 0)
		return 0;
	const char *dir = dir_of(cg, "devices");
	if (dir == NULL)
		return berth_error_set(err, ENOENT,
				       "the devices cgroup controller is not mounted: cannot apply "
				       "linux.resources.devices");
	/* one fd per file for all the rules (a dozen by default), not an
	 * open per rule; the kernel takes one rule per write either way */
	cleanup_free char *deny_path = cg_join(dir, "devices.deny");
	cleanup_free char *allow_path = cg_join(dir, "devices.allow");
	cleanup_close int deny = open(deny_path, O_WRONLY | O_CLOEXEC);
	if (deny < 0)
		return berth_error_set(err, errno, "write 'a' to %s", deny_path);
	if (write_rule(deny, deny_path, "a", err) < 0)
		return -1;
	cleanup_close int allow = -1;
	for (size_t i = 0; i < r->n_devices; i++) {
		const struct oci_device_rule *d = &r->devices[i];
		const char *access = d->access ? d->access : "rwm";
		char type = d->type ? d->type : 'a';
		if (access[0] == '\0' || strspn(access, "rwm") != strlen(access))
			return berth_error_set(err, EINVAL,
					       "linux.resources.devices[%zu]: invalid access '%s'",
					       i, access);
		if (type != 'a' && type != 'c' && type != 'b')
			return berth_error_set(err, EINVAL,
					       "linux.resources.devices[%zu]: invalid type '%c'", i,
					       type);
		char maj[24] = "*", min[24] = "*";
		if (d->has_major && d->major >= 0)
			snprintf(maj, sizeof(maj), "%" PRId64, d->major);
		if (d->has_minor && d->minor >= 0)
			snprintf(min, sizeof(min), "%" PRId64, d->minor);
		char rule[80];
		snprintf(rule, sizeof(rule), "%c %s:%s %s", type, maj, min, access);
		if (d->allow && allow < 0) {
			allow = open(allow_path, O_WRONLY | O_CLOEXEC);
			if (allow < 0)
				return berth_error_set(err, errno, "write '%s' to %s", rule,
						       allow_path);
		}
		if (write_rule(d->allow ? allow : deny, d->allow ? allow_path : deny_path, rule,
			       err) < 0)
			return -1;
	}
	return 0;
}

/* `unified` is cgroup v2's: on a hybrid host a key works when its
 * controller ("hugetlb" of "hugetlb.2MB.max") is in the cgroup2 mount */
static int v1_unified(struct cgroup *cg, const struct oci_resources *r, berth_error_t **err)
{
	struct cg1_priv *p = cg->priv;
	for (size_t i = 0; i < r->n_unified; i++) {
		const char *key = r->unified[i].key;
		if (p->udir == NULL)
			return berth_error_set(
				err, ENOTSUP,
				"linux.resources.unified '%s': this host has cgroup v1 "
				"and no cgroup2 mount",
				key);
		cleanup_free char *ctrl = xstrndup(key, strcspn(key, "."));
		bool core = strcmp(ctrl, "cgroup") == 0;
		if (!core && !unified_has(cg, ctrl))
			return berth_error_set(err, ENOTSUP,
					       "linux.resources.unified '%s': the %s controller is "
					       "not in the cgroup2 mount of this hybrid host",
					       key, ctrl);
		if (!core && cg2_enable_controller(&p->unified, cg->path, ctrl, err) < 0)
			return -1;
		if (cg2_write_unified(p->udir, key, r->unified[i].value, err) < 0)
			return -1;
	}
	return 0;
}

static int v1_apply(struct cgroup *cg, const struct oci_resources *r, berth_error_t **err)
{
	if (v1_devices(cg, r, err) < 0 || v1_memory(cg, &r->memory, err) < 0 ||
	    v1_cpu(cg, &r->cpu, err) < 0)
		return -1;
	if (r->has_pids_limit) {
		const char *dir = need_dir(cg, "pids", "pids.limit");
		if (dir &&
		    (r->pids_limit <= 0 ? cg_write(dir, "pids.max", "max", err) :
					  write_i64(dir, "pids.max", r->pids_limit, err)) < 0)
			return -1;
	}
	if (v1_blkio(cg, &r->blockio, err) < 0 || v1_hugetlb(cg, r, err) < 0 ||
	    v1_net(cg, r, err) < 0 || v1_rdma(cg, r, err) < 0 || v1_unified(cg, r, err) < 0)
		return -1;
	return 0;
}

/* ---- freezer ------------------------------------------------------------- */

static int v1_freeze(struct cgroup *cg, bool frozen, berth_error_t **err)
{
	const char *dir = dir_of(cg, "freezer");
	if (dir == NULL)
		return berth_error_set(err, ENOTSUP,
				       "the freezer cgroup controller is not mounted: cannot %s",
				       frozen ? "pause" : "resume");
	const char *want = frozen ? "FROZEN" : "THAWED";
	/* The v1 freezer reports FREEZING until every task has stopped and
	 * offers no event to wait on (no poll support on freezer.state), so
	 * this re-reads the file, yielding the CPU to the tasks being frozen
	 * in between.  Bounded: a task that never stops (stuck in an
	 * uninterruptible sleep) fails the freeze instead of hanging us.
	 * Writing FROZEN again every so often catches tasks forked
	 * meanwhile, as runc does. */
	for (int i = 0; i < 200000; i++) {
		if (i % 1000 == 0 && cg_write(dir, "freezer.state", want, err) < 0)
			return -1;
		cleanup_free char *s = NULL;
		if (cg_read(dir, "freezer.state", &s, err) < 0)
			return -1;
		s[strcspn(s, "\n")] = '\0';
		if (strcmp(s, want) == 0)
			return 0;
		sched_yield();
	}
	if (frozen)
		cg_write(dir, "freezer.state", "THAWED", NULL);
	return berth_error_set(err, ETIMEDOUT, "%s/freezer.state did not become %s", dir, want);
}

static int v1_is_frozen(struct cgroup *cg, bool *ret, berth_error_t **err)
{
	const char *dir = dir_of(cg, "freezer");
	if (dir == NULL) {
		*ret = false;
		return 0;
	}
	cleanup_free char *s = NULL;
	if (cg_read(dir, "freezer.state", &s, err) < 0)
		return -1;
	*ret = strncmp(s, "FROZEN", 6) == 0;
	return 0;
}

/* ---- pids, kill, stats, oom, destroy -------------------------------------- */

static int v1_pids(struct cgroup *cg, pid_t **ret, size_t *ret_n, berth_error_t **err)
{
	struct cg1_priv *p = cg->priv;
	/* pids, memory and freezer are joined by every task we place; a
	 * named hierarchy may be reorganised by its manager */
	const char *dir = dir_of(cg, "pids");
	if (dir == NULL)
		dir = dir_of(cg, "memory");
	if (dir == NULL)
		dir = dir_of(cg, "freezer");
	if (dir == NULL && p->n)
		dir = p->h[0].dir;
	if (dir == NULL)
		dir = p->udir;
	if (dir == NULL)
		return berth_error_set(err, ENOENT, "no cgroup hierarchy to list processes from");
	return cg_read_pids(dir, ret, ret_n, err);
}

static int v1_kill_all(struct cgroup *cg, int sig, berth_error_t **err)
{
	/* v1 has no cgroup.kill: freeze so that nothing forks between the
	 * listing and the signal, signal everyone, thaw (a frozen task gets
	 * its SIGKILL on thaw) */
	bool can_freeze = dir_of(cg, "freezer") != NULL;
	return cg_kill_frozen(cg, sig, can_freeze, err);
}

static json_t *u64_list(const char *dir, const char *file)
{
	json_t *a = json_array();
	cleanup_free char *s = NULL;
	if (cg_read(dir, file, &s, NULL) < 0)
		return a;
	char *save = NULL;
	for (char *t = strtok_r(s, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
		json_array_append_new(a, cg_json_u64(strtoull(t, NULL, 10)));
	return a;
}

static void stats_cpu(struct cgroup *cg, json_t *data)
{
	const char *acct = dir_of(cg, "cpuacct"), *cpu = dir_of(cg, "cpu");
	json_t *usage = json_object(), *thr = json_object();
	if (acct) {
		uint64_t total = 0, user = 0, sys = 0;
		long hz = sysconf(_SC_CLK_TCK);
		cg_read_u64(acct, "cpuacct.usage", &total, NULL);
		cg_read_keyed(acct, "cpuacct.stat", "user", &user, NULL);
		cg_read_keyed(acct, "cpuacct.stat", "system", &sys, NULL);
		/* cpuacct.stat counts USER_HZ ticks; runc reports ns */
		uint64_t ns = hz > 0 ? 1000000000ull / (uint64_t)hz : 10000000ull;
		json_object_set_new(usage, "total", cg_json_u64(total));
		json_object_set_new(usage, "percpu", u64_list(acct, "cpuacct.usage_percpu"));
		json_object_set_new(usage, "percpu_kernel",
				    u64_list(acct, "cpuacct.usage_percpu_sys"));
		json_object_set_new(usage, "percpu_user",
				    u64_list(acct, "cpuacct.usage_percpu_user"));
		json_object_set_new(usage, "kernel", cg_json_u64(sys * ns));
		json_object_set_new(usage, "user", cg_json_u64(user * ns));
	}
	if (cpu) {
		uint64_t periods = 0, throttled = 0, ttime = 0;
		cg_read_keyed(cpu, "cpu.stat", "nr_periods", &periods, NULL);
		cg_read_keyed(cpu, "cpu.stat", "nr_throttled", &throttled, NULL);
		cg_read_keyed(cpu, "cpu.stat", "throttled_time", &ttime, NULL);
		json_object_set_new(thr, "periods", cg_json_u64(periods));
		json_object_set_new(thr, "throttledPeriods", cg_json_u64(throttled));
		json_object_set_new(thr, "throttledTime", cg_json_u64(ttime));
	}
	json_object_set_new(data, "cpu", json_pack("{s:o,s:o}", "usage", usage, "throttling", thr));
}

/* runc's MemoryEntry from "<prefix>.usage_in_bytes" and friends */
static json_t *mem_entry(const char *dir, const char *prefix)
{
	uint64_t usage = 0, max = 0, limit = 0, fail = 0;
	cleanup_free char *u = xasprintf("%s.usage_in_bytes", prefix);
	cleanup_free char *m = xasprintf("%s.max_usage_in_bytes", prefix);
	cleanup_free char *l = xasprintf("%s.limit_in_bytes", prefix);
	cleanup_free char *f = xasprintf("%s.failcnt", prefix);
	cg_read_u64(dir, u, &usage, NULL);
	cg_read_u64(dir, m, &max, NULL);
	cg_read_u64(dir, l, &limit, NULL);
	cg_read_u64(dir, f, &fail, NULL);
	return json_pack("{s:o,s:o,s:o,s:o}", "limit", cg_json_u64(limit), "usage",
			 cg_json_u64(usage), "max", cg_json_u64(max), "failcnt", cg_json_u64(fail));
}

static void stats_memory(struct cgroup *cg, json_t *data)
{
	const char *dir = dir_of(cg, "memory");
	if (dir == NULL)
		return;
	json_t *raw = cg_stat_raw(dir, "memory.stat");
	json_t *cache = json_object_get(raw, "cache");
	json_t *mem = json_pack("{s:o,s:o,s:o,s:o,s:o}", "cache",
				cache ? json_incref(cache) : json_integer(0), "usage",
				mem_entry(dir, "memory"), "swap", mem_entry(dir, "memory.memsw"),
				"kernel", mem_entry(dir, "memory.kmem"), "kernelTCP",
				mem_entry(dir, "memory.kmem.tcp"));
	json_object_set_new(mem, "raw", raw);
	json_object_set_new(data, "memory", mem);
}

/* "8:0 Read 4096" lines as runc's BlkioStatEntry list */
static json_t *blkio_entries(const char *dir, const char *file)
{
	json_t *a = json_array();
	cleanup_free char *s = NULL;
	if (cg_read(dir, file, &s, NULL) < 0)
		return a;
	char *save = NULL;
	for (char *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *save2 = NULL;
		char *dev = strtok_r(l, " ", &save2);
		char *op = strtok_r(NULL, " ", &save2);
		char *val = strtok_r(NULL, " ", &save2);
		unsigned maj, min;
		uint64_t v;
		/* "Total 4096" lines have no device: skip them */
		if (dev == NULL || op == NULL || val == NULL ||
		    cg_parse_devnum(dev, &maj, &min) < 0 || parse_uint64(val, 10, &v, NULL) < 0)
			continue;
		json_array_append_new(a, json_pack("{s:i,s:i,s:s,s:o}", "major", maj, "minor", min,
						   "op", op, "value", cg_json_u64(v)));
	}
	return a;
}

static void stats_blkio(struct cgroup *cg, json_t *data)
{
	const char *dir = dir_of(cg, "blkio");
	if (dir == NULL)
		return;
	/* The throttle files count I/O under every scheduler; CFQ/BFQ ones
	 * only under theirs */
	json_object_set_new(data, "blkio",
			    json_pack("{s:o,s:o}", "ioServiceBytesRecursive",
				      blkio_entries(dir,
						    "blkio.throttle.io_service_bytes_recursive"),
				      "ioServicedRecursive",
				      blkio_entries(dir, "blkio.throttle.io_serviced_recursive")));
}

static void stats_hugetlb(struct cgroup *cg, json_t *data)
{
	struct cg1_priv *p = cg->priv;
	const char *dir = dir_of(cg, "hugetlb");
	if (dir == NULL) {
		if (p->udir && unified_has(cg, "hugetlb"))
			cg2_stats_hugetlb(p->udir, data);
		return;
	}
	static const char *const sizes[] = { "64KB", "2MB", "32MB", "512MB", "1GB", "16GB" };
	json_t *h = json_object();
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		cleanup_free char *pre = xasprintf("hugetlb.%s", sizes[i]);
		cleanup_free char *u = xasprintf("%s.usage_in_bytes", pre);
		if (!cg_exists(dir, u))
			continue;
		json_t *e = mem_entry(dir, pre);
		json_object_del(e, "limit");
		json_object_set_new(h, sizes[i], e);
	}
	json_object_set_new(data, "hugetlb", h);
}

static int v1_stats(struct cgroup *cg, json_t **ret, berth_error_t **err)
{
	json_t *data = json_object();
	stats_cpu(cg, data);
	stats_memory(cg, data);
	const char *pids = dir_of(cg, "pids");
	if (pids)
		cg_stats_pids(pids, data);
	stats_blkio(cg, data);
	stats_hugetlb(cg, data);
	*ret = data;
	return 0;
}

static int v1_oom_count(struct cgroup *cg, uint64_t *ret, berth_error_t **err)
{
	const char *dir = dir_of(cg, "memory");
	uint64_t v = 0;
	if (dir) {
		int r = cg_read_keyed(dir, "memory.oom_control", "oom_kill", &v, err);
		if (r == -ENOENT && !cg_exists(dir, "memory.oom_control"))
			return -1;
		if (r < 0 && r != -ENOENT)
			return -1;
		if (r == -ENOENT && err) /* kernels before 4.13 lack the line */
			berth_error_release(err);
	}
	*ret = v;
	return 0;
}

static int v1_destroy(struct cgroup *cg, berth_error_t **err)
{
	struct cg1_priv *p = cg->priv;
	/* Stop at the first failure: it is a task still in the cgroup, which
	 * is in every hierarchy, and a retry finds the removed ones gone */
	for (size_t i = 0; i < p->n; i++)
		if (cg_rmdir_tree(p->h[i].dir, err) < 0)
			return -1;
	if (p->udir && cg_rmdir_tree(p->udir, err) < 0)
		return -1;
	for (size_t i = 0; i < p->n; i++)
		cg_rmdir_owned_parents(&p->h[i].m, cg->path);
	if (p->has_unified)
		cg_rmdir_owned_parents(&p->unified, cg->path);
	return 0;
}

const struct cgroup_ops cgroup_v1_ops = {
	.name = "v1",
	.create = v1_create,
	.enter = v1_enter,
	.apply = v1_apply,
	.freeze = v1_freeze,
	.is_frozen = v1_is_frozen,
	.pids = v1_pids,
	.kill_all = v1_kill_all,
	.stats = v1_stats,
	.oom_count = v1_oom_count,
	.destroy = v1_destroy,
	.enter_self = v1_enter_self,
};
