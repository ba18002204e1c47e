#!/bin/bash
# shellcheck disable=SC2016  # the conditions of `eventually` are expanded when evaluated
# Proves dgoctl tells an operator what the services and systemd say, with
# the documented exit codes: installed with its man pages (rendered by `man`),
# --help of every command; `status` with every service up and not yet started
# (asking starts nothing; the same unit states as user nobody); `services` as
# a table and as JSON (the registry's list); `students` and `student 1` with
# the sample data; `grade add` stored at the grading service and shown by
# `student 1`; fifteen kinds of bad argument each exit 2 with its message and
# send nothing; an unknown student exits 1 with the service's text; `logs`
# for one service and for all (the added grade once, systemd's start line,
# nobody else's lines) and `logs -f`. The grading service down: status shows
# it dead and down, `students` exits 3 within seconds and works again after;
# the registry down: status still prints the table from systemd with HEALTH
# "?", warns and exits 3; the portal down: exit 3. Colours only on a terminal
# (through `script`), never with NO_COLOR or --no-color. In a sanitized run
# (BOX_SANITIZED=1), no sanitizer report on dgoctl's stderr. The portal's API
# needs a token: one made with `dgoctl token add` goes in $DGO_TOKEN of
# every call (without it, `students` exits 1 and says how to make one).
set -uo pipefail
. "$REPO/tests/box/lib.sh"
. "$REPO/tests/box/dgo-lib.sh"

ERR=$BOX_TMP/dgoctl.err ALL_ERR=$BOX_TMP/dgoctl.all-err
: > "$ALL_ERR"
# dgoctl ARGS... -> stdout in $OUT, stderr in $ERR, exit status in $RC (run in the box).
# Every stderr is kept in $ALL_ERR too: a sanitizer build of dgoctl reports there.
TOKEN=
dgoctl() {
    RC=0; OUT=$(ct_exec env -u NO_COLOR DGO_TOKEN="$TOKEN" dgoctl "$@" 2>"$ERR") || RC=$?
    cat "$ERR" >> "$ALL_ERR"
}
err() { cat "$ERR"; }
# row NAME -> the status/services line of NAME (first match), squeezed to single spaces
row() { awk -v n="$1" '$1 == n { $1 = $1; print; exit }' <<<"$OUT"; }

echo "--- installed"
dgoctl token add box-dgoctl
check_eq "dgoctl token add exits 0" 0 "$RC"
check_match "... and prints the token" '^dgo_[0-9a-f]{64}$' "$OUT"
TOKEN=$OUT
check "dgoctl is installed in /usr/bin" test -x "$R/usr/bin/dgoctl"
for page in man1/dgoctl.1 man7/dgo.7 man8/dgo-services.8 man8/dgo-registry.8 man8/dgo-log.8 \
            man8/dgo-grading.8 man8/dgo-portal.8; do
    check "man page $page is installed" compgen -G "$R/usr/share/man/$page*"
done
dgoctl --version
check_eq "dgoctl --version exits 0" 0 "$RC"
check_match "... and names itself" '^dgoctl [0-9]' "$OUT"
dgoctl --help
check_eq "dgoctl --help exits 0" 0 "$RC"
check_match "--help documents the exit codes" '^  3  a service could not be reached' "$OUT"
for c in status services logs students student grade; do
    dgoctl "$c" --help
    check_eq "dgoctl $c --help exits 0 with its usage" "0 Usage: dgoctl $c" "$RC $(head -1 <<<"$OUT" | cut -d' ' -f1-3)"
done
if ct_exec sh -c 'command -v man' >/dev/null 2>&1; then
    page=$(ct_exec env MANWIDTH=80 man -P cat dgoctl 2>&1 || true)
    check_match "man dgoctl renders" "dgoctl - the operator's command line for dgo" "$page"
    check_match "... with the exit codes" '^EXIT STATUS' "$page"
    page=$(ct_exec env MANWIDTH=80 man -P cat 7 dgo 2>&1 || true)
    check_match "man 7 dgo renders, with the drop-in for a port" 'ListenStream=127\.0\.0\.1:8080' "$page"
    page=$(ct_exec env MANWIDTH=80 man -P cat dgo-grading 2>&1 || true)
    check_match "man dgo-grading shows the shared services page" '--store FILE' "$page"
