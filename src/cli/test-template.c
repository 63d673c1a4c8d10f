/* Unit tests of template.c: Go text/template semantics as docker's
 * --format uses them.  Expected outputs come from Go 1.19's text/template
 * with docker's functions (templates/templates.go) over the same data, and
 * from docker 28.2's `docker inspect -f` against berthd for the cases where
 * docker's typed structs print differently from raw JSON (maps, nil, absent
 * fields); comments mark where berth differs from raw Go on purpose. */
#include "common/unit.h"

#include <stdlib.h>

#include "cli/template.h"
#include "common/cleanup.h"
#include "common/strbuf.h"

static const char data[] =
	"{\"Name\":\"/web\",\"Id\":\"abc123def456\",\"N\":3,\"F\":1.5,\"Big\":1234567.0,\"T\":true,\"Z\":0,\"E\":\"\","
	"\"L\":[\"a\",\"b\",\"c\"],\"Empty\":[],\"M\":{\"b\":\"2\",\"a\":\"1\"},\"Nested\":{\"Inner\":{\"V\":\"deep\"}},"
	"\"Nums\":[3,1,2],\"Null\":null}";

struct tcase {
	const char *tmpl;
	const char *want;  /* NULL: an error */
	const char *error; /* the whole error message */
};

/* Differences from raw Go on purpose (docker decodes into typed structs):
 * {{.}} of an object with capitalised keys prints as a struct, {{json}}
 * keeps a struct's field order, a missing capitalised key is docker's
 * "map has no entry" error, index of a missing key gives "", a null of
 * unknown type prints [] (docker's nil slices), join takes any array of
 * strings, range over an int works (Go 1.22). */
