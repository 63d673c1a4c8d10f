#!/usr/bin/env bats
# berth run, create and start against the real docker CLI, both talking to
# one berthd.  The strongest check of the flag translation: the same flags
# given to `berth create` and to `docker create` must make containers whose
# Config and HostConfig inspect the same.  Then what run prints and how it
# exits (0, the container's code, 125, 126/127 as docker maps them), --rm,
# -d, --cidfile, --name conflicts, -e/-w/-u inside the container, and
# start with and without -a.

load ../helpers/common
load ../helpers/interop
load ../helpers/registry
load cli-helpers

setup()
{
	cli_setup
}

teardown()
{
	# the registry of the pull test, when it started one
	registry_teardown_file
	cli_teardown
}

# The settings of container $1 that the command line decides, with what
# differs by nature between two containers (IDs, names, the hostname that
# defaults to the short ID) taken out
settings()
{
	"$DOCKER" inspect "$1" | jq -S '.[0] | {Path, Args, Config, HostConfig}
		| .Config.Hostname |= (if test("^[0-9a-f]{12}$") then "<ID>" else . end)
		| .Config.Env |= (if . then sort else . end)
		| del(.HostConfig.ContainerIDFile)'
}

# same_create ARGS...: `docker create ARGS` and `berth create ARGS` (the
# image and command included in ARGS) must both succeed and make the same
# container, or both fail with the same message
pair=0
same_create()
{
	pair=$((pair + 1))
	local d_out d_rc=0 b_out b_rc=0
	d_out=$("$DOCKER" create "$@" 2>&1) || d_rc=$?
	b_out=$("$BERTH" create "$@" 2>&1) || b_rc=$?
	if [ "$d_rc" != "$b_rc" ] || [ "$(cli_normalise <<<"$d_out")" != "$(cli_normalise <<<"$b_out")" ]; then
		echo "create $*: docker -> $d_rc: $d_out" >&2
		echo "create $*: berth  -> $b_rc: $b_out" >&2
		return 1
	fi
	[ "$d_rc" = 0 ] || return 0
	local d_set b_set
	d_set=$(settings "$d_out") || return 1
	b_set=$(settings "$b_out") || return 1
	if [ "$d_set" != "$b_set" ]; then
		echo "create $*: the containers differ (< docker, > berth):" >&2
		diff <(printf '%s\n' "$d_set") <(printf '%s\n' "$b_set") >&2 || true
		return 1
	fi
	"$DOCKER" rm -f "$d_out" "$b_out" >/dev/null
}

@test "create: no flags, command, entrypoint, user, workdir, env, labels" {
	same_create busybox
	same_create busybox echo a 'b c'
	same_create --entrypoint "" busybox sh -c 'echo $0'
	same_create --entrypoint /bin/sh -u 1:2 -w /tmp -h host1 --domainname example.org busybox -c true
	FROM_ENV=yes same_create -e A=1 -e B -e FROM_ENV -l a=b -l flag busybox
	printf '# comment\nX=1\n  Y=2 \nFROM_ENV\n' >"$BERTH_TEST_TMP/env"
	printf 'tier=front\n' >"$BERTH_TEST_TMP/labels"
	FROM_ENV=yes same_create --env-file "$BERTH_TEST_TMP/env" --label-file "$BERTH_TEST_TMP/labels" -l b=2 busybox
}

@test "create: ports, volumes, mounts, tmpfs" {
	same_create -p 127.0.0.1:8080:80/udp -p 9000-9001:90-91 -p 53 -P --expose 7000-7001 busybox
	same_create -p 8000-8010:70 -p published=7000,target=71,protocol=udp busybox
	same_create -v "$BERTH_TEST_TMP:/t:ro" -v /anon busybox
	same_create --mount type=tmpfs,target=/m,tmpfs-size=1m,tmpfs-mode=1770 --tmpfs /run:size=1m --tmpfs /x busybox
	same_create --mount "type=bind,src=$BERTH_TEST_TMP,dst=/b,ro,bind-propagation=rslave" busybox
}

@test "create: resources, restart, health, stop, init, ulimits" {
	same_create -m 64m --memory-swap 128m --memory-reservation 32m --cpus 1.5 --cpu-shares 512 \
		--cpuset-cpus 0 --pids-limit 10 --shm-size 1g --oom-score-adj 5 busybox
	same_create --cpu-period 100000 --cpu-quota 50000 --memory-swap -1 -m 1g busybox
	same_create --restart on-failure:3 --health-cmd true --health-interval 1m30s --health-retries 2 \
		--health-timeout 500ms --health-start-period 10s --stop-signal SIGINT --stop-timeout 5 --init busybox
	same_create --restart unless-stopped --no-healthcheck --init=false busybox
	same_create --rm --ulimit nofile=100:200 --ulimit core=1 busybox
}

