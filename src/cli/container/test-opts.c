/* Unit tests of opts.c: command lines of `docker run` turned into the
 * ContainerCreate body docker 28 sends for them (the expected JSON was
 * captured from the real docker CLI), and bad values refused with
 * docker's own messages and the right kind (flag error or parse error). */
#include "common/unit.h"

#include <stdlib.h>
#include <unistd.h>

#include "cli/container/opts.h"
#include "cli/core.h"
#include "common/cleanup.h"
#include "common/xalloc.h"

/* Parse argv (NULL-terminated, without "run") into o; returns what
 * container_opts_parse returns */
static int parse_run(struct container_opts *o, berth_error_t **err, const char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	struct cli_args a;
	cleanup_error berth_error_t *perr = NULL;
	if (cli_args_parse(opts_run_flags, CLI_PARSE_STOP_AT_ARG, argc, (char *const *)argv, &a,
			   &perr) < 0)
		fail_msg("command line refused: %s", perr->msg);
	int r = container_opts_parse(&a, o, err);
	cli_args_release(&a);
	return r;
}

/* The body for a command line that must be accepted */
static json_t *body_of(const char **argv)
{
	struct container_opts o = { 0 };
	cleanup_error berth_error_t *err = NULL;
	if (parse_run(&o, &err, argv) < 0)
		fail_msg("refused: %s", err->msg);
	json_t *b = json_incref(o.body);
	container_opts_release(&o);
	return b;
}
#define BODY(...) body_of((const char *[]){ __VA_ARGS__, NULL })

/* Assert that the value at a path ("HostConfig.Memory") equals the JSON text */
static void expect_at(json_t *body, const char *path, const char *json_text)
{
	json_t *v = body;
	cleanup_free char *copy = xstrdup(path);
	char *save = NULL;
	for (char *k = strtok_r(copy, ".", &save); k; k = strtok_r(NULL, ".", &save))
		v = json_object_get(v, k);
	cleanup_json json_t *want = json_loads(json_text, JSON_DECODE_ANY, NULL);
	assert_non_null(want);
	if (!json_equal(v, want)) {
		cleanup_free char *got = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) :
					     xstrdup("(absent)");
		fail_msg("%s: got %s, want %s", path, got, json_text);
	}
}

static void expect_absent(json_t *body, const char *key, const char *sub)
{
	json_t *v = json_object_get(body, key);
	if (sub)
		v = json_object_get(v, sub);
	if (v)
		fail_msg("%s.%s should be absent", key, sub ? sub : "");
}

static void expect_error(enum opts_error_kind kind, const char *msg, const char **argv)
{
	struct container_opts o = { 0 };
	cleanup_error berth_error_t *err = NULL;
	assert_true(parse_run(&o, &err, argv) < 0);
	assert_non_null(err);
	assert_string_equal(err->msg, msg);
	assert_int_equal(o.err_kind, kind);
	container_opts_release(&o);
}
#define FLAG_FAIL(msg, ...) \
	expect_error(OPTS_ERR_FLAG, (msg), (const char *[]){ __VA_ARGS__, NULL })
#define PARSE_FAIL(msg, ...) \
	expect_error(OPTS_ERR_PARSE, (msg), (const char *[]){ __VA_ARGS__, NULL })

