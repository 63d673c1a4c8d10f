/* opts: the flags of `berth run` and `berth create` and their translation
 * into the ContainerCreate body, after docker/cli's container/opts.go and
 * opts/ files.  Values are checked the way pflag checks them (a bad value is
 * a flag error naming the flag), then combined the way parse() combines
 * them; the body carries every field docker sends, in docker's order, so
 * that berthd stores the same container for the same command line. */
#include "cli/container/opts.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/core.h"
#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/fdio.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

/* clang-format off */
#define OPTS_COMMON_FLAGS \
	{ "add-host", 0, CLI_LIST, "list", NULL, "Add a custom host-to-IP mapping (host:ip)", 0, NULL }, \
	{ "annotation", 0, CLI_LIST, "map", "map[]", "Add an annotation to the container (passed through to the OCI runtime)", 0, NULL }, \
	{ "attach", 'a', CLI_LIST, "list", NULL, "Attach to STDIN, STDOUT or STDERR", 0, "stdin|stdout|stderr" }, \
	{ "blkio-weight", 0, CLI_INT, "uint16", "0", "Block IO (relative weight), between 10 and 1000, or 0 to disable", 0, NULL }, \
	{ "blkio-weight-device", 0, CLI_LIST, "list", "[]", "Block IO weight (relative device weight)", 0, NULL }, \
	{ "cap-add", 0, CLI_LIST, "list", NULL, "Add Linux capabilities", 0, NULL }, \
	{ "cap-drop", 0, CLI_LIST, "list", NULL, "Drop Linux capabilities", 0, NULL }, \
	{ "cgroup-parent", 0, CLI_STRING, NULL, NULL, "Optional parent cgroup for the container", 0, NULL }, \
	{ "cgroupns", 0, CLI_STRING, NULL, NULL, "Cgroup namespace to use (host|private)\n'host':    Run the container in the Docker host's cgroup namespace\n'private': Run the container in its own private cgroup namespace\n'':        Use the cgroup namespace as configured by the\n           default-cgroupns-mode option on the daemon (default)", 0, "host|private" }, \
	{ "cidfile", 0, CLI_STRING, NULL, NULL, "Write the container ID to the file", 0, "files" }, \
	{ "cpu-period", 0, CLI_INT, NULL, NULL, "Limit CPU CFS (Completely Fair Scheduler) period", 0, NULL }, \
	{ "cpu-quota", 0, CLI_INT, NULL, NULL, "Limit CPU CFS (Completely Fair Scheduler) quota", 0, NULL }, \
	{ "cpu-rt-period", 0, CLI_INT, NULL, NULL, "Limit CPU real-time period in microseconds", 0, NULL }, \
	{ "cpu-rt-runtime", 0, CLI_INT, NULL, NULL, "Limit CPU real-time runtime in microseconds", 0, NULL }, \
	{ "cpu-shares", 'c', CLI_INT, NULL, NULL, "CPU shares (relative weight)", 0, NULL }, \
	{ "cpus", 0, CLI_STRING, "decimal", NULL, "Number of CPUs", 0, NULL }, \
	{ "cpuset-cpus", 0, CLI_STRING, NULL, NULL, "CPUs in which to allow execution (0-3, 0,1)", 0, NULL }, \
	{ "cpuset-mems", 0, CLI_STRING, NULL, NULL, "MEMs in which to allow execution (0-3, 0,1)", 0, NULL }, \
	{ "device", 0, CLI_LIST, "list", NULL, "Add a host device to the container", 0, "files" }, \
	{ "device-cgroup-rule", 0, CLI_LIST, "list", NULL, "Add a rule to the cgroup allowed devices list", 0, NULL }, \
	{ "device-read-bps", 0, CLI_LIST, "list", "[]", "Limit read rate (bytes per second) from a device", 0, NULL }, \
	{ "device-read-iops", 0, CLI_LIST, "list", "[]", "Limit read rate (IO per second) from a device", 0, NULL }, \
	{ "device-write-bps", 0, CLI_LIST, "list", "[]", "Limit write rate (bytes per second) to a device", 0, NULL }, \
	{ "device-write-iops", 0, CLI_LIST, "list", "[]", "Limit write rate (IO per second) to a device", 0, NULL }, \
	{ "disable-content-trust", 0, CLI_BOOL, NULL, "true", "Skip image verification", 0, NULL }, \
	{ "dns", 0, CLI_LIST, "list", NULL, "Set custom DNS servers", 0, NULL }, \
	{ "dns-option", 0, CLI_LIST, "list", NULL, "Set DNS options", 0, NULL }, \
	{ "dns-search", 0, CLI_LIST, "list", NULL, "Set custom DNS search domains", 0, NULL }, \
	{ "domainname", 0, CLI_STRING, NULL, NULL, "Container NIS domain name", 0, NULL }, \
	{ "entrypoint", 0, CLI_STRING, NULL, NULL, "Overwrite the default ENTRYPOINT of the image", 0, NULL }, \
	{ "env", 'e', CLI_LIST, "list", NULL, "Set environment variables", 0, NULL }, \
	{ "env-file", 0, CLI_LIST, "list", NULL, "Read in a file of environment variables", 0, "files" }, \
	{ "expose", 0, CLI_LIST, "list", NULL, "Expose a port or a range of ports", 0, NULL }, \
	{ "group-add", 0, CLI_LIST, "list", NULL, "Add additional groups to join", 0, NULL }, \
	{ "health-cmd", 0, CLI_STRING, NULL, NULL, "Command to run to check health", 0, NULL }, \
	{ "health-interval", 0, CLI_STRING, "duration", "0s", "Time between running the check (ms|s|m|h)", 0, NULL }, \
	{ "health-retries", 0, CLI_INT, NULL, NULL, "Consecutive failures needed to report unhealthy", 0, NULL }, \
	{ "health-start-interval", 0, CLI_STRING, "duration", "0s", "Time between running the check during the start period (ms|s|m|h)", 0, NULL }, \
	{ "health-start-period", 0, CLI_STRING, "duration", "0s", "Start period for the container to initialize before starting health-retries countdown (ms|s|m|h)", 0, NULL }, \
	{ "health-timeout", 0, CLI_STRING, "duration", "0s", "Maximum time to allow one check to run (ms|s|m|h)", 0, NULL }, \
	{ "hostname", 'h', CLI_STRING, NULL, NULL, "Container host name", 0, NULL }, \
	{ "init", 0, CLI_BOOL, NULL, NULL, "Run an init inside the container that forwards signals and reaps processes", 0, NULL }, \
	{ "interactive", 'i', CLI_BOOL, NULL, NULL, "Keep STDIN open even if not attached", 0, NULL }, \
	{ "ip", 0, CLI_STRING, NULL, NULL, "IPv4 address (e.g., 172.30.100.104)", 0, NULL }, \
	{ "ip6", 0, CLI_STRING, NULL, NULL, "IPv6 address (e.g., 2001:db8::33)", 0, NULL }, \
	{ "ipc", 0, CLI_STRING, NULL, NULL, "IPC mode to use", 0, NULL }, \
	{ "isolation", 0, CLI_STRING, NULL, NULL, "Container isolation technology", 0, NULL }, \
	{ "kernel-memory", 0, CLI_STRING, "bytes", NULL, "Kernel memory limit", 0, NULL }, \
	{ "label", 'l', CLI_LIST, "list", NULL, "Set meta data on a container", 0, NULL }, \
	{ "label-file", 0, CLI_LIST, "list", NULL, "Read in a line delimited file of labels", 0, "files" }, \
	{ "link", 0, CLI_LIST, "list", NULL, "Add link to another container", 0, "containers" }, \
	{ "link-local-ip", 0, CLI_LIST, "list", NULL, "Container IPv4/IPv6 link-local addresses", 0, NULL }, \
	{ "log-driver", 0, CLI_STRING, NULL, NULL, "Logging driver for the container", 0, NULL }, \
	{ "log-opt", 0, CLI_LIST, "list", NULL, "Log driver options", 0, NULL }, \
	{ "mac-address", 0, CLI_STRING, NULL, NULL, "Container MAC address (e.g., 92:d0:c6:0a:29:33)", 0, NULL }, \
	{ "memory", 'm', CLI_STRING, "bytes", NULL, "Memory limit", 0, NULL }, \
	{ "memory-reservation", 0, CLI_STRING, "bytes", NULL, "Memory soft limit", 0, NULL }, \
	{ "memory-swap", 0, CLI_STRING, "bytes", NULL, "Swap limit equal to memory plus swap: '-1' to enable unlimited swap", 0, NULL }, \
	{ "memory-swappiness", 0, CLI_INT, NULL, "-1", "Tune container memory swappiness (0 to 100)", 0, NULL }, \
	{ "mount", 0, CLI_LIST, "mount", NULL, "Attach a filesystem mount to the container", 0, NULL }, \
	{ "name", 0, CLI_STRING, NULL, NULL, "Assign a name to the container", 0, NULL }, \
	{ "network", 0, CLI_LIST, "network", NULL, "Connect a container to a network", 0, "networks" }, \
	{ "network-alias", 0, CLI_LIST, "list", NULL, "Add network-scoped alias for the container", 0, NULL }, \
	{ "no-healthcheck", 0, CLI_BOOL, NULL, NULL, "Disable any container-specified HEALTHCHECK", 0, NULL }, \
	{ "oom-kill-disable", 0, CLI_BOOL, NULL, NULL, "Disable OOM Killer", 0, NULL }, \
	{ "oom-score-adj", 0, CLI_INT, NULL, NULL, "Tune host's OOM preferences (-1000 to 1000)", 0, NULL }, \
	{ "pid", 0, CLI_STRING, NULL, NULL, "PID namespace to use", 0, NULL }, \
	{ "pids-limit", 0, CLI_INT, NULL, NULL, "Tune container pids limit (set -1 for unlimited)", 0, NULL }, \
	{ "platform", 0, CLI_STRING, NULL, NULL, "Set platform if server is multi-platform capable", 0, NULL }, \
	{ "privileged", 0, CLI_BOOL, NULL, NULL, "Give extended privileges to this container", 0, NULL }, \
	{ "publish", 'p', CLI_LIST, "list", NULL, "Publish a container's port(s) to the host", 0, NULL }, \
	{ "publish-all", 'P', CLI_BOOL, NULL, NULL, "Publish all exposed ports to random ports", 0, NULL }, \
	{ "quiet", 'q', CLI_BOOL, NULL, NULL, "Suppress the pull output", 0, NULL }, \
	{ "read-only", 0, CLI_BOOL, NULL, NULL, "Mount the container's root filesystem as read only", 0, NULL }, \
	{ "restart", 0, CLI_STRING, NULL, "no", "Restart policy to apply when a container exits", 0, "no|always|on-failure|unless-stopped" }, \
	{ "rm", 0, CLI_BOOL, NULL, NULL, "Automatically remove the container and its associated anonymous volumes when it exits", 0, NULL }, \
	{ "runtime", 0, CLI_STRING, NULL, NULL, "Runtime to use for this container", 0, NULL }, \
	{ "security-opt", 0, CLI_LIST, "list", NULL, "Security Options", 0, NULL }, \
	{ "shm-size", 0, CLI_STRING, "bytes", NULL, "Size of /dev/shm", 0, NULL }, \
	{ "stop-signal", 0, CLI_STRING, NULL, NULL, "Signal to stop the container", 0, "signals" }, \
	{ "stop-timeout", 0, CLI_INT, NULL, NULL, "Timeout (in seconds) to stop a container", 0, NULL }, \
	{ "storage-opt", 0, CLI_LIST, "list", NULL, "Storage driver options for the container", 0, NULL }, \
	{ "sysctl", 0, CLI_LIST, "map", "map[]", "Sysctl options", 0, NULL }, \
	{ "tmpfs", 0, CLI_LIST, "list", NULL, "Mount a tmpfs directory", 0, NULL }, \
	{ "tty", 't', CLI_BOOL, NULL, NULL, "Allocate a pseudo-TTY", 0, NULL }, \
	{ "ulimit", 0, CLI_LIST, "ulimit", "[]", "Ulimit options", 0, NULL }, \
	{ "user", 'u', CLI_STRING, NULL, NULL, "Username or UID (format: <name|uid>[:<group|gid>])", 0, NULL }, \
	{ "userns", 0, CLI_STRING, NULL, NULL, "User namespace to use", 0, NULL }, \
	{ "uts", 0, CLI_STRING, NULL, NULL, "UTS namespace to use", 0, NULL }, \
	{ "volume", 'v', CLI_LIST, "list", NULL, "Bind mount a volume", 0, NULL }, \
	{ "volume-driver", 0, CLI_STRING, NULL, NULL, "Optional volume driver for the container", 0, NULL }, \
	{ "volumes-from", 0, CLI_LIST, "list", NULL, "Mount volumes from the specified container(s)", 0, "containers" }, \
	{ "workdir", 'w', CLI_STRING, NULL, NULL, "Working directory inside the container", 0, NULL }

