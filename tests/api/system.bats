#!/usr/bin/env bats
# The system part of the Engine API (_ping, version, info, events, df) and
# the HTTP server under it, through the real docker CLI and raw requests:
# version negotiation, caps, errors, keep-alive, events replay, clients
# leaving, shutdown, daemon.json checks.

load ../helpers/common
load ../helpers/daemon

setup()
{
	require_root
	common_setup
}

teardown()
{
	berthd_stop
	common_teardown
}

# Send raw bytes ($1, printf format) to the socket and print the reply
raw_request()
{
	python3 - "$BERTH_SOCK" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode().decode('unicode_escape').encode('latin-1'))
s.shutdown(socket.SHUT_WR)
out = b''
while True:
    d = s.recv(65536)
    if not d:
        break
    out += d
sys.stdout.write(out.decode('latin-1'))
PY
}

@test "docker version: server API 1.47, minimum 1.24, negotiated by the CLI" {
	berthd_start
	run docker version --format '{{.Server.APIVersion}} {{.Server.MinAPIVersion}} {{.Client.APIVersion}} {{.Server.Os}}/{{.Server.Arch}}'
	[ "$status" -eq 0 ]
	[ "$output" = "1.47 1.24 1.47 linux/amd64" ]
	run docker version
	[ "$status" -eq 0 ]
	[[ "$output" == *"API version:      1.47 (minimum version 1.24)"* ]]
	# docker-py negotiates through an unversioned GET /version
	run python3 -c 'import docker; c = docker.DockerClient(base_url="'"$DOCKER_HOST"'", version="auto"); print(c.api.api_version, c.version()["ApiVersion"])'
	[ "$status" -eq 0 ]
	[ "$output" = "1.47 1.47" ]
}

@test "docker info reports the daemon's roots, drivers and cgroup version" {
	berthd_start
	run docker info --format '{{.DockerRootDir}}|{{.Driver}}|{{.CgroupDriver}}|{{.OSType}}|{{.Swarm.LocalNodeState}}|{{.LoggingDriver}}|{{.DefaultRuntime}}'
	[ "$status" -eq 0 ]
	[ "$output" = "$BERTH_DATA_ROOT|overlay2|cgroupfs|linux|inactive|json-file|berth-runtime" ]
	run docker info
	[ "$status" -eq 0 ]
	[[ "$output" != *ERROR* ]]
	[[ "$output" == *"Cgroup Version: "[12]* ]]
	# the ID persists across restarts
	local id
	id=$(docker info --format '{{.ID}}')
	[ -n "$id" ]
	[ "$(cat "$BERTH_DATA_ROOT/engine-id")" = "$id" ]
	berthd_restart
	[ "$(docker info --format '{{.ID}}')" = "$id" ]
	# docker's modes on the roots
	[ "$(stat -c %a "$BERTH_DATA_ROOT")" = 700 ]
	[ "$(stat -c %a "$BERTH_EXEC_ROOT")" = 711 ]
	[ "$(stat -c %a "$BERTH_SOCK")" = 660 ]
}

@test "docker system df answers with empty tables" {
	berthd_start
	run docker system df --format '{{.Type}} {{.TotalCount}}'
	[ "$status" -eq 0 ]
	[[ "$output" == *"Images 0"* ]]
	[[ "$output" == *"Local Volumes 0"* ]]
}

@test "HEAD and GET /_ping carry the negotiation headers" {
	berthd_start
	run curl -sS -I --unix-socket "$BERTH_SOCK" http://localhost/_ping
	[ "$status" -eq 0 ]
	[[ "$output" == "HTTP/1.1 200 OK"* ]]
	local h
	for h in "Api-Version: 1.47" "Ostype: linux" "Docker-Experimental: false" \
		"Builder-Version: 1" "Swarm: inactive" "Content-Length: 0" \
		"Cache-Control: no-cache, no-store, must-revalidate" "Pragma: no-cache"; do
		[[ "$output" == *"$h"$'\r'* ]] || { echo "missing header: $h"; false; }
	done
	# the CLI takes the OS from Server with \ADocker/.+\s\((.+)\)\z
	[[ "$output" =~ Server:\ Docker/[^[:space:]]+\ \(linux\) ]]
	run berthd_curl GET /_ping -i
	[ "$status" -eq 0 ]
	[[ "$output" == *"Content-Length: 2"$'\r'* ]]
	[[ "$output" == *$'\r\n\r\nOK' ]]
}

