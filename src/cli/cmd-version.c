/* berth version: the client's build identity (the server half arrives
 * with the daemon). */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "common/version.h"

int cmd_version(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("Usage:  berth version\n\nShow the berth version information\n");
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr,
			"berth version: unexpected argument '%s'\n"
			"Usage:  berth version\n",
			argv[1]);
		return CLI_EXIT_FAILURE;
	}
	printf("Client:\n Version:    %s\n Git commit: %s\n OS/Arch:    linux/amd64\n",
	       berth_version(), berth_commit());
	return 0;
}
