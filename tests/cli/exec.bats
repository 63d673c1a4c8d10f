#!/usr/bin/env bats
# berth exec, attach and wait against berthd, next to the real docker CLI:
# output, exit codes, environment, user, workdir and errors must match
# docker's.  Interactive use is driven through a pseudo-terminal as a user
# would (type a command, read the answer, Ctrl-D or the detach keys, the
# exit code) and the terminal must be back in its old mode afterwards,
# whatever way berth ended.  Nothing waits on a clock: every step waits for
# output, a fifo or a process.

load ../helpers/common
load cli-helpers

bats_require_minimum_version 1.5.0

setup()
{
	cli_setup
	"$DOCKER" run -d --name ex-box busybox sleep 1000 >/dev/null
}

teardown()
{
	cli_teardown
}

# $BERTH_TEST_TMP/pty.py STEP... -- COMMAND...: run COMMAND as the session
# leader of a new 24x80 pseudo-terminal and perform the steps in order:
#   expect:TEXT   read until TEXT appears after what earlier expects matched
#   send:TEXT     type TEXT (Python escapes: \r, \x04, \x10\x11 ...)
#   raw           fail unless the terminal is in raw mode now
#   kill:SIG      send signal SIG (a number) to COMMAND
# then read to the end and print what COMMAND printed, "exit=N" (or
# "signal=N"), and "restored" or "NOT restored" for the terminal mode.
write_pty_driver()
{
	command -v python3 >/dev/null || skip "python3 drives the pseudo-terminal"
	cat >"$BERTH_TEST_TMP/pty.py" <<'EOF'
import codecs, fcntl, os, signal, struct, sys, termios

args = sys.argv[1:]
i = args.index("--")
steps, cmd = args[:i], args[i + 1:]
master, slave = os.openpty()
name = os.ttyname(slave)
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
before = termios.tcgetattr(slave)
pid = os.fork()
if pid == 0:
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(slave, fd)
    os.close(master)
    os.close(slave)
    os.execvp(cmd[0], cmd)
# our copy of the slave would keep the master from seeing the end
os.close(slave)

seen = b""
pos = 0

def read_more():
    global seen
    try:
        data = os.read(master, 4096)
    except OSError:
        data = b""
    seen += data
    return bool(data)

def mode():
    fd = os.open(name, os.O_RDWR | os.O_NOCTTY)
    try:
        return termios.tcgetattr(fd)
    finally:
        os.close(fd)

for step in steps:
    kind, _, arg = step.partition(":")
    if kind == "expect":
        want = codecs.decode(arg, "unicode_escape").encode()
        while seen.find(want, pos) < 0:
            if not read_more():
                sys.stdout.write(seen.decode(errors="replace"))
                sys.exit("end of output before %r" % want)
        pos = seen.find(want, pos) + len(want)
    elif kind == "send":
        os.write(master, codecs.decode(arg, "unicode_escape").encode())
    elif kind == "raw":
        if mode()[3] & termios.ICANON or mode()[3] & termios.ECHO:
            sys.exit("the terminal is not raw")
    elif kind == "kill":
        os.kill(pid, int(arg))
    else:
        sys.exit("bad step " + step)
while read_more():
    pass
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode(errors="replace").replace("\r", "") + "\n")
if os.WIFEXITED(status):
    print("exit=%d" % os.WEXITSTATUS(status))
else:
    print("signal=%d" % os.WTERMSIG(status))
print("restored" if mode() == before else "NOT restored")
EOF
}

# pty STEP... -- COMMAND...: run the driver; sets status and output
pty()
{
	run python3 "$BERTH_TEST_TMP/pty.py" "$@"
	printf '%s\n' "$output"
}

# ---------------------------------------------------------------------------
# exec: the same results as docker's

@test "exec: output and exit code are docker's" {
	both exec ex-box sh -c 'echo out; echo err >&2; exit 3'
	[ "$berth_status" -eq 3 ]
	[ "$berth_output" = "$(printf 'out\nerr')" ]
	both exec ex-box true
	[ "$berth_status" -eq 0 ]
}

@test "exec: stdout and stderr stay apart" {
	run --separate-stderr "$BERTH" exec ex-box sh -c 'echo out; echo err >&2'
	[ "$status" -eq 0 ]
	[ "$output" = out ]
	[ "$stderr" = err ]
}

