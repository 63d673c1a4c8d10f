#!/bin/sh
# bench/runtime/profile.sh: where the time of one `run` of /bin/true goes,
# berth-runtime beside crun (runc too with -a), under the same wrapper as
# run.sh (unshare -m, /sys/fs/cgroup/unified replaced by a private tmpfs).
# Per runtime: strace -f -c (syscall counts and system time), one strace
# -f -ttt -T trace (processes, slowest calls, longest gaps between syscalls),
# perf stat over repeated runs and a perf cpu-clock profile by DSO and symbol.
#
#   bench/runtime/profile.sh [-a] [-n PERF_RUNS] [-k] [-N]
#     -a           also profile runc
#     -n PERF_RUNS runs for perf stat / perf record (default 30)
#     -k           keep the temp dir (full strace and perf output)
#     -N           the bundle without a network namespace
#   BERTH_RUNTIME=path overrides build/src/runtime-cli/berth-runtime.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

# ---------------------------------------------------------------- inner
if [ "${1:-}" = "--inner" ]; then
	tmp=$2 runtimes=$3 perf_runs=$4
	bundle=$tmp/bundle
	bin_of() { if [ "$1" = berth ]; then echo "$tmp/berth-runtime"; else echo "$1"; fi; }
	cleanup() {
		for rt in $runtimes; do
			for id in $("$(bin_of "$rt")" --root "$tmp/state/root-$rt" list -q 2>/dev/null || true); do
				"$(bin_of "$rt")" --root "$tmp/state/root-$rt" delete -f "$id" >/dev/null 2>&1 || true
			done
		done
	}
	trap cleanup EXIT
	# state roots on a tmpfs, as /run/runc, /run/crun and /run/berth are:
	# a runtime that fsyncs its state must not pay for the disk here
	mkdir -p "$tmp/state" && mount -t tmpfs -o mode=700 berth-bench-state "$tmp/state"

	perf_ok=0 hw_events=""
	if command -v perf >/dev/null && perf stat -e task-clock true >/dev/null 2>&1; then
		perf_ok=1
		# hardware counters are often missing in VMs: use them only if counted
		if perf stat -x, -e instructions,cycles true 2>&1 | grep -q 'not supported\|not counted'; then
			hw_events=""
		else
			hw_events=",instructions,cycles"
		fi
	fi

	for rt in $runtimes; do
		bin=$(bin_of "$rt") root=$tmp/state/root-$rt
		run() { "$bin" --root "$root" run -b "$bundle" "$1" </dev/null >/dev/null; }
		echo
		echo "=================================================================== $rt"
		if ! run "prof-$rt-check" 2>"$tmp/err-$rt"; then
			echo "!! $rt failed to run the bundle:"
			sed 's/^/   | /' "$tmp/err-$rt"
			continue
		fi

		echo "-- strace -f -c: system time per syscall (top 15), all processes of one run"
		strace -f -c -S time -o "$tmp/strace-c-$rt.txt" \
			"$bin" --root "$root" run -b "$bundle" "prof-$rt-c" </dev/null >/dev/null 2>&1 || true
		# header, the top 15 rows, the total row
		sed -n '1,2p' "$tmp/strace-c-$rt.txt"
		sed -n '3,$p' "$tmp/strace-c-$rt.txt" | grep -v -- '^------\|total$' | head -15
		grep 'total$' "$tmp/strace-c-$rt.txt" | sed 's/^/= /'

		echo "-- strace -f -ttt -T: one run"
		strace -f -ttt -T -o "$tmp/strace-t-$rt.txt" \
			"$bin" --root "$root" run -b "$bundle" "prof-$rt-t" </dev/null >/dev/null 2>&1 || true
		awk '
		$2 ~ /^[0-9]+\.[0-9]+$/ {
			pid[$1] = 1; t = $2 + 0
			if (first == "") first = t
			if (last != "" && t - last > 0) { gaps[++ng] = sprintf("%8.3f ms before %s: %s", (t - last) * 1e3, $1, substr($0, index($0, $3), 70)) ; gv[ng] = t - last }
			last = t
			if ($3 !~ /^</ && $3 !~ /^\+\+\+/ && $3 !~ /^---/) {
				n++; name = $3; sub(/\(.*/, "", name); calls[name]++
			}
			if (match($0, /<[0-9]+\.[0-9]+>$/)) {
				d = substr($0, RSTART + 1, RLENGTH - 2) + 0
				name = $3; sub(/\(.*/, "", name)
				if ($3 ~ /^</) { name = $4 }
				slow[++ns] = sprintf("%8.3f ms  pid %s  %s", d * 1e3, $1, substr($0, index($0, $3), 80)); sv[ns] = d
			}
		}
		function top(v, s, n, k,    i, j, best, used, out) {
			for (j = 1; j <= k && j <= n; j++) {
				best = 0
				for (i = 1; i <= n; i++) if (!(i in used) && (best == 0 || v[i] > v[best])) best = i
				used[best] = 1; print "   " s[best]
			}
		}
		END {
			np = 0; for (p in pid) np++
			printf "   %d processes, %d syscalls, %.2f ms from first to last syscall; execve %d, clone/clone3/fork %d, mount %d, umount2 %d\n",
				np, n, (last - first) * 1e3, calls["execve"], calls["clone"] + calls["clone3"] + calls["fork"] + calls["vfork"], calls["mount"], calls["umount2"]
			print "   slowest single calls (wall, incl. blocking; wait4/read on a pipe = waiting for a child):"
			top(sv, slow, ns, 8)
			print "   longest gaps between consecutive syscalls (user-space work or sleeping):"
			top(gv, gaps, ng, 5)
		}' "$tmp/strace-t-$rt.txt"

		if [ "$perf_ok" = 1 ]; then
			echo "-- perf stat -r $perf_runs (run, auto-delete; the id is reused)"
			perf stat -r "$perf_runs" -e "task-clock,context-switches,cpu-migrations,page-faults$hw_events" \
				-o "$tmp/perf-stat-$rt.txt" -- "$bin" --root "$root" run -b "$bundle" "prof-$rt-p" \
				</dev/null >/dev/null 2>&1 || true
			grep -E 'task-clock|context-switches|migrations|page-faults|instructions|cycles|elapsed' \
				"$tmp/perf-stat-$rt.txt" | sed 's/^ */   /'

			echo "-- perf record -e cpu-clock over $perf_runs runs (% of all samples): top processes/DSOs, symbols, kernel entry points"
			perf record -q -g -e cpu-clock -F 20000 -o "$tmp/perf-$rt.data" -- sh -c '
				i=0; while [ $i -lt "$1" ]; do "$2" --root "$3" run -b "$4" "$5" </dev/null >/dev/null 2>&1; i=$((i + 1)); done' \
				sh "$perf_runs" "$bin" "$root" "$bundle" "prof-$rt-r" >/dev/null 2>&1 || true
			perf report -i "$tmp/perf-$rt.data" --stdio --no-children --sort comm,dso -q -g none 2>/dev/null |
				grep -v '^$' | head -8 | sed 's/^/   /'
			echo "   ..."
			perf report -i "$tmp/perf-$rt.data" --stdio --no-children --sort dso,sym -q -g none 2>/dev/null |
				grep -v '^$' | head -15 | sed 's/^/   /'
			echo "   ... kernel time by syscall and fault, inclusive of callees:"
			perf report -i "$tmp/perf-$rt.data" --stdio --children --sort sym -q -g none 2>/dev/null |
				grep -E '\[k\] (__x64_sys_|__do_sys_|__se_sys_|asm_exc_page_fault)' | head -12 |
				awk '{ printf "   %7s  %s\n", $1, $NF }'
		fi
	done
	exit 0
fi

# ---------------------------------------------------------------- outer
runtimes="berth crun" perf_runs=30 keep=0 nonet=0
while getopts an:kNh opt; do
	case $opt in
	a) runtimes="berth crun runc" ;;
	n) perf_runs=$OPTARG ;;
	k) keep=1 ;;
	N) nonet=1 ;;
	*) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "profile.sh: needs root" >&2; exit 2; }
