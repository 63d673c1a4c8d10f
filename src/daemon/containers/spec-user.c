/* spec-user: Config.User and HostConfig.GroupAdd to uid, gid, additional
 * gids and HOME, as runc's libcontainer/user GetExecUser does for docker.
 * /etc/passwd and /etc/group are the image's, opened through rootfs-path
 * (a hostile image's /etc/passwd symlink to the host's stays in the rootfs)
 * and read with caps on size and line count. */
#include <fcntl.h>
#include <string.h>

#include "common/parse.h"
#include "common/rootfs-path.h"
#include "common/strbuf.h"
#include "daemon/containers/spec-internal.h"

#include "common/banned.h"

#define MAX_DB_SIZE (8u << 20)
#define MAX_GIDS 1024 /* cap on additional gids (docker has none; the kernel allows 65536) */

struct db {
	char *buf; /* the file, NUL-terminated; lines are split in place */
	size_t len;
};

static void db_release(struct db *d)
{
	free(d->buf);
	d->buf = NULL;
}

/* Read rootfs/path; a missing file is an empty one, as runc treats it */
static int db_read(int rootfd, const char *path, struct db *ret, berth_error_t **err)
{
	cleanup_error berth_error_t *open_err = NULL;
	cleanup_close int fd = root_open(rootfd, path, O_RDONLY, 0, 0, &open_err);
	if (fd < 0) {
		if (open_err && open_err->errnum == ENOENT) {
			ret->buf = xstrdup("");
			ret->len = 0;
			return 0;
		}
		if (err) {
			berth_error_release(err);
			*err = steal_pointer(&open_err);
		}
		return berth_error_wrap(err, "read the image's %s", path);
	}
	struct strbuf sb;
	strbuf_init(&sb, 4096);
	for (;;) {
		strbuf_grow(&sb, 4096);
		ssize_t n = read(fd, sb.buf + sb.len, 4096);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			strbuf_release(&sb);
			return berth_error_set(err, errno, "read the image's %s", path);
		}
		if (n == 0)
			break;
		strbuf_setlen(&sb, sb.len + (size_t)n);
		if (sb.len > MAX_DB_SIZE) {
			strbuf_release(&sb);
			return berth_error_fail(err, EFBIG,
						"the image's %s is larger than %u bytes", path,
						MAX_DB_SIZE);
		}
	}
	ret->buf = strbuf_detach(&sb, &ret->len);
	return 0;
}

/* Split line into at most max ':'-separated fields (in place) */
static size_t split_fields(char *line, char **f, size_t max)
{
	size_t n = 0;
	f[n++] = line;
	for (char *p = line; *p && n < max; p++) {
		if (*p == ':') {
			*p = '\0';
			f[n++] = p + 1;
		}
	}
	return n;
}

/* Iterate over the lines of d: next_line returns NULL at the end */
static char *next_line(char **cursor)
{
	char *s = *cursor;
	if (!s || !*s)
		return NULL;
	char *nl = strchr(s, '\n');
	if (nl) {
		*nl = '\0';
		*cursor = nl + 1;
	} else {
		*cursor = s + strlen(s);
	}
	return s;
}

static bool is_numeric(const char *s, uint32_t *ret)
{
	cleanup_error berth_error_t *e = NULL;
	return *s && parse_uint32(s, ret, &e) >= 0;
}

struct pw {
	char *name; /* owned */
	uint32_t uid, gid;
	char *home; /* owned */
	bool found;
};

static int find_passwd(int rootfd, const char *user, struct pw *ret, berth_error_t **err)
{
	struct db d = { 0 };
	if (db_read(rootfd, "/etc/passwd", &d, err) < 0)
		return -1;
	uint32_t want_uid;
	bool numeric = is_numeric(user, &want_uid);
	char *cur = d.buf, *line;
	while ((line = next_line(&cur))) {
		char *f[7];
		if (line[0] == '#' || split_fields(line, f, 7) < 7)
			continue;
		uint32_t uid, gid;
		if (!is_numeric(f[2], &uid) || !is_numeric(f[3], &gid))
			continue;
		if (strcmp(f[0], user) == 0 || (numeric && uid == want_uid)) {
			*ret = (struct pw){ .name = xstrdup(f[0]),
					    .uid = uid,
					    .gid = gid,
					    .home = xstrdup(f[5]),
					    .found = true };
			break;
		}
	}
	db_release(&d);
	return 0;
}

/* Look a group up by name or number; *found false when absent */
static int find_group(int rootfd, const char *group, uint32_t *ret, bool *found,
		      berth_error_t **err)
{
	struct db d = { 0 };
	if (db_read(rootfd, "/etc/group", &d, err) < 0)
		return -1;
	uint32_t want;
	bool numeric = is_numeric(group, &want);
	*found = false;
	char *cur = d.buf, *line;
	while ((line = next_line(&cur))) {
		char *f[4];
		if (line[0] == '#' || split_fields(line, f, 4) < 3)
			continue;
		uint32_t gid;
		if (!is_numeric(f[2], &gid))
			continue;
		if (strcmp(f[0], group) == 0 || (numeric && gid == want)) {
			*ret = gid;
			*found = true;
			break;
		}
	}
	db_release(&d);
	return 0;
}

