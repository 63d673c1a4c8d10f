#!/usr/bin/env bats
# berth inspect, container inspect and image inspect against the real
# docker CLI on the same berthd: the default indented JSON array, -f json,
# templates (fields, json, range, index, if, printf, functions), several
# objects, --type, -s, and docker's errors and exit codes.  The objects
# are made once per test with docker, then both CLIs read them.

load ../helpers/common
load cli-helpers

setup() { cli_setup; }
teardown() { cli_teardown; }

# A created (never started) container with labels, env and a command
make_created()
{
	"$DOCKER" create --name c1 -l a=b -l com.example.x=y -e FOO=bar -w /tmp busybox echo hi >/dev/null
}

@test "inspect prints the daemon's JSON as docker does, containers and images" {
	make_created
	both inspect c1
	# the array is indented with 4 spaces and keeps the daemon's key order
	[[ "$berth_output" == "["$'\n'"    {"$'\n'"        \"Id\": \"<ID>\","* ]]
	both inspect busybox
	both inspect c1 busybox
	both container inspect c1
	both image inspect busybox
	both inspect -f json c1 busybox
}

@test "inspect -f renders templates like docker's" {
	make_created
	both inspect -f '{{.State.Status}}' c1
	[ "$berth_output" = created ]
	both inspect --format '{{json .Config}}' c1
	both inspect -f '{{json .Config.Labels}} {{.Config.Labels}} {{.Config.Cmd}} {{.State.Pid}}' c1
	[ "$berth_output" = '{"a":"b","com.example.x":"y"} map[a:b com.example.x:y] [echo hi] 0' ]
	both inspect -f '{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}' c1
	[ "$berth_output" = 'a=b;com.example.x=y;' ]
	both inspect -f '{{index .Config.Labels "a"}}|{{index .Config.Labels "nope"}}|{{.Config.Labels.nope}}' c1
	[ "$berth_output" = 'b||<no value>' ]
	both inspect -f '{{if .State.Running}}up{{else if eq .State.Status "created"}}new{{else}}down{{end}}' c1
	[ "$berth_output" = new ]
	both inspect -f '{{range .Config.Env}}{{println .}}{{end}}' c1
	both inspect -f '{{with .Config}}{{.WorkingDir}} {{len .Env}}{{end}} {{printf "%q %5d|%-6s|" .Name .RestartCount .Path}}' c1
	both inspect -f '{{upper .Name}} {{split "x,y" ","}} {{truncate .Id 12}}' c1
	both inspect -f '{{join .Config.Env "+"}}' c1
	both inspect -f '{{join .Config.Cmd "+"}}' c1
	both inspect -f '{{.HostConfig.Binds}} {{.State.Health}} {{.Mounts}} {{.NetworkSettings.Ports}}' c1
	both inspect -f '{{- .Name -}}  {{/* a comment */}}  {{- .Path }}' c1
	both image inspect -f '{{.Id}} {{.RepoTags}} {{.Config.Cmd}} {{.Os}}/{{.Architecture}}' busybox
	# one line per object
	both inspect -f '{{.Id}} {{.Created}}' c1 busybox
}

@test "inspect of a running container" {
	"$DOCKER" run -d --name up busybox sleep 1000 >/dev/null
	both inspect up
	both inspect -f '{{.State.Status}} {{.State.Running}} {{.State.Pid}} {{gt .State.Pid 0}}' up
	[[ "$berth_output" == "running true "[0-9]*" true" ]]
	both inspect -s up
	both container inspect -s -f '{{.SizeRw}} {{.SizeRootFs}}' up
}

@test "inspect errors: missing objects, --type, bad templates" {
	make_created
	both inspect nope
	[ "$berth_status" -eq 1 ]
	[[ "$berth_output" == *"Error: No such object: nope"* ]]
	# the others are still printed
	both inspect nope c1
	both inspect -f '{{.Name}}' c1 nope
	both container inspect nope
	[[ "$berth_output" == *"Error response from daemon: No such container: nope"* ]]
	both image inspect nope
	both inspect --type image c1
	both inspect --type container busybox
	both inspect --type foo c1
	[ "$berth_status" -eq 1 ]
	both inspect --type= c1
	both inspect -s busybox
	# a template that does not parse: exit 64
	both inspect -f '{{foo}}' c1
	[ "$berth_status" -eq 64 ]
	both inspect -f '{{.State.Status' c1
	# a field that is not there, an index out of range: exit 1
	both inspect -f '{{.Nope}}' c1
	[ "$berth_status" -eq 1 ]
	[[ "$berth_output" == *'map has no entry for key "Nope"'* ]]
	both inspect -f '{{index .Config.Cmd 5}}' c1
	both inspect -f '{{lt 1 2.5}}' c1
	both inspect
	[ "$berth_status" -eq 1 ]
}

@test "inspect --help matches docker's" {
	both inspect --help
	both container inspect --help
}
