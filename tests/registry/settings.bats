#!/usr/bin/env bats
# The daemon.json registry settings in registry_options (src/registry/
# endpoint.c), through tests/helpers/registry-tool:
# - insecure-registries: docker-registry on plain HTTP at [::1] (loopback,
#   but outside 127.0.0.0/8, so secure by default, as in docker) is refused
#   with an error that names the setting, and pulls once listed by name or
#   by CIDR; 127.0.0.1 is insecure without any setting.
# - registry-mirrors: docker.io pulls go to each mirror in order, then to
#   docker.io, which --docker-io-url points at a second local registry, so
#   that no test ever reaches the real docker.io.  The mirror and the
#   stand-in hold different images under the same name, so the image ID
#   tells where a pull came from.

bats_require_minimum_version 1.5.0

load ../helpers/common
load ../helpers/interop
load ../helpers/registry
load ../helpers/images

# The config digest (the image ID) of the one image of OCI layout $1
oci_config_digest()
{
	local m
	m=$(jq -r '.manifests[0].digest' "$1/index.json")
	jq -r .config.digest "$1/blobs/sha256/${m#sha256:}"
}

setup_file()
{
	registry_setup_file docker-registry skopeo python3 jq curl
	local oci=$REG_DIR/oci
	LOCAL_PORT=$(registry_start local)
	V6_PORT=$(REG_HOST='[::1]' registry_start v6) ||
		skip "docker-registry cannot listen on [::1]"
	MIRROR_PORT=$(registry_start mirror)
	HUB_PORT=$(registry_start hub)
	export LOCAL_PORT V6_PORT MIRROR_PORT HUB_PORT

	# image A: busybox; image B: busybox plus one small layer
	INTEROP_IMAGE=localhost/berth-busybox:test interop_make_image_tar "$REG_DIR/img"
	"$IMAGE_TOOL" --root "$REG_DIR/store" load "$REG_DIR/img/busybox.tar" >/dev/null
	"$IMAGE_TOOL" --root "$REG_DIR/store" save --format oci-dir "$oci" \
		localhost/berth-busybox:test >/dev/null
	cp -a "$oci" "$oci-b"
	python3 "$BERTH_REPO/tests/helpers/add-layers.py" "$oci-b" 1 1000
	A_ID=$(oci_config_digest "$oci")
	B_ID=$(oci_config_digest "$oci-b")
	export A_ID B_ID
	local copy="skopeo copy -q --dest-tls-verify=false"
	$copy "oci:$oci" "docker://127.0.0.1:$LOCAL_PORT/test/busybox:1"
	# skopeo's reference grammar has no IPv6: berth pushes that one
	"$IMAGE_TOOL" --root "$REG_DIR/store" tag localhost/berth-busybox:test \
		"[::1]:$V6_PORT/test/busybox:1"
	"$IMAGE_TOOL" --root "$REG_DIR/store" push --insecure "[::1]:$V6_PORT/test/busybox:1" >/dev/null
	$copy "oci:$oci" "docker://127.0.0.1:$MIRROR_PORT/library/busybox:1"
	$copy "oci:$oci-b" "docker://127.0.0.1:$HUB_PORT/library/busybox:1"
	$copy "oci:$oci-b" "docker://127.0.0.1:$HUB_PORT/library/onlyhub:1"
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

# registry-tool [settings...] pull $ROOT REF: prints the image ID
pull_id()
{
	local ref=${*: -1}
	"$REGISTRY_TOOL" "${@:1:$#-1}" pull "$ROOT" "$ref" >"$BERTH_TEST_TMP/pull.out" || return
	jq -r .Id < <(tail -n 1 "$BERTH_TEST_TMP/pull.out")
}

# A docker.io pull whose docker.io is the local stand-in
hub()
{
	"$REGISTRY_TOOL" --docker-io-url "http://127.0.0.1:$HUB_PORT" "$@"
}

@test "insecure: 127.0.0.1 on plain HTTP pulls with no setting (127.0.0.0/8 is insecure)" {
	run pull_id "127.0.0.1:$LOCAL_PORT/test/busybox:1"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$A_ID" ]
}

@test "insecure: plain HTTP on a secure address is refused with an error naming the setting" {
	run --separate-stderr "$REGISTRY_TOOL" pull "$ROOT" "[::1]:$V6_PORT/test/busybox:1"
	echo "$output$stderr"
	[ "$status" -eq 1 ]
	[[ $stderr == *"https://[::1]:$V6_PORT/"*"TLS"* ]]
	[[ $stderr == *"if '[::1]:$V6_PORT' serves plain HTTP, add it to the daemon's \"insecure-registries\""* ]]
	run itool list
	[ "$(jq length <<<"$output")" -eq 0 ]
	# a CIDR that does not hold the address changes nothing
	run "$REGISTRY_TOOL" --insecure-registry 10.0.0.0/8 pull "$ROOT" "[::1]:$V6_PORT/test/busybox:1"
	[ "$status" -eq 1 ]
	[[ $output == *"insecure-registries"* ]]
}

@test "insecure: listed by host:port or by CIDR, the plain-HTTP registry pulls" {
	run pull_id --insecure-registry "[::1]:$V6_PORT" "[::1]:$V6_PORT/test/busybox:1"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$A_ID" ]
	rm -rf "$ROOT" && mkdir "$ROOT"
	run pull_id --insecure-registry 10.0.0.0/8 --insecure-registry ::1/128 \
		"[::1]:$V6_PORT/test/busybox:1"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$A_ID" ]
}

@test "insecure: malformed entries are clear errors" {
	run "$REGISTRY_TOOL" --insecure-registry "http://[::1]:$V6_PORT" ping "[::1]:$V6_PORT"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"insecure registry 'http://[::1]:$V6_PORT' should not contain '://'"* ]]
	run "$REGISTRY_TOOL" --insecure-registry 10.0.0.0/33 ping "127.0.0.1:$LOCAL_PORT"
	[ "$status" -eq 1 ]
	[[ $output == *"insecure registry '10.0.0.0/33': bad prefix length"* ]]
	run "$REGISTRY_TOOL" --mirror "http://127.0.0.1:$MIRROR_PORT/path" ping "127.0.0.1:$LOCAL_PORT"
	[ "$status" -eq 1 ]
	[[ $output == *"registry mirror 'http://127.0.0.1:$MIRROR_PORT/path': must be scheme://host[:port] with no path"* ]]
	run "$REGISTRY_TOOL" --mirror "127.0.0.1:$MIRROR_PORT" ping "127.0.0.1:$LOCAL_PORT"
	[ "$status" -eq 1 ]
	[[ $output == *"must start with http:// or https://"* ]]
}

