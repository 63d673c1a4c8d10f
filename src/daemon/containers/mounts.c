/* mounts: a container's mount points as dockerd's registerMountPoints makes
 * them at create: --volumes-from first, overridden by Binds and Mounts at
 * the same destination, then the image's Config.Volumes as anonymous
 * volumes where nothing else is mounted.  Volumes named there are created
 * (a name not seen before becomes a normal named volume).  The list is
 * fixed at create and kept in <dir>/mounts.json; it is what inspect shows
 * as Mounts, what spec-mounts binds for volumes, and what makes a volume
 * "in use".  At start the volumes are acquired (a type/device volume is
 * mounted) and a new empty volume gets the image's content (copy-up). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/atomicfile.h"
#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/rootfs-path.h"
#include "common/xalloc.h"
#include "daemon/containers/container-internal.h"
#include "daemon/containers/spec-internal.h"
#include "daemon/daemon.h"
#include "daemon/events.h"
#include "daemon/volumes/volumes.h"

#include "common/banned.h"

#define MOUNTS_FILE "mounts.json"
#define MOUNTS_MAX (4u << 20)
#define MAX_VOLUMES_FROM 64

/* Internal keys of a mount point, not shown by inspect */
#define K_COPY "CopyData"
#define K_ANON "Anonymous"
#define K_ORIGIN "Origin" /* "binds", "mounts", "volumes-from", "image" */

/* Destinations compare cleaned: no trailing slash, no "//" */
static char *clean_path(const char *p)
{
	cleanup_free char *out = xmalloc(strlen(p) + 2);
	size_t n = 0;
	for (const char *s = p; *s; s++) {
		if (*s == '/' && n > 0 && out[n - 1] == '/')
			continue;
		out[n++] = *s;
	}
	while (n > 1 && out[n - 1] == '/')
		n--;
	out[n] = '\0';
	return steal_pointer(&out);
}

static json_t *find_dest(const json_t *mps, const char *dest, size_t *ret_i)
{
	size_t i;
	json_t *mp;
	json_array_foreach(mps, i, mp)
	{
		if (strcmp(json_string_value(json_object_get(mp, "Destination")), dest) == 0) {
			if (ret_i)
				*ret_i = i;
			return mp;
		}
	}
	return NULL;
}

/* Put mp at its destination, replacing what was there (takes mp) */
static void put_mp(json_t *mps, json_t *mp)
{
	size_t i;
	const char *dest = json_string_value(json_object_get(mp, "Destination"));
	if (find_dest(mps, dest, &i))
		json_array_set_new(mps, i, mp);
	else
		json_array_append_new(mps, mp);
}

/* Create (or find) a volume and fill mp's Name and Source.  name NULL or
 * "": an anonymous volume */
static int volume_mp(struct container_manager *m, json_t *mp, const char *name, const char *driver,
		     const json_t *opts, const json_t *labels, berth_error_t **err)
{
	bool anon = !name || !*name;
	cleanup_json json_t *v = NULL;
	if (volume_create(m->d->volumes, name, driver, opts, labels, anon ? VOLUME_ANONYMOUS : 0,
			  &v, err) < 0)
		return -1;
	json_object_set(mp, "Name", json_object_get(v, "Name"));
	json_object_set(mp, "Source", json_object_get(v, "Mountpoint"));
	json_object_set_new(mp, "Driver", json_string(VOLUME_DRIVER_LOCAL));
	json_object_set_new(mp, K_ANON, json_boolean(anon));
	return 0;
}

static json_t *new_mp(const char *type, const char *dest, const char *mode, bool rw,
		      const char *prop, const char *origin)
{
	cleanup_free char *d = clean_path(dest);
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:b, s:s}", "Type", type, "Source", "",
			 "Destination", d, "Mode", mode, "RW", rw, "Propagation", prop, K_COPY,
			 false, K_ORIGIN, origin);
}

