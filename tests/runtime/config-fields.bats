#!/usr/bin/env bats
# berth-runtime: one test per config.json field (runtime-spec 1.1 config.md
# and config-linux.md) not covered by the other runtime files, each failing
# without the feature: process attributes, hooks timing and state, linux
# personality, memory policy, netDevices, sysctl, devices, resources, mounts
# with options, LSM fields and Intel RDT on a host without them.
# isolation.bats covers pid 1, hostname, mount isolation, default caps,
# seccomp, OOM, pids, root.readonly, masked/readonly paths and userns.

bats_require_minimum_version 1.5.0
load ../helpers/common
load runtime-helpers

setup_file() { runtime_setup_file; }
setup() { runtime_setup; }
teardown()
{
	local l
	for l in ${NETDEV_LINKS:-}; do
		ip link delete "$l" 2>/dev/null || true
	done
	runtime_teardown
}

# A host directory bind-mounted read-write at /out in the container
out_mount()
{
	mkdir -p "$BERTH_TEST_TMP/out"
	update_config '.mounts += [{"destination": "/out", "type": "bind",
		"source": (env.BERTH_TEST_TMP + "/out"), "options": ["rbind", "rw"]}]'
}

# The value of a cgroup file of the container (v1 per controller, or v2)
cgroup_file()
{
	local pid=$1 ctrl=$2 file=$3 path
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		path=$(awk -F: '$1 == "0" { print $3 }' "/proc/$pid/cgroup")
		cat "/sys/fs/cgroup$path/$file"
	else
		path=$(awk -F: -v c="$ctrl" '{ n = split($2, a, ","); for (i = 1; i <= n; i++)
			if (a[i] == c) print $3 }' "/proc/$pid/cgroup")
		cat "/sys/fs/cgroup/$ctrl$path/$file"
	fi
}

# ---- process ------------------------------------------------------------

@test "process.consoleSize sizes the pty" {
	update_config '.process.terminal = true
		| .process.consoleSize = {"height": 33, "width": 111}'
	console_run_detached c1
	out=$(tr -d '\r' <"$BERTH_TEST_TMP/tty.out")
	[ "$(jq -c .winsize <<<"$out")" = "[33,111]" ]
}

@test "process.user.umask, uid, gid and additionalGids" {
	update_config '.process.user = {"uid": 1234, "gid": 2345, "umask": 23,
		"additionalGids": [3456, 4567]}'
	run rt run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$(jq -r .umask <<<"$output")" = "0027" ]
	[ "$(jq -r '"\(.uid) \(.gid)"' <<<"$output")" = "1234 2345" ]
	[ "$(jq -c '.groups | sort' <<<"$output")" = "[3456,4567]" ]
}

@test "process.rlimits are set; a NOFILE above the host's hard limit is clamped with a warning" {
	hard=$(ulimit -Hn)
	export BIG=$((hard + 10000))
	update_config '.process.rlimits = [
		{"type": "RLIMIT_CORE", "soft": 1234, "hard": 5678},
		{"type": "RLIMIT_NOFILE", "soft": 100, "hard": (env.BIG | tonumber)}]'
	run rt run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[[ "$output" == *"rlimit RLIMIT_NOFILE: hard limit $BIG above the allowed $hard, clamped"* ]]
	json=$(grep '^{' <<<"$output")
	[ "$(jq -c .rlimits.RLIMIT_CORE <<<"$json")" = "[1234,5678]" ]
	[ "$(jq -c .rlimits.RLIMIT_NOFILE <<<"$json")" = "[100,$hard]" ]
}

@test "process.oomScoreAdj" {
	update_config '.process.oomScoreAdj = 567'
	run rt run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$(jq -r .oom_score_adj <<<"$output")" -eq 567 ]
}

@test "process.noNewPrivileges true and false" {
	update_config '.process.noNewPrivileges = true'
	run rt run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$(jq -r .no_new_privs <<<"$output")" -eq 1 ]
	update_config '.process.noNewPrivileges = false'
	run rt run -b "$BUNDLE" c2
	[ "$status" -eq 0 ]
	[ "$(jq -r .no_new_privs <<<"$output")" -eq 0 ]
}

