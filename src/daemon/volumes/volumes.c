/* volumes: the local volume driver (see volumes.h).  Layout per volume:
 * <root>/<name>/_data and <root>/<name>/volume.json.  A volume appears
 * by renaming a complete ".new-<name>" directory into place and goes by
 * renaming it to ".rm-<name>" before deleting, so a crash never leaves a
 * half volume under a real name; open() sweeps the dot leftovers. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/atomicfile.h"
#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/digest.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "daemon/volumes/volumes.h"
#include "runtime/mount-options.h"

#include "common/banned.h"

#ifndef STATX_ATTR_MOUNT_ROOT
#define STATX_ATTR_MOUNT_ROOT 0x00002000
#endif

#define META_FILE "volume.json"
#define META_MAX (256u << 10) /* labels and options of one volume */
#define META_DEPTH 8

struct volume_store {
	char *root; /* <data_root>/volumes */
	pthread_mutex_t lock;
	json_t *users; /* name -> number of running containers that acquired it */
};

/* ---- names and options --------------------------------------------------- */

static bool name_char(char c, bool first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return !first && (c == '_' || c == '.' || c == '-');
}

bool volume_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n < 2 || n > VOLUME_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!name_char(name[i], i == 0))
			return false;
	return true;
}

int volume_opts_check(const json_t *opts, berth_error_t **err)
{
	static const char *const need[][3] = { { "device", "type", NULL },
					       { "type", "device", NULL },
					       { "o", "device", "type" } };
	if (!opts || json_is_null(opts))
		return 0;
	if (!json_is_object(opts))
		return berth_error_fail(err, EINVAL, "DriverOpts: want an object, got %s",
					bjson_type_name(opts));
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)opts, k, v)
	{
		if (!json_is_string(v))
			return berth_error_fail(err, EINVAL, "DriverOpts.%s: want a string", k);
		if (strcmp(k, "size") == 0)
			return berth_error_fail(err, EINVAL,
						"quota size requested but no quota support");
		if (strcmp(k, "type") != 0 && strcmp(k, "device") != 0 && strcmp(k, "o") != 0)
			return berth_error_fail(err, EINVAL, "invalid option: \"%s\"", k);
	}
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (!json_object_get(opts, need[i][0]))
			continue;
		for (size_t j = 1; j < 3 && need[i][j]; j++)
			if (!json_object_get(opts, need[i][j]))
				return berth_error_fail(err, EINVAL,
							"missing required option: \"%s\"",
							need[i][j]);
	}
	return 0;
}

/* The words of o= are mount(8)'s, the same table the runtime reads an OCI
 * mount's options with (runtime/mount-options.c): one parser for both */
int volume_mount_opts_parse(const char *o, struct volume_mount_opts *ret, berth_error_t **err)
{
	cleanup_free char *dup = xstrdup(o ? o : "");
	cleanup_free const char **words = NULL;
	size_t n = 0;
	for (char *s = dup, *next; s && *s; s = next) {
		next = strchr(s, ',');
		if (next)
			*next++ = '\0';
		words = xreallocarray(words, n + 1, sizeof(*words));
		words[n++] = s;
	}
	cleanup_mount_opts struct mount_opts mo = { 0 };
	if (mount_opts_parse_list(words, n, NULL, &mo, err) < 0)
		return berth_error_wrap(err, "volume option o='%s'", o ? o : "");
	ret->flags = mo.flags & ~mo.clear;
	ret->data = xstrdup(mo.data ? mo.data : "");
	return 0;
}

void volume_mount_opts_release(struct volume_mount_opts *o)
{
	free(o->data);
	o->data = NULL;
}

/* ---- the store --------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT)
		log_debug("remove '%s': %s, ignoring", path, strerror(errno));
	return 0;
}

/* Never crosses into a file system mounted below (a volume's own mount) */
static void rm_rf(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

static bool is_mount_point(const char *path)
{
	struct statx stx;
	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0)
		return false;
	return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
	       (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

int volume_store_open(const char *data_root, struct volume_store **ret, berth_error_t **err)
{
	cleanup_free char *root = xasprintf("%s/volumes", data_root);
	if (mkdir(root, 0701) < 0 && errno != EEXIST)
		return berth_error_set(err, errno, "mkdir '%s'", root);
	cleanup_dir DIR *dir = opendir(root);
	if (!dir)
		return berth_error_set(err, errno, "open '%s'", root);
	struct dirent *de;
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, ".new-", 5) != 0 && strncmp(de->d_name, ".rm-", 4) != 0)
			continue;
		cleanup_free char *p = xasprintf("%s/%s", root, de->d_name);
		cleanup_free char *data = xasprintf("%s/_data", p);
		if (is_mount_point(data))
			umount2(data, MNT_DETACH);
		rm_rf(p);
	}
	struct volume_store *vs = xzalloc(sizeof(*vs));
	vs->root = steal_pointer(&root);
	pthread_mutex_init(&vs->lock, NULL);
	vs->users = json_object();
	*ret = vs;
	return 0;
}

