#!/usr/bin/env bats
# Restart policies, AutoRemove, and containers surviving berthd: killed
# with -9 or stopped cleanly, a new berthd lists them, shows every log
# line, execs into them, stops them, and records exits that happened while
# it was down.

load ../helpers/common
load containers-helpers

setup() { api_setup; }
teardown() { api_teardown; }

@test "restart policy on-failure:2 ends with RestartCount 2" {
	"$DOCKER" run -d --name of --restart on-failure:2 busybox sh -c 'exit 3'
	wait_dies of 3
	run "$DOCKER" wait of
	[ "$output" -eq 3 ]
	[ "$("$DOCKER" inspect -f '{{.RestartCount}} {{.State.Status}}' of)" = "2 exited" ]
}

@test "restart policy always restarts after a kill, not after docker stop" {
	"$DOCKER" run -d --name al --restart always busybox sleep 100
	pid1=$("$DOCKER" inspect -f '{{.State.Pid}}' al)
	kill -KILL "$pid1"
	wait_dies al 1
	# the restart follows the die after the backoff: wait for its start event
	await_output 2 '^start$' "$DOCKER" events --since 0 --filter container=al \
		--filter event=start --format '{{.Action}}'
	[ "$("$DOCKER" inspect -f '{{.State.Running}}' al)" = true ]
	[ "$("$DOCKER" inspect -f '{{.RestartCount}}' al)" -ge 1 ]
	[ "$("$DOCKER" inspect -f '{{.State.Pid}}' al)" != "$pid1" ]
	"$DOCKER" stop -t 1 al
	[ "$("$DOCKER" inspect -f '{{.State.Status}}' al)" = exited ]
}

@test "AutoRemove: run -d --rm removes the container after it exits" {
	id=$("$DOCKER" run -d --rm busybox true)
	"$DOCKER" wait --condition=removed "$id" >/dev/null 2>&1 || true
	run "$DOCKER" inspect "$id"
	[ "$status" -ne 0 ]
}

survive()
{
	local how=$1 pid ex_pid merged
	"$DOCKER" run -d --name sl busybox sleep 1000
	# ex exits when told through a fifo in its rootfs, while no berthd runs
	"$DOCKER" run -d --name ex busybox sh -c 'mkfifo /go; echo ready; read x </go; exit 9'
	"$DOCKER" run -d --name lg busybox sh -c 'for i in $(seq 1 50); do echo l$i; done; exec sleep 1000'
	pid=$("$DOCKER" inspect -f '{{.State.Pid}}' sl)
	ex_pid=$("$DOCKER" inspect -f '{{.State.Pid}}' ex)
	merged=$("$DOCKER" inspect -f '{{.GraphDriver.Data.MergedDir}}' ex)
	await_output 1 '^ready$' "$DOCKER" logs -f ex
	if [ "$how" = kill ]; then berthd_kill9; else berthd_stop; fi
	kill -0 "$pid"
	echo go >"$merged/go"
	tail --pid="$ex_pid" -f /dev/null
	berthd_start
	[ "$("$DOCKER" inspect -f '{{.State.Status}}' sl)" = running ]
	[ "$("$DOCKER" inspect -f '{{.State.Pid}}' sl)" -eq "$pid" ]
	[ "$("$DOCKER" logs lg | wc -l)" -eq 50 ]
	[ "$("$DOCKER" logs lg | tail -n1)" = l50 ]
	[ "$("$DOCKER" exec sl echo alive)" = alive ]
	[ "$("$DOCKER" inspect -f '{{.State.Status}} {{.State.ExitCode}}' ex)" = "exited 9" ]
	run "$DOCKER" wait ex
	[ "$output" -eq 9 ]
	"$DOCKER" stop -t 1 sl
	[ "$("$DOCKER" inspect -f '{{.State.Status}}' sl)" = exited ]
	if kill -0 "$pid" 2>/dev/null; then false; fi
	run "$DOCKER" ps --format '{{.Names}}'
	[ "$output" = lg ]
}

@test "containers survive berthd killed with -9" {
	survive kill
}

@test "containers survive a clean berthd stop (SIGTERM)" {
	survive term
}
