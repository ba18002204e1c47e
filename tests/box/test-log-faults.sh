#!/bin/bash
# Proves dgo-log survives faults without losing what it answered: kill -STOP
# gets it killed by the watchdog (SIGABRT, "Watchdog timeout") and restarted
# (NRestarts 1), and a message sent while it was frozen is answered by the new
# process and written once; after kill -9 the next request is served; SIGTERM
# is a clean stop (exit status 0, result success, the socket still listens,
# the next message starts it). Then 40,000 messages from 50 clients with a
# SIGTERM and later a kill -9 in the middle: at least 20,000 answered 200,
# and every one of those is in the file (once) and in the journal.
set -uo pipefail
. "$REPO/tests/box/lib.sh"
. "$REPO/tests/box/dgo-lib.sh"

# The load at the end is one anonymous client sending 40,000 messages as fast
# as it can: it gets a raised allowance, as bench/log.sh's client does (the
# default limit itself is test-log-limits.sh's).
mkdir -p "$R/etc/systemd/system/dgo-log.service.d"
printf '%s\n' '[Service]' 'Environment=DGO_LOG_RATE_LIMIT=10000000/10000000' \
    > "$R/etc/systemd/system/dgo-log.service.d/test-faults.conf"
ct_exec systemctl daemon-reload
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
check_eq "the frozen-time message is in the file once" 1 "$(grep -c "(claimed:Fault) info sent while frozen" "$R/var/log/dgo/dgo.log")"

# kill -9: systemd restarts it; the next request is served.
box_kill KILL dgo-log.service
check_eq "after kill -9 the next request is served" 200 "$(post_log "[Fault] - after kill")"
check "the service is active again" eventually 5 '[ "$(box_unit_prop dgo-log.service ActiveState)" = active ]'
check_eq "NRestarts is 2" 2 "$(restarts dgo-log.service)"
check_eq "the messages before and after the kill are both in the file" 2 \
        "$(grep -cE "\(claimed:Fault\) info (before|after kill)\$" "$R/var/log/dgo/dgo.log")"

# SIGTERM: a clean exit with status 0, not a failure.
box_kill TERM dgo-log.service
check "the service stops on SIGTERM" eventually 5 '[ "$(box_unit_prop dgo-log.service ActiveState)" = inactive ]'
check_eq "its exit status is 0" 0 "$(box_unit_prop dgo-log.service ExecMainStatus)"
check_eq "its result is success" success "$(box_unit_prop dgo-log.service Result)"
check_eq "the socket still listens" active "$(box_unit_prop dgo-log.socket ActiveState)"
check_eq "and the next message starts it again" 200 "$(post_log "[Fault] - after term")"
box_journal_sync
check_match "the service logged its clean stop" "Stopping after [0-9]+ messages" "$(box_journal -u dgo-log.service -o cat)"

# Under load, answers go out only after their batch is written: SIGTERM and
# then kill -9 in the middle of 50 busy clients lose nothing that was
# answered 200 (the rest get an error or a closed connection, never a 200).
f=$R/var/log/dgo/dgo.log
crash_lines() { grep -c "(claimed:Crash) info crash message [0-9]* of run $$\$" "$f"; }
python3 "$TOOLS/httpload.py" post http://127.0.0.1:4000/log --count 40000 --concurrency 50 \
        --body "[Crash] - crash message {i} of run $$" --record "$BOX_TMP/acked" >"$BOX_TMP/crash.json" &
load=$!
check "the load is being written" wait_until 20 eval '[ "$(crash_lines)" -ge 1000 ]'
box_kill TERM dgo-log.service
check "a new instance takes the load after SIGTERM" wait_until 20 eval '[ "$(crash_lines)" -ge 3000 ]'
restarts_before=$(restarts dgo-log.service)
# The lines above may all be the old instance's last batches: kill the new
# one once it runs (seen in CI: "has no main process").
wait_until 10 box_main_pid dgo-log.service >/dev/null
box_kill KILL dgo-log.service
check "systemd restarts it after kill -9 under load" \
        eventually 10 '[ "$(restarts dgo-log.service)" -gt "$restarts_before" ]'
wait $load
echo "load: $(cat "$BOX_TMP/crash.json")"
acked=$(wc -l <"$BOX_TMP/acked")
check "most messages were answered 200" test "$acked" -ge 20000
missing=$(grep -o "crash message [0-9]* of run $$\$" "$f" | awk '{ print $3 }' | sort -u |
          comm -13 - <(sort -u "$BOX_TMP/acked") | wc -l)
check_eq "every message answered 200 ($acked) is in the file" 0 "$missing"
check_eq "none twice" "$(crash_lines)" \
        "$(grep -o "crash message [0-9]* of run $$\$" "$f" | sort -u | wc -l)"
box_journal_sync
missing=$(box_journal DGO_CLAIMED_SERVICE=Crash -o cat | awk -v run="$$" '$6 == run { print $3 }' | sort -u |
          comm -13 - <(sort -u "$BOX_TMP/acked") | wc -l)
check_eq "every message answered 200 is in the journal" 0 "$missing"

finish