@test "create: security, capabilities, hosts, dns, namespaces, logging, tty" {
	same_create --cap-add NET_ADMIN --cap-add sys_time --cap-drop MKNOD --cap-drop net_admin \
		--security-opt no-new-privileges --read-only busybox
	same_create --privileged --security-opt systempaths=unconfined busybox
	same_create --add-host h:1.2.3.4 --add-host g=::1 --dns 8.8.8.8 --dns-search x.y --dns-option ndots:1 busybox
	same_create --ipc host --pid host --uts host --group-add 10 --sysctl net.ipv4.ip_forward=1 busybox
	same_create --network none --log-driver json-file --log-opt max-size=1m busybox
	same_create --network host busybox
	same_create -t -i -a stdout busybox
	same_create -i busybox cat
}

@test "create: bad values fail like docker, usage errors exit 125" {
	# flag errors (pflag's, with the usage line) and parse errors ("docker: ...")
	same_create -m abc busybox
	same_create --cpus x busybox
	same_create --health-interval 5 busybox
	same_create --ulimit nofile busybox
	same_create --add-host bad busybox
	same_create --sysctl foo busybox
	same_create -a bogus busybox
	same_create --mount type=tmpfs busybox
	same_create --restart on-failure:x busybox
	same_create --rm --restart always busybox
	same_create -p 70000:80 busybox
	same_create -v :/x busybox
	same_create --no-healthcheck --health-cmd x busybox
	same_create --pull sometimes busybox
	same_create --security-opt foo busybox
	same_create --device /dev/null:rel busybox
	same_create --network-alias x busybox
	same_create --env-file /nonexistent busybox
	# and the daemon's refusals come back the same way
	same_create --restart bogus busybox
	same_create --cpus 1 --cpu-period 1000 busybox
	both create -m abc busybox
	[ "$berth_status" = 125 ]
	both create
	[ "$berth_status" = 1 ]
}

@test "create prints the ID; a name that is taken is refused like docker" {
	both create busybox
	[ "$berth_output" = "<ID>" ]
	"$DOCKER" create --name taken busybox >/dev/null
	both create --name taken busybox
	[ "$berth_status" = 1 ]
	[[ "$berth_output" == *'Conflict. The container name "/taken" is already in use'* ]]
	both run --name taken busybox true
	[ "$berth_status" = 125 ]
}

@test "run prints the container's output and exits with its code" {
	both run busybox echo hello
	[ "$berth_output" = hello ]
	both run busybox sh -c 'echo out; echo err >&2; exit 3'
	[ "$berth_status" = 3 ]
	both run busybox sh -c 'sleep 100 & kill -9 $!; wait $!'
	[ "$berth_status" = 137 ]
	both run -a stderr busybox sh -c 'echo out; echo err >&2'
	[ "$berth_output" = err ]
}

@test "run: 125 for a bad flag, 126/127 exactly as docker maps berthd's start errors" {
	both run -m abc busybox true
	[ "$berth_status" = 125 ]
	[[ "$berth_output" == *'Usage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]'* ]]
	both run --restart on-failure:x busybox true
	[ "$berth_status" = 125 ]
	both run busybox /nonexistent
	[[ "$berth_status" =~ ^12[57]$ ]]
	both run busybox /etc
	[[ "$berth_status" =~ ^12[56]$ ]]
	both run --pull never nosuchimage
	[ "$berth_status" = 125 ]
	[[ "$berth_output" == *'No such image'* ]]
	# no registry here: the pull of a missing image fails as docker's does
	both run nosuchimage
	[ "$berth_status" = 125 ]
	[[ "$berth_output" == "Unable to find image 'nosuchimage:latest' locally"* ]]
	both run -d -a stdout busybox true
	[ "$berth_status" = 1 ]
	both run -t -i busybox true
	[ "$berth_output" = "the input device is not a TTY" ]
}

@test "run --rm leaves nothing behind; -d prints the ID and returns" {
	run "$BERTH" run --rm busybox sh -c 'echo bye; exit 5'
	[ "$status" = 5 ]
	[ "$output" = bye ]
	[ -z "$("$DOCKER" ps -aq)" ]
	run "$BERTH" run -d --name bg busybox sleep 1000
	[ "$status" = 0 ]
	[[ "$output" =~ ^[0-9a-f]{64}$ ]]
	[ "$("$DOCKER" inspect -f '{{.State.Running}} {{.Id}}' bg)" = "true $output" ]
	run "$BERTH" run -d --rm busybox true
	[ "$status" = 0 ]
	"$DOCKER" wait "$output" >/dev/null 2>&1 || true
	[ "$("$DOCKER" ps -aq --filter name=bg | wc -l)" = 1 ]
	[ "$("$DOCKER" ps -aq | wc -l)" = 1 ]
}