else
    echo "(no man in the box: rendering not checked)"
fi

echo "--- systemctl start dgo.target"
ct_exec systemctl start dgo.target
for port in 3000 4000 5000 6000; do
    check "port $port listens" wait_until 5 port_listens $port
done
# The registry's first answer is right (it waits for systemd's unit list),
# but give the services' descriptors a moment to be read.
wait_until 5 test -n "$(services_json)"

echo "--- dgoctl status"
dgoctl status
echo "$OUT"
check_eq "status exits 0" 0 "$RC"
check_eq "status writes nothing on stderr" "" "$(err)"
check_match "the header is systemctl-like" '^SERVICE +UNIT +ACTIVE +SUB +SOCKET +HEALTH +URL +SINCE$' "$OUT"
check_match "the registry: its unit runs (we just asked it), socket holds the port, up" \
    '^Registry dgo-registry\.service active running running up http://127\.0\.0\.1:3000 -$' "$(row Registry)"
check_match "the log service: socket listening, up, since a UTC time" \
    '^LogService dgo-log\.service (active running running|inactive dead listening) up http://127\.0\.0\.1:4000 [0-9-]+T[0-9:]+Z$' \
    "$(row LogService)"
check_match "the grading service: not started yet, socket listening, up" \
    '^GradingService dgo-grading\.service inactive dead listening up http://127\.0\.0\.1:6000 [0-9-]+T[0-9:]+Z$' \
    "$(row GradingService)"
check_match "the portal likewise" \
    '^TeacherPortal dgo-portal\.service inactive dead listening up http://127\.0\.0\.1:5000 [0-9-]+T[0-9:]+Z$' \
    "$(row TeacherPortal)"
check_eq "asking did not start the grading service" inactive "$(box_unit_prop dgo-grading.service ActiveState)"
check_eq "no escape sequences when stdout is no terminal" 0 "$(grep -c $'\033' <<<"$OUT")"
root_status=$OUT
# An operator need not be root: GetUnit/LoadUnit and the properties are open to everyone.
user_status=$(ct_exec setpriv --reuid=65534 --regid=65534 --clear-groups dgoctl status 2>&1) && rc=0 || rc=$?
check_eq "status as user nobody: exit 0" 0 "$rc"
check_unchanged "... the same unit states as root's" "$(cut -c1-70 <<<"$root_status")" "$(cut -c1-70 <<<"$user_status")"

echo "--- colours only on a terminal"
tty_out=$(ct_exec env -u NO_COLOR TERM=xterm script -qec "dgoctl status" /dev/null 2>&1 || true)
check_match "on a terminal: up in green" $'\033\\[32mup\033\\[0m' "$tty_out"
tty_out=$(ct_exec env NO_COLOR=1 TERM=xterm script -qec "dgoctl status" /dev/null 2>&1 || true)
check_eq "with NO_COLOR: no escape sequences" 0 "$(grep -c $'\033' <<<"$tty_out")"
tty_out=$(ct_exec env -u NO_COLOR TERM=xterm script -qec "dgoctl --no-color status" /dev/null 2>&1 || true)
check_eq "with --no-color: none" 0 "$(grep -c $'\033' <<<"$tty_out")"

echo "--- dgoctl services"
dgoctl services
echo "$OUT"
check_eq "services exits 0" 0 "$RC"
check_match "services has its header" '^SERVICE +URL +UNIT +HEALTH +SINCE +REQUIRES +REASON$' "$OUT"
check_match "the portal's row: requirements and reason" \
    '^TeacherPortal http://127\.0\.0\.1:5000 dgo-portal\.service up [0-9T:Z-]+ LogService, GradingService socket listening, starts on demand$' \
    "$(row TeacherPortal)"
