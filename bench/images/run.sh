#!/bin/bash
# bench/images/run.sh: load of the same ~150 MB multi-layer docker-archive,
# berth (tests/helpers/image-tool, the image library without a daemon) vs
# `podman load` vs `docker load` (when dockerd starts here), in one run.
# Runs are interleaved (berth podman docker berth ...), each berth and podman
# run with a fresh private root; prints the median seconds and the ratios.
#
#   bench/images/run.sh [-n RUNS] [-s LAYER_MB] [-k]
#     -n RUNS      runs per loader (default 5)
#     -s LAYER_MB  size of each of the three random layers (default 50)
#     -k           keep the temp dir
#   BERTH_BUILD=dir picks the build (default build/).
#
# The archive: the busybox rootfs as the base layer plus three layers of
# random data (incompressible, so that no loader wins by compression),
# written once, uncompressed, as `docker save` writes it.  Loaders:
#   berth         image-tool load, layers synced to disk before they are
#                 renamed into place (the daemon's default)
#   berth-nosync  the same without the syncs (IMAGE_STORE_NO_SYNC)
#   podman        podman load -q with its own --root/--runroot/--tmpdir
#   docker        docker load -q into one dockerd (private data root, started
#                 with tests/helpers/interop.bash); between runs the image is
#                 removed, so every load unpacks every layer again
set -euo pipefail

# shellcheck source=bench/lib.sh
. "$(dirname "$0")/../lib.sh"
bench_init images 5 50 'overlay layers, podman, dockerd' "$@"

# common.bash and interop.bash are bats helpers; outside bats, skip() ends
# the caller with a message
skip() { echo "skip: $*" >&2; return 1; }
# shellcheck source=../../tests/helpers/common.bash
. "$repo/tests/helpers/common.bash"
# shellcheck source=../../tests/helpers/interop.bash
. "$repo/tests/helpers/interop.bash"

TMP=$(mktemp -d /tmp/berth-bench-images.XXXXXX)
DOCKER=0
cleanup()
{
	local m
	if [ "$DOCKER" = 1 ]; then
		dockerd_stop || true
	fi
	if [ -n "${INTEROP_DIR:-}" ]; then
		interop_cleanup_all 3>/dev/null >"$TMP/interop-cleanup.log" 2>&1 ||
			{ echo "bench/images: interop cleanup left something behind:" >&2; cat "$TMP/interop-cleanup.log" >&2; }
	fi
	while read -r m; do
		[ -n "$m" ] && { umount -R "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; }
	done < <(_mounts_under "$TMP" | awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2-)
	if [ "$KEEP" = 1 ]; then
		echo "kept $TMP"
	else
		rm -rf --one-file-system "$TMP"
	fi
}
trap cleanup EXIT

# ------------------------------------------------------------- the archive
make_archive()
{
	local out=$TMP/archive arch diffs=() layers=() i sum
	mkdir -p "$out/stage"
	"$repo/tests/data/make-busybox-rootfs.sh" "$TMP/rootfs" >/dev/null
	tar -C "$TMP/rootfs" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$out/l0.tar" .
	for i in 1 2 3; do
		mkdir -p "$TMP/data$i/data$i"
		head -c "$((LAYER_MB * 1024 * 1024))" /dev/urandom >"$TMP/data$i/data$i/blob"
		tar -C "$TMP/data$i" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
			-cf "$out/l$i.tar" "data$i"
		rm -rf "$TMP/data$i"
	done
	for i in 0 1 2 3; do
		sum=$(sha256sum "$out/l$i.tar" | cut -d' ' -f1)
		mkdir -p "$out/stage/$sum"
		mv "$out/l$i.tar" "$out/stage/$sum/layer.tar"
		diffs+=("sha256:$sum")
		layers+=("$sum/layer.tar")
	done
	case $(uname -m) in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
	jq -cn --arg arch "$arch" --args '{architecture: $arch, os: "linux",
		created: "1970-01-01T00:00:00Z", config: {Cmd: ["sh"]},
		rootfs: {type: "layers", diff_ids: $ARGS.positional}}' "${diffs[@]}" >"$out/config.json"
	sum=$(sha256sum "$out/config.json" | cut -d' ' -f1)
	mv "$out/config.json" "$out/stage/$sum.json"
	jq -cn --arg c "$sum.json" --args '[{Config: $c, RepoTags: ["localhost/bench-load:latest"],
		Layers: $ARGS.positional}]' "${layers[@]}" >"$out/stage/manifest.json"
	tar -C "$out/stage" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
		-cf "$TMP/bench.tar" .
	rm -rf "$out" "$TMP/rootfs"
}