static void add_gid(struct spec_user *u, size_t *alloc, uint32_t gid)
{
	for (size_t i = 0; i < u->n_gids; i++)
		if (u->gids[i] == gid)
			return;
	u->gids = xgrow(u->gids, alloc, u->n_gids + 1, sizeof(*u->gids));
	u->gids[u->n_gids++] = gid;
}

/* The groups that list name as a member (the implicit form only) */
static int member_groups(int rootfd, const char *name, struct spec_user *u, size_t *alloc,
			 berth_error_t **err)
{
	struct db d = { 0 };
	if (db_read(rootfd, "/etc/group", &d, err) < 0)
		return -1;
	char *cur = d.buf, *line;
	while ((line = next_line(&cur)) && u->n_gids < MAX_GIDS) {
		char *f[4];
		uint32_t gid;
		if (line[0] == '#' || split_fields(line, f, 4) < 4 || !is_numeric(f[2], &gid))
			continue;
		for (char *m = f[3]; *m;) {
			size_t n = strcspn(m, ",");
			if (n == strlen(name) && strncmp(m, name, n) == 0)
				add_gid(u, alloc, gid);
			m += n;
			m += strspn(m, ",");
		}
	}
	db_release(&d);
	return 0;
}

static int add_groups(int rootfd, const json_t *group_add, struct spec_user *u, size_t *alloc,
		      berth_error_t **err)
{
	size_t i;
	json_t *e;
	json_array_foreach(group_add, i, e)
	{
		const char *g = json_string_value(e);
		if (!g)
			return berth_error_fail(err, EINVAL,
						"HostConfig.GroupAdd[%zu]: want a string", i);
		uint32_t gid;
		bool found;
		if (find_group(rootfd, g, &gid, &found, err) < 0)
			return -1;
		if (!found && !is_numeric(g, &gid))
			return berth_error_fail(err, EINVAL, "Unable to find group %s", g);
		if (u->n_gids >= MAX_GIDS)
			return berth_error_fail(err, EINVAL,
						"HostConfig.GroupAdd: more than %d groups",
						MAX_GIDS);
		add_gid(u, alloc, gid);
	}
	return 0;
}

static int resolve(int rootfd, const char *user, const json_t *group_add, struct spec_user *u,
		   berth_error_t **err)
{
	cleanup_strbuf struct strbuf nb = STRBUF_INIT;
	strbuf_addstr(&nb, user);
	char *name = nb.buf;
	char *group = strchr(name, ':');
	if (group)
		*group++ = '\0';
	struct pw pw = { 0 };
	const char *lookup = *name ? name : "0"; /* no user: root's entry, for HOME */
	if (find_passwd(rootfd, lookup, &pw, err) < 0)
		return -1;
	cleanup_free char *pw_name = pw.name;
	cleanup_free char *pw_home = pw.home;
	uint32_t uid = 0;
	if (pw.found) {
		u->uid = pw.uid;
		u->gid = pw.gid;
	} else if (is_numeric(lookup, &uid)) {
		u->uid = uid;
		u->gid = 0;
	} else {
		return berth_error_fail(err, EINVAL,
					"unable to find user %s: no matching entries in passwd file",
					name);
	}
	u->home = xstrdup(pw.found && pw_home && *pw_home ? pw_home : "/");
	size_t alloc = 0;
	if (group && *group) {
		uint32_t gid;
		bool found;
		if (find_group(rootfd, group, &gid, &found, err) < 0)
			return -1;
		if (!found && !is_numeric(group, &gid))
			return berth_error_fail(
				err, EINVAL,
				"unable to find group %s: no matching entries in group file",
				group);
		u->gid = gid;
		add_gid(u, &alloc, u->gid);
	} else {
		add_gid(u, &alloc, u->gid);
		if (pw.found && member_groups(rootfd, pw_name, u, &alloc, err) < 0)
			return -1;
	}
	return add_groups(rootfd, group_add, u, &alloc, err);
}

int spec_user_resolve(const char *rootfs, const char *user, const json_t *group_add,
		      struct spec_user *ret, berth_error_t **err)
{
	cleanup_close int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return berth_error_set(err, errno, "open rootfs '%s'", rootfs);
	struct spec_user u = { 0 };
	if (resolve(rootfd, user ? user : "", group_add, &u, err) < 0) {
		spec_user_release(&u);
		return -1;
	}
	*ret = u;
	return 0;
}

void spec_user_release(struct spec_user *u)
{
	free(u->gids);
	free(u->home);
	u->gids = NULL;
	u->home = NULL;
	u->n_gids = 0;
}
