/* Unit tests for bjson: capped loading (size, depth, duplicates, trailing
 * garbage, NUL bytes), line/column errors, and typed getters whose errors
 * name the field path. */
#include "common/unit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/xalloc.h"

/* Load s (which must parse) as the root of a test */
static json_t *load_ok(const char *s)
{
	json_t *j = NULL;
	cleanup_error berth_error_t *err = NULL;
	if (bjson_load(s, strlen(s), "test", 0, 0, &j, &err) < 0)
		fail_msg("'%s' refused: %s", s, err->msg);
	return j;
}

/* bjson_load must refuse len bytes of s with an error containing needle */
static void load_refuses(const char *s, size_t len, size_t max_size, size_t max_depth,
			 const char *needle)
{
	json_t *j = NULL;
	cleanup_error berth_error_t *err = NULL;
	if (bjson_load(s, len, "config.json", max_size, max_depth, &j, &err) == 0)
		fail_msg("'%.*s' accepted", (int)len, s);
	assert_null(j);
	assert_error_contains(err, needle);
}

static void test_load_ok(void **state)
{
	cleanup_json json_t *j = load_ok("{\"a\": [1, 2, {\"b\": null}], \"c\": \"d\"}\n");
	assert_true(json_is_object(j));
	cleanup_free char *s = bjson_dump(j);
	assert_string_equal(s, "{\"a\":[1,2,{\"b\":null}],\"c\":\"d\"}");
	cleanup_json json_t *scalar = load_ok("  42  ");
	assert_true(json_is_integer(scalar));
	cleanup_free char *s2 = bjson_dump(scalar);
	assert_string_equal(s2, "42");
	/* key order is insertion order */
	cleanup_json json_t *o = load_ok("{\"z\":1,\"a\":2,\"m\":3}");
	cleanup_free char *s3 = bjson_dump(o);
	assert_string_equal(s3, "{\"z\":1,\"a\":2,\"m\":3}");
	assert_null(bjson_dump(NULL));
}

static void test_load_malformed(void **state)
{
	const char *s = "{\n  \"a\": 1,\n  \"b\" 2\n}";
	load_refuses(s, strlen(s), 0, 0, "config.json: invalid JSON at line 3, column 7: ");
	load_refuses("", 0, 0, 0, "config.json: invalid JSON at line 1");
	load_refuses(NULL, 0, 0, 0, "config.json: invalid JSON");
	load_refuses("{\"a\":1,}", 8, 0, 0, "invalid JSON");
	load_refuses("[1,2", 4, 0, 0, "invalid JSON");
	load_refuses("\"\xff\"", 3, 0, 0, "invalid JSON");
	load_refuses("99999999999999999999", 20, 0, 0, "too big");
	load_refuses("1e999", 5, 0, 0, "invalid JSON");
}

static void test_load_trailing_and_dups(void **state)
{
	load_refuses("{\"a\":1} x", 9, 0, 0, "config.json: invalid JSON at line 1");
	load_refuses("{} {}", 5, 0, 0, "invalid JSON");
	load_refuses("1 2", 3, 0, 0, "invalid JSON");
	const char *dup = "{\"a\": 1,\n \"a\": 2}";
	load_refuses(dup, strlen(dup), 0, 0, "line 2");
	load_refuses(dup, strlen(dup), 0, 0, "duplicate");
	const char *nested = "{\"x\": {\"k\": 1, \"k\": 1}}";
	load_refuses(nested, strlen(nested), 0, 0, "duplicate");
}

static void test_load_nul(void **state)
{
	static const char raw_in_string[] = "{\"a\": \"b\0c\"}";
	load_refuses(raw_in_string, sizeof(raw_in_string) - 1, 0, 0, "invalid JSON");
	static const char raw_after[] = "{\"a\": 1}\0garbage";
	load_refuses(raw_after, sizeof(raw_after) - 1, 0, 0, "invalid JSON");
	static const char raw_before[] = "\0{}";
	load_refuses(raw_before, sizeof(raw_before) - 1, 0, 0, "invalid JSON");
	const char *escaped = "{\"a\": \"b\\u0000c\"}";
	load_refuses(escaped, strlen(escaped), 0, 0, "invalid JSON");
	static const char in_key[] = "{\"a\0b\": 1}";
	load_refuses(in_key, sizeof(in_key) - 1, 0, 0, "invalid JSON");
}

