/* fuzz-template: libFuzzer target for berth's --format templates (a
 * template is user input, and so is the JSON a daemon returns).  Input:
 * template text, then optionally a NUL byte and the JSON value to render
 * over (a small container-like object when absent).  Invariants: parsing
 * and rendering never crash, every failure carries a message, a failed
 * render leaves the output as it was, rendering is deterministic, and the
 * same template as a table --format (header, rows, tabwriter) holds up. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/format.h"
#include "cli/template.h"
#include "common/error.h"
#include "common/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char sample[] =
	"{\"ID\":\"0123456789ab\",\"Names\":\"web\",\"State\":{\"Status\":\"running\",\"Pid\":42},"
	"\"Labels\":{\"a\":\"b\"},\"L\":[1,2.5,\"x\",null,true],\"N\":null}";

static void render_twice(const struct template *t, const json_t *dot)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	berth_error_t *err = NULL;
	strbuf_addstr(&a, "prefix");
	int r1 = template_render(t, dot, &a, &err);
	if (r1 < 0 && (!err || !err->msg || a.len != 6))
		abort();
	berth_error_free(err);
	err = NULL;
	strbuf_addstr(&b, "prefix");
	int r2 = template_render(t, dot, &b, &err);
	if ((r1 < 0) != (r2 < 0) || a.len != b.len || memcmp(a.buf, b.buf, a.len) != 0)
		abort();
	berth_error_free(err);
	err = NULL;
	/* a table header renders too */
	strbuf_reset(&b);
	if (template_render_flags(t, dot, TEMPLATE_HEADER, &b, &err) < 0 && (!err || !err->msg))
		abort();
	berth_error_free(err);
	strbuf_release(&a);
	strbuf_release(&b);
}

static void as_table(const char *text, const json_t *dot)
{
	char *fmt = malloc(strlen(text) + 7);
	if (!fmt)
		return;
	memcpy(fmt, "table ", 6);
	memcpy(fmt + 6, text, strlen(text) + 1);
	struct format *f = NULL;
	berth_error_t *err = NULL;
	if (format_new(fmt, "table {{.ID}}", dot, &f, &err) == 0) {
		if (format_row(f, dot, &err) < 0 && (!err || !err->msg))
			abort();
		FILE *out = fopen("/dev/null", "w");
		if (out) {
			format_flush(f, out, NULL);
			fclose(out);
		}
		format_free(f);
	} else if (!err || !err->msg) {
		abort();
	}
	berth_error_free(err);
	free(fmt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 16384)
		return 0;
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	size_t tlen = strlen(text);
	json_t *dot = NULL;
	if (tlen < size)
		dot = json_loadb(text + tlen + 1, size - tlen - 1, JSON_DECODE_ANY, NULL);
	if (!dot)
		dot = json_loads(sample, 0, NULL);

	struct template *t = NULL;
	berth_error_t *err = NULL;
	if (template_parse(text, &t, &err) == 0) {
		if (!t || err)
			abort();
		render_twice(t, dot);
		template_free(t);
		as_table(text, dot);
	} else if (t || !err || !err->msg || strncmp(err->msg, "template: ", 10) != 0) {
		abort();
	}
	berth_error_free(err);
	json_decref(dot);
	free(text);
	return 0;
}
