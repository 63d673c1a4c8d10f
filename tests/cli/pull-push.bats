#!/usr/bin/env bats
# berth pull, push, login and logout (src/cli/image/{pull,push}.c,
# src/cli/system/{login,logout}.c, src/cli/progress.c) against Debian's
# docker-registry on 127.0.0.1, open and with htpasswd auth, each scenario
# compared with the real docker CLI against the same berthd: the plain
# progress lines, -q, errors, config.json after login (base64 user:pass,
# mode 0600) and X-Registry-Auth built from it; and on a terminal (a pty)
# one line per layer redrawn in place with progress bars.

bats_require_minimum_version 1.5.0

load ../helpers/common
load ../helpers/interop
load ../helpers/registry
load cli-helpers

setup_file()
{
	registry_setup_file docker-registry python3 curl htpasswd
	OPEN_PORT=$(registry_start open)
	# docker's pushes go to a registry of their own: berthd mounts a
	# layer it pushed to one repository into another of the same registry
	OPEN2_PORT=$(registry_start open2)
	AUTH_PORT=$(registry_start auth auth)
	export OPEN_PORT OPEN2_PORT AUTH_PORT
}

teardown_file()
{
	registry_teardown_file
}

setup()
{
	cli_setup
	OPEN=127.0.0.1:$OPEN_PORT
	OPEN2=127.0.0.1:$OPEN2_PORT
	AUTH=127.0.0.1:$AUTH_PORT
}

teardown()
{
	cli_teardown
}

