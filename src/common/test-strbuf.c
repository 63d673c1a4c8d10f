/* Unit tests for strbuf: growth, formatting, detach and edge cases. */
#include "common/unit.h"

#include <stdlib.h>

#include "common/strbuf.h"

static void test_init_is_empty_string(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	strbuf_release(&sb);
	strbuf_rtrim(&sb);
	strbuf_reset(&sb);
	assert_string_equal(sb.buf, "");
}

static void test_add_and_grow(void **state)
{
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < 10000; i++)
		strbuf_addch(&sb, 'a' + i % 26);
	assert_int_equal(sb.len, 10000);
	assert_int_equal(sb.buf[10000], '\0');
	assert_true(sb.alloc > sb.len);
	assert_int_equal(sb.buf[27], 'b');
}

static void test_addf(void **state)
{
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "%s-%d", "x", 42);
	strbuf_addf(&sb, "%0500d", 7);
	assert_int_equal(sb.len, 4 + 500);
	assert_memory_equal(sb.buf, "x-42000", 7);
}

static void test_binary_data(void **state)
{
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	strbuf_add(&sb, "a\0b", 3);
	assert_int_equal(sb.len, 3);
	assert_memory_equal(sb.buf, "a\0b", 4);
}

static void test_detach_and_trim(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "hello \n\t ");
	strbuf_rtrim(&sb);
	size_t len = 0;
	char *s = strbuf_detach(&sb, &len);
	assert_string_equal(s, "hello");
	assert_int_equal(len, 5);
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	free(s);
	/* detach of an empty buffer still gives a freeable string */
	s = strbuf_detach(&sb, NULL);
	assert_string_equal(s, "");
	free(s);
}

static void test_setlen(void **state)
{
	cleanup_strbuf struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "abcdef");
	strbuf_setlen(&sb, 3);
	assert_string_equal(sb.buf, "abc");
	strbuf_reset(&sb);
	assert_string_equal(sb.buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_is_empty_string),
		cmocka_unit_test(test_add_and_grow),
		cmocka_unit_test(test_addf),
		cmocka_unit_test(test_binary_data),
		cmocka_unit_test(test_detach_and_trim),
		cmocka_unit_test(test_setlen),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
