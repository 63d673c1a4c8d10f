#!/bin/bash
# demo.sh: from a fresh Debian 12 to containers run by the whole engine
# (sudo make demo): installs the dependencies, builds, starts a berthd of
# its own (temporary data root and socket, so a berthd already on the
# machine is never touched), makes a busybox image from Debian's
# busybox-static (no download), and drives it with the berth CLI.  Leaves
# nothing behind: containers, berthd, mounts and files go on every exit.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BERTH_BUILD:-$REPO/build}
cd "$REPO"

# containers need root; without it berthd would fail half-way through
[ "$(id -u)" -eq 0 ] || { echo "demo.sh: needs root (sudo make demo)" >&2; exit 1; }
[ -n "${BERTH_DEMO_NO_DEPS:-}" ] || "$REPO/scripts/deps.sh"
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" --buildtype=debugoptimized
ninja -C "$BUILD"

BERTH=$BUILD/src/cli/berth
BERTHD=$BUILD/src/daemon/berthd
IMAGE_TOOL=$BUILD/tests/helpers/image-tool
work=$(mktemp -d /tmp/berth-demo.XXXXXX)
export BERTH_HOST=unix://$work/berth.sock
BERTHD_PID=

cleanup()
{
	local ids m
	set +e # clean up everything, whatever fails on the way
	if [ -n "$BERTHD_PID" ]; then
		# containers outlive berthd by design (their shims keep them), so
		# they go first, while berthd can still remove them
		mapfile -t ids < <("$BERTH" ps -aq 2>/dev/null)
		[ "${#ids[@]}" -eq 0 ] || "$BERTH" rm -f "${ids[@]}" >/dev/null 2>&1
		kill -TERM "$BERTHD_PID" 2>/dev/null || true
		wait "$BERTHD_PID" 2>/dev/null || true
	fi
	# whatever is still mounted under the demo's directory, deepest first
	awk '{ print $5 }' /proc/self/mountinfo | { grep -F "$work/" || true; } | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null; done
	rm -rf --one-file-system "$work"
}
trap cleanup EXIT

show()
{
	printf '\n\033[1m$ %s\033[0m\n' "$*"
	"$@"
}

# docker_archive LAYER OUT: a one-layer docker-archive named busybox:latest
docker_archive()
{
	local layer=$1 out=$2 dir=$work/archive sum config config_sum
	sum=$(sha256sum "$layer" | cut -d' ' -f1)
	mkdir -p "$dir/$sum"
	cp "$layer" "$dir/$sum/layer.tar"
	config=$(jq -cn --arg arch "$(dpkg --print-architecture)" --arg diff "sha256:$sum" '{
		architecture: $arch, os: "linux", created: "1970-01-01T00:00:00Z",
		config: { Cmd: ["sh"], Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] },
		rootfs: { type: "layers", diff_ids: [$diff] },
		history: [{ created: "1970-01-01T00:00:00Z", created_by: "make-busybox-rootfs.sh" }] }')
	printf '%s' "$config" >"$dir/config.json"
	config_sum=$(sha256sum "$dir/config.json" | cut -d' ' -f1)
	mv "$dir/config.json" "$dir/$config_sum.json"
	jq -cn --arg c "$config_sum.json" --arg l "$sum/layer.tar" \
		'[{ Config: $c, RepoTags: ["busybox:latest"], Layers: [$l] }]' >"$dir/manifest.json"
	tar -C "$dir" -cf "$out" .
}

echo
for prog in cli/berth daemon/berthd shim/berth-shim runtime-cli/berth-runtime; do
	"$BUILD/src/$prog" --version | head -n 1
done

# A busybox rootfs from Debian's busybox-static (`busybox --install -s`)
echo
echo "== a busybox image from Debian's busybox-static"
"$REPO/tests/data/make-busybox-rootfs.sh" "$work/rootfs" >/dev/null
tar -C "$work/rootfs" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
	-cf "$work/rootfs.tar" .

# `berth import` makes the image through berthd; should this build's CLI
# not have it, the image goes into the data root before berthd starts
mkdir -p "$work/data" "$work/exec"
use_import=1
"$BERTH" import --help >/dev/null 2>&1 || use_import=
if [ -z "$use_import" ]; then
	docker_archive "$work/rootfs.tar" "$work/busybox.tar"
	"$IMAGE_TOOL" --root "$work/data" load "$work/busybox.tar" >/dev/null
fi

echo
echo "== berthd on $BERTH_HOST (data root $work/data)"
echo '{}' >"$work/daemon.json"
mkfifo "$work/ready"
"$BERTHD" --data-root "$work/data" --exec-root "$work/exec" -H "$BERTH_HOST" \
	--config-file "$work/daemon.json" --ready-fd 3 3>"$work/ready" >"$work/berthd.log" 2>&1 &
BERTHD_PID=$!
# berthd writes READY once it listens; EOF instead means it died
read -r line <"$work/ready" || true
if [ "${line:-}" != READY ]; then
	echo "demo.sh: berthd did not start; its log:" >&2
	cat "$work/berthd.log" >&2
	exit 1
fi
show "$BERTH" version --format 'client {{.Client.Version}}, server {{.Server.Version}} (API {{.Server.APIVersion}})'

if [ -n "$use_import" ] && [ -z "$("$BERTH" images -q busybox)" ]; then
	show "$BERTH" import "$work/rootfs.tar" busybox
fi

echo
echo "== containers"
show "$BERTH" run --rm busybox echo hello from berth
show "$BERTH" run -d --name demo-sleeper busybox sleep 300
show "$BERTH" run --name demo-hostname --hostname berth-demo busybox hostname
show "$BERTH" ps -a
show "$BERTH" images
show "$BERTH" system df
show "$BERTH" rm -f demo-sleeper demo-hostname

echo
echo "demo done: berthd ran busybox containers driven by the berth CLI; stopping it"