# compare_outputs B D [FROM TO]...: berth's output B, with each FROM
# replaced by its TO in turn, and docker's D are the same once normalised
compare_outputs()
{
	local b=$1 d
	d=$(cli_normalise <<<"$2")
	shift 2
	while [ $# -ge 2 ]; do
		b=${b//$1/$2}
		shift 2
	done
	b=$(cli_normalise <<<"$b")
	if [ "$b" != "$d" ]; then
		printf 'berth:\n%s\ndocker:\n%s\n' "$b" "$d" >&2
		diff <(printf '%s\n' "$d") <(printf '%s\n' "$b") >&2 || true
		return 1
	fi
}

# Remove every image, so that a pull downloads its layers
remove_all_images()
{
	local ids
	ids=$("$DOCKER" images -aq | sort -u)
	[ -z "$ids" ] || "$DOCKER" rmi -f $ids >/dev/null
}

@test "push then pull: docker's lines, -q, the reference printed at the end" {
	run -0 "$BERTH" tag busybox "$OPEN/b/bb:1"
	run -0 "$BERTH" tag busybox "$OPEN2/d/bb:1"
	local ob od
	ob=$("$BERTH" push "$OPEN/b/bb:1" 2>&1)
	od=$("$DOCKER" push "$OPEN2/d/bb:1" 2>&1)
	compare_outputs "$ob" "$od" "$OPEN" "$OPEN2" b/bb d/bb
	[[ $ob == "The push refers to repository [$OPEN/b/bb]"$'\n'* ]]
	[[ $ob == *": Pushed"$'\n'"1: digest: sha256:"*" size: "* ]]

	# a second push: the layer is there already
	ob=$("$BERTH" push "$OPEN/b/bb:1" 2>&1)
	od=$("$DOCKER" push "$OPEN2/d/bb:1" 2>&1)
	compare_outputs "$ob" "$od" "$OPEN" "$OPEN2" b/bb d/bb
	[[ $ob == *": Layer already exists"* ]]
	run -0 "$BERTH" push -q "$OPEN/b/bb:1"
	[ "$output" = "$OPEN/b/bb:1" ]

	# pull into an empty store: the layer is downloaded and extracted
	remove_all_images
	ob=$("$BERTH" pull "$OPEN/b/bb:1" 2>&1)
	remove_all_images
	od=$("$DOCKER" pull "$OPEN2/d/bb:1" 2>&1)
	compare_outputs "$ob" "$od" "$OPEN" "$OPEN2" b/bb d/bb
	[[ $ob == "1: Pulling from b/bb"$'\n'*": Pull complete"$'\n'"Digest: sha256:"* ]]
	[ "${ob##*$'\n'}" = "$OPEN/b/bb:1" ]
	# no terminal: no cursor movement, no bars
	[[ $ob != *$'\e'* ]]

	run -0 "$BERTH" pull -q "$OPEN/b/bb:1"
	[ "$output" = "$OPEN/b/bb:1" ]
	both pull "$OPEN2/d/bb:1"
	[[ $berth_output == *"Status: Image is up to date for $OPEN2/d/bb:1"* ]]
	# one image under two names: docker lists its tags in Go map order
	BOTH_SORT=1 both images
}

@test "pull and push: default tag, digests, -a and errors as docker" {
	run -0 "$BERTH" tag busybox "$OPEN/e/bb:latest"
	run -0 "$BERTH" push -q "$OPEN/e/bb"
	[ "$output" = "$OPEN/e/bb:latest" ]
	both pull "$OPEN/e/bb"
	[[ $berth_output == "Using default tag: latest"$'\n'* ]]
	both push "$OPEN/e/bb"
	local digest
	digest=$("$DOCKER" image inspect --format '{{index .RepoDigests 0}}' "$OPEN/e/bb")
	both pull "$digest"
	both pull -a "$OPEN/e/bb:latest"
	[ "$berth_status" -eq 1 ]
	both pull "$OPEN/e/bb:nope"
	[ "$berth_status" -eq 1 ]
	both pull "$OPEN/nothere/bb:1"
	both push "$OPEN/e/nothere:1"
	[ "$berth_status" -eq 1 ]
	[ "$berth_output" = "Error response from daemon: An image does not exist locally with the tag: $OPEN/e/nothere:1" ]
	both pull
	[ "$berth_status" -eq 1 ]
	both push a b
	[ "$berth_status" -eq 1 ]
	# one image under two names: docker prints its tags in map order
	BOTH_SORT=1 both images
}

@test "login and logout: the messages, config.json as docker writes it, mode 0600" {
	local cb=$BERTH_TEST_TMP/cfg-berth cd=$BERTH_TEST_TMP/cfg-docker ob od
	mkdir -p "$cb" "$cd"
	ob=$(printf '%s\n' "$REG_PASS" | DOCKER_CONFIG=$cb "$BERTH" login -u "$REG_USER" --password-stdin "$AUTH" 2>&1)
	od=$(printf '%s\n' "$REG_PASS" | DOCKER_CONFIG=$cd "$DOCKER" login -u "$REG_USER" --password-stdin "$AUTH" 2>&1)
	compare_outputs "$ob" "$od" "$cb" "$cd"
	[[ $ob == *"Login Succeeded" ]]
	diff <(jq -S . "$cb/config.json") <(jq -S . "$cd/config.json")
	[ "$(jq -r --arg a "$AUTH" '.auths[$a].auth' "$cb/config.json" | base64 -d)" = "$REG_USER:$REG_PASS" ]
	[ "$(stat -c %a "$cb/config.json")" = 600 ]

	# again, without flags: the stored credentials are tried first
	ob=$(DOCKER_CONFIG=$cb "$BERTH" login "$AUTH" 2>&1 </dev/null)
	od=$(DOCKER_CONFIG=$cd "$DOCKER" login "$AUTH" 2>&1 </dev/null)
	compare_outputs "$ob" "$od" "$cb" "$cd"
	[[ $ob == "Authenticating with existing credentials... [Username: $REG_USER]"* ]]

	# a wrong password: refused, nothing stored over the good one
	ob=$(echo wrong | DOCKER_CONFIG=$cb "$BERTH" login -u "$REG_USER" --password-stdin "$AUTH" 2>&1) && false
	od=$(echo wrong | DOCKER_CONFIG=$cd "$DOCKER" login -u "$REG_USER" --password-stdin "$AUTH" 2>&1) && false
	compare_outputs "$ob" "$od" "$cb" "$cd"
	diff <(jq -S . "$cb/config.json") <(jq -S . "$cd/config.json")

	# other keys of config.json are kept; logout removes only the login
	jq '. + {psFormat: "table {{.ID}}"}' "$cb/config.json" >"$cb/c" && mv "$cb/c" "$cb/config.json"
	jq '. + {psFormat: "table {{.ID}}"}' "$cd/config.json" >"$cd/c" && mv "$cd/c" "$cd/config.json"
	ob=$(DOCKER_CONFIG=$cb "$BERTH" logout "$AUTH" 2>&1)
	od=$(DOCKER_CONFIG=$cd "$DOCKER" logout "$AUTH" 2>&1)
	compare_outputs "$ob" "$od" "$cb" "$cd"
	[ "$ob" = "Removing login credentials for $AUTH" ]
	diff <(jq -S . "$cb/config.json") <(jq -S . "$cd/config.json")
	[ "$(jq -r .psFormat "$cb/config.json")" = "table {{.ID}}" ]

	# flag errors, as docker's
	both login -p x --password-stdin "$AUTH"
	both login --password-stdin "$AUTH"
	both login -u x "$AUTH"
	[ "$berth_output" = "Error: Cannot perform an interactive login from a non TTY device" ]
	both logout
	[ "$berth_output" = "Removing login credentials for https://index.docker.io/v1/" ]
}

@test "push and pull with credentials: X-Registry-Auth from berth login, refused after logout" {
	run -0 "$BERTH" tag busybox "$AUTH/b/bb:1"
	run -0 "$BERTH" tag busybox "$AUTH/d/bb:1"
	local ob od
	# before login: the registry's refusal, as docker shows it
	ob=$("$BERTH" push "$AUTH/b/bb:1" 2>&1) && false
	od=$("$DOCKER" push "$AUTH/d/bb:1" 2>&1) && false
	compare_outputs "$ob" "$od" b/bb d/bb

	printf '%s\n' "$REG_PASS" | "$BERTH" login -u "$REG_USER" --password-stdin "$AUTH"
	run -0 "$BERTH" push "$AUTH/b/bb:1"
	[[ $output == *": Pushed"* ]]
	# docker reads what berth stored
	run -0 "$DOCKER" push "$AUTH/d/bb:1"
	remove_all_images
	run -0 "$BERTH" pull "$AUTH/b/bb:1"
	[ "${lines[-1]}" = "$AUTH/b/bb:1" ]

	run -0 "$BERTH" logout "$AUTH"
	remove_all_images
	ob=$("$BERTH" pull "$AUTH/b/bb:1" 2>&1) && false
	od=$("$DOCKER" pull "$AUTH/d/bb:1" 2>&1) && false
	compare_outputs "$ob" "$od" b/bb d/bb
	[[ $ob == *"unauthorized"* ]]
}

@test "pull on a terminal: one line per layer redrawn in place, with progress bars" {
	run -0 "$BERTH" tag busybox "$OPEN/tty/bb:1"
	run -0 "$BERTH" push -q "$OPEN/tty/bb:1"
	remove_all_images
	# a 120x40 pty: wide enough for docker's 50-cell bar
	run -0 python3 - "$BERTH" pull "$OPEN/tty/bb:1" <<'EOF'
import fcntl, os, pty, struct, sys, termios
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
out = b""
while len(out) < (1 << 20):
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode("utf-8", "replace"))
sys.exit(os.waitstatus_to_exitcode(status))
EOF
	local esc=$'\e'
	# the layer's line: opened once, then reached by moving up and erased
	[[ $output == *"${esc}[1A${esc}[2K"$'\r'* ]]
	[[ $output == *"${esc}[1B"* ]]
	# a bar drawn while extracting ("[>   ...   ]" at 0, "[=====...>]" at the end)
	[[ $output =~ Extracting\ \[=*\>\ *\]\  ]]
	[[ $output == *": Pull complete "$'\r'* ]]
	[[ $output == *"Status: Downloaded newer image for $OPEN/tty/bb:1"* ]]
	[[ $output == *"$OPEN/tty/bb:1"* ]]
}
