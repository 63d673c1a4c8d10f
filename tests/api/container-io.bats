#!/usr/bin/env bats
# container-io.bats: logs, top, stats, cp and export through the docker CLI and docker-py
load ../helpers/common
load containers-helpers

setup() { api_setup; }
teardown() { api_teardown; }

@test "io: logs tail, timestamps, since/until, follow to exit" {
	"$DOCKER" run --name lg busybox sh -c 'for i in 1 2 3; do echo line$i; done; echo e >&2'
	run "$DOCKER" logs lg
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'line1\nline2\nline3\ne')" ]
	[ "$("$DOCKER" logs lg 2>/dev/null | wc -l)" -eq 3 ]
	[ "$("$DOCKER" logs --tail 1 lg 2>&1)" = e ]
	[ "$("$DOCKER" logs --tail 0 lg 2>&1)" = "" ]
	[[ "$("$DOCKER" logs -t lg 2>/dev/null | head -n1)" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z\ line1$ ]]
	[ "$("$DOCKER" logs --since 10m lg 2>/dev/null | wc -l)" -eq 3 ]
	[ "$("$DOCKER" logs --until 2000-01-01T00:00:00Z lg 2>&1)" = "" ]
	[ "$("$DOCKER" logs --since 2100-01-01T00:00:00Z lg 2>&1)" = "" ]
	"$DOCKER" run -d --name fo busybox sh -c 'echo a; sleep 1; echo b'
	run "$DOCKER" logs -f fo
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'a\nb')" ]
	# a tty container: raw stream
	"$DOCKER" run -t --name tt busybox echo tty-out
	[[ "$("$DOCKER" logs tt)" == tty-out* ]]
}

@test "io: top and stats" {
	"$DOCKER" run -d --name tp busybox sleep 100
	run "$DOCKER" top tp
	[ "$status" -eq 0 ]
	[[ "$output" == *"sleep 100"* ]]
	[[ "${lines[0]}" == UID*PID*CMD* ]]
	run "$DOCKER" top tp -o pid,comm
	[ "$status" -eq 0 ]
	[[ "$output" == *sleep* ]]
	run "$DOCKER" top tp -o comm
	[ "$status" -ne 0 ]
	[[ "$output" == *"Couldn't find PID field in ps output"* ]]
	run "$DOCKER" stats --no-stream --format '{{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.PIDs}}' tp
	[ "$status" -eq 0 ]
	echo "$output" >&3
	[[ "$output" == "tp "*%*" / "*" 1" ]]
	run berthd_curl GET "/containers/tp/stats?stream=0"
	[ "$(jq -r '.cpu_stats.online_cpus > 0 and .memory_stats.usage > 0 and .pids_stats.current == 1' <<<"$output")" = true ]
}

