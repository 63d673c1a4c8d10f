/* each: the loop of docker's multi-container commands (see each.h). */
#include "cli/container/each.h"

#include <errno.h>
#include <stdio.h>

#include "common/cleanup.h"
#include "common/strbuf.h"

int container_each(struct cli *cli, const struct cli_args *args, container_each_fn fn,
		   unsigned flags)
{
	cleanup_strbuf struct strbuf errors = STRBUF_INIT;
	for (size_t i = 0; i < cli_nargs(args); i++) {
		cleanup_error berth_error_t *err = NULL;
		if (fn(cli, args, cli_arg(args, i), &err) >= 0) {
			printf("%s\n", cli_arg(args, i));
			continue;
		}
		if ((flags & CONTAINER_EACH_MISSING_OK) && err->errnum == ENOENT) {
			fflush(stdout);
			fprintf(stderr, "%s\n", err->msg);
			continue;
		}
		strbuf_addf(&errors, "%s%s", errors.len ? "\n" : "", err->msg);
	}
	if (!errors.len)
		return 0;
	cleanup_error berth_error_t *all = NULL;
	berth_error_fail(&all, EIO, "%s", errors.buf);
	fflush(stdout);
	return cli_error(cli, all, CLI_EXIT_ERROR);
}
