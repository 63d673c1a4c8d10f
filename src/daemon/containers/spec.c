/* spec: spec_build, the OCI config.json of a docker container, in the
 * order dockerd's createSpec applies its options: process (args, env,
 * user, cwd, terminal), root, hostname, namespaces from the *Mode fields,
 * cgroupsPath, then the concerns of the other spec-*.c files (mounts,
 * resources and devices, rlimits, sysctls, security).  Everything is
 * validated again here: spec_build never trusts that the create handler
 * ran spec_check_host_config. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "common/rootfs-path.h"
#include "daemon/containers/spec-internal.h"

#include "common/banned.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* ---- HostConfig getters ------------------------------------------------ */

int spec_hc_string(const json_t *hc, const char *key, const char **ret, berth_error_t **err)
{
	if (!hc)
		return 0;
	return bjson_get_string(hc, "HostConfig", key, BJSON_ALLOW_NULL, ret, err);
}

int spec_hc_bool(const json_t *hc, const char *key, bool *ret, berth_error_t **err)
{
	if (!hc)
		return 0;
	return bjson_get_bool(hc, "HostConfig", key, BJSON_ALLOW_NULL, ret, err);
}

int spec_hc_int64(const json_t *hc, const char *key, int64_t *ret, berth_error_t **err)
{
	if (!hc)
		return 0;
	return bjson_get_int64(hc, "HostConfig", key, BJSON_ALLOW_NULL, ret, err);
}

int spec_hc_strings(const json_t *hc, const char *key, json_t **ret, berth_error_t **err)
{
	*ret = NULL;
	json_t *v = hc ? json_object_get(hc, key) : NULL;
	if (!v || json_is_null(v))
		return 0;
	cleanup_free char *path = bjson_path_key("HostConfig", key);
	if (!json_is_array(v))
		return berth_error_fail(err, EINVAL, "%s: want an array of strings, got %s", path,
					bjson_type_name(v));
	if (spec_check_strslice(v, path, err) < 0)
		return -EINVAL;
	*ret = v;
	return 0;
}

bool spec_network_is_host(const json_t *hc)
{
	const char *n = json_string_value(json_object_get(hc, "NetworkMode"));
	return n && strcmp(n, "host") == 0;
}

/* ---- process ------------------------------------------------------------ */

/* Entrypoint + Cmd; a lone "" entrypoint (`--entrypoint ""`) is none */
static int build_args(const json_t *cfg, const json_t *hc, const char *init_path, json_t **ret,
		      berth_error_t **err)
{
	cleanup_json json_t *ep = spec_strslice(json_object_get(cfg, "Entrypoint"));
	cleanup_json json_t *cmd = spec_strslice(json_object_get(cfg, "Cmd"));
	json_t *args = json_array();
	bool init = false;
	if (spec_hc_bool(hc, "Init", &init, err) < 0) {
		json_decref(args);
		return -EINVAL;
	}
	if (init) {
		if (!init_path) {
			json_decref(args);
			return berth_error_fail(
				err, ENOTSUP,
				"HostConfig.Init: no docker-init binary is configured "
				"(berthd's init-path, e.g. /usr/bin/tini-static)");
		}
		json_array_append_new(args, json_string("/sbin/docker-init"));
		json_array_append_new(args, json_string("--"));
	}
	size_t base = json_array_size(args);
	if (ep && !(json_array_size(ep) == 1 && json_string_length(json_array_get(ep, 0)) == 0))
		json_array_extend(args, ep);
	if (cmd)
		json_array_extend(args, cmd);
	if (json_array_size(args) == base) {
		json_decref(args);
		return berth_error_fail(err, EINVAL, "no command specified");
	}
	*ret = args;
	return 0;
}

static void env_set(json_t *env, const char *entry)
{
	size_t kl = strcspn(entry, "=");
	size_t i;
	json_t *e;
	json_array_foreach(env, i, e)
	{
		const char *s = json_string_value(e);
		if (strncmp(s, entry, kl) == 0 && (s[kl] == '=' || s[kl] == '\0')) {
			json_array_set_new(env, i, json_string(entry));
			return;
		}
	}
	json_array_append_new(env, json_string(entry));
}

static bool env_has(const json_t *env, const char *key)
{
	size_t kl = strlen(key), i;
	json_t *e;
	json_array_foreach(env, i, e)
	{
		const char *s = json_string_value(e);
		if (strncmp(s, key, kl) == 0 && s[kl] == '=')
			return true;
	}
	return false;
}

