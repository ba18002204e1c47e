#!/bin/bash
# test-grading-replicas.sh - proves that two dgo-grading replicas serving one PostgreSQL book
# (issue 15, deliverable 2) serve each other's changes, each from its own book in memory:
#  - a grade POSTed to replica A is in replica B's GET /students/1 within BOUND_MS (the time
#    printed: the notification's trip, B's writer reading the student again);
#  - a student added on B is in A's GET /students, in its place by ID;
#  - A's own change comes back to it as a notification too, and is not applied twice: A's
#    grades of student 1 are the database's, one each;
#  - both replicas adding 20 students at once: 40 distinct IDs, and both replicas' whole
#    GET /students are the same, byte for byte, once quiet;
#  - the follower's connections killed on the server (pg_terminate_backend): a change made
#    on B meanwhile reaches A once its follower is back (it reads the whole book again); and
#    meanwhile A, asked to remove a grade by its position after B removed the one before it,
#    answers 409 and removes nothing (the grade there is not the one A showed);
#  - a replica's GET answers while the other writes (reads come from memory);
#  - both replicas taking grades of the same students from 8 clients each at once, while a
#    third session holds one student's row now and then: all 400 acknowledged and stored
#    once, no deadlock in the server's log (an end-to-end check: it passed without the lock
#    order too, which test-store_backends proves deadlock-free deterministically);
#  - the database shut down and started again (a failover, as a replica sees it): GETs are
#    answered from memory meanwhile and a POST 503 (not stored, and it is not); once the
#    database is back a POST is acknowledged within BOUND_MS without any restart, stored
#    once, and served by the other replica;
#  - `dgoctl gradebook import --postgresql --replace` of a book with other students and IDs
#    while both run: both replicas' GET /students are the file's book within BOUND_MS (the
#    import announces "*": each reads the whole book again, the old students gone), and the
#    next student added gets the file's highest ID + 1.
# A private PostgreSQL 15 (initdb in a temporary directory, a Unix socket only, no TCP), run
# as the user postgres when the test runs as root; the services listen on loopback.
# Usage: test-grading-replicas.sh DGO_GRADING_BINARY SEED_JSON DGOCTL_BINARY
set -euo pipefail

GRADING=$1 SEED=$2 DGOCTL=$3
PGBIN=/usr/lib/postgresql/15/bin
BOUND_MS=2000
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "PASS: $1"; }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

if [ ! -x "$PGBIN/postgres" ]; then
    echo "FAIL: PostgreSQL 15 is not installed ($PGBIN): scripts/deps installs postgresql-15"
    exit 1
