/* fuzz-reference: libFuzzer target for image reference parsing.  Invariant
 * checked: whatever image_ref_parse accepts, its full form parses (strictly)
 * back to an equal reference, and so does its familiar form (berth's
 * familiar form is docker's, but for the cases docker cannot read back).
 * Refusals must carry a message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "image/reference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct image_ref *must_parse(const char *s, int strict)
{
	struct image_ref *ref = NULL;
	int r = strict ? image_ref_parse_strict(s, &ref, NULL) : image_ref_parse(s, &ref, NULL);
	if (r != 0 || ref == NULL)
		abort();
	return ref;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	char *s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	struct image_ref *ref = NULL;
	berth_error_t *err = NULL;
	if (image_ref_parse(s, &ref, &err) == 0) {
		char *full = image_ref_string(ref);
		char *fam = image_ref_familiar(ref);
		char *name = image_ref_name(ref);
		char *fam_name = image_ref_familiar_name(ref);

		struct image_ref *again = must_parse(full, 1);
		if (!image_ref_equal(ref, again))
			abort();
		image_ref_free(again);
		again = must_parse(fam, 0);
		if (!image_ref_equal(ref, again))
			abort();
		image_ref_free(again);
		again = must_parse(fam_name, 0);
		if (!image_ref_same_name(ref, again))
			abort();
		image_ref_free(again);
		/* the names are the references without tag and digest */
		again = must_parse(name, 1);
		if (!image_ref_same_name(ref, again) || again->tag || again->has_digest)
			abort();
		image_ref_free(again);
		if (strlen(fam_name) > strlen(name) || strlen(fam) > strlen(full))
			abort();

		struct image_ref *copy = image_ref_dup(ref);
		image_ref_with_default_tag(copy);
		if (copy->tag == NULL && !copy->has_digest)
			abort();
		if (!image_ref_same_name(ref, copy))
			abort();
		image_ref_free(copy);

		free(full);
		free(fam);
		free(name);
		free(fam_name);
		image_ref_free(ref);
	} else {
		if (ref != NULL || err == NULL || err->msg == NULL)
			abort();
		berth_error_free(err);
	}

	/* the input as a tag and as an ID prefix: no crash, and an accepted
	 * ID prefix is its own hex */
	size_t len = strlen(s); /* the input may hold NULs */
	if (image_ref_tag_valid(s) && (len == 0 || len > IMAGE_REF_TAG_MAX))
		abort();
	char *hex = NULL;
	err = NULL;
	int n = image_id_parse_prefix(s, &hex, &err);
	if (n > 0) {
		if ((size_t)n != strlen(hex) || n > 64 || !image_id_is_prefix(s))
			abort();
		free(hex);
	} else {
		if (hex != NULL || image_id_is_prefix(s))
			abort();
		berth_error_free(err);
	}
	free(s);
	return 0;
}
