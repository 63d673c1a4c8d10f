#!/usr/bin/env bats
# Networks through the real docker CLI against a berthd on a private socket:
# the predefined bridge/host/none, network create (--subnet, --gateway,
# --ip-range, -o, --internal, --label, macvlan) with docker's fields and
# errors, ls filters, inspect -f, rm and prune, what survives a berthd
# restart, daemon.json's bip/icc/mtu, and the devices and nftables tables
# behind them.  The leak check fails a test that leaves a br-/berth device
# or berth's nftables tables behind once berthd stopped.

load ../helpers/common
load containers-helpers

setup() { api_setup; }
teardown()
{
	ip link delete berthdummy0 2>/dev/null || true
	api_teardown
}

# The IPv4 address/prefix on device $1 ("" when none)
dev_addr()
{
	ip -o -4 addr show dev "$1" 2>/dev/null | awk '{ print $4 }'
}

@test "the predefined networks: bridge on berth0, host and none, as docker shows them" {
	run "$DOCKER" network ls --format '{{.Name}} {{.Driver}} {{.Scope}}'
	[ "$status" -eq 0 ]
	[ "$(sort <<<"$output" | tr '\n' ,)" = "bridge bridge local,host host local,none null local," ]
	run "$DOCKER" network inspect bridge
	[ "$status" -eq 0 ]
	local j=$output subnet gw
	[ "$(jq -r '.[0].Name' <<<"$j")" = bridge ]
	[[ $(jq -r '.[0].Id' <<<"$j") =~ ^[0-9a-f]{64}$ ]]
	[ "$(jq -r '.[0].Scope' <<<"$j")" = local ]
	[ "$(jq -r '.[0].EnableIPv6' <<<"$j")" = false ]
	[ "$(jq -r '.[0].IPAM.Driver' <<<"$j")" = default ]
	[ "$(jq -r '.[0].IPAM.Options' <<<"$j")" = null ]
	[ "$(jq -r '.[0].ConfigFrom.Network' <<<"$j")" = "" ]
	[ "$(jq -c '.[0].Containers' <<<"$j")" = "{}" ]
	[ "$(jq -r '.[0].Options["com.docker.network.bridge.name"]' <<<"$j")" = berth0 ]
	[ "$(jq -r '.[0].Options["com.docker.network.bridge.default_bridge"]' <<<"$j")" = true ]
	[ "$(jq -r '.[0].Options["com.docker.network.bridge.enable_icc"]' <<<"$j")" = true ]
	[ "$(jq -r '.[0].Options["com.docker.network.bridge.enable_ip_masquerade"]' <<<"$j")" = true ]
	[ "$(jq -r '.[0].Options["com.docker.network.bridge.host_binding_ipv4"]' <<<"$j")" = 0.0.0.0 ]
	[ "$(jq -r '.[0].Options["com.docker.network.driver.mtu"]' <<<"$j")" = 1500 ]
	[[ $(jq -r '.[0].Created' <<<"$j") =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\.[0-9]+)?Z$ ]]
	subnet=$(jq -r '.[0].IPAM.Config[0].Subnet' <<<"$j")
	gw=$(jq -r '.[0].IPAM.Config[0].Gateway' <<<"$j")
	[[ $subnet =~ ^[0-9.]+/[0-9]+$ ]]
	# the device has the gateway address and is up
	[ "$(dev_addr berth0)" = "$gw/${subnet#*/}" ]
	ip -o link show berth0 | grep -q 'state UP\|,UP'
	[ "$(cat /proc/sys/net/ipv4/conf/berth0/route_localnet)" = 1 ]
	# berth's tables masquerade the bridge's subnet
	nft list table ip berth | grep -qF "$subnet"
	run "$DOCKER" network inspect -f '{{.Driver}} {{len .IPAM.Config}}' host none
	[ "$output" = "host 0"$'\n'"null 0" ]
}

