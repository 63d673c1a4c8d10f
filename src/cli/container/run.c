/* run: `berth run`, docker's runContainer: create (pulling when needed),
 * attach BEFORE start so that no output is lost, register the wait before
 * start so that a container that exits at once is still seen, start, pump
 * the streams (raw terminal, resizes, proxied signals), then exit with the
 * container's code.  Failures of berth or the daemon exit 125; a command
 * that cannot be invoked 126, one that is not found 127 (toStatusError). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/container/opts.h"
#include "cli/tty.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

/* docker forwards every signal but SIGCHLD, SIGPIPE and SIGURG (and
 * SIGWINCH, which is a resize); these are the ones a user sends */
static const int proxied_signals[] = { SIGHUP,  SIGINT,  SIGQUIT, SIGTERM, SIGUSR1,
				       SIGUSR2, SIGALRM, SIGTSTP, SIGCONT, 0 };

struct run_ctx {
	struct cli *cli;
	const char *id;
};

static void run_resize(unsigned rows, unsigned cols, void *ud)
{
	struct run_ctx *r = ud;
	cleanup_free char *path = xasprintf("/containers/%s/resize?h=%u&w=%u", r->id, rows, cols);
	cleanup_error berth_error_t *err = NULL;
	/* a resize that fails (the container just exited) changes nothing */
	(void)cli_post_json(r->cli, path, NULL, NULL, &err);
}

static void run_signal(int sig, void *ud)
{
	struct run_ctx *r = ud;
	cleanup_free char *path = xasprintf("/containers/%s/kill?signal=%d", r->id, sig);
	cleanup_error berth_error_t *err = NULL;
	if (cli_post_json(r->cli, path, NULL, NULL, &err) < 0)
		fprintf(stderr, "error sending signal: %s\n", err->msg);
}

/* docker's toStatusError: the daemon's start error decides the code */
static int run_status_error(const struct cli *cli, const berth_error_t *err)
{
	const char *m = err && err->msg ? err->msg : "";
	int code = CLI_EXIT_FAILURE;
	if (strstr(m, "executable file not found") || strstr(m, "no such file or directory") ||
	    strstr(m, "system cannot find the file specified"))
		code = CLI_EXIT_NOT_FOUND;
	else if (strstr(m, "permission denied") || strstr(m, "is a directory"))
		code = CLI_EXIT_CANNOT_INVOKE;
	return opts_report(cli, err, OPTS_ERR_PARSE, code);
}

static int attach_path(const struct container_opts *o, const char *id, const char *detach_keys,
		       struct strbuf *url)
{
	strbuf_addf(url, "/containers/%s/attach", id);
	cli_query_add(url, "stream", "1");
	if (o->attach_stdin)
		cli_query_add(url, "stdin", "1");
	if (o->attach_stdout)
		cli_query_add(url, "stdout", "1");
	if (o->attach_stderr)
		cli_query_add(url, "stderr", "1");
	if (detach_keys && *detach_keys)
		cli_query_add(url, "detachKeys", detach_keys);
	return 0;
}

/* The wait result: the container's code, or 125 with docker's message */
static int wait_finish(struct cli_deferred *wait)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_json json_t *resp = NULL;
	if (cli_deferred_finish(wait, &resp, &err) < 0) {
		fprintf(stderr, "Error waiting for container: %s\n", err->msg);
		return CLI_EXIT_FAILURE;
	}
	json_t *e = json_object_get(resp, "Error");
	const char *msg = json_string_value(json_object_get(e, "Message"));
	if (msg && *msg) {
		fprintf(stderr, "Error waiting for container: %s\n", msg);
		return CLI_EXIT_FAILURE;
	}
	return (int)json_integer_value(json_object_get(resp, "StatusCode"));
}

struct run_session {
	int attach_fd;
	struct strbuf pending;
	struct cli_deferred *wait;
	bool raw;
};

static void run_session_release(struct run_session *s)
{
	if (s->raw)
		tty_restore();
	if (s->attach_fd >= 0)
		close(s->attach_fd);
	strbuf_release(&s->pending);
	cli_deferred_free(s->wait);
}

