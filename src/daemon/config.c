/* config: berthd's flags and daemon.json.  Flags are first turned into a
 * JSON object with daemon.json's key names, so that the conflict check
 * ("specified both as a flag and in the configuration file"), the merge
 * and the validation are one code path for both sources, and SIGHUP
 * re-runs the same path on a fresh read of the file. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/parse.h"
#include "common/strbuf.h"
#include "common/version.h"
#include "common/xalloc.h"
#include "daemon/config.h"

#define CONFIG_FILE_MAX (1u << 20)

static const char *const known_keys[] = {
	"data-root",
	"exec-root",
	"hosts",
	"log-level",
	"debug",
	"default-runtime",
	"runtimes",
	"default-ulimits",
	"registry-mirrors",
	"insecure-registries",
	"cgroup-parent",
	"pidfile",
	"bip",
	"icc",
	"mtu",
	NULL,
};

static const char *const ulimit_names[] = {
	"core",   "cpu",   "data", "fsize",  "locks",  "memlock",    "msgqueue", "nice",
	"nofile", "nproc", "rss",  "rtprio", "rttime", "sigpending", "stack",    NULL,
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage:  berthd [OPTIONS]\n\n"
		"The berth daemon: serves the Docker Engine API on a unix socket.\n\n"
		"Options:\n"
		"      --config-file string      Daemon configuration file (default \"%s\")\n"
		"      --data-root string        Root directory of persistent state (default \"%s\")\n"
		"      --exec-root string        Root directory for execution state (default \"%s\")\n"
		"  -H, --host list               Daemon socket(s) to connect to (default \"%s\")\n"
		"      --runtime string          OCI runtime: a path, or a name looked up next to\n"
		"                                berthd and in PATH (default \"berth-runtime\")\n"
		"      --cgroup-parent string    Parent cgroup for all containers (default \"berth\")\n"
		"      --bip string              Network bridge IP (gateway/prefix) of the default bridge\n"
		"      --icc                     Enable inter-container communication on the default\n"
		"                                bridge (default true)\n"
		"      --mtu int                 Network MTU of the default bridge (default 1500)\n"
		"  -l, --log-level string        Set the logging level (\"debug\"|\"info\"|\"warn\"|\"error\"|\"fatal\") (default \"info\")\n"
		"  -D, --debug                   Enable debug mode\n"
		"      --default-ulimit ulimit   Default ulimits for containers (name=soft:hard)\n"
		"      --registry-mirror list    Preferred registry mirror\n"
		"      --insecure-registry list  Enable insecure registry communication\n"
		"  -p, --pidfile string          Path to use for daemon PID file (default <exec-root>/berthd.pid)\n"
		"      --validate                Validate daemon configuration and exit\n"
		"      --ready-fd int            Write \"READY\\n\" to this fd once listening\n"
		"  -h, --help                    Print usage\n"
		"  -v, --version                 Print version information and quit\n",
		CONFIG_DEFAULT_FILE, BERTH_DEFAULT_DATA_ROOT, BERTH_DEFAULT_EXEC_ROOT,
		CONFIG_DEFAULT_HOST);
}

static bool in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

/* "nofile=1024:2048" → {"Name":"nofile","Soft":1024,"Hard":2048} */
static int ulimit_parse(const char *s, json_t **ret, berth_error_t **err)
{
	const char *eq = strchr(s, '=');
	if (!eq || eq == s)
		return berth_error_fail(err, EINVAL, "invalid ulimit argument: '%s'", s);
	cleanup_free char *name = xstrndup(s, (size_t)(eq - s));
	if (!in_list(ulimit_names, name))
		return berth_error_fail(err, EINVAL, "invalid ulimit type: %s", name);
	cleanup_free char *soft_s = xstrdup(eq + 1);
	char *colon = strchr(soft_s, ':');
	int64_t soft, hard;
	if (colon)
		*colon = '\0';
	if (parse_int64(soft_s, 10, &soft, err) < 0 ||
	    (colon && parse_int64(colon + 1, 10, &hard, err) < 0))
		return berth_error_wrap(err, "invalid ulimit '%s'", s);
	if (!colon)
		hard = soft;
	if (soft > hard)
		return berth_error_fail(err, EINVAL,
					"ulimit soft limit must be less than or equal to hard "
					"limit: %lld > %lld",
					(long long)soft, (long long)hard);
	*ret = json_pack("{s:s, s:I, s:I}", "Name", name, "Hard", (json_int_t)hard, "Soft",
			 (json_int_t)soft);
	return 0;
}

