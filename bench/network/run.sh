#!/bin/bash
# bench/network/run.sh: what the default network adds to a container's
# life: `run --rm busybox true` with --network none and on the default
# network (a bridge, a veth pair, an address, the engine's firewall rules),
# for berthd (driven by the berth CLI and by the docker CLI), dockerd
# (docker.io's, started here with its own containerd, bridge and iptables
# on) and podman (netavark or CNI, as installed).  Runs interleaved; prints
# the medians, what the bridge adds, and berth's ratios to each peer.
# Each engine runs in a network namespace of its own made here, so its
# bridge and firewall rules never touch the host's (or each other's: no
# engine sees another's FORWARD policy); they go with the namespace.  Holds
# /tmp/berth-bats.lock throughout (it mounts and makes cgroups).
#
#   bench/network/run.sh [-n RUNS] [-k]      (default 20 runs each)
#   BERTH_BUILD=dir picks the build (default build/); BENCH_ENGINES="berth
#   docker podman" picks who runs (default: each that is installed).
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
bench_init network 20 0 'network namespaces, containers, dockerd' "$@"
BERTHD=$BERTH_BUILD/src/daemon/berthd
BERTH=$BERTH_BUILD/src/cli/berth
for p in "$BERTHD" "$BERTH"; do
	[ -x "$p" ] || { echo "bench/network: build first ($p)" >&2; exit 1; }
done
for p in nsenter ip flock; do
	command -v "$p" >/dev/null || { echo "bench/network: needs $p" >&2; exit 1; }
done

REG_DIR=$(mktemp -d /tmp/berth-bench-network.XXXXXX)
export REG_DIR
SFX=$(printf '%s' "${REG_DIR##*.}" | tr '[:upper:]' '[:lower:]')
BERTHD_PID=
NETNS=()

# What the host has before, to check that we leave nothing (links,
# namespaces and nftables tables are per network namespace: ours are gone
# with theirs)
host_inventory()
{
	ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print "link " $2 }'
	ip netns list 2>/dev/null | awk '{ print "netns " $1 }'
	nft list tables 2>/dev/null | sed 's/^/nftables /'
	awk -v d="$REG_DIR" 'index($5, d) == 1 { print "mount " $5 }' /proc/self/mountinfo
}
HOST_BEFORE=$(host_inventory | sort)

