#!/usr/bin/env bats
# Volumes through the real docker CLI against a berthd on a private socket:
# volume create/ls/inspect/rm/prune, named and anonymous volumes in
# containers (-v, --mount, the image's VOLUME), copy-up, read-only volumes
# and binds, --volumes-from, rm -v, a tmpfs-typed local volume, and what
# survives a berthd restart.  The leak check sees any volume mount left.

load ../helpers/common
load containers-helpers

setup() { api_setup; }
teardown() { api_teardown; }

# Mounts under the volumes dir on the host (tmpfs-typed volumes)
volume_mounts()
{
	awk -v d="$BERTH_DATA_ROOT/volumes/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo
}

@test "volume create, ls, inspect and rm, with docker's fields" {
	run "$DOCKER" volume create --label team=a v1
	[ "$status" -eq 0 ]
	[ "$output" = v1 ]
	run "$DOCKER" volume inspect v1
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[0].Name' <<<"$output")" = v1 ]
	[ "$(jq -r '.[0].Driver' <<<"$output")" = local ]
	[ "$(jq -r '.[0].Scope' <<<"$output")" = local ]
	[ "$(jq -r '.[0].Mountpoint' <<<"$output")" = "$BERTH_DATA_ROOT/volumes/v1/_data" ]
	[ "$(jq -r '.[0].Labels.team' <<<"$output")" = a ]
	[ "$(jq -r '.[0].Options' <<<"$output")" = null ]
	[[ $(jq -r '.[0].CreatedAt' <<<"$output") =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(Z|[+-][0-9]{2}:[0-9]{2})$ ]]
	[ -d "$BERTH_DATA_ROOT/volumes/v1/_data" ]
	# create is idempotent for an existing name
	run "$DOCKER" volume create v1
	[ "$status" -eq 0 ]
	[ "$output" = v1 ]
	"$DOCKER" volume create v2 >/dev/null
	[ "$("$DOCKER" volume ls -q | sort | tr '\n' ' ')" = "v1 v2 " ]
	[ "$("$DOCKER" volume ls -q --filter label=team=a)" = v1 ]
	[ "$("$DOCKER" volume ls -q --filter label=team=b)" = "" ]
	[ "$("$DOCKER" volume ls -q --filter name=2)" = v2 ]
	[ "$("$DOCKER" volume ls -q --filter driver=local | wc -l)" -eq 2 ]
	[ "$("$DOCKER" volume ls -q --filter dangling=true | wc -l)" -eq 2 ]
	run "$DOCKER" volume ls --filter bogus=1
	[ "$status" -ne 0 ]
	[[ $output == *"invalid filter 'bogus'"* ]]
	run "$DOCKER" volume rm v1 v2
	[ "$status" -eq 0 ]
	[ "$("$DOCKER" volume ls -q)" = "" ]
	[ ! -e "$BERTH_DATA_ROOT/volumes/v1" ]
	run "$DOCKER" volume inspect v1
	[ "$status" -eq 1 ]
	[[ $output == *"get v1: no such volume"* ]]
	run "$DOCKER" volume rm nope
	[ "$status" -eq 1 ]
	[[ $output == *"no such volume"* ]]
	run "$DOCKER" volume rm -f nope
	[ "$status" -eq 0 ]
	# without a name: a 64-hex one, not anonymous
	run "$DOCKER" volume create
	[[ $output =~ ^[0-9a-f]{64}$ ]]
	[ "$("$DOCKER" volume inspect -f '{{.Labels}}' "$output")" = "map[]" ]
}

@test "volume create refuses bad names, options and drivers with docker's messages" {
	run "$DOCKER" volume create 'a b'
	[ "$status" -eq 1 ]
	[[ $output == *'create a b: "a b" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed'* ]]
	run "$DOCKER" volume create x
	[ "$status" -eq 1 ]
	[[ $output == *'"x" includes invalid characters'* ]]
	run "$DOCKER" volume create --opt foo=bar vo
	[ "$status" -eq 1 ]
	[[ $output == *'create vo: invalid option: "foo"'* ]]
	run "$DOCKER" volume create --opt type=tmpfs vo
	[ "$status" -eq 1 ]
	[[ $output == *'missing required option: "device"'* ]]
	run "$DOCKER" volume create --driver nfsplugin vo
	[ "$status" -ne 0 ]
	[[ $output == *'plugin "nfsplugin" not found'* ]]
	[ "$("$DOCKER" volume ls -q)" = "" ]
}

