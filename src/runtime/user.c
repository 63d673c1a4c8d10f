/* user: groups, gid, uid and umask.  Groups and gid change before the uid,
 * because once the uid is not 0 the process no longer has CAP_SETGID in
 * its effective set.  setres[ug]id set real, effective and saved ids alike
 * so the container cannot switch back to the runtime's ids. */
#include "runtime/user.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/banned.h"
#include "common/cleanup.h"

/* /proc/self/setgroups is "deny" in a user namespace whose gid map was
 * written by an unprivileged process: setgroups(2) then always fails. */
static bool user_setgroups_denied(void)
{
	cleanup_close int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	char buf[16];
	ssize_t n;
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return strncmp(buf, "deny", 4) == 0;
}

int user_set_groups(const struct oci_user *u, berth_error_t **err)
{
	if (setgroups(u->n_additional_gids, (const gid_t *)u->additional_gids) == 0)
		return 0;
	int saved = errno;
	if (saved == EPERM && user_setgroups_denied()) {
		if (u->n_additional_gids == 0)
			return 0;
		return berth_error_fail(err, EPERM,
					"setgroups: additional gids requested, but setgroups is "
					"denied in this user namespace (/proc/self/setgroups is "
					"'deny')");
	}
	return berth_error_set(err, saved, "setgroups");
}

int user_set_ids(const struct oci_user *u, berth_error_t **err)
{
	if (setresgid(u->gid, u->gid, u->gid) < 0)
		return berth_error_set(err, errno, "setresgid %u", u->gid);
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		return berth_error_set(err, errno, "setresuid %u", u->uid);
	return 0;
}

int user_apply(const struct oci_user *u, berth_error_t **err)
{
	int r = user_set_groups(u, err);
	if (r < 0)
		return r;
	return user_set_ids(u, err);
}

void user_set_umask(const struct oci_user *u)
{
	umask(u->has_umask ? (mode_t)(u->umask & 07777) : 022);
}
