#!/bin/bash
# The rule "never serve or save a grade book it could not fully load", under
# systemd: with the database made unreadable, the restarted service exits
# (systemd restarts it) and no GET /students ever answers with fewer students
# than before; once readable again, everything is back. A write that cannot
# get the database's write lock answers 503 "nothing was changed", and
# nothing was.
set -uo pipefail
. "$REPO/tests/box/lib.sh"
. "$REPO/tests/box/dgo-lib.sh"

G=http://127.0.0.1:6000
ct_exec systemctl start dgo.target
wait_until 5 port_listens 6000
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H 'Content-Type: application/json' \
    --data '{"Title":"Before the fault","Type":"Quiz","Score":70}' "$G/students/2/grades" || true)
check_eq "a grade is stored: 201" 201 "$code"
before=$(curl -s --max-time 10 "$G/students")
n=$(json_get "$before" 'len(d)')
check "the book has students ($n)" test "$n" -gt 0

# --- another program holds the write lock (an operator's sqlite3 shell, say)
ct_exec bash -c "{ echo 'BEGIN IMMEDIATE;'; sleep 4; echo 'ROLLBACK;'; } |
    sqlite3 $GRADEBOOK_DIR/gradebook.db" &
locker=$!
sleep 1
answer=$(curl -s -w ' %{http_code}' --max-time 10 -H 'Content-Type: application/json' \
    --data '{"Title":"Locked out","Type":"Quiz","Score":1}' "$G/students/2/grades" || true)
check_match "a POST that cannot get the write lock: 503, nothing was changed" 'nothing was changed.* 503$' "$answer"
wait $locker
check_eq "and the grade is not there" "" "$(curl -s --max-time 10 "$G/students/2" | grep -o 'Locked out' || true)"
check_eq "the service did not restart for it" 0 "$(restarts dgo-grading.service)"

# --- the database unreadable: the service cannot load it, and must not serve
chmod 000 "$R$GRADEBOOK_DIR/gradebook.db"
box_kill KILL dgo-grading.service
served_less=0 answers=0
for _ in $(seq 40); do
    body=$(curl -s --max-time 2 "$G/students" || true)
    if [ -n "$body" ]; then
        answers=$((answers + 1))
        m=$(json_get "$body" 'len(d) if isinstance(d, list) else -1' 2>/dev/null || echo -1)
        [ "$m" = "$n" ] || served_less=$((served_less + 1))
    fi
    sleep 0.1
done
echo "GET /students while unreadable: $answers answers in 40 tries"
check_eq "no GET /students answered with fewer students (or none)" 0 "$served_less"
box_journal_sync
check_match "the journal says why it cannot serve" "Cannot open the grade book" \
    "$(box_journal -u dgo-grading.service -o cat)"
check "systemd restarted it (it exits with an error, never serves empty)" \
    test "$(restarts dgo-grading.service)" -ge 1

chmod 600 "$R$GRADEBOOK_DIR/gradebook.db"
ct_exec systemctl reset-failed dgo-grading.service dgo-grading.socket
ct_exec systemctl start dgo-grading.socket
after=$(curl -s --max-time 10 "$G/students" || true)
check_eq "readable again: every student is back" "$n" "$(json_get "$after" 'len(d)' 2>/dev/null)"
check_match "with the grade stored before the fault" 'Before the fault' "$after"

finish