@test "data written to a named volume survives the container and is seen by the next one" {
	"$DOCKER" run --rm -v keep:/data busybox sh -c 'echo persisted >/data/f'
	# the volume was created on the fly as a normal named volume
	[ "$("$DOCKER" volume inspect -f '{{.Labels}}' keep)" = "map[]" ]
	run "$DOCKER" run --rm -v keep:/other busybox cat /other/f
	[ "$status" -eq 0 ]
	[ "$output" = persisted ]
	[ "$(cat "$BERTH_DATA_ROOT/volumes/keep/_data/f")" = persisted ]
	# --mount type=volume reaches the same volume
	run "$DOCKER" run --rm --mount type=volume,src=keep,dst=/m busybox cat /m/f
	[ "$output" = persisted ]
}

@test "copy-up: a new empty volume gets the image's content, owner and mode; nocopy and full volumes do not" {
	"$DOCKER" run --name seed busybox sh -c \
		'mkdir -p /data/sub && echo seed >/data/f && ln -s f /data/l && chown 1000:1001 /data/f && chmod 640 /data/f && chown 1000 /data && chmod 750 /data'
	"$DOCKER" commit -c 'VOLUME /data' seed local/seeded:v1 >/dev/null
	# a named volume
	run "$DOCKER" run --rm -v sv:/data local/seeded:v1 sh -c 'cat /data/f; stat -c "%u:%g %a" /data/f /data; readlink /data/l; test -d /data/sub && echo dir'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'seed\n1000:1001 640\n1000:0 750\nf\ndir')" ]
	# the image's VOLUME gives an anonymous volume with the content
	"$DOCKER" run --name anon local/seeded:v1 cat /data/f
	[ "$("$DOCKER" logs anon)" = seed ]
	name=$("$DOCKER" inspect -f '{{range .Mounts}}{{.Name}}{{end}}' anon)
	[[ $name =~ ^[0-9a-f]{64}$ ]]
	[ "$("$DOCKER" volume inspect -f '{{json .Labels}}' "$name")" = '{"com.docker.volume.anonymous":""}' ]
	# nocopy: the volume stays empty
	run "$DOCKER" run --rm -v nc:/data:nocopy local/seeded:v1 ls -A /data
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	run "$DOCKER" run --rm --mount type=volume,src=nc2,dst=/data,volume-nocopy local/seeded:v1 ls -A /data
	[ "$output" = "" ]
	# a volume with content is not overwritten
	"$DOCKER" run --rm -v full:/data busybox sh -c 'echo mine >/data/mine'
	run "$DOCKER" run --rm -v full:/data local/seeded:v1 ls -A /data
	[ "$output" = mine ]
}

@test "read-only volumes and read-only binds are enforced" {
	mkdir -p "$BERTH_TEST_TMP/host"
	echo hostfile >"$BERTH_TEST_TMP/host/h"
	run "$DOCKER" run --rm -v ro1:/data:ro busybox sh -c 'touch /data/x'
	[ "$status" -ne 0 ]
	[[ $output == *"Read-only file system"* ]]
	run "$DOCKER" run --rm --mount type=volume,src=ro1,dst=/data,readonly busybox touch /data/x
	[ "$status" -ne 0 ]
	run "$DOCKER" run --rm -v "$BERTH_TEST_TMP/host:/h:ro" busybox sh -c 'cat /h/h; echo x >/h/h'
	[ "$status" -ne 0 ]
	[[ $output == *hostfile*"Read-only file system"* ]]
	[ "$(cat "$BERTH_TEST_TMP/host/h")" = hostfile ]
	run "$DOCKER" run --rm --mount "type=bind,src=$BERTH_TEST_TMP/host,dst=/h,readonly" busybox touch /h/new
	[ "$status" -ne 0 ]
	[ ! -e "$BERTH_TEST_TMP/host/new" ]
	# and a writable bind writes through
	"$DOCKER" run --rm -v "$BERTH_TEST_TMP/host:/h" busybox sh -c 'echo w >/h/new'
	[ "$(cat "$BERTH_TEST_TMP/host/new")" = w ]
}

