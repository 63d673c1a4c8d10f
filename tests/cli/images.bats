#!/usr/bin/env bats
# The image commands of berth (src/cli/image/*.c) against a berthd of the
# test's own, each scenario run through berth and through the real docker
# CLI and compared: the images table and its flags, tag, rmi's
# Untagged:/Deleted: lines, history, save/load round trips, import with
# -c/-m, image prune with and without its prompt, and the errors.

bats_require_minimum_version 1.5.0

load ../helpers/common
load cli-helpers

setup()
{
	cli_setup
}

teardown()
{
	cli_teardown
}

# A tarball of the busybox rootfs for import
rootfs_tar()
{
	local out=$BERTH_TEST_TMP/rootfs.tar
	if [ ! -f "$out" ]; then
		tar -C "$(berth_busybox_rootfs)" -cf "$out" . || return 1
	fi
	echo "$out"
}

# same_output BERTH_OUT DOCKER_OUT FROM TO: the two outputs (normalised)
# are equal once FROM is replaced by TO in berth's
same_output()
{
	local b d
	b=$(cli_normalise <<<"${1//$3/$4}")
	d=$(cli_normalise <<<"$2")
	if [ "$b" != "$d" ]; then
		echo "berth:" >&2
		printf '%s\n' "$b" >&2
		echo "docker:" >&2
		printf '%s\n' "$d" >&2
		return 1
	fi
}

# run_both NAME_B NAME_D ARGS...: run `berth ARGS` with @NAME@ replaced by
# NAME_B and `docker ARGS` with NAME_D, then compare status and output
# (stdout and stderr) with NAME_B mapped to NAME_D
run_both()
{
	local nb=$1 nd=$2
	shift 2
	local argb=("${@//@NAME@/$nb}") argd=("${@//@NAME@/$nd}")
	local ob od sb=0 sd=0
	ob=$("$BERTH" "${argb[@]}" 2>&1 </dev/null) || sb=$?
	od=$("$DOCKER" "${argd[@]}" 2>&1 </dev/null) || sd=$?
	berth_output=$ob docker_output=$od
	[ "$sb" = "$sd" ] || { echo "status: berth $sb, docker $sd" >&2; printf '%s\n' "$ob" "$od" >&2; return 1; }
	same_output "$ob" "$od" "$nb" "$nd"
}

@test "images: the table, -q, --digests, --no-trunc, -a and a repository argument as docker" {
	both images
	# (a table with times is compared without its column gaps: cli_normalise)
	[ "${berth_output%%$'\n'*}" = "REPOSITORY   TAG   IMAGE ID   CREATED   SIZE" ]
	[[ $berth_output == *$'\n'"busybox   latest   <ID>   <AGO>   "* ]]
	both images -q
	[ "$berth_output" = "<ID>" ]
	both images --digests
	both images --no-trunc
	[[ $berth_output == *"sha256:<DIGEST>"* ]]
	both images -a
	both images busybox
	both images busybox:latest
	both images nothere
	[ "$berth_output" = "REPOSITORY   TAG       IMAGE ID   CREATED   SIZE" ]
	both image ls
	both image list -q
}

@test "images: --filter, --format templates and tables as docker" {
	both images --filter reference=busybox
	both images --filter reference='bus*'
	both images --filter dangling=true
	both images --filter dangling=false -q
	both images --format '{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}} {{.Containers}}'
	[[ $berth_output == "busybox:latest <ID> "*" N/A" ]]
	both images --format 'table {{.ID}}\t{{.Repository}}'
	[ "${berth_output%%$'\n'*}" = "IMAGE ID       REPOSITORY" ]
	both images --format 'table {{.Repository}}' --digests
	both images --format table
	both images --format '{{.CreatedAt}}|{{.VirtualSize}}|{{.Digest}}'
}

@test "images --format json: docker's field set and encoding" {
	both images --format json
	[[ $berth_output == '{"Containers":"N/A",'* ]]
}

@test "images: a bad filter or too many arguments are docker's usage errors" {
	both images --filter bad
	[ "$berth_status" -eq 125 ]
	[[ $berth_output == 'invalid argument "bad" for "-f, --filter" flag: bad format of filter (expected name=value)'* ]]
	both images a b
	[ "$berth_status" -eq 1 ]
	both images --filter nosuchfilter=1
	[ "$berth_status" -eq 1 ]
}

