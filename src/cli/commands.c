/* commands: the table of berth commands and the top-level usage.  A command
 * appears here only once it works end to end. */
#include "cli/commands.h"

#include <stdio.h>
#include <string.h>

#include "common/version.h"

static const struct cli_command commands[] = {
	{ "version", "Show the berth version information", cmd_version },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
	fprintf(out, "Usage:  berth [OPTIONS] COMMAND\n\n"
		     "A fast, small container engine that speaks docker's language.\n\n"
		     "Commands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nOptions:\n"
		     "  -h, --help     Print usage\n"
		     "  -v, --version  Print version information and quit\n\n"
		     "Run 'berth COMMAND --help' for more information on a command.\n");
}

int cli_dispatch(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_FAILURE;
	}
	const char *name = argv[1];
	if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(name, "-v") == 0 || strcmp(name, "--version") == 0) {
		printf("berth version %s, build %s\n", berth_version(), berth_commit());
		return 0;
	}
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "berth: '%s' is not a berth command.\nSee 'berth --help'\n", name);
	return CLI_EXIT_FAILURE;
}
