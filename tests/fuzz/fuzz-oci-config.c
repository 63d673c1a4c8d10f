/* fuzz-oci-config: libFuzzer target for the config.json parser.  Feeds
 * arbitrary bytes to oci_config_parse; whatever parses must serialise and
 * parse again to the same JSON.  Invariant: no input may crash, leak or
 * trip a sanitizer, and a config we accept we can always write back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "oci/runtime-config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cleanup_oci_config struct oci_config *c = NULL;
	cleanup_error berth_error_t *err = NULL;
	if (oci_config_parse((const char *)data, size, &c, &err) < 0)
		return 0;
	cleanup_json json_t *j = oci_config_to_json(c);
	cleanup_free char *text = bjson_dump(j);
	cleanup_oci_config struct oci_config *again = NULL;
	if (oci_config_parse(text, strlen(text), &again, &err) < 0)
		abort(); /* we wrote something we refuse to read */
	cleanup_json json_t *j2 = oci_config_to_json(again);
	if (!json_equal(j, j2))
		abort(); /* the round trip lost or invented a field */
	return 0;
}
