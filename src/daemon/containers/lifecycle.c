/* lifecycle: start, stop, kill, restart, wait and attach of a container.
 * Start mounts the rootfs, writes the OCI bundle, spawns the shim (the
 * process is created, not running), lets pending attach clients connect
 * (so `docker run` sees all output), then starts it and hands it to a
 * monitor thread.  Stop and wait block on watcher eventfds with poll
 * timeouts, never in sleep loops, and never with a lock held. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/atomicfile.h"
#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/parse.h"
#include "common/xalloc.h"
#include "daemon/containers/container-internal.h"
#include "daemon/containers/spec.h"
#include "daemon/daemon.h"
#include "image/image-store.h"
#include "image/overlay.h"
#include "shim/client.h"

#define ATTACH_HANDOFF_MS 5000 /* how long start waits for attach clients to connect */
#define DEFAULT_STOP_TIMEOUT 10
#define KILL_WAIT_MS 30000 /* after SIGKILL: a process in D state may take a while */
#define DOCKER_INIT "/usr/bin/tini-static"

/* ---- rootfs ---------------------------------------------------------------- */

int lifecycle_mount(struct container_manager *m, struct container *c, char **ret_rootfs,
		    berth_error_t **err)
{
	struct daemon *d = m->d;
	pthread_mutex_lock(&d->images_lock);
	struct layer_store *ls = image_store_layers(d->images);
	int r = 0;
	char *rootfs = NULL;
	if (c->mounted) {
		rootfs = overlay_merged_path(ls, c->id);
	} else {
		/* a berthd that died between mount and record may have left it mounted */
		overlay_unmount(ls, c->id, NULL);
		r = overlay_create(ls, c->id, c->chain_ids, c->n_chain_ids, 0, &rootfs, err);
		if (r >= 0)
			c->mounted = true;
	}
	pthread_mutex_unlock(&d->images_lock);
	if (r < 0)
		return berth_error_wrap(err, "mount rootfs of %.12s", c->id);
	*ret_rootfs = rootfs;
	return 0;
}

void lifecycle_unmount(struct container_manager *m, struct container *c)
{
	if (c->state == CONTAINER_RUNNING || c->state == CONTAINER_PAUSED)
		return;
	mounts_deactivate(m, c);  /* its volumes follow the process, not rootfs users */
	network_deactivate(m, c); /* and so does its network */
	if (c->rootfs_users > 0)
		return;
	struct daemon *d = m->d;
	cleanup_error berth_error_t *e = NULL;
	pthread_mutex_lock(&d->images_lock);
	if (overlay_unmount(image_store_layers(d->images), c->id, &e) < 0)
		log_warn("container %.12s: unmount rootfs: %s, ignoring", c->id, e->msg);
	else
		c->mounted = false;
	pthread_mutex_unlock(&d->images_lock);
}

/* ---- start ------------------------------------------------------------------- */

static void parse_log_opts(const json_t *host, uint64_t *ret_size, unsigned *ret_files)
{
	json_t *cfg = json_object_get(json_object_get(host, "LogConfig"), "Config");
	const char *size = json_string_value(json_object_get(cfg, "max-size"));
	const char *files = json_string_value(json_object_get(cfg, "max-file"));
	int64_t v;
	*ret_size = 0;
	*ret_files = 1;
	if (size && parse_size(size, &v, NULL) == 0 && v > 0)
		*ret_size = (uint64_t)v;
	if (files && parse_int_range(files, 1, 1000, &v, NULL) == 0)
		*ret_files = (unsigned)v;
}

/* Write config.json and the /etc files; the spec stays in c->dir so that
 * exec can base its process on it.  net: what network_activate set. */
