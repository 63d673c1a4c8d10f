/* flags: the command-line parser of berth, with spf13/pflag's semantics and
 * error texts, because people type docker command lines and the tests
 * compare our messages with docker's byte for byte.  Values are kept as
 * given (borrowed from argv); only bools and ints are converted here, so a
 * bad int fails at parse time exactly as pflag's does. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/core.h"
#include "common/cleanup.h"
#include "common/xalloc.h"

int cli_parse_go_bool(const char *s, bool *ret, berth_error_t **err)
{
	static const char *const yes[] = { "1", "t", "T", "TRUE", "true", "True" };
	static const char *const no[] = { "0", "f", "F", "FALSE", "false", "False" };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	}
	return berth_error_fail(err, EINVAL, "strconv.ParseBool: parsing \"%s\": invalid syntax",
				s);
}

/* Go's strconv.ParseInt(s, 0, 64): optional sign, 0x/0o/0b/0 prefixes,
 * underscores only with a prefix; the error texts are Go's */
int cli_parse_go_int(const char *s, int64_t *ret, berth_error_t **err)
{
	const char *p = s;
	bool neg = false;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	int base = 10;
	bool prefixed = false;
	if (p[0] == '0' && p[1] != '\0') {
		prefixed = true;
		if (p[1] == 'x' || p[1] == 'X')
			base = 16, p += 2;
		else if (p[1] == 'o' || p[1] == 'O')
			base = 8, p += 2;
		else if (p[1] == 'b' || p[1] == 'B')
			base = 2, p += 2;
		else
			base = 8, p += 1;
	}
	if (*p == '\0')
		goto syntax;
	uint64_t v = 0;
	bool overflow = false;
	for (; *p; p++) {
		if (*p == '_' && prefixed)
			continue;
		int d;
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'z')
			d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'Z')
			d = *p - 'A' + 10;
		else
			goto syntax;
		if (d >= base)
			goto syntax;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			overflow = true;
		else
			v = v * (uint64_t)base + (uint64_t)d;
	}
	if (overflow || (!neg && v > (uint64_t)INT64_MAX) || (neg && v > (uint64_t)INT64_MAX + 1))
		return berth_error_fail(err, ERANGE,
					"strconv.ParseInt: parsing \"%s\": value out of range", s);
	*ret = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
syntax:
	return berth_error_fail(err, EINVAL, "strconv.ParseInt: parsing \"%s\": invalid syntax", s);
}

static void args_push(struct cli_args *a, const char *s)
{
	a->argv = xgrow(a->argv, &a->alloc, a->argc + 2, sizeof(*a->argv));
	a->argv[a->argc++] = s;
	a->argv[a->argc] = NULL;
}

static void value_push(struct cli_flag_value *v, const char *s)
{
	v->values = xgrow(v->values, &v->alloc, v->n + 2, sizeof(*v->values));
	v->values[v->n++] = s;
	v->values[v->n] = NULL;
}

void cli_args_release(struct cli_args *a)
{
	if (!a)
		return;
	if (a->vals)
		for (size_t i = 0; i < a->n_flags; i++)
			free(a->vals[i].values);
	free(a->vals);
	free(a->argv);
	*a = (struct cli_args){ 0 };
}

/* pflag names a flag in errors as "-n, --last" or "--last" */
static char *flag_display(const struct cli_flag *f)
{
	if (f->shorthand)
		return xasprintf("-%c, --%s", f->shorthand, f->name);
	return xasprintf("--%s", f->name);
}

/* Set flag i to value: pflag's fn(flag, value) with its error text */
static int flag_set(struct cli_args *a, size_t i, const char *value, berth_error_t **err)
{
	const struct cli_flag *f = &a->flags[i];
	struct cli_flag_value *v = &a->vals[i];
	cleanup_error berth_error_t *perr = NULL;
	int r = 0;
	if (f->type == CLI_BOOL)
		r = cli_parse_go_bool(value, &v->bval, &perr);
	else if (f->type == CLI_INT)
		r = cli_parse_go_int(value, &v->ival, &perr);
	if (r < 0) {
		char *name = flag_display(f);
		r = berth_error_fail(err, EINVAL, "invalid argument \"%s\" for \"%s\" flag: %s",
				     value, name, perr->msg);
		free(name);
		return r;
	}
	v->changed = true;
	value_push(v, value);
	return 0;
}

