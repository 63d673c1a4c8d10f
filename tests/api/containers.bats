#!/usr/bin/env bats
# The containers API through the real docker CLI against a berthd on a
# private socket: run (attached, -d, --rm, options), ps, inspect, logs,
# stop/kill/rm, wait, rename, pause, top, stats, cp, diff, export, events,
# prune, and docker's errors for bad input.

load ../helpers/common
load containers-helpers

setup() { api_setup; }
teardown() { api_teardown; }

@test "docker run --rm prints the output and leaves nothing" {
	run "$DOCKER" run --rm busybox echo hi
	[ "$status" -eq 0 ]
	[ "$output" = hi ]
	run "$DOCKER" ps -aq
	[ -z "$output" ]
}

@test "docker run returns the exit code and keeps stderr apart" {
	run "$DOCKER" run --name c1 busybox sh -c 'echo out; echo err >&2; exit 3'
	[ "$status" -eq 3 ]
	[ "$("$DOCKER" run --rm busybox sh -c 'echo err >&2' 2>/dev/null)" = "" ]
	[ "$("$DOCKER" inspect -f '{{.State.ExitCode}} {{.State.Status}}' c1)" = "3 exited" ]
}

@test "run -e -w -u --entrypoint -l reach the process" {
	run "$DOCKER" run --rm -e FOO=bar -w /tmp -u 1000:1000 busybox sh -c 'echo $FOO $(pwd) $(id -u):$(id -g)'
	[ "$status" -eq 0 ]
	[ "$output" = "bar /tmp 1000:1000" ]
	run "$DOCKER" run --rm --entrypoint /bin/echo busybox a b
	[ "$output" = "a b" ]
	"$DOCKER" run -d --name lab -l team=x busybox sleep 100
	[ "$("$DOCKER" inspect -f '{{index .Config.Labels "team"}}' lab)" = x ]
	[ "$("$DOCKER" ps -q --filter label=team=x | wc -l)" -eq 1 ]
	[ "$("$DOCKER" ps -q --filter label=team=y | wc -l)" -eq 0 ]
}

@test "run -d, ps, ps -a, ps -q, filters, inspect fields" {
	id=$("$DOCKER" run -d --name web busybox sleep 100)
	[ ${#id} -eq 64 ]
	"$DOCKER" create --name idle busybox true >/dev/null
	run "$DOCKER" ps --format '{{.Names}} {{.Status}}'
	[ "$status" -eq 0 ]
	[[ "$output" == "web Up "* ]]
	[ "$(wc -l <<<"$output")" -eq 1 ]
	run "$DOCKER" ps -a --format '{{.Names}}|{{.Status}}'
	[[ "$output" == *"idle|Created"* ]]
	[ "$("$DOCKER" ps -aq | wc -l)" -eq 2 ]
	[ "$("$DOCKER" ps -q --filter status=created)" = "$("$DOCKER" inspect -f '{{.Id}}' idle | cut -c1-12)" ]
	[ "$("$DOCKER" ps -q --filter name=web)" = "${id:0:12}" ]
	[ "$("$DOCKER" ps -q --filter id="${id:0:8}")" = "${id:0:12}" ]
	[ "$("$DOCKER" ps -q --filter ancestor=busybox | wc -l)" -eq 1 ]
	run "$DOCKER" inspect web
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[0].Name' <<<"$output")" = /web ]
	[ "$(jq -r '.[0].State.Running' <<<"$output")" = true ]
	[ "$(jq -r '.[0].State.Pid' <<<"$output")" -gt 0 ]
	[ "$(jq -r '.[0].Path' <<<"$output")" = sleep ]
	[ "$(jq -r '.[0].Args[0]' <<<"$output")" = 100 ]
	[ "$(jq -r '.[0].Driver' <<<"$output")" = overlay2 ]
	[ "$(jq -r '.[0].Config.Image' <<<"$output")" = busybox ]
	[[ "$(jq -r '.[0].LogPath' <<<"$output")" == *"$id-json.log" ]]
	kill -0 "$(jq -r '.[0].State.Pid' <<<"$output")"
	[ "$("$DOCKER" inspect -f '{{.State.Status}}' idle)" = created ]
}

@test "logs, logs --tail, -t, and logs -f ends when the container exits" {
	"$DOCKER" run --name lo busybox sh -c 'for i in 1 2 3; do echo line$i; done; echo e >&2'
	run "$DOCKER" logs lo
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'line1\nline2\nline3\ne')" ]
	[ "$("$DOCKER" logs lo 2>/dev/null | wc -l)" -eq 3 ]
	[ "$("$DOCKER" logs --tail 1 lo 2>&1)" = e ]
	[[ "$("$DOCKER" logs -t lo 2>/dev/null | head -n1)" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T.*Z\ line1$ ]]
	"$DOCKER" run -d --name fo busybox sh -c 'echo a; sleep 1; echo b'
	run "$DOCKER" logs -f fo
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'a\nb')" ]
}

