/* state: read and write <root>/<id>/state.json and derive the status.
 * Invariant: state.json is only ever replaced whole (atomic_write_at), and
 * a pid is trusted only together with its start time, so a recycled pid
 * never makes a stopped container look alive or receive our signals. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/atomicfile.h"
#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/parse.h"
#include "common/xalloc.h"
#include "oci/state.h"
#include "runtime/cgroup.h"
#include "runtime/state.h"

#define STATE_MAX_SIZE (1u << 20)

const char *container_status_name(enum container_status s)
{
	static const char *const names[] = { "creating", "created", "running", "paused",
					     "stopped" };
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "unknown";
}

int state_check_id(const char *id, berth_error_t **err)
{
	if (id == NULL || *id == '\0')
		return berth_error_fail(err, EINVAL, "container id cannot be empty");
	if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0 || strlen(id) > 1024)
		return berth_error_fail(err, EINVAL, "invalid container id '%s'", id);
	for (const char *p = id; *p; p++) {
		if (!isalnum((unsigned char)*p) && !strchr("_+-.", *p))
			return berth_error_fail(err, EINVAL, "invalid container id '%s'", id);
	}
	return 0;
}

char *state_dir_path(const char *root, const char *id)
{
	return xasprintf("%s/%s", root, id);
}

/* mkdir -p, as runc's MkdirAll: dockerd hands its shim a --root two levels
 * below a directory that may not exist yet (<exec-root>/runtime-runc/moby) */
int state_ensure_root(const char *root, berth_error_t **err)
{
	if (mkdir(root, 0700) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return berth_error_set(err, errno, "create state root '%s'", root);
	cleanup_free char *path = xstrdup(root);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0711) < 0 && errno != EEXIST)
			return berth_error_set(err, errno, "create state root '%s': mkdir '%s'",
					       root, path);
		*p = '/';
	}
	if (mkdir(root, 0700) < 0 && errno != EEXIST)
		return berth_error_set(err, errno, "create state root '%s'", root);
	return 0;
}

static json_t *state_to_disk_json(const struct container_state *st)
{
	json_t *j = json_object();
	json_object_set_new(j, "id", json_string(st->id));
	json_object_set_new(j, "bundle", json_string(st->bundle));
	json_object_set_new(j, "rootfs", json_string(st->rootfs));
	json_object_set_new(j, "created", json_string(st->created));
	json_object_set_new(j, "owner", json_string(st->owner ? st->owner : ""));
	json_object_set_new(j, "pid", json_integer(st->pid));
	json_object_set_new(j, "start_time", json_integer((json_int_t)st->start_time));
	json_object_set_new(j, "cgroup_mode", json_integer(st->cgroup_mode));
	json_object_set_new(j, "cgroup_path", json_string(st->cgroup_path ? st->cgroup_path : ""));
	json_object_set_new(j, "annotations",
			    st->annotations ? json_incref(st->annotations) : json_object());
	return j;
}

int state_write(int dirfd, const struct container_state *st, berth_error_t **err)
{
	cleanup_json json_t *j = state_to_disk_json(st);
	cleanup_free char *text = bjson_dump(j);
	if (atomic_write_at(dirfd, STATE_FILE, text, strlen(text), 0600, err) < 0)
		return berth_error_wrap(err, "write container state");
	return 0;
}

