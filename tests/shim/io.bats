#!/usr/bin/env bats
# berth-shim's stdio: the json-file log (docker's format, rotation), attach
# (stdcopy frames by stream, stdin, stdin_once), terminals (pty, resize), exec.

load ../helpers/common
load shim-helpers

setup_file() { shim_setup_file; }
setup() { shim_setup; }
teardown() { shim_teardown; }

@test "output lands in the json-file log in docker's format" {
	set_args sh -c 'echo out1; echo err1 >&2; printf "a\"b\\\\c\ttab\n"; printf "no newline"'
	sh_spawn --log-path "$LOG"
	st start
	[ "$(st wait | jq -r .exit_code)" -eq 0 ]
	cat "$LOG"
	[ "$(wc -l <"$LOG")" -eq 4 ]
	# every line one object with exactly these keys, time RFC3339Nano UTC
	jq -se 'all(.[]; (keys == ["log", "stream", "time"]) and
		(.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{9}Z$")))' "$LOG"
	[ "$(jq -r 'select(.stream == "stdout") | .log' "$LOG" | head -1)" = out1 ]
	[ "$(jq -c 'select(.stream == "stderr")' "$LOG" | jq -r .log)" = err1 ]
	[ "$(jq -s -j '[.[] | select(.stream == "stdout")][1].log' "$LOG")" = 'a"b\c	tab' ]
	# an unterminated last line is logged without "\n"
	[ "$(jq -s -c '.[-1].log' "$LOG")" = '"no newline"' ]
}

@test "lines over 16 KiB become partial entries" {
	set_args sh -c 'head -c 40000 /dev/zero | tr "\0" x; echo'
	sh_spawn --log-path "$LOG"
	st start
	st wait >/dev/null
	[ "$(wc -l <"$LOG")" -eq 3 ]
	[ "$(jq -s -r '[.[].log | length] | join(" ")' "$LOG")" = "16384 16384 7233" ]
	[ "$(jq -s -r '[.[].log | endswith("\n")] | join(" ")' "$LOG")" = "false false true" ]
}

@test "the log rotates at max size, keeping max files" {
	set_args sh -c 'i=0; while [ $i -lt 300 ]; do echo line-$i; i=$((i + 1)); done'
	sh_spawn --log-path "$LOG" --log-max-size 2000 --log-max-file 3
	st start
	st wait >/dev/null
	[ -s "$LOG" ]
	[ -s "$LOG.1" ]
	[ -s "$LOG.2" ]
	[ ! -e "$LOG.3" ]
	local f
	for f in "$LOG" "$LOG.1" "$LOG.2"; do
		[ "$(stat -c %s "$f")" -le 2000 ]
		jq -e .log "$f" >/dev/null
	done
	# the newest lines are in the live file, in order across the files
	[ "$(jq -j .log "$LOG" | tail -1)" = line-299 ]
	cat "$LOG.2" "$LOG.1" "$LOG" | jq -j .log | sed 's/line-//' >"$BERTH_TEST_TMP/nums"
	sort -n -c "$BERTH_TEST_TMP/nums"
	[ "$(tail -1 "$BERTH_TEST_TMP/nums")" -eq 299 ]
}

@test "an attached client gets stdout and stderr as frames of streams 1 and 2" {
	set_args sh -c 'echo to-out; echo to-err >&2; echo more-out'
	sh_spawn --log-path "$LOG"
	attach_bg --stdout --stderr --demux
	st start
	wait "$ATTACH_PID"
	[ "$(cat "$BERTH_TEST_TMP/att.out")" = "$(printf 'to-out\nmore-out')" ]
	[ "$(cat "$BERTH_TEST_TMP/att.err")" = to-err ]
	[ "$(st wait | jq -r .exit_code)" -eq 0 ]
}

@test "attach with only stdout gets no stderr frames" {
	set_args sh -c 'echo to-out; echo to-err >&2'
	sh_spawn
	attach_bg --stdout --demux
	st start
	wait "$ATTACH_PID"
	[ "$(cat "$BERTH_TEST_TMP/att.out")" = to-out ]
	[ ! -s "$BERTH_TEST_TMP/att.err" ]
}

@test "stdin through attach: cat echoes it, EOF ends it with stdin_once" {
	set_args cat
	sh_spawn --open-stdin --stdin-once --log-path "$LOG"
	st start
	run bash -c "printf 'line one\nline two\n' | '$SHIM_TOOL' attach '$STATE' --stdin --stdout --stderr --demux"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'line one\nline two')" ]
	[ "$(st wait | jq -r .exit_code)" -eq 0 ]
	[ "$(jq -r .log "$LOG" | tr -d '\n')" = "line oneline two" ]
}