static int write_bundle(struct container_manager *m, struct container *c, const char *rootfs,
			const struct spec_input *net, berth_error_t **err)
{
	struct daemon *d = m->d;
	const char *parent = json_string_value(json_object_get(c->host_config, "CgroupParent"));
	struct stat st;
	struct spec_input in = {
		.id = c->id,
		.name = c->name,
		.config = c->config,
		.host_config = c->host_config,
		.rootfs = rootfs,
		.container_dir = c->dir,
		.cgroup_parent = (parent && *parent) ? parent : d->cfg.cgroup_parent,
		.init_path = stat(DOCKER_INIT, &st) == 0 ? DOCKER_INIT : NULL,
		.default_ulimits = d->cfg.default_ulimits,
		.netns_path = net->netns_path,
		.hosts_extra = net->hosts_extra,
		.embedded_dns = net->embedded_dns,
		.host_gateway = net->host_gateway,
	};
	pthread_mutex_lock(&c->lock);
	cleanup_json json_t *mps = json_deep_copy(mounts_get(c));
	pthread_mutex_unlock(&c->lock);
	in.mount_points = mps;
	cleanup_json json_t *spec = NULL;
	if (spec_build(&in, &spec, err) < 0 || spec_write_etc_files(&in, err) < 0)
		return -1;
	cleanup_free char *text = bjson_dump(spec);
	cleanup_free char *path = xasprintf("%s/config.json", c->dir);
	return atomic_write_file(path, text, strlen(text), 0600, err);
}

/* The state dir of a new shim: stale exit.json/shim.sock of the last run go */
static int fresh_state_dir(struct container *c, berth_error_t **err)
{
	const char *names[] = { "exit.json", "shim.sock", "shim.pid" };
	if (mkdir(c->state_dir, 0700) < 0 && errno != EEXIST)
		return berth_error_set(err, errno, "mkdir '%s'", c->state_dir);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		cleanup_free char *p = xasprintf("%s/%s", c->state_dir, names[i]);
		if (unlink(p) < 0 && errno != ENOENT)
			return berth_error_set(err, errno, "remove '%s'", p);
	}
	return 0;
}

