#!/bin/bash
# Proves dependents hear when a provider goes away or comes back (the
# registry follows the provider's unit over D-Bus): a foreign dependent
# (tests/tools/dependent.py) gets the initial patch with the log service
# without starting it; kill -9 of dgo-log.service gives Removed within 5 s
# (the latency is printed), Added after systemd restarts it; kill -STOP gives
# Removed only once the watchdog fires (>= 2 s, "Watchdog timeout" in the
# journal), then Added; `systemctl stop` of the service alone sends no
# Removed, stopping its socket does, starting the socket again sends Added.
set -uo pipefail
. "$REPO/tests/box/lib.sh"
. "$REPO/tests/box/dgo-lib.sh"

LOG_URL=http://127.0.0.1:4000
REC=$BOX_TMP/dependent.rec
: > "$REC"
removed_log='any(e["URL"] == "'$LOG_URL'" for e in p["Removed"])'
added_log='any(e["URL"] == "'$LOG_URL'" for e in p["Added"])'

ct_exec systemctl start dgo-registry.socket dgo-log.socket
wait_until 5 port_listens 3000

check "a foreign dependent registers (requires LogService)" \
        start_dependent TestDependent 7001 "$REC" --requires LogService
check "it receives the initial patch with the log service" \
        eventually 5 '[ "$(count_patches "$REC" "$added_log")" -ge 1 ]'
check_eq "dgo-log.service was not started by any of this" inactive "$(box_unit_prop dgo-log.service ActiveState)"

# Make the log service run, then kill it.
check_eq "a message starts the log service" 200 "$(post_log "[Deps] - hello")"
eventually 5 '[ "$(box_unit_prop dgo-log.service ActiveState)" = active ]'
sleep 0.3
pid=$(box_main_pid dgo-log.service)
t0=$EPOCHREALTIME
kill -9 "$pid"
check "kill -9: the dependent receives Removed" eventually 5 '[ -n "$(first_patch_time "$REC" "$removed_log" "$t0")" ]'
tr=$(first_patch_time "$REC" "$removed_log" "$t0")
echo "kill -9 -> Removed patch: $(awk -v a="$t0" -v b="$tr" 'BEGIN { printf "%.1f", (b - a) * 1000 }') ms"
check "after systemd restarts it, Added" eventually 5 '[ -n "$(first_patch_time "$REC" "$added_log" "$tr")" ]'
ta=$(first_patch_time "$REC" "$added_log" "$tr")
echo "kill -9 -> Added patch: $(awk -v a="$t0" -v b="$ta" 'BEGIN { printf "%.1f", (b - a) * 1000 }') ms"
check_eq "NRestarts of dgo-log.service is 1" 1 "$(box_unit_prop dgo-log.service NRestarts)"

# Freeze it: Removed once the watchdog fires, Added after the restart.
eventually 5 '[ "$(box_unit_prop dgo-log.service ActiveState)" = active ]'
check_eq "the log service serves again" 200 "$(post_log "[Deps] - again")"
sleep 0.3
t1=$EPOCHREALTIME
box_kill STOP dgo-log.service
check "kill -STOP: Removed after the watchdog fires" eventually 8 '[ -n "$(first_patch_time "$REC" "$removed_log" "$t1")" ]'
tr=$(first_patch_time "$REC" "$removed_log" "$t1")
d=$(awk -v a="$t1" -v b="$tr" 'BEGIN { printf "%.0f", (b - a) * 1000 }')
echo "kill -STOP -> Removed patch: $d ms (WatchdogSec=3s)"
check "... not before the watchdog (>= 2 s)" test "$d" -ge 2000
check "Added after the restart" eventually 5 '[ -n "$(first_patch_time "$REC" "$added_log" "$tr")" ]'
box_journal_sync
check_match "the journal says Watchdog timeout" "Watchdog timeout" "$(box_journal -u dgo-log.service -o cat)"

# A clean stop with the socket listening is not "gone".
n=$(count_patches "$REC" "$removed_log")
ct_exec systemctl stop dgo-log.service
sleep 1
check_eq "systemctl stop dgo-log.service (socket listening): no Removed" "$n" "$(count_patches "$REC" "$removed_log")"
ct_exec systemctl stop dgo-log.socket
check "stopping the socket too: Removed" eventually 3 '[ "$(count_patches "$REC" "$removed_log")" -gt "$n" ]'
n=$(count_patches "$REC" "$added_log")
ct_exec systemctl start dgo-log.socket
check "starting the socket again: Added" eventually 3 '[ "$(count_patches "$REC" "$added_log")" -gt "$n" ]'

finish
