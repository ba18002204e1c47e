#!/bin/bash
# Proves socket-activated services are known to the registry before they
# ever run: with the registry's and dgo-log's sockets started in either
# order, GET /services lists LogService with its unit, up ("socket
# listening"), and asking did not start dgo-log.service; it is down once its
# socket stops and up when it listens again. Once it runs it has registered
# itself (listed once, "running", with its unit) through dgo-register, which
# has exited (dgo-log runs alone, without libcurl mapped); stopping the
# service with its socket listening keeps it up ("starts on demand").
set -uo pipefail
. "$REPO/tests/box/lib.sh"
. "$REPO/tests/box/dgo-lib.sh"

LOG_URL=http://127.0.0.1:4000

for order in "dgo-registry.socket dgo-log.socket" "dgo-log.socket dgo-registry.socket"; do
    ct_exec systemctl stop dgo-registry.socket dgo-registry.service dgo-log.socket dgo-log.service
    for s in $order; do ct_exec systemctl start "$s"; done
    wait_until 5 port_listens 3000; wait_until 5 port_listens 4000
    check_eq "[$order] dgo-log.service is not running yet" inactive "$(box_unit_prop dgo-log.service ActiveState)"
    j=$(services_json)
    check_match "[$order] GET /services answers (and starts the registry)" '^\[' "$j"
    check_eq "[$order] LogService is listed with its unit" "dgo-log.service" \
        "$(json_get "$j" '[r["Unit"] for r in d if r["ServiceURL"] == "'$LOG_URL'"][0]')"
    check_eq "[$order] ... and is available (up)" up "$(health_of $LOG_URL)"
    check_match "[$order] ... because its socket listens" "socket listening" \
        "$(json_get "$j" '[r["Reason"] for r in d if r["ServiceURL"] == "'$LOG_URL'"][0]')"
    check_eq "[$order] asking the registry did not start dgo-log.service" inactive \
        "$(box_unit_prop dgo-log.service ActiveState)"
done

# The socket stopped: the service is not available any more.
ct_exec systemctl stop dgo-log.socket
check "LogService is down once its socket is stopped" eventually 3 '[ "$(health_of $LOG_URL)" = down ]'
ct_exec systemctl start dgo-log.socket
check "and up again when it listens again" eventually 3 '[ "$(health_of $LOG_URL)" = up ]'

# The log service registers itself when it starts, with its unit.
check_eq "a message starts dgo-log.service" 200 "$(post_log "[Known] - hello")"
box_journal_sync
# By the helper's name, not the unit's: dgo-register lives a few milliseconds, and journald,
# which looks the unit of a message's sender up in /proc, may find it gone (seen under load).
check "dgo-log registered itself as LogService" \
        eventually 5 'grep -q "Registered as LogService" <<<"$(box_journal -t dgo-register -o cat)"'
check "it is listed once, now running" eventually 5 '[ "$(reg_field $LOG_URL Reason)" = running ]'
check_eq "... with its unit" dgo-log.service "$(reg_field $LOG_URL Unit)"
check_eq "... once" 1 "$(json_get "$(services_json)" 'sum(r["ServiceURL"] == "'$LOG_URL'" for r in d)')"
# It registered through dgo-register, which is gone once done: what
# `systemctl status` shows in the unit's CGroup is dgo-log alone.
log_cgroup() { ct_exec systemd-cgls --no-pager -u dgo-log.service; }
check "dgo-register has exited: dgo-log.service runs dgo-log alone" \
        eventually 5 '! grep -q dgo-register <<<"$(log_cgroup)" && grep -q /usr/libexec/dgo/dgo-log <<<"$(log_cgroup)"'
check_eq "dgo-log.service does not map libcurl" 0 "$(grep -c libcurl "/proc/$(box_main_pid dgo-log.service)/maps")"

# A service that stops while its socket listens is not announced as gone.
ct_exec systemctl stop dgo-log.service
check "dgo-log.service stopped, socket listening: up, starts on demand" \
        eventually 3 '[ "$(reg_field $LOG_URL Health)/$(reg_field $LOG_URL Reason)" = "up/socket listening, starts on demand" ]'

finish
