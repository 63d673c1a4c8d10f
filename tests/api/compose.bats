#!/usr/bin/env bats
# docker-compose 1.29 (Debian's, docker-py underneath, API 1.38) against
# berthd: a two-service application with its own network, a named volume
# and a published port.  "web" is busybox httpd serving the volume;
# "client" fetches http://web/ by service name (embedded DNS) and writes
# what it got into the volume, where web serves it to the host.  up, ps,
# logs, exec (through the docker CLI and through compose's own API calls),
# a second up that finds everything up to date, then down -v: no
# container, network or volume is left, and the leak check passes.
# Only the local busybox image: compose never pulls one that exists.

load ../helpers/common
load containers-helpers

setup()
{
	command -v docker-compose >/dev/null || skip "docker-compose is not installed (apt-get install docker-compose)"
	api_setup
	APP=$BERTH_TEST_TMP/app
	mkdir -p "$APP"
	WEB_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	export WEB_PORT
	# $$ is a literal $ for compose; ${WEB_PORT} is compose's interpolation.
	# SIGKILL: httpd and sleep run as pid 1 and ignore SIGTERM
	cat >"$APP/docker-compose.yml" <<-'EOF'
		version: "3.7"
		services:
		  web:
		    image: busybox:latest
		    command: ["sh", "-c", "echo served-by-web > /www/index.html && exec httpd -f -p 80 -h /www"]
		    volumes:
		      - data:/www
		    ports:
		      - "127.0.0.1:${WEB_PORT}:80"
		    stop_signal: SIGKILL
		  client:
		    image: busybox:latest
		    depends_on: [web]
		    volumes:
		      - data:/data
		    command: ["sh", "-c", "until wget -qO /data/fetched.tmp http://web/; do sleep 0.2; done; mv /data/fetched.tmp /data/fetched.txt; echo \"fetched: $$(cat /data/fetched.txt)\"; exec sleep 1000"]
		    stop_signal: SIGKILL
		volumes:
		  data: {}
	EOF
}

teardown()
{
	# a failed test still takes its project down before the leak check
	if [ -n "${BERTHD_PID:-}" ] && [ -d "${APP:-}" ]; then
		compose down -v -t 0 >/dev/null 2>&1 || true
	fi
	api_teardown
}

# docker-compose in the app's directory, project "composetest", plain output
compose()
{
	(cd "$APP" && docker-compose -p composetest --ansi never "$@")
}

# retry N COMMAND...: run COMMAND until it succeeds, at most N times 0.2 s
# apart (a server in a container that is starting; a client's retry loop)
retry()
{
	local n=$1 i
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.2
	done
	"$@"
}

# The body of http://127.0.0.1:$WEB_PORT/$1 is $2
page_is()
{
	[ "$(curl -fsS --max-time 5 "http://127.0.0.1:$WEB_PORT/$1" 2>/dev/null)" = "$2" ]
}

@test "docker-compose: up, reach by service name, ps, exec, up again, down -v leaves nothing" {
	run compose up -d
	echo "$output"
	[ "$status" -eq 0 ]

	# the published port answers from the host
	retry 150 page_is "" served-by-web
	# client fetched http://web/ by service name and wrote it to the volume
	retry 150 page_is fetched.txt served-by-web
	run compose logs --no-color client
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"fetched: served-by-web"* ]]

	# exec through the docker CLI (compose's default) and through
	# compose's own exec_create/exec_start
	run compose exec -T client wget -qO- http://web/ </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = served-by-web ]
	COMPOSE_INTERACTIVE_NO_CLI=1 run compose exec -T client wget -qO- http://web/ </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = served-by-web ]
	# the exit code of the exec'd command passes through
	run compose exec -T client sh -c 'exit 3' </dev/null
	[ "$status" -eq 3 ]

	# ps lists both, running, with the published port
	run compose ps
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *composetest_web_1*Up*"127.0.0.1:$WEB_PORT->80/tcp"* ]]
	[[ $output == *composetest_client_1*Up* ]]
	[ "$(compose ps --services | sort | tr '\n' ' ')" = "client web " ]
	[ "$(compose ps -q | wc -l)" -eq 2 ]

	# what compose made, as the docker CLI sees it: the project's network
	# with both containers on it under their service names, the volume
	run "$DOCKER" network inspect composetest_default
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[0].Driver' <<<"$output")" = bridge ]
	[ "$(jq -r '.[0].Labels["com.docker.compose.project"]' <<<"$output")" = composetest ]
	[ "$(jq -r '.[0].Containers | length' <<<"$output")" -eq 2 ]
	run "$DOCKER" inspect composetest_client_1
	[ "$status" -eq 0 ]
	jq -e '.[0].NetworkSettings.Networks.composetest_default.Aliases | index("client")' <<<"$output"
	[ "$("$DOCKER" volume ls -q)" = composetest_data ]

	# a second up finds the network, volume and containers as they should be
	run compose up -d
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"composetest_web_1 is up-to-date"* ]]
	[[ $output == *"composetest_client_1 is up-to-date"* ]]
	[[ $output != *"needs to be recreated"* ]]

	run compose down -v
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"Removing network composetest_default"* ]]
	[[ $output == *"Removing volume composetest_data"* ]]
	[ -z "$("$DOCKER" ps -aq)" ]
	[ "$("$DOCKER" network ls --format '{{.Name}}' | sort | tr '\n' ' ')" = "bridge host none " ]
	[ -z "$("$DOCKER" volume ls -q)" ]
	run curl -fsS --max-time 2 "http://127.0.0.1:$WEB_PORT/"
	[ "$status" -ne 0 ]
}
