/* seccomp-default: docker's default seccomp profile as a table.  Why a C
 * table and not the JSON file: the table is the one checked-in copy, it
 * needs no generator at build time and no file at run time (berthd may run
 * from anywhere), and each rule reads as one line of intent.  Denied is
 * everything not listed (EPERM); rules with `caps` apply only when the
 * container's bounding set holds every cap named, `xcaps` rules only when
 * it holds none of them (docker's includes/excludes). */
#include <string.h>

#include "daemon/containers/seccomp-default.h"

#include "common/banned.h"
#include "common/xalloc.h"

struct rule {
	const char *names;  /* space-separated */
	const char *action; /* NULL: SCMP_ACT_ALLOW */
	int errno_ret;      /* with SCMP_ACT_ERRNO */
	int arg_index;      /* -1: no argument filter */
	unsigned long long arg_value;
	const char *arg_op;
	const char *arches;  /* includes.arches, space-separated */
	const char *xarches; /* excludes.arches */
	const char *caps;    /* includes.caps */
	const char *xcaps;   /* excludes.caps */
	const char *min_kernel;
};

#define NOARG .arg_index = -1 /* NOLINT(bugprone-macro-parentheses): a designator */

static const struct rule rules[] = {
	{ .names = "accept accept4 access adjtimex alarm bind brk capget capset chdir chmod chown "
		   "chown32 clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 "
		   "clock_gettime clock_gettime64 clock_nanosleep clock_nanosleep_time64 close "
		   "close_range connect copy_file_range creat dup dup2 dup3 epoll_create "
		   "epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait "
		   "epoll_wait_old eventfd eventfd2 execve execveat exit exit_group faccessat "
		   "faccessat2 fadvise64 fadvise64_64 fallocate fanotify_mark fchdir fchmod "
		   "fchmodat fchown fchown32 fchownat fcntl fcntl64 fdatasync fgetxattr "
		   "flistxattr flock fork fremovexattr fsetxattr fstat fstat64 fstatat64 fstatfs "
		   "fstatfs64 fsync ftruncate ftruncate64 futex futex_time64 futex_waitv "
		   "futimesat getcpu getcwd getdents getdents64 getegid getegid32 geteuid "
		   "geteuid32 getgid getgid32 getgroups getgroups32 getitimer getpeername getpgid "
		   "getpgrp getpid getppid getpriority getrandom getresgid getresgid32 getresuid "
		   "getresuid32 getrlimit get_robust_list getrusage getsid getsockname getsockopt "
		   "get_thread_area gettid gettimeofday getuid getuid32 getxattr "
		   "inotify_add_watch inotify_init inotify_init1 inotify_rm_watch io_cancel ioctl "
		   "io_destroy io_getevents io_pgetevents io_pgetevents_time64 ioprio_get "
		   "ioprio_set io_setup io_submit io_uring_enter io_uring_register io_uring_setup "
		   "ipc kill landlock_add_rule landlock_create_ruleset landlock_restrict_self "
		   "lchown lchown32 lgetxattr link linkat listen listxattr llistxattr _llseek "
		   "lremovexattr lseek lsetxattr lstat lstat64 madvise membarrier memfd_create "
		   "memfd_secret mincore mkdir mkdirat mknod mknodat mlock mlock2 mlockall mmap "
		   "mmap2 mprotect mq_getsetattr mq_notify mq_open mq_timedreceive "
		   "mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 mq_unlink mremap "
		   "msgctl msgget msgrcv msgsnd msync munlock munlockall munmap name_to_handle_at "
		   "nanosleep newfstatat _newselect open openat openat2 pause pidfd_open "
		   "pidfd_send_signal pipe pipe2 pkey_alloc pkey_free pkey_mprotect poll ppoll "
		   "ppoll_time64 prctl pread64 preadv preadv2 prlimit64 process_mrelease pselect6 "
		   "pselect6_time64 pwrite64 pwritev pwritev2 read readahead readlink readlinkat "
		   "readv recv recvfrom recvmmsg recvmmsg_time64 recvmsg remap_file_pages "
		   "removexattr rename renameat renameat2 restart_syscall rmdir rseq rt_sigaction "
		   "rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend "
		   "rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo sched_getaffinity "
		   "sched_getattr sched_getparam sched_get_priority_max sched_get_priority_min "
		   "sched_getscheduler sched_rr_get_interval sched_rr_get_interval_time64 "
		   "sched_setaffinity sched_setattr sched_setparam sched_setscheduler sched_yield "
		   "seccomp select semctl semget semop semtimedop semtimedop_time64 send sendfile "
		   "sendfile64 sendmmsg sendmsg sendto setfsgid setfsgid32 setfsuid setfsuid32 "
		   "setgid setgid32 setgroups setgroups32 setitimer setpgid setpriority setregid "
		   "setregid32 setresgid setresgid32 setresuid setresuid32 setreuid setreuid32 "
		   "setrlimit set_robust_list setsid setsockopt set_thread_area set_tid_address "
		   "setuid setuid32 setxattr shmat shmctl shmdt shmget shutdown sigaltstack "
		   "signalfd signalfd4 sigprocmask sigreturn socketcall socketpair splice stat "
		   "stat64 statfs statfs64 statx symlink symlinkat sync sync_file_range syncfs "
		   "sysinfo tee tgkill time timer_create timer_delete timer_getoverrun "
		   "timer_gettime timer_gettime64 timer_settime timer_settime64 timerfd_create "
		   "timerfd_gettime timerfd_gettime64 timerfd_settime timerfd_settime64 times "
		   "tkill truncate truncate64 ugetrlimit umask uname unlink unlinkat utime "
		   "utimensat utimensat_time64 utimes vfork vmsplice wait4 waitid waitpid write "
		   "writev",
	  NOARG },
	/* ptrace became safe to allow with kernel 4.8 (seccomp bypass fixed) */
	{ .names = "process_vm_readv process_vm_writev ptrace", NOARG, .min_kernel = "4.8" },
	/* no AF_VSOCK (40) sockets */
	{ .names = "socket", .arg_index = 0, .arg_value = 40, .arg_op = "SCMP_CMP_NE" },
	/* personality: only PER_LINUX, PER_LINUX32, UNAME26 variants and the query */
	{ .names = "personality", .arg_index = 0, .arg_value = 0x0, .arg_op = "SCMP_CMP_EQ" },
	{ .names = "personality", .arg_index = 0, .arg_value = 0x8, .arg_op = "SCMP_CMP_EQ" },
	{ .names = "personality", .arg_index = 0, .arg_value = 0x20000, .arg_op = "SCMP_CMP_EQ" },
	{ .names = "personality", .arg_index = 0, .arg_value = 0x20008, .arg_op = "SCMP_CMP_EQ" },
	{ .names = "personality", .arg_index = 0, .arg_value = 0xffffffff, .arg_op = "SCMP_CMP_EQ" },
	{ .names = "sync_file_range2 swapcontext", NOARG, .arches = "ppc64le" },
	{ .names = "arm_fadvise64_64 arm_sync_file_range sync_file_range2 breakpoint cacheflush "
		   "set_tls",
	  NOARG,
	  .arches = "arm arm64" },
	{ .names = "arch_prctl", NOARG, .arches = "amd64 x32" },
	{ .names = "modify_ldt", NOARG, .arches = "amd64 x32 x86" },
	{ .names = "s390_pci_mmio_read s390_pci_mmio_write s390_runtime_instr",
	  NOARG,
	  .arches = "s390 s390x" },
	{ .names = "riscv_flush_icache", NOARG, .arches = "riscv64" },
	{ .names = "open_by_handle_at", NOARG, .caps = "CAP_DAC_READ_SEARCH" },
	{ .names = "bpf clone clone3 fanotify_init fsconfig fsmount fsopen fspick lookup_dcookie "
		   "mount mount_setattr move_mount open_tree perf_event_open quotactl quotactl_fd "
		   "setdomainname sethostname setns syslog umount umount2 unshare",
	  NOARG,
	  .caps = "CAP_SYS_ADMIN" },
	/* without CAP_SYS_ADMIN: clone, but none of the CLONE_NEW* flags
	 * (0x7E020000 = NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET) */
	{ .names = "clone",
	  .arg_index = 0,
	  .arg_value = 0x7E020000,
	  .arg_op = "SCMP_CMP_MASKED_EQ",
	  .xarches = "s390 s390x",
	  .xcaps = "CAP_SYS_ADMIN" },
	/* s390 passes clone's flags second */
	{ .names = "clone",
	  .arg_index = 1,
	  .arg_value = 0x7E020000,
	  .arg_op = "SCMP_CMP_MASKED_EQ",
	  .arches = "s390 s390x",
	  .xcaps = "CAP_SYS_ADMIN" },
	/* clone3's flags live in memory seccomp cannot read: ENOSYS makes libc
	 * fall back to clone */
	{ .names = "clone3",
	  .action = "SCMP_ACT_ERRNO",
	  .errno_ret = 38,
	  NOARG,
	  .xcaps = "CAP_SYS_ADMIN" },
	{ .names = "reboot", NOARG, .caps = "CAP_SYS_BOOT" },
	{ .names = "chroot", NOARG, .caps = "CAP_SYS_CHROOT" },
	{ .names = "delete_module init_module finit_module", NOARG, .caps = "CAP_SYS_MODULE" },
	{ .names = "acct", NOARG, .caps = "CAP_SYS_PACCT" },
	{ .names = "kcmp pidfd_getfd process_madvise process_vm_readv process_vm_writev ptrace",
	  NOARG,
	  .caps = "CAP_SYS_PTRACE" },
	{ .names = "iopl ioperm", NOARG, .caps = "CAP_SYS_RAWIO" },
	{ .names = "settimeofday stime clock_settime clock_settime64",
	  NOARG,
	  .caps = "CAP_SYS_TIME" },
	{ .names = "vhangup", NOARG, .caps = "CAP_SYS_TTY_CONFIG" },
	{ .names = "get_mempolicy mbind set_mempolicy set_mempolicy_home_node",
	  NOARG,
	  .caps = "CAP_SYS_NICE" },
	{ .names = "syslog", NOARG, .caps = "CAP_SYSLOG" },
	{ .names = "bpf", NOARG, .caps = "CAP_BPF" },
	{ .names = "perf_event_open", NOARG, .caps = "CAP_PERFMON" },
};

