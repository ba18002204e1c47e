#!/bin/bash
# Rotating the central log with the installed /etc/logrotate.d/dgo: the old
# lines move to dgo.log.1, the running service (not restarted, only told by
# SIGHUP) writes the next ones to a new dgo.log of its own; with the service
# stopped, rotating still works and the next message starts it on a new file.
set -uo pipefail
. "$REPO/tests/box/lib.sh"
. "$REPO/tests/box/dgo-lib.sh"

LOG=$R/var/log/dgo/dgo.log
rotate() { ct_exec logrotate -f /etc/logrotate.d/dgo 2>&1; }

check "the package's logrotate file is installed" test -f "$R/etc/logrotate.d/dgo"
check "logrotate accepts it" ct_exec logrotate -d /etc/logrotate.d/dgo
ct_exec systemctl start dgo-log.socket
wait_until 5 port_listens 4000
for i in 1 2 3; do post_log "[Rotate] - before $i" >/dev/null; done
check_eq "three lines before rotating" 3 "$(grep -c '(claimed:Rotate) info before' "$LOG")"
pid=$(box_unit_prop dgo-log.service MainPID)
owner=$(stat -c %U "$LOG")

out=$(rotate)
check_eq "logrotate -f exits 0 and says nothing" "" "$out"
check_eq "the old lines are in dgo.log.1" 3 "$(grep -c '(claimed:Rotate) info before' "$LOG.1" 2>/dev/null)"
check_eq "a new message is answered" 200 "$(post_log "[Rotate] - after 1")"
check "the service wrote it to a new dgo.log" eventually 5 '[ "$(grep -c "(claimed:Rotate) info after 1" "'"$LOG"'")" = 1 ]'
check_eq "... which holds only that line" 1 "$(wc -l < "$LOG")"
check_eq "... owned by the service's user" "$owner" "$(stat -c %U "$LOG")"
check_eq "the service was not restarted (same PID, NRestarts 0)" "$pid/0" \
        "$(box_unit_prop dgo-log.service MainPID)/$(restarts dgo-log.service)"

# Stopped (socket-activated): rotating is not an error, the next start opens the new file.
ct_exec systemctl stop dgo-log.service
out=$(rotate)
check_eq "with the service stopped, logrotate -f still exits 0 quietly" "" "$out"
check "the previous file went to dgo.log.1, the oldest compressed" \
        test -f "$LOG.1" -a -f "$LOG.2.gz"
check_eq "the next message starts the service and is answered" 200 "$(post_log "[Rotate] - after 2")"
check_eq "it is the only line of the new dgo.log" "1 1" \
        "$(grep -c '(claimed:Rotate) info after 2' "$LOG") $(wc -l < "$LOG")"

finish
