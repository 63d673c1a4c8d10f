/* help: `berth --help`, `berth CMD --help`, `berth help CMD` and a group's
 * usage, laid out exactly as docker's cobra templates and pflag's
 * FlagUsagesWrapped lay them out (cli/cobra.go in docker/cli), so that a
 * docker user finds everything where they expect it and the tests can
 * compare the two outputs line by line. */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/core.h"
#include "common/cleanup.h"
#include "common/xalloc.h"

/* cobra's minNamePadding: command names are padded to at least 11 */
#define NAME_PADDING_MIN 11

/* docker: the width of the terminal on stdin, else 80; pflag wraps at one less */
int cli_help_cols(void)
{
	struct winsize ws;
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col - 1;
	return 79;
}

bool cli_flags_visible(const struct cli_flag *flags)
{
	for (const struct cli_flag *f = flags; f && f->name; f++)
		if (!(f->flags & CLI_FLAG_HIDDEN))
			return true;
	return false;
}

char *cli_flag_type_word(const struct cli_flag *f, char **ret_usage)
{
	const char *usage = f->usage ? f->usage : "";
	/* pflag's UnquoteUsage: a `name` in the usage names the value */
	const char *open = strchr(usage, '`');
	const char *close = open ? strchr(open + 1, '`') : NULL;
	if (open && close && !f->value_name) {
		if (ret_usage)
			*ret_usage = xasprintf("%.*s%.*s%s", (int)(open - usage), usage,
					       (int)(close - open - 1), open + 1, close + 1);
		return xstrndup(open + 1, (size_t)(close - open - 1));
	}
	if (ret_usage)
		*ret_usage = xstrdup(usage);
	if (f->value_name)
		return xstrdup(f->value_name);
	switch (f->type) {
	case CLI_BOOL:
		break;
	case CLI_STRING:
		return xstrdup("string");
	case CLI_LIST:
		return xstrdup("list");
	case CLI_INT:
		return xstrdup("int");
	}
	return xstrdup("");
}

/* pflag's wrapN: split s at whitespace into a first line of at most i
 * bytes and the rest; go slop over i when that takes the whole string */
static void wrap_n(size_t i, size_t slop, const char *s, size_t len, size_t *ret_line,
		   const char **ret_rest)
{
	if (i + slop > len) {
		*ret_line = len;
		*ret_rest = s + len;
		return;
	}
	ssize_t w = -1, nl = -1;
	for (size_t k = 0; k < i && k < len; k++) {
		if (s[k] == ' ' || s[k] == '\t' || s[k] == '\n')
			w = (ssize_t)k;
		if (s[k] == '\n')
			nl = (ssize_t)k;
	}
	if (w <= 0) {
		*ret_line = len;
		*ret_rest = s + len;
		return;
	}
	if (nl > 0 && nl < w)
		w = nl;
	*ret_line = (size_t)w;
	*ret_rest = s + w + 1;
}

static void add_indented(struct strbuf *sb, const char *s, size_t len, size_t indent)
{
	for (size_t k = 0; k < len; k++) {
		strbuf_addch(sb, s[k]);
		if (s[k] == '\n')
			for (size_t j = 0; j < indent; j++)
				strbuf_addch(sb, ' ');
	}
}

/* pflag's wrap: s wrapped to width w, continuation lines indented by i;
 * the first line is not indented (the caller did that) */
static void wrap_text(struct strbuf *sb, size_t i, size_t w, const char *s)
{
	size_t len = strlen(s);
	size_t width = w > i ? w - i : 0;
	if (width < 24) {
		i = 16;
		width = w > i ? w - i : 0;
		strbuf_addch(sb, '\n');
		for (size_t j = 0; j < i; j++)
			strbuf_addch(sb, ' ');
		if (width < 24) {
			add_indented(sb, s, len, i);
			return;
		}
	}
	size_t slop = 5;
	width -= slop;
	size_t n;
	const char *rest;
	wrap_n(width, slop, s, len, &n, &rest);
	add_indented(sb, s, n, i);
	while (*rest) {
		const char *t = rest;
		size_t tlen = strlen(t);
		wrap_n(width, slop, t, tlen, &n, &rest);
		strbuf_addch(sb, '\n');
		for (size_t j = 0; j < i; j++)
			strbuf_addch(sb, ' ');
		add_indented(sb, t, n, i);
	}
}

static int flag_cmp(const void *a, const void *b)
{
	const struct cli_flag *const *x = a, *const *y = b;
	return strcmp((*x)->name, (*y)->name);
}

/* pflag quotes a string default and prints others bare */
static bool default_quoted(const struct cli_flag *f)
{
	return f->type == CLI_STRING && (!f->value_name || strcmp(f->value_name, "string") == 0);
}