static void flag_append(json_t *flags, const char *key, const char *value)
{
	json_t *a = json_object_get(flags, key);
	if (!a) {
		a = json_array();
		json_object_set_new(flags, key, a);
	}
	json_array_append_new(a, json_string(value));
}

/* Go's strconv.ParseBool */
static int go_bool_parse(const char *s, bool *ret)
{
	static const char *const yes[] = { "1", "t", "T", "TRUE", "true", "True", NULL };
	static const char *const no[] = { "0", "f", "F", "FALSE", "false", "False", NULL };
	if (in_list(yes, s))
		*ret = true;
	else if (in_list(no, s))
		*ret = false;
	else
		return -1;
	return 0;
}

enum {
	OPT_DATA_ROOT = 1000,
	OPT_EXEC_ROOT,
	OPT_RUNTIME,
	OPT_CONFIG_FILE,
	OPT_ULIMIT,
	OPT_MIRROR,
	OPT_INSECURE,
	OPT_VALIDATE,
	OPT_READY_FD,
	OPT_CGROUP_PARENT,
	OPT_BIP,
	OPT_ICC,
	OPT_MTU,
};

int config_parse_args(int argc, char **argv, struct daemon_options *o, enum config_args_result *ret,
		      berth_error_t **err)
{
	static const struct option longopts[] = {
		{ "data-root", required_argument, NULL, OPT_DATA_ROOT },
		{ "exec-root", required_argument, NULL, OPT_EXEC_ROOT },
		{ "host", required_argument, NULL, 'H' },
		{ "runtime", required_argument, NULL, OPT_RUNTIME },
		{ "log-level", required_argument, NULL, 'l' },
		{ "debug", no_argument, NULL, 'D' },
		{ "config-file", required_argument, NULL, OPT_CONFIG_FILE },
		{ "default-ulimit", required_argument, NULL, OPT_ULIMIT },
		{ "registry-mirror", required_argument, NULL, OPT_MIRROR },
		{ "insecure-registry", required_argument, NULL, OPT_INSECURE },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "validate", no_argument, NULL, OPT_VALIDATE },
		{ "ready-fd", required_argument, NULL, OPT_READY_FD },
		{ "cgroup-parent", required_argument, NULL, OPT_CGROUP_PARENT },
		{ "bip", required_argument, NULL, OPT_BIP },
		{ "icc", optional_argument, NULL, OPT_ICC },
		{ "mtu", required_argument, NULL, OPT_MTU },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	o->flags = json_object();
	o->config_file = xstrdup(CONFIG_DEFAULT_FILE);
	o->ready_fd = -1;
	json_t *f = o->flags;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":H:l:Dp:hv", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_DATA_ROOT:
			json_object_set_new(f, "data-root", json_string(optarg));
			break;
		case OPT_EXEC_ROOT:
			json_object_set_new(f, "exec-root", json_string(optarg));
			break;
		case 'H':
			flag_append(f, "hosts", optarg);
			break;
		case OPT_RUNTIME:
			json_object_set_new(f, "default-runtime", json_string(optarg));
			break;
		case 'l':
			json_object_set_new(f, "log-level", json_string(optarg));
			break;
		case 'D':
			json_object_set_new(f, "debug", json_true());
			break;
		case OPT_CONFIG_FILE:
			free(o->config_file);
			o->config_file = xstrdup(optarg);
			o->config_file_set = true;
			break;
		case OPT_ULIMIT: {
			json_t *u = NULL;
			if (!optarg)
				return berth_error_fail(err, EINVAL,
							"--default-ulimit needs a value");
			if (ulimit_parse(optarg, &u, err) < 0)
				return -1;
			json_t *all = json_object_get(f, "default-ulimits");
			if (!all) {
				all = json_object();
				json_object_set_new(f, "default-ulimits", all);
			}
			json_object_set_new(all, json_string_value(json_object_get(u, "Name")), u);
			break;
		}
		case OPT_MIRROR:
			flag_append(f, "registry-mirrors", optarg);
			break;
		case OPT_INSECURE:
			flag_append(f, "insecure-registries", optarg);
			break;
		case 'p':
			json_object_set_new(f, "pidfile", json_string(optarg));
			break;
		case OPT_VALIDATE:
			o->validate = true;
			break;
		case OPT_READY_FD: {
			int64_t fd;
			if (parse_int_range(optarg, 0, INT_MAX, &fd, err) < 0)
				return berth_error_wrap(err, "--ready-fd");
			o->ready_fd = (int)fd;
			break;
		}
		case OPT_CGROUP_PARENT:
			json_object_set_new(f, "cgroup-parent", json_string(optarg));
			break;
		case OPT_BIP:
			json_object_set_new(f, "bip", json_string(optarg));
			break;
		case OPT_ICC: {
			/* a boolean flag as Go's: --icc, --icc=false */
			bool on = true;
			if (optarg && go_bool_parse(optarg, &on) < 0)
				return berth_error_fail(err, EINVAL,
							"invalid argument \"%s\" for \"--icc\" flag: "
							"parse error",
							optarg);
			json_object_set_new(f, "icc", json_boolean(on));
			break;
		}
		case OPT_MTU: {
			int64_t mtu;
			if (parse_int_range(optarg, 0, 65535, &mtu, err) < 0)
				return berth_error_wrap(err, "--mtu");
			json_object_set_new(f, "mtu", json_integer(mtu));
			break;
		}
		case 'h':
			usage(stdout);
			*ret = CONFIG_ARGS_EXIT;
			return 0;
		case 'v':
			berth_print_version("berthd");
			*ret = CONFIG_ARGS_EXIT;
			return 0;
		case ':':
			return berth_error_fail(err, EINVAL, "flag needs an argument: %s",
						argv[optind - 1]);
		default:
			return berth_error_fail(err, EINVAL,
						"unknown flag: %s\nSee 'berthd --help'.",
						argv[optind - 1]);
		}
	}
	if (optind < argc)
		return berth_error_fail(err, EINVAL,
					"berthd takes no arguments, got '%s'\nSee 'berthd --help'.",
					argv[optind]);
	*ret = CONFIG_ARGS_RUN;
	return 0;
}

