/* runtime-config: the OCI runtime-spec 1.1 config.json (config.md and
 * config-linux.md) as C data: parse, validate, serialise.  No syscalls here.
 * Invariant: a parsed struct oci_config owns every string and array in it,
 * and every field the spec defines is represented (optional scalars carry a
 * has_* flag); unknown fields are kept out of the struct and reported in
 * `warnings`, because the spec says runtimes MUST ignore unknown properties. */
#ifndef BERTH_OCI_RUNTIME_CONFIG_H
#define BERTH_OCI_RUNTIME_CONFIG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

/* Caps on what a config.json may hold (STYLE.md: every input has a cap) */
#define OCI_CONFIG_MAX_SIZE (4u << 20) /* 4 MiB */
#define OCI_CONFIG_MAX_DEPTH 32
/* Most entries any one array or map may hold (mounts, env, syscalls, ...) */
#define OCI_CONFIG_MAX_ITEMS 10000

/* ---- process ---------------------------------------------------------- */

struct oci_rlimit {
	char *type;   /* "RLIMIT_NOFILE"; validated against the known names */
	int resource; /* the RLIMIT_* number for type */
	uint64_t soft;
	uint64_t hard;
};

/* Capability sets as lists of "CAP_*" names, validated and also as masks */
struct oci_capset {
	char **names; /* NULL-terminated */
	size_t n;
	uint64_t mask; /* bit (1 << CAP_x) for each name */
};

struct oci_capabilities {
	bool present; /* process.capabilities given at all */
	struct oci_capset effective, bounding, inheritable, permitted, ambient;
};

struct oci_user {
	uint32_t uid;
	uint32_t gid;
	bool has_umask;
	uint32_t umask;
	uint32_t *additional_gids;
	size_t n_additional_gids;
	char *username; /* Windows only; kept for round trips */
};

struct oci_scheduler {
	bool present;
	char *policy; /* SCHED_OTHER | SCHED_FIFO | SCHED_RR | SCHED_BATCH | SCHED_ISO |
			 SCHED_IDLE | SCHED_DEADLINE */
	int policy_num;
	int32_t nice;
	int32_t priority;
	char **flags; /* SCHED_FLAG_* names */
	size_t n_flags;
	uint64_t flags_mask;
	uint64_t runtime, deadline, period;
};

struct oci_io_priority {
	bool present;
	char *class_name; /* IOPRIO_CLASS_RT | IOPRIO_CLASS_BE | IOPRIO_CLASS_IDLE */
	int class_num;
	int32_t priority; /* 0..7 */
};

struct oci_cpu_affinity {
	char *initial; /* cpu list "0-3,7" or NULL */
	char *final;
};

struct oci_process {
	bool terminal;
	bool has_console_size;
	uint32_t console_height, console_width;
	struct oci_user user;
	char **args; /* NULL-terminated; validation requires one entry at least, as runc */
	size_t n_args;
	char *command_line; /* Windows only */
	char **env;         /* NULL-terminated "K=V" */
	size_t n_env;
	char *cwd; /* required, absolute */
	struct oci_capabilities capabilities;
	struct oci_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	char *apparmor_profile;
	bool has_oom_score_adj;
	int32_t oom_score_adj; /* -1000..1000 */
	struct oci_scheduler scheduler;
	char *selinux_label;
	struct oci_io_priority io_priority;
	struct oci_cpu_affinity exec_cpu_affinity;
};

/* ---- mounts ----------------------------------------------------------- */

struct oci_id_mapping {
	uint32_t container_id;
	uint32_t host_id;
	uint32_t size;
};

struct oci_mount {
	char *destination; /* required */
	char *type;        /* may be NULL (bind mounts) */
	char *source;      /* may be NULL */
	char **options;    /* NULL-terminated, as given */
	size_t n_options;
	struct oci_id_mapping *uid_mappings;
	size_t n_uid_mappings;
	struct oci_id_mapping *gid_mappings;
	size_t n_gid_mappings;
};

/* ---- hooks ------------------------------------------------------------ */

struct oci_hook {
	char *path;  /* required, absolute */
	char **args; /* NULL-terminated, may be NULL */
	size_t n_args;
	char **env;
	size_t n_env;
	bool has_timeout;
	int32_t timeout; /* seconds, > 0 */
};

struct oci_hook_list {
	struct oci_hook *hooks;
	size_t n;
};

struct oci_hooks {
	struct oci_hook_list prestart; /* deprecated, still run */
	struct oci_hook_list create_runtime;
	struct oci_hook_list create_container;
	struct oci_hook_list start_container;
	struct oci_hook_list poststart;
	struct oci_hook_list poststop;
};

/* ---- linux ------------------------------------------------------------ */

enum oci_ns_type {
	OCI_NS_PID = 0,
	OCI_NS_NETWORK,
	OCI_NS_MOUNT,
	OCI_NS_IPC,
	OCI_NS_UTS,
	OCI_NS_USER,
	OCI_NS_CGROUP,
	OCI_NS_TIME,
	OCI_NS_COUNT,
};

