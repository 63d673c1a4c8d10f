/* Unit tests for security_apply: a forked child applies a whole
 * oci_process (rlimits with a clamp, oom_score_adj, scheduler, I/O
 * priority, user and groups, capabilities, umask, no_new_privs, seccomp)
 * and reports what it ended with through a pipe.  Needs root. */
#include "common/unit.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "runtime/process-attr.h"
#include "runtime/security.h"
#include "runtime/test-util.h"

#define BIT(c) (1ULL << (c))

#define REQUIRE_ROOT()                                                                     \
	do {                                                                               \
		if (geteuid() != 0 || prctl(PR_CAPBSET_READ, CAP_SETPCAP, 0, 0, 0) != 1) { \
			print_message("# skip: needs root with CAP_SETPCAP\n");            \
			skip();                                                            \
		}                                                                          \
	} while (0)

struct fixture {
	struct oci_process p;
	struct oci_seccomp sc;
	struct oci_seccomp_syscall rule;
	char *rule_names[2];
	struct oci_rlimit rlimits[2];
	uint32_t gids[2];
};

static void fixture_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->rlimits[0] = (struct oci_rlimit){
		.type = "RLIMIT_NOFILE", .resource = RLIMIT_NOFILE, .soft = 1048576, .hard = 1048576
	};
	f->rlimits[1] = (struct oci_rlimit){ .type = "RLIMIT_CORE", .resource = RLIMIT_CORE };
	f->p.rlimits = f->rlimits;
	f->p.n_rlimits = 2;
	f->gids[0] = 1000;
	f->gids[1] = 2000;
	f->p.user = (struct oci_user){ .uid = 65534,
				       .gid = 65534,
				       .has_umask = true,
				       .umask = 027,
				       .additional_gids = f->gids,
				       .n_additional_gids = 2 };
	struct oci_capabilities *c = &f->p.capabilities;
	c->present = true;
	c->effective.mask = c->permitted.mask = c->inheritable.mask = c->bounding.mask =
		c->ambient.mask = BIT(CAP_CHOWN) | BIT(CAP_KILL);
	f->p.no_new_privileges = true;
	f->p.has_oom_score_adj = true;
	f->p.oom_score_adj = 500;

	f->rule_names[0] = "getpid";
	f->rule = (struct oci_seccomp_syscall){ .names = f->rule_names,
						.n_names = 1,
						.action = "SCMP_ACT_ERRNO",
						.has_errno_ret = true,
						.errno_ret = 42 };
	f->sc = (struct oci_seccomp){ .present = true,
				      .default_action = "SCMP_ACT_ALLOW",
				      .syscalls = &f->rule,
				      .n_syscalls = 1 };
}

static void report_status(struct strbuf *out, const char *const *keys)
{
	FILE *fp = fopen("/proc/self/status", "re");
	if (fp == NULL)
		return;
	char line[512];
	while (fgets(line, sizeof(line), fp)) {
		for (size_t i = 0; keys[i]; i++) {
			size_t n = strlen(keys[i]);
			if (strncmp(line, keys[i], n) == 0 && line[n] == ':') {
				char *v = line + n + 1;
				v += strspn(v, " \t");
				v[strcspn(v, "\n")] = '\0';
				strbuf_addf(out, "%s=%s;", keys[i], v);
			}
		}
	}
	fclose(fp);
}

static void report_all(struct strbuf *out)
{
	static const char *const keys[] = { "Uid",        "Gid",     "Groups", "CapInh",
					    "CapPrm",     "CapEff",  "CapBnd", "CapAmb",
					    "NoNewPrivs", "Seccomp", NULL };
	report_status(out, keys);
	errno = 0;
	long r = syscall(SYS_getpid);
	strbuf_addf(out, "getpid=%ld/%d;", r < 0 ? r : 1, r < 0 ? errno : 0);
	mode_t m = umask(0);
	strbuf_addf(out, "umask=%03o;", (unsigned)m);
	struct rlimit rl;
	getrlimit(RLIMIT_CORE, &rl);
	strbuf_addf(out, "core=%ju/%ju;", (uintmax_t)rl.rlim_cur, (uintmax_t)rl.rlim_max);
	FILE *fp = fopen("/proc/self/oom_score_adj", "re");
	long oom = -9999;
	char num[32];
	if (fp) {
		if (fgets(num, sizeof(num), fp))
			oom = strtol(num, NULL, 10);
		fclose(fp);
	}
	strbuf_addf(out, "oom=%ld;", oom);
}

struct child_apply {
	struct fixture *f;
	bool with_seccomp;
};