const struct cli_flag opts_create_flags[] = {
	OPTS_COMMON_FLAGS,
	{ "pull", 0, CLI_STRING, NULL, "missing", "Pull image before creating (\"always\", \"|missing\", \"never\")", 0, "always|missing|never" },
	CLI_FLAGS_END,
};

const struct cli_flag opts_run_flags[] = {
	OPTS_COMMON_FLAGS,
	{ "detach", 'd', CLI_BOOL, NULL, NULL, "Run container in background and print container ID", 0, NULL },
	{ "detach-keys", 0, CLI_STRING, NULL, NULL, "Override the key sequence for detaching a container", 0, NULL },
	{ "pull", 0, CLI_STRING, NULL, "missing", "Pull image before running (\"always\", \"missing\", \"never\")", 0, "always|missing|never" },
	{ "sig-proxy", 0, CLI_BOOL, NULL, "true", "Proxy received signals to the process", 0, NULL },
	CLI_FLAGS_END,
};
/* clang-format on */

/* Files read for --env-file, --label-file and seccomp profiles: a cap */
#define OPTS_FILE_MAX (4u << 20)
/* bufio.Scanner's default token limit, which docker's kvfile reader has */
#define OPTS_LINE_MAX (64u << 10)

/* ------------------------------------------------------------------ */
/* Errors */

/* The flag as pflag names it in errors: "-m, --memory" or "--memory" */
static char *flag_display(const char *name)
{
	for (const struct cli_flag *f = opts_run_flags; f->name; f++)
		if (strcmp(f->name, name) == 0 && f->shorthand)
			return xasprintf("-%c, --%s", f->shorthand, f->name);
	return xasprintf("--%s", name);
}

/* A bad flag value: 'invalid argument "v" for "-m, --memory" flag: <cause>' */
static int flag_error(struct container_opts *o, berth_error_t **err, const char *name,
		      const char *value, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int flag_error(struct container_opts *o, berth_error_t **err, const char *name,
		      const char *value, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cleanup_free char *cause = xvasprintf(fmt, ap);
	va_end(ap);
	cleanup_free char *disp = flag_display(name);
	o->err_kind = OPTS_ERR_FLAG;
	return berth_error_fail(err, EINVAL, "invalid argument \"%s\" for \"%s\" flag: %s", value,
				disp, cause);
}

static int parse_error(struct container_opts *o, berth_error_t **err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int parse_error(struct container_opts *o, berth_error_t **err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cleanup_free char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	o->err_kind = OPTS_ERR_PARSE;
	return berth_error_fail(err, EINVAL, "%s", msg);
}

int opts_report(const struct cli *cli, const berth_error_t *err, enum opts_error_kind kind,
		int code)
{
	const char *cmd = cli->cmd ? cli->cmd->name : "run";
	if (kind == OPTS_ERR_FLAG && cli->cmd)
		/* cobra's flag error: the message, the use line, the help hint */
		return cli_flag_error(cli, "%s", err ? err->msg : "");
	fprintf(stderr, "berth: %s\n\nRun 'berth %s --help' for more information\n",
		err ? err->msg : "", cmd);
	return code;
}

/* ------------------------------------------------------------------ */
/* Value types */

/* go-units' RAMInBytes: ^(\d+(\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$ */
int opts_ram_bytes(const char *s, int64_t *ret, berth_error_t **err)
{
	const char *p = s;
	if (!isdigit((unsigned char)*p))
		return berth_error_fail(err, EINVAL, "invalid size: '%s'", s);
	while (isdigit((unsigned char)*p))
		p++;
	while (*p == '.' && isdigit((unsigned char)p[1])) {
		p++;
		while (isdigit((unsigned char)*p))
			p++;
	}
	const char *num_end = p;
	if (*p == ' ')
		p++;
	static const char units[] = "kmgtp";
	double mult = 1;
	const char *u = *p ? strchr(units, tolower((unsigned char)*p)) : NULL;
	if (u) {
		for (const char *q = units; q <= u; q++)
			mult *= 1024;
		p++;
	}
	if (*p == 'i' || *p == 'I')
		p++;
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p)
		return berth_error_fail(err, EINVAL, "invalid size: '%s'", s);
	cleanup_free char *num = xstrndup(s, (size_t)(num_end - s));
	/* "1.2.3" matches the regexp but not ParseFloat */
	char *end = NULL;
	errno = 0;
	double v = strtod(num, &end);
	if (*end || errno == ERANGE)
		return berth_error_fail(err, EINVAL,
					"strconv.ParseFloat: parsing \"%s\": invalid syntax", num);
	v *= mult;
	if (v >= 9223372036854775807.0)
		v = 9223372036854775807.0;
	*ret = (int64_t)v;
	return 0;
}

/* Go's time.ParseDuration, with its error texts */
int opts_go_duration(const char *s, int64_t *ret_ns, berth_error_t **err)
{
	static const struct {
		const char *name;
		double ns;
	} units[] = { { "ns", 1 },   { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "\xce\xbcs", 1e3 },
		      { "ms", 1e6 }, { "s", 1e9 },  { "m", 60e9 },        { "h", 3600e9 } };
	const char *p = s;
	bool neg = false;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (strcmp(p, "0") == 0) {
		*ret_ns = 0;
		return 0;
	}
	if (*p == '\0')
		return berth_error_fail(err, EINVAL, "time: invalid duration \"%s\"", s);
	double total = 0;
	while (*p) {
		const char *start = p;
		while (isdigit((unsigned char)*p))
			p++;
		bool pre = p > start, post = false;
		if (*p == '.') {
			p++;
			const char *f = p;
			while (isdigit((unsigned char)*p))
				p++;
			post = p > f;
		}
		if (!pre && !post)
			return berth_error_fail(err, EINVAL, "time: invalid duration \"%s\"", s);
		double v = strtod(start, NULL);
		const char *ustart = p;
		while (*p && *p != '.' && !isdigit((unsigned char)*p))
			p++;
		if (p == ustart)
			return berth_error_fail(err, EINVAL,
						"time: missing unit in duration \"%s\"", s);
		size_t ulen = (size_t)(p - ustart);
		double mult = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strlen(units[i].name) == ulen &&
			    strncmp(units[i].name, ustart, ulen) == 0)
				mult = units[i].ns;
		if (mult == 0) {
			cleanup_free char *unit = xstrndup(ustart, ulen);
			return berth_error_fail(err, EINVAL,
						"time: unknown unit \"%s\" in duration \"%s\"",
						unit, s);
		}
		total += v * mult;
		if (total > 9223372036854775807.0)
			return berth_error_fail(err, ERANGE, "time: invalid duration \"%s\"", s);
	}
	*ret_ns = (int64_t)(total + 0.5) * (neg ? -1 : 1);
	return 0;
}

/* docker's NanoCPUs: a decimal (big.Rat) times 1e9 that must be whole */
int opts_nano_cpus(const char *s, int64_t *ret, berth_error_t **err)
{
	const char *p = s;
	if (*p == '-' || *p == '+')
		p++;
	const char *ip = p;
	while (isdigit((unsigned char)*p))
		p++;
	size_t int_len = (size_t)(p - ip), frac_len = 0;
	const char *fp = NULL;
	if (*p == '.') {
		fp = ++p;
		while (isdigit((unsigned char)*p))
			p++;
		frac_len = (size_t)(p - fp);
	}
	if (*p || (int_len == 0 && frac_len == 0) || int_len > 9)
		return berth_error_fail(err, EINVAL, "failed to parse %s as a rational number", s);
	for (size_t i = 9; i < frac_len; i++)
		if (fp[i] != '0')
			return berth_error_fail(err, EINVAL, "value is too precise");
	int64_t v = 0;
	for (size_t i = 0; i < int_len; i++)
		v = v * 10 + (ip[i] - '0');
	for (size_t i = 0; i < 9; i++)
		v = v * 10 + (i < frac_len ? fp[i] - '0' : 0);
	*ret = s[0] == '-' ? -v : v;
	return 0;
}

static bool valid_ip(const char *s)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* ------------------------------------------------------------------ */
/* Small JSON helpers */

