/* stats: `berth stats`, docker's container/stats.go, stats_helpers.go and
 * formatter_stats.go.  Every refresh takes one sample of every container
 * (GET /containers/ID/stats?stream=0&one-shot=1) and computes CPU % from
 * the previous sample kept here, memory without the inactive file cache,
 * network and block I/O sums exactly as docker does.  On a terminal the
 * table is redrawn in place (cursor home, each line erased to its end,
 * the rest of the screen cleared, the cursor hidden meanwhile); otherwise
 * one table per refresh.  --no-stream prints one table after two samples. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "cli/format.h"
#include "cli/human.h"
#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

#define STATS_DEFAULT_TABLE \
	"table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}"
#define STATS_CONFIG_MAX (1 << 20)
/* seconds between samples */
#define STATS_INTERVAL 1

static const struct cli_flag stats_flags[] = {
	{ .name = "all",
	  .shorthand = 'a',
	  .type = CLI_BOOL,
	  .usage = "Show all containers (default shows just running)" },
	{ .name = "format",
	  .type = CLI_STRING,
	  .value_name = "string",
	  .usage =
		  "Format output using a custom template:\n"
		  "'table':            Print output in table format with column headers (default)\n"
		  "'table TEMPLATE':   Print output in table format using the given Go template\n"
		  "'json':             Print in JSON format\n"
		  "'TEMPLATE':         Print output using the given Go template.\n"
		  "Refer to https://docs.docker.com/go/formatting/ for more information about formatting "
		  "output with templates" },
	{ .name = "no-stream",
	  .type = CLI_BOOL,
	  .usage = "Disable streaming stats and only pull the first result" },
	{ .name = "no-trunc", .type = CLI_BOOL, .usage = "Do not truncate output" },
	CLI_FLAGS_END
};

/* One container's row: its last sample's raw counters and the values
 * computed from the last two */
struct stats_row {
	char *container; /* as named on the command line, or its ID */
	char *id, *name;
	bool seen; /* still listed in this refresh */
	bool have_sample, invalid;
	double cpu_total, system_total; /* the previous sample's counters */
	double cpu_perc, mem, mem_limit, mem_perc, net_rx, net_tx, blk_read, blk_write;
	unsigned long long pids;
};

struct stats_state {
	struct stats_row *rows;
	size_t n, alloc;
};

static double stats_num(const json_t *obj, const char *key)
{
	return json_number_value(json_object_get(obj, key));
}

/* calculateMemUsageUnixNoCache */
static double stats_mem_usage(const json_t *mem)
{
	double usage = stats_num(mem, "usage");
	const json_t *st = json_object_get(mem, "stats");
	const json_t *v1 = json_object_get(st, "total_inactive_file");
	if (v1 && json_number_value(v1) < usage)
		return usage - json_number_value(v1);
	double v2 = stats_num(st, "inactive_file");
	if (v2 < usage)
		return usage - v2;
	return usage;
}

/* Fold one sample into row: CPU % from the previous sample (none on the
 * first, which only primes the counters) */
