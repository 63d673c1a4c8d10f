/* cgroup-util: file and tree helpers for every cgroup back-end, mountinfo
 * parsing and the path rules.  Invariant: every error about a cgroup file
 * names the full path of that file (and the value, for writes), because
 * "Invalid argument" alone never tells a user which limit the host refused. */
#include "runtime/cgroup-internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/banned.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/parse.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

/* ---- mountinfo -------------------------------------------------------- */

/* mountinfo escapes space, tab, newline and backslash as \ooo */
static char *unescape(const char *s)
{
	size_t n = strlen(s);
	char *out = xmalloc(n + 1), *o = out;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 3 < n + 1 && s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			*o++ = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 +
				      (s[i + 3] - '0'));
			i += 3;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

bool cg_list_has(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && strncmp(p, name, n) == 0)
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

int cg_parse_devnum(const char *s, unsigned *ret_major, unsigned *ret_minor)
{
	const char *colon = strchr(s, ':');
	if (colon == NULL)
		return -1;
	cleanup_free char *major = xstrndup(s, (size_t)(colon - s));
	uint32_t maj = 0, min = 0;
	if (parse_uint32(major, &maj, NULL) < 0 || parse_uint32(colon + 1, &min, NULL) < 0)
		return -1;
	*ret_major = maj;
	*ret_minor = min;
	return 0;
}

/* The controllers of a v1 super block from its options: every option that
 * /proc/cgroups names, and "name=X" for named hierarchies */
static char *v1_controllers(const char *superopts, const char *known)
{
	struct strbuf sb = STRBUF_INIT;
	cleanup_free char *copy = xstrdup(superopts);
	char *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (strncmp(tok, "name=", 5) == 0 || cg_list_has(known, tok)) {
			if (sb.len)
				strbuf_addch(&sb, ',');
			strbuf_addstr(&sb, tok);
		}
	}
	return strbuf_detach(&sb, NULL);
}

/* The controller names of /proc/cgroups as a comma list */
static char *known_controllers(void)
{
	struct strbuf sb = STRBUF_INIT;
	cleanup_fclose FILE *f = fopen("/proc/cgroups", "re");
	if (f == NULL)
		return strbuf_detach(&sb, NULL);
	char line[256];
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		char *tab = strchr(line, '\t');
		if (tab == NULL)
			continue;
		*tab = '\0';
		if (sb.len)
			strbuf_addch(&sb, ',');
		strbuf_addstr(&sb, line);
	}
	return strbuf_detach(&sb, NULL);
}

void cg_mount_release(struct cg_mount *m)
{
	free(m->mnt);
	free(m->root);
	free(m->controllers);
	*m = (struct cg_mount){ 0 };
}

void cg_mounts_free(struct cg_mount *m, size_t n)
{
	for (size_t i = 0; m && i < n; i++)
		cg_mount_release(&m[i]);
	free(m);
}

static struct cg_mount *mounts_copy(const struct cg_mount *m, size_t n)
{
	struct cg_mount *c = xcalloc(n ? n : 1, sizeof(*c));
	for (size_t i = 0; i < n; i++) {
		c[i] = m[i];
		c[i].mnt = xstrdup(m[i].mnt);
		c[i].root = xstrdup(m[i].root);
		c[i].controllers = xstrdup(m[i].controllers);
	}
	return c;
}

static int mounts_read_uncached(struct cg_mount **ret, size_t *ret_n, berth_error_t **err);

/* The host's cgroup mounts do not change while we run (cgroup.c caches the
 * layout on the same assumption): detection and the back-end's init would
 * otherwise parse mountinfo and /proc/cgroups twice in every create */
int cg_mounts_read(struct cg_mount **ret, size_t *ret_n, berth_error_t **err)
{
	static struct cg_mount *cache;
	static size_t cache_n;
	static bool cached;
	if (!cached) {
		if (mounts_read_uncached(&cache, &cache_n, err) < 0)
			return -1;
		cached = true;
	}
	*ret = mounts_copy(cache, cache_n);
	*ret_n = cache_n;
	return 0;
}

