/* cgroup-bpf-dev: the cgroup v2 device filter, an eBPF program we assemble
 * by hand (the shape of crun's ebpf.c and runc's devicefilter) and attach
 * with the raw bpf(2) syscall.  Invariant: each program we attach is named
 * CG_BPF_DEV_NAME, and an update leaves exactly one of ours on the cgroup,
 * so that any later process finds it again with BPF_PROG_QUERY. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/banned.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "runtime/cgroup-bpf-dev.h"
#include "runtime/cgroup-internal.h"

/* ---- assembling --------------------------------------------------------- */

/* The few instruction forms we need; struct bpf_insn is the kernel's */
#define INSN(CODE, DST, SRC, OFF, IMM) \
	((struct bpf_insn){            \
		.code = (CODE), .dst_reg = (DST), .src_reg = (SRC), .off = (OFF), .imm = (IMM) })
#define LDX_W(DST, SRC, OFF) INSN(BPF_LDX | BPF_W | BPF_MEM, DST, SRC, OFF, 0)
#define ALU32_IMM(OP, DST, IMM) INSN(BPF_ALU | (OP) | BPF_K, DST, 0, 0, IMM)
#define MOV32_REG(DST, SRC) INSN(BPF_ALU | BPF_MOV | BPF_X, DST, SRC, 0, 0)
#define MOV64_IMM(DST, IMM) INSN(BPF_ALU64 | BPF_MOV | BPF_K, DST, 0, 0, IMM)
#define JMP_IMM(OP, DST, IMM, OFF) INSN(BPF_JMP | (OP) | BPF_K, DST, 0, OFF, IMM)
#define EXIT_INSN() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* Registers: R1 the context, then scratch; the rest hold the request */
enum {
	R_RET = BPF_REG_0,
	R_CTX = BPF_REG_1,
	R_TMP = BPF_REG_1,
	R_TYPE = BPF_REG_2,
	R_LEFT = BPF_REG_3, /* access bits asked for and not yet allowed */
	R_MAJOR = BPF_REG_4,
	R_MINOR = BPF_REG_5,
};

#define ACC_ALL (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)

struct prog {
	struct bpf_insn *insns;
	size_t n, alloc;
};

static void prog_add(struct prog *p, const struct bpf_insn *insns, size_t n)
{
	p->insns = xgrow(p->insns, &p->alloc, p->n + n, sizeof(*p->insns));
	memcpy(p->insns + p->n, insns, n * sizeof(*insns));
	p->n += n;
}

/* A rule as the program sees it; major/minor -1 is a wildcard */
struct dev_rule {
	bool allow;
	int type; /* BPF_DEVCG_DEV_*, 0 for any */
	int64_t major, minor;
	int access; /* BPF_DEVCG_ACC_* bits */
};

static int rule_parse(const struct oci_device_rule *d, size_t i, struct dev_rule *ret,
		      berth_error_t **err)
{
	const char *access = d->access ? d->access : "rwm";
	struct dev_rule r = { .allow = d->allow, .major = -1, .minor = -1 };
	switch (d->type) {
	case 0:
	case 'a':
		break;
	case 'c':
		r.type = BPF_DEVCG_DEV_CHAR;
		break;
	case 'b':
		r.type = BPF_DEVCG_DEV_BLOCK;
		break;
	default:
		return berth_error_fail(err, EINVAL,
					"linux.resources.devices[%zu]: invalid type '%c'", i,
					d->type);
	}
	if (access[0] == '\0' || strspn(access, "rwm") != strlen(access))
		return berth_error_fail(err, EINVAL,
					"linux.resources.devices[%zu]: invalid access '%s'", i,
					access);
	r.access = (strchr(access, 'r') ? BPF_DEVCG_ACC_READ : 0) |
		   (strchr(access, 'w') ? BPF_DEVCG_ACC_WRITE : 0) |
		   (strchr(access, 'm') ? BPF_DEVCG_ACC_MKNOD : 0);
	/* Jump immediates are s32 compared with a zero-extended u32, so a
	 * number past INT32_MAX could never match: refuse it.  (Real majors
	 * have 12 bits, minors 20.)  Negative means "any", as in the v1 back-end. */
	if ((d->has_major && d->major > INT32_MAX) || (d->has_minor && d->minor > INT32_MAX))
		return berth_error_fail(err, EINVAL,
					"linux.resources.devices[%zu]: device number out of range",
					i);
	if (d->has_major && d->major >= 0)
		r.major = d->major;
	if (d->has_minor && d->minor >= 0)
		r.minor = d->minor;
	*ret = r;
	return 0;
}

