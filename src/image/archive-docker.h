/* archive-docker: `docker save` / `docker load` archives.  Load takes both
 * the classic layout (manifest.json [{Config, RepoTags, Layers}], <id>.json,
 * <id>/layer.tar, repositories) and docker 25+'s (the same manifest.json
 * over an OCI layout: blobs/sha256/…, index.json, oci-layout); a tar with
 * only an OCI layout (an oci-archive) loads too.  Save writes docker 25+'s
 * form, which docker of any version, podman, skopeo and OCI tools read. */
#ifndef BERTH_IMAGE_ARCHIVE_DOCKER_H
#define BERTH_IMAGE_ARCHIVE_DOCKER_H

#include <stddef.h>

#include "common/error.h"
#include "image/archive-common.h"
#include "image/image-store.h"

/* Load every image of the tar stream read from fd (not owned; plain,
 * gzip, xz or zstd) into s.  Nothing from the archive is trusted: member
 * names that are absolute or hold ".." are refused (EINVAL), every layer
 * is checked against the config's rootfs.diff_ids, blobs named by digest
 * are checked against it.  Every entry of manifest.json is checked
 * (config and layers present, tags valid) before any layer is unpacked,
 * so a bad archive adds no image; images are then added one after the
 * other.  opts may be NULL.  ret (may be NULL) gets the images added
 * (caller releases with archive_loaded_release). */
int archive_docker_load(struct image_store *s, int fd, const struct archive_load_options *opts,
			struct archive_loaded *ret, berth_error_t **err);

/* Write the images named by names (references or IDs, as `docker save`
 * takes them) as one docker-archive tar to fd (not owned).  An image named
 * twice is written once with both tags; an ID writes no tag.  ENOENT when
 * a name matches no image; nothing useful is on fd after an error.
 * progress (may be NULL) hears of each layer written. */
int archive_docker_save(struct image_store *s, const char *const *names, size_t n_names, int fd,
			archive_progress_fn progress, void *userdata, berth_error_t **err);

#endif
