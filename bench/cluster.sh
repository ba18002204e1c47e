#!/bin/bash
# bench/cluster.sh - the cluster map (issue 14) on three hosts: the multi-host tier's boxes
# (tests/multihost/mh-lib.sh: one systemd box per host in a network namespace of its own,
# 10.77.0.1-3 on a private bridge; every request runs inside a box), each with an etcd
# member, /etc/dgo/cluster.conf (LeaseSec=BENCH_LEASE, 5) and dgo.target, set up as
# tests/multihost/test-cluster-map.sh does it (mh_etcd_up, mh_dgo_cluster).
#
# (a) A dependent on host A (h1's dgo-portal, which requires GradingService), its provider on
#     host B (h2's dgo-grading). BENCH_TRIALS (20) times: kill -9 of dgo-grading's MainPID,
#     inside B, its CLOCK_REALTIME taken right before the kill; then the time until A's portal
#     logs "Provider of GradingService gone: ...10.77.0.2:6000" (the entry's
#     __REALTIME_TIMESTAMP: the boxes share the kernel's clock; journald stamps an entry when
#     it receives it), and until it logs it Added again after systemd restarted the service
#     (Restart=on-failure, RestartSec=100ms). Target (issue 14): median <= 50 ms to gone.
# (b) The etcd leader's host lost (mh_lose: SIGKILL of its box's PID 1), BENCH_LOSS_TRIALS (3)
#     times, each on freshly booted hosts (the first on those of (a)): the time from the loss to
#     the first successful `etcdctl put` from a survivor (one put in flight at a time, each
#     bounded to 0.5 s); to the first publish by a registry seen elsewhere (the survivor S1
#     stops its grading service right after the loss; S2's portal logs it gone); and until the
#     lost leader's GradingService leaves S2's GET /services (its lease outlives the leader).
# Bounded: about 3-4 min; no more loss trials once BENCH_MAX_SECONDS (600) have passed.
# Takes the box runners' lock ($CT_ROOT/lock), so it never runs beside a test. Root only;
# needs a release build (BENCH_BUILD, default build/release). Prints one line per figure.
set -euo pipefail
cd "$(dirname "$0")/.."
TRIALS=${BENCH_TRIALS:-20} LOSS_TRIALS=${BENCH_LOSS_TRIALS:-3} LEASE=${BENCH_LEASE:-5}
MAX_SECONDS=${BENCH_MAX_SECONDS:-600}
# shellcheck source=bench/mh-common.sh
. bench/mh-common.sh   # SECONDS: BENCH_MAX_SECONDS and the total count from the lock's taking

url_rx() { echo "https?://10\\.77\\.0\\.$1:6000"; }
# lists I J: host I's GET /services has host J's GradingService (at J's cluster address).
lists() {
    mh_exec "$1" curl -s --max-time 3 http://127.0.0.1:3000/services | python3 -c 'import json, re, sys
j = sys.argv[1]
sys.exit(0 if any(r.get("ServiceName") == "GradingService" and r.get("Host") == "h" + j and
                  re.fullmatch(r"https?://10\.77\.0\.%s:6000" % j, str(r.get("ServiceURL")))
                  for r in json.load(sys.stdin)) else 1)' "$2"
}
# wait_for SECS CMD..: CMD until it succeeds, SECS at most
wait_for() {
    local end=$((SECONDS + $1)); shift
    until "$@" >/dev/null 2>&1; do [ $SECONDS -lt $end ] || return 1; sleep 0.05; done
}
portal_after() {   # portal_after I T0 SECS gone|added J: seconds (see mh_journal_after)
    local rx
    if [ "$4" = gone ]; then rx="^Provider of GradingService gone: $(url_rx "$5") "
    else rx="^Provider of GradingService: $(url_rx "$5") "; fi
    mh_journal_after "$1" "$2" "$3" "$rx" -u dgo-portal.service
}
ms() { awk -v s="$1" 'BEGIN { printf "%.1f", s * 1000 }'; }
# stats VALUES... -> "median max"
stats() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "none none"; exit }
        m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.1f %.1f\n", m, v[NR] }'
}
minmax() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 { a = $1 } { b = $1 } END { if (NR) printf "%s-%s", a, b; else printf "none" }'; }

