/* Unit tests for the image model: real-world shaped fixtures (an OCI index
 * with attestations, a Docker manifest list, OCI and Docker manifests, a
 * busybox-like config) parsed field by field, raw bytes and digests kept,
 * round trips, platform selection, bad inputs with exact path errors,
 * chain IDs and `import -c` change lines.  Runs from the project root. */
#include "common/unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "oci/image.h"

#define DATA "tests/data/oci/image/"

static char *read_file(const char *path, size_t *ret_len)
{
	cleanup_fclose FILE *f = fopen(path, "re");
	if (f == NULL)
		fail_msg("open %s", path);
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	return strbuf_detach(&sb, ret_len);
}

static struct oci_image_index *index_file(const char *name, const char *declared)
{
	size_t len;
	cleanup_free char *path = xasprintf(DATA "%s", name);
	cleanup_free char *buf = read_file(path, &len);
	struct oci_image_index *idx = NULL;
	cleanup_error berth_error_t *err = NULL;
	if (oci_image_index_parse(buf, len, declared, 0, &idx, &err) < 0)
		fail_msg("parse %s: %s", name, err->msg);
	return idx;
}

static struct oci_image_manifest *manifest_file(const char *name, const char *declared)
{
	size_t len;
	cleanup_free char *path = xasprintf(DATA "%s", name);
	cleanup_free char *buf = read_file(path, &len);
	struct oci_image_manifest *m = NULL;
	cleanup_error berth_error_t *err = NULL;
	if (oci_image_manifest_parse(buf, len, declared, 0, &m, &err) < 0)
		fail_msg("parse %s: %s", name, err->msg);
	return m;
}

static struct oci_image_config *config_text(const char *text)
{
	struct oci_image_config *c = NULL;
	cleanup_error berth_error_t *err = NULL;
	if (oci_image_config_parse(text, strlen(text), &c, &err) < 0)
		fail_msg("parse config: %s", err->msg);
	return c;
}

static void assert_digest(const struct digest *d, const char *want)
{
	char s[DIGEST_STR_SIZE];
	digest_format(d, s);
	assert_string_equal(s, want);
}

/* raw must be the file's bytes and raw.digest their sha256 */
static void assert_raw(const struct oci_raw *r, const char *name)
{
	size_t len;
	cleanup_free char *path = xasprintf(DATA "%s", name);
	cleanup_free char *buf = read_file(path, &len);
	assert_int_equal(r->raw_len, len);
	assert_memory_equal(r->raw, buf, len);
	struct digest d;
	digest_buffer(buf, len, &d);
	assert_true(digest_equal(&d, &r->digest));
}

static void test_media_types(void **state)
{
	(void)state;
	enum oci_compression comp;
	bool nd;
	assert_int_equal(oci_media_type_kind(OCI_MT_INDEX), OCI_MEDIA_INDEX);
	assert_int_equal(oci_media_type_kind(DOCKER_MT_MANIFEST_LIST), OCI_MEDIA_INDEX);
	assert_int_equal(oci_media_type_kind(DOCKER_MT_MANIFEST "; charset=utf-8"),
			 OCI_MEDIA_MANIFEST);
	assert_int_equal(oci_media_type_kind(DOCKER_MT_CONFIG), OCI_MEDIA_CONFIG);
	assert_int_equal(oci_media_type_kind(OCI_MT_LAYER_ND_ZSTD), OCI_MEDIA_LAYER);
	assert_int_equal(oci_media_type_kind("application/vnd.in-toto+json"), OCI_MEDIA_UNKNOWN);
	assert_int_equal(oci_media_type_kind(NULL), OCI_MEDIA_UNKNOWN);
	assert_true(oci_media_type_layer_info(DOCKER_MT_LAYER_FOREIGN, &comp, &nd));
	assert_int_equal(comp, OCI_COMPRESSION_GZIP);
	assert_true(nd);
	assert_true(oci_media_type_layer_info(OCI_MT_LAYER_ZSTD, &comp, &nd));
	assert_int_equal(comp, OCI_COMPRESSION_ZSTD);
	assert_false(nd);
	assert_true(oci_media_type_layer_info(OCI_MT_LAYER, &comp, NULL));
	assert_int_equal(comp, OCI_COMPRESSION_NONE);
	assert_false(oci_media_type_layer_info(OCI_MT_CONFIG, NULL, NULL));
	assert_true(oci_media_type_is_docker(DOCKER_MT_LAYER));
	assert_false(oci_media_type_is_docker(OCI_MT_MANIFEST));
}

