#!/usr/bin/env bats
# berth-runtime exec: a new process in a running container's namespaces
# and cgroup, with the command line's overrides and exit codes.

load ../helpers/common
load runtime-helpers

setup_file() { runtime_setup_file; }
setup()
{
	runtime_setup
	set_args /bin/test-init sleep 100
	run_detached c1
}
teardown() { runtime_teardown; }

@test "exec runs in the container's namespaces" {
	run rt exec c1 /bin/test-init report
	[ "$status" -eq 0 ]
	[ "$(jq -r .pid <<<"$output")" -gt 1 ]
	[ "$(jq -r .hostname <<<"$output")" = berth-test ]
	[ "$(jq -c .fds <<<"$output")" = "[0,1,2]" ]
}

@test "exec propagates the exit code" {
	run rt exec c1 /bin/test-init exit 3
	[ "$status" -eq 3 ]
}

@test "exec --env, --cwd and --user" {
	run rt exec --env FOO=bar --cwd /tmp --user 65534:65534 c1 /bin/test-init report
	[ "$status" -eq 0 ]
	[ "$(jq -r '.env[] | select(. == "FOO=bar")' <<<"$output")" = FOO=bar ]
	[ "$(jq -r .cwd <<<"$output")" = /tmp ]
	[ "$(jq -r .uid <<<"$output")" -eq 65534 ]
	[ "$(jq -r .gid <<<"$output")" -eq 65534 ]
}

@test "exec --process reads a process.json" {
	jq -n '{"cwd": "/", "args": ["/bin/test-init", "exit", "5"], "user": {"uid": 0, "gid": 0}}' \
		>"$BERTH_TEST_TMP/process.json"
	run rt exec --process "$BERTH_TEST_TMP/process.json" c1
	[ "$status" -eq 5 ]
}

@test "exec --detach --pid-file" {
	rt exec -d --pid-file "$BERTH_TEST_TMP/pid" c1 /bin/test-init sleep 100 \
		</dev/null >/dev/null 2>&1
	pid=$(cat "$BERTH_TEST_TMP/pid")
	[ -d "/proc/$pid" ]
	# the same cgroups and namespaces as the init
	init=$(rt_pid c1)
	[ "$(cat "/proc/$pid/cgroup")" = "$(cat "/proc/$init/cgroup")" ]
	for ns in pid mnt net ipc uts cgroup; do
		[ "$(readlink "/proc/$pid/ns/$ns")" = "$(readlink "/proc/$init/ns/$ns")" ]
	done
	run rt ps --format json c1
	[ "$status" -eq 0 ]
	[ "$(jq length <<<"$output")" -eq 2 ]
}

@test "exec of a missing binary fails with runc's message" {
	run rt exec c1 nosuch
	[ "$status" -eq 1 ]
	[[ "$output" == *'exec: "nosuch": executable file not found in $PATH'* ]]
}

@test "exec into a stopped container fails" {
	rt kill c1 KILL
	wait_status c1 stopped
	run rt exec c1 /bin/true
	[ "$status" -eq 1 ]
	[[ "$output" == *"stopped"* ]]
}

@test "exec --cap adds a capability to the process only" {
	# CAP_SYS_ADMIN is 21; the spec's default set lacks it
	run rt exec c1 /bin/test-init report
	[ "$status" -eq 0 ]
	[ $((0x$(jq -r .CapEff <<<"$output") >> 21 & 1)) -eq 0 ]
	run rt exec --cap CAP_SYS_ADMIN c1 /bin/test-init report
	[ "$status" -eq 0 ]
	[ $((0x$(jq -r .CapEff <<<"$output") >> 21 & 1)) -eq 1 ]
	[ $((0x$(jq -r .CapBnd <<<"$output") >> 21 & 1)) -eq 1 ]
	pid=$(rt_pid c1)
	[ $((0x$(awk '$1 == "CapEff:" { print $2 }' "/proc/$pid/status") >> 21 & 1)) -eq 0 ]
}

@test "exec --no-new-privs sets no_new_privs where the config does not" {
	update_config '.process.noNewPrivileges = false'
	run_detached c2
	run rt exec c2 /bin/test-init report
	[ "$status" -eq 0 ]
	[ "$(jq -r .no_new_privs <<<"$output")" -eq 0 ]
	run rt exec --no-new-privs c2 /bin/test-init report
	[ "$status" -eq 0 ]
	[ "$(jq -r .no_new_privs <<<"$output")" -eq 1 ]
}
