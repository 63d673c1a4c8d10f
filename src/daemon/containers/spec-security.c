/* spec-security: capabilities (docker's default set, CapAdd/CapDrop,
 * Privileged), SecurityOpt (no-new-privileges, seccomp, apparmor, label),
 * the seccomp filter and the masked and read-only /proc and /sys paths.
 * Privileged means what it does in docker: every cap, no seccomp, no
 * masked or read-only paths, no AppArmor confinement. */
#include <ctype.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "daemon/containers/seccomp-default.h"
#include "daemon/containers/spec-internal.h"
#include "oci/runtime-config.h"

#include "common/banned.h"

static const char *const default_caps[] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_FSETID",
	"CAP_FOWNER",
	"CAP_MKNOD",
	"CAP_NET_RAW",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETFCAP",
	"CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT",
	"CAP_KILL",
	"CAP_AUDIT_WRITE",
	NULL,
};

static const char *const default_masked[] = {
	"/proc/asound",
	"/proc/acpi",
	"/proc/kcore",
	"/proc/keys",
	"/proc/latency_stats",
	"/proc/timer_list",
	"/proc/timer_stats",
	"/proc/sched_debug",
	"/proc/scsi",
	"/sys/firmware",
	"/sys/devices/virtual/powercap",
	NULL,
};

static const char *const default_readonly[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

/* The kernel's highest cap, capped by the names we know */
static int last_cap(void)
{
	int last = oci_cap_last();
	cleanup_close int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	char buf[16];
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (n > 0) {
		buf[n] = '\0';
		long k = strtol(buf, NULL, 10);
		if (k > 0 && k < last)
			last = (int)k;
	}
	return last < 63 ? last : 63;
}

uint64_t spec_caps_all(void)
{
	int last = last_cap();
	return last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
}

json_t *spec_caps_json(uint64_t mask)
{
	json_t *a = json_array();
	for (int c = 0; c < 64; c++)
		if ((mask & (1ULL << c)) && oci_cap_name(c))
			json_array_append_new(a, json_string(oci_cap_name(c)));
	return a;
}

/* One CapAdd/CapDrop entry: "ALL", or a cap with or without CAP_, any
 * case.  *ret is -1 for ALL. */
static int cap_parse(const char *s, const char *field, int *ret, berth_error_t **err)
{
	if (strcasecmp(s, "ALL") == 0) {
		*ret = -1;
		return 0;
	}
	struct strbuf sb;
	strbuf_init(&sb, 32);
	if (strncasecmp(s, "CAP_", 4) != 0)
		strbuf_addstr(&sb, "CAP_");
	strbuf_addstr(&sb, s);
	for (size_t i = 0; i < sb.len; i++)
		sb.buf[i] = (char)toupper((unsigned char)sb.buf[i]);
	int c = oci_cap_from_name(sb.buf);
	if (c < 0 || c > last_cap()) {
		int r = berth_error_fail(err, EINVAL, "invalid %s: unknown capability: \"%s\"",
					 field, sb.buf);
		strbuf_release(&sb);
		return r;
	}
	strbuf_release(&sb);
	*ret = c;
	return 0;
}

static int cap_list(const json_t *hc, const char *field, uint64_t *ret, bool *all,
		    berth_error_t **err)
{
	json_t *a;
	if (spec_hc_strings(hc, field, &a, err) < 0)
		return -EINVAL;
	*ret = 0;
	*all = false;
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e)
	{
		int c = 0;
		if (cap_parse(json_string_value(e), field, &c, err) < 0)
			return -EINVAL;
		if (c < 0)
			*all = true;
		else
			*ret |= 1ULL << c;
	}
	return 0;
}

int spec_caps_tweak(const json_t *hc, uint64_t *ret, berth_error_t **err)
{
	uint64_t add, drop, base = 0;
	bool add_all, drop_all, privileged = false;
	for (const char *const *n = default_caps; *n; n++)
		base |= 1ULL << oci_cap_from_name(*n);
	/* parse both lists first: a bad name is an error even when privileged */
	if (cap_list(hc, "CapAdd", &add, &add_all, err) < 0 ||
	    cap_list(hc, "CapDrop", &drop, &drop_all, err) < 0 ||
	    spec_hc_bool(hc, "Privileged", &privileged, err) < 0)
		return -EINVAL;
	uint64_t all = spec_caps_all();
	if (privileged)
		*ret = all;
	else if (add_all)
		*ret = all & ~drop;
	else if (drop_all)
		*ret = add;
	else
		*ret = (base & ~drop) | add;
	return 0;
}

static bool parse_bool(const char *v, bool *ret)
{
	static const char *const t[] = { "1", "t", "T", "TRUE", "true", "True", NULL };
	static const char *const f[] = { "0", "f", "F", "FALSE", "false", "False", NULL };
	for (size_t i = 0; t[i]; i++) {
		if (strcmp(v, t[i]) == 0)
			return *ret = true, true;
		if (strcmp(v, f[i]) == 0)
			return *ret = false, true;
	}
	return false;
}

/* dockerd's parseSecurityOpt: "k=v", the deprecated "k:v", and the bare
 * no-new-privileges and disable */
