/* reference: image references ("busybox", "localhost:5000/a/b:v1@sha256:…")
 * parsed and normalised exactly as docker's distribution/reference does
 * (ParseNormalizedNamed, TagNameOnly, FamiliarString), and image ID prefixes.
 * Invariant: a struct image_ref always holds a normalised, valid reference:
 * a non-empty domain, a path of valid lowercase components, an optional valid
 * tag and an optional sha256 digest; formatting it and parsing the result
 * gives back an equal reference. */
#ifndef BERTH_IMAGE_REFERENCE_H
#define BERTH_IMAGE_REFERENCE_H

#include <stdbool.h>

#include "common/digest.h"
#include "common/error.h"

#define IMAGE_REF_DEFAULT_DOMAIN "docker.io"
#define IMAGE_REF_LEGACY_DOMAIN "index.docker.io"
#define IMAGE_REF_OFFICIAL_PREFIX "library/"
#define IMAGE_REF_DEFAULT_TAG "latest"
/* Longest "domain/path", as docker's NameTotalLengthMax */
#define IMAGE_REF_NAME_MAX 255
/* Longest tag: [\w][\w.-]{0,127} */
#define IMAGE_REF_TAG_MAX 128
/* Longest input accepted at all; anything longer is refused before parsing */
#define IMAGE_REF_INPUT_MAX 1024

struct image_ref {
	char *domain;    /* "docker.io", "localhost:5000", "[::1]:5000"; owned */
	char *path;      /* "library/busybox", "myuser/app"; owned */
	char *tag;       /* "latest"; NULL when there is none; owned */
	bool has_digest; /* digest is meaningful */
	struct digest digest;
};

/* Parse a possibly short name like docker's ParseNormalizedNamed:
 *   busybox                 -> docker.io/library/busybox
 *   myuser/app:v1           -> docker.io/myuser/app:v1
 *   index.docker.io/x       -> docker.io/library/x
 *   localhost:5000/a/b:t@sha256:… keeps its domain, tag and digest.
 * No default tag is added (see image_ref_with_default_tag).  A first
 * component is a domain only if it contains '.' or ':' or is "localhost";
 * the domain may hold uppercase letters, the path may not.  Errors are
 * EINVAL with docker's message where docker has one, e.g.
 *   invalid reference format: repository name (library/Busybox) must be lowercase
 *   invalid reference format
 *   invalid tag format
 *   repository name must not be more than 255 characters
 *   invalid repository name (<64 hex>), cannot specify 64-byte hexadecimal strings
 *   unsupported digest algorithm 'sha512' (only sha256 is supported)
 * each prefixed by the quoted input ("parse reference 'X': …").
 * *ret is a new reference the caller frees with image_ref_free. */
int image_ref_parse(const char *s, struct image_ref **ret, berth_error_t **err);

/* Like image_ref_parse, but s must already be in the full canonical form
 * ("docker.io/library/busybox:latest", not "busybox"), as docker's
 * ParseNamed: "repository name must be canonical" otherwise.  For stored
 * names such as RepoTags and names in archives' index files. */
int image_ref_parse_strict(const char *s, struct image_ref **ret, berth_error_t **err);

/* docker's TagNameOnly: when ref has neither a tag nor a digest, set its
 * tag to "latest".  A reference with only a digest is left alone. */
void image_ref_with_default_tag(struct image_ref *ref);

/* Replace ref's tag with a copy of tag (NULL removes it).  EINVAL
 * "invalid tag format" when tag is not [\w][\w.-]{0,127}; ref is unchanged
 * on error. */
int image_ref_set_tag(struct image_ref *ref, const char *tag, berth_error_t **err);
/* Set (d != NULL) or clear (d == NULL) ref's digest */
void image_ref_set_digest(struct image_ref *ref, const struct digest *d);

/* True when tag matches [\w][\w.-]{0,127} */
bool image_ref_tag_valid(const char *tag);

/* All return new strings the caller frees.
 * image_ref_string:  "docker.io/library/busybox:latest@sha256:…" (full)
 * image_ref_familiar: docker's FamiliarString: "busybox:latest",
 *   "myuser/app:v1", "localhost:5000/app:v1@sha256:…"; where docker's
 *   short form would read back as another name or as an image ID, less
 *   is dropped: "docker.io/foo.bar/baz" (docker: "foo.bar/baz", which
 *   names registry foo.bar) and "library/<64 hex>" (docker: "<64 hex>")
 * image_ref_name:    "docker.io/library/busybox" (no tag or digest)
 * image_ref_familiar_name: "busybox", "myuser/app", "localhost:5000/app" */
char *image_ref_string(const struct image_ref *ref);
char *image_ref_familiar(const struct image_ref *ref);
char *image_ref_name(const struct image_ref *ref);
char *image_ref_familiar_name(const struct image_ref *ref);

/* A deep copy; caller frees */
struct image_ref *image_ref_dup(const struct image_ref *ref);
/* Same domain, path, tag and digest */
bool image_ref_equal(const struct image_ref *a, const struct image_ref *b);
/* Same domain and path (the repository), whatever the tag and digest */
bool image_ref_same_name(const struct image_ref *a, const struct image_ref *b);

/* Accepts NULL */
void image_ref_free(struct image_ref *ref);
static inline void image_ref_freep(struct image_ref **ref)
{
	image_ref_free(*ref);
	*ref = NULL;
}
#define cleanup_image_ref __attribute__((cleanup(image_ref_freep)))

/* Image IDs as docker's CLI accepts them: "sha256:<hex>" or "<hex>", where
 * hex is 1 to 64 characters of [a-f0-9] (a prefix of the full ID).  On
 * success *ret_hex (when not NULL) gets a copy of the hex part without
 * "sha256:" and the return value is its length, so DIGEST_HEX_LEN means a
 * full ID.  EINVAL "invalid image ID 'X'" otherwise.
 * Note that a short hex string ("abc123") is also a valid repository name:
 * like docker, callers look it up as a name first and as an ID prefix second. */
int image_id_parse_prefix(const char *s, char **ret_hex, berth_error_t **err);
/* True when image_id_parse_prefix would accept s */
bool image_id_is_prefix(const char *s);
/* True when s is a full ID: 64 hex, with or without "sha256:" */
bool image_id_is_full(const char *s);

#endif