/* "ctr[:ro|rw]": every mount point of that container */
static int from_volumes_from(struct container_manager *m, const json_t *hc, json_t *mps,
			     berth_error_t **err)
{
	json_t *vf;
	if (spec_hc_strings(hc, "VolumesFrom", &vf, err) < 0)
		return -1;
	if (json_array_size(vf) > MAX_VOLUMES_FROM)
		return berth_error_fail(err, EINVAL, "too many VolumesFrom entries (max %d)",
					MAX_VOLUMES_FROM);
	size_t i;
	json_t *e;
	json_array_foreach(vf, i, e)
	{
		const char *spec = json_string_value(e);
		if (!*spec)
			return berth_error_fail(
				err, EINVAL,
				"volumes-from specification cannot be an empty string");
		const char *colon = strchr(spec, ':');
		cleanup_free char *ref = colon ? xstrndup(spec, (size_t)(colon - spec)) :
						 xstrdup(spec);
		const char *mode = colon ? colon + 1 : "rw";
		if (strcmp(mode, "rw") != 0 && strcmp(mode, "ro") != 0 && strcmp(mode, "z") != 0 &&
		    strcmp(mode, "Z") != 0 && strcmp(mode, "ro,z") != 0 &&
		    strcmp(mode, "rw,z") != 0)
			return berth_error_fail(err, EINVAL, "invalid mode: %s", mode);
		cleanup_container struct container *src = NULL;
		if (container_get(m, ref, &src, err) < 0)
			return -1;
		pthread_mutex_lock(&src->lock);
		cleanup_json json_t *theirs = json_deep_copy(mounts_get(src));
		pthread_mutex_unlock(&src->lock);
		size_t j;
		json_t *mp;
		json_array_foreach(theirs, j, mp)
		{
			const char *type = json_string_value(json_object_get(mp, "Type"));
			if (strcmp(type, "tmpfs") == 0)
				continue;
			json_t *cp = json_deep_copy(mp);
			bool rw = json_is_true(json_object_get(mp, "RW")) && !strstr(mode, "ro");
			json_object_set_new(cp, "RW", json_boolean(rw));
			json_object_set_new(cp, K_ORIGIN, json_string("volumes-from"));
			json_object_set_new(cp, K_COPY, json_false());
			/* the volume stays the other container's anonymous one */
			json_object_set_new(cp, K_ANON, json_false());
			put_mp(mps, cp);
		}
	}
	return 0;
}

static int from_binds(struct container_manager *m, const json_t *hc, json_t *mps,
		      berth_error_t **err)
{
	json_t *binds;
	if (spec_hc_strings(hc, "Binds", &binds, err) < 0)
		return -1;
	size_t i;
	json_t *e;
	json_array_foreach(binds, i, e)
	{
		struct spec_bind b;
		if (spec_parse_bind(json_string_value(e), &b, err) < 0)
			return -1;
		const char *prop = b.propagation_set ? b.propagation : "rprivate";
		json_t *mp = new_mp(b.volume ? "volume" : "bind", b.destination,
				    b.mode ? b.mode : "", !b.read_only, b.volume ? "" : prop,
				    "binds");
		int r = 0;
		if (b.volume) {
			if (!b.mode || !*b.mode) /* dockerd's setBindModeIfNull */
				json_object_set_new(mp, "Mode", json_string("z"));
			json_object_set_new(mp, K_COPY, json_boolean(!b.nocopy));
			r = volume_mp(m, mp, b.source,
				      json_string_value(json_object_get(hc, "VolumeDriver")), NULL,
				      NULL, err);
		} else {
			cleanup_free char *src = clean_path(b.source);
			json_object_set_new(mp, "Source", json_string(src));
		}
		spec_bind_release(&b);
		if (r < 0) {
			json_decref(mp);
			return -1;
		}
		put_mp(mps, mp);
	}
	return 0;
}

