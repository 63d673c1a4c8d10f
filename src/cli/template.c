/* template: Go's text/template, the subset docker's --format uses, over
 * jansson values.  Parsing builds a tree of nodes (text, actions, if,
 * range, with); rendering walks it with a stack of variables.  A template
 * is user input: its length, nesting and output are capped, and every
 * error is a message, never a crash.  Values print as Go's fmt prints the
 * values docker decodes (see value_print). */
#include "cli/template.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/xalloc.h"

#define TEMPLATE_MAX_LEN (64 * 1024)
#define TEMPLATE_MAX_DEPTH 64
#define TEMPLATE_MAX_OUTPUT (16 * 1024 * 1024)
#define TEMPLATE_MAX_VARS 1024
/* Steps (nodes run, loop iterations) per render: {{range 1000000000000}}
 * writes nothing but would spin for hours */
#define TEMPLATE_MAX_STEPS (4 * 1024 * 1024)

/* ---- the tree ---- */

enum arg_type {
	A_FIELD, /* .A.B: name chain on dot */
	A_VAR,   /* $x.A.B */
	A_DOT,   /* . */
	A_CONST, /* string, number, bool */
	A_NIL,   /* nil */
	A_IDENT, /* a function name */
	A_PIPE,  /* ( pipeline ).A.B */
};

struct pipe;

/* Where an operand or command is, for execution errors as Go words them:
 * "template: :1:8: executing \"\" at <.State.Nope>: ..." */
struct pos {
	int line, col;
	char *text; /* the source of the node */
};

struct arg {
	struct pos pos; /* of the last field of a chain, as Go reports it */
	enum arg_type type;
	char *name;   /* variable or function name */
	char **chain; /* field names */
	size_t nchain;
	json_t *lit; /* A_CONST */
	struct pipe *pipe;
};

struct cmd {
	struct pos pos;
	struct arg *args;
	size_t nargs;
};

struct pipe {
	char *decl[2];
	size_t ndecl;
	bool assign; /* "=" rather than ":=" */
	struct cmd *cmds;
	size_t ncmds;
};

enum node_type {
	N_TEXT,
	N_ACTION,
	N_IF,
	N_RANGE,
	N_WITH,
	N_BREAK,
	N_CONTINUE
};

struct node {
	enum node_type type;
	int line, col;
	char *text; /* N_TEXT; for actions: the action's source, for errors */
	size_t len;
	struct pipe *pipe;
	struct node *list, *else_list;
	struct node *next;
};

struct template
{
	struct node *root;
};

/* ---- freeing ---- */

static void pipe_free(struct pipe *p);

static void arg_release(struct arg *a)
{
	free(a->pos.text);
	free(a->name);
	for (size_t i = 0; i < a->nchain; i++)
		free(a->chain[i]);
	free(a->chain);
	json_decref(a->lit);
	pipe_free(a->pipe);
}

static void pipe_free(struct pipe *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->ndecl; i++)
		free(p->decl[i]);
	for (size_t i = 0; i < p->ncmds; i++) {
		for (size_t j = 0; j < p->cmds[i].nargs; j++)
			arg_release(&p->cmds[i].args[j]);
		free(p->cmds[i].pos.text);
		free(p->cmds[i].args);
	}
	free(p->cmds);
	free(p);
}

static void nodes_free(struct node *n)
{
	while (n) {
		struct node *next = n->next;
		free(n->text);
		pipe_free(n->pipe);
		nodes_free(n->list);
		nodes_free(n->else_list);
		free(n);
		n = next;
	}
}

void template_free(struct template *t)
{
	if (!t)
		return;
	nodes_free(t->root);
	free(t);
}

/* ---- parsing ---- */

struct parser {
	const char *src; /* whole template */
	const char *p;   /* cursor */
	int depth;
	/* variables in scope, as Go checks them when parsing: "$" and every
	 * declaration up to the {{end}} of the structure that holds it */
	char **vars;
	size_t nvars, vars_alloc;
	bool trim_next; /* the last action ended with " -}}" */
	berth_error_t **err;
};

static int line_of(const struct parser *ps, const char *at)
{
	int line = 1;
	for (const char *s = ps->src; s < at; s++)
		line += *s == '\n';
	return line;
}

static int col_of(const struct parser *ps, const char *at)
{
	const char *s = at;
	while (s > ps->src && s[-1] != '\n')
		s--;
	return (int)(at - s);
}

__attribute__((format(printf, 3, 4))) static int parse_error(struct parser *ps, const char *at,
							     const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cleanup_free char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	return berth_error_fail(ps->err, EINVAL, "template: :%d: %s", line_of(ps, at), msg);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void skip_space(struct parser *ps)
{
	while (is_space(*ps->p))
		ps->p++;
}

/* At the end of an action: "}}" or " -}}" (the space is required, as in
 * Go, so that "{{3 -}}" trims but "{{-3}}" is a number) */
static bool at_close(struct parser *ps, bool consume)
{
	const char *s = ps->p;
	bool trim = false;
	if (s > ps->src && is_space(s[-1]) && s[0] == '-' && s[1] == '}' && s[2] == '}') {
		trim = true;
		s++;
	}
	if (s[0] != '}' || s[1] != '}')
		return false;
	if (consume) {
		ps->p = s + 2;
		ps->trim_next = trim;
	}
	return true;
}

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80;
}

static char *read_ident(struct parser *ps)
{
	const char *s = ps->p;
	while (ident_char(*ps->p))
		ps->p++;
	return xstrndup(s, (size_t)(ps->p - s));
}

static void utf8_add(struct strbuf *sb, unsigned long cp)
{
	if (cp < 0x80) {
		strbuf_addch(sb, (int)cp);
	} else if (cp < 0x800) {
		strbuf_addch(sb, (int)(0xc0 | (cp >> 6)));
		strbuf_addch(sb, (int)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		strbuf_addch(sb, (int)(0xe0 | (cp >> 12)));
		strbuf_addch(sb, (int)(0x80 | ((cp >> 6) & 0x3f)));
		strbuf_addch(sb, (int)(0x80 | (cp & 0x3f)));
	} else {
		strbuf_addch(sb, (int)(0xf0 | (cp >> 18)));
		strbuf_addch(sb, (int)(0x80 | ((cp >> 12) & 0x3f)));
		strbuf_addch(sb, (int)(0x80 | ((cp >> 6) & 0x3f)));
		strbuf_addch(sb, (int)(0x80 | (cp & 0x3f)));
	}
}

/* Decode a Go string literal at ps->p (interpreted "..." or raw `...`) */
static int parse_string(struct parser *ps, json_t **ret)
{
	const char *start = ps->p;
	char q = *ps->p++;
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	if (q == '`') {
		const char *end = strchr(ps->p, '`');
		if (!end)
			return parse_error(ps, start, "unterminated raw quoted string");
		strbuf_add(&sb, ps->p, (size_t)(end - ps->p));
		ps->p = end + 1;
		*ret = json_stringn(sb.buf, sb.len);
		return 0;
	}
	for (;;) {
		char c = *ps->p;
		if (c == '\0' || c == '\n')
			return parse_error(ps, start, "unterminated quoted string");
		ps->p++;
		if (c == '"')
			break;
		if (c != '\\') {
			strbuf_addch(&sb, c);
			continue;
		}
		c = *ps->p++;
		switch (c) {
		case 'n':
			strbuf_addch(&sb, '\n');
			break;
		case 't':
			strbuf_addch(&sb, '\t');
			break;
		case 'r':
			strbuf_addch(&sb, '\r');
			break;
		case 'a':
			strbuf_addch(&sb, '\a');
			break;
		case 'b':
			strbuf_addch(&sb, '\b');
			break;
		case 'f':
			strbuf_addch(&sb, '\f');
			break;
		case 'v':
			strbuf_addch(&sb, '\v');
			break;
		case '\\':
			strbuf_addch(&sb, '\\');
			break;
		case '"':
			strbuf_addch(&sb, '"');
			break;
		case '\'':
			strbuf_addch(&sb, '\'');
			break;
		case 'x': {
			unsigned v = 0;
			for (int i = 0; i < 2; i++, ps->p++) {
				if (!isxdigit((unsigned char)*ps->p))
					return parse_error(ps, start, "invalid syntax");
				v = v * 16 + (unsigned)(isdigit((unsigned char)*ps->p) ?
								*ps->p - '0' :
								(tolower(*ps->p) - 'a' + 10));
			}
			strbuf_addch(&sb, (int)v);
			break;
		}
		case 'u':
		case 'U': {
			unsigned long cp = 0;
			int n = c == 'u' ? 4 : 8;
			for (int i = 0; i < n; i++, ps->p++) {
				if (!isxdigit((unsigned char)*ps->p))
					return parse_error(ps, start, "invalid syntax");
				cp = cp * 16 +
				     (unsigned long)(isdigit((unsigned char)*ps->p) ?
							     *ps->p - '0' :
							     (tolower(*ps->p) - 'a' + 10));
			}
			if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
				return parse_error(ps, start, "invalid syntax");
			utf8_add(&sb, cp);
			break;
		}
		case '0':
		case '1':
		case '2':
		case '3':
		case '4':
		case '5':
		case '6':
		case '7': {
			unsigned v = (unsigned)(c - '0');
			for (int i = 0; i < 2; i++, ps->p++) {
				if (*ps->p < '0' || *ps->p > '7')
					return parse_error(ps, start, "invalid syntax");
				v = v * 8 + (unsigned)(*ps->p - '0');
			}
			if (v > 255)
				return parse_error(ps, start, "invalid syntax");
			strbuf_addch(&sb, (int)v);
			break;
		}
		default:
			return parse_error(ps, start, "invalid syntax");
		}
	}
	/* "\xff" may make a string that is not UTF-8: keep the bytes anyway */
	*ret = json_stringn_nocheck(sb.buf, sb.len);
	return 0;
}

static int parse_number(struct parser *ps, json_t **ret)
{
	const char *start = ps->p;
	char *end;
	errno = 0;
	bool is_float = false;
	const char *s = ps->p;
	if (*s == '-' || *s == '+')
		s++;
	if (!(s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))) {
		for (const char *q = s; isalnum((unsigned char)*q) || *q == '.' || *q == '_'; q++)
			if (*q == '.' || *q == 'e' || *q == 'E')
				is_float = true;
	}
	if (is_float) {
		double d = strtod(ps->p, &end);
		if (end == ps->p || errno)
			return parse_error(ps, start, "bad number syntax: \"%.20s\"", start);
		ps->p = end;
		*ret = json_real(d);
	} else {
		long long v = strtoll(ps->p, &end, 0);
		if (end == ps->p || errno)
			return parse_error(ps, start, "bad number syntax: \"%.20s\"", start);
		ps->p = end;
		*ret = json_integer(v);
	}
	if (ident_char(*ps->p) || *ps->p == '.')
		return parse_error(ps, start, "bad number syntax: \"%.*s\"",
				   (int)(ps->p - start + 1), start);
	return 0;
}