@test "io: cp both ways, dir contents, symlinks, errors, export" {
	"$DOCKER" run -d --name cx busybox sh -c 'mkdir -p /d/sub; echo f >/d/sub/f; ln -s /d /lnk; ln -s ../../../../ /up; sleep 100'
	echo hello >"$BERTH_TEST_TMP/in.txt"
	"$DOCKER" cp "$BERTH_TEST_TMP/in.txt" cx:/tmp/
	"$DOCKER" cp cx:/tmp/in.txt "$BERTH_TEST_TMP/back.txt"
	[ "$(cat "$BERTH_TEST_TMP/back.txt")" = hello ]
	"$DOCKER" cp cx:/d "$BERTH_TEST_TMP/dcopy"
	[ "$(cat "$BERTH_TEST_TMP/dcopy/sub/f")" = f ]
	mkdir "$BERTH_TEST_TMP/contents"
	"$DOCKER" cp cx:/d/. "$BERTH_TEST_TMP/contents"
	[ "$(cat "$BERTH_TEST_TMP/contents/sub/f")" = f ]
	"$DOCKER" cp cx:/lnk "$BERTH_TEST_TMP/lnk"
	[ "$(readlink "$BERTH_TEST_TMP/lnk")" = /d ]
	"$DOCKER" cp -L cx:/lnk "$BERTH_TEST_TMP/lnkL"
	[ -f "$BERTH_TEST_TMP/lnkL/sub/f" ]
	mkdir -p "$BERTH_TEST_TMP/up"
	"$DOCKER" cp "$BERTH_TEST_TMP/in.txt" cx:/up/
	"$DOCKER" cp cx:/in.txt "$BERTH_TEST_TMP/viaup.txt"
	[ "$(cat "$BERTH_TEST_TMP/viaup.txt")" = hello ]
	run "$DOCKER" cp cx:/nope "$BERTH_TEST_TMP/x"
	[ "$status" -ne 0 ]
	echo "$output" >&3
	[[ "$output" == *"Could not find the file /nope in container"* ]]
	run "$DOCKER" cp "$BERTH_TEST_TMP/in.txt" cx:/nodir/sub/
	[ "$status" -ne 0 ]
	echo "$output" >&3
	mkdir "$BERTH_TEST_TMP/dd"; echo z >"$BERTH_TEST_TMP/dd/z"
	"$DOCKER" cp "$BERTH_TEST_TMP/dd" cx:/tmp/dd
	"$DOCKER" cp cx:/tmp/dd/z "$BERTH_TEST_TMP/z2"
	[ "$(cat "$BERTH_TEST_TMP/z2")" = z ]
	"$DOCKER" export cx -o "$BERTH_TEST_TMP/x.tar"
	tar -tf "$BERTH_TEST_TMP/x.tar" | grep -qx 'tmp/in.txt'
	tar -tf "$BERTH_TEST_TMP/x.tar" | grep -qx 'bin/busybox'
	# the destination's own mode is not the tar's to change
	tar -tvf "$BERTH_TEST_TMP/x.tar" | grep -E ' tmp/?$' | grep -q '^drwxrwxrwt'
	tar -tvf "$BERTH_TEST_TMP/x.tar" | grep -E ' lnk -> /d$'
	"$DOCKER" stop -t 0 cx
	# a stopped container: cp still works
	"$DOCKER" cp cx:/tmp/in.txt "$BERTH_TEST_TMP/back2.txt"
	[ "$(cat "$BERTH_TEST_TMP/back2.txt")" = hello ]
}

@test "io: docker-py logs, top, stats, get_archive/put_archive, export" {
	"$DOCKER" run -d --name py busybox sh -c 'echo out; echo err >&2; sleep 100'
	run python3 - <<'PY'
import docker, io, tarfile
c = docker.from_env().containers.get("py")
import time
for _ in range(100):
    if c.logs(stdout=True, stderr=True): break
    time.sleep(0.05)
assert c.logs(stdout=True, stderr=False) == b"out\n", c.logs(stdout=True, stderr=False)
assert c.logs(stdout=False, stderr=True) == b"err\n"
assert b"sleep 100" in str(c.top()).encode()
s = c.stats(stream=False)
assert s["memory_stats"]["usage"] > 0 and "total_usage" in s["cpu_stats"]["cpu_usage"]
buf = io.BytesIO()
t = tarfile.open(fileobj=buf, mode="w"); data = b"py-data"
ti = tarfile.TarInfo("p.txt"); ti.size = len(data); t.addfile(ti, io.BytesIO(data)); t.close()
assert c.put_archive("/tmp", buf.getvalue())
bits, stat = c.get_archive("/tmp/p.txt")
assert stat["name"] == "p.txt" and stat["size"] == 7, stat
tf = tarfile.open(fileobj=io.BytesIO(b"".join(bits)))
assert tf.extractfile("p.txt").read() == data
names = tarfile.open(fileobj=io.BytesIO(b"".join(c.export()))).getnames()
assert "tmp/p.txt" in names, names[:10]
print("ok")
PY
	echo "$output" >&3
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = ok ]
}