fi
dir=$(mktemp -d /tmp/dgo-replicas.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    [ -n "${KEEP:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT
as_pg() { if [ "$(id -u)" = 0 ]; then setpriv --reuid=postgres --regid=postgres --clear-groups "$@"; else "$@"; fi; }
[ "$(id -u)" != 0 ] || chown postgres: "$dir"
chmod 0755 "$dir"
as_pg "$PGBIN/initdb" -D "$dir/data" -A trust -U postgres --no-sync >"$dir/initdb.log" 2>&1
as_pg "$PGBIN/postgres" -D "$dir/data" -k "$dir" -c listen_addresses= -c fsync=off >"$dir/pg.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -S "$dir/.s.PGSQL.5432" ] && break; sleep 0.05; done
psql() { as_pg "$PGBIN/psql" -h "$dir" -U postgres -X -q -t -A "$@"; }
for _ in $(seq 100); do psql -d postgres -c 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.05; done
psql -d postgres -c 'CREATE DATABASE dgo' >/dev/null

CONN="host=$dir dbname=dgo user=postgres"
# Two free ports on loopback (the kernel's choice), one per replica.
read -r PORT_a PORT_b < <(python3 -c 'import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
start() {   # start NAME: a replica listening on 127.0.0.1:$PORT_NAME
    local port; port=PORT_$1
    env -u CREDENTIALS_DIRECTORY -u LISTEN_FDS "$GRADING" --backend postgresql --pg-conninfo "$CONN" \
        --seed "$SEED" --listen "127.0.0.1:${!port}" --registry http://127.0.0.1:9/services \
        >"$dir/$1.log" 2>&1 &
    pids+=($!)
}
start a
start b
url() { local port=PORT_$1; echo "http://127.0.0.1:${!port}$2"; }
get() { curl -s --max-time 3 "$(url "$1" "$2")"; }
post() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H 'Content-Type: application/json' -d "$3" \
    "$(url "$1" "$2")"; }
up() { get a /students/1 | grep -q '"ID":1' && get b /students/1 | grep -q '"ID":1'; }
for _ in $(seq 100); do up && break; sleep 0.05; done
check "both replicas serve the book (seeded once)" up
now_ms() { echo $(( ${EPOCHREALTIME/[.,]/} / 1000 )); }
# until_ms CMD..: milliseconds until CMD succeeds (BOUND_MS + 3 s at most), or empty
until_ms() {
    local t0 end; t0=$(now_ms); end=$((t0 + BOUND_MS + 3000))
    until "$@" >/dev/null 2>&1; do [ "$(now_ms)" -lt "$end" ] || return 1; sleep 0.005; done
    echo $(( $(now_ms) - t0 ))
}
within() { [ -n "$1" ] && [ "$1" -le "$BOUND_MS" ]; }

# --- a grade on A, seen on B ---
check "A: POST /students/1/grades answers 201" test "$(post a /students/1/grades \
    '{"Title":"Replica A","Type":"Quiz","Score":71}')" = 201
t=$(until_ms eval 'get b /students/1 | grep -qF "Replica A"') || t=''
echo "a grade on A: in B's GET /students/1 after ${t:-more than $((BOUND_MS + 3000))} ms"
check "B serves A's grade within $BOUND_MS ms (${t:-never} ms)" within "$t"

# --- a student on B, seen on A ---
body=$(curl -s --max-time 5 -H 'Content-Type: application/json' -d '{"FirstName":"Bea","LastName":"Replica"}' \
    "$(url b /students)")
id=$(sed -n 's/.*"ID":\([0-9]*\).*/\1/p' <<<"$body")
check "B: POST /students gives an ID ($id)" test -n "$id"
t=$(until_ms eval "get a /students/$id | grep -qF Replica") || t=''
check "A serves B's student $id within $BOUND_MS ms (${t:-never} ms)" within "$t"

# --- A's own change, not applied twice ---
sleep 0.3
count_db=$(psql -d dgo -c "SELECT count(*) FROM grades WHERE student_id = 1 AND title = 'Replica A'")
count_a=$(get a /students/1 | grep -o 'Replica A' | wc -l)
check "A has its own grade once, as the database (memory $count_a, database $count_db)" \
    test "$count_a" = 1 -a "$count_db" = 1

# --- both adding students at once ---
adders=()
for r in a b; do
    ( for i in $(seq 20); do post "$r" /students "{\"FirstName\":\"Par$r\",\"LastName\":\"N$i\"}" >/dev/null; done ) &
    adders+=($!)
done
wait "${adders[@]}" || true
n_db=$(psql -d dgo -c "SELECT count(DISTINCT id) FROM students WHERE first_name IN ('Para','Parb')")
check_eq_db() { test "$n_db" = 40; }
check "40 students added by the two at once, 40 distinct IDs in the database ($n_db)" check_eq_db
same() { [ "$(get a /students | md5sum)" = "$(get b /students | md5sum)" ] && get a /students | grep -q Parb; }
t=$(until_ms same) || t=''
check "A's and B's GET /students are the same, byte for byte (${t:-never} ms after the last POST)" within "$t"

# --- the followers' connections killed ---
killed=$(psql -d dgo -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                         WHERE application_name = 'dgo-grading-follower'")
check "the two followers' connections terminated ($killed)" test "$killed" = 2
# While A does not hear: B removes student 4's first grade; A, whose memory still shows the old
# first grade, is asked to remove "grade 0" too: it must not remove the next one.
n4=$(psql -d dgo -c "SELECT count(*) FROM grades WHERE student_id = 4")
del() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X DELETE "$(url "$1" "$2")"; }
check "B: DELETE /students/4/grades/0 answers 200" test "$(del b /students/4/grades/0)" = 200
check "A, not yet told: DELETE /students/4/grades/0 answers 409 (not the grade it showed)" \
    test "$(del a /students/4/grades/0)" = 409
check "student 4 lost one grade in all ($n4 -> $((n4 - 1)))" \
    test "$(psql -d dgo -c "SELECT count(*) FROM grades WHERE student_id = 4")" = $((n4 - 1))
check "B: a grade meanwhile (201)" test "$(post b /students/2/grades \
    '{"Title":"While A was deaf","Type":"Test","Score":55}')" = 201
t=$(until_ms eval 'get a /students/2 | grep -qF "While A was deaf"') || t=''
echo "while A's follower was cut off: B's grade on A after ${t:-more than $((BOUND_MS + 3000))} ms"
check "A serves it once its follower is back (${t:-never} ms; reconnect after 250 ms, whole book read)" \
    within "$t"
check "A logged that it reads the whole book again" grep -q "reading the whole book again" "$dir/a.log"

# --- reads during writes ---
( for i in $(seq 30); do post b /students/3/grades "{\"Title\":\"Load $i\",\"Type\":\"Quiz\",\"Score\":1}" >/dev/null; done ) &
loader=$!
reads=0 failed=0
while kill -0 "$loader" 2>/dev/null && [ "$reads" -lt 2000 ]; do
    if get a /students >/dev/null; then reads=$((reads + 1)); else failed=$((failed + 1)); fi
done
wait "$loader" || true
check "A answered $reads reads while B wrote, none failed ($failed)" test "$failed" = 0 -a "$reads" -gt 0
same3() { [ "$(get a /students/3)" = "$(get b /students/3)" ] && get a /students/3 | grep -qF 'Load 30'; }
t=$(until_ms same3) || t=''
check "then A's student 3 is B's (${t:-never} ms)" within "$t"

# --- both writing grades of the same students at once, many clients each ---
# Each batch locks its students' rows in ID order (store_lock_batch()); taken as met, two
# replicas' batches can deadlock (PostgreSQL fails one after deadlock_timeout, 1 s: a 503).
# Whether it happens here is timing (test-store_backends shows it for certain): none may fail.
storm() {   # storm REPLICA: 8 clients x 25 POSTs, each to one of students 1..5 by turn
    seq 200 | xargs -P 8 -I{} sh -c 'curl -s -o /dev/null -w "%{http_code}\n" --max-time 10 \
        -H "Content-Type: application/json" -d "{\"Title\":\"Storm $2 {}\",\"Type\":\"Quiz\",\"Score\":3}" \
        "$1/students/$(( {} % 5 + 1 ))/grades"' sh "$(url "$1" '')" "$1"
}
# A third session holds student 3's row now and then: both replicas' batches queue behind it,
# grow, and then meet each other's locks, which is when the order matters.
( for _ in 1 2 3 4 5 6; do
      psql -d dgo -c "BEGIN; SELECT id FROM students WHERE id = 3 FOR UPDATE; SELECT pg_sleep(0.3); COMMIT" \
          >/dev/null 2>&1 || true
      sleep 0.1
  done ) & locker=$!
storm a >"$dir/storm-a" & sa=$!
storm b >"$dir/storm-b" & sb=$!
wait "$sa" "$sb" "$locker" || true
codes=$(cat "$dir/storm-a" "$dir/storm-b" | sort | uniq -c | xargs)
check "400 grade POSTs through both replicas at once (8 clients each): every one 201 ($codes)" \
    test "$codes" = "400 201"
check "the database holds the 400, once each" \
    test "$(psql -d dgo -c "SELECT count(DISTINCT title) || ' ' || count(*) FROM grades WHERE title LIKE 'Storm %'")" = "400 400"
check "no deadlock in the server's log" eval '! grep -q "deadlock detected" "$dir/pg.log"'

# --- the database gone for a while (as a replica sees a failover) ---
# A fast shutdown (what a lost primary looks like to its clients: connections gone, none made),
# then the server started again. The replicas are the same processes throughout.
pid_a=${pids[1]} pid_b=${pids[2]}
kill -INT "$(head -n 1 "$dir/data/postmaster.pid")"   # the postmaster (pids[0] is as_pg's subshell)
wait "${pids[0]}" 2>/dev/null || true
check "while the database is down: A's GET /students answers from memory" \
    eval 'get a /students | grep -q Parb'
code=$(post a /students/1/grades '{"Title":"While down","Type":"Quiz","Score":1}')
check "while the database is down: A's POST answers 503, not stored ($code)" test "$code" = 503
check "... and B's GET /students/3 answers" eval 'get b /students/3 | grep -qF "Load 30"'
as_pg "$PGBIN/postgres" -D "$dir/data" -k "$dir" -c listen_addresses= -c fsync=off >>"$dir/pg.log" 2>&1 &
pids+=($!)
post_back() { test "$(post a /students/1/grades '{"Title":"Back","Type":"Quiz","Score":2}')" = 201; }
t=$(until_ms post_back) || t=''
echo "the database back: A's POST acknowledged after ${t:-more than $((BOUND_MS + 3000))} ms"
check "once it is back, A's POST is acknowledged within $BOUND_MS ms, by itself (${t:-never} ms)" within "$t"
check "the grade acknowledged once is in the database once, the refused one not at all" \
    test "$(psql -d dgo -c "SELECT count(*) FROM grades WHERE title IN ('Back', 'While down')")" = 1
t=$(until_ms eval 'get b /students/1 | grep -qF "\"Back\""') || t=''
check "B serves it within $BOUND_MS ms (${t:-never} ms)" within "$t"
check "neither replica exited (PIDs $pid_a $pid_b alive)" kill -0 "$pid_a" "$pid_b"
listening() {   # both followers' sessions idle after their LISTEN
    test "$(psql -d dgo -c "SELECT count(*) FROM pg_stat_activity WHERE application_name =
            'dgo-grading-follower' AND state = 'idle' AND query ILIKE 'LISTEN%'")" = 2
}
t=$(until_ms listening) || t=''
check "both followers listen again (${t:-never} ms after that)" test -n "$t"

# --- the whole book replaced by dgoctl gradebook import ---
cat >"$dir/import.json" <<'EOF_BOOK'
[{"ID":100,"FirstName":"Imported","LastName":"First","Grades":[{"Title":"Old quiz","Type":"Quiz","Score":64.5}]},
 {"ID":205,"FirstName":"Imported","LastName":"Second","Grades":[]},
 {"ID":333,"FirstName":"Imported","LastName":"Third","Grades":[{"Title":"A","Type":"Exam","Score":91},
  {"Title":"B","Type":"Homework","Score":100}]}]
EOF_BOOK
# the same JSON as the file's, whatever its spacing
is_book() { python3 -c 'import json, sys
a, b = json.load(open(sys.argv[1])), json.loads(sys.stdin.read())
sys.exit(0 if a == b else 1)' "$dir/import.json"; }
both_imported() { get a /students | is_book && get b /students | is_book; }
t0=$(now_ms)
if env -u CREDENTIALS_DIRECTORY "$DGOCTL" gradebook import --postgresql --pg-conninfo "$CONN" --replace \
    "$dir/import.json" >"$dir/import.log" 2>&1; then
    ok "dgoctl gradebook import --postgresql --replace while both replicas run"
else
    bad "dgoctl gradebook import --postgresql --replace while both replicas run: $(cat "$dir/import.log")"
fi
t=$(until_ms both_imported) || t=''
echo "the book imported: both replicas serve it $(( $(now_ms) - t0 )) ms after dgoctl began (it reads the book back)"
check "both replicas' GET /students are the imported book within $BOUND_MS ms (${t:-never} ms after dgoctl)" \
    within "$t"
check "the old students are gone from A (GET /students/1: 404)" \
    test "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$(url a /students/1)")" = 404
body=$(curl -s --max-time 5 -H 'Content-Type: application/json' -d '{"FirstName":"After","LastName":"Import"}' \
    "$(url b /students)")
check "the next student added gets the file's highest ID + 1 (334)" grep -q '"ID":334' <<<"$body"
check "A heard the book replaced and read it whole" grep -q "replaced the grade book" "$dir/a.log"
check "no replica took '*' for a student" eval '! grep -q "names no student" "$dir/a.log" "$dir/b.log"'

for r in a b import; do
    if grep -E 'runtime error:|ERROR: (Address|Leak)Sanitizer' "$dir/$r.log"; then
        bad "no sanitizer report from $r"
    fi
done
echo "replicas: $pass passed, $fail failed"
[ "$fail" = 0 ]