@test "without stdin_once a client's EOF leaves the process's stdin open" {
	set_args cat
	sh_spawn --open-stdin
	st start
	echo first | st attach --stdin
	[ "$(st status | jq -r .state)" = running ]
	# a reader through a fifo, so that the test can block on its next line
	mkfifo "$BERTH_TEST_TMP/out" "$BERTH_TEST_TMP/ready"
	st attach --ready-fd 3 --stdout --demux >"$BERTH_TEST_TMP/out" 3>"$BERTH_TEST_TMP/ready" &
	local reader=$!
	exec 5<"$BERTH_TEST_TMP/out"
	read -r line <"$BERTH_TEST_TMP/ready"
	echo second | st attach --stdin
	read -r -t 10 line <&5
	[ "$line" = second ]
	st kill 9
	wait "$reader"
	exec 5<&-
	[ "$(st wait | jq -r .exit_code)" -eq 137 ]
}

@test "a terminal: tty is a pty, output is raw, the log has it" {
	update_config '.process.terminal = true'
	set_args tty
	sh_spawn --terminal --log-path "$LOG"
	attach_bg --stdout --stderr
	st start
	wait "$ATTACH_PID"
	# the init's pty is the container's /dev/pts/N (and bound on
	# /dev/console), as with runc
	[[ "$(cat "$BERTH_TEST_TMP/att.out")" =~ ^/dev/pts/[0-9]+$'\r'$ ]]
	[[ "$(jq -r .log "$LOG")" =~ ^/dev/pts/[0-9]+$'\r'$ ]]
	[ "$(jq -r .stream "$LOG")" = stdout ]
	[ "$(st wait | jq -r .exit_code)" -eq 0 ]
}

@test "resize sets the terminal's size" {
	update_config '.process.terminal = true'
	set_args sh -c 'read x; stty size'
	sh_spawn --terminal --open-stdin --log-path "$LOG"
	st start
	st resize 33 77
	run bash -c "echo go | '$SHIM_TOOL' attach '$STATE' --stdin --stdout"
	[ "$status" -eq 0 ]
	[[ "$output" == *"33 77"* ]]
	[ "$(st wait | jq -r .exit_code)" -eq 0 ]
	grep -q '33 77' "$LOG"
}

@test "exec: output by stream and its exit code" {
	set_args sleep 1000
	sh_spawn --log-path "$LOG"
	st start
	exec_process "$BERTH_TEST_TMP/p.json" sh -c 'echo exec-out; echo exec-err >&2; exit 5'
	run bash -c "'$SHIM_TOOL' exec '$STATE' e1 '$BERTH_TEST_TMP/p.json' --stdout --stderr --demux 2>'$BERTH_TEST_TMP/e.err'"
	[ "$status" -eq 0 ]
	[ "$output" = exec-out ]
	grep -qx exec-err "$BERTH_TEST_TMP/e.err"
	grep -q '^pid: [0-9]' "$BERTH_TEST_TMP/e.err"
	run st exec-status e1
	[ "$(jq -r .running <<<"$output")" = false ]
	[ "$(jq -r .exit_code <<<"$output")" -eq 5 ]
	# an exec's output is not the container's log
	[ "$(grep -c exec-out "$LOG")" -eq 0 ]
	# the id of a running exec is taken; a finished one's may be used again
	exec_process "$BERTH_TEST_TMP/sleep.json" sleep 1000
	st exec e2 "$BERTH_TEST_TMP/sleep.json" --detach
	run st exec e2 "$BERTH_TEST_TMP/p.json" --detach
	[ "$status" -ne 0 ]
	[[ "$output" == *exists* ]]
	st exec e1 "$BERTH_TEST_TMP/sleep.json" --detach
	[ "$(st exec-status e1 | jq -r .running)" = true ]
	run st exec-status nope
	[ "$status" -ne 0 ]
	st kill 9
	[ "$(st wait | jq -r .exit_code)" -eq 137 ]
}

@test "exec with stdin, detached, and a bad process" {
	set_args sleep 1000
	sh_spawn
	st start
	exec_process "$BERTH_TEST_TMP/cat.json" cat
	run bash -c "echo through-exec | '$SHIM_TOOL' exec '$STATE' e1 '$BERTH_TEST_TMP/cat.json' --stdin --stdout --demux 2>/dev/null"
	[ "$status" -eq 0 ]
	[ "$output" = through-exec ]
	[ "$(st exec-status e1 | jq -r .exit_code)" -eq 0 ]
	exec_process "$BERTH_TEST_TMP/sleep.json" sleep 1000
	st exec e2 "$BERTH_TEST_TMP/sleep.json" --detach
	[ "$(st exec-status e2 | jq -r .running)" = true ]
	exec_process "$BERTH_TEST_TMP/bad.json" /no/such/binary
	run st exec e3 "$BERTH_TEST_TMP/bad.json" --stdout
	echo "$output"
	[ "$status" -ne 0 ] || [[ "$(st exec-status e3 | jq -r .exit_code)" -ne 0 ]]
	st kill 9
	[ "$(st wait | jq -r .exit_code)" -eq 137 ]
}

