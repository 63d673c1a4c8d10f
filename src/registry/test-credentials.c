/* test-credentials: docker's config.json (auths, identity tokens, key
 * forms, unknown keys kept, mode 0600) and credential helpers, with a fake
 * docker-credential-fake script that keeps secrets in files. */
#include "common/unit.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "common/bjson.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "registry/credentials.h"

static char tmpdir[] = "/tmp/berth-test-creds.XXXXXX";
static char *cfgdir;

static const char helper_script[] =
	"#!/bin/sh\n"
	"store=$(dirname \"$0\")/../store\n"
	"key() { printf '%s' \"$1\" | tr '/:' '__'; }\n"
	"case \"$1\" in\n"
	"get) read -r url; f=\"$store/$(key \"$url\")\"\n"
	"  [ -f \"$f\" ] || { echo 'credentials not found in native keychain'; exit 1; }\n"
	"  cat \"$f\" ;;\n"
	"store) cat >\"$store/in\"\n"
	"  url=$(sed -n 's/.*\"ServerURL\":\"\\([^\"]*\\)\".*/\\1/p' \"$store/in\")\n"
	"  mv \"$store/in\" \"$store/$(key \"$url\")\" ;;\n"
	"erase) read -r url; f=\"$store/$(key \"$url\")\"\n"
	"  [ -f \"$f\" ] || { echo 'credentials not found in native keychain'; exit 1; }\n"
	"  rm \"$f\" ;;\n"
	"*) exit 2 ;;\n"
	"esac\n";

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "we");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static json_t *load_config(void)
{
	cleanup_free char *path = xasprintf("%s/config.json", cfgdir);
	json_t *j = NULL;
	berth_error_t *err = NULL;
	if (bjson_load_file(path, 0, 0, &j, &err) < 0)
		fail_msg("%s", err->msg);
	return j;
}

