#!/usr/bin/env bats
# The registry client (src/registry) against Debian's docker-registry
# (distribution 2.8) on 127.0.0.1, through tests/helpers/registry-tool: an
# image pushed by skopeo is read back with the same digests, blobs verify,
# anonymous access works on an open registry, htpasswd Basic auth accepts
# the right password and refuses the wrong one clearly, and login/logout
# write and erase a docker-compatible config.json that skopeo reads.  A fake
# registry (tests/helpers/fake-registry.py) checks that credentials do not follow a
# redirect to another origin, that a 503 is retried, and that a registry
# answering 401 to every fresh token ends in an error, not a loop.  TLS
# runs on [::1] (secure by default, unlike 127.0.0.0/8): verified with the
# certs.d CA, refused without it, unverified when listed as insecure.
# credHelpers / credsStore run a docker-credential-* script from PATH.

bats_require_minimum_version 1.5.0

load ../helpers/common
load ../helpers/interop
load ../helpers/registry

setup_file()
{
	registry_setup_file docker-registry skopeo htpasswd python3 jq curl openssl
	OPEN_PORT=$(registry_start open)
	AUTH_PORT=$(registry_start auth auth)
	# on [::1]: 127.0.0.0/8 is insecure by default (no verification)
	TLS_PORT=$(REG_HOST='[::1]' registry_start tls tls)
	export OPEN_PORT AUTH_PORT TLS_PORT
	# the misbehaving registry: redirects, a 503, a 401 loop
	fake_registry_start

	# the image: a busybox docker-archive, loaded into berth's image store
	# and saved again by berth, so that the pushed archive is berth's own
	INTEROP_IMAGE=localhost/berth-busybox:test interop_make_image_tar "$REG_DIR/img"
	"$IMAGE_TOOL" --root "$REG_DIR/store" load "$REG_DIR/img/busybox.tar" >/dev/null
	"$IMAGE_TOOL" --root "$REG_DIR/store" save --format docker "$REG_DIR/berth.tar" \
		localhost/berth-busybox:test
	skopeo copy -q --dest-tls-verify=false "docker-archive:$REG_DIR/berth.tar" \
		"docker://127.0.0.1:$OPEN_PORT/test/busybox:1"
	skopeo copy -q --dest-tls-verify=false --dest-creds "$REG_USER:$REG_PASS" \
		"docker-archive:$REG_DIR/berth.tar" "docker://127.0.0.1:$AUTH_PORT/test/busybox:1"
}

teardown_file()
{
	registry_teardown_file
}

setup()
{
	common_setup
	CFG=$BERTH_TEST_TMP/docker-config
}

teardown()
{
	common_teardown
}

rtool()
{
	"$REGISTRY_TOOL" --insecure --config "$CFG" "$@"
}

@test "registry: ping an open registry; a closed port is a clear error" {
	run rtool ping "127.0.0.1:$OPEN_PORT"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
	local closed
	closed=$(free_port)
	run rtool ping "127.0.0.1:$closed"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"GET http://127.0.0.1:$closed/v2/: connection refused"* ]]
}

@test "registry: manifest by tag and by digest matches skopeo's digest" {
	local want
	want=$(skopeo inspect --tls-verify=false "docker://127.0.0.1:$OPEN_PORT/test/busybox:1" | jq -r .Digest)
	[ -n "$want" ]
	run rtool manifest "127.0.0.1:$OPEN_PORT/test/busybox:1" "$BERTH_TEST_TMP/m.json"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .digest <<<"$output")" = "$want" ]
	[ "sha256:$(sha256sum "$BERTH_TEST_TMP/m.json" | cut -d' ' -f1)" = "$want" ]
	[[ $(jq -r .mediaType <<<"$output") == application/vnd.* ]]
	[ "$(jq -r .mediaType "$BERTH_TEST_TMP/m.json")" = "$(jq -r .mediaType <<<"$output")" ]

	run rtool manifest "127.0.0.1:$OPEN_PORT/test/busybox@$want"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .digest <<<"$output")" = "$want" ]

	run rtool manifest "127.0.0.1:$OPEN_PORT/test/busybox:nope"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"get manifest 'test/busybox:nope': manifest unknown"* ]]
}