void volume_store_close(struct volume_store *vs)
{
	if (!vs)
		return;
	free(vs->root);
	json_decref(vs->users);
	pthread_mutex_destroy(&vs->lock);
	free(vs);
}

char *volume_data_path(struct volume_store *vs, const char *name)
{
	return xasprintf("%s/%s/_data", vs->root, name);
}

/* RFC 3339 in local time with seconds, as Go's time.RFC3339 */
static char *format_time(time_t t)
{
	struct tm tm;
	localtime_r(&t, &tm);
	char buf[64];
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	long off = tm.tm_gmtoff;
	if (off == 0)
		return xasprintf("%sZ", buf);
	char sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	return xasprintf("%s%c%02ld:%02ld", buf, sign, off / 3600, (off % 3600) / 60);
}

/* A map of strings, or null when empty (docker shows null for none) */
static json_t *string_map(const json_t *m)
{
	if (!json_is_object(m) || json_object_size(m) == 0)
		return json_null();
	return json_deep_copy(m);
}

/* Under vs->lock: the API shape of an existing volume, ENOENT when none */
static int get_locked(struct volume_store *vs, const char *name, json_t **ret, berth_error_t **err)
{
	cleanup_free char *dir = xasprintf("%s/%s", vs->root, name);
	struct stat st;
	if (!volume_name_valid(name))
		return berth_error_fail(err, ENOENT, "get %s: no such volume", name);
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return berth_error_fail(err, ENOENT, "get %s: no such volume", name);
	cleanup_free char *meta_path = xasprintf("%s/" META_FILE, dir);
	cleanup_json json_t *meta = NULL;
	cleanup_error berth_error_t *e = NULL;
	if (bjson_load_file(meta_path, META_MAX, META_DEPTH, &meta, &e) < 0) {
		/* a directory someone made by hand: a volume without metadata */
		log_debug("volume '%s': %s, ignoring", name, e->msg);
		meta = json_object();
	}
	const char *created = json_string_value(json_object_get(meta, "CreatedAt"));
	cleanup_free char *ctime_s = created ? NULL : format_time(st.st_ctime);
	cleanup_free char *data = volume_data_path(vs, name);
	json_t *v = json_pack("{s:s, s:s, s:o, s:s, s:s, s:o, s:s}", "CreatedAt",
			      created ? created : ctime_s, "Driver", VOLUME_DRIVER_LOCAL, "Labels",
			      string_map(json_object_get(meta, "Labels")), "Mountpoint", data,
			      "Name", name, "Options", string_map(json_object_get(meta, "Options")),
			      "Scope", "local");
	*ret = v;
	return 0;
}

int volume_get(struct volume_store *vs, const char *name, json_t **ret, berth_error_t **err)
{
	pthread_mutex_lock(&vs->lock);
	int r = get_locked(vs, name, ret, err);
	pthread_mutex_unlock(&vs->lock);
	return r;
}

static int check_string_map(const json_t *m, const char *what, berth_error_t **err)
{
	if (!m || json_is_null(m))
		return 0;
	if (!json_is_object(m))
		return berth_error_fail(err, EINVAL, "%s: want an object, got %s", what,
					bjson_type_name(m));
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)m, k, v) if (!json_is_string(v)) return berth_error_fail(
		err, EINVAL, "%s.%s: want a string", what, k);
	return 0;
}

