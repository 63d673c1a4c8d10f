/* start: `berth start`, docker's RunStart.  Without -a/-i every container
 * is started and its name printed, failures reported one by one; with
 * -a/-i one container is attached BEFORE it starts (and its wait is in
 * place), like run, and berth exits with the container's code. */
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

static const struct cli_flag start_flags[] = {
	{ "attach", 'a', CLI_BOOL, NULL, NULL, "Attach STDOUT/STDERR and forward signals", 0,
	  NULL },
	{ "checkpoint", 0, CLI_STRING, NULL, NULL, "Restore from this checkpoint", CLI_FLAG_HIDDEN,
	  NULL },
	{ "checkpoint-dir", 0, CLI_STRING, NULL, NULL, "Use a custom checkpoint storage directory",
	  CLI_FLAG_HIDDEN, "dirs" },
	{ "detach-keys", 0, CLI_STRING, NULL, NULL,
	  "Override the key sequence for detaching a container", 0, NULL },
	{ "interactive", 'i', CLI_BOOL, NULL, NULL, "Attach container's STDIN", 0, NULL },
	CLI_FLAGS_END,
};

static const int proxied_signals[] = { SIGHUP,  SIGINT,  SIGQUIT, SIGTERM, SIGUSR1,
				       SIGUSR2, SIGALRM, SIGTSTP, SIGCONT, 0 };

struct start_ctx {
	struct cli *cli;
	const char *id;
};

static void start_resize(unsigned rows, unsigned cols, void *ud)
{
	struct start_ctx *s = ud;
	cleanup_free char *path = xasprintf("/containers/%s/resize?h=%u&w=%u", s->id, rows, cols);
	cleanup_error berth_error_t *err = NULL;
	(void)cli_post_json(s->cli, path, NULL, NULL, &err);
}

static void start_signal(int sig, void *ud)
{
	struct start_ctx *s = ud;
	cleanup_free char *path = xasprintf("/containers/%s/kill?signal=%d", s->id, sig);
	cleanup_error berth_error_t *err = NULL;
	if (cli_post_json(s->cli, path, NULL, NULL, &err) < 0)
		fprintf(stderr, "error sending signal: %s\n", err->msg);
}

/* startContainersWithoutAttachments */
static int start_all(struct cli *cli, const struct cli_args *args)
{
	cleanup_strbuf struct strbuf failed = STRBUF_INIT;
	for (size_t i = 0; i < cli_nargs(args); i++) {
		const char *name = cli_arg(args, i);
		cleanup_error berth_error_t *err = NULL;
		cleanup_free char *esc = cli_escape(name);
		cleanup_free char *path = xasprintf("/containers/%s/start", esc);
		if (cli_post_json(cli, path, NULL, NULL, &err) < 0) {
			fprintf(stderr, "%s\n", err->msg);
			strbuf_addf(&failed, "%s%s", failed.len ? ", " : "", name);
			continue;
		}
		printf("%s\n", name);
		/* docker writes each name as it goes, between the errors */
		fflush(stdout);
	}
	if (failed.len) {
		fflush(stdout);
		fprintf(stderr, "Error: failed to start containers: %s\n", failed.buf);
		return CLI_EXIT_ERROR;
	}
	return 0;
}

static int wait_finish(struct cli_deferred *wait)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_json json_t *resp = NULL;
	if (cli_deferred_finish(wait, &resp, &err) < 0) {
		fprintf(stderr, "Error waiting for container: %s\n", err->msg);
		return CLI_EXIT_FAILURE;
	}
	const char *msg =
		json_string_value(json_object_get(json_object_get(resp, "Error"), "Message"));
	if (msg && *msg) {
		fprintf(stderr, "Error waiting for container: %s\n", msg);
		return CLI_EXIT_FAILURE;
	}
	return (int)json_integer_value(json_object_get(resp, "StatusCode"));
}

struct attach_session {
	int fd;
	struct strbuf pending;
	struct cli_deferred *wait;
	bool raw;
};

static void attach_session_release(struct attach_session *s)
{
	if (s->raw)
		tty_restore();
	if (s->fd >= 0)
		close(s->fd);
	strbuf_release(&s->pending);
	cli_deferred_free(s->wait);
}

