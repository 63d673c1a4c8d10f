/* image: the OCI image-spec and Docker image data model as C data: media
 * types, descriptors, image index / manifest list, image manifest, image
 * config, platforms.  Parse (with field-path errors), validate, serialise;
 * no syscalls except uname() for the host platform.
 * Invariant: a manifest's or index's digest is over its exact bytes, so a
 * parsed document keeps those bytes (`raw`) and nothing here ever
 * re-serialises a parsed document to compute or check a digest. */
#ifndef BERTH_OCI_IMAGE_H
#define BERTH_OCI_IMAGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/digest.h"
#include "common/error.h"
#include "oci/runtime-config.h" /* struct oci_kv */

/* ---- caps (STYLE.md: every input has a cap) ---------------------------- */

#define OCI_IMAGE_MANIFEST_MAX_SIZE (4u << 20) /* index or manifest: 4 MiB */
#define OCI_IMAGE_CONFIG_MAX_SIZE (8u << 20)   /* image config: 8 MiB */
#define OCI_IMAGE_MAX_DEPTH 32
#define OCI_IMAGE_MAX_LAYERS 1000  /* manifest layers, config diff_ids */
#define OCI_IMAGE_MAX_ENTRIES 1000 /* index manifests */
#define OCI_IMAGE_MAX_HISTORY 4000 /* config history (empty layers add entries) */
#define OCI_IMAGE_MAX_ITEMS 10000  /* any other list or map (env, labels, urls) */

/* ---- media types ------------------------------------------------------- */

#define OCI_MT_INDEX "application/vnd.oci.image.index.v1+json"
#define OCI_MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define OCI_MT_CONFIG "application/vnd.oci.image.config.v1+json"
#define OCI_MT_LAYER "application/vnd.oci.image.layer.v1.tar"
#define OCI_MT_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define OCI_MT_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define OCI_MT_LAYER_ND "application/vnd.oci.image.layer.nondistributable.v1.tar"
#define OCI_MT_LAYER_ND_GZIP "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
#define OCI_MT_LAYER_ND_ZSTD "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"
#define OCI_MT_EMPTY "application/vnd.oci.empty.v1+json"
#define OCI_MT_LAYOUT_HEADER "application/vnd.oci.layout.header.v1+json"

#define DOCKER_MT_MANIFEST_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define DOCKER_MT_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define DOCKER_MT_MANIFEST_V1 "application/vnd.docker.distribution.manifest.v1+json"
#define DOCKER_MT_MANIFEST_V1_SIGNED "application/vnd.docker.distribution.manifest.v1+prettyjws"
#define DOCKER_MT_CONFIG "application/vnd.docker.container.image.v1+json"
#define DOCKER_MT_LAYER "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define DOCKER_MT_LAYER_FOREIGN "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
/* Uncompressed layers as docker save / buildkit write them (not in the
 * registry spec, but seen in the wild and accepted by containerd) */
#define DOCKER_MT_LAYER_TAR "application/vnd.docker.image.rootfs.diff.tar"

/* The Accept header a registry client sends for manifests, best first */
#define OCI_IMAGE_ACCEPT \
	OCI_MT_INDEX ", " DOCKER_MT_MANIFEST_LIST ", " OCI_MT_MANIFEST ", " DOCKER_MT_MANIFEST

enum oci_media_kind {
	OCI_MEDIA_UNKNOWN = 0,
	OCI_MEDIA_INDEX,    /* OCI index or Docker manifest list */
	OCI_MEDIA_MANIFEST, /* OCI or Docker schema2 manifest */
	OCI_MEDIA_CONFIG,   /* OCI or Docker image config */
	OCI_MEDIA_LAYER,    /* any known layer type */
};

enum oci_compression {
	OCI_COMPRESSION_NONE = 0,
	OCI_COMPRESSION_GZIP,
	OCI_COMPRESSION_ZSTD,
};

/* What a known media type holds (NULL or unknown: OCI_MEDIA_UNKNOWN).
 * Parameters after ';' are ignored, as an HTTP Content-Type may carry them. */
