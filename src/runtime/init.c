/* init: the container's first process, from the clone to execve.  Until
 * SYNC_CREATED every failure goes to the runtime over the sync socket;
 * after it (the runtime has exited, `start` holds the exec fifo) failures
 * are written into the fifo as "E<msg>\0" records for `start` to report.
 * Order matters and follows runc: namespaces, session, hostname, mounts,
 * hooks, pivot, pty and /dev/console, sysctl, finalize, personality and memory policy,
 * cwd, exec fifo, security, exec. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "runtime/cloned-binary.h"
#include "runtime/container-internal.h"
#include "runtime/hooks.h"
#include "runtime/rootfs.h"
#include "runtime/security.h"
#include "runtime/signals.h"
#include "runtime/state.h"
#include "runtime/sync.h"
#include "runtime/task-attr.h"
#include "runtime/terminal.h"
#include "runtime/userns.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#define KEYCTL_JOIN_SESSION_KEYRING 1
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

pid_t init_clone(unsigned long flags)
{
	/* raw clone without a new stack behaves like fork(2) with flags; no
	 * threads exist in the runtime, so the copy is consistent */
	return (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
}

static const char *env_get(char *const *env, const char *key)
{
	size_t klen = strlen(key);
	for (; env && *env; env++)
		if (strncmp(*env, key, klen) == 0 && (*env)[klen] == '=')
			return *env + klen + 1;
	return NULL;
}

static bool is_executable_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

int init_path_lookup(const char *file, char *const *env, char **ret, berth_error_t **err)
{
	if (!file || !*file)
		return berth_error_fail(err, ENOENT, "args must not be empty");
	if (strchr(file, '/')) {
		*ret = xstrdup(file);
		return 0;
	}
	const char *path = env_get(env, "PATH");
	cleanup_free char *dirs = xstrdup(path ? path : DEFAULT_PATH);
	char *save = NULL;
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		cleanup_free char *cand = xasprintf("%s/%s", *d ? d : ".", file);
		if (is_executable_file(cand)) {
			*ret = steal_pointer(&cand);
			return 0;
		}
	}
	return berth_error_fail(err, ENOENT, "exec: \"%s\": executable file not found in $PATH",
				file);
}

int init_fds_for_exec(unsigned int n, berth_error_t **err)
{
	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return berth_error_set(err, errno, "close_range");
	for (unsigned int fd = 3; fd < 3 + n; fd++)
		if (fcntl((int)fd, F_SETFD, 0) < 0)
			return berth_error_set(err, errno, "preserve fd %u", fd);
	return 0;
}

/* ---- before SYNC_CREATED ------------------------------------------- */

static __attribute__((noreturn)) void init_fail(int sync_fd, berth_error_t *e)
{
	sync_send_error(sync_fd, e);
	_exit(1);
}

static void init_warn(const struct init_ctx *ctx, const char *msg)
{
	sync_send(ctx->sync_fd, SYNC_WARNING, 0, msg, -1, NULL);
}

static int init_keyring(const struct init_ctx *ctx)
{
	if (ctx->no_new_keyring)
		return 0;
	cleanup_free char *name = xasprintf("_ses.%s", ctx->id);
	/* a fresh session keyring, so the container cannot read the host's
	 * keys; kernels or LSMs that refuse it only cost isolation of keys */
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name, 0, 0, 0) < 0 &&
	    errno != ENOSYS) {
		cleanup_free char *m =
			xasprintf("join a new session keyring: %s, ignoring", strerror(errno));
		init_warn(ctx, m);
	}
	return 0;
}

static int init_uts(const struct init_ctx *ctx, berth_error_t **err)
{
	const struct oci_config *c = ctx->config;
	if (c->hostname && sethostname(c->hostname, strlen(c->hostname)) < 0)
		return berth_error_set(err, errno, "sethostname '%s'", c->hostname);
	if (c->domainname && setdomainname(c->domainname, strlen(c->domainname)) < 0)
		return berth_error_set(err, errno, "setdomainname '%s'", c->domainname);
	return 0;
}

