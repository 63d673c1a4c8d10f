/* config: berthd's options from the command line and daemon.json (docker's
 * keys), merged as dockerd does: a key set both as a flag and in the file
 * is an error, unknown keys are errors, the flag wins nowhere silently. */
#ifndef BERTH_DAEMON_CONFIG_H
#define BERTH_DAEMON_CONFIG_H

#include <jansson.h>
#include <stdbool.h>

#include "common/error.h"
#include "daemon/daemon.h"

#define CONFIG_DEFAULT_FILE "/etc/berth/daemon.json"
#define CONFIG_DEFAULT_HOST "unix:///run/berth/berth.sock"

struct daemon_options {
	json_t *flags;     /* the flags given, as daemon.json keys; owned */
	char *config_file; /* --config-file */
	bool config_file_set;
	bool validate; /* --validate */
	int ready_fd;  /* --ready-fd, -1 when absent */
	/* filled by config_load from flags + file */
	struct daemon_config cfg;
	char *pidfile;
	bool debug;
};

enum config_args_result {
	CONFIG_ARGS_RUN = 0,
	CONFIG_ARGS_EXIT, /* --help or --version was answered */
};

/* Parse berthd's command line into o (o->flags, config_file, validate,
 * ready_fd).  Answers --help/--version on stdout. */
int config_parse_args(int argc, char **argv, struct daemon_options *o, enum config_args_result *ret,
		      berth_error_t **err);

/* Read the config file (a missing file is fine unless --config-file named
 * it), check it and fill o->cfg/pidfile/debug from flags, file and defaults */
int config_load(struct daemon_options *o, berth_error_t **err);

/* Re-read the config file for SIGHUP: on success *ret gets a complete new
 * config (the caller takes the reloadable fields: log level, debug,
 * registry mirrors, insecure registries, default ulimits) */
int config_reload(const struct daemon_options *o, struct daemon_config *ret, bool *ret_debug,
		  berth_error_t **err);

void daemon_config_release(struct daemon_config *c);
void daemon_options_release(struct daemon_options *o);

#endif
