/* Unit tests of tar-read.c and tar-write.c: archives from the writer read
 * back entry for entry (pax for long names, links and big numbers), fed in
 * every split and byte by byte; crafted bad headers, checksums and pax
 * records fail cleanly; names are reported as they are in the archive. */
#include "common/unit.h"

#include <errno.h>
#include <stdlib.h>

#include "common/strbuf.h"
#include "common/tar.h"
#include "common/xalloc.h"

#define MAX_ENTRIES 16

struct got_entry {
	char type;
	char *name, *link;
	uint32_t mode;
	uint64_t uid, gid, size;
	int64_t mtime;
	struct strbuf data;
	bool ended;
};

struct got {
	struct got_entry e[MAX_ENTRIES];
	size_t n;
	int fail_at; /* entry callback fails on this entry (1-based), 0 never */
};

static int got_entry(const struct tar_entry *e, void *ud, berth_error_t **err)
{
	struct got *g = ud;
	if (g->fail_at && (int)g->n + 1 == g->fail_at)
		return berth_error_fail(err, EPERM, "refused '%s'", e->name);
	assert_true(g->n < MAX_ENTRIES);
	assert_true(g->n == 0 || g->e[g->n - 1].ended);
	struct got_entry *x = &g->e[g->n++];
	x->type = e->type;
	x->name = xstrdup(e->name);
	x->link = xstrdup(e->link);
	x->mode = e->mode;
	x->uid = e->uid;
	x->gid = e->gid;
	x->size = e->size;
	x->mtime = e->mtime;
	strbuf_init(&x->data, 0);
	return 0;
}

static int got_data(const void *buf, size_t len, void *ud, berth_error_t **err)
{
	struct got *g = ud;
	assert_true(g->n > 0 && len > 0);
	assert_false(g->e[g->n - 1].ended);
	strbuf_add(&g->e[g->n - 1].data, buf, len);
	return 0;
}

static int got_end(void *ud, berth_error_t **err)
{
	struct got *g = ud;
	assert_true(g->n > 0);
	g->e[g->n - 1].ended = true;
	return 0;
}

static const struct tar_reader_ops got_ops = { got_entry, got_data, got_end };

static void got_release(struct got *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->e[i].name);
		free(g->e[i].link);
		strbuf_release(&g->e[i].data);
	}
	memset(g, 0, sizeof(*g));
}

/* Append an entry with data (padded) to an archive */
static void add(struct strbuf *tar, const struct tar_entry *e, const char *data)
{
	tar_header_format(tar, e);
	size_t n = data ? strlen(data) : 0;
	assert_int_equal(n, e->size);
	strbuf_add(tar, data, n);
	static const char zeros[TAR_BLOCK_SIZE];
	strbuf_add(tar, zeros, tar_pad_size(n));
}

static void add_end(struct strbuf *tar)
{
	static const char zeros[2 * TAR_BLOCK_SIZE];
	strbuf_add(tar, zeros, sizeof(zeros));
}

static char long_name[201], long_target[301];

/* The archive of the round trip and the split tests */
static void sample(struct strbuf *tar)
{
	memset(long_name, 'n', 200);
	memcpy(long_name, "d/", 2);
	memset(long_target, 't', 300);
	struct tar_entry dir = { .type = TAR_DIR, .name = "d/", .mode = 0755, .mtime = 1700000000 };
	struct tar_entry f = { .type = TAR_REG,
			       .name = "d/f",
			       .mode = 0640,
			       .uid = 1000,
			       .gid = 100,
			       .mtime = 1700000001,
			       .size = 6 };
	struct tar_entry empty = { .type = TAR_REG, .name = "d/empty", .mode = 0600 };
	struct tar_entry sym = { .type = TAR_SYMLINK, .name = "d/link", .link = "f", .mode = 0777 };
	struct tar_entry hard = { .type = TAR_LINK, .name = "d/hard", .link = "d/f", .mode = 0640 };
	struct tar_entry lng = { .type = TAR_REG, .name = long_name, .mode = 0644, .size = 600 };
	struct tar_entry lsym = { .type = TAR_SYMLINK, .name = "d/far", .link = long_target };
	/* ids over 7 octal digits and a time before 1970 go into pax */
	struct tar_entry ids = {
		.type = TAR_REG, .name = "d/ids", .uid = 100000000, .gid = 4000000000u, .mtime = -5
	};
	char big[601];
	for (size_t i = 0; i < 600; i++)
		big[i] = (char)('a' + i % 26);
	big[600] = '\0';
	add(tar, &dir, NULL);
	add(tar, &f, "hello\n");
	add(tar, &empty, NULL);
	add(tar, &sym, NULL);
	add(tar, &hard, NULL);
	add(tar, &lng, big);
	add(tar, &lsym, NULL);
	add(tar, &ids, NULL);
	add_end(tar);
}

