#!/usr/bin/env bats
# leakcheck.bats: proves the harness's leak check sees each kind of leak
# (mount, cgroup, network namespace, link, nftables table, process) and
# passes a test that leaves nothing behind.

load ../helpers/common

setup()
{
	require_root
	common_setup
}

teardown()
{
	# the leaky test cleans up itself; whatever is left is a real leak
	common_teardown
}

@test "a clean test passes the leak check" {
	run leak_check
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "the leak check reports a mount, cgroup, netns, link, nftables table and process" {
	# a v1 controller's hierarchy, or the unified one of a pure v2 host
	local cg=/sys/fs/cgroup/pids/berth-leaktest
	[ -d /sys/fs/cgroup/pids ] || cg=/sys/fs/cgroup/berth-leaktest
	mkdir "$BERTH_TEST_TMP/mnt"
	mount -t tmpfs berth-leaktest "$BERTH_TEST_TMP/mnt"
	mkdir "$cg"
	ip netns add berth-leaktest
	ip link add berth-leak0 type dummy 2>/dev/null || ip link add berth-leak0 type bridge
	nft add table inet berth-leaktest
	# a stand-in for a leaked berthd: argv[0] is what the check matches
	bash -c 'exec -a berthd sleep 600' </dev/null >/dev/null 2>&1 3>&- &
	local pid=$!

	run leak_check
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"mount: $BERTH_TEST_TMP/mnt"* ]]
	[[ $output == *"cgroup: $cg"* ]]
	[[ $output == *"netns: berth-leaktest"* ]]
	[[ $output == *"link: berth-leak0"* ]]
	[[ $output == *"nftables: table inet berth-leaktest"* ]]
	[[ $output == *"process: $pid berthd 600"* ]]

	# the teardown's cleanup removes all of it, and then the check passes
	leak_cleanup
	run leak_check
	echo "$output"
	[ "$status" -eq 0 ]
	[ ! -e "$cg" ]
	[ ! -e /proc/$pid ] || [ "$(awk '{ print $3 }' /proc/$pid/stat)" = Z ]
}

@test "a mount left in the temp dir is unmounted and reported by berth_tmp_cleanup" {
	mkdir "$BERTH_TEST_TMP/mnt"
	mount -t tmpfs berth-leaktest "$BERTH_TEST_TMP/mnt"
	local dir=$BERTH_TEST_TMP
	run berth_tmp_cleanup
	[ "$status" -eq 1 ]
	[[ $output == *"leak: mount $dir/mnt"* ]]
	[ ! -e "$dir" ]
	# run used a subshell: forget the directory here too, it is gone
	unset BERTH_TEST_TMP
}