@test "process.capabilities: each of the five sets is its own" {
	# CAP_CHOWN 0, CAP_KILL 5, CAP_NET_BIND_SERVICE 10, CAP_SYS_CHROOT 18
	update_config '.process.capabilities = {
		"bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT"],
		"permitted": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
		"effective": ["CAP_CHOWN"],
		"inheritable": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
		"ambient": ["CAP_NET_BIND_SERVICE"]}
		| .process.user = {"uid": 1000, "gid": 1000}'
	run rt run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	# a non-root exec: permitted and effective become the ambient set
	[ "$(jq -r .CapBnd <<<"$output")" = 0000000000040421 ]
	[ "$(jq -r .CapInh <<<"$output")" = 0000000000000420 ]
	[ "$(jq -r .CapAmb <<<"$output")" = 0000000000000400 ]
	[ "$(jq -r .CapPrm <<<"$output")" = 0000000000000400 ]
	[ "$(jq -r .CapEff <<<"$output")" = 0000000000000400 ]
}

@test "domainname is set in the UTS namespace" {
	update_config '.domainname = "berth.example"'
	run rt run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$(jq -r .domainname <<<"$output")" = berth.example ]
	[ "$(domainname)" != berth.example ]
}

@test "annotations appear in state" {
	update_config '.annotations = {"org.berth.test": "yes", "k": "v"}'
	set_args /bin/test-init sleep 100
	create_detached c1
	[ "$(rt state c1 | jq -cS .annotations)" = '{"k":"v","org.berth.test":"yes"}' ]
}

# ---- hooks ----------------------------------------------------------------

@test "createContainer hooks resolve on the host and run in the container's namespaces" {
	# the hook exists only on the host: it must run before pivot_root
	hook=$BERTH_TEST_TMP/cc-hook.sh
	printf '#!/bin/sh\nreadlink /proc/self/ns/mnt > %s\nreadlink /proc/self/ns/uts >> %s\n' \
		"$BERTH_TEST_TMP/cc.out" "$BERTH_TEST_TMP/cc.out" >"$hook"
	chmod 755 "$hook"
	export HOOK=$hook
	[ ! -e "$RT_ROOTFS$hook" ]
	update_config '.hooks.createContainer = [{"path": env.HOOK}]'
	set_args /bin/test-init sleep 100
	create_detached c1
	pid=$(rt_pid c1)
	[ "$(sed -n 1p "$BERTH_TEST_TMP/cc.out")" = "$(readlink "/proc/$pid/ns/mnt")" ]
	[ "$(sed -n 2p "$BERTH_TEST_TMP/cc.out")" = "$(readlink "/proc/$pid/ns/uts")" ]
	[ "$(readlink /proc/self/ns/mnt)" != "$(readlink "/proc/$pid/ns/mnt")" ]
}

@test "startContainer hooks run in the container and get the state with status created" {
	out_mount
	update_config '.hooks.startContainer = [{"path": "/bin/sh",
		"args": ["sh", "-c", "cat > /out/start.json"]}]'
	set_args /bin/true
	run rt run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$(jq -r .status "$BERTH_TEST_TMP/out/start.json")" = created ]
	[ "$(jq -r .id "$BERTH_TEST_TMP/out/start.json")" = c1 ]
}

# ---- linux: process-wide settings ------------------------------------------

@test "linux.personality LINUX32 makes uname report i686" {
	[ "$(uname -m)" = x86_64 ] || skip "needs an x86_64 host"
	update_config '.linux.personality = {"domain": "LINUX32"}'
	run rt run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$(jq -r .machine <<<"$output")" = i686 ]
	set_args /bin/test-init sleep 100
	run_detached c3
	[ "$(rt exec c3 /bin/test-init report | jq -r .machine)" = i686 ]
	set_args /bin/test-init report
	update_config '.linux.personality = {"domain": "LINUX"}'
	run rt run -b "$BUNDLE" c2
	[ "$status" -eq 0 ]
	[ "$(jq -r .machine <<<"$output")" = x86_64 ]
}

@test "linux.personality flags are refused: the spec defines none" {
	update_config '.linux.personality = {"domain": "LINUX", "flags": ["ADDR_NO_RANDOMIZE"]}'
	expect_run_error c1 "linux.personality.flags: 'ADDR_NO_RANDOMIZE' is not supported"
}

