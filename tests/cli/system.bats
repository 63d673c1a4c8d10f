#!/usr/bin/env bats
# berth version, info, events, system df and system prune against the real
# docker CLI, both talking to one berthd (tests/cli/cli-helpers.bash): the
# same scenario must print the same once IDs and times are normalised.
# Only the client's own lines differ (berth's version is not docker's).
# Last, `make demo`'s script runs end to end against this build.

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

# The output from the first blank line on (docker's Server: part)
server_part()
{
	sed -n '/^$/,$p'
}

# Labels of the Client: part ("Version:", "API version:", ...), values and
# the client's name ("Client: berth") dropped
client_labels()
{
	sed -n '/^Client/,/^$/p' | sed -E 's/^( +[^:]+:).*/\1/; s/^Client:.*/Client:/'
}

# info with the client's own version blanked and the Runtimes: line sorted
# (docker prints a Go map there, in random order)
info_normalise()
{
	sed -E 's/^( Version: +).*/\1<V>/' | awk '/^ Runtimes:/ { n = split($0, w, " "); s = ""
		for (i = 2; i <= n; i++) for (j = i + 1; j <= n; j++) if (w[j] < w[i]) { t = w[i]; w[i] = w[j]; w[j] = t }
		for (i = 2; i <= n; i++) s = s " " w[i]; print " Runtimes:" s; next } { print }'
}

# both, with runs of blanks squeezed: the -v tables hold times ("Less
# than a second ago" / "2 seconds ago") whose length sets column widths
both_squeezed()
{
	local bo bs=0 dout ds=0
	bo=$("$BERTH" "$@" </dev/null 2>&1) || bs=$?
	dout=$("$DOCKER" "$@" </dev/null 2>&1) || ds=$?
	bo=$(cli_normalise <<<"$bo" | tr -s ' ')
	dout=$(cli_normalise <<<"$dout" | tr -s ' ')
	if [ "$bs" != "$ds" ] || [ "$bo" != "$dout" ]; then
		diff <(printf '%s\n' "$dout") <(printf '%s\n' "$bo") >&2 || true
		echo "berth -> $bs, docker -> $ds" >&2
		return 1
	fi
	berth_output=$bo
}

# A running, a created and an exited container that wrote a file (SizeRw)
three_states()
{
	"$DOCKER" run -d --name web -l tier=front busybox sleep 1000 >/dev/null
	"$DOCKER" create --name fresh busybox echo 'a command longer than twenty characters' >/dev/null
	"$DOCKER" run --name ended busybox sh -c 'echo hello >/greeting; exit 3' >/dev/null || true
}

@test "version: the Server: part is docker's, the Client: part has docker's lines" {
	local b d
	b=$("$BERTH" version)
	d=$("$DOCKER" version)
	[ "$(server_part <<<"$b")" = "$(server_part <<<"$d")" ]
	[[ "$b" == *"Server: berth"* ]]
	[ "$(client_labels <<<"$b")" = "$(client_labels <<<"$d")" ]
	[[ "$b" == *" Version:           $(berth_project_version)"* ]]
	# the docker CLI negotiates down to berthd's 1.47; berth asks for it
	[[ "$b" == *" API version:       1.47"$'\n'* ]]
}

@test "version --format: templates over docker's Go field names, json, errors" {
	both version --format '{{.Server.Version}} {{.Server.APIVersion}} {{.Server.Os}}/{{.Server.Arch}}'
	[ "$berth_output" = "$(berth_project_version) 1.47 linux/amd64" ]
	both version -f '{{range .Server.Components}}{{.Name}} {{index .Details "MinAPIVersion"}}{{end}}'
	[ "$berth_output" = "Engine 1.24" ]
	[ "$("$BERTH" version --format '{{.Client.Version}}')" = "$(berth_project_version)" ]
	[ "$("$BERTH" version --format json | jq -S .Server)" = "$("$DOCKER" version --format json | jq -S .Server)" ]
	"$BERTH" version --format json | jq -e '.Client.ApiVersion == "1.47" and .Client.Context == "default"'
	# a template that does not parse: exit 64 (EX_USAGE), docker's words
	both version --format '{{.Server.Version'
	[ "$berth_status" -eq 64 ]
	[ "$berth_output" = "template parsing error: template: version:1: unclosed action" ]
	both version --format '{{json}}'
	[ "$berth_status" -eq 1 ]
	both version extra
}

@test "version and info without a daemon: the client part, then how to start berthd" {
	BERTH_HOST=unix://$BERTH_TEST_TMP/nothing.sock run "$BERTH" version
	[ "$status" -eq 1 ]
	[[ "$output" == "Client: berth"* ]]
	[[ "$output" == *"cannot connect to berthd at unix://$BERTH_TEST_TMP/nothing.sock: is it running?"* ]]
	[[ "$output" != *"Server:"* ]]
	BERTH_HOST=unix://$BERTH_TEST_TMP/nothing.sock run "$BERTH" info
	[ "$status" -eq 1 ]
	[[ "$output" == *"Debug Mode: false"$'\n\n'"Server:"$'\n'"cannot connect to berthd"* ]]
}

