/* spec-mounts: spec.mounts as dockerd makes them: its default filesystems
 * (/proc, /dev, /dev/pts, /sys, cgroup, mqueue, /dev/shm of ShmSize), the
 * container's /etc/hostname, hosts and resolv.conf, then the user's Binds,
 * Mounts and Tmpfs sorted so that a parent is mounted before its children.
 * A user mount replaces the default at the same destination (and a user's
 * /dev replaces everything under /dev).  Volumes come resolved in
 * spec_input.mount_points (the container manager creates them). */
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "daemon/containers/spec-internal.h"

#include "common/banned.h"

static const char *const propagations[] = { "private", "rprivate", "shared", "rshared",
					    "slave",   "rslave",   NULL };

static const char *find_propagation(const char *s)
{
	for (const char *const *p = propagations; *p; p++)
		if (strcmp(*p, s) == 0)
			return *p;
	return NULL;
}

static bool path_clean_abs(const char *p)
{
	return p[0] == '/';
}

void spec_bind_release(struct spec_bind *b)
{
	free(b->source);
	free(b->destination);
	free(b->mode);
	b->source = b->destination = b->mode = NULL;
}

/* Modes: at most one of ro/rw, of z/Z, of the propagations, and nocopy */
static int parse_mode(const char *mode, struct spec_bind *b, berth_error_t **err)
{
	int rw = 0, label = 0, prop = 0, copy = 0;
	cleanup_free char *dup = xstrdup(mode);
	for (char *s = dup, *next; s; s = next) {
		next = strchr(s, ',');
		if (next)
			*next++ = '\0';
		const char *p;
		if (strcmp(s, "ro") == 0 || strcmp(s, "rw") == 0) {
			rw++;
			b->read_only = s[1] == 'o';
		} else if (strcmp(s, "z") == 0 || strcmp(s, "Z") == 0) {
			label++; /* SELinux relabel: no SELinux here, nothing to do */
		} else if ((p = find_propagation(s))) {
			prop++;
			b->propagation = p;
			b->propagation_set = true;
		} else if (strcmp(s, "nocopy") == 0) {
			copy++; /* volume-only: nothing to copy for a bind */
			b->nocopy = true;
		} else {
			return berth_error_fail(err, EINVAL, "invalid mode: %s", mode);
		}
	}
	if (rw > 1 || label > 1 || prop > 1 || copy > 1)
		return berth_error_fail(err, EINVAL, "invalid mode: %s", mode);
	return 0;
}

/* dockerd's linuxParser.ParseMountRaw: "/ctr" (an anonymous volume),
 * "src:/ctr" and "src:/ctr:mode"; src is a host path when absolute, else
 * a volume name.  "/ctr:ro" is refused: a volume needs a source for a mode. */
