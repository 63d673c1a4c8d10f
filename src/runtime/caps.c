/* caps: bounding drop, capset and the ambient set, by raw syscalls.  Order
 * matters to the kernel: PR_CAPBSET_DROP needs CAP_SETPCAP (so before the
 * uid change clears the effective set), capset may only shrink permitted,
 * and ambient caps must already be permitted and inheritable. */
#include "runtime/caps.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/banned.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/parse.h"
#include "common/xalloc.h"
#include "runtime/security.h"

/* Masks hold 64 caps; the kernel is at 40 today */
#define CAPS_MAX 63

int caps_last_cap(void)
{
	static int last = -1;
	if (last >= 0)
		return last;
	last = CAP_LAST_CAP;
	cleanup_close int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return last;
	char buf[32];
	ssize_t n;
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return last;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	int v;
	if (parse_int(buf, &v, NULL) == 0 && v >= 0)
		last = v > CAPS_MAX ? CAPS_MAX : v;
	return last;
}

/* Names from our own table, not libcap's cap_to_name: libcap's
 * constructor probes the bounding set with a dozen prctls in every run of
 * the runtime, for names only.  Unknown caps print as numbers, as libcap's. */
char *caps_name(int cap)
{
	const char *n = oci_cap_name(cap);
	return n ? xstrdup(n) : xasprintf("%d", cap);
}

/* glibc exports capget/capset but declares them only in libcap's header */
static int sys_capget(struct __user_cap_header_struct *hdr, struct __user_cap_data_struct *data)
{
	return (int)syscall(SYS_capget, hdr, data);
}

static int sys_capset(struct __user_cap_header_struct *hdr, struct __user_cap_data_struct *data)
{
	return (int)syscall(SYS_capset, hdr, data);
}

static int caps_get(struct __user_cap_data_struct data[2], berth_error_t **err)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	memset(data, 0, 2 * sizeof(*data));
	if (sys_capget(&hdr, data) < 0)
		return berth_error_set(err, errno, "capget");
	return 0;
}

static uint64_t caps_held_bounding(int last)
{
	uint64_t m = 0;
	for (int c = 0; c <= last; c++)
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
			m |= 1ULL << c;
	return m;
}

int caps_from_config(const struct oci_capabilities *c, struct caps_sets *ret, char ***warnings,
		     berth_error_t **err)
{
	struct caps_sets s = { 0 };
	if (c && c->present) {
		s.effective = c->effective.mask;
		s.permitted = c->permitted.mask;
		s.inheritable = c->inheritable.mask;
		s.bounding = c->bounding.mask;
		s.ambient = c->ambient.mask;
	}
	int last = caps_last_cap();
	struct __user_cap_data_struct data[2];
	if (caps_get(data, err) < 0)
		return berth_error_wrap(err, "read the runtime's capabilities");
	uint64_t permitted = (uint64_t)data[1].permitted << 32 | data[0].permitted;
	uint64_t bounding = caps_held_bounding(last);

	uint64_t sets = s.effective | s.permitted | s.inheritable | s.ambient;
	uint64_t any = sets | s.bounding;
	uint64_t known = last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
	/* A cap the runtime lacks can never be handed on (capset may only
	 * shrink permitted, the bounding set only shrinks): skipping it gives
	 * the container exactly what it could get, and never more. */
	uint64_t held = permitted & bounding;
	for (int cap = 0; cap <= CAPS_MAX; cap++) {
		uint64_t bit = 1ULL << cap;
		if (!(any & bit))
			continue;
		const char *why = NULL;
		if (!(known & bit))
			why = "unknown to the running kernel";
		else if (((sets & bit) && !(held & bit)) ||
			 ((s.bounding & bit) && !(bounding & bit)))
			why = "not held by the runtime";
		if (why == NULL)
			continue;
		cleanup_free char *name = caps_name(cap);
		security_warnf(warnings, "capability %s: %s, skipped", name, why);
	}
	s.bounding &= known & bounding;
	s.bounding_drop = bounding & ~s.bounding;
	s.effective &= known & held;
	s.permitted &= known & held;
	s.inheritable &= known & held;
	s.ambient &= known & held;
	*ret = s;
	return 0;
}

int caps_drop_bounding(uint64_t drop, berth_error_t **err)
{
	/* Only caps still held are in drop (caps_from_config read the set
	 * once): one prctl per cap, and none for the ones already gone */
	for (int cap = 0; cap <= CAPS_MAX; cap++) {
		if (!(drop & (1ULL << cap)))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) {
			cleanup_free char *name = caps_name(cap);
			return berth_error_set(err, errno, "drop %s from the bounding set", name);
		}
	}
	return 0;
}

int caps_set_keep(bool keep, berth_error_t **err)
{
	if (prctl(PR_SET_KEEPCAPS, keep ? 1 : 0, 0, 0, 0) < 0)
		return berth_error_set(err, errno, "prctl PR_SET_KEEPCAPS %d", keep ? 1 : 0);
	return 0;
}

int caps_set(const struct caps_sets *s, berth_error_t **err)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2];
	for (int i = 0; i < 2; i++) {
		data[i].effective = (uint32_t)(s->effective >> (32 * i));
		data[i].permitted = (uint32_t)(s->permitted >> (32 * i));
		data[i].inheritable = (uint32_t)(s->inheritable >> (32 * i));
	}
	if (sys_capset(&hdr, data) < 0)
		return berth_error_set(err, errno, "capset");
	return 0;
}

int caps_set_ambient(uint64_t ambient, char ***warnings, berth_error_t **err)
{
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) {
		/* EINVAL: a kernel before 4.3, without ambient caps at all */
		if (errno != EINVAL)
			return berth_error_set(err, errno, "clear the ambient set");
		if (ambient)
			security_warnf(warnings, "ambient capabilities: not supported by the "
						 "running kernel, skipped");
		return 0;
	}
	for (int cap = 0; cap <= CAPS_MAX; cap++) {
		if (!(ambient & (1ULL << cap)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) == 0)
			continue;
		cleanup_free char *name = caps_name(cap);
		if (errno != EPERM)
			return berth_error_set(err, errno, "raise ambient %s", name);
		/* runc's default spec asks for ambient caps without inheritable
		 * ones; runc and crun skip them silently (debug level), and so do
		 * we: a warning here would be logged for every such container */
		log_debug("ambient capability %s: not in the permitted and inheritable sets, "
			  "skipped",
			  name);
	}
	return 0;
}

int caps_apply(const struct oci_capabilities *c, char ***warnings, berth_error_t **err)
{
	struct caps_sets s = { 0 };
	if (caps_from_config(c, &s, warnings, err) < 0 ||
	    caps_drop_bounding(s.bounding_drop, err) < 0 || caps_set(&s, err) < 0 ||
	    caps_set_ambient(s.ambient, warnings, err) < 0)
		return berth_error_wrap(err, "apply capabilities");
	return 0;
}
