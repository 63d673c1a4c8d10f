/* health: docker's HEALTHCHECK for a running container.  One thread per
 * run of a container with a Config.Healthcheck runs the test through the
 * shim as an exec every Interval (a timed wait on the container's
 * condition variable, which every state change wakes), keeps the last 5
 * results in State.Health, counts failures (not during StartPeriod) and
 * publishes "health_status: healthy|unhealthy" when the status changes.
 * The thread ends with the run it was started for. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/stdcopy.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "daemon/containers/container-internal.h"
#include "daemon/containers/inspect.h"
#include "daemon/containers/spec.h"
#include "image/image-store.h"
#include "shim/client.h"

#define HEALTH_DEFAULT_NS (30LL * 1000000000)
#define HEALTH_DEFAULT_RETRIES 3
#define HEALTH_LOG_KEEP 5
#define HEALTH_OUTPUT_MAX 4096
/* how long a killed probe may take to be reaped and its output drained */
#define PROBE_KILL_WAIT_MS 5000

struct health_job {
	struct container *c; /* a reference */
	uint64_t gen;        /* the run (exit_gen) this job belongs to */
	json_t *cmd;         /* the argv */
	int64_t interval, timeout, start_period;
	int retries;
	unsigned seq;
};

static int64_t dur(const json_t *hc, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(hc, key));
	return v > 0 ? v : 0;
}

/* The argv of a healthcheck test, NULL when there is none (or NONE) */
static json_t *health_cmd(const json_t *hc)
{
	json_t *test = json_object_get(hc, "Test");
	const char *kind = json_string_value(json_array_get(test, 0));
	if (!kind || json_array_size(test) < 2)
		return NULL;
	if (strcmp(kind, "CMD-SHELL") == 0)
		return json_pack("[s, s, O]", "/bin/sh", "-c", json_array_get(test, 1));
	if (strcmp(kind, "CMD") == 0) {
		json_t *argv = json_array();
		for (size_t i = 1; i < json_array_size(test); i++)
			json_array_append(argv, json_array_get(test, i));
		return argv;
	}
	return NULL;
}

/* Still the run we were started for? (c->lock held) */
static bool job_current(const struct health_job *j)
{
	const struct container *c = j->c;
	return !c->removed && !c->m->closing && c->exit_gen == j->gen &&
	       (c->state == CONTAINER_RUNNING || c->state == CONTAINER_PAUSED);
}

/* Wait ns, or until the run ends; false when it ended */
static bool job_sleep(struct health_job *j, int64_t ns)
{
	struct timespec dl;
	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += ns / 1000000000;
	dl.tv_nsec += ns % 1000000000;
	if (dl.tv_nsec >= 1000000000) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000;
	}
	struct container *c = j->c;
	pthread_mutex_lock(&c->lock);
	while (job_current(j))
		if (pthread_cond_timedwait(&c->cond, &c->lock, &dl) == ETIMEDOUT)
			break;
	bool ok = job_current(j);
	pthread_mutex_unlock(&c->lock);
	return ok;
}

/* A probe past its timeout is killed, as docker does, so probes cannot pile
 * up in the container; its connection closes once the shim reaped it, which
 * we wait for (bounded) so that the next probe finds it gone */
static void probe_kill(struct container *c, const char *id, int fd)
{
	cleanup_error berth_error_t *err = NULL;
	if (shim_exec_kill(c->state_dir, id, SIGKILL, &err) < 0) {
		/* ESRCH: it ended just now by itself */
		if (err->errnum != ESRCH)
			log_warn("container %.12s: kill health probe %s: %s", c->id, id, err->msg);
		return;
	}
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		int64_t left = PROBE_KILL_WAIT_MS - ((now.tv_sec - start.tv_sec) * 1000LL +
						     (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0)
			break;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, (int)left);
		if (r <= 0)
			continue; /* EINTR, or the deadline (seen above) */
		char buf[4096];
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n == 0 || (n < 0 && errno != EINTR))
			return;
	}
	log_warn("container %.12s: killed health probe %s did not end in %d ms", c->id, id,
		 PROBE_KILL_WAIT_MS);
}

