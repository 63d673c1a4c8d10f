/* spec-devices: which device nodes a container sees and may use.  Not
 * privileged: the runtime's default nodes (null, zero, full, random,
 * urandom, tty, console, ptmx), HostConfig.Devices, and a device cgroup
 * that denies everything else (docker's list).  Privileged: every device
 * node of the host's /dev, all allowed. */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "daemon/containers/spec-internal.h"

#include "common/banned.h"

#define MAX_HOST_DEVICES 4096

static json_t *rule(bool allow, const char *type, long maj, long min, const char *access)
{
	json_t *r = json_pack("{s:b}", "allow", allow);
	if (type)
		json_object_set_new(r, "type", json_string(type));
	if (maj >= 0)
		json_object_set_new(r, "major", json_integer(maj));
	if (min >= 0)
		json_object_set_new(r, "minor", json_integer(min));
	json_object_set_new(r, "access", json_string(access));
	return r;
}

/* Docker's defaults (oci/defaults.go) and what runc allows implicitly for
 * the nodes it creates, written out so that any runtime gives the same.
 * Docker's extra "deny c 10:229" (fuse) is left out: after the deny-all it
 * changes nothing, and after the c *:* m wildcard runc's cgroup v1 code
 * refuses it ("cannot punch hole in existing wildcard rule") */
static void default_rules(json_t *rules)
{
	static const struct {
		bool allow;
		const char *type;
		long maj, min;
		const char *access;
	} d[] = {
		{ false, NULL, -1, -1, "rwm" }, /* everything else */
		{ true, "c", -1, -1, "m" },     /* mknod of any char device */
		{ true, "b", -1, -1, "m" },     /* mknod of any block device */
		{ true, "c", 1, 3, "rwm" },     /* null */
		{ true, "c", 1, 5, "rwm" },     /* zero */
		{ true, "c", 1, 7, "rwm" },     /* full */
		{ true, "c", 1, 8, "rwm" },     /* random */
		{ true, "c", 1, 9, "rwm" },     /* urandom */
		{ true, "c", 5, 0, "rwm" },     /* tty */
		{ true, "c", 5, 1, "rwm" },     /* console */
		{ true, "c", 5, 2, "rwm" },     /* ptmx */
		{ true, "c", 136, -1, "rwm" },  /* pts */
		{ true, "c", 10, 200, "rwm" },  /* tun */
	};
	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++)
		json_array_append_new(rules,
				      rule(d[i].allow, d[i].type, d[i].maj, d[i].min, d[i].access));
}

static json_t *device_json(const char *path, const struct stat *st)
{
	return json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "path", path, "type",
			 S_ISBLK(st->st_mode) ? "b" : "c", "major", (json_int_t)major(st->st_rdev),
			 "minor", (json_int_t)minor(st->st_rdev), "fileMode",
			 (json_int_t)(st->st_mode & 07777), "uid", (json_int_t)st->st_uid, "gid",
			 (json_int_t)st->st_gid);
}

static bool valid_access(const char *a)
{
	if (!*a || strlen(a) > 3)
		return false;
	for (; *a; a++)
		if (*a != 'r' && *a != 'w' && *a != 'm')
			return false;
	return true;
}

/* "c 1:3 rwm", "a *:* m", "b 8:* r" */
static int parse_cgroup_rule(const char *s, json_t **ret, berth_error_t **err)
{
	char type;
	char maj[16], min[16], access[8];
	int n = 0;
	if (sscanf(s, "%c %15[0-9*]:%15[0-9*] %7s%n", &type, maj, min, access, &n) != 4 ||
	    s[n] != '\0' || (type != 'a' && type != 'b' && type != 'c') || !valid_access(access) ||
	    (strchr(maj, '*') && strcmp(maj, "*") != 0) ||
	    (strchr(min, '*') && strcmp(min, "*") != 0))
		return berth_error_fail(err, EINVAL, "invalid device cgroup rule format: '%s'", s);
	char t[2] = { type, 0 };
	*ret = rule(true, t, strcmp(maj, "*") ? strtol(maj, NULL, 10) : -1,
		    strcmp(min, "*") ? strtol(min, NULL, 10) : -1, access);
	return 0;
}

