#!/usr/bin/env bats
# The commands that change containers (stop, kill, restart, pause, rm,
# rename, update, commit, container prune) and the read-only ones that
# need a scenario (top, diff, port, export): every scenario runs through
# berth on "berth-X" and through the real docker CLI on "docker-X", both
# against one berthd; messages, exit codes and the containers' resulting
# state (docker inspect) must be the same.

load ../helpers/common
load cli-helpers

setup()
{
	cli_setup
}

teardown()
{
	cli_teardown
}

# pair NAME ARGS...: start berth-NAME and docker-NAME with `docker run -d ARGS`
pair()
{
	local name=$1
	shift
	"$DOCKER" run -d --name "berth-$name" "$@" >/dev/null
	"$DOCKER" run -d --name "docker-$name" "$@" >/dev/null
}

# twice ARGS...: `berth ARGS` with each "@" made "berth-", then `docker
# ARGS` with "@" made "docker-"; fails unless status and output (names and
# IDs normalised) match.  Sets berth_status/docker_status/*_output.
twice()
{
	local a bargs=() dargs=()
	for a in "$@"; do
		bargs+=("${a//@/berth-}")
		dargs+=("${a//@/docker-}")
	done
	berth_status=0 docker_status=0
	berth_output=$("$BERTH" "${bargs[@]}" </dev/null 2>&1) || berth_status=$?
	docker_output=$("$DOCKER" "${dargs[@]}" </dev/null 2>&1) || docker_status=$?
	berth_output=$(cli_normalise <<<"$berth_output" | sed 's/berth-/@/g')
	docker_output=$(cli_normalise <<<"$docker_output" | sed 's/docker-/@/g')
	if [ "$berth_status" != "$docker_status" ] || [ "$berth_output" != "$docker_output" ]; then
		echo "berth ${bargs[*]} -> $berth_status:" >&2
		printf '%s\n' "$berth_output" >&2
		echo "docker ${dargs[*]} -> $docker_status:" >&2
		printf '%s\n' "$docker_output" >&2
		return 1
	fi
}

STATE_FMT='{{.State.Status}} exit={{.State.ExitCode}} paused={{.State.Paused}} restarts={{.RestartCount}}'

# same_state NAME [FORMAT]: berth-NAME and docker-NAME inspect alike
same_state()
{
	local fmt=${2:-$STATE_FMT} b d
	b=$("$DOCKER" inspect -f "$fmt" "berth-$1")
	d=$("$DOCKER" inspect -f "$fmt" "docker-$1")
	if [ "$b" != "$d" ]; then
		echo "berth-$1: $b" >&2
		echo "docker-$1: $d" >&2
		return 1
	fi
	echo "$b"
}

@test "stop: -t, -s, several containers, a missing one" {
	pair a busybox sleep 1000
	pair b busybox sleep 1000
	twice stop -t 1 @a @b nope
	[ "$berth_status" -eq 1 ]
	[ "$(head -n 2 <<<"$berth_output")" = $'@a\n@b' ]
	[[ "$berth_output" == *'Error response from daemon: No such container: nope'* ]]
	run same_state a
	[[ "$output" == exited* ]]
	twice start @a
	twice stop -s KILL @a
	same_state a
	twice stop @a
	[ "$berth_status" -eq 0 ]
}

@test "kill: default and -s, not running, missing" {
	pair a busybox sh -c 'trap "exit 7" USR1; sleep 1000 & wait'
	# the trap is set once the shell started its sleep
	await_output 1 'sleep 1000' "$DOCKER" top berth-a >/dev/null
	await_output 1 'sleep 1000' "$DOCKER" top docker-a >/dev/null
	twice kill -s USR1 @a
	[ "$berth_output" = "@a" ]
	"$DOCKER" wait berth-a docker-a >/dev/null
	run same_state a
	[[ "$output" == "exited exit=7"* ]]
	pair b busybox sleep 1000
	twice kill @b
	"$DOCKER" wait berth-b docker-b >/dev/null
	run same_state b
	[[ "$output" == "exited exit=137"* ]]
	twice kill @a
	[ "$berth_status" -eq 1 ]
	[[ "$berth_output" == *'is not running'* ]]
	twice kill nope
	[ "$berth_status" -eq 1 ]
	twice kill
	[ "$berth_status" -eq 1 ]
}

