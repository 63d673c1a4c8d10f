/* mount-options: the OCI mount options table (config.md "Mounts", the
 * Linux mount(8) names) mapped onto MS_* flags, propagation, mount_setattr
 * attributes and a data string.  Invariant: a flag is in at most one of
 * flags/clear, decided by the last option that names it. */
#include "runtime/mount-options.h"

#include <string.h>
#include <sys/mount.h>

#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

#include "common/banned.h"

/* Plain MS_* options: clear=true means the option clears the flag */
static const struct {
	const char *name;
	bool clear;
	unsigned long flag;
} flag_opts[] = {
	{ "defaults", false, 0 },
	{ "ro", false, MS_RDONLY },
	{ "rw", true, MS_RDONLY },
	{ "suid", true, MS_NOSUID },
	{ "nosuid", false, MS_NOSUID },
	{ "dev", true, MS_NODEV },
	{ "nodev", false, MS_NODEV },
	{ "exec", true, MS_NOEXEC },
	{ "noexec", false, MS_NOEXEC },
	{ "sync", false, MS_SYNCHRONOUS },
	{ "async", true, MS_SYNCHRONOUS },
	{ "dirsync", false, MS_DIRSYNC },
	{ "remount", false, MS_REMOUNT },
	{ "mand", false, MS_MANDLOCK },
	{ "nomand", true, MS_MANDLOCK },
	{ "atime", true, MS_NOATIME },
	{ "noatime", false, MS_NOATIME },
	{ "diratime", true, MS_NODIRATIME },
	{ "nodiratime", false, MS_NODIRATIME },
	{ "relatime", false, MS_RELATIME },
	{ "norelatime", true, MS_RELATIME },
	{ "strictatime", false, MS_STRICTATIME },
	{ "nostrictatime", true, MS_STRICTATIME },
	{ "lazytime", false, MS_LAZYTIME },
	{ "nolazytime", true, MS_LAZYTIME },
	{ "iversion", false, MS_I_VERSION },
	{ "noiversion", true, MS_I_VERSION },
	{ "silent", false, MS_SILENT },
	{ "loud", true, MS_SILENT },
	{ "nosymfollow", false, MS_NOSYMFOLLOW },
	{ "symfollow", true, MS_NOSYMFOLLOW },
	{ "bind", false, MS_BIND },
	{ "rbind", false, MS_BIND | MS_REC },
};

