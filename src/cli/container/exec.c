/* exec: `berth exec [OPTIONS] CONTAINER COMMAND [ARG...]`, docker's
 * container/exec.go: inspect (a missing container is the first error),
 * create the exec, then start it detached or on a hijacked connection, and
 * exit with the process's code from the exec's inspect (126/127 when it
 * could not be run, as the daemon reports). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/container/opts.h"
#include "cli/tty.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

static const struct cli_flag exec_flags[] = {
	{ .name = "detach",
	  .shorthand = 'd',
	  .type = CLI_BOOL,
	  .usage = "Detached mode: run command in the background" },
	{ .name = "detach-keys",
	  .type = CLI_STRING,
	  .usage = "Override the key sequence for detaching a container" },
	{ .name = "env", .shorthand = 'e', .type = CLI_LIST, .usage = "Set environment variables" },
	{ .name = "env-file",
	  .type = CLI_LIST,
	  .usage = "Read in a file of environment variables",
	  .complete = "files" },
	{ .name = "interactive",
	  .shorthand = 'i',
	  .type = CLI_BOOL,
	  .usage = "Keep STDIN open even if not attached" },
	{ .name = "privileged",
	  .type = CLI_BOOL,
	  .usage = "Give extended privileges to the command" },
	{ .name = "tty", .shorthand = 't', .type = CLI_BOOL, .usage = "Allocate a pseudo-TTY" },
	{ .name = "user",
	  .shorthand = 'u',
	  .type = CLI_STRING,
	  .usage = "Username or UID (format: \"<name|uid>[:<group|gid>]\")" },
	{ .name = "workdir",
	  .shorthand = 'w',
	  .type = CLI_STRING,
	  .usage = "Working directory inside the container",
	  .complete = "dirs" },
	CLI_FLAGS_END
};

/* Env: the files first, then -e (a bare name takes our value when set) */
static int exec_env(const struct cli_args *args, json_t **ret, berth_error_t **err)
{
	cleanup_json json_t *env = json_array();
	const char *const *files;
	size_t nf = cli_flag_list(args, "env-file", &files);
	for (size_t i = 0; i < nf; i++)
		if (opts_kvfile_read(files[i], OPTS_KVFILE_LOOKUP, env, err) < 0)
			return -1;
	const char *const *v;
	size_t n = cli_flag_list(args, "env", &v);
	for (size_t i = 0; i < n; i++) {
		const char *val = strchr(v[i], '=') ? NULL : getenv(v[i]);
		if (val) {
			cleanup_free char *kv = xasprintf("%s=%s", v[i], val);
			json_array_append_new(env, json_string(kv));
		} else {
			json_array_append_new(env, json_string(v[i]));
		}
	}
	*ret = json_array_size(env) ? steal_pointer(&env) : json_null();
	return 0;
}

/* -e values pflag refuses as they are given: "" and "=x" */
static const char *exec_bad_env(const struct cli_args *args)
{
	const char *const *v;
	size_t n = cli_flag_list(args, "env", &v);
	for (size_t i = 0; i < n; i++)
		if (v[i][0] == '\0' || v[i][0] == '=')
			return v[i];
	return NULL;
}

/* The detach keys: the flag, else config.json's "detachKeys", else NULL */
static char *exec_detach_keys(const struct cli *cli, const struct cli_args *args)
{
	const char *flag = cli_flag_string(args, "detach-keys");
	if (flag && *flag)
		return xstrdup(flag);
	if (!cli->config_dir)
		return NULL;
	cleanup_free char *path = xasprintf("%s/config.json", cli->config_dir);
	cleanup_json json_t *cfg = json_load_file(path, 0, NULL);
	const char *keys = json_string_value(json_object_get(cfg, "detachKeys"));
	return keys && *keys ? xstrdup(keys) : NULL;
}

struct exec {
	struct cli *cli;
	char *id; /* the exec's, owned */
	bool tty, in, detach;
	char *detach_keys; /* owned, may be NULL */
	json_t *console;   /* [rows, cols] with a TTY, else NULL; owned */
};

static void exec_release(struct exec *e)
{
	free(e->id);
	free(e->detach_keys);
	json_decref(e->console);
}

/* POST /containers/{id}/exec with docker's ExecOptions */
static int exec_create(struct cli *cli, const struct cli_args *args, const char *container,
		       struct exec *e, berth_error_t **err)
{
	cleanup_json json_t *env = NULL;
	if (exec_env(args, &env, err) < 0)
		return -1;
	cleanup_json json_t *cmd = json_array();
	for (size_t i = 1; i < cli_nargs(args); i++)
		json_array_append_new(cmd, json_string(cli_arg(args, i)));
	const char *user = cli_flag_string(args, "user");
	const char *wd = cli_flag_string(args, "workdir");
	cleanup_json json_t *body =
		json_pack("{s:s, s:b, s:b, s:b, s:b, s:b, s:b, s:s, s:O, s:s, s:O}", "User",
			  user ? user : "", "Privileged", cli_flag_bool(args, "privileged"), "Tty",
			  e->tty, "AttachStdin", e->in, "AttachStderr", !e->detach, "AttachStdout",
			  !e->detach, "Detach", false, "DetachKeys",
			  e->detach_keys ? e->detach_keys : "", "Env", env, "WorkingDir",
			  wd ? wd : "", "Cmd", cmd);
	if (e->console)
		json_object_set(body, "ConsoleSize", e->console);
	cleanup_free char *cid = cli_escape(container);
	cleanup_free char *path = xasprintf("/containers/%s/exec", cid);
	cleanup_json json_t *res = NULL;
	if (cli_post_json(cli, path, body, &res, err) < 0)
		return -1;
	const char *id = json_string_value(json_object_get(res, "Id"));
	if (!id || !*id)
		return berth_error_fail(err, EPROTO, "exec ID empty");
	e->id = cli_escape(id);
	return 0;
}