@test "stop: TERM, then KILL after the timeout for a process ignoring TERM" {
	# sh as pid 1 acts on TERM only through a handler (the kernel's init rule)
	"$DOCKER" run -d --name s1 busybox sh -c 'trap "exit 143" TERM; while :; do sleep 1; done'
	"$DOCKER" stop s1
	[ "$("$DOCKER" inspect -f '{{.State.ExitCode}}' s1)" -eq 143 ]
	"$DOCKER" run -d --name s2 busybox sh -c 'trap "" TERM; while :; do sleep 1; done'
	start=$(date +%s)
	"$DOCKER" stop -t 1 s2
	[ $(($(date +%s) - start)) -lt 8 ]
	[ "$("$DOCKER" inspect -f '{{.State.ExitCode}}' s2)" -eq 137 ]
	# stopping a stopped container is not an error (304)
	"$DOCKER" stop s2
}

@test "kill -s, wait, rm -f, rm of a running container" {
	# sh as pid 1 acts on HUP only through a handler (the kernel's init rule)
	"$DOCKER" run -d --name kk busybox sh -c 'trap "exit 42" HUP; while :; do sleep 1; done'
	"$DOCKER" kill -s HUP kk
	run "$DOCKER" wait kk
	[ "$output" -eq 42 ]
	run "$DOCKER" kill kk
	[ "$status" -ne 0 ]
	[[ "$output" == *"is not running"* ]]
	"$DOCKER" run -d --name rr busybox sleep 100
	run "$DOCKER" rm rr
	[ "$status" -ne 0 ]
	[[ "$output" == *"stop the container before removing or force remove"* ]]
	"$DOCKER" rm -f rr
	run "$DOCKER" inspect rr
	[ "$status" -ne 0 ]
}

@test "rename, pause/unpause with top, stats --no-stream" {
	"$DOCKER" run -d --name aa busybox sleep 100
	"$DOCKER" run -d --name bb busybox sleep 100
	run "$DOCKER" rename aa bb
	[ "$status" -ne 0 ]
	[[ "$output" == *"is already in use"* ]]
	"$DOCKER" rename aa cc
	[ "$("$DOCKER" inspect -f '{{.Name}}' cc)" = /cc ]
	"$DOCKER" pause cc
	[ "$("$DOCKER" inspect -f '{{.State.Status}} {{.State.Paused}}' cc)" = "paused true" ]
	pid=$("$DOCKER" inspect -f '{{.State.Pid}}' cc)
	[ "$(awk '/^State:/ {print $2}' "/proc/$pid/status")" != R ]
	run "$DOCKER" top cc
	[ "$status" -eq 0 ]
	[[ "$output" == *"sleep 100"* ]]
	"$DOCKER" unpause cc
	[ "$("$DOCKER" inspect -f '{{.State.Status}}' cc)" = running ]
	run "$DOCKER" stats --no-stream --format '{{.Name}} {{.MemUsage}}' cc
	[ "$status" -eq 0 ]
	[[ "$output" == "cc "* ]]
}