static void test_oci_index(void **state)
{
	(void)state;
	cleanup_oci_index struct oci_image_index *idx = index_file("index-oci.json", OCI_MT_INDEX);
	assert_int_equal(idx->schema_version, 2);
	assert_string_equal(idx->media_type, OCI_MT_INDEX);
	assert_int_equal(idx->n_manifests, 7);
	const struct oci_descriptor *d = &idx->manifests[2];
	assert_string_equal(d->media_type, OCI_MT_MANIFEST);
	assert_int_equal(d->size, 528);
	assert_true(d->has_platform);
	assert_string_equal(d->platform.os, "linux");
	assert_string_equal(d->platform.architecture, "arm");
	assert_string_equal(d->platform.variant, "v7");
	const struct oci_descriptor *att = &idx->manifests[5];
	assert_string_equal(att->platform.os, "unknown");
	assert_string_equal(oci_descriptor_annotation(att, "vnd.docker.reference.type"),
			    "attestation-manifest");
	assert_null(oci_descriptor_annotation(att, "nope"));
	assert_int_equal(idx->n_annotations, 1);
	assert_string_equal(idx->annotations[0].value, "latest");
	assert_raw(&idx->raw, "index-oci.json");

	/* round trip: to_json, parse, to_json again */
	cleanup_json json_t *j = oci_image_index_to_json(idx);
	cleanup_free char *text = bjson_dump(j);
	cleanup_oci_index struct oci_image_index *again = NULL;
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(oci_image_index_parse(text, strlen(text), NULL, 0, &again, &err), 0);
	cleanup_json json_t *j2 = oci_image_index_to_json(again);
	assert_true(json_equal(j, j2));
	/* the re-serialised bytes differ, hence so does the digest: that is
	 * why raw is kept */
	assert_false(digest_equal(&idx->raw.digest, &again->raw.digest));
}

static void test_select(void **state)
{
	(void)state;
	cleanup_oci_index struct oci_image_index *idx = index_file("index-oci.json", NULL);
	cleanup_error berth_error_t *err = NULL;
	struct oci_platform p;
	size_t i = 99;

	struct utsname u;
	assert_int_equal(uname(&u), 0);
	if (strcmp(u.machine, "x86_64") == 0) {
		oci_platform_host(&p);
		assert_int_equal(oci_image_index_select(idx, &p, &i, &err), 0);
		assert_int_equal(i, 0);
		oci_platform_release(&p);
	}

	assert_int_equal(oci_platform_parse("linux/amd64", &p, &err), 0);
	assert_int_equal(oci_image_index_select(idx, &p, &i, &err), 0);
	assert_int_equal(i, 0);
	oci_platform_release(&p);

	assert_int_equal(oci_platform_parse("linux/arm/v7", &p, &err), 0);
	assert_int_equal(oci_image_index_select(idx, &p, &i, &err), 0);
	assert_int_equal(i, 2);
	size_t cand[8];
	/* arm/v7 also runs v6, ranked after */
	assert_int_equal(oci_image_index_candidates(idx, &p, cand), 2);
	assert_int_equal(cand[0], 2);
	assert_int_equal(cand[1], 1);
	oci_platform_release(&p);

	assert_int_equal(oci_platform_parse("linux/aarch64", &p, &err), 0);
	assert_int_equal(oci_image_index_select(idx, &p, &i, &err), 0);
	assert_int_equal(i, 3);
	/* arm64 falls back to 32-bit arm, newest variant first */
	assert_int_equal(oci_image_index_candidates(idx, &p, cand), 3);
	assert_int_equal(cand[1], 2);
	assert_int_equal(cand[2], 1);
	oci_platform_release(&p);

	/* unknown/unknown is never picked, nor listed */
	p = (struct oci_platform){ .os = xstrdup("unknown"), .architecture = xstrdup("unknown") };
	assert_int_equal(oci_image_index_candidates(idx, &p, cand), 0);
	oci_platform_release(&p);

	assert_int_equal(oci_platform_parse("linux/s390x", &p, &err), 0);
	assert_int_equal(oci_image_index_select(idx, &p, &i, &err), -ENOENT);
	assert_string_equal(err->msg, "no manifest for platform 'linux/s390x' (have linux/amd64, "
				      "linux/arm/v6, linux/arm/v7, linux/arm64/v8, linux/386)");
	oci_platform_release(&p);
}

