/* mount-options: turn an OCI mount's "options" list into what mount(2) and
 * mount_setattr(2) take, per the options table of runtime-spec config.md
 * (and runc's reading of it).  Pure: no syscalls, so every corner is unit
 * tested.  Later options override earlier ones ("ro,rw" is rw). */
#ifndef BERTH_RUNTIME_MOUNT_OPTIONS_H
#define BERTH_RUNTIME_MOUNT_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "oci/runtime-config.h"

/* The kernel copies at most one page of mount data; a longer data string is
 * an error here rather than silently truncated there. */
#define MOUNT_OPTIONS_MAX_DATA 4095
/* Cap on the options of one mount (STYLE.md: every input has a cap) */
#define MOUNT_OPTIONS_MAX 256

enum mount_opt_extra {
	MOUNT_OPT_BIND = 1 << 0,      /* bind or rbind, or type "bind" */
	MOUNT_OPT_TMPCOPYUP = 1 << 1, /* tmpfs: copy the covered content up */
	MOUNT_OPT_IDMAP = 1 << 2,     /* idmapped mount of the top mount */
	MOUNT_OPT_RIDMAP = 1 << 3,    /* idmapped mount, recursively */
};

struct mount_opts {
	unsigned long flags;        /* MS_* to set, MS_BIND|MS_REC included for rbind */
	unsigned long clear;        /* MS_* an option explicitly cleared (rw, suid, dev ...) */
	unsigned long *propagation; /* MS_SHARED|MS_SLAVE|MS_PRIVATE|MS_UNBINDABLE,
				       maybe |MS_REC, in the order given; owned */
	size_t n_propagation;
	/* mount_setattr(AT_RECURSIVE) attributes of the r* options; an atime
	 * option also puts MOUNT_ATTR__ATIME in attr_clr, as the kernel wants */
	uint64_t attr_set;
	uint64_t attr_clr;
	char *data;     /* unknown options joined with ','; NULL when none; owned */
	unsigned extra; /* enum mount_opt_extra */
};

/* Parse m->options (m->type only decides whether "bind" is implied).
 * Unknown options go to data in order; "x-*" options (userspace-only by
 * util-linux convention) and empty strings are dropped.  Errors: more than
 * MOUNT_OPTIONS_MAX options or data longer than MOUNT_OPTIONS_MAX_DATA.
 * On success *ret is filled and must be released with
 * mount_opts_release(); on failure *ret is untouched. */
int mount_opts_parse(const struct oci_mount *m, struct mount_opts *ret, berth_error_t **err);

/* Same, from a plain NULL-terminated list (n entries); type may be NULL */
int mount_opts_parse_list(const char *const *options, size_t n, const char *type,
			  struct mount_opts *ret, berth_error_t **err);

void mount_opts_release(struct mount_opts *o);
static inline void mount_opts_releasep(struct mount_opts *o)
{
	mount_opts_release(o);
}
#define cleanup_mount_opts __attribute__((cleanup(mount_opts_releasep)))

/* A propagation name as in linux.rootfsPropagation or the options table
 * ("rslave" -> MS_SLAVE|MS_REC); returns 0 and *ret, or -1 when unknown
 * (no error object: callers word the message). */
int mount_propagation_parse(const char *name, unsigned long *ret);

#endif
