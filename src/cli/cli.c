/* cli: berth's main flow.  Parse the global options (they end at the first
 * word, the command), find the command in the tree of commands.c, parse its
 * flags, check its argument count, run it.  Every message a user can get
 * from this walk is docker's own text and exit status (cobra's and
 * docker/cli's cli/required.go), with "docker" replaced by "berth". */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/client.h"
#include "cli/core.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/version.h"
#include "common/xalloc.h"

#define DEFAULT_HOST "unix:///run/berth/berth.sock"

const struct cli_flag cli_global_flags[] = {
	{ "config", 0, CLI_STRING, NULL, NULL,
	  "Location of client config files (default $DOCKER_CONFIG or ~/.docker)", 0, "dirs" },
	{ "context", 'c', CLI_STRING, NULL, NULL,
	  "Accepted for docker compatibility; berth has only the \"default\" context (use -H)", 0,
	  NULL },
	{ "debug", 'D', CLI_BOOL, NULL, NULL, "Enable debug mode", 0, NULL },
	{ "host", 'H', CLI_LIST, NULL, NULL,
	  "Daemon socket to connect to (default $BERTH_HOST, else $DOCKER_HOST, else " DEFAULT_HOST
	  ")",
	  0, NULL },
	{ "log-level", 'l', CLI_STRING, NULL, "info",
	  "Set the logging level (\"debug\", \"info\", \"warn\", \"error\", \"fatal\")", 0,
	  "debug|info|warn|error|fatal" },
	{ "version", 'v', CLI_BOOL, NULL, NULL, "Print version information and quit", 0, NULL },
	CLI_FLAGS_END,
};

int cli_error(const struct cli *cli, const berth_error_t *err, int code)
{
	(void)cli;
	if (err && err->msg)
		fprintf(stderr, "%s\n", err->msg);
	return code;
}

int cli_usage_error(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nSee '%s --help'.\n",
		cli && cli->invoked_as ? cli->invoked_as : CLI_PROG);
	return CLI_EXIT_FAILURE;
}

/* docker's prompt.Confirm reads one line with bufio.Scanner; an answer
 * this long is no "y", so reading stops there */
#define CONFIRM_ANSWER_MAX 1024

bool cli_confirm(const struct cli *cli, const char *prompt)
{
	(void)cli; /* the prompt goes to stdout and the answer comes from stdin, as docker's */
	printf("%s [y/N] ", prompt);
	fflush(stdout);
	/* byte by byte, unbuffered: nothing past the answer's line is taken
	 * from stdin */
	char line[CONFIRM_ANSWER_MAX];
	size_t n = 0;
	while (n + 1 < sizeof(line)) {
		char ch;
		ssize_t r = read(STDIN_FILENO, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r != 1 || ch == '\n')
			break;
		line[n++] = ch;
	}
	line[n] = '\0';
	/* strings.TrimSpace, then "y" or "Y" */
	const char *s = line;
	while (*s && isspace((unsigned char)*s))
		s++;
	size_t len = strlen(s);
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	return len == 1 && (*s == 'y' || *s == 'Y');
}

/* cobra's FlagErrorFunc: exit 125 */
static int flag_error(const berth_error_t *err, const char *use_line, const char *path)
{
	fprintf(stderr, "%s\n\nUsage:  %s\n\nRun '%s --help' for more information\n", err->msg,
		use_line, path);
	return CLI_EXIT_FAILURE;
}

static const char *plural(int n)
{
	return n == 1 ? "argument" : "arguments";
}

/* docker/cli's cli/required.go, word for word (including its "SRun" typo,
 * which docker 28 prints) */
static int check_nargs(const char *path, const struct cli_command *cmd, size_t nargs)
{
	int n = (int)nargs, min = cmd->min_args, max = cmd->max_args;
	if (n >= min && (max < 0 || n <= max))
		return 0;
	struct strbuf use = STRBUF_INIT;
	cli_help_use_line(&use, path, cmd);
	if (min == 0 && max == 0)
		fprintf(stderr,
			CLI_PROG
			": '%s' accepts no arguments\n\nUsage:  %s\n\nRun '%s --help' for more information\n",
			path, use.buf, path);
	else if (min == max)
		fprintf(stderr,
			CLI_PROG
			": '%s' requires %d %s\n\nUsage:  %s\n\nRun '%s --help' for more information\n",
			path, min, plural(min), use.buf, path);
	else if (max < 0)
		fprintf(stderr,
			CLI_PROG
			": '%s' requires at least %d %s\n\nUsage:  %s\n\nSee '%s --help' for more information\n",
			path, min, plural(min), use.buf, path);
	else if (min == 0)
		fprintf(stderr,
			CLI_PROG
			": '%s' requires at most %d %s\n\nUsage:  %s\n\nSRun '%s --help' for more information\n",
			path, max, plural(max), use.buf, path);
	else
		fprintf(stderr,
			CLI_PROG
			": '%s' requires at least %d and at most %d %s\n\nUsage:  %s\n\nRun '%s --help' for more information\n",
			path, min, max, plural(max), use.buf, path);
	strbuf_release(&use);
	return CLI_EXIT_ERROR;
}