/* One rule: checks that jump past the block when the device does not
 * match, then the verdict.  An allow takes its bits off R_LEFT and passes
 * the request once nothing is left; a deny fails it when it names a bit
 * still undecided.  Returns whether the block always exits (nothing after
 * it is reachable, and the verifier rejects unreachable code). */
static bool emit_rule(struct prog *p, const struct dev_rule *r)
{
	struct bpf_insn b[8];
	size_t n = 0, checks;
	if (r->type)
		b[n++] = JMP_IMM(BPF_JNE, R_TYPE, r->type, 0);
	if (r->major >= 0)
		b[n++] = JMP_IMM(BPF_JNE, R_MAJOR, (int32_t)r->major, 0);
	if (r->minor >= 0)
		b[n++] = JMP_IMM(BPF_JNE, R_MINOR, (int32_t)r->minor, 0);
	checks = n;
	if (r->allow && r->access == ACC_ALL) {
		b[n++] = MOV64_IMM(R_RET, 1);
		b[n++] = EXIT_INSN();
	} else if (r->allow) {
		b[n++] = ALU32_IMM(BPF_AND, R_LEFT, ~r->access & ACC_ALL);
		b[n++] = JMP_IMM(BPF_JNE, R_LEFT, 0, 2);
		b[n++] = MOV64_IMM(R_RET, 1);
		b[n++] = EXIT_INSN();
	} else {
		b[n++] = MOV32_REG(R_TMP, R_LEFT);
		b[n++] = ALU32_IMM(BPF_AND, R_TMP, r->access);
		b[n++] = JMP_IMM(BPF_JEQ, R_TMP, 0, 2);
		b[n++] = MOV64_IMM(R_RET, 0);
		b[n++] = EXIT_INSN();
	}
	for (size_t i = 0; i < checks; i++)
		b[i].off = (int16_t)(n - i - 1);
	prog_add(p, b, n);
	return checks == 0 && r->allow && r->access == ACC_ALL;
}

int cg_bpf_dev_build(const struct oci_device_rule *rules, size_t n, struct bpf_insn **ret,
		     size_t *ret_n, berth_error_t **err)
{
	/* struct bpf_cgroup_dev_ctx: access_type (access << 16 | type),
	 * major, minor, all u32 */
	static const struct bpf_insn head[] = {
		LDX_W(R_TYPE, R_CTX, 0), /* type = access_type & 0xffff */
		ALU32_IMM(BPF_AND, R_TYPE, 0xffff),
		LDX_W(R_LEFT, R_CTX, 0), /* left = access_type >> 16 */
		ALU32_IMM(BPF_RSH, R_LEFT, 16),
		LDX_W(R_MAJOR, R_CTX, 4), /* major */
		LDX_W(R_MINOR, R_CTX, 8), /* minor */
	};
	static const struct bpf_insn deny[] = { MOV64_IMM(R_RET, 0), EXIT_INSN() };
	/* Every rule is checked, even those an allow-everything rule after
	 * them shadows: a bad config fails the same way on v1 and v2 */
	cleanup_free struct dev_rule *parsed = xcalloc(n ? n : 1, sizeof(*parsed));
	for (size_t i = 0; i < n; i++)
		if (rule_parse(&rules[i], i, &parsed[i], err) < 0)
			return -1;
	struct prog p = { 0 };
	bool done = false;
	prog_add(&p, head, sizeof(head) / sizeof(head[0]));
	/* Last rule first: for each access bit the first block that decides
	 * it is the last rule in config order that matches.  Past a block
	 * that always exits nothing is reachable: stop there. */
	for (size_t i = n; i-- > 0 && !done;) {
		done = emit_rule(&p, &parsed[i]);
		if (p.n > CG_BPF_DEV_MAX_INSNS) {
			free(p.insns);
			return berth_error_fail(err, E2BIG,
						"linux.resources.devices: %zu rules make a device "
						"filter longer than %d instructions",
						n, CG_BPF_DEV_MAX_INSNS);
		}
	}
	if (!done)
		prog_add(&p, deny, 2);
	*ret = p.insns;
	*ret_n = p.n;
	return 0;
}

