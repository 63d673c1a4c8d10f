/* progress: docker's jsonmessage display (DisplayJSONMessagesStream) for
 * the JSON-lines streams of pull, push, load and import.  On a terminal
 * every id that reports progress owns one line, redrawn in place by moving
 * the cursor up to it and back; otherwise progress updates are dropped and
 * the rest printed as plain lines, byte for byte what docker prints.
 * Invariant: on a terminal the cursor always ends below every id line. */
#include "cli/progress.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cli/client.h"
#include "cli/human.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

/* One JSON line is small; a daemon that sends more is broken */
#define PROGRESS_MAX_LINE (1u << 20)
/* docker's width when out is not a terminal or its size is unknown */
#define PROGRESS_DEFAULT_WIDTH 200
/* docker draws its 50-cell bar only on terminals wider than this */
#define PROGRESS_DOCKER_BAR_WIDTH 110

struct progress {
	FILE *out; /* not owned */
	bool tty;
	int width;          /* terminal columns */
	struct strbuf line; /* a partial JSON line */
	char **ids;         /* ids that own a line, in the order their lines were opened */
	size_t n_ids;
	json_t *aux;         /* the last aux object */
	time_t (*now)(void); /* the clock for time-left, replaced by the tests */
};

static time_t progress_now(void)
{
	return time(NULL);
}

struct progress *progress_new(FILE *out, bool tty)
{
	struct progress *p = xcalloc(1, sizeof(*p));
	p->out = out;
	p->tty = tty;
	p->width = PROGRESS_DEFAULT_WIDTH;
	p->now = progress_now;
	strbuf_init(&p->line, 0);
	struct winsize ws;
	int fd = fileno(out);
	if (tty && fd >= 0 && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		p->width = ws.ws_col;
	return p;
}

void progress_set_width(struct progress *p, int width)
{
	p->width = width;
}

void progress_set_clock(struct progress *p, time_t (*now)(void))
{
	p->now = now ? now : progress_now;
}

static void progress_forget_ids(struct progress *p)
{
	for (size_t i = 0; i < p->n_ids; i++)
		free(p->ids[i]);
	free(p->ids);
	p->ids = NULL;
	p->n_ids = 0;
}

void progress_free(struct progress *p)
{
	if (!p)
		return;
	progress_forget_ids(p);
	strbuf_release(&p->line);
	json_decref(p->aux);
	free(p);
}

const json_t *progress_last_aux(const struct progress *p)
{
	return p->aux;
}

/* go-units HumanSize (human.h) */
static void progress_size(int64_t bytes, struct strbuf *out)
{
	char buf[HUMAN_BUF];
	strbuf_addstr(out, human_size4((double)bytes, buf));
}

/* Go's time.Duration.String() for whole seconds: "0s", "45s", "1m5s", "2h0m3s" */
static void progress_duration(int64_t secs, struct strbuf *out)
{
	if (secs < 0) {
		strbuf_addch(out, '-');
		secs = -secs;
	}
	if (secs >= 3600)
		strbuf_addf(out, "%" PRId64 "h%" PRId64 "m%" PRId64 "s", secs / 3600,
			    secs % 3600 / 60, secs % 60);
	else if (secs >= 60)
		strbuf_addf(out, "%" PRId64 "m%" PRId64 "s", secs / 60, secs % 60);
	else
		strbuf_addf(out, "%" PRId64 "s", secs);
}

static int64_t json_int_field(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_real(v))
		return (int64_t)json_real_value(v);
	return 0;
}

static void progress_pad8(struct strbuf *out, const struct strbuf *s)
{
	for (size_t i = s->len; i < 8; i++)
		strbuf_addch(out, ' ');
	strbuf_add(out, s->buf, s->len);
}

/* The bar: docker's 50 cells when the terminal is wide enough; on a
 * narrower one (where docker shows none) a bar scaled to what is left of
 * the line, so that an 80-column terminal still sees progress */
static void progress_bar(const struct progress *p, int64_t current, int64_t total,
			 struct strbuf *out)
{
	int cells = 50;
	if (p->width <= PROGRESS_DOCKER_BAR_WIDTH) {
		cells = p->width - 62;
		if (cells < 10)
			return;
	}
	int filled = (int)((double)current / (double)total * 100) / 2;
	if (filled > 50)
		filled = 50;
	if (cells != 50)
		filled = filled * cells / 50;
	strbuf_addch(out, '[');
	for (int i = 0; i < filled; i++)
		strbuf_addch(out, '=');
	strbuf_addch(out, '>');
	for (int i = filled; i < cells; i++)
		strbuf_addch(out, ' ');
	strbuf_addstr(out, "] ");
}