@test "container inspect shows Mounts as docker does" {
	mkdir -p "$BERTH_TEST_TMP/host"
	"$DOCKER" create --name mi -v named:/data -v "$BERTH_TEST_TMP/host:/h:ro" -v /anon busybox true >/dev/null
	run "$DOCKER" inspect -f '{{json .Mounts}}' mi
	[ "$status" -eq 0 ]
	m=$output
	[ "$(jq -c '.[] | select(.Destination == "/data")' <<<"$m")" = \
		"{\"Type\":\"volume\",\"Name\":\"named\",\"Source\":\"$BERTH_DATA_ROOT/volumes/named/_data\",\"Destination\":\"/data\",\"Driver\":\"local\",\"Mode\":\"z\",\"RW\":true,\"Propagation\":\"\"}" ]
	[ "$(jq -c '.[] | select(.Destination == "/h")' <<<"$m")" = \
		"{\"Type\":\"bind\",\"Source\":\"$BERTH_TEST_TMP/host\",\"Destination\":\"/h\",\"Mode\":\"ro\",\"RW\":false,\"Propagation\":\"rprivate\"}" ]
	[ "$(jq -r '.[] | select(.Destination == "/anon") | "\(.Type) \(.Driver) \(.Mode) \(.RW)"' <<<"$m")" = "volume local  true" ]
	[ "$("$DOCKER" inspect -f '{{json .Config.Volumes}}' mi)" = '{"/anon":{}}' ]
	# docker ps shows the mounts' names
	[[ $("$DOCKER" ps -a --format '{{.Mounts}}') == *named* ]]
}

@test "a volume in use, even by a stopped container, cannot be removed" {
	id=$("$DOCKER" create -v busy:/data busybox true)
	run "$DOCKER" volume rm busy
	[ "$status" -eq 1 ]
	[ "$output" = "Error response from daemon: remove busy: volume is in use - [$id]" ]
	run "$DOCKER" volume rm -f busy
	[ "$status" -eq 1 ]
	[ "$("$DOCKER" volume ls -q --filter dangling=false)" = busy ]
	[ "$("$DOCKER" volume ls -q --filter dangling=true)" = "" ]
	"$DOCKER" rm "$id" >/dev/null
	run "$DOCKER" volume rm busy
	[ "$status" -eq 0 ]
}

@test "rm -v and run --rm remove anonymous volumes, never named ones" {
	"$DOCKER" create --name rv -v keepme:/a -v /b busybox true >/dev/null
	anon=$("$DOCKER" inspect -f '{{range .Mounts}}{{if eq .Destination "/b"}}{{.Name}}{{end}}{{end}}' rv)
	[[ $anon =~ ^[0-9a-f]{64}$ ]]
	"$DOCKER" volume inspect "$anon" >/dev/null
	"$DOCKER" rm -v rv >/dev/null
	run "$DOCKER" volume inspect "$anon"
	[ "$status" -eq 1 ]
	"$DOCKER" volume inspect keepme >/dev/null
	# without -v the anonymous volume stays
	"$DOCKER" create --name rv2 -v /b busybox true >/dev/null
	anon2=$("$DOCKER" inspect -f '{{range .Mounts}}{{.Name}}{{end}}' rv2)
	"$DOCKER" rm rv2 >/dev/null
	"$DOCKER" volume inspect "$anon2" >/dev/null
	# run --rm takes its anonymous volumes along
	"$DOCKER" run --rm -v /c -v keepme:/k busybox true
	[ "$("$DOCKER" volume ls -q | sort)" = "$(printf '%s\n' "$anon2" keepme | sort)" ]
}

