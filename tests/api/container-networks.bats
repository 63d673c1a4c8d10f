#!/usr/bin/env bats
# Containers on networks through the real docker CLI against a berthd on a
# private socket: user-defined networks (ping by name and alias, isolation
# between networks, connect and disconnect of a running container), the
# default bridge, none, host and container:<x>, published ports (fixed,
# random, -P) answering curl on 127.0.0.1, and a berthd restart with a
# running container.  The leak check after each test sees any netns, veth,
# bridge, nftables table or mount of berth left behind.

load ../helpers/common
load containers-helpers

setup()
{
	require_root
	api_setup
}
teardown()
{
	ip link delete berthmv0 2>/dev/null || true
	if [ -n "${DOCKER_HOST:-}" ]; then
		local ids
		ids=$("$DOCKER" ps -aq 2>/dev/null) || true
		# shellcheck disable=SC2086 # one id a word
		[ -z "$ids" ] || "$DOCKER" rm -f $ids >/dev/null 2>&1 || true
		"$DOCKER" network prune -f >/dev/null 2>&1 || true
	fi
	api_teardown
}

# A busybox that stays up: run_idle NAME [docker run options...]
run_idle()
{
	local name=$1
	shift
	"$DOCKER" run -d --name "$name" "$@" busybox sleep 1000 >/dev/null
}

# busybox httpd serving "hello" on port 80; the container's /ready says it listens
HTTPD_CMD='mkdir -p /www && echo hello >/www/index.html && httpd -p 80 -h /www && touch /ready && exec sleep 1000'

# Wait (bounded, inside the container) until httpd of container $1 listens
httpd_ready()
{
	"$DOCKER" exec "$1" timeout 10 sh -c 'until [ -e /ready ]; do usleep 10000; done'
}

# nft rules of berth (its tables), or nothing
berth_nft()
{
	nft list ruleset 2>/dev/null | awk '/^table .* berth/ { on = 1 } on { print } /^}/ { on = 0 }'
}

ip_of()
{
	"$DOCKER" inspect -f "{{(index .NetworkSettings.Networks \"$2\").IPAddress}}" "$1"
}

@test "two containers on a user-defined network ping each other by name and alias" {
	"$DOCKER" network create n1 >/dev/null
	run_idle c1 --network n1
	run_idle c2 --network n1 --network-alias web
	ip1=$(ip_of c1 n1)
	ip2=$(ip_of c2 n1)
	[[ $ip1 =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]]
	[ "$ip1" != "$ip2" ]
	[ "$("$DOCKER" inspect -f '{{.NetworkSettings.Networks.n1.IPAddress}}' c2)" = "$ip2" ]
	run "$DOCKER" exec c1 ping -c1 -W2 c2
	[ "$status" -eq 0 ]
	[[ $output == *"$ip2"* ]]
	run "$DOCKER" exec c2 ping -c1 -W2 c1
	[ "$status" -eq 0 ]
	run "$DOCKER" exec c1 ping -c1 -W2 web
	[ "$status" -eq 0 ]
	[[ $output == *"$ip2"* ]]
	# the embedded DNS in resolv.conf, the container's address in hosts
	run "$DOCKER" exec c1 cat /etc/resolv.conf
	[[ $output == *"nameserver 127.0.0.11"* ]]
	[[ $output == *"options ndots:0"* ]]
	run "$DOCKER" exec c1 cat /etc/hosts
	[[ $output == *"$ip1"* ]]
	# docker's NetworkSettings
	run "$DOCKER" inspect c1
	[ "$(jq -r '.[0].HostConfig.NetworkMode' <<<"$output")" = n1 ]
	[ "$(jq -r '.[0].NetworkSettings.SandboxKey' <<<"$output")" = "$BERTH_EXEC_ROOT/netns/$("$DOCKER" inspect -f '{{.Id}}' c1)" ]
	[[ $(jq -r '.[0].NetworkSettings.SandboxID' <<<"$output") =~ ^[0-9a-f]{64}$ ]]
	[ "$(jq -r '.[0].NetworkSettings.IPAddress' <<<"$output")" = "" ]
	[ "$(jq -r '.[0].NetworkSettings.Networks.n1.NetworkID' <<<"$output")" = "$("$DOCKER" network inspect -f '{{.Id}}' n1)" ]
	[ "$("$DOCKER" ps --format '{{.Networks}}' --filter name=c1)" = n1 ]
	# a stopped container keeps the network, without an address
	"$DOCKER" stop -t0 c1 >/dev/null
	[ "$(ip_of c1 n1)" = "" ]
	[ "$("$DOCKER" inspect -f '{{len .NetworkSettings.Networks}}' c1)" = 1 ]
	[ ! -e "$BERTH_EXEC_ROOT/netns/$("$DOCKER" inspect -f '{{.Id}}' c1)" ]
	"$DOCKER" start c1 >/dev/null
	run "$DOCKER" exec c2 ping -c1 -W2 c1
	[ "$status" -eq 0 ]
}