@test "tag and rmi: the same images and Untagged:/Deleted: lines as docker" {
	run_both b/one d/one tag busybox @NAME@:1
	run_both b/one d/one images @NAME@
	[[ $berth_output == *$'\n'"b/one        1         "* ]]
	run_both b/one d/one tag busybox @NAME@
	run_both b/one d/one images --format '{{.Repository}} {{.Tag}}' @NAME@
	[ "$berth_output" = $'b/one latest\nb/one 1' ] || [ "$berth_output" = $'b/one 1\nb/one latest' ]
	# one tag of several: untagged only
	run_both b/one d/one rmi @NAME@:1
	[ "$berth_output" = "Untagged: b/one:1" ]
	run_both b/one d/one rmi @NAME@
	[ "$berth_output" = "Untagged: b/one:latest" ]
	both images
	# errors: a missing image, a bad new name, several at once (carries on, exit 1)
	both tag nothere x:1
	both tag busybox 'Bad:Name'
	both rmi nothere
	[ "$berth_status" -eq 1 ]
	[ "$berth_output" = "Error response from daemon: No such image: nothere:latest" ]
	both rmi nothere busybox:nope
	both tag
	[ "$berth_status" -eq 1 ]
}

@test "rmi: the last tag deletes the image, an ID with several tags needs -f, as docker" {
	# a layer of its own each, so that both deletions go down to the layer
	local n
	for n in b d; do
		mkdir -p "$BERTH_TEST_TMP/$n"
		echo "$n" >"$BERTH_TEST_TMP/$n/file"
		tar -C "$BERTH_TEST_TMP/$n" -cf "$BERTH_TEST_TMP/$n.tar" .
	done
	run -0 "$BERTH" import "$BERTH_TEST_TMP/b.tar" b/imp:1
	run -0 "$DOCKER" import "$BERTH_TEST_TMP/d.tar" d/imp:1
	run_both b/imp d/imp rmi @NAME@:1
	[[ $berth_output == "Untagged: b/imp:1"$'\n'"Deleted: sha256:"*$'\n'"Deleted: sha256:"* ]]

	run -0 "$BERTH" tag busybox berth/two:1
	run -0 "$BERTH" tag busybox berth/two:2
	local id
	id=$("$DOCKER" images -q busybox)
	both rmi "$id"
	[ "$berth_status" -eq 1 ]
	[[ $berth_output == *"must be forced"* ]]
	# -f removes every tag and the image; busybox is gone for both after
	run -0 "$BERTH" rmi -f "$id"
	[[ $output == *"Untagged: busybox:latest"* ]]
	[[ $output == *"Untagged: berth/two:1"* ]]
	[[ $output == *"Deleted: sha256:"* ]]
	both images -q
	[ -z "$berth_output" ]
}

@test "history: the table, --no-trunc, -H=false, -q and --format as docker" {
	both history busybox
	[ "${berth_output%%$'\n'*}" = "IMAGE          CREATED   CREATED BY               SIZE      COMMENT" ]
	both history --no-trunc busybox
	both history -H=false busybox
	both history --human=false --no-trunc busybox
	both history -q busybox
	both history --format '{{.ID}}|{{.CreatedBy}}|{{.Size}}|{{.CreatedSince}}' busybox
	both history --format json busybox
	both image history busybox
	both history nothere
	[ "$berth_status" -eq 1 ]
	both history
	[ "$berth_status" -eq 1 ]
	# an imported image: its comment, no created-by
	run -0 "$BERTH" import -m "a comment" -c 'LABEL a=b' "$(rootfs_tar)" hist:1
	both history hist:1
	[[ $berth_output == *"a comment"* ]]
}

@test "save and load: a round trip through a file and through pipes, as docker" {
	local b=$BERTH_TEST_TMP/berth.tar d=$BERTH_TEST_TMP/docker.tar
	run -0 "$BERTH" save -o "$b" busybox
	[ -z "$output" ]
	run -0 "$DOCKER" save -o "$d" busybox
	cmp "$b" "$d"
	tar -tf "$b" | grep -qx manifest.json
	"$BERTH" save busybox >"$BERTH_TEST_TMP/stdout.tar"
	cmp "$b" "$BERTH_TEST_TMP/stdout.tar"
	# no temporary file is left beside the output
	[ "$(find "$BERTH_TEST_TMP" -maxdepth 1 -name '.berth-save-*' | wc -l)" -eq 0 ]

	run -0 "$BERTH" rmi busybox
	both load -i "$b"
	[ "$berth_output" = "Loaded image: busybox:latest" ]
	run -0 "$BERTH" rmi busybox
	run -0 "$BERTH" load <"$b"
	[ "$output" = "Loaded image: busybox:latest" ]
	run -0 "$BERTH" load -q -i "$b"
	[ "$output" = "Loaded image: busybox:latest" ]
	both images

	# errors as docker's
	both load -i "$BERTH_TEST_TMP/missing.tar"
	[ "$berth_status" -eq 1 ]
	[ "$berth_output" = "open $BERTH_TEST_TMP/missing.tar: no such file or directory" ]
	both save -o /nonexistent/dir/x.tar busybox
	[ "$berth_status" -eq 1 ]
	both save -o "$BERTH_TEST_TMP/x.tar" nothere
	[ "$berth_status" -eq 1 ]
	[ ! -e "$BERTH_TEST_TMP/x.tar" ]
	run -1 "$BERTH" load -i /etc/hostname
	[ -n "$output" ]
}