@test "volume prune removes unused anonymous volumes, and with --all unused named ones" {
	"$DOCKER" volume create named1 >/dev/null
	"$DOCKER" volume create --label keep=yes named2 >/dev/null
	"$DOCKER" create --name pr -v /used busybox true >/dev/null
	used=$("$DOCKER" inspect -f '{{range .Mounts}}{{.Name}}{{end}}' pr)
	"$DOCKER" create --name gone -v /free busybox true >/dev/null
	free=$("$DOCKER" inspect -f '{{range .Mounts}}{{.Name}}{{end}}' gone)
	"$DOCKER" rm gone >/dev/null
	echo data >"$BERTH_DATA_ROOT/volumes/$free/_data/f"
	run "$DOCKER" volume prune -f
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'Deleted Volumes:\n%s\n\nTotal reclaimed space: 5B' "$free")" ]
	[ "$("$DOCKER" volume ls -q | sort)" = "$(printf '%s\n' "$used" named1 named2 | sort)" ]
	run "$DOCKER" volume prune -f --all --filter label!=keep
	[ "$status" -eq 0 ]
	[[ $output == *named1* ]]
	[ "$("$DOCKER" volume ls -q | sort)" = "$(printf '%s\n' "$used" named2 | sort)" ]
	run "$DOCKER" volume prune -f --filter bogus=1
	[ "$status" -ne 0 ]
	[[ $output == *"invalid filter 'bogus'"* ]]
}

@test "--volumes-from shares the other container's volumes and binds, :ro makes them read-only" {
	mkdir -p "$BERTH_TEST_TMP/host"
	"$DOCKER" create --name src -v shared:/shared -v "$BERTH_TEST_TMP/host:/h" -v /anon busybox true >/dev/null
	"$DOCKER" run --rm --volumes-from src busybox sh -c 'echo s >/shared/f; echo h >/h/f; echo a >/anon/f'
	[ "$(cat "$BERTH_TEST_TMP/host/f")" = h ]
	run "$DOCKER" run --rm --volumes-from src busybox cat /shared/f /anon/f
	[ "$output" = "$(printf 's\na')" ]
	run "$DOCKER" run --rm --volumes-from src:ro busybox sh -c 'touch /shared/x'
	[ "$status" -ne 0 ]
	[[ $output == *"Read-only file system"* ]]
	# --rm of the borrower does not take src's anonymous volume
	anon=$("$DOCKER" inspect -f '{{range .Mounts}}{{if eq .Destination "/anon"}}{{.Name}}{{end}}{{end}}' src)
	"$DOCKER" volume inspect "$anon" >/dev/null
	# (through the API: the CLI takes a 404 from create for a missing image)
	run berthd_curl POST /containers/create -H 'Content-Type: application/json' \
		-d '{"Image":"busybox","Cmd":["true"],"HostConfig":{"VolumesFrom":["nosuch"]}}'
	[ "$output" = '{"message":"No such container: nosuch"}' ]
}

@test "a tmpfs-typed local volume is mounted while used and unmounted after" {
	"$DOCKER" volume create --opt type=tmpfs --opt device=tmpfs --opt o=size=10m,mode=0770 tv >/dev/null
	[ "$("$DOCKER" volume inspect -f '{{json .Options}}' tv)" = '{"device":"tmpfs","o":"size=10m,mode=0770","type":"tmpfs"}' ]
	"$DOCKER" run -d --name tu -v tv:/data busybox sh -c 'echo t >/data/f; sleep 1000' >/dev/null
	run "$DOCKER" exec tu sh -c 'grep " /data " /proc/mounts; df -k /data | tail -n 1; stat -c %a /data'
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "tmpfs /data tmpfs "* ]]
	[ "$(awk '{ print $2 }' <<<"${lines[1]}")" -eq 10240 ]
	[ "${lines[2]}" = 770 ]
	[ "$(volume_mounts)" = "$BERTH_DATA_ROOT/volumes/tv/_data" ]
	# a second user shares the same mount
	run "$DOCKER" run --rm -v tv:/d busybox cat /d/f
	[ "$output" = t ]
	[ "$(volume_mounts)" = "$BERTH_DATA_ROOT/volumes/tv/_data" ]
	"$DOCKER" rm -f tu >/dev/null
	[ "$(volume_mounts)" = "" ]
	# --mount makes a typed, labelled volume on the fly
	run "$DOCKER" run --rm --mount 'type=volume,src=mt,dst=/m,volume-opt=type=tmpfs,volume-opt=device=tmpfs,volume-label=k=v' busybox grep ' /m ' /proc/mounts
	[ "$status" -eq 0 ]
	[[ $output == "tmpfs /m tmpfs "* ]]
	[ "$("$DOCKER" volume inspect -f '{{.Labels.k}} {{.Options.type}}' mt)" = "v tmpfs" ]
	[ "$(volume_mounts)" = "" ]
	# a mount that fails gives docker's message and leaves nothing mounted
	"$DOCKER" volume create --opt type=nosuchfs --opt device=x bad >/dev/null
	run "$DOCKER" run --rm -v bad:/data busybox true
	[ "$status" -ne 0 ]
	[[ $output == *"error while mounting volume '$BERTH_DATA_ROOT/volumes/bad/_data': failed to mount local volume: mount x:"* ]]
	[ "$(volume_mounts)" = "" ]
}