/* `docker create busybox`: what docker 28 sends with no flags */
static void test_defaults(void **state)
{
	cleanup_json json_t *b = BODY("busybox");
	expect_at(b, "Image", "\"busybox\"");
	expect_at(b, "Cmd", "null");
	expect_at(b, "Env", "null");
	expect_at(b, "Entrypoint", "null");
	expect_at(b, "AttachStdin", "false");
	expect_at(b, "AttachStdout", "true");
	expect_at(b, "AttachStderr", "true");
	expect_at(b, "Labels", "{}");
	expect_at(b, "Volumes", "{}");
	expect_absent(b, "ExposedPorts", NULL);
	expect_absent(b, "Healthcheck", NULL);
	expect_absent(b, "StopSignal", NULL);
	expect_at(b, "HostConfig.NetworkMode", "\"default\"");
	expect_at(b, "HostConfig.RestartPolicy", "{\"Name\":\"no\",\"MaximumRetryCount\":0}");
	expect_at(b, "HostConfig.PortBindings", "{}");
	expect_at(b, "HostConfig.Dns", "[]");
	expect_at(b, "HostConfig.Binds", "null");
	expect_at(b, "HostConfig.MemorySwappiness", "-1");
	expect_at(b, "HostConfig.LogConfig", "{\"Type\":\"\",\"Config\":{}}");
	expect_absent(json_object_get(b, "HostConfig"), "Init", NULL);
	expect_absent(json_object_get(b, "HostConfig"), "Mounts", NULL);
	json_t *eps = json_object_get(json_object_get(b, "NetworkingConfig"), "EndpointsConfig");
	assert_non_null(json_object_get(eps, "default"));
	expect_at(b, "NetworkingConfig.EndpointsConfig.default.IPAMConfig", "null");
}

static void test_command_and_entrypoint(void **state)
{
	cleanup_json json_t *b = BODY("--entrypoint", "", "busybox", "sh", "-c", "echo hi");
	expect_at(b, "Entrypoint", "[\"\"]");
	expect_at(b, "Cmd", "[\"sh\",\"-c\",\"echo hi\"]");
	cleanup_json json_t *b2 = BODY("--entrypoint", "/bin/sh", "-w", "/w", "-u", "1:2", "-h",
				       "hn", "--domainname", "dn", "busybox");
	expect_at(b2, "Entrypoint", "[\"/bin/sh\"]");
	expect_at(b2, "WorkingDir", "\"/w\"");
	expect_at(b2, "User", "\"1:2\"");
	expect_at(b2, "Hostname", "\"hn\"");
	expect_at(b2, "Domainname", "\"dn\"");
}

static void test_env_and_labels(void **state)
{
	setenv("OPTS_TEST_SET", "from-env", 1);
	unsetenv("OPTS_TEST_UNSET");
	char path[] = "/tmp/test-opts-env.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *text =
		"\xef\xbb\xbf# comment\n  F1=one \n\nOPTS_TEST_SET\nOPTS_TEST_UNSET\nF2=a=b\r\n";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	cleanup_json json_t *b = BODY("--env-file", path, "-e", "A=1", "-e", "OPTS_TEST_SET", "-e",
				      "OPTS_TEST_UNSET", "-l", "x=1", "-l", "y", "--label-file",
				      path, "busybox");
	/* env files first; a bare name takes its value from our environment,
	 * or (from a file) is dropped when unset; -e keeps the bare name */
	expect_at(b, "Env",
		  "[\"F1=one \",\"OPTS_TEST_SET=from-env\",\"F2=a=b\",\"A=1\",\"OPTS_TEST_SET=from-env\","
		  "\"OPTS_TEST_UNSET\"]");
	/* label files have no lookup: bare names are dropped */
	expect_at(b, "Labels", "{\"F1\":\"one \",\"F2\":\"a=b\",\"x\":\"1\",\"y\":\"\"}");
	unlink(path);
	PARSE_FAIL("open /nonexistent-env-file: no such file or directory", "--env-file",
		   "/nonexistent-env-file", "busybox");
	FLAG_FAIL("invalid argument \"=x\" for \"-e, --env\" flag: invalid environment variable: =x",
		  "-e", "=x", "busybox");
}

