/* template: the subset of Go's text/template that docker's --format uses,
 * evaluated over JSON.  Supported: text, {{.Field.Sub}}, {{.}}, {{json X}},
 * {{index X "k" ...}}, {{join X ","}}, {{split X ","}}, {{lower X}},
 * {{upper X}}, {{title X}}, {{len X}}, {{println X...}}, {{printf "%s %d" X...}},
 * {{truncate X n}}, {{pad X l r}}, pipes {{X | json}}, {{if X}}..{{else if Y}}..{{else}}..{{end}},
 * {{range X}}..{{end}} (arrays and objects; {{range $k, $v := X}}),
 * {{with X}}..{{end}}, variables ($, $x := ...), comparisons eq ne lt le gt
 * ge and/or/not, slice, html, {{break}}/{{continue}}, range over an int,
 * {{- trim -}} markers, comments, and the docker "method" form
 * {{.Label "k"}} (= index .Label "k" when .Label is an object).
 * Values print as docker's typed structs would (docker decodes inspect
 * output into Go types): a missing key of a map (lower-case or under a
 * known map field like Labels) renders as "<no value>"; a missing
 * capitalised field is docker's error "map has no entry for key" unless it
 * is one the daemon omits when empty (then its zero value); null prints as
 * [] , map[] or <nil> by the field's Go type.  Errors read like Go's and
 * name the template position ("template: :1:8: executing \"\" at
 * <.State.Nope>: ...").  Caps: 64 KiB of template, nesting depth 64,
 * 16 MiB of output and 4 Mi steps per render. */
#ifndef BERTH_CLI_TEMPLATE_H
#define BERTH_CLI_TEMPLATE_H

#include <jansson.h>

#include "common/error.h"
#include "common/strbuf.h"

struct template;

/* Parse text; errors read like Go's: "template: :1: unclosed action" */
int template_parse(const char *text, struct template **ret, berth_error_t **err);
/* Render t with dot as ".", appending to out */
int template_render(const struct template *t, const json_t *dot, struct strbuf *out,
		    berth_error_t **err);
void template_free(struct template *t);

/* Extensions (format helper): */
enum template_flags {
	/* render a table header: json, split, join, lower, upper, title and
	 * truncate return their first argument unchanged, and {{.Label "k"}}
	 * gives the header text (docker's templates.HeaderFunctions) */
	TEMPLATE_HEADER = 1 << 0,
	/* {{json .}} of the item itself escapes <, > and & as \u003c...: a
	 * list command's item is a Go formatter context whose MarshalJSON
	 * uses json.Marshal (docker ps/images --format json) */
	TEMPLATE_MARSHAL_DOT = 1 << 1,
};
int template_render_flags(const struct template *t, const json_t *dot, unsigned flags,
			  struct strbuf *out, berth_error_t **err);
/* v as {{json v}} writes it: compact, Go's escaping and number format */
void template_json(struct strbuf *out, const json_t *v);
/* v as {{v}} prints it: Go's fmt %v (map[k:v], [a b], <nil>) */
void template_print(struct strbuf *out, const json_t *v);

#endif
