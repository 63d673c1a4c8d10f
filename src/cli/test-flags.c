/* Unit tests of flags.c and help.c: pflag's command-line semantics and
 * error texts, Go's number and bool syntax, and pflag's wrapped Options
 * block, checked against what docker 28 prints for `docker ps --help`. */
#include "common/unit.h"

#include <stdlib.h>

#include "cli/core.h"
#include "common/cleanup.h"
#include "common/strbuf.h"

static const struct cli_flag flags[] = {
	{ .name = "all", .shorthand = 'a', .type = CLI_BOOL, .usage = "Show all" },
	{ .name = "interactive", .shorthand = 'i', .type = CLI_BOOL, .usage = "Keep STDIN open" },
	{ .name = "tty", .shorthand = 't', .type = CLI_BOOL, .usage = "Allocate a TTY" },
	{ .name = "env", .shorthand = 'e', .type = CLI_LIST, .usage = "Set variables" },
	{ .name = "name", .type = CLI_STRING, .def = "x", .usage = "Name" },
	{ .name = "user", .shorthand = 'u', .type = CLI_STRING, .usage = "User" },
	{ .name = "last", .shorthand = 'n', .type = CLI_INT, .def = "-1", .usage = "Last n" },
	{ .name = "rm", .type = CLI_BOOL, .def = "true", .usage = "Remove" },
	CLI_FLAGS_END,
};

/* Parse a NULL-terminated command line (without the command name) */
static int parse(unsigned pflags, struct cli_args *a, berth_error_t **err, const char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	return cli_args_parse(flags, pflags, argc, (char *const *)argv, a, err);
}

#define PARSE_OK(pflags, a, ...) \
	assert_int_equal(parse((pflags), (a), NULL, (const char *[]){ __VA_ARGS__, NULL }), 0)

static void expect_error(unsigned pflags, const char *msg, const char **argv)
{
	struct cli_args a;
	cleanup_error berth_error_t *err = NULL;
	assert_true(parse(pflags, &a, &err, argv) < 0);
	assert_non_null(err);
	assert_string_equal(err->msg, msg);
}
#define PARSE_FAIL(pflags, msg, ...) \
	expect_error((pflags), (msg), (const char *[]){ __VA_ARGS__, NULL })

static void test_forms(void **state)
{
	struct cli_args a;
	PARSE_OK(0, &a, "--name", "web", "-u", "root", "--last=3", "-e", "A=1", "-eB=2", "--env=C",
		 "img");
	assert_string_equal(cli_flag_string(&a, "name"), "web");
	assert_string_equal(cli_flag_string(&a, "user"), "root");
	assert_int_equal(cli_flag_int(&a, "last"), 3);
	const char *const *env;
	assert_int_equal(cli_flag_list(&a, "env", &env), 3);
	assert_string_equal(env[0], "A=1");
	assert_string_equal(env[1], "B=2");
	assert_string_equal(env[2], "C");
	assert_null(env[3]);
	assert_int_equal(cli_nargs(&a), 1);
	assert_string_equal(cli_arg(&a, 0), "img");
	assert_null(cli_arg(&a, 1));
	cli_args_release(&a);

	PARSE_OK(0, &a, "-uroot", "-u=nobody", "-n", "0x10");
	assert_string_equal(cli_flag_string(&a, "user"), "nobody");
	assert_int_equal(cli_flag_int(&a, "last"), 16);
	cli_args_release(&a);
}

static void test_bools(void **state)
{
	struct cli_args a;
	PARSE_OK(0, &a, "-it", "--rm=false", "-a=false");
	assert_true(cli_flag_bool(&a, "interactive"));
	assert_true(cli_flag_bool(&a, "tty"));
	assert_false(cli_flag_bool(&a, "rm"));
	assert_true(cli_flag_changed(&a, "rm"));
	assert_false(cli_flag_bool(&a, "all"));
	assert_true(cli_flag_changed(&a, "all"));
	cli_args_release(&a);

	/* defaults, and a bool followed by a value-taking shorthand */
	PARSE_OK(0, &a, "-aitu", "me");
	assert_true(cli_flag_bool(&a, "rm"));
	assert_false(cli_flag_changed(&a, "rm"));
	assert_string_equal(cli_flag_string(&a, "name"), "x");
	assert_int_equal(cli_flag_int(&a, "last"), -1);
	assert_string_equal(cli_flag_string(&a, "user"), "me");
	const char *const *env;
	assert_int_equal(cli_flag_list(&a, "env", &env), 0);
	assert_null(env[0]);
	cli_args_release(&a);
}