/* ---- the file ------------------------------------------------------------- */

static char *value_text(const json_t *v)
{
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	return bjson_dump(v);
}

/* Read and check the file: known keys only, none also given as a flag.
 * *ret is an empty object when the file is missing and was not named. */
static int read_file(const struct daemon_options *o, json_t **ret, berth_error_t **err)
{
	json_t *j = NULL;
	struct stat st;
	int r = stat(o->config_file, &st);
	/* a missing default file, and an empty file (or /dev/null): no settings */
	if ((r < 0 && errno == ENOENT && !o->config_file_set) || (r == 0 && st.st_size == 0)) {
		*ret = json_object();
		return 0;
	}
	if (bjson_load_file(o->config_file, CONFIG_FILE_MAX, 16, &j, err) < 0)
		return berth_error_wrap(err, "unable to configure the berth daemon with file %s",
					o->config_file);
	cleanup_json json_t *file = j;
	if (!json_is_object(file))
		return berth_error_fail(err, EINVAL,
					"unable to configure the berth daemon with file %s: "
					"expected a JSON object, got %s",
					o->config_file, bjson_type_name(file));
	cleanup_strbuf struct strbuf unknown = STRBUF_INIT;
	cleanup_strbuf struct strbuf both = STRBUF_INIT;
	const char *key;
	json_t *v;
	json_object_foreach(file, key, v)
	{
		if (!in_list(known_keys, key)) {
			strbuf_addf(&unknown, "%s%s", unknown.len ? ", " : "", key);
			continue;
		}
		json_t *fv = json_object_get(o->flags, key);
		if (fv) {
			cleanup_free char *a = value_text(fv);
			cleanup_free char *b = value_text(v);
			strbuf_addf(&both, "%s%s: (from flag: %s, from file: %s)",
				    both.len ? ", " : "", key, a, b);
		}
	}
	if (unknown.len)
		return berth_error_fail(err, EINVAL,
					"unable to configure the berth daemon with file %s: the "
					"following directives don't match any configuration "
					"option: %s",
					o->config_file, unknown.buf);
	if (both.len)
		return berth_error_fail(err, EINVAL,
					"unable to configure the berth daemon with file %s: the "
					"following directives are specified both as a flag and in "
					"the configuration file: %s",
					o->config_file, both.buf);
	*ret = steal_pointer(&file);
	return 0;
}

