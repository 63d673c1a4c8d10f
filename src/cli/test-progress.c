/* test-progress: the jsonmessage renderer on canned pull, push and load
 * streams, byte for byte, for a terminal (cursor movement, bars, time
 * left) and for a pipe (docker's plain lines), plus stream errors, aux
 * values, split input and the caps.  progress_request (the display over
 * a live request) is exercised by tests/cli/pull-push.bats. */
#include "common/unit.h"

#include <stdlib.h>

#include "cli/progress.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

static const char pull_stream[] =
	"{\"status\":\"Pulling from library/busybox\",\"id\":\"latest\"}\n"
	"{\"status\":\"Pulling fs layer\",\"progressDetail\":{},\"id\":\"a3ed95caeb02\"}\n"
	"{\"status\":\"Pulling fs layer\",\"progressDetail\":{},\"id\":\"b1c2d3e4f5a6\"}\n"
	"{\"status\":\"Downloading\",\"progressDetail\":{\"current\":100,\"total\":1000},"
	"\"progress\":\"[=>   ] 100B/1kB\",\"id\":\"a3ed95caeb02\"}\n"
	"{\"status\":\"Download complete\",\"progressDetail\":{},\"id\":\"a3ed95caeb02\"}\n"
	"{\"status\":\"Pull complete\",\"progressDetail\":{},\"id\":\"a3ed95caeb02\"}\n"
	"{\"status\":\"Pull complete\",\"progressDetail\":{},\"id\":\"b1c2d3e4f5a6\"}\n"
	"{\"status\":\"Digest: sha256:abc\"}\n"
	"{\"status\":\"Status: Downloaded newer image for busybox:latest\"}\n";

/* Render stream through a progress display of the given kind */
static char *render(const char *stream, size_t chunk, bool tty, int width, time_t (*clock)(void),
		    int *ret, berth_error_t **err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct progress *p = progress_new(out, tty);
	if (width)
		progress_set_width(p, width);
	if (clock)
		progress_set_clock(p, clock);
	size_t n = strlen(stream);
	int r = 0;
	for (size_t off = 0; off < n && r >= 0; off += chunk)
		r = progress_feed(p, stream + off, off + chunk > n ? n - off : chunk, err);
	if (r >= 0)
		r = progress_finish(p, err);
	*ret = r;
	progress_free(p);
	fclose(out);
	return buf;
}

static char *repeat(char c, int n)
{
	char *s = xmalloc((size_t)n + 1);
	memset(s, c, (size_t)n);
	s[n] = '\0';
	return s;
}

static void test_pull_not_a_terminal(void **state)
{
	(void)state;
	cleanup_error berth_error_t *err = NULL;
	int r;
	cleanup_free char *out = render(pull_stream, sizeof(pull_stream), false, 0, NULL, &r, &err);
	assert_int_equal(r, 0);
	/* docker drops updates that carry numbers when not on a terminal */
	assert_string_equal(out, "latest: Pulling from library/busybox\n"
				 "a3ed95caeb02: Pulling fs layer\n"
				 "b1c2d3e4f5a6: Pulling fs layer\n"
				 "a3ed95caeb02: Download complete\n"
				 "a3ed95caeb02: Pull complete\n"
				 "b1c2d3e4f5a6: Pull complete\n"
				 "Digest: sha256:abc\n"
				 "Status: Downloaded newer image for busybox:latest\n");
}

static void test_pull_terminal(void **state)
{
	(void)state;
	cleanup_error berth_error_t *err = NULL;
	int r;
	cleanup_free char *out =
		render(pull_stream, sizeof(pull_stream), true, 200, NULL, &r, &err);
	assert_int_equal(r, 0);
	cleanup_free char *spaces = repeat(' ', 45);
	cleanup_free char *want =
		xasprintf("latest: Pulling from library/busybox\n"
			  /* a new id opens a line; the cursor goes up to it and back */
			  "\n\x1b[1A\x1b[2K\ra3ed95caeb02: Pulling fs layer \r\x1b[1B"
			  "\n\x1b[1A\x1b[2K\rb1c2d3e4f5a6: Pulling fs layer \r\x1b[1B"
			  /* the first layer is two lines up now */
			  "\x1b[2A\x1b[2K\ra3ed95caeb02: Downloading [=====>%s]     100B/1kB\r\x1b[2B"
			  "\x1b[2A\x1b[2K\ra3ed95caeb02: Download complete \r\x1b[2B"
			  "\x1b[2A\x1b[2K\ra3ed95caeb02: Pull complete \r\x1b[2B"
			  "\x1b[1A\x1b[2K\rb1c2d3e4f5a6: Pull complete \r\x1b[1B"
			  "Digest: sha256:abc\n"
			  "Status: Downloaded newer image for busybox:latest\n",
			  spaces);
	assert_string_equal(out, want);
}

