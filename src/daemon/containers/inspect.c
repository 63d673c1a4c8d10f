/* inspect: GET /containers/{id}/json in docker's shape (moby's
 * ContainerJSON), built from the container's record under its lock.
 * Times are RFC3339Nano in UTC; "0001-01-01T00:00:00Z" for never, as Go's
 * zero time prints. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/digest.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "daemon/containers/container-internal.h"
#include "daemon/containers/inspect.h"
#include "daemon/daemon.h"
#include "image/image-store.h"
#include "image/overlay.h"

static json_t *json_time(int64_t ns)
{
	char *s = image_format_time_ns(ns);
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

int container_inspect(struct container_manager *m, struct container *c, bool size, json_t **ret,
		      berth_error_t **err)
{
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
	json_object_set_new(j, "Mounts", mounts_inspect(c));
	json_object_set(j, "Config", c->config);
	json_object_set_new(j, "NetworkSettings", network_inspect_settings(c));
	pthread_mutex_unlock(&c->lock);
	if (size) {
		int64_t rw = 0, rootfs = 0;
		container_sizes(m, c->id, c->image_id, &rw, &rootfs);
		json_object_set_new(j, "SizeRw", json_integer(rw));
		json_object_set_new(j, "SizeRootFs", json_integer(rootfs));
	}
	*ret = j;
	return 0;
}

/* ---- sizes (?size=1) ------------------------------------------------------ */

/* Deeper directories are not descended into: each level holds an fd, and
 * a container decides how deep its upper dir goes */
#define SIZE_DEPTH_MAX 128

/* The inodes with more than one link seen so far (open addressing) */
struct inode_set {
	uint64_t *v; /* 0: empty slot (inode 0 does not exist) */
	size_t n, cap;
};

/* Whether ino was new (and is now in the set) */
static bool inode_set_add(struct inode_set *s, uint64_t ino)
{
	if (2 * (s->n + 1) > s->cap) {
		struct inode_set g = { .cap = s->cap ? 2 * s->cap : 64 };
		g.v = xcalloc(g.cap, sizeof(*g.v));
		for (size_t i = 0; i < s->cap; i++)
			if (s->v[i])
				inode_set_add(&g, s->v[i]);
		free(s->v);
		*s = g;
	}
	size_t i = (size_t)(ino * 0x9e3779b97f4a7c15ull) & (s->cap - 1);
	for (; s->v[i]; i = (i + 1) & (s->cap - 1))
		if (s->v[i] == ino)
			return false;
	s->v[i] = ino;
	s->n++;
	return true;
}

/* Add the sizes below dirfd (taken) to *total as docker's directory.Size
 * does: every non-directory by its lstat size, each inode once, symlinks
 * never followed.  Unreadable parts are skipped: a size is an estimate. */
static void dir_size_add(int dirfd, unsigned depth, struct inode_set *seen, int64_t *total)
{
	cleanup_dir DIR *d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		struct stat st;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (depth + 1 >= SIZE_DEPTH_MAX) {
				log_debug("size: '%s' is nested too deep, ignoring", de->d_name);
				continue;
			}
			int fd = openat(dirfd, de->d_name,
					O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0)
				dir_size_add(fd, depth + 1, seen, total);
			continue;
		}
		if (st.st_size <= 0)
			continue;
		if (st.st_nlink > 1 && !inode_set_add(seen, (uint64_t)st.st_ino))
			continue; /* another link to an inode already counted */
		*total += st.st_size;
	}
}

int64_t container_dir_size(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0; /* not created yet, or removed meanwhile */
	struct inode_set seen = { 0 };
	int64_t total = 0;
	dir_size_add(fd, 0, &seen, &total);
	free(seen.v);
	return total;
}

void container_sizes(struct container_manager *m, const char *id, const char *image_id,
		     int64_t *ret_rw, int64_t *ret_rootfs)
{
	struct daemon *d = m->d;
	cleanup_error berth_error_t *err = NULL;
	struct digest img;
	struct image_info *info = NULL;
	pthread_mutex_lock(&d->images_lock);
	cleanup_free char *upper = overlay_upper_path(image_store_layers(d->images), id);
	if (digest_parse(image_id, &img, &err) < 0 ||
	    image_store_get(d->images, &img, &info, &err) < 0)
		log_debug("size of %.12s: %s, ignoring", id, err->msg);
	int64_t image_size = info && info->size > 0 ? info->size : 0;
	image_info_free(info);
	pthread_mutex_unlock(&d->images_lock);
	int64_t rw = container_dir_size(upper);
	*ret_rw = rw;
	*ret_rootfs = rw + image_size;
}
