/* process-attr: oom_score_adj, scheduler, I/O priority, CPU affinity and
 * LSM exec labels.  sched_setattr and ioprio_set have no glibc wrapper, so
 * they are raw syscalls with the kernel's structures spelled out here.
 * LSM labels are written for exec (attr/exec), so they take effect at the
 * container's execve and never confine the runtime's remaining steps. */
#include "runtime/process-attr.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/banned.h"
#include "common/cleanup.h"
#include "common/parse.h"
#include "common/xalloc.h"
#include "runtime/security.h"

#define SELINUX_MAGIC 0xf97cff8c
/* A cap on cpu numbers in an affinity list (STYLE.md: every input has one) */
#define CPU_LIST_MAX 65536

static int write_file(const char *path, const char *buf, berth_error_t **err)
{
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_set(err, errno, "open '%s'", path);
	size_t len = strlen(buf);
	ssize_t n;
	do
		n = write(fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return berth_error_set(err, errno, "write '%s'", path);
	if ((size_t)n != len)
		return berth_error_fail(err, EIO, "write '%s': short write", path);
	return 0;
}

static int read_small_file(const char *path, char *buf, size_t size)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n;
	do
		n = read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int process_attr_set_oom_score_adj(int value, char ***warnings, berth_error_t **err)
{
	static const char path[] = "/proc/self/oom_score_adj";
	char buf[16];
	snprintf(buf, sizeof(buf), "%d", value);
	cleanup_error berth_error_t *werr = NULL;
	if (write_file(path, buf, &werr) == 0)
		return 0;
	char cur_s[16];
	int cur;
	/* EACCES: lowering below the process's minimum needs CAP_SYS_RESOURCE */
	if (werr->errnum != EACCES || read_small_file(path, cur_s, sizeof(cur_s)) < 0 ||
	    parse_int(cur_s, &cur, NULL) < 0 || value >= cur) {
		if (err) {
			*err = steal_pointer(&werr);
			return berth_error_wrap(err, "set oom_score_adj %d", value);
		}
		return -1;
	}
	security_warnf(warnings,
		       "oom_score_adj: lowering it to %d is not allowed without CAP_SYS_RESOURCE, "
		       "kept %d",
		       value, cur);
	return 0;
}

/* The kernel's struct sched_attr, SCHED_ATTR_SIZE_VER0 */
struct berth_sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
};

int process_attr_set_scheduler(const struct oci_scheduler *s, berth_error_t **err)
{
	if (s == NULL || !s->present)
		return 0;
	struct berth_sched_attr attr = {
		.size = sizeof(attr),
		.sched_policy = (uint32_t)s->policy_num,
		.sched_flags = s->flags_mask,
		.sched_nice = s->nice,
		.sched_priority = (uint32_t)s->priority,
		.sched_runtime = s->runtime,
		.sched_deadline = s->deadline,
		.sched_period = s->period,
	};
	if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0)
		return berth_error_set(err, errno, "set scheduler %s: sched_setattr",
				       s->policy ? s->policy : "(unnamed)");
	return 0;
}

#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_CLASS_SHIFT 13

int process_attr_set_io_priority(const struct oci_io_priority *p, berth_error_t **err)
{
	if (p == NULL || !p->present)
		return 0;
	const char *name = p->class_name ? p->class_name : "(unnamed)";
	if (p->class_num < 1 || p->class_num > 3 || p->priority < 0 || p->priority > 7)
		return berth_error_fail(err, EINVAL, "set I/O priority %s %d: out of range", name,
					p->priority);
	int prio = p->class_num << IOPRIO_CLASS_SHIFT | p->priority;
	if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, prio) < 0)
		return berth_error_set(err, errno, "set I/O priority %s %d: ioprio_set", name,
				       p->priority);
	return 0;
}