/* JSONProgress.String(): "[===>   ] 12.35MB/45.6MB 3s" */
static void progress_detail(const struct progress *p, const json_t *d, struct strbuf *out)
{
	int64_t current = json_int_field(d, "current"), total = json_int_field(d, "total");
	int64_t start = json_int_field(d, "start");
	const char *units = json_string_value(json_object_get(d, "units"));
	bool hide = json_is_true(json_object_get(d, "hidecounts"));
	if (units && !*units)
		units = NULL;
	cleanup_strbuf struct strbuf num = STRBUF_INIT;

	if (current <= 0 && total <= 0)
		return;
	if (total <= 0) {
		if (units) {
			strbuf_addf(out, "%" PRId64 " %s", current, units);
		} else {
			progress_size(current, &num);
			progress_pad8(out, &num);
		}
		return;
	}
	int percentage = (int)((double)current / (double)total * 100) / 2;
	if (percentage > 50)
		percentage = 50;
	progress_bar(p, current, total, out);
	if (!hide && !units) {
		progress_size(current, &num);
		progress_pad8(out, &num);
		if (current <= total) {
			strbuf_addch(out, '/');
			progress_size(total, out);
		}
	} else if (!hide) {
		if (current <= total)
			strbuf_addf(out, "%" PRId64 "/%" PRId64 " %s", current, total, units);
		else
			strbuf_addf(out, "%" PRId64 " %s", current, units);
	}
	if (current > 0 && start > 0 && percentage < 50 && p->width > 50) {
		int64_t elapsed = (int64_t)p->now() - start;
		/* Go computes per-entry time in nanoseconds, then truncates to seconds */
		int64_t per_entry_ns = elapsed * 1000000000 / current;
		double left = (double)per_entry_ns * (double)(total - current) / 1e9;
		strbuf_addch(out, ' ');
		progress_duration((int64_t)left, out);
	}
}

/* The line index of id, opening a new line for a new id (docker's ids map) */
static size_t progress_line_of(struct progress *p, const char *id, bool *is_new)
{
	for (size_t i = 0; i < p->n_ids; i++)
		if (strcmp(p->ids[i], id) == 0) {
			*is_new = false;
			return i;
		}
	p->ids = xrealloc(p->ids, (p->n_ids + 1) * sizeof(*p->ids));
	p->ids[p->n_ids] = xstrdup(id);
	*is_new = true;
	return p->n_ids++;
}

/* "status bar\r" for a line redrawn in place, cut to the terminal's width:
 * a line that wrapped would take two rows, and moving the cursor up by
 * line counts would then land on the wrong one (docker's lines wrap) */
static void progress_add_fitted(const struct progress *p, struct strbuf *out, size_t line_start,
				const char *status, const char *bar)
{
	strbuf_addf(out, "%s %s", status, bar);
	size_t max = p->width > 1 ? (size_t)p->width - 1 : 1;
	size_t cols = 0, cut = out->len;
	for (size_t i = line_start; i < out->len; i++) {
		/* count code points, not the bytes of UTF-8 continuations */
		if (((unsigned char)out->buf[i] & 0xc0) == 0x80)
			continue;
		if (cols == max) {
			cut = i;
			break;
		}
		cols++;
	}
	strbuf_setlen(out, cut);
	strbuf_addch(out, '\r');
}

/* JSONMessage.Display, rendered into out */
static void progress_display(struct progress *p, const json_t *m, struct strbuf *out)
{
	const char *stream = json_string_value(json_object_get(m, "stream"));
	const char *status = json_string_value(json_object_get(m, "status"));
	const char *id = json_string_value(json_object_get(m, "id"));
	const char *from = json_string_value(json_object_get(m, "from"));
	const char *pmsg = json_string_value(json_object_get(m, "progress"));
	const json_t *detail = json_object_get(m, "progressDetail");
	bool has_detail = json_is_object(detail);
	const char *endl = "";
	size_t line_start = 0;
	cleanup_strbuf struct strbuf bar = STRBUF_INIT;

	if (!status)
		status = "";
	if (has_detail)
		progress_detail(p, detail, &bar);
	if (p->tty && (!stream || !*stream) && has_detail) {
		/* erase the whole line, then write it from its start */
		strbuf_addstr(out, "\x1b[2K\r");
		line_start = out->len;
		endl = "\r";
	} else if (has_detail && bar.len > 0) {
		return; /* progress updates are for terminals only */
	}
	if (id && *id)
		strbuf_addf(out, "%s: ", id);
	if (from && *from)
		strbuf_addf(out, "(from %s) ", from);
	if (has_detail && p->tty)
		progress_add_fitted(p, out, line_start, status, bar.buf);
	else if (pmsg && *pmsg)
		strbuf_addf(out, "%s %s%s", status, pmsg, endl);
	else if (stream && *stream)
		strbuf_addf(out, "%s%s", stream, endl);
	else
		strbuf_addf(out, "%s%s\n", status, endl);
}

/* The error a message carries: errorDetail.message, else error */
static const char *progress_error_of(const json_t *m)
{
	const json_t *detail = json_object_get(m, "errorDetail");
	const char *msg = json_string_value(json_object_get(detail, "message"));
	if (json_is_object(detail))
		return msg ? msg : "";
	return json_string_value(json_object_get(m, "error"));
}

