#!/bin/bash
# test-cluster-postgres.sh - proves the grade book's database on three hosts (issue 15,
# deliverable 3: PostgreSQL 15 under Debian's Patroni on the cluster's etcd):
#  - a cluster made by `dgoctl cluster init/add-host/join` alone, then `dgoctl cluster
#    postgres` on each host, gives a primary and two streaming standbys, one of them
#    synchronous (the primary's pg_stat_replication: two walsenders streaming, one "sync", one
#    "async"; Patroni's REST API /cluster, asked inside a box over TLS with the cluster's
#    client certificate, agrees; a request without a client certificate is refused);
#  - psql as the dgo user, inside a box, over TLS with sslmode=verify-full against the cluster
#    CA and the multi-host conninfo host=10.77.0.1,10.77.0.2,10.77.0.3
#    target_session_attrs=read-write, reaches the primary (its session is TLS); sslmode=disable
#    is refused; a row inserted on the primary is on both standbys;
#  - prints single-row INSERT+COMMIT latency (pgbench, one client, 300 transactions, timed
#    client-side inside a box): p50/p90/p99 with the synchronous standby
#    (synchronous_commit=on) and without it (synchronous_commit=local, same server);
#  - the synchronous standby's host lost (mh_cut then mh_lose: a power cut) while a client
#    inserts one row per transaction: writes continue (an INSERT is acknowledged after the
#    loss), no attempt hangs (each ends by itself, none reaches the client's 12 s kill), the
#    other standby becomes the synchronous one, every acknowledged row is there; the longest
#    pause between acknowledgements is printed;
#  - that host boots again (mh_revive), its etcd and Patroni are started, and it is a
#    streaming standby again;
#  - the primary's host lost (mh_cut then mh_lose) while a client on another host inserts
#    one row per transaction (one psql per row, its exit status its acknowledgement): a new
#    primary is elected (the former synchronous standby), a write through the same
#    multi-host conninfo succeeds within FAILOVER_BOUND s of the loss (the outage is printed:
#    from the loss to the end of the first acknowledged INSERT begun after it), every row
#    acknowledged before, during or after the loss is in the table exactly once, and the
#    remaining standby becomes the new primary's synchronous standby.
# The primary lost is h1, which is also etcd's leader (the first member): the worst case, as a
# new etcd leader renews every lease. PG_ETCD_LEADER_AWAY=1 moves etcd's leadership to the
# synchronous standby's host first (etcdctl move-leader), to measure the other case.
# Every request runs inside a box (mh_exec): nothing is sent from the machine's own namespace.
# Run: tests/multihost/run.sh BUILD_DIR tests/multihost/test-cluster-postgres.sh
# mh-timeout: 330
# shellcheck disable=SC2317,SC2016  # helpers called through check; scripts run inside the boxes
set -euo pipefail
# shellcheck source=tests/multihost/lib.sh
. "$REPO/tests/multihost/lib.sh"

CA=/etc/credstore/dgo-cluster-ca.crt CRT=/etc/credstore/dgo-cluster.crt KEY=/etc/credstore/dgo-cluster.key
FAILOVER_BOUND=20   # s: Patroni's ttl (10) + an etcd election (<= 2.3 s) + promotion + the client's
                    # connect_timeout (2 s) on the lost host, with slack for this 2-core machine
addr() { mh_addr "$1"; }
CONN="host=$(addr 1),$(addr 2),$(addr 3) port=5432 dbname=dgo user=dgo sslmode=verify-full sslrootcert=$CA connect_timeout=2"
RW="$CONN target_session_attrs=read-write"
one() { echo "host=$(addr "$1") port=5432 dbname=dgo user=dgo sslmode=verify-full sslrootcert=$CA connect_timeout=2"; }

