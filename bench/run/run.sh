#!/bin/bash
# bench/run/run.sh: the docker CLI's `run --rm --network none busybox true`
# against berthd vs against dockerd (docker.io's, on its own data root,
# iptables and bridge off), and `podman run --rm --network none` (private
# root) when podman can run containers here; runs interleaved, median and
# p90 wall time of the whole command and the ratios.  Then the memory of
# an idle daemon (berthd vs dockerd + its containerd, RSS) and of one
# running container's shim (berth-shim vs containerd-shim-runc-v2).
# Holds /tmp/berth-bats.lock throughout (it mounts and makes cgroups).
#
#   bench/run/run.sh [-n RUNS] [-k]      (default 20 runs each)
#   BERTH_BUILD=dir picks the build (default build/); BENCH_ENGINES="berth
#   docker" picks who runs (default: berth, docker, podman when installed).
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
bench_init run 20 0 'containers, dockerd' "$@"
BERTHD=$BERTH_BUILD/src/daemon/berthd
[ -x "$BERTHD" ] || { echo "bench/run: build first ($BERTHD)" >&2; exit 1; }

REG_DIR=$(mktemp -d /tmp/berth-bench-run.XXXXXX)
export REG_DIR
BERTHD_PID=
cleanup()
{
	if [ -n "$BERTHD_PID" ]; then
		# containers outlive berthd: remove any the bench left first
		berth_cli rm -f mem >/dev/null 2>&1 || true
		kill "$BERTHD_PID" 2>/dev/null || true
		wait "$BERTHD_PID" 2>/dev/null || true
	fi
	dockerd_stop
	[ "$KEEP" = 1 ] && { echo "kept $REG_DIR" >&2; return; }
	rm -rf "$REG_DIR"
}
trap cleanup EXIT

# the helpers outside bats (bench_registry_image does the same)
declare -F skip >/dev/null || skip() { echo "skip: $*" >&2; return 1; }
# shellcheck source=tests/helpers/common.bash
. "$repo/tests/helpers/common.bash"
# shellcheck source=tests/helpers/interop.bash
. "$repo/tests/helpers/interop.bash"
# shellcheck source=tests/helpers/registry.bash
. "$repo/tests/helpers/registry.bash"
BATS_RUN_TMPDIR=$REG_DIR INTEROP_IMAGE=busybox:latest interop_make_image_tar "$REG_DIR/img" >/dev/null
TAR=$REG_DIR/img/busybox.tar

ENGINES=(berth docker)
command -v podman >/dev/null && ENGINES+=(podman)
[ -n "${BENCH_ENGINES:-}" ] && read -r -a ENGINES <<<"$BENCH_ENGINES"

# berthd on its own roots and socket, ready when it says so (--ready-fd)
berth_start()
{
	local d=$REG_DIR/berth line
	mkdir -p "$d/cli"
	mkfifo "$d/ready"
	echo '{}' >"$d/daemon.json"
	"$BERTHD" --data-root "$d/data" --exec-root "$d/exec" -H "unix://$d/berth.sock" \
		--config-file "$d/daemon.json" --log-level warn --ready-fd 3 \
		3>"$d/ready" >"$d/log" 2>&1 &
	BERTHD_PID=$!
	read -r line <"$d/ready" || true
	[ "$line" = READY ] || { cat "$d/log" >&2; return 1; }
}
berth_cli() { DOCKER_CONFIG=$REG_DIR/berth/cli docker -H "unix://$REG_DIR/berth/berth.sock" "$@"; }
docker_cli() { docker_private "$@"; }
# root here lacks CAP_SYS_RESOURCE: podman's default nofile limit cannot be set
podman_cli()
{
	if [ "$1" = run ]; then
		shift
		set -- run --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 "$@"
	fi
	podman_private --runtime runc --cgroup-manager cgroupfs "$@"
}