static void stats_apply(struct stats_row *row, const json_t *s)
{
	const json_t *cpu = json_object_get(s, "cpu_stats");
	const json_t *usage = json_object_get(cpu, "cpu_usage");
	double total = stats_num(usage, "total_usage"), system = stats_num(cpu, "system_cpu_usage");
	double online = stats_num(cpu, "online_cpus");
	if (online == 0)
		online = (double)json_array_size(json_object_get(usage, "percpu_usage"));
	row->cpu_perc = 0;
	if (row->have_sample) {
		double cd = total - row->cpu_total, sd = system - row->system_total;
		if (sd > 0 && cd > 0)
			row->cpu_perc = cd / sd * online * 100.0;
	}
	row->cpu_total = total, row->system_total = system;
	row->have_sample = true;
	row->invalid = false;

	const json_t *mem = json_object_get(s, "memory_stats");
	row->mem = stats_mem_usage(mem);
	row->mem_limit = stats_num(mem, "limit");
	row->mem_perc = row->mem_limit != 0 ? row->mem / row->mem_limit * 100.0 : 0;

	row->net_rx = row->net_tx = 0;
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(s, "networks"), k, v)
	{
		row->net_rx += stats_num(v, "rx_bytes");
		row->net_tx += stats_num(v, "tx_bytes");
	}
	row->blk_read = row->blk_write = 0;
	size_t i;
	json_array_foreach(json_object_get(json_object_get(s, "blkio_stats"),
					   "io_service_bytes_recursive"),
			   i, v)
	{
		const char *op = json_string_value(json_object_get(v, "op"));
		if (op && (*op == 'r' || *op == 'R'))
			row->blk_read += stats_num(v, "value");
		else if (op && (*op == 'w' || *op == 'W'))
			row->blk_write += stats_num(v, "value");
	}
	row->pids = (unsigned long long)stats_num(json_object_get(s, "pids_stats"), "current");
	const char *id = json_string_value(json_object_get(s, "id"));
	const char *name = json_string_value(json_object_get(s, "name"));
	if (id) {
		free(row->id);
		row->id = xstrdup(id);
	}
	if (name) {
		free(row->name);
		row->name = xstrdup(name);
	}
}

static int stats_sample(struct cli *cli, struct stats_row *row, berth_error_t **err)
{
	cleanup_free char *id = cli_escape(row->container);
	cleanup_free char *path = xasprintf("/containers/%s/stats?stream=0&one-shot=1", id);
	cleanup_json json_t *s = NULL;
	if (cli_get_json(cli, path, &s, err) < 0)
		return -1;
	stats_apply(row, s);
	return 0;
}

static struct stats_row *stats_find(struct stats_state *st, const char *container)
{
	for (size_t i = 0; i < st->n; i++)
		if (strcmp(st->rows[i].container, container) == 0)
			return &st->rows[i];
	st->rows = xgrow(st->rows, &st->alloc, st->n + 1, sizeof(*st->rows));
	st->rows[st->n] = (struct stats_row){ .container = xstrdup(container) };
	return &st->rows[st->n++];
}

static void stats_row_release(struct stats_row *row)
{
	free(row->container);
	free(row->id);
	free(row->name);
}

static void stats_state_release(struct stats_state *st)
{
	for (size_t i = 0; i < st->n; i++)
		stats_row_release(&st->rows[i]);
	free(st->rows);
}

/* Without arguments the rows follow the container list: new containers
 * join, removed ones leave */
static int stats_follow_list(struct cli *cli, struct stats_state *st, bool all, berth_error_t **err)
{
	cleanup_json json_t *list = NULL;
	if (cli_get_json(cli, all ? "/containers/json?all=1" : "/containers/json", &list, err) < 0)
		return -1;
	for (size_t i = 0; i < st->n; i++)
		st->rows[i].seen = false;
	size_t i;
	json_t *c;
	json_array_foreach(list, i, c)
	{
		/* docker names a listed container by its short ID */
		const char *id = json_string_value(json_object_get(c, "Id"));
		if (!id)
			continue;
		cleanup_free char *short_id = xstrndup(id, 12);
		stats_find(st, short_id)->seen = true;
	}
	size_t kept = 0;
	for (i = 0; i < st->n; i++) {
		if (st->rows[i].seen)
			st->rows[kept++] = st->rows[i];
		else
			stats_row_release(&st->rows[i]);
	}
	st->n = kept;
	return 0;
}

/* Sample every row.  Named containers that fail: on the first round the
 * errors are returned (docker's "each container gets one valid stat"),
 * later the row shows "--".  Listed containers that went away are
 * dropped. */
static int stats_round(struct cli *cli, struct stats_state *st, bool named, bool first,
		       berth_error_t **err)
{
	cleanup_strbuf struct strbuf errors = STRBUF_INIT;
	size_t kept = 0;
	for (size_t i = 0; i < st->n; i++) {
		cleanup_error berth_error_t *e = NULL;
		struct stats_row *row = &st->rows[i];
		if (stats_sample(cli, row, &e) < 0) {
			if (!named) {
				stats_row_release(row);
				continue;
			}
			if (first)
				strbuf_addf(&errors, "%s%s", errors.len ? "\n" : "", e->msg);
			row->invalid = true;
		}
		st->rows[kept++] = *row;
	}
	st->n = kept;
	if (errors.len)
		return berth_error_fail(err, EIO, "%s", errors.buf);
	return 0;
}