static void test_split_input_same_output(void **state)
{
	(void)state;
	cleanup_error berth_error_t *err = NULL;
	int r1, r2;
	cleanup_free char *whole =
		render(pull_stream, sizeof(pull_stream), true, 200, NULL, &r1, &err);
	cleanup_free char *bytes = render(pull_stream, 1, true, 200, NULL, &r2, &err);
	assert_int_equal(r1, 0);
	assert_int_equal(r2, 0);
	assert_string_equal(whole, bytes);
}

static time_t fixed_clock(void)
{
	return 1010;
}

static void test_bar_time_left_and_widths(void **state)
{
	(void)state;
	cleanup_error berth_error_t *err = NULL;
	const char *msg =
		"{\"status\":\"Downloading\",\"progressDetail\":{\"current\":100,\"total\":1000,"
		"\"start\":1000},\"id\":\"l1\"}\n";
	int r;
	/* 10 s for 100 of 1000 bytes: 90 s left */
	cleanup_free char *wide = render(msg, strlen(msg), true, 120, fixed_clock, &r, &err);
	assert_int_equal(r, 0);
	cleanup_free char *s45 = repeat(' ', 45);
	cleanup_free char *want_wide =
		xasprintf("\n\x1b[1A\x1b[2K\rl1: Downloading [=====>%s]     100B/1kB 1m30s\r\x1b[1B",
			  s45);
	assert_string_equal(wide, want_wide);

	/* 80 columns: docker shows no bar; berth a shorter one (18 cells) */
	cleanup_free char *narrow = render(msg, strlen(msg), true, 80, fixed_clock, &r, &err);
	cleanup_free char *s17 = repeat(' ', 17);
	cleanup_free char *want_narrow =
		xasprintf("\n\x1b[1A\x1b[2K\rl1: Downloading [=>%s]     100B/1kB 1m30s\r\x1b[1B",
			  s17);
	assert_string_equal(narrow, want_narrow);

	/* too narrow for any bar, and no time left under 51 columns */
	cleanup_free char *tiny = render(msg, strlen(msg), true, 50, fixed_clock, &r, &err);
	assert_string_equal(tiny, "\n\x1b[1A\x1b[2K\rl1: Downloading     100B/1kB\r\x1b[1B");
}

static void test_sizes_units_and_overflow(void **state)
{
	(void)state;
	cleanup_error berth_error_t *err = NULL;
	int r;
	/* no total: the size alone, 4 significant digits */
	const char *a =
		"{\"status\":\"Extracting\",\"progressDetail\":{\"current\":12345678},\"id\":\"x\"}\n";
	cleanup_free char *oa = render(a, strlen(a), true, 200, NULL, &r, &err);
	assert_string_equal(oa, "\n\x1b[1A\x1b[2K\rx: Extracting  12.35MB\r\x1b[1B");
	/* current past total: the bar is full and the total is dropped */
	const char *b =
		"{\"status\":\"Pushing\",\"progressDetail\":{\"current\":3000,\"total\":2000},\"id\":\"y\"}\n";
	cleanup_free char *ob = render(b, strlen(b), true, 200, NULL, &r, &err);
	cleanup_free char *eq = repeat('=', 50);
	cleanup_free char *wb =
		xasprintf("\n\x1b[1A\x1b[2K\ry: Pushing [%s>]      3kB\r\x1b[1B", eq);
	assert_string_equal(ob, wb);
	/* units instead of bytes */
	const char *c =
		"{\"status\":\"Copying\",\"progressDetail\":{\"current\":3,\"total\":4,\"units\":\"files\"},\"id\":\"z\"}\n";
	cleanup_free char *oc = render(c, strlen(c), true, 50, NULL, &r, &err);
	assert_string_equal(oc, "\n\x1b[1A\x1b[2K\rz: Copying 3/4 files\r\x1b[1B");
}

static void test_long_lines_fit_the_terminal(void **state)
{
	(void)state;
	cleanup_error berth_error_t *err = NULL;
	int r;
	/* 30 columns: the redrawn line is cut to 29 so that it never wraps */
	const char *msg =
		"{\"status\":\"Waiting for a very long time indeed\",\"progressDetail\":{},"
		"\"id\":\"abcdef\"}\n"
		"{\"status\":\"A plain line longer than thirty columns\"}\n";
	cleanup_free char *out = render(msg, strlen(msg), true, 30, NULL, &r, &err);
	assert_int_equal(r, 0);
	assert_string_equal(out, "\n\x1b[1A\x1b[2K\rabcdef: Waiting for a very lo\r\x1b[1B"
				 "A plain line longer than thirty columns\n");
}

