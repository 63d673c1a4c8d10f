/* test-sync: the parent/child datagrams: payloads, fd passing, EOF, and
 * SYNC_ERROR turning into the peer's message. */
#include "common/unit.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "runtime/sync.h"

static void test_payload_and_fd(void **unused)
{
	int fds[2];
	assert_int_equal(sync_pair(fds, NULL), 0);
	cleanup_close int a = fds[0], b = fds[1];
	cleanup_close int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_int_equal(sync_send(a, SYNC_HOOKS_DONE, 7, "{\"id\":\"x\"}", devnull, NULL), 0);
	struct sync_msg m;
	assert_int_equal(sync_recv(b, &m, NULL), 0);
	assert_int_equal(m.type, SYNC_HOOKS_DONE);
	assert_int_equal(m.value, 7);
	assert_string_equal(m.payload, "{\"id\":\"x\"}");
	assert_true(m.fd >= 0);
	struct stat s1, s2;
	fstat(m.fd, &s1);
	fstat(devnull, &s2);
	assert_int_equal(s1.st_rdev, s2.st_rdev);
	assert_true(fcntl(m.fd, F_GETFD) & FD_CLOEXEC);
	sync_msg_release(&m);
}

static void test_error_and_eof(void **unused)
{
	int fds[2];
	cleanup_error berth_error_t *err = NULL, *sent = NULL;
	assert_int_equal(sync_pair(fds, NULL), 0);
	berth_error_set(&sent, ENOENT, "open 'x'");
	sync_send_error(fds[1], sent);
	assert_true(sync_expect(fds[0], SYNC_CREATED, "create", NULL, &err) < 0);
	assert_string_equal(err->msg, "open 'x': No such file or directory");
	assert_int_equal(err->errnum, ENOENT);
	close(fds[1]);
	assert_true(sync_expect(fds[0], SYNC_CREATED, "create", NULL, &err) < 0);
	assert_error_contains(err, "create: the peer process exited");
	close(fds[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_payload_and_fd),
		cmocka_unit_test(test_error_and_eof),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