/* ConvertKVStringsToMap: "k=v" -> k: v, "k" -> k: "" */
static void kv_set(json_t *map, const char *kv)
{
	const char *eq = strchr(kv, '=');
	cleanup_free char *k = eq ? xstrndup(kv, (size_t)(eq - kv)) : xstrdup(kv);
	json_object_set_new(map, k, json_string(eq ? eq + 1 : ""));
}

static json_t *strv_json(const char *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* A list flag as an array, or null when it was not given (Go's nil slice) */
static json_t *list_or_null(const struct cli_args *a, const char *name)
{
	const char *const *v;
	size_t n = cli_flag_list(a, name, &v);
	return n ? strv_json(v, n) : json_null();
}

static const char *str_or_empty(const struct cli_args *a, const char *name)
{
	const char *s = cli_flag_string(a, name);
	return s ? s : "";
}

static bool strv_has(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) if (strcmp(json_string_value(v), s) == 0) return true;
	return false;
}

/* ------------------------------------------------------------------ */
/* Key-value files: docker's kvfile.Parse (env files look unset keys up) */

int opts_kvfile_read(const char *path, unsigned flags, json_t *out, berth_error_t **err)
{
	cleanup_fclose FILE *f = fopen(path, "re");
	if (f == NULL)
		return berth_error_fail(err, errno, "open %s: %s", path,
					errno == ENOENT ? "no such file or directory" :
							  strerror(errno));
	char *line = NULL;
	size_t cap = 0, total = 0;
	ssize_t n;
	int lineno = 0, r = 0;
	while ((n = getline(&line, &cap, f)) > 0) {
		lineno++;
		total += (size_t)n;
		if ((size_t)n > OPTS_LINE_MAX || total > OPTS_FILE_MAX) {
			r = berth_error_fail(err, EFBIG, "%s: bufio.Scanner: token too long", path);
			break;
		}
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		char *l = line;
		if (lineno == 1 && strncmp(l, "\xef\xbb\xbf", 3) == 0)
			l += 3;
		while (isspace((unsigned char)*l))
			l++;
		if (*l == '\0' || *l == '#')
			continue;
		size_t klen = strcspn(l, "=");
		if (klen == 0) {
			r = berth_error_fail(err, EINVAL, "no variable name on line '%s'", l);
			break;
		}
		cleanup_free char *key = xstrndup(l, klen);
		if (strpbrk(key, " \t")) {
			r = berth_error_fail(err, EINVAL, "variable '%s' contains whitespaces",
					     key);
			break;
		}
		if (l[klen] == '=') {
			json_array_append_new(out, json_string(l));
		} else if (flags & OPTS_KVFILE_LOOKUP) {
			const char *v = getenv(key);
			if (v) {
				cleanup_free char *kv = xasprintf("%s=%s", key, v);
				json_array_append_new(out, json_string(kv));
			}
		}
	}
	free(line);
	return r;
}

/* ------------------------------------------------------------------ */
/* The parse context: the args, the result and the error */

struct ctx {
	const struct cli_args *a;
	struct container_opts *o;
	berth_error_t **err;
};

/* Env: --env-file first, then -e (ValidateEnv looks a bare name up) */
static int parse_env(struct ctx *c, json_t **ret)
{
	cleanup_json json_t *env = json_array();
	const char *const *v;
	size_t n = cli_flag_list(c->a, "env", &v);
	/* pflag checks -e values as they are given, before parse() reads files */
	for (size_t i = 0; i < n; i++)
		if (v[i][0] == '=' || v[i][0] == '\0')
			return flag_error(c->o, c->err, "env", v[i],
					  "invalid environment variable: %s", v[i]);
	const char *const *files;
	size_t nf = cli_flag_list(c->a, "env-file", &files);
	for (size_t i = 0; i < nf; i++)
		if (opts_kvfile_read(files[i], OPTS_KVFILE_LOOKUP, env, c->err) < 0) {
			c->o->err_kind = OPTS_ERR_PARSE;
			return berth_error_codep(c->err);
		}
	for (size_t i = 0; i < n; i++) {
		const char *val = getenv(v[i]);
		if (strchr(v[i], '=') == NULL && val) {
			cleanup_free char *kv = xasprintf("%s=%s", v[i], val);
			json_array_append_new(env, json_string(kv));
		} else {
			json_array_append_new(env, json_string(v[i]));
		}
	}
	*ret = json_array_size(env) ? steal_pointer(&env) : json_null();
	return 0;
}

/* Labels: --label-file first, then -l, into a map */
static int parse_labels(struct ctx *c, json_t **ret)
{
	const char *const *v;
	size_t n = cli_flag_list(c->a, "label", &v);
	for (size_t i = 0; i < n; i++)
		if (v[i][0] == '=' || v[i][0] == '\0')
			return flag_error(c->o, c->err, "label", v[i],
					  "invalid label '%s': empty name", v[i]);
	cleanup_json json_t *lines = json_array();
	const char *const *files;
	size_t nf = cli_flag_list(c->a, "label-file", &files);
	for (size_t i = 0; i < nf; i++)
		if (opts_kvfile_read(files[i], 0, lines, c->err) < 0) {
			c->o->err_kind = OPTS_ERR_PARSE;
			return berth_error_codep(c->err);
		}
	json_t *map = json_object();
	size_t i;
	json_t *l;
	json_array_foreach(lines, i, l) kv_set(map, json_string_value(l));
	for (i = 0; i < n; i++)
		kv_set(map, v[i]);
	*ret = map;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Ports: go-connections nat.ParsePortSpec */

static int port_range(const char *s, unsigned long *start, unsigned long *end)
{
	if (*s == '\0')
		return -1;
	const char *dash = strchr(s, '-');
	char *e = NULL;
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*start = strtoul(s, &e, 10);
	if (errno || *start > 65535 || (dash ? e != dash : *e != '\0'))
		return -1;
	*end = *start;
	if (dash) {
		if (!isdigit((unsigned char)dash[1]))
			return -1;
		*end = strtoul(dash + 1, &e, 10);
		if (errno || *end > 65535 || *e || *end < *start)
			return -1;
	}
	return 0;
}

static int parse_port_spec(struct ctx *c, const char *raw, json_t *exposed, json_t *bindings)
{
	/* splitParts: [ip:]hostPort:containerPort with ip possibly holding colons */
	cleanup_free char *copy = xstrdup(raw);
	char *ctr = strrchr(copy, ':');
	char *ip = NULL, *host = NULL;
	if (ctr) {
		*ctr++ = '\0';
		host = strrchr(copy, ':');
		if (host) {
			*host++ = '\0';
			ip = copy;
		} else {
			host = copy;
		}
	} else {
		ctr = copy;
	}
	/* SplitProtoPort */
	const char *proto = "tcp";
	char *slash = strchr(ctr, '/');
	if (slash) {
		*slash = '\0';
		if (slash[1])
			proto = slash + 1;
	}
	if (ip) {
		size_t l = strlen(ip);
		if (l && ip[0] == '[')
			ip++, l--;
		if (l && ip[l - 1] == ']')
			ip[--l] = '\0';
		if (*ip && !valid_ip(ip))
			return parse_error(c->o, c->err, "invalid IP address: %s", ip);
	}
	if (*ctr == '\0')
		return parse_error(c->o, c->err, "no port specified: %s<empty>", raw);
	unsigned long cs, ce, hs = 0, he = 0;
	if (port_range(ctr, &cs, &ce) < 0)
		return parse_error(c->o, c->err, "invalid containerPort: %s", ctr);
	if (host && *host && port_range(host, &hs, &he) < 0)
		return parse_error(c->o, c->err, "invalid hostPort: %s", host);
	if (host && *host && ce - cs != he - hs && ce != cs)
		return parse_error(
			c->o, c->err,
			"invalid ranges specified for container and host Ports: %s and %s", ctr,
			host);
	cleanup_free char *lproto = xstrdup(proto);
	for (char *q = lproto; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	if (strcmp(lproto, "tcp") && strcmp(lproto, "udp") && strcmp(lproto, "sctp"))
		return parse_error(c->o, c->err, "invalid proto: %s", proto);
	for (unsigned long i = 0; i <= ce - cs; i++) {
		cleanup_free char *key = xasprintf("%lu/%s", cs + i, lproto);
		cleanup_free char *hp = NULL;
		if (host && *host) {
			if (cs == ce && hs != he)
				hp = xasprintf("%lu-%lu", hs, he);
			else
				hp = xasprintf("%lu", hs + i);
		}
		json_object_set_new(exposed, key, json_object());
		json_t *list = json_object_get(bindings, key);
		if (list == NULL) {
			list = json_array();
			json_object_set_new(bindings, key, list);
		}
		json_array_append_new(list, json_pack("{s:s,s:s}", "HostIp", ip ? ip : "",
						      "HostPort", hp ? hp : ""));
	}
	return 0;
}

/* -p (short and long syntax) and --expose */
static int parse_ports(struct ctx *c, json_t **ret_exposed, json_t **ret_bindings)
{
	cleanup_json json_t *exposed = json_object(), *bindings = json_object();
	const char *const *v;
	size_t n = cli_flag_list(c->a, "publish", &v);
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *spec = NULL;
		if (strchr(v[i], '=')) {
			/* convertToStandardNotation: published=8080,target=80,protocol=udp */
			const char *published = "", *target = "", *protocol = "tcp";
			cleanup_free char *copy = xstrdup(v[i]);
			char *save = NULL;
			for (char *p = strtok_r(copy, ",", &save); p;
			     p = strtok_r(NULL, ",", &save)) {
				char *eq = strchr(p, '=');
				if (eq == NULL)
					return parse_error(
						c->o, c->err,
						"invalid publish opts format (should be name=value but got '%s')",
						p);
				*eq = '\0';
				if (strcmp(p, "published") == 0)
					published = eq + 1;
				else if (strcmp(p, "target") == 0)
					target = eq + 1;
				else if (strcmp(p, "protocol") == 0)
					protocol = eq + 1;
			}
			spec = xasprintf("%s:%s/%s", published, target, protocol);
		} else {
			spec = xstrdup(v[i]);
		}
		if (parse_port_spec(c, spec, exposed, bindings) < 0)
			return -1;
	}
	n = cli_flag_list(c->a, "expose", &v);
	for (size_t i = 0; i < n; i++) {
		if (strchr(v[i], ':'))
			return parse_error(c->o, c->err, "invalid port format for --expose: %s",
					   v[i]);
		cleanup_free char *copy = xstrdup(v[i]);
		const char *proto = "tcp";
		char *slash = strchr(copy, '/');
		if (slash) {
			*slash = '\0';
			if (slash[1])
				proto = slash + 1;
		}
		unsigned long s, e;
		if (port_range(copy, &s, &e) < 0)
			return parse_error(
				c->o, c->err,
				"invalid range format for --expose: %s, error: invalid port", v[i]);
		for (unsigned long p = s; p <= e; p++) {
			cleanup_free char *key = xasprintf("%lu/%s", p, proto);
			json_object_set_new(exposed, key, json_object());
		}
	}
	*ret_exposed = steal_pointer(&exposed);
	*ret_bindings = steal_pointer(&bindings);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Volumes: -v (compose's ParseVolume decides bind or anonymous), --mount,
 * --tmpfs */

static int parse_volumes(struct ctx *c, json_t **ret_binds, json_t **ret_volumes)
{
	cleanup_json json_t *binds = json_array(), *volumes = json_object();
	const char *const *v;
	size_t n = cli_flag_list(c->a, "volume", &v);
	for (size_t i = 0; i < n; i++) {
		const char *spec = v[i];
		size_t len = strlen(spec);
		if (len == 0)
			return parse_error(c->o, c->err, "invalid empty volume spec");
		bool has_source = false;
		if (len > 2) {
			/* fields separated by ':': source, target, options */
			int fields = 0;
			size_t flen = 0;
			for (size_t k = 0; k <= len; k++) {
				char ch = spec[k];
				bool drive = flen == 1 && ch == ':' &&
					     isalpha((unsigned char)spec[k - 1]) && fields == 0;
				if (drive) {
					flen++;
					continue;
				}
				if (ch == ':' || ch == '\0') {
					if (flen == 0)
						return parse_error(
							c->o, c->err,
							"invalid spec: %s: empty section between colons",
							spec);
					if (fields == 2 && ch == ':')
						return parse_error(
							c->o, c->err,
							"invalid spec: %s: too many colons", spec);
					if (fields == 0 && ch == ':')
						has_source = true;
					fields++;
					flen = 0;
				} else {
					flen++;
				}
			}
		}
		if (has_source) {
			if (!strv_has(binds, spec))
				json_array_append_new(binds, json_string(spec));
		} else {
			json_object_set_new(volumes, spec, json_object());
		}
	}
	*ret_binds = json_array_size(binds) ? steal_pointer(&binds) : json_null();
	*ret_volumes = steal_pointer(&volumes);
	return 0;
}

static json_t *obj_child(json_t *parent, const char *key)
{
	json_t *o = json_object_get(parent, key);
	if (o == NULL) {
		o = json_object();
		json_object_set_new(parent, key, o);
	}
	return o;
}

/* Go's filepath.Abs: the working directory joined with p, cleaned (".",
 * "..", repeated slashes); NULL when the directory is unknown */
static char *path_abs(const char *p)
{
	cleanup_free char *cwd = getcwd(NULL, 0);
	if (cwd == NULL)
		return NULL;
	cleanup_free char *joined = xasprintf("%s/%s", cwd, p);
	char *out = xmalloc(strlen(joined) + 2);
	size_t len = 0;
	for (char *seg = joined; *seg;) {
		while (*seg == '/')
			seg++;
		size_t sl = strcspn(seg, "/");
		if (sl == 0)
			break;
		if (sl == 1 && seg[0] == '.') {
			/* nothing */
		} else if (sl == 2 && seg[0] == '.' && seg[1] == '.') {
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
		} else {
			out[len++] = '/';
			memcpy(out + len, seg, sl);
			len += sl;
		}
		seg += sl;
	}
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
	return out;
}

/* One --mount value (docker's opts.MountOpt.Set) */
static int parse_mount(struct ctx *c, const char *value, json_t **ret)
{
	cleanup_json json_t *m = json_object();
	cleanup_free char *type = xstrdup("volume");
	cleanup_free char *copy = xstrdup(value);
	json_t *bind = NULL, *vol = NULL, *tmpfs = NULL;
	bool ro = false;
	char *save = NULL;
	for (char *field = strtok_r(copy, ",", &save); field; field = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(field, '=');
		if (eq)
			*eq = '\0';
		for (char *q = field; *q; q++)
			*q = (char)tolower((unsigned char)*q);
		const char *key = field, *val = eq ? eq + 1 : NULL;
		if (val == NULL) {
			if (!strcmp(key, "readonly") || !strcmp(key, "ro"))
				ro = true;
			else if (!strcmp(key, "volume-nocopy"))
				json_object_set_new(vol = obj_child(m, "VolumeOptions"), "NoCopy",
						    json_true());
			else if (!strcmp(key, "bind-nonrecursive"))
				json_object_set_new(bind = obj_child(m, "BindOptions"),
						    "NonRecursive", json_true());
			else
				return flag_error(c->o, c->err, "mount", value,
						  "invalid field '%s' must be a key=value pair",
						  key);
			continue;
		}
		bool b;
		if (!strcmp(key, "type")) {
			free(type);
			type = xstrdup(val);
			for (char *q = type; *q; q++)
				*q = (char)tolower((unsigned char)*q);
		} else if (!strcmp(key, "source") || !strcmp(key, "src")) {
			/* filepath.Abs for "." and "./x", as docker does */
			cleanup_free char *abs = NULL;
			if (strcmp(val, ".") == 0 || strncmp(val, "./", 2) == 0)
				abs = path_abs(val);
			json_object_set_new(m, "Source", json_string(abs ? abs : val));
		} else if (!strcmp(key, "target") || !strcmp(key, "dst") ||
			   !strcmp(key, "destination")) {
			json_object_set_new(m, "Target", json_string(val));
		} else if (!strcmp(key, "readonly") || !strcmp(key, "ro")) {
			if (cli_parse_go_bool(val, &ro, NULL) < 0)
				return flag_error(c->o, c->err, "mount", value,
						  "invalid value for %s: %s", key, val);
		} else if (!strcmp(key, "consistency")) {
			json_object_set_new(m, "Consistency", json_string(val));
		} else if (!strcmp(key, "bind-propagation")) {
			json_object_set_new(bind = obj_child(m, "BindOptions"), "Propagation",
					    json_string(val));
		} else if (!strcmp(key, "bind-nonrecursive")) {
			if (cli_parse_go_bool(val, &b, NULL) < 0)
				return flag_error(c->o, c->err, "mount", value,
						  "invalid value for %s: %s", key, val);
			bind = obj_child(m, "BindOptions");
			if (b)
				json_object_set_new(bind, "NonRecursive", json_true());
		} else if (!strcmp(key, "volume-nocopy")) {
			if (cli_parse_go_bool(val, &b, NULL) < 0)
				return flag_error(c->o, c->err, "mount", value,
						  "invalid value for volume-nocopy: %s", val);
			vol = obj_child(m, "VolumeOptions");
			if (b)
				json_object_set_new(vol, "NoCopy", json_true());
		} else if (!strcmp(key, "volume-label")) {
			kv_set(obj_child(vol = obj_child(m, "VolumeOptions"), "Labels"), val);
		} else if (!strcmp(key, "volume-driver")) {
			json_object_set_new(obj_child(vol = obj_child(m, "VolumeOptions"),
						      "DriverConfig"),
					    "Name", json_string(val));
		} else if (!strcmp(key, "volume-opt")) {
			json_t *dc = obj_child(vol = obj_child(m, "VolumeOptions"), "DriverConfig");
			kv_set(obj_child(dc, "Options"), val);
		} else if (!strcmp(key, "volume-subpath")) {
			json_object_set_new(vol = obj_child(m, "VolumeOptions"), "Subpath",
					    json_string(val));
		} else if (!strcmp(key, "tmpfs-size")) {
			int64_t size;
			if (opts_ram_bytes(val, &size, NULL) < 0)
				return flag_error(c->o, c->err, "mount", value,
						  "invalid value for %s: %s", key, val);
			json_object_set_new(tmpfs = obj_child(m, "TmpfsOptions"), "SizeBytes",
					    json_integer(size));
		} else if (!strcmp(key, "tmpfs-mode")) {
			char *e = NULL;
			errno = 0;
			unsigned long mode = strtoul(val, &e, 8);
			if (*val == '\0' || *e || errno || mode > UINT32_MAX)
				return flag_error(c->o, c->err, "mount", value,
						  "invalid value for %s: %s", key, val);
			json_object_set_new(tmpfs = obj_child(m, "TmpfsOptions"), "Mode",
					    json_integer((json_int_t)mode));
		} else {
			return flag_error(c->o, c->err, "mount", value,
					  "unexpected key '%s' in '%s'", key, field);
		}
	}
	if (*type == '\0')
		return flag_error(c->o, c->err, "mount", value, "type is required");
	if (json_object_get(m, "Target") == NULL ||
	    !*json_string_value(json_object_get(m, "Target")))
		return flag_error(c->o, c->err, "mount", value, "target is required");
	if (vol && strcmp(type, "volume"))
		return flag_error(c->o, c->err, "mount", value,
				  "cannot mix 'volume-*' options with mount type '%s'", type);
	if (bind && strcmp(type, "bind"))
		return flag_error(c->o, c->err, "mount", value,
				  "cannot mix 'bind-*' options with mount type '%s'", type);
	if (tmpfs && strcmp(type, "tmpfs"))
		return flag_error(c->o, c->err, "mount", value,
				  "cannot mix 'tmpfs-*' options with mount type '%s'", type);
	/* docker's field order: Type, Source, Target, ReadOnly, Consistency, options */
	json_t *out = json_pack("{s:s}", "Type", type);
	static const char *const order[] = { "Source", "Target" };
	for (size_t i = 0; i < 2; i++)
		if (json_object_get(m, order[i]) &&
		    *json_string_value(json_object_get(m, order[i])))
			json_object_set(out, order[i], json_object_get(m, order[i]));
	if (ro)
		json_object_set_new(out, "ReadOnly", json_true());
	static const char *const rest[] = { "Consistency", "BindOptions", "VolumeOptions",
					    "TmpfsOptions" };
	for (size_t i = 0; i < 4; i++)
		if (json_object_get(m, rest[i]))
			json_object_set(out, rest[i], json_object_get(m, rest[i]));
	*ret = out;
	return 0;
}

static int parse_mounts(struct ctx *c, json_t **ret)
{
	cleanup_json json_t *mounts = json_array();
	const char *const *v;
	size_t n = cli_flag_list(c->a, "mount", &v);
	for (size_t i = 0; i < n; i++) {
		json_t *m;
		if (parse_mount(c, v[i], &m) < 0)
			return -1;
		json_array_append_new(mounts, m);
	}
	*ret = json_array_size(mounts) ? steal_pointer(&mounts) : NULL;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Resources and security */

static int bytes_flag(struct ctx *c, const char *name, bool allow_minus_one, int64_t *ret)
{
	const char *v = cli_flag_string(c->a, name);
	*ret = 0;
	if (v == NULL)
		return 0;
	if (allow_minus_one && strcmp(v, "-1") == 0) {
		*ret = -1;
		return 0;
	}
	cleanup_error berth_error_t *e = NULL;
	if (opts_ram_bytes(v, ret, &e) < 0)
		return flag_error(c->o, c->err, name, v, "%s", e->msg);
	return 0;
}

static int duration_flag(struct ctx *c, const char *name, int64_t *ret)
{
	const char *v = cli_flag_string(c->a, name);
	*ret = 0;
	if (v == NULL)
		return 0;
	cleanup_error berth_error_t *e = NULL;
	if (opts_go_duration(v, ret, &e) < 0)
		return flag_error(c->o, c->err, name, v, "%s", e->msg);
	return 0;
}

static const char *const ulimit_names[] = { "core",   "cpu",        "data",     "fsize",
					    "locks",  "memlock",    "msgqueue", "nice",
					    "nofile", "nproc",      "rss",      "rtprio",
					    "rttime", "sigpending", "stack",    NULL };

/* go-units ParseUlimit; later values of a name replace earlier ones and the
 * list is sorted by name */
static int parse_ulimits(struct ctx *c, json_t **ret)
{
	cleanup_json json_t *byname = json_object();
	const char *const *v;
	size_t n = cli_flag_list(c->a, "ulimit", &v);
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(v[i], '=');
		if (eq == NULL)
			return flag_error(c->o, c->err, "ulimit", v[i],
					  "invalid ulimit argument: %s", v[i]);
		cleanup_free char *name = xstrndup(v[i], (size_t)(eq - v[i]));
		bool known = false;
		for (size_t k = 0; ulimit_names[k]; k++)
			known |= strcmp(ulimit_names[k], name) == 0;
		if (!known)
			return flag_error(c->o, c->err, "ulimit", v[i], "invalid ulimit type: %s",
					  name);
		cleanup_free char *vals = xstrdup(eq + 1);
		char *colon = strchr(vals, ':');
		if (colon && strchr(colon + 1, ':'))
			return flag_error(
				c->o, c->err, "ulimit", v[i],
				"too many limit value arguments - %s, can only have up to two, `soft[:hard]`",
				eq + 1);
		if (colon)
			*colon = '\0';
		int64_t soft, hard;
		cleanup_error berth_error_t *e = NULL;
		if (colon && cli_parse_go_int(colon + 1, &hard, &e) < 0)
			return flag_error(c->o, c->err, "ulimit", v[i], "%s", e->msg);
		if (cli_parse_go_int(vals, &soft, &e) < 0)
			return flag_error(c->o, c->err, "ulimit", v[i], "%s", e->msg);
		if (!colon)
			hard = soft;
		if (hard != -1 && soft > hard)
			return flag_error(
				c->o, c->err, "ulimit", v[i],
				"ulimit soft limit must be less than or equal to hard limit: %lld > %lld",
				(long long)soft, (long long)hard);
		json_object_set_new(byname, name,
				    json_pack("{s:s,s:I,s:I}", "Name", name, "Hard",
					      (json_int_t)hard, "Soft", (json_int_t)soft));
	}
	json_t *list = json_array();
	for (size_t k = 0; ulimit_names[k]; k++)
		if (json_object_get(byname, ulimit_names[k]))
			json_array_append(list, json_object_get(byname, ulimit_names[k]));
	*ret = list;
	return 0;
}

/* opts.ValidateExtraHost: "host:ip" or "host=ip", sent as "host:ip" */
static int parse_extra_hosts(struct ctx *c, json_t **ret)
{
	const char *const *v;
	size_t n = cli_flag_list(c->a, "add-host", &v);
	if (n == 0) {
		*ret = json_null();
		return 0;
	}
	cleanup_json json_t *out = json_array();
	for (size_t i = 0; i < n; i++) {
		const char *sep = strchr(v[i], '=');
		if (sep == NULL)
			sep = strchr(v[i], ':');
		cleanup_free char *host = sep ? xstrndup(v[i], (size_t)(sep - v[i])) : NULL;
		if (sep == NULL || *host == '\0' || strchr(host, ':'))
			return flag_error(c->o, c->err, "add-host", v[i],
					  "bad format for add-host: \"%s\"", v[i]);
		cleanup_free char *ip = xstrdup(sep + 1);
		size_t l = strlen(ip);
		if (strcmp(ip, "host-gateway") != 0) {
			if (l > 2 && ip[0] == '[' && ip[l - 1] == ']') {
				memmove(ip, ip + 1, l - 2);
				ip[l - 2] = '\0';
			}
			if (!valid_ip(ip))
				return flag_error(c->o, c->err, "add-host", v[i],
						  "invalid IP address in add-host: \"%s\"", ip);
		}
		cleanup_free char *entry = xasprintf("%s:%s", host, ip);
		json_array_append_new(out, json_string(entry));
	}
	*ret = steal_pointer(&out);
	return 0;
}

static int parse_dns(struct ctx *c, json_t **ret)
{
	const char *const *v;
	size_t n = cli_flag_list(c->a, "dns", &v);
	for (size_t i = 0; i < n; i++)
		if (!valid_ip(v[i]))
			return flag_error(c->o, c->err, "dns", v[i],
					  "IP address is not correctly formatted: %s", v[i]);
	*ret = strv_json(v, n);
	return 0;
}

/* opts.ValidateSysctl: the namespaced sysctls docker lets through */
static int parse_sysctls(struct ctx *c, json_t **ret)
{
	static const char *const exact[] = {
		"kernel.msgmax", "kernel.msgmnb",          "kernel.msgmni",
		"kernel.sem",    "kernel.shmall",          "kernel.shmmax",
		"kernel.shmmni", "kernel.shm_rmid_forced", NULL
	};
	const char *const *v;
	size_t n = cli_flag_list(c->a, "sysctl", &v);
	cleanup_json json_t *map = json_object();
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(v[i], '=');
		cleanup_free char *k = eq ? xstrndup(v[i], (size_t)(eq - v[i])) : NULL;
		bool ok = false;
		if (k && *k) {
			for (size_t j = 0; exact[j]; j++)
				ok |= strcmp(k, exact[j]) == 0;
			ok |= strncmp(k, "fs.mqueue.", 10) == 0 || strncmp(k, "net.", 4) == 0;
		}
		if (!ok)
			return flag_error(c->o, c->err, "sysctl", v[i],
					  "sysctl '%s' is not allowed", v[i]);
		kv_set(map, v[i]);
	}
	*ret = json_object_size(map) ? steal_pointer(&map) : NULL;
	return 0;
}

static bool valid_device_mode(const char *m)
{
	if (*m == '\0')
		return false;
	bool seen[3] = { false, false, false };
	for (; *m; m++) {
		const char *p = strchr("rwm", *m);
		if (p == NULL || *m == '\0' || seen[p - "rwm"])
			return false;
		seen[p - "rwm"] = true;
	}
	return true;
}

/* --device host[:container][:perms] (validateLinuxPath, parseLinuxDevice) */
static int parse_devices(struct ctx *c, json_t **ret)
{
	cleanup_json json_t *out = json_array();
	const char *const *v;
	size_t n = cli_flag_list(c->a, "device", &v);
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *copy = xstrdup(v[i]);
		char *parts[3] = { copy, NULL, NULL };
		size_t np = 1;
		for (char *p = copy; *p; p++)
			if (*p == ':') {
				if (np == 3)
					return parse_error(c->o, c->err, "bad format for path: %s",
							   v[i]);
				*p = '\0';
				parts[np++] = p + 1;
			}
		if (*parts[0] == '\0')
			return parse_error(c->o, c->err, "bad format for path: %s", v[i]);
		const char *src = parts[0], *dst = NULL, *perms = "rwm";
		if (np == 3) {
			if (!valid_device_mode(parts[2]))
				return parse_error(c->o, c->err, "bad mode specified: %s",
						   parts[2]);
			dst = parts[1];
			perms = parts[2];
		} else if (np == 2) {
			if (valid_device_mode(parts[1]))
				perms = parts[1];
			else
				dst = parts[1];
		}
		const char *ctr = dst ? dst : src;
		if (ctr[0] != '/')
			return parse_error(c->o, c->err, "%s is not an absolute path", ctr);
		json_array_append_new(out, json_pack("{s:s,s:s,s:s}", "PathOnHost", src,
						     "PathInContainer", ctr, "CgroupPermissions",
						     perms));
	}
	*ret = steal_pointer(&out);
	return 0;
}

/* parseSecurityOpts + parseSystemPaths: a seccomp profile file is read and
 * sent inline; systempaths=unconfined becomes empty masked/read-only paths */
static int parse_security(struct ctx *c, json_t **ret_opts, bool *unconfined_paths)
{
	const char *const *v;
	size_t n = cli_flag_list(c->a, "security-opt", &v);
	*unconfined_paths = false;
	if (n == 0) {
		*ret_opts = json_null();
		return 0;
	}
	cleanup_json json_t *out = json_array();
	for (size_t i = 0; i < n; i++) {
		const char *opt = v[i];
		const char *sep = strchr(opt, '=');
		if (sep == NULL && strcmp(opt, "no-new-privileges") != 0) {
			sep = strchr(opt, ':');
			if (sep == NULL)
				return parse_error(c->o, c->err, "Invalid --security-opt: \"%s\"",
						   opt);
		}
		if (strcmp(opt, "systempaths=unconfined") == 0) {
			*unconfined_paths = true;
			continue;
		}
		if (sep && strncmp(opt, "seccomp", (size_t)(sep - opt)) == 0 && sep - opt == 7 &&
		    strcmp(sep + 1, "unconfined") != 0) {
			cleanup_json json_t *profile = NULL;
			cleanup_error berth_error_t *e = NULL;
			if (bjson_load_file(sep + 1, OPTS_FILE_MAX, 0, &profile, &e) < 0)
				return parse_error(c->o, c->err,
						   "opening seccomp profile (%s) failed: %s",
						   sep + 1, e->msg);
			cleanup_free char *compact =
				json_dumps(profile, JSON_COMPACT | JSON_PRESERVE_ORDER);
			cleanup_free char *entry = xasprintf("seccomp=%s", compact);
			json_array_append_new(out, json_string(entry));
			continue;
		}
		json_array_append_new(out, json_string(opt));
	}
	*ret_opts = steal_pointer(&out);
	return 0;
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Capabilities as docker 28 sends them: trimmed, upper case, "CAP_"
 * prefixed (but "ALL"), deduplicated and sorted; the daemon works out what
 * an add and a drop of the same capability mean */
static json_t *caps_list(const struct cli_args *a, const char *flag)
{
	const char *const *v;
	size_t n = cli_flag_list(a, flag, &v);
	if (n == 0)
		return json_null();
	char **caps = xcalloc(n, sizeof(*caps));
	for (size_t i = 0; i < n; i++) {
		const char *s = v[i];
		while (isspace((unsigned char)*s))
			s++;
		cleanup_free char *cap = xstrdup(s);
		size_t l = strlen(cap);
		while (l && isspace((unsigned char)cap[l - 1]))
			cap[--l] = '\0';
		for (char *q = cap; *q; q++)
			*q = (char)toupper((unsigned char)*q);
		caps[i] = strcmp(cap, "ALL") && strncmp(cap, "CAP_", 4) ? xasprintf("CAP_%s", cap) :
									  xstrdup(cap);
	}
	qsort(caps, n, sizeof(*caps), cmp_str);
	json_t *out = json_array();
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(caps[i], caps[i - 1]) != 0)
			json_array_append_new(out, json_string(caps[i]));
	for (size_t i = 0; i < n; i++)
		free(caps[i]);
	free(caps);
	return out;
}

/* Block IO: --blkio-weight-device /dev/x:W, --device-{read,write}-{bps,iops}
 * /dev/x:RATE (opts.ValidateWeightDevice, ValidateThrottleBpsDevice,
 * ValidateThrottleIOpsDevice) */
static int parse_blkio_list(struct ctx *c, const char *flag, json_t **ret)
{
	bool weight = strcmp(flag, "blkio-weight-device") == 0;
	bool bps = strstr(flag, "bps") != NULL;
	cleanup_json json_t *out = json_array();
	const char *const *v;
	size_t n = cli_flag_list(c->a, flag, &v);
	for (size_t i = 0; i < n; i++) {
		const char *colon = strchr(v[i], ':');
		if (colon == NULL || colon == v[i])
			return flag_error(c->o, c->err, flag, v[i], "bad format: %s", v[i]);
		cleanup_free char *path = xstrndup(v[i], (size_t)(colon - v[i]));
		if (strncmp(path, "/dev/", 5) != 0)
			return flag_error(c->o, c->err, flag, v[i],
					  "bad format for device path: %s", v[i]);
		const char *val = colon + 1;
		int64_t num = 0;
		/* one isdigit() call: end is set only when strtoull ran */
		bool digit = isdigit((unsigned char)*val);
		char *end = NULL;
		errno = 0;
		unsigned long long u = digit ? strtoull(val, &end, 10) : 0;
		bool uint_ok = digit && *end == '\0' && errno == 0;
		if (weight) {
			if (!uint_ok || u > 65535 || (u > 0 && (u < 10 || u > 1000)))
				return flag_error(c->o, c->err, flag, v[i],
						  "invalid weight for device: %s", v[i]);
			json_array_append_new(out, json_pack("{s:s,s:I}", "Path", path, "Weight",
							     (json_int_t)u));
			continue;
		}
		if (bps ? opts_ram_bytes(val, &num, NULL) < 0 : !uint_ok || u > INT64_MAX)
			return flag_error(
				c->o, c->err, flag, v[i],
				bps ? "invalid rate for device: %s. The correct format is <device-path>:<number>[<unit>]. "
				      "Number must be a positive integer. Unit is optional and can be kb, mb, or gb" :
				      "invalid rate for device: %s. The correct format is <device-path>:<number>. "
				      "Number must be a positive integer",
				v[i]);
		json_array_append_new(out, json_pack("{s:s,s:I}", "Path", path, "Rate",
						     (json_int_t)(bps ? num : (int64_t)u)));
	}
	*ret = steal_pointer(&out);
	return 0;
}

/* --device-cgroup-rule: ^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$ */
static bool cgroup_rule_ok(const char *s)
{
	if (!strchr("acb", *s) || *s == '\0' || s[1] != ' ')
		return false;
	s += 2;
	for (int part = 0; part < 2; part++) {
		if (*s == '*')
			s++;
		else if (isdigit((unsigned char)*s))
			while (isdigit((unsigned char)*s))
				s++;
		else
			return false;
		if (*s++ != (part == 0 ? ':' : ' '))
			return false;
	}
	size_t n = strspn(s, "rwm");
	return n >= 1 && n <= 3 && s[n] == '\0';
}

/* net.ParseMAC for the usual form: six hex pairs split by ':' or '-' */
static bool mac_ok(const char *s)
{
	if (strlen(s) != 17)
		return false;
	for (int i = 0; i < 17; i++) {
		if (i % 3 == 2) {
			if (s[i] != s[2] || (s[i] != ':' && s[i] != '-'))
				return false;
		} else if (!isxdigit((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

static int parse_misc(struct ctx *c, json_t **ret_rules, json_t **ret_storage)
{
	const char *const *v;
	size_t n = cli_flag_list(c->a, "device-cgroup-rule", &v);
	for (size_t i = 0; i < n; i++)
		if (!cgroup_rule_ok(v[i]))
			return flag_error(c->o, c->err, "device-cgroup-rule", v[i],
					  "invalid device cgroup format '%s'", v[i]);
	const char *mac = cli_flag_string(c->a, "mac-address");
	if (mac && *mac && !mac_ok(mac))
		return parse_error(c->o, c->err, "%s is not a valid mac address", mac);
	int64_t kmem;
	if (bytes_flag(c, "kernel-memory", false, &kmem) < 0)
		return -1;
	cleanup_json json_t *storage = json_object();
	size_t ns = cli_flag_list(c->a, "storage-opt", &v);
	for (size_t i = 0; i < ns; i++) {
		if (!strchr(v[i], '='))
			return parse_error(c->o, c->err, "invalid storage option");
		kv_set(storage, v[i]);
	}
	*ret_rules = json_null();
	if (n) {
		json_decref(*ret_rules);
		n = cli_flag_list(c->a, "device-cgroup-rule", &v);
		*ret_rules = strv_json(v, n);
	}
	*ret_storage = ns ? steal_pointer(&storage) : NULL;
	return 0;
}

/* opts.ParseRestartPolicy */
static int parse_restart(struct ctx *c, json_t **ret)
{
	const char *p = str_or_empty(c->a, "restart");
	const char *colon = strchr(p, ':');
	if (colon == p)
		return parse_error(c->o, c->err,
				   "invalid restart policy format: no policy provided before colon");
	int64_t count = 0;
	if (colon && colon[1]) {
		if (cli_parse_go_int(colon + 1, &count, NULL) < 0 || count < INT_MIN ||
		    count > INT_MAX)
			return parse_error(
				c->o, c->err,
				"invalid restart policy format: maximum retry count must be an integer");
	}
	cleanup_free char *name = colon ? xstrndup(p, (size_t)(colon - p)) : xstrdup(p);
	if (cli_flag_bool(c->a, "rm") && *name && strcmp(name, "no") != 0)
		return parse_error(c->o, c->err,
				   "conflicting options: cannot specify both --restart and --rm");
	*ret = json_pack("{s:s,s:I}", "Name", name, "MaximumRetryCount", (json_int_t)count);
	return 0;
}

static int parse_healthcheck(struct ctx *c, json_t **ret)
{
	int64_t interval, timeout, start_period, start_interval;
	if (duration_flag(c, "health-interval", &interval) < 0 ||
	    duration_flag(c, "health-timeout", &timeout) < 0 ||
	    duration_flag(c, "health-start-period", &start_period) < 0 ||
	    duration_flag(c, "health-start-interval", &start_interval) < 0)
		return -1;
	const char *cmd = str_or_empty(c->a, "health-cmd");
	int64_t retries = cli_flag_int(c->a, "health-retries");
	bool have = *cmd || interval || timeout || start_period || start_interval || retries;
	*ret = NULL;
	if (cli_flag_bool(c->a, "no-healthcheck")) {
		if (have)
			return parse_error(c->o, c->err,
					   "--no-healthcheck conflicts with --health-* options");
		*ret = json_pack("{s:[s]}", "Test", "NONE");
		return 0;
	}
	if (!have)
		return 0;
	if (interval < 0)
		return parse_error(c->o, c->err, "--health-interval cannot be negative");
	if (timeout < 0)
		return parse_error(c->o, c->err, "--health-timeout cannot be negative");
	if (retries < 0)
		return parse_error(c->o, c->err, "--health-retries cannot be negative");
	if (start_period < 0)
		return parse_error(c->o, c->err, "--health-start-period cannot be negative");
	if (start_interval < 0)
		return parse_error(c->o, c->err, "--health-start-interval cannot be negative");
	json_t *h = json_object();
	if (*cmd)
		json_object_set_new(h, "Test", json_pack("[s,s]", "CMD-SHELL", cmd));
	const struct {
		const char *key;
		int64_t v;
	} d[] = { { "Interval", interval },
		  { "Timeout", timeout },
		  { "StartPeriod", start_period },
		  { "StartInterval", start_interval },
		  { "Retries", retries } };
	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++)
		if (d[i].v)
			json_object_set_new(h, d[i].key, json_integer(d[i].v));
	*ret = h;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Networks: --network (plain names or name=...,alias=...,ip=...),
 * --network-alias and --ip on the first one */

static bool network_user_defined(const char *n)
{
	return strcmp(n, "default") && strcmp(n, "bridge") && strcmp(n, "host") &&
	       strcmp(n, "none") && strncmp(n, "container:", 10) != 0;
}

static json_t *endpoint_new(void)
{
	return json_pack("{s:n,s:n,s:n,s:s,s:n,s:i,s:s,s:s,s:s,s:s,s:i,s:s,s:s,s:i,s:n}",
			 "IPAMConfig", "Links", "Aliases", "MacAddress", "", "DriverOpts",
			 "GwPriority", 0, "NetworkID", "", "EndpointID", "", "Gateway", "",
			 "IPAddress", "", "IPPrefixLen", 0, "IPv6Gateway", "", "GlobalIPv6Address",
			 "", "GlobalIPv6PrefixLen", 0, "DNSNames");
}

static int parse_networks(struct ctx *c, char **ret_mode, json_t **ret)
{
	cleanup_json json_t *eps = json_object();
	const char *const *v;
	size_t n = cli_flag_list(c->a, "network", &v);
	static const char *const dflt[] = { "default" };
	/* without --network docker sends the default network's (empty)
	 * endpoint; one --network without options sends none */
	bool implicit = n == 0;
	if (implicit)
		v = dflt, n = 1;
	cleanup_free char *mode = NULL;
	for (size_t i = 0; i < n; i++) {
		cleanup_json json_t *ep = endpoint_new();
		cleanup_json json_t *aliases = json_array();
		cleanup_free char *target = NULL, *ip4 = NULL, *ip6 = NULL;
		cleanup_json json_t *link_local = NULL, *links = NULL;
		if (strchr(v[i], '=')) {
			cleanup_free char *copy = xstrdup(v[i]);
			char *save = NULL;
			for (char *f = strtok_r(copy, ",", &save); f;
			     f = strtok_r(NULL, ",", &save)) {
				char *eq = strchr(f, '=');
				if (eq == NULL)
					return flag_error(
						c->o, c->err, "network", v[i],
						"invalid field '%s' must be a key=value pair", f);
				*eq++ = '\0';
				if (!strcmp(f, "name")) {
					free(target);
					target = xstrdup(eq);
				} else if (!strcmp(f, "alias")) {
					json_array_append_new(aliases, json_string(eq));
				} else if (!strcmp(f, "ip")) {
					free(ip4);
					ip4 = xstrdup(eq);
				} else if (!strcmp(f, "ip6")) {
					free(ip6);
					ip6 = xstrdup(eq);
				} else {
					return flag_error(c->o, c->err, "network", v[i],
							  "invalid field key %s", f);
				}
			}
		} else {
			target = xstrdup(v[i]);
		}
		if (target == NULL || *target == '\0')
			return parse_error(c->o, c->err, "no name set for network");
		if (i == 0) {
			const char *const *al;
			size_t nal = cli_flag_list(c->a, "network-alias", &al);
			if (nal && json_array_size(aliases))
				return parse_error(
					c->o, c->err,
					"conflicting options: cannot specify both --network-alias and per-network alias");
			for (size_t k = 0; k < nal; k++)
				json_array_append_new(aliases, json_string(al[k]));
			const char *const *ll;
			size_t nll = cli_flag_list(c->a, "link-local-ip", &ll);
			if (nll)
				link_local = strv_json(ll, nll);
			const char *mac = cli_flag_string(c->a, "mac-address");
			if (mac && *mac)
				json_object_set_new(ep, "MacAddress", json_string(mac));
			links = list_or_null(c->a, "link");
			const char *ip = cli_flag_string(c->a, "ip"),
				   *ipv6 = cli_flag_string(c->a, "ip6");
			if (ip && *ip) {
				if (ip4)
					return parse_error(
						c->o, c->err,
						"conflicting options: cannot specify both --ip and per-network IPv4 address");
				ip4 = xstrdup(ip);
			}
			if (ipv6 && *ipv6) {
				if (ip6)
					return parse_error(
						c->o, c->err,
						"conflicting options: cannot specify both --ip6 and per-network IPv6 address");
				ip6 = xstrdup(ipv6);
			}
		}
		if (!network_user_defined(target) && json_array_size(aliases))
			return parse_error(
				c->o, c->err,
				"network-scoped aliases are only supported for user-defined networks");
		if (json_array_size(aliases))
			json_object_set(ep, "Aliases", aliases);
		if (ip4 || ip6 || link_local) {
			json_t *ipam = json_object();
			if (ip4)
				json_object_set_new(ipam, "IPv4Address", json_string(ip4));
			if (ip6)
				json_object_set_new(ipam, "IPv6Address", json_string(ip6));
			if (link_local)
				json_object_set(ipam, "LinkLocalIPs", link_local);
			json_object_set_new(ep, "IPAMConfig", ipam);
		}
		/* legacy links stay in HostConfig on the default networks */
		if (links && json_array_size(links) && network_user_defined(target))
			json_object_set(ep, "Links", links);
		if (json_object_get(eps, target) || (mode && strcmp(mode, target) == 0))
			return parse_error(c->o, c->err,
					   "network \"%s\" is specified multiple times", target);
		if (i == 0)
			mode = xstrdup(target);
		if (!implicit && n == 1 && !json_array_size(aliases) && !ip4 && !ip6 &&
		    !link_local && !*json_string_value(json_object_get(ep, "MacAddress")) &&
		    !json_array_size(json_object_get(ep, "Links")))
			continue;
		json_object_set(eps, target, ep);
	}
	if (json_object_get(eps, "host") || json_object_get(eps, "none") ||
	    json_object_get(eps, "default") || json_object_get(eps, "bridge")) {
		bool user = false;
		const char *key;
		json_t *val;
		json_object_foreach(eps, key, val) user |= network_user_defined(key);
		if (user)
			return parse_error(
				c->o, c->err,
				"conflicting options: cannot attach both user-defined and non-user-defined network-modes");
	}
	*ret_mode = steal_pointer(&mode);
	*ret = json_pack("{s:O}", "EndpointsConfig", eps);
	return 0;
}

/* ------------------------------------------------------------------ */

static int check_modes(struct ctx *c)
{
	const char *pid = str_or_empty(c->a, "pid");
	if (*pid && strcmp(pid, "host") && !(strncmp(pid, "container:", 10) == 0 && pid[10]))
		return parse_error(c->o, c->err, "--pid: invalid PID mode");
	const char *uts = str_or_empty(c->a, "uts");
	if (*uts && strcmp(uts, "host"))
		return parse_error(c->o, c->err, "--uts: invalid UTS mode");
	const char *userns = str_or_empty(c->a, "userns");
	if (*userns && strcmp(userns, "host"))
		return parse_error(c->o, c->err, "--userns: invalid USER mode");
	const char *cgns = str_or_empty(c->a, "cgroupns");
	if (*cgns && strcmp(cgns, "host") && strcmp(cgns, "private"))
		return parse_error(c->o, c->err, "--cgroupns: invalid CGROUP mode");
	return 0;
}

static int check_attach(struct ctx *c)
{
	const char *const *v;
	size_t n = cli_flag_list(c->a, "attach", &v);
	for (size_t i = 0; i < n; i++) {
		if (strcasecmp(v[i], "stdin") == 0)
			c->o->attach_stdin = true;
		else if (strcasecmp(v[i], "stdout") == 0)
			c->o->attach_stdout = true;
		else if (strcasecmp(v[i], "stderr") == 0)
			c->o->attach_stderr = true;
		else
			return flag_error(c->o, c->err, "attach", v[i],
					  "valid streams are STDIN, STDOUT and STDERR");
	}
	if (n == 0)
		c->o->attach_stdout = c->o->attach_stderr = true;
	if (cli_flag_bool(c->a, "interactive"))
		c->o->attach_stdin = true;
	return 0;
}

/* Flag values pflag would have refused while parsing */
static int check_flag_values(struct ctx *c, int64_t *mem, int64_t *swap, int64_t *resv,
			     int64_t *shm, int64_t *nano)
{
	if (bytes_flag(c, "memory", false, mem) < 0 ||
	    bytes_flag(c, "memory-swap", true, swap) < 0 ||
	    bytes_flag(c, "memory-reservation", false, resv) < 0 ||
	    bytes_flag(c, "shm-size", false, shm) < 0)
		return -1;
	*nano = 0;
	const char *cpus = cli_flag_string(c->a, "cpus");
	cleanup_error berth_error_t *e = NULL;
	if (cpus && opts_nano_cpus(cpus, nano, &e) < 0)
		return flag_error(c->o, c->err, "cpus", cpus, "%s", e->msg);
	return check_attach(c);
}

static json_t *log_config(struct ctx *c)
{
	json_t *cfg = json_object();
	const char *const *v;
	size_t n = cli_flag_list(c->a, "log-opt", &v);
	for (size_t i = 0; i < n; i++)
		kv_set(cfg, v[i]);
	return json_pack("{s:s,s:o}", "Type", str_or_empty(c->a, "log-driver"), "Config", cfg);
}

static json_t *tmpfs_map(struct ctx *c)
{
	const char *const *v;
	size_t n = cli_flag_list(c->a, "tmpfs", &v);
	if (n == 0)
		return NULL;
	json_t *m = json_object();
	for (size_t i = 0; i < n; i++) {
		const char *colon = strchr(v[i], ':');
		cleanup_free char *k = colon ? xstrndup(v[i], (size_t)(colon - v[i])) :
					       xstrdup(v[i]);
		json_object_set_new(m, k, json_string(colon ? colon + 1 : ""));
	}
	return m;
}

/* json_object_set_new that skips NULL (Go's omitempty) */
static void set_opt(json_t *o, const char *key, json_t *v)
{
	if (v)
		json_object_set_new(o, key, v);
}

static int build_host_config(struct ctx *c, json_t *binds, json_t *bindings, const char *net_mode,
			     int64_t mem, int64_t swap, int64_t resv, int64_t shm, int64_t nano,
			     json_t **ret)
{
	cleanup_json json_t *restart = NULL, *extra = NULL, *dns = NULL, *sec = NULL, *add = NULL,
			    *drop = NULL, *sysctls = NULL, *devices = NULL, *ulimits = NULL,
			    *mounts = NULL, *rules = NULL, *storage = NULL;
	static const char *const blkio_flags[] = { "blkio-weight-device", "device-read-bps",
						   "device-write-bps", "device-read-iops",
						   "device-write-iops" };
	static const char *const blkio[] = { "BlkioWeightDevice", "BlkioDeviceReadBps",
					     "BlkioDeviceWriteBps", "BlkioDeviceReadIOps",
					     "BlkioDeviceWriteIOps" };
	json_t *blkio_lists[5] = { NULL };
	bool unconfined_paths;
	if (parse_restart(c, &restart) < 0 || parse_extra_hosts(c, &extra) < 0 ||
	    parse_dns(c, &dns) < 0 || parse_sysctls(c, &sysctls) < 0 ||
	    parse_ulimits(c, &ulimits) < 0 || parse_mounts(c, &mounts) < 0 ||
	    parse_devices(c, &devices) < 0 || parse_security(c, &sec, &unconfined_paths) < 0 ||
	    parse_misc(c, &rules, &storage) < 0)
		return -1;
	const char *driver = str_or_empty(c->a, "log-driver");
	const char *const *lo;
	if (strcmp(driver, "none") == 0 && cli_flag_list(c->a, "log-opt", &lo))
		return parse_error(c->o, c->err, "invalid logging opts for driver %s", driver);
	for (size_t i = 0; i < 5; i++)
		if (parse_blkio_list(c, blkio_flags[i], &blkio_lists[i]) < 0) {
			for (size_t k = 0; k < i; k++)
				json_decref(blkio_lists[k]);
			return -1;
		}
	add = caps_list(c->a, "cap-add");
	drop = caps_list(c->a, "cap-drop");
	const char *const *v;
	size_t n;
	json_t *h = json_object();
	json_object_set(h, "Binds", binds);
	json_object_set_new(h, "ContainerIDFile", json_string(str_or_empty(c->a, "cidfile")));
	json_object_set_new(h, "LogConfig", log_config(c));
	json_object_set_new(h, "NetworkMode", json_string(net_mode));
	json_object_set(h, "PortBindings", bindings);
	json_object_set(h, "RestartPolicy", restart);
	json_object_set_new(h, "AutoRemove", json_boolean(cli_flag_bool(c->a, "rm")));
	json_object_set_new(h, "VolumeDriver", json_string(str_or_empty(c->a, "volume-driver")));
	json_object_set_new(h, "VolumesFrom", list_or_null(c->a, "volumes-from"));
	json_object_set_new(h, "ConsoleSize", json_pack("[i,i]", 0, 0));
	const char *const *an;
	size_t nan = cli_flag_list(c->a, "annotation", &an);
	if (nan) {
		json_t *m = json_object();
		for (size_t i = 0; i < nan; i++)
			kv_set(m, an[i]);
		json_object_set_new(h, "Annotations", m);
	}
	json_object_set(h, "CapAdd", add);
	json_object_set(h, "CapDrop", drop);
	json_object_set_new(h, "CgroupnsMode", json_string(str_or_empty(c->a, "cgroupns")));
	json_object_set(h, "Dns", dns);
	n = cli_flag_list(c->a, "dns-option", &v);
	json_object_set_new(h, "DnsOptions", strv_json(v, n));
	n = cli_flag_list(c->a, "dns-search", &v);
	json_object_set_new(h, "DnsSearch", strv_json(v, n));
	json_object_set(h, "ExtraHosts", extra);
	json_object_set_new(h, "GroupAdd", list_or_null(c->a, "group-add"));
	json_object_set_new(h, "IpcMode", json_string(str_or_empty(c->a, "ipc")));
	json_object_set_new(h, "Cgroup", json_string(""));
	json_object_set_new(h, "Links", list_or_null(c->a, "link"));
	json_object_set_new(h, "OomScoreAdj", json_integer(cli_flag_int(c->a, "oom-score-adj")));
	json_object_set_new(h, "PidMode", json_string(str_or_empty(c->a, "pid")));
	json_object_set_new(h, "Privileged", json_boolean(cli_flag_bool(c->a, "privileged")));
	json_object_set_new(h, "PublishAllPorts", json_boolean(cli_flag_bool(c->a, "publish-all")));
	json_object_set_new(h, "ReadonlyRootfs", json_boolean(cli_flag_bool(c->a, "read-only")));
	json_object_set(h, "SecurityOpt", sec);
	if (storage)
		json_object_set(h, "StorageOpt", storage);
	set_opt(h, "Tmpfs", tmpfs_map(c));
	json_object_set_new(h, "UTSMode", json_string(str_or_empty(c->a, "uts")));
	json_object_set_new(h, "UsernsMode", json_string(str_or_empty(c->a, "userns")));
	json_object_set_new(h, "ShmSize", json_integer(shm));
	if (sysctls)
		json_object_set(h, "Sysctls", sysctls);
	if (cli_flag_string(c->a, "runtime") && *cli_flag_string(c->a, "runtime"))
		json_object_set_new(h, "Runtime", json_string(cli_flag_string(c->a, "runtime")));
	json_object_set_new(h, "Isolation", json_string(str_or_empty(c->a, "isolation")));
	/* Resources */
	json_object_set_new(h, "CpuShares", json_integer(cli_flag_int(c->a, "cpu-shares")));
	json_object_set_new(h, "Memory", json_integer(mem));
	json_object_set_new(h, "NanoCpus", json_integer(nano));
	json_object_set_new(h, "CgroupParent", json_string(str_or_empty(c->a, "cgroup-parent")));
	json_object_set_new(h, "BlkioWeight", json_integer(cli_flag_int(c->a, "blkio-weight")));
	for (size_t i = 0; i < 5; i++)
		json_object_set_new(h, blkio[i], blkio_lists[i]);
	json_object_set_new(h, "CpuPeriod", json_integer(cli_flag_int(c->a, "cpu-period")));
	json_object_set_new(h, "CpuQuota", json_integer(cli_flag_int(c->a, "cpu-quota")));
	json_object_set_new(h, "CpuRealtimePeriod",
			    json_integer(cli_flag_int(c->a, "cpu-rt-period")));
	json_object_set_new(h, "CpuRealtimeRuntime",
			    json_integer(cli_flag_int(c->a, "cpu-rt-runtime")));
	json_object_set_new(h, "CpusetCpus", json_string(str_or_empty(c->a, "cpuset-cpus")));
	json_object_set_new(h, "CpusetMems", json_string(str_or_empty(c->a, "cpuset-mems")));
	json_object_set(h, "Devices", devices);
	json_object_set(h, "DeviceCgroupRules", rules);
	json_object_set_new(h, "DeviceRequests", json_null());
	json_object_set_new(h, "MemoryReservation", json_integer(resv));
	json_object_set_new(h, "MemorySwap", json_integer(swap));
	json_object_set_new(h, "MemorySwappiness",
			    json_integer(cli_flag_int(c->a, "memory-swappiness")));
	json_object_set_new(h, "OomKillDisable",
			    json_boolean(cli_flag_bool(c->a, "oom-kill-disable")));
	json_object_set_new(h, "PidsLimit", json_integer(cli_flag_int(c->a, "pids-limit")));
	json_object_set(h, "Ulimits", ulimits);
	json_object_set_new(h, "CpuCount", json_integer(0));
	json_object_set_new(h, "CpuPercent", json_integer(0));
	json_object_set_new(h, "IOMaximumIOps", json_integer(0));
	json_object_set_new(h, "IOMaximumBandwidth", json_integer(0));
	if (mounts)
		json_object_set(h, "Mounts", mounts);
	json_object_set_new(h, "MaskedPaths", unconfined_paths ? json_array() : json_null());
	json_object_set_new(h, "ReadonlyPaths", unconfined_paths ? json_array() : json_null());
	if (cli_flag_changed(c->a, "init"))
		json_object_set_new(h, "Init", json_boolean(cli_flag_bool(c->a, "init")));
	*ret = h;
	return 0;
}

int container_opts_parse(const struct cli_args *a, struct container_opts *o, berth_error_t **err)
{
	struct ctx c = { a, o, err };
	o->err_kind = OPTS_ERR_NONE;
	int64_t mem, swap, resv, shm, nano;
	if (check_flag_values(&c, &mem, &swap, &resv, &shm, &nano) < 0)
		return -1;
	cleanup_json json_t *binds = NULL, *volumes = NULL, *exposed = NULL, *bindings = NULL,
			    *env = NULL, *labels = NULL, *health = NULL, *net = NULL, *host = NULL;
	const char *pullopt = str_or_empty(a, "pull");
	if (parse_volumes(&c, &binds, &volumes) < 0 || parse_ports(&c, &exposed, &bindings) < 0 ||
	    parse_env(&c, &env) < 0 || parse_labels(&c, &labels) < 0 || check_modes(&c) < 0 ||
	    parse_healthcheck(&c, &health) < 0)
		return -1;
	cleanup_free char *net_mode = NULL;
	if (parse_networks(&c, &net_mode, &net) < 0 ||
	    build_host_config(&c, binds, bindings, net_mode, mem, swap, resv, shm, nano, &host) < 0)
		return -1;
	if (strcmp(pullopt, "missing") && strcmp(pullopt, "always") && strcmp(pullopt, "never"))
		return parse_error(
			o, err,
			"invalid pull option: '%s': must be one of \"always\", \"missing\" or \"never\"",
			pullopt);

	o->image = cli_arg(a, 0);
	o->name = cli_flag_string(a, "name");
	o->platform = cli_flag_string(a, "platform");
	o->pull = pullopt;
	o->cidfile = cli_flag_string(a, "cidfile");
	o->tty = cli_flag_bool(a, "tty");
	o->open_stdin = cli_flag_bool(a, "interactive");
	o->auto_remove = cli_flag_bool(a, "rm");

	json_t *b = json_object();
	json_object_set_new(b, "Hostname", json_string(str_or_empty(a, "hostname")));
	json_object_set_new(b, "Domainname", json_string(str_or_empty(a, "domainname")));
	json_object_set_new(b, "User", json_string(str_or_empty(a, "user")));
	json_object_set_new(b, "AttachStdin", json_boolean(o->attach_stdin));
	json_object_set_new(b, "AttachStdout", json_boolean(o->attach_stdout));
	json_object_set_new(b, "AttachStderr", json_boolean(o->attach_stderr));
	if (json_object_size(exposed))
		json_object_set(b, "ExposedPorts", exposed);
	json_object_set_new(b, "Tty", json_boolean(o->tty));
	json_object_set_new(b, "OpenStdin", json_boolean(o->open_stdin));
	json_object_set_new(b, "StdinOnce", json_boolean(o->open_stdin && o->attach_stdin));
	json_object_set(b, "Env", env);
	size_t nargs = cli_nargs(a);
	json_object_set_new(b, "Cmd",
			    nargs > 1 ? strv_json(cli_argv_from(a, 1), nargs - 1) : json_null());
	if (health)
		json_object_set(b, "Healthcheck", health);
	json_object_set_new(b, "Image", json_string(o->image ? o->image : ""));
	json_object_set(b, "Volumes", volumes);
	json_object_set_new(b, "WorkingDir", json_string(str_or_empty(a, "workdir")));
	const char *ep = cli_flag_string(a, "entrypoint");
	if (ep && *ep)
		json_object_set_new(b, "Entrypoint", json_pack("[s]", ep));
	else if (cli_flag_changed(a, "entrypoint"))
		json_object_set_new(b, "Entrypoint", json_pack("[s]", ""));
	else
		json_object_set_new(b, "Entrypoint", json_null());
	json_object_set_new(b, "OnBuild", json_null());
	json_object_set(b, "Labels", labels);
	if (cli_flag_changed(a, "stop-signal"))
		json_object_set_new(b, "StopSignal", json_string(str_or_empty(a, "stop-signal")));
	if (cli_flag_changed(a, "stop-timeout"))
		json_object_set_new(b, "StopTimeout",
				    json_integer(cli_flag_int(a, "stop-timeout")));
	json_object_set(b, "HostConfig", host);
	json_object_set(b, "NetworkingConfig", net);
	json_decref(o->body);
	o->body = b;
	return 0;
}

void container_opts_release(struct container_opts *o)
{
	if (o == NULL)
		return;
	json_decref(o->body);
	o->body = NULL;
}
