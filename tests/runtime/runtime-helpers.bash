# runtime-helpers.bash: what the berth-runtime bats files share, on top of
# ../helpers/common: a busybox rootfs with test-init in it (made once per
# bats run), a bundle per test with a config from `berth-runtime spec`, the
# rt wrapper with a private --root, and a teardown that deletes every
# container the test left so that the leak check sees only real leaks.

TEST_INIT=$BERTH_BUILD/tests/helpers/test-init
RECVTTY=$BERTH_BUILD/tests/helpers/recvtty

# Once per file: the read-only rootfs every test's bundle points at
runtime_setup_file()
{
	RT_ROOTFS=$(berth_busybox_rootfs) || return 1
	export RT_ROOTFS
}

runtime_setup()
{
	[ "$(id -u)" -eq 0 ] || skip "the runtime tests need root"
	[ -x "$TEST_INIT" ] || skip "tests/helpers/test-init is not built"
	common_setup
	RT_STATE=$BERTH_TEST_TMP/rt-root
	BUNDLE=$BERTH_TEST_TMP/bundle
	mkdir -p "$BUNDLE"
	"$BERTH_RUNTIME" spec --bundle "$BUNDLE"
	# no terminal (bats has none), the shared rootfs, test-init report
	update_config '.root.path = env.RT_ROOTFS | .process.terminal = false
		| .process.args = ["/bin/test-init", "report"] | .hostname = "berth-test"'
}

runtime_teardown()
{
	local id
	if [ -d "${RT_STATE:-/nonexistent}" ]; then
		for id in $("$BERTH_RUNTIME" --root "$RT_STATE" list -q 2>/dev/null); do
			"$BERTH_RUNTIME" --root "$RT_STATE" delete -f "$id" >/dev/null 2>&1
		done
	fi
	common_teardown
}

# berth-runtime with this test's state root
rt()
{
	"$BERTH_RUNTIME" --root "$RT_STATE" "$@"
}

# Apply a jq filter to the bundle's config.json
update_config()
{
	local tmp=$BUNDLE/config.json.tmp
	jq "$1" "$BUNDLE/config.json" >"$tmp" && mv "$tmp" "$BUNDLE/config.json"
}

# Give the container a user namespace: container ids 0..65535 map to host
# uids from 100000 and to host gids from $1 (default 100000).  The mapped
# root must reach the bundle and the rootfs: bats and mktemp make their
# directories 0700
userns_config()
{
	local gid=${1:-100000}
	update_config '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": '"$gid"', "size": 65536}]'
	chmod 755 "$BERTH_TEST_TMP"
	local d=$RT_ROOTFS
	while [ "$d" != / ] && [ "$d" != /tmp ]; do
		chmod a+x "$d"
		d=$(dirname "$d")
	done
}

# Set process.args from the arguments (each may hold newlines; jq 1.6
# would take a "-c" after --args as its own option, so --arg each)
set_args()
{
	local tmp=$BUNDLE/config.json.tmp i=0 a opts=()
	for a in "$@"; do
		opts+=(--arg "$i" "$a")
		i=$((i + 1))
	done
	jq --argjson n "$i" "${opts[@]}" \
		'.process.args = [range(0; $n) as $i | $ARGS.named[$i | tostring]]' \
		"$BUNDLE/config.json" >"$tmp" && mv "$tmp" "$BUNDLE/config.json"
}

# Start a detached container whose stdio goes to $BERTH_TEST_TMP/<id>.out
# (a detached init holds its stdio: bats must not wait on it)
run_detached()
{
	local id=$1
	shift
	rt run -d -b "$BUNDLE" "$@" "$id" </dev/null >"$BERTH_TEST_TMP/$id.out" 2>&1
}

create_detached()
{
	local id=$1
	shift
	rt create -b "$BUNDLE" "$@" "$id" </dev/null >"$BERTH_TEST_TMP/$id.out" 2>&1
}

