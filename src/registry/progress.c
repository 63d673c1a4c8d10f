/* progress: building the Engine API progress messages (see progress.h).
 * The shapes follow moby's pkg/jsonmessage and pkg/progress: per-layer
 * lines always carry "progressDetail" (empty when there are no numbers),
 * and the rendered "progress" bar is what a daemon sends for a non-TTY
 * stream (a 50-column bar and "%8s/%s" numbers). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "registry/progress.h"

#include "common/banned.h"

#define BAR_WIDTH 50

void progress_init(struct progress *p, progress_fn fn, void *userdata)
{
	p->fn = fn;
	p->userdata = userdata;
	pthread_mutex_init(&p->lock, NULL);
}

void progress_release(struct progress *p)
{
	pthread_mutex_destroy(&p->lock);
}

/* Hand msg to the callback (takes ownership of msg) */
static void emit(struct progress *p, json_t *msg)
{
	if (p->fn) {
		pthread_mutex_lock(&p->lock);
		p->fn(msg, p->userdata);
		pthread_mutex_unlock(&p->lock);
	}
	json_decref(msg);
}

void progress_status(struct progress *p, const char *id, const char *status)
{
	if (!p->fn)
		return;
	json_t *msg = json_pack("{s:s}", "status", status);
	if (id) {
		json_object_set_new(msg, "progressDetail", json_object());
		json_object_set_new(msg, "id", json_string(id));
	}
	emit(p, msg);
}

void progress_statusf(struct progress *p, const char *id, const char *fmt, ...)
{
	if (!p->fn)
		return;
	va_list ap;
	va_start(ap, fmt);
	cleanup_free char *s = xvasprintf(fmt, ap);
	va_end(ap);
	progress_status(p, id, s);
}

void progress_bytes(struct progress *p, const char *id, const char *status, int64_t current,
		    int64_t total)
{
	if (!p->fn)
		return;
	json_t *detail = json_pack("{s:I}", "current", (json_int_t)current);
	if (total > 0)
		json_object_set_new(detail, "total", json_integer(total));
	cleanup_free char *bar = progress_bar(current, total);
	json_t *msg = json_pack("{s:s, s:o, s:s, s:s}", "status", status, "progressDetail", detail,
				"progress", bar, "id", id);
	emit(p, msg);
}

void progress_aux(struct progress *p, json_t *aux)
{
	if (!p->fn) {
		json_decref(aux);
		return;
	}
	emit(p, json_pack("{s:{}, s:o}", "progressDetail", "aux", aux));
}

void progress_error(struct progress *p, const berth_error_t *e)
{
	if (!p->fn)
		return;
	const char *m = e && e->msg ? e->msg : "unknown error";
	emit(p, json_pack("{s:{s:s}, s:s}", "errorDetail", "message", m, "error", m));
}

void progress_short_id(const struct digest *d, char out[PROGRESS_SHORT_ID_SIZE])
{
	char hex[DIGEST_HEX_LEN + 1];
	digest_format_hex(d, hex);
	memcpy(out, hex, PROGRESS_SHORT_ID_SIZE - 1);
	out[PROGRESS_SHORT_ID_SIZE - 1] = '\0';
}

char *progress_human_size(int64_t n)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };
	double v = (double)n;
	size_t u = 0;
	while (v >= 1000.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1000.0;
		u++;
	}
	return xasprintf("%.4g%s", v, units[u]);
}

char *progress_bar(int64_t current, int64_t total)
{
	cleanup_free char *cur = progress_human_size(current);
	if (total <= 0)
		return xasprintf("%8s", cur);
	cleanup_free char *tot = progress_human_size(total);
	int filled = (int)((double)current / (double)total * 100.0) / 2;
	if (filled > BAR_WIDTH)
		filled = BAR_WIDTH;
	if (filled < 0)
		filled = 0;
	char box[BAR_WIDTH + 1];
	memset(box, '=', (size_t)filled);
	memset(box + filled, ' ', (size_t)(BAR_WIDTH - filled));
	box[BAR_WIDTH] = '\0';
	/* docker puts the arrow head over the first blank ("[==>   ]") */
	if (filled < BAR_WIDTH)
		box[filled] = '>';
	return xasprintf("[%s] %8s/%s", box, cur, tot);
}