int spec_parse_bind(const char *s, struct spec_bind *ret, berth_error_t **err)
{
	struct spec_bind b = { .propagation = "rprivate" };
	const char *parts[4];
	size_t lens[4], n = 0;
	for (const char *p = s;;) {
		size_t l = strcspn(p, ":");
		if (n == 4)
			return berth_error_fail(err, EINVAL, "invalid volume specification: '%s'",
						s);
		parts[n] = p;
		lens[n++] = l;
		if (!p[l])
			break;
		p += l + 1;
	}
	for (size_t i = 0; i < n; i++)
		if (lens[i] == 0)
			return berth_error_fail(err, EINVAL, "invalid volume specification: '%s'",
						s);
	if (n > 3)
		return berth_error_fail(err, EINVAL, "invalid volume specification: '%s'", s);
	if (n == 2) {
		cleanup_free char *mode = xstrndup(parts[1], lens[1]);
		struct spec_bind scratch = { 0 };
		cleanup_error berth_error_t *e = NULL;
		if (parse_mode(mode, &scratch, &e) == 0)
			return berth_error_fail(err, EINVAL, "invalid volume specification: '%s'",
						s);
	}
	const char *src = n == 1 ? NULL : parts[0];
	size_t src_len = n == 1 ? 0 : lens[0];
	const char *dst = n == 1 ? parts[0] : parts[1];
	size_t dst_len = n == 1 ? lens[0] : lens[1];
	b.volume = !src || src[0] != '/';
	if (n == 3) {
		b.mode = xstrndup(parts[2], lens[2]);
		if (parse_mode(b.mode, &b, err) < 0) {
			free(b.mode);
			return -EINVAL;
		}
	}
	if (dst[0] != '/') {
		berth_error_fail(err, EINVAL,
				 "invalid volume specification: '%s': invalid mount config for "
				 "type \"%s\": invalid mount path: '%.*s' mount path must be "
				 "absolute",
				 s, b.volume ? "volume" : "bind", (int)dst_len, dst);
		free(b.mode);
		return -EINVAL;
	}
	if (strspn(dst, "/") >= dst_len) {
		free(b.mode);
		return berth_error_fail(err, EINVAL,
					"invalid specification: destination can't be '/'");
	}
	b.source = src ? xstrndup(src, src_len) : NULL;
	b.destination = xstrndup(dst, dst_len);
	*ret = b;
	return 0;
}

/* Destinations compare without trailing slashes */
static char *clean_dest(const char *d)
{
	size_t l = strlen(d);
	while (l > 1 && d[l - 1] == '/')
		l--;
	return xstrndup(d, l);
}

static int add_dest(json_t *seen, const char *dest, berth_error_t **err)
{
	cleanup_free char *c = clean_dest(dest);
	if (json_object_get(seen, c))
		return berth_error_fail(err, EINVAL, "Duplicate mount point: %s", c);
	json_object_set_new(seen, c, json_true());
	return 0;
}

static int check_mount_obj(const json_t *m, size_t i, const char **ret_target, berth_error_t **err)
{
	cleanup_free char *path = bjson_path_index("HostConfig.Mounts", i);
	const char *type = NULL, *source = NULL, *target = NULL;
	if (bjson_get_string(m, path, "Type", BJSON_REQUIRED, &type, err) < 0 ||
	    bjson_get_string(m, path, "Source", BJSON_ALLOW_NULL, &source, err) < 0 ||
	    bjson_get_string(m, path, "Target", BJSON_REQUIRED, &target, err) < 0)
		return -EINVAL;
	if (!path_clean_abs(target))
		return berth_error_fail(err, EINVAL,
					"invalid mount config for type \"%s\": invalid mount path: "
					"'%s' mount path must be absolute",
					type, target);
	if (strcmp(type, "bind") == 0) {
		if (!source || !*source)
			return berth_error_fail(
				err, EINVAL,
				"invalid mount config for type \"bind\": field Source "
				"must not be empty");
		if (source[0] != '/')
			return berth_error_fail(err, EINVAL,
						"invalid mount config for type \"bind\": invalid "
						"mount path: '%s' mount path must be absolute",
						source);
		json_t *bo = json_object_get(m, "BindOptions");
		const char *prop = NULL;
		if (bo && !json_is_null(bo)) {
			cleanup_free char *bp = bjson_path_key(path, "BindOptions");
			if (bjson_get_string(bo, bp, "Propagation", BJSON_ALLOW_NULL, &prop, err) <
			    0)
				return -EINVAL;
			if (prop && *prop && !find_propagation(prop))
				return berth_error_fail(err, EINVAL, "invalid propagation mode: %s",
							prop);
		}
	} else if (strcmp(type, "tmpfs") == 0) {
		if (source && *source)
			return berth_error_fail(
				err, EINVAL,
				"invalid mount config for type \"tmpfs\": field Source "
				"must not be specified");
		json_t *to = json_object_get(m, "TmpfsOptions");
		if (to && !json_is_null(to)) {
			cleanup_free char *tp = bjson_path_key(path, "TmpfsOptions");
			int64_t size = 0, mode = 0;
			if (bjson_get_int64(to, tp, "SizeBytes", BJSON_ALLOW_NULL, &size, err) <
				    0 ||
			    bjson_get_int_range(to, tp, "Mode", BJSON_ALLOW_NULL, 0, 07777, &mode,
						err) < 0)
				return -EINVAL;
			if (size < 0)
				return berth_error_fail(err, EINVAL,
							"invalid mount config for type \"tmpfs\": "
							"invalid tmpfs size %lld",
							(long long)size);
		}
	} else if (strcmp(type, "volume") == 0) {
		json_t *bo = json_object_get(m, "BindOptions");
		if (bo && !json_is_null(bo))
			return berth_error_fail(err, EINVAL,
						"invalid mount config for type \"volume\": field "
						"BindOptions must not be specified");
		if ((!source || !*source) && json_is_true(json_object_get(m, "ReadOnly")))
			return berth_error_fail(err, EINVAL,
						"invalid mount config for type \"volume\": must not "
						"set ReadOnly mode when using anonymous volumes");
	} else {
		return berth_error_fail(err, EINVAL, "mount type unknown: \"%s\"", type);
	}
	*ret_target = target;
	return 0;
}

