#!/bin/bash
# dgoctl backup and restore, against the running grading service.
# A backup taken while 10 clients POST grades holds every grade acknowledged
# before it began, each once, and as many grades as it says; it is a 0600
# file, and an existing FILE is replaced only with --force. Restoring it
# (dgoctl stops and starts the units) brings exactly that book back with
# the old file's owner and mode: the service serves it and stores new
# grades in it, and the book it replaced is kept as
# gradebook.db.before-restore, from which a second restore (with the service
# stopped by the operator, who finds it stopped afterwards) brings it back.
# A corrupt file, a text file and a book of a newer version are refused
# with a reason and change nothing: the book's bytes, the state directory's
# files and the units' states. Bad command lines exit 2, a user who cannot
# read the book is told to be root.
set -uo pipefail
. "$REPO/tests/box/lib.sh"
. "$REPO/tests/box/dgo-lib.sh"

G=http://127.0.0.1:6000
STATE=/var/lib/private/dgo-grading
DB=$STATE/gradebook.db
ERR=$BOX_TMP/dgoctl.err

# dgoctl ARGS... -> stdout in $OUT, stderr in $ERR, exit status in $RC (run in the box)
dgoctl() { RC=0; OUT=$(ct_exec dgoctl "$@" 2>"$ERR") || RC=$?; }
# load_titles IDS... -> "i" of every grade titled "Load i" of these students, one a line
load_titles() {
    local id
    for id in "$@"; do
        curl -s --max-time 10 "$G/students/$id" | python3 -c 'import json,sys
for g in json.load(sys.stdin)["Grades"]:
    if g["Title"].startswith("Load "): print(g["Title"].split()[1])' || echo "GET /students/$id failed"
    done
}
total_grades() { curl -s --max-time 10 "$G/students" | python3 -c 'import json,sys
print(sum(len(s["Grades"]) for s in json.load(sys.stdin)))' || true; }
states() { ct_exec systemctl is-active dgo-grading.socket dgo-grading.service | tr '\n' ' '; }
book_state() {   # what a refused restore must leave as it was
    echo "$(sha256sum < "$R$DB") $(stat -c '%i %u:%g %a' "$R$DB")"
    ls -A "$R$STATE"
}

ct_exec systemctl start dgo.target
wait_until 5 port_listens 6000
n0=$(total_grades)
check "the grading service serves the sample book ($n0 grades)" test "${n0:-0}" -gt 0

echo "--- dgoctl backup while grades are POSTed"
# Each of the five students gets 900 POSTs (a student takes 1000 grades)
# from two clients; the title is "Load i", i unique within the student. The
# backup (milliseconds) starts once 50 of student 1's are stored: the load
# (about 2,000 a second here) goes on for seconds after it.
STUDENTS="1 2 3 4 5"
pids=()
for s in $STUDENTS; do
    python3 "$TOOLS/httpload.py" post "$G/students/$s/grades" --count 900 --concurrency 2 \
        --type application/json --body '{"Title":"Load {i}","Type":"Quiz","Score":50}' \
        --record-times "$BOX_TMP/acked-$s" > "$BOX_TMP/load-$s.out" &
    pids+=($!)
done
stored_1() { grep -o '"Load ' <<<"$(curl -s --max-time 5 "$G/students/1")" | wc -l; }
wait_until 30 eval '[ "$(stored_1)" -ge 50 ]'
began=${EPOCHREALTIME/,/.}
dgoctl backup /root/book.db
ended=${EPOCHREALTIME/,/.}
backup_out=$OUT backup_rc=$RC
running=no
for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && running=yes; done
echo "$backup_out"; cat "$ERR"
check_eq "dgoctl backup exits 0 under load" 0 "$backup_rc"
check_match "it says what it copied" \
    '^Backed up /var/lib/dgo-grading/gradebook\.db to /root/book\.db: 5 students, [0-9]+ grades, [0-9]+ bytes\.$' \
    "$backup_out"
check_eq "the load was still running when the backup ended" yes "$running"
for p in "${pids[@]}"; do wait "$p"; done
for s in $STUDENTS; do echo "load student $s: $(cat "$BOX_TMP/load-$s.out")"; done
backup_grades=$(sed -n 's/.* students, \([0-9]*\) grades.*/\1/p' <<<"$backup_out")
check_eq "the backup file is root's, mode 0600" "0:0 600" "$(stat -c '%u:%g %a' "$R/root/book.db")"
check "no temporary file is left beside it" test -z "$(ls -A "$R/root" | grep -F 'book.db.tmp-')"
# Before the backup began: answered before $began (the answer was read then,
# so the grade was committed before).
for s in $STUDENTS; do
    awk -v t="$began" '$2 < t { print $1 }' "$BOX_TMP/acked-$s" | sort > "$BOX_TMP/before-$s"
done
n_before=$(cat "$BOX_TMP"/before-? | wc -l)
n_acked=$(cat "$BOX_TMP"/acked-? | wc -l)
echo "acknowledged: $n_acked, before the backup began: $n_before; the backup ended $(
    awk -v a="$began" -v b="$ended" 'BEGIN { printf "%.3f", b - a }') s after it began"
