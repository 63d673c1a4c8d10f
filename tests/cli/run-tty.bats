#!/usr/bin/env bats
# berth run with a terminal, driven through a pseudo-terminal as a user
# would: type a command into `berth run -it busybox sh`, read the answer,
# Ctrl-D, and check the exit code, that the terminal was raw while the
# container ran and is restored after, and that a window resize reaches
# the container.  Without -t, signals sent to berth reach the container
# (--sig-proxy).  Nothing here waits on a clock: every step waits for
# output or for a process to end.

load ../helpers/common
load cli-helpers

setup()
{
	cli_setup
	command -v python3 >/dev/null || skip "python3 drives the pseudo-terminal"
	write_driver
}

teardown()
{
	cli_teardown
}

# $BERTH_TEST_TMP/pty.py STEP... -- COMMAND...: run COMMAND on a new
# pseudo-terminal (24x80, its controlling terminal) and perform the steps:
#   expect:TEXT   read until TEXT has appeared (after what earlier steps saw)
#   send:TEXT     type TEXT (\r, \x04 and other escapes are decoded)
#   raw           print "raw" when the terminal is in raw mode now
#   size:R:C      set the window size (the kernel sends SIGWINCH)
# then read to the end and print "exit=N" and "restored" when the terminal
# mode is what it was before the command ran.
write_driver()
{
	cat >"$BERTH_TEST_TMP/pty.py" <<'EOF'
import codecs, fcntl, os, struct, sys, termios

steps, cmd = [], []
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
    os.execvp(cmd[0], cmd)
os.close(slave)

seen = b""
pos = 0

def read_more():
    global seen
    try:
        data = os.read(master, 4096)
    except OSError:
        data = b""
    if not data:
        return False
    seen += data
    return True

def tty_attr():
    fd = os.open(name, os.O_RDWR | os.O_NOCTTY)
    try:
        return termios.tcgetattr(fd)
    finally:
        os.close(fd)

for step in steps:
    kind, _, arg = step.partition(":")
    if kind == "expect":
        want = arg.encode()
        while want not in seen[pos:]:
            if not read_more():
                sys.stdout.write("EOF before %r; the terminal showed: %r\n" % (arg, seen))
                sys.exit(1)
        pos = seen.index(want, pos) + len(want)
    elif kind == "send":
        os.write(master, codecs.decode(arg, "unicode_escape").encode("latin-1"))
    elif kind == "raw":
        lflag = tty_attr()[3]
        if not lflag & (termios.ICANON | termios.ECHO):
            print("raw")
    elif kind == "size":
        rows, cols = arg.split(":")
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", int(rows), int(cols), 0, 0))

while read_more():
    pass
_, status = os.waitpid(pid, 0)
print("exit=%d" % (os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)))
if tty_attr() == before:
    print("restored")
EOF
}

pty()
{
	python3 "$BERTH_TEST_TMP/pty.py" "$@"
}

@test "run -it: type a command, read the answer, Ctrl-D ends it with 0" {
	run pty 'expect:# ' raw 'send:echo $((20+22))\r' 'expect:42' 'expect:# ' 'send:\x04' -- \
		"$BERTH" run -it --rm busybox sh
	echo "$output"
	[ "$status" = 0 ]
	[ "${lines[0]}" = raw ]
	[ "${lines[1]}" = exit=0 ]
	[ "${lines[2]}" = restored ]
	[ -z "$("$DOCKER" ps -aq)" ]
}

@test "run -it exits with the shell's code and restores the terminal" {
	run pty 'expect:# ' 'send:exit 7\r' -- "$BERTH" run -it busybox sh
	echo "$output"
	[ "${lines[0]}" = exit=7 ]
	[ "${lines[1]}" = restored ]
	# the same through docker, for comparison
	run pty 'expect:# ' 'send:exit 7\r' -- "$DOCKER" run -it busybox sh
	[ "${lines[0]}" = exit=7 ]
}

@test "run -it: the container's terminal has our size, and follows a resize" {
	run pty 'expect:# ' 'send:stty size\r' 'expect:24 80' 'expect:# ' 'size:30:100' \
		'send:stty size\r' 'expect:30 100' 'expect:# ' 'send:exit\r' -- "$BERTH" run -it busybox sh
	echo "$output"
	[ "${lines[0]}" = exit=0 ]
	[ "${lines[1]}" = restored ]
}

@test "run -t without a terminal on stdin is refused like docker" {
	both run -it busybox true
	[ "$berth_status" = 1 ]
	[ "$berth_output" = "the input device is not a TTY" ]
}

# run_until_ready COMMAND...: start COMMAND in the background with its
# output in a fifo read on fd 5 (bats owns fd 3); returns once the
# container printed "ready"
run_until_ready()
{
	mkfifo "$BERTH_TEST_TMP/out"
	"$@" >"$BERTH_TEST_TMP/out" 2>&1 3>&- &
	run_pid=$!
	exec 5<"$BERTH_TEST_TMP/out"
	local line
	read -r line <&5
	[ "$line" = ready ]
}

@test "SIGTERM to berth run (no -t) reaches the container" {
	run_until_ready "$BERTH" run busybox sh -c 'trap "echo got TERM; exit 42" TERM; echo ready; sleep 1000 & wait'
	kill -TERM "$run_pid"
	local rest status=0
	rest=$(cat <&5)
	exec 5<&-
	wait "$run_pid" || status=$?
	[ "$rest" = "got TERM" ]
	[ "$status" = 42 ]
}

# (SIGTERM: a background job of a script starts with SIGINT ignored)
@test "--sig-proxy=false: SIGTERM stops berth, not the container" {
	run_until_ready "$BERTH" run --name keep --sig-proxy=false busybox sh -c 'echo ready; sleep 1000'
	kill -TERM "$run_pid"
	local status=0
	wait "$run_pid" || status=$?
	exec 5<&-
	[ "$status" = 143 ]
	[ "$("$DOCKER" inspect -f '{{.State.Running}}' keep)" = true ]
}
