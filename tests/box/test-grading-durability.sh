#!/bin/bash
# Proves that a grade acknowledged with 201 survives kill -9 of the service:
# 16,000 grade POSTs from 20 clients (800 to each of twenty students) while
# dgo-grading is killed twice with SIGKILL (0.1 s after the load's first grade
# is stored, and 0.1 s after the next start; the load still runs after the
# second kill; systemd restarted it twice). Every grade acknowledged with 201
# is stored, none twice; the database passes SQLite's integrity check; GET
# showed what the database holds. With DGO_BOOK=STUDENTSxGRADES
# (test-grading-durability-large.sh) the same runs on a book of that size,
# imported at the first start.
set -uo pipefail
. "$REPO/tests/box/lib.sh"
. "$REPO/tests/box/dgo-lib.sh"

G=http://127.0.0.1:6000
if [ -n "${DGO_BOOK:-}" ]; then
    legacy_gradebook "${DGO_BOOK%x*}" "${DGO_BOOK#*x}"
fi
ct_exec systemctl start dgo.target
wait_until 5 port_listens 6000
# An imported book takes a while (10,000 x 100: about 10 s) before the first answer.
before=$(curl -s --max-time 120 "$G/students/1") || true
check_match "GET /students/1 answers with the first student" '"FirstName":"' "$before"

# Twenty students take the load: the samples and fifteen more (a large book
# has them already).
if [ -z "${DGO_BOOK:-}" ]; then
    for i in $(seq 6 20); do
        curl -s -o /dev/null --max-time 10 -H 'Content-Type: application/json' \
            --data "{\"FirstName\":\"Load$i\",\"LastName\":\"Student\"}" "$G/students"
    done
fi
check_match "twenty students to load" '"ID":20,' "$(curl -s --max-time 20 "$G/students/20")"

# The killer runs inside the box, where pidof is instant. Once the load has
# begun (student 1 has a grade of it), it kills the service 0.1 s later, and
# again 0.1 s after the next connection has started it again.
ct_exec bash -c '
    n() { curl -s --max-time 20 http://127.0.0.1:6000/students/1 | grep -o "\"Load " | wc -l; }
    echo "killer ready: $(n) stored"
    until [ "$(n)" -ge 1 ]; do sleep 0.005; done
    for k in 1 2; do
        sleep 0.1
        p=$(pidof dgo-grading); kill -9 $p; echo "killed dgo-grading ($p) with $(n) grades of student 1 stored"
        until q=$(pidof dgo-grading) && [ "$q" != "$p" ]; do sleep 0.005; done
    done' > "$BOX_TMP/killer.out" 2>&1 &
killer=$!
wait_until 10 grep -q "killer ready" "$BOX_TMP/killer.out"
# Twenty students, 800 each from one client of their own (a student has at
# most 1,000 grades, and the large book's have 100 already): 16,000 POSTs,
# seconds long, so that both kills fall inside the load.
STUDENTS=$(seq 1 20)
loads=()
for s in $STUDENTS; do
    python3 "$TOOLS/httpload.py" post "$G/students/$s/grades" --count 800 --concurrency 1 \
        --type application/json --body '{"Title":"Load {i}","Type":"Quiz","Score":50}' \
        --record "$BOX_TMP/acked-$s" > "$BOX_TMP/load-$s.out" &
    loads+=($!)
done
wait_until 60 eval '! kill -0 '$killer' 2>/dev/null'
cat "$BOX_TMP/killer.out"
running=no
for l in "${loads[@]}"; do if kill -0 "$l" 2>/dev/null; then running=yes; fi; done
check_eq "the load was still running after the second kill" yes "$running"
wait "${loads[@]}"
acked=0
for s in $STUDENTS; do
    echo "load on student $s: $(cat "$BOX_TMP/load-$s.out")"
    acked=$((acked + $(wc -l < "$BOX_TMP/acked-$s")))
done
check "some requests were acknowledged ($acked)" test "$acked" -gt 400
check_eq "the service was restarted twice" 2 "$(box_unit_prop dgo-grading.service NRestarts)"
declare -A shown
for s in $STUDENTS; do
    shown[$s]=$(json_get "$(curl -s --max-time 20 "$G/students/$s")" 'len(d["Grades"])')
done

ct_exec systemctl stop dgo-grading.socket dgo-grading.service
check_eq "the database passes SQLite's integrity check" ok "$(gradebook_sql 'PRAGMA integrity_check')"
for s in $STUDENTS; do
    stored=$(gradebook_sql "SELECT substr(title, 6) FROM grades WHERE student_id = $s AND title LIKE 'Load %'")
    total=$(grep -c . <<<"$stored")
    unique=$(sort -u <<<"$stored" | grep -c .)
    check_eq "student $s: no grade is stored twice" "$total" "$unique"
    missing=$(comm -23 <(sort "$BOX_TMP/acked-$s") <(sort <<<"$stored"))
    check_eq "student $s: every acknowledged grade is stored" "" "$missing"
    echo "student $s: acknowledged $(wc -l < "$BOX_TMP/acked-$s"), stored $total" \
         "(stored but not acknowledged is allowed: the kill came between)"
    check_eq "student $s: GET showed the grades the database holds" \
        "$(gradebook_sql "SELECT count(*) FROM grades WHERE student_id = $s")" "${shown[$s]}"
done
if [ -n "${DGO_BOOK:-}" ]; then
    check_eq "every student of the imported book is in the database" "${DGO_BOOK%x*}" \
        "$(gradebook_sql 'SELECT count(*) FROM students')"
fi

finish
