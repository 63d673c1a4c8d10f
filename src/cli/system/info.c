/* info: `berth info`, docker's system-wide report: the client's lines, then
 * the daemon's /info printed field by field in docker's order and words
 * (cli/command/system/info.go), warnings on stderr.  --format renders a
 * template over the /info object plus ClientInfo, with docker's Go field
 * names for templates and the API's names for --format json. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/human.h"
#include "cli/template.h"
#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/version.h"
#include "common/xalloc.h"

/* docker exits 64 (EX_USAGE) on a template that does not parse */
#define EXIT_BAD_TEMPLATE 64

static const struct cli_flag info_flags[] = {
	{ .name = "format",
	  .shorthand = 'f',
	  .type = CLI_STRING,
	  .usage =
		  "Format output using a custom template:\n'json':             Print in JSON format\n"
		  "'TEMPLATE':         Print output using the given Go template.\nRefer to "
		  "https://docs.docker.com/go/formatting/ for more information about formatting "
		  "output with templates" },
	CLI_FLAGS_END,
};

static const char *str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

/* Go's fmt.Println of a JSON scalar: numbers, true/false, text */
static void go_print(FILE *out, const json_t *v)
{
	if (json_is_integer(v))
		fprintf(out, "%lld", (long long)json_integer_value(v));
	else if (json_is_boolean(v))
		fputs(json_is_true(v) ? "true" : "false", out);
	else if (json_is_string(v))
		fputs(json_string_value(v), out);
	else if (json_is_real(v))
		fprintf(out, "%g", json_real_value(v));
	else
		fputs("0", out); /* a missing number prints as Go's zero value */
}

static void line(FILE *out, const char *label, const json_t *obj, const char *key)
{
	fprintf(out, "%s ", label);
	go_print(out, json_object_get(obj, key));
	fputc('\n', out);
}

/* fprintlnNonEmpty: only when the string is not empty */
static void line_nonempty(FILE *out, const char *label, const char *value)
{
	if (value && *value)
		fprintf(out, "%s %s\n", label, value);
}

static void joined(FILE *out, const char *label, const json_t *arr)
{
	fprintf(out, "%s ", label);
	size_t i;
	const json_t *v;
	json_array_foreach(arr, i, v) fprintf(out, "%s%s", i ? " " : "",
					      json_string_value(v) ? json_string_value(v) : "");
	fputc('\n', out);
}

/* system.DecodeSecurityOptions + the printing of info.go: "name=seccomp,
 * profile=builtin" -> "  seccomp\n   Profile: builtin"; a bare word is a
 * name.  Returns < 0 with docker's message on an option without '=' */
static int print_security_options(FILE *out, const json_t *opts, berth_error_t **err)
{
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	size_t i;
	const json_t *v;
	json_array_foreach(opts, i, v)
	{
		const char *opt = json_string_value(v);
		if (!opt)
			continue;
		if (!strchr(opt, '=')) {
			strbuf_addf(&sb, "  %s\n", opt);
			continue;
		}
		cleanup_free char *copy = xstrdup(opt);
		cleanup_strbuf struct strbuf profile = STRBUF_INIT;
		const char *name = "";
		for (char *kv = copy, *next; kv; kv = next) {
			next = strchr(kv, ',');
			if (next)
				*next++ = '\0';
			char *eq = strchr(kv, '=');
			if (!eq)
				return berth_error_fail(err, EINVAL,
							"invalid security option \"%s\"", kv);
			*eq = '\0';
			if (strcmp(kv, "name") == 0)
				name = eq + 1;
			else if (strcmp(kv, "profile") == 0)
				strbuf_addf(&profile, "   Profile: %s\n", eq + 1);
		}
		strbuf_addf(&sb, "  %s\n%s", name, profile.buf);
	}
	fprintf(out, " Security Options:\n%s", sb.buf);
	return 0;
}