@test "linux.memoryPolicy sets the mode, flags and nodes" {
	[ -d /sys/devices/system/node/node0 ] || skip "no NUMA node 0"
	update_config '.linux.memoryPolicy = {"mode": "MPOL_INTERLEAVE", "nodes": "0"}'
	run rt run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$(jq -r .mempolicy <<<"$output")" -eq 3 ]
	# MPOL_BIND (2) | MPOL_F_STATIC_NODES (1 << 15)
	update_config '.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "0",
		"flags": ["MPOL_F_STATIC_NODES"]}'
	run rt run -b "$BUNDLE" c2
	[ "$status" -eq 0 ]
	[ "$(jq -r .mempolicy <<<"$output")" -eq $((2 | 1 << 15)) ]
}

@test "linux.memoryPolicy with a bad node list fails create" {
	update_config '.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "0-x"}'
	expect_run_error c1 "linux.memoryPolicy.nodes: '0-x' is not a node list"
}

# ---- linux: netDevices ------------------------------------------------------

# A veth pair berthv<pid>a / berthv<pid>b (the kernel may lack dummy)
make_veth()
{
	A=berthv$$a
	B=berthv$$b
	NETDEV_LINKS="$A $B"
	ip link add "$A" type veth peer name "$B"
	ip addr add 169.254.77.1/30 dev "$A"
	export A B
}

@test "linux.netDevices moves, renames and raises an interface, keeping its address" {
	make_veth
	update_config '.linux.netDevices = {(env.A): {"name": "ctr0"}}'
	set_args /bin/test-init sleep 100
	run_detached c1
	run ! ip link show "$A"
	run rt exec c1 /sbin/ip -o addr show dev ctr0
	[ "$status" -eq 0 ]
	[[ "$output" == *"169.254.77.1/30"* ]]
	run rt exec c1 /bin/cat /sys/class/net/ctr0/flags
	[ "$status" -eq 0 ]
	[ $((output & 1)) -eq 1 ] # IFF_UP
	# the spec leaves the device to the kernel when the namespace goes:
	# a veth is destroyed with it, and so is its host peer
	rt delete -f c1
	for i in $(seq 100); do ip link show "$B" >/dev/null 2>&1 || break; sleep 0.05; done
	run ! ip link show "$A"
	run ! ip link show "$B"
}

@test "linux.netDevices keeps the host name when none is given" {
	make_veth
	update_config '.linux.netDevices = {(env.A): {}}'
	set_args /bin/sh -c 'cat /sys/class/net/$0/operstate' "$A"
	run rt run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[[ "$output" == "up" || "$output" == "lowerlayerdown" ]]
}

@test "linux.netDevices needs a network namespace and an existing device" {
	update_config '.linux.netDevices = {"berthnope0": {}}'
	expect_run_error c1 "find host interface 'berthnope0'"
	update_config '.linux.namespaces = [.linux.namespaces[] | select(.type != "network")]'
	expect_run_error c1 "linux.netDevices: needs a network namespace"
	[ "$(rt features | jq -r .linux.netDevices.enabled)" = true ]
}

# ---- linux: sysctl, devices, resources --------------------------------------

@test "linux.sysctl sets namespaced keys and refuses host ones" {
	host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
	host_msg=$(cat /proc/sys/kernel/msgmax)
	update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.msgmax": "4242"}'
	set_args /bin/cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax
	run rt run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$output" = "1
4242" ]
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$host_fwd" ]
	[ "$(cat /proc/sys/kernel/msgmax)" = "$host_msg" ]
	update_config '.linux.sysctl = {"vm.swappiness": "10"}'
	expect_run_error c2 "sysctl 'vm.swappiness' is not in a separate kernel namespace"
}

@test "linux.devices creates a device node with its mode, uid and gid" {
	# written as its owner: the device cgroup must allow it too
	update_config '.linux.devices = [{"path": "/dev/berth-null", "type": "c",
		"major": 1, "minor": 3, "fileMode": 416, "uid": 1001, "gid": 1002}]
		| .process.user = {"uid": 1001, "gid": 1002}'
	set_args /bin/sh -c 'stat -c "%F %t:%T %a %u:%g" /dev/berth-null && echo hi > /dev/berth-null'
	run rt run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$output" = "character special file 1:3 640 1001:1002" ]
}