@test "API version prefix: too old and too new are 400, unversioned and in range work" {
	berthd_start
	run berthd_curl GET /v1.12/version -w '\n%{http_code}'
	[ "${lines[1]}" = 400 ]
	[ "${lines[0]}" = '{"message":"client version 1.12 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version"}' ]
	run berthd_curl GET /v1.99/version -w '\n%{http_code}'
	[ "${lines[1]}" = 400 ]
	[ "${lines[0]}" = '{"message":"client version 1.99 is too new. Maximum supported API version is 1.47"}' ]
	run berthd_curl GET /version -w '\n%{http_code}'
	[ "${lines[1]}" = 200 ]
	[ "$(jq -r .ApiVersion <<<"${lines[0]}")" = 1.47 ]
	run berthd_curl GET /v1.24/version -w '\n%{http_code}'
	[ "${lines[1]}" = 200 ]
	run berthd_curl GET /v1.47/_ping -w '\n%{http_code}'
	[ "${lines[1]}" = 200 ]
}

@test "unknown paths are 404 page not found, in JSON" {
	berthd_start
	run berthd_curl GET /v1.47/no/such/thing -w '\n%{http_code}' -D "$BERTH_TEST_TMP/h"
	[ "${lines[0]}" = '{"message":"page not found"}' ]
	[ "${lines[1]}" = 404 ]
	grep -q '^Content-Type: application/json' "$BERTH_TEST_TMP/h"
	grep -q '^Api-Version: 1.47' "$BERTH_TEST_TMP/h"
	run berthd_curl DELETE /_ping -w '\n%{http_code}'
	[ "${lines[1]}" = 404 ]
}

@test "malformed requests are 400, oversize heads 431 and 414, and berthd keeps serving" {
	berthd_start
	run raw_request 'GARBAGE\r\n\r\n'
	[[ "$output" == "HTTP/1.1 400 Bad Request"* ]]
	[[ "$output" == *'"message":"malformed HTTP request'* ]]
	run raw_request 'GET /_ping HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc'
	[[ "$output" == "HTTP/1.1 400 "* ]]
	run raw_request 'GET /containers/%zz/json HTTP/1.1\r\nHost: x\r\n\r\n'
	[[ "$output" == "HTTP/1.1 400 "* ]]
	local big
	big=$(head -c 70000 /dev/zero | tr '\0' a)
	run berthd_curl GET /_ping -H "X-Big: $big" -o /dev/null -w '%{http_code}'
	[ "$output" = 431 ]
	run berthd_curl GET "/$big" -o /dev/null -w '%{http_code}'
	[ "$output" = 414 ]
	run berthd_curl GET /_ping -w '\n%{http_code}'
	[ "${lines[1]}" = 200 ]
}

@test "keep-alive: pipelined requests and a chunked body on one connection" {
	berthd_start
	run raw_request 'POST /v1.47/nothing HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET /_ping HTTP/1.1\r\nHost: x\r\n\r\nHEAD /_ping HTTP/1.1\r\nHost: x\r\n\r\nGET /v1.30/_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
	# a body ends right before the next status line ("OKHTTP/1.1 200 OK")
	[ "$(grep -o 'HTTP/1.1 [0-9]*' <<<"$output" | tr '\n' ' ')" = "HTTP/1.1 404 HTTP/1.1 200 HTTP/1.1 200 HTTP/1.1 200 " ]
	[[ "$output" == "HTTP/1.1 404 "* ]]
}

@test "a malformed JSON body is 400 saying where" {
	berthd_start
	run berthd_curl POST /v1.47/containers/create -H 'Content-Type: application/json' \
		-d '{"Image": "busybox",' -w '\n%{http_code}'
	[ "${lines[-1]}" != 404 ] || skip "POST /containers/create is not built yet"
	[ "${lines[1]}" = 400 ]
	[[ "${lines[0]}" == *'invalid JSON'*'line 1'* ]]
	# bad filters in a query are 400 too
	run berthd_curl GET '/events?filters=%7Bbad' -w '\n%{http_code}'
	[ "${lines[1]}" = 400 ]
	[[ "${lines[0]}" == *'invalid filter'* ]]
	run berthd_curl GET '/events?filters=%7B%22nope%22%3A%5B%22x%22%5D%7D' -w '\n%{http_code}'
	[ "${lines[1]}" = 400 ]
	[ "${lines[0]}" = '{"message":"invalid filter '"'"'nope'"'"'"}' ]
}