/* Under vs->lock: make .new-<name> complete, then rename it into place */
static int create_locked(struct volume_store *vs, const char *name, const json_t *opts,
			 const json_t *labels, berth_error_t **err)
{
	cleanup_free char *tmp = xasprintf("%s/.new-%s", vs->root, name);
	cleanup_free char *data = xasprintf("%s/_data", tmp);
	cleanup_free char *final = xasprintf("%s/%s", vs->root, name);
	rm_rf(tmp);
	if (mkdir(tmp, 0701) < 0)
		return berth_error_set(err, errno, "mkdir '%s'", tmp);
	int r = 0;
	if (mkdir(data, 0755) < 0) {
		r = berth_error_set(err, errno, "mkdir '%s'", data);
	} else {
		cleanup_free char *created = format_time(time(NULL));
		cleanup_json json_t *meta =
			json_pack("{s:s, s:O, s:O, s:s}", "Driver", VOLUME_DRIVER_LOCAL, "Labels",
				  json_is_object(labels) ? labels : json_null(), "Options",
				  json_is_object(opts) ? opts : json_null(), "CreatedAt", created);
		cleanup_free char *text = bjson_dump(meta);
		cleanup_free char *mp = xasprintf("%s/" META_FILE, tmp);
		r = atomic_write_file(mp, text, strlen(text), 0600, err);
	}
	if (r >= 0 && rename(tmp, final) < 0)
		r = berth_error_set(err, errno, "rename '%s' to '%s'", tmp, final);
	if (r < 0)
		rm_rf(tmp);
	return r;
}

int volume_create(struct volume_store *vs, const char *name, const char *driver, const json_t *opts,
		  const json_t *labels, enum volume_create_flags flags, json_t **ret,
		  berth_error_t **err)
{
	char rnd[65];
	cleanup_json json_t *all_labels = NULL;
	if (!name || !*name) {
		digest_random_hex(rnd);
		name = rnd;
	}
	if (driver && *driver && strcmp(driver, VOLUME_DRIVER_LOCAL) != 0)
		return berth_error_fail(err, ENOENT,
					"create %s: error looking up volume plugin %s: plugin \"%s\" "
					"not found",
					name, driver, driver);
	if (!volume_name_valid(name))
		return berth_error_fail(
			err, EINVAL,
			"create %s: \"%s\" includes invalid characters for a local volume name, "
			"only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass "
			"a host directory, use absolute path",
			name, name);
	if (check_string_map(labels, "Labels", err) < 0 || volume_opts_check(opts, err) < 0)
		return berth_error_wrap(err, "create %s", name);
	all_labels = json_is_object(labels) ? json_deep_copy(labels) : json_object();
	if (flags & VOLUME_ANONYMOUS)
		json_object_set_new(all_labels, VOLUME_LABEL_ANONYMOUS, json_string(""));

	pthread_mutex_lock(&vs->lock);
	json_t *v = NULL;
	cleanup_error berth_error_t *e = NULL;
	int r = get_locked(vs, name, &v, &e);
	if (r < 0) /* a new volume */
		r = create_locked(vs, name, opts, all_labels, err);
	else
		r = 1;
	if (r == 0 && ret)
		r = get_locked(vs, name, &v, err);
	pthread_mutex_unlock(&vs->lock);
	if (r < 0)
		return berth_error_wrap(err, "create %s", name);
	if (ret)
		*ret = v;
	else
		json_decref(v);
	return r;
}

int volume_list(struct volume_store *vs, json_t **ret, berth_error_t **err)
{
	pthread_mutex_lock(&vs->lock);
	DIR *dir = opendir(vs->root);
	if (!dir) {
		int r = berth_error_set(err, errno, "open '%s'", vs->root);
		pthread_mutex_unlock(&vs->lock);
		return r;
	}
	json_t *out = json_array();
	struct dirent *de;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		json_t *v = NULL;
		cleanup_error berth_error_t *e = NULL;
		if (get_locked(vs, de->d_name, &v, &e) == 0)
			json_array_append_new(out, v);
	}
	closedir(dir);
	pthread_mutex_unlock(&vs->lock);
	*ret = out;
	return 0;
}

int volume_remove(struct volume_store *vs, const char *name, berth_error_t **err)
{
	pthread_mutex_lock(&vs->lock);
	json_t *v = NULL;
	int r = get_locked(vs, name, &v, err);
	json_decref(v);
	if (r == 0 && json_integer_value(json_object_get(vs->users, name)) > 0)
		r = berth_error_fail(err, EBUSY, "remove %s: volume is in use", name);
	if (r == 0) {
		cleanup_free char *dir = xasprintf("%s/%s", vs->root, name);
		cleanup_free char *gone = xasprintf("%s/.rm-%s", vs->root, name);
		cleanup_free char *data = xasprintf("%s/_data", gone);
		rm_rf(gone);
		if (rename(dir, gone) < 0) {
			r = berth_error_set(err, errno, "remove %s: rename '%s'", name, dir);
		} else {
			/* a mount left by a crash is not followed into: detach it first */
			if (is_mount_point(data) && umount2(data, MNT_DETACH) < 0)
				log_warn("volume '%s': unmount: %s, ignoring", name,
					 strerror(errno));
			rm_rf(gone);
		}
	}
	pthread_mutex_unlock(&vs->lock);
	return r;
}

