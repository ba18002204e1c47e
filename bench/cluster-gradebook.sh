#!/bin/bash
# bench/cluster-gradebook.sh - the cluster's one grade book (issue 15) on three hosts: the
# multi-host tier's boxes (tests/multihost/mh-lib.sh: one systemd box per host in a network
# namespace of its own, 10.77.0.1-3 on a private bridge; every request runs inside a box). The
# cluster is made by dgoctl alone and its book put on PostgreSQL under Patroni by `dgoctl
# cluster postgres` (tests/multihost/cluster-lib.sh), h3 first, so h3 holds the primary; the
# grading services of h1 and h2 serve the book (the drop-in), h3's none.
#
# (a) Grade POSTs (wrk inside the boxes, bench/grading-post.lua over BENCH_STUDENTS students,
#     BENCH_SECONDS s a run; every 201 is a commit the server called durable: on the primary
#     and flushed by the synchronous standby):
#       - 1 client through h1's grading service: p50, p99, POSTs/s;
#       - 50 clients through h1's; then 25 + 25 through h1's and h2's at once (both replicas
#         write one book): POSTs/s and p99;
#     and in the same run, beside them, a single-host book: the same dgo-grading binary with
#     --backend sqlite on h3's loopback (a transient unit, its own SQLite file), 1 and 50
#     clients. The boxes' disks are memory (an overlay on tmpfs): neither fsync costs what a
#     disk's would; the figures compare the network and the standby's round trip with SQLite's
#     in-process commit, not disks.
# (b) The write outage when the primary's host is lost (mh_cut, then mh_lose: a power cut),
#     BENCH_LOSS_TRIALS (3) times: grades POSTed one at a time through every grading service
#     that survives (cluster-lib.sh's gwriter.sh); the outage is the time from the loss to the
#     end of the first acknowledged POST begun after it (mh_grade_writes). The lost host then
#     boots again (its etcd, Patroni and dgo started) and streams before the next trial, whose
#     primary is wherever Patroni put it: a grading host's too, so both cases are measured.
# Bounded: about 6 min. Takes the box runners' lock ($CT_ROOT/lock), so it never runs beside a
# test. Root only; a release build (BENCH_BUILD, default build/release). One line per figure.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${BENCH_SECONDS:-10} STUDENTS=${BENCH_STUDENTS:-1000} LOSS_TRIALS=${BENCH_LOSS_TRIALS:-3}
# cluster-lib.sh's steps report through these: quiet, a failure said and fatal to the bench.
check() { local what=$1; shift; "$@" >/dev/null 2>&1 || { echo "bench: $what: failed" >&2; return 1; }; }
check_eq() { [ "$2" = "$3" ] || { echo "bench: $1: expected $2, got $3" >&2; return 1; }; }
# shellcheck source=bench/mh-common.sh
. bench/mh-common.sh
# shellcheck source=tests/multihost/cluster-lib.sh
. tests/multihost/cluster-lib.sh
die() { echo "bench: $*" >&2; exit 1; }
echo "bench/cluster-gradebook.sh: build $BUILD ($(git -C "$REPO" rev-parse --short HEAD)), $(date -u '+%F %T') UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"

# --- the cluster ---
mh_up "$BUILD" >&2 || die "the boxes did not come up"
for i in 1 2 3; do mh_exec "$i" systemctl start dgo.target dgo-secret.service || die "h$i: dgo.target"; done
mh_dgoctl_cluster systemctl start dgo.target || die "dgoctl cluster init/join failed"
mh_exec 3 systemctl stop dgo-grading-cluster.socket dgo-grading.socket dgo-grading.service
t0=$EPOCHREALTIME
mh_dgoctl_postgres 3 1 2 || die "dgoctl cluster postgres failed"
mh_until_ok "$t0" 120 mh_pg_ready 3 >/dev/null || die "no primary with two streaming standbys"
read -r L S A <<<"$(mh_pg_ready 3)"
echo "cluster: primary h$L, synchronous standby h$S, replica h$A"
serves() { mh_exec "$1" curl -sf --max-time 3 -o /dev/null "http://127.0.0.1:${2:-6000}/students/1"; }
for i in 1 2; do mh_until_ok "$EPOCHREALTIME" 60 serves "$i" >/dev/null || die "h$i's grading service"; done

# The single-host book beside it: the same binary, SQLite, h3's loopback port 6100.
bin=$(mh_exec 1 systemctl show -P ExecStart dgo-grading.service | sed -n 's/.*path=\([^ ;]*\).*/\1/p')
[ -n "$bin" ] || die "cannot find dgo-grading's path"
mh_exec 3 systemd-run --quiet --unit=dgo-bench-sqlite -p DynamicUser=yes -p StateDirectory=dgo-bench-sqlite \
    "$bin" --backend sqlite --store /var/lib/dgo-bench-sqlite/gradebook.db --listen 127.0.0.1:6100 \
    --registry http://127.0.0.1:9/services || die "the SQLite grading service on h3"
mh_until_ok "$EPOCHREALTIME" 30 serves 3 6100 >/dev/null || die "the SQLite grading service does not answer"