static void test_positionals(void **state)
{
	struct cli_args a;
	/* interspersed: flags after positionals still count */
	PARSE_OK(0, &a, "x", "-a", "y", "-", "--", "-t", "--rm");
	assert_true(cli_flag_bool(&a, "all"));
	assert_false(cli_flag_bool(&a, "tty"));
	assert_int_equal(cli_nargs(&a), 5);
	assert_string_equal(cli_arg(&a, 2), "-");
	assert_string_equal(cli_arg(&a, 3), "-t");
	assert_string_equal(cli_argv_from(&a, 4)[0], "--rm");
	assert_null(cli_argv_from(&a, 4)[1]);
	assert_null(cli_argv_from(&a, 9)[0]);
	cli_args_release(&a);

	/* run-style: the first positional ends the flags */
	PARSE_OK(CLI_PARSE_STOP_AT_ARG, &a, "-t", "busybox", "ls", "-a", "--bad");
	assert_true(cli_flag_bool(&a, "tty"));
	assert_false(cli_flag_bool(&a, "all"));
	assert_int_equal(cli_nargs(&a), 4);
	assert_string_equal(cli_arg(&a, 3), "--bad");
	cli_args_release(&a);
}

static void test_help(void **state)
{
	struct cli_args a;
	PARSE_OK(0, &a, "--help");
	assert_true(a.help);
	assert_false(a.help_short);
	cli_args_release(&a);
	PARSE_OK(0, &a, "-ah");
	assert_true(a.help && a.help_short);
	cli_args_release(&a);
	PARSE_OK(0, &a, "-h=false", "--help=0");
	assert_false(a.help);
	assert_true(a.help_short);
	cli_args_release(&a);
	PARSE_FAIL(CLI_PARSE_NO_HELP, "unknown flag: --help", "--help");
	PARSE_FAIL(
		0,
		"invalid argument \"x\" for \"-h, --help\" flag: strconv.ParseBool: parsing \"x\": invalid syntax",
		"-h=x");

	/* a command's own -h (run's --hostname) wins over the help shorthand */
	static const struct cli_flag own_h[] = {
		{ .name = "hostname", .shorthand = 'h', .type = CLI_STRING, .usage = "Host name" },
		CLI_FLAGS_END,
	};
	char *argv[] = { "-h", "box", "--help", NULL };
	assert_int_equal(cli_args_parse(own_h, 0, 3, argv, &a, NULL), 0);
	assert_string_equal(cli_flag_string(&a, "hostname"), "box");
	assert_true(a.help);
	assert_false(a.help_short);
	cli_args_release(&a);

	/* raw: nothing is a flag */
	char *raw[] = { "--bad", "-x", NULL };
	assert_int_equal(cli_args_parse(own_h, CLI_PARSE_RAW, 2, raw, &a, NULL), 0);
	assert_int_equal(cli_nargs(&a), 2);
	assert_string_equal(cli_arg(&a, 0), "--bad");
	cli_args_release(&a);
}

static void test_errors(void **state)
{
	PARSE_FAIL(0, "unknown flag: --bad", "--bad");
	PARSE_FAIL(0, "unknown flag: --bad", "--bad=1");
	PARSE_FAIL(0, "unknown shorthand flag: 'z' in -z", "-z");
	PARSE_FAIL(0, "unknown shorthand flag: 'z' in -zt", "-azt");
	PARSE_FAIL(0, "flag needs an argument: --name", "--name");
	PARSE_FAIL(0, "flag needs an argument: 'u' in -u", "-au");
	PARSE_FAIL(0, "bad flag syntax: ---x", "---x");
	PARSE_FAIL(0, "bad flag syntax: --=x", "--=x");
	PARSE_FAIL(
		0,
		"invalid argument \"abc\" for \"-n, --last\" flag: strconv.ParseInt: parsing \"abc\": invalid syntax",
		"-n", "abc");
	PARSE_FAIL(
		0,
		"invalid argument \"99999999999999999999\" for \"-n, --last\" flag: strconv.ParseInt: parsing "
		"\"99999999999999999999\": value out of range",
		"--last=99999999999999999999");
	PARSE_FAIL(
		0,
		"invalid argument \"maybe\" for \"--rm\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax",
		"--rm=maybe");
	PARSE_FAIL(
		0,
		"invalid argument \"\" for \"-a, --all\" flag: strconv.ParseBool: parsing \"\": invalid syntax",
		"--all=");
}

