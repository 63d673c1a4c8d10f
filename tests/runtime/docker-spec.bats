#!/usr/bin/env bats
# docker-spec: the daemon's spec code (src/daemon/containers/spec*.c, driven
# by tests/helpers/spec-tool) turns a create request, as the docker CLI
# posts it, and an image config into a bundle; berth-runtime (and runc,
# once) runs it and the container reports what docker would give it:
# capabilities, seccomp, masked paths, hostname, /etc files, user, cgroup
# limits, rlimits, privileged, read-only rootfs.

load ../helpers/common

SPEC_TOOL=$BERTH_BUILD/tests/helpers/spec-tool
# docker's 14 default capabilities as /proc/self/status prints them
DOCKER_DEFAULT_CAPS=00000000a80425fb

setup_file()
{
	SPEC_BUSYBOX=$(berth_busybox_rootfs) || return 1
	export SPEC_BUSYBOX
}

setup()
{
	[ "$(id -u)" -eq 0 ] || skip "running containers needs root"
	[ -x "$SPEC_TOOL" ] || skip "tests/helpers/spec-tool is not built"
	common_setup
	# a private copy: spec_build creates WorkingDir and the runtime
	# creates mount points in the rootfs
	ROOTFS=$BERTH_TEST_TMP/rootfs
	cp -a "$SPEC_BUSYBOX" "$ROOTFS"
	BUNDLE=$BERTH_TEST_TMP/bundle
	CDIR=$BERTH_TEST_TMP/container
	mkdir -p "$BUNDLE" "$CDIR"
	ID=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
	IMAGE=$BERTH_TEST_TMP/image.json
	echo '{"config":{"Env":["PATH=/usr/sbin:/usr/bin:/sbin:/bin","IMG=image","OVER=image"],"Cmd":["sh"]}}' >"$IMAGE"
}

teardown()
{
	"$BERTH_RUNTIME" --root "$BERTH_TEST_TMP/rt" delete -f "$ID" >/dev/null 2>&1 || true
	common_teardown
}

# make_bundle REQUEST_JSON [spec-tool options]: config.json and /etc files
make_bundle()
{
	printf '%s\n' "$1" >"$BERTH_TEST_TMP/request.json"
	shift
	"$SPEC_TOOL" create --request "$BERTH_TEST_TMP/request.json" --image "$IMAGE" \
		--rootfs "$ROOTFS" --dir "$CDIR" --bundle "$BUNDLE" --id "$ID" "$@"
}

# Run the bundle in the foreground; stdout+stderr in $output
run_ctr()
{
	run "$BERTH_RUNTIME" --root "$BERTH_TEST_TMP/rt" run -b "$BUNDLE" "$ID" </dev/null
}

# sh -c SCRIPT as the request's Cmd, plus extra request fields
request()
{
	jq -cn --arg s "$1" --argjson extra "${2:-{\}}" '{Cmd: ["sh", "-c", $s]} + $extra'
}

status_field()
{
	grep "^$1:" <<<"$output" | awk '{ print $2 }'
}

@test "a default container gets docker's capabilities, seccomp filter and /proc protections" {
	make_bundle "$(request 'grep -E "^(Cap|Seccomp:|NoNewPrivs)" /proc/self/status
		unshare -U true && echo unshare=ok
		[ -c /proc/keys ] && echo keys=masked
		[ -z "$(ls /proc/acpi)" ] && echo acpi=empty
		echo 1 >/proc/sys/kernel/ns_last_pid || echo procsys=ro
		grep " /sys " /proc/mounts')"
	[ "$(jq -r '.linux.seccomp.defaultAction' "$BUNDLE/config.json")" = SCMP_ACT_ERRNO ]
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(status_field CapEff)" = "$DOCKER_DEFAULT_CAPS" ]
	[ "$(status_field CapPrm)" = "$DOCKER_DEFAULT_CAPS" ]
	[ "$(status_field CapBnd)" = "$DOCKER_DEFAULT_CAPS" ]
	[ "$(status_field Seccomp)" = 2 ]
	[ "$(status_field NoNewPrivs)" = 0 ]
	# unshare is allowed by the default profile only with CAP_SYS_ADMIN
	[[ "$output" == *"Operation not permitted"* ]]
	[[ "$output" != *unshare=ok* ]]
	[[ "$output" == *keys=masked* ]]
	[[ "$output" == *acpi=empty* ]]
	[[ "$output" == *procsys=ro* ]]
	[[ "$output" == *"sysfs /sys sysfs ro,"* ]]
}