/* Parse a command's own arguments and run it */
static int run_command(struct cli *cli, const char *path, const struct cli_command *cmd, int argc,
		       char **argv)
{
	struct cli_args args;
	cleanup_error berth_error_t *err = NULL;
	unsigned pflags = (cmd->cmd_flags & CLI_CMD_STOP_AT_ARG) ? CLI_PARSE_STOP_AT_ARG : 0;
	if (cmd->cmd_flags & CLI_CMD_RAW_ARGS)
		pflags = CLI_PARSE_RAW;
	if (cli_args_parse(cmd->flags, pflags, argc, argv, &args, &err) < 0) {
		struct strbuf use = STRBUF_INIT;
		cli_help_use_line(&use, path, cmd);
		int rc = flag_error(err, use.buf, path);
		strbuf_release(&use);
		return rc;
	}
	int rc;
	if (args.help_short)
		printf("Flag shorthand -h has been deprecated, use --help\n");
	if (args.help) {
		cli_help_command(stdout, path, cmd);
		rc = 0;
	} else if ((rc = check_nargs(path, cmd, args.argc)) == 0) {
		cli->cmd = cmd;
		cli->invoked_as = path;
		fflush(stdout);
		rc = cmd->run(cli, &args);
	}
	cli_args_release(&args);
	return rc;
}

/* `berth help [COMMAND [SUBCOMMAND]]`; like cobra's help command, an
 * unknown topic is named by the words left after the ones it found */
static int run_help(int argc, char **argv)
{
	if (argc == 0) {
		cli_help_root(stdout);
		return 0;
	}
	int used = 0;
	const struct cli_entry *e = cli_entry_find(cli_entries, argv[0]);
	const struct cli_entry *g = NULL;
	if (e) {
		used = 1;
		if (e->group && argc >= 2 && cli_entry_find(e->group, argv[1])) {
			g = e;
			e = cli_entry_find(g->group, argv[1]);
			used = 2;
		}
	}
	if (e && used == argc) {
		cleanup_free char *path = g ? xasprintf(CLI_PROG " %s %s", g->name, e->name) :
					      xasprintf(CLI_PROG " %s", e->name);
		if (e->group)
			cli_help_group(stdout, path, e);
		else
			cli_help_command(stdout, path, e->cmd);
		return 0;
	}
	fprintf(stderr, "unknown help topic: ");
	for (int k = used; k < argc; k++)
		fprintf(stderr, "%s%s", k > used ? " " : "", argv[k]);
	fprintf(stderr, "\n");
	return CLI_EXIT_ERROR;
}

/* `berth GROUP ...`: a subcommand, the group's help, or docker's errors */
static int run_group(struct cli *cli, const struct cli_entry *g, int argc, char **argv)
{
	cleanup_free char *path = xasprintf(CLI_PROG " %s", g->name);
	if (argc == 0) {
		/* docker prints a group's usage on stderr and succeeds */
		cli_help_group(stderr, path, g);
		return 0;
	}
	if (argv[0][0] == '-') {
		struct cli_args args;
		cleanup_error berth_error_t *err = NULL;
		if (cli_args_parse(NULL, CLI_PARSE_STOP_AT_ARG, argc, argv, &args, &err) < 0)
			return flag_error(err, path, path);
		bool help = args.help;
		size_t skip = (size_t)argc - args.argc;
		cli_args_release(&args);
		if (help) {
			cli_help_group(stdout, path, g);
			return 0;
		}
		argc -= (int)skip;
		argv += skip;
		if (argc == 0) {
			cli_help_group(stderr, path, g);
			return 0;
		}
	}
	const struct cli_entry *sub = cli_entry_find(g->group, argv[0]);
	if (!sub) {
		fprintf(stderr,
			CLI_PROG
			": unknown command: %s %s\n\nUsage:  %s\n\nRun '%s --help' for more information\n",
			path, argv[0], path, path);
		return CLI_EXIT_ERROR;
	}
	cleanup_free char *subpath = xasprintf("%s %s", path, sub->name);
	return run_command(cli, subpath, sub->cmd, argc - 1, argv + 1);
}

