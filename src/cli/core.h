/* core: what the CLI core files (cli.c, flags.c, help.c, commands.c,
 * completion.c, man.c) share and command files never need: the parsed
 * argument store behind struct cli_args, the command-tree walk, and the
 * help printers.  Everything here reads the tables of cli.h, so help,
 * man pages and completion can never disagree with the parser. */
#ifndef BERTH_CLI_CORE_H
#define BERTH_CLI_CORE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/cli.h"
#include "common/error.h"
#include "common/strbuf.h"

/* The program name in every message and usage line */
#define CLI_PROG "berth"

/* What the command line gave for one flag of the table */
struct cli_flag_value {
	const char **values; /* every value given, in order, NULL-terminated; owned array */
	size_t n, alloc;
	bool changed;
	bool bval;    /* CLI_BOOL: the last value */
	int64_t ival; /* CLI_INT: the last value */
};

struct cli_args {
	const struct cli_flag *flags; /* not owned: the table parsed against */
	size_t n_flags;
	struct cli_flag_value *vals; /* owned, parallel to flags */
	const char **argv; /* positionals, NULL-terminated; owned array, borrowed strings */
	size_t argc, alloc;
	bool help;       /* --help (or -h when the table has no -h) was given */
	bool help_short; /* -h was used (docker prints a deprecation line) */
};

enum cli_parse_flags {
	CLI_PARSE_STOP_AT_ARG = 1 << 0, /* not interspersed: the first positional ends the flags */
	CLI_PARSE_NO_HELP = 1 << 1,     /* no implicit --help/-h */
	CLI_PARSE_RAW = 1 << 2,         /* no flags at all: every argument is a positional */
};

/* Parse argv[0..argc) (the command's own arguments, without its name)
 * against flags (may be NULL).  On failure *err holds pflag's exact text
 * ("unknown flag: --bad", "flag needs an argument: 'u' in -u", ...) and
 * ret is released.  ret must be released with cli_args_release. */
int cli_args_parse(const struct cli_flag *flags, unsigned pflags, int argc, char *const *argv,
		   struct cli_args *ret, berth_error_t **err);
void cli_args_release(struct cli_args *a);

/* Parse a value as Go's strconv does, with its error text */
int cli_parse_go_bool(const char *s, bool *ret, berth_error_t **err);
int cli_parse_go_int(const char *s, int64_t *ret, berth_error_t **err);

/* One place in the command tree: a top-level command, a group, or a group's
 * command.  path is "berth container ls". */
struct cli_node {
	const struct cli_entry *group; /* the group entry, or NULL at top level */
	const struct cli_entry *entry; /* the command (or group) entry */
};

/* Whether an entry is usable: a group with at least one command, or a
 * command whose file is linked in (weak symbols during development) */
bool cli_entry_present(const struct cli_entry *e);
bool cli_entry_hidden(const struct cli_entry *e);
/* Find name (or an alias) among entries (ends with { NULL }) */
const struct cli_entry *cli_entry_find(const struct cli_entry *entries, const char *name);
/* Whether name is an alias of e */
bool cli_entry_has_alias(const struct cli_entry *e, const char *name);

/* Hidden commands of the core (completion.c, man.c) */
extern const struct cli_command cli_cmd_complete_words, cli_cmd_man;

/* The global options of berth (cli.c), for help, man and completion */
extern const struct cli_flag cli_global_flags[];

/* help.c.  cols: the width flag usages wrap to (docker: terminal width of
 * stdin minus 1, else 79); cli_help_cols() finds it. */
int cli_help_cols(void);
/* pflag's FlagUsagesWrapped: the Options block, sorted by name, without
 * the trailing newline trimmed */
void cli_help_flag_usages(struct strbuf *sb, const struct cli_flag *flags, int cols);
/* "berth ps [OPTIONS]" */
void cli_help_use_line(struct strbuf *sb, const char *path, const struct cli_command *cmd);
/* "berth container ls, berth container list, berth container ps, berth ps",
 * or nothing when the command has one name */
void cli_help_aliases(struct strbuf *sb, const struct cli_command *cmd);
void cli_help_command(FILE *out, const char *path, const struct cli_command *cmd);
void cli_help_group(FILE *out, const char *path, const struct cli_entry *group);
void cli_help_root(FILE *out);
/* Whether a flag table has at least one visible flag */
bool cli_flags_visible(const struct cli_flag *flags);
/* The flag type word shown in help ("string", "int", "list", "" for a
 * bool; owned), and in *ret_usage (when not NULL) the usage text with
 * pflag's `name` back-quotes removed (owned) */
char *cli_flag_type_word(const struct cli_flag *f, char **ret_usage);

#endif
