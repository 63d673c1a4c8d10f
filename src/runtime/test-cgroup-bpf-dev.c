/* Unit tests for the cgroup v2 device filter.  Anywhere: rule checking, and
 * the assembled program run by a small interpreter of the instructions we
 * emit against a model of the semantics.  As root with a cgroup2 mount
 * (the unified mount of a hybrid host will do: device programs attach to
 * any cgroup2 directory): the kernel's verdict on a child moved into a
 * filtered cgroup, and updates.  Teardown detaches and removes everything. */
#include "common/unit.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "runtime/cgroup-bpf-dev.h"
#include "runtime/cgroup-internal.h"

#define ALLOW(t, ma, mi, acc)                                              \
	{                                                                  \
		true, (t), (ma) >= 0, (mi) >= 0, (ma), (mi), (char *)(acc) \
	}
#define DENY(t, ma, mi, acc)                                                \
	{                                                                   \
		false, (t), (ma) >= 0, (mi) >= 0, (ma), (mi), (char *)(acc) \
	}
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the program, interpreted ------------------------------------------- */

/* Run the subset of eBPF that cgroup-bpf-dev.c emits; anything else, a
 * backward jump or running off the end fails the test */
static int run(const struct bpf_insn *p, size_t n, int type, int access, uint32_t major,
	       uint32_t minor)
{
	uint64_t r[11] = { 0 };
	uint32_t ctx[3] = { (uint32_t)access << 16 | (uint32_t)type, major, minor };
	for (size_t pc = 0; pc < n; pc++) {
		const struct bpf_insn *i = &p[pc];
		uint64_t imm64 = (uint64_t)(int64_t)i->imm;
		assert_true(i->dst_reg < 11 && i->src_reg < 11);
		switch (i->code) {
		case BPF_LDX | BPF_W | BPF_MEM:
			assert_int_equal(i->src_reg, BPF_REG_1);
			assert_true(i->off >= 0 && i->off <= 8 && i->off % 4 == 0);
			r[i->dst_reg] = ctx[i->off / 4];
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			r[i->dst_reg] = (uint32_t)r[i->dst_reg] & (uint32_t)i->imm;
			break;
		case BPF_ALU | BPF_RSH | BPF_K:
			r[i->dst_reg] = (uint32_t)r[i->dst_reg] >> i->imm;
			break;
		case BPF_ALU | BPF_MOV | BPF_X:
			r[i->dst_reg] = (uint32_t)r[i->src_reg];
			break;
		case BPF_ALU64 | BPF_MOV | BPF_K:
			r[i->dst_reg] = imm64;
			break;
		case BPF_JMP | BPF_JNE | BPF_K:
		case BPF_JMP | BPF_JEQ | BPF_K: {
			bool eq = r[i->dst_reg] == imm64;
			assert_true(i->off > 0 && pc + (size_t)i->off < n);
			if (eq == ((i->code & 0xf0) == BPF_JEQ))
				pc += (size_t)i->off;
			break;
		}
		case BPF_JMP | BPF_EXIT:
			return (int)r[0];
		default:
			fail_msg("unexpected instruction 0x%02x at %zu", i->code, pc);
		}
	}
	fail_msg("the program runs off its end");
	return -1;
}

/* The semantics cgroup-bpf-dev.h promises: per access bit, the last rule
 * that matches the device and names the bit decides; none means deny */
static int model(const struct oci_device_rule *rules, size_t n, int type, int access, int64_t major,
		 int64_t minor)
{
	static const struct {
		int bit;
		char c;
	} bits[] = { { BPF_DEVCG_ACC_READ, 'r' },
		     { BPF_DEVCG_ACC_WRITE, 'w' },
		     { BPF_DEVCG_ACC_MKNOD, 'm' } };
	char tc = type == BPF_DEVCG_DEV_CHAR ? 'c' : 'b';
	for (size_t b = 0; b < N(bits); b++) {
		if (!(access & bits[b].bit))
			continue;
		bool allowed = false;
		for (size_t i = n; i-- > 0;) {
			const struct oci_device_rule *d = &rules[i];
			if ((d->type != 'a' && d->type != tc) ||
			    (d->has_major && d->major >= 0 && d->major != major) ||
			    (d->has_minor && d->minor >= 0 && d->minor != minor) ||
			    !strchr(d->access ? d->access : "rwm", bits[b].c))
				continue;
			allowed = d->allow;
			break;
		}
		if (!allowed)
			return 0;
	}
	return 1;
}