@test "registry: blobs download and verify; HEAD tells present from absent" {
	rtool manifest "127.0.0.1:$OPEN_PORT/test/busybox:1" "$BERTH_TEST_TMP/m.json" >/dev/null
	local d n=0
	for d in $(jq -r '.config.digest, .layers[].digest' "$BERTH_TEST_TMP/m.json"); do
		run rtool blob "127.0.0.1:$OPEN_PORT/test/busybox:1" "$d" "$BERTH_TEST_TMP/blob"
		echo "$output"
		[ "$status" -eq 0 ]
		[ "sha256:$(sha256sum "$BERTH_TEST_TMP/blob" | cut -d' ' -f1)" = "$d" ]
		[ "$output" = "$d $(stat -c %s "$BERTH_TEST_TMP/blob")" ]
		run rtool exists "127.0.0.1:$OPEN_PORT/test/busybox:1" "$d"
		[ "$output" = "present $(stat -c %s "$BERTH_TEST_TMP/blob")" ]
		n=$((n + 1))
	done
	[ "$n" -ge 2 ]
	local absent=sha256:0000000000000000000000000000000000000000000000000000000000000000
	run rtool exists "127.0.0.1:$OPEN_PORT/test/busybox:1" "$absent"
	[ "$output" = absent ]
	run rtool blob "127.0.0.1:$OPEN_PORT/test/busybox:1" "$absent" "$BERTH_TEST_TMP/blob"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"get blob $absent: not found in 'test/busybox'"* ]]
}

@test "registry: basic auth works with the right password and fails clearly without" {
	local ref=127.0.0.1:$AUTH_PORT/test/busybox:1
	run rtool manifest "$ref"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"unauthorized: authentication required (no credentials; log in first)"* ]]

	run rtool --user "$REG_USER" --password wrong manifest "$ref"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"unauthorized: authentication required (credentials refused)"* ]]

	run rtool --user "$REG_USER" --password "$REG_PASS" manifest "$ref"
	echo "$output"
	[ "$status" -eq 0 ]
	local want
	want=$(skopeo inspect --tls-verify=false --creds "$REG_USER:$REG_PASS" "docker://$ref" | jq -r .Digest)
	[ "$(jq -r .digest <<<"$output")" = "$want" ]
}

@test "registry: login stores docker-compatible credentials, logout erases them" {
	local host=127.0.0.1:$AUTH_PORT ref=127.0.0.1:$AUTH_PORT/test/busybox:1
	run rtool login "$host" "$REG_USER" wrong
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"login to '$host'"*"unauthorized"* ]]
	[ ! -e "$CFG/config.json" ]

	# an existing config keeps its other keys
	mkdir -p "$CFG"
	echo '{"psFormat":"table {{.ID}}","auths":{"other.example":{"auth":"YTpi"}}}' >"$CFG/config.json"
	run rtool login "$host" "$REG_USER" "$REG_PASS"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "Login Succeeded" ]
	cat "$CFG/config.json"
	[ "$(stat -c %a "$CFG/config.json")" = 600 ]
	[ "$(jq -r --arg h "$host" '.auths[$h].auth' "$CFG/config.json" | base64 -d)" = "$REG_USER:$REG_PASS" ]
	[ "$(jq -r '.psFormat' "$CFG/config.json")" = "table {{.ID}}" ]
	[ "$(jq -r '.auths["other.example"].auth' "$CFG/config.json")" = YTpi ]

	# the stored credentials work for berth and for skopeo (same format)
	run rtool manifest "$ref"
	echo "$output"
	[ "$status" -eq 0 ]
	skopeo inspect --tls-verify=false --authfile "$CFG/config.json" "docker://$ref" >/dev/null

	run rtool logout "$host"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "Removing login credentials for $host" ]
	[ "$(jq -r --arg h "$host" '.auths | has($h)' "$CFG/config.json")" = false ]
	[ "$(jq -r '.auths["other.example"].auth' "$CFG/config.json")" = YTpi ]
	run rtool manifest "$ref"
	[ "$status" -eq 1 ]
	run rtool logout "$host"
	[ "$output" = "Not logged in to $host" ]
}