@test "restart, pause, unpause" {
	pair a busybox sleep 1000
	twice pause @a
	same_state a
	[[ "$(same_state a)" == "paused"* ]]
	twice pause @a
	[ "$berth_status" -eq 1 ]
	[[ "$berth_output" == *'is already paused'* ]]
	twice unpause @a
	[[ "$(same_state a)" == "running"* ]]
	twice unpause @a
	[ "$berth_status" -eq 1 ]
	twice restart -t 1 @a nope
	[ "$berth_status" -eq 1 ]
	[[ "$(same_state a)" == "running"* ]]
	twice pause nope
}

@test "rm: running refused, -f, missing with and without -f, empty name" {
	pair a busybox sleep 1000
	twice rm @a
	[ "$berth_status" -eq 1 ]
	twice rm -f @a nope
	[ "$berth_status" -eq 0 ]
	[[ "$berth_output" == *'No such container: nope'* ]]
	run "$DOCKER" inspect berth-a
	[ "$status" -ne 0 ]
	twice rm nope
	[ "$berth_status" -eq 1 ]
	twice rm ''
	[ "$berth_status" -eq 1 ]
	[[ "$berth_output" == *'container name cannot be empty'* ]]
	"$DOCKER" create --name berth-c busybox true >/dev/null
	"$DOCKER" create --name docker-c busybox true >/dev/null
	twice rm -v @c
	[ "$berth_output" = "@c" ]
}

@test "rename: new name, taken name, empty name, missing container" {
	pair a busybox sleep 1000
	twice rename @a @renamed
	[ -z "$berth_output" ]
	[ "$("$DOCKER" inspect -f '{{.Name}}' berth-renamed)" = /berth-renamed ]
	twice rename nope @x
	[ "$berth_status" -eq 1 ]
	[[ "$berth_output" == *'Error: failed to rename container named nope'* ]]
	twice rename @renamed ' '
	[[ "$berth_output" == *'Neither old nor new names may be empty'* ]]
	"$DOCKER" create --name berth-taken busybox true >/dev/null
	"$DOCKER" create --name docker-taken busybox true >/dev/null
	twice rename @renamed @taken
	[ "$berth_status" -eq 1 ]
}

@test "update: resources and restart policy land in HostConfig; bad values refused" {
	pair a busybox sleep 1000
	twice update --memory 64m --memory-swap 128m --cpus 0.5 --cpu-shares 512 --pids-limit 50 \
		--restart on-failure:3 @a
	[ "$berth_output" = "@a" ]
	run same_state a '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.NanoCpus}} {{.HostConfig.CpuShares}} {{.HostConfig.PidsLimit}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}'
	[ "$status" -eq 0 ]
	[ "$output" = "67108864 134217728 500000000 512 50 on-failure:3" ]
	twice update @a
	[ "$berth_status" -eq 1 ]
	[[ "$berth_output" == *'you must provide one or more flags'* ]]
	twice update --memory lots @a
	[ "$berth_status" -eq 125 ]
	twice update --cpus abc @a
	[ "$berth_status" -eq 125 ]
	twice update --restart :3 @a
	[ "$berth_status" -eq 1 ]
	twice update -m 32m nope @a
	[ "$berth_status" -eq 1 ]
	[ "$(same_state a '{{.HostConfig.Memory}}')" = 33554432 ]
}

@test "top, diff and port" {
	pair a busybox sh -c 'mkdir /made && echo x >/etc/added && rm /etc/hostname.gone 2>/dev/null; exec sleep 1000'
	# the changes exist once the shell exec'd sleep
	await_output 1 sleep "$DOCKER" top berth-a >/dev/null
	await_output 1 sleep "$DOCKER" top docker-a >/dev/null
	# PIDs and start times differ between the two containers: the titles
	# must be the same line, the rows the same once numbers are blurred
	local b d
	b=$("$BERTH" top berth-a)
	d=$("$DOCKER" top docker-a)
	[ "$(head -n 1 <<<"$b")" = "$(head -n 1 <<<"$d")" ]
	[ "$(sed -E 's/[0-9]+/N/g; s/ +/ /g' <<<"$b")" = "$(sed -E 's/[0-9]+/N/g; s/ +/ /g' <<<"$d")" ]
	[[ "$b" == *'sleep 1000'* ]]
	b=$("$BERTH" top berth-a -o pid,comm)
	d=$("$DOCKER" top docker-a -o pid,comm)
	[ "$(head -n 1 <<<"$b")" = "$(head -n 1 <<<"$d")" ]
	[ "$(sed -E 's/[0-9]+/N/g; s/ +/ /g' <<<"$b")" = "$(sed -E 's/[0-9]+/N/g; s/ +/ /g' <<<"$d")" ]
	twice top nope
	[ "$berth_status" -eq 1 ]
	twice diff @a
	[[ "$berth_output" == *'A /made'* ]]
	[[ "$berth_output" == *'A /etc/added'* ]]
	twice diff nope
	[ "$berth_status" -eq 1 ]
	twice port @a
	twice port @a 80
	[ "$berth_status" -eq 1 ]
	[[ "$berth_output" == *"Error: No public port '80' published for @a"* ]]
	twice port @a 80/udp
	twice port @a notaport
	[[ "$berth_output" == *'Error: invalid port (notaport)'* ]]
	twice port nope
}

