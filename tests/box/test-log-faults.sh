#!/bin/bash
# Faults: a frozen service is killed by the watchdog and restarted; a killed one
# is restarted; SIGTERM is a clean stop. Nothing sent meanwhile is lost.
set -uo pipefail
. "$REPO/tests/box/lib.sh"
. "$REPO/tests/box/dgo-lib.sh"

ct_exec systemctl start dgo-log.socket
wait_until 5 port_listens 4000
check_eq "first message" 200 "$(post_log "[Fault] - before")"
pid1=$(box_main_pid dgo-log.service)

# Freeze it: the loop stops sending WATCHDOG=1, systemd kills it with SIGABRT
# and starts it again; a message sent meanwhile waits in the socket's backlog.
box_kill STOP dgo-log.service
t0=$EPOCHREALTIME
code=$(post_log "[Fault] - sent while frozen")
t1=$EPOCHREALTIME
check_eq "a message sent while frozen is answered (by the new instance)" 200 "$code"
echo "answered after $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s (WatchdogSec=3s)"
check_eq "NRestarts went up to 1" 1 "$(restarts dgo-log.service)"
pid2=$(box_main_pid dgo-log.service)
check "a new process serves" test "$pid1" != "$pid2"
box_journal_sync
j=$(box_journal -u dgo-log.service -o cat)
check_match "the journal says Watchdog timeout" "Watchdog timeout" "$j"
check_match "the journal says it was killed with SIGABRT" "Killing process .* with signal SIGABRT" "$j"
check_eq "the frozen-time message is in the file once" 1 "$(grep -c "Fault info sent while frozen" "$R/var/log/dgo/dgo.log")"

# kill -9: systemd restarts it; the next request is served.
box_kill KILL dgo-log.service
check_eq "after kill -9 the next request is served" 200 "$(post_log "[Fault] - after kill")"
check "the service is active again" eventually 5 '[ "$(box_unit_prop dgo-log.service ActiveState)" = active ]'
check_eq "NRestarts is 2" 2 "$(restarts dgo-log.service)"
check_eq "the messages before and after the kill are both in the file" 2 \
        "$(grep -cE "Fault info (before|after kill)\$" "$R/var/log/dgo/dgo.log")"

# SIGTERM: a clean exit with status 0, not a failure.
box_kill TERM dgo-log.service
check "the service stops on SIGTERM" eventually 5 '[ "$(box_unit_prop dgo-log.service ActiveState)" = inactive ]'
check_eq "its exit status is 0" 0 "$(box_unit_prop dgo-log.service ExecMainStatus)"
check_eq "its result is success" success "$(box_unit_prop dgo-log.service Result)"
check_eq "the socket still listens" active "$(box_unit_prop dgo-log.socket ActiveState)"
check_eq "and the next message starts it again" 200 "$(post_log "[Fault] - after term")"
box_journal_sync
check_match "the service logged its clean stop" "Stopping after [0-9]+ messages" "$(box_journal -u dgo-log.service -o cat)"

finish
