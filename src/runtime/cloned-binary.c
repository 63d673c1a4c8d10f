/* cloned-binary: sealed memfds for the exec into a container.
 * Cost measured here (2 cores, busy host): the full re-exec from a copy of
 * /proc/self/exe adds ~2.3 ms to create/run/exec (copy of a 1.2 MB binary,
 * then the dynamic loader and libcrypto a second time), so it is kept for
 * containers that need it; the dmz hop costs one memfd of ~5 KB and one
 * execve of a static binary without libc, ~0.2 ms. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "runtime/cloned-binary.h"

#ifdef BERTH_HAVE_DMZ
#include "runtime/dmz/dmz-blob.h"
#endif

#define CLONED_ENV "_BERTH_CLONED_BINARY"
#define CLONED_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

static bool guard_seen;

void cloned_binary_init(void)
{
	const char *g = getenv(CLONED_ENV);
	guard_seen = g && strcmp(g, "1") == 0;
	unsetenv(CLONED_ENV);
}

bool cloned_binary_needs_full(const struct oci_capabilities *caps, bool new_userns)
{
	if (new_userns)
		return false; /* caps there never reach our init user namespace */
	return !caps->present || (caps->bounding.mask & (1ULL << CAP_SYS_PTRACE));
}

static bool is_sealed_memfd(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);
	return seals >= 0 && (seals & CLONED_SEALS) == CLONED_SEALS;
}

static int seal(int mfd, berth_error_t **err)
{
	if (fchmod(mfd, 0555) < 0)
		return berth_error_set(err, errno, "chmod memfd");
	if (fcntl(mfd, F_ADD_SEALS, CLONED_SEALS) < 0)
		return berth_error_set(err, errno, "seal memfd");
	return 0;
}

static int copy_all(int from, int to, off_t size, berth_error_t **err)
{
	off_t done = 0;
	while (done < size) {
		ssize_t n = copy_file_range(from, NULL, to, NULL, (size_t)(size - done), 0);
		if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS))
			n = sendfile(to, from, NULL, (size_t)(size - done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return berth_error_set(err, n < 0 ? errno : EIO, "copy /proc/self/exe");
		done += n;
	}
	return 0;
}

static int make_sealed_copy(int exe, berth_error_t **err)
{
	struct stat st;
	if (fstat(exe, &st) < 0)
		return berth_error_set(err, errno, "stat /proc/self/exe");
	cleanup_close int mfd = memfd_create("berth-runtime", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return berth_error_set(err, errno, "memfd_create");
	if (copy_all(exe, mfd, st.st_size, err) < 0 || seal(mfd, err) < 0)
		return -1;
	return take_fd(&mfd);
}

int cloned_binary_ensure(char **argv, berth_error_t **err)
{
	if (guard_seen || !argv)
		return 0; /* already re-executed once (or not asked to): never loop */
	cleanup_close int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (exe < 0)
		return berth_error_set(err, errno, "open /proc/self/exe");
	if (is_sealed_memfd(exe))
		return 0;
	cleanup_close int mfd = make_sealed_copy(exe, err);
	if (mfd < 0)
		return berth_error_wrap(err, "clone the runtime binary");
	if (setenv(CLONED_ENV, "1", 1) < 0)
		return berth_error_set(err, errno, "setenv");
	fexecve(mfd, argv, environ);
	int saved = errno;
	unsetenv(CLONED_ENV);
	return berth_error_set(err, saved, "re-exec the cloned runtime binary");
}

static int dmz_open(void)
{
#ifdef BERTH_HAVE_DMZ
	cleanup_close int mfd = memfd_create("berth-dmz", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0 ||
	    write(mfd, berth_dmz_blob, berth_dmz_blob_len) != (ssize_t)berth_dmz_blob_len ||
	    seal(mfd, NULL) < 0)
		return -1;
	return take_fd(&mfd);
#else
	return -1;
#endif
}

int cloned_binary_prepare(char **argv, bool needs_full, int *ret_dmz, berth_error_t **err)
{
	int dmz = needs_full ? -1 : dmz_open();
	/* no dmz (other arch, memfd exec forbidden): the full clone instead */
	if (dmz < 0 && cloned_binary_ensure(argv, err) < 0)
		return -1;
	*ret_dmz = dmz;
	return 0;
}

void cloned_binary_exec(int dmz_fd, char mode, int report_fd, const char *path, char *const args[],
			char *const env[])
{
	if (dmz_fd < 0) {
		execve(path, args, env);
		return;
	}
	size_t n = 0;
	while (args[n])
		n++;
	char report[16];
	snprintf(report, sizeof(report), "%c%d", mode, report_fd);
	/* the dmz makes it close-on-exec again before its own execve */
	fcntl(report_fd, F_SETFD, 0);
	char **v = xcalloc(n + 4, sizeof(char *));
	v[0] = (char *)"berth-dmz";
	v[1] = report;
	v[2] = (char *)path;
	memcpy(v + 3, args, n * sizeof(char *));
	execveat(dmz_fd, "", v, env, AT_EMPTY_PATH);
	int saved = errno;
	free(v);
	errno = saved;
}

int cloned_binary_exec_error(berth_error_t **err, int errnum, const char *path)
{
	char text[128];
	snprintf(text, sizeof(text), "%s", strerror(errnum));
	text[0] = (char)tolower((unsigned char)text[0]);
	return berth_error_fail(err, errnum, "exec '%s': %s", path, text);
}
