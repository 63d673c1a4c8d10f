#!/usr/bin/env bats
# berth logs, stats and cp against the real docker CLI on one berthd: logs
# variants must print the same bytes on the same streams, stats the same
# columns (and the same values where they cannot move: a stopped
# container), cp must round-trip files and refuse what docker refuses.

load ../helpers/common
load cli-helpers

setup()
{
	cli_setup
}

teardown()
{
	cli_teardown
}

# A finished container "talk" that wrote to both streams
talker()
{
	"$DOCKER" run --name talk busybox sh -c \
		'for i in 1 2 3 4 5; do echo out$i; echo err$i >&2; done; printf "no newline"' >/dev/null 2>&1
}

@test "logs: both streams, each to its own fd" {
	talker
	both logs talk
	# (two fds merged: their relative order is not defined)
	[[ "$berth_output" == *out5* && "$berth_output" == *err5* ]]
	local b d
	b=$("$BERTH" logs talk 2>/dev/null)
	d=$("$DOCKER" logs talk 2>/dev/null)
	[ "$b" = "$d" ]
	[[ "$b" != *err* ]]
	b=$("$BERTH" logs talk 2>&1 >/dev/null)
	d=$("$DOCKER" logs talk 2>&1 >/dev/null)
	[ "$b" = "$d" ]
	[[ "$b" != *out* ]]
}

@test "logs: --tail, -n, -t, --since, --until, --details" {
	talker
	both logs --tail 2 talk
	both logs -n 0 talk
	[ -z "$berth_output" ]
	both logs --tail all talk
	both logs -t talk
	[[ "$berth_output" =~ [0-9]{4}-[0-9]{2}-[0-9]{2}T ]]
	both logs --since 1h talk
	both logs --until 1h talk
	[ -z "$berth_output" ]
	both logs --since 2000-01-01T00:00:00Z --until 2100-01-01T00:00:00Z talk
	[[ "$berth_output" == *out1* ]]
	both logs --since 0 talk
	both logs --details -t --tail 1 talk
}

@test "logs: a TTY container, a missing one, bad times" {
	"$DOCKER" run -t --name tty busybox sh -c 'echo one; echo two >&2' >/dev/null
	both logs tty
	[[ "$berth_output" == *two* ]]
	both logs nope
	[ "$berth_status" -eq 1 ]
	both logs --since bogus tty
	[ "$berth_status" -eq 1 ]
	# Go's time parser explains itself differently; the start and status agree
	run "$BERTH" logs --since 2001-13-45 tty
	[ "$status" -eq 1 ]
	[[ "$output" == 'invalid value for "since": '* ]]
	both logs --until '' tty
	both logs
	[ "$berth_status" -eq 1 ]
}

@test "logs -f follows a running container" {
	"$DOCKER" run -d --name live busybox sh -c 'echo started; exec sleep 1000' >/dev/null
	await_output 1 '^started$' "$BERTH" logs -f live >/dev/null
	"$DOCKER" exec live sh -c 'echo later >/proc/1/fd/1'
	run await_output 1 '^later$' "$BERTH" logs -f live
	[ "$status" -eq 0 ]
	# a finished container: -f ends with its log
	talker
	both logs -f talk
}

@test "stats --no-stream: docker's columns; a stopped container's values exactly" {
	# no network: NET I/O stays 0B / 0B between the two snapshots, so the
	# columns (sized by their widest value) line up the same
	"$DOCKER" run -d --name up --network none busybox sleep 1000 >/dev/null
	"$DOCKER" create --name idle busybox true >/dev/null
	local b d
	b=$("$BERTH" stats --no-stream up)
	d=$("$DOCKER" stats --no-stream up)
	[ "$(head -n 1 <<<"$b")" = "$(head -n 1 <<<"$d")" ]
	[ "$(head -n 1 <<<"$b")" = "CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O   BLOCK I/O   PIDS" ]
	[[ "$(tail -n 1 <<<"$b")" =~ ^[0-9a-f]{12}\ +up\ +[0-9]+\.[0-9]{2}%\ +[0-9.]+[KMG]?i?B\ /\ [0-9.]+[KMGT]?i?B\ +[0-9.]+%\ +.*\ 1$ ]]
	both stats --no-stream idle
	[[ "$berth_output" == *'0.00%     0B / 0B             0.00%     0B / 0B   0B / 0B     0'* ]]
	both stats --no-stream --format '{{json .}}' idle
	both stats --no-stream --format 'table {{.Name}}\t{{.Container}}\t{{.PIDs}}' idle
	both stats --no-stream -a --format '{{.Name}} {{.Container}}'
	both stats --no-stream --format '{{.Name}}'
	[ "$berth_output" = up ]
	both stats --no-stream --no-trunc --format '{{.ID}}' idle
	both stats --no-stream nope
	[ "$berth_status" -eq 1 ]
	both stats --no-stream idle nope
	[ "$berth_status" -eq 1 ]
}

