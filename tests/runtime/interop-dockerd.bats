#!/usr/bin/env bats
# dockerd (Debian's docker.io 20.10) runs containers through berth-runtime
# (--add-runtime berth=PATH --default-runtime berth), started by the file
# with its own data root, exec root, socket and config, no iptables and no
# bridge; it starts its own containerd, which goes with it.  stdio and exit
# codes, exec, kill, pause/unpause, rm.  INTEROP_RUNTIME=runc for a baseline.

bats_require_minimum_version 1.5.0

load ../helpers/common
load ../helpers/interop

setup_file()
{
	interop_require dockerd docker containerd containerd-shim-runc-v2
	interop_setup_file
	dockerd_start
	interop_baseline
}

teardown_file()
{
	docker_leftovers_remove
	dockerd_stop
	interop_cleanup_all
}

setup() { interop_setup; }

teardown()
{
	docker_leftovers_remove
	interop_teardown "$DOCKER_RTROOT"
}

# Remove every container a (failed) test left, through dockerd
docker_leftovers_remove()
{
	local ids
	[ -S "${DOCKER_SOCK:-/nonexistent}" ] || return 0
	ids=$(docker_ ps -aq 2>/dev/null)
	[ -n "$ids" ] || return 0
	# shellcheck disable=SC2086
	docker_ unpause $ids >/dev/null 2>&1 || true
	# shellcheck disable=SC2086
	docker_ rm -f $ids >/dev/null 2>&1 || true
}

# .State.Status of container $1
docker_status()
{
	docker_ inspect --format '{{.State.Status}}' "$1"
}

@test "dockerd: run with stdio passes stdin, stdout, stderr and the exit code" {
	interop_check_stdio docker_run --rm -i --name berth-dkr-run "$INTEROP_IMAGE"
	interop_expect_none docker_ ps -aq
}

@test "dockerd: the container ran with the berth runtime" {
	docker_run -d --name berth-dkr-rt "$INTEROP_IMAGE" sleep 1000
	run docker_ inspect --format '{{.HostConfig.Runtime}}' berth-dkr-rt
	[ "$output" = berth ]
	run docker_ info --format '{{.DefaultRuntime}}'
	[ "$output" = berth ]
	docker_ rm -f berth-dkr-rt
}

@test "dockerd: exec in a detached container" {
	docker_run -d --name berth-dkr-exec "$INTEROP_IMAGE" sleep 1000
	interop_check_exec docker_ exec berth-dkr-exec
	run docker_status berth-dkr-exec
	[ "$output" = running ]
	docker_ rm -f berth-dkr-exec
}

@test "dockerd: kill with SIGTERM and SIGKILL gives the exit status" {
	docker_run -d --name berth-dkr-term "$INTEROP_IMAGE" \
		sh -c 'trap "exit 42" TERM; while :; do sleep 1 & wait $!; done'
	docker_ kill -s TERM berth-dkr-term
	run docker_ wait berth-dkr-term
	[ "$output" = 42 ]
	run docker_ inspect --format '{{.State.Status}} {{.State.ExitCode}}' berth-dkr-term
	[ "$output" = "exited 42" ]

	docker_run -d --name berth-dkr-kill "$INTEROP_IMAGE" sleep 1000
	docker_ kill berth-dkr-kill
	run docker_ wait berth-dkr-kill
	[ "$output" = 137 ]
	docker_ rm berth-dkr-term berth-dkr-kill
}

@test "dockerd: pause and unpause" {
	docker_run -d --name berth-dkr-pause "$INTEROP_IMAGE" sleep 1000
	docker_ pause berth-dkr-pause
	run docker_ inspect --format '{{.State.Paused}} {{.State.Status}}' berth-dkr-pause
	[ "$output" = "true paused" ]
	docker_ unpause berth-dkr-pause
	run docker_ inspect --format '{{.State.Paused}} {{.State.Status}}' berth-dkr-pause
	[ "$output" = "false running" ]
	run docker_ exec berth-dkr-pause echo resumed
	[ "$status" -eq 0 ]
	[ "$output" = resumed ]
	docker_ rm -f berth-dkr-pause
}

@test "dockerd: rm leaves no container or runtime state" {
	docker_run -d --name berth-dkr-rm "$INTEROP_IMAGE" sleep 1000
	local id
	id=$(docker_ inspect --format '{{.Id}}' berth-dkr-rm)
	[ -d "$DOCKER_RTROOT/$id" ]
	docker_ stop -t 0 berth-dkr-rm
	run docker_status berth-dkr-rm
	[ "$output" = exited ]
	docker_ rm berth-dkr-rm
	interop_expect_none docker_ ps -aq
	run docker_ inspect berth-dkr-rm
	[ "$status" -ne 0 ]
	[ ! -e "$DOCKER_RTROOT/$id" ]
	interop_expect_none "$INTEROP_RT" --root "$DOCKER_RTROOT" list -q
	[ -z "$(_mounts_under "$INTEROP_DIR/docker/data/overlay2" | grep -v '/overlay2$')" ]
}
