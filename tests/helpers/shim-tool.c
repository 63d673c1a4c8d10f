/* shim-tool: drives berth-shim through its client library (src/shim/client.h)
 * for the bats files of tests/shim, standing in for berthd.  One subcommand per call;
 * errors print as "shim-tool: <message>" and exit 1.
 *   shim-tool spawn --shim S --id ID --bundle B --state-dir D --runtime R
 *                   --runtime-root RR [--log-path P] [--log-max-size N]
 *                   [--log-max-file N] [--terminal] [--open-stdin] [--stdin-once]
 *   shim-tool start D | kill D SIG [--all] | status D | wait D | read-exit D
 *   shim-tool attach D [--stdin] [--stdout] [--stderr] [--demux] [--ready-fd N]
 *   shim-tool exec D EXEC_ID PROCESS_JSON_FILE [--tty] [--stdin] [--stdout]
 *                  [--stderr] [--detach] [--demux]
 *   shim-tool exec-status D EXEC_ID | exec-kill D EXEC_ID SIG
 *   shim-tool resize D H W [--exec EXEC_ID]
 * attach and exec copy stdin to the connection (EOF: shutdown(SHUT_WR)) and
 * the connection to stdout; --demux splits stdcopy frames onto stdout and
 * stderr by stream id; --ready-fd N gets "ready" once the stream is attached.  status, wait and
 * read-exit print JSON. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fdio.h"
#include "common/parse.h"
#include "common/stdcopy.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "shim/client.h"

static int usage(void)
{
	fprintf(stderr, "usage: shim-tool spawn|start|kill|status|wait|read-exit|attach|exec|"
			"exec-status|exec-kill|resize ... (see tests/helpers/shim-tool.c)\n");
	return 2;
}

static const char *state_name(enum shim_state st)
{
	static const char *const names[] = { "created", "running", "paused", "stopped" };
	return names[st];
}

static void print_status(const struct shim_status *st)
{
	printf("{\"state\":\"%s\",\"pid\":%d,\"exit_code\":%d,\"oom_killed\":%s,"
	       "\"started_at\":%lld,\"finished_at\":%lld}\n",
	       state_name(st->state), (int)st->pid, st->exit_code,
	       st->oom_killed ? "true" : "false", (long long)st->started_at,
	       (long long)st->finished_at);
}

/* stdcopy frames from buf: whole frames out, the rest stays */
static int demux(struct strbuf *in)
{
	size_t off = 0;
	while (in->len - off >= STDCOPY_HEADER_SIZE) {
		enum stdcopy_stream stream;
		uint32_t len;
		if (stdcopy_parse((const uint8_t *)in->buf + off, &stream, &len) < 0) {
			fprintf(stderr, "shim-tool: bad stdcopy frame header\n");
			return -1;
		}
		if (in->len - off - STDCOPY_HEADER_SIZE < len)
			break;
		int fd = stream == STDCOPY_STDERR ? 2 : 1;
		if (stream != STDCOPY_STDOUT && stream != STDCOPY_STDERR) {
			fprintf(stderr, "shim-tool: unexpected frame of stream %d\n", (int)stream);
			return -1;
		}
		if (fd_write_all(fd, in->buf + off + STDCOPY_HEADER_SIZE, len) < 0)
			return -1;
		off += STDCOPY_HEADER_SIZE + len;
	}
	memmove(in->buf, in->buf + off, in->len - off);
	strbuf_setlen(in, in->len - off);
	return 0;
}

