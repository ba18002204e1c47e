#!/bin/bash
# run.sh BUILD_DIR [TEST_FILE...] - run multi-host tests, each against MH_N (default 3) fresh
# hosts: systemd boxes in network namespaces of their own on a private bridge (mh-lib.sh).
#
# For each test file (default: tests/multihost/test-*.sh, sorted): build the namespaces and
# the bridge, boot the boxes, ct_install BUILD_DIR into each ("-" installs nothing), run the
# test with bash under `timeout` (MH_TEST_TIMEOUT, default 150 s; a test that needs longer says
# so in a line "# mh-timeout: SECONDS" of its own, used when larger), save each box's journal,
# tear everything down (on every exit path: boxes, cgroups, namespaces), and count the PASS:/
# FAIL: lines it printed, as tests/box/run.sh does: one more failure when the test printed no
# RESULT line, a RESULT line that does not match its PASS:/FAIL: lines, or an exit status that
# does not match it; a test that printed no PASS/FAIL at all counts as one failure.
# Last line: "N passed, M failed"; exit status 1 if M > 0. Root only.
#
# Exported to tests: the hosts' state (mh_export: MH_N, MH_ID, MH_OWNER, MH_PID1S, MH_NSPAWNS;
# tests/multihost/lib.sh imports it), REPO (also the cwd), BUILD_DIR (absolute, or "-").
# It takes tests/box/run.sh's lock ($CT_ROOT/lock) and waits for it (MH_LOCK_TIMEOUT, default
# 1800 s): the two runners never boot boxes at the same time on this 2-core machine.
# Logs in $CT_LOGS (default /var/tmp/dgo-box/logs): <test>.out, <test>.hI.journal, <box>.console.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/multihost/mh-lib.sh
. "$HERE/mh-lib.sh"