@test "containers on two different networks cannot reach each other" {
	"$DOCKER" network create n1 >/dev/null
	"$DOCKER" network create n2 >/dev/null
	run_idle ca --network n1
	run_idle cb --network n2
	ipb=$(ip_of cb n2)
	[ -n "$ipb" ]
	run "$DOCKER" exec ca ping -c1 -W1 "$ipb"
	[ "$status" -ne 0 ]
	run "$DOCKER" exec ca ping -c1 -W1 cb
	[ "$status" -ne 0 ]
	# ps --filter network= sees each on its own network only
	[ "$("$DOCKER" ps --filter network=n1 --format '{{.Names}}')" = ca ]
	[ "$("$DOCKER" ps --filter network=n2 --format '{{.Names}}')" = cb ]
}

@test "--icc off: containers of one network cannot reach each other, the gateway still answers" {
	"$DOCKER" network create -o com.docker.network.bridge.enable_icc=false closed >/dev/null
	run_idle ia --network closed
	run_idle ib --network closed
	ipb=$(ip_of ib closed)
	gw=$("$DOCKER" network inspect -f '{{range .IPAM.Config}}{{.Gateway}}{{end}}' closed)
	[ -n "$ipb" ] && [ -n "$gw" ]
	run "$DOCKER" exec ia ping -c1 -W1 "$ipb"
	[ "$status" -ne 0 ]
	run "$DOCKER" exec ia ping -c1 -W2 "$gw"
	[ "$status" -eq 0 ]
	# on a network with icc (the default) the same works
	"$DOCKER" network create open >/dev/null
	run_idle oa --network open
	run_idle ob --network open
	run "$DOCKER" exec oa ping -c1 -W2 "$(ip_of ob open)"
	[ "$status" -eq 0 ]
}

@test "connect and disconnect of a running container take effect" {
	"$DOCKER" network create n1 >/dev/null
	"$DOCKER" network create n2 >/dev/null
	run_idle ca --network n1
	run_idle cb --network n2
	ipb=$(ip_of cb n2)
	run "$DOCKER" exec ca ping -c1 -W1 "$ipb"
	[ "$status" -ne 0 ]
	"$DOCKER" network connect n2 ca
	ipa2=$(ip_of ca n2)
	[ -n "$ipa2" ]
	run "$DOCKER" exec ca ip -o -4 addr show eth1
	[[ $output == *"$ipa2/"* ]]
	run "$DOCKER" exec ca ping -c1 -W2 "$ipb"
	[ "$status" -eq 0 ]
	run "$DOCKER" exec cb ping -c1 -W2 ca
	[ "$status" -eq 0 ]
	# connecting twice is docker's error
	run "$DOCKER" network connect n2 ca
	[ "$status" -ne 0 ]
	[[ $output == *"already exists in network n2"* ]]
	"$DOCKER" network disconnect n2 ca
	[ "$(ip_of ca n2)" = "" ]
	run "$DOCKER" exec ca ping -c1 -W1 "$ipb"
	[ "$status" -ne 0 ]
	run "$DOCKER" exec ca ip link show eth1
	[ "$status" -ne 0 ]
	run "$DOCKER" network disconnect n2 ca
	[ "$status" -ne 0 ]
	[[ $output == *"is not connected to network n2"* ]]
	# a stopped container: kept for its next start
	"$DOCKER" create --name cs --network n1 busybox sleep 1000 >/dev/null
	"$DOCKER" network connect n2 cs
	"$DOCKER" start cs >/dev/null
	[ -n "$(ip_of cs n2)" ]
	run "$DOCKER" exec cs ping -c1 -W2 "$ipb"
	[ "$status" -eq 0 ]
	# a default-bridge container gets the embedded DNS with its first user-defined network
	run_idle cd
	"$DOCKER" network connect n2 cd
	run "$DOCKER" exec cd cat /etc/resolv.conf
	[[ $output == *"nameserver 127.0.0.11"* ]]
	run "$DOCKER" exec cd ping -c1 -W2 cb
	[ "$status" -eq 0 ]
	# the events docker publishes
	run "$DOCKER" events --since 0 --until "$(date +%s)" --filter type=network \
		--format '{{.Action}} {{.Actor.Attributes.name}}'
	[[ $output == *"connect n2"* ]]
	[[ $output == *"disconnect n2"* ]]
}

