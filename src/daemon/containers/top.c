/* top: GET /containers/{id}/top as moby's daemon/top_unix.go does it: run
 * the host's ps (first with "-q <pids>", again without when ps refuses that
 * combination), find the PID column in the header and keep the rows of the
 * container's processes.  ps runs without a shell, its output is capped,
 * and its arguments are whitespace-split words, never interpreted. */
#include "daemon/containers/top.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/parse.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

#include "common/banned.h"

#define TOP_PS "/bin/ps"
#define TOP_MAX_ARGS 64
#define TOP_MAX_OUTPUT (16u << 20) /* ps -ef on a busy host is well below */
#define TOP_MAX_STDERR (64u << 10)

/* ---- arguments ------------------------------------------------------------ */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Whitespace-split words of s into a NULL-terminated vector */
static int split_args(const char *s, char ***ret, size_t *ret_n, berth_error_t **err)
{
	cleanup_strv char **v = xcalloc(TOP_MAX_ARGS + 1, sizeof(char *));
	size_t n = 0;
	while (*s) {
		while (is_space(*s))
			s++;
		if (*s == '\0')
			break;
		const char *start = s;
		while (*s && !is_space(*s))
			s++;
		if (n == TOP_MAX_ARGS)
			return berth_error_fail(err, EINVAL, "too many ps arguments (at most %d)",
						TOP_MAX_ARGS);
		v[n++] = xstrndup(start, (size_t)(s - start));
	}
	*ret = steal_pointer(&v);
	*ret_n = n;
	return 0;
}

/* moby's validatePSArgs: a column may be renamed to PID only if it is the
 * pid column ("-o pid=PID"), else the PID column would be found in the
 * wrong place */
static int check_args(char **v, size_t n, berth_error_t **err)
{
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(v[i], '=');
		if (eq == NULL)
			continue;
		const char *val = eq[1] ? eq + 1 : (i + 1 < n ? v[i + 1] : "");
		if (strncmp(val, "PID", 3) != 0)
			continue;
		const char *key = v[i];
		size_t klen = (size_t)(eq - key);
		if (klen == 3 && strncmp(key, "pid", 3) == 0)
			continue;
		return berth_error_fail(err, EINVAL, "specifying \"%.*s=%s\" is not allowed",
					(int)klen, key, val);
	}
	return 0;
}

/* ---- running ps ---------------------------------------------------------- */

/* Read both pipes to their end, at most the caps; -1 with err past a cap */
static int collect(int out_fd, int err_fd, struct strbuf *out, struct strbuf *errs,
		   berth_error_t **err)
{
	struct pollfd p[2] = { { .fd = out_fd, .events = POLLIN },
			       { .fd = err_fd, .events = POLLIN } };
	char buf[16384];
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return berth_error_set(err, errno, "poll ps output");
		}
		for (int i = 0; i < 2; i++) {
			if (p[i].fd < 0 || p[i].revents == 0)
				continue;
			ssize_t n = read(p[i].fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				p[i].fd = -1;
				continue;
			}
			struct strbuf *sb = i == 0 ? out : errs;
			size_t cap = i == 0 ? TOP_MAX_OUTPUT : TOP_MAX_STDERR;
			if (sb->len + (size_t)n > cap) {
				if (i == 0)
					return berth_error_fail(err, EINVAL,
								"ps output is over %zu bytes", cap);
				continue; /* stderr: keep the start, it says why */
			}
			strbuf_add(sb, buf, (size_t)n);
		}
	}
	return 0;
}

/* Run ps with argv (argv[0] is "ps"): 0 with its stdout in out, or -1
 * with err carrying the first line of its stderr, as moby reports it */
static int run_ps(char *const *argv, struct strbuf *out, berth_error_t **err)
{
	int o[2] = { -1, -1 }, e[2] = { -1, -1 };
	if (pipe2(o, O_CLOEXEC) < 0 || pipe2(e, O_CLOEXEC) < 0) {
		int saved = errno;
		for (int i = 0; i < 2; i++) {
			if (o[i] >= 0)
				close(o[i]);
			if (e[i] >= 0)
				close(e[i]);
		}
		return berth_error_set(err, saved, "pipe");
	}
	cleanup_close int out_r = o[0], err_r = e[0];
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, o[1], 1);
	posix_spawn_file_actions_adddup2(&fa, e[1], 2);
	/* a fixed environment: the C locale keeps the titles ASCII */
	static char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };
	pid_t pid;
	int rc = posix_spawn(&pid, TOP_PS, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	close(o[1]);
	close(e[1]);
	if (rc != 0)
		return berth_error_set(err, rc, "ps: run '%s'", TOP_PS);

	struct strbuf errs;
	strbuf_init(&errs, 0);
	int r = collect(out_r, err_r, out, &errs, err);
	if (r < 0)
		kill(pid, SIGKILL);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (r == 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		char *nl = memchr(errs.buf, '\n', errs.len);
		size_t len = nl ? (size_t)(nl - errs.buf) : errs.len;
		if (len > 0)
			r = berth_error_fail(err, EINVAL, "ps: %.*s", (int)len, errs.buf);
		else if (WIFEXITED(st))
			r = berth_error_fail(err, EINVAL, "ps: exit status %d", WEXITSTATUS(st));
		else
			r = berth_error_fail(err, EINVAL, "ps: killed by signal %d", WTERMSIG(st));
	}
	strbuf_release(&errs);
	return r;
}