static int user_device(const json_t *d, size_t i, json_t *devices, json_t *rules,
		       berth_error_t **err)
{
	cleanup_free char *where = xasprintf("HostConfig.Devices[%zu]", i);
	const char *host = NULL, *ctr = NULL, *perms = "rwm";
	if (bjson_get_string(d, where, "PathOnHost", BJSON_REQUIRED, &host, err) < 0 ||
	    bjson_get_string(d, where, "PathInContainer", BJSON_ALLOW_NULL, &ctr, err) < 0 ||
	    bjson_get_string(d, where, "CgroupPermissions", BJSON_ALLOW_NULL, &perms, err) < 0)
		return -EINVAL;
	if (!ctr || !*ctr)
		ctr = host;
	if (!*perms)
		perms = "rwm";
	if (!valid_access(perms))
		return berth_error_fail(err, EINVAL, "%s: invalid CgroupPermissions '%s'", where,
					perms);
	if (ctr[0] != '/')
		return berth_error_fail(err, EINVAL, "%s: '%s' is not an absolute path", where,
					ctr);
	struct stat st;
	if (stat(host, &st) < 0)
		return berth_error_set(err, errno,
				       "error gathering device information while adding "
				       "custom device \"%s\"",
				       host);
	if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
		return berth_error_fail(err, ENOTSUP,
					"%s: '%s' is not a device node (directories of devices are "
					"not supported yet)",
					where, host);
	if (devices)
		json_array_append_new(devices, device_json(ctr, &st));
	if (rules)
		json_array_append_new(rules, rule(true, S_ISBLK(st.st_mode) ? "b" : "c",
						  (long)major(st.st_rdev), (long)minor(st.st_rdev),
						  perms));
	return 0;
}

int spec_check_devices(const json_t *hc, berth_error_t **err)
{
	json_t *devs = json_object_get(hc, "Devices");
	json_t *rules;
	if (devs && !json_is_null(devs) && !json_is_array(devs))
		return berth_error_fail(err, EINVAL, "HostConfig.Devices: want an array");
	if (spec_hc_strings(hc, "DeviceCgroupRules", &rules, err) < 0)
		return -EINVAL;
	size_t i;
	json_t *e;
	json_array_foreach(devs, i,
			   e) if (user_device(e, i, NULL, NULL, err) < 0) return spec_err_code(err);
	json_array_foreach(rules, i, e)
	{
		json_t *r;
		if (parse_cgroup_rule(json_string_value(e), &r, err) < 0)
			return -EINVAL;
		json_decref(r);
	}
	return 0;
}

/* The nodes the runtime makes itself; listing them again would clash */
static bool runtime_default(const char *path)
{
	static const char *const d[] = { "/dev/null",    "/dev/zero",    "/dev/full",
					 "/dev/random",  "/dev/urandom", "/dev/tty",
					 "/dev/console", "/dev/ptmx",    NULL };
	for (const char *const *p = d; *p; p++)
		if (strcmp(*p, path) == 0)
			return true;
	return false;
}

/* Walk the host's /dev as runc's HostDevices: skip the pseudo filesystems
 * the container mounts itself */
static void host_devices(const char *dir, json_t *out, int depth)
{
	static const char *const skip[] = { "pts",  "shm",         "fd",    "mqueue",
					    ".lxc", ".lxd-mounts", ".udev", NULL };
	cleanup_dir DIR *d = opendir(dir);
	if (!d || depth > 8)
		return;
	struct dirent *e;
	while ((e = readdir(d)) && json_array_size(out) < MAX_HOST_DEVICES) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		cleanup_free char *p = xasprintf("%s/%s", dir, e->d_name);
		struct stat st;
		if (lstat(p, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			bool skipped = false;
			for (const char *const *s = skip; *s; s++)
				skipped |= depth == 0 && strcmp(*s, e->d_name) == 0;
			if (!skipped)
				host_devices(p, out, depth + 1);
			continue;
		}
		if ((!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)) || runtime_default(p))
			continue;
		json_array_append_new(out, device_json(p, &st));
	}
}

int spec_add_devices(json_t *spec, const json_t *hc, bool privileged, berth_error_t **err)
{
	json_t *linux_ = json_object_get(spec, "linux");
	json_t *res = json_object_get(linux_, "resources");
	json_t *devices = json_array();
	json_t *rules = json_array();
	json_object_set_new(linux_, "devices", devices);
	json_object_set_new(res, "devices", rules);
	if (privileged) {
		host_devices("/dev", devices, 0);
		json_array_append_new(rules, rule(true, NULL, -1, -1, "rwm"));
	} else {
		default_rules(rules);
	}
	json_t *devs = json_object_get(hc, "Devices"), *crules, *e;
	if (spec_hc_strings(hc, "DeviceCgroupRules", &crules, err) < 0)
		return -EINVAL;
	size_t i;
	json_array_foreach(devs, i, e) if (user_device(e, i, devices, privileged ? NULL : rules,
						       err) < 0) return spec_err_code(err);
	if (privileged)
		return 0;
	json_array_foreach(crules, i, e)
	{
		json_t *r;
		if (parse_cgroup_rule(json_string_value(e), &r, err) < 0)
			return -EINVAL;
		json_array_append_new(rules, r);
	}
	return 0;
}
