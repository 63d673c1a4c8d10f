/* api/system: the endpoints about the daemon itself: _ping, version, info,
 * events and system/df.  Everything the docker CLI parses out of them keeps
 * docker's field names and types; what berth does not have (swarm,
 * plugins beyond the built-in ones) is reported as docker reports it when
 * unused. */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/version.h"
#include "common/xalloc.h"
#include "daemon/daemon-internal.h"
#include "daemon/daemon.h"
#include "daemon/events.h"
#include "daemon/router.h"
#include "daemon/volumes/volumes.h"
#include "image/image-store.h"
#ifdef HAVE_CONTAINER_MANAGER
#include "daemon/containers/manager.h"
#endif

#define GO_VERSION "n/a (berth is written in C)"

static void ping(struct daemon *d, struct http_ctx *h)
{
	http_add_header(h, "Builder-Version", "1");
	http_add_header(h, "Cache-Control", "no-cache, no-store, must-revalidate");
	http_add_header(h, "Pragma", "no-cache");
	http_add_header(h, "Swarm", "inactive");
	/* moby answers HEAD with Content-Length: 0 rather than GET's length */
	bool head = strcmp(http_method(h), "HEAD") == 0;
	http_reply_data(h, 200, "text/plain; charset=utf-8", "OK", head ? 0 : 2);
}

static const char *go_arch(const char *machine)
{
	if (strcmp(machine, "x86_64") == 0)
		return "amd64";
	if (strcmp(machine, "aarch64") == 0)
		return "arm64";
	if (strncmp(machine, "armv", 4) == 0)
		return "arm";
	if (strcmp(machine, "i686") == 0 || strcmp(machine, "i386") == 0)
		return "386";
	return machine;
}

/* When this binary was built, as docker reports BuildTime: the mtime of
 * the executable is the best a reproducible build can say */
static char *build_time(void)
{
	struct stat st;
	char buf[64] = "unknown";
	struct tm tm;
	if (stat("/proc/self/exe", &st) == 0 && gmtime_r(&st.st_mtime, &tm))
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S.000000000+00:00", &tm);
	return xstrdup(buf);
}

static void version(struct daemon *d, struct http_ctx *h)
{
	struct utsname u;
	uname(&u);
	cleanup_free char *built = build_time();
	const char *api = "1.47", *min = "1.24", *arch = go_arch(u.machine);
	json_t *details = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ApiVersion",
				    api, "Arch", arch, "BuildTime", built, "Experimental", "false",
				    "GitCommit", berth_commit(), "GoVersion", GO_VERSION,
				    "KernelVersion", u.release, "MinAPIVersion", min, "Os",
				    "linux");
	json_t *v = json_pack(
		"{s:{s:s}, s:[{s:s, s:s, s:o}], s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
		"Platform", "Name", "berth " BERTH_VERSION, "Components", "Name", "Engine",
		"Version", berth_version(), "Details", details, "Version", berth_version(),
		"ApiVersion", api, "MinAPIVersion", min, "GitCommit", berth_commit(), "GoVersion",
		GO_VERSION, "Os", "linux", "Arch", arch, "KernelVersion", u.release, "BuildTime",
		built);
	http_reply_json(h, 200, v);
}

/* ---- info ------------------------------------------------------------------ */

static char *os_pretty_name(void)
{
	cleanup_fclose FILE *f = fopen("/etc/os-release", "re");
	char line[512];
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "PRETTY_NAME=", 12) != 0)
			continue;
		char *v = line + 12;
		v[strcspn(v, "\n")] = '\0';
		size_t n = strlen(v);
		if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
			v[n - 1] = '\0';
			v++;
		}
		return xstrdup(v);
	}
	return xstrdup("Linux");
}

