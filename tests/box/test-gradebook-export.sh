#!/bin/bash
# dgoctl gradebook export and import: moving a grade book, IDs kept.
# Students and grades added through the grading API are exported from the
# running service to a root-owned 0600 file holding exactly what GET
# /students answers (also to standard output), and no temporary file is
# left. Import refuses while dgo-grading.socket or .service runs, refuses
# broken and hostile files (not JSON, a duplicate key or ID, a bad score,
# type or title, too many grades, deep nesting, a directory, a missing
# file) with the reason, and refuses to replace a book holding students
# without --replace: each time exit 1, and the book, the state directory and
# the units unchanged. With --replace into a fresh book (sample students),
# the old book is kept as gradebook.db.before-restore, the new one has the
# old file's owner and mode, and once the service is started again GET
# /students is byte for byte what was exported. A book whose IDs have gaps
# keeps them, and the next student added gets the highest ID + 1. With no
# book at all no --replace is needed. Bad command lines exit 2. Built with
# ASan+UBSan (BOX_SANITIZED), no dgoctl run reports anything.
set -uo pipefail
. "$REPO/tests/box/lib.sh"
. "$REPO/tests/box/dgo-lib.sh"

G=http://127.0.0.1:6000
STATE=/var/lib/private/dgo-grading
DB=/var/lib/dgo-grading/gradebook.db
ERR=$BOX_TMP/dgoctl.err ALL_ERR=$BOX_TMP/dgoctl-all.err
: > "$ALL_ERR"

# dgoctl ARGS... -> stdout in $OUT, stderr in $ERR (and appended to $ALL_ERR), exit status in $RC
# (run in the box)
dgoctl() {
    RC=0; OUT=$(ct_exec dgoctl "$@" 2>"$ERR") || RC=$?
    cat "$ERR" >> "$ALL_ERR"
}
states() { ct_exec systemctl is-active dgo-grading.socket dgo-grading.service | tr '\n' ' '; }
book_state() {   # what a refused import must leave as it was
    echo "$(sha256sum < "$R$STATE/gradebook.db") $(stat -c '%i %u:%g %a' "$R$STATE/gradebook.db")"
    ls -A "$R$STATE"
}
students() { curl -s --max-time 10 "$G/students"; }
students_to() { curl -s --max-time 10 -o "$1" "$G/students"; }   # the exact bytes, in FILE
post() {   # post PATH BODY -> the HTTP status
    curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H 'Content-Type: application/json' \
        --data-binary "$2" "$G$1" || true
}
start_grading() {
    ct_exec systemctl start dgo-grading.socket
    wait_until 5 port_listens 6000
}

ct_exec systemctl start dgo.target
wait_until 5 port_listens 6000
check "the grading service serves the sample book" test -n "$(students)"

echo "--- students and grades through the API"
codes=""
for name in '"Ada","Lovelace"' '"Émilie","du Châtelet"' '"Alan","Turing"'; do
    codes+="$(post /students "{\"FirstName\":${name%%,*},\"LastName\":${name#*,}}") "
done
check_eq "three students added (201 each)" "201 201 201 " "$codes"
codes=""
for body in '{"Title":"Quiz 1","Type":"Quiz","Score":85}' '{"Title":"Test \"A\"","Type":"Test","Score":88.5}' \
            '{"Title":"Exam – final ✓","Type":"Exam","Score":100}' '{"Title":"HW 0","Type":"Homework","Score":0}' \
            '{"Title":"Quiz 1","Type":"Quiz","Score":85}' '{"Title":"Odd","Type":"Quiz","Score":33.333}'; do
    codes+="$(post /students/1/grades "$body") $(post /students/5/grades "$body") "
done
check_eq "twelve grades added (201 each)" "$(printf '201 %.0s' {1..12})" "$codes"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X DELETE "$G/students/1/grades/0") || true
check_eq "a grade removed (a gap in the grades' rows)" 200 "$code"
students_to "$BOX_TMP/before.json"
before=$(cat "$BOX_TMP/before.json")
n_students=$(json_get "$before" 'len(d)')
n_grades=$(json_get "$before" 'sum(len(s["Grades"]) for s in d)')
top=$(json_get "$before" 'max(s["ID"] for s in d)')
echo "the book: $n_students students, $n_grades grades, highest ID $top"

