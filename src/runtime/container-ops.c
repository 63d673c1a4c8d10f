/* container-ops: the verbs on an existing container: state, kill, delete,
 * pause, resume, ps, update, events and list.  Each loads the state,
 * derives the status and refuses what runtime.md forbids for it, with
 * runc's wording where callers match on it ("does not exist", "container
 * not running"); a refused operation changes nothing. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "runtime/cgroup.h"
#include "runtime/container-internal.h"
#include "runtime/hooks.h"
#include "runtime/intelrdt.h"
#include "runtime/state.h"

struct loaded {
	struct container_state *st;
	int dirfd;
	enum container_status status;
};

static void loaded_release(struct loaded *l)
{
	container_state_free(l->st);
	if (l->dirfd >= 0)
		close(l->dirfd);
}
#define cleanup_loaded __attribute__((cleanup(loaded_release)))

static int load(const struct runtime_opts *rt, const char *id, struct loaded *ret,
		berth_error_t **err)
{
	ret->st = NULL;
	ret->dirfd = -1;
	if (state_load(rt->root, id, &ret->dirfd, &ret->st, err) < 0)
		return -1;
	ret->status = state_status(ret->dirfd, ret->st);
	return 0;
}

static int open_cgroup(const struct container_state *st, struct cgroup **ret, berth_error_t **err)
{
	if (!st->cgroup_path)
		return berth_error_fail(err, ENOENT, "container '%s' has no cgroup", st->id);
	return cgroup_open(st->cgroup_mode, st->cgroup_path, ret, err);
}

/* Load id and open its cgroup; with live, a stopped container is refused
 * in runc's words */
static int load_cgroup(const struct runtime_opts *rt, const char *id, bool live, struct loaded *l,
		       struct cgroup **ret, berth_error_t **err)
{
	if (load(rt, id, l, err) < 0)
		return -1;
	if (live && l->status == CONTAINER_STOPPED)
		return berth_error_fail(err, ESRCH, "container not running");
	return open_cgroup(l->st, ret, err);
}

int container_state_json(const struct runtime_opts *rt, const char *id, json_t **ret,
			 berth_error_t **err)
{
	cleanup_loaded struct loaded l = { .dirfd = -1 };
	if (load(rt, id, &l, err) < 0)
		return -1;
	*ret = state_to_json(l.st, l.status);
	return 0;
}

static int signal_init(const struct container_state *st, int sig, berth_error_t **err)
{
	cleanup_close int pidfd = state_open_pidfd(st, err);
	if (pidfd < 0)
		return -1;
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
		return berth_error_set(err, errno, "signal %d to the container init", sig);
	return 0;
}

int container_kill(const struct runtime_opts *rt, const char *id, int sig, bool all,
		   berth_error_t **err)
{
	cleanup_loaded struct loaded l = { .dirfd = -1 };
	if (load(rt, id, &l, err) < 0)
		return -1;
	if (l.status == CONTAINER_STOPPED)
		return berth_error_fail(err, ESRCH, "container not running");
	if (!all)
		return signal_init(l.st, sig, err);
	cleanup_cgroup struct cgroup *cg = NULL;
	if (open_cgroup(l.st, &cg, err) < 0 || cgroup_kill_all(cg, sig, err) < 0)
		return berth_error_wrap(err, "kill all processes of '%s'", id);
	return 0;
}

/* Wait (poll on a pidfd, no sleeping) until the init has exited */
static void wait_init_exit(const struct container_state *st)
{
	cleanup_close int pidfd = state_open_pidfd(st, NULL);
	if (pidfd < 0)
		return;
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
}

/* SIGKILL everything of the container; a frozen cgroup is thawed so the
 * signal can be delivered */
static void kill_everything(const struct loaded *l)
{
	cleanup_cgroup struct cgroup *cg = NULL;
	if (open_cgroup(l->st, &cg, NULL) == 0) {
		cgroup_kill_all(cg, SIGKILL, NULL);
		if (l->status == CONTAINER_PAUSED)
			cgroup_freeze(cg, false, NULL);
	}
	signal_init(l->st, SIGKILL, NULL);
	wait_init_exit(l->st);
}