static int mounts_read_uncached(struct cg_mount **ret, size_t *ret_n, berth_error_t **err)
{
	cleanup_fclose FILE *f = fopen("/proc/self/mountinfo", "re");
	if (f == NULL)
		return berth_error_set(err, errno, "open /proc/self/mountinfo");
	cleanup_free char *known = known_controllers();
	cleanup_free char *line = NULL;
	size_t cap = 0, alloc = 0, n = 0;
	struct cg_mount *m = NULL;
	while (getline(&line, &cap, f) > 0) {
		/* id parent maj:min root mountpoint opts [optional...] - type source super */
		char *fields[6], *save = NULL, *tok;
		size_t nf = 0;
		char *sep = strstr(line, " - ");
		if (sep == NULL)
			continue;
		*sep = '\0';
		for (tok = strtok_r(line, " ", &save); tok && nf < 6;
		     tok = strtok_r(NULL, " ", &save))
			fields[nf++] = tok;
		if (nf < 6)
			continue;
		char *rest = sep + 3, *save2 = NULL;
		char *fstype = strtok_r(rest, " ", &save2);
		char *source = strtok_r(NULL, " ", &save2);
		char *super = strtok_r(NULL, " \n", &save2);
		if (fstype == NULL || source == NULL || super == NULL)
			continue;
		bool v2 = strcmp(fstype, "cgroup2") == 0;
		if (!v2 && strcmp(fstype, "cgroup") != 0)
			continue;
		unsigned maj = 0, min = 0;
		if (cg_parse_devnum(fields[2], &maj, &min) < 0)
			continue;
		bool dup = false;
		for (size_t i = 0; i < n; i++)
			dup |= m[i].dev_major == maj && m[i].dev_minor == min;
		if (dup)
			continue;
		m = xgrow(m, &alloc, n + 1, sizeof(*m));
		m[n] = (struct cg_mount){
			.mnt = unescape(fields[4]),
			.root = unescape(fields[3]),
			.controllers = v2 ? xstrdup("") : v1_controllers(super, known),
			.v2 = v2,
			.dev_major = maj,
			.dev_minor = min,
		};
		n++;
	}
	*ret = m;
	*ret_n = n;
	return 0;
}

char *cg_mount_dir(const struct cg_mount *m, const char *path)
{
	size_t rl = strlen(m->root);
	if (strcmp(m->root, "/") != 0 && strncmp(path, m->root, rl) == 0 &&
	    (path[rl] == '/' || path[rl] == '\0'))
		path += rl;
	if (path[0] == '\0' || strcmp(path, "/") == 0)
		return xstrdup(m->mnt);
	return xasprintf("%s%s", m->mnt, path);
}

/* ---- path rules --------------------------------------------------------- */

/* Append the components of p to sb, each as "/comp"; "." and empty
 * components vanish, ".." is refused (a cgroup path must not climb out of
 * the hierarchy it is joined to) */
static int path_append(struct strbuf *sb, const char *p, berth_error_t **err)
{
	while (*p) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return berth_error_set(err, EINVAL, "'..' is not allowed in a cgroup path");
		if (!(len == 1 && p[0] == '.')) {
			strbuf_addch(sb, '/');
			strbuf_add(sb, p, len);
		}
		p += len;
	}
	return 0;
}

/* The systemd form "slice:prefix:name" maps, as runc's cgroupfs driver
 * does without systemd, to "/<slice>/<prefix>-<name>.scope" ("system.slice"
 * when slice is empty; no prefix gives "<name>.scope"; a name that is
 * itself a ".slice" is used as is).  Nested slices are not expanded into
 * their parents ("a-b.slice" stays one directory). */