dgoctl services --json
check_eq "services --json exits 0" 0 "$RC"
check_eq "services --json is the registry's list" \
    "$(json_get "$(services_json)" 'sorted(r["ServiceURL"] for r in d)')" \
    "$(json_get "$OUT" 'sorted(r["ServiceURL"] for r in d)')"
check_match "... indented" '^  \{$' "$OUT"
dgoctl services --registry http://127.0.0.1:3000/services
check_eq "--registry with the services' /services suffix works" 0 "$RC"

echo "--- dgoctl students / student"
saved=$TOKEN TOKEN=
dgoctl students
check_eq "without a token, dgoctl students exits 1" 1 "$RC"
check_match "... and says how to make one" 'dgoctl token add NAME' "$(err)"
TOKEN=$saved
dgoctl students
echo "$OUT"
check_eq "students exits 0" 0 "$RC"
expected=$(python3 -c '
import json, math, sys
def avg(s): return "%.1f%%" % (math.floor(sum(s) * 10 / len(s) + 1e-9 + 0.5) / 10) if s else "\u2013"
print("ID NAME GRADES AVERAGE")
for s in json.load(open(sys.argv[1])):
    g = [x["Score"] for x in s["Grades"]]
    print(s["ID"], s["FirstName"], s["LastName"], len(g), avg(g))' "$REPO/data/students.json")
check_eq "the sample students with their grade counts and averages" "$expected" "$(awk '{ $1 = $1; print }' <<<"$OUT")"
dgoctl students --json
check_eq "students --json: the portal's list" 5 "$(json_get "$OUT" 'len(d)')"
dgoctl student 1
echo "$OUT"
check_eq "student 1 exits 0" 0 "$RC"
check_match "student 1: the name" '^Student 1: Nick Carter$' "$OUT"
check_match "... the average" '^Average: 87\.0%$' "$OUT"
check_match "... a grade row" '^Quiz 1 +Quiz +85$' "$OUT"

echo "--- dgoctl grade add"
dgoctl grade add 1 --title "Box quiz" --type quiz --score 77.5
echo "$OUT"
check_eq "grade add exits 0" 0 "$RC"
check_eq "it prints the stored grade" 'Added to student 1: "Box quiz" (Quiz) 77.5' "$OUT"
dgoctl student 1
check_match "the grade shows in dgoctl student 1" '^Box quiz +Quiz +77\.5$' "$OUT"
check_match "... and the average moved" "^Average: $(python3 -c 'import math; print("%.1f%%" % (math.floor((85+94+82+77.5)*10/4 + 1e-9 + 0.5)/10))')\$" "$OUT"
check_eq "the grading service has it" "Box quiz" \
    "$(json_get "$(curl -s --max-time 5 http://127.0.0.1:6000/students/1 || true)" 'd["Grades"][-1]["Title"]')"
dgoctl grade add 2 --title Final --type EXAM --score 90 --json
check_eq "grade add --json prints the grading service's JSON" '{"Title": "Final", "Type": "Exam", "Score": 90}' \
    "$(json_get "$OUT" 'json.dumps(d)' 2>/dev/null || true)"

echo "--- bad arguments: exit 2, a message, nothing sent"
grades_before=$(json_get "$(curl -s --max-time 5 http://127.0.0.1:6000/students/1 || true)" 'len(d["Grades"])')
bad() {   # bad DESC REGEX ARGS...: exit 2 and REGEX in the message
    local desc=$1 re=$2; shift 2
    dgoctl "$@"
    check_eq "$desc: exit 2" 2 "$RC"
    check_match "$desc: says why" "$re" "$(err)"
}
bad "a score over 100" "--score '101' must be a number from 0 to 100" grade add 1 --title T --type Quiz --score 101
bad "a negative score" "must be a number from 0 to 100" grade add 1 --title T --type Quiz --score -3
bad "an unknown type" "--type 'Essay' must be one of Quiz, Test, Exam, Homework" grade add 1 --title T --type Essay --score 5
bad "no title" "--title is required" grade add 1 --type Quiz --score 5
bad "an empty title" "--title must not be empty" grade add 1 --title "" --type Quiz --score 5
bad "a title with a newline" "control characters" grade add 1 --title $'a\nb' --type Quiz --score 5
bad "a bad student ID" "'abc' must be a student ID" grade add abc --title T --type Quiz --score 5
bad "grade without add" "missing the action" grade
bad "an unknown command" "unknown command 'frobnicate'" frobnicate
bad "an unknown option" "unrecognized option '--frob'" status --frob
bad "no command" "no command given" 
bad "a bad --timeout" "--timeout 0: must be more than 0" --timeout 0 students
bad "a registry URL that is not http" "must be an http:// URL" --registry https://127.0.0.1:3000 services
bad "student without ID" "which student\\?" student
bad "logs with a bad service name" "is no service name" logs 'no such=thing'
check_unchanged "none of them reached the grading service" "$grades_before" \
    "$(json_get "$(curl -s --max-time 5 http://127.0.0.1:6000/students/1 || true)" 'len(d["Grades"])')"

echo "--- errors from the services: exit 1 with their text"
dgoctl student 99
check_eq "an unknown student: exit 1" 1 "$RC"
check_match "... with the grading service's error text" 'answered 404: no student with ID 99' "$(err)"
dgoctl grade add 99 --title T --type Quiz --score 5
check_eq "a grade for an unknown student: exit 1" 1 "$RC"

echo "--- dgoctl logs"
box_journal_sync
dgoctl logs grading --no-pager -n 50
check_eq "logs grading exits 0" 0 "$RC"
check_eq "the grade added shows once in the grading service's central log" 1 \
    "$(grep -c 'GradingService\[[0-9]*\]: Grade added for student 1: Box quiz' <<<"$OUT")"
check_match "... with systemd's line about starting it" 'Started dgo-grading\.service' "$OUT"
check_eq "... and not the portal's lines" 0 "$(grep -c 'TeacherPortal\[' <<<"$OUT")"
dgoctl logs GradingService --no-pager -n 50
check_eq "the registry name selects the same" 1 "$(grep -c 'Grade added for student 1: Box quiz' <<<"$OUT")"
dgoctl logs --no-pager
check_eq "logs (all) exits 0" 0 "$RC"
check_eq "all of dgo: the grade once" 1 "$(grep -c 'Grade added for student 1: Box quiz' <<<"$OUT")"
check_match "... and the portal's lines" 'TeacherPortal\[[0-9]+\]: ' "$OUT"
check_match "... and the registry's own" 'dgo-registry\[[0-9]+\]: ' "$OUT"
dgoctl logs registry --no-pager
check_match "logs registry: the registry's lines" 'dgo-registry\[[0-9]+\]: ' "$OUT"
check_eq "... and no one else's" 0 "$(grep -cE 'GradingService\[|TeacherPortal\[' <<<"$OUT")"
dgoctl logs portal --no-pager -n 1
check_eq "-n 1: one entry" 1 "$(grep -c . <<<"$OUT")"
# -f follows: a message sent while it runs shows up.
ct_exec timeout 3 dgoctl logs Follower -f --no-pager > "$BOX_TMP/follow.out" 2>&1 &
follow=$!
sleep 1
post_log "[Follower] - followed message" >/dev/null
wait "$follow"
check_match "logs -f shows a message sent while it runs (an anonymous sender's name is shown as claimed)" 'anonymous\(claimed:Follower\)\[[0-9]+\]: followed message' "$(cat "$BOX_TMP/follow.out")"

echo "--- a foreign service in status"
curl -s -o /dev/null --max-time 5 -H 'Content-Type: application/json' -d '{"ServiceName":"Weather","ServiceURL":"http://127.0.0.1:7999",
    "RequiredServices":[],"ServiceUpdateURL":"http://127.0.0.1:7999/services",
    "HeartbeatURL":"http://127.0.0.1:7999/heartbeat"}' "$REGISTRY" || true
dgoctl status
check_match "it follows dgo's own, without a unit" '^Weather - - - - (up|down) http://127\.0\.0\.1:7999 ' "$(row Weather)"

echo "--- the grading service down"
ct_exec systemctl stop dgo-grading.socket dgo-grading.service
check "the registry says it is down" eventually 3 '[ "$(health_of http://127.0.0.1:6000)" = down ]'
dgoctl status
echo "$OUT"
check_eq "status still exits 0 (it could ask everyone)" 0 "$RC"
check_match "the grading service: unit and socket dead, down" \
    '^GradingService dgo-grading\.service inactive dead dead down http://127\.0\.0\.1:6000 ' "$(row GradingService)"
t0=$EPOCHREALTIME
dgoctl students
check_eq "students through the portal: exit 3 (the grading service is not reached)" 3 "$RC"
check_match "... saying the portal's 502/503" 'the portal answered 50[23]: GradingService' "$(err)"
check "... within a few seconds" awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { exit !(b - a < 6) }'
ct_exec systemctl start dgo-grading.socket
check "students works again once its socket is back" eventually 10 \
    'ct_exec env DGO_TOKEN="$TOKEN" dgoctl students >/dev/null 2>&1'

echo "--- the registry down"
ct_exec systemctl stop dgo-registry.socket dgo-registry.service
dgoctl status
echo "$OUT"
err
check_eq "status without the registry: exit 3" 3 "$RC"
check_match "... says it cannot reach the registry" 'cannot reach the registry at http://127\.0\.0\.1:3000' "$(err)"
check_match "... and warns what is missing" 'warning: without the registry: unit states from systemd only' "$(err)"
check_match "... still prints the registry's row from systemd: inactive, socket dead, down" \
    '^Registry dgo-registry\.service inactive dead dead down http://127\.0\.0\.1:3000 -$' "$(row Registry)"
check_match "... and the others with HEALTH ? and their socket's address" \
    '^GradingService dgo-grading\.service (inactive dead listening|active running running) \? http://127\.0\.0\.1:6000 -$' \
    "$(row GradingService)"
check_match "... the log service too" '^LogService dgo-log\.service (inactive dead listening|active running running) \? http://127\.0\.0\.1:4000 -$' \
    "$(row LogService)"
check_eq "... four rows and the header" 5 "$(grep -c . <<<"$OUT")"
dgoctl services
check_eq "services without the registry: exit 3" 3 "$RC"
check_match "... saying so" 'cannot reach the registry' "$(err)"
dgoctl students
check_eq "the portal still answers students without the registry (exit 0)" 0 "$RC"
ct_exec systemctl start dgo-registry.socket
check "status is back to exit 0 with the registry" eventually 10 'ct_exec dgoctl status >/dev/null 2>&1'

echo "--- the portal down"
ct_exec systemctl stop dgo-portal.socket dgo-portal.service
dgoctl students
check_eq "students without the portal: exit 3" 3 "$RC"
check_match "... cannot reach the portal" 'cannot reach the portal at http://127\.0\.0\.1:5000' "$(err)"
dgoctl --timeout 1 --portal http://127.0.0.1:5999 student 1
check_eq "--portal elsewhere: exit 3 too" 3 "$RC"
ct_exec systemctl start dgo-portal.socket

# Only a sanitized build (BOX_SANITIZED: scripts/test runs this test so too) can report.
if [ -n "${BOX_SANITIZED:-}" ]; then
    check_eq "no sanitizer report from any dgoctl run (ASan+UBSan build)" 0 \
        "$(grep -cE 'AddressSanitizer|LeakSanitizer|runtime error:' "$ALL_ERR")"
fi
finish
