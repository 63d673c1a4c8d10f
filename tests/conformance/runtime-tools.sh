#!/bin/bash
# runtime-tools.sh: run the OCI runtime-tools validation suite (validation/*
# programs plus the in-container runtimetest) against an OCI runtime and print
# TAP per test and a summary; with --compare, run berth-runtime, runc and crun
# and print a table.  Builds into build/conformance/ (never committed).
#
#   tests/conformance/runtime-tools.sh [--compare] [--timeout SEC] [--verbose] [TEST...]
#   RUNTIME=/path/to/runtime tests/conformance/runtime-tools.sh
#
# Debian packages runtime-tools (golang-github-opencontainers-runtime-tools-dev)
# WITHOUT validation/ and cmd/runtimetest, and source packages are not
# reachable from the mirror here, so the validation sources must be supplied:
# RUNTIME_TOOLS_SRC=<a runtime-tools checkout, or a .tar.gz of one>.  Without
# it the script uses build/conformance/rt-src if an earlier run left it there,
# and otherwise skips (exit 77) saying so.  Debian's generate/specerror/cgroups
# packages are used for everything else (GOPATH mode, GO111MODULE=off), and
# tests/conformance/tap-go stands in for github.com/mndrix/tap-go (not in Debian).
#
# Needs root.  Exit status: 0 when the chosen runtime (or every runtime with
# --compare) fails no assertion, 1 otherwise, 77 when the suite can't be built.
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${CONFORMANCE_CACHE:-$REPO/build/conformance}
BIN=$CACHE/bin
GOPATH_LOCAL=$CACHE/rt-src
RT_PKG=github.com/opencontainers/runtime-tools
TIMEOUT=${CONFORMANCE_TIMEOUT:-120}
BERTH=${BERTH_RUNTIME:-$REPO/build/src/runtime-cli/berth-runtime}
RUNTIME=${RUNTIME:-$BERTH}
COMPARE=0
VERBOSE=0
TESTS=()

usage()
{
	sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--compare) COMPARE=1 ;;
	--timeout) TIMEOUT=$2; shift ;;
	--verbose | -v) VERBOSE=1 ;;
	-h | --help) usage ;;
	-*) usage ;;
	*) TESTS+=("$1") ;;
	esac
	shift
done

skip()
{
	echo "runtime-tools: SKIP: $*" >&2
	exit 77
}

[ "$(id -u)" = 0 ] || skip "needs root"
# a runtime that is not there would fail every test: say so instead
[ -x "$RUNTIME" ] || { echo "runtime-tools: no runtime at '$RUNTIME' (build it: ninja -C build)" >&2; exit 1; }
if [ $COMPARE = 1 ]; then
	[ -x "$BERTH" ] || { echo "runtime-tools: no berth-runtime at '$BERTH' (build it: ninja -C build)" >&2; exit 1; }
	for r in runc crun; do
		command -v "$r" >/dev/null || { echo "runtime-tools: --compare needs '$r' (scripts/deps.sh installs it)" >&2; exit 1; }
	done
fi

# --- packages ---------------------------------------------------------------
PKGS=(golang-go golang-github-opencontainers-runtime-tools-dev
	golang-github-google-uuid-dev golang-golang-x-sys-dev busybox-static)
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "runtime-tools: installing ${missing[*]}" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null ||
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; } ||
		skip "apt-get install ${missing[*]} failed"
fi
export PATH=$PATH:/usr/lib/go/bin