static void test_load_depth(void **state)
{
	json_t *j = NULL;
	/* exactly max_depth levels are fine */
	assert_int_equal(bjson_load("[[{\"a\":1}]]", 11, "t", 0, 3, &j, NULL), 0);
	json_decref(j);
	load_refuses("[[{\"a\":[]}]]", 12, 0, 3,
		     "config.json: JSON nested deeper than 3 levels at line 1");
	load_refuses("[\n[\n[\n[\n]]]]", 11, 0, 3, "deeper than 3 levels at line 4");
	/* brackets inside strings, escaped quotes included, do not count */
	const char *strs = "[\"[[[[\", \"\\\"[[[[\\\\\", \"{{{{\"]";
	assert_int_equal(bjson_load(strs, strlen(strs), "t", 0, 2, &j, NULL), 0);
	assert_int_equal(json_array_size(j), 3);
	assert_string_equal(json_string_value(json_array_get(j, 1)), "\"[[[[\\");
	json_decref(j);
	/* closing brackets lower the depth again */
	assert_int_equal(bjson_load("[[],[],[[]]]", 12, "t", 0, 3, &j, NULL), 0);
	json_decref(j);
	/* the default depth, and a depth far beyond it that must not reach jansson */
	size_t n = 100000;
	cleanup_free char *deep = xmalloc(2 * n);
	memset(deep, '[', n);
	memset(deep + n, ']', n);
	load_refuses(deep, 2 * n, 0, 0, "nested deeper than 64 levels at line 1");
	assert_int_equal(bjson_load(deep + n - 64, 128, "t", 0, 0, &j, NULL), 0);
	json_decref(j);
	load_refuses(deep + n - 65, 130, 0, 0, "deeper than 64");
}

static void test_load_size(void **state)
{
	json_t *j = NULL;
	assert_int_equal(bjson_load("[1,2]", 5, "t", 5, 0, &j, NULL), 0);
	json_decref(j);
	load_refuses("[1,2] ", 6, 5, 0, "config.json: JSON is 6 bytes, more than the limit of 5");
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(bjson_load("[1,2] ", 6, "t", 5, 0, &j, &err), -EFBIG);
}

/* Write s to a new temporary file; returns its path (caller unlinks, frees) */
static char *write_temp(const char *s, size_t len)
{
	char *path = xstrdup("/tmp/berth-test-bjson-XXXXXX");
	cleanup_close int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, s, len), (ssize_t)len);
	return path;
}

static void test_load_file(void **state)
{
	cleanup_free char *path = write_temp("{\"a\": 1}", 8);
	json_t *j = NULL;
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(bjson_load_file(path, 8, 0, &j, &err), 0);
	assert_int_equal(json_integer_value(json_object_get(j, "a")), 1);
	json_decref(j);
	j = NULL;
	assert_true(bjson_load_file(path, 7, 0, &j, &err) < 0);
	assert_null(j);
	assert_error_contains(err, path);
	assert_error_contains(err, "larger than the limit of 7 bytes");
	unlink(path);

	cleanup_free char *bad = write_temp("{\n\"a\": }", 8);
	assert_true(bjson_load_file(bad, 0, 0, &j, &err) < 0);
	cleanup_free char *want = xasprintf("%s: invalid JSON at line 2, column 6", bad);
	assert_error_contains(err, want);
	unlink(bad);

	assert_int_equal(bjson_load_file("/nonexistent/berth.json", 0, 0, &j, &err), -ENOENT);
	assert_error_contains(err, "open '/nonexistent/berth.json'");

	/* a file larger than the default chunk, within the limit */
	size_t n = 200000;
	cleanup_free char *big = xmalloc(n);
	memset(big, ' ', n);
	big[0] = '[';
	big[n - 1] = ']';
	cleanup_free char *bigpath = write_temp(big, n);
	assert_int_equal(bjson_load_file(bigpath, n, 0, &j, &err), 0);
	json_decref(j);
	assert_true(bjson_load_file(bigpath, n - 1, 0, &j, &err) < 0);
	assert_error_contains(err, "larger than the limit");
	unlink(bigpath);
}