static json_t *exec_start_body(const struct exec *e)
{
	json_t *b = json_pack("{s:b, s:b}", "Detach", e->detach, "Tty", e->tty);
	if (e->console)
		json_object_set(b, "ConsoleSize", e->console);
	return b;
}

static void exec_on_resize(unsigned rows, unsigned cols, void *ud)
{
	struct exec *e = ud;
	cleanup_free char *path = xasprintf("/exec/%s/resize?h=%u&w=%u", e->id, rows, cols);
	cleanup_error berth_error_t *err = NULL;
	/* as docker: a failed resize does not fail the exec */
	(void)cli_post_json(e->cli, path, NULL, NULL, &err);
}

/* Start on a hijacked connection and pump until the process's output ends */
static int exec_interactive(struct cli *cli, struct exec *e, berth_error_t **err)
{
	struct cli_client *client;
	if (cli_client(cli, &client, err) < 0)
		return -1;
	cleanup_json json_t *body = exec_start_body(e);
	cleanup_free char *path = xasprintf("/exec/%s/start", e->id);
	cleanup_close int fd = -1;
	cleanup_strbuf struct strbuf pending = STRBUF_INIT;
	if (cli_client_hijack(client, path, body, &fd, &pending, err) < 0)
		return -1;
	struct stream_opts o = {
		.tty = e->tty,
		.send_stdin = e->in,
		.on_resize = e->tty && cli->stdin_tty ? exec_on_resize : NULL,
		.ud = e,
		.detach_keys = e->detach_keys,
	};
	if (e->in && e->tty && cli->stdin_tty && tty_raw(0, err) < 0)
		return -1;
	int r = stream_pump(fd, &pending, &o, err);
	tty_restore();
	if (r == 1)
		return berth_error_fail(err, EINTR, "read escape sequence");
	return r;
}

/* The process's exit code, from the exec's inspect */
static int exec_exit_code(struct cli *cli, const struct exec *e, int *ret, berth_error_t **err)
{
	cleanup_free char *path = xasprintf("/exec/%s/json", e->id);
	cleanup_json json_t *res = NULL;
	if (cli_get_json(cli, path, &res, err) < 0)
		return -1;
	*ret = (int)json_integer_value(json_object_get(res, "ExitCode"));
	return 0;
}

static int exec_do(struct cli *cli, const struct cli_args *args, struct exec *e, int *ret,
		   berth_error_t **err)
{
	const char *container = cli_arg(args, 0);
	/* a missing container is the first error, before the TTY check */
	cleanup_free char *cid = cli_escape(container);
	cleanup_free char *ipath = xasprintf("/containers/%s/json", cid);
	if (cli_get_json(cli, ipath, NULL, err) < 0)
		return -1;
	if (!e->detach && e->tty && e->in && !cli->stdin_tty)
		return berth_error_fail(err, EINVAL, "the input device is not a TTY");
	unsigned rows = 0, cols = 0;
	if (e->tty) {
		if (tty_size(1, &rows, &cols) < 0)
			rows = cols = 0;
		e->console = json_pack("[i, i]", (json_int_t)rows, (json_int_t)cols);
	}
	if (exec_create(cli, args, container, e, err) < 0)
		return -1;
	if (e->detach) {
		cleanup_json json_t *body = exec_start_body(e);
		cleanup_free char *path = xasprintf("/exec/%s/start", e->id);
		*ret = 0;
		return cli_post_json(cli, path, body, NULL, err);
	}
	if (exec_interactive(cli, e, err) < 0) {
		/* the process could not be started: the daemon's words, then
		 * the code it gives (126) */
		if (!*err || (*err)->errnum != EREMOTEIO)
			return -1;
		cli_error(cli, *err, 0);
		berth_error_release(err);
	}
	return exec_exit_code(cli, e, ret, err);
}

static int exec_run(struct cli *cli, const struct cli_args *args)
{
	const char *bad = exec_bad_env(args);
	if (bad) {
		cleanup_error berth_error_t *ferr = NULL;
		berth_error_fail(
			&ferr, EINVAL,
			"invalid argument \"%s\" for \"-e, --env\" flag: invalid environment variable: %s",
			bad, bad);
		return opts_report(cli, ferr, OPTS_ERR_FLAG, CLI_EXIT_FAILURE);
	}
	struct exec e = {
		.cli = cli,
		.tty = cli_flag_bool(args, "tty"),
		.in = cli_flag_bool(args, "interactive") && !cli_flag_bool(args, "detach"),
		.detach = cli_flag_bool(args, "detach"),
		.detach_keys = exec_detach_keys(cli, args),
	};
	cleanup_error berth_error_t *err = NULL;
	int code = 0;
	int r = exec_do(cli, args, &e, &code, &err);
	exec_release(&e);
	if (r < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	return code;
}

const struct cli_command cli_cmd_exec = {
	.name = "exec",
	.usage = "[OPTIONS] CONTAINER COMMAND [ARG...]",
	.summary = "Execute a command in a running container",
	.flags = exec_flags,
	.min_args = 2,
	.max_args = -1,
	.cmd_flags = CLI_CMD_STOP_AT_ARG,
	.complete = "running",
	.run = exec_run,
};
