#!/usr/bin/env bats
# berth-runtime lifecycle: run, create/start/state/kill/delete, exit codes,
# error wording (containerd matches on it), pid files and JSON logs.

load ../helpers/common
load runtime-helpers

setup_file() { runtime_setup_file; }
setup() { runtime_setup; }
teardown() { runtime_teardown; }

@test "run /bin/true exits 0 and leaves no state" {
	set_args /bin/true
	run rt run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	run rt list -q
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "run propagates the exit code" {
	set_args /bin/test-init exit 42
	run rt run -b "$BUNDLE" c1
	[ "$status" -eq 42 ]
}

@test "run exits 128+signal when the container is killed" {
	set_args /bin/test-init sleep 100
	rt run -b "$BUNDLE" c1 </dev/null >"$BERTH_TEST_TMP/out" 2>&1 &
	local fg=$!
	wait_status c1 running
	rt kill c1 KILL
	local code=0
	wait "$fg" || code=$?
	[ "$code" -eq 137 ]
}

@test "create, state, start, state, delete" {
	set_args /bin/test-init sleep 100
	create_detached c1
	run rt state c1
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = created ]
	[ "$(jq -r .id <<<"$output")" = c1 ]
	[ "$(jq -r .bundle <<<"$output")" = "$BUNDLE" ]
	[ "$(jq -r .pid <<<"$output")" -gt 0 ]
	rt start c1
	[ "$(rt_status c1)" = running ]
	rt kill c1 KILL
	wait_status c1 stopped
	[ "$(rt_pid c1)" -eq 0 ]
	rt delete c1
	run rt state c1
	[ "$status" -eq 1 ]
}

@test "a started init is pid 1 with its own hostname" {
	set_args /bin/test-init report
	run rt run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$(jq -r .pid <<<"$output")" -eq 1 ]
	[ "$(jq -r .hostname <<<"$output")" = berth-test ]
}

@test "no fd of the runtime leaks into the container" {
	exec 7</dev/null
	run rt run -b "$BUNDLE" c1
	exec 7<&-
	[ "$status" -eq 0 ]
	[ "$(jq -c .fds <<<"$output")" = "[0,1,2]" ]
}

@test "--preserve-fds passes fd 3 on" {
	run rt run --preserve-fds 1 -b "$BUNDLE" c1 3</dev/null
	[ "$status" -eq 0 ]
	[ "$(jq -c .fds <<<"$output")" = "[0,1,2,3]" ]
}

@test "kill takes signal names and numbers" {
	set_args /bin/test-init sleep 100
	run_detached c1
	rt kill c1 USR1
	wait_status c1 stopped
	grep -q "signal 10" "$BERTH_TEST_TMP/c1.out"
	rt delete c1

	run_detached c2
	rt kill c2 SIGUSR2
	wait_status c2 stopped
	grep -q "signal 12" "$BERTH_TEST_TMP/c2.out"
	rt delete c2

	run_detached c3
	rt kill c3 15
	wait_status c3 stopped
	grep -q "signal 15" "$BERTH_TEST_TMP/c3.out"
	rt delete c3

	run_detached c4
	rt kill c4 # TERM by default
	wait_status c4 stopped
	grep -q "signal 15" "$BERTH_TEST_TMP/c4.out"
}

@test "kill --all signals every process" {
	set_args /bin/test-init fork 2
	run_detached c1
	wait_file "$BERTH_TEST_TMP/c1.out"
	run rt ps --format json c1
	[ "$status" -eq 0 ]
	pids=$(jq -r '.[]' <<<"$output")
	[ "$(wc -w <<<"$pids")" -eq 3 ]
	# SIGSTOP leaves every process it reaches visible, stopped: the two
	# children too (a plain kill would stop only the init; with KILL the
	# pid namespace would take them down anyway and prove nothing)
	rt kill --all c1 STOP
	for pid in $pids; do
		for i in $(seq 100); do
			[ "$(awk '{ print $3 }' "/proc/$pid/stat")" = T ] && break
			sleep 0.05
		done
		[ "$(awk '{ print $3 }' "/proc/$pid/stat")" = T ]
	done
	rt kill --all c1 KILL
	wait_status c1 stopped
}

@test "delete -f removes a running container" {
	set_args /bin/test-init sleep 100
	run_detached c1
	run rt delete c1
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot delete container c1 that is not stopped: running"* ]]
	rt delete -f c1
	run rt state c1
	[ "$status" -eq 1 ]
}

@test "errors for unknown ids and wrong states use runc's wording" {
	run rt state nosuch
	[ "$status" -eq 1 ]
	[[ "$output" == *'container "nosuch" does not exist'* ]]
	run rt kill nosuch KILL
	[ "$status" -eq 1 ]
	[[ "$output" == *"does not exist"* ]]
	run rt delete nosuch
	[ "$status" -eq 1 ]
	[[ "$output" == *"does not exist"* ]]

	set_args /bin/test-init sleep 100
	run_detached c1
	run rt start c1
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot start an already running container"* ]]
	run create_detached c1
	[ "$status" -eq 1 ]
	grep -q "container with id exists: c1" "$BERTH_TEST_TMP/c1.out"
	rt kill c1 KILL
	wait_status c1 stopped
	run rt start c1
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot start a container that has stopped"* ]]
	run rt kill c1 KILL
	[ "$status" -eq 1 ]
	[[ "$output" == *"container not running"* ]]
}

@test "start reports the init's exec failure" {
	set_args /etc/passwd
	create_detached c1
	run rt start c1
	[ "$status" -eq 1 ]
	[[ "$output" == *"exec '/etc/passwd': permission denied"* ]]
}