static void stats_setf(json_t *item, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void stats_setf(json_t *item, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cleanup_free char *s = xvasprintf(fmt, ap);
	va_end(ap);
	json_object_set_new(item, key, json_string(s));
}

/* The fields of formatter_stats.go's statsContext, alphabetical like
 * docker's {{json .}} */
static json_t *stats_item(const struct stats_row *r, bool trunc)
{
	char a[HUMAN_BUF], b[HUMAN_BUF];
	json_t *item = json_object();
	bool bad = r->invalid;
	if (bad)
		stats_setf(item, "BlockIO", "--");
	else
		stats_setf(item, "BlockIO", "%s / %s", human_size(r->blk_read, a),
			   human_size(r->blk_write, b));
	if (bad)
		stats_setf(item, "CPUPerc", "--");
	else
		stats_setf(item, "CPUPerc", "%.2f%%", r->cpu_perc);
	stats_setf(item, "Container", "%s", r->container);
	const char *id = r->id ? r->id : "";
	stats_setf(item, "ID", "%.*s", trunc ? 12 : (int)strlen(id), id);
	if (bad)
		stats_setf(item, "MemPerc", "--");
	else
		stats_setf(item, "MemPerc", "%.2f%%", r->mem_perc);
	if (bad)
		stats_setf(item, "MemUsage", "-- / --");
	else
		stats_setf(item, "MemUsage", "%s / %s", human_bytes(r->mem, a),
			   human_bytes(r->mem_limit, b));
	const char *name = r->name && *r->name == '/' ? r->name + 1 : r->name;
	stats_setf(item, "Name", "%s", name && *name ? name : "--");
	if (bad)
		stats_setf(item, "NetIO", "--");
	else
		stats_setf(item, "NetIO", "%s / %s", human_size(r->net_rx, a),
			   human_size(r->net_tx, b));
	if (bad)
		stats_setf(item, "PIDs", "--");
	else
		stats_setf(item, "PIDs", "%llu", r->pids);
	return item;
}

static json_t *stats_headers(void)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Container", "CONTAINER",
			 "Name", "NAME", "ID", "CONTAINER ID", "CPUPerc", "CPU %", "MemUsage",
			 "MEM USAGE / LIMIT", "MemPerc", "MEM %", "NetIO", "NET I/O", "BlockIO",
			 "BLOCK I/O", "PIDs", "PIDS");
}

/* The table of every row, as text */
static int stats_render(const struct stats_state *st, const char *format, bool trunc,
			struct strbuf *out, berth_error_t **err)
{
	cleanup_json json_t *headers = stats_headers();
	struct format *f = NULL;
	if (format_new(format, STATS_DEFAULT_TABLE, headers, &f, err) < 0)
		return -1;
	int r = 0;
	for (size_t i = 0; i < st->n && r >= 0; i++) {
		cleanup_json json_t *item = stats_item(&st->rows[i], trunc);
		r = format_row(f, item, err);
	}
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	if (!mem)
		abort();
	if (r >= 0)
		r = format_flush(f, mem, err);
	fclose(mem);
	format_free(f);
	if (r >= 0)
		strbuf_add(out, text, len);
	free(text);
	return r;
}

/* On a terminal: home, each line erased to its end, the rest cleared */
static void stats_draw(const char *text, bool tty)
{
	if (!tty) {
		fputs(text, stdout);
		fflush(stdout);
		return;
	}
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "\033[H");
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		strbuf_add(&sb, p, n);
		strbuf_addstr(&sb, "\033[K\n");
		p += n + (nl ? 1 : 0);
	}
	strbuf_addstr(&sb, "\033[J");
	fwrite(sb.buf, 1, sb.len, stdout);
	fflush(stdout);
}