static void test_paths(void **state)
{
	cleanup_free char *a = bjson_path_key(NULL, "process");
	cleanup_free char *b = bjson_path_key("", "process");
	cleanup_free char *c = bjson_path_key("process.user", "uid");
	cleanup_free char *d = bjson_path_index("process.args", 3);
	cleanup_free char *e = bjson_path_index(NULL, 0);
	assert_string_equal(a, "process");
	assert_string_equal(b, "process");
	assert_string_equal(c, "process.user.uid");
	assert_string_equal(d, "process.args[3]");
	assert_string_equal(e, "[0]");
	cleanup_json json_t *j = load_ok("[{}, [], \"\", 1, 1.5, true, false, null]");
	static const char *const names[] = { "an object",  "an array",      "a string",
					     "an integer", "a real number", "a boolean",
					     "a boolean",  "null" };
	for (size_t i = 0; i < 8; i++)
		assert_string_equal(bjson_type_name(json_array_get(j, i)), names[i]);
	assert_string_equal(bjson_type_name(NULL), "nothing");
}

static const char *const doc =
	"{\"process\": {\"cwd\": \"/\", \"terminal\": true, \"user\": {\"uid\": 1000, \"gid\": -1,"
	" \"big\": 4294967296, \"huge\": 9223372036854775807, \"real\": 1.0, \"name\": \"x\"},"
	" \"args\": [\"sh\", \"-c\", \"true\"], \"env\": [], \"bad\": [\"a\", \"b\", \"c\", 4],"
	" \"nothing\": null}, \"root\": {\"path\": \"rootfs\"}, \"hostname\": \"h\"}";

static void test_getters_ok(void **state)
{
	cleanup_json json_t *j = load_ok(doc);
	json_t *process = NULL, *user = NULL, *args = NULL;
	const char *cwd = NULL;
	bool terminal = false;
	int64_t i64 = 0;
	uint64_t u64 = 0;
	uint32_t u32 = 0;
	assert_int_equal(bjson_get_object(j, NULL, "process", BJSON_REQUIRED, &process, NULL), 0);
	assert_int_equal(bjson_get_string(process, "process", "cwd", BJSON_REQUIRED, &cwd, NULL),
			 0);
	assert_string_equal(cwd, "/");
	assert_int_equal(bjson_get_bool(process, "process", "terminal", 0, &terminal, NULL), 0);
	assert_true(terminal);
	assert_int_equal(bjson_get_object(process, "process", "user", 0, &user, NULL), 0);
	assert_int_equal(bjson_get_uint32(user, "process.user", "uid", 0, &u32, NULL), 0);
	assert_int_equal(u32, 1000);
	assert_int_equal(bjson_get_int64(user, "process.user", "gid", 0, &i64, NULL), 0);
	assert_int_equal(i64, -1);
	assert_int_equal(bjson_get_uint64(user, "process.user", "big", 0, UINT64_MAX, &u64, NULL),
			 0);
	assert_int_equal(u64, 4294967296ull);
	assert_int_equal(bjson_get_int64(user, "process.user", "huge", 0, &i64, NULL), 0);
	assert_true(i64 == INT64_MAX);
	assert_int_equal(bjson_get_int_range(user, "process.user", "uid", 0, 1000, 1000, &i64,
					     NULL),
			 0);
	assert_int_equal(i64, 1000);
	assert_int_equal(bjson_get_array(process, "process", "args", 0, &args, NULL), 0);
	assert_int_equal(json_array_size(args), 3);

	cleanup_strv char **argv = NULL;
	size_t argc = 0;
	assert_int_equal(bjson_get_strv(process, "process", "args", 0, &argv, &argc, NULL), 0);
	assert_int_equal(argc, 3);
	assert_string_equal(argv[0], "sh");
	assert_string_equal(argv[2], "true");
	assert_null(argv[3]);
	cleanup_strv char **env = NULL;
	assert_int_equal(bjson_get_strv(process, "process", "env", 0, &env, NULL, NULL), 0);
	assert_non_null(env);
	assert_null(env[0]);
}