/* The main arch of each family and the arches its kernels also run */
static const char *const arch_map[][4] = {
	{ "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL },
	{ "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", NULL, NULL },
	{ "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64N32", NULL },
	{ "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", NULL },
	{ "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64N32", NULL },
	{ "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", NULL },
	{ "SCMP_ARCH_S390X", "SCMP_ARCH_S390", NULL, NULL },
	{ "SCMP_ARCH_RISCV64", NULL, NULL, NULL },
};

static json_t *words(const char *s)
{
	json_t *a = json_array();
	while (*s) {
		size_t n = strcspn(s, " ");
		if (n)
			json_array_append_new(a, json_stringn(s, n));
		s += n;
		s += strspn(s, " ");
	}
	return a;
}

static json_t *filter(const char *arches, const char *caps, const char *min_kernel)
{
	json_t *f = json_object();
	if (arches)
		json_object_set_new(f, "arches", words(arches));
	if (caps)
		json_object_set_new(f, "caps", words(caps));
	if (min_kernel)
		json_object_set_new(f, "minKernel", json_string(min_kernel));
	return f;
}

static json_t *rule_json(const struct rule *r)
{
	json_t *o = json_pack("{s:o, s:s}", "names", words(r->names), "action",
			      r->action ? r->action : "SCMP_ACT_ALLOW");
	if (r->errno_ret)
		json_object_set_new(o, "errnoRet", json_integer(r->errno_ret));
	if (r->arg_index >= 0)
		json_object_set_new(o, "args",
				    json_pack("[{s:i, s:I, s:s}]", "index", r->arg_index, "value",
					      (json_int_t)r->arg_value, "op", r->arg_op));
	json_object_set_new(o, "includes", filter(r->arches, r->caps, r->min_kernel));
	json_object_set_new(o, "excludes", filter(r->xarches, r->xcaps, NULL));
	return o;
}

json_t *seccomp_default_profile(void)
{
	json_t *archs = json_array();
	for (size_t i = 0; i < sizeof(arch_map) / sizeof(arch_map[0]); i++) {
		json_t *subs = json_array();
		for (size_t j = 1; j < 4 && arch_map[i][j]; j++)
			json_array_append_new(subs, json_string(arch_map[i][j]));
		json_array_append_new(archs, json_pack("{s:s, s:o}", "architecture", arch_map[i][0],
						       "subArchitectures", subs));
	}
	json_t *syscalls = json_array();
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		json_array_append_new(syscalls, rule_json(&rules[i]));
	return json_pack("{s:s, s:i, s:o, s:o}", "defaultAction", "SCMP_ACT_ERRNO",
			 "defaultErrnoRet", 1, "archMap", archs, "syscalls", syscalls);
}