@test "exec: -e, --env-file, -u and -w are docker's" {
	printf '# comment\n\nFROMFILE=f\nPASSED\nUNSET_IN_ENV\nA=from-file\n' >"$BERTH_TEST_TMP/env"
	export PASSED=through HOME_OVERRIDE=h
	both exec -u nobody:nogroup -w /tmp --env-file "$BERTH_TEST_TMP/env" -e A=b -e HOME_OVERRIDE \
		ex-box sh -c 'id; pwd; echo "$A|$FROMFILE|$PASSED|$HOME_OVERRIDE|${UNSET_IN_ENV-unset}"'
	[ "$berth_status" -eq 0 ]
	[[ "$berth_output" == *"uid=65534(nobody) gid=65534(nogroup)"* ]]
	[[ "$berth_output" == *"/tmp"* ]]
	[[ "$berth_output" == *"b|f|through|h|unset" ]]
	both exec -u 1234:5678 ex-box id
	[ "$berth_output" = "uid=1234 gid=5678 groups=5678" ]
}

@test "exec: stdin with -i, none without" {
	berth_out=$(echo hello | "$BERTH" exec -i ex-box cat)
	docker_out=$(echo hello | "$DOCKER" exec -i ex-box cat)
	[ "$berth_out" = hello ]
	[ "$berth_out" = "$docker_out" ]
	# without -i the process's stdin is empty, whatever ours holds
	berth_out=$(echo hello | "$BERTH" exec ex-box sh -c 'cat; echo end')
	[ "$berth_out" = end ]
}

@test "exec: -t without -i gives the process a terminal" {
	both exec -t ex-box sh -c 'tty -s && echo on-a-tty'
	[ "$berth_status" -eq 0 ]
	# a terminal's line discipline: \r\n
	[ "$("$BERTH" exec -t ex-box echo x | od -An -c | tr -d ' ')" = 'x\r\n' ]
}

@test "exec: -d runs in the background and prints nothing" {
	"$DOCKER" exec ex-box mkfifo /tmp/berth /tmp/docker
	# each detached writer blocks on its fifo until a reader opens it
	for cli in berth docker; do
		bin=$BERTH
		[ "$cli" = berth ] || bin=$DOCKER
		run "$bin" exec -d ex-box sh -c "echo done by $cli >/tmp/$cli"
		[ "$status" -eq 0 ]
		[ -z "$output" ]
		run "$BERTH" exec ex-box cat "/tmp/$cli"
		[ "$output" = "done by $cli" ]
	done
}

@test "exec: errors and exit codes are docker's" {
	both exec nope true
	[ "$berth_status" -eq 1 ]
	[ "$berth_output" = "Error response from daemon: No such container: nope" ]
	both exec -u nouser ex-box id
	[ "$berth_status" -eq 1 ]
	both exec -it ex-box true
	[ "$berth_output" = "the input device is not a TTY" ]
	both exec -e =x ex-box true
	[ "$berth_status" -eq 125 ]
	both exec --env-file "$BERTH_TEST_TMP/missing" ex-box true
	[ "$berth_status" -eq 1 ]
	both exec ex-box
	[ "$berth_status" -eq 1 ]
	"$DOCKER" create --name ex-stopped busybox true >/dev/null
	both exec ex-stopped true
	[[ "$berth_output" == "Error response from daemon: Container <ID> is not running" ]]
}

@test "exec: a command that cannot be run exits 126 with the daemon's reason" {
	# the daemon writes the reason into the exec's stream on stdout, framed
	# (as moby does), so both CLIs print it there; the code is the exec's
	run --separate-stderr "$BERTH" exec ex-box nonexistent-command
	[ "$status" -eq 126 ]
	[[ "$output" == *'"nonexistent-command": executable file not found'* ]]
	run --separate-stderr "$DOCKER" exec ex-box nonexistent-command
	[ "$status" -eq 126 ]
	[[ "$output" == *'"nonexistent-command": executable file not found'* ]]
	run --separate-stderr "$BERTH" exec ex-box /etc
	[ "$status" -eq 126 ]
	[ -n "$output" ]
}

# ---------------------------------------------------------------------------
# exec -it on a pseudo-terminal

@test "exec -it: type a command, read the answer, Ctrl-D, exit code; terminal restored" {
	write_pty_driver
	pty expect:'# ' raw send:'echo $((6*7))\r' expect:'42' send:'\x04' \
		-- "$BERTH" exec -it ex-box sh -c 'sh; exit 3'
	[ "$status" -eq 0 ]
	[[ "$output" == *$'\n42\n'* ]]
	[[ "$output" == *$'\nrestored' ]]
	[[ "$output" == *"exit=3"* ]]
}

