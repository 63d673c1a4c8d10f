#!/bin/bash
# demo.sh: from a fresh Debian 12 to berth running (sudo make demo).
# Installs the dependencies, builds, and shows each program's version; it
# grows into running a busybox container end to end as the engine does.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BERTH_BUILD:-$REPO/build}
cd "$REPO"

"$REPO/scripts/deps.sh"
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" --buildtype=debugoptimized
ninja -C "$BUILD"

echo
for prog in cli/berth daemon/berthd shim/berth-shim runtime-cli/berth-runtime; do
	echo "\$ $(basename "$prog") --version"
	"$BUILD/src/$prog" --version
	echo
done
