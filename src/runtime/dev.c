/* dev: device nodes and links in the container's /dev.  Invariant: each
 * node is created by name in a directory fd that root_mkdir_all() resolved
 * inside the rootfs, so an image whose /dev is a symlink to "/" or "/host"
 * still only ever gets nodes inside itself. */
#include "runtime/dev.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/rootfs-path.h"
#include "common/xalloc.h"
#include "runtime/mount.h"

#include "common/banned.h"

/* The devices config-linux.md says every container has */
static const struct oci_device default_devices[] = {
	{ .type = 'c', .path = "/dev/null", .major = 1, .minor = 3 },
	{ .type = 'c', .path = "/dev/zero", .major = 1, .minor = 5 },
	{ .type = 'c', .path = "/dev/full", .major = 1, .minor = 7 },
	{ .type = 'c', .path = "/dev/random", .major = 1, .minor = 8 },
	{ .type = 'c', .path = "/dev/urandom", .major = 1, .minor = 9 },
	{ .type = 'c', .path = "/dev/tty", .major = 5, .minor = 0 },
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

bool dev_needs_setup(const struct oci_config *c)
{
	for (size_t i = 0; i < c->n_mounts; i++) {
		const struct oci_mount *m = &c->mounts[i];
		if (m->destination == NULL)
			continue;
		bool bind = m->type && strcmp(m->type, "bind") == 0;
		for (size_t j = 0; !bind && j < m->n_options; j++)
			bind = strcmp(m->options[j], "bind") == 0 ||
			       strcmp(m->options[j], "rbind") == 0;
		if (bind && mount_path_equal(m->destination, "/dev"))
			return false;
	}
	return true;
}

/* The parent directory fd (created, in the rootfs) and last name of path.
 * Nearly every node is directly in /dev, whose fd devfd the caller holds;
 * any other parent is opened from the root into *ret_owned. */
static int open_parent(int rootfd, int devfd, const char *path, const char **ret_base,
		       int *ret_owned, berth_error_t **err)
{
	const char *slash = strrchr(path, '/');
	if (path[0] != '/' || slash == NULL || slash[1] == '\0' || strcmp(slash + 1, ".") == 0 ||
	    strcmp(slash + 1, "..") == 0)
		return berth_error_set(err, EINVAL, "device path '%s' is not an absolute file name",
				       path);
	*ret_base = slash + 1;
	if (slash - path == 4 && strncmp(path, "/dev", 4) == 0)
		return devfd;
	cleanup_free char *parent = slash == path ? xstrdup("/") :
						    xstrndup(path, (size_t)(slash - path));
	*ret_owned = root_mkdir_all(rootfd, parent, 0755, 0, err);
	return *ret_owned;
}

/* In a user namespace mknod is EPERM: bind the host's node (the same path
 * on the host, as runc does) onto an empty regular file instead. */
static int bind_device(int pfd, const char *base, const struct oci_device *d, berth_error_t **err)
{
	cleanup_close int fd = openat(pfd, base, O_CREAT | O_NOFOLLOW | O_RDONLY | O_CLOEXEC, 0644);
	if (fd < 0 && (errno == EEXIST || errno == ELOOP || errno == ENXIO || errno == EISDIR)) {
		/* something else is there (a symlink, a node): replace it */
		if (unlinkat(pfd, base, 0) < 0 && errno != ENOENT)
			return berth_error_set(err, errno, "remove '%s'", d->path);
		fd = openat(pfd, base, O_CREAT | O_EXCL | O_NOFOLLOW | O_RDONLY | O_CLOEXEC, 0644);
	}
	if (fd < 0)
		return berth_error_set(err, errno, "create '%s'", d->path);
	return mount_bind_fd(d->path, fd, d->path, false, err);
}

static int create_device(int rootfd, int devfd, const struct oci_device *d, bool in_userns,
			 berth_error_t **err)
{
	const char *base = NULL;
	cleanup_close int owned = -1;
	int pfd = open_parent(rootfd, devfd, d->path, &base, &owned, err);
	if (pfd < 0)
		return pfd;
	if (in_userns)
		return bind_device(pfd, base, d, err);

	mode_t type;
	switch (d->type) {
	case 'c':
	case 'u':
		type = S_IFCHR;
		break;
	case 'b':
		type = S_IFBLK;
		break;
	case 'p':
		type = S_IFIFO;
		break;
	default:
		return berth_error_set(err, EINVAL, "device '%s': unknown type '%c'", d->path,
				       d->type);
	}
	if (type != S_IFIFO &&
	    (d->major < 0 || d->major > 0xfff || d->minor < 0 || d->minor > 0xfffff))
		return berth_error_set(err, EINVAL, "device '%s': bad number %lld:%lld", d->path,
				       (long long)d->major, (long long)d->minor);
	mode_t mode = type | ((d->has_file_mode ? d->file_mode : 0666) & 07777);
	dev_t dev = type == S_IFIFO ? 0 : makedev((unsigned)d->major, (unsigned)d->minor);

	/* Whatever the image has at this name (a regular file posing as
	 * /dev/null, a symlink) is replaced, never written through. */
	int r = mknodat(pfd, base, mode, dev);
	if (r < 0 && errno == EEXIST) {
		if (unlinkat(pfd, base, 0) < 0)
			return berth_error_set(err, errno, "remove '%s'", d->path);
		r = mknodat(pfd, base, mode, dev);
	}
	if (r < 0 && errno == EPERM)
		return bind_device(pfd, base, d, err);
	if (r < 0)
		return berth_error_set(err, errno, "mknod '%s'", d->path);
	if (fchownat(pfd, base, d->has_uid ? d->uid : 0, d->has_gid ? d->gid : 0,
		     AT_SYMLINK_NOFOLLOW) < 0)
		return berth_error_set(err, errno, "chown '%s'", d->path);
	return 0;
}

static bool overridden(const struct oci_config *c, const char *path)
{
	for (size_t i = 0; i < c->linux_.n_devices; i++) {
		if (c->linux_.devices[i].path && mount_path_equal(c->linux_.devices[i].path, path))
			return true;
	}
	return false;
}

int dev_create_all(int rootfd, int devfd, const struct oci_config *c, bool in_userns,
		   berth_error_t **err)
{
	/* umask 0 so that fileMode is exactly what the node gets */
	mode_t old = umask(0);
	int r = 0;
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(default_devices); i++)
		if (!overridden(c, default_devices[i].path))
			r = create_device(rootfd, devfd, &default_devices[i], in_userns, err);
	for (size_t i = 0; r >= 0 && i < c->linux_.n_devices; i++) {
		if (c->linux_.devices[i].path == NULL) {
			r = berth_error_set(err, EINVAL, "linux.devices[%zu] has no path", i);
			break;
		}
		r = create_device(rootfd, devfd, &c->linux_.devices[i], in_userns, err);
	}
	umask(old);
	return r < 0 ? berth_error_wrap(err, "create devices") : 0;
}

