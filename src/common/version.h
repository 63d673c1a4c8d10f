/* version: what every program prints for --version. */
#ifndef BERTH_COMMON_VERSION_H
#define BERTH_COMMON_VERSION_H

/* "0.1.0" */
const char *berth_version(void);
/* the git commit the binary was built from, or "unknown" */
const char *berth_commit(void);
/* Print "<prog> version <v>\ncommit: <c>\n" on stdout */
void berth_print_version(const char *prog);

#endif