@test "stats without --no-stream keeps printing tables" {
	"$DOCKER" run -d --name up busybox sleep 1000 >/dev/null
	run await_output 2 '^CONTAINER ID' "$BERTH" stats up
	[ "$status" -eq 0 ]
	run await_output 3 ' up ' "$BERTH" stats
	[ "$status" -eq 0 ]
}

@test "cp: container to host and back, files and directories, like docker" {
	"$DOCKER" run -d --name box busybox sh -c 'mkdir -p /data/sub && echo hello >/data/sub/f && ln -s f /data/sub/link && exec sleep 1000' >/dev/null
	await_output 1 'sleep 1000' "$DOCKER" top box >/dev/null
	local out=$BERTH_TEST_TMP/cp
	mkdir -p "$out/b" "$out/d"
	# a directory into an existing directory
	"$BERTH" cp box:/data "$out/b/"
	"$DOCKER" cp -q box:/data "$out/d/"
	diff -r "$out/b" "$out/d"
	[ "$(cat "$out/b/data/sub/f")" = hello ]
	[ "$(readlink "$out/b/data/sub/link")" = f ]
	# a file to a new name
	"$BERTH" cp box:/data/sub/f "$out/b/renamed"
	"$DOCKER" cp -q box:/data/sub/f "$out/d/renamed"
	cmp "$out/b/renamed" "$out/d/renamed"
	# host to container: a file and a directory
	echo from-host >"$out/h"
	"$BERTH" cp "$out/h" box:/data/h
	"$BERTH" cp "$out/b/data" box:/copied
	run "$DOCKER" exec box sh -c 'cat /data/h /copied/sub/f; readlink /copied/sub/link'
	[ "$output" = $'from-host\nhello\nf' ]
	# tar on stdout and from stdin
	"$BERTH" cp box:/data/sub/f - | tar -xO >"$out/viatar"
	[ "$(cat "$out/viatar")" = hello ]
	tar -C "$out" -c h | "$BERTH" cp - box:/tmp
	[ "$("$DOCKER" exec box cat /tmp/h)" = from-host ]
}

@test "cp: errors like docker's" {
	"$DOCKER" run -d --name box busybox sleep 1000 >/dev/null
	both cp box:/nonexistent "$BERTH_TEST_TMP/x"
	[ "$berth_status" -eq 1 ]
	both cp nope:/etc "$BERTH_TEST_TMP/x"
	[ "$berth_status" -eq 1 ]
	both cp "$BERTH_TEST_TMP/a" "$BERTH_TEST_TMP/b"
	[ "$berth_status" -eq 1 ]
	both cp box:/etc other:/etc
	[ "$berth_status" -eq 1 ]
	both cp "$BERTH_TEST_TMP/missing" box:/tmp
	[ "$berth_status" -eq 1 ]
	both cp box:/etc/passwd "$BERTH_TEST_TMP/no/such/dir/"
	[ "$berth_status" -eq 1 ]
}

@test "cp: hostile archives from stdin stay inside the container" {
	"$DOCKER" run -d --name box busybox sleep 1000 >/dev/null
	local t=$BERTH_TEST_TMP/hostile
	mkdir -p "$t"
	python3 - "$t/evil.tar" <<'EOF'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as tar:
    data = b"pwned\n"
    for name in ("../../../../escaped-by-dots", "/abs-escaped"):
        ti = tarfile.TarInfo(name); ti.size = len(data)
        tar.addfile(ti, io.BytesIO(data))
    link = tarfile.TarInfo("out"); link.type = tarfile.SYMTYPE; link.linkname = "/"
    tar.addfile(link)
    ti = tarfile.TarInfo("out/escaped-by-link"); ti.size = len(data)
    tar.addfile(ti, io.BytesIO(data))
EOF
	"$BERTH" cp - box:/tmp <"$t/evil.tar" || true
	[ ! -e /escaped-by-dots ]
	[ ! -e /abs-escaped ]
	[ ! -e /escaped-by-link ]
	[ ! -e "$BERTH_TEST_TMP/escaped-by-dots" ]
	"$DOCKER" exec box true
}