static int from_mounts(struct container_manager *m, const json_t *hc, json_t *mps,
		       berth_error_t **err)
{
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(hc, "Mounts"), i, e)
	{
		const char *type = json_string_value(json_object_get(e, "Type"));
		const char *target = json_string_value(json_object_get(e, "Target"));
		const char *source = json_string_value(json_object_get(e, "Source"));
		bool rw = !json_is_true(json_object_get(e, "ReadOnly"));
		if (!type || !target)
			continue; /* spec_check_mounts refused these */
		json_t *mp;
		if (strcmp(type, "bind") == 0) {
			const char *prop = json_string_value(
				json_object_get(json_object_get(e, "BindOptions"), "Propagation"));
			mp = new_mp("bind", target, "", rw, prop && *prop ? prop : "rprivate",
				    "mounts");
			cleanup_free char *src = clean_path(source ? source : "");
			json_object_set_new(mp, "Source", json_string(src));
		} else if (strcmp(type, "volume") == 0) {
			json_t *vo = json_object_get(e, "VolumeOptions");
			json_t *dc = json_object_get(vo, "DriverConfig");
			mp = new_mp("volume", target, "z", rw, "", "mounts");
			json_object_set_new(mp, K_COPY,
					    json_boolean(
						    !json_is_true(json_object_get(vo, "NoCopy"))));
			if (volume_mp(m, mp, source, json_string_value(json_object_get(dc, "Name")),
				      json_object_get(dc, "Options"), json_object_get(vo, "Labels"),
				      err) < 0) {
				json_decref(mp);
				return -1;
			}
		} else if (strcmp(type, "tmpfs") == 0) {
			mp = new_mp("tmpfs", target, "", rw, "", "mounts");
		} else {
			continue;
		}
		put_mp(mps, mp);
	}
	return 0;
}

/* The image's VOLUMEs where nothing is mounted yet (nor a --tmpfs) */
static int from_image(struct container_manager *m, const json_t *config, const json_t *hc,
		      json_t *mps, berth_error_t **err)
{
	const char *dest;
	json_t *unused;
	json_object_foreach(json_object_get(config, "Volumes"), dest, unused)
	{
		cleanup_free char *d = clean_path(dest);
		if (d[0] != '/' || find_dest(mps, d, NULL))
			continue;
		bool tmpfs = false;
		const char *t;
		json_t *x;
		json_object_foreach(json_object_get(hc, "Tmpfs"), t, x)
		{
			cleanup_free char *ct = clean_path(t);
			tmpfs |= strcmp(ct, d) == 0;
		}
		if (tmpfs)
			continue;
		json_t *mp = new_mp("volume", d, "", true, "", "image");
		json_object_set_new(mp, K_COPY, json_true());
		if (volume_mp(m, mp, NULL, json_string_value(json_object_get(hc, "VolumeDriver")),
			      NULL, NULL, err) < 0) {
			json_decref(mp);
			return -1;
		}
		put_mp(mps, mp);
	}
	return 0;
}

static int save_mounts(struct container *c, const json_t *mps, berth_error_t **err)
{
	cleanup_free char *text = bjson_dump(mps);
	cleanup_free char *path = xasprintf("%s/" MOUNTS_FILE, c->dir);
	return atomic_write_file(path, text, strlen(text), 0600, err);
}

int mounts_resolve(struct container_manager *m, struct container *c, berth_error_t **err)
{
	cleanup_json json_t *mps = json_array();
	if (from_volumes_from(m, c->host_config, mps, err) < 0 ||
	    from_binds(m, c->host_config, mps, err) < 0 ||
	    from_mounts(m, c->host_config, mps, err) < 0 ||
	    from_image(m, c->config, c->host_config, mps, err) < 0)
		return -1;
	if (save_mounts(c, mps, err) < 0)
		return -1;
	json_decref(c->mounts);
	c->mounts = steal_pointer(&mps);
	return 0;
}