@test "linux.resources: memory limit, cpu shares and cpuset in the cgroup files" {
	update_config '.linux.resources.memory = {"limit": 67108864}
		| .linux.resources.cpu = {"shares": 512, "cpus": "0", "mems": "0"}'
	set_args /bin/test-init sleep 100
	run_detached c1
	pid=$(rt_pid c1)
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		[ "$(cgroup_file "$pid" memory memory.max)" = 67108864 ]
		[ "$(cgroup_file "$pid" cpuset cpuset.cpus)" = 0 ]
	else
		[ "$(cgroup_file "$pid" memory memory.limit_in_bytes)" = 67108864 ]
		[ "$(cgroup_file "$pid" cpu cpu.shares)" = 512 ]
		[ "$(cgroup_file "$pid" cpuset cpuset.cpus)" = 0 ]
		[ "$(cgroup_file "$pid" cpuset cpuset.mems)" = 0 ]
	fi
	[ "$(awk '/^Cpus_allowed_list/ { print $2 }' "/proc/$pid/status")" = 0 ]
}

# ---- linux: namespaces and mounts ------------------------------------------

@test "a cgroup namespace shows the container's cgroup as /" {
	run rt run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	# (an empty list would pass the grep -c checks below)
	[ "$(jq '.cgroup | length' <<<"$output")" -gt 0 ]
	[ "$(jq -r '.cgroup[]' <<<"$output" | grep -vc ':/$')" -eq 0 ]
	update_config '.linux.namespaces = [.linux.namespaces[] | select(.type != "cgroup")]'
	run rt run -b "$BUNDLE" c2
	[ "$status" -eq 0 ]
	[ "$(jq '.cgroup | length' <<<"$output")" -gt 0 ]
	[ "$(jq -r '.cgroup[]' <<<"$output" | grep -c ':/$')" -eq 0 ]
}

@test "linux.rootfsPropagation shared and slave show in the container's mountinfo" {
	update_config '.linux.rootfsPropagation = "shared"'
	run rt run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	jq -r '.mounts[]' <<<"$output" | awk '$5 == "/"' | grep -q ' shared:'
	update_config '.linux.rootfsPropagation = "private"'
	run rt run -b "$BUNDLE" c2
	[ "$status" -eq 0 ]
	root_mount=$(jq -r '.mounts[]' <<<"$output" | awk '$5 == "/"')
	[ -n "$root_mount" ]
	[[ "$root_mount" != *" shared:"* ]]
	[ -z "$(jq -r '.mounts[]' <<<"$output" | awk '$5 == "/"' | grep ' shared:')" ]
}

@test "mounts: ro bind, tmpfs size and mode, nosuid and noexec are enforced" {
	mkdir -p "$BERTH_TEST_TMP/robind"
	echo data >"$BERTH_TEST_TMP/robind/file"
	update_config '.mounts += [
		{"destination": "/ro", "type": "bind", "source": (env.BERTH_TEST_TMP + "/robind"),
		 "options": ["rbind", "ro"]},
		{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs",
		 "options": ["size=1m", "mode=1770", "nosuid", "noexec", "nodev"]}]'
	set_args /bin/sh -c 'cat /ro/file; echo x > /ro/file && echo ro-writable; stat -c %a /scratch; df -k /scratch | awk "NR == 2 { print \$2 }"; cp /bin/test-init /scratch/t && /scratch/t exit 0 && echo exec-allowed; grep " /scratch " /proc/self/mountinfo'
	run rt run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = data ]
	[[ "$output" != *ro-writable* ]]
	[[ "$output" == *"1770"* ]]
	[[ "$output" == *$'\n1024\n'* ]]
	[[ "$output" != *exec-allowed* ]]
	[[ "$output" == *"nosuid"*"noexec"* ]]
	[ "$(cat "$BERTH_TEST_TMP/robind/file")" = data ]
}

# ---- fields this host cannot honour ----------------------------------------

@test "linux.intelRdt without resctrl is a clear error" {
	[ ! -d /sys/fs/resctrl/info ] || skip "this host has resctrl"
	update_config '.linux.intelRdt = {"closID": "berth", "l3CacheSchema": "L3:0=ff"}'
	expect_run_error c1 "linux.intelRdt: Intel RDT is not supported on this host (no resctrl filesystem)"
	# supported by the runtime, where the host has it
	[ "$(rt features | jq -r .linux.intelRdt.enabled)" = true ]
}