# The status of a container, or "" when state fails
rt_status()
{
	rt state "$1" 2>/dev/null | jq -r .status
}

# The host pid of container $1's init (0 once stopped); fails when state
# does (a bare `rt state | jq` would give "" and fail further on)
rt_pid()
{
	local st
	st=$(rt state "$1") || return 1
	jq -e .pid <<<"$st"
}

# Wait (bounded, 5 s) until the container has the status
wait_status()
{
	local id=$1 want=$2 i
	for i in $(seq 100); do
		[ "$(rt_status "$id")" = "$want" ] && return 0
		sleep 0.05
	done
	echo "container $id: status '$(rt_status "$id")', wanted '$want'" >&2
	return 1
}

# Fail, saying which, when the test's state root holds any container
no_containers()
{
	local ids
	ids=$(rt list -q) || return 1
	[ -z "$ids" ] || { echo "containers left: $ids" >&2; return 1; }
}

# `run` container $1 from the bundle and expect it to fail before it runs,
# with the message $2 in its output and no container left behind
expect_run_error()
{
	run rt run -b "$BUNDLE" "$1"
	[ "$status" -ne 0 ] || { echo "run $1 succeeded: $output" >&2; return 1; }
	[[ "$output" == *"$2"* ]] || { echo "run $1: wanted '$2' in: $output" >&2; return 1; }
	no_containers
}

# Start tests/helpers/recvtty on $CONSOLE_SOCK ($BERTH_TEST_TMP/console.sock):
# it receives one pty master over the socket (runc's protocol), copies what
# the container writes to $BERTH_TEST_TMP/tty.out (carriage returns kept)
# and reports the master in tty.err.  console_received waits for it.
console_listen()
{
	local i
	[ -x "$RECVTTY" ] || skip "tests/helpers/recvtty is not built"
	CONSOLE_SOCK=$BERTH_TEST_TMP/console.sock
	"$RECVTTY" "$CONSOLE_SOCK" >"$BERTH_TEST_TMP/tty.out" 2>"$BERTH_TEST_TMP/tty.err" 3>&- &
	CONSOLE_RECV=$!
	for i in $(seq 100); do
		[ -S "$CONSOLE_SOCK" ] && return 0
		sleep 0.05
	done
	echo "recvtty made no socket" >&2
	kill "$CONSOLE_RECV"
	return 1
}

# Wait (bounded, 10 s) for recvtty to finish and return its status; kill
# it when $1 (the status of the command that was to send it the master) is
# not 0 or when it is still waiting, so that it never outlives the test
console_received()
{
	local i state
	[ "${1:-0}" -eq 0 ] || kill "$CONSOLE_RECV" 2>/dev/null
	for i in $(seq 200); do
		state=$(awk '{ print $3 }' "/proc/$CONSOLE_RECV/stat" 2>/dev/null || true)
		[ -z "$state" ] || [ "$state" = Z ] && break
		sleep 0.05
	done
	if [ -n "$state" ] && [ "$state" != Z ]; then
		echo "recvtty: no pty master or no EOF within 10 s" >&2
		kill "$CONSOLE_RECV" 2>/dev/null
		wait "$CONSOLE_RECV"
		return 1
	fi
	wait "$CONSOLE_RECV"
}

# Start detached container $1 with process.terminal, its pty master sent
# to recvtty (console_listen)
console_run_detached()
{
	local rc=0
	console_listen || return 1
	run_detached "$1" --console-socket "$CONSOLE_SOCK" || rc=$?
	if [ "$rc" -ne 0 ]; then
		console_received "$rc" || true
		cat "$BERTH_TEST_TMP/$1.out" >&2
		return 1
	fi
	console_received
}

# Wait (bounded) until the file has content
wait_file()
{
	local i
	for i in $(seq 100); do
		[ -s "$1" ] && return 0
		sleep 0.05
	done
	echo "no content in $1" >&2
	return 1
}
