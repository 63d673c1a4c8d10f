/* inspect: GET /containers/{id}/json in docker's shape (moby's
 * ContainerJSON), built from the container's record under its lock.
 * Times are RFC3339Nano in UTC; "0001-01-01T00:00:00Z" for never, as Go's
 * zero time prints. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "daemon/containers/container-internal.h"
#include "daemon/containers/inspect.h"
#include "daemon/daemon.h"
#include "image/image-store.h"
#include "image/overlay.h"

char *format_time_ns(int64_t ns)
{
	if (ns <= 0)
		return xstrdup("0001-01-01T00:00:00Z");
	time_t s = (time_t)(ns / 1000000000);
	long frac = (long)(ns % 1000000000);
	struct tm tm;
	gmtime_r(&s, &tm);
	char base[32];
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	if (frac == 0)
		return xasprintf("%sZ", base);
	char f[16];
	snprintf(f, sizeof(f), "%09ld", frac);
	for (int i = 8; i > 0 && f[i] == '0'; i--) /* Go trims trailing zeros */
		f[i] = '\0';
	return xasprintf("%s.%sZ", base, f);
}

static json_t *json_time(int64_t ns)
{
	char *s = format_time_ns(ns);
	json_t *j = json_string(s);
	free(s);
	return j;
}

/* Path and Args: the entrypoint and command as the process runs them */
void container_path_args(const json_t *config, json_t **ret_path, json_t **ret_args)
{
	json_t *ep = json_object_get(config, "Entrypoint");
	json_t *cmd = json_object_get(config, "Cmd");
	json_t *argv = json_array();
	if (json_is_array(ep))
		json_array_extend(argv, ep);
	if (json_is_array(cmd))
		json_array_extend(argv, cmd);
	json_t *first = json_array_get(argv, 0);
	*ret_path = json_is_string(first) ? json_incref(first) : json_string("");
	json_t *args = json_array();
	for (size_t i = 1; i < json_array_size(argv); i++)
		json_array_append(args, json_array_get(argv, i));
	json_decref(argv);
	*ret_args = args;
}

static json_t *inspect_state(const struct container *c)
{
	const char *status = container_state_name(c->state);
	if (c->state == CONTAINER_REMOVING)
		status = "removing";
	json_t *st = json_pack("{s:s, s:b, s:b, s:b, s:b, s:b, s:i, s:i, s:s, s:o, s:o}", "Status",
			       status, "Running",
			       c->state == CONTAINER_RUNNING || c->state == CONTAINER_PAUSED,
			       "Paused", c->state == CONTAINER_PAUSED, "Restarting",
			       c->state == CONTAINER_RESTARTING, "OOMKilled", c->oom_killed, "Dead",
			       c->state == CONTAINER_DEAD, "Pid", (int)c->pid, "ExitCode",
			       c->exit_code, "Error", c->error ? c->error : "", "StartedAt",
			       json_time(c->started_ns), "FinishedAt", json_time(c->finished_ns));
	if (c->health)
		json_object_set(st, "Health", c->health);
	return st;
}

static json_t *inspect_network(const struct container *c)
{
	const char *mode = json_string_value(json_object_get(c->host_config, "NetworkMode"));
	json_t *nets = json_object();
	if (mode && (strcmp(mode, "host") == 0 || strcmp(mode, "none") == 0))
		json_object_set_new(nets, mode,
				    json_pack("{s:n, s:n, s:n, s:s, s:s, s:s, s:s, s:i}",
					      "IPAMConfig", "Links", "Aliases", "MacAddress", "",
					      "NetworkID", "", "Gateway", "", "IPAddress", "",
					      "IPPrefixLen", 0));
	return json_pack("{s:s, s:s, s:b, s:s, s:o, s:s?, s:o, s:s, s:s, s:s, s:i, s:s, s:o}",
			 "Bridge", "", "SandboxID", "", "HairpinMode", false, "SandboxKey", "",
			 "Ports", json_object(), "LinkLocalIPv6Address", "", "SecondaryIPAddresses",
			 json_null(), "Gateway", "", "IPAddress", "", "MacAddress", "",
			 "IPPrefixLen", 0, "EndpointID", "", "Networks", nets);
}