@test "the image config is merged: Cmd, Env over the image's, WorkingDir created" {
	echo '{"config":{"Env":["IMG=image","OVER=image"],"WorkingDir":"/srv/app","Entrypoint":["sh","-c"],"Cmd":["echo image-cmd; env; pwd"]}}' >"$IMAGE"
	make_bundle '{"Env":["OVER=user"],"Tty":false}'
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *image-cmd* ]]
	grep -qx 'IMG=image' <<<"$output"
	grep -qx 'OVER=user' <<<"$output"
	grep -qx 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' <<<"$output"
	grep -qx "HOSTNAME=${ID:0:12}" <<<"$output"
	grep -qx 'HOME=/root' <<<"$output"
	grep -qx '/srv/app' <<<"$output"
	[ -d "$ROOTFS/srv/app" ]
}

@test "hostname, /etc/hosts with ExtraHosts and resolv.conf with Dns" {
	make_bundle "$(request 'hostname; cat /etc/hostname /etc/hosts /etc/resolv.conf' \
		'{"Hostname":"web","HostConfig":{"ExtraHosts":["db:10.0.0.5","v6:fd00::1"],"Dns":["10.0.0.53"],"DnsSearch":["example.org"],"DnsOptions":["ndots:2"]}}')"
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = web ]
	[ "${lines[1]}" = web ]
	grep -qP '^127\.0\.0\.1\tlocalhost$' <<<"$output"
	grep -qP '^10\.0\.0\.5\tdb$' <<<"$output"
	grep -qP '^fd00::1\tv6$' <<<"$output"
	grep -qx 'nameserver 10.0.0.53' <<<"$output"
	grep -qx 'search example.org' <<<"$output"
	grep -qx 'options ndots:2' <<<"$output"
	# written into the container's directory and bind-mounted from there
	grep -qx web "$CDIR/hostname"
}

@test "User name resolves in the image's passwd, with GroupAdd; non-root has no effective caps" {
	make_bundle '{"Cmd":["/bin/test-init","report"],"User":"nobody","HostConfig":{"GroupAdd":["root"]}}'
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .uid <<<"$output")" -eq 65534 ]
	[ "$(jq -r .gid <<<"$output")" -eq 65534 ]
	[ "$(jq -c '.groups | sort' <<<"$output")" = "[0,65534]" ]
	make_bundle "$(request 'grep -E "^Cap(Eff|Bnd)" /proc/self/status' '{"User":"65534:0"}')"
	run_ctr
	echo "$output"
	[ "$(status_field CapEff)" = 0000000000000000 ]
	[ "$(status_field CapBnd)" = "$DOCKER_DEFAULT_CAPS" ]
}

@test "an unknown user is refused with docker's message" {
	run make_bundle '{"Cmd":["true"],"User":"nosuch"}'
	[ "$status" -eq 1 ]
	[[ "$output" == *"unable to find user nosuch: no matching entries in passwd file"* ]]
	[ ! -e "$BUNDLE/config.json" ]
}

@test "Memory, PidsLimit and CpuShares land in the container's cgroup" {
	make_bundle "$(request 'if [ -e /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then
			cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.shares
		else
			cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max; echo 512
		fi' \
		'{"HostConfig":{"Memory":67108864,"PidsLimit":50,"CpuShares":512}}')"
	[ "$(jq -r .linux.cgroupsPath "$BUNDLE/config.json")" = "/berth/$ID" ]
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 67108864 ]
	[ "${lines[1]}" = 50 ]
	[ "${lines[2]}" = 512 ]
}

@test "Ulimits and OomScoreAdj apply; no nofile limit unless asked" {
	make_bundle "$(request 'ulimit -n; ulimit -Hn; ulimit -c; cat /proc/self/oom_score_adj' \
		'{"HostConfig":{"Ulimits":[{"Name":"nofile","Soft":1000,"Hard":2000},{"Name":"core","Soft":0,"Hard":0}],"OomScoreAdj":300}}')"
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = 2000 ]
	[ "${lines[2]}" = 0 ]
	[ "${lines[3]}" = 300 ]
	make_bundle "$(request 'ulimit -Hn')"
	[ "$(jq -r '.process.rlimits' "$BUNDLE/config.json")" = null ]
	run_ctr
	[ "$output" = "$(ulimit -Hn)" ]
}

