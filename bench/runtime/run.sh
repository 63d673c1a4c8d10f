#!/bin/sh
# bench/runtime/run.sh: OCI `run` of /bin/true in a busybox bundle, berth-runtime
# beside crun and runc in one run (DESIGN.md's target: <= 0.6x crun's wall and
# CPU time, <= 2 MiB peak RSS).  Runs are interleaved (A B C A B C ...) so that
# machine noise spreads over every runtime; everything lives in one temp dir,
# each runtime with its own --root, and is removed at the end.
#
#   bench/runtime/run.sh [-n RUNS] [-w WARMUP] [-r "berth crun runc"] [-k]
#     -n RUNS     measured runs per runtime and case (default 50)
#     -w WARMUP   discarded runs per runtime and case first (default 3)
#     -r LIST     runtimes, first-listed first (default "berth crun runc";
#                 crun is the ratio baseline)
#     -k          keep the temp dir (raw results in results.tsv, stderr logs)
#   BERTH_RUNTIME=path overrides build/src/runtime-cli/berth-runtime.
#
# Cases: `run` (auto-deletes on exit in all three) and the split
# create / start / wait-for-exit / delete, each with the new network namespace
# of `runc spec` and with it removed (host network).  bench/README.md explains
# the columns.  crun 1.8 refuses this machine's cgroup hybrid layout, so every
# runtime runs inside `unshare -m` with /sys/fs/cgroup/unified unmounted.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

# ---------------------------------------------------------------- inner
# Re-entered under `unshare -m` as: run.sh --inner TMP RUNS WARMUP RUNTIMES PREFIX
if [ "${1:-}" = "--inner" ]; then
	tmp=$2 runs=$3 warmup=$4 runtimes=$5 prefix=$6
	bin_of() { if [ "$1" = berth ]; then echo "$tmp/berth-runtime"; else echo "$1"; fi; }

	cleanup_containers() {
		for rt in $runtimes; do
			bin=$(bin_of "$rt") root=$tmp/state/root-$rt
			[ -d "$root" ] || continue
			ids=$("$bin" --root "$root" list -q 2>/dev/null || true)
			ids="$ids $(ls "$root" 2>/dev/null || true)"
			for id in $(printf '%s\n' $ids | sort -u); do
				case $id in "$prefix"*) ;; *) continue ;; esac
				echo "cleanup: $rt left container '$id' behind, deleting it" >&2
				"$bin" --root "$root" delete -f "$id" >/dev/null 2>&1 || true
			done
		done
		# cgroups named after the container ids (no cgroupsPath in the config)
		# (the private tmpfs over unified/ holds plain dirs: not reported)
		for d in $(find /sys/fs/cgroup -mindepth 1 -maxdepth 3 -type d -name "$prefix*" \
			-not -path '/sys/fs/cgroup/unified/*' 2>/dev/null | sort -r); do
			echo "cleanup: leftover cgroup $d, removing it" >&2
			rmdir "$d" 2>/dev/null || echo "cleanup: cannot remove $d" >&2
		done
	}
	trap cleanup_containers EXIT
	# state roots on a tmpfs, as /run/runc, /run/crun and /run/berth are:
	# a runtime that fsyncs its state must not pay for the disk here
	mkdir -p "$tmp/state" && mount -t tmpfs -o mode=700 berth-bench-state "$tmp/state"

	# one measured iteration: prints "mode net rt iter step wall cpu user sys rss status"
	one() { # MODE NET RT ITER
		mode=$1 net=$2 rt=$3 it=$4
		bin=$(bin_of "$rt") root=$tmp/state/root-$rt bundle=$tmp/bundle-$net
		id=$prefix$rt-$mode-$net-$it
		errf=$tmp/stderr-$rt.cur
		if [ "$mode" = run ]; then
			set -- :run "$bin" --root "$root" run -b "$bundle" "$id"
		else
			set -- :create "$bin" --root "$root" create -b "$bundle" "$id" \
				:start "$bin" --root "$root" start "$id" \
				:wait \
				:!delete "$bin" --root "$root" delete "$id"
		fi
		if ! "$tmp/measure" "$@" >"$tmp/one.out" 2>"$errf"; then
			# keep the first failure of each runtime, with its stderr
			if [ ! -e "$tmp/fail-$rt.log" ]; then
				{ echo "$mode ($net) $id:"; cat "$tmp/one.out"; cat "$errf"; } >"$tmp/fail-$rt.log"
			fi
			# a failed run must not leave the id behind for later iterations
			"$bin" --root "$root" delete -f "$id" >/dev/null 2>&1 || true
		fi
		[ -s "$errf" ] && [ ! -e "$tmp/stderr-$rt.first" ] && cp "$errf" "$tmp/stderr-$rt.first"
		awk -v p="$mode	$net	$rt	$it" '{ print p "\t" $0 }' "$tmp/one.out"
	}

	for mode in run split; do
		for net in netns host; do
			printf 'bench: %-5s %-5s: %d warm-up + %d runs x {%s}\n' \
				"$mode" "$net" "$warmup" "$runs" "$runtimes" >&2
			i=1
			while [ "$i" -le "$warmup" ]; do
				for rt in $runtimes; do one "$mode" "$net" "$rt" "w$i" >/dev/null; done
				i=$((i + 1))
			done
			i=1
			while [ "$i" -le "$runs" ]; do
				for rt in $runtimes; do one "$mode" "$net" "$rt" "$i"; done
				i=$((i + 1))
			done >>"$tmp/results.tsv"
		done
	done
	exit 0