/* Run the test once: exit code (-1 on timeout or failure to run), output */
static int probe(struct health_job *j, struct strbuf *out)
{
	struct container *c = j->c;
	cleanup_free char *path = xasprintf("%s/config.json", c->dir);
	cleanup_json json_t *spec = NULL, *process = NULL;
	cleanup_json json_t *cfg = json_pack("{s:O}", "Cmd", j->cmd);
	cleanup_error berth_error_t *err = NULL;
	if (bjson_load_file(path, 0, 0, &spec, &err) < 0 ||
	    spec_exec_process(spec, cfg, &process, &err) < 0) {
		strbuf_addstr(out, err->msg);
		return -1;
	}
	cleanup_free char *pjson = bjson_dump(process);
	char id[64];
	snprintf(id, sizeof(id), "health-%u", j->seq++);
	struct shim_exec_opts o = {
		.exec_id = id, .process_json = pjson, .attach_stdout = true, .attach_stderr = true
	};
	cleanup_close int fd = -1;
	pid_t pid;
	if (shim_exec(c->state_dir, &o, &fd, &pid, &err) < 0) {
		strbuf_addstr(out, err->msg);
		return -1;
	}
	/* the output comes as stdcopy frames: keep the payloads, capped */
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	struct strbuf raw = STRBUF_INIT;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		int64_t left = j->timeout - ((now.tv_sec - start.tv_sec) * 1000000000LL +
					     (now.tv_nsec - start.tv_nsec));
		if (left <= 0) {
			strbuf_release(&raw);
			strbuf_addf(out, "Health check exceeded timeout (%llds)",
				    (long long)(j->timeout / 1000000000));
			probe_kill(c, id, fd);
			return -1;
		}
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, (int)(left / 1000000) + 1) <= 0)
			continue;
		char buf[4096];
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (raw.len < HEALTH_OUTPUT_MAX * 2)
			strbuf_add(&raw, buf, (size_t)n);
	}
	for (size_t off = 0; off + STDCOPY_HEADER_SIZE <= raw.len;) {
		enum stdcopy_stream s;
		uint32_t len;
		if (stdcopy_parse((const uint8_t *)raw.buf + off, &s, &len) < 0)
			break;
		off += STDCOPY_HEADER_SIZE;
		size_t take = len > raw.len - off ? raw.len - off : len;
		if (out->len < HEALTH_OUTPUT_MAX)
			strbuf_add(out, raw.buf + off, take);
		off += take;
	}
	strbuf_release(&raw);
	bool running = true;
	int code = -1;
	pid_t p2;
	if (shim_exec_status(c->state_dir, id, &running, &p2, &code, &err) < 0 || running)
		return -1;
	return code;
}

static void record(struct health_job *j, int64_t started, int code, const char *output,
		   int64_t run_started)
{
	struct container *c = j->c;
	char *t0 = image_format_time_ns(started), *t1 = image_format_time_ns(now_ns());
	const char *changed = NULL;
	pthread_mutex_lock(&c->lock);
	if (!job_current(j)) {
		pthread_mutex_unlock(&c->lock);
		free(t0);
		free(t1);
		return;
	}
	json_t *h = c->health;
	json_t *log = json_object_get(h, "Log");
	json_array_append_new(log, json_pack("{s:s, s:s, s:i, s:s}", "Start", t0, "End", t1,
					     "ExitCode", code, "Output", output));
	while (json_array_size(log) > HEALTH_LOG_KEEP)
		json_array_remove(log, 0);
	const char *old = json_string_value(json_object_get(h, "Status"));
	const char *status = old;
	json_int_t streak = json_integer_value(json_object_get(h, "FailingStreak"));
	if (code == 0) {
		streak = 0;
		status = "healthy";
	} else if (now_ns() - run_started >= j->start_period) {
		streak++;
		if (streak >= j->retries)
			status = "unhealthy";
	}
	json_object_set_new(h, "FailingStreak", json_integer(streak));
	if (strcmp(status, old) != 0) {
		json_object_set_new(h, "Status", json_string(status));
		changed = strcmp(status, "healthy") == 0 ? "health_status: healthy" :
							   "health_status: unhealthy";
	}
	container_save_or_log(c);
	pthread_mutex_unlock(&c->lock);
	free(t0);
	free(t1);
	if (changed)
		container_event(c, changed, NULL);
}

static void *health_main(void *arg)
{
	struct health_job *j = arg;
	int64_t run_started = now_ns();
	while (job_sleep(j, j->interval)) {
		int64_t started = now_ns();
		cleanup_strbuf struct strbuf out = STRBUF_INIT;
		int code = probe(j, &out);
		record(j, started, code, out.buf, run_started);
	}
	container_put(j->c);
	json_decref(j->cmd);
	free(j);
	return NULL;
}

void health_start(struct container *c)
{
	json_t *hc = json_object_get(c->config, "Healthcheck");
	json_t *cmd = health_cmd(hc);
	if (!cmd)
		return;
	struct health_job *j = xzalloc(sizeof(*j));
	j->c = c;
	j->gen = c->exit_gen;
	j->cmd = cmd;
	j->interval = dur(hc, "Interval") ?: HEALTH_DEFAULT_NS;
	j->timeout = dur(hc, "Timeout") ?: HEALTH_DEFAULT_NS;
	j->start_period = dur(hc, "StartPeriod");
	j->retries = (int)json_integer_value(json_object_get(hc, "Retries"));
	if (j->retries <= 0)
		j->retries = HEALTH_DEFAULT_RETRIES;
	json_decref(c->health);
	c->health = json_pack("{s:s, s:i, s:[]}", "Status", "starting", "FailingStreak", 0, "Log");
	container_ref(c);
	pthread_attr_t attr;
	pthread_t t;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, health_main, j) != 0) {
		log_warn("container %.12s: no healthcheck thread, ignoring", c->id);
		__atomic_sub_fetch(&c->refs, 1, __ATOMIC_SEQ_CST);
		json_decref(j->cmd);
		free(j);
	}
	pthread_attr_destroy(&attr);
}