@test "Privileged gets every capability the runtime holds, no seccomp, rw /sys and host devices" {
	make_bundle "$(request 'grep -E "^(CapEff|Seccomp):" /proc/self/status; grep " /sys " /proc/mounts; unshare -U true && echo unshare=ok; ls /dev' \
		'{"HostConfig":{"Privileged":true}}')"
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(status_field CapEff)" = "$(awk '/^CapEff:/ { print $2 }' /proc/self/status)" ]
	[ "$(status_field Seccomp)" = 0 ]
	[[ "$output" == *"sysfs /sys sysfs rw,"* ]]
	[[ "$output" == *unshare=ok* ]]
	# a host device docker's default list does not have
	if [ -c /dev/loop-control ]; then grep -qx loop-control <<<"$output"; fi
}

@test "CapDrop ALL with CapAdd, and seccomp=unconfined" {
	make_bundle "$(request 'grep -E "^(CapEff|Seccomp):" /proc/self/status; unshare -U true && echo unshare=ok' \
		'{"HostConfig":{"CapDrop":["ALL"],"CapAdd":["kill","CAP_CHOWN"],"SecurityOpt":["seccomp=unconfined","no-new-privileges"]}}')"
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	# CAP_CHOWN (0) and CAP_KILL (5)
	[ "$(status_field CapEff)" = 0000000000000021 ]
	[ "$(status_field Seccomp)" = 0 ]
	# without the filter an unprivileged user namespace is allowed again
	[[ "$output" == *unshare=ok* ]]
}

@test "a seccomp profile in SecurityOpt (as the CLI sends the file) is applied" {
	local profile='{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}'
	make_bundle "$(request 'mkdir /tmp/x && echo mkdir=ok; echo done' \
		"$(jq -cn --arg p "$profile" '{HostConfig: {SecurityOpt: ["seccomp=" + $p]}}')")"
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *mkdir=ok* ]]
	[[ "$output" == *"Operation not permitted"* ]]
	[[ "$output" == *done* ]]
}

@test "ReadonlyRootfs: / is read-only, Tmpfs mounts stay writable" {
	make_bundle "$(request 'touch /x || echo root=ro; touch /scratch/y && echo tmpfs=rw; touch /etc/hosts || echo hosts=ro' \
		'{"HostConfig":{"ReadonlyRootfs":true,"Tmpfs":{"/scratch":"size=1m"}}}')"
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *root=ro* ]]
	[[ "$output" == *tmpfs=rw* ]]
	[[ "$output" == *hosts=ro* ]]
	[ ! -e "$ROOTFS/x" ]
}

@test "Binds mount host directories, read-only on request" {
	mkdir -p "$BERTH_TEST_TMP/share"
	echo hello >"$BERTH_TEST_TMP/share/f"
	make_bundle "$(request 'cat /data/f; echo x >/data/g || echo bind=ro; cat /rw/f; echo y >/rw/g && echo bind=rw' \
		"$(jq -cn --arg s "$BERTH_TEST_TMP/share" '{HostConfig: {Binds: [$s + ":/data:ro", $s + ":/rw"]}}')")"
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = hello ]
	[[ "$output" == *bind=ro* ]]
	[[ "$output" == *bind=rw* ]]
	[ "$(cat "$BERTH_TEST_TMP/share/g")" = y ]
}

@test "Init runs docker-init (tini) as pid 1 in front of the command" {
	local tini=/usr/bin/tini-static
	[ -x "$tini" ] || skip "tini-static is not installed"
	make_bundle "$(request 'tr "\0" " " </proc/1/cmdline; echo; echo pid=$$' '{"HostConfig":{"Init":true}}')" --init "$tini"
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "/sbin/docker-init -- sh -c "* ]]
	[ "${lines[1]}" != pid=1 ]
}

