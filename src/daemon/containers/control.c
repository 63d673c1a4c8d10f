/* control: the operations on a running container that go through the
 * OCI runtime directly (pause/resume, update, ps) or the shim (resize),
 * and the facts the io endpoints need (logs, rootfs, pids, changes).
 * The runtime runs as a child with a capped output; berthd never clones
 * into namespaces itself. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "daemon/containers/container-internal.h"
#include "daemon/daemon.h"
#include "image/image-store.h"
#include "image/overlay.h"
#include "shim/client.h"

#define RUNTIME_OUT_MAX (1u << 20)

extern char **environ;

/* Run `runtime --root R args...` with input on stdin (may be NULL); its
 * stdout into *out (may be NULL); stderr in the error */
static int runtime_run(struct daemon *d, const char *const *args, const char *input,
		       struct strbuf *out, berth_error_t **err)
{
	int opipe[2], ipipe[2];
	if (pipe2(opipe, O_CLOEXEC) < 0)
		return berth_error_set(err, errno, "pipe");
	if (pipe2(ipipe, O_CLOEXEC) < 0) {
		close(opipe[0]);
		close(opipe[1]);
		return berth_error_set(err, errno, "pipe");
	}
	const char *argv[16];
	size_t n = 0;
	argv[n++] = d->cfg.runtime;
	argv[n++] = "--root";
	argv[n++] = d->cfg.runtime_root;
	for (size_t i = 0; args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, ipipe[0], 0);
	posix_spawn_file_actions_adddup2(&fa, opipe[1], 1);
	posix_spawn_file_actions_adddup2(&fa, opipe[1], 2);
	pid_t pid;
	int r = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(ipipe[0]);
	close(opipe[1]);
	if (r != 0) {
		close(ipipe[1]);
		close(opipe[0]);
		return berth_error_set(err, r, "run '%s'", argv[0]);
	}
	if (input && write(ipipe[1], input, strlen(input)) < 0)
		log_debug("runtime stdin: %s", strerror(errno));
	close(ipipe[1]);
	struct strbuf buf = STRBUF_INIT;
	char tmp[4096];
	ssize_t k;
	while ((k = read(opipe[0], tmp, sizeof(tmp))) > 0 || (k < 0 && errno == EINTR))
		if (k > 0 && buf.len < RUNTIME_OUT_MAX)
			strbuf_add(&buf, tmp, (size_t)k);
	close(opipe[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		strbuf_rtrim(&buf);
		r = berth_error_fail(err, EIO, "%s %s: %s", argv[0], args[0], buf.buf);
		strbuf_release(&buf);
		return r;
	}
	if (out)
		*out = buf;
	else
		strbuf_release(&buf);
	return 0;
}

int container_pause(struct container_manager *m, struct container *c, bool pause,
		    berth_error_t **err)
{
	pthread_mutex_lock(&c->lock);
	enum container_state st = c->state;
	pthread_mutex_unlock(&c->lock);
	if (st != CONTAINER_RUNNING && st != CONTAINER_PAUSED)
		return berth_error_fail(err, EBUSY, "Container %s is not running", c->id);
	if (pause && st == CONTAINER_PAUSED)
		return berth_error_fail(err, EBUSY, "Container %s is already paused", c->id);
	if (!pause && st != CONTAINER_PAUSED)
		return berth_error_fail(err, EBUSY, "Container %s is not paused", c->id);
	const char *args[] = { pause ? "pause" : "resume", c->id, NULL };
	if (runtime_run(m->d, args, NULL, NULL, err) < 0)
		return -1;
	pthread_mutex_lock(&c->lock);
	if (c->state == CONTAINER_RUNNING || c->state == CONTAINER_PAUSED) {
		c->state = pause ? CONTAINER_PAUSED : CONTAINER_RUNNING;
		container_save_or_log(c);
		container_notify(c, WATCH_CHANGE);
	}
	pthread_mutex_unlock(&c->lock);
	container_event(c, pause ? "pause" : "unpause", NULL);
	return 0;
}

/* HostConfig resource fields → the OCI linux.resources `runtime update` reads */
static json_t *update_resources(const json_t *body)
{
	json_t *res = json_object();
	json_t *v;
	json_t *mem = json_object(), *cpu = json_object(), *pids = json_object();
	if (json_is_integer(v = json_object_get(body, "Memory")) && json_integer_value(v) > 0)
		json_object_set(mem, "limit", v);
	if (json_is_integer(v = json_object_get(body, "MemoryReservation")) &&
	    json_integer_value(v) > 0)
		json_object_set(mem, "reservation", v);
	if (json_is_integer(v = json_object_get(body, "MemorySwap")) && json_integer_value(v) != 0)
		json_object_set(mem, "swap", v);
	if (json_is_integer(v = json_object_get(body, "CpuShares")) && json_integer_value(v) > 0)
		json_object_set(cpu, "shares", v);
	if (json_is_integer(v = json_object_get(body, "CpuQuota")) && json_integer_value(v) != 0)
		json_object_set(cpu, "quota", v);
	if (json_is_integer(v = json_object_get(body, "CpuPeriod")) && json_integer_value(v) > 0)
		json_object_set(cpu, "period", v);
	if (json_is_integer(v = json_object_get(body, "NanoCpus")) && json_integer_value(v) > 0) {
		json_object_set_new(cpu, "period", json_integer(100000));
		json_object_set_new(cpu, "quota", json_integer(json_integer_value(v) / 10000));
	}
	if (json_is_string(v = json_object_get(body, "CpusetCpus")) && *json_string_value(v))
		json_object_set(cpu, "cpus", v);
	if (json_is_string(v = json_object_get(body, "CpusetMems")) && *json_string_value(v))
		json_object_set(cpu, "mems", v);
	if (json_is_integer(v = json_object_get(body, "PidsLimit")) && json_integer_value(v) != 0)
		json_object_set(pids, "limit", v);
	if (json_object_size(mem))
		json_object_set(res, "memory", mem);
	if (json_object_size(cpu))
		json_object_set(res, "cpu", cpu);
	if (json_object_size(pids))
		json_object_set(res, "pids", pids);
	json_decref(mem);
	json_decref(cpu);
	json_decref(pids);
	return res;
}

static const char *const resource_keys[] = {
	"Memory",      "MemoryReservation", "MemorySwap", "CpuShares",  "CpuQuota",
	"CpuPeriod",   "NanoCpus",          "CpusetCpus", "CpusetMems", "PidsLimit",
	"BlkioWeight", "KernelMemory",      NULL,
};

int container_update(struct container_manager *m, struct container *c, const json_t *body,
		     json_t **ret_warnings, berth_error_t **err)
{
	if (!json_is_object(body))
		return berth_error_fail(err, EINVAL, "update: the body must be a JSON object");
	json_t *policy = json_object_get(body, "RestartPolicy");
	cleanup_json json_t *res = update_resources(body);
	pthread_mutex_lock(&c->lock);
	bool running = c->state == CONTAINER_RUNNING || c->state == CONTAINER_PAUSED;
	bool autorm = json_is_true(json_object_get(c->host_config, "AutoRemove"));
	pthread_mutex_unlock(&c->lock);
	const char *pname = json_string_value(json_object_get(policy, "Name"));
	if (pname && *pname && strcmp(pname, "no") != 0 && autorm)
		return berth_error_fail(
			err, EINVAL,
			"Restart policy cannot be updated because AutoRemove is enabled for the container");
	if (running && json_object_size(res) > 0) {
		cleanup_free char *text = bjson_dump(res);
		const char *args[] = { "update", "--resources", "-", c->id, NULL };
		if (runtime_run(m->d, args, text, NULL, err) < 0)
			return berth_error_wrap(err, "Cannot update container %s", c->id);
	}
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; resource_keys[i]; i++) {
		json_t *v = json_object_get(body, resource_keys[i]);
		if (v && !(json_is_integer(v) && json_integer_value(v) == 0) &&
		    !(json_is_string(v) && !*json_string_value(v)) && !json_is_null(v))
			json_object_set(c->host_config, resource_keys[i], v);
	}
	if (pname && *pname)
		json_object_set(c->host_config, "RestartPolicy", policy);
	container_save_or_log(c);
	pthread_mutex_unlock(&c->lock);
	container_event(c, "update", NULL);
	*ret_warnings = json_array();
	return 0;
}

