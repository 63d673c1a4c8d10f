/* Unit tests of format.c: the tabwriter against outputs of Go's
 * text/tabwriter with docker's settings (NewWriter(out, 10, 1, 3, ' ', 0)),
 * and --format's table / json / template modes as docker's formatter
 * Context does them. */
#include "common/unit.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli/format.h"
#include "common/cleanup.h"

static const struct {
	const char *in, *want;
} tab_cases[] = {
	{ "A\tB\tC\nxx\ty\tz\n", "A         B         C\nxx        y         z\n" },
	{ "CONTAINER ID\tIMAGE\tCOMMAND\tNAMES\nabc\tbusybox\t\"sh\"\tweb\nlongername12345678\tb\tc\td\n",
	  "CONTAINER ID         IMAGE     COMMAND   NAMES\nabc                  busybox   \"sh\"      web\n"
	  "longername12345678   b         c         d\n" },
	/* a line without a tab ends the column blocks */
	{ "a\tb\nno tabs here\nc\td\teeeeeeeeeeeeeeeeeee\tf\n",
	  "a         b\nno tabs here\nc         d         eeeeeeeeeeeeeeeeeee   f\n" },
	{ "x\t\ty\n\t\t\n", "x                   y\n                    \n" },
	/* widths count runes, not bytes */
	{ "h\xc3\xa9llo\tw\xc3\xb6rld\tz\nab\tc\td\n",
	  "h\xc3\xa9llo     w\xc3\xb6rld     z\nab        c         d\n" },
	{ "one\n", "one\n" },
	{ "a\tb\tc\n1\t2\n3\t4\t5\t6\n",
	  "a         b         c\n1         2\n3         4         5         6\n" },
};

/* Run fn's output into a string */
struct capture {
	char *buf;
	size_t len;
	FILE *f;
};

static void capture_start(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
}

static char *capture_end(struct capture *c)
{
	fclose(c->f);
	return c->buf;
}

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(tab_cases) / sizeof(tab_cases[0]); i++) {
		struct table *t = table_new();
		cleanup_free char *in = strdup(tab_cases[i].in);
		assert_non_null(in);
		/* table_add takes lines without their newline */
		char *s = in, *nl;
		in[strlen(in) - 1] = '\0';
		while ((nl = strchr(s, '\n'))) {
			*nl = '\0';
			table_add(t, s);
			s = nl + 1;
		}
		table_add(t, s);
		struct capture c;
		capture_start(&c);
		table_write(t, c.f);
		cleanup_free char *out = capture_end(&c);
		if (strcmp(out, tab_cases[i].want) != 0)
			fail_msg("case %zu:\nwant:\n%s\ngot:\n%s", i, tab_cases[i].want, out);
		table_free(t);
	}
	/* an empty table writes nothing */
	struct table *t = table_new();
	struct capture c;
	capture_start(&c);
	table_write(t, c.f);
	cleanup_free char *out = capture_end(&c);
	assert_string_equal(out, "");
	table_free(t);
	table_free(NULL);
}

#define DEFAULT_TABLE "table {{.ID}}\t{{.Image}}\t{{.Names}}"

/* Format items with fmt (headers: ID, Image, Names) */
static char *run_format(const char *fmt, size_t nitems, berth_error_t **err)
{
	cleanup_json json_t *headers = json_pack("{s:s, s:s, s:s, s:s}", "ID", "CONTAINER ID",
						 "Image", "IMAGE", "Names", "NAMES", "Labels",
						 "LABELS");
	cleanup_json json_t *items =
		json_pack("[{s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s}]", "ID", "0123456789ab",
			  "Image", "busybox", "Names", "web", "Labels", "a=b", "ID", "ba9876543210",
			  "Image", "busybox:latest", "Names", "a-much-longer-name", "Labels", "");
	struct format *f = NULL;
	if (format_new(fmt, DEFAULT_TABLE, headers, &f, err) < 0)
		return NULL;
	for (size_t i = 0; i < nitems; i++)
		if (format_row(f, json_array_get(items, i), err) < 0) {
			format_free(f);
			return NULL;
		}
	struct capture c;
	capture_start(&c);
	int r = format_flush(f, c.f, err);
	char *out = capture_end(&c);
	format_free(f);
	if (r < 0) {
		free(out);
		return NULL;
	}
	return out;
}

static void expect_format(const char *fmt, size_t nitems, const char *want)
{
	cleanup_error berth_error_t *err = NULL;
	cleanup_free char *out = run_format(fmt, nitems, &err);
	if (!out)
		fail_msg("'%s': %s", fmt, err->msg);
	if (strcmp(out, want) != 0)
		fail_msg("'%s':\nwant:\n%s\ngot:\n%s", fmt, want, out);
}

static void test_format_modes(void **state)
{
	(void)state;
	const char *dflt = "CONTAINER ID   IMAGE            NAMES\n"
			   "0123456789ab   busybox          web\n"
			   "ba9876543210   busybox:latest   a-much-longer-name\n";
	expect_format(NULL, 2, dflt);
	expect_format("", 2, dflt);
	expect_format("table", 2, dflt);
	/* the header alone when there is nothing to list */
	expect_format(NULL, 0, "CONTAINER ID   IMAGE     NAMES\n");
	expect_format("{{.ID}}", 0, "");
	/* a custom table; \t written as two characters works too */
	expect_format("table {{.Names}}\\t{{.ID}}", 2,
		      "NAMES                CONTAINER ID\nweb                  0123456789ab\n"
		      "a-much-longer-name   ba9876543210\n");
	expect_format("table {{.Names}}", 1, "NAMES\nweb\n");
	/* plain templates: no header, no alignment */
	expect_format("{{.ID}}\t{{.Names}}", 2,
		      "0123456789ab\tweb\nba9876543210\ta-much-longer-name\n");
	expect_format("{{.Names}}\\n--", 1, "web\n--\n");
	expect_format("  {{.Names}}  ", 1, "web\n");
	expect_format(
		"json", 1,
		"{\"ID\":\"0123456789ab\",\"Image\":\"busybox\",\"Labels\":\"a=b\",\"Names\":\"web\"}\n");
	/* json of the item: docker's formatter contexts marshal as sorted maps
	 * with HTML escaping; json of a field does not escape */
	expect_format(
		"{{json .}} {{json .Names}}", 1,
		"{\"ID\":\"0123456789ab\",\"Image\":\"busybox\",\"Labels\":\"a=b\",\"Names\":\"web\"} \"web\"\n");
	/* header functions leave the header alone */
	expect_format("table {{upper .Names}}\t{{json .Labels}}", 1,
		      "NAMES     LABELS\nWEB       \"a=b\"\n");
}

static void test_format_errors(void **state)
{
	(void)state;
	cleanup_error berth_error_t *err = NULL;
	assert_null(run_format("{{.Names", 1, &err));
	assert_string_equal(err->msg, "template parsing error: template: :1: unclosed action");
	berth_error_release(&err);
	assert_null(run_format("{{.Nope}}", 1, &err));
	assert_error_contains(err, "map has no entry for key \"Nope\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_format_modes),
		cmocka_unit_test(test_format_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
