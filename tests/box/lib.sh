# shellcheck shell=bash
# lib.sh - helpers for tests/box/test-*.sh. Source it: . "$REPO/tests/box/lib.sh"
#
# run.sh boots the box before the test and exports CT_PID1 (host PID of the box's systemd),
# CT_NSPAWN, R=/proc/$CT_PID1/root (the box's / seen from the host), BOX_NAME, REPO, BUILD_DIR.
#
#   check DESC CMD...              run CMD (in this shell, output captured): PASS/FAIL line
#   check_eq DESC EXPECTED ACTUAL  string equality
#   check_unchanged DESC BEFORE AFTER   equality, and BEFORE must not be empty: an empty
#                                  snapshot (a command that failed) equals an empty one taken
#                                  after, and would prove nothing
#   check_match DESC REGEX STRING  some line of STRING matches the extended REGEX (grep -E)
#   wait_until SECONDS CMD...      poll CMD (output discarded) every 0.05 s; 1 on timeout
#   box_journal ARGS...            journalctl --no-pager ARGS... inside the box
#   box_journal_sync               make journald write out all it has received (journalctl --sync)
#   box_unit_prop UNIT PROP        systemctl show -P PROP UNIT inside the box
#   box_main_pid UNIT              the unit's MainPID translated to a host PID (1 if none)
#   box_kill SIGNAL UNIT           real kill(2) of the unit's main process from the host
#   finish                         print "RESULT: N passed, M failed"; exit 0 iff M == 0
# None of these exits the script: a failed check is counted and the test goes on.
# Every test ends with `finish`; run.sh counts a test that ends without its RESULT line, or
# whose RESULT does not match the PASS:/FAIL: lines it printed, as failed. So call the check
# helpers in the test's own shell (not in $(...) or a pipeline), and never `exit` early: to
# stop after a failure that makes the rest meaningless, `box__fail DESC; finish`.
# A check must be able to fail where it runs: no PASS for what the test computed itself.
# Pitfalls (systemd-box.md section 7): under pipefail, `cmd | grep -q X` can fail although X
# is there (cmd gets SIGPIPE): use `grep -q X <<<"$(cmd)"`. Under set -e, `v=$(curl ...)` ends
# the script silently on a refused connection: write `v=$(curl ...) || true` and check "$v".

# shellcheck source=tests/box/ct-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/ct-lib.sh"
[ -n "${CT_PID1:-}" ] || echo "lib.sh: CT_PID1 is not set (run me through tests/box/run.sh)" >&2

BOX_PASS=0 BOX_FAIL=0
BOX_TMP=${BOX_TMP:-$CT_ROOT/tmp}; mkdir -p "$BOX_TMP"

box__pass() { BOX_PASS=$((BOX_PASS + 1)); echo "PASS: $1"; }
box__fail() {  # box__fail DESC [CONTEXT]; not in a pipeline: the count must stay in this shell
    BOX_FAIL=$((BOX_FAIL + 1)); echo "FAIL: $1"
    [ -z "${2:-}" ] || echo "    | ${2//$'\n'/$'\n'    | }"
}

check() {
    local desc=$1 out=$BOX_TMP/check.$BASHPID rc=0; shift
    "$@" >"$out" 2>&1 || rc=$?
    if [ $rc -eq 0 ]; then box__pass "$desc"
    else box__fail "$desc" "$(echo "command: $* (exit $rc)"; tail -n 8 "$out")"; fi
    rm -f "$out"
}

check_eq() {
    if [ "$2" = "$3" ]; then box__pass "$1"
    else box__fail "$1" "$(printf 'expected: %s\nactual:   %s' "$2" "$3")"; fi
}

check_unchanged() {
    if [ -z "$2" ]; then box__fail "$1" "nothing to compare: the snapshot taken before is empty"
    else check_eq "$@"; fi
}

check_match() {
    if grep -Eq -- "$2" <<<"$3"; then box__pass "$1"
    else box__fail "$1" "$(echo "regex: $2"; echo "string (last 8 lines):"; tail -n 8 <<<"$3")"; fi
}

wait_until() {
    local end
    end=$(awk -v s="$1" 'BEGIN { printf "%d", s * 1000000 }'); shift
    end=$(( ${EPOCHREALTIME//[.,]/} + end ))   # microseconds
    until "$@" >/dev/null 2>&1; do
        [ "${EPOCHREALTIME//[.,]/}" -lt "$end" ] || return 1
        sleep 0.05
    done
}

box_journal() { ct_exec journalctl --no-pager "$@"; }
box_journal_sync() { ct_exec journalctl --sync; }
box_unit_prop() { ct_exec systemctl show -P "$2" "$1"; }

# MainPID is a PID in the box's PID namespace. The host PID is the process in the same PID
# namespace as the box's PID 1 whose NSpid line (host PID ... innermost PID) ends in MainPID.
box_main_pid() {
    local inner p k v
    inner=$(box_unit_prop "$1" MainPID) || return 1
    [ -n "$inner" ] && [ "$inner" != 0 ] || return 1
    for p in /proc/[0-9]*; do
        [ "$p/ns/pid" -ef "/proc/$CT_PID1/ns/pid" ] || continue   # same pid ns (builtin test)
        { while read -r k v; do
              [ "$k" = NSpid: ] || continue
              [ "${v##*[[:space:]]}" = "$inner" ] && { echo "${p#/proc/}"; return 0; }
              break
          done <"$p/status"; } 2>/dev/null || true   # the process may be gone by now
    done
    return 1
}

# box_kill SIGNAL UNIT: SIGNAL as KILL, SIGKILL, -9 or 9. Sends the signal with the host's kill
# to the host PID of the unit's MainPID, like a crash or an admin's kill would: systemd only
# learns of it by SIGCHLD (unlike `systemctl kill`, which goes through systemd itself). Returns
# non-zero if the unit has no main process or the kill fails. Only the main process is hit.
box_kill() {
    local sig=${1#-} pid
    pid=$(box_main_pid "$2") || { echo "box_kill: $2 has no main process" >&2; return 1; }
    kill -s "$sig" "$pid"
}

finish() {
    echo "RESULT: $BOX_PASS passed, $BOX_FAIL failed"
    [ "$BOX_FAIL" -eq 0 ] && exit 0
    exit 1
}
