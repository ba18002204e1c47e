#!/bin/bash
# test-cluster-gradebook.sh - proves the cluster's grading services on its one grade book in
# PostgreSQL (issue 15, deliverable 3: "the grading units in cluster mode get their connection
# string from the cluster configuration (credentials via LoadCredential=, TLS to PostgreSQL)"):
#  - on three hosts made by `dgoctl cluster init/add-host/join` alone (h1 served alone before:
#    its grading service runs when init adds its cluster socket, which systemd would refuse
#    to start beside it), `dgoctl cluster postgres`
#    on each (h3 first: it creates the database and is the primary) writes dgo-grading.service's
#    drop-in: on h1 and h2 the grading service runs it (systemctl show -p ExecStart; the
#    process's arguments: --backend postgresql and the whole connection string as one argument,
#    every host (its own first), read-write, verify-full against the CA in the unit's
#    credentials directory),
#    its journal says its book is in PostgreSQL, and the password reached it as a credential
#    (a connection as dgo from its host's address is in pg_stat_activity, over TLS); h3 runs no
#    grading service, only the portal;
#  - a grade POSTed to the grading service on h1 is in GET /students/ID of h2's within
#    VISIBLE_BOUND ms of its 201 (printed), and the other way round;
#  - once quiet, GET /students is the same on h1 and h2, and through h3's portal
#    (GET /api/students, its API gateway, which reaches them over HTTPS);
#  - each standby's host lost in turn, a power cut (h1, then h2; the primary is on h3, so both
#    standbys are grading hosts), while grades are POSTed one at a time through the grading
#    service of the other one (curl --max-time 12, unique titles t-N): an acknowledged POST begun
#    after the loss, none reaches the 12 s, every acknowledged grade is in the book exactly once
#    (the longest pause between acknowledgements printed); the lost host boots again, its etcd,
#    Patroni and grading service start, Patroni has it streaming again, and its grading service
#    serves the grades written while it was away;
#  - the primary's host h3 lost (a power cut; the portal's host) while grades are POSTed one at
#    a time through both grading services and each serves GET /students/1 every 0.1 s: on each,
#    an acknowledged POST begun after the loss within WRITE_BOUND s (printed: FAILOVER ...),
#    none reaches 12 s, every acknowledged grade in the book exactly once and none twice (the
#    500s, outcome unknown, included), every read answered 200 throughout, neither service
#    restarted (same MainPID); a grading host is the new primary; h3 boots again and streams;
#  - at the end h3's portal shows every acknowledged grade of the three losses, once;
#  - a single-host book (h1's own SQLite book before the cluster: a student and grades added,
#    `dgoctl gradebook export`) imported into the cluster's book (`dgoctl gradebook import
#    --postgresql --replace` on h2; without --replace refused): GET /students on h1, h2 and
#    through h3's portal is the single-host one, IDs and all.
# Every request runs inside a box (mh_exec): nothing is sent from the machine's own namespace.
# Run: tests/multihost/run.sh BUILD_DIR tests/multihost/test-cluster-gradebook.sh
# mh-timeout: 420
# shellcheck disable=SC2317,SC2016  # helpers called through check; scripts run inside the boxes
set -euo pipefail
# shellcheck source=tests/multihost/lib.sh
. "$REPO/tests/multihost/lib.sh"

VISIBLE_BOUND=2000   # ms: another replica's change is in memory 10-22 ms after its commit on one
                     # host (docs/architecture.md, "One book, several replicas"); slack for 2 cores
WRITE_BOUND=25      # s: the primary's host lost -> the first acknowledged POST begun after it, on
                    # each surviving grading service. Patroni's ttl (10) + an etcd election + the
                    # promotion (test-cluster-postgres: 12-16 s with psql), plus what a grading
                    # service adds: a statement sent to the lost host fails after tcp_user_timeout
                    # (6 s), connect_timeout (2 s) on it, the writer's 0.5 s retry; slack for 2 cores
addr() { mh_addr "$1"; }
HOSTS="$(addr 1),$(addr 2),$(addr 3)"

