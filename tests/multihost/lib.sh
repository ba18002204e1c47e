# shellcheck shell=bash
# lib.sh - helpers for tests/multihost/test-*.sh. Source it: . "$REPO/tests/multihost/lib.sh"
#
# run.sh builds the network, boots MH_N boxes (hosts h1..hN, 10.77.0.I) and installs the build
# into each before the test, and exports their state (mh_export); this file imports it, so the
# test has mh-lib.sh's functions on those hosts (mh_exec, mh_on, mh_cut, mh_heal, mh_lose,
# mh_etcd_up, mh_etcdctl, ...), and tests/box/lib.sh's checks (check, check_eq, check_match,
# wait_until, finish: the same PASS:/FAIL:/RESULT: lines, counted the same way by run.sh).
# The box helpers of tests/box/lib.sh act on h1 (CT_PID1, R); on host I: mh_on I box_journal ...
#
#   mh_elapsed T0          seconds since T0 (an $EPOCHREALTIME), 2 decimals
#   mh_until_ok T0 SECS CMD..  run CMD until it succeeds, until SECS after T0 (an
#                          $EPOCHREALTIME) at most; prints the seconds from T0 to the end of the
#                          first success, returns 1 if none
#   mh_copy_between I J PATH   PATH from host I to host J, mode 0600
#   mh_dgoctl_cluster [CMD..]  every host in one cluster by dgoctl alone (init, add-host, join),
#                          each step a check; CMD.. run on each host once it has joined

# shellcheck source=tests/multihost/mh-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/mh-lib.sh"
mh_import || echo "lib.sh: no multi-host state (run me through tests/multihost/run.sh)" >&2
# shellcheck disable=SC2034  # R: h1's / seen from here, for the tests (as in tests/box)
CT_PID1=${MH_PID1[1]:-} R=/proc/${MH_PID1[1]:-0}/root
# shellcheck source=tests/box/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../box/lib.sh"

mh_elapsed() { awk -v a="${1/,/.}" -v b="${EPOCHREALTIME/,/.}" 'BEGIN { printf "%.2f", b - a }'; }

mh_until_ok() {
    local t0=$1 end
    end=$(awk -v s="$2" 'BEGIN { printf "%d", s * 1000000 }'); shift 2
    end=$(( ${t0//[.,]/} + end ))
    until "$@" >/dev/null 2>&1; do
        [ "${EPOCHREALTIME//[.,]/}" -lt "$end" ] || return 1
        sleep 0.02
    done
    mh_elapsed "$t0"
}

# Through the boxes' own processes: a path through /proc/PID/root would follow a symlink
# planted in a box from the machine's own root.
mh_copy_between() {
    mh_exec "$1" cat "$3" | mh_exec "$2" sh -c 'umask 077 && cat > "$1"' sh "$3"
}

# h1 needs its installation secret first (dgo-secret.service). 1 at the first step that fails,
# its output printed.
mh_dgoctl_cluster() {
    local i out rc
    out=$(mh_exec 1 dgoctl cluster init --host h1 --address "$(mh_addr 1)" 2>&1) && rc=0 || rc=$?
    check_eq "h1: dgoctl cluster init exits 0" 0 "$rc"
    [ "$rc" = 0 ] || { echo "$out"; return 1; }
    for i in $(seq 2 "$MH_N"); do
        out=$(mh_exec 1 dgoctl cluster add-host --host "h$i" --address "$(mh_addr "$i")" \
            --output "/root/h$i.bundle" 2>&1) && rc=0 || rc=$?
        check_eq "h1: add-host h$i exits 0" 0 "$rc"
        [ "$rc" = 0 ] || { echo "$out"; return 1; }
        mh_copy_between 1 "$i" "/root/h$i.bundle"
        out=$(mh_exec "$i" dgoctl cluster join "/root/h$i.bundle" 2>&1) && rc=0 || rc=$?
        check_eq "h$i: join exits 0" 0 "$rc"
        [ "$rc" = 0 ] || { echo "$out"; return 1; }
        if [ $# -gt 0 ]; then check "h$i: $*" mh_exec "$i" "$@"; fi
    done
}
