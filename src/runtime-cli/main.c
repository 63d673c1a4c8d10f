/* berth-runtime: the runc-compatible command line of the OCI runtime.
 * main() parses the global options and dispatches to one file per verb. */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/version.h"

static void usage(FILE *out)
{
	fprintf(out, "Usage:  berth-runtime [GLOBAL OPTIONS] COMMAND [ARGS]\n\n"
		     "berth's OCI runtime, command-line compatible with runc.\n\n"
		     "Global options:\n"
		     "  -h, --help     Print usage\n"
		     "  -v, --version  Print version information and quit\n");
}

int main(int argc, char **argv)
{
	log_set_prog("berth-runtime");
	if (argc == 2 && (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-v") == 0)) {
		/* runc's shape: containerd and podman read the "spec:" line */
		printf("berth-runtime version %s\ncommit: %s\nspec: %s\n", berth_version(),
		       berth_commit(), OCI_SPEC_VERSION);
		return 0;
	}
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	log_error("no runtime commands are built yet; see issue 3");
	return 1;
}