/* The pty, made after pivot_root as runc makes it: from the container's
 * /dev/ptmx (its own devpts instance), so that the slave is /dev/pts/N
 * inside the container (what `tty` prints) and is bound on /dev/console.
 * The master leaves at once (console socket or runtime); the slave becomes
 * our stdio and controlling terminal. */
static int init_terminal(const struct init_ctx *ctx, struct terminal_pty *pty, berth_error_t **err)
{
	const struct oci_process *p = &ctx->config->process;
	if (terminal_open("/dev/ptmx", p->has_console_size ? p->console_height : 0,
			  p->has_console_size ? p->console_width : 0, pty, err) < 0)
		return -1;
	if (rootfs_setup_console(pty->slave_path, err) < 0)
		return -1;
	int r = 0;
	if (ctx->console_sock >= 0)
		r = terminal_send_fd(ctx->console_sock, "/dev/ptmx", pty->master, err);
	else if (ctx->pty_to_parent)
		r = sync_send(ctx->sync_fd, SYNC_PTY_MASTER, 0, NULL, pty->master, err);
	close(pty->master);
	pty->master = -1;
	if (r < 0)
		return -1;
	return terminal_make_controlling(pty->slave, err);
}

/* Is sysctl key namespaced by one of our namespaces?  Others would change
 * the host, so they are refused (runc's validation) */
static int init_sysctl(const struct init_ctx *ctx, berth_error_t **err)
{
	const struct oci_linux *l = &ctx->config->linux_;
	for (size_t i = 0; i < l->n_sysctl; i++) {
		cleanup_free char *key = xstrdup(l->sysctl[i].key);
		for (char *q = key; *q; q++)
			if (*q == '.')
				*q = '/';
		cleanup_free char *path = xasprintf("/proc/sys/%s", key);
		if (strstr(path, "/../") || strstr(path, "/./"))
			return berth_error_fail(err, EINVAL, "sysctl '%s': invalid name",
						l->sysctl[i].key);
		cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		const char *v = l->sysctl[i].value;
		if (fd < 0 || write(fd, v, strlen(v)) != (ssize_t)strlen(v))
			return berth_error_set(err, errno, "sysctl '%s'", l->sysctl[i].key);
	}
	return 0;
}

static int init_cwd(const struct init_ctx *ctx, berth_error_t **err)
{
	const char *cwd = ctx->config->process.cwd ? ctx->config->process.cwd : "/";
	if (chdir(cwd) < 0)
		return berth_error_set(err, errno, "chdir to cwd (\"%s\") set in config.json", cwd);
	return 0;
}

/* process.env, plus LISTEN_FDS/LISTEN_PID when the runtime got socket
 * activation fds (runc passes them through the same way) */