/* Let attach clients that wait for this start connect before the process runs */
static void attach_handoff(struct container *c)
{
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += ATTACH_HANDOFF_MS / 1000;
	pthread_mutex_lock(&c->lock);
	c->shim_ready = true;
	pthread_cond_broadcast(&c->cond);
	container_notify(c, WATCH_CHANGE);
	while (c->attach_waiting > 0) {
		if (pthread_cond_timedwait(&c->cond, &c->lock, &deadline) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&c->lock);
}

static int spawn_shim(struct container_manager *m, struct container *c, pid_t *ret_pid,
		      berth_error_t **err)
{
	struct daemon *d = m->d;
	struct shim_spawn_opts o = {
		.shim = d->cfg.shim,
		.id = c->id,
		.bundle = c->dir,
		.state_dir = c->state_dir,
		.runtime = d->cfg.runtime,
		.runtime_root = d->cfg.runtime_root,
		.log_path = c->log_path,
		.terminal = json_is_true(json_object_get(c->config, "Tty")),
		.open_stdin = json_is_true(json_object_get(c->config, "OpenStdin")),
		.stdin_once = json_is_true(json_object_get(c->config, "StdinOnce")),
	};
	parse_log_opts(c->host_config, &o.log_max_size, &o.log_max_file);
	return shim_spawn(&o, ret_pid, err);
}

/* A failed start: the container stays stopped with State.Error set, as docker */
static void start_failed(struct container_manager *m, struct container *c, bool shim_spawned,
			 const berth_error_t *e)
{
	if (shim_spawned) {
		/* created but never started: take the process down; the shim exits after */
		cleanup_error berth_error_t *ke = NULL;
		cleanup_error berth_error_t *we = NULL;
		shim_kill(c->state_dir, SIGKILL, true, &ke);
		struct shim_status st;
		shim_wait(c->state_dir, &st, &we);
	}
	pthread_mutex_lock(&c->lock);
	free(c->error);
	c->error = xstrdup(e->msg);
	c->shim_ready = false;
	if (c->has_been_started || c->state != CONTAINER_CREATED) {
		c->state = CONTAINER_EXITED;
		/* docker: 127 when the command was not found, else 128 */
		c->exit_code = strstr(e->msg, "not found") || strstr(e->msg, "No such file") ? 127 :
											       128;
		c->finished_ns = now_ns();
	}
	lifecycle_unmount(m, c);
	container_save_or_log(c);
	container_notify(c, WATCH_CHANGE | WATCH_EXIT);
	pthread_mutex_unlock(&c->lock);
}

int lifecycle_start(struct container_manager *m, struct container *c, bool from_restart,
		    berth_error_t **err)
{
	pthread_mutex_lock(&c->lock);
	if (c->removed || c->state == CONTAINER_REMOVING || c->state == CONTAINER_DEAD) {
		pthread_mutex_unlock(&c->lock);
		return berth_error_fail(err, EBUSY,
					"container %s is marked for removal and cannot be started",
					c->id);
	}
	if (!from_restart &&
	    (c->state == CONTAINER_RUNNING || c->state == CONTAINER_PAUSED ||
	     c->state == CONTAINER_RESTARTING || c->monitor_active || c->shim_ready)) {
		pthread_mutex_unlock(&c->lock);
		return 1;
	}
	c->shim_ready = false;
	c->monitor_active = true; /* the start, then the monitor, own the process (start guard) */
	pthread_mutex_unlock(&c->lock);

	cleanup_free char *rootfs = NULL;
	pid_t pid = 0;
	bool spawned = false;
	int r = fresh_state_dir(c, err);
	if (r >= 0)
		r = lifecycle_mount(m, c, &rootfs, err);
	if (r >= 0)
		r = mounts_activate(m, c, rootfs, err);
	struct spec_input net = { 0 };
	if (r >= 0)
		r = network_activate(m, c, &net, err);
	if (r >= 0)
		r = write_bundle(m, c, rootfs, &net, err);
	if (r >= 0) {
		r = spawn_shim(m, c, &pid, err);
		spawned = r >= 0;
	}
	if (r >= 0) {
		attach_handoff(c);
		r = shim_start(c->state_dir, err);
	}
	if (r < 0) {
		start_failed(m, c, spawned, *err);
		pthread_mutex_lock(&c->lock);
		if (!from_restart)
			c->monitor_active = false;
		container_notify(c, WATCH_CHANGE | WATCH_EXIT);
		pthread_mutex_unlock(&c->lock);
		return -1;
	}

	pthread_mutex_lock(&c->lock);
	c->state = CONTAINER_RUNNING;
	c->pid = pid;
	c->started_ns = now_ns();
	c->has_been_started = true;
	c->stop_requested = false;
	c->manually_stopped = false;
	c->exit_code = 0;
	c->oom_killed = false;
	free(c->error);
	c->error = NULL;
	health_start(c);
	container_save_or_log(c);
	container_notify(c, WATCH_CHANGE);
	if (!from_restart && monitor_spawn(m, c, err) < 0) {
		/* no thread: the exit would go unrecorded until the next berthd */
		log_error("container %.12s: %s", c->id, (*err)->msg);
		berth_error_release(err);
	}
	pthread_mutex_unlock(&c->lock);

	struct daemon *d = m->d;
	pthread_mutex_lock(&d->images_lock);
	image_store_container_set_running(d->images, c->id, true, NULL);
	pthread_mutex_unlock(&d->images_lock);
	container_event(c, "start", NULL);
	return 0;
}

int container_start(struct container_manager *m, struct container *c, berth_error_t **err)
{
	int r = lifecycle_start(m, c, false, err);
	pthread_mutex_lock(&c->lock);
	bool autorm = json_is_true(json_object_get(c->host_config, "AutoRemove"));
	pthread_mutex_unlock(&c->lock);
	if (r < 0 && autorm) {
		/* as dockerd: a --rm container that failed to start goes at once
		 * (the CLI waits for its removal before it reports the error) */
		cleanup_error berth_error_t *e = NULL;
		if (container_remove(m, c, true, true, &e) < 0)
			log_warn("auto-remove %.12s after a failed start: %s", c->id, e->msg);
	}
	return r;
}

/* ---- waiting on state ---------------------------------------------------------- */

static bool is_running(const struct container *c)
{
	return c->state == CONTAINER_RUNNING || c->state == CONTAINER_PAUSED ||
	       c->state == CONTAINER_RESTARTING;
}

/* Poll the watcher (and cancel_fd) until done(c) or timeout_ms (< 0: none);
 * 0 when done, 1 on timeout, -ECONNRESET when cancel_fd hung up */
static int wait_until(struct container *c, int wfd, int cancel_fd, int timeout_ms,
		      bool (*done)(const struct container *c, uint64_t arg), uint64_t arg)
{
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		pthread_mutex_lock(&c->lock);
		bool ok = done(c, arg);
		pthread_mutex_unlock(&c->lock);
		if (ok)
			return 0;
		int left = -1;
		if (timeout_ms >= 0) {
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			long long el = (now.tv_sec - start.tv_sec) * 1000LL +
				       (now.tv_nsec - start.tv_nsec) / 1000000;
			if (el >= timeout_ms)
				return 1;
			left = (int)(timeout_ms - el);
		}
		/* only a full close cancels: the CLI half-closes an attach
		 * without stdin at once, and POLLRDHUP would then spin */
		struct pollfd p[2] = { { .fd = wfd, .events = POLLIN },
				       { .fd = cancel_fd, .events = 0 } };
		int n = poll(p, cancel_fd >= 0 ? 2 : 1, left);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0 && (p[0].revents & POLLIN)) {
			uint64_t v;
			if (read(wfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				return -errno;
		}
		if (cancel_fd >= 0 && n > 0 && (p[1].revents & (POLLHUP | POLLERR)))
			return -ECONNRESET;
	}
}

static bool done_not_running(const struct container *c, uint64_t arg)
{
	(void)arg;
	return c->removed || (!is_running(c) && !c->monitor_active);
}

static bool done_stopped(const struct container *c, uint64_t arg)
{
	(void)arg;
	/* the exit is recorded (the monitor may still be unmounting) */
	return c->removed || !(c->state == CONTAINER_RUNNING || c->state == CONTAINER_PAUSED);
}

static bool done_next_exit(const struct container *c, uint64_t gen)
{
	return c->removed || c->exit_gen > gen;
}

static bool done_removed(const struct container *c, uint64_t arg)
{
	(void)arg;
	return c->removed;
}

int container_wait(struct container_manager *m, struct container *c,
		   enum container_wait_condition cond, int cancel_fd, int *ret_status,
		   berth_error_t **err)
{
	(void)m;
	int wfd = container_watch(c, WATCH_CHANGE | WATCH_EXIT, err);
	if (wfd < 0)
		return -1;
	pthread_mutex_lock(&c->lock);
	uint64_t gen = c->exit_gen;
	bool running = is_running(c) || c->monitor_active;
	pthread_mutex_unlock(&c->lock);
	int r;
	switch (cond) {
	case CONTAINER_WAIT_NEXT_EXIT:
		r = wait_until(c, wfd, cancel_fd, -1, done_next_exit, gen);
		break;
	case CONTAINER_WAIT_REMOVED:
		r = wait_until(c, wfd, cancel_fd, -1, done_removed, 0);
		break;
	default:
		r = running ? wait_until(c, wfd, cancel_fd, -1, done_not_running, 0) : 0;
		break;
	}
	container_unwatch(c, wfd);
	if (r < 0)
		return berth_error_set(err, -r, "wait for container %.12s", c->id);
	pthread_mutex_lock(&c->lock);
	*ret_status = c->exit_code;
	pthread_mutex_unlock(&c->lock);
	return 0;
}

/* ---- stop, kill, restart ----------------------------------------------------------- */

int container_kill(struct container_manager *m, struct container *c, const char *signal,
		   berth_error_t **err)
{
	(void)m;
	int sig = SIGKILL;
	if (signal && *signal && signal_parse(signal, &sig, err) < 0)
		return -1;
	pthread_mutex_lock(&c->lock);
	bool running = c->state == CONTAINER_RUNNING || c->state == CONTAINER_PAUSED;
	if (running && (sig == SIGKILL || sig == SIGTERM || sig == SIGINT))
		c->manually_stopped = true;
	pthread_mutex_unlock(&c->lock);
	if (!running)
		return berth_error_fail(err, EBUSY, "Container %s is not running", c->id);
	if (shim_kill(c->state_dir, sig, false, err) < 0)
		return berth_error_wrap(err, "cannot kill container: %s", c->id);
	container_event(c, "kill",
			json_pack("{s:s}", "signal", sigabbrev_np(sig) ? sigabbrev_np(sig) : "?"));
	return 0;
}

static int stop_signal(const struct container *c, const char *signal, int *ret, berth_error_t **err)
{
	const char *s = (signal && *signal) ?
				signal :
				json_string_value(json_object_get(c->config, "StopSignal"));
	*ret = SIGTERM;
	if (s && *s)
		return signal_parse(s, ret, err);
	return 0;
}

int container_stop(struct container_manager *m, struct container *c, const char *signal,
		   int timeout, berth_error_t **err)
{
	(void)m;
	int sig;
	pthread_mutex_lock(&c->lock);
	int r = stop_signal(c, signal, &sig, err);
	if (timeout < 0) {
		json_t *t = json_object_get(c->config, "StopTimeout");
		timeout = json_is_integer(t) ? (int)json_integer_value(t) : DEFAULT_STOP_TIMEOUT;
	}
	bool running = c->state == CONTAINER_RUNNING || c->state == CONTAINER_PAUSED;
	bool restarting = c->state == CONTAINER_RESTARTING;
	if (r >= 0 && (running || restarting || c->monitor_active)) {
		c->stop_requested = true; /* no restart policy after this exit */
		c->manually_stopped = true;
		pthread_cond_broadcast(&c->cond); /* cut a restart backoff short */
		container_save_or_log(c);
	}
	bool paused = c->state == CONTAINER_PAUSED;
	bool active = c->monitor_active;
	pthread_mutex_unlock(&c->lock);
	if (r < 0)
		return -1;
	if (!running && !restarting && !active)
		return 1;

	int wfd = container_watch(c, WATCH_CHANGE | WATCH_EXIT, err);
	if (wfd < 0)
		return -1;
	if (running) {
		if (paused) /* a frozen process cannot act on the signal */
			container_pause(m, c, false, NULL);
		cleanup_error berth_error_t *e = NULL;
		if (shim_kill(c->state_dir, sig, false, &e) < 0)
			log_debug("stop %.12s: %s", c->id, e->msg);
		if (timeout < 0 ||
		    (timeout > 0 && wait_until(c, wfd, -1, timeout * 1000, done_stopped, 0) == 0))
			goto stopped;
		if (shim_kill(c->state_dir, SIGKILL, true, &e) < 0)
			log_debug("stop %.12s: SIGKILL: %s", c->id, e->msg);
	}
	if (wait_until(c, wfd, -1, KILL_WAIT_MS, done_not_running, 0) != 0) {
		container_unwatch(c, wfd);
		return berth_error_fail(err, EIO, "container %s did not stop after SIGKILL", c->id);
	}
stopped:
	/* the monitor must be done with the exit (unmount, events) before we answer */
	wait_until(c, wfd, -1, KILL_WAIT_MS, done_not_running, 0);
	container_unwatch(c, wfd);
	container_event(c, "stop", NULL);
	return 0;
}

int container_restart(struct container_manager *m, struct container *c, const char *signal,
		      int timeout, berth_error_t **err)
{
	if (container_stop(m, c, signal, timeout, err) < 0)
		return -1;
	if (lifecycle_start(m, c, false, err) < 0)
		return -1;
	container_event(c, "restart", NULL);
	return 0;
}

/* ---- attach --------------------------------------------------------------------- */

static bool done_shim_ready(const struct container *c, uint64_t arg)
{
	(void)arg;
	return c->removed || c->shim_ready || c->state == CONTAINER_RUNNING ||
	       c->state == CONTAINER_PAUSED;
}

int container_attach(struct container_manager *m, struct container *c,
		     enum container_attach_flags flags, int cancel_fd, int *ret_fd,
		     berth_error_t **err)
{
	(void)m;
	enum shim_attach_flags sf = 0;
	if (flags & CONTAINER_ATTACH_STDIN)
		sf |= SHIM_ATTACH_STDIN;
	if (flags & CONTAINER_ATTACH_STDOUT)
		sf |= SHIM_ATTACH_STDOUT;
	if (flags & CONTAINER_ATTACH_STDERR)
		sf |= SHIM_ATTACH_STDERR;

	int wfd = container_watch(c, WATCH_CHANGE | WATCH_EXIT, err);
	if (wfd < 0)
		return -1;
	pthread_mutex_lock(&c->lock);
	c->attach_waiting++;
	pthread_mutex_unlock(&c->lock);
	int r = wait_until(c, wfd, cancel_fd, -1, done_shim_ready, 0);
	if (r == 0) {
		pthread_mutex_lock(&c->lock);
		r = c->removed ? -ENOENT : 0;
		pthread_mutex_unlock(&c->lock);
		if (r == 0)
			r = shim_attach(c->state_dir, sf, ret_fd, err);
		else
			berth_error_fail(err, ENOENT, "No such container: %s", c->id);
	} else {
		berth_error_set(err, -r, "attach to %.12s", c->id);
	}
	pthread_mutex_lock(&c->lock);
	c->attach_waiting--;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	container_unwatch(c, wfd);
	return r < 0 ? -1 : 0;
}
