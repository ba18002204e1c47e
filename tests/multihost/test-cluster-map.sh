#!/bin/bash
# test-cluster-map.sh - proves the registry's cluster map (issue 14: each host's registry
# publishes into etcd, watches the others, keeps a stale map when cut off) on three hosts:
#  - with /etc/dgo/cluster.conf on each host (its name and address, the three etcd members,
#    LeaseSec=5) and the drop-in that lets dgo-registry reach them, dgo.target started:
#    every host's GET /services (asked inside that host) lists the two other hosts'
#    GradingService with "Host": hJ at https://10.77.0.J:6000, its own with "Host" too, and
#    its STATUS= says "cluster: 3 hosts" (time from start printed); each host's portal, started
#    then, hears of the two other hosts' GradingService in its first patch (its journal);
#  - a host cut off (its bridge port down): its registry marks the map stale ("Stale": true on
#    the others' entries, kept; STATUS= "etcd unreachable since ... map stale") and announces
#    no remote provider removed, neither then nor when it is healed (its journal), while the
#    others drop its services once its lease expires (time printed); healed: its map is
#    fresh again and its services are back in the others' maps (time printed);
#  - a host lost (SIGKILL of its PID 1), not the etcd leader (a leader's loss resets every
#    lease: its own then expire a new election later): its GradingService leaves the others'
#    maps within LeaseSec + 1 s (the issue's bound; time printed: the lease expires at most
#    LeaseSec after the host's last keepalive, which came before the loss; etcd's leader
#    checks expiry every 0.5 s, then the watch event and the request that sees it), and the
#    watching host's portal is told it is gone; the same bound for the host cut off.
# With an ASan+UBSan build installed, no sanitizer report in any remaining host's journal.
# Every request runs inside a box (mh_exec): nothing is sent from the machine's own namespace.
# Run: tests/multihost/run.sh BUILD_DIR tests/multihost/test-cluster-map.sh
# shellcheck disable=SC2317  # helper functions here are called through check/mh_until_ok
set -euo pipefail
# shellcheck source=tests/multihost/lib.sh
. "$REPO/tests/multihost/lib.sh"

LEASE=5
SANITIZED=
LOSS_BOUND=$((LEASE + 1))

