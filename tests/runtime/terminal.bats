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

# runc's console: the pty of the container's devpts, opened as /dev/pts/N
# for stdio and bound on /dev/console (stat -L: the same device)
console_check()
{
	local out
	out=$(tr -d '\r' <<<"$1")
	echo "$out"
	[[ "$(sed -n 1p <<<"$out")" =~ ^/dev/pts/[0-9]+$ ]]
	# major 136 (0x88): a pty slave; the three lines name one device
	[[ "$(sed -n 2p <<<"$out")" =~ ^88:[0-9a-f]+$ ]]
	[ "$(sed -n 2,4p <<<"$out" | sort -u | wc -l)" -eq 1 ]
}

@test "tty is /dev/pts/N of the container, the same pty as /dev/console" {
	update_config '.process.args = ["sh", "-c", "tty; stat -L -c %t:%T \"$(tty)\" /dev/console /dev/stdin"]'
	run rt run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	console_check "$output"
}

@test "with a read-only rootfs too" {
	update_config '.root.readonly = true | .process.args = ["sh", "-c", "tty; stat -L -c %t:%T \"$(tty)\" /dev/console /dev/stdin"]'
	run rt run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	console_check "$output"
}
