#!/usr/bin/env bats
# Push (src/registry/push.c) through tests/helpers/image-tool to Debian's
# docker-registry on 127.0.0.1: a busybox docker-archive loaded into
# berth's store is pushed, skopeo sees the same config digest, skopeo and
# podman pull it back; a second push finds every layer there; a push to a
# second repository mounts the blobs across repositories; htpasswd auth
# works after login and fails clearly without; a blob above the chunk size
# goes up in PATCH chunks; a fake registry answering 503 once proves the
# retry.

bats_require_minimum_version 1.5.0

load ../helpers/common
load ../helpers/interop
load ../helpers/registry

setup_file()
{
	registry_setup_file docker-registry skopeo podman htpasswd python3 jq curl
	OPEN_PORT=$(registry_start open)
	AUTH_PORT=$(registry_start auth auth)
	export OPEN_PORT AUTH_PORT
	fake_registry_start

	INTEROP_IMAGE=localhost/berth-busybox:test interop_make_image_tar "$REG_DIR/img"
}

teardown_file()
{
	registry_teardown_file
}

setup()
{
	common_setup
	CFG=$BERTH_TEST_TMP/docker-config
	ROOT=$BERTH_TEST_TMP/store
	itool load "$REG_DIR/img/busybox.tar" >/dev/null
}

teardown()
{
	common_teardown
}

itool()
{
	DOCKER_CONFIG=$CFG "$IMAGE_TOOL" --root "$ROOT" "$@"
}

rtool()
{
	"$REGISTRY_TOOL" --insecure --config "$CFG" "$@"
}

# podman with a private root and configuration, pull only (no runtime)
podman_pull()
{
	local d=$BERTH_TEST_TMP/podman
	mkdir -p "$d/root" "$d/runroot" "$d/tmp"
	cat >"$d/containers.conf" <<-EOF
		[engine]
		events_logger = "file"
		events_logfile_path = "$d/events.log"
		tmp_dir = "$d/tmp"
		num_locks = 128
	EOF
	CONTAINERS_CONF=$d/containers.conf podman --root "$d/root" --runroot "$d/runroot" \
		--storage-driver vfs pull -q --tls-verify=false "$1"
}

config_digest()
{
	itool inspect "$1" | jq -r .Id
}

# statuses of the progress lines for layers
layer_statuses()
{
	jq -r 'select(.id) | .status' <<<"$1" | grep -v -e Preparing -e Waiting -e Pushing | sort -u
}

@test "push: an image reaches docker-registry; skopeo and podman pull it back" {
	local ref=127.0.0.1:$OPEN_PORT/test/busybox:latest
	itool tag localhost/berth-busybox:test "$ref"
	run itool push --insecure "$ref"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(head -1 <<<"$output" | jq -r .status)" = "The push refers to repository [127.0.0.1:$OPEN_PORT/test/busybox]" ]
	jq -se 'any(.[]; .status == "Pushed")' <<<"$output" >/dev/null
	jq -se 'any(.[]; .status == "Pushing" and .progressDetail.total > 0)' <<<"$output" >/dev/null
	local last digest
	last=$(jq -r 'select(.status) | .status' <<<"$output" | tail -1)
	[[ $last =~ ^latest:\ digest:\ sha256:[0-9a-f]{64}\ size:\ [0-9]+$ ]]
	digest=$(sed 's/.*digest: \(sha256:[0-9a-f]*\) .*/\1/' <<<"$last")

	run skopeo inspect --tls-verify=false "docker://$ref"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .Digest <<<"$output")" = "$digest" ]
	local cfg
	cfg=sha256:$(skopeo inspect --tls-verify=false --raw "docker://$ref" | jq -r .config.digest | cut -d: -f2)
	[ "$cfg" = "$(config_digest "$ref")" ]

	# skopeo copies it into an OCI layout; podman pulls it (private roots)
	skopeo copy -q --src-tls-verify=false "docker://$ref" "oci:$BERTH_TEST_TMP/layout:x"
	[ -s "$BERTH_TEST_TMP/layout/index.json" ]
	run podman_pull "$ref"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "sha256:$(tail -1 <<<"$output")" = "$(config_digest "$ref")" ]

	# again: every layer is there already, same digest
	run itool push --insecure "$ref"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(layer_statuses "$output")" = "Layer already exists" ]
	[[ $(jq -r 'select(.status) | .status' <<<"$output" | tail -1) == *"digest: $digest "* ]]
}