@test "an exec process from spec_exec_process runs with its user, env and the container's limits" {
	make_bundle '{"Cmd":["/bin/test-init","sleep","100"],"Env":["A=1","B=1"],"HostConfig":{"SecurityOpt":["no-new-privileges"]}}'
	"$BERTH_RUNTIME" --root "$BERTH_TEST_TMP/rt" run -d -b "$BUNDLE" "$ID" \
		</dev/null >"$BERTH_TEST_TMP/ctr.out" 2>&1
	jq -n '{Cmd: ["sh", "-c", "id -u; id -g; echo $A $B; pwd; grep -E \"^(CapEff|CapBnd|NoNewPrivs|Seccomp):\" /proc/self/status"],
		User: "nobody", Env: ["B=2"], WorkingDir: "/tmp"}' >"$BERTH_TEST_TMP/exec.json"
	"$SPEC_TOOL" exec --spec "$BUNDLE/config.json" --exec "$BERTH_TEST_TMP/exec.json" \
		>"$BERTH_TEST_TMP/process.json"
	run "$BERTH_RUNTIME" --root "$BERTH_TEST_TMP/rt" exec --process "$BERTH_TEST_TMP/process.json" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 65534 ]
	[ "${lines[1]}" = 65534 ]
	[ "${lines[2]}" = "1 2" ]
	[ "${lines[3]}" = /tmp ]
	[ "$(status_field CapEff)" = 0000000000000000 ]
	[ "$(status_field CapBnd)" = "$DOCKER_DEFAULT_CAPS" ]
	[ "$(status_field NoNewPrivs)" = 1 ]
	[ "$(status_field Seccomp)" = 2 ]
}

@test "the body docker CLI 28.2 posts for a create with many flags runs as docker would run it" {
	# captured from: docker create --init --security-opt seccomp=prof.json
	#   --security-opt no-new-privileges --ulimit nofile=100:200 --tmpfs /run:size=1m
	#   --mount type=tmpfs,dst=/x,tmpfs-size=1m,tmpfs-mode=1770
	#   --device /dev/null:/dev/mynull:rw --memory 64m --cpus 1.5 --cap-add sys_admin
	#   --add-host db:10.0.0.5 --dns 1.1.1.1 -u nobody -w /srv --read-only busybox
	# with Cmd replaced by the checks below and Tty off (bats has no terminal)
	local tini=/usr/bin/tini-static
	[ -x "$tini" ] || skip "tini-static is not installed"
	cat >"$BERTH_TEST_TMP/cli-body.json" <<'EOF_BODY'
{"Hostname":"","Domainname":"","User":"nobody","AttachStdin":false,"AttachStdout":true,"AttachStderr":true,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":["sh","-c","id -u; pwd; ulimit -n; ulimit -Hn; grep -E \"^(CapBnd|NoNewPrivs|Seccomp):\" /proc/self/status; [ -c /dev/mynull ] && echo mynull=ok; touch /run/b && echo tmpfs=rw; touch /a || echo root=ro; stat -c %a /x; cat /etc/resolv.conf; tail -n1 /etc/hosts"],"Image":"busybox","Volumes":{},"WorkingDir":"/srv","Entrypoint":null,"OnBuild":null,"Labels":{},"HostConfig":{"Binds":null,"ContainerIDFile":"","LogConfig":{"Type":"","Config":{}},"NetworkMode":"default","PortBindings":{},"RestartPolicy":{"Name":"no","MaximumRetryCount":0},"AutoRemove":false,"VolumeDriver":"","VolumesFrom":null,"ConsoleSize":[0,0],"CapAdd":["CAP_SYS_ADMIN"],"CapDrop":null,"CgroupnsMode":"","Dns":["1.1.1.1"],"DnsOptions":[],"DnsSearch":[],"ExtraHosts":["db:10.0.0.5"],"GroupAdd":null,"IpcMode":"","Cgroup":"","Links":null,"OomScoreAdj":0,"PidMode":"","Privileged":false,"PublishAllPorts":false,"ReadonlyRootfs":true,"SecurityOpt":["seccomp={\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[]}","no-new-privileges"],"Tmpfs":{"/run":"size=1m"},"UTSMode":"","UsernsMode":"","ShmSize":0,"Isolation":"","CpuShares":0,"Memory":67108864,"NanoCpus":1500000000,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":[],"BlkioDeviceReadBps":[],"BlkioDeviceWriteBps":[],"BlkioDeviceReadIOps":[],"BlkioDeviceWriteIOps":[],"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"","Devices":[{"PathOnHost":"/dev/null","PathInContainer":"/dev/mynull","CgroupPermissions":"rw"}],"DeviceCgroupRules":null,"DeviceRequests":null,"MemoryReservation":0,"MemorySwap":0,"MemorySwappiness":-1,"OomKillDisable":false,"PidsLimit":0,"Ulimits":[{"Name":"nofile","Hard":200,"Soft":100}],"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,"Mounts":[{"Type":"tmpfs","Target":"/x","TmpfsOptions":{"SizeBytes":1048576,"Mode":1016}}],"MaskedPaths":null,"ReadonlyPaths":null,"Init":true},"NetworkingConfig":{"EndpointsConfig":{"default":{"IPAMConfig":null,"Links":null,"Aliases":null,"MacAddress":"","DriverOpts":null,"GwPriority":0,"NetworkID":"","EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"DNSNames":null}}}}
EOF_BODY
	make_bundle "$(cat "$BERTH_TEST_TMP/cli-body.json")" --init "$tini"
	[ "$(jq -r '.linux.resources.cpu.quota' "$BUNDLE/config.json")" = 150000 ]
	[ "$(jq -r '.linux.resources.memory.limit' "$BUNDLE/config.json")" = 67108864 ]
	run_ctr
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 65534 ]
	[ "${lines[1]}" = /srv ]
	[ "${lines[2]}" = 100 ]
	[ "${lines[3]}" = 200 ]
	# CAP_SYS_ADMIN (bit 21) joins docker's defaults in the bounding set
	[ "$(status_field CapBnd)" = 00000000a82425fb ]
	[ "$(status_field NoNewPrivs)" = 1 ]
	[ "$(status_field Seccomp)" = 2 ]
	[[ "$output" == *mynull=ok* ]]
	[[ "$output" == *tmpfs=rw* ]]
	[[ "$output" == *root=ro* ]]
	grep -qx 1770 <<<"$output"
	grep -qx 'nameserver 1.1.1.1' <<<"$output"
	grep -qP '^10\.0\.0\.5\tdb$' <<<"$output"
}