echo "== generating the archive (busybox + 3 x $LAYER_MB MiB of random data)"
make_archive
ARCHIVE=$TMP/bench.tar
printf 'archive: %s MiB, 4 layers\n' "$(($(stat -c %s "$ARCHIVE") / 1024 / 1024))"

# ------------------------------------------------------------- the loaders
LOADERS=(berth berth-nosync)
if command -v podman >/dev/null; then
	LOADERS+=(podman)
	# as interop.bash's podman_start: few locks (the shm lock table is
	# shared with the host's podman), cgroupfs, file events
	cat >"$TMP/containers.conf" <<-EOF
		[engine]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		events_logfile_path = "$TMP/podman-events.log"
		num_locks = 128
	EOF
	export CONTAINERS_CONF=$TMP/containers.conf
else
	echo "podman is not installed: skipped"
fi
if command -v dockerd >/dev/null && command -v docker >/dev/null; then
	export INTEROP_RUNTIME=runc
	command -v runc >/dev/null || INTEROP_RUNTIME=$BERTH_BUILD/src/runtime-cli/berth-runtime
	if interop_setup_file >/dev/null 2>&1 && dockerd_start >/dev/null 2>&1; then
		DOCKER=1
		LOADERS+=(docker)
	else
		echo "dockerd did not start here: docker skipped"
	fi
else
	echo "dockerd is not installed: docker skipped"
fi

# one load; prints the seconds it took (stderr of the loader to a log)
load_once() # LOADER RUN
{
	local l=$1 i=$2 d=$TMP/run-$1-$2 t0 t1 rc=0
	mkdir -p "$d"
	sync
	t0=$(date +%s.%N)
	case $l in
	berth) IMAGE_TOOL_SYNC=1 "$IMAGE_TOOL" --root "$d/root" load "$ARCHIVE" >"$d/log" 2>&1 || rc=$? ;;
	berth-nosync) "$IMAGE_TOOL" --root "$d/root" load "$ARCHIVE" >"$d/log" 2>&1 || rc=$? ;;
	podman)
		# podman refuses a runroot longer than 50 characters
		podman --root "$d/root" --runroot "$TMP/rr$i" --tmpdir "$d/tmp" \
			--storage-driver overlay --cgroup-manager cgroupfs --events-backend file \
			load -q -i "$ARCHIVE" >"$d/log" 2>&1 || rc=$?
		;;
	docker) docker_ load -q -i "$ARCHIVE" >"$d/log" 2>&1 || rc=$? ;;
	esac
	t1=$(date +%s.%N)
	if [ "$rc" -ne 0 ]; then
		echo "$l run $i failed (exit $rc):" >&2
		sed 's/^/    /' "$d/log" >&2
		echo fail
	else
		awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
	fi
	# reset for the next run: fresh roots, or the image gone from dockerd
	case $l in
	docker)
		docker_ rmi -f localhost/bench-load:latest >/dev/null 2>&1 || true
		docker_ image prune -af >/dev/null 2>&1 || true
		;;
	podman)
		podman --root "$d/root" --runroot "$TMP/rr$i" --storage-driver overlay \
			system reset -f >/dev/null 2>&1 || true
		rm -rf "$TMP/rr$i"
		;;
	esac
	local m
	while read -r m; do
		[ -n "$m" ] && { umount -R "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; }
	done < <(_mounts_under "$d" | awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2-)
	rm -rf --one-file-system "$d"
}

declare -A RESULTS
echo "== $RUNS runs of each of: ${LOADERS[*]} (interleaved)"
for i in $(seq "$RUNS"); do
	for l in "${LOADERS[@]}"; do
		s=$(load_once "$l" "$i")
		RESULTS[$l]+="$s "
		printf '  run %d %-13s %s s\n' "$i" "$l" "$s"
	done
done

median()
{
	tr ' ' '\n' | grep -E '^[0-9.]+$' | sort -n | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "nan"; exit }
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# the table: plain arithmetic, no errexit surprises
set +e
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || b == 0) print "-"; else printf "%.2fx\n", a / b }'; }
echo
printf '%-13s %10s %8s %12s %12s\n' loader "median s" ok "vs podman" "vs docker"
declare -A MED
for l in "${LOADERS[@]}"; do
	MED[$l]=$(median <<<"${RESULTS[$l]}")
done
for l in "${LOADERS[@]}"; do
	ok=$(tr ' ' '\n' <<<"${RESULTS[$l]}" | grep -cE '^[0-9.]+$')
	rp=- rd=-
	[ -n "${MED[podman]:-}" ] && rp=$(ratio "${MED[$l]}" "${MED[podman]}")
	[ -n "${MED[docker]:-}" ] && rd=$(ratio "${MED[$l]}" "${MED[docker]}")
	printf '%-13s %10s %8s %12s %12s\n' "$l" "${MED[$l]}" "$ok/$RUNS" "$rp" "$rd"
done
