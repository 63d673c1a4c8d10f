#!/usr/bin/env bats
# healthchecks past their --health-timeout: the probe is recorded as failed
# and killed (berth-shim's exec_kill), as docker kills it, so that probes
# cannot pile up in the container.

load ../helpers/common
load containers-helpers

setup() { api_setup; }
teardown() { api_teardown; }

@test "a probe past its timeout makes the container unhealthy and is killed" {
	# interval 5s: the next probe starts ~5s after the first one's result,
	# so right after the event no probe may be running legitimately
	"$DOCKER" run -d --name hs --health-cmd 'sleep 100' --health-timeout 1s \
		--health-interval 5s --health-retries 1 busybox sleep 1000
	run await_output 1 '^health_status' "$DOCKER" events --since 0 \
		--filter container=hs --format '{{.Action}}'
	[ "$output" = "health_status: unhealthy" ]
	run "$DOCKER" inspect hs
	[ "$(jq -r '.[0].State.Health.Status' <<<"$output")" = unhealthy ]
	[ "$(jq -r '.[0].State.Health.Log[-1].ExitCode' <<<"$output")" -eq -1 ]
	[[ "$(jq -r '.[0].State.Health.Log[-1].Output' <<<"$output")" == *"exceeded timeout"* ]]
	# the killed probe was reaped before its result was recorded
	run "$DOCKER" exec hs ps -o pid,args
	[ "$status" -eq 0 ]
	echo "$output"
	[[ "$output" == *"sleep 1000"* ]]
	[ "$(grep -cE 'sleep 100$' <<<"$output")" -eq 0 ]
}
