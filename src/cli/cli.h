/* cli: what every berth command file sees.  A command is a table entry
 * (name, usage, flags, positional count, run function); the core parses
 * argv against it, prints --help, man pages and completions from the same
 * table, and calls run() with the parsed arguments.  Exit codes follow the
 * docker CLI exactly (the tests compare the two). */
#ifndef BERTH_CLI_CLI_H
#define BERTH_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/error.h"

/* Exit codes.  docker: a failing command exits 1 ("Error response from
 * daemon: ..."); a bad flag, or run/create/start failing before the
 * container ran, exits 125; 126 when the container's command cannot be
 * invoked, 127 when it is not found; otherwise the container's own code. */
#define CLI_EXIT_ERROR 1
#define CLI_EXIT_FAILURE 125
#define CLI_EXIT_CANNOT_INVOKE 126
#define CLI_EXIT_NOT_FOUND 127

enum cli_flag_type {
	CLI_BOOL,   /* --rm, --rm=false, -d, combined -it */
	CLI_STRING, /* --name x, --name=x, -ux, -u x; the last one given wins */
	CLI_LIST,   /* repeatable: -e A -e B; every value, in order */
	CLI_INT,    /* parsed as int64 when the command line is parsed */
};

enum cli_flag_flags {
	CLI_FLAG_HIDDEN = 1 << 0, /* accepted, not shown in --help/man/completion */
};

struct cli_flag {
	const char *name; /* long name without "--" */
	char shorthand;   /* one letter, 0 when none */
	enum cli_flag_type type;
	const char *value_name; /* type word in --help ("string", "list", "bytes", "duration"...);
				   NULL: derived from type (bool shows none) */
	const char *def;        /* default as text, shown in --help as docker does; NULL: none */
	const char *usage;      /* one line for --help */
	unsigned flags;         /* enum cli_flag_flags */
	const char *complete;   /* what a value completes to: NULL (nothing), "containers",
				   "running", "images", "networks", "volumes", "signals", "files",
				   "dirs", or fixed words "a|b|c" */
};
#define CLI_FLAGS_END        \
	{                    \
		.name = NULL \
	}

struct cli;
struct cli_args;

enum cli_command_flags {
	CLI_CMD_STOP_AT_ARG = 1 << 0, /* flags end at the first positional (run, exec, create) */
	CLI_CMD_HIDDEN = 1 << 1,      /* not listed in help, man or completion */
	CLI_CMD_NO_DAEMON = 1 << 2,   /* never talks to berthd (completion, logout...) */
	CLI_CMD_RAW_ARGS = 1 << 3,    /* no flag parsing at all, not even --help: every
					 argument is a positional (berth __complete) */
};

struct cli_command {
	const char *name;        /* default name, e.g. "ps" (a group entry may rename it) */
	const char *usage;       /* after "berth NAME ": "[OPTIONS] CONTAINER [CONTAINER...]" */
	const char *summary;     /* one line: "List containers" */
	const char *description; /* longer text for the man page; NULL: the summary.  --help
				    shows the summary, or the description when that begins
				    with the summary (docker's Long texts repeat the Short:
				    "Authenticate to a registry.\nDefaults to ...") */
	const struct cli_flag *flags; /* ends with CLI_FLAGS_END; NULL: none */
	int min_args, max_args;       /* positional arguments; max_args -1 for no limit */
	unsigned cmd_flags;           /* enum cli_command_flags */
	const char *complete;         /* what positionals complete to (as cli_flag.complete);
					 space-separated kinds ("networks containers") go one per
					 positional, the last repeating */
	/* Runs the command; returns the process exit code */
	int (*run)(struct cli *cli, const struct cli_args *args);
};

/* One name in a command group: `berth container ls` is cli_cmd_ps under the
 * name "ls" with the aliases "ps list". */
struct cli_entry {
	const char *name;
	const char *aliases;           /* space-separated; NULL when none */
	const struct cli_command *cmd; /* NULL for a group */
	const struct cli_entry *group; /* sub-entries, end with { NULL }; NULL for a command */
	const char *group_summary;     /* for a group: "Manage containers" */
};

/* The context a command runs in; owned by main() */
struct cli {
	const char *host;          /* "unix:///run/berth/berth.sock": -H, BERTH_HOST, DOCKER_HOST */
	const char *config_dir;    /* --config, DOCKER_CONFIG, ~/.docker: config.json (auths,
				      psFormat...) */
	struct cli_client *client; /* made on first use by cli_client(); see client.h */
	bool stdin_tty, stdout_tty, stderr_tty;
	const char *invoked_as;        /* "berth container ls": for usage and "See '... --help'." */
	const struct cli_command *cmd; /* the command being run */
	bool debug;                    /* -D: debug output of the client on stderr */
};

