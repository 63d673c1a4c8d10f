# shim-helpers.bash: what the berth-shim bats files share, on top of
# ../helpers/common: a bundle per test on the shared read-only busybox
# rootfs, a state dir, and sh_spawn/st wrappers over tests/helpers/shim-tool
# (which stands in for berthd).  Teardown kills what a failed test left.

SHIM_TOOL=$BERTH_BUILD/tests/helpers/shim-tool

shim_setup_file()
{
	SHIM_ROOTFS=$(berth_busybox_rootfs) || return 1
	export SHIM_ROOTFS
}

shim_setup()
{
	[ "$(id -u)" -eq 0 ] || skip "the shim tests need root"
	[ -x "$SHIM_TOOL" ] || skip "tests/helpers/shim-tool is not built"
	[ -x "$BERTH_SHIM" ] || skip "berth-shim is not built"
	common_setup
	BUNDLE=$BERTH_TEST_TMP/bundle
	STATE=$BERTH_TEST_TMP/state
	RT_ROOT=$BERTH_TEST_TMP/rt-root
	LOG=$BERTH_TEST_TMP/ctr-json.log
	# a short, unique container id (cgroups are host-wide)
	CID=shimtest-${BERTH_TEST_TMP##*.}
	mkdir -p "$BUNDLE" "$STATE"
	chmod 700 "$STATE"
	"$BERTH_RUNTIME" spec --bundle "$BUNDLE"
	update_config '.root.path = env.SHIM_ROOTFS | .root.readonly = true
		| .process.terminal = false | .hostname = "shim-test"'
}

shim_teardown()
{
	local pid
	if pid=$(cat "${STATE:-/nonexistent}/shim.pid" 2>/dev/null); then
		"$SHIM_TOOL" kill "$STATE" 9 >/dev/null 2>&1 || true
		# the shim exits once its container is gone: wait answers then
		timeout 10 "$SHIM_TOOL" wait "$STATE" >/dev/null 2>&1 || kill -9 "$pid" 2>/dev/null || true
	fi
	# it answers waiters just before it exits: let it finish
	if pid=$(cat "${BERTH_TEST_TMP:-/nonexistent}/shim.pid.saved" 2>/dev/null); then
		wait_pid_exit "$pid" || true
	fi
	if [ -d "${RT_ROOT:-/nonexistent}" ]; then
		for id in $("$BERTH_RUNTIME" --root "$RT_ROOT" list -q 2>/dev/null); do
			"$BERTH_RUNTIME" --root "$RT_ROOT" delete -f "$id" >/dev/null 2>&1
		done
	fi
	common_teardown
}

update_config()
{
	local tmp=$BUNDLE/config.json.tmp
	jq "$1" "$BUNDLE/config.json" >"$tmp" && mv "$tmp" "$BUNDLE/config.json"
}

# A JSON array of the arguments (jq 1.6 would take a "-c" after --args as
# its own option, so --arg each)
json_args()
{
	local i=0 a opts=() filter='['
	for a in "$@"; do
		opts+=(--arg "a$i" "$a")
		filter+="\$a$i,"
		i=$((i + 1))
	done
	filter=${filter%,}']'
	jq -cn "${opts[@]}" "$filter"
}

# Set process.args from the arguments
set_args()
{
	update_config ".process.args = $(json_args "$@")"
}

# shim-tool spawn with this test's paths; extra options pass through
sh_spawn()
{
	"$SHIM_TOOL" spawn --shim "$BERTH_SHIM" --id "$CID" --bundle "$BUNDLE" \
		--state-dir "$STATE" --runtime "$BERTH_RUNTIME" --runtime-root "$RT_ROOT" "$@" ||
		return
	# for teardown: the shim removes its pid file just before it exits
	cp "$STATE/shim.pid" "$BERTH_TEST_TMP/shim.pid.saved"
}

st()
{
	"$SHIM_TOOL" "$1" "$STATE" "${@:2}"
}

# Write an OCI process object for exec to $1: args from the rest
exec_process()
{
	local file=$1
	shift
	jq -n --argjson args "$(json_args "$@")" '{args: $args, cwd: "/",
		env: ["PATH=/bin:/usr/bin", "TERM=xterm"], user: {uid: 0, gid: 0}, terminal: false}' >"$file"
}

# Start `shim-tool attach` in the background with the given options and
# return once it is attached: $ATTACH_PID, output in $BERTH_TEST_TMP/att.out
# and att.err (stdin from $ATTACH_IN when set, else /dev/null)
attach_bg()
{
	local fifo=$BERTH_TEST_TMP/ready
	rm -f "$fifo"
	mkfifo "$fifo"
	"$SHIM_TOOL" attach "$STATE" --ready-fd 3 "$@" <"${ATTACH_IN:-/dev/null}" \
		>"$BERTH_TEST_TMP/att.out" 2>"$BERTH_TEST_TMP/att.err" 3>"$fifo" &
	ATTACH_PID=$!
	local line
	read -r line <"$fifo"
	[ "$line" = ready ]
}

# The pid of the shim (while it serves)
shim_pid()
{
	cat "$STATE/shim.pid"
}

# Block until process $1 (not our child) exits, on its pidfd; fail after 10 s
wait_pid_exit()
{
	python3 -c '
import os, select, sys
try:
    fd = os.pidfd_open(int(sys.argv[1]))
except ProcessLookupError:
    sys.exit(0)
sys.exit(0 if select.select([fd], [], [], 10)[0] else 1)' "$1"
}
