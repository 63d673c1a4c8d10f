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

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"
bench_init push 3 40 'image store, podman' "$@"

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

bench_registry_image push "$REG_DIR/oci"
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

berth=$(bench_median "${T[berth]}")
printf '%-14s %8s %8s\n' pusher median vs-berth
for who in "${PUSHERS[@]}"; do
	m=$(bench_median "${T[$who]}")
	printf '%-14s %8.3f %8.2f   (runs: %s)\n' "$who" "$m" "$(echo "$m / $berth" | bc -l)" "${T[$who]}"
done
echo "target: berth <= 1.2 s"