static const struct tcase cases[] = {
	{ "plain text", "plain text", NULL },
	{ "{{.Name}}", "/web", NULL },
	{ "{{.Nested.Inner.V}}", "deep", NULL },
	{ "{{.}}x",
	  "{/web abc123def456 3 1.5 1.234567e+06 true 0  [a b c] [] map[a:1 b:2] {{deep}} [3 1 2] []}x",
	  NULL },
	{ "{{.L}} {{.M}} {{.Nums}} {{.Empty}}", "[a b c] map[a:1 b:2] [3 1 2] []", NULL },
	{ "{{.N}} {{.F}} {{.Big}} {{.T}} {{.Z}}", "3 1.5 1.234567e+06 true 0", NULL },
	{ "{{json .}}",
	  "{\"Name\":\"/web\",\"Id\":\"abc123def456\",\"N\":3,\"F\":1.5,\"Big\":1234567,\"T\":true,\"Z\":0,\"E\":\"\",\"L\":[\"a\",\"b\",\"c\"],\"Empty\":[],\"M\":{\"a\":\"1\",\"b\":\"2\"},\"Nested\":{\"Inner\":{\"V\":\"deep\"}},\"Nums\":[3,1,2],\"Null\":null}",
	  NULL },
	{ "{{json .L}} {{json .M}} {{json .Name}} {{json .F}} {{json .Null}}",
	  "[\"a\",\"b\",\"c\"] {\"a\":\"1\",\"b\":\"2\"} \"/web\" 1.5 null", NULL },
	{ "{{.Name | json}}", "\"/web\"", NULL },
	{ "{{index .M \"a\"}} {{index .L 1}} {{index .Nested \"Inner\" \"V\"}}", "1 b deep", NULL },
	{ "{{len .L}} {{len .M}} {{len .Name}}", "3 2 4", NULL },
	{ "{{range .L}}<{{.}}>{{end}}", "<a><b><c>", NULL },
	{ "{{range $i, $e := .L}}{{$i}}:{{$e}} {{end}}", "0:a 1:b 2:c ", NULL },
	{ "{{range $k, $v := .M}}{{$k}}={{$v}};{{end}}", "a=1;b=2;", NULL },
	{ "{{range .Empty}}x{{else}}empty{{end}}", "empty", NULL },
	{ "{{range $x := .Nums}}{{$x}}{{end}}", "312", NULL },
	{ "{{range .L}}{{if eq . \"b\"}}{{continue}}{{end}}{{.}}{{end}}", "ac", NULL },
	{ "{{range .L}}{{if eq . \"b\"}}{{break}}{{end}}{{.}}{{end}}", "a", NULL },
	{ "{{if .T}}yes{{end}}{{if .Z}}no{{else}}zero{{end}}{{if .E}}x{{else if .L}}list{{end}}",
	  "yeszerolist", NULL },
	{ "{{with .Nested.Inner}}{{.V}}{{end}}{{with .E}}x{{else}}none{{end}}", "deepnone", NULL },
	{ "{{$n := .Name}}{{range .L}}{{$n}}{{.}} {{end}}", "/weba /webb /webc ", NULL },
	{ "{{$x := 1}}{{if .T}}{{$x = 2}}{{end}}{{$x}}", "2", NULL },
	{ "{{range .L}}{{$.Name}}{{end}}", "/web/web/web", NULL },
	{ "{{eq .N 3}} {{ne .Name \"/web\"}} {{lt 1 2}} {{le 2 2}} {{gt \"b\" \"a\"}} {{ge 1 2}} {{eq .Name \"x\" \"/web\"}}",
	  "true false true true true false true", NULL },
	{ "{{and .T .N}} {{and .Z .T}} {{or .Z .E}} {{or .Z .Name}} {{not .T}} {{not .E}}",
	  "3 0  /web false true", NULL },
	{ "{{if and .T (eq .N 3)}}ok{{end}}", "ok", NULL },
	{ "{{printf \"%s-%d-%v\" .Name .N .T}}", "/web-3-true", NULL },
	{ "{{printf \"%5s|%-5s|%05d|%x|%q\" \"ab\" \"cd\" 42 255 \"q\\\"\"}}",
	  "   ab|cd   |00042|ff|\"q\\\"\"", NULL },
	{ "{{printf \"%.2f %e %g %t\" .F .F .F .T}}", "1.50 1.500000e+00 1.5 true", NULL },
	{ "{{printf \"%d\"}} {{printf \"%d %d\" 1}} {{printf \"x\" 1 \"y\"}} {{printf \"%d\" \"s\"}}",
	  "%!d(MISSING) 1 %!d(MISSING) x%!(EXTRA int=1, string=y) %!d(string=s)", NULL },
	{ "{{print \"a\" 1 2 \"b\"}} {{print 1 2}}", "a1 2b 1 2", NULL },
	{ "{{println \"a\" 1}}", "a 1\n", NULL },
	{ "{{.Name | printf \"%s!\"}} {{\"x\" | printf \"%s%s\" \"y\"}}", "/web! yx", NULL },
	{ "{{join .L \", \"}} {{split \"a:b:c\" \":\"}} {{len (split \"a:b\" \":\")}}",
	  "a, b, c [a b c] 2", NULL },
	{ "{{lower \"AbC\"}} {{upper \"AbC\"}} {{title \"hello world foo_bar x-y\"}}",
	  "abc ABC Hello World Foo_bar X-Y", NULL },
	{ "{{truncate .Id 6}} {{truncate \"ab\" 5}}|{{pad .Name 2 3}}|{{pad .E 2 3}}|",
	  "abc123 ab|  /web   ||", NULL },
	{ "{{slice .Name 1 3}} {{slice .L 1}}", "we [b c]", NULL },
	{ "{{- \"a\" -}}   \n  {{- \"b\" }}  {{ \"c\" -}}  d", "ab  cd", NULL },
	{ "a{{/* comment */}}b{{- /* trimmed */ -}}  c", "abc", NULL },
	{ "{{\"raw\\ttab\"}} {{`back\\tquote`}} {{'a'}} {{0x10}} {{-3}} {{1e3}} {{true}} {{eq nil nil}}",
	  "raw\ttab back\\tquote 97 16 -3 1000 true true", NULL },
	{ "{{(index .L 0)}}{{(.Nested).Inner.V}}", "adeep", NULL },
	{ "{{.Missing}}", NULL,
	  "template: :1:2: executing \"\" at <.Missing>: map has no entry for key \"Missing\"" },
	{ "{{.M.zz}}", "<no value>", NULL },
	{ "{{index .M \"zz\"}}", "", NULL },
	{ "{{.Null}}", "[]", NULL },
	{ "{{range .Null}}x{{end}}", "", NULL },
	{ "{{range 3}}{{.}}{{end}}", "012", NULL },
	{ "{{len .Null}}", "0", NULL },
	{ "{{.Name", NULL, "template: :1: unclosed action" },
	{ "{{end}}", NULL, "template: :1: unexpected {{end}}" },
	{ "{{if .T}}x", NULL, "template: :1: unexpected EOF" },
	{ "{{else}}", NULL, "template: :1: unexpected {{else}}" },
	{ "{{foo}}", NULL, "template: :1: function \"foo\" not defined" },
	{ "{{.Name.X}}", NULL,
	  "template: :1:7: executing \"\" at <.Name.X>: can't evaluate field X in type string" },
	{ "{{index .L 9}}", NULL,
	  "template: :1:2: executing \"\" at <index .L 9>: error calling index: index out of range: 9" },
	{ "{{len 3}}", NULL,
	  "template: :1:2: executing \"\" at <len 3>: error calling len: len of type int" },
	{ "{{lt 1 \"a\"}}", NULL,
	  "template: :1:2: executing \"\" at <lt 1 \"a\">: error calling lt: incompatible types for comparison" },
	{ "{{$x}}", NULL, "template: :1: undefined variable \"$x\"" },
	{ "{{range .Name}}x{{end}}", NULL,
	  "template: :1:8: executing \"\" at <.Name>: range can't iterate over /web" },
	{ "{{printf 3}}", NULL,
	  "template: :1:2: executing \"\" at <printf 3>: error calling printf: wrong type for value; expected string" },
	{ "{{\"unterminated}}", NULL, "template: :1: unterminated quoted string" },
	{ "{{(.Name}}", NULL, "template: :1: unclosed left paren" },
	{ "{{.Name)}}", NULL, "template: :1: unexpected \")\" in command" },
	{ "{{template \"x\"}}", NULL, "template: :1: \"template\" is not supported" },
	{ "{{join .Nums \",\"}}", NULL,
	  "template: :1:2: executing \"\" at <join .Nums \",\">: error calling join: wrong type for value; expected []string; got []interface {}" },
	{ "{{1 2}}", NULL,
	  "template: :1:2: executing \"\" at <1 2>: can't give argument to non-function 1" },
	{ "{{.Name 1}}", NULL,
	  "template: :1:2: executing \"\" at <.Name>: Name is not a method but has arguments" },
	{ "{{lt 1 2.5}}", NULL,
	  "template: :1:2: executing \"\" at <lt 1 2.5>: error calling lt: incompatible types for comparison" },
	{ "{{eq 1 1.0}}", NULL,
	  "template: :1:2: executing \"\" at <eq 1 1.0>: error calling eq: incompatible types for comparison" },
	{ "{{$x := 1}}{{if 1}}{{$y := 2}}{{end}}{{$y}}", NULL,
	  "template: :1: undefined variable \"$y\"" },
	{ "{{html \"<a&'b\\\">\"}}", "&lt;a&amp;&#39;b&#34;&gt;", NULL },
	{ "{{.Nested}}", "{{deep}}", NULL },
	{ "{{.Nested.Health}}", "<nil>", NULL },
	{ "{{.Nested.Labels}}", "map[]", NULL },
	{ "{{.Nested.Labels.x}}", "<no value>", NULL },
	{ "{{index .Nested.Labels \"x\"}}", "", NULL },
	{ "{{json .M}} {{json .Nested}}", "{\"a\":\"1\",\"b\":\"2\"} {\"Inner\":{\"V\":\"deep\"}}",
	  NULL },
	{ "{{range .L}}{{.}}{{else}}none{{end}}", "abc", NULL },
	{ "{{with $v := .Nested.Inner.V}}{{$v}}{{end}}", "deep", NULL },
	{ "{{if not .E}}empty{{end}}", "empty", NULL },
	{ "{{.T | not}}", "false", NULL },
	{ "{{printf \"%v\" .M}} {{printf \"%s\" .L}}", "map[a:1 b:2] [a b c]", NULL },
	{ "{{printf \"%d%%\" 50}}", "50%", NULL },
	{ "{{json \"a\\u2028<&>\\n\\101\"}}", "\"a\\u2028<&>\\nA\"", NULL },
	{ "{{json 0.1}} {{json 1e300}}", "0.1 1e+300", NULL },
	{ "{{0.1}} {{1e-7}} {{100000.0}} {{1e21}}", "0.1 1e-07 100000 1e+21", NULL },
};