struct oci_namespace {
	enum oci_ns_type type;
	char *path; /* NULL: create a new one; else join this one */
};

struct oci_device {
	char type;            /* 'c', 'b', 'u', 'p' */
	char *path;           /* required, absolute */
	int64_t major, minor; /* required except for 'p' */
	bool has_file_mode;
	uint32_t file_mode;
	bool has_uid, has_gid;
	uint32_t uid, gid;
};

struct oci_device_rule {
	bool allow;
	char type;                 /* 'a', 'c', 'b'; 'a' when absent */
	bool has_major, has_minor; /* absent: wildcard */
	int64_t major, minor;
	char *access; /* subset of "rwm"; NULL: "rwm" */
};

struct oci_memory {
	bool present;
	bool has_limit, has_reservation, has_swap, has_kernel, has_kernel_tcp, has_swappiness;
	int64_t limit, reservation, swap, kernel, kernel_tcp; /* -1: unlimited */
	uint64_t swappiness;
	bool has_disable_oom_killer, has_use_hierarchy, has_check_before_update;
	bool disable_oom_killer, use_hierarchy, check_before_update;
};

struct oci_cpu {
	bool present;
	bool has_shares, has_quota, has_burst, has_period, has_realtime_runtime,
		has_realtime_period, has_idle;
	uint64_t shares;
	int64_t quota; /* -1: unlimited */
	uint64_t burst;
	uint64_t period;
	int64_t realtime_runtime;
	uint64_t realtime_period;
	char *cpus; /* cpuset list or NULL */
	char *mems;
	int64_t idle;
};

struct oci_weight_device {
	int64_t major, minor;
	bool has_weight, has_leaf_weight;
	uint16_t weight, leaf_weight;
};

struct oci_throttle_device {
	int64_t major, minor;
	uint64_t rate;
};

struct oci_blockio {
	bool present;
	bool has_weight, has_leaf_weight;
	uint16_t weight, leaf_weight;
	struct oci_weight_device *weight_devices;
	size_t n_weight_devices;
	struct oci_throttle_device *throttle_read_bps, *throttle_write_bps, *throttle_read_iops,
		*throttle_write_iops;
	size_t n_throttle_read_bps, n_throttle_write_bps, n_throttle_read_iops,
		n_throttle_write_iops;
};

struct oci_hugepage_limit {
	char *page_size; /* "2MB", "1GB" */
	uint64_t limit;
};

struct oci_net_priority {
	char *name;
	uint32_t priority;
};

struct oci_rdma_limit {
	char *device;
	bool has_hca_handles, has_hca_objects;
	uint32_t hca_handles, hca_objects;
};

struct oci_kv {
	char *key;
	char *value;
};

struct oci_resources {
	bool present;
	struct oci_device_rule *devices;
	size_t n_devices;
	struct oci_memory memory;
	struct oci_cpu cpu;
	bool has_pids_limit;
	int64_t pids_limit; /* <= 0: unlimited */
	struct oci_blockio blockio;
	struct oci_hugepage_limit *hugepage_limits;
	size_t n_hugepage_limits;
	bool has_net_class_id;
	uint32_t net_class_id;
	struct oci_net_priority *net_priorities;
	size_t n_net_priorities;
	struct oci_rdma_limit *rdma;
	size_t n_rdma;
	struct oci_kv *unified; /* cgroup v2 file -> value */
	size_t n_unified;
};

struct oci_seccomp_arg {
	uint32_t index;
	uint64_t value;
	uint64_t value_two;
	char *op; /* SCMP_CMP_NE|LT|LE|EQ|GE|GT|MASKED_EQ */
};

struct oci_seccomp_syscall {
	char **names;
	size_t n_names;
	char *action; /* SCMP_ACT_* */
	bool has_errno_ret;
	uint32_t errno_ret;
	struct oci_seccomp_arg *args;
	size_t n_args;
};

struct oci_seccomp {
	bool present;
	char *default_action; /* required when present */
	bool has_default_errno_ret;
	uint32_t default_errno_ret;
	char **architectures; /* SCMP_ARCH_* */
	size_t n_architectures;
	char **flags; /* SECCOMP_FILTER_FLAG_* */
	size_t n_flags;
	char *listener_path;
	char *listener_metadata;
	struct oci_seccomp_syscall *syscalls;
	size_t n_syscalls;
};

struct oci_time_offset {
	char *clock; /* "monotonic" | "boottime" */
	int64_t secs;
	uint32_t nanosecs;
};

struct oci_intel_rdt {
	bool present;
	char *clos_id;
	char *l3_cache_schema;
	char *mem_bw_schema;
	bool enable_cmt, enable_mbm;
};

struct oci_personality {
	bool present;
	char *domain; /* LINUX | LINUX32 */
	char **flags;
	size_t n_flags;
};