/* ".A.B" after an operand: append names to a->chain */
static int parse_chain(struct parser *ps, struct arg *a)
{
	while (*ps->p == '.' && ident_char(ps->p[1]) && !isdigit((unsigned char)ps->p[1])) {
		a->pos.line = line_of(ps, ps->p);
		a->pos.col = col_of(ps, ps->p);
		ps->p++;
		a->chain = xreallocarray(a->chain, a->nchain + 1, sizeof(*a->chain));
		a->chain[a->nchain++] = read_ident(ps);
	}
	return 0;
}

static int parse_pipe(struct parser *ps, struct pipe **ret, bool in_parens, bool allow_decl);

static bool var_declared(const struct parser *ps, const char *name)
{
	if (strcmp(name, "$") == 0)
		return true;
	for (size_t i = 0; i < ps->nvars; i++)
		if (strcmp(ps->vars[i], name) == 0)
			return true;
	return false;
}

static void var_declare(struct parser *ps, const char *name)
{
	ps->vars = xgrow(ps->vars, &ps->vars_alloc, ps->nvars + 1, sizeof(*ps->vars));
	ps->vars[ps->nvars++] = xstrdup(name);
}

static void vars_pop_to(struct parser *ps, size_t mark)
{
	while (ps->nvars > mark)
		free(ps->vars[--ps->nvars]);
}

static int parse_operand(struct parser *ps, struct arg *a)
{
	const char *start = ps->p;
	char c = *ps->p;
	memset(a, 0, sizeof(*a));
	if (c == '.' && (ident_char(ps->p[1]) && !isdigit((unsigned char)ps->p[1]))) {
		a->type = A_FIELD;
		return parse_chain(ps, a);
	}
	if (c == '.') {
		ps->p++;
		a->type = A_DOT;
		if (isdigit((unsigned char)*ps->p))
			return parse_error(ps, start, "bad number syntax: \".%c\"", *ps->p);
		return 0;
	}
	if (c == '$') {
		ps->p++;
		a->type = A_VAR;
		cleanup_free char *n = read_ident(ps);
		a->name = xasprintf("$%s", n);
		if (!var_declared(ps, a->name))
			return parse_error(ps, start, "undefined variable \"%s\"", a->name);
		return parse_chain(ps, a);
	}
	if (c == '"' || c == '`') {
		a->type = A_CONST;
		return parse_string(ps, &a->lit);
	}
	if (c == '\'') {
		/* a Go rune constant is an integer */
		if (ps->p[1] == '\0' || ps->p[2] != '\'')
			return parse_error(ps, start, "bad character constant");
		a->type = A_CONST;
		a->lit = json_integer((unsigned char)ps->p[1]);
		ps->p += 3;
		return 0;
	}
	if (isdigit((unsigned char)c) ||
	    ((c == '-' || c == '+') && isdigit((unsigned char)ps->p[1]))) {
		a->type = A_CONST;
		return parse_number(ps, &a->lit);
	}
	if (c == '(') {
		if (++ps->depth > TEMPLATE_MAX_DEPTH)
			return parse_error(ps, start, "max nesting depth %d exceeded",
					   TEMPLATE_MAX_DEPTH);
		ps->p++;
		a->type = A_PIPE;
		int r = parse_pipe(ps, &a->pipe, true, false);
		ps->depth--;
		if (r < 0)
			return r;
		return parse_chain(ps, a);
	}
	if (isalpha((unsigned char)c) || c == '_') {
		cleanup_free char *id = read_ident(ps);
		if (strcmp(id, "true") == 0 || strcmp(id, "false") == 0) {
			a->type = A_CONST;
			a->lit = json_boolean(id[0] == 't');
		} else if (strcmp(id, "nil") == 0) {
			a->type = A_NIL;
		} else {
			a->type = A_IDENT;
			a->name = steal_pointer(&id);
		}
		return 0;
	}
	if (c == '\0')
		return parse_error(ps, start, "unclosed action");
	return parse_error(ps, start, "unexpected \"%c\" in operand", c);
}