@test "info prints docker's report, line for line" {
	three_states
	# a Docker Hub login shows as " Username:" (auth is base64 of alice:secret)
	echo '{"auths": {"https://index.docker.io/v1/": {"auth": "YWxpY2U6c2VjcmV0"}}}' >"$DOCKER_CONFIG/config.json"
	local b d
	b=$("$BERTH" info 2>&1)
	d=$("$DOCKER" info 2>&1)
	diff <(info_normalise <<<"$d") <(info_normalise <<<"$b")
	[[ "$b" == *" Containers: 3"$'\n'"  Running: 1"$'\n'"  Paused: 0"$'\n'"  Stopped: 2"* ]]
	[[ "$b" == *" Images: 1"* ]]
	[[ "$b" == *" Docker Root Dir: $BERTH_DATA_ROOT"* ]]
	[[ "$b" == *$'\n'" Username: alice"$'\n'* ]]
}

@test "info --format: fields, json, template errors" {
	three_states
	both info --format '{{.Containers}} {{.ContainersRunning}} {{.Images}} {{.ServerVersion}} {{.Driver}}'
	[ "$berth_output" = "3 1 1 $(berth_project_version) overlay2" ]
	both info -f '{{json .Plugins}} {{.Swarm.LocalNodeState}} {{.ClientInfo.Context}}'
	both info --format '{{range .DriverStatus}}{{index . 0}};{{end}}'
	[ "$("$BERTH" info --format json | jq -r '.ID, .DockerRootDir')" = "$("$DOCKER" info --format json | jq -r '.ID, .DockerRootDir')" ]
	both info --format '{{.Containers'
	[ "$berth_status" -eq 64 ]
}

@test "events --since/--until replays what docker replays, in docker's line format" {
	three_states
	"$DOCKER" rm -f fresh >/dev/null
	local until
	until=$(date +%s.%N)
	both events --since 0 --until "$until"
	# "2026-11-30T15:01:52.123456789Z container start <id> (image=busybox, name=web, tier=front)"
	grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}(Z|[+-][0-9]{2}:[0-9]{2}) container start <ID> \(image=busybox, name=web, tier=front\)$' <<<"$berth_output"
	grep -q 'container destroy <ID> (image=busybox, name=fresh)' <<<"$berth_output"
	both events --since 0 --until "$until" --filter event=die
	[ "$(grep -c . <<<"$berth_output")" -eq 1 ]
	both events --since 0 --until "$until" -f container=web -f event=create -f event=start
	[ "$(grep -c . <<<"$berth_output")" -eq 2 ]
	both events --since 0 --until "$until" --format '{{.Type}} {{.Action}} {{.Actor.Attributes.name}} {{.Status}} {{.Scope}}'
	[[ "$berth_output" == *"container die ended die local"* ]]
	[ "$("$BERTH" events --since 0 --until "$until" --format json | jq -cS .)" = \
		"$("$DOCKER" events --since 0 --until "$until" --format json | jq -cS .)" ]
	both system events --since 0 --until "$until" --filter type=image
}

@test "events streams each event as it happens" {
	# berth's events, not docker's, must deliver the start while it runs
	"$DOCKER" create --name live busybox true >/dev/null
	local fifo=$BERTH_TEST_TMP/events pid line
	mkfifo "$fifo"
	"$BERTH" events --filter container=live --format '{{.Action}} {{.Actor.Attributes.name}}' >"$fifo" &
	pid=$!
	exec 4<"$fifo"
	"$DOCKER" start live >/dev/null
	read -r line <&4
	[ "$line" = "start live" ]
	kill "$pid"
	wait "$pid" || true
	exec 4<&-
}

@test "events: bad arguments fail the way docker's do" {
	both events --filter nonsense --until 1
	[ "$berth_status" -eq 125 ]
	both events --since bogus --until 1
	[ "$berth_status" -eq 1 ]
	both events --format '{{.Type' --until 1
	[ "$berth_status" -eq 64 ]
	both events --since 10 --until 5
	[ "$berth_status" -eq 1 ]
}

@test "system df and df -v list what docker lists" {
	both system df
	[[ "$berth_output" == *"Containers      0         0         0B        0B"* ]]
	three_states
	both system df
	[[ "$berth_output" == *"Images          1         0         "* ]]
	[[ "$berth_output" == *"Containers      3         1         "* ]]
	both system df --format json
	both system df --format '{{.Type}}: {{.TotalCount}} {{.Active}} {{.Reclaimable}}'
	both system df --format 'table {{.Type}}\t{{.Size}}'
	both_squeezed system df -v
	[[ "$berth_output" == *'"echo a command long…"'* ]]
	[[ "$berth_output" == *"Local Volumes space usage:"* ]]
	both_squeezed system df -v --format '{{range .Containers}}{{.Names}} {{.Size}} {{.State}};{{end}}'
	both system df --format '{{.Type'
	[ "$berth_status" -eq 1 ]
}

