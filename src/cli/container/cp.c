/* cp: `berth cp`, docker's container/cp.go and moby's pkg/archive copy
 * rules (CopyInfoDestinationPath, PrepareArchiveCopy, RebaseArchiveEntries).
 * Container to host reads the tar of GET /containers/ID/archive as it
 * arrives and extracts it below one directory fd: every entry's parent is
 * opened with openat2(RESOLVE_BENEATH), names with ".." or a leading "/"
 * are refused, and nothing is chowned (docker's NoLchown), so an archive
 * cannot write outside the destination.  Host to container writes a tar
 * of the source (in a child, into a pipe) for PUT .../archive.  Tar
 * itself (headers, pax records) is common/tar.h; what to do with each
 * entry is decided here. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/human.h"
#include "common/cleanup.h"
#include "common/fdio.h"
#include "common/strbuf.h"
#include "common/tar.h"
#include "common/xalloc.h"

/* Longest entry name extracted, and longest link target archived */
#define TAR_PATH_MAX 4096

static const struct cli_flag cp_flags[] = {
	{ .name = "archive",
	  .shorthand = 'a',
	  .type = CLI_BOOL,
	  .usage = "Archive mode (copy all uid/gid information)" },
	{ .name = "follow-link",
	  .shorthand = 'L',
	  .type = CLI_BOOL,
	  .usage = "Always follow symbol link in SRC_PATH" },
	{ .name = "quiet",
	  .shorthand = 'q',
	  .type = CLI_BOOL,
	  .usage =
		  "Suppress progress output during copy. Progress output is automatically suppressed if no "
		  "terminal is attached" },
	CLI_FLAGS_END
};

/* ---- reading: extracting the entries of common/tar.h's reader ---- */

struct untar {
	struct tar_reader *reader;
	int fd; /* the regular file being written, -1 to skip data */
	/* destination: decided on the first entry (PrepareArchiveCopy) */
	bool started;
	const char *dst; /* the user's DEST_PATH, not owned */
	bool dst_exists, dst_is_dir;
	char *src_base, *dst_base; /* rebase src_base -> dst_base when both set */
	int root;                  /* the directory extracted into */
	uint64_t copied;
	berth_error_t *err;
};

/* A relative, clean entry name, or NULL for one that tries to leave the
 * destination ("../x"; "/x" made "x" is docker's behaviour for "/") */
static char *untar_clean(const char *name)
{
	return tar_name_clean(name, TAR_PATH_MAX);
}

/* openat2 beneath root: a parent directory of an entry */
static int untar_open_dir(int root, const char *rel, berth_error_t **err)
{
	struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
				.resolve = RESOLVE_BENEATH };
	int fd = (int)syscall(SYS_openat2, root, rel, &how, sizeof(how));
	if (fd < 0)
		return berth_error_set(err, errno, "open '%s'", rel);
	return fd;
}

/* PrepareArchiveCopy, decided from the first entry (the source's root) */
static int untar_start(struct untar *u, const char *first, bool is_dir, berth_error_t **err)
{
	u->started = true;
	const char *slash = strchr(first, '/');
	u->src_base = slash ? xstrndup(first, (size_t)(slash - first)) : xstrdup(first);
	/* dirname() and basename() may modify their argument: work on copies */
	cleanup_free char *copy = NULL;
	const char *dir = u->dst;
	if (u->dst_exists && u->dst_is_dir) {
		free(u->src_base);
		u->src_base = NULL;
	} else if (u->dst_exists && is_dir) {
		return berth_error_fail(err, EISDIR, "cannot copy directory");
	} else if (!u->dst_exists && !is_dir && u->dst[strlen(u->dst) - 1] == '/') {
		return berth_error_fail(err, ENOENT, "no such directory");
	} else {
		cleanup_free char *copy2 = xstrdup(u->dst);
		copy = xstrdup(u->dst);
		dir = dirname(copy);
		u->dst_base = xstrdup(basename(copy2));
	}
	u->root = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (u->root < 0)
		return berth_error_set(err, errno, "open '%s'", dir);
	return 0;
}