int spec_check_mounts(const json_t *hc, berth_error_t **err)
{
	cleanup_json json_t *seen = json_object();
	json_t *binds, *mounts = json_object_get(hc, "Mounts"),
		       *tmpfs = json_object_get(hc, "Tmpfs");
	if (spec_hc_strings(hc, "Binds", &binds, err) < 0)
		return -EINVAL;
	size_t i;
	json_t *e;
	json_array_foreach(binds, i, e)
	{
		struct spec_bind b;
		if (spec_parse_bind(json_string_value(e), &b, err) < 0)
			return spec_err_code(err);
		int r = add_dest(seen, b.destination, err);
		spec_bind_release(&b);
		if (r < 0)
			return r;
	}
	if (mounts && !json_is_null(mounts) && !json_is_array(mounts))
		return berth_error_fail(err, EINVAL, "HostConfig.Mounts: want an array, got %s",
					bjson_type_name(mounts));
	json_array_foreach(mounts, i, e)
	{
		const char *target = NULL;
		if (check_mount_obj(e, i, &target, err) < 0 || add_dest(seen, target, err) < 0)
			return spec_err_code(err);
	}
	if (tmpfs && !json_is_null(tmpfs) && !json_is_object(tmpfs))
		return berth_error_fail(err, EINVAL, "HostConfig.Tmpfs: want an object, got %s",
					bjson_type_name(tmpfs));
	const char *dest;
	json_object_foreach(tmpfs, dest, e)
	{
		if (!json_is_string(e))
			return berth_error_fail(err, EINVAL, "HostConfig.Tmpfs.%s: want a string",
						dest);
		if (!path_clean_abs(dest))
			return berth_error_fail(err, EINVAL,
						"invalid mount config for type \"tmpfs\": invalid "
						"mount path: '%s' mount path must be absolute",
						dest);
		if (add_dest(seen, dest, err) < 0)
			return -EINVAL;
	}
	return 0;
}

/* ---- building ---------------------------------------------------------- */

static json_t *mount_json(const char *dest, const char *type, const char *source, const char *opts)
{
	json_t *m =
		json_pack("{s:s, s:s, s:s}", "destination", dest, "type", type, "source", source);
	json_t *o = json_array();
	for (const char *s = opts; *s;) {
		size_t n = strcspn(s, ",");
		if (n)
			json_array_append_new(o, json_stringn(s, n));
		s += n;
		s += strspn(s, ",");
	}
	json_object_set_new(m, "options", o);
	return m;
}

/* Tmpfs options: docker's noexec,nosuid,nodev,rprivate, then the user's;
 * a later flag of a pair (exec/noexec...) wins, as MergeTmpfsOptions */