for t in jq unshare strace; do
	command -v "$t" >/dev/null || { echo "profile.sh: '$t' is not installed" >&2; exit 2; }
done
command -v perf >/dev/null || echo "profile.sh: perf is not installed, strace only" >&2

berth_bin=${BERTH_RUNTIME:-$repo/build/src/runtime-cli/berth-runtime}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/berth-bench-profile.XXXXXX")
finish() {
	rc=$?
	if [ "$keep" = 1 ]; then echo "profile: kept $tmp" >&2; else rm -rf "$tmp"; fi
	exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM

have=""
for rt in $runtimes; do
	if [ "$rt" = berth ]; then
		if [ -x "$berth_bin" ]; then cp "$berth_bin" "$tmp/berth-runtime"; have="$have berth"
		else echo "profile: berth-runtime not found at $berth_bin, skipping it" >&2; fi
	elif command -v "$rt" >/dev/null; then have="$have $rt"
	else echo "profile: '$rt' is not installed, skipping it" >&2; fi
done

"$repo/tests/data/make-busybox-rootfs.sh" "$tmp/rootfs"
mkdir "$tmp/bundle"
(cd "$tmp" && { runc spec 2>/dev/null || crun spec 2>/dev/null || "$berth_bin" spec; })
filter='.process.terminal = false | .process.args = ["/bin/true"] | .root.path = "../rootfs"'
[ "$nonet" = 1 ] && filter="$filter"' | .linux.namespaces |= map(select(.type != "network"))'
jq "$filter" "$tmp/config.json" >"$tmp/bundle/config.json"
echo "profile: run of /bin/true, $([ "$nonet" = 1 ] && echo "host network" || echo "new network namespace"); times under strace are inflated, compare runtimes, not absolutes"

unshare -m --propagation private sh -c '
	if mountpoint -q /sys/fs/cgroup/unified; then
		umount /sys/fs/cgroup/unified && mount -t tmpfs -o mode=755 berth-bench /sys/fs/cgroup/unified || exit 1
	fi
	exec "$0" --inner "$@"' "$here/profile.sh" "$tmp" "${have# }" "$perf_runs"
