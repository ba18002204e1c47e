#!/bin/bash
# Proves slow clients cannot stop a service (issue 13, part 7; docs/security.md,
# "Slow and greedy clients"). tests/tools/slowloris.py holds 1,000 connections
# (bounded: at most 2,000, for at most 120 s; here 20 s) to the log service,
# each sending one header line every 2 s and never ending its headers, and
# opens a new one for every one the service closes. Meanwhile every
# legitimate request (POST /log as the original's clients send it, one every
# 0.25 s) is answered 200 within 1 s; the service closes each slow connection
# 5 to 8 s after its first byte (its headers are not complete in 5 s), logs
# that it did, and is not restarted. The same for dgo-grading's pool of
# threads (GET /students/1, 15 s), whose connections take another path.
set -uo pipefail
. "$REPO/tests/box/lib.sh"
. "$REPO/tests/box/dgo-lib.sh"

# legit_loop SECONDS CURL-ARGS... -> one "STATUS TIME" line per request, a request every 0.25 s
legit_loop() {
    local end=$((EPOCHSECONDS + $1)); shift
    while [ "$EPOCHSECONDS" -lt "$end" ]; do
        curl -s -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 5 "$@" || echo "000 5"
        sleep 0.25
    done
}

# slow_round NAME PORT SECONDS UNIT PATH CURL-ARGS...
slow_round() {
    local name=$1 port=$2 secs=$3 unit=$4 path=$5; shift 5
    local out=$BOX_TMP/slow-$port.out legit=$BOX_TMP/legit-$port.out
    python3 "$TOOLS/slowloris.py" "$port" --connections 1000 --interval 2 --seconds "$secs" --path "$path" \
        > "$out" 2>&1 &
    local slow=$!
    sleep 3                                     # the 1,000 are open
    legit_loop $((secs - 4)) "$@" > "$legit"
    wait "$slow"
    local line; line=$(tail -n 1 "$out")
    echo "$name: slow clients: $line"
    echo "$name: legitimate requests: $(wc -l < "$legit"), slowest $(sort -k2 -g "$legit" | tail -n 1)"
    check "$name: the slow client held 1,000 connections to the end" test "$(json_get "$line" 'd["held_at_end"]')" = 1000
    check "$name: at least 30 legitimate requests were made" test "$(wc -l < "$legit")" -ge 30
    check_eq "$name: every legitimate request was answered 200" "" "$(grep -v '^200 ' "$legit")"
    check_eq "$name: every one within 1 s" "" "$(awk '$2 >= 1' "$legit")"
    check "$name: the service closed the first 1,000 slow connections" \
        test "$(json_get "$line" 'd["closed_by_server"]')" -ge 1000
    check "$name: each within 8 s of its first byte (at most $(json_get "$line" 'd["lifetime_max"]') s)" \
        python3 -c 'import json,sys; d = json.loads(sys.argv[1]); sys.exit(not (d["lifetime_max"] <= 8 and d["lifetime_median"] >= 4.5))' "$line"
    check_eq "$name: $unit was not restarted" 0 "$(restarts "$unit")"
    check_match "$name: its journal says it closed them" "Closed [0-9]+ connections whose request was not complete in time" \
        "$(box_journal -u "$unit" -o cat)"
}

ct_exec systemctl start dgo.target
wait_until 10 port_listens 4000 && wait_until 10 port_listens 6000
check_eq "the log service answers" 200 "$(post_log '[SlowTest] - warm up')"
check_eq "the grading service answers" 200 \
    "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 http://127.0.0.1:6000/students/1 || true)"

slow_round log 4000 20 dgo-log.service /log \
    -H 'Content-Type: text/plain' --data-binary '[SlowTest] - a legitimate line' http://127.0.0.1:4000/log
slow_round grading 6000 15 dgo-grading.service /students http://127.0.0.1:6000/students/1
finish
