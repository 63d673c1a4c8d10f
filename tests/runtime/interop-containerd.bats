#!/usr/bin/env bats
# containerd 1.6 runs containers through berth-runtime (ctr run
# --runc-binary): stdio and exit codes, exec, kill, pause/resume, delete.
# One private containerd per file (tests/helpers/interop.bash);
# INTEROP_RUNTIME=runc for a baseline.

bats_require_minimum_version 1.5.0

load ../helpers/common
load ../helpers/interop

setup_file()
{
	interop_require containerd ctr containerd-shim-runc-v2
	interop_setup_file
	containerd_start
	interop_baseline
}

teardown_file()
{
	ctr_leftovers_remove
	interop_cleanup_all
}

setup() { interop_setup; }

teardown()
{
	ctr_leftovers_remove
	interop_teardown "$CTR_RTROOT/$CTR_NS"
}

# Remove every task and container a (failed) test left, through containerd
ctr_leftovers_remove()
{
	local id
	[ -S "${CTR_SOCK:-/nonexistent}" ] || return 0
	for id in $(ctr_ task ls -q 2>/dev/null); do
		ctr_ task resume "$id" >/dev/null 2>&1 || true
		ctr_ task kill -s SIGKILL "$id" >/dev/null 2>&1 || true
		ctr_ task rm -f "$id" >/dev/null 2>&1 || true
	done
	for id in $(ctr_ container ls -q 2>/dev/null); do
		ctr_ container rm "$id" >/dev/null 2>&1 || true
	done
}

# Start a detached container $1 running a long sleep
ctr_detached()
{
	ctr_run -d --null-io "$INTEROP_IMAGE" "$1" sleep 1000
	interop_wait ctr_task_is "$1" RUNNING
}

ctr_task_is()
{
	[ "$(ctr_task_status "$1")" = "$2" ]
}

# Kill and remove task and container $1
ctr_remove()
{
	ctr_ task kill -s SIGKILL "$1"
	interop_wait ctr_task_is "$1" STOPPED
	ctr_ task rm "$1" >/dev/null || true
	ctr_ container rm "$1"
}

@test "containerd: run with stdio passes stdin, stdout, stderr and the exit code" {
	interop_check_stdio ctr_run --rm "$INTEROP_IMAGE" berth-ctr-run
	interop_expect_none ctr_ container ls -q
}

@test "containerd: exec in a detached container" {
	ctr_detached berth-ctr-exec
	interop_check_exec ctr_ task exec --exec-id e1 berth-ctr-exec
	# the exec'd process is gone, the container still runs
	run ctr_ task ps berth-ctr-exec
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	ctr_task_is berth-ctr-exec RUNNING
	ctr_remove berth-ctr-exec
}

@test "containerd: kill with SIGTERM and SIGKILL gives the exit status" {
	# init traps TERM and exits 42: the signal reached it
	ctr_run --rm --null-io "$INTEROP_IMAGE" berth-ctr-term \
		sh -c 'trap "exit 42" TERM; while :; do sleep 1 & wait $!; done' \
		</dev/null >"$BERTH_TEST_TMP/term.out" 2>&1 &
	local fg=$!
	interop_wait ctr_task_is berth-ctr-term RUNNING
	ctr_ task kill -s SIGTERM berth-ctr-term
	local rc=0
	wait "$fg" || rc=$?
	cat "$BERTH_TEST_TMP/term.out"
	[ "$rc" -eq 42 ]

	# SIGKILL: ctr run reports 128+9
	ctr_run --rm --null-io "$INTEROP_IMAGE" berth-ctr-kill sleep 1000 \
		</dev/null >"$BERTH_TEST_TMP/kill.out" 2>&1 &
	fg=$!
	interop_wait ctr_task_is berth-ctr-kill RUNNING
	ctr_ task kill -s SIGKILL berth-ctr-kill
	rc=0
	wait "$fg" || rc=$?
	cat "$BERTH_TEST_TMP/kill.out"
	[ "$rc" -eq 137 ]
}

@test "containerd: pause and resume" {
	ctr_detached berth-ctr-pause
	ctr_ task pause berth-ctr-pause
	run ctr_task_status berth-ctr-pause
	[ "$output" = PAUSED ]
	ctr_ task resume berth-ctr-pause
	run ctr_task_status berth-ctr-pause
	[ "$output" = RUNNING ]
	run ctr_ task exec --exec-id e1 berth-ctr-pause echo resumed
	[ "$status" -eq 0 ]
	[ "$output" = resumed ]
	ctr_remove berth-ctr-pause
}

@test "containerd: delete leaves no container, bundle or runtime state" {
	ctr_detached berth-ctr-del
	[ -d "$CTR_RTROOT/$CTR_NS/berth-ctr-del" ]
	ctr_ task kill -s SIGKILL berth-ctr-del
	interop_wait ctr_task_is berth-ctr-del STOPPED
	ctr_ task rm berth-ctr-del || true
	ctr_ container rm berth-ctr-del
	interop_expect_none ctr_ task ls -q
	interop_expect_none ctr_ container ls -q
	[ ! -e "$CTR_RTROOT/$CTR_NS/berth-ctr-del" ]
	[ ! -e "$INTEROP_DIR/containerd/state/io.containerd.runtime.v2.task/$CTR_NS/berth-ctr-del" ]
	interop_expect_none "$INTEROP_RT" --root "$CTR_RTROOT/$CTR_NS" list -q
	[ -z "$(_mounts_under "$INTEROP_DIR")" ]
}