static void test_go_int(void **state)
{
	int64_t v;
	assert_int_equal(cli_parse_go_int("-9223372036854775808", &v, NULL), 0);
	assert_true(v == INT64_MIN);
	assert_int_equal(cli_parse_go_int("0b101", &v, NULL), 0);
	assert_int_equal(v, 5);
	assert_int_equal(cli_parse_go_int("017", &v, NULL), 0);
	assert_int_equal(v, 15);
	assert_int_equal(cli_parse_go_int("0", &v, NULL), 0);
	assert_int_equal(v, 0);
	const char *bad[] = { "", "-", "08", "1e3", " 1", "0x", "9223372036854775808", NULL };
	for (const char **p = bad; *p; p++)
		assert_true(cli_parse_go_int(*p, &v, NULL) < 0);
	bool b;
	assert_int_equal(cli_parse_go_bool("T", &b, NULL), 0);
	assert_true(b);
	assert_int_equal(cli_parse_go_bool("False", &b, NULL), 0);
	assert_false(b);
	assert_true(cli_parse_go_bool("yes", &b, NULL) < 0);
}

/* The table of docker ps and what docker 28 prints for it at 80 columns */
static const struct cli_flag ps_flags[] = {
	{ .name = "quiet",
	  .shorthand = 'q',
	  .type = CLI_BOOL,
	  .usage = "Only display container IDs" },
	{ .name = "all",
	  .shorthand = 'a',
	  .type = CLI_BOOL,
	  .usage = "Show all containers (default shows just running)" },
	{ .name = "filter",
	  .shorthand = 'f',
	  .type = CLI_LIST,
	  .value_name = "filter",
	  .usage = "Filter output based on conditions provided" },
	{ .name = "format",
	  .type = CLI_STRING,
	  .usage =
		  "Format output using a custom template:\n"
		  "'table':            Print output in table format with column headers (default)\n"
		  "'table TEMPLATE':   Print output in table format using the given Go template\n"
		  "'json':             Print in JSON format\n"
		  "'TEMPLATE':         Print output using the given Go template.\n"
		  "Refer to https://docs.docker.com/go/formatting/ for more information about formatting "
		  "output with templates" },
	{ .name = "last",
	  .shorthand = 'n',
	  .type = CLI_INT,
	  .def = "-1",
	  .usage = "Show n last created containers (includes all states)" },
	{ .name = "latest",
	  .shorthand = 'l',
	  .type = CLI_BOOL,
	  .usage = "Show the latest created container (includes all states)" },
	{ .name = "no-trunc", .type = CLI_BOOL, .usage = "Don't truncate output" },
	{ .name = "secret", .type = CLI_BOOL, .usage = "Hidden", .flags = CLI_FLAG_HIDDEN },
	{ .name = "size", .shorthand = 's', .type = CLI_BOOL, .usage = "Display total file sizes" },
	CLI_FLAGS_END,
};

static const char ps_help[] =
	"  -a, --all             Show all containers (default shows just running)\n"
	"  -f, --filter filter   Filter output based on conditions provided\n"
	"      --format string   Format output using a custom template:\n"
	"                        'table':            Print output in table format\n"
	"                        with column headers (default)\n"
	"                        'table TEMPLATE':   Print output in table format\n"
	"                        using the given Go template\n"
	"                        'json':             Print in JSON format\n"
	"                        'TEMPLATE':         Print output using the given\n"
	"                        Go template.\n"
	"                        Refer to https://docs.docker.com/go/formatting/\n"
	"                        for more information about formatting output with\n"
	"                        templates\n"
	"  -n, --last int        Show n last created containers (includes all\n"
	"                        states) (default -1)\n"
	"  -l, --latest          Show the latest created container (includes all\n"
	"                        states)\n"
	"      --no-trunc        Don't truncate output\n"
	"  -q, --quiet           Only display container IDs\n"
	"  -s, --size            Display total file sizes\n";

static void test_flag_usages(void **state)
{
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	cli_help_flag_usages(&sb, ps_flags, 79);
	assert_string_equal(sb.buf, ps_help);

	/* a narrow terminal moves the text to a block of its own */
	strbuf_reset(&sb);
	static const struct cli_flag one[] = {
		{ .name = "a-rather-long-flag-name",
		  .type = CLI_STRING,
		  .def = "d",
		  .usage = "`word` here" },
		CLI_FLAGS_END,
	};
	cli_help_flag_usages(&sb, one, 40);
	assert_string_equal(sb.buf, "      --a-rather-long-flag-name word   \n"
				    "                word here (default \"d\")\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),       cmocka_unit_test(test_bools),
		cmocka_unit_test(test_positionals), cmocka_unit_test(test_help),
		cmocka_unit_test(test_errors),      cmocka_unit_test(test_go_int),
		cmocka_unit_test(test_flag_usages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
