/* create-opts: one getopt table for create and run, so the two verbs can
 * never disagree about a shared flag. */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "runtime-cli/create-opts.h"

enum {
	OPT_PID_FILE = 256,
	OPT_CONSOLE,
	OPT_NO_PIVOT,
	OPT_NO_KEYRING,
	OPT_PRESERVE,
	OPT_KEEP,
	OPT_PIDFD
};

int create_opts_parse(int argc, char **argv, struct container_create_opts *o,
		      struct container_run_opts *run, berth_error_t **err)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "pid-file", required_argument, NULL, OPT_PID_FILE },
		{ "console-socket", required_argument, NULL, OPT_CONSOLE },
		{ "pidfd-socket", required_argument, NULL, OPT_PIDFD },
		{ "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
		{ "no-new-keyring", no_argument, NULL, OPT_NO_KEYRING },
		{ "preserve-fds", required_argument, NULL, OPT_PRESERVE },
		{ "detach", no_argument, NULL, 'd' },
		{ "keep", no_argument, NULL, OPT_KEEP },
		{ NULL, 0, NULL, 0 },
	};
	const char *verb = run ? "run" : "create";
	int c;
	while ((c = getopt_long(argc, argv, run ? "+b:d" : "+b:", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			o->bundle = optarg;
			break;
		case OPT_PID_FILE:
			o->pid_file = optarg;
			break;
		case OPT_CONSOLE:
			o->console_socket = optarg;
			break;
		case OPT_NO_PIVOT:
			o->no_pivot = true;
			break;
		case OPT_NO_KEYRING:
			o->no_new_keyring = true;
			break;
		case OPT_PRESERVE:
			if (cli_parse_uint("preserve-fds", optarg, &o->preserve_fds, err) < 0)
				return -1;
			break;
		case OPT_PIDFD:
			return berth_error_fail(err, ENOTSUP, "--pidfd-socket is not supported");
		case 'd':
			if (!run)
				return cli_bad_option(verb, err);
			run->detach = true;
			break;
		case OPT_KEEP:
			if (!run)
				return cli_bad_option(verb, err);
			run->keep = true;
			break;
		default:
			return cli_bad_option(verb, err);
		}
	}
	return 0;
}