die() { echo "run.sh: $*" >&2; exit 2; }
[ $# -ge 1 ] || die "usage: $0 BUILD_DIR|- [TEST_FILE...]"
[ "$(id -u)" = 0 ] || die "must run as root (namespaces, nspawn, mounts, cgroups)"
BUILD_DIR=$1; shift
if [ "$BUILD_DIR" != - ]; then
    BUILD_DIR=$(cd "$BUILD_DIR" 2>/dev/null && pwd) || die "no build dir: $1"
fi
if ! command -v etcd >/dev/null || ! command -v etcdctl >/dev/null; then
    die "etcd-server and etcd-client are not installed (scripts/deps test)"
fi
TIMEOUT=${MH_TEST_TIMEOUT:-150}
LC_COLLATE=C   # sorted order of the default glob
[ $# -gt 0 ] || set -- "$HERE"/test-*.sh
tests=()
for t in "$@"; do
    [ -f "$t" ] || die "no test file: $t"
    tests+=("$(cd "$(dirname "$t")" && pwd)/$(basename "$t")")
done

LOCK_PID='' TEST_PID='' TEE_PID='' OUT_FD='' NAME='' TOTAL_PASS=0 TOTAL_FAIL=0

# `timeout` makes itself the leader of a new process group, so the test and everything it
# started in the background are in process group $TEST_PID.
end_test() {   # end_test [TERM]: idempotent
    if [ -n "$TEST_PID" ]; then
        if [ -n "${1:-}" ]; then   # interrupted: timeout forwards TERM to the group
            kill -TERM "$TEST_PID" 2>/dev/null || true
            wait "$TEST_PID" 2>/dev/null || true
        fi
        if kill -KILL -- "-$TEST_PID" 2>/dev/null; then echo "--- killed processes the test left behind"; fi
        TEST_PID=''
    fi
    if [ -n "$OUT_FD" ]; then exec {OUT_FD}>&-; OUT_FD=''; wait "$TEE_PID" 2>/dev/null || true; fi
}
teardown() {   # idempotent; used on every path
    local i
    [ -z "$LOCK_PID" ] || kill "$LOCK_PID" 2>/dev/null || true
    end_test TERM
    if [ -n "$NAME" ]; then
        for i in $(seq "$MH_N"); do
            mh__pid1_ours "$i" || mh__find_pid1 "$i" || continue   # (revived: its new PID 1) a lost host has no journal
            SYSTEMD_COLORS=0 timeout 30 nsenter -t "${MH_PID1[$i]}" -a journalctl -b --no-pager \
                >"$CT_LOGS/$NAME.h$i.journal" 2>&1 || true
        done
    fi
    NAME=''
    mh_down
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# One runner at a time, this one or tests/box/run.sh: fd 9 holds the lock for our life;
# children get it closed (9>&-).
mkdir -p "$CT_ROOT" "$CT_LOGS"
exec 9>"$CT_ROOT/lock"
if ! flock -n 9; then
    echo "run.sh: another runner holds $CT_ROOT/lock, waiting..." >&2
    # In the background so that a signal interrupts the wait (bash runs traps only between
    # foreground commands); the lock belongs to the open file, so it is ours all the same.
    flock -w "${MH_LOCK_TIMEOUT:-1800}" 9 & LOCK_PID=$!
    wait "$LOCK_PID" || die "could not take the lock"
    LOCK_PID=''
fi
# Namespaces of a runner that was SIGKILLed (its boxes may still run): say so, touch nothing.
stale=$(ip netns list | awk '$1 ~ /^dgo-mh-/ { printf " %s", $1 }')
[ -z "$stale" ] || echo "run.sh: WARNING: namespaces of an earlier run left:$stale" >&2
cd "$REPO"

now() { echo "${EPOCHREALTIME/,/.}"; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

run_one() {   # run_one TEST_FILE; adds to TOTAL_PASS/TOTAL_FAIL
    local t=$1 name pass fail rc=0 t0 out i limit=$TIMEOUT own
    name=$(basename "$t" .sh) out=$CT_LOGS/$(basename "$t" .sh).out
    own=$(sed -n 's/^# mh-timeout: \([0-9]\{1,4\}\)$/\1/p' "$t" | head -n 1)
    [ -z "$own" ] || [ "$own" -le "$limit" ] || limit=$own
    echo "=== $name ($MH_N hosts, namespaces $MH_PREFIX-*)"
    t0=$(now)
    NAME=$name
    if ! mh_up "$BUILD_DIR"; then
        echo "FAIL: $name: the hosts did not come up (network, boot or install); consoles:"
        for i in $(seq "$MH_N"); do tail -n 5 "$CT_LOGS/$(mh_name "$i").console" 2>/dev/null | sed "s/^/    h$i | /"; done
        teardown; TOTAL_FAIL=$((TOTAL_FAIL + 1)); return 0
    fi
    echo "--- $MH_N hosts booted$([ "$BUILD_DIR" = - ] || echo ", build installed") in $(elapsed "$t0") s"
    mh_export
    export REPO BUILD_DIR
    exec {OUT_FD}> >(tee "$out" 9>&-); TEE_PID=$!
    timeout -k 5 "$limit" bash "$t" </dev/null >&"$OUT_FD" 2>&1 9>&- {OUT_FD}>&- &
    TEST_PID=$!
    wait "$TEST_PID" || rc=$?
    end_test
    teardown
    ct_count_result "$out" "$name" "$rc" "$limit"
    echo "--- $name: $pass ok, $fail bad, exit $rc, $(elapsed "$t0") s in all; logs: $CT_LOGS/$name.{out,h*.journal}"
    TOTAL_PASS=$((TOTAL_PASS + pass)) TOTAL_FAIL=$((TOTAL_FAIL + fail))
}

for t in "${tests[@]}"; do run_one "$t"; done
echo "$TOTAL_PASS passed, $TOTAL_FAIL failed"
[ "$TOTAL_FAIL" -eq 0 ]