static void check_sample(const struct got *g)
{
	assert_int_equal(g->n, 8);
	for (size_t i = 0; i < g->n; i++)
		assert_true(g->e[i].ended);
	assert_int_equal(g->e[0].type, TAR_DIR);
	assert_string_equal(g->e[0].name, "d/");
	assert_int_equal(g->e[0].mode, 0755);
	assert_int_equal(g->e[0].mtime, 1700000000);
	assert_int_equal(g->e[1].type, TAR_REG);
	assert_string_equal(g->e[1].name, "d/f");
	assert_string_equal(g->e[1].link, "");
	assert_int_equal(g->e[1].mode, 0640);
	assert_int_equal(g->e[1].uid, 1000);
	assert_int_equal(g->e[1].gid, 100);
	assert_int_equal(g->e[1].mtime, 1700000001);
	assert_int_equal(g->e[1].size, 6);
	assert_string_equal(g->e[1].data.buf, "hello\n");
	assert_string_equal(g->e[2].name, "d/empty");
	assert_int_equal(g->e[2].size, 0);
	assert_int_equal(g->e[2].data.len, 0);
	assert_int_equal(g->e[3].type, TAR_SYMLINK);
	assert_string_equal(g->e[3].link, "f");
	assert_int_equal(g->e[4].type, TAR_LINK);
	assert_string_equal(g->e[4].name, "d/hard");
	assert_string_equal(g->e[4].link, "d/f");
	assert_string_equal(g->e[5].name, long_name);
	assert_int_equal(g->e[5].data.len, 600);
	assert_int_equal(g->e[5].data.buf[599], 'a' + 599 % 26);
	assert_string_equal(g->e[6].name, "d/far");
	assert_string_equal(g->e[6].link, long_target);
	assert_int_equal(g->e[7].uid, 100000000);
	assert_int_equal(g->e[7].gid, 4000000000u);
	assert_int_equal(g->e[7].mtime, -5);
}

static void test_roundtrip(void **state)
{
	struct strbuf tar = STRBUF_INIT;
	sample(&tar);
	assert_int_equal(tar.len % TAR_BLOCK_SIZE, 0);
	struct got g = { .n = 0 };
	struct tar_reader *r = tar_reader_new(&got_ops, &g);
	berth_error_t *err = NULL;
	assert_int_equal(tar_reader_feed(r, tar.buf, tar.len, &err), 0);
	assert_null(err);
	assert_true(tar_reader_done(r));
	assert_int_equal(tar_reader_finish(r, &err), 0);
	check_sample(&g);
	/* what follows the end block is ignored */
	assert_int_equal(tar_reader_feed(r, "garbage", 7, &err), 0);
	assert_int_equal(g.n, 8);
	tar_reader_free(r);
	got_release(&g);
	strbuf_release(&tar);
}

/* The same entries whatever the chunks: every split in two, and 1-byte */
static void test_every_split(void **state)
{
	struct strbuf tar = STRBUF_INIT;
	sample(&tar);
	for (size_t at = 0; at <= tar.len; at++) {
		struct got g = { .n = 0 };
		struct tar_reader *r = tar_reader_new(&got_ops, &g);
		berth_error_t *err = NULL;
		assert_int_equal(tar_reader_feed(r, tar.buf, at, &err), 0);
		assert_int_equal(tar_reader_feed(r, tar.buf + at, tar.len - at, &err), 0);
		assert_int_equal(tar_reader_finish(r, &err), 0);
		check_sample(&g);
		tar_reader_free(r);
		got_release(&g);
	}
	struct got g = { .n = 0 };
	struct tar_reader *r = tar_reader_new(&got_ops, &g);
	for (size_t i = 0; i < tar.len; i++)
		assert_int_equal(tar_reader_feed(r, tar.buf + i, 1, NULL), 0);
	check_sample(&g);
	tar_reader_free(r);
	got_release(&g);
	strbuf_release(&tar);
}

