/* names: the name tables of the runtime spec: namespace types, CAP_*,
 * RLIMIT_*, scheduler policies and flags, I/O priority classes, seccomp
 * actions, operators, architectures and flags, mount propagation, memory
 * policies.  Numbers are the kernel's ABI values, written out here so that
 * this folder needs no kernel headers and knows names newer than the libc. */
#include <string.h>
#include <sys/resource.h>

#include "oci/config-internal.h"

#include "common/banned.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const char *const ns_names[OCI_NS_COUNT] = {
	[OCI_NS_PID] = "pid",       [OCI_NS_NETWORK] = "network", [OCI_NS_MOUNT] = "mount",
	[OCI_NS_IPC] = "ipc",       [OCI_NS_UTS] = "uts",         [OCI_NS_USER] = "user",
	[OCI_NS_CGROUP] = "cgroup", [OCI_NS_TIME] = "time",
};

const char *oci_ns_type_name(enum oci_ns_type t)
{
	if ((unsigned)t >= OCI_NS_COUNT)
		return NULL;
	return ns_names[t];
}

int oci_ns_type_parse(const char *s, enum oci_ns_type *ret)
{
	for (int i = 0; i < OCI_NS_COUNT; i++) {
		if (strcmp(ns_names[i], s) == 0) {
			*ret = (enum oci_ns_type)i;
			return 0;
		}
	}
	return -1;
}

/* Indexed by capability number (linux/capability.h) */
static const char *const cap_names[] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_DAC_READ_SEARCH",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",
	"CAP_NET_RAW",
	"CAP_IPC_LOCK",
	"CAP_IPC_OWNER",
	"CAP_SYS_MODULE",
	"CAP_SYS_RAWIO",
	"CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",
	"CAP_SYS_ADMIN",
	"CAP_SYS_BOOT",
	"CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",
	"CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG",
	"CAP_MKNOD",
	"CAP_LEASE",
	"CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL",
	"CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN",
	"CAP_SYSLOG",
	"CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ",
	"CAP_PERFMON",
	"CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

int oci_cap_from_name(const char *name)
{
	for (size_t i = 0; i < N_ELEMS(cap_names); i++)
		if (strcmp(cap_names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *oci_cap_name(int cap)
{
	if (cap < 0 || (size_t)cap >= N_ELEMS(cap_names))
		return NULL;
	return cap_names[cap];
}

int oci_cap_last(void)
{
	return (int)N_ELEMS(cap_names) - 1;
}

uint64_t oci_cap_mask(char *const *names, size_t n)
{
	uint64_t mask = 0;
	for (size_t i = 0; i < n; i++) {
		int cap = oci_cap_from_name(names[i]);
		if (cap >= 0)
			mask |= UINT64_C(1) << cap;
	}
	return mask;
}

struct name_num {
	const char *name;
	int num;
};

static int lookup(const struct name_num *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return t[i].num;
	return -1;
}

static const char *reverse(const struct name_num *t, size_t n, int num)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].num == num)
			return t[i].name;
	return NULL;
}

static const struct name_num rlimits[] = {
	{ "RLIMIT_CPU", RLIMIT_CPU },           { "RLIMIT_FSIZE", RLIMIT_FSIZE },
	{ "RLIMIT_DATA", RLIMIT_DATA },         { "RLIMIT_STACK", RLIMIT_STACK },
	{ "RLIMIT_CORE", RLIMIT_CORE },         { "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_NPROC", RLIMIT_NPROC },       { "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },   { "RLIMIT_AS", RLIMIT_AS },
	{ "RLIMIT_LOCKS", RLIMIT_LOCKS },       { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE }, { "RLIMIT_NICE", RLIMIT_NICE },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },     { "RLIMIT_RTTIME", RLIMIT_RTTIME },
};

int oci_rlimit_from_name(const char *name)
{
	return lookup(rlimits, N_ELEMS(rlimits), name);
}

const char *oci_rlimit_name(int resource)
{
	return reverse(rlimits, N_ELEMS(rlimits), resource);
}

static const struct name_num sched_policies[] = {
	{ "SCHED_OTHER", 0 }, { "SCHED_FIFO", 1 }, { "SCHED_RR", 2 },       { "SCHED_BATCH", 3 },
	{ "SCHED_ISO", 4 },   { "SCHED_IDLE", 5 }, { "SCHED_DEADLINE", 6 },
};

