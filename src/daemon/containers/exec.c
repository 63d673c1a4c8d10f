/* exec: exec instances live in a small in-memory table of the manager
 * (docker forgets them at restart too).  The process JSON is made once at
 * create from the container's config.json (spec_exec_process), so a start
 * runs exactly what create checked. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "daemon/containers/container-internal.h"
#include "daemon/containers/exec.h"
#include "daemon/containers/spec.h"
#include "shim/client.h"

#define EXEC_MAX 4096 /* instances kept; the oldest finished ones go first */

struct exec_instance {
	char id[DIGEST_HEX_LEN + 1];
	struct container *c; /* a reference */
	json_t *config;      /* the ExecConfig body */
	char *process;       /* the OCI process JSON */
	bool tty, attach_stdin, attach_stdout, attach_stderr;
	struct detach_keys keys; /* from DetachKeys, checked at create */
	bool started, running, finished;
	pid_t pid;
	int exit_code;
};

struct exec_table {
	struct exec_instance **v;
	size_t n, alloc;
};

static void exec_free(struct exec_instance *e)
{
	if (!e)
		return;
	container_put(e->c);
	json_decref(e->config);
	free(e->process);
	free(e);
}

void exec_table_free(struct exec_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		exec_free(t->v[i]);
	free(t->v);
	free(t);
}

/* m->lock held */
static struct exec_instance *exec_find(struct container_manager *m, const char *id)
{
	if (!m->execs || !id)
		return NULL;
	for (size_t i = 0; i < m->execs->n; i++)
		if (strcmp(m->execs->v[i]->id, id) == 0)
			return m->execs->v[i];
	return NULL;
}

/* m->lock held: drop finished instances of removed containers and cap the table */
static void exec_gc(struct container_manager *m)
{
	struct exec_table *t = m->execs;
	size_t j = 0;
	for (size_t i = 0; i < t->n; i++) {
		struct exec_instance *e = t->v[i];
		bool drop = (e->c->removed && !e->running) ||
			    (t->n - (i - j) > EXEC_MAX && e->finished);
		if (drop)
			exec_free(e);
		else
			t->v[j++] = e;
	}
	t->n = j;
}

static const char *cmd_string(const json_t *cmd, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	size_t i;
	json_t *a;
	json_array_foreach(cmd, i, a)
	{
		int k = snprintf(buf + off, len - off, "%s%s", i ? " " : "",
				 json_string_value(a) ?: "");
		if (k < 0 || (size_t)k >= len - off)
			break;
		off += (size_t)k;
	}
	return buf;
}

/* Go decodes JSON keys case-insensitively, and docker-py sends
 * "detachKeys": the exact key first, then any spelling */
static json_t *json_get_nocase(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	if (v)
		return v;
	const char *k;
	json_object_foreach((json_t *)obj, k, v) if (strcasecmp(k, key) == 0) return v;
	return NULL;
}

int exec_create(struct container_manager *m, struct container *c, const json_t *body, char **ret_id,
		berth_error_t **err)
{
	if (!json_is_object(body))
		return berth_error_fail(err, EINVAL, "exec: the body must be a JSON object");
	json_t *cmd = json_object_get(body, "Cmd");
	if (!json_is_array(cmd) || json_array_size(cmd) == 0)
		return berth_error_fail(err, EINVAL, "No exec command specified");
	pthread_mutex_lock(&c->lock);
	bool running = c->state == CONTAINER_RUNNING;
	bool paused = c->state == CONTAINER_PAUSED;
	pthread_mutex_unlock(&c->lock);
	if (paused)
		return berth_error_fail(err, EBUSY,
					"Container %s is paused, unpause the container before exec",
					c->id);
	if (!running)
		return berth_error_fail(err, EBUSY, "Container %s is not running", c->id);

	/* checked before anything is made, as docker does: a start must not
	 * fail on keys create accepted */
	struct detach_keys keys;
	json_t *dk = json_get_nocase(body, "DetachKeys");
	if (dk && !json_is_null(dk) && !json_is_string(dk))
		return berth_error_fail(err, EINVAL, "exec: DetachKeys must be a string");
	if (detach_keys_parse(json_string_value(dk), &keys, err) < 0)
		return -1;

	cleanup_free char *path = xasprintf("%s/config.json", c->dir);
	cleanup_json json_t *spec = NULL;
	cleanup_json json_t *process = NULL;
	/* the Go client sends every field, null for unset ones: null means absent */
	cleanup_json json_t *config = json_object();
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)body, k, v) if (!json_is_null(v))
		json_object_set(config, k, v);
	if (bjson_load_file(path, 0, 0, &spec, err) < 0 ||
	    spec_exec_process(spec, config, &process, err) < 0)
		return -1;

	struct exec_instance *e = xzalloc(sizeof(*e));
	unsigned char b[DIGEST_HEX_LEN / 2];
	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		abort();
	for (size_t i = 0; i < sizeof(b); i++)
		snprintf(e->id + 2 * i, 3, "%02x", b[i]);
	container_ref(c);
	e->c = c;
	e->config = json_deep_copy(body);
	e->process = bjson_dump(process);
	e->tty = json_is_true(json_object_get(body, "Tty"));
	e->attach_stdin = json_is_true(json_object_get(body, "AttachStdin"));
	e->attach_stdout = json_is_true(json_object_get(body, "AttachStdout"));
	e->attach_stderr = json_is_true(json_object_get(body, "AttachStderr"));
	e->keys = keys;

	pthread_mutex_lock(&m->lock);
	if (!m->execs)
		m->execs = xzalloc(sizeof(*m->execs));
	exec_gc(m);
	m->execs->v = xgrow(m->execs->v, &m->execs->alloc, m->execs->n + 1,
			    sizeof(struct exec_instance *));
	m->execs->v[m->execs->n++] = e;
	pthread_mutex_unlock(&m->lock);

	char line[512];
	cmd_string(cmd, line, sizeof(line));
	char *action = xasprintf("exec_create: %s", line);
	container_event(c, action, json_pack("{s:s}", "execID", e->id));
	free(action);
	*ret_id = xstrdup(e->id);
	return 0;
}

