/* monitor: one thread per running container, blocked in shim_wait.  It
 * records the exit (state, code, OOM, events), unmounts the rootfs, and
 * applies AutoRemove or the restart policy (docker's backoff: 100 ms,
 * doubling, back to 100 ms after 10 s of running; nothing after a `docker
 * stop`).  At open, monitor_adopt re-attaches to containers whose shim
 * survived a berthd restart and records the exits of those that did not. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "daemon/containers/container-internal.h"
#include "daemon/daemon.h"
#include "image/image-store.h"
#include "image/overlay.h"
#include "shim/client.h"

#define BACKOFF_START_MS 100
#define BACKOFF_MAX_MS 60000
#define BACKOFF_RESET_NS (10LL * 1000000000)

/* docker's restart manager decision, c->lock held */
static bool should_restart(const struct container *c)
{
	if (c->stop_requested || c->removed || c->m->closing)
		return false;
	json_t *p = json_object_get(c->host_config, "RestartPolicy");
	const char *name = json_string_value(json_object_get(p, "Name"));
	if (!name || !*name || strcmp(name, "no") == 0)
		return false;
	if (strcmp(name, "always") == 0)
		return true;
	if (strcmp(name, "unless-stopped") == 0)
		return !c->manually_stopped;
	if (strcmp(name, "on-failure") == 0) {
		json_int_t max = json_integer_value(json_object_get(p, "MaximumRetryCount"));
		return c->exit_code != 0 && (max <= 0 || (json_int_t)c->restart_count < max);
	}
	return false;
}

static bool auto_remove(const struct container *c)
{
	return json_is_true(json_object_get(c->host_config, "AutoRemove"));
}

/* Record an exit (c->lock held): the state the API shows from now on */
static void record_exit(struct container_manager *m, struct container *c,
			const struct shim_status *st)
{
	c->state = CONTAINER_EXITED;
	c->pid = 0;
	c->exit_code = st->exit_code;
	c->oom_killed = st->oom_killed;
	c->finished_ns = st->finished_at ? st->finished_at : now_ns();
	c->shim_ready = false;
	c->exit_gen++;
	lifecycle_unmount(m, c);
}

static void publish_exit(struct container *c, int exit_code, bool oom, int64_t ran_ns)
{
	if (oom)
		container_event(c, "oom", NULL);
	char code[16], secs[32];
	snprintf(code, sizeof(code), "%d", exit_code);
	snprintf(secs, sizeof(secs), "%lld", (long long)(ran_ns > 0 ? ran_ns / 1000000000 : 0));
	container_event(c, "die", json_pack("{s:s, s:s}", "exitCode", code, "execDuration", secs));
}

static void set_running(struct container_manager *m, struct container *c, bool running)
{
	pthread_mutex_lock(&m->d->images_lock);
	image_store_container_set_running(m->d->images, c->id, running, NULL);
	pthread_mutex_unlock(&m->d->images_lock);
}

/* Wait out the backoff; false when a stop or removal cancelled the restart */
static bool backoff(struct container *c, unsigned delay_ms)
{
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += delay_ms / 1000;
	deadline.tv_nsec += (long)(delay_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&c->lock);
	while (!c->stop_requested && !c->removed && !c->m->closing) {
		if (pthread_cond_timedwait(&c->cond, &c->lock, &deadline) == ETIMEDOUT)
			break;
	}
	bool go = !c->stop_requested && !c->removed && !c->m->closing;
	pthread_mutex_unlock(&c->lock);
	return go;
}

/* The monitor is done: nobody owns the process any more */
static void monitor_release(struct container *c)
{
	pthread_mutex_lock(&c->lock);
	c->monitor_active = false;
	if (c->state == CONTAINER_RESTARTING)
		c->state = CONTAINER_EXITED;
	if (!c->removed && !c->m->closing)
		container_save_or_log(c);
	container_notify(c, WATCH_CHANGE | WATCH_EXIT);
	pthread_mutex_unlock(&c->lock);
}

/* Handle one exit; true when the container should run again */
static bool handle_exit(struct container_manager *m, struct container *c,
			const struct shim_status *st, unsigned *delay_ms)
{
	pthread_mutex_lock(&c->lock);
	int64_t ran = now_ns() - c->started_ns;
	record_exit(m, c, st);
	bool restart = should_restart(c);
	bool remove = !restart && auto_remove(c) && !c->removed && c->state != CONTAINER_REMOVING;
	if (restart) {
		c->state = CONTAINER_RESTARTING;
		c->restart_count++;
		*delay_ms = ran >= BACKOFF_RESET_NS ? BACKOFF_START_MS : *delay_ms;
	}
	container_save_or_log(c);
	container_notify(c, WATCH_EXIT | WATCH_CHANGE);
	pthread_mutex_unlock(&c->lock);

	set_running(m, c, false);
	publish_exit(c, st->exit_code, st->oom_killed, ran);
	if (remove) {
		monitor_release(c);
		pthread_mutex_lock(&c->lock);
		bool mine = !c->removed && c->state != CONTAINER_REMOVING && !c->monitor_active;
		if (mine)
			c->state = CONTAINER_REMOVING;
		pthread_mutex_unlock(&c->lock);
		cleanup_error berth_error_t *e = NULL;
		if (mine && container_destroy(m, c, &e) < 0)
			log_error("auto-remove %.12s: %s", c->id, e->msg);
		return false;
	}
	return restart;
}

