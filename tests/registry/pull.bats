#!/usr/bin/env bats
# Pull (src/registry/pull.c) through tests/helpers/image-tool from Debian's
# docker-registry on 127.0.0.1: an image of busybox plus two random layers,
# pushed by skopeo, is pulled by tag and by digest; its ID is the config
# digest, it runs under berth-runtime, a second pull finds everything
# there, and every progress line is JSON with docker's statuses.  The fake
# registry (tests/helpers/fake-registry.py) serves a wrong digest, a
# truncated blob, a malformed and an oversized manifest: each is a clear
# error and adds no image; a pull cut short is completed by the next one.

bats_require_minimum_version 1.5.0

load ../helpers/common
load ../helpers/interop
load ../helpers/registry
load ../helpers/images

setup_file()
{
	registry_setup_file docker-registry skopeo python3 jq curl
	PORT=$(registry_start open)
	export PORT
	fake_registry_start

	# busybox + 2 layers of 1 MB, as an OCI layout, pushed by skopeo
	INTEROP_IMAGE=localhost/berth-busybox:test interop_make_image_tar "$REG_DIR/img"
	"$IMAGE_TOOL" --root "$REG_DIR/store" load "$REG_DIR/img/busybox.tar" >/dev/null
	"$IMAGE_TOOL" --root "$REG_DIR/store" save --format oci-dir "$REG_DIR/oci" \
		localhost/berth-busybox:test >/dev/null
	python3 "$BERTH_REPO/tests/helpers/add-layers.py" "$REG_DIR/oci" 2 1000000
	skopeo copy -q --dest-tls-verify=false "oci:$REG_DIR/oci" \
		"docker://127.0.0.1:$PORT/test/busybox:1"
	skopeo inspect --raw --tls-verify=false "docker://127.0.0.1:$PORT/test/busybox:1" \
		>"$REG_DIR/manifest.json"
	CONFIG_DIGEST=$(jq -r .config.digest "$REG_DIR/manifest.json")
	MANIFEST_DIGEST=sha256:$(sha256sum "$REG_DIR/manifest.json" | cut -d' ' -f1)
	export CONFIG_DIGEST MANIFEST_DIGEST
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

# Every line of $1 is a JSON object; prints the statuses, one per line
statuses()
{
	local line
	while IFS= read -r line; do
		jq -e 'type == "object"' <<<"$line" >/dev/null || {
			echo "not a JSON object: $line" >&2
			return 1
		}
	done <<<"$1"
	jq -r '.status // empty' <<<"$1"
}

@test "pull: by tag, with docker's progress lines; the ID is the config digest" {
	run --separate-stderr itool pull --insecure "127.0.0.1:$PORT/test/busybox:1"
	echo "$output$stderr"
	[ "$status" -eq 0 ]
	run statuses "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Pulling from test/busybox" ]
	[[ $output == *"Pulling fs layer"* ]]
	[[ $output == *"Downloading"* ]]
	[[ $output == *"Verifying Checksum"* ]]
	[[ $output == *"Download complete"* ]]
	[[ $output == *"Extracting"* ]]
	[ "$(grep -c '^Pull complete$' <<<"$output")" -eq 3 ]
	[[ $output == *"Digest: $MANIFEST_DIGEST"* ]]
	[ "${lines[-1]}" = "Status: Downloaded newer image for 127.0.0.1:$PORT/test/busybox:1" ]

	run itool list
	[ "$(jq -r '.[0].Id' <<<"$output")" = "$CONFIG_DIGEST" ]
	[ "$(jq -r '.[0].RepoTags[0]' <<<"$output")" = "127.0.0.1:$PORT/test/busybox:1" ]
	[ "$(jq -r '.[0].RepoDigests[0]' <<<"$output")" = "127.0.0.1:$PORT/test/busybox@$MANIFEST_DIGEST" ]
	run itool inspect "127.0.0.1:$PORT/test/busybox:1"
	[ "$(jq '.Layers | length' <<<"$output")" -eq 3 ]
}

@test "pull: the pulled image runs under berth-runtime" {
	[ -x "$BERTH_RUNTIME" ] || skip "berth-runtime is not built"
	run itool pull --insecure "127.0.0.1:$PORT/test/busybox:1"
	[ "$status" -eq 0 ]
	local b=$BERTH_TEST_TMP/bundle-pull
	run itool bundle "127.0.0.1:$PORT/test/busybox:1" "$b"
	echo "$output"
	[ "$status" -eq 0 ]
	jq '.process.args = ["sh", "-c", "echo pulled-ok; wc -c </layer-1.bin"]' "$b/config.json" >"$b/c.json"
	mv "$b/c.json" "$b/config.json"
	run "$BERTH_RUNTIME" --root "$RTROOT" run --bundle "$b" "${b##*/}"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *pulled-ok* ]]
	[[ $output == *1000000* ]]
	itool umount "${b##*/}"
}