static void test_ports(void **state)
{
	cleanup_json json_t *b = BODY("-p", "127.0.0.1:8080:80/udp", "-p", "9000-9001:90-91", "-p",
				      "53", "-p", "8000-8010:70", "-p",
				      "published=7000,target=70,protocol=udp", "--expose",
				      "600-601", "-P", "busybox");
	expect_at(b, "ExposedPorts",
		  "{\"80/udp\":{},\"90/tcp\":{},\"91/tcp\":{},\"53/tcp\":{},\"70/tcp\":{},\"70/udp\":{},"
		  "\"600/tcp\":{},\"601/tcp\":{}}");
	expect_at(b, "HostConfig.PortBindings",
		  "{\"80/udp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"8080\"}],"
		  "\"90/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"9000\"}],"
		  "\"91/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"9001\"}],"
		  "\"53/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"\"}],"
		  "\"70/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8000-8010\"}],"
		  "\"70/udp\":[{\"HostIp\":\"\",\"HostPort\":\"7000\"}]}");
	expect_at(b, "HostConfig.PublishAllPorts", "true");
	cleanup_json json_t *v6 = BODY("-p", "[::1]:80:80", "busybox");
	expect_at(v6, "HostConfig.PortBindings",
		  "{\"80/tcp\":[{\"HostIp\":\"::1\",\"HostPort\":\"80\"}]}");
	PARSE_FAIL("invalid containerPort: abc", "-p", "abc", "busybox");
	PARSE_FAIL("invalid hostPort: 70000", "-p", "70000:80", "busybox");
	PARSE_FAIL("invalid proto: foo", "-p", "80/foo", "busybox");
	PARSE_FAIL("invalid IP address: 1.2.3", "-p", "1.2.3:80:80", "busybox");
	PARSE_FAIL("invalid ranges specified for container and host Ports: 80-82 and 90-91", "-p",
		   "90-91:80-82", "busybox");
}

static void test_volumes_and_mounts(void **state)
{
	cleanup_json json_t *b = BODY("-v", "/tmp:/t:ro", "-v", "/anon", "-v", "named:/data",
				      "--mount", "type=tmpfs,target=/m,tmpfs-size=1m", "--mount",
				      "type=bind,src=/tmp,dst=/b,ro,bind-propagation=rslave",
				      "--tmpfs", "/run:size=1m", "--tmpfs", "/x", "busybox");
	expect_at(b, "HostConfig.Binds", "[\"/tmp:/t:ro\",\"named:/data\"]");
	expect_at(b, "Volumes", "{\"/anon\":{}}");
	expect_at(b, "HostConfig.Mounts",
		  "[{\"Type\":\"tmpfs\",\"Target\":\"/m\",\"TmpfsOptions\":{\"SizeBytes\":1048576}},"
		  "{\"Type\":\"bind\",\"Source\":\"/tmp\",\"Target\":\"/b\",\"ReadOnly\":true,"
		  "\"BindOptions\":{\"Propagation\":\"rslave\"}}]");
	expect_at(b, "HostConfig.Tmpfs", "{\"/run\":\"size=1m\",\"/x\":\"\"}");
	cleanup_json json_t *vol =
		BODY("--mount", "target=/v,volume-nocopy,volume-label=a=b", "busybox");
	expect_at(
		vol, "HostConfig.Mounts",
		"[{\"Type\":\"volume\",\"Target\":\"/v\",\"VolumeOptions\":{\"NoCopy\":true,\"Labels\":{\"a\":\"b\"}}}]");
	PARSE_FAIL("invalid spec: :/x: empty section between colons", "-v", ":/x", "busybox");
	PARSE_FAIL("invalid spec: /a:/b:ro:x: too many colons", "-v", "/a:/b:ro:x", "busybox");
	FLAG_FAIL("invalid argument \"type=tmpfs\" for \"--mount\" flag: target is required",
		  "--mount", "type=tmpfs", "busybox");
	FLAG_FAIL("invalid argument \"type=bind,target=/x,tmpfs-size=1m\" for \"--mount\" flag: cannot mix 'tmpfs-*' "
		  "options with mount type 'bind'",
		  "--mount", "type=bind,target=/x,tmpfs-size=1m", "busybox");
	FLAG_FAIL("invalid argument \"type=bind,target=/x,foo=1\" for \"--mount\" flag: unexpected key 'foo' in "
		  "'foo'",
		  "--mount", "type=bind,target=/x,foo=1", "busybox");
}

