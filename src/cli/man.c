/* man: the hidden `berth __man DIR`, which writes the man pages of berth
 * from the same command and flag tables as the parser and --help: berth.1,
 * berth-<command>.1 for each top-level command, berth-<group>.1 and
 * berth-<group>-<command>.1 (NAME, SYNOPSIS, DESCRIPTION, OPTIONS, SEE
 * ALSO).  The build runs it, so a page can never describe a flag that the
 * binary does not have. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/core.h"
#include "common/cleanup.h"
#include "common/version.h"
#include "common/xalloc.h"

/* Text escaped for roff: backslashes and dashes, and a line that would
 * start with a control character made literal */
static void roff_text(FILE *f, const char *s)
{
	bool bol = true;
	for (; *s; s++) {
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", f);
		bol = *s == '\n';
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else
			fputc(*s, f);
	}
}

/* Text whose line breaks matter (docker's multi-line usages and long
 * texts): each line kept, a blank line starts a new paragraph */
static void roff_lines(FILE *f, const char *s)
{
	bool first = true;
	while (*s) {
		size_t n = strcspn(s, "\n");
		cleanup_free char *line = xstrndup(s, n);
		if (n == 0)
			fputs("\n.PP\n", f);
		else if (!first)
			fputs("\n.br\n", f);
		roff_text(f, line);
		first = n == 0;
		s += n + (s[n] == '\n');
	}
}

static void page_header(FILE *f, const char *title, const char *name, const char *summary)
{
	fprintf(f, ".TH \"");
	for (const char *p = title; *p; p++)
		fputc(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p, f);
	/* no hyphenation, ragged right: flag names and values stay whole */
	fprintf(f, "\" \"1\" \"\" \"berth %s\" \"berth manual\"\n.nh\n.ad l\n.SH NAME\n",
		berth_version());
	roff_text(f, name);
	fputs(" \\- ", f);
	roff_text(f, summary);
	fputs("\n", f);
}

static void page_options(FILE *f, const char *section, const struct cli_flag *flags)
{
	if (!cli_flags_visible(flags))
		return;
	fprintf(f, ".SH %s\n", section);
	for (const struct cli_flag *fl = flags; fl && fl->name; fl++) {
		if (fl->flags & CLI_FLAG_HIDDEN)
			continue;
		cleanup_free char *usage = NULL;
		cleanup_free char *word = cli_flag_type_word(fl, &usage);
		fputs(".TP\n", f);
		if (fl->shorthand)
			fprintf(f, "\\fB\\-%c\\fR, ", fl->shorthand);
		fputs("\\fB\\-\\-", f);
		roff_text(f, fl->name);
		fputs("\\fR", f);
		if (*word) {
			fputs(" \\fI", f);
			roff_text(f, word);
			fputs("\\fR", f);
		}
		fputs("\n", f);
		roff_lines(f, usage);
		if (fl->def) {
			/* an unbreakable space keeps "(default -1)" together */
			fputs(" (default\\ ", f);
			roff_text(f, fl->def);
			fputs(")", f);
		}
		fputs("\n", f);
	}
}

/* The page's stream, or NULL with *err set.  A pointer rather than an
 * out-parameter so that callers test the stream itself: the analyzer loses
 * berth_error_set's "always negative" past its inlining depth. */
static FILE *page_open(const char *dir, const char *title, berth_error_t **err)
{
	cleanup_free char *path = xasprintf("%s/%s.1", dir, title);
	FILE *f = fopen(path, "we");
	if (!f)
		berth_error_set(err, errno, "open '%s'", path);
	return f;
}

static int page_close(FILE *f, const char *dir, const char *title, berth_error_t **err)
{
	bool bad = ferror(f);
	if (fclose(f) != 0 || bad)
		return berth_error_set(err, errno ? errno : EIO, "write '%s/%s.1'", dir, title);
	return 0;
}

/* "berth container ls" -> "berth-container-ls" */
static char *page_title(const char *path)
{
	char *t = xstrdup(path);
	for (char *p = t; *p; p++)
		if (*p == ' ')
			*p = '-';
	return t;
}

static int write_command(const char *dir, const char *path, const char *parent,
			 const struct cli_command *cmd, berth_error_t **err)
{
	cleanup_free char *title = page_title(path);
	cleanup_free char *parent_title = page_title(parent);
	FILE *f = page_open(dir, title, err);
	if (!f)
		return -1;
	page_header(f, title, title, cmd->summary);
	fputs(".SH SYNOPSIS\n\\fB", f);
	roff_text(f, path);
	fputs("\\fR", f);
	if (cmd->usage && *cmd->usage) {
		fputc(' ', f);
		roff_text(f, cmd->usage);
	}
	fputs("\n.SH DESCRIPTION\n", f);
	roff_lines(f, cmd->description ? cmd->description : cmd->summary);
	fputs("\n", f);
	struct strbuf aliases = STRBUF_INIT;
	cli_help_aliases(&aliases, cmd);
	if (aliases.len) {
		fputs(".PP\nAliases: ", f);
		roff_text(f, aliases.buf);
		fputs("\n", f);
	}
	strbuf_release(&aliases);
	page_options(f, "OPTIONS", cmd->flags);
	fprintf(f, ".SH SEE ALSO\n\\fB%s\\fR(1)\n", parent_title);
	return page_close(f, dir, title, err);
}