static void *monitor_main(void *arg)
{
	struct container *c = arg;
	struct container_manager *m = c->m;
	unsigned delay_ms = BACKOFF_START_MS;

	for (;;) {
		struct shim_status st = { 0 };
		cleanup_error berth_error_t *e = NULL;
		if (shim_wait(c->state_dir, &st, &e) < 0) {
			cleanup_error berth_error_t *e2 = NULL;
			if (shim_read_exit(c->state_dir, &st, &e2) < 0) {
				log_warn("container %.12s: lost its shim: %s", c->id, e->msg);
				st.exit_code = 255;
				st.finished_at = now_ns();
			}
		}
		if (m->closing)
			break; /* berthd is going away: the next one records this exit */
		bool restart = handle_exit(m, c, &st, &delay_ms);
		if (!restart)
			break;
		if (!backoff(c, delay_ms))
			break;
		delay_ms = delay_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : delay_ms * 2;
		cleanup_error berth_error_t *se = NULL;
		if (lifecycle_start(m, c, true, &se) < 0) {
			log_warn("restart %.12s: %s", c->id, se->msg);
			break;
		}
		container_event(c, "restart", NULL);
	}
	if (!m->closing)
		monitor_release(c);
	container_put(c);
	return NULL;
}

int monitor_spawn(struct container_manager *m, struct container *c, berth_error_t **err)
{
	pthread_attr_t attr;
	pthread_t t;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	container_ref(c); /* the thread's */
	c->monitor_active = true;
	int r = pthread_create(&t, &attr, monitor_main, c);
	pthread_attr_destroy(&attr);
	if (r != 0) {
		__atomic_sub_fetch(&c->refs, 1, __ATOMIC_SEQ_CST); /* ours still holds one */
		c->monitor_active = false;
		return berth_error_set(err, r, "start monitor thread");
	}
	(void)m;
	return 0;
}

/* ---- adoption at open ---------------------------------------------------------- */

static void adopt_image_record(struct container_manager *m, struct container *c, bool running)
{
	struct digest id;
	if (digest_parse(c->image_id, &id, NULL) < 0)
		return;
	pthread_mutex_lock(&m->d->images_lock);
	cleanup_error berth_error_t *e = NULL;
	if (image_store_container_add(m->d->images, c->id, &id,
				      c->n_chain_ids ? &c->chain_ids[c->n_chain_ids - 1] : NULL,
				      running, &e) < 0)
		log_warn("container %.12s: record image use: %s, ignoring", c->id, e->msg);
	pthread_mutex_unlock(&m->d->images_lock);
}

void monitor_adopt(struct container_manager *m, struct container *c)
{
	cleanup_error berth_error_t *e = NULL;
	if (c->state == CONTAINER_REMOVING) {
		if (container_destroy(m, c, &e) < 0)
			log_warn("finish removal of %.12s: %s", c->id, e->msg);
		return;
	}
	struct shim_status st;
	pthread_mutex_lock(&c->lock);
	bool had_process = c->state == CONTAINER_RUNNING || c->state == CONTAINER_PAUSED ||
			   c->state == CONTAINER_RESTARTING || c->state == CONTAINER_CREATED;
	cleanup_error berth_error_t *se = NULL;
	cleanup_error berth_error_t *re = NULL;
	bool alive = had_process && shim_get_status(c->state_dir, &st, &se) == 0 &&
		     st.state != SHIM_STOPPED;
	if (alive) {
		/* its shim survived us: watch it again */
		c->state = st.state == SHIM_PAUSED ? CONTAINER_PAUSED : CONTAINER_RUNNING;
		c->pid = st.pid;
		c->mounted = true;
		c->shim_ready = true;
		mounts_adopt(m, c);
		network_readopt(m, c);
		if (!c->has_been_started) {
			c->has_been_started = true;
			c->started_ns = st.started_at ? st.started_at : now_ns();
		}
		container_save_or_log(c);
		if (monitor_spawn(m, c, &e) < 0)
			log_error("container %.12s: %s", c->id, e->msg);
		health_start(c);
		pthread_mutex_unlock(&c->lock);
		adopt_image_record(m, c, true);
		return;
	}
	bool exited = had_process && c->state != CONTAINER_CREATED;
	bool have_exit = had_process && shim_read_exit(c->state_dir, &st, &re) == 0;
	if (have_exit || exited) {
		if (!have_exit) /* the process vanished without a record (a reboot) */
			st = (struct shim_status){ .exit_code = 255, .finished_at = now_ns() };
		if (c->state == CONTAINER_CREATED && !c->has_been_started) {
			/* a start that died with berthd before it was recorded */
			c->has_been_started = true;
			c->started_ns = st.started_at;
		}
		record_exit(m, c, &st);
		c->mounted = true; /* unmount what the dead run may have left */
		lifecycle_unmount(m, c);
		bool restart = should_restart(c);
		bool remove = !restart && auto_remove(c);
		container_save_or_log(c);
		pthread_mutex_unlock(&c->lock);
		adopt_image_record(m, c, false);
		publish_exit(c, st.exit_code, st.oom_killed, 0);
		if (remove) {
			pthread_mutex_lock(&c->lock);
			c->state = CONTAINER_REMOVING;
			pthread_mutex_unlock(&c->lock);
			if (container_destroy(m, c, &e) < 0)
				log_warn("auto-remove %.12s: %s", c->id, e->msg);
		} else if (restart) {
			pthread_mutex_lock(&c->lock);
			c->restart_count++;
			pthread_mutex_unlock(&c->lock);
			if (lifecycle_start(m, c, false, &e) < 0)
				log_warn("restart %.12s: %s", c->id, e->msg);
		}
		return;
	}
	/* stopped or never started: nothing may stay mounted */
	c->mounted = true;
	lifecycle_unmount(m, c);
	pthread_mutex_unlock(&c->lock);
	adopt_image_record(m, c, false);
}