int dev_create_symlinks(int devfd, berth_error_t **err)
{
	static const struct {
		const char *target, *name;
	} links[] = {
		{ "/proc/self/fd", "fd" },       { "/proc/self/fd/0", "stdin" },
		{ "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
		{ "/proc/kcore", "core" },
	};
	/* kcore can be compiled out; link it only when the host has it */
	bool kcore = access("/proc/kcore", F_OK) == 0;
	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		if (strcmp(links[i].name, "core") == 0 && !kcore)
			continue;
		if (symlinkat(links[i].target, devfd, links[i].name) < 0 && errno != EEXIST)
			return berth_error_set(err, errno, "symlink '/dev/%s'", links[i].name);
	}
	/* /dev/ptmx must be the devpts instance's ptmx (newinstance), not a
	 * host-wide one from the image: always a link into pts/ */
	if (unlinkat(devfd, "ptmx", 0) < 0 && errno != ENOENT)
		return berth_error_set(err, errno, "remove '/dev/ptmx'");
	if (symlinkat("pts/ptmx", devfd, "ptmx") < 0)
		return berth_error_set(err, errno, "symlink '/dev/ptmx'");
	return 0;
}

int dev_setup_console(int devfd, const char *console_path, berth_error_t **err)
{
	if (console_path == NULL)
		return 0;
	mode_t old = umask(0);
	/* replace whatever the image put there with an empty mount target */
	if (unlinkat(devfd, "console", 0) < 0 && errno != ENOENT) {
		umask(old);
		return berth_error_set(err, errno, "remove '/dev/console'");
	}
	cleanup_close int fd = openat(devfd, "console",
				      O_CREAT | O_EXCL | O_NOFOLLOW | O_RDONLY | O_CLOEXEC, 0600);
	int e = errno;
	umask(old);
	if (fd < 0)
		return berth_error_set(err, e, "create '/dev/console'");
	return mount_bind_fd(console_path, fd, "/dev/console", false, err);
}