enum oci_media_kind oci_media_type_kind(const char *mt);
/* For a known layer type: its compression and whether it is
 * non-distributable (OCI nondistributable or Docker foreign); false when mt
 * is not a known layer type.  Either out pointer may be NULL. */
bool oci_media_type_layer_info(const char *mt, enum oci_compression *ret_compression,
			       bool *ret_nondistributable);
/* True for the Docker variants (manifest list, schema2, Docker config and layers) */
bool oci_media_type_is_docker(const char *mt);

/* ---- platforms (platform.c) -------------------------------------------- */

struct oci_platform {
	char *os;           /* "linux"; required in a descriptor */
	char *architecture; /* GOARCH spelling: "amd64", "arm64", "arm", "386", ... */
	char *variant;      /* "v7", "v8", ...; NULL when none */
	char *os_version;   /* "os.version" (Windows); NULL when none */
	char **os_features; /* "os.features", NULL-terminated; NULL when none */
	size_t n_os_features;
};

/* Parse "os[/arch[/variant]]" (as `--platform`): "linux/amd64",
 * "linux/arm/v7", "linux/arm64"; a lone architecture ("arm64") means the
 * host's OS; a lone "linux" means the host's architecture, as containerd's
 * platforms.Parse.  The result is normalised.  Errors (EINVAL) quote s.
 * *ret is written only on success; release it with oci_platform_release. */
int oci_platform_parse(const char *s, struct oci_platform *ret, berth_error_t **err);
/* Normalise in place, as containerd's platforms.Normalize: lower case;
 * "x86_64"/"x86-64" -> amd64 (variant "v1" dropped); "aarch64" -> arm64 with
 * "8"/"v8.0"/no variant -> "v8"; arm with no variant or "7" -> "v7" (and
 * "5"/"6"/"8" -> "vN"); "armhf" -> arm/v7; "armel" -> arm/v6; "i386"/"i686"
 * -> 386; "macos" -> darwin. */
void oci_platform_normalize(struct oci_platform *p);
/* The host: "linux" plus the normalised uname(2) machine; arm variants from
 * the machine string ("armv7l" -> arm/v7, "aarch64" -> arm64/v8).
 * Release with oci_platform_release. */
void oci_platform_host(struct oci_platform *ret);
/* "os/arch[/variant]" of the normalised platform; caller frees */
char *oci_platform_format(const struct oci_platform *p);
/* Does `have` (an index entry's platform) satisfy `want`?  Both are
 * compared normalised; want may also accept older variants: amd64/v3 takes
 * v2 and v1, arm64/v8 takes arm/v7..v5 (containerd's platforms.Only).
 * An "unknown" OS or architecture (attestation manifests) never matches. */
bool oci_platform_match(const struct oci_platform *want, const struct oci_platform *have);
/* Rank of have for want: 0 best (exact), higher is worse, -1 no match.
 * Sort candidates by it (containerd's Ordered/Only ordering). */
int oci_platform_rank(const struct oci_platform *want, const struct oci_platform *have);
void oci_platform_copy(struct oci_platform *dst, const struct oci_platform *src);
void oci_platform_release(struct oci_platform *p);
/* as JSON {"architecture","os","os.version","os.features","variant"} */
json_t *oci_platform_to_json(const struct oci_platform *p);
/* Parse a platform object found at path `where` (errors name
 * "where.architecture" etc.); both os and architecture are required */
int oci_platform_from_json(const json_t *obj, const char *where, struct oci_platform *ret,
			   berth_error_t **err);

/* ---- descriptors (image-manifest.c) ------------------------------------ */

struct oci_descriptor {
	char *media_type; /* required; validated by the document that holds it */
	struct digest digest;
	int64_t size; /* >= 0 */
	char **urls;  /* NULL-terminated; NULL when none */
	size_t n_urls;
	struct oci_kv *annotations;
	size_t n_annotations;
	bool has_platform; /* only index entries carry one */
	struct oci_platform platform;
	char *artifact_type; /* NULL when none */
	char *data;          /* base64 embedded content, kept verbatim; NULL when none */
};

/* Parse a descriptor object found at path `where`: errors say
 * "manifests[2].digest: invalid digest ..." */
int oci_descriptor_from_json(const json_t *obj, const char *where, struct oci_descriptor *ret,
			     berth_error_t **err);