@test "run: -e, -w, -u and stdin reach the container" {
	both run -e A=1 -e B=two -w /tmp -u 1:2 busybox sh -c 'echo $A $B; pwd; id -u; id -g'
	[ "$berth_output" = "$(printf '1 two\n/tmp\n1\n2')" ]
	run bash -c "echo piped | '$BERTH' run -i busybox cat"
	[ "$status" = 0 ]
	[ "$output" = piped ]
	run bash -c "printf 'a\nb\n' | '$BERTH' run -i busybox wc -l"
	[ "$output" = 2 ]
}

@test "run --cidfile writes the ID and refuses a file that exists" {
	run "$BERTH" run --cidfile "$BERTH_TEST_TMP/cid" -d busybox true
	[ "$status" = 0 ]
	[ "$(cat "$BERTH_TEST_TMP/cid")" = "$output" ]
	cp "$BERTH_TEST_TMP/cid" "$BERTH_TEST_TMP/cid.docker"
	both run --cidfile "$BERTH_TEST_TMP/cid" busybox true
	[ "$berth_status" = 125 ]
	[[ "$berth_output" == *"container ID file found"* ]]
	# a create that fails leaves no ID file behind
	run "$BERTH" run --cidfile "$BERTH_TEST_TMP/cid2" --pull never nosuchimage
	[ "$status" = 125 ]
	[ ! -e "$BERTH_TEST_TMP/cid2" ]
}

@test "start: names printed, failures reported like docker, -a attaches and exits with the code" {
	"$DOCKER" create --name s1 busybox sh -c 'echo from s1; exit 4' >/dev/null
	"$DOCKER" create --name s2 busybox true >/dev/null
	both start nosuch
	[ "$berth_status" = 1 ]
	run "$BERTH" start s2 nosuch s1
	[ "$status" = 1 ]
	[ "${lines[0]}" = s2 ]
	[ "${lines[1]}" = "Error response from daemon: No such container: nosuch" ]
	[ "${lines[2]}" = s1 ]
	[ "${lines[3]}" = "Error: failed to start containers: nosuch" ]
	run "$BERTH" start -a s1
	[ "$status" = 4 ]
	[ "$output" = "from s1" ]
	both start -a s1 s2
	[ "$berth_output" = "you cannot start and attach multiple containers at once" ]
	"$DOCKER" create --name s3 -i busybox cat >/dev/null
	run bash -c "echo through | '$BERTH' start -ai s3"
	[ "$status" = 0 ]
	[ "$output" = through ]
}

@test "run pulls a missing image like docker: 'Unable to find image', progress on stderr, then runs" {
	command -v docker-registry >/dev/null || skip "docker-registry is not installed (scripts/deps.sh)"
	REG_DIR=$(mktemp -d /tmp/berth-registry.XXXXXX)
	export REG_DIR
	local port ref d_err b_err d_out b_out
	port=$(registry_start open)
	ref=127.0.0.1:$port/pulled:v1
	"$DOCKER" tag busybox "$ref"
	"$DOCKER" push "$ref" >/dev/null
	"$DOCKER" rmi "$ref" >/dev/null
	b_out=$("$BERTH" run --rm "$ref" echo ran 2>"$BERTH_TEST_TMP/b_err")
	b_err=$(cat "$BERTH_TEST_TMP/b_err")
	"$DOCKER" rmi "$ref" >/dev/null
	d_out=$("$DOCKER" run --rm "$ref" echo ran 2>"$BERTH_TEST_TMP/d_err")
	d_err=$(cat "$BERTH_TEST_TMP/d_err")
	# stdout carries only the container's output; the pull went to stderr
	[ "$b_out" = ran ]
	[ "$d_out" = ran ]
	[[ "$b_err" == "Unable to find image '$ref' locally"* ]]
	[ "$(cli_normalise <<<"$b_err")" = "$(cli_normalise <<<"$d_err")" ]
	# -q: no pull output at all
	"$DOCKER" rmi "$ref" >/dev/null
	run "$BERTH" run -q --rm "$ref" echo quiet
	[ "$status" = 0 ]
	[ "$output" = quiet ]
	# --pull always pulls an image that is there
	run "$BERTH" create --pull always "$ref"
	[ "$status" = 0 ]
	[[ "$output" == *"Status: Image is up to date for $ref"* ]]
}
