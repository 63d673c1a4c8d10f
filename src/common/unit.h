/* unit: the includes every cmocka unit test needs, in the order cmocka
 * requires, plus small assertions on berth errors. */
#ifndef BERTH_COMMON_UNIT_H
#define BERTH_COMMON_UNIT_H

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */
#include <ftw.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"

#ifdef __clang_analyzer__
/* cmocka leaves a failed or skipped test with longjmp but does not say so;
 * tell the static analyzer, so that it does not explore the paths past a
 * fail_msg() or skip() */
void _fail(const char *const file, const int line) __attribute__((noreturn));
void _skip(const char *const file, const int line) __attribute__((noreturn));
#endif

/* Assert that err is set and its message contains needle */
#define assert_error_contains(err, needle)                                       \
	do {                                                                     \
		assert_non_null(err);                                            \
		if (strstr((err)->msg, (needle)) == NULL)                        \
			fail_msg("error '%s' lacks '%s'", (err)->msg, (needle)); \
	} while (0)

static inline int unit_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

/* rm -rf path for fixtures (no shell): 0, or -1 when something stayed */
static inline int unit_rm_rf(const char *path)
{
	return nftw(path, unit_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
