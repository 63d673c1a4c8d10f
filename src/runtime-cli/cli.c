/* cli: helpers shared by the verb files: getopt reset, positional
 * argument checks with runc's messages, and JSON output. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/parse.h"
#include "runtime-cli/cli.h"

void cli_getopt_reset(void)
{
	optind = 0; /* glibc: 0 re-initialises getopt completely */
	opterr = 1;
}

int cli_args(const char *verb, int argc, char **argv, int want, berth_error_t **err)
{
	int have = argc - optind;
	if (want == 0 && have < 1)
		return berth_error_fail(err, EINVAL, "\"%s\" requires a minimum of 1 argument",
					verb);
	if (want > 0 && have != want)
		return berth_error_fail(err, EINVAL, "\"%s\" requires exactly %d argument(s)", verb,
					want);
	return 0;
}

int cli_bad_option(const char *verb, berth_error_t **err)
{
	return berth_error_fail(err, EINVAL, "%s: invalid option (see berth-runtime --help)", verb);
}

int cli_parse_uint(const char *flag, const char *s, unsigned int *ret, berth_error_t **err)
{
	int64_t v;
	if (parse_int_range(s, 0, CLI_MAX_FDS, &v, err) < 0)
		return berth_error_wrap(err, "--%s", flag);
	*ret = (unsigned int)v;
	return 0;
}

void cli_print_json(const void *j, unsigned long flags)
{
	char *s = json_dumps((const json_t *)j, flags);
	if (s) {
		fputs(s, stdout);
		fputc('\n', stdout);
		free(s);
	}
	fflush(stdout);
}