# sql I CONNINFO SQL: psql as dgo on host I, its password from the credential file; 10 s at most.
sql() {
    mh_exec "$1" sh -c 'PGPASSWORD=$(cat /etc/credstore/dgo-pg-password) exec timeout -s KILL 10 \
        psql "$1" -X -A -t -q -v ON_ERROR_STOP=1 -c "$2"' sh "$2" "$3"
}
# lib.sh's helpers for Patroni and PostgreSQL, by shorter names.
su_sql() { mh_pg_su_sql "$@"; }
api() { mh_patroni_api "$@"; }
topology() { mh_pg_topology "$@"; }
role_is() { mh_pg_role_is "$@"; }
replication() { mh_pg_replication "$@"; }
repl_is() { [ "$(replication "$1")" = "$2" ]; }   # repl_is I WANT
ready() { mh_pg_ready "$@"; }
row0_on() { [ "$(sql "$1" "$(one "$1")" 'SELECT count(*) FROM w WHERE id = 0')" = 1 ]; }
read_only() { [ "$(sql "$1" "$(one "$1")" 'SELECT pg_is_in_recovery()')" = t ]; }

# The writer: one row per transaction (psql -c in autocommit: exit 0 = COMMIT acknowledged), ids
# from FIRST on, for SECS seconds (and 3000 rows at most); each attempt killed after KILL s.
# Prints "ID START END ok|fail|killed" (EPOCHREALTIME: the boxes share the machine's clock).
WRITER='#!/bin/bash
t=$1 id=$2 secs=$3 kill=$4 conn=$5
PGPASSWORD=$(cat /etc/credstore/dgo-pg-password); export PGPASSWORD
end=$(( ${EPOCHREALTIME/./} + secs * 1000000 ))
for _ in $(seq 3000); do
    [ "${EPOCHREALTIME/./}" -lt "$end" ] || break
    s=$EPOCHREALTIME rc=0
    timeout -s KILL "$kill" psql "$conn" -X -q -v ON_ERROR_STOP=1 -c "INSERT INTO $t VALUES ($id)" >/dev/null 2>&1 || rc=$?
    case $rc in 0) r=ok;; 137) r=killed;; *) r=fail;; esac
    echo "$id $s $EPOCHREALTIME $r"
    id=$((id + 1))
done'
# poll_bg FILE T0 SECS CMD..: in the background, CMD every 0.2 s until it succeeds (SECS after
# T0 at most); FILE gets the seconds from T0 to that success, or stays empty. POLL_PID: its PID.
poll_bg() {
    local f=$1 t0=$2 secs=$3
    shift 3
    : >"$f"
    (
        for _ in $(seq 1000); do
            if "$@" >/dev/null 2>&1; then mh_elapsed "$t0" >"$f"; exit 0; fi
            [ "$(mh_elapsed "$t0" | cut -d. -f1)" -lt "$secs" ] || exit 0
            sleep 0.2
        done
    ) &
    POLL_PID=$!
}
put_writer() { mh_exec "$1" sh -c 'cat > /root/writer.sh && chmod 755 /root/writer.sh' <<<"$WRITER"; }
# acked_present I TABLE FILE: of the ids FILE says were acknowledged, how many are in TABLE
# (asked through the read-write conninfo from host I): "ACKED PRESENT".
acked_present() {
    local ids n
    ids=$(awk '$4 == "ok" { printf "%s%s", sep, $1; sep = "," }' "$3")
    n=$(awk '$4 == "ok"' "$3" | wc -l)
    [ "$n" -gt 0 ] || { echo "0 0"; return; }
    echo "$n $(sql "$1" "$RW" "SELECT count(*) FROM $2 WHERE id IN ($ids)")"
}

# --- the cluster, by dgoctl alone ---
check "h1: dgo-secret.service starts (the installation secret)" mh_exec 1 systemctl start dgo-secret.service
mh_dgoctl_cluster || finish

# --- PostgreSQL under Patroni: dgoctl cluster postgres on each host, h1 first ---
t0=$EPOCHREALTIME
mh_dgoctl_postgres 1 2 3 || finish
check_eq "h1: dgo.yml and dgo's password are root's 0600" "600 0 600 0" \
    "$(mh_exec 1 stat -c '%a %u' /etc/patroni/dgo.yml /etc/credstore/dgo-pg-password | xargs)"
