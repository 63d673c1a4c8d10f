/* test-init: a static helper run inside test containers (crun's tests/init.c
 * idea).  `report` prints, as one JSON object, what the process sees: ids,
 * cwd, hostname, env, capabilities, no_new_privs, seccomp, rlimits, mounts,
 * open fds, umask, oom_score_adj, cgroups, machine (uname -m), the memory
 * policy mode, the tty's size.  Other subcommands: write FILE
 * [TEXT], sleep N (exits 128+sig on TERM/INT/HUP/USR1/USR2), exit N,
 * fork N (N sleeping children, then sleep), cat.  No libraries but libc. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* A whole decimal int in [lo, hi]; -1 for anything else (atoi would take
 * "12abc" and overflow silently) */
static int parse_int(const char *s, long lo, long hi, int *ret)
{
	char *end = NULL;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*ret = (int)v;
	return 0;
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void key(const char *k, int *first)
{
	if (!*first)
		putchar(',');
	*first = 0;
	json_str(k);
	putchar(':');
}

/* A file's lines as a JSON array of strings */
static void file_lines(const char *path)
{
	FILE *f = fopen(path, "re");
	char line[4096];
	int first = 1;
	putchar('[');
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!first)
			putchar(',');
		first = 0;
		json_str(line);
	}
	putchar(']');
	if (f)
		fclose(f);
}

/* "Name:\tvalue" fields of /proc/self/status */
static void status_fields(int *first)
{
	static const char *const names[] = { "CapInh", "CapPrm",     "CapEff", "CapBnd",
					     "CapAmb", "NoNewPrivs", "Seccomp" };
	FILE *f = fopen("/proc/self/status", "re");
	char line[512];
	while (f && fgets(line, sizeof(line), f)) {
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			size_t l = strlen(names[i]);
			if (strncmp(line, names[i], l) != 0 || line[l] != ':')
				continue;
			char *v = line + l + 1;
			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = '\0';
			key(names[i], first);
			json_str(v);
		}
	}
	if (f)
		fclose(f);
}

static void report_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int self = d ? dirfd(d) : -1, first = 1;
	struct dirent *e;
	putchar('[');
	while (d && (e = readdir(d))) {
		int fd;
		if (parse_int(e->d_name, 0, INT_MAX, &fd) < 0 || fd == self)
			continue;
		printf("%s%s", first ? "" : ",", e->d_name);
		first = 0;
	}
	putchar(']');
	if (d)
		closedir(d);
}

static void report_rlimits(void)
{
	static const struct {
		const char *name;
		int res;
	} lims[] = { { "RLIMIT_NOFILE", RLIMIT_NOFILE },
		     { "RLIMIT_NPROC", RLIMIT_NPROC },
		     { "RLIMIT_CORE", RLIMIT_CORE },
		     { "RLIMIT_STACK", RLIMIT_STACK },
		     { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK } };
	putchar('{');
	for (size_t i = 0; i < sizeof(lims) / sizeof(lims[0]); i++) {
		struct rlimit rl;
		getrlimit(lims[i].res, &rl);
		printf("%s\"%s\":[%lld,%lld]", i ? "," : "", lims[i].name,
		       rl.rlim_cur == RLIM_INFINITY ? -1LL : (long long)rl.rlim_cur,
		       rl.rlim_max == RLIM_INFINITY ? -1LL : (long long)rl.rlim_max);
	}
	putchar('}');
}

static void report_ids(int *first)
{
	gid_t groups[256];
	int n = getgroups(256, groups);
	key("pid", first), printf("%d", getpid());
	key("ppid", first), printf("%d", getppid());
	key("uid", first), printf("%d", getuid());
	key("gid", first), printf("%d", getgid());
	key("euid", first), printf("%d", geteuid());
	key("egid", first), printf("%d", getegid());
	key("groups", first), putchar('[');
	for (int i = 0; i < n; i++)
		printf("%s%d", i ? "," : "", groups[i]);
	putchar(']');
}