static char **init_build_env(const struct oci_process *p, unsigned int *preserve)
{
	const char *listen = getenv("LISTEN_FDS");
	size_t n = p->n_env;
	char **env = xcalloc(n + 3, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		env[i] = xstrdup(p->env[i]);
	char *end = NULL;
	unsigned long lf = listen ? strtoul(listen, &end, 10) : 0;
	if (listen && end && *end == '\0' && lf > 0 && lf < 1024) {
		env[n++] = xasprintf("LISTEN_FDS=%lu", lf);
		env[n++] = xstrdup("LISTEN_PID=1");
		if (lf > *preserve)
			*preserve = (unsigned int)lf;
	}
	env[n] = NULL;
	return env;
}

static void rootfs_ctx_init(const struct init_ctx *ctx, struct rootfs_ctx *rc)
{
	*rc = (struct rootfs_ctx){
		.config = ctx->config,
		.bundle = ctx->bundle,
		.rootfs = ctx->rootfs,
		.no_pivot = ctx->no_pivot,
		.in_userns = ctx->plan->new_user,
		.mount_fds = ctx->mount_fds,
	};
}

/* Everything from GO to the exec fifo.  *ret_state is the hook state JSON. */
static int init_setup(struct init_ctx *ctx, bool direct, char **ret_state, berth_error_t **err)
{
	const struct oci_config *c = ctx->config;
	struct sync_msg go;
	if (sync_expect(ctx->sync_fd, SYNC_GO, "wait for the runtime", &go, err) < 0)
		return -1;
	*ret_state = steal_pointer(&go.payload);
	sync_msg_release(&go);
	if (direct && ctx->plan->new_user && userns_become_root(err) < 0)
		return -1;
	if (ctx->plan->new_cgroup && unshare(CLONE_NEWCGROUP) < 0)
		return berth_error_set(err, errno, "unshare the cgroup namespace");
	if (setsid() < 0)
		return berth_error_set(err, errno, "setsid");
	init_keyring(ctx);
	if (ctx->plan->new_uts && init_uts(ctx, err) < 0)
		return -1;
	struct rootfs_ctx rc;
	rootfs_ctx_init(ctx, &rc);
	if (rootfs_prepare(&rc, err) < 0)
		return -1;
	if ((c->hooks.prestart.n || c->hooks.create_runtime.n) &&
	    (sync_send(ctx->sync_fd, SYNC_HOOKS_REQ, 0, NULL, -1, err) < 0 ||
	     sync_expect(ctx->sync_fd, SYNC_HOOKS_DONE, "createRuntime hooks", NULL, err) < 0))
		return -1;
	/* config.md: createContainer hooks run in the container's namespaces
	 * but their path resolves in the runtime's, so before pivot_root
	 * (runc's prepareRootfs): the mount namespace is the container's, its
	 * root still the host's */
	if (hooks_run(&c->hooks.create_container, "createContainer", *ret_state, err) < 0)
		return -1;
	if (rootfs_pivot(&rc, err) < 0)
		return -1;
	/* the console before rootfs_finalize: /dev may become read-only */
	struct terminal_pty pty = { .master = -1, .slave = -1 };
	if (c->process.terminal && init_terminal(ctx, &pty, err) < 0) {
		terminal_release(&pty);
		return -1;
	}
	if (init_sysctl(ctx, err) < 0 || rootfs_finalize(&rc, err) < 0) {
		terminal_release(&pty);
		return -1;
	}
	if (task_attr_set_mempolicy(&c->linux_.memory_policy, err) < 0 ||
	    task_attr_set_personality(&c->linux_.personality, err) < 0)
		return -1;
	if (pty.slave >= 0)
		close(pty.slave); /* 0, 1 and 2 hold it now */
	free(pty.slave_path);
	return init_cwd(ctx, err);
}

/* ---- after SYNC_CREATED: report through the exec fifo ----------------- */

static void fifo_record(int fd, char kind, const char *msg)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addch(&sb, kind);
	strbuf_addstr(&sb, msg);
	strbuf_add(&sb, "", 1);
	if (write(fd, sb.buf, sb.len) < 0) {
		/* `start` went away; nobody is left to tell */
	}
	strbuf_release(&sb);
}

static __attribute__((noreturn)) void fifo_fail(int fd, berth_error_t *e)
{
	fifo_record(fd, 'E', e ? e->msg : "unknown error");
	_exit(1);
}

/* The state for startContainer hooks: runc gives them "created" (the
 * container is created; the user's process has not started yet) */
static char *state_as_created(const char *state_json)
{
	cleanup_json json_t *st = json_loads(state_json, 0, NULL);
	if (!st)
		return xstrdup(state_json);
	json_object_set_new(st, "status", json_string("created"));
	return bjson_dump(st);
}

static __attribute__((noreturn)) void init_exec(struct init_ctx *ctx, const char *state_json,
						const char *exe, char **env, int fifo)
{
	cleanup_error berth_error_t *e = NULL;
	const struct oci_config *c = ctx->config;
	char **warnings = NULL;

	if (c->hooks.start_container.n) {
		cleanup_free char *created = state_as_created(state_json);
		if (hooks_run(&c->hooks.start_container, "startContainer", created, &e) < 0)
			fifo_fail(fifo, e);
	}
	signals_reset_child();
	if (security_apply(&c->process, &c->linux_.seccomp, &warnings, &e) < 0)
		fifo_fail(fifo, e);
	for (char **w = warnings; w && *w; w++)
		fifo_record(fifo, 'W', *w);
	cloned_binary_exec(ctx->dmz_fd, 'f', fifo, exe, c->process.args, env);
	cloned_binary_exec_error(&e, errno, c->process.args[0]);
	fifo_fail(fifo, e);
}

