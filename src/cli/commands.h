/* commands: berth's command table.  Exit codes follow docker: 125 when
 * berth itself fails (bad flag, unknown command, no daemon). */
#ifndef BERTH_CLI_COMMANDS_H
#define BERTH_CLI_COMMANDS_H

#define CLI_EXIT_FAILURE 125

struct cli_command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
};

/* Run the command named by argv[1]; returns the process exit code */
int cli_dispatch(int argc, char **argv);

int cmd_version(int argc, char **argv);

#endif
