/* default-spec: the config.json that `runc spec` writes (runc's
 * libcontainer/specconv Example and ToRootless), so that `berth-runtime
 * spec` gives users and scripts exactly what they know.  The rootless
 * variant maps the caller's euid/egid to root, drops the network namespace
 * and cgroup limits, and bind-mounts /sys, which a user namespace cannot
 * mount as sysfs without a network namespace of its own. */
#include <string.h>
#include <unistd.h>

#include "oci/config-internal.h"

#include "common/banned.h"

static json_t *strv(const char *const *v)
{
	json_t *a = json_array();
	for (; *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

static json_t *process(void)
{
	static const char *const args[] = { "sh", NULL };
	static const char *const env[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm",
		NULL
	};
	static const char *const caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
					    NULL };
	return json_pack("{s:b, s:{s:i, s:i}, s:o, s:o, s:s, s:{s:o, s:o, s:o}, "
			 "s:[{s:s, s:i, s:i}], s:b}",
			 "terminal", 1, "user", "uid", 0, "gid", 0, "args", strv(args), "env",
			 strv(env), "cwd", "/", "capabilities", "bounding", strv(caps), "effective",
			 strv(caps), "permitted", strv(caps), "rlimits", "type", "RLIMIT_NOFILE",
			 "hard", 1024, "soft", 1024, "noNewPrivileges", 1);
}

static json_t *mount(const char *dest, const char *type, const char *source,
		     const char *const *options)
{
	json_t *m =
		json_pack("{s:s, s:s, s:s}", "destination", dest, "type", type, "source", source);
	if (options)
		json_object_set_new(m, "options", strv(options));
	return m;
}

/* Rootless: no uid=/gid= options, since those ids may not be mapped */
static json_t *mounts(bool rootless)
{
	static const char *const dev[] = { "nosuid", "strictatime", "mode=755", "size=65536k",
					   NULL };
	static const char *const pts[] = { "nosuid",    "noexec", "newinstance", "ptmxmode=0666",
					   "mode=0620", "gid=5",  NULL };
	static const char *const pts_rootless[] = { "nosuid",        "noexec",    "newinstance",
						    "ptmxmode=0666", "mode=0620", NULL };
	static const char *const shm[] = { "nosuid",    "noexec",      "nodev",
					   "mode=1777", "size=65536k", NULL };
	static const char *const mqueue[] = { "nosuid", "noexec", "nodev", NULL };
	static const char *const sys[] = { "nosuid", "noexec", "nodev", "ro", NULL };
	static const char *const sys_rootless[] = {
		"rbind", "nosuid", "noexec", "nodev", "ro", NULL
	};
	static const char *const cgroup[] = { "nosuid", "noexec", "nodev", "relatime", "ro", NULL };
	json_t *a = json_array();
	json_array_append_new(a, mount("/proc", "proc", "proc", NULL));
	json_array_append_new(a, mount("/dev", "tmpfs", "tmpfs", dev));
	json_array_append_new(a,
			      mount("/dev/pts", "devpts", "devpts", rootless ? pts_rootless : pts));
	json_array_append_new(a, mount("/dev/shm", "tmpfs", "shm", shm));
	json_array_append_new(a, mount("/dev/mqueue", "mqueue", "mqueue", mqueue));
	if (rootless)
		json_array_append_new(a, mount("/sys", "none", "/sys", sys_rootless));
	else
		json_array_append_new(a, mount("/sys", "sysfs", "sysfs", sys));
	json_array_append_new(a, mount("/sys/fs/cgroup", "cgroup", "cgroup", cgroup));
	return a;
}

static json_t *namespaces(bool rootless)
{
	static const char *const full[] = {
		"pid", "network", "ipc", "uts", "mount", "cgroup", NULL
	};
	static const char *const user[] = { "pid", "ipc", "uts", "mount", "cgroup", "user", NULL };
	json_t *a = json_array();
	for (const char *const *t = rootless ? user : full; *t; t++)
		json_array_append_new(a, json_pack("{s:s}", "type", *t));
	return a;
}

static json_t *linux_section(bool rootless)
{
	static const char *const masked[] = {
		"/proc/acpi",
		"/proc/asound",
		"/proc/kcore",
		"/proc/keys",
		"/proc/latency_stats",
		"/proc/timer_list",
		"/proc/timer_stats",
		"/proc/sched_debug",
		"/sys/firmware",
		"/proc/scsi",
		"/sys/devices/virtual/tpm",
		NULL,
	};
	static const char *const readonly[] = { "/proc/bus",           "/proc/fs",
						"/proc/irq",           "/proc/sys",
						"/proc/sysrq-trigger", NULL };
	json_t *l = json_pack("{s:o, s:o, s:o}", "maskedPaths", strv(masked), "readonlyPaths",
			      strv(readonly), "namespaces", namespaces(rootless));
	if (rootless) {
		/* id_t is unsigned and fits in a json_int_t */
		json_object_set_new(l, "uidMappings",
				    json_pack("[{s:I, s:I, s:i}]", "containerID", (json_int_t)0,
					      "hostID", (json_int_t)geteuid(), "size", 1));
		json_object_set_new(l, "gidMappings",
				    json_pack("[{s:I, s:I, s:i}]", "containerID", (json_int_t)0,
					      "hostID", (json_int_t)getegid(), "size", 1));
	} else {
		json_object_set_new(l, "resources",
				    json_pack("{s:[{s:b, s:s}]}", "devices", "allow", 0, "access",
					      "rwm"));
	}
	return l;
}

json_t *oci_config_default_spec(bool rootless)
{
	/* runc's key order, so that the files diff cleanly against runc's */
	json_t *spec = json_pack("{s:s, s:o, s:{s:s, s:b}, s:s}", "ociVersion", OCI_SPEC_VERSION,
				 "process", process(), "root", "path", "rootfs", "readonly", 1,
				 "hostname", "runc");
	json_object_set_new(spec, "mounts", mounts(rootless));
	json_object_set_new(spec, "linux", linux_section(rootless));
	return spec;
}
