/* idmap: detached idmapped bind mounts, made by the runtime before the
 * clone (as runc 1.2 and crun do).  The mapping is carried by a throwaway
 * user namespace: a helper child is cloned into it, its maps written, the
 * namespace opened by fd, and the child killed and reaped at once, so no
 * process outlives idmap_trees_open(). */
#include "runtime/idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "runtime/mount-options.h"
#include "runtime/userns.h"

#include "common/banned.h"

/* The kernel takes at most 340 lines per map file (user_namespaces(7)) */
#define IDMAP_MAX_LINES 340

static int check_maps(const char *field, const struct oci_id_mapping *m, size_t n,
		      berth_error_t **err)
{
	if (n > IDMAP_MAX_LINES)
		return berth_error_set(err, E2BIG, "%s: more than %d mappings", field,
				       IDMAP_MAX_LINES);
	for (size_t i = 0; i < n; i++) {
		if (m[i].size == 0)
			return berth_error_set(err, EINVAL, "%s[%zu]: size must not be 0", field,
					       i);
		if ((uint64_t)m[i].container_id + m[i].size > UINT32_MAX ||
		    (uint64_t)m[i].host_id + m[i].size > UINT32_MAX)
			return berth_error_set(err, EINVAL,
					       "%s[%zu]: the range overflows 32-bit ids", field, i);
	}
	return 0;
}

/* A user namespace with these maps, as an O_RDONLY fd */
static int userns_open_mapped(const struct oci_id_mapping *uid, size_t n_uid,
			      const struct oci_id_mapping *gid, size_t n_gid, berth_error_t **err)
{
	/* fork-like raw clone straight into a new user namespace: the maps
	 * can be written as soon as it returns.  The child only waits to be
	 * killed (no threads here, so the copy is consistent), and dies with
	 * us should we be killed first. */
	pid_t parent = getpid();
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid < 0)
		return berth_error_set(err, errno, "clone a user namespace for the mapping");
	if (pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
			_exit(1);
		for (;;)
			pause();
	}
	int r = userns_write_id_maps(pid, uid, n_uid, gid, n_gid, err);
	if (r >= 0) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
		r = open(path, O_RDONLY | O_CLOEXEC);
		if (r < 0)
			r = berth_error_set(err, errno, "open '%s'", path);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return r;
}

/* The user namespace fd for mount m: its own maps, else the container's
 * (config.md: the runtime MAY use the container's user namespace mapping) */
static int mount_userns(const struct oci_config *c, const struct oci_mount *m, berth_error_t **err)
{
	if (m->n_uid_mappings)
		return userns_open_mapped(m->uid_mappings, m->n_uid_mappings, m->gid_mappings,
					  m->n_gid_mappings, err);
	const struct oci_linux *l = &c->linux_;
	for (size_t i = 0; i < l->n_namespaces; i++) {
		if (l->namespaces[i].type != OCI_NS_USER)
			continue;
		if (l->namespaces[i].path == NULL)
			return userns_open_mapped(l->uid_mappings, l->n_uid_mappings,
						  l->gid_mappings, l->n_gid_mappings, err);
		int fd = open(l->namespaces[i].path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return berth_error_set(err, errno, "open user namespace '%s'",
					       l->namespaces[i].path);
		return fd;
	}
	return berth_error_set(err, EINVAL,
			       "'idmap' and 'ridmap' need uidMappings and gidMappings, or a user "
			       "namespace");
}

/* Clone the source tree detached and idmap it with userns_fd */
static int tree_open(const char *src, bool rec_clone, bool rec_idmap, int userns_fd,
		     berth_error_t **err)
{
	cleanup_close int fd =
		open_tree(AT_FDCWD, src,
			  OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rec_clone ? AT_RECURSIVE : 0));
	if (fd < 0)
		return berth_error_set(err, errno, "open_tree '%s'", src);
	struct mount_attr a = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns_fd };
	if (mount_setattr(fd, "", AT_EMPTY_PATH | (rec_idmap ? AT_RECURSIVE : 0), &a, sizeof(a)) <
	    0) {
		if (errno == EINVAL)
			return berth_error_set(err, errno,
					       "idmap '%s' (does its filesystem support idmapped "
					       "mounts?)",
					       src);
		return berth_error_set(err, errno, "idmap '%s'", src);
	}
	return take_fd(&fd);
}

/* *ret_fd: the detached mount for m, or -1 when m has no idmapping */
static int tree_for_mount(const struct oci_config *c, const struct oci_mount *m, const char *bundle,
			  int *ret_fd, berth_error_t **err)
{
	cleanup_mount_opts struct mount_opts o = { 0 };
	int r = mount_opts_parse(m, &o, err);
	if (r < 0)
		return r;
	bool has_maps = m->n_uid_mappings || m->n_gid_mappings;
	if (!(o.extra & MOUNT_OPT_IDMAP) && !has_maps) {
		*ret_fd = -1;
		return 0;
	}
	if (has_maps && (!m->n_uid_mappings || !m->n_gid_mappings))
		return berth_error_set(err, EINVAL,
				       "uidMappings and gidMappings must be given together");
	if ((r = check_maps("uidMappings", m->uid_mappings, m->n_uid_mappings, err)) < 0 ||
	    (r = check_maps("gidMappings", m->gid_mappings, m->n_gid_mappings, err)) < 0)
		return r;
	if (!(o.extra & MOUNT_OPT_BIND))
		return berth_error_set(err, EINVAL, "idmapped mounts must be bind mounts");
	if (m->source == NULL || m->source[0] == '\0')
		return berth_error_set(err, EINVAL, "bind mount has no source");
	cleanup_free char *src = m->source[0] == '/' || bundle == NULL ?
					 xstrdup(m->source) :
					 xasprintf("%s/%s", bundle, m->source);
	cleanup_close int userns = mount_userns(c, m, err);
	if (userns < 0)
		return userns;
	bool ridmap = (o.extra & MOUNT_OPT_RIDMAP) != 0;
	int fd = tree_open(src, ridmap || (o.flags & MS_REC), ridmap, userns, err);
	if (fd < 0)
		return fd;
	*ret_fd = fd;
	return 0;
}

int idmap_trees_open(const struct oci_config *c, const char *bundle, struct idmap_trees *ret,
		     berth_error_t **err)
{
	struct idmap_trees t = { 0 };
	for (size_t i = 0; i < c->n_mounts; i++) {
		const struct oci_mount *m = &c->mounts[i];
		int fd = -1;
		if (tree_for_mount(c, m, bundle, &fd, err) < 0) {
			idmap_trees_release(&t);
			return berth_error_wrap(err, "mounts[%zu] (on '%s')", i,
						m->destination ? m->destination : "");
		}
		if (fd < 0)
			continue;
		if (t.fds == NULL) {
			t.n = c->n_mounts;
			t.fds = xmalloc(t.n * sizeof(*t.fds));
			for (size_t k = 0; k < t.n; k++)
				t.fds[k] = -1;
		}
		t.fds[i] = fd;
	}
	*ret = t;
	return 0;
}

void idmap_trees_release(struct idmap_trees *t)
{
	for (size_t i = 0; t->fds && i < t->n; i++)
		if (t->fds[i] >= 0)
			close(t->fds[i]);
	free(t->fds);
	t->fds = NULL;
	t->n = 0;
}
