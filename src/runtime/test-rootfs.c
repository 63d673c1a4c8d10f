/* Root test for rootfs: in a child with its own mount namespace, build a
 * busybox rootfs with proc, /dev, devpts, shm, sysfs, cgroup, a read-only
 * bind, tmpcopyup, masked and read-only paths, pivot into it, and report
 * what the child sees through a pipe; then check that nothing reached the
 * host, including through a symlink planted in the image. */
#include "common/unit.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "runtime/rootfs.h"

static char tmpdir[] = "/tmp/berth-test-rootfs.XXXXXX";
static char hostdir[] = "/tmp/berth-test-rootfs-host.XXXXXX";
static char marker_name[] = "/tmp/berth-test-rootfs-marker.XXXXXX";

/* Run argv (NULL-terminated, no shell) with stdout on /dev/null; its exit
 * status, or -1 when it could not run or was killed */
static int run(const char *const *argv)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Runs even when an assertion failed half-way */
static int remove_temp(void **state)
{
	const char *const rm[] = { "rm", "-rf", tmpdir, hostdir, marker_name, NULL };
	return run(rm) == 0 ? 0 : -1;
}

static char *read_all(const char *path)
{
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char buf[4096];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		strbuf_add(&sb, buf, (size_t)n);
	return strbuf_detach(&sb, NULL);
}

static void write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "we");
	assert_non_null(f);
	fputs(s, f);
	fclose(f);
}

/* ---- the child: everything it checks goes to the pipe as one line each */

static void report(int fd, const char *name, bool ok, const char *detail)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "%s %s%s%s\n", ok ? "ok" : "FAIL", name,
			 detail ? ": " : "", detail ? detail : "");
	if (write(fd, line, (size_t)n) < 0)
		_exit(3);
}

static int last_errno;
static bool host_has_kcore;

static bool open_fails_erofs(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	last_errno = errno;
	if (fd >= 0) {
		close(fd);
		last_errno = 0;
		return false;
	}
	return last_errno == EROFS;
}

static void child_checks(int out, const char *marker)
{
	struct stat st;

	report(out, "proc-self", stat("/proc/self/status", &st) == 0, NULL);

	bool null_ok = stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode) &&
		       major(st.st_rdev) == 1 && minor(st.st_rdev) == 3 &&
		       (st.st_mode & 0777) == 0666;
	report(out, "dev-null", null_ok, NULL);
	bool tty_ok = stat("/dev/tty", &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 5;
	report(out, "dev-tty", tty_ok, NULL);
	bool custom = stat("/dev/berth-fifo", &st) == 0 && S_ISFIFO(st.st_mode) &&
		      (st.st_mode & 0777) == 0600 && st.st_uid == 1234;
	report(out, "dev-custom", custom, NULL);
	char link[64] = { 0 };
	ssize_t n = readlink("/dev/ptmx", link, sizeof(link) - 1);
	report(out, "dev-ptmx", n > 0 && strcmp(link, "pts/ptmx") == 0, link);
	memset(link, 0, sizeof(link));
	n = readlink("/dev/fd", link, sizeof(link) - 1);
	report(out, "dev-fd", n > 0 && strcmp(link, "/proc/self/fd") == 0, link);
	report(out, "dev-stdin", readlink("/dev/stdin", link, sizeof(link)) > 0, NULL);
	report(out, "devpts", stat("/dev/pts/ptmx", &st) == 0, NULL);
	report(out, "dev-shm", stat("/dev/shm", &st) == 0 && (st.st_mode & 07777) == 01777, NULL);
	/* "ro" on a "/dev/" spelled with a trailing slash: lifted while the
	 * nodes are made, restored after pivot */
	report(out, "dev-ro", open_fails_erofs("/dev/newfile"), strerror(last_errno));
	/* a file bind whose target and parents the image lacks */
	cleanup_free char *fbind = read_all("/new/dir/hello");
	report(out, "file-bind-created", fbind && strcmp(fbind, "hi\n") == 0, fbind);

	report(out, "ro-bind-content", access("/hostro/hello", R_OK) == 0, NULL);
	report(out, "ro-bind-erofs", open_fails_erofs("/hostro/new"), strerror(last_errno));
	report(out, "sys-ro", open_fails_erofs("/sys/kernel/berth-test"), strerror(last_errno));
	report(out, "cgroup-memory", stat("/sys/fs/cgroup/memory/memory.limit_in_bytes", &st) == 0,
	       NULL);
	report(out, "cgroup-ro", open_fails_erofs("/sys/fs/cgroup/berth-x"), strerror(last_errno));

	cleanup_free char *kcore = read_all("/proc/kcore");
	/* CONFIG_PROC_KCORE may be off: then there is nothing to mask, nor a
	 * /dev/core link */
	if (host_has_kcore)
		report(out, "masked-kcore", kcore != NULL && kcore[0] == '\0', strerror(errno));
	else
		report(out, "no-dev-core", access("/dev/core", F_OK) < 0 && errno == ENOENT, NULL);
	cleanup_free char *secret = read_all("/secret.txt");
	report(out, "masked-file", secret != NULL && secret[0] == '\0', secret);
	report(out, "masked-dir", stat("/secretdir/inside", &st) < 0 && errno == ENOENT, NULL);
	report(out, "masked-dir-ro", open_fails_erofs("/secretdir/new"), strerror(last_errno));

	/* only open for writing, never write: /proc/sys is the host's kernel */
	int fd = open("/proc/sys/kernel/hostname", O_WRONLY | O_CLOEXEC);
	int e = errno;
	if (fd >= 0)
		close(fd);
	report(out, "readonly-proc-sys", fd < 0 && e == EROFS, strerror(e));

	cleanup_free char *passwd = read_all("/etc/passwd");
	report(out, "tmpcopyup", passwd && strstr(passwd, "root:x:0:0") != NULL, NULL);
	report(out, "tmpcopyup-writable", access("/etc", W_OK) == 0 && !open_fails_erofs("/etc/x"),
	       NULL);

	/* the host's /tmp must be invisible: this marker only exists there */
	report(out, "host-hidden", stat(marker, &st) < 0 && errno == ENOENT, marker);
	report(out, "root-is-busybox", stat("/bin/busybox", &st) == 0, NULL);
	/* the evil mount landed inside the rootfs (/evil -> /tmp/<hostdir>) */
	report(out, "evil-inside", stat("/evil/x", &st) == 0, NULL);
	report(out, "rootfs-ro", open_fails_erofs("/newfile"), strerror(last_errno));
}

