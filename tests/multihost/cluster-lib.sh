# shellcheck shell=bash
# cluster-lib.sh - a dgo cluster on the multi-host boxes (mh-lib.sh), made by dgoctl alone, and
# its grade book's PostgreSQL under Patroni. Sourced by lib.sh (the tests) and by bench/ after
# mh-lib.sh; the steps report through check and check_eq (tests/box/lib.sh's in a test: PASS:/
# FAIL: lines; a benchmark defines its own).
#
#   mh_elapsed T0          seconds since T0 (an $EPOCHREALTIME), 2 decimals
#   mh_until_ok T0 SECS CMD..  run CMD until it succeeds, until SECS after T0 (an
#                          $EPOCHREALTIME) at most; prints the seconds from T0 to the end of the
#                          first success, returns 1 if none
#   mh_copy_between I J PATH   PATH from host I to host J, mode 0600
#   mh_put_grade_writer I  /root/gwriter.sh into host I: gwriter.sh ID FIRST SECS POSTs grades
#                          t-FIRST, t-FIRST+1, ... to student ID of the host's grading service,
#                          one at a time (curl --max-time 12, 50 ms apart) for SECS s; a line
#                          each: "N START END HTTP_CODE CURL_EXIT" (times: $EPOCHREALTIME, the
#                          boxes share the machine's clock)
#   mh_grade_writes LOG T  of a writer's LOG (gwriter.sh's, or a line "ID START END ok|fail|killed"
#                          each) and a moment T (an $EPOCHREALTIME: a loss): "WRITES ACKED
#                          UNKNOWN(500) FAILED KILLED(12 s) FIRST MAXGAP LONGEST": FIRST the
#                          seconds from T to the end of the first acknowledged (201, ok) write
#                          begun after T ("none"), MAXGAP the longest pause between
#                          acknowledgements, LONGEST the longest write
#   mh_dgoctl_cluster [CMD..]  every host in one cluster by dgoctl alone (init, add-host, join),
#                          each step a check; CMD.. run on each host once it has joined
#   mh_dgoctl_postgres I..  `dgoctl cluster postgres` on each host in that order, each a check; the
#                          first creates the database: its primary within 60 s, a check too
# The grade book's PostgreSQL under Patroni (after `dgoctl cluster postgres`), asked inside host I:
#   mh_patroni_api I PATH  GET PATH of host I's Patroni REST API (TLS, the cluster's client certificate)
#   mh_pg_topology I N     from host I's /cluster, when N members run with one leader, one
#                          synchronous standby and the rest replicas, all streaming: "LEADER SYNC
#                          REPLICA.." (host numbers); else 1
#   mh_pg_role_is I NAME ROLE  host I's /cluster says member NAME has ROLE and runs
#   mh_pg_su_sql I SQL     psql as the superuser over host I's own Unix socket (peer); 10 s at most
#   mh_pg_replication I    host I's pg_stat_replication: "NAME:STATE:SYNC_STATE" sorted
#   mh_pg_ready I          host I's /cluster has a leader, a sync standby and a replica, and the
#                          leader's pg_stat_replication has both streaming, the same one sync:
#                          "LEADER SYNC REPLICA" (host numbers); else 1

mh_elapsed() { awk -v a="${1/,/.}" -v b="${EPOCHREALTIME/,/.}" 'BEGIN { printf "%.2f", b - a }'; }

