#!/bin/bash
# bench/push/run.sh: push of a ~120 MB image (busybox + 3 layers of random
# data) to an empty local docker-registry on 127.0.0.1: berth
# (tests/helpers/image-tool push, from its image store) vs `skopeo copy
# oci:DIR docker://…` vs `podman push` (opt-in: BENCH_PODMAN=1).  Every
# run pushes to a fresh registry, so no blob is there already; runs are
# interleaved; prints the median seconds of each and the ratios.
#
#   bench/push/run.sh [-n RUNS] [-s LAYER_MB] [-k]
#     -n RUNS      runs per pusher (default 3)
#     -s LAYER_MB  size of each random layer (default 40)
#     -k           keep the temp dir
#   BERTH_BUILD=dir picks the build (default build/).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
RUNS=3 LAYER_MB=40 KEEP=0
while getopts n:s:k opt; do
	case $opt in
	n) RUNS=$OPTARG ;;
	s) LAYER_MB=$OPTARG ;;
	k) KEEP=1 ;;
	*) echo "usage: $0 [-n RUNS] [-s LAYER_MB] [-k]" >&2; exit 2 ;;
	esac
done
[ "$(id -u)" -eq 0 ] || { echo "bench/push: needs root (image store, podman)" >&2; exit 1; }

export BERTH_BUILD=${BERTH_BUILD:-$repo/build}
export BERTH_REPO=$repo
IMAGE_TOOL=$BERTH_BUILD/tests/helpers/image-tool
[ -x "$IMAGE_TOOL" ] || { echo "bench/push: build first ($IMAGE_TOOL)" >&2; exit 1; }
# shellcheck source=../../tests/helpers/interop.bash
. "$repo/tests/helpers/interop.bash"
# shellcheck source=../../tests/helpers/registry.bash
. "$repo/tests/helpers/registry.bash"

REG_DIR=$(mktemp -d /tmp/berth-bench-push.XXXXXX)
export REG_DIR
cleanup()
{
	registry_stop
	[ "$KEEP" = 1 ] && { echo "kept $REG_DIR" >&2; return; }
	umount -R "$REG_DIR/podman/root/overlay" 2>/dev/null || true
	rm -rf "$REG_DIR"
}
trap cleanup EXIT

INTEROP_IMAGE=localhost/bench:push interop_make_image_tar "$REG_DIR/img" >/dev/null
"$IMAGE_TOOL" --root "$REG_DIR/tmp" load "$REG_DIR/img/busybox.tar" >/dev/null
"$IMAGE_TOOL" --root "$REG_DIR/tmp" save --format oci-dir "$REG_DIR/oci" localhost/bench:push >/dev/null
python3 "$repo/tests/helpers/add-layers.py" "$REG_DIR/oci" 3 $((LAYER_MB * 1000 * 1000))
# berth's store gets the 4-layer image with its blobs (load keeps them)
"$IMAGE_TOOL" --root "$REG_DIR/src" load-oci-dir "$REG_DIR/oci" --name localhost/bench >/dev/null
SRC=$("$IMAGE_TOOL" --root "$REG_DIR/src" list | jq -r '.[0].Id')
echo "image: $(du -sh "$REG_DIR/oci/blobs" | cut -f1) in 4 layers" >&2

PUSHERS=(berth skopeo)
if [ "${BENCH_PODMAN:-0}" = 1 ] && command -v podman >/dev/null; then
	PUSHERS+=(podman)
	podman_() { podman --root "$REG_DIR/podman/root" --runroot "$REG_DIR/podman/runroot" \
		--storage-driver overlay "$@"; }
	podman_ pull -q "oci:$REG_DIR/oci" >/dev/null
fi

n=0
run_one()
{
	local who=$1 port ref t0 t1
	n=$((n + 1))
	port=$(registry_start "r$n")
	ref=127.0.0.1:$port/bench/push:1
	[ "$who" = berth ] && "$IMAGE_TOOL" --root "$REG_DIR/src" tag "$SRC" "$ref"
	t0=$(date +%s.%N)
	case $who in
	berth) "$IMAGE_TOOL" --root "$REG_DIR/src" push --insecure "$ref" >/dev/null ;;
	skopeo) skopeo copy -q --dest-tls-verify=false "oci:$REG_DIR/oci" "docker://$ref" ;;
	podman) podman_ push -q --tls-verify=false "$(podman_ images -q | head -1)" "docker://$ref" ;;
	esac
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc >"$REG_DIR/t"
	registry_stop
	rm -rf "$REG_DIR/r$n"
}

declare -A T
for ((i = 0; i < RUNS; i++)); do
	for who in "${PUSHERS[@]}"; do
		run_one "$who"
		T[$who]+="$(cat "$REG_DIR/t") "
	done
done

median()
{
	tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
berth=$(median "${T[berth]}")
printf '%-14s %8s %8s\n' pusher median vs-berth
for who in "${PUSHERS[@]}"; do
	m=$(median "${T[$who]}")
	printf '%-14s %8.3f %8.2f   (runs: %s)\n' "$who" "$m" "$(echo "$m / $berth" | bc -l)" "${T[$who]}"
done
echo "target: berth <= 1.2 s"