static void print_registries(FILE *out, const json_t *rc)
{
	const json_t *cidrs = json_object_get(rc, "InsecureRegistryCIDRs");
	const json_t *index = json_object_get(rc, "IndexConfigs");
	if (rc && (json_array_size(cidrs) > 0 || json_object_size(index) > 0)) {
		fputs(" Insecure Registries:\n", out);
		const char *key;
		const json_t *ic;
		json_object_foreach((json_t *)index, key,
				    ic) if (!json_is_true(json_object_get(ic, "Secure")))
			fprintf(out, "  %s\n", str(ic, "Name"));
		size_t i;
		const json_t *c;
		json_array_foreach(cidrs, i, c)
			fprintf(out, "  %s\n", json_string_value(c) ? json_string_value(c) : "");
	}
	const json_t *mirrors = json_object_get(rc, "Mirrors");
	if (json_array_size(mirrors) > 0) {
		fputs(" Registry Mirrors:\n", out);
		size_t i;
		const json_t *m;
		json_array_foreach(mirrors, i, m)
			fprintf(out, "  %s\n", json_string_value(m) ? json_string_value(m) : "");
	}
}

/* The longest config.json read for the Username: line */
#define CONFIG_MAX (1 << 20)
#define INDEX_SERVER "https://index.docker.io/v1/"

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Standard base64 (padding optional); NULL when it is not base64 */
static char *b64_decode(const char *in)
{
	size_t len = strlen(in);
	char *out = xmalloc(len / 4 * 3 + 4);
	size_t n = 0;
	unsigned acc = 0, bits = 0;
	for (const char *p = in; *p && *p != '='; p++) {
		int v = b64_value(*p);
		if (v < 0) {
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (char)((acc >> bits) & 0xFF);
		}
	}
	out[n] = '\0';
	return out;
}

/* docker's " Username:": the Docker Hub login in config.json ("auth" is
 * base64 of user:password); NULL when there is none.  A config.json that
 * cannot be read just has no user name here (login reports its errors). */
static char *hub_username(const struct cli *cli)
{
	if (!cli->config_dir)
		return NULL;
	cleanup_free char *path = xasprintf("%s/config.json", cli->config_dir);
	cleanup_json json_t *cfg = NULL;
	cleanup_error berth_error_t *err = NULL;
	if (bjson_load_file(path, CONFIG_MAX, 0, &cfg, &err) < 0)
		return NULL;
	const json_t *entry = json_object_get(json_object_get(cfg, "auths"), INDEX_SERVER);
	const char *user = json_string_value(json_object_get(entry, "username"));
	if (user && *user)
		return xstrdup(user);
	const char *auth = json_string_value(json_object_get(entry, "auth"));
	char *plain = auth ? b64_decode(auth) : NULL;
	char *colon = plain ? strchr(plain, ':') : NULL;
	if (!colon) {
		free(plain);
		return NULL;
	}
	*colon = '\0';
	return plain;
}