echo "--- export"
dgoctl gradebook export /root/book.json
echo "$OUT"; cat "$ERR"
check_eq "dgoctl gradebook export exits 0" 0 "$RC"
check_match "it says what it exported" "^Exported $n_students students, $n_grades grades \(highest ID $top\) from http://127\.0\.0\.1:6000 to /root/book\.json: [0-9]+ bytes, mode 0600\.$" "$OUT"
check_eq "the file is root's, mode 0600" "0:0 600" "$(stat -c '%u:%g %a' "$R/root/book.json")"
check "it holds exactly the bytes GET /students answers" cmp "$BOX_TMP/before.json" "$R/root/book.json"
check "no temporary file is left beside it" test -z "$(ls -A "$R/root" | grep -F 'book.json.tmp-')"
dgoctl gradebook export /root/book.json
check_eq "export onto an existing FILE exits 1" 1 "$RC"
check_match "... saying so" 'book\.json exists; not replaced \(--force replaces it\)' "$(cat "$ERR")"
dgoctl gradebook export --force /root/book.json
check_eq "--force replaces it" 0 "$RC"
dgoctl gradebook export --force "$DB"
check_eq "export onto the grade book itself is refused even with --force" 1 "$RC"
check_match "... saying so" 'is the grade book itself; not replaced' "$(cat "$ERR")"
dgoctl gradebook export -
check_eq "export to standard output exits 0" 0 "$RC"
check_eq "... with the same text" "$before" "$OUT"
check_match "... and the summary on stderr" '^Exported .* to standard output: [0-9]+ bytes\.$' "$(cat "$ERR")"
dgoctl gradebook export --url http://127.0.0.1:1 /root/nothing.json
check_eq "export from a service that does not answer exits 3" 3 "$RC"
check "... and writes nothing" test ! -e "$R/root/nothing.json"

echo "--- usage"
dgoctl gradebook --help
check_eq "dgoctl gradebook --help exits 0 with its usage" "0 Usage: dgoctl gradebook" \
    "$RC $(head -1 <<<"$OUT" | cut -d' ' -f1-3)"
for args in "gradebook" "gradebook export" "gradebook frobnicate x" "gradebook import a b" \
            "gradebook import -" "gradebook export --replace x" "gradebook import --url http://127.0.0.1:6000 x"; do
    # shellcheck disable=SC2086 # word splitting wanted: ARGS are several words
    dgoctl $args
    check_eq "dgoctl $args: usage error (2)" 2 "$RC"
done

echo "--- import refuses while the grading service runs"
running0="$(stat -c %i "$R$STATE/gradebook.db") $(ls -A "$R$STATE" | tr '\n' ' ')"
dgoctl gradebook import --replace /root/book.json
check_eq "import while the service runs exits 1" 1 "$RC"
check_match "... saying to stop it" '^dgoctl: not imported: dgo-grading\.(socket|service) is running; stop the grading service first .*nothing was changed$' "$(cat "$ERR")"
check_unchanged "the book is the same file, nothing was added beside it" "$running0" \
    "$(stat -c %i "$R$STATE/gradebook.db") $(ls -A "$R$STATE" | tr '\n' ' ')"
check_eq "the service serves the same book" "$before" "$(students)"
ct_exec systemctl stop dgo-grading.service
check_eq "service stopped, socket listening" "active inactive " "$(states)"
dgoctl gradebook import --replace /root/book.json
check_eq "import while the socket listens exits 1 too" 1 "$RC"
check_match "... naming the socket" 'dgo-grading\.socket is running' "$(cat "$ERR")"
ct_exec systemctl stop dgo-grading.socket
check_eq "both stopped" "inactive inactive " "$(states)"
check_eq "the state directory holds the book alone (its -wal and -shm gone with the service)" "gradebook.db" \
    "$(ls -A "$R$STATE" | tr '\n' ' ' | sed 's/ $//')"
