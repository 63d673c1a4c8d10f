/* fuzz-http-request: berthd's request parser on arbitrary bytes.  The
 * first byte picks where the input is split, so that the parser also sees
 * requests arrive in pieces (as they do from a socket); after the head,
 * the path, version and query decoding run, then the body is read through
 * the same feed calls the server makes.  Crashes, leaks and UB are bugs;
 * an error answer is fine. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "daemon/http/http-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t step = (size_t)data[0] % 64 + 1;
	const char *p = (const char *)data + 1;
	size_t left = size - 1;
	struct http_request r;
	http_request_init(&r);
	bool head_done = false;
	while (left > 0 && !r.message_done) {
		size_t n = left < step ? left : step;
		ssize_t used = http_request_feed(&r, p, n);
		if (used < 0)
			break;
		bool resumed = false;
		if (r.headers_done && !head_done) {
			head_done = true;
			if (http_request_finish_head(&r) < 0)
				break;
			http_request_resume(&r);
			resumed = true;
		}
		strbuf_reset(&r.body); /* the handler would read it */
		if (used == 0 && !resumed)
			break; /* no progress: the parser is paused for good */
		p += used;
		left -= (size_t)used;
	}
	http_request_release(&r);
	return 0;
}