/* The Server: part, in info.go's order; the security options may fail */
static int print_server(FILE *out, const json_t *in, bool client_debug, const char *username,
			berth_error_t **err)
{
	int r = 0;
	line(out, " Containers:", in, "Containers");
	line(out, "  Running:", in, "ContainersRunning");
	line(out, "  Paused:", in, "ContainersPaused");
	line(out, "  Stopped:", in, "ContainersStopped");
	line(out, " Images:", in, "Images");
	line_nonempty(out, " Server Version:", str(in, "ServerVersion"));
	line_nonempty(out, " Storage Driver:", str(in, "Driver"));
	size_t i;
	const json_t *pair;
	json_array_foreach(json_object_get(in, "DriverStatus"), i, pair)
		fprintf(out, "  %s: %s\n", json_string_value(json_array_get(pair, 0)) ?: "",
			json_string_value(json_array_get(pair, 1)) ?: "");
	json_array_foreach(json_object_get(in, "SystemStatus"), i, pair)
		fprintf(out, " %s: %s\n", json_string_value(json_array_get(pair, 0)) ?: "",
			json_string_value(json_array_get(pair, 1)) ?: "");
	line_nonempty(out, " Logging Driver:", str(in, "LoggingDriver"));
	line_nonempty(out, " Cgroup Driver:", str(in, "CgroupDriver"));
	line_nonempty(out, " Cgroup Version:", str(in, "CgroupVersion"));

	const json_t *plugins = json_object_get(in, "Plugins");
	fputs(" Plugins:\n", out);
	joined(out, "  Volume:", json_object_get(plugins, "Volume"));
	joined(out, "  Network:", json_object_get(plugins, "Network"));
	if (json_array_size(json_object_get(plugins, "Authorization")) > 0)
		joined(out, "  Authorization:", json_object_get(plugins, "Authorization"));
	joined(out, "  Log:", json_object_get(plugins, "Log"));
	const json_t *cdi = json_object_get(in, "CDISpecDirs");
	if (json_array_size(cdi) > 0) {
		fputs(" CDI spec directories:\n", out);
		const json_t *dir;
		json_array_foreach(cdi, i, dir)
			fprintf(out, "  %s\n", json_string_value(dir) ?: "");
	}
	const json_t *swarm = json_object_get(in, "Swarm");
	fprintf(out, " Swarm: %s\n", str(swarm, "LocalNodeState"));
	/* berthd has no swarm; an active one would print its node lines here */
	if (*str(swarm, "LocalNodeState") &&
	    strcmp(str(swarm, "LocalNodeState"), "inactive") != 0 &&
	    strcmp(str(swarm, "LocalNodeState"), "locked") != 0) {
		fprintf(out, "  NodeID: %s\n", str(swarm, "NodeID"));
		line(out, "  Is Manager:", swarm, "ControlAvailable");
		fprintf(out, "  Node Address: %s\n", str(swarm, "NodeAddr"));
	}

	const json_t *runtimes = json_object_get(in, "Runtimes");
	if (json_object_size(runtimes) > 0) {
		fputs(" Runtimes:", out);
		const char *name;
		const json_t *rt;
		json_object_foreach((json_t *)runtimes, name, rt) fprintf(out, " %s", name);
		fprintf(out, "\n Default Runtime: %s\n", str(in, "DefaultRuntime"));
	}
	if (strcmp(str(in, "OSType"), "linux") == 0) {
		fprintf(out, " Init Binary: %s\n", str(in, "InitBinary"));
		fprintf(out, " containerd version: %s\n",
			str(json_object_get(in, "ContainerdCommit"), "ID"));
		fprintf(out, " runc version: %s\n", str(json_object_get(in, "RuncCommit"), "ID"));
		fprintf(out, " init version: %s\n", str(json_object_get(in, "InitCommit"), "ID"));
		const json_t *so = json_object_get(in, "SecurityOptions");
		if (json_array_size(so) > 0)
			r = print_security_options(out, so, err);
	}
	if (strcmp(str(in, "OSType"), "windows") == 0)
		fprintf(out, " Default Isolation: %s\n", str(in, "Isolation"));
	line_nonempty(out, " Kernel Version:", str(in, "KernelVersion"));
	line_nonempty(out, " Operating System:", str(in, "OperatingSystem"));
	line_nonempty(out, " OSType:", str(in, "OSType"));
	line_nonempty(out, " Architecture:", str(in, "Architecture"));
	line(out, " CPUs:", in, "NCPU");
	char buf[HUMAN_BUF];
	fprintf(out, " Total Memory: %s\n",
		human_bytes((double)json_integer_value(json_object_get(in, "MemTotal")), buf));
	line_nonempty(out, " Name:", str(in, "Name"));
	line_nonempty(out, " ID:", str(in, "ID"));
	fprintf(out, " Docker Root Dir: %s\n", str(in, "DockerRootDir"));
	line(out, " Debug Mode:", in, "Debug");
	if (json_is_true(json_object_get(in, "Debug")) || client_debug) {
		line(out, "  File Descriptors:", in, "NFd");
		line(out, "  Goroutines:", in, "NGoroutines");
		line(out, "  System Time:", in, "SystemTime");
		line(out, "  EventsListeners:", in, "NEventsListener");
	}
	line_nonempty(out, " HTTP Proxy:", str(in, "HttpProxy"));
	line_nonempty(out, " HTTPS Proxy:", str(in, "HttpsProxy"));
	line_nonempty(out, " No Proxy:", str(in, "NoProxy"));
	line_nonempty(out, " Username:", username);
	const json_t *labels = json_object_get(in, "Labels");
	if (json_array_size(labels) > 0) {
		fputs(" Labels:\n", out);
		const json_t *l;
		json_array_foreach(labels, i, l) fprintf(out, "  %s\n", json_string_value(l) ?: "");
	}
	line(out, " Experimental:", in, "ExperimentalBuild");
	print_registries(out, json_object_get(in, "RegistryConfig"));
	line(out, " Live Restore Enabled:", in, "LiveRestoreEnabled");
	line_nonempty(out, " Product License:", str(in, "ProductLicense"));
	const json_t *pools = json_object_get(in, "DefaultAddressPools");
	if (json_array_size(pools) > 0) {
		fputs(" Default Address Pools:\n", out);
		const json_t *p;
		json_array_foreach(pools, i, p)
			fprintf(out, "   Base: %s, Size: %lld\n", str(p, "Base"),
				(long long)json_integer_value(json_object_get(p, "Size")));
	}
	fputc('\n', out);
	return r;
}

