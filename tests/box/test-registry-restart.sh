#!/bin/bash
# Proves the registry survives its own restart: after kill -9 and after
# `systemctl restart` GET /services shows the same registrations with the same
# health (from its state file, systemd and heartbeats); a later kill -9 of the
# log service still reaches the dependent as Removed, and a provider lost while
# the registry was down is reported Removed (and listed down) after it comes
# back. With its state directory read-only, registering, replacing and
# deregistering answer 500 and change neither GET /services nor the file;
# writable again, deregistering answers 200 and is saved.
set -uo pipefail
. "$REPO/tests/box/lib.sh"
. "$REPO/tests/box/dgo-lib.sh"

LOG_URL=http://127.0.0.1:4000
REC=$BOX_TMP/dependent.rec; : > "$REC"
ct_exec systemctl start dgo-registry.socket dgo-log.socket
wait_until 5 port_listens 3000
start_dependent TestDependent 7001 "$REC" --requires LogService
start_dependent Provider 7002 "$BOX_TMP/p.rec"
check_eq "a message starts the log service" 200 "$(post_log "[Restart] - hello")"
eventually 5 '[ "$(reg_field $LOG_URL Reason)" = running ]'

summary() { json_get "$(services_json)" '" ".join(sorted(r["ServiceName"] + "@" + r["ServiceURL"] + "=" + r["Health"] for r in d))'; }
before=$(summary)
echo "before: $before"
check "the state file exists" test -s "$R/var/lib/dgo-registry/registry.json"

for how in "kill -9" "systemctl restart"; do
    pid=$(box_main_pid dgo-registry.service)
    if [ "$how" = "kill -9" ]; then kill -9 "$pid"; else ct_exec systemctl restart dgo-registry.service; fi
    check "[$how] the registry answers again" eventually 5 '[ -n "$(services_json)" ]'
    check "[$how] a new process" test "$pid" != "$(box_main_pid dgo-registry.service)"
    check_unchanged "[$how] GET /services shows the same registrations and health" "$before" "$(summary)"
done

# A provider change after the restarts still reaches the dependent.
n=$(count_patches "$REC" 'any(e["URL"] == "'$LOG_URL'" for e in p["Removed"])')
pid=$(box_main_pid dgo-log.service)
kill -9 "$pid"
check "after the registry restarts, kill -9 of the log service still sends Removed" \
        eventually 5 '[ "$(count_patches "$REC" '"'"'any(e["URL"] == "'$LOG_URL'" for e in p["Removed"])'"'"')" -gt '$n' ]'

# A change while the registry is down: the dependent is told on restart.
ct_exec systemctl stop dgo-registry.socket dgo-registry.service
ct_exec systemctl stop dgo-log.socket dgo-log.service
sleep 0.3
n=$(count_patches "$REC" 'any(e["URL"] == "'$LOG_URL'" for e in p["Removed"])')
ct_exec systemctl start dgo-registry.socket
services_json >/dev/null
check "a provider that went away while the registry was down is reported Removed after its restart" \
        eventually 5 '[ "$(count_patches "$REC" '"'"'any(e["URL"] == "'$LOG_URL'" for e in p["Removed"])'"'"')" -gt '$n' ]'
check_eq "and is listed as down" down "$(reg_field $LOG_URL Health)"

# A change that cannot be saved is refused and not made: with the state
# directory read-only, registering, replacing and deregistering answer 500,
# and GET /services and the file stay as they were.
PROVIDER=http://127.0.0.1:7002
mkdir -p "$R/run/systemd/system/dgo-registry.service.d"
printf '[Service]\nReadOnlyPaths=/var/lib/dgo-registry\n' > "$R/run/systemd/system/dgo-registry.service.d/ro.conf"
ct_exec systemctl daemon-reload
ct_exec systemctl restart dgo-registry.service
eventually 5 '[ "$(reg_field $PROVIDER Health)" = up ]'
state_before=$(sha256sum < "$R/var/lib/dgo-registry/registry.json")
post_reg() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H 'Content-Type: application/json' --data-binary "$1" "$REGISTRY"; }
check_eq "unsaved: a new registration is refused with 500" 500 \
        "$(post_reg '{"ServiceName":"Unsaved","ServiceURL":"http://127.0.0.1:7099","HeartbeatURL":"http://127.0.0.1:7099/heartbeat"}')"
check_eq "unsaved: and is not listed" "" "$(reg_field http://127.0.0.1:7099 ServiceName)"
check_eq "unsaved: replacing a registration under a new name is refused with 500" 500 \
        "$(post_reg '{"ServiceName":"Renamed","ServiceURL":"'$PROVIDER'","HeartbeatURL":"'$PROVIDER'/heartbeat"}')"
check_eq "unsaved: the old registration stays, name and health" "Provider up" \
        "$(reg_field $PROVIDER ServiceName) $(reg_field $PROVIDER Health)"
check_eq "unsaved: deregistering is refused with 500" 500 \
        "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X DELETE -H 'Content-Type: text/plain' --data-binary $PROVIDER "$REGISTRY")"
check_eq "unsaved: and the service stays listed" Provider "$(reg_field $PROVIDER ServiceName)"
check_unchanged "unsaved: the state file is unchanged" "$state_before" "$(sha256sum < "$R/var/lib/dgo-registry/registry.json")"
rm "$R/run/systemd/system/dgo-registry.service.d/ro.conf"
ct_exec systemctl daemon-reload
ct_exec systemctl restart dgo-registry.service
check_eq "saved again: deregistering answers 200" 200 \
        "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X DELETE -H 'Content-Type: text/plain' --data-binary $PROVIDER "$REGISTRY")"
check_eq "saved again: and the service is gone" "" "$(reg_field $PROVIDER ServiceName)"
check "saved again: and gone from the state file" \
        eval '! grep -q "$PROVIDER" "$R/var/lib/dgo-registry/registry.json"'

finish