static void test_docker_list(void **state)
{
	(void)state;
	cleanup_oci_index struct oci_image_index *idx =
		index_file("manifest-list-docker.json", DOCKER_MT_MANIFEST_LIST);
	assert_int_equal(idx->n_manifests, 7);
	assert_string_equal(idx->manifests[6].platform.os_version, "10.0.17763.4737");
	assert_string_equal(idx->manifests[1].platform.variant, "v5");
	cleanup_error berth_error_t *err = NULL;
	struct oci_platform p;
	size_t i;
	assert_int_equal(oci_platform_parse("windows/amd64", &p, &err), 0);
	assert_int_equal(oci_image_index_select(idx, &p, &i, &err), 0);
	assert_int_equal(i, 6);
	oci_platform_release(&p);
	/* arm/v6 wants v6 or older: only v5 here */
	assert_int_equal(oci_platform_parse("linux/arm/v6", &p, &err), 0);
	assert_int_equal(oci_image_index_select(idx, &p, &i, &err), 0);
	assert_int_equal(i, 1);
	oci_platform_release(&p);

	/* declared as an OCI index, the document says Docker list: refused */
	size_t len;
	cleanup_free char *buf = read_file(DATA "manifest-list-docker.json", &len);
	cleanup_oci_index struct oci_image_index *bad = NULL;
	assert_true(oci_image_index_parse(buf, len, OCI_MT_INDEX, 0, &bad, &err) < 0);
	assert_string_equal(err->msg,
			    "mediaType: '" DOCKER_MT_MANIFEST_LIST
			    "' disagrees with the declared media type '" OCI_MT_INDEX "'");
	/* declared as a manifest: refused before reading further */
	assert_true(oci_image_index_parse(buf, len, DOCKER_MT_MANIFEST, 0, &bad, &err) < 0);
	assert_error_contains(err, "is not an index type");
	/* generic content types count as undeclared */
	assert_int_equal(oci_image_index_parse(buf, len, "application/json", 0, &bad, &err), 0);
	enum oci_media_kind k;
	assert_int_equal(oci_image_detect(buf, len, NULL, &k, &err), 0);
	assert_int_equal(k, OCI_MEDIA_INDEX);
}

