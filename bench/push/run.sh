#!/bin/bash
# bench/push/run.sh: push of a ~120 MB image (busybox + 3 layers of random
# data) to an empty local docker-registry on 127.0.0.1: berth
# (tests/helpers/image-tool push, from its image store) vs `docker push`
# (docker.io's dockerd on its own data root, the image loaded once),
# `podman push` (private root) and `skopeo copy oci:DIR docker://…`.
# Every run pushes to a fresh registry, so no blob is there already; runs
# are interleaved; prints the median seconds of each and the ratios.
# Holds /tmp/berth-bats.lock throughout (dockerd and podman mount
# overlays).
#
#   bench/push/run.sh [-n RUNS] [-s LAYER_MB] [-k]
#     -n RUNS      runs per pusher (default 3)
#     -s LAYER_MB  size of each random layer (default 40)
#     -k           keep the temp dir
#   BERTH_BUILD=dir picks the build (default build/); BENCH_PUSHERS="berth
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
bench_init push 3 40 'image store, dockerd, podman' "$@"

REG_DIR=$(mktemp -d /tmp/berth-bench-push.XXXXXX)
export REG_DIR
cleanup()
{
	dockerd_stop
	registry_stop
	[ "$KEEP" = 1 ] && { echo "kept $REG_DIR" >&2; return; }
	rm -rf "$REG_DIR"
}
trap cleanup EXIT

bench_registry_image push "$REG_DIR/oci"
# berth's store gets the 4-layer image with its blobs (load keeps them)
"$IMAGE_TOOL" --root "$REG_DIR/src" load-oci-dir "$REG_DIR/oci" --name localhost/bench >/dev/null
SRC=$("$IMAGE_TOOL" --root "$REG_DIR/src" list | jq -r '.[0].Id')
echo "image: $(du -sh "$REG_DIR/oci/blobs" | cut -f1) in 4 layers" >&2

PUSHERS=(berth)
for p in docker podman skopeo; do
	command -v "$p" >/dev/null && PUSHERS+=("$p")
done
[ -n "${BENCH_PUSHERS:-}" ] && read -r -a PUSHERS <<<"$BENCH_PUSHERS"
for p in "${PUSHERS[@]}"; do
	case $p in
	podman)
		# from a registry: `pull oci:DIR` names the image after DIR,
		# which mktemp's capitals make an invalid name
		seed=$(registry_start seed)
		skopeo copy -q --dest-tls-verify=false "oci:$REG_DIR/oci" \
			"docker://127.0.0.1:$seed/bench/push:seed"
		podman_private pull -q --tls-verify=false "127.0.0.1:$seed/bench/push:seed" >/dev/null
		registry_stop
		;;
	docker)
		command -v dockerd >/dev/null || { echo "bench/push: no dockerd" >&2; exit 1; }
		dockerd_start
		skopeo copy -q "oci:$REG_DIR/oci" "docker-archive:$REG_DIR/docker.tar:localhost/bench:push"
		docker_private load -q -i "$REG_DIR/docker.tar" >/dev/null
		rm -f "$REG_DIR/docker.tar"
		;;
	esac
done

n=0
run_one()
{
	local who=$1 port ref t0 t1
	n=$((n + 1))
	port=$(registry_start "r$n")
	ref=127.0.0.1:$port/bench/push:1
	case $who in
	berth) "$IMAGE_TOOL" --root "$REG_DIR/src" tag "$SRC" "$ref" ;;
	docker) docker_private tag localhost/bench:push "$ref" ;;
	esac
	t0=$(date +%s.%N)
	case $who in
	berth) "$IMAGE_TOOL" --root "$REG_DIR/src" push --insecure "$ref" >/dev/null ;;
	skopeo) skopeo copy -q --dest-tls-verify=false "oci:$REG_DIR/oci" "docker://$ref" ;;
	podman) podman_private push -q --tls-verify=false "$(podman_private images -q | head -1)" \
		"docker://$ref" ;;
	docker) docker_private push -q "$ref" >/dev/null ;;
	esac
	t1=$(date +%s.%N)
	[ "$who" = docker ] && docker_private rmi "$ref" >/dev/null
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