static int state_from_json(const json_t *j, struct container_state *st, berth_error_t **err)
{
	const char *id = NULL, *bundle = "", *rootfs = "", *created = "", *owner = "", *cg = "";
	int64_t pid = 0, start = 0, mode = 0;
	json_t *ann = NULL;
	if (bjson_get_string(j, STATE_FILE, "id", BJSON_REQUIRED, &id, err) < 0 ||
	    bjson_get_string(j, STATE_FILE, "bundle", 0, &bundle, err) < 0 ||
	    bjson_get_string(j, STATE_FILE, "rootfs", 0, &rootfs, err) < 0 ||
	    bjson_get_string(j, STATE_FILE, "created", 0, &created, err) < 0 ||
	    bjson_get_string(j, STATE_FILE, "owner", 0, &owner, err) < 0 ||
	    bjson_get_string(j, STATE_FILE, "cgroup_path", 0, &cg, err) < 0 ||
	    bjson_get_int64(j, STATE_FILE, "pid", 0, &pid, err) < 0 ||
	    bjson_get_int64(j, STATE_FILE, "start_time", 0, &start, err) < 0 ||
	    bjson_get_int64(j, STATE_FILE, "cgroup_mode", 0, &mode, err) < 0 ||
	    bjson_get_object(j, STATE_FILE, "annotations", 0, &ann, err) < 0)
		return -1;
	/* a hand-edited or corrupt state.json must not make us signal or
	 * wait on a truncated pid, nor open a cgroup of an unknown kind */
	if (pid < 0 || pid > INT32_MAX || start < 0 || mode < CGROUP_MODE_NONE ||
	    mode > CGROUP_MODE_V2)
		return berth_error_fail(err, EINVAL,
					"%s: pid, start_time or cgroup_mode out of range",
					STATE_FILE);
	st->id = xstrdup(id);
	st->bundle = xstrdup(bundle);
	st->rootfs = xstrdup(rootfs);
	st->created = xstrdup(created);
	st->owner = xstrdup(owner);
	st->cgroup_path = *cg ? xstrdup(cg) : NULL;
	st->pid = (pid_t)pid;
	st->start_time = (uint64_t)start;
	st->cgroup_mode = (int)mode;
	st->annotations = ann ? json_incref(ann) : json_object();
	return 0;
}

int state_load(const char *root, const char *id, int *ret_dirfd, struct container_state **ret,
	       berth_error_t **err)
{
	if (state_check_id(id, err) < 0)
		return -1;
	cleanup_free char *dir = state_dir_path(root, id);
	cleanup_close int dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0 && errno == ENOENT)
		return berth_error_fail(err, ENOENT, "container \"%s\" does not exist", id);
	if (dirfd < 0)
		return berth_error_set(err, errno, "open state directory '%s'", dir);
	cleanup_free char *path = xasprintf("%s/%s", dir, STATE_FILE);
	cleanup_json json_t *j = NULL;
	cleanup_error berth_error_t *e = NULL;
	if (bjson_load_file(path, STATE_MAX_SIZE, 0, &j, &e) < 0) {
		/* no state.json yet: a create still running, or one that died */
		if (e->errnum == ENOENT)
			return berth_error_fail(err, ENOENT, "container \"%s\" does not exist", id);
		if (err) {
			berth_error_release(err);
			*err = steal_pointer(&e);
		}
		return berth_error_wrap(err, "load state of container '%s'", id);
	}
	struct container_state *st = xzalloc(sizeof(*st));
	if (state_from_json(j, st, err) < 0) {
		container_state_free(st);
		return berth_error_wrap(err, "load state of container '%s'", id);
	}
	if (ret_dirfd)
		*ret_dirfd = take_fd(&dirfd);
	*ret = st;
	return 0;
}

void container_state_free(struct container_state *st)
{
	if (!st)
		return;
	free(st->id);
	free(st->bundle);
	free(st->rootfs);
	free(st->created);
	free(st->owner);
	free(st->cgroup_path);
	json_decref(st->annotations);
	free(st);
}

int state_write_pid_file(const char *path, pid_t pid, berth_error_t **err)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
	if (atomic_write_file(path, buf, (size_t)n, 0644, err) < 0)
		return berth_error_wrap(err, "write pid file");
	return 0;
}

int proc_stat_start(pid_t pid, uint64_t *ret_start, char *ret_state, berth_error_t **err)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_set(err, errno == ENOENT ? ESRCH : errno, "open '%s'", path);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return berth_error_set(err, n < 0 ? errno : ESRCH, "read '%s'", path);
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: fields start after the last ')' */
	char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return berth_error_fail(err, EPROTO, "parse '%s'", path);
	char state = p[2];
	/* p+2 is field 3; field 22 is 19 fields further */
	char *f = p + 2;
	for (int i = 3; i < 22 && f; i++) {
		f = strchr(f, ' ');
		if (f)
			f++;
	}
	if (!f)
		return berth_error_fail(err, EPROTO, "parse '%s'", path);
	char *end;
	errno = 0;
	unsigned long long start = strtoull(f, &end, 10);
	if (errno || end == f)
		return berth_error_fail(err, EPROTO, "parse '%s'", path);
	if (ret_start)
		*ret_start = start;
	if (ret_state)
		*ret_state = state;
	return 0;
}