int oci_sched_policy_from_name(const char *name)
{
	return lookup(sched_policies, N_ELEMS(sched_policies), name);
}

/* sched_attr.sched_flags bits (linux/sched.h) */
static const struct name_num sched_flags[] = {
	{ "SCHED_FLAG_RESET_ON_FORK", 0x01 },  { "SCHED_FLAG_RECLAIM", 0x02 },
	{ "SCHED_FLAG_DL_OVERRUN", 0x04 },     { "SCHED_FLAG_KEEP_POLICY", 0x08 },
	{ "SCHED_FLAG_KEEP_PARAMS", 0x10 },    { "SCHED_FLAG_UTIL_CLAMP_MIN", 0x20 },
	{ "SCHED_FLAG_UTIL_CLAMP_MAX", 0x40 },
};

int oci_sched_flag_from_name(const char *name)
{
	return lookup(sched_flags, N_ELEMS(sched_flags), name);
}

static const struct name_num ioprio_classes[] = {
	{ "IOPRIO_CLASS_RT", 1 },
	{ "IOPRIO_CLASS_BE", 2 },
	{ "IOPRIO_CLASS_IDLE", 3 },
};

int oci_ioprio_class_from_name(const char *name)
{
	return lookup(ioprio_classes, N_ELEMS(ioprio_classes), name);
}

bool oci_seccomp_action_known(const char *name)
{
	static const char *const names[] = {
		"SCMP_ACT_KILL",        "SCMP_ACT_KILL_PROCESS",
		"SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
		"SCMP_ACT_ERRNO",       "SCMP_ACT_TRACE",
		"SCMP_ACT_ALLOW",       "SCMP_ACT_LOG",
		"SCMP_ACT_NOTIFY",      NULL,
	};
	return oci_strv_has(names, name);
}

bool oci_seccomp_op_known(const char *name)
{
	static const char *const names[] = {
		"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
		"SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL,
	};
	return oci_strv_has(names, name);
}

bool oci_seccomp_arch_known(const char *name)
{
	static const char *const names[] = {
		"SCMP_ARCH_X86",      "SCMP_ARCH_X86_64",      "SCMP_ARCH_X32",
		"SCMP_ARCH_ARM",      "SCMP_ARCH_AARCH64",     "SCMP_ARCH_MIPS",
		"SCMP_ARCH_MIPS64",   "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL",
		"SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
		"SCMP_ARCH_PPC64",    "SCMP_ARCH_PPC64LE",     "SCMP_ARCH_S390",
		"SCMP_ARCH_S390X",    "SCMP_ARCH_PARISC",      "SCMP_ARCH_PARISC64",
		"SCMP_ARCH_RISCV64",  "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
		"SCMP_ARCH_SH",       "SCMP_ARCH_SHEB",        NULL,
	};
	return oci_strv_has(names, name);
}

bool oci_seccomp_flag_known(const char *name)
{
	static const char *const names[] = {
		"SECCOMP_FILTER_FLAG_TSYNC",
		"SECCOMP_FILTER_FLAG_LOG",
		"SECCOMP_FILTER_FLAG_SPEC_ALLOW",
		"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
		NULL,
	};
	return oci_strv_has(names, name);
}

bool oci_propagation_known(const char *name)
{
	static const char *const names[] = {
		"shared", "slave",    "private",     "unbindable", "rshared",
		"rslave", "rprivate", "runbindable", NULL,
	};
	return oci_strv_has(names, name);
}

bool oci_mempolicy_mode_known(const char *name)
{
	static const char *const names[] = {
		"MPOL_DEFAULT",    "MPOL_BIND",
		"MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE",
		"MPOL_PREFERRED",  "MPOL_PREFERRED_MANY",
		"MPOL_LOCAL",      NULL,
	};
	return oci_strv_has(names, name);
}

bool oci_mempolicy_flag_known(const char *name)
{
	static const char *const names[] = {
		"MPOL_F_NUMA_BALANCING",
		"MPOL_F_RELATIVE_NODES",
		"MPOL_F_STATIC_NODES",
		NULL,
	};
	return oci_strv_has(names, name);
}

bool oci_time_clock_known(const char *name)
{
	static const char *const names[] = { "monotonic", "boottime", NULL };
	return oci_strv_has(names, name);
}

bool oci_personality_domain_known(const char *name)
{
	static const char *const names[] = { "LINUX", "LINUX32", NULL };
	return oci_strv_has(names, name);
}
