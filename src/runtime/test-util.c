/* test-util: the fork-and-report harness of the runtime unit tests (see
 * test-util.h).  The child never returns into cmocka: it always _exit()s. */
#include "common/unit.h"

#include "runtime/test-util.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

pid_t test_child_start(test_child_fn fn, void *data, int *ret_fd)
{
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* a child killed by a seccomp or signal test leaves no core */
		struct rlimit no_core = { 0, 0 };
		setrlimit(RLIMIT_CORE, &no_core);
		struct strbuf out = STRBUF_INIT;
		close(p[0]);
		fn(&out, data);
		(void)!write(p[1], out.buf, out.len);
		_exit(0);
	}
	close(p[1]);
	*ret_fd = p[0];
	return pid;
}

char *test_child_read(int fd)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		strbuf_add(&sb, buf, (size_t)n);
	close(fd);
	return strbuf_detach(&sb, NULL);
}

char *test_in_child(test_child_fn fn, void *data, int *ret_status)
{
	int fd;
	pid_t pid = test_child_start(fn, data, &fd);
	char *report = test_child_read(fd);
	assert_int_equal(waitpid(pid, ret_status, 0), pid);
	return report;
}