static char *tmpfs_options(const char *data)
{
	static const char *const pairs[][2] = { { "exec", "noexec" },
						{ "suid", "nosuid" },
						{ "dev", "nodev" },
						{ "rw", "ro" },
						{ "atime", "noatime" } };
	bool set[5] = { true, true, true, false, false }; /* second of each pair present */
	bool given[5] = { true, true, true, false, false };
	struct strbuf rest;
	strbuf_init(&rest, 64);
	cleanup_free char *dup = xstrdup(data ? data : "");
	for (char *s = dup, *next; s && *s; s = next) {
		next = strchr(s, ',');
		if (next)
			*next++ = '\0';
		bool pair = false;
		for (size_t i = 0; i < 5; i++) {
			for (int k = 0; k < 2; k++)
				if (strcmp(s, pairs[i][k]) == 0) {
					set[i] = k == 1;
					given[i] = true;
					pair = true;
				}
		}
		if (!pair && *s)
			strbuf_addf(&rest, ",%s", s);
	}
	struct strbuf sb;
	strbuf_init(&sb, 64);
	for (size_t i = 0; i < 5; i++)
		if (given[i])
			strbuf_addf(&sb, "%s%s", sb.len ? "," : "", pairs[i][set[i] ? 1 : 0]);
	strbuf_addstr(&sb, ",rprivate");
	strbuf_add(&sb, rest.buf, rest.len);
	strbuf_release(&rest);
	return strbuf_detach(&sb, NULL);
}

static json_t *tmpfs_mount(const char *dest, const char *data)
{
	cleanup_free char *o = tmpfs_options(data);
	return mount_json(dest, "tmpfs", "tmpfs", o);
}

/* mkdir -p for a missing Binds source, as docker does (Mounts refuse) */
static int ensure_dir(const char *path, berth_error_t **err)
{
	struct stat st;
	if (stat(path, &st) == 0)
		return 0;
	cleanup_free char *p = xstrdup(path);
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return berth_error_set(err, errno, "create bind source '%s'", p);
		*s = c;
		if (!c)
			break;
	}
	return 0;
}

/* The volumes of the container's mount points (Binds and Mounts of type
 * volume, the image's VOLUMEs) and what --volumes-from brings; the
 * manager resolved their host paths at create */
static void volume_mounts(const json_t *mount_points, json_t *out)
{
	size_t i;
	json_t *mp;
	json_array_foreach(mount_points, i, mp)
	{
		const char *type = json_string_value(json_object_get(mp, "Type"));
		const char *origin = json_string_value(json_object_get(mp, "Origin"));
		const char *src = json_string_value(json_object_get(mp, "Source"));
		const char *dst = json_string_value(json_object_get(mp, "Destination"));
		const char *prop = json_string_value(json_object_get(mp, "Propagation"));
		bool rw = json_is_true(json_object_get(mp, "RW"));
		if (!type || !src || !dst || !*src)
			continue;
		bool from = origin && strcmp(origin, "volumes-from") == 0;
		if (strcmp(type, "volume") != 0 && !(from && strcmp(type, "bind") == 0))
			continue;
		cleanup_free char *o =
			xasprintf("rbind,%s%s", prop && *prop ? prop : "rprivate", rw ? "" : ",ro");
		json_array_append_new(out, mount_json(dst, "bind", src, o));
	}
}