for e in "${ENGINES[@]}"; do
	case $e in
	berth) berth_start; berth_cli load -q -i "$TAR" >/dev/null ;;
	docker) dockerd_start; docker_cli load -q -i "$TAR" >/dev/null ;;
	podman) podman_cli load -q -i "$TAR" >/dev/null ;;
	esac
	# one warm-up run each; an engine that cannot run containers here is dropped
	if ! "${e}_cli" run --rm --network none busybox:latest true >"$REG_DIR/$e.warm" 2>&1; then
		echo "bench/run: $e cannot run a container here, skipped: $(head -c 300 "$REG_DIR/$e.warm")" >&2
		ENGINES=("${ENGINES[@]/$e/}")
	fi
done
read -r -a ENGINES <<<"${ENGINES[*]}"

declare -A times
for ((i = 0; i < RUNS; i++)); do
	for e in "${ENGINES[@]}"; do
		t0=$(date +%s%N)
		"${e}_cli" run --rm --network none busybox:latest true >/dev/null
		t1=$(date +%s%N)
		times[$e]+=" $(((t1 - t0) / 1000))"
	done
done

p90()
{
	tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END {i=int(NR*0.9+0.5); if (i<1) i=1; print a[i]}'
}
ms() { awk -v us="$1" 'BEGIN {printf "%.1f", us / 1000}'; }

echo
echo "run --rm --network none busybox true, docker CLI (median of $RUNS; target: berth <= 30 ms)"
printf '%-8s %10s %10s %12s\n' engine "wall ms" "p90 ms" "vs berth"
base=$(bench_median "${times[berth]:-}")
for e in "${ENGINES[@]}"; do
	m=$(bench_median "${times[$e]}")
	printf '%-8s %10s %10s %11sx\n' "$e" "$(ms "$m")" "$(ms "$(p90 "${times[$e]}")")" \
		"$(awk -v a="$m" -v b="${base:-$m}" 'BEGIN {printf "%.2f", a / b}')"
done

rss_kib() { awk '/^VmRSS:/ {v = $2} END {print v + 0}' "/proc/$1/status" 2>/dev/null || echo 0; }
pss_kib() { awk '/^Pss:/ {v = $2} END {print v + 0}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }

echo
echo "memory (KiB; target: berthd <= 5120 RSS idle, shim <= 1024 RSS and <= 300 PSS)"
printf '%-28s %10s %10s\n' process RSS PSS
for e in "${ENGINES[@]}"; do
	case $e in
	berth)
		printf '%-28s %10s %10s\n' "berthd (idle)" "$(rss_kib "$BERTHD_PID")" "$(pss_kib "$BERTHD_PID")"
		berth_cli run -d --network none --name mem busybox:latest sleep 1000 >/dev/null
		shim=$(pgrep -f -- "--state-dir $REG_DIR/berth/exec/" | head -n 1 || true)
		[ -n "$shim" ] && printf '%-28s %10s %10s\n' "berth-shim (1 container)" "$(rss_kib "$shim")" "$(pss_kib "$shim")"
		berth_cli rm -f mem >/dev/null
		;;
	docker)
		dpid=$(cat "$REG_DIR/dockerd/dockerd-bg.pid")
		cpid=$(pgrep -P "$dpid" containerd | head -n 1 || true)
		printf '%-28s %10s %10s\n' "dockerd (idle)" "$(rss_kib "$dpid")" "$(pss_kib "$dpid")"
		[ -n "$cpid" ] && printf '%-28s %10s %10s\n' "  + its containerd" "$(rss_kib "$cpid")" "$(pss_kib "$cpid")"
		docker_cli run -d --network none --name mem busybox:latest sleep 1000 >/dev/null
		shim=$(pgrep -f 'containerd-shim-runc-v2' | head -n 1 || true)
		[ -n "$shim" ] && printf '%-28s %10s %10s\n' "containerd-shim (1 container)" "$(rss_kib "$shim")" "$(pss_kib "$shim")"
		docker_cli rm -f mem >/dev/null
		;;
	esac
done
