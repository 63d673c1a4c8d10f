/* container: create, start and run (runtime.md), the runtime's side of
 * the clone.  Create is described first (config, rootfs path, namespace
 * plan, cgroup) and then executed; any failure after the state directory
 * exists kills the init and removes the cgroup and the directory again, so
 * a failed create leaves nothing behind. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "oci/state.h"
#include "runtime/cgroup.h"
#include "runtime/cloned-binary.h"
#include "runtime/container-internal.h"
#include "runtime/hooks.h"
#include "runtime/idmap.h"
#include "runtime/intelrdt.h"
#include "runtime/netdev.h"
#include "runtime/process-attr.h"
#include "runtime/signals.h"
#include "runtime/state.h"
#include "runtime/sync.h"
#include "runtime/task-attr.h"
#include "runtime/terminal.h"
#include "runtime/userns.h"

#define FIFO_MAX_REPORT (64u << 10)

void container_warn(const struct runtime_opts *rt, const char *fmt, ...)
{
	if (!rt->warn)
		return;
	va_list ap;
	va_start(ap, fmt);
	cleanup_free char *m = xvasprintf(fmt, ap);
	va_end(ap);
	rt->warn(m);
}

/* What create sets up and must undo when a later step fails */
struct create_job {
	const struct runtime_opts *rt;
	const struct container_create_opts *o;
	bool pty_if_terminal; /* a foreground run: the pty master comes back to us */
	bool pty_to_parent;
	struct oci_config *config;
	char *bundle, *rootfs, *dir;
	int dirfd;
	bool dir_made;
	struct cgroup *cg;
	bool cg_made;
	bool cg_self_join; /* the first child joins the cgroup itself (cgroup.h) */
	bool rdt_made;
	struct ns_plan plan;
	int console_sock;
	int dmz_fd;
	int sync[2];
	pid_t first; /* the process we cloned (the init, or the intermediate) */
	pid_t init;
	int pty_master;
	struct idmap_trees idmap; /* the idmapped mounts, made before the clone */
	struct container_state st;
};

/* A failed create: kill what we cloned, remove the cgroup, the resctrl
 * group and the state directory */