book0=$(book_state)

echo "--- import refuses broken and hostile files, and touches nothing"
mkdir -p "$R/root/bad"
printf '[{"ID":1,"FirstName":"A","LastName":"B","Grades":[]},\n{"ID":2,"FirstName":' > "$R/root/bad/truncated.json"
printf '[{"ID":1,"FirstName":"A","FirstName":"B","LastName":"C"}]' > "$R/root/bad/dupkey.json"
printf '[{"ID":3,"FirstName":"A","LastName":"B"},{"ID":3,"FirstName":"C","LastName":"D"}]' > "$R/root/bad/dupid.json"
printf '[{"ID":1,"FirstName":"A","LastName":"B","Grades":[{"Title":"t","Type":"Quiz","Score":100.01}]}]' > "$R/root/bad/score.json"
printf '[{"ID":1,"FirstName":"A","LastName":"B","Grades":[{"Title":"t","Type":"Essay","Score":1}]}]' > "$R/root/bad/type.json"
printf '[{"ID":1,"FirstName":"A","LastName":"B","Grades":[{"Title":"a\\u0007b","Type":"Quiz","Score":1}]}]' > "$R/root/bad/title.json"
printf '{"students":[]}' > "$R/root/bad/object.json"
python3 - "$R/root/bad" <<'EOF'
import json, sys
d = sys.argv[1]
open(d + "/deep.json", "w").write("[" * 100000 + "]" * 100000)
grades = [{"Title": "g%d" % i, "Type": "Quiz", "Score": 1} for i in range(1001)]
json.dump([{"ID": 1, "FirstName": "A", "LastName": "B", "Grades": grades}], open(d + "/many.json", "w"))
EOF
mkdir -p "$R/root/bad/adir.json"
for bad in "truncated.json:not valid JSON: .*\(line 2, column" "dupkey.json:duplicate" "dupid.json:ID 3 appears twice" \
           'score.json:student 1, grade 1: "Score" must be a number from 0 to 100' \
           'type.json:student 1, grade 1: "Type" must be one of' 'title.json:student 1, grade 1: "Title"' \
           "object.json:list of students" "deep.json:not valid JSON" "many.json:student 1: more than 1000 grades" \
           "adir.json:is not a regular file" \
           "missing.json:does not exist"; do
    dgoctl gradebook import --replace "/root/bad/${bad%%:*}"
    check_eq "import ${bad%%:*} exits 1" 1 "$RC"
    check_match "... with the reason" "^dgoctl: not imported: /root/bad/${bad%%:*} .*${bad#*:}.*; nothing was changed$" \
        "$(cat "$ERR")"
done
check_eq "the units are still stopped" "inactive inactive " "$(states)"
check_unchanged "the book and its directory are as they were" "$book0" "$(book_state)"

echo "--- import refuses to replace a book holding students without --replace"
dgoctl gradebook import /root/book.json
check_eq "import without --replace exits 1" 1 "$RC"
check_match "... saying why" "holds [0-9]+ students and [0-9]+ grades; --replace replaces it" "$(cat "$ERR")"
check_unchanged "the book and its directory are as they were" "$book0" "$(book_state)"

echo "--- import into a fresh book (a new host: the sample students)"
rm -f "$R$STATE"/gradebook.db*
start_grading
fresh=$(students)
check "a fresh book with the sample students, not the exported one" test -n "$fresh" -a "$fresh" != "$before"
ct_exec systemctl stop dgo-grading.socket dgo-grading.service
owner=$(stat -c '%u:%g %a' "$R$STATE/gradebook.db")
fresh_sum=$(sha256sum < "$R$STATE/gradebook.db")
dgoctl gradebook import --replace /root/book.json
echo "$OUT"; cat "$ERR"
check_eq "dgoctl gradebook import --replace exits 0" 0 "$RC"
check_match "it says what it imported" \
    "^Imported /root/book\.json into $DB: $n_students students, $n_grades grades, highest ID $top\.$" "$OUT"