static void list_entries(FILE *f, const char *prefix, const struct cli_entry *entries)
{
	for (const struct cli_entry *e = entries; e->name; e++) {
		if (cli_entry_hidden(e))
			continue;
		fprintf(f, ".TP\n\\fB%s-", prefix);
		roff_text(f, e->name);
		fputs("\\fR(1)\n", f);
		roff_text(f, e->group ? e->group_summary : e->cmd->summary);
		fputs("\n", f);
	}
}

static int write_group(const char *dir, const struct cli_entry *g, berth_error_t **err)
{
	cleanup_free char *title = xasprintf(CLI_PROG "-%s", g->name);
	FILE *f = page_open(dir, title, err);
	if (!f)
		return -1;
	page_header(f, title, title, g->group_summary);
	fprintf(f, ".SH SYNOPSIS\n\\fB" CLI_PROG " %s\\fR COMMAND\n.SH DESCRIPTION\n", g->name);
	roff_text(f, g->group_summary);
	fputs("\n.SH COMMANDS\n", f);
	list_entries(f, title, g->group);
	fputs(".SH SEE ALSO\n\\fB" CLI_PROG "\\fR(1)\n", f);
	if (page_close(f, dir, title, err) < 0)
		return -1;
	for (const struct cli_entry *e = g->group; e->name; e++) {
		if (cli_entry_hidden(e))
			continue;
		cleanup_free char *path = xasprintf(CLI_PROG " %s %s", g->name, e->name);
		cleanup_free char *parent = xasprintf(CLI_PROG " %s", g->name);
		if (write_command(dir, path, parent, e->cmd, err) < 0)
			return -1;
	}
	return 0;
}

static int write_root(const char *dir, berth_error_t **err)
{
	FILE *f = page_open(dir, CLI_PROG, err);
	if (!f)
		return -1;
	page_header(f, CLI_PROG, CLI_PROG,
		    "a fast, small container engine that speaks docker's language");
	fputs(".SH SYNOPSIS\n\\fBberth\\fR [OPTIONS] COMMAND [ARG...]\n"
	      ".SH DESCRIPTION\n"
	      "berth runs containers through berthd, the berth daemon, with docker's commands and flags.\n"
	      "It finds the daemon at \\fB\\-H\\fR, else $BERTH_HOST, else $DOCKER_HOST, else\n"
	      "unix:///run/berth/berth.sock.\n",
	      f);
	page_options(f, "GLOBAL OPTIONS", cli_global_flags);
	fputs(".SH COMMANDS\n", f);
	list_entries(f, CLI_PROG, cli_entries);
	fputs(".SH ENVIRONMENT\n"
	      ".TP\n\\fBBERTH_HOST\\fR, \\fBDOCKER_HOST\\fR\nThe daemon socket, when \\fB\\-H\\fR is not given.\n"
	      ".TP\n\\fBDOCKER_CONFIG\\fR\nThe directory of config.json, when \\fB\\-\\-config\\fR is not given.\n"
	      ".SH SEE ALSO\n\\fBberthd\\fR(8)\n",
	      f);
	return page_close(f, dir, CLI_PROG, err);
}

static int man_write_all(const char *dir, berth_error_t **err)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return berth_error_set(err, errno, "mkdir '%s'", dir);
	if (write_root(dir, err) < 0)
		return -1;
	for (const struct cli_entry *e = cli_entries; e->name; e++) {
		if (cli_entry_hidden(e))
			continue;
		if (e->group) {
			if (write_group(dir, e, err) < 0)
				return -1;
			continue;
		}
		cleanup_free char *path = xasprintf(CLI_PROG " %s", e->name);
		if (write_command(dir, path, CLI_PROG, e->cmd, err) < 0)
			return -1;
	}
	return 0;
}

static int man_run(struct cli *cli, const struct cli_args *args)
{
	cleanup_error berth_error_t *err = NULL;
	if (man_write_all(cli_arg(args, 0), &err) < 0)
		return cli_error(cli, err, CLI_EXIT_ERROR);
	return 0;
}

const struct cli_command cli_cmd_man = {
	.name = "__man",
	.usage = "DIR",
	.summary = "Write the man pages of berth into DIR",
	.min_args = 1,
	.max_args = 1,
	.cmd_flags = CLI_CMD_HIDDEN | CLI_CMD_NO_DAEMON,
	.complete = "dirs",
	.run = man_run,
};