static void test_manifests(void **state)
{
	(void)state;
	cleanup_oci_manifest struct oci_image_manifest *m =
		manifest_file("manifest-oci.json", OCI_MT_MANIFEST);
	assert_false(m->docker);
	assert_string_equal(m->config.media_type, OCI_MT_CONFIG);
	assert_digest(&m->config.digest,
		      "sha256:656c4c60299cac093eb244134e1939bc1c079120e578ce2c49ed93288d63107d");
	assert_int_equal(m->n_layers, 3);
	assert_int_equal(m->layers[0].size, 2220094);
	assert_int_equal(m->layers[2].n_urls, 1);
	assert_string_equal(m->layers[2].urls[0], "https://example.com/layer3.tar.gz");
	assert_int_equal(m->n_annotations, 2);
	assert_raw(&m->raw, "manifest-oci.json");
	cleanup_json json_t *j = oci_image_manifest_to_json(m);
	cleanup_free char *text = bjson_dump(j);
	cleanup_oci_manifest struct oci_image_manifest *again = NULL;
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(oci_image_manifest_parse(text, strlen(text), NULL, 0, &again, &err), 0);
	cleanup_json json_t *j2 = oci_image_manifest_to_json(again);
	assert_true(json_equal(j, j2));

	cleanup_oci_manifest struct oci_image_manifest *d =
		manifest_file("manifest-docker.json", NULL);
	assert_true(d->docker);
	assert_string_equal(d->config.media_type, DOCKER_MT_CONFIG);
	assert_int_equal(d->config.size, 1413);
	assert_int_equal(d->n_layers, 1);
	assert_string_equal(d->layers[0].media_type, DOCKER_MT_LAYER);
	assert_raw(&d->raw, "manifest-docker.json");
	enum oci_media_kind k;
	assert_int_equal(oci_image_detect(d->raw.raw, d->raw.raw_len, NULL, &k, &err), 0);
	assert_int_equal(k, OCI_MEDIA_MANIFEST);

	/* a manifest built in memory, sealed: raw is its serialisation */
	cleanup_oci_manifest struct oci_image_manifest *b = xzalloc(sizeof(*b));
	b->schema_version = 2;
	b->media_type = xstrdup(OCI_MT_MANIFEST);
	oci_descriptor_copy(&b->config, &m->config);
	b->layers = xcalloc(1, sizeof(*b->layers));
	oci_descriptor_copy(&b->layers[0], &m->layers[2]);
	b->n_layers = 1;
	assert_int_equal(oci_image_manifest_validate(b, 0, &err), 0);
	oci_image_manifest_seal(b);
	cleanup_oci_manifest struct oci_image_manifest *b2 = NULL;
	assert_int_equal(oci_image_manifest_parse(b->raw.raw, b->raw.raw_len, OCI_MT_MANIFEST, 0,
						  &b2, &err),
			 0);
	assert_true(digest_equal(&b->raw.digest, &b2->raw.digest));
	assert_string_equal(b2->layers[0].urls[0], "https://example.com/layer3.tar.gz");
}

/* One bad document and the exact error it must give */
struct bad_case {
	const char *kind; /* "index", "manifest", "config" */
	const char *json;
	const char *declared;
	const char *msg;
};

#define DG "sha256:0000000000000000000000000000000000000000000000000000000000000000"
#define DESC(mt) "{\"mediaType\":\"" mt "\",\"digest\":\"" DG "\",\"size\":1}"
#define CFG "{\"mediaType\":\"" OCI_MT_CONFIG "\",\"digest\":\"" DG "\",\"size\":1}"

