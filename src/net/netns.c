/* netns: persistent network namespaces as nsfs bind mounts.  Only the
 * calling thread ever changes namespace (setns/unshare affect one thread)
 * and it always comes back before returning: failing to come back aborts,
 * because the thread would otherwise serve berthd from inside a
 * container.  Every failure undoes what the call had done so far. */
#include "net/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"

#define SELF_NETNS "/proc/thread-self/ns/net"

static int self_netns_open(int *ret, berth_error_t **err)
{
	int fd = open(SELF_NETNS, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_set(err, errno, "open '%s'", SELF_NETNS);
	*ret = fd;
	return 0;
}

/* Back into the namespace self; there is no way to go on without it */
static void netns_return(int self)
{
	if (setns(self, CLONE_NEWNET) < 0)
		abort();
}

static int mkdir_p(const char *dir, mode_t mode, berth_error_t **err)
{
	if (mkdir(dir, mode) < 0 && errno != EEXIST) {
		if (errno != ENOENT)
			return berth_error_set(err, errno, "create directory '%s'", dir);
		cleanup_free char *p = xstrdup(dir);
		for (char *c = p + 1; *c; c++) {
			if (*c != '/')
				continue;
			*c = '\0';
			if (mkdir(p, mode) < 0 && errno != EEXIST)
				return berth_error_set(err, errno, "create directory '%s'", p);
			*c = '/';
		}
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return berth_error_set(err, errno, "create directory '%s'", p);
	}
	struct stat st;
	if (stat(dir, &st) < 0)
		return berth_error_set(err, errno, "stat '%s'", dir);
	if (!S_ISDIR(st.st_mode))
		return berth_error_fail(err, ENOTDIR, "'%s' is not a directory", dir);
	return 0;
}

/* Whether path is a mount point: 1, 0, or -errno.  statx says so directly
 * (Linux 5.8); older kernels compare mount ids of path and its parent
 * through /proc/self/mountinfo, which a bind mount of a directory on
 * itself (same st_dev) needs. */
static int is_mount_point(const char *path)
{
	struct statx stx;
	if (statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, &stx) < 0)
		return -errno;
	if (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
		return (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;

	cleanup_free char *real = realpath(path, NULL);
	if (real == NULL)
		return -errno;
	cleanup_fclose FILE *f = fopen("/proc/self/mountinfo", "re");
	if (f == NULL)
		return -errno;
	cleanup_free char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		/* id parent major:minor root mountpoint ... (octal escapes
		 * in mountpoint; our own directory has none) */
		char *save = NULL, *tok = strtok_r(line, " ", &save);
		for (int i = 0; tok && i < 4; i++)
			tok = strtok_r(NULL, " ", &save);
		if (tok && strcmp(tok, real) == 0)
			return 1;
	}
	return 0;
}

int netns_dir_prepare(const char *dir, berth_error_t **err)
{
	int r = mkdir_p(dir, 0755, err);
	if (r < 0)
		return r;
	r = is_mount_point(dir);
	if (r < 0)
		return berth_error_set(err, -r, "check whether '%s' is a mount point", dir);
	bool mounted = false;
	if (r == 0) {
		if (mount(dir, dir, NULL, MS_BIND, NULL) < 0)
			return berth_error_set(err, errno, "bind mount '%s' on itself", dir);
		mounted = true;
	}
	/* Private, so that the namespace mounts below never propagate into
	 * (and get pinned by) other mount namespaces; repeating it on a
	 * prepared directory changes nothing */
	if (mount(NULL, dir, NULL, MS_PRIVATE, NULL) < 0) {
		int e = errno;
		if (mounted)
			umount2(dir, MNT_DETACH);
		return berth_error_set(err, e, "make '%s' a private mount", dir);
	}
	return 0;
}

static bool is_nsfs(const char *path)
{
	struct statfs sfs;
	return statfs(path, &sfs) == 0 && sfs.f_type == NSFS_MAGIC;
}

int netns_dir_release(const char *dir, berth_error_t **err)
{
	cleanup_dir DIR *d = opendir(dir);
	if (d == NULL) {
		if (errno == ENOENT)
			return 0;
		return berth_error_set(err, errno, "open directory '%s'", dir);
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		cleanup_free char *p = xasprintf("%s/%s", dir, de->d_name);
		if (is_nsfs(p))
			return berth_error_fail(err, EBUSY,
						"release '%s': it still holds namespace '%s'", dir,
						de->d_name);
	}
	if (umount2(dir, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL)
		return berth_error_set(err, errno, "unmount '%s'", dir);
	return 0;
}

/* lo of the calling thread's network namespace up */
static int lo_up(berth_error_t **err)
{
	cleanup_close int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return berth_error_set(err, errno, "socket");
	struct ifreq ifr = { 0 };
	memcpy(ifr.ifr_name, "lo", 3);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return berth_error_set(err, errno, "get flags of 'lo'");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return berth_error_set(err, errno, "set 'lo' up");
	return 0;
}

int netns_create(const char *path, berth_error_t **err)
{
	cleanup_close int self = -1;
	int r = self_netns_open(&self, err);
	if (r < 0)
		return berth_error_wrap(err, "create network namespace '%s'", path);
	int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
	if (fd < 0)
		return berth_error_set(err, errno, "create network namespace '%s'", path);
	close(fd);

	if (unshare(CLONE_NEWNET) < 0) {
		r = berth_error_set(err, errno, "create network namespace '%s': unshare", path);
		unlink(path);
		return r;
	}
	bool mounted = false;
	if (mount(SELF_NETNS, path, NULL, MS_BIND, NULL) < 0)
		r = berth_error_set(err, errno, "create network namespace '%s': bind mount", path);
	else {
		mounted = true;
		r = lo_up(err);
		if (r < 0)
			berth_error_wrap(err, "create network namespace '%s'", path);
	}
	/* The new namespace lives on in its mount (or dies with this thread
	 * leaving it when the mount failed) */
	netns_return(self);
	if (r < 0) {
		if (mounted)
			umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW);
		unlink(path);
		return r;
	}
	return 0;
}

int netns_remove(const char *path, berth_error_t **err)
{
	if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno != EINVAL) /* EINVAL: not a mount point */
			return berth_error_set(err, errno, "unmount network namespace '%s'", path);
	}
	if (unlink(path) < 0 && errno != ENOENT)
		return berth_error_set(err, errno, "remove '%s'", path);
	return 0;
}