static int report(void)
{
	int first = 1;
	char buf[4096];
	struct utsname u;
	putchar('{');
	report_ids(&first);
	key("cwd", &first), json_str(getcwd(buf, sizeof(buf)) ? buf : "");
	uname(&u);
	key("hostname", &first), json_str(u.nodename);
	key("domainname", &first), json_str(u.domainname);
	key("machine", &first), json_str(u.machine);
	int mpol = -1;
	if (syscall(SYS_get_mempolicy, &mpol, NULL, 0UL, NULL, 0UL) < 0)
		mpol = -1;
	key("mempolicy", &first), printf("%d", mpol);
	struct winsize ws = { 0 };
	if (ioctl(0, TIOCGWINSZ, &ws) < 0)
		ws.ws_row = ws.ws_col = 0;
	key("winsize", &first), printf("[%u,%u]", ws.ws_row, ws.ws_col);
	key("env", &first), putchar('[');
	for (char **e = environ; *e; e++) {
		if (e != environ)
			putchar(',');
		json_str(*e);
	}
	putchar(']');
	status_fields(&first);
	key("no_new_privs", &first), printf("%d", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	key("rlimits", &first), report_rlimits();
	mode_t m = umask(0);
	umask(m);
	key("umask", &first), printf("\"%04o\"", (unsigned)m);
	FILE *f = fopen("/proc/self/oom_score_adj", "re");
	int oom = 0;
	char line[32];
	if (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (parse_int(line, -1000, 1000, &oom) < 0)
			oom = 0;
	}
	if (f)
		fclose(f);
	key("oom_score_adj", &first), printf("%d", oom);
	key("tty", &first), printf("%s", isatty(0) ? "true" : "false");
	key("fds", &first), report_fds();
	key("mounts", &first), file_lines("/proc/self/mountinfo");
	key("cgroup", &first), file_lines("/proc/self/cgroup");
	puts("}");
	return 0;
}

/* "signal N\n" with async-signal-safe calls only (no stdio here) */
static void on_signal(int sig)
{
	char msg[32] = "signal ";
	char digits[12];
	size_t n = 0, len = strlen(msg);
	unsigned v = (unsigned)sig;
	do
		digits[n++] = (char)('0' + v % 10);
	while ((v /= 10) > 0 && n < sizeof(digits));
	while (n > 0)
		msg[len++] = digits[--n];
	msg[len++] = '\n';
	if (write(1, msg, len) < 0) {
		/* nothing to do */
	}
	_exit(128 + sig);
}

static int do_sleep(const char *arg)
{
	int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2 };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], on_signal);
	unsigned left = (unsigned)strtoul(arg, NULL, 10);
	while (left > 0)
		left = sleep(left);
	return 0;
}

static int do_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	if (!f) {
		fprintf(stderr, "test-init: open %s: %s\n", path, strerror(errno));
		return 1;
	}
	fputs(text ? text : "ok\n", f);
	return fclose(f) == 0 ? 0 : 1;
}

static int do_fork(const char *arg)
{
	int n;
	if (parse_int(arg, 0, 4096, &n) < 0) {
		fprintf(stderr, "test-init: fork: '%s' is not a count\n", arg);
		return 2;
	}
	for (int i = 0; i < n; i++) {
		pid_t p = fork();
		if (p == 0) {
			for (;;)
				pause();
		}
	}
	printf("forked %d\n", n);
	fflush(stdout);
	return do_sleep("100000");
}

static int do_cat(void)
{
	char buf[4096];
	ssize_t n;
	while ((n = read(0, buf, sizeof(buf))) > 0)
		if (write(1, buf, (size_t)n) != n)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "report";
	if (strcmp(cmd, "report") == 0)
		return report();
	if (strcmp(cmd, "sleep") == 0 && argc > 2)
		return do_sleep(argv[2]);
	int code;
	if (strcmp(cmd, "exit") == 0 && argc > 2) {
		if (parse_int(argv[2], 0, 255, &code) == 0)
			return code;
		fprintf(stderr, "test-init: exit: '%s' is not a status (0-255)\n", argv[2]);
		return 2;
	}
	if (strcmp(cmd, "write") == 0 && argc > 2)
		return do_write(argv[2], argc > 3 ? argv[3] : NULL);
	if (strcmp(cmd, "fork") == 0 && argc > 2)
		return do_fork(argv[2]);
	if (strcmp(cmd, "cat") == 0)
		return do_cat();
	fprintf(stderr, "usage: test-init report|sleep N|exit N|write FILE [TEXT]|fork N|cat\n");
	return 2;
}