static bool known_function(const char *name)
{
	static const char *const names[] = { "and",      "or",     "not",     "len",   "index",
					     "print",    "printf", "println", "eq",    "ne",
					     "lt",       "le",     "gt",      "ge",    "json",
					     "split",    "join",   "lower",   "upper", "title",
					     "truncate", "pad",    "slice",   "html",  NULL };
	for (size_t i = 0; names[i]; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

static int parse_cmd(struct parser *ps, struct cmd *c, bool in_parens)
{
	memset(c, 0, sizeof(*c));
	skip_space(ps);
	const char *start = ps->p;
	for (;;) {
		skip_space(ps);
		if (at_close(ps, false) || *ps->p == '|' || (in_parens && *ps->p == ')'))
			break;
		if (*ps->p == '\0')
			return parse_error(ps, ps->p, "unclosed action");
		if (*ps->p == ')')
			return parse_error(ps, ps->p, "unexpected \")\" in command");
		if (c->nargs > 0 && !is_space(ps->p[-1]) && ps->p[-1] != ')' && *ps->p != '(')
			return parse_error(ps, ps->p, "unexpected \"%c\" in operand", *ps->p);
		if (c->nargs >= 256)
			return parse_error(ps, ps->p, "too many arguments");
		const char *at = ps->p;
		c->args = xreallocarray(c->args, c->nargs + 1, sizeof(*c->args));
		struct arg *a = &c->args[c->nargs];
		int r = parse_operand(ps, a);
		c->nargs++;
		if (r < 0)
			return r;
		if (a->pos.line == 0) {
			a->pos.line = line_of(ps, at);
			a->pos.col = col_of(ps, at);
		}
		a->pos.text = xstrndup(at, (size_t)(ps->p - at));
		if (a->type == A_IDENT && !known_function(a->name))
			return parse_error(ps, at, "function \"%s\" not defined", a->name);
	}
	if (c->nargs == 0)
		return parse_error(ps, ps->p, "empty command");
	c->pos.line = line_of(ps, start);
	c->pos.col = col_of(ps, start);
	const char *end = ps->p;
	while (end > start && is_space(end[-1]))
		end--;
	c->pos.text = xstrndup(start, (size_t)(end - start));
	return 0;
}

/* "$x :=", "$x =", "$i, $e :=" at the start of a pipeline */
static void parse_decls(struct parser *ps, struct pipe *p)
{
	const char *save = ps->p;
	char *names[2] = { NULL, NULL };
	size_t n = 0;
	for (;;) {
		skip_space(ps);
		if (*ps->p != '$')
			break;
		const char *s = ps->p + 1;
		while (ident_char(*s))
			s++;
		const char *after = s;
		while (*after == ' ' || *after == '\t')
			after++;
		bool comma = *after == ',' && n == 0;
		bool decl = after[0] == ':' && after[1] == '=';
		bool assign = after[0] == '=' && after[1] != '=';
		if (!comma && !decl && !assign)
			break;
		names[n++] = xstrndup(ps->p, (size_t)(s - ps->p));
		if (comma) {
			ps->p = after + 1;
			continue;
		}
		ps->p = after + (decl ? 2 : 1);
		p->assign = assign;
		p->decl[0] = names[0];
		p->decl[1] = names[1];
		p->ndecl = n;
		return;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	ps->p = save;
}

static int parse_pipe(struct parser *ps, struct pipe **ret, bool in_parens, bool allow_decl)
{
	struct pipe *p = xzalloc(sizeof(*p));
	if (allow_decl)
		parse_decls(ps, p);
	for (;;) {
		p->cmds = xreallocarray(p->cmds, p->ncmds + 1, sizeof(*p->cmds));
		int r = parse_cmd(ps, &p->cmds[p->ncmds], in_parens);
		p->ncmds++;
		if (r < 0) {
			pipe_free(p);
			return r;
		}
		skip_space(ps);
		if (*ps->p == '|') {
			ps->p++;
			continue;
		}
		break;
	}
	for (size_t i = 0; i < p->ndecl; i++) {
		if (p->assign && !var_declared(ps, p->decl[i])) {
			int r = parse_error(ps, ps->p, "undefined variable \"%s\"", p->decl[i]);
			pipe_free(p);
			return r;
		}
		if (!p->assign)
			var_declare(ps, p->decl[i]);
	}
	if (in_parens) {
		if (*ps->p != ')') {
			pipe_free(p);
			return parse_error(ps, ps->p, "unclosed left paren");
		}
		ps->p++;
	}
	*ret = p;
	return 0;
}

enum list_end {
	END_EOF,
	END_END,
	END_ELSE
};

static int parse_list(struct parser *ps, struct node **ret, enum list_end *ret_end,
		      struct node **else_if);

static struct node *node_new(struct parser *ps, enum node_type type, const char *at)
{
	struct node *n = xzalloc(sizeof(*n));
	n->type = type;
	n->line = line_of(ps, at);
	n->col = col_of(ps, at);
	return n;
}

static int expect_close(struct parser *ps)
{
	for (;;) {
		if (at_close(ps, true))
			return 0;
		if (!is_space(*ps->p))
			break;
		ps->p++;
	}
	if (*ps->p == '\0')
		return parse_error(ps, ps->p, "unclosed action");
	return parse_error(ps, ps->p, "unexpected \"%c\" in command", *ps->p);
}

static int parse_control_body(struct parser *ps, struct node *n, const char *kw);

/* {{if}}, {{range}}, {{with}}: pipe, list, optional else list, end; the
 * variables declared inside go out of scope at the end */
static int parse_control(struct parser *ps, struct node *n, const char *kw)
{
	if (++ps->depth > TEMPLATE_MAX_DEPTH)
		return parse_error(ps, ps->p, "max nesting depth %d exceeded", TEMPLATE_MAX_DEPTH);
	size_t mark = ps->nvars;
	int r = parse_control_body(ps, n, kw);
	vars_pop_to(ps, mark);
	ps->depth--;
	return r;
}

static int parse_control_body(struct parser *ps, struct node *n, const char *kw)
{
	skip_space(ps);
	if (at_close(ps, false))
		return parse_error(ps, ps->p, "missing value for %s", kw);
	int r = parse_pipe(ps, &n->pipe, false, true);
	if (r < 0)
		return r;
	if ((r = expect_close(ps)) < 0)
		return r;
	enum list_end end;
	struct node *else_if = NULL;
	if ((r = parse_list(ps, &n->list, &end, &else_if)) < 0)
		return r;
	if (end == END_EOF)
		return parse_error(ps, ps->p, "unexpected EOF");
	if (end == END_ELSE) {
		if (else_if) {
			/* {{else if X}} / {{else with X}}: a nested control that
			 * consumes the {{end}} */
			n->else_list = else_if;
			r = parse_control(ps, else_if, else_if->type == N_IF ? "if" : "with");
		} else {
			r = parse_list(ps, &n->else_list, &end, &else_if);
			if (r >= 0 && end != END_END) {
				nodes_free(else_if);
				r = parse_error(ps, ps->p,
						end == END_EOF ? "unexpected EOF" :
								 "expected end; found {{else}}");
			}
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* The keyword of an action, when it starts with one */
static const char *keyword(struct parser *ps)
{
	static const char *const kws[] = { "if",       "range", "with",     "else",
					   "end",      "break", "continue", "define",
					   "template", "block", NULL };
	for (size_t i = 0; kws[i]; i++) {
		size_t n = strlen(kws[i]);
		if (strncmp(ps->p, kws[i], n) == 0 && !ident_char(ps->p[n])) {
			ps->p += n;
			return kws[i];
		}
	}
	return NULL;
}

static int parse_action(struct parser *ps, const char *open, struct node **ret,
			enum list_end *ret_end, struct node **else_if)
{
	skip_space(ps);
	/* a comment: {{ slash-star ... star-slash }} */
	if (ps->p[0] == '/' && ps->p[1] == '*') {
		const char *end = strstr(ps->p + 2, "*/");
		if (!end)
			return parse_error(ps, open, "unclosed comment");
		ps->p = end + 2;
		if (!at_close(ps, true) && !(*ps->p == ' ' && (ps->p++, at_close(ps, true))))
			return parse_error(ps, open, "comment ends before closing delimiter");
		*ret = NULL;
		return 0;
	}
	const char *at = ps->p;
	const char *kw = keyword(ps);
	int r;
	if (kw && strcmp(kw, "end") == 0) {
		*ret_end = END_END;
		return expect_close(ps);
	}
	if (kw && strcmp(kw, "else") == 0) {
		*ret_end = END_ELSE;
		skip_space(ps);
		const char *at2 = ps->p;
		const char *kw2 = keyword(ps);
		if (kw2 && (strcmp(kw2, "if") == 0 || strcmp(kw2, "with") == 0)) {
			/* parsed by the caller's parse_control */
			*else_if = node_new(ps, kw2[0] == 'i' ? N_IF : N_WITH, at2);
			return 0;
		}
		ps->p = at2;
		return expect_close(ps);
	}
	if (kw &&
	    (strcmp(kw, "define") == 0 || strcmp(kw, "template") == 0 || strcmp(kw, "block") == 0))
		return parse_error(ps, at, "\"%s\" is not supported", kw);
	if (kw && (strcmp(kw, "break") == 0 || strcmp(kw, "continue") == 0)) {
		*ret = node_new(ps, kw[0] == 'b' ? N_BREAK : N_CONTINUE, at);
		return expect_close(ps);
	}
	if (kw) {
		enum node_type t = kw[0] == 'i' ? N_IF : kw[0] == 'r' ? N_RANGE : N_WITH;
		*ret = node_new(ps, t, at);
		r = parse_control(ps, *ret, kw);
		return r;
	}
	*ret = node_new(ps, N_ACTION, at);
	if (at_close(ps, false))
		return parse_error(ps, open, "missing value for command");
	if ((r = parse_pipe(ps, &(*ret)->pipe, false, true)) < 0)
		return r;
	(*ret)->text = xstrndup(at, (size_t)(ps->p - at));
	return expect_close(ps);
}

static void rtrim_text(struct node *n)
{
	while (n->len > 0 && is_space(n->text[n->len - 1]))
		n->len--;
}

/* Parse nodes until EOF, {{end}} or {{else}} (said in *ret_end); a
 * {{else if}} leaves its new node in *else_if */
static int parse_list(struct parser *ps, struct node **ret, enum list_end *ret_end,
		      struct node **else_if)
{
	struct node *head = NULL, **tail = &head, *last_text = NULL;
	*ret_end = END_EOF;
	int r = 0;
	for (;;) {
		const char *open = strstr(ps->p, "{{");
		const char *text_end = open ? open : ps->p + strlen(ps->p);
		const char *text = ps->p;
		if (ps->trim_next) {
			while (text < text_end && is_space(*text))
				text++;
			ps->trim_next = false;
		}
		last_text = NULL;
		if (text_end > text) {
			struct node *n = node_new(ps, N_TEXT, text);
			n->text = xstrndup(text, (size_t)(text_end - text));
			n->len = (size_t)(text_end - text);
			*tail = last_text = n;
			tail = &n->next;
		}
		if (!open) {
			ps->p = text_end;
			break;
		}
		ps->p = open + 2;
		if (ps->p[0] == '-' && is_space(ps->p[1])) {
			if (last_text)
				rtrim_text(last_text);
			ps->p++;
		}
		struct node *n = NULL;
		enum list_end end = END_EOF;
		r = parse_action(ps, open, &n, &end, else_if);
		if (n) {
			*tail = n;
			tail = &n->next;
		}
		if (r < 0)
			break;
		if (end != END_EOF) {
			*ret_end = end;
			break;
		}
	}
	*ret = head;
	return r;
}

int template_parse(const char *text, struct template **ret, berth_error_t **err)
{
	if (strlen(text) > TEMPLATE_MAX_LEN)
		return berth_error_fail(err, EINVAL, "template: longer than %d bytes",
					TEMPLATE_MAX_LEN);
	struct parser ps = { .src = text, .p = text, .err = err };
	struct node *root = NULL, *else_if = NULL;
	enum list_end end;
	int r = parse_list(&ps, &root, &end, &else_if);
	nodes_free(else_if);
	vars_pop_to(&ps, 0);
	free(ps.vars);
	if (r >= 0 && end == END_END)
		r = parse_error(&ps, ps.p, "unexpected {{end}}");
	if (r >= 0 && end == END_ELSE)
		r = parse_error(&ps, ps.p, "unexpected {{else}}");
	if (r < 0) {
		nodes_free(root);
		return r;
	}
	struct template *t = xzalloc(sizeof(*t));
	t->root = root;
	*ret = t;
	return 0;
}

/* ---- values as Go prints them ---- */

/* The Go type name of a decoded JSON value, for error messages */
static const char *go_type(const json_t *v)
{
	if (!v)
		return "<nil>";
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "map[string]interface {}";
	case JSON_ARRAY:
		return "[]interface {}";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
		return "int";
	case JSON_REAL:
		return "float64";
	case JSON_TRUE:
	case JSON_FALSE:
		return "bool";
	case JSON_NULL:
		return "interface {}";
	}
	return "?";
}

/* The shortest decimal digits of d that read back as d: *ret_exp is the
 * decimal exponent of the first digit, the digits go to buf */
static int shortest_digits(double d, char *buf, size_t size, int *ret_exp)
{
	char tmp[64];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, d);
		if (strtod(tmp, NULL) == d || prec == 17)
			break;
	}
	/* tmp is "[-]d.ddde[+-]xx" */
	const char *s = tmp;
	size_t n = 0;
	if (*s == '-')
		s++;
	for (; *s && *s != 'e'; s++)
		if (isdigit((unsigned char)*s) && n + 1 < size)
			buf[n++] = *s;
	while (n > 1 && buf[n - 1] == '0')
		n--;
	buf[n] = '\0';
	*ret_exp = *s == 'e' ? (int)strtol(s + 1, NULL, 10) : 0;
	return (int)n;
}

/* Go's strconv.FormatFloat(d, 'g', -1, 64) (fmt's %v): %e when the
 * exponent is < -4 or >= 21 for json (json=true), >= 6 otherwise... no:
 * fmt uses 6 with the shortest digits, encoding/json uses its own rule */
static void print_real(struct strbuf *sb, double d, bool json)
{
	if (isnan(d)) {
		strbuf_addstr(sb, "NaN");
		return;
	}
	if (isinf(d)) {
		strbuf_addstr(sb, d > 0 ? "+Inf" : "-Inf");
		return;
	}
	char dig[32];
	int exp;
	int nd = shortest_digits(d, dig, sizeof(dig), &exp);
	if (d == 0) {
		strbuf_addstr(sb, signbit(d) && !json ? "-0" : "0");
		return;
	}
	bool use_e = json ? (fabs(d) < 1e-6 || fabs(d) >= 1e21) : (exp < -4 || exp >= 6);
	if (signbit(d))
		strbuf_addch(sb, '-');
	if (use_e) {
		strbuf_addch(sb, dig[0]);
		if (nd > 1) {
			strbuf_addch(sb, '.');
			strbuf_addstr(sb, dig + 1);
		}
		/* Go: e+06 in fmt, e+21 / e-07 in json (at least two digits in
		 * fmt; json trims "e-07" to "e-7") */
		if (json)
			strbuf_addf(sb, "e%c%d", exp < 0 ? '-' : '+', abs(exp));
		else
			strbuf_addf(sb, "e%c%02d", exp < 0 ? '-' : '+', abs(exp));
		return;
	}
	if (exp < 0) {
		strbuf_addstr(sb, "0.");
		for (int i = -1; i > exp; i--)
			strbuf_addch(sb, '0');
		strbuf_addstr(sb, dig);
		return;
	}
	for (int i = 0; i <= exp || i < nd; i++) {
		if (i == exp + 1)
			strbuf_addch(sb, '.');
		strbuf_addch(sb, i < nd ? dig[i] : '0');
	}
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of an object, sorted as Go sorts map keys; free the array only */
static const char **sorted_keys(const json_t *o, size_t *ret_n)
{
	size_t n = json_object_size(o), i = 0;
	const char **keys = xcalloc(n ? n : 1, sizeof(*keys));
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)o, k, v) keys[i++] = k;
	qsort(keys, n, sizeof(*keys), key_cmp);
	*ret_n = n;
	return keys;
}

/* docker decodes inspect output into Go structs, so what {{.X}} prints
 * depends on X's Go type, which JSON does not carry.  These tables name
 * the fields whose type matters: maps (print as map[k:v], null as map[]),
 * pointers (null or absent prints <nil>), and fields the daemon omits when
 * empty (absent prints the zero value).  Any other object with only
 * capitalised keys prints as a struct, {v1 v2 ...} in field order. */
static bool name_in(const char *name, const char *const *set)
{
	for (size_t i = 0; name && set[i]; i++)
		if (strcmp(set[i], name) == 0)
			return true;
	return false;
}

static bool is_map_field(const char *parent, const char *name)
{
	static const char *const maps[] = { "Labels",       "Data",    "Options",    "DriverOpts",
					    "ExposedPorts", "Volumes", "Ports",      "PortBindings",
					    "Networks",     "Sysctls", "StorageOpt", "Tmpfs",
					    "Annotations",  NULL };
	if (name && strcmp(name, "Config") == 0)
		return parent && strcmp(parent, "LogConfig") == 0;
	return name_in(name, maps);
}

static bool is_pointer_field(const char *name)
{
	static const char *const ptrs[] = { "Health",
					    "Node",
					    "IPAMConfig",
					    "Descriptor",
					    "ImageManifestDescriptor",
					    "Identity",
					    "Config",
					    "HostConfig",
					    "NetworkSettings",
					    "State",
					    "ContainerConfig",
					    NULL };
	return name_in(name, ptrs);
}

/* Fields docker's daemon leaves out when empty ("omitempty") whose zero
 * value is an empty string */
static bool is_omitted_string(const char *name)
{
	static const char *const strs[] = { "Name",     "Driver",  "Mode",      "Propagation",
					    "Platform", "Variant", "Container", "DockerVersion",
					    "Author",   "Comment", NULL };
	return name_in(name, strs);
}

static bool struct_like(const json_t *o)
{
	const char *k;
	json_t *v;
	if (json_object_size(o) == 0)
		return false;
	json_object_foreach((json_t *)o, k, v) if (!isupper((unsigned char)k[0])) return false;
	return true;
}

static void value_print_named(struct strbuf *sb, const json_t *v, const char *parent,
			      const char *name);

/* fmt's %v: maps as map[k:v] sorted by key, slices as [a b], nil as <nil>,
 * a missing value (NULL) as <no value> */
static void value_print(struct strbuf *sb, const json_t *v)
{
	value_print_named(sb, v, NULL, NULL);
}

static void value_print_named(struct strbuf *sb, const json_t *v, const char *parent,
			      const char *name)
{
	if (json_is_null(v)) {
		strbuf_addstr(sb, is_map_field(parent, name)      ? "map[]" :
				  is_pointer_field(name) || !name ? "<nil>" :
								    "[]");
		return;
	}
	if (json_is_object(v) && !is_map_field(parent, name) && struct_like(v)) {
		const char *k;
		json_t *e;
		bool first = true;
		strbuf_addch(sb, '{');
		json_object_foreach((json_t *)v, k, e)
		{
			if (!first)
				strbuf_addch(sb, ' ');
			first = false;
			value_print_named(sb, e, name, k);
		}
		strbuf_addch(sb, '}');
		return;
	}
	if (!v) {
		strbuf_addstr(sb, "<no value>");
		return;
	}
	switch (json_typeof(v)) {
	case JSON_STRING:
		strbuf_add(sb, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		strbuf_addf(sb, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		print_real(sb, json_real_value(v), false);
		break;
	case JSON_TRUE:
		strbuf_addstr(sb, "true");
		break;
	case JSON_FALSE:
		strbuf_addstr(sb, "false");
		break;
	case JSON_NULL:
		strbuf_addstr(sb, "<nil>");
		break;
	case JSON_ARRAY: {
		strbuf_addch(sb, '[');
		for (size_t i = 0; i < json_array_size(v); i++) {
			if (i)
				strbuf_addch(sb, ' ');
			value_print_named(sb, json_array_get(v, i), name, NULL);
		}
		strbuf_addch(sb, ']');
		break;
	}
	case JSON_OBJECT: {
		size_t n;
		cleanup_free const char **keys = sorted_keys(v, &n);
		strbuf_addstr(sb, "map[");
		for (size_t i = 0; i < n; i++) {
			if (i)
				strbuf_addch(sb, ' ');
			strbuf_addstr(sb, keys[i]);
			strbuf_addch(sb, ':');
			value_print_named(sb, json_object_get(v, keys[i]), name, NULL);
		}
		strbuf_addch(sb, ']');
		break;
	}
	}
}

/* encoding/json string escaping, with or without SetEscapeHTML */
static void json_quote_html(struct strbuf *sb, const char *s, size_t len, bool html)
{
	static const char hex[] = "0123456789abcdef";
	strbuf_addch(sb, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			strbuf_addch(sb, '\\');
			strbuf_addch(sb, c);
		} else if (c == '\n') {
			strbuf_addstr(sb, "\\n");
		} else if (c == '\r') {
			strbuf_addstr(sb, "\\r");
		} else if (c == '\t') {
			strbuf_addstr(sb, "\\t");
		} else if (c < 0x20 || (html && (c == '<' || c == '>' || c == '&'))) {
			/* the HTML ones are none of the characters above */
			strbuf_addstr(sb, "\\u00");
			strbuf_addch(sb, hex[c >> 4]);
			strbuf_addch(sb, hex[c & 15]);
		} else if (c == 0xe2 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 &&
			   ((unsigned char)s[i + 2] == 0xa8 || (unsigned char)s[i + 2] == 0xa9)) {
			/* U+2028 and U+2029, escaped by Go for JavaScript's sake */
			strbuf_addstr(sb, (unsigned char)s[i + 2] == 0xa8 ? "\\u2028" : "\\u2029");
			i += 2;
		} else {
			strbuf_addch(sb, c);
		}
	}
	strbuf_addch(sb, '"');
}

static void json_quote(struct strbuf *sb, const char *s, size_t len)
{
	json_quote_html(sb, s, len, false);
}

static void value_json_html(struct strbuf *sb, const json_t *v, bool html);

/* Compact JSON as Go's encoder writes it (a struct's keys in the order
 * received, the daemon's, which is the order of Go's struct fields) */
static void value_json(struct strbuf *sb, const json_t *v)
{
	value_json_html(sb, v, false);
}

static void value_json_html(struct strbuf *sb, const json_t *v, bool html)
{
	if (!v) {
		strbuf_addstr(sb, "null");
		return;
	}
	switch (json_typeof(v)) {
	case JSON_STRING:
		json_quote_html(sb, json_string_value(v), json_string_length(v), html);
		break;
	case JSON_INTEGER:
		strbuf_addf(sb, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		print_real(sb, json_real_value(v), true);
		break;
	case JSON_TRUE:
		strbuf_addstr(sb, "true");
		break;
	case JSON_FALSE:
		strbuf_addstr(sb, "false");
		break;
	case JSON_NULL:
		strbuf_addstr(sb, "null");
		break;
	case JSON_ARRAY:
		strbuf_addch(sb, '[');
		for (size_t i = 0; i < json_array_size(v); i++) {
			if (i)
				strbuf_addch(sb, ',');
			value_json_html(sb, json_array_get(v, i), html);
		}
		strbuf_addch(sb, ']');
		break;
	case JSON_OBJECT: {
		/* Go sorts a map's keys and keeps a struct's field order */
		size_t n;
		cleanup_free const char **keys = sorted_keys(v, &n);
		if (struct_like(v) && !html) { /* a marshalled context is a map */
			const char *k;
			json_t *e;
			n = 0;
			json_object_foreach((json_t *)v, k, e) keys[n++] = k;
		}
		strbuf_addch(sb, '{');
		for (size_t i = 0; i < n; i++) {
			if (i)
				strbuf_addch(sb, ',');
			json_quote_html(sb, keys[i], strlen(keys[i]), html);
			strbuf_addch(sb, ':');
			value_json_html(sb, json_object_get(v, keys[i]), html);
		}
		strbuf_addch(sb, '}');
		break;
	}
	}
}

/* Go's template truth: false, 0, nil, empty string/array/map are false */
static bool value_truth(const json_t *v)
{
	if (!v)
		return false;
	switch (json_typeof(v)) {
	case JSON_STRING:
		return json_string_length(v) > 0;
	case JSON_INTEGER:
		return json_integer_value(v) != 0;
	case JSON_REAL:
		return json_real_value(v) != 0;
	case JSON_TRUE:
		return true;
	case JSON_FALSE:
	case JSON_NULL:
		return false;
	case JSON_ARRAY:
		return json_array_size(v) > 0;
	case JSON_OBJECT:
		return json_object_size(v) > 0;
	}
	return false;
}

/* ---- execution ---- */

struct var {
	char *name; /* owned */
	json_t *v;  /* owned reference; NULL = no value */
};

struct exec {
	struct var *vars;
	size_t nvars, alloc;
	struct strbuf *out;
	size_t out_start;
	bool header;      /* rendering a table header: docker's HeaderFunctions */
	bool marshal_dot; /* TEMPLATE_MARSHAL_DOT */
	const json_t *root;
	const struct node *node;
	const struct pos *pos; /* the operand or command being evaluated */
	int loop;              /* 1 after {{break}}, 2 after {{continue}} */
	int depth;
	size_t steps;
	berth_error_t **err;
};

__attribute__((format(printf, 2, 3))) static int exec_error(struct exec *ex, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cleanup_free char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	const struct node *n = ex->node;
	struct pos p = { 1, 0, NULL };
	if (ex->pos)
		p = *ex->pos;
	else if (n)
		p = (struct pos){ n->line, n->col, n->text };
	return berth_error_fail(ex->err, EINVAL, "template: :%d:%d: executing \"\" at <%.80s>: %s",
				p.line, p.col, p.text ? p.text : "", msg);
}

static void var_push(struct exec *ex, const char *name, json_t *v /* takes ownership */)
{
	ex->vars = xgrow(ex->vars, &ex->alloc, ex->nvars + 1, sizeof(*ex->vars));
	ex->vars[ex->nvars].name = xstrdup(name);
	ex->vars[ex->nvars].v = v;
	ex->nvars++;
}

static void var_pop_to(struct exec *ex, size_t mark)
{
	while (ex->nvars > mark) {
		ex->nvars--;
		free(ex->vars[ex->nvars].name);
		json_decref(ex->vars[ex->nvars].v);
	}
}

static struct var *var_find(struct exec *ex, const char *name)
{
	for (size_t i = ex->nvars; i > 0; i--)
		if (strcmp(ex->vars[i - 1].name, name) == 0)
			return &ex->vars[i - 1];
	return NULL;
}

static json_t *ref(const json_t *v)
{
	return json_incref((json_t *)v);
}

/* v.name, v found under parent: a key of an object.  A key missing from a
 * map is "no value"; one missing from a struct is its zero value when the
 * daemon leaves it out when empty, else the error docker's fallback to
 * raw maps reports */
static int field_get(struct exec *ex, json_t *v, const char *parent, const char *name, json_t **ret)
{
	if (!v || json_is_null(v)) {
		*ret = NULL;
		return 0;
	}
	if (!json_is_object(v))
		return exec_error(ex, "can't evaluate field %s in type %s", name, go_type(v));
	json_t *e = json_object_get(v, name);
	if (e || is_map_field(NULL, parent) || !isupper((unsigned char)name[0]))
		*ret = ref(e);
	else if (is_map_field(parent, name) || is_pointer_field(name))
		*ret = json_null();
	else if (is_omitted_string(name))
		*ret = json_string("");
	else
		return exec_error(ex, "map has no entry for key \"%s\"", name);
	return 0;
}

static int field_chain(struct exec *ex, json_t *v /* takes ownership */, char *const *chain,
		       size_t n, json_t **ret)
{
	for (size_t i = 0; i < n; i++) {
		json_t *next;
		int r = field_get(ex, v, i > 0 ? chain[i - 1] : NULL, chain[i], &next);
		json_decref(v);
		if (r < 0)
			return r;
		v = next;
	}
	*ret = v;
	return 0;
}

static int eval_pipe(struct exec *ex, const struct pipe *p, json_t *dot, json_t **ret);

static int eval_arg(struct exec *ex, const struct arg *a, json_t *dot, json_t **ret)
{
	json_t *base = NULL;
	int r;
	switch (a->type) {
	case A_DOT:
		*ret = ref(dot);
		return 0;
	case A_CONST:
		*ret = ref(a->lit);
		return 0;
	case A_NIL:
		*ret = json_null();
		return 0;
	case A_IDENT:
		return exec_error(ex, "%s is a function, not a value", a->name);
	case A_FIELD:
		base = ref(dot);
		break;
	case A_VAR: {
		struct var *var = var_find(ex, a->name);
		if (!var)
			return exec_error(ex, "undefined variable: %s", a->name);
		base = ref(var->v);
		break;
	}
	case A_PIPE:
		if ((r = eval_pipe(ex, a->pipe, dot, &base)) < 0)
			return r;
		break;
	}
	ex->pos = &a->pos;
	return field_chain(ex, base, a->chain, a->nchain, ret);
}

/* ---- functions ---- */

static const char *need_string(struct exec *ex, const char *fn, json_t *v, int *r)
{
	if (json_is_string(v))
		return json_string_value(v);
	*r = exec_error(ex, "error calling %s: wrong type for value; expected string; got %s", fn,
			go_type(v));
	return NULL;
}

static int need_int(struct exec *ex, const char *fn, json_t *v, json_int_t *ret)
{
	if (json_is_integer(v)) {
		*ret = json_integer_value(v);
		return 0;
	}
	return exec_error(ex, "error calling %s: wrong type for value; expected int; got %s", fn,
			  go_type(v));
}

static json_t *string_value(struct strbuf *sb)
{
	json_t *s = json_stringn_nocheck(sb->buf, sb->len);
	return s;
}

/* Go's comparison: numbers by value, strings and bools by identity; other
 * kinds cannot be compared */
static int compare(struct exec *ex, const char *fn, json_t *a, json_t *b, int *ret)
{
	/* Go compares ints with ints and floats with floats, never across */
	if (json_is_integer(a) && json_is_integer(b)) {
		json_int_t x = json_integer_value(a), y = json_integer_value(b);
		*ret = (x > y) - (x < y);
		return 0;
	}
	if (json_is_real(a) && json_is_real(b)) {
		double x = json_real_value(a), y = json_real_value(b);
		*ret = (x > y) - (x < y);
		return 0;
	}
	if (json_is_string(a) && json_is_string(b)) {
		int c = strcmp(json_string_value(a), json_string_value(b));
		*ret = (c > 0) - (c < 0);
		return 0;
	}
	if (json_is_boolean(a) && json_is_boolean(b) &&
	    (strcmp(fn, "eq") == 0 || strcmp(fn, "ne") == 0)) {
		*ret = json_is_true(a) != json_is_true(b);
		return 0;
	}
	if ((strcmp(fn, "eq") == 0 || strcmp(fn, "ne") == 0) &&
	    (!a || json_is_null(a) || !b || json_is_null(b))) {
		*ret = !((!a || json_is_null(a)) && (!b || json_is_null(b)));
		return 0;
	}
	if (a && b && json_typeof(a) != json_typeof(b) &&
	    !(json_is_boolean(a) && json_is_boolean(b)) && !(json_is_null(a) || json_is_null(b)))
		return exec_error(ex, "error calling %s: incompatible types for comparison", fn);
	return exec_error(ex, "error calling %s: invalid type for comparison", fn);
}

static int fn_compare(struct exec *ex, const char *fn, json_t **args, size_t n, json_t **ret)
{
	if (n < 2)
		return exec_error(ex, "wrong number of args for %s: want 2 got %zu", fn, n);
	int c = 0, r;
	if (strcmp(fn, "eq") == 0) {
		/* eq a b c...: a equals any of the rest */
		for (size_t i = 1; i < n; i++) {
			if ((r = compare(ex, fn, args[0], args[i], &c)) < 0)
				return r;
			if (c == 0) {
				*ret = json_true();
				return 0;
			}
		}
		*ret = json_false();
		return 0;
	}
	if (n != 2)
		return exec_error(ex, "wrong number of args for %s: want 2 got %zu", fn, n);
	if ((r = compare(ex, fn, args[0], args[1], &c)) < 0)
		return r;
	bool b = strcmp(fn, "ne") == 0 ? c != 0 :
		 strcmp(fn, "lt") == 0 ? c < 0 :
		 strcmp(fn, "le") == 0 ? c <= 0 :
		 strcmp(fn, "gt") == 0 ? c > 0 :
					 c >= 0;
	*ret = json_boolean(b);
	return 0;
}

static int fn_index(struct exec *ex, json_t **args, size_t n, json_t **ret)
{
	if (n < 1)
		return exec_error(ex, "wrong number of args for index: want at least 1 got 0");
	json_t *v = args[0];
	if (json_is_null(v) && n == 2 && json_is_string(args[1])) {
		/* a nil map of docker's types: the zero value */
		*ret = json_string("");
		return 0;
	}
	if (!v || json_is_null(v)) {
		if (n == 1) {
			*ret = ref(v);
			return 0;
		}
		return exec_error(ex, "error calling index: index of untyped nil");
	}
	for (size_t i = 1; i < n; i++) {
		json_t *k = args[i];
		if (json_is_object(v)) {
			if (!k || !json_is_string(k))
				return exec_error(
					ex,
					"error calling index: value has type %s; should be string",
					go_type(k));
			json_t *e = json_object_get(v, json_string_value(k));
			if (!e) {
				/* Go gives the map's zero value; docker's maps that
				 * people index (labels, options) hold strings */
				*ret = i + 1 == n ? json_string("") : NULL;
				return 0;
			}
			v = e;
		} else if (json_is_array(v)) {
			if (!k || !json_is_integer(k))
				return exec_error(
					ex,
					"error calling index: cannot index slice/array with type %s",
					go_type(k));
			json_int_t x = json_integer_value(k);
			if (x < 0 || (size_t)x >= json_array_size(v))
				return exec_error(
					ex,
					"error calling index: index out of range: %" JSON_INTEGER_FORMAT,
					x);
			v = json_array_get(v, (size_t)x);
		} else if (!v || json_is_null(v)) {
			return exec_error(ex, "error calling index: index of nil pointer");
		} else {
			return exec_error(ex, "error calling index: can't index item of type %s",
					  go_type(v));
		}
	}
	*ret = ref(v);
	return 0;
}

/* slice x i [j]: a substring (bytes) or a sub-array */
static int fn_slice(struct exec *ex, json_t **args, size_t n, json_t **ret)
{
	if (n < 1 || n > 3)
		return exec_error(ex, "wrong number of args for slice: want 1 to 3 got %zu", n);
	json_t *v = args[0];
	size_t cap;
	if (json_is_string(v))
		cap = json_string_length(v);
	else if (json_is_array(v))
		cap = json_array_size(v);
	else
		return exec_error(ex, "error calling slice: can't slice item of type %s",
				  go_type(v));
	json_int_t idx[2] = { 0, (json_int_t)cap };
	for (size_t i = 1; i < n; i++) {
		if (!args[i] || !json_is_integer(args[i]))
			return exec_error(
				ex, "error calling slice: cannot index slice/array with type %s",
				go_type(args[i]));
		idx[i - 1] = json_integer_value(args[i]);
		if (idx[i - 1] < 0 || (size_t)idx[i - 1] > cap)
			return exec_error(
				ex,
				"error calling slice: index out of range: %" JSON_INTEGER_FORMAT,
				idx[i - 1]);
	}
	if (idx[0] > idx[1])
		return exec_error(ex,
				  "error calling slice: invalid slice index: %" JSON_INTEGER_FORMAT
				  " > %" JSON_INTEGER_FORMAT,
				  idx[0], idx[1]);
	if (json_is_string(v)) {
		*ret = json_stringn_nocheck(json_string_value(v) + idx[0],
					    (size_t)(idx[1] - idx[0]));
		return 0;
	}
	json_t *a = json_array();
	for (json_int_t i = idx[0]; i < idx[1]; i++)
		json_array_append(a, json_array_get(v, (size_t)i));
	*ret = a;
	return 0;
}

static int fn_len(struct exec *ex, json_t **args, size_t n, json_t **ret)
{
	if (n != 1)
		return exec_error(ex, "wrong number of args for len: want 1 got %zu", n);
	json_t *v = args[0];
	if (json_is_string(v))
		*ret = json_integer((json_int_t)json_string_length(v));
	else if (json_is_array(v))
		*ret = json_integer((json_int_t)json_array_size(v));
	else if (json_is_object(v))
		*ret = json_integer((json_int_t)json_object_size(v));
	else if (json_is_null(v))
		*ret = json_integer(0);
	else
		return exec_error(ex, "error calling len: len of type %s", go_type(v));
	return 0;
}

/* fmt.Sprint: a space between operands when neither is a string */
static void fn_print(json_t **args, size_t n, bool ln, struct strbuf *sb)
{
	for (size_t i = 0; i < n; i++) {
		bool is_str = json_is_string(args[i]);
		bool prev_str = i > 0 && json_is_string(args[i - 1]);
		if (i > 0 && (ln || (!is_str && !prev_str)))
			strbuf_addch(sb, ' ');
		value_print(sb, args[i]);
	}
	if (ln)
		strbuf_addch(sb, '\n');
}

static void pad_field(struct strbuf *sb, const char *s, size_t len, int width, bool minus,
		      bool zero)
{
	size_t runes = 0;
	for (size_t i = 0; i < len; i++)
		runes += ((unsigned char)s[i] & 0xc0) != 0x80;
	int pad = width > (int)runes ? width - (int)runes : 0;
	if (!minus)
		for (int i = 0; i < pad; i++)
			strbuf_addch(sb, zero ? '0' : ' ');
	strbuf_add(sb, s, len);
	if (minus)
		for (int i = 0; i < pad; i++)
			strbuf_addch(sb, ' ');
}

/* fmt.Sprintf for the verbs people use in --format: %s %v %d %q %t %x %f
 * %e %g %%, with flags -, 0, +, width and precision */
static void fn_printf(const char *f, json_t **args, size_t n, struct strbuf *sb)
{
	size_t ai = 0;
	for (; *f; f++) {
		if (*f != '%') {
			strbuf_addch(sb, *f);
			continue;
		}
		f++;
		bool minus = false, zero = false, plus = false;
		for (; *f == '-' || *f == '0' || *f == '+' || *f == ' ' || *f == '#'; f++) {
			minus |= *f == '-';
			zero |= *f == '0';
			plus |= *f == '+';
		}
		int width = 0, prec = -1;
		for (; isdigit((unsigned char)*f) && width < 10000; f++)
			width = width * 10 + (*f - '0');
		if (*f == '.') {
			prec = 0;
			for (f++; isdigit((unsigned char)*f) && prec < 10000; f++)
				prec = prec * 10 + (*f - '0');
		}
		char verb = *f;
		if (verb == '\0') {
			strbuf_addstr(sb, "%!(NOVERB)");
			break;
		}
		if (verb == '%') {
			strbuf_addch(sb, '%');
			continue;
		}
		if (ai >= n) {
			strbuf_addf(sb, "%%!%c(MISSING)", verb);
			continue;
		}
		json_t *v = args[ai++];
		cleanup_strbuf struct strbuf cell = STRBUF_INIT;
		if ((verb == 'd' || verb == 'x' || verb == 'X' || verb == 'o' || verb == 'b' ||
		     verb == 'c') &&
		    json_is_integer(v)) {
			json_int_t x = json_integer_value(v);
			if (verb == 'd')
				strbuf_addf(&cell,
					    plus ? "%+" JSON_INTEGER_FORMAT :
						   "%" JSON_INTEGER_FORMAT,
					    x);
			else if (verb == 'x')
				strbuf_addf(&cell, "%s%llx", x < 0 ? "-" : "",
					    (unsigned long long)(x < 0 ? -x : x));
			else if (verb == 'X')
				strbuf_addf(&cell, "%s%llX", x < 0 ? "-" : "",
					    (unsigned long long)(x < 0 ? -x : x));
			else if (verb == 'o')
				strbuf_addf(&cell, "%s%llo", x < 0 ? "-" : "",
					    (unsigned long long)(x < 0 ? -x : x));
			else if (verb == 'c')
				strbuf_addch(&cell, (int)x);
			else
				for (int bit = 63; bit >= 0; bit--)
					if ((x >> bit) || bit == 0)
						strbuf_addch(&cell, '0' + ((x >> bit) & 1));
		} else if ((verb == 'f' || verb == 'F' || verb == 'e' || verb == 'g') && v &&
			   json_is_number(v)) {
			double d = json_number_value(v);
			int p = prec < 0 ? 6 : prec;
			if (verb == 'g' && prec < 0)
				print_real(&cell, d, false);
			else if (verb == 'g')
				strbuf_addf(&cell, plus ? "%+.*g" : "%.*g", p, d);
			else if (verb == 'e')
				strbuf_addf(&cell, plus ? "%+.*e" : "%.*e", p, d);
			else
				strbuf_addf(&cell, plus ? "%+.*f" : "%.*f", p, d);
		} else if (verb == 't' && json_is_boolean(v)) {
			strbuf_addstr(&cell, json_is_true(v) ? "true" : "false");
		} else if (verb == 'q' && json_is_string(v)) {
			json_quote(&cell, json_string_value(v), json_string_length(v));
		} else if ((verb == 'x' || verb == 'X') && json_is_string(v)) {
			const char *s = json_string_value(v);
			for (size_t i = 0; i < json_string_length(v); i++)
				strbuf_addf(&cell, verb == 'x' ? "%02x" : "%02X",
					    (unsigned char)s[i]);
		} else if (verb == 's' || verb == 'v') {
			value_print(&cell, v);
			if (prec >= 0 && json_is_string(v) && (size_t)prec < cell.len)
				strbuf_setlen(&cell, (size_t)prec);
		} else {
			strbuf_addf(&cell, "%%!%c(%s=", verb, go_type(v));
			value_print(&cell, v);
			strbuf_addch(&cell, ')');
		}
		pad_field(sb, cell.buf, cell.len, width, minus,
			  zero && !minus && verb != 's' && verb != 'v');
	}
	if (ai < n) {
		strbuf_addstr(sb, "%!(EXTRA ");
		for (size_t i = ai; i < n; i++) {
			if (i > ai)
				strbuf_addstr(sb, ", ");
			strbuf_addf(sb, "%s=", go_type(args[i]));
			value_print(sb, args[i]);
		}
		strbuf_addch(sb, ')');
	}
}

/* strings.Title: the first letter of each word upper-cased; a word starts
 * after anything that is not a letter, digit, underscore or apostrophe...
 * Go's isSeparator: ASCII alphanumerics and '_' are not separators,
 * other ASCII is; non-ASCII letters are not (we treat all non-ASCII as
 * letters) */
static void fn_title(const char *s, size_t len, struct strbuf *sb)
{
	bool prev_sep = true;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		bool sep = c < 0x80 && !isalnum(c) && c != '_';
		strbuf_addch(sb, prev_sep && c < 0x80 ? toupper(c) : c);
		prev_sep = sep;
	}
}

static int fn_split(struct exec *ex, const char *s, const char *sep, json_t **ret)
{
	json_t *a = json_array();
	size_t seplen = strlen(sep);
	if (seplen == 0) {
		/* strings.Split(s, ""): one element per UTF-8 sequence */
		for (const char *p = s; *p;) {
			size_t n = 1;
			while (((unsigned char)p[n] & 0xc0) == 0x80)
				n++;
			json_array_append_new(a, json_stringn_nocheck(p, n));
			p += n;
		}
	} else {
		const char *p = s, *q;
		while ((q = strstr(p, sep))) {
			json_array_append_new(a, json_stringn_nocheck(p, (size_t)(q - p)));
			p = q + seplen;
		}
		json_array_append_new(a, json_string_nocheck(p));
	}
	(void)ex;
	*ret = a;
	return 0;
}

static int fn_join(struct exec *ex, json_t *arr, const char *sep, json_t **ret)
{
	if (!arr || !json_is_array(arr)) {
		if (json_is_null(arr)) {
			*ret = json_string("");
			return 0;
		}
		return exec_error(
			ex, "error calling join: wrong type for value; expected []string; got %s",
			go_type(arr));
	}
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *e = json_array_get(arr, i);
		if (!json_is_string(e))
			return exec_error(
				ex,
				"error calling join: wrong type for value; expected []string; got %s",
				go_type(arr));
		if (i)
			strbuf_addstr(&sb, sep);
		strbuf_add(&sb, json_string_value(e), json_string_length(e));
	}
	*ret = string_value(&sb);
	return 0;
}

static int want_args(struct exec *ex, const char *fn, size_t n, size_t want)
{
	if (n != want)
		return exec_error(ex, "wrong number of args for %s: want %zu got %zu", fn, want, n);
	return 0;
}

/* The string functions of docker's templates.go (and, for a table header,
 * its HeaderFunctions, which return the header text unchanged) */
static int call_string_fn(struct exec *ex, const char *fn, json_t **args, size_t n, json_t **ret)
{
	int r = 0;
	size_t want = strcmp(fn, "json") == 0 || strcmp(fn, "lower") == 0 ||
				      strcmp(fn, "upper") == 0 || strcmp(fn, "title") == 0 ?
			      1 :
		      strcmp(fn, "pad") == 0 ? 3 :
					       2;
	if ((r = want_args(ex, fn, n, want)) < 0)
		return r;
	if (ex->header && strcmp(fn, "pad") != 0) {
		*ret = ref(args[0]);
		return 0;
	}
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	if (strcmp(fn, "json") == 0) {
		value_json_html(&sb, args[0], ex->marshal_dot && args[0] == ex->root);
		*ret = string_value(&sb);
		return 0;
	}
	if (strcmp(fn, "join") == 0) {
		const char *sep = need_string(ex, fn, args[1], &r);
		return sep ? fn_join(ex, args[0], sep, ret) : r;
	}
	const char *s = need_string(ex, fn, args[0], &r);
	if (!s)
		return r;
	size_t len = json_string_length(args[0]);
	if (strcmp(fn, "split") == 0) {
		const char *sep = need_string(ex, fn, args[1], &r);
		return sep ? fn_split(ex, s, sep, ret) : r;
	}
	if (strcmp(fn, "lower") == 0 || strcmp(fn, "upper") == 0) {
		for (size_t i = 0; i < len; i++)
			strbuf_addch(&sb, fn[0] == 'l' ? tolower((unsigned char)s[i]) :
							 toupper((unsigned char)s[i]));
	} else if (strcmp(fn, "title") == 0) {
		fn_title(s, len, &sb);
	} else if (strcmp(fn, "truncate") == 0) {
		json_int_t l = 0; /* the analyzer loses need_int's "< 0 on failure" */
		if ((r = need_int(ex, fn, args[1], &l)) < 0)
			return r;
		strbuf_add(&sb, s, (l < 0 || (size_t)l > len) ? len : (size_t)l);
	} else {                              /* pad */
		json_int_t pre = 0, post = 0; /* as for truncate */
		if ((r = need_int(ex, fn, args[1], &pre)) < 0 ||
		    (r = need_int(ex, fn, args[2], &post)) < 0)
			return r;
		if (pre < 0 || post < 0 || pre > 4096 || post > 4096)
			return exec_error(ex, "error calling pad: count out of range");
		if (len > 0) {
			for (json_int_t i = 0; i < pre; i++)
				strbuf_addch(&sb, ' ');
			strbuf_add(&sb, s, len);
			for (json_int_t i = 0; i < post; i++)
				strbuf_addch(&sb, ' ');
		}
	}
	*ret = string_value(&sb);
	return 0;
}

static int call_fn(struct exec *ex, const char *fn, json_t **args, size_t n, json_t **ret)
{
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	if (strcmp(fn, "not") == 0) {
		int r = want_args(ex, fn, n, 1);
		if (r < 0)
			return r;
		*ret = json_boolean(!value_truth(args[0]));
		return 0;
	}
	if (strcmp(fn, "len") == 0)
		return fn_len(ex, args, n, ret);
	if (strcmp(fn, "index") == 0)
		return fn_index(ex, args, n, ret);
	if (strcmp(fn, "slice") == 0)
		return fn_slice(ex, args, n, ret);
	if (strcmp(fn, "eq") == 0 || strcmp(fn, "ne") == 0 || strcmp(fn, "lt") == 0 ||
	    strcmp(fn, "le") == 0 || strcmp(fn, "gt") == 0 || strcmp(fn, "ge") == 0)
		return fn_compare(ex, fn, args, n, ret);
	if (strcmp(fn, "print") == 0 || strcmp(fn, "println") == 0) {
		fn_print(args, n, fn[5] == 'l', &sb);
		*ret = string_value(&sb);
		return 0;
	}
	if (strcmp(fn, "html") == 0) {
		/* template.HTMLEscapeString of the printed arguments */
		cleanup_strbuf struct strbuf raw = STRBUF_INIT;
		fn_print(args, n, false, &raw);
		for (size_t i = 0; i < raw.len; i++) {
			char c = raw.buf[i];
			const char *e = c == '<'  ? "&lt;" :
					c == '>'  ? "&gt;" :
					c == '&'  ? "&amp;" :
					c == '\'' ? "&#39;" :
					c == '"'  ? "&#34;" :
					c == '\0' ? "\xef\xbf\xbd" :
						    NULL;
			if (e)
				strbuf_addstr(&sb, e);
			else
				strbuf_addch(&sb, c);
		}
		*ret = string_value(&sb);
		return 0;
	}
	if (strcmp(fn, "printf") == 0) {
		if (n < 1 || !args[0] || !json_is_string(args[0]))
			return exec_error(
				ex, "error calling printf: wrong type for value; expected string");
		fn_printf(json_string_value(args[0]), args + 1, n - 1, &sb);
		*ret = string_value(&sb);
		return 0;
	}
	if (strcmp(fn, "json") == 0 || strcmp(fn, "split") == 0 || strcmp(fn, "join") == 0 ||
	    strcmp(fn, "lower") == 0 || strcmp(fn, "upper") == 0 || strcmp(fn, "title") == 0 ||
	    strcmp(fn, "truncate") == 0 || strcmp(fn, "pad") == 0)
		return call_string_fn(ex, fn, args, n, ret);
	return exec_error(ex, "function \"%s\" is not supported", fn);
}

/* and/or short-circuit (Go 1.18): the first false/true argument or the last */
static int eval_and_or(struct exec *ex, const struct cmd *c, json_t *dot, json_t *final,
		       bool has_final, json_t **ret)
{
	bool is_and = strcmp(c->args[0].name, "and") == 0;
	size_t n = c->nargs - 1 + has_final;
	if (n < 1)
		return exec_error(ex, "wrong number of args for %s: want at least 1 got 0",
				  c->args[0].name);
	json_t *v = NULL;
	for (size_t i = 0; i < n; i++) {
		json_decref(v);
		v = NULL;
		if (i < c->nargs - 1) {
			int r = eval_arg(ex, &c->args[i + 1], dot, &v);
			if (r < 0)
				return r;
		} else {
			v = ref(final);
		}
		if (value_truth(v) != is_and)
			break;
	}
	*ret = v;
	return 0;
}

static int eval_call(struct exec *ex, const struct cmd *c, json_t *dot, json_t *final,
		     bool has_final, json_t **ret)
{
	const char *fn = c->args[0].name;
	if (strcmp(fn, "and") == 0 || strcmp(fn, "or") == 0)
		return eval_and_or(ex, c, dot, final, has_final, ret);
	size_t n = c->nargs - 1 + has_final;
	json_t **args = xcalloc(n + 1, sizeof(json_t *));
	int r = 0;
	for (size_t i = 1; i < c->nargs && r >= 0; i++)
		r = eval_arg(ex, &c->args[i], dot, &args[i - 1]);
	if (has_final)
		args[n - 1] = ref(final);
	ex->pos = &c->pos;
	if (r >= 0)
		r = call_fn(ex, fn, args, n, ret);
	for (size_t i = 0; i < n; i++)
		json_decref(args[i]);
	free(args);
	return r;
}

/* docker's method form: {{.Label "k"}} on an object field is index; in a
 * header the header text itself */
static int eval_method(struct exec *ex, const struct cmd *c, json_t *dot, json_t *final,
		       bool has_final, json_t **ret)
{
	const struct arg *a = &c->args[0];
	if (a->nchain == 0)
		return exec_error(ex, "can't give argument to non-function %s",
				  a->type == A_DOT ? "." : "value");
	struct arg recv = *a;
	recv.nchain--;
	json_t *base = NULL, *v = NULL;
	int r = eval_arg(ex, &recv, dot, &base);
	if (r < 0)
		return r;
	const char *name = a->chain[a->nchain - 1];
	ex->pos = &a->pos;
	r = field_get(ex, base, a->nchain > 1 ? a->chain[a->nchain - 2] : NULL, name, &v);
	json_decref(base);
	if (r < 0)
		return r;
	if (json_is_string(v) && ex->header) {
		*ret = v;
		return 0;
	}
	size_t n = c->nargs - 1 + has_final;
	if (!v || !json_is_object(v) || n != 1) {
		json_decref(v);
		return exec_error(ex, "%s is not a method but has arguments", name);
	}
	json_t *key = NULL;
	if (has_final)
		key = ref(final);
	else if ((r = eval_arg(ex, &c->args[1], dot, &key)) < 0) {
		json_decref(v);
		return r;
	}
	json_t *args[2] = { v, key };
	r = fn_index(ex, args, 2, ret);
	json_decref(v);
	json_decref(key);
	return r;
}

static int eval_cmd(struct exec *ex, const struct cmd *c, json_t *dot, json_t *final,
		    bool has_final, json_t **ret)
{
	const struct arg *a = &c->args[0];
	ex->pos = &c->pos;
	if (a->type == A_IDENT)
		return eval_call(ex, c, dot, final, has_final, ret);
	if (c->nargs > 1 || has_final) {
		if (a->type == A_FIELD ||
		    ((a->type == A_VAR || a->type == A_PIPE) && a->nchain > 0))
			return eval_method(ex, c, dot, final, has_final, ret);
		return exec_error(ex, "can't give argument to non-function %s",
				  a->pos.text ? a->pos.text : "value");
	}
	if (a->type == A_NIL)
		return exec_error(ex, "nil is not a command");
	return eval_arg(ex, a, dot, ret);
}

static int eval_pipe(struct exec *ex, const struct pipe *p, json_t *dot, json_t **ret)
{
	if (++ex->depth > TEMPLATE_MAX_DEPTH * 4)
		return exec_error(ex, "max nesting depth exceeded");
	json_t *v = NULL;
	int r = 0;
	for (size_t i = 0; i < p->ncmds && r >= 0; i++) {
		json_t *next = NULL;
		r = eval_cmd(ex, &p->cmds[i], dot, v, i > 0, &next);
		json_decref(v);
		v = next;
	}
	ex->depth--;
	if (r < 0) {
		json_decref(v);
		return r;
	}
	if (p->ndecl == 1) {
		if (p->assign) {
			struct var *var = var_find(ex, p->decl[0]);
			if (!var) {
				json_decref(v);
				return exec_error(ex, "undefined variable: %s", p->decl[0]);
			}
			json_decref(var->v);
			var->v = ref(v);
		} else {
			if (ex->nvars >= TEMPLATE_MAX_VARS) {
				json_decref(v);
				return exec_error(ex, "too many variables");
			}
			var_push(ex, p->decl[0], ref(v));
		}
	}
	*ret = v;
	return 0;
}

static int exec_list(struct exec *ex, const struct node *n, json_t *dot);

/* Print an action's value; for a plain field the field's name says how
 * docker's typed value would print (see is_map_field) */
static void print_result(struct exec *ex, const struct pipe *p, const json_t *v)
{
	const struct cmd *last = &p->cmds[p->ncmds - 1];
	const struct arg *a = &last->args[0];
	if (last->nargs == 1 && a->nchain > 0 && a->type != A_IDENT)
		value_print_named(ex->out, v, a->nchain > 1 ? a->chain[a->nchain - 2] : NULL,
				  a->chain[a->nchain - 1]);
	else
		value_print(ex->out, v);
}

static int check_output(struct exec *ex)
{
	if (ex->out->len - ex->out_start > TEMPLATE_MAX_OUTPUT)
		return exec_error(ex, "output longer than %d bytes", TEMPLATE_MAX_OUTPUT);
	return 0;
}

/* One iteration of a range body with $k, $v bound as declared */
static int range_step(struct exec *ex, const struct node *n, json_t *key, json_t *elem)
{
	if (++ex->steps > TEMPLATE_MAX_STEPS)
		return exec_error(ex, "more than %d steps", TEMPLATE_MAX_STEPS);
	size_t mark = ex->nvars;
	if (n->pipe->ndecl == 1) {
		var_push(ex, n->pipe->decl[0], ref(elem));
	} else if (n->pipe->ndecl == 2) {
		var_push(ex, n->pipe->decl[0], ref(key));
		var_push(ex, n->pipe->decl[1], ref(elem));
	}
	int r = exec_list(ex, n->list, elem);
	var_pop_to(ex, mark);
	return r;
}

static int exec_range(struct exec *ex, const struct node *n, json_t *v, json_t *dot)
{
	int r = 0;
	size_t count = 0;
	if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v) && r >= 0; i++, count++) {
			json_t *k = json_integer((json_int_t)i);
			r = range_step(ex, n, k, json_array_get(v, i));
			json_decref(k);
			if (ex->loop == 1 || r < 0)
				break;
			ex->loop = 0;
		}
	} else if (json_is_object(v)) {
		size_t nk;
		cleanup_free const char **keys = sorted_keys(v, &nk);
		for (size_t i = 0; i < nk && r >= 0; i++, count++) {
			json_t *k = json_string_nocheck(keys[i]);
			r = range_step(ex, n, k, json_object_get(v, keys[i]));
			json_decref(k);
			if (ex->loop == 1 || r < 0)
				break;
			ex->loop = 0;
		}
	} else if (json_is_integer(v)) {
		json_int_t max = json_integer_value(v);
		for (json_int_t i = 0; i < max && r >= 0; i++, count++) {
			json_t *k = json_integer(i);
			r = range_step(ex, n, k, k);
			json_decref(k);
			if (ex->loop == 1 || r < 0 || (r = check_output(ex)) < 0)
				break;
			ex->loop = 0;
		}
	} else if (v && !json_is_null(v)) {
		return exec_error(ex, "range can't iterate over %s",
				  json_is_string(v) ? json_string_value(v) : "value");
	}
	ex->loop = 0;
	if (r < 0)
		return r;
	if (count == 0 && n->else_list)
		return exec_list(ex, n->else_list, dot);
	return 0;
}