@test "exec -it: the container's terminal has our window size" {
	write_pty_driver
	pty expect:'# ' send:'stty size\r' expect:'24 80' send:'exit\r' \
		-- "$BERTH" exec -it ex-box sh
	[ "$status" -eq 0 ]
	[[ "$output" == *"exit=0"* ]]
}

@test "exec -it: the detach keys end berth, not the process" {
	write_pty_driver
	# typed one at a time, as docker matches them
	pty expect:'# ' send:'touch /tmp/still-here\r' expect:'# ' send:'\x10' send:'\x11' \
		-- "$BERTH" exec -it ex-box sh
	[ "$status" -eq 0 ]
	[[ "$output" == *"read escape sequence"* ]]
	[[ "$output" == *"exit=1"* ]]
	[[ "$output" == *$'\nrestored' ]]
	# the shell is still there: its file is, and it is still running
	run "$BERTH" exec ex-box ls /tmp/still-here
	[ "${lines[0]}" = /tmp/still-here ]
	# in one read, after other input, as a fast terminal or a paste gives them
	pty expect:'# ' send:'echo a\x10\x11' -- "$BERTH" exec -it ex-box sh
	[[ "$output" == *"read escape sequence"* ]]
	[[ "$output" == *"exit=1"* ]]
	# --detach-keys: a lone Ctrl-P is typed through, the custom keys detach
	pty expect:'# ' send:'\x10' send:'echo ok\r' expect:'ok' send:'\x01' send:'b' \
		-- "$BERTH" exec -it --detach-keys ctrl-a,b ex-box sh
	[[ "$output" == *"read escape sequence"* ]]
	[[ "$output" == *$'\nrestored' ]]
}

@test "exec -it: SIGTERM to berth restores the terminal on the way out" {
	write_pty_driver
	pty expect:'# ' raw kill:15 -- "$BERTH" exec -it ex-box sh
	[ "$status" -eq 0 ]
	[[ "$output" == *"signal=15"* ]]
	[[ "$output" == *$'\nrestored' ]]
}

# ---------------------------------------------------------------------------
# attach

@test "attach: stdin in, output out, the container's exit code" {
	for cli in "$BERTH" "$DOCKER"; do
		"$DOCKER" run -d -i --name at-in busybox sh -c 'read x; echo "got $x"; echo err >&2; exit 5' >/dev/null
		st=0
		out=$(echo hi | "$cli" attach at-in 2>&1) || st=$?
		[ "$st" -eq 5 ]
		[ "$out" = "$(printf 'got hi\nerr')" ]
		"$DOCKER" rm -f at-in >/dev/null
	done
}

# wait_attached NAME SINCE: return once berthd has reported an attach to
# container NAME at or after SINCE (docker events replays the past, so
# there is no race with an attach that came first)
wait_attached()
{
	local fifo=$BERTH_TEST_TMP/events line pid
	rm -f "$fifo"
	mkfifo "$fifo"
	"$DOCKER" events --since "$2" --filter "container=$1" --filter event=attach \
		--format '{{.Action}}' >"$fifo" &
	pid=$!
	read -r line <"$fifo"
	kill "$pid"
	wait "$pid" || true
	[ "$line" = attach ]
}

@test "attach: --no-stdin keeps our stdin away" {
	"$DOCKER" run -d -i --name at-ns busybox sh -c 'read x; echo "got [$x]"' >/dev/null
	local since pid st=0
	since=$(date +%s)
	echo ignored | "$BERTH" attach --no-stdin at-ns >"$BERTH_TEST_TMP/ns-out" 2>&1 &
	pid=$!
	wait_attached at-ns "$since"
	# had "ignored" reached it, the container would have ended by itself
	"$DOCKER" kill at-ns >/dev/null
	wait "$pid" || st=$?
	[ "$st" -eq 137 ]
	[ ! -s "$BERTH_TEST_TMP/ns-out" ]
}

# Start CLI attached to a container that traps TERM, on fifos; the
# container says "ready" once our stdin reached it, so the attach is up
# when attach_up returns.  Sets attach_pid; fd 5 writes, fd 6 reads (bats
# owns 3 and 4).
attach_up()
{
	local cli=$1 name=$2
	shift 2
	rm -f "$BERTH_TEST_TMP/in" "$BERTH_TEST_TMP/out"
	mkfifo "$BERTH_TEST_TMP/in" "$BERTH_TEST_TMP/out"
	"$cli" attach "$@" "$name" <"$BERTH_TEST_TMP/in" >"$BERTH_TEST_TMP/out" 2>&1 &
	attach_pid=$!
	exec 5>"$BERTH_TEST_TMP/in" 6<"$BERTH_TEST_TMP/out"
	echo go >&5
	read -r line <&6
	[ "$line" = ready ]
}

