#!/bin/bash
# bench/grading-store.sh - the grade book's durable writes, on the machine's disk.
#
# The box's writable layer is a tmpfs, where fsync costs nothing; here the
# grading service's state directory is a directory of the machine's disk
# (BENCH_STATE_DIR, default /var/tmp/dgo-bench-state) bound into the box, so
# every commit's fsync reaches the disk. For a book of 100 students x 10
# grades and one of 10,000 x 100 (each imported from an earlier dgo's
# students.json): import time, restart-to-ready, VmRSS, GET /students/1 and
# GET /students (at 10,000 x 100 a page of 100 instead: the whole book is 47
# MB), then POST latency p50/p99 and durable POSTs/s with 1 and with 50
# clients (wrk, 10 s each; every 201 is committed), and how many commits the
# 50 clients' POSTs shared (group commit).
set -euo pipefail
cd "$(dirname "$0")/.."
STATE=${BENCH_STATE_DIR:-/var/tmp/dgo-bench-state}
rm -rf "$STATE"
mkdir -p "$STATE"
echo "state directory: $STATE on $(df --output=source "$STATE" | tail -1) ($(findmnt -no FSTYPE -T "$STATE"))"
export CT_NSPAWN_ARGS="--bind=$STATE:/var/lib/private/dgo-grading"
. bench/box-common.sh
trap 'bench_exit; rm -rf "$STATE"' EXIT
G=http://127.0.0.1:6000

ct_exec systemctl start dgo-registry.socket dgo-log.socket dgo-grading.socket
wait_until 5 ss -Hltn "sport = :6000"

secs() { awk -v a="${1/,/.}" -v b="${EPOCHREALTIME/,/.}" 'BEGIN { printf "%.2f", b - a }'; }
commits() { ct_exec systemctl show -P StatusText dgo-grading.service | sed -n 's/.* in \([0-9]*\) commits.*/\1/p'; }
stored() { ct_exec systemctl show -P StatusText dgo-grading.service | sed -n 's/.* \([0-9]*\) changes in.*/\1/p'; }

for size in 100x10 10000x100; do
    students=${size%x*} grades=${size#*x}
    ct_exec systemctl stop dgo-grading.service
    rm -rf "${STATE:?}"/*
    python3 tests/tools/make-gradebook.py "$students" "$grades" "$STATE/students.json"
    t0=$EPOCHREALTIME
    curl -s -o /dev/null --max-time 300 "$G/students/1"
    echo "== $size: import of students.json ($(du -h "$STATE/students.json.imported" | cut -f1)) and first answer: $(secs "$t0") s;" \
         "database $(du -ch "$STATE"/gradebook.db* | tail -1 | cut -f1)"
    ct_exec systemctl stop dgo-grading.service
    t0=$EPOCHREALTIME
    ct_exec systemctl start dgo-grading.service
    echo "$size: start to ready (READY=1): $(secs "$t0") s (target <= 2 s); VmRSS $(vmrss_kb dgo-grading.service) kB"
    pid=$(box_main_pid dgo-grading.service)
    # Until every student's reply is made (list_builder.c): then the first
    # GET /students is answered.
    t0=$EPOCHREALTIME
    curl -s -o /dev/null --max-time 60 "$G/students"
    echo "$size: every reply made, first GET /students answered: $(secs "$t0") s after ready;" \
         "VmRSS $(vmrss_kb dgo-grading.service) kB"

    # Reads first, on the book as imported.
    wrk_run "$G/students/1" "" "$pid" 2>/dev/null
    echo "$size: GET /students/1: $RPS requests/s, p99 $P99_MS ms; CPU per request $(per_request "${CPU_US[0]}") us"
    if [ "$students" -le 1000 ]; then
        wrk_run "$G/students" "" "$pid" 2>/dev/null
        echo "$size: GET /students: $RPS requests/s, p99 $P99_MS ms"
    else
        t0=$EPOCHREALTIME; bytes=$(curl -s "$G/students" | wc -c)
        echo "$size: GET /students ($bytes bytes) cached: $(secs "$t0") s;" \
             "after a change: $(curl -s -o /dev/null -H 'Content-Type: application/json' \
                 --data '{"Title":"x","Type":"Quiz","Score":1}' "$G/students/1/grades";
               t0=$EPOCHREALTIME; curl -s -o /dev/null "$G/students"; secs "$t0") s"
        wrk_run "$G/students?offset=5000&limit=100" "" "$pid" 2>/dev/null
        echo "$size: GET /students?offset=5000&limit=100: $RPS requests/s, p99 $P99_MS ms"
    fi

    # POSTs: at 100 x 10 for 3 s a run, or the students would reach their
    # 1,000 grades (the limit: the answer would then be 409).
    post_secs=$(( students < 1000 ? 3 : ${BENCH_SECONDS:-10} ))
    out=$(STUDENTS=$students wrk -t1 -c1 -d"$post_secs"s --latency -s bench/grading-post.lua "$G/")
    rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
    lat() { awk -v p="$1" '$1 == p { v = $2; if (v ~ /us$/) v = v / 1000; else if (v ~ /ms$/) v = v + 0;
                                     else if (v ~ /s$/) v = v * 1000; print v }' <<<"$out"; }
    echo "$size: POST, 1 client: $rps durable POSTs/s, p50 $(lat 50%) ms, p99 $(lat 99%) ms" \
         "(non-2xx: $(awk '/Non-2xx/ { print $NF }' <<<"$out" | grep . || echo 0))"

    c0=$(commits) s0=$(stored)
    STUDENTS=$students BENCH_SECONDS=$post_secs wrk_run "$G/" bench/grading-post.lua "$pid" 2>/dev/null
    c1=$(commits) s1=$(stored)
    echo "$size: POST, 50 clients: $RPS durable POSTs/s, p99 $P99_MS ms (target <= 20 ms), non-2xx $NON2XX;" \
         "$((s1 - s0)) changes in $((c1 - c0)) commits; CPU per POST $(per_request "${CPU_US[0]}") us"

    echo "$size: VmRSS after the runs: $(vmrss_kb dgo-grading.service) kB"
done