@test "registry: login to an open registry succeeds and stores the credentials" {
	run rtool login "127.0.0.1:$OPEN_PORT" someone anything
	echo "$output"
	[ "$status" -eq 0 ]
	jq -e --arg h "127.0.0.1:$OPEN_PORT" '.auths[$h].auth' "$CFG/config.json"
}

@test "registry: credentials stay behind on a redirect to another origin, follow on the same" {
	local f=$REG_DIR/fake
	: >"$f/log"
	run rtool --user u --password p blob "127.0.0.1:$FAKE_PORT/redir/x" "$FAKE_DIGEST" "$BERTH_TEST_TMP/b"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "sha256:$(sha256sum "$BERTH_TEST_TMP/b" | cut -d' ' -f1)" = "$FAKE_DIGEST" ]
	run rtool --user u --password p blob "127.0.0.1:$FAKE_PORT/same/x" "$FAKE_DIGEST" "$BERTH_TEST_TMP/b"
	echo "$output"
	[ "$status" -eq 0 ]
	cat "$f/log"
	[ "$(sed -n 1p "$f/log")" = "storage host=localhost:$FAKE_PORT auth=no" ]
	[ "$(sed -n 2p "$f/log")" = "storage host=127.0.0.1:$FAKE_PORT auth=yes" ]
}

@test "registry: a 503 is retried; a wrong blob digest is refused" {
	local f=$REG_DIR/fake
	: >"$f/log"
	run rtool --user u --password p blob "127.0.0.1:$FAKE_PORT/flaky/x" "$FAKE_DIGEST" "$BERTH_TEST_TMP/b"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c flaky "$f/log")" -eq 2 ]
	local other=sha256:1111111111111111111111111111111111111111111111111111111111111111
	run rtool --user u --password p blob "127.0.0.1:$FAKE_PORT/flaky/x" "$other" "$BERTH_TEST_TMP/b"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"digest mismatch"* ]]
}

@test "registry: 401 after a fresh token is a clear error, not a loop" {
	local f=$REG_DIR/fake
	: >"$f/log"
	run timeout 20 "$REGISTRY_TOOL" --insecure --config "$CFG" manifest "127.0.0.1:$FAKE_PORT/loop/x:1"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"unauthorized: go away"* ]]
	cat "$f/log"
	[ "$(grep -c '^token' "$f/log")" -eq 1 ]
	grep -q 'scope=repository%3Aloop%2Fx%3Apull' "$f/log"
}

@test "registry: TLS is verified, with a per-registry CA from certs.d" {
	run "$REGISTRY_TOOL" --config "$CFG" --certs-dir "$REG_DIR/certs.d" ping "[::1]:$TLS_PORT"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
	# without the CA the self-signed certificate is refused
	run "$REGISTRY_TOOL" --config "$CFG" --certs-dir "$BERTH_TEST_TMP/none" ping "[::1]:$TLS_PORT"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"GET https://[::1]:$TLS_PORT/v2/: TLS: "*"certificate"* ]]
	# an insecure registry's HTTPS is not verified (docker's behaviour)
	run "$REGISTRY_TOOL" --config "$CFG" --certs-dir "$BERTH_TEST_TMP/none" \
		--insecure-registry "[::1]:$TLS_PORT" ping "[::1]:$TLS_PORT"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
}