@test "LSM fields without the LSM: mountLabel warns, selinuxLabel and apparmorProfile fail" {
	[ ! -d /sys/fs/selinux ] || skip "this host has SELinux"
	[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ] ||
		skip "this host has AppArmor"
	update_config '.linux.mountLabel = "system_u:object_r:container_file_t:s0"'
	set_args /bin/true
	run rt run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[[ "$output" == *"linux.mountLabel 'system_u:object_r:container_file_t:s0': selinux is not enabled on this host, ignoring"* ]]
	update_config 'del(.linux.mountLabel) | .process.selinuxLabel = "system_u:system_r:container_t:s0"'
	expect_run_error c2 "selinux label is specified in config, but selinux is disabled or not supported"
	update_config 'del(.process.selinuxLabel) | .process.apparmorProfile = "berth-default"'
	expect_run_error c3 "unable to apply apparmor profile"
	[[ "$output" == *"unable to apply apparmor profile"*"apparmor is not enabled on this host"* ]]
}

# ---- idmapped mounts (mounts[].uidMappings, gidMappings, idmap, ridmap) ----

# A source directory for idmapped mounts on a filesystem that supports
# them (ext4, xfs, btrfs, tmpfs since 6.3); $1 names it under the test dir
idmap_source()
{
	local dir=$BERTH_TEST_TMP/$1
	mkdir -p "$dir"
	case $(stat -f -c %T "$dir") in
	ext2/ext3 | xfs | btrfs | tmpfs) ;;
	*) skip "$(stat -f -c %T "$dir") at '$dir' may not support idmapped mounts" ;;
	esac
	export IDMAP_SRC=$dir
}

# As runc and crun (and the kernel's MOUNT_ATTR_IDMAP) read a mount's
# mapping: an id on the source filesystem is a containerID, and the mount
# shows it as the hostID.  So {1000 -> 0} shows host uid 1000 as root.
@test "mounts[].uidMappings: an idmapped bind shows and creates files through the mapping" {
	idmap_source idsrc
	echo data >"$IDMAP_SRC/owned-1000"
	chown 1000:1001 "$IDMAP_SRC/owned-1000"
	echo data >"$IDMAP_SRC/owned-0"
	# the directory too: root may write only into a directory whose owner
	# is mapped (capable_wrt_inode_uidgid)
	chown 1000:1001 "$IDMAP_SRC"
	update_config '.mounts += [
		{"destination": "/m", "type": "bind", "source": env.IDMAP_SRC, "options": ["bind", "idmap"],
		 "uidMappings": [{"containerID": 1000, "hostID": 0, "size": 1}],
		 "gidMappings": [{"containerID": 1001, "hostID": 0, "size": 1}]},
		{"destination": "/lit", "type": "bind", "source": env.IDMAP_SRC, "options": ["rbind"],
		 "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
		 "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]}]'
	set_args /bin/sh -c 'stat -c "m %n %u:%g" /m/owned-1000 /m/owned-0; touch /m/new; stat -c "lit %n %u:%g" /lit/owned-0 /lit/owned-1000'
	run rt run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[[ "$output" == *"m /m/owned-1000 0:0"* ]]
	[[ "$output" == *"m /m/owned-0 65534:65534"* ]]
	[[ "$output" == *"lit /lit/owned-0 1000:1000"* ]]
	[[ "$output" == *"lit /lit/owned-1000 65534:65534"* ]]
	# created by the container's root through the mount: the mapped owner
	[ "$(stat -c %u:%g "$IDMAP_SRC/new")" = 1000:1001 ]
	# the host's view of the source is unchanged
	[ "$(stat -c %u:%g "$IDMAP_SRC/owned-1000")" = 1000:1001 ]
	[ -z "$(grep idsrc /proc/self/mountinfo)" ]
}

@test "mounts[] ridmap maps the submounts of an rbind, idmap only the top mount" {
	# a host mount (of idsub) nested in the source (idsrc)
	idmap_source idsub
	touch "$IDMAP_SRC/inner"
	chown 1000:1000 "$IDMAP_SRC/inner"
	idmap_source idsrc
	mkdir "$IDMAP_SRC/sub"
	mount --bind "$BERTH_TEST_TMP/idsub" "$IDMAP_SRC/sub"
	update_config '.mounts += [
		{"destination": "/r", "type": "bind", "source": env.IDMAP_SRC,
		 "options": ["rbind", "ridmap"],
		 "uidMappings": [{"containerID": 1000, "hostID": 0, "size": 1}],
		 "gidMappings": [{"containerID": 1000, "hostID": 0, "size": 1}]},
		{"destination": "/i", "type": "bind", "source": env.IDMAP_SRC,
		 "options": ["rbind", "idmap"],
		 "uidMappings": [{"containerID": 1000, "hostID": 0, "size": 1}],
		 "gidMappings": [{"containerID": 1000, "hostID": 0, "size": 1}]}]'
	set_args /bin/sh -c 'stat -c "%n %u" /r/sub/inner /i/sub/inner'
	run rt run -b "$BUNDLE" c1
	umount "$IDMAP_SRC/sub"
	[ "$status" -eq 0 ]
	[[ "$output" == *"/r/sub/inner 0"* ]]
	[[ "$output" == *"/i/sub/inner 1000"* ]]
}