static void child_main(int out, const struct rootfs_ctx *ctx, const char *marker)
{
	cleanup_error berth_error_t *err = NULL;
	if (unshare(CLONE_NEWNS) < 0) {
		report(out, "unshare", false, strerror(last_errno));
		_exit(2);
	}
	if (rootfs_prepare(ctx, &err) < 0 || rootfs_pivot(ctx, &err) < 0 ||
	    rootfs_finalize(ctx, &err) < 0) {
		report(out, "setup", false, err ? err->msg : "?");
		_exit(2);
	}
	report(out, "setup", true, NULL);
	char cwd[16] = { 0 };
	report(out, "cwd-root", getcwd(cwd, sizeof(cwd)) && strcmp(cwd, "/") == 0, cwd);
	child_checks(out, marker);
	_exit(0);
}

/* ---- the parent ---------------------------------------------------------- */

#define MNT(d, t, s, ...)                                                        \
	{                                                                        \
		.destination = (d), .type = (t), .source = (s),                  \
		.options = (char *[]){ __VA_ARGS__, NULL },                      \
		.n_options = sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *), \
	}

static void test_rootfs_in_child(void **state)
{
	if (geteuid() != 0)
		skip(); /* mount namespaces, mknod and pivot_root need root */

	assert_non_null(mkdtemp(tmpdir));
	assert_non_null(mkdtemp(hostdir));
	cleanup_free char *rootfs = xasprintf("%s/rootfs", tmpdir);
	const char *const mk[] = { "sh", "tests/data/make-busybox-rootfs.sh", rootfs, NULL };
	assert_int_equal(run(mk), 0);

	/* the bind source, with one file; a marker only the host's /tmp has */
	cleanup_free char *robind = xasprintf("%s/robind", tmpdir);
	assert_int_equal(mkdir(robind, 0755), 0);
	cleanup_free char *hello = xasprintf("%s/hello", robind);
	write_file(hello, "hi\n");
	int mfd = mkstemp(marker_name);
	assert_true(mfd >= 0);
	close(mfd);

	/* image content: secrets to mask, and the symlink attack */
	cleanup_free char *p1 = xasprintf("%s/secret.txt", rootfs);
	write_file(p1, "top secret\n");
	cleanup_free char *p2 = xasprintf("%s/secretdir", rootfs);
	assert_int_equal(mkdir(p2, 0755), 0);
	cleanup_free char *p3 = xasprintf("%s/secretdir/inside", rootfs);
	write_file(p3, "x");
	cleanup_free char *evil = xasprintf("%s/evil", rootfs);
	assert_int_equal(symlink(hostdir, evil), 0);

	char *masked[] = { "/proc/kcore", "/secret.txt", "/secretdir", "/does/not/exist" };
	char *readonly[] = { "/proc/sys", "/missing" };
	struct oci_device devices[] = {
		{ .type = 'p',
		  .path = "/dev/berth-fifo",
		  .has_file_mode = true,
		  .file_mode = 0600,
		  .has_uid = true,
		  .uid = 1234 },
	};
	struct oci_mount mounts[] = {
		MNT("/proc", "proc", "proc", "nosuid", "noexec", "nodev"),
		MNT("/dev/", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k",
		    "ro"),
		MNT("/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance",
		    "ptmxmode=0666", "mode=0620"),
		MNT("/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777",
		    "size=65536k"),
		MNT("/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev"),
		MNT("/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro"),
		MNT("/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec", "nodev", "relatime",
		    "ro"),
		MNT("/hostro", "bind", robind, "rbind", "ro", "nosuid"),
		MNT("/etc", "tmpfs", "tmpfs", "tmpcopyup", "mode=755"),
		MNT("/evil/x", "tmpfs", "tmpfs", "size=1m"),
		MNT("/new/dir/hello", "bind", hello, "bind"),
	};
	struct oci_config config = {
		.root_readonly = true,
		.mounts = mounts,
		.n_mounts = sizeof(mounts) / sizeof(mounts[0]),
		.linux_ = {
			.devices = devices,
			.n_devices = 1,
			.masked_paths = masked,
			.n_masked_paths = 4,
			.readonly_paths = readonly,
			.n_readonly_paths = 2,
		},
	};
	struct rootfs_ctx ctx = { .config = &config, .bundle = tmpdir, .rootfs = rootfs };

	host_has_kcore = access("/proc/kcore", F_OK) == 0;
	cleanup_free char *before = read_all("/proc/self/mountinfo");
	assert_non_null(before);

	int pipefd[2];
	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pipefd[0]);
		child_main(pipefd[1], &ctx, marker_name);
	}
	close(pipefd[1]);
	cleanup_strbuf struct strbuf out = STRBUF_INIT;
	char buf[4096];
	ssize_t n;
	while ((n = read(pipefd[0], buf, sizeof(buf))) > 0)
		strbuf_add(&out, buf, (size_t)n);
	close(pipefd[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);

	/* as TAP comments: a bare "ok name" line would read as a test result */
	cleanup_free char *copy = xstrdup(out.buf);
	char *sp = NULL;
	for (char *l = strtok_r(copy, "\n", &sp); l; l = strtok_r(NULL, "\n", &sp))
		print_message("# %s\n", l);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_null(strstr(out.buf, "FAIL"));
	assert_non_null(strstr(out.buf, "ok evil-inside"));
	assert_non_null(strstr(out.buf, "ok rootfs-ro"));

	/* the symlink attack: the host directory is untouched */
	cleanup_free char *hx = xasprintf("%s/x", hostdir);
	struct stat st;
	assert_true(stat(hx, &st) < 0 && errno == ENOENT);
	/* and the mount point was created inside the image instead */
	cleanup_free char *inside = xasprintf("%s/%s/x", rootfs, hostdir);
	assert_int_equal(stat(inside, &st), 0);

	/* the namespace died with the child; nothing of ours propagated: no
	 * line new to the host's mount table mentions our directories.  Other
	 * mounts may come and go meanwhile (parallel tests), so only new lines
	 * naming our paths count. */
	cleanup_free char *after = read_all("/proc/self/mountinfo");
	assert_non_null(after);
	char *save = NULL;
	for (char *line = strtok_r(after, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strstr(before, line))
			continue;
		if (strstr(line, tmpdir) || strstr(line, hostdir))
			fail_msg("host mount table gained '%s'", line);
	}
	assert_null(strstr(after, tmpdir));
}

