# containers-helpers.bash: what tests/api/{containers,exec-attach,restart,
# docker-py}.bats share: a busybox image ("busybox:latest") put into the
# test's data root with tests/helpers/image-tool before berthd starts, and
# a berthd on a private socket (tests/helpers/daemon.bash when it exists,
# else started here the same way) with DOCKER_HOST pointing at it.
# Needs common.bash loaded first.

IMAGE_TOOL=$BERTH_BUILD/tests/helpers/image-tool
DOCKER=${DOCKER:-/usr/local/bin/docker}

# A docker-archive of the busybox rootfs named busybox:latest, made once per file
api_image_tar()
{
	local out=$BATS_FILE_TMPDIR/image rootfs layer_sum config config_sum
	if [ -f "$out/busybox.tar" ]; then
		echo "$out/busybox.tar"
		return 0
	fi
	mkdir -p "$out/archive"
	rootfs=$(berth_busybox_rootfs) || return 1
	tar -C "$rootfs" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
		-cf "$out/layer.tar" . || return 1
	layer_sum=$(sha256sum "$out/layer.tar" | cut -d' ' -f1)
	config=$(jq -cn --arg diff "sha256:$layer_sum" '{
		architecture: "amd64", os: "linux", created: "1970-01-01T00:00:00Z",
		config: { Cmd: ["sh"], Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] },
		rootfs: { type: "layers", diff_ids: [$diff] },
		history: [{ created: "1970-01-01T00:00:00Z", created_by: "make-busybox-rootfs.sh" }]
	}')
	printf '%s' "$config" >"$out/config.json"
	config_sum=$(sha256sum "$out/config.json" | cut -d' ' -f1)
	mkdir -p "$out/archive/$layer_sum"
	mv "$out/layer.tar" "$out/archive/$layer_sum/layer.tar"
	mv "$out/config.json" "$out/archive/$config_sum.json"
	jq -cn --arg c "$config_sum.json" --arg l "$layer_sum/layer.tar" \
		'[{ Config: $c, RepoTags: ["busybox:latest"], Layers: [$l] }]' >"$out/archive/manifest.json"
	tar -C "$out/archive" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
		-cf "$out/busybox.tar" . || return 1
	rm -rf "$out/archive"
	echo "$out/busybox.tar"
}

if [ -f "$BERTH_REPO/tests/helpers/daemon.bash" ]; then
	# shellcheck source=../helpers/daemon.bash
	source "$BERTH_REPO/tests/helpers/daemon.bash"
fi

if ! declare -F berthd_start >/dev/null; then
	berthd_start()
	{
		local sock=$BERTH_TEST_TMP/berthd.sock fifo=$BERTH_TEST_TMP/ready line
		mkfifo "$fifo"
		"$BERTHD" "${BERTH_ROOT_ARGS[@]}" -H "unix://$sock" --ready-fd 3 \
			3>"$fifo" >>"$BERTH_TEST_TMP/berthd.log" 2>&1 &
		BERTHD_PID=$!
		read -r -t 30 line <"$fifo" || true
		rm -f "$fifo"
		[ "$line" = READY ] || { cat "$BERTH_TEST_TMP/berthd.log" >&2; return 1; }
		export DOCKER_HOST=unix://$sock
	}
	berthd_stop()
	{
		[ -n "${BERTHD_PID:-}" ] || return 0
		kill -TERM "$BERTHD_PID" 2>/dev/null || true
		wait "$BERTHD_PID" 2>/dev/null || true
		BERTHD_PID=
	}
	berthd_kill9()
	{
		[ -n "${BERTHD_PID:-}" ] || return 0
		kill -KILL "$BERTHD_PID" 2>/dev/null || true
		wait "$BERTHD_PID" 2>/dev/null || true
		BERTHD_PID=
	}
	berthd_restart()
	{
		berthd_stop
		berthd_start
	}
fi

# setup(): roots, the image, berthd
api_setup()
{
	common_setup
	[ -x "$BERTHD" ] || skip "berthd is not built"
	[ -x "$DOCKER" ] || skip "no docker CLI at $DOCKER"
	local tar
	tar=$(api_image_tar) || return 1
	"$IMAGE_TOOL" --root "$BERTH_DATA_ROOT" load "$tar" >/dev/null || return 1
	berthd_start
}

# teardown(): every container goes (rm -f), berthd stops, then the leak check
api_teardown()
{
	if [ -n "${DOCKER_HOST:-}" ]; then
		local ids
		ids=$("$DOCKER" ps -aq 2>/dev/null) || true
		[ -z "$ids" ] || "$DOCKER" rm -f $ids >/dev/null 2>&1 || true
	fi
	berthd_stop
	common_teardown
}

# Block until container $1 has had $2 "die" events (replayed from the
# daemon's event ring, so earlier ones count), at most 60 s
wait_dies()
{
	await_output "$2" '^die$' "$DOCKER" events --since 0 --filter "container=$1" \
		--filter event=die --format '{{.Action}}' >/dev/null
}

# await_output N PATTERN COMMAND...: run COMMAND (a stream that does not end
# by itself: `docker events`, `docker logs -f`) and print its Nth line
# matching the ERE PATTERN, waiting for it as long as it takes; then stop
# COMMAND.  Fails when COMMAND ends before the Nth match.
await_output()
{
	local n=$1 pattern=$2 fifo=$BERTH_TEST_TMP/await.$$.$RANDOM pid out rc=0
	shift 2
	mkfifo "$fifo"
	"$@" >"$fifo" &
	pid=$!
	out=$(grep -m "$n" -E "$pattern" <"$fifo") || rc=$?
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rm -f "$fifo"
	[ "$rc" -eq 0 ] && [ "$(grep -c '' <<<"$out")" -eq "$n" ] || return 1
	tail -n 1 <<<"$out"
}