/* ---- building a config ------------------------------------------------------ */

static int level_parse(const char *s, int *ret, berth_error_t **err)
{
	enum log_level l;
	if (strcmp(s, "fatal") == 0) {
		*ret = LOG_LEVEL_ERROR;
		return 0;
	}
	if (log_level_parse(s, &l, NULL) < 0)
		return berth_error_fail(err, EINVAL,
					"log-level: invalid level '%s' (expected debug, info, "
					"warn, error or fatal)",
					s);
	*ret = (int)l;
	return 0;
}

static char *exe_dir(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n <= 0)
		return xstrdup("/usr/bin");
	buf[n] = '\0';
	char *slash = strrchr(buf, '/');
	if (slash)
		*slash = '\0';
	return xstrdup(buf);
}

static char *path_lookup(const char *name)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	cleanup_free char *copy = xstrdup(path);
	char *save = NULL;
	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		cleanup_free char *p = xasprintf("%s/%s", d, name);
		if (access(p, X_OK) == 0)
			return steal_pointer(&p);
	}
	return NULL;
}

/* A program of ours: next to berthd (installed), in the build tree's
 * sibling dir (src/daemon/../<subdir>), else PATH */
static char *find_program(const char *name, const char *subdir)
{
	cleanup_free char *dir = exe_dir();
	cleanup_free char *a = xasprintf("%s/%s", dir, name);
	if (access(a, X_OK) == 0)
		return steal_pointer(&a);
	cleanup_free char *b = xasprintf("%s/../%s/%s", dir, subdir, name);
	if (access(b, X_OK) == 0)
		return realpath(b, NULL);
	return path_lookup(name);
}

static int resolve_runtime(const char *name, bool explicit, const json_t *runtimes, char **ret,
			   berth_error_t **err)
{
	json_t *rt = json_object_get(runtimes, name);
	if (rt) {
		const char *path = NULL;
		if (bjson_get_string(rt, "runtimes", "path", BJSON_REQUIRED, &path, err) < 0)
			return -1;
		name = path;
	}
	if (strchr(name, '/')) {
		if (access(name, X_OK) < 0)
			return berth_error_set(err, errno, "runtime '%s'", name);
		*ret = xstrdup(name);
		return 0;
	}
	bool ours = strcmp(name, "berth-runtime") == 0;
	char *p = ours ? find_program(name, "runtime-cli") : path_lookup(name);
	if (!p && ours && !explicit) {
		/* the default: berthd still serves everything but containers */
		log_warn("runtime 'berth-runtime' not found next to berthd or in PATH, ignoring");
		p = xstrdup(name);
	}
	if (!p)
		return berth_error_fail(err, ENOENT,
					"runtime '%s' not found (next to berthd or in PATH)", name);
	*ret = p;
	return 0;
}

static int get_strv(const json_t *j, const char *key, char ***ret, berth_error_t **err)
{
	char **v = NULL;
	size_t n = 0;
	if (bjson_get_strv(j, NULL, key, 0, &v, &n, err) < 0)
		return -1;
	if (!v)
		v = xcalloc(1, sizeof(*v));
	*ret = v;
	return 0;
}