check "grades were acknowledged before the backup began ($n_before)" test "$n_before" -ge 50
check "and after it ($((n_acked - n_before)))" test "$((n_acked - n_before))" -gt 0
live_grades=$(total_grades)
check "the live book has more grades than the backup ($live_grades > $backup_grades)" \
    test "$live_grades" -gt "${backup_grades:-0}"

echo "--- usage"
for c in backup restore; do
    dgoctl "$c" --help
    check_eq "dgoctl $c --help exits 0 with its usage" "0 Usage: dgoctl $c" "$RC $(head -1 <<<"$OUT" | cut -d' ' -f1-3)"
done
if ct_exec sh -c 'command -v man' >/dev/null 2>&1; then
    page=$(ct_exec env MANWIDTH=80 man -P cat dgoctl 2>&1 || true)
    check_match "man dgoctl documents restore" '^       dgoctl \[OPTIONS\] restore \[--store DB\] FILE$' "$page"
fi
dgoctl backup
check_eq "backup without FILE is a usage error (2)" 2 "$RC"
dgoctl restore /root/book.db /root/book2.db
check_eq "restore of two FILEs is a usage error (2)" 2 "$RC"
RC=0; ct_exec setpriv --reuid=65534 --regid=65534 --clear-groups dgoctl backup /tmp/nobody.db 2>"$ERR" || RC=$?
check_eq "backup as a user who cannot read the book exits 1" 1 "$RC"
check_match "... and says to run it as root" 'run dgoctl as root' "$(cat "$ERR")"

echo "--- dgoctl backup does not replace a file unless told to"
before=$(sha256sum < "$R/root/book.db")
dgoctl backup /root/book.db
check_eq "backup onto an existing FILE exits 1" 1 "$RC"
check_match "... saying so" 'book\.db exists; not replaced \(--force replaces it\)' "$(cat "$ERR")"
check_unchanged "... and leaves it as it was" "$before" "$(sha256sum < "$R/root/book.db")"
dgoctl backup --force /root/book2.db
check_eq "--force onto a new FILE works too" 0 "$RC"
dgoctl backup --force /root/book2.db
check_eq "--force replaces an existing FILE" 0 "$RC"
dgoctl backup "$DB" --force
check_eq "backup onto the grade book itself is refused even with --force" 1 "$RC"

echo "--- restore refuses what is no good book, and touches nothing"
# In the box: SQLite resolves symbolic links, and from the host /proc/PID/root/X
# would be the host's /X.
ct_exec python3 - /root <<'EOF'
import shutil, sqlite3, sys
d = sys.argv[1]
data = bytearray(open(d + "/book.db", "rb").read())
for i in range(4096, len(data)):     # every page but the first: the header stays
    data[i] = (i * 131 + 7) % 256