/* docker's CreateDaemonEnvironment: PATH, HOSTNAME, TERM first, the
 * image's and user's entries over them; HOME from passwd when unset */
static json_t *build_env(const json_t *cfg, const char *hostname, bool tty, const char *home)
{
	json_t *env = json_array();
	json_array_append_new(env, json_string(SPEC_DEFAULT_PATH));
	if (hostname) {
		cleanup_free char *h = xasprintf("HOSTNAME=%s", hostname);
		json_array_append_new(env, json_string(h));
	}
	if (tty)
		json_array_append_new(env, json_string("TERM=xterm"));
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(cfg, "Env"), i, e) env_set(env, json_string_value(e));
	if (!env_has(env, "HOME")) {
		cleanup_free char *h = xasprintf("HOME=%s", home ? home : "/");
		json_array_append_new(env, json_string(h));
	}
	return env;
}

/* Docker creates a missing WorkingDir in the rootfs (root-owned, 0755);
 * root_mkdir_all keeps it inside the rootfs whatever its symlinks say */
static int make_workdir(const char *rootfs, const char *cwd, berth_error_t **err)
{
	if (!rootfs)
		return 0;
	cleanup_close int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return berth_error_set(err, errno, "open rootfs '%s'", rootfs);
	cleanup_close int fd = root_mkdir_all(rootfd, cwd, 0755, 0, err);
	if (fd < 0)
		return berth_error_wrap(err, "create the working directory '%s'", cwd);
	return 0;
}

static json_t *user_json(const struct spec_user *u)
{
	json_t *gids = json_array();
	for (size_t i = 0; i < u->n_gids; i++)
		json_array_append_new(gids, json_integer(u->gids[i]));
	return json_pack("{s:I, s:I, s:o}", "uid", (json_int_t)u->uid, "gid", (json_int_t)u->gid,
			 "additionalGids", gids);
}

static void set_caps(json_t *process, uint64_t caps, uint32_t uid)
{
	/* a non-root process gets no effective or permitted caps, as after
	 * execve (moby's SetCapabilities since docker 23) */
	json_t *c = json_pack("{s:o}", "bounding", spec_caps_json(caps));
	if (uid == 0) {
		json_object_set_new(c, "effective", spec_caps_json(caps));
		json_object_set_new(c, "permitted", spec_caps_json(caps));
	}
	json_object_set_new(process, "capabilities", c);
}

static int build_process(json_t *spec, const struct spec_input *in, const char *hostname,
			 uint64_t caps, berth_error_t **err)
{
	const json_t *cfg = in->config, *hc = in->host_config;
	bool tty = json_is_true(json_object_get(cfg, "Tty"));
	const char *cwd = json_string_value(json_object_get(cfg, "WorkingDir"));
	const char *user = json_string_value(json_object_get(cfg, "User"));
	if (!cwd || !*cwd)
		cwd = "/";
	if (cwd[0] != '/')
		return berth_error_fail(err, EINVAL,
					"the working directory '%s' is invalid, it needs to be an "
					"absolute path",
					cwd);
	json_t *args = NULL, *group_add = NULL;
	if (build_args(cfg, hc, in->init_path, &args, err) < 0)
		return -EINVAL;
	json_t *process = json_pack("{s:b, s:o}", "terminal", tty, "args", args);
	json_object_set_new(spec, "process", process);
	if (spec_hc_strings(hc, "GroupAdd", &group_add, err) < 0)
		return -EINVAL;
	struct spec_user u = { 0 };
	if (in->rootfs) {
		if (spec_user_resolve(in->rootfs, user, group_add, &u, err) < 0)
			return spec_err_code(err);
	} else {
		u.home = xstrdup("/");
	}
	json_object_set_new(process, "user", user_json(&u));
	json_object_set_new(process, "env", build_env(cfg, hostname, tty, u.home));
	json_object_set_new(process, "cwd", json_string(cwd));
	set_caps(process, caps, u.uid);
	spec_user_release(&u);
	if (strcmp(cwd, "/") != 0 && make_workdir(in->rootfs, cwd, err) < 0)
		return -1;

	json_t *cs = json_object_get(hc, "ConsoleSize");
	if (tty && json_is_array(cs) && json_array_size(cs) == 2) {
		json_int_t h = json_integer_value(json_array_get(cs, 0));
		json_int_t w = json_integer_value(json_array_get(cs, 1));
		if (h > 0 && w > 0)
			json_object_set_new(process, "consoleSize",
					    json_pack("{s:I, s:I}", "height", h, "width", w));
	}
	int64_t oom = 0;
	if (spec_hc_int64(hc, "OomScoreAdj", &oom, err) < 0)
		return -EINVAL;
	json_object_set_new(process, "oomScoreAdj", json_integer(oom));
	return spec_add_rlimits(process, hc, in->default_ulimits, err);
}

