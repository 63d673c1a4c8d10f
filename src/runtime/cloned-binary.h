/* cloned-binary: protection against CVE-2019-5736.  The process that
 * execve()s into a container is a clone of the runtime; were it running
 * the host's berth-runtime, a container binary such as "#!/proc/self/exe"
 * would hand the container that file, to rewrite once we exit.  Two ways
 * out, both sealed memfds that nothing on the host executes again:
 *  - cheap (default): the last hop is berth-dmz, a ~5 KB static program
 *    from a sealed memfd, so /proc/self/exe in the container is that copy;
 *  - full: when a container process could ptrace our pre-exec processes
 *    (CAP_SYS_PTRACE without a user namespace) it could also open their
 *    /proc/<pid>/exe, so the runtime re-execs itself from a sealed copy. */
#ifndef BERTH_RUNTIME_CLONED_BINARY_H
#define BERTH_RUNTIME_CLONED_BINARY_H

#include <stdbool.h>

#include "common/error.h"
#include "oci/runtime-config.h"

/* The error of a failed execve of path in the container: "exec '/x': no
 * such file or directory", the errno text in lower case as runc (Go)
 * words it, because docker clients read it to choose exit code 127 (not
 * found) or 126 (permission denied, is a directory).  Returns the negative
 * code. */
int cloned_binary_exec_error(berth_error_t **err, int errnum, const char *path);

/* First thing in main(): note and remove the re-exec guard variable, so
 * it never reaches hooks or containers */
void cloned_binary_init(void);

/* Whether caps (the container's) defeat the dmz: CAP_SYS_PTRACE in the
 * bounding set (or no capabilities given) and no new user namespace */
bool cloned_binary_needs_full(const struct oci_capabilities *caps, bool new_userns);

/* Get ready to exec into a container.  With needs_full (or no dmz in this
 * build) re-exec from a sealed copy of /proc/self/exe when not yet running
 * from one (argv: our own; NULL disables the re-exec) and set *ret_dmz to
 * -1; else *ret_dmz is a sealed O_CLOEXEC memfd of berth-dmz. */
int cloned_binary_prepare(char **argv, bool needs_full, int *ret_dmz, berth_error_t **err);

/* Exec path (args, env) through the dmz when dmz_fd >= 0, else directly.
 * report_fd is where berth-dmz reports its own execve failure, as an exec
 * fifo record (mode 'f') or a SYNC_EXEC_FAILED datagram (mode 's'); it
 * stays open across the hop only.  Returns only on failure, with errno. */
void cloned_binary_exec(int dmz_fd, char mode, int report_fd, const char *path, char *const args[],
			char *const env[]);

/* Re-exec from a sealed memfd copy of /proc/self/exe unless running from
 * one already.  Returns only on error (or 0 when nothing needed doing). */
int cloned_binary_ensure(char **argv, berth_error_t **err);

#endif