static void test_getters_absent_and_null(void **state)
{
	cleanup_json json_t *j = load_ok(doc);
	json_t *process = json_object_get(j, "process");
	cleanup_error berth_error_t *err = NULL;
	/* absent and optional: untouched */
	const char *s = "default";
	assert_int_equal(bjson_get_string(process, "process", "missing", 0, &s, &err), 0);
	assert_string_equal(s, "default");
	uint32_t u32 = 7;
	assert_int_equal(bjson_get_uint32(process, "process", "missing", 0, &u32, &err), 0);
	assert_int_equal(u32, 7);
	char **v = (char **)&s;
	assert_int_equal(bjson_get_strv(process, "process", "missing", 0, &v, NULL, &err), 0);
	assert_ptr_equal(v, (char **)&s);
	assert_null(err);
	/* absent and required */
	assert_int_equal(bjson_get_string(process, "process", "missing", BJSON_REQUIRED, &s, &err),
			 -EINVAL);
	assert_string_equal(berth_error_cause(err), "process: missing required field 'missing'");
	assert_true(bjson_get_object(j, NULL, "linux", BJSON_REQUIRED, &(json_t *){ NULL }, &err) <
		    0);
	assert_string_equal(berth_error_cause(err), "missing required field 'linux'");
	assert_true(bjson_get_object(j, "", "linux", BJSON_REQUIRED, &(json_t *){ NULL }, &err) <
		    0);
	assert_string_equal(berth_error_cause(err), "missing required field 'linux'");
	/* null with BJSON_ALLOW_NULL reads as absent, even when required */
	berth_error_release(&err);
	assert_int_equal(bjson_get_string(process, "process", "nothing", BJSON_ALLOW_NULL, &s,
					  &err),
			 0);
	assert_int_equal(bjson_get_string(process, "process", "nothing",
					  BJSON_ALLOW_NULL | BJSON_REQUIRED, &s, &err),
			 0);
	assert_string_equal(s, "default");
	assert_null(err);
	/* null without it is a type error, required or not */
	assert_true(bjson_get_string(process, "process", "nothing", 0, &s, &err) < 0);
	assert_string_equal(berth_error_cause(err), "process.nothing: expected a string, got null");
	assert_true(bjson_get_uint32(process, "process", "nothing", BJSON_REQUIRED, &u32, &err) <
		    0);
	assert_string_equal(berth_error_cause(err),
			    "process.nothing: expected an integer, got null");
	assert_string_equal(s, "default");
	assert_int_equal(u32, 7);
}

/* Every getter on a field of the wrong type names the path and both types */
static void test_getters_wrong_types(void **state)
{
	cleanup_json json_t *j = load_ok(doc);
	json_t *process = json_object_get(j, "process");
	json_t *user = json_object_get(process, "user");
	cleanup_error berth_error_t *err = NULL;
	const char *s;
	bool b;
	int64_t i64;
	uint64_t u64;
	uint32_t u32;
	json_t *o;
	char **v = NULL;
	size_t n = 99;

	assert_true(bjson_get_string(process, "process", "terminal", 0, &s, &err) < 0);
	assert_string_equal(berth_error_cause(err),
			    "process.terminal: expected a string, got a boolean");
	assert_true(bjson_get_bool(process, "process", "cwd", 0, &b, &err) < 0);
	assert_string_equal(berth_error_cause(err),
			    "process.cwd: expected a boolean, got a string");
	assert_true(bjson_get_int64(user, "process.user", "name", 0, &i64, &err) < 0);
	assert_string_equal(berth_error_cause(err),
			    "process.user.name: expected an integer, got a string");
	assert_true(bjson_get_uint32(user, "process.user", "name", 0, &u32, &err) < 0);
	assert_string_equal(berth_error_cause(err),
			    "process.user.name: expected an integer, got a string");
	assert_true(bjson_get_uint64(user, "process.user", "real", 0, 10, &u64, &err) < 0);
	assert_string_equal(berth_error_cause(err),
			    "process.user.real: expected an integer, got a real number");
	assert_true(bjson_get_int_range(process, "process", "args", 0, 0, 1, &i64, &err) < 0);
	assert_string_equal(berth_error_cause(err),
			    "process.args: expected an integer, got an array");
	assert_true(bjson_get_object(process, "process", "args", 0, &o, &err) < 0);
	assert_string_equal(berth_error_cause(err),
			    "process.args: expected an object, got an array");
	assert_true(bjson_get_array(process, "process", "user", 0, &o, &err) < 0);
	assert_string_equal(berth_error_cause(err),
			    "process.user: expected an array, got an object");
	assert_true(bjson_get_strv(process, "process", "cwd", 0, &v, &n, &err) < 0);
	assert_string_equal(berth_error_cause(err), "process.cwd: expected an array, got a string");
	assert_true(bjson_get_strv(process, "process", "bad", 0, &v, &n, &err) < 0);
	assert_string_equal(berth_error_cause(err),
			    "process.bad[3]: expected a string, got an integer");
	assert_int_equal(err->errnum, EINVAL);
	assert_true(bjson_get_strv(j, NULL, "hostname", 0, &v, &n, &err) < 0);
	assert_string_equal(berth_error_cause(err), "hostname: expected an array, got a string");
	assert_null(v);
	assert_int_equal(n, 99);
}