/* Index of the flag named name (or with shorthand c when name is NULL);
 * -1 when none; -2 for the implicit help flag */
static ssize_t flag_find(const struct cli_args *a, unsigned pflags, const char *name, size_t len,
			 char c)
{
	bool h_taken = false;
	for (size_t i = 0; i < a->n_flags; i++) {
		const struct cli_flag *f = &a->flags[i];
		if (name && strlen(f->name) == len && strncmp(f->name, name, len) == 0)
			return (ssize_t)i;
		if (!name && f->shorthand == c)
			return (ssize_t)i;
		if (f->shorthand == 'h')
			h_taken = true;
	}
	if (pflags & CLI_PARSE_NO_HELP)
		return -1;
	if (name && len == 4 && strncmp(name, "help", 4) == 0)
		return -2;
	if (!name && c == 'h' && !h_taken)
		return -2;
	return -1;
}

/* "--name", "--name=value", "--name value" */
static int parse_long(struct cli_args *a, unsigned pflags, const char *s, char *const **rest,
		      char *const *end, berth_error_t **err)
{
	const char *name = s + 2;
	if (name[0] == '-' || name[0] == '=')
		return berth_error_fail(err, EINVAL, "bad flag syntax: %s", s);
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	ssize_t i = flag_find(a, pflags, name, len, 0);
	if (i == -1)
		return berth_error_fail(err, EINVAL, "unknown flag: --%.*s", (int)len, name);
	const char *value;
	if (eq)
		value = eq + 1;
	else if (i == -2 || a->flags[i].type == CLI_BOOL)
		value = "true";
	else if (*rest < end)
		value = *(*rest)++;
	else
		return berth_error_fail(err, EINVAL, "flag needs an argument: %s", s);
	if (i == -2) {
		bool b;
		cleanup_error berth_error_t *perr = NULL;
		if (cli_parse_go_bool(value, &b, &perr) < 0)
			return berth_error_fail(
				err, EINVAL, "invalid argument \"%s\" for \"-h, --help\" flag: %s",
				value, perr->msg);
		a->help = b;
		return 0;
	}
	return flag_set(a, (size_t)i, value, err);
}

/* "-abc", "-ofile", "-o file", "-o=file" */
static int parse_short(struct cli_args *a, unsigned pflags, const char *s, char *const **rest,
		       char *const *end, berth_error_t **err)
{
	const char *shorts = s + 1;
	while (*shorts) {
		char c = shorts[0];
		ssize_t i = flag_find(a, pflags, NULL, 0, c);
		if (i == -1)
			return berth_error_fail(err, EINVAL, "unknown shorthand flag: '%c' in -%s",
						c, shorts);
		if (i == -2) {
			/* docker's -h is a bool whose shorthand is deprecated */
			a->help_short = true;
			a->help = true;
			shorts++;
			if (shorts[0] == '=' && shorts[1] != '\0') {
				cleanup_error berth_error_t *perr = NULL;
				if (cli_parse_go_bool(shorts + 1, &a->help, &perr) < 0)
					return berth_error_fail(
						err, EINVAL,
						"invalid argument \"%s\" for \"-h, --help\" flag: %s",
						shorts + 1, perr->msg);
				shorts = "";
			}
			continue;
		}
		const char *value;
		const char *next = shorts + 1;
		if (shorts[1] == '=' && shorts[2] != '\0') {
			value = shorts + 2;
			next = "";
		} else if (a->flags[i].type == CLI_BOOL) {
			value = "true";
		} else if (shorts[1] != '\0') {
			value = shorts + 1;
			next = "";
		} else if (*rest < end) {
			value = *(*rest)++;
		} else {
			return berth_error_fail(err, EINVAL, "flag needs an argument: '%c' in -%s",
						c, shorts);
		}
		if (flag_set(a, (size_t)i, value, err) < 0)
			return -1;
		shorts = next;
	}
	return 0;
}

