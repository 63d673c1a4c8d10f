/* Unit tests for seccomp: profiles compiled with seccomp_compile and loaded
 * in a forked child, which reports what its syscalls returned; errno
 * returns, argument filters, kill actions, compile errors, and the notify
 * listener hand-off end to end. */
#include "common/unit.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "runtime/seccomp.h"
#include "runtime/test-util.h"

/* A profile of one rule over default_action */
struct profile {
	struct oci_seccomp sc;
	struct oci_seccomp_syscall rule;
	char *names[4];
	struct oci_seccomp_arg args[4];
};

static void profile_init(struct profile *p, const char *def, const char *action, const char *name)
{
	memset(p, 0, sizeof(*p));
	p->sc.present = true;
	p->sc.default_action = (char *)def;
	p->names[0] = (char *)name;
	p->rule.names = p->names;
	p->rule.n_names = 1;
	p->rule.action = (char *)action;
	p->rule.args = p->args;
	p->sc.syscalls = &p->rule;
	p->sc.n_syscalls = 1;
}

static void profile_errno(struct profile *p, uint32_t ret)
{
	p->rule.has_errno_ret = true;
	p->rule.errno_ret = ret;
}

static void profile_arg(struct profile *p, uint32_t index, const char *op, uint64_t value,
			uint64_t value_two)
{
	p->args[p->rule.n_args++] = (struct oci_seccomp_arg){
		.index = index, .op = (char *)op, .value = value, .value_two = value_two
	};
}

static bool child_load(struct strbuf *out, const struct oci_seccomp *sc)
{
	cleanup_error berth_error_t *err = NULL;
	/* no_new_privs: the filter loads even without CAP_SYS_ADMIN */
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (seccomp_apply(sc, NULL, &err) < 0) {
		strbuf_addf(out, "error: %s", err->msg);
		return false;
	}
	return true;
}