static int pretty_print(struct cli *cli, const json_t *in, const berth_error_t *server_err)
{
	printf("Client:\n Version:    %s\n Context:    default\n Debug Mode: %s\n\nServer:\n",
	       berth_version(), cli->debug ? "true" : "false");
	cleanup_error berth_error_t *err = NULL;
	cleanup_free char *username = hub_username(cli);
	if (in && print_server(stdout, in, cli->debug, username, &err) < 0) {
		fflush(stdout);
		fprintf(stderr, "ERROR: %s\n", err->msg);
	}
	fflush(stdout);
	/* docker 28 prints an unreachable daemon's error alone, without its
	 * "ERROR:" prefix and summary line */
	if (server_err)
		return cli_error(cli, server_err, CLI_EXIT_ERROR);
	if (in) {
		size_t i;
		const json_t *w;
		json_array_foreach(json_object_get(in, "Warnings"), i, w)
			fprintf(stderr, "%s\n", json_string_value(w) ?: "");
	}
	if (err) {
		fputs("errors pretty printing info\n", stderr);
		return CLI_EXIT_ERROR;
	}
	return 0;
}

/* ClientInfo as docker's --format sees it (json: API names) */
static json_t *client_info(struct cli *cli, bool go_names)
{
	return json_pack("{s:b, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[], s:n}", "Debug", cli->debug,
			 "Version", berth_version(), go_names ? "APIVersion" : "ApiVersion", "1.47",
			 "DefaultAPIVersion", "1.47", "GitCommit", berth_commit(), "GoVersion",
			 "n/a (berth is written in C)", "Os", "linux", "Context", "default",
			 "Plugins", "Warnings");
}

static int format_info(struct cli *cli, const char *format, json_t *in,
		       const berth_error_t *server_err)
{
	bool is_json = strcmp(format, "json") == 0;
	cleanup_error berth_error_t *err = NULL;
	struct template *t = NULL;
	if (template_parse(is_json ? "{{json .}}" : format, &t, &err) < 0) {
		berth_error_wrap(&err, "template parsing error");
		return cli_error(cli, err, EXIT_BAD_TEMPLATE);
	}
	if (server_err)
		fprintf(stderr, "%s\n", server_err->msg);
	cleanup_json json_t *dot = in ? json_deep_copy(in) : json_object();
	if (!is_json) {
		/* docker's Go names where they differ from the JSON ones */
		json_t *v;
		if ((v = json_object_get(dot, "HttpProxy")))
			json_object_set(dot, "HTTPProxy", v);
		if ((v = json_object_get(dot, "HttpsProxy")))
			json_object_set(dot, "HTTPSProxy", v);
	}
	if (server_err)
		json_object_set_new(dot, "ServerErrors", json_pack("[s]", server_err->msg));
	json_object_set_new(dot, "ClientInfo", client_info(cli, !is_json));
	cleanup_strbuf struct strbuf out = STRBUF_INIT;
	int r = template_render(t, dot, &out, &err);
	template_free(t);
	fputs(out.buf, stdout);
	fputc('\n', stdout);
	fflush(stdout);
	if (r < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	return 0;
}

static int run_info(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *server_err = NULL;
	cleanup_json json_t *in = NULL;
	const char *format = cli_flag_string(args, "format");
	if (cli_get_json(cli, "/info", &in, &server_err) < 0) {
		json_decref(in);
		in = NULL;
	}
	if (format && *format)
		return format_info(cli, format, in, server_err);
	return pretty_print(cli, in, server_err);
}

const struct cli_command cli_cmd_info = {
	.name = "info",
	.usage = "[OPTIONS]",
	.summary = "Display system-wide information",
	.description = "Show what berthd reports about itself and the host: containers, images, "
		       "storage, runtimes, kernel, registries.",
	.flags = info_flags,
	.min_args = 0,
	.max_args = 0,
	.run = run_info,
};