/* ---- parsing ----------------------------------------------------------- */

static json_t *split_fields(const char *line, size_t len)
{
	json_t *a = json_array();
	size_t i = 0;
	while (i < len) {
		while (i < len && is_space(line[i]))
			i++;
		if (i == len)
			break;
		size_t start = i;
		while (i < len && !is_space(line[i]))
			i++;
		json_array_append_new(a, json_stringn(line + start, i - start));
	}
	return a;
}

/* The fields of a row as many as the titles: the last title (CMD) takes
 * the rest of the line joined by single spaces, as moby does */
static json_t *merge_overhang(json_t *fields, size_t n_titles)
{
	size_t n = json_array_size(fields);
	if (n <= n_titles)
		return json_incref(fields);
	json_t *row = json_array();
	for (size_t i = 0; i + 1 < n_titles; i++)
		json_array_append(row, json_array_get(fields, i));
	struct strbuf sb;
	strbuf_init(&sb, 0);
	for (size_t i = n_titles - 1; i < n; i++) {
		if (i > n_titles - 1)
			strbuf_addch(&sb, ' ');
		strbuf_addstr(&sb, json_string_value(json_array_get(fields, i)));
	}
	json_array_append_new(row, json_stringn(sb.buf, sb.len));
	strbuf_release(&sb);
	return row;
}

static bool has_pid(const pid_t *pids, size_t n, int64_t p)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == p)
			return true;
	return false;
}

static int parse_output(const char *out, size_t len, const pid_t *pids, size_t n, json_t **ret,
			berth_error_t **err)
{
	const char *nl = memchr(out, '\n', len);
	size_t hlen = nl ? (size_t)(nl - out) : len;
	cleanup_json json_t *titles = split_fields(out, hlen);
	size_t pid_col = SIZE_MAX;
	for (size_t i = 0; i < json_array_size(titles); i++)
		if (strcmp(json_string_value(json_array_get(titles, i)), "PID") == 0) {
			pid_col = i;
			break;
		}
	if (pid_col == SIZE_MAX)
		return berth_error_fail(err, EINVAL, "Couldn't find PID field in ps output");
	cleanup_json json_t *procs = json_array();
	bool prev_kept = false;
	const char *p = nl ? nl + 1 : out + len, *end = out + len;
	while (p < end) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		size_t l = e ? (size_t)(e - p) : (size_t)(end - p);
		cleanup_json json_t *fields = split_fields(p, l);
		p += l + (e ? 1 : 0);
		if (json_array_size(fields) <= pid_col)
			continue;
		const char *f = json_string_value(json_array_get(fields, pid_col));
		bool keep;
		if (strcmp(f, "-") == 0) {
			/* a thread row (ps -L, H): it belongs to the row above */
			keep = prev_kept;
		} else {
			int64_t v;
			if (parse_int64(f, 10, &v, NULL) < 0)
				return berth_error_fail(err, EINVAL, "Unexpected pid '%s'", f);
			keep = has_pid(pids, n, v);
			prev_kept = keep;
		}
		if (keep)
			json_array_append_new(procs,
					      merge_overhang(fields, json_array_size(titles)));
	}
	*ret = json_pack("{s:O,s:O}", "Titles", titles, "Processes", procs);
	return 0;
}

int top_table(const pid_t *pids, size_t n, const char *ps_args, json_t **ret, berth_error_t **err)
{
	if (ps_args == NULL || *ps_args == '\0')
		ps_args = "-ef";
	cleanup_strv char **words = NULL;
	size_t n_words = 0;
	int r = split_args(ps_args, &words, &n_words, err);
	if (r < 0 || (r = check_args(words, n_words, err)) < 0)
		return r;
	/* argv: "ps", the words, and "-q" "<pid,pid,...>" on the first try */
	cleanup_free char **argv = xcalloc(n_words + 4, sizeof(char *));
	argv[0] = "ps";
	for (size_t i = 0; i < n_words; i++)
		argv[i + 1] = words[i];
	struct strbuf q;
	strbuf_init(&q, 0);
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&q, "%s%d", i ? "," : "", (int)pids[i]);
	if (n > 0) {
		argv[n_words + 1] = "-q";
		argv[n_words + 2] = q.buf;
	}
	struct strbuf out;
	strbuf_init(&out, 0);
	r = run_ps(argv, &out, n > 0 ? NULL : err);
	if (r < 0 && n > 0) {
		/* some ps options (f, for one) do not go with -q: retry without */
		argv[n_words + 1] = NULL;
		strbuf_reset(&out);
		r = run_ps(argv, &out, err);
	}
	strbuf_release(&q);
	if (r == 0)
		r = parse_output(out.buf, out.len, pids, n, ret, err);
	strbuf_release(&out);
	return r;
}