/* -H, BERTH_HOST, DOCKER_HOST, the default socket */
static int resolve_host(struct cli *cli, const struct cli_args *g, berth_error_t **err)
{
	const char *const *hosts;
	size_t n = cli_flag_list(g, "host", &hosts);
	if (n > 1)
		return berth_error_fail(err, EINVAL, "Specify only one -H");
	const char *env_berth = getenv("BERTH_HOST"), *env_docker = getenv("DOCKER_HOST");
	if (n == 1)
		cli->host = hosts[0];
	else if (env_berth && *env_berth)
		cli->host = env_berth;
	else if (env_docker && *env_docker)
		cli->host = env_docker;
	else
		cli->host = DEFAULT_HOST;
	return 0;
}

/* --config, DOCKER_CONFIG, ~/.docker; returns an owned path */
static char *resolve_config_dir(const struct cli_args *g)
{
	const char *c = cli_flag_string(g, "config");
	if (c && *c)
		return xstrdup(c);
	c = getenv("DOCKER_CONFIG");
	if (c && *c)
		return xstrdup(c);
	const char *home = getenv("HOME");
	return xasprintf("%s/.docker", home && *home ? home : "/root");
}

static int apply_globals(struct cli *cli, const struct cli_args *g, berth_error_t **err)
{
	const char *level = cli_flag_string(g, "log-level");
	enum log_level lv;
	if (strcmp(level, "fatal") == 0)
		lv = LOG_LEVEL_ERROR;
	else if (log_level_parse(level, &lv, NULL) < 0)
		return berth_error_fail(err, EINVAL, "Unable to parse logging level: %s", level);
	cli->debug = cli_flag_bool(g, "debug");
	log_set_level(cli->debug ? LOG_LEVEL_DEBUG : lv);
	const char *ctx = cli_flag_string(g, "context");
	if (!ctx || !*ctx)
		ctx = getenv("DOCKER_CONTEXT");
	if (ctx && *ctx && strcmp(ctx, "default") != 0)
		return berth_error_fail(
			err, EINVAL,
			"context \"%s\": berth has no contexts but \"default\"; use -H or BERTH_HOST",
			ctx);
	return resolve_host(cli, g, err);
}

static int dispatch(struct cli *cli, int argc, char **argv)
{
	if (argc == 0) {
		cli_help_root(stderr);
		return 0;
	}
	if (strcmp(argv[0], "help") == 0)
		return run_help(argc - 1, argv + 1);
	const struct cli_entry *e = cli_entry_find(cli_entries, argv[0]);
	if (!e) {
		fprintf(stderr,
			CLI_PROG ": unknown command: " CLI_PROG " %s\n\nRun '" CLI_PROG
				 " --help' for more information\n",
			argv[0]);
		return CLI_EXIT_ERROR;
	}
	if (e->group)
		return run_group(cli, e, argc - 1, argv + 1);
	cleanup_free char *path = xasprintf(CLI_PROG " %s", e->name);
	return run_command(cli, path, e->cmd, argc - 1, argv + 1);
}

int cli_main(int argc, char **argv)
{
	struct cli cli = { 0 };
	struct cli_args g;
	cleanup_error berth_error_t *err = NULL;
	if (cli_args_parse(cli_global_flags, CLI_PARSE_STOP_AT_ARG, argc - 1, argv + 1, &g, &err) <
	    0)
		return flag_error(err, CLI_PROG " [OPTIONS] COMMAND [ARG...]", CLI_PROG);
	int rc;
	if (g.help_short)
		printf("Flag shorthand -h has been deprecated, use --help\n");
	if (cli_flag_bool(&g, "version")) {
		printf(CLI_PROG " version %s, build %s\n", berth_version(), berth_commit());
		rc = 0;
	} else if (g.help) {
		cli_help_root(stdout);
		rc = 0;
	} else if (apply_globals(&cli, &g, &err) < 0) {
		rc = cli_error(&cli, err, CLI_EXIT_ERROR);
	} else {
		cleanup_free char *config_dir = resolve_config_dir(&g);
		cli.config_dir = config_dir;
		cli.stdin_tty = isatty(STDIN_FILENO);
		cli.stdout_tty = isatty(STDOUT_FILENO);
		cli.stderr_tty = isatty(STDERR_FILENO);
		rc = dispatch(&cli, (int)g.argc, (char **)g.argv);
		cli_client_free(cli.client);
	}
	cli_args_release(&g);
	fflush(stdout);
	return rc;
}