/* ---- bpf(2) ------------------------------------------------------------- */

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	int r;
	do
		r = (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
	while (r < 0 && errno == EINTR);
	return r;
}

static uint64_t ptr_u64(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static int prog_load(const struct bpf_insn *insns, size_t n, char *log, size_t log_size)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = ptr_u64(insns);
	a.insn_cnt = (uint32_t)n;
	/* no GPL-only helpers are called, so the project's licence does */
	a.license = ptr_u64("Apache-2.0");
	memcpy(a.prog_name, CG_BPF_DEV_NAME, sizeof(CG_BPF_DEV_NAME));
	if (log) {
		log[0] = '\0';
		a.log_level = 1;
		a.log_buf = ptr_u64(log);
		a.log_size = (uint32_t)log_size;
	}
	int fd;
	/* the verifier gives up with EAGAIN when a signal is pending */
	for (int tries = 0; tries < 5; tries++) {
		fd = sys_bpf(BPF_PROG_LOAD, &a);
		if (fd >= 0 || errno != EAGAIN)
			break;
	}
	return fd;
}

/* The verifier log on one line: its head, and its tail where the reason
 * usually is when the whole would be too long for a message */
static char *log_summary(const char *log)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len = strlen(log);
	while (len && (log[len - 1] == '\n' || log[len - 1] == ' '))
		len--;
	for (size_t i = 0; i < len; i++) {
		if (len > 1024 && i == 512) {
			strbuf_addstr(&sb, " ... ");
			i = len - 512;
		}
		if (log[i] == '\n')
			strbuf_addstr(&sb, "; ");
		else
			strbuf_addch(&sb, log[i]);
	}
	return strbuf_detach(&sb, NULL);
}

int cg_bpf_dev_load(const struct bpf_insn *insns, size_t n, berth_error_t **err)
{
	int fd = prog_load(insns, n, NULL, 0);
	if (fd < 0 && errno == EPERM) {
		/* Before Linux 5.11 programs were charged to RLIMIT_MEMLOCK.
		 * Raise it for the load only: our children (the container)
		 * must not inherit an unlimited memlock limit. */
		struct rlimit old, inf = { RLIM_INFINITY, RLIM_INFINITY };
		if (getrlimit(RLIMIT_MEMLOCK, &old) == 0 && setrlimit(RLIMIT_MEMLOCK, &inf) == 0) {
			fd = prog_load(insns, n, NULL, 0);
			int saved = errno;
			setrlimit(RLIMIT_MEMLOCK, &old);
			errno = saved;
		}
	}
	if (fd >= 0)
		return fd;
	if (errno != EINVAL && errno != EACCES)
		return berth_error_set(err, errno, "load the eBPF device filter");
	/* A verifier rejection: load again to get its log */
	size_t log_size = 256 * 1024;
	cleanup_free char *log = xmalloc(log_size);
	fd = prog_load(insns, n, log, log_size);
	if (fd >= 0)
		return fd;
	int e = errno;
	cleanup_free char *sum = log_summary(log);
	return berth_error_set(err, e, "load the eBPF device filter (%zu instructions): %s", n,
			       sum[0] ? sum : "no verifier log");
}

