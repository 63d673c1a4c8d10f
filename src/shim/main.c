/* berth-shim: one per container; holds its stdio, log and exit status and
 * outlives berthd.  main() parses options and runs the shim loop. */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/version.h"

static void usage(FILE *out)
{
	fprintf(out, "Usage:  berth-shim [OPTIONS]\n\n"
		     "The per-container shim of berth, started by berthd.\n\n"
		     "Options:\n"
		     "  -h, --help     Print usage\n"
		     "  -v, --version  Print version information and quit\n");
}

int main(int argc, char **argv)
{
	log_set_prog("berth-shim");
	if (argc == 2 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-v") == 0)) {
		berth_print_version("berth-shim");
		return 0;
	}
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	log_error("the shim is not built yet; see issue 6");
	return 1;
}