int spec_security_opts(const json_t *hc, struct spec_security *ret, berth_error_t **err)
{
	struct spec_security s = { 0 };
	json_t *opts;
	if (spec_hc_strings(hc, "SecurityOpt", &opts, err) < 0)
		return -EINVAL;
	size_t i;
	json_t *e;
	json_array_foreach(opts, i, e)
	{
		const char *opt = json_string_value(e);
		if (strcmp(opt, "no-new-privileges") == 0) {
			s.no_new_privs = true;
			continue;
		}
		if (strcmp(opt, "disable") == 0) {
			s.label_disable = true;
			continue;
		}
		const char *sep = strchr(opt, '=');
		if (!sep)
			sep = strchr(opt, ':');
		if (!sep)
			return berth_error_fail(err, EINVAL, "invalid --security-opt 1: \"%s\"",
						opt);
		size_t kl = (size_t)(sep - opt);
		const char *v = sep + 1;
		if (kl == 5 && strncmp(opt, "label", kl) == 0) {
			if (strcmp(v, "disable") == 0) {
				s.label_disable = true;
				continue;
			}
			return berth_error_fail(err, ENOTSUP,
						"invalid --security-opt \"%s\": SELinux labels are "
						"not supported by berth (only label=disable)",
						opt);
		} else if (kl == 8 && strncmp(opt, "apparmor", kl) == 0) {
			s.apparmor_profile = v;
		} else if (kl == 7 && strncmp(opt, "seccomp", kl) == 0) {
			if (strcmp(v, "unconfined") == 0)
				s.seccomp_unconfined = true;
			else if (strcmp(v, "builtin") == 0 || *v == '\0')
				s.seccomp_profile = NULL;
			else
				s.seccomp_profile = v;
		} else if (kl == 17 && strncmp(opt, "no-new-privileges", kl) == 0) {
			if (!parse_bool(v, &s.no_new_privs))
				return berth_error_fail(err, EINVAL,
							"invalid --security-opt 2: \"%s\"", opt);
		} else {
			return berth_error_fail(err, EINVAL, "invalid --security-opt 2: \"%s\"",
						opt);
		}
	}
	*ret = s;
	return 0;
}

static bool host_has_apparmor(void)
{
	cleanup_close int fd =
		open("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);
	char c = 0;
	return fd >= 0 && read(fd, &c, 1) == 1 && c == 'Y';
}

static json_t *strv_json(const char *const *v)
{
	json_t *a = json_array();
	for (; *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

static int add_seccomp(json_t *linux_, const struct spec_security *sec, uint64_t caps,
		       berth_error_t **err)
{
	cleanup_json json_t *profile = NULL;
	if (sec->seccomp_profile) {
		if (bjson_load(sec->seccomp_profile, strlen(sec->seccomp_profile),
			       "seccomp profile", SPEC_MAX_SECCOMP_PROFILE, 0, &profile, err) < 0)
			return berth_error_wrap(err, "invalid --security-opt seccomp");
	} else {
		profile = seccomp_default_profile();
	}
	json_t *oci;
	if (spec_seccomp_resolve(profile, caps, &oci, err) < 0)
		return -EINVAL;
	json_object_set_new(linux_, "seccomp", oci);
	return 0;
}

static int add_apparmor(json_t *process, const struct spec_security *sec, bool privileged,
			berth_error_t **err)
{
	const char *p = sec->apparmor_profile;
	bool have = host_has_apparmor();
	if (p && *p && strcmp(p, "unconfined") != 0 && !have)
		return berth_error_fail(err, ENOTSUP,
					"apparmor profile '%s': AppArmor is not enabled on this "
					"host",
					p);
	/* docker's "docker-default" profile must be generated and loaded
	 * into the kernel first; berth does not load profiles yet, so the
	 * default is to set none (unconfined) */
	if (have && p && *p && strcmp(p, "unconfined") != 0 && !privileged)
		json_object_set_new(process, "apparmorProfile", json_string(p));
	return 0;
}

static int add_paths(json_t *linux_, const json_t *hc, const char *key, const char *const *defaults,
		     berth_error_t **err)
{
	json_t *given;
	if (spec_hc_strings(hc, key, &given, err) < 0)
		return -EINVAL;
	/* an explicit list (even empty: systempaths=unconfined) replaces ours */
	json_t *v = given ? json_deep_copy(given) : strv_json(defaults);
	json_object_set_new(linux_,
			    strcmp(key, "MaskedPaths") == 0 ? "maskedPaths" : "readonlyPaths", v);
	return 0;
}

int spec_add_security(json_t *spec, const json_t *hc, uint64_t caps, berth_error_t **err)
{
	json_t *process = json_object_get(spec, "process");
	json_t *linux_ = json_object_get(spec, "linux");
	struct spec_security sec;
	bool privileged = false;
	if (spec_security_opts(hc, &sec, err) < 0 ||
	    spec_hc_bool(hc, "Privileged", &privileged, err) < 0)
		return -EINVAL;
	json_object_set_new(process, "noNewPrivileges", json_boolean(sec.no_new_privs));
	if (add_apparmor(process, &sec, privileged, err) < 0)
		return -ENOTSUP;
	if (!privileged && !sec.seccomp_unconfined && add_seccomp(linux_, &sec, caps, err) < 0)
		return -EINVAL;
	if (privileged)
		return 0;
	if (add_paths(linux_, hc, "MaskedPaths", default_masked, err) < 0 ||
	    add_paths(linux_, hc, "ReadonlyPaths", default_readonly, err) < 0)
		return -EINVAL;
	return 0;
}