int cg_bpf_dev_query(int dirfd, uint32_t **ret, size_t *ret_n, berth_error_t **err)
{
	/* Linux caps a cgroup at 64 programs an attach type; allow for more */
	for (uint32_t cap = 64; cap <= 4096; cap *= 2) {
		cleanup_free uint32_t *ids = xcalloc(cap, sizeof(*ids));
		union bpf_attr a;
		memset(&a, 0, sizeof(a));
		a.query.target_fd = (uint32_t)dirfd;
		a.query.attach_type = BPF_CGROUP_DEVICE;
		a.query.prog_ids = ptr_u64(ids);
		a.query.prog_cnt = cap;
		if (sys_bpf(BPF_PROG_QUERY, &a) < 0) {
			if (errno == ENOSPC)
				continue;
			return berth_error_set(err, errno, "query the eBPF device filters");
		}
		*ret = steal_pointer(&ids);
		*ret_n = a.query.prog_cnt;
		return 0;
	}
	return berth_error_set(err, ENOSPC, "query the eBPF device filters");
}

/* An fd for program id when it is one of ours; -1 when it is not (or is
 * gone already: ENOENT) */
static int our_prog_fd(uint32_t id, berth_error_t **err)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.prog_id = id;
	cleanup_close int fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
	if (fd < 0 && errno == ENOENT)
		return -1;
	if (fd < 0)
		return berth_error_set(err, errno, "open eBPF program %u", id);
	struct bpf_prog_info info;
	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof(info);
	a.info.info = ptr_u64(&info);
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) < 0)
		return berth_error_set(err, errno, "inspect eBPF program %u", id);
	if (info.type != BPF_PROG_TYPE_CGROUP_DEVICE || strcmp(info.name, CG_BPF_DEV_NAME) != 0)
		return -1;
	return take_fd(&fd);
}

/* The fds of our programs on dirfd; *ret owned by the caller (close each) */
static int our_progs(int dirfd, int **ret, size_t *ret_n, berth_error_t **err)
{
	cleanup_free uint32_t *ids = NULL;
	size_t n = 0, k = 0;
	if (cg_bpf_dev_query(dirfd, &ids, &n, err) < 0)
		return -1;
	int *fds = xcalloc(n ? n : 1, sizeof(*fds));
	for (size_t i = 0; i < n; i++) {
		cleanup_error berth_error_t *e = NULL;
		int fd = our_prog_fd(ids[i], &e);
		if (fd < 0 && e) {
			for (size_t j = 0; j < k; j++)
				close(fds[j]);
			free(fds);
			return cg_error_move(err, &e);
		}
		if (fd >= 0)
			fds[k++] = fd;
	}
	*ret = fds;
	*ret_n = k;
	return 0;
}

static void close_all(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
}

static int detach_fds(int dirfd, const int *fds, size_t n, berth_error_t **err)
{
	for (size_t i = 0; i < n; i++) {
		union bpf_attr a;
		memset(&a, 0, sizeof(a));
		a.target_fd = (uint32_t)dirfd;
		a.attach_bpf_fd = (uint32_t)fds[i];
		a.attach_type = BPF_CGROUP_DEVICE;
		/* ENOENT: a concurrent update detached it already */
		if (sys_bpf(BPF_PROG_DETACH, &a) < 0 && errno != ENOENT)
			return berth_error_set(err, errno, "detach the old eBPF device filter");
	}
	return 0;
}

/* Attach progfd, taking the place of ours: atomically with BPF_F_REPLACE
 * when exactly one of ours is there (Linux 5.6), else attach first and
 * detach the old ones after, so that the cgroup is never unfiltered.  A
 * concurrent update can detach the program we meant to replace (ENOENT):
 * then look again. */