static void test_resources(void **state)
{
	cleanup_json json_t *b = BODY("-m", "64m", "--memory-swap", "-1", "--memory-reservation",
				      "1.5g", "--cpus", "1.5", "-c", "512", "--cpuset-cpus", "0",
				      "--pids-limit", "10", "--shm-size", "1g", "--oom-score-adj",
				      "5", "--oom-kill-disable", "--cpu-period", "100000",
				      "--cpu-quota", "50000", "--ulimit", "nofile=100:200",
				      "--ulimit", "core=1", "--ulimit", "nofile=5", "busybox");
	expect_at(b, "HostConfig.Memory", "67108864");
	expect_at(b, "HostConfig.MemorySwap", "-1");
	expect_at(b, "HostConfig.MemoryReservation", "1610612736");
	expect_at(b, "HostConfig.NanoCpus", "1500000000");
	expect_at(b, "HostConfig.CpuShares", "512");
	expect_at(b, "HostConfig.CpusetCpus", "\"0\"");
	expect_at(b, "HostConfig.PidsLimit", "10");
	expect_at(b, "HostConfig.ShmSize", "1073741824");
	expect_at(b, "HostConfig.OomScoreAdj", "5");
	expect_at(b, "HostConfig.OomKillDisable", "true");
	expect_at(b, "HostConfig.CpuPeriod", "100000");
	expect_at(b, "HostConfig.CpuQuota", "50000");
	/* sorted by name, the last value of a name wins, hard defaults to soft */
	expect_at(
		b, "HostConfig.Ulimits",
		"[{\"Name\":\"core\",\"Hard\":1,\"Soft\":1},{\"Name\":\"nofile\",\"Hard\":5,\"Soft\":5}]");
	FLAG_FAIL("invalid argument \"abc\" for \"-m, --memory\" flag: invalid size: 'abc'", "-m",
		  "abc", "busybox");
	FLAG_FAIL("invalid argument \"x\" for \"--memory-swap\" flag: invalid size: 'x'",
		  "--memory-swap", "x", "busybox");
	FLAG_FAIL(
		"invalid argument \"abc\" for \"--cpus\" flag: failed to parse abc as a rational number",
		"--cpus", "abc", "busybox");
	FLAG_FAIL(
		"invalid argument \"nofile\" for \"--ulimit\" flag: invalid ulimit argument: nofile",
		"--ulimit", "nofile", "busybox");
	FLAG_FAIL("invalid argument \"foo=1\" for \"--ulimit\" flag: invalid ulimit type: foo",
		  "--ulimit", "foo=1", "busybox");
	FLAG_FAIL("invalid argument \"nofile=10:5\" for \"--ulimit\" flag: ulimit soft limit must be less than or "
		  "equal to hard limit: 10 > 5",
		  "--ulimit", "nofile=10:5", "busybox");
}

static void test_policy_and_health(void **state)
{
	cleanup_json json_t *b = BODY("--restart", "on-failure:3", "--health-cmd", "true",
				      "--health-interval", "1m30s", "--health-retries", "2",
				      "--health-timeout", "500ms", "--stop-signal", "SIGINT",
				      "--stop-timeout", "5", "--init", "busybox");
	expect_at(b, "HostConfig.RestartPolicy",
		  "{\"Name\":\"on-failure\",\"MaximumRetryCount\":3}");
	expect_at(
		b, "Healthcheck",
		"{\"Test\":[\"CMD-SHELL\",\"true\"],\"Interval\":90000000000,\"Timeout\":500000000,\"Retries\":2}");
	expect_at(b, "StopSignal", "\"SIGINT\"");
	expect_at(b, "StopTimeout", "5");
	expect_at(b, "HostConfig.Init", "true");
	cleanup_json json_t *none = BODY("--no-healthcheck", "--init=false", "busybox");
	expect_at(none, "Healthcheck", "{\"Test\":[\"NONE\"]}");
	expect_at(none, "HostConfig.Init", "false");
	PARSE_FAIL("invalid restart policy format: maximum retry count must be an integer",
		   "--restart", "on-failure:x", "busybox");
	PARSE_FAIL("conflicting options: cannot specify both --restart and --rm", "--rm",
		   "--restart", "always", "busybox");
	PARSE_FAIL("--no-healthcheck conflicts with --health-* options", "--no-healthcheck",
		   "--health-cmd", "x", "busybox");
	FLAG_FAIL(
		"invalid argument \"5\" for \"--health-interval\" flag: time: missing unit in duration \"5\"",
		"--health-interval", "5", "busybox");
	PARSE_FAIL("--health-interval cannot be negative", "--health-interval", "-1s", "busybox");
	PARSE_FAIL(
		"invalid pull option: 'sometimes': must be one of \"always\", \"missing\" or \"never\"",
		"--pull", "sometimes", "busybox");
}