void cli_help_flag_usages(struct strbuf *sb, const struct cli_flag *flags, int cols)
{
	size_t n = 0;
	for (const struct cli_flag *f = flags; f && f->name; f++)
		n++;
	cleanup_free const struct cli_flag **sorted =
		xcalloc(n + 2, sizeof(const struct cli_flag *));
	size_t m = 0;
	bool h_taken = false;
	for (size_t k = 0; k < n; k++) {
		if (!(flags[k].flags & CLI_FLAG_HIDDEN))
			sorted[m++] = &flags[k];
		h_taken |= flags[k].shorthand == 'h';
	}
	/* docker's run and create, whose -h is --hostname, list their own
	 * --help; everywhere else the help flag is hidden */
	static const struct cli_flag help_flag = { .name = "help",
						   .type = CLI_BOOL,
						   .usage = "Print usage" };
	if (h_taken)
		sorted[m++] = &help_flag;
	qsort(sorted, m, sizeof(const struct cli_flag *), flag_cmp);

	cleanup_free char **heads = xcalloc(m + 1, sizeof(*heads));
	cleanup_free char **usages = xcalloc(m + 1, sizeof(*usages));
	size_t maxlen = 0;
	for (size_t k = 0; k < m; k++) {
		const struct cli_flag *f = sorted[k];
		char *usage = NULL;
		cleanup_free char *word = cli_flag_type_word(f, &usage);
		heads[k] = f->shorthand ?
				   xasprintf("  -%c, --%s%s%s", f->shorthand, f->name,
					     *word ? " " : "", word) :
				   xasprintf("      --%s%s%s", f->name, *word ? " " : "", word);
		/* pflag measures the line with its \0 separator */
		if (strlen(heads[k]) + 1 > maxlen)
			maxlen = strlen(heads[k]) + 1;
		if (f->def) {
			char *u = default_quoted(f) ?
					  xasprintf("%s (default \"%s\")", usage, f->def) :
					  xasprintf("%s (default %s)", usage, f->def);
			free(usage);
			usage = u;
		}
		usages[k] = usage;
	}
	for (size_t k = 0; k < m; k++) {
		size_t sidx = strlen(heads[k]);
		strbuf_addstr(sb, heads[k]);
		strbuf_addch(sb, ' ');
		for (size_t j = sidx; j < maxlen; j++)
			strbuf_addch(sb, ' ');
		strbuf_addch(sb, ' ');
		wrap_text(sb, maxlen + 2, cols > 0 ? (size_t)cols : 0, usages[k]);
		strbuf_addch(sb, '\n');
		free(heads[k]);
		free(usages[k]);
	}
}

void cli_help_use_line(struct strbuf *sb, const char *path, const struct cli_command *cmd)
{
	strbuf_addstr(sb, path);
	if (cmd->usage && *cmd->usage)
		strbuf_addf(sb, " %s", cmd->usage);
}

static void add_entry_names(struct strbuf *sb, const char *prefix, const struct cli_entry *e)
{
	strbuf_addf(sb, "%s%s%s", sb->len ? ", " : "", prefix, e->name);
	for (const char *p = e->aliases; p && *p;) {
		size_t n = strcspn(p, " ");
		strbuf_addf(sb, ", %s%.*s", prefix, (int)n, p);
		p += n;
		p += strspn(p, " ");
	}
}

void cli_help_aliases(struct strbuf *sb, const struct cli_command *cmd)
{
	struct strbuf names = STRBUF_INIT;
	size_t count = 0;
	for (const struct cli_entry *g = cli_entries; g->name; g++) {
		if (!g->group)
			continue;
		cleanup_free char *prefix = xasprintf(CLI_PROG " %s ", g->name);
		for (const struct cli_entry *e = g->group; e->name; e++)
			if (e->cmd == cmd) {
				add_entry_names(&names, prefix, e);
				count += 1 + (e->aliases != NULL);
			}
	}
	for (const struct cli_entry *e = cli_entries; e->name; e++)
		if (!e->group && e->cmd == cmd) {
			add_entry_names(&names, CLI_PROG " ", e);
			count += 1 + (e->aliases != NULL);
		}
	if (count > 1)
		strbuf_addstr(sb, names.buf);
	strbuf_release(&names);
}

/* docker prints its Long text when a command has one, else the Short */
static const char *help_text(const struct cli_command *cmd)
{
	const char *d = cmd->description;
	if (d && strncmp(d, cmd->summary, strlen(cmd->summary)) == 0)
		return d;
	return cmd->summary;
}

