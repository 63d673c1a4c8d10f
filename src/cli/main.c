/* berth: the command-line client.  main() only hands argv to cli_main
 * (cli.c), which parses, finds and runs the command; each command lives in
 * its own file under src/cli/<group>/. */
#include "cli/cli.h"
#include "common/log.h"

int main(int argc, char **argv)
{
	log_set_prog("berth");
	return cli_main(argc, argv);
}