static const char *cgroup_version(void)
{
	struct statfs fs;
	if (statfs("/sys/fs/cgroup", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
		return "2";
	return "1";
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static json_t *strv_array(char **v)
{
	json_t *a = json_array();
	for (; v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

static size_t image_count(struct daemon *d)
{
	cleanup_error berth_error_t *err = NULL;
	json_t *list = NULL;
	pthread_mutex_lock(&d->images_lock);
	int r = image_store_list(d->images, NULL, &list, &err);
	pthread_mutex_unlock(&d->images_lock);
	if (r < 0) {
		log_warn("info: list images: %s, ignoring", err->msg);
		return 0;
	}
	size_t n = json_array_size(list);
	json_decref(list);
	return n;
}

static json_t *registry_config(struct daemon *d)
{
	char **mirrors = __atomic_load_n(&d->cfg.registry_mirrors, __ATOMIC_ACQUIRE);
	char **insecure = __atomic_load_n(&d->cfg.insecure_registries, __ATOMIC_ACQUIRE);
	json_t *cidrs = json_array();
	json_t *index = json_object();
	json_array_append_new(cidrs, json_string("::1/128"));
	json_array_append_new(cidrs, json_string("127.0.0.0/8"));
	for (char **p = insecure; p && *p; p++) {
		if (strchr(*p, '/') && !strchr(*p, ':'))
			json_array_append_new(cidrs, json_string(*p));
		else
			json_object_set_new(index, *p,
					    json_pack("{s:s, s:[], s:b, s:b}", "Name", *p,
						      "Mirrors", "Secure", 0, "Official", 0));
	}
	json_object_set_new(index, "docker.io",
			    json_pack("{s:s, s:o, s:b, s:b}", "Name", "docker.io", "Mirrors",
				      strv_array(mirrors), "Secure", 1, "Official", 1));
	return json_pack("{s:[], s:[], s:o, s:o, s:o}", "AllowNondistributableArtifactsCIDRs",
			 "AllowNondistributableArtifactsHostnames", "InsecureRegistryCIDRs", cidrs,
			 "IndexConfigs", index, "Mirrors", strv_array(mirrors));
}

static void info(struct daemon *d, struct http_ctx *h)
{
	unsigned running = 0, paused = 0, stopped = 0;
#ifdef HAVE_CONTAINER_MANAGER
	if (d->containers)
		container_manager_counts(d->containers, &running, &paused, &stopped);
#endif
	struct utsname u;
	uname(&u);
	struct sysinfo si;
	sysinfo(&si);
	cleanup_free char *os = os_pretty_name();
	cleanup_free char *host = daemon_hostname();
	char now[64];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%S", &tm);
	cleanup_free char *system_time = xasprintf("%s.%09ldZ", now, ts.tv_nsec);
	const char *cgv = cgroup_version();
	bool v1 = strcmp(cgv, "1") == 0;
	bool mem = v1 ? exists("/sys/fs/cgroup/memory") : true;
	bool swap = v1 ? exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes") : true;
	bool cfs = v1 ? exists("/sys/fs/cgroup/cpu/cpu.cfs_quota_us") ||
				   exists("/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us") :
			true;
	bool shares = v1 ? exists("/sys/fs/cgroup/cpu/cpu.shares") ||
				      exists("/sys/fs/cgroup/cpu,cpuacct/cpu.shares") :
			   true;
	bool pids = v1 ? exists("/sys/fs/cgroup/pids") : true;
	json_t *warnings = json_array();
	if (!swap)
		json_array_append_new(warnings, json_string("WARNING: No swap limit support"));
	json_t *security = json_array();
	json_array_append_new(security, json_string("name=seccomp,profile=builtin"));
	if (exists("/sys/module/apparmor"))
		json_array_append_new(security, json_string("name=apparmor"));
	json_t *runtimes = json_pack("{s:{s:s}, s:{s:s}}", "berth-runtime", "path", d->cfg.runtime,
				     "runc", "path", "runc");
	json_t *v = json_object();
	json_object_set_new(v, "ID", json_string(d->id));
	json_object_set_new(v, "Containers", json_integer(running + paused + stopped));
	json_object_set_new(v, "ContainersRunning", json_integer(running));
	json_object_set_new(v, "ContainersPaused", json_integer(paused));
	json_object_set_new(v, "ContainersStopped", json_integer(stopped));
	json_object_set_new(v, "Images", json_integer((json_int_t)image_count(d)));
	json_object_set_new(v, "Driver", json_string("overlay2"));
	json_object_set_new(v, "DriverStatus",
			    json_pack("[[s,s],[s,s],[s,s],[s,s]]", "Backing Filesystem", "extfs",
				      "Supports d_type", "true", "Using metacopy", "false",
				      "Native Overlay Diff", "true"));
	json_object_set_new(v, "Plugins",
			    json_pack("{s:[s], s:[s,s,s,s], s:n, s:[s]}", "Volume", "local",
				      "Network", "bridge", "host", "none", "null", "Authorization",
				      "Log", "json-file"));
	json_object_set_new(v, "MemoryLimit", json_boolean(mem));
	json_object_set_new(v, "SwapLimit", json_boolean(swap));
	json_object_set_new(v, "KernelMemoryTCP", json_boolean(v1));
	json_object_set_new(v, "CpuCfsPeriod", json_boolean(cfs));
	json_object_set_new(v, "CpuCfsQuota", json_boolean(cfs));
	json_object_set_new(v, "CPUShares", json_boolean(shares));
	json_object_set_new(v, "CPUSet", json_true());
	json_object_set_new(v, "PidsLimit", json_boolean(pids));
	json_object_set_new(v, "IPv4Forwarding", json_true());
	json_object_set_new(v, "BridgeNfIptables", json_false());
	json_object_set_new(v, "BridgeNfIp6tables", json_false());
	json_object_set_new(v, "Debug", json_boolean(d->cfg.log_level == LOG_LEVEL_DEBUG));
	json_object_set_new(v, "NFd", json_integer(0));
	json_object_set_new(v, "OomKillDisable", json_boolean(v1));
	json_object_set_new(v, "NGoroutines", json_integer(0));
	json_object_set_new(v, "SystemTime", json_string(system_time));
	json_object_set_new(v, "LoggingDriver", json_string("json-file"));
	json_object_set_new(v, "CgroupDriver", json_string("cgroupfs"));
	json_object_set_new(v, "CgroupVersion", json_string(cgv));
	json_object_set_new(v, "NEventsListener", json_integer(0));
	json_object_set_new(v, "KernelVersion", json_string(u.release));
	json_object_set_new(v, "OperatingSystem", json_string(os));
	json_object_set_new(v, "OSVersion", json_string(""));
	json_object_set_new(v, "OSType", json_string("linux"));
	json_object_set_new(v, "Architecture", json_string(u.machine));
	json_object_set_new(v, "IndexServerAddress", json_string("https://index.docker.io/v1/"));
	json_object_set_new(v, "RegistryConfig", registry_config(d));
	json_object_set_new(v, "NCPU", json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
	json_object_set_new(v, "MemTotal",
			    json_integer((json_int_t)si.totalram * (json_int_t)si.mem_unit));
	json_object_set_new(v, "GenericResources", json_null());
	json_object_set_new(v, "DockerRootDir", json_string(d->cfg.data_root));
	json_object_set_new(v, "HttpProxy", json_string(""));
	json_object_set_new(v, "HttpsProxy", json_string(""));
	json_object_set_new(v, "NoProxy", json_string(""));
	json_object_set_new(v, "Name", json_string(host));
	json_object_set_new(v, "Labels", json_array());
	json_object_set_new(v, "ExperimentalBuild", json_false());
	json_object_set_new(v, "ServerVersion", json_string(berth_version()));
	json_object_set_new(v, "Runtimes", runtimes);
	json_object_set_new(v, "DefaultRuntime", json_string("berth-runtime"));
	json_object_set_new(v, "Swarm",
			    json_pack("{s:s, s:s, s:s, s:b, s:s, s:n}", "NodeID", "", "NodeAddr",
				      "", "LocalNodeState", "inactive", "ControlAvailable", 0,
				      "Error", "", "RemoteManagers"));
	json_object_set_new(v, "LiveRestoreEnabled", json_true());
	json_object_set_new(v, "Isolation", json_string(""));
	json_object_set_new(v, "InitBinary", json_string("docker-init"));
	json_object_set_new(v, "ContainerdCommit", json_pack("{s:s}", "ID", ""));
	json_object_set_new(v, "RuncCommit", json_pack("{s:s}", "ID", berth_commit()));
	json_object_set_new(v, "InitCommit", json_pack("{s:s}", "ID", ""));
	json_object_set_new(v, "SecurityOptions", security);
	json_object_set_new(v, "CDISpecDirs", json_array());
	json_object_set_new(v, "Warnings", warnings);
	http_reply_json(h, 200, v);
}

/* ---- events ------------------------------------------------------------------ */

/* docker's timestamps for since/until: unix seconds with optional
 * nanoseconds ("1700000000.5"), RFC3339 ("2026-11-30T12:00:00Z",
 * "...+01:00", fractions), or a duration before now ("10m", "1h30m") */
static int parse_time(const char *key, const char *s, int64_t now_ns, int64_t *ret,
		      berth_error_t **err)
{
	const char *p = s;
	if (isdigit((unsigned char)*p) && strspn(p, "0123456789.") == strlen(p)) {
		char *end;
		errno = 0;
		long long sec = strtoll(p, &end, 10);
		int64_t ns = 0;
		if (errno || sec > INT64_MAX / 1000000000LL - 1)
			goto bad;
		if (*end == '.') {
			const char *f = end + 1;
			size_t n = strlen(f);
			if (n == 0 || n > 9 || strchr(f, '.'))
				goto bad;
			for (size_t i = 0; i < 9; i++)
				ns = ns * 10 + (i < n ? f[i] - '0' : 0);
		} else if (*end) {
			goto bad;
		}
		*ret = (int64_t)sec * 1000000000LL + ns;
		return 0;
	}
	struct tm tm = { 0 };
	const char *rest = strptime(p, "%Y-%m-%dT%H:%M:%S", &tm);
	if (rest) {
		int64_t ns = 0, off = 0;
		if (*rest == '.') {
			rest++;
			size_t n = strspn(rest, "0123456789");
			if (n == 0)
				goto bad;
			for (size_t i = 0; i < 9; i++)
				ns = ns * 10 + (i < n ? rest[i] - '0' : 0);
			rest += n;
		}
		if (*rest == 'Z' && rest[1] == '\0') {
			off = 0;
		} else if ((*rest == '+' || *rest == '-') && strlen(rest) == 6 && rest[3] == ':' &&
			   isdigit((unsigned char)rest[1]) && isdigit((unsigned char)rest[2]) &&
			   isdigit((unsigned char)rest[4]) && isdigit((unsigned char)rest[5])) {
			off = ((rest[1] - '0') * 10 + (rest[2] - '0')) * 3600 +
			      ((rest[4] - '0') * 10 + (rest[5] - '0')) * 60;
			if (*rest == '-')
				off = -off;
		} else if (*rest) {
			goto bad;
		}
		*ret = ((int64_t)timegm(&tm) - off) * 1000000000LL + ns;
		return 0;
	}
	/* a Go duration: sums of <number><unit> */
	int64_t total = 0;
	bool any = false;
	while (*p) {
		char *end;
		errno = 0;
		double v = strtod(p, &end);
		if (end == p || errno || v < 0)
			goto bad;
		int64_t unit;
		if (strncmp(end, "ms", 2) == 0) {
			unit = 1000000LL;
			end += 2;
		} else if (*end == 'h') {
			unit = 3600000000000LL;
			end++;
		} else if (*end == 'm') {
			unit = 60000000000LL;
			end++;
		} else if (*end == 's') {
			unit = 1000000000LL;
			end++;
		} else {
			goto bad;
		}
		if (v * (double)unit > 1e18)
			goto bad;
		total += (int64_t)(v * (double)unit);
		any = true;
		p = end;
	}
	if (!any)
		goto bad;
	*ret = now_ns - total;
	return 0;
bad:
	return berth_error_fail(err, EINVAL,
				"invalid value for '%s': '%s' (expected unix seconds, RFC3339 or a "
				"duration like 10m)",
				key, s);
}

static const char *const event_filter_keys[] = {
	"config", "container", "daemon", "event",   "image", "label",  "network", "node",
	"plugin", "scope",     "secret", "service", "type",  "volume", NULL,
};

/* Both filter forms ({"k":["v"]} and the old {"k":{"v":true}}) as the
 * first; EINVAL for unknown keys and other shapes */
static int filters_normalize(json_t *in, json_t **ret, berth_error_t **err)
{
	json_t *out = json_object();
	const char *key;
	json_t *v;
	json_object_foreach(in, key, v)
	{
		bool known = false;
		for (size_t i = 0; event_filter_keys[i]; i++)
			known = known || strcmp(event_filter_keys[i], key) == 0;
		if (!known) {
			json_decref(out);
			return berth_error_fail(err, EINVAL, "invalid filter '%s'", key);
		}
		json_t *vals = json_array();
		if (json_is_array(v)) {
			size_t i;
			json_t *x;
			json_array_foreach(v, i, x) if (json_is_string(x))
				json_array_append(vals, x);
		} else if (json_is_object(v)) {
			const char *k;
			json_t *x;
			json_object_foreach(v, k, x) if (json_is_true(x))
				json_array_append_new(vals, json_string(k));
		} else {
			json_decref(vals);
			json_decref(out);
			return berth_error_fail(err, EINVAL, "invalid filter '%s': expected a list",
						key);
		}
		json_object_set_new(out, key, vals);
	}
	*ret = out;
	return 0;
}

static bool exact(const json_t *vals, const char *s)
{
	size_t i;
	json_t *x;
	json_array_foreach(vals, i, x) if (s && strcmp(json_string_value(x), s) == 0) return true;
	return false;
}

/* filters.FuzzyMatch: equal, or the filter value is a prefix */
static bool fuzzy(const json_t *vals, const char *s)
{
	size_t i;
	json_t *x;
	if (!s)
		return false;
	json_array_foreach(vals, i, x) if (strncmp(s, json_string_value(x),
						   strlen(json_string_value(x))) == 0) return true;
	return false;
}

static const char *attr(const json_t *ev, const char *name)
{
	return json_string_value(
		json_object_get(json_object_get(json_object_get(ev, "Actor"), "Attributes"), name));
}

static bool label_match(const json_t *vals, const json_t *ev)
{
	size_t i;
	json_t *x;
	json_array_foreach(vals, i, x)
	{
		const char *f = json_string_value(x);
		const char *eq = strchr(f, '=');
		cleanup_free char *k = eq ? xstrndup(f, (size_t)(eq - f)) : xstrdup(f);
		const char *have = attr(ev, k);
		if (!have || (eq && strcmp(have, eq + 1) != 0))
			return false;
	}
	return true;
}

static bool image_match(const json_t *vals, const char *type, const char *id, const json_t *ev)
{
	const char *img = strcmp(type, "image") == 0 ? id : attr(ev, "image");
	const char *name = attr(ev, "name");
	size_t i;
	json_t *x;
	json_array_foreach(vals, i, x)
	{
		const char *f = json_string_value(x);
		size_t n = strlen(f);
		for (int k = 0; k < 2; k++) {
			const char *s = k == 0 ? img : name;
			if (!s)
				continue;
			/* "busybox" also matches "busybox:latest" */
			if (strcmp(s, f) == 0 || (strncmp(s, f, n) == 0 && s[n] == ':' &&
						  !strchr(f, ':') && !strchr(s + n + 1, '/')))
				return true;
		}
	}
	return false;
}

/* AND across keys, OR within a key (moby daemon/events/filter.go) */
static bool event_match(const json_t *f, const json_t *ev)
{
	const char *type = json_string_value(json_object_get(ev, "Type"));
	const char *action = json_string_value(json_object_get(ev, "Action"));
	const char *id = json_string_value(json_object_get(json_object_get(ev, "Actor"), "ID"));
	json_t *v;
	if ((v = json_object_get(f, "type")) && !exact(v, type))
		return false;
	if ((v = json_object_get(f, "event"))) {
		cleanup_free char *base = xstrndup(action, strcspn(action, ":"));
		if (!exact(v, action) && !exact(v, base))
			return false;
	}
	if ((v = json_object_get(f, "scope")) && !exact(v, "local"))
		return false;
	if ((v = json_object_get(f, "label")) && !label_match(v, ev))
		return false;
	if ((v = json_object_get(f, "image")) && !image_match(v, type, id, ev))
		return false;
	const char *by_type[] = { "container", "daemon",  "network", "volume", "plugin",
				  "node",      "service", "secret",  "config" };
	for (size_t i = 0; i < sizeof(by_type) / sizeof(by_type[0]); i++)
		if ((v = json_object_get(f, by_type[i])) && !fuzzy(v, id) &&
		    !fuzzy(v, attr(ev, "name")))
			return false;
	return true;
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

struct events_req {
	bool has_since, has_until;
	int64_t since, until;
	json_t *filters;
};

/* Write what the ring holds for us; false when the stream is over */
static bool events_flush(struct http_ctx *h, struct events_sub *sub, const struct events_req *q)
{
	json_t *e;
	while (events_sub_next(sub, &e, NULL) == 1) {
		cleanup_json json_t *ev = e;
		int64_t t = json_integer_value(json_object_get(ev, "timeNano"));
		if (q->has_since && t < q->since)
			continue;
		if (q->has_until && t > q->until)
			return false;
		if (q->filters && !event_match(q->filters, ev))
			continue;
		if (http_stream_json(h, ev) < 0)
			return false;
	}
	return true;
}

static void events_stream(struct daemon *d, struct http_ctx *h, const struct events_req *q)
{
	struct events_sub *sub = events_subscribe(d->events, q->has_since);
	http_stream_begin(h, 200, "application/json");
	for (;;) {
		if (!events_flush(h, sub, q))
			break;
		int timeout = -1;
		if (q->has_until) {
			int64_t left = q->until - now_ns();
			if (left <= 0)
				break;
			timeout = (int)(left / 1000000 + 1);
		}
		/* wait for an event or for the client to leave: POLLRDHUP on
		 * the connection, never a timer loop */
		struct pollfd p[2] = {
			{ .fd = events_sub_fd(sub), .events = POLLIN },
			{ .fd = http_conn_fd(h), .events = POLLRDHUP },
		};
		int r = poll(p, 2, timeout);
		if (r < 0 && errno != EINTR)
			break;
		if (p[1].revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL))
			break;
	}
	events_unsubscribe(sub);
	http_stream_end(h);
}

static void api_events(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	struct events_req q = { 0 };
	cleanup_json json_t *raw = NULL;
	cleanup_json json_t *filters = NULL;
	int64_t now = now_ns();
	const char *since = http_query(h, "since"), *until = http_query(h, "until");
	if ((since && *since && parse_time("since", since, now, &q.since, &err) < 0) ||
	    (until && *until && parse_time("until", until, now, &q.until, &err) < 0) ||
	    http_query_filters(h, &raw, &err) < 0 ||
	    (raw && filters_normalize(raw, &filters, &err) < 0)) {
		http_reply_error(h, err);
		return;
	}
	q.has_since = since && *since;
	q.has_until = until && *until;
	q.filters = filters;
	if (q.has_since && q.has_until && q.until < q.since) {
		http_reply_errorf(h, 400, "`since` time (%s) cannot be after `until` time (%s)",
				  since, until);
		return;
	}
	events_stream(d, h, &q);
}

/* ---- system/df ------------------------------------------------------------- */

/* Every volume with UsageData {Size, RefCount}, as docker's df */
static json_t *df_volumes(struct daemon *d)
{
	json_t *vols = NULL;
	cleanup_error berth_error_t *err = NULL;
	if (!d->volumes || volume_list(d->volumes, &vols, &err) < 0)
		return json_array();
	size_t i;
	json_t *v;
	json_array_foreach(vols, i, v)
	{
		const char *name = json_string_value(json_object_get(v, "Name"));
		json_int_t refs = 0;
#ifdef HAVE_CONTAINER_MANAGER
		if (d->containers) {
			json_t *users = container_manager_volume_users(d->containers, name);
			refs = (json_int_t)json_array_size(users);
			json_decref(users);
		}
#endif
		json_object_set_new(v, "UsageData",
				    json_pack("{s:I, s:I}", "Size",
					      (json_int_t)volume_size(d->volumes, name), "RefCount",
					      refs));
	}
	return vols;
}

static void system_df(struct daemon *d, struct http_ctx *h)
{
	cleanup_error berth_error_t *err = NULL;
	json_t *images = NULL;
	pthread_mutex_lock(&d->images_lock);
	int r = image_store_list(d->images, NULL, &images, &err);
	pthread_mutex_unlock(&d->images_lock);
	if (r < 0) {
		http_reply_error(h, err);
		return;
	}
	json_int_t layers = 0;
	size_t i;
	json_t *img;
	json_array_foreach(images, i, img)
	{
		json_t *size = json_object_get(img, "Size");
		if (json_is_integer(size))
			layers += json_integer_value(size);
	}
	json_t *containers = json_array();
#ifdef HAVE_CONTAINER_MANAGER
	if (d->containers) {
		json_t *list = NULL;
		if (container_manager_list(d->containers, true, true, NULL, &list, &err) < 0) {
			json_decref(images);
			json_decref(containers);
			http_reply_error(h, err);
			return;
		}
		json_decref(containers);
		containers = list;
	}
#endif
	http_reply_json(h, 200,
			json_pack("{s:I, s:o, s:o, s:o, s:[]}", "LayersSize", layers, "Images",
				  images, "Containers", containers, "Volumes", df_volumes(d),
				  "BuildCache"));
}

static const struct route routes[] = {
	{ "GET", "/_ping", ping },          { "GET", "/version", version },
	{ "GET", "/info", info },           { "GET", "/events", api_events },
	{ "GET", "/system/df", system_df },
};

ROUTE_TABLE(api_system_routes, routes);