static int start_attached(struct cli *cli, const struct cli_args *args)
{
	if (cli_nargs(args) > 1) {
		fprintf(stderr, "you cannot start and attach multiple containers at once\n");
		return CLI_EXIT_ERROR;
	}
	struct attach_session s = { .fd = -1, .pending = STRBUF_INIT };
	cleanup_error berth_error_t *err = NULL;
	cleanup_json json_t *info = NULL;
	cleanup_free char *esc = cli_escape(cli_arg(args, 0));
	cleanup_free char *inspect = xasprintf("/containers/%s/json", esc);
	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	cleanup_free char *wait_path = NULL, *start_path = NULL;
	struct cli_client *client;
	int ret;
	if (cli_get_json(cli, inspect, &info, &err) < 0 || cli_client(cli, &client, &err) < 0) {
		ret = cli_error(cli, err, CLI_EXIT_ERROR);
		goto out;
	}
	const char *id = json_string_value(json_object_get(info, "Id"));
	json_t *config = json_object_get(info, "Config");
	bool tty = json_is_true(json_object_get(config, "Tty"));
	bool auto_remove =
		json_is_true(json_object_get(json_object_get(info, "HostConfig"), "AutoRemove"));
	bool in = cli_flag_bool(args, "interactive") &&
		  json_is_true(json_object_get(config, "OpenStdin"));
	const char *detach_keys = cli_flag_string(args, "detach-keys");
	if (id == NULL) {
		ret = cli_error(cli, NULL, CLI_EXIT_ERROR);
		goto out;
	}
	struct start_ctx sc = { cli, id };

	strbuf_addf(&url, "/containers/%s/attach", id);
	cli_query_add(&url, "stream", "1");
	if (in)
		cli_query_add(&url, "stdin", "1");
	cli_query_add(&url, "stdout", "1");
	cli_query_add(&url, "stderr", "1");
	if (detach_keys && *detach_keys)
		cli_query_add(&url, "detachKeys", detach_keys);
	if (cli_client_hijack(client, url.buf, NULL, &s.fd, &s.pending, &err) < 0) {
		ret = cli_error(cli, err, CLI_EXIT_ERROR);
		goto out;
	}
	if (tty && in && cli->stdin_tty) {
		if (tty_raw(STDIN_FILENO, &err) < 0) {
			ret = cli_error(cli, err, CLI_EXIT_ERROR);
			goto out;
		}
		s.raw = true;
	}
	wait_path = xasprintf("/containers/%s/wait?condition=%s", id,
			      auto_remove ? "removed" : "next-exit");
	if (cli_client_send(client, "POST", wait_path, NULL, &s.wait, &err) < 0) {
		fprintf(stderr, "Error waiting for container: %s\n", err->msg);
		ret = CLI_EXIT_FAILURE;
		goto out;
	}
	start_path = xasprintf("/containers/%s/start", id);
	if (cli_post_json(cli, start_path, NULL, NULL, &err) < 0) {
		if (s.raw) {
			tty_restore();
			s.raw = false;
		}
		if (auto_remove)
			(void)wait_finish(s.wait);
		ret = cli_error(cli, err, CLI_EXIT_ERROR);
		goto out;
	}
	struct stream_opts so = {
		.tty = tty,
		.send_stdin = in,
		.on_resize = tty && cli->stdout_tty ? start_resize : NULL,
		.proxy_signals = tty ? NULL : proxied_signals,
		.on_signal = start_signal,
		.ud = &sc,
		.detach_keys = detach_keys,
	};
	int r = stream_pump(s.fd, &s.pending, &so, &err);
	if (s.raw) {
		tty_restore();
		s.raw = false;
	}
	if (r == 1) {
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
	attach_session_release(&s);
	return ret;
}

static int start_run(struct cli *cli, const struct cli_args *args)
{
	const char *cp = cli_flag_string(args, "checkpoint");
	if (cp && *cp) {
		fprintf(stderr, "Error response from daemon: checkpoints are not supported\n");
		return CLI_EXIT_ERROR;
	}
	if (cli_flag_bool(args, "attach") || cli_flag_bool(args, "interactive"))
		return start_attached(cli, args);
	return start_all(cli, args);
}

const struct cli_command cli_cmd_start = {
	.name = "start",
	.usage = "[OPTIONS] CONTAINER [CONTAINER...]",
	.summary = "Start one or more stopped containers",
	.flags = start_flags,
	.min_args = 1,
	.max_args = -1,
	.complete = "containers",
	.run = start_run,
};