@test "save refuses a terminal on stdout, as docker" {
	local prog
	for prog in "$BERTH" "$DOCKER"; do
		run -0 python3 - "$prog" <<'EOF'
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "save", "busybox"])
out = b""
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.write("%d %s" % (os.waitstatus_to_exitcode(status), out.decode().strip()))
EOF
		[ "$output" = "1 cowardly refusing to save to a terminal. Use the -o flag or redirect" ]
	done
}

@test "import: a file, stdin, -c and -m, and a missing file, as docker" {
	local tar
	tar=$(rootfs_tar)
	run_both b/imp d/imp import "$tar" @NAME@:1
	[[ $berth_output =~ ^sha256:[0-9a-f]{64}$ ]]
	run_both b/imp d/imp images --format '{{.Repository}}:{{.Tag}} {{.Size}}' @NAME@
	run_both b/imp d/imp history --format '{{.CreatedBy}}|{{.Comment}}' @NAME@:1
	[ "$berth_output" = "|Imported from -" ]

	run -0 "$BERTH" import -c 'CMD ["echo", "hi"]' -c 'ENV A=b' -m "made by berth" - berth/imp:2 <"$tar"
	[[ $output =~ ^sha256:[0-9a-f]{64}$ ]]
	run -0 "$DOCKER" image inspect --format '{{json .Config.Cmd}} {{.Config.Env}} {{.Comment}}' berth/imp:2
	[ "$output" = '["echo","hi"] [A=b] made by berth' ]

	# without a name: a dangling image
	run -0 "$BERTH" import "$tar"
	both images --filter dangling=true --format '{{.Repository}}:{{.Tag}}'
	[ "$berth_output" = "<none>:<none>" ]

	both import "$BERTH_TEST_TMP/missing.tar"
	[ "$berth_status" -eq 1 ]
	both import
	[ "$berth_status" -eq 1 ]
}

@test "image prune: the prompt, -f, -a and --filter, as docker" {
	# nothing dangling: the same line
	both image prune -f
	[ "$berth_output" = "Total reclaimed space: 0B" ]
	# the prompt: declined (and EOF) prunes nothing, exit 0
	local ob od
	ob=$(echo n | "$BERTH" image prune 2>&1)
	od=$(echo n | "$DOCKER" image prune 2>&1)
	[ "$ob" = "$od" ]
	[ "$ob" = "WARNING! This will remove all dangling images."$'\n'"Are you sure you want to continue? [y/N] " ]
	both image prune
	ob=$(echo n | "$BERTH" image prune -a 2>&1)
	od=$(echo n | "$DOCKER" image prune -a 2>&1)
	[ "$ob" = "$od" ]

	# a dangling image each, pruned after "y"
	local tar
	tar=$(rootfs_tar)
	run -0 "$BERTH" import "$tar"
	ob=$(echo y | "$BERTH" image prune 2>&1)
	run -0 "$BERTH" import "$tar"
	od=$(echo y | "$DOCKER" image prune 2>&1)
	same_output "$ob" "$od" x x
	[[ $ob == *"Deleted Images:"$'\n'"deleted: sha256:"*$'\n\n'"Total reclaimed space: "* ]]

	# -a takes unused tagged images too; a filter that matches nothing keeps them
	both image prune -a -f --filter label=nosuch=1
	[ "$berth_output" = "Total reclaimed space: 0B" ]
	both image prune --filter bad
	[ "$berth_status" -eq 125 ]
	run -0 "$BERTH" image prune -a -f
	[[ $output == *"untagged: busybox:latest"* ]]
	[[ $output == *"Total reclaimed space: "*B ]]
	both images -q
	[ -z "$berth_output" ]
}