static void test_load_stream_lines(void **state)
{
	(void)state;
	cleanup_error berth_error_t *err = NULL;
	int r;
	const char *s = "{\"stream\":\"Loaded image: busybox:latest\\n\"}\r\n\n"
			"{\"stream\":\"Loaded image ID: sha256:1\\n\"}";
	/* the last value may come without its newline */
	cleanup_free char *out = render(s, strlen(s), false, 0, NULL, &r, &err);
	assert_int_equal(r, 0);
	assert_string_equal(out, "Loaded image: busybox:latest\nLoaded image ID: sha256:1\n");
}

static void test_error_in_stream(void **state)
{
	(void)state;
	cleanup_error berth_error_t *err = NULL;
	int r;
	const char *s =
		"{\"status\":\"Pulling from x\",\"id\":\"latest\"}\n"
		"{\"errorDetail\":{\"message\":\"manifest unknown\"},\"error\":\"manifest unknown\"}\n"
		"{\"status\":\"never shown\"}\n";
	cleanup_free char *out = render(s, strlen(s), false, 0, NULL, &r, &err);
	assert_true(r < 0);
	assert_string_equal(err->msg, "manifest unknown");
	assert_string_equal(out, "latest: Pulling from x\n");

	berth_error_release(&err);
	const char *old = "{\"error\":\"old style\"}\n";
	cleanup_free char *o2 = render(old, strlen(old), true, 0, NULL, &r, &err);
	assert_true(r < 0);
	assert_string_equal(err->msg, "old style");
}

static void test_malformed_and_partial(void **state)
{
	(void)state;
	cleanup_error berth_error_t *err = NULL;
	int r;
	cleanup_free char *o1 =
		render("{\"status\":\"a\"}\nnot json\n", 100, false, 0, NULL, &r, &err);
	assert_true(r < 0);
	assert_error_contains(err, "malformed progress message");
	assert_string_equal(o1, "a\n");

	berth_error_release(&err);
	cleanup_free char *o2 =
		render("{\"status\":\"a\"}\n{\"status\":", 100, false, 0, NULL, &r, &err);
	assert_true(r < 0);
	assert_error_contains(err, "ended in the middle of a message");

	berth_error_release(&err);
	cleanup_free char *o3 = render("[1]\n", 100, false, 0, NULL, &r, &err);
	assert_true(r < 0);
	assert_error_contains(err, "expected an object");
}

static void test_line_cap(void **state)
{
	(void)state;
	cleanup_error berth_error_t *err = NULL;
	FILE *out = fopen("/dev/null", "w");
	struct progress *p = progress_new(out, false);
	cleanup_free char *chunk = repeat(' ', 64 * 1024);
	int r = 0;
	for (int i = 0; i < 17 && r >= 0; i++)
		r = progress_feed(p, chunk, 64 * 1024, &err);
	assert_true(r < 0);
	assert_error_contains(err, "progress message over");
	progress_free(p);
	fclose(out);
}

static void test_aux_kept(void **state)
{
	(void)state;
	cleanup_error berth_error_t *err = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct progress *p = progress_new(out, false);
	const char *s =
		"{\"status\":\"latest: digest: sha256:d size: 527\"}\n"
		"{\"progressDetail\":{},\"aux\":{\"Tag\":\"latest\",\"Digest\":\"sha256:d\",\"Size\":527}}\n";
	assert_int_equal(progress_feed(p, s, strlen(s), &err), 0);
	assert_int_equal(progress_finish(p, &err), 0);
	const json_t *aux = progress_last_aux(p);
	assert_non_null(aux);
	assert_string_equal(json_string_value(json_object_get(aux, "Digest")), "sha256:d");
	progress_free(p);
	fclose(out);
	/* aux values are not printed */
	assert_string_equal(buf, "latest: digest: sha256:d size: 527\n");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pull_not_a_terminal),
		cmocka_unit_test(test_pull_terminal),
		cmocka_unit_test(test_split_input_same_output),
		cmocka_unit_test(test_bar_time_left_and_widths),
		cmocka_unit_test(test_sizes_units_and_overflow),
		cmocka_unit_test(test_long_lines_fit_the_terminal),
		cmocka_unit_test(test_load_stream_lines),
		cmocka_unit_test(test_error_in_stream),
		cmocka_unit_test(test_malformed_and_partial),
		cmocka_unit_test(test_line_cap),
		cmocka_unit_test(test_aux_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
