/* client: a session with one repository of one registry (distribution's
 * HTTP API v2): ping, manifests, blobs and login.  Invariant: everything
 * handed back is verified against its digest (manifests before they are
 * returned; blobs at the end of the stream, whose consumer must discard
 * the data on error), and every 401 is retried at most once, with a
 * fresh token. */
#ifndef BERTH_REGISTRY_CLIENT_H
#define BERTH_REGISTRY_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/digest.h"
#include "common/error.h"
#include "registry/http.h"

/* Manifests and indexes are small; a bigger one is refused */
#define REGISTRY_MAX_MANIFEST (4u << 20)
/* docker.io's API endpoint */
#define REGISTRY_DOCKER_IO_ENDPOINT "registry-1.docker.io"

enum registry_flags {
	/* treat this registry as listed in insecure_registries */
	REGISTRY_INSECURE = 1 << 0,
	REGISTRY_ANONYMOUS = 1 << 1, /* do not look up stored credentials */
};

/* Caps on the lists below (daemon.json is not trusted to be small) */
#define REGISTRY_MAX_INSECURE 256
#define REGISTRY_MAX_MIRRORS 16

struct registry_options {
	const char *certs_dir;  /* NULL: HTTP_DEFAULT_CERTS_DIR */
	const char *config_dir; /* docker config dir; NULL: credentials_config_dir() */
	enum registry_flags flags;
	/* explicit credentials, used instead of stored ones when set */
	const char *username;
	const char *password;
	/* daemon.json's "insecure-registries": NULL-terminated, not owned
	 * (read only during the calls that take these options).  Entries are
	 * "host[:port]" (matched against the reference's domain exactly) or
	 * CIDRs ("10.0.0.0/8", "fd00::/8", matched against the host's
	 * addresses, resolved when it is a name).  127.0.0.0/8 is always
	 * insecure, as in docker.  An insecure registry is tried over HTTPS
	 * without certificate verification first and over plain HTTP when
	 * that fails to connect or handshake; every other one is HTTPS only,
	 * verified.  NULL: none but the default. */
	const char *const *insecure_registries;
	/* daemon.json's "registry-mirrors": NULL-terminated, not owned.
	 * "http[s]://host[:port]" URLs with no path; pulls of docker.io images
	 * try each in order (the same repository path: /v2/library/busybox/…
	 * on the mirror) before docker.io itself.  Push never uses them. */
	const char *const *registry_mirrors;
	/* Where docker.io itself is reached ("https://registry-1.docker.io"
	 * when NULL).  For tests, so that a mirror fallback reaches a local
	 * registry, never the internet; berthd leaves it NULL. */
	const char *docker_io_url;
};

/* Check the insecure-registries entries, the mirror URLs and
 * docker_io_url (for berthd to refuse a bad daemon.json at start): EINVAL
 * naming the bad entry, E2BIG past the caps.  opts may be NULL. */
int registry_options_validate(const struct registry_options *opts, berth_error_t **err);

struct registry_client;

/* A session for repository (a reference's path, "library/busybox") on
 * domain (a reference's domain: "docker.io", "127.0.0.1:5000").  opts may
 * be NULL; it is copied (its lists are read here only).  Stored
 * credentials are read here.  An insecure registry's first request tries
 * HTTPS, then plain HTTP; the session keeps whichever answered.  Never a
 * mirror: pull picks those. */
struct registry_client *registry_client_new(const char *domain, const char *repository,
					    const struct registry_options *opts,
					    berth_error_t **err);
/* Another session like c (same registry, repository and options) that
 * starts with c's authentication: its scheme, credentials and cached
 * tokens, so it makes no 401 round trip and fetches no token c already
 * holds.  For one session per download thread: call it on the thread that
 * owns c, before the other thread uses the copy. */
struct registry_client *registry_client_dup(const struct registry_client *c, berth_error_t **err);
void registry_client_free(struct registry_client *c);
static inline void registry_client_freep(struct registry_client **c)
{
	registry_client_free(*c);
	*c = NULL;
}
#define cleanup_registry_client __attribute__((cleanup(registry_client_freep)))

/* GET /v2/: 200, or 401 and a successful authentication.  EACCES when the
 * credentials are refused. */
int registry_ping(struct registry_client *c, berth_error_t **err);

struct registry_manifest {
	char *media_type; /* Content-Type, or the document's mediaType; owned */
	char *data;       /* the raw bytes, NUL-terminated; owned */
	size_t len;
	struct digest digest; /* sha256 of data */
};
void registry_manifest_release(struct registry_manifest *m);

/* Fetch a manifest or index by tag or by digest ("sha256:…") with
 * Accept: OCI_IMAGE_ACCEPT.  By digest, the bytes must hash to it (and a
 * Docker-Content-Digest header must agree); by tag, the digest is computed
 * (and a differing Docker-Content-Digest header is an error).  ENOENT when
 * the registry does not know it. */
int registry_get_manifest(struct registry_client *c, const char *tag_or_digest,
			  struct registry_manifest *ret, berth_error_t **err);

/* HEAD a blob: 1 and its size in *ret_size (may be NULL) when present, 0
 * when absent */
int registry_blob_exists(struct registry_client *c, const struct digest *d, uint64_t *ret_size,
			 berth_error_t **err);

/* GET a blob, streaming it to sink; at the end, the bytes must hash to d
 * (EBADMSG otherwise: the sink's consumer must throw the data away).
 * *ret_size (may be NULL) gets the byte count. */
int registry_blob_get(struct registry_client *c, const struct digest *d, http_sink_fn sink,
		      void *sink_data, uint64_t *ret_size, berth_error_t **err);

/* GET a blob, streaming it to sink, without verifying it: only for a sink
 * that verifies what it got against d itself (a content_writer begun with
 * d), so that the bytes are hashed once.  ENOENT when absent. */
int registry_blob_fetch(struct registry_client *c, const struct digest *d, http_sink_fn sink,
			void *sink_data, berth_error_t **err);

/* What `docker login` does: check username/password against host's /v2/
 * and, when they work, store them (credentials_store) in opts->config_dir.
 * EACCES "login to 'host': unauthorized: …" when refused. */
int registry_login(const char *host, const char *username, const char *password,
		   const struct registry_options *opts, berth_error_t **err);
/* `docker logout`: erase host's stored credentials; 1 when there were any */
int registry_logout(const char *host, const struct registry_options *opts, berth_error_t **err);

#endif
