/* user: process.user applied to the calling process: supplementary groups,
 * gid, uid (all three ids of each, real, effective and saved, so nothing
 * can switch back) and the umask. */
#ifndef BERTH_RUNTIME_USER_H
#define BERTH_RUNTIME_USER_H

#include "common/error.h"
#include "oci/runtime-config.h"

/* setgroups(additionalGids); an empty list clears the inherited groups.
 * In a user namespace whose /proc/self/setgroups is "deny" the call is
 * skipped, or fails with a clear error when groups were requested. */
int user_set_groups(const struct oci_user *u, berth_error_t **err);

/* setresgid(gid) then setresuid(uid).  To keep capabilities across the
 * switch away from uid 0, set PR_SET_KEEPCAPS first (caps_set_keep). */
int user_set_ids(const struct oci_user *u, berth_error_t **err);

/* user_set_groups then user_set_ids */
int user_apply(const struct oci_user *u, berth_error_t **err);

/* umask(u->umask), or 0022 when the config has none (runc and crun both
 * reset it rather than inherit the runtime's) */
void user_set_umask(const struct oci_user *u);

#endif