@test "a missing executable fails create with runc's message" {
	set_args nosuch
	expect_run_error c1 'exec: "nosuch": executable file not found in $PATH'
	[ "$status" -eq 1 ]
	[[ "$output" == *'exec: "nosuch": executable file not found in $PATH'* ]]
}

@test "--pid-file holds the init's pid" {
	set_args /bin/test-init sleep 100
	create_detached c1 --pid-file "$BERTH_TEST_TMP/pid"
	[ "$(cat "$BERTH_TEST_TMP/pid")" = "$(rt_pid c1)" ]
}

@test "--log-format json writes error lines with level error" {
	run "$BERTH_RUNTIME" --root "$RT_STATE" --log "$BERTH_TEST_TMP/log.json" \
		--log-format json state nosuch
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	run jq -r 'select(.level == "error") | .msg' "$BERTH_TEST_TMP/log.json"
	[ "$status" -eq 0 ]
	[[ "$output" == *'container "nosuch" does not exist'* ]]
}

@test "pause and resume" {
	set_args /bin/test-init sleep 100
	run_detached c1
	rt pause c1
	[ "$(rt_status c1)" = paused ]
	run rt pause c1
	[ "$status" -eq 1 ]
	rt resume c1
	[ "$(rt_status c1)" = running ]
	run rt resume c1
	[ "$status" -eq 1 ]
	[[ "$output" == *"container not paused"* ]]
}

@test "ps --format json lists the container's pids" {
	set_args /bin/test-init fork 2
	run_detached c1
	wait_file "$BERTH_TEST_TMP/c1.out"
	run rt ps --format json c1
	[ "$status" -eq 0 ]
	[ "$(jq length <<<"$output")" -eq 3 ]
	[ "$(jq ".[] | select(. == $(rt_pid c1))" <<<"$output")" != "" ]
}

@test "list shows containers as table and json" {
	set_args /bin/test-init sleep 100
	run_detached c1
	run rt list
	[ "$status" -eq 0 ]
	[[ "$output" == *c1*running* ]]
	[ "$(rt list --format json | jq -r '.[0].id')" = c1 ]
}

@test "spec refuses to overwrite config.json; features is JSON" {
	run rt spec --bundle "$BUNDLE"
	[ "$status" -eq 1 ]
	[[ "$output" == *"exists"* ]]
	rt features | jq -e '.linux.namespaces | index("pid")'
}

@test "hooks run in order with the state on stdin" {
	mkdir -p "$BERTH_TEST_TMP/hooks"
	export HOOKLOG=$BERTH_TEST_TMP/hooks/log
	set_args /bin/true
	update_config '.mounts += [{"destination": "/hooks", "type": "bind",
		"source": (env.BERTH_TEST_TMP + "/hooks"), "options": ["rbind", "rw"]}]
	| .hooks = {
	  "createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c", ("read s; echo createRuntime $(echo $s | grep -c creating) >> " + env.HOOKLOG)]}],
	  "createContainer": [{"path": "/bin/sh", "args": ["sh", "-c", ("echo createContainer >> " + env.HOOKLOG)]}],
	  "startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "echo startContainer >> /hooks/log"]}],
	  "poststart": [{"path": "/bin/sh", "args": ["sh", "-c", ("echo poststart >> " + env.HOOKLOG)]}],
	  "poststop": [{"path": "/bin/sh", "args": ["sh", "-c", ("echo poststop >> " + env.HOOKLOG)]}]}'
	run rt run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	run cat "$HOOKLOG"
	[ "$output" = "createRuntime 1
createContainer
startContainer
poststart
poststop" ]
}

@test "update changes limits; events --stats reports them" {
	set_args /bin/test-init sleep 100
	run_detached c1
	rt update --pids-limit 50 c1
	echo '{"pids": {"limit": 60}}' | rt update -r - c1
	run rt events --stats c1
	[ "$status" -eq 0 ]
	[ "$(jq -r .type <<<"$output")" = stats ]
	[ "$(jq -r .id <<<"$output")" = c1 ]
	[ "$(jq -r .data.pids.limit <<<"$output")" -eq 60 ]
}

@test "a --root whose parents do not exist is created, as runc does" {
	# dockerd passes <exec-root>/runtime-runc/moby before either exists
	set_args /bin/true
	local deep=$BERTH_TEST_TMP/deep/runtime-runc/moby
	run "$BERTH_RUNTIME" --root "$deep" run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ -d "$deep" ]
	[ "$(stat -c %a "$deep")" = 700 ]
}

@test "bad flag values are clear errors, not wrapped or ignored" {
	run "$BERTH_RUNTIME" --rootless yes list
	[ "$status" -eq 1 ]
	[[ "$output" == *"--rootless: 'yes' is not true, false or auto"* ]]
	run rt create --preserve-fds 4294967295 c1
	[ "$status" -eq 1 ]
	[[ "$output" == *"--preserve-fds"*"out of range"* ]]

	set_args /bin/test-init sleep 100
	run_detached c1
	# a day in minutes would wrap an unsigned count of milliseconds
	run rt events --interval 100000m c1
	[ "$status" -eq 1 ]
	[[ "$output" == *"--interval: invalid duration '100000m'"* ]]
	run rt update --cpu-shares -5 c1
	[ "$status" -eq 1 ]
	[[ "$output" == *"--cpu-shares"* ]]
	run rt update --cpu-period -1 c1
	[ "$status" -eq 1 ]
	[[ "$output" == *"--cpu-period"* ]]
}