json_t *oci_descriptor_to_json(const struct oci_descriptor *d);
void oci_descriptor_copy(struct oci_descriptor *dst, const struct oci_descriptor *src);
void oci_descriptor_release(struct oci_descriptor *d);
/* Annotation value for key, borrowed; NULL when absent */
const char *oci_descriptor_annotation(const struct oci_descriptor *d, const char *key);

/* ---- index / manifest list and manifest (image-manifest.c) ------------- */

enum oci_image_parse_flags {
	/* Accept layer and config media types we do not know (OCI artifacts,
	 * attestation manifests: in-toto layers) instead of refusing them */
	OCI_IMAGE_ALLOW_UNKNOWN_TYPES = 1 << 0,
};

/* A document's bytes and their digest.  raw is the exact input; the digest
 * of a manifest or index IS sha256(raw), and that is what tags, index
 * entries and registries name.  Re-serialising a parsed document gives
 * different bytes (key order, spacing), hence a different digest: to store,
 * push, or verify a document, always use raw. */
struct oci_raw {
	char *raw; /* owned; NUL-terminated for convenience, raw_len excludes it */
	size_t raw_len;
	struct digest digest; /* sha256 of raw[0..raw_len) */
};

struct oci_image_index {
	int schema_version; /* always 2 */
	char *media_type;   /* as written in the document; NULL when absent (OCI allows it) */
	char *artifact_type;
	struct oci_descriptor *manifests;
	size_t n_manifests;
	bool has_subject;
	struct oci_descriptor subject;
	struct oci_kv *annotations;
	size_t n_annotations;
	struct oci_raw raw; /* empty (raw == NULL) for an index built in memory */
};

struct oci_image_manifest {
	int schema_version; /* always 2 */
	char *media_type;   /* as written; NULL when absent (OCI allows it) */
	bool docker;        /* Docker schema2 (by declared or written media type) */
	char *artifact_type;
	struct oci_descriptor config;
	struct oci_descriptor *layers;
	size_t n_layers;
	bool has_subject;
	struct oci_descriptor subject;
	struct oci_kv *annotations;
	size_t n_annotations;
	struct oci_raw raw; /* empty (raw == NULL) for a manifest built in memory */
};

/* Which kind of document is buf: from declared_mt (the HTTP Content-Type or
 * the descriptor's mediaType that led here; NULL when unknown), else the
 * document's mediaType field, else its shape ("manifests" -> index,
 * "config"/"layers" -> manifest).  Sets *ret to OCI_MEDIA_INDEX or
 * OCI_MEDIA_MANIFEST; Docker schema1 and anything else is an error (EINVAL,
 * or ENOTSUP for schema1).  Does the same size cap as the parsers. */
int oci_image_detect(const char *buf, size_t len, const char *declared_mt, enum oci_media_kind *ret,
		     berth_error_t **err);

/* Parse and validate an index or manifest list.  declared_mt as above (a
 * generic "application/json" or "application/octet-stream" counts as not
 * declared; a Docker schema1 type is ENOTSUP): when given it must be an
 * index type, and the document's own mediaType, when
 * present, must equal it ("mediaType: 'X' disagrees with the declared media
 * type 'Y'").  The bytes are copied into ret->raw and digested.  Checks:
 * size cap, schemaVersion == 2, at most OCI_IMAGE_MAX_ENTRIES manifests,
 * each entry a valid descriptor of a manifest or index type (unknown types
 * refused unless OCI_IMAGE_ALLOW_UNKNOWN_TYPES), platform os/architecture
 * present when a platform is given.  Unknown fields are ignored (the spec
 * says so).  *ret is owned by the caller; written only on success. */
int oci_image_index_parse(const char *buf, size_t len, const char *declared_mt,
			  enum oci_image_parse_flags flags, struct oci_image_index **ret,
			  berth_error_t **err);
/* Parse and validate an image manifest (OCI or Docker schema2); declared_mt
 * as above.  Checks: schemaVersion == 2, mediaType consistency, config media
 * type known (OCI or Docker config, or the OCI empty type with an
 * artifactType), every layer's media type known ("layers[3].mediaType:
 * unknown layer media type 'x'"; OCI and Docker layer types may mix, as
 * they do in the wild), at most OCI_IMAGE_MAX_LAYERS layers.  Unknown
 * fields are ignored.  ret->docker tells Docker schema2 from OCI. */