# BENCH_STUDENTS students in each book (5 samples and more), so none reaches its 1,000 grades.
add_students() {   # add_students HOST PORT
    mh_exec "$1" sh -c 'for i in $(seq 6 "$2"); do curl -sf -o /dev/null --max-time 5 -H "Content-Type: application/json" \
        -d "{\"FirstName\":\"Bench\",\"LastName\":\"S$i\"}" "http://127.0.0.1:$1/students" || exit 1; done' sh "$2" "$STUDENTS"
}
add_students 1 6000 || die "adding students through h1"
add_students 3 6100 || die "adding students to the SQLite book"
for i in 1 2 3; do mh_exec "$i" sh -c 'cat > /root/grading-post.lua' <bench/grading-post.lua; done

# wrk_in HOST PORT THREADS CONNS: wrk's output (on standard error too, for the record).
wrk_in() {
    mh_exec "$1" env STUDENTS="$STUDENTS" wrk -t"$3" -c"$4" -d"${SECS}s" --latency -s /root/grading-post.lua \
        "http://127.0.0.1:$2/" | tee -a /dev/stderr   # -a: /dev/stderr may be a file, not truncated
}
figures() {   # figures < wrk output: "P50_MS P99_MS ACKED_PER_S NON2XX"
    awk 'function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
         $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
         / requests in / { n = $1; d = $4; sub(/s,?$/, "", d) }
         /Non-2xx/ { bad = $NF }
         END { printf "%.2f %.2f %.0f %d\n", p50, p99, (n - bad) / d, bad }'
}
run() {   # run LABEL HOST PORT THREADS CONNS
    local p50 p99 rate bad
    read -r p50 p99 rate bad < <(wrk_in "$2" "$3" "$4" "$5" | figures)
    echo "$1: $rate acknowledged POSTs/s, p50 $p50 ms, p99 $p99 ms (non-2xx $bad)"
}
run "SQLite (one host), 1 client" 3 6100 1 1
run "cluster, 1 client through h1" 1 6000 1 1
run "SQLite (one host), 50 clients" 3 6100 2 50
run "cluster, 50 clients through h1" 1 6000 2 50
both=$(mktemp -d)
wrk_in 1 6000 1 25 >"$both/1" & p1=$!
wrk_in 2 6000 1 25 >"$both/2" & p2=$!
wait "$p1" "$p2"
read -r _ p99a ra ba < <(figures <"$both/1")
read -r _ p99b rb bb < <(figures <"$both/2")
rm -rf "$both"
echo "cluster, 25 + 25 clients through h1 and h2 at once: $((ra + rb)) acknowledged POSTs/s ($ra + $rb), p99 $p99a / $p99b ms (non-2xx $((ba + bb)))"
mh_exec 3 systemctl stop dgo-bench-sqlite.service || true

# --- the primary's host lost ---
for i in 1 2 3; do mh_put_grade_writer "$i"; done
primary() { mh_pg_topology "$1" 3 | cut -d' ' -f1; }
for trial in $(seq "$LOSS_TRIALS"); do
    L=$(primary 1) || die "trial $trial: no primary with two standbys"   # every host runs now
    writers=() logs=$(mktemp -d)
    for i in 1 2; do
        [ "$i" != "$L" ] || continue
        mh_exec "$i" /root/gwriter.sh $((1 + trial * 2 + i)) $((trial * 10000 + i * 1000)) 40 >"$logs/w$i" 2>&1 &
        writers+=("$i:$!")
    done
    sleep 4
    loss=$EPOCHREALTIME
    mh_cut "$L" && mh_lose "$L"
    for w in "${writers[@]}"; do wait "${w#*:}" || true; done
    for w in "${writers[@]}"; do
        i=${w%%:*}
        read -r n ok unknown failed killed first maxgap longest < <(mh_grade_writes "$logs/w$i" "$loss")
        echo "primary loss, trial $trial: h$L lost (grading there: $([ "$L" = 3 ] && echo no || echo yes)); through h$i: writes resumed $first s after the loss; $n POSTs, $ok acknowledged, $unknown unknown (500), $failed not stored, $killed cut at 12 s; longest pause $maxgap s, longest POST $longest s"
    done
    rm -rf "$logs"
    mh_heal "$L" && mh_revive "$L" 60 || die "h$L did not boot again"
    mh_exec "$L" systemctl start --no-block etcd.service patroni.service dgo.target
    other=1; [ "$L" != 1 ] || other=2
    mh_until_ok "$EPOCHREALTIME" 120 mh_pg_ready "$other" >/dev/null || die "h$L does not stream again"
    read -r L S A <<<"$(mh_pg_ready "$other")"
    echo "after trial $trial: primary h$L, synchronous standby h$S, replica h$A"
    for i in 1 2; do mh_until_ok "$EPOCHREALTIME" 60 serves "$i" >/dev/null || die "h$i's grading service"; done
done
echo "bench/cluster-gradebook.sh: $SECONDS s in all, after $LOCK_WAIT s of set-up and waiting for the box lock"
