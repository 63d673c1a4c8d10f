/* cgroup-bpf-dev: linux.resources.devices on cgroup v2, where there is no
 * devices controller: an eBPF program of type BPF_PROG_TYPE_CGROUP_DEVICE,
 * built by hand (no libbpf) and attached to the container's cgroup.
 * Invariant: at most one program named CG_BPF_DEV_NAME is attached to a
 * cgroup; an update replaces it.  Not for use outside src/runtime/cgroup*.c. */
#ifndef BERTH_RUNTIME_CGROUP_BPF_DEV_H
#define BERTH_RUNTIME_CGROUP_BPF_DEV_H

#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "oci/runtime-config.h"
#include "runtime/cgroup.h"

/* The name our programs carry in the kernel (bpf_prog_info.name): how a
 * later `update` process tells ours from programs others attached */
#define CG_BPF_DEV_NAME "berth_dev"
/* The filter is at most this long (the classic limit of older kernels);
 * with up to 10 instructions a rule this caps the rules at about 400 */
#define CG_BPF_DEV_MAX_INSNS 4096

/* Build the filter for rules, evaluated like the v1 devices cgroup as we
 * model it: for each access bit asked for (r, w, m) the last rule that
 * matches the device and names the bit decides; a request passes when every
 * bit is allowed; no matching rule means deny.  Type 'a' (or 0) and a
 * negative or absent major/minor are wildcards; access NULL means "rwm".
 * *ret (owned by the caller) is written only on success.  EINVAL for a
 * bad type, access or device number, E2BIG past CG_BPF_DEV_MAX_INSNS. */
int cg_bpf_dev_build(const struct oci_device_rule *rules, size_t n, struct bpf_insn **ret,
		     size_t *ret_n, berth_error_t **err);

/* Load insns as a cgroup-device program named CG_BPF_DEV_NAME; returns its
 * fd (owned by the caller).  A verifier rejection carries the head of the
 * verifier log in the message. */
int cg_bpf_dev_load(const struct bpf_insn *insns, size_t n, berth_error_t **err);

/* The ids of the cgroup-device programs attached to cgroup2 directory
 * dirfd itself (not inherited ones); *ret owned by the caller */
int cg_bpf_dev_query(int dirfd, uint32_t **ret, size_t *ret_n, berth_error_t **err);

/* Build, load and attach the filter for rules to cgroup2 directory dir
 * with BPF_F_ALLOW_MULTI, replacing the program of ours already there
 * (BPF_F_REPLACE, or attach then detach on kernels without it).  Programs
 * others attached stay: the kernel ANDs all of them.  In a user namespace,
 * where bpf(2) is refused, the rules are a warning in cg instead (runc
 * does the same). */
int cg_bpf_dev_apply(struct cgroup *cg, const char *dir, const struct oci_device_rule *rules,
		     size_t n, berth_error_t **err);

/* Detach every program of ours from dir (none attached is success) */
int cg_bpf_dev_detach(const char *dir, berth_error_t **err);

#endif