services() { mh_exec "$1" curl -s --max-time 3 http://127.0.0.1:3000/services; }
# lists I J: host I's map has host J's GradingService, with its host, at J's address (and
# STALE: "stale" or "fresh", when given, for that entry).
lists() {
    local want=${3:-any}
    services "$1" | python3 -c 'import json,sys
d = json.load(sys.stdin)
e = [r for r in d if r.get("ServiceName") == "GradingService" and r.get("Host") == "h" + sys.argv[1]
     and r.get("ServiceURL") == "https://10.77.0.%s:6000" % sys.argv[1]]
ok = len(e) == 1 and (sys.argv[2] == "any" or (sys.argv[2] == "stale") == bool(e[0].get("Stale")))
sys.exit(0 if ok else 1)' "$2" "$want"
}
lacks() { ! lists "$@"; }
status_of() { mh_exec "$1" systemctl show -P StatusText dgo-registry.service; }
status_says() { [[ $(status_of "$1") == *"$2"* ]]; }
# portal_heard I TEXT: host I's portal logged TEXT (its providers table: "Provider of ...").
portal_heard() { mh_on "$1" box_journal -u dgo-portal.service -o cat | grep -qF "$2"; }
# How many times host I's registry told its dependents a remote provider went.
remote_removals() {
    mh_on "$1" box_journal -u dgo-registry.service -o cat | grep -c "(another host) is gone or down" || true
}

if ! mh_etcd_up 30; then
    box__fail "etcd active on h1..h3 within 30 s" "$(mh_on 1 box_journal -u etcd.service | tail -n 8)"
    finish
fi
box__pass "etcd active on h1..h3 within 30 s"

# --- every host in the cluster ---
if ! mh_dgo_cluster "$LEASE"; then
    box__fail "cluster.conf and the registry's drop-in written on h1..h3"; finish
fi
SANITIZED=$MH_SANITIZED
t0=$EPOCHREALTIME
for i in 1 2 3; do
    check "h$i: dgo.target starts" mh_exec "$i" systemctl start dgo.target
done
for i in 1 2 3; do services "$i" >/dev/null || true; done   # the registries start on demand
for i in 1 2 3; do
    for j in 1 2 3; do
        [ "$i" != "$j" ] || continue
        took=$(mh_until_ok "$t0" 20 lists "$i" "$j" fresh) || took=''
        check "h$i's GET /services lists h$j's GradingService (Host h$j, https://10.77.0.$j:6000) (${took:-never} s after start)" \
            test -n "$took"
    done
done
for i in 1 2 3; do
    check "h$i lists its own GradingService with \"Host\": \"h$i\"" eval \
        "services $i | python3 -c 'import json,sys; sys.exit(0 if any(r.get(\"Host\") == \"h$i\" and r[\"ServiceURL\"] == \"http://127.0.0.1:6000\" for r in json.load(sys.stdin)) else 1)'"
    # STATUS= is refreshed every 5 s (loop_add_status()).
    got=$(mh_until_ok "$EPOCHREALTIME" 10 status_says "$i" "cluster: 3 hosts") || got=''
    check "h$i's STATUS= says cluster: 3 hosts ($(status_of "$i" | sed 's/.*; cluster/cluster/'))" test -n "$got"
done

# A dependent that starts now: its first patch has the other hosts' providers.
for i in 1 2 3; do mh_exec "$i" curl -s -o /dev/null --max-time 5 http://127.0.0.1:5000/ || true; done
for i in 1 2 3; do
    for j in 1 2 3; do
        [ "$i" != "$j" ] || continue
        got=$(mh_until_ok "$EPOCHREALTIME" 10 portal_heard "$i" "Provider of GradingService: https://10.77.0.$j:6000") || got=''
        check "h$i's portal was told of h$j's GradingService (https://10.77.0.$j:6000)" test -n "$got"
    done
done

# --- a host cut off: a stale map there, its services gone elsewhere, then back ---
L=$(mh_etcd_leader 1) || L=''
[[ $L =~ ^[123]$ ]] || { box__fail "a leader to go on with" "h1 sees: ${L:-none}"; finish; }
C=$(( L % 3 + 1 )) O=$(( (L + 1) % 3 + 1 ))   # C is cut off, O the other follower; neither leads
echo "etcd leader: h$L; cutting off h$C"
removed0=$(remote_removals "$C")
mh_cut "$C"
t0=$EPOCHREALTIME
took=$(mh_until_ok "$t0" 20 lists "$C" "$O" stale) || took=''
check "h$C cut off: its map keeps h$O's GradingService, marked \"Stale\" (${took:-never} s)" test -n "$took"
got=$(mh_until_ok "$EPOCHREALTIME" 10 status_says "$C" "map stale") || got=''
check "h$C cut off: its STATUS= says etcd unreachable, map stale ($(status_of "$C" | sed 's/.*; cluster/cluster/'))" \
    test -n "$got"
took=$(mh_until_ok "$t0" $((LOSS_BOUND + 5)) lacks "$O" "$C") || took=''
echo "h$C cut off: gone from h$O's map after ${took:-more than $((LOSS_BOUND + 5))} s (LeaseSec $LEASE s)"
check "h$C cut off: its GradingService leaves h$O's map within LeaseSec + 1 = $LOSS_BOUND s (${took:-never} s)" \
    awk -v t="${took:-999}" -v b="$LOSS_BOUND" 'BEGIN { exit !(t <= b) }'
check "h$C cut off: still kept in h$C's own stale map: h$L's" lists "$C" "$L" stale
mh_heal "$C"
t0=$EPOCHREALTIME
took=$(mh_until_ok "$t0" 20 lists "$C" "$O" fresh) || took=''
check "h$C healed: its map is fresh again (${took:-never} s)" test -n "$took"
took=$(mh_until_ok "$t0" 20 lists "$O" "$C" fresh) || took=''
echo "h$C healed: back in h$O's map after ${took:-more than 20} s"
check "h$C healed: its GradingService is back in h$O's map (new lease, entries put again) (${took:-never} s)" \
    test -n "$took"
mh_on "$C" box_journal_sync
check_eq "h$C announced no remote provider removed, cut off or healed" "$removed0" "$(remote_removals "$C")"

# --- a host lost ---
L=$(mh_etcd_leader "$O") || L=''
[[ $L =~ ^[123]$ ]] || { box__fail "a leader before the loss" "h$O sees: ${L:-none}"; finish; }
X=$(( L % 3 + 1 )) O=$(( (L + 1) % 3 + 1 ))   # X is lost, O watches; neither leads
check "h$X (not the leader, h$L is) is listed by h$O before" lists "$O" "$X" fresh
t0=$EPOCHREALTIME
check "mh_lose h$X" mh_lose "$X"
took=$(mh_until_ok "$t0" $((LOSS_BOUND + 5)) lacks "$O" "$X") || took=''
echo "h$X lost: its GradingService gone from h$O's map after ${took:-more than $((LOSS_BOUND + 5))} s (LeaseSec $LEASE s)"
check "h$X lost: gone from h$O's map within LeaseSec + 1 = $LOSS_BOUND s (${took:-never} s)" \
    awk -v t="${took:-999}" -v b="$LOSS_BOUND" 'BEGIN { exit !(t <= b) }'
check "h$O's map still lists h$L's GradingService, fresh" lists "$O" "$L" fresh
got=$(mh_until_ok "$EPOCHREALTIME" 5 portal_heard "$O" "Provider of GradingService gone: https://10.77.0.$X:6000") || got=''
check "h$O's portal was told h$X's GradingService is gone" test -n "$got"

if [ -n "$SANITIZED" ]; then
    for i in 1 2 3; do
        mh_alive "$i" || continue
        reports=$(mh_on "$i" box_journal -o cat | grep -cE 'runtime error|AddressSanitizer|LeakSanitizer' || true)
        check_eq "h$i: no sanitizer report in the journal (ASan+UBSan build)" 0 "$reports"
    done
fi

finish
