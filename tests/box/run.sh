#!/bin/bash
# run.sh BUILD_DIR [TEST_FILE...] - run box tests, each in a fresh throwaway systemd container.
#
# For each test file (default: tests/box/test-*.sh, sorted): boot a box (box.target, seed from
# ct_seed), ct_install BUILD_DIR into it (BUILD_DIR "-" installs nothing), daemon-reload,
# run the test with bash under `timeout` (BOX_TEST_TIMEOUT, default 300 s), save the box's
# journal, tear the box down (on every exit path), and count the PASS:/FAIL: lines it printed.
# A test file ends with lib.sh's `finish`, which prints "RESULT: P passed, F failed" and exits
# 0 only if F is 0. One more failure is counted, whatever the test printed before, when
#   - it printed no RESULT line (it ended early: `exit`, set -e, a crash, the timeout),
#   - its RESULT line does not match the PASS:/FAIL: lines it printed (a check in a subshell
#     or a PASS/FAIL echoed by hand, which `finish` never saw),
#   - or its exit status does not match its RESULT line;
# a test that printed no PASS/FAIL at all counts as one failure.
# Last line: "N passed, M failed"; exit status 1 if M > 0. Root only.
#
# Header tags: a test file may say, in a line of its own among its first 30,
#   # box: build-only
# meaning it says nothing about the installed package: it tests the harness, or builds and
# tests parts of the source tree on the host. With BOX_PACKAGE such a test is skipped: it is
# neither run nor counted, and the runner lists it in a "skipped" line before its last line.
#
# Exported to tests: CT_PID1 (host PID of the box's systemd), CT_NSPAWN, R=/proc/$CT_PID1/root,
# BOX_NAME, REPO (repo root, also the cwd), BUILD_DIR (absolute, or "-").
# BOX_SANITIZED=1: the build has ASan/UBSan; sanitizer reports in the box's journal fail the test
# (and a build whose installed programs are not built with ASan fails it too: otherwise the check
# could not fail). Exported to the tests, for checks that mean something only then.
# BOX_PACKAGE=path/to/dgo_*.deb (with BUILD_DIR "-"): test the package instead of a meson build:
# each box must hold no dgo file before, then gets `apt-get install ./dgo_*.deb` and the README's
# `systemctl start dgo.target`; boxes survive `systemctl reboot` (CT_REBOOT=1, see ct-lib.sh).
# BOX_PACKAGE (absolute) and BOX_PKG_STARTED (`systemctl is-active dgo.target` and the sockets
# right after the install) are exported to the tests.
# Logs in $CT_LOGS (default /var/tmp/dgo-box/logs): <test>.out, <test>.journal, <box>.console.
# Other env: CT_ROOT (default /var/tmp/dgo-box; lock, seed, boxes, logs under it),
# BOX_LOCK_TIMEOUT (s to wait for another runner's lock, default 1800).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/box/ct-lib.sh
. "$HERE/ct-lib.sh"

