#!/usr/bin/env bats
# Pull, push and login through berthd (src/daemon/api/images.c) with the
# real docker CLI against Debian's docker-registry on 127.0.0.1 (open and
# htpasswd) and the fake registry (tests/helpers/fake-registry.py): push,
# rmi, pull back with docker's progress lines; pull by digest; login then
# push, a bad password refused; a missing tag and a lying registry are
# clear errors that add no image; pull and push events.

bats_require_minimum_version 1.5.0

load ../helpers/common
load ../helpers/interop
load ../helpers/registry
load ../helpers/daemon

IMG=berth-busybox:test

setup_file()
{
	registry_setup_file docker-registry docker python3 jq curl htpasswd
	OPEN_PORT=$(registry_start open)
	AUTH_PORT=$(registry_start auth auth)
	export OPEN_PORT AUTH_PORT
	fake_registry_start
	INTEROP_IMAGE=$IMG interop_make_image_tar "$REG_DIR/img"
}

teardown_file()
{
	registry_teardown_file
}

setup()
{
	common_setup
	# berthd_start points DOCKER_CONFIG (the CLI's logins) into the test's dir
	berthd_start
	run -0 docker load -i "$REG_DIR/img/busybox.tar"
	IMG_ID=$(docker image inspect --format '{{.Id}}' "$IMG")
}

teardown()
{
	berthd_stop
	# a sanitizer build reports into berthd's log: that fails the test
	if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$BERTHD_LOG" 2>/dev/null; then
		cat "$BERTHD_LOG" >&2
		common_teardown
		return 1
	fi
	common_teardown
}

@test "push, rmi, pull back: docker's progress lines, the same image ID" {
	local ref=127.0.0.1:$OPEN_PORT/test/busybox:1
	run -0 docker tag "$IMG" "$ref"
	run -0 docker push "$ref"
	echo "$output"
	[ "${lines[0]}" = "The push refers to repository [127.0.0.1:$OPEN_PORT/test/busybox]" ]
	[[ $output == *": Pushed"* ]]
	[[ ${lines[-1]} =~ ^1:\ digest:\ sha256:[0-9a-f]{64}\ size:\ [0-9]+$ ]]
	local digest=${lines[-1]#1: digest: }
	digest=${digest%% *}

	# a second push finds every layer there
	run -0 docker push "$ref"
	[[ $output == *"Layer already exists"* ]]

	run -0 docker rmi "$ref" "$IMG"
	run -0 docker images -q
	[ -z "$output" ]

	run -0 docker pull "$ref"
	echo "$output"
	[ "${lines[0]}" = "1: Pulling from test/busybox" ]
	[[ $output == *": Pull complete"* ]]
	[[ $output == *"Digest: $digest"* ]]
	[[ $output == *"Status: Downloaded newer image for $ref"* ]]
	[ "${lines[-1]}" = "$ref" ]
	run -0 docker image inspect --format '{{.Id}} {{index .RepoDigests 0}}' "$ref"
	[ "$output" = "$IMG_ID 127.0.0.1:$OPEN_PORT/test/busybox@$digest" ]

	run -0 docker pull "$ref"
	[[ $output == *"Status: Image is up to date for $ref"* ]]

	# by digest: the same image, no tag
	run -0 docker rmi "$ref"
	run -0 docker pull "127.0.0.1:$OPEN_PORT/test/busybox@$digest"
	echo "$output"
	[[ $output == *"Status: Downloaded newer image for 127.0.0.1:$OPEN_PORT/test/busybox@$digest"* ]]
	run -0 docker image inspect --format '{{.Id}} {{len .RepoTags}}' "127.0.0.1:$OPEN_PORT/test/busybox@$digest"
	[ "$output" = "$IMG_ID 0" ]
}

@test "pull of a missing tag or repository: a clear error, no image" {
	run -0 docker rmi "$IMG"
	run docker pull "127.0.0.1:$OPEN_PORT/test/nothing:here"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"Error response from daemon"* ]]
	[[ $output == *"127.0.0.1:$OPEN_PORT/test/nothing:here"* ]]
	run -0 docker images -q
	[ -z "$output" ]
	# an invalid reference never reaches a registry
	run docker pull "127.0.0.1:$OPEN_PORT/UPPER:x"
	[ "$status" -ne 0 ]
}

@test "a registry that lies about a digest: the CLI shows the error and fails" {
	run -0 docker rmi "$IMG"
	run docker pull "127.0.0.1:$FAKE_PORT/pull/baddigest:1"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"digest mismatch"* ]]
	run docker pull "127.0.0.1:$FAKE_PORT/pull/truncated:1"
	echo "$output"
	[ "$status" -eq 1 ]
	run -0 docker images -q
	[ -z "$output" ]
	# the same registry serving a good image works
	run -0 docker pull "127.0.0.1:$FAKE_PORT/pull/good:1"
	run -0 docker images -q
	[ -n "$output" ]
}

