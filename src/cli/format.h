/* format: docker's --format for list commands (ps, images, events, stats,
 * volume ls...).  "" or "table" -> the command's default table; "table
 * <tmpl>" -> a header row then one row per item, aligned like Go's
 * tabwriter (minwidth 10, padding 3, cells split at '\t', the last cell
 * not padded); "json" -> one JSON object per line ({{json .}}); any other
 * text -> the template per item, no header, no alignment.
 * The header row is the template rendered over the command's header object
 * (field -> "CONTAINER ID"), which is how docker makes it. */
#ifndef BERTH_CLI_FORMAT_H
#define BERTH_CLI_FORMAT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "common/error.h"

struct format;

/* format: the --format value (NULL or "" for the default); default_table:
 * e.g. "table {{.ID}}\t{{.Image}}\t..."; headers: field -> header text
 * (borrowed, kept until format_free) */
int format_new(const char *format, const char *default_table, const json_t *headers,
	       struct format **ret, berth_error_t **err);
/* Add one item (its fields as a JSON object) */
int format_row(struct format *f, const json_t *item, berth_error_t **err);
/* Write everything to out (the header only for table formats, even with no
 * rows, as docker does) */
int format_flush(struct format *f, FILE *out, berth_error_t **err);
void format_free(struct format *f);

/* Go tabwriter with docker's settings (minwidth 10, tabwidth 1, padding 3,
 * padchar ' '), for callers that build rows themselves (stats, top, port) */
struct table;
struct table *table_new(void);
/* A line whose cells are separated by '\t' */
void table_add(struct table *t, const char *line);
void table_write(struct table *t, FILE *out);
void table_free(struct table *t);

#endif
