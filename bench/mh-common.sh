# shellcheck shell=bash
# bench/mh-common.sh - what the multi-host benchmarks (cluster.sh, cluster-gradebook.sh) do
# first: root, the packages, a release build (BENCH_BUILD, default build/release) in BUILD,
# tests/multihost/mh-lib.sh, and the box runners' lock ($CT_ROOT/lock: never beside a test),
# the boxes torn down on every exit. LOCK_WAIT: the seconds spent waiting for the lock;
# SECONDS counts from its taking. Source it from the repository's root.
[ "$(id -u)" = 0 ] || { echo "bench: must run as root" >&2; exit 1; }
REPO=$PWD
scripts/deps test >&2
BUILD=${BENCH_BUILD:-build/release}
[ -d "$BUILD" ] || meson setup "$BUILD" -Dbuildtype=release >/dev/null
meson compile -C "$BUILD" >/dev/null
BUILD=$(cd "$BUILD" && pwd)

# shellcheck source=tests/multihost/mh-lib.sh
. tests/multihost/mh-lib.sh
mkdir -p "$CT_ROOT" "$CT_LOGS"
exec 9>"$CT_ROOT/lock"
flock -w 1800 9 || { echo "bench: the box lock is held by another run" >&2; exit 1; }
# shellcheck disable=SC2034  # for the benchmark that sources this
LOCK_WAIT=$SECONDS
SECONDS=0
trap 'mh_down >/dev/null 2>&1' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