static int systemd_path(const char *s, struct strbuf *sb, berth_error_t **err)
{
	const char *c1 = strchr(s, ':');
	const char *c2 = strchr(c1 + 1, ':');
	cleanup_free char *slice = xstrndup(s, (size_t)(c1 - s));
	cleanup_free char *prefix = xstrndup(c1 + 1, (size_t)(c2 - c1 - 1));
	const char *name = c2 + 1;
	if (slice[0] == '\0') {
		free(slice);
		slice = xstrdup("system.slice");
	}
	size_t sl = strlen(slice);
	if (sl <= 6 || strcmp(slice + sl - 6, ".slice") != 0)
		return berth_error_set(err, EINVAL, "cgroupsPath '%s': invalid slice '%s'", s,
				       slice);
	if (name[0] == '\0')
		return berth_error_set(err, EINVAL, "cgroupsPath '%s': empty unit name", s);
	if (strchr(prefix, '/') || strchr(name, '/') || strchr(slice, '/'))
		return berth_error_set(err, EINVAL, "cgroupsPath '%s': '/' in a systemd unit name",
				       s);
	if (path_append(sb, slice, err) < 0)
		return berth_error_wrap(err, "cgroupsPath '%s'", s);
	size_t nl = strlen(name);
	if (nl > 6 && strcmp(name + nl - 6, ".slice") == 0)
		return path_append(sb, name, err);
	cleanup_free char *unit = prefix[0] ? xasprintf("%s-%s.scope", prefix, name) :
					      xasprintf("%s.scope", name);
	if (path_append(sb, unit, err) < 0)
		return berth_error_wrap(err, "cgroupsPath '%s'", s);
	return 0;
}

/* "slice:prefix:name": exactly two colons and no slash */
static bool is_systemd_form(const char *s)
{
	size_t colons = 0;
	for (const char *p = s; *p; p++)
		colons += *p == ':';
	return colons == 2 && strchr(s, '/') == NULL;
}

int cg_path_build(const char *cgroups_path, const char *id, char **ret, berth_error_t **err)
{
	struct strbuf sb cleanup_strbuf = STRBUF_INIT;
	if (cgroups_path == NULL || cgroups_path[0] == '\0') {
		if (id == NULL || id[0] == '\0' || strchr(id, '/') || strcmp(id, ".") == 0 ||
		    strcmp(id, "..") == 0)
			return berth_error_set(err, EINVAL,
					       "invalid container id '%s' for a cgroup path",
					       id ? id : "");
		strbuf_addf(&sb, CG_OWNED_PARENT "/%s", id);
	} else if (is_systemd_form(cgroups_path)) {
		if (systemd_path(cgroups_path, &sb, err) < 0)
			return -EINVAL;
	} else {
		if (cgroups_path[0] != '/')
			strbuf_addstr(&sb, CG_OWNED_PARENT);
		if (path_append(&sb, cgroups_path, err) < 0)
			return berth_error_wrap(err, "cgroupsPath '%s'", cgroups_path);
	}
	if (sb.len == 0)
		return berth_error_set(err, EINVAL, "cgroupsPath '%s' names the root cgroup",
				       cgroups_path);
	if (sb.len >= PATH_MAX / 2)
		return berth_error_set(err, ENAMETOOLONG, "cgroupsPath is too long");
	*ret = strbuf_detach(&sb, NULL);
	return 0;
}

/* ---- files -------------------------------------------------------------- */

char *cg_join(const char *dir, const char *file)
{
	return xasprintf("%s/%s", dir, file);
}

bool cg_exists(const char *dir, const char *file)
{
	cleanup_free char *p = cg_join(dir, file);
	return access(p, F_OK) == 0;
}