die() { echo "run.sh: $*" >&2; exit 2; }
[ $# -ge 1 ] || die "usage: $0 BUILD_DIR|- [TEST_FILE...]"
[ "$(id -u)" = 0 ] || die "must run as root (nspawn, mounts, cgroups)"
BUILD_DIR=$1; shift
if [ "$BUILD_DIR" != - ]; then
    BUILD_DIR=$(cd "$BUILD_DIR" 2>/dev/null && pwd) || die "no build dir: $1"
fi
if [ -n "${BOX_PACKAGE:-}" ]; then
    [ "$BUILD_DIR" = - ] || die "BOX_PACKAGE needs BUILD_DIR - (the package replaces the build)"
    BOX_PACKAGE=$(cd "$(dirname "$BOX_PACKAGE")" 2>/dev/null && pwd)/$(basename "$BOX_PACKAGE")
    [ -f "$BOX_PACKAGE" ] || die "no package: $BOX_PACKAGE"
    export BOX_PACKAGE CT_REBOOT=1
fi
TIMEOUT=${BOX_TEST_TIMEOUT:-300}
LC_COLLATE=C   # sorted order of the default glob
[ $# -gt 0 ] || set -- "$HERE"/test-*.sh
tests=()
for t in "$@"; do
    [ -f "$t" ] || die "no test file: $t"
    tests+=("$(cd "$(dirname "$t")" && pwd)/$(basename "$t")")
done
build_only() { head -n 30 "$1" | grep -qx '# box: build-only'; }   # see "Header tags" above
SKIPPED=()

LOCK_PID='' TEST_PID='' TEE_PID='' OUT_FD='' TOTAL_PASS=0 TOTAL_FAIL=0

# `timeout` makes itself the leader of a new process group, so the test and everything it
# started in the background are in process group $TEST_PID.
end_test() {   # end_test [TERM]: idempotent
    if [ -n "$TEST_PID" ]; then
        if [ -n "${1:-}" ]; then   # interrupted: timeout forwards TERM to the group and
            kill -TERM "$TEST_PID" 2>/dev/null || true   # KILLs it 5 s later if need be
            wait "$TEST_PID" 2>/dev/null || true
        fi
        # Leftover background processes of the test would keep tee (and us) waiting.
        if kill -KILL -- "-$TEST_PID" 2>/dev/null; then echo "--- killed processes the test left behind"; fi
        TEST_PID=''
    fi
    if [ -n "$OUT_FD" ]; then exec {OUT_FD}>&-; OUT_FD=''; wait "$TEE_PID" 2>/dev/null || true; fi
}
teardown() {   # idempotent; used on every path
    [ -z "$LOCK_PID" ] || kill "$LOCK_PID" 2>/dev/null || true
    end_test TERM
    if [ -n "${CT_NSPAWN:-}" ]; then
        # A test may have rebooted the box (CT_REBOOT): its PID 1 is then another one.
        [ -z "${CT_PID1:-}" ] || ct_pid1_current || { CT_PID1=''; ct_pid1 || true; }
        [ -z "${CT_PID1:-}" ] || [ -z "${JOURNAL:-}" ] ||
            SYSTEMD_COLORS=0 timeout 30 nsenter -t "$CT_PID1" -a journalctl -b --no-pager \
                >"$JOURNAL" 2>&1 || true
        ct_stop 20
    fi
    JOURNAL=''
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# One runner at a time: the boxes share the host network, so the same ports.
# Children get fd 9 closed (9>&-), so the lock lives exactly as long as this runner.
mkdir -p "$CT_ROOT" "$CT_LOGS"
exec 9>"$CT_ROOT/lock"
if ! flock -n 9; then
    echo "run.sh: another runner holds $CT_ROOT/lock, waiting..." >&2
    # In the background so that a signal interrupts the wait (bash runs traps only between
    # foreground commands); the lock belongs to the open file, so it is ours all the same.
    flock -w "${BOX_LOCK_TIMEOUT:-1800}" 9 & LOCK_PID=$!
    wait "$LOCK_PID" || die "could not take the lock"
    LOCK_PID=''
fi
# We hold the lock, so a box under our CT_BASE now is a leftover (e.g. a SIGKILLed runner) or
# someone's manual box; it may hold our ports. Say so, but do not kill what we did not start.
for p in $(pgrep -x systemd-nspawn || true); do
    if tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -- "-D $CT_BASE/" >/dev/null; then
        echo "run.sh: WARNING: box already running: nspawn PID $p; to end it: kill -9 the" \
             "child of that PID (the box's PID 1)" >&2
    fi
done

ct_seed "$CT_SEED"
cd "$REPO"

now() { echo "${EPOCHREALTIME/,/.}"; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

run_one() {   # run_one TEST_FILE; adds to TOTAL_PASS/TOTAL_FAIL
    local t=$1 name pass fail rc=0 t0 tb
    name=$(basename "$t" .sh)
    if [ -n "${BOX_PACKAGE:-}" ] && build_only "$t"; then
        echo "=== $name: skipped: '# box: build-only' (it says nothing about the installed package)"
        SKIPPED+=("$name"); return 0
    fi
    BOX_NAME=dgo-${name#test-}; BOX_NAME=${BOX_NAME//[^a-zA-Z0-9-]/-}; BOX_NAME=${BOX_NAME:0:60}
    local out=$CT_LOGS/$name.out
    echo "=== $name (box $BOX_NAME)"
    t0=$(now)
    ct_start "$BOX_NAME" systemd.unit=box.target 9>&-
    JOURNAL=$CT_LOGS/$name.journal
    if ! { ct_pid1 && ct_wait 60 >/dev/null; }; then
        echo "FAIL: $name: box did not boot; $CT_LOGS/$BOX_NAME.console ends:"
        tail -n 15 "$CT_LOGS/$BOX_NAME.console" | sed 's/^/    | /'
        teardown; TOTAL_FAIL=$((TOTAL_FAIL + 1)); return 0
    fi
    echo "--- booted in $(elapsed "$t0") s"
    if [ "$BUILD_DIR" != - ]; then
        tb=$(now)
        if ! ct_install "$BUILD_DIR"; then
            echo "FAIL: $name: installing the build into the box failed (meson install, sysusers, daemon-reload)"
            teardown; TOTAL_FAIL=$((TOTAL_FAIL + 1)); return 0
        fi
        echo "--- installed in $(elapsed "$tb") s"
    fi
    local unsanitized=''
    if [ -n "${BOX_SANITIZED:-}" ]; then
        # The journal check below means something only if the programs are instrumented.
        for f in "/proc/$CT_PID1/root"/usr/libexec/dgo/dgo-* "/proc/$CT_PID1/root/usr/bin/dgoctl"; do
            [ -f "$f" ] && grep -q __asan_init "$f" || unsanitized+=" ${f#/proc/"$CT_PID1"/root}"
        done
    fi
    if [ -n "${BOX_PACKAGE:-}" ]; then
        tb=$(now)
        # Nothing of dgo may be in the box before: no meson install leaking in from the host.
        leak=$(ct_exec sh -c 'ls -d /usr/libexec/dgo /usr/share/dgo /lib/systemd/system/dgo* \
                   /etc/systemd/system/dgo* /usr/lib/sysusers.d/dgo.conf 2>/dev/null' || true)
        if [ -n "$leak" ]; then
            echo "FAIL: $name: dgo files in the box before the package was installed: $leak"
            teardown; TOTAL_FAIL=$((TOTAL_FAIL + 1)); return 0
        fi
        # This host is a container image whose /usr/sbin/policy-rc.d (exit 101) forbids
        # maintainer scripts to start or stop anything; a booted Debian system has none.
        rm -f "/proc/$CT_PID1/root/usr/sbin/policy-rc.d"
        # man-db's trigger rebuilds the whole index after every install and removal (~4 s
        # here); `man` finds pages without it.
        rm -f "/proc/$CT_PID1/root/var/lib/man-db/auto-update"
        BOX_PKG_STARTED=''
        if ct_install_deb "$BOX_PACKAGE" >"$CT_LOGS/$name.install" 2>&1; then
            # What the package itself started, before the README's command (for pkg-lifecycle.sh).
            BOX_PKG_STARTED=$(ct_exec systemctl is-active dgo.target dgo-registry.socket dgo-log.socket \
                dgo-grading.socket dgo-portal.socket | tr '\n' ' ') || true
            export BOX_PKG_STARTED
        fi
        if [ -z "$BOX_PKG_STARTED" ] || ! ct_exec systemctl start dgo.target; then
            echo "FAIL: $name: apt-get install ./$(basename "$BOX_PACKAGE") or systemctl start dgo.target failed;" \
                 "$CT_LOGS/$name.install ends:"
            tail -n 15 "$CT_LOGS/$name.install" | sed 's/^/    | /'
            teardown; TOTAL_FAIL=$((TOTAL_FAIL + 1)); return 0
        fi
        echo "--- package installed, dgo.target started in $(elapsed "$tb") s"
    fi
    if [ -n "${BOX_SANITIZED:-}" ]; then
        # A sanitizer build: its reports go to stderr, i.e. the journal, and
        # are counted below. LeakSanitizer needs ptrace, which the units'
        # SystemCallFilter= rightly forbids: leaks are checked by the unit tests.
        mkdir -p "/proc/$CT_PID1/root/etc/systemd/system/dgo-.service.d"
        printf '%s\n' '[Service]' 'Environment=ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1' \
            > "/proc/$CT_PID1/root/etc/systemd/system/dgo-.service.d/sanitizers.conf"
    fi
    if ! ct_exec systemctl daemon-reload; then
        echo "FAIL: $name: systemctl daemon-reload in the box failed"
        teardown; TOTAL_FAIL=$((TOTAL_FAIL + 1)); return 0
    fi

    export CT_PID1 CT_NSPAWN R=/proc/$CT_PID1/root BOX_NAME REPO BUILD_DIR BOX_SANITIZED=${BOX_SANITIZED:-}
    exec {OUT_FD}> >(tee "$out" 9>&-); TEE_PID=$!
    # Background + wait: a SIGINT/SIGTERM to us then runs the traps at once (see teardown).
    timeout -k 5 "$TIMEOUT" bash "$t" </dev/null >&"$OUT_FD" 2>&1 9>&- {OUT_FD}>&- &
    TEST_PID=$!
    wait "$TEST_PID" || rc=$?
    end_test
    teardown
    ct_count_result "$out" "$name" "$rc" "$TIMEOUT"
    if [ -n "$unsanitized" ]; then
        echo "FAIL: $name: BOX_SANITIZED=1, but not built with ASan:$unsanitized"
        fail=$((fail + 1))
    elif [ -n "${BOX_SANITIZED:-}" ]; then
        reports=$(grep -cE 'AddressSanitizer|LeakSanitizer|runtime error:' "$CT_LOGS/$name.journal" || true)
        if [ "$reports" -gt 0 ]; then
            echo "FAIL: $name: $reports sanitizer reports in the journal:"
            grep -E -m 5 -A 3 'AddressSanitizer|runtime error:' "$CT_LOGS/$name.journal" | sed 's/^/    | /'
            fail=$((fail + 1))
        else
            echo "PASS: $name: no sanitizer report in the journal"
            pass=$((pass + 1))
        fi
    fi
    echo "--- $name: $pass ok, $fail bad, exit $rc, $(elapsed "$t0") s in all; logs: $CT_LOGS/$name.{out,journal}"
    TOTAL_PASS=$((TOTAL_PASS + pass)) TOTAL_FAIL=$((TOTAL_FAIL + fail))
}

for t in "${tests[@]}"; do run_one "$t"; done
[ ${#SKIPPED[@]} -eq 0 ] || echo "--- skipped (build-only, not counted): ${SKIPPED[*]}"
echo "$TOTAL_PASS passed, $TOTAL_FAIL failed"
[ "$TOTAL_FAIL" -eq 0 ]