# cluster_up: fresh hosts, etcd, dgo in cluster mode; every host's portal told of the others.
cluster_up() {
    local i j t0
    mh_down >/dev/null 2>&1
    mh_up "$BUILD" || return 1
    mh_etcd_up 30 || return 1
    mh_dgo_cluster "$LEASE" || return 1
    for i in 1 2 3; do mh_exec "$i" systemctl start dgo.target || return 1; done
    for i in 1 2 3; do mh_exec "$i" curl -s -o /dev/null --max-time 3 http://127.0.0.1:3000/services || true; done
    for i in 1 2 3; do for j in 1 2 3; do
        [ "$i" = "$j" ] || wait_for 20 lists "$i" "$j" || { echo "bench: h$i does not list h$j" >&2; return 1; }
    done; done
    t0=$EPOCHREALTIME
    for i in 1 2 3; do mh_exec "$i" curl -s -o /dev/null --max-time 5 http://127.0.0.1:5000/ || true; done
    for i in 1 2 3; do for j in 1 2 3; do
        [ "$i" = "$j" ] || portal_after "$i" "$t0" 10 added "$j" >/dev/null ||
            { echo "bench: h$i's portal was not told of h$j" >&2; return 1; }
    done; done
}

echo "bench/cluster.sh: build $BUILD ($(git -C "$REPO" rev-parse --short HEAD)), $(date -u '+%F %T') UTC, LeaseSec $LEASE, load $(cut -d' ' -f1-3 /proc/loadavg)"
cluster_up || { echo "bench: the cluster did not come up" >&2; exit 1; }

# ---------------------------------------------------------------- (a)
A=1 B=2
mkdir -p "/proc/${MH_PID1[$B]}/root/etc/systemd/system/dgo-grading.service.d"
printf '[Unit]\nStartLimitIntervalSec=0\n' \
    >"/proc/${MH_PID1[$B]}/root/etc/systemd/system/dgo-grading.service.d/bench-no-start-limit.conf"