@test "system prune asks docker's question and does nothing without a yes" {
	three_states
	# stdin is /dev/null in `both`: no answer is a no
	both system prune
	[[ "$berth_output" == *"Are you sure you want to continue? [y/N] " ]]
	both system prune -a --volumes --filter label=a=b --filter 'label!=c' --filter label=x10 --filter label=x9
	[[ "$berth_output" == *"  - label!=c"$'\n'"  - label=a=b"$'\n'"  - label=x9"$'\n'"  - label=x10"* ]]
	[ "$("$DOCKER" ps -aq | wc -l)" -eq 3 ]
	run "$BERTH" system prune <<<"no"
	[ "$status" -eq 0 ]
	[ "$("$DOCKER" ps -aq | wc -l)" -eq 3 ]
	both system prune --volumes --filter until=1h
	[ "$berth_status" -eq 1 ]
	both system prune --filter nonsense
	[ "$berth_status" -eq 125 ]
	both system prune extra
}

@test "system prune -f removes what docker's removes and reports it alike" {
	# the same scenario through each CLI: two stopped containers, one running
	local cli out=() st=()
	for cli in "$BERTH" "$DOCKER"; do
		"$DOCKER" run --name "gone1" busybox true
		"$DOCKER" run --name "gone2" busybox true
		"$DOCKER" run -d --name "stays" busybox sleep 1000 >/dev/null
		local s=0 o
		o=$(echo y | "$cli" system prune 2>&1) || s=$?
		out+=("$(cli_normalise <<<"$o")")
		st+=("$s")
		[ "$("$DOCKER" ps -aq --filter name=gone | wc -l)" -eq 0 ]
		[ "$("$DOCKER" ps -q --filter name=stays | wc -l)" -eq 1 ]
		"$DOCKER" rm -f stays >/dev/null
	done
	[ "${out[0]}" = "${out[1]}" ]
	[ "${st[0]}" = "${st[1]}" ]
	[[ "${out[0]}" == *"Deleted Containers:"$'\n'"<ID>"$'\n'"<ID>"$'\n'* ]]
}

@test "make demo's script runs the engine end to end and leaves nothing behind" {
	# the test's own berthd is not the demo's: the demo starts and stops one
	local log=$BERTH_TEST_TMP/demo.log s=0
	BERTH_DEMO_NO_DEPS=1 BERTH_BUILD=$BERTH_BUILD "$BERTH_REPO/scripts/demo.sh" >"$log" 2>&1 || s=$?
	cat "$log"
	[ "$s" -eq 0 ]
	grep -qx 'hello from berth' "$log"
	grep -q 'demo-sleeper' "$log"
	grep -qE '^busybox +latest ' "$log"
	# its directory (data root, socket, mounts) is gone
	local dir
	dir=$(sed -nE 's/^== berthd on unix:\/\/(.*)\/berth\.sock .*/\1/p' "$log")
	[ -n "$dir" ]
	[ ! -e "$dir" ]
}

@test "make install's meson install stages programs, man pages, completions, the unit and daemon.json" {
	[ -d "$BERTH_BUILD/dist" ] || skip "dist/ is not part of this build (subdir('dist') in meson.build)"
	local stage=$BERTH_TEST_TMP/stage prefix
	prefix=$(meson introspect --buildoptions "$BERTH_BUILD" | jq -r '.[] | select(.name == "prefix") | .value')
	meson install -C "$BERTH_BUILD" --no-rebuild --destdir "$stage" >"$BERTH_TEST_TMP/install.log"
	for p in berth berthd berth-shim berth-runtime; do
		[ -x "$stage$prefix/bin/$p" ]
	done
	[ -f "$stage$prefix/share/man/man1/berth-system-prune.1" ]
	[ -f "$stage$prefix/share/bash-completion/completions/berth" ]
	grep -qx "ExecStart=$prefix/bin/berthd -H unix:///run/berth/berth.sock --config-file /etc/berth/daemon.json" \
		"$stage/lib/systemd/system/berth.service"
	grep -qx 'Type=notify' "$stage/lib/systemd/system/berth.service"
	grep -qx 'KillMode=process' "$stage/lib/systemd/system/berth.service"
	[ "$(jq -c . "$stage/etc/berth/daemon.json")" = '{}' ]
	# a second install keeps the administrator's daemon.json
	echo '{"debug": true}' >"$stage/etc/berth/daemon.json"
	meson install -C "$BERTH_BUILD" --no-rebuild --destdir "$stage" >>"$BERTH_TEST_TMP/install.log"
	[ "$(jq -c . "$stage/etc/berth/daemon.json")" = '{"debug":true}' ]
	# the staged berthd accepts the unit's command line
	"$stage$prefix/bin/berthd" -H unix:///run/berth/berth.sock --config-file "$stage/etc/berth/daemon.json" --validate
}
