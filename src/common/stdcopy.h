/* stdcopy: docker's multiplexed stream format (moby pkg/stdcopy), used by
 * attach, exec and logs when the container has no TTY: each frame is an
 * 8-byte header {stream, 0, 0, 0, size as uint32 big-endian} and the
 * payload.  Streams: 0 stdin, 1 stdout, 2 stderr, 3 system error. */
#ifndef BERTH_COMMON_STDCOPY_H
#define BERTH_COMMON_STDCOPY_H

#include <stddef.h>
#include <stdint.h>

enum stdcopy_stream {
	STDCOPY_STDIN = 0,
	STDCOPY_STDOUT = 1,
	STDCOPY_STDERR = 2,
	STDCOPY_SYSERR = 3,
};

#define STDCOPY_HEADER_SIZE 8

/* Fill hdr with the header of a frame of len payload bytes */
void stdcopy_header(uint8_t hdr[STDCOPY_HEADER_SIZE], enum stdcopy_stream stream, uint32_t len);

/* Parse a header: 0 and the stream and length, or -1 when the stream byte
 * is not 0..3 or the padding is not zero */
int stdcopy_parse(const uint8_t hdr[STDCOPY_HEADER_SIZE], enum stdcopy_stream *ret_stream,
		  uint32_t *ret_len);

/* Write one whole frame to fd (header and payload with one writev, EINTR
 * and short writes handled): 0, or -errno */
int stdcopy_write(int fd, enum stdcopy_stream stream, const void *data, size_t len);

#endif