mh_exec "$B" systemctl daemon-reload
grading_runs() { [ "$(mh_exec "$B" systemctl show -P SubState dgo-grading.service)" = running ]; }
# dgo.target starts the socket; the first request starts the service (later, systemd restarts it)
mh_exec "$B" curl -s -o /dev/null --max-time 5 http://127.0.0.1:6000/ || true
wait_for 10 grading_runs || { echo "bench: dgo-grading does not run on h$B" >&2; exit 1; }
gone_ms=() added_ms=() missed=0
for n in $(seq "$TRIALS"); do
    wait_for 10 grading_runs || true
    # shellcheck disable=SC2016  # expanded by the bash inside B
    out=$(mh_exec "$B" bash -c 'p=$(systemctl show -P MainPID dgo-grading.service); [ "$p" -gt 0 ] || exit 1
                                 t=$EPOCHREALTIME; kill -9 "$p"; echo "${t/,/.} $p"') ||
        { echo "bench: trial $n: dgo-grading has no main process on h$B" >&2; missed=$((missed + 1)); continue; }
    read -r t0 pid <<<"$out"
    g=$(portal_after "$A" "$t0" 10 gone "$B") || g=''
    a=''
    if [ -n "$g" ]; then
        a=$(portal_after "$A" "$(awk -v a="$t0" -v b="$g" 'BEGIN { printf "%.6f", a + b }')" 10 added "$B") &&
            a=$(awk -v a="$a" -v b="$g" 'BEGIN { printf "%.6f", a + b }') || a=''
    fi
    echo "trial $n: kill -9 $pid on h$B -> gone at h$A's portal after $([ -n "$g" ] && ms "$g" || echo none) ms, Added after $([ -n "$a" ] && ms "$a" || echo none) ms" >&2
    [ -n "$g" ] && gone_ms+=("$(ms "$g")") || missed=$((missed + 1))
    [ -z "$a" ] || added_ms+=("$(ms "$a")")
    sleep 0.2
done
read -r g_med g_max <<<"$(stats "${gone_ms[@]}")"
read -r a_med a_max <<<"$(stats "${added_ms[@]}")"
echo "cluster failure detection, kill -9 of dgo-grading on h$B -> \"Provider of GradingService gone\" in h$A's portal journal: median $g_med ms, max $g_max ms over ${#gone_ms[@]} of $TRIALS trials (target: median <= 50 ms)"
echo "cluster recovery, kill -9 of dgo-grading on h$B -> Added again at h$A's portal after systemd's restart: median $a_med ms, max $a_max ms over ${#added_ms[@]} trials"
echo "cluster trials without the gone line within 10 s: $missed; dgo-grading NRestarts on h$B: $(mh_exec "$B" systemctl show -P NRestarts dgo-grading.service)"

# ---------------------------------------------------------------- (b)
put_s=() pub_s=() map_s=() done_trials=0
for n in $(seq "$LOSS_TRIALS"); do
    if [ "$n" -gt 1 ]; then
        [ $SECONDS -lt "$MAX_SECONDS" ] || { echo "bench: ${SECONDS} s gone, no more loss trials" >&2; break; }
        cluster_up || { echo "bench: loss trial $n: the cluster did not come up" >&2; continue; }
    fi
    L=$(mh_etcd_leader 1) || L=''
    [[ $L =~ ^[123]$ ]] || { echo "bench: loss trial $n: no leader" >&2; continue; }
    S1=$(( L % 3 + 1 )) S2=$(( (L + 1) % 3 + 1 ))
    # One put in flight at a time from S2, from the loss on, for 20 s at most: prints the
    # CLOCK_REALTIME at the end of the first that succeeds.
    t0=$EPOCHREALTIME
    mh_lose "$L"
    mh_exec "$S1" systemctl stop --no-block dgo-grading.socket dgo-grading.service
    # shellcheck disable=SC2016  # expanded by the bash inside S2
    put=$(mh_exec "$S2" env ETCDCTL_API=3 T0="${t0/,/.}" bash -c '
        for i in $(seq 1000); do
            if etcdctl --endpoints=http://127.0.0.1:2379 --dial-timeout=0.5s --command-timeout=0.5s \
                    put /bench/after-loss "$i" >/dev/null 2>&1; then
                awk -v a="$T0" -v b="${EPOCHREALTIME/,/.}" "BEGIN { printf \"%.3f\", b - a }"; exit 0
            fi
            [ "${EPOCHREALTIME%[.,]*}" -lt $(( ${T0%.*} + 20 )) ] || exit 1
        done; exit 1') || put=''
    pub=$(portal_after "$S2" "$t0" 20 gone "$S1") || pub=''
    map=''
    for _ in $(seq 400); do
        if ! lists "$S2" "$L"; then map=$(awk -v a="${t0/,/.}" -v b="${EPOCHREALTIME/,/.}" 'BEGIN { printf "%.2f", b - a }'); break; fi
        [ "$(awk -v a="${t0/,/.}" -v b="${EPOCHREALTIME/,/.}" 'BEGIN { print (b - a > 30) }')" = 0 ] || break
        sleep 0.05
    done
    echo "loss trial $n: leader h$L lost -> first put from h$S2 ${put:-none} s, h$S1's grading gone at h$S2's portal ${pub:-none} s, h$L's GradingService gone from h$S2's map ${map:-none} s" >&2
    [ -z "$put" ] || put_s+=("$put")
    [ -z "$pub" ] || pub_s+=("$(awk -v a="$pub" 'BEGIN { printf "%.3f", a }')")
    [ -z "$map" ] || map_s+=("$map")
    done_trials=$((done_trials + 1))
done
echo "cluster, etcd leader's host lost -> first successful put from a survivor: $(minmax "${put_s[@]}") s over ${#put_s[@]} of $done_trials trials (etcd heartbeat 100 ms, election timeout 1000 ms)"
echo "cluster, etcd leader's host lost -> first registry publish seen elsewhere (a survivor's grading stopped, gone at the other's portal): $(minmax "${pub_s[@]}") s over ${#pub_s[@]} of $done_trials trials"
echo "cluster, etcd leader's host lost -> its GradingService gone from a survivor's GET /services: $(minmax "${map_s[@]}") s over ${#map_s[@]} of $done_trials trials (LeaseSec $LEASE)"
echo "bench/cluster.sh: $SECONDS s in all, after $LOCK_WAIT s of set-up and waiting for the box lock"