@test "commit: message, author, changes; the image has them" {
	pair a busybox sh -c 'echo data >/committed; exec sleep 1000'
	await_output 1 sleep "$DOCKER" top berth-a >/dev/null
	await_output 1 sleep "$DOCKER" top docker-a >/dev/null
	twice commit -m 'a message' -a 'An Author' -c 'ENV COMMITTED=yes' @a @snap:v1
	[[ "$berth_output" == 'sha256:<DIGEST>' ]]
	local fmt='{{.Comment}}|{{.Author}}|{{.Config.Env}}'
	[ "$("$DOCKER" image inspect -f "$fmt" berth-snap:v1)" = "$("$DOCKER" image inspect -f "$fmt" docker-snap:v1)" ]
	run "$DOCKER" run --rm berth-snap:v1 sh -c 'cat /committed; echo $COMMITTED'
	[ "$output" = $'data\nyes' ]
	twice commit nope
	[ "$berth_status" -eq 1 ]
	twice commit -p=false @a
	[[ "$berth_output" == 'sha256:<DIGEST>' ]]
}

@test "export: the same tar as docker's, -o, refuses a terminal" {
	pair a busybox sleep 1000
	"$BERTH" export berth-a >"$BERTH_TEST_TMP/b.tar"
	"$DOCKER" export berth-a >"$BERTH_TEST_TMP/d.tar"
	cmp "$BERTH_TEST_TMP/b.tar" "$BERTH_TEST_TMP/d.tar"
	tar tf "$BERTH_TEST_TMP/b.tar" | grep -qx 'bin/busybox'
	"$BERTH" export -o "$BERTH_TEST_TMP/o.tar" berth-a
	cmp "$BERTH_TEST_TMP/b.tar" "$BERTH_TEST_TMP/o.tar"
	[ "$(stat -c %a "$BERTH_TEST_TMP/o.tar")" = 600 ]
	# no temporary file left beside it
	[ "$(find "$BERTH_TEST_TMP" -maxdepth 1 -name '.berth_temp_*' | wc -l)" -eq 0 ]
	twice export -o /nonexistent/dir/x.tar @a
	[ "$berth_status" -eq 1 ]
	twice export -o "$BERTH_TEST_TMP" @a
	[ "$berth_status" -eq 1 ]
	twice export nope
	[ "$berth_status" -eq 1 ]
	local b d
	b=$(script -qec "$BERTH export berth-a" /dev/null </dev/null) || true
	d=$(script -qec "$DOCKER export docker-a" /dev/null </dev/null) || true
	[ "$b" = "$d" ]
	[[ "$b" == *'cowardly refusing to save to a terminal'* ]]
}

@test "container prune: the prompt, refusal, --force, --filter" {
	"$DOCKER" run --name gone1 busybox true
	"$DOCKER" run -d --name kept busybox sleep 1000 >/dev/null
	local b d
	b=$(echo n | "$BERTH" container prune 2>&1) || false
	d=$(echo n | "$DOCKER" container prune 2>&1) || false
	[ "$b" = "$d" ]
	[[ "$b" == 'WARNING! This will remove all stopped containers.'* ]]
	"$DOCKER" inspect gone1 >/dev/null
	both container prune --filter nonsense
	[ "$berth_status" -eq 125 ]
	both container prune -f --filter label=nothing
	[ "$berth_output" = "Total reclaimed space: 0B" ]
	b=$(echo y | "$BERTH" container prune 2>&1 | cli_normalise)
	"$DOCKER" run --name gone2 busybox true
	d=$(echo y | "$DOCKER" container prune 2>&1 | cli_normalise)
	[ "$b" = "$d" ]
	[[ "$b" == *$'Deleted Containers:\n<ID>\n\nTotal reclaimed space: '* ]]
	run "$DOCKER" inspect gone1
	[ "$status" -ne 0 ]
	"$DOCKER" inspect kept >/dev/null
	both container prune -f
}
