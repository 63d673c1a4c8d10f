/* attach-wait: docker's attach-start-wait sequence of runContainer and
 * RunStart, shared by `berth run` and `berth start -a`.  Order matters: the
 * attach and the wait are in place before the start, so no output and no
 * exit is missed; the terminal is restored before anything is printed
 * after the pump. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "cli/client.h"
#include "cli/container/attach-wait.h"
#include "cli/tty.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

/* docker forwards every signal but SIGCHLD, SIGPIPE and SIGURG (and
 * SIGWINCH, which is a resize); these are the ones a user sends */
static const int proxied_signals[] = { SIGHUP,  SIGINT,  SIGQUIT, SIGTERM, SIGUSR1,
				       SIGUSR2, SIGALRM, SIGTSTP, SIGCONT, 0 };

struct aw_ctx {
	struct cli *cli;
	const char *id;
};

static void aw_resize(unsigned rows, unsigned cols, void *ud)
{
	struct aw_ctx *c = ud;
	cleanup_free char *path = xasprintf("/containers/%s/resize?h=%u&w=%u", c->id, rows, cols);
	cleanup_error berth_error_t *err = NULL;
	/* a resize that fails (the container just exited) changes nothing */
	(void)cli_post_json(c->cli, path, NULL, NULL, &err);
}

static void aw_signal(int sig, void *ud)
{
	struct aw_ctx *c = ud;
	cleanup_free char *path = xasprintf("/containers/%s/kill?signal=%d", c->id, sig);
	cleanup_error berth_error_t *err = NULL;
	if (cli_post_json(c->cli, path, NULL, NULL, &err) < 0)
		fprintf(stderr, "error sending signal: %s\n", err->msg);
}

/* The wait result: the container's code, or 125 with docker's message */
static int aw_wait_finish(struct cli_deferred *wait)
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

static void aw_attach_url(const struct attach_wait *aw, struct strbuf *url)
{
	strbuf_addf(url, "/containers/%s/attach", aw->id);
	cli_query_add(url, "stream", "1");
	if (aw->attach_stdin)
		cli_query_add(url, "stdin", "1");
	if (aw->attach_stdout)
		cli_query_add(url, "stdout", "1");
	if (aw->attach_stderr)
		cli_query_add(url, "stderr", "1");
	if (aw->detach_keys && *aw->detach_keys)
		cli_query_add(url, "detachKeys", aw->detach_keys);
}

struct aw_session {
	int attach_fd;
	struct strbuf pending;
	struct cli_deferred *wait;
	bool raw;
};

static void aw_session_release(struct aw_session *s)
{
	if (s->raw)
		tty_restore();
	if (s->attach_fd >= 0)
		close(s->attach_fd);
	strbuf_release(&s->pending);
	cli_deferred_free(s->wait);
}

static void aw_unraw(struct aw_session *s)
{
	if (s->raw) {
		tty_restore();
		s->raw = false;
	}
}

int container_attach_and_wait(struct cli *cli, const struct attach_wait *aw)
{
	struct aw_session s = { .attach_fd = -1, .pending = STRBUF_INIT };
	struct aw_ctx ctx = { cli, aw->id };
	cleanup_error berth_error_t *err = NULL;
	struct cli_client *client;
	bool attach = aw->attach_stdin || aw->attach_stdout || aw->attach_stderr;
	cleanup_free char *wait_path = xasprintf("/containers/%s/wait?condition=%s", aw->id,
						 aw->auto_remove ? "removed" : "next-exit");
	cleanup_free char *start_path = xasprintf("/containers/%s/start", aw->id);
	int ret;

	if (cli_client(cli, &client, &err) < 0) {
		ret = aw->start_error ? aw->start_error(cli, err) :
					cli_error(cli, err, CLI_EXIT_ERROR);
		goto out;
	}
	if (attach) {
		cleanup_strbuf struct strbuf url = STRBUF_INIT;
		aw_attach_url(aw, &url);
		if (cli_client_hijack(client, url.buf, NULL, &s.attach_fd, &s.pending, &err) < 0) {
			ret = cli_error(cli, err, CLI_EXIT_ERROR);
			goto out;
		}
		if (aw->tty && aw->attach_stdin && cli->stdin_tty) {
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
		aw_unraw(&s);
		if (aw->auto_remove)
			(void)aw_wait_finish(s.wait);
		ret = aw->start_error ? aw->start_error(cli, err) :
					cli_error(cli, err, CLI_EXIT_ERROR);
		goto out;
	}
	if (!attach) {
		printf("%s\n", aw->id);
		ret = 0;
		goto out;
	}
	struct stream_opts so = {
		.tty = aw->tty,
		.send_stdin = aw->attach_stdin,
		.on_resize = aw->tty && cli->stdout_tty ? aw_resize : NULL,
		/* with a TTY the terminal's own keys reach the container */
		.proxy_signals = aw->sig_proxy && !aw->tty ? proxied_signals : NULL,
		.on_signal = aw_signal,
		.ud = &ctx,
		.detach_keys = aw->detach_keys,
	};
	int r = stream_pump(s.attach_fd, &s.pending, &so, &err);
	aw_unraw(&s);
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
	ret = aw_wait_finish(s.wait);
out:
	aw_session_release(&s);
	return ret;
}
