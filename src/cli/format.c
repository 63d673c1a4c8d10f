/* format: docker's --format for list commands, and the table writer.
 * The table writer is Go's text/tabwriter with docker's settings
 * (minwidth 10, tabwidth 1, padding 3, ' ', no flags): a column's width
 * is set per block of consecutive lines that have that column, and the
 * last cell of a line is never padded.  Everything is buffered until
 * flush, because a column's width depends on every row. */
#include "cli/format.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/template.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

#define TAB_MINWIDTH 10
#define TAB_PADDING 3
/* A list of a few hundred thousand containers still fits; a runaway
 * template does not take the machine down */
#define FORMAT_MAX_OUTPUT (256 * 1024 * 1024)

/* ---- tabwriter ---- */

struct cell {
	const char *text; /* into the table's text */
	size_t len;
	size_t width; /* in runes, as Go counts */
};

struct tline {
	struct cell *cells;
	size_t n;
};

struct table {
	struct strbuf text; /* every line, '\n'-separated */
	size_t nlines;
};

struct table *table_new(void)
{
	struct table *t = xzalloc(sizeof(*t));
	strbuf_init(&t->text, 0);
	return t;
}

void table_add(struct table *t, const char *line)
{
	if (t->nlines)
		strbuf_addch(&t->text, '\n');
	strbuf_addstr(&t->text, line);
	t->nlines++;
}

static size_t rune_count(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

static struct tline *split_lines(const char *text, size_t len, size_t *ret_n)
{
	size_t nlines = 1;
	for (size_t i = 0; i < len; i++)
		nlines += text[i] == '\n';
	struct tline *lines = xcalloc(nlines, sizeof(*lines));
	const char *p = text, *end = text + len;
	for (size_t l = 0; l < nlines; l++) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		size_t ncells = 1;
		for (const char *q = p; q < eol; q++)
			ncells += *q == '\t';
		lines[l].cells = xcalloc(ncells, sizeof(struct cell));
		lines[l].n = ncells;
		const char *c = p;
		for (size_t i = 0; i < ncells; i++) {
			const char *tab = memchr(c, '\t', (size_t)(eol - c));
			if (!tab)
				tab = eol;
			lines[l].cells[i] = (struct cell){ c, (size_t)(tab - c),
							   rune_count(c, (size_t)(tab - c)) };
			c = tab + 1;
		}
		p = eol + 1;
	}
	*ret_n = nlines;
	return lines;
}

struct tabfmt {
	struct tline *lines;
	size_t nlines;
	size_t *widths;
	size_t nwidths;
	FILE *out;
};

static void write_lines(struct tabfmt *f, size_t line0, size_t line1)
{
	for (size_t i = line0; i < line1; i++) {
		const struct tline *l = &f->lines[i];
		for (size_t j = 0; j < l->n; j++) {
			const struct cell *c = &l->cells[j];
			fwrite(c->text, 1, c->len, f->out);
			if (j < f->nwidths && j + 1 < l->n)
				for (size_t k = c->width; k < f->widths[j]; k++)
					fputc(' ', f->out);
		}
		if (i + 1 < f->nlines)
			fputc('\n', f->out);
	}
}

/* Go's tabwriter.format: recursive over columns, a block of consecutive
 * lines with a cell in this column shares its width */
static void tab_format(struct tabfmt *f, size_t line0, size_t line1)
{
	size_t column = f->nwidths;
	for (size_t this = line0; this < line1; this ++) {
		if (column + 1 >= f->lines[this].n)
			continue;
		write_lines(f, line0, this);
		line0 = this;
		size_t width = TAB_MINWIDTH;
		for (; this < line1; this ++) {
			const struct tline *l = &f->lines[this];
			if (column + 1 >= l->n)
				break;
			if (l->cells[column].width + TAB_PADDING > width)
				width = l->cells[column].width + TAB_PADDING;
		}
		f->widths = xreallocarray(f->widths, f->nwidths + 1, sizeof(*f->widths));
		f->widths[f->nwidths++] = width;
		tab_format(f, line0, this);
		f->nwidths--;
		line0 = this;
		/* as in Go, the loop's increment skips the line that ended the
		 * block: it has no cell in this column */
	}
	write_lines(f, line0, line1);
}

/* Write text through the tabwriter; the text's own final newline (if any)
 * is kept, as Go's Flush does */
