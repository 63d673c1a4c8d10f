/* test-util: helpers the runtime unit tests share.  A test runs the code
 * under test in a forked child (it changes credentials, seccomp, caps for
 * good) and checks the report the child sends back through a pipe. */
#ifndef BERTH_RUNTIME_TEST_UTIL_H
#define BERTH_RUNTIME_TEST_UTIL_H

#include <sys/types.h>

#include "common/strbuf.h"

/* What a child runs: it appends its report to out */
typedef void (*test_child_fn)(struct strbuf *out, void *data);

/* Fork a child that runs fn(out, data) with core dumps off, writes out to
 * a pipe and exits 0.  Returns its pid; *ret_fd is the pipe's read end
 * (the caller closes it, or hands it to test_child_read) */
pid_t test_child_start(test_child_fn fn, void *data, int *ret_fd);
/* Read fd to its end and close it; the text is the caller's to free */
char *test_child_read(int fd);
/* test_child_start, read its report and reap it; *ret_status is its wait
 * status; the report is the caller's to free */
char *test_in_child(test_child_fn fn, void *data, int *ret_status);

#endif