@test "cp both ways, diff, export" {
	"$DOCKER" run -d --name xx busybox sh -c 'echo made >/created; rm /bin/true 2>/dev/null; sleep 100'
	echo hello >"$BERTH_TEST_TMP/in.txt"
	"$DOCKER" cp "$BERTH_TEST_TMP/in.txt" xx:/tmp/
	[ "$("$DOCKER" exec xx cat /tmp/in.txt)" = hello ]
	"$DOCKER" cp xx:/tmp/in.txt "$BERTH_TEST_TMP/back.txt"
	[ "$(cat "$BERTH_TEST_TMP/back.txt")" = hello ]
	run "$DOCKER" diff xx
	[ "$status" -eq 0 ]
	[[ "$output" == *"A /created"* ]]
	[[ "$output" == *"A /tmp/in.txt"* ]]
	"$DOCKER" export xx -o "$BERTH_TEST_TMP/x.tar"
	tar -tf "$BERTH_TEST_TMP/x.tar" | grep -qx './created\|created'
}

@test "events: create, start, die in order" {
	"$DOCKER" run --name ev busybox true
	run "$DOCKER" events --since 0 --until "$(($(date +%s) + 1))" \
		--filter container=ev --format '{{.Action}}'
	[ "$status" -eq 0 ]
	actions=$(grep -E '^(create|start|die)$' <<<"$output" | tr '\n' ' ')
	[ "$actions" = "create start die " ]
}

@test "prune removes stopped containers only" {
	"$DOCKER" run --name done1 busybox true
	"$DOCKER" run -d --name live busybox sleep 100
	run "$DOCKER" container prune -f
	[ "$status" -eq 0 ]
	run "$DOCKER" ps -a --format '{{.Names}}'
	[ "$output" = live ]
}

