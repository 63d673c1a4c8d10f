# cli-helpers.bash: what tests/cli/*.bats share.  A berthd of the test's own
# (tests/helpers/daemon.bash) with busybox:latest loaded, BERTH_HOST and
# DOCKER_HOST both pointing at it, and `both`, which runs one command line
# through berth and through the real docker CLI and compares what they
# print once IDs, times and the program name are normalised.
#
#   load ../helpers/common
#   load cli-helpers
#   setup() { cli_setup; }
#   teardown() { cli_teardown; }

# shellcheck source=../api/containers-helpers.bash
source "$BERTH_REPO/tests/api/containers-helpers.bash"

cli_setup()
{
	require_root
	api_setup || return 1
	[ -x "$BERTH" ] || skip "berth is not built"
	export BERTH_HOST=$DOCKER_HOST
	# neither CLI may read the host's config (contexts, credentials, psFormat)
	export DOCKER_CONFIG=$BERTH_TEST_TMP/docker-config
	mkdir -p "$DOCKER_CONFIG"
}

cli_teardown()
{
	api_teardown
}

# Normalise CLI output read on stdin so that berth's and docker's can be
# compared: full and short IDs, digests, "... ago" and "Up ..." times, the
# program name in messages ("See 'berth ps --help'.").
cli_normalise()
{
	sed -E \
		-e 's/sha256:[0-9a-f]{64}/sha256:<DIGEST>/g' \
		-e 's/\b[0-9a-f]{64}\b/<ID>/g' \
		-e 's/\b[0-9a-f]{12}\b/<ID>/g' \
		-e 's/(Less than a second|1 second|About a minute|About an hour|[0-9]+ (seconds|minutes|hours|days|weeks|months|years)) ago/<AGO>/g' \
		-e 's/Up (Less than a second|1 second|About a minute|About an hour|[0-9]+ (seconds|minutes|hours|days|weeks|months|years))/Up <T>/g' \
		-e 's/Exited \(([0-9]+)\) (Less than a second|1 second|About a minute|About an hour|[0-9]+ (seconds|minutes|hours|days|weeks|months|years)) ago/Exited (\1) <AGO>/g' \
		-e "s/'berth /'docker /g; s/\"berth /\"docker /g; s/^berth:/docker:/; s/Usage:  berth /Usage:  docker /g" \
		-e 's/(^|[^[:alnum:]_./-])berth( |$)/\1docker\2/g' |
		# a table with times: the widths of its columns follow the clock
		# ("Less than a second ago" vs "1 second ago" a moment later), so
		# the gaps between columns are not compared there
		awk '{ a[NR] = $0 } /<AGO>|Up <T>/ { t = 1 }
			END { for (i = 1; i <= NR; i++) { if (t) gsub(/  +/, "   ", a[i]); print a[i] } }'
}

# both ARGS...: run `berth ARGS` and `docker ARGS` (stdout and stderr
# together, stdin from /dev/null) and fail unless exit status and
# normalised output match.  Sets berth_status, docker_status, berth_output,
# docker_output (normalised) for further checks.  With BOTH_SORT=1 the
# lines are compared in sorted order.
both()
{
	berth_status=0 docker_status=0
	berth_output=$("$BERTH" "$@" </dev/null 2>&1) || berth_status=$?
	docker_output=$("$DOCKER" "$@" </dev/null 2>&1) || docker_status=$?
	berth_output=$(cli_normalise <<<"$berth_output")
	docker_output=$(cli_normalise <<<"$docker_output")
	# BOTH_SORT=1: the order of lines is not defined (docker walks a Go map)
	if [ -n "${BOTH_SORT:-}" ]; then
		berth_output=$(sort <<<"$berth_output")
		docker_output=$(sort <<<"$docker_output")
	fi
	if [ "$berth_status" != "$docker_status" ] || [ "$berth_output" != "$docker_output" ]; then
		echo "berth $* -> $berth_status:" >&2
		printf '%s\n' "$berth_output" >&2
		echo "docker $* -> $docker_status:" >&2
		printf '%s\n' "$docker_output" >&2
		diff <(printf '%s\n' "$docker_output") <(printf '%s\n' "$berth_output") >&2 || true
		return 1
	fi
}