static void test_security_and_hosts(void **state)
{
	cleanup_json json_t *b =
		BODY("--cap-add", "NET_ADMIN", "--cap-add", " sys_time ", "--cap-add",
		     "CAP_NET_ADMIN", "--cap-drop", "MKNOD", "--cap-drop", "net_admin",
		     "--security-opt", "no-new-privileges", "--security-opt",
		     "systempaths=unconfined", "--add-host", "h:1.2.3.4", "--add-host", "g=[::1]",
		     "--dns", "8.8.8.8", "--sysctl", "net.ipv4.ip_forward=1", "--device",
		     "/dev/null:/dev/n:r", "--device", "/dev/zero", "--privileged", "--read-only",
		     "--pid", "host", "--ipc", "host", "busybox");
	/* normalised, deduplicated, sorted; add and drop are the daemon's to weigh */
	expect_at(b, "HostConfig.CapAdd", "[\"CAP_NET_ADMIN\",\"CAP_SYS_TIME\"]");
	expect_at(b, "HostConfig.CapDrop", "[\"CAP_MKNOD\",\"CAP_NET_ADMIN\"]");
	expect_at(b, "HostConfig.SecurityOpt", "[\"no-new-privileges\"]");
	expect_at(b, "HostConfig.MaskedPaths", "[]");
	expect_at(b, "HostConfig.ReadonlyPaths", "[]");
	expect_at(b, "HostConfig.ExtraHosts", "[\"h:1.2.3.4\",\"g:::1\"]");
	expect_at(b, "HostConfig.Dns", "[\"8.8.8.8\"]");
	expect_at(b, "HostConfig.Sysctls", "{\"net.ipv4.ip_forward\":\"1\"}");
	expect_at(
		b, "HostConfig.Devices",
		"[{\"PathOnHost\":\"/dev/null\",\"PathInContainer\":\"/dev/n\",\"CgroupPermissions\":\"r\"},"
		"{\"PathOnHost\":\"/dev/zero\",\"PathInContainer\":\"/dev/zero\",\"CgroupPermissions\":\"rwm\"}]");
	expect_at(b, "HostConfig.Privileged", "true");
	expect_at(b, "HostConfig.ReadonlyRootfs", "true");
	expect_at(b, "HostConfig.PidMode", "\"host\"");
	expect_at(b, "HostConfig.IpcMode", "\"host\"");
	PARSE_FAIL("Invalid --security-opt: \"foo\"", "--security-opt", "foo", "busybox");
	FLAG_FAIL(
		"invalid argument \"bad\" for \"--add-host\" flag: bad format for add-host: \"bad\"",
		"--add-host", "bad", "busybox");
	FLAG_FAIL(
		"invalid argument \"h:x\" for \"--add-host\" flag: invalid IP address in add-host: \"x\"",
		"--add-host", "h:x", "busybox");
	FLAG_FAIL("invalid argument \"foo\" for \"--sysctl\" flag: sysctl 'foo' is not allowed",
		  "--sysctl", "foo", "busybox");
	PARSE_FAIL("rel is not an absolute path", "--device", "/dev/null:rel", "busybox");
	PARSE_FAIL("--pid: invalid PID mode", "--pid", "bad", "busybox");
	PARSE_FAIL("invalid logging opts for driver none", "--log-driver", "none", "--log-opt",
		   "a=b", "busybox");
}