@test "pull: a second pull says Already exists and up to date" {
	run itool pull --insecure "127.0.0.1:$PORT/test/busybox:1"
	[ "$status" -eq 0 ]
	run --separate-stderr itool pull --insecure "127.0.0.1:$PORT/test/busybox:1"
	echo "$output$stderr"
	[ "$status" -eq 0 ]
	run statuses "$output"
	[ "$(grep -c '^Already exists$' <<<"$output")" -eq 3 ]
	[[ $output != *Downloading* ]]
	[ "${lines[-1]}" = "Status: Image is up to date for 127.0.0.1:$PORT/test/busybox:1" ]
}

@test "pull: by digest gives the same image with a repo digest and no tag" {
	run --separate-stderr itool pull --insecure "127.0.0.1:$PORT/test/busybox@$MANIFEST_DIGEST"
	echo "$output$stderr"
	[ "$status" -eq 0 ]
	run statuses "$output"
	[ "${lines[-1]}" = "Status: Downloaded newer image for 127.0.0.1:$PORT/test/busybox@$MANIFEST_DIGEST" ]
	run itool list
	[ "$(jq -r '.[0].Id' <<<"$output")" = "$CONFIG_DIGEST" ]
	[ "$(jq '.[0].RepoTags | length' <<<"$output")" -eq 0 ]
	[ "$(jq -r '.[0].RepoDigests[0]' <<<"$output")" = "127.0.0.1:$PORT/test/busybox@$MANIFEST_DIGEST" ]
	# a digest the registry does not have
	run itool pull --insecure "127.0.0.1:$PORT/test/busybox@sha256:$(printf '0%.0s' {1..64})"
	[ "$status" -ne 0 ]
}

@test "pull: a bad registry is a clear error and adds no image" {
	local mode
	for mode in baddigest truncated malformed oversized; do
		run --separate-stderr itool pull --insecure "127.0.0.1:$FAKE_PORT/pull/$mode:1"
		echo "$mode: $stderr"
		[ "$status" -ne 0 ]
		[[ $stderr == *"pull '127.0.0.1:$FAKE_PORT/pull/$mode:1'"* ]]
		case $mode in
		baddigest) [[ $stderr == *"digest mismatch"* ]] ;;
		truncated) [[ $stderr == *"transfer closed"* ]] ;;
		malformed) [[ $stderr == *"manifest"*"invalid JSON"* ]] ;;
		oversized)
			[[ $stderr == *manifest* ]]
			[[ $stderr == *"response body exceeds $((4 << 20)) bytes"* ]]
			;;
		esac
		run itool list
		[ "$output" = "[]" ]
	done
}

@test "pull: a pull cut short leaves no image; the next one completes, re-using the config" {
	run --separate-stderr itool pull --insecure "127.0.0.1:$FAKE_PORT/pull/once:1"
	echo "$stderr"
	[ "$status" -ne 0 ]
	run itool list
	[ "$output" = "[]" ]
	run --separate-stderr itool pull --insecure "127.0.0.1:$FAKE_PORT/pull/once:1"
	echo "$output$stderr"
	[ "$status" -eq 0 ]
	run itool list
	[ "$(jq length <<<"$output")" -eq 1 ]
	# the config was fetched once, the layer twice
	[ "$(grep -c '^pullblob once ' "$REG_DIR/fake/log")" -eq 3 ]
}

@test "pull: behind a bearer token, one token serves the whole pull" {
	: >"$REG_DIR/fake/log"
	run --separate-stderr itool pull --insecure "127.0.0.1:$FAKE_PORT/pull/bearer:1"
	echo "$output$stderr"
	[ "$status" -eq 0 ]
	cat "$REG_DIR/fake/log"
	# the manifest, the config and the layer (on a download thread of its
	# own) with the token the first 401 brought
	[ "$(grep -c '^pullblob bearer ' "$REG_DIR/fake/log")" -eq 2 ]
	[ "$(grep -c '^token ' "$REG_DIR/fake/log")" -eq 1 ]
}