int container_inspect(struct container_manager *m, struct container *c, bool size, json_t **ret,
		      berth_error_t **err)
{
	(void)size;
	(void)err;
	struct daemon *d = m->d;
	pthread_mutex_lock(&d->images_lock);
	struct layer_store *ls = image_store_layers(d->images);
	cleanup_free char *merged = overlay_merged_path(ls, c->id);
	cleanup_free char *upper = overlay_upper_path(ls, c->id);
	cleanup_free char *lower = NULL;
	for (size_t i = c->n_chain_ids; i-- > 0;) {
		cleanup_free char *p = layer_store_diff_path(ls, &c->chain_ids[i]);
		char *n = lower ? xasprintf("%s:%s", lower, p) : xstrdup(p);
		free(lower);
		lower = n;
	}
	pthread_mutex_unlock(&d->images_lock);
	cleanup_free char *work =
		xasprintf("%.*s/work", (int)(strlen(upper) - strlen("/upper")), upper);

	pthread_mutex_lock(&c->lock);
	json_t *path, *args;
	container_path_args(c->config, &path, &args);
	json_t *host_config = json_deep_copy(c->host_config);
	if (!json_object_get(host_config, "NetworkMode"))
		json_object_set_new(host_config, "NetworkMode", json_string("default"));
	/* docker fills the log driver in; docker-py's run() reads it */
	json_t *lc = json_object_get(host_config, "LogConfig");
	const char *lt = json_string_value(json_object_get(lc, "Type"));
	if (!json_is_object(lc) || !lt || !*lt) {
		json_t *lcfg = json_object_get(lc, "Config");
		lcfg = json_is_object(lcfg) ? json_incref(lcfg) : json_object();
		json_object_set_new(host_config, "LogConfig",
				    json_pack("{s:s, s:o}", "Type", "json-file", "Config", lcfg));
	}
	json_t *j = json_object();
	json_object_set_new(j, "Id", json_string(c->id));
	json_object_set_new(j, "Created", json_time(c->created_ns));
	json_object_set_new(j, "Path", path);
	json_object_set_new(j, "Args", args);
	json_object_set_new(j, "State", inspect_state(c));
	json_object_set_new(j, "Image", json_string(c->image_id));
	json_object_set_new(j, "ResolvConfPath", json_sprintf("%s/resolv.conf", c->dir));
	json_object_set_new(j, "HostnamePath", json_sprintf("%s/hostname", c->dir));
	json_object_set_new(j, "HostsPath", json_sprintf("%s/hosts", c->dir));
	json_object_set_new(j, "LogPath", json_string(c->log_path));
	json_object_set_new(j, "Name", json_sprintf("/%s", c->name));
	json_object_set_new(j, "RestartCount", json_integer(c->restart_count));
	json_object_set_new(j, "Driver", json_string("overlay2"));
	json_object_set_new(j, "Platform", json_string("linux"));
	json_object_set_new(j, "MountLabel", json_string(""));
	json_object_set_new(j, "ProcessLabel", json_string(""));
	json_object_set_new(j, "AppArmorProfile", json_string(""));
	json_object_set_new(j, "ExecIDs", json_null());
	json_object_set_new(j, "HostConfig", host_config);
	json_object_set_new(j, "GraphDriver",
			    json_pack("{s:s, s:{s:s?, s:s, s:s, s:s}}", "Name", "overlay2", "Data",
				      "LowerDir", lower, "MergedDir", merged, "UpperDir", upper,
				      "WorkDir", work));
	json_object_set_new(j, "Mounts", json_array());
	json_object_set(j, "Config", c->config);
	json_object_set_new(j, "NetworkSettings", inspect_network(c));
	pthread_mutex_unlock(&c->lock);
	if (size) {
		json_object_set_new(j, "SizeRw", json_integer(0));
		json_object_set_new(j, "SizeRootFs", json_integer(0));
	}
	*ret = j;
	return 0;
}