/* Bad input fails with context and leaves nothing behind */
static void test_bad_mounts(void **state)
{
	if (geteuid() != 0)
		skip();
	char dir[] = "/tmp/berth-test-rootfs-bad.XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct {
		struct oci_mount m;
		const char *want;
	} cases[] = {
		{ MNT("/proc/sys", "tmpfs", "tmpfs", "size=1m"),
		  "mounts inside /proc are not allowed" },
		{ MNT("/x", "bind", "/nonexistent-berth", "rbind"),
		  "bind source '/nonexistent-berth'" },
		{ MNT("relative", "tmpfs", "tmpfs", "size=1m"), "is not absolute" },
		{ MNT("/y", "nosuchfs", "none", "x"), "mount 'none' on '/y'" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct oci_config config = { .mounts = &cases[i].m, .n_mounts = 1 };
		struct rootfs_ctx ctx = { .config = &config, .bundle = dir, .rootfs = dir };
		int pipefd[2];
		assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
		pid_t pid = fork();
		if (pid == 0) {
			cleanup_error berth_error_t *err = NULL;
			if (unshare(CLONE_NEWNS) < 0 || rootfs_prepare(&ctx, &err) >= 0)
				_exit(1);
			if (write(pipefd[1], err->msg, strlen(err->msg)) < 0)
				_exit(3);
			_exit(0);
		}
		close(pipefd[1]);
		char msg[512] = { 0 };
		ssize_t n = read(pipefd[0], msg, sizeof(msg) - 1);
		close(pipefd[0]);
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(n > 0);
		if (strstr(msg, cases[i].want) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, msg, cases[i].want);
	}
	const char *const rm[] = { "rm", "-rf", dir, NULL };
	assert_int_equal(run(rm), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_rootfs_in_child, remove_temp),
		cmocka_unit_test(test_bad_mounts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
