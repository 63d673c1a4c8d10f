/* cgroup-internal: what cgroup.c and its back-ends (cgroup-v1.c,
 * cgroup-v2.c, cgroup-none.c) share: file helpers that name the file in
 * every error, mountinfo parsing, path rules, and the cgroup2 pieces that
 * the v1 back-end reuses for the unified mount of hybrid hosts.
 * Not for use outside src/runtime/cgroup*.c. */
#ifndef BERTH_RUNTIME_CGROUP_INTERNAL_H
#define BERTH_RUNTIME_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/cgroup.h"

/* Caps on what we read from cgroupfs and how deep a cgroup tree goes */
#define CG_FILE_MAX (4u << 20) /* memory.stat, cgroup.procs of huge cgroups */
#define CG_PIDS_MAX (1u << 22) /* pid_max upper bound */
#define CG_TREE_DEPTH_MAX 64
/* How long destroy waits for exiting tasks, and freeze for cgroup.events */
#define CG_WAIT_MS 2000

/* ---- mountinfo -------------------------------------------------------- */

struct cg_mount {
	char *mnt;         /* mount point, unescaped */
	char *root;        /* root of the hierarchy inside the mount, "/" usually */
	char *controllers; /* v1: "cpu,cpuacct" or "name=systemd"; v2: "" */
	bool v2;
	unsigned dev_major, dev_minor; /* dedupes bind mounts of one hierarchy */
};

/* All cgroup and cgroup2 mounts of /proc/self/mountinfo (one per
 * hierarchy: later mounts of the same superblock are dropped) */
int cg_mounts_read(struct cg_mount **ret, size_t *ret_n, berth_error_t **err);
/* Free the strings of one mount and zero it */
void cg_mount_release(struct cg_mount *m);
void cg_mounts_free(struct cg_mount *m, size_t n);
/* Whether the comma list `list` holds `name` as a whole token */
bool cg_list_has(const char *list, const char *name);
/* Parse a "MAJ:MIN" device number (a mountinfo field, the key of blkio and
 * io.stat lines); -1 unless s is exactly that */
int cg_parse_devnum(const char *s, unsigned *ret_major, unsigned *ret_minor);
/* The directory of cgroup `path` in mount m: mnt + path, minus m->root when
 * path lies under it (a mount made inside a cgroup namespace) */
char *cg_mount_dir(const struct cg_mount *m, const char *path);

/* ---- path rules (pure) ------------------------------------------------ */

/* The cgroup path for linux.cgroupsPath and a container id; see cgroup.h */
int cg_path_build(const char *cgroups_path, const char *id, char **ret, berth_error_t **err);

/* ---- files ------------------------------------------------------------ */