static void stats_show_cursor(void)
{
	static const char show[] = "\033[?25h";
	ssize_t r = write(STDOUT_FILENO, show, sizeof(show) - 1);
	(void)r;
}

/* Ctrl-C ends a live display: give the cursor back, then die of it */
static void stats_on_signal(int sig)
{
	stats_show_cursor();
	signal(sig, SIG_DFL);
	raise(sig);
}

static char *stats_config_format(const struct cli *cli)
{
	if (!cli->config_dir)
		return NULL;
	cleanup_free char *path = xasprintf("%s/config.json", cli->config_dir);
	cleanup_json json_t *cfg = NULL;
	if (access(path, F_OK) < 0 || bjson_load_file(path, STATS_CONFIG_MAX, 0, &cfg, NULL) < 0)
		return NULL;
	const char *f = json_string_value(json_object_get(cfg, "statsFormat"));
	return f && *f ? xstrdup(f) : NULL;
}

static int stats_timer(berth_error_t **err)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (fd < 0)
		return berth_error_set(err, errno, "timerfd_create");
	struct itimerspec its = { .it_interval = { STATS_INTERVAL, 0 },
				  .it_value = { STATS_INTERVAL, 0 } };
	if (timerfd_settime(fd, 0, &its, NULL) < 0) {
		close(fd);
		return berth_error_set(err, errno, "timerfd_settime");
	}
	return fd;
}

static int stats_wait_tick(int tfd, berth_error_t **err)
{
	struct pollfd p = { .fd = tfd, .events = POLLIN };
	for (;;) {
		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return berth_error_set(err, errno, "poll");
		}
		uint64_t ticks;
		if (read(tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN && errno != EINTR)
			return berth_error_set(err, errno, "read timer");
		return 0;
	}
}

static int stats_loop(struct cli *cli, const struct cli_args *args, struct stats_state *st,
		      const char *format, berth_error_t **err)
{
	bool named = cli_nargs(args) > 0, all = cli_flag_bool(args, "all");
	bool stream = !cli_flag_bool(args, "no-stream"), trunc = !cli_flag_bool(args, "no-trunc");
	bool tty = stream && cli->stdout_tty;
	for (size_t i = 0; i < cli_nargs(args); i++)
		stats_find(st, cli_arg(args, i));
	if (!named && stats_follow_list(cli, st, all, err) < 0)
		return -1;
	if (stats_round(cli, st, named, true, err) < 0)
		return -1;
	cleanup_close int tfd = stats_timer(err);
	if (tfd < 0)
		return -1;
	if (tty) {
		signal(SIGINT, stats_on_signal);
		signal(SIGTERM, stats_on_signal);
		signal(SIGHUP, stats_on_signal);
		atexit(stats_show_cursor);
		fputs("\033[?25l\033[2J", stdout);
	}
	for (;;) {
		if (stats_wait_tick(tfd, err) < 0)
			return -1;
		if (!named && stats_follow_list(cli, st, all, err) < 0)
			return -1;
		if (stats_round(cli, st, named, false, err) < 0)
			return -1;
		cleanup_strbuf struct strbuf text = STRBUF_INIT;
		if (stats_render(st, format, trunc, &text, err) < 0)
			return -1;
		stats_draw(text.buf, tty);
		if (!stream)
			return 0;
	}
}

static int stats_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL;
	const char *format = cli_flag_string(args, "format");
	cleanup_free char *config_format = NULL;
	if (!format || !*format) {
		config_format = stats_config_format(cli); /* owned here, freed on return */
		format = config_format;
	}
	struct stats_state st = { 0 };
	int r = stats_loop(cli, args, &st, format ? format : "", &err);
	stats_state_release(&st);
	if (r < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	return 0;
}

const struct cli_command cli_cmd_stats = {
	.name = "stats",
	.usage = "[OPTIONS] [CONTAINER...]",
	.summary = "Display a live stream of container(s) resource usage statistics",
	.flags = stats_flags,
	.min_args = 0,
	.max_args = -1,
	.complete = "running",
	.run = stats_run,
};
