/* exec: a new process in a running container (runc exec).  The runtime
 * forks a helper that setns()es into every namespace of the container's
 * init (user first), then forks the process itself with CLONE_PARENT so
 * that it is our child and, through the pid namespace join, in the
 * container's pid namespace.  Failures before execve come back over the
 * sync socket; its close-on-exec end reads as EOF once execve succeeded. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/parse.h"
#include "common/xalloc.h"
#include "runtime/cgroup.h"
#include "runtime/cloned-binary.h"
#include "runtime/container-internal.h"
#include "runtime/security.h"
#include "runtime/signals.h"
#include "runtime/state.h"
#include "runtime/sync.h"
#include "runtime/task-attr.h"
#include "runtime/terminal.h"

/* The process to run and what owns its parts */
struct exec_proc {
	struct oci_process p; /* shallow: parts borrowed from the config or owned below */
	bool owned;           /* p came from --process and is released whole */
	char **args, **env;   /* owned overrides */
	char **cap_names[3];  /* owned: bounding, effective, permitted */
};

static void exec_proc_release(struct exec_proc *e)
{
	if (e->owned)
		oci_process_release(&e->p);
	cleanup_strvp(&e->args);
	cleanup_strvp(&e->env);
	for (int i = 0; i < 3; i++)
		cleanup_strvp(&e->cap_names[i]);
}