/* Copy stdin -> conn (when send_stdin) and conn -> stdout until conn ends */
static int stream_copy(int conn, bool send_stdin, bool do_demux)
{
	cleanup_strbuf struct strbuf frames = STRBUF_INIT;
	bool in_open = send_stdin;
	char buf[32 << 10];
	for (;;) {
		struct pollfd p[2] = { { conn, POLLIN, 0 }, { 0, POLLIN, 0 } };
		if (poll(p, in_open ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (in_open && p[1].revents) {
			ssize_t n = read(0, buf, sizeof(buf));
			if (n <= 0) {
				in_open = false;
				shutdown(conn, SHUT_WR);
			} else if (fd_write_all(conn, buf, (size_t)n) < 0) {
				in_open = false;
			}
		}
		if (p[0].revents) {
			ssize_t n = read(conn, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			if (!do_demux) {
				if (fd_write_all(1, buf, (size_t)n) < 0)
					return -1;
				continue;
			}
			strbuf_add(&frames, buf, (size_t)n);
			if (demux(&frames) < 0)
				return -1;
		}
	}
	if (frames.len) {
		fprintf(stderr, "shim-tool: %zu bytes of a truncated frame\n", frames.len);
		return -1;
	}
	return 0;
}

static int cmd_spawn(int argc, char **argv, berth_error_t **err)
{
	static const struct option longopts[] = {
		{ "shim", required_argument, NULL, 'S' },
		{ "id", required_argument, NULL, 'i' },
		{ "bundle", required_argument, NULL, 'b' },
		{ "state-dir", required_argument, NULL, 'd' },
		{ "runtime", required_argument, NULL, 'r' },
		{ "runtime-root", required_argument, NULL, 'R' },
		{ "log-path", required_argument, NULL, 'l' },
		{ "log-max-size", required_argument, NULL, 's' },
		{ "log-max-file", required_argument, NULL, 'f' },
		{ "terminal", no_argument, NULL, 't' },
		{ "open-stdin", no_argument, NULL, 'I' },
		{ "stdin-once", no_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct shim_spawn_opts o = { .log_max_file = 1 };
	int c;
	uint32_t n;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'S':
			o.shim = optarg;
			break;
		case 'i':
			o.id = optarg;
			break;
		case 'b':
			o.bundle = optarg;
			break;
		case 'd':
			o.state_dir = optarg;
			break;
		case 'r':
			o.runtime = optarg;
			break;
		case 'R':
			o.runtime_root = optarg;
			break;
		case 'l':
			o.log_path = optarg;
			break;
		case 's':
			if (parse_uint64(optarg, 10, &o.log_max_size, err) < 0)
				return berth_error_code(*err);
			break;
		case 'f':
			if (parse_uint32(optarg, &n, err) < 0)
				return berth_error_code(*err);
			o.log_max_file = n;
			break;
		case 't':
			o.terminal = true;
			break;
		case 'I':
			o.open_stdin = true;
			break;
		case 'o':
			o.stdin_once = true;
			break;
		default:
			return berth_error_fail(err, EINVAL, "spawn: bad option");
		}
	}
	pid_t pid;
	if (shim_spawn(&o, &pid, err) < 0)
		return berth_error_code(*err);
	printf("%d\n", (int)pid);
	return 0;
}

static int cmd_stream(int argc, char **argv, bool is_exec, berth_error_t **err)
{
	static const struct option longopts[] = {
		{ "stdin", no_argument, NULL, 'i' },
		{ "stdout", no_argument, NULL, 'o' },
		{ "stderr", no_argument, NULL, 'e' },
		{ "demux", no_argument, NULL, 'D' },
		{ "tty", no_argument, NULL, 't' },
		{ "detach", no_argument, NULL, 'd' },
		{ "ready-fd", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	bool in = false, out = false, errout = false, do_demux = false, tty = false, det = false;
	int c, ready = -1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (parse_int(optarg, &ready, err) < 0)
				return berth_error_code(*err);
			break;
		case 'i':
			in = true;
			break;
		case 'o':
			out = true;
			break;
		case 'e':
			errout = true;
			break;
		case 'D':
			do_demux = true;
			break;
		case 't':
			tty = true;
			break;
		case 'd':
			det = true;
			break;
		default:
			return berth_error_fail(err, EINVAL, "bad option");
		}
	}
	argc -= optind;
	argv += optind;
	cleanup_close int fd = -1;
	if (!is_exec) {
		if (argc != 1)
			return berth_error_fail(err, EINVAL, "attach STATE_DIR");
		enum shim_attach_flags flags = (in ? SHIM_ATTACH_STDIN : 0) |
					       (out ? SHIM_ATTACH_STDOUT : 0) |
					       (errout ? SHIM_ATTACH_STDERR : 0);
		if (shim_attach(argv[0], flags, &fd, err) < 0)
			return berth_error_code(*err);
	} else {
		if (argc != 3)
			return berth_error_fail(err, EINVAL, "exec STATE_DIR EXEC_ID PROCESS_FILE");
		cleanup_free char *process = NULL;
		cleanup_fclose FILE *f = fopen(argv[2], "re");
		if (!f)
			return berth_error_set(err, errno, "open '%s'", argv[2]);
		struct strbuf sb = STRBUF_INIT;
		char buf[4096];
		size_t n;
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			strbuf_add(&sb, buf, n);
		process = strbuf_detach(&sb, NULL);
		struct shim_exec_opts o = { .exec_id = argv[1],
					    .process_json = process,
					    .terminal = tty,
					    .attach_stdin = in,
					    .attach_stdout = out,
					    .attach_stderr = errout,
					    .detach = det };
		pid_t pid;
		if (shim_exec(argv[0], &o, &fd, &pid, err) < 0)
			return berth_error_code(*err);
		fprintf(stderr, "pid: %d\n", (int)pid);
		if (det)
			return 0;
	}
	if (ready >= 0) {
		/* tell the test that the stream is there (it may start now) */
		if (fd_write_all(ready, "ready\n", 6) < 0)
			return berth_error_set(err, errno, "write to --ready-fd %d", ready);
		close(ready);
	}
	if (stream_copy(fd, in, do_demux) < 0)
		return berth_error_fail(err, EIO, "stream copy failed");
	return 0;
}

static int cmd_simple(const char *cmd, int argc, char **argv, berth_error_t **err)
{
	if (argc < 2)
		return berth_error_fail(err, EINVAL, "%s: STATE_DIR missing", cmd);
	const char *dir = argv[1];
	struct shim_status st;
	if (strcmp(cmd, "start") == 0)
		return shim_start(dir, err);
	if (strcmp(cmd, "kill") == 0) {
		int sig;
		if (argc < 3 || parse_int(argv[2], &sig, err) < 0)
			return berth_error_fail(err, EINVAL, "kill STATE_DIR SIGNAL [--all]");
		return shim_kill(dir, sig, argc > 3 && strcmp(argv[3], "--all") == 0, err);
	}
	if (strcmp(cmd, "status") == 0 || strcmp(cmd, "wait") == 0 ||
	    strcmp(cmd, "read-exit") == 0) {
		int r = cmd[0] == 's' ? shim_get_status(dir, &st, err) :
			cmd[0] == 'w' ? shim_wait(dir, &st, err) :
					shim_read_exit(dir, &st, err);
		if (r < 0)
			return r;
		print_status(&st);
		return 0;
	}
	if (strcmp(cmd, "exec-status") == 0) {
		bool running;
		pid_t pid;
		int code;
		if (argc != 3)
			return berth_error_fail(err, EINVAL, "exec-status STATE_DIR EXEC_ID");
		if (shim_exec_status(dir, argv[2], &running, &pid, &code, err) < 0)
			return berth_error_code(*err);
		printf("{\"running\":%s,\"pid\":%d,\"exit_code\":%d}\n", running ? "true" : "false",
		       (int)pid, code);
		return 0;
	}
	if (strcmp(cmd, "exec-kill") == 0) {
		int sig;
		if (argc != 4 || parse_int(argv[3], &sig, err) < 0)
			return berth_error_fail(err, EINVAL, "exec-kill STATE_DIR EXEC_ID SIGNAL");
		return shim_exec_kill(dir, argv[2], sig, err);
	}
	if (strcmp(cmd, "resize") == 0) {
		uint32_t h, w;
		if (argc < 4 || parse_uint32(argv[2], &h, err) < 0 ||
		    parse_uint32(argv[3], &w, err) < 0)
			return berth_error_fail(err, EINVAL, "resize STATE_DIR H W [--exec ID]");
		const char *exec_id = argc == 6 && strcmp(argv[4], "--exec") == 0 ? argv[5] : NULL;
		return shim_resize(dir, exec_id, h, w, err);
	}
	return berth_error_fail(err, EINVAL, "unknown command '%s'", cmd);
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2)
		return usage();
	cleanup_error berth_error_t *err = NULL;
	const char *cmd = argv[1];
	int r;
	if (strcmp(cmd, "spawn") == 0)
		r = cmd_spawn(argc - 1, argv + 1, &err);
	else if (strcmp(cmd, "attach") == 0 || strcmp(cmd, "exec") == 0)
		r = cmd_stream(argc - 1, argv + 1, cmd[0] == 'e', &err);
	else
		r = cmd_simple(cmd, argc - 1, argv + 1, &err);
	fflush(stdout);
	if (r < 0) {
		fprintf(stderr, "shim-tool: %s\n", err ? err->msg : "failed");
		return 1;
	}
	return 0;
}
