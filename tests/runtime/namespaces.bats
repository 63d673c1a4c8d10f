#!/usr/bin/env bats
# berth-runtime namespaces: a new user namespace with id maps, joining a
# namespace by path and a time namespace with offsets (both through the
# intermediate process that runc's nsexec also needs).

load ../helpers/common
load runtime-helpers

setup_file() { runtime_setup_file; }
setup() { runtime_setup; }
teardown()
{
	# before the leak check; a failure must not skip the teardown (the
	# check then reports the namespace)
	if [ -n "${NETNS:-}" ]; then
		ip netns delete "$NETNS" || true
	fi
	runtime_teardown
}

@test "a user namespace maps the container's root" {
	userns_config
	run rt run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$(jq -r .uid <<<"$output")" -eq 0 ]
	[ "$(jq -r .pid <<<"$output")" -eq 1 ]
}

@test "exec joins the user namespace too" {
	userns_config
	set_args /bin/test-init sleep 100
	run_detached c1
	pid=$(rt_pid c1)
	[ "$(awk '{ print $2 }' "/proc/$pid/uid_map")" -eq 100000 ]
	run rt exec c1 /bin/test-init report
	[ "$status" -eq 0 ]
	[ "$(jq -r .uid <<<"$output")" -eq 0 ]
}

@test "a network namespace is joined by path" {
	NETNS=berth-rt-$$-$BATS_TEST_NUMBER
	ip netns add "$NETNS"
	export NETNS
	update_config '.linux.namespaces = [.linux.namespaces[]
		| if .type == "network" then .path = "/run/netns/" + env.NETNS else . end]'
	set_args /bin/test-init sleep 100
	run_detached c1
	pid=$(rt_pid c1)
	[ "$(stat -L -c %i "/proc/$pid/ns/net")" = "$(stat -L -c %i "/run/netns/$NETNS")" ]
	[ "$(rt exec c1 /bin/test-init report | jq .pid)" -gt 1 ]
}

@test "a time namespace gets its offsets" {
	update_config '.linux.namespaces += [{"type": "time"}]
		| .linux.timeOffsets = {"boottime": {"secs": 864000, "nanosecs": 0}}'
	set_args /bin/cat /proc/uptime
	run rt run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	up=${output%%.*}
	[ "$up" -ge 864000 ]
}
