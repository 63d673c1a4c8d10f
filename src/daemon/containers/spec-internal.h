/* spec-internal: what the spec*.c files share (not for other folders).
 * Each file takes one concern of docker's config -> OCI translation; they
 * all read the request through these helpers, which name the field path
 * in every error ("HostConfig.Memory: ..."). */
#ifndef BERTH_DAEMON_CONTAINERS_SPEC_INTERNAL_H
#define BERTH_DAEMON_CONTAINERS_SPEC_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/error.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "daemon/containers/spec.h"

#define SPEC_DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define SPEC_MIN_MEMORY (6LL << 20) /* docker's linuxMinMemory */
#define SPEC_DEFAULT_SHM_SIZE (64LL << 20)
/* Cap on a seccomp profile given as text in SecurityOpt */
#define SPEC_MAX_SECCOMP_PROFILE (1u << 20)

/* The code of the error a callee left in *err; err may be NULL (callers
 * that want no message), then it is -1 */
static inline int spec_err_code(berth_error_t **err)
{
	return berth_error_code(err ? *err : NULL);
}

/* spec-config.c */
int spec_check_strslice(const json_t *v, const char *path, berth_error_t **err);
int spec_check_config(const json_t *cfg, const char *where, berth_error_t **err);
/* The array form of a string slice (a lone string becomes [s]); a new
 * reference, NULL for null or absent */
json_t *spec_strslice(const json_t *v);

/* HostConfig getters: absent or null leaves *ret alone */
int spec_hc_string(const json_t *hc, const char *key, const char **ret, berth_error_t **err);
int spec_hc_bool(const json_t *hc, const char *key, bool *ret, berth_error_t **err);
int spec_hc_int64(const json_t *hc, const char *key, int64_t *ret, berth_error_t **err);
/* An array of strings, borrowed; NULL when absent or null */
int spec_hc_strings(const json_t *hc, const char *key, json_t **ret, berth_error_t **err);

/* spec-security.c */
/* Every capability the kernel and we know, as a mask (bit n: cap n) */
uint64_t spec_caps_all(void);
/* Docker's TweakCapabilities: defaults, CapAdd, CapDrop, Privileged */
int spec_caps_tweak(const json_t *hc, uint64_t *ret, berth_error_t **err);
/* ["CAP_CHOWN", ...] in capability number order */
json_t *spec_caps_json(uint64_t mask);

struct spec_security {
	bool no_new_privs;
	bool seccomp_unconfined;
	const char *seccomp_profile;  /* JSON text, borrowed from the HostConfig */
	const char *apparmor_profile; /* NULL: the default; "unconfined" */
	bool label_disable;
};
/* Parse HostConfig.SecurityOpt as dockerd does */
int spec_security_opts(const json_t *hc, struct spec_security *ret, berth_error_t **err);
/* process.noNewPrivileges, apparmorProfile, linux.seccomp, maskedPaths,
 * readonlyPaths for the final capability set caps */
int spec_add_security(json_t *spec, const json_t *hc, uint64_t caps, berth_error_t **err);

/* spec-seccomp.c: docker's profile format (includes/excludes, archMap) ->
 * the OCI linux.seccomp object for a container whose bounding set is caps
 * on this host's arch and kernel */
int spec_seccomp_resolve(const json_t *profile, uint64_t caps, json_t **ret, berth_error_t **err);
/* The same for given arch ("amd64") and kernel ("5.10"): for tests */
int spec_seccomp_resolve_for(const json_t *profile, uint64_t caps, const char *goarch,
			     const char *kernel, json_t **ret, berth_error_t **err);

/* spec-user.c */
struct spec_user {
	uint32_t uid, gid;
	uint32_t *gids; /* additional gids: gid first, then the user's groups, then GroupAdd */
	size_t n_gids;
	char *home; /* "/" when passwd has no entry */
};
/* Resolve Config.User ("", "uid", "uid:gid", "name", "name:group") and
 * HostConfig.GroupAdd inside rootfs's /etc/passwd and /etc/group, read
 * through rootfs-path so that symlinks stay in the rootfs */
int spec_user_resolve(const char *rootfs, const char *user, const json_t *group_add,
		      struct spec_user *ret, berth_error_t **err);
void spec_user_release(struct spec_user *u);

/* spec-mounts.c */
struct spec_bind {
	char *source; /* host path, volume name, or NULL: an anonymous volume */
	char *destination;
	char *mode;  /* the third part as given, NULL when none */
	bool volume; /* source is a volume name (or anonymous), not a host path */
	bool read_only;
	bool nocopy;
	bool propagation_set;
	const char *propagation; /* static string; "rprivate" by default */
};
/* One HostConfig.Binds entry "/host:/ctr[:opts]", "name:/ctr[:opts]", "/ctr" */
int spec_parse_bind(const char *s, struct spec_bind *ret, berth_error_t **err);
void spec_bind_release(struct spec_bind *b);
/* Binds, Mounts and Tmpfs syntax and duplicate destinations */
int spec_check_mounts(const json_t *hc, berth_error_t **err);
/* spec.mounts: docker's defaults, /etc files, Binds, Mounts, Tmpfs, init */
int spec_add_mounts(json_t *spec, const struct spec_input *in, bool privileged,
		    bool readonly_rootfs, berth_error_t **err);

/* spec-resources.c */
int spec_check_resources(const json_t *hc, berth_error_t **err);
/* linux.resources (memory, cpu, pids, blockIO, devices) and linux.devices */
int spec_add_resources(json_t *spec, const json_t *hc, bool privileged, berth_error_t **err);
/* spec-devices.c: linux.devices and the device cgroup rules: docker's
 * defaults, HostConfig.Devices, DeviceCgroupRules; every host device
 * when privileged */
int spec_add_devices(json_t *spec, const json_t *hc, bool privileged, berth_error_t **err);
int spec_check_devices(const json_t *hc, berth_error_t **err);
/* process.rlimits from HostConfig.Ulimits over the daemon's defaults */
int spec_add_rlimits(json_t *process, const json_t *hc, const json_t *defaults,
		     berth_error_t **err);
/* linux.sysctl: only namespaced keys, as docker checks */
int spec_add_sysctls(json_t *linux_, const json_t *hc, bool host_net, bool host_uts,
		     berth_error_t **err);

/* spec.c: NetworkMode, PidMode, IpcMode, UTSMode, CgroupnsMode, UsernsMode */
int spec_check_modes(const json_t *hc, bool *ret_host_net, bool *ret_host_uts, berth_error_t **err);

/* The container's hostname: Config.Hostname, the host's for host
 * network or UTS, else the first 12 digits of the id; caller frees */
char *spec_hostname(const struct spec_input *in);

/* etc-files.c */
/* Network mode helpers shared by spec.c and etc-files.c */
bool spec_network_is_host(const json_t *hc);

#endif
