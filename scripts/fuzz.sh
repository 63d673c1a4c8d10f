#!/bin/bash
# fuzz.sh: build the libFuzzer targets of the fuzz build dir and run each
# for a bounded time (make fuzz).  Each works on build-fuzz/corpus/<name>,
# seeded from tests/fuzz/corpus/<name>; crash inputs land in
# build-fuzz/artifacts/<name>/.
# Exits non-zero when any target finds a crash, leak or timeout.
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_FUZZ=${BUILD_FUZZ:-$REPO/build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}

# Build only the fuzz targets (and what they link), not the whole tree
mapfile -t targets < <(meson introspect --targets "$BUILD_FUZZ" |
	jq -r '.[] | select(.name | startswith("fuzz-")) | .filename[0]' | sort)
if [ ${#targets[@]} -eq 0 ]; then
	echo "fuzz: no fuzz targets in $BUILD_FUZZ (configure with CC=clang -Dfuzz=true)" >&2
	exit 1
fi
ninja -C "$BUILD_FUZZ" "${targets[@]#"$BUILD_FUZZ"/}" || exit 1

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
for bin in "${targets[@]}"; do
	name=$(basename "$bin")
	corpus=$BUILD_FUZZ/corpus/$name
	artifacts=$BUILD_FUZZ/artifacts/$name
	mkdir -p "$corpus" "$artifacts"
	seed=$REPO/tests/fuzz/corpus/$name
	[ -d "$seed" ] && cp -n "$seed"/* "$corpus"/ 2>/dev/null
	dict=()
	[ -f "$REPO/tests/fuzz/$name.dict" ] && dict=(-dict="$REPO/tests/fuzz/$name.dict")
	log=$BUILD_FUZZ/$name.log
	echo "== $name: ${FUZZ_SECONDS}s, corpus $corpus"
	"$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$artifacts/" "${dict[@]}" "$corpus" </dev/null >"$log" 2>&1
	rc=$?
	if [ $rc -ne 0 ]; then
		failed+=("$name")
		echo "FAIL $name (exit $rc); log: $log"
		tail -n 60 "$log" | sed 's/^/    | /'
	else
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
		echo "ok   $name: ${runs:-?} runs, ${cov:-cov: ?}, corpus $(find "$corpus" -type f | wc -l) files"
	fi
done

if [ ${#failed[@]} -ne 0 ]; then
	echo "fuzz: ${#failed[@]} of ${#targets[@]} targets failed: ${failed[*]}"
	exit 1
fi
echo "fuzz: all ${#targets[@]} targets ran ${FUZZ_SECONDS}s without a finding"