@test "bad HostConfig fields get docker's messages" {
	local hc want
	while IFS='|' read -r hc want; do
		printf '{"Cmd":["true"],"HostConfig":%s}\n' "$hc" >"$BERTH_TEST_TMP/bad.json"
		run "$SPEC_TOOL" check --request "$BERTH_TEST_TMP/bad.json"
		echo "$hc -> $output"
		[ "$status" -eq 1 ]
		[[ "$output" == *"$want"* ]]
	done <<'EOF_CASES'
{"Memory":1000}|Minimum memory limit allowed is 6MB
{"CapAdd":["CAP_FOO"]}|invalid CapAdd: unknown capability: "CAP_FOO"
{"RestartPolicy":{"Name":"always","MaximumRetryCount":2}}|invalid restart policy: maximum retry count can only be used with 'on-failure'
{"Binds":["vol:data"]}|invalid mount config for type "volume": invalid mount path: 'data' mount path must be absolute
{"Binds":["vol:/data:xyz"]}|invalid mode: xyz
{"Binds":["/a:/x"],"Tmpfs":{"/x":""}}|Duplicate mount point: /x
{"NanoCpus":1000000000,"CpuQuota":50000}|Conflicting options: Nano CPUs and CPU Quota cannot both be set
EOF_CASES
}

@test "runc runs the same config.json (it is valid OCI)" {
	command -v runc >/dev/null || skip "runc is not installed"
	local parent=spec-runc-$$
	make_bundle "$(request 'grep -E "^(CapEff|Seccomp):" /proc/self/status; hostname; cat /etc/hosts | tail -n 1' \
		'{"Hostname":"runc-ok","HostConfig":{"Memory":67108864,"ExtraHosts":["db:10.0.0.5"]}}')" --cgroup-parent "$parent"
	run runc --root "$BERTH_TEST_TMP/runc" run -b "$BUNDLE" "$ID" </dev/null
	echo "$output"
	runc --root "$BERTH_TEST_TMP/runc" delete -f "$ID" >/dev/null 2>&1 || true
	find /sys/fs/cgroup -maxdepth 3 -depth -type d -name "$parent" -exec rmdir {} + 2>/dev/null || true
	[ "$status" -eq 0 ]
	[ "$(status_field CapEff)" = "$DOCKER_DEFAULT_CAPS" ]
	[ "$(status_field Seccomp)" = 2 ]
	grep -qx runc-ok <<<"$output"
	grep -qP '^10\.0\.0\.5\tdb$' <<<"$output"
}
