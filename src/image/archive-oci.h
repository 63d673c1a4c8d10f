/* archive-oci: OCI image layouts (oci-layout, index.json, blobs/sha256/…),
 * as a directory (`skopeo copy … oci:DIR:tag`, umoci) or as a tar stream
 * (oci-archive, `ctr export`).  Names come from the index entries'
 * io.containerd.image.name (a full reference) or
 * org.opencontainers.image.ref.name (a full reference, or a bare tag as
 * skopeo and umoci write it).  Invariant: every blob is checked against
 * its descriptor's digest and size as it is read, and nothing is ever
 * opened outside the layout directory. */
#ifndef BERTH_IMAGE_ARCHIVE_OCI_H
#define BERTH_IMAGE_ARCHIVE_OCI_H

#include <stddef.h>

#include "common/error.h"
#include "image/archive-common.h"
#include "image/image-store.h"

/* Load every image of the layout directory dir.  An index entry that is
 * itself an index (a multi-platform image) loads the manifest for
 * opts->platform (default: the host), as does a top-level index whose
 * entries carry platforms; ENOENT lists the platforms there are when none
 * matches.  opts may be NULL; ret (may be NULL) gets the images added. */
int archive_oci_load_dir(struct image_store *s, const char *dir,
			 const struct archive_load_options *opts, struct archive_loaded *ret,
			 berth_error_t **err);
/* The same for a layout in a tar stream read from fd (not owned; plain,
 * gzip, xz or zstd); member names are checked as archive_docker_load does */
int archive_oci_load_tar(struct image_store *s, int fd, const struct archive_load_options *opts,
			 struct archive_loaded *ret, berth_error_t **err);

/* Write the named images (references or IDs) as an OCI layout into the
 * directory dir (created when missing; an index.json there is replaced)
 * or as a tar to fd (not owned).  Each tag becomes an index entry with
 * org.opencontainers.image.ref.name = the tag and io.containerd.image.name
 * = the full reference, as containerd and docker 25+ write them. */
int archive_oci_save_dir(struct image_store *s, const char *const *names, size_t n_names,
			 const char *dir, archive_progress_fn progress, void *userdata,
			 berth_error_t **err);
int archive_oci_save_tar(struct image_store *s, const char *const *names, size_t n_names, int fd,
			 archive_progress_fn progress, void *userdata, berth_error_t **err);

#endif
