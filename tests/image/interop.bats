#!/usr/bin/env bats
# Image archives between berth and its peers, through the test driver
# tests/helpers/image-tool (the image library without a daemon): an image
# saved by berth loads in podman and skopeo reads it (docker-archive, OCI
# archive, OCI directory); OCI layouts written by skopeo and umoci, and a
# `docker save` of dockerd, load into berth and
# run with berth-runtime; hostile archives are refused, add no image and
# write nothing outside the data root.

bats_require_minimum_version 1.5.0

load ../helpers/common
load ../helpers/interop
load ../helpers/images

IMAGE_TOOL=$BERTH_BUILD/tests/helpers/image-tool

setup_file()
{
	interop_require podman skopeo umoci python3 jq
	[ -x "$IMAGE_TOOL" ] || skip "image-tool is not built ($IMAGE_TOOL)"
	interop_setup_file
	podman_start
	# dockerd is optional: its test skips when it did not start
	DOCKERD_OK=0
	if command -v dockerd >/dev/null && dockerd_start >/dev/null 2>&1; then
		DOCKERD_OK=1
	fi
	export DOCKERD_OK
	interop_baseline
}

teardown_file()
{
	if [ -n "${INTEROP_DIR:-}" ] && [ -f "$INTEROP_DIR/docker/docker.pid" ]; then
		dockerd_stop
	fi
	interop_cleanup_all
}

setup()
{
	interop_setup
	images_setup
}

teardown()
{
	images_teardown
	interop_teardown
}

# Make a bundle of image $1 that runs `sh -c "$2"`, run it with
# berth-runtime and check that it printed $3
run_image()
{
	local ref=$1 script=$2 want=$3 b=$BERTH_TEST_TMP/bundle-$RANDOM
	run itool bundle "$ref" "$b"
	echo "$output"
	[ "$status" -eq 0 ]
	jq --arg s "$script" '.process.args = ["sh", "-c", $s]' "$b/config.json" >"$b/c.json"
	mv "$b/c.json" "$b/config.json"
	run "$BERTH_RUNTIME" --root "$RTROOT" run --bundle "$b" "${b##*/}"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"$want"* ]]
	run itool umount "${b##*/}"
	[ "$status" -eq 0 ]
	rm -rf "$b"
}

# The number of images in the store
image_count()
{
	itool list | jq length
}

@test "image: a docker-archive loads into berth, and the image runs" {
	run itool load "$INTEROP_IMAGE_TAR"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"Loaded image: localhost/berth-busybox:test"* ]]
	[ "$(image_count)" -eq 1 ]
	run_image localhost/berth-busybox:test 'echo hello from berth' "hello from berth"
}

@test "image: an image saved by berth loads in podman, skopeo reads all three forms" {
	itool load "$INTEROP_IMAGE_TAR" >/dev/null
	local out=$BERTH_TEST_TMP/out id
	mkdir -p "$out"
	id=$(itool inspect localhost/berth-busybox:test | jq -r .Id)
	itool save --format docker "$out/docker.tar" localhost/berth-busybox:test
	itool save --format oci "$out/oci.tar" localhost/berth-busybox:test
	itool save --format oci-dir "$out/layout" localhost/berth-busybox:test

	# skopeo: docker-archive, oci-archive, oci directory (ref.name is the tag)
	run skopeo inspect --raw "docker-archive:$out/docker.tar"
	echo "$output"
	[ "$status" -eq 0 ]
	run skopeo inspect "docker-archive:$out/docker.tar"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .Digest <<<"$output")" != null ]
	run skopeo inspect --config "oci-archive:$out/oci.tar:test"
	echo "$output"
	[ "$status" -eq 0 ]
	run skopeo inspect "oci:$out/layout:test"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.Layers | length' <<<"$output")" -eq 1 ]
	# the docker-archive is an OCI layout as well (docker 25+'s form)
	run skopeo inspect "oci-archive:$out/docker.tar:test"
	echo "$output"
	[ "$status" -eq 0 ]

	# podman loads both archives, with the same image ID
	podman_ rmi -f localhost/berth-busybox:test >/dev/null
	run podman_ load -i "$out/docker.tar"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"localhost/berth-busybox:test"* ]]
	[ "sha256:$(podman_ image inspect --format '{{.Id}}' localhost/berth-busybox:test)" = "$id" ]
	podman_ rmi -f localhost/berth-busybox:test >/dev/null
	run podman_ load -i "$out/oci.tar"
	echo "$output"
	[ "$status" -eq 0 ]
	run podman_ image inspect --format '{{.Id}}' "${output##*: }"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "sha256:$output" = "$id" ]
	# and berth loads its own saves again
	run itool load "$out/oci.tar"
	[ "$status" -eq 0 ]
	[ "$(image_count)" -eq 1 ]
}