int netns_open(const char *path, int *ret_fd, berth_error_t **err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_set(err, errno, "open network namespace '%s'", path);
	/* A leftover file whose mount is gone would only fail at setns */
	int type = ioctl(fd, NS_GET_NSTYPE);
	if (type < 0 && errno == ENOTTY)
		return berth_error_fail(err, EINVAL, "'%s' is not a namespace", path);
	if (type >= 0 && type != CLONE_NEWNET)
		return berth_error_fail(err, EINVAL, "'%s' is not a network namespace", path);
	*ret_fd = take_fd(&fd);
	return 0;
}

int netns_run(int netns_fd, int (*fn)(void *arg, berth_error_t **err), void *arg,
	      berth_error_t **err)
{
	if (netns_fd < 0)
		return fn(arg, err);
	cleanup_close int self = -1;
	int r = self_netns_open(&self, err);
	if (r < 0)
		return r;
	if (setns(netns_fd, CLONE_NEWNET) < 0)
		return berth_error_set(err, errno, "enter network namespace");
	r = fn(arg, err);
	netns_return(self);
	return r;
}

struct socket_args {
	int domain, type, proto;
	int fd;
};

static int socket_in(void *arg, berth_error_t **err)
{
	struct socket_args *a = arg;
	a->fd = socket(a->domain, a->type | SOCK_CLOEXEC, a->proto);
	if (a->fd < 0)
		return berth_error_set(err, errno, "socket");
	return 0;
}

int netns_socket(int netns_fd, int domain, int type, int proto, int *ret_fd, berth_error_t **err)
{
	struct socket_args a = { .domain = domain, .type = type, .proto = proto, .fd = -1 };
	int r = netns_run(netns_fd, socket_in, &a, err);
	if (r < 0)
		return r;
	*ret_fd = a.fd;
	return 0;
}

/* /proc/sys/<key>: dots are separators, slashes stand for dots in a
 * component (an interface "eth0.100" is "eth0/100"), as sysctl(8) reads
 * keys; NULL for a key that would leave /proc/sys */
static char *sysctl_path(const char *key)
{
	if (key[0] == '\0' || key[0] == '.' || key[strlen(key) - 1] == '.')
		return NULL;
	char *p = xasprintf("/proc/sys/%s", key);
	char *c = p + strlen("/proc/sys/");
	const char *comp = c;
	for (;; c++) {
		if (*c == '.' || *c == '\0') {
			size_t n = (size_t)(c - comp);
			/* empty, "." or "..": after the swap, a component
			 * made of slashes only */
			bool bad = n == 0 || strspn(comp, ".") >= n;
			if (bad) {
				free(p);
				return NULL;
			}
			if (*c == '\0')
				break;
			*c = '/';
			comp = c + 1;
		} else if (*c == '/') {
			*c = '.';
		}
	}
	return p;
}

struct sysctl_args {
	const char *path;
	int fd;
};

static int sysctl_open(void *arg, berth_error_t **err)
{
	struct sysctl_args *a = arg;
	a->fd = open(a->path, O_WRONLY | O_CLOEXEC);
	if (a->fd < 0)
		return berth_error_set(err, errno, "open '%s'", a->path);
	return 0;
}

int netns_sysctl(int netns_fd, const char *key, const char *value, berth_error_t **err)
{
	cleanup_free char *path = sysctl_path(key);
	if (path == NULL)
		return berth_error_fail(err, EINVAL, "bad sysctl key '%s'", key);
	/* /proc/sys/net is the namespace of the thread that opens it; the
	 * open file stays bound to it, so the write can happen back home */
	struct sysctl_args a = { .path = path, .fd = -1 };
	int r = netns_run(netns_fd, sysctl_open, &a, err);
	if (r < 0)
		return berth_error_wrap(err, "set sysctl '%s'", key);
	cleanup_close int fd = a.fd;
	size_t len = strlen(value);
	ssize_t n;
	do
		n = write(fd, value, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return berth_error_set(err, errno, "set sysctl '%s' to '%s'", key, value);
	if ((size_t)n != len)
		return berth_error_fail(err, EIO, "set sysctl '%s' to '%s': short write", key,
					value);
	return 0;
}