static int check_ulimits(const json_t *u, berth_error_t **err)
{
	if (!u)
		return 0;
	if (!json_is_object(u))
		return berth_error_fail(err, EINVAL, "default-ulimits: expected an object, got %s",
					bjson_type_name(u));
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)u, key, v)
	{
		cleanup_free char *where = bjson_path_key("default-ulimits", key);
		int64_t soft = 0, hard = 0;
		const char *name = key;
		if (!in_list(ulimit_names, key))
			return berth_error_fail(err, EINVAL, "%s: invalid ulimit type: %s", where,
						key);
		if (bjson_get_string(v, where, "Name", 0, &name, err) < 0 ||
		    bjson_get_int64(v, where, "Soft", BJSON_REQUIRED, &soft, err) < 0 ||
		    bjson_get_int64(v, where, "Hard", BJSON_REQUIRED, &hard, err) < 0)
			return -1;
		if (strcmp(name, key) != 0)
			return berth_error_fail(err, EINVAL, "%s.Name: '%s' does not match the key",
						where, name);
		if (soft > hard)
			return berth_error_fail(err, EINVAL,
						"%s: soft limit %lld is above the hard limit %lld",
						where, (long long)soft, (long long)hard);
	}
	return 0;
}

static int check_mirrors(char **v, berth_error_t **err)
{
	for (; *v; v++)
		if (strncmp(*v, "http://", 7) != 0 && strncmp(*v, "https://", 8) != 0)
			return berth_error_fail(err, EINVAL,
						"invalid mirror: unsupported scheme in '%s': must "
						"use either 'https://' or 'http://'",
						*v);
	return 0;
}

/* "bip": the default bridge's gateway and prefix, "172.17.0.1/16" */
static int check_bip(const char *bip, berth_error_t **err)
{
	const char *slash = bip ? strchr(bip, '/') : NULL;
	if (!bip || !*bip)
		return 0;
	struct in_addr a;
	cleanup_free char *addr = slash ? xstrndup(bip, (size_t)(slash - bip)) : NULL;
	int64_t prefix;
	if (!addr || inet_pton(AF_INET, addr, &a) != 1 ||
	    parse_int_range(slash + 1, 8, 30, &prefix, NULL) < 0)
		return berth_error_fail(err, EINVAL,
					"bip: '%s' is not an IPv4 address with a prefix of 8 to 30 "
					"(like 172.17.0.1/16)",
					bip);
	return 0;
}

static int abs_path(const json_t *j, const char *key, const char *def, char **ret,
		    berth_error_t **err)
{
	const char *v = def;
	if (bjson_get_string(j, NULL, key, 0, &v, err) < 0)
		return -1;
	if (v[0] != '/')
		return berth_error_fail(err, EINVAL, "%s: '%s' is not an absolute path", key, v);
	*ret = xstrdup(v);
	return 0;
}

