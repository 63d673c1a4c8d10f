/* ns: turn linux.namespaces into clone flags and setns joins.  Paths are
 * opened in the runtime process before anything is cloned, so a bad path
 * fails early with its name, and the fds (O_CLOEXEC) are inherited by the
 * process that joins them. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "runtime/ns.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* runc's order: the user namespace must come first so that the others are
 * joined with the capabilities it grants; mnt late because it changes the
 * root under our feet. */
static const enum oci_ns_type join_order[] = {
	OCI_NS_USER, OCI_NS_IPC,   OCI_NS_UTS,    OCI_NS_NETWORK,
	OCI_NS_PID,  OCI_NS_MOUNT, OCI_NS_CGROUP, OCI_NS_TIME,
};

static const char *const proc_ns_name[OCI_NS_COUNT] = {
	[OCI_NS_PID] = "pid",       [OCI_NS_NETWORK] = "net", [OCI_NS_MOUNT] = "mnt",
	[OCI_NS_IPC] = "ipc",       [OCI_NS_UTS] = "uts",     [OCI_NS_USER] = "user",
	[OCI_NS_CGROUP] = "cgroup", [OCI_NS_TIME] = "time",
};

int ns_flag(enum oci_ns_type t)
{
	switch (t) {
	case OCI_NS_PID:
		return CLONE_NEWPID;
	case OCI_NS_NETWORK:
		return CLONE_NEWNET;
	case OCI_NS_MOUNT:
		return CLONE_NEWNS;
	case OCI_NS_IPC:
		return CLONE_NEWIPC;
	case OCI_NS_UTS:
		return CLONE_NEWUTS;
	case OCI_NS_USER:
		return CLONE_NEWUSER;
	case OCI_NS_CGROUP:
		return CLONE_NEWCGROUP;
	case OCI_NS_TIME:
		return CLONE_NEWTIME;
	default:
		return 0;
	}
}

static void plan_mark_new(struct ns_plan *p, enum oci_ns_type t)
{
	switch (t) {
	case OCI_NS_USER:
		p->new_user = true;
		break;
	case OCI_NS_PID:
		p->new_pid = true;
		break;
	case OCI_NS_UTS:
		p->new_uts = true;
		break;
	case OCI_NS_MOUNT:
		p->new_mount = true;
		break;
	case OCI_NS_CGROUP:
		p->new_cgroup = true;
		return; /* unshared after cgroup entry */
	case OCI_NS_TIME:
		p->new_time = true;
		break;
	default:
		break;
	}
	p->clone_flags |= ns_flag(t);
}

static int plan_add_join(struct ns_plan *p, enum oci_ns_type t, const char *path,
			 berth_error_t **err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_set(err, errno, "open %s namespace '%s'", oci_ns_type_name(t),
				       path);
	p->joins[p->n_joins++] = (struct ns_join){ .type = t, .fd = fd };
	return 0;
}

static const struct oci_namespace *find_ns(const struct oci_config *c, enum oci_ns_type t)
{
	for (size_t i = 0; i < c->linux_.n_namespaces; i++)
		if (c->linux_.namespaces[i].type == t)
			return &c->linux_.namespaces[i];
	return NULL;
}

int ns_plan_build(const struct oci_config *c, struct ns_plan *ret, berth_error_t **err)
{
	struct ns_plan p = { 0 };
	for (size_t i = 0; i < sizeof(join_order) / sizeof(join_order[0]); i++) {
		const struct oci_namespace *ns = find_ns(c, join_order[i]);
		if (!ns)
			continue;
		if (ns->type == OCI_NS_UTS)
			p.has_uts = true;
		if (!ns->path || !*ns->path) {
			plan_mark_new(&p, ns->type);
			continue;
		}
		if (plan_add_join(&p, ns->type, ns->path, err) < 0) {
			ns_plan_release(&p);
			return -1;
		}
	}
	p.offsets = c->linux_.time_offsets;
	p.n_offsets = c->linux_.n_time_offsets;
	*ret = p;
	return 0;
}

static bool same_ns(const char *name, int fd)
{
	char path[64];
	struct stat a, b;
	snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
	if (stat(path, &a) < 0 || fstat(fd, &b) < 0)
		return false;
	return a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

int ns_plan_for_pid(pid_t pid, struct ns_plan *ret, berth_error_t **err)
{
	struct ns_plan p = { 0 };
	for (size_t i = 0; i < sizeof(join_order) / sizeof(join_order[0]); i++) {
		enum oci_ns_type t = join_order[i];
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, proc_ns_name[t]);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && t == OCI_NS_TIME)
			continue; /* kernels without time namespaces */
		if (fd < 0) {
			ns_plan_release(&p);
			return berth_error_set(err, errno, "open '%s'", path);
		}
		if (same_ns(proc_ns_name[t], fd)) {
			close(fd);
			continue;
		}
		p.joins[p.n_joins++] = (struct ns_join){ .type = t, .fd = fd };
	}
	*ret = p;
	return 0;
}

void ns_plan_release(struct ns_plan *p)
{
	for (size_t i = 0; i < p->n_joins; i++)
		if (p->joins[i].fd >= 0)
			close(p->joins[i].fd);
	p->n_joins = 0;
}

bool ns_plan_needs_intermediate(const struct ns_plan *p)
{
	return p->n_joins > 0 || p->new_time;
}

int ns_join_all(const struct ns_plan *p, berth_error_t **err)
{
	for (size_t i = 0; i < p->n_joins; i++) {
		if (setns(p->joins[i].fd, ns_flag(p->joins[i].type)) < 0)
			return berth_error_set(err, errno, "join %s namespace",
					       oci_ns_type_name(p->joins[i].type));
	}
	return 0;
}

int ns_write_time_offsets(const struct ns_plan *p, berth_error_t **err)
{
	struct strbuf sb = STRBUF_INIT;
	if (p->n_offsets == 0)
		return 0;
	for (size_t i = 0; i < p->n_offsets; i++)
		strbuf_addf(&sb, "%s %lld %u\n", p->offsets[i].clock, (long long)p->offsets[i].secs,
			    p->offsets[i].nanosecs);
	cleanup_close int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
	int r = 0;
	if (fd < 0 || write(fd, sb.buf, sb.len) != (ssize_t)sb.len)
		r = berth_error_set(err, errno, "write time namespace offsets");
	strbuf_release(&sb);
	return r;
}