static void test_getters_range(void **state)
{
	cleanup_json json_t *j = load_ok(doc);
	json_t *user = json_object_get(json_object_get(j, "process"), "user");
	cleanup_error berth_error_t *err = NULL;
	uint32_t u32 = 5;
	uint64_t u64 = 5;
	int64_t i64 = 5;
	assert_int_equal(bjson_get_uint32(user, "process.user", "big", 0, &u32, &err), -ERANGE);
	assert_string_equal(berth_error_cause(err),
			    "process.user.big: 4294967296 is out of range [0, 4294967295]");
	assert_true(bjson_get_uint32(user, "process.user", "gid", 0, &u32, &err) < 0);
	assert_string_equal(berth_error_cause(err),
			    "process.user.gid: -1 is out of range [0, 4294967295]");
	assert_true(bjson_get_uint64(user, "process.user", "gid", 0, UINT64_MAX, &u64, &err) < 0);
	assert_string_equal(berth_error_cause(err),
			    "process.user.gid: -1 is out of range [0, 18446744073709551615]");
	assert_true(bjson_get_uint64(user, "process.user", "uid", 0, 999, &u64, &err) < 0);
	assert_string_equal(berth_error_cause(err),
			    "process.user.uid: 1000 is out of range [0, 999]");
	assert_true(bjson_get_int_range(user, "process.user", "gid", 0, 0, 10, &i64, &err) < 0);
	assert_string_equal(berth_error_cause(err), "process.user.gid: -1 is out of range [0, 10]");
	assert_true(bjson_get_int_range(user, "process.user", "huge", 0, INT64_MIN, 0, &i64, &err) <
		    0);
	assert_error_contains(err, "9223372036854775807 is out of range [-9223372036854775808, 0]");
	assert_int_equal(u32, 5);
	assert_int_equal(u64, 5);
	assert_int_equal(i64, 5);
}

static void test_non_object_parent(void **state)
{
	cleanup_json json_t *j = load_ok(doc);
	json_t *args = json_object_get(json_object_get(j, "process"), "args");
	cleanup_json json_t *arr = load_ok("[1]");
	cleanup_error berth_error_t *err = NULL;
	const char *s;
	assert_true(bjson_get_string(args, "process.args", "x", 0, &s, &err) < 0);
	assert_string_equal(berth_error_cause(err),
			    "process.args: expected an object, got an array");
	assert_true(bjson_get_string(arr, NULL, "x", 0, &s, &err) < 0);
	assert_string_equal(berth_error_cause(err), "expected an object, got an array");
	assert_true(bjson_get_bool(NULL, "a.b", "x", 0, &(bool){ false }, &err) < 0);
	assert_string_equal(berth_error_cause(err), "a.b: expected an object, got nothing");
	assert_true(bjson_check_known_keys(arr, "a", (const char *const[]){ NULL }, &err) < 0);
	assert_string_equal(berth_error_cause(err), "a: expected an object, got an array");
}

static void test_known_keys(void **state)
{
	cleanup_json json_t *j = load_ok(doc);
	cleanup_error berth_error_t *err = NULL;
	static const char *const top[] = { "process", "root", "hostname", NULL };
	static const char *const root_keys[] = { "path", "readonly", NULL };
	static const char *const few[] = { "process", NULL };
	assert_int_equal(bjson_check_known_keys(j, NULL, top, &err), 0);
	assert_int_equal(bjson_check_known_keys(json_object_get(j, "root"), "root", root_keys,
						&err),
			 0);
	assert_int_equal(bjson_check_known_keys(j, NULL, few, &err), -EINVAL);
	assert_string_equal(berth_error_cause(err), "unknown field 'root'");
	assert_true(bjson_check_known_keys(json_object_get(j, "root"), "root", few, &err) < 0);
	assert_string_equal(berth_error_cause(err), "root: unknown field 'path'");
	cleanup_json json_t *empty = load_ok("{}");
	assert_int_equal(bjson_check_known_keys(empty, "x", few, &err), 0);
	assert_true(bjson_check_known_keys(j, "", NULL, &err) < 0);
	assert_string_equal(berth_error_cause(err), "unknown field 'process'");
}

