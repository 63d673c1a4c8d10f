/* archive: docker cp and docker export as path-level helpers over a
 * container's mounted rootfs.  Every path is resolved inside rootfs
 * (common/rootfs-path.h): a symlink in the container can never make berthd
 * read or write a host file. */
#ifndef BERTH_DAEMON_CONTAINERS_ARCHIVE_H
#define BERTH_DAEMON_CONTAINERS_ARCHIVE_H

#include <jansson.h>
#include <stdbool.h>

#include "common/error.h"
#include "daemon/http/http.h"

/* {name, size, mode (Go os.FileMode bits as docker sends), mtime (RFC3339), linkTarget} of
 * path in rootfs; ENOENT "Could not find the file <path> in container".  Caller owns *ret. */
int archive_stat(const char *rootfs, const char *path, json_t **ret, berth_error_t **err);
/* HEAD: reply 200 with X-Docker-Container-Path-Stat: base64(JSON stat) */
int archive_head(struct http_ctx *h, const char *rootfs, const char *path, berth_error_t **err);
/* GET: 200 application/x-tar with the stat header, the tar of path (a dir recursively) */
int archive_get(struct http_ctx *h, const char *rootfs, const char *path, berth_error_t **err);
/* PUT: extract the request body (a tar) into the directory path; noOverwriteDirNonDir and
 * copyUIDGID as docker; hostile entries (.., absolute symlink escapes, devices) refused or
 * confined; replies 200 itself */
int archive_put(struct http_ctx *h, const char *rootfs, const char *path,
		bool no_overwrite_dir_non_dir, bool copy_uidgid, berth_error_t **err);
/* GET /containers/{id}/export: the whole rootfs as a tar stream */
int archive_export(struct http_ctx *h, const char *rootfs, berth_error_t **err);

#endif