json_t *mounts_get(struct container *c)
{
	if (c->mounts)
		return c->mounts;
	cleanup_free char *path = xasprintf("%s/" MOUNTS_FILE, c->dir);
	cleanup_error berth_error_t *e = NULL;
	json_t *mps = NULL;
	if (bjson_load_file(path, MOUNTS_MAX, 16, &mps, &e) < 0 || !json_is_array(mps)) {
		if (e && e->errnum != ENOENT)
			log_warn("container %.12s: %s, ignoring", c->id, e->msg);
		json_decref(mps);
		mps = json_array();
	}
	c->mounts = mps;
	return mps;
}

json_t *mounts_inspect(struct container *c)
{
	json_t *out = json_array();
	size_t i;
	json_t *mp;
	json_array_foreach(mounts_get(c), i, mp)
	{
		json_t *o = json_pack("{s:O, s:O*}", "Type", json_object_get(mp, "Type"), "Name",
				      json_object_get(mp, "Name"));
		json_object_set(o, "Source", json_object_get(mp, "Source"));
		json_object_set(o, "Destination", json_object_get(mp, "Destination"));
		if (json_object_get(mp, "Driver"))
			json_object_set(o, "Driver", json_object_get(mp, "Driver"));
		json_object_set(o, "Mode", json_object_get(mp, "Mode"));
		json_object_set(o, "RW", json_object_get(mp, "RW"));
		json_object_set(o, "Propagation", json_object_get(mp, "Propagation"));
		json_array_append_new(out, o);
	}
	return out;
}

bool mounts_use_volume(struct container *c, const char *name)
{
	size_t i;
	json_t *mp;
	json_array_foreach(mounts_get(c), i, mp)
	{
		const char *n = json_string_value(json_object_get(mp, "Name"));
		if (n && strcmp(n, name) == 0)
			return true;
	}
	return false;
}

json_t *mounts_anonymous(struct container *c)
{
	json_t *out = json_array();
	size_t i;
	json_t *mp;
	json_array_foreach(mounts_get(c), i, mp)
	{
		if (json_is_true(json_object_get(mp, K_ANON)))
			json_array_append(out, json_object_get(mp, "Name"));
	}
	return out;
}

/* ---- start and stop -------------------------------------------------------- */

static bool dir_empty(const char *path)
{
	cleanup_dir DIR *d = opendir(path);
	if (!d)
		return false;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			return false;
	return true;
}

/* Copy-up: the image's content at dest into the empty volume dir data,
 * and the image dir's owner and mode onto data, as dockerd's
 * copyExistingContents.  dest resolves inside the rootfs only. */
static int copy_up(const char *rootfs, const char *dest, const char *data, berth_error_t **err)
{
	if (!dir_empty(data))
		return 0;
	cleanup_close int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return berth_error_set(err, errno, "open rootfs '%s'", rootfs);
	cleanup_error berth_error_t *e = NULL;
	cleanup_close int src = root_open(rootfd, dest, O_RDONLY | O_DIRECTORY, 0, 0, &e);
	if (src < 0)
		return 0; /* nothing there (or not a directory): nothing to copy */
	cleanup_close int dst = open(data, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dst < 0)
		return berth_error_set(err, errno, "open '%s'", data);
	if (volume_copy_tree(src, dst, err) < 0)
		return berth_error_wrap(err, "copy image content at '%s' into the volume", dest);
	struct stat st;
	if (fstat(src, &st) < 0 || fchown(dst, st.st_uid, st.st_gid) < 0 ||
	    fchmod(dst, st.st_mode & 07777) < 0)
		return berth_error_set(err, errno, "copy owner and mode of '%s'", dest);
	return 0;
}

static void release_names(struct container_manager *m, const json_t *names)
{
	size_t i;
	json_t *n;
	json_array_foreach(names, i, n) volume_release(m->d->volumes, json_string_value(n));
}

