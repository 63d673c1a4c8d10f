/* cli: what berth-runtime's verb files share: the global options, the
 * verb signature and argument helpers.  A verb parses its own flags
 * (getopt_long, "+" so container args pass through) and calls the
 * runtime library; main() prints the error it returns. */
#ifndef BERTH_RUNTIME_CLI_H
#define BERTH_RUNTIME_CLI_H

#include <stdbool.h>

#include "common/error.h"
#include "runtime/container.h"

struct cli {
	struct runtime_opts rt;
	bool rootless;
};

/* A verb: argv[0] is the verb's name.  Returns the exit code (>= 0), or
 * < 0 with *err set. */
typedef int (*cli_verb_fn)(struct cli *cli, int argc, char **argv, berth_error_t **err);

int cmd_create(struct cli *cli, int argc, char **argv, berth_error_t **err);
int cmd_start(struct cli *cli, int argc, char **argv, berth_error_t **err);
int cmd_run(struct cli *cli, int argc, char **argv, berth_error_t **err);
int cmd_state(struct cli *cli, int argc, char **argv, berth_error_t **err);
int cmd_kill(struct cli *cli, int argc, char **argv, berth_error_t **err);
int cmd_delete(struct cli *cli, int argc, char **argv, berth_error_t **err);
int cmd_exec(struct cli *cli, int argc, char **argv, berth_error_t **err);
int cmd_ps(struct cli *cli, int argc, char **argv, berth_error_t **err);
int cmd_pause(struct cli *cli, int argc, char **argv, berth_error_t **err);
int cmd_resume(struct cli *cli, int argc, char **argv, berth_error_t **err);
int cmd_update(struct cli *cli, int argc, char **argv, berth_error_t **err);
int cmd_events(struct cli *cli, int argc, char **argv, berth_error_t **err);
int cmd_features(struct cli *cli, int argc, char **argv, berth_error_t **err);
int cmd_spec(struct cli *cli, int argc, char **argv, berth_error_t **err);
int cmd_list(struct cli *cli, int argc, char **argv, berth_error_t **err);

/* Reset getopt for a verb's own parse */
void cli_getopt_reset(void);

/* The container id: exactly `want` positional arguments from optind
 * (0: at least one) must remain; runc's message otherwise */
int cli_args(const char *verb, int argc, char **argv, int want, berth_error_t **err);

/* An "invalid option" error for getopt's '?' */
int cli_bad_option(const char *verb, berth_error_t **err);

/* Parse "--preserve-fds N": fds 3 .. 3+N-1 must be open, so a larger N
 * than the default fs.nr_open (2^20) is a typo, refused before it could
 * wrap 3+N */
#define CLI_MAX_FDS (1 << 20)
int cli_parse_uint(const char *flag, const char *s, unsigned int *ret, berth_error_t **err);

/* Print j on stdout with the given jansson flags and a newline */
void cli_print_json(const void *j, unsigned long flags);

#endif