/* Poststop hooks, then the resctrl group the create made */
static void run_poststop(const struct runtime_opts *rt, const struct container_state *st,
			 const struct oci_config *config)
{
	cleanup_oci_config struct oci_config *loaded = NULL;
	cleanup_error berth_error_t *e = NULL;
	if (!config) {
		cleanup_free char *dir = state_dir_path(rt->root, st->id);
		if (oci_config_load_bundle(dir, &loaded, &e) < 0)
			return;
		config = loaded;
	}
	const struct oci_config *c = config;
	if (c->hooks.poststop.n) {
		cleanup_free char *s = state_hook_json(st, CONTAINER_STOPPED);
		/* runtime.md: poststop failures are warnings, delete goes on */
		if (hooks_run(&c->hooks.poststop, "poststop", s, &e) < 0)
			container_warn(rt, "%s, ignoring", e->msg);
	}
	intelrdt_remove(&c->linux_.intel_rdt, st->id);
}

static int destroy(const struct runtime_opts *rt, const struct loaded *l,
		   const struct oci_config *config, berth_error_t **err)
{
	run_poststop(rt, l->st, config);
	if (l->st->cgroup_path) {
		cleanup_cgroup struct cgroup *cg = NULL;
		if (open_cgroup(l->st, &cg, err) < 0 || cgroup_destroy(cg, err) < 0)
			return berth_error_wrap(err, "delete container '%s'", l->st->id);
	}
	return state_remove_dir(rt->root, l->st->id, err);
}

/* Delete l: a created container is killed, a running or paused one only
 * with force */
static int delete_loaded(const struct runtime_opts *rt, const struct loaded *l, bool force,
			 const struct oci_config *config, berth_error_t **err)
{
	switch (l->status) {
	case CONTAINER_CREATED:
		kill_everything(l);
		break;
	case CONTAINER_RUNNING:
	case CONTAINER_PAUSED:
		if (!force)
			return berth_error_fail(err, EBUSY,
						"cannot delete container %s that is not stopped: %s",
						l->st->id, container_status_name(l->status));
		kill_everything(l);
		break;
	default:
		break;
	}
	return destroy(rt, l, config, err);
}

int container_delete_loaded(const struct runtime_opts *rt, int dirfd,
			    const struct container_state *st, bool force,
			    const struct oci_config *config, berth_error_t **err)
{
	/* borrowed, so not released */
	struct loaded l = { .st = (struct container_state *)st,
			    .dirfd = dirfd,
			    .status = state_status(dirfd, st) };
	return delete_loaded(rt, &l, force, config, err);
}

int container_delete(const struct runtime_opts *rt, const char *id, bool force, berth_error_t **err)
{
	cleanup_loaded struct loaded l = { .dirfd = -1 };
	if (load(rt, id, &l, err) < 0) {
		/* an aborted create may leave a directory without state.json */
		if (err && *err && (*err)->errnum == ENOENT && state_check_id(id, NULL) == 0) {
			state_remove_dir(rt->root, id, NULL);
			if (force) {
				berth_error_release(err);
				return 0;
			}
		}
		return -1;
	}
	return delete_loaded(rt, &l, force, NULL, err);
}

static int set_frozen(const struct runtime_opts *rt, const char *id, bool frozen,
		      berth_error_t **err)
{
	cleanup_loaded struct loaded l = { .dirfd = -1 };
	if (load(rt, id, &l, err) < 0)
		return -1;
	if (frozen && l.status != CONTAINER_RUNNING && l.status != CONTAINER_CREATED)
		return berth_error_fail(err, EINVAL, "container not running");
	if (!frozen && l.status != CONTAINER_PAUSED)
		return berth_error_fail(err, EINVAL, "container not paused");
	cleanup_cgroup struct cgroup *cg = NULL;
	if (open_cgroup(l.st, &cg, err) < 0 || cgroup_freeze(cg, frozen, err) < 0)
		return berth_error_wrap(err, "%s '%s'", frozen ? "pause" : "resume", id);
	return 0;
}

int container_pause(const struct runtime_opts *rt, const char *id, berth_error_t **err)
{
	return set_frozen(rt, id, true, err);
}

int container_resume(const struct runtime_opts *rt, const char *id, berth_error_t **err)
{
	return set_frozen(rt, id, false, err);
}

int container_ps(const struct runtime_opts *rt, const char *id, pid_t **ret, size_t *ret_n,
		 berth_error_t **err)
{
	cleanup_loaded struct loaded l = { .dirfd = -1 };
	cleanup_cgroup struct cgroup *cg = NULL;
	if (load_cgroup(rt, id, false, &l, &cg, err) < 0 || cgroup_pids(cg, ret, ret_n, err) < 0)
		return berth_error_wrap(err, "list processes of '%s'", id);
	return 0;
}

