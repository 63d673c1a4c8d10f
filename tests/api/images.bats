#!/usr/bin/env bats
# The images API of berthd (src/daemon/api/images.c) through the real
# docker CLI: load, images (table, -q, --filter, --digests), inspect,
# history, tag, rmi (and its conflicts), save/load round trip into another
# data root, import with a change, prune, and the image events.  The image
# is the busybox docker-archive of interop_make_image_tar: nothing comes
# from the network.

bats_require_minimum_version 1.5.0

load ../helpers/common
load ../helpers/interop
load ../helpers/daemon

IMG=berth-busybox:test

setup_file()
{
	[ "$(id -u)" -eq 0 ] || skip "berthd needs root"
	command -v docker >/dev/null || skip "the docker CLI is not installed (scripts/deps.sh)"
	command -v jq >/dev/null || skip "jq is not installed (scripts/deps.sh)"
	INTEROP_IMAGE=$IMG interop_make_image_tar "$BATS_FILE_TMPDIR/img"
	IMG_TAR=$BATS_FILE_TMPDIR/img/busybox.tar
	export IMG_TAR
}

setup()
{
	common_setup
	berthd_start
	run -0 docker load -i "$IMG_TAR"
	[ "$output" = "Loaded image: $IMG" ]
	IMG_ID=$(docker image inspect --format '{{.Id}}' "$IMG")
	[[ $IMG_ID == sha256:* ]]
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

@test "images: table, -q, --filter reference=, --digests, --no-trunc" {
	run -0 docker images
	echo "$output"
	[[ ${lines[0]} == "REPOSITORY"*"TAG"*"IMAGE ID"*"CREATED"*"SIZE" ]]
	[[ ${lines[1]} == "berth-busybox"*"test"*"${IMG_ID:7:12}"* ]]
	[ "${#lines[@]}" -eq 2 ]

	run -0 docker images -q
	[ "$output" = "${IMG_ID:7:12}" ]
	run -0 docker images -q --no-trunc
	[ "$output" = "$IMG_ID" ]

	run -0 docker tag "$IMG" other/name:v1
	run -0 docker images -q --filter 'reference=other/*'
	[ "$output" = "${IMG_ID:7:12}" ]
	run -0 docker images --format '{{.Repository}}:{{.Tag}}' --filter 'reference=berth-*'
	[ "$output" = "$IMG" ]
	run -0 docker images -q --filter 'reference=nothing-like-it'
	[ -z "$output" ]

	# a loaded image has no repo digest: docker shows <none>
	run -0 docker images --digests --format '{{.Repository}} {{.Digest}}' --filter 'reference=berth-*'
	[ "$output" = "berth-busybox <none>" ]

	run docker images --filter 'bogus=1'
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *"invalid filter 'bogus'"* ]]
}

@test "inspect --format, history, and a missing image is 'No such image'" {
	run -0 docker image inspect --format '{{.Id}} {{index .RepoTags 0}} {{.Os}} {{json .Config.Cmd}}' "$IMG"
	[ "$output" = "$IMG_ID $IMG linux [\"sh\"]" ]
	# by ID prefix too
	run -0 docker image inspect --format '{{.Id}}' "${IMG_ID:7:8}"
	[ "$output" = "$IMG_ID" ]

	run -0 docker history --no-trunc --format '{{.ID}}|{{.CreatedBy}}' "$IMG"
	echo "$output"
	[ "${lines[0]}" = "$IMG_ID|make-busybox-rootfs.sh" ]

	run docker image inspect nosuch:image
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"No such image: nosuch:image"* ]]
	run docker history nosuch:image
	[ "$status" -eq 1 ]
	[[ $output == *"No such image: nosuch:image"* ]]
}

@test "tag and rmi: untag keeps the image, a conflict needs -f, rmi by ID deletes" {
	run -0 docker tag "$IMG" mine/copy:1
	run -0 docker image inspect --format '{{join .RepoTags ","}}' "$IMG_ID"
	[ "$output" = "$IMG,mine/copy:1" ]

	# a bad target is the CLI's or the daemon's 400, never a crash
	# (an upper-case first component is a registry host, as in docker)
	run docker tag "$IMG" 'lower/UPPER:1'
	[ "$status" -ne 0 ]
	run docker tag nosuch:image x:1
	[ "$status" -eq 1 ]
	[[ $output == *"No such image: nosuch:image"* ]]

	# by ID with tags in two repositories: docker's conflict (409)
	run docker rmi "${IMG_ID:7:12}"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"conflict: unable to delete ${IMG_ID:7:12} (must be forced) - image is referenced in multiple repositories"* ]]

	run -0 docker rmi mine/copy:1
	[ "$output" = "Untagged: mine/copy:1" ]
	run -0 docker image inspect --format '{{.Id}}' "$IMG"
	[ "$output" = "$IMG_ID" ]

	run -0 docker rmi "$IMG"
	echo "$output"
	[ "${lines[0]}" = "Untagged: $IMG" ]
	[ "${lines[1]}" = "Deleted: $IMG_ID" ]
	run -0 docker images -q
	[ -z "$output" ]

	run docker rmi "$IMG"
	[ "$status" -eq 1 ]
	[[ $output == *"No such image: $IMG"* ]]
}