static void check_case(const struct tcase *c, const json_t *dot)
{
	struct template *t = NULL;
	cleanup_error berth_error_t *err = NULL;
	cleanup_strbuf struct strbuf out = STRBUF_INIT;
	int r = template_parse(c->tmpl, &t, &err);
	if (r >= 0) {
		r = template_render(t, dot, &out, &err);
		template_free(t);
	}
	if (c->want) {
		if (r < 0)
			fail_msg("%s: unexpected error: %s", c->tmpl, err->msg);
		if (strcmp(out.buf, c->want) != 0)
			fail_msg("%s:\n  want '%s'\n  got  '%s'", c->tmpl, c->want, out.buf);
		return;
	}
	if (r >= 0)
		fail_msg("%s: rendered '%s', want error '%s'", c->tmpl, out.buf, c->error);
	if (strcmp(err->msg, c->error) != 0)
		fail_msg("%s:\n  want error '%s'\n  got error  '%s'", c->tmpl, c->error, err->msg);
	/* a failed render leaves nothing behind */
	assert_int_equal(out.len, 0);
}

static void test_cases(void **state)
{
	(void)state;
	json_error_t jerr;
	cleanup_json json_t *dot = json_loads(data, 0, &jerr);
	assert_non_null(dot);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i], dot);
}

