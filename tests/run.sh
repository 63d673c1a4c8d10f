#!/bin/bash
# run.sh: berth's whole test run.  Builds build/ and build-asan/, runs every
# unit test of both (cmocka, TAP) and the bats integration suites, counts
# individual test cases, and ends with exactly one line
# "N passed, N failed, N skipped".  Exits 1 when anything failed.
#
#   tests/run.sh [unit] [asan] [integration]     (default: all three)
#
# A test binary that crashes, times out, stops short of its TAP plan or
# exits non-zero without reporting a failure counts as one more failure:
# a broken binary must never count as "0 tests, all fine".
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BERTH_BUILD:-$REPO/build}
BUILD_ASAN=${BERTH_BUILD_ASAN:-$REPO/build-asan}
UNIT_TIMEOUT=${BERTH_UNIT_TIMEOUT:-300}
BATS_TIMEOUT=${BERTH_BATS_TIMEOUT:-3600}
INTEGRATION_DIRS=(tests/integration tests/runtime tests/image tests/registry tests/shim tests/api tests/cli tests/e2e)

TOTAL_PASS=0 TOTAL_FAIL=0 TOTAL_SKIP=0
SUITE_LINES=()
LOGDIR=$(mktemp -d /tmp/berth-run.XXXXXX)
trap 'rm -rf "$LOGDIR"' EXIT

usage()
{
	echo "usage: tests/run.sh [unit] [asan] [integration]" >&2
	exit 2
}

parts=("$@")
[ ${#parts[@]} -eq 0 ] && parts=(unit asan integration)
for p in "${parts[@]}"; do
	case $p in
	unit | asan | integration) ;;
	*) usage ;;
	esac
done

# Print a file indented, so that test output stands apart in CI logs
indent()
{
	sed 's/^/    | /' "$@"
}

# Add one suite's counts to the totals and remember its summary line
suite_done()
{
	local name=$1 pass=$2 fail=$3 skip=$4 note=${5:-}
	TOTAL_PASS=$((TOTAL_PASS + pass))
	TOTAL_FAIL=$((TOTAL_FAIL + fail))
	TOTAL_SKIP=$((TOTAL_SKIP + skip))
	local line
	line=$(printf '%-12s %d passed, %d failed, %d skipped' "$name:" "$pass" "$fail" "$skip")
	[ -n "$note" ] && line+=" ($note)"
	SUITE_LINES+=("$line")
	echo "== $line"
}