static int attach_replacing(int dirfd, int progfd, berth_error_t **err)
{
	bool can_replace = true;
	for (int attempt = 0; attempt < 8; attempt++) {
		int *old = NULL;
		size_t n_old = 0;
		if (our_progs(dirfd, &old, &n_old, err) < 0)
			return -1;
		union bpf_attr a;
		memset(&a, 0, sizeof(a));
		a.target_fd = (uint32_t)dirfd;
		a.attach_bpf_fd = (uint32_t)progfd;
		a.attach_type = BPF_CGROUP_DEVICE;
		a.attach_flags = BPF_F_ALLOW_MULTI;
		bool replace = can_replace && n_old == 1;
		if (replace) {
			a.attach_flags |= BPF_F_REPLACE;
			a.replace_bpf_fd = (uint32_t)old[0];
		}
		if (sys_bpf(BPF_PROG_ATTACH, &a) < 0) {
			int e = errno;
			close_all(old, n_old);
			if (replace && e == EINVAL) {
				can_replace = false; /* older kernel */
				continue;
			}
			if (replace && e == ENOENT)
				continue;
			if (e == EPERM)
				return berth_error_set(err, e,
						       "attach the eBPF device filter (a program "
						       "attached without BPF_F_ALLOW_MULTI is in the "
						       "way, or no privilege)");
			return berth_error_set(err, e, "attach the eBPF device filter");
		}
		int r = replace ? 0 : detach_fds(dirfd, old, n_old, err);
		close_all(old, n_old);
		return r;
	}
	return berth_error_set(err, EAGAIN,
			       "attach the eBPF device filter: concurrent updates kept racing");
}

/* Whether we run in a user namespace other than the initial one, whose
 * uid_map is the identity over the whole range */
static bool in_userns(void)
{
	cleanup_free char *map = NULL;
	if (cg_read("/proc/self", "uid_map", &map, NULL) < 0)
		return false;
	/* "0 0 4294967295", padded with spaces, and nothing after */
	char *p = map, *end;
	unsigned long v[3];
	for (int i = 0; i < 3; i++) {
		errno = 0;
		v[i] = strtoul(p, &end, 10);
		if (end == p || errno)
			return true;
		p = end;
	}
	return !(v[0] == 0 && v[1] == 0 && v[2] == 4294967295UL && strspn(p, " \n") == strlen(p));
}

int cg_bpf_dev_apply(struct cgroup *cg, const char *dir, const struct oci_device_rule *rules,
		     size_t n, berth_error_t **err)
{
	cleanup_free struct bpf_insn *insns = NULL;
	size_t n_insns = 0;
	if (cg_bpf_dev_build(rules, n, &insns, &n_insns, err) < 0)
		return -1;
	cleanup_error berth_error_t *e = NULL;
	cleanup_close int progfd = cg_bpf_dev_load(insns, n_insns, &e);
	if (progfd < 0 && berth_error_code(e) == -EPERM && in_userns()) {
		/* bpf(2) needs CAP_BPF/CAP_SYS_ADMIN of the initial user
		 * namespace; a rootless container cannot mknod, and sees
		 * only the device nodes bind-mounted for it */
		cg_warn(cg, "device rules are not enforced: bpf(2) is not permitted in a user "
			    "namespace, ignoring");
		return 0;
	}
	if (progfd < 0)
		return cg_error_move(err, &e);
	cleanup_close int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return berth_error_set(err, errno, "open %s", dir);
	if (attach_replacing(dirfd, progfd, err) < 0)
		return berth_error_wrap(err, "%s", dir);
	log_debug("device filter of %zu rules (%zu instructions) attached to %s", n, n_insns, dir);
	return 0;
}

int cg_bpf_dev_detach(const char *dir, berth_error_t **err)
{
	cleanup_close int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return berth_error_set(err, errno, "open %s", dir);
	int *fds = NULL;
	size_t n = 0;
	if (our_progs(dirfd, &fds, &n, err) < 0)
		return -1;
	int r = detach_fds(dirfd, fds, n, err);
	close_all(fds, n);
	return r;
}
