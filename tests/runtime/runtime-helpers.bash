# runtime-helpers.bash: what the berth-runtime bats files share, on top of
# ../helpers/common: a busybox rootfs with test-init in it (made once per
# file), a bundle per test with a config from `berth-runtime spec`, the rt
# wrapper with a private --root, and a teardown that deletes every
# container the test left so that the leak check sees only real leaks.

TEST_INIT=$BERTH_BUILD/tests/helpers/test-init
RECVTTY=$BERTH_BUILD/tests/helpers/recvtty

# Once per file: the read-only rootfs every test's bundle points at
runtime_setup_file()
{
	export RT_ROOTFS=$BATS_FILE_TMPDIR/rootfs
	"$BERTH_REPO/tests/data/make-busybox-rootfs.sh" "$RT_ROOTFS"
	# the script's mktemp -d leaves the root 0700: other users could not
	# even reach /bin
	chmod 755 "$RT_ROOTFS"
	cp "$TEST_INIT" "$RT_ROOTFS/bin/test-init"
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

# Set process.args from the arguments
set_args()
{
	local args
	args=$(printf '%s\n' "$@" | jq -R . | jq -s -c .)
	update_config ".process.args = $args"
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
