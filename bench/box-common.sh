# shellcheck shell=bash
# box-common.sh - what the benchmarks share: a release build installed into a
# fresh box (real systemd in a container, see tests/box/ct-lib.sh).
# Source it from the repository root; it sets CT_PID1 and R and tears the box
# down on exit.

REPO=$PWD
scripts/deps test >&2
BUILD=${BENCH_BUILD:-build/release}
[ -d "$BUILD" ] || meson setup "$BUILD" -Dbuildtype=release >/dev/null
meson compile -C "$BUILD" >/dev/null

. tests/box/ct-lib.sh
ct_seed "$CT_SEED"
exec 9>"$CT_ROOT/lock"
flock -w 600 9 || { echo "bench: the box lock is held by another run" >&2; exit 1; }
ct_start "bench-$$" systemd.unit=box.target
# Processes a benchmark starts in the background go in BENCH_PIDS (started
# with 9>&-, so none holds the box lock): however the benchmark ends, they are
# ended by PID, then the box.
BENCH_PIDS=()
bench_exit() {
    local p
    for p in "${BENCH_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${BENCH_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    ct_stop 20 >/dev/null 2>&1
}
trap bench_exit EXIT
ct_pid1 && ct_wait 60 >/dev/null || { echo "bench: the box did not boot" >&2; exit 1; }
R=/proc/$CT_PID1/root
ct_install "$BUILD"
. tests/box/lib.sh

# VmRSS in kB, and in brackets the private part (RssAnon): the rest is pages
# of shared libraries (libcurl, libcrypto, gnutls, libc), shared with others.
vmrss_kb() { awk '/^VmRSS:/ { v = $2 } /^RssAnon:/ { a = $2 } END { print v " (private " a ")" }' \
                 "/proc/$(box_main_pid "$1")/status"; }

# per_request MICROSECONDS: that CPU time per request of the last wrk_run, in µs.
per_request() { awk -v t="$1" -v n="$REQUESTS" 'BEGIN { printf "%.1f", t / n }'; }

# CPU time (user + system) a process has used so far, in microseconds.
cpu_us() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.0f", ($14 + $15) * 1e6 / hz }' "/proc/$1/stat"; }

# wrk_run URL LUA-SCRIPT [PID...]: wrk -t2 -c50 -d10s; sets RPS, P99_MS, REQUESTS,
# NON2XX, WRK_CPU_US (the CPU time wrk itself used) and CPU_US[i], the CPU time
# the i-th PID used meanwhile (µs).
wrk_run() {
    local out cpu tmp i url=$1 script=$2 TIMEFORMAT='%U %S'
    shift 2
    local -a pids=("$@") before=()
    for i in "${pids[@]}"; do before+=("$(cpu_us "$i")"); done
    tmp=$(mktemp)
    cpu=$( { time wrk -t2 -c50 -d"${BENCH_SECONDS:-10}"s --latency ${script:+-s "$script"} "$url" >"$tmp"; } 2>&1 )
    CPU_US=()
    for i in "${!pids[@]}"; do CPU_US+=($(( $(cpu_us "${pids[i]}") - before[i] ))); done
    out=$(cat "$tmp"); rm -f "$tmp"
    WRK_CPU_US=$(awk '{ printf "%.0f", ($1 + $2) * 1e6 }' <<<"$cpu")
    echo "$out" >&2
    RPS=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
    P99_MS=$(awk '$1 == "99%" { v = $2; if (v ~ /us$/) v = v / 1000; else if (v ~ /ms$/) v = v + 0;
                                 else if (v ~ /s$/) v = v * 1000; print v }' <<<"$out")
    REQUESTS=$(awk '/requests in/ { print $1 }' <<<"$out")
    NON2XX=$(awk '/Non-2xx/ { print $NF }' <<<"$out")
    NON2XX=${NON2XX:-0}
}