# get I PATH: GET PATH of host I's grading service, over its loopback socket.
get() { mh_exec "$1" curl -s --max-time 5 "http://127.0.0.1:6000$2"; }
# The JSON of stdin in one canonical form (keys sorted), to compare books.
canon() { python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))'; }
portal() { mh_exec 3 curl -s --max-time 8 -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:5000/api$1"; }
# serves_pg I: host I's grading service answers GET /students, and the journal of its current
# run says its book is in PostgreSQL.
serves_pg() {
    get "$1" /students >/dev/null || return 1
    mh_exec "$1" sh -c 'journalctl -o cat _SYSTEMD_INVOCATION_ID="$(systemctl show -P InvocationID dgo-grading.service)"' |
        grep -q 'students in PostgreSQL$'
}
primary_is() { [ "$(mh_pg_topology "$2" 3 | cut -d' ' -f1)" = "$1" ]; }   # primary_is P I: as host I sees it

# In the boxes. post.sh ID TITLE: POST a grade TITLE to student ID; prints "HTTP_CODE END_TIME".
# seen.sh ID TITLE SECS: GET /students/ID until it has TITLE (SECS at most); prints the time of
# that answer, or "never". Times are $EPOCHREALTIME: the boxes share the machine's clock.
# (gwriter.sh: cluster-lib.sh's mh_put_grade_writer.)
POST='#!/bin/bash
c=$(curl -s -o /dev/null -w "%{http_code}" --max-time 12 -H "Content-Type: application/json" \
    -d "{\"Title\":\"$2\",\"Type\":\"Quiz\",\"Score\":90}" "http://127.0.0.1:6000/students/$1/grades") || true
echo "${c:-000} $EPOCHREALTIME"'
SEEN='#!/bin/bash
end=$(( ${EPOCHREALTIME/./} + $3 * 1000000 ))
while [ "${EPOCHREALTIME/./}" -lt "$end" ]; do
    if curl -s --max-time 2 "http://127.0.0.1:6000/students/$1" | grep -qE "\"Title\": ?\"$2\""; then
        echo "$EPOCHREALTIME"; exit 0
    fi
done
echo never'
# reader.sh SECS: GET /students/1 every 0.1 s for SECS s; a line each: "START END CURL_EXIT HTTP_CODE".
READER='#!/bin/bash
end=$(( ${EPOCHREALTIME/./} + $1 * 1000000 ))
while [ "${EPOCHREALTIME/./}" -lt "$end" ]; do
    s=$EPOCHREALTIME rc=0
    c=$(curl -s -o /dev/null -w "%{http_code}" --max-time 3 "http://127.0.0.1:6000/students/1") || rc=$?
    echo "$s $EPOCHREALTIME $rc ${c:-000}"
    sleep 0.1
done'
put_scripts() {
    mh_exec "$1" sh -c 'umask 022 && cat > /root/reader.sh' <<<"$READER"
    mh_exec "$1" sh -c 'umask 022 && cat > /root/post.sh' <<<"$POST"
    mh_exec "$1" sh -c 'umask 022 && cat > /root/seen.sh' <<<"$SEEN"
    mh_exec "$1" sh -c 'chmod 755 /root/post.sh /root/seen.sh /root/reader.sh'
    mh_put_grade_writer "$1"
}

# --- the cluster, by dgoctl alone; the portal only on h3 ---
check "h1: dgo.target and dgo-secret.service start (the installation secret)" \
    mh_exec 1 systemctl start dgo.target dgo-secret.service
# --- a single-host book first: h1's own SQLite book, exported, for the cluster's at the end ---
check "h1 (one host yet): POST /students adds a student" eval \
    "mh_exec 1 curl -sf --max-time 5 -H 'Content-Type: application/json' -d '{\"FirstName\":\"Solo\",\"LastName\":\"Host\"}' http://127.0.0.1:6000/students | grep -q '\"ID\":6'"
for g in "1 Solo quiz" "6 First of six" "6 Second of six"; do
    read -r sid title <<<"$g"
    check "h1 (one host yet): a grade for student $sid" mh_exec 1 curl -sf -o /dev/null --max-time 5 \
        -H 'Content-Type: application/json' -d "{\"Title\":\"$title\",\"Type\":\"Test\",\"Score\":81.5}" \
        "http://127.0.0.1:6000/students/$sid/grades"
done
check "h1 (one host yet): dgoctl gradebook export /root/single.json" \
    mh_exec 1 dgoctl gradebook export /root/single.json
SINGLE=$(get 1 /students | canon || true)
check_eq "the single-host book: 6 students, student 6's two grades" "6 2" \
    "$(python3 -c 'import json, sys; b = json.loads(sys.argv[1]); print(len(b), len(b[-1]["Grades"]))' "$SINGLE" || true)"
mh_dgoctl_cluster systemctl start dgo.target || finish
check "h3: its grading service stopped (h3 serves the portal only)" \
    mh_exec 3 systemctl stop dgo-grading-cluster.socket dgo-grading.socket dgo-grading.service

# --- the book on PostgreSQL: dgoctl cluster postgres on each host, h3 first ---
t0=$EPOCHREALTIME
mh_dgoctl_postgres 3 1 2 || finish
took=$(mh_until_ok "$t0" 120 mh_pg_ready 3) || took=''
check "a primary and two streaming standbys, one synchronous (${took:-never} s)" test -n "$took"
[ -n "$took" ] || { mh_patroni_api 3 /cluster; finish; }
read -r L S A <<<"$(mh_pg_ready 3)"
echo "primary h$L, synchronous standby h$S, replica h$A"
check_eq "the primary is on the portal's host h3: both standbys are grading hosts" 3 "$L"

# --- the grading services on h1 and h2 run the drop-in ---
for i in 1 2; do
    took=$(mh_until_ok "$EPOCHREALTIME" 60 serves_pg "$i") || took=''
    check "h$i: the grading service serves, its journal says: ... students in PostgreSQL (${took:-never} s)" \
        test -n "$took"
    [ -n "$took" ] || { mh_exec "$i" journalctl -u dgo-grading.service --no-pager | tail -n 20; finish; }
    # Every host: its own first, then the others in the order of etcd's member list (by
    # member ID, which the test does not know).
    check_match "h$i: systemctl show -p ExecStart: the drop-in's command" \
        "argv\[\]=/[^ ]*/dgo-grading --backend postgresql --pg-conninfo \"?host=[0-9.,]+ port=5432 dbname=dgo user=dgo target_session_attrs=read-write sslmode=verify-full sslrootcert=[^ ]*/dgo-cluster-ca.crt connect_timeout=2\"? ;" \
        "$(mh_exec "$i" systemctl show -p ExecStart dgo-grading.service)"
    # The arguments the process got, one a line: the connection string is one argument, and %d
    # became the unit's credentials directory.
    args=$(mh_exec "$i" sh -c 'tr "\0" "\n" < /proc/$(systemctl show -P MainPID dgo-grading.service)/cmdline' |
        tail -n +2 | paste -sd '|')
    check_eq "h$i: the process's arguments" \
        "--backend|postgresql|--pg-conninfo|host=H port=5432 dbname=dgo user=dgo target_session_attrs=read-write sslmode=verify-full sslrootcert=/run/credentials/dgo-grading.service/dgo-cluster-ca.crt connect_timeout=2" \
        "$(sed -E 's/host=[^ ]*/host=H/' <<<"$args")"
    check_eq "h$i: the connection string's host= is every host, its own first" "$HOSTS $(addr "$i")" \
        "$(grep -oE 'host=[^ ]*' <<<"$args" | cut -d= -f2 | tr , '\n' | sort | paste -sd ,) $(grep -oE 'host=[^ ,]*' <<<"$args" | cut -d= -f2)"
    check_eq "h$i: connected as dgo to database dgo over TLS from $(addr "$i") (the password came as the credential)" \
        "dgo|dgo|true" \
        "$(mh_pg_su_sql 3 "SELECT DISTINCT usename || '|' || datname || '|' || ssl FROM pg_stat_activity JOIN pg_stat_ssl USING (pid) WHERE client_addr = '$(addr "$i")' AND application_name = 'dgo-grading'" | xargs || true)"
done
check_eq "h3: no grading service runs" inactive "$(mh_exec 3 systemctl is-active dgo-grading.service || true)"

# --- a grade on one host is seen on the other ---
for i in 1 2 3; do put_scripts "$i"; done
# visible FROM TO TITLE: POST TITLE to student 1 on FROM while TO polls; prints "MS" (from FROM's
# 201 to the first answer on TO with it) or "never", or "CODE" when the POST was not 201.
visible() {
    local f=$1 to=$2 title=$3 seenf p code ack seen
    seenf=$(mktemp)
    mh_exec "$to" /root/seen.sh 1 "$title" 6 >"$seenf" &
    p=$!
    sleep 0.3
    read -r code ack <<<"$(mh_exec "$f" /root/post.sh 1 "$title")"
    wait "$p" || true
    seen=$(cat "$seenf"); rm -f "$seenf"
    if [ "$code" != 201 ]; then echo "POST-$code"
    elif [ "$seen" = never ]; then echo never
    else awk -v a="${ack/,/.}" -v s="${seen/,/.}" 'BEGIN { printf "%d\n", (s - a) * 1000 }'; fi
}
for pair in "1 2" "2 1"; do
    read -r f to <<<"$pair"
    figures=''
    for n in 1 2 3; do figures="$figures $(visible "$f" "$to" "v-$f-$n")"; done
    echo "h$f -> h$to: grade visible after (ms):$figures"
    check "a grade POSTed on h$f (201) is in h$to's GET /students/1 within $VISIBLE_BOUND ms, 3 times (ms:$figures)" \
        awk -v b="$VISIBLE_BOUND" -v f="$figures" 'BEGIN { n = split(f, v, " "); for (i = 1; i <= n; i++)
            if (v[i] !~ /^-?[0-9]+$/ || v[i] + 0 > b) exit 1; exit !(n == 3) }'