static const struct bad_case bad_cases[] = {
	{ "index",
	  "{\"schemaVersion\":2,\"manifests\":[" DESC(OCI_MT_MANIFEST) "," DESC(
		  OCI_MT_MANIFEST) ",{\"mediaType\":\"" OCI_MT_MANIFEST
				   "\",\"digest\":\"sha256:abc\",\"size\":1}]}",
	  NULL,
	  "manifests[2].digest: invalid digest 'sha256:abc': want 64 hex characters after "
	  "'sha256:', got 3" },
	{ "index",
	  "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" OCI_MT_MANIFEST
	  "\",\"size\":1}]}",
	  NULL, "manifests[0]: missing required field 'digest'" },
	{ "index",
	  "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" OCI_MT_MANIFEST
	  "\",\"digest\":\"" DG "\",\"size\":-1}]}",
	  NULL, "manifests[0].size: -1 is out of range" },
	{ "index", "{\"schemaVersion\":2,\"manifests\":[" DESC("text/html") "]}", NULL,
	  "manifests[0].mediaType: unknown manifest media type 'text/html'" },
	{ "index",
	  "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"" OCI_MT_MANIFEST
	  "\",\"digest\":\"" DG "\",\"size\":1,\"platform\":{\"os\":\"linux\"}}]}",
	  NULL, "manifests[0].platform: missing required field 'architecture'" },
	{ "index", "{\"schemaVersion\":1,\"manifests\":[]}", NULL,
	  "schemaVersion: unsupported schema version 1 (want 2)" },
	{ "index", "{\"manifests\":[]}", NULL, "missing required field 'schemaVersion'" },
	{ "index", "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_MANIFEST "\",\"manifests\":[]}",
	  NULL, "mediaType: '" OCI_MT_MANIFEST "' is not an index media type" },
	{ "index", "[1]", NULL, "index: expected an object, got an array" },
	{ "manifest",
	  "{\"schemaVersion\":2,\"config\":" CFG
	  ",\"layers\":[" DESC(OCI_MT_LAYER_GZIP) "," DESC("application/x-tar") "]}",
	  NULL, "layers[1].mediaType: unknown layer media type 'application/x-tar'" },
	{ "manifest", "{\"schemaVersion\":2,\"config\":" DESC("application/json") ",\"layers\":[]}",
	  NULL, "config.mediaType: unknown config media type 'application/json'" },
	{ "manifest", "{\"schemaVersion\":2,\"layers\":[]}", NULL,
	  "missing required field 'config'" },
	{ "manifest",
	  "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"" OCI_MT_CONFIG "\",\"digest\":\"" DG
	  "\",\"size\":\"1\"},\"layers\":[]}",
	  NULL, "config.size: expected an integer, got a string" },
	{ "manifest",
	  "{\"schemaVersion\":2,\"mediaType\":\"" DOCKER_MT_MANIFEST "\",\"config\":" CFG
	  ",\"layers\":[]}",
	  OCI_MT_MANIFEST,
	  "mediaType: '" DOCKER_MT_MANIFEST
	  "' disagrees with the declared media type '" OCI_MT_MANIFEST "'" },
	{ "manifest", "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":[]}",
	  DOCKER_MT_MANIFEST_V1_SIGNED, "Docker schema1 manifests" },
	{ "manifest", "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":[],\"x\":1,\"x\":2}",
	  NULL, "duplicate" },
	{ "config", "{\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\"}}", NULL,
	  "missing required field 'architecture'" },
	{ "config",
	  "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" DG
	  "\",\"sha256:XYZ\"]}}",
	  NULL, "rootfs.diff_ids[1]: invalid digest 'sha256:XYZ'" },
	{ "config",
	  "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"tarballs\"}}", NULL,
	  "rootfs.type: 'tarballs' is not 'layers'" },
	{ "config",
	  "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\"},\"config\":{\"Env\":[\"A=1\",2]}}",
	  NULL, "config.Env[1]: expected a string, got an integer" },
	{ "config",
	  "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\"},\"config\":{\"ExposedPorts\":{\"80/tcp\":1}}}",
	  NULL, "config.ExposedPorts.80/tcp: expected an object, got an integer" },
	{ "config",
	  "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\"},\"history\":[{},{\"empty_layer\":\"yes\"}]}",
	  NULL, "history[1].empty_layer: expected a boolean, got a string" },
	{ "config",
	  "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"history\":[{}]}",
	  NULL, "history: 1 entries with a layer, but rootfs.diff_ids has only 0" },
};

static void test_bad_inputs(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *b = &bad_cases[i];
		cleanup_error berth_error_t *err = NULL;
		int r;
		if (strcmp(b->kind, "index") == 0) {
			cleanup_oci_index struct oci_image_index *x = NULL;
			r = oci_image_index_parse(b->json, strlen(b->json), b->declared, 0, &x,
						  &err);
		} else if (strcmp(b->kind, "manifest") == 0) {
			cleanup_oci_manifest struct oci_image_manifest *x = NULL;
			r = oci_image_manifest_parse(b->json, strlen(b->json), b->declared, 0, &x,
						     &err);
		} else {
			cleanup_oci_image_config struct oci_image_config *x = NULL;
			r = oci_image_config_parse(b->json, strlen(b->json), &x, &err);
		}
		if (r >= 0)
			fail_msg("case %zu accepted: %s", i, b->json);
		if (strstr(err->msg, b->msg) == NULL)
			fail_msg("case %zu: error '%s' lacks '%s'", i, err->msg, b->msg);
	}
}

static void test_unknown_types_allowed(void **state)
{
	(void)state;
	/* a buildx attestation manifest: in-toto layers */
	static const char att[] = "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MT_MANIFEST
				  "\",\"config\":" CFG
				  ",\"layers\":[" DESC("application/vnd.in-toto+json") "]}";
	cleanup_error berth_error_t *err = NULL;
	cleanup_oci_manifest struct oci_image_manifest *m = NULL;
	assert_true(oci_image_manifest_parse(att, strlen(att), NULL, 0, &m, &err) < 0);
	assert_int_equal(oci_image_manifest_parse(att, strlen(att), NULL,
						  OCI_IMAGE_ALLOW_UNKNOWN_TYPES, &m, &err),
			 0);
	assert_string_equal(m->layers[0].media_type, "application/vnd.in-toto+json");
}