int cli_args_parse(const struct cli_flag *flags, unsigned pflags, int argc, char *const *argv,
		   struct cli_args *ret, berth_error_t **err)
{
	struct cli_args a = { .flags = flags };
	while (flags && flags[a.n_flags].name)
		a.n_flags++;
	a.vals = xcalloc(a.n_flags + 1, sizeof(*a.vals));
	/* argv is a NULL-terminated array even with no positionals */
	a.argv = xgrow(NULL, &a.alloc, 1, sizeof(*a.argv));
	a.argv[0] = NULL;

	char *const *p = argv, *const *end = argv + argc;
	while (p < end && !(pflags & CLI_PARSE_RAW)) {
		const char *s = *p++;
		if (s[0] != '-' || s[1] == '\0') {
			args_push(&a, s);
			if (pflags & CLI_PARSE_STOP_AT_ARG)
				break;
			continue;
		}
		int r;
		if (s[1] == '-') {
			if (s[2] == '\0')
				break;
			r = parse_long(&a, pflags, s, &p, end, err);
		} else {
			r = parse_short(&a, pflags, s, &p, end, err);
		}
		if (r < 0) {
			cli_args_release(&a);
			return -1;
		}
	}
	while (p < end)
		args_push(&a, *p++);
	*ret = a;
	return 0;
}

/* The index of the flag named name; naming a flag the command does not
 * have is a bug in the command, which the tests must see at once */
static size_t flag_index(const struct cli_args *a, const char *name)
{
	for (size_t i = 0; i < a->n_flags; i++)
		if (strcmp(a->flags[i].name, name) == 0)
			return i;
	fprintf(stderr, "berth: internal error: the command has no flag '--%s'\n", name);
	abort();
}

bool cli_flag_bool(const struct cli_args *a, const char *name)
{
	size_t i = flag_index(a, name);
	if (a->vals[i].changed)
		return a->vals[i].bval;
	bool b = false;
	if (a->flags[i].def)
		(void)cli_parse_go_bool(a->flags[i].def, &b, NULL);
	return b;
}

const char *cli_flag_string(const struct cli_args *a, const char *name)
{
	size_t i = flag_index(a, name);
	if (a->vals[i].n > 0)
		return a->vals[i].values[a->vals[i].n - 1];
	return a->flags[i].def;
}

int64_t cli_flag_int(const struct cli_args *a, const char *name)
{
	size_t i = flag_index(a, name);
	if (a->vals[i].changed)
		return a->vals[i].ival;
	int64_t v = 0;
	if (a->flags[i].def)
		(void)cli_parse_go_int(a->flags[i].def, &v, NULL);
	return v;
}

size_t cli_flag_list(const struct cli_args *a, const char *name, const char *const **ret)
{
	static const char *const none[] = { NULL };
	size_t i = flag_index(a, name);
	*ret = a->vals[i].n ? a->vals[i].values : none;
	return a->vals[i].n;
}

bool cli_flag_changed(const struct cli_args *a, const char *name)
{
	return a->vals[flag_index(a, name)].changed;
}

size_t cli_nargs(const struct cli_args *a)
{
	return a->argc;
}

const char *cli_arg(const struct cli_args *a, size_t i)
{
	return i < a->argc ? a->argv[i] : NULL;
}

const char *const *cli_argv_from(const struct cli_args *a, size_t i)
{
	return a->argv + (i < a->argc ? i : a->argc);
}

int cli_flag_error(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	const char *path = cli->invoked_as ? cli->invoked_as : CLI_PROG;
	cleanup_strbuf struct strbuf use = STRBUF_INIT;
	if (cli->cmd)
		cli_help_use_line(&use, path, cli->cmd);
	else
		strbuf_addstr(&use, path);
	fprintf(stderr, "\n\nUsage:  %s\n\nRun '%s --help' for more information\n", use.buf, path);
	return CLI_EXIT_FAILURE;
}
