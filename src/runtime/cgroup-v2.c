/* cgroup-v2: the unified-hierarchy back-end, and the cgroup2 pieces the v1
 * back-end reuses for the unified mount of hybrid hosts.  Invariant: the
 * container's directory is the one leaf we create and remove; controllers
 * are enabled in the subtree_control of its ancestors, never of the leaf,
 * so the leaf may hold processes ("no internal processes" rule).
 * OCI values are mapped to v2 files with runc's conversions. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/banned.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "runtime/cgroup-bpf-dev.h"
#include "runtime/cgroup-internal.h"

struct cg2_priv {
	struct cg_mount mnt; /* the cgroup2 mount */
	char *dir;           /* mnt + cg->path */
};

/* ---- conversions (pure) ------------------------------------------------- */

/* runc's ConvertCPUSharesToCgroupV2Value: [2, 262144] onto [1, 10000] */
uint64_t cg2_cpu_weight_from_shares(uint64_t shares)
{
	if (shares == 0)
		return 0;
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

/* runc's ConvertBlkIOToIOWeightValue: [10, 1000] onto [1, 10000] */
uint64_t cg2_io_weight_from_blkio(uint64_t weight)
{
	if (weight == 0)
		return 0;
	if (weight < 10)
		weight = 10;
	if (weight > 1000)
		weight = 1000;
	return 1 + (weight - 10) * 9999 / 990;
}

/* runc's ConvertMemorySwapToCgroupV2Value: OCI swap is memory+swap, v2's
 * memory.swap.max is swap alone */
int cg2_swap_value(bool has_swap, int64_t swap, bool has_limit, int64_t limit, int64_t *ret,
		   bool *ret_set, berth_error_t **err)
{
	int64_t mem = has_limit ? limit : 0;
	int64_t sw = has_swap ? swap : 0;
	/* as v1 does: unlimited memory without a swap value means both
	 * unlimited */
	if (mem == -1 && sw == 0) {
		*ret = -1;
		*ret_set = true;
		return 0;
	}
	if (sw == 0) {
		*ret_set = false;
		return 0;
	}
	if (sw == -1) {
		*ret = -1;
		*ret_set = true;
		return 0;
	}
	if (mem == 0 || mem == -1)
		return berth_error_set(err, EINVAL,
				       "memory.swap %" PRId64 ": a swap limit needs a memory limit",
				       sw);
	if (mem < 0 || sw < 0)
		return berth_error_set(err, EINVAL, "invalid memory %" PRId64 " or swap %" PRId64,
				       mem, sw);
	if (sw < mem)
		return berth_error_set(err, EINVAL,
				       "memory.swap %" PRId64 " is below memory.limit %" PRId64
				       " (swap is memory+swap)",
				       sw, mem);
	*ret = sw - mem;
	*ret_set = true;
	return 0;
}

int cg2_limit_value(const char *what, int64_t v, char buf[CG2_VALUE_MAX], berth_error_t **err)
{
	if (v == 0)
		return 0;
	if (v < -1)
		return berth_error_fail(err, EINVAL, "%s %" PRId64 " is invalid (-1 is unlimited)",
					what, v);
	if (v == -1)
		snprintf(buf, CG2_VALUE_MAX, "max");
	else
		snprintf(buf, CG2_VALUE_MAX, "%" PRId64, v);
	return 1;
}

int cg2_cpu_max(const struct oci_cpu *c, char buf[CG2_VALUE_MAX])
{
	bool quota = c->has_quota && c->quota != 0;
	bool period = c->has_period && c->period != 0;
	if (!quota && !period)
		return 0;
	int n = quota && c->quota > 0 ? snprintf(buf, CG2_VALUE_MAX, "%" PRId64, c->quota) :
					snprintf(buf, CG2_VALUE_MAX, "max");
	if (period)
		snprintf(buf + n, CG2_VALUE_MAX - (size_t)n, " %" PRIu64, c->period);
	return 1;
}

/* ---- shared cgroup2 helpers --------------------------------------------- */

/* Whether the space-separated list in dir/file holds word */
static bool file_has_word(const char *dir, const char *file, const char *word)
{
	cleanup_free char *s = NULL;
	if (cg_read(dir, file, &s, NULL) < 0)
		return false;
	char *save = NULL;
	for (char *t = strtok_r(s, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
		if (strcmp(t, word) == 0)
			return true;
	return false;
}

bool cg2_has_controller(const char *dir, const char *ctrl)
{
	return file_has_word(dir, "cgroup.controllers", ctrl);
}

int cg2_enable_controller(const struct cg_mount *m, const char *path, const char *ctrl,
			  berth_error_t **err)
{
	/* Walk from the root to the leaf's parent: "/a/b/c" enables in the
	 * root, /a and /a/b */
	cleanup_free char *p = xstrdup(path);
	size_t len = strlen(p);
	for (size_t i = 0; i <= len; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		if (i == len)
			break; /* the leaf itself */
		char saved = p[i];
		p[i] = '\0';
		cleanup_free char *dir = cg_mount_dir(m, i == 0 ? "/" : p);
		p[i] = saved;
		if (file_has_word(dir, "cgroup.subtree_control", ctrl))
			continue;
		if (cg_writef(dir, "cgroup.subtree_control", err, "+%s", ctrl) < 0)
			return -1;
	}
	return 0;
}

int cg2_write_unified(const char *dir, const char *key, const char *value, berth_error_t **err)
{
	if (key[0] == '\0' || key[0] == '.' || strchr(key, '/') || strstr(key, ".."))
		return berth_error_set(err, EINVAL, "linux.resources.unified: invalid key '%s'",
				       key);
	return cg_write(dir, key, value, err);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* cgroup.events signals every change with POLLPRI (kernfs_notify), so we
 * re-read it after each wake-up instead of sleeping */
int cg2_wait_event(const char *dir, const char *key, uint64_t value, berth_error_t **err)
{
	cleanup_free char *p = cg_join(dir, "cgroup.events");
	cleanup_close int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_set(err, errno, "open %s", p);
	int64_t deadline = now_ms() + CG_WAIT_MS;
	size_t kl = strlen(key);
	for (;;) {
		char buf[512];
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berth_error_set(err, errno, "read %s", p);
		buf[n] = '\0';
		for (char *l = buf; l && *l;) {
			char *nl = strchr(l, '\n');
			if (nl)
				*nl = '\0';
			if (strncmp(l, key, kl) == 0 && l[kl] == ' ' &&
			    strtoull(l + kl + 1, NULL, 10) == value)
				return 0;
			l = nl ? nl + 1 : NULL;
		}
		int64_t left = deadline - now_ms();
		if (left <= 0)
			return berth_error_set(err, ETIMEDOUT, "wait for '%s %" PRIu64 "' in %s",
					       key, value, p);
		struct pollfd pfd = { .fd = fd, .events = POLLPRI };
		int r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno != EINTR)
			return berth_error_set(err, errno, "poll %s", p);
	}
}

void cg2_stats_hugetlb(const char *dir, json_t *data)
{
	static const char *const sizes[] = { "64KB", "2MB", "32MB", "512MB", "1GB", "16GB" };
	json_t *h = json_object();
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		cleanup_free char *cur = xasprintf("hugetlb.%s.current", sizes[i]);
		cleanup_free char *max = xasprintf("hugetlb.%s.max", sizes[i]);
		cleanup_free char *ev = xasprintf("hugetlb.%s.events", sizes[i]);
		uint64_t usage = 0, fail = 0;
		if (cg_read_u64(dir, cur, &usage, NULL) < 0)
			continue;
		cg_read_keyed(dir, ev, "max", &fail, NULL);
		/* v2 keeps no peak: runc reports usage as max too */
		json_object_set_new(h, sizes[i],
				    json_pack("{s:o,s:o,s:o}", "usage", cg_json_u64(usage), "max",
					      cg_json_u64(usage), "failcnt", cg_json_u64(fail)));
	}
	json_object_set_new(data, "hugetlb", h);
}

/* ---- back-end ------------------------------------------------------------ */

int cg2_init(struct cgroup *cg, berth_error_t **err)
{
	struct cg_mount *m = NULL;
	size_t n = 0;
	if (cg_mounts_read(&m, &n, err) < 0)
		return -1;
	ssize_t pick = -1;
	for (size_t i = 0; i < n; i++) {
		if (!m[i].v2)
			continue;
		if (pick < 0 || strcmp(m[i].mnt, "/sys/fs/cgroup") == 0)
			pick = (ssize_t)i;
	}
	if (pick < 0) {
		cg_mounts_free(m, n);
		return berth_error_set(err, ENOENT, "no cgroup2 mount in /proc/self/mountinfo");
	}
	struct cg2_priv *p = xzalloc(sizeof(*p));
	p->mnt = m[pick];
	m[pick] = (struct cg_mount){ 0 };
	cg_mounts_free(m, n);
	p->dir = cg_mount_dir(&p->mnt, cg->path);
	cg->priv = p;
	return 0;
}

void cg2_release(struct cgroup *cg)
{
	struct cg2_priv *p = cg->priv;
	cg_mount_release(&p->mnt);
	free(p->dir);
	free(p);
	cg->priv = NULL;
}

static int v2_create(struct cgroup *cg, berth_error_t **err)
{
	static const char *const wanted[] = { "cpuset", "cpu",     "io",   "memory",
					      "pids",   "hugetlb", "rdma", "misc" };
	struct cg2_priv *p = cg->priv;
	cleanup_free char *rootdir = cg_mount_dir(&p->mnt, "/");
	for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
		if (!cg2_has_controller(rootdir, wanted[i]))
			continue;
		cleanup_error berth_error_t *e = NULL;
		if (cg2_enable_controller(&p->mnt, cg->path, wanted[i], &e) < 0)
			cg_warn(cg, "enable the %s controller: %s, ignoring", wanted[i], e->msg);
	}
	if (cg_mkdir_levels(&p->mnt, cg->path, NULL, err) < 0)
		return berth_error_wrap(err, "create cgroup %s", cg->path);
	return 0;
}

static int v2_enter(struct cgroup *cg, pid_t pid, berth_error_t **err)
{
	struct cg2_priv *p = cg->priv;
	return cg_writef(p->dir, "cgroup.procs", err, "%d", (int)pid);
}

/* Settings of a controller the cgroup lacks are warnings, not errors: the
 * host (or the delegation) decides what exists */
static bool want_controller(struct cgroup *cg, const char *ctrl, const char *what)
{
	struct cg2_priv *p = cg->priv;
	if (cg2_has_controller(p->dir, ctrl))
		return true;
	cg_warn(cg, "the %s controller is not available in %s: %s not applied", ctrl, p->dir, what);
	return false;
}

static int v2_memory(struct cgroup *cg, const struct oci_memory *m, berth_error_t **err)
{
	struct cg2_priv *p = cg->priv;
	if (!(m->has_limit || m->has_reservation || m->has_swap))
		goto others;
	if (!want_controller(cg, "memory", "memory limits"))
		goto others;
	/* every value is checked before the first write */
	char lim[CG2_VALUE_MAX], res[CG2_VALUE_MAX];
	int has_lim = m->has_limit ? cg2_limit_value("memory.limit", m->limit, lim, err) : 0;
	int has_res = has_lim < 0 || !m->has_reservation ?
			      0 :
			      cg2_limit_value("memory.reservation", m->reservation, res, err);
	int64_t swap;
	bool swap_set;
	if (has_lim < 0 || has_res < 0 ||
	    cg2_swap_value(m->has_swap, m->swap, m->has_limit, m->limit, &swap, &swap_set, err) < 0)
		return -1;
	if (cg_check_memory_usage(p->dir, "memory.current", m, err) < 0)
		return -1;
	if (swap_set) {
		/* swap is -1 ("max") or >= 0 here: 0 is no swap at all */
		if (cg_exists(p->dir, "memory.swap.max")) {
			char sw[CG2_VALUE_MAX] = "max";
			if (swap >= 0)
				snprintf(sw, sizeof(sw), "%" PRId64, swap);
			if (cg_write(p->dir, "memory.swap.max", sw, err) < 0)
				return -1;
		} else if (swap != -1) {
			cg_warn(cg, "swap accounting is off on this host: memory.swap not applied");
		}
	}
	if (has_lim && cg_write(p->dir, "memory.max", lim, err) < 0)
		return -1;
	if (has_res && cg_write(p->dir, "memory.low", res, err) < 0)
		return -1;
others:
	if (m->has_swappiness)
		cg_warn(cg, "memory.swappiness is not supported on cgroup v2, ignoring");
	if (m->has_kernel)
		cg_warn(cg, "memory.kernel is deprecated and not supported on cgroup v2, ignoring");
	if (m->has_kernel_tcp)
		cg_warn(cg, "memory.kernelTCP is not supported on cgroup v2, ignoring");
	if (m->has_disable_oom_killer && m->disable_oom_killer)
		cg_warn(cg, "memory.disableOOMKiller is not supported on cgroup v2, ignoring");
	if (m->has_use_hierarchy && !m->use_hierarchy)
		cg_warn(cg, "memory.useHierarchy false is not supported on cgroup v2, ignoring");
	return 0;
}

static int v2_cpu(struct cgroup *cg, const struct oci_cpu *c, berth_error_t **err)
{
	struct cg2_priv *p = cg->priv;
	if (c->has_realtime_runtime || c->has_realtime_period)
		cg_warn(cg, "cpu.realtimeRuntime/realtimePeriod are not supported on cgroup v2, "
			    "ignoring");
	bool any = c->has_shares || c->has_quota || c->has_period || c->has_burst || c->has_idle;
	if (any && want_controller(cg, "cpu", "cpu limits")) {
		if (c->has_shares && c->shares &&
		    cg_writef(p->dir, "cpu.weight", err, "%" PRIu64,
			      cg2_cpu_weight_from_shares(c->shares)) < 0)
			return -1;
		char max[CG2_VALUE_MAX];
		if (cg2_cpu_max(c, max) && cg_write(p->dir, "cpu.max", max, err) < 0)
			return -1;
		if (c->has_burst) {
			if (cg_exists(p->dir, "cpu.max.burst")) {
				if (cg_writef(p->dir, "cpu.max.burst", err, "%" PRIu64, c->burst) <
				    0)
					return -1;
			} else {
				cg_warn(cg, "cpu.burst is not supported by this kernel, ignoring");
			}
		}
		if (c->has_idle && cg_writef(p->dir, "cpu.idle", err, "%" PRId64, c->idle) < 0)
			return -1;
	}
	if ((c->cpus || c->mems) && want_controller(cg, "cpuset", "cpus/mems")) {
		if (c->cpus && cg_write(p->dir, "cpuset.cpus", c->cpus, err) < 0)
			return -1;
		if (c->mems && cg_write(p->dir, "cpuset.mems", c->mems, err) < 0)
			return -1;
	}
	return 0;
}

static int v2_io(struct cgroup *cg, const struct oci_blockio *b, berth_error_t **err)
{
	struct cg2_priv *p = cg->priv;
	bool any = cg_blockio_any(b);
	if (!any || !want_controller(cg, "io", "blockIO limits"))
		return 0;
	/* BFQ takes blkio's 10..1000 weights as they are; io.weight needs
	 * the conversion */
	bool bfq = cg_exists(p->dir, "io.bfq.weight");
	if (b->has_weight && b->weight) {
		int r = bfq ? cg_writef(p->dir, "io.bfq.weight", err, "%u", b->weight) :
			      cg_writef(p->dir, "io.weight", err, "default %" PRIu64,
					cg2_io_weight_from_blkio(b->weight));
		if (r < 0)
			return -1;
	}
	if (b->has_leaf_weight)
		cg_warn(cg, "blockIO.leafWeight is not supported on cgroup v2, ignoring");
	for (size_t i = 0; i < b->n_weight_devices; i++) {
		const struct oci_weight_device *d = &b->weight_devices[i];
		if (d->has_leaf_weight)
			cg_warn(cg,
				"blockIO.weightDevice leafWeight is not supported on cgroup v2, "
				"ignoring");
		if (!d->has_weight)
			continue;
		int r = bfq ? cg_writef(p->dir, "io.bfq.weight", err, "%" PRId64 ":%" PRId64 " %u",
					d->major, d->minor, d->weight) :
			      cg_writef(p->dir, "io.weight", err,
					"%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor,
					cg2_io_weight_from_blkio(d->weight));
		if (r < 0)
			return -1;
	}
	static const char *const keys[] = { "rbps", "wbps", "riops", "wiops" };
	const struct oci_throttle_device *lists[CG_THROTTLE_KINDS];
	size_t counts[CG_THROTTLE_KINDS];
	cg_blockio_throttles(b, lists, counts);
	for (size_t k = 0; k < CG_THROTTLE_KINDS; k++)
		for (size_t i = 0; i < counts[k]; i++) {
			const struct oci_throttle_device *t = &lists[k][i];
			/* rate 0 lifts the limit */
			char v[CG2_VALUE_MAX] = "max";
			if (t->rate)
				snprintf(v, sizeof(v), "%" PRIu64, t->rate);
			if (cg_writef(p->dir, "io.max", err, "%" PRId64 ":%" PRId64 " %s=%s",
				      t->major, t->minor, keys[k], v) < 0)
				return -1;
		}
	return 0;
}

static int v2_hugetlb(struct cgroup *cg, const struct oci_resources *r, berth_error_t **err)
{
	struct cg2_priv *p = cg->priv;
	if (r->n_hugepage_limits == 0 || !want_controller(cg, "hugetlb", "hugepageLimits"))
		return 0;
	return cg_write_hugetlb(cg, p->dir, "max", r, err);
}

static int v2_apply(struct cgroup *cg, const struct oci_resources *r, berth_error_t **err)
{
	struct cg2_priv *p = cg->priv;
	if (v2_memory(cg, &r->memory, err) < 0 || v2_cpu(cg, &r->cpu, err) < 0)
		return -1;
	if (r->has_pids_limit && want_controller(cg, "pids", "pids.limit")) {
		char v[CG2_VALUE_MAX] = "max";
		if (r->pids_limit > 0)
			snprintf(v, sizeof(v), "%" PRId64, r->pids_limit);
		if (cg_write(p->dir, "pids.max", v, err) < 0)
			return -1;
	}
	if (v2_io(cg, &r->blockio, err) < 0 || v2_hugetlb(cg, r, err) < 0)
		return -1;
	if (r->n_rdma && want_controller(cg, "rdma", "rdma limits") &&
	    cg_write_rdma(p->dir, r, err) < 0)
		return -1;
	if (r->has_net_class_id)
		cg_warn(cg, "network.classID is not supported on cgroup v2, ignoring");
	if (r->n_net_priorities)
		cg_warn(cg, "network.priorities are not supported on cgroup v2, ignoring");
	/* no devices controller on v2: an eBPF filter enforces the rules */
	if (r->n_devices && cg_bpf_dev_apply(cg, p->dir, r->devices, r->n_devices, err) < 0)
		return berth_error_wrap(err, "linux.resources.devices");
	for (size_t i = 0; i < r->n_unified; i++)
		if (cg2_write_unified(p->dir, r->unified[i].key, r->unified[i].value, err) < 0)
			return -1;
	return 0;
}

static int v2_freeze(struct cgroup *cg, bool frozen, berth_error_t **err)
{
	struct cg2_priv *p = cg->priv;
	if (!cg_exists(p->dir, "cgroup.freeze"))
		return berth_error_set(err, ENOTSUP, "%s: the cgroup v2 freezer needs Linux 5.2",
				       p->dir);
	if (cg_write(p->dir, "cgroup.freeze", frozen ? "1" : "0", err) < 0)
		return -1;
	return cg2_wait_event(p->dir, "frozen", frozen ? 1 : 0, err);
}

static int v2_is_frozen(struct cgroup *cg, bool *ret, berth_error_t **err)
{
	struct cg2_priv *p = cg->priv;
	uint64_t v;
	int r = cg_read_keyed(p->dir, "cgroup.events", "frozen", &v, err);
	if (r == -ENOENT) {
		*ret = false;
		return 0;
	}
	if (r < 0)
		return -1;
	*ret = v == 1;
	return 0;
}

static int v2_pids(struct cgroup *cg, pid_t **ret, size_t *ret_n, berth_error_t **err)
{
	struct cg2_priv *p = cg->priv;
	return cg_read_pids(p->dir, ret, ret_n, err);
}

static int v2_kill_all(struct cgroup *cg, int sig, berth_error_t **err)
{
	struct cg2_priv *p = cg->priv;
	/* cgroup.kill (Linux 5.14) kills atomically, forks included, but
	 * only with SIGKILL */
	if (sig == SIGKILL && cg_exists(p->dir, "cgroup.kill"))
		return cg_write(p->dir, "cgroup.kill", "1", err);
	/* Else freeze so that nothing forks past us, signal, thaw */
	bool can_freeze = cg_exists(p->dir, "cgroup.freeze");
	return cg_kill_frozen(cg, sig, can_freeze, err);
}

static void stats_cpu(const char *dir, json_t *data)
{
	uint64_t usage = 0, user = 0, sys = 0, periods = 0, throttled = 0, ttime = 0;
	cg_read_keyed(dir, "cpu.stat", "usage_usec", &usage, NULL);
	cg_read_keyed(dir, "cpu.stat", "user_usec", &user, NULL);
	cg_read_keyed(dir, "cpu.stat", "system_usec", &sys, NULL);
	cg_read_keyed(dir, "cpu.stat", "nr_periods", &periods, NULL);
	cg_read_keyed(dir, "cpu.stat", "nr_throttled", &throttled, NULL);
	cg_read_keyed(dir, "cpu.stat", "throttled_usec", &ttime, NULL);
	json_object_set_new(data, "cpu",
			    json_pack("{s:{s:o,s:o,s:o},s:{s:o,s:o,s:o}}", "usage", "total",
				      cg_json_u64(usage * 1000), "kernel", cg_json_u64(sys * 1000),
				      "user", cg_json_u64(user * 1000), "throttling", "periods",
				      cg_json_u64(periods), "throttledPeriods",
				      cg_json_u64(throttled), "throttledTime",
				      cg_json_u64(ttime * 1000)));
}

static void stats_memory(const char *dir, json_t *data)
{
	uint64_t usage = 0, limit = 0, peak = 0, fail = 0, swu = 0, swl = 0;
	if (cg_read_u64(dir, "memory.current", &usage, NULL) < 0)
		return;
	cg_read_u64(dir, "memory.max", &limit, NULL);
	cg_read_u64(dir, "memory.peak", &peak, NULL);
	cg_read_keyed(dir, "memory.events", "max", &fail, NULL);
	cg_read_u64(dir, "memory.swap.current", &swu, NULL);
	cg_read_u64(dir, "memory.swap.max", &swl, NULL);
	json_t *raw = cg_stat_raw(dir, "memory.stat");
	json_t *file = json_object_get(raw, "file");
	json_object_set_new(data, "memory",
			    json_pack("{s:o,s:{s:o,s:o,s:o,s:o},s:{s:o,s:o},s:o}", "cache",
				      file ? json_incref(file) : json_integer(0), "usage", "limit",
				      cg_json_u64(limit), "usage", cg_json_u64(usage), "max",
				      cg_json_u64(peak), "failcnt", cg_json_u64(fail), "swap",
				      "usage", cg_json_u64(swu), "limit", cg_json_u64(swl), "raw",
				      raw));
}

/* io.stat "8:0 rbytes=1 wbytes=2 rios=3 wios=4 ..." as runc's blkio entries */
static void stats_io(const char *dir, json_t *data)
{
	cleanup_free char *s = NULL;
	if (cg_read(dir, "io.stat", &s, NULL) < 0)
		return;
	json_t *bytes = json_array(), *ios = json_array();
	char *save = NULL;
	for (char *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *save2 = NULL;
		char *dev = strtok_r(l, " ", &save2);
		unsigned maj, min;
		if (dev == NULL || cg_parse_devnum(dev, &maj, &min) < 0)
			continue;
		for (char *kv = strtok_r(NULL, " ", &save2); kv; kv = strtok_r(NULL, " ", &save2)) {
			char *eq = strchr(kv, '=');
			if (eq == NULL)
				continue;
			*eq = '\0';
			uint64_t v = strtoull(eq + 1, NULL, 10);
			json_t *arr = NULL;
			const char *op = NULL;
			if (strcmp(kv, "rbytes") == 0)
				arr = bytes, op = "Read";
			else if (strcmp(kv, "wbytes") == 0)
				arr = bytes, op = "Write";
			else if (strcmp(kv, "rios") == 0)
				arr = ios, op = "Read";
			else if (strcmp(kv, "wios") == 0)
				arr = ios, op = "Write";
			if (arr)
				json_array_append_new(arr, json_pack("{s:i,s:i,s:s,s:o}", "major",
								     maj, "minor", min, "op", op,
								     "value", cg_json_u64(v)));
		}
	}
	json_object_set_new(data, "blkio",
			    json_pack("{s:o,s:o}", "ioServiceBytesRecursive", bytes,
				      "ioServicedRecursive", ios));
}

static int v2_stats(struct cgroup *cg, json_t **ret, berth_error_t **err)
{
	struct cg2_priv *p = cg->priv;
	json_t *data = json_object();
	stats_cpu(p->dir, data);
	stats_memory(p->dir, data);
	cg_stats_pids(p->dir, data);
	stats_io(p->dir, data);
	cg2_stats_hugetlb(p->dir, data);
	*ret = data;
	return 0;
}

static int v2_oom_count(struct cgroup *cg, uint64_t *ret, berth_error_t **err)
{
	struct cg2_priv *p = cg->priv;
	uint64_t v = 0;
	int r = cg_read_keyed(p->dir, "memory.events", "oom_kill", &v, err);
	if (r < 0 && r != -ENOENT)
		return -1;
	if (r == -ENOENT && err)
		berth_error_release(err);
	*ret = v;
	return 0;
}

static int v2_destroy(struct cgroup *cg, berth_error_t **err)
{
	struct cg2_priv *p = cg->priv;
	if (cg_rmdir_tree(p->dir, err) < 0)
		return -1;
	cg_rmdir_owned_parents(&p->mnt, cg->path);
	return 0;
}

const struct cgroup_ops cgroup_v2_ops = {
	.name = "v2",
	.create = v2_create,
	.enter = v2_enter,
	.apply = v2_apply,
	.freeze = v2_freeze,
	.is_frozen = v2_is_frozen,
	.pids = v2_pids,
	.kill_all = v2_kill_all,
	.stats = v2_stats,
	.oom_count = v2_oom_count,
	.destroy = v2_destroy,
};