static int user_mounts(const json_t *hc, const json_t *mount_points, json_t *out,
		       berth_error_t **err)
{
	json_t *binds, *e;
	size_t i;
	if (spec_hc_strings(hc, "Binds", &binds, err) < 0)
		return -EINVAL;
	json_array_foreach(binds, i, e)
	{
		struct spec_bind b;
		if (spec_parse_bind(json_string_value(e), &b, err) < 0)
			return spec_err_code(err);
		if (b.volume) { /* bound from in->mount_points below */
			spec_bind_release(&b);
			continue;
		}
		if (ensure_dir(b.source, err) < 0) {
			spec_bind_release(&b);
			return -1;
		}
		cleanup_free char *o =
			xasprintf("rbind,%s%s", b.propagation, b.read_only ? ",ro" : "");
		json_array_append_new(out, mount_json(b.destination, "bind", b.source, o));
		spec_bind_release(&b);
	}
	json_array_foreach(json_object_get(hc, "Mounts"), i, e)
	{
		const char *type = json_string_value(json_object_get(e, "Type"));
		const char *target = json_string_value(json_object_get(e, "Target"));
		const char *source = json_string_value(json_object_get(e, "Source"));
		bool ro = json_is_true(json_object_get(e, "ReadOnly"));
		if (!type || !target)
			continue; /* spec_check_mounts refused these */
		if (strcmp(type, "bind") == 0) {
			struct stat st;
			if (stat(source, &st) < 0)
				return berth_error_fail(
					err, EINVAL,
					"invalid mount config for type \"bind\": bind "
					"source path does not exist: %s",
					source);
			json_t *bo = json_object_get(e, "BindOptions");
			const char *prop = json_string_value(json_object_get(bo, "Propagation"));
			bool nonrec = json_is_true(json_object_get(bo, "NonRecursive"));
			cleanup_free char *o = xasprintf("%s,%s%s", nonrec ? "bind" : "rbind",
							 prop && *prop ? prop : "rprivate",
							 ro ? ",ro" : "");
			json_array_append_new(out, mount_json(target, "bind", source, o));
		} else if (strcmp(type, "tmpfs") == 0) {
			json_t *to = json_object_get(e, "TmpfsOptions");
			json_int_t size = json_integer_value(json_object_get(to, "SizeBytes"));
			json_int_t mode = json_integer_value(json_object_get(to, "Mode"));
			struct strbuf sb;
			strbuf_init(&sb, 32);
			if (ro)
				strbuf_addstr(&sb, "ro");
			if (size > 0)
				strbuf_addf(&sb, "%ssize=%lldk", sb.len ? "," : "",
					    (long long)((size + 1023) / 1024));
			if (mode > 0)
				strbuf_addf(&sb, "%smode=%llo", sb.len ? "," : "",
					    (unsigned long long)mode);
			json_array_append_new(out, tmpfs_mount(target, sb.buf));
			strbuf_release(&sb);
		}
	}
	const char *dest;
	json_object_foreach(json_object_get(hc, "Tmpfs"), dest, e)
		json_array_append_new(out, tmpfs_mount(dest, json_string_value(e)));
	volume_mounts(mount_points, out);
	return 0;
}

static size_t depth(const char *p)
{
	size_t n = 0;
	for (; *p; p++)
		n += *p == '/';
	return n;
}

static int by_depth(const void *a, const void *b)
{
	const char *da = json_string_value(json_object_get(*(json_t *const *)a, "destination"));
	const char *db = json_string_value(json_object_get(*(json_t *const *)b, "destination"));
	size_t x = depth(da), y = depth(db);
	return x < y ? -1 : x > y;
}

/* Sorted by the number of path components (parents first), stable */
static void sort_mounts(json_t *ms)
{
	size_t n = json_array_size(ms);
	if (n < 2)
		return;
	json_t **v = xcalloc(n, sizeof(json_t *));
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(ms, i));
	/* insertion sort keeps equal depths in the user's order */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && by_depth(&v[j - 1], &v[j]) > 0; j--) {
			json_t *t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	json_array_clear(ms);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(ms, v[i]);
	free(v);
}

static bool covered(const json_t *user, const char *dest)
{
	size_t i;
	json_t *m;
	json_array_foreach(user, i, m)
	{
		cleanup_free char *d =
			clean_dest(json_string_value(json_object_get(m, "destination")));
		if (strcmp(d, dest) == 0)
			return true;
		if (strcmp(d, "/dev") == 0 && strncmp(dest, "/dev/", 5) == 0)
			return true;
	}
	return false;
}