@test "image: an OCI layout written by skopeo loads into berth and runs" {
	local layout=$BERTH_TEST_TMP/skopeo-layout
	skopeo copy -q "docker-archive:$INTEROP_IMAGE_TAR" "oci:$layout:v1"
	run itool load-oci-dir "$layout" --name localhost/skopeo-busybox
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"Loaded image: localhost/skopeo-busybox:v1"* ]]
	run_image localhost/skopeo-busybox:v1 'echo from-skopeo-layout' from-skopeo-layout
	# as an oci-archive tar too, read from stdin
	skopeo copy -q "docker-archive:$INTEROP_IMAGE_TAR" "oci-archive:$BERTH_TEST_TMP/s.tar:v2"
	run itool load - <"$BERTH_TEST_TMP/s.tar"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "image: an OCI layout written by umoci (new, unpack + repack twice) loads into berth and runs" {
	local layout=$BERTH_TEST_TMP/umoci-layout b=$BERTH_TEST_TMP/umoci-bundle
	umoci init --layout "$layout"
	umoci new --image "$layout:base"
	umoci unpack --image "$layout:base" "$b"
	"$BERTH_REPO/tests/data/make-busybox-rootfs.sh" "$b/rootfs"
	umoci repack --image "$layout:base" "$b"
	# a second layer: unpack the new image again, change it, repack
	rm -rf "$b"
	umoci unpack --image "$layout:base" "$b"
	printf 'second layer\n' >"$b/rootfs/etc/marker"
	umoci repack --image "$layout:base" "$b"
	umoci config --image "$layout:base" --config.cmd sh --config.env PATH=/bin:/usr/bin
	rm -rf "$b"
	run itool load-oci-dir "$layout" --name localhost/umoci-busybox
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"Loaded image: localhost/umoci-busybox:base"* ]]
	[ "$(itool inspect localhost/umoci-busybox:base | jq '.Layers | length')" -eq 2 ]
	run_image localhost/umoci-busybox:base 'cat /etc/marker' "second layer"
}

@test "image: a docker save of dockerd loads into berth and runs, and dockerd loads berth's save" {
	[ "${DOCKERD_OK:-0}" = 1 ] || skip "dockerd is not installed or did not start here"
	docker_ save -o "$BERTH_TEST_TMP/docker-save.tar" "$INTEROP_IMAGE"
	tar -tf "$BERTH_TEST_TMP/docker-save.tar" | sort | head -20
	run itool load "$BERTH_TEST_TMP/docker-save.tar"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"Loaded image: localhost/berth-busybox:test"* ]]
	run_image "$INTEROP_IMAGE" 'echo from-docker-save' from-docker-save
	# and dockerd loads what berth saves
	itool save "$BERTH_TEST_TMP/berth-save.tar" "$INTEROP_IMAGE"
	docker_ rmi -f "$INTEROP_IMAGE" >/dev/null
	run docker_ load -i "$BERTH_TEST_TMP/berth-save.tar"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"localhost/berth-busybox:test"* ]]
}

# ---- hostile archives ---------------------------------------------------

# Unpack the busybox archive into $1 (a dir) for crafting
unpack_base()
{
	mkdir -p "$1"
	tar -C "$1" -xf "$INTEROP_IMAGE_TAR"
}

# Load $1, expect failure with $2 in the message, no image, nothing
# outside the root
expect_refused()
{
	local archive=$1 want=$2
	run itool load "$archive"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *"$want"* ]]
	[ "$(image_count)" -eq 0 ]
	[ ! -e "$BERTH_TEST_TMP/evil" ]
	[ ! -e /evil ]
	[ ! -e /tmp/evil ]
}

@test "image: an archive member named ../evil is refused" {
	local d=$BERTH_TEST_TMP/craft
	unpack_base "$d"
	python3 - "$d" "$BERTH_TEST_TMP/evil.tar" <<-'EOF'
		import io, os, sys, tarfile
		src, out = sys.argv[1], sys.argv[2]
		with tarfile.open(out, "w") as t:
		    data = b"evil\n"
		    i = tarfile.TarInfo("../evil"); i.size = len(data)
		    t.addfile(i, io.BytesIO(data))
		    for name in sorted(os.listdir(src)):
		        t.add(os.path.join(src, name), arcname=name)
	EOF
	expect_refused "$BERTH_TEST_TMP/evil.tar" "path traversal"
}

@test "image: a layer whose diffID does not match the config is refused" {
	local d=$BERTH_TEST_TMP/craft layer
	unpack_base "$d"
	layer=$(jq -r '.[0].Layers[0]' "$d/manifest.json")
	# append a file to the layer: same name, other content
	printf 'extra\n' >"$BERTH_TEST_TMP/extra"
	tar -C "$BERTH_TEST_TMP" -rf "$d/$layer" extra
	tar -C "$d" -cf "$BERTH_TEST_TMP/bad-diff.tar" .
	expect_refused "$BERTH_TEST_TMP/bad-diff.tar" "digest mismatch"
}

@test "image: a truncated archive is refused" {
	local size
	size=$(stat -c %s "$INTEROP_IMAGE_TAR")
	head -c $((size / 2)) "$INTEROP_IMAGE_TAR" >"$BERTH_TEST_TMP/trunc.tar"
	expect_refused "$BERTH_TEST_TMP/trunc.tar" "load"
	gzip -c "$INTEROP_IMAGE_TAR" | head -c 100000 >"$BERTH_TEST_TMP/trunc.tar.gz"
	expect_refused "$BERTH_TEST_TMP/trunc.tar.gz" "load"
}

@test "image: a manifest.json naming a missing file is refused" {
	local d=$BERTH_TEST_TMP/craft
	unpack_base "$d"
	jq '.[0].Layers[0] = "nothere/layer.tar"' "$d/manifest.json" >"$d/m" && mv "$d/m" "$d/manifest.json"
	tar -C "$d" -cf "$BERTH_TEST_TMP/missing.tar" .
	expect_refused "$BERTH_TEST_TMP/missing.tar" "archive has no file 'nothere/layer.tar'"
	# and one whose Layers path climbs out
	jq '.[0].Layers[0] = "../../etc/passwd"' "$d/manifest.json" >"$d/m" && mv "$d/m" "$d/manifest.json"
	tar -C "$d" -cf "$BERTH_TEST_TMP/climb.tar" .
	expect_refused "$BERTH_TEST_TMP/climb.tar" "path traversal"
}
