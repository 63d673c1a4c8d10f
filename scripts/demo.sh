#!/bin/bash
# demo.sh: from a fresh Debian 12 to a container (sudo make demo).
# Installs the dependencies, builds, makes a busybox bundle from Debian's
# busybox-static (no download), and runs it with berth-runtime: a container
# with its own pid, mount, uts, ipc, network and cgroup namespaces, then the
# same through create/start/state/delete.  Leaves nothing behind.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BERTH_BUILD:-$REPO/build}
cd "$REPO"

# containers need root; without it the runtime would fail half-way through
[ "$(id -u)" -eq 0 ] || { echo "demo.sh: needs root (sudo make demo)" >&2; exit 1; }
"$REPO/scripts/deps.sh"
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" --buildtype=debugoptimized
ninja -C "$BUILD"

RT=$BUILD/src/runtime-cli/berth-runtime
work=$(mktemp -d /tmp/berth-demo.XXXXXX)
root=$work/state
cleanup()
{
	"$RT" --root "$root" delete -f berth-demo-2 >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

show()
{
	echo "\$ $*"
	"$@"
}

echo
for prog in cli/berth daemon/berthd shim/berth-shim runtime-cli/berth-runtime; do
	"$BUILD/src/$prog" --version | head -n 1
done

echo
echo "== a busybox bundle from Debian's busybox-static"
"$REPO/tests/data/make-busybox-rootfs.sh" "$work/bundle/rootfs"
(cd "$work/bundle" && "$RT" spec)
jq '.process.terminal = false
    | .hostname = "berth-demo"
    | .process.args = ["sh", "-c",
        "echo hello from berth-runtime; echo \"pid $$ on $(hostname)\"; id; ls /"]' \
	"$work/bundle/config.json" >"$work/config.json"
mv "$work/config.json" "$work/bundle/config.json"

echo
echo "== berth-runtime run"
show "$RT" --root "$root" run --bundle "$work/bundle" berth-demo-1

echo
echo "== create, state, start, delete"
jq '.process.args = ["sleep", "30"]' "$work/bundle/config.json" >"$work/config.json"
mv "$work/config.json" "$work/bundle/config.json"
show "$RT" --root "$root" create --bundle "$work/bundle" berth-demo-2
echo "\$ $RT --root $root state berth-demo-2"
"$RT" --root "$root" state berth-demo-2 | jq -c '{id, status, pid}'
show "$RT" --root "$root" start berth-demo-2
"$RT" --root "$root" state berth-demo-2 | jq -c '{id, status, pid}'
show "$RT" --root "$root" list
show "$RT" --root "$root" kill berth-demo-2 KILL
show "$RT" --root "$root" delete -f berth-demo-2
echo
echo "demo done: berth-runtime ran a busybox container end to end"