@test "network create with --subnet, --gateway, --ip-range, -o, --internal and --label" {
	run "$DOCKER" network create --subnet 10.231.0.0/24 --gateway 10.231.0.254 \
		--ip-range 10.231.0.128/25 -o com.docker.network.bridge.enable_icc=false \
		--label team=a --internal --attachable n1
	[ "$status" -eq 0 ]
	local id=$output
	[[ $id =~ ^[0-9a-f]{64}$ ]]
	run "$DOCKER" network inspect n1
	[ "$status" -eq 0 ]
	local j=$output
	[ "$(jq -r '.[0].Id' <<<"$j")" = "$id" ]
	[ "$(jq -r '.[0].Driver' <<<"$j")" = bridge ]
	[ "$(jq -c '.[0].IPAM.Config' <<<"$j")" = '[{"Subnet":"10.231.0.0/24","IPRange":"10.231.0.128/25","Gateway":"10.231.0.254"}]' ]
	[ "$(jq -r '.[0].Internal' <<<"$j")" = true ]
	[ "$(jq -r '.[0].Attachable' <<<"$j")" = true ]
	[ "$(jq -r '.[0].Labels.team' <<<"$j")" = a ]
	[ "$(jq -c '.[0].Options' <<<"$j")" = '{"com.docker.network.bridge.enable_icc":"false"}' ]
	# the device: br-<id12> with the gateway
	[ "$(dev_addr "br-${id:0:12}")" = 10.231.0.254/24 ]
	# by ID prefix too
	[ "$("$DOCKER" network inspect -f '{{.Name}}' "${id:0:5}")" = n1 ]
	# ls and its filters
	"$DOCKER" network create n2 >/dev/null
	[ "$("$DOCKER" network ls -q --filter type=custom | wc -l)" -eq 2 ]
	[ "$("$DOCKER" network ls --format '{{.Name}}' --filter label=team=a)" = n1 ]
	[ "$("$DOCKER" network ls --format '{{.Name}}' --filter name=n2)" = n2 ]
	[ "$("$DOCKER" network ls --format '{{.Name}}' --filter id="${id:0:12}")" = n1 ]
	[ "$("$DOCKER" network ls --format '{{.Name}}' --filter driver=null)" = none ]
	[ "$("$DOCKER" network ls --format '{{.Name}}' --filter type=builtin | sort | tr '\n' ' ')" = "bridge host none " ]
	[ "$("$DOCKER" network ls --format '{{.Name}}' --filter dangling=true | sort | tr '\n' ' ')" = "n1 n2 " ]
	run "$DOCKER" network ls --filter bogus=1
	[ "$status" -ne 0 ]
	[[ $output == *"invalid filter 'bogus'"* ]]
	# n2 got a default pool that overlaps nothing
	local s2
	s2=$("$DOCKER" network inspect -f '{{(index .IPAM.Config 0).Subnet}}' n2)
	[[ $s2 =~ ^(172|192\.168)\. ]]
	[ "$s2" != "$("$DOCKER" network inspect -f '{{(index .IPAM.Config 0).Subnet}}' bridge)" ]
	# nft: the internal network is closed off, its icc off drops bridged traffic
	nft list table ip berth | grep -qF "iifname \"br-${id:0:12}\" oifname != \"br-${id:0:12}\" drop"
	nft list table bridge berth | grep -qF 10.231.0.0/24
	# n2's subnet is masqueraded
	nft list table ip berth | grep -qF "$s2"
	run "$DOCKER" network rm n1 n2
	[ "$status" -eq 0 ]
	[ "$output" = "n1"$'\n'"n2" ]
	if ip link show "br-${id:0:12}" 2>/dev/null; then false; fi
	if nft list table ip berth | grep -qF "br-${id:0:12}"; then false; fi
	if nft list table bridge berth | grep -qF 10.231.0.0/24; then false; fi
	[ "$("$DOCKER" network ls -q | wc -l)" -eq 3 ]
	local keep f
	keep=" $("$DOCKER" network inspect -f '{{.Id}}' bridge host none | tr '\n' ' ')"
	for f in "$BERTH_DATA_ROOT/networks"/*; do
		[[ $keep == *" $(basename "$f" .json) "* ]]
	done
}

@test "network create and rm errors are docker's" {
	"$DOCKER" network create --subnet 10.232.0.0/16 n1 >/dev/null
	run "$DOCKER" network create n1
	[ "$status" -eq 1 ]
	[[ $output == *"network with name n1 already exists"* ]]
	run "$DOCKER" network create --subnet 10.232.5.0/24 n2
	[ "$status" -eq 1 ]
	[[ $output == *"invalid pool request: Pool overlaps with other one on this address space"* ]]
	run "$DOCKER" network create --subnet 10.233.0.1/16 n2
	[ "$status" -eq 1 ]
	[[ $output == *"10.233.0.0/16"* ]]
	run "$DOCKER" network create --subnet nonsense n2
	[ "$status" -eq 1 ]
	run "$DOCKER" network create --subnet 10.233.0.0/24 --gateway 10.234.0.1 n2
	[ "$status" -eq 1 ]
	[[ $output == *gateway* ]]
	run "$DOCKER" network create -d host h2
	[ "$status" -eq 1 ]
	[[ $output == *'only one instance of "host" network is allowed'* ]]
	run "$DOCKER" network create -d nosuch x
	[ "$status" -eq 1 ]
	[[ $output == *'plugin "nosuch" not found'* ]]
	run "$DOCKER" network create --ipv6 x
	[ "$status" -eq 1 ]
	[[ $output == *"IPv6 is not supported by berth yet"* ]]
	run "$DOCKER" network create 'bad name'
	[ "$status" -eq 1 ]
	run "$DOCKER" network rm bridge
	[ "$status" -eq 1 ]
	[[ $output == *"bridge is a pre-defined network and cannot be removed"* ]]
	run "$DOCKER" network rm none
	[[ $output == *"none is a pre-defined network and cannot be removed"* ]]
	run berthd_curl DELETE /networks/host -w '%{http_code}'
	[[ $output == *403 ]]
	run "$DOCKER" network inspect nope
	[ "$status" -eq 1 ]
	[[ $output == *"network nope not found"* ]]
	run "$DOCKER" network rm nope
	[ "$status" -eq 1 ]
	[[ $output == *"network nope not found"* ]]
	run berthd_curl POST /networks/create -H 'Content-Type: application/json' -d '{"Name":"n1"}' -w '%{http_code}'
	[[ $output == *409 ]]
	# nothing half made by the failures
	[ "$("$DOCKER" network ls -q | wc -l)" -eq 4 ]
	[ "$(ip -o link show | grep -c ': br-')" -eq 1 ]
}

@test "a custom bridge name, mtu and masquerade off" {
	"$DOCKER" network create -o com.docker.network.bridge.name=berthtest0 \
		-o com.docker.network.driver.mtu=1400 \
		-o com.docker.network.bridge.enable_ip_masquerade=false --subnet 10.235.0.0/24 c1 >/dev/null
	[ "$(dev_addr berthtest0)" = 10.235.0.1/24 ]
	ip -o link show berthtest0 | grep -q 'mtu 1400'
	"$DOCKER" network rm c1 >/dev/null
	if ip link show berthtest0 2>/dev/null; then false; fi
	run "$DOCKER" network create -o com.docker.network.driver.mtu=nope c2
	[ "$status" -eq 1 ]
	[[ $output == *"invalid MTU number"* ]]
}

@test "macvlan needs an existing parent" {
	run "$DOCKER" network create -d macvlan m1
	[ "$status" -eq 1 ]
	[[ $output == *"parent"* ]]
	run "$DOCKER" network create -d macvlan -o parent=berthnosuch m1
	[ "$status" -eq 1 ]
	[[ $output == *"berthnosuch"* ]]
	# the parent: any ethernet link (a veth: kernels may lack the dummy driver)
	ip link add berthdummy0 type veth peer name berthdummy1
	run "$DOCKER" network create -d macvlan -o parent=berthdummy0 --subnet 10.236.0.0/24 m1
	[ "$status" -eq 0 ]
	[ "$("$DOCKER" network inspect -f '{{.Driver}} {{index .Options "parent"}}' m1)" = "macvlan berthdummy0" ]
	# no bridge device for a macvlan network
	[ "$(ip -o link show | grep -c ': br-')" -eq 0 ]
	"$DOCKER" network rm m1 >/dev/null
	ip link delete berthdummy0
}

@test "network prune removes unused user networks, with label and until filters" {
	"$DOCKER" network create --label keep=1 k1 >/dev/null
	"$DOCKER" network create p1 >/dev/null
	"$DOCKER" network create p2 >/dev/null
	run "$DOCKER" network prune -f --filter until=1h
	[ "$status" -eq 0 ]
	[ "$("$DOCKER" network ls -q --filter type=custom | wc -l)" -eq 3 ]
	run "$DOCKER" network prune -f --filter label!=keep
	[ "$status" -eq 0 ]
	[[ $output == *p1* && $output == *p2* && $output != *k1* ]]
	[ "$("$DOCKER" network ls --format '{{.Name}}' --filter type=custom)" = k1 ]
	run "$DOCKER" network prune -f
	[ "$status" -eq 0 ]
	[ "$("$DOCKER" network ls -q | wc -l)" -eq 3 ]
	[ "$(ip -o link show | grep -c ': br-')" -eq 0 ]
	# the events of create and destroy
	run "$DOCKER" events --since 0 --until "$(($(date +%s) + 1))" --filter type=network --format '{{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.type}}'
	[[ $output == *"create k1 bridge"* ]]
	[[ $output == *"destroy p1 bridge"* ]]
	[[ $output == *"destroy k1 bridge"* ]]
}

@test "networks survive a berthd restart; the devices go with berthd and come back" {
	local id bridge_id subnet
	id=$("$DOCKER" network create --subnet 10.237.0.0/24 --label x=y r1)
	bridge_id=$("$DOCKER" network inspect -f '{{.Id}}' bridge)
	subnet=$("$DOCKER" network inspect -f '{{(index .IPAM.Config 0).Subnet}}' bridge)
	berthd_stop
	# no endpoints: berthd took its bridges and tables with it
	if ip link show berth0 2>/dev/null; then false; fi
	if ip link show "br-${id:0:12}" 2>/dev/null; then false; fi
	if nft list table ip berth 2>/dev/null; then false; fi
	berthd_restart
	[ "$("$DOCKER" network inspect -f '{{.Id}} {{.Labels.x}}' r1)" = "$id y" ]
	[ "$("$DOCKER" network inspect -f '{{.Id}}' bridge)" = "$bridge_id" ]
	[ "$("$DOCKER" network inspect -f '{{(index .IPAM.Config 0).Subnet}}' bridge)" = "$subnet" ]
	[ "$(dev_addr "br-${id:0:12}")" = 10.237.0.1/24 ]
	[ "$("$DOCKER" network ls -q | wc -l)" -eq 4 ]
	# a damaged file is skipped, not fatal
	echo '{' >"$BERTH_DATA_ROOT/networks/bad.json"
	berthd_restart
	[ "$("$DOCKER" network ls -q | wc -l)" -eq 4 ]
	grep -q "bad.json" "$BERTHD_LOG"
	"$DOCKER" network rm r1 >/dev/null
}

@test "daemon.json bip, icc and mtu shape the default bridge" {
	berthd_stop
	echo '{"bip": "10.238.0.1/24", "icc": false, "mtu": 1450}' >"$BERTH_TEST_TMP/daemon.json"
	berthd_restart
	run "$DOCKER" network inspect bridge
	[ "$(jq -c '.[0].IPAM.Config' <<<"$output")" = '[{"Subnet":"10.238.0.0/24","Gateway":"10.238.0.1"}]' ]
	[ "$(jq -r '.[0].Options["com.docker.network.bridge.enable_icc"]' <<<"$output")" = false ]
	[ "$(jq -r '.[0].Options["com.docker.network.driver.mtu"]' <<<"$output")" = 1450 ]
	[ "$(dev_addr berth0)" = 10.238.0.1/24 ]
	ip -o link show berth0 | grep -q 'mtu 1450'
	# a user network may not take the bridge's subnet
	run "$DOCKER" network create --subnet 10.238.0.0/16 x
	[ "$status" -eq 1 ]
	[[ $output == *"Pool overlaps"* ]]
	# the flags as well, and a conflict with the file is refused
	berthd_stop
	echo '{}' >"$BERTH_TEST_TMP/daemon.json"
	berthd_start --bip 10.239.0.1/24 --icc=false
	[ "$(dev_addr berth0)" = 10.239.0.1/24 ]
	[ "$("$DOCKER" network inspect -f '{{index .Options "com.docker.network.bridge.enable_icc"}}' bridge)" = false ]
	berthd_stop
	echo '{"bip": "10.238.0.1/24"}' >"$BERTH_TEST_TMP/daemon.json"
	run "$BERTHD" "${BERTH_ROOT_ARGS[@]}" --config-file "$BERTH_TEST_TMP/daemon.json" --bip 10.239.0.1/24 --validate
	[ "$status" -ne 0 ]
	[[ $output == *"specified both as a flag and in the configuration file"* ]]
	echo '{"bip": "10.238.0.1"}' >"$BERTH_TEST_TMP/daemon.json"
	run "$BERTHD" "${BERTH_ROOT_ARGS[@]}" --config-file "$BERTH_TEST_TMP/daemon.json" --validate
	[ "$status" -ne 0 ]
	[[ $output == *"bip: '10.238.0.1' is not an IPv4 address with a prefix"* ]]
}

@test "a network with a container cannot be removed; inspect shows the container" {
	"$DOCKER" network create --subnet 10.240.0.0/24 w1 >/dev/null
	run "$DOCKER" run -d --name c1 --network w1 busybox sleep 600
	[ "$status" -eq 0 ] || skip "containers on networks do not run yet: $output"
	local cid=$output
	run "$DOCKER" network inspect w1
	[ "$(jq -r --arg c "$cid" '.[0].Containers[$c].Name' <<<"$output")" = c1 ]
	[ "$(jq -r --arg c "$cid" '.[0].Containers[$c].IPv4Address' <<<"$output")" = 10.240.0.2/24 ]
	[[ $(jq -r --arg c "$cid" '.[0].Containers[$c].MacAddress' <<<"$output") == 02:42:0a:f0:00:02 ]]
	run "$DOCKER" network rm w1
	[ "$status" -eq 1 ]
	[[ $output == *"has active endpoints"* ]]
	run berthd_curl DELETE /networks/w1 -w '%{http_code}'
	[[ $output == *403 ]]
	run "$DOCKER" network prune -f
	[ "$("$DOCKER" network ls -q --filter name=w1 | wc -l)" -eq 1 ]
	[ "$("$DOCKER" network ls -q --filter dangling=true | wc -l)" -eq 0 ]
	"$DOCKER" rm -f c1 >/dev/null
	"$DOCKER" network rm w1 >/dev/null
}

@test "a running container keeps its network over a berthd restart" {
	"$DOCKER" network create --subnet 10.241.0.0/24 k1 >/dev/null
	run "$DOCKER" run -d --name c1 --network k1 busybox sleep 600
	[ "$status" -eq 0 ] || skip "containers on networks do not run yet: $output"
	local cid=$output id
	id=$("$DOCKER" network inspect -f '{{.Id}}' k1)
	berthd_stop
	# an endpoint is left: the bridge and the rules stay for the container
	[ "$(dev_addr "br-${id:0:12}")" = 10.241.0.1/24 ]
	nft list table ip berth | grep -qF 10.241.0.0/24
	berthd_restart
	run "$DOCKER" network inspect k1
	[ "$(jq -r --arg c "$cid" '.[0].Containers[$c].IPv4Address' <<<"$output")" = 10.241.0.2/24 ]
	run "$DOCKER" network rm k1
	[[ $output == *"has active endpoints"* ]]
	"$DOCKER" rm -f c1 >/dev/null
	[ "$("$DOCKER" network inspect -f '{{len .Containers}}' k1)" = 0 ]
	"$DOCKER" network rm k1 >/dev/null
	if ip link show "br-${id:0:12}" 2>/dev/null; then false; fi
}