#define REPORT(out, call)                                                      \
	do {                                                                   \
		errno = 0;                                                     \
		long r_ = (long)(call);                                        \
		strbuf_addf(out, "%s=%ld/%d;", #call, r_, r_ < 0 ? errno : 0); \
	} while (0)

static void child_getpid(struct strbuf *out, void *data)
{
	if (!child_load(out, data))
		return;
	REPORT(out, syscall(SYS_getpid) > 0 ? 1 : syscall(SYS_getpid));
	REPORT(out, syscall(SYS_getppid) > 0 ? 1 : -1);
}

static void test_errno_ret(void **state)
{
	struct profile p;
	profile_init(&p, "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "getpid");
	profile_errno(&p, 42);
	int status;
	cleanup_free char *out = test_in_child(child_getpid, &p.sc, &status);
	assert_string_equal(out, "syscall(SYS_getpid) > 0 ? 1 : syscall(SYS_getpid)=-1/42;"
				 "syscall(SYS_getppid) > 0 ? 1 : -1=1/0;");
	assert_true(WIFEXITED(status));
}

static void child_mkdir(struct strbuf *out, void *data)
{
	if (!child_load(out, data))
		return;
	REPORT(out, mkdir("/nonexistent-dir/x", 0700));
}

static void test_errno_default_eperm(void **state)
{
	struct profile p;
	profile_init(&p, "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "mkdir");
	p.names[1] = "mkdirat";
	p.rule.n_names = 2;
	int status;
	cleanup_free char *out = test_in_child(child_mkdir, &p.sc, &status);
	/* EPERM, not the ENOENT the kernel would give */
	assert_string_equal(out, "mkdir(\"/nonexistent-dir/x\", 0700)=-1/1;");
}

static void test_default_errno_ret(void **state)
{
	/* Everything but the few calls the child needs fails with 38 */
	struct profile p;
	profile_init(&p, "SCMP_ACT_ERRNO", "SCMP_ACT_ALLOW", "write");
	p.sc.has_default_errno_ret = true;
	p.sc.default_errno_ret = 38;
	static char *names[] = { "write",          "exit_group",  "exit",  "prctl",
				 "seccomp",        "brk",         "mmap",  "munmap",
				 "mremap",         "madvise",     "futex", "rt_sigreturn",
				 "rt_sigprocmask", "sigaltstack", NULL };
	p.rule.names = names;
	p.rule.n_names = sizeof(names) / sizeof(names[0]) - 1;
	int status;
	cleanup_free char *out = test_in_child(child_getpid, &p.sc, &status);
	assert_string_equal(out, "syscall(SYS_getpid) > 0 ? 1 : syscall(SYS_getpid)=-1/38;"
				 "syscall(SYS_getppid) > 0 ? 1 : -1=-1/38;");
}

static void child_personality(struct strbuf *out, void *data)
{
	if (!child_load(out, data))
		return;
	REPORT(out, personality(0xffffffff) >= 0 ? 0 : -1);
	REPORT(out, personality(PER_LINUX));
	REPORT(out, personality(PER_LINUX32));
	REPORT(out, personality(PER_BSD));
}

static void test_arg_filter(void **state)
{
	/* Only the query personality(0xffffffff) is allowed */
	struct profile p;
	profile_init(&p, "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "personality");
	profile_errno(&p, 13);
	profile_arg(&p, 0, "SCMP_CMP_NE", 0xffffffff, 0);
	int status;
	cleanup_free char *out = test_in_child(child_personality, &p.sc, &status);
	assert_string_equal(out, "personality(0xffffffff) >= 0 ? 0 : -1=0/0;"
				 "personality(PER_LINUX)=-1/13;"
				 "personality(PER_LINUX32)=-1/13;"
				 "personality(PER_BSD)=-1/13;");
}

static void test_arg_same_index_is_or(void **state)
{
	/* Two conditions on arg 0: separate rules (either matches), as runc */
	struct profile p;
	profile_init(&p, "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "personality");
	profile_errno(&p, 45);
	profile_arg(&p, 0, "SCMP_CMP_EQ", PER_LINUX32, 0);
	profile_arg(&p, 0, "SCMP_CMP_EQ", PER_BSD, 0);
	int status;
	cleanup_free char *out = test_in_child(child_personality, &p.sc, &status);
	assert_string_equal(out, "personality(0xffffffff) >= 0 ? 0 : -1=0/0;"
				 "personality(PER_LINUX)=0/0;"
				 "personality(PER_LINUX32)=-1/45;"
				 "personality(PER_BSD)=-1/45;");
}

static void test_arg_masked_eq(void **state)
{
	/* (arg0 & 0xff) == PER_BSD (6): value is the mask, valueTwo the datum */
	struct profile p;
	profile_init(&p, "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "personality");
	profile_errno(&p, 46);
	profile_arg(&p, 0, "SCMP_CMP_MASKED_EQ", 0xff, PER_BSD);
	int status;
	cleanup_free char *out = test_in_child(child_personality, &p.sc, &status);
	assert_string_equal(out, "personality(0xffffffff) >= 0 ? 0 : -1=0/0;"
				 "personality(PER_LINUX)=0/0;"
				 "personality(PER_LINUX32)=0/0;"
				 "personality(PER_BSD)=-1/46;");
}

static void test_kill_process(void **state)
{
	static const char *const kills[] = { "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL",
					     "SCMP_ACT_KILL_THREAD" };
	for (size_t i = 0; i < 3; i++) {
		struct profile p;
		profile_init(&p, "SCMP_ACT_ALLOW", kills[i], "getpid");
		int status;
		cleanup_free char *out = test_in_child(child_getpid, &p.sc, &status);
		assert_string_equal(out, "");
		assert_true(WIFSIGNALED(status));
		assert_int_equal(WTERMSIG(status), SIGSYS);
	}
}

static void test_unknown_syscall_skipped(void **state)
{
	struct profile p;
	profile_init(&p, "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "no_such_syscall_at_all");
	p.names[1] = "getpid";
	p.rule.n_names = 2;
	profile_errno(&p, 42);
	int status;
	cleanup_free char *out = test_in_child(child_getpid, &p.sc, &status);
	assert_string_equal(out, "syscall(SYS_getpid) > 0 ? 1 : syscall(SYS_getpid)=-1/42;"
				 "syscall(SYS_getppid) > 0 ? 1 : -1=1/0;");
}

static void test_rule_same_as_default_skipped(void **state)
{
	struct profile p;
	profile_init(&p, "SCMP_ACT_ALLOW", "SCMP_ACT_ALLOW", "getpid");
	cleanup_seccomp scmp_filter_ctx ctx = NULL;
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(seccomp_compile(&p.sc, &ctx, &err), 0);
	assert_non_null(ctx);
}

static void compile_fails(struct oci_seccomp *sc, const char *needle)
{
	cleanup_seccomp scmp_filter_ctx ctx = NULL;
	cleanup_error berth_error_t *err = NULL;
	assert_true(seccomp_compile(sc, &ctx, &err) < 0);
	assert_null(ctx);
	assert_error_contains(err, needle);
}

static void test_compile_errors(void **state)
{
	struct profile p;
	profile_init(&p, "SCMP_ACT_ALLOW", "SCMP_ACT_BOGUS", "getpid");
	compile_fails(&p.sc, "seccomp: syscalls[0]: unknown action 'SCMP_ACT_BOGUS'");

	profile_init(&p, "SCMP_ACT_NOPE", "SCMP_ACT_ERRNO", "getpid");
	compile_fails(&p.sc, "seccomp: defaultAction: unknown action 'SCMP_ACT_NOPE'");

	profile_init(&p, "SCMP_ACT_NOTIFY", "SCMP_ACT_ALLOW", "getpid");
	compile_fails(&p.sc, "SCMP_ACT_NOTIFY cannot be the default action");

	profile_init(&p, "SCMP_ACT_ALLOW", "SCMP_ACT_NOTIFY", "getpid");
	compile_fails(&p.sc, "seccomp: SCMP_ACT_NOTIFY needs a listenerPath");

	profile_init(&p, "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "personality");
	profile_arg(&p, 0, "SCMP_CMP_ALMOST", 1, 0);
	compile_fails(&p.sc, "seccomp: syscalls[0]: syscall 'personality': unknown op "
			     "'SCMP_CMP_ALMOST'");

	profile_init(&p, "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "personality");
	profile_arg(&p, 6, "SCMP_CMP_EQ", 1, 0);
	compile_fails(&p.sc, "arg index 6 above 5");

	char *bad_arch[] = { "SCMP_ARCH_PDP11", NULL };
	profile_init(&p, "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "getpid");
	p.sc.architectures = bad_arch;
	p.sc.n_architectures = 1;
	compile_fails(&p.sc, "seccomp: unknown architecture 'SCMP_ARCH_PDP11'");

	char *bad_flag[] = { "SECCOMP_FILTER_FLAG_BOGUS", NULL };
	profile_init(&p, "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "getpid");
	p.sc.flags = bad_flag;
	p.sc.n_flags = 1;
	compile_fails(&p.sc, "seccomp: unknown flag 'SECCOMP_FILTER_FLAG_BOGUS'");
}

static void test_arches_and_flags(void **state)
{
	char *arches[] = { "SCMP_ARCH_X86_64",  "SCMP_ARCH_X86", "SCMP_ARCH_X32",
			   "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", NULL };
	char *flags[] = { "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", NULL };
	struct profile p;
	profile_init(&p, "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "getpid");
	profile_errno(&p, 42);
	p.sc.architectures = arches;
	p.sc.n_architectures = 5;
	p.sc.flags = flags;
	p.sc.n_flags = seccomp_api_get() >= 3 ? 2 : 0;
	int status;
	cleanup_free char *out = test_in_child(child_getpid, &p.sc, &status);
	assert_string_equal(out, "syscall(SYS_getpid) > 0 ? 1 : syscall(SYS_getpid)=-1/42;"
				 "syscall(SYS_getppid) > 0 ? 1 : -1=1/0;");

	/* A flag this libseccomp cannot set is an error, not ignored */
	char *waitkill[] = { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", NULL };
	profile_init(&p, "SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "getpid");
	p.sc.flags = waitkill;
	p.sc.n_flags = 1;
	cleanup_seccomp scmp_filter_ctx ctx = NULL;
	cleanup_error berth_error_t *err = NULL;
	if (seccomp_compile(&p.sc, &ctx, &err) < 0)
		assert_error_contains(err, "flag 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV': not "
					   "supported");
}

static void test_process_state(void **state)
{
	cleanup_free char *s = NULL;
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(seccomp_process_state("{\"id\":\"c1\",\"status\":\"creating\"}", 4422,
					       "meta", &s, &err),
			 0);
	json_error_t jerr;
	cleanup_json json_t *j = json_loads(s, 0, &jerr);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "pid")), 4422);
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "fds"), 0)),
			    "seccompFd");
	assert_string_equal(json_string_value(json_object_get(j, "metadata")), "meta");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "state"), "id")),
			    "c1");
	assert_non_null(json_object_get(j, "ociVersion"));
	assert_true(seccomp_process_state("{bad", 1, NULL, &s, &err) < 0);
}

struct notify_case {
	struct profile p;
	char path[108];
};

static void child_notify(struct strbuf *out, void *data)
{
	struct notify_case *nc = data;
	cleanup_error berth_error_t *err = NULL;
	int fd = -1;
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (seccomp_apply(&nc->p.sc, &fd, &err) < 0) {
		strbuf_addf(out, "error: %s", err->msg);
		return;
	}
	cleanup_free char *st = NULL;
	if (seccomp_process_state("{\"id\":\"c1\"}", getpid(), NULL, &st, &err) < 0 ||
	    seccomp_listener_send(nc->path, fd, st, &err) < 0) {
		strbuf_addf(out, "error: %s", err->msg);
		return;
	}
	close(fd);
	/* Answered by the listener in the parent */
	REPORT(out, syscall(SYS_getppid));
}

static void test_notify_listener(void **state)
{
	if (seccomp_api_get() < 5)
		skip();
	struct notify_case nc;
	profile_init(&nc.p, "SCMP_ACT_ALLOW", "SCMP_ACT_NOTIFY", "getppid");
	snprintf(nc.path, sizeof(nc.path), "/tmp/berth-test-seccomp-%d.sock", (int)getpid());
	nc.p.sc.listener_path = nc.path;
	unlink(nc.path);
	cleanup_close int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	memcpy(addr.sun_path, nc.path, strlen(nc.path) + 1);
	assert_int_equal(bind(lfd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(lfd, 1), 0);

	int report_fd;
	pid_t pid = test_child_start(child_notify, &nc, &report_fd);
	struct sockaddr_un peer;
	socklen_t peer_len = sizeof(peer);
	cleanup_close int cfd = accept4(lfd, (struct sockaddr *)&peer, &peer_len, SOCK_CLOEXEC);
	assert_true(cfd >= 0);
	char buf[4096];
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { buf, sizeof(buf) - 1 };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = ctl.b,
			      .msg_controllen = sizeof(ctl.b) };
	ssize_t n = recvmsg(cfd, &msg, MSG_CMSG_CLOEXEC);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "\"fds\":[\"seccompFd\"]"));
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (c == NULL) {
		fail_msg("no fd attached");
		return;
	}
	assert_int_equal(c->cmsg_type, SCM_RIGHTS);
	int nfd;
	memcpy(&nfd, CMSG_DATA(c), sizeof(int));

	/* Answer the child's getppid() with 4242 */
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	assert_int_equal(seccomp_notify_alloc(&req, &resp), 0);
	assert_int_equal(seccomp_notify_receive(nfd, req), 0);
	resp->id = req->id;
	resp->val = 4242;
	resp->error = 0;
	resp->flags = 0;
	assert_int_equal(seccomp_notify_respond(nfd, resp), 0);
	seccomp_notify_free(req, resp);
	close(nfd);

	cleanup_free char *report = test_child_read(report_fd);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	unlink(nc.path);
	assert_string_equal(report, "syscall(SYS_getppid)=4242/0;");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errno_ret),
		cmocka_unit_test(test_errno_default_eperm),
		cmocka_unit_test(test_default_errno_ret),
		cmocka_unit_test(test_arg_filter),
		cmocka_unit_test(test_arg_same_index_is_or),
		cmocka_unit_test(test_arg_masked_eq),
		cmocka_unit_test(test_kill_process),
		cmocka_unit_test(test_unknown_syscall_skipped),
		cmocka_unit_test(test_rule_same_as_default_skipped),
		cmocka_unit_test(test_compile_errors),
		cmocka_unit_test(test_arches_and_flags),
		cmocka_unit_test(test_process_state),
		cmocka_unit_test(test_notify_listener),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