@test "save -o then load -i into another data root: the same image" {
	run -0 docker tag "$IMG" second/name:2
	run -0 docker save -o "$BERTH_TEST_TMP/saved.tar" "$IMG" second/name:2
	tar -tf "$BERTH_TEST_TMP/saved.tar" >"$BERTH_TEST_TMP/members"
	grep -qx 'manifest.json' "$BERTH_TEST_TMP/members"
	grep -qx 'index.json' "$BERTH_TEST_TMP/members"
	run -0 jq -r '.[0].RepoTags | sort | join(",")' <(tar -xOf "$BERTH_TEST_TMP/saved.tar" manifest.json)
	[ "$output" = "$IMG,second/name:2" ]
	docker image inspect --format '{{json .RootFS}} {{json .Config}}' "$IMG" >"$BERTH_TEST_TMP/before"

	# a missing name is an error before any byte of tar
	run docker save -o "$BERTH_TEST_TMP/bad.tar" "$IMG" nosuch:image
	[ "$status" -eq 1 ]
	[[ $output == *"No such image: nosuch:image"* ]]

	berthd_stop
	BERTH_DATA_ROOT=$BERTH_TEST_TMP/data-root-2
	mkdir -p "$BERTH_DATA_ROOT"
	BERTH_ROOT_ARGS=(--data-root "$BERTH_DATA_ROOT" --exec-root "$BERTH_EXEC_ROOT")
	berthd_start
	run -0 docker images -q
	[ -z "$output" ]
	run -0 docker load -i "$BERTH_TEST_TMP/saved.tar"
	echo "$output"
	[[ $output == *"Loaded image: $IMG"* ]]
	[[ $output == *"Loaded image: second/name:2"* ]]
	run -0 docker image inspect --format '{{.Id}}' "$IMG"
	[ "$output" = "$IMG_ID" ]
	docker image inspect --format '{{json .RootFS}} {{json .Config}}' "$IMG" >"$BERTH_TEST_TMP/after"
	cmp "$BERTH_TEST_TMP/before" "$BERTH_TEST_TMP/after"

	# saved through stdout (GET /images/{name}/get), loaded through stdin
	docker save second/name:2 >"$BERTH_TEST_TMP/one.tar"
	run -0 docker rmi second/name:2
	run -0 docker load <"$BERTH_TEST_TMP/one.tar"
	[ "$output" = "Loaded image: second/name:2" ]
}

@test "load: a broken archive is an error and adds no image" {
	run -0 docker rmi "$IMG"
	head -c 10000 "$IMG_TAR" >"$BERTH_TEST_TMP/cut.tar"
	run docker load -i "$BERTH_TEST_TMP/cut.tar"
	echo "$output"
	[ "$status" -ne 0 ]
	printf 'not a tar at all\n' >"$BERTH_TEST_TMP/junk.tar"
	run docker load -i "$BERTH_TEST_TMP/junk.tar"
	echo "$output"
	[ "$status" -ne 0 ]
	run -0 docker images -q
	[ -z "$output" ]
}

@test "import: a rootfs tar with -c CMD and -m becomes a one-layer image" {
	local rootfs
	rootfs=$(berth_busybox_rootfs)
	tar -C "$rootfs" -cf "$BERTH_TEST_TMP/rootfs.tar" .
	run -0 docker import -c 'CMD ["/bin/sh"]' -c 'ENV FOO=bar' -m 'from bats' \
		"$BERTH_TEST_TMP/rootfs.tar" imported/busybox:v1
	echo "$output"
	[[ $output == sha256:* ]]
	local id=$output
	run -0 docker image inspect --format '{{.Id}} {{json .Config.Cmd}} {{len .RootFS.Layers}}' imported/busybox:v1
	[ "$output" = "$id [\"/bin/sh\"] 1" ]
	run -0 docker image inspect --format '{{json .Config.Env}}' imported/busybox:v1
	[[ $output == *'"FOO=bar"'* ]]
	run -0 docker history --format '{{.Comment}}' imported/busybox:v1
	[ "$output" = "from bats" ]

	# through stdin, no tag: a dangling image
	run -0 docker import - <"$BERTH_TEST_TMP/rootfs.tar"
	[[ $output == sha256:* ]]
	local dangling=$output
	run -0 docker images -q --filter dangling=true --no-trunc
	[ "$output" = "$dangling" ]

	run docker import -c 'BOGUS x' "$BERTH_TEST_TMP/rootfs.tar"
	echo "$output"
	[ "$status" -ne 0 ]
}

@test "image prune: dangling images go, tagged ones stay; -a takes unused ones" {
	local rootfs
	rootfs=$(berth_busybox_rootfs)
	tar -C "$rootfs" -cf "$BERTH_TEST_TMP/rootfs.tar" .
	run -0 docker import - <"$BERTH_TEST_TMP/rootfs.tar"
	local dangling=$output
	run -0 docker image prune -f
	echo "$output"
	[[ $output == *"deleted: $dangling"* ]]
	run -0 docker images -q --no-trunc
	[ "$output" = "$IMG_ID" ]

	run -0 docker image prune -af
	echo "$output"
	[[ $output == *"untagged: $IMG"* ]]
	[[ $output == *"deleted: $IMG_ID"* ]]
	run -0 docker images -q
	[ -z "$output" ]
}

