#!/usr/bin/env bats
# podman runs containers through berth-runtime (podman --runtime PATH, with
# a private storage root, runroot, tmpdir, containers.conf, cgroupfs, no
# network, and the runtime's state under --runtime-flag root=…): stdio and
# exit codes, exec, kill, pause/resume, rm.  INTEROP_RUNTIME=runc for a
# baseline.

bats_require_minimum_version 1.5.0

load ../helpers/common
load ../helpers/interop

setup_file()
{
	interop_require podman conmon
	interop_setup_file
	podman_start
	interop_baseline
}

teardown_file()
{
	podman_leftovers_remove
	interop_cleanup_all
}

setup() { interop_setup; }

teardown()
{
	podman_leftovers_remove
	interop_teardown "$PODMAN_RTROOT" "$(podman_ids_ere)"
}

# Remove every container a (failed) test left, through podman
podman_leftovers_remove()
{
	[ -n "${INTEROP_DIR:-}" ] && [ -d "$INTEROP_DIR/podman" ] || return 0
	[ -n "$(podman_ ps -aq 2>/dev/null)" ] || return 0
	podman_ unpause --all >/dev/null 2>&1 || true
	podman_ rm -f -t 0 --all >/dev/null 2>&1 || true
}

# The State.Status of container $1
podman_status()
{
	podman_ inspect --format '{{.State.Status}}' "$1"
}

podman_status_is()
{
	[ "$(podman_status "$1")" = "$2" ]
}

@test "podman: run with stdio passes stdin, stdout, stderr and the exit code" {
	interop_check_stdio podman_run --rm -i --name berth-pod-run "$INTEROP_IMAGE"
	interop_expect_none podman_ ps -aq
}

@test "podman: exec in a detached container" {
	podman_run -d --name berth-pod-exec "$INTEROP_IMAGE" sleep 1000
	interop_check_exec podman_ exec berth-pod-exec
	podman_status_is berth-pod-exec running
	podman_ rm -f -t 0 berth-pod-exec
}

@test "podman: kill with SIGTERM and SIGKILL gives the exit status" {
	podman_run -d --name berth-pod-term "$INTEROP_IMAGE" \
		sh -c 'trap "exit 42" TERM; while :; do sleep 1 & wait $!; done'
	podman_ kill -s TERM berth-pod-term
	run podman_ wait berth-pod-term
	[ "$status" -eq 0 ]
	[ "$output" = 42 ]
	run podman_ inspect --format '{{.State.Status}} {{.State.ExitCode}}' berth-pod-term
	[ "$output" = "exited 42" ]

	podman_run -d --name berth-pod-kill "$INTEROP_IMAGE" sleep 1000
	podman_ kill -s KILL berth-pod-kill
	run podman_ wait berth-pod-kill
	[ "$output" = 137 ]
	podman_ rm berth-pod-term berth-pod-kill
}

@test "podman: pause and resume" {
	podman_run -d --name berth-pod-pause "$INTEROP_IMAGE" sleep 1000
	podman_ pause berth-pod-pause
	run podman_status berth-pod-pause
	[ "$output" = paused ]
	podman_ unpause berth-pod-pause
	run podman_status berth-pod-pause
	[ "$output" = running ]
	run podman_ exec berth-pod-pause echo resumed
	[ "$status" -eq 0 ]
	[ "$output" = resumed ]
	podman_ rm -f -t 0 berth-pod-pause
}

@test "podman: rm leaves no container or runtime state" {
	podman_run -d --name berth-pod-rm "$INTEROP_IMAGE" sleep 1000
	local id
	id=$(podman_ inspect --format '{{.Id}}' berth-pod-rm)
	[ -d "$PODMAN_RTROOT/$id" ]
	podman_ stop -t 0 berth-pod-rm
	podman_status_is berth-pod-rm exited
	podman_ rm berth-pod-rm
	interop_expect_none podman_ ps -aq
	run podman_ container exists berth-pod-rm
	[ "$status" -eq 1 ]
	[ ! -e "$PODMAN_RTROOT/$id" ]
	# the runtime's default root is the host's: look for this container only
	run "$INTEROP_RT" --root "$PODMAN_RTROOT" list -q
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$(grep -xF "$id" <<<"$output")" ]
	[ -z "$(_mounts_under "$INTEROP_DIR/podman/root/overlay-containers")" ]
}