static char *untar_rebase(const struct untar *u, const char *name)
{
	if (!u->src_base || !u->dst_base)
		return xstrdup(name);
	size_t n = strlen(u->src_base);
	if (strncmp(name, u->src_base, n) == 0 && (name[n] == '\0' || name[n] == '/'))
		return xasprintf("%s%s", u->dst_base, name + n);
	return xstrdup(name);
}

/* Remove what stands where a non-directory goes (docker replaces it),
 * refusing to put a non-directory over a directory (NoOverwriteDirNonDir) */
static int untar_clear(int dirfd, const char *base, const char *name, bool is_dir,
		       berth_error_t **err)
{
	struct stat st;
	if (fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (S_ISDIR(st.st_mode)) {
		if (is_dir)
			return 1; /* exists already: keep it */
		return berth_error_fail(err, EEXIST,
					"cannot overwrite directory \"%s\" with non-directory",
					name);
	}
	if (unlinkat(dirfd, base, 0) < 0)
		return berth_error_set(err, errno, "remove '%s'", name);
	return 0;
}

static int untar_entry(const struct tar_entry *e, void *ud, berth_error_t **err)
{
	struct untar *u = ud;
	char type = e->type;
	mode_t mode = (mode_t)e->mode;
	cleanup_free char *clean = untar_clean(e->name);
	if (!clean)
		return berth_error_fail(
			err, EPERM, "invalid archive entry name '%s': outside of the destination",
			e->name);
	if (!u->started && untar_start(u, clean, type == TAR_DIR, err) < 0)
		return -1;
	cleanup_free char *name = untar_rebase(u, clean);
	cleanup_free char *copy = xstrdup(name), *copy2 = xstrdup(name);
	const char *parent = dirname(copy), *base = basename(copy2);
	cleanup_close int dirfd = untar_open_dir(u->root, parent, err);
	if (dirfd < 0)
		return -1;
	int r = untar_clear(dirfd, base, name, type == TAR_DIR, err);
	if (r < 0)
		return -1;
	switch (type) {
	case TAR_DIR:
		if (r == 0 && mkdirat(dirfd, base, mode & 07777) < 0)
			return berth_error_set(err, errno, "mkdir '%s'", name);
		return 0;
	case TAR_SYMLINK:
		if (symlinkat(e->link, dirfd, base) < 0)
			return berth_error_set(err, errno, "symlink '%s'", name);
		return 0;
	case TAR_LINK: {
		cleanup_free char *target = untar_clean(e->link);
		if (!target)
			return berth_error_fail(err, EPERM,
						"invalid hardlink '%s': outside of the destination",
						e->link);
		cleanup_free char *rt = untar_rebase(u, target);
		cleanup_free char *tc = xstrdup(rt), *tc2 = xstrdup(rt);
		cleanup_close int tfd = untar_open_dir(u->root, dirname(tc), err);
		if (tfd < 0)
			return -1;
		if (linkat(tfd, basename(tc2), dirfd, base, 0) < 0)
			return berth_error_set(err, errno, "link '%s'", name);
		return 0;
	}
	case TAR_REG: {
		int fd = openat(dirfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				mode & 07777);
		if (fd < 0)
			return berth_error_set(err, errno, "create '%s'", name);
		u->fd = fd;
		return 0;
	}
	default:
		return 0; /* devices and fifos: not made on the host */
	}
}

static int untar_data(const void *buf, size_t len, void *ud, berth_error_t **err)
{
	struct untar *u = ud;
	if (u->fd >= 0 && fd_write_all(u->fd, buf, len) < 0)
		return berth_error_set(err, errno, "write");
	return 0;
}

static int untar_end(void *ud, berth_error_t **err)
{
	struct untar *u = ud;
	(void)err;
	if (u->fd >= 0)
		close(u->fd);
	u->fd = -1;
	return 0;
}

static const struct tar_reader_ops untar_ops = {
	.entry = untar_entry,
	.data = untar_data,
	.end = untar_end,
};

/* The on_body of the GET: cli_client_do's callback has no error, so the
 * reader's is kept for cp_from */
static int untar_feed(const char *data, size_t len, void *ud)
{
	struct untar *u = ud;
	u->copied += len; /* docker reports the archive's size */
	return tar_reader_feed(u->reader, data, len, &u->err) < 0 ? -1 : 0;
}

static void untar_release(struct untar *u)
{
	if (u->fd >= 0)
		close(u->fd);
	if (u->root >= 0)
		close(u->root);
	tar_reader_free(u->reader);
	free(u->src_base);
	free(u->dst_base);
	berth_error_free(u->err);
}

/* ---- writing: a tar of a host path, into an fd ---- */

/* The header of a host file; the tar is read by the daemon, which extracts
 * as root (or with --archive, keeps uid and gid) */
static int cp_tar_header(int out, const char *name, const char *link, const struct stat *st,
			 char type, uint64_t size)
{
	struct tar_entry e = {
		.type = type,
		.name = name,
		.link = link,
		.mode = (uint32_t)(st->st_mode & 07777),
		.uid = st->st_uid,
		.gid = st->st_gid,
		.mtime = st->st_mtime,
		.size = size,
	};
	return tar_write_header(out, &e, NULL);
}

static int tar_add(int out, int dirfd, const char *path_for_msg, const char *base, const char *name,
		   bool follow);

static int tar_add_dir(int out, int fd, const char *path, const char *name)
{
	int dfd = dup(fd);
	if (dfd < 0)
		return -1;
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return -1;
	}
	struct dirent *e;
	int r = 0;
	while (r == 0 && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		cleanup_free char *child = xasprintf("%s/%s", name, e->d_name);
		cleanup_free char *cpath = xasprintf("%s/%s", path, e->d_name);
		r = tar_add(out, fd, cpath, e->d_name, child, false);
	}
	closedir(d);
	return r;
}

