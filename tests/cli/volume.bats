#!/usr/bin/env bats
# `berth volume ...` against the real docker CLI, both on the test's own
# berthd: create, ls (table, -q, --format, filters), inspect (raw, -f,
# json), rm and prune print the same and exit the same.  Read-only or
# idempotent commands go through `both`; removals run the same scenario
# once per CLI and compare.

load ../helpers/common
load cli-helpers

setup() { cli_setup; }
teardown() { cli_teardown; }

# The scenario's names differ per CLI: make them one for the comparison
same_names()
{
	sed -E -e "s/\b$1\b/NAME/g" -e "s/\b$2\b/NAME/g"
}

@test "volume create prints the name, is idempotent, and refuses what docker refuses" {
	both volume create --label team=a -o type=tmpfs -o device=tmpfs -o o=size=1m v1
	[ "$berth_output" = v1 ]
	both volume create v1
	both volume create 'a b'
	[ "$berth_status" -eq 1 ]
	both volume create --opt foo=bar vo
	both volume create --opt type=tmpfs vo
	both volume create --driver nosuchplugin vo
	both volume create a1 a2
	[ "$berth_status" -eq 1 ]
	# without a name: a 64-hex name from the daemon
	run "$BERTH" volume create
	[ "$status" -eq 0 ]
	[[ $output =~ ^[0-9a-f]{64}$ ]]
}

@test "volume ls: the table, -q, --format, json and filters as docker" {
	"$DOCKER" volume create --label team=a v10 >/dev/null
	"$DOCKER" volume create v9 >/dev/null
	"$DOCKER" volume create --label team=b v1 >/dev/null
	"$DOCKER" create --name user -v v1:/d busybox true >/dev/null
	both volume ls
	[ "$(sed -n 1p <<<"$berth_output")" = "DRIVER    VOLUME NAME" ]
	both volume list
	both volume ls -q
	[ "$berth_output" = "$(printf 'v1\nv9\nv10')" ]
	both volume ls --format '{{.Name}}|{{.Driver}}|{{.Scope}}|{{.Labels}}|{{.Links}}|{{.Size}}|{{.Mountpoint}}'
	both volume ls --format 'table {{.Name}}\t{{.Labels}}'
	both volume ls --format json
	both volume ls -q --format '{{.Name}}:{{.Driver}}'
	both volume ls --filter label=team
	both volume ls --filter label=team=a
	both volume ls --filter name=v1
	both volume ls --filter dangling=true
	both volume ls --filter dangling=false
	both volume ls --filter driver=local
	both volume ls --filter bogus=1
	[ "$berth_status" -eq 1 ]
	both volume ls --filter dangling=maybe
	both volume ls --filter noequals
}

@test "volume inspect: raw JSON, -f templates, json, and errors for missing volumes" {
	"$DOCKER" volume create --label team=a --opt type=tmpfs --opt device=tmpfs vi >/dev/null
	"$DOCKER" volume create vj >/dev/null
	both volume inspect vi
	[[ $berth_output == *'"Mountpoint": "'* ]]
	both volume inspect vi vj
	both volume inspect -f '{{.Name}} {{.Driver}} {{.Scope}} {{.Labels}} {{.Options}}' vi vj
	both volume inspect --format '{{json .Labels}}' vi
	both volume inspect --format json vi
	both volume inspect nope
	[ "$berth_status" -eq 1 ]
	both volume inspect vi nope vj
	both volume inspect
}

@test "volume rm: names printed, in-use and missing volumes refused as docker" {
	"$DOCKER" create --name user -v busy:/d busybox true >/dev/null
	both volume rm busy
	[ "$berth_status" -eq 1 ]
	[[ $berth_output == *"volume is in use"* ]]
	both volume rm nope
	both volume rm -f nope
	[ "$berth_status" -eq 0 ]
	both volume rm
	# the same removal through each CLI
	"$DOCKER" volume create rb >/dev/null
	"$DOCKER" volume create rd >/dev/null
	b=0 d=0
	bo=$("$BERTH" volume rm rb nope busy 2>&1) || b=$?
	do=$("$DOCKER" volume rm rd nope busy 2>&1) || d=$?
	printf 'berth: %s\ndocker: %s\n' "$bo" "$do"
	[ "$b" -eq "$d" ]
	[ "$(same_names rb rd <<<"$bo" | cli_normalise)" = "$(same_names rb rd <<<"$do" | cli_normalise)" ]
	[ "$("$DOCKER" volume ls -q)" = busy ]
	both volume remove nope
}

@test "volume prune: the same report through each CLI" {
	# nothing to prune
	both volume prune -f
	[ "$berth_output" = "Total reclaimed space: 0B" ]
	both volume prune -f --filter bogus=1
	both volume prune -f --filter noequals
	[ "$berth_status" -eq 125 ]
	# anonymous volumes of a removed container, with some data in one
	for cli in "$BERTH" "$DOCKER"; do
		"$DOCKER" create --name gone -v /a -v /b -v named:/n busybox true >/dev/null
		a=$("$DOCKER" inspect -f '{{range .Mounts}}{{if eq .Destination "/a"}}{{.Name}}{{end}}{{end}}' gone)
		"$DOCKER" rm gone >/dev/null
		printf 'hello' >"$BERTH_DATA_ROOT/volumes/$a/_data/f"
		status=0
		out=$("$cli" volume prune -f 2>&1) || status=$?
		[ "$status" -eq 0 ]
		out=$(cli_normalise <<<"$out")
		if [ "$cli" = "$BERTH" ]; then berth_out=$out; else docker_out=$out; fi
		[ "$("$DOCKER" volume ls -q)" = named ]
	done
	[ "$berth_out" = "$docker_out" ]
	[ "$berth_out" = "$(printf 'Deleted Volumes:\n<ID>\n<ID>\n\nTotal reclaimed space: 5B')" ]
	# --all takes named ones too
	b=0 d=0
	bo=$("$BERTH" volume prune -f --all 2>&1) || b=$?
	"$DOCKER" volume create named >/dev/null
	do=$("$DOCKER" volume prune -f --all 2>&1) || d=$?
	[ "$b" -eq "$d" ]
	[ "$bo" = "$do" ]
	[ "$bo" = "$(printf 'Deleted Volumes:\nnamed\n\nTotal reclaimed space: 0B')" ]
	# the prompt, answered no: nothing happens, as docker
	"$DOCKER" volume create keep >/dev/null
	both volume prune --all
	[[ $berth_output == "WARNING! This will remove all local volumes not used by at least one container."* ]]
	[ "$("$DOCKER" volume ls -q)" = keep ]
}