static int64_t du_total;
static int du_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path;
	(void)ftw;
	if (flag == FTW_F && S_ISREG(st->st_mode))
		du_total += st->st_size;
	return 0;
}

int64_t volume_size(struct volume_store *vs, const char *name)
{
	static pthread_mutex_t du_lock = PTHREAD_MUTEX_INITIALIZER;
	cleanup_free char *data = volume_data_path(vs, name);
	pthread_mutex_lock(&du_lock); /* nftw has no user pointer: one walk at a time */
	du_total = 0;
	nftw(data, du_entry, 16, FTW_PHYS | FTW_MOUNT);
	int64_t n = du_total;
	pthread_mutex_unlock(&du_lock);
	return n;
}

/* ---- mounting ------------------------------------------------------------------ */

static int do_mount(const char *data, const json_t *opts, berth_error_t **err)
{
	const char *type = json_string_value(json_object_get(opts, "type"));
	const char *device = json_string_value(json_object_get(opts, "device"));
	const char *o = json_string_value(json_object_get(opts, "o"));
	if (!device || !*device)
		return berth_error_fail(err, EINVAL, "missing device in volume options");
	struct volume_mount_opts mo;
	if (volume_mount_opts_parse(o, &mo, err) < 0)
		return -1;
	int r = 0;
	if (mount(device, data, type, mo.flags & ~MS_REMOUNT, mo.data) < 0) {
		r = berth_error_set(err, errno,
				    "failed to mount local volume: mount %s:%s, flags: 0x%lx, "
				    "data: %s",
				    device, data, mo.flags, mo.data);
	} else if ((mo.flags & MS_BIND) && (mo.flags & MS_RDONLY)) {
		/* a bind ignores MS_RDONLY until a remount */
		if (mount(NULL, data, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0) {
			r = berth_error_set(err, errno, "failed to mount local volume: remount ro");
			umount2(data, MNT_DETACH);
		}
	}
	volume_mount_opts_release(&mo);
	return r;
}

int volume_acquire(struct volume_store *vs, const char *name, berth_error_t **err)
{
	pthread_mutex_lock(&vs->lock);
	cleanup_free char *meta_path = xasprintf("%s/%s/" META_FILE, vs->root, name);
	cleanup_free char *data = volume_data_path(vs, name);
	cleanup_json json_t *meta = NULL;
	cleanup_error berth_error_t *e = NULL;
	struct stat st;
	int r = 0;
	if (stat(data, &st) < 0) {
		r = berth_error_fail(err, ENOENT, "get %s: no such volume", name);
		goto out;
	}
	if (bjson_load_file(meta_path, META_MAX, META_DEPTH, &meta, &e) < 0)
		meta = json_object();
	json_int_t n = json_integer_value(json_object_get(vs->users, name));
	json_t *opts = json_object_get(meta, "Options");
	bool needs = json_object_get(opts, "type") || json_object_get(opts, "device");
	if (n == 0 && needs && !is_mount_point(data) && do_mount(data, opts, err) < 0) {
		r = berth_error_wrap(err, "error while mounting volume '%s'", data);
		goto out;
	}
	json_object_set_new(vs->users, name, json_integer(n + 1));
out:
	pthread_mutex_unlock(&vs->lock);
	return r;
}

void volume_release(struct volume_store *vs, const char *name)
{
	pthread_mutex_lock(&vs->lock);
	json_int_t n = json_integer_value(json_object_get(vs->users, name));
	if (n <= 1) {
		json_object_del(vs->users, name);
		cleanup_free char *data = volume_data_path(vs, name);
		if (n == 1 && is_mount_point(data) && umount2(data, MNT_DETACH) < 0)
			log_warn("volume '%s': unmount: %s, ignoring", name, strerror(errno));
	} else {
		json_object_set_new(vs->users, name, json_integer(n - 1));
	}
	pthread_mutex_unlock(&vs->lock);
}
