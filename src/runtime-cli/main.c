/* berth-runtime: the runc-compatible command line of the OCI runtime.
 * main() parses the global options (--root, --log, --log-format, --debug,
 * --systemd-cgroup, --rootless), dispatches to one file per verb, and is
 * the one place that prints an error: through log_error, so that it lands
 * in --log (as JSON with --log-format json, for containerd) or stderr. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/version.h"
#include "runtime-cli/cli.h"
#include "runtime/cloned-binary.h"

static const struct {
	const char *name;
	cli_verb_fn fn;
	const char *help;
} verbs[] = {
	{ "create", cmd_create, "create a container" },
	{ "start", cmd_start, "start a created container" },
	{ "run", cmd_run, "create and start a container" },
	{ "state", cmd_state, "output the state of a container" },
	{ "kill", cmd_kill, "send a signal to the container's init process" },
	{ "delete", cmd_delete, "delete a container and its resources" },
	{ "exec", cmd_exec, "run a new process inside the container" },
	{ "ps", cmd_ps, "list processes running inside a container" },
	{ "pause", cmd_pause, "suspend all processes of a container" },
	{ "resume", cmd_resume, "resume all processes of a paused container" },
	{ "update", cmd_update, "update the resource limits of a container" },
	{ "events", cmd_events, "display container events and statistics" },
	{ "features", cmd_features, "show the enabled features" },
	{ "spec", cmd_spec, "create a new specification file" },
	{ "list", cmd_list, "list containers started with the given root" },
};

static void usage(FILE *out)
{
	fprintf(out, "Usage:  berth-runtime [GLOBAL OPTIONS] COMMAND [ARGS]\n\n"
		     "berth's OCI runtime, command-line compatible with runc.\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(out, "  %-10s %s\n", verbs[i].name, verbs[i].help);
	fprintf(out, "\nGlobal options:\n"
		     "  --root DIR            state directory (default " RUNTIME_DEFAULT_ROOT ")\n"
		     "  --log FILE            write log lines to FILE instead of stderr\n"
		     "  --log-format FORMAT   text (default) or json\n"
		     "  --debug               log debug messages\n"
		     "  --systemd-cgroup      accepted; systemd cgroupsPath forms are mapped\n"
		     "  --rootless VALUE      accepted (true|false|auto)\n"
		     "  -h, --help            print usage\n"
		     "  -v, --version         print version information and quit\n");
}

static void print_version(void)
{
	/* runc's shape: containerd and podman read the "spec:" line */
	printf("berth-runtime version %s\ncommit: %s\nspec: %s\n", berth_version(), berth_commit(),
	       OCI_SPEC_VERSION);
}

static void warn_to_log(const char *msg)
{
	log_warn("%s", msg);
}

enum {
	OPT_ROOT = 256,
	OPT_LOG,
	OPT_LOG_FORMAT,
	OPT_DEBUG,
	OPT_SYSTEMD,
	OPT_ROOTLESS,
	OPT_CRIU
};

/* Returns the index of the verb in argv, 0 when main should exit with
 * *ret_code already set */
static int parse_globals(struct cli *cli, int argc, char **argv, int *ret_code, berth_error_t **err)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
		{ "debug", no_argument, NULL, OPT_DEBUG },
		{ "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD },
		{ "rootless", required_argument, NULL, OPT_ROOTLESS },
		{ "criu", required_argument, NULL, OPT_CRIU },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	enum log_format fmt;
	while ((c = getopt_long(argc, argv, "+hv", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ROOT:
			cli->rt.root = optarg;
			break;
		case OPT_LOG:
			if (log_set_file(optarg, err) < 0)
				return -1;
			break;
		case OPT_LOG_FORMAT:
			if (log_format_parse(optarg, &fmt, err) < 0)
				return -1;
			log_set_format(fmt);
			break;
		case OPT_DEBUG:
			log_set_level(LOG_LEVEL_DEBUG);
			break;
		case OPT_SYSTEMD:
			cli->rt.systemd_cgroup = true;
			break;
		case OPT_ROOTLESS:
			if (strcmp(optarg, "true") != 0 && strcmp(optarg, "false") != 0 &&
			    strcmp(optarg, "auto") != 0)
				return berth_error_fail(
					err, EINVAL, "--rootless: '%s' is not true, false or auto",
					optarg);
			cli->rootless = strcmp(optarg, "true") == 0;
			break;
		case OPT_CRIU:
			break;
		case 'h':
			usage(stdout);
			*ret_code = 0;
			return 0;
		case 'v':
			print_version();
			*ret_code = 0;
			return 0;
		default:
			usage(stderr);
			*ret_code = 1;
			return 0;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		*ret_code = 1;
		return 0;
	}
	return optind;
}

static int dispatch(struct cli *cli, int argc, char **argv, berth_error_t **err)
{
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strcmp(argv[0], verbs[i].name) != 0)
			continue;
		cli_getopt_reset();
		return verbs[i].fn(cli, argc, argv, err);
	}
	if (strcmp(argv[0], "help") == 0) {
		usage(stdout);
		return 0;
	}
	return berth_error_fail(err, EINVAL, "no such command '%s'", argv[0]);
}

int main(int argc, char **argv)
{
	cleanup_error berth_error_t *err = NULL;
	struct cli cli = {
		.rt = { .root = RUNTIME_DEFAULT_ROOT, .warn = warn_to_log, .argv = argv }
	};
	int code = 1;

	cloned_binary_init();
	log_set_prog("berth-runtime");
	int verb = parse_globals(&cli, argc, argv, &code, &err);
	if (verb == 0)
		return code;
	if (verb > 0)
		code = dispatch(&cli, argc - verb, argv + verb, &err);
	if (verb < 0 || code < 0) {
		/* the one place an error is printed: --log (JSON for containerd) or stderr */
		log_error("%s", err ? err->msg : "unknown error");
		return 1;
	}
	return code;
}
