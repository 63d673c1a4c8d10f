#!/bin/bash
# bench/pull/run.sh: cold pull of a ~120 MB image (busybox + 3 layers of
# random data) from a local docker-registry on 127.0.0.1: berth
# (tests/helpers/image-tool pull: download, verify, unpack) vs `docker
# pull` (docker.io's dockerd on its own data root, iptables and bridge
# off), `podman pull` (private root, --tls-verify=false) and `skopeo copy
# docker://… oci:DIR` (download only, no unpack).  Every run starts cold
# (an empty root; docker: the image and its layers removed); runs are
# interleaved; prints the median seconds of each and the ratios.  Holds
# /tmp/berth-bats.lock throughout (dockerd and podman mount overlays).
#
#   bench/pull/run.sh [-n RUNS] [-s LAYER_MB] [-k]
#     -n RUNS      runs per puller (default 3)
#     -s LAYER_MB  size of each random layer (default 40)
#     -k           keep the temp dir
#   BERTH_BUILD=dir picks the build (default build/); BENCH_PULLERS="berth
#   docker" picks who runs (default: all that are installed).
set -euo pipefail
shopt -s inherit_errexit

[ "${BENCH_LOCKED:-}" = 1 ] || exec env BENCH_LOCKED=1 flock /tmp/berth-bats.lock "$0" "$@"
# flock holds the lock for us; our copy of its descriptor must not reach
# the daemons (one that outlived us would hold the lock for everyone)
for f in "/proc/$$/fd/"*; do
	[ "$(readlink "$f")" = /tmp/berth-bats.lock ] && eval "exec ${f##*/}>&-"
done

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"
bench_init pull 3 40 'overlay layers, dockerd, podman' "$@"

REG_DIR=$(mktemp -d /tmp/berth-bench-pull.XXXXXX)
export REG_DIR
cleanup()
{
	dockerd_stop
	registry_stop
	[ "$KEEP" = 1 ] && { echo "kept $REG_DIR" >&2; return; }
	rm -rf "$REG_DIR"
}
trap cleanup EXIT

bench_registry_image pull "$REG_DIR/oci"
PORT=$(registry_start open)
REF=127.0.0.1:$PORT/bench/pull:1
skopeo copy -q --dest-tls-verify=false "oci:$REG_DIR/oci" "docker://$REF"
echo "image: $(du -sh "$REG_DIR/oci/blobs" | cut -f1) in 4 layers at $REF" >&2

PULLERS=(berth berth-nosync)
for p in docker podman skopeo; do
	command -v "$p" >/dev/null && PULLERS+=("$p")
done
[ -n "${BENCH_PULLERS:-}" ] && read -r -a PULLERS <<<"$BENCH_PULLERS"
if [[ " ${PULLERS[*]} " == *" docker "* ]]; then
	command -v dockerd >/dev/null || { echo "bench/pull: no dockerd" >&2; exit 1; }
	dockerd_start
fi

run_one()
{
	local who=$1 d=$REG_DIR/run
	rm -rf "$d" 2>/dev/null || true
	mkdir -p "$d"
	local t0 t1
	t0=$(date +%s.%N)
	case $who in
	berth) IMAGE_TOOL_SYNC=1 "$IMAGE_TOOL" --root "$d/root" pull --insecure "$REF" >/dev/null ;;
	berth-nosync) "$IMAGE_TOOL" --root "$d/root" pull --insecure "$REF" >/dev/null ;;
	skopeo) skopeo copy -q --src-tls-verify=false "docker://$REF" "oci:$d/oci" ;;
	podman) podman_private pull -q --tls-verify=false "$REF" >/dev/null ;;
	docker) docker_private pull -q "$REF" >/dev/null ;;
	esac
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc
	case $who in
	podman) rm -rf "$REG_DIR/podman" ;;
	docker)
		# cold again: the image and its layers gone
		docker_private rmi -f "$REF" >/dev/null
		[ -z "$(docker_private images -qa)" ] ||
			{ echo "bench/pull: dockerd kept an image" >&2; exit 1; }
		;;
	esac
	umount -R "$d/root/overlay" 2>/dev/null || true
	rm -rf "$d" 2>/dev/null || true
}

declare -A T
for ((i = 0; i < RUNS; i++)); do
	for who in "${PULLERS[@]}"; do
		T[$who]+="$(run_one "$who") "
	done
done

berth=$(bench_median "${T[berth]}")
printf '%-14s %8s %8s\n' puller median vs-berth
for who in "${PULLERS[@]}"; do
	m=$(bench_median "${T[$who]}")
	printf '%-14s %8.3f %8.2f   (runs: %s)\n' "$who" "$m" "$(echo "$m / $berth" | bc -l)" "${T[$who]}"
done
echo "target (DESIGN.md): berth <= 1.0 s with unpacking"
