#!/usr/bin/env bats
# `berth network ...` against the real docker CLI, both on the test's own
# berthd: --help of every command, create (the request docker sends, its
# client-side checks), ls (table, -q, --no-trunc, --format, filters),
# inspect (raw, -f, json, -v), rm, prune, connect and disconnect, and
# system prune taking unused networks, with the same output and status.
# Creations and removals run the same scenario once per CLI and compare.

load ../helpers/common
load cli-helpers

setup() { cli_setup; }
teardown() { cli_teardown; }

# The scenario's names differ per CLI: make them one for the comparison
same_names()
{
	sed -E -e "s/\b$1\b/NAME/g" -e "s/\b$2\b/NAME/g"
}

@test "network --help and each command's --help are docker's" {
	both network --help
	for c in create ls list inspect rm remove prune connect disconnect; do
		both network "$c" --help
	done
	both network
	both network nosuch
}

@test "network create: the id, docker's client-side checks, and the daemon's refusals" {
	run "$BERTH" network create n1
	[ "$status" -eq 0 ]
	[[ $output =~ ^[0-9a-f]{64}$ ]]
	[ "$("$DOCKER" network inspect -f '{{.Id}}' n1)" = "$output" ]
	# a duplicate name, the predefined names, and flags docker refuses itself
	both network create n1
	[ "$berth_status" -eq 1 ]
	# (docker's client trims the daemon's message, which for the predefined
	# names ends in a space; compared without that)
	for n in bridge host; do
		b=0 d=0
		bo=$("$BERTH" network create "$n" 2>&1) || b=$?
		do=$("$DOCKER" network create "$n" 2>&1) || d=$?
		[ "$b" -eq "$d" ]
		[ "${bo% }" = "$do" ]
	done
	both network create
	both network create a b
	both network create --label =x n2
	[ "$berth_status" -eq 125 ]
	both network create --ipv4=maybe n2
	both network create --gateway 10.9.0.1 n2
	both network create --ip-range 10.9.0.0/24 n2
	both network create --subnet 10.9.0.0/16 --subnet 10.9.1.0/24 n2
	both network create --subnet 10.9.0.0/16 --gateway 10.10.0.1 n2
	both network create --subnet 10.9.0.0/16 --ip-range 10.10.0.0/24 n2
	both network create --subnet bad --gateway 10.9.0.1 n2
	both network create --subnet 10.9.0.0/16 --ip-range 10.9.0.0 n2
	both network create --subnet 10.9.0.0/16,10.10.0.0/16 --gateway 10.9.0.1,10.9.0.2 n2
	both network create --subnet 10.9.0.0/16,10.10.0.0/16 --ip-range 10.9.1.0/24,10.9.2.0/24 n2
	[ "$("$DOCKER" network ls -q --filter name=n2)" = "" ]
	# what berth refuses outright: no auxiliary addresses, no config-only networks
	run "$BERTH" network create --subnet 10.9.0.0/16 --aux-address a=10.9.0.5 n2
	[ "$status" -eq 1 ]
	[[ $output == *"--aux-address is not supported"* ]]
	run "$BERTH" network create --config-only n2
	[ "$status" -eq 1 ]
	run "$BERTH" network create --config-from n1 n2
	[ "$status" -eq 1 ]
}

@test "network create: each CLI's request makes the same network" {
	local fmt='{{.Driver}} {{.Scope}} {{.Internal}} {{.Attachable}} {{.EnableIPv6}} {{.IPAM.Driver}} {{json .IPAM.Config}} {{json .Options}} {{json .Labels}}'
	"$BERTH" network create -d bridge --subnet 10.77.0.0/16 --gateway 10.77.0.254 \
		--ip-range 10.77.1.0/24 --internal --attachable --label team=a --label solo \
		-o com.docker.network.bridge.enable_icc=false nb >/dev/null
	"$DOCKER" network create -d bridge --subnet 10.78.0.0/16 --gateway 10.78.0.254 \
		--ip-range 10.78.1.0/24 --internal --attachable --label team=a --label solo \
		-o com.docker.network.bridge.enable_icc=false nd >/dev/null
	b=$("$DOCKER" network inspect -f "$fmt" nb | sed 's/10\.77\./10.X./g')
	d=$("$DOCKER" network inspect -f "$fmt" nd | sed 's/10\.78\./10.X./g')
	printf 'berth: %s\ndocker: %s\n' "$b" "$d"
	[ "$b" = "$d" ]
	[[ $b == 'bridge local true true false default [{"Subnet":"10.X.0.0/16","IPRange":"10.X.1.0/24","Gateway":"10.X.0.254"}]'* ]]
	# defaults: a subnet from the pool, no flags
	"$BERTH" network create plain >/dev/null
	[ "$("$DOCKER" network inspect -f '{{.Driver}} {{.Internal}} {{len .IPAM.Config}}' plain)" = "bridge false 1" ]
}