/* docker's inspect: typed values print by their Go type */
static void test_docker_types(void **state)
{
	(void)state;
	static const char inspect[] =
		"{\"State\":{\"Status\":\"created\",\"Pid\":0},\"Config\":{\"Cmd\":[\"echo\",\"hi\"],\"Entrypoint\":null,"
		"\"Labels\":{\"com.x\":\"y\",\"a\":\"b\"},\"ExposedPorts\":{}},\"HostConfig\":{\"Binds\":null,"
		"\"LogConfig\":{\"Type\":\"json-file\",\"Config\":{}},\"RestartPolicy\":{\"Name\":\"no\","
		"\"MaximumRetryCount\":0}},\"NetworkSettings\":{\"Networks\":{},\"Ports\":{\"80/tcp\":[{\"HostIp\":"
		"\"0.0.0.0\",\"HostPort\":\"8080\"}]}},\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/s\"}]}";
	static const struct tcase typed[] = {
		{ "{{.State.Status}} {{.State.Pid}}", "created 0", NULL },
		{ "{{.Config.Labels}}", "map[a:b com.x:y]", NULL },
		{ "{{json .Config.Labels}}", "{\"a\":\"b\",\"com.x\":\"y\"}", NULL },
		{ "{{.Config.Cmd}} {{.Config.Entrypoint}} {{.HostConfig.Binds}}", "[echo hi] [] []",
		  NULL },
		{ "{{.State.Health}}", "<nil>", NULL },
		{ "{{.Config.ExposedPorts}} {{.NetworkSettings.Networks}}", "map[] map[]", NULL },
		{ "{{.HostConfig.LogConfig}} {{.HostConfig.RestartPolicy}}",
		  "{json-file map[]} {no 0}", NULL },
		{ "{{.NetworkSettings.Ports}}", "map[80/tcp:[{0.0.0.0 8080}]]", NULL },
		{ "{{range .Mounts}}{{.Type}}:{{.Name}}:{{.Source}}{{end}}", "bind::/s", NULL },
		{ "{{index .Config.Labels \"a\"}}|{{index .Config.Labels \"zz\"}}|{{.Config.Labels.zz}}",
		  "b||<no value>", NULL },
		{ "{{.State.Nope}}", NULL,
		  "template: :1:8: executing \"\" at <.State.Nope>: map has no entry for key \"Nope\"" },
		{ "{{.Label \"a\"}}", NULL,
		  "template: :1:2: executing \"\" at <.Label>: map has no entry for key \"Label\"" },
		{ "{{.Config.Labels \"a\"}}", "b", NULL },
	};
	json_error_t jerr;
	cleanup_json json_t *dot = json_loads(inspect, 0, &jerr);
	assert_non_null(dot);
	for (size_t i = 0; i < sizeof(typed) / sizeof(typed[0]); i++)
		check_case(&typed[i], dot);
}

