#!/bin/bash
# test-etcd-cluster.sh - proves the multi-host harness and the etcd configuration it writes:
#  - three boxes boot, each in its own network namespace with its hostname (hI) and address
#    (10.77.0.I), and the machine's own namespace has no test address;
#  - etcd (Debian's etcd-server, configured by mh_etcd_conf's drop-in) forms one cluster of
#    three started members h1..h3 with one leader, the same for all three;
#  - a put on h1 is read on h3 (a linearizable read: it goes through the leader);
#  - a follower cut off (its bridge port down): writes on the other two go on, a write on the
#    cut-off host fails (the cut is real); healed, it reads what was written meanwhile, and the
#    raft term has not moved: with --pre-vote its return forced no election;
#  - the leader cut off: writes on the other two resume within ELECTION_BOUND (time printed);
#  - the leader's host lost (SIGKILL of its PID 1): a new leader among the other two, and
#    writes resume within ELECTION_BOUND (time printed).
# ELECTION_BOUND = 2 election timeouts + 1 s: a follower campaigns after a random timeout in
# [E, 2E) once it stops hearing heartbeats; the vote itself takes milliseconds on this bridge;
# the 1 s is for the client's retries (each put gives up after 0.5 s) and a busy machine.
# Run: tests/multihost/run.sh BUILD_DIR tests/multihost/test-etcd-cluster.sh
# shellcheck disable=SC2317  # helper functions here are called through check/mh_until_ok
set -euo pipefail
# shellcheck source=tests/multihost/lib.sh
. "$REPO/tests/multihost/lib.sh"

E=$(awk -v ms="$MH_ETCD_ELECTION_MS" 'BEGIN { print ms / 1000 }')
ELECTION_BOUND=$(awk -v e="$E" 'BEGIN { print 2 * e + 1 }')

# --- the hosts ---
for i in 1 2 3; do
    check_eq "h$i: hostname" "h$i" "$(mh_exec "$i" hostname 2>&1)"
    check_match "h$i: eth0 has $(mh_addr "$i")/24" "inet $(mh_addr "$i")/24 " \
        "$(mh_exec "$i" ip -4 -o addr show dev eth0 2>&1)"
done
check_eq "the machine's own namespace has no 10.77. address" "" \
    "$(ip -4 -o addr show | grep -F ' 10.77.' || true)"

# --- etcd forms a cluster ---
if ! mh_etcd_up 30; then
    box__fail "etcd active on h1..h3 within 30 s" "$(mh_on 1 box_journal -u etcd.service | tail -n 8)"
    finish
fi
box__pass "etcd active on h1..h3 within 30 s"
members=$(mh_etcdctl 2 member list 2>&1 | awk -F', ' '{ print $2, $3, $4 }' | sort) || true
check_eq "h2 lists three started members h1..h3 on their addresses" \
    "$(printf 'started h%s http://10.77.0.%s:2380\n' 1 1 2 2 3 3)" "$members"
leaders=''
for i in 1 2 3; do
    l=$(mh_etcd_leader "$i" 2>&1) || l="none ($l)"
    leaders+="h$i:$l "
done
L=$(mh_etcd_leader 1) || L=''
check_eq "one leader, the same for all three" "h1:$L h2:$L h3:$L " "$leaders"
[[ $L =~ ^[123]$ ]] || { box__fail "a leader to go on with" "$leaders"; finish; }
echo "leader: h$L (heartbeat ${MH_ETCD_HEARTBEAT_MS} ms, election timeout ${MH_ETCD_ELECTION_MS} ms)"

check "put greeting=hello-from-h1 on h1" mh_etcdctl 1 put greeting hello-from-h1
check_eq "h3 reads it" "hello-from-h1" "$(mh_etcdctl 3 get --print-value-only greeting 2>&1)"

put_on() { mh_etcdctl "$1" --command-timeout=0.5s put "$2" "$3"; }   # one attempt, <= 0.5 s
fails() { ! "$@"; }
reads() { [ "$(mh_etcdctl "$1" get --print-value-only "$2")" = "$3" ]; }   # reads I KEY VALUE

