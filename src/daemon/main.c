/* berthd: the daemon.  main() parses options and runs the server; the
 * server itself lives in the daemon library. */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/version.h"

static void usage(FILE *out)
{
	fprintf(out, "Usage:  berthd [OPTIONS]\n\n"
		     "The berth daemon: serves the Docker Engine API on a unix socket.\n\n"
		     "Options:\n"
		     "  -h, --help     Print usage\n"
		     "  -v, --version  Print version information and quit\n");
}

int main(int argc, char **argv)
{
	log_set_prog("berthd");
	if (argc == 2 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-v") == 0)) {
		berth_print_version("berthd");
		return 0;
	}
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	log_error("the Engine API server is not built yet; see issue 6");
	return 1;
}
