/* archive-common: what the image archive formats share: the options of a load,
 * its progress events (for the Engine API's "Loading layer" stream and its
 * "Loaded image: …" lines) and the list of images a load added.
 * archive-docker.h (docker save / docker load) and archive-oci.h (OCI image
 * layouts) take these. */
#ifndef BERTH_IMAGE_ARCHIVE_COMMON_H
#define BERTH_IMAGE_ARCHIVE_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "common/digest.h"
#include "common/error.h"
#include "oci/image.h"

/* Caps on what an archive may hold (STYLE.md: every input has a cap) */
#define ARCHIVE_MAX_MEMBERS 100000        /* tar members of one archive */
#define ARCHIVE_MAX_NAME_LEN 4096         /* one member name */
#define ARCHIVE_MAX_IMAGES 1000           /* images in one archive */
#define ARCHIVE_MAX_TAGS 1000             /* RepoTags of one image */
#define ARCHIVE_INDEX_MAX_SIZE (4u << 20) /* manifest.json, index.json */

enum archive_progress_kind {
	/* A layer is being unpacked (current 0) or is done (current ==
	 * total); id is the first 12 hex digits of its chain ID, as docker
	 * shows them */
	ARCHIVE_PROGRESS_LAYER,
	/* A layer was already present and is not unpacked again */
	ARCHIVE_PROGRESS_LAYER_EXISTS,
	/* An image was added: ref is the familiar name ("busybox:latest"),
	 * NULL when the image was loaded without a name (docker then says
	 * "Loaded image ID: sha256:…"); once per tag */
	ARCHIVE_PROGRESS_LOADED,
	/* A layer was written to a saved archive */
	ARCHIVE_PROGRESS_SAVED_LAYER,
};

struct archive_progress {
	enum archive_progress_kind kind;
	const char *id;                /* LAYER*, SAVED_LAYER: 12 hex characters */
	int64_t current, total;        /* LAYER*, SAVED_LAYER: bytes */
	const char *ref;               /* LOADED */
	const struct digest *image_id; /* LOADED */
};

/* Called synchronously; p and its strings are valid only during the call */
typedef void (*archive_progress_fn)(const struct archive_progress *p, void *userdata);

enum archive_load_flags {
	/* Skip the syncfs() before a layer is renamed into place (tests,
	 * benchmarks), as LAYER_STORE_NO_SYNC */
	ARCHIVE_LOAD_NO_SYNC = 1 << 0,
};

struct archive_load_options {
	enum archive_load_flags flags;
	/* OCI layouts whose index lists several platforms: the one to load
	 * (NULL: the host's) */
	const struct oci_platform *platform;
	/* OCI layouts: the repository for an entry whose
	 * org.opencontainers.image.ref.name is only a tag ("latest"), as
	 * skopeo and umoci write it; NULL loads such an entry untagged */
	const char *repository;
	archive_progress_fn progress; /* may be NULL */
	void *userdata;
};

/* One image a load added */
struct archive_loaded_image {
	struct digest image_id; /* the config digest */
	struct digest manifest_digest;
	char **refs; /* full references ("docker.io/library/busybox:latest"),
		      * NULL-terminated; never NULL, may be empty */
	size_t n_refs;
};

struct archive_loaded {
	struct archive_loaded_image *v;
	size_t n;
	size_t alloc;
};

void archive_loaded_release(struct archive_loaded *l);

#endif