/* Parsed arguments.  Flag lookups name a flag of the running command's
 * table; naming one that is not in the table is a programming error and
 * aborts (the tests would see it). */
bool cli_flag_bool(const struct cli_args *a, const char *name);
/* The last value given, else the flag's default, else NULL */
const char *cli_flag_string(const struct cli_args *a, const char *name);
/* The parsed value (or the parsed default, or 0) */
int64_t cli_flag_int(const struct cli_args *a, const char *name);
/* Every value given for a CLI_LIST (or CLI_STRING) flag, in order; *ret is
 * borrowed and NULL-terminated; returns the count */
size_t cli_flag_list(const struct cli_args *a, const char *name, const char *const **ret);
/* Whether the flag was given on the command line at all (docker's
 * flags.Changed: --rm=false counts as given) */
bool cli_flag_changed(const struct cli_args *a, const char *name);
/* Positional arguments (after flags; for CLI_CMD_STOP_AT_ARG commands the
 * container command and its own flags are positionals too) */
size_t cli_nargs(const struct cli_args *a);
const char *cli_arg(const struct cli_args *a, size_t i);
/* The positionals from index i on, NULL-terminated, borrowed */
const char *const *cli_argv_from(const struct cli_args *a, size_t i);

/* Print err->msg on stderr as docker prints errors (no program prefix;
 * messages from the daemon already read "Error response from daemon: ...")
 * and return code.  err may be NULL (then only returns code). */
int cli_error(const struct cli *cli, const berth_error_t *err, int code);
/* Print a usage problem the way docker does ("<msg>\nSee 'berth ps
 * --help'.") and return CLI_EXIT_FAILURE */
int cli_usage_error(const struct cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A bad flag value found by the command (not the parser), printed as
 * cobra's flag errors are: "<msg>\n\nUsage:  berth ps [OPTIONS]\n\nRun
 * 'berth ps --help' for more information"; the message is pflag's
 * 'invalid argument "x" for "--flag" flag: ...'.  Returns
 * CLI_EXIT_FAILURE (125).  flags.c */
int cli_flag_error(const struct cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* docker's prompt.Confirm: print "<prompt> [y/N] " on stdout, read one
 * line from stdin; true only for "y" or "Y" (white space around it
 * trimmed).  EOF or any other answer is false.  cli.c */
bool cli_confirm(const struct cli *cli, const char *prompt);

/* The top-level table (commands.c) */
extern const struct cli_entry cli_entries[];

/* Run berth with argv; returns the process exit code (main.c calls this) */
int cli_main(int argc, char **argv);

/* Every command, one file each (src/cli/<group>/<name>.c) */
extern const struct cli_command cli_cmd_version, cli_cmd_info, cli_cmd_events, cli_cmd_system_df,
	cli_cmd_system_prune, cli_cmd_completion, cli_cmd_login, cli_cmd_logout, cli_cmd_inspect;
extern const struct cli_command cli_cmd_run, cli_cmd_create, cli_cmd_start, cli_cmd_attach,
	cli_cmd_exec, cli_cmd_wait;
extern const struct cli_command cli_cmd_ps, cli_cmd_logs, cli_cmd_stop, cli_cmd_restart,
	cli_cmd_kill, cli_cmd_rm, cli_cmd_rename, cli_cmd_pause, cli_cmd_unpause, cli_cmd_update,
	cli_cmd_port, cli_cmd_diff, cli_cmd_cp, cli_cmd_export, cli_cmd_commit, cli_cmd_top,
	cli_cmd_stats, cli_cmd_container_inspect, cli_cmd_container_prune;
extern const struct cli_command cli_cmd_images, cli_cmd_pull, cli_cmd_push, cli_cmd_tag,
	cli_cmd_rmi, cli_cmd_save, cli_cmd_load, cli_cmd_import, cli_cmd_history,
	cli_cmd_image_inspect, cli_cmd_image_prune;
extern const struct cli_command cli_cmd_volume_create, cli_cmd_volume_ls, cli_cmd_volume_inspect,
	cli_cmd_volume_rm, cli_cmd_volume_prune;
extern const struct cli_command cli_cmd_network_create, cli_cmd_network_ls, cli_cmd_network_inspect,
	cli_cmd_network_rm, cli_cmd_network_prune, cli_cmd_network_connect,
	cli_cmd_network_disconnect;

#endif