@test "network ls: the table, -q, --no-trunc, --format, json and filters as docker" {
	"$DOCKER" network create --label team=a net10 >/dev/null
	"$DOCKER" network create net9 >/dev/null
	"$DOCKER" network create --label team=b --internal net1 >/dev/null
	both network ls
	[ "$(sed -n 1p <<<"$berth_output")" = "NETWORK ID     NAME      DRIVER    SCOPE" ]
	[ "$(awk 'NR > 1 { print $2 }' <<<"$berth_output" | tr '\n' ' ')" = "bridge host net1 net9 net10 none " ]
	both network list
	both network ls -q
	both network ls --no-trunc
	both network ls -q --no-trunc
	both network ls --format '{{.ID}}|{{.Name}}|{{.Driver}}|{{.Scope}}|{{.IPv4}}|{{.IPv6}}|{{.Internal}}|{{.Labels}}'
	both network ls --format 'table {{.Name}}\t{{.Labels}}\t{{.Internal}}'
	both network ls --format '{{.Name}} {{.Label "team"}}'
	both network ls --format json
	both network ls --format raw
	both network ls -q --format '{{.Name}}'
	both network ls --filter name=net1
	both network ls --filter driver=bridge
	both network ls --filter driver=null
	both network ls --filter label=team
	both network ls --filter label=team=a
	both network ls --filter type=custom
	both network ls --filter type=builtin
	both network ls --filter scope=local
	id=$("$DOCKER" network inspect -f '{{.Id}}' net9)
	both network ls --filter "id=${id:0:5}"
	both network ls --filter dangling=true
	both network ls --filter bogus=1
	[ "$berth_status" -eq 1 ]
	both network ls --filter noequals
	[ "$berth_status" -eq 125 ]
	both network ls extra
	# config.json's networksFormat, not with -q
	echo '{"networksFormat": "{{.Name}}:{{.Driver}}"}' >"$DOCKER_CONFIG/config.json"
	both network ls
	[[ $berth_output == *"net9:bridge"* ]]
	both network ls -q
}

@test "network inspect: raw JSON, -f templates, json, -v, and errors for missing networks" {
	"$DOCKER" network create --label team=a --subnet 10.79.0.0/24 ni >/dev/null
	"$DOCKER" network create nj >/dev/null
	both network inspect ni
	[[ $berth_output == *'"Subnet": "10.79.0.0/24"'* ]]
	both network inspect ni nj bridge
	both network inspect -f '{{.Name}} {{.Driver}} {{.Scope}} {{.Labels}} {{json .IPAM.Config}} {{.IPAM.Driver}}' ni nj
	both network inspect --format '{{json .Labels}}' ni
	both network inspect --format json ni
	both network inspect -v ni
	both network inspect nope
	[ "$berth_status" -eq 1 ]
	both network inspect ni nope nj
	both network inspect
}

@test "network rm: names printed, missing and predefined networks refused as docker" {
	both network rm nope
	[ "$berth_status" -eq 1 ]
	both network rm -f nope
	[ "$berth_status" -eq 0 ]
	both network rm bridge
	[ "$berth_status" -eq 1 ]
	both network rm host none
	both network rm
	# the same removal through each CLI
	"$DOCKER" network create rb >/dev/null
	"$DOCKER" network create rd >/dev/null
	b=0 d=0
	bo=$("$BERTH" network rm rb nope bridge 2>&1) || b=$?
	do=$("$DOCKER" network rm rd nope bridge 2>&1) || d=$?
	printf 'berth: %s\ndocker: %s\n' "$bo" "$do"
	[ "$b" -eq "$d" ]
	[ "$(same_names rb rd <<<"$bo" | cli_normalise)" = "$(same_names rb rd <<<"$do" | cli_normalise)" ]
	[ -z "$("$DOCKER" network ls -q --filter type=custom)" ]
	both network remove nope1 nope2
	# a network in use by a container
	"$DOCKER" network create busy >/dev/null
	# (a running container: a stopped one's network can go, as docker's)
	"$DOCKER" create --name user busybox sleep 1000 >/dev/null
	"$DOCKER" network connect busy user
	"$DOCKER" start user >/dev/null
	both network rm busy
	[ "$berth_status" -eq 1 ]
	[[ $berth_output == *"has active endpoints"* ]]
}

@test "network prune: the same report through each CLI, and the prompt" {
	both network prune -f
	[ "$berth_output" = "" ]
	both network prune -f --filter bogus=1
	both network prune -f --filter noequals
	[ "$berth_status" -eq 125 ]
	both network prune extra
	"$DOCKER" network create used >/dev/null
	"$DOCKER" create --name user busybox sleep 1000 >/dev/null
	"$DOCKER" network connect used user
	"$DOCKER" start user >/dev/null
	for cli in "$BERTH" "$DOCKER"; do
		"$DOCKER" network create unused1 >/dev/null
		"$DOCKER" network create unused2 >/dev/null
		status=0
		out=$("$cli" network prune -f 2>&1) || status=$?
		[ "$status" -eq 0 ]
		if [ "$cli" = "$BERTH" ]; then berth_out=$out; else docker_out=$out; fi
		[ "$("$DOCKER" network ls -q --filter type=custom | wc -l)" -eq 1 ]
	done
	printf 'berth: %s\ndocker: %s\n' "$berth_out" "$docker_out"
	[ "$(sort <<<"$berth_out")" = "$(sort <<<"$docker_out")" ]
	[[ $berth_out == "Deleted Networks:"$'\n'* ]]
	[[ $berth_out == *unused1* && $berth_out == *unused2* ]]
	# the prompt, answered no (stdin is /dev/null in both): nothing happens
	"$DOCKER" network create keep >/dev/null
	both network prune
	[ "$berth_output" = "WARNING! This will remove all custom networks not used by at least one container."$'\n'"Are you sure you want to continue? [y/N] " ]
	"$DOCKER" network inspect keep >/dev/null
	run "$BERTH" network prune <<<"y"
	[ "$status" -eq 0 ]
	[[ $output == *"Deleted Networks:"$'\n'"keep"* ]]
}