static const struct {
	const char *name;
	unsigned long flag;
} propagation_opts[] = {
	{ "shared", MS_SHARED },         { "rshared", MS_SHARED | MS_REC },
	{ "slave", MS_SLAVE },           { "rslave", MS_SLAVE | MS_REC },
	{ "private", MS_PRIVATE },       { "rprivate", MS_PRIVATE | MS_REC },
	{ "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};

/* Recursive attributes for mount_setattr(AT_RECURSIVE), runc's table.  The
 * atime values are an enum inside MOUNT_ATTR__ATIME, not bits: setting one
 * means clearing the whole field, and "clearing" noatime or strictatime
 * means going back to the default, relatime. */
static const struct {
	const char *name;
	bool clear;
	uint64_t attr;
} attr_opts[] = {
	{ "rro", false, MOUNT_ATTR_RDONLY },
	{ "rrw", true, MOUNT_ATTR_RDONLY },
	{ "rnosuid", false, MOUNT_ATTR_NOSUID },
	{ "rsuid", true, MOUNT_ATTR_NOSUID },
	{ "rnodev", false, MOUNT_ATTR_NODEV },
	{ "rdev", true, MOUNT_ATTR_NODEV },
	{ "rnoexec", false, MOUNT_ATTR_NOEXEC },
	{ "rexec", true, MOUNT_ATTR_NOEXEC },
	{ "rnodiratime", false, MOUNT_ATTR_NODIRATIME },
	{ "rdiratime", true, MOUNT_ATTR_NODIRATIME },
	{ "rnosymfollow", false, MOUNT_ATTR_NOSYMFOLLOW },
	{ "rsymfollow", true, MOUNT_ATTR_NOSYMFOLLOW },
	/* relatime is the value 0 and the kernel default: clearing it changes
	 * nothing, exactly like plain "norelatime" (and runc's reading) */
	{ "rnorelatime", true, 0 },
};

static const struct {
	const char *name;
	uint64_t atime; /* the MOUNT_ATTR__ATIME value to set */
} atime_attr_opts[] = {
	{ "rrelatime", MOUNT_ATTR_RELATIME },      { "rnoatime", MOUNT_ATTR_NOATIME },
	{ "ratime", MOUNT_ATTR_RELATIME },         { "rstrictatime", MOUNT_ATTR_STRICTATIME },
	{ "rnostrictatime", MOUNT_ATTR_RELATIME },
};

static const struct {
	const char *name;
	unsigned extra;
} extra_opts[] = {
	{ "tmpcopyup", MOUNT_OPT_TMPCOPYUP },
	{ "idmap", MOUNT_OPT_IDMAP },
	{ "ridmap", MOUNT_OPT_IDMAP | MOUNT_OPT_RIDMAP },
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

int mount_propagation_parse(const char *name, unsigned long *ret)
{
	if (name == NULL)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(propagation_opts); i++)
		if (strcmp(name, propagation_opts[i].name) == 0) {
			*ret = propagation_opts[i].flag;
			return 0;
		}
	return -1;
}

/* One option into o; returns true when it was a known option */
static bool apply_known(struct mount_opts *o, const char *opt, size_t *alloc_prop)
{
	for (size_t i = 0; i < ARRAY_SIZE(flag_opts); i++) {
		if (strcmp(opt, flag_opts[i].name) != 0)
			continue;
		unsigned long f = flag_opts[i].flag;
		if (flag_opts[i].clear) {
			o->flags &= ~f;
			o->clear |= f;
		} else {
			o->flags |= f;
			o->clear &= ~f;
		}
		if (f & MS_BIND)
			o->extra |= MOUNT_OPT_BIND;
		return true;
	}
	unsigned long prop;
	if (mount_propagation_parse(opt, &prop) == 0) {
		o->propagation = xgrow(o->propagation, alloc_prop, o->n_propagation + 1,
				       sizeof(*o->propagation));
		o->propagation[o->n_propagation++] = prop;
		return true;
	}
	for (size_t i = 0; i < ARRAY_SIZE(attr_opts); i++) {
		if (strcmp(opt, attr_opts[i].name) != 0)
			continue;
		uint64_t a = attr_opts[i].attr;
		if (attr_opts[i].clear) {
			o->attr_set &= ~a;
			o->attr_clr |= a;
		} else {
			o->attr_set |= a;
			o->attr_clr &= ~a;
		}
		return true;
	}
	for (size_t i = 0; i < ARRAY_SIZE(atime_attr_opts); i++) {
		if (strcmp(opt, atime_attr_opts[i].name) != 0)
			continue;
		o->attr_set = (o->attr_set & ~(uint64_t)MOUNT_ATTR__ATIME) |
			      atime_attr_opts[i].atime;
		o->attr_clr |= MOUNT_ATTR__ATIME;
		return true;
	}
	for (size_t i = 0; i < ARRAY_SIZE(extra_opts); i++)
		if (strcmp(opt, extra_opts[i].name) == 0) {
			o->extra |= extra_opts[i].extra;
			return true;
		}
	return false;
}

int mount_opts_parse_list(const char *const *options, size_t n, const char *type,
			  struct mount_opts *ret, berth_error_t **err)
{
	struct mount_opts o = { 0 };
	cleanup_strbuf struct strbuf data = STRBUF_INIT;
	size_t alloc_prop = 0;

	if (n > MOUNT_OPTIONS_MAX)
		return berth_error_set(err, E2BIG, "%zu mount options, at most %d allowed", n,
				       MOUNT_OPTIONS_MAX);
	for (size_t i = 0; i < n; i++) {
		const char *opt = options[i];
		/* Empty entries carry nothing; "x-*" are for userspace mount
		 * helpers (util-linux) and must never reach the kernel. */
		if (opt == NULL || *opt == '\0' || strncmp(opt, "x-", 2) == 0)
			continue;
		if (apply_known(&o, opt, &alloc_prop))
			continue;
		if (data.len > 0)
			strbuf_addch(&data, ',');
		strbuf_addstr(&data, opt);
		if (data.len > MOUNT_OPTIONS_MAX_DATA) {
			mount_opts_release(&o);
			return berth_error_set(err, E2BIG, "mount data longer than %d bytes",
					       MOUNT_OPTIONS_MAX_DATA);
		}
	}
	/* type "bind" without bind/rbind is a plain (non-recursive) bind, as
	 * runc and crun treat it */
	if (type != NULL && strcmp(type, "bind") == 0 && !(o.flags & MS_BIND)) {
		o.flags |= MS_BIND;
		o.extra |= MOUNT_OPT_BIND;
	}
	if (data.len > 0)
		o.data = strbuf_detach(&data, NULL);
	*ret = o;
	return 0;
}

int mount_opts_parse(const struct oci_mount *m, struct mount_opts *ret, berth_error_t **err)
{
	int r = mount_opts_parse_list((const char *const *)m->options, m->n_options, m->type, ret,
				      err);
	if (r < 0)
		return berth_error_wrap(err, "mount options of '%s'",
					m->destination ? m->destination : "(none)");
	return r;
}

void mount_opts_release(struct mount_opts *o)
{
	if (o == NULL)
		return;
	free(o->propagation);
	free(o->data);
	*o = (struct mount_opts){ 0 };
}
