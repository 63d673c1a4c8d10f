/* Unit tests of stdcopy.c: frame headers both ways, and whole frames
 * written to a pipe read back byte for byte (short writes included). */
#include "common/unit.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/stdcopy.h"

static void test_header_roundtrip(void **state)
{
	static const uint32_t lens[] = { 0, 1, 255, 256, 65536, 0x01020304, UINT32_MAX };
	for (enum stdcopy_stream s = STDCOPY_STDIN; s <= STDCOPY_SYSERR; s++) {
		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			uint8_t hdr[STDCOPY_HEADER_SIZE];
			stdcopy_header(hdr, s, lens[i]);
			enum stdcopy_stream got_s;
			uint32_t got_len;
			assert_int_equal(stdcopy_parse(hdr, &got_s, &got_len), 0);
			assert_int_equal(got_s, s);
			assert_int_equal(got_len, lens[i]);
		}
	}
	/* big-endian on the wire, as moby's binary.BigEndian */
	uint8_t hdr[STDCOPY_HEADER_SIZE];
	stdcopy_header(hdr, STDCOPY_STDERR, 0x01020304);
	static const uint8_t want[] = { 2, 0, 0, 0, 1, 2, 3, 4 };
	assert_memory_equal(hdr, want, sizeof(want));
}

static void test_parse_rejects(void **state)
{
	static const uint8_t bad[][STDCOPY_HEADER_SIZE] = {
		{ 4, 0, 0, 0, 0, 0, 0, 1 },
		{ 255, 0, 0, 0, 0, 0, 0, 1 },
		{ 1, 1, 0, 0, 0, 0, 0, 1 },
		{ 1, 0, 0, 1, 0, 0, 0, 1 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum stdcopy_stream s = STDCOPY_STDOUT;
		uint32_t len = 42;
		assert_int_equal(stdcopy_parse(bad[i], &s, &len), -1);
		/* out-parameters untouched on failure */
		assert_int_equal(s, STDCOPY_STDOUT);
		assert_int_equal(len, 42);
	}
}

/* A frame bigger than the pipe buffer: writev must loop over short writes
 * while a reader drains the other end */
static void test_write_frames(void **state)
{
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	size_t big = 1u << 20;
	uint8_t *data = malloc(big);
	assert_non_null(data);
	for (size_t i = 0; i < big; i++)
		data[i] = (uint8_t)(i * 7);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		if (stdcopy_write(p[1], STDCOPY_STDOUT, "hi", 2) < 0 ||
		    stdcopy_write(p[1], STDCOPY_STDERR, "", 0) < 0 ||
		    stdcopy_write(p[1], STDCOPY_STDERR, data, big) < 0)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	size_t want = 3 * STDCOPY_HEADER_SIZE + 2 + big, got = 0;
	uint8_t *buf = malloc(want + 1);
	assert_non_null(buf);
	for (;;) {
		ssize_t n = read(p[0], buf + got, want + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		assert_true(n >= 0);
		if (n == 0)
			break;
		got += (size_t)n;
	}
	assert_int_equal(got, want);
	enum stdcopy_stream s;
	uint32_t len;
	assert_int_equal(stdcopy_parse(buf, &s, &len), 0);
	assert_int_equal(s, STDCOPY_STDOUT);
	assert_int_equal(len, 2);
	assert_memory_equal(buf + 8, "hi", 2);
	assert_int_equal(stdcopy_parse(buf + 10, &s, &len), 0);
	assert_int_equal(s, STDCOPY_STDERR);
	assert_int_equal(len, 0);
	assert_int_equal(stdcopy_parse(buf + 18, &s, &len), 0);
	assert_int_equal(len, big);
	assert_memory_equal(buf + 26, data, big);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	free(buf);
	free(data);
	close(p[0]);
}

static void test_write_error(void **state)
{
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	close(p[0]);
	/* EPIPE comes back as -EPIPE (SIGPIPE ignored, as in berthd) */
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	assert_int_equal(stdcopy_write(p[1], STDCOPY_STDOUT, "x", 1), -EPIPE);
	signal(SIGPIPE, old);
	close(p[1]);
	assert_int_equal(stdcopy_write(-1, STDCOPY_STDOUT, "x", 1), -EBADF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_roundtrip),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_write_frames),
		cmocka_unit_test(test_write_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