fi

# ---------------------------------------------------------------- outer
runs=50 warmup=3 runtimes="berth crun runc" keep=0
while getopts n:w:r:kh opt; do
	case $opt in
	n) runs=$OPTARG ;;
	w) warmup=$OPTARG ;;
	r) runtimes=$OPTARG ;;
	k) keep=1 ;;
	*) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done
case $runs in '' | *[!0-9]* | 0) echo "run.sh: -n wants a positive number" >&2; exit 2 ;; esac
case $warmup in '' | *[!0-9]*) echo "run.sh: -w wants a number" >&2; exit 2 ;; esac
[ "$(id -u)" = 0 ] || { echo "run.sh: needs root (sudo make bench-runtime)" >&2; exit 2; }
for t in jq unshare cc; do
	command -v "$t" >/dev/null || { echo "run.sh: '$t' is not installed" >&2; exit 2; }
done

berth_bin=${BERTH_RUNTIME:-$repo/build/src/runtime-cli/berth-runtime}
have=""
for rt in $runtimes; do
	case $rt in
	berth)
		if [ -x "$berth_bin" ]; then have="$have berth"
		else echo "bench: berth-runtime not found at $berth_bin (build it: ninja -C build), skipping it" >&2; fi ;;
	*)
		if command -v "$rt" >/dev/null; then have="$have $rt"
		else echo "bench: '$rt' is not installed, skipping it" >&2; fi ;;
	esac
