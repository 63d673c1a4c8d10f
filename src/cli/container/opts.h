/* opts: docker's container flags (run and create share one table) and
 * their translation into a ContainerCreate body, as docker/cli's
 * cli/command/container/opts.go does it.  Invariant: the body holds what
 * docker would send for the same command line, field for field, so that a
 * container made by `berth create` inspects like one made by `docker create`. */
#ifndef BERTH_CLI_CONTAINER_OPTS_H
#define BERTH_CLI_CONTAINER_OPTS_H

#include <jansson.h>
#include <stdbool.h>

#include "cli/cli.h"
#include "common/error.h"

/* The flag tables: create's, and run's (create's plus -d, --sig-proxy,
 * --detach-keys) */
extern const struct cli_flag opts_create_flags[];
extern const struct cli_flag opts_run_flags[];

enum opts_error_kind {
	OPTS_ERR_NONE,
	OPTS_ERR_FLAG,  /* a flag's value is bad: pflag's 'invalid argument "x" for "-m, --memory"
			   flag: ...' */
	OPTS_ERR_PARSE, /* the flags do not fit together: docker's "docker: <msg>" */
};

/* What the command line asks for, beyond the create body */
struct container_opts {
	json_t *body; /* ContainerCreate body: Config with HostConfig and NetworkingConfig; owned */
	const char *image;    /* borrowed from the args */
	const char *name;     /* --name, or NULL; borrowed */
	const char *platform; /* --platform, or NULL; borrowed */
	const char *pull;     /* "missing", "always" or "never" */
	const char *cidfile;  /* --cidfile, or NULL; borrowed */
	bool attach_stdin, attach_stdout, attach_stderr;
	bool tty, open_stdin, auto_remove;
	enum opts_error_kind err_kind; /* why container_opts_parse failed */
};

/* Translate the parsed flags of run or create (the image is positional 0,
 * the command the rest) into o->body.  On failure *err says what is wrong
 * in docker's words and o->err_kind says how to print it (see
 * opts_report).  o must be released with container_opts_release either way. */
int container_opts_parse(const struct cli_args *a, struct container_opts *o, berth_error_t **err);
void container_opts_release(struct container_opts *o);

/* Print a run/create/start failure the way docker does and return code:
 * a flag error as pflag's ("<msg>\n\nUsage:  ...\n\nRun '... --help' for
 * more information"), anything else as "berth: <msg>\n\nRun '... --help'
 * for more information". */
int opts_report(const struct cli *cli, const berth_error_t *err, enum opts_error_kind kind,
		int code);

/* docker's createContainer (create.c), shared by run and create: --pull
 * always pulls first; a missing image with --pull missing prints "Unable
 * to find image 'x:latest' locally" on stderr, is pulled (progress on
 * stderr unless quiet) and the create retried; the daemon's warnings go
 * to stderr; --cidfile gets the ID.  *ret_id is owned by the caller. */
int container_create(struct cli *cli, struct container_opts *o, bool quiet, char **ret_id,
		     berth_error_t **err);

enum opts_kvfile_flags {
	/* a bare "KEY" line takes our environment's value (dropped when unset),
	   as --env-file does; without it such a line is dropped (--label-file) */
	OPTS_KVFILE_LOOKUP = 1 << 0,
};

/* docker's kvfile.Parse, for --env-file and --label-file (run, create,
 * exec): append each "KEY=value" line of path to the array out as it is;
 * blank lines and # comments are skipped, a UTF-8 BOM dropped.  Errors
 * carry docker's text ("open x: no such file or directory", "variable 'a
 * b' contains whitespaces", ...); lines and the file are capped. */
int opts_kvfile_read(const char *path, unsigned flags, json_t *out, berth_error_t **err);

/* Parsers of docker's value types, exposed for the unit test: go-units
 * RAMInBytes ("512m", "1.5g"), Go's time.ParseDuration, --cpus as nano
 * CPUs.  Errors carry docker's text. */
int opts_ram_bytes(const char *s, int64_t *ret, berth_error_t **err);
int opts_go_duration(const char *s, int64_t *ret_ns, berth_error_t **err);
int opts_nano_cpus(const char *s, int64_t *ret, berth_error_t **err);

#endif