static int cpu_parse(const char **s, unsigned *ret)
{
	const char *p = *s;
	unsigned v = 0;
	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (unsigned)(*p++ - '0');
		if (v >= CPU_LIST_MAX)
			return -1;
	}
	*s = p;
	*ret = v;
	return 0;
}

int process_attr_set_cpu_affinity(const char *cpus, berth_error_t **err)
{
	if (cpus == NULL || *cpus == '\0')
		return 0;
	size_t size = CPU_ALLOC_SIZE(CPU_LIST_MAX);
	cleanup_free cpu_set_t *set = CPU_ALLOC(CPU_LIST_MAX);
	if (set == NULL)
		return berth_error_set(err, ENOMEM, "cpu affinity '%s'", cpus);
	CPU_ZERO_S(size, set);
	for (const char *p = cpus; *p;) {
		unsigned lo, hi;
		if (cpu_parse(&p, &lo) < 0)
			return berth_error_fail(err, EINVAL, "cpu affinity '%s': invalid cpu list",
						cpus);
		hi = lo;
		if (*p == '-') {
			p++;
			if (cpu_parse(&p, &hi) < 0 || hi < lo)
				return berth_error_fail(err, EINVAL,
							"cpu affinity '%s': invalid cpu list",
							cpus);
		}
		for (unsigned c = lo; c <= hi; c++)
			CPU_SET_S(c, size, set);
		if (*p == ',')
			p++;
		else if (*p != '\0')
			return berth_error_fail(err, EINVAL, "cpu affinity '%s': invalid cpu list",
						cpus);
	}
	/* The kernel reads at most its own cpumask size of a longer mask */
	if (sched_setaffinity(0, size, set) < 0)
		return berth_error_set(err, errno, "cpu affinity '%s': sched_setaffinity", cpus);
	return 0;
}

bool process_attr_apparmor_enabled(void)
{
	char buf[8] = "";
	if (read_small_file("/sys/module/apparmor/parameters/enabled", buf, sizeof(buf)) < 0)
		return false;
	return buf[0] == 'Y';
}

bool process_attr_selinux_enabled(void)
{
	struct statfs sfs;
	if (statfs("/sys/fs/selinux", &sfs) < 0)
		return false;
	return (uint32_t)sfs.f_type == (uint32_t)SELINUX_MAGIC;
}

/* The LSM attribute files are per thread; thread-self says so even if the
 * runtime ever has threads.  Newer kernels have a per-LSM directory. */
static int lsm_write_exec(const char *lsm_path, const char *value, berth_error_t **err)
{
	if (lsm_path) {
		cleanup_error berth_error_t *e = NULL;
		if (write_file(lsm_path, value, &e) == 0)
			return 0;
		if (e->errnum != ENOENT) {
			if (err) {
				*err = steal_pointer(&e);
				return berth_error_codep(err);
			}
			return -1;
		}
	}
	return write_file("/proc/thread-self/attr/exec", value, err);
}

int process_attr_set_apparmor(const char *profile, berth_error_t **err)
{
	if (profile == NULL || *profile == '\0')
		return 0;
	if (!process_attr_apparmor_enabled())
		return berth_error_fail(
			err, EOPNOTSUPP,
			"apparmor profile '%s': apparmor is not enabled on this host", profile);
	cleanup_free char *cmd = xasprintf("exec %s", profile);
	if (lsm_write_exec("/proc/thread-self/attr/apparmor/exec", cmd, err) < 0)
		return berth_error_wrap(err, "apparmor profile '%s'", profile);
	return 0;
}

int process_attr_set_selinux(const char *label, berth_error_t **err)
{
	if (label == NULL || *label == '\0')
		return 0;
	if (!process_attr_selinux_enabled())
		return berth_error_fail(err, EOPNOTSUPP,
					"selinux label '%s': selinux is not enabled on this host",
					label);
	if (lsm_write_exec(NULL, label, err) < 0)
		return berth_error_wrap(err, "selinux label '%s'", label);
	return 0;
}
