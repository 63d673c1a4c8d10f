/* Unit tests for state: runc-shaped output, round trips, status names,
 * RFC 3339 times, and each refusal with its field path. */
#include "common/unit.h"

#include <stdlib.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "oci/state.h"

static const char runc_state[] =
	"{\"ociVersion\": \"1.1.0\", \"id\": \"box\", \"pid\": 4422, \"status\": \"running\","
	" \"bundle\": \"/containers/box\", \"rootfs\": \"/containers/box/rootfs\","
	" \"created\": \"2024-05-01T10:00:00.123456789Z\", \"owner\": \"\","
	" \"annotations\": {\"myKey\": \"myValue\"}}";

static void test_parse_runc_state(void **state)
{
	struct oci_state s;
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(oci_state_parse(runc_state, strlen(runc_state), &s, &err), 0);
	assert_string_equal(s.oci_version, "1.1.0");
	assert_string_equal(s.id, "box");
	assert_int_equal(s.pid, 4422);
	assert_int_equal(s.status, OCI_STATUS_RUNNING);
	assert_string_equal(s.bundle, "/containers/box");
	assert_string_equal(s.rootfs, "/containers/box/rootfs");
	assert_string_equal(s.created, "2024-05-01T10:00:00.123456789Z");
	assert_string_equal(s.owner, "");
	assert_int_equal(s.n_annotations, 1);
	assert_string_equal(s.annotations[0].value, "myValue");
	cleanup_json json_t *out = oci_state_to_json(&s);
	cleanup_json json_t *in = json_loads(runc_state, 0, NULL);
	assert_true(json_equal(out, in));
	oci_state_release(&s);
}

static void test_minimal_roundtrip(void **state)
{
	struct oci_state s = { 0 };
	s.oci_version = "1.1.0";
	s.id = "c1";
	s.status = OCI_STATUS_STOPPED;
	s.bundle = "/b";
	cleanup_json json_t *j = oci_state_to_json(&s);
	/* runc always writes pid and owner */
	assert_int_equal(json_integer_value(json_object_get(j, "pid")), 0);
	assert_string_equal(json_string_value(json_object_get(j, "owner")), "");
	assert_null(json_object_get(j, "rootfs"));
	struct oci_state back;
	cleanup_error berth_error_t *err = NULL;
	assert_int_equal(oci_state_from_json(j, NULL, &back, &err), 0);
	cleanup_json json_t *j2 = oci_state_to_json(&back);
	assert_true(json_equal(j, j2));
	oci_state_release(&back);
}

static void test_status_names(void **state)
{
	static const char *const names[] = { "creating", "created", "running", "paused",
					     "stopped" };
	for (int i = 0; i < 5; i++) {
		enum oci_status st;
		assert_string_equal(oci_status_name((enum oci_status)i), names[i]);
		assert_int_equal(oci_status_parse(names[i], &st), 0);
		assert_int_equal(st, i);
	}
	enum oci_status st;
	assert_int_equal(oci_status_parse("Running", &st), -1);
	assert_null(oci_status_name((enum oci_status)7));
}

static void test_times(void **state)
{
	struct timespec ts = { .tv_sec = 1714557600, .tv_nsec = 123456789 };
	cleanup_free char *a = oci_state_format_time(&ts);
	assert_string_equal(a, "2024-05-01T10:00:00.123456789Z");
	ts.tv_nsec = 500000000;
	cleanup_free char *b = oci_state_format_time(&ts);
	assert_string_equal(b, "2024-05-01T10:00:00.5Z");
	ts.tv_nsec = 0;
	cleanup_free char *c = oci_state_format_time(&ts);
	assert_string_equal(c, "2024-05-01T10:00:00Z");
	assert_true(oci_state_time_valid(a));
	assert_true(oci_state_time_valid("2024-05-01T10:00:00+02:00"));
	assert_true(oci_state_time_valid("2024-05-01t10:00:00.1z"));
	assert_false(oci_state_time_valid("2024-05-01 10:00:00Z"));
	assert_false(oci_state_time_valid("2024-05-01T10:00:00"));
	assert_false(oci_state_time_valid("2024-05-01T10:00:00.Z"));
	assert_false(oci_state_time_valid("2024-05-01T10:00:00+0200"));
	assert_false(oci_state_time_valid(""));
}

static void test_refusals(void **state)
{
	static const struct {
		const char *json;
		const char *msg;
	} bad[] = {
		{ "{\"id\": \"a\", \"status\": \"stopped\", \"bundle\": \"/b\"}",
		  "state: missing required field 'ociVersion'" },
		{ "{\"ociVersion\": \"1\", \"status\": \"stopped\", \"bundle\": \"/b\"}",
		  "state: missing required field 'id'" },
		{ "{\"ociVersion\": \"1\", \"id\": \"a\", \"status\": \"gone\", \"bundle\": \"/b\"}",
		  "state.status: unknown status 'gone'" },
		{ "{\"ociVersion\": \"1\", \"id\": \"a\", \"status\": \"stopped\", \"bundle\": \"b\"}",
		  "state.bundle: 'b' is not an absolute path" },
		{ "{\"ociVersion\": \"1\", \"id\": \"a\", \"status\": \"running\", \"bundle\": \"/b\"}",
		  "state.pid: required when the status is 'running'" },
		{ "{\"ociVersion\": \"1\", \"id\": \"a\", \"status\": \"stopped\", \"bundle\": \"/b\","
		  " \"pid\": \"1\"}",
		  "state.pid: expected an integer, got a string" },
		{ "{\"ociVersion\": \"1\", \"id\": \"\", \"status\": \"stopped\", \"bundle\": \"/b\"}",
		  "state.id: must not be empty" },
		{ "{\"ociVersion\": \"1\", \"id\": \"a\", \"status\": \"stopped\", \"bundle\": \"/b\","
		  " \"created\": \"yesterday\"}",
		  "state.created: 'yesterday' is not an RFC 3339 time" },
		{ "{\"ociVersion\": \"1\", \"id\": \"a\", \"status\": \"stopped\", \"bundle\": \"/b\","
		  " \"annotations\": {\"k\": 1}}",
		  "state.annotations.k: expected a string, got an integer" },
		{ "[]", "state: expected an object, got an array" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct oci_state s;
		cleanup_error berth_error_t *err = NULL;
		if (oci_state_parse(bad[i].json, strlen(bad[i].json), &s, &err) == 0)
			fail_msg("accepted: %s", bad[i].json);
		if (strstr(err->msg, bad[i].msg) == NULL)
			fail_msg("error '%s' lacks '%s'", err->msg, bad[i].msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_runc_state), cmocka_unit_test(test_minimal_roundtrip),
		cmocka_unit_test(test_status_names),     cmocka_unit_test(test_times),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
