#!/usr/bin/env bats
# Platform selection on pull (src/registry/pull.c): an OCI index with
# linux/amd64 and linux/arm64 manifests (tests/registry/make-index.py, one
# config per architecture over the same busybox layer), pushed by skopeo
# to docker-registry on 127.0.0.1.  A pull picks this host's platform, an
# explicit linux/arm64 picks the other entry (the image's config says
# arm64), and a platform the index lacks is a clear error with no image.

bats_require_minimum_version 1.5.0

load ../helpers/common
load ../helpers/interop
load ../helpers/registry
load ../helpers/images

setup_file()
{
	registry_setup_file docker-registry skopeo python3 jq curl
	case $(uname -m) in
	x86_64) HOST_ARCH=amd64 OTHER_ARCH=arm64 ;;
	aarch64) HOST_ARCH=arm64 OTHER_ARCH=amd64 ;;
	*) skip "the index holds amd64 and arm64 only, this host is $(uname -m)" ;;
	esac
	PORT=$(registry_start open)
	INTEROP_IMAGE=localhost/berth-busybox:test interop_make_image_tar "$REG_DIR/img"
	"$IMAGE_TOOL" --root "$REG_DIR/store" load "$REG_DIR/img/busybox.tar" >/dev/null
	"$IMAGE_TOOL" --root "$REG_DIR/store" save --format oci-dir "$REG_DIR/oci" \
		localhost/berth-busybox:test >/dev/null
	python3 "$BATS_TEST_DIRNAME/make-index.py" "$REG_DIR/oci" amd64 arm64 >"$REG_DIR/index.txt"
	skopeo copy -q --all --dest-tls-verify=false "oci:$REG_DIR/oci" \
		"docker://127.0.0.1:$PORT/test/multi:1"
	# skopeo compresses the layer, so the registry's manifests are its own
	skopeo inspect --raw --tls-verify=false "docker://127.0.0.1:$PORT/test/multi:1" \
		>"$REG_DIR/index.json"
	export HOST_ARCH OTHER_ARCH PORT
}

teardown_file()
{
	registry_teardown_file
}

setup()
{
	common_setup
	images_setup
}

teardown()
{
	images_teardown
	common_teardown
}

# The registry's manifest digest for linux/$1
made()
{
	jq -r --arg a "$1" '.manifests[] | select(.platform.architecture == $a) | .digest' \
		"$REG_DIR/index.json"
}

# registry-tool pull into $ROOT; the result line is the last of $output
rpull()
{
	"$REGISTRY_TOOL" pull "$ROOT" "$@"
}

@test "platform: the registry serves the index skopeo pushed" {
	run "$REGISTRY_TOOL" manifest "127.0.0.1:$PORT/test/multi:1"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .mediaType <<<"$output")" = application/vnd.oci.image.index.v1+json ]
	[ "$(jq -r '.manifests | length' "$REG_DIR/index.json")" -eq 2 ]
	[ -n "$(made amd64)" ] && [ -n "$(made arm64)" ]
}

@test "platform: a pull picks this host's platform from the index" {
	local want
	want=$(made "$HOST_ARCH")
	run --separate-stderr rpull "127.0.0.1:$PORT/test/multi:1"
	echo "$output$stderr"
	[ "$status" -eq 0 ]
	[ "$(jq -r .Manifest <<<"${lines[-1]}")" = "$want" ]
	run itool inspect "127.0.0.1:$PORT/test/multi:1"
	[ "$(jq -r .Config.architecture <<<"$output")" = "$HOST_ARCH" ]
}

@test "platform: an explicit linux/$OTHER_ARCH picks the other manifest" {
	local want
	want=$(made "$OTHER_ARCH")
	run --separate-stderr rpull "127.0.0.1:$PORT/test/multi:1" "linux/$OTHER_ARCH"
	echo "$output$stderr"
	[ "$status" -eq 0 ]
	[ "$(jq -r .Manifest <<<"${lines[-1]}")" = "$want" ]
	run itool inspect "127.0.0.1:$PORT/test/multi:1"
	echo "$output"
	[ "$(jq -r .Config.architecture <<<"$output")" = "$OTHER_ARCH" ]
	[ "$(jq -r .Config.os <<<"$output")" = linux ]
}

@test "platform: a platform the index lacks is a clear error and adds no image" {
	run --separate-stderr rpull "127.0.0.1:$PORT/test/multi:1" linux/s390x
	echo "$output$stderr"
	[ "$status" -eq 1 ]
	[[ $stderr == *"pull '127.0.0.1:$PORT/test/multi:1'"*"no manifest for platform 'linux/s390x'"* ]]
	[[ $stderr == *"linux/amd64"*"linux/arm64"* ]]
	run itool list
	[ "$(jq length <<<"$output")" -eq 0 ]
}
