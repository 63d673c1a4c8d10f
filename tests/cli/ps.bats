#!/usr/bin/env bats
# berth ps against the real docker CLI, both talking to one berthd: the
# same containers listed with every flag and format must print the same
# once IDs and times are normalised (tests/cli/cli-helpers.bash).

load ../helpers/common
load cli-helpers

setup()
{
	cli_setup
}

teardown()
{
	cli_teardown
}

# Three containers in three states: web (running), done (exited 3), fresh
# (created, labelled, with a command longer than ps shows)
three_states()
{
	"$DOCKER" run -d --name web busybox sleep 1000 >/dev/null
	"$DOCKER" run --name "done" busybox sh -c 'exit 3' >/dev/null || true
	"$DOCKER" create --name fresh -l tier=front -l app=shop busybox \
		echo 'a "quoted" and	tabbed command that is long' >/dev/null
}

@test "ps with no containers prints docker's header only" {
	both ps
	[ "$berth_output" = "CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES" ]
	both ps -a
	both ps -q
}

@test "ps, ps -a and ps -q list what docker lists" {
	three_states
	both ps
	[[ "$berth_output" == *web* ]]
	[[ "$berth_output" != *fresh* ]]
	both ps -a
	[[ "$berth_output" == *'"sh -c '\''exit 3'\''"'* ]] || [[ "$berth_output" == *'Exited (3)'* ]]
	[[ "$berth_output" == *'Created'* ]]
	both ps -q
	[ "$(wc -l <<<"$berth_output")" -eq 1 ]
	both ps -aq
	[ "$(wc -l <<<"$berth_output")" -eq 3 ]
}

@test "the command is quoted like Go and cut at 20 characters unless --no-trunc" {
	three_states
	both ps -a --filter name=fresh
	[[ "$berth_output" == *'"echo a \"quoted\" and…"'* ]]
	both ps -a --no-trunc --filter name=fresh
	[[ "$berth_output" == *'\t'* ]]
	both ps -a --no-trunc -q
}

@test "ps -s, -n, -l and --filter" {
	three_states
	both ps -a -s
	[[ "$berth_output" == *SIZE* ]]
	[[ "$berth_output" == *'(virtual '* ]]
	both ps -n 2
	[ "$(wc -l <<<"$berth_output")" -eq 3 ]
	both ps -l
	[[ "$berth_output" == *fresh* ]]
	both ps -a --filter status=exited
	[[ "$berth_output" == *done* ]]
	[[ "$berth_output" != *web* ]]
	both ps -a --filter label=tier=front
	both ps -a --filter name=we --filter status=running
	both ps -a --filter exited=3
}

@test "--format: templates, table templates, json, raw, labels" {
	three_states
	both ps -a --format '{{.Names}}: {{.Status}} {{.State}}'
	both ps -a --format 'table {{.ID}}\t{{.Names}}\t{{.Labels}}'
	[[ "$berth_output" == *'app=shop,tier=front'* ]]
	both ps -a --format '{{.Names}} {{.Label "tier"}}'
	[[ "$berth_output" == *'fresh front'* ]]
	both ps -a --format json
	jq -e . <<<"$berth_output" >/dev/null
	both ps -a --format raw
	both ps -a --format '{{.Names}} {{.Size}}'
	both ps -a --format '{{.Image}} {{.Command}} {{.CreatedAt}} {{.Mounts}} {{.Networks}} {{.LocalVolumes}} {{.Ports}}'
	both ps -a --format table
}

@test "-q with --format warns and prints IDs" {
	three_states
	both ps -a -q --format '{{.Names}}'
	[[ "$berth_output" == *'WARNING: Ignoring custom format, because both --format and --quiet are set.'* ]]
}

@test "psFormat from config.json is the default format" {
	three_states
	echo '{"psFormat": "table {{.Names}}\t{{.Image}}"}' >"$DOCKER_CONFIG/config.json"
	both ps -a
	[ "$(head -n 1 <<<"$berth_output")" = "NAMES     IMAGE" ]
	# --format wins over the config
	both ps -a --format '{{.Names}}'
}

@test "bad filters and bad flags fail like docker" {
	both ps --filter nonsense
	[ "$berth_status" -eq 125 ]
	[[ "$berth_output" == *'bad format of filter (expected name=value)'* ]]
	both ps --filter bogus=1
	[ "$berth_status" -ne 0 ]
	both ps --bogus
	[ "$berth_status" -eq 125 ]
	both ps extra-argument
	[ "$berth_status" -eq 1 ]
	both ps -n notanumber
}