bool state_pid_alive(pid_t pid, uint64_t start_time)
{
	uint64_t start;
	char st;
	if (pid <= 0 || proc_stat_start(pid, &start, &st, NULL) < 0)
		return false;
	return start == start_time && st != 'Z' && st != 'X';
}

int state_open_pidfd(const struct container_state *st, berth_error_t **err)
{
	if (st->pid <= 0)
		return berth_error_fail(err, ESRCH, "container not running");
	cleanup_close int fd = (int)syscall(SYS_pidfd_open, st->pid, 0);
	if (fd < 0 && errno == ESRCH)
		return berth_error_fail(err, ESRCH, "container not running");
	if (fd < 0)
		return berth_error_set(err, errno, "pidfd_open %d", (int)st->pid);
	/* checked after opening: the pidfd now pins this very process */
	if (!state_pid_alive(st->pid, st->start_time))
		return berth_error_fail(err, ESRCH, "container not running");
	return take_fd(&fd);
}

static bool state_is_frozen(const struct container_state *st)
{
	cleanup_cgroup struct cgroup *cg = NULL;
	bool frozen = false;
	if (!st->cgroup_path || cgroup_open(st->cgroup_mode, st->cgroup_path, &cg, NULL) < 0)
		return false;
	if (cgroup_is_frozen(cg, &frozen, NULL) < 0)
		return false;
	return frozen;
}

enum container_status state_status(int dirfd, const struct container_state *st)
{
	if (!state_pid_alive(st->pid, st->start_time))
		return CONTAINER_STOPPED;
	if (faccessat(dirfd, STATE_FIFO, F_OK, 0) == 0)
		return CONTAINER_CREATED;
	if (state_is_frozen(st))
		return CONTAINER_PAUSED;
	return CONTAINER_RUNNING;
}

/* The shared oci_state view of st; strings are borrowed, the annotation
 * array is allocated (free it) */
static struct oci_state state_view(const struct container_state *st, enum container_status status)
{
	struct oci_state v = {
		.oci_version = (char *)OCI_SPEC_VERSION,
		.id = st->id,
		.status = (enum oci_status)status,
		.bundle = st->bundle,
		.rootfs = st->rootfs,
		.created = st->created,
		.owner = st->owner,
		.pid = status == CONTAINER_STOPPED ? 0 : st->pid,
	};
	size_t n = st->annotations ? json_object_size(st->annotations) : 0;
	const char *k;
	json_t *val;
	v.annotations = n ? xcalloc(n, sizeof(*v.annotations)) : NULL;
	if (n) {
		json_object_foreach(st->annotations, k, val)
		{
			if (json_is_string(val))
				v.annotations[v.n_annotations++] =
					(struct oci_kv){ (char *)k,
							 (char *)json_string_value(val) };
		}
	}
	return v;
}

json_t *state_to_json(const struct container_state *st, enum container_status status)
{
	struct oci_state v = state_view(st, status);
	json_t *j = oci_state_to_json(&v);
	free(v.annotations);
	return j;
}

char *state_hook_json(const struct container_state *st, enum container_status status)
{
	cleanup_json json_t *j = state_to_json(st, status);
	/* hooks see the init's pid even in poststop, when it is known */
	if (status == CONTAINER_STOPPED && st->pid > 0)
		json_object_set_new(j, "pid", json_integer(st->pid));
	return bjson_dump(j);
}

int state_remove_dir(const char *root, const char *id, berth_error_t **err)
{
	cleanup_free char *dir = state_dir_path(root, id);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 && errno == ENOENT)
		return 0;
	if (dfd < 0)
		return berth_error_set(err, errno, "open '%s'", dir);
	/* the DIR owns dfd from here: dirfd(d) below */
	cleanup_dir DIR *d = fdopendir(dfd);
	if (!d) {
		int e = errno;
		close(dfd);
		return berth_error_set(err, e, "read '%s'", dir);
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) < 0 && errno != ENOENT)
			return berth_error_set(err, errno, "remove '%s/%s'", dir, e->d_name);
	}
	if (rmdir(dir) < 0 && errno != ENOENT)
		return berth_error_set(err, errno, "remove '%s'", dir);
	return 0;
}