/* A table header: docker's HeaderFunctions leave the header text alone */
static void test_header(void **state)
{
	(void)state;
	struct template *t = NULL;
	cleanup_error berth_error_t *err = NULL;
	cleanup_strbuf struct strbuf out = STRBUF_INIT;
	cleanup_json json_t *hdr = json_pack("{s:s, s:s, s:s}", "ID", "CONTAINER ID", "Names",
					     "NAMES", "Label", "LABEL");
	assert_int_equal(
		template_parse(
			"{{.ID}}\t{{upper .Names}}\t{{json .Names}}\t{{truncate .ID 3}}\t{{.Label \"x\"}}|{{pad .ID 1 1}}",
			&t, &err),
		0);
	assert_int_equal(template_render_flags(t, hdr, TEMPLATE_HEADER, &out, &err), 0);
	assert_string_equal(out.buf,
			    "CONTAINER ID\tNAMES\tNAMES\tCONTAINER ID\tLABEL| CONTAINER ID ");
	strbuf_reset(&out);
	/* the same template over an item uses the real functions */
	cleanup_json json_t *item =
		json_pack("{s:s, s:s, s:{s:s}}", "ID", "abcdef", "Names", "web", "Label", "x", "1");
	assert_int_equal(template_render(t, item, &out, &err), 0);
	assert_string_equal(out.buf, "abcdef\tWEB\t\"web\"\tabc\t1| abcdef ");
	template_free(t);
}

static void expect_parse_error(const char *tmpl, const char *needle)
{
	struct template *t = NULL;
	cleanup_error berth_error_t *err = NULL;
	assert_true(template_parse(tmpl, &t, &err) < 0);
	assert_null(t);
	assert_error_contains(err, needle);
}

/* A template is user input: length, nesting and output are capped */
static void test_limits(void **state)
{
	(void)state;
	cleanup_strbuf struct strbuf big = STRBUF_INIT;
	for (int i = 0; i < 70 * 1024; i++)
		strbuf_addch(&big, 'x');
	expect_parse_error(big.buf, "longer than");

	strbuf_reset(&big);
	for (int i = 0; i < 200; i++)
		strbuf_addstr(&big, "{{if 1}}");
	expect_parse_error(big.buf, "nesting depth");

	strbuf_reset(&big);
	strbuf_addstr(&big, "{{len ");
	for (int i = 0; i < 200; i++)
		strbuf_addch(&big, '(');
	expect_parse_error(big.buf, "nesting depth");

	/* 4 nested ranges of 100 over a 100 KiB string: 10^8 copies, stopped */
	struct template *t = NULL;
	cleanup_error berth_error_t *err = NULL;
	cleanup_strbuf struct strbuf out = STRBUF_INIT;
	assert_int_equal(
		template_parse(
			"{{range 100}}{{range 100}}{{range 100}}{{range 100}}{{$.S}}{{end}}{{end}}{{end}}{{end}}",
			&t, &err),
		0);
	cleanup_free char *s = malloc(100 * 1024 + 1);
	memset(s, 'y', 100 * 1024);
	s[100 * 1024] = '\0';
	cleanup_json json_t *dot = json_pack("{s:s}", "S", s);
	assert_true(template_render(t, dot, &out, &err) < 0);
	assert_error_contains(err, "output longer than");
	assert_int_equal(out.len, 0);
	template_free(t);

	/* a loop that writes nothing still ends */
	t = NULL;
	assert_int_equal(template_parse("{{range 1000000000000}}{{end}}", &t, &err), 0);
	assert_true(template_render(t, dot, &out, &err) < 0);
	assert_error_contains(err, "steps");
	template_free(t);
}

static void test_helpers(void **state)
{
	(void)state;
	cleanup_strbuf struct strbuf out = STRBUF_INIT;
	cleanup_json json_t *v = json_pack("{s:[i,f,n,b], s:s}", "A", 1, 2.5, 1, "B", "x\"\n");
	template_json(&out, v);
	assert_string_equal(out.buf, "{\"A\":[1,2.5,null,true],\"B\":\"x\\\"\\n\"}");
	strbuf_reset(&out);
	template_print(&out, json_object_get(v, "A"));
	assert_string_equal(out.buf, "[1 2.5 <nil> true]");
	template_free(NULL);

	/* a formatter context marshals as a sorted map, HTML-escaped */
	struct template *t = NULL;
	cleanup_error berth_error_t *err = NULL;
	cleanup_json json_t *item = json_pack("{s:s, s:s}", "Z", "<&>", "A", "a");
	strbuf_reset(&out);
	assert_int_equal(template_parse("{{json .}} {{json .Z}}", &t, &err), 0);
	assert_int_equal(template_render_flags(t, item, TEMPLATE_MARSHAL_DOT, &out, &err), 0);
	assert_string_equal(out.buf, "{\"A\":\"a\",\"Z\":\"\\u003c\\u0026\\u003e\"} \"<&>\"");
	template_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),   cmocka_unit_test(test_docker_types),
		cmocka_unit_test(test_header),  cmocka_unit_test(test_limits),
		cmocka_unit_test(test_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