int container_resize(struct container_manager *m, struct container *c, unsigned h, unsigned w,
		     berth_error_t **err)
{
	(void)m;
	pthread_mutex_lock(&c->lock);
	bool running = c->state == CONTAINER_RUNNING || c->state == CONTAINER_PAUSED ||
		       c->shim_ready;
	pthread_mutex_unlock(&c->lock);
	if (!running)
		return berth_error_fail(err, EBUSY, "Container %s is not running", c->id);
	return shim_resize(c->state_dir, NULL, h, w, err);
}

int container_pids(struct container_manager *m, struct container *c, pid_t **ret, size_t *ret_n,
		   berth_error_t **err)
{
	pthread_mutex_lock(&c->lock);
	bool running = c->state == CONTAINER_RUNNING || c->state == CONTAINER_PAUSED;
	pthread_mutex_unlock(&c->lock);
	if (!running)
		return berth_error_fail(err, EBUSY, "Container %s is not running", c->id);
	const char *args[] = { "ps", "--format", "json", c->id, NULL };
	cleanup_strbuf struct strbuf out = STRBUF_INIT;
	if (runtime_run(m->d, args, NULL, &out, err) < 0)
		return -1;
	cleanup_json json_t *arr = NULL;
	if (bjson_load(out.buf, out.len, "runtime ps", 0, 0, &arr, err) < 0)
		return -1;
	if (!json_is_array(arr))
		return berth_error_fail(err, EIO, "runtime ps: want an array of pids");
	pid_t *v = xcalloc(json_array_size(arr) + 1, sizeof(*v));
	size_t i;
	json_t *p;
	json_array_foreach(arr, i, p) v[i] = (pid_t)json_integer_value(p);
	*ret = v;
	*ret_n = json_array_size(arr);
	return 0;
}