int oci_image_manifest_parse(const char *buf, size_t len, const char *declared_mt,
			     enum oci_image_parse_flags flags, struct oci_image_manifest **ret,
			     berth_error_t **err);

/* The checks of the parsers on a struct (e.g. one built in memory) */
int oci_image_index_validate(const struct oci_image_index *idx, enum oci_image_parse_flags flags,
			     berth_error_t **err);
int oci_image_manifest_validate(const struct oci_image_manifest *m,
				enum oci_image_parse_flags flags, berth_error_t **err);

/* Serialise (new reference).  For building new documents and for display:
 * a parsed document's identity is raw, never this (see struct oci_raw). */
json_t *oci_image_index_to_json(const struct oci_image_index *idx);
json_t *oci_image_manifest_to_json(const struct oci_image_manifest *m);
/* Serialise a document built in memory and fill its raw (bytes + digest),
 * replacing any previous raw: afterwards raw is what to store and push. */
void oci_image_index_seal(struct oci_image_index *idx);
void oci_image_manifest_seal(struct oci_image_manifest *m);

void oci_image_index_free(struct oci_image_index *idx);
void oci_image_manifest_free(struct oci_image_manifest *m);
static inline void oci_image_index_freep(struct oci_image_index **p)
{
	oci_image_index_free(*p);
}
static inline void oci_image_manifest_freep(struct oci_image_manifest **p)
{
	oci_image_manifest_free(*p);
}
#define cleanup_oci_index __attribute__((cleanup(oci_image_index_freep)))
#define cleanup_oci_manifest __attribute__((cleanup(oci_image_manifest_freep)))

/* Platform selection in an index.  Fills ret (caller-allocated, at least
 * idx->n_manifests entries) with the indices of the entries that match
 * want, best first (oci_platform_rank, then document order); returns their
 * count.  Entries without a platform, with an unknown/unknown platform
 * (attestations), or of a non-manifest media type never match. */
size_t oci_image_index_candidates(const struct oci_image_index *idx,
				  const struct oci_platform *want, size_t *ret);
/* The best entry for want, as an index into idx->manifests.  No match is
 * an error (ENOENT) naming want and listing the platforms there are:
 * "no manifest for platform 'linux/s390x' (have linux/amd64, linux/arm/v7)" */
int oci_image_index_select(const struct oci_image_index *idx, const struct oci_platform *want,
			   size_t *ret, berth_error_t **err);

/* ---- image config (image-config.c) -------------------------------------- */

struct oci_image_healthcheck {
	bool present;
	char **test; /* ["NONE"] | ["CMD", args...] | ["CMD-SHELL", cmd]; NULL: inherit */
	size_t n_test;
	int64_t interval, timeout, start_period, start_interval; /* ns; 0: inherit */
	int64_t retries;                                         /* 0: inherit */
};

/* The "config" object, Docker's field names.  A NULL vector means the
 * field is absent (null); a non-NULL vector with n == 0 is an explicit
 * empty list (`ENTRYPOINT []` resets the entrypoint): both survive a
 * round trip. */
struct oci_image_exec_config {
	char *user;           /* "User" */
	char **exposed_ports; /* "ExposedPorts" keys: "80/tcp", "53/udp" */
	size_t n_exposed_ports;
	char **env; /* "Env": "K=V" */
	size_t n_env;
	char **entrypoint; /* "Entrypoint" */
	size_t n_entrypoint;
	char **cmd; /* "Cmd" */
	size_t n_cmd;
	char **volumes; /* "Volumes" keys: "/data" */
	size_t n_volumes;
	char *working_dir;     /* "WorkingDir" */
	struct oci_kv *labels; /* "Labels" */
	size_t n_labels;
	char *stop_signal;                        /* "StopSignal" */
	bool args_escaped;                        /* "ArgsEscaped" (Windows) */
	struct oci_image_healthcheck healthcheck; /* "Healthcheck" */
	char **on_build;                          /* "OnBuild" */
	size_t n_on_build;
	char **shell; /* "Shell" */
	size_t n_shell;
	/* Other fields Docker writes in "config" (Hostname, Image, Tty, ...),
	 * kept for round trips and inspect; NULL when none */
	json_t *extra;
};