int cg_write(const char *dir, const char *file, const char *value, berth_error_t **err)
{
	cleanup_free char *p = cg_join(dir, file);
	cleanup_close int fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_set(err, errno, "write '%s' to %s", value, p);
	size_t len = strlen(value);
	ssize_t n;
	do
		n = write(fd, value, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return berth_error_set(err, errno, "write '%s' to %s", value, p);
	if ((size_t)n != len)
		return berth_error_set(err, EIO, "write '%s' to %s: short write", value, p);
	log_debug("cgroup: wrote '%s' to %s", value, p);
	return 0;
}

int cg_writef(const char *dir, const char *file, berth_error_t **err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cleanup_free char *v = xvasprintf(fmt, ap);
	va_end(ap);
	return cg_write(dir, file, v, err);
}

int cg_read(const char *dir, const char *file, char **ret, berth_error_t **err)
{
	cleanup_free char *p = cg_join(dir, file);
	cleanup_close int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return berth_error_set(err, errno, "read %s", p);
	struct strbuf sb cleanup_strbuf = STRBUF_INIT;
	for (;;) {
		strbuf_grow(&sb, 4096);
		ssize_t n = read(fd, sb.buf + sb.len, sb.alloc - sb.len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return berth_error_set(err, errno, "read %s", p);
		if (n == 0)
			break;
		strbuf_setlen(&sb, sb.len + (size_t)n);
		if (sb.len > CG_FILE_MAX)
			return berth_error_set(err, EFBIG, "read %s: more than %u bytes", p,
					       CG_FILE_MAX);
	}
	*ret = strbuf_detach(&sb, NULL);
	return 0;
}

static int parse_value(const char *s, const char *what, uint64_t *ret, berth_error_t **err)
{
	if (strcmp(s, "max") == 0) {
		*ret = UINT64_MAX;
		return 0;
	}
	if (s[0] == '-') {
		/* v1 reports some unlimited values as -1 */
		int64_t v;
		if (parse_int64(s, 10, &v, err) < 0)
			return berth_error_wrap(err, "%s", what);
		*ret = v < 0 ? UINT64_MAX : (uint64_t)v;
		return 0;
	}
	if (parse_uint64(s, 10, ret, err) < 0)
		return berth_error_wrap(err, "%s", what);
	return 0;
}

int cg_read_u64(const char *dir, const char *file, uint64_t *ret, berth_error_t **err)
{
	cleanup_free char *s = NULL;
	if (cg_read(dir, file, &s, err) < 0)
		return -1;
	s[strcspn(s, "\n")] = '\0';
	cleanup_free char *p = cg_join(dir, file);
	return parse_value(s, p, ret, err);
}

int cg_read_keyed(const char *dir, const char *file, const char *key, uint64_t *ret,
		  berth_error_t **err)
{
	cleanup_free char *s = NULL;
	if (cg_read(dir, file, &s, err) < 0)
		return -1;
	cleanup_free char *p = cg_join(dir, file);
	size_t kl = strlen(key);
	char *save = NULL;
	for (char *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (strncmp(l, key, kl) == 0 && l[kl] == ' ')
			return parse_value(l + kl + 1, p, ret, err);
	}
	berth_error_set(err, 0, "%s has no '%s'", p, key);
	return -ENOENT;
}

int cg_read_pids(const char *dir, pid_t **ret, size_t *ret_n, berth_error_t **err)
{
	cleanup_free char *s = NULL;
	if (cg_read(dir, "cgroup.procs", &s, err) < 0)
		return -1;
	cleanup_free pid_t *pids = NULL;
	size_t n = 0, alloc = 0;
	char *save = NULL;
	for (char *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		int64_t v;
		if (parse_int_range(l, 1, INT_MAX, &v, err) < 0)
			return berth_error_wrap(err, "%s/cgroup.procs", dir);
		pids = xgrow(pids, &alloc, n + 1, sizeof(*pids));
		pids[n++] = (pid_t)v;
	}
	*ret = steal_pointer(&pids);
	*ret_n = n;
	return 0;
}

int cg_mkdir(const char *dir, bool *ret_created, berth_error_t **err)
{
	if (mkdir(dir, 0755) == 0) {
		*ret_created = true;
		return 0;
	}
	if (errno == EEXIST) {
		*ret_created = false;
		return 0;
	}
	return berth_error_set(err, errno, "mkdir %s", dir);
}

/* One walk from the root to path, making each missing level */
static int mkdir_levels_once(const struct cg_mount *m, const char *path, cg_level_fn *level,
			     berth_error_t **err)
{
	cleanup_free char *pth = xstrdup(path);
	cleanup_free char *parent = cg_mount_dir(m, "/");
	size_t len = strlen(pth);
	for (size_t i = 1; i <= len; i++) {
		if (pth[i] != '/' && pth[i] != '\0')
			continue;
		char saved = pth[i];
		pth[i] = '\0';
		char *dir = cg_mount_dir(m, pth);
		pth[i] = saved;
		bool created;
		if (cg_mkdir(dir, &created, err) < 0 ||
		    (level && level(parent, dir, created, err) < 0)) {
			free(dir);
			return -1;
		}
		free(parent);
		parent = dir;
	}
	return 0;
}

int cg_mkdir_levels(const struct cg_mount *m, const char *path, cg_level_fn *level,
		    berth_error_t **err)
{
	/* A delete of the last other container removes our empty parents
	 * (cg_rmdir_owned_parents); when that lands between two of our
	 * mkdirs the next level fails with ENOENT: walk again, a few times */
	for (int attempt = 0;; attempt++) {
		cleanup_error berth_error_t *e = NULL;
		if (mkdir_levels_once(m, path, level, &e) == 0)
			return 0;
		if (e->errnum == ENOENT && attempt < 3)
			continue;
		return cg_error_move(err, &e);
	}
}

void cg_rmdir_owned_parents(const struct cg_mount *m, const char *path)
{
	size_t plen = strlen(CG_OWNED_PARENT);
	if (strncmp(path, CG_OWNED_PARENT, plen) != 0 || path[plen] != '/')
		return;
	cleanup_free char *p = xstrdup(path);
	for (char *slash = strrchr(p, '/'); slash && (size_t)(slash - p) >= plen;
	     slash = strrchr(p, '/')) {
		*slash = '\0';
		cleanup_free char *dir = cg_mount_dir(m, p);
		/* EBUSY/ENOTEMPTY: another container still lives below it */
		if (rmdir(dir) < 0 && errno != ENOENT)
			return;
	}
}

int cg_error_move(berth_error_t **err, berth_error_t **e)
{
	int r = berth_error_code(*e);
	if (err) {
		berth_error_free(*err);
		*err = steal_pointer(e);
	}
	return r;
}

int cg_signal_pids(const pid_t *pids, size_t n, int sig, berth_error_t **err)
{
	for (size_t i = 0; i < n; i++) {
		if (kill(pids[i], sig) < 0 && errno != ESRCH)
			return berth_error_set(err, errno, "kill %d with signal %d", (int)pids[i],
					       sig);
	}
	return 0;
}

int cg_kill_frozen(struct cgroup *cg, int sig, bool can_freeze, berth_error_t **err)
{
	/* A paused container stays paused, except that SIGKILL needs a
	 * thaw to be acted on */
	bool was_frozen = false;
	if (can_freeze && cg->ops->is_frozen(cg, &was_frozen, err) < 0)
		return -1;
	if (can_freeze && !was_frozen && cg->ops->freeze(cg, true, err) < 0)
		return -1;
	cleanup_free pid_t *pids = NULL;
	size_t n = 0;
	int rc = cg->ops->pids(cg, &pids, &n, err);
	if (rc == 0)
		rc = cg_signal_pids(pids, n, sig, err);
	if (can_freeze && (!was_frozen || sig == SIGKILL)) {
		cleanup_error berth_error_t *e = NULL;
		if (cg->ops->freeze(cg, false, rc < 0 ? &e : err) < 0 && rc == 0)
			return -1;
	}
	return rc;
}

bool cg_blockio_any(const struct oci_blockio *b)
{
	return b->has_weight || b->has_leaf_weight || b->n_weight_devices ||
	       b->n_throttle_read_bps || b->n_throttle_write_bps || b->n_throttle_read_iops ||
	       b->n_throttle_write_iops;
}

void cg_blockio_throttles(const struct oci_blockio *b,
			  const struct oci_throttle_device *ret_lists[CG_THROTTLE_KINDS],
			  size_t ret_counts[CG_THROTTLE_KINDS])
{
	ret_lists[0] = b->throttle_read_bps;
	ret_lists[1] = b->throttle_write_bps;
	ret_lists[2] = b->throttle_read_iops;
	ret_lists[3] = b->throttle_write_iops;
	ret_counts[0] = b->n_throttle_read_bps;
	ret_counts[1] = b->n_throttle_write_bps;
	ret_counts[2] = b->n_throttle_read_iops;
	ret_counts[3] = b->n_throttle_write_iops;
}

/* Wait until the tasks of dir have exited.  rmdir fails with EBUSY while a
 * task is still in the cgroup; the kernel takes an exiting task out of its
 * cgroup (cgroup_exit) before it notifies its pidfd (exit_notify), so a
 * readable pidfd means that task no longer holds the cgroup.  We poll the
 * pidfds of what cgroup.procs lists, bounded by CG_WAIT_MS. */
static int wait_tasks_gone(const char *dir, berth_error_t **err)
{
	cleanup_free pid_t *pids = NULL;
	size_t n = 0;
	if (cg_read_pids(dir, &pids, &n, err) < 0)
		return -1;
	if (n == 0) {
		/* Nothing listed: a task is between leaving the list and
		 * unpopulating the cgroup; give the exiting CPU a turn */
		sched_yield();
		return 0;
	}
	cleanup_free struct pollfd *pfd = xcalloc(n, sizeof(*pfd));
	size_t np = 0;
	for (size_t i = 0; i < n; i++) {
		int fd = (int)syscall(SYS_pidfd_open, pids[i], 0);
		if (fd < 0)
			continue; /* already gone */
		pfd[np].fd = fd;
		pfd[np].events = POLLIN;
		np++;
	}
	int rc = 0;
	for (size_t i = 0; i < np; i++) {
		int r;
		do
			r = poll(&pfd[i], 1, CG_WAIT_MS);
		while (r < 0 && errno == EINTR);
		if (r == 0) {
			rc = berth_error_set(err, EBUSY, "rmdir %s: process %d is still running",
					     dir, (int)pids[i]);
			break;
		}
	}
	for (size_t i = 0; i < np; i++)
		close(pfd[i].fd);
	return rc;
}

static int rmdir_one(const char *dir, berth_error_t **err)
{
	/* Each round either sees progress (a task exited) or fails; the
	 * bound stops a cgroup that keeps getting new tasks */
	for (int round = 0; round < 100; round++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return berth_error_set(err, errno, "rmdir %s", dir);
		if (wait_tasks_gone(dir, err) < 0)
			return -EBUSY;
	}
	return berth_error_set(err, EBUSY, "rmdir %s", dir);
}

static int rmdir_tree_depth(const char *dir, int depth, berth_error_t **err)
{
	if (depth > CG_TREE_DEPTH_MAX)
		return berth_error_set(err, ELOOP, "%s: cgroup tree deeper than %d", dir,
				       CG_TREE_DEPTH_MAX);
	cleanup_dir DIR *d = opendir(dir);
	if (d == NULL) {
		if (errno == ENOENT)
			return 0;
		return berth_error_set(err, errno, "open %s", dir);
	}
	struct dirent *de;
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		cleanup_free char *sub = cg_join(dir, de->d_name);
		if (rmdir_tree_depth(sub, depth + 1, err) < 0)
			return -1;
	}
	return rmdir_one(dir, err);
}

int cg_rmdir_tree(const char *dir, berth_error_t **err)
{
	/* Usually a leaf whose tasks are gone: one rmdir, no directory walk */
	if (rmdir(dir) == 0 || errno == ENOENT)
		return 0;
	return rmdir_tree_depth(dir, 0, err);
}

void cg_warn(struct cgroup *cg, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *w = xvasprintf(fmt, ap);
	va_end(ap);
	log_debug("cgroup: %s", w);
	cg->warnings = xreallocarray(cg->warnings, cg->n_warnings + 2, sizeof(char *));
	cg->warnings[cg->n_warnings++] = w;
	cg->warnings[cg->n_warnings] = NULL;
}

/* "2MB", "1GB", "64KB": digits then KB/MB/GB, as runc names hugetlb files.
 * Only these characters reach a file name, so a size cannot escape the
 * cgroup directory. */
bool cg_hugepage_size_valid(const char *size)
{
	size_t i = 0;
	while (isdigit((unsigned char)size[i]))
		i++;
	if (i == 0 || i > 10)
		return false;
	return strcmp(size + i, "KB") == 0 || strcmp(size + i, "MB") == 0 ||
	       strcmp(size + i, "GB") == 0;
}

int cg_write_hugetlb(struct cgroup *cg, const char *dir, const char *suffix,
		     const struct oci_resources *r, berth_error_t **err)
{
	for (size_t i = 0; i < r->n_hugepage_limits; i++) {
		const struct oci_hugepage_limit *h = &r->hugepage_limits[i];
		if (!cg_hugepage_size_valid(h->page_size))
			return berth_error_set(err, EINVAL,
					       "hugepageLimits: invalid page size '%s'",
					       h->page_size);
		cleanup_free char *f = xasprintf("hugetlb.%s.%s", h->page_size, suffix);
		if (!cg_exists(dir, f)) {
			cg_warn(cg, "hugepage size '%s' is not supported on this host, ignoring",
				h->page_size);
			continue;
		}
		if (cg_writef(dir, f, err, "%" PRIu64, h->limit) < 0)
			return -1;
	}
	return 0;
}

int cg_write_rdma(const char *dir, const struct oci_resources *r, berth_error_t **err)
{
	for (size_t i = 0; i < r->n_rdma; i++) {
		const struct oci_rdma_limit *l = &r->rdma[i];
		struct strbuf sb cleanup_strbuf = STRBUF_INIT;
		strbuf_addstr(&sb, l->device);
		if (l->has_hca_handles)
			strbuf_addf(&sb, " hca_handle=%u", l->hca_handles);
		if (l->has_hca_objects)
			strbuf_addf(&sb, " hca_object=%u", l->hca_objects);
		if (cg_write(dir, "rdma.max", sb.buf, err) < 0)
			return -1;
	}
	return 0;
}

int cg_check_memory_usage(const char *dir, const char *file, const struct oci_memory *m,
			  berth_error_t **err)
{
	uint64_t usage;
	if (!m->check_before_update || !m->has_limit || m->limit <= 0)
		return 0;
	if (cg_read_u64(dir, file, &usage, err) < 0)
		return -1;
	if ((uint64_t)m->limit < usage)
		return berth_error_set(err, EBUSY,
				       "memory limit %" PRId64
				       " is below the current usage %" PRIu64,
				       m->limit, usage);
	return 0;
}

/* ---- stats helpers ------------------------------------------------------ */

json_t *cg_json_u64(uint64_t v)
{
	/* JSON integers here are int64 */
	return json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v);
}