static size_t strv_len(char **v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

static char **strv_concat(char **a, size_t na, char **b)
{
	size_t nb = strv_len(b);
	char **v = xcalloc(na + nb + 1, sizeof(char *));
	for (size_t i = 0; i < na; i++)
		v[i] = xstrdup(a[i]);
	for (char **p = b; p && *p; p++)
		v[na++] = xstrdup(*p);
	return v;
}

static int add_caps(struct exec_proc *e, char **caps, berth_error_t **err)
{
	struct oci_capset *sets[3] = { &e->p.capabilities.bounding, &e->p.capabilities.effective,
				       &e->p.capabilities.permitted };
	uint64_t add = 0;
	for (char **c = caps; c && *c; c++) {
		int n = oci_cap_from_name(*c);
		if (n < 0)
			return berth_error_fail(err, EINVAL, "unknown capability '%s'", *c);
		add |= 1ULL << n;
	}
	if (!add)
		return 0;
	for (int i = 0; i < 3; i++) {
		e->cap_names[i] = strv_concat(sets[i]->names, sets[i]->n, caps);
		sets[i]->names = e->cap_names[i];
		sets[i]->n = strv_len(e->cap_names[i]);
		sets[i]->mask |= add;
	}
	e->p.capabilities.present = true;
	return 0;
}

static int parse_user(const char *s, struct oci_user *u, berth_error_t **err)
{
	cleanup_free char *copy = xstrdup(s);
	char *colon = strchr(copy, ':');
	if (colon)
		*colon++ = '\0';
	if (parse_uint32(copy, &u->uid, err) < 0 ||
	    (colon && parse_uint32(colon, &u->gid, err) < 0))
		return berth_error_wrap(err, "--user '%s': expected uid[:gid]", s);
	u->additional_gids = NULL; /* runc: the config's extra groups do not carry over */
	u->n_additional_gids = 0;
	return 0;
}

static int load_process_file(const char *path, struct exec_proc *e, berth_error_t **err)
{
	cleanup_json json_t *j = NULL;
	if (bjson_load_file(path, OCI_CONFIG_MAX_SIZE, OCI_CONFIG_MAX_DEPTH, &j, err) < 0 ||
	    oci_process_from_json(j, path, &e->p, err) < 0)
		return berth_error_wrap(err, "--process");
	e->owned = true;
	return 0;
}

/* Describe: the config's process with the command line's overrides */
static int build_process(const struct container_exec_opts *o, const struct oci_config *c,
			 struct exec_proc *e, berth_error_t **err)
{
	if (o->process_file)
		return load_process_file(o->process_file, e, err);
	e->p = c->process;
	e->p.terminal = o->tty;
	e->p.has_console_size = false;
	e->args = strv_concat(o->args, strv_len(o->args), NULL);
	e->p.args = e->args;
	e->p.n_args = strv_len(e->args);
	e->env = strv_concat(c->process.env, c->process.n_env, o->env);
	e->p.env = e->env;
	e->p.n_env = strv_len(e->env);
	if (o->cwd)
		e->p.cwd = (char *)o->cwd;
	if (o->no_new_privs)
		e->p.no_new_privileges = true;
	if (o->user && parse_user(o->user, &e->p.user, err) < 0)
		return -1;
	return add_caps(e, o->caps, err);
}

struct exec_job {
	const struct runtime_opts *rt;
	const struct container_exec_opts *o;
	struct oci_config *config;
	struct container_state *st;
	struct exec_proc proc;
	struct ns_plan plan;
	struct cgroup *cg;
	bool cg_self_join; /* the helper joins the cgroup itself (cgroup.h) */
	int sync[2], console_sock, pty_master, dmz_fd;
	pid_t helper, pid;
};

static void exec_job_release(struct exec_job *j, bool failed)
{
	if (failed && j->pid > 0) {
		kill(j->pid, SIGKILL);
		waitpid(j->pid, NULL, 0);
	}
	if (j->helper > 0) {
		kill(j->helper, SIGKILL);
		waitpid(j->helper, NULL, 0);
	}
	exec_proc_release(&j->proc);
	ns_plan_release(&j->plan);
	cgroup_free(j->cg);
	for (int i = 0; i < 2; i++)
		if (j->sync[i] >= 0)
			close(j->sync[i]);
	if (j->console_sock >= 0)
		close(j->console_sock);
	if (j->dmz_fd >= 0)
		close(j->dmz_fd);
	if (failed && j->pty_master >= 0)
		close(j->pty_master);
	oci_config_free(j->config);
	container_state_free(j->st);
}

/* ---- the process side --------------------------------------------------- */

static int exec_terminal(struct exec_job *j, berth_error_t **err)
{
	struct terminal_pty pty;
	/* the container's /dev/ptmx: the pty belongs to its devpts */
	if (terminal_open("/dev/ptmx", 0, 0, &pty, err) < 0)
		return -1;
	int r = j->console_sock >= 0 ?
			terminal_send_fd(j->console_sock, "/dev/ptmx", pty.master, err) :
			sync_send(j->sync[1], SYNC_PTY_MASTER, 0, NULL, pty.master, err);
	if (r >= 0)
		r = terminal_make_controlling(pty.slave, err);
	terminal_release(&pty);
	return r;
}

static int exec_prepare(struct exec_job *j, char **ret_exe, berth_error_t **err)
{
	const struct oci_process *p = &j->proc.p;
	const char *cwd = p->cwd ? p->cwd : "/";
	char **warnings = NULL;

	if (p->terminal && setsid() < 0)
		return berth_error_set(err, errno, "setsid");
	if (p->terminal && exec_terminal(j, err) < 0)
		return -1;
	if (chdir(cwd) < 0)
		return berth_error_set(err, errno, "chdir to cwd (\"%s\") set in config.json", cwd);
	if (init_path_lookup(p->args ? p->args[0] : NULL, p->env, ret_exe, err) < 0 ||
	    init_fds_for_exec(j->o->preserve_fds, err) < 0)
		return -1;
	/* an exec'd process is the container's as much as its init */
	if (task_attr_set_mempolicy(&j->config->linux_.memory_policy, err) < 0 ||
	    task_attr_set_personality(&j->config->linux_.personality, err) < 0)
		return -1;
	signals_reset_child();
	if (security_apply(p, &j->config->linux_.seccomp, &warnings, err) < 0)
		return -1;
	for (char **w = warnings; w && *w; w++)
		sync_send(j->sync[1], SYNC_WARNING, 0, *w, -1, NULL);
	cleanup_strvp(&warnings);
	return 0;
}

static __attribute__((noreturn)) void exec_process_main(struct exec_job *j)
{
	cleanup_error berth_error_t *e = NULL;
	char *exe = NULL;
	if (exec_prepare(j, &exe, &e) == 0) {
		cloned_binary_exec(j->dmz_fd, 's', j->sync[1], exe, j->proc.p.args, j->proc.p.env);
		cloned_binary_exec_error(&e, errno, j->proc.p.args[0]);
	}
	/* never return into the runtime from here */
	sync_send_error(j->sync[1], e);
	_exit(127);
}

static __attribute__((noreturn)) void exec_helper_main(struct exec_job *j)
{
	cleanup_error berth_error_t *e = NULL;
	close(j->sync[0]);
	/* not dumpable while we are in the container's namespaces */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* still in the host's namespaces: the cgroup first, so that the
	 * process cloned below starts in it */
	if (j->cg_self_join && cgroup_enter_self(j->cg, &e) < 0) {
		berth_error_wrap(&e, "enter the container's cgroup");
		sync_send_error(j->sync[1], e);
		_exit(1);
	}
	if (sync_expect(j->sync[1], SYNC_GO, "wait for the runtime", NULL, &e) < 0 ||
	    ns_join_all(&j->plan, &e) < 0) {
		sync_send_error(j->sync[1], e);
		_exit(1);
	}
	pid_t pid = init_clone(CLONE_PARENT);
	if (pid == 0)
		exec_process_main(j);
	if (pid < 0) {
		berth_error_set(&e, errno, "fork the exec process");
		sync_send_error(j->sync[1], e);
		_exit(1);
	}
	sync_send(j->sync[1], SYNC_INIT_PID, pid, NULL, -1, NULL);
	_exit(0);
}

/* ---- the runtime side ------------------------------------------------- */

static int exec_describe(struct exec_job *j, berth_error_t **err)
{
	const struct container_exec_opts *o = j->o;
	cleanup_close int dirfd = -1;
	if (state_load(j->rt->root, o->id, &dirfd, &j->st, err) < 0)
		return -1;
	enum container_status s = state_status(dirfd, j->st);
	if (s == CONTAINER_STOPPED)
		return berth_error_fail(err, EINVAL, "cannot exec in a stopped container");
	if (s == CONTAINER_PAUSED)
		return berth_error_fail(err, EINVAL, "cannot exec in a paused container");
	cleanup_free char *dir = state_dir_path(j->rt->root, o->id);
	if (oci_config_load_bundle(dir, &j->config, err) < 0)
		return berth_error_wrap(err, "exec in '%s'", o->id);
	if (build_process(o, j->config, &j->proc, err) < 0)
		return -1;
	if (!j->proc.p.args || !j->proc.p.args[0])
		return berth_error_fail(err, EINVAL, "exec: args must not be empty");
	if (j->proc.p.terminal && o->detach && !o->console_socket)
		return berth_error_fail(
			err, EINVAL,
			"cannot allocate tty if berth-runtime will detach without setting console socket");
	if (ns_plan_for_pid(j->st->pid, &j->plan, err) < 0)
		return -1;
	/* the ns fds pin the init's namespaces; make sure they are its own */
	if (!state_pid_alive(j->st->pid, j->st->start_time))
		return berth_error_fail(err, ESRCH, "cannot exec in a stopped container");
	bool userns = false;
	for (size_t i = 0; i < j->plan.n_joins; i++)
		userns |= j->plan.joins[i].type == OCI_NS_USER;
	bool full = cloned_binary_needs_full(&j->config->process.capabilities, userns) ||
		    cloned_binary_needs_full(&j->proc.p.capabilities, userns);
	if (cloned_binary_prepare(j->rt->argv, full, &j->dmz_fd, err) < 0)
		return -1;
	return cgroup_open(j->st->cgroup_mode, j->st->cgroup_path, &j->cg, err);
}

/* Serve the helper and the process until the process has exec'd (EOF) */
static int exec_serve(struct exec_job *j, berth_error_t **err)
{
	for (;;) {
		struct sync_msg m;
		if (sync_recv(j->sync[0], &m, err) < 0)
			return -1;
		int r = 0;
		switch (m.type) {
		case SYNC_INIT_PID:
			j->pid = m.value;
			waitpid(j->helper, NULL, 0);
			j->helper = 0;
			break;
		case SYNC_EXEC_FAILED:
			r = cloned_binary_exec_error(err, m.value, m.payload ? m.payload : "");
			break;
		case SYNC_EOF:
			sync_msg_release(&m);
			if (j->pid <= 0)
				return berth_error_fail(err, EPIPE, "exec helper exited");
			return 0;
		default:
			r = container_serve_common(j->rt, &m, &j->pty_master, err);
		}
		sync_msg_release(&m);
		if (r < 0)
			return r;
	}
}

static int exec_spawn(struct exec_job *j, berth_error_t **err)
{
	if (j->o->console_socket) {
		j->console_sock = terminal_connect_socket(j->o->console_socket, err);
		if (j->console_sock < 0)
			return -1;
	}
	if (sync_pair(j->sync, err) < 0)
		return -1;
	j->cg_self_join = cgroup_can_enter_self(j->cg);
	j->helper = init_clone(0);
	if (j->helper < 0)
		return berth_error_set(err, errno, "fork the exec helper");
	if (j->helper == 0)
		exec_helper_main(j);
	close(j->sync[1]);
	j->sync[1] = -1;
	if (j->console_sock >= 0) {
		close(j->console_sock);
		j->console_sock = -1;
	}
	if (!j->cg_self_join && cgroup_enter(j->cg, j->helper, err) < 0)
		return berth_error_wrap(err, "enter the container's cgroup");
	if (sync_send(j->sync[0], SYNC_GO, 0, NULL, -1, err) < 0) {
		/* EPIPE: a helper that could not join the cgroup has said why,
		 * then exited; its message is still queued for exec_serve */
		if (!err || !*err || (*err)->errnum != EPIPE)
			return -1;
		berth_error_release(err);
	}
	return exec_serve(j, err);
}

static int exec_wait(struct exec_job *j, int *ret_code, berth_error_t **err)
{
	cleanup_close int sfd = signals_block(err);
	if (sfd < 0)
		return -1;
	return signals_wait_forward(sfd, j->pid, j->pty_master, ret_code, err);
}

int container_exec(const struct runtime_opts *rt, const struct container_exec_opts *o,
		   int *ret_code, berth_error_t **err)
{
	struct exec_job j = { .rt = rt,
			      .o = o,
			      .sync = { -1, -1 },
			      .console_sock = -1,
			      .pty_master = -1,
			      .dmz_fd = -1 };
	int r = exec_describe(&j, err);
	if (r >= 0)
		r = exec_spawn(&j, err);
	if (r >= 0 && o->pid_file)
		r = state_write_pid_file(o->pid_file, j.pid, err);
	*ret_code = 0;
	if (r >= 0 && !o->detach)
		r = exec_wait(&j, ret_code, err);
	if (j.pty_master >= 0 && r >= 0) {
		close(j.pty_master);
		j.pty_master = -1;
	}
	exec_job_release(&j, r < 0);
	return r;
}