@test "exec-kill signals a running exec, which ends with 128+signal" {
	set_args sleep 1000
	sh_spawn
	st start
	exec_process "$BERTH_TEST_TMP/sleep.json" sleep 1000
	mkfifo "$BERTH_TEST_TMP/ready"
	# attached: shim-tool returns once the exec has exited and drained
	"$SHIM_TOOL" exec "$STATE" k1 "$BERTH_TEST_TMP/sleep.json" --stdout --ready-fd 3 \
		</dev/null >/dev/null 2>"$BERTH_TEST_TMP/k.err" 3>"$BERTH_TEST_TMP/ready" &
	local ex=$!
	read -r line <"$BERTH_TEST_TMP/ready"
	[ "$(st exec-status k1 | jq -r .running)" = true ]
	local pid
	pid=$(st exec-status k1 | jq -r .pid)
	kill -0 "$pid"
	st exec-kill k1 9
	wait "$ex"
	run st exec-status k1
	[ "$status" -eq 0 ]
	[ "$(jq -r .running <<<"$output")" = false ]
	[ "$(jq -r .exit_code <<<"$output")" -eq 137 ]
	run kill -0 "$pid"
	[ "$status" -ne 0 ]
	# an ended exec cannot be signalled, an unknown one does not exist
	run st exec-kill k1 9
	[ "$status" -ne 0 ]
	[[ "$output" == *"not running"* ]]
	run st exec-kill nope 9
	[ "$status" -ne 0 ]
	[[ "$output" == *"no such exec"* ]]
	run st exec-kill k1 0
	[ "$status" -ne 0 ]
	# the container itself is untouched
	[ "$(st status | jq -r .state)" = running ]
	st kill 9
	[ "$(st wait | jq -r .exit_code)" -eq 137 ]
}

@test "exec with a terminal, and resizing it" {
	set_args sleep 1000
	sh_spawn
	st start
	exec_process "$BERTH_TEST_TMP/p.json" sh -c 'tty; read x; stty size'
	jq '.terminal = true' "$BERTH_TEST_TMP/p.json" >"$BERTH_TEST_TMP/pt.json"
	mkfifo "$BERTH_TEST_TMP/in" "$BERTH_TEST_TMP/ready"
	"$SHIM_TOOL" exec "$STATE" t1 "$BERTH_TEST_TMP/pt.json" --tty --stdin --stdout --ready-fd 3 \
		<"$BERTH_TEST_TMP/in" >"$BERTH_TEST_TMP/t.out" 2>"$BERTH_TEST_TMP/t.err" \
		3>"$BERTH_TEST_TMP/ready" &
	local ex=$!
	exec 4>"$BERTH_TEST_TMP/in"
	read -r line <"$BERTH_TEST_TMP/ready"
	st resize 21 61 --exec t1
	echo go >&4
	exec 4>&-
	wait "$ex"
	cat "$BERTH_TEST_TMP/t.out"
	grep -q '^/dev/pts/[0-9]' "$BERTH_TEST_TMP/t.out"
	grep -q '21 61' "$BERTH_TEST_TMP/t.out"
	[ "$(st exec-status t1 | jq -r .exit_code)" -eq 0 ]
	st kill 9
	st wait >/dev/null
}

@test "a client that does not read is dropped; the container and the log go on" {
	set_args sh -c 'head -c 4000000 /dev/zero | tr "\0" x; echo; echo done'
	sh_spawn --log-path "$LOG"
	mkfifo "$BERTH_TEST_TMP/stall" "$BERTH_TEST_TMP/ready"
	# a reader that never reads: the fifo fills, shim-tool blocks, the
	# shim's queue for it passes 1 MiB
	exec 6<>"$BERTH_TEST_TMP/stall"
	st attach --ready-fd 3 --stdout >"$BERTH_TEST_TMP/stall" 3>"$BERTH_TEST_TMP/ready" 6<&- &
	local stalled=$!
	read -r line <"$BERTH_TEST_TMP/ready"
	st start
	[ "$(st wait | jq -r .exit_code)" -eq 0 ]
	exec 6<&-
	wait "$stalled" || true
	[ "$(jq -s -r '.[-1].log' "$LOG")" = "done" ]
	[ "$(jq -j .log "$LOG" | wc -c)" -eq 4000006 ]
	grep -q 'dropping it' "$STATE/shim.log"
}

@test "a state dir path longer than sun_path works, with terminals" {
	STATE=$BERTH_TEST_TMP/$(printf 'd%.0s' $(seq 1 120))/state
	mkdir -p "$STATE"
	chmod 700 "$STATE"
	update_config '.process.terminal = true'
	set_args sh -c 'read x; echo got-$x'
	sh_spawn --terminal --open-stdin
	st start
	exec_process "$BERTH_TEST_TMP/p.json" tty
	jq '.terminal = true' "$BERTH_TEST_TMP/p.json" >"$BERTH_TEST_TMP/pt.json"
	run bash -c "'$SHIM_TOOL' exec '$STATE' t1 '$BERTH_TEST_TMP/pt.json' --tty --stdout 2>/dev/null"
	[ "$status" -eq 0 ]
	[[ "$output" == /dev/pts/* ]]
	run bash -c "echo yes | '$SHIM_TOOL' attach '$STATE' --stdin --stdout"
	[[ "$output" == *got-yes* ]]
	[ "$(st wait | jq -r .exit_code)" -eq 0 ]
}