/* Apply f's settings and report "<report_all or error>|<warnings>" */
static void child_apply(struct strbuf *out, void *data)
{
	struct child_apply *c = data;
	cleanup_strv char **warnings = NULL;
	cleanup_error berth_error_t *err = NULL;
	if (security_apply(&c->f->p, c->with_seccomp ? &c->f->sc : NULL, &warnings, &err) < 0)
		strbuf_addf(out, "error: %s|", err->msg);
	else
		report_all(out);
	strbuf_addch(out, '|');
	for (size_t i = 0; warnings && warnings[i]; i++)
		strbuf_addf(out, "%s\n", warnings[i]);
}

static char *in_child(struct fixture *f, bool with_seccomp, struct strbuf *warnings_out)
{
	struct child_apply c = { .f = f, .with_seccomp = with_seccomp };
	int status;
	cleanup_free char *report = test_in_child(child_apply, &c, &status);
	assert_true(WIFEXITED(status));
	char *bar = strchr(report, '|');
	assert_non_null(bar);
	*bar = '\0';
	strbuf_addstr(warnings_out, bar + 1);
	return xstrdup(report);
}

static void expect_clamp_warning(const char *warnings)
{
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_max >= 1048576)
		return; /* nothing to clamp on this host */
	char want[256];
	snprintf(want, sizeof(want),
		 "rlimit RLIMIT_NOFILE: hard limit 1048576 above the allowed %ju, clamped\n",
		 (uintmax_t)rl.rlim_max);
	if (strstr(warnings, want) == NULL)
		fail_msg("warnings '%s' lack '%s'", warnings, want);
}

static void test_full_nnp(void **state)
{
	REQUIRE_ROOT();
	struct fixture f;
	fixture_init(&f);
	cleanup_strbuf struct strbuf warnings = STRBUF_INIT;
	cleanup_free char *out = in_child(&f, true, &warnings);
	assert_string_equal(out, "Uid=65534\t65534\t65534\t65534;Gid=65534\t65534\t65534\t65534;"
				 "Groups=1000 2000 ;"
				 "CapInh=0000000000000021;CapPrm=0000000000000021;"
				 "CapEff=0000000000000021;CapBnd=0000000000000021;"
				 "CapAmb=0000000000000021;NoNewPrivs=1;Seccomp=2;"
				 "getpid=-1/42;umask=027;core=0/0;oom=500;");
	expect_clamp_warning(warnings.buf);
}

static void test_full_without_nnp(void **state)
{
	/* The filter is loaded while still root (CAP_SYS_ADMIN), before the
	 * uid change; the process must still end up exactly as asked */
	REQUIRE_ROOT();
	struct fixture f;
	fixture_init(&f);
	f.p.no_new_privileges = false;
	f.p.user.has_umask = false;
	cleanup_strbuf struct strbuf warnings = STRBUF_INIT;
	cleanup_free char *out = in_child(&f, true, &warnings);
	assert_string_equal(out, "Uid=65534\t65534\t65534\t65534;Gid=65534\t65534\t65534\t65534;"
				 "Groups=1000 2000 ;"
				 "CapInh=0000000000000021;CapPrm=0000000000000021;"
				 "CapEff=0000000000000021;CapBnd=0000000000000021;"
				 "CapAmb=0000000000000021;NoNewPrivs=0;Seccomp=2;"
				 "getpid=-1/42;umask=022;core=0/0;oom=500;");
	expect_clamp_warning(warnings.buf);
}

static void test_user_only(void **state)
{
	/* No capabilities in the config: none at all, and no seccomp */
	REQUIRE_ROOT();
	struct fixture f;
	fixture_init(&f);
	f.p.capabilities.present = false;
	f.p.no_new_privileges = false;
	f.p.n_rlimits = 0;
	f.p.has_oom_score_adj = false;
	cleanup_strbuf struct strbuf warnings = STRBUF_INIT;
	cleanup_free char *out = in_child(&f, false, &warnings);
	/* core limit and oom_score_adj are the test runner's: not checked */
	char *oom = strstr(out, "core=");
	assert_non_null(oom);
	*oom = '\0';
	assert_string_equal(out, "Uid=65534\t65534\t65534\t65534;Gid=65534\t65534\t65534\t65534;"
				 "Groups=1000 2000 ;"
				 "CapInh=0000000000000000;CapPrm=0000000000000000;"
				 "CapEff=0000000000000000;CapBnd=0000000000000000;"
				 "CapAmb=0000000000000000;NoNewPrivs=0;Seccomp=0;"
				 "getpid=1/0;umask=027;");
	assert_string_equal(warnings.buf, "");
}

