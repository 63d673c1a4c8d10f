# shellcheck shell=bash
# bench/lib.sh: what every bench/*/run.sh starts with, sourced after
# `set -euo pipefail`.  bench_init parses the common options and checks
# root and the build; bench_registry_image makes the image pull and push
# move.  Outside bats the test helpers are plain libraries.

bench_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# bench_init NAME RUNS LAYER_MB WHY "$@": options -n RUNS, -s LAYER_MB
# (defaults as given), -k (keep the temp dir); refuses to run unless root
# (WHY: what for) and unless image-tool is built.  Sets repo, RUNS,
# LAYER_MB, KEEP, IMAGE_TOOL and exports BERTH_BUILD (default build/) and
# BERTH_REPO.
# shellcheck disable=SC2034 # RUNS, LAYER_MB, KEEP are for the caller
bench_init()
{
	local name=$1 why=$4 opt OPTIND=1
	RUNS=$2 LAYER_MB=$3 KEEP=0
	shift 4
	while getopts n:s:k opt; do
		case $opt in
		n) RUNS=$OPTARG ;;
		s) LAYER_MB=$OPTARG ;;
		k) KEEP=1 ;;
		*) echo "usage: $0 [-n RUNS] [-s LAYER_MB] [-k]" >&2; exit 2 ;;
		esac
	done
	[ "$(id -u)" -eq 0 ] || { echo "bench/$name: needs root ($why)" >&2; exit 1; }
	repo=$bench_repo
	export BERTH_BUILD=${BERTH_BUILD:-$repo/build}
	export BERTH_REPO=$repo
	IMAGE_TOOL=$BERTH_BUILD/tests/helpers/image-tool
	[ -x "$IMAGE_TOOL" ] || { echo "bench/$name: build first ($IMAGE_TOOL)" >&2; exit 1; }
}

# bench_registry_image NAME DIR: in DIR (an OCI layout) the busybox image
# plus three layers of LAYER_MB MB of random data; loads the registry
# helpers (registry_start, registry_stop), which need REG_DIR
bench_registry_image()
{
	local name=$1 dir=$2
	# the bats helpers outside bats: skip() fails the caller, and the
	# busybox rootfs (berth_busybox_rootfs) is made in REG_DIR
	declare -F skip >/dev/null || skip() { echo "skip: $*" >&2; return 1; }
	# shellcheck source=tests/helpers/common.bash
	. "$repo/tests/helpers/common.bash"
	# shellcheck source=tests/helpers/interop.bash
	. "$repo/tests/helpers/interop.bash"
	# shellcheck source=tests/helpers/registry.bash
	. "$repo/tests/helpers/registry.bash"
	BATS_RUN_TMPDIR=${BATS_RUN_TMPDIR:-$REG_DIR} INTEROP_IMAGE=localhost/bench:$name \
		interop_make_image_tar "$REG_DIR/img" >/dev/null
	"$IMAGE_TOOL" --root "$REG_DIR/tmp" load "$REG_DIR/img/busybox.tar" >/dev/null
	"$IMAGE_TOOL" --root "$REG_DIR/tmp" save --format oci-dir "$dir" "localhost/bench:$name" >/dev/null
	python3 "$repo/tests/helpers/add-layers.py" "$dir" 3 $((LAYER_MB * 1000 * 1000))
}

# The median of the numbers in $1 (separated by blanks)
bench_median()
{
	tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