/* dir + "/" + file, newly allocated */
char *cg_join(const char *dir, const char *file);
bool cg_exists(const char *dir, const char *file);
/* Write value to dir/file; errors read "write 'v' to /path/file: strerror" */
int cg_write(const char *dir, const char *file, const char *value, berth_error_t **err);
int cg_writef(const char *dir, const char *file, berth_error_t **err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Read dir/file whole (capped at CG_FILE_MAX); *ret owned by the caller */
int cg_read(const char *dir, const char *file, char **ret, berth_error_t **err);
/* Read a single number; "max" reads as UINT64_MAX */
int cg_read_u64(const char *dir, const char *file, uint64_t *ret, berth_error_t **err);
/* Read "key value" lines and return the value of key; -ENOENT (with err
 * set) when the key is missing */
int cg_read_keyed(const char *dir, const char *file, const char *key, uint64_t *ret,
		  berth_error_t **err);
/* The pids in dir/cgroup.procs; *ret owned by the caller */
int cg_read_pids(const char *dir, pid_t **ret, size_t *ret_n, berth_error_t **err);
/* The parent of the default and relative cgroup paths: berth-runtime's
 * own, made on demand and removed again once empty */
#define CG_OWNED_PARENT "/berth"

/* Called after each level of a new cgroup path exists (v1 cpuset setup);
 * created: dir was made by this call, so its files hold the kernel's
 * defaults */
typedef int cg_level_fn(const char *parent, const char *dir, bool created, berth_error_t **err);
/* Make every missing level of path in mount m, calling level (may be NULL)
 * for each; retried when a concurrent delete removes an empty parent */
int cg_mkdir_levels(const struct cg_mount *m, const char *path, cg_level_fn *level,
		    berth_error_t **err);
/* After the leaf of path is removed: rmdir the now-empty levels between it
 * and CG_OWNED_PARENT (inclusive), stopping at the first one still in use.
 * Paths outside CG_OWNED_PARENT belong to whoever chose them (containerd's
 * /<namespace>, a kubelet's pod) and are never touched. */
void cg_rmdir_owned_parents(const struct cg_mount *m, const char *path);
/* mkdir dir; sets *ret_created to whether it was made now (EEXIST is fine) */
int cg_mkdir(const char *dir, bool *ret_created, berth_error_t **err);
/* Remove dir and every cgroup below it, deepest first.  A cgroup whose
 * tasks are still exiting is waited for with pidfds (see cgroup-util.c).
 * A missing dir is success. */
int cg_rmdir_tree(const char *dir, berth_error_t **err);
/* Hand *e over to err (which may be NULL; a previous *err is freed);
 * returns e's code */
int cg_error_move(berth_error_t **err, berth_error_t **e);
/* Signal every pid in the list; ESRCH (already gone) is fine */
int cg_signal_pids(const pid_t *pids, size_t n, int sig, berth_error_t **err);
/* Signal every task of cg through its ops.  With can_freeze, freeze
 * first so that nothing forks between the listing and the signal, then
 * thaw (a frozen task gets its SIGKILL on thaw); a paused container stays
 * paused except for SIGKILL */
int cg_kill_frozen(struct cgroup *cg, int sig, bool can_freeze, berth_error_t **err);
/* Whether b asks for anything at all */
bool cg_blockio_any(const struct oci_blockio *b);
/* b's throttle lists in the order read bps, write bps, read iops, write
 * iops (borrowed from b) */
#define CG_THROTTLE_KINDS 4
void cg_blockio_throttles(const struct oci_blockio *b,
			  const struct oci_throttle_device *ret_lists[CG_THROTTLE_KINDS],
			  size_t ret_counts[CG_THROTTLE_KINDS]);

/* Append a warning to cg->warnings */
void cg_warn(struct cgroup *cg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Whether size is a hugepage size as cgroup files spell it ("2MB", "1GB") */
bool cg_hugepage_size_valid(const char *size);
/* Write r's hugepage limits to dir/hugetlb.<size>.<suffix> ("max" on
 * cgroup2, "limit_in_bytes" on v1); a size this host lacks is a warning */
int cg_write_hugetlb(struct cgroup *cg, const char *dir, const char *suffix,
		     const struct oci_resources *r, berth_error_t **err);
/* Write r's rdma limits to dir/rdma.max (same format on v1 and v2) */
int cg_write_rdma(const char *dir, const struct oci_resources *r, berth_error_t **err);
/* memory.checkBeforeUpdate: refuse a limit below the usage in dir/file */
int cg_check_memory_usage(const char *dir, const char *file, const struct oci_memory *m,
			  berth_error_t **err);

/* ---- stats helpers ------------------------------------------------------ */

/* A JSON integer; UINT64_MAX ("max") and others past INT64_MAX saturate */
json_t *cg_json_u64(uint64_t v);
/* The "key value" lines of dir/file as a JSON object (empty when unreadable) */
json_t *cg_stat_raw(const char *dir, const char *file);
/* data["pids"] from dir/pids.current and pids.max (nothing when unreadable) */
void cg_stats_pids(const char *dir, json_t *data);

/* ---- cgroup2 pieces shared with the v1 back-end (cgroup-v2.c) ------------ */

/* runc's conversions */
uint64_t cg2_cpu_weight_from_shares(uint64_t shares);
uint64_t cg2_io_weight_from_blkio(uint64_t weight);
/* memory.swap.max from OCI swap (memory+swap) and limit; *ret_set false
 * when nothing is to be written, *ret -1 for "max" */
int cg2_swap_value(bool has_swap, int64_t swap, bool has_limit, int64_t limit, int64_t *ret,
		   bool *ret_set, berth_error_t **err);
/* The value of a cgroup2 limit file for OCI value v into buf: -1 is
 * "max"; 0 means not set (returns 0, nothing to write), as in runc and the
 * v1 back-end; below -1 is EINVAL naming `what`.  Returns 1 when buf holds
 * a value to write. */
#define CG2_VALUE_MAX 64
int cg2_limit_value(const char *what, int64_t v, char buf[CG2_VALUE_MAX], berth_error_t **err);
/* cpu.max for c into buf, as runc writes it: "<quota> [<period>]", a
 * quota <= 0 is "max", an unset period is left to the kernel.  Returns 1
 * when there is something to write, 0 when neither is set. */
int cg2_cpu_max(const struct oci_cpu *c, char buf[CG2_VALUE_MAX]);
/* Enable controller ctrl in cgroup.subtree_control of the mount root and
 * every ancestor of path (not path itself) */
int cg2_enable_controller(const struct cg_mount *m, const char *path, const char *ctrl,
			  berth_error_t **err);
/* Whether dir/cgroup.controllers lists ctrl */
bool cg2_has_controller(const char *dir, const char *ctrl);
/* Write one linux.resources.unified entry to dir (keys with '/' or ".."
 * are refused) */
int cg2_write_unified(const char *dir, const char *key, const char *value, berth_error_t **err);
/* Wait until dir/cgroup.events has "key value", with poll(POLLPRI) */
int cg2_wait_event(const char *dir, const char *key, uint64_t value, berth_error_t **err);
/* Fill obj["hugetlb"] from the hugetlb.<size>.* files of a v2 dir */
void cg2_stats_hugetlb(const char *dir, json_t *data);

/* ---- back-ends ---------------------------------------------------------- */

extern const struct cgroup_ops cgroup_v1_ops;
extern const struct cgroup_ops cgroup_v2_ops;
extern const struct cgroup_ops cgroup_none_ops;

/* Resolve cg->path to directories (no mkdir) and set cg->priv */
int cg1_init(struct cgroup *cg, berth_error_t **err);
void cg1_release(struct cgroup *cg);
int cg2_init(struct cgroup *cg, berth_error_t **err);
void cg2_release(struct cgroup *cg);

/* Whether r asks for any limit (device rules do not count: they are
 * warned about where they cannot be enforced); none refuses then */
bool cg_resources_any(const struct oci_resources *r);

#endif
