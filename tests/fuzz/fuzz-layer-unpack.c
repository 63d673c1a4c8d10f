/* fuzz-layer-unpack: libFuzzer target for layer-unpack.  The input is a
 * layer blob (any compression) unpacked into a fresh dir beside a
 * sentinel dir; whatever the bytes, unpacking may fail but must never
 * create, change or remove anything outside the layer dir. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "image/layer-unpack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SENTINEL "must not change\n"

static char base[] = "/tmp/berth-fuzz-unpack-XXXXXX";
static int basefd = -1;

static void must(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz setup: %s: %s\n", what, strerror(errno));
		abort();
	}
}

static void setup_once(void)
{
	if (basefd >= 0)
		return;
	must(mkdtemp(base) != NULL, "mkdtemp");
	basefd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	must(basefd >= 0, "open base");
	must(mkdirat(basefd, "sentinel", 0755) == 0, "mkdir sentinel");
	int fd = openat(basefd, "sentinel/file", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
	must(fd >= 0, "sentinel file");
	must(write(fd, SENTINEL, strlen(SENTINEL)) == (ssize_t)strlen(SENTINEL), "write");
	close(fd);
}

/* base holds exactly "sentinel" (with exactly "file", unchanged) and
 * "layer" */
static void check_sentinel(void)
{
	int fd = openat(basefd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	must(fd >= 0, "open base");
	DIR *d = fdopendir(fd);
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *n = de->d_name;
		if (strcmp(n, ".") && strcmp(n, "..") && strcmp(n, "sentinel") &&
		    strcmp(n, "layer")) {
			fprintf(stderr, "escape: '%s' appeared beside the layer\n", n);
			abort();
		}
	}
	closedir(d);
	fd = openat(basefd, "sentinel", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	must(fd >= 0, "open sentinel");
	d = fdopendir(fd);
	int n = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (strcmp(de->d_name, "file") != 0) {
			fprintf(stderr, "escape: '%s' appeared in the sentinel\n", de->d_name);
			abort();
		}
		n++;
	}
	closedir(d);
	if (n != 1) {
		fprintf(stderr, "escape: sentinel file removed\n");
		abort();
	}
	char buf[64] = "";
	fd = openat(basefd, "sentinel/file", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	must(fd >= 0, "open sentinel file");
	ssize_t r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r != (ssize_t)strlen(SENTINEL) || memcmp(buf, SENTINEL, strlen(SENTINEL)) != 0) {
		fprintf(stderr, "escape: sentinel file changed\n");
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup_once();
	must(mkdirat(basefd, "layer", 0755) == 0, "mkdir layer");
	int dirfd = openat(basefd, "layer", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	must(dirfd >= 0, "open layer");
	int in = memfd_create("layer", MFD_CLOEXEC);
	must(in >= 0, "memfd");
	must(size == 0 || write(in, data, size) == (ssize_t)size, "write input");
	lseek(in, 0, SEEK_SET);
	/* small caps keep each run quick and exercise the limits */
	struct layer_unpack_options o = {
		.limits = { .max_entries = 1000, .max_total_size = 64 << 20 },
	};
	berth_error_t *err = NULL;
	layer_unpack(in, dirfd, &o, NULL, &err);
	berth_error_free(err);
	close(in);
	close(dirfd);
	check_sentinel();
	err = NULL;
	if (layer_remove_tree_at(basefd, "layer", &err) < 0) {
		fprintf(stderr, "cleanup: %s\n", err->msg);
		abort();
	}
	return 0;
}