mh_until_ok() {
    local t0=$1 end
    end=$(awk -v s="$2" 'BEGIN { printf "%d", s * 1000000 }'); shift 2
    end=$(( ${t0//[.,]/} + end ))
    until "$@" >/dev/null 2>&1; do
        [ "${EPOCHREALTIME//[.,]/}" -lt "$end" ] || return 1
        sleep 0.02
    done
    mh_elapsed "$t0"
}

# Through the boxes' own processes: a path through /proc/PID/root would follow a symlink
# planted in a box from the machine's own root.
mh_copy_between() {
    mh_exec "$1" cat "$3" | mh_exec "$2" sh -c 'umask 077 && cat > "$1"' sh "$3"
}

MH_GRADE_WRITER='#!/bin/bash
id=$1 n=$2 end=$(( ${EPOCHREALTIME/./} + $3 * 1000000 ))
while [ "${EPOCHREALTIME/./}" -lt "$end" ]; do
    s=$EPOCHREALTIME rc=0
    c=$(curl -s -o /dev/null -w "%{http_code}" --max-time 12 -H "Content-Type: application/json" \
        -d "{\"Title\":\"t-$n\",\"Type\":\"Quiz\",\"Score\":70}" "http://127.0.0.1:6000/students/$id/grades") || rc=$?
    echo "$n $s $EPOCHREALTIME ${c:-000} $rc"
    n=$((n + 1))
    sleep 0.05
done'
mh_put_grade_writer() {
    mh_exec "$1" sh -c 'umask 022 && cat > /root/gwriter.sh && chmod 755 /root/gwriter.sh' <<<"$MH_GRADE_WRITER"
}
mh_grade_writes() {
    awk -v t="${2/,/.}" '
        { n++; d = $3 - $2; if (d > longest) longest = d }
        $4 == 201 || $4 == "ok" { ok++; if ($2 >= t && first == "") first = $3 - t
                                  if (last != "" && $3 - last > maxgap) maxgap = $3 - last; last = $3; next }
        $5 == 28 || $4 == "killed" { killed++; next } $4 == 500 { unknown++; next } { failed++ }
        END { printf "%d %d %d %d %d %s %.2f %.2f\n", n, ok, unknown, failed, killed,
              (first == "" ? "none" : sprintf("%.2f", first)), maxgap, longest }' "$1"
}

# h1 needs its installation secret first (dgo-secret.service). 1 at the first step that fails,
# its output printed.
mh_dgoctl_cluster() {
    local i out rc
    out=$(mh_exec 1 dgoctl cluster init --host h1 --address "$(mh_addr 1)" 2>&1) && rc=0 || rc=$?
    check_eq "h1: dgoctl cluster init exits 0" 0 "$rc"
    [ "$rc" = 0 ] || { echo "$out"; return 1; }
    for i in $(seq 2 "$MH_N"); do
        out=$(mh_exec 1 dgoctl cluster add-host --host "h$i" --address "$(mh_addr "$i")" \
            --output "/root/h$i.bundle" 2>&1) && rc=0 || rc=$?
        check_eq "h1: add-host h$i exits 0" 0 "$rc"
        [ "$rc" = 0 ] || { echo "$out"; return 1; }
        mh_copy_between 1 "$i" "/root/h$i.bundle"
        out=$(mh_exec "$i" dgoctl cluster join "/root/h$i.bundle" 2>&1) && rc=0 || rc=$?
        check_eq "h$i: join exits 0" 0 "$rc"
        [ "$rc" = 0 ] || { echo "$out"; return 1; }
        if [ $# -gt 0 ]; then check "h$i: $*" mh_exec "$i" "$@"; fi
    done
}

# 1 at the first step that fails, its output printed.
mh_dgoctl_postgres() {
    local t0=$EPOCHREALTIME first=$1 i out rc took
    for i in "$@"; do
        out=$(mh_exec "$i" dgoctl cluster postgres 2>&1) && rc=0 || rc=$?
        check_eq "h$i: dgoctl cluster postgres exits 0" 0 "$rc"
        [ "$rc" = 0 ] || { echo "$out"; return 1; }
        [ "$i" = "$first" ] || continue
        took=$(mh_until_ok "$t0" 60 mh_pg_role_is "$i" "h$i" leader) || took=''
        check "h$i creates the database and is its primary (${took:-never} s)" test -n "$took"
        [ -n "$took" ] || { mh_exec "$i" journalctl -u patroni.service --no-pager | tail -n 30; return 1; }
    done
}

mh_patroni_api() {
    mh_exec "$1" curl -s --max-time 3 --cacert /etc/credstore/dgo-cluster-ca.crt \
        --cert /etc/credstore/dgo-cluster.crt --key /etc/credstore/dgo-cluster.key "https://$(mh_addr "$1"):8008$2"
}
MH_TOPO_PY='
import json, sys
d = json.load(sys.stdin); n = int(sys.argv[1]); ms = d.get("members", [])
up = lambda m, roles, states: m.get("role") in roles and m.get("state") in states
lead = [m["name"] for m in ms if up(m, ("leader", "master"), ("running",))]
sync = [m["name"] for m in ms if up(m, ("sync_standby",), ("streaming", "running"))]
rep = [m["name"] for m in ms if up(m, ("replica",), ("streaming", "running"))]
if len(ms) == n and len(lead) == 1 and len(sync) == 1 and len(lead) + len(sync) + len(rep) == n:
    print(" ".join(x[1:] for x in lead + sync + rep))
else:
    sys.exit(1)'
mh_pg_topology() { mh_patroni_api "$1" /cluster | python3 -c "$MH_TOPO_PY" "$2"; }
mh_pg_role_is() {
    mh_patroni_api "$1" /cluster | python3 -c 'import json, sys
sys.exit(0 if any(m["name"] == sys.argv[1] and m.get("role") == sys.argv[2] and m.get("state") == "running"
                  for m in json.load(sys.stdin)["members"]) else 1)' "$2" "$3"
}
mh_pg_su_sql() { mh_exec "$1" timeout -s KILL 10 runuser -u postgres -- psql -h /run/dgo-patroni -X -A -t -q -c "$2"; }
mh_pg_replication() {
    mh_pg_su_sql "$1" "SELECT application_name || ':' || state || ':' || sync_state FROM pg_stat_replication ORDER BY 1" | xargs
}
# (Patroni 3.0.2 says "running" for a replica.)
mh_pg_ready() {
    local t l s a
    t=$(mh_pg_topology "$1" 3) || return 1
    read -r l s a <<<"$t"
    [ "$(mh_pg_replication "$l")" = "$(printf 'h%s:streaming:%s\n' "$s" sync "$a" async | sort | xargs)" ] && echo "$t"
}