@test "events: tag, untag, delete and load appear in docker events --since" {
	local since
	since=$(date +%s)
	run -0 docker tag "$IMG" ev/name:1
	run -0 docker rmi ev/name:1
	run -0 docker rmi "$IMG"
	run -0 docker load -i "$IMG_TAR"
	run -0 docker events --since "$since" --until "$(($(date +%s) + 1))" \
		--filter type=image --format '{{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}}'
	echo "$output"
	# setup's load may fall in the same second: start at the tag
	run -0 sed -n '/^tag /,$p' <<<"$output"
	[ "${lines[0]}" = "tag $IMG_ID ev/name:1" ]
	[ "${lines[1]}" = "untag $IMG_ID $IMG_ID" ]
	[ "${lines[2]}" = "untag $IMG_ID $IMG_ID" ]
	[ "${lines[3]}" = "delete $IMG_ID $IMG_ID" ]
	[ "${lines[-1]}" = "load $IMG_ID $IMG_ID" ]
}

@test "the Engine API directly: shapes and status codes" {
	local sock=${DOCKER_HOST#unix://}
	run -0 curl -s --unix-socket "$sock" http://d/v1.47/images/json
	run -0 jq -r '.[0] | [.Id, (.RepoTags | join(",")), (.Size > 0), .Containers] | @tsv' <<<"$output"
	[ "$output" = "$IMG_ID	$IMG	true	-1" ]

	run -0 curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" http://d/v1.47/images/nosuch/json
	[ "$output" = 404 ]
	run -0 curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" -X POST \
		"http://d/v1.47/images/$IMG/tag?repo=api/tag&tag=x"
	[ "$output" = 201 ]
	run -0 curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" -X POST \
		"http://d/v1.47/images/create"
	[ "$output" = 400 ]
	run -0 curl -s -o /dev/null -w '%{http_code}' --unix-socket "$sock" -X POST \
		"http://d/v1.47/images/create?fromSrc=http%3A%2F%2Fexample.com%2Fx.tar"
	[ "$output" = 501 ]
	run -0 curl -s --unix-socket "$sock" -X DELETE "http://d/v1.47/images/api/tag:x"
	run -0 jq -c . <<<"$output"
	[ "$output" = '[{"Untagged":"api/tag:x"}]' ]
	# repeated names= in one save
	run -0 curl -sf --unix-socket "$sock" -o "$BERTH_TEST_TMP/two.tar" \
		"http://d/v1.47/images/get?names=$IMG&names=${IMG_ID:7:12}"
	run -0 jq -r '.[0].RepoTags | join(",")' <(tar -xOf "$BERTH_TEST_TMP/two.tar" manifest.json)
	[ "$output" = "$IMG" ]
}

@test "save: a client that goes away mid-stream leaves berthd serving" {
	local sock=${DOCKER_HOST#unix://}
	# head closes the pipe after 1 kB: curl stops reading, berthd's
	# writes fail (EPIPE on the save thread, an error on the socket)
	run bash -c "curl -sN --unix-socket '$sock' 'http://d/v1.47/images/get?names=$IMG' | head -c 1024 | wc -c"
	[ "$output" -eq 1024 ]
	run -0 docker image inspect --format '{{.Id}}' "$IMG"
	[ "$output" = "$IMG_ID" ]
	# and the next save is whole
	run -0 docker save -o "$BERTH_TEST_TMP/after.tar" "$IMG"
	run -0 tar -tf "$BERTH_TEST_TMP/after.tar"
	[[ $output == *manifest.json* ]]
}

@test "docker-py: list, get, history, tag, save through /images/{name}/get, load, remove" {
	python3 -c 'import docker' 2>/dev/null || skip "python3-docker is not installed (scripts/deps.sh)"
	run -0 python3 - "$IMG" "$BERTH_TEST_TMP/py.tar" <<'PY'
import sys
import docker

name, path = sys.argv[1], sys.argv[2]
c = docker.from_env()
imgs = c.images.list()
assert [i.tags for i in imgs] == [[name]], imgs
img = c.images.get(name)
assert img.history()[0]["CreatedBy"] == "make-busybox-rootfs.sh"
assert img.tag("py/tagged", "v1")
with open(path, "wb") as f:
    for chunk in img.save(named=True):
        f.write(chunk)
c.images.remove("py/tagged:v1")
c.images.remove(name)
assert c.images.list() == []
with open(path, "rb") as f:
    loaded = c.images.load(f.read())
print(loaded[0].id, sorted(loaded[0].tags))
try:
    c.images.get("nosuch:image")
    raise SystemExit("no error for a missing image")
except docker.errors.ImageNotFound:
    pass
PY
	echo "$output"
	[ "$output" = "$IMG_ID ['$IMG']" ]
}
