/* netns: persistent network namespaces for containers.  A namespace is an
 * nsfs bind mount on a file under a directory of berthd's own (made a
 * private mount of itself, so that the bind mounts never propagate into
 * other mount namespaces that would then pin them), created before the
 * container and handed to the runtime as the spec's network namespace
 * path; it outlives berthd, so a restarted berthd finds it again.  Only
 * the calling thread changes namespace, and always comes back. */
#ifndef BERTH_NET_NETNS_H
#define BERTH_NET_NETNS_H

#include "common/error.h"

/* mkdir -p dir and make it a private bind mount of itself (once) */
int netns_dir_prepare(const char *dir, berth_error_t **err);
/* Undo netns_dir_prepare when the directory holds no namespace any more
 * (EBUSY otherwise) */
int netns_dir_release(const char *dir, berth_error_t **err);
/* A new network namespace bound at path, with lo up.  EEXIST when path is
 * already a namespace. */
int netns_create(const char *path, berth_error_t **err);
/* Unmount (detached) and unlink path; 0 when it does not exist */
int netns_remove(const char *path, berth_error_t **err);
/* O_RDONLY|O_CLOEXEC fd of the namespace at path (or /proc/<pid>/ns/net) */
int netns_open(const char *path, int *ret_fd, berth_error_t **err);
/* Run fn(arg, err) with the calling thread inside netns_fd, then return
 * to the thread's namespace (a failure to return aborts: the thread would
 * serve everything else from inside a container) */
int netns_run(int netns_fd, int (*fn)(void *arg, berth_error_t **err), void *arg,
	      berth_error_t **err);
/* socket(domain, type|SOCK_CLOEXEC, proto) created inside netns_fd */
int netns_socket(int netns_fd, int domain, int type, int proto, int *ret_fd, berth_error_t **err);
/* Write value to /proc/sys/<key with dots as slashes> in netns_fd (-1: the
 * thread's own namespace), e.g. "net.ipv4.conf.berth0.route_localnet" */
int netns_sysctl(int netns_fd, const char *key, const char *value, berth_error_t **err);

#endif