@test "mounts[] idmap without mappings uses the container's user namespace mapping" {
	idmap_source idsrc
	touch "$IDMAP_SRC/owned-0"
	userns_config
	update_config '.mounts += [{"destination": "/m", "type": "bind", "source": env.IDMAP_SRC,
			"options": ["rbind", "idmap"]}]'
	set_args /bin/sh -c 'stat -c "%n %u:%g" /m/owned-0; touch /m/new'
	run rt run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	# host root's file is the container root's, and the other way round
	[[ "$output" == *"/m/owned-0 0:0"* ]]
	[ "$(stat -c %u:%g "$IDMAP_SRC/new")" = 0:0 ]
}

@test "mounts[] bad idmappings fail create with an error naming the mount" {
	idmap_source idsrc
	base=$(jq -c .mounts "$BUNDLE/config.json")
	export BASE=$base
	n=$(jq length <<<"$base")
	check()
	{
		update_config ".mounts = (env.BASE | fromjson) + [$1]"
		expect_run_error c1 "mounts[$n] (on '/m'): $2"
	}
	local map='[{"containerID": 0, "hostID": 1000, "size": 1}]'
	check '{"destination": "/m", "type": "bind", "source": env.IDMAP_SRC, "options": ["bind"],
		"uidMappings": '"$map"'}' "uidMappings and gidMappings must be given together"
	check '{"destination": "/m", "type": "bind", "source": env.IDMAP_SRC, "options": ["bind"],
		"uidMappings": [{"containerID": 0, "hostID": 1000, "size": 0}], "gidMappings": '"$map"'}' \
		"uidMappings[0]: size must not be 0"
	check '{"destination": "/m", "type": "bind", "source": env.IDMAP_SRC, "options": ["bind"],
		"uidMappings": [{"containerID": 0, "hostID": 1000, "size": 5}, {"containerID": 2, "hostID": 2000, "size": 1}],
		"gidMappings": '"$map"'}' "user namespace maps: write '/proc/"
	check '{"destination": "/m", "type": "tmpfs", "source": "tmpfs", "options": ["idmap"],
		"uidMappings": '"$map"', "gidMappings": '"$map"'}' "idmapped mounts must be bind mounts"
	check '{"destination": "/m", "type": "bind", "source": env.IDMAP_SRC, "options": ["bind", "ridmap"]}' \
		"'idmap' and 'ridmap' need uidMappings and gidMappings, or a user namespace"
}

# ---- fields the sections above do not reach ------------------------------

@test "root.readonly makes the rootfs read-only" {
	set_args /bin/sh -c 'touch /berth-ro-probe; echo touch=$?'
	run rt run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	[[ "$output" == *"touch=1"* ]]
	[ ! -e "$RT_ROOTFS/berth-ro-probe" ]
}