@test "push: a second repository of the same registry mounts the blobs" {
	local a=127.0.0.1:$OPEN_PORT/mnt/src:1 b=127.0.0.1:$OPEN_PORT/mnt/dst:1
	itool tag localhost/berth-busybox:test "$a"
	itool push --insecure "$a" >/dev/null
	itool tag localhost/berth-busybox:test "$b"
	run itool push --insecure "$b"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(layer_statuses "$output")" = "Mounted from mnt/src" ]
	[ "$(skopeo inspect --tls-verify=false --raw "docker://$b" | sha256sum)" = \
		"$(skopeo inspect --tls-verify=false --raw "docker://$a" | sha256sum)" ]
}

@test "push: htpasswd auth works after login and fails clearly without" {
	local host=127.0.0.1:$AUTH_PORT ref=127.0.0.1:$AUTH_PORT/auth/busybox:1
	itool tag localhost/berth-busybox:test "$ref"
	run itool push --insecure "$ref"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"push '$ref'"*"unauthorized"*"(no credentials; log in first)"* ]]

	rtool login "$host" "$REG_USER" "$REG_PASS"
	run itool push --insecure "$ref"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(layer_statuses "$output")" = "Pushed" ]
	skopeo inspect --tls-verify=false --creds "$REG_USER:$REG_PASS" "docker://$ref" >/dev/null
}

@test "push: a blob above the chunk size goes up in PATCH chunks" {
	local ref=127.0.0.1:$OPEN_PORT/chunked/busybox:1
	itool tag localhost/berth-busybox:test "$ref"
	# the busybox layer (about 2 MB) in chunks of 300 kB
	run env BERTH_PUSH_CHUNK_SIZE=300000 "$IMAGE_TOOL" --root "$ROOT" push --insecure "$ref"
	echo "$output"
	[ "$status" -eq 0 ]
	# progress went up chunk by chunk
	[ "$(jq -r 'select(.status == "Pushing") | .progressDetail.current' <<<"$output" | sort -un | wc -l)" -ge 4 ]
	skopeo copy -q --src-tls-verify=false "docker://$ref" "oci:$BERTH_TEST_TMP/layout:c"
	local cfg
	cfg=$(jq -r '.manifests[0].digest' "$BERTH_TEST_TMP/layout/index.json")
	[ -n "$cfg" ]
	[ "sha256:$(skopeo inspect --tls-verify=false --raw "docker://$ref" | jq -r .config.digest | cut -d: -f2)" = \
		"$(config_digest "$ref")" ]
}

@test "push: a 503 during an upload is retried with a fresh upload" {
	local f=$REG_DIR/fake ref=127.0.0.1:$FAKE_PORT/retry/busybox:1
	: >"$f/log"
	itool tag localhost/berth-busybox:test "$ref"
	run itool push --insecure "$ref"
	echo "$output"
	cat "$f/log"
	[ "$status" -eq 0 ]
	[ "$(sed -n 1,2p "$f/log" | paste -sd,)" = "upload-start 1,upload-put 1 503" ]
	[ "$(sed -n 3,4p "$f/log" | paste -sd,)" = "upload-start 2,upload-put 2 201" ]
	grep -q '^manifest-put sha256:' "$f/log"
}

@test "push: a chunked upload whose answer is lost resumes where the registry says" {
	local f=$REG_DIR/fake ref=127.0.0.1:$FAKE_PORT/resume/busybox:1
	: >"$f/log"
	itool tag localhost/berth-busybox:test "$ref"
	run env BERTH_PUSH_CHUNK_SIZE=1000000 "$IMAGE_TOOL" --root "$ROOT" push --insecure "$ref"
	echo "$output"
	cat "$f/log"
	[ "$status" -eq 0 ]
	# 2.1 MB in chunks of 1 MB: the second PATCH is answered 503 after
	# the bytes arrived; berth asks, and goes on with the third chunk (the
	# last PUT is the config blob, monolithic)
	[ "$(grep '^chunk-' "$f/log" | paste -sd,)" = \
		"chunk-patch 0,chunk-patch 1000000 503,chunk-status 0-1999999,chunk-patch 2000000,chunk-put 201,chunk-put 201" ]
	grep -q '^manifest-put sha256:' "$f/log"
}

@test "push: credentials stay behind when the upload location is another origin" {
	local f=$REG_DIR/fake ref=127.0.0.1:$FAKE_PORT/xorigin/busybox:1
	: >"$f/log"
	mkdir -p "$CFG"
	printf '{"auths":{"127.0.0.1:%s":{"auth":"%s"}}}\n' "$FAKE_PORT" "$(printf u:p | base64)" \
		>"$CFG/config.json"
	itool tag localhost/berth-busybox:test "$ref"
	run itool push --insecure "$ref"
	echo "$output"
	cat "$f/log"
	[ "$status" -eq 0 ]
	# every blob went to localhost (another origin) without them; the
	# manifest, on the registry itself, with them
	[ "$(grep -c "^xupload host=localhost:$FAKE_PORT auth=no$" "$f/log")" -ge 2 ]
	run ! grep -q '^xupload .*auth=yes' "$f/log"
	grep -q '^xorigin-manifest auth=yes$' "$f/log"
}
