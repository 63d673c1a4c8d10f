/* container-internal: what container.c, init.c and exec.c share (folder
 * only).  The init context is filled by the runtime before the clone and
 * read by the container's first process, which owns nothing in it. */
#ifndef BERTH_RUNTIME_CONTAINER_INTERNAL_H
#define BERTH_RUNTIME_CONTAINER_INTERNAL_H

#include <stdbool.h>

#include "common/error.h"
#include "oci/runtime-config.h"
#include "runtime/container.h"
#include "runtime/ns.h"
#include "runtime/state.h"
#include "runtime/sync.h"

struct init_ctx {
	const struct oci_config *config;  /* not owned */
	const char *id, *bundle, *rootfs; /* not owned; rootfs absolute, symlink-free */
	struct ns_plan *plan;             /* not owned */
	int sync_fd;                      /* the child's end */
	int state_dirfd;                  /* O_PATH of the state dir, for the exec fifo */
	int console_sock;                 /* connected --console-socket, or -1 */
	int dmz_fd;                       /* sealed berth-dmz for the final exec, or -1 */
	bool pty_to_parent;               /* foreground run without a socket */
	bool no_pivot, no_new_keyring;
	unsigned int preserve_fds;
	const int *mount_fds; /* per config mount, its idmapped mount or -1; NULL when
				 none; not owned (runtime/idmap.h) */
};

/* The container's init, right after the clone.  direct: cloned by the
 * runtime itself (it waits for SYNC_GO and becomes userns root); else it
 * comes from the intermediate, which did both.  Never returns. */
__attribute__((noreturn)) void init_child_main(struct init_ctx *ctx, bool direct);

/* The intermediate of ns_plan_needs_intermediate: join, unshare, clone
 * the init with CLONE_PARENT, report its pid, exit.  Never returns. */
__attribute__((noreturn)) void init_intermediate_main(struct init_ctx *ctx);

/* Find file in the PATH of env (a NULL-terminated "K=V" vector) as execvp
 * would; a name with a '/' is returned as is.  Caller frees *ret.  The
 * error is Go's/runc's: exec: "x": executable file not found in $PATH */
int init_path_lookup(const char *file, char *const *env, char **ret, berth_error_t **err);

/* Clear FD_CLOEXEC on nothing but fds 3 .. 3+n-1: everything else of ours
 * is close-on-exec already, this makes sure of it for inherited fds too */
int init_fds_for_exec(unsigned int n, berth_error_t **err);

/* fork-like raw clone(2) with flags (SIGCHLD added) */
pid_t init_clone(unsigned long flags);

/* container_delete for a caller that holds the container's state and
 * parsed config already (run); all borrowed */
int container_delete_loaded(const struct runtime_opts *rt, int dirfd,
			    const struct container_state *st, bool force,
			    const struct oci_config *config, berth_error_t **err);

/* The sync messages that create and exec serve alike: a pty master
 * (stored in *pty_master), a warning (to rt->warn), the child's
 * SYNC_ERROR and anything unexpected (both returned as errors) */
int container_serve_common(const struct runtime_opts *rt, struct sync_msg *m, int *pty_master,
			   berth_error_t **err);

/* rt->warn when set */
void container_warn(const struct runtime_opts *rt, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
