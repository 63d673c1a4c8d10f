/* Unit tests of logs.c and logs-entry.c: json-file lines, docker's time
 * values, and whole responses from crafted log directories (rotation,
 * tail across files, since/until, timestamps, split lines, corrupt lines,
 * follow through a rotation until the container stops). */
#include "common/unit.h"

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/stdcopy.h"
#include "common/xalloc.h"
#include "daemon/containers/logs-entry.h"
#include "daemon/containers/logs.h"
#include "daemon/containers/test-http-fake.h"

#define T0 1700000000LL /* 2023-11-14T22:13:20Z */

static char *dir_make(void)
{
	char *d = xstrdup("/tmp/berth-test-logs-XXXXXX");
	assert_non_null(mkdtemp(d));
	return d;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path) < 0 ? -1 : 0;
}

static void dir_remove(char *d)
{
	assert_int_equal(nftw(d, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
	free(d);
}

/* One json-file line for second T0+sec on stream */
static void add_line(FILE *f, const char *stream, long sec, const char *text)
{
	json_t *j = json_pack("{s:s,s:s,s:s++}", "log", text, "stream", stream, "time",
			      "2023-11-14T22:13:", "", "");
	char t[64];
	snprintf(t, sizeof(t), "2023-11-14T22:%02ld:%02ld.000000005Z", 13 + (20 + sec) / 60,
		 (20 + sec) % 60);
	json_object_set_new(j, "time", json_string(t));
	char *s = json_dumps(j, JSON_COMPACT);
	fprintf(f, "%s\n", s);
	free(s);
	json_decref(j);
}

static FILE *open_file(const char *dir, const char *name, const char *mode)
{
	cleanup_free char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, mode);
	assert_non_null(f);
	return f;
}

/* path.2: 0 1, path.1: 2 3 + a corrupt line, path: 4 (err) 5 */
static char *fill_rotated(void)
{
	char *d = dir_make();
	FILE *f = open_file(d, "c.log.2", "w");
	add_line(f, "stdout", 0, "l0\n");
	add_line(f, "stdout", 1, "l1\n");
	fclose(f);
	f = open_file(d, "c.log.1", "w");
	add_line(f, "stdout", 2, "l2\n");
	fputs("{\"log\":\"broken\n", f);
	fputs("{\"log\":\"x\\n\",\"stream\":\"stdin\",\"time\":\"2023-11-14T22:13:23Z\"}\n", f);
	fputs("{\"log\":\"x\\n\",\"stream\":\"stdout\",\"time\":\"yesterday\"}\n", f);
	fputs("[1,2]\n\n", f);
	add_line(f, "stdout", 3, "l3\n");
	fclose(f);
	f = open_file(d, "c.log", "w");
	add_line(f, "stderr", 4, "e4\n");
	add_line(f, "stdout", 5, "l5\n");
	fclose(f);
	return d;
}

/* The multiplexed body as "1:text|2:text|" */
static char *demux(const struct strbuf *body)
{
	struct strbuf sb;
	strbuf_init(&sb, 0);
	size_t off = 0;
	while (off < body->len) {
		assert_true(body->len - off >= STDCOPY_HEADER_SIZE);
		enum stdcopy_stream s;
		uint32_t n;
		assert_int_equal(stdcopy_parse((const uint8_t *)body->buf + off, &s, &n), 0);
		off += STDCOPY_HEADER_SIZE;
		assert_true(body->len - off >= n);
		strbuf_addf(&sb, "%d:%.*s|", (int)s, (int)n, body->buf + off);
		off += n;
	}
	return strbuf_detach(&sb, NULL);
}

static struct logs_opts opts_all(void)
{
	return (struct logs_opts){ .stdout_ = true, .stderr_ = true, .tail = -1 };
}

static char *run_logs(const char *dir, const struct logs_opts *o, int done_fd)
{
	struct http_ctx h;
	fake_http_init(&h, NULL, 0);
	cleanup_free char *path = xasprintf("%s/c.log", dir);
	berth_error_t *err = NULL;
	assert_int_equal(logs_write(&h, path, o, done_fd, &err), 0);
	assert_null(err);
	assert_int_equal(h.status, 200);
	assert_true(h.ended);
	assert_string_equal(h.content_type, o->tty ? "application/vnd.docker.raw-stream" :
						     "application/vnd.docker.multiplexed-stream");
	char *out = o->tty ? xstrndup(h.body.buf, h.body.len) : demux(&h.body);
	fake_http_release(&h);
	return out;
}

static void test_entry_parse(void **state)
{
	struct log_entry e;
	berth_error_t *err = NULL;
	const char *ok = "{\"log\":\"hi\\u0000\\n\",\"stream\":\"stderr\","
			 "\"time\":\"2023-11-14T23:13:20.5+01:00\",\"attrs\":{}}";
	assert_int_equal(log_entry_parse(ok, strlen(ok), &e, &err), 0);
	assert_int_equal(e.log_len, 4);
	assert_memory_equal(e.log, "hi\0\n", 4);
	assert_int_equal(e.stream, STDCOPY_STDERR);
	assert_int_equal(e.time_ns, T0 * 1000000000 + 500000000);
	log_entry_release(&e);

	static const char *const bad[] = {
		"",
		"nope",
		"[]",
		"{\"log\":1,\"stream\":\"stdout\",\"time\":\"2023-11-14T22:13:20Z\"}",
		"{\"log\":\"a\",\"stream\":\"stdin\",\"time\":\"2023-11-14T22:13:20Z\"}",
		"{\"log\":\"a\",\"stream\":\"stdout\",\"time\":\"2023-11-14T22:13:20\"}",
		"{\"log\":\"a\",\"stream\":\"stdout\",\"time\":\"2023-13-14T22:13:20Z\"}",
		"{\"log\":\"a\",\"stream\":\"stdout\"}",
		"{\"log\":\"a\",\"log\":\"b\",\"stream\":\"stdout\",\"time\":\"2023-11-14T22:13:20Z\"}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(log_entry_parse(bad[i], strlen(bad[i]), &e, &err), -EINVAL);
		assert_non_null(err);
		berth_error_release(&err);
	}
}

static void test_parse_time(void **state)
{
	int64_t now = (T0 + 3600) * 1000000000, ns = 1;
	berth_error_t *err = NULL;
	assert_int_equal(logs_parse_time("1700000000", now, &ns, &err), 0);
	assert_int_equal(ns, T0 * 1000000000);
	assert_int_equal(logs_parse_time("1700000000.123", now, &ns, &err), 0);
	assert_int_equal(ns, T0 * 1000000000 + 123000000);
	assert_int_equal(logs_parse_time("1700000000.000000001", now, &ns, &err), 0);
	assert_int_equal(ns, T0 * 1000000000 + 1);
	assert_int_equal(logs_parse_time("2023-11-14T22:13:20Z", now, &ns, &err), 0);
	assert_int_equal(ns, T0 * 1000000000);
	assert_int_equal(logs_parse_time("2023-11-14T20:13:20.25-02:00", now, &ns, &err), 0);
	assert_int_equal(ns, T0 * 1000000000 + 250000000);
	assert_int_equal(logs_parse_time("10m", now, &ns, &err), 0);
	assert_int_equal(ns, now - 600LL * 1000000000);
	assert_int_equal(logs_parse_time("1h30m", now, &ns, &err), 0);
	assert_int_equal(ns, now - 5400LL * 1000000000);
	assert_int_equal(logs_parse_time("1.5s", now, &ns, &err), 0);
	assert_int_equal(ns, now - 1500000000LL);
	assert_int_equal(logs_parse_time("0", now, &ns, &err), 0);
	assert_int_equal(ns, 0);
	assert_int_equal(logs_parse_time("", now, &ns, &err), 0);
	assert_int_equal(ns, 0);
	static const char *const bad[] = {
		"abc", "10x",   "1700000000.",         "2023-11-14T25:00:00Z",
		"--1", "1.2.3", "99999999999999999999"
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ns = 7;
		assert_int_equal(logs_parse_time(bad[i], now, &ns, &err), -EINVAL);
		assert_error_contains(err, "invalid timestamp");
		assert_int_equal(ns, 7);
		berth_error_release(&err);
	}
}

static void test_time_format(void **state)
{
	char t[LOG_TIME_LEN];
	log_time_format(T0 * 1000000000 + 5, t);
	assert_string_equal(t, "2023-11-14T22:13:20.000000005Z");
	int64_t back;
	assert_int_equal(log_time_parse_rfc3339(t, strlen(t), &back), 0);
	assert_int_equal(back, T0 * 1000000000 + 5);
}

static void test_all_rotated(void **state)
{
	char *d = fill_rotated();
	struct logs_opts o = opts_all();
	cleanup_free char *out = run_logs(d, &o, -1);
	/* oldest file first; the corrupt lines are skipped */
	assert_string_equal(out, "1:l0\n|1:l1\n|1:l2\n|1:l3\n|2:e4\n|1:l5\n|");
	dir_remove(d);
}

static void test_tail(void **state)
{
	char *d = fill_rotated();
	struct logs_opts o = opts_all();
	o.tail = 3; /* c.log 2 + the last line of c.log.1 */
	cleanup_free char *a = run_logs(d, &o, -1);
	assert_string_equal(a, "1:l3\n|2:e4\n|1:l5\n|");
	o.tail = 2;
	cleanup_free char *b = run_logs(d, &o, -1);
	assert_string_equal(b, "2:e4\n|1:l5\n|");
	o.tail = 10; /* c.log 2 + c.log.1 7 (corrupt ones count) + one of c.log.2 */
	cleanup_free char *c = run_logs(d, &o, -1);
	assert_string_equal(c, "1:l1\n|1:l2\n|1:l3\n|2:e4\n|1:l5\n|");
	o.tail = 0;
	cleanup_free char *z = run_logs(d, &o, -1);
	assert_string_equal(z, "");
	o.tail = 1000;
	cleanup_free char *all = run_logs(d, &o, -1);
	assert_string_equal(all, "1:l0\n|1:l1\n|1:l2\n|1:l3\n|2:e4\n|1:l5\n|");
	dir_remove(d);
}

static void test_filters(void **state)
{
	char *d = fill_rotated();
	struct logs_opts o = opts_all();
	o.since_ns = (T0 + 2) * 1000000000;
	o.until_ns = (T0 + 4) * 1000000000 + 5;
	cleanup_free char *a = run_logs(d, &o, -1);
	assert_string_equal(a, "1:l2\n|1:l3\n|2:e4\n|");
	o = opts_all();
	o.stderr_ = false;
	o.since_ns = (T0 + 3) * 1000000000;
	cleanup_free char *b = run_logs(d, &o, -1);
	assert_string_equal(b, "1:l3\n|1:l5\n|");
	o = opts_all();
	o.stdout_ = false;
	cleanup_free char *c = run_logs(d, &o, -1);
	assert_string_equal(c, "2:e4\n|");
	dir_remove(d);
}

static void test_timestamps_partial_tty(void **state)
{
	char *d = dir_make();
	FILE *f = open_file(d, "c.log", "w");
	add_line(f, "stdout", 0, "aaaa");
	add_line(f, "stderr", 1, "err\n");
	add_line(f, "stdout", 2, "bbbb\n");
	add_line(f, "stdout", 3, "next\n");
	/* a line over the cap is skipped, and the splitter resynchronises */
	char *big = xmalloc(LOG_LINE_MAX + 10);
	memset(big, 'x', LOG_LINE_MAX + 9);
	big[LOG_LINE_MAX + 9] = '\0';
	fprintf(f, "%s\n", big);
	free(big);
	add_line(f, "stdout", 4, "end\n");
	fprintf(f, "{\"log\":\"unfinished");
	fclose(f);
	struct logs_opts o = opts_all();
	o.timestamps = true;
	o.tty = true;
	cleanup_free char *out = run_logs(d, &o, -1);
	assert_string_equal(out, "2023-11-14T22:13:20.000000005Z aaaa"
				 "2023-11-14T22:13:21.000000005Z err\n"
				 "bbbb\n"
				 "2023-11-14T22:13:23.000000005Z next\n"
				 "2023-11-14T22:13:24.000000005Z end\n");
	dir_remove(d);
}

static void test_missing_log(void **state)
{
	char *d = dir_make();
	struct logs_opts o = opts_all();
	cleanup_free char *out = run_logs(d, &o, -1);
	assert_string_equal(out, "");
	dir_remove(d);
}

/* A child writes, rotates (rename + new file), writes again and then says
 * the container stopped; follow must see every line, in order, and end */
static void test_follow_rotation(void **state)
{
	char *d = fill_rotated();
	int done[2];
	assert_int_equal(pipe2(done, O_CLOEXEC), 0);
	/* the child starts writing once logs_write has opened c.log, which
	 * it does after its own watch is in place: an IN_OPEN event */
	int ino = inotify_init1(IN_CLOEXEC);
	assert_true(ino >= 0);
	cleanup_free char *log = xasprintf("%s/c.log", d);
	assert_true(inotify_add_watch(ino, log, IN_OPEN) >= 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char ev[sizeof(struct inotify_event) + NAME_MAX + 1];
		if (read(ino, ev, sizeof(ev)) <= 0)
			_exit(1);
		FILE *f = open_file(d, "c.log", "a");
		add_line(f, "stdout", 6, "f6\n");
		fflush(f);
		cleanup_free char *b = xasprintf("%s/c.log.1", d);
		if (rename(log, b) < 0)
			_exit(1);
		add_line(f, "stdout", 7, "f7 to the renamed file\n");
		fclose(f);
		f = open_file(d, "c.log", "w");
		add_line(f, "stderr", 8, "f8\n");
		fclose(f);
		if (write(done[1], "x", 1) != 1)
			_exit(1);
		_exit(0);
	}
	close(done[1]);
	close(ino);
	struct logs_opts o = opts_all();
	o.follow = true; /* all: the child may write before the first read ends */
	cleanup_free char *out = run_logs(d, &o, done[0]);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_string_equal(out, "1:l0\n|1:l1\n|1:l2\n|1:l3\n|2:e4\n|1:l5\n|1:f6\n|"
				 "1:f7 to the renamed file\n|2:f8\n|");
	close(done[0]);
	dir_remove(d);
}

/* The client leaving ends a follow that would otherwise wait forever */
static void test_follow_client_gone(void **state)
{
	char *d = fill_rotated();
	struct http_ctx h;
	fake_http_init(&h, NULL, 0);
	fake_http_hangup(&h);
	cleanup_free char *path = xasprintf("%s/c.log", d);
	struct logs_opts o = opts_all();
	o.follow = true;
	berth_error_t *err = NULL;
	assert_int_equal(logs_write(&h, path, &o, -1, &err), 0);
	assert_int_equal(h.status, 200);
	fake_http_release(&h);
	dir_remove(d);
}

/* until in the past of a follow: the old entries up to it, then the end */
static void test_follow_until(void **state)
{
	char *d = fill_rotated();
	struct logs_opts o = opts_all();
	o.follow = true;
	o.until_ns = (T0 + 1) * 1000000000 + 5;
	cleanup_free char *out = run_logs(d, &o, -1);
	assert_string_equal(out, "1:l0\n|1:l1\n|");
	dir_remove(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_parse),
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_time_format),
		cmocka_unit_test(test_all_rotated),
		cmocka_unit_test(test_tail),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_timestamps_partial_tty),
		cmocka_unit_test(test_missing_log),
		cmocka_unit_test(test_follow_rotation),
		cmocka_unit_test(test_follow_client_gone),
		cmocka_unit_test(test_follow_until),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