static int exec_node(struct exec *ex, const struct node *n, json_t *dot)
{
	int r = 0;
	json_t *v = NULL;
	ex->node = n;
	ex->pos = NULL;
	if (++ex->steps > TEMPLATE_MAX_STEPS)
		return exec_error(ex, "more than %d steps", TEMPLATE_MAX_STEPS);
	switch (n->type) {
	case N_TEXT:
		strbuf_add(ex->out, n->text, n->len);
		return check_output(ex);
	case N_BREAK:
		ex->loop = 1;
		return 0;
	case N_CONTINUE:
		ex->loop = 2;
		return 0;
	case N_ACTION:
		if ((r = eval_pipe(ex, n->pipe, dot, &v)) < 0)
			return r;
		if (n->pipe->ndecl == 0)
			print_result(ex, n->pipe, v);
		json_decref(v);
		return check_output(ex);
	case N_IF:
	case N_WITH:
	case N_RANGE:
		break;
	}
	size_t mark = ex->nvars;
	if (n->type == N_RANGE && n->pipe->ndecl > 0) {
		/* range declares its own variables per iteration */
		struct pipe p = *n->pipe;
		p.ndecl = 0;
		r = eval_pipe(ex, &p, dot, &v);
	} else {
		r = eval_pipe(ex, n->pipe, dot, &v);
	}
	if (r >= 0) {
		if (n->type == N_RANGE)
			r = exec_range(ex, n, v, dot);
		else if (value_truth(v))
			r = exec_list(ex, n->list, n->type == N_WITH ? v : dot);
		else if (n->else_list)
			r = exec_list(ex, n->else_list, dot);
	}
	json_decref(v);
	var_pop_to(ex, mark);
	return r;
}