done
runtimes=${have# }
[ -n "$runtimes" ] || { echo "run.sh: no runtime to measure" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/berth-bench-runtime.XXXXXX")
prefix=bench-${tmp##*.}- # container ids, and so cgroup names, start with it
finish() {
	rc=$?
	for d in $(find /sys/fs/cgroup -mindepth 1 -maxdepth 3 -type d -name "$prefix*" 2>/dev/null | sort -r); do
		echo "cleanup: leftover cgroup $d, removing it" >&2
		rmdir "$d" 2>/dev/null || echo "cleanup: cannot remove $d" >&2
	done
	# anything still mounted under the temp dir (there should be nothing)
	grep -F " $tmp" /proc/self/mountinfo | awk '{ print $5 }' | sort -r | while read -r m; do
		echo "cleanup: leftover mount $m, unmounting it" >&2
		umount -l "$m" || true
	done
	if [ "$keep" = 1 ]; then echo "bench: kept $tmp" >&2; else rm -rf "$tmp"; fi
	exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM

cc -O2 -Wall -Wextra -o "$tmp/measure" "$here/measure.c"
# a copy, so that a rebuild of build/ during the run cannot change it
[ -x "$berth_bin" ] && cp "$berth_bin" "$tmp/berth-runtime"

# the bundle: runc spec + terminal false + /bin/true; a copy without netns
"$repo/tests/data/make-busybox-rootfs.sh" "$tmp/rootfs"
mkdir "$tmp/bundle-netns" "$tmp/bundle-host"
# runc's template is the reference; crun's or berth's if runc is missing
(cd "$tmp" && { runc spec 2>/dev/null || crun spec 2>/dev/null || "$berth_bin" spec; })
jq '.process.terminal = false | .process.args = ["/bin/true"] | .root.path = "../rootfs"' \
	"$tmp/config.json" >"$tmp/bundle-netns/config.json"
jq '.linux.namespaces |= map(select(.type != "network"))' \
	"$tmp/bundle-netns/config.json" >"$tmp/bundle-host/config.json"
rm "$tmp/config.json"

cat <<EOF
berth-runtime benchmark: run of /bin/true in a busybox bundle, $runs runs each (+$warmup warm-up), interleaved
  host:     $(uname -r), $(nproc) CPUs, $(. /etc/os-release && echo "$PRETTY_NAME")
  berth:    $( [ -x "$tmp/berth-runtime" ] && "$tmp/berth-runtime" --version 2>/dev/null | head -1 || echo "not measured")
  crun:     $(crun --version 2>/dev/null | head -1 || echo "not installed")
  runc:     $(runc --version 2>/dev/null | head -1 || echo "not installed")
  wrapper:  unshare -m, /sys/fs/cgroup/unified unmounted (crun 1.8 refuses the hybrid layout)
            and covered by a private tmpfs
EOF

# A private tmpfs over the emptied mount point: crun 1.8 in v1 mode still
# mkdirs /sys/fs/cgroup/unified/<id> and writes cgroup.procs there, which on
# the bare point would land in the host's /sys/fs/cgroup tmpfs, hidden under
# the cgroup2 mount, and never be removed; this tmpfs dies with the namespace.
unshare -m --propagation private sh -c '
	if mountpoint -q /sys/fs/cgroup/unified; then
		umount /sys/fs/cgroup/unified && mount -t tmpfs -o mode=755 berth-bench /sys/fs/cgroup/unified || exit 1
	fi
	exec "$0" --inner "$@"' "$here/run.sh" "$tmp" "$runs" "$warmup" "$runtimes" "$prefix"

# --------------------------------------------------------------- report
for rt in $runtimes; do
	if [ -e "$tmp/fail-$rt.log" ]; then
		echo
		echo "!! $rt FAILED at least once; its first failure (step lines, then stderr):"
		sed 's/^/   | /' "$tmp/fail-$rt.log"
	elif [ -s "$tmp/stderr-$rt.first" ]; then
		echo
		echo "note: $rt wrote to stderr on success (first occurrence):"
		sed 's/^/   | /' "$tmp/stderr-$rt.first" | head -5
	fi
done

awk -F '\t' -v runtimes="$runtimes" -v runs="$runs" '
function sort(a, n,    i, j, t) {
	for (i = 2; i <= n; i++) {
		t = a[i]
		for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]
		a[j + 1] = t
	}
}
function median(a, n) {
	if (n == 0) return -1
	return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function pct(a, n, p,    k) {
	if (n == 0) return -1
	k = int(p * n + 0.999999); if (k < 1) k = 1
	return a[k]
}
function collect(key, col, a,    n, i, parts) {
	n = cnt[key]
	for (i = 1; i <= n; i++) { split(val[key, i], parts, " "); a[i] = parts[col] }
	sort(a, n)
	return n
}
function ratio(x, base) { return (x < 0 || base <= 0) ? "-" : sprintf("%.2fx", x / base) }
function fmt(x) { return x < 0 ? "-" : sprintf("%.2f", x) }
function add(key, wall, cpu, rss) {
	cnt[key]++
	val[key, cnt[key]] = wall " " cpu " " rss
}
# a row per step; split runs also sum into a "total" per iteration
{
	mode = $1; net = $2; rt = $3; it = $4; step = $5
	tot = mode SUBSEP net SUBSEP rt SUBSEP it
	if (mode == "split") {
		twall[tot] += $6; tcpu[tot] += $7; if ($10 > trss[tot]) trss[tot] = $10
		if ($11 != "0") tbad[tot] = 1
		titer[tot] = 1
	}
	if ($11 != "0") { bad[mode, net, step, rt]++; next }
	add(mode SUBSEP net SUBSEP step SUBSEP rt, $6, $7, $10)
}
END {
	for (t in titer) {
		split(t, k, SUBSEP)
		if (tbad[t]) bad[k[1], k[2], "total", k[3]]++
		else add(k[1] SUBSEP k[2] SUBSEP "total" SUBSEP k[3], twall[t], tcpu[t], trss[t])
	}
	nrt = split(runtimes, rts, " ")
	nets["netns"] = "new network namespace (runc spec default)"
	nets["host"] = "no network namespace (host network)"
	nsteps["run"] = 1; steps["run", 1] = "run"
	nsteps["split"] = 5
	steps["split", 1] = "create"; steps["split", 2] = "start"; steps["split", 3] = "wait"
	steps["split", 4] = "delete"; steps["split", 5] = "total"
	split("run split", modes, " "); split("netns host", netl, " ")
	for (m = 1; m <= 2; m++) for (n = 1; n <= 2; n++) {
		mode = modes[m]; net = netl[n]
		printf "\n== %s, %s ==\n", (mode == "run" ? "run (create+start+wait+delete in one)" : "create / start / wait for exit / delete"), nets[net]
		printf "%-7s %-7s %9s %9s %9s %9s %10s %10s %8s\n", "runtime", "step", "wall ms", "p90 ms", "cpu ms", "peak MiB", "wall/crun", "cpu/crun", "ok"
		for (s = 1; s <= nsteps[mode]; s++) {
			step = steps[mode, s]
			bk = mode SUBSEP net SUBSEP step SUBSEP "crun"
			bw = -1; bc = -1
			if (cnt[bk] > 0) {
				collect(bk, 1, w); bw = median(w, cnt[bk])
				collect(bk, 2, c); bc = median(c, cnt[bk])
			}
			for (r = 1; r <= nrt; r++) {
				rt = rts[r]; key = mode SUBSEP net SUBSEP step SUBSEP rt
				nk = collect(key, 1, w); mw = median(w, nk); p90 = pct(w, nk, 0.9)
				collect(key, 2, c); mc = median(c, nk)
				collect(key, 3, x); mr = nk ? x[nk] / 1024 : -1
				printf "%-7s %-7s %9s %9s %9s %9s %10s %10s %8s\n", rt, step, fmt(mw), fmt(p90), fmt(mc), fmt(mr),
					(rt == "crun" ? "1" : ratio(mw, bw)), (rt == "crun" ? "1" : ratio(mc, bc)),
					(nk + 0) "/" (nk + bad[mode, net, step, rt])
				if (mode == "run" && rt == "berth") {
					res[net, "w"] = ratio(mw, bw); res[net, "c"] = ratio(mc, bc); res[net, "r"] = mr
					res[net, "wok"] = (bw > 0 && mw >= 0 && mw <= 0.6 * bw); res[net, "cok"] = (bc > 0 && mc >= 0 && mc <= 0.6 * bc)
					res[net, "rok"] = (mr >= 0 && mr <= 2); res[net, "have"] = nk > 0
					res[net, "base"] = (bw > 0 && bc > 0)
				}
			}
		}
	}
	printf "\nberth-runtime against the target (run: wall <= 0.6x crun, cpu <= 0.6x crun, peak RSS <= 2 MiB):\n"
	for (n = 1; n <= 2; n++) {
		net = netl[n]
		if (!res[net, "have"]) { printf "  %-6s not measured or every run failed\n", net; continue }
		if (!res[net, "base"]) {
			# no ratio without crun: neither "ok" nor "MISSED"
			printf "  %-6s wall and cpu: no crun baseline (crun not measured)   peak RSS %.2f MiB %s\n", net,
				res[net, "r"], (res[net, "rok"] ? "ok" : "MISSED")
			continue
		}
		printf "  %-6s wall %s %s   cpu %s %s   peak RSS %.2f MiB %s\n", net,
			res[net, "w"], (res[net, "wok"] ? "ok" : "MISSED"), res[net, "c"], (res[net, "cok"] ? "ok" : "MISSED"),
			res[net, "r"], (res[net, "rok"] ? "ok" : "MISSED")
	}
}' "$tmp/results.tsv"
cat <<'EOF'

wall: median and p90 of CLOCK_MONOTONIC around each command.  cpu: median user+sys
of the command and every process it waited for (the container process too for run).
peak MiB: largest ru_maxrss over all runs = the biggest single process of the waited
tree.  wait: from start's return until the adopted container process is reaped; its
cpu/RSS are those of that process (in runc, the Go "runc init" that did the setup).
ok: successful runs / runs.  See bench/README.md.
EOF