void init_child_main(struct init_ctx *ctx, bool direct)
{
	/* not dumpable until execve: container processes cannot open our
	 * /proc/<pid>/exe or memory (the dmz covers the exec itself) */
	if (!ctx->plan->new_user)
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	cleanup_error berth_error_t *e = NULL;
	cleanup_free char *state_json = NULL, *exe = NULL;
	unsigned int preserve = ctx->preserve_fds;
	char **env = init_build_env(&ctx->config->process, &preserve);

	if (init_setup(ctx, direct, &state_json, &e) < 0 ||
	    init_path_lookup(ctx->config->process.args ? ctx->config->process.args[0] : NULL, env,
			     &exe, &e) < 0 ||
	    init_fds_for_exec(preserve, &e) < 0)
		init_fail(ctx->sync_fd, e);
	/* the blocking open below can only fail silently: check first */
	if (faccessat(ctx->state_dirfd, STATE_FIFO, W_OK, 0) < 0) {
		berth_error_set(&e, errno, "exec fifo");
		init_fail(ctx->sync_fd, e);
	}
	if (sync_send(ctx->sync_fd, SYNC_CREATED, 0, NULL, -1, &e) < 0)
		_exit(1);
	/* Blocks until `start` opens the fifo for reading.  openat on the
	 * state dir fd works after pivot_root: the fd still names it. */
	int fifo;
	do
		fifo = openat(ctx->state_dirfd, STATE_FIFO, O_WRONLY | O_CLOEXEC);
	while (fifo < 0 && errno == EINTR);
	if (fifo < 0)
		_exit(1);
	close(ctx->sync_fd);
	close(ctx->state_dirfd);
	init_exec(ctx, state_json, exe, env, fifo);
}

/* ---- the intermediate ----------------------------------------------- */

static int intermediate_setup(struct init_ctx *ctx, berth_error_t **err)
{
	struct ns_plan *plan = ctx->plan;
	if (sync_expect(ctx->sync_fd, SYNC_GO, "wait for the runtime", NULL, err) < 0)
		return -1;
	if (ns_join_all(plan, err) < 0)
		return -1;
	if (plan->new_user) {
		if (unshare(CLONE_NEWUSER) < 0)
			return berth_error_set(err, errno, "unshare the user namespace");
		if (sync_send(ctx->sync_fd, SYNC_USERMAP_REQ, 0, NULL, -1, err) < 0 ||
		    sync_expect(ctx->sync_fd, SYNC_USERMAP_DONE, "user namespace maps", NULL, err) <
			    0 ||
		    userns_become_root(err) < 0)
			return -1;
	}
	int flags = plan->clone_flags & ~CLONE_NEWUSER;
	if (flags && unshare(flags) < 0)
		return berth_error_set(err, errno, "unshare namespaces 0x%x", flags);
	if (plan->new_time && ns_write_time_offsets(plan, err) < 0)
		return -1;
	return 0;
}

void init_intermediate_main(struct init_ctx *ctx)
{
	cleanup_error berth_error_t *e = NULL;
	if (intermediate_setup(ctx, &e) < 0)
		init_fail(ctx->sync_fd, e);
	/* CLONE_PARENT: the init becomes the runtime's child, so `run` can
	 * wait for it; it is pid 1 of the pid namespace unshared above */
	pid_t pid = init_clone(CLONE_PARENT);
	if (pid < 0) {
		berth_error_set(&e, errno, "clone the container init");
		init_fail(ctx->sync_fd, e);
	}
	if (pid == 0)
		init_child_main(ctx, false);
	sync_send(ctx->sync_fd, SYNC_INIT_PID, pid, NULL, -1, NULL);
	_exit(0);
}