open(d + "/corrupt.db", "wb").write(data)
open(d + "/text.db", "w").write('[{"ID":1,"FirstName":"Nick"}]\n')
shutil.copy(d + "/book.db", d + "/newer.db")
c = sqlite3.connect(d + "/newer.db"); c.execute("PRAGMA user_version = 2"); c.commit(); c.close()
EOF
states_before=$(states) book_before=$(book_state)
for bad in "corrupt.db:integrity check|malformed|not a database" "text.db:is not an SQLite database" \
           "newer.db:version 2, newer than this dgo knows \(1\)"; do
    dgoctl restore "/root/${bad%%:*}"
    check_eq "restore ${bad%%:*} exits 1" 1 "$RC"
    check_match "... with the reason" "^dgoctl: not restored: /root/${bad%%:*} .*(${bad#*:}).*; nothing was changed$" \
        "$(cat "$ERR")"
done
check_unchanged "the units are as they were" "$states_before" "$(states)"
check_unchanged "the grade book and its directory are as they were" "$book_before" "$(book_state)"

echo "--- dgoctl restore"
owner=$(stat -c '%u:%g %a' "$R$DB")
check_eq "before the restore the service runs" active "$(box_unit_prop dgo-grading.service ActiveState)"
dgoctl restore /root/book.db
echo "$OUT"; cat "$ERR"
check_eq "dgoctl restore exits 0" 0 "$RC"
check_match "it says what it restored" \
    "^Restored /root/book\.db to /var/lib/dgo-grading/gradebook\.db: 5 students, $backup_grades grades, [0-9]+ bytes\.$" \
    "$OUT"
check_match "... where the old book is" \
    "^The previous grade book is /var/lib/dgo-grading/gradebook\.db\.before-restore" "$OUT"
check_match "... and that the service runs again" '^dgo-grading\.service is started again\.$' "$OUT"
check_eq "socket and service are active again" "active active " "$(states)"
check_eq "the book has the old file's owner and mode" "$owner" "$(stat -c '%u:%g %a' "$R$DB")"
check "no temporary file is left in the state directory" test -z "$(ls -A "$R$STATE" | grep -F '.tmp-')"
check_eq "the service serves the restored book: as many grades as the backup said" "$backup_grades" \
    "$(total_grades)"
for s in $STUDENTS; do
    load_titles "$s" | sort > "$BOX_TMP/restored-$s"
    check_eq "student $s: no grade twice" "" "$(uniq -d "$BOX_TMP/restored-$s")"
    check_eq "student $s: every grade acknowledged before the backup began is there" "" \
        "$(comm -23 "$BOX_TMP/before-$s" "$BOX_TMP/restored-$s" | head -5)"
done
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H 'Content-Type: application/json' \
    --data '{"Title":"After restore","Type":"Exam","Score":99}' "$G/students/4/grades") || true
check_eq "the service stores a new grade in the restored book (201)" 201 "$code"
check_match "... and serves it" '"Title":"After restore"' "$(curl -s --max-time 10 "$G/students/4")"
check "the book it replaced is kept" test -f "$R$DB.before-restore"

echo "--- undo, with the service stopped by the operator"
ct_exec systemctl stop dgo-grading.service
check_eq "socket active, service stopped" "active inactive " "$(states)"
dgoctl restore /var/lib/dgo-grading/gradebook.db.before-restore
echo "$OUT"; cat "$ERR"
check_eq "restoring gradebook.db.before-restore exits 0" 0 "$RC"
check_match "the service is left stopped" '^dgo-grading\.service is left stopped, as it was before\.$' "$OUT"
check_eq "socket active, service still stopped" "active inactive " "$(states)"
check_eq "the book before the restore is back (the connection starts the service)" "$live_grades" \
    "$(total_grades)"

finish