static int progress_message(struct progress *p, const json_t *m, berth_error_t **err)
{
	if (!json_is_object(m))
		return berth_error_fail(
			err, EIO, "unexpected message in the progress stream: expected an object");
	const json_t *aux = json_object_get(m, "aux");
	if (aux && !json_is_null(aux)) {
		json_decref(p->aux);
		p->aux = json_incref((json_t *)aux);
		return 0;
	}
	const char *id = json_string_value(json_object_get(m, "id"));
	bool has_progress = json_is_object(json_object_get(m, "progressDetail")) ||
			    json_string_length(json_object_get(m, "progress")) > 0;
	size_t diff = 0;
	cleanup_strbuf struct strbuf out = STRBUF_INIT;

	if (id && *id && has_progress) {
		bool is_new;
		size_t line = progress_line_of(p, id, &is_new);
		if (is_new && p->tty)
			strbuf_addch(&out, '\n');
		diff = p->n_ids - line;
		if (p->tty && diff > 0)
			strbuf_addf(&out, "\x1b[%zuA", diff);
	} else {
		/* a message that is not progress starts a new block of lines
		 * (pull -a: the next tag's layers) */
		progress_forget_ids(p);
	}
	const char *emsg = progress_error_of(m);
	if (!emsg)
		progress_display(p, m, &out);
	if (id && *id && p->tty && diff > 0)
		strbuf_addf(&out, "\x1b[%zuB", diff);
	if (out.len > 0) {
		fwrite(out.buf, 1, out.len, p->out);
		fflush(p->out);
	}
	if (emsg)
		return berth_error_fail(err, EIO, "%s", emsg);
	return 0;
}

static int progress_line(struct progress *p, const char *s, size_t len, berth_error_t **err)
{
	while (len > 0 && (s[len - 1] == '\r' || s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len == 0)
		return 0;
	json_error_t jerr;
	cleanup_json json_t *m = json_loadb(s, len, JSON_DECODE_ANY, &jerr);
	if (!m)
		return berth_error_fail(err, EIO, "malformed progress message: %s", jerr.text);
	return progress_message(p, m, err);
}

int progress_feed(struct progress *p, const char *data, size_t len, berth_error_t **err)
{
	while (len > 0) {
		const char *nl = memchr(data, '\n', len);
		size_t take = nl ? (size_t)(nl - data) : len;
		if (p->line.len + take > PROGRESS_MAX_LINE)
			return berth_error_fail(err, EIO, "progress message over %u bytes",
						PROGRESS_MAX_LINE);
		strbuf_add(&p->line, data, take);
		if (!nl)
			break;
		int r = progress_line(p, p->line.buf, p->line.len, err);
		strbuf_reset(&p->line);
		if (r < 0)
			return r;
		data += take + 1;
		len -= take + 1;
	}
	return 0;
}

int progress_finish(struct progress *p, berth_error_t **err)
{
	/* a last value without its newline is still whole when it parses */
	int r = progress_line(p, p->line.buf, p->line.len, err);
	strbuf_reset(&p->line);
	if (r < 0 && err && *err && strncmp((*err)->msg, "malformed", 9) == 0)
		return berth_error_wrap(err,
					"the progress stream ended in the middle of a message");
	return r;
}

struct progress_sink {
	struct progress *p;
	berth_error_t *err; /* the stream's own error, handed to the caller */
};

static int progress_sink_body(const char *data, size_t len, void *ud)
{
	struct progress_sink *s = ud;
	return progress_feed(s->p, data, len, &s->err) < 0 ? -1 : 0;
}

int progress_request(struct cli *cli, const char *method, const char *path,
		     const char *const *headers, int body_fd, const char *content_type, FILE *out,
		     bool tty, json_t **ret_aux, berth_error_t **err)
{
	struct cli_client *c;
	if (cli_client(cli, &c, err) < 0)
		return berth_error_codep(err);
	struct progress_sink sink = { .p = progress_new(out, tty) };
	struct cli_request req = {
		.method = method,
		.path = path,
		.body_fd = body_fd,
		.content_type = content_type,
		.headers = headers,
		.on_body = progress_sink_body,
		.ud = &sink,
	};
	int r = cli_client_do(c, &req, NULL, err);
	if (sink.err) {
		/* the stream's error says more than "transfer aborted" */
		berth_error_release(err);
		if (err)
			*err = steal_pointer(&sink.err);
		berth_error_free(sink.err);
		r = -1;
	} else if (r >= 0) {
		r = progress_finish(sink.p, err);
	}
	if (r >= 0 && ret_aux)
		*ret_aux = json_incref((json_t *)progress_last_aux(sink.p));
	progress_free(sink.p);
	return r < 0 ? (err && *err ? berth_error_code(*err) : -1) : 0;
}