static void test_caps(void **state)
{
	(void)state;
	cleanup_error berth_error_t *err = NULL;
	/* 1001 layers */
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "{\"schemaVersion\":2,\"config\":" CFG ",\"layers\":[");
	for (int i = 0; i < 1001; i++)
		strbuf_addf(&sb, "%s" DESC(OCI_MT_LAYER_GZIP), i ? "," : "");
	strbuf_addstr(&sb, "]}");
	cleanup_oci_manifest struct oci_image_manifest *m = NULL;
	assert_true(oci_image_manifest_parse(sb.buf, sb.len, NULL, 0, &m, &err) < 0);
	assert_string_equal(err->msg, "layers: 1001 entries, more than the limit of 1000");
	strbuf_release(&sb);
	/* more than 4 MiB */
	size_t big = (4u << 20) + 1;
	cleanup_free char *buf = xmalloc(big);
	memset(buf, ' ', big);
	buf[0] = '{';
	buf[big - 1] = '}';
	cleanup_oci_index struct oci_image_index *idx = NULL;
	assert_true(oci_image_index_parse(buf, big, NULL, 0, &idx, &err) < 0);
	assert_int_equal(err->errnum, E2BIG);
	assert_error_contains(err, "more than the limit");
}

static void test_config_busybox(void **state)
{
	(void)state;
	size_t len;
	cleanup_free char *buf = read_file(DATA "config-busybox.json", &len);
	cleanup_oci_image_config struct oci_image_config *c = config_text(buf);
	assert_string_equal(c->architecture, "amd64");
	assert_string_equal(c->os, "linux");
	assert_string_equal(c->created, "2023-07-18T23:19:33.655005962Z");
	assert_true(c->has_config);
	const struct oci_image_exec_config *x = &c->config;
	assert_int_equal(x->n_exposed_ports, 2);
	assert_string_equal(x->exposed_ports[0], "80/tcp");
	assert_string_equal(x->exposed_ports[1], "53/udp");
	assert_int_equal(x->n_env, 1);
	assert_int_equal(x->n_cmd, 1);
	assert_string_equal(x->cmd[0], "sh");
	assert_null(x->entrypoint); /* null in the document */
	assert_null(x->on_build);
	assert_int_equal(x->n_volumes, 1);
	assert_string_equal(x->volumes[0], "/data");
	assert_string_equal(x->working_dir, "/home");
	assert_string_equal(x->user, "");
	assert_int_equal(x->n_labels, 2);
	assert_string_equal(x->stop_signal, "SIGTERM");
	assert_true(x->healthcheck.present);
	assert_int_equal(x->healthcheck.n_test, 2);
	assert_int_equal(x->healthcheck.interval, 30000000000LL);
	assert_int_equal(x->healthcheck.retries, 3);
	assert_int_equal(x->n_shell, 2);
	assert_non_null(json_object_get(x->extra, "Hostname"));
	assert_non_null(json_object_get(c->extra, "docker_version"));
	assert_null(json_object_get(c->extra, "os"));
	assert_int_equal(c->n_diff_ids, 1);
	assert_digest(&c->diff_ids[0],
		      "sha256:3d24ee258efc3bfe4066a1a9fb83febf6dc0b1548dfe896161533668281c9f4f");
	assert_int_equal(c->n_history, 2);
	assert_true(c->history[1].empty_layer);
	assert_false(c->history[0].empty_layer);
	/* the image ID is the config digest, as the manifest names it */
	assert_digest(&c->raw.digest,
		      "sha256:656c4c60299cac093eb244134e1939bc1c079120e578ce2c49ed93288d63107d");

	cleanup_json json_t *j = oci_image_config_to_json(c);
	assert_string_equal(json_string_value(
				    json_object_get(json_object_get(j, "container_config"),
						    "Hostname")),
			    "f7e6e1a3a0b4");
	assert_non_null(
		json_object_get(json_object_get(json_object_get(j, "config"), "ExposedPorts"),
				"80/tcp"));
	cleanup_free char *text = bjson_dump(j);
	cleanup_oci_image_config struct oci_image_config *again = config_text(text);
	cleanup_json json_t *j2 = oci_image_config_to_json(again);
	assert_true(json_equal(j, j2));
}

