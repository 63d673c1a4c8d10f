#!/bin/bash
# bench/cli/run.sh: how long `ps` takes from the command line to the whole
# table on stdout, with 100 RUNNING containers (busybox `sleep`, --network
# none) in each daemon: the berth CLI against berthd, the docker CLI
# against the same berthd, and the docker CLI against dockerd (docker.io's,
# on its own data root, iptables and bridge off).  Runs interleaved; prints
# median and p90 wall time and the ratios to `berth ps`.  Every container
# and both daemons go at the end.  Holds /tmp/berth-bats.lock throughout.
#
#   bench/cli/run.sh [-n RUNS] [-k]      (default 20 runs each)
#   BENCH_CONTAINERS=n changes the 100; BERTH_BUILD=dir picks the build.
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
bench_init cli 20 0 'containers, dockerd' "$@"
BERTHD=$BERTH_BUILD/src/daemon/berthd
BERTH=$BERTH_BUILD/src/cli/berth
N=${BENCH_CONTAINERS:-100}
for p in "$BERTHD" "$BERTH"; do
	[ -x "$p" ] || { echo "bench/cli: build first ($p)" >&2; exit 1; }
done
command -v dockerd >/dev/null || { echo "bench/cli: needs dockerd (apt-get install docker.io)" >&2; exit 1; }

REG_DIR=$(mktemp -d /tmp/berth-bench-cli.XXXXXX)
export REG_DIR
BERTHD_PID=
DOCKERD_UP=
cleanup()
{
	local ids
	# containers outlive berthd: remove them while it still runs
	if [ -n "$BERTHD_PID" ]; then
		mapfile -t ids < <(berthd_cli ps -aq 2>/dev/null)
		[ "${#ids[@]}" -eq 0 ] || berthd_cli rm -f "${ids[@]}" >/dev/null 2>&1 || true
		kill "$BERTHD_PID" 2>/dev/null || true
		wait "$BERTHD_PID" 2>/dev/null || true
	fi
	if [ -n "$DOCKERD_UP" ]; then
		mapfile -t ids < <(docker_cli ps -aq 2>/dev/null)
		[ "${#ids[@]}" -eq 0 ] || docker_cli rm -f "${ids[@]}" >/dev/null 2>&1 || true
	fi
	dockerd_stop
	[ "$KEEP" = 1 ] && { echo "kept $REG_DIR" >&2; return; }
	rm -rf --one-file-system "$REG_DIR"
}
trap cleanup EXIT

# the helpers outside bats (bench/run does the same)
declare -F skip >/dev/null || skip() { echo "skip: $*" >&2; return 1; }
# shellcheck source=tests/helpers/common.bash
. "$repo/tests/helpers/common.bash"
# shellcheck source=tests/helpers/interop.bash
. "$repo/tests/helpers/interop.bash"
# shellcheck source=tests/helpers/registry.bash
. "$repo/tests/helpers/registry.bash"
BATS_RUN_TMPDIR=$REG_DIR INTEROP_IMAGE=busybox:latest interop_make_image_tar "$REG_DIR/img" >/dev/null
TAR=$REG_DIR/img/busybox.tar

# berthd on its own roots and socket, ready when it says so (--ready-fd)
berthd_start()
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
# the three clients; none reads the host's CLI config
berth_cli() { DOCKER_CONFIG=$REG_DIR/berth/cli "$BERTH" -H "unix://$REG_DIR/berth/berth.sock" "$@"; }
berthd_cli() { DOCKER_CONFIG=$REG_DIR/berth/cli docker -H "unix://$REG_DIR/berth/berth.sock" "$@"; }
docker_cli() { docker_private "$@"; }

berthd_start
berthd_cli load -q -i "$TAR" >/dev/null
dockerd_start
DOCKERD_UP=1
docker_cli load -q -i "$TAR" >/dev/null

echo "bench/cli: starting $N running containers (busybox sleep, --network none) in berthd and in dockerd" >&2
for ((i = 0; i < N; i++)); do
	berthd_cli run -d --network none --name "bench-$i" busybox:latest sleep 3600 >/dev/null
	docker_cli run -d --network none --name "bench-$i" busybox:latest sleep 3600 >/dev/null
done

# the clients must agree on what they list before they are timed
CLIENTS=(berth docker-on-berthd docker-on-dockerd)
cmd_berth() { berth_cli ps; }
cmd_docker-on-berthd() { berthd_cli ps; }
cmd_docker-on-dockerd() { docker_cli ps; }
for c in "${CLIENTS[@]}"; do
	rows=$("cmd_$c" | tail -n +2 | wc -l)
	[ "$rows" -eq "$N" ] || { echo "bench/cli: $c ps lists $rows containers, not $N" >&2; exit 1; }
done

declare -A times
for ((i = 0; i < RUNS; i++)); do
	for c in "${CLIENTS[@]}"; do
		t0=$(date +%s%N)
		"cmd_$c" >"$REG_DIR/out"
		t1=$(date +%s%N)
		times[$c]+=" $(((t1 - t0) / 1000))"
	done
done

p90()
{
	tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END {i=int(NR*0.9+0.5); if (i<1) i=1; print a[i]}'
}
ms() { awk -v us="$1" 'BEGIN {printf "%.1f", us / 1000}'; }

echo
echo "ps with $N running containers: command start to the whole table (median of $RUNS)"
printf '%-20s %10s %10s %12s\n' client "wall ms" "p90 ms" "vs berth"
base=$(bench_median "${times[berth]}")
for c in "${CLIENTS[@]}"; do
	m=$(bench_median "${times[$c]}")
	printf '%-20s %10s %10s %11sx\n' "$c" "$(ms "$m")" "$(ms "$(p90 "${times[$c]}")")" \
		"$(awk -v a="$m" -v b="$base" 'BEGIN {printf "%.2f", a / b}')"
done
