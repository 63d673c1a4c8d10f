/* stdcopy: docker's multiplexed stream frames (see stdcopy.h).  A frame
 * larger than UINT32_MAX is split, so a reader never sees a wrapped size. */
#include "common/stdcopy.h"

#include <errno.h>
#include <sys/uio.h>

void stdcopy_header(uint8_t hdr[STDCOPY_HEADER_SIZE], enum stdcopy_stream stream, uint32_t len)
{
	hdr[0] = (uint8_t)stream;
	hdr[1] = hdr[2] = hdr[3] = 0;
	hdr[4] = (uint8_t)(len >> 24);
	hdr[5] = (uint8_t)(len >> 16);
	hdr[6] = (uint8_t)(len >> 8);
	hdr[7] = (uint8_t)len;
}

int stdcopy_parse(const uint8_t hdr[STDCOPY_HEADER_SIZE], enum stdcopy_stream *ret_stream,
		  uint32_t *ret_len)
{
	if (hdr[0] > STDCOPY_SYSERR || hdr[1] || hdr[2] || hdr[3])
		return -1;
	*ret_stream = (enum stdcopy_stream)hdr[0];
	*ret_len = (uint32_t)hdr[4] << 24 | (uint32_t)hdr[5] << 16 | (uint32_t)hdr[6] << 8 |
		   (uint32_t)hdr[7];
	return 0;
}

static int write_frame(int fd, enum stdcopy_stream stream, const uint8_t *data, uint32_t len)
{
	uint8_t hdr[STDCOPY_HEADER_SIZE];
	stdcopy_header(hdr, stream, len);
	struct iovec iov[2] = { { hdr, sizeof(hdr) }, { (void *)data, len } };
	int n_iov = 2;
	struct iovec *v = iov;
	while (n_iov > 0) {
		ssize_t n = writev(fd, v, n_iov);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		while (n_iov > 0 && (size_t)n >= v->iov_len) {
			n -= (ssize_t)v->iov_len;
			v++;
			n_iov--;
		}
		if (n_iov > 0) {
			v->iov_base = (uint8_t *)v->iov_base + n;
			v->iov_len -= (size_t)n;
		}
	}
	return 0;
}

int stdcopy_write(int fd, enum stdcopy_stream stream, const void *data, size_t len)
{
	const uint8_t *p = data;
	do {
		uint32_t part = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
		int r = write_frame(fd, stream, p, part);
		if (r < 0)
			return r;
		p += part;
		len -= part;
	} while (len > 0);
	return 0;
}