static void create_job_undo(struct create_job *j)
{
	if (j->init > 0) {
		kill(j->init, SIGKILL);
		waitpid(j->init, NULL, 0);
	}
	if (j->first > 0 && j->first != j->init) {
		kill(j->first, SIGKILL);
		waitpid(j->first, NULL, 0);
	}
	if (j->cg_made)
		cgroup_destroy(j->cg, NULL);
	if (j->rdt_made)
		intelrdt_remove(&j->config->linux_.intel_rdt, j->o->id);
	if (j->dir_made)
		state_remove_dir(j->rt->root, j->o->id, NULL);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* What only the setup needed: closed once the init waits on the fifo (the
 * console socket's peer may wait for our end to close) */
static void create_job_close_setup(struct create_job *j)
{
	idmap_trees_release(&j->idmap);
	ns_plan_release(&j->plan);
	close_fd(&j->sync[0]);
	close_fd(&j->sync[1]);
	close_fd(&j->console_sock);
	close_fd(&j->dmz_fd);
}

/* Free and close what the job holds; the container itself stays */
static void create_job_release(struct create_job *j)
{
	create_job_close_setup(j);
	cgroup_free(j->cg);
	if (j->dirfd >= 0)
		close(j->dirfd);
	if (j->pty_master >= 0)
		close(j->pty_master);
	oci_config_free(j->config);
	free(j->bundle);
	free(j->rootfs);
	free(j->dir);
	free(j->st.created);
	json_decref(j->st.annotations);
}
#define cleanup_create_job __attribute__((cleanup(create_job_release)))

static char *now_rfc3339(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return oci_state_format_time(&ts);
}

int container_serve_common(const struct runtime_opts *rt, struct sync_msg *m, int *pty_master,
			   berth_error_t **err)
{
	switch (m->type) {
	case SYNC_PTY_MASTER:
		*pty_master = take_fd(&m->fd);
		return 0;
	case SYNC_WARNING:
		container_warn(rt, "%s", m->payload ? m->payload : "");
		return 0;
	case SYNC_ERROR:
		return berth_error_fail(err, m->value, "%s", m->payload ? m->payload : "unknown");
	default:
		return berth_error_fail(err, EPROTO, "unexpected sync message %d", (int)m->type);
	}
}

/* ---- describe ---------------------------------------------------------- */

static int load_config(struct create_job *j, berth_error_t **err)
{
	char buf[PATH_MAX];
	if (!realpath(j->o->bundle ? j->o->bundle : ".", buf))
		return berth_error_set(err, errno, "bundle '%s'",
				       j->o->bundle ? j->o->bundle : ".");
	j->bundle = xstrdup(buf);
	if (oci_config_load_bundle(j->bundle, &j->config, err) < 0)
		return -1;
	for (size_t i = 0; i < j->config->n_warnings; i++)
		container_warn(j->rt, "config.json: %s", j->config->warnings[i]);
	const struct oci_config *c = j->config;
	if (!c->has_process || !c->process.args || !c->process.args[0])
		return berth_error_fail(err, EINVAL, "config.json: process.args must not be empty");
	if (!c->root_path)
		return berth_error_fail(err, EINVAL, "config.json: root.path is required");
	cleanup_free char *root = c->root_path[0] == '/' ?
					  xstrdup(c->root_path) :
					  xasprintf("%s/%s", j->bundle, c->root_path);
	if (!realpath(root, buf))
		return berth_error_set(err, errno, "rootfs '%s'", root);
	j->rootfs = xstrdup(buf);
	return 0;
}

/* sysctls that belong to a namespace we do not have would change the host */
static int check_sysctl(const struct oci_config *c, const struct ns_plan *p, berth_error_t **err)
{
	bool ipc = false, net = false;
	for (size_t i = 0; i < c->linux_.n_namespaces; i++) {
		ipc |= c->linux_.namespaces[i].type == OCI_NS_IPC;
		net |= c->linux_.namespaces[i].type == OCI_NS_NETWORK;
	}
	for (size_t i = 0; i < c->linux_.n_sysctl; i++) {
		const char *k = c->linux_.sysctl[i].key;
		bool ok = (ipc &&
			   (strncmp(k, "kernel.msg", 10) == 0 || strcmp(k, "kernel.sem") == 0 ||
			    strncmp(k, "kernel.shm", 10) == 0 ||
			    strncmp(k, "fs.mqueue.", 10) == 0)) ||
			  (net && strncmp(k, "net.", 4) == 0) ||
			  (p->has_uts && (strcmp(k, "kernel.hostname") == 0 ||
					  strcmp(k, "kernel.domainname") == 0));
		if (!ok)
			return berth_error_fail(err, EINVAL,
						"sysctl '%s' is not in a separate kernel namespace",
						k);
	}
	return 0;
}

/* LSM fields as runc treats them: an SELinux process label without
 * SELinux and an AppArmor profile without AppArmor fail the create (runc's
 * validator, and its init's "unable to apply apparmor profile" before the
 * exec fifo); runc drops mountLabel silently without SELinux, where we
 * warn.  With SELinux, mount labels are not implemented: refused rather
 * than a container quietly less confined than asked. */
static int check_lsm(struct create_job *j, berth_error_t **err)
{
	const struct oci_config *c = j->config;
	if (c->process.selinux_label && *c->process.selinux_label &&
	    !process_attr_selinux_enabled())
		return berth_error_fail(err, EOPNOTSUPP,
					"selinux label is specified in config, but selinux is "
					"disabled or not supported");
	if (c->process.apparmor_profile && *c->process.apparmor_profile &&
	    !process_attr_apparmor_enabled())
		return berth_error_fail(err, EOPNOTSUPP,
					"unable to apply apparmor profile: apparmor profile '%s': "
					"apparmor is not enabled on this host",
					c->process.apparmor_profile);
	if (c->linux_.mount_label && *c->linux_.mount_label) {
		if (process_attr_selinux_enabled())
			return berth_error_fail(err, EOPNOTSUPP,
						"linux.mountLabel: SELinux mount labels are not "
						"supported by berth-runtime");
		container_warn(j->rt,
			       "linux.mountLabel '%s': selinux is not enabled on this host, "
			       "ignoring",
			       c->linux_.mount_label);
	}
	return 0;
}

static int describe(struct create_job *j, berth_error_t **err)
{
	const struct container_create_opts *o = j->o;
	if (state_check_id(o->id, err) < 0 || load_config(j, err) < 0)
		return -1;
	j->pty_to_parent = j->pty_if_terminal && j->config->process.terminal;
	if (ns_plan_build(j->config, &j->plan, err) < 0)
		return -1;
	if ((j->config->hostname || j->config->domainname) && !j->plan.has_uts)
		return berth_error_fail(err, EINVAL,
					"unable to set hostname without a private UTS namespace");
	if (j->plan.new_user && !j->config->linux_.n_uid_mappings)
		return berth_error_fail(err, EINVAL, "a user namespace needs linux.uidMappings");
	if (check_sysctl(j->config, &j->plan, err) < 0 || check_lsm(j, err) < 0 ||
	    netdev_check(j->config, err) < 0 || task_attr_check(&j->config->linux_, err) < 0 ||
	    intelrdt_check(&j->config->linux_.intel_rdt, err) < 0)
		return -1;
	if (j->config->process.terminal && !o->console_socket && !j->pty_to_parent)
		return berth_error_fail(
			err, EINVAL,
			"cannot allocate tty if berth-runtime will detach without setting console socket");
	if (!j->config->process.terminal && o->console_socket)
		return berth_error_fail(
			err, EINVAL,
			"cannot use console socket if berth-runtime will not detach or allocate tty");
	return cgroup_new(j->config->linux_.cgroups_path, o->id, &j->cg, err);
}

/* ---- execute ----------------------------------------------------------- */

/* The init opens the fifo for writing as the container's root, which in
 * a user namespace is some other host uid: hand the fifo to it (as runc
 * does), with the mode the umask cut down */
static int own_fifo(struct create_job *j, berth_error_t **err)
{
	uid_t uid = 0;
	gid_t gid = 0;
	const struct oci_linux *l = &j->config->linux_;
	for (size_t i = 0; j->plan.new_user && i < l->n_uid_mappings; i++)
		if (l->uid_mappings[i].container_id == 0)
			uid = l->uid_mappings[i].host_id;
	for (size_t i = 0; j->plan.new_user && i < l->n_gid_mappings; i++)
		if (l->gid_mappings[i].container_id == 0)
			gid = l->gid_mappings[i].host_id;
	if (fchmodat(j->dirfd, STATE_FIFO, 0622, 0) < 0 ||
	    fchownat(j->dirfd, STATE_FIFO, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return berth_error_set(err, errno, "set up the exec fifo");
	return 0;
}

/* config.json goes once into the directory we have just made, and is read
 * only once state.json exists (state_load), so it needs no temp file and
 * rename.  Its data is fsynced here and its directory entry by the
 * directory fsync that commits state.json (atomic_write_at, same
 * directory): whatever survives a crash with state.json has its config. */
static int write_state_config(int dirfd, const char *text, berth_error_t **err)
{
	cleanup_close int fd =
		openat(dirfd, STATE_CONFIG, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || fchmod(fd, 0600) < 0)
		return berth_error_set(err, errno, "create '%s'", STATE_CONFIG);
	size_t len = strlen(text);
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berth_error_set(err, errno, "write '%s'", STATE_CONFIG);
		off += (size_t)n;
	}
	int r;
	do
		r = fsync(fd);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return berth_error_set(err, errno, "fsync '%s'", STATE_CONFIG);
	return 0;
}

static int make_state_dir(struct create_job *j, berth_error_t **err)
{
	if (state_ensure_root(j->rt->root, err) < 0)
		return -1;
	j->dir = state_dir_path(j->rt->root, j->o->id);
	if (mkdir(j->dir, 0711) < 0) {
		if (errno == EEXIST)
			return berth_error_fail(err, EEXIST, "container with id exists: %s",
						j->o->id);
		return berth_error_set(err, errno, "create state directory '%s'", j->dir);
	}
	j->dir_made = true;
	j->dirfd = open(j->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (j->dirfd < 0)
		return berth_error_set(err, errno, "open '%s'", j->dir);
	/* exec and delete need the config after the bundle may be gone */
	cleanup_json json_t *cj = oci_config_to_json(j->config);
	cleanup_free char *text = bjson_dump(cj);
	if (write_state_config(j->dirfd, text, err) < 0)
		return -1;
	if (mkfifoat(j->dirfd, STATE_FIFO, 0622) < 0)
		return berth_error_set(err, errno, "create the exec fifo");
	return own_fifo(j, err);
}

/* runc's AllowedDevices: what every container may use whatever its rules
 * say (the std devices, ptys, tun), appended after the config's rules as
 * runc does; without them the init could not even open /dev/ptmx */
static const struct oci_device_rule default_rules[] = {
	{ .allow = true, .type = 'c', .access = "m" },
	{ .allow = true, .type = 'b', .access = "m" },
	{ true, 'c', true, true, 1, 3, "rwm" },    /* null */
	{ true, 'c', true, true, 1, 8, "rwm" },    /* random */
	{ true, 'c', true, true, 1, 7, "rwm" },    /* full */
	{ true, 'c', true, true, 5, 0, "rwm" },    /* tty */
	{ true, 'c', true, true, 1, 5, "rwm" },    /* zero */
	{ true, 'c', true, true, 1, 9, "rwm" },    /* urandom */
	{ true, 'c', true, true, 5, 1, "rwm" },    /* console */
	{ true, 'c', true, false, 136, 0, "rwm" }, /* pts, any minor */
	{ true, 'c', true, true, 5, 2, "rwm" },    /* ptmx */
	{ true, 'c', true, true, 10, 200, "rwm" }, /* net/tun */
};

/* The config's device rules, the defaults, then an allow rule for each
 * linux.devices entry.  Returns a shallow copy of r owning only its new
 * devices array (free it); strings stay borrowed. */
static struct oci_resources resources_with_devices(const struct oci_config *c)
{
	struct oci_resources r = c->linux_.resources;
	size_t nd = sizeof(default_rules) / sizeof(default_rules[0]);
	if (r.n_devices == 0)
		return r;
	struct oci_device_rule *v = xcalloc(r.n_devices + nd + c->linux_.n_devices, sizeof(*v));
	memcpy(v, r.devices, r.n_devices * sizeof(*v));
	memcpy(v + r.n_devices, default_rules, sizeof(default_rules));
	size_t n = r.n_devices + nd;
	for (size_t i = 0; i < c->linux_.n_devices; i++) {
		const struct oci_device *d = &c->linux_.devices[i];
		if (d->type != 'c' && d->type != 'b' && d->type != 'u')
			continue;
		v[n++] = (struct oci_device_rule){ true,         d->type == 'b' ? 'b' : 'c',
						   true,         true,
						   d->major,     d->minor,
						   (char *)"rwm" };
	}
	r.devices = v;
	r.n_devices = n;
	return r;
}

static int make_cgroup(struct create_job *j, berth_error_t **err)
{
	if (cgroup_create(j->cg, err) < 0)
		return berth_error_wrap(err, "create cgroup");
	j->cg_made = true;
	if (j->config->linux_.resources.present) {
		struct oci_resources r = resources_with_devices(j->config);
		int rc = cgroup_apply(j->cg, &r, err);
		if (r.devices != j->config->linux_.resources.devices)
			free(r.devices);
		if (rc < 0)
			return berth_error_wrap(err, "apply cgroup limits");
	}
	for (size_t i = 0; i < j->cg->n_warnings; i++)
		container_warn(j->rt, "%s", j->cg->warnings[i]);
	return 0;
}

static void fill_state(struct create_job *j, pid_t pid)
{
	j->st.id = (char *)j->o->id;
	j->st.bundle = j->bundle;
	j->st.rootfs = j->rootfs;
	if (!j->st.created)
		j->st.created = now_rfc3339();
	j->st.owner = "";
	j->st.pid = pid;
	j->st.cgroup_mode = j->cg->mode;
	j->st.cgroup_path = j->cg->path;
	if (!j->st.annotations) {
		j->st.annotations = json_object();
		for (size_t i = 0; i < j->config->n_annotations; i++)
			json_object_set_new(j->st.annotations, j->config->annotations[i].key,
					    json_string(j->config->annotations[i].value));
	}
}

static __attribute__((noreturn)) void child_start(struct create_job *j, bool intermediate)
{
	struct init_ctx ctx = {
		.config = j->config,
		.id = j->o->id,
		.bundle = j->bundle,
		.rootfs = j->rootfs,
		.plan = &j->plan,
		.sync_fd = j->sync[1],
		.state_dirfd = j->dirfd,
		.console_sock = j->console_sock,
		.dmz_fd = j->dmz_fd,
		.pty_to_parent = j->pty_to_parent,
		.no_pivot = j->o->no_pivot,
		.no_new_keyring = j->o->no_new_keyring,
		.preserve_fds = j->o->preserve_fds,
		.mount_fds = j->idmap.fds,
	};
	close(j->sync[0]);
	if (j->cg_self_join) {
		/* first of all: hooks, the init and anything they fork must be in
		 * the container's cgroup, and the parent relies on it */
		cleanup_error berth_error_t *e = NULL;
		if (cgroup_enter_self(j->cg, &e) < 0) {
			berth_error_wrap(&e, "enter cgroup");
			sync_send_error(j->sync[1], e);
			_exit(1);
		}
	}
	if (intermediate)
		init_intermediate_main(&ctx);
	init_child_main(&ctx, true);
}

static int clone_first(struct create_job *j, bool intermediate, berth_error_t **err)
{
	unsigned long flags = intermediate ? 0 : (unsigned long)j->plan.clone_flags;
	pid_t pid = init_clone(flags);
	if (pid < 0)
		return berth_error_set(err, errno, "clone the container init (flags 0x%lx)", flags);
	if (pid == 0)
		child_start(j, intermediate);
	close(j->sync[1]);
	j->sync[1] = -1;
	j->first = pid;
	if (!intermediate)
		j->init = pid;
	return 0;
}

static int send_go(struct create_job *j, berth_error_t **err)
{
	fill_state(j, j->init);
	cleanup_free char *s = state_hook_json(&j->st, CONTAINER_CREATING);
	return sync_send(j->sync[0], SYNC_GO, 0, s, -1, err);
}

/* The intermediate's part: maps for its new user ns, then the init's pid */
static int run_intermediate(struct create_job *j, berth_error_t **err)
{
	if (sync_send(j->sync[0], SYNC_GO, 0, NULL, -1, err) < 0)
		return -1;
	for (;;) {
		struct sync_msg m;
		if (sync_recv(j->sync[0], &m, err) < 0)
			return -1;
		enum sync_type t = m.type;
		int32_t v = m.value;
		if (t == SYNC_ERROR || t == SYNC_EOF) {
			int r = berth_error_fail(err, t == SYNC_ERROR ? m.value : EPIPE, "%s",
						 m.payload ? m.payload :
							     "container setup process exited");
			sync_msg_release(&m);
			return r;
		}
		sync_msg_release(&m);
		if (t == SYNC_USERMAP_REQ) {
			if (userns_write_maps(j->first, j->config, err) < 0 ||
			    sync_send(j->sync[0], SYNC_USERMAP_DONE, 0, NULL, -1, err) < 0)
				return -1;
		} else if (t == SYNC_INIT_PID) {
			j->init = v;
			waitpid(j->first, NULL, 0);
			j->first = v;
			return 0;
		}
	}
}

static int run_runtime_hooks(struct create_job *j, berth_error_t **err)
{
	cleanup_free char *s = state_hook_json(&j->st, CONTAINER_CREATING);
	if (hooks_run(&j->config->hooks.prestart, "prestart", s, err) < 0 ||
	    hooks_run(&j->config->hooks.create_runtime, "createRuntime", s, err) < 0)
		return -1;
	return sync_send(j->sync[0], SYNC_HOOKS_DONE, 0, NULL, -1, err);
}

/* Serve the init until it reports SYNC_CREATED */
static int serve_init(struct create_job *j, berth_error_t **err)
{
	for (;;) {
		struct sync_msg m;
		if (sync_recv(j->sync[0], &m, err) < 0)
			return -1;
		int r = 0;
		switch (m.type) {
		case SYNC_HOOKS_REQ:
			r = run_runtime_hooks(j, err);
			break;
		case SYNC_CREATED:
			sync_msg_release(&m);
			return 0;
		case SYNC_EOF:
			r = berth_error_fail(err, EPIPE, "container init exited during setup");
			break;
		default:
			r = container_serve_common(j->rt, &m, &j->pty_master, err);
		}
		sync_msg_release(&m);
		if (r < 0)
			return r;
	}
}

/* A child that failed early (its own cgroup join) has sent SYNC_ERROR and
 * exited, so that what we did next failed with EPIPE or ESRCH: report the
 * child's error instead.  Returns -1. */
static int prefer_child_error(struct create_job *j, berth_error_t **err)
{
	struct pollfd p = { .fd = j->sync[0], .events = POLLIN };
	struct sync_msg m;
	if (poll(&p, 1, 0) != 1 || !(p.revents & POLLIN) || sync_recv(j->sync[0], &m, NULL) < 0)
		return -1;
	if (m.type == SYNC_ERROR && err) {
		berth_error_release(err);
		berth_error_fail(err, m.value, "%s", m.payload ? m.payload : "unknown");
	}
	sync_msg_release(&m);
	return -1;
}

/* Between the clone and GO: the cgroup (unless the child joins itself),
 * the maps of a new user namespace, resctrl, network devices */
static int setup_child(struct create_job *j, bool intermediate, berth_error_t **err)
{
	if (!j->cg_self_join && cgroup_enter(j->cg, j->first, err) < 0)
		return berth_error_wrap(err, "enter cgroup");
	if (intermediate && run_intermediate(j, err) < 0)
		return -1;
	if (!intermediate && j->plan.new_user && userns_write_maps(j->init, j->config, err) < 0)
		return -1;
	/* the init's namespaces exist now and it waits for GO: the devices
	 * are in place before any hook or the container's process runs */
	if (intelrdt_apply(&j->config->linux_.intel_rdt, j->o->id, j->init, &j->rdt_made, err) <
		    0 ||
	    netdev_move_all(j->config, j->init, err) < 0)
		return -1;
	return send_go(j, err);
}

static int spawn_init(struct create_job *j, berth_error_t **err)
{
	bool intermediate = ns_plan_needs_intermediate(&j->plan);
	if (j->o->console_socket) {
		j->console_sock = terminal_connect_socket(j->o->console_socket, err);
		if (j->console_sock < 0)
			return -1;
	}
	/* a direct child in a new user namespace has no rights on the host's
	 * cgroupfs before its maps; the intermediate is in ours */
	j->cg_self_join = cgroup_can_enter_self(j->cg) && (intermediate || !j->plan.new_user);
	if (sync_pair(j->sync, err) < 0 || clone_first(j, intermediate, err) < 0)
		return -1;
	if (setup_child(j, intermediate, err) < 0)
		return prefer_child_error(j, err);
	if (serve_init(j, err) < 0)
		return -1;
	if (proc_stat_start(j->init, &j->st.start_time, NULL, err) < 0)
		return berth_error_wrap(err, "container init");
	return 0;
}

/* pty_if_terminal: a foreground run without a console socket, where a
 * terminal's master comes back to us (j->pty_master) */
#define CREATE_JOB_INIT(rt_, o_, pty_if_terminal_)                                          \
	{                                                                                   \
		.rt = (rt_), .o = (o_), .pty_if_terminal = (pty_if_terminal_), .dirfd = -1, \
		.console_sock = -1, .dmz_fd = -1, .sync = { -1, -1 }, .pty_master = -1      \
	}

/* Every step of create.  On success j holds the container's state (j->st,
 * j->dirfd, j->config), so that `run` need not read any of it back; on
 * failure the container is undone. */
static int create_steps(struct create_job *j, berth_error_t **err)
{
	int r = describe(j, err);
	/* before any state exists: a bad idmapping fails create cleanly */
	if (r >= 0)
		r = idmap_trees_open(j->config, j->bundle, &j->idmap, err);
	if (r >= 0)
		r = cloned_binary_prepare(j->rt->argv,
					  cloned_binary_needs_full(&j->config->process.capabilities,
								   j->plan.new_user),
					  &j->dmz_fd, err);
	if (r >= 0)
		r = make_state_dir(j, err);
	if (r >= 0)
		r = make_cgroup(j, err);
	if (r >= 0)
		r = spawn_init(j, err);
	if (r >= 0) {
		fill_state(j, j->init);
		r = state_write(j->dirfd, &j->st, err);
	}
	if (r >= 0 && j->o->pid_file)
		r = state_write_pid_file(j->o->pid_file, j->init, err);
	if (r < 0)
		create_job_undo(j);
	else
		create_job_close_setup(j);
	return r;
}

int container_create(const struct runtime_opts *rt, const struct container_create_opts *o,
		     berth_error_t **err)
{
	cleanup_create_job struct create_job j = CREATE_JOB_INIT(rt, o, false);
	return create_steps(&j, err);
}

/* ---- start --------------------------------------------------------------- */

/* berth-dmz's record "<errno> <path>": its execve of path failed */
static int dmz_failure(const char *rec, berth_error_t **err)
{
	char *end;
	long e = strtol(rec, &end, 10);
	if (*end != ' ' || e <= 0 || e > 4095)
		return berth_error_fail(err, EPROTO, "bad report from berth-dmz");
	return cloned_binary_exec_error(err, (int)e, end + 1);
}

/* Read the init's reports from the fifo until it closes (its execve) */
static int read_fifo_reports(const struct runtime_opts *rt, int fifo, int pidfd,
			     berth_error_t **err)
{
	struct strbuf sb = STRBUF_INIT;
	bool eof = false, exited = false;
	while (!eof) {
		struct pollfd p[2] = { { .fd = fifo, .events = POLLIN },
				       { .fd = exited ? -1 : pidfd, .events = POLLIN } };
		if (poll(p, 2, -1) < 0 && errno != EINTR) {
			strbuf_release(&sb);
			return berth_error_set(err, errno, "poll the exec fifo");
		}
		if (p[0].revents & (POLLIN | POLLHUP)) {
			char buf[4096];
			ssize_t n = read(fifo, buf, sizeof(buf));
			if (n > 0 && sb.len < FIFO_MAX_REPORT)
				strbuf_add(&sb, buf, (size_t)n);
			eof = n == 0 && (p[0].revents & POLLHUP);
			continue;
		}
		if (p[1].revents & POLLIN)
			exited = true; /* reports may still be buffered: read until HUP */
		if (exited && !(p[0].revents & (POLLIN | POLLHUP)) && sb.len == 0) {
			strbuf_release(&sb);
			return berth_error_fail(err, ESRCH, "container init exited before start");
		}
	}
	int r = 0;
	for (size_t off = 0; off < sb.len; off += strlen(sb.buf + off) + 1) {
		const char *rec = sb.buf + off;
		if (rec[0] == 'W')
			container_warn(rt, "%s", rec + 1);
		else if (rec[0] == 'E' && r == 0)
			r = berth_error_fail(err, EINVAL, "%s", rec + 1);
		else if (rec[0] == 'N' && r == 0)
			r = dmz_failure(rec + 1, err);
	}
	strbuf_release(&sb);
	return r;
}

/* config: the container's, when the caller has it parsed already (run) */
static void run_poststart(const struct runtime_opts *rt, int dirfd,
			  const struct container_state *st, const struct oci_config *config)
{
	cleanup_oci_config struct oci_config *loaded = NULL;
	cleanup_error berth_error_t *e = NULL;
	if (!config) {
		cleanup_free char *dir = state_dir_path(rt->root, st->id);
		if (oci_config_load_bundle(dir, &loaded, &e) < 0) {
			container_warn(rt, "poststart hooks: %s, ignoring", e->msg);
			return;
		}
		config = loaded;
	}
	const struct oci_config *c = config;
	if (!c->hooks.poststart.n)
		return;
	cleanup_free char *s = state_hook_json(st, state_status(dirfd, st));
	/* runtime.md: a failing poststart hook is a warning, start succeeded */
	if (hooks_run(&c->hooks.poststart, "poststart", s, &e) < 0)
		container_warn(rt, "%s, ignoring", e->msg);
}

/* Start a loaded container that is "created".  config: the container's,
 * when the caller has it parsed already (run) */
static int start_loaded(const struct runtime_opts *rt, int dirfd, const struct container_state *st,
			const struct oci_config *config, berth_error_t **err)
{
	cleanup_close int pidfd = state_open_pidfd(st, err);
	if (pidfd < 0)
		return -1;
	/* non-blocking: a reader that never blocks, while the init's blocking
	 * open for writing completes as soon as we are here */
	cleanup_close int fifo = openat(dirfd, STATE_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fifo < 0)
		return berth_error_set(err, errno, "open the exec fifo");
	int r = read_fifo_reports(rt, fifo, pidfd, err);
	unlinkat(dirfd, STATE_FIFO, 0);
	if (r < 0)
		return r;
	run_poststart(rt, dirfd, st, config);
	return 0;
}

int container_start(const struct runtime_opts *rt, const char *id, berth_error_t **err)
{
	cleanup_state struct container_state *st = NULL;
	cleanup_close int dirfd = -1;
	if (state_load(rt->root, id, &dirfd, &st, err) < 0)
		return -1;
	enum container_status s = state_status(dirfd, st);
	if (s == CONTAINER_STOPPED)
		return berth_error_fail(err, EINVAL, "cannot start a container that has stopped");
	if (s != CONTAINER_CREATED)
		return berth_error_fail(err, EINVAL, "cannot start an already running container");
	return start_loaded(rt, dirfd, st, NULL, err);
}

/* ---- run ----------------------------------------------------------------- */

int container_run(const struct runtime_opts *rt, const struct container_run_opts *o, int *ret_code,
		  berth_error_t **err)
{
	bool fg = !o->detach && !o->create.console_socket;
	/* create leaves its state in j: start and delete below reuse it
	 * rather than load state.json and config.json back */
	cleanup_create_job struct create_job j = CREATE_JOB_INIT(rt, &o->create, fg);
	if (create_steps(&j, err) < 0)
		return -1;
	cleanup_close int sfd = o->detach ? -1 : signals_block(err);
	if (!o->detach && sfd < 0)
		return -1;
	if (start_loaded(rt, j.dirfd, &j.st, j.config, err) < 0) {
		container_delete_loaded(rt, j.dirfd, &j.st, true, j.config, NULL);
		return -1;
	}
	*ret_code = 0;
	if (o->detach)
		return 0;
	int r = signals_wait_forward(sfd, j.init, j.pty_master, ret_code, err);
	if (!o->keep) {
		cleanup_error berth_error_t *e = NULL;
		if (container_delete_loaded(rt, j.dirfd, &j.st, true, j.config, &e) < 0 && r >= 0)
			container_warn(rt, "delete after run: %s", e->msg);
	}
	return r;
}