int container_update(const struct runtime_opts *rt, const char *id, const struct oci_resources *r,
		     berth_error_t **err)
{
	cleanup_loaded struct loaded l = { .dirfd = -1 };
	cleanup_cgroup struct cgroup *cg = NULL;
	if (load_cgroup(rt, id, true, &l, &cg, err) < 0 || cgroup_apply(cg, r, err) < 0)
		return berth_error_wrap(err, "update '%s'", id);
	for (size_t i = 0; i < cg->n_warnings; i++)
		container_warn(rt, "%s", cg->warnings[i]);
	return 0;
}

static json_t *event_new(const char *type, const char *id, json_t *data)
{
	json_t *ev = json_object();
	json_object_set_new(ev, "type", json_string(type));
	json_object_set_new(ev, "id", json_string(id));
	json_object_set_new(ev, "data", data ? data : json_object());
	return ev;
}

int container_stats_event(const struct runtime_opts *rt, const char *id, json_t **ret,
			  berth_error_t **err)
{
	cleanup_loaded struct loaded l = { .dirfd = -1 };
	cleanup_cgroup struct cgroup *cg = NULL;
	json_t *data = NULL;
	if (load_cgroup(rt, id, true, &l, &cg, err) < 0 || cgroup_stats(cg, &data, err) < 0)
		return berth_error_wrap(err, "stats of '%s'", id);
	*ret = event_new("stats", id, data);
	return 0;
}

static int timer_open(unsigned interval_ms, berth_error_t **err)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (fd < 0)
		return berth_error_set(err, errno, "timerfd_create");
	struct itimerspec its = {
		.it_interval = { interval_ms / 1000, (long)(interval_ms % 1000) * 1000000L },
		.it_value = { 0, 1 },
	};
	if (timerfd_settime(fd, 0, &its, NULL) < 0) {
		close(fd);
		return berth_error_set(err, errno, "timerfd_settime");
	}
	return fd;
}

static void emit_oom(const char *id, struct cgroup *cg, uint64_t *seen,
		     void (*emit)(const json_t *, void *), void *opaque)
{
	uint64_t n = 0;
	if (cgroup_oom_count(cg, &n, NULL) < 0 || n <= *seen)
		return;
	*seen = n;
	cleanup_json json_t *ev = event_new("oom", id, NULL);
	emit(ev, opaque);
}

int container_events(const struct runtime_opts *rt, const char *id, unsigned interval_ms,
		     void (*emit)(const json_t *ev, void *opaque), void *opaque,
		     berth_error_t **err)
{
	cleanup_loaded struct loaded l = { .dirfd = -1 };
	cleanup_cgroup struct cgroup *cg = NULL;
	if (load_cgroup(rt, id, true, &l, &cg, err) < 0)
		return -1;
	cleanup_close int tfd = timer_open(interval_ms ? interval_ms : 5000, err);
	if (tfd < 0)
		return -1;
	uint64_t ooms = 0;
	cgroup_oom_count(cg, &ooms, NULL);
	while (state_status(l.dirfd, l.st) != CONTAINER_STOPPED) {
		uint64_t ticks;
		if (read(tfd, &ticks, sizeof(ticks)) < 0 && errno != EINTR)
			return berth_error_set(err, errno, "read timerfd");
		emit_oom(id, cg, &ooms, emit, opaque);
		json_t *data = NULL;
		if (cgroup_stats(cg, &data, NULL) < 0)
			continue;
		cleanup_json json_t *ev = event_new("stats", id, data);
		emit(ev, opaque);
	}
	return 0;
}

int container_list(const struct runtime_opts *rt, json_t **ret, berth_error_t **err)
{
	json_t *arr = json_array();
	cleanup_dir DIR *d = opendir(rt->root);
	if (!d && errno == ENOENT) {
		*ret = arr;
		return 0;
	}
	if (!d) {
		json_decref(arr);
		return berth_error_set(err, errno, "open state root '%s'", rt->root);
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || state_check_id(e->d_name, NULL) < 0)
			continue;
		cleanup_loaded struct loaded l = { .dirfd = -1 };
		if (load(rt, e->d_name, &l, NULL) < 0)
			continue; /* half-created or foreign entries are not listed */
		json_array_append_new(arr, state_to_json(l.st, l.status));
	}
	*ret = arr;
	return 0;
}
