/* seccomp-default: docker's default seccomp profile (moby's
 * profiles/seccomp/default.json), kept as a C table and handed out in
 * docker's own profile format, so that the default and a user's
 * `--security-opt seccomp=<file>` go through the same resolver
 * (spec_seccomp_resolve). */
#ifndef BERTH_DAEMON_CONTAINERS_SECCOMP_DEFAULT_H
#define BERTH_DAEMON_CONTAINERS_SECCOMP_DEFAULT_H

#include <jansson.h>

/* The profile as docker's JSON (defaultAction, archMap, syscalls with
 * includes/excludes); a new reference */
json_t *seccomp_default_profile(void);

#endif