cleanup()
{
	local ns left pid
	set +e
	if [ -n "$BERTHD_PID" ]; then
		kill "$BERTHD_PID" 2>/dev/null
		wait "$BERTHD_PID" 2>/dev/null
	fi
	dockerd_stop
	# whatever of ours still runs (it names our directory): a daemon that
	# did not stop, a container's shim
	for pid in $(pgrep -f -- "$REG_DIR/"); do
		[ "$pid" = $$ ] || kill -KILL "$pid" 2>/dev/null
	done
	# anything mounted under the temp dir (container roots of a killed run)
	awk -v d="$REG_DIR" 'index($5, d) == 1 { print length($5) "\t" $5 }' /proc/self/mountinfo |
		sort -rn | cut -f2- | while read -r m; do umount -l "$m" 2>/dev/null; done
	for ns in "${NETNS[@]}"; do ip netns delete "$ns" 2>/dev/null; done
	left=$(comm -13 <(printf '%s\n' "$HOST_BEFORE") <(host_inventory | sort))
	[ -z "$left" ] || printf 'bench/network: left on the host:\n%s\n' "$left" >&2
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

ENGINES=(berth)
command -v dockerd >/dev/null && ENGINES+=(docker) || echo "bench/network: dockerd is not installed (docker.io): docker skipped" >&2
command -v podman >/dev/null && ENGINES+=(podman) || echo "bench/network: podman is not installed: podman skipped" >&2
[ -n "${BENCH_ENGINES:-}" ] && read -r -a ENGINES <<<"$BENCH_ENGINES"

# A network namespace for engine $1 with loopback up; in_ns ENGINE CMD...
# runs CMD in it (only the network namespace changes: mounts, cgroups and
# /sys stay the host's).  Daemons are started with nsenter itself in the
# background (it execs them: $! is the daemon), not through in_ns.
netns_make()
{
	local ns=bench-net-$1-$SFX
	ip netns add "$ns"
	NETNS+=("$ns")
	ip -n "$ns" link set lo up
}
netns_path() { echo "/run/netns/bench-net-$1-$SFX"; }
in_ns() { local e=$1; shift; nsenter --net="$(netns_path "$e")" "$@"; }

# berthd on its own roots and socket, ready when it says so (--ready-fd)
berth_start()
{
	local d=$REG_DIR/berth line
	mkdir -p "$d/cli"
	mkfifo "$d/ready"
	echo '{}' >"$d/daemon.json"
	nsenter --net="$(netns_path berth)" "$BERTHD" --data-root "$d/data" --exec-root "$d/exec" -H "unix://$d/berth.sock" \
		--config-file "$d/daemon.json" --log-level warn --ready-fd 3 \
		3>"$d/ready" >"$d/log" 2>&1 &
	BERTHD_PID=$!
	read -r line <"$d/ready" || true
	[ "$line" = READY ] || { cat "$d/log" >&2; return 1; }
}

# dockerd as Debian runs it (default bridge docker0, iptables on), on its
# own roots and socket; it starts its own containerd
docker_start()
{
	local d=$REG_DIR/dockerd
	mkdir -p "$d/cli"
	DOCKER_SOCK=unix://$d/docker.sock
	export DOCKER_SOCK
	nsenter --net="$(netns_path docker)" dockerd --data-root "$d/data" --exec-root "$d/exec" -H "$DOCKER_SOCK" \
		--pidfile "$d/dockerd.pid" --log-level warn >"$d/log" 2>&1 &
	echo $! >"$d/dockerd-bg.pid"
	interop_wait docker_private version || { cat "$d/log" >&2; return 1; }
}

# podman with private storage, runroot, tmpdir, network config dir and
# events, in a private mount namespace with its own /dev/shm (see
# registry.bash's podman_private) and /run/netns; the default network as
# configured (rootful: the bridge "podman", netavark or CNI)
podman_start()
{
	local d=$REG_DIR/podman
	mkdir -p "$d/root" "$d/runroot" "$d/tmp" "$d/networks"
	# root here lacks CAP_SYS_RESOURCE: podman's default nofile limit cannot be set
	cat >"$d/containers.conf" <<-EOF
		[containers]
		default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
		[engine]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		events_logfile_path = "$d/events.log"
		tmp_dir = "$d/tmp"
		[network]
		network_config_dir = "$d/networks"
	EOF
}

# The clients: berth CLI and docker CLI on berthd, docker CLI on dockerd,
# podman.  None reads the host's CLI config.
cli_berth() { DOCKER_CONFIG=$REG_DIR/berth/cli "$BERTH" -H "unix://$REG_DIR/berth/berth.sock" "$@"; }
cli_docker-berthd() { DOCKER_CONFIG=$REG_DIR/berth/cli docker -H "unix://$REG_DIR/berth/berth.sock" "$@"; }
cli_docker() { docker_private "$@"; }
cli_podman()
{
	local d=$REG_DIR/podman
	# the containers' namespaces (/run/netns/netns-*) stay in that mount
	# namespace too
	CONTAINERS_CONF=$d/containers.conf in_ns podman unshare -m --propagation private sh -c \
		'mount -t tmpfs -o mode=1777 tmpfs /dev/shm && mount -t tmpfs tmpfs /run/netns && exec "$@"' sh \
		podman --root "$d/root" --runroot "$d/runroot" --tmpdir "$d/tmp" \
		--storage-driver overlay --events-backend file --runtime runc "$@"
}

CLIENTS=()
for e in "${ENGINES[@]}"; do
	netns_make "$e"
	case $e in
	berth) berth_start; cli_berth load -q -i "$TAR" >/dev/null; CLIENTS+=(berth docker-berthd) ;;
	docker) docker_start; cli_docker load -q -i "$TAR" >/dev/null; CLIENTS+=(docker) ;;
	podman) podman_start; cli_podman load -q -i "$TAR" >/dev/null; CLIENTS+=(podman) ;;
	*) echo "bench/network: unknown engine '$e'" >&2; exit 2 ;;
	esac
done

# run_one CLIENT MODE: one `run --rm` (MODE none: --network none; default:
# no --network), output to $REG_DIR/out
run_one()
{
	local c=$1 mode=$2 net=()
	[ "$mode" = none ] && net=(--network none)
	"cli_$c" run --rm "${net[@]}" busybox:latest true >"$REG_DIR/out" 2>&1
}

# links_in CLIENT MODE: the container's links other than lo, one line
links_in()
{
	local c=$1 mode=$2 net=()
	[ "$mode" = none ] && net=(--network none)
	"cli_$c" run --rm "${net[@]}" busybox:latest ip -o -4 addr show 2>&1 |
		awk '$2 != "lo" { printf "%s %s ", $2, $4 }'
}