/* Add dirfd/base as name (and everything below a directory) */
static int tar_add(int out, int dirfd, const char *path, const char *base, const char *name,
		   bool follow)
{
	struct stat st;
	if (fstatat(dirfd, base, &st, follow ? 0 : AT_SYMLINK_NOFOLLOW) < 0) {
		fprintf(stderr, "lstat %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (S_ISLNK(st.st_mode)) {
		char target[TAR_PATH_MAX + 1];
		ssize_t n = readlinkat(dirfd, base, target, TAR_PATH_MAX);
		if (n < 0)
			return -1;
		target[n] = '\0';
		return cp_tar_header(out, name, target, &st, TAR_SYMLINK, 0);
	}
	if (S_ISDIR(st.st_mode)) {
		cleanup_free char *dname = xasprintf("%s/", name);
		if (cp_tar_header(out, dname, NULL, &st, TAR_DIR, 0) < 0)
			return -1;
		cleanup_close int fd =
			openat(dirfd, base,
			       O_RDONLY | O_DIRECTORY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
		if (fd < 0)
			return -1;
		return tar_add_dir(out, fd, path, name);
	}
	if (!S_ISREG(st.st_mode))
		return 0; /* sockets, devices, fifos: not copied */
	cleanup_close int fd =
		openat(dirfd, base, O_RDONLY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
	if (fd < 0 || cp_tar_header(out, name, NULL, &st, TAR_REG, (uint64_t)st.st_size) < 0)
		return -1;
	char buf[65536];
	uint64_t left = (uint64_t)st.st_size;
	while (left > 0) {
		ssize_t n = read(fd, buf, left < sizeof(buf) ? left : sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) /* the file shrank: pad with zeros as the header promised */
			memset(buf, 0, sizeof(buf)),
				n = (ssize_t)(left < sizeof(buf) ? left : sizeof(buf));
		if (fd_write_all(out, buf, (size_t)n) < 0)
			return -1;
		left -= (uint64_t)n;
	}
	return tar_write_zeros(out, tar_pad_size((uint64_t)st.st_size), NULL);
}

/* A child writing the tar of src (named name) into a pipe; returns the
 * read end and the child's pid */
static int tar_spawn(const char *src, const char *name, bool follow, pid_t *ret_pid,
		     berth_error_t **err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return berth_error_set(err, errno, "pipe");
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return berth_error_set(err, errno, "fork");
	}
	if (pid == 0) {
		close(p[0]);
		cleanup_free char *c1 = xstrdup(src), *c2 = xstrdup(src);
		int dfd = open(dirname(c1), O_PATH | O_DIRECTORY | O_CLOEXEC);
		int r = dfd < 0 ? -1 : tar_add(p[1], dfd, src, basename(c2), name, follow);
		if (r == 0)
			r = tar_write_end(p[1], NULL);
		_exit(r == 0 ? 0 : 1);
	}
	close(p[1]);
	*ret_pid = pid;
	return p[0];
}

/* ---- the two directions ---- */

/* splitCpArg: "CONTAINER:PATH", or a local path (absolute, or "./x:y") */
static void cp_split(const char *arg, char **ret_ctr, const char **ret_path)
{
	const char *colon = strchr(arg, ':');
	*ret_ctr = NULL;
	*ret_path = arg;
	if (arg[0] == '/' || !colon || arg[0] == '.')
		return;
	*ret_ctr = xstrndup(arg, (size_t)(colon - arg));
	*ret_path = colon + 1;
}

static int cp_stdout_body(const char *data, size_t len, void *ud)
{
	(void)ud;
	return fd_write_all(STDOUT_FILENO, data, len) < 0 ? -1 : 0;
}

static int cp_from(struct cli *cli, const struct cli_args *args, const char *ctr, const char *src,
		   const char *dst, berth_error_t **err)
{
	struct cli_client *client;
	if (cli_client(cli, &client, err) < 0)
		return -1;
	cleanup_free char *id = cli_escape(ctr);
	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	strbuf_addf(&url, "/containers/%s/archive", id);
	cli_query_add(&url, "path", src);
	if (strcmp(dst, "-") == 0) {
		struct cli_request req = {
			.method = "GET",
			.path = url.buf,
			.body_fd = -1,
			.on_body = cp_stdout_body,
		};
		return cli_client_do(client, &req, NULL, err);
	}
	/* CopyInfoDestinationPath: the destination or, when it does not exist, its parent must */
	struct untar u = { .fd = -1, .root = -1, .dst = dst };
	struct stat st;
	if (stat(dst, &st) == 0) {
		u.dst_exists = true;
		u.dst_is_dir = S_ISDIR(st.st_mode);
	} else {
		cleanup_free char *copy = xstrdup(dst);
		const char *parent = dirname(copy);
		if (stat(parent, &st) < 0)
			return berth_error_fail(
				err, ENOENT, "invalid output path: directory \"%s\" does not exist",
				parent);
	}
	u.reader = tar_reader_new(&untar_ops, &u);
	struct cli_request req = {
		.method = "GET", .path = url.buf, .body_fd = -1, .on_body = untar_feed, .ud = &u
	};
	int r = cli_client_do(client, &req, NULL, err);
	/* a body cut inside an entry is an error, not a partial copy */
	if (r == 0 && !u.err)
		tar_reader_finish(u.reader, &u.err);
	if (u.err) {
		berth_error_release(err);
		*err = steal_pointer(&u.err);
		r = -1;
	}
	if (r == 0 && !cli_flag_bool(args, "quiet") && cli->stderr_tty) {
		char size[HUMAN_BUF];
		fprintf(stderr, "Successfully copied %s to %s\n",
			human_size((double)u.copied, size), dst);
	}
	untar_release(&u);
	return r;
}

/* Whether CONTAINER:path is a directory: the first header of its archive
 * (the transfer stops there).  -1 when it does not exist. */
struct cp_peek {
	uint8_t hdr[TAR_BLOCK_SIZE];
	size_t len;
};

static int cp_peek_body(const char *data, size_t len, void *ud)
{
	struct cp_peek *p = ud;
	size_t n = TAR_BLOCK_SIZE - p->len < len ? TAR_BLOCK_SIZE - p->len : len;
	memcpy(p->hdr + p->len, data, n);
	p->len += n;
	return p->len == TAR_BLOCK_SIZE ? -1 : 0;
}

static int cp_container_is_dir(struct cli_client *client, const char *id, const char *path)
{
	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	strbuf_addf(&url, "/containers/%s/archive", id);
	cli_query_add(&url, "path", path);
	struct cp_peek peek = { .len = 0 };
	struct cli_request req = { .method = "GET",
				   .path = url.buf,
				   .body_fd = -1,
				   .on_body = cp_peek_body,
				   .ud = &peek };
	cleanup_error berth_error_t *err = NULL;
	cli_client_do(client, &req, NULL, &err);
	if (peek.len < TAR_BLOCK_SIZE)
		return -1;
	return peek.hdr[156] == '5';
}

static int cp_to(struct cli *cli, const struct cli_args *args, const char *src, const char *ctr,
		 const char *dst, berth_error_t **err)
{
	struct cli_client *client;
	if (cli_client(cli, &client, err) < 0)
		return -1;
	cleanup_free char *id = cli_escape(ctr);
	int is_dir = cp_container_is_dir(client, id, dst);
	const char *target = dst;
	/* dirname() and basename() may modify their argument: work on copies */
	cleanup_free char *dcopy = NULL;
	cleanup_free char *name = NULL;
	cleanup_close int body = -1;
	pid_t pid = -1;
	if (strcmp(src, "-") == 0) {
		if (is_dir != 1)
			return berth_error_fail(err, ENOTDIR,
						"destination \"%s:%s\" must be a directory", ctr,
						dst);
		body = dup(STDIN_FILENO);
	} else {
		struct stat st;
		bool follow = cli_flag_bool(args, "follow-link");
		if ((follow ? stat(src, &st) : lstat(src, &st)) < 0) {
			char why[128];
			snprintf(why, sizeof(why), "%s", strerror(errno));
			why[0] = (char)tolower((unsigned char)why[0]);
			return berth_error_fail(err, errno, "%s %s: %s", follow ? "stat" : "lstat",
						src, why);
		}
		if (is_dir == 1) {
			cleanup_free char *scopy = xstrdup(src);
			name = xstrdup(basename(scopy));
		} else if (is_dir == 0 && S_ISDIR(st.st_mode)) {
			return berth_error_fail(err, EISDIR, "cannot copy directory");
		} else {
			/* extract into the parent, named as the destination */
			cleanup_free char *dcopy2 = xstrdup(dst);
			dcopy = xstrdup(dst);
			target = dirname(dcopy);
			name = xstrdup(basename(dcopy2));
		}
		body = tar_spawn(src, name, follow, &pid, err);
		if (body < 0)
			return -1;
	}
	cleanup_strbuf struct strbuf url = STRBUF_INIT;
	strbuf_addf(&url, "/containers/%s/archive", id);
	cli_query_add(&url, "path", target);
	cli_query_add(&url, "noOverwriteDirNonDir", "true");
	if (cli_flag_bool(args, "archive"))
		cli_query_add(&url, "copyUIDGID", "true");
	struct cli_request req = {
		.method = "PUT",
		.path = url.buf,
		.body_fd = body,
		.content_type = "application/x-tar",
	};
	int r = cli_client_do(client, &req, NULL, err);
	close(take_fd(&body));
	if (pid > 0) {
		int status = 0;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (r == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
			r = berth_error_fail(err, EIO, "failed to read '%s'", src);
	}
	return r;
}

static int cp_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_free char *sctr = NULL, *dctr = NULL;
	const char *spath, *dpath;
	cp_split(cli_arg(args, 0), &sctr, &spath);
	cp_split(cli_arg(args, 1), &dctr, &dpath);
	int r;
	if (!sctr && !dctr)
		r = berth_error_fail(&err, EINVAL, "must specify at least one container source");
	else if (sctr && dctr)
		r = berth_error_fail(&err, EINVAL, "copying between containers is not supported");
	else if (!*spath)
		r = berth_error_fail(&err, EINVAL, "source can not be empty");
	else if (!*dpath)
		r = berth_error_fail(&err, EINVAL, "destination can not be empty");
	else if (sctr)
		r = cp_from(cli, args, sctr, spath, dpath, &err);
	else
		r = cp_to(cli, args, spath, dctr, dpath, &err);
	if (r < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	return 0;
}

const struct cli_command cli_cmd_cp = {
	.name = "cp",
	.usage =
		"[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tberth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
	.summary = "Copy files/folders between a container and the local filesystem",
	.description = "Copy files/folders between a container and the local filesystem\n\n"
		       "Use '-' as the source to read a tar archive from stdin\n"
		       "and extract it to a directory destination in a container.\n"
		       "Use '-' as the destination to stream a tar archive of a\n"
		       "container source to stdout.",
	.flags = cp_flags,
	.min_args = 2,
	.max_args = 2,
	.complete = "containers",
	.run = cp_run,
};
