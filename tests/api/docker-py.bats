#!/usr/bin/env bats
# docker-py (python3-docker) drives a full container lifecycle against
# berthd: tests/api/docker-py-lifecycle.py checks every step.

load ../helpers/common
load containers-helpers

setup()
{
	python3 -c 'import docker' 2>/dev/null || skip "python3-docker is not installed"
	api_setup
}
teardown() { api_teardown; }

@test "docker-py: create, start, logs, exec_run, stop, wait, remove" {
	run python3 "$BATS_TEST_DIRNAME/docker-py-lifecycle.py"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = ok ]
	[ -z "$("$DOCKER" ps -aq)" ]
}
