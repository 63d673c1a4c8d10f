/* measure: run a sequence of commands ("steps") once and print, per step,
 * its wall time, the CPU time and peak RSS of the processes it waited for.
 * It is a child subreaper, so a container process that a runtime's
 * `create` leaves behind is re-parented here and a command-less step can
 * wait for it (no polling of `state`).  Stand-alone on purpose: the
 * benchmark builds it with `cc -O2` and needs nothing from src/.
 *
 *   measure [-t SECONDS] :NAME CMD [ARGS...] :NAME ... :!NAME CMD ...
 *
 * ":NAME CMD ARGS" runs CMD; ":NAME" alone waits for every adopted orphan;
 * after a failed step later steps print "skip", except ":!NAME" steps
 * (cleanup, e.g. delete), which always run.  Output, one line per step,
 * tab-separated:  NAME WALL_MS CPU_MS USER_MS SYS_MS MAXRSS_KIB STATUS
 * where STATUS is the exit code, "sigN", "timeout", "skip" or "spawn".
 *
 * What the numbers mean (see bench/README.md):
 *  - wall: CLOCK_MONOTONIC from just before posix_spawn to wait4's return.
 *  - cpu:  user+sys from wait4's rusage: the command and every descendant
 *          that it (or its descendants) waited for -- for `run` that
 *          includes the container process.
 *  - rss:  ru_maxrss from the same rusage: the largest single process in
 *          that waited tree (the kernel keeps a max, not a sum).
 * The commands' stdin and stdout are /dev/null; stderr is inherited. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static volatile sig_atomic_t timed_out;

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double tv_ms(const struct timeval *tv)
{
	return tv->tv_sec * 1e3 + tv->tv_usec / 1e3;
}

struct result {
	double wall, user, sys;
	long maxrss;
	char status[16];
};

static void add_rusage(struct result *r, const struct rusage *ru)
{
	r->user += tv_ms(&ru->ru_utime);
	r->sys += tv_ms(&ru->ru_stime);
	if (ru->ru_maxrss > r->maxrss)
		r->maxrss = ru->ru_maxrss;
}

static void set_status(struct result *r, int wstatus)
{
	if (WIFEXITED(wstatus))
		snprintf(r->status, sizeof(r->status), "%d", WEXITSTATUS(wstatus));
	else
		snprintf(r->status, sizeof(r->status), "sig%d", WTERMSIG(wstatus));
}

/* wait4 that gives up when the alarm fires: EINTR here is the timeout,
 * since SIGALRM is installed without SA_RESTART */
static pid_t wait_timed(pid_t pid, int *wstatus, struct rusage *ru, unsigned timeout)
{
	timed_out = 0;
	alarm(timeout);
	pid_t got;
	do
		got = wait4(pid, wstatus, 0, ru);
	while (got < 0 && errno == EINTR && !timed_out);
	alarm(0);
	return got;
}

static void run_command(char **argv, unsigned timeout, struct result *r)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	double t0 = now_ms();
	pid_t pid;
	int e = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (e != 0) {
		fprintf(stderr, "measure: spawn '%s': %s\n", argv[0], strerror(e));
		snprintf(r->status, sizeof(r->status), "spawn");
		return;
	}
	int wstatus;
	struct rusage ru;
	if (wait_timed(pid, &wstatus, &ru, timeout) != pid) {
		fprintf(stderr, "measure: '%s' still running after %us, killing it\n", argv[0],
			timeout);
		kill(pid, SIGKILL);
		waitpid(pid, &wstatus, 0);
		r->wall = now_ms() - t0;
		snprintf(r->status, sizeof(r->status), "timeout");
		return;
	}
	r->wall = now_ms() - t0;
	add_rusage(r, &ru);
	set_status(r, wstatus);
}

/* Wait for every adopted orphan (the container process after `create`);
 * the status reported is the last one reaped, "0" when there was none */
static void wait_orphans(unsigned timeout, struct result *r)
{
	double t0 = now_ms();
	snprintf(r->status, sizeof(r->status), "0");
	for (;;) {
		int wstatus;
		struct rusage ru;
		pid_t got = wait_timed(-1, &wstatus, &ru, timeout);
		if (got > 0) {
			add_rusage(r, &ru);
			set_status(r, wstatus);
			continue;
		}
		if (errno == ECHILD)
			break;
		fprintf(stderr, "measure: container process still running after %us\n", timeout);
		snprintf(r->status, sizeof(r->status), "timeout");
		break;
	}
	r->wall = now_ms() - t0;
}

static void usage(void)
{
	fprintf(stderr, "usage: measure [-t SECONDS] :NAME [CMD ARGS...] [:[!]NAME ...]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned timeout = 30;
	int i = 1;
	if (i + 1 < argc && strcmp(argv[i], "-t") == 0) {
		timeout = (unsigned)strtoul(argv[i + 1], NULL, 10);
		i += 2;
	}
	if (i >= argc || argv[i][0] != ':' || timeout == 0)
		usage();

	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		perror("measure: PR_SET_CHILD_SUBREAPER");
		return 1;
	}
	struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART */
	sigaction(SIGALRM, &sa, NULL);

	bool failed = false;
	while (i < argc) {
		const char *name = argv[i] + 1;
		bool always = name[0] == '!';
		if (always)
			name++;
		/* the step's argv runs to the next ":NAME"; cut it there */
		int end = i + 1;
		while (end < argc && argv[end][0] != ':')
			end++;
		char *saved = argv[end];
		argv[end] = NULL;

		struct result r = { 0 };
		if (failed && !always)
			snprintf(r.status, sizeof(r.status), "skip");
		else if (end == i + 1)
			wait_orphans(timeout, &r);
		else
			run_command(&argv[i + 1], timeout, &r);
		if (strcmp(r.status, "0") != 0)
			failed = true;
		printf("%s\t%.3f\t%.3f\t%.3f\t%.3f\t%ld\t%s\n", name, r.wall, r.user + r.sys,
		       r.user, r.sys, r.maxrss, r.status);
		fflush(stdout);
		argv[end] = saved;
		i = end;
	}

	/* reap whatever is left (a failed create's container process) so
	 * nothing outlives us unwaited; it is not counted */
	int n = 0;
	while (wait_timed(-1, NULL, NULL, 5) > 0)
		n++;
	if (n > 0)
		fprintf(stderr, "measure: reaped %d leftover process(es)\n", n);
	return failed ? 1 : 0;
}