json_t *cg_stat_raw(const char *dir, const char *file)
{
	json_t *raw = json_object();
	cleanup_free char *s = NULL;
	if (cg_read(dir, file, &s, NULL) < 0)
		return raw;
	char *save = NULL;
	for (char *l = strtok_r(s, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(l, ' ');
		if (sp == NULL)
			continue;
		*sp = '\0';
		json_object_set_new(raw, l, cg_json_u64(strtoull(sp + 1, NULL, 10)));
	}
	return raw;
}

void cg_stats_pids(const char *dir, json_t *data)
{
	uint64_t cur = 0, max = 0;
	if (cg_read_u64(dir, "pids.current", &cur, NULL) < 0)
		return;
	cg_read_u64(dir, "pids.max", &max, NULL);
	/* runc reports "max" as 0 */
	json_object_set_new(data, "pids",
			    json_pack("{s:o,s:o}", "current", cg_json_u64(cur), "limit",
				      cg_json_u64(max == UINT64_MAX ? 0 : max)));
}

bool cg_resources_any(const struct oci_resources *r)
{
	if (r == NULL)
		return false;
	const struct oci_memory *m = &r->memory;
	const struct oci_cpu *c = &r->cpu;
	const struct oci_blockio *b = &r->blockio;
	/* Device rules are not a limit: the none back-end warns about them
	 * instead, or every default config would fail on such a host */
	return m->has_limit || m->has_reservation || m->has_swap || m->has_kernel ||
	       m->has_kernel_tcp || m->has_swappiness || m->has_disable_oom_killer ||
	       m->has_use_hierarchy || c->has_shares || c->has_quota || c->has_burst ||
	       c->has_period || c->has_realtime_runtime || c->has_realtime_period || c->has_idle ||
	       c->cpus || c->mems || r->has_pids_limit || b->has_weight || b->has_leaf_weight ||
	       b->n_weight_devices || b->n_throttle_read_bps || b->n_throttle_write_bps ||
	       b->n_throttle_read_iops || b->n_throttle_write_iops || r->n_hugepage_limits ||
	       r->has_net_class_id || r->n_net_priorities || r->n_rdma || r->n_unified;
}