static void test_big_uint64(void **state)
{
	static const char bigdoc[] = "{\"inf\":18446744073709551615,\"max\":9223372036854775807,"
				     "\"big\":9223372036854775808,\"s\":\"18446744073709551615\","
				     "\"neg\":-9223372036854775808,\"real\":18446744073709551615.0,"
				     "\"arr\":[1,18446744073709551614]}";
	cleanup_json json_t *j = NULL;
	assert_int_equal(bjson_load(bigdoc, sizeof(bigdoc) - 1, "t", 0, 0, &j, NULL), 0);
	uint64_t v = 0;
	assert_int_equal(bjson_get_uint64(j, NULL, "inf", 0, UINT64_MAX, &v, NULL), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(bjson_get_uint64(j, NULL, "big", 0, UINT64_MAX, &v, NULL), 0);
	assert_true(v == (uint64_t)INT64_MAX + 1);
	assert_int_equal(bjson_get_uint64(j, NULL, "max", 0, UINT64_MAX, &v, NULL), 0);
	assert_true(v == (uint64_t)INT64_MAX);
	/* a real string of digits stays a string */
	assert_true(bjson_get_uint64(j, NULL, "s", 0, UINT64_MAX, &v, NULL) < 0);
	cleanup_error berth_error_t *err = NULL;
	assert_true(bjson_get_uint32(j, NULL, "inf", 0, &(uint32_t){ 0 }, &err) < 0);
	assert_error_contains(err, "inf: 18446744073709551615 is out of range");
	/* an array element (no key to look up) reads the same way */
	json_t *arr = json_object_get(j, "arr");
	assert_int_equal(bjson_value_uint64(json_array_get(arr, 1), "arr[1]", UINT64_MAX, &v, NULL),
			 0);
	assert_true(v == UINT64_MAX - 1);
	cleanup_error berth_error_t *aerr = NULL;
	assert_true(bjson_value_uint64(json_array_get(arr, 1), "arr[1]", UINT32_MAX, &v, &aerr) <
		    0);
	assert_string_equal(aerr->msg,
			    "arr[1]: 18446744073709551614 is out of range [0, 4294967295]");
	cleanup_error berth_error_t *terr = NULL;
	assert_true(bjson_value_uint64(json_object_get(j, "s"), "s", UINT64_MAX, &v, &terr) < 0);
	assert_string_equal(terr->msg, "s: expected an integer, got a string");
	/* the dump gives the same numbers back */
	cleanup_free char *out = bjson_dump(j);
	assert_non_null(strstr(out, "\"inf\":18446744073709551615"));
	assert_non_null(strstr(out, "18446744073709551614]"));
	assert_non_null(strstr(out, "\"s\":\"18446744073709551615\""));
	json_t *made = bjson_uint64(UINT64_MAX);
	cleanup_free char *m = bjson_dump(made);
	json_decref(made);
	assert_string_equal(m, "18446744073709551615");
	/* a big integer where a string is wanted is a type error */
	const char *str = NULL;
	cleanup_error berth_error_t *serr = NULL;
	assert_true(bjson_get_string(j, NULL, "inf", 0, &str, &serr) < 0);
	assert_error_contains(serr, "inf: expected a string, got an integer");
	/* a document may not forge the marker, raw or escaped */
	cleanup_json json_t *forged = NULL;
	cleanup_error berth_error_t *ferr = NULL;
	assert_true(bjson_load("\"\xef\xb7\x90u64:622\"", 12, "t", 0, 0, &forged, &ferr) < 0);
	assert_error_contains(ferr, "reserved noncharacter U+FDD0");
	static const char esc_value[] = "{\"a\":\"\\ufdd0u64:1\"}";
	static const char esc_key[] = "{\"\\ufdd0u64:1\":1}";
	cleanup_error berth_error_t *verr = NULL, *kerr = NULL;
	assert_true(bjson_load(esc_value, strlen(esc_value), "t", 0, 0, &forged, &verr) < 0);
	assert_error_contains(verr, "U+FDD0");
	assert_true(bjson_load(esc_key, strlen(esc_key), "t", 0, 0, &forged, &kerr) < 0);
	assert_error_contains(kerr, "U+FDD0");
	/* beyond uint64 is still refused */
	cleanup_json json_t *k = NULL;
	assert_true(bjson_load("[18446744073709551616]", 22, "t", 0, 0, &k, NULL) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_big_uint64),
		cmocka_unit_test(test_load_ok),
		cmocka_unit_test(test_load_malformed),
		cmocka_unit_test(test_load_trailing_and_dups),
		cmocka_unit_test(test_load_nul),
		cmocka_unit_test(test_load_depth),
		cmocka_unit_test(test_load_size),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_getters_ok),
		cmocka_unit_test(test_getters_absent_and_null),
		cmocka_unit_test(test_getters_wrong_types),
		cmocka_unit_test(test_getters_range),
		cmocka_unit_test(test_non_object_parent),
		cmocka_unit_test(test_known_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
