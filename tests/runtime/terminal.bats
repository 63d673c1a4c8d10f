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
	[ -x "$RECVTTY" ] || skip "tests/helpers/recvtty is not built"
	update_config '.process.terminal = true'
}
teardown() { runtime_teardown; }

@test "--console-socket receives the pty master" {
	sock=$BERTH_TEST_TMP/console.sock
	"$RECVTTY" "$sock" >"$BERTH_TEST_TMP/tty.out" 2>"$BERTH_TEST_TMP/tty.err" &
	recv=$!
	for i in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
	run_detached c1 --console-socket "$sock"
	wait "$recv"
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
