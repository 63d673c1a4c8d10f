/* features: what this runtime implements, as the runtime-spec features
 * document (features.md, features-linux.md) that containerd and others
 * read to decide what they may ask for. */
#include <getopt.h>

#include "common/cleanup.h"
#include "runtime-cli/cli.h"
#include "runtime/cgroup.h"

static json_t *strv_json(const char *const *v)
{
	json_t *a = json_array();
	for (; *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

static const char *const hooks[] = {
	"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
	NULL
};
static const char *const mount_options[] = { "async",         "atime",        "bind",
					     "defaults",      "dev",          "diratime",
					     "dirsync",       "exec",         "idmap",
					     "iversion",      "lazytime",     "loud",
					     "mand",          "noatime",      "nodev",
					     "nodiratime",    "noexec",       "noiversion",
					     "nolazytime",    "nomand",       "norelatime",
					     "nostrictatime", "nosuid",       "nosymfollow",
					     "private",       "ratime",       "rbind",
					     "rdev",          "rdiratime",    "relatime",
					     "remount",       "rexec",        "ridmap",
					     "rnoatime",      "rnodev",       "rnodiratime",
					     "rnoexec",       "rnorelatime",  "rnostrictatime",
					     "rnosuid",       "rnosymfollow", "ro",
					     "rprivate",      "rrelatime",    "rro",
					     "rrw",           "rshared",      "rslave",
					     "rstrictatime",  "rsuid",        "rsymfollow",
					     "runbindable",   "rw",           "shared",
					     "silent",        "slave",        "strictatime",
					     "suid",          "symfollow",    "sync",
					     "tmpcopyup",     "unbindable",   NULL };
static const char *const namespaces[] = { "cgroup", "ipc",  "mount", "network", "pid",
					  "time",   "user", "uts",   NULL };
static const char *const seccomp_actions[] = { "SCMP_ACT_ALLOW",       "SCMP_ACT_ERRNO",
					       "SCMP_ACT_KILL",        "SCMP_ACT_KILL_PROCESS",
					       "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
					       "SCMP_ACT_NOTIFY",      "SCMP_ACT_TRACE",
					       "SCMP_ACT_TRAP",        NULL };
static const char *const seccomp_ops[] = { "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
					   "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ",
					   "SCMP_CMP_NE", NULL };
static const char *const seccomp_archs[] = { "SCMP_ARCH_X86", "SCMP_ARCH_X86_64",
					     "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64",
					     "SCMP_ARCH_ARM", NULL };
static const char *const seccomp_flags[] = { "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
					     "SECCOMP_FILTER_FLAG_SPEC_ALLOW", NULL };

static json_t *capabilities_json(void)
{
	json_t *a = json_array();
	for (int c = 0; c <= oci_cap_last(); c++)
		if (oci_cap_name(c))
			json_array_append_new(a, json_string(oci_cap_name(c)));
	return a;
}

static json_t *linux_json(void)
{
	enum cgroup_mode mode = cgroup_detect();
	return json_pack("{s:o, s:o, s:{s:b, s:b, s:b, s:b, s:b}, s:{s:b, s:o, s:o, s:o, s:o, s:o},"
			 " s:{s:b}, s:{s:b}, s:{s:b}, s:{s:{s:b}}, s:{s:b}}",
			 "namespaces", strv_json(namespaces), "capabilities", capabilities_json(),
			 "cgroup", "v1", mode == CGROUP_MODE_V1, "v2", mode == CGROUP_MODE_V2,
			 "systemd", 0, "systemdUser", 0, "rdma", 0, "seccomp", "enabled", 1,
			 "actions", strv_json(seccomp_actions), "operators", strv_json(seccomp_ops),
			 "archs", strv_json(seccomp_archs), "knownFlags", strv_json(seccomp_flags),
			 "supportedFlags", strv_json(seccomp_flags), "apparmor", "enabled", 0,
			 "selinux", "enabled", 0, "intelRdt", "enabled", 1, "mountExtensions",
			 "idmap", "enabled", 1, "netDevices", "enabled", 1);
}

int cmd_features(struct cli *cli, int argc, char **argv, berth_error_t **err)
{
	static const struct option opts[] = { { NULL, 0, NULL, 0 } };
	if (getopt_long(argc, argv, "+", opts, NULL) != -1)
		return cli_bad_option("features", err);
	cleanup_json json_t *j = json_pack("{s:s, s:s, s:o, s:o, s:o, s:{}}", "ociVersionMin",
					   "1.0.0", "ociVersionMax", OCI_SPEC_VERSION, "hooks",
					   strv_json(hooks), "mountOptions",
					   strv_json(mount_options), "linux", linux_json(),
					   "annotations");
	cli_print_json(j, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
	return 0;
}
