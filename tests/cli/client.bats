#!/usr/bin/env bats
# The API client under the commands: which daemon berth talks to (-H over
# BERTH_HOST over DOCKER_HOST), what it says when there is none (exit 1
# like docker, and how to start berthd), errors of the daemon word for word
# as docker prints them, and the API version (negotiated with berthd, or
# DOCKER_API_VERSION).

load ../helpers/common
load cli-helpers

bats_require_minimum_version 1.5.0

setup()
{
	cli_setup
}

teardown()
{
	cli_teardown
}

# The message for no daemon at unix://$1
no_daemon_msg()
{
	echo "cannot connect to berthd at unix://$1: is it running? start it with 'sudo berthd' (or 'systemctl start berth')"
}

@test "client: no daemon: how to start it, and docker's exit status" {
	local none=$BERTH_TEST_TMP/none.sock
	for cmd in "ps" "wait x" "exec x true" "attach x"; do
		# shellcheck disable=SC2086 # the command's words
		run --separate-stderr env BERTH_HOST= DOCKER_HOST="unix://$none" "$BERTH" $cmd
		berth_status=$status
		[ "$stderr" = "$(no_daemon_msg "$none")" ]
		[ -z "$output" ]
		# shellcheck disable=SC2086
		run env DOCKER_HOST="unix://$none" "$DOCKER" $cmd
		[ "$berth_status" -eq "$status" ]
		[ "$status" -eq 1 ]
	done
	# a socket file nobody listens on (berthd was killed) is the same
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$none"
	run --separate-stderr env BERTH_HOST="unix://$none" "$BERTH" ps
	[ "$status" -eq 1 ]
	[ "$stderr" = "$(no_daemon_msg "$none")" ]
}

@test "client: hosts berth cannot speak to are refused clearly" {
	run --separate-stderr env BERTH_HOST=tcp://127.0.0.1:2375 "$BERTH" ps
	[ "$status" -eq 1 ]
	[[ "$stderr" == "unsupported host 'tcp://127.0.0.1:2375'"* ]]
}

@test "client: errors of the daemon are docker's" {
	both wait nope
	[ "$berth_status" -eq 1 ]
	[ "$berth_output" = "Error response from daemon: No such container: nope" ]
	both exec nope true
	[ "$berth_output" = "Error response from daemon: No such container: nope" ]
	# an error from a request with a body (exec create), 400 and 409 kinds
	"$DOCKER" create --name stopped busybox true >/dev/null
	both exec stopped true
	[ "$berth_status" -eq 1 ]
	[[ "$berth_output" == "Error response from daemon: Container <ID> is not running" ]]
}

@test "client: -H over BERTH_HOST over DOCKER_HOST" {
	local good=$DOCKER_HOST bad=unix://$BERTH_TEST_TMP/none.sock
	"$DOCKER" run -d --name hostcheck busybox sh -c 'exit 6' >/dev/null
	"$DOCKER" wait hostcheck >/dev/null
	# BERTH_HOST wins over DOCKER_HOST
	run env BERTH_HOST="$good" DOCKER_HOST="$bad" "$BERTH" wait hostcheck
	[ "$status" -eq 0 ]
	[ "$output" = 6 ]
	run --separate-stderr env BERTH_HOST="$bad" DOCKER_HOST="$good" "$BERTH" wait hostcheck
	[ "$status" -eq 1 ]
	[ "$stderr" = "$(no_daemon_msg "$BERTH_TEST_TMP/none.sock")" ]
	# DOCKER_HOST alone is used
	run env -u BERTH_HOST DOCKER_HOST="$good" "$BERTH" wait hostcheck
	[ "$output" = 6 ]
	# -H wins over both
	run env BERTH_HOST="$bad" DOCKER_HOST="$bad" "$BERTH" -H "$good" wait hostcheck
	[ "$output" = 6 ]
	run --separate-stderr env BERTH_HOST="$good" DOCKER_HOST="$good" "$BERTH" -H "$bad" wait hostcheck
	[ "$status" -eq 1 ]
	[ "$stderr" = "$(no_daemon_msg "$BERTH_TEST_TMP/none.sock")" ]
}

@test "client: DOCKER_API_VERSION overrides the negotiated version" {
	"$DOCKER" run -d --name apiv busybox true >/dev/null
	"$DOCKER" wait apiv >/dev/null
	# berthd answers per version: too old and too new as docker shows them
	for v in 1.12 1.99; do
		both_env=(env "DOCKER_API_VERSION=$v")
		berth_out=$("${both_env[@]}" "$BERTH" wait apiv 2>&1) && st=0 || st=$?
		docker_out=$("${both_env[@]}" "$DOCKER" wait apiv 2>&1) && dst=0 || dst=$?
		[ "$st" -eq 1 ]
		[ "$st" -eq "$dst" ]
		[ "$berth_out" = "$docker_out" ]
	done
	[[ "$berth_out" == *"client version 1.99 is too new. Maximum supported API version is 1.47"* ]]
	# an old version that berthd supports is used as given
	run env DOCKER_API_VERSION=1.41 "$BERTH" -D wait apiv
	[ "$status" -eq 0 ]
	[[ "$output" == *"POST /v1.41/containers/apiv/wait"* ]]
	# without it: berthd's own (1.47), found with GET /_ping
	run env -u DOCKER_API_VERSION "$BERTH" -D wait apiv
	[[ "$output" == *"GET /_ping"* ]]
	[[ "$output" == *"POST /v1.47/containers/apiv/wait"* ]]
	# a value that is no version
	run env DOCKER_API_VERSION=abc "$BERTH" wait apiv
	[ "$status" -eq 1 ]
	[ "$output" = "invalid API version 'abc' in DOCKER_API_VERSION" ]
}

@test "client: one connection for many requests (keep-alive)" {
	"$DOCKER" run -d --name ka busybox true >/dev/null
	"$DOCKER" wait ka >/dev/null
	# wait makes its requests on one handle: curl says when it reuses
	run "$BERTH" -D wait ka ka ka
	[ "$status" -eq 0 ]
	[ "$(grep -c '^0$' <<<"$output")" -eq 3 ]
	[[ "$output" == *"Re-using existing connection"* ]]
}