void cli_help_command(FILE *out, const char *path, const struct cli_command *cmd)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "Usage:  ");
	cli_help_use_line(&sb, path, cmd);
	strbuf_addf(&sb, "\n\n%s\n", help_text(cmd));
	strbuf_rtrim(&sb);
	struct strbuf aliases = STRBUF_INIT;
	cli_help_aliases(&aliases, cmd);
	if (aliases.len)
		strbuf_addf(&sb, "\n\nAliases:\n  %s", aliases.buf);
	strbuf_release(&aliases);
	if (cli_flags_visible(cmd->flags)) {
		strbuf_addstr(&sb, "\n\nOptions:\n");
		cli_help_flag_usages(&sb, cmd->flags, cli_help_cols());
		strbuf_rtrim(&sb);
	}
	strbuf_addch(&sb, '\n');
	fputs(sb.buf, out);
	strbuf_release(&sb);
}

static int entry_cmp(const void *a, const void *b)
{
	const struct cli_entry *const *x = a, *const *y = b;
	return strcmp((*x)->name, (*y)->name);
}

/* cobra's NamePadding: the longest sibling name, at least 11 */
static size_t name_padding(const struct cli_entry *entries)
{
	size_t pad = NAME_PADDING_MIN;
	for (const struct cli_entry *e = entries; e->name; e++)
		if (cli_entry_present(e) && strlen(e->name) > pad)
			pad = strlen(e->name);
	return pad;
}

static const char *entry_summary(const struct cli_entry *e)
{
	return e->group ? e->group_summary : e->cmd->summary;
}

/* The visible entries of a table, sorted by name, NULL-terminated */
static const struct cli_entry **sorted_entries(const struct cli_entry *entries, bool groups)
{
	size_t n = 0;
	for (const struct cli_entry *e = entries; e->name; e++)
		n++;
	const struct cli_entry **v = xcalloc(n + 1, sizeof(const struct cli_entry *));
	size_t m = 0;
	for (const struct cli_entry *e = entries; e->name; e++)
		if (!cli_entry_hidden(e) && (e->group != NULL) == groups)
			v[m++] = e;
	qsort(v, m, sizeof(const struct cli_entry *), entry_cmp);
	return v;
}

static void add_entry_line(struct strbuf *sb, const struct cli_entry *e, size_t pad)
{
	strbuf_addf(sb, "\n  %-*s %s", (int)pad, e->name, entry_summary(e));
}

void cli_help_group(FILE *out, const char *path, const struct cli_entry *group)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "Usage:  %s COMMAND\n\n%s\n\nCommands:", path, group->group_summary);
	cleanup_free const struct cli_entry **v = sorted_entries(group->group, false);
	size_t pad = name_padding(group->group);
	for (size_t k = 0; v[k]; k++)
		add_entry_line(&sb, v[k], pad);
	strbuf_addf(&sb, "\n\nRun '%s COMMAND --help' for more information on a command.\n", path);
	fputs(sb.buf, out);
	strbuf_release(&sb);
}

/* docker's "Common Commands", in docker's order (its category-top annotations) */
static const char *const common_commands[] = {
	"run",   "exec",   "ps",     "build",   "pull", "push", "images",
	"login", "logout", "search", "version", "info", NULL,
};

static bool is_common(const char *name)
{
	for (size_t k = 0; common_commands[k]; k++)
		if (strcmp(common_commands[k], name) == 0)
			return true;
	return false;
}

void cli_help_root(FILE *out)
{
	struct strbuf sb = STRBUF_INIT;
	size_t pad = name_padding(cli_entries);
	strbuf_addstr(&sb, "Usage:  " CLI_PROG " [OPTIONS] COMMAND\n\n"
			   "A fast, small container engine that speaks docker's language\n\n"
			   "Common Commands:");
	for (size_t k = 0; common_commands[k]; k++) {
		const struct cli_entry *e = cli_entry_find(cli_entries, common_commands[k]);
		if (e && !cli_entry_hidden(e) && !e->group)
			add_entry_line(&sb, e, pad);
	}
	strbuf_addstr(&sb, "\n\nManagement Commands:");
	cleanup_free const struct cli_entry **groups = sorted_entries(cli_entries, true);
	for (size_t k = 0; groups[k]; k++)
		add_entry_line(&sb, groups[k], pad);
	strbuf_addstr(&sb, "\n\nCommands:");
	cleanup_free const struct cli_entry **cmds = sorted_entries(cli_entries, false);
	for (size_t k = 0; cmds[k]; k++)
		if (!is_common(cmds[k]->name))
			add_entry_line(&sb, cmds[k], pad);
	strbuf_addstr(&sb, "\n\nGlobal Options:\n");
	cli_help_flag_usages(&sb, cli_global_flags, cli_help_cols());
	strbuf_rtrim(&sb);
	strbuf_addstr(&sb,
		      "\n\nRun '" CLI_PROG " COMMAND --help' for more information on a command.\n"
		      "\nFor more help, read 'man " CLI_PROG "' and 'man " CLI_PROG "-COMMAND'.\n");
	fputs(sb.buf, out);
	strbuf_release(&sb);
}