static void test_attach_and_networks(void **state)
{
	cleanup_json json_t *b = BODY("-t", "-i", "-a", "stdout", "busybox");
	expect_at(b, "Tty", "true");
	expect_at(b, "OpenStdin", "true");
	expect_at(b, "AttachStdin", "true");
	expect_at(b, "AttachStdout", "true");
	expect_at(b, "AttachStderr", "false");
	expect_at(b, "StdinOnce", "true");
	cleanup_json json_t *host = BODY("--network", "host", "busybox");
	expect_at(host, "HostConfig.NetworkMode", "\"host\"");
	expect_at(host, "NetworkingConfig.EndpointsConfig", "{}");
	cleanup_json json_t *ip =
		BODY("--network", "mynet", "--network-alias", "web", "--ip", "10.0.0.5", "busybox");
	expect_at(ip, "HostConfig.NetworkMode", "\"mynet\"");
	expect_at(ip, "NetworkingConfig.EndpointsConfig.mynet.Aliases", "[\"web\"]");
	expect_at(ip, "NetworkingConfig.EndpointsConfig.mynet.IPAMConfig",
		  "{\"IPv4Address\":\"10.0.0.5\"}");
	FLAG_FAIL(
		"invalid argument \"bogus\" for \"-a, --attach\" flag: valid streams are STDIN, STDOUT and STDERR",
		"-a", "bogus", "busybox");
	PARSE_FAIL("network-scoped aliases are only supported for user-defined networks",
		   "--network-alias", "x", "busybox");
}

static void test_value_parsers(void **state)
{
	int64_t v;
	cleanup_error berth_error_t *err = NULL;
	static const struct {
		const char *in;
		int64_t out;
	} sizes[] = { { "512m", 512LL << 20 }, { "1g", 1LL << 30 }, { "1.5G", 3LL << 29 },
		      { "10 MB", 10LL << 20 }, { "100", 100 },      { "64MiB", 64LL << 20 },
		      { "2k", 2048 },          { "1b", 1 } };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		assert_int_equal(opts_ram_bytes(sizes[i].in, &v, NULL), 0);
		assert_int_equal(v, sizes[i].out);
	}
	static const char *const bad_sizes[] = { "", "abc", "-1", "1x", "1mm", ".5m", "1  " };
	for (size_t i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
		assert_true(opts_ram_bytes(bad_sizes[i], &v, &err) < 0);
		berth_error_release(&err);
	}
	assert_int_equal(opts_go_duration("1h2m3.5s", &v, NULL), 0);
	assert_int_equal(v, 3723500000000LL);
	assert_int_equal(opts_go_duration("-5ms", &v, NULL), 0);
	assert_int_equal(v, -5000000);
	assert_int_equal(opts_go_duration("0", &v, NULL), 0);
	assert_int_equal(v, 0);
	assert_true(opts_go_duration("5d", &v, &err) < 0);
	assert_string_equal(err->msg, "time: unknown unit \"d\" in duration \"5d\"");
	berth_error_release(&err);
	assert_true(opts_go_duration("", &v, &err) < 0);
	assert_string_equal(err->msg, "time: invalid duration \"\"");
	berth_error_release(&err);
	assert_int_equal(opts_nano_cpus("0.5", &v, NULL), 0);
	assert_int_equal(v, 500000000);
	assert_int_equal(opts_nano_cpus("2", &v, NULL), 0);
	assert_int_equal(v, 2000000000);
	assert_true(opts_nano_cpus("0.0000000001", &v, &err) < 0);
	assert_string_equal(err->msg, "value is too precise");
	berth_error_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_command_and_entrypoint),
		cmocka_unit_test(test_env_and_labels),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_volumes_and_mounts),
		cmocka_unit_test(test_resources),
		cmocka_unit_test(test_policy_and_health),
		cmocka_unit_test(test_security_and_hosts),
		cmocka_unit_test(test_attach_and_networks),
		cmocka_unit_test(test_value_parsers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