check_eq "the three hosts derived the same dgo password" 1 \
    "$(for i in 1 2 3; do mh_exec "$i" sha256sum /etc/credstore/dgo-pg-password; done | awk '{ print $1 }' | sort -u | wc -l)"
took=$(mh_until_ok "$t0" 120 ready 1) || took=''
check "a primary and two streaming standbys, one synchronous (h1's /cluster, the primary's pg_stat_replication; ${took:-never} s)" \
    test -n "$took"
[ -n "$took" ] || { api 1 /cluster; for i in 2 3; do mh_exec "$i" journalctl -u patroni.service --no-pager | tail -n 20; done; finish; }
read -r L S A <<<"$(ready 1)"
echo "primary h$L, synchronous standby h$S, replica h$A"
mh_exec 1 patronictl -c /etc/patroni/dgo.yml list 2>&1 || true
for i in 2 3; do
    check_eq "h$i's /cluster agrees" "$L $S $A" "$(topology "$i" 3 || true)"
done
check_eq "the primary's pg_stat_replication: both standbys streaming, h$S sync, h$A async" \
    "$(printf 'h%s:streaming:%s\n' "$S" sync "$A" async | sort | xargs)" "$(replication "$L")"
out=$(mh_exec "$A" curl -s -o /dev/null -w '%{http_code}' --max-time 3 --cacert "$CA" \
    "https://$(addr "$L"):8008/cluster" 2>&1) && rc=0 || rc=$?
check "the REST API refuses a client without a cluster certificate (curl exit $rc, $out)" \
    test "$rc" != 0 -o "$out" = 000
check_eq "the REST API listens on the cluster address only (h$L)" "$(addr "$L"):8008" \
    "$(mh_exec "$L" ss -Htln 'sport = :8008' | awk '{ print $4 }' | xargs)"
check_eq "PostgreSQL listens on the cluster address only (h$L)" "$(addr "$L"):5432" \
    "$(mh_exec "$L" ss -Htln 'sport = :5432' | awk '{ print $4 }' | xargs)"

# --- the dgo user over TLS, the multi-host conninfo ---
check_eq "from h$A: psql as dgo (verify-full, read-write) reaches the primary h$L over TLS" "$(addr "$L")|t|f" \
    "$(sql "$A" "$RW" "SELECT inet_server_addr(), ssl, pg_is_in_recovery() FROM pg_stat_ssl WHERE pid = pg_backend_pid()" || true)"
out=$(sql "$A" "host=$(addr "$L") port=5432 dbname=dgo user=dgo sslmode=disable connect_timeout=2" "SELECT 1" 2>&1) && rc=0 || rc=$?
check_match "sslmode=disable is refused (no pg_hba entry without TLS)" "no pg_hba.conf entry|SSL off" "$out (exit $rc)"
check "from h$A: CREATE TABLE w, w2, lat as dgo" sql "$A" "$RW" \
    "CREATE TABLE w (id int PRIMARY KEY); CREATE TABLE w2 (id int PRIMARY KEY); CREATE TABLE lat (id bigserial PRIMARY KEY, v int)"
check "from h$A: INSERT INTO w VALUES (0) commits" sql "$A" "$RW" "INSERT INTO w VALUES (0)"
for i in "$S" "$A"; do
    took=$(mh_until_ok "$EPOCHREALTIME" 10 row0_on "$i") || took=''
    check "the row is on standby h$i (${took:-never} s)" test -n "$took"
    check "standby h$i is read-only (pg_is_in_recovery)" read_only "$i"
done