# one warm-up run each, after a check that the modes are what they say
# (--network none: loopback only; default: an interface with an address);
# a client that cannot run a container in a mode is dropped
MODES=(none default)
ok=()
for c in "${CLIENTS[@]}"; do
	good=1
	for m in "${MODES[@]}"; do
		if ! run_one "$c" "$m"; then
			echo "bench/network: $c cannot run --rm with the $m network here, skipped: $(head -c 400 "$REG_DIR/out")" >&2
			good=0
		fi
	done
	if [ "$good" = 1 ]; then
		none=$(links_in "$c" none) def=$(links_in "$c" default)
		if [ -n "$none" ] || [ -z "$def" ]; then
			echo "bench/network: $c: --network none has '$none', the default network '$def': skipped" >&2
			good=0
		else
			echo "bench/network: $c: the default network gives the container $def" >&2
		fi
	fi
	[ "$good" = 1 ] && ok+=("$c")
done
CLIENTS=("${ok[@]}")
[ "${#CLIENTS[@]}" -gt 0 ] || { echo "bench/network: nobody could run" >&2; exit 1; }

# Interleaved: every round runs each client in both modes, alternating
# which mode goes first
declare -A times
for ((i = 0; i < RUNS; i++)); do
	if ((i % 2)); then order=(default none); else order=(none default); fi
	for c in "${CLIENTS[@]}"; do
		for m in "${order[@]}"; do
			t0=$(date +%s%N)
			run_one "$c" "$m" || { echo "bench/network: $c $m failed: $(head -c 400 "$REG_DIR/out")" >&2; exit 1; }
			t1=$(date +%s%N)
			times[$c.$m]+=" $(((t1 - t0) / 1000))"
		done
	done
done

p90()
{
	tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END {i=int(NR*0.9+0.5); if (i<1) i=1; print a[i]}'
}
ms() { awk -v us="$1" 'BEGIN {printf "%.1f", us / 1000}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }

declare -A med add
label() {
	case $1 in
	berth) echo "berth CLI -> berthd" ;;
	docker-berthd) echo "docker CLI -> berthd" ;;
	docker) echo "docker CLI -> dockerd" ;;
	podman) echo podman ;;
	esac
}
echo
echo "run --rm busybox true: --network none vs the default network (median of $RUNS each)"
printf '%-22s %9s %9s %11s %9s %9s\n' client "none ms" "bridge ms" "adds ms" "none p90" "brdg p90"
for c in "${CLIENTS[@]}"; do
	med[$c.none]=$(bench_median "${times[$c.none]}")
	med[$c.default]=$(bench_median "${times[$c.default]}")
	add[$c]=$((med[$c.default] - med[$c.none]))
	printf '%-22s %9s %9s %11s %9s %9s\n' "$(label "$c")" "$(ms "${med[$c.none]}")" \
		"$(ms "${med[$c.default]}")" "$(ms "${add[$c]}")" \
		"$(ms "$(p90 "${times[$c.none]}")")" "$(ms "$(p90 "${times[$c.default]}")")"
done

# berth against each peer: both berth clients over each peer that ran
peers=()
for c in docker podman; do [ -n "${med[$c.none]:-}" ] && peers+=("$c"); done
berths=()
for c in berth docker-berthd; do [ -n "${med[$c.none]:-}" ] && berths+=("$c"); done
if [ "${#peers[@]}" -gt 0 ] && [ "${#berths[@]}" -gt 0 ]; then
	echo
	echo "berth / peer (medians; below 1 = berth faster)"
	printf '%-22s %-22s %9s %9s %11s\n' berth peer none bridge "adds"
	for b in "${berths[@]}"; do
		for p in "${peers[@]}"; do
			printf '%-22s %-22s %9s %9s %11s\n' "$(label "$b")" "$(label "$p")" \
				"$(ratio "${med[$b.none]}" "${med[$p.none]}")" \
				"$(ratio "${med[$b.default]}" "${med[$p.default]}")" \
				"$(ratio "${add[$b]}" "${add[$p]}")"
		done
	done
fi
if [ -n "${med[berth.none]:-}" ]; then
	echo
	verdict() { [ "$1" -le "$2" ] && echo met || echo MISSED; }
	echo "target: berth's bridge adds <= 30 ms: $(ms "${add[berth]}") ms, $(verdict "${add[berth]}" 30000);" \
		"run --rm on the default network <= 60 ms: $(ms "${med[berth.default]}") ms, $(verdict "${med[berth.default]}" 60000)"
fi