@test "attach: signals are proxied to the container (--sig-proxy)" {
	for cli in "$BERTH" "$DOCKER"; do
		"$DOCKER" run -d -i --name at-sig busybox \
			sh -c 'trap "echo TERM; exit 7" TERM; read x; echo ready; while :; do sleep 0.1; done' >/dev/null
		attach_up "$cli" at-sig
		kill -TERM "$attach_pid"
		st=0
		wait "$attach_pid" || st=$?
		read -r line <&6
		exec 5>&- 6<&-
		[ "$st" -eq 7 ]
		[ "$line" = TERM ]
		"$DOCKER" rm -f at-sig >/dev/null
	done
}

@test "attach: --sig-proxy=false leaves the container alone" {
	"$DOCKER" run -d -i --name at-nosig busybox \
		sh -c 'trap "echo TERM; exit 7" TERM; read x; echo ready; while :; do sleep 0.1; done' >/dev/null
	attach_up "$BERTH" at-nosig --sig-proxy=false
	kill -TERM "$attach_pid"
	st=0
	wait "$attach_pid" || st=$?
	exec 5>&- 6<&-
	[ "$st" -eq 143 ]
	run "$DOCKER" inspect -f '{{.State.Running}}' at-nosig
	[ "$output" = true ]
}

@test "attach: to a terminal, and away with the detach keys" {
	write_pty_driver
	"$DOCKER" run -d -it --name at-tty busybox sh >/dev/null
	pty send:'\r' expect:'# ' raw send:'echo $((6*7))\r' expect:'42' send:'\x10' send:'\x11' \
		-- "$BERTH" attach at-tty
	[ "$status" -eq 0 ]
	[[ "$output" == *"read escape sequence"* ]]
	[[ "$output" == *"exit=1"* ]]
	[[ "$output" == *$'\nrestored' ]]
	run "$DOCKER" inspect -f '{{.State.Running}}' at-tty
	[ "$output" = true ]
	# and back: exit the shell, attach returns the container's code
	pty send:'\r' expect:'# ' send:'exit 4\r' -- "$BERTH" attach at-tty
	[[ "$output" == *"exit=4"* ]]
	[[ "$output" == *$'\nrestored' ]]
}

@test "attach: errors are docker's" {
	"$DOCKER" create --name at-stopped busybox true >/dev/null
	both attach at-stopped
	[ "$berth_status" -eq 1 ]
	[ "$berth_output" = "You cannot attach to a stopped container, start it first" ]
	both attach nope
	[ "$berth_output" = "Error response from daemon: No such container: nope" ]
	both attach
	[ "$berth_status" -eq 1 ]
	"$DOCKER" run -d -t --name at-t busybox sleep 1000 >/dev/null
	both attach at-t
	[ "$berth_output" = "the input device is not a TTY" ]
}

# ---------------------------------------------------------------------------
# wait

@test "wait: prints each exit code; errors after, exit 1" {
	"$DOCKER" run -d --name w-three busybox sh -c 'exit 3' >/dev/null
	"$DOCKER" run -d --name w-zero busybox true >/dev/null
	"$DOCKER" wait w-three w-zero >/dev/null
	both wait w-three w-zero
	[ "$berth_status" -eq 0 ]
	[ "$berth_output" = "$(printf '3\n0')" ]
	both wait w-three nope w-zero nope2
	[ "$berth_status" -eq 1 ]
	[ "$berth_output" = "$(printf '3\n0\nError response from daemon: No such container: nope\nError response from daemon: No such container: nope2')" ]
	both wait
	[ "$berth_status" -eq 1 ]
}

@test "wait: blocks until the container stops" {
	"$DOCKER" run -d -i --name w-run busybox sh -c 'read x; exit 9' >/dev/null
	mkfifo "$BERTH_TEST_TMP/wout"
	"$BERTH" wait w-run >"$BERTH_TEST_TMP/wout" &
	local pid=$!
	exec 6<"$BERTH_TEST_TMP/wout"
	# the container ends once it reads a line
	echo stop | "$DOCKER" attach w-run || true
	read -r code <&6
	exec 6<&-
	wait "$pid"
	[ "$code" = 9 ]
}