static void test_chain_ids(void **state)
{
	(void)state;
	/* the diff_ids of the image spec's config.md example */
	struct digest diff[3];
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(
		digest_parse(
			"sha256:c6f988f4874bb0add23a778f753c65efe992244e148a1d2ec2a8b664fb66bbd1",
			&diff[0], &err),
		0);
	assert_int_equal(
		digest_parse(
			"sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef",
			&diff[1], &err),
		0);
	diff[2] = diff[0];
	struct digest chain[3];
	oci_image_chain_ids(diff, 3, chain);
	assert_true(digest_equal(&chain[0], &diff[0]));
	/* sha256("sha256:c6f9… sha256:5f70…") */
	assert_digest(&chain[1],
		      "sha256:c3191d32a37d7159b2e30830937d2e30268ad6c375a773a8994911a3aba9b93f");
	assert_digest(&chain[2],
		      "sha256:ce60e381e7c2941cc3c11bc7a60b267bb56a3be80df231da8c523c53af72518b");
	oci_image_chain_ids(diff, 0, chain); /* nothing to do, nothing touched */
}

static void apply_ok(struct oci_image_config *c, const char *line)
{
	cleanup_error berth_error_t *err = NULL;
	if (oci_image_config_apply_change(c, line, &err) < 0)
		fail_msg("'%s': %s", line, err->msg);
}

static void apply_bad(struct oci_image_config *c, const char *line, const char *msg)
{
	cleanup_error berth_error_t *err = NULL;
	if (oci_image_config_apply_change(c, line, &err) >= 0)
		fail_msg("'%s' accepted", line);
	if (strcmp(err->msg, msg) != 0)
		fail_msg("'%s': error '%s', want '%s'", line, err->msg, msg);
}