static void test_root_keeps_caps(void **state)
{
	/* uid 0 and no groups: setgroups clears the runtime's groups */
	REQUIRE_ROOT();
	struct fixture f;
	fixture_init(&f);
	f.p.user = (struct oci_user){ 0 };
	f.p.capabilities.ambient.mask = 0;
	cleanup_strbuf struct strbuf warnings = STRBUF_INIT;
	cleanup_free char *out = in_child(&f, false, &warnings);
	assert_non_null(strstr(out, "Uid=0\t0\t0\t0;Gid=0\t0\t0\t0;Groups=;"
				    "CapInh=0000000000000021;CapPrm=0000000000000021;"
				    "CapEff=0000000000000021;CapBnd=0000000000000021;"
				    "CapAmb=0000000000000000;NoNewPrivs=1;Seccomp=0;"));
}

static void test_bad_profile_changes_nothing(void **state)
{
	/* The profile is compiled before any step runs */
	REQUIRE_ROOT();
	struct fixture f;
	fixture_init(&f);
	f.rule.action = "SCMP_ACT_MAYBE";
	cleanup_strbuf struct strbuf warnings = STRBUF_INIT;
	cleanup_free char *out = in_child(&f, true, &warnings);
	assert_string_equal(out, "error: seccomp: syscalls[0]: unknown action 'SCMP_ACT_MAYBE'");
}

static void test_notify_needs_callback(void **state)
{
	struct fixture f;
	fixture_init(&f);
	f.rule.action = "SCMP_ACT_NOTIFY";
	f.sc.listener_path = "/run/listener.sock";
	cleanup_error berth_error_t *err = NULL;
	/* Refused before anything is applied, so safe to call in-process */
	assert_true(security_apply(&f.p, &f.sc, NULL, &err) < 0);
	assert_error_contains(err, "SCMP_ACT_NOTIFY needs a notify callback");
}

static void test_lsm_not_enabled(void **state)
{
	cleanup_error berth_error_t *err = NULL;
	if (!process_attr_apparmor_enabled()) {
		assert_true(process_attr_set_apparmor("docker-default", &err) < 0);
		assert_error_contains(err, "apparmor is not enabled on this host");
	}
	if (!process_attr_selinux_enabled()) {
		assert_true(process_attr_set_selinux("system_u:system_r:container_t:s0", &err) < 0);
		assert_error_contains(err, "selinux is not enabled on this host");
	}
	assert_int_equal(process_attr_set_apparmor(NULL, &err), 0);
	assert_int_equal(process_attr_set_selinux("", &err), 0);
}

static void child_attrs(struct strbuf *out, void *data)
{
	cleanup_error berth_error_t *err = NULL;
	struct oci_scheduler s = {
		.present = true, .policy = "SCHED_BATCH", .policy_num = SCHED_BATCH, .nice = 7
	};
	struct oci_io_priority io = {
		.present = true, .class_name = "IOPRIO_CLASS_BE", .class_num = 2, .priority = 6
	};
	if (process_attr_set_scheduler(&s, &err) < 0 ||
	    process_attr_set_io_priority(&io, &err) < 0 ||
	    process_attr_set_cpu_affinity("0", &err) < 0) {
		strbuf_addf(out, "error: %s", err->msg);
		return;
	}
	cpu_set_t set;
	sched_getaffinity(0, sizeof(set), &set);
	strbuf_addf(out, "policy=%d nice=%d ioprio=%ld cpus=%d cpu0=%d", sched_getscheduler(0),
		    getpriority(PRIO_PROCESS, 0), syscall(SYS_ioprio_get, 1, 0), CPU_COUNT(&set),
		    CPU_ISSET(0, &set));
	if (process_attr_set_cpu_affinity("0-", &err) == 0 ||
	    strstr(err->msg, "cpu affinity '0-': invalid cpu list") == NULL)
		strbuf_addstr(out, " bad-list-accepted");
}

static void test_process_attrs(void **state)
{
	int status;
	cleanup_free char *buf = test_in_child(child_attrs, NULL, &status);
	assert_true(buf[0] != '\0');
	char want[128];
	snprintf(want, sizeof(want), "policy=%d nice=7 ioprio=%d cpus=1 cpu0=1", SCHED_BATCH,
		 2 << 13 | 6);
	assert_string_equal(buf, want);
}

static void test_warnf(void **state)
{
	cleanup_strv char **w = NULL;
	security_warnf(&w, "one %d", 1);
	security_warnf(&w, "two");
	assert_string_equal(w[0], "one 1");
	assert_string_equal(w[1], "two");
	assert_null(w[2]);
	security_warnf(NULL, "dropped");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_warnf),
		cmocka_unit_test(test_full_nnp),
		cmocka_unit_test(test_full_without_nnp),
		cmocka_unit_test(test_user_only),
		cmocka_unit_test(test_root_keeps_caps),
		cmocka_unit_test(test_bad_profile_changes_nothing),
		cmocka_unit_test(test_notify_needs_callback),
		cmocka_unit_test(test_lsm_not_enabled),
		cmocka_unit_test(test_process_attrs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
