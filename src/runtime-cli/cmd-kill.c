/* kill: send a signal to a container's init, or with --all to every
 * process of its cgroup (runc kill).  The signal is a name with or without
 * "SIG" (KILL, SIGKILL) or a number; the default is TERM. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <string.h>
#include <strings.h>

#include "common/parse.h"
#include "runtime-cli/cli.h"

static const struct {
	const char *name;
	int sig;
} signals[] = {
	{ "HUP", SIGHUP },       { "INT", SIGINT },   { "QUIT", SIGQUIT },     { "ILL", SIGILL },
	{ "TRAP", SIGTRAP },     { "ABRT", SIGABRT }, { "IOT", SIGIOT },       { "BUS", SIGBUS },
	{ "FPE", SIGFPE },       { "KILL", SIGKILL }, { "USR1", SIGUSR1 },     { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 },     { "PIPE", SIGPIPE }, { "ALRM", SIGALRM },     { "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT },     { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP },     { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },     { "URG", SIGURG },
	{ "XCPU", SIGXCPU },     { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
	{ "WINCH", SIGWINCH },   { "IO", SIGIO },     { "POLL", SIGPOLL },     { "PWR", SIGPWR },
	{ "SYS", SIGSYS },
};

static int parse_signal(const char *s, int *ret, berth_error_t **err)
{
	int64_t n;
	if (parse_int_range(s, 1, SIGRTMAX, &n, NULL) == 0) {
		*ret = (int)n;
		return 0;
	}
	const char *name = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		if (strcasecmp(name, signals[i].name) == 0) {
			*ret = signals[i].sig;
			return 0;
		}
	}
	return berth_error_fail(err, EINVAL, "unknown signal \"%s\"", s);
}

int cmd_kill(struct cli *cli, int argc, char **argv, berth_error_t **err)
{
	static const struct option opts[] = { { "all", no_argument, NULL, 'a' },
					      { NULL, 0, NULL, 0 } };
	bool all = false;
	int c, sig = SIGTERM;
	while ((c = getopt_long(argc, argv, "+a", opts, NULL)) != -1) {
		if (c != 'a')
			return cli_bad_option("kill", err);
		all = true;
	}
	int have = argc - optind;
	if (have < 1 || have > 2)
		return berth_error_fail(err, EINVAL, "\"kill\" requires 1 or 2 arguments");
	if (have == 2 && parse_signal(argv[optind + 1], &sig, err) < 0)
		return -1;
	return container_kill(&cli->rt, argv[optind], sig, all, err) < 0 ? -1 : 0;
}