static void test_changes(void **state)
{
	(void)state;
	struct oci_platform p = { .os = "linux", .architecture = "arm64", .variant = "v8" };
	cleanup_oci_image_config struct oci_image_config *c = oci_image_config_new(&p);
	assert_string_equal(c->architecture, "arm64");
	assert_null(c->variant);
	assert_string_equal(c->rootfs_type, "layers");

	apply_ok(c, "CMD [\"sh\", \"-c\", \"echo hi\"]");
	assert_int_equal(c->config.n_cmd, 3);
	assert_string_equal(c->config.cmd[2], "echo hi");
	apply_ok(c, "cmd echo  hello world ");
	assert_int_equal(c->config.n_cmd, 3);
	assert_string_equal(c->config.cmd[0], "/bin/sh");
	assert_string_equal(c->config.cmd[2], "echo  hello world");
	apply_ok(c, "ENTRYPOINT []");
	assert_non_null(c->config.entrypoint);
	assert_int_equal(c->config.n_entrypoint, 0);
	apply_ok(c, "ENV A=1 B=\"two words\" C='x y'");
	apply_ok(c, "ENV PATH /usr/bin:/bin");
	apply_ok(c, "ENV A=replaced");
	assert_int_equal(c->config.n_env, 4);
	assert_string_equal(c->config.env[0], "A=replaced");
	assert_string_equal(c->config.env[1], "B=two words");
	assert_string_equal(c->config.env[2], "C=x y");
	assert_string_equal(c->config.env[3], "PATH=/usr/bin:/bin");
	apply_ok(c, "EXPOSE 80 53/udp 8000-8002/TCP 80/tcp");
	assert_int_equal(c->config.n_exposed_ports, 5);
	assert_string_equal(c->config.exposed_ports[1], "53/udp");
	assert_string_equal(c->config.exposed_ports[4], "8002/tcp");
	apply_ok(c, "LABEL version=1.0 \"com.example.desc\"=\"a b\"");
	assert_int_equal(c->config.n_labels, 2);
	assert_string_equal(c->config.labels[1].key, "com.example.desc");
	assert_string_equal(c->config.labels[1].value, "a b");
	apply_ok(c, "ONBUILD RUN make");
	assert_string_equal(c->config.on_build[0], "RUN make");
	apply_ok(c, "USER 1000:1000");
	assert_string_equal(c->config.user, "1000:1000");
	apply_ok(c, "VOLUME [\"/data\", \"/logs\"]");
	apply_ok(c, "VOLUME /data /cache");
	assert_int_equal(c->config.n_volumes, 3);
	apply_ok(c, "WORKDIR /srv");
	apply_ok(c, "WORKDIR app");
	assert_string_equal(c->config.working_dir, "/srv/app");
	apply_ok(c, "STOPSIGNAL SIGQUIT");
	apply_ok(c, "STOPSIGNAL 9");
	apply_ok(c, "STOPSIGNAL rtmin+3");
	assert_string_equal(c->config.stop_signal, "rtmin+3");
	apply_ok(c, "   ");
	apply_ok(c, "# a comment");

	apply_bad(c, "LABEL a=\xff\xfe", "change line is not valid UTF-8");
	apply_bad(c, "RUN make", "'RUN' is not a valid change command");
	apply_bad(c, "ENV FOO", "ENV: missing value for 'FOO'");
	apply_bad(c, "ENV A=1 B", "ENV: 'B' is not of the form name=value");
	apply_bad(c, "ENV =1", "ENV: empty name in '=1'");
	apply_bad(c, "LABEL a=\"open", "LABEL: unterminated double quote");
	apply_bad(c, "EXPOSE 70000", "EXPOSE: invalid port '70000'");
	apply_bad(c, "EXPOSE 80/icmp",
		  "EXPOSE: invalid protocol in '80/icmp' (want tcp, udp or sctp)");
	apply_bad(c, "EXPOSE 90-80", "EXPOSE: invalid port range '90-80'");
	apply_bad(c, "STOPSIGNAL SIGFOO", "STOPSIGNAL: invalid signal 'SIGFOO'");
	apply_bad(c, "USER", "USER requires an argument");
	apply_bad(c, "CMD", "CMD requires an argument");
	apply_bad(c, "CMD [\"sh\", 1]", "CMD: [1]: expected a string, got an integer");
	apply_bad(c, "ONBUILD FROM x", "ONBUILD: 'FROM' is not allowed as a trigger");
	apply_bad(c, "VOLUME [\"\"]", "VOLUME: a volume cannot be an empty string");

	/* a shell set in the config is used for the shell form */
	apply_ok(c, "CMD echo");
	c->config.shell = xcalloc(3, sizeof(char *));
	c->config.shell[0] = xstrdup("/bin/bash");
	c->config.shell[1] = xstrdup("-lc");
	c->config.n_shell = 2;
	apply_ok(c, "ENTRYPOINT exec app");
	assert_string_equal(c->config.entrypoint[0], "/bin/bash");
	assert_string_equal(c->config.entrypoint[2], "exec app");

	/* layers, seal, parse back: the image ID is the digest of raw */
	struct digest d;
	digest_buffer("layer", 5, &d);
	oci_image_config_add_layer(c, &d, "2024-01-01T00:00:00Z", "import", NULL);
	oci_image_config_add_layer(c, NULL, NULL, "CMD [\"sh\"]", "empty");
	oci_image_config_seal(c);
	cleanup_oci_image_config struct oci_image_config *back = config_text(c->raw.raw);
	assert_true(digest_equal(&back->raw.digest, &c->raw.digest));
	assert_int_equal(back->n_diff_ids, 1);
	assert_int_equal(back->n_history, 2);
	assert_true(back->history[1].empty_layer);
	assert_int_equal(back->config.n_exposed_ports, 5);
	assert_string_equal(back->config.stop_signal, "rtmin+3");
	cleanup_json json_t *j1 = oci_image_config_to_json(c);
	cleanup_json json_t *j2 = oci_image_config_to_json(back);
	assert_true(json_equal(j1, j2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_media_types),
		cmocka_unit_test(test_oci_index),
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_docker_list),
		cmocka_unit_test(test_manifests),
		cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_unknown_types_allowed),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_config_busybox),
		cmocka_unit_test(test_chain_ids),
		cmocka_unit_test(test_changes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