/* From attach to exit: the container exists, id names it */
static int run_attached(struct cli *cli, const struct cli_args *args, struct container_opts *o,
			const char *id)
{
	struct run_session s = { .attach_fd = -1, .pending = STRBUF_INIT };
	struct run_ctx rc = { cli, id };
	cleanup_error berth_error_t *err = NULL;
	struct cli_client *client;
	bool attach = o->attach_stdin || o->attach_stdout || o->attach_stderr;
	const char *detach_keys = cli_flag_string(args, "detach-keys");
	cleanup_free char *wait_path = xasprintf("/containers/%s/wait?condition=%s", id,
						 o->auto_remove ? "removed" : "next-exit");
	cleanup_free char *start_path = xasprintf("/containers/%s/start", id);
	int ret;

	if (cli_client(cli, &client, &err) < 0) {
		ret = run_status_error(cli, err);
		goto out;
	}
	if (attach) {
		cleanup_strbuf struct strbuf url = STRBUF_INIT;
		attach_path(o, id, detach_keys, &url);
		if (cli_client_hijack(client, url.buf, NULL, &s.attach_fd, &s.pending, &err) < 0) {
			ret = cli_error(cli, err, CLI_EXIT_ERROR);
			goto out;
		}
		if (o->tty && o->attach_stdin && cli->stdin_tty) {
			if (tty_raw(STDIN_FILENO, &err) < 0) {
				ret = cli_error(cli, err, CLI_EXIT_ERROR);
				goto out;
			}
			s.raw = true;
		}
	}
	if (cli_client_send(client, "POST", wait_path, NULL, &s.wait, &err) < 0) {
		fprintf(stderr, "Error waiting for container: %s\n", err->msg);
		ret = CLI_EXIT_FAILURE;
		goto out;
	}
	if (cli_post_json(cli, start_path, NULL, NULL, &err) < 0) {
		/* the terminal first, then (with --rm) the removal */
		if (s.raw) {
			tty_restore();
			s.raw = false;
		}
		if (o->auto_remove)
			(void)wait_finish(s.wait);
		ret = run_status_error(cli, err);
		goto out;
	}
	if (!attach) {
		printf("%s\n", id);
		ret = 0;
		goto out;
	}
	struct stream_opts so = {
		.tty = o->tty,
		.send_stdin = o->attach_stdin,
		.on_resize = o->tty && cli->stdout_tty ? run_resize : NULL,
		/* with a TTY the terminal's own keys reach the container */
		.proxy_signals = cli_flag_bool(args, "sig-proxy") && !o->tty ? proxied_signals :
									       NULL,
		.on_signal = run_signal,
		.ud = &rc,
		.detach_keys = detach_keys,
	};
	int r = stream_pump(s.attach_fd, &s.pending, &so, &err);
	if (s.raw) {
		tty_restore();
		s.raw = false;
	}
	if (r == 1) {
		/* the detach keys: the container runs on */
		ret = 0;
		goto out;
	}
	if (r < 0) {
		ret = cli_error(cli, err, CLI_EXIT_ERROR);
		goto out;
	}
	fflush(stdout);
	ret = wait_finish(s.wait);
out:
	run_session_release(&s);
	return ret;
}

static int run_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL;
	struct container_opts o = { 0 };
	cleanup_free char *id = NULL;
	int rc;
	if (container_opts_parse(args, &o, &err) < 0) {
		rc = opts_report(cli, err, o.err_kind, CLI_EXIT_FAILURE);
		goto out;
	}
	if (!cli_flag_bool(args, "detach")) {
		if (o.tty && o.attach_stdin && !cli->stdin_tty) {
			fprintf(stderr, "the input device is not a TTY\n");
			rc = CLI_EXIT_ERROR;
			goto out;
		}
	} else {
		const char *const *v;
		if (cli_flag_list(args, "attach", &v)) {
			fprintf(stderr,
				"conflicting options: cannot specify both --attach and --detach\n");
			rc = CLI_EXIT_ERROR;
			goto out;
		}
		o.attach_stdin = o.attach_stdout = o.attach_stderr = false;
		json_object_set_new(o.body, "AttachStdin", json_false());
		json_object_set_new(o.body, "AttachStdout", json_false());
		json_object_set_new(o.body, "AttachStderr", json_false());
		json_object_set_new(o.body, "StdinOnce", json_false());
	}
	if (container_create(cli, &o, cli_flag_bool(args, "quiet"), &id, &err) < 0) {
		rc = run_status_error(cli, err);
		goto out;
	}
	rc = run_attached(cli, args, &o, id);
out:
	container_opts_release(&o);
	return rc;
}

const struct cli_command cli_cmd_run = {
	.name = "run",
	.usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]",
	.summary = "Create and run a new container from an image",
	.flags = opts_run_flags,
	.min_args = 1,
	.max_args = -1,
	.cmd_flags = CLI_CMD_STOP_AT_ARG,
	.complete = "images",
	.run = run_run,
};