@test "prestart hooks run in the runtime's namespaces, before createRuntime" {
	export HOOKLOG=$BERTH_TEST_TMP/hooks.log
	set_args /bin/true
	update_config '.hooks = {
	  "prestart": [{"path": "/bin/sh", "args": ["sh", "-c",
	    ("echo prestart $(readlink /proc/self/ns/mnt) >> " + env.HOOKLOG)]}],
	  "createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c", ("echo createRuntime >> " + env.HOOKLOG)]}]}'
	run rt run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	run cat "$HOOKLOG"
	[ "$output" = "prestart $(readlink /proc/self/ns/mnt)
createRuntime" ]
}

@test "a hook over its timeout is killed and fails create" {
	set_args /bin/true
	update_config '.hooks.createRuntime = [{"path": "/bin/sleep", "args": ["sleep", "30"], "timeout": 1}]'
	SECONDS=0
	expect_run_error c1 "createRuntime hook '/bin/sleep': timed out after 1s"
	[ "$SECONDS" -lt 10 ]
}

@test "linux.resources.devices: the device cgroup denies by default and allows what a rule allows" {
	# a host node (/dev/kmsg's numbers: in no default rule) on a bind
	# mount without nodev, so that only the device cgroup decides
	mkdir "$BERTH_TEST_TMP/devs"
	mknod -m 666 "$BERTH_TEST_TMP/devs/kmsg" c 1 11
	export DEVS=$BERTH_TEST_TMP/devs
	update_config '.mounts += [{"destination": "/devs", "type": "bind", "source": env.DEVS,
		"options": ["rbind", "rw"]}]'
	set_args /bin/sh -c 'echo berth-device-cgroup-test > /devs/kmsg; echo write=$?'
	run rt run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	[[ "$output" == *"write=1"* ]]
	update_config '.linux.resources.devices += [{"allow": true, "type": "c", "major": 1,
		"minor": 11, "access": "w"}]'
	run rt run -b "$BUNDLE" c2
	[ "$status" -eq 0 ]
	[[ "$output" == *"write=0"* ]]
}

@test "linux.seccomp argument filters match on the syscall's arguments" {
	# chmod to 0700 (448) is denied, to 0755 allowed
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["fchmodat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 122,
		 "args": [{"index": 2, "value": 448, "op": "SCMP_CMP_EQ"}]},
		{"names": ["chmod"], "action": "SCMP_ACT_ERRNO", "errnoRet": 122,
		 "args": [{"index": 1, "value": 448, "op": "SCMP_CMP_EQ"}]}]}'
	set_args /bin/sh -c 'touch /dev/shm/f; chmod 755 /dev/shm/f; echo c755=$?; chmod 700 /dev/shm/f; echo c700=$?; stat -c %a /dev/shm/f'
	run rt run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[[ "$output" == *"c755=0"* ]]
	[[ "$output" == *"Disk quota exceeded"* ]]
	[[ "$output" == *"c700=1"* ]]
	[ "${lines[-1]}" = 755 ]
}

@test "process.scheduler and process.ioPriority" {
	update_config '.process.scheduler = {"policy": "SCHED_BATCH", "nice": 5}
		| .process.ioPriority = {"class": "IOPRIO_CLASS_IDLE"}'
	set_args /bin/test-init sleep 100
	run_detached c1
	pid=$(rt_pid c1)
	# SCHED_BATCH is policy 3; nice is field 19 of stat
	[ "$(awk '$1 == "policy" { print $3 }' "/proc/$pid/sched")" -eq 3 ]
	[ "$(awk '{ print $19 }' "/proc/$pid/stat")" -eq 5 ]
	[ "$(ionice -p "$pid")" = idle ]
}

@test "linux.cgroupsPath places the container's cgroup" {
	export CGP=/berth-cgp-$$-$BATS_TEST_NUMBER
	update_config '.linux.cgroupsPath = env.CGP'
	set_args /bin/test-init sleep 100
	run_detached c1
	pid=$(rt_pid c1)
	[ "$(grep -c ":$CGP\$" "/proc/$pid/cgroup")" -eq "$(grep -c . "/proc/$pid/cgroup")" ]
	[ -n "$(find /sys/fs/cgroup -maxdepth 2 -type d -path "*$CGP")" ]
	# delete removes it (the leak check sees any that stays)
	rt delete -f c1
	[ -z "$(find /sys/fs/cgroup -maxdepth 2 -type d -path "*$CGP")" ]
}