/* ---- namespaces ----------------------------------------------------------- */

struct modes {
	bool host_net, host_pid, host_ipc, host_uts, cgroupns;
};

static bool cgroup_v2_host(void)
{
	struct statfs fs;
	return statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

static int container_mode(const char *field, const char *v, berth_error_t **err)
{
	return berth_error_fail(err, ENOTSUP,
				"%s '%s': joining another container's namespace is not supported "
				"yet",
				field, v);
}

static int parse_modes(const json_t *hc, struct modes *m, berth_error_t **err)
{
	const char *net = NULL, *pid = NULL, *ipc = NULL, *uts = NULL, *cgns = NULL, *userns = NULL;
	if (spec_hc_string(hc, "NetworkMode", &net, err) < 0 ||
	    spec_hc_string(hc, "PidMode", &pid, err) < 0 ||
	    spec_hc_string(hc, "IpcMode", &ipc, err) < 0 ||
	    spec_hc_string(hc, "UTSMode", &uts, err) < 0 ||
	    spec_hc_string(hc, "CgroupnsMode", &cgns, err) < 0 ||
	    spec_hc_string(hc, "UsernsMode", &userns, err) < 0)
		return -EINVAL;
	*m = (struct modes){ 0 };
	/* every other NetworkMode (bridge, none, a network's name,
	 * container:<id>) is a network namespace of its own or the one
	 * in_netns_path names (containers/network.c decides which) */
	if (net && strcmp(net, "container:") == 0)
		return berth_error_fail(err, EINVAL, "invalid network mode: %s", net);
	m->host_net = net && strcmp(net, "host") == 0;
	if (pid && strncmp(pid, "container:", 10) == 0)
		return container_mode("PidMode", pid, err);
	if (pid && *pid && strcmp(pid, "host") != 0)
		return berth_error_fail(err, EINVAL, "invalid PID mode: %s", pid);
	m->host_pid = pid && strcmp(pid, "host") == 0;
	if (ipc && strncmp(ipc, "container:", 10) == 0)
		return container_mode("IpcMode", ipc, err);
	if (ipc && *ipc && strcmp(ipc, "host") != 0 && strcmp(ipc, "private") != 0 &&
	    strcmp(ipc, "shareable") != 0 && strcmp(ipc, "none") != 0)
		return berth_error_fail(err, EINVAL, "invalid IPC mode: %s", ipc);
	m->host_ipc = ipc && strcmp(ipc, "host") == 0;
	if (uts && *uts && strcmp(uts, "host") != 0)
		return berth_error_fail(err, EINVAL, "invalid UTS mode: %s", uts);
	m->host_uts = uts && strcmp(uts, "host") == 0;
	if (cgns && *cgns && strcmp(cgns, "host") != 0 && strcmp(cgns, "private") != 0)
		return berth_error_fail(err, EINVAL, "invalid cgroup namespace mode: %s", cgns);
	/* docker's default: private on cgroup v2, host on v1 */
	m->cgroupns = cgns && *cgns ? strcmp(cgns, "private") == 0 : cgroup_v2_host();
	if (userns && *userns && strcmp(userns, "host") != 0)
		return berth_error_fail(err, ENOTSUP,
					"UsernsMode '%s': user namespaces are not supported yet",
					userns);
	return 0;
}

static json_t *namespaces_json(const struct modes *m, const char *netns_path)
{
	json_t *a = json_array();
	json_array_append_new(a, json_pack("{s:s}", "type", "mount"));
	if (!m->host_net && netns_path)
		json_array_append_new(a, json_pack("{s:s, s:s}", "type", "network", "path",
						   netns_path));
	else if (!m->host_net)
		json_array_append_new(a, json_pack("{s:s}", "type", "network"));
	if (!m->host_uts)
		json_array_append_new(a, json_pack("{s:s}", "type", "uts"));
	if (!m->host_pid)
		json_array_append_new(a, json_pack("{s:s}", "type", "pid"));
	if (!m->host_ipc)
		json_array_append_new(a, json_pack("{s:s}", "type", "ipc"));
	if (m->cgroupns)
		json_array_append_new(a, json_pack("{s:s}", "type", "cgroup"));
	return a;
}

/* ---- the whole spec -------------------------------------------------------- */

/* Config.Hostname; the host's with --network host; else the short id */
static char *pick_hostname(const struct spec_input *in, const struct modes *m)
{
	const char *h = json_string_value(json_object_get(in->config, "Hostname"));
	if (h && *h)
		return xstrdup(h);
	if (m->host_net || m->host_uts) {
		char buf[256];
		if (gethostname(buf, sizeof(buf)) == 0) {
			buf[sizeof(buf) - 1] = '\0';
			return xstrdup(buf);
		}
	}
	return xstrndup(in->id ? in->id : "", 12);
}

char *spec_hostname(const struct spec_input *in)
{
	struct modes m = { 0 };
	cleanup_error berth_error_t *e = NULL;
	if (parse_modes(in->host_config, &m, &e) < 0)
		m = (struct modes){ 0 };
	return pick_hostname(in, &m);
}

static char *cgroups_path(const struct spec_input *in)
{
	const char *parent = NULL;
	if (in->host_config)
		parent = json_string_value(json_object_get(in->host_config, "CgroupParent"));
	if (!parent || !*parent)
		parent = in->cgroup_parent && *in->cgroup_parent ? in->cgroup_parent : "berth";
	while (*parent == '/')
		parent++;
	size_t l = strlen(parent);
	while (l && parent[l - 1] == '/')
		l--;
	return l ? xasprintf("/%.*s/%s", (int)l, parent, in->id) : xasprintf("/%s", in->id);
}

static int check_input(const struct spec_input *in, berth_error_t **err)
{
	if (!in->id || strlen(in->id) != 64 || strspn(in->id, "0123456789abcdef") != 64)
		return berth_error_fail(err, EINVAL, "container id '%s': want 64 hex digits",
					in->id ? in->id : "");
	if (!json_is_object(in->config))
		return berth_error_fail(err, EINVAL, "Config: want an object");
	if (spec_check_config(in->config, "Config", err) < 0)
		return -EINVAL;
	return spec_check_host_config(in->host_config, err);
}

int spec_check_modes(const json_t *hc, bool *ret_host_net, bool *ret_host_uts, berth_error_t **err)
{
	struct modes m;
	if (parse_modes(hc, &m, err) < 0)
		return spec_err_code(err);
	*ret_host_net = m.host_net;
	*ret_host_uts = m.host_uts;
	return 0;
}

int spec_build(const struct spec_input *in, json_t **ret_spec, berth_error_t **err)
{
	if (check_input(in, err) < 0)
		return spec_err_code(err);
	const json_t *hc = in->host_config;
	struct modes m;
	uint64_t caps;
	bool privileged = false, readonly = false;
	if (parse_modes(hc, &m, err) < 0 || spec_caps_tweak(hc, &caps, err) < 0 ||
	    spec_hc_bool(hc, "Privileged", &privileged, err) < 0 ||
	    spec_hc_bool(hc, "ReadonlyRootfs", &readonly, err) < 0)
		return spec_err_code(err);
	cleanup_free char *hostname = pick_hostname(in, &m);
	cleanup_json json_t *spec = json_pack("{s:s}", "ociVersion", OCI_SPEC_VERSION);
	if (build_process(spec, in, hostname, caps, err) < 0)
		return spec_err_code(err);
	json_object_set_new(spec, "root",
			    json_pack("{s:s, s:b}", "path", in->rootfs ? in->rootfs : "rootfs",
				      "readonly", readonly));
	if (!m.host_uts) {
		json_object_set_new(spec, "hostname", json_string(hostname));
		const char *dn = json_string_value(json_object_get(in->config, "Domainname"));
		if (dn && *dn)
			json_object_set_new(spec, "domainname", json_string(dn));
	}
	if (spec_add_mounts(spec, in, privileged, readonly, err) < 0)
		return spec_err_code(err);
	cleanup_free char *cg = cgroups_path(in);
	json_t *linux_ = json_pack("{s:s, s:o, s:{}}", "cgroupsPath", cg, "namespaces",
				   namespaces_json(&m, in->netns_path), "resources");
	json_object_set_new(spec, "linux", linux_);
	if (spec_add_resources(spec, hc, privileged, err) < 0 ||
	    spec_add_sysctls(linux_, hc, m.host_net, m.host_uts, err) < 0 ||
	    spec_add_security(spec, hc, caps, err) < 0)
		return spec_err_code(err);
	const char *stop = json_string_value(json_object_get(in->config, "StopSignal"));
	if (stop && *stop)
		json_object_set_new(spec, "annotations",
				    json_pack("{s:s}", "org.opencontainers.image.stopSignal",
					      stop));
	*ret_spec = steal_pointer(&spec);
	return 0;
}
