#!/usr/bin/env bats
# exec and attach through the real docker CLI: output and exit codes, exec
# options, stdin, and -it through a pty (script(1) gives docker a terminal).

load ../helpers/common
load containers-helpers

setup() { api_setup; }
teardown() { api_teardown; }

@test "exec: output, exit code, -e, -u, -w" {
	"$DOCKER" run -d --name ee busybox sleep 100
	run "$DOCKER" exec ee echo hello
	[ "$status" -eq 0 ]
	[ "$output" = hello ]
	run "$DOCKER" exec ee sh -c 'exit 7'
	[ "$status" -eq 7 ]
	run "$DOCKER" exec -e A=1 -u 1000 -w /tmp ee sh -c 'echo $A $(id -u) $(pwd)'
	[ "$output" = "1 1000 /tmp" ]
	run "$DOCKER" exec ee sh -c 'echo err >&2'
	[ "$output" = err ]
	[ -z "$("$DOCKER" exec ee sh -c 'echo err >&2' 2>/dev/null)" ]
}

@test "exec -i passes stdin; exec -d runs in the background" {
	"$DOCKER" run -d --name ee busybox sleep 100
	run sh -c "printf 'abc\n' | '$DOCKER' exec -i ee cat"
	[ "$status" -eq 0 ]
	[ "$output" = abc ]
	"$DOCKER" exec -d ee sh -c 'echo bg >/tmp/bg'
	run "$DOCKER" exec ee sh -c 'while [ ! -s /tmp/bg ]; do usleep 10000; done; cat /tmp/bg'
	[ "$output" = bg ]
}

@test "exec into a stopped or unknown container fails with docker's messages" {
	"$DOCKER" create --name idle busybox true
	run "$DOCKER" exec idle true
	[ "$status" -ne 0 ]
	[[ "$output" == *"is not running"* ]]
	run "$DOCKER" exec nope true
	[ "$status" -ne 0 ]
	[[ "$output" == *"No such container: nope"* ]]
}

@test "run -i: stdin reaches the process and its end closes it" {
	run sh -c "printf 'l1\nl2\n' | '$DOCKER' run --rm -i busybox sh -c 'cat; echo done'"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'l1\nl2\ndone')" ]
}

@test "run -it through a pty: output, tty and exit code" {
	run script -qec "'$DOCKER' run --rm -it busybox sh -c '[ -t 0 ] && [ -t 1 ] && echo is-a-tty; tty; exit 5'" /dev/null
	[ "$status" -eq 5 ]
	[[ "$output" == *is-a-tty* ]]
	# the container's own pty, as runc gives it (not /dev/console)
	[[ "$output" =~ /dev/pts/[0-9]+ ]]
	[[ "$output" != */dev/console* ]]
}

@test "exec -it through a pty: a terminal, output and exit code" {
	"$DOCKER" run -d --name tt busybox sleep 100
	run script -qec "'$DOCKER' exec -it tt sh -c 'tty; echo in-exec; exit 6'" /dev/null
	[ "$status" -eq 6 ]
	[[ "$output" == *"/dev/pts/"* ]]
	[[ "$output" == *in-exec* ]]
}

@test "attach to a running container sees its new output" {
	"$DOCKER" run -d -i --name aa busybox sh -c 'read x; echo got-$x'
	# start -a would need a stopped container: attach with stdin instead
	run sh -c "echo hey | '$DOCKER' attach aa"
	[ "$status" -eq 0 ]
	[ "$output" = got-hey ]
}

# docker-py's container.attach(logs=True): tests/api/exec-attach-checks.py
py_check()
{
	python3 -c 'import docker' 2>/dev/null || skip "python3-docker is not installed"
	run python3 "$BATS_TEST_DIRNAME/exec-attach-checks.py" "$@"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = ok ]
}

@test "attach?logs=1 of an exited container replays its log, per stream, and ends" {
	"$DOCKER" run --name lg busybox sh -c 'echo one; echo two >&2; echo three'
	py_check attach-logs-stopped lg
	"$DOCKER" run -t --name lt busybox echo tty-out
	py_check attach-logs-tty lt
}

@test "attach?logs=1&stream=1 gives the log so far, then the live output" {
	"$DOCKER" run -d --name la busybox sh -c 'mkfifo /f; echo before; cat /f; echo after'
	await_output 1 '^before$' "$DOCKER" logs -f la >/dev/null
	py_check attach-logs-stream la
}

@test "exec DetachKeys: the exec's own keys end a terminal session, the process lives on" {
	"$DOCKER" run -d --name tt busybox sleep 100
	py_check exec-detach-keys tt
}

@test "attach without a terminal passes ctrl-p,ctrl-q through as data" {
	"$DOCKER" run -d -i --name bin busybox sh -c 'head -c 4 | od -An -tx1'
	run timeout 30 sh -c "printf 'a\020\021b' | '$DOCKER' attach bin"
	[ "$status" -eq 0 ]
	[ "$(echo $output)" = "61 10 11 62" ]
}