/* merged: the file's keys and the flags (disjoint).  Fills a whole config. */
static int build(const json_t *merged, struct daemon_config *cfg, char **ret_pidfile,
		 bool *ret_debug, berth_error_t **err)
{
	struct daemon_config c = { 0 };
	cleanup_free char *pidfile = NULL;
	int r = -1;
	const char *level = "info", *runtime = "berth-runtime", *parent = "berth", *bip = NULL;
	bool debug = false, icc = true;
	int64_t mtu = 0;
	json_t *runtimes = NULL;

	if (abs_path(merged, "data-root", BERTH_DEFAULT_DATA_ROOT, &c.data_root, err) < 0 ||
	    abs_path(merged, "exec-root", BERTH_DEFAULT_EXEC_ROOT, &c.exec_root, err) < 0 ||
	    get_strv(merged, "hosts", &c.hosts, err) < 0 ||
	    bjson_get_string(merged, NULL, "log-level", 0, &level, err) < 0 ||
	    bjson_get_bool(merged, NULL, "debug", 0, &debug, err) < 0 ||
	    bjson_get_string(merged, NULL, "default-runtime", 0, &runtime, err) < 0 ||
	    bjson_get_object(merged, NULL, "runtimes", 0, &runtimes, err) < 0 ||
	    get_strv(merged, "registry-mirrors", &c.registry_mirrors, err) < 0 ||
	    get_strv(merged, "insecure-registries", &c.insecure_registries, err) < 0 ||
	    bjson_get_string(merged, NULL, "cgroup-parent", 0, &parent, err) < 0 ||
	    bjson_get_string(merged, NULL, "bip", 0, &bip, err) < 0 ||
	    bjson_get_bool(merged, NULL, "icc", 0, &icc, err) < 0 ||
	    bjson_get_int_range(merged, NULL, "mtu", 0, 0, 65535, &mtu, err) < 0 ||
	    level_parse(level, &c.log_level, err) < 0 ||
	    check_ulimits(json_object_get(merged, "default-ulimits"), err) < 0 ||
	    check_mirrors(c.registry_mirrors, err) < 0 || check_bip(bip, err) < 0 ||
	    resolve_runtime(runtime, json_object_get(merged, "default-runtime") != NULL, runtimes,
			    &c.runtime, err) < 0)
		goto out;
	if (!c.hosts[0]) {
		free(c.hosts);
		c.hosts = xcalloc(2, sizeof(*c.hosts));
		c.hosts[0] = xstrdup(CONFIG_DEFAULT_HOST);
	}
	if (debug)
		c.log_level = LOG_LEVEL_DEBUG;
	json_t *u = json_object_get(merged, "default-ulimits");
	c.default_ulimits = u ? json_deep_copy(u) : json_object();
	c.cgroup_parent = xstrdup(parent);
	c.bip = bip && *bip ? xstrdup(bip) : NULL;
	c.icc = icc;
	c.mtu = (unsigned)mtu;
	c.runtime_root = xasprintf("%s/runtime", c.exec_root);
	c.shim = find_program("berth-shim", "shim");
	if (!c.shim)
		c.shim = xstrdup("berth-shim");
	const char *pf = NULL;
	if (bjson_get_string(merged, NULL, "pidfile", 0, &pf, err) < 0)
		goto out;
	pidfile = pf ? xstrdup(pf) : xasprintf("%s/berthd.pid", c.exec_root);
	*cfg = c;
	memset(&c, 0, sizeof(c));
	*ret_pidfile = steal_pointer(&pidfile);
	*ret_debug = debug;
	r = 0;
out:
	daemon_config_release(&c);
	return r;
}

static json_t *merge(const json_t *file, const json_t *flags)
{
	json_t *m = json_deep_copy(file);
	json_object_update(m, (json_t *)flags);
	return m;
}

int config_load(struct daemon_options *o, berth_error_t **err)
{
	cleanup_json json_t *file = NULL;
	if (read_file(o, &file, err) < 0)
		return -1;
	cleanup_json json_t *m = merge(file, o->flags);
	if (build(m, &o->cfg, &o->pidfile, &o->debug, err) < 0)
		return -1;
	o->cfg.config_file = xstrdup(o->config_file);
	return 0;
}

int config_reload(const struct daemon_options *o, struct daemon_config *ret, bool *ret_debug,
		  berth_error_t **err)
{
	cleanup_json json_t *file = NULL;
	if (read_file(o, &file, err) < 0)
		return -1;
	cleanup_json json_t *m = merge(file, o->flags);
	cleanup_free char *pidfile = NULL;
	if (build(m, ret, &pidfile, ret_debug, err) < 0)
		return -1;
	ret->config_file = xstrdup(o->config_file);
	return 0;
}

static void strv_free(char **v)
{
	cleanup_strvp(&v);
}

void daemon_config_release(struct daemon_config *c)
{
	free(c->data_root);
	free(c->exec_root);
	strv_free(c->hosts);
	free(c->runtime);
	free(c->runtime_root);
	free(c->shim);
	free(c->config_file);
	json_decref(c->default_ulimits);
	strv_free(c->registry_mirrors);
	strv_free(c->insecure_registries);
	free(c->cgroup_parent);
	free(c->bip);
	memset(c, 0, sizeof(*c));
}

void daemon_options_release(struct daemon_options *o)
{
	json_decref(o->flags);
	free(o->config_file);
	daemon_config_release(&o->cfg);
	free(o->pidfile);
	memset(o, 0, sizeof(*o));
}