# --- validation sources -----------------------------------------------------
# GOPATH_LOCAL holds runtime-tools' validation/ and cmd/runtimetest (only
# those: generate, specerror, cgroups come from Debian's /usr/share/gocode).
dst=$GOPATH_LOCAL/src/$RT_PKG
if [ -n "${RUNTIME_TOOLS_SRC:-}" ]; then
	tmp=$(mktemp -d)
	if [ -f "$RUNTIME_TOOLS_SRC" ]; then
		tar -xzf "$RUNTIME_TOOLS_SRC" -C "$tmp" || skip "cannot unpack '$RUNTIME_TOOLS_SRC'"
	else
		cp -a "$RUNTIME_TOOLS_SRC" "$tmp/runtime-tools"
	fi
	src=$(dirname "$(find "$tmp" -path '*/validation/util/test.go' | head -1)")
	[ -n "$src" ] || skip "'$RUNTIME_TOOLS_SRC' has no validation/util/test.go"
	src=$(cd "$src/../.." && pwd)
	rm -rf "$dst" && mkdir -p "$dst/cmd"
	cp -a "$src/validation" "$dst/validation"
	cp -a "$src/cmd/runtimetest" "$dst/cmd/runtimetest"
	rm -rf "$tmp"
fi
if [ ! -f "$dst/validation/util/test.go" ] &&
	[ -f /usr/share/gocode/src/$RT_PKG/validation/util/test.go ]; then
	dst=/usr/share/gocode/src/$RT_PKG # a future Debian package that ships them
fi
[ -f "$dst/validation/util/test.go" ] && [ -d "$dst/cmd/runtimetest" ] ||
	skip "runtime-tools validation sources not found: Debian's package lacks validation/; set RUNTIME_TOOLS_SRC"
mkdir -p "$GOPATH_LOCAL/src/github.com/mndrix/tap-go"
cp "$REPO/tests/conformance/tap-go/tap.go" "$GOPATH_LOCAL/src/github.com/mndrix/tap-go/tap.go"

# --- build ------------------------------------------------------------------
export GOPATH=$GOPATH_LOCAL:/usr/share/gocode GO111MODULE=off GOPROXY=off GOFLAGS='' \
	GOCACHE=$CACHE/gocache CGO_ENABLED=0
