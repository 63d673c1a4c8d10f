/* version: build identity, from meson's config.h and the vcs_tag commit.h. */
#include "common/version.h"

#include <stdio.h>

#include "commit.h"

const char *berth_version(void)
{
	return BERTH_VERSION;
}

const char *berth_commit(void)
{
	return BERTH_COMMIT;
}

void berth_print_version(const char *prog)
{
	printf("%s version %s\ncommit: %s\n", prog, berth_version(), berth_commit());
}