/* Sizes from 8 GiB do not fit 11 octal digits: pax carries them; the
 * largest that fits stays in the header */
static void test_big_sizes(void **state)
{
	static const uint64_t sizes[] = { 077777777777ULL, 077777777777ULL + 1, 10ULL << 30,
					  UINT64_MAX - 511 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct strbuf tar = STRBUF_INIT;
		struct tar_entry e = { .type = TAR_REG, .name = "big", .size = sizes[i] };
		tar_header_format(&tar, &e);
		assert_int_equal(tar.len, i == 0 ? TAR_BLOCK_SIZE : 3 * TAR_BLOCK_SIZE);
		struct got g = { .n = 0 };
		struct tar_reader *r = tar_reader_new(&got_ops, &g);
		berth_error_t *err = NULL;
		assert_int_equal(tar_reader_feed(r, tar.buf, tar.len, &err), 0);
		assert_int_equal(g.n, 1);
		assert_int_equal(g.e[0].size, sizes[i]);
		/* the data never came */
		assert_true(tar_reader_finish(r, &err) < 0);
		assert_error_contains(err, "unexpected end");
		berth_error_free(err);
		tar_reader_free(r);
		got_release(&g);
		strbuf_release(&tar);
	}
}

static int feed_one(const char *buf, size_t len, struct got *g, berth_error_t **ret_err);

/* Times that do not fit 11 octal digits, both ways, go through pax */
static void test_extreme_times(void **state)
{
	static const int64_t times[] = { INT64_MIN,          -1,       0, 077777777777LL,
					 077777777777LL + 1, INT64_MAX };
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		struct strbuf tar = STRBUF_INIT;
		struct tar_entry e = { .type = TAR_DIR, .name = "t/", .mtime = times[i] };
		tar_header_format(&tar, &e);
		struct got g = { .n = 0 };
		berth_error_t *err = NULL;
		assert_int_equal(feed_one(tar.buf, tar.len, &g, &err), 0);
		assert_int_equal(g.n, 1);
		assert_true(g.e[0].mtime == times[i]);
		got_release(&g);
		strbuf_release(&tar);
	}
}

static void header_fix_checksum(char *h)
{
	memset(h + 148, ' ', 8);
	unsigned sum = 0;
	for (size_t i = 0; i < TAR_BLOCK_SIZE; i++)
		sum += (uint8_t)h[i];
	snprintf(h + 148, 8, "%06o", sum);
}

/* Feed one crafted archive; returns the feed's result, *ret_err its error */
static int feed_one(const char *buf, size_t len, struct got *g, berth_error_t **ret_err)
{
	struct tar_reader *r = tar_reader_new(&got_ops, g);
	int ret = tar_reader_feed(r, buf, len, ret_err);
	if (ret == 0)
		ret = tar_reader_finish(r, ret_err);
	tar_reader_free(r);
	return ret;
}

/* GNU base-256 numbers, and the ones that do not fit 64 bits */
static void test_base256(void **state)
{
	struct strbuf tar = STRBUF_INIT;
	struct tar_entry e = { .type = TAR_DIR, .name = "x/" };
	tar_header_format(&tar, &e);
	/* size 2^40 in base-256 */
	memset(tar.buf + 124, 0, 12);
	tar.buf[124] = (char)0x80;
	tar.buf[124 + 6] = 1;
	header_fix_checksum(tar.buf);
	struct got g = { .n = 0 };
	berth_error_t *err = NULL;
	struct tar_reader *r = tar_reader_new(&got_ops, &g);
	assert_int_equal(tar_reader_feed(r, tar.buf, tar.len, &err), 0);
	assert_int_equal(g.e[0].size, 1ULL << 40);
	tar_reader_free(r);
	got_release(&g);
	/* 2^64: too big; negative: refused */
	tar.buf[124 + 3] = 1;
	header_fix_checksum(tar.buf);
	assert_true(feed_one(tar.buf, tar.len, &g, &err) < 0);
	assert_error_contains(err, "invalid tar header");
	berth_error_release(&err);
	memset(tar.buf + 124, 0xff, 12);
	header_fix_checksum(tar.buf);
	assert_true(feed_one(tar.buf, tar.len, &g, &err) < 0);
	assert_error_contains(err, "invalid tar header");
	berth_error_release(&err);
	/* a negative base-256 mtime is a time before 1970 */
	memcpy(tar.buf + 124, "00000000000\0", 12);
	memset(tar.buf + 136, 0xff, 12);
	tar.buf[147] = (char)0xfe; /* -2 */
	header_fix_checksum(tar.buf);
	r = tar_reader_new(&got_ops, &g);
	assert_int_equal(tar_reader_feed(r, tar.buf, tar.len, &err), 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.e[0].mtime, -2);
	tar_reader_free(r);
	got_release(&g);
	memcpy(tar.buf + 136, "00000000000\0", 12);
	/* not octal */
	memcpy(tar.buf + 124, "0000000008x\0", 12);
	header_fix_checksum(tar.buf);
	assert_true(feed_one(tar.buf, tar.len, &g, &err) < 0);
	berth_error_release(&err);
	assert_int_equal(g.n, 0);
	strbuf_release(&tar);
}