@test "a bind-typed local volume (o=bind) shows the host directory" {
	mkdir -p "$BERTH_TEST_TMP/src"
	echo from-host >"$BERTH_TEST_TMP/src/f"
	"$DOCKER" volume create --opt type=none --opt "device=$BERTH_TEST_TMP/src" --opt o=bind bv >/dev/null
	run "$DOCKER" run --rm -v bv:/data busybox cat /data/f
	[ "$status" -eq 0 ]
	[ "$output" = from-host ]
	[ "$(volume_mounts)" = "" ]
}

@test "volumes survive a berthd restart, and a running user's tmpfs volume is unmounted when it stops after it" {
	"$DOCKER" volume create --label l=1 kept >/dev/null
	"$DOCKER" run --rm -v kept:/data busybox sh -c 'echo still >/data/f'
	before=$("$DOCKER" volume inspect kept)
	"$DOCKER" volume create --opt type=tmpfs --opt device=tmpfs tr >/dev/null
	"$DOCKER" run -d --name trc -v tr:/data busybox sleep 1000 >/dev/null
	berthd_restart
	[ "$("$DOCKER" volume inspect kept)" = "$before" ]
	run "$DOCKER" run --rm -v kept:/data busybox cat /data/f
	[ "$output" = still ]
	[ "$(volume_mounts)" = "$BERTH_DATA_ROOT/volumes/tr/_data" ]
	run "$DOCKER" volume rm tr
	[ "$status" -eq 1 ]
	"$DOCKER" rm -f trc >/dev/null
	[ "$(volume_mounts)" = "" ]
	"$DOCKER" volume rm tr >/dev/null
}

@test "bad volume specs get docker's errors" {
	run "$DOCKER" run --rm -v /a:ro busybox true
	[ "$status" -ne 0 ]
	[[ $output == *"invalid volume specification: '/a:ro'"* ]]
	run "$DOCKER" run --rm -v 'bad name:/x' busybox true
	[ "$status" -ne 0 ]
	[[ $output == *"includes invalid characters for a local volume name"* ]]
	run "$DOCKER" run --rm -v v:/x:bogus busybox true
	[ "$status" -ne 0 ]
	[[ $output == *"invalid mode: bogus"* ]]
	[ "$("$DOCKER" ps -aq)" = "" ]
}

@test "system df counts volumes, their size and the ones in use" {
	"$DOCKER" volume create dfa >/dev/null
	printf hello >"$BERTH_DATA_ROOT/volumes/dfa/_data/f"
	"$DOCKER" create -v dfb:/d busybox true >/dev/null
	run "$DOCKER" system df --format '{{.Type}}|{{.TotalCount}}|{{.Active}}|{{.Size}}|{{.Reclaimable}}'
	[ "$status" -eq 0 ]
	[[ $output == *"Local Volumes|2|1|5B|5B (100%)"* ]]
	run "$DOCKER" system df -v
	[[ $output == *"dfa "*"0 "*"5B"* ]]
	[[ $output == *"dfb "*"1 "*"0B"* ]]
}

@test "a create that fails on a taken name leaves no anonymous volume behind" {
	"$DOCKER" create --name dup -v /z busybox true >/dev/null
	[ "$("$DOCKER" volume ls -q | wc -l)" -eq 1 ]
	run "$DOCKER" create --name dup -v /z busybox true
	[ "$status" -ne 0 ]
	[[ $output == *"is already in use"* ]]
	[ "$("$DOCKER" volume ls -q | wc -l)" -eq 1 ]
}