# --- a follower cut off ---
fol=(); for i in 1 2 3; do [ "$i" = "$L" ] || fol+=("$i"); done
F=${fol[0]} O=${fol[1]}   # F is cut off, O the other follower
term0=$(mh_etcd_field "$L" RaftTerm) || term0=''
mh_cut "$F"
t0=$EPOCHREALTIME
ok=0
# Writes on the leader and on the other follower, for 3 s (3 election timeouts: long enough for
# the cut-off member to time out and pre-vote in vain). Each put must succeed in its first try.
for n in $(seq 100); do
    put_on "$L" "during-cut" "$n" >/dev/null 2>&1 && put_on "$O" "during-cut-o" "$n" >/dev/null 2>&1 &&
        ok=$((ok + 1))
    awk -v s="$(mh_elapsed "$t0")" 'BEGIN { exit !(s >= 3) }' && break
done
check_eq "h$F cut off: every put on h$L (leader) and h$O went through, at once ($n pairs in $(mh_elapsed "$t0") s)" \
    "$n/$n" "$ok/$n"
check "h$F cut off: a put on h$F fails (the cut is real)" \
    fails mh_etcdctl "$F" --command-timeout=1s put must-fail x
mh_heal "$F"
t0=$EPOCHREALTIME
got=$(mh_until_ok "$t0" 10 reads "$F" during-cut "$n") || got=''
check "h$F healed: reads during-cut=$n, the last value written while it was away, within 10 s (${got:-never} s)" \
    test -n "$got"
term1=$(mh_etcd_field "$L" RaftTerm) || term1=''
check_unchanged "h$F's return forced no election (pre-vote): raft term still $term0" "$term0" "$term1"
check_eq "h$L is still the leader" "$L" "$(mh_etcd_leader "$O" 2>&1)"

# --- the leader cut off ---
mh_cut "$L"
t0=$EPOCHREALTIME
took=$(mh_until_ok "$t0" "$ELECTION_BOUND" put_on "$O" after-leader-cut 1) || took=''
echo "leader h$L cut off: first successful put on h$O after ${took:-more than $ELECTION_BOUND} s"
check "leader cut off: writes resume on the other two within $ELECTION_BOUND s (${took:-never} s)" \
    test -n "$took"
L2=$(mh_etcd_leader "$O") || L2=''
check "a new leader among the other two (h${L2:-none})" test -n "$L2" -a "$L2" != "$L"
mh_heal "$L"
# Back to three healthy members before the next step: h$L must read the last write.
got=$(mh_until_ok "$EPOCHREALTIME" 10 reads "$L" after-leader-cut 1) || got=''
check "h$L healed: caught up within 10 s (${got:-never} s)" test -n "$got"

# --- the leader's host lost ---
L=$(mh_etcd_leader 1) || L=''
[[ $L =~ ^[123]$ ]] || { box__fail "a leader before the loss" "h1 sees: ${L:-none}"; finish; }
O=$(( L % 3 + 1 ))
check "h$L (leader) is a running box we started" mh_alive "$L"
# PID 1 and its systemd-nspawn (MH_NSPAWN is the revive loop around it, which stays: mh-lib.sh)
lost="${MH_PID1[$L]} $(ps -o ppid= -p "${MH_PID1[$L]}" | tr -d ' ')"
t0=$EPOCHREALTIME
check "mh_lose h$L" mh_lose "$L"
took=$(mh_until_ok "$t0" "$ELECTION_BOUND" put_on "$O" after-leader-loss 1) || took=''
echo "leader h$L lost: first successful put on h$O after ${took:-more than $ELECTION_BOUND} s"
check "leader's host lost: writes resume on the others within $ELECTION_BOUND s (${took:-never} s)" \
    test -n "$took"
gone() {   # gone PID...: no such process, or a zombie
    local p
    for p; do [ ! -e "/proc/$p" ] || [ "$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null)" = Z ] || return 1; done
}
# shellcheck disable=SC2086  # two PIDs
check "h$L is gone: its box's PID 1 and systemd-nspawn ($lost)" gone $lost
L2=$(mh_etcd_leader "$O") || L2=''
check "a new leader among the other two (h${L2:-none})" test -n "$L2" -a "$L2" != "$L"
O2=$(( 6 - L - O ))
check_eq "h$O2 reads the write made on h$O after the loss" 1 \
    "$(mh_etcdctl "$O2" get --print-value-only after-leader-loss 2>&1)"

finish