# Count the TAP results in a file.  Prints "pass fail skip plan seen" and
# writes the names of failed cases to $2.  Rules: "ok" passes, "not ok"
# fails; a "# SKIP" directive (cmocka writes "not ok N # SKIP name", bats
# writes "ok N name # skip (why)") skips; "# TODO" is not a failure;
# "1..0" is a skipped file; "Bail out!" is a failure; "#" lines are
# diagnostics (cmocka ends with "# ok - <group>", which is not a case).
tap_count()
{
	awk -v failfile="$2" '
	function directive(line) {
		if (match(tolower(line), /#[ \t]*skip/)) return "skip"
		if (match(tolower(line), /#[ \t]*todo/)) return "todo"
		return ""
	}
	/^ok([ \t]|$)/ {
		seen++
		if (directive($0) == "skip") skip++; else pass++
		next
	}
	/^not ok([ \t]|$)/ {
		seen++
		d = directive($0)
		if (d == "skip" || d == "todo") skip++
		else { fail++; print $0 > failfile }
		next
	}
	/^1\.\.[0-9]+/ {
		plan = substr($1, 4) + 0
		if (plan == 0 && directive($0) == "skip") skipall = 1
		next
	}
	/^Bail out!/ { fail++; bail = 1; print $0 > failfile; next }
	END {
		if (skipall && seen == 0) { skip++; seen++ }
		printf "%d %d %d %d %d\n", pass, fail, skip, (plan == "" ? -1 : plan), seen
	}' "$1"
}

# meson setup (when needed) and ninja; a failed build is one failure
build_dir()
{
	local dir=$1
	shift
	local log
	log=$LOGDIR/build-$(basename "$dir").log
	echo "-- building $dir"
	if [ ! -f "$dir/build.ninja" ]; then
		if ! meson setup "$dir" "$@" >"$log" 2>&1; then
			indent "$log"
			return 1
		fi
	fi
	if ! ninja -C "$dir" >>"$log" 2>&1; then
		indent "$log"
		return 1
	fi
	return 0
}

# Build $BUILD once per run; remembers the outcome
BUILD_STATE=
BUILD_FAIL_COUNTED=0
ensure_build()
{
	if [ -z "$BUILD_STATE" ]; then
		if build_dir "$BUILD"; then BUILD_STATE=ok; else BUILD_STATE=failed; fi
	fi
	[ "$BUILD_STATE" = ok ]
}

# Run every test meson knows in one build dir, counting TAP cases.
# Arguments: suite name, build dir, timeout multiplier, meson setup options
run_unit_suite()
{
	local suite=$1 dir=$2 TIMEOUT_MULTIPLIER=$3
	shift 3
	local pass=0 fail=0 skip=0
	if [ "$dir" = "$BUILD" ]; then
		ensure_build
	else
		build_dir "$dir" "$@"
	fi || {
		suite_done "$suite" 0 1 0 "build of $dir failed"
		return
	}
	local tests
	if ! tests=$(meson introspect --tests "$dir" | jq -c '.[]'); then
		suite_done "$suite" 0 1 0 "meson introspect failed"
		return
	fi
	if [ -z "$tests" ]; then
		suite_done "$suite" 0 0 0 "no unit tests registered"
		return
	fi

	local t i=0
	while IFS= read -r t; do
		i=$((i + 1))
		local name workdir timeout out err failed rc protocol
		# "common/digest": meson's suite (without the project prefix) and name
		name=$(jq -r '((.suite[0] // "") | sub("^[^:]*:"; "")) as $s |
			if $s == "" then .name else "\($s)/\(.name)" end' <<<"$t")
		workdir=$(jq -r '.workdir // empty' <<<"$t")
		protocol=$(jq -r '.protocol // "exitcode"' <<<"$t")
		# meson's timeout (default 30 s), times the suite's multiplier
		# (sanitizers are slower), capped at $UNIT_TIMEOUT
		timeout=$(jq -r '.timeout // 0' <<<"$t")
		[ "$timeout" -gt 0 ] 2>/dev/null || timeout=$UNIT_TIMEOUT
		timeout=$((timeout * TIMEOUT_MULTIPLIER))
		[ "$timeout" -gt "$UNIT_TIMEOUT" ] && timeout=$UNIT_TIMEOUT
		local -a cmd=() envs=()
		mapfile -d '' -t cmd < <(jq -j '.cmd[] | (., "\u0000")' <<<"$t")
		mapfile -d '' -t envs < <(jq -j '.env | to_entries[] | ("\(.key)=\(.value)", "\u0000")' <<<"$t")
		out=$LOGDIR/$suite-$i.out
		err=$LOGDIR/$suite-$i.err
		failed=$LOGDIR/$suite-$i.failed
		: >"$failed"
		# the outer 2>/dev/null silences bash's own "Aborted" job notice;
		# the test's stderr goes to $err
		{
			(
				if [ -n "$workdir" ]; then cd "$workdir" || exit 1; fi
				exec env "${envs[@]}" timeout -k 10 "$timeout" "${cmd[@]}"
			) </dev/null >"$out" 2>"$err"
		} 2>/dev/null
		rc=$?

		local p f s plan seen extra=""
		if [ "$protocol" != tap ]; then
			# a plain program is one case: 0 passes, 77 skips (meson's
			# convention), anything else fails.  (meson does not expose
			# should_fail in introspection; do not use it for tests.)
			p=0 f=0 s=0
			if [ "$rc" -eq 0 ]; then
				p=1
			elif [ "$rc" -eq 77 ]; then
				s=1
			else
				f=1 extra="exit status $rc"
			fi
		else
			read -r p f s plan seen < <(tap_count "$out" "$failed")
		fi
		if [ "$protocol" != tap ]; then
			:
		elif [ "$seen" -eq 0 ]; then
			f=$((f + 1))
			extra="no TAP results, exit status $rc"
		elif [ "$rc" -eq 124 ] || [ "$rc" -ge 128 ]; then
			f=$((f + 1))
			extra="crashed or timed out (exit status $rc) after $seen of $plan cases"
		elif [ "$plan" -ge 0 ] && [ "$seen" -lt "$plan" ]; then
			f=$((f + 1))
			extra="stopped after $seen of $plan cases, exit status $rc"
		elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			f=$((f + 1))
			extra="all cases passed but exit status $rc (sanitizer report?)"
		fi
		pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))

		if [ "$f" -gt 0 ]; then
			echo "FAIL $suite/$name: $p passed, $f failed, $s skipped${extra:+; $extra}"
			[ -s "$failed" ] && indent "$failed"
			echo "    output of ${cmd[*]}:"
			indent "$out" "$err"
		else
			echo "ok   $suite/$name: $p passed, $s skipped"
		fi
	done <<<"$tests"
	suite_done "$suite" "$pass" "$fail" "$skip"
}

# Run each bats directory that holds .bats files, as root
run_integration()
{
	local found=0 d
	for d in "${INTEGRATION_DIRS[@]}"; do
		compgen -G "$REPO/$d/*.bats" >/dev/null || continue
		found=1
		local suite=${d#tests/}
		local ntests
		ntests=$(cat "$REPO/$d"/*.bats | grep -c '^[[:space:]]*@test')
		if [ "$(id -u)" -ne 0 ]; then
			suite_done "$suite" 0 0 "$ntests" "skipped: integration tests need root"
			continue
		fi
		if ! command -v bats >/dev/null; then
			suite_done "$suite" 0 1 "$ntests" "bats is not installed (scripts/deps.sh)"
			continue
		fi
		if ! ensure_build; then
			# count the broken build once, even when the unit part saw it
			if [ "$BUILD_FAIL_COUNTED" = 1 ]; then
				suite_done "$suite" 0 0 "$ntests" "skipped: $BUILD did not build"
			else
				suite_done "$suite" 0 1 "$ntests" "build of $BUILD failed"
				BUILD_FAIL_COUNTED=1
			fi
			continue
		fi
		echo "-- bats $d"
		local out=$LOGDIR/bats-${suite//\//-}.tap failed=$LOGDIR/bats-${suite//\//-}.failed rc
		: >"$failed"
		(cd "$REPO" && BERTH_BUILD=$BUILD timeout -k 10 "$BATS_TIMEOUT" bats --tap "$d") \
			</dev/null >"$out" 2>&1
		rc=$?
		# bats' TAP carries its own diagnostics ("# (in test file …)", output)
		indent "$out"
		local p f s plan seen note=""
		read -r p f s plan seen < <(tap_count "$out" "$failed")
		if [ "$seen" -eq 0 ] && [ "$rc" -ne 0 ]; then
			f=$((f + 1)) note="bats exited $rc with no results"
		elif [ "$plan" -ge 0 ] && [ "$seen" -lt "$plan" ]; then
			f=$((f + 1)) note="stopped after $seen of $plan tests, exit status $rc"
		elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			f=$((f + 1)) note="bats exited $rc"
		fi
		suite_done "$suite" "$p" "$f" "$s" "$note"
	done
	[ "$found" = 1 ] || echo "-- no .bats files in ${INTEGRATION_DIRS[*]}"
}

# What of ours exists on the host (common.bash's leak inventory, with no
# test directory: every berth process counts)
run_inventory()
{
	(
		BERTH_TEST_TMP=
		# shellcheck source=tests/helpers/common.bash
		source "$REPO/tests/helpers/common.bash"
		_leak_inventory
	)
}

# The whole-run leak check: the C unit tests have no per-test check, and a
# per-test check cannot see what already existed before that test's
# snapshot (a parent cgroup the first test left, say).  Everything new
# since the run started is one failure each.
run_leak_check()
{
	local after new
	after=$(run_inventory)
	new=$(comm -13 <(printf '%s\n' "$RUN_BEFORE") <(printf '%s\n' "$after") | grep -v '^$')
	if [ -z "$new" ]; then
		suite_done leftovers 1 0 0
		return
	fi
	echo "-- the run left behind (each counts as a failure):"
	printf '%s\n' "$new" | sed 's/\t/: /' | indent
	suite_done leftovers 0 "$(printf '%s\n' "$new" | wc -l)" 0
}

cd "$REPO" || exit 1
RUN_BEFORE=$(run_inventory)
if [ -n "$RUN_BEFORE" ]; then
	echo "-- already on this host before the run (not counted; remove them):"
	printf '%s\n' "$RUN_BEFORE" | sed 's/\t/: /' | indent
fi
for p in "${parts[@]}"; do
	case $p in
	unit)
		run_unit_suite unit "$BUILD" 1
		[ "$BUILD_STATE" = failed ] && BUILD_FAIL_COUNTED=1
		;;
	asan)
		# UBSan only warns by default; make every report a failure.  Only
		# sanitized binaries read these, so they may stay exported.
		export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
		export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
		run_unit_suite asan "$BUILD_ASAN" 3 -Db_sanitize=address,undefined -Db_lundef=false
		;;
	integration)
		run_integration
		;;
	esac
done

run_leak_check

echo
echo "== summary"
for l in "${SUITE_LINES[@]}"; do
	echo "   $l"
done
echo "$TOTAL_PASS passed, $TOTAL_FAIL failed, $TOTAL_SKIP skipped"
[ "$TOTAL_FAIL" -eq 0 ]