static void test_bad_checksum(void **state)
{
	struct strbuf tar = STRBUF_INIT;
	sample(&tar);
	tar.buf[3] ^= 1; /* in the first name */
	struct got g = { .n = 0 };
	berth_error_t *err = NULL;
	struct tar_reader *r = tar_reader_new(&got_ops, &g);
	assert_true(tar_reader_feed(r, tar.buf, tar.len, &err) < 0);
	assert_error_contains(err, "invalid tar header");
	assert_int_equal(err->errnum, EINVAL);
	assert_int_equal(g.n, 0);
	berth_error_release(&err);
	/* failed for good */
	assert_true(tar_reader_feed(r, tar.buf, 1, &err) < 0);
	berth_error_release(&err);
	assert_true(tar_reader_finish(r, &err) < 0);
	berth_error_release(&err);
	tar_reader_free(r);
	got_release(&g);
	strbuf_release(&tar);
}

static void test_truncated(void **state)
{
	struct strbuf tar = STRBUF_INIT;
	sample(&tar);
	/* inside the first header, inside f's data, inside its padding, after
	 * the pax header of the long name: all end unexpectedly */
	static const size_t cuts[] = { 300, 512 + 512 + 3, 512 + 512 + 100, 512 * 7 + 10, 512 * 8 };
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		struct got g = { .n = 0 };
		berth_error_t *err = NULL;
		assert_true(feed_one(tar.buf, cuts[i], &g, &err) < 0);
		assert_error_contains(err, "unexpected end");
		berth_error_release(&err);
		got_release(&g);
	}
	/* on a block boundary without the end blocks: accepted, as GNU tar */
	struct got g = { .n = 0 };
	berth_error_t *err = NULL;
	assert_int_equal(feed_one(tar.buf, 3 * 512, &g, &err), 0);
	assert_int_equal(g.n, 2);
	got_release(&g);
	strbuf_release(&tar);
}

/* A pax 'x' header with the given records, then an entry named "plain" */
static void pax_archive(struct strbuf *tar, const char *records)
{
	struct tar_entry x = { .type = 'x', .name = "PaxHeaders/x", .size = strlen(records) };
	struct tar_entry e = { .type = TAR_REG, .name = "plain" };
	add(tar, &x, records);
	add(tar, &e, NULL);
	add_end(tar);
}

static void test_pax_records(void **state)
{
	static const char *const bad[] = {
		"99 path=x\n",                    /* longer than the data */
		"1 path=x\n",                     /* shorter than its own length field */
		"5 pa\n",                         /* no '=' */
		"8 path=x\n",                     /* last byte not '\n' */
		"abc path=x\n",                   /* no length */
		"11path=abc\n",                   /* no space */
		"7 =abc\n",                       /* empty key */
		"12 size=1x2\n",                  /* not a number */
		"29 size=99999999999999999999\n", /* over 64 bits */
		"14 mtime=1.2x\n",                /* bad fraction */
		"11 path=ab\nxx",                 /* trailing bytes that are no record */
		"00000000000000000000000000000000000000000000000000000009 path=x\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct strbuf tar = STRBUF_INIT;
		pax_archive(&tar, bad[i]);
		struct got g = { .n = 0 };
		berth_error_t *err = NULL;
		if (feed_one(tar.buf, tar.len, &g, &err) >= 0)
			fail_msg("pax '%s' accepted", bad[i]);
		assert_error_contains(err, "invalid pax header");
		assert_int_equal(g.n, 0);
		berth_error_release(&err);
		got_release(&g);
		strbuf_release(&tar);
	}
	/* good ones, with a fraction in mtime, an unknown key, and an empty
	 * value that removes a path set before */
	struct strbuf tar = STRBUF_INIT;
	pax_archive(&tar, "12 path=abc\n17 mtime=12.5001\n18 SCHILY.xattr=x\n8 path=\n"
			  "14 linkpath=t\n");
	struct got g = { .n = 0 };
	berth_error_t *err = NULL;
	assert_int_equal(feed_one(tar.buf, tar.len, &g, &err), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.e[0].name, "plain");
	assert_string_equal(g.e[0].link, "t");
	assert_int_equal(g.e[0].mtime, 12);
	got_release(&g);
	strbuf_release(&tar);
	/* a pax header over TAR_META_MAX is refused before its data */
	char h[TAR_BLOCK_SIZE];
	struct strbuf hb = STRBUF_INIT;
	struct tar_entry x = { .type = 'x', .name = "PaxHeaders/x", .size = TAR_META_MAX + 1 };
	tar_header_format(&hb, &x);
	memcpy(h, hb.buf, sizeof(h));
	assert_true(feed_one(h, sizeof(h), &g, &err) < 0);
	assert_int_equal(err->errnum, EFBIG);
	berth_error_release(&err);
	strbuf_release(&hb);
}