struct oci_net_device {
	char *host_name; /* the key */
	char *name;      /* name inside the container; NULL: same */
};

struct oci_memory_policy {
	bool present;
	char *mode; /* MPOL_* */
	char *nodes;
	char **flags;
	size_t n_flags;
};

struct oci_linux {
	bool present;
	struct oci_namespace *namespaces;
	size_t n_namespaces;
	struct oci_id_mapping *uid_mappings;
	size_t n_uid_mappings;
	struct oci_id_mapping *gid_mappings;
	size_t n_gid_mappings;
	struct oci_time_offset *time_offsets;
	size_t n_time_offsets;
	struct oci_device *devices;
	size_t n_devices;
	struct oci_net_device *net_devices;
	size_t n_net_devices;
	char *cgroups_path;
	struct oci_resources resources;
	char *rootfs_propagation; /* shared | slave | private | unbindable (r* forms too) */
	struct oci_seccomp seccomp;
	struct oci_kv *sysctl;
	size_t n_sysctl;
	char **masked_paths;
	size_t n_masked_paths;
	char **readonly_paths;
	size_t n_readonly_paths;
	char *mount_label;
	struct oci_intel_rdt intel_rdt;
	struct oci_personality personality;
	struct oci_memory_policy memory_policy;
};

/* ---- the whole config ------------------------------------------------- */

struct oci_config {
	char *oci_version; /* required */
	char *root_path;   /* required on Linux; as given (relative to the bundle or absolute) */
	bool root_readonly;
	bool has_process;
	struct oci_process process;
	char *hostname;
	char *domainname;
	struct oci_mount *mounts;
	size_t n_mounts;
	struct oci_hooks hooks;
	struct oci_kv *annotations;
	size_t n_annotations;
	struct oci_linux linux_; /* "linux" is a predefined macro in GNU C */
	char **warnings;         /* unknown or ignored fields, one message each */
	size_t n_warnings;
};

/* Parse config.json text.  Errors name the field path
 * ("config.json: process.user.uid: expected an integer, got a string").
 * Unknown fields become warnings, not errors; an explicit null reads as an
 * absent optional field (as Go writes configs).  Integers above INT64_MAX
 * are refused by jansson.  *ret is owned by the caller. */
int oci_config_parse(const char *buf, size_t len, struct oci_config **ret, berth_error_t **err);
/* Parse an already-loaded JSON document */
int oci_config_from_json(const json_t *root, struct oci_config **ret, berth_error_t **err);
/* Read and parse <bundle>/config.json */
int oci_config_load_bundle(const char *bundle, struct oci_config **ret, berth_error_t **err);
/* Semantic checks beyond types: required fields, absolute paths, known
 * names (namespaces, capabilities, rlimits, seccomp actions and ops, mount
 * propagation), no duplicate namespace types, mappings only with a user
 * namespace, etc.  oci_config_parse already calls it. */
int oci_config_validate(const struct oci_config *c, berth_error_t **err);
void oci_config_free(struct oci_config *c);
static inline void oci_config_freep(struct oci_config **c)
{
	oci_config_free(*c);
}
#define cleanup_oci_config __attribute__((cleanup(oci_config_freep)))

/* Serialise back to config.json JSON (new reference); parse(to_json(c))
 * gives an equal config. */
json_t *oci_config_to_json(const struct oci_config *c);

/* The "process" object alone, as `exec --process FILE` passes it.  where
 * names it in errors ("process.json"; NULL: "process").  Validated like
 * config.json's process; unknown fields are ignored silently.  *ret is
 * written only on success; free it with oci_process_release. */
int oci_process_from_json(const json_t *obj, const char *where, struct oci_process *ret,
			  berth_error_t **err);
void oci_process_release(struct oci_process *p);
json_t *oci_process_to_json(const struct oci_process *p);

/* linux.resources alone, as `update --resources FILE` passes it; where
 * as above (NULL: "resources"); validated; *ret written only on success */
int oci_resources_from_json(const json_t *obj, const char *where, struct oci_resources *ret,
			    berth_error_t **err);
void oci_resources_release(struct oci_resources *r);
json_t *oci_resources_to_json(const struct oci_resources *r);

/* Name tables, shared with the runtime and `features` */
const char *oci_ns_type_name(enum oci_ns_type t); /* "pid", "network", ... */
int oci_ns_type_parse(const char *s, enum oci_ns_type *ret);
/* CAP_* name <-> number; -1 when unknown */
int oci_cap_from_name(const char *name);
const char *oci_cap_name(int cap);
int oci_cap_last(void); /* highest capability number known here */
/* RLIMIT_* name <-> number; -1 when unknown */
int oci_rlimit_from_name(const char *name);
const char *oci_rlimit_name(int resource);

/* The default config of `runc spec` (rootless variant when asked), as a new
 * JSON reference */
json_t *oci_config_default_spec(bool rootless);

#endif