static void tab_write_text(const char *text, size_t len, FILE *out)
{
	struct tabfmt f = { .out = out };
	f.lines = split_lines(text, len, &f.nlines);
	tab_format(&f, 0, f.nlines);
	for (size_t i = 0; i < f.nlines; i++)
		free(f.lines[i].cells);
	free(f.lines);
	free(f.widths);
}

void table_write(struct table *t, FILE *out)
{
	if (!t->nlines)
		return;
	strbuf_addch(&t->text, '\n');
	tab_write_text(t->text.buf, t->text.len, out);
	strbuf_setlen(&t->text, t->text.len - 1);
}

void table_free(struct table *t)
{
	if (!t)
		return;
	strbuf_release(&t->text);
	free(t);
}

/* ---- --format ---- */

struct format {
	struct template *tmpl;
	bool table;
	const json_t *headers; /* not owned */
	struct strbuf rows;
};

/* docker's Context.preFormat: "table" and "json" keys, the rest trimmed of
 * spaces, and the two-character sequences \t and \n made real */
static char *preformat(const char *format, const char *default_table, bool *ret_table)
{
	if (!format || !*format || strcmp(format, "table") == 0)
		format = default_table;
	/* (strncmp here makes GCC's ASan build misreport -Wstring-compare) */
	bool table = format[0] == 't' && strlen(format) >= 5 && memcmp(format, "table", 5) == 0;
	const char *body = table ? format + 5 : strcmp(format, "json") == 0 ? "{{json .}}" : format;
	while (*body == ' ')
		body++;
	size_t len = strlen(body);
	while (len > 0 && body[len - 1] == ' ')
		len--;
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < len; i++) {
		if (body[i] == '\\' && i + 1 < len && (body[i + 1] == 't' || body[i + 1] == 'n')) {
			strbuf_addch(&sb, body[i + 1] == 't' ? '\t' : '\n');
			i++;
		} else {
			strbuf_addch(&sb, body[i]);
		}
	}
	*ret_table = table;
	return strbuf_detach(&sb, NULL);
}

int format_new(const char *format, const char *default_table, const json_t *headers,
	       struct format **ret, berth_error_t **err)
{
	bool table;
	cleanup_free char *text = preformat(format, default_table ? default_table : "", &table);
	struct template *tmpl = NULL;
	int r = template_parse(text, &tmpl, err);
	if (r < 0)
		return berth_error_wrap(err, "template parsing error");
	struct format *f = xzalloc(sizeof(*f));
	f->tmpl = tmpl;
	f->table = table;
	f->headers = headers;
	strbuf_init(&f->rows, 0);
	*ret = f;
	return 0;
}

int format_row(struct format *f, const json_t *item, berth_error_t **err)
{
	int r = template_render_flags(f->tmpl, item, TEMPLATE_MARSHAL_DOT, &f->rows, err);
	if (r < 0)
		return r;
	strbuf_addch(&f->rows, '\n');
	if (f->rows.len > FORMAT_MAX_OUTPUT)
		return berth_error_fail(err, EFBIG, "output longer than %d bytes",
					FORMAT_MAX_OUTPUT);
	return 0;
}

int format_flush(struct format *f, FILE *out, berth_error_t **err)
{
	if (!f->table) {
		fwrite(f->rows.buf, 1, f->rows.len, out);
		strbuf_reset(&f->rows);
		return fflush(out) == 0 ? 0 : berth_error_set(err, errno, "write output");
	}
	cleanup_strbuf struct strbuf all = STRBUF_INIT;
	cleanup_error berth_error_t *herr = NULL;
	json_t *empty = NULL;
	const json_t *headers = f->headers;
	if (!headers)
		headers = empty = json_object();
	/* docker ignores a failing header (a field the header lacks) */
	if (template_render_flags(f->tmpl, headers, TEMPLATE_HEADER, &all, &herr) < 0)
		strbuf_reset(&all);
	json_decref(empty);
	strbuf_addch(&all, '\n');
	strbuf_add(&all, f->rows.buf, f->rows.len);
	strbuf_reset(&f->rows);
	tab_write_text(all.buf, all.len, out);
	return fflush(out) == 0 ? 0 : berth_error_set(err, errno, "write output");
}

void format_free(struct format *f)
{
	if (!f)
		return;
	template_free(f->tmpl);
	strbuf_release(&f->rows);
	free(f);
}