@test "mirrors: without a mirror, docker.io pulls come from the stand-in" {
	run pull_id --docker-io-url "http://127.0.0.1:$HUB_PORT" busybox:1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$B_ID" ]
}

@test "mirrors: docker.io/library/busybox comes from the mirror" {
	run pull_id --docker-io-url "http://127.0.0.1:$HUB_PORT" \
		--mirror "http://127.0.0.1:$MIRROR_PORT/" docker.io/library/busybox:1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$A_ID" ]
	# the image is named as the user asked, not after the mirror
	run itool list
	echo "$output"
	[ "$(jq -r '.[0].RepoTags[0]' <<<"$output")" = busybox:1 ]
}

@test "mirrors: a dead mirror is skipped; an image the mirror lacks falls back to docker.io" {
	local dead
	dead=$(free_port)
	run pull_id --docker-io-url "http://127.0.0.1:$HUB_PORT" --mirror "http://127.0.0.1:$dead" \
		--mirror "http://127.0.0.1:$MIRROR_PORT" busybox:1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$A_ID" ]
	run pull_id --docker-io-url "http://127.0.0.1:$HUB_PORT" \
		--mirror "http://127.0.0.1:$MIRROR_PORT" onlyhub:1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$B_ID" ]
}

@test "mirrors: only docker.io uses them; an image nobody has reports docker.io's error" {
	run pull_id --mirror "http://127.0.0.1:$MIRROR_PORT" "127.0.0.1:$HUB_PORT/library/busybox:1"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$B_ID" ]
	run hub --mirror "http://127.0.0.1:$MIRROR_PORT" pull "$ROOT" nosuchimage:1
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"get manifest 'library/nosuchimage:1'"* ]]
}