@test "login to the htpasswd registry, then push; a bad password is refused" {
	local reg=127.0.0.1:$AUTH_PORT ref=127.0.0.1:$AUTH_PORT/test/busybox:auth
	run -0 docker tag "$IMG" "$ref"

	run docker push "$ref"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *unauthorized* || $output == *"no basic auth credentials"* ]]

	run docker login -u "$REG_USER" --password-stdin "$reg" <<<"wrong"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *unauthorized* ]]
	[ ! -e "$DOCKER_CONFIG/config.json" ] || ! grep -q "$reg" "$DOCKER_CONFIG/config.json"

	run -0 docker login -u "$REG_USER" --password-stdin "$reg" <<<"$REG_PASS"
	echo "$output"
	[[ $output == *"Login Succeeded"* ]]
	grep -q "$reg" "$DOCKER_CONFIG/config.json"
	# berthd stored nothing of it
	run ! grep -rqs "$REG_USER" "$BERTH_DATA_ROOT"

	run -0 docker push "$ref"
	echo "$output"
	[[ ${lines[-1]} =~ ^auth:\ digest:\ sha256: ]]
	run -0 docker rmi "$ref"
	run -0 docker pull "$ref"
	run -0 docker image inspect --format '{{.Id}}' "$ref"
	[ "$output" = "$IMG_ID" ]

	run -0 docker logout "$reg"
	run -0 docker rmi "$ref"
	run docker pull "$ref"
	[ "$status" -eq 1 ]
}

@test "events: pull and push appear in docker events --since" {
	local since ref=127.0.0.1:$OPEN_PORT/test/events:1
	since=$(date +%s)
	run -0 docker tag "$IMG" "$ref"
	run -0 docker push "$ref"
	run -0 docker rmi "$ref"
	run -0 docker pull "$ref"
	run -0 docker events --since "$since" --until "$(($(date +%s) + 1))" \
		--filter type=image --format '{{.Action}} {{.Actor.ID}}'
	echo "$output"
	[[ $output == *"tag $IMG_ID"* ]]
	[[ $output == *"push $ref"* ]]
	[[ $output == *"untag $IMG_ID"* ]]
	[[ $output == *"pull $ref"* ]]
}

@test "two pulls at once, each on its own store handle, both complete" {
	local a=127.0.0.1:$OPEN_PORT/test/par:a b=127.0.0.1:$FAKE_PORT/pull/good:1
	run -0 docker tag "$IMG" "$a"
	run -0 docker push "$a"
	run -0 docker rmi "$a" "$IMG"
	docker pull "$a" >"$BERTH_TEST_TMP/a.out" 2>&1 &
	local pa=$!
	docker pull "$b" >"$BERTH_TEST_TMP/b.out" 2>&1 &
	local pb=$!
	# the daemon's own store answers while both are in flight
	run -0 docker images -q
	wait "$pa" || { cat "$BERTH_TEST_TMP/a.out"; return 1; }
	wait "$pb" || { cat "$BERTH_TEST_TMP/b.out"; return 1; }
	run -0 docker image inspect --format '{{.Id}}' "$a"
	[ "$output" = "$IMG_ID" ]
	run -0 docker image inspect --format '{{len .RootFS.Layers}}' "$b"
	[ "$output" = 1 ]
}

@test "X-Registry-Auth: base64url, standard base64, e30= and garbage" {
	local sock=${DOCKER_HOST#unix://} ref=127.0.0.1:$AUTH_PORT/test/busybox:hdr
	run -0 docker tag "$IMG" "$ref"
	local json b64 b64url
	json=$(jq -cn --arg u "$REG_USER" --arg p "$REG_PASS" '{username: $u, password: $p}')
	b64=$(printf '%s' "$json" | base64 -w0)
	b64url=$(printf '%s' "$b64" | tr '+/' '-_' | tr -d '=')
	for hdr in "$b64" "$b64url"; do
		run -0 curl -sf --unix-socket "$sock" -X POST -H "X-Registry-Auth: $hdr" \
			"http://d/v1.47/images/127.0.0.1:$AUTH_PORT%2Ftest%2Fbusybox/push?tag=hdr"
		echo "$output"
		[[ $output == *'"aux":{"Tag":"hdr"'* ]]
	done
	# "{}": anonymous, refused by the registry inside the stream
	run -0 curl -s --unix-socket "$sock" -X POST -H "X-Registry-Auth: e30=" \
		"http://d/v1.47/images/127.0.0.1:$AUTH_PORT%2Ftest%2Fbusybox/push?tag=hdr"
	[[ $output == *'"errorDetail"'* || $output == *'"message"'* ]]
	run -0 curl -s -w '%{http_code}' -o /dev/null --unix-socket "$sock" -X POST \
		-H 'X-Registry-Auth: !!!not base64' \
		"http://d/v1.47/images/127.0.0.1:$AUTH_PORT%2Ftest%2Fbusybox/push?tag=hdr"
	[ "$output" = 400 ]
}