check_match "... where the old book is" "^The previous grade book is $DB\.before-restore" "$OUT"
check_eq "nothing on stderr" "" "$(cat "$ERR")"
check_eq "the new book has the old file's owner and mode" "$owner" "$(stat -c '%u:%g %a' "$R$STATE/gradebook.db")"
check_eq "the old book is kept, unchanged, as gradebook.db.before-restore" "$fresh_sum" \
    "$(sha256sum < "$R$STATE/gradebook.db.before-restore")"
check_eq "nothing else is left in the state directory" "gradebook.db gradebook.db.before-restore" \
    "$(ls -A "$R$STATE" | tr '\n' ' ' | sed 's/ $//')"
check_eq "the units are left stopped" "inactive inactive " "$(states)"
start_grading
students_to "$BOX_TMP/after.json"
check "GET /students after the move is byte for byte what was exported" cmp "$R/root/book.json" "$BOX_TMP/after.json"
cmp -s "$BOX_TMP/before.json" "$BOX_TMP/after.json" ||
    { echo "before: $(head -c 300 "$BOX_TMP/before.json")"; echo "after:  $(head -c 300 "$BOX_TMP/after.json")"; }
code=$(post /students '{"FirstName":"Next","LastName":"One"}')
check_eq "a new student can be added (201)" 201 "$code"
check_eq "... and gets the highest ID + 1" "$((top + 1))" "$(json_get "$(students)" 'max(s["ID"] for s in d)')"

echo "--- IDs with gaps are kept"
cat > "$R/root/gaps.json" <<'EOF'
[{"ID":7,"FirstName":"Seven","LastName":"S","Grades":[{"Title":"a","Type":"Quiz","Score":1}]},
 {"ID":1000,"FirstName":"Thousand","LastName":"T","Grades":[]},
 {"ID":42,"FirstName":"Forty-two","LastName":"F","Grades":[{"Title":"b","Type":"Exam","Score":99.5},{"Title":"c","Type":"Test","Score":0}]}]
EOF
ct_exec systemctl stop dgo-grading.socket dgo-grading.service
dgoctl gradebook import --replace /root/gaps.json
check_eq "import of a book with gaps exits 0" 0 "$RC"
check_match "... 3 students, 3 grades, highest ID 1000" 'Imported /root/gaps\.json into .*: 3 students, 3 grades, highest ID 1000\.$' "$OUT"
start_grading
check_eq "GET /students serves it with its IDs, sorted" "7 42 1000" "$(json_get "$(students)" '" ".join(str(s["ID"]) for s in d)')"
check_eq "... as canonical JSON, the file's book" \
    "$(python3 -c 'import json,sys; print(json.dumps(sorted(json.load(open(sys.argv[1])), key=lambda s: s["ID"]), sort_keys=True))' "$R/root/gaps.json")" \
    "$(students | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))')"
check_eq "the next student gets ID 1001" 201 "$(post /students '{"FirstName":"Next","LastName":"One"}')"
check_match "... there it is" '"ID":1001,' "$(curl -s --max-time 10 "$G/students/1001")"

echo "--- with no book at all, no --replace is needed"
ct_exec systemctl stop dgo-grading.socket dgo-grading.service
rm -f "$R$STATE"/gradebook.db*
dgoctl gradebook import /root/book.json
check_eq "import into a state directory without a book exits 0" 0 "$RC"
check_eq "... and keeps no previous book" "gradebook.db" "$(ls -A "$R$STATE" | tr '\n' ' ' | sed 's/ $//')"
check_eq "the new book is private (0600)" 600 "$(stat -c '%a' "$R$STATE/gradebook.db")"
start_grading
students_to "$BOX_TMP/again.json"
check "the service serves it: byte for byte the export" cmp "$R/root/book.json" "$BOX_TMP/again.json"

# Only a sanitized build (BOX_SANITIZED: scripts/test runs this test so too) can report: the
# import runs the grading store inside dgoctl.
if [ -n "${BOX_SANITIZED:-}" ]; then
    check_eq "no sanitizer report from any dgoctl run (ASan+UBSan build)" 0 \
        "$(grep -cE 'AddressSanitizer|LeakSanitizer|runtime error:' "$ALL_ERR")"
fi
finish