static void build(const struct oci_device_rule *rules, size_t n, struct bpf_insn **p, size_t *pn)
{
	cleanup_error berth_error_t *err = NULL;
	if (cg_bpf_dev_build(rules, n, p, pn, &err) < 0)
		fail_msg("%s", err->msg);
}

static void test_build_refuses(void **state)
{
	struct oci_device_rule bad_type[] = { ALLOW('u', 1, 3, "rwm") };
	struct oci_device_rule bad_access[] = { ALLOW('c', 1, 3, "rx") };
	struct oci_device_rule empty_access[] = { ALLOW('c', 1, 3, "") };
	struct oci_device_rule big[] = { ALLOW('c', (int64_t)1 << 31, 3, "r") };
	/* shadowed by the allow-all after it, still refused */
	struct oci_device_rule shadowed[] = { ALLOW('c', 1, 3, "q"), ALLOW('a', -1, -1, "rwm") };
	const struct {
		struct oci_device_rule *r;
		size_t n;
		const char *needle;
	} cases[] = {
		{ bad_type, 1, "devices[0]: invalid type 'u'" },
		{ bad_access, 1, "devices[0]: invalid access 'rx'" },
		{ empty_access, 1, "invalid access ''" },
		{ big, 1, "out of range" },
		{ shadowed, 2, "devices[0]: invalid access 'q'" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		cleanup_error berth_error_t *err = NULL;
		struct bpf_insn *p = NULL;
		size_t pn = 0;
		assert_true(cg_bpf_dev_build(cases[i].r, cases[i].n, &p, &pn, &err) < 0);
		assert_null(p);
		assert_error_contains(err, cases[i].needle);
		assert_int_equal(err->errnum, EINVAL);
	}
	/* the instruction cap */
	size_t many = CG_BPF_DEV_MAX_INSNS / 4;
	cleanup_free struct oci_device_rule *v = xcalloc(many, sizeof(*v));
	for (size_t i = 0; i < many; i++)
		v[i] = (struct oci_device_rule)ALLOW('c', 1, (int64_t)i, "r");
	cleanup_error berth_error_t *err = NULL;
	struct bpf_insn *p = NULL;
	size_t pn = 0;
	assert_true(cg_bpf_dev_build(v, many, &p, &pn, &err) < 0);
	assert_error_contains(err, "longer than");
}

static void test_program_cases(void **state)
{
	const int C = BPF_DEVCG_DEV_CHAR, B = BPF_DEVCG_DEV_BLOCK;
	const int R = BPF_DEVCG_ACC_READ, W = BPF_DEVCG_ACC_WRITE, M = BPF_DEVCG_ACC_MKNOD;
	struct oci_device_rule basic[] = { DENY('a', -1, -1, NULL), ALLOW('c', 1, 3, "rwm"),
					   ALLOW('c', 1, 5, "r") };
	struct bpf_insn *p cleanup_free = NULL;
	size_t pn = 0;
	build(basic, N(basic), &p, &pn);
	assert_int_equal(run(p, pn, C, R | W, 1, 3), 1);
	assert_int_equal(run(p, pn, C, M, 1, 3), 1);
	assert_int_equal(run(p, pn, C, R, 1, 5), 1);
	assert_int_equal(run(p, pn, C, W, 1, 5), 0);
	assert_int_equal(run(p, pn, C, R | W, 1, 5), 0);
	assert_int_equal(run(p, pn, C, R, 1, 7), 0);
	assert_int_equal(run(p, pn, B, R, 1, 3), 0);

	/* no rules at all: deny */
	struct bpf_insn *q cleanup_free = NULL;
	build(NULL, 0, &q, &pn);
	assert_int_equal(run(q, pn, C, R, 1, 3), 0);

	/* rules before an allow-everything are dead code: not emitted */
	struct oci_device_rule all[] = { ALLOW('c', 1, 3, "r"), ALLOW('a', -1, -1, "rwm") };
	struct bpf_insn *a cleanup_free = NULL;
	build(all, N(all), &a, &pn);
	assert_int_equal(pn, 6 + 2);
	assert_int_equal(run(a, pn, B, R | W | M, 8, 0), 1);

	/* access split over two rules adds up, as v1 merges exceptions */
	struct oci_device_rule split[] = { ALLOW('c', 1, 3, "r"), ALLOW('c', 1, 3, "w") };
	struct bpf_insn *s cleanup_free = NULL;
	build(split, N(split), &s, &pn);
	assert_int_equal(run(s, pn, C, R | W, 1, 3), 1);
	assert_int_equal(run(s, pn, C, R | W | M, 1, 3), 0);

	/* a deny of one bit fails a request naming it among others */
	struct oci_device_rule dw[] = { ALLOW('c', 1, 3, "rwm"), DENY('c', 1, 3, "w") };
	struct bpf_insn *d cleanup_free = NULL;
	build(dw, N(dw), &d, &pn);
	assert_int_equal(run(d, pn, C, R, 1, 3), 1);
	assert_int_equal(run(d, pn, C, R | W, 1, 3), 0);
}

/* Random rule sets over a small domain against the model */
static void test_program_model(void **state)
{
	static const char types[] = { 'a', 'c', 'b' };
	static const char *const accs[] = { "r", "w", "m", "rw", "rm", "wm", "rwm" };
	unsigned seed = 12345;
	for (int round = 0; round < 3000; round++) {
		struct oci_device_rule rules[6];
		size_t n = (size_t)(rand_r(&seed) % 7);
		for (size_t i = 0; i < n; i++) {
			int64_t ma = rand_r(&seed) % 3 - 1, mi = rand_r(&seed) % 3 + 2;
			rules[i] = (struct oci_device_rule){
				.allow = rand_r(&seed) % 2,
				.type = types[rand_r(&seed) % 3],
				.has_major = ma >= 0 && rand_r(&seed) % 4,
				.major = ma,
				.has_minor = rand_r(&seed) % 3 != 0,
				.minor = mi,
				.access = (char *)accs[rand_r(&seed) % 7],
			};
		}
		struct bpf_insn *p cleanup_free = NULL;
		size_t pn = 0;
		build(rules, n, &p, &pn);
		for (int type = BPF_DEVCG_DEV_BLOCK; type <= BPF_DEVCG_DEV_CHAR; type++)
			for (int acc = 1; acc <= 7; acc++)
				for (uint32_t ma = 0; ma <= 2; ma++)
					for (uint32_t mi = 2; mi <= 4; mi++) {
						int got = run(p, pn, type, acc, ma, mi);
						int want = model(rules, n, type, acc, ma, mi);
						if (got != want)
							fail_msg("round %d: type %d access %d %u:%u "
								 "got %d want %d",
								 round, type, acc, ma, mi, got,
								 want);
					}
	}
}

/* ---- live: the kernel's verdict ------------------------------------------ */

struct live {
	char *dir; /* our cgroup2 directory */
	char *tmp; /* for mknod */
};

static int live_setup(void **state)
{
	*state = NULL;
	if (geteuid() != 0) {
		fprintf(stderr, "# skip live device filter tests: need root\n");
		return 0;
	}
	struct cg_mount *m = NULL;
	size_t n = 0;
	assert_int_equal(cg_mounts_read(&m, &n, NULL), 0);
	char *mnt = NULL;
	for (size_t i = 0; i < n && mnt == NULL; i++)
		if (m[i].v2)
			mnt = xstrdup(m[i].mnt);
	cg_mounts_free(m, n);
	if (mnt == NULL) {
		fprintf(stderr, "# skip live device filter tests: no cgroup2 mount\n");
		return 0;
	}
	struct live *l = xzalloc(sizeof(*l));
	l->dir = xasprintf("%s/berth-test-bpf-%d", mnt, (int)getpid());
	free(mnt);
	l->tmp = xstrdup("/tmp/berth-test-bpf-XXXXXX");
	if (mkdtemp(l->tmp) == NULL || mkdir(l->dir, 0755) < 0) {
		fprintf(stderr, "# setup: %s: %s\n", l->dir, strerror(errno));
		return -1;
	}
	*state = l;
	return 0;
}

static int live_teardown(void **state)
{
	struct live *l = *state;
	if (l == NULL)
		return 0;
	cleanup_error berth_error_t *err = NULL;
	/* rmdir alone would release the programs; detach to test it */
	if (cg_bpf_dev_detach(l->dir, &err) < 0)
		fprintf(stderr, "# teardown: %s\n", err->msg);
	if (rmdir(l->dir) < 0)
		fprintf(stderr, "# teardown: rmdir %s: %s\n", l->dir, strerror(errno));
	if (rmdir(l->tmp) < 0)
		fprintf(stderr, "# teardown: rmdir %s: %s\n", l->tmp, strerror(errno));
	free(l->dir);
	free(l->tmp);
	free(l);
	return 0;
}

#define SKIP_UNLESS_LIVE(l)      \
	do {                     \
		if ((l) == NULL) \
			skip();  \
	} while (0)

/* One device access a child tries */
struct probe {
	const char *path; /* open(path, flags); NULL: mknod */
	int flags;
	unsigned major, minor; /* mknod of a char device */
};

/* Fork a child, move it into l->dir, run the probes there and return the
 * errno of each (0 for success) in ret */
static void probe_run(struct live *l, const struct probe *pr, size_t n, int *ret)
{
	int fds[2];
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		if (cg_writef(l->dir, "cgroup.procs", NULL, "%d", (int)getpid()) < 0)
			_exit(2);
		for (size_t i = 0; i < n; i++) {
			int e = 0;
			if (pr[i].path) {
				int fd = open(pr[i].path, pr[i].flags | O_CLOEXEC);
				if (fd < 0)
					e = errno;
				else
					close(fd);
			} else {
				char node[4096];
				snprintf(node, sizeof(node), "%s/node", l->tmp);
				if (mknod(node, S_IFCHR | 0600, makedev(pr[i].major, pr[i].minor)) <
				    0)
					e = errno;
				else
					unlink(node);
			}
			if (write(fds[1], &e, sizeof(e)) != sizeof(e))
				_exit(3);
		}
		_exit(0);
	}
	close(fds[1]);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(read(fds[0], &ret[i], sizeof(ret[i])), sizeof(ret[i]));
	close(fds[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void apply(struct live *l, const struct oci_device_rule *rules, size_t n)
{
	cleanup_error berth_error_t *err = NULL;
	struct cgroup cg = { 0 };
	if (cg_bpf_dev_apply(&cg, l->dir, rules, n, &err) < 0)
		fail_msg("%s", err->msg);
	assert_int_equal(cg.n_warnings, 0);
}

static size_t attached(struct live *l, uint32_t *ret_id)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_close int fd = open(l->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cleanup_free uint32_t *ids = NULL;
	size_t n = 0;
	assert_true(fd >= 0);
	if (cg_bpf_dev_query(fd, &ids, &n, &err) < 0)
		fail_msg("%s", err->msg);
	if (ret_id && n)
		*ret_id = ids[0];
	return n;
}

/* Compare what the child saw with what we want, naming the probe */
static void expect(struct live *l, const struct probe *pr, size_t n, const int *want)
{
	int got[16];
	assert_true(n <= N(got));
	probe_run(l, pr, n, got);
	for (size_t i = 0; i < n; i++)
		if (got[i] != want[i])
			fail_msg("probe %zu (%s %u:%u flags %#x): errno %d (%s), want %d (%s)", i,
				 pr[i].path ? pr[i].path : "mknod", pr[i].major, pr[i].minor,
				 pr[i].flags, got[i], strerror(got[i]), want[i], strerror(want[i]));
}

static const struct probe basic_probes[] = {
	{ "/dev/null", O_RDWR, 0, 0 },
	{ "/dev/zero", O_RDONLY, 0, 0 },
	{ "/dev/zero", O_WRONLY, 0, 0 },
	{ "/dev/zero", O_RDWR, 0, 0 },
	{ "/dev/full", O_RDONLY, 0, 0 },
	{ NULL, 0, 1, 3 },
	{ NULL, 0, 1, 5 },
};

static void test_live_basic(void **state)
{
	struct live *l = *state;
	SKIP_UNLESS_LIVE(l);
	/* unfiltered first: the probes themselves work on this host */
	int open_all[] = { 0, 0, 0, 0, 0, 0, 0 };
	expect(l, basic_probes, N(basic_probes), open_all);

	struct oci_device_rule rules[] = { DENY('a', -1, -1, NULL), ALLOW('c', 1, 3, "rwm"),
					   ALLOW('c', 1, 5, "r") };
	apply(l, rules, N(rules));
	assert_int_equal(attached(l, NULL), 1);
	int want[] = { 0, 0, EPERM, EPERM, EPERM, 0, EPERM };
	expect(l, basic_probes, N(basic_probes), want);
}

static void test_live_wildcards(void **state)
{
	struct live *l = *state;
	SKIP_UNLESS_LIVE(l);
	/* mknod of any char device, open of none but /dev/null */
	struct oci_device_rule rules[] = { DENY('a', -1, -1, "rwm"), ALLOW('c', -1, -1, "m"),
					   ALLOW('c', 1, 3, "rw") };
	apply(l, rules, N(rules));
	int want[] = { 0, EPERM, EPERM, EPERM, EPERM, 0, 0 };
	expect(l, basic_probes, N(basic_probes), want);

	/* type 'a' with a major: every type of major 1, read only */
	struct oci_device_rule a[] = { DENY('a', -1, -1, NULL), ALLOW('a', 1, -1, "r") };
	apply(l, a, N(a));
	int want_a[] = { EPERM, 0, EPERM, EPERM, 0, EPERM, EPERM };
	expect(l, basic_probes, N(basic_probes), want_a);
	assert_int_equal(attached(l, NULL), 1);
}

static void test_live_last_rule_wins(void **state)
{
	struct live *l = *state;
	SKIP_UNLESS_LIVE(l);
	/* deny then allow: the allow wins */
	struct oci_device_rule da[] = { DENY('a', -1, -1, NULL), DENY('c', 1, 3, "rwm"),
					ALLOW('c', 1, 3, "rwm") };
	apply(l, da, N(da));
	int want_da[] = { 0, EPERM, EPERM, EPERM, EPERM, 0, EPERM };
	expect(l, basic_probes, N(basic_probes), want_da);

	/* allow then deny: the deny wins, for the bits it names */
	struct oci_device_rule ad[] = { DENY('a', -1, -1, NULL), ALLOW('c', 1, 3, "rwm"),
					DENY('c', 1, 3, "w") };
	apply(l, ad, N(ad));
	static const struct probe null_probes[] = { { "/dev/null", O_RDONLY, 0, 0 },
						    { "/dev/null", O_WRONLY, 0, 0 },
						    { "/dev/null", O_RDWR, 0, 0 },
						    { NULL, 0, 1, 3 } };
	int want_ad[] = { 0, EPERM, EPERM, 0 };
	expect(l, null_probes, N(null_probes), want_ad);

	/* allow everything, then deny one device */
	struct oci_device_rule aa[] = { ALLOW('a', -1, -1, NULL), DENY('c', 1, 7, "rwm") };
	apply(l, aa, N(aa));
	int want_aa[] = { 0, 0, 0, 0, EPERM, 0, 0 };
	expect(l, basic_probes, N(basic_probes), want_aa);
	assert_int_equal(attached(l, NULL), 1);
}

static void test_live_update(void **state)
{
	struct live *l = *state;
	SKIP_UNLESS_LIVE(l);
	struct oci_device_rule first[] = { DENY('a', -1, -1, NULL), ALLOW('c', 1, 3, "rwm") };
	struct oci_device_rule second[] = { DENY('a', -1, -1, NULL), ALLOW('c', 1, 5, "rwm") };
	apply(l, first, N(first));
	uint32_t id1 = 0, id2 = 0;
	assert_int_equal(attached(l, &id1), 1);
	int want1[] = { 0, EPERM, EPERM, EPERM, EPERM, 0, EPERM };
	expect(l, basic_probes, N(basic_probes), want1);

	/* the update replaces the program: one attached, a new one */
	apply(l, second, N(second));
	assert_int_equal(attached(l, &id2), 1);
	assert_true(id2 != id1);
	int want2[] = { EPERM, 0, 0, 0, EPERM, EPERM, 0 };
	expect(l, basic_probes, N(basic_probes), want2);

	/* two of ours (an update that died between attach and detach):
	 * the next one attaches, then detaches both */
	struct bpf_insn *insns cleanup_free = NULL;
	size_t n_insns = 0;
	build(first, N(first), &insns, &n_insns);
	cleanup_close int pfd = cg_bpf_dev_load(insns, n_insns, NULL);
	cleanup_close int dfd = open(l->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)dfd;
	a.attach_bpf_fd = (uint32_t)pfd;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	assert_true(pfd >= 0 && dfd >= 0);
	assert_int_equal(syscall(__NR_bpf, BPF_PROG_ATTACH, &a, sizeof(a)), 0);
	assert_int_equal(attached(l, NULL), 2);
	apply(l, second, N(second));
	assert_int_equal(attached(l, NULL), 1);
	expect(l, basic_probes, N(basic_probes), want2);

	/* detach leaves the cgroup unfiltered */
	cleanup_error berth_error_t *err = NULL;
	if (cg_bpf_dev_detach(l->dir, &err) < 0)
		fail_msg("%s", err->msg);
	assert_int_equal(attached(l, NULL), 0);
	int open_all[] = { 0, 0, 0, 0, 0, 0, 0 };
	expect(l, basic_probes, N(basic_probes), open_all);
}

/* A program the verifier rejects (R0 is never set) names the reason */
static void test_live_verifier_log(void **state)
{
	struct live *l = *state;
	SKIP_UNLESS_LIVE(l);
	static const struct bpf_insn bad[] = { { .code = BPF_JMP | BPF_EXIT } };
	cleanup_error berth_error_t *err = NULL;
	assert_true(cg_bpf_dev_load(bad, 1, &err) < 0);
	assert_error_contains(err, "load the eBPF device filter (1 instructions): ");
	assert_error_contains(err, "R0");
}

/* A program that is not ours (another name) survives our update, and both
 * filter: the kernel needs every program to allow */
static void test_live_foreign_kept(void **state)
{
	struct live *l = *state;
	SKIP_UNLESS_LIVE(l);
	cleanup_error berth_error_t *err = NULL;
	/* deny /dev/zero only: allow all, deny c 1:5 */
	static const struct bpf_insn foreign[] = {
		{ .code = BPF_LDX | BPF_W | BPF_MEM, .dst_reg = 2, .src_reg = 1, .off = 8 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 1 },
		{ .code = BPF_JMP | BPF_JNE | BPF_K, .dst_reg = 2, .off = 1, .imm = 5 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uint64_t)(uintptr_t)foreign;
	a.insn_cnt = N(foreign);
	a.license = (uint64_t)(uintptr_t) "Apache-2.0";
	memcpy(a.prog_name, "other", 6);
	cleanup_close int pfd = (int)syscall(__NR_bpf, BPF_PROG_LOAD, &a, sizeof(a));
	assert_true(pfd >= 0);
	cleanup_close int dfd = open(l->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)dfd;
	a.attach_bpf_fd = (uint32_t)pfd;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	if (syscall(__NR_bpf, BPF_PROG_ATTACH, &a, sizeof(a)) < 0)
		fail_msg("attach: %s", strerror(errno));

	struct oci_device_rule rules[] = { ALLOW('a', -1, -1, NULL) };
	apply(l, rules, N(rules));
	apply(l, rules, N(rules));
	assert_int_equal(attached(l, NULL), 2);
	int want[] = { 0, EPERM, EPERM, EPERM, 0, 0, EPERM };
	expect(l, basic_probes, N(basic_probes), want);
	/* ours go, the foreign one stays; detach it by hand */
	if (cg_bpf_dev_detach(l->dir, &err) < 0)
		fail_msg("%s", err->msg);
	assert_int_equal(attached(l, NULL), 1);
	a.attach_flags = 0; /* detach takes no flags */
	assert_int_equal(syscall(__NR_bpf, BPF_PROG_DETACH, &a, sizeof(a)), 0);
	assert_int_equal(attached(l, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_refuses),
		cmocka_unit_test(test_program_cases),
		cmocka_unit_test(test_program_model),
		cmocka_unit_test_setup_teardown(test_live_basic, live_setup, live_teardown),
		cmocka_unit_test_setup_teardown(test_live_wildcards, live_setup, live_teardown),
		cmocka_unit_test_setup_teardown(test_live_last_rule_wins, live_setup,
						live_teardown),
		cmocka_unit_test_setup_teardown(test_live_update, live_setup, live_teardown),
		cmocka_unit_test_setup_teardown(test_live_verifier_log, live_setup, live_teardown),
		cmocka_unit_test_setup_teardown(test_live_foreign_kept, live_setup, live_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