struct oci_image_history {
	char *created; /* RFC 3339; NULL when absent */
	char *created_by;
	char *author;
	char *comment;
	bool empty_layer;
};

struct oci_image_config {
	char *architecture; /* required */
	char *os;           /* required */
	char *variant;
	char *os_version;
	char **os_features;
	size_t n_os_features;
	char *created; /* RFC 3339, kept as written */
	char *author;
	bool has_config;
	struct oci_image_exec_config config;
	char *rootfs_type; /* "layers" */
	struct digest *diff_ids;
	size_t n_diff_ids;
	struct oci_image_history *history;
	size_t n_history;
	/* Other top-level fields (docker's "container", "container_config",
	 * "docker_version", "id", "parent", ...), kept for round trips; NULL when none */
	json_t *extra;
	/* The image ID is raw.digest, the config digest, as in docker
	 * ("sha256:…"; `docker images` shows its first 12 hex characters). */
	struct oci_raw raw;
};

/* Parse an image config (OCI or Docker).  Errors name the path
 * ("rootfs.diff_ids[1]: invalid digest ...").  Checks: size cap,
 * architecture and os present, rootfs.type == "layers", at most
 * OCI_IMAGE_MAX_LAYERS diff_ids, history's non-empty entries no more than
 * diff_ids.  The bytes are kept in raw (raw.digest is the image ID). */
int oci_image_config_parse(const char *buf, size_t len, struct oci_image_config **ret,
			   berth_error_t **err);
int oci_image_config_validate(const struct oci_image_config *c, berth_error_t **err);
/* Docker's JSON field names; parse(to_json(c)) gives an equal config */
json_t *oci_image_config_to_json(const struct oci_image_config *c);
/* Serialise and fill c->raw (bytes + digest = the new image ID) */
void oci_image_config_seal(struct oci_image_config *c);

/* A new empty config for platform p (NULL: the host's): os, architecture,
 * variant set, rootfs.type "layers", has_config with no fields.  For
 * `import`, `commit` and builds; caller frees. */
struct oci_image_config *oci_image_config_new(const struct oci_platform *p);
/* Append a layer: its diff_id (NULL for an empty layer: history only) and a
 * history entry (created_by/comment/created may be NULL) */
void oci_image_config_add_layer(struct oci_image_config *c, const struct digest *diff_id,
				const char *created, const char *created_by, const char *comment);

/* Apply one Dockerfile-like change line, as `docker import -c` / `commit -c`
 * take: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, USER, VOLUME, WORKDIR,
 * STOPSIGNAL (instruction case-insensitive).  CMD/ENTRYPOINT/VOLUME accept
 * JSON form (["sh","-c"]) or shell form (wrapped in ["/bin/sh","-c",...]
 * for CMD/ENTRYPOINT); ENV and LABEL take "k=v k2=v2" (quotes allowed) or
 * the legacy "k v"; EXPOSE "80 443/udp 8000-8002".  Errors (EINVAL) name
 * the instruction: "ENV: missing value for 'FOO'".  Unlike a Dockerfile,
 * ENTRYPOINT does not clear Cmd here (the caller of a batch of changes,
 * e.g. commit, decides); no $VAR expansion; HEALTHCHECK is not taken. */
int oci_image_config_apply_change(struct oci_image_config *c, const char *line,
				  berth_error_t **err);

/* Chain IDs per the image spec (config.md): ChainID(L0) = DiffID(L0),
 * ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)) over the
 * "sha256:<hex>" strings.  ret has room for n. */
void oci_image_chain_ids(const struct digest *diff_ids, size_t n, struct digest *ret);

void oci_image_config_free(struct oci_image_config *c);
static inline void oci_image_config_freep(struct oci_image_config **p)
{
	oci_image_config_free(*p);
}
#define cleanup_oci_image_config __attribute__((cleanup(oci_image_config_freep)))

#endif