int container_runtime_info(struct container *c, char **ret_cgroups_path, pid_t *ret_pid,
			   char **ret_name, berth_error_t **err)
{
	cleanup_free char *path = xasprintf("%s/config.json", c->dir);
	cleanup_json json_t *spec = NULL;
	pthread_mutex_lock(&c->lock);
	bool running = c->state == CONTAINER_RUNNING || c->state == CONTAINER_PAUSED;
	pid_t pid = running ? c->pid : 0;
	char *name = xasprintf("/%s", c->name);
	pthread_mutex_unlock(&c->lock);
	if (running && bjson_load_file(path, 0, 0, &spec, err) < 0) {
		free(name);
		return -1;
	}
	const char *cg =
		json_string_value(json_object_get(json_object_get(spec, "linux"), "cgroupsPath"));
	*ret_cgroups_path = xstrdup(cg ? cg : "");
	*ret_pid = pid;
	*ret_name = name;
	return 0;
}

int container_logs_begin(struct container_manager *m, struct container *c, char **ret_log_path,
			 bool *ret_tty, int *ret_done_fd, berth_error_t **err)
{
	(void)m;
	int fd = container_watch(c, WATCH_EXIT, err);
	if (fd < 0)
		return -1;
	pthread_mutex_lock(&c->lock);
	bool running = c->state == CONTAINER_RUNNING || c->state == CONTAINER_PAUSED ||
		       c->state == CONTAINER_RESTARTING || c->monitor_active;
	if (!running)
		container_notify(c, WATCH_EXIT); /* the follower ends at the end of the log */
	*ret_tty = json_is_true(json_object_get(c->config, "Tty"));
	pthread_mutex_unlock(&c->lock);
	*ret_log_path = xstrdup(c->log_path);
	*ret_done_fd = fd;
	return 0;
}

int container_rootfs_get(struct container_manager *m, struct container *c, char **ret_rootfs,
			 berth_error_t **err)
{
	pthread_mutex_lock(&c->lock);
	int r = lifecycle_mount(m, c, ret_rootfs, err);
	if (r >= 0)
		c->rootfs_users++;
	pthread_mutex_unlock(&c->lock);
	return r;
}

void container_rootfs_put(struct container_manager *m, struct container *c)
{
	pthread_mutex_lock(&c->lock);
	if (c->rootfs_users > 0)
		c->rootfs_users--;
	if (c->rootfs_users == 0 && !c->monitor_active && c->mounted)
		lifecycle_unmount(m, c);
	pthread_mutex_unlock(&c->lock);
}

int container_changes(struct container_manager *m, struct container *c, json_t **ret,
		      berth_error_t **err)
{
	struct daemon *d = m->d;
	pthread_mutex_lock(&d->images_lock);
	struct layer_store *ls = image_store_layers(d->images);
	cleanup_free char *upper = overlay_upper_path(ls, c->id);
	char **lowers = xcalloc(c->n_chain_ids + 1, sizeof(*lowers));
	for (size_t i = 0; i < c->n_chain_ids; i++) /* topmost first */
		lowers[i] = layer_store_diff_path(ls, &c->chain_ids[c->n_chain_ids - 1 - i]);
	pthread_mutex_unlock(&d->images_lock);
	struct overlay_changes ch = { 0 };
	int r = overlay_diff(upper, (const char *const *)lowers, c->n_chain_ids, &ch, err);
	for (size_t i = 0; i < c->n_chain_ids; i++)
		free(lowers[i]);
	free(lowers);
	if (r < 0)
		return -1;
	json_t *arr = json_array();
	for (size_t i = 0; i < ch.n; i++) {
		int kind = ch.v[i].kind == OVERLAY_CHANGE_MODIFY ? 0 :
			   ch.v[i].kind == OVERLAY_CHANGE_ADD    ? 1 :
								   2;
		json_array_append_new(arr,
				      json_pack("{s:s, s:i}", "Path", ch.v[i].path, "Kind", kind));
	}
	overlay_changes_release(&ch);
	*ret = arr;
	return 0;
}