# --- latency: single-row INSERT + COMMIT, with and without the synchronous standby ---
mh_exec "$A" sh -c 'echo "INSERT INTO lat (v) VALUES (1);" > /root/ins.sql'
pgb() {   # pgb LABEL [PGOPTIONS]: p50 p90 p99 in ms of 300 transactions from h$A to the primary
    mh_exec "$A" sh -c 'rm -f /root/pgb.*; PGPASSWORD=$(cat /etc/credstore/dgo-pg-password) PGOPTIONS="$2" \
        timeout 60 /usr/lib/postgresql/15/bin/pgbench -n -c 1 -t 300 -f /root/ins.sql -l --log-prefix=/root/pgb "$1" \
        >/dev/null 2>&1 && cat /root/pgb.*' sh "$RW" "${1:-}" |
        awk '{ print $3 / 1000 }' | sort -n | awk '{ v[NR] = $1 } END { if (NR < 300) exit 1;
            printf "%.2f %.2f %.2f\n", v[int(NR * 0.5)], v[int(NR * 0.9)], v[int(NR * 0.99)] }'
}
sync_lat=$(pgb '') || sync_lat=''
local_lat=$(pgb '-c synchronous_commit=local') || local_lat=''
echo "INSERT+COMMIT from h$A to primary h$L, ms p50 p90 p99: synchronous standby: ${sync_lat:-?}; synchronous_commit=local: ${local_lat:-?}"
check "pgbench ran 300 INSERTs each way (sync: ${sync_lat:-none}; local: ${local_lat:-none})" \
    test -n "$sync_lat" -a -n "$local_lat"

# --- the synchronous standby's host lost ---
put_writer "$L"
wlog=$(mktemp)
mh_exec "$L" /root/writer.sh w 1000 18 12 "$RW" >"$wlog" 2>&1 &
writer=$!
sleep 3
loss=$EPOCHREALTIME
check "h$S (synchronous standby) lost: mh_cut, mh_lose (while h$L inserts)" eval "mh_cut $S && mh_lose $S"
plog=$(mktemp)
poll_bg "$plog" "$loss" 40 repl_is "$L" "h$A:streaming:sync"
wait "$writer" || true
wait "$POLL_PID" || true
took=$(cat "$plog"); rm -f "$plog"
read -r n ok unknown fail killed first maxgap longest < <(mh_grade_writes "$wlog" "$loss")
echo "sync standby h$S lost: $n attempts, $ok acknowledged, $fail failed, $killed killed; first acknowledged INSERT begun after the loss: ${first} s after it; longest pause between acknowledgements ${maxgap} s; longest attempt ${longest} s"
check "writes continue after the synchronous standby's loss (first acknowledged ${first} s after it)" \
    test "$first" != none
check_eq "no attempt hangs: none reached the client's 12 s kill (longest ${longest} s)" 0 "$killed"
check "h$A becomes the synchronous standby (${took:-never} s after the loss)" test -n "$took"
read -r acked present <<<"$(acked_present "$L" w "$wlog")"
check_eq "every acknowledged row is in w ($acked acknowledged)" "$acked" "$present"
check "rows were acknowledged ($acked)" test "$acked" -ge 5
rm -f "$wlog"

# --- it comes back ---
check "h$S boots again (mh_heal, mh_revive)" eval "mh_heal $S && mh_revive $S 60"
check "h$S: etcd and Patroni start" mh_exec "$S" systemctl start --no-block etcd.service patroni.service
took=$(mh_until_ok "$EPOCHREALTIME" 90 ready "$L") || took=''
check "h$S is a streaming standby again (${took:-never} s)" test -n "$took"
[ -n "$took" ] || { api "$L" /cluster; mh_exec "$S" journalctl -u patroni.service --no-pager | tail -n 20; finish; }
read -r L S A <<<"$(ready "$L")"
echo "primary h$L, synchronous standby h$S, replica h$A"