/* The volumes the mount points name, c->lock held; caller owns */
static json_t *volume_names(struct container *c)
{
	json_t *out = json_array();
	size_t i;
	json_t *mp;
	json_array_foreach(mounts_get(c), i, mp)
	{
		json_t *n = json_object_get(mp, "Name");
		if (json_is_string(n))
			json_array_append(out, n);
	}
	return out;
}

int mounts_activate(struct container_manager *m, struct container *c, const char *rootfs,
		    berth_error_t **err)
{
	pthread_mutex_lock(&c->lock);
	bool active = c->volumes_active;
	cleanup_json json_t *mps = json_deep_copy(mounts_get(c));
	cleanup_json json_t *names = volume_names(c);
	pthread_mutex_unlock(&c->lock);
	if (active)
		return 0;
	cleanup_json json_t *got = json_array();
	size_t i;
	json_t *n;
	json_array_foreach(names, i, n)
	{
		if (volume_acquire(m->d->volumes, json_string_value(n), err) < 0) {
			release_names(m, got);
			return -1;
		}
		json_array_append(got, n);
	}
	bool copied = false;
	json_t *mp;
	json_array_foreach(mps, i, mp)
	{
		if (!json_is_true(json_object_get(mp, K_COPY)))
			continue;
		const char *dest = json_string_value(json_object_get(mp, "Destination"));
		const char *src = json_string_value(json_object_get(mp, "Source"));
		if (copy_up(rootfs, dest, src, err) < 0) {
			release_names(m, got);
			return -1;
		}
		json_object_set_new(mp, K_COPY, json_false()); /* once, as dockerd at create */
		copied = true;
	}
	pthread_mutex_lock(&c->lock);
	c->volumes_active = true;
	if (copied) {
		cleanup_error berth_error_t *e = NULL;
		if (save_mounts(c, mps, &e) < 0)
			log_warn("container %.12s: %s, ignoring", c->id, e->msg);
		json_decref(c->mounts);
		c->mounts = json_incref(mps);
	}
	pthread_mutex_unlock(&c->lock);
	return 0;
}

void mounts_deactivate(struct container_manager *m, struct container *c)
{
	if (!c->volumes_active)
		return;
	c->volumes_active = false;
	cleanup_json json_t *names = volume_names(c);
	release_names(m, names);
}

void mounts_adopt(struct container_manager *m, struct container *c)
{
	if (c->volumes_active)
		return;
	cleanup_json json_t *names = volume_names(c);
	size_t i;
	json_t *n;
	json_array_foreach(names, i, n)
	{
		cleanup_error berth_error_t *e = NULL;
		if (volume_acquire(m->d->volumes, json_string_value(n), &e) < 0)
			log_warn("container %.12s: %s, ignoring", c->id, e->msg);
	}
	c->volumes_active = true;
}

/* ---- what the API asks ------------------------------------------------------ */

json_t *container_manager_volume_users(struct container_manager *m, const char *name)
{
	json_t *ids = json_array();
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->n; i++) {
		struct container *c = m->v[i];
		pthread_mutex_lock(&c->lock);
		if (mounts_use_volume(c, name))
			json_array_append_new(ids, json_string(c->id));
		pthread_mutex_unlock(&c->lock);
	}
	pthread_mutex_unlock(&m->lock);
	return ids;
}

void mounts_remove_anonymous(struct container_manager *m, const json_t *names)
{
	size_t i;
	json_t *n;
	json_array_foreach(names, i, n)
	{
		const char *name = json_string_value(n);
		cleanup_json json_t *users = container_manager_volume_users(m, name);
		cleanup_error berth_error_t *e = NULL;
		if (json_array_size(users) > 0)
			continue; /* another container took it with --volumes-from */
		if (volume_remove(m->d->volumes, name, &e) < 0)
			log_warn("remove volume '%s': %s, ignoring", name, e->msg);
		else
			events_publish(m->d->events, "volume", "destroy", name,
				       json_pack("{s:s}", "driver", VOLUME_DRIVER_LOCAL));
	}
}