static int exec_list(struct exec *ex, const struct node *n, json_t *dot)
{
	if (++ex->depth > TEMPLATE_MAX_DEPTH * 4)
		return exec_error(ex, "max nesting depth exceeded");
	int r = 0;
	for (; n && r >= 0 && !ex->loop; n = n->next)
		r = exec_node(ex, n, dot);
	ex->depth--;
	return r;
}

int template_render_flags(const struct template *t, const json_t *dot, unsigned flags,
			  struct strbuf *out, berth_error_t **err)
{
	struct exec ex = { .out = out,
			   .out_start = out->len,
			   .header = flags & TEMPLATE_HEADER,
			   .marshal_dot = flags & TEMPLATE_MARSHAL_DOT,
			   .root = dot,
			   .err = err };
	var_push(&ex, "$", ref(dot));
	int r = exec_list(&ex, t->root, (json_t *)dot);
	var_pop_to(&ex, 0);
	free(ex.vars);
	if (r < 0)
		strbuf_setlen(out, ex.out_start);
	return r;
}

int template_render(const struct template *t, const json_t *dot, struct strbuf *out,
		    berth_error_t **err)
{
	return template_render_flags(t, dot, 0, out, err);
}

void template_json(struct strbuf *out, const json_t *v)
{
	value_json(out, v);
}

void template_print(struct strbuf *out, const json_t *v)
{
	value_print(out, v);
}