@test "events: a SIGHUP reload is replayed by docker events --since --until" {
	berthd_start
	local since until
	since=$(date +%s)
	kill -HUP "$BERTHD_PID"
	# SIGHUP is asynchronous: the event may come before or after the
	# request starts; until= keeps the stream open long enough for both
	until=$(($(date +%s) + 2))
	run docker events --since "$since" --until "$until" --format '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}'
	[ "$status" -eq 0 ]
	[ "$output" = "daemon reload $(hostname)" ]
	# filters: type=container drops it, type=daemon and event=reload keep it
	run docker events --since "$since" --until "$until" --filter type=container
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run docker events --since "$since" --until "$until" --filter type=daemon --filter event=reload --format '{{.Action}}'
	[ "$output" = reload ]
	# until in the past: the replay ends at once; RFC3339 works too
	run berthd_curl GET "/events?since=$since&until=$(date -u -d @"$until" +%Y-%m-%dT%H:%M:%SZ)" --max-time 10
	[ "$status" -eq 0 ]
	[ "$(jq -r .Action <<<"$output")" = reload ]
	run berthd_curl GET "/events?since=yesterday" -w '\n%{http_code}'
	[ "${lines[1]}" = 400 ]
}

@test "events: a client that leaves the stream leaves no thread behind" {
	berthd_start
	local before after
	before=$(ls "/proc/$BERTHD_PID/task" | wc -l)
	# curl gives up after a second on a stream that never ends
	run curl -sS --max-time 1 --unix-socket "$BERTH_SOCK" http://localhost/events
	[ "$status" -eq 28 ]
	# the handler notices at once (POLLRDHUP).  Each _ping is a round
	# trip (its own thread may still be unwinding when counted, so ask
	# again); a stuck events thread never goes away and fails this
	local i
	for i in $(seq 50); do
		[ "$(berthd_curl GET /_ping)" = OK ]
		after=$(ls "/proc/$BERTHD_PID/task" | wc -l)
		[ "$after" -le "$before" ] && break
	done
	[ "$after" -le "$before" ]
	# and a new event still reaches a new subscriber
	local since
	since=$(date +%s)
	kill -HUP "$BERTHD_PID"
	run docker events --since "$since" --until "$(($(date +%s) + 1))" --format '{{.Action}}'
	[ "$output" = reload ]
}

@test "50 parallel _ping requests all answer 200" {
	berthd_start
	local i pids=()
	for i in $(seq 50); do
		curl -sS -o /dev/null -w '%{http_code}\n' --unix-socket "$BERTH_SOCK" http://localhost/_ping \
			>>"$BERTH_TEST_TMP/codes" &
		pids+=($!)
	done
	# only the curls: a bare wait would wait for berthd too
	wait "${pids[@]}"
	[ "$(grep -c '^200$' "$BERTH_TEST_TMP/codes")" = 50 ]
}

@test "SIGTERM: exit 0, socket and pid file removed" {
	berthd_start
	[ -S "$BERTH_SOCK" ]
	[ -f "$BERTH_EXEC_ROOT/berthd.pid" ]
	[ "$(cat "$BERTH_EXEC_ROOT/berthd.pid")" = "$BERTHD_PID" ]
	berthd_stop
	[ "$BERTHD_STATUS" = 0 ]
	[ ! -e "$BERTH_SOCK" ]
	[ ! -e "$BERTH_EXEC_ROOT/berthd.pid" ]
}

@test "a stale socket is replaced; a live daemon's socket and pid file are refused" {
	berthd_start
	local first=$BERTHD_PID
	# a second berthd on the same roots: the socket answers, the pid file is locked
	run "$BERTHD" "${BERTH_ROOT_ARGS[@]}" -H "unix://$BERTH_SOCK" \
		--pidfile "$BERTH_TEST_TMP/other.pid" --runtime /bin/true
	[ "$status" -eq 1 ]
	[[ "$output" == *"another daemon is listening on '$BERTH_SOCK'"* ]]
	run "$BERTHD" "${BERTH_ROOT_ARGS[@]}" -H "unix://$BERTH_SOCK" --runtime /bin/true
	[ "$status" -eq 1 ]
	[[ "$output" == *"pid file found, ensure berthd is not running"* ]]
	# killed: the socket file stays, the next berthd replaces it
	berthd_kill9
	[ -S "$BERTH_SOCK" ]
	berthd_restart
	[ "$BERTHD_PID" != "$first" ]
	run berthd_curl GET /_ping
	[ "$output" = OK ]
}

