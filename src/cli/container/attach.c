/* attach: `berth attach [OPTIONS] CONTAINER`, docker's container/attach.go.
 * The container's wait is asked for before anything else, on a connection
 * of its own, so its exit code is known even when it ends (and an --rm
 * container goes) while we attach; the exit code of attach is the
 * container's.  Signals are proxied without a TTY, resizes sent with one. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/tty.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

static const struct cli_flag attach_flags[] = {
	{ .name = "detach-keys",
	  .type = CLI_STRING,
	  .usage = "Override the key sequence for detaching a container" },
	{ .name = "no-stdin", .type = CLI_BOOL, .usage = "Do not attach STDIN" },
	{ .name = "sig-proxy",
	  .type = CLI_BOOL,
	  .def = "true",
	  .usage = "Proxy all received signals to the process" },
	CLI_FLAGS_END
};

/* Docker forwards every signal but SIGCHLD, SIGPIPE and SIGURG; the ones
 * that cannot be caught, and the synchronous faults, stay ours */
static const int proxied_signals[] = { SIGHUP,  SIGINT,  SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM,
				       SIGTERM, SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU, SIGVTALRM,
				       SIGPROF, SIGXCPU, SIGXFSZ, SIGIO,   SIGPWR,  0 };

struct attach {
	struct cli *cli;
	const char *id; /* escaped for the URL */
	bool tty;
};

/* The detach keys: the flag, else config.json's "detachKeys", else NULL */
static char *attach_detach_keys(const struct cli *cli, const struct cli_args *args)
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

/* The container, which must be running, as docker checks it */
static int attach_inspect(struct cli *cli, const char *id, json_t **ret, berth_error_t **err)
{
	cleanup_free char *path = xasprintf("/containers/%s/json", id);
	cleanup_json json_t *c = NULL;
	if (cli_get_json(cli, path, &c, err) < 0)
		return -1;
	json_t *state = json_object_get(c, "State");
	if (!json_is_true(json_object_get(state, "Running")))
		return berth_error_fail(err, EINVAL,
					"You cannot attach to a stopped container, start it first");
	if (json_is_true(json_object_get(state, "Paused")))
		return berth_error_fail(err, EINVAL,
					"You cannot attach to a paused container, unpause it first");
	if (json_is_true(json_object_get(state, "Restarting")))
		return berth_error_fail(
			err, EINVAL,
			"You cannot attach to a restarting container, wait until it is running");
	if (ret)
		*ret = steal_pointer(&c);
	return 0;
}

static void attach_resize_to(struct attach *a, unsigned rows, unsigned cols)
{
	cleanup_free char *path = xasprintf("/containers/%s/resize?h=%u&w=%u", a->id, rows, cols);
	cleanup_error berth_error_t *err = NULL;
	/* as docker: a failed resize is not worth failing the attach */
	(void)cli_post_json(a->cli, path, NULL, NULL, &err);
}

static void attach_on_resize(unsigned rows, unsigned cols, void *ud)
{
	attach_resize_to(ud, rows, cols);
}

static void attach_on_signal(int sig, void *ud)
{
	struct attach *a = ud;
	cleanup_free char *path = xasprintf("/containers/%s/kill?signal=%d", a->id, sig);
	cleanup_error berth_error_t *err = NULL;
	(void)cli_post_json(a->cli, path, NULL, NULL, &err);
}

/* The container's exit from the wait asked for at the start */
static int attach_exit_status(struct cli *cli, struct cli_deferred *wait)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_json json_t *res = NULL;
	if (cli_deferred_finish(wait, &res, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	const char *msg =
		json_string_value(json_object_get(json_object_get(res, "Error"), "Message"));
	if (msg && *msg) {
		berth_error_fail(&err, EIO, "%s", msg);
		return cli_error(cli, err, CLI_EXIT_ERROR);
	}
	return (int)json_integer_value(json_object_get(res, "StatusCode"));
}

static int attach_stream(struct cli *cli, const struct cli_args *args, struct attach *a, json_t *c,
			 berth_error_t **err)
{
	json_t *config = json_object_get(c, "Config");
	bool no_stdin = cli_flag_bool(args, "no-stdin");
	if (a->tty && !no_stdin && !cli->stdin_tty)
		return berth_error_fail(err, EINVAL, "the input device is not a TTY");
	bool in = !no_stdin && json_is_true(json_object_get(config, "OpenStdin"));
	cleanup_free char *keys = attach_detach_keys(cli, args);
	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	strbuf_addf(&url, "/containers/%s/attach?stream=1", a->id);
	if (in)
		cli_query_add(&url, "stdin", "1");
	cli_query_add(&url, "stdout", "1");
	cli_query_add(&url, "stderr", "1");
	if (keys)
		cli_query_add(&url, "detachKeys", keys);
	struct cli_client *client;
	if (cli_client(cli, &client, err) < 0)
		return -1;
	cleanup_close int fd = -1;
	cleanup_strbuf struct strbuf pending = STRBUF_INIT;
	if (cli_client_hijack(client, url.buf, NULL, &fd, &pending, err) < 0)
		return -1;
	/* the container may have stopped between the check and the attach */
	if (attach_inspect(cli, a->id, NULL, err) < 0)
		return -1;
	bool resize = a->tty && cli->stdout_tty;
	unsigned rows, cols;
	/* docker's trick: a size off by one first, so the shell of a second
	 * attach redraws its prompt when the real size follows */
	if (resize && tty_size(1, &rows, &cols) == 0)
		attach_resize_to(a, rows + 1, cols + 1);
	bool proxy = cli_flag_bool(args, "sig-proxy") && !a->tty;
	struct stream_opts o = {
		.tty = a->tty,
		.send_stdin = in,
		.on_resize = resize ? attach_on_resize : NULL,
		.proxy_signals = proxy ? proxied_signals : NULL,
		.on_signal = attach_on_signal,
		.ud = a,
		.detach_keys = keys,
	};
	if (in && a->tty && cli->stdin_tty && tty_raw(0, err) < 0)
		return -1;
	int r = stream_pump(fd, &pending, &o, err);
	tty_restore();
	if (r == 1)
		return berth_error_fail(err, EINTR, "read escape sequence");
	return r;
}

static int attach_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_free char *id = cli_escape(cli_arg(args, 0));
	struct cli_client *client;
	cleanup_error berth_error_t *err = NULL;
	if (cli_client(cli, &client, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	/* first of all, as docker: the wait */
	struct cli_deferred *wait = NULL;
	cleanup_free char *wait_path = xasprintf("/containers/%s/wait", id);
	if (cli_client_send(client, "POST", wait_path, NULL, &wait, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	cleanup_json json_t *c = NULL;
	struct attach a = { .cli = cli, .id = id };
	int r = attach_inspect(cli, id, &c, &err);
	if (r >= 0) {
		a.tty = json_is_true(json_object_get(json_object_get(c, "Config"), "Tty"));
		r = attach_stream(cli, args, &a, c, &err);
	}
	if (r < 0) {
		cli_deferred_free(wait);
		return cli_error(cli, err, CLI_EXIT_ERROR);
	}
	r = attach_exit_status(cli, wait);
	cli_deferred_free(wait);
	return r;
}

const struct cli_command cli_cmd_attach = {
	.name = "attach",
	.usage = "[OPTIONS] CONTAINER",
	.summary = "Attach local standard input, output, and error streams to a running container",
	.flags = attach_flags,
	.min_args = 1,
	.max_args = 1,
	.complete = "running",
	.run = attach_run,
};
