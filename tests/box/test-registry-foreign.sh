#!/bin/bash
# Proves foreign services (registered without a Unit) are watched by their
# heartbeat, as in the original: two providers of one name are both listed
# and announced; DELETE of one announces only that one; with polling every
# 1 s, down after 2 failures, 500 ms timeout: a failing heartbeat (500) is
# down within 5 s with Removed, and up with Added when it answers again; a
# hanging one and a killed service are down within 5 s too (the killed one
# with Removed); re-registering a URL under another name moves
# it (Removed for the old name, Added for the new, listed once); the registry
# answers GET /services in under 0.5 s meanwhile and never restarts.
set -uo pipefail
. "$REPO/tests/box/lib.sh"
. "$REPO/tests/box/dgo-lib.sh"

# Faster polling for the test: every 1 s, down after 2 failures, 500 ms timeout.
mkdir -p "$R/etc/systemd/system/dgo-registry.service.d"
printf '%s\n' '[Service]' 'ExecStart=' \
    'ExecStart=/usr/libexec/dgo/dgo-registry --heartbeat-interval 1 --heartbeat-attempts 2 --heartbeat-timeout 500' \
    > "$R/etc/systemd/system/dgo-registry.service.d/test.conf"
ct_exec systemctl daemon-reload
ct_exec systemctl start dgo-registry.socket
wait_until 5 port_listens 3000
BOUND=5   # 2 intervals + a timeout, with slack for a busy machine

CONSUMER=$BOX_TMP/consumer.rec; : > "$CONSUMER"
start_dependent Consumer 7010 "$CONSUMER" --requires Provider
check "provider A registers" start_dependent Provider 7011 "$BOX_TMP/a.rec"
check "provider B registers" start_dependent Provider 7012 "$BOX_TMP/b.rec"
added() { count_patches "$CONSUMER" 'any(e["URL"] == "http://127.0.0.1:'$1'" for e in p["Added"])'; }
removed() { count_patches "$CONSUMER" 'any(e["URL"] == "http://127.0.0.1:'$1'" for e in p["Removed"])'; }
check "the consumer hears of provider A" eventually 3 '[ "$(added 7011)" -ge 1 ]'
check "... and of provider B" eventually 3 '[ "$(added 7012)" -ge 1 ]'
j=$(services_json)
check_eq "GET /services lists both providers" 2 "$(json_get "$j" 'sum(r["ServiceName"] == "Provider" for r in d)')"

# DELETE one: only that one is announced.
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H 'Content-Type: text/plain' \
        --data-binary http://127.0.0.1:7012 "$REGISTRY") || true
check_eq "DELETE of provider B: 200" 200 "$code"
check "the consumer gets Removed for B" eventually 3 '[ "$(removed 7012)" -ge 1 ]'
check_eq "... and nothing for A" 0 "$(removed 7011)"
check_eq "B is no longer listed" "" "$(health_of http://127.0.0.1:7012)"

# A heartbeat that fails (500): down within the bound, Removed.
curl -s -d fail http://127.0.0.1:7011/control/heartbeat
t0=$SECONDS
check "failing heartbeat: A is down within ${BOUND} s" eventually $BOUND '[ "$(health_of http://127.0.0.1:7011)" = down ]'
check "the consumer gets Removed for A" eventually 2 '[ "$(removed 7011)" -ge 1 ]'
# It answers again: up, Added.
curl -s -d ok http://127.0.0.1:7011/control/heartbeat
check "answering again: A is up" eventually $BOUND '[ "$(health_of http://127.0.0.1:7011)" = up ]'
check "the consumer gets Added for A again" eventually 2 '[ "$(added 7011)" -ge 2 ]'

# Re-registering A's URL under another name: the old name's dependents lose
# it, the new name's hear of it.
R2=$BOX_TMP/renamed.rec; : > "$R2"
start_dependent Consumer2 7014 "$R2" --requires Renamed
n=$(removed 7011)
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d \
        '{"ServiceName":"Renamed","ServiceURL":"http://127.0.0.1:7011","HeartbeatURL":"http://127.0.0.1:7011/heartbeat"}' \
        "$REGISTRY") || true
check_eq "re-registering A as Renamed: 200" 200 "$code"
check "the consumer of Provider gets Removed for A" eventually 3 '[ "$(removed 7011)" -gt '$n' ]'
check "the consumer of Renamed gets Added for A" \
        eventually 3 '[ "$(count_patches "$R2" '"'"'any(e["URL"] == "http://127.0.0.1:7011" for e in p["Added"])'"'"')" -ge 1 ]'
check_eq "A is listed once, as Renamed" Renamed "$(reg_field http://127.0.0.1:7011 ServiceName)"

# A heartbeat that hangs (accepts, never answers): down within the bound too,
# and the registry keeps answering meanwhile.
curl -s -d hang http://127.0.0.1:7011/control/heartbeat
check "hanging heartbeat: A is down within ${BOUND} s" eventually $BOUND '[ "$(health_of http://127.0.0.1:7011)" = down ]'
t=$( { /usr/bin/time -f %e curl -s -o /dev/null "$REGISTRY"; } 2>&1 ) || true
check "the registry answered GET /services in under 0.5 s meanwhile ($t s)" awk -v t="$t" 'BEGIN { exit !(t < 0.5) }'

# A service that is gone altogether (connection refused).
check "provider C registers" start_dependent Provider 7013 "$BOX_TMP/c.rec"
check "the consumer hears of C" eventually 3 '[ "$(added 7013)" -ge 1 ]'
pkill_pid=$(ss -Hltnp 'sport = :7013' | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1)
[ -z "$pkill_pid" ] || kill -KILL "$pkill_pid"
check "a killed foreign service is down within ${BOUND} s" eventually $BOUND '[ "$(health_of http://127.0.0.1:7013)" = down ]'
check "the consumer gets Removed for C" eventually 2 '[ "$(removed 7013)" -ge 1 ]'

check_eq "the registry never restarted" 0 "$(box_unit_prop dgo-registry.service NRestarts)"
finish