@test "daemon.json: unknown keys, flag conflicts and bad JSON stop berthd with dockerd's wording" {
	local cfg=$BERTH_TEST_TMP/daemon.json
	echo '{"log-level": "debug", "bogus": 1, "other": true}' >"$cfg"
	run "$BERTHD" "${BERTH_ROOT_ARGS[@]}" --config-file "$cfg" --validate
	[ "$status" -eq 1 ]
	[[ "$output" == *"unable to configure the berth daemon with file $cfg: the following directives don't match any configuration option: bogus, other"* ]]
	echo '{"log-level": "debug"}' >"$cfg"
	run "$BERTHD" "${BERTH_ROOT_ARGS[@]}" --config-file "$cfg" --log-level info --validate
	[ "$status" -eq 1 ]
	[[ "$output" == *"the following directives are specified both as a flag and in the configuration file: log-level: (from flag: info, from file: debug)"* ]]
	printf '{\n  "debug": true,\n  "hosts": [\n' >"$cfg"
	run "$BERTHD" "${BERTH_ROOT_ARGS[@]}" --config-file "$cfg" --validate
	[ "$status" -eq 1 ]
	[[ "$output" == *"line 4"* ]]
	echo '{"log-level": "loud"}' >"$cfg"
	run "$BERTHD" "${BERTH_ROOT_ARGS[@]}" --config-file "$cfg" --validate
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid level 'loud'"* ]]
	run "$BERTHD" "${BERTH_ROOT_ARGS[@]}" --config-file "$cfg" -H tcp://0.0.0.0:2375 --validate
	[ "$status" -eq 1 ]
	echo '{"debug": true, "registry-mirrors": ["https://mirror.example"], "default-ulimits": {"nofile": {"Name": "nofile", "Soft": 1024, "Hard": 2048}}}' >"$cfg"
	run "$BERTHD" "${BERTH_ROOT_ARGS[@]}" --config-file "$cfg" --validate
	[ "$status" -eq 0 ]
	run "$BERTHD" --default-ulimit nofile=2048:1024 --validate
	[ "$status" -eq 1 ]
	[[ "$output" == *"soft limit must be less than or equal to hard limit"* ]]
	# berthd_start reports a daemon that dies at start with its log
	echo '{"bogus": 1}' >"$cfg"
	run berthd_start
	[ "$status" -eq 1 ]
	[[ "$output" == *"don't match any configuration option: bogus"* ]]
}

@test "tcp hosts are refused with a clear error" {
	run berthd_start -H tcp://127.0.0.1:23750
	[ "$status" -eq 1 ]
	[[ "$output" == *"tcp:// is not supported yet"* ]]
}

@test "SIGHUP reloads daemon.json; a bad file keeps the old config" {
	local cfg=$BERTH_TEST_TMP/daemon.json
	echo '{"registry-mirrors": ["https://one.example"]}' >"$cfg"
	berthd_start
	[ "$(docker info --format '{{json .RegistryConfig.Mirrors}}')" = '["https://one.example/"]' ] ||
		[ "$(docker info --format '{{json .RegistryConfig.Mirrors}}')" = '["https://one.example"]' ]
	echo '{"registry-mirrors": ["https://two.example"], "debug": true}' >"$cfg"
	local since
	since=$(date +%s)
	kill -HUP "$BERTHD_PID"
	run docker events --since "$since" --until "$(($(date +%s) + 1))" --format '{{.Action}}'
	[ "$output" = reload ]
	[[ "$(docker info --format '{{json .RegistryConfig.Mirrors}}')" == '["https://two.example'* ]]
	[ "$(docker info --format '{{.Debug}}')" = true ]
	# a broken file: logged, old config kept, no reload event
	echo '{"registry-mirrors": ' >"$cfg"
	since=$(date +%s)
	kill -HUP "$BERTHD_PID"
	run docker events --since "$since" --until "$(($(date +%s) + 1))"
	[ -z "$output" ]
	grep -q "keeping the current configuration" "$BERTHD_LOG"
	[[ "$(docker info --format '{{json .RegistryConfig.Mirrors}}')" == '["https://two.example'* ]]
}