/* A GNU long name ('L') and a ustar prefix */
static void test_gnu_and_prefix(void **state)
{
	struct strbuf tar = STRBUF_INIT;
	struct tar_entry l = { .type = 'L', .name = "././@LongLink", .size = 5 };
	struct tar_entry e = { .type = TAR_REG, .name = "short" };
	add(&tar, &l, "long!");
	add(&tar, &e, NULL);
	size_t at = tar.len;
	add(&tar, &e, NULL);
	memcpy(tar.buf + at + 345, "pre/fix", 7);
	header_fix_checksum(tar.buf + at);
	add_end(&tar);
	struct got g = { .n = 0 };
	berth_error_t *err = NULL;
	assert_int_equal(feed_one(tar.buf, tar.len, &g, &err), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.e[0].name, "long!");
	assert_string_equal(g.e[1].name, "pre/fix/short");
	got_release(&g);
	strbuf_release(&tar);
}

/* The reader reports names as they are; tar_name_clean is what an
 * extraction policy (berth cp's) refuses them with */
static void test_names_as_is(void **state)
{
	struct strbuf tar = STRBUF_INIT;
	struct tar_entry e1 = { .type = TAR_REG, .name = "../../etc/passwd" };
	struct tar_entry e2 = { .type = TAR_LINK, .name = "/abs", .link = "../up" };
	add(&tar, &e1, NULL);
	add(&tar, &e2, NULL);
	add_end(&tar);
	struct got g = { .n = 0 };
	berth_error_t *err = NULL;
	assert_int_equal(feed_one(tar.buf, tar.len, &g, &err), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.e[0].name, "../../etc/passwd");
	assert_string_equal(g.e[1].name, "/abs");
	assert_string_equal(g.e[1].link, "../up");
	got_release(&g);
	/* a callback's failure stops the reader with its error */
	g.fail_at = 2;
	assert_true(feed_one(tar.buf, tar.len, &g, &err) < 0);
	assert_error_contains(err, "refused '/abs'");
	assert_int_equal(g.n, 1);
	berth_error_release(&err);
	got_release(&g);
	strbuf_release(&tar);

	static const char *const refused[] = { "../x", "a/../../x", "a/..", "..",
					       "",     "/",         "./.",  "a/b/../c" };
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		char *c = tar_name_clean(refused[i], 4096);
		if (c)
			fail_msg("'%s' cleaned to '%s'", refused[i], c);
	}
	static const char *const ok[][2] = {
		{ "/etc/passwd", "etc/passwd" },
		{ "./a//b/./c/", "a/b/c" },
		{ "a..b/..c", "a..b/..c" },
		{ "...", "..." },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char *c = tar_name_clean(ok[i][0], 4096);
		assert_non_null(c);
		assert_string_equal(c, ok[i][1]);
		free(c);
	}
	assert_null(tar_name_clean("abcdef", 5));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),    cmocka_unit_test(test_every_split),
		cmocka_unit_test(test_big_sizes),    cmocka_unit_test(test_base256),
		cmocka_unit_test(test_bad_checksum), cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_pax_records),  cmocka_unit_test(test_gnu_and_prefix),
		cmocka_unit_test(test_names_as_is),  cmocka_unit_test(test_extreme_times),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
