/* Unit tests for caps: a forked child applies capability sets and reports
 * the Cap* lines of /proc/self/status through a pipe; the masks must be
 * exact.  Needs root with CAP_SETPCAP (skips otherwise). */
#include "common/unit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "runtime/caps.h"
#include "runtime/test-util.h"

#define BIT(c) (1ULL << (c))

static struct oci_capabilities caps_all(uint64_t mask, uint64_t ambient)
{
	struct oci_capabilities c = { .present = true };
	c.effective.mask = c.permitted.mask = c.inheritable.mask = c.bounding.mask = mask;
	c.ambient.mask = ambient;
	return c;
}

/* "CapInh=...;CapPrm=...;CapEff=...;CapBnd=...;CapAmb=..." of this process */
static void report_caps(struct strbuf *out)
{
	FILE *f = fopen("/proc/self/status", "re");
	if (f == NULL)
		return;
	char line[256];
	while (fgets(line, sizeof(line), f)) {
		char name[16], val[32];
		if (sscanf(line, "%15[^:]:%*[ \t]%31s", name, val) == 2 &&
		    strncmp(name, "Cap", 3) == 0)
			strbuf_addf(out, "%s=%s;", name, val);
	}
	fclose(f);
}

/* Runs fn in a child, which writes a report; returns it */
static char *in_child(test_child_fn fn, void *data)
{
	int status;
	char *report = test_in_child(fn, data, &status);
	assert_true(WIFEXITED(status));
	return report;
}

static void child_apply(struct strbuf *out, void *data)
{
	const struct oci_capabilities *c = data;
	cleanup_strv char **warnings = NULL;
	cleanup_error berth_error_t *err = NULL;
	if (caps_apply(c, &warnings, &err) < 0) {
		strbuf_addf(out, "error: %s", err->msg);
		return;
	}
	report_caps(out);
	for (size_t i = 0; warnings && warnings[i]; i++)
		strbuf_addf(out, "W:%s;", warnings[i]);
}

/* A skip says why: these need root with CAP_SETPCAP */
#define REQUIRE_ROOT()                                                                     \
	do {                                                                               \
		if (geteuid() != 0 || prctl(PR_CAPBSET_READ, CAP_SETPCAP, 0, 0, 0) != 1) { \
			print_message("# skip: needs root with CAP_SETPCAP\n");            \
			skip();                                                            \
		}                                                                          \
	} while (0)

static void test_chown_kill_only(void **state)
{
	REQUIRE_ROOT();
	struct oci_capabilities c = caps_all(BIT(CAP_CHOWN) | BIT(CAP_KILL), 0);
	cleanup_free char *out = in_child(child_apply, &c);
	assert_string_equal(out, "CapInh=0000000000000021;CapPrm=0000000000000021;"
				 "CapEff=0000000000000021;CapBnd=0000000000000021;"
				 "CapAmb=0000000000000000;");
}

static void test_ambient(void **state)
{
	REQUIRE_ROOT();
	struct oci_capabilities c =
		caps_all(BIT(CAP_CHOWN) | BIT(CAP_KILL), BIT(CAP_CHOWN) | BIT(CAP_KILL));
	cleanup_free char *out = in_child(child_apply, &c);
	assert_string_equal(out, "CapInh=0000000000000021;CapPrm=0000000000000021;"
				 "CapEff=0000000000000021;CapBnd=0000000000000021;"
				 "CapAmb=0000000000000021;");
}

static void test_distinct_sets(void **state)
{
	REQUIRE_ROOT();
	struct oci_capabilities c = { .present = true };
	c.bounding.mask = BIT(CAP_CHOWN) | BIT(CAP_KILL) | BIT(CAP_NET_BIND_SERVICE);
	c.permitted.mask = BIT(CAP_CHOWN) | BIT(CAP_KILL);
	c.effective.mask = BIT(CAP_KILL);
	c.inheritable.mask = 0;
	/* Ambient without inheritable: skipped silently (debug log), as runc */
	c.ambient.mask = BIT(CAP_KILL);
	cleanup_free char *out = in_child(child_apply, &c);
	assert_string_equal(out, "CapInh=0000000000000000;CapPrm=0000000000000021;"
				 "CapEff=0000000000000020;CapBnd=0000000000000421;"
				 "CapAmb=0000000000000000;");
}

static void test_absent_drops_all(void **state)
{
	REQUIRE_ROOT();
	struct oci_capabilities c = { .present = false };
	cleanup_free char *out = in_child(child_apply, &c);
	assert_string_equal(out, "CapInh=0000000000000000;CapPrm=0000000000000000;"
				 "CapEff=0000000000000000;CapBnd=0000000000000000;"
				 "CapAmb=0000000000000000;");
}

static void test_unknown_cap_skipped(void **state)
{
	REQUIRE_ROOT();
	struct oci_capabilities c = caps_all(BIT(CAP_KILL) | BIT(63), 0);
	cleanup_free char *out = in_child(child_apply, &c);
	assert_string_equal(out, "CapInh=0000000000000020;CapPrm=0000000000000020;"
				 "CapEff=0000000000000020;CapBnd=0000000000000020;"
				 "CapAmb=0000000000000000;"
				 "W:capability 63: unknown to the running kernel, skipped;");
}

static void child_drop_then_apply(struct strbuf *out, void *data)
{
	/* The runtime without CAP_SYS_RESOURCE, as on some hosts */
	prctl(PR_CAPBSET_DROP, CAP_SYS_RESOURCE, 0, 0, 0);
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	capget(&hdr, d);
	d[0].effective &= ~(1u << CAP_SYS_RESOURCE);
	d[0].permitted &= ~(1u << CAP_SYS_RESOURCE);
	capset(&hdr, d);
	child_apply(out, data);
}

static void test_not_held_skipped(void **state)
{
	REQUIRE_ROOT();
	struct oci_capabilities c = caps_all(BIT(CAP_KILL) | BIT(CAP_SYS_RESOURCE), 0);
	cleanup_free char *out = in_child(child_drop_then_apply, &c);
	assert_string_equal(out,
			    "CapInh=0000000000000020;CapPrm=0000000000000020;"
			    "CapEff=0000000000000020;CapBnd=0000000000000020;"
			    "CapAmb=0000000000000000;"
			    "W:capability CAP_SYS_RESOURCE: not held by the runtime, skipped;");
}

static void test_inheritable_outside_bounding(void **state)
{
	REQUIRE_ROOT();
	/* The kernel refuses an inheritable cap outside the bounding set */
	struct oci_capabilities c = { .present = true };
	c.bounding.mask = BIT(CAP_KILL);
	c.permitted.mask = c.effective.mask = BIT(CAP_KILL);
	c.inheritable.mask = BIT(CAP_CHOWN);
	cleanup_free char *out = in_child(child_apply, &c);
	assert_string_equal(out, "error: apply capabilities: capset: Operation not permitted");
}

static void test_names(void **state)
{
	cleanup_free char *a = caps_name(CAP_CHOWN);
	cleanup_free char *b = caps_name(CAP_NET_BIND_SERVICE);
	assert_string_equal(a, "CAP_CHOWN");
	assert_string_equal(b, "CAP_NET_BIND_SERVICE");
	assert_true(caps_last_cap() >= CAP_AUDIT_READ);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_chown_kill_only),
		cmocka_unit_test(test_ambient),
		cmocka_unit_test(test_distinct_sets),
		cmocka_unit_test(test_absent_drops_all),
		cmocka_unit_test(test_unknown_cap_skipped),
		cmocka_unit_test(test_not_held_skipped),
		cmocka_unit_test(test_inheritable_outside_bounding),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