@test "network connect and disconnect: the endpoint as docker's makes it, and docker's errors" {
	"$DOCKER" network create --subnet 10.81.0.0/24 na >/dev/null
	"$DOCKER" network create --subnet 10.82.0.0/24 nb >/dev/null
	"$DOCKER" create --name cb busybox true >/dev/null
	"$DOCKER" create --name cd busybox true >/dev/null
	local fmt='{{range $n, $e := .NetworkSettings.Networks}}{{$n}}={{$e.IPAMConfig}}/{{$e.Aliases}}/{{$e.DriverOpts}} {{end}}'
	run "$BERTH" network connect --alias web --alias www,w3 --ip 10.81.0.10 --driver-opt k=v na cb
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	"$DOCKER" network connect --alias web --alias www,w3 --ip 10.81.0.11 --driver-opt k=v na cd
	"$BERTH" network connect nb cb
	"$DOCKER" network connect nb cd
	b=$("$DOCKER" inspect -f "$fmt" cb | sed 's/10\.81\.0\.10/IP/')
	d=$("$DOCKER" inspect -f "$fmt" cd | sed 's/10\.81\.0\.11/IP/')
	printf 'berth: %s\ndocker: %s\n' "$b" "$d"
	[ "$b" = "$d" ]
	[[ $b == *"na="* && $b == *"nb="* ]]
	both network inspect -f '{{len .Containers}}' na
	# errors: already connected, no such network or container, bad options
	both network connect na cb
	[ "$berth_status" -eq 1 ]
	both network connect nope cb
	both network connect na nope
	both network connect --ip 10.99.0.1 nb cb
	both network connect --link a:b:c na cb
	[ "$berth_status" -eq 125 ]
	both network connect --driver-opt novalue na cb
	both network connect --gw-priority x na cb
	both network connect na
	# disconnect
	run "$BERTH" network disconnect na cb
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	"$DOCKER" network disconnect na cd
	[ "$("$DOCKER" inspect -f "$fmt" cb)" = "$("$DOCKER" inspect -f "$fmt" cd)" ]
	both network disconnect na cb
	[ "$berth_status" -eq 1 ]
	both network disconnect nope cb
	both network disconnect na nope
	both network disconnect -f nb cb
	both network disconnect na
}

@test "system prune removes unused networks as docker's does" {
	"$DOCKER" network create used >/dev/null
	"$DOCKER" create --name user busybox sleep 1000 >/dev/null
	"$DOCKER" network connect used user
	"$DOCKER" start user >/dev/null
	local cli out=() st=()
	for cli in "$BERTH" "$DOCKER"; do
		"$DOCKER" network create spare >/dev/null
		local s=0 o
		o=$("$cli" system prune -f 2>&1) || s=$?
		out+=("$(cli_normalise <<<"$o")")
		st+=("$s")
		[ "$("$DOCKER" network ls -q --filter name=spare | wc -l)" -eq 0 ]
		"$DOCKER" network inspect used >/dev/null
	done
	printf 'berth: %s\ndocker: %s\n' "${out[0]}" "${out[1]}"
	[ "${out[0]}" = "${out[1]}" ]
	[ "${st[0]}" = "${st[1]}" ]
	[[ "${out[0]}" == *"Deleted Networks:"$'\n'"spare"$'\n\n'* ]]
}

@test "network names complete from the daemon" {
	"$DOCKER" network create alpha >/dev/null
	"$DOCKER" network create beta >/dev/null
	"$DOCKER" create --name box busybox true >/dev/null
	run "$BERTH" __complete network rm a
	[ "$status" -eq 0 ]
	[ "$output" = alpha ]
	run "$BERTH" __complete network inspect ''
	[[ $output == *alpha* && $output == *beta* && $output == *bridge* ]]
	run "$BERTH" __complete network connect b
	[[ $output == *beta* && $output == *bridge* && $output != *box* ]]
	run "$BERTH" __complete network connect beta b
	[ "$output" = box ]
	run "$BERTH" __complete network connect beta box ''
	[ -z "$output" ]
	run "$BERTH" __complete network ''
	[[ $output == *connect* && $output == *prune* ]]
	run "$BERTH" __complete run --network ''
	[[ $output == *alpha* ]]
}