@test "bad input: unknown container, name conflict, missing image, malformed JSON" {
	run "$DOCKER" inspect --type container nope
	[ "$status" -ne 0 ]
	[[ "$output" == *"No such container: nope"* ]]
	"$DOCKER" create --name dup busybox true
	run "$DOCKER" create --name dup busybox true
	[ "$status" -ne 0 ]
	[[ "$output" == *'Conflict. The container name "/dup" is already in use by container'* ]]
	run "$DOCKER" run --rm localhost:1/none:x true
	[ "$status" -ne 0 ]
	[[ "$output" == *"Unable to find image 'localhost:1/none:x' locally"* ]]
	sock=${DOCKER_HOST#unix://}
	run curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" \
		-H 'Content-Type: application/json' -d '{"Image": "busybox",' \
		http://x/v1.47/containers/create
	[ "$output" = 400 ]
	run curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" \
		-H 'Content-Type: application/json' -d '{"Image": "busybox", "Cmd": 5}' \
		http://x/v1.47/containers/create
	[ "$output" = 400 ]
	run "$DOCKER" create --name 'bad name' busybox true
	[ "$status" -ne 0 ]
	[[ "$output" == *"Invalid container name"* ]]
}

@test "healthcheck: healthy and unhealthy, events and the health filter" {
	"$DOCKER" run -d --name hok --health-cmd 'test -d /' --health-interval 1s \
		--health-retries 1 busybox sleep 100
	"$DOCKER" run -d --name hbad --health-cmd 'echo sick; exit 1' --health-interval 1s \
		--health-retries 2 busybox sleep 100
	[ "$("$DOCKER" inspect -f '{{.State.Health.Status}}' hok)" = starting ]
	run await_output 1 '^health_status' "$DOCKER" events --since 0 \
		--filter container=hok --format '{{.Action}}'
	[ "$output" = "health_status: healthy" ]
	run await_output 1 '^health_status' "$DOCKER" events --since 0 \
		--filter container=hbad --format '{{.Action}}'
	[ "$output" = "health_status: unhealthy" ]
	[ "$("$DOCKER" inspect -f '{{.State.Health.Status}}' hok)" = healthy ]
	run "$DOCKER" inspect hbad
	[ "$(jq -r '.[0].State.Health.Status' <<<"$output")" = unhealthy ]
	[ "$(jq -r '.[0].State.Health.FailingStreak' <<<"$output")" -ge 2 ]
	[ "$(jq -r '.[0].State.Health.Log[-1].ExitCode' <<<"$output")" -eq 1 ]
	[ "$(jq -r '.[0].State.Health.Log[-1].Output' <<<"$output")" = sick ]
	[ "$("$DOCKER" ps --filter health=healthy --format '{{.Names}}')" = hok ]
	[[ "$("$DOCKER" ps --filter name=hbad --format '{{.Status}}')" == *"(unhealthy)" ]]
}

@test "50 parallel clients create, start and remove; nothing is left" {
	one()
	{
		local i id
		for i in 1 2; do
			id=$("$DOCKER" create busybox sh -c 'echo x') || return 1
			"$DOCKER" start -a "$id" >/dev/null || return 1
			"$DOCKER" rm "$id" >/dev/null || return 1
		done
		"$DOCKER" run --rm busybox true || return 1
	}
	export -f one
	export DOCKER
	run bash -c 'seq 1 50 | xargs -P 50 -I{} bash -c one'
	[ "$status" -eq 0 ]
	[ -z "$("$DOCKER" ps -aq)" ]
	[ -z "$(ls -A "$BERTH_DATA_ROOT/containers")" ]
	[ -z "$(ls -A "$BERTH_EXEC_ROOT/containers")" ]
	if command -v sqlite3 >/dev/null; then
		[ "$(sqlite3 "$BERTH_DATA_ROOT/containers.db" 'SELECT count(*) FROM containers')" -eq 0 ]
	fi
}

@test "commit makes an image of the container's changes, with -c and -m" {
	"$DOCKER" run --name cm busybox sh -c 'echo committed >/marker'
	id=$("$DOCKER" commit -c 'ENV C=1' -m 'a message' cm local/committed:v1)
	[[ "$id" == sha256:* ]]
	run "$DOCKER" run --rm local/committed:v1 sh -c 'cat /marker; echo $C'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'committed\n1')" ]
	run "$DOCKER" commit nope local/x:y
	[ "$status" -ne 0 ]
	[[ "$output" == *"No such container: nope"* ]]
}

@test "inspect --size and ps -s: SizeRw is the upper dir, SizeRootFs adds the image" {
	# 100000 bytes under two hard links count once; the symlink counts its
	# own 4 bytes ("/big"), never its target; directories count nothing
	"$DOCKER" run --name sz busybox sh -c \
		'head -c 100000 /dev/zero >/big && ln /big /big2 && ln -s /big /lnk && mkdir -p /d/e && head -c 1000 /dev/zero >/d/e/f'
	img=$("$DOCKER" image inspect -f '{{.Size}}' busybox)
	[ "$img" -gt 0 ]
	[ "$("$DOCKER" inspect --size -f '{{.SizeRw}}' sz)" -eq 101004 ]
	[ "$("$DOCKER" inspect --size -f '{{.SizeRootFs}}' sz)" -eq $((101004 + img)) ]
	run "$DOCKER" ps -a -s --filter name=sz --format '{{.Size}}'
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^101kB\ \(virtual\ [0-9.]+[kM]B\)$ ]]
	# a fresh container has written nothing
	"$DOCKER" create --name fresh busybox true
	[ "$("$DOCKER" inspect --size -f '{{.SizeRw}}' fresh)" -eq 0 ]
	run "$DOCKER" ps -a -s --filter name=fresh --format '{{.Size}}'
	[[ "$output" =~ ^0B\ \(virtual\ [0-9.]+[kM]B\)$ ]]
}
