/* fuzz-digest: libFuzzer target for digest parsing.  Invariant checked:
 * whatever digest_parse accepts, digest_format spells back byte for byte
 * (one spelling per digest), and digest_parse_hex agrees on the hex part. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/digest.h"
#include "common/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	struct digest d, h;
	berth_error_t *err = NULL;
	if (digest_parse(s, &d, &err) == 0) {
		char out[DIGEST_STR_SIZE];
		digest_format(&d, out);
		if (strcmp(out, s) != 0)
			abort();
		if (!digest_valid(s))
			abort();
		if (digest_parse_hex(s + 7, &h, NULL) != 0 || !digest_equal(&d, &h))
			abort();
	} else {
		/* a refusal must explain itself */
		if (err == NULL || err->msg == NULL)
			abort();
		berth_error_free(err);
		err = NULL;
	}

	if (digest_parse_hex(s, &h, &err) == 0) {
		char hex[DIGEST_HEX_LEN + 1];
		digest_format_hex(&h, hex);
		if (strcmp(hex, s) != 0)
			abort();
	} else {
		berth_error_free(err);
	}
	free(s);
	return 0;
}
