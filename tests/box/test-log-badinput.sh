#!/bin/bash
# Proves bad input to dgo-log gets the right 4xx with a JSON error that says
# why, and the service stays up: an empty body, 70,000 bytes (plain and
# chunked, 413), wrong method (405), unknown path (404), invalid JSON, a
# missing message, a bad service name, invalid UTF-8 (400); none of it
# reaches the file, while a body of exactly 64 KiB is accepted. Then 10,000
# connections at once (bounded to 60 s): none left open, at least 9,000
# answered 200 (the load tool's output shows how many), the same process
# still serving, no restart, and a normal message afterwards is answered.
set -uo pipefail
. "$REPO/tests/box/lib.sh"
. "$REPO/tests/box/dgo-lib.sh"

URL=http://127.0.0.1:4000
ct_exec systemctl start dgo-log.socket
wait_until 5 port_listens 4000
check_eq "warm-up" 200 "$(post_log "[Bad] - warm up")"
pid=$(box_main_pid dgo-log.service)

# expect DESC CODE ERROR-REGEX CURL-ARGS...: status and {"error": ...} body
expect() {
    local desc=$1 want=$2 re=$3 out code body; shift 3
    out=$(curl -s --max-time 10 -w '\n%{http_code}' "$@") || true
    code=${out##*$'\n'} body=${out%$'\n'*}
    check_eq "$desc: status $want" "$want" "$code"
    check_match "$desc: JSON error says why" "$re" "$(json_get "$body" 'd["error"]' 2>&1)"
}

expect "empty body" 400 "empty" -X POST -H 'Content-Type: text/plain' --data-binary '' "$URL/log"
head -c 70000 /dev/zero | tr '\0' x > "$BOX_TMP/big"
expect "70,000-byte body" 413 "larger than 65536" -H 'Content-Type: text/plain' --data-binary @"$BOX_TMP/big" "$URL/log"
expect "70,000-byte chunked body" 413 "larger than 65536" -H 'Transfer-Encoding: chunked' \
        --data-binary @"$BOX_TMP/big" "$URL/log"
head -c 65536 /dev/zero | tr '\0' y > "$BOX_TMP/max"
check_eq "a body of exactly 64 KiB is accepted" 200 "$(curl -s -o /dev/null -w '%{http_code}' \
        -H 'Content-Type: text/plain' --data-binary @"$BOX_TMP/max" "$URL/log" || true)"
expect "GET /log" 405 "not allowed" "$URL/log"
expect "PUT /log" 405 "not allowed" -X PUT -d x "$URL/log"
expect "unknown path" 404 "no such resource" "$URL/nothing"
expect "invalid JSON" 400 "invalid JSON" -H 'Content-Type: application/json' -d '{"message":' "$URL/log"
expect "JSON without a message" 400 "message" -H 'Content-Type: application/json' -d '{"service":"X"}' "$URL/log"
expect "JSON with a bad service name" 400 "service" -H 'Content-Type: application/json' \
        -d '{"service":"a b","message":"x"}' "$URL/log"
expect "invalid UTF-8" 400 "UTF-8" -H 'Content-Type: text/plain' --data-binary $'bad \xff\xfe bytes' "$URL/log"
check_eq "none of them reached the file" 0 "$(grep -c -E 'xxxx|bad .* bytes' "$R/var/log/dgo/dgo.log")"

# 10,000 connections at once, bounded to 60 s: every one answered or closed,
# none left hanging, the service neither crashes nor restarts.
out=$(timeout 90 python3 "$TOOLS/httpload.py" burst 127.0.0.1 4000 --connections 10000 --timeout 60) || true
echo "burst: $out"
check_eq "burst: no connection left hanging after 60 s" 0 "$(json_get "$out" 'd["open"]')"
check_match "burst: most were answered 200" "^(9[0-9]{3}|10000)\$" "$(json_get "$out" 'd["answered"].get("200", 0)')"
check_eq "the same process still serves" "$pid" "$(box_main_pid dgo-log.service)"
check_eq "no restart" 0 "$(restarts dgo-log.service)"
check_eq "a normal message afterwards" 200 "$(post_log "[Bad] - after the storm")"

finish