@test "a published port answers curl on 127.0.0.1, and its rule goes with the container" {
	run "$DOCKER" run -d --name web -p 127.0.0.1:8080:80 busybox sh -c "$HTTPD_CMD"
	[ "$status" -eq 0 ]
	httpd_ready web
	run curl -sf --max-time 5 http://127.0.0.1:8080/
	[ "$status" -eq 0 ]
	[ "$output" = hello ]
	run "$DOCKER" port web
	[ "$output" = "80/tcp -> 127.0.0.1:8080" ]
	[[ $(berth_nft) == *dnat* ]]
	[[ $(berth_nft) == *8080* ]]
	[ "$("$DOCKER" ps --format '{{.Ports}}' --filter name=web)" = "127.0.0.1:8080->80/tcp" ]
	"$DOCKER" rm -f web >/dev/null
	[[ $(berth_nft) != *8080* ]]
	run curl -sf --max-time 2 http://127.0.0.1:8080/
	[ "$status" -ne 0 ]
}

@test "a random published port is reported by port and answers" {
	"$DOCKER" run -d --name web -p 80 busybox sh -c "$HTTPD_CMD" >/dev/null
	httpd_ready web
	run "$DOCKER" port web 80
	[ "$status" -eq 0 ]
	port=${output##*:}
	port=${port%%$'\n'*}
	[ "$port" -ge 32768 ] && [ "$port" -le 60999 ]
	run curl -sf --max-time 5 "http://127.0.0.1:$port/"
	[ "$status" -eq 0 ]
	[ "$output" = hello ]
}

@test "-P publishes the exposed ports" {
	"$DOCKER" run -d --name web -P --expose 80 busybox sh -c "$HTTPD_CMD" >/dev/null
	httpd_ready web
	hp=$("$DOCKER" inspect -f '{{(index (index .NetworkSettings.Ports "80/tcp") 0).HostPort}}' web)
	[ "$hp" -ge 32768 ]
	run curl -sf --max-time 5 "http://127.0.0.1:$hp/"
	[ "$output" = hello ]
	# an exposed port that is not published shows without a host port
	run_idle quiet --expose 81
	[ "$("$DOCKER" ps --format '{{.Ports}}' --filter name=quiet)" = "81/tcp" ]
}

@test "the default bridge: a 172.x address and the gateway answers" {
	run_idle cc
	run "$DOCKER" inspect cc
	ip=$(jq -r '.[0].NetworkSettings.IPAddress' <<<"$output")
	gw=$(jq -r '.[0].NetworkSettings.Gateway' <<<"$output")
	[[ $ip == 172.* ]]
	[ "$(jq -r '.[0].NetworkSettings.Networks.bridge.IPAddress' <<<"$output")" = "$ip" ]
	[ "$(jq -r '.[0].HostConfig.NetworkMode' <<<"$output")" = bridge ]
	[ "$(jq -r '.[0].NetworkSettings.Networks.bridge.Aliases' <<<"$output")" = null ]
	run "$DOCKER" exec cc ping -c1 -W2 "$gw"
	[ "$status" -eq 0 ]
	run "$DOCKER" exec cc ip route
	[[ $output == *"default via $gw"* ]]
	# no embedded DNS on the default bridge; host-gateway is its gateway
	run "$DOCKER" exec cc cat /etc/resolv.conf
	[[ $output != *127.0.0.11* ]]
	run "$DOCKER" run --rm --add-host gw:host-gateway busybox grep -w gw /etc/hosts
	[ "$status" -eq 0 ]
	[[ $output == "$gw"* ]]
	# the short-lived container goes without a trace
	run "$DOCKER" run --rm busybox ip -o -4 addr show eth0
	[ "$status" -eq 0 ]
	[[ $output == *"inet 172."* ]]
	# aliases and fixed addresses are for user-defined networks only
	# (docker's CLI refuses the alias itself; the daemon says it to API clients)
	run "$DOCKER" create --network-alias x busybox
	[ "$status" -ne 0 ]
	[[ $output == *"network-scoped aliases are only supported for user-defined networks"* ]]
	run berthd_curl POST /containers/create -H 'Content-Type: application/json' \
		-d '{"Image":"busybox","NetworkingConfig":{"EndpointsConfig":{"bridge":{"Aliases":["x"]}}}}'
	[[ $output == *"network-scoped alias is supported only for containers in user defined networks"* ]]
	run "$DOCKER" create --ip 172.17.0.99 busybox
	[ "$status" -ne 0 ]
	[[ $output == *"user specified IP address is supported on user defined networks only"* ]]
}

@test "--network none has only lo, host sees the host's links, container:<x> shares x's" {
	run "$DOCKER" run --rm --network none busybox ip -o link
	[ "$status" -eq 0 ]
	[ "$(grep -c '' <<<"$output")" -eq 1 ]
	[[ $output == *": lo:"* ]]
	# host: the host's own links (its first one after lo, and berthd's berth0)
	first=$(ip -o link | awk -F': ' 'NR == 2 { sub(/@.*/, "", $2); print $2 }')
	run "$DOCKER" run --rm --network host busybox ip -o link
	[ "$status" -eq 0 ]
	[[ $output == *": $first:"* || $output == *": $first@"* ]]
	[[ $output == *": berth0:"* ]]
	run_idle cx
	ipx=$(ip_of cx bridge)
	run "$DOCKER" run --rm --network container:cx busybox ip -o -4 addr show eth0
	[ "$status" -eq 0 ]
	[[ $output == *"$ipx/"* ]]
	"$DOCKER" create --name cy busybox true >/dev/null
	run "$DOCKER" run --rm --network container:cy busybox true
	[ "$status" -ne 0 ]
	[[ $output == *"cannot join network of a non running container: cy"* ]]
	run "$DOCKER" run --rm --network container:nope busybox true
	[ "$status" -ne 0 ]
	[[ $output == *"No such container: nope"* ]]
	run "$DOCKER" run --rm --network nope busybox true
	[ "$status" -ne 0 ]
	[[ $output == *"network nope not found"* ]]
}

@test "macvlan: containers on a parent link get their addresses and reach each other" {
	# the parent: a veth (this kernel has no dummy driver); up, so that
	# macvlan ports in bridge mode switch frames between them
	ip link add berthmv0 type veth peer name berthmv1
	ip link set berthmv0 up
	ip link set berthmv1 up
	"$DOCKER" network create -d macvlan -o parent=berthmv0 --subnet 10.237.0.0/24 \
		--gateway 10.237.0.1 mv >/dev/null
	run_idle ma --network mv --ip 10.237.0.10
	run_idle mb --network mv
	run "$DOCKER" exec ma ip -o -4 addr show eth0
	[[ $output == *"inet 10.237.0.10/24"* ]]
	[ "$(ip_of mb mv)" = 10.237.0.2 ]
	run "$DOCKER" exec mb ping -c1 -W2 10.237.0.10
	[ "$status" -eq 0 ]
	# by name too: a user-defined network has the embedded DNS
	run "$DOCKER" exec mb ping -c1 -W2 ma
	[ "$status" -eq 0 ]
	"$DOCKER" rm -f ma mb >/dev/null
	"$DOCKER" network rm mv >/dev/null
	ip link delete berthmv0
}

@test "a berthd restart keeps a running container's network" {
	"$DOCKER" network create n1 >/dev/null
	run_idle ca --network n1
	"$DOCKER" run -d --name web --network n1 -p 127.0.0.1:8081:80 busybox sh -c "$HTTPD_CMD" >/dev/null
	httpd_ready web
	ipw=$(ip_of web n1)
	berthd_restart
	run "$DOCKER" exec ca ping -c1 -W2 web
	[ "$status" -eq 0 ]
	[[ $output == *"$ipw"* ]]
	run curl -sf --max-time 5 http://127.0.0.1:8081/
	[ "$output" = hello ]
	[ "$(ip_of web n1)" = "$ipw" ]
	# a new container does not take an adopted address
	run_idle cb --network n1
	[ "$(ip_of cb n1)" != "$ipw" ]
	[ "$(ip_of cb n1)" != "$(ip_of ca n1)" ]
	"$DOCKER" rm -f ca web cb >/dev/null
	[ -z "$(ls -A "$BERTH_EXEC_ROOT/netns" 2>/dev/null)" ]
	[[ $(berth_nft) != *8081* ]]
}