static int setup(void **state)
{
	if (!mkdtemp(tmpdir))
		return -1;
	cfgdir = xasprintf("%s/docker", tmpdir);
	cleanup_free char *bin = xasprintf("%s/bin", tmpdir);
	cleanup_free char *store = xasprintf("%s/store", tmpdir);
	cleanup_free char *helper = xasprintf("%s/docker-credential-fake", bin);
	mkdir(bin, 0755);
	mkdir(store, 0700);
	write_file(helper, helper_script, 0755);
	cleanup_free char *path =
		xasprintf("%s:%s", bin, getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	setenv("PATH", path, 1);
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

static int rm_tree(const char *path)
{
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT ? -1 : 0;
}

static int teardown(void **state)
{
	int r = rm_tree(tmpdir);
	free(cfgdir);
	return r;
}

/* Start each test from a given config.json (NULL: none) */
static void reset_config(const char *text)
{
	errno = 0;
	assert_int_equal(rm_tree(cfgdir), 0);
	if (text) {
		mkdir(cfgdir, 0700);
		cleanup_free char *path = xasprintf("%s/config.json", cfgdir);
		write_file(path, text, 0600);
	}
}

static void test_config_dir(void **state)
{
	berth_error_t *err = NULL;
	setenv("DOCKER_CONFIG", "/x/y", 1);
	cleanup_free char *a = credentials_config_dir(&err);
	assert_string_equal(a, "/x/y");
	unsetenv("DOCKER_CONFIG");
	setenv("HOME", "/home/u", 1);
	cleanup_free char *b = credentials_config_dir(&err);
	assert_string_equal(b, "/home/u/.docker");
	cleanup_free char *k1 = credentials_server_key("docker.io");
	assert_string_equal(k1, CREDENTIALS_DOCKER_IO_KEY);
	cleanup_free char *k2 = credentials_server_key("127.0.0.1:5000");
	assert_string_equal(k2, "127.0.0.1:5000");
}

static void test_store_get_erase(void **state)
{
	berth_error_t *err = NULL;
	struct auth_creds c = { 0 };
	reset_config("{\"psFormat\":\"table\",\"auths\":{\"other.io\":{\"auth\":\"YTpi\"}},"
		     "\"proxies\":{\"default\":{\"httpProxy\":\"x\"}}}");
	assert_int_equal(credentials_get(cfgdir, "127.0.0.1:5000", &c, &err), 0);

	struct auth_creds in = { .username = "user", .password = "s3cr:t" };
	if (credentials_store(cfgdir, "127.0.0.1:5000", &in, &err) < 0)
		fail_msg("%s", err->msg);
	cleanup_free char *path = xasprintf("%s/config.json", cfgdir);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	cleanup_json json_t *j = load_config();
	/* docker's shape, and the keys berth does not know are kept */
	assert_string_equal(json_string_value(
				    json_object_get(json_object_get(json_object_get(j, "auths"),
								    "127.0.0.1:5000"),
						    "auth")),
			    "dXNlcjpzM2NyOnQ=");
	assert_string_equal(json_string_value(json_object_get(j, "psFormat")), "table");
	assert_non_null(json_object_get(j, "proxies"));
	assert_non_null(json_object_get(json_object_get(j, "auths"), "other.io"));

	assert_int_equal(credentials_get(cfgdir, "127.0.0.1:5000", &c, &err), 1);
	assert_string_equal(c.username, "user");
	assert_string_equal(c.password, "s3cr:t");
	auth_creds_release(&c);

	assert_int_equal(credentials_erase(cfgdir, "127.0.0.1:5000", &err), 1);
	assert_int_equal(credentials_erase(cfgdir, "127.0.0.1:5000", &err), 0);
	assert_int_equal(credentials_get(cfgdir, "127.0.0.1:5000", &c, &err), 0);
	cleanup_json json_t *j2 = load_config();
	assert_non_null(json_object_get(json_object_get(j2, "auths"), "other.io"));
}

static void test_key_forms(void **state)
{
	berth_error_t *err = NULL;
	struct auth_creds c = { 0 };
	reset_config("{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"aHViOnB3\"},"
		     "\"https://myreg.example:5000/v1/\":{\"auth\":\"YTpi\"},"
		     "\"tok.example\":{\"auth\":\"\",\"identitytoken\":\"refresh-me\"}}}");
	assert_int_equal(credentials_get(cfgdir, "docker.io", &c, &err), 1);
	assert_string_equal(c.username, "hub");
	assert_string_equal(c.password, "pw");
	auth_creds_release(&c);
	assert_int_equal(credentials_get(cfgdir, "myreg.example:5000", &c, &err), 1);
	assert_string_equal(c.username, "a");
	auth_creds_release(&c);
	assert_int_equal(credentials_get(cfgdir, "tok.example", &c, &err), 1);
	assert_null(c.username);
	assert_string_equal(c.identity_token, "refresh-me");
	auth_creds_release(&c);

	/* docker login docker.io writes docker's key */
	struct auth_creds in = { .username = "u2", .password = "p2" };
	assert_int_equal(credentials_store(cfgdir, "index.docker.io", &in, &err), 0);
	cleanup_json json_t *j = load_config();
	assert_int_equal(json_object_size(json_object_get(j, "auths")), 3);
	assert_int_equal(credentials_get(cfgdir, "docker.io", &c, &err), 1);
	assert_string_equal(c.username, "u2");
	auth_creds_release(&c);

	/* logout erases the entry that was used, in whatever key form */
	assert_int_equal(credentials_erase(cfgdir, "myreg.example:5000", &err), 1);
	assert_int_equal(credentials_get(cfgdir, "myreg.example:5000", &c, &err), 0);
	assert_int_equal(credentials_erase(cfgdir, "myreg.example:5000", &err), 0);
}

static void test_malformed(void **state)
{
	berth_error_t *err = NULL;
	struct auth_creds c = { 0 };
	reset_config("{\"auths\":");
	assert_true(credentials_get(cfgdir, "h", &c, &err) < 0);
	assert_error_contains(err, "config.json");
	berth_error_release(&err);
	reset_config("{\"auths\":{\"h\":{\"auth\":\"!!notbase64\"}}}");
	assert_true(credentials_get(cfgdir, "h", &c, &err) < 0);
	assert_error_contains(err, "auths.h");
	berth_error_release(&err);
	reset_config("{\"auths\":{\"h\":{\"auth\":7}}}");
	assert_true(credentials_get(cfgdir, "h", &c, &err) < 0);
	assert_error_contains(err, "auths.h.auth");
	berth_error_release(&err);
}

static void test_helper(void **state)
{
	berth_error_t *err = NULL;
	struct auth_creds c = { 0 };
	reset_config("{\"credsStore\":\"fake\"}");
	assert_int_equal(credentials_get(cfgdir, "reg.example", &c, &err), 0);

	struct auth_creds in = { .username = "huser", .password = "hpass" };
	if (credentials_store(cfgdir, "reg.example", &in, &err) < 0)
		fail_msg("%s", err->msg);
	/* the secret is in the helper, config.json has an empty entry */
	cleanup_json json_t *j = load_config();
	json_t *e = json_object_get(json_object_get(j, "auths"), "reg.example");
	assert_non_null(e);
	assert_int_equal(json_object_size(e), 0);
	assert_string_equal(json_string_value(json_object_get(j, "credsStore")), "fake");

	assert_int_equal(credentials_get(cfgdir, "reg.example", &c, &err), 1);
	assert_string_equal(c.username, "huser");
	assert_string_equal(c.password, "hpass");
	auth_creds_release(&c);

	/* an identity token travels as Username "<token>" */
	struct auth_creds tok = { .identity_token = "idtok" };
	assert_int_equal(credentials_store(cfgdir, "docker.io", &tok, &err), 0);
	assert_int_equal(credentials_get(cfgdir, "docker.io", &c, &err), 1);
	assert_null(c.username);
	assert_string_equal(c.identity_token, "idtok");
	auth_creds_release(&c);

	assert_int_equal(credentials_erase(cfgdir, "reg.example", &err), 1);
	assert_int_equal(credentials_get(cfgdir, "reg.example", &c, &err), 0);
	assert_int_equal(credentials_erase(cfgdir, "reg.example", &err), 0);
}

static void test_cred_helpers(void **state)
{
	berth_error_t *err = NULL;
	struct auth_creds c = { 0 };
	/* credHelpers wins over credsStore and over auths; a missing helper
	 * program is a clear error */
	reset_config("{\"credsStore\":\"missing\",\"credHelpers\":{\"reg.example\":\"fake\"},"
		     "\"auths\":{\"reg.example\":{\"auth\":\"YTpi\"}}}");
	struct auth_creds in = { .username = "x", .password = "y" };
	assert_int_equal(credentials_store(cfgdir, "reg.example", &in, &err), 0);
	assert_int_equal(credentials_get(cfgdir, "reg.example", &c, &err), 1);
	assert_string_equal(c.username, "x");
	auth_creds_release(&c);
	assert_true(credentials_get(cfgdir, "other.example", &c, &err) < 0);
	assert_error_contains(err, "docker-credential-missing");
	berth_error_release(&err);
	assert_int_equal(credentials_erase(cfgdir, "reg.example", &err), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_dir), cmocka_unit_test(test_store_get_erase),
		cmocka_unit_test(test_key_forms),  cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_helper),     cmocka_unit_test(test_cred_helpers),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