# --- the primary's host lost ---
EPS="https://$(addr 1):2379,https://$(addr 2):2379,https://$(addr 3):2379"
etcd_tls() {   # etcd_tls I ARGS..: etcdctl on host I, over TLS with its cluster certificate
    local i=$1; shift
    mh_exec "$i" env ETCDCTL_API=3 etcdctl --endpoints="$EPS" --cacert "$CA" --cert "$CRT" --key "$KEY" \
        --dial-timeout=2s --command-timeout=5s "$@"
}
etcd_leader_host() {   # the host number of etcd's leader, as host I's member sees it
    etcd_tls "$1" endpoint status -w json | python3 -c 'import json, sys
st = json.load(sys.stdin)
lead = {s["Status"]["leader"] for s in st}
print(" ".join(s["Endpoint"].split(":")[1].split(".")[-1] for s in st if s["Status"]["header"]["member_id"] in lead))'
}
echo "etcd's leader: h$(etcd_leader_host "$S" || echo '?')"
if [ "${PG_ETCD_LEADER_AWAY:-0}" = 1 ]; then
    sid=$(etcd_tls "$S" endpoint status -w json | python3 -c 'import json, sys
print(next(format(s["Status"]["header"]["member_id"], "x") for s in json.load(sys.stdin) if s["Endpoint"].endswith(sys.argv[1] + ":2379")))' "$(addr "$S")")
    check "etcd's leadership moved to h$S (move-leader $sid)" etcd_tls "$S" move-leader "$sid"
    check_eq "etcd's leader is h$S" "$S" "$(etcd_leader_host "$S" || true)"
fi
put_writer "$A"
wlog=$(mktemp)
mh_exec "$A" /root/writer.sh w2 1 32 8 "$RW" >"$wlog" 2>&1 &
writer=$!
sleep 3
loss=$EPOCHREALTIME
check "h$L (primary) lost: mh_cut, mh_lose (while h$A inserts)" eval "mh_cut $L && mh_lose $L"
plog=$(mktemp)
poll_bg "$plog" "$loss" 60 repl_is "$S" "h$A:streaming:sync"
wait "$writer" || true
wait "$POLL_PID" || true
follow=$(cat "$plog"); rm -f "$plog"
read -r n ok unknown fail killed first maxgap longest < <(mh_grade_writes "$wlog" "$loss")
echo "FAILOVER: primary h$L lost: write outage ${first} s (loss -> end of the first acknowledged INSERT begun after it); $n attempts, $ok acknowledged, $fail failed, $killed killed; longest pause between acknowledgements ${maxgap} s"
check "a write through the multi-host conninfo succeeds within $FAILOVER_BOUND s of the primary's loss (${first} s)" \
    awk -v f="$first" -v b="$FAILOVER_BOUND" 'BEGIN { exit !(f != "none" && f + 0 <= b) }'
newl=$(api "$S" /cluster | python3 -c 'import json,sys
print(" ".join(m["name"] for m in json.load(sys.stdin)["members"] if m.get("role") in ("leader", "master") and m.get("state") == "running"))' || true)
check_eq "the new primary is h$S, the former synchronous standby" "h$S" "$newl"
read -r acked present <<<"$(acked_present "$S" w2 "$wlog")"
check_eq "every acknowledged row is in w2, once ($acked acknowledged; ids are its primary key)" "$acked" "$present"
check "rows were acknowledged before and after the loss ($acked)" \
    awk -v t="${loss/,/.}" '$4 == "ok" && $3 < t { b++ } $4 == "ok" && $2 > t { a++ } END { exit !(b > 0 && a > 0) }' "$wlog"
unknown=$(awk '$4 != "ok" { printf "%s%s", s, $1; s = "," }' "$wlog")
if [ -n "$unknown" ]; then
    echo "unacknowledged attempts: $(awk '$4 != "ok"' "$wlog" | wc -l); of them committed after all: $(sql "$S" "$RW" "SELECT count(*) FROM w2 WHERE id IN ($unknown)" || echo '?')"
fi
check_eq "w still has the rows of before ($(sql "$S" "$RW" 'SELECT count(*) FROM w' || echo '?') in w, the row 0 too)" 1 \
    "$(sql "$S" "$RW" 'SELECT count(*) FROM w WHERE id = 0' || true)"
check "h$A follows the new primary h$S as its synchronous standby (${follow:-never} s after the loss)" test -n "$follow"
rm -f "$wlog"
finish
