#!/usr/bin/env bats
# berth-shim driven directly through its client library (shim-tool):
# spawn/start/wait exit codes, kill, exit.json once the shim is gone,
# surviving its "daemon", create failures, OOM, and protocol errors.

load ../helpers/common
load shim-helpers

setup_file() { shim_setup_file; }
setup() { shim_setup; }
teardown() { shim_teardown; }

@test "spawn, start and wait give exit code 0" {
	set_args /bin/true
	run sh_spawn
	[ "$status" -eq 0 ]
	[ "$output" -gt 1 ]
	[ "$(st status | jq -r .state)" = created ]
	[ -S "$STATE/shim.sock" ]
	[ "$(stat -c %a "$STATE/shim.sock")" = 600 ]
	st start
	run st wait
	[ "$status" -eq 0 ]
	[ "$(jq -r .state <<<"$output")" = stopped ]
	[ "$(jq -r .exit_code <<<"$output")" -eq 0 ]
	[ "$(jq -r .oom_killed <<<"$output")" = false ]
	[ "$(jq -r .started_at <<<"$output")" -gt 0 ]
	[ "$(jq -r .finished_at <<<"$output")" -ge "$(jq -r .started_at <<<"$output")" ]
}

@test "wait gives exit code 3" {
	set_args sh -c 'exit 3'
	sh_spawn
	st start
	run st wait
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .exit_code <<<"$output")" -eq 3 ]
}

@test "kill -9 gives 137, many waiters get it" {
	set_args sleep 1000
	local pid
	pid=$(sh_spawn)
	st start
	[ "$(st status | jq -r .state)" = running ]
	[ "$(st status | jq -r .pid)" -eq "$pid" ]
	local i pids=()
	for i in 1 2 3; do
		st wait >"$BERTH_TEST_TMP/wait.$i" &
		pids+=($!)
	done
	st kill 9
	wait "${pids[@]}"
	for i in 1 2 3; do
		[ "$(jq -r .exit_code "$BERTH_TEST_TMP/wait.$i")" -eq 137 ]
	done
	run st kill 9
	[ "$status" -ne 0 ]
}

@test "exit.json stays after the shim exited; wait and read-exit use it" {
	set_args sh -c 'exit 7'
	sh_spawn
	local pid
	pid=$(shim_pid)
	st start
	run st wait
	echo "$output"
	[ "$(jq -r .exit_code <<<"$output")" -eq 7 ]
	# the shim is gone: its socket, pid file, process
	wait_pid_exit "$pid"
	[ ! -e "$STATE/shim.sock" ]
	[ ! -e "$STATE/shim.pid" ]
	jq -e '.exit_code == 7 and .oom_killed == false and (.finished_at | test("^[0-9-]+T[0-9:]+\\.[0-9]{9}Z$"))' \
		"$STATE/exit.json"
	[ "$(st read-exit | jq -r .exit_code)" -eq 7 ]
	[ "$(st wait | jq -r .exit_code)" -eq 7 ]
	[ "$(st wait | jq -r .state)" = stopped ]
	# the runtime deleted the container
	run "$BERTH_RUNTIME" --root "$RT_ROOT" state "$CID"
	[ "$status" -ne 0 ]
}

@test "the container outlives shim-tool and a new one re-attaches and waits" {
	set_args cat
	# spawn from a subshell that exits: the shim must not be its child
	(sh_spawn --open-stdin --stdin-once >/dev/null)
	local pid
	pid=$(shim_pid)
	[ "$(ps -o ppid= -p "$pid" | tr -d ' ')" != "$$" ]
	# its own session: no terminal or group signal of ours reaches it
	[ "$(ps -o sid= -p "$pid" | tr -d ' ')" != "$(ps -o sid= -p $$ | tr -d ' ')" ]
	st start
	[ "$(st status | jq -r .state)" = running ]
	run bash -c "echo hello again | '$SHIM_TOOL' attach '$STATE' --stdin --stdout --demux"
	[ "$status" -eq 0 ]
	[ "$output" = "hello again" ]
	[ "$(st wait | jq -r .exit_code)" -eq 0 ]
}

@test "a runtime create failure reports the runtime's message and leaves nothing" {
	update_config '.process.args = ["/bin/true"] | .process.cwd = "relative/dir"'
	run sh_spawn
	[ "$status" -eq 1 ]
	[[ "$output" == *"create container $CID"* ]]
	[[ "$output" == *cwd* ]]
	[ ! -e "$STATE/shim.sock" ]
	[ ! -e "$STATE/shim.pid" ]
	[ -z "$(ls -A "$STATE")" ]
	run "$BERTH_RUNTIME" --root "$RT_ROOT" state "$CID"
	[ "$status" -ne 0 ]
	run pgrep -f -- "--state-dir $STATE"
	[ "$status" -eq 1 ]
}

@test "an OOM kill gives 137 and oom_killed" {
	update_config '.linux.resources.memory = {"limit": 8388608, "swap": 8388608}'
	set_args tail /dev/zero
	sh_spawn
	st start
	run st wait
	[ "$status" -eq 0 ]
	[ "$(jq -r .exit_code <<<"$output")" -eq 137 ]
	[ "$(jq -r .oom_killed <<<"$output")" = true ]
	jq -e '.oom_killed == true and .exit_code == 137' "$STATE/exit.json"
}

@test "requests: unknown ops, unknown fields and oversize lines are refused" {
	set_args sleep 1000
	sh_spawn
	run python3 - "$STATE/shim.sock" <<'PY'
import socket, sys
def ask(data):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.sendall(data)
    f = s.makefile("rb")
    return f.readline().decode().strip()
print(ask(b'{"op":"frobnicate"}\n'))
print(ask(b'{"op":"status","bogus":1}\n'))
print(ask(b'not json\n'))
print(ask(b'{"op":"kill","signal":"x"}\n'))
print(ask(b'x' * (1 << 20) + b'xx\n'))
PY
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *"unknown shim request 'frobnicate'"* ]]
	[[ "${lines[1]}" == *"unknown field 'bogus'"* ]]
	[[ "${lines[2]}" == *'"error"'* ]]
	[[ "${lines[3]}" == *"signal"* ]]
	[[ "${lines[4]}" == *"exceeds"* ]]
	# still serving
	[ "$(st status | jq -r .state)" = created ]
}

@test "the shim stays under 1 MiB RSS" {
	if ldd "$BERTH_SHIM" 2>/dev/null | grep -q libasan; then
		skip "a sanitizer build is larger"
	fi
	set_args sleep 1000
	sh_spawn
	st start
	local rss
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$(shim_pid)/status")
	echo "shim VmRSS: $rss kB" >&3
	[ "$rss" -lt 1024 ]
}
