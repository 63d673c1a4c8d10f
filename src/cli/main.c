/* berth: the command-line client.  main() only finds the command in the
 * command table and runs it; each command lives in its own file. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "common/log.h"

int main(int argc, char **argv)
{
	log_set_prog("berth");
	return cli_dispatch(argc, argv);
}
