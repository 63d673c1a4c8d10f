#!/usr/bin/env bats
# berth-runtime's command-line options that lifecycle.bats and exec.bats do
# not reach: create --no-pivot and --no-new-keyring, spec --rootless,
# events --interval, --log-format text and --systemd-cgroup.

load ../helpers/common
load runtime-helpers

setup_file() { runtime_setup_file; }
setup() { runtime_setup; }
teardown() { runtime_teardown; }

@test "run --no-pivot runs the container" {
	run rt run --no-pivot -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$(jq -r .pid <<<"$output")" -eq 1 ]
	# its root is still the bundle's rootfs, and nothing of the host's
	[[ "$(jq -r '.mounts[]' <<<"$output")" != *" /tmp "* ]]
}

@test "create joins a new session keyring unless --no-new-keyring" {
	set_args /bin/test-init sleep 100
	local id=keyring-$$-$BATS_TEST_NUMBER
	create_detached "$id"
	create_detached "$id-no" --no-new-keyring
	# keyrings of uid 0 are visible to the host's root in /proc/keys
	grep -q "_ses\.$id: " /proc/keys
	run grep -c "_ses\.$id-no: " /proc/keys
	[ "$output" -eq 0 ]
}

@test "spec --rootless: a user namespace mapping our ids, no network namespace" {
	mkdir "$BERTH_TEST_TMP/rootless"
	rt spec --rootless --bundle "$BERTH_TEST_TMP/rootless"
	local c=$BERTH_TEST_TMP/rootless/config.json
	[ "$(jq -r '[.linux.namespaces[].type] | index("user") != null' "$c")" = true ]
	[ "$(jq -r '[.linux.namespaces[].type] | index("network") == null' "$c")" = true ]
	[ "$(jq -r '.linux.uidMappings[0].hostID' "$c")" -eq "$(id -u)" ]
	[ "$(jq -r '.linux.gidMappings[0].hostID' "$c")" -eq "$(id -g)" ]
}

@test "events --interval sets the period of the stats stream" {
	set_args /bin/test-init sleep 100
	run_detached c1
	# 200 ms for 1.1 s: 5 or 6 lines (the default 5 s would give 1)
	timeout 1.1 "$BERTH_RUNTIME" --root "$RT_STATE" events --interval 200ms c1 \
		>"$BERTH_TEST_TMP/events" || true
	cat "$BERTH_TEST_TMP/events"
	[ "$(jq -r 'select(.type == "stats" and .id == "c1") | .id' "$BERTH_TEST_TMP/events" | wc -l)" -ge 4 ]
}

@test "--log-format text writes plain lines to --log" {
	run rt --log "$BERTH_TEST_TMP/log.txt" --log-format text state nosuch
	[ "$status" -eq 1 ]
	grep -q 'container "nosuch" does not exist' "$BERTH_TEST_TMP/log.txt"
	# not JSON
	run jq -e . "$BERTH_TEST_TMP/log.txt"
	[ "$status" -ne 0 ]
}

@test "--systemd-cgroup is accepted" {
	set_args /bin/true
	run rt --systemd-cgroup run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
}