done

# --- one book: the same on both grading services and through h3's portal ---
TOKEN=$(mh_exec 3 dgoctl token add mh-gradebook 2>/dev/null || true)
check "h3: an API token for its portal" test -n "$TOKEN"
same_books() { [ "$(get 1 /students | canon)" = "$(get 2 /students | canon)" ]; }
took=$(mh_until_ok "$EPOCHREALTIME" 5 same_books) || took=''
check "GET /students is the same on h1 and h2 once quiet (${took:-never} s)" test -n "$took"
book=$(get 1 /students | canon || true)
check_eq "the book has the 5 students and the 6 grades of this test" "5 6" \
    "$(python3 -c 'import json, sys; b = json.loads(sys.argv[1])
print(len(b), sum(1 for s in b for g in s["Grades"] if g["Title"].startswith("v-")))' "$book" || true)"
portal_same() { [ "$(portal /students | canon)" = "$book" ]; }
took=$(mh_until_ok "$EPOCHREALTIME" 30 portal_same) || took=''
check "h3's portal (GET /api/students) shows the same book (${took:-never} s)" test -n "$took"

# --- the standbys' hosts lost, one at a time ---
# lose_standby LOST WRITER STUDENT FIRST: host LOST lost (a power cut) while WRITER's grading
# service takes grades t-FIRST.. for STUDENT; checks what its client saw, and the book.
lose_standby() {
    local lost=$1 w=$2 sid=$3 first=$4 wlog writer loss n ok unknown fail killed firstok maxgap longest acked once
    wlog=$(mktemp)
    mh_exec "$w" /root/gwriter.sh "$sid" "$first" 14 >"$wlog" 2>&1 &
    writer=$!
    sleep 3
    loss=$EPOCHREALTIME
    check "h$lost (standby, $(if [ "$lost" = "$S" ]; then echo synchronous; else echo asynchronous; fi)) lost: mh_cut, mh_lose (while h$w's grading service takes grades)" \
        eval "mh_cut $lost && mh_lose $lost"
    wait "$writer" || true
    read -r n ok unknown fail killed firstok maxgap longest < <(mh_grade_writes "$wlog" "$loss")
    echo "h$lost lost: $n POSTs through h$w, $ok acknowledged, $((unknown + fail)) failed, $killed cut at 12 s; first acknowledged POST begun after the loss ended ${firstok} s after it; longest pause between acknowledgements ${maxgap} s; longest POST ${longest} s"
    check "grades are acknowledged after h$lost's loss (first ${firstok} s after it)" test "$firstok" != none
    check_eq "no POST hangs: none reached curl's 12 s (longest ${longest} s)" 0 "$killed"
    # Every acknowledged title once in the book; the titles not acknowledged at most once.
    read -r acked once < <(get "$w" "/students/$sid" | python3 -c 'import json, sys
titles = [g["Title"] for g in json.load(sys.stdin)["Grades"]]
acked = [l.split()[0] for l in open(sys.argv[1]) if l.split()[3] == "201"]
print(len(acked), sum(1 for a in acked if titles.count("t-" + a) == 1))' "$wlog" || echo "? ?")
    check_eq "every acknowledged grade is in student $sid's grades exactly once ($acked acknowledged)" "$acked" "$once"
    check "grades were acknowledged ($acked)" test "${acked:-0}" -ge 5 2>/dev/null
    rm -f "$wlog"
}
# revive I: host I boots again; its etcd, Patroni and dgo start; it streams again and its
# grading service serves the book as the other one does.
revive() {
    local i=$1 o=$2 took
    check "h$i boots again (mh_heal, mh_revive)" eval "mh_heal $i && mh_revive $i 60"
    check "h$i: etcd, Patroni and dgo.target start" \
        mh_exec "$i" systemctl start --no-block etcd.service patroni.service dgo.target
    took=$(mh_until_ok "$EPOCHREALTIME" 90 mh_pg_ready 3) || took=''
    check "h$i streams from the primary again (${took:-never} s)" test -n "$took"
    [ -n "$took" ] || { mh_patroni_api 3 /cluster; mh_exec "$i" journalctl -u patroni.service --no-pager | tail -n 20; }
    read -r L S A <<<"$(mh_pg_ready 3 || echo '? ? ?')"
    echo "primary h$L, synchronous standby h$S, replica h$A"
    took=$(mh_until_ok "$EPOCHREALTIME" 30 serves_pg "$i") || took=''
    check "h$i: its grading service serves from PostgreSQL again (${took:-never} s)" test -n "$took"
    same() { [ "$(get "$i" /students | canon)" = "$(get "$o" /students | canon)" ]; }
    took=$(mh_until_ok "$EPOCHREALTIME" 10 same) || took=''
    check "h$i's GET /students is h$o's, with the grades written while h$i was lost (${took:-never} s)" test -n "$took"
}
# The primary on h3 (it is unless Patroni moved it): a switchover there otherwise, which
# Patroni allows to the synchronous standby only.
if ! primary_is 3 3; then
    check "switchover to h3" mh_exec 3 patronictl -c /etc/patroni/dgo.yml switchover --candidate h3 --force
    took=$(mh_until_ok "$EPOCHREALTIME" 60 primary_is 3 3) || took=''
    check "h3 is the primary (${took:-never} s)" test -n "$took"
fi
lose_standby 1 2 2 1000
revive 1 2
check "the primary is still h3" primary_is 3 3
lose_standby 2 1 3 2000
revive 2 1

# --- the primary's host lost under POSTs through both grading services ---
check "the primary is still h3" primary_is 3 3
pids="$(mh_exec 1 systemctl show -P MainPID dgo-grading.service) $(mh_exec 2 systemctl show -P MainPID dgo-grading.service)"
logs=$(mktemp -d)
bg=()
for i in 1 2; do
    mh_exec "$i" /root/gwriter.sh $((3 + i)) $((1000 * (2 + i))) 40 >"$logs/w$i" 2>&1 &
    bg+=($!)
    mh_exec "$i" /root/reader.sh 40 >"$logs/r$i" 2>&1 &
    bg+=($!)
done
sleep 4
loss=$EPOCHREALTIME
check "h3 (the primary, and the portal) lost: mh_cut, mh_lose (while h1 and h2 take grades and serve reads)" \
    eval "mh_cut 3 && mh_lose 3"
wait "${bg[@]}" || true
for i in 1 2; do
    read -r n ok unknown notstored killed firstok maxgap longest < <(mh_grade_writes "$logs/w$i" "$loss")
    echo "FAILOVER through h$i: $n POSTs, $ok acknowledged, $unknown answered 500 (outcome unknown), $notstored 503 (not stored), $killed cut at 12 s; writes resumed ${firstok} s after the loss (first acknowledged POST begun after it); longest pause between acknowledgements ${maxgap} s; longest POST ${longest} s"
    check "h$i: writes resume by themselves within $WRITE_BOUND s of the primary's loss (${firstok} s)" \
        awk -v f="$firstok" -v b="$WRITE_BOUND" 'BEGIN { exit !(f != "none" && f + 0 <= b) }'
    check_eq "h$i: no POST hangs (none reached curl's 12 s; longest ${longest} s)" 0 "$killed"
    read -r acked once twice < <(get "$i" "/students/$((3 + i))" | python3 -c 'import json, sys
titles = [g["Title"] for g in json.load(sys.stdin)["Grades"]]
acked = [l.split()[0] for l in open(sys.argv[1]) if l.split()[3] == "201"]
print(len(acked), sum(1 for a in acked if titles.count("t-" + a) == 1), sum(1 for t in set(titles) if titles.count(t) > 1))' "$logs/w$i" || echo "? ? ?")
    check_eq "h$i: every acknowledged grade is in student $((3 + i))'s grades exactly once ($acked acknowledged)" "$acked" "$once"
    check_eq "h$i: no grade is in the book twice (the 500s included)" 0 "$twice"
    read -r n failed slowest < <(awk '{ n++; d = $2 - $1; if (d > slow) slow = d }
        $3 != 0 || $4 != 200 { failed++ } END { printf "%d %d %.2f\n", n, failed, slow }' "$logs/r$i")
    echo "reads through h$i during the failover: $n, $failed failed, slowest ${slowest} s"
    check "h$i: reads are served throughout: $n GET /students/1, none failed ($failed), the slowest ${slowest} s" \
        test "$failed" = 0 -a "$n" -gt 100
done
check_eq "neither grading service restarted (MainPIDs $pids)" "$pids" \
    "$(mh_exec 1 systemctl show -P MainPID dgo-grading.service) $(mh_exec 2 systemctl show -P MainPID dgo-grading.service)"
new_primary() { mh_pg_role_is 1 h1 leader || mh_pg_role_is 1 h2 leader; }
check "a grading host's PostgreSQL is the primary now" new_primary
same12() { [ "$(get 1 /students | canon)" = "$(get 2 /students | canon)" ]; }
took=$(mh_until_ok "$EPOCHREALTIME" 10 same12) || took=''
check "h1's and h2's GET /students are the same after the failover (${took:-never} s)" test -n "$took"
rm -rf "$logs"

# h3 back: a standby of the new primary; its portal serves again.
check "h3 boots again (mh_heal, mh_revive)" eval "mh_heal 3 && mh_revive 3 60"
check "h3: etcd, Patroni and dgo.target start" mh_exec 3 systemctl start --no-block etcd.service patroni.service dgo.target
took=$(mh_until_ok "$EPOCHREALTIME" 90 mh_pg_ready 1) || took=''
check "h3 streams from the new primary (${took:-never} s)" test -n "$took"

# --- h3's portal: the book with every acknowledged grade ---
portal_has_all() {
    portal /students | python3 -c 'import json, sys
book = json.load(sys.stdin); want = json.loads(sys.argv[1])
mine = {s["ID"]: [g["Title"] for g in s["Grades"]] for s in book}
sys.exit(0 if all(mine.get(s["ID"]) == [g["Title"] for g in s["Grades"]] for s in want) else 1)' "$(get 1 /students)"
}
took=$(mh_until_ok "$EPOCHREALTIME" 30 portal_has_all) || took=''
check "h3's portal shows h1's book, every grade of the three losses included (${took:-never} s)" test -n "$took"

# --- the single-host book moved to the cluster: export (above), import ---
mh_copy_between 1 2 /root/single.json
out=$(mh_exec 2 dgoctl gradebook import --postgresql /root/single.json 2>&1) && rc=0 || rc=$?
check_match "import without --replace into the cluster's book, which holds students: refused (exit $rc)" \
    "holds [0-9]+ students" "$out"
out=$(mh_exec 2 dgoctl gradebook import --postgresql --replace /root/single.json 2>&1) && rc=0 || rc=$?
check_eq "h2: dgoctl gradebook import --postgresql --replace of h1's single-host export exits 0" 0 "$rc"
[ "$rc" = 0 ] || echo "$out"
for i in 1 2; do
    single_on() { [ "$(get "$1" /students | canon)" = "$SINGLE" ]; }
    took=$(mh_until_ok "$EPOCHREALTIME" 5 single_on "$i") || took=''
    check "h$i's GET /students is the single-host book's, IDs and all (${took:-never} s)" test -n "$took"
done
portal_single() { [ "$(portal /students | canon)" = "$SINGLE" ]; }
took=$(mh_until_ok "$EPOCHREALTIME" 30 portal_single) || took=''
check "h3's portal shows the single-host book (${took:-never} s)" test -n "$took"
finish