# A docker-credential-$1 in $BERTH_TEST_TMP/bin that answers get for
# server $2 with the test user, logs each call and its stdin to
# $BERTH_TEST_TMP/helper.log, and keeps what store sends
fake_cred_helper()
{
	mkdir -p "$BERTH_TEST_TMP/bin"
	cat >"$BERTH_TEST_TMP/bin/docker-credential-$1" <<-EOF
		#!/bin/sh
		in=\$(cat)
		echo "\$1 \$in" >>"$BERTH_TEST_TMP/helper.log"
		case \$1 in
		get)
			[ "\$in" = "$2" ] || { echo "credentials not found in native keychain"; exit 1; }
			printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}\\n' "$2" "$REG_USER" "$REG_PASS" ;;
		store) echo "\$in" >"$BERTH_TEST_TMP/stored.json" ;;
		erase) ;;
		esac
	EOF
	chmod +x "$BERTH_TEST_TMP/bin/docker-credential-$1"
}

@test "registry: credHelpers and credsStore supply the credentials, as docker runs them" {
	fake_cred_helper berthtest "127.0.0.1:$AUTH_PORT"
	mkdir -p "$CFG"
	# credHelpers names the helper for this registry, over credsStore
	jq -n --arg h "127.0.0.1:$AUTH_PORT" '{credsStore: "missing", credHelpers: {($h): "berthtest"}}' \
		>"$CFG/config.json"
	PATH=$BERTH_TEST_TMP/bin:$PATH run rtool manifest "127.0.0.1:$AUTH_PORT/test/busybox:1"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qx "get 127.0.0.1:$AUTH_PORT" "$BERTH_TEST_TMP/helper.log"
	# credsStore alone serves every registry
	echo '{"credsStore": "berthtest"}' >"$CFG/config.json"
	PATH=$BERTH_TEST_TMP/bin:$PATH run rtool manifest "127.0.0.1:$AUTH_PORT/test/busybox:1"
	echo "$output"
	[ "$status" -eq 0 ]
	# login stores through the helper; config.json keeps an empty entry
	PATH=$BERTH_TEST_TMP/bin:$PATH run rtool login "127.0.0.1:$AUTH_PORT" "$REG_USER" "$REG_PASS"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .Username "$BERTH_TEST_TMP/stored.json")" = "$REG_USER" ]
	[ "$(jq -r .ServerURL "$BERTH_TEST_TMP/stored.json")" = "127.0.0.1:$AUTH_PORT" ]
	[ "$(jq -c --arg h "127.0.0.1:$AUTH_PORT" '.auths[$h]' "$CFG/config.json")" = '{}' ]
	run ! grep -q "$REG_PASS" "$CFG/config.json"
	# the helper's "not found" for another registry is no credentials
	echo '{"credsStore": "berthtest"}' >"$CFG/config.json"
	PATH=$BERTH_TEST_TMP/bin:$PATH run rtool manifest "127.0.0.1:$OPEN_PORT/test/busybox:1"
	[ "$status" -eq 0 ]
	# a helper that is not installed is a clear error naming it
	echo '{"credsStore": "missing"}' >"$CFG/config.json"
	run rtool manifest "127.0.0.1:$AUTH_PORT/test/busybox:1"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"docker-credential-missing"* ]]
}

@test "registry: the bearer token flow sends Basic credentials to the realm" {
	local f=$REG_DIR/fake
	: >"$f/log"
	run rtool --user u --password p blob "127.0.0.1:$FAKE_PORT/bearer/x" "$FAKE_DIGEST" "$BERTH_TEST_TMP/b"
	echo "$output"
	[ "$status" -eq 0 ]
	cat "$f/log"
	[ "$(grep -c '^token' "$f/log")" -eq 1 ]
	grep -q "^token /token?service=fake&scope=repository%3Abearer%2Fx%3Apull&account=u auth=Basic dTpw$" "$f/log"
	# anonymous: a token without credentials
	: >"$f/log"
	run rtool blob "127.0.0.1:$FAKE_PORT/bearer/x" "$FAKE_DIGEST" "$BERTH_TEST_TMP/b"
	[ "$status" -eq 0 ]
	grep -q "^token /token?service=fake&scope=repository%3Abearer%2Fx%3Apull auth=none$" "$f/log"
}