int exec_start(struct container_manager *m, const char *exec_id, bool detach, int *ret_fd,
	       struct exec_start_info *ret_info, berth_error_t **err)
{
	pthread_mutex_lock(&m->lock);
	struct exec_instance *e = exec_find(m, exec_id);
	if (!e) {
		pthread_mutex_unlock(&m->lock);
		return berth_error_fail(err, ENOENT, "No such exec instance: %s", exec_id);
	}
	if (e->started) {
		pthread_mutex_unlock(&m->lock);
		return berth_error_fail(err, EBUSY, "Error: Exec command %s is already running",
					exec_id);
	}
	e->started = true;
	e->running = true;
	struct container *c = e->c;
	container_ref(c);
	cleanup_free char *process = xstrdup(e->process);
	struct shim_exec_opts o = {
		.exec_id = e->id,
		.process_json = process,
		.terminal = e->tty,
		.attach_stdin = e->attach_stdin && !detach,
		.attach_stdout = e->attach_stdout && !detach,
		.attach_stderr = e->attach_stderr && !detach,
		.detach = detach,
	};
	ret_info->tty = e->tty;
	ret_info->attach_stdin = o.attach_stdin;
	ret_info->keys = e->keys;
	char id[DIGEST_HEX_LEN + 1];
	snprintf(id, sizeof(id), "%s", e->id);
	o.exec_id = id;
	pthread_mutex_unlock(&m->lock);

	pthread_mutex_lock(&c->lock);
	bool running = c->state == CONTAINER_RUNNING;
	pthread_mutex_unlock(&c->lock);
	int fd = -1;
	pid_t pid = 0;
	int r = running ? shim_exec(c->state_dir, &o, &fd, &pid, err) :
			  berth_error_fail(err, EBUSY, "Container %s is not running", c->id);
	pthread_mutex_lock(&m->lock);
	e = exec_find(m, id);
	if (e) {
		e->pid = pid;
		if (r < 0) {
			e->running = false;
			e->finished = true;
			e->exit_code = 126;
		}
	}
	pthread_mutex_unlock(&m->lock);
	if (r >= 0) {
		json_t *cmd = json_object_get(e ? e->config : NULL, "Cmd");
		char line[512];
		cmd_string(cmd, line, sizeof(line));
		char *action = xasprintf("exec_start: %s", line);
		container_event(c, action, json_pack("{s:s}", "execID", id));
		free(action);
	}
	container_put(c);
	if (r < 0)
		return -1;
	*ret_fd = fd;
	return 0;
}

static bool container_is_running(struct container *c)
{
	pthread_mutex_lock(&c->lock);
	bool r = c->state == CONTAINER_RUNNING || c->state == CONTAINER_PAUSED;
	pthread_mutex_unlock(&c->lock);
	return r;
}

/* The shim's answer for an exec.  A failed request is not proof that the
 * exec died: the shim may be busy with the exec's own exit at that very
 * moment, so while the container still runs ask again (a few times, the
 * exit is recorded within milliseconds); -1 only when the container is no
 * longer running (its shim, and with it the exec, are gone) */