static int default_mounts(json_t *out, const json_t *hc, bool privileged, berth_error_t **err)
{
	int64_t shm = 0;
	const char *ipc = NULL;
	if (spec_hc_int64(hc, "ShmSize", &shm, err) < 0 ||
	    spec_hc_string(hc, "IpcMode", &ipc, err) < 0)
		return -EINVAL;
	if (shm <= 0)
		shm = SPEC_DEFAULT_SHM_SIZE;
	json_array_append_new(out, mount_json("/proc", "proc", "proc", "nosuid,noexec,nodev"));
	json_array_append_new(out, mount_json("/dev", "tmpfs", "tmpfs",
					      "nosuid,strictatime,mode=755,size=65536k"));
	json_array_append_new(out, mount_json("/dev/pts", "devpts", "devpts",
					      "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,"
					      "gid=5"));
	json_array_append_new(out, mount_json("/sys", "sysfs", "sysfs",
					      privileged ? "nosuid,noexec,nodev,rw" :
							   "nosuid,noexec,nodev,ro"));
	json_array_append_new(out, mount_json("/sys/fs/cgroup", "cgroup", "cgroup",
					      privileged ? "nosuid,noexec,nodev,relatime,rw" :
							   "nosuid,noexec,nodev,relatime,ro"));
	json_array_append_new(out,
			      mount_json("/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev"));
	if (ipc && strcmp(ipc, "host") == 0) {
		json_array_append_new(out,
				      mount_json("/dev/shm", "bind", "/dev/shm", "rbind,rprivate"));
	} else if (!ipc || strcmp(ipc, "none") != 0) {
		cleanup_free char *o = xasprintf("nosuid,noexec,nodev,mode=1777,size=%lldk",
						 (long long)((shm + 1023) / 1024));
		json_array_append_new(out, mount_json("/dev/shm", "tmpfs", "shm", o));
	}
	return 0;
}

static void etc_mounts(json_t *out, const char *dir, bool readonly_rootfs)
{
	static const char *const files[] = { "resolv.conf", "hostname", "hosts", NULL };
	for (const char *const *f = files; *f; f++) {
		cleanup_free char *src = xasprintf("%s/%s", dir, *f);
		cleanup_free char *dst = xasprintf("/etc/%s", *f);
		json_array_append_new(out, mount_json(dst, "bind", src,
						      readonly_rootfs ? "rbind,rprivate,ro" :
									"rbind,rprivate"));
	}
}

int spec_add_mounts(json_t *spec, const struct spec_input *in, bool privileged,
		    bool readonly_rootfs, berth_error_t **err)
{
	const json_t *hc = in->host_config;
	cleanup_json json_t *user = json_array();
	cleanup_json json_t *defaults = json_array();
	if (default_mounts(defaults, hc, privileged, err) < 0)
		return -EINVAL;
	if (in->container_dir)
		etc_mounts(defaults, in->container_dir, readonly_rootfs);
	if (user_mounts(hc, in->mount_points, user, err) < 0)
		return spec_err_code(err);
	sort_mounts(user);
	json_t *out = json_array();
	size_t i;
	json_t *m;
	json_array_foreach(defaults, i, m)
	{
		const char *d = json_string_value(json_object_get(m, "destination"));
		if (!covered(user, d))
			json_array_append(out, m);
	}
	json_array_extend(out, user);
	bool init = false;
	if (spec_hc_bool(hc, "Init", &init, err) < 0) {
		json_decref(out);
		return -EINVAL;
	}
	if (init && in->init_path)
		json_array_append_new(out, mount_json("/sbin/docker-init", "bind", in->init_path,
						      "bind,ro"));
	json_object_set_new(spec, "mounts", out);
	return 0;
}