mkdir -p "$BIN"
build_one() # PKG OUT: rebuild when any source is newer than OUT
{
	local dir out=$2
	dir=$(go list -f '{{.Dir}}' "$1" 2>/dev/null) || return 1
	if [ -x "$out" ] && [ -z "$(find "$dir" "$dst/validation/util" "$GOPATH_LOCAL/src/github.com/mndrix" -name '*.go' -newer "$out" | head -1)" ]; then
		return 0
	fi
	go build -o "$out" "$1"
}
build_one $RT_PKG/cmd/runtimetest "$BIN/runtimetest" || skip "cannot build runtimetest"
ALL=()
for d in "$dst"/validation/*/; do
	name=$(basename "$d")
	[ "$name" = util ] && continue
	ls "$d"/*.go >/dev/null 2>&1 || continue
	if build_one "$RT_PKG/validation/$name" "$BIN/$name.t" 2>"$CACHE/build-$name.log"; then
		ALL+=("$name")
	else
		echo "runtime-tools: cannot build validation/$name (see $CACHE/build-$name.log)" >&2
	fi
done
[ ${#TESTS[@]} -gt 0 ] || TESTS=("${ALL[@]}")

# The bundle rootfs: static busybox plus applet links, as rootfs-<arch>.tar.gz
# in the tests' working directory (validation/util.PrepareBundle untars it).
ROOTFS_TGZ=$BIN/rootfs-$(go env GOARCH).tar.gz
if [ ! -f "$ROOTFS_TGZ" ]; then
	r=$(mktemp -d)
	"$REPO/tests/data/make-busybox-rootfs.sh" "$r/rootfs" || skip "no static busybox"
	tar -C "$r/rootfs" -czf "$ROOTFS_TGZ" . && rm -rf "$r"
fi

# crun refuses this host's hybrid cgroup layout: run each crun command in a
# private mount namespace with the v2 hierarchy (cgroup/unified) unmounted.
CRUN_WRAPPER=$CACHE/crun-hybrid
cat >"$CRUN_WRAPPER" <<'EOF'
#!/bin/sh
exec unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec crun "$@"' crun "$@"
EOF
chmod +x "$CRUN_WRAPPER"

# --- run --------------------------------------------------------------------
LOGS=$CACHE/logs
mkdir -p "$LOGS"

# run_one RUNTIME LABEL TEST -> log in $LOGS/LABEL/TEST.tap; prints "ok fail skip status"
run_one()
{
	local rt=$1 label=$2 t=$3 log rc ok fail skip status plan
	log=$LOGS/$label/$t.tap
	mkdir -p "$LOGS/$label"
	(cd "$BIN" && RUNTIME=$rt timeout -k 5 "$TIMEOUT" "./$t.t") >"$log" 2>"$log.stderr"
	rc=$?
	ok=$(grep -Ec '^ok [0-9]+( |$)' "$log" | tr -d ' ')
	skip=$(grep -Ec '^ok [0-9]+ # (SKIP|skip)' "$log" | tr -d ' ')
	ok=$((ok - skip))
	fail=$(grep -E '^not ok ' "$log" | grep -vc '# TODO' | tr -d ' ')
	plan=$(grep -Ec '^1\.\.[0-9]+' "$log")
	status="done"
	if [ $rc = 124 ] || [ $rc = 137 ]; then
		status=timeout; fail=$((fail + 1))
	elif [ $rc != 0 ] || [ "$plan" = 0 ]; then
		status=error; fail=$((fail + 1))
	fi
	echo "$ok $fail $skip $status"
}

# report_one LABEL TEST: the TAP lines that matter (failures with diagnostics)
report_one()
{
	local log=$LOGS/$1/$2.tap
	if [ $VERBOSE = 1 ]; then
		cat "$log"
	else
		awk '/^not ok/ {p=1; print; next} /^(ok|1\.\.)/ {p=0} p' "$log"
	fi
	[ -s "$log.stderr" ] && sed 's/^/# stderr: /' "$log.stderr" | head -20
}

declare -A RES
run_runtime() # RUNTIME LABEL
{
	local rt=$1 label=$2 t r tot_ok=0 tot_fail=0 tot_skip=0 bad=0
	echo "# runtime-tools validation against $label ($rt)"
	for t in "${TESTS[@]}"; do
		[ -x "$BIN/$t.t" ] || { echo "not ok - $t # not built"; continue; }
		r=$(run_one "$rt" "$label" "$t")
		RES[$label,$t]=$r
		set -- $r
		tot_ok=$((tot_ok + $1)) tot_fail=$((tot_fail + $2)) tot_skip=$((tot_skip + $3))
		if [ "$2" = 0 ]; then
			echo "ok - $t ($1 passed, $3 skipped)"
		else
			bad=$((bad + 1))
			echo "not ok - $t ($1 passed, $2 failed, $3 skipped${4:+, $4})"
			report_one "$label" "$t" | sed 's/^/    /'
		fi
	done
	echo "# $label: ${#TESTS[@]} programs, $bad with failures"
	echo "$label: $tot_ok passed, $tot_fail failed, $tot_skip skipped"
	return $((bad > 0))
}

if [ $COMPARE = 0 ]; then
	run_runtime "$RUNTIME" "$(basename "$RUNTIME")"
	exit $?
fi

rc=0
LABELS=(berth runc crun)
run_runtime "$BERTH" berth || rc=1
run_runtime "$(command -v runc)" runc || rc=1
run_runtime "$CRUN_WRAPPER" crun || rc=1

echo
printf '%-28s %-16s %-16s %-16s\n' test "berth ok/fail" "runc ok/fail" "crun ok/fail"
for t in "${TESTS[@]}"; do
	row=$(printf '%-28s' "$t")
	worse=""
	for l in "${LABELS[@]}"; do
		set -- ${RES[$l,$t]:-0 0 0 missing}
		cell="$1/$2"
		[ "$4" != "done" ] && cell="$cell($4)"
		row="$row $(printf '%-16s' "$cell")"
	done
	set -- ${RES[berth,$t]:-0 0 0 x}
	bf=$2
	for l in runc crun; do
		set -- ${RES[$l,$t]:-0 999 0 x}
		[ "$bf" -gt "$2" ] && worse=" <- berth worse"
	done
	echo "$row$worse"
done
exit $rc
