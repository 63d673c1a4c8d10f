#!/usr/bin/env bats
# berth-runtime with process.terminal: the pty master over --console-socket
# (runc's protocol, received by tests/helpers/recvtty), and the foreground
# proxy of `run` without a socket.

load ../helpers/common
load runtime-helpers

setup_file() { runtime_setup_file; }
setup()
{
	runtime_setup
	update_config '.process.terminal = true'
}
teardown() { runtime_teardown; }

@test "--console-socket receives the pty master" {
	console_run_detached c1
	grep -q "name: /dev/ptmx" "$BERTH_TEST_TMP/tty.err"
	out=$(tr -d '\r' <"$BERTH_TEST_TMP/tty.out")
	[ "$(jq -r .tty <<<"$out")" = true ]
	[ "$(jq -c .fds <<<"$out")" = "[0,1,2]" ]
}

@test "terminal without a console socket needs the foreground" {
	run rt run -d -b "$BUNDLE" c1
	[ "$status" -eq 1 ]
	[[ "$output" == *"console socket"* ]]
}

@test "foreground run proxies the pty" {
	run rt run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	out=$(tr -d '\r' <<<"$output")
	[ "$(jq -r .tty <<<"$out")" = true ]
}

@test "exec -t gives the process a pty" {
	update_config '.process.terminal = false | .process.args = ["/bin/test-init", "sleep", "100"]'
	run_detached c1
	run rt exec -t c1 /bin/test-init report
	[ "$status" -eq 0 ]
	out=$(tr -d '\r' <<<"$output")
	[ "$(jq -r .tty <<<"$out")" = true ]
	[ "$(jq -c .fds <<<"$out")" = "[0,1,2]" ]
}

@test "exec -d -t --console-socket sends the exec's pty master" {
	update_config '.process.terminal = false | .process.args = ["/bin/test-init", "sleep", "100"]'
	run_detached c1
	console_listen
	rc=0
	rt exec -d -t --console-socket "$CONSOLE_SOCK" c1 /bin/test-init report \
		</dev/null >"$BERTH_TEST_TMP/exec.out" 2>&1 || rc=$?
	console_received "$rc"
	[ "$rc" -eq 0 ]
	grep -q "name: /dev/ptmx" "$BERTH_TEST_TMP/tty.err"
	out=$(tr -d '\r' <"$BERTH_TEST_TMP/tty.out")
	[ "$(jq -r .tty <<<"$out")" = true ]
	[ "$(jq -r .pid <<<"$out")" -gt 1 ]
}
