/* logs: `berth logs`, docker's container/logs.go.  The container is
 * inspected first (a missing one fails before any log is asked for, and
 * its Config.Tty says whether the stream is raw or stdcopy frames); the
 * frames are split as they arrive, stdout to our stdout and stderr to our
 * stderr, without holding a whole frame in memory. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/human.h"
#include "common/cleanup.h"
#include "common/fdio.h"
#include "common/stdcopy.h"
#include "common/strbuf.h"

static const struct cli_flag logs_flags[] = {
	{ .name = "details", .type = CLI_BOOL, .usage = "Show extra details provided to logs" },
	{ .name = "follow", .shorthand = 'f', .type = CLI_BOOL, .usage = "Follow log output" },
	{ .name = "since",
	  .type = CLI_STRING,
	  .usage =
		  "Show logs since timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 "
		  "minutes)" },
	{ .name = "tail",
	  .shorthand = 'n',
	  .type = CLI_STRING,
	  .def = "all",
	  .usage = "Number of lines to show from the end of the logs" },
	{ .name = "timestamps", .shorthand = 't', .type = CLI_BOOL, .usage = "Show timestamps" },
	{ .name = "until",
	  .type = CLI_STRING,
	  .usage =
		  "Show logs before a timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for "
		  "42 minutes)" },
	CLI_FLAGS_END
};

/* The demultiplexer's state between chunks: a partial header, then how
 * much of the current frame's payload is still to come */
struct logs_demux {
	bool raw; /* a TTY container: the body is the output as is */
	uint8_t hdr[STDCOPY_HEADER_SIZE];
	size_t hdr_len;
	uint32_t left;      /* payload bytes of the current frame not yet seen */
	int fd;             /* where the current frame goes */
	berth_error_t *err; /* set when the callback stops the transfer */
};

static int logs_write(struct logs_demux *d, int fd, const char *data, size_t len)
{
	if (fd_write_all(fd, data, len) < 0)
		return berth_error_set(&d->err, errno, "write logs");
	return 0;
}

static int logs_on_body(const char *data, size_t len, void *ud)
{
	struct logs_demux *d = ud;
	if (d->raw)
		return logs_write(d, STDOUT_FILENO, data, len);
	while (len > 0) {
		if (d->left == 0) {
			size_t n = STDCOPY_HEADER_SIZE - d->hdr_len;
			if (n > len)
				n = len;
			memcpy(d->hdr + d->hdr_len, data, n);
			d->hdr_len += n, data += n, len -= n;
			if (d->hdr_len < STDCOPY_HEADER_SIZE)
				return 0;
			d->hdr_len = 0;
			enum stdcopy_stream s;
			if (stdcopy_parse(d->hdr, &s, &d->left) < 0)
				return berth_error_fail(&d->err, EPROTO,
							"Unrecognized input header: %d", d->hdr[0]);
			d->fd = s == STDCOPY_STDOUT ? STDOUT_FILENO : STDERR_FILENO;
			continue;
		}
		size_t n = len < d->left ? len : d->left;
		if (logs_write(d, d->fd, data, n) < 0)
			return -1;
		d->left -= (uint32_t)n, data += n, len -= n;
	}
	return 0;
}

static int logs_url(const struct cli_args *args, const char *id, struct strbuf *url,
		    berth_error_t **err)
{
	char ts[HUMAN_BUF];
	strbuf_addf(url, "/containers/%s/logs?stdout=1&stderr=1", id);
	const char *since = cli_flag_string(args, "since"), *until = cli_flag_string(args, "until");
	if (since && *since) {
		if (human_time_arg(since, ts, err) < 0)
			return berth_error_wrap(err, "invalid value for \"since\"");
		cli_query_add(url, "since", ts);
	}
	if (until && *until) {
		if (human_time_arg(until, ts, err) < 0)
			return berth_error_wrap(err, "invalid value for \"until\"");
		cli_query_add(url, "until", ts);
	}
	if (cli_flag_bool(args, "timestamps"))
		cli_query_add(url, "timestamps", "1");
	if (cli_flag_bool(args, "details"))
		cli_query_add(url, "details", "1");
	if (cli_flag_bool(args, "follow"))
		cli_query_add(url, "follow", "1");
	const char *tail = cli_flag_string(args, "tail");
	if (tail && *tail)
		cli_query_add(url, "tail", tail);
	return 0;
}

static int logs_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_free char *id = cli_escape(cli_arg(args, 0));
	cleanup_strbuf struct strbuf path = STRBUF_INIT;
	strbuf_addf(&path, "/containers/%s/json", id);
	cleanup_json json_t *c = NULL;
	if (cli_get_json(cli, path.buf, &c, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);

	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	if (logs_url(args, id, &url, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	struct cli_client *client;
	if (cli_client(cli, &client, &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	struct logs_demux d = {
		.raw = json_is_true(json_object_get(json_object_get(c, "Config"), "Tty")),
		.fd = STDOUT_FILENO,
	};
	struct cli_request req = {
		.method = "GET",
		.path = url.buf,
		.body_fd = -1,
		.on_body = logs_on_body,
		.ud = &d,
	};
	int r = cli_client_do(client, &req, NULL, &err);
	if (d.err) {
		berth_error_release(&err);
		err = steal_pointer(&d.err);
	}
	if (r < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	return 0;
}

const struct cli_command cli_cmd_logs = {
	.name = "logs",
	.usage = "[OPTIONS] CONTAINER",
	.summary = "Fetch the logs of a container",
	.flags = logs_flags,
	.min_args = 1,
	.max_args = 1,
	.complete = "containers",
	.run = logs_run,
};
