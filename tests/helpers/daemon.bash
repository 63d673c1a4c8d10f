# daemon.bash: a berthd per test for the API suites (load after common).
# berthd_start runs $BERTHD on the test's own data root, exec root and
# socket, and returns once it is listening: berthd writes "READY" to a
# fifo (--ready-fd); EOF on the fifo means berthd died, and the test fails
# with its log.  No sleeping anywhere.
#
#   load ../helpers/common
#   load ../helpers/daemon
#   setup() { common_setup; berthd_start; }
#   teardown() { berthd_stop; common_teardown; }

# Start berthd; extra arguments go to berthd.  Exports DOCKER_HOST and
# BERTH_SOCK; BERTHD_PID and BERTHD_LOG are set.
berthd_start()
{
	BERTH_SOCK=$BERTH_TEST_TMP/berth.sock
	BERTHD_LOG=$BERTH_TEST_TMP/berthd.log
	BERTHD_ARGS=("$@")
	export BERTH_SOCK DOCKER_HOST=unix://$BERTH_SOCK
	# no docker config of the host (contexts, credential helpers) in tests
	export DOCKER_CONFIG=$BERTH_TEST_TMP/docker-config
	mkdir -p "$DOCKER_CONFIG"
	# an explicit --config-file must exist: an empty one unless the test wrote its own
	[ -n "${BERTHD_CONFIG:-}" ] || [ -e "$BERTH_TEST_TMP/daemon.json" ] ||
		echo '{}' >"$BERTH_TEST_TMP/daemon.json"
	_berthd_launch
}

_berthd_launch()
{
	local fifo=$BERTH_TEST_TMP/berthd-ready.$$ line=
	rm -f "$fifo"
	mkfifo "$fifo"
	# fd 3 in berthd is the fifo's write end; our read end sees EOF once
	# berthd exits without writing (or after it wrote and closed it).
	# --config-file: the host's /etc/berth/daemon.json is not the test's.
	BERTHD_NO_SYNC=1 "$BERTHD" "${BERTH_ROOT_ARGS[@]}" -H "unix://$BERTH_SOCK" \
		--config-file "${BERTHD_CONFIG:-$BERTH_TEST_TMP/daemon.json}" \
		--ready-fd 3 "${BERTHD_ARGS[@]}" 3>"$fifo" >>"$BERTHD_LOG" 2>&1 &
	BERTHD_PID=$!
	read -r line <"$fifo" || true
	rm -f "$fifo"
	if [ "$line" != READY ]; then
		echo "berthd did not start; its log:" >&2
		cat "$BERTHD_LOG" >&2
		wait "$BERTHD_PID" 2>/dev/null || true
		BERTHD_PID=
		return 1
	fi
}

# SIGTERM and wait; BERTHD_STATUS gets the exit status.  Fine to call
# when berthd is not running.
berthd_stop()
{
	BERTHD_STATUS=
	[ -n "${BERTHD_PID:-}" ] || return 0
	kill -TERM "$BERTHD_PID" 2>/dev/null || true
	BERTHD_STATUS=0
	wait "$BERTHD_PID" 2>/dev/null || BERTHD_STATUS=$?
	BERTHD_PID=
}

# SIGKILL and wait (a crash: the socket file stays behind)
berthd_kill9()
{
	[ -n "${BERTHD_PID:-}" ] || return 0
	kill -KILL "$BERTHD_PID" 2>/dev/null || true
	wait "$BERTHD_PID" 2>/dev/null || true
	BERTHD_PID=
}

# Stop and start again with the same arguments
berthd_restart()
{
	berthd_stop
	_berthd_launch
}

# curl on the daemon's socket: berthd_curl METHOD PATH [curl args...]
berthd_curl()
{
	local method=$1 path=$2
	shift 2
	curl -sS --unix-socket "$BERTH_SOCK" -X "$method" "$@" "http://localhost$path"
}