static int exec_status(struct container *c, const char *id, bool expect_exit, bool *running,
		       pid_t *pid, int *code)
{
	for (unsigned attempt = 0;; attempt++) {
		cleanup_error berth_error_t *err = NULL;
		if (shim_exec_status(c->state_dir, id, running, pid, code, &err) >= 0) {
			/* the stream ended: the exit is usually a moment behind */
			if (!*running || !expect_exit || attempt == 4)
				return 0;
		} else if (!container_is_running(c)) {
			return -1;
		} else if (attempt == 4) {
			log_warn("exec %.12s: status: %s; still running", id, err->msg);
			*running = true;
			return 0;
		}
		struct timespec ts = { 0, 10000000L << attempt };
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
}

/* Ask the shim for an exec's state (m->lock NOT held); expect_exit: its
 * stream just ended */
static void exec_refresh(struct container_manager *m, const char *id, bool expect_exit)
{
	pthread_mutex_lock(&m->lock);
	struct exec_instance *e = exec_find(m, id);
	if (!e || !e->running) {
		pthread_mutex_unlock(&m->lock);
		return;
	}
	struct container *c = e->c;
	container_ref(c);
	pthread_mutex_unlock(&m->lock);

	bool running = true;
	pid_t pid = 0;
	int code = 0;
	if (exec_status(c, id, expect_exit, &running, &pid, &code) < 0) {
		/* the shim is gone: the container, and so the exec, ended */
		running = false;
		code = 137;
	}
	bool died = false;
	pthread_mutex_lock(&m->lock);
	e = exec_find(m, id);
	if (e && e->running && !running) {
		e->running = false;
		e->finished = true;
		e->exit_code = code;
		died = true;
	}
	pthread_mutex_unlock(&m->lock);
	if (died) {
		char s[16];
		snprintf(s, sizeof(s), "%d", code);
		container_event(c, "exec_die",
				json_pack("{s:s, s:s}", "execID", id, "exitCode", s));
	}
	container_put(c);
}

void exec_finished(struct container_manager *m, const char *exec_id)
{
	exec_refresh(m, exec_id, true);
}

int exec_inspect(struct container_manager *m, const char *exec_id, json_t **ret,
		 berth_error_t **err)
{
	exec_refresh(m, exec_id, false);
	pthread_mutex_lock(&m->lock);
	struct exec_instance *e = exec_find(m, exec_id);
	if (!e) {
		pthread_mutex_unlock(&m->lock);
		return berth_error_fail(err, ENOENT, "No such exec instance: %s", exec_id);
	}
	json_t *cmd = json_object_get(e->config, "Cmd");
	json_t *args = json_array();
	for (size_t i = 1; i < json_array_size(cmd); i++)
		json_array_append(args, json_array_get(cmd, i));
	const char *user = json_string_value(json_object_get(e->config, "User"));
	json_t *pc = json_pack("{s:b, s:s, s:o, s:s, s:b}", "tty", e->tty, "entrypoint",
			       json_string_value(json_array_get(cmd, 0)) ?: "", "arguments", args,
			       "user", user ? user : "", "privileged",
			       json_is_true(json_object_get(e->config, "Privileged")));
	json_t *j = json_object();
	json_object_set_new(j, "ID", json_string(e->id));
	json_object_set_new(j, "Running", json_boolean(e->running));
	json_object_set_new(j, "ExitCode", e->finished ? json_integer(e->exit_code) : json_null());
	json_object_set_new(j, "ProcessConfig", pc);
	json_object_set_new(j, "OpenStdin", json_boolean(e->attach_stdin));
	json_object_set_new(j, "OpenStderr", json_boolean(e->attach_stderr));
	json_object_set_new(j, "OpenStdout", json_boolean(e->attach_stdout));
	json_object_set_new(j, "CanRemove", json_false());
	json_object_set_new(j, "ContainerID", json_string(e->c->id));
	json_object_set_new(j, "DetachKeys", json_string(""));
	json_object_set_new(j, "Pid", json_integer(e->pid));
	pthread_mutex_unlock(&m->lock);
	*ret = j;
	return 0;
}

int exec_resize(struct container_manager *m, const char *exec_id, unsigned h, unsigned w,
		berth_error_t **err)
{
	pthread_mutex_lock(&m->lock);
	struct exec_instance *e = exec_find(m, exec_id);
	if (!e) {
		pthread_mutex_unlock(&m->lock);
		return berth_error_fail(err, ENOENT, "No such exec instance: %s", exec_id);
	}
	struct container *c = e->c;
	container_ref(c);
	char id[DIGEST_HEX_LEN + 1];
	snprintf(id, sizeof(id), "%s", e->id);
	pthread_mutex_unlock(&m->lock);
	int r = shim_resize(c->state_dir, id, h, w, err);
	container_put(c);
	return r;
}

int exec_container(struct container_manager *m, const char *exec_id, struct container **ret,
		   berth_error_t **err)
{
	pthread_mutex_lock(&m->lock);
	struct exec_instance *e = exec_find(m, exec_id);
	if (e)
		container_ref(e->c);
	pthread_mutex_unlock(&m->lock);
	if (!e)
		return berth_error_fail(err, ENOENT, "No such exec instance: %s", exec_id);
	*ret = e->c;
	return 0;
}

int exec_peek_tty(struct container_manager *m, const char *exec_id, bool *ret, berth_error_t **err)
{
	pthread_mutex_lock(&m->lock);
	struct exec_instance *e = exec_find(m, exec_id);
	if (e)
		*ret = e->tty;
	pthread_mutex_unlock(&m->lock);
	if (!e)
		return berth_error_fail(err, ENOENT, "No such exec instance: %s", exec_id);
	return 0;
}
