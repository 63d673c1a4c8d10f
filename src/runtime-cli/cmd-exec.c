/* exec: run a new process inside a running container (runc exec), from
 * --process FILE or from the command line (args plus --env, --cwd, --user,
 * --cap, --no-new-privs, -t).  Foreground exits with the process's code. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>

#include "common/xalloc.h"
#include "runtime-cli/cli.h"

enum {
	OPT_PID_FILE = 256,
	OPT_CONSOLE,
	OPT_CWD,
	OPT_NNP,
	OPT_PRESERVE,
	OPT_IGNORED
};

static void strv_push(char ***v, size_t *n, const char *s)
{
	*v = xreallocarray(*v, *n + 2, sizeof(char *));
	(*v)[(*n)++] = (char *)s;
	(*v)[*n] = NULL;
}

int cmd_exec(struct cli *cli, int argc, char **argv, berth_error_t **err)
{
	static const struct option opts[] = {
		{ "process", required_argument, NULL, 'p' },
		{ "tty", no_argument, NULL, 't' },
		{ "detach", no_argument, NULL, 'd' },
		{ "pid-file", required_argument, NULL, OPT_PID_FILE },
		{ "console-socket", required_argument, NULL, OPT_CONSOLE },
		{ "env", required_argument, NULL, 'e' },
		{ "cwd", required_argument, NULL, OPT_CWD },
		{ "user", required_argument, NULL, 'u' },
		{ "cap", required_argument, NULL, 'c' },
		{ "no-new-privs", no_argument, NULL, OPT_NNP },
		{ "preserve-fds", required_argument, NULL, OPT_PRESERVE },
		{ "process-label", required_argument, NULL, OPT_IGNORED },
		{ "apparmor", required_argument, NULL, OPT_IGNORED },
		{ NULL, 0, NULL, 0 },
	};
	struct container_exec_opts o = { 0 };
	char **env = NULL, **caps = NULL;
	size_t n_env = 0, n_caps = 0;
	int c, code = 0, r = 0;
	while (r == 0 && (c = getopt_long(argc, argv, "+p:tde:u:c:", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o.process_file = optarg;
			break;
		case 't':
			o.tty = true;
			break;
		case 'd':
			o.detach = true;
			break;
		case OPT_PID_FILE:
			o.pid_file = optarg;
			break;
		case OPT_CONSOLE:
			o.console_socket = optarg;
			break;
		case 'e':
			strv_push(&env, &n_env, optarg);
			break;
		case OPT_CWD:
			o.cwd = optarg;
			break;
		case 'u':
			o.user = optarg;
			break;
		case 'c':
			strv_push(&caps, &n_caps, optarg);
			break;
		case OPT_NNP:
			o.no_new_privs = true;
			break;
		case OPT_PRESERVE:
			r = cli_parse_uint("preserve-fds", optarg, &o.preserve_fds, err);
			break;
		case OPT_IGNORED:
			break;
		default:
			r = cli_bad_option("exec", err);
		}
	}
	if (r == 0)
		r = cli_args("exec", argc, argv, 0, err);
	if (r == 0 && !o.process_file && argc - optind < 2)
		r = berth_error_fail(err, EINVAL, "exec: no command given (args or --process)");
	if (r == 0) {
		o.id = argv[optind];
		o.args = argv + optind + 1;
		o.env = env;
		o.caps = caps;
		r = container_exec(&cli->rt, &o, &code, err);
	}
	free(env);
	free(caps);
	return r < 0 ? -1 : code;
}
