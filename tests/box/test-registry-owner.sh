#!/bin/bash
# Proves the registry knows who owns what (issue 13), as a hostile local client
# would try it, each refusal with a 4xx and GET /services unchanged:
# a ServiceURL with a path or query (the portal's gateway would fetch it:
# SSRF), a ServiceUpdateURL or HeartbeatURL other than ServiceURL/services and
# /heartbeat, a host that is neither loopback nor --allow-service-host'ed (403; an
# allowed one is taken), re-registering a descriptor's URL (the grading
# service's) under another name, DELETE of it, a new URL under a dgo
# service's name (its dependents would be told of it with the registry's
# token), an anonymous claim of a dgo Unit (403); the Reason of a failed heartbeat is the fixed "heartbeat
# failed", never the connection error; an anonymous entry whose heartbeat has
# failed for --anonymous-expiry (3 s here) is removed, from the table and the
# state file, while a client's DELETE of its own entry keeps working.
set -uo pipefail
. "$REPO/tests/box/lib.sh"
. "$REPO/tests/box/dgo-lib.sh"

mkdir -p "$R/etc/systemd/system/dgo-registry.service.d"
printf '%s\n' '[Service]' 'ExecStart=' \
    'ExecStart=/usr/libexec/dgo/dgo-registry --heartbeat-interval 1 --heartbeat-attempts 2 --heartbeat-timeout 500 --anonymous-expiry 3 --allow-service-host registry-test.example' \
    > "$R/etc/systemd/system/dgo-registry.service.d/test.conf"
ct_exec systemctl daemon-reload
ct_exec systemctl start dgo-registry.socket dgo-log.socket
wait_until 5 port_listens 3000
STATE=$R/var/lib/dgo-registry/registry.json
GRADING=http://127.0.0.1:6000

# table -> the registrations, one line each, without their health
table() { json_get "$(services_json)" '"\n".join(sorted(" ".join([r["ServiceName"], r["ServiceURL"], ",".join(r["RequiredServices"]), r["ServiceUpdateURL"], r["HeartbeatURL"], str(r["Unit"])]) for r in d))' 2>&1; }
# post BODY -> "STATUS ERROR"
post() {
    local out
    out=$(curl -s --max-time 5 -w '\n%{http_code}' -H 'Content-Type: application/json' --data-binary "$1" "$REGISTRY") || true
    echo "${out##*$'\n'} $(json_get "${out%$'\n'*}" 'd.get("error", "")' 2>/dev/null)"
}
delete() {
    curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X DELETE -H 'Content-Type: text/plain' \
        --data-binary "$1" "$REGISTRY" || true
}
foreign() {  # foreign NAME URL [EXTRA]
    printf '{"ServiceName":"%s","ServiceURL":"%s","HeartbeatURL":"%s/heartbeat"%s}' "$1" "$2" "$2" "${3:+,$3}"
}
# refused DESC STATUS REGEX BODY: refused with STATUS, the error matches REGEX, the table unchanged
refused() {
    local before after got
    before=$(table); got=$(post "$4"); after=$(table)
    check_match "$1: $2" "^$2 " "$got"
    check_match "$1: the error says why" "$3" "$got"
    check_unchanged "$1: GET /services unchanged" "$before" "$after"
}

check_match "the grading service's descriptor is listed" "^GradingService $GRADING " "$(table)"

# --- URLs: http://HOST:PORT, nothing more
refused "a ServiceURL with a path (SSRF through the gateway)" 400 '"ServiceURL" is not valid' \
    '{"ServiceName":"GradingService","ServiceURL":"http://127.0.0.1:7200/internal-only/secret?x=","HeartbeatURL":"http://127.0.0.1:7200/internal-only/secret?x=/heartbeat"}'
refused "a ServiceURL with a query" 400 '"ServiceURL" is not valid' "$(foreign Q 'http://127.0.0.1:7200?x=1')"
refused "a ServiceUpdateURL elsewhere" 400 '"ServiceUpdateURL" is not valid' \
    "$(foreign U http://127.0.0.1:7200 '"ServiceUpdateURL":"http://127.0.0.1:7201/services"')"
refused "a HeartbeatURL with another path" 400 '"HeartbeatURL" is not valid' \
    '{"ServiceName":"H","ServiceURL":"http://127.0.0.1:7200","HeartbeatURL":"http://127.0.0.1:22/"}'
refused "a host that is not loopback" 403 'host that is not allowed' "$(foreign Far http://192.0.2.1:80)"
refused "a name that is not loopback" 403 'host that is not allowed' "$(foreign Far http://example.org:80)"
check_match "a host the operator allowed (--allow-service-host) is taken" '^200 ' \
    "$(post "$(foreign Near http://registry-test.example:7300)")"
check_eq "... and its registrant may delete it" 200 "$(delete http://registry-test.example:7300)"

# --- what belongs to dgo's services
refused "re-registering the grading service's URL under another name" 403 'registered by GradingService' \
    "$(foreign Evil $GRADING)"
refused "an anonymous provider under a dgo service's name (the portal would be told of it)" 403 \
    "GradingService is a dgo service's name" "$(foreign GradingService http://127.0.0.1:7302)"
before=$(table); code=$(delete $GRADING); after=$(table)
check_eq "DELETE of the grading service's URL: 403" 403 "$code"
check_unchanged "... GET /services unchanged" "$before" "$after"
refused "an anonymous claim of dgo-grading.service" 403 'anonymous registration may not claim a "Unit"' \
    "$(foreign Squatter http://127.0.0.1:7301 '"Unit":"dgo-grading.service"')"
refused "an anonymous claim of an unknown Unit" 403 'anonymous registration may not claim a "Unit"' \
    "$(foreign Squatter http://127.0.0.1:7301 '"Unit":"sshd.service"')"

# --- a failed heartbeat: a fixed Reason, then expiry
check_match "a foreign service where nothing listens registers" '^200 ' "$(post "$(foreign Gone http://127.0.0.1:7302)")"
check "it is down within 5 s" eventually 5 '[ "$(health_of http://127.0.0.1:7302)" = down ]'
check_eq "its Reason is the fixed text, not the connection error" "heartbeat failed" \
    "$(reg_field http://127.0.0.1:7302 Reason)"
check_match "it is in the state file" '7302' "$(cat "$STATE" 2>&1)"
check "it expires (removed) within 3 s + 3 s of slack" eventually 6 '[ -z "$(health_of http://127.0.0.1:7302)" ]'
check "... and is gone from the state file" eventually 2 '! grep -q 7302 "$STATE"'
check_match "the registry logged the expiry" 'Gone at http://127.0.0.1:7302 expires' \
    "$(box_journal -u dgo-registry.service -o cat)"

# --- a client's own DELETE keeps working
check_match "a foreign service registers" '^200 ' "$(post "$(foreign Seed http://127.0.0.1:7303)")"
check_eq "... and deletes its own entry: 200" 200 "$(delete http://127.0.0.1:7303)"
check_eq "... which is gone" "" "$(health_of http://127.0.0.1:7303)"

check_eq "the registry never restarted" 0 "$(restarts dgo-registry.service)"
finish
